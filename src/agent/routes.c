/*
 * routes.c - the amphora API route table and URL name checks; see
 * routes.h.  Pure; called by the agent's HTTP dispatcher (main thread)
 * and by the unit tests.
 */
#include <ctype.h>
#include <string.h>

#include "routes.h"
#include "../common/errors.h"

#define ROUTE_MAX_SEGS 8

/* A pattern is a list of segments; "*" is a parameter. */
static const struct route {
	enum route_method method;
	enum agent_route_id id;
	const char *segs[ROUTE_MAX_SEGS];
	const char *name;
} routes[] = {
	/* Static segments before parameters at the same depth. */
	{ RM_GET, AR_VERSION, { NULL }, "version" },
	{ RM_GET, AR_INFO, { "1.0", "info" }, "info" },
	{ RM_GET, AR_DETAILS, { "1.0", "details" }, "details" },
	{ RM_GET, AR_LISTENERS, { "1.0", "listeners" }, "listeners" },
	{ RM_PUT, AR_CERT_PUT,
	    { "1.0", "loadbalancer", "*", "certificates", "*" },
	    "cert_upload" },
	{ RM_GET, AR_CERT_GET,
	    { "1.0", "loadbalancer", "*", "certificates", "*" },
	    "cert_md5" },
	{ RM_DELETE, AR_CERT_DELETE,
	    { "1.0", "loadbalancer", "*", "certificates", "*" },
	    "cert_delete" },
	{ RM_PUT, AR_HAPROXY_PUT,
	    { "1.0", "loadbalancer", "*", "*", "haproxy" },
	    "haproxy_upload" },
	{ RM_GET, AR_HAPROXY_GET, { "1.0", "loadbalancer", "*", "haproxy" },
	    "haproxy_get" },
	{ RM_PUT, AR_LB_ACTION, { "1.0", "loadbalancer", "*", "*" },
	    "lb_action" },
	{ RM_DELETE, AR_LB_DELETE, { "1.0", "listeners", "*" },
	    "lb_delete" },
	{ RM_POST, AR_PLUG_NETWORK, { "1.0", "plug", "network" },
	    "plug_network" },
	{ RM_POST, AR_PLUG_VIP, { "1.0", "plug", "vip", "*" }, "plug_vip" },
	{ RM_PUT, AR_OWN_CERT, { "1.0", "certificate" }, "own_cert" },
	{ RM_PUT, AR_CONFIG, { "1.0", "config" }, "config" },
	{ RM_PUT, AR_VRRP_UPLOAD, { "1.0", "vrrp", "upload" },
	    "vrrp_upload" },
	{ RM_PUT, AR_VRRP_ACTION, { "1.0", "vrrp", "*" }, "vrrp_action" },
	{ RM_GET, AR_INTERFACE, { "1.0", "interface", "*" }, "interface" },
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decodes one segment [s, s+n) into out; false if it is empty, too long,
 * badly escaped, or decodes to a '/' or a NUL.
 */
static bool
seg_decode(const char *s, size_t n, char out[ROUTE_PARAM_MAX])
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return false;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || c == '/' || o + 1 >= ROUTE_PARAM_MAX)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

static size_t
pattern_len(const struct route *rt)
{
	size_t n = 0;

	while (n < ROUTE_MAX_SEGS && rt->segs[n] != NULL)
		n++;
	return n;
}

int
route_find(enum route_method method, const char *path,
    struct route_match *m)
{
	char segs[ROUTE_MAX_SEGS][ROUTE_PARAM_MAX];
	const char *p, *slash;
	size_t nsegs = 0, i, k, np;
	bool other_method = false, ok;

	if (path == NULL || path[0] != '/')
		return -OCTA_ENOTFOUND;
	p = path + 1;
	/* "/" has no segments; otherwise every segment must be non-empty. */
	while (*p != '\0') {
		if (nsegs == ROUTE_MAX_SEGS)
			return -OCTA_ENOTFOUND;
		slash = strchr(p, '/');
		k = slash ? (size_t)(slash - p) : strlen(p);
		if (!seg_decode(p, k, segs[nsegs]))
			return -OCTA_ENOTFOUND;
		nsegs++;
		p += k;
		if (*p == '/') {
			p++;
			if (*p == '\0')		/* trailing slash */
				return -OCTA_ENOTFOUND;
		}
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];

		if (pattern_len(rt) != nsegs)
			continue;
		ok = true;
		for (k = 0; k < nsegs && ok; k++)
			if (strcmp(rt->segs[k], "*") != 0 &&
			    strcmp(rt->segs[k], segs[k]) != 0)
				ok = false;
		if (!ok)
			continue;
		if (rt->method != method) {
			other_method = true;
			continue;
		}
		memset(m, 0, sizeof(*m));
		m->id = rt->id;
		for (k = 0, np = 0; k < nsegs; k++) {
			if (strcmp(rt->segs[k], "*") != 0)
				continue;
			if (np == ROUTE_MAX_PARAMS)
				return -OCTA_EINTERNAL;
			memcpy(m->params[np], segs[k], strlen(segs[k]) + 1);
			np++;
		}
		m->nparams = np;
		return 0;
	}
	return other_method ? -OCTA_EMETHOD : -OCTA_ENOTFOUND;
}

const char *
route_name(enum agent_route_id id)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].id == id)
			return routes[i].name;
	return "?";
}

bool
agent_id_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return false;
	return true;
}

bool
agent_cert_name_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) < 5 || n > 255)
		return false;
	if (!isalnum((unsigned char)s[0]) && s[0] != '_')
		return false;
	if (strcmp(s + n - 4, ".pem") != 0 || strstr(s, "..") != NULL)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	return true;
}
