/*
 * test_agent_hapcfg.c - src/agent/hapcfg.c: the HAProxy texts octa-agent
 * reads and writes.
 *
 * The contract: the peer name is Octavia's (vectors made with octavia's
 * own utils.base64_sha1_string(id).rstrip('=')); `group` lines and only
 * those are stripped from an upload; GET /1.0/listeners reports every
 * frontend with its mode upper-cased, TERMINATED_HTTPS for a crt-list
 * bind; the master CLI's `show proc` gives the reload counters.
 *
 * The agent is a program of its own, not part of libocta, so the module
 * is compiled into this test directly.
 */
#include "unit.h"

#include "agent/hapcfg.c"

static void
test_peer_name(void **state)
{
	static const struct {
		const char *id;
		const char *want;
	} cases[] = {
		{ "bc3313e2-4ecf-409e-93d7-6f8689083ed5",
		    "yvxck5aT7mnkbzP9DUF7gLURPLs" },
		{ "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
		    "Q5Zs2Z1d3PxqX2ga415AHXocevI" },
		/* base64 "/vDl...s+E=": '/' -> '-' -> leading 'x', '+' -> _ */
		{ "7f26144b-9828-4fcd-99a5-4a7bb1fee08f",
		    "xvDlscxxaQQyNwVkjrwau842s_E" },
		/* "sWC+414kQ/kj...": both substitutions inside */
		{ "65dc9f50-3f63-4f83-bd05-61e6211c70cf",
		    "sWC_414kQ-kjPQRwo7sRyuGnjaM" },
	};
	char out[HAP_PEER_NAME_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		hap_peer_name(cases[i].id, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void
test_strip_group(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "global\n    user nobody\n    group nogroup\n    maxconn 5\n",
		    "global\n    user nobody\n    maxconn 5\n" },
		{ "global\n\tgroup haproxy\n", "global\n" },
		/* Only a line whose first word is "group". */
		{ "    http-request set-header X-G group\n",
		    "    http-request set-header X-G group\n" },
		{ "    groups x\n", "    groups x\n" },
		/* The last line without a newline. */
		{ "global\n    group x", "global\n" },
		{ "", "" },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_init(&b, 4096);
		assert_int_equal(hap_strip_group(cases[i].in,
		    strlen(cases[i].in), &b), 0);
		assert_string_equal(buf_str(&b), cases[i].want);
		buf_free(&b);
	}
}

#define LST1 "aaaaaaaa-2222-3333-4444-555555555555"
#define LST2 "dddddddd-2222-3333-4444-555555555555"
#define LST3 "eeeeeeee-2222-3333-4444-555555555555"

static void
test_listeners(void **state)
{
	const char *cfg =
	    "# Configuration for loadbalancer x\n"
	    "global\n"
	    "    stats socket /var/lib/octavia/x.sock mode 0666 level user\n"
	    "\n"
	    "defaults\n"
	    "    mode tcp\n"
	    "\n"
	    "frontend " LST1 "\n"
	    "    maxconn 50000\n"
	    "    bind 192.0.2.10:80\n"
	    "    mode http\n"
	    "    default_backend p:" LST1 "\n"
	    "\n"
	    "frontend " LST2 "\n"
	    "    bind 192.0.2.10:443 ssl crt-list /c/" LST2 ".pem\n"
	    "    mode http\n"
	    "\n"
	    "backend p:" LST1 "\n"
	    "    mode http\n"
	    "\n"
	    "frontend " LST3 "\n"
	    "    bind 192.0.2.10:22\n";
	json_t *out = json_array(), *l;

	(void)state;
	assert_int_equal(hap_cfg_listeners(cfg, out), 0);
	assert_int_equal(json_array_size(out), 3);
	l = json_array_get(out, 0);
	assert_string_equal(json_string_value(json_object_get(l, "uuid")),
	    LST1);
	assert_string_equal(json_string_value(json_object_get(l, "type")),
	    "HTTP");
	assert_string_equal(json_string_value(json_object_get(l, "status")),
	    "ACTIVE");
	l = json_array_get(out, 1);
	assert_string_equal(json_string_value(json_object_get(l, "uuid")),
	    LST2);
	assert_string_equal(json_string_value(json_object_get(l, "type")),
	    "TERMINATED_HTTPS");
	/* No mode line: HAProxy's default, TCP. */
	l = json_array_get(out, 2);
	assert_string_equal(json_string_value(json_object_get(l, "uuid")),
	    LST3);
	assert_string_equal(json_string_value(json_object_get(l, "type")),
	    "TCP");
	json_decref(out);

	out = json_array();
	assert_int_equal(hap_cfg_listeners("global\n    maxconn 1\n", out), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}

static void
test_show_proc(void **state)
{
	const char *p26 =
	    "#<PID>          <type>          <reloads>       <uptime>        "
	    "<version>      \n"
	    "27477           master          1 [failed: 0]   0d00h20m08s     "
	    "2.6.12-1+deb12u4\n"
	    "# workers\n"
	    "21029           worker          0               0d00h00m00s     "
	    "2.6.12-1+deb12u4\n"
	    "# programs\n\n";
	const char *failed =
	    "#<PID> <type> <reloads> <uptime> <version>\n"
	    "10 master 7 [failed: 2] 0d00h00m01s 2.6.12\n";
	const char *old = "#<PID> <type> <relative PID> <reloads>\n"
	    "10 master 0 3 0d00h00m01s 2.4\n";
	long reloads = -1, nfailed = -1;

	(void)state;
	assert_int_equal(hap_parse_show_proc(p26, &reloads, &nfailed), 0);
	assert_int_equal(reloads, 1);
	assert_int_equal(nfailed, 0);
	assert_int_equal(hap_parse_show_proc(failed, &reloads, &nfailed), 0);
	assert_int_equal(reloads, 7);
	assert_int_equal(nfailed, 2);
	/* A line without "[failed: n]" reads as no failures. */
	assert_int_equal(hap_parse_show_proc(old, &reloads, &nfailed), 0);
	assert_int_equal(nfailed, 0);
	assert_int_equal(hap_parse_show_proc("# workers\n1 worker 0\n",
	    &reloads, &nfailed), -OCTA_EINVAL);
	assert_int_equal(hap_parse_show_proc("", &reloads, &nfailed),
	    -OCTA_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_name),
		cmocka_unit_test(test_strip_group),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_show_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
