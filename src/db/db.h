/*
 * db.h - the storage interface.
 *
 * A backend (sqlite, later mysql) implements struct db_ops: statements with
 * positional `?` parameters given as a JSON array, rows returned as JSON
 * objects keyed by column name.  Everything above this file speaks only
 * through these calls and the repository functions in repo.h, so a second
 * backend needs no change elsewhere.
 */
#ifndef OCTA_DB_H
#define OCTA_DB_H

#include <jansson.h>
#include <stdbool.h>

struct db;

struct db_ops {
	const char *scheme;	/* URL prefix: "sqlite", "mysql" */
	int (*open)(const char *url, struct db **out);
	void (*close)(struct db *db);
	/* params: JSON array (or NULL); *changes may be NULL. */
	int (*exec)(struct db *db, const char *sql, json_t *params,
	    long long *changes);
	/* *rows: a new JSON array of row objects. */
	int (*query)(struct db *db, const char *sql, json_t *params,
	    json_t **rows);
	int (*begin)(struct db *db);	/* a write transaction */
	int (*begin_read)(struct db *db);	/* a read snapshot */
	int (*commit)(struct db *db);
	int (*rollback)(struct db *db);
	/* SQL true when JSON-array column `col` holds the bound value. */
	const char *json_has_fmt;	/* printf format with one %s: column */
};

struct db {
	const struct db_ops *ops;
	int txn_depth;
};

/*
 * The wrappers below take over the reference to `params` (so a call may
 * pass json_pack(...) directly).
 */
/* Opens by URL scheme ("sqlite:///path", "mysql+pymysql://..."). */
int db_open(const char *url, struct db **out);
void db_close(struct db *db);
int db_exec(struct db *db, const char *sql, json_t *params,
    long long *changes);
int db_query(struct db *db, const char *sql, json_t *params, json_t **rows);
/* The first row or -OCTA_ENOTFOUND; *row is a new reference. */
int db_query_one(struct db *db, const char *sql, json_t *params,
    json_t **row);
/* Nested begin/commit count; only the outermost reaches the backend. */
int db_begin(struct db *db);
int db_commit(struct db *db);
/* A read-only snapshot: one set of locks for many queries. */
int db_begin_read(struct db *db);
int db_rollback(struct db *db);

/* Migrations (migrate.c). */
int db_migrate(struct db *db, int *from, int *to);
int db_schema_version(struct db *db, int *version);
int db_schema_latest(void);

extern const struct db_ops db_sqlite_ops;

#endif
