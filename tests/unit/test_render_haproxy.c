/*
 * test_render_haproxy.c - src/render/render_haproxy.c and render_escape.c:
 * the LB tree -> haproxy.cfg.
 *
 * The table `cases` is the specification: each row patches a small base
 * tree (one HTTP listener, two pools) and lists lines the configuration
 * must hold, or must not.  Every configuration rendered here is also given
 * to `haproxy -c -dW` (zero warnings) when /usr/sbin/haproxy exists, with
 * real certificates made by OpenSSL in a temporary directory.
 *
 * The fuzz test writes random and hostile strings into every string field
 * that can reach the configuration and holds that the render either
 * refuses (-OCTA_EINVAL / -OCTA_ENOTFOUND) or produces the same skeleton
 * as the clean tree: same lines, same first word, same number of words
 * (parsed the way HAProxy parses them), and the value reads back exactly.
 * OCTA_FUZZ_SEED and OCTA_FUZZ_ROUNDS override its seed and length.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/buf.h"
#include "common/errors.h"
#include "common/log.h"
#include "render/render_escape.h"
#include "render/render_haproxy.h"

#define HAPROXY "/usr/sbin/haproxy"

#define LB "a0000000-0000-4000-8000-000000000001"
#define LBND "a0000000000040008000000000000001"
#define L1 "a1000000-0000-4000-8000-000000000001"
#define L2 "a1000000-0000-4000-8000-000000000002"
#define P1 "a2000000-0000-4000-8000-000000000001"
#define P2 "a2000000-0000-4000-8000-000000000002"
#define M1 "a3000000-0000-4000-8000-000000000001"
#define M2 "a3000000-0000-4000-8000-000000000002"
#define M3 "a3000000-0000-4000-8000-000000000003"
#define HM1 "a4000000-0000-4000-8000-000000000001"
#define Q1 "a5000000-0000-4000-8000-000000000001"
#define Q2 "a5000000-0000-4000-8000-000000000002"
#define Q3 "a5000000-0000-4000-8000-000000000003"
#define Q4 "a5000000-0000-4000-8000-000000000004"
#define R1 "a6000000-0000-4000-8000-000000000001"
#define R2 "a6000000-0000-4000-8000-000000000002"
#define R3 "a6000000-0000-4000-8000-000000000003"
#define R4 "a6000000-0000-4000-8000-000000000004"
#define R5 "a6000000-0000-4000-8000-000000000005"
#define R6 "a6000000-0000-4000-8000-000000000006"
#define R7 "a6000000-0000-4000-8000-000000000007"
#define R8 "a6000000-0000-4000-8000-000000000008"
#define R9 "a6000000-0000-4000-8000-000000000009"

/* Set up once: the state directory and its certificates. */
static char *dir;	/* the amphora's state_dir */
static char *certdir;	/* <dir>/certs/<LB> */
static json_t *certmap;	/* ref -> file name */
static bool have_haproxy;
static int haproxy_runs;

/* ---- helpers: JSON with single quotes, trees, options ---- */

/* JSON text written with ' for " (test data has no apostrophes). */
static json_t *
jq(const char *text)
{
	json_error_t e;
	json_t *j;
	char *s = strdup(text), *p;

	assert_non_null(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(s, JSON_DECODE_ANY, &e);
	if (j == NULL)
		fail_msg("bad test JSON (%s): %s", e.text, text);
	free(s);
	return j;
}

static const char base_tree[] =
    "{'id': '" LB "', 'name': 'lb', 'project_id': 'p1',"
    " 'admin_state_up': true, 'provisioning_status': 'ACTIVE',"
    " 'vip_address': '10.0.0.10', 'topology': 'SINGLE',"
    " 'additional_vips': [],"
    " 'listeners': [{'id': '" L1 "', 'name': 'l1', 'protocol': 'HTTP',"
    "   'protocol_port': 80, 'admin_state_up': true,"
    "   'provisioning_status': 'ACTIVE', 'connection_limit': -1,"
    "   'default_pool_id': '" P1 "', 'insert_headers': {},"
    "   'timeout_client_data': 50000, 'timeout_member_connect': 5000,"
    "   'timeout_member_data': 50000, 'timeout_tcp_inspect': 0,"
    "   'client_authentication': 'NONE', 'allowed_cidrs': null,"
    "   'sni_container_refs': [], 'l7policies': []}],"
    " 'pools': ["
    "  {'id': '" P1 "', 'name': 'p1', 'protocol': 'HTTP',"
    "   'lb_algorithm': 'ROUND_ROBIN', 'admin_state_up': true,"
    "   'provisioning_status': 'ACTIVE', 'session_persistence': null,"
    "   'tls_enabled': false, 'healthmonitor': null, 'members': ["
    "    {'id': '" M1 "', 'name': 'm1', 'address': '10.0.1.1',"
    "     'protocol_port': 8080, 'weight': 1, 'backup': false,"
    "     'admin_state_up': true, 'provisioning_status': 'ACTIVE',"
    "     'operating_status': 'ONLINE'},"
    "    {'id': '" M2 "', 'address': '10.0.1.2', 'protocol_port': 8080,"
    "     'weight': 1, 'backup': false, 'admin_state_up': true,"
    "     'provisioning_status': 'ACTIVE'}]},"
    "  {'id': '" P2 "', 'protocol': 'HTTP', 'lb_algorithm': 'ROUND_ROBIN',"
    "   'admin_state_up': true, 'provisioning_status': 'ACTIVE',"
    "   'tls_enabled': false, 'healthmonitor': null, 'members': ["
    "    {'id': '" M3 "', 'address': '10.0.1.3', 'protocol_port': 80,"
    "     'weight': 1, 'admin_state_up': true,"
    "     'provisioning_status': 'ACTIVE'}]}]}";

/* One line (or path component) at a time: a new string, NULL at the end. */
static char *
next_part(const char **pp, char sep)
{
	const char *p = *pp, *end;
	char *s;

	if (p == NULL || *p == '\0')
		return NULL;
	end = strchr(p, sep);
	if (end == NULL)
		end = p + strlen(p);
	s = strndup(p, (size_t)(end - p));
	assert_non_null(s);
	*pp = *end ? end + 1 : end;
	return s;
}

static json_t *
jget(json_t *tree, const char *path)
{
	const char *p = path;
	json_t *cur = tree;
	char *tok;

	while (cur && (tok = next_part(&p, '/')) != NULL) {
		if (json_is_array(cur))
			cur = json_array_get(cur,
			    (size_t)strtoll(tok, NULL, 10));
		else if (*tok)
			cur = json_object_get(cur, tok);
		free(tok);
	}
	if (cur == NULL)
		fail_msg("no %s in the test tree", path);
	return cur;
}

/* Sets tree/path (the parent must exist) to `v`, stealing it. */
static void
jset(json_t *tree, const char *path, json_t *v)
{
	char *s = strdup(path), *last;
	json_t *parent;

	assert_non_null(s);
	last = strrchr(s, '/');
	if (last == NULL) {
		parent = tree;
		last = s;
	} else {
		*last++ = '\0';
		parent = jget(tree, s);
	}
	if (json_is_array(parent))
		assert_int_equal(json_array_set_new(parent,
		    (size_t)strtoll(last, NULL, 10), v), 0);
	else
		assert_int_equal(json_object_set_new(parent, last, v), 0);
	free(s);
}

static void
jpatch(json_t *tree, const char *path, const char *patch)
{
	json_t *p;

	if (patch == NULL)
		return;
	p = jq(patch);
	assert_int_equal(json_object_update(jget(tree, path), p), 0);
	json_decref(p);
}

static void
test_opts(struct render_opts *o)
{
	render_opts_init(o);
	o->state_dir = dir;
	o->cert_path = render_cert_path_map;
	o->cert_arg = certmap;
	o->default_listener_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
	o->default_pool_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
	if (geteuid() != 0)
		o->user = NULL;		/* haproxy -c warns otherwise */
}

/* ---- a model of HAProxy's line parser (cfgparse: parse_line) ---- */

#define MAXW 80

struct words {
	int n;
	char *w[MAXW];
};

static void
words_free(struct words *ws)
{
	int i;

	for (i = 0; i < ws->n; i++)
		free(ws->w[i]);
	ws->n = 0;
}

/*
 * Splits a line into words: blanks separate, '#' starts a comment, '\'
 * escapes (\x, \r, \n, \t, and any of  \\ ' " #), "" quote weakly, ''
 * strongly.  Returns -1 on an unterminated quote or a '$' in weak quotes
 * (the renderer never writes environment variables).
 */
static int
split_words(const char *line, struct words *ws)
{
	struct buf w;
	const char *p = line;
	bool dq = false, sq = false, in = false;
	int r = 0;

	ws->n = 0;
	buf_init(&w, 1 << 20);
	for (;; p++) {
		char ch = *p;

		if (ch == '\0' || (!dq && !sq && (ch == ' ' || ch == '\t' ||
		    ch == '#'))) {
			if (in) {
				if (ws->n == MAXW) {
					r = -1;
					break;
				}
				ws->w[ws->n++] = strdup(buf_str(&w));
				buf_reset(&w);
				in = false;
			}
			if (ch == '\0' || ch == '#')
				break;
			continue;
		}
		in = true;
		if (ch == '"' && !sq) {
			dq = !dq;
		} else if (ch == '\'' && !dq) {
			sq = !sq;
		} else if (ch == '$' && dq) {
			r = -1;
			break;
		} else if (ch == '\\' && !sq) {
			char n = p[1];

			if (n == ' ' || n == '\\' || n == '\'' || n == '"' ||
			    n == '#') {
				buf_addc(&w, n);
				p++;
			} else if (n == 'r' || n == 'n' || n == 't') {
				buf_addc(&w, n == 'r' ? '\r' : n == 'n' ? '\n' :
				    '\t');
				p++;
			} else {
				buf_addc(&w, ch);
			}
		} else {
			buf_addc(&w, ch);
		}
	}
	if (dq || sq)
		r = -1;
	buf_free(&w);
	if (r < 0)
		words_free(ws);
	return r;
}

/*
 * The argument inside "name(...)" read as HAProxy's second level does:
 * either plain up to ')' or double-quoted with \\ and \" escapes.
 */
static char *
fetch_arg(const char *word)
{
	const char *p = strchr(word, '('), *end;
	struct buf a;
	char *s;

	if (p == NULL)
		return NULL;
	p++;
	buf_init(&a, 1 << 20);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				if (*p != '\\' && *p != '"' && *p != '\'')
					buf_addc(&a, '\\');
			}
			buf_addc(&a, *p);
		}
		if (*p != '"' || strcmp(p + 1, ")") != 0) {
			buf_free(&a);
			return NULL;
		}
	} else {
		const char *bad = strpbrk(p, ",\"'\\");

		end = strchr(p, ')');
		if (end == NULL || strcmp(end, ")") != 0 ||
		    (bad != NULL && bad < end)) {
			buf_free(&a);
			return NULL;
		}
		buf_add(&a, p, (size_t)(end - p));
	}
	s = strdup(buf_str(&a));
	buf_free(&a);
	return s;
}

/* ---- sanity of any rendered configuration ---- */

static const char *const sec_global[] = { "user", "group", "log",
	"stats", "server-state-file", "maxconn", "localpeer",
	"external-check", "insecure-fork-wanted", NULL };
static const char *const sec_defaults[] = { "log", "no", "retries",
	"option", NULL };
static const char *const sec_peers[] = { "peer", NULL };
static const char *const sec_frontend[] = { "maxconn", "http-response",
	"bind", "mode", "acl", "tcp-request", "http-request", "redirect",
	"use_backend", "default_backend", "timeout", "log-format", NULL };
static const char *const sec_backend[] = { "mode", "http-reuse",
	"balance", "tcp-request", "cookie", "stick-table", "stick",
	"load-server-state-from-file", "timeout", "option", "http-check",
	"external-check", "http-request", "fullconn", "server", NULL };

static bool
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

/*
 * Every line parses, sits in a known section, and starts with a keyword
 * allowed there; section names are ids.  Returns the number of lines.
 */
static int
assert_sane(const char *cfg)
{
	const char *const *sec = NULL, *p = cfg;
	char *line;
	struct words ws;
	int n = 0;

	for (; (line = next_part(&p, '\n')) != NULL; free(line), n++) {
		if (split_words(line, &ws) < 0)
			fail_msg("line does not parse: %s", line);
		if (ws.n == 0) {
			if (line[0] != '#' && line[0] != '\0')
				fail_msg("empty line with text: %s", line);
			continue;
		}
		if (line[0] != ' ') {
			if (strcmp(ws.w[0], "global") == 0 && ws.n == 1)
				sec = sec_global;
			else if (strcmp(ws.w[0], "defaults") == 0 && ws.n == 1)
				sec = sec_defaults;
			else if (strcmp(ws.w[0], "peers") == 0 && ws.n == 2)
				sec = sec_peers;
			else if (strcmp(ws.w[0], "frontend") == 0 &&
			    ws.n == 2 && strlen(ws.w[1]) == 36)
				sec = sec_frontend;
			else if (strcmp(ws.w[0], "backend") == 0 &&
			    ws.n == 2 && strlen(ws.w[1]) == 73)
				sec = sec_backend;
			else
				fail_msg("unknown section line: %s", line);
		} else if (sec == NULL || !in_list(sec, ws.w[0])) {
			fail_msg("directive out of place: %s", line);
		}
		words_free(&ws);
	}
	return n;
}

/* True if a line, without its indentation, is exactly `want`. */
static const char *
find_line(const char *cfg, const char *want, const char *from)
{
	size_t n = strlen(want);
	const char *p = from ? from : cfg, *q;

	while ((q = strstr(p, want)) != NULL) {
		const char *bol = q;

		while (bol > cfg && bol[-1] == ' ')
			bol--;
		if ((bol == cfg || bol[-1] == '\n') &&
		    (q[n] == '\n' || q[n] == '\0'))
			return q;
		p = q + 1;
	}
	return NULL;
}

/* "@" in a wanted line stands for the state directory. */
static char *
expand(const char *s)
{
	struct buf b;
	char *r;

	buf_init(&b, 0);
	for (; *s; s++)
		if (*s == '@')
			buf_adds(&b, dir);
		else
			buf_addc(&b, *s);
	r = buf_steal(&b);
	return r;
}

/* ---- haproxy -c ---- */

/* Creates what haproxy -c opens: crt-list files and the state file. */
static void
prepare_files(const char *cfg)
{
	const char *p;
	char path[1024], *srv;
	size_t n;

	for (p = cfg; (p = strstr(p, " crt-list ")) != NULL; p += n) {
		p += strlen(" crt-list ");
		n = strcspn(p, " \n");
		assert_true(n < sizeof(path));
		memcpy(path, p, n);
		path[n] = '\0';
		srv = unit_path(certdir, "server.pem\n");
		unit_write_file(path, srv);
		free(srv);
	}
	if ((p = strstr(cfg, "server-state-file ")) != NULL) {
		p += strlen("server-state-file ");
		n = strcspn(p, "\n");
		assert_true(n < sizeof(path));
		memcpy(path, p, n);
		path[n] = '\0';
		*strrchr(path, '/') = '\0';
		mkdir(path, 0700);
		path[strlen(path)] = '/';
		unit_write_file(path, "1\n");
	}
}

/* haproxy -c -dW on the text; fails the test with its output. */
static void
haproxy_check(const char *cfg, const char *what)
{
	char *file, *log;
	pid_t pid;
	int st, fd;

	if (!have_haproxy)
		return;
	file = unit_path(dir, "haproxy.cfg");
	log = unit_path(dir, "haproxy.log");
	unit_write_file(file, cfg);
	prepare_files(cfg);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(HAPROXY, "haproxy", "-c", "-dW", "-f", file,
		    (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	haproxy_runs++;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		FILE *f = fopen(log, "r");
		char line[512];

		print_error("haproxy -c failed for %s; config:\n%s\n", what,
		    cfg);
		while (f && fgets(line, sizeof(line), f))
			print_error("haproxy: %s", line);
		if (f)
			fclose(f);
		fail_msg("haproxy -c rejected the configuration of %s", what);
	}
	free(file);
	free(log);
}

/* ---- certificates ---- */

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    bool ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 7);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static void
write_pem(const char *name, X509 *x, EVP_PKEY *key, X509_CRL *crl)
{
	char *path = unit_path(certdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (x)
		assert_true(PEM_write_X509(f, x));
	if (key)
		assert_true(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
		    NULL));
	if (crl)
		assert_true(PEM_write_X509_CRL(f, crl));
	fclose(f);
	free(path);
}

static void
make_certs(void)
{
	EVP_PKEY *cakey = EVP_EC_gen("P-256"), *skey = EVP_EC_gen("P-256");
	X509 *ca, *srv;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	assert_non_null(cakey);
	assert_non_null(skey);
	ca = make_cert(cakey, "octa test CA", NULL, NULL, true);
	srv = make_cert(skey, "www.example.com", ca, cakey, false);
	write_pem("ca.pem", ca, NULL, NULL);
	write_pem("server.pem", srv, skey, NULL);
	write_pem("client.pem", srv, skey, NULL);
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_gmtime_adj(t, 0);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	assert_true(X509_CRL_sign(crl, cakey, EVP_sha256()) > 0);
	write_pem("crl.pem", NULL, NULL, crl);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	X509_free(srv);
	X509_free(ca);
	EVP_PKEY_free(skey);
	EVP_PKEY_free(cakey);
}

static int
group_setup(void **state)
{
	char *certs;

	(void)state;
	log_init("test", LOG_LVL_ERROR);
	dir = unit_tmpdir();
	certs = unit_path(dir, "certs");
	assert_int_equal(mkdir(certs, 0700), 0);
	certdir = unit_path(certs, LB);
	assert_int_equal(mkdir(certdir, 0700), 0);
	free(certs);
	make_certs();
	certmap = jq("{'ref-server': 'server.pem', 'ref-sni': 'server.pem',"
	    " 'ref-ca': 'ca.pem', 'ref-crl': 'crl.pem',"
	    " 'ref-client': 'client.pem', 'ref-abs': '@'}");
	{
		char *abs = unit_path(certdir, "ca.pem");

		json_object_set_new(certmap, "ref-abs", json_string(abs));
		free(abs);
	}
	have_haproxy = access(HAPROXY, X_OK) == 0;
	if (!have_haproxy)
		print_message("[  NOTE    ] %s not found: the haproxy -c "
		    "checks are skipped\n", HAPROXY);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (have_haproxy)
		print_message("[  NOTE    ] haproxy -c ran %d times\n",
		    haproxy_runs);
	json_decref(certmap);
	unit_rmdir(dir);
	free(certdir);
	free(dir);
	return 0;
}

/* ---- the specification table ---- */

struct rcase {
	const char *name;
	/* Patches (JSON objects merged into the base tree). */
	const char *lb;
	const char *listener;	/* listeners/0 */
	const char *pool;	/* pools/0 */
	const char *pool2;	/* pools/1 */
	const char *member;	/* pools/0/members/0 */
	const char *hm;		/* pools/0/healthmonitor (whole object) */
	const char *policies;	/* listeners/0/l7policies (whole array) */
	const char *more_listeners;	/* appended to listeners */
	void (*opts)(struct render_opts *o);
	int rc;
	bool ordered;		/* want[] appear in this order */
	const char *want[40];
	const char *never[10];
};

static const struct render_peer peers[] = {
	{ "amp1_-x", "10.0.2.1" },
	{ "amp2", "10.0.2.2" },
};

static void
opts_peers(struct render_opts *o)
{
	o->peer_name = "amp1_-x";
	o->peers = peers;
	o->npeers = 2;
}

static void
opts_nolog(struct render_opts *o)
{
	o->connection_logging = false;
	o->group = "nogroup";
	o->stats_socket = "/run/octa/lb.sock";
}

static void
opts_no_resolver(struct render_opts *o)
{
	o->cert_path = NULL;
}

#define TLS_LISTENER                                                    \
	"{'protocol': 'TERMINATED_HTTPS', 'protocol_port': 443,"        \
	" 'default_tls_container_ref': 'ref-server',"                   \
	" 'sni_container_refs': ['ref-sni'], "
#define POLICY(id, pos, action, extra, rules)                           \
	"{'id': '" id "', 'position': " #pos ", 'action': '" action "',"  \
	" 'admin_state_up': true, 'provisioning_status': 'ACTIVE'"       \
	extra ", 'rules': [" rules "]}"
#define RULE(id, type, cmp, key, value, invert)                         \
	"{'id': '" id "', 'type': '" type "', 'compare_type': '" cmp "',"  \
	" 'key': " key ", 'value': '" value "', 'invert': " invert ","    \
	" 'admin_state_up': true, 'provisioning_status': 'ACTIVE'}"
#define REJECT_IF(rule) "[" POLICY(Q1, 1, "REJECT", "", rule) "]"

static const struct rcase cases[] = {
	{ "HTTP listener: global, defaults, frontend, backend",
	  .ordered = true,
	  .want = { "# Configuration for loadbalancer " LB, "global",
	      "user nobody", "log /run/rsyslog/octavia/log local0",
	      "log /run/rsyslog/octavia/log local1 notice",
	      "stats socket @/" LB ".sock mode 0666 level user "
	      "expose-fd listeners",
	      "server-state-file @/" LB "/servers-state", "maxconn 50000",
	      "defaults", "log global", "retries 3", "option redispatch",
	      "option splice-request", "option splice-response",
	      "option http-keep-alive",
	      "frontend " L1, "maxconn 50000", "bind 10.0.0.10:80",
	      "mode http", "default_backend " P1 ":" L1,
	      "timeout client 50000",
	      "log-format p1\\ " LB "\\ %f\\ %ci\\ %cp\\ %t\\ %{+Q}r\\ %ST"
	      "\\ %B\\ %U\\ %[ssl_c_verify]\\ %{+Q}[ssl_c_s_dn]\\ %b\\ %s"
	      "\\ %Tt\\ %tsc",
	      "backend " P1 ":" L1, "mode http", "http-reuse safe",
	      "balance roundrobin", "fullconn 50000", "option allbackups",
	      "timeout connect 5000", "timeout server 50000",
	      "server " M1 " 10.0.1.1:8080 weight 1" },
	  .never = { "daemon", "check", "inspect-delay", "backend " P2,
	      "external-check", "peers", "crt-list", "forwardfor" } },
	{ "options: no connection logging, group, socket path",
	  .opts = opts_nolog,
	  .want = { "no log", "group nogroup",
	      "stats socket /run/octa/lb.sock mode 0666 level user "
	      "expose-fd listeners" },
	  .never = { "log-format", "log global" } },
	{ "TCP listener and pool: tcp modes, log format without HTTP",
	  .listener = "{'protocol': 'TCP'}", .pool = "{'protocol': 'TCP'}",
	  .want = { "mode tcp", "backend " P1 ":" L1,
	      "log-format p1\\ " LB "\\ %f\\ %ci\\ %cp\\ %t\\ -\\ -"
	      "\\ %B\\ %U\\ %[ssl_c_verify]\\ %{+Q}[ssl_c_s_dn]\\ %b\\ %s"
	      "\\ %Tt\\ %tsc" },
	  .never = { "mode http", "http-reuse", "%ST" } },
	{ "HTTPS passthrough: tcp, no TLS on the bind",
	  .listener = "{'protocol': 'HTTPS', 'protocol_port': 443}",
	  .pool = "{'protocol': 'HTTPS'}",
	  .want = { "bind 10.0.0.10:443", "mode tcp" },
	  .never = { "crt-list", "mode http", "http-reuse" } },
	{ "TCP listener, HTTP pool: the backend is http",
	  .listener = "{'protocol': 'TCP'}",
	  .want = { "mode tcp", "mode http", "http-reuse safe" } },
	{ "TERMINATED_HTTPS: crt-list, client auth, CRL, TLS options, HSTS",
	  .listener = TLS_LISTENER
	  "'client_ca_tls_container_ref': 'ref-ca',"
	  " 'client_authentication': 'MANDATORY',"
	  " 'client_crl_container_ref': 'ref-crl',"
	  " 'tls_ciphers': 'TLS_AES_128_GCM_SHA256:"
	  "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384',"
	  " 'tls_versions': ['TLSv1.2', 'TLSv1.3'],"
	  " 'alpn_protocols': ['h2', 'http/1.1', 'http/1.0'],"
	  " 'hsts_max_age': 31536000, 'hsts_include_subdomains': true,"
	  " 'hsts_preload': true}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ca-file @/certs/" LB "/ca.pem verify required crl-file "
	      "@/certs/" LB "/crl.pem ciphers ECDHE-ECDSA-AES128-GCM-SHA256"
	      " ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"
	      " ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3"
	      " alpn h2,http/1.1,http/1.0",
	      "http-response set-header Strict-Transport-Security "
	      "\"max-age=31536000; includeSubDomains; preload;\"",
	      "redirect scheme https if !{ ssl_fc }", "mode http" } },
	{ "TERMINATED_HTTPS: client auth OPTIONAL, HSTS alone",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-ca',"
	  " 'client_authentication': 'OPTIONAL', 'hsts_max_age': 0}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ca-file @/certs/" LB "/ca.pem verify optional",
	      "http-response set-header Strict-Transport-Security "
	      "\"max-age=0;\"" },
	  .never = { "crl-file", "ciphers", "alpn" } },
	{ "TERMINATED_HTTPS: client auth NONE with a CA, absolute path",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-abs',"
	  " 'client_authentication': 'NONE'}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ca-file @/certs/" LB "/ca.pem verify none" },
	  .never = { "Strict-Transport-Security" } },
	{ "TERMINATED_HTTPS with SNI certificates only still binds TLS",
	  .listener = "{'protocol': 'TERMINATED_HTTPS', 'protocol_port': 443,"
	  " 'sni_container_refs': ['ref-sni']}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem" } },
	{ "tls_versions with a hole: min and max as HAProxy uses them",
	  .listener = TLS_LISTENER "'tls_versions': ['TLSv1', 'TLSv1.2']}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ssl-min-ver TLSv1.0 ssl-max-ver TLSv1.2" } },
	{ "tls_ciphers with bad characters: the configured default",
	  .listener = TLS_LISTENER "'tls_ciphers': 'AES128 ALL;x'}",
	  .want = { "bind 10.0.0.10:443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ciphers ECDHE-ECDSA-AES256-GCM-SHA384" },
	  .never = { "AES128 ALL" } },
	{ "a certificate reference without a file fails the render",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-x'}",
	  .rc = -OCTA_ENOTFOUND },
	{ "certificate references without a resolver fail the render",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-ca'}",
	  .opts = opts_no_resolver, .rc = -OCTA_EINVAL },
	{ "PROMETHEUS listener serves the exporter",
	  .listener = "{'protocol': 'PROMETHEUS', 'protocol_port': 9100,"
	  " 'default_pool_id': null}",
	  .want = { "frontend " L1, "mode http",
	      "http-request use-service prometheus-exporter if "
	      "{ path /metrics }", "http-request deny deny_status 404" },
	  .never = { "default_backend", "backend " } },
	{ "PROMETHEUS listener with a certificate binds TLS",
	  .listener = "{'protocol': 'PROMETHEUS', 'protocol_port': 9443,"
	  " 'default_pool_id': null, 'default_tls_container_ref': 'ref-server',"
	  " 'tls_versions': ['TLSv1.3']}",
	  .want = { "bind 10.0.0.10:9443 ssl crt-list @/certs/" LB "/" L1
	      ".pem ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.3",
	      "http-request use-service prometheus-exporter if "
	      "{ path /metrics }" } },
	{ "HTTPS passthrough ignores TLS options (no certificate)",
	  .listener = "{'protocol': 'HTTPS', 'tls_versions': ['TLSv1.3'],"
	  " 'tls_ciphers': 'ALL', 'alpn_protocols': ['h2']}",
	  .pool = "{'protocol': 'HTTPS'}",
	  .want = { "bind 10.0.0.10:80" },
	  .never = { "ssl-min-ver", "ciphers", "alpn" } },
	{ "additional VIPs: one bind each (IPv6 unbracketed, as Octavia)",
	  .lb = "{'additional_vips': [{'subnet_id': 'x', "
	  "'ip_address': 'fd00::10'}, {'ip_address': '10.0.5.5'}]}",
	  .ordered = true,
	  .want = { "bind 10.0.0.10:80", "bind fd00::10:80",
	      "bind 10.0.5.5:80" } },
	{ "allowed_cidrs are enforced by HAProxy",
	  .listener = "{'allowed_cidrs': ['192.168.0.0/16', '10.1.0.7/24',"
	  " 'fd00::/64']}",
	  .ordered = true,
	  .want = { "mode http",
	      "acl allowed_cidrs src 192.168.0.0/16 10.1.0.0/24 fd00::/64",
	      "tcp-request connection reject unless allowed_cidrs",
	      "default_backend " P1 ":" L1 } },
	{ "many allowed_cidrs: acl lines of 16",
	  .listener = "{'allowed_cidrs': ['10.0.0.0/24', '10.0.1.0/24',"
	  " '10.0.2.0/24', '10.0.3.0/24', '10.0.4.0/24', '10.0.5.0/24',"
	  " '10.0.6.0/24', '10.0.7.0/24', '10.0.8.0/24', '10.0.9.0/24',"
	  " '10.0.10.0/24', '10.0.11.0/24', '10.0.12.0/24', '10.0.13.0/24',"
	  " '10.0.14.0/24', '10.0.15.0/24', '10.0.16.0/24']}",
	  .want = { "acl allowed_cidrs src 10.0.16.0/24" } },
	{ "an invalid allowed CIDR is refused",
	  .listener = "{'allowed_cidrs': ['10.0.0.0/33']}",
	  .rc = -OCTA_EINVAL },
	{ "connection limit and timeouts",
	  .listener = "{'connection_limit': 100, 'timeout_client_data': 1000,"
	  " 'timeout_member_connect': 2000, 'timeout_member_data': 3000,"
	  " 'timeout_tcp_inspect': 500}",
	  .want = { "maxconn 100", "timeout client 1000",
	      "tcp-request inspect-delay 500", "fullconn 100",
	      "timeout connect 2000", "timeout server 3000" },
	  .never = { "maxconn 50000" } },
	{ "connection limit 0 and null timeouts mean the defaults (Octavia)",
	  .listener = "{'connection_limit': 0, 'timeout_client_data': null,"
	  " 'timeout_member_connect': 0}",
	  .want = { "maxconn 50000", "timeout client 50000",
	      "timeout connect 5000" } },
	{ "global maxconn sums every TCP-family listener",
	  .listener = "{'connection_limit': 100}",
	  .more_listeners = "[{'id': '" L2 "', 'protocol': 'TCP',"
	  " 'protocol_port': 81, 'connection_limit': 200,"
	  " 'admin_state_up': false},"
	  " {'id': '" Q4 "', 'protocol': 'UDP', 'protocol_port': 53,"
	  " 'connection_limit': 400}]",
	  .want = { "maxconn 300", "maxconn 100" },
	  .never = { "frontend " L2, "frontend " Q4 } },
	{ "insert_headers on an HTTP listener and pool",
	  .listener = "{'insert_headers': {'X-Forwarded-For': 'true',"
	  " 'X-Forwarded-Port': 'TRUE', 'X-Forwarded-Proto': 'True',"
	  " 'X-Real-IP': 'true', 'X-Client-IP': 'true'}}",
	  .want = { "option forwardfor",
	      "http-request set-header X-Forwarded-Port %[dst_port]",
	      "http-request set-header X-Forwarded-Proto http" },
	  .never = { "X-Real-IP", "X-Client-IP" } },
	{ "insert_headers that are not 'true' are off",
	  .listener = "{'insert_headers': {'X-Forwarded-For': 'false',"
	  " 'X-Forwarded-Port': 'yes'}}",
	  .never = { "forwardfor", "X-Forwarded-Port" } },
	{ "insert_headers: X-Forwarded-For only for HTTP pools",
	  .listener = "{'insert_headers': {'X-Forwarded-For': 'true',"
	  " 'X-Forwarded-Proto': 'true'}}",
	  .pool = "{'protocol': 'PROXY'}",
	  .want = { "http-request set-header X-Forwarded-Proto http",
	      "server " M1 " 10.0.1.1:8080 weight 1 send-proxy" },
	  .never = { "forwardfor" } },
	{ "insert_headers: client certificate headers on TERMINATED_HTTPS",
	  .listener = TLS_LISTENER "'insert_headers': {"
	  "'X-Forwarded-Proto': 'true', 'X-SSL-Client-Verify': 'true',"
	  " 'X-SSL-Client-Has-Cert': 'true', 'X-SSL-Client-DN': 'true',"
	  " 'X-SSL-Client-CN': 'true', 'X-SSL-Issuer': 'true',"
	  " 'X-SSL-Client-SHA1': 'true', 'X-SSL-Client-Not-Before': 'true',"
	  " 'X-SSL-Client-Not-After': 'true'}}",
	  .want = { "http-request set-header X-Forwarded-Proto https",
	      "http-request set-header X-SSL-Client-Verify %[ssl_c_verify]",
	      "http-request set-header X-SSL-Client-Has-Cert %[ssl_c_used]",
	      "http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]",
	      "http-request set-header X-SSL-Client-CN "
	      "%{+Q}[ssl_c_s_dn(cn)]",
	      "http-request set-header X-SSL-Issuer %{+Q}[ssl_c_i_dn]",
	      "http-request set-header X-SSL-Client-SHA1 "
	      "%{+Q}[ssl_c_sha1,hex]",
	      "http-request set-header X-SSL-Client-Not-Before "
	      "%{+Q}[ssl_c_notbefore]",
	      "http-request set-header X-SSL-Client-Not-After "
	      "%{+Q}[ssl_c_notafter]" } },
	{ "LEAST_CONNECTIONS", .pool = "{'lb_algorithm': 'LEAST_CONNECTIONS'}",
	  .want = { "balance leastconn" } },
	{ "SOURCE_IP", .pool = "{'lb_algorithm': 'SOURCE_IP'}",
	  .want = { "balance source" } },
	{ "SOURCE_IP_PORT hashes the source address and port",
	  .pool = "{'lb_algorithm': 'SOURCE_IP_PORT'}",
	  .want = { "balance hash src,concat(:,txn.sport)",
	      "tcp-request content set-var(txn.sport) src_port" } },
	{ "SOURCE_IP_PORT on a TCP listener",
	  .listener = "{'protocol': 'TCP'}",
	  .pool = "{'protocol': 'TCP', 'lb_algorithm': 'SOURCE_IP_PORT'}",
	  .want = { "balance hash src,concat(:,txn.sport)" } },
	{ "persistence SOURCE_IP",
	  .pool = "{'session_persistence': {'type': 'SOURCE_IP'}}",
	  .want = { "stick-table type ipv6 size 10k", "stick on src" } },
	{ "persistence HTTP_COOKIE",
	  .pool = "{'session_persistence': {'type': 'HTTP_COOKIE'}}",
	  .want = { "cookie SRV insert indirect nocache",
	      "server " M1 " 10.0.1.1:8080 weight 1 cookie " M1 } },
	{ "persistence APP_COOKIE",
	  .pool = "{'session_persistence': {'type': 'APP_COOKIE',"
	  " 'cookie_name': 'JSESSIONID'}}",
	  .want = { "stick-table type string len 64 size 10k",
	      "stick store-response res.cook(JSESSIONID)",
	      "stick match req.cook(JSESSIONID)" } },
	{ "persistence APP_COOKIE with HAProxy-special characters",
	  .pool = "{'session_persistence': {'type': 'APP_COOKIE',"
	  " 'cookie_name': 'a#b$c'}}",
	  .want = { "stick match req.cook(\\\"a\\#b$c\\\")" } },
	{ "ACTIVE_STANDBY: peers section and replicated stick tables",
	  .lb = "{'topology': 'ACTIVE_STANDBY'}",
	  .pool = "{'session_persistence': {'type': 'SOURCE_IP'}}",
	  .opts = opts_peers,
	  .want = { "localpeer amp1_-x", "peers " LBND "_peers",
	      "peer amp1_-x 10.0.2.1:1025", "peer amp2 10.0.2.2:1025",
	      "stick-table type ipv6 size 10k peers " LBND "_peers" } },
	{ "SINGLE topology: no peers even with peers in the options",
	  .opts = opts_peers,
	  .pool = "{'session_persistence': {'type': 'APP_COOKIE',"
	  " 'cookie_name': 'c'}}",
	  .want = { "stick-table type string len 64 size 10k" },
	  .never = { "peers", "localpeer" } },
	{ "HTTP monitor: expected code range expanded",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'max_retries_down': 4, 'http_method': 'GET',"
	  " 'url_path': '/health', 'expected_codes': '200-204',"
	  " 'admin_state_up': true}",
	  .want = { "load-server-state-from-file global", "timeout check 3s",
	      "option httpchk GET /health",
	      "http-check expect rstatus 200|201|202|203|204",
	      "server " M1 " 10.0.1.1:8080 weight 1 check inter 5s fall 4 "
	      "rise 2" } },
	{ "HTTP/1.1 monitor with a Host header and a code list",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 10, 'timeout': 5,"
	  " 'max_retries': 3, 'http_method': 'HEAD', 'url_path': '/a?b=c',"
	  " 'expected_codes': '302, 200,201', 'http_version': 1.1,"
	  " 'domain_name': 'www.example.com'}",
	  .want = { "option httpchk HEAD /a?b=c HTTP/1.1",
	      "http-check send hdr Host www.example.com",
	      "http-check expect rstatus 200|201|302",
	      "server " M1 " 10.0.1.1:8080 weight 1 check inter 10s fall 3 "
	      "rise 3" } },
	{ "HTTP/1.0 monitor with defaults for method, path and codes",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 1, 'timeout': 1,"
	  " 'max_retries': 1, 'http_version': 1.0}",
	  .want = { "option httpchk GET / HTTP/1.0",
	      "http-check expect rstatus 200" },
	  .never = { "http-check send" } },
	{ "HTTPS monitor checks over TLS without verification",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTPS', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'url_path': '/'}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 check check-ssl "
	      "verify none inter 5s fall 3 rise 2" } },
	{ "TCP monitor: connect checks only",
	  .hm = "{'id': '" HM1 "', 'type': 'TCP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2}",
	  .want = { "timeout check 3s", "server " M1 " 10.0.1.1:8080 weight "
	      "1 check inter 5s fall 3 rise 2" },
	  .never = { "httpchk", "ssl-hello-chk", "external-check" } },
	{ "TLS-HELLO monitor",
	  .hm = "{'id': '" HM1 "', 'type': 'TLS-HELLO', 'delay': 5,"
	  " 'timeout': 3, 'max_retries': 2}",
	  .want = { "option ssl-hello-chk" } },
	{ "PING monitor runs the ping wrapper",
	  .hm = "{'id': '" HM1 "', 'type': 'PING', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2}",
	  .want = { "external-check", "insecure-fork-wanted",
	      "option external-check",
	      "external-check command @/ping-wrapper.sh" } },
	{ "a disabled monitor checks nothing",
	  .hm = "{'id': '" HM1 "', 'type': 'PING', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'admin_state_up': false}",
	  .never = { "check", "external-check" } },
	{ "a monitor being deleted checks nothing",
	  .hm = "{'id': '" HM1 "', 'type': 'TCP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'provisioning_status': 'PENDING_DELETE'}",
	  .never = { "check" } },
	{ "monitor delay 0 is written as 1s (HAProxy refuses 0)",
	  .hm = "{'id': '" HM1 "', 'type': 'TCP', 'delay': 0, 'timeout': 0,"
	  " 'max_retries': 1}",
	  .want = { "timeout check 0s", "server " M1 " 10.0.1.1:8080 weight 1 "
	      "check inter 1s fall 3 rise 1" } },
	{ "member monitor address and port",
	  .hm = "{'id': '" HM1 "', 'type': 'TCP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2}",
	  .member = "{'monitor_address': '10.0.9.9', 'monitor_port': 9000}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 check inter 5s "
	      "fall 3 rise 2 addr 10.0.9.9 port 9000" } },
	{ "members: weight 0 (drain), backup, disabled",
	  .member = "{'weight': 0, 'backup': true, 'admin_state_up': false}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 0 backup disabled" } },
	{ "a member being deleted is left out, one in ERROR stays",
	  .member = "{'provisioning_status': 'PENDING_DELETE'}",
	  .pool = "{'members': [{'id': '" M1 "', 'address': '10.0.1.1',"
	  " 'protocol_port': 1, 'provisioning_status': 'PENDING_DELETE'},"
	  " {'id': '" M2 "', 'address': 'fd00::2', 'protocol_port': 2,"
	  " 'provisioning_status': 'ERROR'}]}",
	  .want = { "server " M2 " fd00::2:2 weight 1" },
	  .never = { M1 } },
	{ "PROXY pool on an HTTP listener: http mode, send-proxy",
	  .pool = "{'protocol': 'PROXY'}",
	  .want = { "mode http", "http-reuse safe",
	      "server " M1 " 10.0.1.1:8080 weight 1 send-proxy" } },
	{ "PROXYV2 pool on a TCP listener: tcp mode",
	  .listener = "{'protocol': 'TCP'}", .pool = "{'protocol': 'PROXYV2'}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 send-proxy-v2" },
	  .never = { "mode http", "http-reuse" } },
	{ "PROXYV2 pool behind TLS offload sends the client CN",
	  .listener = TLS_LISTENER "'protocol_port': 443}",
	  .pool = "{'protocol': 'PROXYV2'}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 "
	      "send-proxy-v2-ssl-cn" } },
	{ "pool TLS without a CA: no verification",
	  .pool = "{'tls_enabled': true}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 ssl verify none "
	      "sni ssl_fc_sni" } },
	{ "pool TLS: client certificate, CA, CRL, TLS options, check ALPN",
	  .pool = "{'tls_enabled': true, 'tls_container_ref': 'ref-client',"
	  " 'ca_tls_container_ref': 'ref-ca', 'crl_container_ref': 'ref-crl',"
	  " 'tls_ciphers': 'ECDHE-ECDSA-AES128-GCM-SHA256',"
	  " 'tls_versions': ['TLSv1.2', 'TLSv1.3'],"
	  " 'alpn_protocols': ['h2', 'http/1.1']}",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 check check-alpn "
	      "h2,http/1.1 inter 5s fall 3 rise 2 ssl crt @/certs/" LB
	      "/client.pem ca-file @/certs/" LB "/ca.pem crl-file @/certs/"
	      LB "/crl.pem verify required sni ssl_fc_sni ciphers "
	      "ECDHE-ECDSA-AES128-GCM-SHA256 ssl-min-ver TLSv1.2 "
	      "ssl-max-ver TLSv1.3 alpn h2,http/1.1" } },
	{ "pool TLS with a CA and no CRL verifies",
	  .pool = "{'tls_enabled': true, 'ca_tls_container_ref': 'ref-ca'}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 ssl ca-file @/certs/"
	      LB "/ca.pem verify required sni ssl_fc_sni" } },
	{ "pool TLS with bad ciphers: the configured default",
	  .pool = "{'tls_enabled': true, 'tls_ciphers': 'RC4\\nbind'}",
	  .want = { "server " M1 " 10.0.1.1:8080 weight 1 ssl verify none "
	      "sni ssl_fc_sni ciphers ECDHE-ECDSA-AES128-GCM-SHA256" } },

	/* L7 rules: every type and matcher. */
	{ "L7 HOST_NAME EQUAL_TO, REJECT",
	  .policies = REJECT_IF(RULE(R1, "HOST_NAME", "EQUAL_TO", "null",
	      "www.example.com", "false")),
	  .ordered = true,
	  .want = { "acl " R1 " req.hdr(host) -i -m str www.example.com",
	      "http-request deny if " R1, "default_backend " P1 ":" L1 } },
	{ "L7 HOST_NAME REGEX, inverted",
	  .policies = REJECT_IF(RULE(R1, "HOST_NAME", "REGEX", "null",
	      "^(www|api)\\\\.example\\\\.com$", "true")),
	  .want = { "acl " R1 " req.hdr(host) -i -m reg "
	      "^(www|api)\\\\.example\\\\.com$",
	      "http-request deny if !" R1 } },
	{ "L7 PATH STARTS_WITH",
	  .policies = REJECT_IF(RULE(R1, "PATH", "STARTS_WITH", "null",
	      "/api", "false")),
	  .want = { "acl " R1 " path -m beg /api" } },
	{ "L7 PATH ENDS_WITH",
	  .policies = REJECT_IF(RULE(R1, "PATH", "ENDS_WITH", "null",
	      ".php", "false")),
	  .want = { "acl " R1 " path -m end .php" } },
	{ "L7 PATH CONTAINS",
	  .policies = REJECT_IF(RULE(R1, "PATH", "CONTAINS", "null",
	      "admin", "false")),
	  .want = { "acl " R1 " path -m sub admin" } },
	{ "L7 FILE_TYPE EQUAL_TO: the path ends with it",
	  .policies = REJECT_IF(RULE(R1, "FILE_TYPE", "EQUAL_TO", "null",
	      "jpg", "false")),
	  .want = { "acl " R1 " path_end jpg" } },
	{ "L7 FILE_TYPE REGEX",
	  .policies = REJECT_IF(RULE(R1, "FILE_TYPE", "REGEX", "null",
	      "\\\\.(jpg|png)$", "false")),
	  .want = { "acl " R1 " path_end -m reg \\\\.(jpg|png)$" } },
	{ "L7 HEADER CONTAINS",
	  .policies = REJECT_IF(RULE(R1, "HEADER", "CONTAINS", "'X-Foo'",
	      "bar", "false")),
	  .want = { "acl " R1 " req.hdr(X-Foo) -m sub bar" } },
	{ "L7 HEADER with a quoted value containing spaces",
	  .policies = REJECT_IF(RULE(R1, "HEADER", "EQUAL_TO", "'X-Foo'",
	      "\\\"a b\\\\c\\\"", "false")),
	  .want = { "acl " R1 " req.hdr(X-Foo) -m str a\\ b\\\\c" } },
	{ "L7 HEADER with a key that needs quoting",
	  .policies = REJECT_IF(RULE(R1, "HEADER", "EQUAL_TO", "'x#y,z'",
	      "v", "false")),
	  .want = { "acl " R1 " req.hdr(\\\"x\\#y,z\\\") -m str v" } },
	{ "L7 COOKIE ENDS_WITH",
	  .policies = REJECT_IF(RULE(R1, "COOKIE", "ENDS_WITH", "'sid'",
	      "xyz", "false")),
	  .want = { "acl " R1 " req.cook(sid) -m end xyz" } },
	{ "L7 value starting with '-' is not an ACL flag",
	  .policies = REJECT_IF(RULE(R1, "COOKIE", "EQUAL_TO", "'sid'",
	      "-f", "false")),
	  .want = { "acl " R1 " req.cook(sid) -m str -- -f" } },
	{ "L7 value with HAProxy-special characters is escaped",
	  .policies = REJECT_IF(RULE(R1, "PATH", "EQUAL_TO", "null",
	      "/a#b\\\"c$d%e", "false")),
	  .want = { "acl " R1 " path -m str /a\\#b\\\"c$d%e" } },
	{ "L7 SSL_CONN_HAS_CERT",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-ca',"
	  " 'client_authentication': 'OPTIONAL'}",
	  .policies = REJECT_IF(RULE(R1, "SSL_CONN_HAS_CERT", "EQUAL_TO",
	      "null", "True", "true")),
	  .want = { "acl " R1 " ssl_c_used", "http-request deny if !" R1 } },
	{ "L7 SSL_VERIFY_RESULT",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-ca',"
	  " 'client_authentication': 'OPTIONAL'}",
	  .policies = REJECT_IF(RULE(R1, "SSL_VERIFY_RESULT", "EQUAL_TO",
	      "null", "10", "false")),
	  .want = { "acl " R1 " ssl_c_verify eq 10" } },
	{ "L7 SSL_VERIFY_RESULT that is not a number is refused",
	  .policies = REJECT_IF(RULE(R1, "SSL_VERIFY_RESULT", "EQUAL_TO",
	      "null", "0 ||", "false")),
	  .rc = -OCTA_EINVAL },
	{ "L7 SSL_DN_FIELD",
	  .listener = TLS_LISTENER "'client_ca_tls_container_ref': 'ref-ca',"
	  " 'client_authentication': 'MANDATORY'}",
	  .policies = REJECT_IF(RULE(R1, "SSL_DN_FIELD", "STARTS_WITH",
	      "'CN'", "www", "false")),
	  .want = { "acl " R1 " ssl_c_s_dn(CN) -m beg www" } },

	/* L7 actions and their order. */
	{ "L7 actions grouped as HAProxy runs them, by position inside",
	  .policies = "["
	  POLICY(Q1, 1, "REDIRECT_TO_POOL", ", 'redirect_pool_id': '" P2 "'",
	      RULE(R1, "PATH", "STARTS_WITH", "null", "/pool", "false")) ","
	  POLICY(Q2, 2, "REDIRECT_TO_URL", ", 'redirect_url': "
	      "'https://example.com/a%20b', 'redirect_http_code': 301",
	      RULE(R2, "PATH", "STARTS_WITH", "null", "/url", "false")) ","
	  POLICY(Q3, 3, "REJECT", "",
	      RULE(R3, "PATH", "STARTS_WITH", "null", "/deny", "false") ","
	      RULE(R4, "HEADER", "EQUAL_TO", "'X-A'", "1", "true")) ","
	  POLICY(Q4, 4, "REDIRECT_PREFIX", ", 'redirect_prefix': "
	      "'https://example.org', 'redirect_http_code': 308",
	      RULE(R5, "PATH", "STARTS_WITH", "null", "/pre", "false")) "]",
	  .ordered = true,
	  .want = { "acl " R1 " path -m beg /pool",
	      "acl " R2 " path -m beg /url", "acl " R3 " path -m beg /deny",
	      "acl " R4 " req.hdr(X-A) -m str 1",
	      "acl " R5 " path -m beg /pre",
	      "http-request deny if " R3 " !" R4,
	      "redirect code 301 location https://example.com/a%20b if " R2,
	      "redirect code 308 prefix https://example.org if " R5,
	      "use_backend " P2 ":" L1 " if " R1,
	      "default_backend " P1 ":" L1, "backend " P1 ":" L1,
	      "backend " P2 ":" L1,
	      "server " M3 " 10.0.1.3:80 weight 1" } },
	{ "L7 policies sorted by position",
	  .policies = "["
	  POLICY(Q1, 7, "REJECT", "",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/b", "false")) ","
	  POLICY(Q2, 3, "REJECT", "",
	      RULE(R2, "PATH", "EQUAL_TO", "null", "/a", "false")) "]",
	  .ordered = true,
	  .want = { "http-request deny if " R2, "http-request deny if " R1 } },
	{ "L7 REDIRECT_TO_URL without a code",
	  .policies = "[" POLICY(Q1, 1, "REDIRECT_TO_URL",
	      ", 'redirect_url': 'http://x.example/#frag'",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/", "false")) "]",
	  .want = { "redirect location http://x.example/\\#frag if " R1 } },
	{ "L7: disabled policies, policies without live rules, disabled pools",
	  .pool2 = "{'admin_state_up': false}",
	  .policies = "["
	  POLICY(Q1, 1, "REDIRECT_TO_POOL", ", 'redirect_pool_id': '" P2 "'",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/p", "false")) ","
	  POLICY(Q2, 2, "REJECT", ", 'admin_state_up': false",
	      RULE(R2, "PATH", "EQUAL_TO", "null", "/a", "false")) ","
	  POLICY(Q3, 3, "REJECT", "",
	      "{'id': '" R3 "', 'type': 'PATH', 'compare_type': 'EQUAL_TO',"
	      " 'value': '/b', 'admin_state_up': false}") ","
	  POLICY(Q4, 4, "REJECT", ", 'provisioning_status': 'PENDING_DELETE'",
	      RULE(R4, "PATH", "EQUAL_TO", "null", "/c", "false")) "]",
	  .never = { "acl", "deny", "use_backend", "backend " P2 } },
	{ "L7: rules being deleted or disabled leave the condition",
	  .policies = "[" POLICY(Q1, 1, "REJECT", "",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/a", "false") ","
	      "{'id': '" R2 "', 'type': 'PATH', 'compare_type': 'EQUAL_TO',"
	      " 'value': '/b', 'provisioning_status': 'PENDING_DELETE'}" ","
	      "{'id': '" R3 "', 'type': 'PATH', 'compare_type': 'EQUAL_TO',"
	      " 'value': '/c', 'admin_state_up': false}") "]",
	  .want = { "http-request deny if " R1 },
	  .never = { R2, R3 } },
	{ "L7: a rule value with a newline is refused",
	  .policies = REJECT_IF(RULE(R1, "PATH", "EQUAL_TO", "null",
	      "/a\\nfrontend x", "false")),
	  .rc = -OCTA_EINVAL },
	{ "L7: a redirect URL with a space is refused",
	  .policies = "[" POLICY(Q1, 1, "REDIRECT_TO_URL",
	      ", 'redirect_url': 'http://x/ if TRUE'",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/", "false")) "]",
	  .rc = -OCTA_EINVAL },
	{ "L7: a bad redirect code is refused",
	  .policies = "[" POLICY(Q1, 1, "REDIRECT_TO_URL",
	      ", 'redirect_url': 'http://x/', 'redirect_http_code': 200",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/", "false")) "]",
	  .rc = -OCTA_EINVAL },

	/* What is left out. */
	{ "a disabled LB: global and defaults only",
	  .lb = "{'admin_state_up': false}",
	  .want = { "global", "defaults", "maxconn 50000" },
	  .never = { "frontend", "backend" } },
	{ "a disabled listener",
	  .listener = "{'admin_state_up': false}",
	  .never = { "frontend", "backend" } },
	{ "a listener being deleted",
	  .listener = "{'provisioning_status': 'PENDING_DELETE'}",
	  .want = { "maxconn 1000000" },
	  .never = { "frontend", "backend" } },
	{ "a listener in ERROR is rendered (Octavia)",
	  .listener = "{'provisioning_status': 'ERROR'}",
	  .want = { "frontend " L1 } },
	{ "UDP and SCTP listeners belong to keepalived",
	  .listener = "{'protocol': 'UDP'}",
	  .more_listeners = "[{'id': '" L2 "', 'protocol': 'SCTP',"
	  " 'protocol_port': 99}]",
	  .never = { "frontend", "backend" } },
	{ "a disabled default pool: no default_backend, no backend",
	  .pool = "{'admin_state_up': false}",
	  .want = { "frontend " L1 },
	  .never = { "default_backend", "backend " } },
	{ "a default pool being deleted",
	  .pool = "{'provisioning_status': 'PENDING_DELETE'}",
	  .never = { "default_backend", "backend " } },
	{ "a pool used by two listeners gets one backend per listener",
	  .more_listeners = "[{'id': '" L2 "', 'protocol': 'HTTP',"
	  " 'protocol_port': 8080, 'default_pool_id': '" P1 "'}]",
	  .ordered = true,
	  .want = { "maxconn 100000", "frontend " L1, "backend " P1 ":" L1,
	      "frontend " L2, "bind 10.0.0.10:8080", "backend " P1 ":" L2 } },

	/* Refused trees. */
	{ "a VIP that is not an address",
	  .lb = "{'vip_address': '10.0.0.1:99 ssl crt /etc/passwd'}",
	  .rc = -OCTA_EINVAL },
	{ "a member address that is not an address",
	  .member = "{'address': '10.0.1.1:80 backup'}", .rc = -OCTA_EINVAL },
	{ "an id that is not a UUID",
	  .member = "{'id': 'm1\\n    server evil 1.2.3.4:80'}",
	  .rc = -OCTA_EINVAL },
	{ "a pool id that is not a UUID (it names a backend)",
	  .lb = "{'pools': [{'id': 'p x', 'protocol': 'HTTP'}]}",
	  .listener = "{'default_pool_id': 'p x'}", .rc = -OCTA_EINVAL },
	{ "a redirect pool id that is not a UUID",
	  .pool2 = "{'id': 'evil\\nfrontend x'}",
	  .policies = "[" POLICY(Q1, 1, "REDIRECT_TO_POOL",
	      ", 'redirect_pool_id': 'evil\\nfrontend x'",
	      RULE(R1, "PATH", "EQUAL_TO", "null", "/", "false")) "]",
	  .rc = -OCTA_EINVAL },
	{ "a port out of range",
	  .member = "{'protocol_port': 70000}", .rc = -OCTA_EINVAL },
	{ "a cookie name with a newline",
	  .pool = "{'session_persistence': {'type': 'APP_COOKIE',"
	  " 'cookie_name': 'a\\nb'}}",
	  .rc = -OCTA_EINVAL },
	{ "expected codes that are not codes",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'expected_codes': '200|.*'}",
	  .rc = -OCTA_EINVAL },
	{ "an expected code range backwards",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'expected_codes': '300-200'}",
	  .rc = -OCTA_EINVAL },
	{ "an HTTP method outside the enumeration",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'http_method': 'GET /x'}",
	  .rc = -OCTA_EINVAL },
	{ "a URL path with a newline",
	  .hm = "{'id': '" HM1 "', 'type': 'HTTP', 'delay': 5, 'timeout': 3,"
	  " 'max_retries': 2, 'url_path': '/\\r\\nHost: x'}",
	  .rc = -OCTA_EINVAL },
	{ "a TLS version outside the enumeration",
	  .listener = TLS_LISTENER "'tls_versions': ['TLSv1.2 crt /x']}",
	  .rc = -OCTA_EINVAL },
};

static void
render_case(const struct rcase *k, json_t **treep, struct buf *out, int *rc)
{
	struct render_opts o;
	json_t *tree = jq(base_tree), *more;
	size_t i;

	jpatch(tree, "", k->lb);
	jpatch(tree, "listeners/0", k->listener);
	jpatch(tree, "pools/0", k->pool);
	jpatch(tree, "pools/1", k->pool2);
	jpatch(tree, "pools/0/members/0", k->member);
	if (k->hm)
		jset(tree, "pools/0/healthmonitor", jq(k->hm));
	if (k->policies)
		jset(tree, "listeners/0/l7policies", jq(k->policies));
	if (k->more_listeners) {
		more = jq(k->more_listeners);
		for (i = 0; i < json_array_size(more); i++)
			json_array_append(json_object_get(tree, "listeners"),
			    json_array_get(more, i));
		json_decref(more);
	}
	test_opts(&o);
	if (k->opts)
		k->opts(&o);
	buf_init(out, 0);
	*rc = render_haproxy(tree, &o, out);
	*treep = tree;
}

static void
test_cases(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct rcase *k = &cases[i];
		const char *cfg, *at = NULL;
		struct buf out;
		json_t *tree;
		int rc;

		render_case(k, &tree, &out, &rc);
		cfg = buf_str(&out);
		if (rc != k->rc) {
			print_error("%s\n", cfg);
			fail_msg("case \"%s\": render returned %d (%s), "
			    "want %d", k->name, rc, octa_err_str(rc), k->rc);
		}
		if (rc < 0) {
			assert_int_equal(out.len, 0);
			goto next;
		}
		assert_sane(cfg);
		for (j = 0; j < ARRAY_SIZE(k->want) && k->want[j]; j++) {
			char *w = expand(k->want[j]);
			const char *hit = find_line(cfg, w,
			    k->ordered ? at : NULL);

			if (hit == NULL) {
				print_error("%s\n", cfg);
				fail_msg("case \"%s\": no line \"%s\"%s",
				    k->name, w, k->ordered ? " (in order)" :
				    "");
			}
			at = hit + 1;
			free(w);
		}
		for (j = 0; j < ARRAY_SIZE(k->never) && k->never[j]; j++) {
			if (strstr(cfg, k->never[j]) != NULL) {
				print_error("%s\n", cfg);
				fail_msg("case \"%s\": unexpected \"%s\"",
				    k->name, k->never[j]);
			}
		}
		haproxy_check(cfg, k->name);
next:
		buf_free(&out);
		json_decref(tree);
	}
}

/* A refused render leaves the output as it was. */
static void
test_no_partial_write(void **state)
{
	struct render_opts o;
	struct buf out;
	json_t *tree = jq(base_tree);

	(void)state;
	jset(tree, "pools/0/members/1/address", json_string("bad"));
	test_opts(&o);
	buf_init(&out, 0);
	assert_int_equal(buf_adds(&out, "keep\n"), 0);
	assert_int_equal(render_haproxy(tree, &o, &out), -OCTA_EINVAL);
	assert_string_equal(buf_str(&out), "keep\n");
	buf_free(&out);

	/* Too small a buffer: -OCTA_ETOOLARGE, nothing written. */
	jset(tree, "pools/0/members/1/address", json_string("10.0.1.2"));
	buf_init(&out, 300);
	assert_int_equal(render_haproxy(tree, &o, &out), -OCTA_ETOOLARGE);
	assert_int_equal(out.len, 0);
	buf_free(&out);

	/* Not a tree at all. */
	buf_init(&out, 0);
	assert_int_equal(render_haproxy(json_object_get(tree, "listeners"), &o,
	    &out), -OCTA_EINVAL);
	assert_int_equal(render_haproxy(NULL, &o, &out), -OCTA_EINVAL);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	json_decref(tree);
}

/* The same tree renders the same text. */
static void
test_deterministic(void **state)
{
	struct render_opts o;
	struct buf a, b;
	json_t *tree = jq(base_tree);

	(void)state;
	test_opts(&o);
	buf_init(&a, 0);
	buf_init(&b, 0);
	assert_int_equal(render_haproxy(tree, &o, &a), 0);
	assert_int_equal(render_haproxy(tree, &o, &b), 0);
	assert_string_equal(buf_str(&a), buf_str(&b));
	buf_free(&a);
	buf_free(&b);
	json_decref(tree);
}

/* ---- render_escape ---- */

static void
test_escape(void **state)
{
	static const struct {
		const char *in, *word, *logfmt, *arg;
	} t[] = {
		{ "plain", "plain", "plain", "plain" },
		{ "X-Forwarded-For", "X-Forwarded-For", "X-Forwarded-For",
		    "X-Forwarded-For" },
		{ "a b", "a\\ b", "a\\ b", "\\\"a\\ b\\\"" },
		{ "a#b", "a\\#b", "a\\#b", "\\\"a\\#b\\\"" },
		{ "it's", "it\\'s", "it\\'s", "\\\"it\\'s\\\"" },
		{ "q\"q", "q\\\"q", "q\\\"q", "\\\"q\\\\\\\"q\\\"" },
		{ "b\\s", "b\\\\s", "b\\\\s", "\\\"b\\\\\\\\s\\\"" },
		{ "50%", "50%", "50%%", "\\\"50%\\\"" },
		{ "$HOME", "$HOME", "$HOME", "\\\"$HOME\\\"" },
		{ "a,b)", "a,b)", "a,b)", "\\\"a,b)\\\"" },
		{ "h\xc3\xa9", "h\xc3\xa9", "h\xc3\xa9", "\\\"h\xc3\xa9\\\"" },
		/* refused */
		{ "", NULL, NULL, NULL },
		{ "a\nb", NULL, NULL, NULL },
		{ "a\rb", NULL, NULL, NULL },
		{ "a\tb", NULL, NULL, NULL },
		{ "a\x7f", NULL, NULL, NULL },
		{ "a\xc2\x85", NULL, NULL, NULL },
		{ "\x1b[31m", NULL, NULL, NULL },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		const char *want[3] = { t[i].word, t[i].logfmt, t[i].arg };
		int k, r;

		for (k = 0; k < 3; k++) {
			buf_reset(&b);
			assert_int_equal(buf_adds(&b, "x"), 0);
			r = k == 2 ? render_esc_fetch_arg(&b, t[i].in) :
			    render_esc_word(&b, t[i].in,
			    k == 1 ? RENDER_ESC_LOGFMT : 0);
			if (want[k] == NULL) {
				assert_int_equal(r, -OCTA_EINVAL);
				assert_string_equal(buf_str(&b), "x");
				continue;
			}
			assert_int_equal(r, 0);
			assert_string_equal(buf_str(&b) + 1, want[k]);
		}
	}
	assert_int_equal(render_esc_word(&b, NULL, 0), -OCTA_EINVAL);
	buf_free(&b);
}

/* Escaped words read back as the original through the parser model. */
static void
test_escape_roundtrip(void **state)
{
	struct buf b;
	struct words ws;
	char in[64], *arg;
	unsigned seed = 7;
	int i, n, k;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 5000; i++) {
		n = 1 + (int)(rand_r(&seed) % 40);
		for (k = 0; k < n; k++)
			in[k] = (char)(0x20 + rand_r(&seed) % 0x5f);
		in[n] = '\0';
		buf_reset(&b);
		buf_adds(&b, "acl x req.hdr(");
		assert_int_equal(render_esc_fetch_arg(&b, in), 0);
		buf_adds(&b, ") -m str ");
		assert_int_equal(render_esc_word(&b, in, 0), 0);
		assert_int_equal(split_words(buf_str(&b), &ws), 0);
		if (ws.n != 6)
			fail_msg("[%s] split into %d words: %s", in, ws.n,
			    buf_str(&b));
		assert_string_equal(ws.w[5], in);
		arg = fetch_arg(ws.w[2]);
		assert_non_null(arg);
		assert_string_equal(arg, in);
		free(arg);
		words_free(&ws);
	}
	buf_free(&b);
}

/* ---- fuzz ---- */

#define FZ_SILENT 0x01	/* never reaches the configuration */
#define FZ_ANY 0x02	/* a valid value may change the structure */
#define FZ_VARIES 0x04	/* bind/server lines may change length */
#define FZ_NOHAP 0x08	/* accepted values may still fail haproxy -c */
#define FZ_ARG 0x10	/* the read-back word is fetch(<value>) */
#define FZ_LOGFMT 0x20	/* the read-back word is a log-format */
#define FZ_PATTERN 0x40	/* an ACL pattern: quotes stripped, `--` */

struct ftarget {
	const char *path;
	unsigned flags;
	const char *line;	/* read back: the line starting so ... */
	int word;		/* ... its word (negative: from the end) */
};

#define RULEP(q, r) "listeners/0/l7policies/" #q "/rules/" #r

static const struct ftarget targets[] = {
	{ "name", FZ_SILENT }, { "description", FZ_SILENT },
	{ "listeners/0/name", FZ_SILENT },
	{ "listeners/0/description", FZ_SILENT },
	{ "pools/0/name", FZ_SILENT }, { "pools/0/description", FZ_SILENT },
	{ "pools/0/members/0/name", FZ_SILENT },
	{ "listeners/0/l7policies/0/name", FZ_SILENT },
	{ "pools/0/healthmonitor/name", FZ_SILENT },
	{ "tags/0", FZ_SILENT },
	{ RULEP(0, 0) "/key", FZ_SILENT },	/* HOST_NAME: no key */
	{ RULEP(3, 4) "/value", FZ_SILENT },	/* SSL_CONN_HAS_CERT */
	{ RULEP(0, 0) "/value", FZ_PATTERN, "acl " R1, -1 },
	{ RULEP(0, 1) "/value", FZ_PATTERN, "acl " R2, -1 },
	{ RULEP(1, 0) "/value", FZ_PATTERN, "acl " R3, -1 },
	{ RULEP(1, 0) "/key", FZ_ARG, "acl " R3, 2 },
	{ RULEP(2, 0) "/value", FZ_PATTERN, "acl " R4, -1 },
	{ RULEP(2, 0) "/key", FZ_ARG, "acl " R4, 2 },
	{ RULEP(3, 0) "/value", FZ_PATTERN, "acl " R5, -1 },
	{ RULEP(3, 0) "/key", FZ_ARG, "acl " R5, 2 },
	{ RULEP(3, 1) "/value", FZ_PATTERN, "acl " R6, -1 },
	{ RULEP(3, 2) "/value", FZ_PATTERN | FZ_NOHAP, "acl " R7, -1 },
	{ RULEP(3, 3) "/value", 0, "acl " R8, -1 },
	{ RULEP(0, 0) "/type", FZ_ANY },
	{ RULEP(0, 0) "/compare_type", FZ_ANY },
	{ "listeners/0/l7policies/0/action", FZ_ANY },
	{ "listeners/0/l7policies/1/redirect_url", 0, "redirect code 301 "
	    "location", 4 },
	{ "listeners/0/l7policies/2/redirect_prefix", 0, "redirect prefix",
	    2 },
	{ "pools/0/session_persistence/cookie_name", FZ_ARG, "stick match",
	    2 },
	{ "pools/0/session_persistence/type", FZ_ANY },
	{ "pools/0/healthmonitor/url_path", 0, "option httpchk GET", 3 },
	{ "pools/0/healthmonitor/domain_name", FZ_LOGFMT, "http-check send "
	    "hdr Host", 4 },
	{ "pools/0/healthmonitor/expected_codes", 0 },
	{ "pools/0/healthmonitor/http_method", 0 },
	{ "pools/0/healthmonitor/type", FZ_ANY },
	{ "pools/0/lb_algorithm", FZ_ANY },
	{ "listeners/0/tls_ciphers", FZ_VARIES | FZ_NOHAP },
	{ "pools/0/tls_ciphers", FZ_VARIES | FZ_NOHAP },
	{ "listeners/0/tls_versions/0", 0 },
	{ "listeners/0/alpn_protocols/0", 0 },
	{ "pools/0/alpn_protocols/1", 0 },
	{ "listeners/0/client_authentication", 0 },
	{ "listeners/0/default_tls_container_ref", 0 },
	{ "listeners/0/client_ca_tls_container_ref", 0 },
	{ "pools/0/ca_tls_container_ref", 0 },
	{ "listeners/0/insert_headers/X-Forwarded-For", FZ_ANY },
	{ "listeners/0/allowed_cidrs/0", 0 },
	{ "project_id", FZ_LOGFMT },
	{ "vip_address", 0 }, { "pools/0/members/0/address", 0 },
	{ "pools/0/members/0/monitor_address", 0 },
	{ "listeners/0/id", 0 }, { "pools/0/members/1/id", 0 },
	{ RULEP(0, 1) "/id", 0 },
	{ "listeners/0/default_pool_id", FZ_ANY },
};

static const char *const hostile[] = {
	"x\nfrontend evil", "x\r\n    server evil 1.2.3.4:80", "a b",
	" if TRUE", "#", "a#b", "\"", "'", "\\", "\\\\", "\\x0a", "%[src]",
	"%", "${HOME}", "\"${HOME}\"", "-f", "-f /etc/passwd", "-m reg .*",
	"--", "x)", "x,y", "(", "a\tb", "\x7f", "\xc2\x85", "\xff\xfe",
	"\"a b\"", "\"\"", "' '", "a\\ b", "\\#", "}", "{ always_true }",
	"TLS_AES_128_GCM_SHA256", "ALL:!aNULL", "200", "200-204",
	"10.0.0.1", "fd00::1", "10.0.0.0/8", "GET", "TLSv1.2", "h2",
	"a0000000-0000-4000-8000-0000000000ff", "true", "HTTP", "REJECT",
	"/health", "www.example.com", "https://x.example/p",
};

static void
fuzz_string(unsigned *seed, char *out, size_t max)
{
	static const char specials[] = " \t\n\r\"'#\\%$[]{}(),;-!|:&.=/_";
	size_t n, i;
	unsigned mode = rand_r(seed) % 6;

	n = 1 + rand_r(seed) % (max - 1 < 24 ? max - 1 : 24);
	switch (mode) {
	case 0:		/* any bytes */
		for (i = 0; i < n; i++)
			out[i] = (char)(1 + rand_r(seed) % 255);
		break;
	case 1:		/* specials and letters */
		for (i = 0; i < n; i++)
			out[i] = rand_r(seed) % 2 ? specials[rand_r(seed) %
			    (sizeof(specials) - 1)] : (char)('a' +
			    rand_r(seed) % 26);
		break;
	case 2:		/* printable ASCII */
		for (i = 0; i < n; i++)
			out[i] = (char)(0x20 + rand_r(seed) % 0x5f);
		break;
	case 3:		/* plausible */
		for (i = 0; i < n; i++)
			out[i] = "abcdefXYZ0123456789/._-"[rand_r(seed) % 23];
		break;
	default: {	/* hostile or valid, as it is (4) or wrapped (5) */
		const char *h = hostile[rand_r(seed) % ARRAY_SIZE(hostile)];
		struct buf b;

		buf_init(&b, max);
		if (mode == 5 && rand_r(seed) % 2)
			buf_adds(&b, "ab");
		buf_adds(&b, h);
		if (mode == 5 && rand_r(seed) % 2)
			buf_adds(&b, rand_r(seed) % 2 ? "\nacl x" : "z");
		n = b.len < max - 1 ? b.len : max - 1;
		memcpy(out, buf_str(&b), n);
		buf_free(&b);
		break;
	}
	}
	out[n] = '\0';
}

static json_t *
fuzz_tree(void)
{
	json_t *tree = jq(base_tree);

	jpatch(tree, "", "{'tags': ['t1'], 'description': 'd'}");
	jpatch(tree, "listeners/0", TLS_LISTENER
	    "'client_ca_tls_container_ref': 'ref-ca',"
	    " 'client_authentication': 'OPTIONAL',"
	    " 'client_crl_container_ref': 'ref-crl', 'description': 'd',"
	    " 'tls_ciphers': 'TLS_AES_128_GCM_SHA256:"
	    "ECDHE-ECDSA-AES128-GCM-SHA256',"
	    " 'tls_versions': ['TLSv1.2', 'TLSv1.3'],"
	    " 'alpn_protocols': ['h2', 'http/1.1'],"
	    " 'allowed_cidrs': ['10.0.0.0/8', '192.168.0.0/16'],"
	    " 'insert_headers': {'X-Forwarded-For': 'true',"
	    "   'X-SSL-Client-DN': 'true'}}");
	jpatch(tree, "pools/0", "{'description': 'd', 'tls_enabled': true,"
	    " 'ca_tls_container_ref': 'ref-ca', 'tls_ciphers':"
	    " 'ECDHE-ECDSA-AES128-GCM-SHA256',"
	    " 'alpn_protocols': ['h2', 'http/1.1'],"
	    " 'session_persistence': {'type': 'APP_COOKIE',"
	    "   'cookie_name': 'JSESSIONID'}}");
	jpatch(tree, "pools/0/members/0", "{'monitor_address': '10.0.9.9'}");
	jset(tree, "pools/0/healthmonitor", jq("{'id': '" HM1 "', 'name': 'h',"
	    " 'type': 'HTTP', 'delay': 5, 'timeout': 3, 'max_retries': 2,"
	    " 'http_method': 'GET', 'url_path': '/health',"
	    " 'expected_codes': '200', 'http_version': 1.1,"
	    " 'domain_name': 'www.example.com'}"));
	jset(tree, "listeners/0/l7policies", jq("["
	    POLICY(Q1, 1, "REJECT", ", 'name': 'q'",
		RULE(R1, "HOST_NAME", "EQUAL_TO", "null", "www.example.com",
		"false") ","
		RULE(R2, "PATH", "STARTS_WITH", "null", "/admin", "true")) ","
	    POLICY(Q2, 2, "REDIRECT_TO_URL", ", 'redirect_url': "
		"'https://example.com/x', 'redirect_http_code': 301",
		RULE(R3, "HEADER", "CONTAINS", "'X-Foo'", "bar", "false")) ","
	    POLICY(Q3, 3, "REDIRECT_PREFIX", ", 'redirect_prefix': "
		"'https://example.org'",
		RULE(R4, "COOKIE", "EQUAL_TO", "'sid'", "abc", "false")) ","
	    POLICY(Q4, 4, "REDIRECT_TO_POOL", ", 'redirect_pool_id': '" P2 "'",
		RULE(R5, "SSL_DN_FIELD", "ENDS_WITH", "'CN'", "x", "false") ","
		RULE(R6, "FILE_TYPE", "EQUAL_TO", "null", "jpg", "false") ","
		RULE(R7, "PATH", "REGEX", "null", "^/a", "false") ","
		RULE(R8, "SSL_VERIFY_RESULT", "EQUAL_TO", "null", "0",
		"false") ","
		RULE(R9, "SSL_CONN_HAS_CERT", "EQUAL_TO", "null", "true",
		"false")) "]"));
	return tree;
}

struct skel {
	int n;
	char *first[512];
	int words[512];
};

static void
skeleton(const char *cfg, struct skel *s)
{
	const char *p = cfg;
	char *line;
	struct words ws;

	s->n = 0;
	for (; (line = next_part(&p, '\n')) != NULL; free(line)) {
		assert_true(s->n < 512);
		assert_int_equal(split_words(line, &ws), 0);
		s->first[s->n] = strdup(ws.n ? ws.w[0] : "");
		s->words[s->n] = ws.n;
		s->n++;
		words_free(&ws);
	}
}

static void
skel_free(struct skel *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->first[i]);
	s->n = 0;
}

/* The line whose words start with `prefix`, split; false if none. */
static bool
find_words(const char *cfg, const char *prefix, struct words *out)
{
	const char *p = cfg;
	char *line;
	struct words want, ws;
	bool found = false;
	int i;

	assert_int_equal(split_words(prefix, &want), 0);
	for (; !found && (line = next_part(&p, '\n')) != NULL; free(line)) {
		assert_int_equal(split_words(line, &ws), 0);
		for (i = 0; i < want.n && i < ws.n; i++)
			if (strcmp(want.w[i], ws.w[i]) != 0)
				break;
		if (i == want.n) {
			*out = ws;
			found = true;
		} else {
			words_free(&ws);
		}
	}
	words_free(&want);
	return found;
}

/* Checks that the fuzzed value reads back from its line as itself. */
static void
read_back(const char *cfg, const struct ftarget *t, const char *value)
{
	struct words ws = { 0 };
	struct buf exp;
	const char *got;
	char *arg = NULL;
	size_t n = strlen(value);
	int idx;

	if (t->line == NULL)
		return;
	if (!find_words(cfg, t->line, &ws))
		fail_msg("fuzz %s: no line \"%s\" in\n%s", t->path, t->line,
		    cfg);
	idx = t->word < 0 ? ws.n + t->word : t->word;
	assert_true(idx >= 0 && idx < ws.n);
	got = ws.w[idx];
	buf_init(&exp, 0);
	if ((t->flags & FZ_PATTERN) && n >= 2 && value[0] == '"' &&
	    value[n - 1] == '"')
		buf_add(&exp, value + 1, n - 2);
	else
		buf_adds(&exp, value);
	if (t->flags & FZ_ARG)
		got = arg = fetch_arg(got);
	if (t->flags & FZ_LOGFMT) {
		struct buf u;
		const char *p;

		/* Undo the %% of a log-format. */
		buf_init(&u, 0);
		for (p = got; *p; p++) {
			buf_addc(&u, *p);
			if (p[0] == '%' && p[1] == '%')
				p++;
		}
		arg = buf_steal(&u);
		got = arg;
	}
	if (got == NULL || strcmp(got, buf_str(&exp)) != 0)
		fail_msg("fuzz %s: value [%s] reads back as [%s]", t->path,
		    buf_str(&exp), got ? got : "(unparsable)");
	if ((t->flags & FZ_PATTERN) && buf_str(&exp)[0] == '-')
		assert_string_equal(ws.w[idx - 1], "--");
	free(arg);
	buf_free(&exp);
	words_free(&ws);
}

static void
test_fuzz(void **state)
{
	struct render_opts o;
	struct skel base, got;
	struct buf out, clean;
	const char *env;
	unsigned seed = 20240611, rounds = 120, i, k;
	json_t *tree;
	int r, line, accepted = 0, refused = 0, checked = 0;
	char value[64];

	(void)state;
	if ((env = getenv("OCTA_FUZZ_SEED")) != NULL)
		seed = (unsigned)strtoul(env, NULL, 10);
	if ((env = getenv("OCTA_FUZZ_ROUNDS")) != NULL)
		rounds = (unsigned)strtoul(env, NULL, 10);
	print_message("[  FUZZ    ] seed %u, %u rounds x %zu fields\n", seed,
	    rounds, ARRAY_SIZE(targets));

	test_opts(&o);
	tree = fuzz_tree();
	buf_init(&clean, 0);
	assert_int_equal(render_haproxy(tree, &o, &clean), 0);
	assert_sane(buf_str(&clean));
	haproxy_check(buf_str(&clean), "the fuzz base tree");
	skeleton(buf_str(&clean), &base);
	json_decref(tree);

	for (i = 0; i < rounds; i++) {
		for (k = 0; k < ARRAY_SIZE(targets); k++) {
			const struct ftarget *t = &targets[k];

			fuzz_string(&seed, value, sizeof(value));
			tree = fuzz_tree();
			jset(tree, t->path, json_stringn_nocheck(value,
			    strlen(value)));
			buf_init(&out, 0);
			r = render_haproxy(tree, &o, &out);
			json_decref(tree);
			if (r != 0 && r != -OCTA_EINVAL &&
			    r != -OCTA_ENOTFOUND)
				fail_msg("fuzz %s [%s]: render returned %d",
				    t->path, value, r);
			if (r != 0) {
				assert_int_equal(out.len, 0);
				refused++;
				buf_free(&out);
				continue;
			}
			accepted++;
			if (t->flags & FZ_SILENT) {
				if (strcmp(buf_str(&out), buf_str(&clean)) != 0)
					fail_msg("fuzz %s [%s] changed the "
					    "configuration", t->path, value);
				buf_free(&out);
				continue;
			}
			assert_sane(buf_str(&out));
			skeleton(buf_str(&out), &got);
			if (!(t->flags & FZ_ANY)) {
				if (got.n != base.n)
					fail_msg("fuzz %s [%s]: %d lines, not "
					    "%d:\n%s", t->path, value, got.n,
					    base.n, buf_str(&out));
				for (line = 0; line < base.n; line++) {
					bool tls_line = strcmp(base.first[line],
					    "bind") == 0 || strcmp(
					    base.first[line], "server") == 0;

					assert_string_equal(got.first[line],
					    base.first[line]);
					if (got.words[line] == base.words[line])
						continue;
					if ((t->flags & FZ_VARIES) && tls_line)
						continue;
					/* `--` before a pattern */
					if ((t->flags & FZ_PATTERN) &&
					    strcmp(base.first[line], "acl") ==
					    0 && got.words[line] ==
					    base.words[line] + 1)
						continue;
					fail_msg("fuzz %s [%s]: line %d has %d "
					    "words, not %d:\n%s", t->path,
					    value, line + 1, got.words[line],
					    base.words[line], buf_str(&out));
				}
				read_back(buf_str(&out), t, value);
			}
			skel_free(&got);
			if (!(t->flags & FZ_NOHAP) && have_haproxy &&
			    accepted % 20 == 0) {
				haproxy_check(buf_str(&out), t->path);
				checked++;
			}
			buf_free(&out);
		}
	}
	print_message("[  FUZZ    ] %d accepted, %d refused, %d given to "
	    "haproxy -c\n", accepted, refused, checked);
	assert_true(rounds == 0 || (accepted > 0 && refused > 0));
	skel_free(&base);
	buf_free(&clean);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_roundtrip),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_no_partial_write),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
