/*
 * lbtree.c - a load balancer with its children inlined, read from the
 * database: the "tree" render_haproxy() and the amphora drivers take
 * (src/render/render_haproxy.h describes its shape).
 *
 * Runs inside the caller's transaction or read snapshot (db_begin_read),
 * so the tree is one consistent picture.  One query per child table, not
 * one per object: an LB with many members costs six queries.  Objects are
 * the repository's (API field names); every child row is included, also
 * those in PENDING_DELETE or ERROR: what to deploy is the renderer's call.
 */
#include <string.h>

#include "service.h"
#include "../common/errors.h"

#define RES(k) model_resource(k)

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
children(struct db *db, enum resource_kind k, const char *lb_id,
    const char *order, json_t **out)
{
	return repo_select(db, RES(k), "load_balancer_id = ?",
	    json_pack("[s]", lb_id), order, out);
}

/* Appends each object of `items` to the array `key` of the object in
 * `by_id` named by its `parent_key`; orphans are dropped. */
static void
attach(json_t *by_id, json_t *items, const char *parent_key, const char *key)
{
	json_t *it, *parent;
	size_t i;

	json_array_foreach(items, i, it) {
		const char *pid = jstr(it, parent_key);

		if (pid == NULL ||
		    (parent = json_object_get(by_id, pid)) == NULL)
			continue;
		json_array_append(json_object_get(parent, key), it);
	}
}

int
svc_lb_tree(struct db *db, const char *lb_id, json_t **out)
{
	json_t *lb = NULL, *ls = NULL, *pols = NULL, *rules = NULL;
	json_t *pools = NULL, *members = NULL, *hms = NULL;
	json_t *lby = json_object(), *poly = json_object();
	json_t *pooly = json_object(), *o;
	size_t i;
	int r;

	if ((r = repo_get(db, RES(RES_LOADBALANCER), lb_id, &lb)) < 0)
		goto out;
	if ((r = children(db, RES_LISTENER, lb_id, "created_at, id", &ls)) <
	    0 ||
	    (r = children(db, RES_L7POLICY, lb_id, "position, id", &pols)) <
	    0 ||
	    (r = children(db, RES_L7RULE, lb_id, "created_at, id", &rules)) <
	    0 ||
	    (r = children(db, RES_POOL, lb_id, "created_at, id", &pools)) <
	    0 ||
	    (r = children(db, RES_MEMBER, lb_id, "created_at, id",
	    &members)) < 0 ||
	    (r = children(db, RES_HEALTHMONITOR, lb_id, "id", &hms)) < 0)
		goto out;

	json_array_foreach(pols, i, o) {
		json_object_set_new(o, "rules", json_array());
		json_object_set(poly, jstr(o, "id"), o);
	}
	attach(poly, rules, "l7policy_id", "rules");
	json_array_foreach(ls, i, o) {
		json_object_set_new(o, "l7policies", json_array());
		json_object_set(lby, jstr(o, "id"), o);
	}
	attach(lby, pols, "listener_id", "l7policies");
	json_array_foreach(pools, i, o) {
		json_object_set_new(o, "members", json_array());
		json_object_set_new(o, "healthmonitor", json_null());
		json_object_set(pooly, jstr(o, "id"), o);
	}
	attach(pooly, members, "pool_id", "members");
	json_array_foreach(hms, i, o) {
		json_t *p = json_object_get(pooly, jstr(o, "pool_id"));

		if (p)
			json_object_set(p, "healthmonitor", o);
	}
	json_object_set(lb, "listeners", ls);
	json_object_set(lb, "pools", pools);
	*out = lb;
	lb = NULL;
	r = 0;
out:
	json_decref(lb);
	json_decref(ls);
	json_decref(pols);
	json_decref(rules);
	json_decref(pools);
	json_decref(members);
	json_decref(hms);
	json_decref(lby);
	json_decref(poly);
	json_decref(pooly);
	return r;
}
