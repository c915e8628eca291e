/*
 * test_common_util.c - src/common/util.c: UUIDs, CIDRs, strict number and
 * boolean parsing, IP literals, timestamps.  Table-driven: each table reads
 * as the specification of one function.
 */
#include <stdbool.h>

#include "unit.h"

#include "common/util.h"

/* ---- uuid_canon ---- */

static const struct {
	const char *in;
	const char *want;	/* NULL: rejected */
} uuid_cases[] = {
	{ "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a",
	    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a" },
	{ "5A2E3F6A-7D7B-4C8E-9A8C-1F2E3D4C5B6A",	/* lower-cased */
	    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a" },
	{ "5a2e3f6a7d7b4c8e9a8c1f2e3d4c5b6a",		/* dashes added */
	    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a" },
	{ "5A2E3F6A7D7B4C8E9A8C1F2E3D4C5B6A",
	    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a" },
	{ "00000000-0000-0000-0000-000000000000",
	    "00000000-0000-0000-0000-000000000000" },
	{ "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6", NULL },	/* 35 chars */
	{ "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a0", NULL },	/* 37 chars */
	{ "5a2e3f6a7-d7b-4c8e-9a8c-1f2e3d4c5b6a", NULL },	/* dash moved */
	{ "5a2e3f6a-7d7b-4c8e-9a8c_1f2e3d4c5b6a", NULL },
	{ "5a2e3f6g-7d7b-4c8e-9a8c-1f2e3d4c5b6a", NULL },	/* not hex */
	{ "5a2e3f6a7d7b4c8e9a8c1f2e3d4c5b6z", NULL },
	{ "{5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a}", NULL },
	{ " 5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6", NULL },
	{ "", NULL },
	{ "not-a-uuid", NULL },
	{ "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6\xc3\xa9", NULL },
};

static void
test_uuid_canon(void **state)
{
	char out[UUID_STR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(uuid_cases); i++) {
		bool ok = uuid_canon(uuid_cases[i].in, out);

		if (ok != (uuid_cases[i].want != NULL))
			fail_msg("uuid_canon(\"%s\") = %d", uuid_cases[i].in,
			    ok);
		if (ok)
			assert_string_equal(out, uuid_cases[i].want);
		assert_int_equal(uuid_valid(uuid_cases[i].in), ok);
	}
	assert_false(uuid_canon(NULL, out));
	assert_false(uuid_valid(NULL));
}

static void
test_uuid_new(void **state)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		uuid_new(a);
		uuid_new(b);
		assert_int_equal(strlen(a), 36);
		assert_true(uuid_canon(a, c));
		assert_string_equal(a, c);	/* already canonical */
		assert_int_equal(a[14], '4');	/* version 4 */
		assert_non_null(strchr("89ab", a[19]));	/* RFC 4122 variant */
		assert_string_not_equal(a, b);
	}
}

/* ---- cidr_normalise ---- */

static const struct {
	const char *in;
	const char *want;	/* NULL: rejected */
	int family;
} cidr_cases[] = {
	{ "10.0.0.7/24", "10.0.0.0/24", 4 },
	{ "10.0.0.7/32", "10.0.0.7/32", 4 },
	{ "10.1.2.3/8", "10.0.0.0/8", 4 },
	{ "192.168.1.255/31", "192.168.1.254/31", 4 },
	{ "172.16.255.1/12", "172.16.0.0/12", 4 },
	{ "10.0.0.7/0", "0.0.0.0/0", 4 },
	{ "0.0.0.0/0", "0.0.0.0/0", 4 },
	{ "2001:db8::1/64", "2001:db8::/64", 6 },
	{ "2001:DB8:0:0:1::/48", "2001:db8::/48", 6 },
	{ "2001:db8:abcd:12ff::1/57", "2001:db8:abcd:1280::/57", 6 },
	{ "::1/128", "::1/128", 6 },
	{ "::/0", "::/0", 6 },
	{ "10.0.0.0", NULL, 0 },		/* no prefix length */
	{ "10.0.0.0/", NULL, 0 },
	{ "10.0.0.0/33", NULL, 0 },
	{ "10.0.0.0/-1", NULL, 0 },
	{ "10.0.0.0/abc", NULL, 0 },
	{ "10.0.0.0/ 24", NULL, 0 },
	{ "10.0.0.0/24 ", NULL, 0 },
	{ "10.0.0.0/24/1", NULL, 0 },
	{ "10.0.0/24", NULL, 0 },
	{ "256.0.0.0/8", NULL, 0 },
	{ "2001:db8::/129", NULL, 0 },
	{ "/24", NULL, 0 },
	{ "", NULL, 0 },
	{ "host.example.com/24", NULL, 0 },
};

static void
test_cidr_normalise(void **state)
{
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cidr_cases); i++) {
		int fam = 0;
		bool ok = cidr_normalise(cidr_cases[i].in, out, sizeof(out),
		    &fam);

		if (ok != (cidr_cases[i].want != NULL))
			fail_msg("cidr_normalise(\"%s\") = %d",
			    cidr_cases[i].in, ok);
		if (!ok)
			continue;
		if (strcmp(out, cidr_cases[i].want) != 0)
			fail_msg("cidr_normalise(\"%s\") = \"%s\", want \"%s\"",
			    cidr_cases[i].in, out, cidr_cases[i].want);
		assert_int_equal(fam, cidr_cases[i].family);
	}
	assert_false(cidr_normalise(NULL, out, sizeof(out), NULL));
	/* family may be NULL */
	assert_true(cidr_normalise("10.0.0.1/16", out, sizeof(out), NULL));
	assert_string_equal(out, "10.0.0.0/16");
	/* An output buffer too small is a failure, not a truncation. */
	assert_false(cidr_normalise("10.0.0.1/16", out, 8, NULL));
}

/* ---- parse_ll ---- */

static const struct {
	const char *in;
	bool ok;
	long long want;
} ll_cases[] = {
	{ "0", true, 0 },
	{ "42", true, 42 },
	{ "-5", true, -5 },
	{ "+7", true, 7 },
	{ "007", true, 7 },		/* decimal, not octal */
	{ "9223372036854775807", true, 9223372036854775807LL },
	{ "-9223372036854775808", true, -9223372036854775807LL - 1 },
	{ "9223372036854775808", false, 0 },	/* overflow */
	{ "-9223372036854775809", false, 0 },
	{ "", false, 0 },
	{ " 1", false, 0 },
	{ "1 ", false, 0 },
	{ "12abc", false, 0 },
	{ "0x10", false, 0 },
	{ "1.5", false, 0 },
	{ "-", false, 0 },
	{ "infinite", false, 0 },
};

static void
test_parse_ll(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ll_cases); i++) {
		long long v = 12345;
		bool ok = parse_ll(ll_cases[i].in, &v);

		if (ok != ll_cases[i].ok)
			fail_msg("parse_ll(\"%s\") = %d", ll_cases[i].in, ok);
		if (ok)
			assert_true(v == ll_cases[i].want);
		else
			assert_true(v == 12345);	/* untouched on failure */
	}
	{
		long long v = 1;

		assert_false(parse_ll(NULL, &v));
	}
}

/* ---- parse_bool_str: oslo's bool_from_string ---- */

static const struct {
	const char *in;
	bool want;
} bool_cases[] = {
	{ "1", true }, { "t", true }, { "T", true }, { "true", true },
	{ "True", true }, { "TRUE", true }, { "on", true }, { "On", true },
	{ "y", true }, { "yes", true }, { "YES", true },
	{ "0", false }, { "f", false }, { "false", false },
	{ "False", false }, { "off", false }, { "no", false },
	{ "n", false }, { "", false }, { "2", false }, { "yes ", false },
	{ " true", false }, { "truee", false }, { "enabled", false },
};

static void
test_parse_bool_str(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bool_cases); i++)
		if (parse_bool_str(bool_cases[i].in) != bool_cases[i].want)
			fail_msg("parse_bool_str(\"%s\") != %d",
			    bool_cases[i].in, bool_cases[i].want);
	assert_false(parse_bool_str(NULL));
}

/* ---- ip_valid ---- */

static const struct {
	const char *in;
	int family;	/* 0: invalid */
} ip_cases[] = {
	{ "10.0.0.1", 4 },
	{ "0.0.0.0", 4 },
	{ "255.255.255.255", 4 },
	{ "::", 6 },
	{ "::1", 6 },
	{ "2001:db8::1", 6 },
	{ "2001:DB8:0:0:0:0:0:1", 6 },
	{ "::ffff:10.0.0.1", 6 },
	{ "256.0.0.1", 0 },
	{ "10.0.0", 0 },
	{ "10.0.0.1.2", 0 },
	{ "10.0.0.1/32", 0 },
	{ " 10.0.0.1", 0 },
	{ "10.0.0.1 ", 0 },
	{ "fe80::1%eth0", 0 },
	{ "2001:db8:::1", 0 },
	{ "localhost", 0 },
	{ "", 0 },
};

static void
test_ip_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ip_cases); i++) {
		int fam = 0;
		bool ok = ip_valid(ip_cases[i].in, &fam);

		if (ok != (ip_cases[i].family != 0))
			fail_msg("ip_valid(\"%s\") = %d", ip_cases[i].in, ok);
		if (ok)
			assert_int_equal(fam, ip_cases[i].family);
		assert_int_equal(ip_valid(ip_cases[i].in, NULL), ok);
	}
	assert_false(ip_valid(NULL, NULL));
}

/* ---- timestamps: Octavia's "YYYY-MM-DDTHH:MM:SS" in UTC ---- */

static void
test_time_iso(void **state)
{
	char out[TIME_STR_LEN];

	(void)state;
	time_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00");
	time_iso(951782400, out);	/* a leap day */
	assert_string_equal(out, "2000-02-29T00:00:00");
	time_iso(4102444799LL, out);
	assert_string_equal(out, "2099-12-31T23:59:59");
	time_now_iso(out);
	assert_int_equal(strlen(out), 19);
	assert_int_equal(out[10], 'T');
	assert_true(time_now() > 1700000000);
	assert_true(time_mono_ms() >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_canon),
		cmocka_unit_test(test_uuid_new),
		cmocka_unit_test(test_cidr_normalise),
		cmocka_unit_test(test_parse_ll),
		cmocka_unit_test(test_parse_bool_str),
		cmocka_unit_test(test_ip_valid),
		cmocka_unit_test(test_time_iso),
	};

	return cmocka_run_group_tests_name("common/util", tests, NULL, NULL);
}
