/*
 * amphora_rest.c - amphora_haproxy_rest_driver: the worker's client of the
 * amphora agent API 1.0 (contract section 4), over libcurl.
 *
 * Runs on worker threads, inside a flow step's execute phase (no database
 * transaction is held).  Every call opens one curl handle for the amphora
 * and reuses its connection for the requests the call makes.
 *
 * Transport, as Octavia's controller does it:
 *  - the URL names the amphora by its id, https://<amphora id>:9443/1.0/...,
 *    and CURLOPT_CONNECT_TO sends the connection to its lb_network_ip, so
 *    that curl's host name check compares the agent's certificate (CN and
 *    DNS SAN = amphora id) with the amphora id;
 *  - the agent's certificate must chain to the amphora CA (server_ca.pem
 *    only: no system CA store); the controller presents client.pem;
 *  - TLS 1.2 or newer, no proxies (environment variables are ignored),
 *    https only, no redirects, bounded response bodies;
 *  - connect timeout 10 s and 60 s per request ([haproxy_amphora]
 *    rest_request_conn_timeout / rest_request_read_timeout);
 *  - an agent that cannot be reached yet, or answers 404 without JSON or
 *    with "No suitable network interface found" (contract 4.1: not ready),
 *    is retried connection_max_retries times every
 *    connection_retry_interval seconds, and never past that many
 *    intervals plus one connect timeout in all.  A certificate that fails
 *    verification is not retried: it will not get better.
 *
 * update_config follows Octavia's update sequence per amphora: the TLS
 * files (certificates with their keys, crt-lists, CA and CRL files) are
 * fetched from the secrets backend and uploaded unless the agent already
 * has the same md5, haproxy.cfg is rendered (render_haproxy) with the
 * paths the agent uses and PUT, then HAProxy is reloaded.  Private keys
 * are held only in memory, wiped when freed, and never logged.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "amphora_rest.h"
#include "../drivers.h"
#include "../secrets/secrets.h"
#include "../../common/buf.h"
#include "../../common/config.h"
#include "../../common/errors.h"
#include "../../common/log.h"
#include "../../common/tls_cert.h"
#include "../../common/util.h"
#include "../../common/xalloc.h"
#include "../../render/render_haproxy.h"

#define AMP_USER_AGENT "Octavia HaProxy Rest Client/1.0 " \
	"(https://wiki.openstack.org/wiki/Octavia)"
#define AMP_API "/1.0"
#define AMP_RESP_MAX (1u << 20)		/* largest answer we read */
#define AMP_CFG_MAX (16u << 20)		/* largest haproxy.cfg */
#define AMP_PATH_MAX 1024
/*
 * A UNIX socket path has at most 107 bytes (HAProxy takes 97), too few
 * for <state_dir>/amphorae/<amphora id>/<lb id>.sock: in the local world
 * the stats socket lives in a short runtime directory instead, which the
 * agent makes (docs/local-world.md).
 */
#define AMP_RUN_DIR "/run/octa"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t opts_mu = PTHREAD_MUTEX_INITIALIZER;
static struct amp_rest_opts *opts_override;

/* One amphora's connection, for the requests of one driver call. */
struct amp_conn {
	struct amp_rest_opts o;
	CURL *h;
	const char *amp_id;
	char ip[64];
	char base[128];			/* https://<amp id>:<port>/1.0 */
	struct curl_slist *connect_to;
};

struct amp_resp {
	long status;
	struct buf body;
	char ctype[128];
};

/* How a request is retried. */
enum amp_retry {
	RETRY_WAIT,	/* while the agent is not up: the configured bound */
	RETRY_ONCE,	/* one attempt (best-effort cleanup) */
};

static void
curl_init_once(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("amphora driver: curl_global_init failed");
}

void
amp_rest_opts_from_config(struct amp_rest_opts *o)
{
	char dir[512];
	double iv = 0.25;
	char *end = NULL;

	memset(o, 0, sizeof(*o));
	config_cert_dir(dir, sizeof(dir));
	if (cfg.haproxy_amphora_client_cert &&
	    cfg.haproxy_amphora_client_cert[0])
		snprintf(o->client_cert, sizeof(o->client_cert), "%s",
		    cfg.haproxy_amphora_client_cert);
	else
		snprintf(o->client_cert, sizeof(o->client_cert),
		    "%s/client.pem", dir);
	if (cfg.haproxy_amphora_server_ca && cfg.haproxy_amphora_server_ca[0])
		snprintf(o->server_ca, sizeof(o->server_ca), "%s",
		    cfg.haproxy_amphora_server_ca);
	else
		snprintf(o->server_ca, sizeof(o->server_ca),
		    "%s/server_ca.pem", dir);
	if (cfg.haproxy_amphora_base_path)
		snprintf(o->base_path, sizeof(o->base_path), "%s",
		    cfg.haproxy_amphora_base_path);
	o->port = (int)cfg.haproxy_amphora_bind_port;
	o->connect_timeout_ms = cfg.haproxy_amphora_rest_request_conn_timeout *
	    1000;
	o->request_timeout_ms = cfg.haproxy_amphora_rest_request_read_timeout *
	    1000;
	o->max_retries = (int)cfg.haproxy_amphora_connection_max_retries;
	if (cfg.haproxy_amphora_connection_retry_interval) {
		iv = strtod(cfg.haproxy_amphora_connection_retry_interval,
		    &end);
		if (end == cfg.haproxy_amphora_connection_retry_interval ||
		    *end != '\0' || iv < 0 || iv > 3600) {
			log_warn("config [haproxy_amphora] "
			    "connection_retry_interval=%s is not a number of "
			    "seconds: using 0.25",
			    cfg.haproxy_amphora_connection_retry_interval);
			iv = 0.25;
		}
	}
	o->retry_interval_ms = (long)(iv * 1000);
	if (o->port < 1 || o->port > 65535)
		o->port = 9443;
	if (o->connect_timeout_ms < 1000)
		o->connect_timeout_ms = 1000;
	if (o->request_timeout_ms < o->connect_timeout_ms)
		o->request_timeout_ms = o->connect_timeout_ms;
	if (o->max_retries < 1)
		o->max_retries = 1;
}

void
amp_rest_set_opts(const struct amp_rest_opts *o)
{
	pthread_mutex_lock(&opts_mu);
	free(opts_override);
	opts_override = NULL;
	if (o) {
		opts_override = xmalloc(sizeof(*opts_override));
		*opts_override = *o;
	}
	pthread_mutex_unlock(&opts_mu);
}

static void
opts_current(struct amp_rest_opts *o)
{
	bool set = false;

	pthread_mutex_lock(&opts_mu);
	if (opts_override) {
		*o = *opts_override;
		set = true;
	}
	pthread_mutex_unlock(&opts_mu);
	if (!set)
		amp_rest_opts_from_config(o);
}

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ---- one connection ---- */

static void
amp_close(struct amp_conn *c)
{
	if (c->h)
		curl_easy_cleanup(c->h);
	c->h = NULL;
	curl_slist_free_all(c->connect_to);
	c->connect_to = NULL;
}

/* Checks the amphora's id and address and prepares the handle. */
static int
amp_open(struct amp_conn *c, json_t *amp)
{
	const char *id = jstr(amp, "id"), *ip = jstr(amp, "lb_network_ip");
	char target[256];
	int family = 0;

	memset(c, 0, sizeof(*c));
	pthread_once(&curl_once, curl_init_once);
	opts_current(&c->o);
	/* The id is the URL's host name: only a canonical UUID will do. */
	if (id == NULL || !uuid_valid(id) || strlen(id) != 36) {
		log_error("amphora driver: bad amphora id=%s", id ? id : "");
		return -OCTA_EINVAL;
	}
	if (ip == NULL || !ip_valid(ip, &family)) {
		log_error("amphora driver: amphora=%s has no usable "
		    "lb_network_ip=%s", id, ip ? ip : "");
		return -OCTA_EINVAL;
	}
	c->amp_id = id;
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	snprintf(c->base, sizeof(c->base), "https://%s:%d" AMP_API, id,
	    c->o.port);
	snprintf(target, sizeof(target), family == 6 ? "%s:%d:[%s]:%d" :
	    "%s:%d:%s:%d", id, c->o.port, ip, c->o.port);
	c->connect_to = curl_slist_append(NULL, target);
	c->h = curl_easy_init();
	if (c->connect_to == NULL || c->h == NULL) {
		amp_close(c);
		return -OCTA_EINTERNAL;
	}
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct amp_resp *resp = arg;

	if (buf_add(&resp->body, data, size * n) < 0)
		return 0;	/* too large: CURLE_WRITE_ERROR */
	return size * n;
}

/* One HTTP exchange; the curl result. */
static CURLcode
amp_perform(struct amp_conn *c, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, struct amp_resp *resp,
    char *err)
{
	struct curl_slist *hdrs = NULL;
	char url[AMP_PATH_MAX], ct[160];
	const char *got = NULL;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	buf_reset(&resp->body);
	resp->status = 0;
	resp->ctype[0] = '\0';
	err[0] = '\0';
	curl_easy_reset(c->h);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CONNECT_TO, c->connect_to);
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->h, CURLOPT_USERAGENT, AMP_USER_AGENT);
	curl_easy_setopt(c->h, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c->h, CURLOPT_SSLCERT, c->o.client_cert);
	curl_easy_setopt(c->h, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(c->h, CURLOPT_SSLKEY, c->o.client_cert);
	curl_easy_setopt(c->h, CURLOPT_SSLKEYTYPE, "PEM");
	curl_easy_setopt(c->h, CURLOPT_CAINFO, c->o.server_ca);
	curl_easy_setopt(c->h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS,
	    c->o.connect_timeout_ms);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->o.request_timeout_ms);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, err);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype :
		    "application/octet-stream");
		hdrs = curl_slist_append(hdrs, ct);
	}
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "DELETE") == 0) {
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		/* PUT and POST, with a body or an empty one. */
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body ? len : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	}
	cc = curl_easy_perform(c->h);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &resp->status);
		if (curl_easy_getinfo(c->h, CURLINFO_CONTENT_TYPE, &got) ==
		    CURLE_OK && got)
			snprintf(resp->ctype, sizeof(resp->ctype), "%s", got);
	}
	curl_slist_free_all(hdrs);
	return cc;
}

/* Failures that may go away when the agent comes up. */
static bool
transient(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return true;
	default:
		return false;
	}
}

/* Contract 4.1: such a 404 means "not ready yet, retry". */
static bool
not_ready(const struct amp_resp *resp)
{
	if (resp->status != 404)
		return false;
	if (strncmp(resp->ctype, "application/json", 16) != 0)
		return true;
	return strstr(buf_str(&resp->body),
	    "No suitable network interface found") != NULL;
}

static int
status_err(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 400: case 405: return -OCTA_EINVAL;
	case 401: return -OCTA_EUNAUTH;
	case 403: return -OCTA_EFORBIDDEN;
	case 404: return -OCTA_ENOTFOUND;
	case 409: return -OCTA_ECONFLICT;
	case 503: return -OCTA_EUNAVAIL;
	default: return -OCTA_EINTERNAL;
	}
}

/*
 * A request with retries.  Returns 0 for a 2xx answer, the error of the
 * answer's status otherwise (resp holds it), -OCTA_EIO when no answer
 * came.  Every outcome but success is logged.
 */
static int
amp_call(struct amp_conn *c, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, enum amp_retry retry,
    struct amp_resp *resp)
{
	char err[CURL_ERROR_SIZE];
	int64_t t0 = time_mono_ms(), deadline;
	int attempt, max = retry == RETRY_WAIT ? c->o.max_retries : 1;
	CURLcode cc = CURLE_OK;
	int r;

	deadline = t0 + (int64_t)c->o.max_retries * c->o.retry_interval_ms +
	    c->o.connect_timeout_ms;
	for (attempt = 1;; attempt++) {
		cc = amp_perform(c, method, path, ctype, body, len, resp, err);
		if (cc == CURLE_OK && !not_ready(resp))
			break;
		if (cc != CURLE_OK && !transient(cc)) {
			log_error("amphora request failed amphora=%s ip=%s "
			    "method=%s path=%s%s error=\"%s: %s\"%s", c->amp_id,
			    c->ip, method, AMP_API, path,
			    curl_easy_strerror(cc), err, cc == CURLE_PEER_FAILED_VERIFICATION ?
			    " (the agent's certificate is not the amphora's)" :
			    "");
			return -OCTA_EIO;
		}
		if (attempt >= max || time_mono_ms() >= deadline) {
			if (cc == CURLE_OK)
				break;	/* a "not ready" 404 to the end */
			log_error("amphora unreachable amphora=%s ip=%s "
			    "method=%s path=%s%s attempts=%d ms=%lld "
			    "error=\"%s\"", c->amp_id, c->ip, method, AMP_API,
			    path, attempt, (long long)(time_mono_ms() - t0),
			    err[0] ? err : curl_easy_strerror(cc));
			return -OCTA_EIO;
		}
		if (attempt == 1 || attempt % 20 == 0)
			log_debug("amphora not ready amphora=%s ip=%s "
			    "attempt=%d error=\"%s\"", c->amp_id, c->ip,
			    attempt, cc == CURLE_OK ? "404 not ready" :
			    curl_easy_strerror(cc));
		sleep_ms(c->o.retry_interval_ms);
	}
	r = status_err(resp->status);
	if (r == 0)
		log_debug("amphora request amphora=%s method=%s path=%s%s "
		    "status=%ld ms=%lld", c->amp_id, method, AMP_API, path,
		    resp->status, (long long)(time_mono_ms() - t0));
	return r;
}

/* Logs an answer that was not what the caller wanted. */
static void
log_answer(const struct amp_conn *c, const char *what,
    const struct amp_resp *resp)
{
	log_error("amphora %s failed amphora=%s ip=%s status=%ld body=%.4096s",
	    what, c->amp_id, c->ip, resp->status, buf_str(&resp->body));
}

static void
resp_init(struct amp_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body, AMP_RESP_MAX);
}

/* ---- calls ---- */

static int
rest_wait_ready(json_t *amp)
{
	struct amp_conn c;
	struct amp_resp resp;
	json_t *info = NULL;
	int64_t t0 = time_mono_ms();
	int r;

	resp_init(&resp);
	if ((r = amp_open(&c, amp)) < 0)
		goto out;
	r = amp_call(&c, "GET", "/info", NULL, NULL, 0, RETRY_WAIT, &resp);
	if (r < 0) {
		if (resp.status)
			log_answer(&c, "info", &resp);
		goto out;
	}
	info = json_loads(buf_str(&resp.body), 0, NULL);
	log_info("amphora agent ready amphora=%s ip=%s api_version=%s "
	    "haproxy_version=%s ms=%lld", c.amp_id, c.ip,
	    jstr(info, "api_version") ? jstr(info, "api_version") : "?",
	    jstr(info, "haproxy_version") ? jstr(info, "haproxy_version") :
	    "?", (long long)(time_mono_ms() - t0));
out:
	json_decref(info);
	buf_free(&resp.body);
	amp_close(&c);
	return r;
}

/* A JSON body POSTed; 409 ("already plugged") counts as success. */
static int
post_plug(struct amp_conn *c, const char *what, const char *path,
    json_t *body)
{
	struct amp_resp resp;
	char *text = json_dumps(body, JSON_COMPACT);
	int r;

	resp_init(&resp);
	if (text == NULL) {
		r = -OCTA_EINTERNAL;
		goto out;
	}
	r = amp_call(c, "POST", path, "application/json", text, strlen(text),
	    RETRY_WAIT, &resp);
	if (r == -OCTA_ECONFLICT) {
		log_info("amphora %s already done amphora=%s", what,
		    c->amp_id);
		r = 0;
	} else if (r < 0 && resp.status) {
		log_answer(c, what, &resp);
	} else if (r == 0) {
		log_info("amphora %s amphora=%s path=%s%s", what, c->amp_id,
		    AMP_API, path);
	}
out:
	free(text);
	buf_free(&resp.body);
	return r;
}

/* A port's host routes, as the agent takes them ([] when none). */
static json_t *
host_routes(const json_t *port)
{
	json_t *hr = json_object_get(port, "host_routes");

	return json_is_array(hr) ? json_deep_copy(hr) : json_array();
}

static int
rest_plug_vip(json_t *lb, json_t *amp)
{
	json_t *port = json_object_get(amp, "vrrp_port"), *body = NULL, *mtu;
	const char *vip = jstr(lb, "vip_address");
	char path[160];
	struct amp_conn c;
	int r;

	memset(&c, 0, sizeof(c));
	if (vip == NULL || !ip_valid(vip, NULL) || !json_is_object(port) ||
	    jstr(port, "mac_address") == NULL || jstr(port, "cidr") == NULL) {
		log_error("amphora plug vip: amphora=%s lacks its VRRP port "
		    "(vrrp_port with mac_address and cidr) or lb=%s its VIP",
		    jstr(amp, "id") ? jstr(amp, "id") : "",
		    jstr(lb, "id") ? jstr(lb, "id") : "");
		return -OCTA_EINVAL;
	}
	if ((r = amp_open(&c, amp)) < 0)
		return r;
	body = json_pack("{ss sO ss sO* so so}",
	    "subnet_cidr", jstr(port, "cidr"),
	    "gateway", json_object_get(port, "gateway_ip") ?
	    json_object_get(port, "gateway_ip") : json_null(),
	    "mac_address", jstr(port, "mac_address"),
	    "vrrp_ip", json_object_get(amp, "vrrp_ip"),
	    "host_routes", host_routes(port),
	    "additional_vips", json_array());
	mtu = json_object_get(port, "mtu");
	if (json_is_integer(mtu))
		json_object_set(body, "mtu", mtu);
	snprintf(path, sizeof(path), "/plug/vip/%s", vip);
	r = body ? post_plug(&c, "plug vip", path, body) : -OCTA_EINTERNAL;
	json_decref(body);
	amp_close(&c);
	return r;
}

static int
rest_plug_network(json_t *amp, json_t *port)
{
	json_t *body = NULL, *mtu;
	struct amp_conn c;
	int r;

	memset(&c, 0, sizeof(c));
	if (jstr(port, "mac_address") == NULL ||
	    jstr(port, "ip_address") == NULL || jstr(port, "cidr") == NULL) {
		log_error("amphora plug network: amphora=%s port lacks "
		    "mac_address, ip_address or cidr",
		    jstr(amp, "id") ? jstr(amp, "id") : "");
		return -OCTA_EINVAL;
	}
	if ((r = amp_open(&c, amp)) < 0)
		return r;
	body = json_pack("{ss s[{ss ss so}]}",
	    "mac_address", jstr(port, "mac_address"),
	    "fixed_ips", "ip_address", jstr(port, "ip_address"),
	    "subnet_cidr", jstr(port, "cidr"), "host_routes",
	    host_routes(port));
	mtu = json_object_get(port, "mtu");
	if (body && json_is_integer(mtu))
		json_object_set(body, "mtu", mtu);
	r = body ? post_plug(&c, "plug network", "/plug/network", body) :
	    -OCTA_EINTERNAL;
	json_decref(body);
	amp_close(&c);
	return r;
}

/* DELETE /listeners/<lb id>: 200 even when unknown; 404 is fine too. */
static int
delete_lb(struct amp_conn *c, const char *lb_id, enum amp_retry retry)
{
	struct amp_resp resp;
	char path[128];
	int r;

	resp_init(&resp);
	snprintf(path, sizeof(path), "/listeners/%s", lb_id);
	r = amp_call(c, "DELETE", path, NULL, NULL, 0, retry, &resp);
	if (r == -OCTA_ENOTFOUND)
		r = 0;
	if (r < 0 && resp.status)
		log_answer(c, "delete listeners", &resp);
	if (r == 0)
		log_info("amphora config removed amphora=%s lb=%s", c->amp_id,
		    lb_id);
	buf_free(&resp.body);
	return r;
}

static int
rest_delete_config(json_t *tree, json_t *amp)
{
	const char *lb_id = jstr(tree, "id");
	struct amp_conn c;
	int r;

	if (lb_id == NULL || !uuid_valid(lb_id))
		return -OCTA_EINVAL;
	if ((r = amp_open(&c, amp)) < 0)
		return r;
	r = delete_lb(&c, lb_id, RETRY_ONCE);
	amp_close(&c);
	return r;
}

/* ---- TLS files ---- */

struct tls_file {
	char name[TLS_SHA1_HEX_LEN + 40];
	char *data;	/* may hold a private key: wiped when freed */
	size_t len;
};

struct tls_files {
	struct tls_file *v;
	size_t n, cap;
	json_t *refs;		/* container reference -> file name */
	const char *cert_dir;	/* on the amphora */
};

static void
tls_files_free(struct tls_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].data) {
			explicit_bzero(f->v[i].data, f->v[i].len);
			free(f->v[i].data);
		}
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
	json_decref(f->refs);
	f->refs = NULL;
}

/* Adds a file unless one of that name is there (same name, same bytes:
 * names are content hashes or listener ids). */
static void
tls_files_add(struct tls_files *f, const char *name, const char *data,
    size_t len)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
	}
	snprintf(f->v[f->n].name, sizeof(f->v[f->n].name), "%s", name);
	f->v[f->n].data = xmalloc(len + 1);
	memcpy(f->v[f->n].data, data, len);
	f->v[f->n].data[len] = '\0';
	f->v[f->n].len = len;
	f->n++;
}

static int
secret_fetch(const char *ref, struct tls_container *c)
{
	const struct secrets_driver *d = secrets_driver_for_ref(ref);

	memset(c, 0, sizeof(*c));
	if (d == NULL) {
		log_error("amphora config: no secrets backend owns ref=%s",
		    ref);
		return -OCTA_ENOTFOUND;
	}
	return d->fetch(ref, c, NULL);
}

/* A certificate container: "<sha1 of the cert>.pem" = cert + key +
 * intermediates.  The file name goes to `name`. */
static int
tls_add_container(struct tls_files *f, const char *ref, char *name,
    size_t namelen)
{
	struct tls_container c;
	struct tls_cert_info info;
	char err[256];
	int r;

	memset(&info, 0, sizeof(info));
	if ((r = secret_fetch(ref, &c)) < 0)
		goto out;
	if ((r = tls_cert_check(&c, &info, err, sizeof(err))) < 0) {
		log_error("amphora config: container ref=%s unusable: %s", ref,
		    err);
		goto out;
	}
	snprintf(name, namelen, "%s.pem", info.id);
	tls_files_add(f, name, info.pem, strlen(info.pem));
	json_object_set_new(f->refs, ref, json_string(name));
out:
	tls_cert_info_clear(&info);
	tls_container_clear(&c);
	return r;
}

/* A CA bundle or CRL: "<sha1 of the content>.pem".  A certificate
 * container's certificate serves too (Octavia's local cert manager). */
static int
tls_add_secret(struct tls_files *f, const char *ref)
{
	struct tls_container c;
	char sha[TLS_SHA1_HEX_LEN], name[TLS_SHA1_HEX_LEN + 8];
	const char *pem;
	int r;

	if (ref == NULL || json_object_get(f->refs, ref))
		return 0;
	if ((r = secret_fetch(ref, &c)) < 0)
		goto out;
	pem = c.payload ? c.payload : c.certificate;
	if (pem == NULL) {
		log_error("amphora config: secret ref=%s is empty", ref);
		r = -OCTA_EINVAL;
		goto out;
	}
	tls_sha1_hex(pem, strlen(pem), sha);
	snprintf(name, sizeof(name), "%s.pem", sha);
	tls_files_add(f, name, pem, strlen(pem));
	json_object_set_new(f->refs, ref, json_string(name));
out:
	tls_container_clear(&c);
	return r;
}

static bool
pending_delete(const json_t *o)
{
	const char *st = jstr(o, "provisioning_status");

	return st && strcmp(st, "PENDING_DELETE") == 0;
}

/* A TERMINATED_HTTPS listener's certificates and its crt-list
 * "<listener id>.pem" (full paths, default certificate first). */
static int
tls_add_listener_certs(struct tls_files *f, const json_t *l)
{
	const char *lid = jstr(l, "id"), *ref;
	json_t *refs = json_array(), *v;
	struct buf list;
	char name[TLS_SHA1_HEX_LEN + 8], crt[64];
	size_t i;
	int r = 0;

	buf_init(&list, 1u << 20);
	if ((ref = jstr(l, "default_tls_container_ref")) != NULL)
		json_array_append_new(refs, json_string(ref));
	json_array_foreach(json_object_get(l, "sni_container_refs"), i, v)
		if (json_is_string(v))
			json_array_append(refs, v);
	json_array_foreach(refs, i, v) {
		if ((r = tls_add_container(f, json_string_value(v), name,
		    sizeof(name))) < 0)
			goto out;
		if (strstr(buf_str(&list), name))
			continue;	/* the same certificate twice */
		if ((r = buf_printf(&list, "%s/%s\n", f->cert_dir, name)) < 0)
			goto out;
	}
	if (list.len > 0 && lid) {
		snprintf(crt, sizeof(crt), "%s.pem", lid);
		tls_files_add(f, crt, list.p, list.len);
	}
out:
	buf_free(&list);
	json_decref(refs);
	return r;
}

/* Every TLS file the tree's listeners and pools refer to. */
static int
tls_collect(struct tls_files *f, const json_t *tree)
{
	char name[TLS_SHA1_HEX_LEN + 8];
	const json_t *l, *p;
	const char *ref;
	size_t i;
	int r;

	json_array_foreach(json_object_get(tree, "listeners"), i, l) {
		if (pending_delete(l))
			continue;
		if (jstr(l, "protocol") &&
		    strcmp(jstr(l, "protocol"), "TERMINATED_HTTPS") == 0 &&
		    (r = tls_add_listener_certs(f, l)) < 0)
			return r;
		if ((r = tls_add_secret(f, jstr(l,
		    "client_ca_tls_container_ref"))) < 0 ||
		    (r = tls_add_secret(f, jstr(l,
		    "client_crl_container_ref"))) < 0)
			return r;
	}
	json_array_foreach(json_object_get(tree, "pools"), i, p) {
		if (pending_delete(p))
			continue;
		ref = jstr(p, "tls_container_ref");
		if (ref && json_object_get(f->refs, ref) == NULL &&
		    (r = tls_add_container(f, ref, name, sizeof(name))) < 0)
			return r;
		if ((r = tls_add_secret(f, jstr(p, "ca_tls_container_ref"))) <
		    0 || (r = tls_add_secret(f, jstr(p, "crl_container_ref"))) <
		    0)
			return r;
	}
	return 0;
}

static void
md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &n, EVP_md5(), NULL))
		return;
	for (i = 0; i < n && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Uploads one file unless the agent's copy has the same md5. */
static int
upload_file(struct amp_conn *c, const char *lb_id, const struct tls_file *t)
{
	struct amp_resp resp;
	char path[256], md5[33];
	json_t *got = NULL;
	int r;

	resp_init(&resp);
	md5_hex(t->data, t->len, md5);
	snprintf(path, sizeof(path), "/loadbalancer/%s/certificates/%s", lb_id,
	    t->name);
	r = amp_call(c, "GET", path, NULL, NULL, 0, RETRY_WAIT, &resp);
	if (r == 0) {
		got = json_loads(buf_str(&resp.body), 0, NULL);
		if (jstr(got, "md5sum") && strcmp(jstr(got, "md5sum"),
		    md5) == 0) {
			log_debug("amphora certificate unchanged amphora=%s "
			    "file=%s", c->amp_id, t->name);
			goto out;
		}
	} else if (r != -OCTA_ENOTFOUND) {
		if (resp.status)
			log_answer(c, "certificate md5", &resp);
		goto out;
	}
	r = amp_call(c, "PUT", path, "application/octet-stream", t->data,
	    t->len, RETRY_WAIT, &resp);
	if (r < 0 && resp.status)
		log_answer(c, "certificate upload", &resp);
	else if (r == 0)
		log_info("amphora certificate uploaded amphora=%s lb=%s "
		    "file=%s", c->amp_id, lb_id, t->name);
out:
	json_decref(got);
	buf_free(&resp.body);
	return r;
}

/* ---- configuration ---- */

static bool
tcp_family(const char *proto)
{
	static const char *const fam[] = { "TCP", "HTTP", "HTTPS",
	    "TERMINATED_HTTPS", "PROMETHEUS", NULL };
	size_t i;

	for (i = 0; proto && fam[i]; i++)
		if (strcmp(proto, fam[i]) == 0)
			return true;
	return false;
}

static int
rest_update_config(json_t *tree, json_t *amp)
{
	const char *lb_id = jstr(tree, "id");
	struct tls_files files;
	struct render_opts ro;
	struct amp_resp resp;
	struct amp_conn c;
	struct buf cfgtext, base, certdir, sock;
	const json_t *l;
	bool any = false;
	char path[256];
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	memset(&files, 0, sizeof(files));
	resp_init(&resp);
	buf_init(&cfgtext, AMP_CFG_MAX);
	buf_init(&base, AMP_PATH_MAX);
	buf_init(&certdir, AMP_PATH_MAX);
	buf_init(&sock, AMP_PATH_MAX);
	if (lb_id == NULL || !uuid_valid(lb_id)) {
		r = -OCTA_EINVAL;
		goto out;
	}
	if ((r = amp_open(&c, amp)) < 0)
		goto out;
	json_array_foreach(json_object_get(tree, "listeners"), i, l)
		if (!pending_delete(l) && tcp_family(jstr(l, "protocol")))
			any = true;
	if (!any) {
		/* Octavia: no TCP-family listener left, no HAProxy. */
		r = delete_lb(&c, lb_id, RETRY_WAIT);
		goto out;
	}
	json_array_foreach(json_object_get(tree, "listeners"), i, l)
		if (!pending_delete(l) && !tcp_family(jstr(l, "protocol")))
			log_warn("amphora config: listener=%s protocol=%s "
			    "not deployed (no LVS support yet)", jstr(l, "id"),
			    jstr(l, "protocol"));
	if (c.o.base_path[0])
		r = buf_adds(&base, c.o.base_path);
	else
		r = buf_printf(&base, "%s/amphorae/%s", cfg.octa_state_dir,
		    c.amp_id);
	if (r < 0 || (r = buf_printf(&certdir, "%s/certs/%s", buf_str(&base),
	    lb_id)) < 0)
		goto out;
	if (c.o.base_path[0])
		r = buf_printf(&sock, "%s/%s.sock", c.o.base_path, lb_id);
	else
		r = buf_printf(&sock, AMP_RUN_DIR "/%s/%s.sock", c.amp_id,
		    lb_id);
	if (r < 0)
		goto out;

	files.refs = json_object();
	files.cert_dir = buf_str(&certdir);
	if ((r = tls_collect(&files, tree)) < 0)
		goto out;

	render_opts_init(&ro);
	ro.amphora_id = c.amp_id;
	ro.state_dir = buf_str(&base);
	ro.cert_dir = buf_str(&certdir);
	ro.stats_socket = buf_str(&sock);
	if (!c.o.base_path[0]) {
		/* No syslog in a local-world amphora. */
		ro.log_target = NULL;
		ro.admin_log_target = NULL;
	}
	ro.timeout_client_data = cfg.haproxy_amphora_timeout_client_data;
	ro.timeout_member_connect = cfg.haproxy_amphora_timeout_member_connect;
	ro.timeout_member_data = cfg.haproxy_amphora_timeout_member_data;
	ro.timeout_tcp_inspect = cfg.haproxy_amphora_timeout_tcp_inspect;
	ro.default_listener_ciphers = cfg.api_settings_default_listener_ciphers;
	ro.default_pool_ciphers = cfg.api_settings_default_pool_ciphers;
	ro.cert_path = render_cert_path_map;
	ro.cert_arg = files.refs;
	if ((r = render_haproxy(tree, &ro, &cfgtext)) < 0) {
		log_error("amphora config: lb=%s cannot be rendered: %s", lb_id,
		    octa_err_str(r));
		goto out;
	}

	for (i = 0; i < files.n; i++)
		if ((r = upload_file(&c, lb_id, &files.v[i])) < 0)
			goto out;

	snprintf(path, sizeof(path), "/loadbalancer/%s/%s/haproxy", c.amp_id,
	    lb_id);
	r = amp_call(&c, "PUT", path, "text/plain", cfgtext.p, cfgtext.len,
	    RETRY_WAIT, &resp);
	if (r < 0) {
		if (resp.status)
			log_answer(&c, "config upload", &resp);
		goto out;
	}
	snprintf(path, sizeof(path), "/loadbalancer/%s/reload", lb_id);
	r = amp_call(&c, "PUT", path, NULL, NULL, 0, RETRY_WAIT, &resp);
	if (r < 0) {
		if (resp.status)
			log_answer(&c, "reload", &resp);
		goto out;
	}
	log_info("amphora config pushed amphora=%s lb=%s bytes=%zu files=%zu",
	    c.amp_id, lb_id, cfgtext.len, files.n);
out:
	tls_files_free(&files);
	buf_free(&sock);
	buf_free(&certdir);
	buf_free(&base);
	buf_free(&cfgtext);
	buf_free(&resp.body);
	amp_close(&c);
	return r;
}

const struct amphora_driver amphora_haproxy_rest_driver = {
	.name = "amphora_haproxy_rest_driver",
	.update_config = rest_update_config,
	.delete_config = rest_delete_config,
	.wait_ready = rest_wait_ready,
	.plug_vip = rest_plug_vip,
	.plug_network = rest_plug_network,
};
