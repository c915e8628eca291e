/*
 * health.c - what a heartbeat means for the database, and the stale sweep.
 *
 * Runs on the health role's apply thread, inside the transaction of a
 * batch (health_recv.c), or in unit tests on a temporary database.  The
 * rules follow Octavia's UpdateHealthDb and the stale-amphora query of its
 * AmphoraHealthRepository (contract §5.2, §5.3); where octa differs it
 * says so below.
 *
 * One heartbeat costs three reads (amphora with its LB and health row;
 * the LB's listeners, pools and members in one UNION; nothing else) and
 * a write of amphora_health plus one statistics row per listener.
 * Operating statuses are written only when they change.
 */
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../model/model.h"
#include "../service/service.h"

const char *const health_result_names[HEALTH__COUNT] = {
#define XX(name, text) text,
	HEALTH_RESULT_MAP(XX)
#undef XX
};

/* One heartbeat being applied. */
struct hb {
	struct db *db;
	json_t *msg;
	char amp_id[UUID_STR_LEN];
	const char *lb_id;
	bool lb_up;
	const char *lb_prov;
	const char *lb_oper;
	long long ver;		/* 0 when the message has none */
	json_t *listeners;	/* id -> {"up": bool, "st": oper} */
	json_t *pools;		/* id -> {"st": s, "members": {id: s}} */
	char now_iso[TIME_STR_LEN];
};

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
jtrue(json_t *v)
{
	return json_is_true(v) || (json_is_integer(v) &&
	    json_integer_value(v) != 0);
}

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- reading the LB tree ---- */

static int
load_tree(struct hb *h)
{
	json_t *rows = NULL, *row, *p;
	const char *kind, *id;
	size_t i;
	int r;

	r = db_query(h->db,
	    "SELECT 'L' AS k, id, NULL AS pool_id, admin_state_up AS up, "
	    "operating_status AS st FROM listener WHERE load_balancer_id = ? "
	    "UNION ALL SELECT 'P', id, NULL, admin_state_up, operating_status "
	    "FROM pool WHERE load_balancer_id = ? "
	    "UNION ALL SELECT 'M', id, pool_id, admin_state_up, "
	    "operating_status FROM member WHERE pool_id IN "
	    "(SELECT id FROM pool WHERE load_balancer_id = ?)",
	    json_pack("[sss]", h->lb_id, h->lb_id, h->lb_id), &rows);
	if (r < 0)
		goto out;
	h->listeners = json_object();
	h->pools = json_object();
	json_array_foreach(rows, i, row) {
		kind = jstr(row, "k");
		id = jstr(row, "id");
		if (id == NULL || kind == NULL)
			continue;
		if (*kind == 'L')
			json_object_set_new(h->listeners, id,
			    json_pack("{sbsO}", "up",
			    jtrue(json_object_get(row, "up")), "st",
			    json_object_get(row, "st")));
		else if (*kind == 'P' && json_object_get(h->pools, id) == NULL)
			json_object_set_new(h->pools, id, json_pack("{sOs{}}",
			    "st", json_object_get(row, "st"), "members"));
	}
	/* Members after pools: UNION ALL promises no order. */
	json_array_foreach(rows, i, row) {
		kind = jstr(row, "k");
		id = jstr(row, "id");
		if (id == NULL || kind == NULL || *kind != 'M')
			continue;
		p = json_object_get(h->pools, jstr(row, "pool_id"));
		if (p)
			json_object_set(json_object_get(p, "members"), id,
			    json_object_get(row, "st"));
	}
	r = 0;
out:
	json_decref(rows);
	return r;
}

/* ---- operating statuses ---- */

enum oper_table { OT_LB, OT_LISTENER, OT_POOL, OT_MEMBER };

static int
set_oper(struct hb *h, enum oper_table t, const char *id, const char *old,
    const char *st)
{
	static const char *const sql[] = {
		[OT_LB] = "UPDATE load_balancer SET operating_status = ?, "
		    "updated_at = ? WHERE id = ?",
		[OT_LISTENER] = "UPDATE listener SET operating_status = ?, "
		    "updated_at = ? WHERE id = ?",
		[OT_POOL] = "UPDATE pool SET operating_status = ?, "
		    "updated_at = ? WHERE id = ?",
		[OT_MEMBER] = "UPDATE member SET operating_status = ?, "
		    "updated_at = ? WHERE id = ?",
	};
	static const char *const what[] = { "loadbalancer", "listener", "pool",
		"member" };
	int r;

	if (st == NULL || streq(old, st))
		return 0;
	r = db_exec(h->db, sql[t], json_pack("[sss]", st, h->now_iso, id),
	    NULL);
	if (r == 0)
		log_info("health %s %s operating_status %s -> %s amphora=%s",
		    what[t], id, old ? old : "null", st, h->amp_id);
	return r;
}

/*
 * The pools the message reports, keyed by pool id: "pool:listener" keys
 * (HAProxy) lose their suffix, "pool" keys (LVS) stay; a later duplicate
 * wins, as in Octavia's dict comprehension.  Version 1 messages nest pools
 * under each listener.
 */
static void
add_pools(json_t *dst, json_t *src)
{
	const char *k, *colon;
	json_t *v;

	json_object_foreach(src, k, v) {
		colon = strrchr(k, ':');
		if (colon)
			json_object_setn(dst, k, (size_t)(colon - k), v);
		else
			json_object_set(dst, k, v);
	}
}

static json_t *
reported_pools(struct hb *h)
{
	json_t *out = json_object(), *ml, *l;
	const char *lid;

	if (h->ver >= 2) {
		add_pools(out, json_object_get(h->msg, "pools"));
		return out;
	}
	ml = json_object_get(h->msg, "listeners");
	json_object_foreach(ml, lid, l)
		if (json_object_get(h->listeners, lid))
			add_pools(out, json_object_get(l, "pools"));
	return out;
}

static const char *
member_status(const char *s)
{
	if (strncmp(s, "UP", 2) == 0)
		return "ONLINE";
	if (strncmp(s, "DOWN", 4) == 0)
		return "ERROR";
	if (strcmp(s, "DRAIN") == 0)
		return "DRAINING";
	if (strcmp(s, "MAINT") == 0)
		return "OFFLINE";
	if (strcmp(s, "no check") == 0)
		return "NO_MONITOR";
	return NULL;	/* RESTARTING and unknown values: unchanged */
}

/* One pool and its members; updates *lb_status. */
static int
pool_statuses(struct hb *h, const char *pid, json_t *p, json_t *rp,
    const char **lb_status)
{
	const char *s = jstr(rp, "status"), *pst = NULL, *mid, *mdb, *ms, *rs;
	json_t *reported = json_object_get(rp, "members"), *m;
	int r;

	if (streq(s, "UP")) {
		pst = "ONLINE";
	} else if (streq(s, "DOWN")) {
		pst = "ERROR";
		*lb_status = "ERROR";
	} else {
		log_debug("health pool %s reported status=%s amphora=%s", pid,
		    s ? s : "null", h->amp_id);
	}
	json_object_foreach(json_object_get(p, "members"), mid, m) {
		mdb = json_string_value(m);
		rs = json_string_value(json_object_get(reported, mid));
		ms = NULL;
		if (rs == NULL) {
			if (!streq(mdb, "NO_MONITOR"))
				ms = "OFFLINE";
		} else if ((ms = member_status(rs)) == NULL) {
			if (strcmp(rs, "RESTARTING") != 0)
				log_debug("health member %s reported status=%s "
				    "amphora=%s", mid, rs, h->amp_id);
		} else if (strcmp(ms, "ERROR") == 0 && streq(pst, "ONLINE")) {
			pst = "DEGRADED";
			if (strcmp(*lb_status, "ONLINE") == 0)
				*lb_status = "DEGRADED";
		}
		if ((r = set_oper(h, OT_MEMBER, mid, mdb, ms)) < 0)
			return r;
	}
	return set_oper(h, OT_POOL, pid, jstr(p, "st"), pst);
}

static int
statuses(struct hb *h)
{
	const char *lb_status = h->lb_up ? "ONLINE" : "OFFLINE";
	const char *id, *s = NULL, *st;
	json_t *ml = json_object_get(h->msg, "listeners"), *l, *rep, *p, *rp;
	json_t *pools = NULL;
	int r = 0;

	json_object_foreach(h->listeners, id, l) {
		st = NULL;
		if ((rep = json_object_get(ml, id)) == NULL) {
			st = jtrue(json_object_get(l, "up")) &&
			    streq(h->lb_prov, PROV_ACTIVE) ? "ERROR" :
			    "OFFLINE";
		} else if (streq(s = jstr(rep, "status"), "OPEN")) {
			st = "ONLINE";
		} else if (streq(s, "FULL")) {
			st = "DEGRADED";
			if (strcmp(lb_status, "ONLINE") == 0)
				lb_status = "DEGRADED";
		} else {
			log_debug("health listener %s reported status=%s "
			    "amphora=%s", id, s ? s : "null", h->amp_id);
		}
		if ((r = set_oper(h, OT_LISTENER, id, jstr(l, "st"), st)) < 0)
			goto out;
	}
	pools = reported_pools(h);
	json_object_foreach(h->pools, id, p) {
		rp = json_object_get(pools, id);
		if (rp == NULL)
			r = set_oper(h, OT_POOL, id, jstr(p, "st"), "OFFLINE");
		else
			r = pool_statuses(h, id, p, rp, &lb_status);
		if (r < 0)
			goto out;
	}
	r = set_oper(h, OT_LB, h->lb_id, h->lb_oper, lb_status);
out:
	json_decref(pools);
	return r;
}

/* ---- statistics ---- */

static json_int_t
counter(json_t *st, const char *k)
{
	return json_integer_value(json_object_get(st, k));
}

static int
stats(struct hb *h)
{
	json_t *ml = json_object_get(h->msg, "listeners"), *l, *st;
	bool deltas = json_object_get(h->msg, "ver") && h->ver >= 3;
	long long n;
	const char *lid;
	int r = 0;

	json_object_foreach(ml, lid, l) {
		/* Only the LB's own listeners: no rows nothing would purge. */
		if (json_object_get(h->listeners, lid) == NULL ||
		    (st = json_object_get(l, "stats")) == NULL)
			continue;
		n = 0;
		r = db_exec(h->db, deltas ?
		    "UPDATE listener_statistics SET bytes_in = bytes_in + ?, "
		    "bytes_out = bytes_out + ?, active_connections = ?, "
		    "total_connections = total_connections + ?, "
		    "request_errors = request_errors + ? "
		    "WHERE listener_id = ? AND amphora_id = ?" :
		    "UPDATE listener_statistics SET bytes_in = ?, "
		    "bytes_out = ?, active_connections = ?, "
		    "total_connections = ?, request_errors = ? "
		    "WHERE listener_id = ? AND amphora_id = ?",
		    json_pack("[IIIIIss]", counter(st, "rx"), counter(st, "tx"),
		    counter(st, "conns"), counter(st, "totconns"),
		    counter(st, "ereq"), lid, h->amp_id), &n);
		if (r < 0)
			break;
		if (n > 0)
			continue;
		r = db_exec(h->db, "INSERT INTO listener_statistics "
		    "(listener_id, amphora_id, bytes_in, bytes_out, "
		    "active_connections, total_connections, request_errors) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?)",
		    json_pack("[ssIIIII]", lid, h->amp_id, counter(st, "rx"),
		    counter(st, "tx"), counter(st, "conns"),
		    counter(st, "totconns"), counter(st, "ereq")), NULL);
		/* MySQL counts an UPDATE that changed nothing as 0 rows. */
		if (r == -OCTA_ECONFLICT)
			r = 0;
		if (r < 0)
			break;
	}
	return r;
}

/* ---- one heartbeat ---- */

/* The replay rule of health.h. */
static bool
seq_fresh(long long seq, long long stored)
{
	if (seq > stored)
		return true;
	if (seq < stored)
		return seq <= HEALTH_RESTART_SEQ;	/* agent restart */
	return seq == 0;	/* first heartbeat into the worker's row */
}

static int
apply(struct db *db, json_t *msg, int64_t now, bool late)
{
	struct hb h;
	json_t *row = NULL, *stored;
	long long seq, expected = 0;
	bool have_health, count_ok;
	const char *k;
	json_t *l;
	int r;

	memset(&h, 0, sizeof(h));
	h.db = db;
	h.msg = msg;
	time_iso(now, h.now_iso);
	if (!uuid_canon(jstr(msg, "id"), h.amp_id))
		return -OCTA_EINVAL;
	seq = json_integer_value(json_object_get(msg, "seq"));
	h.ver = json_integer_value(json_object_get(msg, "ver"));

	r = db_query_one(db, "SELECT a.status AS amp_status, lb.id AS lb_id, "
	    "lb.admin_state_up AS lb_up, lb.provisioning_status AS lb_prov, "
	    "lb.operating_status AS lb_oper, h.seq AS seq, "
	    "h.amphora_id AS h_id FROM amphora a "
	    "LEFT JOIN load_balancer lb ON lb.id = a.load_balancer_id AND "
	    "lb.provisioning_status <> 'DELETED' "
	    "LEFT JOIN amphora_health h ON h.amphora_id = a.id "
	    "WHERE a.id = ?", json_pack("[s]", h.amp_id), &row);
	if (r == -OCTA_ENOTFOUND) {
		log_debug("health heartbeat from unknown amphora=%s seq=%lld",
		    h.amp_id, seq);
		r = HEALTH_UNKNOWN;
		goto out;
	}
	if (r < 0)
		goto out;
	h.lb_id = jstr(row, "lb_id");
	if (h.lb_id == NULL || streq(jstr(row, "amp_status"), "DELETED")) {
		/* Octavia deletes the compute instance here; octa does not
		 * yet (it needs the compute driver in this role). */
		log_debug("health heartbeat from amphora=%s without a live "
		    "load balancer status=%s", h.amp_id,
		    jstr(row, "amp_status"));
		r = HEALTH_ORPHAN;
		goto out;
	}
	h.lb_up = jtrue(json_object_get(row, "lb_up"));
	h.lb_prov = jstr(row, "lb_prov");
	h.lb_oper = jstr(row, "lb_oper");
	have_health = jstr(row, "h_id") != NULL;
	stored = json_object_get(row, "seq");
	if (have_health && json_is_integer(stored) &&
	    !seq_fresh(seq, json_integer_value(stored))) {
		log_debug("health replayed heartbeat amphora=%s seq=%lld "
		    "last=%lld", h.amp_id, seq,
		    (long long)json_integer_value(stored));
		r = HEALTH_REPLAY;
		goto out;
	}
	if ((r = load_tree(&h)) < 0)
		goto out;

	/* Listener count: disabled listeners do not report. */
	json_object_foreach(h.listeners, k, l)
		if (jtrue(json_object_get(l, "up")))
			expected++;
	count_ok = !h.lb_up || (h.lb_prov && strncmp(h.lb_prov, "PENDING_",
	    8) == 0) || (long long)json_object_size(json_object_get(msg,
	    "listeners")) == expected;
	if (count_ok && !late)
		r = db_exec(db, have_health ?
		    "UPDATE amphora_health SET last_update = ?, seq = ? "
		    "WHERE amphora_id = ?" :
		    "INSERT INTO amphora_health (last_update, seq, amphora_id, "
		    "busy) VALUES (?, ?, ?, 0)",
		    json_pack("[IIs]", (json_int_t)now, (json_int_t)seq,
		    h.amp_id), NULL);
	else if (have_health)	/* seen, even if not believed */
		r = db_exec(db, "UPDATE amphora_health SET seq = ? WHERE "
		    "amphora_id = ?", json_pack("[Is]", (json_int_t)seq,
		    h.amp_id), NULL);
	if (r < 0)
		goto out;
	if (!count_ok)
		log_warn("health amphora=%s reports listeners=%zu, "
		    "expected=%lld: health not refreshed", h.amp_id,
		    json_object_size(json_object_get(msg, "listeners")),
		    expected);
	else if (late)	/* counted; a warning per packet would pile on */
		log_debug("health amphora=%s heartbeat seq=%lld processed too "
		    "late: ignored except its statistics", h.amp_id, seq);
	if (!(count_ok && late) && (r = statuses(&h)) < 0)
		goto out;
	if ((r = stats(&h)) < 0)
		goto out;
	r = !count_ok ? HEALTH_MISMATCH : late ? HEALTH_LATE : HEALTH_APPLIED;
out:
	json_decref(h.listeners);
	json_decref(h.pools);
	json_decref(row);
	return r;
}

int
health_process(struct db *db, json_t *msg, int64_t now)
{
	return apply(db, msg, now, false);
}

int
health_process_late(struct db *db, json_t *msg, int64_t now)
{
	return apply(db, msg, now, true);
}

/* ---- the stale sweep ---- */

static void
txn_abort(struct db *db)
{
	if (db_rollback(db) < 0)
		log_warn("health rollback failed");
}

/* 1 if a job was submitted, 0 if skipped, <0 on a database error. */
static int
failover_one(struct db *db, const char *amp_id, const char *lb_id,
    int64_t cutoff, int64_t age)
{
	char st[32] = "";
	long long n = 0;
	json_t *payload;
	int r;

	if (lb_id == NULL || *lb_id == '\0') {
		log_warn("health amphora=%s stale age=%llds but has no load "
		    "balancer: not failed over", amp_id, (long long)age);
		return 0;
	}
	if ((r = db_begin(db)) < 0)
		return r;
	/* The guard makes two units sweeping at once fail over only once. */
	r = db_exec(db, "UPDATE amphora_health SET busy = 1 WHERE amphora_id "
	    "= ? AND busy = 0 AND last_update < ?",
	    json_pack("[sI]", amp_id, (json_int_t)cutoff), &n);
	if (r < 0 || n != 1)
		goto abort;
	r = svc_lb_lock(db, lb_id, PROV_PENDING_UPDATE, true, st, sizeof(st));
	if (r == -OCTA_ECONFLICT || r == -OCTA_ENOTFOUND) {
		log_warn("health amphora=%s stale age=%llds but load balancer "
		    "%s is %s: failover deferred", amp_id, (long long)age,
		    lb_id, r == -OCTA_ENOTFOUND ? "gone" : st);
		r = 0;
		goto abort;
	}
	if (r < 0)
		goto abort;
	payload = json_pack("{ss}", "amphora_id", amp_id);
	r = svc_job_submit(db, "amphora.failover", amp_id, lb_id, payload);
	json_decref(payload);
	if (r < 0 || (r = db_commit(db)) < 0)
		goto abort;
	log_info("health amphora=%s stale age=%llds: busy, load balancer %s "
	    "-> PENDING_UPDATE, amphora.failover submitted", amp_id,
	    (long long)age, lb_id);
	return 1;
abort:
	txn_abort(db);
	return r;
}

static int
count_query(struct db *db, const char *sql, json_t *params, long long *n)
{
	json_t *row;
	int r;

	if ((r = db_query_one(db, sql, params, &row)) < 0)
		return r;
	*n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return 0;
}

/* Breaker: FAILOVER_STOPPED back to ALLOCATED, or stale ones stopped. */
static int
breaker(struct db *db, int64_t now, int64_t cutoff, bool *tripped)
{
	char iso[TIME_STR_LEN];
	long long n = 0, stale = 0;
	int r;

	*tripped = false;
	time_iso(now, iso);
	if ((r = db_begin(db)) < 0)
		return r;
	r = db_exec(db, "UPDATE amphora SET status = 'ALLOCATED', updated_at "
	    "= ? WHERE status = 'FAILOVER_STOPPED' AND id IN (SELECT "
	    "amphora_id FROM amphora_health WHERE busy = 0 AND last_update "
	    ">= ?)", json_pack("[sI]", iso, (json_int_t)cutoff), &n);
	if (r < 0)
		goto abort;
	if (n > 0)
		log_info("health amphorae=%lld FAILOVER_STOPPED -> ALLOCATED: "
		    "heartbeats are fresh again", n);
	if (cfg.health_manager_failover_threshold > 0) {
		r = count_query(db, "SELECT COUNT(*) AS n FROM "
		    "amphora_health h JOIN amphora a ON a.id = h.amphora_id "
		    "WHERE h.busy = 0 AND h.last_update < ? AND a.status NOT "
		    "IN ('DELETED', 'PENDING_DELETE')",
		    json_pack("[I]", (json_int_t)cutoff), &stale);
		if (r < 0)
			goto abort;
	}
	if (cfg.health_manager_failover_threshold > 0 &&
	    stale >= cfg.health_manager_failover_threshold) {
		*tripped = true;
		r = db_exec(db, "UPDATE amphora SET status = "
		    "'FAILOVER_STOPPED', updated_at = ? WHERE status = "
		    "'ALLOCATED' AND id IN (SELECT amphora_id FROM "
		    "amphora_health WHERE busy = 0 AND last_update < ?)",
		    json_pack("[sI]", iso, (json_int_t)cutoff), &n);
		if (r < 0)
			goto abort;
		if (n > 0)
			log_error("health stale amphorae=%lld reached "
			    "failover_threshold=%lld: amphorae=%lld ALLOCATED "
			    "-> FAILOVER_STOPPED, no automatic failover", stale,
			    cfg.health_manager_failover_threshold, n);
	}
	if ((r = db_commit(db)) < 0)
		goto abort;
	return 0;
abort:
	txn_abort(db);
	return r;
}

int
health_sweep(struct db *db, int64_t now)
{
	int64_t cutoff = now - cfg.health_manager_heartbeat_timeout;
	long long queued = 0, room;
	json_t *rows = NULL, *row;
	bool tripped;
	size_t i;
	int r, done = 0;

	if ((r = breaker(db, now, cutoff, &tripped)) < 0 || tripped)
		goto out;
	r = count_query(db, "SELECT COUNT(*) AS n FROM job WHERE state = "
	    "'ready' AND kind = 'amphora.failover'", NULL, &queued);
	if (r < 0)
		goto out;
	room = (cfg.health_manager_failover_threads > 0 ?
	    cfg.health_manager_failover_threads : 1) - queued;
	if (room <= 0)
		goto out;
	r = db_query(db, "SELECT h.amphora_id AS id, a.load_balancer_id AS "
	    "lb_id, h.last_update AS t FROM amphora_health h JOIN amphora a "
	    "ON a.id = h.amphora_id WHERE h.busy = 0 AND h.last_update < ? "
	    "AND a.status IN ('ALLOCATED', 'FAILOVER_STOPPED') "
	    "ORDER BY h.last_update, h.amphora_id LIMIT ?",
	    json_pack("[II]", (json_int_t)cutoff, (json_int_t)room), &rows);
	if (r < 0)
		goto out;
	json_array_foreach(rows, i, row) {
		r = failover_one(db, jstr(row, "id"), jstr(row, "lb_id"),
		    cutoff,
		    now - json_integer_value(json_object_get(row, "t")));
		if (r < 0)
			goto out;
		done += r;
	}
	r = 0;
out:
	json_decref(rows);
	return r < 0 ? r : done;
}
