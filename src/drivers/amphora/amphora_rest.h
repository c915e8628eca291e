/*
 * amphora_rest.h - amphora_haproxy_rest_driver, the controller's client of
 * Octavia's amphora agent API 1.0 (the contract, section 4): HTTPS with
 * mutual TLS to https://<lb_network_ip>:9443/1.0/..., the agent's
 * certificate checked against the amphora CA and its name against the
 * amphora id.  The driver table itself is declared in drivers.h.
 *
 * This header gives tests (and tools) the options the driver runs with,
 * so they can point it at an agent of their own.
 */
#ifndef OCTA_AMPHORA_REST_H
#define OCTA_AMPHORA_REST_H

#include <stdbool.h>

struct amp_rest_opts {
	char client_cert[600];	/* controller certificate + key, PEM */
	char server_ca[600];	/* the amphora CA */
	/* The agent's base directory on the amphora; "" means the local
	 * world's <state_dir>/amphorae/<amphora id> (docs/local-world.md). */
	char base_path[512];
	int port;			/* 9443 */
	long connect_timeout_ms;	/* 10 s */
	long request_timeout_ms;	/* 60 s, a whole request */
	int max_retries;		/* attempts while the agent is not up */
	long retry_interval_ms;		/* between them */
};

/* The options from the configuration ([haproxy_amphora], cert_dir). */
void amp_rest_opts_from_config(struct amp_rest_opts *o);
/*
 * Makes the driver use a copy of `o` instead of the configuration; NULL
 * goes back to the configuration.  For tests; not thread-safe against
 * running calls.
 */
void amp_rest_set_opts(const struct amp_rest_opts *o);

#endif
