/*
 * server.h - octa-agent's HTTPS server: libevent's evhttp over
 * bufferevent_openssl, mutual TLS (a client certificate issued by
 * [amphora_agent] agent_server_ca is required, TLS 1.2 or newer), the
 * route table of routes.h, bounded requests, Octavia's error bodies.
 */
#ifndef OCTA_AGENT_SERVER_H
#define OCTA_AGENT_SERVER_H

#include <event2/event.h>

#include "agent.h"

/* Builds the TLS context, binds bind_host:bind_port and serves on base. */
int server_start(struct agent *a, struct event_base *base);
void server_free(struct agent *a);

/* PUT /1.0/certificate: rotates the agent's own certificate. */
void server_own_cert(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

#endif
