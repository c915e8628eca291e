/*
 * heartbeat.h - the amphora heartbeat envelope, as Octavia sends it: the
 * JSON message compressed with zlib (level 9), followed by
 * HMAC-SHA256(key, compressed bytes) written as 64 lowercase hex
 * characters.  Old amphorae append the 32 raw digest bytes instead; the
 * decoder accepts both.  Compiled by both ends: octa-agent encodes, the
 * health role decodes.
 */
#ifndef OCTA_HEARTBEAT_H
#define OCTA_HEARTBEAT_H

#include <jansson.h>
#include <stddef.h>

#include "../common/buf.h"

#define HB_MAX_PACKET (64 * 1024)	/* a UDP datagram, at most */
#define HB_MAX_JSON (64 * 1024)		/* decompressed, at most */
#define HB_HEX_MAC_LEN 64
#define HB_RAW_MAC_LEN 32

/*
 * Decoder errors, returned negated.  They start above the OCTA_E* codes so
 * the two sets never collide in a log line.
 */
#define HB_ERR_MAP(XX)                                                  \
	XX(NOKEY, "no heartbeat key configured")                        \
	XX(SIZE, "packet too short or too long")                        \
	XX(MAC, "HMAC does not match")                                  \
	XX(ZLIB, "not a complete zlib stream")                          \
	XX(TOOBIG, "decompressed message too large")                    \
	XX(JSON, "not JSON")                                            \
	XX(SHAPE, "JSON is not a heartbeat message")

enum hb_err {
	HB_E_BASE = 100,
#define XX(name, text) HB_E##name,
	HB_ERR_MAP(XX)
#undef XX
	HB_E_MAX
};

/* Short text of a -HB_E* (or -OCTA_E*) code, for logs. */
const char *heartbeat_strerror(int err);

/*
 * Appends the envelope of `msg` to `out`.  An empty key is refused
 * (-HB_ENOKEY): Octavia's receiver drops everything when no key is set,
 * so a sender without one has nothing useful to send.
 */
int heartbeat_encode(const json_t *msg, const char *key, struct buf *out);

/*
 * Appends the envelope of arbitrary bytes (compress + hex MAC).  For
 * senders that already hold JSON text, and for tests that need a
 * correctly signed envelope around bad content.
 */
int heartbeat_seal(const void *data, size_t len, const char *key,
    struct buf *out);

/*
 * Verifies and opens a packet.  On success *msg is a new reference to a
 * message of this shape (anything else is -HB_ESHAPE):
 *   id         string, a UUID
 *   seq        integer >= 0
 *   ver        integer >= 0; may be absent (pre-versioning amphorae)
 *   listeners  object of objects; "status" a string, "stats" an object
 *              whose tx/rx/conns/totconns/ereq are integers >= 0
 *   pools      object of {"status": string, "members": {id: string}};
 *              required from ver 2 on (v1 nests pools in listeners)
 * The MAC is checked before anything else is looked at, in constant time.
 * Decompression stops at HB_MAX_JSON bytes (-HB_ETOOBIG).
 */
int heartbeat_decode(const void *pkt, size_t len, const char *key,
    json_t **msg);

#endif
