/*
 * graph.c - single-call create of a whole load balancer graph: POST
 * /loadbalancers with "listeners" (each with an optional default_pool and
 * l7policies with rules and redirect_pool) and "pools" (each with optional
 * members and healthmonitor).
 *
 * As in Octavia: every embedded pool has a name; a pool object with more
 * than its name is a full definition, a name alone is a reference to a
 * full definition elsewhere in the request; names are unique.  Rows go in
 * parent first (LB, pools with their monitor then members, listeners,
 * policies, rules) in the caller's single transaction, so any error leaves
 * nothing behind.  Quotas are checked for pools, listeners, monitors and
 * members (not L7 objects, as Octavia).  The reply is the full form: the
 * LB with full listeners, policies, rules, pools, members and monitors.
 */
#include <string.h>

#include "api.h"
#include "../common/errors.h"
#include "../service/service.h"

#define RES(k) model_resource(k)

struct graph {
	json_t *pool_defs;	/* name -> full pool definition (input) */
	json_t *pool_ids;	/* name -> created id */
	json_t *pools_out;	/* full pool objects, in creation order */
	json_t *listeners_out;
};

static int
missing(struct api_req *r, const char *type, const char *name)
{
	return api_fail(r, OCTA_EINVAL, "Missing details for %s object: %s",
	    type, name);
}

/* Records one embedded pool object: a definition or a reference. */
static int
note_pool(struct api_req *r, struct graph *g, json_t *p)
{
	const char *name;

	if (!json_is_object(p))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute pool. Value: 'None'. Mandatory field "
		    "missing.");
	name = json_string_value(json_object_get(p, "name"));
	if (name == NULL || *name == '\0')
		return api_fail(r, OCTA_EINVAL, "Validation failure: Pools "
		    "created in a single-call create must have a name.");
	if (json_object_size(p) == 1)
		return 0;	/* a reference */
	if (json_object_get(g->pool_defs, name))
		return api_fail(r, OCTA_EINVAL, "Validation failure: Pool "
		    "names must be unique in a single-call create: %s", name);
	json_object_set(g->pool_defs, name, p);
	return 0;
}

static const char *
ref_name(json_t *p)
{
	return json_string_value(json_object_get(p, "name"));
}

static int
insert(struct api_req *r, const struct resource *res, json_t *obj)
{
	int e = repo_insert(r->db, res, obj);

	if (e == -OCTA_ECONFLICT)
		return api_fail(r, e, "Validation failure: duplicate %s in "
		    "request.", res->display);
	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

/* Validates `in` as a child of a graph and prepares it. */
static int
child(struct api_req *r, const struct resource *res, json_t *in,
    const char *parent_key, json_t *parent_id, json_t **out)
{
	json_t *copy = json_deep_copy(in);
	int e;

	if (copy == NULL || !json_is_object(copy)) {
		json_decref(copy);
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute %s. Value: 'None'. Mandatory field "
		    "missing.", res->name);
	}
	if (parent_key)
		json_object_set(copy, parent_key, parent_id);
	e = api_validate(r, res, copy, OP_GRAPH, out);
	json_decref(copy);
	return e;
}

static const char *
project_of(json_t *o)
{
	return json_string_value(json_object_get(o, "project_id"));
}

static int
create_pool(struct api_req *r, struct graph *g, json_t *lb, const char *name)
{
	json_t *def = json_object_get(g->pool_defs, name);
	json_t *pool = NULL, *hm = NULL, *members, *m, *mout, *full;
	size_t i;
	int e;

	if (def == NULL)
		return missing(r, "Pool", name);
	if ((e = child(r, RES(RES_POOL), def, "loadbalancer_id",
	    json_object_get(lb, "id"), &pool)) < 0)
		return e;
	members = json_incref(json_object_get(pool, "members"));
	hm = json_incref(json_object_get(pool, "healthmonitor"));
	json_object_del(pool, "members");
	json_object_del(pool, "healthmonitor");
	if ((e = api_pool_prepare(r, lb, NULL, pool)) < 0 ||
	    (e = api_quota(r, project_of(lb), Q_POOL, 1)) < 0 ||
	    (e = insert(r, RES(RES_POOL), pool)) < 0)
		goto out;
	json_object_set(g->pool_ids, name, json_object_get(pool, "id"));
	full = json_deep_copy(pool);
	if (hm && !json_is_null(hm)) {
		json_t *h = NULL;

		if ((e = child(r, RES(RES_HEALTHMONITOR), hm, "pool_id",
		    json_object_get(pool, "id"), &h)) < 0)
			goto out_full;
		if ((e = api_hm_prepare(r, pool, h)) < 0 ||
		    (e = api_quota(r, project_of(lb), Q_HEALTHMONITOR, 1)) < 0 ||
		    (e = insert(r, RES(RES_HEALTHMONITOR), h)) < 0) {
			json_decref(h);
			goto out_full;
		}
		{
			/* Octavia's full form leaves `pools` out here. */
			json_t *hv = api_view(r, RES(RES_HEALTHMONITOR), h);

			json_object_del(hv, "pools");
			json_object_set_new(full, "healthmonitor", hv);
		}
		json_decref(h);
	} else {
		json_object_set_new(full, "healthmonitor", json_null());
	}
	mout = json_array();
	json_object_set_new(full, "members", mout);
	if (members && !json_is_array(members) && !json_is_null(members)) {
		e = api_fail(r, OCTA_EINVAL, "Invalid input for field/attribute "
		    "members. Value should be a list");
		goto out_full;
	}
	json_array_foreach(members, i, m) {
		json_t *mem = NULL;

		if ((e = child(r, RES(RES_MEMBER), m, NULL, NULL, &mem)) < 0)
			goto out_full;
		if ((e = api_member_prepare(r, pool, mem)) < 0 ||
		    (e = api_quota(r, project_of(lb), Q_MEMBER, 1)) < 0 ||
		    (e = insert(r, RES(RES_MEMBER), mem)) < 0) {
			json_decref(mem);
			goto out_full;
		}
		json_array_append_new(mout, api_view(r, RES(RES_MEMBER), mem));
		json_decref(mem);
	}
	json_array_append(g->pools_out, full);
out_full:
	json_decref(full);
out:
	json_decref(pool);
	json_decref(members);
	json_decref(hm);
	return e;
}

/* The id of the pool `p` (a reference or definition) names. */
static int
pool_id_of(struct api_req *r, struct graph *g, json_t *p, json_t **id)
{
	const char *name = ref_name(p);

	*id = name ? json_object_get(g->pool_ids, name) : NULL;
	if (*id == NULL)
		return missing(r, "Pool", name ? name : "");
	return 0;
}

static int
create_policy(struct api_req *r, struct graph *g, json_t *listener,
    json_t *in, json_t *out_list)
{
	json_t *pol = NULL, *rules, *rp, *rule_in, *rout, *pid;
	size_t i;
	int e;

	if ((e = child(r, RES(RES_L7POLICY), in, "listener_id",
	    json_object_get(listener, "id"), &pol)) < 0)
		return e;
	rules = json_incref(json_object_get(pol, "rules"));
	rp = json_incref(json_object_get(pol, "redirect_pool"));
	json_object_del(pol, "rules");
	json_object_del(pol, "redirect_pool");
	if (rp && !json_is_null(rp)) {
		if ((e = pool_id_of(r, g, rp, &pid)) < 0)
			goto out;
		json_object_set(pol, "redirect_pool_id", pid);
	}
	if ((e = api_l7policy_prepare(r, listener, pol)) < 0 ||
	    (e = insert(r, RES(RES_L7POLICY), pol)) < 0)
		goto out;
	rout = json_array();
	json_array_foreach(rules, i, rule_in) {
		json_t *rule = NULL;

		if ((e = child(r, RES(RES_L7RULE), rule_in, NULL, NULL,
		    &rule)) < 0)
			break;
		if ((e = api_l7rule_prepare(r, pol, rule)) < 0 ||
		    (e = insert(r, RES(RES_L7RULE), rule)) < 0) {
			json_decref(rule);
			break;
		}
		json_array_append_new(rout, api_view(r, RES(RES_L7RULE), rule));
		json_decref(rule);
	}
	if (e == 0) {
		json_t *v = api_view(r, RES(RES_L7POLICY), pol);

		json_object_set(v, "rules", rout);
		json_array_append_new(out_list, v);
	}
	json_decref(rout);
out:
	json_decref(pol);
	json_decref(rules);
	json_decref(rp);
	return e;
}

static int
create_listener(struct api_req *r, struct graph *g, json_t *lb, json_t *in)
{
	json_t *l = NULL, *dp, *pols, *pin, *pout, *v, *pid;
	size_t i;
	int e;

	if ((e = child(r, RES(RES_LISTENER), in, "loadbalancer_id",
	    json_object_get(lb, "id"), &l)) < 0)
		return e;
	dp = json_incref(json_object_get(l, "default_pool"));
	pols = json_incref(json_object_get(l, "l7policies"));
	json_object_del(l, "default_pool");
	json_object_del(l, "l7policies");
	if (dp && !json_is_null(dp)) {
		if ((e = pool_id_of(r, g, dp, &pid)) < 0)
			goto out;
		json_object_set(l, "default_pool_id", pid);
	}
	if ((e = api_listener_prepare(r, lb, l)) < 0 ||
	    (e = api_quota(r, project_of(lb), Q_LISTENER, 1)) < 0 ||
	    (e = insert(r, RES(RES_LISTENER), l)) < 0)
		goto out;
	pout = json_array();
	json_array_foreach(pols, i, pin)
		if ((e = create_policy(r, g, l, pin, pout)) < 0)
			break;
	if (e == 0) {
		v = api_view(r, RES(RES_LISTENER), l);
		json_object_del(v, "loadbalancers");
		json_object_set(v, "l7policies", pout);
		json_array_append_new(g->listeners_out, v);
	}
	json_decref(pout);
out:
	json_decref(l);
	json_decref(dp);
	json_decref(pols);
	return e;
}

static int
collect_pools(struct api_req *r, struct graph *g, json_t *pools,
    json_t *listeners)
{
	json_t *p, *l, *pol;
	size_t i, j;
	int e;

	if ((pools && !json_is_array(pools)) ||
	    (listeners && !json_is_array(listeners)))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute listeners/pools. Value should be a list");
	json_array_foreach(pools, i, p)
		if ((e = note_pool(r, g, p)) < 0)
			return e;
	json_array_foreach(listeners, i, l) {
		p = json_object_get(l, "default_pool");
		if (p && !json_is_null(p) && (e = note_pool(r, g, p)) < 0)
			return e;
		json_array_foreach(json_object_get(l, "l7policies"), j, pol) {
			p = json_object_get(pol, "redirect_pool");
			if (p && !json_is_null(p) &&
			    (e = note_pool(r, g, p)) < 0)
				return e;
		}
	}
	return 0;
}

int
api_graph_create(struct api_req *r, json_t *lb)
{
	struct graph g = { json_object(), json_object(), json_array(),
		json_array() };
	json_t *listeners = json_incref(json_object_get(lb, "listeners"));
	json_t *pools = json_incref(json_object_get(lb, "pools"));
	json_t *view, *l;
	const char *name;
	json_t *def;
	size_t i;
	int e;

	json_object_del(lb, "listeners");
	json_object_del(lb, "pools");
	if ((e = collect_pools(r, &g, pools, listeners)) < 0)
		goto out;
	if ((e = insert(r, RES(RES_LOADBALANCER), lb)) < 0)
		goto out;
	json_object_foreach(g.pool_defs, name, def)
		if ((e = create_pool(r, &g, lb, name)) < 0)
			goto out;
	json_array_foreach(listeners, i, l)
		if ((e = create_listener(r, &g, lb, l)) < 0)
			goto out;
	if ((e = api_submit(r, "loadbalancer.create", json_string_value(
	    json_object_get(lb, "id")), json_string_value(json_object_get(lb,
	    "id")), NULL)) < 0)
		goto out;
	view = api_view(r, RES(RES_LOADBALANCER), lb);
	json_object_set(view, "listeners", g.listeners_out);
	json_object_set(view, "pools", g.pools_out);
	api_reply(r, 201, json_pack("{so}", "loadbalancer", view));
out:
	json_decref(listeners);
	json_decref(pools);
	json_decref(g.pool_defs);
	json_decref(g.pool_ids);
	json_decref(g.pools_out);
	json_decref(g.listeners_out);
	return e;
}
