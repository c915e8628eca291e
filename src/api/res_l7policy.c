/*
 * res_l7policy.c - /l7policies: create, show, list, update and delete of
 * L7 policies, and Octavia's two URL checks (validate.url for redirect
 * targets, validate.url_path for health monitors), which follow the
 * rfc3986 library Octavia uses.
 *
 * Octavia's sanitising of the redirect arguments is kept literally
 * (sanitize()): the action decides which redirect fields survive, and a
 * redirect target given without a matching action implies its action.
 *
 * Positions are dense, 1..N per listener, and are renumbered inside the
 * API's transaction: a new or moved policy goes to its requested position
 * (clamped to the end of the list) and the others shift around it; a
 * deleted policy leaves the numbering at once, though its row stays
 * PENDING_DELETE until the worker removes it (with its rules).
 *
 * Runs on the API role's event loop, inside the request's transaction.
 */
#include <arpa/inet.h>
#include <string.h>

#include "api.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

#define L7P model_resource(RES_L7POLICY)
#define L7R model_resource(RES_L7RULE)
#define LISTENER model_resource(RES_LISTENER)
#define POOL model_resource(RES_POOL)
#define LB model_resource(RES_LOADBALANCER)

#define MAX_POSITION 2147483647LL
#define MAX_RULES 50

/* ---- URLs, as rfc3986 1.5 and octavia.common.validate see them ---- */

static bool
c_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
c_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
c_hex(int c)
{
	return c_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
c_unreserved(int c)
{
	return c_alpha(c) || c_digit(c) || (c != '\0' && strchr("._~-", c));
}

static bool
c_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* "%XX" at s[i] within n bytes. */
static bool
pct_at(const char *s, size_t n, size_t i)
{
	return i + 2 < n && s[i] == '%' && c_hex(s[i + 1]) && c_hex(s[i + 2]);
}

/* The pieces rfc3986's URI_MATCHER splits a reference into. */
struct uri {
	bool has_scheme;
	const char *scheme;
	size_t scheme_len;
	bool has_auth;
	const char *auth;
	size_t auth_len;
	const char *path;
	size_t path_len;
};

static void
uri_split(const char *s, struct uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	if (c_alpha(*p)) {
		for (q = p + 1; c_alpha(*q) || c_digit(*q) || *q == '+' ||
		    *q == '.' || *q == '-'; q++)
			;
		if (*q == ':') {
			u->has_scheme = true;
			u->scheme = p;
			u->scheme_len = (size_t)(q - p);
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		u->has_auth = true;
		u->auth = p + 2;
		u->auth_len = strcspn(u->auth, "\\/?#");
		p = u->auth + u->auth_len;
	}
	u->path = p;
	u->path_len = strcspn(p, "?#");
}

/* ZONE_ID: 1*( unreserved / pct-encoded ) */
static bool
zone_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return false;
	while (i < n) {
		if (c_unreserved(s[i]))
			i++;
		else if (pct_at(s, n, i))
			i += 3;
		else
			return false;
	}
	return true;
}

/*
 * The inside of "[...]": IPvFuture, or IPv6 with an optional zone.
 * *strict is false for a zone written "%zone" rather than "%25zone",
 * which the authority matcher takes but host validation then refuses.
 * (inet_pton stands in for rfc3986's IPv6 expression.)
 */
static bool
ip_literal_ok(const char *s, size_t n, bool *strict)
{
	char addr[64];
	const char *pct;
	size_t i, alen;

	*strict = true;
	if (n > 0 && s[0] == 'v') {
		for (i = 1; i < n && c_hex(s[i]); i++)
			;
		if (i == 1 || i >= n || s[i] != '.' || i + 1 == n)
			return false;
		for (i++; i < n; i++)
			if (!c_unreserved(s[i]) && !c_subdelim(s[i]) &&
			    s[i] != ':')
				return false;
		return true;
	}
	pct = memchr(s, '%', n);
	alen = pct ? (size_t)(pct - s) : n;
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	{
		unsigned char bin[16];

		if (inet_pton(AF_INET6, addr, bin) != 1)
			return false;
	}
	if (pct == NULL)
		return true;
	i = alen + 1;
	if (n - i > 2 && s[i] == '2' && s[i + 1] == '5' &&
	    zone_ok(s + i + 2, n - i - 2))
		return true;
	*strict = false;
	return zone_ok(s + i, n - i);
}

/* ([0-9]{1,3}\.){3}[0-9]{1,3} with an octet over 255. */
static bool
bad_ipv4(const char *s, size_t n)
{
	size_t i = 0;
	int part, digits, val;
	bool over = false;

	for (part = 0; part < 4; part++) {
		for (digits = 0, val = 0; i < n && c_digit(s[i]) && digits < 4;
		    i++, digits++)
			val = val * 10 + (s[i] - '0');
		if (digits < 1 || digits > 3)
			return false;
		if (val > 255)
			over = true;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == n && over;
}

struct authority {
	bool userinfo;		/* present (then never empty) */
	size_t host_len;
	bool port;		/* present (then never empty) */
	bool strict_zone;	/* no "%zone" IPv6 literal */
};

/*
 * rfc3986's SUBAUTHORITY_MATCHER, [userinfo "@"] host [":"] [port], and
 * its IPv4 octet check; false where it would raise InvalidAuthority.
 */
static bool
authority_parse(const char *a, size_t n, struct authority *au)
{
	const char *at = memchr(a, '@', n);
	size_t i = 0, d;

	memset(au, 0, sizeof(*au));
	au->strict_zone = true;
	if (at) {
		size_t k = (size_t)(at - a);

		if (k == 0)
			return false;
		while (i < k) {
			if (c_unreserved(a[i]) || c_subdelim(a[i]) ||
			    a[i] == ':')
				i++;
			else if (pct_at(a, k, i))
				i += 3;
			else
				return false;
		}
		au->userinfo = true;
		i = k + 1;
	}
	if (i < n && a[i] == '[') {
		const char *close = memchr(a + i, ']', n - i);

		if (close == NULL || !ip_literal_ok(a + i + 1,
		    (size_t)(close - a) - i - 1, &au->strict_zone))
			return false;
		au->host_len = (size_t)(close - a) + 1 - i;
		i = (size_t)(close - a) + 1;
	} else {
		size_t h = i;

		while (i < n) {
			if (c_unreserved(a[i]) || c_subdelim(a[i]))
				i++;
			else if (pct_at(a, n, i))
				i += 3;
			else
				break;
		}
		au->host_len = i - h;
		if (bad_ipv4(a + h, i - h))
			return false;
	}
	if (i < n && a[i] == ':')
		i++;
	if (i < n) {
		for (d = 0; i + d < n && c_digit(a[i + d]); d++)
			;
		if (d == 0 || d > 5 || i + d != n)
			return false;
		au->port = true;
	}
	return true;
}

/* rfc3986 keeps '[' and ']' unencoded, and its path expression refuses them. */
static bool
path_ok(const struct uri *u)
{
	return memchr(u->path, '[', u->path_len) == NULL &&
	    memchr(u->path, ']', u->path_len) == NULL;
}

bool
api_url_valid(const char *s)
{
	const unsigned char *p;
	struct authority au;
	struct uri u;

	/* Octavia's INVALID_URL_CHARS_RE: [\x00-\x20\x7f-\x9f] */
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return false;
	uri_split(s, &u);
	if (!u.has_scheme || !((u.scheme_len == 4 &&
	    strncmp(u.scheme, "http", 4) == 0) || (u.scheme_len == 5 &&
	    strncmp(u.scheme, "https", 5) == 0)))
		return false;
	/* host required: an authority that parses */
	if (!u.has_auth || u.auth_len == 0 ||
	    !authority_parse(u.auth, u.auth_len, &au) || !au.strict_zone)
		return false;
	return path_ok(&u);
}

/* Python's \s, and (stricter than Octavia) every control character. */
static bool
space_or_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;

	while (*p) {
		if (*p < 0x80) {
			cp = *p++;
		} else if ((*p & 0xe0) == 0xc0 && p[1]) {
			cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && p[1] && p[2]) {
			cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
			    (p[2] & 0x3fu);
			p += 3;
		} else {
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
			continue;
		}
		if (cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) ||
		    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
		    cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
		    cp == 0x205f || cp == 0x3000)
			return true;
	}
	return false;
}

bool
api_url_path_valid(const char *s)
{
	struct authority au;
	struct uri u;

	if (space_or_control(s))
		return false;
	uri_split(s, &u);
	if (u.has_scheme || !path_ok(&u))
		return false;
	/* userinfo, host or port: only from an authority that parses */
	if (u.has_auth && u.auth_len > 0 &&
	    authority_parse(u.auth, u.auth_len, &au) &&
	    (au.userinfo || au.host_len > 0 || au.port))
		return false;
	return u.path_len > 0 && u.path[0] == '/';
}

/* ---- helpers ---- */

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
is(json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && strcmp(s, v) == 0;
}

/* Python truthiness of o[k]. */
static bool
truthy(json_t *o, const char *k)
{
	return api_truthy(json_object_get(o, k));
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The row `id` of `res`; 404 "<display> <id> not found." */
static int
load_row(struct api_req *r, const struct resource *res, const char *display,
    const char *id, json_t **out)
{
	int e = repo_get(r->db, res, id ? id : "None", out);

	if (e == -OCTA_ENOTFOUND)
		return api_fail(r, e, "%s %s not found.", display,
		    id ? id : "None");
	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

/* Octavia checks the caller against the owning project: 403. */
static int
authorize(struct api_req *r, json_t *obj)
{
	if (api_can_see(r, str(obj, "project_id")))
		return 0;
	return api_fail(r, OCTA_EFORBIDDEN, "Policy does not allow this "
	    "request to be performed.");
}

static void
set_null(json_t *o, const char *k)
{
	json_object_set_new(o, k, json_null());
}

static int
bad_args(struct api_req *r, const char *msg)
{
	return api_fail(r, OCTA_EINVAL, "Invalid L7 Policy arguments: %s", msg);
}

/*
 * octavia.common.validate.sanitize_l7policy_api_args(), step by step: `p`
 * holds the fields the request gave (all of them on create).
 */
static int
sanitize(struct api_req *r, json_t *p, bool create)
{
	json_t *a = json_object_get(p, "action");

	if (a) {
		const char *act = json_string_value(a);

		if (act && strcmp(act, "REJECT") == 0) {
			set_null(p, "redirect_url");
			set_null(p, "redirect_pool_id");
			json_object_del(p, "redirect_pool");
		} else if (act && strcmp(act, "REDIRECT_TO_URL") == 0) {
			if (!truthy(p, "redirect_url"))
				return bad_args(r, "redirect_url must not be "
				    "None");
			set_null(p, "redirect_pool_id");
			json_object_del(p, "redirect_pool");
		} else if (act && strcmp(act, "REDIRECT_TO_POOL") == 0) {
			if (!truthy(p, "redirect_pool_id") &&
			    !truthy(p, "redirect_pool"))
				return bad_args(r, "redirect_pool_id or "
				    "redirect_pool must not be None");
			set_null(p, "redirect_url");
		} else if (act && strcmp(act, "REDIRECT_PREFIX") == 0) {
			if (!truthy(p, "redirect_prefix"))
				return bad_args(r, "redirect_prefix must not "
				    "be None");
		} else {
			return api_fail(r, OCTA_EINVAL, "Invalid L7 Policy "
			    "action specified: %s", act ? act : "None");
		}
	}
	if ((truthy(p, "redirect_pool_id") || truthy(p, "redirect_pool")) &&
	    (truthy(p, "redirect_url") || truthy(p, "redirect_prefix")))
		return bad_args(r, "Cannot specify redirect_pool_id and "
		    "redirect_url or redirect_prefix at the same time");
	if (truthy(p, "redirect_pool_id") || truthy(p, "redirect_pool")) {
		json_object_set_new(p, "action",
		    json_string("REDIRECT_TO_POOL"));
		set_null(p, "redirect_url");
		set_null(p, "redirect_prefix");
		set_null(p, "redirect_http_code");
	}
	if (truthy(p, "redirect_url")) {
		json_object_set_new(p, "action",
		    json_string("REDIRECT_TO_URL"));
		set_null(p, "redirect_pool_id");
		set_null(p, "redirect_prefix");
		json_object_del(p, "redirect_pool");
		if (!truthy(p, "redirect_http_code"))
			json_object_set_new(p, "redirect_http_code",
			    json_integer(302));
	}
	if (truthy(p, "redirect_prefix")) {
		json_object_set_new(p, "action",
		    json_string("REDIRECT_PREFIX"));
		set_null(p, "redirect_pool_id");
		set_null(p, "redirect_url");
		json_object_del(p, "redirect_pool");
		if (!truthy(p, "redirect_http_code"))
			json_object_set_new(p, "redirect_http_code",
			    json_integer(302));
	}
	if (create && !json_is_string(json_object_get(p, "action")))
		return api_fail(r, OCTA_EINVAL, "Invalid L7 Policy action "
		    "specified: None");
	if (json_object_size(p) == 0)
		return bad_args(r, "Invalid update options");
	return 0;
}

/* The checks WSME makes on the body beyond the field table. */
static int
check_fields(struct api_req *r, json_t *p)
{
	static const char *const urls[] = { "redirect_url", "redirect_prefix",
		NULL };
	static const int codes[] = { 301, 302, 303, 307, 308 };
	const char *const *f;
	json_t *v;
	size_t i;

	for (f = urls; *f; f++) {
		v = json_object_get(p, *f);
		if (json_is_string(v) && !api_url_valid(json_string_value(v)))
			return api_bad_field(r, *f, v, "Value must be a valid "
			    "URL string");
	}
	v = json_object_get(p, "redirect_http_code");
	if (json_is_integer(v)) {
		for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			if (json_integer_value(v) == codes[i])
				return 0;
		return api_bad_field(r, "redirect_http_code", v, "Value should "
		    "be one of: 301, 302, 303, 307, 308");
	}
	return 0;
}

/*
 * Renumbers the listener's policies 1..N in their order, leaving out
 * `skip` (the policy being placed or deleted) and rows waiting for
 * deletion.  With `at` >= 0, index `at` (clamped to the end) is kept for
 * the placed policy and *placed receives its position.
 */
static int
renumber(struct api_req *r, const char *listener_id, const char *skip,
    long long at, long long *placed)
{
	json_t *rows = NULL, *row;
	long long pos = 1, n;
	size_t i;
	int e;

	e = db_query(r->db, "SELECT id, position FROM l7policy WHERE "
	    "listener_id = ? AND id <> ? AND provisioning_status <> "
	    "'PENDING_DELETE' ORDER BY position, created_at, id",
	    json_pack("[ss]", listener_id, skip ? skip : ""), &rows);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	n = (long long)json_array_size(rows);
	if (at > n)
		at = n;
	json_array_foreach(rows, i, row) {
		if ((long long)i == at)
			*placed = pos++;
		if (json_integer_value(json_object_get(row, "position")) !=
		    pos && (e = db_exec(r->db, "UPDATE l7policy SET position = "
		    "? WHERE id = ?", json_pack("[Is]", pos, str(row, "id")),
		    NULL)) < 0) {
			e = api_fail(r, e, "Database error.");
			goto out;
		}
		pos++;
	}
	if (at == n)
		*placed = pos;
	e = 0;
out:
	json_decref(rows);
	return e;
}

/* The redirect pool must be on the listener's LB and project (404). */
static int
check_pool_home(struct api_req *r, json_t *listener, const char *pool_id)
{
	json_t *pool = NULL;
	int e = 0;

	if (pool_id == NULL || repo_get(r->db, POOL, pool_id, &pool) < 0 ||
	    !same_str(str(pool, "loadbalancer_id"), str(listener,
	    "loadbalancer_id")) || !same_str(str(pool, "project_id"),
	    str(listener, "project_id")))
		e = api_fail(r, OCTA_ENOTFOUND, "Pool %s not found.",
		    pool_id ? pool_id : "None");
	json_decref(pool);
	return e;
}

int
api_l7policy_prepare(struct api_req *r, json_t *listener, json_t *policy)
{
	const char *id;
	json_t *pos;
	long long placed = 1;
	int e;

	if (is(listener, "protocol", "PROMETHEUS"))
		return api_fail(r, OCTA_EINVAL, "Protocol PROMETHEUS listeners "
		    "cannot have child objects.");
	if ((e = sanitize(r, policy, true)) < 0)
		return e;
	if (is(policy, "action", "REDIRECT_TO_POOL") &&
	    (e = check_pool_home(r, listener, str(policy,
	    "redirect_pool_id"))) < 0)
		return e;
	api_new_row(r, L7P, policy, str(listener, "project_id"));
	json_object_set(policy, "listener_id", json_object_get(listener, "id"));
	json_object_set(policy, "loadbalancer_id", json_object_get(listener,
	    "loadbalancer_id"));
	id = str(policy, "id");
	pos = json_object_get(policy, "position");
	if ((e = renumber(r, str(listener, "id"), id, (json_is_integer(pos) ?
	    json_integer_value(pos) : MAX_POSITION) - 1, &placed)) < 0)
		return e;
	json_object_set_new(policy, "position", json_integer(placed));
	return 0;
}

/* The listener and LB of a policy, and the caller's right to them. */
static int
load_parents(struct api_req *r, const char *listener_id, json_t **listener,
    json_t **lb)
{
	int e;

	if ((e = load_row(r, LISTENER, LISTENER->display, listener_id,
	    listener)) < 0)
		return e;
	if ((e = load_row(r, LB, LB->display, str(*listener,
	    "loadbalancer_id"), lb)) < 0)
		return e;
	return authorize(r, *lb);
}

/* Policy pool given by id: it exists and suits the listener (404/400). */
static int
check_redirect_pool(struct api_req *r, json_t *listener, const char *pool_id)
{
	json_t *pool = NULL;
	int e;

	if ((e = load_row(r, POOL, POOL->display, pool_id, &pool)) < 0)
		return e;
	if (!api_protocols_compatible(str(listener, "protocol"), str(pool,
	    "protocol")))
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The pool "
		    "protocol '%s' is invalid while the listener protocol is "
		    "'%s'.", str(pool, "protocol"), str(listener, "protocol"));
	json_decref(pool);
	return e;
}

/* Rules given in a plain POST body: created as in a graph create. */
static int
create_rules(struct api_req *r, json_t *policy, json_t *rules)
{
	json_t *in, *rule;
	size_t i;
	int e;

	json_array_foreach(rules, i, in) {
		rule = NULL;
		if ((e = api_validate(r, L7R, in, OP_CREATE, &rule)) < 0)
			return e;
		if ((e = api_l7rule_prepare(r, policy, rule)) < 0 ||
		    (e = api_quota(r, str(policy, "project_id"), Q_L7RULE,
		    1)) < 0) {
			json_decref(rule);
			return e;
		}
		e = repo_insert(r->db, L7R, rule);
		json_decref(rule);
		if (e < 0)
			return api_fail(r, e, e == -OCTA_ECONFLICT ? "Already "
			    "an entity with that specified id." :
			    "Database error.");
	}
	return 0;
}

static const char *const post_nullable[] = { "listener_id", "action",
	NULL };
static const char *const put_nullable[] = { "action", NULL };

static int
l7p_post(struct api_req *r)
{
	json_t *in, *pol = NULL, *listener = NULL, *lb = NULL, *rules = NULL;
	const char *proto;
	char id[UUID_STR_LEN];
	int e;

	if ((e = api_body_root(r, "l7policy", &in)) < 0)
		return e;
	if ((e = api_validate_nullable(r, L7P, in, OP_CREATE, post_nullable,
	    &pol)) < 0)
		return e;
	if ((e = check_fields(r, pol)) < 0)
		goto out;
	rules = json_incref(json_object_get(pol, "rules"));
	json_object_del(pol, "rules");
	if (rules && !json_is_null(rules) && !json_is_array(rules)) {
		e = api_bad_field(r, "rules", rules, "Value not a valid list");
		goto out;
	}
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = load_parents(r, str(pol, "listener_id"), &listener,
	    &lb)) < 0)
		goto out;
	proto = str(listener, "protocol");
	if (proto && strcmp(proto, "PROMETHEUS") == 0) {
		e = api_fail(r, OCTA_EINVAL, "Protocol PROMETHEUS listeners "
		    "cannot have child objects.");
		goto out;
	}
	if (str(pol, "redirect_pool_id") && (e = check_redirect_pool(r,
	    listener, str(pol, "redirect_pool_id"))) < 0)
		goto out;
	if ((e = api_quota(r, str(lb, "project_id"), Q_L7POLICY, 1)) < 0)
		goto out;
	if (!json_is_string(json_object_get(pol, "id"))) {
		uuid_new(id);
		json_object_set_new(pol, "id", json_string(id));
	}
	if ((e = sanitize(r, pol, true)) < 0)
		goto out;
	if (json_array_size(rules) > MAX_RULES) {
		e = api_fail(r, OCTA_ECONFLICT, "Too many rules on L7 policy "
		    "%s", str(pol, "id"));
		goto out;
	}
	if ((e = api_lock_lb(r, str(lb, "id"))) < 0 ||
	    (e = api_mark_pending(r, LISTENER, str(listener, "id"))) < 0 ||
	    (e = api_l7policy_prepare(r, listener, pol)) < 0)
		goto out;
	if ((e = repo_insert(r->db, L7P, pol)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity "
		    "with that specified id." : "Database error.");
		goto out;
	}
	if (json_is_array(rules) && (e = create_rules(r, pol, rules)) < 0)
		goto out;
	/* The amphora provider's own check, made when it gets the policy. */
	if (proto == NULL || (strcmp(proto, "HTTP") != 0 &&
	    strcmp(proto, "TERMINATED_HTTPS") != 0)) {
		e = api_fail(r, OCTA_ENOTIMPL, "Provider '%s' does not support "
		    "a requested option: %s protocol listeners do not support "
		    "L7 policies", str(lb, "provider") ? str(lb, "provider") :
		    "octavia", proto ? proto : "None");
		goto out;
	}
	if ((e = api_submit(r, "l7policy.create", str(pol, "id"), str(lb,
	    "id"), NULL)) < 0)
		goto out;
	api_decorate(r, L7P, pol);
	api_reply_obj(r, 201, L7P, pol);
out:
	json_decref(pol);
	json_decref(listener);
	json_decref(lb);
	json_decref(rules);
	return e;
}

static int
l7p_get_one(struct api_req *r)
{
	json_t *pol;
	int e;

	if ((e = api_load(r, L7P, r->args[0], &pol)) < 0)
		return e;
	api_reply_obj(r, 200, L7P, pol);
	json_decref(pol);
	return 0;
}

static int
l7p_get_all(struct api_req *r)
{
	return api_list(r, L7P, NULL, NULL);
}

/* What the repository's update clears for the (new) action. */
static void
clear_for_action(json_t *ch)
{
	const char *act = str(ch, "action");

	if (act == NULL)
		return;
	if (strcmp(act, "REJECT") == 0) {
		set_null(ch, "redirect_url");
		set_null(ch, "redirect_pool_id");
		set_null(ch, "redirect_prefix");
		set_null(ch, "redirect_http_code");
	} else if (strcmp(act, "REDIRECT_TO_URL") == 0) {
		set_null(ch, "redirect_pool_id");
		set_null(ch, "redirect_prefix");
	} else if (strcmp(act, "REDIRECT_TO_POOL") == 0) {
		set_null(ch, "redirect_url");
		set_null(ch, "redirect_prefix");
		set_null(ch, "redirect_http_code");
	} else if (strcmp(act, "REDIRECT_PREFIX") == 0) {
		set_null(ch, "redirect_url");
		set_null(ch, "redirect_pool_id");
	}
}

static int
l7p_put(struct api_req *r)
{
	json_t *in, *ch = NULL, *pol = NULL, *listener = NULL, *lb = NULL;
	json_t *pos;
	long long placed;
	int e;

	if ((e = api_body_root(r, "l7policy", &in)) < 0)
		return e;
	if ((e = api_validate_nullable(r, L7P, in, OP_UPDATE, put_nullable,
	    &ch)) < 0)
		return e;
	if ((e = check_fields(r, ch)) < 0 ||
	    (e = api_txn_begin(r)) < 0 ||
	    (e = load_row(r, L7P, L7P->display, r->args[0], &pol)) < 0 ||
	    (e = load_parents(r, str(pol, "listener_id"), &listener,
	    &lb)) < 0 ||
	    (e = sanitize(r, ch, false)) < 0)
		goto out;
	if (str(ch, "redirect_pool_id") && (e = check_redirect_pool(r,
	    listener, str(ch, "redirect_pool_id"))) < 0)
		goto out;
	if ((e = api_lock_lb(r, str(lb, "id"))) < 0 ||
	    (e = api_mark_pending(r, LISTENER, str(listener, "id"))) < 0)
		goto out;
	if (is(ch, "action", "REDIRECT_TO_POOL") &&
	    (e = check_pool_home(r, listener, str(ch,
	    "redirect_pool_id"))) < 0)
		goto out;
	clear_for_action(ch);
	pos = json_incref(json_object_get(ch, "position"));
	json_object_del(ch, "position");
	if (json_is_integer(pos) && json_integer_value(pos) !=
	    json_integer_value(json_object_get(pol, "position"))) {
		e = renumber(r, str(listener, "id"), r->args[0],
		    json_integer_value(pos) - 1, &placed);
		if (e == 0)
			json_object_set_new(ch, "position",
			    json_integer(placed));
	}
	json_decref(pos);
	if (e < 0)
		goto out;
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, L7P, r->args[0], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "l7policy.update", r->args[0], str(lb, "id"),
	    NULL)) < 0)
		goto out;
	json_decref(pol);
	pol = NULL;
	if ((e = api_load(r, L7P, r->args[0], &pol)) < 0)
		goto out;
	api_reply_obj(r, 200, L7P, pol);
out:
	json_decref(ch);
	json_decref(pol);
	json_decref(listener);
	json_decref(lb);
	return e;
}

static int
l7p_delete(struct api_req *r)
{
	json_t *pol = NULL, *listener = NULL, *lb = NULL;
	long long unused;
	int e;

	if ((e = api_txn_begin(r)) < 0 ||
	    (e = load_row(r, L7P, L7P->display, r->args[0], &pol)) < 0 ||
	    (e = load_parents(r, str(pol, "listener_id"), &listener,
	    &lb)) < 0 ||
	    (e = api_lock_lb(r, str(lb, "id"))) < 0 ||
	    (e = api_mark_pending(r, LISTENER, str(listener, "id"))) < 0)
		goto out;
	e = svc_set_status(r->db, L7P, r->args[0], PROV_PENDING_DELETE, NULL);
	/* The rules go with their policy. */
	if (e == 0)
		e = db_exec(r->db, "UPDATE l7rule SET provisioning_status = "
		    "'PENDING_DELETE' WHERE l7policy_id = ?",
		    json_pack("[s]", r->args[0]), NULL);
	if (e < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = renumber(r, str(listener, "id"), r->args[0], -1,
	    &unused)) < 0)
		goto out;
	if ((e = api_submit(r, "l7policy.delete", r->args[0], str(lb, "id"),
	    NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(pol);
	json_decref(listener);
	json_decref(lb);
	return e;
}

const struct api_route api_routes_l7policy[] = {
	{ M_GET, "/l7policies", l7p_get_all,
	    "os_load-balancer_api:l7policy:get_all" },
	{ M_POST, "/l7policies", l7p_post,
	    "os_load-balancer_api:l7policy:post" },
	{ M_GET, "/l7policies/{}", l7p_get_one,
	    "os_load-balancer_api:l7policy:get_one" },
	{ M_PUT, "/l7policies/{}", l7p_put,
	    "os_load-balancer_api:l7policy:put" },
	{ M_DELETE, "/l7policies/{}", l7p_delete,
	    "os_load-balancer_api:l7policy:delete" },
	{ 0, NULL, NULL, NULL },
};
