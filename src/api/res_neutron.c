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
 * With network_local_driver, subnets, networks and ports are the real
 * rows of the local tables (octa-manage network/subnet create), found by
 * id, name or any other field the query names.
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
#include "../service/service.h"

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

/*
 * ---- network_local_driver: the local tables (src/service/network.c) ----
 *
 * Subnets, networks and ports are the rows octa-manage made, in Neutron's
 * shapes; a query matches on id and on any other field it names.
 */

static json_t *
local_subnet(json_t *row)
{
	char first[64], last[64];
	json_t *o, *pools = json_array();

	if (svc_ipam_pool(json_string_value(json_object_get(row, "cidr")),
	    first, last, sizeof(first)) == 0)
		json_array_append_new(pools, json_pack("{ss ss}", "start",
		    first, "end", last));
	o = json_pack("{sO sO sO sO sO sO* sb so s[] s[] ss ss ss sn sn sn "
	    "s[] sO sO}", "id", json_object_get(row, "id"),
	    "name", json_object_get(row, "name"),
	    "network_id", json_object_get(row, "network_id"),
	    "cidr", json_object_get(row, "cidr"),
	    "ip_version", json_object_get(row, "ip_version"),
	    "gateway_ip", json_object_get(row, "gateway_ip"),
	    "enable_dhcp", 0, "allocation_pools", pools, "dns_nameservers",
	    "host_routes", "tenant_id", "", "project_id", "", "description", "",
	    "subnetpool_id", "ipv6_ra_mode", "ipv6_address_mode", "tags",
	    "created_at", json_object_get(row, "created_at"),
	    "updated_at", json_object_get(row, "created_at"));
	if (!json_is_string(json_object_get(o, "name")))
		json_object_set_new(o, "name", json_string(""));
	if (json_object_get(o, "gateway_ip") == NULL)
		json_object_set_new(o, "gateway_ip", json_null());
	return o;
}

static json_t *
local_network(json_t *row, json_t *subnets)
{
	json_t *ids = json_array(), *s;
	size_t i;

	json_array_foreach(subnets, i, s)
		if (json_equal(json_object_get(s, "network_id"),
		    json_object_get(row, "id")))
			json_array_append(ids, json_object_get(s, "id"));
	return json_pack("{sO sO ss sb sb so ss ss ss si sb s[] s[] sO sO}",
	    "id", json_object_get(row, "id"),
	    "name", json_object_get(row, "name"), "status", "ACTIVE",
	    "admin_state_up", 1, "shared", 0, "subnets", ids, "tenant_id", "",
	    "project_id", "", "description", "", "mtu", 1500,
	    "router:external", 0, "availability_zones", "tags",
	    "created_at", json_object_get(row, "created_at"),
	    "updated_at", json_object_get(row, "created_at"));
}

static json_t *
local_port(json_t *row)
{
	return json_pack("{sO sO sO sO s[{sO sO}] sO sO ss sb ss ss ss s[] "
	    "s[] sO sO}", "id", json_object_get(row, "id"),
	    "name", json_object_get(row, "name"),
	    "network_id", json_object_get(row, "network_id"),
	    "mac_address", json_object_get(row, "mac_address"),
	    "fixed_ips", "subnet_id", json_object_get(row, "subnet_id"),
	    "ip_address", json_object_get(row, "ip_address"),
	    "device_owner", json_object_get(row, "device_owner"),
	    "device_id", json_object_get(row, "device_id"),
	    "status", "ACTIVE", "admin_state_up", 1, "tenant_id", "",
	    "project_id", "", "description", "", "security_groups",
	    "allowed_address_pairs",
	    "created_at", json_object_get(row, "created_at"),
	    "updated_at", json_object_get(row, "created_at"));
}

/* True for the kinds the local tables answer when network_local_driver
 * is configured. */
static bool
local_kind(const struct kind *k)
{
	return svc_net_local() && (strcmp(k->path, "/subnets") == 0 ||
	    strcmp(k->path, "/networks") == 0 ||
	    strcmp(k->path, "/ports") == 0);
}

/* Every object of the kind, in Neutron's shape. */
static int
local_all(struct api_req *r, const struct kind *k, json_t **out)
{
	json_t *rows = NULL, *subs = NULL, *all = json_array(), *row;
	size_t i;
	int e;

	if (strcmp(k->path, "/ports") == 0) {
		if ((e = svc_port_list(r->db, &rows)) == 0)
			json_array_foreach(rows, i, row)
				json_array_append_new(all, local_port(row));
	} else if ((e = svc_subnet_list(r->db, NULL, &subs)) == 0) {
		if (strcmp(k->path, "/subnets") == 0)
			json_array_foreach(subs, i, row)
				json_array_append_new(all, local_subnet(row));
		else if ((e = svc_network_list(r->db, &rows)) == 0)
			json_array_foreach(rows, i, row)
				json_array_append_new(all, local_network(row,
				    subs));
	}
	json_decref(rows);
	json_decref(subs);
	if (e < 0) {
		json_decref(all);
		return api_fail(r, e, "Database error.");
	}
	*out = all;
	return 0;
}

/* Every query parameter but fields holds for `o` (values as text). */
static bool
local_matches(struct api_req *r, json_t *o)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, &r->query, next) {
		json_t *v = json_object_get(o, kv->key);
		char num[32];
		const char *text = NULL;

		if (strcmp(kv->key, "fields") == 0)
			continue;
		if (json_is_string(v))
			text = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			text = num;
		} else if (json_is_boolean(v))
			text = json_is_true(v) ? "True" : "False";
		if (v == NULL)
			continue;	/* a filter on a field we lack */
		if (text == NULL || (strcmp(text, kv->value) != 0 &&
		    !(json_is_boolean(v) && strcasecmp(text,
		    kv->value) == 0)))
			return false;
	}
	return true;
}

static int
local_list(struct api_req *r, const struct kind *k)
{
	json_t *all, *out = json_array(), *o;
	size_t i;
	int e;

	if ((e = local_all(r, k, &all)) < 0) {
		json_decref(out);
		return e;
	}
	json_array_foreach(all, i, o)
		if (local_matches(r, o))
			json_array_append(out, o);
	json_decref(all);
	api_reply(r, 200, json_pack("{so}", k->many, out));
	return 0;
}

/* The object with that id, or NULL. */
static json_t *
local_lookup(struct api_req *r, const struct kind *k, const char *id)
{
	json_t *all, *o, *found = NULL;
	size_t i;

	if (local_all(r, k, &all) < 0)
		return NULL;
	json_array_foreach(all, i, o)
		if (strcmp(json_string_value(json_object_get(o, "id")), id) ==
		    0)
			found = json_incref(o);
	json_decref(all);
	return found;
}

static int
neutron_list(struct api_req *r)
{
	const struct kind *k = kind_of(r);
	const char *id = api_query(r, "id");
	json_t *out, *o;

	if (local_kind(k))
		return local_list(r, k);
	out = json_array();
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
	json_t *o = local_kind(k) ? local_lookup(r, k, r->args[0]) :
	    lookup(k, r->args[0]);
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
	{ M_GET, "/subnets", neutron_list, NULL },
	{ M_GET, "/subnets/{}", neutron_show, NULL },
	{ M_GET, "/networks", neutron_list, NULL },
	{ M_GET, "/networks/{}", neutron_show, NULL },
	{ M_GET, "/ports", neutron_list, NULL },
	{ M_GET, "/ports/{}", neutron_show, NULL },
	{ M_GET, "/qos/policies", neutron_list, NULL },
	{ M_GET, "/qos/policies/{}", neutron_show, NULL },
	{ M_GET, "/security-groups", neutron_list, NULL },
	{ M_GET, "/security-groups/{}", neutron_show, NULL },
	{ M_GET, "/projects", neutron_list, NULL },
	{ M_GET, "/projects/{}", neutron_show, NULL },
	{ M_GET, "/v3/projects", neutron_list, NULL },
	{ M_GET, "/v3/projects/{}", neutron_show, NULL },
	{ 0, NULL, NULL, NULL },
};
