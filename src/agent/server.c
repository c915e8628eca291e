/*
 * server.c - octa-agent's HTTPS server and request dispatch; see
 * server.h.
 *
 * Runs on the agent's main thread, in its event loop.  Handlers run to
 * completion one at a time, as in Octavia's agent (one gunicorn worker):
 * a request that starts or checks HAProxy holds the loop for as long as
 * that takes, which keeps every change to the amphora serialised.
 * Heartbeats go out from their own thread, so they do not wait for it.
 *
 * TLS: one SSL_CTX; PUT /1.0/certificate builds a new one from the new
 * file and swaps it in for the next connections (open ones keep theirs:
 * every SSL holds a reference to its context).  A client must present a
 * certificate that chains to agent_server_ca (purpose "SSL client"); a
 * connection without one fails in the handshake and never reaches evhttp.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "server.h"
#include "conf.h"
#include "info.h"
#include "lb.h"
#include "plug.h"
#include "routes.h"
#include "vrrp.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

struct agent_server {
	struct evhttp *http;
	SSL_CTX *ctx;
};

typedef void (*agent_handler_fn)(struct agent *, const struct agent_req *,
    struct agent_resp *);

static const agent_handler_fn handlers[AR_COUNT] = {
	[AR_VERSION] = info_version,
	[AR_INFO] = info_info,
	[AR_DETAILS] = info_details,
	[AR_LISTENERS] = info_listeners,
	[AR_CERT_PUT] = lb_cert_put,
	[AR_CERT_GET] = lb_cert_get,
	[AR_CERT_DELETE] = lb_cert_delete,
	[AR_HAPROXY_PUT] = lb_haproxy_put,
	[AR_HAPROXY_GET] = lb_haproxy_get,
	[AR_LB_ACTION] = lb_action,
	[AR_LB_DELETE] = lb_delete,
	[AR_PLUG_VIP] = plug_vip,
	[AR_PLUG_NETWORK] = plug_network,
	[AR_OWN_CERT] = server_own_cert,
	[AR_CONFIG] = conf_put,
	[AR_VRRP_UPLOAD] = vrrp_upload,
	[AR_VRRP_ACTION] = vrrp_action,
	[AR_INTERFACE] = info_interface,
};

static const struct {
	int status;
	const char *reason;
	const char *text;	/* werkzeug's description */
} statuses[] = {
	{ 200, "OK", NULL },
	{ 202, "Accepted", NULL },
	{ 400, "Bad Request", "The browser (or proxy) sent a request that "
	    "this server could not understand." },
	{ 401, "Unauthorized", NULL },
	{ 403, "Forbidden", NULL },
	{ 404, "Not Found", "The requested URL was not found on the server. "
	    "If you entered the URL manually please check your spelling and "
	    "try again." },
	{ 405, "Method Not Allowed", "The method is not allowed for the "
	    "requested URL." },
	{ 409, "Conflict", "A conflict happened while processing the "
	    "request. The resource might have been modified while the "
	    "request was being processed." },
	{ 413, "Request Entity Too Large", "The data value transmitted "
	    "exceeds the capacity limit." },
	{ 500, "Internal Server Error", "The server encountered an internal "
	    "error and was unable to complete your request. Either the "
	    "server is overloaded or there is an error in the application." },
	{ 503, "Service Unavailable", NULL },
};

static size_t
status_idx(int status)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return i;
	return 0;
}

static const char *
status_reason(int status)
{
	size_t i = status_idx(status);

	return statuses[i].status == status ? statuses[i].reason : "Unknown";
}

void
resp_json(struct agent_resp *rs, int status, json_t *body)
{
	json_decref(rs->json);
	rs->status = status;
	rs->json = body;
	if (body == NULL)
		fatal("agent: out of memory building a response");
}

void
resp_msg(struct agent_resp *rs, int status, const char *message,
    const char *details)
{
	json_t *o = json_pack("{ss}", "message", message);

	if (o != NULL && details != NULL)
		json_object_set_new(o, "details", json_string(details));
	resp_json(rs, status, o);
}

void
resp_error(struct agent_resp *rs, int status, const char *text)
{
	size_t i = status_idx(status);
	struct buf b;

	buf_init(&b, 8192);
	if (text == NULL)
		text = statuses[i].status == status && statuses[i].text ?
		    statuses[i].text : "";
	(void)buf_printf(&b, "%d %s: %s", status, status_reason(status), text);
	resp_json(rs, status, json_pack("{ss si}", "error", buf_str(&b),
	    "http_code", status));
	buf_free(&b);
}

bool
agent_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* ---- TLS ---- */

static void
tls_log_errors(const char *what, const char *file)
{
	unsigned long e;
	char text[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, text, sizeof(text));
		log_error("agent tls: %s file=%s: %s", what, file, text);
	}
}

/* A server context from a cert+key PEM and the client CA; NULL on error. */
static SSL_CTX *
tls_ctx_new(const char *cert, const char *ca)
{
	static const unsigned char sid[] = "octa-agent";
	STACK_OF(X509_NAME) *names = NULL;
	SSL_CTX *ctx = NULL, *ret = NULL;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto out;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_errors("server certificate", cert);
		goto out;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca)) == NULL) {
		tls_log_errors("client CA", ca);
		goto out;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 8);
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	ret = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	return ret;
}

static struct bufferevent *
bev_cb(struct event_base *base, void *arg)
{
	struct agent_server *s = arg;
	struct bufferevent *bev;
	SSL *ssl;

	/*
	 * evhttp would fall back to a plain socket if this returned NULL:
	 * never serve without TLS.
	 */
	if ((ssl = SSL_new(s->ctx)) == NULL)
		fatal("agent tls: SSL_new failed");
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatal("agent tls: no bufferevent");
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
server_own_cert(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	struct agent_server *s = a->srv;
	char tmp[AGENT_PATH_MAX];
	SSL_CTX *ctx = NULL;

	if (!agent_path(tmp, sizeof(tmp), "%s.upload", a->server_cert) ||
	    sys_write_file(tmp, rq->body, rq->body_len, 0600) < 0) {
		resp_msg(rs, 500, "Unable to write the certificate", NULL);
		goto out;
	}
	/*
	 * Octavia writes whatever it gets; a bad file would lock the
	 * controller out at the next start, so it is checked first.
	 */
	if ((ctx = tls_ctx_new(tmp, a->server_ca)) == NULL) {
		unlink(tmp);
		resp_msg(rs, 400, "Invalid certificate",
		    "The PEM must hold a certificate and its private key");
		goto out;
	}
	if (rename(tmp, a->server_cert) < 0) {
		unlink(tmp);
		resp_msg(rs, 500, "Unable to write the certificate", NULL);
		goto out;
	}
	SSL_CTX_free(s->ctx);
	s->ctx = ctx;
	ctx = NULL;
	log_info("agent certificate rotated file=%s", a->server_cert);
	resp_msg(rs, 202, "OK", NULL);
out:
	SSL_CTX_free(ctx);
}

/* ---- requests ---- */

static enum route_method
method_of(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		return RM_GET;
	case EVHTTP_REQ_PUT:
		return RM_PUT;
	case EVHTTP_REQ_POST:
		return RM_POST;
	case EVHTTP_REQ_DELETE:
		return RM_DELETE;
	default:
		return RM_OTHER;
	}
}

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

static void
send_resp(struct evhttp_request *req, struct agent_resp *rs)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();
	char *text = NULL;

	if (out == NULL)
		fatal("agent: out of memory");
	if (rs->json != NULL) {
		text = json_dumps(rs->json, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL)
			fatal("agent: out of memory");
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(out, text, strlen(text));
	} else {
		evhttp_add_header(h, "Content-Type",
		    "text/plain; charset=utf-8");
		evbuffer_add(out, buf_str(&rs->text), rs->text.len);
	}
	if (rs->etag[0] != '\0')
		evhttp_add_header(h, "ETag", rs->etag);
	evhttp_send_reply(req, rs->status, status_reason(rs->status), out);
	evbuffer_free(out);
	free(text);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct agent_resp rs;
	struct agent_req rq;
	struct route_match m;
	struct buf body;
	int64_t t0 = time_mono_ms();
	size_t len = evbuffer_get_length(in), i;
	int r;

	memset(&rs, 0, sizeof(rs));
	memset(&rq, 0, sizeof(rq));
	buf_init(&rs.text, AGENT_MAX_BODY + 1);
	buf_init(&body, AGENT_MAX_BODY + 1);
	if (path == NULL || path[0] == '\0')
		path = "/";
	r = route_find(method_of(cmd), path, &m);
	if (r == -OCTA_EMETHOD) {
		resp_error(&rs, 405, NULL);
		goto send;
	}
	if (r < 0) {
		resp_error(&rs, 404, NULL);
		goto send;
	}
	if (len > AGENT_MAX_BODY) {
		resp_error(&rs, 413, NULL);
		goto send;
	}
	if (buf_add(&body, len ? (const void *)evbuffer_pullup(in, -1) :
	    (const void *)"", len) < 0) {
		resp_error(&rs, 413, NULL);
		goto send;
	}
	rq.body = buf_str(&body);
	rq.body_len = len;
	for (i = 0; i < m.nparams; i++)
		rq.params[i] = m.params[i];
	handlers[m.id](a, &rq, &rs);
	if (rs.status == 0)
		resp_error(&rs, 500, NULL);
send:
	send_resp(req, &rs);
	log_info("request method=%s path=%s status=%d bytes_in=%zu ms=%lld",
	    method_name(cmd), path, rs.status, len,
	    (long long)(time_mono_ms() - t0));
	json_decref(rs.json);
	buf_free(&rs.text);
	buf_free(&body);
}

int
server_start(struct agent *a, struct event_base *base)
{
	struct agent_server *s = xcalloc(1, sizeof(*s));
	int r = -OCTA_EINVAL;

	if ((s->ctx = tls_ctx_new(a->server_cert, a->server_ca)) == NULL) {
		log_error("agent: cannot set up TLS cert=%s ca=%s",
		    a->server_cert, a->server_ca);
		goto out;
	}
	if ((s->http = evhttp_new(base)) == NULL) {
		r = -OCTA_EINTERNAL;
		goto out;
	}
	evhttp_set_bevcb(s->http, bev_cb, s);
	evhttp_set_gencb(s->http, request_cb, a);
	evhttp_set_max_body_size(s->http, AGENT_MAX_BODY);
	evhttp_set_max_headers_size(s->http, 64 * 1024);
	evhttp_set_timeout(s->http, a->read_timeout);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	if (evhttp_bind_socket(s->http, a->bind_host,
	    (ev_uint16_t)a->bind_port) != 0) {
		log_error("agent: cannot listen on [%s]:%d", a->bind_host,
		    a->bind_port);
		r = -OCTA_EIO;
		goto out;
	}
	a->srv = s;
	s = NULL;
	log_info("agent listening on [%s]:%d (mutual TLS)", a->bind_host,
	    a->bind_port);
	r = 0;
out:
	if (s != NULL) {
		if (s->http)
			evhttp_free(s->http);
		SSL_CTX_free(s->ctx);
		free(s);
	}
	return r;
}

void
server_free(struct agent *a)
{
	struct agent_server *s = a->srv;

	if (s == NULL)
		return;
	if (s->http)
		evhttp_free(s->http);
	SSL_CTX_free(s->ctx);
	free(s);
	a->srv = NULL;
}
