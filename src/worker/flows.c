/*
 * flows.c - the flows of every job kind, as tables of steps.
 *
 * Each step is idempotent: a resumed flow repeats the step it was in.  A
 * step runs inside a transaction that also records the flow's progress.
 * The last step of every flow settles the statuses (svc_lb_tree_activate),
 * and on_failure applies Octavia's revert rules.
 */
#include <stdio.h>
#include <string.h>

#include "worker.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../service/service.h"

#define RES(k) model_resource(k)

static int
load_lb(struct flow_ctx *ctx, json_t **lb)
{
	return repo_get(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id, lb);
}

static int
lb_amphorae(struct flow_ctx *ctx, json_t **amps)
{
	return repo_select(ctx->db, RES(RES_AMPHORA), "load_balancer_id = ? "
	    "AND status NOT IN ('DELETED', 'PENDING_DELETE')",
	    json_pack("[s]", ctx->lb_id), "role, id", amps);
}

/* ---- load balancer ---- */

static int
step_allocate_vip(struct flow_ctx *ctx)
{
	json_t *lb;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	if ((r = ctx->drv->network->allocate_vip(lb)) == 0)
		r = repo_update(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id, lb);
	json_decref(lb);
	return r;
}

static int
create_amphora(struct flow_ctx *ctx, json_t *lb, const char *role,
    int priority)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN], exp[TIME_STR_LEN];
	json_t *amp;
	int r;

	uuid_new(id);
	time_now_iso(now);
	time_iso(time_now() + 2592000, exp);
	amp = json_pack("{ss ss ss ss* ss ss si sb}", "id", id,
	    "loadbalancer_id", ctx->lb_id, "status", "PENDING_CREATE",
	    "role", role, "created_at", now, "cert_expiration", exp,
	    "vrrp_id", 1, "cert_busy", 0);
	if (priority)
		json_object_set_new(amp, "vrrp_priority", json_integer(priority));
	json_object_set(amp, "cached_zone",
	    json_object_get(lb, "availability_zone"));
	if ((r = ctx->drv->compute->build(amp)) < 0)
		goto out;
	if ((r = ctx->drv->network->plug_vip(lb, amp)) < 0)
		goto out;
	json_object_set_new(amp, "status", json_string("ALLOCATED"));
	r = repo_insert(ctx->db, RES(RES_AMPHORA), amp);
	if (r == 0)
		r = db_exec(ctx->db, "INSERT INTO amphora_health (amphora_id, "
		    "last_update, busy) VALUES (?, ?, 0)",
		    json_pack("[sI]", id, (json_int_t)time_now()), NULL);
out:
	json_decref(amp);
	return r;
}

static int
step_create_amphorae(struct flow_ctx *ctx)
{
	json_t *lb, *amps;
	const char *topo;
	int r;

	if ((r = lb_amphorae(ctx, &amps)) < 0)
		return r;
	if (json_array_size(amps) > 0) {	/* done on an earlier run */
		json_decref(amps);
		return 0;
	}
	json_decref(amps);
	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	topo = json_string_value(json_object_get(lb, "topology"));
	if (topo && strcmp(topo, "ACTIVE_STANDBY") == 0) {
		r = create_amphora(ctx, lb, "MASTER", 100);
		if (r == 0)
			r = create_amphora(ctx, lb, "BACKUP", 90);
	} else {
		r = create_amphora(ctx, lb, "STANDALONE", 0);
	}
	json_decref(lb);
	return r;
}

/* Pushes the LB's configuration to each of its amphorae. */
static int
step_update_amphorae(struct flow_ctx *ctx)
{
	json_t *lb, *amps, *amp;
	size_t i;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	if ((r = lb_amphorae(ctx, &amps)) < 0) {
		json_decref(lb);
		return r;
	}
	json_array_foreach(amps, i, amp)
		if ((r = ctx->drv->amphora->update_config(lb, amp)) < 0)
			break;
	json_decref(amps);
	json_decref(lb);
	return r;
}

static int
step_activate(struct flow_ctx *ctx)
{
	return svc_lb_tree_activate(ctx->db, ctx->lb_id);
}

static int
step_delete_amphorae(struct flow_ctx *ctx)
{
	json_t *amps, *amp;
	size_t i;
	int r;

	if ((r = lb_amphorae(ctx, &amps)) < 0)
		return r;
	json_array_foreach(amps, i, amp) {
		const char *id = json_string_value(json_object_get(amp, "id"));

		if ((r = ctx->drv->compute->destroy(amp)) < 0)
			break;
		r = svc_set_status(ctx->db, RES(RES_AMPHORA), id, "DELETED",
		    NULL);
		if (r == 0)
			r = db_exec(ctx->db, "DELETE FROM amphora_health WHERE "
			    "amphora_id = ?", json_pack("[s]", id), NULL);
		if (r < 0)
			break;
	}
	json_decref(amps);
	return r;
}

static int
step_deallocate_vip(struct flow_ctx *ctx)
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
step_lb_deleted(struct flow_ctx *ctx)
{
	int r = svc_lb_children_delete(ctx->db, ctx->lb_id);

	if (r == 0)
		r = svc_set_status(ctx->db, RES(RES_LOADBALANCER), ctx->lb_id,
		    PROV_DELETED, NULL);
	return r;
}

/* Replaces every amphora of the LB (failover). */
static int
step_replace_amphorae(struct flow_ctx *ctx)
{
	json_t *lb, *amps, *amp;
	const char *only = json_string_value(json_object_get(ctx->payload,
	    "amphora_id"));
	size_t i;
	int r;

	if ((r = load_lb(ctx, &lb)) < 0)
		return r;
	if ((r = lb_amphorae(ctx, &amps)) < 0) {
		json_decref(lb);
		return r;
	}
	json_array_foreach(amps, i, amp) {
		const char *id = json_string_value(json_object_get(amp, "id"));
		const char *role = json_string_value(json_object_get(amp,
		    "role"));
		int prio = (int)json_integer_value(json_object_get(amp,
		    "vrrp_priority"));

		if (only && strcmp(only, id) != 0)
			continue;
		if ((r = ctx->drv->compute->destroy(amp)) < 0)
			break;
		if ((r = svc_set_status(ctx->db, RES(RES_AMPHORA), id,
		    "DELETED", NULL)) < 0)
			break;
		db_exec(ctx->db, "DELETE FROM amphora_health WHERE amphora_id "
		    "= ?", json_pack("[s]", id), NULL);
		if ((r = create_amphora(ctx, lb, role ? role : "STANDALONE",
		    prio)) < 0)
			break;
	}
	json_decref(amps);
	json_decref(lb);
	return r;
}

static int
step_amphora_delete(struct flow_ctx *ctx)
{
	json_t *amp;
	int r;

	if ((r = repo_get(ctx->db, RES(RES_AMPHORA), ctx->object_id, &amp)) < 0)
		return r == -OCTA_ENOTFOUND ? 0 : r;
	r = ctx->drv->compute->destroy(amp);
	json_decref(amp);
	if (r == 0)
		r = svc_set_status(ctx->db, RES(RES_AMPHORA), ctx->object_id,
		    "DELETED", NULL);
	if (r == 0)
		r = db_exec(ctx->db, "DELETE FROM amphora_health WHERE "
		    "amphora_id = ?", json_pack("[s]", ctx->object_id), NULL);
	return r;
}

static int
step_nothing(struct flow_ctx *ctx)
{
	(void)ctx;
	return 0;
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
		if (strncmp(job_kind, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].kind;
	return RES_LOADBALANCER;
}

static int
fail_tree(struct flow_ctx *ctx)
{
	enum resource_kind k = kind_of(ctx->kind);

	if (k == RES_AMPHORA) {
		svc_set_status(ctx->db, RES(RES_AMPHORA), ctx->object_id,
		    "ERROR", NULL);
		return svc_lb_tree_fail(ctx->db, ctx->lb_id,
		    RES(RES_LOADBALANCER), NULL);
	}
	if (strcmp(ctx->kind, "member.batch") == 0)
		return svc_lb_tree_fail(ctx->db, ctx->lb_id, RES(RES_POOL),
		    NULL);
	return svc_lb_tree_fail(ctx->db, ctx->lb_id, RES(k), ctx->object_id);
}

/* ---- the flow table ---- */

#define STEP(fn) { #fn + 5, fn }
#define FLOW(kind, arr) { kind, arr, sizeof(arr) / sizeof(arr[0]), fail_tree }

static const struct flow_step lb_create[] = {
	STEP(step_allocate_vip), STEP(step_create_amphorae),
	STEP(step_update_amphorae), STEP(step_activate),
};
static const struct flow_step lb_delete[] = {
	STEP(step_delete_amphorae), STEP(step_deallocate_vip),
	STEP(step_lb_deleted),
};
static const struct flow_step lb_failover[] = {
	STEP(step_replace_amphorae), STEP(step_update_amphorae),
	STEP(step_activate),
};
/* Every child change, and LB update: push config, settle statuses. */
static const struct flow_step config_change[] = {
	STEP(step_update_amphorae), STEP(step_activate),
};
static const struct flow_step amp_delete[] = { STEP(step_amphora_delete) };
static const struct flow_step amp_config[] = { STEP(step_nothing) };

static const struct flow flows[] = {
	FLOW("loadbalancer.create", lb_create),
	FLOW("loadbalancer.update", config_change),
	FLOW("loadbalancer.delete", lb_delete),
	FLOW("loadbalancer.failover", lb_failover),
	FLOW("amphora.failover", lb_failover),
	FLOW("amphora.delete", amp_delete),
	FLOW("amphora.config", amp_config),
	FLOW("listener.create", config_change),
	FLOW("listener.update", config_change),
	FLOW("listener.delete", config_change),
	FLOW("pool.create", config_change),
	FLOW("pool.update", config_change),
	FLOW("pool.delete", config_change),
	FLOW("member.create", config_change),
	FLOW("member.update", config_change),
	FLOW("member.delete", config_change),
	FLOW("member.batch", config_change),
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
