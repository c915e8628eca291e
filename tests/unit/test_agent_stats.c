/*
 * test_agent_stats.c - src/agent/stats.c: HAProxy `show stat` CSV -> the
 * listeners and pools of a version 3 heartbeat (contract 5.1).
 *
 * The contract: a FRONTEND row is a listener whose tx/rx/totconns/ereq
 * are deltas since the previous message (a counter that went down means
 * HAProxy restarted: its current value is reported) and conns the
 * current sessions; a BACKEND named "<pool>:<listener>" is a pool with
 * its status and its servers as members, "UP" at weight 0 reported as
 * "DRAIN", every other status ("DOWN", "MAINT", "no check", ...) as
 * HAProxy says it; prometheus rows and backends that are not Octavia
 * pools are left out; columns are found by name and quoted fields may
 * hold commas.  The message built from it passes the health role's
 * decoder (heartbeat_encode -> heartbeat_decode).
 *
 * The fixture is HAProxy 2.6.12's own answer (Debian 12), captured from a
 * configuration with octa's names: five members, one UP, one DOWN (no
 * server), one at weight 0, one disabled, one without a check, three
 * requests served, plus the prometheus exporter frontend.
 *
 * The agent is a program of its own, not part of libocta, so the module
 * is compiled into this test directly.
 */
#include "unit.h"

#include "agent/stats.c"
#include "common/buf.h"
#include "wire/heartbeat.h"

#define AMP "bc3313e2-4ecf-409e-93d7-6f8689083ed5"
#define LST "d3c1e4a2-7b6f-4c1d-9e8a-1f2b3c4d5e6f"
#define POOL "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:" LST
#define M_UP "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
#define M_DOWN "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
#define M_DRAIN "d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80"
#define M_MAINT "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091"
#define M_NOCHECK "f6a7b8c9-d0e1-4f2a-8b3c-5d6e7f809102"

#define FIXTURE \
	"# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp," \
	"ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown" \
	",lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,r" \
	"ate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_" \
	"1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_ra" \
	"te,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_by" \
	"p,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agen" \
	"t_status,agent_code,agent_duration,check_desc,agent_desc,check_ris" \
	"e,check_fall,check_health,agent_rise,agent_fall,agent_health,addr," \
	"cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon" \
	",dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ili" \
	"m,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_" \
	"conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg" \
	"_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,s" \
	"sl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd," \
	"h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors" \
	",h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_res" \
	"p,h2_open_connections,h2_backend_open_streams,h2_total_connections" \
	",h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_t" \
	"otal_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spli" \
	"ced_bytes_in,h1_spliced_bytes_out,\n" \
	"d3c1e4a2-7b6f-4c1d-9e8a-1f2b3c4d5e6f,FRONTEND,,,0,1,9983,3,246,133" \
	"8,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,3,0,3,,,,0,3,0,0,0,0,,3,3,3,,," \
	"0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,3,3,3,0,0,0,0,,,0,0,,,,,,,0,,,,," \
	",,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,3,237,1413,0,0,\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e,0,0,0,1,,1,82,446,,0," \
	",0,0,0,0,UP,1,1,0,1,1,1,2,,1,3,1,,1,,2,1,,1,L4OK,,0,0,1,0,0,0,0,,," \
	",1,0,0,,,,,0,,,0,0,0,0,,,,Layer4 check passed,,2,3,4,,,,,,http,,,," \
	",,,,0,1,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,," \
	",\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f,0,0,0,0,,0,0,0,,0,,0," \
	"0,0,0,DOWN,1,1,0,1,1,3,3,,1,3,2,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,," \
	",0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection pro" \
	"blem,,2,3,0,,,,,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0" \
	",0,0,,,,,,,,,,,,,,,,,,,,,,\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80,0,0,0,0,,0,0,0,,0,,0," \
	"0,0,0,UP,0,1,0,0,0,3,0,,1,3,3,,0,,2,0,,0,L4OK,,0,0,0,0,0,0,0,,,,0," \
	"0,0,,,,,-1,,,0,0,0,0,,,,Layer4 check passed,,2,3,4,,,,,,http,,,,,," \
	",,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,0,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091,0,0,0,0,,0,0,0,,0,,0," \
	"0,0,0,MAINT,1,1,0,,,3,,,1,3,4,,0,,2,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,," \
	",,,-1,,,0,0,0,0,,,,,,,,,,,,,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0," \
	"0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,f6a7b8c9-d0e1-4f2a-8b3c-5d6e7f809102,0,0,0,1,,2,164,892,,0" \
	",,0,0,0,0,no check,1,1,0,,,3,,,1,3,5,,2,,2,2,,2,,,,0,2,0,0,0,0,,,," \
	"2,0,0,,,,,0,,,0,0,1,1,,,,,,,,,,,,,,http,,,,,,,,0,2,0,,,0,,0,0,1,1," \
	"0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,\n" \
	"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-1f2b3" \
	"c4d5e6f,BACKEND,0,0,0,1,999,3,246,1338,0,0,,0,0,0,0,UP,2,2,0,,0,3," \
	"0,,1,3,0,,3,,1,3,,3,,,,0,3,0,0,0,0,,,,3,0,0,0,0,0,0,0,,,0,0,1,1,,," \
	",,,,,,,,,,,http,,,,,,,,0,3,0,0,0,,,0,0,1,1,0,,,,,2,0,0,0,-,0,0,0,0" \
	",0,0,0,0,0,0,0,0,0,0,0,0,0,0,3,3,1341,237,0,0,\n" \
	"prometheus-exporter-internal-endpoint,FRONTEND,,,0,0,9983,0,0,0,0," \
	"0,0,,,,,OPEN,,,,,,,,,1,4,0,,,,0,0,0,0,,,,0,0,0,0,0,0,,0,0,0,,,0,0," \
	"0,0,,,,,,,,,,,,,,,,,,,,,http,,0,0,0,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,," \
	"-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\n" \
	"\n"

/* A short CSV in HAProxy's shape, columns in another order. */
#define HDR "# svname,pxname,status,weight,scur,stot,bin,bout,ereq,extra\n"

static const char *
sget(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

static long long
stat_of(json_t *msg, const char *listener, const char *key)
{
	json_t *st = json_object_get(json_object_get(json_object_get(msg,
	    "listeners"), listener), "stats");

	assert_non_null(st);
	assert_true(json_is_integer(json_object_get(st, key)));
	return json_integer_value(json_object_get(st, key));
}

static void
test_fixture(void **state)
{
	const char *csv = FIXTURE;
	json_t *msg = stats_message(AMP, 0), *counters = json_object();
	json_t *seen = json_object(), *pool, *members;

	(void)state;
	assert_int_equal(stats_add_csv(csv, strlen(csv), msg, counters,
	    seen), 0);
	assert_string_equal(sget(msg, "id", NULL), AMP);
	assert_int_equal(json_integer_value(json_object_get(msg, "ver")), 3);
	assert_int_equal(json_integer_value(json_object_get(msg, "seq")), 0);

	/* One listener; the exporter frontend is not tenant traffic. */
	assert_int_equal(json_object_size(json_object_get(msg, "listeners")),
	    1);
	assert_string_equal(sget(json_object_get(msg, "listeners"), LST,
	    "status"), "OPEN");
	assert_int_equal(stat_of(msg, LST, "rx"), 246);
	assert_int_equal(stat_of(msg, LST, "tx"), 1338);
	assert_int_equal(stat_of(msg, LST, "totconns"), 3);
	assert_int_equal(stat_of(msg, LST, "conns"), 0);
	assert_int_equal(stat_of(msg, LST, "ereq"), 0);

	assert_int_equal(json_object_size(json_object_get(msg, "pools")), 1);
	pool = json_object_get(json_object_get(msg, "pools"), POOL);
	assert_non_null(pool);
	assert_string_equal(sget(pool, "status", NULL), "UP");
	members = json_object_get(pool, "members");
	assert_int_equal(json_object_size(members), 5);
	assert_string_equal(sget(members, M_UP, NULL), "UP");
	assert_string_equal(sget(members, M_DOWN, NULL), "DOWN");
	assert_string_equal(sget(members, M_DRAIN, NULL), "DRAIN");
	assert_string_equal(sget(members, M_MAINT, NULL), "MAINT");
	assert_string_equal(sget(members, M_NOCHECK, NULL), "no check");

	/* The counters remember the absolute values. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    counters, LST), "stot")), 3);
	assert_non_null(json_object_get(seen, LST));
	json_decref(msg);
	json_decref(counters);
	json_decref(seen);
}

/* One FRONTEND row with these counters. */
static char *
frontend_csv(long long stot, long long bin, long long bout, long long ereq,
    long long scur)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(buf_printf(&b, HDR "FRONTEND,l1,OPEN,,%lld,%lld,"
	    "%lld,%lld,%lld,x\n", scur, stot, bin, bout, ereq), 0);
	return buf_steal(&b);
}

static void
test_deltas(void **state)
{
	static const struct {
		long long stot, bin, bout, ereq, scur;
		long long want_tot, want_rx, want_tx, want_ereq;
	} steps[] = {
		/* first message: everything so far */
		{ 10, 1000, 5000, 1, 2, 10, 1000, 5000, 1 },
		/* then what changed */
		{ 15, 1500, 5600, 1, 4, 5, 500, 600, 0 },
		{ 15, 1500, 5600, 1, 0, 0, 0, 0, 0 },
		/* HAProxy restarted (a reload): counters went down */
		{ 3, 200, 300, 0, 1, 3, 200, 300, 0 },
		{ 4, 260, 390, 2, 1, 1, 60, 90, 2 },
	};
	json_t *counters = json_object(), *msg, *seen;
	size_t i;
	char *csv;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		msg = stats_message(AMP, (long long)i);
		seen = json_object();
		csv = frontend_csv(steps[i].stot, steps[i].bin, steps[i].bout,
		    steps[i].ereq, steps[i].scur);
		assert_int_equal(stats_add_csv(csv, strlen(csv), msg,
		    counters, seen), 0);
		assert_int_equal(stat_of(msg, "l1", "totconns"),
		    steps[i].want_tot);
		assert_int_equal(stat_of(msg, "l1", "rx"), steps[i].want_rx);
		assert_int_equal(stat_of(msg, "l1", "tx"), steps[i].want_tx);
		assert_int_equal(stat_of(msg, "l1", "ereq"),
		    steps[i].want_ereq);
		/* conns is absolute */
		assert_int_equal(stat_of(msg, "l1", "conns"), steps[i].scur);
		free(csv);
		json_decref(seen);
		json_decref(msg);
	}
	json_decref(counters);
}

static void
test_rows(void **state)
{
	const char *csv = HDR
	    /* quoted fields with commas and quotes keep the columns */
	    "FRONTEND,\"l,2\",OPEN,,1,2,3,4,0,\"a, \"\"b\"\", c\"\n"
	    "m1,p1:l1,UP,0,0,0,0,0,,x\n"
	    "m2,p1:l1,\"DOWN 1/2\",1,0,0,0,0,,x\r\n"
	    "m3,p1:l1,MAINT (via p0/m9),1,0,0,0,0,,x\n"
	    "BACKEND,p1:l1,DOWN,1,0,0,0,0,,x\n"
	    /* not an Octavia pool: no ':' */
	    "s1,stats,UP,1,0,0,0,0,,x\n"
	    "BACKEND,stats,UP,1,0,0,0,0,,x\n"
	    "BACKEND,prometheus-exporter-internal,UP,1,0,0,0,0,,x\n"
	    "\n";
	json_t *msg = stats_message(AMP, 9), *counters = json_object();
	json_t *seen = json_object(), *pool;

	(void)state;
	assert_int_equal(stats_add_csv(csv, strlen(csv), msg, counters,
	    seen), 0);
	assert_int_equal(stat_of(msg, "l,2", "totconns"), 2);
	assert_int_equal(stat_of(msg, "l,2", "rx"), 3);
	assert_int_equal(stat_of(msg, "l,2", "tx"), 4);
	assert_int_equal(json_object_size(json_object_get(msg, "pools")), 1);
	pool = json_object_get(json_object_get(msg, "pools"), "p1:l1");
	assert_string_equal(sget(pool, "status", NULL), "DOWN");
	assert_string_equal(sget(pool, "members", "m1"), "DRAIN");
	assert_string_equal(sget(pool, "members", "m2"), "DOWN 1/2");
	assert_string_equal(sget(pool, "members", "m3"), "MAINT (via p0/m9)");
	json_decref(msg);
	json_decref(counters);
	json_decref(seen);
}

static void
test_bad_input(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"pxname,svname\nx,FRONTEND\n",		/* no "# " header */
		"# pxname,svname,status\nx,FRONTEND,OPEN\n",	/* columns */
		"Unknown command\n",
	};
	json_t *msg = stats_message(AMP, 0), *counters = json_object();
	json_t *seen = json_object();
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(stats_add_csv(bad[i], strlen(bad[i]), msg,
		    counters, seen), -OCTA_EINVAL);
	/* A header and no rows is an HAProxy with nothing configured. */
	assert_int_equal(stats_add_csv(HDR, strlen(HDR), msg, counters, seen),
	    0);
	assert_int_equal(json_object_size(json_object_get(msg, "listeners")),
	    0);
	json_decref(msg);
	json_decref(counters);
	json_decref(seen);
}

static void
test_prune(void **state)
{
	json_t *counters = json_pack("{s{si} s{si}}", "a", "stot", 1, "b",
	    "stot", 2);
	json_t *seen = json_pack("{sb}", "b", 1);

	(void)state;
	stats_prune(counters, seen);
	assert_null(json_object_get(counters, "a"));
	assert_non_null(json_object_get(counters, "b"));
	json_decref(counters);
	json_decref(seen);
}

/* What the agent sends, the health role reads. */
static void
test_wire_roundtrip(void **state)
{
	const char *csv = FIXTURE;
	json_t *msg = stats_message(AMP, 41), *counters = json_object();
	json_t *seen = json_object(), *got = NULL;
	struct buf pkt;

	(void)state;
	buf_init(&pkt, HB_MAX_PACKET);
	assert_int_equal(stats_add_csv(csv, strlen(csv), msg, counters,
	    seen), 0);
	assert_int_equal(heartbeat_encode(msg, "agent-key", &pkt), 0);
	assert_int_equal(heartbeat_decode(pkt.p, pkt.len, "agent-key", &got),
	    0);
	assert_true(json_equal(got, msg));
	assert_int_equal(json_integer_value(json_object_get(got, "seq")), 41);
	json_decref(got);
	assert_int_equal(heartbeat_decode(pkt.p, pkt.len, "other-key", &got),
	    -HB_EMAC);
	buf_free(&pkt);
	json_decref(msg);
	json_decref(counters);
	json_decref(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_deltas),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_wire_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
