/*
 * repo.h - generic repository over the model's field tables: insert, get,
 * update, delete and list any resource, with Octavia's list semantics
 * (filters, tags, sort keys, keyset pagination).  Objects are JSON objects
 * keyed by API field names; only stored fields (F_S) are read or written.
 */
#ifndef OCTA_REPO_H
#define OCTA_REPO_H

#include <jansson.h>
#include <stdbool.h>

#include "db.h"
#include "../model/model.h"

int repo_insert(struct db *db, const struct resource *res, json_t *obj);
/* -OCTA_ENOTFOUND when absent (DELETED rows are returned: check status). */
int repo_get(struct db *db, const struct resource *res, const char *key,
    json_t **out);
/* Updates the stored fields present in `changes` and updated_at. */
int repo_update(struct db *db, const struct resource *res, const char *key,
    json_t *changes);
int repo_delete(struct db *db, const struct resource *res, const char *key);
/*
 * Rows matching `where` (SQL over column names, may be NULL) with
 * `params` (taken over), ordered by `order` (may be NULL).
 */
int repo_select(struct db *db, const struct resource *res, const char *where,
    json_t *params, const char *order, json_t **out);
/* A database row as an object of API field names. */
json_t *repo_row_to_obj(const struct resource *res, json_t *row);

struct repo_list_query {
	json_t *filters;	/* field name -> string value */
	json_t *tags_all;	/* arrays of strings, or NULL */
	json_t *tags_any;
	json_t *not_tags_all;
	json_t *not_tags_any;
	json_t *sort;		/* array of [field, "asc"|"desc"] */
	long long limit;	/* < 0: no limit */
	const char *marker;
	bool page_reverse;
	const char *where;	/* extra condition, may be NULL */
	json_t *where_params;	/* borrowed */
};

/* True if `name` may be a sort key or filter of `res`. */
bool repo_sortable(const struct resource *res, const char *name);

/*
 * Runs a list query.  Errors are -OCTA_EINVAL with *msg set to Octavia's
 * message (bad sort key, bad marker, unknown filter).
 */
int repo_list(struct db *db, const struct resource *res,
    const struct repo_list_query *q, json_t **out, const char **msg);

#endif
