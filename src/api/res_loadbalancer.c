/*
 * res_loadbalancer.c - /loadbalancers: create (plain or a whole graph),
 * show, list, update, delete (with cascade), stats, status tree, failover.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

#define LB model_resource(RES_LOADBALANCER)

/* Flavor and AZ checks; sets the LB's topology. */
static int
check_flavor_az(struct api_req *r, json_t *lb)
{
	const char *fid = json_string_value(json_object_get(lb, "flavor_id"));
	const char *az = json_string_value(json_object_get(lb,
	    "availability_zone"));
	const char *topo = cfg.controller_worker_loadbalancer_topology;
	json_t *row = NULL, *prof = NULL, *data = NULL;
	int e = 0;

	if (fid) {
		if (repo_get(r->db, model_resource(RES_FLAVOR), fid, &row) < 0)
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Invalid flavor_id.");
		if (!json_is_true(json_object_get(row, "enabled"))) {
			e = api_fail(r, OCTA_EINVAL, "The selected flavor is "
			    "not allowed in this deployment: %s", fid);
			goto out;
		}
		if (repo_get(r->db, model_resource(RES_FLAVORPROFILE),
		    json_string_value(json_object_get(row,
		    "flavor_profile_id")), &prof) == 0) {
			data = json_loads(json_string_value(json_object_get(
			    prof, "flavor_data")), 0, NULL);
			if (json_is_string(json_object_get(data,
			    "loadbalancer_topology")))
				topo = json_string_value(json_object_get(data,
				    "loadbalancer_topology"));
		}
	}
	json_object_set_new(lb, "topology", json_string(topo));
	json_object_set_new(lb, "vip_vnic_type", json_string("normal"));
	if (az) {
		json_t *azrow;

		if (repo_get(r->db, model_resource(RES_AZ), az, &azrow) < 0) {
			e = api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Invalid availability zone.");
			goto out;
		}
		if (!json_is_true(json_object_get(azrow, "enabled")))
			e = api_fail(r, OCTA_EINVAL, "The selected availability"
			    "_zone is not allowed in this deployment: %s", az);
		json_decref(azrow);
	}
out:
	json_decref(data);
	json_decref(prof);
	json_decref(row);
	return e;
}

int
api_lb_prepare(struct api_req *r, json_t *lb)
{
	char msg[512];
	const char *prov;
	const char *project;
	char pbuf[256];
	int e;

	/*
	 * Octavia: the body's project_id, else the caller's, then the rule
	 * on it, so only callers allowed on another project (admins) may
	 * create there.
	 */
	project = json_string_value(json_object_get(lb, "project_id"));
	if (project == NULL || *project == '\0')
		project = r->auth.project_id[0] ? r->auth.project_id : NULL;
	if (project == NULL &&
	    strcmp(cfg.api_settings_auth_strategy, "noauth") != 0)
		return api_fail(r, OCTA_EINVAL, "Validation failure: Missing "
		    "project ID in request where one is required. An "
		    "administrator should check the keystone settings in the "
		    "Octavia configuration.");
	if ((e = api_authorize(r, project)) < 0)
		return e;
	if (project) {
		/* api_new_row() replaces the body's string */
		snprintf(pbuf, sizeof(pbuf), "%s", project);
		project = pbuf;
	}
	if (!json_is_string(json_object_get(lb, "vip_port_id")) &&
	    !json_is_string(json_object_get(lb, "vip_network_id")) &&
	    !json_is_string(json_object_get(lb, "vip_subnet_id")))
		return api_fail(r, OCTA_EINVAL, "Validation failure: VIP must "
		    "contain one of: vip_port_id, vip_network_id, "
		    "vip_subnet_id.");
	prov = json_string_value(json_object_get(lb, "provider"));
	if (prov == NULL) {
		prov = cfg.api_settings_default_provider_driver;
		json_object_set_new(lb, "provider", json_string(prov));
	}
	if (!api_provider_enabled(prov))
		return api_fail(r, OCTA_EINVAL, "Provider '%s' is not enabled.",
		    prov);
	if ((e = check_flavor_az(r, lb)) < 0)
		return e;
	api_new_row(r, LB, lb, project);
	if ((e = api_quota(r, project, Q_LOADBALANCER, 1)) < 0)
		return e;
	if ((e = svc_vip_allocate(r->db, lb, msg, sizeof(msg))) < 0)
		return api_fail(r, e, "%s", msg[0] ? msg :
		    "VIP allocation failed.");
	return 0;
}

static int
lb_post(struct api_req *r)
{
	json_t *in, *lb = NULL;
	int e;

	if ((e = api_body_root(r, "loadbalancer", &in)) < 0)
		return e;
	if ((e = api_validate(r, LB, in, OP_GRAPH, &lb)) < 0)
		return e;
	{
		const char *const lists[] = { "listeners", "pools" };
		size_t i;

		for (i = 0; i < 2; i++) {
			json_t *v = json_object_get(lb, lists[i]);

			if (v && !json_is_array(v) && !json_is_null(v)) {
				e = api_bad_field(r, lists[i], v, "Value should "
				    "be a list");
				goto out;
			}
		}
	}
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = api_lb_prepare(r, lb)) < 0)
		goto out;
	if (json_array_size(json_object_get(lb, "listeners")) ||
	    json_array_size(json_object_get(lb, "pools"))) {
		e = api_graph_create(r, lb);
		goto out;
	}
	json_object_del(lb, "listeners");
	json_object_del(lb, "pools");
	if ((e = repo_insert(r->db, LB, lb)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity "
		    "with that specified id." : "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "loadbalancer.create", json_string_value(
	    json_object_get(lb, "id")), json_string_value(json_object_get(lb,
	    "id")), NULL)) < 0)
		goto out;
	api_decorate(r, LB, lb);
	api_reply_obj(r, 201, LB, lb);
out:
	json_decref(lb);
	return e;
}

static int
lb_get_one(struct api_req *r)
{
	json_t *lb;
	int e;

	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		return e;
	api_reply_obj(r, 200, LB, lb);
	json_decref(lb);
	return 0;
}

static int
lb_get_all(struct api_req *r)
{
	return api_list(r, LB, NULL, NULL);
}

static int
lb_put(struct api_req *r)
{
	json_t *in, *ch = NULL, *lb = NULL;
	char st[32] = "";
	int e;

	if ((e = api_body_root(r, "loadbalancer", &in)) < 0)
		return e;
	if ((e = api_validate(r, LB, in, OP_UPDATE, &ch)) < 0)
		return e;
	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		goto out;
	if (json_object_get(ch, "vip_sg_ids") &&
	    json_is_null(json_object_get(ch, "vip_sg_ids")))
		json_object_set_new(ch, "vip_sg_ids", json_array());
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	e = svc_lb_lock(r->db, r->args[0], PROV_PENDING_UPDATE, false, st,
	    sizeof(st));
	if (e == -OCTA_ECONFLICT) {
		e = api_fail(r, e, "Invalid state %s of loadbalancer resource "
		    "%s", st, r->args[0]);
		goto out;
	}
	if (e < 0) {
		e = e == -OCTA_ENOTFOUND ? api_not_found(r, LB, r->args[0]) :
		    api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = repo_update(r->db, LB, r->args[0], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "loadbalancer.update", r->args[0], r->args[0],
	    NULL)) < 0)
		goto out;
	json_decref(lb);
	lb = NULL;
	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		goto out;
	api_reply_obj(r, 200, LB, lb);
out:
	json_decref(ch);
	json_decref(lb);
	return e;
}

static int
lb_delete(struct api_req *r)
{
	const char *c = api_query(r, "cascade");
	bool cascade = c && parse_bool_str(c);
	char st[32] = "";
	json_t *lb, *row;
	int e;

	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		return e;
	json_decref(lb);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if (!cascade && (db_query_one(r->db, "SELECT id FROM listener WHERE "
	    "load_balancer_id = ?1 UNION SELECT id FROM pool WHERE "
	    "load_balancer_id = ?1", json_pack("[s]", r->args[0]),
	    &row) == 0)) {
		json_decref(row);
		return api_fail(r, OCTA_EINVAL, "Validation failure: Cannot "
		    "delete Load Balancer %s - it has children", r->args[0]);
	}
	e = svc_lb_lock(r->db, r->args[0], PROV_PENDING_DELETE, true, st,
	    sizeof(st));
	if (e == -OCTA_ECONFLICT)
		return api_fail(r, e, "Invalid state %s of loadbalancer "
		    "resource %s", st, r->args[0]);
	if (e < 0)
		return e == -OCTA_ENOTFOUND ? api_not_found(r, LB, r->args[0]) :
		    api_fail(r, e, "Database error.");
	if ((e = api_submit(r, "loadbalancer.delete", r->args[0], r->args[0],
	    json_pack("{sb}", "cascade", cascade))) < 0)
		return e;
	api_reply(r, 204, NULL);
	return 0;
}

static int
lb_failover(struct api_req *r)
{
	char st[32] = "";
	json_t *lb;
	int e;

	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		return e;
	json_decref(lb);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	e = svc_lb_lock(r->db, r->args[0], PROV_PENDING_UPDATE, true, st,
	    sizeof(st));
	if (e == -OCTA_ECONFLICT)
		return api_fail(r, e, "Invalid state %s of loadbalancer "
		    "resource %s", st, r->args[0]);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_submit(r, "loadbalancer.failover", r->args[0],
	    r->args[0], NULL)) < 0)
		return e;
	api_reply(r, 202, NULL);
	return 0;
}

/* Sums listener_statistics rows; `where` selects the listeners. */
int
api_stats_reply(struct api_req *r, const char *where, const char *id)
{
	char sql[512];
	json_t *row;
	int e;

	snprintf(sql, sizeof(sql), "SELECT COALESCE(SUM(s.bytes_in), 0) AS "
	    "bytes_in, COALESCE(SUM(s.bytes_out), 0) AS bytes_out, "
	    "COALESCE(SUM(CASE WHEN a.status = 'ALLOCATED' OR a.id IS NULL "
	    "THEN s.active_connections ELSE 0 END), 0) AS active_connections, "
	    "COALESCE(SUM(s.total_connections), 0) AS total_connections, "
	    "COALESCE(SUM(s.request_errors), 0) AS request_errors FROM "
	    "listener_statistics s LEFT JOIN amphora a ON a.id = "
	    "s.amphora_id WHERE s.listener_id IN (%s)", where);
	if ((e = db_query_one(r->db, sql, json_pack("[s]", id), &row)) < 0)
		return api_fail(r, e, "Database error.");
	api_reply(r, 200, json_pack("{so}", "stats", row));
	return 0;
}

static int
lb_stats(struct api_req *r)
{
	json_t *lb;
	int e;

	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		return e;
	json_decref(lb);
	return api_stats_reply(r, "SELECT id FROM listener WHERE "
	    "load_balancer_id = ?", r->args[0]);
}

static json_t *
name_of(json_t *o)
{
	json_t *n = json_object_get(o, "name");

	return json_is_string(n) ? json_incref(n) : json_string("");
}

static json_t *
status_pool(struct api_req *r, const char *pool_id)
{
	json_t *pool, *out, *hm = NULL, *members, *list, *m;
	size_t i;

	if (repo_get(r->db, model_resource(RES_POOL), pool_id, &pool) < 0)
		return NULL;
	out = json_pack("{sO so sO sO}", "id", json_object_get(pool, "id"),
	    "name", name_of(pool), "provisioning_status",
	    json_object_get(pool, "provisioning_status"), "operating_status",
	    json_object_get(pool, "operating_status"));
	if (repo_select(r->db, model_resource(RES_HEALTHMONITOR), "pool_id = ?",
	    json_pack("[s]", pool_id), NULL, &list) == 0) {
		json_t *h = json_array_get(list, 0);

		if (h)
			hm = json_pack("{sO so sO sO sO}", "id",
			    json_object_get(h, "id"), "name", name_of(h),
			    "type", json_object_get(h, "type"),
			    "provisioning_status", json_object_get(h,
			    "provisioning_status"), "operating_status",
			    json_object_get(h, "operating_status"));
		json_decref(list);
	}
	json_object_set_new(out, "health_monitor", hm ? hm : json_null());
	members = json_array();
	if (repo_select(r->db, model_resource(RES_MEMBER), "pool_id = ?",
	    json_pack("[s]", pool_id), "created_at, id", &list) == 0) {
		json_array_foreach(list, i, m)
			json_array_append_new(members, json_pack(
			    "{sO so sO sO sO sO}", "id", json_object_get(m,
			    "id"), "name", name_of(m), "operating_status",
			    json_object_get(m, "operating_status"),
			    "provisioning_status", json_object_get(m,
			    "provisioning_status"), "address",
			    json_object_get(m, "address"), "protocol_port",
			    json_object_get(m, "protocol_port")));
		json_decref(list);
	}
	json_object_set_new(out, "members", members);
	json_decref(pool);
	return out;
}

static int
lb_status(struct api_req *r)
{
	json_t *lb, *listeners, *l, *out, *larr;
	size_t i;
	int e;

	if ((e = api_load(r, LB, r->args[0], &lb)) < 0)
		return e;
	larr = json_array();
	if (repo_select(r->db, model_resource(RES_LISTENER),
	    "load_balancer_id = ?", json_pack("[s]", r->args[0]),
	    "created_at, id", &listeners) == 0) {
		json_array_foreach(listeners, i, l) {
			json_t *pools = json_array(), *ids, *p;
			size_t j;

			/* default pool, then pools of enabled policies
			 * that have rules */
			if (db_query(r->db, "SELECT default_pool_id AS id FROM "
			    "listener WHERE id = ?1 AND default_pool_id IS NOT "
			    "NULL UNION SELECT p.redirect_pool_id FROM "
			    "l7policy p WHERE p.listener_id = ?1 AND "
			    "p.redirect_pool_id IS NOT NULL AND "
			    "p.admin_state_up <> 0 AND EXISTS (SELECT 1 FROM "
			    "l7rule x WHERE x.l7policy_id = p.id)",
			    json_pack("[O]", json_object_get(l, "id")),
			    &ids) == 0) {
				json_array_foreach(ids, j, p) {
					json_t *sp = status_pool(r,
					    json_string_value(json_object_get(p,
					    "id")));

					if (sp)
						json_array_append_new(pools, sp);
				}
				json_decref(ids);
			}
			json_array_append_new(larr, json_pack(
			    "{sO so sO sO so}", "id", json_object_get(l, "id"),
			    "name", name_of(l), "operating_status",
			    json_object_get(l, "operating_status"),
			    "provisioning_status", json_object_get(l,
			    "provisioning_status"), "pools", pools));
		}
		json_decref(listeners);
	}
	out = json_pack("{s{s{sO so sO sO so}}}", "statuses", "loadbalancer",
	    "id", json_object_get(lb, "id"), "name", name_of(lb),
	    "operating_status", json_object_get(lb, "operating_status"),
	    "provisioning_status", json_object_get(lb, "provisioning_status"),
	    "listeners", larr);
	json_decref(lb);
	api_reply(r, 200, out);
	return 0;
}

const struct api_route api_routes_loadbalancer[] = {
	{ M_GET, "/loadbalancers", lb_get_all,
	    "os_load-balancer_api:loadbalancer:get_all" },
	{ M_POST, "/loadbalancers", lb_post,
	    "os_load-balancer_api:loadbalancer:post" },
	{ M_GET, "/loadbalancers/{}", lb_get_one,
	    "os_load-balancer_api:loadbalancer:get_one" },
	{ M_PUT, "/loadbalancers/{}", lb_put,
	    "os_load-balancer_api:loadbalancer:put" },
	{ M_DELETE, "/loadbalancers/{}", lb_delete,
	    "os_load-balancer_api:loadbalancer:delete" },
	{ M_GET, "/loadbalancers/{}/stats", lb_stats,
	    "os_load-balancer_api:loadbalancer:get_stats" },
	{ M_GET, "/loadbalancers/{}/status", lb_status,
	    "os_load-balancer_api:loadbalancer:get_status" },
	{ M_GET, "/loadbalancers/{}/statuses", lb_status,
	    "os_load-balancer_api:loadbalancer:get_status" },
	{ M_PUT, "/loadbalancers/{}/failover", lb_failover,
	    "os_load-balancer_api:loadbalancer:put_failover" },
	{ 0, NULL, NULL, NULL },
};
