/*
 * model.c - the field tables of every resource (see model.h) and the
 * enumerations of Octavia's v2 API.
 */
#include <string.h>

#include "model.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))
#define MAXTIMEOUT 2073600000LL

const char *const model_prov_statuses[] = { "ACTIVE", "PENDING_CREATE",
	"PENDING_UPDATE", "PENDING_DELETE", "DELETED", "ERROR", NULL };
const char *const model_oper_statuses[] = { "ONLINE", "OFFLINE", "DEGRADED",
	"ERROR", "DRAINING", "NO_MONITOR", NULL };
const char *const model_listener_protocols[] = { "HTTP", "HTTPS", "TCP",
	"TERMINATED_HTTPS", "UDP", "SCTP", "PROMETHEUS", NULL };
const char *const model_pool_protocols[] = { "HTTP", "HTTPS", "TCP", "PROXY",
	"PROXYV2", "UDP", "SCTP", NULL };
const char *const model_lb_algorithms[] = { "ROUND_ROBIN",
	"LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT", NULL };
const char *const model_sp_types[] = { "SOURCE_IP", "HTTP_COOKIE",
	"APP_COOKIE", NULL };
const char *const model_hm_types[] = { "HTTP", "HTTPS", "PING", "TCP",
	"TLS-HELLO", "UDP-CONNECT", "SCTP", NULL };
const char *const model_http_methods[] = { "GET", "HEAD", "POST", "PUT",
	"DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH", NULL };
const char *const model_l7_actions[] = { "REJECT", "REDIRECT_TO_URL",
	"REDIRECT_TO_POOL", "REDIRECT_PREFIX", NULL };
const char *const model_l7rule_types[] = { "HOST_NAME", "PATH", "FILE_TYPE",
	"HEADER", "COOKIE", "SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT",
	"SSL_DN_FIELD", NULL };
const char *const model_l7rule_compare_types[] = { "REGEX", "STARTS_WITH",
	"ENDS_WITH", "CONTAINS", "EQUAL_TO", NULL };
const char *const model_client_auth_modes[] = { "NONE", "OPTIONAL",
	"MANDATORY", NULL };
const char *const model_tls_versions[] = { "SSLv3", "TLSv1", "TLSv1.1",
	"TLSv1.2", "TLSv1.3", NULL };
const char *const model_alpn_protocols[] = { "http/1.0", "http/1.1", "h2",
	NULL };
const char *const model_insert_headers[] = { "X-Forwarded-For",
	"X-Forwarded-Port", "X-Forwarded-Proto", "X-Forwarded-IP",
	"X-Client-IP", "X-Real-IP", NULL };
const char *const model_insert_headers_ssl[] = { "X-SSL-Client-Verify",
	"X-SSL-Client-Has-Cert", "X-SSL-Client-DN", "X-SSL-Client-CN",
	"X-SSL-Issuer", "X-SSL-Client-SHA1", "X-SSL-Client-Not-Before",
	"X-SSL-Client-Not-After", NULL };
const char *const model_amphora_roles[] = { "MASTER", "BACKUP", "STANDALONE",
	NULL };

/* Fields most resources share. */
#define FLD_ID { "id", FT_UUID, F_R | F_S }
#define FLD_NAME { "name", FT_STRING, F_R | F_C | F_U | F_S | F_EMPTY, 0, 255 }
#define FLD_DESC                                                        \
	{ "description", FT_STRING, F_R | F_C | F_U | F_S | F_EMPTY, 0, 255 }
#define FLD_ADMIN                                                       \
	{ "admin_state_up", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "true" }
#define FLD_PROJECT { "project_id", FT_STRING, F_R | F_C | F_S, 0, 36 }
#define FLD_PROV                                                        \
	{ "provisioning_status", FT_ENUM, F_R | F_S, 0, 0,              \
	    model_prov_statuses }
#define FLD_OPER                                                        \
	{ "operating_status", FT_ENUM, F_R | F_S, 0, 0, model_oper_statuses }
#define FLD_TAGS                                                        \
	{ "tags", FT_STRLIST, F_R | F_C | F_U | F_S | F_NOSORT, 0, 255, NULL, \
	    "[]" }
#define FLD_CREATED { "created_at", FT_TIME, F_R | F_S }
#define FLD_UPDATED { "updated_at", FT_TIME, F_R | F_S }
#define FLD_TLS_CIPHERS                                                 \
	{ "tls_ciphers", FT_STRING, F_R | F_C | F_U | F_S, 0, 2048 }
#define FLD_TLS_VERSIONS                                                \
	{ "tls_versions", FT_STRLIST, F_R | F_C | F_U | F_S | F_NOSORT, 0, 32, \
	    model_tls_versions }
#define FLD_ALPN                                                        \
	{ "alpn_protocols", FT_STRLIST, F_R | F_C | F_U | F_S | F_NOSORT, 0, 32, \
	    model_alpn_protocols }
#define FLD_REF(n, flags)                                               \
	{ n, FT_STRING, F_R | F_C | F_U | F_S | (flags), 0, 255 }

static const struct field lb_fields[] = {
	FLD_ID, FLD_NAME, FLD_DESC, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "vip_address", FT_IP, F_R | F_C | F_S },
	{ "vip_port_id", FT_UUID, F_R | F_C | F_S },
	{ "vip_subnet_id", FT_UUID, F_R | F_C | F_S },
	{ "vip_network_id", FT_UUID, F_R | F_C | F_S },
	{ "vip_qos_policy_id", FT_UUID, F_R | F_C | F_U | F_S },
	{ "vip_sg_ids", FT_UUIDLIST, F_R | F_C | F_U | F_S | F_NOSORT, 0, 0,
	    NULL, "[]" },
	{ "vip_vnic_type", FT_STRING, F_R | F_S, 0, 64, NULL, "\"normal\"" },
	{ "additional_vips", FT_JSON, F_R | F_C | F_S | F_NOSORT, 0, 0, NULL,
	    "[]" },
	{ "listeners", FT_REFLIST, F_R | F_GRAPH | F_NOSORT },
	{ "pools", FT_REFLIST, F_R | F_GRAPH | F_NOSORT },
	{ "provider", FT_STRING, F_R | F_C | F_S, 0, 64 },
	{ "flavor_id", FT_UUID, F_R | F_C | F_S },
	{ "availability_zone", FT_STRING, F_R | F_C | F_S, 0, 255 },
	{ "topology", FT_STRING, F_S | F_NOSORT, 0, 16 },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field listener_fields[] = {
	FLD_ID, FLD_NAME, FLD_DESC, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "protocol", FT_ENUM, F_R | F_C | F_M | F_S, 0, 0,
	    model_listener_protocols },
	{ "protocol_port", FT_INT, F_R | F_C | F_M | F_S, 1, 65535 },
	{ "loadbalancer_id", FT_UUID, F_C | F_M | F_S | F_FILTER, 0, 0, NULL,
	    NULL, "load_balancer_id" },
	{ "loadbalancers", FT_REFLIST, F_R | F_NOSORT },
	{ "connection_limit", FT_INT, F_R | F_C | F_U | F_S, -1, 2147483647LL,
	    NULL, "-1" },
	FLD_REF("default_tls_container_ref", 0),
	{ "sni_container_refs", FT_STRLIST, F_R | F_C | F_U | F_S | F_NOSORT,
	    0, 255, NULL, "[]" },
	{ "default_pool_id", FT_UUID, F_R | F_C | F_U | F_S },
	{ "default_pool", FT_JSON, F_GRAPH | F_NOSORT },
	{ "l7policies", FT_REFLIST, F_R | F_GRAPH | F_NOSORT },
	{ "insert_headers", FT_DICT, F_R | F_C | F_U | F_S | F_NOSORT, 0, 255,
	    NULL, "{}" },
	{ "timeout_client_data", FT_INT, F_R | F_C | F_U | F_S, 0, MAXTIMEOUT },
	{ "timeout_member_connect", FT_INT, F_R | F_C | F_U | F_S, 0,
	    MAXTIMEOUT },
	{ "timeout_member_data", FT_INT, F_R | F_C | F_U | F_S, 0, MAXTIMEOUT },
	{ "timeout_tcp_inspect", FT_INT, F_R | F_C | F_U | F_S, 0, MAXTIMEOUT },
	FLD_REF("client_ca_tls_container_ref", 0),
	{ "client_authentication", FT_ENUM, F_R | F_C | F_U | F_S, 0, 0,
	    model_client_auth_modes, "\"NONE\"" },
	FLD_REF("client_crl_container_ref", 0),
	{ "allowed_cidrs", FT_CIDRLIST, F_R | F_C | F_U | F_S | F_NOSORT },
	FLD_TLS_CIPHERS, FLD_TLS_VERSIONS, FLD_ALPN,
	{ "hsts_max_age", FT_INT, F_R | F_C | F_U | F_S, 0, 2147483647LL },
	{ "hsts_include_subdomains", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0,
	    NULL, "false" },
	{ "hsts_preload", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL,
	    "false" },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field pool_fields[] = {
	FLD_ID, FLD_NAME, FLD_DESC, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "protocol", FT_ENUM, F_R | F_C | F_M | F_S, 0, 0,
	    model_pool_protocols },
	{ "lb_algorithm", FT_ENUM, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0,
	    0, model_lb_algorithms },
	{ "loadbalancer_id", FT_UUID, F_C | F_S | F_FILTER, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	{ "listener_id", FT_UUID, F_C | F_NOSORT },
	{ "session_persistence", FT_JSON, F_R | F_C | F_U | F_S | F_NOSORT },
	{ "healthmonitor", FT_JSON, F_GRAPH | F_NOSORT },
	{ "healthmonitor_id", FT_UUID, F_R | F_NOSORT },
	{ "members", FT_REFLIST, F_R | F_GRAPH | F_NOSORT },
	{ "listeners", FT_REFLIST, F_R | F_NOSORT },
	{ "loadbalancers", FT_REFLIST, F_R | F_NOSORT },
	{ "tls_enabled", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "false" },
	FLD_REF("tls_container_ref", 0),
	FLD_REF("ca_tls_container_ref", 0),
	FLD_REF("crl_container_ref", 0),
	FLD_TLS_CIPHERS, FLD_TLS_VERSIONS, FLD_ALPN,
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field member_fields[] = {
	FLD_ID, FLD_NAME, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "address", FT_IP, F_R | F_C | F_M | F_S },
	{ "protocol_port", FT_INT, F_R | F_C | F_M | F_S, 1, 65535 },
	{ "weight", FT_INT, F_R | F_C | F_U | F_S, 0, 256, NULL, "1" },
	{ "backup", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "false" },
	{ "subnet_id", FT_UUID, F_R | F_C | F_S },
	{ "monitor_address", FT_IP, F_R | F_C | F_U | F_S },
	{ "monitor_port", FT_INT, F_R | F_C | F_U | F_S, 1, 65535 },
	{ "request_sriov", FT_BOOL, F_C | F_NOSORT, 0, 0, NULL, "false" },
	{ "vnic_type", FT_STRING, F_R | F_S, 0, 64, NULL, "\"normal\"" },
	{ "pool_id", FT_UUID, F_S | F_FILTER },
	{ "loadbalancer_id", FT_UUID, F_S | F_NOSORT, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field hm_fields[] = {
	FLD_ID, FLD_NAME, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "type", FT_ENUM, F_R | F_C | F_M | F_S, 0, 0, model_hm_types, NULL,
	    "hm_type" },
	{ "pool_id", FT_UUID, F_C | F_M | F_S | F_FILTER },
	{ "pools", FT_REFLIST, F_R | F_NOSORT },
	{ "delay", FT_INT, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0,
	    2147483647LL },
	{ "timeout", FT_INT, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0,
	    2147483647LL },
	{ "max_retries", FT_INT, F_R | F_C | F_U | F_M | F_S | F_NONULL, 1,
	    10 },
	{ "max_retries_down", FT_INT, F_R | F_C | F_U | F_S, 1, 10, NULL,
	    "3" },
	{ "http_method", FT_ENUM, F_R | F_C | F_U | F_S, 0, 0,
	    model_http_methods },
	{ "url_path", FT_STRING, F_R | F_C | F_U | F_S, 0, 2048 },
	{ "expected_codes", FT_STRING, F_R | F_C | F_U | F_S, 0, 64 },
	{ "http_version", FT_FLOAT, F_R | F_C | F_U | F_S },
	{ "domain_name", FT_STRING, F_R | F_C | F_U | F_S, 1, 255 },
	{ "loadbalancer_id", FT_UUID, F_S | F_NOSORT, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field l7policy_fields[] = {
	FLD_ID, FLD_NAME, FLD_DESC, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "listener_id", FT_UUID, F_R | F_C | F_M | F_S },
	{ "action", FT_ENUM, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 0,
	    model_l7_actions },
	{ "redirect_pool_id", FT_UUID, F_R | F_C | F_U | F_S },
	{ "redirect_pool", FT_JSON, F_GRAPH | F_NOSORT },
	{ "redirect_url", FT_STRING, F_R | F_C | F_U | F_S, 0, 255 },
	{ "redirect_prefix", FT_STRING, F_R | F_C | F_U | F_S, 0, 255 },
	{ "redirect_http_code", FT_INT, F_R | F_C | F_U | F_S, 0, 999 },
	{ "position", FT_INT, F_R | F_C | F_U | F_S, 1, 2147483647LL },
	{ "rules", FT_REFLIST, F_R | F_C | F_NOSORT },
	{ "loadbalancer_id", FT_UUID, F_S | F_NOSORT, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field l7rule_fields[] = {
	FLD_ID, FLD_ADMIN, FLD_PROJECT, FLD_PROV, FLD_OPER,
	{ "type", FT_ENUM, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 0,
	    model_l7rule_types, NULL, "rule_type" },
	{ "compare_type", FT_ENUM, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0,
	    0, model_l7rule_compare_types },
	{ "key", FT_STRING, F_R | F_C | F_U | F_S, 0, 255, NULL, NULL,
	    "rule_key" },
	{ "value", FT_STRING, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255,
	    NULL, NULL, "rule_value" },
	{ "invert", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "false" },
	{ "l7policy_id", FT_UUID, F_S | F_FILTER },
	{ "loadbalancer_id", FT_UUID, F_S | F_NOSORT, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	FLD_TAGS, FLD_CREATED, FLD_UPDATED,
};

static const struct field amphora_fields[] = {
	FLD_ID,
	{ "loadbalancer_id", FT_UUID, F_R | F_S, 0, 0, NULL, NULL,
	    "load_balancer_id" },
	{ "compute_id", FT_STRING, F_R | F_S, 0, 36 },
	{ "lb_network_ip", FT_STRING, F_R | F_S, 0, 64 },
	{ "vrrp_ip", FT_STRING, F_R | F_S, 0, 64 },
	{ "ha_ip", FT_STRING, F_R | F_S, 0, 64 },
	{ "vrrp_port_id", FT_STRING, F_R | F_S, 0, 36 },
	{ "ha_port_id", FT_STRING, F_R | F_S, 0, 36 },
	{ "cert_expiration", FT_TIME, F_R | F_S },
	{ "cert_busy", FT_BOOL, F_R | F_S, 0, 0, NULL, "false" },
	{ "role", FT_STRING, F_R | F_S, 0, 36 },
	{ "status", FT_STRING, F_R | F_S, 0, 36 },
	{ "vrrp_interface", FT_STRING, F_R | F_S, 0, 16 },
	{ "vrrp_id", FT_INT, F_R | F_S },
	{ "vrrp_priority", FT_INT, F_R | F_S },
	{ "cached_zone", FT_STRING, F_R | F_S, 0, 255 },
	FLD_CREATED, FLD_UPDATED,
	{ "image_id", FT_STRING, F_R | F_S, 0, 36 },
	{ "compute_flavor", FT_STRING, F_R | F_S, 0, 255 },
};

static const struct field flavor_fields[] = {
	FLD_ID,
	{ "name", FT_STRING, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255 },
	FLD_DESC,
	{ "enabled", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "true" },
	{ "flavor_profile_id", FT_UUID, F_R | F_C | F_M | F_S },
};

static const struct field flavorprofile_fields[] = {
	FLD_ID,
	{ "name", FT_STRING, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255 },
	{ "provider_name", FT_STRING,
	    F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255 },
	{ "flavor_data", FT_STRING, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0,
	    4096 },
};

static const struct field az_fields[] = {
	{ "name", FT_STRING, F_R | F_C | F_M | F_S | F_NONULL, 0, 255 },
	FLD_DESC,
	{ "enabled", FT_BOOL, F_R | F_C | F_U | F_S, 0, 0, NULL, "true" },
	{ "availability_zone_profile_id", FT_UUID, F_R | F_C | F_M | F_S },
};

static const struct field azprofile_fields[] = {
	FLD_ID,
	{ "name", FT_STRING, F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255 },
	{ "provider_name", FT_STRING,
	    F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 255 },
	{ "availability_zone_data", FT_STRING,
	    F_R | F_C | F_U | F_M | F_S | F_NONULL, 0, 4096 },
};

#define QUOTA_FIELD(n)                                                  \
	{ n, FT_INT, F_R | F_U | F_S, -1, 2000000000LL }
/* loadbalancer / healthmonitor: the list's second spelling (view.c). */
static const struct field quota_fields[] = {
	{ "project_id", FT_STRING, F_R | F_S, 0, 36 },
	{ "loadbalancer", FT_INT, F_R | F_NOSORT },
	QUOTA_FIELD("load_balancer"), QUOTA_FIELD("listener"),
	QUOTA_FIELD("member"), QUOTA_FIELD("pool"),
	{ "healthmonitor", FT_INT, F_R | F_NOSORT },
	QUOTA_FIELD("health_monitor"), QUOTA_FIELD("l7policy"),
	QUOTA_FIELD("l7rule"),
};

#define RESOURCE(k, nm, pl, lk, tb, disp, key, fl, soft, st)           \
	static const struct resource res_##nm = { k, #nm, pl, lk, tb,  \
		disp, key, fl, N(fl), soft, st }

RESOURCE(RES_LOADBALANCER, loadbalancer, "loadbalancers",
    "loadbalancers_links", "load_balancer", "Load Balancer", "id",
    lb_fields, true, true);
RESOURCE(RES_LISTENER, listener, "listeners", "listeners_links", "listener",
    "Listener", "id", listener_fields, false, true);
RESOURCE(RES_POOL, pool, "pools", "pools_links", "pool", "Pool", "id",
    pool_fields, false, true);
RESOURCE(RES_MEMBER, member, "members", "members_links", "member", "Member",
    "id", member_fields, false, true);
RESOURCE(RES_HEALTHMONITOR, healthmonitor, "healthmonitors",
    "healthmonitors_links", "health_monitor", "Health Monitor", "id",
    hm_fields, false, true);
RESOURCE(RES_L7POLICY, l7policy, "l7policies", "l7policies_links",
    "l7policy", "L7 Policy", "id", l7policy_fields, false, true);
RESOURCE(RES_L7RULE, rule, "rules", "rules_links", "l7rule", "L7 Rule",
    "id", l7rule_fields, false, true);
RESOURCE(RES_AMPHORA, amphora, "amphorae", "amphorae_links", "amphora",
    "Amphora", "id", amphora_fields, true, false);
RESOURCE(RES_FLAVOR, flavor, "flavors", "flavors_links", "flavor", "Flavor",
    "id", flavor_fields, false, false);
RESOURCE(RES_FLAVORPROFILE, flavorprofile, "flavorprofiles",
    "flavorprofile_links", "flavor_profile", "Flavor profile", "id",
    flavorprofile_fields, false, false);
RESOURCE(RES_AZ, availability_zone, "availability_zones",
    "availability_zones_links", "availability_zone", "Availability Zone",
    "name", az_fields, false, false);
RESOURCE(RES_AZPROFILE, availability_zone_profile,
    "availability_zone_profiles", "availability_zone_profile_links",
    "availability_zone_profile", "Availability Zone Profile", "id",
    azprofile_fields, false, false);
RESOURCE(RES_QUOTA, quota, "quotas", "quotas_links", "quotas", "Quota",
    "project_id", quota_fields, false, false);

const struct resource *const model_resources[RES__COUNT] = {
	[RES_LOADBALANCER] = &res_loadbalancer,
	[RES_LISTENER] = &res_listener,
	[RES_POOL] = &res_pool,
	[RES_MEMBER] = &res_member,
	[RES_HEALTHMONITOR] = &res_healthmonitor,
	[RES_L7POLICY] = &res_l7policy,
	[RES_L7RULE] = &res_rule,
	[RES_AMPHORA] = &res_amphora,
	[RES_FLAVOR] = &res_flavor,
	[RES_FLAVORPROFILE] = &res_flavorprofile,
	[RES_AZ] = &res_availability_zone,
	[RES_AZPROFILE] = &res_availability_zone_profile,
	[RES_QUOTA] = &res_quota,
};

const struct resource *
model_resource(enum resource_kind kind)
{
	return model_resources[kind];
}

const struct field *
model_field(const struct resource *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i];
	return NULL;
}

const char *
model_col(const struct field *f)
{
	return f->col ? f->col : f->name;
}

bool
model_enum_has(const char *const *list, const char *s)
{
	if (list == NULL || s == NULL)
		return false;
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}
