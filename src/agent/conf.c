/*
 * conf.c - octa-agent's settings and PUT /1.0/config; see conf.h.
 *
 * Main thread only.  The global `cfg` is read here and nowhere else in
 * the agent: everything else works on the copies in struct agent, and
 * the heartbeat thread on its own copies (hb_send.c), so reloading the
 * file never frees a string someone is using.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "hb_send.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define AGENT_DEFAULT_BASE "/var/lib/octavia"

/* A copy without trailing slashes ("/" stays "/"). */
static char *
dir_dup(const char *s)
{
	char *d = xstrdup(s);
	size_t n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

int
conf_load(struct agent *a, const char *path)
{
	char exe[PATH_MAX], certs[AGENT_PATH_MAX];
	ssize_t n;
	int r;

	if ((r = config_load(path)) < 0)
		return r;
	conf_free(a);
	a->conf_path = xstrdup(path);
	a->amphora_id = xstrdup(cfg.amphora_agent_amphora_id);
	a->base = dir_dup(cfg.haproxy_amphora_base_path[0] ?
	    cfg.haproxy_amphora_base_path : AGENT_DEFAULT_BASE);
	a->run = dir_dup(cfg.haproxy_amphora_run_dir[0] ?
	    cfg.haproxy_amphora_run_dir : a->base);
	if (cfg.haproxy_amphora_base_cert_dir[0]) {
		a->cert_dir = dir_dup(cfg.haproxy_amphora_base_cert_dir);
	} else {
		if (!agent_path(certs, sizeof(certs), "%s/certs", a->base))
			return -OCTA_EINVAL;
		a->cert_dir = xstrdup(certs);
	}
	a->haproxy_cmd = xstrdup(cfg.haproxy_amphora_haproxy_cmd);
	a->server_ca = xstrdup(cfg.amphora_agent_agent_server_ca);
	a->server_cert = xstrdup(cfg.amphora_agent_agent_server_cert);
	a->bind_host = xstrdup(cfg.haproxy_amphora_bind_host);
	a->bind_port = (int)cfg.haproxy_amphora_bind_port;
	a->read_timeout = (int)cfg.amphora_agent_agent_request_read_timeout;
	a->active_standby = strcasecmp(
	    cfg.controller_worker_loadbalancer_topology, "ACTIVE_STANDBY") == 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	a->self_exe = xstrdup(exe);

	if (!uuid_valid(a->amphora_id)) {
		log_error("agent config: [amphora_agent] amphora_id must be "
		    "the amphora's UUID (got '%s')", a->amphora_id);
		return -OCTA_EINVAL;
	}
	if (a->base[0] != '/' || a->cert_dir[0] != '/' || a->run[0] != '/' ||
	    a->haproxy_cmd[0] != '/') {
		log_error("agent config: base_path, base_cert_dir and "
		    "haproxy_cmd must be absolute paths");
		return -OCTA_EINVAL;
	}
	if (a->bind_port < 1 || a->bind_port > 65535 ||
	    a->read_timeout < 1) {
		log_error("agent config: bad bind_port or "
		    "agent_request_read_timeout");
		return -OCTA_EINVAL;
	}
	hap_peer_name(a->amphora_id, a->peer_name);
	return 0;
}

void
conf_free(struct agent *a)
{
	OCTA_FREE(&a->conf_path);
	OCTA_FREE(&a->amphora_id);
	OCTA_FREE(&a->base);
	OCTA_FREE(&a->run);
	OCTA_FREE(&a->cert_dir);
	OCTA_FREE(&a->haproxy_cmd);
	OCTA_FREE(&a->server_ca);
	OCTA_FREE(&a->server_cert);
	OCTA_FREE(&a->bind_host);
	OCTA_FREE(&a->self_exe);
}

void
conf_put(struct agent *a, const struct agent_req *rq, struct agent_resp *rs)
{
	char tmp[AGENT_PATH_MAX];

	if (!agent_path(tmp, sizeof(tmp), "%s.upload", a->conf_path) ||
	    sys_write_file(tmp, rq->body, rq->body_len, 0600) < 0) {
		resp_msg(rs, 500, "Unable to update amphora-agent "
		    "configuration.", "cannot write the file");
		return;
	}
	/* The new file must parse before it replaces the old one. */
	if (config_load(tmp) < 0) {
		unlink(tmp);
		(void)config_load(a->conf_path);
		resp_msg(rs, 500, "Unable to update amphora-agent "
		    "configuration.", "the configuration does not parse");
		return;
	}
	if (rename(tmp, a->conf_path) < 0) {
		unlink(tmp);
		(void)config_load(a->conf_path);
		resp_msg(rs, 500, "Unable to update amphora-agent "
		    "configuration.", "cannot replace the file");
		return;
	}
	hb_configure(a, cfg.health_manager_controller_ip_port_list,
	    cfg.health_manager_heartbeat_key,
	    cfg.health_manager_heartbeat_interval);
	log_info("agent configuration updated file=%s", a->conf_path);
	resp_msg(rs, 202, "OK", NULL);
}
