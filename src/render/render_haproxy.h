/*
 * render_haproxy.h - a load balancer's tree -> haproxy.cfg text.
 *
 * A pure function: the same tree and options always give the same text, and
 * nothing outside the output buffer is touched.  The configuration follows
 * Octavia's combined_listeners template (the contract, section 7.1), so the
 * same model gives the same HAProxy behaviour; the top of render_haproxy.c
 * lists where octa deliberately differs.
 *
 * The tree is the LB object as the API stores it, with its children inlined:
 *
 *   { ...load balancer fields...,
 *     "listeners": [ { ...listener..., "l7policies": [
 *         { ...policy..., "rules": [ {...rule...} ] } ] } ],
 *     "pools": [ { ...pool..., "members": [ {...} ],
 *         "healthmonitor": {...} | null } ] }
 *
 * Listeners refer to pools by default_pool_id, policies by redirect_pool_id.
 */
#ifndef OCTA_RENDER_HAPROXY_H
#define OCTA_RENDER_HAPROXY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../common/buf.h"

/* The certificate and CRL files a configuration refers to. */
enum render_cert_kind {
	RENDER_CERT_CLIENT_CA,	/* listener client_ca_tls_container_ref */
	RENDER_CERT_CLIENT_CRL,	/* listener client_crl_container_ref */
	RENDER_CERT_POOL_CERT,	/* pool tls_container_ref (cert + key) */
	RENDER_CERT_POOL_CA,	/* pool ca_tls_container_ref */
	RENDER_CERT_POOL_CRL,	/* pool crl_container_ref */
};

/*
 * Appends to `path` the file that holds `ref` on the amphora (the caller
 * wrote it there before rendering).  A relative name is taken inside the
 * certificate directory.  `owner_id` is the listener or pool the reference
 * belongs to.  Returns 0, or a negative OCTA_E* code that fails the render.
 */
typedef int (*render_cert_path_fn)(void *arg, enum render_cert_kind kind,
    const char *owner_id, const char *ref, struct buf *path);

/* One peer of an ACTIVE_STANDBY pair (HAProxy stick-table replication). */
struct render_peer {
	const char *name;	/* Octavia's peer name of the amphora */
	const char *address;	/* its VRRP address */
};

struct render_opts {
	const char *amphora_id;	/* for the header comment only; may be NULL */

	/*
	 * Paths on the amphora.  state_dir is the amphora's base directory
	 * (/var/lib/octa/amphora/<amp>); the others default from it when NULL:
	 *   stats_socket       <state_dir>/<lb_id>.sock
	 *   server_state_file  <state_dir>/<lb_id>/servers-state
	 *   cert_dir           <state_dir>/certs/<lb_id>
	 *   ping_wrapper       <state_dir>/ping-wrapper.sh
	 * A listener's crt-list (default certificate first, then the SNI
	 * ones) is <cert_dir>/<listener_id>.pem.  The ping wrapper (PING
	 * monitors) is run by HAProxy's external-check as Octavia's is: it
	 * pings $HAPROXY_SERVER_ADDR once (ping6 for IPv6) with a 1 s limit
	 * and exits 0 when a reply came; the agent installs it.
	 */
	const char *state_dir;
	const char *stats_socket;
	const char *server_state_file;
	const char *cert_dir;
	const char *ping_wrapper;

	const char *user;	/* "nobody" */
	const char *group;	/* NULL: no group line */

	/* Syslog targets; NULL leaves the line out. */
	const char *log_target;		/* "/run/rsyslog/octavia/log" */
	const char *admin_log_target;	/* "/run/rsyslog/octavia/log" */
	int user_log_facility;		/* 0..7: local0 */
	int admin_log_facility;		/* 0..7: local1 */
	bool connection_logging;	/* true */
	/* [haproxy_amphora] user_log_format; NULL: Octavia's default. */
	const char *user_log_format;

	/* [haproxy_amphora] defaults, used when a listener leaves them
	 * unset (null or 0, as Octavia does). */
	long long default_connection_limit;	/* 50000 */
	long long timeout_client_data;		/* 50000 ms */
	long long timeout_member_connect;	/* 5000 ms */
	long long timeout_member_data;		/* 50000 ms */
	long long timeout_tcp_inspect;		/* 0 ms */
	const char *stick_size;			/* "10k" */

	/* Used instead of a stored tls_ciphers value that fails the API's
	 * character check (Octavia's render-time fallback); NULL: none. */
	const char *default_listener_ciphers;
	const char *default_pool_ciphers;

	/* Certificate files; required when the tree has references. */
	render_cert_path_fn cert_path;
	void *cert_arg;

	/* ACTIVE_STANDBY: this amphora's peer name and every allocated
	 * amphora of the LB (this one included).  Without peers no peers
	 * section is written. */
	const char *peer_name;
	const struct render_peer *peers;
	size_t npeers;
	int peer_port;				/* 1025 */
};

/*
 * Octavia's defaults: state_dir is Octavia's /var/lib/octavia (octa's
 * amphorae set their own), no certificate callback, no peers.
 */
void render_opts_init(struct render_opts *o);

/*
 * Appends the haproxy.cfg of `tree` to `out`.  Returns 0, -OCTA_EINVAL for a
 * tree that cannot be written safely (the reason is logged with the
 * object's id), -OCTA_ETOOLARGE past out's maximum, or the certificate
 * callback's error.  On failure `out` is left as it was.
 */
int render_haproxy(const json_t *tree, const struct render_opts *o,
    struct buf *out);

/*
 * A ready render_cert_path_fn: `arg` is a JSON object mapping each
 * container reference to its file name (Octavia's <sha1>.pem names, or
 * absolute paths).  An unknown reference is -OCTA_ENOTFOUND.
 */
int render_cert_path_map(void *arg, enum render_cert_kind kind,
    const char *owner_id, const char *ref, struct buf *path);

#endif
