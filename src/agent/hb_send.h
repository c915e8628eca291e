/*
 * hb_send.h - octa-agent's heartbeat sender (contract 5.1): every
 * heartbeat_interval seconds one UDP datagram, Octavia's version 3
 * message sealed with heartbeat_encode, to the next address of
 * controller_ip_port_list (round robin).
 */
#ifndef OCTA_AGENT_HB_SEND_H
#define OCTA_AGENT_HB_SEND_H

#include "agent.h"

/* Starts the sender thread with these settings; 0 or -OCTA_E*. */
int hb_start(struct agent *a, const char *targets, const char *key,
    long long interval);
/* New settings (PUT /1.0/config); they apply from the next message. */
void hb_configure(struct agent *a, const char *targets, const char *key,
    long long interval);
/* Stops and joins the thread. */
void hb_stop(struct agent *a);

#endif
