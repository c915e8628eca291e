/*
 * vrrp.c - keepalived management and the VRRP check; see vrrp.h.
 *
 * vrrp_upload and vrrp_action run on the main thread (request handlers),
 * vrrp_blocks_heartbeat on the heartbeat thread (it only reads files),
 * vrrp_check_main in a process of its own started by keepalived.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vrrp.h"
#include "routes.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"

#define KEEPALIVED "/usr/sbin/keepalived"
#define KA_START_MS 30000
#define KA_STOP_MS 5000
#define KA_OUT_MAX (64u * 1024)

struct vrrp_paths {
	char dir[AGENT_PATH_MAX];
	char conf[AGENT_PATH_MAX];
	char pid[AGENT_PATH_MAX];
	char vrrp_pid[AGENT_PATH_MAX];
	char check_pid[AGENT_PATH_MAX];
	char bfd_pid[AGENT_PATH_MAX];
	char log[AGENT_PATH_MAX];
	char check[AGENT_PATH_MAX];
};

static bool
vrrp_paths(const char *base, struct vrrp_paths *p)
{
	return agent_path(p->dir, sizeof(p->dir), "%s/vrrp", base) &&
	    agent_path(p->conf, sizeof(p->conf), "%s/octavia-keepalived.conf",
	    p->dir) &&
	    agent_path(p->pid, sizeof(p->pid), "%s/octavia-keepalived.pid",
	    p->dir) &&
	    agent_path(p->vrrp_pid, sizeof(p->vrrp_pid), "%s/vrrp.pid",
	    p->dir) &&
	    agent_path(p->check_pid, sizeof(p->check_pid), "%s/check.pid",
	    p->dir) &&
	    agent_path(p->bfd_pid, sizeof(p->bfd_pid), "%s/bfd.pid", p->dir) &&
	    agent_path(p->log, sizeof(p->log), "%s/keepalived.log", p->dir) &&
	    agent_path(p->check, sizeof(p->check), "%s/" VRRP_CHECK_NAME,
	    p->dir);
}

static bool
ka_running(const struct vrrp_paths *p, pid_t *pid)
{
	pid_t v;

	if (sys_read_pid(p->pid, &v) < 0 || !sys_alive(v, "keepalived"))
		return false;
	if (pid != NULL)
		*pid = v;
	return true;
}

bool
vrrp_blocks_heartbeat(const char *base)
{
	struct vrrp_paths p;

	if (!vrrp_paths(base, &p) || !sys_exists(p.conf))
		return false;
	return !ka_running(&p, NULL);
}

void
vrrp_upload(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	struct vrrp_paths p;

	if (!vrrp_paths(a->base, &p) || sys_mkdir(p.dir, 0755) < 0 ||
	    sys_write_file(p.conf, rq->body, rq->body_len, 0644) < 0) {
		resp_msg(rs, 500, "Error writing the keepalived configuration",
		    NULL);
		return;
	}
	/* The check keepalived.conf names: this program under that name. */
	if (unlink(p.check) < 0 && errno != ENOENT) {
		resp_msg(rs, 500, "Error installing the VRRP check script",
		    strerror(errno));
		return;
	}
	if (symlink(a->self_exe, p.check) < 0) {
		resp_msg(rs, 500, "Error installing the VRRP check script",
		    strerror(errno));
		return;
	}
	log_info("keepalived config stored bytes=%zu", rq->body_len);
	resp_msg(rs, 200, "OK", NULL);
	sys_md5_hex(rq->body, rq->body_len, rs->etag);
}

static int
ka_start(const struct vrrp_paths *p, struct buf *out)
{
	const char *argv[] = { KEEPALIVED, "-f", p->conf, "-p", p->pid,
	    "-r", p->vrrp_pid, "-c", p->check_pid, "-b", p->bfd_pid, NULL };
	struct timespec ts = { 0, 20 * 1000000L };
	int fd, st = 0, r;
	int64_t end;

	if (!sys_exists(p->conf)) {
		(void)buf_adds(out, "no keepalived configuration uploaded");
		return -OCTA_ENOTFOUND;
	}
	unlink(p->pid);
	fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		(void)buf_printf(out, "cannot open %s", p->log);
		return -OCTA_EIO;
	}
	r = sys_run(argv, KA_START_MS, fd, NULL, &st);
	close(fd);
	if (r < 0)
		return r;
	if (st != 0) {
		(void)buf_printf(out, "keepalived exited with status %d (see "
		    "%s)", st, p->log);
		return -OCTA_EINTERNAL;
	}
	end = time_mono_ms() + 3000;
	while (!ka_running(p, NULL) && time_mono_ms() < end)
		nanosleep(&ts, NULL);
	if (!ka_running(p, NULL)) {
		(void)buf_printf(out, "keepalived did not stay up (see %s)",
		    p->log);
		return -OCTA_EINTERNAL;
	}
	return 0;
}

static int
ka_stop(const struct vrrp_paths *p, pid_t pid, struct buf *out)
{
	kill(pid, SIGTERM);
	if (!sys_wait_gone(pid, "keepalived", KA_STOP_MS)) {
		kill(pid, SIGKILL);
		if (!sys_wait_gone(pid, "keepalived", 1000)) {
			(void)buf_printf(out, "keepalived pid %d does not stop",
			    (int)pid);
			return -OCTA_EINTERNAL;
		}
	}
	unlink(p->pid);
	return 0;
}

void
vrrp_action(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	struct vrrp_paths p;
	char action[16];
	struct buf out, msg;
	size_t i, n = strlen(rq->params[0]);
	bool running;
	pid_t pid = 0;
	int r = 0;

	buf_init(&out, KA_OUT_MAX);
	buf_init(&msg, KA_OUT_MAX + 256);
	for (i = 0; i < n && i < sizeof(action) - 1; i++)
		action[i] = (char)tolower((unsigned char)rq->params[0][i]);
	action[i] = '\0';
	if (n >= sizeof(action) || (strcmp(action, "start") != 0 &&
	    strcmp(action, "stop") != 0 && strcmp(action, "reload") != 0)) {
		(void)buf_printf(&msg, "Unknown action: %.*s", 200,
		    rq->params[0]);
		resp_msg(rs, 400, "Invalid Request", buf_str(&msg));
		goto out;
	}
	if (!vrrp_paths(a->base, &p)) {
		resp_msg(rs, 500, "Bad base path", NULL);
		goto out;
	}
	running = ka_running(&p, &pid);
	/* Octavia: start of a running keepalived is a reload. */
	if (strcmp(action, "start") == 0 && running)
		memcpy(action, "reload", sizeof("reload"));
	else if (strcmp(action, "reload") == 0 && !running)
		memcpy(action, "start", sizeof("start"));
	if (strcmp(action, "start") == 0)
		r = ka_start(&p, &out);
	else if (strcmp(action, "reload") == 0)
		r = kill(pid, SIGHUP) < 0 ? -OCTA_EINTERNAL : 0;
	else if (running)
		r = ka_stop(&p, pid, &out);
	if (r < 0) {
		log_error("keepalived %s failed: %s", action, buf_str(&out));
		(void)buf_printf(&msg, "Failed to %s octavia-keepalived "
		    "service", action);
		resp_msg(rs, 500, buf_str(&msg), buf_str(&out));
		goto out;
	}
	log_info("keepalived %s", action);
	/* Octavia appends "ed" to the action ("stoped"). */
	(void)buf_printf(&msg, "keepalived %sed", action);
	resp_msg(rs, 202, "OK", buf_str(&msg));
out:
	buf_free(&out);
	buf_free(&msg);
}

int
vrrp_check_main(const char *base)
{
	char pidp[AGENT_PATH_MAX], sock[AGENT_PATH_MAX];
	struct dirent *de;
	struct buf b;
	int running = 0, dead = 0;
	DIR *d;

	if ((d = opendir(base)) == NULL)
		return 1;
	buf_init(&b, 1u << 20);
	while ((de = readdir(d)) != NULL) {
		const char *lb = de->d_name;

		/* A load balancer whose HAProxy should run has a pid file. */
		if (!agent_id_ok(lb) ||
		    !agent_path(pidp, sizeof(pidp), "%s/%s/%s.pid", base, lb,
		    lb) || !sys_exists(pidp) ||
		    !agent_path(sock, sizeof(sock), "%s/%s.sock", base, lb))
			continue;
		running++;
		buf_reset(&b);
		if (sys_unix_query(sock, "show info", 2000, 1u << 20, &b) < 0 ||
		    b.len == 0)
			dead++;
	}
	closedir(d);
	buf_free(&b);
	return running > 0 && dead == 0 ? 0 : 1;
}
