/*
 * db_sqlite.c - the SQLite backend: WAL mode, a busy timeout, and a small
 * cache of prepared statements keyed by SQL text.  One struct db per thread.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/xalloc.h"

#define STMT_CACHE 128

struct sqlite_db {
	struct db base;
	sqlite3 *h;
	struct {
		char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
};

static void
mkdirs_for(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0700);
			*s = '/';
		}
	}
	free(p);
}

static int
sq_open(const char *url, struct db **out)
{
	struct sqlite_db *d;
	const char *path;
	int rc;

	/* sqlite:///relative or sqlite:////absolute, as SQLAlchemy reads it */
	if (strncmp(url, "sqlite://", 9) != 0)
		return -OCTA_EINVAL;
	path = url + 9;
	if (*path == '/')
		path++;
	if (*path == '\0')
		path = ":memory:";
	else if (strcmp(path, ":memory:") != 0)
		mkdirs_for(path);
	d = xcalloc(1, sizeof(*d));
	d->base.ops = &db_sqlite_ops;
	rc = sqlite3_open_v2(path, &d->h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		log_error("db sqlite open failed path=%s err=%s", path,
		    d->h ? sqlite3_errmsg(d->h) : "nomem");
		sqlite3_close(d->h);
		free(d);
		return -OCTA_EDB;
	}
	sqlite3_busy_timeout(d->h, 10000);
	sqlite3_exec(d->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_exec(d->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	sqlite3_exec(d->h, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
	*out = &d->base;
	return 0;
}

static void
sq_close(struct db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	int i;

	for (i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(d->cache[i].st);
		free(d->cache[i].sql);
	}
	sqlite3_close(d->h);
	free(d);
}

static unsigned
hash_sql(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* A prepared, reset statement for `sql`, from the cache when possible. */
static int
sq_prepare(struct sqlite_db *d, const char *sql, sqlite3_stmt **out)
{
	unsigned slot = hash_sql(sql) % STMT_CACHE;
	sqlite3_stmt *st;

	if (d->cache[slot].sql && strcmp(d->cache[slot].sql, sql) == 0) {
		st = d->cache[slot].st;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		*out = st;
		return 0;
	}
	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("db sqlite prepare failed err=%s sql=%.200s",
		    sqlite3_errmsg(d->h), sql);
		return -OCTA_EDB;
	}
	sqlite3_finalize(d->cache[slot].st);
	free(d->cache[slot].sql);
	d->cache[slot].sql = xstrdup(sql);
	d->cache[slot].st = st;
	*out = st;
	return 0;
}

static int
sq_bind(sqlite3_stmt *st, json_t *params)
{
	size_t i;
	json_t *v;
	int rc = SQLITE_OK;

	json_array_foreach(params, i, v) {
		int idx = (int)i + 1;

		switch (json_typeof(v)) {
		case JSON_STRING:
			rc = sqlite3_bind_text(st, idx, json_string_value(v),
			    (int)json_string_length(v), SQLITE_TRANSIENT);
			break;
		case JSON_INTEGER:
			rc = sqlite3_bind_int64(st, idx, json_integer_value(v));
			break;
		case JSON_REAL:
			rc = sqlite3_bind_double(st, idx, json_real_value(v));
			break;
		case JSON_TRUE:
			rc = sqlite3_bind_int(st, idx, 1);
			break;
		case JSON_FALSE:
			rc = sqlite3_bind_int(st, idx, 0);
			break;
		case JSON_NULL:
			rc = sqlite3_bind_null(st, idx);
			break;
		default: {
			char *s = json_dumps(v, JSON_COMPACT);

			rc = sqlite3_bind_text(st, idx, s, -1, free);
			break;
		}
		}
		if (rc != SQLITE_OK)
			return -OCTA_EDB;
	}
	return 0;
}

static int
sq_err(struct sqlite_db *d, int rc, const char *sql)
{
	int ext = sqlite3_extended_errcode(d->h);

	if (rc == SQLITE_CONSTRAINT) {
		log_debug("db constraint err=%s", sqlite3_errmsg(d->h));
		return -OCTA_ECONFLICT;
	}
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		log_warn("db busy sql=%.120s", sql);
		return -OCTA_EBUSY;
	}
	log_error("db sqlite step failed rc=%d ext=%d err=%s sql=%.200s", rc,
	    ext, sqlite3_errmsg(d->h), sql);
	return -OCTA_EDB;
}

static int
sq_exec(struct db *db, const char *sql, json_t *params, long long *changes)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_prepare(d, sql, &st)) < 0)
		return r;
	if (params && (r = sq_bind(st, params)) < 0)
		return r;
	rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_err(d, rc, sql);
	if (changes)
		*changes = sqlite3_changes(d->h);
	return 0;
}

static int
sq_query(struct db *db, const char *sql, json_t *params, json_t **rows)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	sqlite3_stmt *st;
	json_t *out;
	int r, rc, i, n;

	if ((r = sq_prepare(d, sql, &st)) < 0)
		return r;
	if (params && (r = sq_bind(st, params)) < 0)
		return r;
	out = json_array();
	n = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();

		for (i = 0; i < n; i++) {
			const char *name = sqlite3_column_name(st, i);
			json_t *v;

			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(st, i));
				break;
			case SQLITE_FLOAT:
				v = json_real(sqlite3_column_double(st, i));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default:
				v = json_stringn(
				    (const char *)sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
				if (v == NULL)
					v = json_null();
				break;
			}
			json_object_set_new(row, name, v);
		}
		json_array_append_new(out, row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		return sq_err(d, rc, sql);
	}
	*rows = out;
	return 0;
}

static int
sq_simple(struct db *db, const char *sql)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sq_err(d, rc, sql);
	return 0;
}

static int
sq_begin(struct db *db)
{
	return sq_simple(db, "BEGIN IMMEDIATE");
}

static int
sq_begin_read(struct db *db)
{
	return sq_simple(db, "BEGIN");
}

static int
sq_commit(struct db *db)
{
	return sq_simple(db, "COMMIT");
}

static int
sq_rollback(struct db *db)
{
	return sq_simple(db, "ROLLBACK");
}

const struct db_ops db_sqlite_ops = {
	.scheme = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.query = sq_query,
	.begin = sq_begin,
	.begin_read = sq_begin_read,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.json_has_fmt = "EXISTS (SELECT 1 FROM json_each(%s) WHERE value = ?)",
};
