/*
 * res_quota.c - /quotas: per-project limits on load balancers, listeners,
 * pools, health monitors, members, L7 policies and L7 rules.
 *
 * Runs in the API role.  A row of the quotas table holds a project's
 * limits; NULL means "the configured default" ([quotas] default_*), -1
 * unlimited.  Every quota object carries project_id, tenant_id and both
 * spellings of two names (loadbalancer and load_balancer, healthmonitor
 * and health_monitor), as Octavia's QuotaResponse does.  The list shows
 * the raw rows (NULL stays null); one project's quota has the defaults
 * filled in, and a project without a row shows the defaults.  PUT accepts
 * both spellings (the short one wins when both are given) and answers 202;
 * DELETE sets every limit back to NULL and answers 202 with no body.
 * There is no /quotas/defaults route: clients' GET /quotas/defaults is
 * served, as in Octavia, as the quota of a project called "defaults".
 */
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../common/xalloc.h"
#include "../service/service.h"

#define QUOTA model_resource(RES_QUOTA)

/* Every name a PUT accepts, in the order WSME checks them. */
static const struct {
	const char *name;
	enum quota_res q;
} names[] = {
	{ "loadbalancer", Q_LOADBALANCER },
	{ "load_balancer", Q_LOADBALANCER },
	{ "listener", Q_LISTENER },
	{ "member", Q_MEMBER },
	{ "pool", Q_POOL },
	{ "healthmonitor", Q_HEALTHMONITOR },
	{ "health_monitor", Q_HEALTHMONITOR },
	{ "l7policy", Q_L7POLICY },
	{ "l7rule", Q_L7RULE },
};

#define QUOTA_MIN -1
#define QUOTA_MAX 2000000000LL

/*
 * {"quota": {...}} of a project from its row (NULL: no row); NULL values
 * become the configured defaults, or every value when `defaults` is set.
 */
static json_t *
quota_body(struct api_req *r, const char *project_id, json_t *row,
    bool defaults)
{
	json_t *q = json_pack("{ss}", "project_id", project_id), *out;
	size_t i;

	for (i = 0; i < Q__COUNT; i++) {
		const char *col = svc_quota_info[i].column;
		json_t *v = defaults ? NULL : json_object_get(row, col);

		json_object_set_new(q, col, json_is_integer(v) ?
		    json_integer(json_integer_value(v)) :
		    json_integer(svc_quota_default((enum quota_res)i)));
	}
	/* loadbalancer, healthmonitor and tenant_id, by view.c */
	api_decorate(r, QUOTA, q);
	out = json_pack("{so}", "quota", api_view(r, QUOTA, q));
	json_decref(q);
	return out;
}

/* 403 unless the route's rule allows the caller on the project. */
static int
may_read(struct api_req *r, const char *project_id)
{
	return api_authorize(r, project_id);
}

static int
quota_list(struct api_req *r)
{
	return api_list(r, QUOTA, NULL, NULL);
}

/* Replies {"quota": ...} with the limits in force for the project. */
static int
reply_effective(struct api_req *r, int status, const char *project_id)
{
	json_t *row = NULL;
	int e;

	e = repo_get(r->db, QUOTA, project_id, &row);
	if (e < 0 && e != -OCTA_ENOTFOUND)
		return api_fail(r, e, "Database error.");
	api_reply(r, status, quota_body(r, project_id, row, false));
	json_decref(row);
	return 0;
}

static int
quota_get(struct api_req *r)
{
	int e;

	if ((e = may_read(r, r->args[0])) < 0)
		return e;
	return reply_effective(r, 200, r->args[0]);
}

static int
quota_default(struct api_req *r)
{
	int e;

	if ((e = may_read(r, r->args[0])) < 0)
		return e;
	api_reply(r, 200, quota_body(r, r->args[0], NULL, true));
	return 0;
}

/*
 * The PUT body's limits as {column: value or null}, checked as WSME
 * checks Octavia's QuotaPUT: unknown names, then each value in order.
 */
static int
quota_changes(struct api_req *r, json_t *in, json_t **out)
{
	struct buf unknown;
	json_t *ch = NULL, *v;
	const char *k;
	size_t i, nunknown = 0;
	int e = 0;

	buf_init(&unknown, 4096);
	json_object_foreach(in, k, v) {
		bool known = false;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(names[i].name, k) == 0)
				known = true;
		if (!known) {
			buf_printf(&unknown, "%s%s", nunknown ? ", " : "", k);
			nunknown++;
		}
	}
	if (nunknown) {
		e = api_fail(r, OCTA_EINVAL, "Unknown attribute%s for argument "
		    "quota: %s", nunknown > 1 ? "s" : "", buf_str(&unknown));
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		v = json_object_get(in, names[i].name);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_integer(v)) {
			e = api_bad_field(r, names[i].name, v, "Wrong type. "
			    "Expected an integer");
			goto out;
		}
		if (json_integer_value(v) < QUOTA_MIN) {
			e = api_bad_field(r, names[i].name, v, "Value should "
			    "be greater or equal to %d", QUOTA_MIN);
			goto out;
		}
		if (json_integer_value(v) > QUOTA_MAX) {
			e = api_bad_field(r, names[i].name, v, "Value should "
			    "be lower or equal to %lld", QUOTA_MAX);
			goto out;
		}
	}
	/* Long spellings first, so that the short one wins. */
	ch = json_object();
	for (i = ARRAY_SIZE(names); i-- > 0;) {
		v = json_object_get(in, names[i].name);
		if (v != NULL)
			json_object_set(ch, svc_quota_info[names[i].q].column,
			    v);
	}
	*out = ch;
	ch = NULL;
out:
	json_decref(ch);
	buf_free(&unknown);
	return e;
}

static int
quota_put(struct api_req *r)
{
	json_t *in, *ch = NULL, *row = NULL;
	int e;

	if ((e = api_body_root(r, "quota", &in)) < 0)
		return e;
	if ((e = quota_changes(r, in, &ch)) < 0)
		return e;
	/* Octavia: the body (WSME) first, then the rule on the project. */
	if ((e = api_authorize(r, r->args[0])) < 0)
		goto out;
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	e = repo_get(r->db, QUOTA, r->args[0], &row);
	if (e == -OCTA_ENOTFOUND) {
		row = json_pack("{ss}", "project_id", r->args[0]);
		e = repo_insert(r->db, QUOTA, row);
	}
	if (e == 0)
		e = repo_update(r->db, QUOTA, r->args[0], ch);
	if (e < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	e = reply_effective(r, 202, r->args[0]);
out:
	json_decref(row);
	json_decref(ch);
	return e;
}

static int
quota_delete(struct api_req *r)
{
	json_t *row = NULL, *ch;
	size_t i;
	int e;

	if ((e = api_authorize(r, r->args[0])) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0)
		return e;
	e = repo_get(r->db, QUOTA, r->args[0], &row);
	if (e == -OCTA_ENOTFOUND)
		return api_fail(r, e, "Quotas %s not found.", r->args[0]);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	json_decref(row);
	ch = json_object();
	for (i = 0; i < Q__COUNT; i++)
		json_object_set_new(ch, svc_quota_info[i].column, json_null());
	e = repo_update(r->db, QUOTA, r->args[0], ch);
	json_decref(ch);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_txn_commit(r)) < 0)
		return e;
	api_reply(r, 202, NULL);
	return 0;
}

const struct api_route api_routes_quota[] = {
	{ M_GET, "/quotas", quota_list,
	    "os_load-balancer_api:quota:get_all" },
	{ M_GET, "/quotas/{}", quota_get,
	    "os_load-balancer_api:quota:get_one" },
	{ M_PUT, "/quotas/{}", quota_put,
	    "os_load-balancer_api:quota:put" },
	{ M_DELETE, "/quotas/{}", quota_delete,
	    "os_load-balancer_api:quota:delete" },
	{ M_GET, "/quotas/{}/default", quota_default,
	    "os_load-balancer_api:quota:get_defaults" },
	{ 0, NULL, NULL, NULL },
};
