/*
 * flows.c - the flows of every job kind, as tables of steps (contract
 * section 6, SINGLE topology; ACTIVE_STANDBY builds its two amphorae the
 * same way but has no VRRP yet).
 *
 * Runs on worker threads.  A step (worker.h) is execute (outside work, no
 * transaction) + commit (database writes, in the transaction that saves
 * the progress mark and the payload) + revert (undo of the outside work).
 * Work that only touches the database - amphora rows, port allocation in
 * the local network world - is done in commits, so it is atomic with the
 * progress mark; work that touches the world - namespaces, veths, agent
 * calls - is done in executes and must be idempotent: everything it makes
 * is named from ids that an earlier commit already saved in the payload.
 *
 * The payload keys the flows use (besides "amphora_id" from the API):
 *   vip            {vip_*} from the network driver's allocate_vip
 *   amphorae       the amphorae this flow builds (LB create, failover),
 *                  with everything learnt about them on the way
 *   old_amphorae   the amphorae it removes (LB delete, failover,
 *                  amphora delete), as they were when the flow began
 *   member_plugs   [{amphora, port}] member subnets to plug
 * No secret goes there: the amphora's private key is handed to the compute
 * driver in a copy of the amphora object that is wiped afterwards.
 *
 * On a final failure the reverts destroy what this flow built (compute
 * instances, VIP plugs) and fail_flow() releases its ports, marks its
 * amphorae DELETED (ERROR if their destruction failed), the amphorae it
 * was replacing ERROR, and applies Octavia's status rules (fail_tree).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "worker.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../drivers/cert/local_ca.h"
#include "../service/service.h"

#define RES(k) model_resource(k)

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int
load_lb(struct flow_ctx *ctx, json_t **lb)
{
	return repo_get(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id, lb);
}

/* The LB's amphorae in service (not being deleted). */
static int
lb_amphorae(struct flow_ctx *ctx, json_t **amps)
{
	return repo_select(ctx->db, RES(RES_AMPHORA), "load_balancer_id = ? "
	    "AND status NOT IN ('DELETED', 'PENDING_DELETE')",
	    json_pack("[s]", ctx->lb_id), "role, id", amps);
}

/* The payload's array `key` (borrowed), NULL when absent. */
static json_t *
pl(struct flow_ctx *ctx, const char *key)
{
	json_t *a = json_object_get(ctx->payload, key);

	return json_is_array(a) ? a : NULL;
}

/* Writes the listed fields of `amp` (those present and not null) and the
 * status (unless NULL) to its row. */
static int
amp_save(struct flow_ctx *ctx, json_t *amp, const char *const *keys,
    const char *status)
{
	json_t *ch = json_object(), *v;
	int r = 0;

	for (; keys && *keys; keys++)
		if ((v = json_object_get(amp, *keys)) && !json_is_null(v))
			json_object_set(ch, *keys, v);
	if (status)
		json_object_set_new(ch, "status", json_string(status));
	if (json_object_size(ch) > 0)
		r = repo_update(ctx->db, RES(RES_AMPHORA), jstr(amp, "id"), ch);
	json_decref(ch);
	return r;
}

static int
amp_status(struct flow_ctx *ctx, const char *id, const char *status)
{
	char now[TIME_STR_LEN];

	time_now_iso(now);
	return db_exec(ctx->db, "UPDATE amphora SET status = ?, updated_at = ? "
	    "WHERE id = ?", json_pack("[sss]", status, now, id), NULL);
}

/* The amphora_health row, fresh (a new amphora gets a full
 * heartbeat_timeout to send its first heartbeat). */
static int
health_fresh(struct flow_ctx *ctx, const char *id)
{
	json_t *row;
	int r;

	r = db_query_one(ctx->db, "SELECT amphora_id FROM amphora_health "
	    "WHERE amphora_id = ?", json_pack("[s]", id), &row);
	if (r == 0) {
		json_decref(row);
		return db_exec(ctx->db, "UPDATE amphora_health SET "
		    "last_update = ?, busy = 0 WHERE amphora_id = ?",
		    json_pack("[Is]", (json_int_t)time_now(), id), NULL);
	}
	if (r != -OCTA_ENOTFOUND)
		return r;
	return db_exec(ctx->db, "INSERT INTO amphora_health (amphora_id, "
	    "last_update, busy) VALUES (?, ?, 0)",
	    json_pack("[sI]", id, (json_int_t)time_now()), NULL);
}

static int
health_busy(struct flow_ctx *ctx, const char *id)
{
	return db_exec(ctx->db, "UPDATE amphora_health SET busy = 1 WHERE "
	    "amphora_id = ?", json_pack("[s]", id), NULL);
}

static int
health_drop(struct flow_ctx *ctx, const char *id)
{
	return db_exec(ctx->db, "DELETE FROM amphora_health WHERE amphora_id "
	    "= ?", json_pack("[s]", id), NULL);
}

/* ---- load balancer: VIP ---- */

static const char *const vip_keys[] = { "vip_address", "vip_port_id",
	"vip_subnet_id", "vip_network_id", NULL };

static int
exec_allocate_vip(struct flow_ctx *ctx)
{
	json_t *lb, *vip;
	const char *const *k;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	if ((r = ctx->drv->network->allocate_vip(lb)) == 0) {
		vip = json_object();
		for (k = vip_keys; *k; k++)
			if (json_is_string(json_object_get(lb, *k)))
				json_object_set(vip, *k, json_object_get(lb,
				    *k));
		json_object_set_new(ctx->payload, "vip", vip);
	}
	json_decref(lb);
	return r;
}

static int
commit_allocate_vip(struct flow_ctx *ctx)
{
	json_t *vip = json_object_get(ctx->payload, "vip");

	if (!json_is_object(vip) || json_object_size(vip) == 0)
		return 0;
	return repo_update(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id, vip);
}

static int
exec_deallocate_vip(struct flow_ctx *ctx)
{
	json_t *lb;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	r = ctx->drv->network->deallocate_vip(lb);
	json_decref(lb);
	return r;
}

static int
commit_deallocate_vip(struct flow_ctx *ctx)
{
	json_t *lb;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	r = svc_vip_release(ctx->db, lb);
	json_decref(lb);
	return r;
}

/* ---- amphorae: rows ---- */

/* A new amphora of that role; a priority of 0 means none. */
static json_t *
amp_new(const char *role, json_int_t prio)
{
	char id[UUID_STR_LEN];
	json_t *amp;

	uuid_new(id);
	amp = json_pack("{ss ss}", "id", id, "role", role ? role :
	    "STANDALONE");
	if (prio)
		json_object_set_new(amp, "vrrp_priority", json_integer(prio));
	return amp;
}

/* The amphorae an LB of this topology needs. */
static json_t *
amps_for_topology(json_t *lb)
{
	json_t *amps = json_array();

	if (streq(jstr(lb, "topology"), "ACTIVE_STANDBY")) {
		json_array_append_new(amps, amp_new("MASTER", 100));
		json_array_append_new(amps, amp_new("BACKUP", 90));
	} else {
		json_array_append_new(amps, amp_new("STANDALONE", 0));
	}
	return amps;
}

/* Inserts the amphora's row (PENDING_CREATE) unless it exists. */
static int
amp_insert(struct flow_ctx *ctx, json_t *lb, json_t *amp)
{
	char now[TIME_STR_LEN];
	json_t *row;
	int r;

	r = repo_get(ctx->db, RES(RES_AMPHORA), jstr(amp, "id"), &row);
	if (r == 0) {
		json_decref(row);
		return 0;
	}
	if (r != -OCTA_ENOTFOUND)
		return r;
	time_now_iso(now);
	row = json_pack("{ss ss ss ss ss si sb}", "id", jstr(amp, "id"),
	    "loadbalancer_id", ctx->lb_id, "status", PROV_PENDING_CREATE,
	    "role", jstr(amp, "role") ? jstr(amp, "role") : "STANDALONE",
	    "created_at", now, "vrrp_id", 1, "cert_busy", 0);
	if (json_is_integer(json_object_get(amp, "vrrp_priority")))
		json_object_set(row, "vrrp_priority", json_object_get(amp,
		    "vrrp_priority"));
	json_object_set(row, "cached_zone", json_object_get(lb,
	    "availability_zone"));
	r = repo_insert(ctx->db, RES(RES_AMPHORA), row);
	json_decref(row);
	return r;
}

static int
amps_insert(struct flow_ctx *ctx, json_t *lb, json_t *amps)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(amps, i, amp)
		if ((r = amp_insert(ctx, lb, amp)) < 0)
			return r;
	return 0;
}

/* LB create: the amphora ids are chosen and their rows made before any
 * outside work, so every later step (and a revert) finds them. */
static int
commit_create_amphorae(struct flow_ctx *ctx)
{
	json_t *lb, *amps;
	int r;

	if (pl(ctx, "amphorae"))	/* this commit already happened */
		return 0;
	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	amps = amps_for_topology(lb);
	if ((r = amps_insert(ctx, lb, amps)) == 0)
		json_object_set(ctx->payload, "amphorae", amps);
	json_decref(amps);
	json_decref(lb);
	return r;
}

/* ---- amphorae: build ---- */

static int
commit_mgmt_ports(struct flow_ctx *ctx)
{
	static const char *const keys[] = { "lb_network_ip", NULL };
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		if ((r = svc_amp_mgmt_port(ctx->db, amp)) < 0 ||
		    (r = amp_save(ctx, amp, keys, NULL)) < 0)
			return r;
	}
	return 0;
}

/* Wipes a string held by a JSON value before it is freed (the amphora's
 * private key).  jansson keeps the text in a buffer of its own. */
static void
wipe_string(json_t *s)
{
	const char *v = json_string_value(s);

	if (v)
		explicit_bzero((char *)(uintptr_t)v, json_string_length(s));
}

/*
 * Issues the amphora's server certificate (CN and DNS SAN = its id) into
 * agent_conf.server_pem of `a`, and its expiry into `amp`.  The noop
 * amphora driver never talks TLS to an agent: it gets none (and no CA is
 * needed), only an expiry.
 */
static int
issue_cert(struct flow_ctx *ctx, json_t *amp, json_t *a)
{
	long validity = (long)cfg.certificates_cert_validity_time;
	char exp[TIME_STR_LEN];
	struct ca_paths ca;
	struct buf pem;
	int64_t not_after = 0;
	int r;

	if (ctx->drv->amphora == &amphora_noop_driver) {
		if (!json_is_string(json_object_get(amp, "cert_expiration"))) {
			time_iso(time_now() + validity, exp);
			json_object_set_new(amp, "cert_expiration",
			    json_string(exp));
		}
		return 0;
	}
	ca_paths_default(&ca);
	buf_init(&pem, 64u << 10);
	r = ca_issue_amphora(&ca, jstr(amp, "id"), validity, &pem,
	    &not_after);
	if (r < 0) {
		log_error("amphora=%s: no certificate from the amphora CA "
		    "%s: %s (octa-manage certs init makes it)",
		    jstr(amp, "id"), ca.server_ca, octa_err_str(r));
		goto out;
	}
	json_object_set_new(a, "agent_conf", json_pack("{ss}", "server_pem",
	    buf_str(&pem)));
	time_iso(not_after, exp);
	json_object_set_new(amp, "cert_expiration", json_string(exp));
out:
	if (pem.p)
		explicit_bzero(pem.p, pem.len);
	buf_free(&pem);
	return r;
}

static int
exec_compute_build(struct flow_ctx *ctx)
{
	static const char *const back[] = { "compute_id", "lb_network_ip",
	    "image_id", "compute_flavor", "cert_expiration", NULL };
	const char *const *k;
	json_t *amp, *a, *v;
	size_t i;
	int r = 0;

	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		a = json_deep_copy(amp);
		if ((r = issue_cert(ctx, amp, a)) == 0 &&
		    (r = ctx->drv->compute->build(a)) == 0) {
			for (k = back; *k; k++)
				if ((v = json_object_get(a, *k)) &&
				    !json_is_null(v))
					json_object_set(amp, *k, v);
		}
		wipe_string(json_object_get(json_object_get(a, "agent_conf"),
		    "server_pem"));
		json_decref(a);
		if (r < 0)
			return r;
		log_info("amphora built amphora=%s compute_id=%s "
		    "lb_network_ip=%s", jstr(amp, "id"),
		    jstr(amp, "compute_id") ? jstr(amp, "compute_id") : "",
		    jstr(amp, "lb_network_ip") ? jstr(amp, "lb_network_ip") :
		    "");
	}
	return 0;
}

static int
commit_compute_build(struct flow_ctx *ctx)
{
	static const char *const keys[] = { "compute_id", "lb_network_ip",
	    "image_id", "compute_flavor", "cert_expiration", NULL };
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "amphorae"), i, amp)
		if ((r = amp_save(ctx, amp, keys, "BOOTING")) < 0)
			return r;
	return 0;
}

/* Destroys the instances of `amps`; a failure is marked on the amphora
 * (fail_flow then leaves it ERROR, with its ports). */
static void
destroy_all(struct flow_ctx *ctx, json_t *amps)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(amps, i, amp) {
		if ((r = ctx->drv->compute->destroy(amp)) < 0) {
			log_error("amphora=%s cannot be destroyed: %s",
			    jstr(amp, "id"), octa_err_str(r));
			json_object_set_new(amp, "revert_failed", json_true());
		}
	}
}

static void
revert_compute_build(struct flow_ctx *ctx)
{
	destroy_all(ctx, pl(ctx, "amphorae"));
}

static int
exec_amphora_ready(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	if (ctx->drv->amphora->wait_ready == NULL)
		return 0;
	json_array_foreach(pl(ctx, "amphorae"), i, amp)
		if ((r = ctx->drv->amphora->wait_ready(amp)) < 0)
			return r;
	return 0;
}

static int
commit_amphora_ready(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		if ((r = amp_save(ctx, amp, NULL, "ALLOCATED")) < 0 ||
		    (r = health_fresh(ctx, jstr(amp, "id"))) < 0)
			return r;
	}
	return 0;
}

static const char *const vrrp_keys[] = { "vrrp_port_id", "vrrp_ip",
	"ha_ip", "ha_port_id", "vrrp_interface", NULL };

static int
commit_vrrp_ports(struct flow_ctx *ctx)
{
	json_t *lb, *amp;
	size_t i;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		if ((r = svc_amp_vrrp_port(ctx->db, lb, amp)) < 0 ||
		    (r = amp_save(ctx, amp, vrrp_keys, NULL)) < 0)
			break;
	}
	json_decref(lb);
	return r;
}

static int
exec_plug_vip(struct flow_ctx *ctx)
{
	const struct amphora_driver *ad = ctx->drv->amphora;
	json_t *lb, *amp;
	size_t i;
	int r = 0;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		if ((r = ctx->drv->network->plug_vip(lb, amp)) < 0 ||
		    (ad->plug_vip && (r = ad->plug_vip(lb, amp)) < 0))
			break;
	}
	json_decref(lb);
	return r;
}

static int
commit_plug_vip(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "amphorae"), i, amp)
		if ((r = amp_save(ctx, amp, vrrp_keys, NULL)) < 0)
			return r;
	return 0;
}

static void
revert_plug_vip(struct flow_ctx *ctx)
{
	json_t *lb = NULL, *amp;
	size_t i;

	if (ctx->drv->network->unplug_vip == NULL)
		return;
	if (load_lb(ctx, &lb) < 0)
		lb = json_pack("{ss}", "id", ctx->lb_id);
	json_array_foreach(pl(ctx, "amphorae"), i, amp)
		if (ctx->drv->network->unplug_vip(lb, amp) < 0)
			log_warn("amphora=%s: VIP not unplugged",
			    jstr(amp, "id"));
	json_decref(lb);
}

/*
 * The member subnets each amphora needs a port on (local network world):
 * those of the LB's members, except the VIP subnet the amphora is on
 * already.  Unplugging subnets no member uses any more is not done yet.
 */
static int
commit_member_ports(struct flow_ctx *ctx)
{
	json_t *lb = NULL, *subs = NULL, *amps = NULL, *plugs, *amp, *s;
	json_t *port;
	size_t i, j;
	int r;

	if (!svc_net_local() || ctx->drv->network->plug_member_network ==
	    NULL)
		return 0;
	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	plugs = json_array();
	if ((r = db_query(ctx->db, "SELECT DISTINCT subnet_id FROM member "
	    "WHERE load_balancer_id = ? AND subnet_id IS NOT NULL AND "
	    "provisioning_status <> 'PENDING_DELETE' ORDER BY subnet_id",
	    json_pack("[s]", ctx->lb_id), &subs)) < 0)
		goto out;
	if ((amps = json_incref(pl(ctx, "amphorae"))) == NULL &&
	    (r = lb_amphorae(ctx, &amps)) < 0)
		goto out;
	json_array_foreach(amps, i, amp) {
		json_array_foreach(subs, j, s) {
			const char *sid = jstr(s, "subnet_id");

			if (sid == NULL || streq(sid, jstr(lb,
			    "vip_subnet_id")))
				continue;
			if ((r = svc_amp_member_port(ctx->db, amp, sid,
			    &port)) < 0) {
				log_error("amphora=%s: no port on member "
				    "subnet %s: %s", jstr(amp, "id"), sid,
				    octa_err_str(r));
				goto out;
			}
			json_array_append_new(plugs, json_pack("{s{sO sO*} so}",
			    "amphora", "id", json_object_get(amp, "id"),
			    "lb_network_ip", json_object_get(amp,
			    "lb_network_ip"), "port", port));
		}
	}
	json_object_set(ctx->payload, "member_plugs", plugs);
	r = 0;
out:
	json_decref(plugs);
	json_decref(amps);
	json_decref(subs);
	json_decref(lb);
	return r;
}

static int
exec_plug_member_networks(struct flow_ctx *ctx)
{
	const struct amphora_driver *ad = ctx->drv->amphora;
	const struct network_driver *nd = ctx->drv->network;
	json_t *lb, *p, *amp, *port;
	size_t i;
	int r = 0;

	if (pl(ctx, "member_plugs") == NULL || nd->plug_member_network == NULL)
		return 0;
	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	json_array_foreach(pl(ctx, "member_plugs"), i, p) {
		amp = json_object_get(p, "amphora");
		port = json_object_get(p, "port");
		if ((r = nd->plug_member_network(lb, amp, port)) < 0 ||
		    (ad->plug_network && (r = ad->plug_network(amp,
		    port)) < 0))
			break;
	}
	json_decref(lb);
	return r;
}

/* ---- configuration ---- */

/* Pushes the LB's configuration to each of its amphorae. */
static int
exec_update_amphorae(struct flow_ctx *ctx)
{
	json_t *tree = NULL, *amps = NULL, *amp;
	size_t i;
	int r;

	/* One consistent picture, then no lock while the agents work. */
	if ((r = db_begin_read(ctx->db)) < 0)
		return r;
	if ((r = svc_lb_tree(ctx->db, ctx->lb_id, &tree)) == 0)
		r = lb_amphorae(ctx, &amps);
	db_rollback(ctx->db);
	if (r < 0)
		goto out;
	json_array_foreach(amps, i, amp)
		if ((r = ctx->drv->amphora->update_config(tree, amp)) < 0)
			break;
out:
	json_decref(amps);
	json_decref(tree);
	return r;
}

static int
commit_activate(struct flow_ctx *ctx)
{
	return svc_lb_tree_activate(ctx->db, ctx->lb_id);
}

/* ---- removing amphorae ---- */

/* LB delete: every amphora of the LB goes. */
static int
commit_delete_prepare(struct flow_ctx *ctx)
{
	json_t *amps, *amp;
	size_t i;
	int r;

	if (pl(ctx, "old_amphorae"))
		return 0;
	if ((r = repo_select(ctx->db, RES(RES_AMPHORA), "load_balancer_id = ? "
	    "AND status <> 'DELETED'", json_pack("[s]", ctx->lb_id),
	    "role, id", &amps)) < 0)
		return r;
	json_array_foreach(amps, i, amp) {
		if ((r = amp_status(ctx, jstr(amp, "id"),
		    PROV_PENDING_DELETE)) < 0 ||
		    (r = health_busy(ctx, jstr(amp, "id"))) < 0)
			break;
	}
	if (r == 0)
		json_object_set(ctx->payload, "old_amphorae", amps);
	json_decref(amps);
	return r;
}

/* Best effort: an amphora about to be destroyed need not answer. */
static int
exec_delete_config(struct flow_ctx *ctx)
{
	json_t *lb = json_pack("{ss}", "id", ctx->lb_id), *amp;
	size_t i;

	json_array_foreach(pl(ctx, "old_amphorae"), i, amp) {
		if (!streq(jstr(amp, "status"), "ALLOCATED"))
			continue;
		if (ctx->drv->amphora->delete_config(lb, amp) < 0)
			log_warn("amphora=%s: configuration not removed (it "
			    "is destroyed next)", jstr(amp, "id"));
	}
	json_decref(lb);
	return 0;
}

static int
exec_destroy_amphorae(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "old_amphorae"), i, amp) {
		if ((r = ctx->drv->compute->destroy(amp)) < 0) {
			log_error("amphora=%s cannot be destroyed: %s",
			    jstr(amp, "id"), octa_err_str(r));
			return r;
		}
		log_info("amphora destroyed amphora=%s", jstr(amp, "id"));
	}
	return 0;
}

static int
commit_destroy_amphorae(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "old_amphorae"), i, amp) {
		const char *id = jstr(amp, "id");

		if ((r = svc_amp_ports_release(ctx->db, id)) < 0 ||
		    (r = amp_status(ctx, id, PROV_DELETED)) < 0 ||
		    (r = health_drop(ctx, id)) < 0)
			return r;
	}
	return 0;
}

static int
commit_lb_deleted(struct flow_ctx *ctx)
{
	int r = svc_lb_children_delete(ctx->db, ctx->lb_id);

	if (r == 0)
		r = svc_set_status(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id,
		    PROV_DELETED, NULL);
	return r;
}

/*
 * Failover: the amphorae to replace (the one named, or all of the LB's)
 * and their replacements, same role and priority.  An LB failover of an
 * LB without amphorae (a failed create) builds what its topology needs.
 */
static int
commit_failover_prepare(struct flow_ctx *ctx)
{
	const char *only = jstr(ctx->payload, "amphora_id");
	json_t *lb = NULL, *all = NULL, *old, *fresh = NULL, *amp;
	size_t i;
	int r;

	if (pl(ctx, "old_amphorae"))
		return 0;
	if ((r = load_lb(ctx, &lb)) < 0 || (r = lb_amphorae(ctx, &all)) < 0)
		goto out;
	old = json_array();
	fresh = json_array();
	json_array_foreach(all, i, amp) {
		if (streq(ctx->kind, "amphora.failover") &&
		    !streq(jstr(amp, "id"), only ? only : ctx->object_id))
			continue;
		json_array_append(old, amp);
		json_array_append_new(fresh, amp_new(jstr(amp, "role"),
		    json_integer_value(json_object_get(amp,
		    "vrrp_priority"))));
	}
	if (json_array_size(all) == 0 && streq(ctx->kind,
	    "loadbalancer.failover")) {
		json_decref(fresh);
		fresh = amps_for_topology(lb);
	}
	json_object_set_new(ctx->payload, "old_amphorae", old);
	if ((r = amps_insert(ctx, lb, fresh)) < 0)
		goto out;
	json_array_foreach(old, i, amp) {
		if ((r = amp_status(ctx, jstr(amp, "id"),
		    PROV_PENDING_DELETE)) < 0 ||
		    (r = health_busy(ctx, jstr(amp, "id"))) < 0)
			goto out;
	}
	json_object_set(ctx->payload, "amphorae", fresh);
	log_info("flow %s replaces amphorae=%zu with new=%zu lb=%s",
	    ctx->kind, json_array_size(old), json_array_size(fresh),
	    ctx->lb_id);
out:
	json_decref(fresh);
	json_decref(all);
	json_decref(lb);
	return r;
}

/* Amphora delete (an amphora in ERROR, see the API). */
static int
commit_amp_delete_prepare(struct flow_ctx *ctx)
{
	json_t *amp;
	int r;

	if (pl(ctx, "old_amphorae"))
		return 0;
	r = repo_get(ctx->db, RES(RES_AMPHORA), ctx->object_id, &amp);
	if (r == -OCTA_ENOTFOUND) {
		json_object_set_new(ctx->payload, "old_amphorae",
		    json_array());
		return 0;
	}
	if (r < 0)
		return r;
	if (!streq(jstr(amp, "status"), PROV_DELETED))
		r = health_busy(ctx, ctx->object_id);
	if (r == 0)
		json_object_set_new(ctx->payload, "old_amphorae",
		    streq(jstr(amp, "status"), PROV_DELETED) ? json_array() :
		    json_pack("[O]", amp));
	json_decref(amp);
	return r;
}

/* ---- failure handling ---- */

static enum resource_kind
kind_of(const char *job_kind)
{
	static const struct {
		const char *prefix;
		enum resource_kind kind;
	} map[] = {
		{ "loadbalancer.", RES_LOADBALANCER },
		{ "listener.", RES_LISTENER },
		{ "pool.", RES_POOL },
		{ "member.", RES_MEMBER },
		{ "healthmonitor.", RES_HEALTHMONITOR },
		{ "l7policy.", RES_L7POLICY },
		{ "l7rule.", RES_L7RULE },
		{ "amphora.", RES_AMPHORA },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(job_kind, map[i].prefix,
		    strlen(map[i].prefix)) == 0)
			return map[i].kind;
	return RES_LOADBALANCER;
}

/* Octavia's status rules (contract section 2). */
static int
fail_tree(struct flow_ctx *ctx)
{
	enum resource_kind k = kind_of(ctx->kind);
	int r;

	if (k == RES_AMPHORA) {
		/* (one a failover already destroyed stays DELETED) */
		r = db_exec(ctx->db, "UPDATE amphora SET status = 'ERROR' "
		    "WHERE id = ? AND status <> 'DELETED'",
		    json_pack("[s]", ctx->object_id), NULL);
		if (r < 0)
			return r;
		return svc_lb_tree_fail(ctx->db, ctx->lb_id,
		    RES(RES_LOADBALANCER), NULL);
	}
	if (strcmp(ctx->kind, "member.batch") == 0)
		return svc_lb_tree_fail(ctx->db, ctx->lb_id, RES(RES_POOL),
		    NULL);
	return svc_lb_tree_fail(ctx->db, ctx->lb_id, RES(k), ctx->object_id);
}

/*
 * After the reverts: the amphorae this flow built are gone (ports
 * released, rows DELETED) unless destroying one failed (then ERROR, its
 * ports kept for whoever cleans up); those it was replacing or removing
 * are ERROR; then the statuses of the LB and its children.
 */
static int
fail_flow(struct flow_ctx *ctx)
{
	json_t *amp;
	size_t i;
	int r;

	json_array_foreach(pl(ctx, "amphorae"), i, amp) {
		const char *id = jstr(amp, "id");

		if (json_is_true(json_object_get(amp, "revert_failed"))) {
			r = amp_status(ctx, id, PROV_ERROR);
		} else if ((r = svc_amp_ports_release(ctx->db, id)) == 0 &&
		    (r = amp_status(ctx, id, PROV_DELETED)) == 0) {
			r = health_drop(ctx, id);
		}
		if (r < 0)
			return r;
	}
	json_array_foreach(pl(ctx, "old_amphorae"), i, amp) {
		r = db_exec(ctx->db, "UPDATE amphora SET status = 'ERROR' "
		    "WHERE id = ? AND status <> 'DELETED'",
		    json_pack("[s]", jstr(amp, "id")), NULL);
		if (r < 0)
			return r;
	}
	return fail_tree(ctx);
}

/* ---- the flow table ---- */

#define STEP(name, exec, commit, revert) { name, exec, commit, revert }

#define S_ALLOCATE_VIP \
	STEP("allocate_vip", exec_allocate_vip, commit_allocate_vip, NULL)
#define S_CREATE_AMPHORAE \
	STEP("create_amphorae", NULL, commit_create_amphorae, NULL)
#define S_UPDATE_AMPHORAE \
	STEP("update_amphorae", exec_update_amphorae, NULL, NULL)
#define S_ACTIVATE STEP("activate", NULL, commit_activate, NULL)
#define S_MEMBER_PORTS \
	STEP("member_ports", NULL, commit_member_ports, NULL)
#define S_PLUG_MEMBER_NETWORKS \
	STEP("plug_member_networks", exec_plug_member_networks, NULL, NULL)
#define S_DESTROY_AMPHORAE STEP("destroy_amphorae", exec_destroy_amphorae, \
	commit_destroy_amphorae, NULL)

/* Building the amphorae in payload["amphorae"] (contract 6, amphora and
 * net subflows): management port, instance with its certificate, agent
 * up, VIP port and plug, member networks. */
#define S_BUILD_AMPHORAE                                                \
	STEP("mgmt_ports", NULL, commit_mgmt_ports, NULL),              \
	STEP("compute_build", exec_compute_build, commit_compute_build, \
	    revert_compute_build),                                      \
	STEP("amphora_ready", exec_amphora_ready, commit_amphora_ready, \
	    NULL),                                                      \
	STEP("vrrp_ports", NULL, commit_vrrp_ports, NULL),              \
	STEP("plug_vip", exec_plug_vip, commit_plug_vip,                \
	    revert_plug_vip),                                           \
	S_MEMBER_PORTS, S_PLUG_MEMBER_NETWORKS

#define FLOW(kind, arr) { kind, arr, sizeof(arr) / sizeof(arr[0]), fail_flow }

static const struct flow_step lb_create[] = {
	S_ALLOCATE_VIP, S_CREATE_AMPHORAE, S_BUILD_AMPHORAE,
	S_UPDATE_AMPHORAE, S_ACTIVATE,
};
static const struct flow_step lb_delete[] = {
	STEP("delete_prepare", NULL, commit_delete_prepare, NULL),
	STEP("delete_config", exec_delete_config, NULL, NULL),
	S_DESTROY_AMPHORAE,
	STEP("deallocate_vip", exec_deallocate_vip, commit_deallocate_vip,
	    NULL),
	STEP("lb_deleted", NULL, commit_lb_deleted, NULL),
};
/* Build the replacements first, then remove the failed ones. */
static const struct flow_step failover[] = {
	STEP("failover_prepare", NULL, commit_failover_prepare, NULL),
	S_BUILD_AMPHORAE, S_DESTROY_AMPHORAE, S_UPDATE_AMPHORAE, S_ACTIVATE,
};
/* Every child change, and LB update: push config, settle statuses. */
static const struct flow_step config_change[] = {
	S_UPDATE_AMPHORAE, S_ACTIVATE,
};
/* Members may bring new subnets: plug them first. */
static const struct flow_step member_change[] = {
	S_MEMBER_PORTS, S_PLUG_MEMBER_NETWORKS, S_UPDATE_AMPHORAE, S_ACTIVATE,
};
static const struct flow_step amp_delete[] = {
	STEP("amp_delete_prepare", NULL, commit_amp_delete_prepare, NULL),
	S_DESTROY_AMPHORAE,
};
/* PUT /amphorae/{id}/config: nothing to refresh yet. */
static const struct flow_step amp_config[] = {
	STEP("nothing", NULL, NULL, NULL),
};

static const struct flow flows[] = {
	FLOW("loadbalancer.create", lb_create),
	FLOW("loadbalancer.update", config_change),
	FLOW("loadbalancer.delete", lb_delete),
	FLOW("loadbalancer.failover", failover),
	FLOW("amphora.failover", failover),
	FLOW("amphora.delete", amp_delete),
	FLOW("amphora.config", amp_config),
	FLOW("listener.create", config_change),
	FLOW("listener.update", config_change),
	FLOW("listener.delete", config_change),
	FLOW("pool.create", config_change),
	FLOW("pool.update", config_change),
	FLOW("pool.delete", config_change),
	FLOW("member.create", member_change),
	FLOW("member.update", config_change),
	FLOW("member.delete", config_change),
	FLOW("member.batch", member_change),
	FLOW("healthmonitor.create", config_change),
	FLOW("healthmonitor.update", config_change),
	FLOW("healthmonitor.delete", config_change),
	FLOW("l7policy.create", config_change),
	FLOW("l7policy.update", config_change),
	FLOW("l7policy.delete", config_change),
	FLOW("l7rule.create", config_change),
	FLOW("l7rule.update", config_change),
	FLOW("l7rule.delete", config_change),
};

const struct flow *
flow_find(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++)
		if (strcmp(flows[i].kind, kind) == 0)
			return &flows[i];
	return NULL;
}
