/*
 * plug.h - POST /1.0/plug/vip/{vip} and /1.0/plug/network (contract 4.2,
 * 4.4): a NIC that appeared in the amphora's namespace, found by its MAC,
 * is renamed (eth1 for the VIP, the first free ethN, N >= 2, for a member
 * network), given its MTU, addresses and routes, and brought up.
 *
 * Octavia's agent moves the NIC from the amphora's default namespace into
 * the `amphora-haproxy` one; in octa's local world the compute and
 * network drivers put it straight into the amphora's namespace, where the
 * agent runs.  The agent remembers what it plugged in
 * <base>/plugged_interfaces ("<mac> <name>" lines, as Octavia's), which is
 * how it answers 409 to a second VIP plug.
 */
#ifndef OCTA_AGENT_PLUG_H
#define OCTA_AGENT_PLUG_H

#include "agent.h"

void plug_vip(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void plug_network(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

#endif
