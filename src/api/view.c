/*
 * view.c - objects in their response form: derived reference lists
 * (an LB's listeners and pools, a pool's members ...), Octavia's rendering
 * rules ("" for a null name, tenant_id beside project_id, allowed_cidrs
 * null when empty) and the fields= selection.
 */
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"

/* [{"id": ...}] of the rows that `sql` selects (one bound id). */
static json_t *
refs(struct api_req *r, const char *sql, const char *id)
{
	json_t *rows, *out = json_array(), *row;
	size_t i;

	if (db_query(r->db, sql, json_pack("[s]", id), &rows) < 0)
		return out;
	json_array_foreach(rows, i, row)
		json_array_append_new(out, json_pack("{sO}", "id",
		    json_object_get(row, "id")));
	json_decref(rows);
	return out;
}

static json_t *
one_ref(json_t *id)
{
	if (id == NULL || json_is_null(id))
		return json_array();
	return json_pack("[{sO}]", "id", id);
}

int
api_decorate(struct api_req *r, const struct resource *res, json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	json_t *row;

	switch (res->kind) {
	case RES_LOADBALANCER:
		json_object_set_new(obj, "listeners", refs(r, "SELECT id FROM "
		    "listener WHERE load_balancer_id = ? ORDER BY created_at, "
		    "id", id));
		json_object_set_new(obj, "pools", refs(r, "SELECT id FROM pool "
		    "WHERE load_balancer_id = ? ORDER BY created_at, id", id));
		break;
	case RES_LISTENER:
		json_object_set_new(obj, "loadbalancers",
		    one_ref(json_object_get(obj, "loadbalancer_id")));
		json_object_set_new(obj, "l7policies", refs(r, "SELECT id FROM "
		    "l7policy WHERE listener_id = ? ORDER BY position", id));
		break;
	case RES_POOL:
		json_object_set_new(obj, "members", refs(r, "SELECT id FROM "
		    "member WHERE pool_id = ? ORDER BY created_at, id", id));
		json_object_set_new(obj, "listeners", refs(r, "SELECT id FROM "
		    "listener WHERE default_pool_id = ?1 OR id IN (SELECT "
		    "p.listener_id FROM l7policy p WHERE p.redirect_pool_id = "
		    "?1 AND p.admin_state_up <> 0 AND EXISTS (SELECT 1 FROM "
		    "l7rule x WHERE x.l7policy_id = p.id)) ORDER BY "
		    "created_at, id", id));
		json_object_set_new(obj, "loadbalancers",
		    one_ref(json_object_get(obj, "loadbalancer_id")));
		if (db_query_one(r->db, "SELECT id FROM health_monitor WHERE "
		    "pool_id = ?", json_pack("[s]", id), &row) == 0) {
			json_object_set(obj, "healthmonitor_id",
			    json_object_get(row, "id"));
			json_decref(row);
		} else {
			json_object_set_new(obj, "healthmonitor_id",
			    json_null());
		}
		break;
	case RES_HEALTHMONITOR:
		json_object_set_new(obj, "pools",
		    one_ref(json_object_get(obj, "pool_id")));
		break;
	case RES_L7POLICY:
		json_object_set_new(obj, "rules", refs(r, "SELECT id FROM "
		    "l7rule WHERE l7policy_id = ? ORDER BY created_at, id",
		    id));
		break;
	case RES_QUOTA:
		/* Octavia lists both spellings of these two. */
		json_object_set(obj, "loadbalancer",
		    json_object_get(obj, "load_balancer"));
		json_object_set(obj, "healthmonitor",
		    json_object_get(obj, "health_monitor"));
		break;
	default:
		break;
	}
	return 0;
}

/*
 * For a page of objects: {parent id: [{"id": child}, ...]} of the rows of
 * `table` whose `key` column names one of the page's ids.
 */
static json_t *
group_refs(struct api_req *r, const char *table, const char *key,
    const char *order, json_t *objs)
{
	json_t *params = json_array(), *rows, *row, *o, *out = json_object();
	struct buf sql;
	size_t i;

	buf_init(&sql, 1 << 20);
	buf_printf(&sql, "SELECT id, %s AS k FROM %s WHERE %s IN (", key,
	    table, key);
	json_array_foreach(objs, i, o) {
		buf_adds(&sql, i ? ", ?" : "?");
		json_array_append(params, json_object_get(o, "id"));
	}
	buf_printf(&sql, ") ORDER BY %s", order);
	if (db_query(r->db, buf_str(&sql), params, &rows) == 0) {
		json_array_foreach(rows, i, row) {
			const char *k = json_string_value(json_object_get(row,
			    "k"));
			json_t *list;

			if (k == NULL)
				continue;
			if ((list = json_object_get(out, k)) == NULL) {
				list = json_array();
				json_object_set_new(out, k, list);
			}
			json_array_append_new(list, json_pack("{sO}", "id",
			    json_object_get(row, "id")));
		}
		json_decref(rows);
	}
	buf_free(&sql);
	return out;
}

static void
set_group(json_t *objs, const char *field, json_t *groups)
{
	json_t *o, *list;
	size_t i;

	json_array_foreach(objs, i, o) {
		list = json_object_get(groups, json_string_value(
		    json_object_get(o, "id")));
		json_object_set_new(o, field, list ? json_incref(list) :
		    json_array());
	}
	json_decref(groups);
}

int
api_decorate_many(struct api_req *r, const struct resource *res,
    json_t *objs)
{
	json_t *o;
	size_t i;

	if (json_array_size(objs) == 0)
		return 0;
	switch (res->kind) {
	case RES_LOADBALANCER:
		set_group(objs, "listeners", group_refs(r, "listener",
		    "load_balancer_id", "created_at, id", objs));
		set_group(objs, "pools", group_refs(r, "pool",
		    "load_balancer_id", "created_at, id", objs));
		return 0;
	case RES_LISTENER:
		set_group(objs, "l7policies", group_refs(r, "l7policy",
		    "listener_id", "position", objs));
		json_array_foreach(objs, i, o)
			json_object_set_new(o, "loadbalancers",
			    one_ref(json_object_get(o, "loadbalancer_id")));
		return 0;
	case RES_L7POLICY:
		set_group(objs, "rules", group_refs(r, "l7rule",
		    "l7policy_id", "created_at, id", objs));
		return 0;
	default:
		json_array_foreach(objs, i, o)
			api_decorate(r, res, o);
		return 0;
	}
}

static bool
wanted(struct api_req *r, const char *name, bool *any)
{
	struct evkeyval *kv;

	*any = false;
	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, "fields") != 0)
			continue;
		*any = true;
		/* fields=a,b is accepted too. */
		{
			const char *p = kv->value;
			size_t n = strlen(name);

			while (p && *p) {
				if (strncmp(p, name, n) == 0 &&
				    (p[n] == '\0' || p[n] == ','))
					return true;
				p = strchr(p, ',');
				if (p)
					p++;
			}
		}
	}
	return !*any;
}

/* The value field f shows for stored value v (new reference). */
static json_t *
shown(const struct field *f, json_t *v)
{
	if (v == NULL || json_is_null(v)) {
		if (f->flags & F_EMPTY)
			return json_string("");
		if (f->type == FT_REFLIST)
			return json_array();
		return json_null();
	}
	if (f->type == FT_CIDRLIST && json_array_size(v) == 0)
		return json_null();
	return json_incref(v);
}

json_t *
api_view(struct api_req *r, const struct resource *res, json_t *obj)
{
	json_t *out = json_object();
	bool any;
	size_t i;

	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v;

		if (!(f->flags & F_R) || !wanted(r, f->name, &any))
			continue;
		v = shown(f, json_object_get(obj, f->name));
		json_object_set_new(out, f->name, v);
		if (strcmp(f->name, "project_id") == 0 &&
		    wanted(r, "tenant_id", &any))
			json_object_set(out, "tenant_id",
			    json_object_get(out, "project_id"));
	}
	return out;
}

json_t *
api_view_move(struct api_req *r, const struct resource *res, json_t *obj)
{
	struct evkeyval *kv;
	size_t i;

	TAILQ_FOREACH(kv, &r->query, next)
		if (strcmp(kv->key, "fields") == 0)
			return api_view(r, res, obj);
	/* No selection: reshape the object itself rather than copy it. */
	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v = json_object_get(obj, f->name);

		if (!(f->flags & F_R)) {
			if (v)
				json_object_del(obj, f->name);
			continue;
		}
		if (v == NULL || json_is_null(v) || f->type == FT_CIDRLIST)
			json_object_set_new(obj, f->name, shown(f, v));
		if (strcmp(f->name, "project_id") == 0)
			json_object_set(obj, "tenant_id",
			    json_object_get(obj, "project_id"));
	}
	return json_incref(obj);
}

int
api_load(struct api_req *r, const struct resource *res, const char *id,
    json_t **out)
{
	json_t *obj;
	const char *st;
	int e;

	e = repo_get(r->db, res, id, &obj);
	if (e == -OCTA_ENOTFOUND)
		return api_not_found(r, res, id);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	st = json_string_value(json_object_get(obj, res->kind == RES_AMPHORA ?
	    "status" : "provisioning_status"));
	if (res->soft_delete && st && strcmp(st, PROV_DELETED) == 0) {
		json_decref(obj);
		return api_not_found(r, res, id);
	}
	/* Octavia: found, then the route's rule on its project (403). */
	if (model_field(res, "project_id") && res->kind != RES_QUOTA &&
	    (e = api_authorize(r, json_string_value(json_object_get(obj,
	    "project_id")))) < 0) {
		json_decref(obj);
		return e;
	}
	api_decorate(r, res, obj);
	*out = obj;
	return 0;
}

void
api_reply_obj(struct api_req *r, int status, const struct resource *res,
    json_t *obj)
{
	api_reply(r, status, json_pack("{so}", res->name, api_view(r, res,
	    obj)));
}
