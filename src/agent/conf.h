/*
 * conf.h - octa-agent's settings: read from the configuration file
 * (amphora-agent.conf's layout, docs/local-world.md) into struct agent
 * at start, and PUT /1.0/config, which replaces the file and hands the
 * options Octavia marks mutable (the heartbeat destinations, interval and
 * key) to the heartbeat thread.
 */
#ifndef OCTA_AGENT_CONF_H
#define OCTA_AGENT_CONF_H

#include "agent.h"

/* Loads `path` and fills the settings of `a`; 0 or -OCTA_E*. */
int conf_load(struct agent *a, const char *path);
void conf_free(struct agent *a);

/* PUT /1.0/config */
void conf_put(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

#endif
