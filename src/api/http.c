/*
 * http.c - the API role: libevent HTTP servers, one event loop and one
 * database connection per thread ([api_settings] api_threads, default one
 * per CPU), all accepting on one listening socket, over HTTPS when
 * [api_settings] tls_cert_file and tls_key_file are set (TLS 1.2+).  In
 * the order of Octavia's middleware and controllers, a request is: size
 * limited (413), authenticated (401/503, src/api/auth.c), content
 * negotiated (406), routed (404/405) after normalising the path (the /v2,
 * /v2.0, /lbaas prefixes and a .json suffix), its JSON body parsed (400),
 * its route's policy rule checked (403), and its handler run.  A handler
 * either replies itself or returns a negative error that becomes Octavia's
 * error body: {"faultcode", "faultstring", "debuginfo"}.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define API_MAX_BODY 114688
#define API_MAX_READ (4 * 1024 * 1024)

/* Each API thread has its own loop and database connection. */
static __thread struct db *api_db;
/* HTTPS: one context for all threads (OpenSSL 3 shares it safely). */
static SSL_CTX *api_ssl;

static const struct api_route *const route_tables[] = {
	api_routes_version, api_routes_loadbalancer, api_routes_listener,
	api_routes_pool, api_routes_member, api_routes_healthmonitor,
	api_routes_l7policy, api_routes_l7rule, api_routes_quota,
	api_routes_flavor, api_routes_az, api_routes_provider,
	api_routes_amphora, api_routes_neutron,
};

void
api_reply(struct api_req *r, int status, json_t *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	struct evbuffer *out = evbuffer_new();
	char rid[UUID_STR_LEN + 4];

	BUG_ON(r->status != 0);
	memcpy(rid, "req-", 4);
	uuid_new(rid + 4);
	evhttp_add_header(h, "x-openstack-request-id", rid);
	if (body) {
		/* 15 digits: 1.1 as Python prints it, not 1.1000...01 */
		char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15));

		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add_reference(out, s, strlen(s),
		    (evbuffer_ref_cleanup_cb)(void (*)(void))free, NULL);
		json_decref(body);
	} else if (status != 204) {
		evhttp_add_header(h, "Content-Type", "application/json");
	}
	r->status = status;
	evhttp_send_reply(r->ev, status, NULL, out);
	evbuffer_free(out);
}

int
api_fail(struct api_req *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

int
api_not_found(struct api_req *r, const struct resource *res, const char *id)
{
	return api_fail(r, OCTA_ENOTFOUND, "%s %s not found.", res->display,
	    id);
}

static void
reply_error(struct api_req *r, int err)
{
	int status = octa_err_status(err);

	api_reply(r, status, json_pack("{ss ss sn}", "faultcode",
	    status < 500 ? "Client" : "Server", "faultstring",
	    r->msg[0] ? r->msg : octa_err_str(err), "debuginfo"));
}

const char *
api_query(struct api_req *r, const char *key)
{
	return evhttp_find_header(&r->query, key);
}

int
api_body_root(struct api_req *r, const char *root, json_t **obj)
{
	const char *k;
	json_t *v;

	if (r->body == NULL || !json_is_object(r->body))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute %s. Value: 'None'. Mandatory field "
		    "missing.", root);
	json_object_foreach(r->body, k, v) {
		if (strcmp(k, root) != 0)
			return api_fail(r, OCTA_EINVAL, "Unknown attribute for "
			    "argument %s: %s", root, k);
	}
	*obj = json_object_get(r->body, root);
	if (*obj == NULL || !json_is_object(*obj))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute %s. Value: '%s'. Mandatory field "
		    "missing.", root, *obj ? "invalid" : "None");
	return 0;
}

int
api_txn_begin(struct api_req *r)
{
	int e = db_begin(r->db);

	if (e < 0)
		return api_fail(r, e, "Database busy, please try again.");
	return 0;
}

int
api_txn_commit(struct api_req *r)
{
	int e = db_commit(r->db);

	if (e < 0) {
		db_rollback(r->db);
		return api_fail(r, e, "Database commit failed.");
	}
	return 0;
}

void
api_txn_abort(struct api_req *r)
{
	db_rollback(r->db);
}

static enum api_method
method_of(struct evhttp_request *ev)
{
	switch (evhttp_request_get_command(ev)) {
	case EVHTTP_REQ_GET: return M_GET;
	case EVHTTP_REQ_POST: return M_POST;
	case EVHTTP_REQ_PUT: return M_PUT;
	case EVHTTP_REQ_DELETE: return M_DELETE;
	case EVHTTP_REQ_HEAD: return M_HEAD;
	default: return M_OTHER;
	}
}

/* Strips the API prefixes; returns a pointer into `p`. */
static char *
normalise(char *p)
{
	static const char *const prefixes[] = { "/v2.0/lbaas", "/v2/lbaas",
		"/v2.0", "/v2", "/load-balancer" };
	size_t i, n;

	n = strlen(p);
	if (n > 5 && strcmp(p + n - 5, ".json") == 0)
		p[n -= 5] = '\0';
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t k = strlen(prefixes[i]);

		if (strncmp(p, prefixes[i], k) == 0 &&
		    (p[k] == '\0' || p[k] == '/')) {
			if (strcmp(prefixes[i], "/load-balancer") == 0)
				return normalise(p + k);
			p += k;
			/* "/v2/lbaas" after "/v2" is handled by the order. */
			if (strncmp(prefixes[i], "/v2", 3) == 0 && *p == '\0')
				return "/v2";
			return *p ? p : "/";
		}
	}
	return p;
}

/* Matches `path` against `pattern`, capturing {} segments. */
static bool
match(const char *pattern, const char *path, char **args)
{
	int na = 0;

	while (*pattern && *path) {
		if (*pattern != '/' || *path != '/')
			return false;
		pattern++;
		path++;
		if (strncmp(pattern, "{}", 2) == 0) {
			const char *e = strchr(path, '/');
			size_t len = e ? (size_t)(e - path) : strlen(path);

			if (len == 0 || na >= API_MAX_ARGS)
				return false;
			args[na++] = xstrndup(path, len);
			pattern += 2;
			path += len;
			continue;
		}
		while (*pattern && *pattern != '/') {
			if (*pattern != *path)
				return false;
			pattern++;
			path++;
		}
		if (*path && *path != '/')
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static void
free_args(char **args)
{
	int i;

	for (i = 0; i < API_MAX_ARGS; i++)
		OCTA_FREE(&args[i]);
}

static const struct api_route *
find_route(struct api_req *r, bool *path_known)
{
	size_t t;
	const struct api_route *rt;

	*path_known = false;
	for (t = 0; t < ARRAY_SIZE(route_tables); t++) {
		for (rt = route_tables[t]; rt->pattern; rt++) {
			char *args[API_MAX_ARGS] = { 0 };

			if (!match(rt->pattern, r->path, args)) {
				free_args(args);
				continue;
			}
			*path_known = true;
			if (rt->methods & r->method ||
			    (r->method == M_HEAD && rt->methods & M_GET)) {
				memcpy(r->args, args, sizeof(args));
				return rt;
			}
			free_args(args);
		}
	}
	return NULL;
}

static bool
accept_ok(struct evhttp_request *ev)
{
	const char *a = evhttp_find_header(
	    evhttp_request_get_input_headers(ev), "Accept");

	if (a == NULL || *a == '\0')
		return true;
	return strstr(a, "application/json") || strstr(a, "*/*") ||
	    strstr(a, "application/*");
}

/* keystonemiddleware lets exactly these through without a token. */
static bool
anonymous_path(const char *p)
{
	return strcmp(p, "/") == 0 || strcmp(p, "/load-balancer/") == 0 ||
	    strcmp(p, "/healthcheck") == 0 ||
	    strcmp(p, "/load-balancer/healthcheck") == 0;
}

const char *
api_scheme(void)
{
	return api_ssl ? "https" : "http";
}

static void
handle(struct evhttp_request *ev, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	struct api_req r;
	const struct api_route *rt;
	struct evbuffer *in;
	char *decoded = NULL;
	bool known, anonymous;
	int err = 0;

	(void)arg;
	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.query);
	r.ev = ev;
	r.db = api_db;
	r.method = method_of(ev);
	decoded = evhttp_uridecode(evhttp_uri_get_path(uri) ?
	    evhttp_uri_get_path(uri) : "/", 0, NULL);
	anonymous = anonymous_path(decoded);
	r.path = normalise(decoded);
	in = evhttp_request_get_input_buffer(ev);
	if (evbuffer_get_length(in) > API_MAX_BODY) {
		/* oslo's max_request_body_size, the outermost middleware;
		 * libevent itself only cuts off far larger bodies
		 * (API_MAX_READ). */
		err = api_fail(&r, OCTA_ETOOLARGE, "Request is too large. "
		    "Larger than max_request_body_size (%d).", API_MAX_BODY);
		goto out;
	}
	if ((err = api_authenticate(&r, anonymous)) < 0)
		goto out;
	if (evhttp_uri_get_query(uri) &&
	    evhttp_parse_query_str(evhttp_uri_get_query(uri), &r.query) < 0) {
		err = api_fail(&r, OCTA_EINVAL, "Malformed query string.");
		goto out;
	}
	if (strcmp(r.path, "/healthcheck") != 0 && !accept_ok(ev)) {
		api_reply(&r, 406, json_pack("{s[{si ss ss ss}]}", "errors",
		    "status", 406, "title", "Not Acceptable", "detail",
		    "Only content type application/json is accepted.",
		    "request_id", "req-"));
		goto out;
	}
	rt = find_route(&r, &known);
	if (rt == NULL) {
		err = known ? api_fail(&r, OCTA_EMETHOD, "The method %s is "
		    "not allowed for this resource.", r.method == M_POST ?
		    "POST" : r.method == M_PUT ? "PUT" : r.method ==
		    M_DELETE ? "DELETE" : "requested") :
		    api_fail(&r, OCTA_ENOTFOUND, "The resource could not be "
		    "found.");
		goto out;
	}
	if (evbuffer_get_length(in) > 0 &&
	    (r.method == M_POST || r.method == M_PUT)) {
		json_error_t je;
		size_t n = evbuffer_get_length(in);
		const char *data = (const char *)evbuffer_pullup(in, -1);

		r.body = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
		if (r.body == NULL) {
			err = api_fail(&r, OCTA_EINVAL, "Invalid JSON body: "
			    "%s (line %d, column %d)", je.text, je.line,
			    je.column);
			goto out;
		}
	}
	r.route = rt;
	if ((err = api_route_authorize(&r)) < 0)
		goto out;
	if (r.method == M_GET || r.method == M_HEAD) {
		/* One snapshot and one set of file locks for all reads. */
		if (db_begin_read(r.db) == 0) {
			err = rt->handler(&r);
			if (r.db->txn_depth > 0)
				db_commit(r.db);
			goto checked;
		}
	}
	err = rt->handler(&r);
checked:
	/* A handler that succeeded has checked its target's project. */
	BUG_ON(err >= 0 && r.status > 0 && r.status < 400 &&
	    !r.policy_checked);
out:
	if (r.db && r.db->txn_depth > 0)
		db_rollback(r.db);
	if (r.status == 0)
		reply_error(&r, err < 0 ? err : -OCTA_EINTERNAL);
	log_debug("http %s %s -> %d", r.method == M_GET ? "GET" :
	    r.method == M_POST ? "POST" : r.method == M_PUT ? "PUT" :
	    r.method == M_DELETE ? "DELETE" : "OTHER", decoded, r.status);
	free_args(r.args);
	evhttp_clear_headers(&r.query);
	json_decref(r.body);
	free(decoded);
}

/* A TLS bufferevent for each accepted connection (HTTPS). */
static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	/* evhttp would fall back to plain text on NULL: never. */
	if (ssl == NULL)
		fatal("api: SSL_new failed");
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* The HTTPS context from [api_settings] tls_cert_file/tls_key_file. */
static SSL_CTX *
tls_context(void)
{
	const char *cert = cfg.api_settings_tls_cert_file;
	const char *key = cfg.api_settings_tls_key_file;
	SSL_CTX *ctx;
	char e[256];

	if ((cert == NULL || cert[0] == '\0') && (key == NULL ||
	    key[0] == '\0'))
		return NULL;
	if (cert == NULL || cert[0] == '\0' || key == NULL || key[0] == '\0')
		fatal("api: tls_cert_file and tls_key_file go together");
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fatal("api: TLS setup failed cert=%s key=%s: %s", cert, key, e);
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	return ctx;
}

/* One event loop with its own HTTP server and database connection. */
static struct evhttp *
api_loop_new(struct event_base **basep)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	char *url = config_db_url();

	if (http == NULL)
		fatal("api: libevent setup failed");
	if (db_open(url, &api_db) < 0)
		fatal("api cannot open database");
	free(url);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(http, API_MAX_READ);
	evhttp_set_timeout(http, 60);
	evhttp_set_gencb(http, handle, NULL);
	if (api_ssl)
		evhttp_set_bevcb(http, tls_bev, api_ssl);
	*basep = base;
	return http;
}

static void *
api_thread(void *arg)
{
	int fd = *(int *)arg;
	struct event_base *base;
	struct evhttp *http = api_loop_new(&base);

	if (evhttp_accept_socket(http, fd) != 0)
		fatal("api thread cannot accept on the listening socket");
	event_base_dispatch(base);
	fatal("api event loop ended");
	return NULL;
}

void
api_main(void)
{
	static int fd;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	long long i, n = cfg.api_settings_api_threads;
	int one;

	/* Before any thread: libcurl's global state, the policy, TLS. */
	if (api_auth_init() < 0)
		fatal("api: authentication or policy setup failed");
	api_ssl = tls_context();
	http = api_loop_new(&base);

	bound = evhttp_bind_socket_with_handle(http, cfg.api_settings_bind_host,
	    (ev_uint16_t)cfg.api_settings_bind_port);
	if (bound == NULL)
		fatal("api cannot bind %s:%lld", cfg.api_settings_bind_host,
		    cfg.api_settings_bind_port);
	fd = evhttp_bound_socket_get_fd(bound);
	/*
	 * Replies are written in pieces; without TCP_NODELAY the last piece
	 * waits for the client's delayed ACK (40 ms).  Accepted sockets
	 * inherit the option from the listening one.
	 */
	one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	/* More loops accept on the same socket, each on its own thread. */
	for (i = 1; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, api_thread, &fd) != 0)
			fatal("api: cannot start thread");
		pthread_detach(t);
	}
	log_info("api listening on %s://%s:%lld auth=%s threads=%lld",
	    api_scheme(), cfg.api_settings_bind_host,
	    cfg.api_settings_bind_port, cfg.api_settings_auth_strategy, n);
	event_base_dispatch(base);
	fatal("api event loop ended");
}
