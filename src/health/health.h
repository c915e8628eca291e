/*
 * health.h - the health role: receives amphora heartbeats, keeps
 * amphora_health, operating statuses and listener statistics up to date,
 * and fails over amphorae that went silent.
 *
 * health_process() and health_sweep() hold all the rules and need only a
 * database connection, so they are tested without sockets; health_main()
 * (health_recv.c) adds the UDP receiver, batching and the periodic timer.
 */
#ifndef OCTA_HEALTH_H
#define OCTA_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

/* What became of one verified heartbeat (health_process() >= 0). */
#define HEALTH_RESULT_MAP(XX)                                           \
	XX(APPLIED, "applied")		/* health, statuses, stats */   \
	XX(MISMATCH, "mismatch")	/* listener count: no refresh */ \
	XX(LATE, "late")		/* too old to trust: stats only */ \
	XX(REPLAY, "replay")		/* seq not newer: dropped */    \
	XX(UNKNOWN, "unknown")		/* no such amphora: dropped */  \
	XX(ORPHAN, "orphan")		/* no live LB: dropped */

enum health_result {
#define XX(name, text) HEALTH_##name,
	HEALTH_RESULT_MAP(XX)
#undef XX
	HEALTH__COUNT
};

extern const char *const health_result_names[HEALTH__COUNT];

/*
 * Replay rule.  An agent numbers its heartbeats from 0 at start, +1 per
 * message; amphora_health.seq keeps the last accepted number.  A heartbeat
 * is accepted when
 *   seq > stored                            the normal case (gaps are lost
 *                                           packets),
 *   seq < stored and seq <= RESTART_SEQ     the agent restarted,
 *   seq == stored == 0                      the first heartbeat of a new
 *                                           amphora: the worker created its
 *                                           row with seq 0.
 * Everything else - duplicates, reordered and old packets - is dropped and
 * counted (HEALTH_REPLAY).  The envelope carries no timestamp or nonce, so
 * this cannot stop a recorded run that starts at seq 0 from being played
 * back in order (the restart case); what keeps packets from being forged
 * is the MAC key.
 */
#define HEALTH_RESTART_SEQ 2

/*
 * Applies one decoded heartbeat (see heartbeat_decode()) at wall-clock
 * time `now` (seconds), as Octavia's health manager does (contract §5.2):
 * unknown amphora or no live LB -> dropped; replayed seq -> dropped;
 * listener count equal to the LB's enabled listeners (or the LB PENDING_*
 * or disabled) -> amphora_health refreshed; operating statuses of the LB,
 * its listeners, pools and members written where they changed;
 * listener_statistics updated (v3 deltas added, older versions
 * overwrite; only for listeners of the amphora's LB).
 * Runs inside the caller's transaction.  Returns an enum health_result or
 * a negative OCTA_E* database error.
 */
int health_process(struct db *db, json_t *msg, int64_t now);

/*
 * As health_process(), for a heartbeat that waited longer than
 * [health_manager] heartbeat_interval before being applied: when the
 * listener count matches, Octavia drops such a message except for its
 * statistics (HEALTH_LATE), so a stalled controller never vouches for an
 * amphora with old news.
 */
int health_process_late(struct db *db, json_t *msg, int64_t now);

/*
 * One stale-amphora check at time `now` (contract §5.3).  FAILOVER_STOPPED
 * amphorae whose heartbeats are fresh again go back to ALLOCATED.  Stale
 * means amphora_health.busy = 0 and last_update < now - heartbeat_timeout.
 * When failover_threshold > 0 and at least that many amphorae are stale,
 * the stale ALLOCATED ones become FAILOVER_STOPPED and nothing is failed
 * over (a network or database fault, not an amphora fault).  Otherwise,
 * oldest first and while fewer than failover_threads amphora.failover jobs
 * are queued, each stale ALLOCATED/FAILOVER_STOPPED amphora gets, in one
 * transaction: busy = 1, its LB ACTIVE|ERROR -> PENDING_UPDATE, and a job
 * "amphora.failover".  An LB in another state is skipped this round.
 * Returns the number of jobs submitted or a negative OCTA_E* code.
 */
int health_sweep(struct db *db, int64_t now);

/*
 * The health role (health_recv.c): UDP receiver on [health_manager]
 * bind_ip:bind_port, heartbeats applied in batches (one transaction per
 * up to 1000 messages or 100 ms), the sweep every health_check_interval
 * from heartbeat_timeout after start.  With [controller_worker]
 * amphora_driver = amphora_noop_driver the sweep does not run: noop
 * amphorae never send heartbeats and would all be failed over.
 */
void health_main(void) __attribute__((noreturn));

#endif
