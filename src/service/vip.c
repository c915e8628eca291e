/*
 * vip.c - VIP allocation at API time.  Octavia creates the VIP port in the
 * API process so that the 201 already carries vip_address and vip_port_id;
 * octa does the same.
 *
 * With network_local_driver the VIP is a port row of the local tables
 * (network.c, ipam.c): vip_subnet_id / vip_network_id / vip_port_id must
 * name rows that exist (400 "Subnet X not found." and friends, Octavia's
 * InvalidSubresource), a given vip_address must be a free address of the
 * subnet.  With any other network driver (noop) any network or subnet is
 * accepted and made-up identifiers and an address from the documentation
 * range are filled in, as before.
 *
 * Runs in the API role inside the request's transaction, so a failed
 * create leaves no port behind.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "service.h"
#include "../common/errors.h"
#include "../common/util.h"

#define OWNER_VIP "Octavia"	/* Octavia's VIP port owner */

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

void
svc_vip_device_id(const char *lb_id, char *out, size_t len)
{
	snprintf(out, len, "lb-%s", lb_id ? lb_id : "");
}

int
svc_vip_release(struct db *db, json_t *lb)
{
	char dev[64];
	int r;

	svc_vip_device_id(sget(lb, "id"), dev, sizeof(dev));
	/* Ports octa made for the LB go; a port the user gave is unbound. */
	r = db_exec(db, "DELETE FROM port WHERE device_id = ? AND "
	    "device_owner = ? AND name LIKE ?", json_pack("[sss]", dev,
	    OWNER_VIP, "octavia-lb-%"), NULL);
	if (r == 0)
		r = db_exec(db, "UPDATE port SET device_id = '', "
		    "device_owner = '' WHERE device_id = ?",
		    json_pack("[s]", dev), NULL);
	return r;
}

/* Allocates (or binds) the VIP of a new LB on the local tables. */
static int
vip_local(struct db *db, json_t *lb, char *msg, size_t msglen)
{
	const char *lb_id = sget(lb, "id");
	const char *port_id = sget(lb, "vip_port_id");
	const char *net_id = sget(lb, "vip_network_id");
	const char *sub_id = sget(lb, "vip_subnet_id");
	const char *want = sget(lb, "vip_address");
	json_t *port = NULL, *net = NULL, *sub = NULL, *subs = NULL, *s;
	json_t *extra, *v;
	char dev[64], name[80], canon[64];
	size_t i;
	int r;

	svc_vip_device_id(lb_id, dev, sizeof(dev));
	snprintf(name, sizeof(name), "octavia-lb-%s", lb_id ? lb_id : "");
	if (want && svc_ip_canon(want, canon, sizeof(canon)))
		want = canon;
	if (port_id) {
		r = -OCTA_EINVAL;
		if (svc_port_find(db, port_id, &port) < 0) {
			say(msg, msglen, "Port %s not found.", port_id);
			goto out;
		}
		if (sget(port, "device_id") && *sget(port, "device_id")) {
			say(msg, msglen, "Validation failure: Port %s is "
			    "already used by device %s ", port_id,
			    sget(port, "device_id"));
			goto out;
		}
		if (net_id && !streq(net_id, sget(port, "network_id"))) {
			say(msg, msglen, "Validation failure: Port %s is not "
			    "on network %s.", port_id, net_id);
			goto out;
		}
		r = db_exec(db, "UPDATE port SET device_owner = ?, "
		    "device_id = ? WHERE id = ?", json_pack("[sss]", OWNER_VIP,
		    dev, port_id), NULL);
		if (r < 0)
			goto out;
	} else {
		r = -OCTA_EINVAL;
		if (sub_id) {
			if (svc_subnet_find(db, sub_id, &sub) < 0 ||
			    !streq(sget(sub, "id"), sub_id) ||
			    (net_id && !streq(net_id, sget(sub,
			    "network_id")))) {
				say(msg, msglen, "Subnet %s not found.",
				    sub_id);
				goto out;
			}
		} else {
			if (svc_network_find(db, net_id, &net) < 0 ||
			    !streq(sget(net, "id"), net_id)) {
				say(msg, msglen, "Network %s not found.",
				    net_id ? net_id : "");
				goto out;
			}
			if ((r = svc_subnet_list(db, net_id, &subs)) < 0)
				goto out;
			r = -OCTA_EINVAL;
			if (json_array_size(subs) == 0) {
				say(msg, msglen, "Validation failure: Supplied "
				    "network does not contain a subnet.");
				goto out;
			}
			json_array_foreach(subs, i, s)
				if (want == NULL || svc_ip_in_cidr(want,
				    sget(s, "cidr"))) {
					sub = json_incref(s);
					break;
				}
			if (sub == NULL) {
				say(msg, msglen, "Validation failure: Supplied "
				    "network does not contain a subnet for VIP "
				    "address specified.");
				goto out;
			}
		}
		r = svc_port_create(db, sub, want, OWNER_VIP, dev, name, &port);
		if (r == -OCTA_EINVAL)
			say(msg, msglen, "Validation failure: IP address %s is "
			    "not a valid IP for the specified subnet.", want);
		else if (r == -OCTA_ECONFLICT && want)
			say(msg, msglen, "The VIP IP address is already in "
			    "use: IP address %s already allocated in subnet "
			    "%s.", want, sget(sub, "id"));
		else if (r == -OCTA_ECONFLICT)
			say(msg, msglen, "No more IP addresses available on "
			    "network %s.", sget(sub, "network_id"));
		if (r < 0)
			goto out;
	}
	json_object_set(lb, "vip_port_id", json_object_get(port, "id"));
	json_object_set(lb, "vip_address", json_object_get(port,
	    "ip_address"));
	json_object_set(lb, "vip_subnet_id", json_object_get(port,
	    "subnet_id"));
	json_object_set(lb, "vip_network_id", json_object_get(port,
	    "network_id"));

	/* Additional VIPs: subnets of the same network, one port each. */
	extra = json_object_get(lb, "additional_vips");
	json_array_foreach(extra, i, v) {
		json_t *xs = NULL, *xp = NULL;
		const char *xsub = sget(v, "subnet_id");
		const char *xip = sget(v, "ip_address");

		r = -OCTA_EINVAL;
		if (xsub == NULL || svc_subnet_find(db, xsub, &xs) < 0 ||
		    !streq(sget(xs, "id"), xsub)) {
			say(msg, msglen, "Subnet %s not found.", xsub ? xsub :
			    "");
			json_decref(xs);
			goto out;
		}
		if (!streq(sget(xs, "network_id"), sget(port, "network_id"))) {
			say(msg, msglen, "Validation failure: All VIP subnets "
			    "must belong to the same network.");
			json_decref(xs);
			goto out;
		}
		r = svc_port_create(db, xs, xip, OWNER_VIP, dev, name, &xp);
		if (r == -OCTA_EINVAL)
			say(msg, msglen, "Validation failure: IP address %s is "
			    "not a valid IP for the specified subnet.", xip);
		else if (r == -OCTA_ECONFLICT && xip)
			say(msg, msglen, "The VIP IP address is already in "
			    "use: IP address %s already allocated in subnet "
			    "%s.", xip, xsub);
		else if (r == -OCTA_ECONFLICT)
			say(msg, msglen, "No more IP addresses available on "
			    "network %s.", sget(xs, "network_id"));
		if (r == 0) {
			json_object_set(v, "ip_address", json_object_get(xp,
			    "ip_address"));
			json_object_set(v, "port_id", json_object_get(xp,
			    "id"));
		}
		json_decref(xp);
		json_decref(xs);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(subs);
	json_decref(sub);
	json_decref(net);
	json_decref(port);
	return r;
}

int
svc_member_subnet_check(struct db *db, const char *subnet_id, char *msg,
    size_t msglen)
{
	json_t *sub = NULL;
	int r = 0;

	if (subnet_id == NULL || !svc_net_local())
		return 0;
	if (svc_subnet_find(db, subnet_id, &sub) < 0 ||
	    !streq(sget(sub, "id"), subnet_id)) {
		say(msg, msglen, "Subnet %s not found.", subnet_id);
		r = -OCTA_EINVAL;
	}
	json_decref(sub);
	return r;
}

/* With the noop network driver: made-up ids and a documentation address
 * (the old behaviour, which the functional suite relies on). */
static void
fill_uuid(json_t *lb, const char *key)
{
	char id[UUID_STR_LEN];

	if (json_is_string(json_object_get(lb, key)))
		return;
	uuid_new(id);
	json_object_set_new(lb, key, json_string(id));
}

static int
vip_noop(json_t *lb)
{
	unsigned h = 0;
	const char *s;
	char ip[32];

	fill_uuid(lb, "vip_port_id");
	fill_uuid(lb, "vip_subnet_id");
	fill_uuid(lb, "vip_network_id");
	if (!json_is_string(json_object_get(lb, "vip_address"))) {
		for (s = sget(lb, "id"); s && *s; s++)
			h = h * 31 + (unsigned char)*s;
		snprintf(ip, sizeof(ip), "198.51.100.%u", h % 254 + 1);
		json_object_set_new(lb, "vip_address", json_string(ip));
	}
	return 0;
}

int
svc_vip_allocate(struct db *db, json_t *lb, char *msg, size_t msglen)
{
	if (msg && msglen)
		msg[0] = '\0';
	if (!svc_net_local())
		return vip_noop(lb);
	return vip_local(db, lb, msg, msglen);
}
