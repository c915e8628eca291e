/*
 * netutil.h - the kernel plumbing the local drivers share: iproute2 run
 * with an argument vector (never a shell), network namespaces, bridges,
 * veth pairs, and processes that must outlive the caller.
 *
 * Names follow docs/local-world.md: a namespace octa-amp-<8hex>, a bridge
 * octa-br-<7hex>, host ends of veths oa<8hex><suffix>, where <8hex> are
 * the first 8 hex digits of the object's id.  Every helper is idempotent:
 * adding what exists or deleting what is gone succeeds.
 */
#ifndef OCTA_NETUTIL_H
#define OCTA_NETUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/buf.h"

#define NETUTIL_IFNAMSIZ 16	/* IFNAMSIZ, with the NUL */

/* The first 8 hex digits of an id (dashes skipped); false if it has
 * fewer. */
bool netutil_hex8(const char *id, char out[9]);
/* "octa-amp-<8hex>" for an amphora id; false for a bad id. */
bool netutil_amp_ns(const char *amp_id, char *out, size_t len);
/* "oa<8hex><suffix>" (at most 15 characters); false if too long. */
bool netutil_amp_veth(const char *amp_id, const char *suffix, char *out,
    size_t len);
/* "octa-br-<7hex>" for a network id: an interface name has at most 15
 * characters, one fewer than "octa-br-" and 8 hex digits. */
bool netutil_bridge_name(const char *network_id, char *out, size_t len);

/* Interface/namespace names we accept: 1..15 of [A-Za-z0-9_.-], not
 * starting with '-'. */
bool netutil_name_ok(const char *s);
/* Namespace names: up to 63 of the same characters. */
bool netutil_ns_name_ok(const char *s);
/* aa:bb:cc:dd:ee:ff (hex, either case). */
bool netutil_mac_ok(const char *s);

/*
 * Runs argv[0] (an absolute path) with argv, stdin from /dev/null,
 * waits at most `timeout_ms`.  stdout goes to `out` (may be NULL),
 * stderr is logged on failure.  0 on exit status 0, -OCTA_EIO otherwise
 * (*status, if not NULL, gets the exit status or -1).
 */
int netutil_run(const char *const argv[], struct buf *out, int timeout_ms,
    int *status);
/* The iproute2 binary (/usr/sbin/ip or /sbin/ip ...), NULL if none. */
const char *netutil_ip_path(void);
/*
 * `ip ARGS...` (a NULL-terminated list of strings).  0 or -OCTA_EIO;
 * stdout to `out` when not NULL.
 */
int netutil_ip(struct buf *out, ...) __attribute__((sentinel));

/* Host namespace links and namespaces. */
bool netutil_link_exists(const char *ifname);
bool netutil_ns_exists(const char *ns);
bool netutil_ns_link_exists(const char *ns, const char *ifname);
int netutil_link_del(const char *ifname);
int netutil_ns_add(const char *ns);
int netutil_ns_del(const char *ns);
/* Host links whose name starts with `prefix`: a new JSON array. */
int netutil_links_with_prefix(const char *prefix, json_t **names);

/*
 * A bridge, up; `mac` (may be NULL) is set when it is made so the
 * bridge's address does not change as ports come and go.
 */
int netutil_bridge_ensure(const char *br, const char *mac);
/* `ip [-n NS] addr replace ADDR/PLEN dev IF` (ns NULL: the host
 * namespace; IPv6 addresses get nodad, usable at once). */
int netutil_addr_replace(const char *ns, const char *ifname,
    const char *addr);

/*
 * A veth pair: `host` in the host namespace, enslaved to `bridge` and up;
 * its peer in namespace `ns` named `inner`, with `mac` (may be NULL),
 * up.  A pair that exists is completed (MAC, master, up); a host end
 * without its peer is replaced.
 */
int netutil_veth_plug(const char *host, const char *bridge, const char *ns,
    const char *inner, const char *mac);
/* The name of the interface in `ns` with `mac`; false if none. */
bool netutil_ns_link_by_mac(const char *ns, const char *mac, char *out,
    size_t len);

/* The pids in a namespace (`ip netns pids`); *pids is malloc'd. */
int netutil_ns_pids(const char *ns, pid_t **pids, size_t *n);
/* True if `pid` lives and is in the named namespace. */
bool netutil_pid_in_ns(pid_t pid, const char *ns);
/* True if the process exists and is not a zombie. */
bool netutil_pid_alive(pid_t pid);
/*
 * SIGTERM, then after `grace_ms` SIGKILL, the listed processes; waits
 * (bounded) until they are gone.  0, or -OCTA_EBUSY if one survived.
 */
int netutil_kill_wait(const pid_t *pids, size_t n, int grace_ms);

/*
 * Starts argv[0] (absolute) detached: its own session, stdin /dev/null,
 * stdout and stderr appended to `log_path`, no descriptors of ours, no
 * parent-death signal, reparented to init (double fork), so it outlives
 * the caller.  *pid gets its pid.
 */
int netutil_spawn(const char *const argv[], const char *log_path,
    pid_t *pid);

#endif
