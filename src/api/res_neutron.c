/*
 * res_neutron.c - a minimal, read-only Neutron v2.0 API (and Keystone's
 * project lookup) on the load balancer endpoint, so that the clients work
 * without an OpenStack cloud.
 *
 * Runs in the API role.  octaviaclient turns --vip-subnet-id and friends
 * into ids by listing Neutron resources (GET /v2.0/subnets?id=X, then
 * ?name=X); in noauth mode it asks the endpoint it was given, which is
 * octa's.  http.c strips the /v2.0 prefix, so the routes are /subnets,
 * /networks, /ports, /qos/policies and /security-groups.
 *
 * With the noop network driver every well-formed UUID names an object that
 * exists: a query by id returns one made-up object with that id, a query
 * by anything else matches nothing (the client then says it cannot find
 * the resource), and a list without filters is empty.  Derived ids (a
 * subnet's network) are a hash of the id, so repeated calls agree.  The
 * made-up subnet is 198.51.100.0/24, the range vip.c takes VIPs from.
 *
 * The quota commands resolve their project argument through Keystone
 * (GET /projects/X, then ?name=X) on the same endpoint; in noauth mode a
 * project is whatever the caller names, so any id or name is a project
 * whose id and name are that string.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/errors.h"
#include "../common/util.h"

/* A stable UUID-shaped id derived from `id` and a per-kind salt. */
static void
derive_id(const char *id, const char *salt, char out[UUID_STR_LEN])
{
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	unsigned char b[16];
	const char *s;
	int i, k;

	for (k = 0; k < 2; k++) {
		for (s = salt; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ULL;
		for (s = id; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ULL;
		h[k] ^= h[k] >> 29;
	}
	for (i = 0; i < 16; i++)
		b[i] = (unsigned char)(h[i / 8] >> (8 * (i % 8)));
	b[6] = (b[6] & 0x0f) | 0x40;	/* looks like version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, UUID_STR_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
}

static json_t *
owned(json_t *o)
{
	json_object_set_new(o, "tenant_id", json_string(""));
	json_object_set_new(o, "project_id", json_string(""));
	json_object_set_new(o, "name", json_string(""));
	json_object_set_new(o, "description", json_string(""));
	return o;
}

static json_t *
make_subnet(const char *id)
{
	char net[UUID_STR_LEN];

	derive_id(id, "network-of-subnet", net);
	return owned(json_pack("{ss ss ss si ss sb sn}", "id", id,
	    "network_id", net, "cidr", "198.51.100.0/24", "ip_version", 4,
	    "gateway_ip", "198.51.100.1", "enable_dhcp", 1,
	    "subnetpool_id"));
}

static json_t *
make_network(const char *id)
{
	return owned(json_pack("{ss ss sb s[] sb}", "id", id, "status",
	    "ACTIVE", "admin_state_up", 1, "subnets", "shared", 0));
}

static json_t *
make_port(const char *id)
{
	char net[UUID_STR_LEN];

	derive_id(id, "network-of-port", net);
	return owned(json_pack("{ss ss ss sb s[] ss ss}", "id", id,
	    "network_id", net, "status", "ACTIVE", "admin_state_up", 1,
	    "fixed_ips", "device_id", "", "device_owner", ""));
}

static json_t *
make_qos_policy(const char *id)
{
	return owned(json_pack("{ss s[] sb}", "id", id, "rules", "shared", 0));
}

static json_t *
make_security_group(const char *id)
{
	return owned(json_pack("{ss s[]}", "id", id, "security_group_rules"));
}

static json_t *
make_project(const char *id)
{
	return json_pack("{ss ss ss ss sb sb ss s[]}", "id", id, "name", id,
	    "description", "", "domain_id", "default", "enabled", 1,
	    "is_domain", 0, "parent_id", "default", "tags");
}

static const struct kind {
	const char *path;	/* the collection's route */
	const char *one;	/* root key of one object */
	const char *many;	/* root key of a list */
	const char *error;	/* Neutron's NotFound type prefix */
	const char *display;
	json_t *(*make)(const char *id);
} kinds[] = {
	{ "/subnets", "subnet", "subnets", "Subnet", "Subnet", make_subnet },
	{ "/networks", "network", "networks", "Network", "Network",
	    make_network },
	{ "/ports", "port", "ports", "Port", "Port", make_port },
	{ "/qos/policies", "policy", "policies", "QosPolicy", "QoS policy",
	    make_qos_policy },
	{ "/security-groups", "security_group", "security_groups",
	    "SecurityGroup", "Security group", make_security_group },
	{ "/projects", "project", "projects", "Project", "Project",
	    make_project },
	{ "/v3/projects", "project", "projects", "Project", "Project",
	    make_project },
};

static const struct kind *
kind_of(struct api_req *r)
{
	size_t i, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i].path);
		if (strncmp(r->path, kinds[i].path, n) == 0 &&
		    (r->path[n] == '\0' || r->path[n] == '/'))
			return &kinds[i];
	}
	return &kinds[0];
}

/* The object, or NULL when no such object exists. */
static json_t *
lookup(const struct kind *k, const char *id)
{
	char canon[UUID_STR_LEN];

	if (k->make == make_project)
		return *id ? k->make(id) : NULL;
	if (!uuid_canon(id, canon) || strcmp(canon, id) != 0)
		return NULL;
	return k->make(id);
}

/* True if every filter of the query (but fields) holds for `o`. */
static bool
matches(struct api_req *r, json_t *o)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, &r->query, next) {
		json_t *v = json_object_get(o, kv->key);

		if (strcmp(kv->key, "fields") == 0 ||
		    strcmp(kv->key, "id") == 0)
			continue;
		if (json_is_string(v) && strcmp(json_string_value(v),
		    kv->value) != 0)
			return false;
	}
	return true;
}

static int
neutron_list(struct api_req *r)
{
	const struct kind *k = kind_of(r);
	const char *id = api_query(r, "id");
	json_t *out = json_array(), *o;

	if (k->make == make_project && id == NULL)
		id = api_query(r, "name");
	if (id && (o = lookup(k, id)) != NULL) {
		if (matches(r, o))
			json_array_append(out, o);
		json_decref(o);
	}
	api_reply(r, 200, json_pack("{so}", k->many, out));
	return 0;
}

static int
neutron_show(struct api_req *r)
{
	const struct kind *k = kind_of(r);
	json_t *o = lookup(k, r->args[0]);
	char msg[256];

	if (o == NULL) {
		snprintf(msg, sizeof(msg), "%s %s could not be found.",
		    k->display, r->args[0]);
		api_reply(r, 404, json_pack("{s{ss+ ss ss}}", "NeutronError",
		    "type", k->error, "NotFound", "message", msg, "detail",
		    ""));
		return 0;
	}
	api_reply(r, 200, json_pack("{so}", k->one, o));
	return 0;
}

const struct api_route api_routes_neutron[] = {
	{ M_GET, "/subnets", neutron_list },
	{ M_GET, "/subnets/{}", neutron_show },
	{ M_GET, "/networks", neutron_list },
	{ M_GET, "/networks/{}", neutron_show },
	{ M_GET, "/ports", neutron_list },
	{ M_GET, "/ports/{}", neutron_show },
	{ M_GET, "/qos/policies", neutron_list },
	{ M_GET, "/qos/policies/{}", neutron_show },
	{ M_GET, "/security-groups", neutron_list },
	{ M_GET, "/security-groups/{}", neutron_show },
	{ M_GET, "/projects", neutron_list },
	{ M_GET, "/projects/{}", neutron_show },
	{ M_GET, "/v3/projects", neutron_list },
	{ M_GET, "/v3/projects/{}", neutron_show },
	{ 0, NULL, NULL },
};
