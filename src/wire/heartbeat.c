/*
 * heartbeat.c - encode and decode the heartbeat envelope (see heartbeat.h).
 *
 * Pure functions, safe from any thread.  The decoder is the first code to
 * touch bytes from the network in the health role, so it is defensive in
 * order: MAC first (nothing unauthenticated is decompressed or parsed),
 * then bounded decompression (a zip bomb stops at HB_MAX_JSON bytes),
 * then JSON with duplicate keys refused, then the message's shape, so the
 * health code can read the fields it needs without re-checking types.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "heartbeat.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../common/xalloc.h"

static const char *const hb_err_text[] = {
#define XX(name, text) text,
	HB_ERR_MAP(XX)
#undef XX
};

const char *
heartbeat_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err > HB_E_BASE && err < HB_E_MAX)
		return hb_err_text[err - HB_E_BASE - 1];
	return octa_err_str(-err);
}

/* HMAC-SHA256 of data under key; 0 or -HB_EMAC if OpenSSL fails. */
static int
hb_mac(const char *key, const void *data, size_t len,
    unsigned char md[HB_RAW_MAC_LEN])
{
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md,
	    &mdlen) == NULL || mdlen != HB_RAW_MAC_LEN)
		return -HB_EMAC;
	return 0;
}

static void
hb_hex(const unsigned char md[HB_RAW_MAC_LEN], char hex[HB_HEX_MAC_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < HB_RAW_MAC_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
}

int
heartbeat_seal(const void *data, size_t len, const char *key,
    struct buf *out)
{
	unsigned char md[HB_RAW_MAC_LEN], *z = NULL;
	char hex[HB_HEX_MAC_LEN];
	uLongf zlen;
	size_t start = out->len;
	int r = -HB_ENOKEY;

	if (key == NULL || *key == '\0')
		goto out;
	r = -HB_ETOOBIG;
	if (len > HB_MAX_JSON)
		goto out;
	zlen = compressBound((uLong)len);
	z = xmalloc(zlen);
	r = -OCTA_EINTERNAL;
	if (compress2(z, &zlen, data, (uLong)len, 9) != Z_OK)
		goto out;
	if ((r = hb_mac(key, z, zlen, md)) < 0)
		goto out;
	hb_hex(md, hex);
	if ((r = buf_add(out, z, zlen)) < 0 ||
	    (r = buf_add(out, hex, sizeof(hex))) < 0) {
		out->len = start;
		goto out;
	}
	r = 0;
out:
	free(z);
	OPENSSL_cleanse(md, sizeof(md));
	return r;
}

int
heartbeat_encode(const json_t *msg, const char *key, struct buf *out)
{
	char *text = NULL;
	int r = -HB_ESHAPE;

	if (!json_is_object(msg))
		goto out;
	r = -OCTA_EINTERNAL;
	if ((text = json_dumps(msg, JSON_COMPACT)) == NULL)
		goto out;
	r = heartbeat_seal(text, strlen(text), key, out);
out:
	free(text);
	return r;
}

/*
 * Which tail of the packet is a valid MAC: the body length on success,
 * the hex form tried first as Octavia's receiver does.
 */
static int
hb_verify(const unsigned char *p, size_t len, const char *key,
    size_t *body)
{
	unsigned char md[HB_RAW_MAC_LEN];
	char hex[HB_HEX_MAC_LEN];
	int r = -HB_EMAC;

	if (len > HB_HEX_MAC_LEN) {
		if ((r = hb_mac(key, p, len - HB_HEX_MAC_LEN, md)) < 0)
			goto out;
		hb_hex(md, hex);
		if (CRYPTO_memcmp(hex, p + len - HB_HEX_MAC_LEN,
		    HB_HEX_MAC_LEN) == 0) {
			*body = len - HB_HEX_MAC_LEN;
			r = 0;
			goto out;
		}
	}
	if ((r = hb_mac(key, p, len - HB_RAW_MAC_LEN, md)) < 0)
		goto out;
	r = -HB_EMAC;
	if (CRYPTO_memcmp(md, p + len - HB_RAW_MAC_LEN, HB_RAW_MAC_LEN) == 0) {
		*body = len - HB_RAW_MAC_LEN;
		r = 0;
	}
out:
	OPENSSL_cleanse(md, sizeof(md));
	OPENSSL_cleanse(hex, sizeof(hex));
	return r;
}

/*
 * Inflates one complete zlib stream into out (room for HB_MAX_JSON + 1
 * bytes: filling the extra byte means the message is too large).
 */
static int
hb_inflate(const unsigned char *z, size_t zlen, unsigned char *out,
    size_t *outlen)
{
	z_stream zs;
	int rc, r = -HB_EZLIB;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -OCTA_EINTERNAL;
	zs.next_in = (Bytef *)(uintptr_t)z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = out;
	zs.avail_out = HB_MAX_JSON + 1;
	rc = inflate(&zs, Z_FINISH);
	if (zs.total_out > HB_MAX_JSON) {
		r = -HB_ETOOBIG;
		goto out;
	}
	/* One whole stream and nothing after it. */
	if (rc != Z_STREAM_END || zs.avail_in != 0)
		goto out;
	*outlen = zs.total_out;
	r = 0;
out:
	inflateEnd(&zs);
	return r;
}

static bool
is_count(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* {"status": string?, "members": {id: string}?} for every value. */
static bool
pools_ok(json_t *pools)
{
	const char *k, *mk;
	json_t *p, *m, *members;

	if (!json_is_object(pools))
		return false;
	json_object_foreach(pools, k, p) {
		if (!json_is_object(p))
			return false;
		if (json_object_get(p, "status") &&
		    !json_is_string(json_object_get(p, "status")))
			return false;
		members = json_object_get(p, "members");
		if (members == NULL)
			continue;
		if (!json_is_object(members))
			return false;
		json_object_foreach(members, mk, m)
			if (!json_is_string(m))
				return false;
	}
	return true;
}

static bool
listeners_ok(json_t *listeners)
{
	static const char *const counters[] = { "tx", "rx", "conns",
		"totconns", "ereq" };
	const char *k;
	json_t *l, *st, *v;
	size_t i;

	if (!json_is_object(listeners))
		return false;
	json_object_foreach(listeners, k, l) {
		if (!json_is_object(l))
			return false;
		v = json_object_get(l, "status");
		if (v && !json_is_string(v))
			return false;
		if ((v = json_object_get(l, "pools")) && !pools_ok(v))
			return false;
		if ((st = json_object_get(l, "stats")) == NULL)
			continue;
		if (!json_is_object(st))
			return false;
		for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
			v = json_object_get(st, counters[i]);
			if (v && !is_count(v))
				return false;
		}
	}
	return true;
}

static bool
shape_ok(json_t *m)
{
	json_t *ver, *pools;

	if (!json_is_object(m))
		return false;
	if (!uuid_valid(json_string_value(json_object_get(m, "id"))))
		return false;
	if (!is_count(json_object_get(m, "seq")))
		return false;
	ver = json_object_get(m, "ver");
	if (ver && !is_count(ver))
		return false;
	if (!listeners_ok(json_object_get(m, "listeners")))
		return false;
	pools = json_object_get(m, "pools");
	if (pools == NULL)
		return ver == NULL || json_integer_value(ver) < 2;
	return pools_ok(pools);
}

int
heartbeat_decode(const void *pkt, size_t len, const char *key,
    json_t **msg)
{
	unsigned char *text = NULL;
	size_t body = 0, tlen = 0;
	json_t *m = NULL;
	int r = -HB_ENOKEY;

	if (key == NULL || *key == '\0')
		goto out;
	r = -HB_ESIZE;
	if (pkt == NULL || len <= HB_RAW_MAC_LEN || len > HB_MAX_PACKET)
		goto out;
	if ((r = hb_verify(pkt, len, key, &body)) < 0)
		goto out;
	text = xmalloc(HB_MAX_JSON + 1);
	if ((r = hb_inflate(pkt, body, text, &tlen)) < 0)
		goto out;
	r = -HB_EJSON;
	m = json_loadb((const char *)text, tlen, JSON_REJECT_DUPLICATES, NULL);
	if (m == NULL)
		goto out;
	r = -HB_ESHAPE;
	if (!shape_ok(m))
		goto out;
	*msg = m;
	m = NULL;
	r = 0;
out:
	json_decref(m);
	free(text);
	return r;
}
