/*
 * lb.h - the load balancers of an amphora: haproxy.cfg uploads checked
 * with `haproxy -c`, one HAProxy per load balancer in master-worker mode
 * (start, seamless reload, stop), their certificate files, and the
 * listings GET /listeners and /details need.
 *
 * Files, under [haproxy_amphora] base_path (contract 4.4):
 *   <base>/<lb>/haproxy.cfg          the configuration that runs
 *   <base>/<lb>/haproxy.cfg.new-failed   the last one refused
 *   <base>/<lb>/<lb>.pid             the HAProxy master's pid
 *   <base>/<lb>/mcli.sock            the master CLI (`-S`)
 *   <base>/<lb>/servers-state        saved before each reload
 *   <base>/<lb>/haproxy.log          HAProxy's own stdout/stderr
 *   <base>/<lb>.sock                 the stats socket (named by the config)
 *   <base_cert_dir>/<lb>/<name>.pem  certificates, mode 0600
 */
#ifndef OCTA_AGENT_LB_H
#define OCTA_AGENT_LB_H

#include <jansson.h>

#include "agent.h"

void lb_haproxy_put(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_haproxy_get(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_action(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_delete(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_cert_put(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_cert_get(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void lb_cert_delete(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

/* Sorted ids of the load balancers that have a haproxy.cfg. */
json_t *lb_ids(const struct agent *a);
/* Appends GET /listeners entries of every load balancer to `out`. */
void lb_listeners(const struct agent *a, json_t *out);
/* How many load balancers have a running HAProxy. */
int lb_running_count(const struct agent *a);

#endif
