/*
 * repo.c - SQL built from the field tables.  All values travel as bound
 * parameters; only column names that come from the static tables are ever
 * placed in SQL text.
 */
#include <string.h>
#include <strings.h>

#include "repo.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../common/util.h"

static bool
stored(const struct field *f)
{
	return (f->flags & F_S) != 0;
}

static bool
is_text_json(const struct field *f)
{
	switch (f->type) {
	case FT_STRLIST:
	case FT_UUIDLIST:
	case FT_CIDRLIST:
	case FT_DICT:
	case FT_JSON:
		return true;
	default:
		return false;
	}
}

/* A JSON value as it is bound for field f (new reference). */
static json_t *
to_param(const struct field *f, json_t *v)
{
	if (v == NULL || json_is_null(v))
		return json_null();
	if (f->type == FT_BOOL)
		return json_integer(json_is_true(v) ? 1 : 0);
	if (is_text_json(f)) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *p = json_string(s);

		free(s);
		return p;
	}
	return json_incref(v);
}

static json_t *
from_col(const struct field *f, json_t *v)
{
	if (v == NULL || json_is_null(v))
		return json_null();
	if (f->type == FT_BOOL)
		return json_boolean(json_integer_value(v) != 0);
	if (f->type == FT_FLOAT && json_is_integer(v))
		return json_real((double)json_integer_value(v));
	if (is_text_json(f) && json_is_string(v)) {
		const char *t = json_string_value(v);
		json_t *p;

		/* Most lists and maps are empty: skip the parser for them. */
		if (strcmp(t, "[]") == 0)
			return json_array();
		if (strcmp(t, "{}") == 0)
			return json_object();
		p = json_loads(t, JSON_DECODE_ANY, NULL);

		return p ? p : json_null();
	}
	return json_incref(v);
}

/*
 * The row object becomes the model object in place: only values whose
 * type differs (booleans, JSON text) and columns named differently are
 * touched, so a list costs one object per row, not two.
 */
json_t *
repo_row_to_obj(const struct resource *res, json_t *row)
{
	size_t i;

	json_incref(row);
	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		const char *col;
		json_t *v;

		if (!stored(f))
			continue;
		col = model_col(f);
		v = json_object_get(row, col);
		if (f->type == FT_BOOL || f->type == FT_FLOAT ||
		    is_text_json(f) || v == NULL)
			json_object_set_new(row, f->name, from_col(f, v));
		else if (col != f->name)
			json_object_set(row, f->name, v);
		if (col != f->name && strcmp(col, f->name) != 0)
			json_object_del(row, col);
	}
	return row;
}

static const char *
keycol(const struct resource *res)
{
	return model_col(model_field(res, res->key));
}

int
repo_insert(struct db *db, const struct resource *res, json_t *obj)
{
	struct buf sql, vals;
	json_t *params = json_array();
	size_t i;
	int r, n = 0;

	buf_init(&sql, 0);
	buf_init(&vals, 0);
	buf_printf(&sql, "INSERT INTO %s (", res->table);
	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v = json_object_get(obj, f->name);

		if (!stored(f) || v == NULL)
			continue;
		buf_printf(&sql, "%s%s", n ? ", " : "", model_col(f));
		buf_adds(&vals, n ? ", ?" : "?");
		json_array_append_new(params, to_param(f, v));
		n++;
	}
	buf_printf(&sql, ") VALUES (%s)", buf_str(&vals));
	r = db_exec(db, buf_str(&sql), params, NULL);
	buf_free(&sql);
	buf_free(&vals);
	return r;
}

int
repo_select(struct db *db, const struct resource *res, const char *where,
    json_t *params, const char *order, json_t **out)
{
	struct buf sql;
	json_t *rows, *list, *row;
	size_t i;
	int r;

	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT * FROM %s", res->table);
	if (where)
		buf_printf(&sql, " WHERE %s", where);
	if (order)
		buf_printf(&sql, " ORDER BY %s", order);
	r = db_query(db, buf_str(&sql), params, &rows);
	buf_free(&sql);
	if (r < 0)
		return r;
	list = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(list, repo_row_to_obj(res, row));
	json_decref(rows);
	*out = list;
	return 0;
}

int
repo_get(struct db *db, const struct resource *res, const char *key,
    json_t **out)
{
	struct buf where;
	json_t *list;
	int r;

	buf_init(&where, 0);
	buf_printf(&where, "%s = ?", keycol(res));
	r = repo_select(db, res, buf_str(&where), json_pack("[s]", key), NULL,
	    &list);
	buf_free(&where);
	if (r < 0)
		return r;
	if (json_array_size(list) == 0) {
		json_decref(list);
		return -OCTA_ENOTFOUND;
	}
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	return 0;
}

int
repo_update(struct db *db, const struct resource *res, const char *key,
    json_t *changes)
{
	char now[TIME_STR_LEN];
	struct buf sql;
	json_t *params = json_array();
	long long n = 0;
	int r, cols = 0;
	size_t i;

	buf_init(&sql, 0);
	buf_printf(&sql, "UPDATE %s SET ", res->table);
	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v = json_object_get(changes, f->name);

		if (!stored(f) || v == NULL || strcmp(f->name, "updated_at") == 0)
			continue;
		buf_printf(&sql, "%s%s = ?", cols ? ", " : "", model_col(f));
		json_array_append_new(params, to_param(f, v));
		cols++;
	}
	if (model_field(res, "updated_at")) {
		time_now_iso(now);
		buf_printf(&sql, "%supdated_at = ?", cols ? ", " : "");
		json_array_append_new(params, json_string(now));
		cols++;
	}
	if (cols == 0) {
		buf_free(&sql);
		json_decref(params);
		return 0;
	}
	buf_printf(&sql, " WHERE %s = ?", keycol(res));
	json_array_append_new(params, json_string(key));
	r = db_exec(db, buf_str(&sql), params, &n);
	buf_free(&sql);
	if (r == 0 && n == 0)
		r = -OCTA_ENOTFOUND;
	return r;
}

int
repo_delete(struct db *db, const struct resource *res, const char *key)
{
	struct buf sql;
	int r;

	buf_init(&sql, 0);
	buf_printf(&sql, "DELETE FROM %s WHERE %s = ?", res->table,
	    keycol(res));
	r = db_exec(db, buf_str(&sql), json_pack("[s]", key), NULL);
	buf_free(&sql);
	return r;
}

/* ---- lists ---- */

static bool sortable(const struct field *f);

bool
repo_sortable(const struct resource *res, const char *name)
{
	const struct field *f = model_field(res, name);

	return f && sortable(f);
}

static bool
sortable(const struct field *f)
{
	return stored(f) && !(f->flags & F_NOSORT) &&
	    (f->flags & (F_R | F_FILTER));
}

static bool
numeric(const struct field *f)
{
	return f->type == FT_INT || f->type == FT_BOOL || f->type == FT_FLOAT;
}

static int
add_tag_clause(struct db *db, struct buf *w, json_t *params, json_t *tags,
    bool any, bool negate)
{
	size_t i;
	json_t *t;

	if (tags == NULL || json_array_size(tags) == 0)
		return 0;
	buf_printf(w, " AND %s(", negate ? "NOT " : "");
	json_array_foreach(tags, i, t) {
		if (i)
			buf_adds(w, any ? " OR " : " AND ");
		buf_printf(w, db->ops->json_has_fmt, "tags");
		json_array_append(params, t);
	}
	buf_adds(w, ")");
	return 0;
}

int
repo_list(struct db *db, const struct resource *res,
    const struct repo_list_query *q, json_t **out, const char **msg)
{
	struct buf w, sql, order;
	json_t *params = json_array(), *keys = json_array();
	json_t *rows = NULL, *marker_row = NULL, *list, *row, *v;
	const char *name;
	size_t i, nkeys;
	int r = 0;

	buf_init(&w, 0);
	buf_init(&sql, 0);
	buf_init(&order, 0);
	buf_adds(&w, "1 = 1");
	if (res->soft_delete)
		buf_printf(&w, " AND %s <> 'DELETED'",
		    res->kind == RES_AMPHORA ? "status" : "provisioning_status");
	if (q->where) {
		buf_printf(&w, " AND (%s)", q->where);
		json_array_extend(params, q->where_params);
	}
	json_object_foreach(q->filters, name, v) {
		const struct field *f = model_field(res, name);
		json_t *pv;

		if (f == NULL || !sortable(f)) {
			*msg = "One or more arguments are either duplicate or "
			    "invalid";
			r = -OCTA_EINVAL;
			goto out;
		}
		if (f->type == FT_BOOL)
			pv = json_integer(
			    parse_bool_str(json_string_value(v)) ? 1 : 0);
		else
			pv = json_incref(v);
		buf_printf(&w, " AND %s = ?", model_col(f));
		json_array_append_new(params, pv);
	}
	add_tag_clause(db, &w, params, q->tags_all, false, false);
	add_tag_clause(db, &w, params, q->tags_any, true, false);
	add_tag_clause(db, &w, params, q->not_tags_all, false, true);
	add_tag_clause(db, &w, params, q->not_tags_any, true, true);

	/* Sort keys: the caller's, then created_at and the key. */
	json_array_foreach(q->sort, i, v) {
		const char *k = json_string_value(json_array_get(v, 0));
		const struct field *f = model_field(res, k);

		if (f == NULL || !sortable(f)) {
			*msg = "sort";
			r = -OCTA_EINVAL;
			goto out;
		}
		json_array_append(keys, v);
	}
	{
		const char *tail[] = { "created_at", res->key };

		for (i = 0; i < 2; i++) {
			size_t j;
			bool have = false;

			if (model_field(res, tail[i]) == NULL)
				continue;
			json_array_foreach(keys, j, v)
				if (strcmp(json_string_value(json_array_get(v,
				    0)), tail[i]) == 0)
					have = true;
			if (!have)
				json_array_append_new(keys,
				    json_pack("[ss]", tail[i], "asc"));
		}
	}
	nkeys = json_array_size(keys);

	if (q->marker) {
		json_t *mrows;
		struct buf ms;

		buf_init(&ms, 0);
		buf_printf(&ms, "SELECT * FROM %s WHERE %s = ?", res->table,
		    keycol(res));
		r = db_query(db, buf_str(&ms), json_pack("[s]", q->marker),
		    &mrows);
		buf_free(&ms);
		if (r < 0)
			goto out;
		if (json_array_size(mrows) == 0) {
			json_decref(mrows);
			*msg = "marker";
			r = -OCTA_EINVAL;
			goto out;
		}
		marker_row = json_incref(json_array_get(mrows, 0));
		json_decref(mrows);
		/*
		 * Keyset condition: (k1 > m1) OR (k1 = m1 AND k2 > m2) ...,
		 * each comparison in that key's direction.
		 */
		buf_adds(&w, " AND (");
		for (i = 0; i < nkeys; i++) {
			json_t *kv = json_array_get(keys, i);
			const struct field *f = model_field(res,
			    json_string_value(json_array_get(kv, 0)));
			bool desc = strcasecmp(json_string_value(
			    json_array_get(kv, 1)), "desc") == 0;
			const char *dflt = numeric(f) ? "0" : "''";
			size_t j;

			if (q->page_reverse)
				desc = !desc;
			buf_adds(&w, i ? " OR (" : "(");
			for (j = 0; j < i; j++) {
				const struct field *g = model_field(res,
				    json_string_value(json_array_get(
				    json_array_get(keys, j), 0)));
				json_t *mv = json_object_get(marker_row,
				    model_col(g));

				buf_printf(&w, "COALESCE(%s, %s) = ? AND ",
				    model_col(g), numeric(g) ? "0" : "''");
				json_array_append_new(params,
				    json_is_null(mv) ? (numeric(g) ?
				    json_integer(0) : json_string("")) :
				    json_incref(mv));
			}
			{
				json_t *mv = json_object_get(marker_row,
				    model_col(f));

				buf_printf(&w, "COALESCE(%s, %s) %s ?)",
				    model_col(f), dflt, desc ? "<" : ">");
				json_array_append_new(params,
				    json_is_null(mv) ? (numeric(f) ?
				    json_integer(0) : json_string("")) :
				    json_incref(mv));
			}
		}
		buf_adds(&w, ")");
	}

	for (i = 0; i < nkeys; i++) {
		json_t *kv = json_array_get(keys, i);
		const struct field *f = model_field(res,
		    json_string_value(json_array_get(kv, 0)));
		bool desc = strcasecmp(json_string_value(json_array_get(kv, 1)),
		    "desc") == 0;

		if (q->page_reverse)
			desc = !desc;
		buf_printf(&order, "%sCOALESCE(%s, %s) %s", i ? ", " : "",
		    model_col(f), numeric(f) ? "0" : "''",
		    desc ? "DESC" : "ASC");
	}
	buf_printf(&sql, "SELECT * FROM %s WHERE %s ORDER BY %s", res->table,
	    buf_str(&w), buf_str(&order));
	if (q->limit >= 0)
		buf_printf(&sql, " LIMIT %lld", q->limit);
	r = db_query(db, buf_str(&sql), json_incref(params), &rows);
	if (r < 0)
		goto out;
	list = json_array();
	json_array_foreach(rows, i, row) {
		json_t *o = repo_row_to_obj(res, row);

		if (q->page_reverse)
			json_array_insert_new(list, 0, o);
		else
			json_array_append_new(list, o);
	}
	*out = list;
out:
	json_decref(rows);
	json_decref(marker_row);
	json_decref(params);
	json_decref(keys);
	buf_free(&w);
	buf_free(&sql);
	buf_free(&order);
	return r;
}
