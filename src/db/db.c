/* db.c - backend selection by URL and the thin wrappers of db.h. */
#include <string.h>

#include "db.h"
#include "../common/errors.h"
#include "../common/log.h"

static const struct db_ops *const backends[] = { &db_sqlite_ops };

int
db_open(const char *url, struct db **out)
{
	size_t i, n;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]->scheme);
		if (strncmp(url, backends[i]->scheme, n) == 0 &&
		    (url[n] == ':' || url[n] == '+'))
			return backends[i]->open(url, out);
	}
	log_error("db unsupported connection url scheme url=%.16s...", url);
	return -OCTA_EINVAL;
}

void
db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

int
db_exec(struct db *db, const char *sql, json_t *params, long long *changes)
{
	int r = db->ops->exec(db, sql, params, changes);

	json_decref(params);
	return r;
}

int
db_query(struct db *db, const char *sql, json_t *params, json_t **rows)
{
	int r = db->ops->query(db, sql, params, rows);

	json_decref(params);
	return r;
}

int
db_query_one(struct db *db, const char *sql, json_t *params, json_t **row)
{
	json_t *rows;
	int r;

	if ((r = db_query(db, sql, params, &rows)) < 0)
		return r;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return -OCTA_ENOTFOUND;
	}
	*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

int
db_begin(struct db *db)
{
	int r = 0;

	if (db->txn_depth == 0)
		r = db->ops->begin(db);
	if (r == 0)
		db->txn_depth++;
	return r;
}

int
db_begin_read(struct db *db)
{
	int r = 0;

	if (db->txn_depth == 0)
		r = db->ops->begin_read(db);
	if (r == 0)
		db->txn_depth++;
	return r;
}

int
db_commit(struct db *db)
{
	if (db->txn_depth <= 0)
		return -OCTA_EINTERNAL;
	if (--db->txn_depth > 0)
		return 0;
	return db->ops->commit(db);
}

int
db_rollback(struct db *db)
{
	if (db->txn_depth <= 0)
		return 0;
	db->txn_depth = 0;
	return db->ops->rollback(db);
}
