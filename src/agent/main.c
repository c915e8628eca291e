/*
 * main.c - octa-agent, the program inside every amphora (DESIGN.md §1).
 *
 *   octa-agent --config-file /etc/octavia/amphora-agent.conf
 *
 * Serves Octavia's amphora API 1.0 over mutual TLS (server.c), manages
 * one HAProxy per load balancer (lb.c) and keepalived (vrrp.c), plugs
 * interfaces (plug.c) and sends heartbeats from a thread of its own
 * (hb_send.c).  The compute driver of the local world starts it with
 * `ip netns exec octa-amp-<8hex> octa-agent --config-file <dir>/agent.conf`
 * (docs/local-world.md).  SIGTERM or SIGINT stop the agent; the HAProxy
 * and keepalived processes it started keep running (as Octavia's do when
 * its agent restarts), and a new agent finds them by their pid files.
 *
 * Started as ".../vrrp/check_script.sh" (the link PUT /1.0/vrrp/upload
 * makes), it is keepalived's VRRP check instead: see vrrp.h.
 */
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "agent.h"
#include "conf.h"
#include "hb_send.h"
#include "info.h"
#include "server.h"
#include "vrrp.h"
#include "../common/config.h"
#include "../common/log.h"
#include "../common/xalloc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: octa-agent --config-file PATH\n"
	    "       octa-agent --version\n");
	exit(2);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	log_info("agent stopping signal=%d", (int)sig);
	event_base_loopbreak(base);
}

/* libevent's own complaints (a failed TLS handshake, say) in our log. */
static void
on_event_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_warn("agent libevent: %s", msg);
	else
		log_debug("agent libevent: %s", msg);
}

/* Started by keepalived under the check script's name. */
static int
vrrp_check(const char *argv0)
{
	char *copy = xstrdup(argv0), *vrrp_dir, *base;
	int r;

	vrrp_dir = dirname(copy);
	base = dirname(vrrp_dir);
	r = vrrp_check_main(base);
	free(copy);
	return r;
}

int
main(int argc, char **argv)
{
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_base *base = NULL;
	const char *conf = NULL, *b;
	struct agent a;
	int i, rc = 1;

	if (argc > 0 && argv[0] != NULL) {
		b = strrchr(argv[0], '/');
		b = b ? b + 1 : argv[0];
		if (strcmp(b, VRRP_CHECK_NAME) == 0)
			return vrrp_check(argv[0]);
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config-file") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strncmp(argv[i], "--config-file=", 14) == 0)
			conf = argv[i] + 14;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("octa-agent amphora API %s\n",
			    AGENT_API_VERSION);
			return 0;
		} else
			usage();
	}
	if (conf == NULL)
		usage();

	log_init("agent", LOG_LVL_INFO);
	event_set_log_callback(on_event_log);
	memset(&a, 0, sizeof(a));
	if (conf_load(&a, conf) < 0)
		fatal("agent: cannot use the configuration file=%s", conf);
	if (cfg.DEFAULT_debug)
		log_init("agent", LOG_LVL_DEBUG);
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	if (chdir("/") < 0)
		fatal("agent: chdir /");
	if (sys_mkdir(a.base, 0700) < 0 || sys_mkdir(a.cert_dir, 0700) < 0)
		fatal("agent: cannot make base=%s or certs=%s", a.base,
		    a.cert_dir);
	{
		/* run_dir may be /run/octa/<amphora id>: make its parent. */
		char parent[AGENT_PATH_MAX];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", a.run);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			(void)sys_mkdir(parent, 0755);
		}
		if (sys_mkdir(a.run, 0700) < 0)
			fatal("agent: cannot make run_dir=%s", a.run);
	}
	info_init(&a);

	if ((base = event_base_new()) == NULL)
		fatal("agent: no event base");
	if (server_start(&a, base) < 0)
		goto out;
	if (hb_start(&a, cfg.health_manager_controller_ip_port_list,
	    cfg.health_manager_heartbeat_key,
	    cfg.health_manager_heartbeat_interval) < 0)
		goto out;
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) < 0 ||
	    event_add(sigint, NULL) < 0)
		goto out;
	log_info("agent started amphora=%s base=%s", a.amphora_id, a.base);
	event_base_dispatch(base);
	rc = 0;
out:
	hb_stop(&a);
	server_free(&a);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (base)
		event_base_free(base);
	info_free(&a);
	conf_free(&a);
	config_free();
	log_info("agent stopped rc=%d", rc);
	return rc;
}
