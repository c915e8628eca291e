/*
 * info.h - what the amphora tells about itself: GET /, /1.0/info,
 * /1.0/details (from /proc and statvfs), /1.0/listeners and
 * /1.0/interface/{ip} (contract 4.2, 4.3).
 */
#ifndef OCTA_AGENT_INFO_H
#define OCTA_AGENT_INFO_H

#include "agent.h"

/* Looks the package versions up once (dpkg-query, else `haproxy -v`). */
void info_init(struct agent *a);
void info_free(struct agent *a);

void info_version(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void info_info(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void info_details(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void info_listeners(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);
void info_interface(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs);

#endif
