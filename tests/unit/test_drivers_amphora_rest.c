/*
 * test_drivers_amphora_rest.c - src/drivers/amphora/amphora_rest.c against
 * a small HTTPS agent stand-in run by the test on 127.0.0.1 (OpenSSL,
 * one thread, one connection at a time).  Certificates come from octa's
 * own CAs (local_ca.c) in a temporary directory, as octa-manage certs
 * init and the worker make them.
 *
 * What is checked: mutual TLS both ways (the agent sees the controller's
 * client certificate; an agent whose certificate names another amphora,
 * or comes from another CA, is refused at once; a client certificate the
 * agent does not trust gets no request through), the host name sent is
 * the amphora id, Octavia's User-Agent, bounded retries while the agent
 * is not up (refused connections, "not ready" 404s), and the requests of
 * each call: URLs, methods, bodies, the certificate md5 skip.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "unit.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/tls_cert.h"
#include "common/util.h"
#include "drivers/amphora/amphora_rest.h"
#include "drivers/cert/local_ca.h"
#include "drivers/drivers.h"
#include "drivers/secrets/secrets.h"

#define AMP "6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
#define OTHER_AMP "7a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"
#define LB "11111111-2222-4333-8444-555555555555"
#define L1 "22222222-3333-4444-8555-666666666666"
#define P1 "33333333-4444-4555-8666-777777777777"
#define M1 "44444444-5555-4666-8777-888888888888"

static const struct amphora_driver *const D = &amphora_haproxy_rest_driver;

/* ---- the agent stand-in ---- */

struct req {
	char method[8];
	char path[256];
	char ua[160];
	char ctype[80];
	char peer_cn[80];	/* the client certificate's CN */
	char sni[80];		/* the host name the client asked for */
	char *body;
	size_t len;
};

static struct srv {
	SSL_CTX *ctx;
	int lfd;
	int port;
	pthread_t thread;
	volatile int stop;
	pthread_mutex_t mu;
	struct req reqs[32];
	int nreq;
	int handshakes_failed;
	/* the script */
	int not_ready;		/* the first n requests get a 404 */
	int plug_status;	/* status of POST /plug/... (202) */
	int config_status;	/* status of PUT .../haproxy (202) */
	json_t *md5s;		/* certificate file -> md5 on "disk" */
} srv;

static char *dir;
static struct ca_paths ca;
static char server_pem[600];	/* the agent's certificate and key */

static void
md5_hex(const void *p, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	assert_true(EVP_Digest(p, n, md, &len, EVP_md5(), NULL));
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
respond(SSL *ssl, int status, const char *ctype, const char *body)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n", status, ctype, strlen(body));
	SSL_write(ssl, head, n);
	if (*body)
		SSL_write(ssl, body, (int)strlen(body));
}

/* What the agent answers to a request (the contract's section 4.2). */
static void
answer(SSL *ssl, struct req *q)
{
	const char *file;
	char md5[33], body[128];

	if (srv.not_ready > 0) {
		srv.not_ready--;
		respond(ssl, 404, "text/html", "<h1>Not Found</h1>");
		return;
	}
	if (strcmp(q->method, "GET") == 0 &&
	    strcmp(q->path, "/1.0/info") == 0) {
		respond(ssl, 200, "application/json", "{\"api_version\": "
		    "\"1.0\", \"haproxy_version\": \"2.6.12-1\", \"hostname\": "
		    "\"amp\"}");
	} else if (strstr(q->path, "/certificates/") &&
	    (file = strrchr(q->path, '/') + 1) != NULL) {
		if (strcmp(q->method, "PUT") == 0) {
			md5_hex(q->body, q->len, md5);
			json_object_set_new(srv.md5s, file, json_string(md5));
			respond(ssl, 200, "application/json",
			    "{\"message\": \"OK\"}");
		} else if (json_object_get(srv.md5s, file)) {
			snprintf(body, sizeof(body), "{\"md5sum\": \"%s\"}",
			    json_string_value(json_object_get(srv.md5s, file)));
			respond(ssl, 200, "application/json", body);
		} else {
			respond(ssl, 404, "application/json", "{\"message\": "
			    "\"Certificate Not Found\"}");
		}
	} else if (strncmp(q->path, "/1.0/plug/", 10) == 0) {
		respond(ssl, srv.plug_status, "application/json",
		    srv.plug_status == 409 ? "{\"message\": \"Interface "
		    "already exists\"}" : "{\"message\": \"OK\"}");
	} else if (strcmp(q->method, "PUT") == 0 &&
	    strstr(q->path, "/haproxy")) {
		respond(ssl, srv.config_status, "application/json",
		    srv.config_status == 400 ? "{\"message\": \"Invalid "
		    "request\", \"details\": \"[ALERT] parsing\"}" :
		    "{\"message\": \"OK\"}");
	} else if (strcmp(q->method, "PUT") == 0 && strstr(q->path,
	    "/reload")) {
		respond(ssl, 202, "application/json", "{\"message\": \"OK\"}");
	} else if (strcmp(q->method, "DELETE") == 0 &&
	    strncmp(q->path, "/1.0/listeners/", 15) == 0) {
		respond(ssl, 200, "application/json", "{\"message\": \"OK\"}");
	} else {
		respond(ssl, 404, "application/json", "{\"error\": \"nope\"}");
	}
}

static void
header(const char *head, const char *name, char *out, size_t len)
{
	const char *p = strcasestr(head, name), *e;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(name);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(out, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
}

/* Serves the requests of one connection until the client closes it. */
static void
serve(SSL *ssl)
{
	char buf[1 << 16], cl[32], cn[80] = "", sni[80] = "";
	const char *name;
	X509 *peer;
	size_t have = 0;
	int n;

	if ((peer = SSL_get1_peer_certificate(ssl)) != NULL) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
		    NID_commonName, cn, sizeof(cn));
		X509_free(peer);
	}
	if ((name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)))
		snprintf(sni, sizeof(sni), "%s", name);
	for (;;) {
		char *end;
		struct req *q;
		long long want = 0;
		size_t headlen;

		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			if (have >= sizeof(buf) - 1)
				return;
			n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 -
			    have));
			if (n <= 0)
				return;
			have += (size_t)n;
			buf[have] = '\0';
		}
		headlen = (size_t)(end - buf) + 4;
		header(buf, "\r\nContent-Length:", cl, sizeof(cl));
		if (cl[0])
			assert_true(parse_ll(cl, &want));
		pthread_mutex_lock(&srv.mu);
		assert_true(srv.nreq < (int)ARRAY_SIZE(srv.reqs));
		q = &srv.reqs[srv.nreq++];
		memset(q, 0, sizeof(*q));
		sscanf(buf, "%7s %255s", q->method, q->path);
		header(buf, "\r\nUser-Agent:", q->ua, sizeof(q->ua));
		header(buf, "\r\nContent-Type:", q->ctype, sizeof(q->ctype));
		snprintf(q->peer_cn, sizeof(q->peer_cn), "%s", cn);
		snprintf(q->sni, sizeof(q->sni), "%s", sni);
		q->body = malloc((size_t)want + 1);
		q->len = (size_t)want;
		/* the body: what came with the head, then the rest */
		n = (int)(have - headlen < (size_t)want ? have - headlen :
		    (size_t)want);
		memcpy(q->body, buf + headlen, (size_t)n);
		while ((size_t)n < q->len) {
			int k = SSL_read(ssl, q->body + n, (int)q->len - n);

			if (k <= 0)
				break;
			n += k;
		}
		q->body[q->len] = '\0';
		answer(ssl, q);
		pthread_mutex_unlock(&srv.mu);
		have = 0;
	}
}

static void *
srv_main(void *arg)
{
	struct pollfd pfd;
	struct timeval tv = { 5, 0 };
	SSL *ssl;
	int fd;

	(void)arg;
	while (!srv.stop) {
		pfd.fd = srv.lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((fd = accept(srv.lfd, NULL, NULL)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssl = SSL_new(srv.ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1) {
			serve(ssl);
			SSL_shutdown(ssl);
		} else {
			pthread_mutex_lock(&srv.mu);
			srv.handshakes_failed++;
			pthread_mutex_unlock(&srv.mu);
		}
		SSL_free(ssl);
		close(fd);
	}
	return NULL;
}

/* The agent: its certificate for `amp_id`, clients of `client_ca`. */
static void
srv_start(const char *amp_id)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct buf pem;
	int one = 1;

	buf_init(&pem, 1 << 16);
	assert_int_equal(ca_issue_amphora(&ca, amp_id, 3600, &pem, NULL), 0);
	unit_write_file(server_pem, buf_str(&pem));
	buf_free(&pem);
	memset(&srv.reqs, 0, sizeof(srv.reqs));
	srv.nreq = srv.handshakes_failed = 0;
	srv.not_ready = 0;
	srv.plug_status = 202;
	srv.config_status = 202;
	srv.md5s = json_object();
	srv.stop = 0;
	pthread_mutex_init(&srv.mu, NULL);
	srv.ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(srv.ctx);
	assert_int_equal(SSL_CTX_use_certificate_file(srv.ctx, server_pem,
	    SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(srv.ctx, server_pem,
	    SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_load_verify_locations(srv.ctx, ca.client_ca,
	    NULL), 1);
	SSL_CTX_set_verify(srv.ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv.lfd >= 0);
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(srv.lfd, 16), 0);
	assert_int_equal(getsockname(srv.lfd, (struct sockaddr *)&a, &alen),
	    0);
	srv.port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&srv.thread, NULL, srv_main, NULL),
	    0);
}

/* Forgets the requests seen so far. */
static void
srv_reset(void)
{
	int i;

	pthread_mutex_lock(&srv.mu);
	for (i = 0; i < srv.nreq; i++)
		free(srv.reqs[i].body);
	memset(&srv.reqs, 0, sizeof(srv.reqs));
	srv.nreq = 0;
	pthread_mutex_unlock(&srv.mu);
}

static void
srv_stop(void)
{
	int i;

	srv.stop = 1;
	pthread_join(srv.thread, NULL);
	close(srv.lfd);
	SSL_CTX_free(srv.ctx);
	for (i = 0; i < srv.nreq; i++)
		free(srv.reqs[i].body);
	json_decref(srv.md5s);
	srv.md5s = NULL;
}

/* ---- the client's side ---- */

static struct amp_rest_opts opts;

/* Options pointing at the stand-in: few, quick retries. */
static void
use_opts(int retries, long interval_ms)
{
	memset(&opts, 0, sizeof(opts));
	snprintf(opts.client_cert, sizeof(opts.client_cert), "%s", ca.client);
	snprintf(opts.server_ca, sizeof(opts.server_ca), "%s", ca.server_ca);
	opts.port = srv.port;
	opts.connect_timeout_ms = 2000;
	opts.request_timeout_ms = 5000;
	opts.max_retries = retries;
	opts.retry_interval_ms = interval_ms;
	amp_rest_set_opts(&opts);
}

static json_t *
amp_obj(const char *id)
{
	return json_pack("{ss ss}", "id", id, "lb_network_ip", "127.0.0.1");
}

static int
setup(void **state)
{
	char *certs;
	int created;

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	dir = unit_tmpdir();
	assert_int_equal(config_set("octa", "state_dir", dir), 0);
	certs = unit_path(dir, "certs");
	assert_int_equal(config_set("certificates", "cert_dir", certs), 0);
	free(certs);
	certs = unit_path(dir, "secrets");
	assert_int_equal(config_set("certificates", "secrets_dir", certs), 0);
	free(certs);
	ca_paths_default(&ca);
	assert_int_equal(ca_init(&ca, 0, &created), 0);
	snprintf(server_pem, sizeof(server_pem), "%s/agent.pem", dir);
	srv_start(AMP);
	use_opts(3, 20);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	srv_stop();
	amp_rest_set_opts(NULL);
	unit_rmdir(dir);
	free(dir);
	dir = NULL;
	config_free();
	return 0;
}

static long long
now_ms(void)
{
	return (long long)time_mono_ms();
}

/* ---- transport ---- */

static void
test_registered(void **state)
{
	struct drivers d;

	(void)state;
	assert_int_equal(drivers_select(&d, "compute_noop_driver",
	    "network_noop_driver", "amphora_haproxy_rest_driver"), 0);
	assert_ptr_equal(d.amphora, D);
}

/* Octavia's defaults, from the configuration. */
static void
test_opts_from_config(void **state)
{
	struct amp_rest_opts o;
	char want[600];

	(void)state;
	amp_rest_opts_from_config(&o);
	assert_int_equal(o.port, 9443);
	assert_int_equal(o.connect_timeout_ms, 10000);
	assert_int_equal(o.request_timeout_ms, 60000);
	assert_int_equal(o.max_retries, 60);
	assert_int_equal(o.retry_interval_ms, 250);
	snprintf(want, sizeof(want), "%s/certs/client.pem", dir);
	assert_string_equal(o.client_cert, want);
	snprintf(want, sizeof(want), "%s/certs/server_ca.pem", dir);
	assert_string_equal(o.server_ca, want);
	assert_string_equal(o.base_path, "");
	assert_int_equal(config_set("haproxy_amphora",
	    "connection_retry_interval", "2"), 0);
	assert_int_equal(config_set("haproxy_amphora", "client_cert",
	    "/etc/octavia/certs/client.pem"), 0);
	amp_rest_opts_from_config(&o);
	assert_int_equal(o.retry_interval_ms, 2000);
	assert_string_equal(o.client_cert, "/etc/octavia/certs/client.pem");
}

/* Mutual TLS: the agent sees our client certificate; we asked for the
 * amphora by its id; Octavia's User-Agent. */
static void
test_wait_ready(void **state)
{
	json_t *amp = amp_obj(AMP);

	(void)state;
	assert_int_equal(D->wait_ready(amp), 0);
	assert_int_equal(srv.nreq, 1);
	assert_string_equal(srv.reqs[0].method, "GET");
	assert_string_equal(srv.reqs[0].path, "/1.0/info");
	assert_string_equal(srv.reqs[0].peer_cn, "octa controller");
	assert_string_equal(srv.reqs[0].sni, AMP);
	assert_string_equal(srv.reqs[0].ua, "Octavia HaProxy Rest Client/1.0 "
	    "(https://wiki.openstack.org/wiki/Octavia)");
	json_decref(amp);
}

/* An agent whose certificate names another amphora (a stale address,
 * say) is refused at once: no retries, no request. */
static void
test_wrong_amphora_refused(void **state)
{
	json_t *amp = amp_obj(OTHER_AMP);
	long long t0;

	(void)state;
	use_opts(50, 100);
	t0 = now_ms();
	assert_int_equal(D->wait_ready(amp), -OCTA_EIO);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(srv.nreq, 0);
	json_decref(amp);
}

/* An agent whose certificate is not from the amphora CA is refused. */
static void
test_untrusted_agent_refused(void **state)
{
	json_t *amp = amp_obj(AMP);

	(void)state;
	use_opts(50, 100);
	snprintf(opts.server_ca, sizeof(opts.server_ca), "%s", ca.client_ca);
	amp_rest_set_opts(&opts);
	assert_int_equal(D->wait_ready(amp), -OCTA_EIO);
	assert_int_equal(srv.nreq, 0);
	json_decref(amp);
}

/* The agent demands a client certificate from the controller CA: one
 * from elsewhere (here the agent's own, from the amphora CA) gets no
 * request through, nor does none at all. */
static void
test_client_cert_required(void **state)
{
	json_t *amp = amp_obj(AMP);

	(void)state;
	snprintf(opts.client_cert, sizeof(opts.client_cert), "%s",
	    server_pem);
	amp_rest_set_opts(&opts);
	assert_int_equal(D->wait_ready(amp), -OCTA_EIO);
	assert_int_equal(srv.nreq, 0);
	assert_true(srv.handshakes_failed >= 1);

	snprintf(opts.client_cert, sizeof(opts.client_cert), "%s/none.pem",
	    dir);
	amp_rest_set_opts(&opts);
	assert_int_equal(D->wait_ready(amp), -OCTA_EIO);
	assert_int_equal(srv.nreq, 0);
	json_decref(amp);
}

/* "Not ready" 404s (no JSON) are retried until the agent answers. */
static void
test_not_ready_retried(void **state)
{
	json_t *amp = amp_obj(AMP);

	(void)state;
	use_opts(5, 10);
	srv.not_ready = 2;
	assert_int_equal(D->wait_ready(amp), 0);
	assert_int_equal(srv.nreq, 3);
	/* more than the retries allow: it gives up */
	srv_reset();
	srv.not_ready = 10;
	assert_int_equal(D->wait_ready(amp), -OCTA_ENOTFOUND);
	assert_int_equal(srv.nreq, 5);
	json_decref(amp);
}

/* Nobody listening: bounded by retries x interval. */
static void
test_unreachable_bounded(void **state)
{
	json_t *amp = amp_obj(AMP);
	long long t0, ms;

	(void)state;
	srv_stop();
	use_opts(4, 50);
	t0 = now_ms();
	assert_int_equal(D->wait_ready(amp), -OCTA_EIO);
	ms = now_ms() - t0;
	assert_true(ms >= 150 && ms < 3000);
	srv_start(AMP);		/* for teardown */
	json_decref(amp);
}

static void
test_bad_amphora_objects(void **state)
{
	json_t *amp;

	(void)state;
	amp = json_pack("{ss ss}", "id", "not-a-uuid", "lb_network_ip",
	    "127.0.0.1");
	assert_int_equal(D->wait_ready(amp), -OCTA_EINVAL);
	json_decref(amp);
	amp = json_pack("{ss}", "id", AMP);
	assert_int_equal(D->wait_ready(amp), -OCTA_EINVAL);
	json_decref(amp);
	amp = json_pack("{ss ss}", "id", AMP, "lb_network_ip", "host:1");
	assert_int_equal(D->wait_ready(amp), -OCTA_EINVAL);
	json_decref(amp);
	assert_int_equal(srv.nreq, 0);
}

/* ---- calls ---- */

static const char base_tree[] =
    "{'id': '" LB "', 'name': 'lb', 'project_id': 'p1',"
    " 'admin_state_up': true, 'provisioning_status': 'ACTIVE',"
    " 'vip_address': '10.0.0.10', 'topology': 'SINGLE',"
    " 'additional_vips': [],"
    " 'listeners': [{'id': '" L1 "', 'name': 'l1', 'protocol': 'HTTP',"
    "   'protocol_port': 80, 'admin_state_up': true,"
    "   'provisioning_status': 'ACTIVE', 'connection_limit': -1,"
    "   'default_pool_id': '" P1 "', 'insert_headers': {},"
    "   'client_authentication': 'NONE', 'allowed_cidrs': null,"
    "   'sni_container_refs': [], 'l7policies': []}],"
    " 'pools': ["
    "  {'id': '" P1 "', 'name': 'p1', 'protocol': 'HTTP',"
    "   'lb_algorithm': 'ROUND_ROBIN', 'admin_state_up': true,"
    "   'provisioning_status': 'ACTIVE', 'session_persistence': null,"
    "   'tls_enabled': false, 'healthmonitor': null, 'members': ["
    "    {'id': '" M1 "', 'address': '10.0.1.1', 'protocol_port': 8080,"
    "     'weight': 1, 'backup': false, 'admin_state_up': true,"
    "     'provisioning_status': 'ACTIVE'}]}]}";

/* The test trees are written with ' for readability. */
static json_t *
tree_of(const char *text)
{
	char *s = strdup(text), *p;
	json_t *t;
	json_error_t e;

	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	t = json_loads(s, 0, &e);
	if (t == NULL)
		fail_msg("bad test tree: %s", e.text);
	free(s);
	return t;
}

/* Render, PUT the configuration, reload; with the agent's own paths. */
static void
test_update_config(void **state)
{
	json_t *tree = tree_of(base_tree), *amp = amp_obj(AMP);
	char want[512];

	(void)state;
	assert_int_equal(D->update_config(tree, amp), 0);
	assert_int_equal(srv.nreq, 2);
	assert_string_equal(srv.reqs[0].method, "PUT");
	assert_string_equal(srv.reqs[0].path,
	    "/1.0/loadbalancer/" AMP "/" LB "/haproxy");
	assert_non_null(strstr(srv.reqs[0].body, "frontend " L1 "\n"));
	assert_non_null(strstr(srv.reqs[0].body, "backend " P1 ":" L1 "\n"));
	/* a UNIX socket path must be short: not under the state dir */
	assert_non_null(strstr(srv.reqs[0].body, "stats socket /run/octa/"
	    AMP "/" LB ".sock "));
	snprintf(want, sizeof(want), "server-state-file %s/amphorae/" AMP "/"
	    LB "/servers-state", dir);
	assert_non_null(strstr(srv.reqs[0].body, want));
	/* no syslog socket in a local-world amphora */
	assert_null(strstr(srv.reqs[0].body, "/run/rsyslog"));
	assert_string_equal(srv.reqs[1].method, "PUT");
	assert_string_equal(srv.reqs[1].path,
	    "/1.0/loadbalancer/" LB "/reload");
	assert_int_equal(srv.reqs[1].len, 0);

	/* an Octavia amphora: its paths, its syslog */
	srv_reset();
	snprintf(opts.base_path, sizeof(opts.base_path), "/var/lib/octavia");
	amp_rest_set_opts(&opts);
	assert_int_equal(D->update_config(tree, amp), 0);
	assert_non_null(strstr(srv.reqs[0].body, "stats socket "
	    "/var/lib/octavia/" LB ".sock "));
	assert_non_null(strstr(srv.reqs[0].body, "/run/rsyslog/octavia/log"));
	assert_non_null(strstr(srv.reqs[0].body,
	    "/var/lib/octavia/" LB "/servers-state"));

	/* the agent refuses the configuration (haproxy -c) */
	srv_reset();
	srv.config_status = 400;
	assert_int_equal(D->update_config(tree, amp), -OCTA_EINVAL);
	assert_int_equal(srv.nreq, 1);	/* no reload */
	json_decref(tree);
	json_decref(amp);
}

/* Octavia: with no TCP-family listener left, HAProxy goes. */
static void
test_update_config_no_listeners(void **state)
{
	json_t *tree = tree_of(base_tree), *amp = amp_obj(AMP);

	(void)state;
	json_object_set_new(tree, "listeners", json_array());
	assert_int_equal(D->update_config(tree, amp), 0);
	assert_int_equal(srv.nreq, 1);
	assert_string_equal(srv.reqs[0].method, "DELETE");
	assert_string_equal(srv.reqs[0].path, "/1.0/listeners/" LB);
	json_decref(tree);
	json_decref(amp);
}

/* A TERMINATED_HTTPS listener: the certificate file (cert + key) and the
 * crt-list go up first, and only when the agent's md5 differs. */
static void
test_update_config_tls(void **state)
{
	json_t *tree = tree_of(base_tree), *amp = amp_obj(AMP), *l;
	struct tls_container c = { 0 };
	struct tls_cert_info info;
	struct secret_meta meta = { .kind = SECRET_CERTIFICATE };
	struct buf pem;
	char ref[SECRET_REF_MAX], err[128], certfile[80], crtlist[600];
	char *key;
	int i, puts;

	(void)state;
	/* a certificate container in the file backend */
	buf_init(&pem, 1 << 16);
	assert_int_equal(ca_issue_amphora(&ca, "www.example.com", 3600, &pem,
	    NULL), 0);
	key = strstr(pem.p, "-----BEGIN PRIVATE KEY-----");
	assert_non_null(key);
	c.private_key = strdup(key);
	*key = '\0';
	c.certificate = strdup(pem.p);
	buf_free(&pem);
	snprintf(meta.name, sizeof(meta.name), "www");
	assert_int_equal(secrets_file_driver.store(&c, &meta, ref,
	    sizeof(ref)), 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	snprintf(certfile, sizeof(certfile), "%s.pem", info.id);
	tls_cert_info_clear(&info);
	tls_container_clear(&c);

	l = json_array_get(json_object_get(tree, "listeners"), 0);
	json_object_set_new(l, "protocol", json_string("TERMINATED_HTTPS"));
	json_object_set_new(l, "protocol_port", json_integer(443));
	json_object_set_new(l, "default_tls_container_ref", json_string(ref));
	assert_int_equal(D->update_config(tree, amp), 0);
	/* GET md5 + PUT for each of the two files, config, reload */
	assert_int_equal(srv.nreq, 6);
	assert_string_equal(srv.reqs[0].method, "GET");
	assert_true(strstr(srv.reqs[0].path, certfile) != NULL);
	assert_string_equal(srv.reqs[1].method, "PUT");
	assert_true(strstr(srv.reqs[1].path, "/1.0/loadbalancer/" LB
	    "/certificates/") != NULL);
	assert_non_null(strstr(srv.reqs[1].body, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(srv.reqs[1].body, "PRIVATE KEY"));
	assert_string_equal(srv.reqs[3].path, "/1.0/loadbalancer/" LB
	    "/certificates/" L1 ".pem");
	snprintf(crtlist, sizeof(crtlist), "%s/amphorae/" AMP "/certs/" LB
	    "/%s\n", dir, certfile);
	assert_string_equal(srv.reqs[3].body, crtlist);
	snprintf(crtlist, sizeof(crtlist), "crt-list %s/amphorae/" AMP
	    "/certs/" LB "/" L1 ".pem", dir);
	assert_non_null(strstr(srv.reqs[4].body, crtlist));
	assert_string_equal(srv.reqs[5].path, "/1.0/loadbalancer/" LB
	    "/reload");

	/* again: the agent has both files, nothing is uploaded */
	srv_reset();
	assert_int_equal(D->update_config(tree, amp), 0);
	for (i = 0, puts = 0; i < srv.nreq; i++)
		if (strcmp(srv.reqs[i].method, "PUT") == 0 &&
		    strstr(srv.reqs[i].path, "/certificates/"))
			puts++;
	assert_int_equal(puts, 0);
	assert_int_equal(srv.nreq, 4);

	/* a reference no backend knows fails the push before any request */
	srv_reset();
	json_object_set_new(l, "default_tls_container_ref",
	    json_string("file:///secrets/" OTHER_AMP));
	assert_int_equal(D->update_config(tree, amp), -OCTA_ENOTFOUND);
	assert_int_equal(srv.nreq, 0);
	json_decref(tree);
	json_decref(amp);
}

static void
test_plug_vip(void **state)
{
	json_t *amp = amp_obj(AMP), *lb, *body;

	(void)state;
	lb = json_pack("{ss ss}", "id", LB, "vip_address", "10.0.0.10");
	json_object_set_new(amp, "vrrp_ip", json_string("10.0.0.5"));
	json_object_set_new(amp, "vrrp_port", json_pack("{ss ss ss si}",
	    "mac_address", "fa:16:3e:00:00:01", "cidr", "10.0.0.0/24",
	    "gateway_ip", "10.0.0.1", "mtu", 1500));
	assert_int_equal(D->plug_vip(lb, amp), 0);
	assert_int_equal(srv.nreq, 1);
	assert_string_equal(srv.reqs[0].method, "POST");
	assert_string_equal(srv.reqs[0].path, "/1.0/plug/vip/10.0.0.10");
	assert_string_equal(srv.reqs[0].ctype, "application/json");
	body = json_loads(srv.reqs[0].body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body,
	    "subnet_cidr")), "10.0.0.0/24");
	assert_string_equal(json_string_value(json_object_get(body,
	    "gateway")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(body,
	    "mac_address")), "fa:16:3e:00:00:01");
	assert_string_equal(json_string_value(json_object_get(body,
	    "vrrp_ip")), "10.0.0.5");
	assert_int_equal(json_integer_value(json_object_get(body, "mtu")),
	    1500);
	assert_true(json_is_array(json_object_get(body, "host_routes")));
	json_decref(body);

	/* "Interface already exists": already plugged, fine */
	srv.plug_status = 409;
	assert_int_equal(D->plug_vip(lb, amp), 0);
	/* without its VRRP port there is nothing to ask the agent */
	json_object_del(amp, "vrrp_port");
	assert_int_equal(D->plug_vip(lb, amp), -OCTA_EINVAL);
	assert_int_equal(srv.nreq, 2);
	json_decref(lb);
	json_decref(amp);
}

static void
test_plug_network(void **state)
{
	json_t *amp = amp_obj(AMP), *port, *body, *fip;

	(void)state;
	port = json_pack("{ss ss ss ss}", "mac_address", "fa:16:3e:00:00:02",
	    "ip_address", "10.0.1.5", "cidr", "10.0.1.0/24", "interface",
	    "eth2");
	assert_int_equal(D->plug_network(amp, port), 0);
	assert_int_equal(srv.nreq, 1);
	assert_string_equal(srv.reqs[0].path, "/1.0/plug/network");
	body = json_loads(srv.reqs[0].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body,
	    "mac_address")), "fa:16:3e:00:00:02");
	fip = json_array_get(json_object_get(body, "fixed_ips"), 0);
	assert_string_equal(json_string_value(json_object_get(fip,
	    "ip_address")), "10.0.1.5");
	assert_string_equal(json_string_value(json_object_get(fip,
	    "subnet_cidr")), "10.0.1.0/24");
	json_decref(body);
	json_decref(port);
	json_decref(amp);
}

/* Best effort, one attempt: a dead agent does not hold a delete up. */
static void
test_delete_config(void **state)
{
	json_t *amp = amp_obj(AMP), *lb = json_pack("{ss}", "id", LB);
	long long t0;

	(void)state;
	assert_int_equal(D->delete_config(lb, amp), 0);
	assert_int_equal(srv.nreq, 1);
	assert_string_equal(srv.reqs[0].method, "DELETE");
	assert_string_equal(srv.reqs[0].path, "/1.0/listeners/" LB);
	srv_stop();
	use_opts(50, 100);
	t0 = now_ms();
	assert_int_equal(D->delete_config(lb, amp), -OCTA_EIO);
	assert_true(now_ms() - t0 < 1000);
	srv_start(AMP);
	json_decref(lb);
	json_decref(amp);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registered),
		T(test_opts_from_config),
		T(test_wait_ready),
		T(test_wrong_amphora_refused),
		T(test_untrusted_agent_refused),
		T(test_client_cert_required),
		T(test_not_ready_retried),
		T(test_unreachable_bounded),
		T(test_bad_amphora_objects),
		T(test_update_config),
		T(test_update_config_no_listeners),
		T(test_update_config_tls),
		T(test_plug_vip),
		T(test_plug_network),
		T(test_delete_config),
	};

	/* The stand-in may write to a client that hung up (as octad does). */
	signal(SIGPIPE, SIG_IGN);
	log_init("unit", LOG_LVL_WARN);
	if (getenv("OCTA_TEST_DEBUG"))
		log_init("unit", LOG_LVL_DEBUG);
	return cmocka_run_group_tests_name("drivers/amphora_rest", tests,
	    NULL, NULL);
}
