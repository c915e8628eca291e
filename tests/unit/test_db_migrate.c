/*
 * test_db_migrate.c - src/db/migrate.c: a fresh database migrates to the
 * latest version, a second run changes nothing, the version survives a
 * reopen, and the schema stores every field the model says is stored.
 */
#include <stdbool.h>

#include "unit.h"

#include "common/config.h"
#include "common/errors.h"
#include "db/db.h"
#include "model/model.h"

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = unit_tmpdir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unit_rmdir(dir);
	free(dir);
	dir = NULL;
	return 0;
}

static struct db *
open_mem(void)
{
	struct db *db = NULL;

	assert_int_equal(db_open("sqlite:///:memory:", &db), 0);
	assert_non_null(db);
	return db;
}

static void
test_fresh(void **state)
{
	struct db *db = open_mem();
	int from = -1, to = -1, v = -1;

	(void)state;
	assert_true(db_schema_latest() >= 1);
	assert_int_equal(db_schema_version(db, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(db_migrate(db, &from, &to), 0);
	assert_int_equal(from, 0);
	assert_int_equal(to, db_schema_latest());
	assert_int_equal(db_schema_version(db, &v), 0);
	assert_int_equal(v, db_schema_latest());
	assert_int_equal(db->txn_depth, 0);	/* nothing left open */
	db_close(db);
}

static void
test_idempotent(void **state)
{
	struct db *db = open_mem();
	int from = -1, to = -1;
	json_t *row;

	(void)state;
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	assert_int_equal(db_migrate(db, &from, &to), 0);
	assert_int_equal(from, db_schema_latest());
	assert_int_equal(to, db_schema_latest());
	/* One row per version, none added by the second run. */
	assert_int_equal(db_query_one(db, "SELECT COUNT(*) AS n, "
	    "COUNT(DISTINCT version) AS d FROM schema_version", NULL, &row),
	    0);
	assert_int_equal(json_integer_value(json_object_get(row, "n")),
	    db_schema_latest());
	assert_int_equal(json_integer_value(json_object_get(row, "d")),
	    db_schema_latest());
	json_decref(row);
	db_close(db);
}

/* A file database keeps its version; a second unit does not re-migrate. */
static void
test_reopen(void **state)
{
	char *path = unit_path(dir, "sub/dir/octa.db");
	char url[4096];
	struct db *db = NULL, *db2 = NULL;
	int from = -1, to = -1;

	(void)state;
	snprintf(url, sizeof(url), "sqlite:///%s", path);	/* absolute */
	assert_int_equal(db_open(url, &db), 0);	/* creates sub/dir */
	assert_int_equal(db_migrate(db, &from, &to), 0);
	assert_int_equal(from, 0);
	assert_int_equal(db_open(url, &db2), 0);
	assert_int_equal(db_migrate(db2, &from, &to), 0);
	assert_int_equal(from, db_schema_latest());
	assert_int_equal(to, db_schema_latest());
	assert_int_equal(access(path, F_OK), 0);
	db_close(db2);
	db_close(db);
	free(path);
}

static void
test_bad_url(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_int_equal(db_open("postgresql://localhost/octa", &db),
	    -OCTA_EINVAL);
	assert_null(db);
	assert_int_equal(db_open("sqlitex:///tmp/x", &db), -OCTA_EINVAL);
	assert_null(db);
}

/* The set of column names of `table`, from PRAGMA table_info. */
static json_t *
columns(struct db *db, const char *table)
{
	char sql[256];
	json_t *rows, *row, *cols = json_object();
	size_t i;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	assert_int_equal(db_query(db, sql, NULL, &rows), 0);
	json_array_foreach(rows, i, row)
		json_object_set(cols, json_string_value(json_object_get(row,
		    "name")), json_object_get(row, "notnull"));
	json_decref(rows);
	return cols;
}

/*
 * Every stored field (F_S) of every resource has a column, and no column
 * of a resource table is unknown to the model (a column the model does not
 * know is never read or written: usually a typo on one side).
 */
static void
test_model_columns(void **state)
{
	struct db *db = open_mem();
	size_t k, i;
	int missing = 0;

	(void)state;
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	for (k = 0; k < RES__COUNT; k++) {
		const struct resource *res = model_resource(
		    (enum resource_kind)k);
		json_t *cols;
		const char *name;
		json_t *v;

		assert_non_null(res);
		cols = columns(db, res->table);
		if (json_object_size(cols) == 0)
			fail_msg("resource %s: no table %s", res->name,
			    res->table);
		for (i = 0; i < res->nfields; i++) {
			const struct field *f = &res->fields[i];

			if (!(f->flags & F_S))
				continue;
			if (json_object_get(cols, model_col(f)) == NULL) {
				print_error("resource %s: field %s has no "
				    "column %s.%s\n", res->name, f->name,
				    res->table, model_col(f));
				missing++;
			}
		}
		json_object_foreach(cols, name, v) {
			bool known = false;

			for (i = 0; i < res->nfields; i++)
				if (res->fields[i].flags & F_S &&
				    strcmp(model_col(&res->fields[i]),
				    name) == 0)
					known = true;
			if (!known) {
				print_error("table %s: column %s is no stored "
				    "field of resource %s\n", res->table, name,
				    res->name);
				missing++;
			}
		}
		/* The key of each resource is a column. */
		assert_non_null(json_object_get(cols, model_col(model_field(res,
		    res->key))));
		json_decref(cols);
	}
	assert_int_equal(missing, 0);
	db_close(db);
}

/*
 * The job table has what the worker's claim and lease logic relies on
 * (docs/internals.md "Jobs and flows").
 */
static void
test_job_table(void **state)
{
	static const char *const want[] = { "id", "kind", "object_id",
		"lb_id", "payload", "state", "step", "owner", "lease_until",
		"attempts", "error", "created_ms", "updated_at" };
	struct db *db = open_mem();
	json_t *cols;
	size_t i;

	(void)state;
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	cols = columns(db, "job");
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (json_object_get(cols, want[i]) == NULL)
			fail_msg("job table has no column %s", want[i]);
	json_decref(cols);
	cols = columns(db, "amphora_health");
	assert_non_null(json_object_get(cols, "amphora_id"));
	assert_non_null(json_object_get(cols, "last_update"));
	json_decref(cols);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test(test_bad_url),
		cmocka_unit_test(test_model_columns),
		cmocka_unit_test(test_job_table),
	};

	return cmocka_run_group_tests_name("db/migrate", tests, NULL, NULL);
}
