/*
 * vip.c - VIP allocation at API time.  Octavia creates the VIP port in the
 * API process so that the 201 already carries vip_address and vip_port_id;
 * octa does the same.  With the noop network driver any network or subnet
 * is accepted and made-up identifiers and an address from the
 * documentation range are filled in.
 */
#include <stdio.h>
#include <string.h>

#include "service.h"
#include "../common/util.h"

static void
fill_uuid(json_t *lb, const char *key)
{
	char id[UUID_STR_LEN];

	if (json_is_string(json_object_get(lb, key)))
		return;
	uuid_new(id);
	json_object_set_new(lb, key, json_string(id));
}

int
svc_vip_allocate(struct db *db, json_t *lb)
{
	unsigned h = 0;
	const char *s;
	char ip[32];

	(void)db;
	fill_uuid(lb, "vip_port_id");
	fill_uuid(lb, "vip_subnet_id");
	fill_uuid(lb, "vip_network_id");
	if (!json_is_string(json_object_get(lb, "vip_address"))) {
		for (s = json_string_value(json_object_get(lb, "id")); s && *s;
		    s++)
			h = h * 31 + (unsigned char)*s;
		snprintf(ip, sizeof(ip), "198.51.100.%u", h % 254 + 1);
		json_object_set_new(lb, "vip_address", json_string(ip));
	}
	return 0;
}
