/*
 * netif.h - the amphora's network interfaces through iproute2: `ip`
 * run with an argument vector (never a shell), its JSON output (-j)
 * parsed with jansson, lookups by MAC and by address.
 */
#ifndef OCTA_AGENT_NETIF_H
#define OCTA_AGENT_NETIF_H

#include <stdbool.h>

#include <jansson.h>

#include "../common/buf.h"

/*
 * Runs `ip <args...>` (a NULL-terminated list).  0 on exit status 0;
 * otherwise -OCTA_EINTERNAL with ip's words in `err` (may be NULL).
 */
int netif_ip(struct buf *err, ...) __attribute__((sentinel));

/* `ip -j link show` / `ip -j addr show` as a JSON array (new reference). */
int netif_links(json_t **out);
int netif_addrs(json_t **out);

/* The name of the link with this MAC (any case), or NULL. */
const char *netif_name_by_mac(json_t *links, const char *mac);
/* The name of the interface carrying this address, or NULL. */
const char *netif_name_by_ip(json_t *addrs, const char *ip);
/* True if some link is called `name`. */
bool netif_exists(json_t *links, const char *name);
/* True if interface `name` carries address `ip`. */
bool netif_has_addr(json_t *addrs, const char *name, const char *ip);

/*
 * Tells the neighbours that `ip` (IPv4) now lives at ifname's MAC: a
 * gratuitous ARP request and reply, broadcast (Octavia's amphora sends
 * them too).  Needed because the local world hands a freed address to
 * the next port with another MAC, and a client's or server's ARP cache
 * would keep sending to the old one for up to a minute.  Call once the
 * interface is up.  0, or -OCTA_E* (logged by the caller).
 */
int netif_garp(const char *ifname, const char *ip);

/*
 * IPv6's counterpart, from the kernel: ndisc_notify on `ifname`, so an
 * unsolicited neighbour advertisement follows each address's duplicate
 * address detection.  Call while the interface is down; failures are
 * logged only.  (arp_notify would be the IPv4 one, but its ARP is sent
 * before a just-raised veth can carry it.)
 */
void netif_announce_on_up(const char *ifname);

/* aa:bb:cc:dd:ee:ff */
bool netif_mac_ok(const char *s);

#endif
