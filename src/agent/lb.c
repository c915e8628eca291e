/*
 * lb.c - HAProxy per load balancer, and its files; see lb.h.
 *
 * Main thread only (request handlers).  No shell: every program runs
 * from an argument vector (sys_run).
 *
 * HAProxy runs in master-worker mode, daemonised by itself:
 *   haproxy -W -D -S <run>/<lb>.mcli -p <lb>/<lb>.pid -f <lb>/haproxy.cfg
 *           -L <peer name>
 * so it outlives the agent (an agent restart does not drop traffic) and
 * the agent finds it again through the pid file.  A reload checks the
 * running file with `haproxy -c`, saves the server state, sends SIGUSR2
 * to the master and waits until the master's CLI reports the reload done
 * (`show proc`: the reload count went up; a failed reload is counted
 * there too).  The master re-executes itself and its new worker takes the
 * listening sockets over from the old one through the stats socket
 * (`expose-fd listeners`), so no connection is refused during a reload;
 * the old worker finishes its connections and leaves.  Reload of a
 * stopped HAProxy is a start (contract 4.5); stop is SIGUSR1 (soft stop),
 * then SIGTERM, then SIGKILL if it lingers.
 *
 * An upload is written beside the running file, checked with
 * `haproxy -c`, and only then renamed over it: a bad configuration gets
 * 400 with HAProxy's words and leaves the running one alone.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lb.h"
#include "routes.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define HAP_CHECK_MS 30000
#define HAP_START_MS 30000
#define HAP_RELOAD_WAIT_MS 20000
#define HAP_SOFT_STOP_MS 5000
#define HAP_TERM_MS 3000
#define HAP_OUT_MAX (64u * 1024)
#define CFG_MAX AGENT_MAX_BODY

struct lb_paths {
	char dir[AGENT_PATH_MAX];
	char cfg[AGENT_PATH_MAX];
	char cfg_new[AGENT_PATH_MAX];
	char cfg_failed[AGENT_PATH_MAX];
	char pid[AGENT_PATH_MAX];
	char mcli[AGENT_PATH_MAX];
	char state[AGENT_PATH_MAX];
	char log[AGENT_PATH_MAX];
	char sock[AGENT_PATH_MAX];
	char certs[AGENT_PATH_MAX];
};

static bool
lb_paths(const struct agent *a, const char *lb, struct lb_paths *p)
{
	if (!agent_id_ok(lb))
		return false;
	return agent_path(p->dir, sizeof(p->dir), "%s/%s", a->base, lb) &&
	    agent_path(p->cfg, sizeof(p->cfg), "%s/haproxy.cfg", p->dir) &&
	    agent_path(p->cfg_new, sizeof(p->cfg_new), "%s/haproxy.cfg.new",
	    p->dir) &&
	    agent_path(p->cfg_failed, sizeof(p->cfg_failed),
	    "%s/haproxy.cfg.new-failed", p->dir) &&
	    agent_path(p->pid, sizeof(p->pid), "%s/%s.pid", p->dir, lb) &&
	    agent_path(p->mcli, sizeof(p->mcli), "%s/%s.mcli", a->run, lb) &&
	    agent_path(p->state, sizeof(p->state), "%s/servers-state",
	    p->dir) &&
	    agent_path(p->log, sizeof(p->log), "%s/haproxy.log", p->dir) &&
	    agent_path(p->sock, sizeof(p->sock), "%s/%s.sock", a->run, lb) &&
	    agent_path(p->certs, sizeof(p->certs), "%s/%s", a->cert_dir, lb);
}

static bool
lb_exists(const struct lb_paths *p)
{
	return sys_exists(p->cfg);
}

static bool
lb_running(const struct lb_paths *p, pid_t *pid)
{
	pid_t v;

	if (sys_read_pid(p->pid, &v) < 0 || !sys_alive(v, "haproxy"))
		return false;
	if (pid != NULL)
		*pid = v;
	return true;
}

static void
lb_not_found(struct agent_resp *rs, const char *lb)
{
	struct buf b;

	buf_init(&b, 1024);
	(void)buf_printf(&b, "No loadbalancer with UUID: %s", lb);
	resp_msg(rs, 404, "Loadbalancer Not Found", buf_str(&b));
	buf_free(&b);
}

/* `haproxy -c -L <peer> -f <file>`: 0 when valid, output in out. */
static int
hap_check(const struct agent *a, const char *peer, const char *file,
    struct buf *out)
{
	const char *argv[] = { a->haproxy_cmd, "-c", "-L", peer, "-f", file,
	    NULL };
	int st = 0, r;

	if ((r = sys_run(argv, HAP_CHECK_MS, -1, out, &st)) < 0)
		return r;
	return st == 0 ? 0 : -OCTA_EINVAL;
}

/* The end of HAProxy's own log since offset `from`, into out. */
static void
hap_log_tail(const struct lb_paths *p, off_t from, struct buf *out)
{
	char tmp[4096];
	ssize_t n;
	int fd;

	if ((fd = open(p->log, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (lseek(fd, from, SEEK_SET) == from) {
		while ((n = read(fd, tmp, sizeof(tmp))) > 0 &&
		    out->len + (size_t)n + 1 < out->max)
			(void)buf_add(out, tmp, (size_t)n);
	}
	close(fd);
}

/* The global section's maxconn of a config file; 0 when it sets none. */
static long
hap_global_maxconn(const char *cfg_path)
{
	char line[512];
	long v = 0;
	FILE *f = fopen(cfg_path, "r");
	bool global = false;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *t = line + strspn(line, " \t");
		char *end;

		if (t == line && *t != '\n' && *t != '#') {
			global = strncmp(t, "global", 6) == 0;
			continue;
		}
		if (global && strncmp(t, "maxconn", 7) == 0 &&
		    (t[7] == ' ' || t[7] == '\t')) {
			v = strtol(t + 8, &end, 10);
			if (v < 0)
				v = 0;
		}
	}
	fclose(f);
	return v;
}

/*
 * HAProxy needs two to three descriptors per connection (client, server,
 * its own reserves) and refuses to start
 * when its global maxconn needs more than it may open.  An amphora VM
 * raises its limit in the unit file; in a namespace on a shared host the
 * hard limit is what it is, so the agent raises its soft limit to the hard
 * one and, where the config asks for more, caps HAProxy with -n (which
 * takes precedence over the global maxconn).  Writes the cap to `cap`
 * ("" for none).
 */
static void
hap_conn_cap(const char *cfg_path, char *cap, size_t len)
{
	struct rlimit rl;
	long want = hap_global_maxconn(cfg_path), budget;

	cap[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 4000000)
		return;
	budget = ((long)rl.rlim_max - 1024) / 3;
	if (budget < 64)
		budget = 64;
	if (want == 0 || want > budget) {
		snprintf(cap, len, "%ld", budget);
		log_info("haproxy maxconn capped config=%ld cap=%ld "
		    "nofile=%ld", want, budget, (long)rl.rlim_max);
	}
}

static int
hap_start(const struct agent *a, const struct lb_paths *p, struct buf *out)
{
	char cap[32];
	const char *argv[] = { a->haproxy_cmd, "-W", "-D", "-S", p->mcli,
	    "-p", p->pid, "-f", p->cfg, "-L", a->peer_name, NULL, NULL, NULL };
	struct timespec ts = { 0, 20 * 1000000L };
	int fd = -1, st = 0, r;
	int64_t end;
	off_t from;
	pid_t pid;

	if (!sys_unix_path_ok(p->mcli) || !sys_unix_path_ok(p->sock)) {
		(void)buf_printf(out, "socket path too long: %s", p->mcli);
		return -OCTA_EINVAL;
	}
	hap_conn_cap(p->cfg, cap, sizeof(cap));
	if (cap[0]) {
		argv[11] = "-n";
		argv[12] = cap;
	}
	unlink(p->pid);
	fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		(void)buf_printf(out, "cannot open %s: %s", p->log,
		    strerror(errno));
		return -OCTA_EIO;
	}
	from = lseek(fd, 0, SEEK_END);
	r = sys_run(argv, HAP_START_MS, fd, NULL, &st);
	close(fd);
	if (r < 0) {
		(void)buf_adds(out, "haproxy did not start in time");
		return r;
	}
	if (st != 0) {
		hap_log_tail(p, from, out);
		return -OCTA_EINTERNAL;
	}
	/* The master writes its pid file; give it a moment. */
	end = time_mono_ms() + 2000;
	while ((sys_read_pid(p->pid, &pid) < 0 ||
	    !sys_alive(pid, "haproxy")) && time_mono_ms() < end)
		nanosleep(&ts, NULL);
	if (sys_read_pid(p->pid, &pid) < 0 || !sys_alive(pid, "haproxy")) {
		hap_log_tail(p, from, out);
		(void)buf_adds(out, "haproxy exited after starting");
		return -OCTA_EINTERNAL;
	}
	log_info("haproxy started lb_dir=%s pid=%d", p->dir, (int)pid);
	return 0;
}

/* The master's reload counters from its CLI; false if it did not answer. */
static bool
hap_reloads(const struct lb_paths *p, long *reloads, long *failed)
{
	struct buf b;
	bool ok;

	buf_init(&b, 256 * 1024);
	ok = sys_unix_query(p->mcli, "show proc", 1000, 256 * 1024, &b) == 0 &&
	    hap_parse_show_proc(buf_str(&b), reloads, failed) == 0;
	buf_free(&b);
	return ok;
}

static void
hap_save_state(const struct lb_paths *p)
{
	struct buf b;

	buf_init(&b, CFG_MAX);
	if (sys_unix_query(p->sock, "show servers state", 5000, CFG_MAX - 1,
	    &b) < 0 || sys_write_file(p->state, b.p ? b.p : "", b.len,
	    0600) < 0)
		log_warn("haproxy: failed to save the server state file=%s",
		    p->state);
	buf_free(&b);
}

static int
hap_reload(const struct agent *a, const struct lb_paths *p, pid_t pid,
    struct buf *out)
{
	struct timespec ts = { 0, 50 * 1000000L };
	long before = 0, bfailed = 0, now = 0, nfailed = 0;
	bool known;
	int64_t end;
	int r;

	if ((r = hap_check(a, a->peer_name, p->cfg, out)) < 0)
		return r;
	buf_reset(out);
	hap_save_state(p);
	known = hap_reloads(p, &before, &bfailed);
	if (kill(pid, SIGUSR2) < 0) {
		(void)buf_printf(out, "cannot signal haproxy pid %d: %s",
		    (int)pid, strerror(errno));
		return -OCTA_EINTERNAL;
	}
	if (!known) {
		/* No master CLI to ask: give the re-exec a moment. */
		log_warn("haproxy: master CLI %s not answering; reload not "
		    "confirmed", p->mcli);
		nanosleep(&ts, NULL);
		return 0;
	}
	end = time_mono_ms() + HAP_RELOAD_WAIT_MS;
	while (time_mono_ms() < end) {
		nanosleep(&ts, NULL);
		if (!hap_reloads(p, &now, &nfailed) || now <= before)
			continue;
		if (nfailed > bfailed) {
			(void)buf_printf(out, "haproxy could not load the new "
			    "configuration (failed reloads: %ld)", nfailed);
			return -OCTA_EINTERNAL;
		}
		return 0;
	}
	(void)buf_adds(out, "haproxy did not confirm the reload in time");
	return -OCTA_EBUSY;
}

static int
hap_stop(const struct lb_paths *p, pid_t pid, struct buf *out)
{
	int r = 0;

	kill(pid, SIGUSR1);
	if (!sys_wait_gone(pid, "haproxy", HAP_SOFT_STOP_MS)) {
		log_warn("haproxy: pid=%d still running after a soft stop, "
		    "terminating", (int)pid);
		kill(pid, SIGTERM);
		if (!sys_wait_gone(pid, "haproxy", HAP_TERM_MS)) {
			kill(pid, SIGKILL);
			if (!sys_wait_gone(pid, "haproxy", 1000)) {
				(void)buf_printf(out, "haproxy pid %d does not "
				    "stop", (int)pid);
				r = -OCTA_EINTERNAL;
			}
		}
	}
	if (r == 0) {
		unlink(p->pid);
		unlink(p->mcli);
		log_info("haproxy stopped lb_dir=%s pid=%d", p->dir, (int)pid);
	}
	return r;
}

void
lb_haproxy_put(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	const char *amp = rq->params[0], *lb = rq->params[1];
	char peer[HAP_PEER_NAME_LEN], md5[SYS_MD5_HEX_LEN];
	struct lb_paths *p = xmalloc(sizeof(*p));
	struct buf text, out;
	int r;

	buf_init(&text, CFG_MAX + 1);
	buf_init(&out, HAP_OUT_MAX);
	if (!agent_id_ok(amp) || !lb_paths(a, lb, p)) {
		resp_msg(rs, 400, "Invalid request",
		    "Invalid amphora or load balancer id");
		goto out;
	}
	sys_md5_hex(rq->body, rq->body_len, md5);
	/* The group is the amphora's business (Octavia strips it too). */
	if (hap_strip_group(rq->body, rq->body_len, &text) < 0) {
		resp_error(rs, 413, NULL);
		goto out;
	}
	if (sys_mkdir(p->dir, 0700) < 0 ||
	    sys_write_file(p->cfg_new, buf_str(&text), text.len, 0600) < 0) {
		resp_msg(rs, 500, "Unable to write the configuration", NULL);
		goto out;
	}
	/* Octavia checks with the peer name of the amphora in the URL. */
	hap_peer_name(amp, peer);
	if ((r = hap_check(a, peer, p->cfg_new, &out)) < 0) {
		if (r == -OCTA_EINVAL) {
			log_warn("haproxy config refused lb=%s", lb);
			rename(p->cfg_new, p->cfg_failed);
			resp_msg(rs, 400, "Invalid request", buf_str(&out));
		} else {
			unlink(p->cfg_new);
			resp_msg(rs, 500, "Unable to check the configuration",
			    octa_err_str(r));
		}
		goto out;
	}
	if (rename(p->cfg_new, p->cfg) < 0) {
		unlink(p->cfg_new);
		resp_msg(rs, 500, "Unable to write the configuration", NULL);
		goto out;
	}
	log_info("haproxy config accepted lb=%s bytes=%zu", lb, text.len);
	resp_msg(rs, 202, "OK", NULL);
	memcpy(rs->etag, md5, sizeof(md5));
out:
	buf_free(&text);
	buf_free(&out);
	free(p);
}

void
lb_haproxy_get(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	const char *lb = rq->params[0];
	struct lb_paths *p = xmalloc(sizeof(*p));

	if (!lb_paths(a, lb, p) || !lb_exists(p)) {
		lb_not_found(rs, lb);
		goto out;
	}
	if (sys_read_file(p->cfg, CFG_MAX, &rs->text) < 0) {
		resp_msg(rs, 500, "Unable to read the configuration", NULL);
		goto out;
	}
	rs->status = 200;
	sys_md5_hex(buf_str(&rs->text), rs->text.len, rs->etag);
out:
	free(p);
}

void
lb_action(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	const char *lb = rq->params[0];
	struct lb_paths *p = xmalloc(sizeof(*p));
	char action[16];
	struct buf out, msg;
	size_t i, n = strlen(rq->params[1]);
	bool running;
	pid_t pid = 0;
	int r = 0;

	buf_init(&out, HAP_OUT_MAX);
	buf_init(&msg, HAP_OUT_MAX + 1024);
	for (i = 0; i < n && i < sizeof(action) - 1; i++)
		action[i] = (char)tolower((unsigned char)rq->params[1][i]);
	action[i] = '\0';
	if (n >= sizeof(action) || (strcmp(action, "start") != 0 &&
	    strcmp(action, "stop") != 0 && strcmp(action, "reload") != 0)) {
		(void)buf_printf(&msg, "Unknown action: %.*s", 200,
		    rq->params[1]);
		resp_msg(rs, 400, "Invalid Request", buf_str(&msg));
		goto out;
	}
	if (!lb_paths(a, lb, p) || !lb_exists(p)) {
		lb_not_found(rs, lb);
		goto out;
	}
	running = lb_running(p, &pid);
	/* HAProxy cannot reload what does not run: start it. */
	if (strcmp(action, "reload") == 0 && !running)
		memcpy(action, "start", sizeof("start"));
	if (strcmp(action, "start") == 0) {
		if (!running)
			r = hap_start(a, p, &out);
	} else if (strcmp(action, "reload") == 0) {
		r = hap_reload(a, p, pid, &out);
	} else if (running) {
		r = hap_stop(p, pid, &out);
	}
	if (r < 0) {
		log_error("haproxy %s failed lb=%s: %s", action, lb,
		    buf_str(&out));
		/* Octavia's words: "Error <action>ing haproxy". */
		(void)buf_printf(&msg, "Error %sing haproxy", action);
		resp_msg(rs, 500, buf_str(&msg), buf_str(&out));
		goto out;
	}
	log_info("haproxy %s lb=%s", action, lb);
	if (strcmp(action, "start") == 0) {
		(void)buf_printf(&msg, "Configuration file is valid\n"
		    "haproxy daemon for %s started", lb);
	} else {
		/* Octavia appends "ed" to the action ("stoped"). */
		(void)buf_printf(&msg, "Listener %s %sed", lb, action);
	}
	resp_msg(rs, 202, "OK", buf_str(&msg));
out:
	buf_free(&out);
	buf_free(&msg);
	free(p);
}

void
lb_delete(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	const char *lb = rq->params[0];
	struct lb_paths *p = xmalloc(sizeof(*p));
	struct buf out;
	pid_t pid;

	buf_init(&out, HAP_OUT_MAX);
	if (!lb_paths(a, lb, p) || !lb_exists(p)) {
		resp_msg(rs, 200, "OK", NULL);
		goto out;
	}
	if (lb_running(p, &pid) && hap_stop(p, pid, &out) < 0) {
		resp_msg(rs, 500, "Error stopping haproxy", buf_str(&out));
		goto out;
	}
	if (sys_rm_rf(p->sock) < 0 || sys_rm_rf(p->certs) < 0 ||
	    sys_rm_rf(p->dir) < 0) {
		resp_msg(rs, 500, "Error removing the load balancer files",
		    NULL);
		goto out;
	}
	log_info("haproxy lb deleted lb=%s", lb);
	resp_msg(rs, 200, "OK", NULL);
out:
	buf_free(&out);
	free(p);
}

/* ---- certificates ---- */

/* <cert_dir>/<lb>/<name>; false (after answering) when a name is bad. */
static bool
cert_path(const struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs, int bad_lb_status, char *out, size_t len)
{
	const char *lb = rq->params[0], *name = rq->params[1];
	struct buf b;

	if (!agent_cert_name_ok(name)) {
		resp_msg(rs, 400, "Filename has wrong format", NULL);
		return false;
	}
	if (!agent_id_ok(lb) ||
	    !agent_path(out, len, "%s/%s/%s", a->cert_dir, lb, name)) {
		if (bad_lb_status == 404) {
			buf_init(&b, 1024);
			(void)buf_printf(&b, "No certificate with filename: %s",
			    name);
			resp_msg(rs, 404, "Certificate Not Found",
			    buf_str(&b));
			buf_free(&b);
		} else {
			resp_msg(rs, 400, "Invalid request",
			    "Invalid load balancer id");
		}
		return false;
	}
	return true;
}

void
lb_cert_put(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	char path[AGENT_PATH_MAX], dir[AGENT_PATH_MAX];

	if (!cert_path(a, rq, rs, 400, path, sizeof(path)))
		return;
	if (!agent_path(dir, sizeof(dir), "%s/%s", a->cert_dir,
	    rq->params[0]) || sys_mkdir(a->cert_dir, 0700) < 0 ||
	    sys_mkdir(dir, 0700) < 0 ||
	    sys_write_file(path, rq->body, rq->body_len, 0600) < 0) {
		resp_msg(rs, 500, "Unable to write the certificate", NULL);
		return;
	}
	log_info("certificate stored lb=%s file=%s bytes=%zu", rq->params[0],
	    rq->params[1], rq->body_len);
	resp_msg(rs, 200, "OK", NULL);
	sys_md5_hex(rq->body, rq->body_len, rs->etag);
}

void
lb_cert_get(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	char path[AGENT_PATH_MAX], md5[SYS_MD5_HEX_LEN];
	struct buf b;
	int r;

	if (!cert_path(a, rq, rs, 404, path, sizeof(path)))
		return;
	buf_init(&b, CFG_MAX + 1);
	if ((r = sys_read_file(path, CFG_MAX, &b)) < 0) {
		if (r == -OCTA_ENOTFOUND) {
			buf_reset(&b);
			(void)buf_printf(&b, "No certificate with filename: %s",
			    rq->params[1]);
			resp_msg(rs, 404, "Certificate Not Found",
			    buf_str(&b));
		} else {
			resp_msg(rs, 500, "Unable to read the certificate",
			    NULL);
		}
		goto out;
	}
	sys_md5_hex(buf_str(&b), b.len, md5);
	resp_json(rs, 200, json_pack("{ss}", "md5sum", md5));
	memcpy(rs->etag, md5, sizeof(md5));
out:
	buf_free(&b);
}

void
lb_cert_delete(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	char path[AGENT_PATH_MAX];

	if (!cert_path(a, rq, rs, 404, path, sizeof(path))) {
		/* Deleting what cannot exist is done already. */
		if (rs->status == 404)
			resp_msg(rs, 200, "OK", NULL);
		return;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		resp_msg(rs, 500, "Unable to delete the certificate", NULL);
		return;
	}
	resp_msg(rs, 200, "OK", NULL);
}

/* ---- listings ---- */

static int
cmp_json_str(const void *x, const void *y)
{
	return strcmp(json_string_value(*(json_t *const *)x),
	    json_string_value(*(json_t *const *)y));
}

json_t *
lb_ids(const struct agent *a)
{
	json_t *ids = json_array(), **v = NULL, *sorted;
	char cfgp[AGENT_PATH_MAX];
	struct dirent *de;
	size_t n, i;
	DIR *d;

	if (ids == NULL)
		fatal("agent: out of memory");
	if ((d = opendir(a->base)) == NULL)
		return ids;
	while ((de = readdir(d)) != NULL)
		if (agent_id_ok(de->d_name) &&
		    agent_path(cfgp, sizeof(cfgp), "%s/%s/haproxy.cfg",
		    a->base, de->d_name) && sys_exists(cfgp))
			json_array_append_new(ids, json_string(de->d_name));
	closedir(d);
	n = json_array_size(ids);
	if (n < 2)
		return ids;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(ids, i);
	qsort(v, n, sizeof(*v), cmp_json_str);
	sorted = json_array();
	for (i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	free(v);
	json_decref(ids);
	return sorted;
}

void
lb_listeners(const struct agent *a, json_t *out)
{
	json_t *ids = lb_ids(a), *id;
	char cfgp[AGENT_PATH_MAX];
	struct buf b;
	size_t i;

	buf_init(&b, CFG_MAX + 1);
	json_array_foreach(ids, i, id) {
		buf_reset(&b);
		if (!agent_path(cfgp, sizeof(cfgp), "%s/%s/haproxy.cfg",
		    a->base, json_string_value(id)) ||
		    sys_read_file(cfgp, CFG_MAX, &b) < 0)
			continue;
		(void)hap_cfg_listeners(buf_str(&b), out);
	}
	buf_free(&b);
	json_decref(ids);
}

int
lb_running_count(const struct agent *a)
{
	json_t *ids = lb_ids(a), *id;
	struct lb_paths *p = xmalloc(sizeof(*p));
	size_t i;
	int n = 0;

	json_array_foreach(ids, i, id)
		if (lb_paths(a, json_string_value(id), p) &&
		    lb_running(p, NULL))
			n++;
	free(p);
	json_decref(ids);
	return n;
}
