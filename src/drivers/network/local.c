/*
 * local.c - network_local_driver: Neutron's part on one host, kernel side
 * only (docs/local-world.md "Networks").
 *
 * A network is a Linux bridge octa-br-<7hex> in the host namespace; an
 * amphora's VIP interface is a veth oa<8hex>v on the VIP network's bridge
 * whose peer is eth1 in the amphora's namespace; a member network is a
 * veth oa<8hex>n<4hex> whose peer is eth2, eth3 ...  The database half
 * (rows, addresses, MACs) is src/service/network.c: this file only acts
 * on the JSON it is given and never reads the database (DESIGN.md §3).
 *
 * Runs in the worker role and in octa-manage.  Every call is idempotent
 * and names everything from ids, so a resumed flow finds what an earlier
 * attempt made.
 */
#include <stdio.h>
#include <string.h>

#include "../drivers.h"
#include "../netutil.h"
#include "../../common/errors.h"
#include "../../common/log.h"

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A bridge's own MAC, fixed when it is made: 02:<7 hex of id>0:01. */
static void
bridge_mac(const char *br, char out[18])
{
	char h[9];

	snprintf(h, sizeof(h), "%.7s0", br + strlen("octa-br-"));
	snprintf(out, 18, "02:%.2s:%.2s:%.2s:%.2s:01", h, h + 2, h + 4, h + 6);
}

/*
 * The bridge of a network object: its "bridge" when it is one of ours,
 * else derived from the id under `id_key`.
 */
static bool
bridge_of(json_t *o, const char *bridge_key, const char *id_key, char *out,
    size_t len)
{
	const char *b = bridge_key ? sget(o, bridge_key) : NULL;

	if (b && netutil_name_ok(b) && strncmp(b, "octa-br-", 8) == 0 &&
	    strlen(b) == 15 && strlen(b) < len) {
		memcpy(out, b, strlen(b) + 1);
		return true;
	}
	return netutil_bridge_name(sget(o, id_key), out, len);
}

static int
ensure_bridge(const char *br)
{
	char mac[18];

	bridge_mac(br, mac);
	return netutil_bridge_ensure(br, mac);
}

static int
local_create_network(json_t *net)
{
	char br[NETUTIL_IFNAMSIZ];
	json_t *a;
	size_t i;
	int r;

	if (!bridge_of(net, "bridge", "id", br, sizeof(br))) {
		log_error("network_local: bad network id=%s", sget(net, "id"));
		return -OCTA_EINVAL;
	}
	if ((r = ensure_bridge(br)) < 0)
		return r;
	json_array_foreach(json_object_get(net, "host_addresses"), i, a)
		if ((r = netutil_addr_replace(NULL, br,
		    json_string_value(a))) < 0)
			return r;
	return 0;
}

static int
local_delete_network(json_t *net)
{
	char br[NETUTIL_IFNAMSIZ];

	if (!bridge_of(net, "bridge", "id", br, sizeof(br)))
		return -OCTA_EINVAL;
	return netutil_link_del(br);
}

static int
local_allocate_vip(json_t *lb)
{
	char br[NETUTIL_IFNAMSIZ];

	if (!bridge_of(lb, NULL, "vip_network_id", br, sizeof(br))) {
		log_error("network_local: lb=%s has no vip_network_id",
		    sget(lb, "id"));
		return -OCTA_EINVAL;
	}
	return ensure_bridge(br);
}

static int
local_deallocate_vip(json_t *lb)
{
	(void)lb;
	return 0;
}

/* Plugs `port` (a driver port object) into the amphora as `inner`. */
static int
plug(json_t *amp, json_t *port, const char *suffix, const char *inner)
{
	const char *amp_id = sget(amp, "id");
	char ns[32], host[NETUTIL_IFNAMSIZ], br[NETUTIL_IFNAMSIZ];
	int r;

	if (!netutil_amp_ns(amp_id, ns, sizeof(ns)) ||
	    !netutil_amp_veth(amp_id, suffix, host, sizeof(host))) {
		log_error("network_local: bad amphora id=%s", amp_id ?
		    amp_id : "-");
		return -OCTA_EINVAL;
	}
	if (!bridge_of(port, "bridge", "network_id", br, sizeof(br)) ||
	    !netutil_mac_ok(sget(port, "mac_address"))) {
		log_error("network_local: amphora=%s bad port id=%s", amp_id,
		    sget(port, "id") ? sget(port, "id") : "-");
		return -OCTA_EINVAL;
	}
	if ((r = ensure_bridge(br)) < 0)
		return r;
	r = netutil_veth_plug(host, br, ns, inner, sget(port, "mac_address"));
	if (r == 0)
		log_info("network_local plugged amphora=%s port=%s %s<->%s/%s",
		    amp_id, sget(port, "id"), host, ns, inner);
	return r;
}

static int
local_plug_vip(json_t *lb, json_t *amp)
{
	json_t *port = json_object_get(amp, "vrrp_port");
	int r;

	(void)lb;
	if (!json_is_object(port)) {
		log_error("network_local: amphora=%s has no vrrp_port "
		    "(svc_amp_vrrp_port first)", sget(amp, "id"));
		return -OCTA_EINVAL;
	}
	if ((r = plug(amp, port, "v", "eth1")) < 0)
		return r;
	if (!json_is_string(json_object_get(amp, "vrrp_interface")))
		json_object_set_new(amp, "vrrp_interface", json_string("eth1"));
	return 0;
}

static int
local_unplug_vip(json_t *lb, json_t *amp)
{
	char host[NETUTIL_IFNAMSIZ];

	(void)lb;
	if (!netutil_amp_veth(sget(amp, "id"), "v", host, sizeof(host)))
		return -OCTA_EINVAL;
	return netutil_link_del(host);
}

/* "n" and the first 4 hex digits of the port's network id. */
static bool
member_suffix(json_t *port, char out[6])
{
	char hex[9];

	if (!netutil_hex8(sget(port, "network_id"), hex))
		return false;
	snprintf(out, 6, "n%.4s", hex);
	return true;
}

static int
local_plug_member_network(json_t *lb, json_t *amp, json_t *port)
{
	char ns[32], host[NETUTIL_IFNAMSIZ], inner[NETUTIL_IFNAMSIZ], sfx[6];
	const char *mac = sget(port, "mac_address");
	int i, r;

	(void)lb;
	if (!member_suffix(port, sfx) ||
	    !netutil_amp_ns(sget(amp, "id"), ns, sizeof(ns)) ||
	    !netutil_amp_veth(sget(amp, "id"), sfx, host, sizeof(host)))
		return -OCTA_EINVAL;
	/* Already plugged: the interface with the port's MAC. */
	if (!(netutil_link_exists(host) &&
	    netutil_ns_link_by_mac(ns, mac, inner, sizeof(inner)))) {
		inner[0] = '\0';
		for (i = 2; i < 64; i++) {
			snprintf(inner, sizeof(inner), "eth%d", i);
			if (!netutil_ns_link_exists(ns, inner))
				break;
		}
		if (i == 64)
			return -OCTA_EBUSY;
	}
	if ((r = plug(amp, port, sfx, inner)) < 0)
		return r;
	json_object_set_new(port, "interface", json_string(inner));
	return 0;
}

static int
local_unplug_member_network(json_t *amp, json_t *port)
{
	char host[NETUTIL_IFNAMSIZ], sfx[6];

	if (!member_suffix(port, sfx) ||
	    !netutil_amp_veth(sget(amp, "id"), sfx, host, sizeof(host)))
		return -OCTA_EINVAL;
	return netutil_link_del(host);
}

const struct network_driver network_local_driver = {
	.name = "network_local_driver",
	.create_network = local_create_network,
	.delete_network = local_delete_network,
	.allocate_vip = local_allocate_vip,
	.deallocate_vip = local_deallocate_vip,
	.plug_vip = local_plug_vip,
	.unplug_vip = local_unplug_vip,
	.plug_member_network = local_plug_member_network,
	.unplug_member_network = local_unplug_member_network,
};
