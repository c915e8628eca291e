/*
 * util.h - small helpers every layer uses: UUIDs, UTC timestamps, strict
 * number parsing, IP address checks.
 */
#ifndef OCTA_UTIL_H
#define OCTA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 37	/* 36 characters and the NUL */

/* A random (version 4) UUID in canonical lower-case form. */
void uuid_new(char out[UUID_STR_LEN]);
/* True for 32 hex digits, with or without the canonical dashes. */
bool uuid_valid(const char *s);
/* Canonical lower-case dashed form of a valid UUID; false if invalid. */
bool uuid_canon(const char *s, char out[UUID_STR_LEN]);

#define TIME_STR_LEN 20	/* "YYYY-MM-DDTHH:MM:SS" and the NUL */
void time_iso(int64_t t, char out[TIME_STR_LEN]);
void time_now_iso(char out[TIME_STR_LEN]);
/* Wall-clock seconds and monotonic milliseconds. */
int64_t time_now(void);
int64_t time_mono_ms(void);

/* Whole-string decimal parse; false on junk, overflow or empty input. */
bool parse_ll(const char *s, long long *out);
/* oslo's bool_from_string: true/yes/on/1/y/t (any case) is true. */
bool parse_bool_str(const char *s);

/* IPv4/IPv6 literal checks; family is 4 or 6 on success. */
bool ip_valid(const char *s, int *family);
/* Normalise "10.0.0.7/24" to "10.0.0.0/24"; false if not a CIDR. */
bool cidr_normalise(const char *s, char *out, size_t outlen, int *family);

#endif
