/*
 * vrrp.h - keepalived for ACTIVE_STANDBY amphorae: PUT /1.0/vrrp/upload
 * and /1.0/vrrp/{start|stop|reload} (contract 4.2, 7.2), the VRRP check
 * keepalived runs, and the heartbeat rule that a configured but dead
 * keepalived silences the amphora.
 *
 * Files under <base>/vrrp/: octavia-keepalived.conf (the uploaded
 * configuration), octavia-keepalived.pid (and vrrp.pid, check.pid,
 * bfd.pid for its children, so that amphorae sharing a host never share
 * pid files), keepalived.log (its stdout/stderr), and check_script.sh,
 * the script Octavia's keepalived.conf names: a symbolic link to
 * octa-agent itself, which, started under that name, checks that every
 * HAProxy that should run answers on its stats socket (exit 0) or not
 * (exit 1).  No shell script is involved.
 */
#ifndef OCTA_AGENT_VRRP_H
#define OCTA_AGENT_VRRP_H

#include <stdbool.h>

#include "agent.h"

#define VRRP_CHECK_NAME "check_script.sh"

void vrrp_upload(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void vrrp_action(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

/* True when keepalived is configured under `base` but not running. */
bool vrrp_blocks_heartbeat(const char *base);

/*
 * The check keepalived runs (octa-agent started as
 * <base>/vrrp/check_script.sh): 0 when at least one load balancer's
 * HAProxy should run and every such one answers on its stats socket.
 */
int vrrp_check_main(const char *base);

#endif
