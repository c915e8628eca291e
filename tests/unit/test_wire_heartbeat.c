/*
 * test_wire_heartbeat.c - src/wire/heartbeat.c: the heartbeat envelope.
 *
 * The contract: what octa encodes, Octavia's receiver reads, and what
 * Octavia's sender (status_message.wrap_envelope, hex or raw digest)
 * produces, octa decodes.  Nothing is decompressed or parsed before the
 * MAC matches; a flipped bit, a truncation, a wrong or empty key, a zip
 * bomb, bad zlib, bad JSON and a bad shape each give their own error.  A
 * fuzz case feeds 100k random and mutated packets through the decoder
 * (under ASan in CI); OCTA_FUZZ_ITERS and OCTA_FUZZ_SEED override.
 */
#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "unit.h"

#include "common/buf.h"
#include "common/errors.h"
#include "wire/heartbeat.h"

#define KEY "octavia-test-key"

/*
 * Made by Octavia's own sender (octavia 2023.x, Debian):
 *   status_message.wrap_envelope(FIXTURE_MSG, "octavia-test-key")
 * and the same with hex=False (the 32-byte raw digest of old amphorae).
 */
#define FIXTURE_MSG                                                     \
	"{\"id\": \"9f4b3a5e-1c2d-4e6f-8a9b-0c1d2e3f4a5b\", \"seq\": 67, "   \
	"\"ver\": 3, \"listeners\": {\"d3c1e4a2-7b6f-4c1d-9e8a-1f2b3c4d5e6f\"" \
	": {\"status\": \"OPEN\", \"stats\": {\"tx\": 120, \"rx\": 340, "   \
	"\"conns\": 2, \"totconns\": 7, \"ereq\": 1}}}, \"pools\": {"       \
	"\"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:d3c1e4a2-7b6f-4c1d-9e8a-"   \
	"1f2b3c4d5e6f\": {\"status\": \"UP\", \"members\": {"               \
	"\"b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e\": \"UP\", "                \
	"\"c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f\": \"DOWN\"}}}}"

#define FIXTURE_BODY                                                    \
	"78da9d8fbd6ec3300c845f25d05c029644c952e6764db2149df543010112bbb5d5" \
	"a240e0772f6523f0de49478abcfbf810d72c8e07e10b461d0c814c2a03922de082" \
	"8fd0259915e982c144f17210337df1b8ed59fed0c452b3ba5de74a034d33d70f91" \
	"75928441411fd905d9003cb900b2a8a81366c3e6ebe05c43fd6e3be27c793badee" \
	"dcd94cea2f3f5275dc9c9ad4d8641a87a1fd2bd675accfb2d1d0b492c96559b8fa" \
	"1cc7db6614645449670432c502863e824b3e4347cc1374c464f2f11fc8ef97067c" \
	"a77b7cdebde5908162430f185d029f3b823dc7d2beb9cd321213398e6424475d81" \
	"7db66f91e2f5fc71127cd4f207b5c176e2"
#define FIXTURE_HEX_MAC                                                 \
	"356333353966356130313836343633636239346364306663643438373065323564" \
	"61656666656334643239343735383061636237303432663135373935626133"
#define FIXTURE_RAW_MAC                                                 \
	"5c359f5a0186463cb94cd0fcd4870e25daeffec4d2947580acb7042f15795ba3"

#define AMP "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
#define MSG_OK                                                          \
	"{\"id\": \"" AMP "\", \"seq\": 5, \"ver\": 3, \"listeners\": {}, " \
	"\"pools\": {}}"

/* ---- helpers ---- */

static size_t
unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int v;

	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

/* Appends HMAC(key, body) to out, as hex text or 32 raw bytes. */
static void
sign(struct buf *out, const void *body, size_t n, const char *key, bool hex)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char h[65];
	size_t i;

	assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), body, n, md,
	    &mdlen));
	assert_int_equal(mdlen, 32);
	assert_int_equal(buf_add(out, body, n), 0);
	if (!hex) {
		assert_int_equal(buf_add(out, md, 32), 0);
		return;
	}
	for (i = 0; i < 32; i++)
		snprintf(h + 2 * i, 3, "%02x", md[i]);
	assert_int_equal(buf_add(out, h, 64), 0);
}

/* zlib.compress(data, 9) into out. */
static void
deflate9(struct buf *out, const void *data, size_t n)
{
	uLongf zlen = compressBound((uLong)n);
	unsigned char *z = malloc(zlen);

	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, data, (uLong)n, 9), Z_OK);
	assert_int_equal(buf_add(out, z, zlen), 0);
	free(z);
}

static int
decode_buf(const struct buf *b, const char *key, json_t **msg)
{
	return heartbeat_decode(b->p, b->len, key, msg);
}

static int
decode_text(const char *text)
{
	struct buf b;
	json_t *m = NULL;
	int r;

	buf_init(&b, 0);
	assert_int_equal(heartbeat_seal(text, strlen(text), KEY, &b), 0);
	r = decode_buf(&b, KEY, &m);
	assert_true(r == 0 ? m != NULL : m == NULL);
	json_decref(m);
	buf_free(&b);
	return r;
}

/* ---- cases ---- */

static void
test_round_trip(void **state)
{
	json_t *in = json_loads(FIXTURE_MSG, 0, NULL), *out = NULL;
	struct buf b;
	char hex[65];
	size_t i;

	(void)state;
	assert_non_null(in);
	buf_init(&b, 0);
	assert_int_equal(heartbeat_encode(in, KEY, &b), 0);
	assert_true(b.len > 64);
	/* The tail is 64 lowercase hex digits. */
	memcpy(hex, b.p + b.len - 64, 64);
	hex[64] = '\0';
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", hex[i]));
	/* A zlib header (deflate, 32K window) at the front. */
	assert_int_equal((unsigned char)b.p[0], 0x78);
	assert_int_equal(decode_buf(&b, KEY, &out), 0);
	assert_true(json_equal(in, out));
	json_decref(out);
	json_decref(in);
	buf_free(&b);
}

static void
test_octavia_hex_fixture(void **state)
{
	unsigned char pkt[1024];
	size_t n;
	json_t *m = NULL, *want = json_loads(FIXTURE_MSG, 0, NULL);

	(void)state;
	n = unhex(FIXTURE_BODY FIXTURE_HEX_MAC, pkt, sizeof(pkt));
	assert_int_equal(n, 312);
	assert_int_equal(heartbeat_decode(pkt, n, KEY, &m), 0);
	assert_true(json_equal(m, want));
	json_decref(m);
	json_decref(want);
}

static void
test_octavia_raw_fixture(void **state)
{
	unsigned char pkt[1024];
	size_t n;
	json_t *m = NULL;

	(void)state;
	n = unhex(FIXTURE_BODY FIXTURE_RAW_MAC, pkt, sizeof(pkt));
	assert_int_equal(n, 280);
	assert_int_equal(heartbeat_decode(pkt, n, KEY, &m), 0);
	assert_int_equal(json_integer_value(json_object_get(m, "seq")), 67);
	json_decref(m);
	/* Raw digest under the wrong key is still a MAC failure. */
	assert_int_equal(heartbeat_decode(pkt, n, "other", &m), -HB_EMAC);
}

/*
 * What octa sends, Octavia's algorithm reads: python3's zlib, hmac and
 * json check a packet encoded here.  Skipped without /usr/bin/python3.
 */
static void
test_python_reads_ours(void **state)
{
	static const char prog[] =
	    "import hmac,hashlib,json,sys,zlib\n"
	    "d=open(sys.argv[1],'rb').read()\n"
	    "b,m=d[:-64],d[-64:]\n"
	    "c=hmac.new(b'" KEY "',b,hashlib.sha256).hexdigest().encode()\n"
	    "assert hmac.compare_digest(m,c)\n"
	    "o=json.loads(zlib.decompress(b).decode('utf-8'))\n"
	    "assert o['seq']==67 and o['ver']==3, o\n";
	char *dir, *pkt, *py, cmd[4096];
	json_t *in = json_loads(FIXTURE_MSG, 0, NULL);
	struct buf b;
	FILE *f;

	(void)state;
	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	if ((dir = unit_tmpdir()) == NULL)
		abort();	/* for -Wformat-truncation */
	pkt = unit_path(dir, "hb.bin");
	py = unit_path(dir, "check.py");
	buf_init(&b, 0);
	assert_int_equal(heartbeat_encode(in, KEY, &b), 0);
	f = fopen(pkt, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	unit_write_file(py, prog);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s", py, pkt);
	assert_int_equal(system(cmd), 0);
	buf_free(&b);
	json_decref(in);
	unit_rmdir(dir);
	free(pkt);
	free(py);
	free(dir);
}

/* Every single-bit flip anywhere in the packet is caught by the MAC. */
static void
test_flipped_bits(void **state)
{
	unsigned char pkt[1024];
	size_t n, i;
	int bit;
	json_t *m = NULL;

	(void)state;
	n = unhex(FIXTURE_BODY FIXTURE_HEX_MAC, pkt, sizeof(pkt));
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			pkt[i] ^= (unsigned char)(1u << bit);
			assert_int_equal(heartbeat_decode(pkt, n, KEY, &m),
			    -HB_EMAC);
			pkt[i] ^= (unsigned char)(1u << bit);
		}
	}
	assert_null(m);
	assert_int_equal(heartbeat_decode(pkt, n, KEY, &m), 0);
	json_decref(m);
}

static void
test_truncated(void **state)
{
	unsigned char pkt[1024];
	size_t n, len;
	json_t *m = NULL;
	int r;

	(void)state;
	n = unhex(FIXTURE_BODY FIXTURE_HEX_MAC, pkt, sizeof(pkt));
	for (len = 0; len < n; len++) {
		r = heartbeat_decode(pkt, len, KEY, &m);
		assert_true(r == (len <= HB_RAW_MAC_LEN ? -HB_ESIZE :
		    -HB_EMAC));
		assert_null(m);
	}
	assert_int_equal(heartbeat_decode(NULL, 0, KEY, &m), -HB_ESIZE);
}

static void
test_keys(void **state)
{
	json_t *in = json_loads(MSG_OK, 0, NULL), *m = NULL;
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	/* No key: nothing is sent, and everything is refused. */
	assert_int_equal(heartbeat_encode(in, "", &b), -HB_ENOKEY);
	assert_int_equal(heartbeat_encode(in, NULL, &b), -HB_ENOKEY);
	assert_int_equal(b.len, 0);
	assert_int_equal(heartbeat_encode(in, KEY, &b), 0);
	assert_int_equal(decode_buf(&b, "", &m), -HB_ENOKEY);
	assert_int_equal(decode_buf(&b, NULL, &m), -HB_ENOKEY);
	assert_int_equal(decode_buf(&b, KEY "x", &m), -HB_EMAC);
	assert_int_equal(decode_buf(&b, "None", &m), -HB_EMAC);
	assert_null(m);
	assert_int_equal(decode_buf(&b, KEY, &m), 0);
	json_decref(m);
	json_decref(in);
	buf_free(&b);
	assert_string_equal(heartbeat_strerror(-HB_EMAC),
	    "HMAC does not match");
}

/* Exactly HB_MAX_JSON bytes decode; one more is a zip bomb. */
static void
test_decompression_bound(void **state)
{
	char *text = malloc(HB_MAX_JSON + 2);
	size_t head = strlen(MSG_OK) - 1;	/* without the closing brace */
	unsigned char *zeros;
	struct buf b, z;
	json_t *m = NULL;

	(void)state;
	assert_non_null(text);
	memcpy(text, MSG_OK, head);
	memset(text + head, ' ', HB_MAX_JSON - head - 1);
	text[HB_MAX_JSON - 1] = '}';
	text[HB_MAX_JSON] = '\0';
	buf_init(&b, 0);
	assert_int_equal(heartbeat_seal(text, HB_MAX_JSON, KEY, &b), 0);
	assert_true(b.len < 1024);
	assert_int_equal(decode_buf(&b, KEY, &m), 0);
	json_decref(m);
	m = NULL;
	/* seal refuses to build an oversized message ... */
	buf_reset(&b);
	text[HB_MAX_JSON] = ' ';
	assert_int_equal(heartbeat_seal(text, HB_MAX_JSON + 1, KEY, &b),
	    -HB_ETOOBIG);
	/* ... and decode refuses one built elsewhere. */
	buf_init(&z, 0);
	deflate9(&z, text, HB_MAX_JSON + 1);
	sign(&b, z.p, z.len, KEY, true);
	assert_int_equal(decode_buf(&b, KEY, &m), -HB_ETOOBIG);
	/* A real bomb: 16 MiB of zeros in a few KiB. */
	zeros = calloc(1, 16u << 20);
	assert_non_null(zeros);
	buf_reset(&z);
	buf_reset(&b);
	deflate9(&z, zeros, 16u << 20);
	assert_true(z.len < HB_MAX_PACKET);
	sign(&b, z.p, z.len, KEY, false);
	assert_int_equal(decode_buf(&b, KEY, &m), -HB_ETOOBIG);
	assert_null(m);
	free(zeros);
	free(text);
	buf_free(&b);
	buf_free(&z);
}

static void
test_bad_zlib(void **state)
{
	struct buf b, z;
	json_t *m = NULL;

	(void)state;
	buf_init(&b, 0);
	buf_init(&z, 0);
	/* Signed, but not zlib. */
	sign(&b, MSG_OK, strlen(MSG_OK), KEY, true);
	assert_int_equal(decode_buf(&b, KEY, &m), -HB_EZLIB);
	/* A stream cut short. */
	deflate9(&z, MSG_OK, strlen(MSG_OK));
	buf_reset(&b);
	sign(&b, z.p, z.len - 3, KEY, true);
	assert_int_equal(decode_buf(&b, KEY, &m), -HB_EZLIB);
	/* Bytes after the end of the stream. */
	assert_int_equal(buf_adds(&z, "junk"), 0);
	buf_reset(&b);
	sign(&b, z.p, z.len, KEY, true);
	assert_int_equal(decode_buf(&b, KEY, &m), -HB_EZLIB);
	assert_null(m);
	buf_free(&b);
	buf_free(&z);
}

static void
test_bad_json(void **state)
{
	(void)state;
	assert_int_equal(decode_text("not json"), -HB_EJSON);
	assert_int_equal(decode_text(""), -HB_EJSON);
	assert_int_equal(decode_text("{\"id\": 1"), -HB_EJSON);
	/* Duplicate keys are ambiguous: refused. */
	assert_int_equal(decode_text("{\"seq\": 1, \"seq\": 2}"), -HB_EJSON);
	/* Invalid UTF-8. */
	assert_int_equal(decode_text("{\"id\": \"\xff\"}"), -HB_EJSON);
	assert_int_equal(decode_text("{\"id\": \"a\\u0000b\"}"), -HB_EJSON);
}

/* The shape rules, one line each. */
static void
test_shapes(void **state)
{
#define HEAD "{\"id\": \"" AMP "\", \"seq\": 5, "
	static const struct {
		const char *json;
		int want;
	} cases[] = {
		{ MSG_OK, 0 },
		/* dashless UUIDs are still UUIDs (normalised later) */
		{ "{\"id\": \"0f1e2d3c4b5a49688776a5b4c3d2e1f0\", \"seq\": 0, "
		  "\"ver\": 3, \"listeners\": {}, \"pools\": {}}", 0 },
		/* v1: no ver, pools nested under listeners */
		{ HEAD "\"listeners\": {\"l\": {\"status\": \"OPEN\", "
		  "\"pools\": {\"p\": {\"status\": \"UP\", \"members\": "
		  "{\"m\": \"UP\"}}}}}}", 0 },
		{ HEAD "\"ver\": 1, \"listeners\": {}}", 0 },
		{ HEAD "\"ver\": 2, \"listeners\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}}", -HB_ESHAPE },
		{ "[]", -HB_ESHAPE },
		{ "{\"seq\": 5, \"ver\": 3, \"listeners\": {}, \"pools\": {}}",
		  -HB_ESHAPE },
		{ "{\"id\": \"not-a-uuid\", \"seq\": 5, \"ver\": 3, "
		  "\"listeners\": {}, \"pools\": {}}", -HB_ESHAPE },
		{ "{\"id\": 7, \"seq\": 5, \"ver\": 3, \"listeners\": {}, "
		  "\"pools\": {}}", -HB_ESHAPE },
		{ "{\"id\": \"" AMP "\", \"ver\": 3, \"listeners\": {}, "
		  "\"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": {}, "
		  "\"seq\": -1}", -HB_EJSON },	/* duplicate seq */
		{ "{\"id\": \"" AMP "\", \"seq\": -1, \"ver\": 3, "
		  "\"listeners\": {}, \"pools\": {}}", -HB_ESHAPE },
		{ "{\"id\": \"" AMP "\", \"seq\": 1.5, \"ver\": 3, "
		  "\"listeners\": {}, \"pools\": {}}", -HB_ESHAPE },
		{ "{\"id\": \"" AMP "\", \"seq\": \"5\", \"ver\": 3, "
		  "\"listeners\": {}, \"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": \"3\", \"listeners\": {}, \"pools\": {}}",
		  -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": [], \"pools\": {}}",
		  -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {\"l\": 1}, \"pools\": {}}",
		  -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {\"l\": {\"status\": 1}}, "
		  "\"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {\"l\": {\"stats\": "
		  "{\"rx\": -1}}}, \"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {\"l\": {\"stats\": "
		  "{\"rx\": \"1\"}}}, \"pools\": {}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {\"l\": {\"stats\": "
		  "{\"rx\": 1, \"other\": \"x\"}}}, \"pools\": {}}", 0 },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": []}",
		  -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": {\"p\": "
		  "\"UP\"}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": {\"p\": "
		  "{\"status\": \"UP\", \"members\": {\"m\": 1}}}}",
		  -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": {\"p\": "
		  "{\"status\": \"UP\", \"members\": []}}}", -HB_ESHAPE },
		{ HEAD "\"ver\": 3, \"listeners\": {}, \"pools\": {\"p\": "
		  "{\"members\": {\"m\": \"no check\"}}}}", 0 },
		{ HEAD "\"listeners\": {\"l\": {\"pools\": []}}}", -HB_ESHAPE },
	};
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = decode_text(cases[i].json);
		if (r != cases[i].want)
			fail_msg("case %zu: got %d (%s), want %d: %s", i, r,
			    heartbeat_strerror(r), cases[i].want,
			    cases[i].json);
	}
#undef HEAD
}

/* ---- fuzz ---- */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static long
env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtol(v, &end, 10);
	return *end == '\0' && n > 0 ? n : def;
}

static void
mutate(unsigned char *p, size_t *len, size_t max)
{
	int k, ops = 1 + (int)(rng() % 4);
	size_t at;

	for (k = 0; k < ops; k++) {
		if (*len == 0)
			return;
		at = (size_t)(rng() % *len);
		switch (rng() % 5) {
		case 0:
			p[at] ^= (unsigned char)(1u << (rng() % 8));
			break;
		case 1:
			p[at] = (unsigned char)rng();
			break;
		case 2:		/* delete a run */
			memmove(p + at, p + at + 1, *len - at - 1);
			(*len)--;
			break;
		case 3:		/* duplicate a byte */
			if (*len < max) {
				memmove(p + at + 1, p + at, *len - at);
				(*len)++;
			}
			break;
		default:	/* cut */
			*len = at;
			break;
		}
	}
}

static void
check_result(int r, json_t *m)
{
	if (r == 0) {
		assert_true(json_is_object(m));
		assert_true(json_is_integer(json_object_get(m, "seq")));
		json_decref(m);
		return;
	}
	assert_null(m);
	assert_true(r == -HB_ESIZE || r == -HB_EMAC || r == -HB_EZLIB ||
	    r == -HB_ETOOBIG || r == -HB_EJSON || r == -HB_ESHAPE);
}

static void
test_fuzz(void **state)
{
	static const char *const seeds[] = { FIXTURE_MSG, MSG_OK,
		"{\"id\": \"" AMP "\", \"seq\": 9, \"listeners\": {\"l\": "
		"{\"status\": \"OPEN\", \"pools\": {\"p:l\": {\"status\": "
		"\"UP\", \"members\": {\"m\": \"DOWN 1/2\"}}}}}}" };
	long iters = env_long("OCTA_FUZZ_ITERS", 100000), i;
	unsigned char *p = malloc(HB_MAX_PACKET + 1);
	char text[2048];
	struct buf b, z;
	size_t len, tl;
	json_t *m;
	int r, ok = 0, by[4] = { 0 };

	(void)state;
	assert_non_null(p);
	rng_state = (uint64_t)env_long("OCTA_FUZZ_SEED", 20240601) | 1;
	buf_init(&b, 0);
	buf_init(&z, 0);
	for (i = 0; i < iters; i++) {
		const char *seed = seeds[rng() % ARRAY_SIZE(seeds)];
		int mode = (int)(rng() % 4);

		m = NULL;
		buf_reset(&b);
		buf_reset(&z);
		switch (mode) {
		case 0:		/* random bytes */
			len = (size_t)(rng() % 600);
			for (tl = 0; tl < len; tl++)
				p[tl] = (unsigned char)rng();
			break;
		case 1:		/* a good packet, mutated: MAC fails */
			assert_int_equal(heartbeat_seal(seed, strlen(seed),
			    KEY, &b), 0);
			len = b.len;
			memcpy(p, b.p, len);
			mutate(p, &len, HB_MAX_PACKET);
			break;
		case 2:		/* mutated zlib, signed again */
			deflate9(&z, seed, strlen(seed));
			len = z.len;
			memcpy(p, z.p, len);
			mutate(p, &len, z.len + 16);
			sign(&b, p, len, KEY, rng() % 2);
			len = b.len;
			memcpy(p, b.p, len);
			break;
		default:	/* mutated JSON, sealed: the parser sees it */
			tl = strlen(seed);
			memcpy(text, seed, tl);
			mutate((unsigned char *)text, &tl, sizeof(text) - 1);
			assert_int_equal(heartbeat_seal(text, tl, KEY, &b), 0);
			len = b.len;
			memcpy(p, b.p, len);
			break;
		}
		r = heartbeat_decode(p, len, KEY, &m);
		check_result(r, m);
		ok += r == 0;
		by[mode]++;
	}
	/* Mutated JSON sometimes stays valid: the decoder did accept some. */
	assert_true(iters < 1000 || ok > 0);
	print_message("fuzz iterations=%ld accepted=%d modes=%d/%d/%d/%d\n",
	    iters, ok, by[0], by[1], by[2], by[3]);
	free(p);
	buf_free(&b);
	buf_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_octavia_hex_fixture),
		cmocka_unit_test(test_octavia_raw_fixture),
		cmocka_unit_test(test_python_reads_ours),
		cmocka_unit_test(test_flipped_bits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_decompression_bound),
		cmocka_unit_test(test_bad_zlib),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
