/*
 * ops.c - the steps every create, update and delete shares: new-row
 * bookkeeping, Octavia's LB lock ("immutable" 409), quotas, job submission.
 */
#include <string.h>

#include "api.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

void
api_new_row(struct api_req *r, const struct resource *res, json_t *obj,
    const char *project_id)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN];

	(void)r;
	if (!json_is_string(json_object_get(obj, "id"))) {
		uuid_new(id);
		json_object_set_new(obj, "id", json_string(id));
	}
	time_now_iso(now);
	if (model_field(res, "created_at"))
		json_object_set_new(obj, "created_at", json_string(now));
	if (model_field(res, "updated_at"))
		json_object_set_new(obj, "updated_at", json_null());
	if (model_field(res, "project_id"))
		json_object_set_new(obj, "project_id", project_id &&
		    *project_id ? json_string(project_id) : json_null());
	if (res->has_status) {
		json_object_set_new(obj, "provisioning_status",
		    json_string(PROV_PENDING_CREATE));
		json_object_set_new(obj, "operating_status",
		    json_string("OFFLINE"));
	}
}

int
api_lock_lb(struct api_req *r, const char *lb_id)
{
	const struct resource *lbres = model_resource(RES_LOADBALANCER);
	char st[32] = "";
	int e = svc_lb_lock(r->db, lb_id, PROV_PENDING_UPDATE, false, st,
	    sizeof(st));

	if (e == -OCTA_ENOTFOUND)
		return api_not_found(r, lbres, lb_id);
	if (e == -OCTA_ECONFLICT)
		return api_fail(r, e, "%s %s is immutable and cannot be "
		    "updated.", lbres->display, lb_id);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	return 0;
}

int
api_mark_pending(struct api_req *r, const struct resource *res,
    const char *id)
{
	int e = svc_set_status(r->db, res, id, PROV_PENDING_UPDATE, NULL);

	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

int
api_require_active(struct api_req *r, const struct resource *res,
    json_t *obj)
{
	const char *st = json_string_value(json_object_get(obj,
	    "provisioning_status"));

	if (st && strcmp(st, PROV_ACTIVE) == 0)
		return 0;
	return api_fail(r, OCTA_ECONFLICT, "%s %s is immutable and cannot be "
	    "updated.", res->display,
	    json_string_value(json_object_get(obj, "id")));
}

int
api_require_admin(struct api_req *r)
{
	/* The route's rule (admin-only by default) on the caller's project,
	 * as Octavia checks amphora, flavor and AZ routes. */
	return api_authorize(r, r->auth.project_id[0] ? r->auth.project_id :
	    NULL);
}

int
api_quota(struct api_req *r, const char *project_id, int q, int n)
{
	int e;

	if (strcmp(cfg.api_settings_auth_strategy, "noauth") == 0)
		return 0;
	e = svc_quota_check(r->db, project_id, (enum quota_res)q, n);
	if (e == -OCTA_EFORBIDDEN)
		return api_fail(r, e, "Quota has been met for resources: %s",
		    svc_quota_info[q].display);
	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

int
api_submit(struct api_req *r, const char *kind, const char *object_id,
    const char *lb_id, json_t *payload)
{
	int e = svc_job_submit(r->db, kind, object_id, lb_id, payload);

	json_decref(payload);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	return api_txn_commit(r);
}

int
api_not_found_named(struct api_req *r, const char *what, const char *id)
{
	return api_fail(r, OCTA_ENOTFOUND, "%s %s not found.", what, id);
}

int
api_load_named(struct api_req *r, const struct resource *res,
    const char *what, const char *key, json_t **out)
{
	int e;

	if (strcmp(key, API_NIL_UUID) == 0)
		return api_not_found_named(r, what, key);
	e = repo_get(r->db, res, key, out);
	if (e == -OCTA_ENOTFOUND)
		return api_not_found_named(r, what, key);
	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

int
api_count_rows(struct api_req *r, const char *sql, const char *value,
    long long *n)
{
	json_t *row;
	int e;

	if ((e = db_query_one(r->db, sql, json_pack("[s]", value), &row)) < 0)
		return api_fail(r, e, "Database error.");
	*n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return 0;
}
