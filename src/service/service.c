/*
 * service.c - LB locking, job submission, quotas and end-of-flow status
 * changes.  Every function runs inside the caller's transaction.
 */
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "service.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"

int
svc_lb_lock(struct db *db, const char *lb_id, const char *to,
    bool allow_error, char *status, size_t status_len)
{
	char now[TIME_STR_LEN];
	const char *st;
	long long n = 0;
	json_t *row;
	int r;

	time_now_iso(now);
	r = db_exec(db, allow_error ?
	    "UPDATE load_balancer SET provisioning_status = ?, updated_at = ? "
	    "WHERE id = ? AND provisioning_status IN ('ACTIVE', 'ERROR')" :
	    "UPDATE load_balancer SET provisioning_status = ?, updated_at = ? "
	    "WHERE id = ? AND provisioning_status = 'ACTIVE'",
	    json_pack("[sss]", to, now, lb_id), &n);
	if (r < 0)
		return r;
	if (n == 1)
		return 0;
	r = db_query_one(db, "SELECT provisioning_status FROM load_balancer "
	    "WHERE id = ?", json_pack("[s]", lb_id), &row);
	if (r < 0)
		return r;
	st = json_string_value(json_object_get(row, "provisioning_status"));
	if (status)
		snprintf(status, status_len, "%s", st ? st : "");
	r = st && strcmp(st, PROV_DELETED) == 0 ? -OCTA_ENOTFOUND :
	    -OCTA_ECONFLICT;
	json_decref(row);
	return r;
}

int
svc_set_status(struct db *db, const struct resource *res, const char *id,
    const char *prov, const char *oper)
{
	json_t *ch = json_object();
	int r;

	if (prov)
		json_object_set_new(ch, res->kind == RES_AMPHORA ? "status" :
		    "provisioning_status", json_string(prov));
	if (oper)
		json_object_set_new(ch, "operating_status", json_string(oper));
	r = repo_update(db, res, id, ch);
	json_decref(ch);
	return r;
}

int
svc_job_submit(struct db *db, const char *kind, const char *object_id,
    const char *lb_id, json_t *payload)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN];
	char *p = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	struct timespec ts;
	long long ms;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	/*
	 * Jobs of one LB run in created_ms order.  Two submitted within the
	 * same millisecond (or after the clock stepped back) would tie and be
	 * ordered by their random ids, so a new job always sorts after the
	 * LB's newest one.
	 */
	if (lb_id && *lb_id) {
		json_t *row, *last;

		r = db_query_one(db, "SELECT MAX(created_ms) AS m FROM job "
		    "WHERE lb_id = ?", json_pack("[s]", lb_id), &row);
		if (r < 0) {
			free(p);
			return r;
		}
		last = json_object_get(row, "m");
		if (json_is_integer(last) && json_integer_value(last) >= ms)
			ms = json_integer_value(last) + 1;
		json_decref(row);
	}
	uuid_new(id);
	time_now_iso(now);
	r = db_exec(db, "INSERT INTO job (id, kind, object_id, lb_id, payload, "
	    "state, step, created_ms, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, 'ready', 0, ?, ?)",
	    json_pack("[sssssIs]", id, kind, object_id, lb_id ? lb_id : "",
	    p ? p : "{}", ms, now), NULL);
	free(p);
	if (r == 0)
		log_debug("job submitted id=%s kind=%s object=%s", id, kind,
		    object_id);
	return r;
}

const struct quota_info svc_quota_info[Q__COUNT] = {
	[Q_LOADBALANCER] = { "load_balancer", "loadbalancer", "load_balancer",
	    "Load Balancer", RES_LOADBALANCER },
	[Q_LISTENER] = { "listener", "listener", NULL, "Listener",
	    RES_LISTENER },
	[Q_POOL] = { "pool", "pool", NULL, "Pool", RES_POOL },
	[Q_HEALTHMONITOR] = { "health_monitor", "healthmonitor",
	    "health_monitor", "Health Monitor", RES_HEALTHMONITOR },
	[Q_MEMBER] = { "member", "member", NULL, "Member", RES_MEMBER },
	[Q_L7POLICY] = { "l7policy", "l7policy", NULL, "L7 Policy",
	    RES_L7POLICY },
	[Q_L7RULE] = { "l7rule", "l7rule", NULL, "L7 Rule", RES_L7RULE },
};

long long
svc_quota_default(enum quota_res q)
{
	switch (q) {
	case Q_LOADBALANCER: return cfg.quotas_default_load_balancer_quota;
	case Q_LISTENER: return cfg.quotas_default_listener_quota;
	case Q_POOL: return cfg.quotas_default_pool_quota;
	case Q_HEALTHMONITOR: return cfg.quotas_default_health_monitor_quota;
	case Q_MEMBER: return cfg.quotas_default_member_quota;
	case Q_L7POLICY: return cfg.quotas_default_l7policy_quota;
	case Q_L7RULE: return cfg.quotas_default_l7rule_quota;
	default: return -1;
	}
}

long long
svc_quota_limit(struct db *db, const char *project_id, enum quota_res q)
{
	json_t *row = NULL, *v;
	long long lim = svc_quota_default(q);
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT %s AS v FROM quotas "
	    "WHERE project_id = ?", svc_quota_info[q].column);
	if (db_query_one(db, sql, json_pack("[s]", project_id ? project_id :
	    ""), &row) == 0) {
		v = json_object_get(row, "v");
		if (json_is_integer(v))
			lim = json_integer_value(v);
	}
	json_decref(row);
	return lim;
}

int
svc_quota_check(struct db *db, const char *project_id, enum quota_res q,
    int n)
{
	const struct resource *res = model_resource(svc_quota_info[q].kind);
	long long lim = svc_quota_limit(db, project_id, q);
	char sql[256];
	json_t *row;
	long long used;
	int r;

	if (lim < 0)
		return 0;
	if (lim == 0 && n > 0)
		return -OCTA_EFORBIDDEN;
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) AS n FROM %s WHERE "
	    "project_id = ?%s", res->table, res->soft_delete ?
	    " AND provisioning_status <> 'DELETED'" : "");
	r = db_query_one(db, sql, json_pack("[s]", project_id ? project_id :
	    ""), &row);
	if (r < 0)
		return r;
	used = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return used + n <= lim ? 0 : -OCTA_EFORBIDDEN;
}

/* Child tables of an LB, leaves first (the order deletes must run in). */
static const char *const lb_child_tables[] = { "l7rule", "l7policy",
	"member", "health_monitor", "listener", "pool" };

int
svc_lb_tree_activate(struct db *db, const char *lb_id)
{
	char sql[512], now[TIME_STR_LEN];
	size_t i;
	int r;

	time_now_iso(now);
	/* A pool going away stops being a default pool (as Octavia's ORM). */
	r = db_exec(db, "UPDATE listener SET default_pool_id = NULL WHERE "
	    "load_balancer_id = ? AND default_pool_id IN (SELECT id FROM pool "
	    "WHERE load_balancer_id = ? AND provisioning_status = "
	    "'PENDING_DELETE')", json_pack("[ss]", lb_id, lb_id), NULL);
	if (r < 0)
		return r;
	/* A pool losing its monitor: every member is NO_MONITOR again. */
	r = db_exec(db, "UPDATE member SET operating_status = 'NO_MONITOR' "
	    "WHERE pool_id IN (SELECT pool_id FROM health_monitor WHERE "
	    "load_balancer_id = ? AND provisioning_status = 'PENDING_DELETE')",
	    json_pack("[s]", lb_id), NULL);
	if (r < 0)
		return r;
	for (i = 0; i < sizeof(lb_child_tables) / sizeof(*lb_child_tables);
	    i++) {
		const char *t = lb_child_tables[i];
		bool oper = strcmp(t, "health_monitor") == 0 ||
		    strcmp(t, "l7policy") == 0 || strcmp(t, "l7rule") == 0;

		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE "
		    "load_balancer_id = ? AND provisioning_status = "
		    "'PENDING_DELETE'", t);
		if ((r = db_exec(db, sql, json_pack("[s]", lb_id), NULL)) < 0)
			return r;
		if (oper)
			snprintf(sql, sizeof(sql), "UPDATE %s SET "
			    "operating_status = CASE WHEN admin_state_up <> 0 "
			    "THEN 'ONLINE' ELSE 'OFFLINE' END WHERE "
			    "load_balancer_id = ? AND provisioning_status IN "
			    "('PENDING_CREATE', 'PENDING_UPDATE')", t);
		if (oper && (r = db_exec(db, sql, json_pack("[s]", lb_id),
		    NULL)) < 0)
			return r;
		/* Octavia stamps updated_at when an object goes ACTIVE,
		 * after a create too (clients parse it then). */
		snprintf(sql, sizeof(sql), "UPDATE %s SET provisioning_status "
		    "= 'ACTIVE', updated_at = ? WHERE "
		    "load_balancer_id = ? AND provisioning_status IN "
		    "('PENDING_CREATE', 'PENDING_UPDATE')", t);
		if ((r = db_exec(db, sql, json_pack("[ss]", now, lb_id),
		    NULL)) < 0)
			return r;
	}
	/* Members of pools without a monitor are NO_MONITOR. */
	r = db_exec(db, "UPDATE member SET operating_status = 'NO_MONITOR' "
	    "WHERE load_balancer_id = ? AND operating_status = 'OFFLINE' AND "
	    "pool_id NOT IN (SELECT pool_id FROM health_monitor)",
	    json_pack("[s]", lb_id), NULL);
	if (r < 0)
		return r;
	return db_exec(db, "UPDATE load_balancer SET provisioning_status = "
	    "'ACTIVE', updated_at = ? WHERE id = ? AND "
	    "provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE')",
	    json_pack("[ss]", now, lb_id), NULL);
}

int
svc_lb_tree_fail(struct db *db, const char *lb_id, const struct resource *res,
    const char *id)
{
	char sql[256];
	size_t i;
	int r;

	if (res && id) {
		snprintf(sql, sizeof(sql), "UPDATE %s SET provisioning_status "
		    "= 'ERROR' WHERE id = ?", res->table);
		if ((r = db_exec(db, sql, json_pack("[s]", id), NULL)) < 0)
			return r;
	}
	for (i = 0; i < sizeof(lb_child_tables) / sizeof(*lb_child_tables);
	    i++) {
		snprintf(sql, sizeof(sql), "UPDATE %s SET provisioning_status "
		    "= 'ACTIVE' WHERE load_balancer_id = ? AND "
		    "provisioning_status LIKE 'PENDING_%%'",
		    lb_child_tables[i]);
		if ((r = db_exec(db, sql, json_pack("[s]", lb_id), NULL)) < 0)
			return r;
	}
	return db_exec(db, "UPDATE load_balancer SET provisioning_status = ? "
	    "WHERE id = ? AND provisioning_status LIKE 'PENDING_%'",
	    json_pack("[ss]", res && res->kind != RES_LOADBALANCER ?
	    "ACTIVE" : "ERROR", lb_id), NULL);
}

int
svc_lb_children_delete(struct db *db, const char *lb_id)
{
	char sql[128];
	size_t i;
	int r;

	for (i = 0; i < sizeof(lb_child_tables) / sizeof(*lb_child_tables);
	    i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE "
		    "load_balancer_id = ?", lb_child_tables[i]);
		if ((r = db_exec(db, sql, json_pack("[s]", lb_id), NULL)) < 0)
			return r;
	}
	return db_exec(db, "DELETE FROM listener_statistics WHERE listener_id "
	    "NOT IN (SELECT id FROM listener)", NULL, NULL);
}
