/*
 * stats.h - HAProxy `show stat` CSV -> the listeners and pools of a
 * version 3 heartbeat message (contract 5.1).  Pure functions: the
 * heartbeat thread feeds them what the stats sockets answered, the unit
 * tests feed them fixtures.
 *
 *   FRONTEND rows   -> listeners[<pxname>] = {"status": <status>,
 *                      "stats": {"tx": Δbout, "rx": Δbin, "conns": scur,
 *                      "totconns": Δstot, "ereq": Δereq}}
 *   BACKEND rows    -> pools[<pxname>]["status"]   (pxname pool:listener)
 *   server rows     -> pools[<pxname>]["members"][<svname>] = <status>,
 *                      "DRAIN" for "UP" with weight 0
 *
 * Rows whose pxname contains "prometheus" are left out (the exporter is
 * not tenant traffic), as are backends not named "<pool>:<listener>".
 * Deltas are against `counters` ({<listener id>: {"bin", "bout", "ereq",
 * "stot"}}), which is updated; a counter that went down (HAProxy
 * restarted) reports its current value.
 */
#ifndef OCTA_AGENT_STATS_H
#define OCTA_AGENT_STATS_H

#include <stddef.h>

#include <jansson.h>

#define STATS_MSG_VERSION 3

/* {"id", "seq", "ver": 3, "listeners": {}, "pools": {}} */
json_t *stats_message(const char *amphora_id, long long seq);

/*
 * Adds one HAProxy's `show stat` answer to msg.  `seen` (an object) gets
 * a key per listener reported, for stats_prune.  0 or -OCTA_EINVAL when
 * the text has no header line.
 */
int stats_add_csv(const char *csv, size_t len, json_t *msg,
    json_t *counters, json_t *seen);

/* Forgets the counters of listeners not in `seen`. */
void stats_prune(json_t *counters, const json_t *seen);

#endif
