/*
 * netns.c - compute_netns_driver: an amphora is a network namespace on
 * this host running its own octa-agent (docs/local-world.md "Amphorae").
 *
 * build():   namespace octa-amp-<8hex>, lo up, veth oa<8hex>m on the
 *            management bridge <-> eth0 inside with the management
 *            port's MAC and address, <state_dir>/amphorae/<id>/ with
 *            agent.conf and server.pem, and octa-agent started as
 *            `ip netns exec octa-amp-<8hex> octa-agent --config-file
 *            .../agent.conf`, its pid in agent.pid.
 * destroy(): every process of the amphora (pid files under its
 *            directory, and `ip netns pids`), only if it is in that
 *            namespace; the host veths oa<8hex>*; the namespace; the
 *            directory.
 *
 * Runs in the worker role (any worker thread) and in octa-manage's debug
 * commands.  The database is not touched (DESIGN.md §3): the management
 * port comes in amp["mgmt_port"] (svc_amp_mgmt_port).  Everything is
 * named from the amphora id and both calls are idempotent, so a flow
 * resumed after a crash, or a delete of a half-built amphora, finds and
 * finishes what an earlier attempt left.  Agents are started detached
 * (netutil_spawn): an amphora outlives the worker that built it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../drivers.h"
#include "../netutil.h"
#include "../cert/local_ca.h"
#include "../../common/buf.h"
#include "../../common/config.h"
#include "../../common/errors.h"
#include "../../common/log.h"
#include "../../common/util.h"
#include "../../common/xalloc.h"

#define AGENT_PORT "9443"
#define KILL_GRACE_MS 3000
#define PIDFILE_DEPTH 3

struct amp_paths {
	char id[UUID_STR_LEN];
	char ns[32];
	char veth[NETUTIL_IFNAMSIZ];	/* oa<8hex>m */
	char prefix[NETUTIL_IFNAMSIZ];	/* oa<8hex> */
	char dir[512];			/* <state_dir>/amphorae/<id> */
	char run[64];			/* /run/octa/<id>: HAProxy sockets */
	char conf[600];
	char pem[600];
	char pidfile[600];
	char log[600];
};

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int
paths_init(json_t *amp, struct amp_paths *p)
{
	const char *id = sget(amp, "id");

	memset(p, 0, sizeof(*p));
	if (!uuid_canon(id ? id : "", p->id) ||
	    !netutil_amp_ns(p->id, p->ns, sizeof(p->ns)) ||
	    !netutil_amp_veth(p->id, "m", p->veth, sizeof(p->veth)) ||
	    !netutil_amp_veth(p->id, "", p->prefix, sizeof(p->prefix))) {
		log_error("compute_netns: bad amphora id=%s", id ? id : "-");
		return -OCTA_EINVAL;
	}
	if ((size_t)snprintf(p->dir, sizeof(p->dir), "%s/amphorae/%s",
	    cfg.octa_state_dir, p->id) >= sizeof(p->dir))
		return -OCTA_EINVAL;
	/* UNIX socket paths are short (108 bytes): they live here. */
	snprintf(p->run, sizeof(p->run), "/run/octa/%s", p->id);
	snprintf(p->conf, sizeof(p->conf), "%s/agent.conf", p->dir);
	snprintf(p->pem, sizeof(p->pem), "%s/server.pem", p->dir);
	snprintf(p->pidfile, sizeof(p->pidfile), "%s/agent.pid", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/agent.log", p->dir);
	return 0;
}

static int
mkdir_0700(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		log_error("compute_netns: mkdir %s: %s", path, strerror(errno));
		return -OCTA_EIO;
	}
	return 0;
}

static int
make_dirs(const struct amp_paths *p)
{
	char d[640];
	int r;

	if ((r = mkdir_0700(cfg.octa_state_dir)) < 0)
		return r;
	snprintf(d, sizeof(d), "%s/amphorae", cfg.octa_state_dir);
	if ((r = mkdir_0700(d)) < 0 || (r = mkdir_0700(p->dir)) < 0)
		return r;
	snprintf(d, sizeof(d), "%s/certs", p->dir);
	if ((r = mkdir_0700(d)) < 0)
		return r;
	snprintf(d, sizeof(d), "%s/interfaces.d", p->dir);
	return mkdir_0700(d);
}

/* Writes a file whole: a temporary beside it, then rename. */
static int
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[700];
	ssize_t n;
	size_t off = 0;
	int fd, r = -OCTA_EIO;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	log_error("compute_netns: cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

/* The octa-agent to start: [controller_worker] agent_binary, else
 * octa-agent beside the running program. */
static int
agent_binary(char *out, size_t len)
{
	char self[512], *dir;
	ssize_t n;

	if (cfg.controller_worker_agent_binary &&
	    cfg.controller_worker_agent_binary[0]) {
		snprintf(out, len, "%s", cfg.controller_worker_agent_binary);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return -OCTA_EIO;
		self[n] = '\0';
		dir = dirname(self);
		snprintf(out, len, "%s/octa-agent", dir);
	}
	if (out[0] != '/' || access(out, X_OK) < 0) {
		log_error("compute_netns: no executable octa-agent at %s "
		    "(set [controller_worker] agent_binary)", out);
		return -OCTA_ENOTFOUND;
	}
	return 0;
}

/* ---- agent.conf ---- */

/* A value that is one line of printable text. */
static bool
ini_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return s != NULL;
}

static void
conf_set(json_t *c, const char *sec, const char *key, json_t *v)
{
	json_t *s = json_object_get(c, sec);

	if (!json_is_object(s)) {
		s = json_object();
		json_object_set_new(c, sec, s);
	}
	json_object_set_new(s, key, v);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object's keys, sorted (the strings belong to the object). */
static const char **
sorted_keys(json_t *o, size_t *n)
{
	const char **keys = xcalloc(json_object_size(o) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t i = 0;

	json_object_foreach(o, k, v)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_str);
	*n = i;
	return keys;
}

static int
render_conf(json_t *c, struct buf *b)
{
	const char **secs, **keys;
	size_t ns, nk, i, j;
	int r = 0;

	buf_adds(b, "# Written by octa's compute_netns_driver; rewritten on "
	    "every build.\n");
	secs = sorted_keys(c, &ns);
	for (i = 0; i < ns && r == 0; i++) {
		json_t *sec = json_object_get(c, secs[i]);

		if (!json_is_object(sec) || !ini_ok(secs[i]) ||
		    strchr(secs[i], ']')) {
			r = -OCTA_EINVAL;
			break;
		}
		buf_printf(b, "\n[%s]\n", secs[i]);
		keys = sorted_keys(sec, &nk);
		for (j = 0; j < nk; j++) {
			json_t *v = json_object_get(sec, keys[j]);
			char num[32];
			const char *text = NULL;

			if (json_is_string(v))
				text = json_string_value(v);
			else if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld",
				    (long long)json_integer_value(v));
				text = num;
			} else if (json_is_boolean(v))
				text = json_is_true(v) ? "True" : "False";
			if (text == NULL || !ini_ok(text) || !ini_ok(keys[j]) ||
			    strchr(keys[j], '=')) {
				log_error("compute_netns: bad agent.conf value "
				    "[%s] %s", secs[i], keys[j]);
				r = -OCTA_EINVAL;
				break;
			}
			if (buf_printf(b, "%s = %s\n", keys[j], text) < 0)
				r = -OCTA_ETOOLARGE;
		}
		free(keys);
	}
	free(secs);
	return r;
}

static int
write_conf(json_t *amp, const struct amp_paths *p)
{
	json_t *mgmt = json_object_get(amp, "mgmt_port");
	json_t *extra = json_object_get(json_object_get(amp, "agent_conf"),
	    "config");
	json_t *c = json_object(), *sec;
	struct ca_paths ca;
	const char *sname, *key;
	json_t *v;
	struct buf b;
	char dir[512], s[700], hm[300];
	int r;

	if (cfg.certificates_cert_dir && cfg.certificates_cert_dir[0])
		snprintf(dir, sizeof(dir), "%s", cfg.certificates_cert_dir);
	else
		snprintf(dir, sizeof(dir), "%s/certs", cfg.octa_state_dir);
	ca_paths_init(&ca, dir);
	if (cfg.health_manager_controller_ip_port_list &&
	    cfg.health_manager_controller_ip_port_list[0])
		snprintf(hm, sizeof(hm), "%s",
		    cfg.health_manager_controller_ip_port_list);
	else
		snprintf(hm, sizeof(hm), "%s:%lld", sget(mgmt, "gateway_ip") ?
		    sget(mgmt, "gateway_ip") : cfg.health_manager_bind_ip,
		    cfg.health_manager_bind_port);

	conf_set(c, "amphora_agent", "amphora_id", json_string(p->id));
	conf_set(c, "amphora_agent", "agent_server_cert",
	    json_string(p->pem));
	conf_set(c, "amphora_agent", "agent_server_ca",
	    json_string(ca.client_ca));
	snprintf(s, sizeof(s), "%s/interfaces.d", p->dir);
	conf_set(c, "amphora_agent", "agent_server_network_dir",
	    json_string(s));
	conf_set(c, "haproxy_amphora", "base_path", json_string(p->dir));
	conf_set(c, "haproxy_amphora", "run_dir", json_string(p->run));
	snprintf(s, sizeof(s), "%s/certs", p->dir);
	conf_set(c, "haproxy_amphora", "base_cert_dir", json_string(s));
	conf_set(c, "haproxy_amphora", "bind_host",
	    json_string(sget(amp, "lb_network_ip")));
	conf_set(c, "haproxy_amphora", "bind_port", json_string(AGENT_PORT));
	conf_set(c, "haproxy_amphora", "haproxy_cmd",
	    json_string("/usr/sbin/haproxy"));
	conf_set(c, "health_manager", "controller_ip_port_list",
	    json_string(hm));
	conf_set(c, "health_manager", "heartbeat_interval",
	    json_integer(cfg.health_manager_heartbeat_interval));
	conf_set(c, "health_manager", "heartbeat_key",
	    json_string(cfg.health_manager_heartbeat_key));
	conf_set(c, "controller_worker", "loadbalancer_topology",
	    json_string(cfg.controller_worker_loadbalancer_topology));
	json_object_foreach(extra, sname, sec)
		json_object_foreach(sec, key, v)
			conf_set(c, sname, key, json_incref(v));

	buf_init(&b, 1u << 20);
	if ((r = render_conf(c, &b)) == 0)
		r = write_file(p->conf, buf_str(&b), b.len, 0600);
	buf_free(&b);
	json_decref(c);
	return r;
}

/* server.pem: given, kept, or issued from the local amphora CA. */
static int
server_cert(json_t *amp, const struct amp_paths *p, bool need)
{
	const char *pem = sget(json_object_get(amp, "agent_conf"),
	    "server_pem");
	struct ca_paths ca;
	struct buf b;
	char dir[512], exp[TIME_STR_LEN];
	int64_t not_after = 0;
	int r;

	if (pem)
		return write_file(p->pem, pem, strlen(pem), 0600);
	if (access(p->pem, R_OK) == 0)
		return 0;
	if (cfg.certificates_cert_dir && cfg.certificates_cert_dir[0])
		snprintf(dir, sizeof(dir), "%s", cfg.certificates_cert_dir);
	else
		snprintf(dir, sizeof(dir), "%s/certs", cfg.octa_state_dir);
	ca_paths_init(&ca, dir);
	if (access(ca.server_ca, R_OK) < 0 ||
	    access(ca.server_ca_key, R_OK) < 0) {
		if (!need)
			return 0;
		log_error("compute_netns: no amphora CA in %s: run "
		    "`octa-manage certs init`", dir);
		return -OCTA_ENOTFOUND;
	}
	buf_init(&b, 1u << 20);
	r = ca_issue_amphora(&ca, p->id,
	    (long)cfg.certificates_cert_validity_time, &b, &not_after);
	if (r == 0)
		r = write_file(p->pem, buf_str(&b), b.len, 0600);
	buf_free(&b);
	if (r == 0 && not_after > 0) {
		time_iso(not_after, exp);
		json_object_set_new(amp, "cert_expiration", json_string(exp));
	}
	return r;
}

/* ---- processes ---- */

static pid_t
read_pidfile(const char *path)
{
	char text[32];
	long long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	text[strcspn(text, "\r\n \t")] = '\0';
	return parse_ll(text, &v) && v > 1 && v < (1LL << 31) ? (pid_t)v : 0;
}

/* True if the process's command line names `dir` (a pid file whose
 * namespace is already gone still points at one of ours only then). */
static bool
cmdline_mentions(pid_t pid, const char *dir)
{
	char path[64], text[4096];
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (i = 0; i < n; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	text[n] = '\0';
	return strstr(text, dir) != NULL;
}

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static void
pidset_add(struct pidset *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = pid;
}

/* Pids of the *.pid files under `dir` (a few levels deep) that are
 * processes of this amphora. */
static void
scan_pidfiles(const struct amp_paths *p, const char *dir, int depth,
    struct pidset *s)
{
	struct dirent *e;
	char path[1024];
	struct stat st;
	size_t n;
	pid_t pid;
	DIR *d;

	if (depth > PIDFILE_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path) || lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			scan_pidfiles(p, path, depth + 1, s);
			continue;
		}
		n = strlen(e->d_name);
		if (!S_ISREG(st.st_mode) || n < 5 ||
		    strcmp(e->d_name + n - 4, ".pid") != 0)
			continue;
		pid = read_pidfile(path);
		if (pid <= 1 || !netutil_pid_alive(pid))
			continue;
		if (netutil_pid_in_ns(pid, p->ns) ||
		    (!netutil_ns_exists(p->ns) && cmdline_mentions(pid,
		    p->dir)))
			pidset_add(s, pid);
		else
			log_info("compute_netns: pid file %s names pid=%d "
			    "outside %s; left alone", path, (int)pid, p->ns);
	}
	closedir(d);
}

static int
kill_amphora_procs(const struct amp_paths *p)
{
	struct pidset s = { NULL, 0, 0 };
	pid_t *nsp = NULL;
	size_t n = 0, i;
	int round, r = 0;

	for (round = 0; round < 3; round++) {
		s.n = 0;
		if (round == 0)
			scan_pidfiles(p, p->dir, 0, &s);
		if (netutil_ns_pids(p->ns, &nsp, &n) == 0) {
			for (i = 0; i < n; i++)
				if (netutil_pid_in_ns(nsp[i], p->ns))
					pidset_add(&s, nsp[i]);
			OCTA_FREE(&nsp);
		}
		if (s.n == 0) {
			r = 0;
			break;
		}
		log_info("compute_netns: stopping %zu process%s of %s",
		    s.n, s.n == 1 ? "" : "es", p->ns);
		r = netutil_kill_wait(s.v, s.n, KILL_GRACE_MS);
	}
	free(s.v);
	return r;
}

static bool
agent_running(const struct amp_paths *p)
{
	pid_t pid = read_pidfile(p->pidfile);

	return pid > 1 && netutil_pid_alive(pid) &&
	    netutil_pid_in_ns(pid, p->ns);
}

static int
start_agent(const struct amp_paths *p)
{
	const char *argv[8];
	char bin[512], pidtext[32];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t pid = 0;
	int i, r;

	if (agent_running(p))
		return 0;
	if ((r = agent_binary(bin, sizeof(bin))) < 0)
		return r;
	if ((argv[0] = netutil_ip_path()) == NULL)
		return -OCTA_EIO;
	argv[1] = "netns";
	argv[2] = "exec";
	argv[3] = p->ns;
	argv[4] = bin;
	argv[5] = "--config-file";
	argv[6] = p->conf;
	argv[7] = NULL;
	if ((r = netutil_spawn(argv, p->log, &pid)) < 0)
		return r;
	snprintf(pidtext, sizeof(pidtext), "%d\n", (int)pid);
	if ((r = write_file(p->pidfile, pidtext, strlen(pidtext), 0600)) < 0)
		return r;
	/* An agent that cannot start (bad config, no certificate) exits at
	 * once: say so here rather than through a connect timeout. */
	for (i = 0; i < 10; i++)
		nanosleep(&ts, NULL);
	if (!netutil_pid_alive(pid)) {
		log_error("compute_netns: octa-agent pid=%d in %s exited at "
		    "once; see %s", (int)pid, p->ns, p->log);
		return -OCTA_EIO;
	}
	log_info("compute_netns: octa-agent started pid=%d netns=%s", (int)pid,
	    p->ns);
	return 0;
}

/* ---- the driver ---- */

static int
netns_build(json_t *amp)
{
	json_t *mgmt = json_object_get(amp, "mgmt_port");
	json_t *conf = json_object_get(amp, "agent_conf");
	json_t *net = NULL;
	bool agent = !json_is_false(json_object_get(conf, "start_agent"));
	struct amp_paths p;
	const char *ip, *mac;
	char addr[80], br[NETUTIL_IFNAMSIZ];
	long long plen;
	int fam, r;

	if ((r = paths_init(amp, &p)) < 0)
		return r;
	ip = sget(mgmt, "ip_address");
	mac = sget(mgmt, "mac_address");
	plen = json_integer_value(json_object_get(mgmt, "prefixlen"));
	r = -OCTA_EINVAL;
	if (!json_is_object(mgmt) || !ip_valid(ip, &fam) ||
	    !netutil_mac_ok(mac) || plen < 1 || plen > (fam == 4 ? 32 : 128) ||
	    !netutil_name_ok(sget(mgmt, "bridge"))) {
		log_error("compute_netns: amphora=%s has no usable mgmt_port "
		    "(svc_amp_mgmt_port first)", p.id);
		goto out;
	}
	snprintf(br, sizeof(br), "%s", sget(mgmt, "bridge"));
	snprintf(addr, sizeof(addr), "%s/%lld", ip, plen);
	if ((r = make_dirs(&p)) < 0 || (r = netutil_ns_add(p.ns)) < 0)
		goto out;
	if ((r = netutil_ip(NULL, "-n", p.ns, "link", "set", "dev", "lo",
	    "up", NULL)) < 0)
		goto out;
	net = json_pack("{sO* ss}", "id", json_object_get(mgmt,
	    "network_id"), "bridge", br);
	if ((r = network_local_driver.create_network(net)) < 0)
		goto out;
	if ((r = netutil_veth_plug(p.veth, br, p.ns, "eth0", mac)) < 0 ||
	    (r = netutil_addr_replace(p.ns, "eth0", addr)) < 0)
		goto out;
	json_object_set_new(amp, "lb_network_ip", json_string(ip));
	if ((r = server_cert(amp, &p, agent)) < 0 ||
	    (r = write_conf(amp, &p)) < 0)
		goto out;
	if (agent && (r = start_agent(&p)) < 0)
		goto out;
	json_object_set_new(amp, "compute_id", json_string(p.ns));
	if (!json_is_string(json_object_get(amp, "compute_flavor")))
		json_object_set_new(amp, "compute_flavor",
		    json_string("netns"));
	log_info("compute_netns: amphora=%s built netns=%s eth0=%s mac=%s%s",
	    p.id, p.ns, addr, mac, agent ? "" : " (no agent)");
	r = 0;
out:
	json_decref(net);
	if (r < 0)
		log_error("compute_netns: build of amphora=%s failed: %s",
		    p.id[0] ? p.id : "-", octa_err_str(r));
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		log_warn("compute_netns: cannot remove %s: %s", path,
		    strerror(errno));
	return 0;
}

static int
netns_destroy(json_t *amp)
{
	struct amp_paths p;
	json_t *links = NULL, *v;
	size_t i;
	int r, e = 0;

	if (paths_init(amp, &p) < 0) {
		/* nothing of ours can carry a name made from a bad id */
		log_warn("compute_netns: destroy of amphora id=%s: not ours",
		    sget(amp, "id") ? sget(amp, "id") : "-");
		return 0;
	}
	/*
	 * A process that survives keeps the namespace alive after its name
	 * is gone, and only the name finds it: keep everything for the next
	 * attempt.
	 */
	if ((r = kill_amphora_procs(&p)) < 0) {
		log_error("compute_netns: destroy of amphora=%s: processes "
		    "in %s survive SIGKILL", p.id, p.ns);
		return r;
	}
	if (netutil_links_with_prefix(p.prefix, &links) == 0) {
		json_array_foreach(links, i, v)
			if ((r = netutil_link_del(json_string_value(v))) < 0)
				e = r;
		json_decref(links);
	}
	if ((r = netutil_ns_del(p.ns)) < 0)
		e = r;
	if (e == 0 && access(p.dir, F_OK) == 0)
		nftw(p.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (e == 0 && access(p.run, F_OK) == 0)
		nftw(p.run, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (e == 0)
		log_info("compute_netns: amphora=%s destroyed netns=%s", p.id,
		    p.ns);
	else
		log_error("compute_netns: destroy of amphora=%s incomplete: %s",
		    p.id, octa_err_str(e));
	return e;
}

const struct compute_driver compute_netns_driver = {
	.name = "compute_netns_driver",
	.build = netns_build,
	.destroy = netns_destroy,
};
