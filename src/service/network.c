/*
 * network.c - the database half of the local network world
 * (docs/local-world.md): networks, subnets and ports kept in octa's own
 * tables, where Neutron would keep them.
 *
 * The network_local_driver (src/drivers/network/local.c) only touches the
 * kernel (bridges, veths) and may not read the database (DESIGN.md §3), so
 * everything that needs rows lives here: creating and finding networks and
 * subnets for octa-manage and the API, allocating ports (with ipam.c), the
 * amphora ports the worker asks for before it calls the drivers, and the
 * JSON objects those drivers are given (a port with its subnet's cidr and
 * gateway and its network's bridge).
 *
 * Every function runs inside the caller's transaction (none opens one),
 * and every allocation is idempotent per device: asking twice for an
 * amphora's management port returns the same row, so a resumed flow does
 * not leak addresses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "service.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define OWNER_MGMT "octa:amphora-mgmt"
#define OWNER_VRRP "octa:amphora-vrrp"
#define OWNER_MEMBER "octa:amphora-member"

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void
say(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

bool
svc_net_local(void)
{
	return streq(cfg.controller_worker_network_driver,
	    "network_local_driver");
}

bool
svc_compute_netns(void)
{
	return streq(cfg.controller_worker_compute_driver,
	    "compute_netns_driver");
}

void
svc_bridge_name(const char *network_id, char *out, size_t len)
{
	char hex[8];
	size_t i, k = 0;

	/* IFNAMSIZ leaves 15 characters: "octa-br-" and 7 hex digits.
	 * netutil_bridge_name (drivers) makes the same name. */
	for (i = 0; network_id && network_id[i] && k < 7; i++)
		if (network_id[i] != '-')
			hex[k++] = network_id[i];
	hex[k] = '\0';
	snprintf(out, len, "octa-br-%s", hex);
}

/* Names are shown and matched, never put into commands; no control
 * characters, at most 255 bytes. */
static bool
name_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= 255)
			return false;
	return true;
}

/* ---- networks ---- */

int
svc_network_find(struct db *db, const char *key, json_t **out)
{
	char id[UUID_STR_LEN];
	int r;

	if (key == NULL)
		return -OCTA_ENOTFOUND;
	if (uuid_canon(key, id)) {
		r = db_query_one(db, "SELECT * FROM network WHERE id = ?",
		    json_pack("[s]", id), out);
		if (r != -OCTA_ENOTFOUND)
			return r;
	}
	return db_query_one(db, "SELECT * FROM network WHERE name = ?",
	    json_pack("[s]", key), out);
}

int
svc_network_list(struct db *db, json_t **out)
{
	return db_query(db, "SELECT * FROM network ORDER BY name", NULL, out);
}

int
svc_network_create(struct db *db, const char *name, json_t **out,
    char *msg, size_t msglen)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN], br[32];
	json_t *row = NULL;
	int r;

	if (!name_ok(name)) {
		say(msg, msglen, "invalid network name");
		return -OCTA_EINVAL;
	}
	if (uuid_valid(name)) {
		say(msg, msglen, "a network name may not be a UUID");
		return -OCTA_EINVAL;
	}
	if (svc_network_find(db, name, &row) == 0) {
		json_decref(row);
		say(msg, msglen, "network %s already exists", name);
		return -OCTA_ECONFLICT;
	}
	uuid_new(id);
	time_now_iso(now);
	svc_bridge_name(id, br, sizeof(br));
	r = db_exec(db, "INSERT INTO network (id, name, bridge, created_at) "
	    "VALUES (?, ?, ?, ?)", json_pack("[ssss]", id, name, br, now),
	    NULL);
	if (r < 0) {
		say(msg, msglen, "cannot store network %s", name);
		return r;
	}
	if (out)
		r = svc_network_find(db, id, out);
	return r;
}

int
svc_network_delete(struct db *db, const char *id, char *msg, size_t msglen)
{
	json_t *row = NULL;
	long long n;
	int r;

	r = db_query_one(db, "SELECT COUNT(*) AS n FROM port WHERE "
	    "network_id = ?", json_pack("[s]", id), &row);
	if (r < 0)
		return r;
	n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	if (n > 0) {
		say(msg, msglen, "network %s still has %lld port%s", id, n,
		    n == 1 ? "" : "s");
		return -OCTA_ECONFLICT;
	}
	if ((r = db_exec(db, "DELETE FROM subnet WHERE network_id = ?",
	    json_pack("[s]", id), NULL)) < 0)
		return r;
	return db_exec(db, "DELETE FROM network WHERE id = ?",
	    json_pack("[s]", id), NULL);
}

/* ---- subnets ---- */

int
svc_subnet_find(struct db *db, const char *key, json_t **out)
{
	char id[UUID_STR_LEN];
	int r;

	if (key == NULL)
		return -OCTA_ENOTFOUND;
	if (uuid_canon(key, id)) {
		r = db_query_one(db, "SELECT * FROM subnet WHERE id = ?",
		    json_pack("[s]", id), out);
		if (r != -OCTA_ENOTFOUND)
			return r;
	}
	return db_query_one(db, "SELECT * FROM subnet WHERE name = ? "
	    "ORDER BY created_at, id", json_pack("[s]", key), out);
}

int
svc_subnet_list(struct db *db, const char *network_id, json_t **out)
{
	if (network_id)
		return db_query(db, "SELECT * FROM subnet WHERE network_id = ? "
		    "ORDER BY ip_version, created_at, id",
		    json_pack("[s]", network_id), out);
	return db_query(db, "SELECT * FROM subnet ORDER BY network_id, "
	    "ip_version, created_at, id", NULL, out);
}

/* True if the two CIDRs share an address (same family). */
static bool
cidrs_overlap(const char *a, const char *b)
{
	char net[80], *slash;

	snprintf(net, sizeof(net), "%s", a);
	if ((slash = strchr(net, '/')) != NULL)
		*slash = '\0';
	if (svc_ip_in_cidr(net, b))
		return true;
	snprintf(net, sizeof(net), "%s", b);
	if ((slash = strchr(net, '/')) != NULL)
		*slash = '\0';
	return svc_ip_in_cidr(net, a);
}

int
svc_subnet_create(struct db *db, const char *network_id, const char *cidr,
    const char *gateway, const char *name, json_t **out, char *msg,
    size_t msglen)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN], norm[80], gw[64];
	json_t *net = NULL, *subs = NULL, *s;
	size_t i;
	int fam, r;

	if ((r = svc_network_find(db, network_id, &net)) < 0) {
		say(msg, msglen, "network %s not found", network_id);
		goto out;
	}
	r = -OCTA_EINVAL;
	if (!cidr_normalise(cidr, norm, sizeof(norm), &fam)) {
		say(msg, msglen, "invalid CIDR %s", cidr ? cidr : "");
		goto out;
	}
	if (name && !name_ok(name)) {
		say(msg, msglen, "invalid subnet name");
		goto out;
	}
	if (name && uuid_valid(name)) {
		say(msg, msglen, "a subnet name may not be a UUID");
		goto out;
	}
	gw[0] = '\0';
	if (gateway == NULL) {
		if (svc_ipam_first_usable(norm, gw, sizeof(gw)) < 0)
			goto out;
	} else if (strcmp(gateway, "none") != 0) {
		if (!svc_ip_canon(gateway, gw, sizeof(gw)) ||
		    svc_ipam_check_gateway(norm, gw) < 0) {
			say(msg, msglen, "gateway %s is not a usable address "
			    "of %s", gateway, norm);
			goto out;
		}
	}
	if ((r = svc_subnet_list(db, sget(net, "id"), &subs)) < 0)
		goto out;
	json_array_foreach(subs, i, s)
		if (cidrs_overlap(norm, sget(s, "cidr"))) {
			say(msg, msglen, "%s overlaps subnet %s (%s) of "
			    "network %s", norm, sget(s, "id"), sget(s, "cidr"),
			    sget(net, "name"));
			r = -OCTA_ECONFLICT;
			goto out;
		}
	uuid_new(id);
	time_now_iso(now);
	r = db_exec(db, "INSERT INTO subnet (id, network_id, name, cidr, "
	    "ip_version, gateway_ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    json_pack("[sss?sis?s]", id, sget(net, "id"), name, norm, fam,
	    gw[0] ? gw : NULL, now), NULL);
	if (r < 0) {
		say(msg, msglen, "cannot store subnet %s", norm);
		goto out;
	}
	if (out)
		r = svc_subnet_find(db, id, out);
out:
	json_decref(subs);
	json_decref(net);
	return r;
}

/* ---- ports ---- */

/* A random locally administered MAC in Neutron's default fa:16:3e OUI. */
static void
random_mac(char out[18])
{
	char u[UUID_STR_LEN];

	uuid_new(u);
	/* u: xxxxxxxx-...; its first 6 hex digits are random */
	snprintf(out, 18, "fa:16:3e:%.2s:%.2s:%.2s", u, u + 2, u + 4);
}

static int
unique_mac(struct db *db, char out[18])
{
	json_t *row;
	int i, r;

	for (i = 0; i < 16; i++) {
		random_mac(out);
		r = db_query_one(db, "SELECT id FROM port WHERE "
		    "mac_address = ?", json_pack("[s]", out), &row);
		if (r == -OCTA_ENOTFOUND)
			return 0;
		if (r < 0)
			return r;
		json_decref(row);
	}
	return -OCTA_ECONFLICT;
}

int
svc_port_find(struct db *db, const char *id, json_t **out)
{
	return db_query_one(db, "SELECT * FROM port WHERE id = ?",
	    json_pack("[s]", id), out);
}

int
svc_port_list(struct db *db, json_t **out)
{
	return db_query(db, "SELECT * FROM port ORDER BY network_id, "
	    "created_at, id", NULL, out);
}

int
svc_port_create(struct db *db, json_t *subnet, const char *want,
    const char *owner, const char *device_id, const char *name,
    json_t **out)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN], ip[64], mac[18];
	int attempt, r = -OCTA_ECONFLICT;

	/*
	 * A conflict on insert means another unit took the address between
	 * our look and our insert; look again (a few times, then give up).
	 */
	for (attempt = 0; attempt < 4; attempt++) {
		if ((r = svc_ipam_allocate(db, subnet, want, ip,
		    sizeof(ip))) < 0)
			return r;
		if ((r = unique_mac(db, mac)) < 0)
			return r;
		uuid_new(id);
		time_now_iso(now);
		r = db_exec(db, "INSERT INTO port (id, network_id, subnet_id, "
		    "ip_address, mac_address, device_owner, device_id, name, "
		    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    json_pack("[sssssssss]", id, sget(subnet, "network_id"),
		    sget(subnet, "id"), ip, mac, owner ? owner : "",
		    device_id ? device_id : "", name ? name : "", now), NULL);
		if (r != -OCTA_ECONFLICT || want)
			break;
	}
	if (r < 0)
		return r;
	log_info("port allocated id=%s subnet=%s ip=%s mac=%s owner=%s "
	    "device=%s", id, sget(subnet, "id"), ip, mac, owner ? owner : "",
	    device_id ? device_id : "");
	return out ? svc_port_find(db, id, out) : 0;
}

int
svc_port_delete(struct db *db, const char *id)
{
	return db_exec(db, "DELETE FROM port WHERE id = ?",
	    json_pack("[s]", id), NULL);
}

/*
 * A port as the network and compute drivers want it: the row plus the
 * subnet's cidr, prefixlen, ip_version and gateway_ip and the network's
 * bridge.
 */
int
svc_port_driver_obj(struct db *db, json_t *port, json_t **out)
{
	json_t *sub = NULL, *net = NULL, *o;
	const char *slash;
	long long plen = 0;
	char br[32];
	int r;

	if ((r = svc_subnet_find(db, sget(port, "subnet_id"), &sub)) < 0)
		goto out;
	if (svc_network_find(db, sget(port, "network_id"), &net) == 0 &&
	    sget(net, "bridge"))
		snprintf(br, sizeof(br), "%s", sget(net, "bridge"));
	else
		svc_bridge_name(sget(port, "network_id"), br, sizeof(br));
	o = json_deep_copy(port);
	json_object_set(o, "cidr", json_object_get(sub, "cidr"));
	if ((slash = strchr(sget(sub, "cidr") ? sget(sub, "cidr") : "",
	    '/')) != NULL)
		parse_ll(slash + 1, &plen);
	json_object_set_new(o, "prefixlen", json_integer(plen));
	json_object_set(o, "ip_version", json_object_get(sub, "ip_version"));
	json_object_set(o, "gateway_ip", json_object_get(sub, "gateway_ip"));
	json_object_set_new(o, "bridge", json_string(br));
	*out = o;
	r = 0;
out:
	json_decref(net);
	json_decref(sub);
	return r;
}

/* The device's port with that owner (and subnet, unless NULL). */
static int
device_port(struct db *db, const char *device_id, const char *owner,
    const char *subnet_id, json_t **out)
{
	if (subnet_id)
		return db_query_one(db, "SELECT * FROM port WHERE "
		    "device_id = ? AND device_owner = ? AND subnet_id = ? "
		    "ORDER BY created_at", json_pack("[sss]", device_id, owner,
		    subnet_id), out);
	return db_query_one(db, "SELECT * FROM port WHERE device_id = ? AND "
	    "device_owner = ? ORDER BY created_at",
	    json_pack("[ss]", device_id, owner), out);
}

/* The subnet a network's ports come from: its first IPv4 subnet, else its
 * first subnet. */
static int
network_subnet(struct db *db, const char *network_id, json_t **out)
{
	json_t *subs = NULL;
	int r;

	if ((r = svc_subnet_list(db, network_id, &subs)) < 0)
		return r;
	if (json_array_size(subs) == 0) {
		json_decref(subs);
		return -OCTA_ENOTFOUND;
	}
	*out = json_incref(json_array_get(subs, 0));	/* v4 sort first */
	json_decref(subs);
	return 0;
}

int
svc_amp_mgmt_port(struct db *db, json_t *amp)
{
	const char *amp_id = sget(amp, "id");
	json_t *port = NULL, *net = NULL, *sub = NULL, *obj = NULL;
	char name[80];
	int r;

	if (!svc_compute_netns())
		return 0;
	if (amp_id == NULL)
		return -OCTA_EINVAL;
	r = device_port(db, amp_id, OWNER_MGMT, NULL, &port);
	if (r == -OCTA_ENOTFOUND) {
		if ((r = svc_network_find(db, SVC_MGMT_NET, &net)) < 0 ||
		    (r = network_subnet(db, sget(net, "id"), &sub)) < 0) {
			log_error("no %s with a subnet: run `octa-manage "
			    "network setup-mgmt`", SVC_MGMT_NET);
			goto out;
		}
		snprintf(name, sizeof(name), "octa-amp-mgmt-%s", amp_id);
		r = svc_port_create(db, sub, NULL, OWNER_MGMT, amp_id, name,
		    &port);
	}
	if (r < 0 || (r = svc_port_driver_obj(db, port, &obj)) < 0)
		goto out;
	json_object_set(amp, "lb_network_ip", json_object_get(obj,
	    "ip_address"));
	json_object_set(amp, "mgmt_port", obj);
out:
	json_decref(obj);
	json_decref(sub);
	json_decref(net);
	json_decref(port);
	return r;
}

int
svc_amp_vrrp_port(struct db *db, json_t *lb, json_t *amp)
{
	const char *amp_id = sget(amp, "id");
	json_t *port = NULL, *sub = NULL, *obj = NULL;
	char name[80];
	int r;

	if (!svc_net_local())
		return 0;
	if (amp_id == NULL)
		return -OCTA_EINVAL;
	r = device_port(db, amp_id, OWNER_VRRP, NULL, &port);
	if (r == -OCTA_ENOTFOUND) {
		if ((r = svc_subnet_find(db, sget(lb, "vip_subnet_id"),
		    &sub)) < 0) {
			log_error("lb=%s vip subnet=%s not found",
			    sget(lb, "id"), sget(lb, "vip_subnet_id"));
			goto out;
		}
		snprintf(name, sizeof(name), "octavia-lb-vrrp-%s", amp_id);
		r = svc_port_create(db, sub, NULL, OWNER_VRRP, amp_id, name,
		    &port);
	}
	if (r < 0 || (r = svc_port_driver_obj(db, port, &obj)) < 0)
		goto out;
	json_object_set(amp, "vrrp_port_id", json_object_get(obj, "id"));
	json_object_set(amp, "vrrp_ip", json_object_get(obj, "ip_address"));
	json_object_set(amp, "ha_ip", json_object_get(lb, "vip_address"));
	json_object_set(amp, "ha_port_id", json_object_get(lb, "vip_port_id"));
	json_object_set(amp, "vrrp_port", obj);
out:
	json_decref(obj);
	json_decref(sub);
	json_decref(port);
	return r;
}

int
svc_amp_member_port(struct db *db, json_t *amp, const char *subnet_id,
    json_t **out)
{
	const char *amp_id = sget(amp, "id");
	json_t *port = NULL, *sub = NULL;
	char name[80];
	int r;

	if (!svc_net_local())
		return -OCTA_ENOTFOUND;
	if (amp_id == NULL)
		return -OCTA_EINVAL;
	if ((r = svc_subnet_find(db, subnet_id, &sub)) < 0)
		return r;
	r = device_port(db, amp_id, OWNER_MEMBER, sget(sub, "id"), &port);
	if (r == -OCTA_ENOTFOUND) {
		snprintf(name, sizeof(name), "octa-amp-member-%s", amp_id);
		r = svc_port_create(db, sub, NULL, OWNER_MEMBER, amp_id, name,
		    &port);
	}
	if (r == 0)
		r = svc_port_driver_obj(db, port, out);
	json_decref(sub);
	json_decref(port);
	return r;
}

int
svc_amp_ports_release(struct db *db, const char *amp_id)
{
	long long n = 0;
	int r;

	if (amp_id == NULL || *amp_id == '\0')
		return 0;
	r = db_exec(db, "DELETE FROM port WHERE device_id = ? AND "
	    "device_owner IN (?, ?, ?)", json_pack("[ssss]", amp_id,
	    OWNER_MGMT, OWNER_VRRP, OWNER_MEMBER), &n);
	if (r == 0 && n > 0)
		log_info("ports released amphora=%s count=%lld", amp_id, n);
	return r;
}
