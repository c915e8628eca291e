/*
 * noop.c - the noop compute, network and amphora drivers: they succeed and
 * make up plausible identifiers, as Octavia's noop drivers do, so that
 * objects and amphora records look as they would with real drivers.
 */
#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "../common/util.h"

static void
set_uuid(json_t *o, const char *key)
{
	char id[UUID_STR_LEN];

	if (json_is_string(json_object_get(o, key)))
		return;
	uuid_new(id);
	json_object_set_new(o, key, json_string(id));
}

/* A stable made-up address derived from an id, inside the documentation
 * range 198.51.100.0/24: the noop drivers never send traffic to it. */
static void
fake_ip(const char *id, char *out, size_t len)
{
	unsigned h = 0;

	for (; id && *id; id++)
		h = h * 31 + (unsigned char)*id;
	snprintf(out, len, "198.51.100.%u", h % 254 + 1);
}

static int
noop_build(json_t *amp)
{
	char ip[32];

	set_uuid(amp, "compute_id");
	if (!json_is_string(json_object_get(amp, "lb_network_ip"))) {
		fake_ip(json_string_value(json_object_get(amp, "id")), ip,
		    sizeof(ip));
		json_object_set_new(amp, "lb_network_ip", json_string(ip));
	}
	set_uuid(amp, "image_id");
	if (!json_is_string(json_object_get(amp, "compute_flavor")))
		json_object_set_new(amp, "compute_flavor",
		    json_string("noop-flavor"));
	return 0;
}

static int
noop_ok(json_t *o)
{
	(void)o;
	return 0;
}

static int
noop_allocate_vip(json_t *lb)
{
	char ip[32];

	set_uuid(lb, "vip_port_id");
	set_uuid(lb, "vip_subnet_id");
	set_uuid(lb, "vip_network_id");
	if (!json_is_string(json_object_get(lb, "vip_address"))) {
		fake_ip(json_string_value(json_object_get(lb, "id")), ip,
		    sizeof(ip));
		json_object_set_new(lb, "vip_address", json_string(ip));
	}
	return 0;
}

static int
noop_plug_vip(json_t *lb, json_t *amp)
{
	char ip[32];

	set_uuid(amp, "vrrp_port_id");
	if (!json_is_string(json_object_get(amp, "vrrp_ip"))) {
		fake_ip(json_string_value(json_object_get(amp, "compute_id")),
		    ip, sizeof(ip));
		json_object_set_new(amp, "vrrp_ip", json_string(ip));
	}
	json_object_set(amp, "ha_ip", json_object_get(lb, "vip_address"));
	json_object_set(amp, "ha_port_id", json_object_get(lb, "vip_port_id"));
	return 0;
}

static int
noop_lb_amp(json_t *lb, json_t *amp)
{
	(void)lb;
	(void)amp;
	return 0;
}

static int
noop_plug_member(json_t *lb, json_t *amp, json_t *port)
{
	(void)lb;
	(void)amp;
	if (!json_is_string(json_object_get(port, "interface")))
		json_object_set_new(port, "interface", json_string("eth2"));
	return 0;
}

static int
noop_config(json_t *tree, json_t *amp)
{
	(void)tree;
	(void)amp;
	return 0;
}

const struct compute_driver compute_noop_driver = {
	.name = "compute_noop_driver",
	.build = noop_build,
	.destroy = noop_ok,
};

const struct network_driver network_noop_driver = {
	.name = "network_noop_driver",
	.create_network = noop_ok,
	.delete_network = noop_ok,
	.allocate_vip = noop_allocate_vip,
	.deallocate_vip = noop_ok,
	.plug_vip = noop_plug_vip,
	.unplug_vip = noop_lb_amp,
	.plug_member_network = noop_plug_member,
	.unplug_member_network = noop_lb_amp,
};

const struct amphora_driver amphora_noop_driver = {
	.name = "amphora_noop_driver",
	.update_config = noop_config,
	.delete_config = noop_config,
	.wait_ready = noop_ok,
	.plug_vip = noop_config,
	.plug_network = noop_config,
};
