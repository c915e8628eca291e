/*
 * test_agent_routes.c - src/agent/routes.c: the amphora API 1.0 route
 * table and the names a URL may give the agent.
 *
 * The contract (contract 4.2): every route of Octavia's agent is found
 * with its parameters; a path that exists for another method is 405 and
 * anything else 404, as Flask answers; a static segment wins over a
 * parameter (PUT /vrrp/upload is not the action "upload"); segments are
 * percent-decoded one by one, and one that decodes to a '/' or a NUL
 * matches nothing.  Ids and certificate names that could leave their
 * directory are refused.
 *
 * The agent is a program of its own, not part of libocta, so the module
 * is compiled into this test directly.
 */
#include "unit.h"

#include "agent/routes.c"

#define LB "11111111-2222-3333-4444-555555555555"
#define AMP "bc3313e2-4ecf-409e-93d7-6f8689083ed5"

static const struct {
	enum route_method method;
	const char *path;
	int want;	/* an agent_route_id, or a negative OCTA_E code */
	const char *p0, *p1;
} cases[] = {
	{ RM_GET, "/", AR_VERSION, NULL, NULL },
	{ RM_GET, "/1.0/info", AR_INFO, NULL, NULL },
	{ RM_GET, "/1.0/details", AR_DETAILS, NULL, NULL },
	{ RM_GET, "/1.0/listeners", AR_LISTENERS, NULL, NULL },
	{ RM_PUT, "/1.0/loadbalancer/" AMP "/" LB "/haproxy", AR_HAPROXY_PUT,
	    AMP, LB },
	{ RM_GET, "/1.0/loadbalancer/" LB "/haproxy", AR_HAPROXY_GET, LB,
	    NULL },
	{ RM_PUT, "/1.0/loadbalancer/" LB "/reload", AR_LB_ACTION, LB,
	    "reload" },
	{ RM_PUT, "/1.0/loadbalancer/" LB "/STOP", AR_LB_ACTION, LB, "STOP" },
	/* PUT .../haproxy with one id is an (unknown) action, as in Flask. */
	{ RM_PUT, "/1.0/loadbalancer/" LB "/haproxy", AR_LB_ACTION, LB,
	    "haproxy" },
	{ RM_DELETE, "/1.0/listeners/" LB, AR_LB_DELETE, LB, NULL },
	{ RM_PUT, "/1.0/loadbalancer/" LB "/certificates/a.pem", AR_CERT_PUT,
	    LB, "a.pem" },
	{ RM_GET, "/1.0/loadbalancer/" LB "/certificates/a.pem", AR_CERT_GET,
	    LB, "a.pem" },
	{ RM_DELETE, "/1.0/loadbalancer/" LB "/certificates/a.pem",
	    AR_CERT_DELETE, LB, "a.pem" },
	/* "certificates" is static: it wins over the amphora id slot. */
	{ RM_PUT, "/1.0/loadbalancer/" LB "/certificates/haproxy",
	    AR_CERT_PUT, LB, "haproxy" },
	{ RM_POST, "/1.0/plug/vip/192.0.2.10", AR_PLUG_VIP, "192.0.2.10",
	    NULL },
	{ RM_POST, "/1.0/plug/vip/2001:db8::10", AR_PLUG_VIP, "2001:db8::10",
	    NULL },
	{ RM_POST, "/1.0/plug/network", AR_PLUG_NETWORK, NULL, NULL },
	{ RM_PUT, "/1.0/certificate", AR_OWN_CERT, NULL, NULL },
	{ RM_PUT, "/1.0/config", AR_CONFIG, NULL, NULL },
	{ RM_PUT, "/1.0/vrrp/upload", AR_VRRP_UPLOAD, NULL, NULL },
	{ RM_PUT, "/1.0/vrrp/start", AR_VRRP_ACTION, "start", NULL },
	{ RM_GET, "/1.0/interface/192.0.2.10", AR_INTERFACE, "192.0.2.10",
	    NULL },
	/* Percent-encoded segments are decoded. */
	{ RM_GET, "/1.0/interface/2001%3Adb8%3A%3A1", AR_INTERFACE,
	    "2001:db8::1", NULL },
	/* 405: the path exists for another method. */
	{ RM_POST, "/1.0/info", -OCTA_EMETHOD, NULL, NULL },
	{ RM_GET, "/1.0/loadbalancer/" LB "/start", -OCTA_EMETHOD, NULL,
	    NULL },
	{ RM_DELETE, "/1.0/config", -OCTA_EMETHOD, NULL, NULL },
	{ RM_OTHER, "/", -OCTA_EMETHOD, NULL, NULL },
	{ RM_GET, "/1.0/vrrp/upload", -OCTA_EMETHOD, NULL, NULL },
	/* 404 */
	{ RM_GET, "/1.0", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/info/", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0//info", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "//", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/0.5/info", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/listeners/" LB "/udp_listener", -OCTA_ENOTFOUND, NULL,
	    NULL },
	{ RM_GET, "1.0/info", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/a/b/c/d/e/f/g/h/i", -OCTA_ENOTFOUND, NULL, NULL },
	/* A segment that decodes to '/' or NUL, or is badly escaped. */
	{ RM_GET, "/1.0/loadbalancer/" LB "/certificates/..%2Fx.pem",
	    -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/interface/a%00b", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/interface/a%zz", -OCTA_ENOTFOUND, NULL, NULL },
	{ RM_GET, "/1.0/interface/a%4", -OCTA_ENOTFOUND, NULL, NULL },
};

static void
test_route_table(void **state)
{
	struct route_match m;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&m, 0xa5, sizeof(m));
		r = route_find(cases[i].method, cases[i].path, &m);
		if (cases[i].want < 0) {
			if (r != cases[i].want)
				fail_msg("%s: got %d, want %d", cases[i].path,
				    r, cases[i].want);
			continue;
		}
		if (r != 0 || (int)m.id != cases[i].want)
			fail_msg("%s: got r=%d id=%d, want id %d",
			    cases[i].path, r, (int)m.id, cases[i].want);
		if (cases[i].p0 != NULL)
			assert_string_equal(m.params[0], cases[i].p0);
		if (cases[i].p1 != NULL)
			assert_string_equal(m.params[1], cases[i].p1);
		assert_int_equal(m.nparams, (cases[i].p0 != NULL) +
		    (cases[i].p1 != NULL));
	}
}

static void
test_long_segment(void **state)
{
	char path[1024];
	struct route_match m;

	(void)state;
	/* A parameter of 255 bytes fits, one of 256 does not. */
	memcpy(path, "/1.0/interface/", 15);
	memset(path + 15, 'a', 255);
	path[15 + 255] = '\0';
	assert_int_equal(route_find(RM_GET, path, &m), 0);
	assert_int_equal(strlen(m.params[0]), 255);
	path[15 + 255] = 'a';
	path[15 + 256] = '\0';
	assert_int_equal(route_find(RM_GET, path, &m), -OCTA_ENOTFOUND);
}

static void
test_ids(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases_id[] = {
		{ LB, true },
		{ "11111111222233334444555555555555", true },
		{ "lb_1", true },
		{ "a", true },
		{ "", false },
		{ "..", false },
		{ ".", false },
		{ "a/b", false },
		{ "a b", false },
		{ "a.b", false },
		{ "a\nb", false },
		{ "12345678901234567890123456789012345678901234567890123456789"
		    "01234", true },	/* 64 */
		{ "12345678901234567890123456789012345678901234567890123456789"
		    "012345", false },	/* 65 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases_id); i++)
		if (agent_id_ok(cases_id[i].s) != cases_id[i].ok)
			fail_msg("agent_id_ok(\"%s\") != %d", cases_id[i].s,
			    cases_id[i].ok);
	assert_false(agent_id_ok(NULL));
}

static void
test_cert_names(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases_cert[] = {
		/* What Octavia's controller sends. */
		{ "4f7c2b9e0d1a3c5e7f9b2d4a6c8e0f1a3b5c7d9e.pem", true },
		{ LB ".pem", true },
		{ "a.pem", true },
		{ "_x.pem", true },
		{ "server.crt.pem", true },
		/* Refused. */
		{ ".pem", false },
		{ "x.PEM", false },
		{ "x.pem.bak", false },
		{ "../x.pem", false },
		{ "..x.pem", false },
		{ "a..pem", false },
		{ ".hidden.pem", false },
		{ "-x.pem", false },
		{ "a b.pem", false },
		{ "a/b.pem", false },
		{ "abcpem", false },
		{ "", false },
	};
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases_cert); i++)
		if (agent_cert_name_ok(cases_cert[i].s) != cases_cert[i].ok)
			fail_msg("agent_cert_name_ok(\"%s\") != %d",
			    cases_cert[i].s, cases_cert[i].ok);
	memset(longname, 'a', 251);
	memcpy(longname + 251, ".pem", 5);	/* 255 characters */
	assert_true(agent_cert_name_ok(longname));
	memset(longname, 'a', 252);
	memcpy(longname + 252, ".pem", 5);	/* 256 */
	assert_false(agent_cert_name_ok(longname));
	assert_false(agent_cert_name_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_table),
		cmocka_unit_test(test_long_segment),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_cert_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
