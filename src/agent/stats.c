/*
 * stats.c - HAProxy statistics CSV -> heartbeat listeners and pools; see
 * stats.h.  Pure; run by the heartbeat thread and the unit tests.
 *
 * The CSV is HAProxy's: a "# " header naming the columns, one row per
 * proxy or server, fields quoted with '"' (and '""' inside) when they hold
 * a comma.  Columns are found by name, so HAProxy adding columns changes
 * nothing.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "../common/errors.h"

#define FIELD_MAX 256

enum col {
	C_PXNAME, C_SVNAME, C_SCUR, C_STOT, C_BIN, C_BOUT, C_EREQ, C_STATUS,
	C_WEIGHT, C_COUNT
};

static const char *const col_names[C_COUNT] = {
	"pxname", "svname", "scur", "stot", "bin", "bout", "ereq", "status",
	"weight"
};

struct row {
	char v[C_COUNT][FIELD_MAX];
};

/*
 * Reads the CSV field at *p (up to `end`, the end of the line) into out,
 * truncated to FIELD_MAX - 1 bytes, and moves *p past its comma; *more
 * turns false when the field was the line's last.
 */
static void
next_field(const char **p, const char *end, bool *more,
    char out[FIELD_MAX])
{
	const char *s = *p;
	size_t o = 0;

	if (s < end && *s == '"') {
		s++;
		while (s < end) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (o < FIELD_MAX - 1)
				out[o++] = *s;
			s++;
		}
		while (s < end && *s != ',')
			s++;
	} else {
		while (s < end && *s != ',') {
			if (o < FIELD_MAX - 1)
				out[o++] = *s;
			s++;
		}
	}
	out[o] = '\0';
	*more = s < end;
	*p = s < end ? s + 1 : end;
}

/* The end of the line at p (its '\n', '\r' or the end of the text). */
static const char *
line_end(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

static long long
num(const char *s)
{
	char *e;
	long long v;

	if (s[0] == '\0')
		return 0;
	v = strtoll(s, &e, 10);
	if (*e != '\0' || v < 0)
		return 0;
	return v;
}

/* Δ of one counter; stores the new absolute value. */
static long long
delta(json_t *lc, const char *key, long long cur)
{
	long long last = json_integer_value(json_object_get(lc, key));
	long long d = cur - last;

	json_object_set_new(lc, key, json_integer(cur));
	return d < 0 ? cur : d;
}

static int
add_listener(const struct row *rw, json_t *msg, json_t *counters,
    json_t *seen)
{
	const char *id = rw->v[C_PXNAME];
	json_t *lc = json_object_get(counters, id), *l;
	long long rx, tx, tot, ereq;

	if (!json_is_object(lc)) {
		lc = json_object();
		if (json_object_set_new(counters, id, lc) < 0)
			return -OCTA_EINTERNAL;
	}
	rx = delta(lc, "bin", num(rw->v[C_BIN]));
	tx = delta(lc, "bout", num(rw->v[C_BOUT]));
	ereq = delta(lc, "ereq", num(rw->v[C_EREQ]));
	tot = delta(lc, "stot", num(rw->v[C_STOT]));
	l = json_pack("{ss s{sI sI sI sI sI}}", "status", rw->v[C_STATUS],
	    "stats", "tx", (json_int_t)tx, "rx", (json_int_t)rx, "conns",
	    (json_int_t)num(rw->v[C_SCUR]), "totconns", (json_int_t)tot,
	    "ereq", (json_int_t)ereq);
	if (l == NULL ||
	    json_object_set_new(json_object_get(msg, "listeners"), id, l) < 0)
		return -OCTA_EINTERNAL;
	json_object_set_new(seen, id, json_true());
	return 0;
}

static int
add_pool_row(const struct row *rw, json_t *msg)
{
	json_t *pools = json_object_get(msg, "pools"), *p;
	const char *st = rw->v[C_STATUS];

	if (strchr(rw->v[C_PXNAME], ':') == NULL)
		return 0;
	if ((p = json_object_get(pools, rw->v[C_PXNAME])) == NULL) {
		p = json_pack("{s{}}", "members");
		if (p == NULL ||
		    json_object_set_new(pools, rw->v[C_PXNAME], p) < 0)
			return -OCTA_EINTERNAL;
	}
	if (strcmp(rw->v[C_SVNAME], "BACKEND") == 0)
		return json_object_set_new(p, "status", json_string(st)) < 0 ?
		    -OCTA_EINTERNAL : 0;
	/* HAProxy does not always say DRAIN; Octavia spoofs it too. */
	if (strcmp(st, "UP") == 0 && strcmp(rw->v[C_WEIGHT], "0") == 0)
		st = "DRAIN";
	return json_object_set_new(json_object_get(p, "members"),
	    rw->v[C_SVNAME], json_string(st)) < 0 ? -OCTA_EINTERNAL : 0;
}

json_t *
stats_message(const char *amphora_id, long long seq)
{
	return json_pack("{ss sI sI s{} s{}}", "id", amphora_id, "seq",
	    (json_int_t)seq, "ver", (json_int_t)STATS_MSG_VERSION,
	    "listeners", "pools");
}

int
stats_add_csv(const char *csv, size_t len, json_t *msg, json_t *counters,
    json_t *seen)
{
	const char *p = csv, *end = csv + len, *le;
	int idx[C_COUNT], i, k, r;
	char field[FIELD_MAX];
	struct row rw;
	bool more;

	for (k = 0; k < C_COUNT; k++)
		idx[k] = -1;
	/* The header: "# pxname,svname,..." */
	while (p < end && (*p == '\n' || *p == '\r' || *p == '>' ||
	    *p == ' '))
		p++;
	if (end - p < 2 || p[0] != '#' || p[1] != ' ')
		return -OCTA_EINVAL;
	p += 2;
	le = line_end(p, end);
	for (i = 0, more = true; more; i++) {
		next_field(&p, le, &more, field);
		for (k = 0; k < C_COUNT; k++)
			if (strcmp(field, col_names[k]) == 0 && idx[k] < 0)
				idx[k] = i;
	}
	for (k = 0; k < C_COUNT; k++)
		if (idx[k] < 0)
			return -OCTA_EINVAL;
	p = le;
	r = 0;
	while (p < end) {
		while (p < end && (*p == '\n' || *p == '\r'))
			p++;
		if (p >= end)
			break;
		le = line_end(p, end);
		memset(&rw, 0, sizeof(rw));
		for (i = 0, more = true; more; i++) {
			next_field(&p, le, &more, field);
			for (k = 0; k < C_COUNT; k++)
				if (idx[k] == i)
					memcpy(rw.v[k], field,
					    strlen(field) + 1);
		}
		p = le;
		if (rw.v[C_PXNAME][0] == '\0' || rw.v[C_SVNAME][0] == '\0' ||
		    strstr(rw.v[C_PXNAME], "prometheus") != NULL)
			continue;
		if (strcmp(rw.v[C_SVNAME], "FRONTEND") == 0)
			r = add_listener(&rw, msg, counters, seen);
		else
			r = add_pool_row(&rw, msg);
		if (r < 0)
			break;
	}
	return r;
}

void
stats_prune(json_t *counters, const json_t *seen)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(counters, tmp, k, v)
		if (json_object_get(seen, k) == NULL)
			json_object_del(counters, k);
}
