/* util.c - UUIDs, time, number and address parsing; see util.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "util.h"
#include "log.h"

void
uuid_new(char out[UUID_STR_LEN])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		fatal("RAND_bytes failed");
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, UUID_STR_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
}

bool
uuid_canon(const char *s, char out[UUID_STR_LEN])
{
	char hex[33];
	size_t n = 0, i;

	if (s == NULL)
		return false;
	if (strlen(s) == 36) {
		for (i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				if (s[i] != '-')
					return false;
				continue;
			}
			if (!isxdigit((unsigned char)s[i]))
				return false;
			hex[n++] = (char)tolower((unsigned char)s[i]);
		}
	} else if (strlen(s) == 32) {
		for (i = 0; i < 32; i++) {
			if (!isxdigit((unsigned char)s[i]))
				return false;
			hex[n++] = (char)tolower((unsigned char)s[i]);
		}
	} else {
		return false;
	}
	hex[32] = '\0';
	snprintf(out, UUID_STR_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
	return true;
}

bool
uuid_valid(const char *s)
{
	char tmp[UUID_STR_LEN];

	return uuid_canon(s, tmp);
}

void
time_iso(int64_t t, char out[TIME_STR_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, TIME_STR_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
}

void
time_now_iso(char out[TIME_STR_LEN])
{
	time_iso(time_now(), out);
}

int64_t
time_now(void)
{
	return (int64_t)time(NULL);
}

int64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool
parse_bool_str(const char *s)
{
	static const char *const yes[] = { "1", "t", "true", "on", "y",
		"yes" };
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return true;
	return false;
}

bool
ip_valid(const char *s, int *family)
{
	unsigned char b[16];

	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, b) == 1) {
		if (family)
			*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		if (family)
			*family = 6;
		return true;
	}
	return false;
}

bool
cidr_normalise(const char *s, char *out, size_t outlen, int *family)
{
	char addr[64], txt[INET6_ADDRSTRLEN];
	unsigned char b[16];
	const char *slash;
	long long plen;
	int af, bits, i;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (!parse_ll(slash + 1, &plen))
		return false;
	if (inet_pton(AF_INET, addr, b) == 1) {
		af = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, b) == 1) {
		af = AF_INET6;
		bits = 128;
	} else {
		return false;
	}
	if (plen < 0 || plen > bits)
		return false;
	for (i = 0; i < bits / 8; i++) {
		int keep = (int)plen - i * 8;

		if (keep >= 8)
			continue;
		b[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
	inet_ntop(af, b, txt, sizeof(txt));
	if ((size_t)snprintf(out, outlen, "%s/%lld", txt, plen) >= outlen)
		return false;
	if (family)
		*family = af == AF_INET ? 4 : 6;
	return true;
}
