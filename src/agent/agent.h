/*
 * agent.h - what every part of octa-agent shares: its settings (copied
 * from the configuration at start, so a later PUT /1.0/config cannot pull
 * a string from under a handler), the paths it derives from them, and
 * the request/response pair the handlers work on.
 *
 * The HTTP server (server.c) owns requests; handlers (lb.c, info.c,
 * plug.c, vrrp.c, main.c) fill an agent_resp and never touch libevent.
 */
#ifndef OCTA_AGENT_H
#define OCTA_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "hapcfg.h"
#include "sys.h"
#include "../common/buf.h"

#define AGENT_API_VERSION "1.0"
#define AGENT_MAX_BODY (16u << 20)	/* largest request body */
#define AGENT_PATH_MAX 4096

struct agent {
	char *conf_path;	/* --config-file, rewritten by PUT /config */
	char *amphora_id;
	char *base;		/* [haproxy_amphora] base_path */
	char *run;		/* [haproxy_amphora] run_dir: sockets */
	char *cert_dir;		/* [haproxy_amphora] base_cert_dir */
	char *haproxy_cmd;
	char *server_ca;	/* client CA file */
	char *server_cert;	/* own certificate + key */
	char *bind_host;
	int bind_port;
	int read_timeout;	/* seconds */
	bool active_standby;	/* [controller_worker] loadbalancer_topology */
	char *self_exe;		/* this program, for the VRRP check link */
	char peer_name[HAP_PEER_NAME_LEN];

	struct agent_server *srv;
	struct hb_sender *hb;

	/* Package versions, looked up once. */
	char *haproxy_version;
	char *keepalived_version;
	char *ipvsadm_version;
};

struct agent_req {
	const char *params[3];	/* the route's parameters, decoded */
	const char *body;	/* NUL-terminated; may hold other NULs */
	size_t body_len;
};

struct agent_resp {
	int status;
	json_t *json;		/* a JSON body, or NULL for `text` */
	struct buf text;	/* a text/plain body */
	char etag[SYS_MD5_HEX_LEN];
};

/* Octavia's handler bodies: {"message": m} or {"message": m, "details": d}. */
void resp_msg(struct agent_resp *rs, int status, const char *message,
    const char *details);
/* A JSON body (the reference is taken). */
void resp_json(struct agent_resp *rs, int status, json_t *body);
/*
 * The framework's error body, {"error": "<code> <reason>: <text>",
 * "http_code": <code>}, as Flask/werkzeug write it; text NULL gives
 * werkzeug's standard description of the code.
 */
void resp_error(struct agent_resp *rs, int status, const char *text);

/* "<base>/<name>" and friends into out; false when too long. */
bool agent_path(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
