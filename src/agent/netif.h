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

/* aa:bb:cc:dd:ee:ff */
bool netif_mac_ok(const char *s);

#endif
