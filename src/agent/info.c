/*
 * info.c - version, info, details, listeners and interface lookups; see
 * info.h.  Main thread only.
 *
 * Versions are the raw package versions Octavia reports
 * (`dpkg-query -W -f=${Version} <pkg>`), looked up once at start since
 * they cannot change under a running agent.  /details reads /proc of the
 * amphora: /proc/net/dev is per network namespace, so `networks` lists
 * the eth* interfaces of the namespace the agent runs in.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "info.h"
#include "lb.h"
#include "netif.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

static char *
pkg_version(const char *pkg)
{
	const char *argv[] = { "/usr/bin/dpkg-query", "-W", "-f=${Version}",
	    pkg, NULL };
	struct buf out;
	int st = 1;
	char *v = NULL;

	buf_init(&out, 4096);
	if (access(argv[0], X_OK) == 0 &&
	    sys_run(argv, 10000, -1, &out, &st) == 0 && st == 0 &&
	    out.len > 0 && strchr(buf_str(&out), '\n') == NULL)
		v = xstrdup(buf_str(&out));
	buf_free(&out);
	return v;
}

/* "HAProxy version 2.6.12-1+deb12u4 2023/..." -> "2.6.12-1+deb12u4" */
static char *
haproxy_v(const struct agent *a)
{
	const char *argv[] = { a->haproxy_cmd, "-v", NULL };
	const char *p, *key = "version ";
	struct buf out;
	size_t n;
	int st = 1;
	char *v = NULL;

	buf_init(&out, 8192);
	if (sys_run(argv, 10000, -1, &out, &st) == 0 && st == 0 &&
	    (p = strstr(buf_str(&out), key)) != NULL) {
		p += strlen(key);
		n = strcspn(p, " \n");
		if (n > 0)
			v = xstrndup(p, n);
	}
	buf_free(&out);
	return v;
}

void
info_init(struct agent *a)
{
	info_free(a);
	if ((a->haproxy_version = pkg_version("haproxy")) == NULL)
		a->haproxy_version = haproxy_v(a);
	a->keepalived_version = pkg_version("keepalived");
	a->ipvsadm_version = pkg_version("ipvsadm");
	log_info("agent versions haproxy=%s keepalived=%s ipvsadm=%s",
	    a->haproxy_version ? a->haproxy_version : "-",
	    a->keepalived_version ? a->keepalived_version : "-",
	    a->ipvsadm_version ? a->ipvsadm_version : "-");
}

void
info_free(struct agent *a)
{
	OCTA_FREE(&a->haproxy_version);
	OCTA_FREE(&a->keepalived_version);
	OCTA_FREE(&a->ipvsadm_version);
}

static json_t *
jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
hostname(void)
{
	char h[256];

	if (gethostname(h, sizeof(h)) < 0)
		return json_string("");
	h[sizeof(h) - 1] = '\0';
	return json_string(h);
}

void
info_version(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	(void)a;
	(void)rq;
	resp_json(rs, 200, json_pack("{ss}", "api_version",
	    AGENT_API_VERSION));
}

void
info_info(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	(void)rq;
	resp_json(rs, 200, json_pack("{so so ss so so}", "hostname",
	    hostname(), "haproxy_version", jstr_or_null(a->haproxy_version),
	    "api_version", AGENT_API_VERSION, "keepalived_version",
	    jstr_or_null(a->keepalived_version), "ipvsadm_version",
	    jstr_or_null(a->ipvsadm_version)));
}

/* {<eth*>: {"network_tx", "network_rx"}} from /proc/net/dev. */
static json_t *
networks(void)
{
	json_t *o = json_object();
	char line[512], name[64];
	unsigned long long v[16];
	FILE *f;
	char *colon, *p, *e;
	int i;

	if ((f = fopen("/proc/net/dev", "re")) == NULL)
		return o;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "eth", 3) != 0 || strlen(p) >= sizeof(name))
			continue;
		memcpy(name, p, strlen(p) + 1);
		p = colon + 1;
		for (i = 0; i < 16; i++) {
			v[i] = strtoull(p, &e, 10);
			if (e == p)
				break;
			p = e;
		}
		if (i < 9)
			continue;
		/* rx bytes is the 1st field, tx bytes the 9th */
		json_object_set_new(o, name, json_pack("{sI sI}",
		    "network_tx", (json_int_t)v[8], "network_rx",
		    (json_int_t)v[0]));
	}
	fclose(f);
	return o;
}

/* Splits on spaces, empty fields skipped; returns the count. */
static int
split_words(char *line, char **tok, int max)
{
	char *p = line, *w;
	int n = 0;

	while (n < max && (w = strsep(&p, " \t")) != NULL)
		if (*w != '\0')
			tok[n++] = w;
	return n;
}

static json_t *
cpu(void)
{
	char line[1024], *tok[16];
	long long total = 0, v;
	int ntok, i;
	FILE *f;

	line[0] = '\0';
	if ((f = fopen("/proc/stat", "re")) != NULL) {
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	ntok = split_words(line, tok, 16);
	/* "cpu user nice system idle iowait irq softirq steal ..." */
	for (i = 1; i < ntok; i++)
		if (parse_ll(tok[i], &v))
			total += v;
	return json_pack("{sI ss ss ss}", "total", (json_int_t)total,
	    "user", ntok > 1 ? tok[1] : "0", "system", ntok > 3 ? tok[3] : "0",
	    "soft_irq", ntok > 7 ? tok[7] : "0");
}

static json_t *
memory(void)
{
	static const char *const keys[][2] = {
		{ "MemTotal", "total" }, { "MemFree", "free" },
		{ "Buffers", "buffers" }, { "Cached", "cached" },
		{ "SwapCached", "swap_used" }, { "Shmem", "shared" },
		{ "Slab", "slab" },
	};
	json_t *o = json_object();
	char line[256], *colon, *e;
	long long v;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(o, keys[i][1], json_integer(0));
	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return o;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		v = strtoll(colon + 1, &e, 10);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(line, keys[i][0]) == 0)
				json_object_set_new(o, keys[i][1],
				    json_integer(v));
	}
	fclose(f);
	return o;
}

static json_t *
disk(void)
{
	struct statvfs st;

	if (statvfs("/", &st) < 0)
		return json_pack("{sI sI}", "used", (json_int_t)0,
		    "available", (json_int_t)0);
	return json_pack("{sI sI}", "used",
	    (json_int_t)((st.f_blocks - st.f_bfree) * st.f_frsize),
	    "available", (json_int_t)(st.f_bavail * st.f_frsize));
}

static json_t *
load(void)
{
	char line[256], *tok[3];
	json_t *a = json_array();
	int n = 0, i;
	FILE *f;

	line[0] = '\0';
	if ((f = fopen("/proc/loadavg", "re")) != NULL) {
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	n = split_words(line, tok, 3);
	for (i = 0; i < 3; i++)
		json_array_append_new(a, json_string(i < n ? tok[i] : "0.00"));
	return a;
}

static json_t *
tuned_profiles(void)
{
	struct buf b;
	json_t *s;

	buf_init(&b, 4096);
	if (sys_read_file("/etc/tuned/active_profile", 4000, &b) < 0)
		buf_reset(&b);
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' '))
		b.p[--b.len] = '\0';
	s = json_string(buf_str(&b));
	buf_free(&b);
	return s;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted listener ids of every load balancer. */
static json_t *
listener_ids(const struct agent *a)
{
	json_t *ls = json_array(), *ids = json_array(), *l;
	const char **v;
	size_t i, n;

	lb_listeners(a, ls);
	n = json_array_size(ls);
	v = xcalloc(n ? n : 1, sizeof(*v));
	json_array_foreach(ls, i, l)
		v[i] = json_string_value(json_object_get(l, "uuid"));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_string(v[i]));
	free(v);
	json_decref(ls);
	return ids;
}

void
info_details(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	(void)rq;
	resp_json(rs, 200, json_pack("{so so ss so sb si so sI so so so so so"
	    " ss ss so so si so}",
	    "hostname", hostname(),
	    "haproxy_version", jstr_or_null(a->haproxy_version),
	    "api_version", AGENT_API_VERSION,
	    "networks", networks(),
	    "active", 1,
	    "haproxy_count", lb_running_count(a),
	    "cpu", cpu(),
	    "cpu_count", (json_int_t)(ncpu > 0 ? ncpu : 1),
	    "memory", memory(),
	    "disk", disk(),
	    "load", load(),
	    "active_tuned_profiles", tuned_profiles(),
	    "listeners", listener_ids(a),
	    "topology", "SINGLE",
	    "topology_status", "OK",
	    "packages", json_object(),
	    "keepalived_version", jstr_or_null(a->keepalived_version),
	    "lvs_listener_process_count", 0,
	    "ipvsadm_version", jstr_or_null(a->ipvsadm_version)));
}

void
info_listeners(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	json_t *ls = json_array();

	(void)rq;
	lb_listeners(a, ls);
	resp_json(rs, 200, ls);
}

void
info_interface(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	const char *ip = rq->params[0], *name;
	unsigned char bin[16];
	json_t *addrs = NULL;

	(void)a;
	if (inet_pton(AF_INET, ip, bin) != 1 &&
	    inet_pton(AF_INET6, ip, bin) != 1) {
		resp_msg(rs, 400, "Invalid IP address", NULL);
		return;
	}
	if (netif_addrs(&addrs) < 0) {
		resp_msg(rs, 500, "Error reading the interfaces", NULL);
		return;
	}
	if ((name = netif_name_by_ip(addrs, ip)) == NULL)
		resp_msg(rs, 404, "Error interface not found for IP address",
		    NULL);
	else
		resp_json(rs, 200, json_pack("{ss ss}", "message", "OK",
		    "interface", name));
	json_decref(addrs);
}
