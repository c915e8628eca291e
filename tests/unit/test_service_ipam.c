/*
 * test_service_ipam.c - src/service/ipam.c (and the port rows of
 * src/service/network.c it serves): the lowest free address of a subnet,
 * IPv4 and IPv6, never the network, broadcast or gateway address, never
 * twice, an error when the subnet is full, and a freed address handed
 * out again.
 */
#include <stdbool.h>

#include "unit.h"

#include "common/config.h"
#include "common/errors.h"
#include "db/db.h"
#include "service/service.h"

static struct db *db;
static json_t *net;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(config_load(NULL), 0);
	assert_int_equal(db_open("sqlite:///:memory:", &db), 0);
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	assert_int_equal(svc_network_create(db, "net", &net, NULL, 0), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(net);
	net = NULL;
	db_close(db);
	db = NULL;
	return 0;
}

static json_t *
subnet(const char *cidr, const char *gateway)
{
	json_t *s = NULL;
	char msg[256] = "";
	int r;

	r = svc_subnet_create(db, json_string_value(json_object_get(net,
	    "id")), cidr, gateway, NULL, &s, msg, sizeof(msg));
	if (r != 0)
		fail_msg("subnet %s: %s", cidr, msg);
	return s;
}

/* Allocates a port; returns its address (static buffer) or NULL. */
static const char *
alloc(json_t *sub, const char *want, int expect)
{
	static char ip[64];
	json_t *port = NULL;
	int r;

	r = svc_port_create(db, sub, want, "test", "dev", "p", &port);
	assert_int_equal(r, expect);
	if (r < 0)
		return NULL;
	snprintf(ip, sizeof(ip), "%s", json_string_value(json_object_get(port,
	    "ip_address")));
	json_decref(port);
	return ip;
}

static long long
count_ports(json_t *sub)
{
	json_t *row;
	long long n;

	assert_int_equal(db_query_one(db, "SELECT COUNT(*) AS n, "
	    "COUNT(DISTINCT ip_address) AS d FROM port WHERE subnet_id = ?",
	    json_pack("[O]", json_object_get(sub, "id")), &row), 0);
	n = json_integer_value(json_object_get(row, "n"));
	/* never the same address twice */
	assert_int_equal(n, json_integer_value(json_object_get(row, "d")));
	json_decref(row);
	return n;
}

/* A /29 with the default gateway (.1): .2 .. .6, then full. */
static void
test_v4_sequence(void **state)
{
	static const char *const want[] = { "192.0.2.2", "192.0.2.3",
		"192.0.2.4", "192.0.2.5", "192.0.2.6" };
	json_t *s = subnet("192.0.2.0/29", NULL);
	size_t i;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(s,
	    "gateway_ip")), "192.0.2.1");
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(alloc(s, NULL, 0), want[i]);
	/* network .0, gateway .1 and broadcast .7 are never handed out */
	alloc(s, NULL, -OCTA_ECONFLICT);
	assert_int_equal(count_ports(s), 5);
	json_decref(s);
}

/* The gateway is skipped wherever it lies. */
static void
test_gateway_skipped(void **state)
{
	json_t *s = subnet("198.51.100.0/29", "198.51.100.2");

	(void)state;
	assert_string_equal(alloc(s, NULL, 0), "198.51.100.1");
	assert_string_equal(alloc(s, NULL, 0), "198.51.100.3");
	alloc(s, "198.51.100.2", -OCTA_EINVAL);
	json_decref(s);
}

/* Requested addresses: inside, not reserved, not taken. */
static void
test_v4_wanted(void **state)
{
	static const struct {
		const char *want;
		int expect;
	} cases[] = {
		{ "203.0.113.10", 0 },
		{ "203.0.113.10", -OCTA_ECONFLICT },	/* taken */
		{ "203.0.113.0", -OCTA_EINVAL },	/* network */
		{ "203.0.113.255", -OCTA_EINVAL },	/* broadcast */
		{ "203.0.113.1", -OCTA_EINVAL },	/* gateway */
		{ "203.0.114.1", -OCTA_EINVAL },	/* outside */
		{ "2001:db8::5", -OCTA_EINVAL },	/* other family */
		{ "not-an-ip", -OCTA_EINVAL },
		{ "203.0.113.254", 0 },
	};
	json_t *s = subnet("203.0.113.0/24", NULL);
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		alloc(s, cases[i].want, cases[i].expect);
	/* the lowest free address is still the first after the gateway */
	assert_string_equal(alloc(s, NULL, 0), "203.0.113.2");
	assert_int_equal(count_ports(s), 3);
	json_decref(s);
}

/* A freed address is the lowest free one again. */
static void
test_reuse_after_delete(void **state)
{
	json_t *s = subnet("10.20.0.0/24", NULL), *port = NULL;

	(void)state;
	assert_string_equal(alloc(s, NULL, 0), "10.20.0.2");
	assert_int_equal(svc_port_create(db, s, NULL, "test", "x", NULL,
	    &port), 0);
	assert_string_equal(json_string_value(json_object_get(port,
	    "ip_address")), "10.20.0.3");
	assert_string_equal(alloc(s, NULL, 0), "10.20.0.4");
	assert_int_equal(svc_port_delete(db, json_string_value(
	    json_object_get(port, "id"))), 0);
	assert_string_equal(alloc(s, NULL, 0), "10.20.0.3");
	assert_string_equal(alloc(s, NULL, 0), "10.20.0.5");
	json_decref(port);
	json_decref(s);
}

/* IPv6: no broadcast, the subnet-router anycast address is skipped. */
static void
test_v6(void **state)
{
	json_t *s = subnet("2001:db8:1::/64", NULL);
	json_t *t = subnet("2001:db8:2::/126", NULL);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(s,
	    "gateway_ip")), "2001:db8:1::1");
	assert_string_equal(alloc(s, NULL, 0), "2001:db8:1::2");
	assert_string_equal(alloc(s, NULL, 0), "2001:db8:1::3");
	/* a long form is stored canonical, and then taken */
	assert_string_equal(alloc(s, "2001:0db8:0001:0000:0000:0000:0000:0009",
	    0), "2001:db8:1::9");
	alloc(s, "2001:db8:1::9", -OCTA_ECONFLICT);
	alloc(s, "2001:db8:1::", -OCTA_EINVAL);
	alloc(s, "2001:db8:1::1", -OCTA_EINVAL);
	assert_string_equal(alloc(s, "2001:db8:1:0:ffff:ffff:ffff:ffff", 0),
	    "2001:db8:1:0:ffff:ffff:ffff:ffff");
	assert_string_equal(alloc(s, NULL, 0), "2001:db8:1::4");
	assert_int_equal(count_ports(s), 5);

	/* a /126: ::1 gateway, ::2 and ::3 (the last address too), full */
	assert_string_equal(alloc(t, NULL, 0), "2001:db8:2::2");
	assert_string_equal(alloc(t, NULL, 0), "2001:db8:2::3");
	alloc(t, NULL, -OCTA_ECONFLICT);
	json_decref(t);
	json_decref(s);
}

/* Point-to-point subnets hand out both of their addresses. */
static void
test_tiny_subnets(void **state)
{
	json_t *s31 = subnet("192.0.2.64/31", "none");
	json_t *s32 = subnet("192.0.2.80/32", "none");

	(void)state;
	assert_string_equal(alloc(s31, NULL, 0), "192.0.2.64");
	assert_string_equal(alloc(s31, NULL, 0), "192.0.2.65");
	alloc(s31, NULL, -OCTA_ECONFLICT);
	assert_string_equal(alloc(s32, NULL, 0), "192.0.2.80");
	alloc(s32, NULL, -OCTA_ECONFLICT);
	json_decref(s32);
	json_decref(s31);
}

/* Exhaustion of a larger subnet: exactly the usable count, no repeats. */
static void
test_exhaustion_v4_24(void **state)
{
	json_t *s = subnet("100.64.7.0/24", NULL);
	int i;

	(void)state;
	for (i = 0; i < 253; i++)	/* .2 .. .254 */
		assert_non_null(alloc(s, NULL, 0));
	alloc(s, NULL, -OCTA_ECONFLICT);
	assert_int_equal(count_ports(s), 253);
	json_decref(s);
}

/* Two subnets of one network are separate pools. */
static void
test_per_subnet(void **state)
{
	json_t *a = subnet("172.16.1.0/24", NULL);
	json_t *b = subnet("172.16.2.0/24", NULL);

	(void)state;
	assert_string_equal(alloc(a, NULL, 0), "172.16.1.2");
	assert_string_equal(alloc(b, NULL, 0), "172.16.2.2");
	assert_string_equal(alloc(a, NULL, 0), "172.16.1.3");
	json_decref(b);
	json_decref(a);
}

/* Ports get distinct fa:16:3e MACs. */
static void
test_macs(void **state)
{
	json_t *s = subnet("10.30.0.0/28", NULL), *p1 = NULL, *p2 = NULL;
	const char *m1, *m2;

	(void)state;
	assert_int_equal(svc_port_create(db, s, NULL, "o", "d", NULL, &p1), 0);
	assert_int_equal(svc_port_create(db, s, NULL, "o", "d", NULL, &p2), 0);
	m1 = json_string_value(json_object_get(p1, "mac_address"));
	m2 = json_string_value(json_object_get(p2, "mac_address"));
	assert_non_null(m1);
	assert_non_null(m2);
	assert_int_equal(strlen(m1), 17);
	assert_int_equal(strncmp(m1, "fa:16:3e:", 9), 0);
	assert_string_not_equal(m1, m2);
	json_decref(p2);
	json_decref(p1);
	json_decref(s);
}

/* Subnet creation rules. */
static void
test_subnet_rules(void **state)
{
	static const struct {
		const char *cidr, *gateway;
		int expect;
	} cases[] = {
		{ "10.40.0.0/24", NULL, 0 },
		{ "10.40.0.128/25", NULL, -OCTA_ECONFLICT },	/* overlap */
		{ "10.40.0.0/16", NULL, -OCTA_ECONFLICT },	/* overlap */
		{ "10.41.0.7/24", NULL, 0 },	/* normalised to .0/24 */
		{ "10.42.0.0/24", "10.43.0.1", -OCTA_EINVAL },
		{ "10.42.0.0/24", "10.42.0.255", -OCTA_EINVAL },
		{ "10.42.0.0/24", "10.42.0.0", -OCTA_EINVAL },
		{ "10.42.0.0/33", NULL, -OCTA_EINVAL },
		{ "nonsense", NULL, -OCTA_EINVAL },
		{ "fd00:1::/64", "fd00:1::ffff", 0 },
	};
	char msg[256];
	json_t *s;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s = NULL;
		r = svc_subnet_create(db, "net", cases[i].cidr,
		    cases[i].gateway, NULL, &s, msg, sizeof(msg));
		if (r != cases[i].expect)
			fail_msg("subnet %s gateway %s: %d, want %d (%s)",
			    cases[i].cidr, cases[i].gateway ?
			    cases[i].gateway : "-", r, cases[i].expect, msg);
		if (r == 0 && strcmp(cases[i].cidr, "10.41.0.7/24") == 0)
			assert_string_equal(json_string_value(json_object_get(s,
			    "cidr")), "10.41.0.0/24");
		json_decref(s);
	}
	r = svc_subnet_create(db, "no-such-net", "10.50.0.0/24", NULL, NULL,
	    NULL, msg, sizeof(msg));
	assert_int_equal(r, -OCTA_ENOTFOUND);
}

/* A network with ports cannot be deleted; without, it can. */
static void
test_network_delete(void **state)
{
	const char *id = json_string_value(json_object_get(net, "id"));
	json_t *s = subnet("10.60.0.0/24", NULL), *p = NULL, *row = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(svc_port_create(db, s, NULL, "o", "d", NULL, &p), 0);
	assert_int_equal(svc_network_delete(db, id, msg, sizeof(msg)),
	    -OCTA_ECONFLICT);
	assert_int_equal(svc_port_delete(db, json_string_value(
	    json_object_get(p, "id"))), 0);
	assert_int_equal(svc_network_delete(db, id, msg, sizeof(msg)), 0);
	assert_int_equal(svc_network_find(db, "net", &row), -OCTA_ENOTFOUND);
	assert_int_equal(svc_subnet_find(db, json_string_value(
	    json_object_get(s, "id")), &row), -OCTA_ENOTFOUND);
	json_decref(p);
	json_decref(s);
}

/* A second network of the same name is refused. */
static void
test_network_names(void **state)
{
	json_t *n = NULL;
	char msg[256];

	(void)state;
	assert_int_equal(svc_network_create(db, "net", &n, msg, sizeof(msg)),
	    -OCTA_ECONFLICT);
	assert_int_equal(svc_network_create(db, "", &n, msg, sizeof(msg)),
	    -OCTA_EINVAL);
	assert_int_equal(svc_network_create(db, "a\nb", &n, msg, sizeof(msg)),
	    -OCTA_EINVAL);
	assert_int_equal(svc_network_create(db, "other", &n, msg, sizeof(msg)),
	    0);
	assert_int_equal(strncmp(json_string_value(json_object_get(n,
	    "bridge")), "octa-br-", 8), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(n,
	    "bridge"))), 15);	/* IFNAMSIZ - 1 */
	json_decref(n);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_v4_sequence),
		T(test_gateway_skipped),
		T(test_v4_wanted),
		T(test_reuse_after_delete),
		T(test_v6),
		T(test_tiny_subnets),
		T(test_exhaustion_v4_24),
		T(test_per_subnet),
		T(test_macs),
		T(test_subnet_rules),
		T(test_network_delete),
		T(test_network_names),
	};
#undef T

	return cmocka_run_group_tests_name("service/ipam", tests, NULL, NULL);
}
