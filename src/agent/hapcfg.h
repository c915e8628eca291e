/*
 * hapcfg.h - what octa-agent reads and writes in HAProxy's own texts: the
 * peer name, the uploaded haproxy.cfg (group lines, frontends) and the
 * master CLI's `show proc` answer.  Pure functions.
 */
#ifndef OCTA_AGENT_HAPCFG_H
#define OCTA_AGENT_HAPCFG_H

#include <stddef.h>

#include <jansson.h>

#include "../common/buf.h"

#define HAP_PEER_NAME_LEN 28	/* 27 characters and the NUL */

/*
 * Octavia's HAProxy peer name of an amphora (`-L`): base64 of the SHA-1
 * of the id, with '+' -> '_', '/' -> '-', a leading '-' -> 'x' and the
 * '=' padding removed (contract 4.5).
 */
void hap_peer_name(const char *amphora_id, char out[HAP_PEER_NAME_LEN]);

/*
 * Copies a configuration without its `group` lines (a line whose first
 * word is "group"): the agent picks HAProxy's group itself, as Octavia's
 * agent does.  Octavia removes the regex \s+group\s.+, which also eats a
 * "group" word in the middle of a line; only whole lines go here.
 */
int hap_strip_group(const char *cfg, size_t len, struct buf *out);

/*
 * Appends one {"status": "ACTIVE", "uuid": <frontend name>, "type":
 * <mode upper-cased, or TERMINATED_HTTPS when a bind has
 * "ssl crt-list">} per frontend of `cfg` to the array (GET /listeners).
 * A frontend without a mode line is reported as TCP, HAProxy's default.
 */
int hap_cfg_listeners(const char *cfg, json_t *out);

/*
 * Reads the master's line of `show proc`: its reload count and, when
 * shown, how many reloads failed.  0, or -OCTA_EINVAL when there is no
 * master line.
 */
int hap_parse_show_proc(const char *text, long *reloads, long *failed);

#endif
