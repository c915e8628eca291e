/*
 * res_amphora.c - the admin-only amphora API under /octavia/amphorae:
 * list, show, delete, failover, agent configuration refresh, statistics.
 *
 * Runs in the API role.  DELETED amphorae are invisible (404, never
 * listed).  As in Octavia: only an amphora in ERROR may be deleted (it
 * goes PENDING_DELETE and a job removes it); failover needs the
 * amphora's load balancer ACTIVE and leaves it PENDING_UPDATE until the
 * worker is done; a project_id list filter selects the amphorae of that
 * project's load balancers; statistics are one item per listener row of
 * the amphora, 404 when there is none.  Failover of an amphora that
 * belongs to no load balancer is refused with 409 (Octavia fails with a
 * 500 there).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/errors.h"
#include "../common/xalloc.h"
#include "../service/service.h"

#define AMP model_resource(RES_AMPHORA)

static int
amp_get_all(struct api_req *r)
{
	const char *p = api_query(r, "project_id");
	json_t *params = NULL;
	char *project = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	/* Amphorae have no project: filter through their LB's. */
	if (p) {
		project = xstrdup(p);
		evhttp_remove_header(&r->query, "project_id");
		params = json_pack("[s]", project);
	}
	e = api_list(r, AMP, project ? "load_balancer_id IN (SELECT id FROM "
	    "load_balancer WHERE project_id = ?)" : NULL, params);
	json_decref(params);
	free(project);
	return e;
}

static int
amp_get_one(struct api_req *r)
{
	json_t *amp;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_load(r, AMP, r->args[0], &amp)) < 0)
		return e;
	api_reply_obj(r, 200, AMP, amp);
	json_decref(amp);
	return 0;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
amp_delete(struct api_req *r)
{
	const char *id = r->args[0], *st;
	json_t *amp = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = api_load(r, AMP, id, &amp)) < 0)
		return e;
	st = str(amp, "status");
	if (st == NULL || strcmp(st, PROV_ERROR) != 0) {
		e = api_fail(r, OCTA_ECONFLICT, "%s %s is immutable and cannot "
		    "be updated.", AMP->display, id);
		goto out;
	}
	if ((e = svc_set_status(r->db, AMP, id, PROV_PENDING_DELETE,
	    NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "amphora.delete", id, str(amp,
	    "loadbalancer_id"), json_pack("{ss}", "amphora_id", id))) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(amp);
	return e;
}

static int
amp_failover(struct api_req *r)
{
	const char *id = r->args[0], *lb_id;
	json_t *amp = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_load(r, AMP, id, &amp)) < 0)
		return e;
	lb_id = str(amp, "loadbalancer_id");
	if (lb_id == NULL) {
		e = api_fail(r, OCTA_ECONFLICT, "%s %s is immutable and cannot "
		    "be updated.", AMP->display, id);
		goto out;
	}
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = api_lock_lb(r, lb_id)) < 0)
		goto out;
	if ((e = api_submit(r, "amphora.failover", id, lb_id,
	    json_pack("{ss}", "amphora_id", id))) < 0)
		goto out;
	api_reply(r, 202, NULL);
out:
	json_decref(amp);
	return e;
}

static int
amp_config(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *amp = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_load(r, AMP, id, &amp)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = api_submit(r, "amphora.config", id, str(amp,
	    "loadbalancer_id"), json_pack("{ss}", "amphora_id", id))) < 0)
		goto out;
	api_reply(r, 202, NULL);
out:
	json_decref(amp);
	return e;
}

static int
amp_stats(struct api_req *r)
{
	json_t *rows;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	e = db_query(r->db, "SELECT s.amphora_id AS id, s.listener_id, "
	    "a.load_balancer_id AS loadbalancer_id, s.active_connections, "
	    "s.bytes_in, s.bytes_out, s.request_errors, s.total_connections "
	    "FROM listener_statistics s JOIN amphora a ON a.id = "
	    "s.amphora_id WHERE s.amphora_id = ?", json_pack("[s]",
	    r->args[0]), &rows);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return api_fail(r, OCTA_ENOTFOUND, "Amphora stats for %s not "
		    "found.", r->args[0]);
	}
	api_reply(r, 200, json_pack("{so}", "amphora_stats", rows));
	return 0;
}

/* Any other action on an amphora: pecan's 405. */
static int
amp_no_action(struct api_req *r)
{
	return api_fail(r, OCTA_EMETHOD, "The method %s is not allowed for "
	    "this resource.", r->method == M_GET ? "GET" : r->method ==
	    M_POST ? "POST" : r->method == M_PUT ? "PUT" : r->method ==
	    M_DELETE ? "DELETE" : "requested");
}

const struct api_route api_routes_amphora[] = {
	{ M_GET, "/octavia/amphorae", amp_get_all,
	    "os_load-balancer_api:amphora:get_all" },
	{ M_GET, "/octavia/amphorae/{}", amp_get_one,
	    "os_load-balancer_api:amphora:get_one" },
	{ M_DELETE, "/octavia/amphorae/{}", amp_delete,
	    "os_load-balancer_api:amphora:delete" },
	{ M_PUT, "/octavia/amphorae/{}/failover", amp_failover,
	    "os_load-balancer_api:amphora:put_failover" },
	{ M_PUT, "/octavia/amphorae/{}/config", amp_config,
	    "os_load-balancer_api:amphora:put_config" },
	{ M_GET, "/octavia/amphorae/{}/stats", amp_stats,
	    "os_load-balancer_api:amphora:get_stats" },
	{ M_GET | M_POST | M_PUT | M_DELETE, "/octavia/amphorae/{}/{}",
	    amp_no_action, NULL },
	{ 0, NULL, NULL, NULL },
};
