/*
 * render_haproxy.c - the LB tree -> haproxy.cfg; see render_haproxy.h.
 *
 * Called by the worker when it builds an amphora's configuration, and by
 * tests.  Pure: reads the tree and the options, writes the buffer, logs one
 * warning line when it refuses a tree.  Errors are sticky in the render
 * context: the first one is kept, later writes do nothing, and the output
 * buffer is restored before returning.
 *
 * The output follows Octavia's combined_listeners template: global,
 * defaults, peers (ACTIVE_STANDBY), then per enabled TCP-family listener its
 * frontend `<listener_id>` and one backend `<pool_id>:<listener_id>` per
 * enabled pool it uses (the default pool, then the pools of its
 * REDIRECT_TO_POOL policies).  The health role relies on those names.
 * Objects in PENDING_DELETE are left out; objects in ERROR are rendered, as
 * Octavia does.  A disabled LB gets global, defaults and peers only.
 *
 * Every string that comes from the API goes through render_escape.c, or is
 * checked against an enumeration, an address parser or a UUID parser.
 *
 * Where octa differs from Octavia's template, on purpose:
 *  - no `daemon`: HAProxy runs master-worker (-Ws); the stats socket has
 *    `expose-fd listeners` so reloads hand the listening sockets over.
 *  - allowed_cidrs are enforced by HAProxy (`tcp-request connection
 *    reject`), since octa has no security groups.
 *  - L7 actions are written grouped in the order HAProxy runs them
 *    (http-request deny, then redirect, then use_backend; by position
 *    inside each group).  Octavia writes them interleaved, which HAProxy
 *    runs in this same order anyway (and warns about); its L7 guide
 *    documents REJECT > REDIRECT_* > REDIRECT_TO_POOL.
 *  - tls_versions become ssl-min-ver/ssl-max-ver (HAProxy ignores holes in
 *    no-tlsvXX lists the same way); TLS 1.3 names (TLS_*) in tls_ciphers
 *    go to `ciphersuites`, the rest to `ciphers`.
 *  - SOURCE_IP_PORT is supported: `balance hash src,concat(:,txn.sport)`.
 *  - the Host header of HTTP/1.1 checks uses `http-check send hdr Host`
 *    instead of the deprecated "\r\nHost:" suffix of `option httpchk`.
 *  - a value that cannot be written safely (control characters, wrong
 *    type, bad enumeration) fails the render with -OCTA_EINVAL, where
 *    Octavia silently drops an L7 rule (widening its policy) or clears a
 *    redirect URL.  Everything else is escaped for HAProxy's parser,
 *    including '#', '\'' and '"' that Octavia writes raw; an ACL value that
 *    starts with '-' is preceded by `--`.  A rule value in double quotes
 *    (the API's form for values with spaces) loses its quotes, as HAProxy
 *    stripped them from Octavia's configuration.
 *  - FILE_TYPE EQUAL_TO is `path_end <value>` (no `-m str`, which would
 *    compare the whole path).
 *  - a health monitor delay of 0 is written `inter 1s` (HAProxy refuses 0).
 *  - a TERMINATED_HTTPS listener with SNI certificates only still binds
 *    with its crt-list.
 *  - SOURCE_IP stick tables are `type ipv6`, which also holds IPv4.
 *  - a PROMETHEUS listener serves the exporter itself
 *    (`http-request use-service prometheus-exporter` on /metrics, 404
 *    elsewhere) instead of going through Octavia's internal proxy.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render_haproxy.h"
#include "render_escape.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"
#include "../model/model.h"

#define HAPROXY_MAX_MAXCONN 1000000LL
#define MAX_TIMEOUT 2073600000LL
#define MAX_ACL_WORDS 16	/* CIDRs per acl line (HAProxy: 64 words) */
#define MAX_COND_RULES 50	/* API limit; HAProxy: 64 words a line */
#define PATH_MAX_LEN 4096

#define DEFAULT_LOG_FORMAT                                              \
	"{{ project_id }} {{ lb_id }} %f %ci %cp %t %{+Q}r %ST %B %U "  \
	"%[ssl_c_verify] %{+Q}[ssl_c_s_dn] %b %s %Tt %tsc"

struct rctx {
	const struct render_opts *o;
	const json_t *lb;
	const char *lb_id;
	struct buf *b;		/* where directives go */
	int err;		/* first error; sticky */
	const char *what;	/* object being rendered, for the log */
	const char *id;
	bool ext_check;		/* a PING monitor was written */
	bool peers;		/* a peers section is written */
	char peers_name[48];
	struct buf cert_dir;
};

/* ---- errors, context and output ---- */

static void
ctx_obj(struct rctx *c, const char *what, const char *id)
{
	c->what = what;
	c->id = id;
}

static void
fail(struct rctx *c, int err, const char *field)
{
	if (c->err)
		return;
	c->err = err;
	log_warn("haproxy config refused lb=%s %s=%s field=%s err=%s",
	    c->lb_id ? c->lb_id : "-", c->what ? c->what : "loadbalancer",
	    c->id ? c->id : "-", field, octa_err_str(err));
}

static void emit(struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Trusted text only: constants, numbers, checked ids. */
static void
emit(struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (c->err)
		return;
	va_start(ap, fmt);
	r = buf_vprintf(c->b, fmt, ap);
	va_end(ap);
	if (r < 0)
		c->err = r;
}

/* An untrusted string as one word. */
static void
emit_word(struct rctx *c, const char *s, unsigned flags, const char *field)
{
	int r;

	if (c->err)
		return;
	if ((r = render_esc_word(c->b, s, flags)) < 0) {
		if (r == -OCTA_EINVAL)
			fail(c, r, field);
		else
			c->err = r;
	}
}

static void
emit_fetch_arg(struct rctx *c, const char *s, const char *field)
{
	int r;

	if (c->err)
		return;
	if ((r = render_esc_fetch_arg(c->b, s)) < 0) {
		if (r == -OCTA_EINVAL)
			fail(c, r, field);
		else
			c->err = r;
	}
}

/* ---- reading the tree ---- */

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
jbool(const json_t *o, const char *k, bool def)
{
	const json_t *v = json_object_get(o, k);

	if (v == NULL || json_is_null(v))
		return def;
	return json_is_true(v);
}

/*
 * 1 and *out set when `k` holds an integer in min..max, 0 when it is absent
 * or null, 0 and an error for anything else.
 */
static int
jint(struct rctx *c, const json_t *o, const char *k, long long min,
    long long max, long long *out)
{
	const json_t *v = json_object_get(o, k);
	long long n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		fail(c, -OCTA_EINVAL, k);
		return 0;
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		fail(c, -OCTA_EINVAL, k);
		return 0;
	}
	*out = n;
	return 1;
}

static bool
enabled(const json_t *o)
{
	return jbool(o, "admin_state_up", true);
}

static bool
pending_delete(const json_t *o)
{
	const char *s = jstr(o, "provisioning_status");

	return s && strcmp(s, PROV_PENDING_DELETE) == 0;
}

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The object's id, which names sections, servers and ACLs. */
static const char *
obj_id(struct rctx *c, const json_t *o, const char *what)
{
	const char *id = jstr(o, "id");

	if (c->err)
		return NULL;
	ctx_obj(c, what, NULL);
	if (!uuid_valid(id)) {
		fail(c, -OCTA_EINVAL, "id");
		return NULL;
	}
	ctx_obj(c, what, id);
	return id;
}

/* Listener protocols HAProxy serves (UDP and SCTP go to keepalived). */
static bool
tcp_family(const char *proto)
{
	return streq(proto, "TCP") || streq(proto, "HTTP") ||
	    streq(proto, "HTTPS") || streq(proto, "TERMINATED_HTTPS") ||
	    streq(proto, "PROMETHEUS");
}

static bool
http_mode(const char *proto)
{
	return streq(proto, "HTTP") || streq(proto, "TERMINATED_HTTPS") ||
	    streq(proto, "PROMETHEUS");
}

/* Octavia: a limit that is null, 0 or -1 means the configured default. */
static long long
conn_limit(struct rctx *c, const json_t *l)
{
	long long n = 0;

	if (jint(c, l, "connection_limit", -1, 2147483647LL, &n) && n > 0)
		return n;
	return c->o->default_connection_limit;
}

static long long
timeout(struct rctx *c, const json_t *l, const char *k, long long def)
{
	long long n = 0;

	if (jint(c, l, k, 0, MAX_TIMEOUT, &n) && n > 0)
		return n;
	return def;
}

static bool
header_on(const json_t *l, const char *name)
{
	const json_t *h = json_object_get(l, "insert_headers");
	const json_t *v;

	if (!json_is_object(h) || (v = json_object_get(h, name)) == NULL)
		return false;
	if (json_is_true(v))
		return true;
	return json_is_string(v) &&
	    strcasecmp(json_string_value(v), "true") == 0;
}

static const json_t *
find_pool(struct rctx *c, const char *id)
{
	const json_t *pools = json_object_get(c->lb, "pools"), *p;
	size_t i;

	if (id == NULL)
		return NULL;
	json_array_foreach(pools, i, p)
		if (json_is_object(p) && streq(jstr(p, "id"), id) &&
		    !pending_delete(p))
			return p;
	return NULL;
}

/* ---- paths ---- */

static void
set_path(struct rctx *c, struct buf *p, const char *given, const char *fmt,
    const char *arg)
{
	int r;

	buf_reset(p);
	if (given)
		r = buf_adds(p, given);
	else
		r = buf_printf(p, fmt, c->o->state_dir, arg);
	if (r < 0)
		fail(c, r, "path");
}

/* ---- TLS pieces shared by bind and server lines ---- */

static bool
cipher_chars_ok(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-+!:@=_.", *p)))
			return false;
	return true;
}

/* Adds the tokens of `s` that are (or are not) TLS 1.3 suite names. */
static int
cipher_tokens(struct buf *out, const char *s, bool tls13)
{
	const char *p = s, *end;
	size_t n;
	int r = 0;

	while (*p && r == 0) {
		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n > 0 && (strncmp(p, "TLS_", 4) == 0) == tls13) {
			if (out->len > 0)
				r = buf_addc(out, ':');
			if (r == 0)
				r = buf_add(out, p, n);
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return r;
}

static void
emit_ciphers(struct rctx *c, const json_t *o, const char *fallback)
{
	const char *s = jstr(o, "tls_ciphers");
	struct buf part;
	int r, i;

	if (c->err || s == NULL)
		return;
	if (!cipher_chars_ok(s)) {
		log_warn("invalid tls_ciphers in the database, using the "
		    "default lb=%s %s=%s", c->lb_id, c->what, c->id);
		s = fallback;
		if (!cipher_chars_ok(s))
			return;
	}
	buf_init(&part, 4096);
	for (i = 0; i < 2 && c->err == 0; i++) {
		buf_reset(&part);
		if ((r = cipher_tokens(&part, s, i == 1)) < 0) {
			fail(c, r, "tls_ciphers");
			break;
		}
		if (part.len == 0)
			continue;
		emit(c, " %s ", i == 0 ? "ciphers" : "ciphersuites");
		emit_word(c, buf_str(&part), 0, "tls_ciphers");
	}
	buf_free(&part);
}

static void
emit_tls_versions(struct rctx *c, const json_t *o)
{
	static const struct {
		const char *api, *haproxy;
	} vers[] = {
		{ "SSLv3", "SSLv3" }, { "TLSv1", "TLSv1.0" },
		{ "TLSv1.1", "TLSv1.1" }, { "TLSv1.2", "TLSv1.2" },
		{ "TLSv1.3", "TLSv1.3" },
	};
	const json_t *list = json_object_get(o, "tls_versions"), *v;
	int lo = -1, hi = -1, k;
	size_t i;

	if (list == NULL || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		fail(c, -OCTA_EINVAL, "tls_versions");
		return;
	}
	json_array_foreach(list, i, v) {
		for (k = 0; k < (int)ARRAY_SIZE(vers); k++)
			if (streq(json_string_value(v), vers[k].api))
				break;
		if (k == (int)ARRAY_SIZE(vers)) {
			fail(c, -OCTA_EINVAL, "tls_versions");
			return;
		}
		if (lo < 0 || k < lo)
			lo = k;
		if (k > hi)
			hi = k;
	}
	if (lo >= 0)
		emit(c, " ssl-min-ver %s ssl-max-ver %s", vers[lo].haproxy,
		    vers[hi].haproxy);
}

static void
emit_alpn(struct rctx *c, const json_t *o, const char *kw)
{
	const json_t *list = json_object_get(o, "alpn_protocols"), *v;
	size_t i;

	if (list == NULL || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		fail(c, -OCTA_EINVAL, "alpn_protocols");
		return;
	}
	json_array_foreach(list, i, v) {
		if (!model_enum_has(model_alpn_protocols,
		    json_string_value(v))) {
			fail(c, -OCTA_EINVAL, "alpn_protocols");
			return;
		}
		emit(c, "%s%s", i == 0 ? kw : ",", json_string_value(v));
	}
}

/* ` <opt> <path of ref>`. */
static void
emit_cert(struct rctx *c, const char *opt, enum render_cert_kind kind,
    const char *ref)
{
	struct buf p;
	int r;

	if (c->err)
		return;
	if (c->o->cert_path == NULL) {
		fail(c, -OCTA_EINVAL, "certificate (no resolver)");
		return;
	}
	buf_init(&p, PATH_MAX_LEN);
	r = c->o->cert_path(c->o->cert_arg, kind, c->id, ref, &p);
	if (r == 0 && p.len == 0)
		r = -OCTA_EINVAL;
	if (r < 0) {
		fail(c, r, opt);
		goto out;
	}
	emit(c, " %s ", opt);
	if (buf_str(&p)[0] != '/') {
		emit_word(c, buf_str(&c->cert_dir), 0, "cert_dir");
		emit(c, "/");
	}
	emit_word(c, buf_str(&p), 0, opt);
out:
	buf_free(&p);
}

/* ---- global, defaults, peers ---- */

static long long
global_maxconn(struct rctx *c)
{
	const json_t *ls = json_object_get(c->lb, "listeners"), *l;
	long long sum = 0;
	size_t i;

	/* Octavia sums every TCP-family listener, enabled or not. */
	json_array_foreach(ls, i, l) {
		if (!json_is_object(l) || pending_delete(l) ||
		    !tcp_family(jstr(l, "protocol")))
			continue;
		ctx_obj(c, "listener", jstr(l, "id"));
		sum += conn_limit(c, l);
		if (sum >= HAPROXY_MAX_MAXCONN)
			break;
	}
	if (sum > 0 && sum < HAPROXY_MAX_MAXCONN)
		return sum;
	return HAPROXY_MAX_MAXCONN;
}

static void
render_global(struct rctx *c, long long maxconn)
{
	const struct render_opts *o = c->o;
	struct buf p;

	ctx_obj(c, "loadbalancer", c->lb_id);
	buf_init(&p, PATH_MAX_LEN);
	emit(c, "# Configuration for loadbalancer %s\n", c->lb_id);
	if (o->amphora_id && uuid_valid(o->amphora_id))
		emit(c, "# Rendered for amphora %s\n", o->amphora_id);
	emit(c, "global\n");
	if (o->user) {
		emit(c, "    user ");
		emit_word(c, o->user, 0, "user");
		emit(c, "\n");
	}
	if (o->group) {
		emit(c, "    group ");
		emit_word(c, o->group, 0, "group");
		emit(c, "\n");
	}
	if (o->user_log_facility < 0 || o->user_log_facility > 7 ||
	    o->admin_log_facility < 0 || o->admin_log_facility > 7)
		fail(c, -OCTA_EINVAL, "log facility");
	if (o->log_target) {
		emit(c, "    log ");
		emit_word(c, o->log_target, 0, "log_target");
		emit(c, " local%d\n", o->user_log_facility);
	}
	if (o->admin_log_target) {
		emit(c, "    log ");
		emit_word(c, o->admin_log_target, 0, "admin_log_target");
		emit(c, " local%d notice\n", o->admin_log_facility);
	}
	set_path(c, &p, o->stats_socket, "%s/%s.sock", c->lb_id);
	emit(c, "    stats socket ");
	emit_word(c, buf_str(&p), 0, "stats_socket");
	emit(c, " mode 0666 level user expose-fd listeners\n");
	set_path(c, &p, o->server_state_file, "%s/%s/servers-state",
	    c->lb_id);
	emit(c, "    server-state-file ");
	emit_word(c, buf_str(&p), 0, "server_state_file");
	emit(c, "\n");
	emit(c, "    maxconn %lld\n", maxconn);
	if (c->peers && o->peer_name) {
		emit(c, "    localpeer ");
		emit_word(c, o->peer_name, 0, "peer_name");
		emit(c, "\n");
	}
	if (c->ext_check)
		emit(c, "    external-check\n    insecure-fork-wanted\n");
	emit(c, "\n");
	buf_free(&p);
}

static void
render_defaults(struct rctx *c)
{
	emit(c, "defaults\n");
	emit(c, "    %s\n", c->o->connection_logging ? "log global" : "no log");
	emit(c, "    retries 3\n");
	emit(c, "    option redispatch\n");
	emit(c, "    option splice-request\n");
	emit(c, "    option splice-response\n");
	emit(c, "    option http-keep-alive\n");
	emit(c, "\n");
}

static bool
peer_name_ok(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
			return false;
	return true;
}

static void
render_peers(struct rctx *c)
{
	const struct render_opts *o = c->o;
	size_t i;

	if (!c->peers)
		return;
	ctx_obj(c, "loadbalancer", c->lb_id);
	if (o->peer_port < 1 || o->peer_port > 65535)
		fail(c, -OCTA_EINVAL, "peer_port");
	if (o->peer_name && !peer_name_ok(o->peer_name))
		fail(c, -OCTA_EINVAL, "peer_name");
	emit(c, "peers %s\n", c->peers_name);
	for (i = 0; i < o->npeers; i++) {
		if (!peer_name_ok(o->peers[i].name)) {
			fail(c, -OCTA_EINVAL, "peer name");
			return;
		}
		if (!ip_valid(o->peers[i].address, NULL)) {
			fail(c, -OCTA_EINVAL, "peer address");
			return;
		}
		emit(c, "    peer %s %s:%d\n", o->peers[i].name,
		    o->peers[i].address, o->peer_port);
	}
	emit(c, "\n");
}

/* ---- L7 policies ---- */

static bool
rule_live(const json_t *r)
{
	return json_is_object(r) && enabled(r) && !pending_delete(r);
}

static size_t
live_rules(const json_t *p)
{
	const json_t *rules = json_object_get(p, "rules"), *r;
	size_t i, n = 0;

	json_array_foreach(rules, i, r)
		if (rule_live(r))
			n++;
	return n;
}

struct policy {
	const json_t *p;
	const char *id;
	const char *action;
	const json_t *pool;	/* REDIRECT_TO_POOL: the enabled pool */
	long long position;
};

/*
 * The policies that are written, in position order: enabled, not being
 * deleted, with at least one enabled rule and, for REDIRECT_TO_POOL, an
 * enabled pool.  Returns how many; *out is an array the caller frees.
 */
static size_t
active_policies(struct rctx *c, const json_t *l, struct policy **out)
{
	const json_t *ps = json_object_get(l, "l7policies"), *p;
	struct policy *v, t;
	size_t i, j, n = 0;

	*out = NULL;
	if (!json_is_array(ps) || json_array_size(ps) == 0)
		return 0;
	v = xcalloc(json_array_size(ps), sizeof(*v));
	json_array_foreach(ps, i, p) {
		const char *action;
		const json_t *pool = NULL;
		long long pos = 2147483647LL;

		if (!json_is_object(p) || pending_delete(p) || !enabled(p) ||
		    live_rules(p) == 0)
			continue;
		if (obj_id(c, p, "l7policy") == NULL)
			break;
		action = jstr(p, "action");
		if (!model_enum_has(model_l7_actions, action)) {
			fail(c, -OCTA_EINVAL, "action");
			break;
		}
		if (streq(action, "REDIRECT_TO_POOL")) {
			pool = find_pool(c, jstr(p, "redirect_pool_id"));
			if (pool == NULL || !enabled(pool))
				continue;
			/* Its id names the backend. */
			if (obj_id(c, pool, "pool") == NULL)
				break;
			ctx_obj(c, "l7policy", jstr(p, "id"));
		}
		jint(c, p, "position", 0, 2147483647LL, &pos);
		v[n].p = p;
		v[n].id = jstr(p, "id");
		v[n].action = action;
		v[n].pool = pool;
		v[n].position = pos;
		n++;
	}
	/* Insertion sort: stable, and lists are short (API position). */
	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && v[j - 1].position > t.position; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
	if (n == 0 || c->err)
		OCTA_FREE(&v);
	else
		*out = v;
	return c->err ? 0 : n;
}

static const char *
matcher(struct rctx *c, const char *compare_type)
{
	if (streq(compare_type, "REGEX"))
		return "-m reg";
	if (streq(compare_type, "STARTS_WITH"))
		return "-m beg";
	if (streq(compare_type, "ENDS_WITH"))
		return "-m end";
	if (streq(compare_type, "CONTAINS"))
		return "-m sub";
	if (streq(compare_type, "EQUAL_TO"))
		return "-m str";
	fail(c, -OCTA_EINVAL, "compare_type");
	return "";
}

/* The pattern of an ACL line; see the top of the file for the quotes. */
static void
emit_pattern(struct rctx *c, const char *value)
{
	struct buf v;
	size_t n;
	int r;

	if (c->err)
		return;
	if (value == NULL) {
		fail(c, -OCTA_EINVAL, "value");
		return;
	}
	buf_init(&v, 4096);
	n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
		r = buf_add(&v, value + 1, n - 2);
	else
		r = buf_adds(&v, value);
	if (r < 0) {
		fail(c, r, "value");
	} else {
		if (buf_str(&v)[0] == '-')
			emit(c, "-- ");
		emit_word(c, buf_str(&v), 0, "value");
	}
	buf_free(&v);
}

static bool
all_digits(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9' || n >= max)
			return false;
	return true;
}

static void
emit_rule_acl(struct rctx *c, const json_t *rule)
{
	const char *id, *type, *cmp, *key, *value, *m;

	if ((id = obj_id(c, rule, "l7rule")) == NULL)
		return;
	type = jstr(rule, "type");
	cmp = jstr(rule, "compare_type");
	key = jstr(rule, "key");
	value = jstr(rule, "value");
	emit(c, "    acl %s ", id);
	if (streq(type, "SSL_CONN_HAS_CERT")) {
		emit(c, "ssl_c_used\n");
		return;
	}
	if (streq(type, "SSL_VERIFY_RESULT")) {
		if (!all_digits(value, 10))
			fail(c, -OCTA_EINVAL, "value");
		else
			emit(c, "ssl_c_verify eq %s\n", value);
		return;
	}
	m = matcher(c, cmp);
	if (streq(type, "HOST_NAME")) {
		emit(c, "req.hdr(host) -i %s ", m);
	} else if (streq(type, "PATH")) {
		emit(c, "path %s ", m);
	} else if (streq(type, "FILE_TYPE")) {
		if (streq(cmp, "EQUAL_TO"))
			emit(c, "path_end ");
		else
			emit(c, "path_end %s ", m);
	} else if (streq(type, "HEADER") || streq(type, "COOKIE") ||
	    streq(type, "SSL_DN_FIELD")) {
		emit(c, "%s(", streq(type, "HEADER") ? "req.hdr" :
		    streq(type, "COOKIE") ? "req.cook" : "ssl_c_s_dn");
		emit_fetch_arg(c, key, "key");
		emit(c, ") %s ", m);
	} else {
		fail(c, -OCTA_EINVAL, "type");
		return;
	}
	emit_pattern(c, value);
	emit(c, "\n");
}

/* ` if r1 !r2 ...`: the AND of the policy's enabled rules. */
static void
emit_condition(struct rctx *c, const json_t *p)
{
	const json_t *rules = json_object_get(p, "rules"), *r;
	size_t i, n = 0;

	emit(c, " if");
	json_array_foreach(rules, i, r) {
		if (!rule_live(r))
			continue;
		if (++n > MAX_COND_RULES) {
			fail(c, -OCTA_EINVAL, "rules (too many)");
			return;
		}
		emit(c, " %s%s", jbool(r, "invert", false) ? "!" : "",
		    jstr(r, "id"));
	}
	emit(c, "\n");
}

static void
emit_redirect(struct rctx *c, const struct policy *pol)
{
	const char *field = streq(pol->action, "REDIRECT_TO_URL") ?
	    "redirect_url" : "redirect_prefix";
	const char *target = jstr(pol->p, field);
	long long code = 0;

	ctx_obj(c, "l7policy", pol->id);
	/* As Octavia's render-time check: no blanks (controls: below). */
	if (target && strchr(target, ' ') != NULL) {
		fail(c, -OCTA_EINVAL, field);
		return;
	}
	emit(c, "    redirect");
	if (jint(c, pol->p, "redirect_http_code", 0, 999, &code)) {
		if (code != 301 && code != 302 && code != 303 &&
		    code != 307 && code != 308) {
			fail(c, -OCTA_EINVAL, "redirect_http_code");
			return;
		}
		emit(c, " code %lld", code);
	}
	emit(c, " %s ", streq(pol->action, "REDIRECT_TO_URL") ? "location" :
	    "prefix");
	/* `redirect` (unlike `http-request redirect`) is not log-format. */
	emit_word(c, target, 0, field);
	emit_condition(c, pol->p);
}

static void
render_policies(struct rctx *c, const char *lid, const struct policy *v,
    size_t n, bool https_redirect)
{
	const json_t *rules, *r;
	size_t i, j;

	for (i = 0; i < n; i++) {
		rules = json_object_get(v[i].p, "rules");
		json_array_foreach(rules, j, r)
			if (rule_live(r))
				emit_rule_acl(c, r);
	}
	for (i = 0; i < n; i++) {
		if (!streq(v[i].action, "REJECT"))
			continue;
		emit(c, "    http-request deny");
		emit_condition(c, v[i].p);
	}
	if (https_redirect)
		emit(c, "    redirect scheme https if !{ ssl_fc }\n");
	for (i = 0; i < n; i++)
		if (streq(v[i].action, "REDIRECT_TO_URL") ||
		    streq(v[i].action, "REDIRECT_PREFIX"))
			emit_redirect(c, &v[i]);
	for (i = 0; i < n; i++) {
		if (!streq(v[i].action, "REDIRECT_TO_POOL"))
			continue;
		emit(c, "    use_backend %s:%s", jstr(v[i].pool, "id"), lid);
		emit_condition(c, v[i].p);
	}
}

/* ---- frontend ---- */

static bool
listener_tls(const json_t *l)
{
	const char *proto = jstr(l, "protocol");
	const json_t *sni = json_object_get(l, "sni_container_refs");

	if (!streq(proto, "TERMINATED_HTTPS") && !streq(proto, "PROMETHEUS"))
		return false;
	return jstr(l, "default_tls_container_ref") != NULL ||
	    json_array_size(sni) > 0;
}

static void
emit_bind(struct rctx *c, const json_t *l, const char *lid,
    const char *addr, long long port)
{
	const char *ca, *crl, *auth;

	if (!ip_valid(addr, NULL)) {
		fail(c, -OCTA_EINVAL, "vip address");
		return;
	}
	emit(c, "    bind %s:%lld", addr, port);
	if (!listener_tls(l)) {
		emit(c, "\n");
		return;
	}
	emit(c, " ssl crt-list ");
	emit_word(c, buf_str(&c->cert_dir), 0, "cert_dir");
	emit(c, "/%s.pem", lid);
	ca = jstr(l, "client_ca_tls_container_ref");
	crl = jstr(l, "client_crl_container_ref");
	if (ca) {
		auth = jstr(l, "client_authentication");
		emit_cert(c, "ca-file", RENDER_CERT_CLIENT_CA, ca);
		if (auth == NULL || streq(auth, "NONE"))
			emit(c, " verify none");
		else if (streq(auth, "OPTIONAL"))
			emit(c, " verify optional");
		else if (streq(auth, "MANDATORY"))
			emit(c, " verify required");
		else
			fail(c, -OCTA_EINVAL, "client_authentication");
		if (crl)
			emit_cert(c, "crl-file", RENDER_CERT_CLIENT_CRL, crl);
	}
	emit_ciphers(c, l, c->o->default_listener_ciphers);
	emit_tls_versions(c, l);
	emit_alpn(c, l, " alpn ");
	emit(c, "\n");
}

static void
emit_allowed_cidrs(struct rctx *c, const json_t *l)
{
	const json_t *list = json_object_get(l, "allowed_cidrs"), *v;
	char norm[64];
	size_t i, n = 0;

	if (list == NULL || json_is_null(list))
		return;
	if (!json_is_array(list)) {
		fail(c, -OCTA_EINVAL, "allowed_cidrs");
		return;
	}
	if (json_array_size(list) == 0)
		return;
	json_array_foreach(list, i, v) {
		if (!cidr_normalise(json_string_value(v), norm, sizeof(norm),
		    NULL)) {
			fail(c, -OCTA_EINVAL, "allowed_cidrs");
			return;
		}
		if (n % MAX_ACL_WORDS == 0)
			emit(c, "%s    acl allowed_cidrs src", n ? "\n" : "");
		emit(c, " %s", norm);
		n++;
	}
	emit(c, "\n    tcp-request connection reject unless allowed_cidrs\n");
}

/* Replaces every `from` in `b` with `to`. */
static int
buf_replace(struct buf *b, const char *from, const char *to)
{
	struct buf t;
	const char *p, *q;
	size_t fl = strlen(from);
	int r = 0;

	if (strstr(buf_str(b), from) == NULL)
		return 0;
	buf_init(&t, b->max);
	for (p = buf_str(b); r == 0 && (q = strstr(p, from)) != NULL;
	    p = q + fl) {
		r = buf_add(&t, p, (size_t)(q - p));
		if (r == 0)
			r = buf_adds(&t, to);
	}
	if (r == 0)
		r = buf_adds(&t, p);
	if (r == 0) {
		buf_reset(b);
		r = buf_add(b, buf_str(&t), t.len);
	}
	buf_free(&t);
	return r;
}

static void
emit_log_format(struct rctx *c, const json_t *l)
{
	static const char *const http_only[] = { "%{+Q}r", "%r", "%{+Q}ST",
		"%ST" };
	const char *project = jstr(c->lb, "project_id");
	struct buf f, pid;
	size_t i;
	int r;

	if (!c->o->connection_logging || c->err)
		return;
	buf_init(&f, 8192);
	buf_init(&pid, 256);
	r = buf_adds(&f, c->o->user_log_format ? c->o->user_log_format :
	    DEFAULT_LOG_FORMAT);
	/* Octavia's order: drop HTTP fields first, then substitute. */
	for (i = 0; r == 0 && !http_mode(jstr(l, "protocol")) &&
	    i < ARRAY_SIZE(http_only); i++)
		r = buf_replace(&f, http_only[i], "-");
	if (project == NULL || *project == '\0')
		project = "-";
	if (!render_str_clean(project)) {
		fail(c, -OCTA_EINVAL, "project_id");
		goto out;
	}
	/* The project id is data inside a log-format string. */
	for (; r == 0 && *project; project++)
		r = *project == '%' ? buf_adds(&pid, "%%") :
		    buf_addc(&pid, *project);
	if (r == 0)
		r = buf_replace(&f, "{{ project_id }}", buf_str(&pid));
	if (r == 0)
		r = buf_replace(&f, "{{ lb_id }}", c->lb_id);
	if (r < 0) {
		fail(c, r, "log format");
		goto out;
	}
	emit(c, "    log-format ");
	emit_word(c, buf_str(&f), 0, "user_log_format");
	emit(c, "\n");
out:
	buf_free(&pid);
	buf_free(&f);
}

static void
render_frontend(struct rctx *c, const json_t *l, const char *lid,
    const json_t *default_pool, const struct policy *pols, size_t npols)
{
	const char *proto = jstr(l, "protocol");
	const json_t *vips, *v;
	long long port = 0, age = 0, inspect;
	size_t i;

	emit(c, "frontend %s\n", lid);
	emit(c, "    maxconn %lld\n", conn_limit(c, l));
	if (streq(proto, "TERMINATED_HTTPS") &&
	    jint(c, l, "hsts_max_age", 0, 2147483647LL, &age))
		emit(c, "    http-response set-header "
		    "Strict-Transport-Security \"max-age=%lld;%s%s\"\n", age,
		    jbool(l, "hsts_include_subdomains", false) ?
		    " includeSubDomains;" : "",
		    jbool(l, "hsts_preload", false) ? " preload;" : "");
	if (!jint(c, l, "protocol_port", 1, 65535, &port))
		fail(c, -OCTA_EINVAL, "protocol_port");
	emit_bind(c, l, lid, jstr(c->lb, "vip_address"), port);
	vips = json_object_get(c->lb, "additional_vips");
	json_array_foreach(vips, i, v) {
		if (!json_is_object(v)) {
			fail(c, -OCTA_EINVAL, "additional_vips");
			break;
		}
		emit_bind(c, l, lid, jstr(v, "ip_address"), port);
	}
	emit(c, "    mode %s\n", http_mode(proto) ? "http" : "tcp");
	emit_allowed_cidrs(c, l);
	if (streq(proto, "PROMETHEUS"))
		emit(c, "    http-request use-service prometheus-exporter "
		    "if { path /metrics }\n"
		    "    http-request deny deny_status 404\n");
	render_policies(c, lid, pols, npols,
	    streq(proto, "TERMINATED_HTTPS"));
	ctx_obj(c, "listener", lid);
	if (default_pool)
		emit(c, "    default_backend %s:%s\n",
		    jstr(default_pool, "id"), lid);
	emit(c, "    timeout client %lld\n", timeout(c, l,
	    "timeout_client_data", c->o->timeout_client_data));
	inspect = timeout(c, l, "timeout_tcp_inspect",
	    c->o->timeout_tcp_inspect);
	if (inspect > 0)
		emit(c, "    tcp-request inspect-delay %lld\n", inspect);
	emit_log_format(c, l);
	emit(c, "\n");
}

/* ---- backend ---- */

static void
emit_persistence(struct rctx *c, const json_t *pool)
{
	const json_t *sp = json_object_get(pool, "session_persistence");
	const char *type, *cookie;
	const char *size = c->o->stick_size;

	if (sp == NULL || json_is_null(sp))
		return;
	if (!json_is_object(sp)) {
		fail(c, -OCTA_EINVAL, "session_persistence");
		return;
	}
	type = jstr(sp, "type");
	if (type == NULL)
		return;
	if (streq(type, "HTTP_COOKIE")) {
		emit(c, "    cookie SRV insert indirect nocache\n");
		return;
	}
	if (!streq(type, "SOURCE_IP") && !streq(type, "APP_COOKIE")) {
		fail(c, -OCTA_EINVAL, "session_persistence.type");
		return;
	}
	emit(c, "    stick-table type %s size ", streq(type, "SOURCE_IP") ?
	    "ipv6" : "string len 64");
	emit_word(c, size, 0, "stick_size");
	if (c->peers)
		emit(c, " peers %s", c->peers_name);
	emit(c, "\n");
	if (streq(type, "SOURCE_IP")) {
		emit(c, "    stick on src\n");
		return;
	}
	cookie = jstr(sp, "cookie_name");
	emit(c, "    stick store-response res.cook(");
	emit_fetch_arg(c, cookie, "cookie_name");
	emit(c, ")\n    stick match req.cook(");
	emit_fetch_arg(c, cookie, "cookie_name");
	emit(c, ")\n");
}

/* Expands "200-204" or "200, 202" into "200|201|...", sorted, unique. */
static void
emit_expected_codes(struct rctx *c, const char *codes)
{
	bool want[1000];
	const char *p = codes;
	long lo, hi, k;
	bool first = true;
	int i;

	memset(want, 0, sizeof(want));
	if (codes == NULL)
		codes = p = "200";
	for (;;) {
		for (i = 0, lo = 0; i < 3; i++, p++) {
			if (*p < '0' || *p > '9')
				goto bad;
			lo = lo * 10 + (*p - '0');
		}
		hi = lo;
		if (*p == '-' && p == codes + 3) {
			p++;
			for (i = 0, hi = 0; i < 3; i++, p++) {
				if (*p < '0' || *p > '9')
					goto bad;
				hi = hi * 10 + (*p - '0');
			}
			if (*p != '\0' || hi < lo)
				goto bad;
		}
		for (k = lo; k <= hi; k++)
			want[k] = true;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	emit(c, "    http-check expect rstatus ");
	for (k = 0; k < 1000; k++) {
		if (!want[k])
			continue;
		emit(c, "%s%03ld", first ? "" : "|", k);
		first = false;
	}
	emit(c, "\n");
	return;
bad:
	fail(c, -OCTA_EINVAL, "expected_codes");
}

/* The health monitor's backend lines (members get `check` too). */
static void
emit_monitor(struct rctx *c, const json_t *hm)
{
	const char *type = jstr(hm, "type"), *method, *path, *domain;
	const json_t *ver;
	long long t = 0;

	if (!jint(c, hm, "timeout", 0, 2147483647LL, &t))
		fail(c, -OCTA_EINVAL, "timeout");
	emit(c, "    load-server-state-from-file global\n");
	emit(c, "    timeout check %llds\n", t);
	if (streq(type, "HTTP") || streq(type, "HTTPS")) {
		method = jstr(hm, "http_method");
		path = jstr(hm, "url_path");
		domain = jstr(hm, "domain_name");
		ver = json_object_get(hm, "http_version");
		if (method == NULL)
			method = "GET";
		if (path == NULL)
			path = "/";
		if (!model_enum_has(model_http_methods, method)) {
			fail(c, -OCTA_EINVAL, "http_method");
			return;
		}
		emit(c, "    option httpchk %s ", method);
		emit_word(c, path, 0, "url_path");
		if (ver && json_is_number(ver)) {
			double d = json_number_value(ver);

			if (d > 1.05 && d < 1.15) {
				emit(c, " HTTP/1.1\n");
				if (domain) {
					emit(c, "    http-check send hdr "
					    "Host ");
					emit_word(c, domain,
					    RENDER_ESC_LOGFMT,
					    "domain_name");
				}
			} else if (d > 0.95 && d < 1.05) {
				emit(c, " HTTP/1.0");
			} else {
				fail(c, -OCTA_EINVAL, "http_version");
			}
		} else if (ver && !json_is_null(ver)) {
			fail(c, -OCTA_EINVAL, "http_version");
		}
		emit(c, "\n");
		emit_expected_codes(c, jstr(hm, "expected_codes"));
	} else if (streq(type, "TLS-HELLO")) {
		emit(c, "    option ssl-hello-chk\n");
	} else if (streq(type, "PING")) {
		struct buf p;

		buf_init(&p, PATH_MAX_LEN);
		set_path(c, &p, c->o->ping_wrapper, "%s/%s",
		    "ping-wrapper.sh");
		emit(c, "    option external-check\n");
		emit(c, "    external-check command ");
		emit_word(c, buf_str(&p), 0, "ping_wrapper");
		emit(c, "\n");
		buf_free(&p);
		c->ext_check = true;
	} else if (!model_enum_has(model_hm_types, type)) {
		fail(c, -OCTA_EINVAL, "type");
	}
	/* TCP (and the LVS-only types, refused by the API) just connect. */
}

static void
emit_headers(struct rctx *c, const json_t *l, const json_t *pool)
{
	static const struct {
		const char *name, *value;
	} ssl_hdrs[] = {
		{ "X-SSL-Client-Verify", "%[ssl_c_verify]" },
		{ "X-SSL-Client-Has-Cert", "%[ssl_c_used]" },
		{ "X-SSL-Client-DN", "%{+Q}[ssl_c_s_dn]" },
		{ "X-SSL-Client-CN", "%{+Q}[ssl_c_s_dn(cn)]" },
		{ "X-SSL-Issuer", "%{+Q}[ssl_c_i_dn]" },
		{ "X-SSL-Client-SHA1", "%{+Q}[ssl_c_sha1,hex]" },
		{ "X-SSL-Client-Not-Before", "%{+Q}[ssl_c_notbefore]" },
		{ "X-SSL-Client-Not-After", "%{+Q}[ssl_c_notafter]" },
	};
	const char *lproto = jstr(l, "protocol");
	size_t i;

	if (streq(jstr(pool, "protocol"), "HTTP")) {
		if (header_on(l, "X-Forwarded-For"))
			emit(c, "    option forwardfor\n");
		if (header_on(l, "X-Forwarded-Port"))
			emit(c, "    http-request set-header X-Forwarded-Port "
			    "%%[dst_port]\n");
	}
	if (header_on(l, "X-Forwarded-Proto")) {
		if (streq(lproto, "HTTP"))
			emit(c, "    http-request set-header X-Forwarded-Proto "
			    "http\n");
		else if (streq(lproto, "TERMINATED_HTTPS"))
			emit(c, "    http-request set-header X-Forwarded-Proto "
			    "https\n");
	}
	if (!streq(lproto, "TERMINATED_HTTPS"))
		return;
	for (i = 0; i < ARRAY_SIZE(ssl_hdrs); i++)
		if (header_on(l, ssl_hdrs[i].name))
			emit(c, "    http-request set-header %s %s\n",
			    ssl_hdrs[i].name, ssl_hdrs[i].value);
}

static void
emit_server(struct rctx *c, const json_t *l, const json_t *pool,
    const json_t *hm, const json_t *m)
{
	const char *mid, *addr, *maddr, *proto = jstr(pool, "protocol");
	const char *sp_type, *ca, *crl, *crt;
	long long port = 0, weight = 1, mport = 0, delay = 0, fall = 3;
	long long rise = 0;

	if ((mid = obj_id(c, m, "member")) == NULL)
		return;
	addr = jstr(m, "address");
	if (!ip_valid(addr, NULL))
		fail(c, -OCTA_EINVAL, "address");
	if (!jint(c, m, "protocol_port", 1, 65535, &port))
		fail(c, -OCTA_EINVAL, "protocol_port");
	jint(c, m, "weight", 0, 256, &weight);
	emit(c, "    server %s %s:%lld weight %lld", mid, addr, port, weight);
	if (hm) {
		if (!jint(c, hm, "delay", 0, 2147483647LL, &delay))
			fail(c, -OCTA_EINVAL, "healthmonitor delay");
		if (!jint(c, hm, "max_retries", 1, 10, &rise))
			fail(c, -OCTA_EINVAL, "healthmonitor max_retries");
		jint(c, hm, "max_retries_down", 1, 10, &fall);
		emit(c, " check");
		if (streq(jstr(hm, "type"), "HTTPS"))
			emit(c, " check-ssl verify none");
		if (jbool(pool, "tls_enabled", false))
			emit_alpn(c, pool, " check-alpn ");
		emit(c, " inter %llds fall %lld rise %lld",
		    delay > 0 ? delay : 1, fall, rise);
		maddr = jstr(m, "monitor_address");
		if (maddr) {
			if (!ip_valid(maddr, NULL))
				fail(c, -OCTA_EINVAL, "monitor_address");
			else
				emit(c, " addr %s", maddr);
		}
		if (jint(c, m, "monitor_port", 1, 65535, &mport))
			emit(c, " port %lld", mport);
	}
	sp_type = jstr(json_object_get(pool, "session_persistence"), "type");
	if (streq(sp_type, "HTTP_COOKIE"))
		emit(c, " cookie %s", mid);
	if (streq(proto, "PROXY"))
		emit(c, " send-proxy");
	else if (streq(proto, "PROXYV2"))
		emit(c, streq(jstr(l, "protocol"), "TERMINATED_HTTPS") ||
		    streq(jstr(l, "protocol"), "PROMETHEUS") ?
		    " send-proxy-v2-ssl-cn" : " send-proxy-v2");
	if (jbool(m, "backup", false))
		emit(c, " backup");
	if (!enabled(m))
		emit(c, " disabled");
	if (jbool(pool, "tls_enabled", false)) {
		ctx_obj(c, "pool", jstr(pool, "id"));
		crt = jstr(pool, "tls_container_ref");
		ca = jstr(pool, "ca_tls_container_ref");
		crl = jstr(pool, "crl_container_ref");
		emit(c, " ssl");
		if (crt)
			emit_cert(c, "crt", RENDER_CERT_POOL_CERT, crt);
		if (ca) {
			emit_cert(c, "ca-file", RENDER_CERT_POOL_CA, ca);
			if (crl)
				emit_cert(c, "crl-file", RENDER_CERT_POOL_CRL,
				    crl);
			emit(c, " verify required");
		} else {
			emit(c, " verify none");
		}
		emit(c, " sni ssl_fc_sni");
		emit_ciphers(c, pool, c->o->default_pool_ciphers);
		emit_tls_versions(c, pool);
		emit_alpn(c, pool, " alpn ");
	}
	emit(c, "\n");
}

static void
render_backend(struct rctx *c, const json_t *l, const char *lid,
    const json_t *pool)
{
	const char *pid, *proto, *algo, *mode;
	const json_t *hm, *members, *m;
	size_t i;

	if ((pid = obj_id(c, pool, "pool")) == NULL)
		return;
	proto = jstr(pool, "protocol");
	if (streq(proto, "HTTP"))
		mode = "http";
	else if (streq(proto, "TCP") || streq(proto, "HTTPS"))
		mode = "tcp";
	else if (streq(proto, "PROXY") || streq(proto, "PROXYV2"))
		mode = http_mode(jstr(l, "protocol")) ? "http" : "tcp";
	else {
		fail(c, -OCTA_EINVAL, "protocol");
		return;
	}
	emit(c, "backend %s:%s\n", pid, lid);
	emit(c, "    mode %s\n", mode);
	if (strcmp(mode, "http") == 0 && !streq(proto, "HTTPS") &&
	    !streq(proto, "TCP"))
		emit(c, "    http-reuse safe\n");
	algo = jstr(pool, "lb_algorithm");
	if (streq(algo, "LEAST_CONNECTIONS"))
		emit(c, "    balance leastconn\n");
	else if (streq(algo, "SOURCE_IP"))
		emit(c, "    balance source\n");
	else if (streq(algo, "SOURCE_IP_PORT"))
		emit(c, "    balance hash src,concat(:,txn.sport)\n"
		    "    tcp-request content set-var(txn.sport) src_port\n");
	else
		emit(c, "    balance roundrobin\n");
	emit_persistence(c, pool);
	hm = json_object_get(pool, "healthmonitor");
	if (!json_is_object(hm) || pending_delete(hm) || !enabled(hm))
		hm = NULL;
	if (hm) {
		if (obj_id(c, hm, "healthmonitor") == NULL)
			return;
		emit_monitor(c, hm);
		ctx_obj(c, "pool", pid);
	}
	emit_headers(c, l, pool);
	emit(c, "    fullconn %lld\n", conn_limit(c, l));
	emit(c, "    option allbackups\n");
	emit(c, "    timeout connect %lld\n", timeout(c, l,
	    "timeout_member_connect", c->o->timeout_member_connect));
	emit(c, "    timeout server %lld\n", timeout(c, l,
	    "timeout_member_data", c->o->timeout_member_data));
	members = json_object_get(pool, "members");
	json_array_foreach(members, i, m) {
		if (!json_is_object(m) || pending_delete(m))
			continue;
		emit_server(c, l, pool, hm, m);
	}
	emit(c, "\n");
}

/* ---- listeners ---- */

static void
render_listener(struct rctx *c, const json_t *l)
{
	const json_t *dpool, **pools = NULL;
	struct policy *pols = NULL;
	const char *lid;
	size_t npols, npools = 0, i, j;

	if ((lid = obj_id(c, l, "listener")) == NULL)
		return;
	dpool = find_pool(c, jstr(l, "default_pool_id"));
	if (dpool && !enabled(dpool))
		dpool = NULL;
	if (dpool && obj_id(c, dpool, "pool") == NULL)
		return;
	npols = active_policies(c, l, &pols);
	ctx_obj(c, "listener", lid);
	render_frontend(c, l, lid, dpool, pols, npols);

	/* The pools this listener uses: default first, then L7, unique. */
	pools = xcalloc(npols + 1, sizeof(*pools));
	if (dpool)
		pools[npools++] = dpool;
	for (i = 0; i < npols; i++) {
		if (pols[i].pool == NULL)
			continue;
		for (j = 0; j < npools && pools[j] != pols[i].pool; j++)
			;
		if (j == npools)
			pools[npools++] = pols[i].pool;
	}
	for (i = 0; i < npools && c->err == 0; i++)
		render_backend(c, l, lid, pools[i]);
	free(pools);
	free(pols);
}

/* ---- entry points ---- */

void
render_opts_init(struct render_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->state_dir = "/var/lib/octavia";
	o->user = "nobody";
	o->log_target = "/run/rsyslog/octavia/log";
	o->admin_log_target = "/run/rsyslog/octavia/log";
	o->user_log_facility = 0;
	o->admin_log_facility = 1;
	o->connection_logging = true;
	o->default_connection_limit = 50000;
	o->timeout_client_data = 50000;
	o->timeout_member_connect = 5000;
	o->timeout_member_data = 50000;
	o->timeout_tcp_inspect = 0;
	o->stick_size = "10k";
	o->peer_port = 1025;
}

int
render_haproxy(const json_t *tree, const struct render_opts *o,
    struct buf *out)
{
	struct rctx c;
	struct buf body;
	const json_t *ls, *l;
	const char *topo, *p;
	long long maxconn;
	size_t start = out->len, i, n;
	int r;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.lb = tree;
	buf_init(&body, out->max);
	buf_init(&c.cert_dir, PATH_MAX_LEN);
	if (o == NULL || !json_is_object(tree) || o->state_dir == NULL ||
	    o->default_connection_limit < 1) {
		fail(&c, -OCTA_EINVAL, "tree or options");
		goto out;
	}
	if ((c.lb_id = obj_id(&c, tree, "loadbalancer")) == NULL)
		goto out;

	/* Sections named after the LB: peers and cert_dir. */
	for (p = c.lb_id, n = 0; *p && n < 32; p++)
		if (*p != '-')
			c.peers_name[n++] = *p;
	memcpy(c.peers_name + n, "_peers", sizeof("_peers"));
	topo = jstr(tree, "topology");
	c.peers = streq(topo, "ACTIVE_STANDBY") && o->npeers > 0;
	set_path(&c, &c.cert_dir, o->cert_dir, "%s/certs/%s", c.lb_id);

	c.b = &body;
	if (enabled(tree)) {
		ls = json_object_get(tree, "listeners");
		json_array_foreach(ls, i, l) {
			if (c.err)
				break;
			if (!json_is_object(l) || pending_delete(l) ||
			    !enabled(l) || !tcp_family(jstr(l, "protocol")))
				continue;
			render_listener(&c, l);
		}
	}
	maxconn = global_maxconn(&c);

	c.b = out;
	render_global(&c, maxconn);
	render_defaults(&c);
	render_peers(&c);
	if (c.err == 0 && body.len > 0 &&
	    (r = buf_add(out, body.p, body.len)) < 0)
		c.err = r;
out:
	r = c.err;
	if (r < 0 && out->p) {
		out->len = start;
		out->p[start] = '\0';
	}
	buf_free(&c.cert_dir);
	buf_free(&body);
	return r;
}

int
render_cert_path_map(void *arg, enum render_cert_kind kind,
    const char *owner_id, const char *ref, struct buf *path)
{
	const char *file = json_string_value(json_object_get(arg, ref));

	(void)kind;
	(void)owner_id;
	if (file == NULL || *file == '\0')
		return -OCTA_ENOTFOUND;
	return buf_adds(path, file);
}
