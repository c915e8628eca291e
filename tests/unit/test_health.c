/*
 * test_health.c - src/health/health.c on a temporary SQLite file: what a
 * heartbeat does to amphora_health, the operating statuses and the
 * listener statistics (contract §5.2), the replay rule, and the stale
 * sweep with its circuit breaker (§5.3).
 *
 * Fixture, fresh for every case: LB (ACTIVE, enabled) with listeners L1
 * (enabled) and L2 (disabled), pools P1 (members M1, M2, M3) and P2
 * (member M4), one ALLOCATED amphora A whose health row is old (seq 0).
 */
#include <stdbool.h>

#include "unit.h"

#include "common/config.h"
#include "common/errors.h"
#include "common/util.h"
#include "db/db.h"
#include "db/repo.h"
#include "health/health.h"
#include "model/model.h"

#define LB "aaaaaaaa-0000-4000-8000-000000000001"
#define LB2 "aaaaaaaa-0000-4000-8000-000000000002"
#define AMP "bbbbbbbb-0000-4000-8000-000000000001"
#define AMP2 "bbbbbbbb-0000-4000-8000-000000000002"
#define AMP3 "bbbbbbbb-0000-4000-8000-000000000003"
#define L1 "cccccccc-0000-4000-8000-000000000001"
#define L2 "cccccccc-0000-4000-8000-000000000002"
#define P1 "dddddddd-0000-4000-8000-000000000001"
#define P2 "dddddddd-0000-4000-8000-000000000002"
#define M1 "eeeeeeee-0000-4000-8000-000000000001"
#define M2 "eeeeeeee-0000-4000-8000-000000000002"
#define M3 "eeeeeeee-0000-4000-8000-000000000003"
#define M4 "eeeeeeee-0000-4000-8000-000000000004"

#define NOW 1700000000LL

static char *dir;
static struct db *db;

/* ---- fixtures ---- */

static void
insert(enum resource_kind k, json_t *o)
{
	assert_non_null(o);
	assert_int_equal(repo_insert(db, model_resource(k), o), 0);
	json_decref(o);
}

static void
insert_lb(const char *id, const char *prov)
{
	insert(RES_LOADBALANCER, json_pack("{ss ss sb ss ss ss ss}", "id", id,
	    "name", "lb", "admin_state_up", 1, "project_id", "p1",
	    "provisioning_status", prov, "operating_status", "OFFLINE",
	    "topology", "SINGLE"));
}

static void
insert_amphora(const char *id, const char *lb, const char *status,
    long long last_update)
{
	insert(RES_AMPHORA, json_pack("{ss ss ss ss sb}", "id", id,
	    "loadbalancer_id", lb, "status", status, "role", "STANDALONE",
	    "cert_busy", 0));
	if (last_update >= 0)
		assert_int_equal(db_exec(db, "INSERT INTO amphora_health "
		    "(amphora_id, last_update, busy, seq) VALUES (?, ?, 0, 0)",
		    json_pack("[sI]", id, (json_int_t)last_update), NULL), 0);
}

static void
insert_member(const char *id, const char *pool, int port, const char *oper)
{
	insert(RES_MEMBER, json_pack("{ss ss ss sb ss ss ss si sb}", "id", id,
	    "pool_id", pool, "loadbalancer_id", LB, "admin_state_up", 1,
	    "provisioning_status", "ACTIVE", "operating_status", oper,
	    "address", "192.0.2.10", "protocol_port", port, "backup", 0));
}

static int
setup(void **state)
{
	char *path, url[4096];
	int i;

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	dir = unit_tmpdir();
	path = unit_path(dir, "octa.db");
	snprintf(url, sizeof(url), "sqlite:///%s", path);
	free(path);
	assert_int_equal(db_open(url, &db), 0);
	assert_int_equal(db_migrate(db, NULL, NULL), 0);

	insert_lb(LB, "ACTIVE");
	for (i = 0; i < 2; i++)
		insert(RES_LISTENER, json_pack("{ss ss sb ss ss ss si}", "id",
		    i ? L2 : L1, "loadbalancer_id", LB, "admin_state_up", !i,
		    "provisioning_status", "ACTIVE", "operating_status",
		    "OFFLINE", "protocol", "HTTP", "protocol_port", 80 + i));
	for (i = 0; i < 2; i++)
		insert(RES_POOL, json_pack("{ss ss sb ss ss ss ss sb}", "id",
		    i ? P2 : P1, "loadbalancer_id", LB, "admin_state_up", 1,
		    "provisioning_status", "ACTIVE", "operating_status",
		    "ONLINE", "protocol", "HTTP", "lb_algorithm",
		    "ROUND_ROBIN", "tls_enabled", 0));
	insert_member(M1, P1, 8001, "OFFLINE");
	insert_member(M2, P1, 8002, "OFFLINE");
	insert_member(M3, P1, 8003, "NO_MONITOR");
	insert_member(M4, P2, 8004, "ONLINE");
	insert_amphora(AMP, LB, "ALLOCATED", NOW - 1000);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	unit_rmdir(dir);
	free(dir);
	dir = NULL;
	config_free();
	return 0;
}

/* ---- helpers ---- */

/* The first column of a one-row query as text ("" for null). */
static const char *
val(const char *sql, const char *arg)
{
	static char out[512];
	json_t *row, *v;
	const char *k;

	out[0] = '\0';
	if (db_query_one(db, sql, json_pack("[s]", arg), &row) < 0)
		return "(no row)";
	json_object_foreach(row, k, v) {
		if (json_is_string(v))
			snprintf(out, sizeof(out), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(out, sizeof(out), "%lld",
			    (long long)json_integer_value(v));
		break;
	}
	json_decref(row);
	return out;
}

static long long
ival(const char *sql, const char *arg)
{
	long long n = 0;

	assert_true(parse_ll(val(sql, arg), &n));
	return n;
}

static const char *
oper(const char *table, const char *id)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT operating_status FROM %s WHERE "
	    "id = ?", table);
	return val(sql, id);
}

static long long
last_update(const char *amp)
{
	return ival("SELECT last_update FROM amphora_health WHERE "
	    "amphora_id = ?", amp);
}

static long long
jobs(void)
{
	return ival("SELECT COUNT(*) FROM job WHERE kind = ?",
	    "amphora.failover");
}

static long long
stat_of(const char *col, const char *listener)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT %s FROM listener_statistics WHERE "
	    "listener_id = ? AND amphora_id = '" AMP "'", col);
	return ival(sql, listener);
}

/* Parses a message and applies it at `now`, inside a transaction. */
static int
process_at(const char *text, long long now, bool late)
{
	json_error_t err;
	json_t *m = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	int r;

	if (m == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	assert_int_equal(db_begin(db), 0);
	r = late ? health_process_late(db, m, now) :
	    health_process(db, m, now);
	assert_int_equal(db_commit(db), 0);
	json_decref(m);
	return r;
}

static int
process(const char *text)
{
	return process_at(text, NOW, false);
}

#define STATS(rx, tx, conns, tot, ereq)                                 \
	"\"stats\": {\"rx\": " #rx ", \"tx\": " #tx ", \"conns\": " #conns \
	", \"totconns\": " #tot ", \"ereq\": " #ereq "}"

/* A v3 heartbeat from AMP: L1 OPEN, P1 UP with M1 UP and M2 DOWN. */
#define HB(seq)                                                         \
	"{\"id\": \"" AMP "\", \"seq\": " #seq ", \"ver\": 3, "          \
	"\"listeners\": {\"" L1 "\": {\"status\": \"OPEN\", "            \
	STATS(100, 200, 3, 4, 1) "}}, \"pools\": {\"" P1 ":" L1 "\": "    \
	"{\"status\": \"UP\", \"members\": {\"" M1 "\": \"UP\", \""       \
	M2 "\": \"DOWN\"}}}}"

/* ---- heartbeat processing ---- */

static void
test_applied(void **state)
{
	(void)state;
	assert_int_equal(process(HB(1)), HEALTH_APPLIED);
	assert_int_equal(last_update(AMP), NOW);
	assert_int_equal(ival("SELECT seq FROM amphora_health WHERE "
	    "amphora_id = ?", AMP), 1);
	assert_string_equal(oper("listener", L1), "ONLINE");
	/* The disabled listener does not report: OFFLINE, not ERROR. */
	assert_string_equal(oper("listener", L2), "OFFLINE");
	assert_string_equal(oper("member", M1), "ONLINE");
	assert_string_equal(oper("member", M2), "ERROR");
	/* Not reported, but NO_MONITOR stays NO_MONITOR. */
	assert_string_equal(oper("member", M3), "NO_MONITOR");
	/* A DOWN member degrades an UP pool, and the LB with it. */
	assert_string_equal(oper("pool", P1), "DEGRADED");
	assert_string_equal(oper("load_balancer", LB), "DEGRADED");
	/* P2 is reported by nobody: OFFLINE; its member untouched. */
	assert_string_equal(oper("pool", P2), "OFFLINE");
	assert_string_equal(oper("member", M4), "ONLINE");
	/* Octavia's updated_at moves with a status change. */
	assert_string_equal(val("SELECT updated_at FROM listener WHERE id = ?",
	    L1), "2023-11-14T22:13:20");
}

static void
test_member_statuses(void **state)
{
	static const struct {
		const char *report;	/* NULL: not in the message */
		const char *before;
		const char *after;
	} cases[] = {
		{ "UP", "OFFLINE", "ONLINE" },
		{ "UP 1/3", "ERROR", "ONLINE" },
		{ "DOWN", "ONLINE", "ERROR" },
		{ "DOWN 1/2", "ONLINE", "ERROR" },
		{ "DRAIN", "ONLINE", "DRAINING" },
		{ "MAINT", "ONLINE", "OFFLINE" },
		{ "no check", "OFFLINE", "NO_MONITOR" },
		{ "RESTARTING", "ERROR", "ERROR" },
		{ "BOGUS", "ONLINE", "ONLINE" },
		{ NULL, "ONLINE", "OFFLINE" },
		{ NULL, "NO_MONITOR", "NO_MONITOR" },
	};
	char msg[1024];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(db_exec(db, "UPDATE member SET "
		    "operating_status = ? WHERE id = ?", json_pack("[ss]",
		    cases[i].before, M1), NULL), 0);
		if (cases[i].report)
			snprintf(msg, sizeof(msg), "{\"id\": \"" AMP "\", "
			    "\"seq\": %zu, \"ver\": 3, \"listeners\": {\"" L1
			    "\": {\"status\": \"OPEN\"}}, \"pools\": {\"" P1
			    "\": {\"status\": \"UP\", \"members\": {\"" M1
			    "\": \"%s\"}}}}", i + 10, cases[i].report);
		else
			snprintf(msg, sizeof(msg), "{\"id\": \"" AMP "\", "
			    "\"seq\": %zu, \"ver\": 3, \"listeners\": {\"" L1
			    "\": {\"status\": \"OPEN\"}}, \"pools\": {\"" P1
			    "\": {\"status\": \"UP\", \"members\": {}}}}",
			    i + 10);
		assert_int_equal(process(msg), HEALTH_APPLIED);
		if (strcmp(oper("member", M1), cases[i].after) != 0)
			fail_msg("case %zu: %s: %s -> %s, want %s", i,
			    cases[i].report ? cases[i].report : "(absent)",
			    cases[i].before, oper("member", M1),
			    cases[i].after);
	}
}

static void
test_listener_and_pool_statuses(void **state)
{
	(void)state;
	/* FULL listener -> DEGRADED, LB DEGRADED; pool DOWN -> LB ERROR. */
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 3, "
	    "\"ver\": 3, \"listeners\": {\"" L1 "\": {\"status\": \"FULL\"}}, "
	    "\"pools\": {\"" P1 ":" L1 "\": {\"status\": \"UP\", \"members\": "
	    "{\"" M1 "\": \"UP\", \"" M2 "\": \"UP\"}}}}"), HEALTH_APPLIED);
	assert_string_equal(oper("listener", L1), "DEGRADED");
	assert_string_equal(oper("pool", P1), "ONLINE");
	assert_string_equal(oper("load_balancer", LB), "DEGRADED");
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 4, "
	    "\"ver\": 3, \"listeners\": {\"" L1 "\": {\"status\": \"OPEN\"}}, "
	    "\"pools\": {\"" P1 ":" L1 "\": {\"status\": \"DOWN\", "
	    "\"members\": {\"" M1 "\": \"DOWN\", \"" M2 "\": \"DOWN\"}}, \""
	    P2 "\": {\"status\": \"UP\", \"members\": {\"" M4 "\": \"UP\"}}}}"),
	    HEALTH_APPLIED);
	assert_string_equal(oper("listener", L1), "ONLINE");
	assert_string_equal(oper("pool", P1), "ERROR");
	assert_string_equal(oper("pool", P2), "ONLINE");
	assert_string_equal(oper("load_balancer", LB), "ERROR");
	/* An unknown listener status leaves the listener as it was. */
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 5, "
	    "\"ver\": 3, \"listeners\": {\"" L1 "\": {\"status\": \"STOP\"}}, "
	    "\"pools\": {}}"), HEALTH_APPLIED);
	assert_string_equal(oper("listener", L1), "ONLINE");
	assert_string_equal(oper("load_balancer", LB), "ONLINE");
}

/* A listener count that differs: statuses yes, health refresh no. */
static void
test_listener_count_mismatch(void **state)
{
	(void)state;
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 1, "
	    "\"ver\": 3, \"listeners\": {}, \"pools\": {}}"), HEALTH_MISMATCH);
	assert_int_equal(last_update(AMP), NOW - 1000);
	/* Enabled, LB ACTIVE, not reported: ERROR. */
	assert_string_equal(oper("listener", L1), "ERROR");
	assert_string_equal(oper("pool", P1), "OFFLINE");
	/* Reporting the disabled listener too is also a mismatch. */
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 2, "
	    "\"ver\": 3, \"listeners\": {\"" L1 "\": {\"status\": \"OPEN\"}, "
	    "\"" L2 "\": {\"status\": \"OPEN\"}}, \"pools\": {}}"),
	    HEALTH_MISMATCH);
	assert_int_equal(last_update(AMP), NOW - 1000);
	/* The seq was still recorded: replaying it is caught. */
	assert_int_equal(ival("SELECT seq FROM amphora_health WHERE "
	    "amphora_id = ?", AMP), 2);
	/* A PENDING_* LB is not counted. */
	assert_int_equal(db_exec(db, "UPDATE load_balancer SET "
	    "provisioning_status = 'PENDING_UPDATE'", NULL, NULL), 0);
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 3, "
	    "\"ver\": 3, \"listeners\": {}, \"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(last_update(AMP), NOW);
	/* Not ACTIVE: the missing enabled listener is OFFLINE. */
	assert_string_equal(oper("listener", L1), "OFFLINE");
}

static void
test_disabled_lb(void **state)
{
	(void)state;
	assert_int_equal(db_exec(db, "UPDATE load_balancer SET "
	    "admin_state_up = 0, operating_status = 'ONLINE'", NULL, NULL), 0);
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 1, "
	    "\"ver\": 3, \"listeners\": {}, \"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(last_update(AMP), NOW);
	assert_string_equal(oper("load_balancer", LB), "OFFLINE");
}

static void
test_replay(void **state)
{
	static const struct {
		long long seq;
		int want;
	} steps[] = {
		{ 0, HEALTH_APPLIED },	/* first one: the row has 0 */
		{ 1, HEALTH_APPLIED },
		{ 1, HEALTH_REPLAY },	/* duplicate, even this early */
		{ 5, HEALTH_APPLIED },	/* gaps are fine (lost packets) */
		{ 5, HEALTH_REPLAY },	/* duplicate */
		{ 4, HEALTH_REPLAY },	/* older */
		{ 3, HEALTH_REPLAY },
		{ 6, HEALTH_APPLIED },
		{ 1, HEALTH_APPLIED },	/* agent restart */
		{ 1, HEALTH_REPLAY },
		{ 2, HEALTH_APPLIED },
		{ 3, HEALTH_APPLIED },
		{ 3, HEALTH_REPLAY },
		{ 0, HEALTH_APPLIED },	/* restarted again */
		/* seq 0 twice passes: it cannot be told from a new row. */
		{ 0, HEALTH_APPLIED },
		{ 1, HEALTH_APPLIED },
		{ 1, HEALTH_REPLAY },
	};
	char msg[2048];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		snprintf(msg, sizeof(msg), "{\"id\": \"" AMP "\", "
		    "\"seq\": %lld, \"ver\": 3, \"listeners\": {\"" L1
		    "\": {\"status\": \"OPEN\", " STATS(10, 10, 1, 1, 0)
		    "}}, \"pools\": {}}",
		    steps[i].seq);
		r = process_at(msg, NOW + (long long)i, false);
		if (r != steps[i].want)
			fail_msg("step %zu seq=%lld: got %s, want %s", i,
			    steps[i].seq, health_result_names[r],
			    health_result_names[steps[i].want]);
	}
	/* A replay touches nothing: not the health row, not the stats. */
	assert_int_equal(last_update(AMP), NOW + 15);
	assert_int_equal(stat_of("bytes_in", L1), 10 * 10);
}

static void
test_stats(void **state)
{
	(void)state;
	/* v3: deltas add up, active connections are replaced. */
	assert_int_equal(process(HB(1)), HEALTH_APPLIED);
	assert_int_equal(process(HB(2)), HEALTH_APPLIED);
	assert_int_equal(stat_of("bytes_in", L1), 200);
	assert_int_equal(stat_of("bytes_out", L1), 400);
	assert_int_equal(stat_of("active_connections", L1), 3);
	assert_int_equal(stat_of("total_connections", L1), 8);
	assert_int_equal(stat_of("request_errors", L1), 2);
	/* v2 (and no ver): absolute values overwrite. */
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 3, "
	    "\"ver\": 2, \"listeners\": {\"" L1 "\": {\"status\": \"OPEN\", "
	    STATS(7, 8, 9, 10, 11) "}}, \"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(stat_of("bytes_in", L1), 7);
	assert_int_equal(stat_of("request_errors", L1), 11);
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 4, "
	    "\"listeners\": {\"" L1 "\": {\"status\": \"OPEN\", "
	    STATS(1, 1, 1, 1, 1) "}}}"), HEALTH_APPLIED);
	assert_int_equal(stat_of("bytes_in", L1), 1);
	/* Listeners of other LBs get no rows. */
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 5, "
	    "\"ver\": 3, \"listeners\": {\"" L2 "x\": {\"status\": \"OPEN\", "
	    STATS(1, 1, 1, 1, 1) "}}, \"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(ival("SELECT COUNT(*) FROM listener_statistics WHERE "
	    "amphora_id = ?", AMP), 1);
}

/* Version 1: pools nested under their listener, no ver key. */
static void
test_v1_message(void **state)
{
	(void)state;
	assert_int_equal(process("{\"id\": \"" AMP "\", \"seq\": 1, "
	    "\"listeners\": {\"" L1 "\": {\"status\": \"OPEN\", \"pools\": {\""
	    P1 "\": {\"status\": \"UP\", \"members\": {\"" M1 "\": \"UP\", \""
	    M2 "\": \"UP\"}}}}}}"), HEALTH_APPLIED);
	assert_string_equal(oper("pool", P1), "ONLINE");
	assert_string_equal(oper("member", M2), "ONLINE");
	assert_string_equal(oper("pool", P2), "OFFLINE");
	assert_string_equal(oper("load_balancer", LB), "ONLINE");
}

static void
test_late(void **state)
{
	(void)state;
	assert_int_equal(process_at(HB(1), NOW, true), HEALTH_LATE);
	assert_int_equal(last_update(AMP), NOW - 1000);
	assert_string_equal(oper("listener", L1), "OFFLINE");
	assert_int_equal(stat_of("bytes_in", L1), 100);
}

static void
test_unknown_and_orphans(void **state)
{
	(void)state;
	assert_int_equal(process("{\"id\": \"" AMP2 "\", \"seq\": 1, "
	    "\"ver\": 3, \"listeners\": {}, \"pools\": {}}"), HEALTH_UNKNOWN);
	/* Amphora of a DELETED LB, and a DELETED amphora. */
	insert_lb(LB2, "DELETED");
	insert_amphora(AMP2, LB2, "ALLOCATED", NOW - 1000);
	assert_int_equal(process("{\"id\": \"" AMP2 "\", \"seq\": 1, "
	    "\"ver\": 3, \"listeners\": {}, \"pools\": {}}"), HEALTH_ORPHAN);
	assert_int_equal(last_update(AMP2), NOW - 1000);
	assert_int_equal(db_exec(db, "UPDATE amphora SET status = 'DELETED' "
	    "WHERE id = ?", json_pack("[s]", AMP), NULL), 0);
	assert_int_equal(process(HB(1)), HEALTH_ORPHAN);
	assert_int_equal(last_update(AMP), NOW - 1000);
	assert_string_equal(oper("listener", L1), "OFFLINE");
}

/* Upper-case and dashless ids name the same amphora. */
static void
test_id_normalised(void **state)
{
	(void)state;
	assert_int_equal(process("{\"id\": \"BBBBBBBB00004000800000000000"
	    "0001\", \"seq\": 1, \"ver\": 3, \"listeners\": {\"" L1 "\": "
	    "{\"status\": \"OPEN\"}}, \"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(last_update(AMP), NOW);
}

/* No amphora_health row yet (e.g. imported): the first one creates it. */
static void
test_health_row_created(void **state)
{
	(void)state;
	insert_amphora(AMP3, LB, "ALLOCATED", -1);
	assert_int_equal(process("{\"id\": \"" AMP3 "\", \"seq\": 77, "
	    "\"ver\": 3, \"listeners\": {\"" L1 "\": {\"status\": \"OPEN\"}}, "
	    "\"pools\": {}}"), HEALTH_APPLIED);
	assert_int_equal(last_update(AMP3), NOW);
	assert_int_equal(ival("SELECT seq FROM amphora_health WHERE "
	    "amphora_id = ?", AMP3), 77);
}

/* ---- the stale sweep ---- */

static void
test_sweep_fails_over_stale(void **state)
{
	json_t *payload;

	(void)state;
	/* AMP last heard 1000 s ago; AMP3 10 s ago. */
	insert_amphora(AMP3, LB, "ALLOCATED", NOW - 10);
	assert_int_equal(health_sweep(db, NOW), 1);
	assert_string_equal(val("SELECT busy FROM amphora_health WHERE "
	    "amphora_id = ?", AMP), "1");
	assert_string_equal(val("SELECT busy FROM amphora_health WHERE "
	    "amphora_id = ?", AMP3), "0");
	assert_string_equal(val("SELECT provisioning_status FROM "
	    "load_balancer WHERE id = ?", LB), "PENDING_UPDATE");
	assert_int_equal(jobs(), 1);
	assert_string_equal(val("SELECT object_id FROM job WHERE kind = ?",
	    "amphora.failover"), AMP);
	assert_string_equal(val("SELECT lb_id FROM job WHERE kind = ?",
	    "amphora.failover"), LB);
	assert_string_equal(val("SELECT state FROM job WHERE kind = ?",
	    "amphora.failover"), "ready");
	payload = json_loads(val("SELECT payload FROM job WHERE kind = ?",
	    "amphora.failover"), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(payload,
	    "amphora_id")), AMP);
	json_decref(payload);
	/* Busy now: the next sweep leaves it alone. */
	assert_int_equal(health_sweep(db, NOW + 3), 0);
	assert_int_equal(jobs(), 1);
}

static void
test_sweep_skips(void **state)
{
	(void)state;
	/* Fresh enough: last_update == now - heartbeat_timeout. */
	assert_int_equal(db_exec(db, "UPDATE amphora_health SET last_update = "
	    "?", json_pack("[I]", (json_int_t)(NOW - 60)), NULL), 0);
	assert_int_equal(health_sweep(db, NOW), 0);
	/* Stale, but the LB is being changed: deferred, not busy. */
	assert_int_equal(db_exec(db, "UPDATE load_balancer SET "
	    "provisioning_status = 'PENDING_UPDATE'", NULL, NULL), 0);
	assert_int_equal(health_sweep(db, NOW + 1), 0);
	assert_string_equal(val("SELECT busy FROM amphora_health WHERE "
	    "amphora_id = ?", AMP), "0");
	/* An LB in ERROR may be failed over. */
	assert_int_equal(db_exec(db, "UPDATE load_balancer SET "
	    "provisioning_status = 'ERROR'", NULL, NULL), 0);
	/* ... but not an amphora that is not ALLOCATED. */
	assert_int_equal(db_exec(db, "UPDATE amphora SET status = 'ERROR'",
	    NULL, NULL), 0);
	assert_int_equal(health_sweep(db, NOW + 2), 0);
	assert_int_equal(db_exec(db, "UPDATE amphora SET status = "
	    "'ALLOCATED'", NULL, NULL), 0);
	assert_int_equal(health_sweep(db, NOW + 3), 1);
	assert_int_equal(jobs(), 1);
}

/* A heartbeat in time keeps the amphora out of the sweep. */
static void
test_heartbeat_prevents_failover(void **state)
{
	(void)state;
	assert_int_equal(process(HB(1)), HEALTH_APPLIED);
	assert_int_equal(health_sweep(db, NOW + 60), 0);
	assert_int_equal(health_sweep(db, NOW + 61), 1);
}

static void
test_failover_threads(void **state)
{
	(void)state;
	cfg.health_manager_failover_threads = 1;
	insert_lb(LB2, "ACTIVE");
	insert_amphora(AMP2, LB2, "ALLOCATED", NOW - 500);
	assert_int_equal(health_sweep(db, NOW), 1);
	/* The oldest went first. */
	assert_string_equal(val("SELECT object_id FROM job WHERE kind = ?",
	    "amphora.failover"), AMP);
	/* One queued: no room until the worker is done with it. */
	assert_int_equal(health_sweep(db, NOW + 3), 0);
	assert_int_equal(db_exec(db, "UPDATE job SET state = 'done'", NULL,
	    NULL), 0);
	assert_int_equal(health_sweep(db, NOW + 6), 1);
	assert_int_equal(jobs(), 2);
}

static void
test_circuit_breaker(void **state)
{
	(void)state;
	cfg.health_manager_failover_threshold = 2;
	insert_lb(LB2, "ACTIVE");
	insert_amphora(AMP2, LB2, "ALLOCATED", NOW - 500);
	/* Two stale at once: nothing failed over, both stopped. */
	assert_int_equal(health_sweep(db, NOW), 0);
	assert_int_equal(jobs(), 0);
	assert_string_equal(val("SELECT status FROM amphora WHERE id = ?",
	    AMP), "FAILOVER_STOPPED");
	assert_string_equal(val("SELECT status FROM amphora WHERE id = ?",
	    AMP2), "FAILOVER_STOPPED");
	assert_string_equal(val("SELECT provisioning_status FROM "
	    "load_balancer WHERE id = ?", LB), "ACTIVE");
	/* AMP is heard again: back to ALLOCATED; one stale is below the
	 * threshold, so AMP2 (FAILOVER_STOPPED) is now failed over. */
	assert_int_equal(process_at(HB(1), NOW + 5, false), HEALTH_APPLIED);
	assert_int_equal(health_sweep(db, NOW + 6), 1);
	assert_string_equal(val("SELECT status FROM amphora WHERE id = ?",
	    AMP), "ALLOCATED");
	assert_string_equal(val("SELECT object_id FROM job WHERE kind = ?",
	    "amphora.failover"), AMP2);
	/* Off (0): any number of stale amphorae are failed over. */
	cfg.health_manager_failover_threshold = 0;
	assert_int_equal(db_exec(db, "UPDATE amphora_health SET busy = 0, "
	    "last_update = 0", NULL, NULL), 0);
	assert_int_equal(db_exec(db, "UPDATE load_balancer SET "
	    "provisioning_status = 'ACTIVE'", NULL, NULL), 0);
	assert_int_equal(health_sweep(db, NOW + 9), 2);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_applied),
		T(test_member_statuses),
		T(test_listener_and_pool_statuses),
		T(test_listener_count_mismatch),
		T(test_disabled_lb),
		T(test_replay),
		T(test_stats),
		T(test_v1_message),
		T(test_late),
		T(test_unknown_and_orphans),
		T(test_id_normalised),
		T(test_health_row_created),
		T(test_sweep_fails_over_stale),
		T(test_sweep_skips),
		T(test_heartbeat_prevents_failover),
		T(test_failover_threads),
		T(test_circuit_breaker),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
