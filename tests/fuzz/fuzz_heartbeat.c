/*
 * fuzz_heartbeat.c - libFuzzer target for heartbeat_decode().
 *
 * The first input byte picks what the rest is: odd, a raw UDP packet
 * (exercises size and MAC checks); even, message text that is sealed
 * with the key first, so decompression, JSON parsing and the shape checks
 * see attacker-chosen content behind a valid MAC.  The cmocka case
 * test_fuzz (tests/unit/test_wire_heartbeat.c) runs a fixed-seed version
 * of this in every CI run; this target is for longer runs by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *       tests/fuzz/fuzz_heartbeat.c src/wire/heartbeat.c \
 *       src/common/buf.c src/common/errors.c src/common/log.c \
 *       src/common/util.c src/common/xalloc.c \
 *       -ljansson -lssl -lcrypto -lz -o /tmp/fuzz_heartbeat
 *   /tmp/fuzz_heartbeat -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/common/buf.h"
#include "../../src/wire/heartbeat.h"

#define KEY "fuzz-key"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *msg = NULL;
	struct buf b;
	int r;

	if (size == 0)
		return 0;
	buf_init(&b, 0);
	if (data[0] & 1)
		r = heartbeat_decode(data + 1, size - 1, KEY, &msg);
	else if (heartbeat_seal(data + 1, size - 1, KEY, &b) == 0)
		r = heartbeat_decode(b.p, b.len, KEY, &msg);
	else
		r = -1;
	if (r == 0 && !json_is_object(msg))
		abort();
	if (r != 0 && msg != NULL)
		abort();
	json_decref(msg);
	buf_free(&b);
	return 0;
}
