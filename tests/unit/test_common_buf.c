/*
 * test_common_buf.c - src/common/buf.c: the bounded growable buffer.
 *
 * The contract: contents are always NUL-terminated, growing past the
 * maximum is -OCTA_ETOOLARGE and leaves the buffer exactly as it was.
 */
#include "unit.h"

#include "common/buf.h"
#include "common/errors.h"

static void
test_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(b.max, BUF_DEFAULT_MAX);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
	buf_free(&b);	/* a freed buffer may be freed again */
	assert_null(b.p);
}

static void
test_appends(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_adds(&b, "SELECT"), 0);
	assert_int_equal(buf_addc(&b, ' '), 0);
	assert_int_equal(buf_add(&b, "*xyz", 1), 0);
	assert_int_equal(buf_printf(&b, " FROM %s WHERE n = %d", "t", 42), 0);
	assert_string_equal(buf_str(&b), "SELECT * FROM t WHERE n = 42");
	assert_int_equal(b.len, strlen("SELECT * FROM t WHERE n = 42"));
	assert_int_equal(b.p[b.len], '\0');
	buf_free(&b);
}

/* Binary data with embedded NULs keeps its length. */
static void
test_binary(void **state)
{
	static const char data[] = { 'a', '\0', 'b' };
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_add(&b, data, sizeof(data)), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, data, 3);
	assert_int_equal(b.p[3], '\0');
	buf_free(&b);
}

static void
test_growth(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_addc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap > 10000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(b.p[i], 'a' + i % 26);
	assert_int_equal(b.p[10000], '\0');
	buf_free(&b);
}

/*
 * The maximum counts the terminating NUL: a buffer of max 16 holds 15
 * characters.  Each row: what is already in the buffer, what is added, and
 * whether it fits.
 */
static const struct {
	const char *have;
	const char *add;
	int want;
} max_cases[] = {
	{ "", "123456789012345", 0 },		/* 15: fits exactly */
	{ "", "1234567890123456", -OCTA_ETOOLARGE },	/* 16 */
	{ "12345678901234", "5", 0 },
	{ "123456789012345", "6", -OCTA_ETOOLARGE },
	{ "123456789012345", "", 0 },		/* adding nothing is fine */
	{ "", "a very long string that is far beyond sixteen bytes",
	    -OCTA_ETOOLARGE },
};

static void
test_max(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(max_cases); i++) {
		struct buf b;
		int r;

		buf_init(&b, 16);
		assert_int_equal(buf_adds(&b, max_cases[i].have), 0);
		r = buf_adds(&b, max_cases[i].add);
		if (r != max_cases[i].want)
			fail_msg("case %zu: buf_adds(\"%s\" + \"%s\") = %d, "
			    "want %d", i, max_cases[i].have, max_cases[i].add,
			    r, max_cases[i].want);
		if (r < 0) {
			/* Unchanged on failure. */
			assert_string_equal(buf_str(&b), max_cases[i].have);
			assert_int_equal(b.len, strlen(max_cases[i].have));
		}
		assert_true(b.cap <= 16);
		buf_free(&b);
	}
}

static void
test_printf_over_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 32);
	assert_int_equal(buf_printf(&b, "%s", "0123456789"), 0);
	assert_int_equal(buf_printf(&b, "%0*d", 40, 7), -OCTA_ETOOLARGE);
	assert_string_equal(buf_str(&b), "0123456789");
	assert_int_equal(buf_printf(&b, "%0*d", 21, 7), 0);	/* 31 total */
	assert_int_equal(b.len, 31);
	assert_int_equal(buf_addc(&b, 'x'), -OCTA_ETOOLARGE);
	buf_free(&b);
}

static void
test_reset(void **state)
{
	struct buf b;
	size_t cap;

	(void)state;
	buf_init(&b, 0);
	buf_reset(&b);	/* on a buffer that never allocated */
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_adds(&b, "hello"), 0);
	cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.cap, cap);
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(buf_str(&b), "again");
	buf_free(&b);
}

static void
test_steal(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "id=%d", 7), 0);
	s = buf_steal(&b);
	assert_string_equal(s, "id=7");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	free(s);

	s = buf_steal(&b);	/* an empty buffer gives "" */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(buf_adds(&b, "reused"), 0);	/* still usable */
	assert_string_equal(buf_str(&b), "reused");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_printf_over_max),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_steal),
	};

	return cmocka_run_group_tests_name("common/buf", tests, NULL, NULL);
}
