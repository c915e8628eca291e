/*
 * res_provider.c - /providers and their flavor / availability zone
 * capability lists, from [api_settings] enabled_provider_drivers.
 */
#include <string.h>

#include "api.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/xalloc.h"

/* [{name, description}] of the enabled providers. */
static json_t *
providers(void)
{
	const char *s = cfg.api_settings_enabled_provider_drivers;
	json_t *out = json_array();

	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char *item = xstrndup(s, n), *colon = strchr(item, ':');

		if (colon)
			*colon = '\0';
		if (item[0])
			json_array_append_new(out, json_pack("{ss ss}", "name",
			    item, "description", colon ? colon + 1 : ""));
		free(item);
		s = end ? end + 1 : NULL;
	}
	return out;
}

bool
api_provider_enabled(const char *name)
{
	json_t *list = providers(), *p;
	bool found = false;
	size_t i;

	json_array_foreach(list, i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    name) == 0)
			found = true;
	json_decref(list);
	return found;
}

/* The item with only the fields= the query names (all without any). */
static json_t *
selected(struct api_req *r, json_t *item)
{
	struct evkeyval *kv;
	json_t *out = NULL;
	const char *k;
	json_t *v;

	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, "fields") != 0)
			continue;
		if (out == NULL)
			out = json_object();
		json_object_foreach(item, k, v)
			if (strcmp(k, kv->value) == 0)
				json_object_set(out, k, v);
	}
	return out ? out : json_incref(item);
}

/* Keeps the items whose name/description equal the query's. */
static json_t *
filtered(struct api_req *r, json_t *list)
{
	const char *name = api_query(r, "name");
	const char *desc = api_query(r, "description");
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(list, i, p) {
		if (name && strcmp(name, json_string_value(json_object_get(p,
		    "name"))) != 0)
			continue;
		if (desc && strcmp(desc, json_string_value(json_object_get(p,
		    "description"))) != 0)
			continue;
		json_array_append_new(out, selected(r, p));
	}
	json_decref(list);
	return out;
}

static int
prov_list(struct api_req *r)
{
	api_reply(r, 200, json_pack("{so}", "providers", filtered(r,
	    providers())));
	return 0;
}

static bool
amphora_like(const char *name)
{
	return strcmp(name, "amphora") == 0 || strcmp(name, "octavia") == 0 ||
	    strcmp(name, "amphorav2") == 0;
}

static int
check_provider(struct api_req *r)
{
	if (!api_provider_enabled(r->args[0]))
		return api_fail(r, OCTA_EINVAL, "Provider '%s' is not enabled.",
		    r->args[0]);
	return 0;
}

static int
prov_flavor_caps(struct api_req *r)
{
	json_t *caps = json_array();
	int e;

	if ((e = check_provider(r)) < 0) {
		json_decref(caps);
		return e;
	}
	if (amphora_like(r->args[0])) {
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "loadbalancer_topology", "description", "The load balancer "
		    "topology. One of: SINGLE - One amphora per load balancer. "
		    "ACTIVE_STANDBY - Two amphora per load balancer."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "compute_flavor", "description", "The compute driver "
		    "flavor ID."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "amp_image_tag", "description", "The amphora image tag."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "sriov_vip", "description", "When true, the VIP port will "
		    "be created using an SR-IOV VF port."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "allow_member_sriov", "description", "When true, users can "
		    "request SR-IOV VF ports for members."));
	}
	api_reply(r, 200, json_pack("{so}", "flavor_capabilities",
	    filtered(r, caps)));
	return 0;
}

static int
prov_az_caps(struct api_req *r)
{
	json_t *caps = json_array();
	int e;

	if ((e = check_provider(r)) < 0) {
		json_decref(caps);
		return e;
	}
	if (amphora_like(r->args[0])) {
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "compute_zone", "description", "The compute availability "
		    "zone."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "volume_zone", "description", "The volume availability "
		    "zone."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "management_network", "description", "The management "
		    "network ID for the amphora."));
		json_array_append_new(caps, json_pack("{ss ss}", "name",
		    "valid_vip_networks", "description", "List of network IDs "
		    "that are allowed for VIP use. This overrides/replaces the "
		    "list of allowed networks configured in `octavia.conf`."));
	}
	api_reply(r, 200, json_pack("{so}", "availability_zone_capabilities",
	    filtered(r, caps)));
	return 0;
}

const struct api_route api_routes_provider[] = {
	{ M_GET, "/providers", prov_list,
	    "os_load-balancer_api:provider:get_all" },
	{ M_GET, "/providers/{}/flavor_capabilities", prov_flavor_caps,
	    "os_load-balancer_api:provider-flavor:get_all" },
	{ M_GET, "/providers/{}/availability_zone_capabilities",
	    prov_az_caps,
	    "os_load-balancer_api:provider-availability-zone:get_all" },
	{ 0, NULL, NULL, NULL },
};
