/*
 * res_listener.c - /listeners: create, show, list, update, delete and
 * statistics, the create checks shared with single-call graph create
 * (api_listener_prepare), and the TLS setting checks listeners and pools
 * share.  Runs on the API role's event loop, inside the request's
 * transaction.
 *
 * The checks follow Octavia's listener controller in its order: defaults
 * and the default pool before the load balancer is locked, the cross-field
 * rules after it, so that the error a client sees first is the same.
 * Certificate references are fetched from the secrets backend and checked
 * where Octavia does (api_check_tls_refs, api_check_ca_crl_refs in
 * tls_refs.c), after the presence and combination rules.
 *
 * api_listener_prepare() reads the database for the default pool and for
 * port conflicts, so a graph create must insert its pools and the
 * listeners before this one first (it does, as Octavia).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

#define LISTENER model_resource(RES_LISTENER)
#define LB model_resource(RES_LOADBALANCER)
#define POOL model_resource(RES_POOL)
#define L7POLICY model_resource(RES_L7POLICY)

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

/* ---- shared TLS checks ---- */

bool
api_truthy(json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	return true;
}

/* Items of `s` between `sep`; empty items are kept when `keep_empty`. */
static json_t *
split(const char *s, char sep, bool keep_empty, bool trim)
{
	json_t *out = json_array();
	const char *p = s;

	while (p) {
		const char *e = strchr(p, sep);
		const char *a = p, *z = e ? e : p + strlen(p);

		if (trim) {
			while (a < z && isspace((unsigned char)*a))
				a++;
			while (z > a && isspace((unsigned char)z[-1]))
				z--;
		}
		if (z > a || keep_empty)
			json_array_append_new(out, json_stringn(a,
			    (size_t)(z - a)));
		p = e ? e + 1 : NULL;
	}
	return out;
}

json_t *
api_cfg_list(const char *csv)
{
	return split(csv ? csv : "", ',', false, true);
}

/* "a, b" of a list of strings. */
static void
join(struct buf *b, json_t *list)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		buf_printf(b, "%s%s", i ? ", " : "", json_string_value(v));
}

int
api_check_ciphers(struct api_req *r, const char *ciphers)
{
	static const char punct[] = "-+!:@=_.";
	json_t *have, *banned, *rejected, *c, *x;
	struct buf b;
	const char *p;
	size_t i, j;
	int e = 0;

	/* ^[A-Za-z0-9\-+!:@=_.]+\Z */
	for (p = ciphers; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch >= 0x80 || (!isalnum(ch) && strchr(punct, ch) == NULL))
			break;
	}
	if (*ciphers == '\0' || *p != '\0')
		return api_fail(r, OCTA_EINVAL, "Validation failure: Invalid "
		    "characters in cipher string. Only alphanumeric, -, +, !, "
		    ":, @, =, _, and . are allowed.");
	have = split(ciphers, ':', true, false);
	banned = split(cfg.api_settings_tls_cipher_prohibit_list, ':', true,
	    false);
	rejected = json_array();
	json_array_foreach(have, i, c)
		json_array_foreach(banned, j, x)
			if (json_equal(c, x)) {
				json_array_append(rejected, c);
				break;
			}
	if (json_array_size(rejected)) {
		buf_init(&b, 16384);
		join(&b, rejected);
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The "
		    "following ciphers have been prohibited by an "
		    "administrator: %s", buf_str(&b));
		buf_free(&b);
	}
	json_decref(have);
	json_decref(banned);
	json_decref(rejected);
	return e;
}

static int
enum_index(const char *const *list, const char *s)
{
	int i;

	for (i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

int
api_check_tls_versions(struct api_req *r, json_t *versions)
{
	const char *min = cfg.api_settings_minimum_tls_version;
	json_t *bad = json_array(), *v;
	struct buf b;
	size_t i;
	int e = 0, floor;

	buf_init(&b, 4096);
	if (versions == NULL || json_is_null(versions))
		goto out;
	if (json_array_size(versions) == 0) {
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Empty TLS "
		    "version list. Either specify at least one TLS version or "
		    "remove this parameter to use the default.");
		goto out;
	}
	json_array_foreach(versions, i, v)
		if (enum_index(model_tls_versions, json_string_value(v)) < 0)
			json_array_append(bad, v);
	if (json_array_size(bad)) {
		join(&b, bad);
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Invalid TLS "
		    "versions: %s", buf_str(&b));
		goto out;
	}
	if (min == NULL || *min == '\0' ||
	    (floor = enum_index(model_tls_versions, min)) < 0)
		goto out;
	json_array_foreach(versions, i, v)
		if (enum_index(model_tls_versions,
		    json_string_value(v)) < floor)
			json_array_append(bad, v);
	if (json_array_size(bad)) {
		join(&b, bad);
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Requested "
		    "TLS versions are less than the minimum: %s < %s",
		    buf_str(&b), min);
	}
out:
	buf_free(&b);
	json_decref(bad);
	return e;
}

int
api_check_alpn(struct api_req *r, json_t *protocols)
{
	json_t *bad, *v;
	struct buf b;
	size_t i;
	int e = 0;

	if (protocols == NULL || json_is_null(protocols))
		return 0;
	if (json_array_size(protocols) == 0)
		return api_fail(r, OCTA_EINVAL, "Validation failure: Empty "
		    "ALPN protocol list. Either specify at least one ALPN "
		    "protocol or remove this parameter to use the default.");
	bad = json_array();
	json_array_foreach(protocols, i, v)
		if (!model_enum_has(model_alpn_protocols, json_string_value(v)))
			json_array_append(bad, v);
	if (json_array_size(bad)) {
		buf_init(&b, 4096);
		join(&b, bad);
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Invalid ALPN "
		    "protocol: %s", buf_str(&b));
		buf_free(&b);
	}
	json_decref(bad);
	return e;
}

/* ---- listener checks ---- */

/* Python's repr() of a list of strings, as Octavia's messages show it. */
static void
py_list(struct buf *b, json_t *list)
{
	json_t *v;
	size_t i;

	buf_addc(b, '[');
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v), *p;
		char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

		buf_printf(b, "%s%c", i ? ", " : "", q);
		for (p = s; *p; p++) {
			if (*p == '\\' || *p == q)
				buf_printf(b, "\\%c", *p);
			else if ((unsigned char)*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\x%02x", (unsigned char)*p);
			else
				buf_addc(b, *p);
		}
		buf_addc(b, q);
	}
	buf_addc(b, ']');
}

static const char *
l4_of(const char *proto)
{
	if (streq(proto, "UDP") || streq(proto, "SCTP"))
		return proto;
	return "TCP";
}

/* A certificate reference, as Octavia's _has_tls_container_refs sees it. */
static bool
has_tls_refs(json_t *l)
{
	return api_truthy(json_object_get(l, "default_tls_container_ref")) ||
	    api_truthy(json_object_get(l, "sni_container_refs"));
}

/* `create` renders the key list as Python's dict_keys([...]). */
static int
check_insert_headers(struct api_req *r, json_t *hdrs, const char *proto,
    bool create)
{
	json_t *keys = json_array(), *ssl = json_array(), *v;
	bool bad = false;
	const char *k;
	struct buf b;
	int e = 0;

	buf_init(&b, 16384);
	if (!streq(proto, "HTTP") && !streq(proto, "TERMINATED_HTTPS")) {
		e = api_fail(r, OCTA_EINVAL, "insert-headers is not a valid "
		    "option for a %s protocol listener.", proto);
		goto out;
	}
	json_object_foreach(hdrs, k, v) {
		json_array_append_new(keys, json_string(k));
		if (model_enum_has(model_insert_headers_ssl, k))
			json_array_append_new(ssl, json_string(k));
		else if (!model_enum_has(model_insert_headers, k))
			bad = true;
	}
	if (bad) {
		if (create)
			buf_adds(&b, "dict_keys(");
		py_list(&b, keys);
		if (create)
			buf_addc(&b, ')');
		e = api_fail(r, OCTA_EINVAL, "%s is not a valid option for "
		    "insert_headers", buf_str(&b));
		goto out;
	}
	if (json_array_size(ssl) && !streq(proto, "TERMINATED_HTTPS")) {
		py_list(&b, ssl);
		e = api_fail(r, OCTA_EINVAL, "%s is not a valid option for %s "
		    "protocol listener.", buf_str(&b), proto);
	}
out:
	buf_free(&b);
	json_decref(keys);
	json_decref(ssl);
	return e;
}

/* Each CIDR's family must match one of the LB's VIPs. */
static int
check_cidrs(struct api_req *r, json_t *lb, json_t *cidrs)
{
	json_t *vips, *v;
	struct buf b;
	size_t i, j;
	int e = 0;

	if (json_array_size(cidrs) &&
	    json_array_size(json_object_get(lb, "vip_sg_ids")))
		return api_fail(r, OCTA_EINVAL, "Validation failure: Allowed "
		    "CIDRs are not allowed when using custom VIP Security "
		    "Groups.");
	vips = json_array();
	if (sget(lb, "vip_address"))
		json_array_append(vips, json_object_get(lb, "vip_address"));
	json_array_foreach(json_object_get(lb, "additional_vips"), i, v)
		if (sget(v, "ip_address"))
			json_array_append(vips, json_object_get(v,
			    "ip_address"));
	json_array_foreach(cidrs, i, v) {
		char norm[128];
		int fam = 0, vf;
		json_t *vip;
		bool ok = false;

		if (!cidr_normalise(json_string_value(v), norm, sizeof(norm),
		    &fam))
			continue;
		json_array_foreach(vips, j, vip)
			if (ip_valid(json_string_value(vip), &vf) && vf == fam)
				ok = true;
		if (!ok) {
			buf_init(&b, 16384);
			py_list(&b, vips);
			e = api_fail(r, OCTA_EINVAL, "Validation failure: CIDR "
			    "%s IP version incompatible with all VIPs %s IP "
			    "version.", json_string_value(v), buf_str(&b));
			buf_free(&b);
			break;
		}
	}
	json_decref(vips);
	return e;
}

/* Drops repeated CIDRs, keeping the first (Octavia stores a set). */
static void
dedup_cidrs(json_t *l)
{
	json_t *in = json_object_get(l, "allowed_cidrs"), *out, *v, *w;
	size_t i, j;

	if (!json_is_array(in))
		return;
	out = json_array();
	json_array_foreach(in, i, v) {
		bool seen = false;

		json_array_foreach(out, j, w)
			if (json_equal(v, w))
				seen = true;
		if (!seen)
			json_array_append(out, v);
	}
	json_object_set_new(l, "allowed_cidrs", out);
}

/* A default pool: same LB, compatible protocol (404 / 400 otherwise). */
static int
check_default_pool(struct api_req *r, const char *lb_id, const char *pool_id,
    const char *proto)
{
	json_t *rows = NULL;
	const char *pp;
	int e;

	if (streq(proto, "PROMETHEUS"))
		return api_fail(r, OCTA_EINVAL, "Protocol %s listeners cannot "
		    "have child objects.", proto);
	if ((e = repo_select(r->db, POOL, "id = ? AND load_balancer_id = ?",
	    json_pack("[ss]", pool_id, lb_id ? lb_id : ""), NULL, &rows)) < 0)
		return api_fail(r, e, "Database error.");
	if (json_array_size(rows) == 0) {
		e = api_not_found(r, POOL, pool_id);
		goto out;
	}
	pp = sget(json_array_get(rows, 0), "protocol");
	if (!api_protocols_compatible(proto, pp))
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The pool "
		    "protocol '%s' is invalid while the listener protocol is "
		    "'%s'.", pp ? pp : "None", proto);
out:
	json_decref(rows);
	return e;
}

/* 409 if another listener of the LB uses the port in the same L4 family. */
static int
check_port(struct api_req *r, json_t *l)
{
	const char *proto = sget(l, "protocol");
	json_t *rows = NULL, *row;
	size_t i;
	int e;

	e = db_query(r->db, "SELECT protocol FROM listener WHERE "
	    "load_balancer_id = ? AND protocol_port = ? AND id <> ?",
	    json_pack("[sOs]", sget(l, "loadbalancer_id"),
	    json_object_get(l, "protocol_port"), sget(l, "id")), &rows);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	json_array_foreach(rows, i, row) {
		const char *other = sget(row, "protocol");

		if (other && strcmp(l4_of(other), l4_of(proto)) == 0) {
			e = api_fail(r, OCTA_ECONFLICT, "Another Listener on "
			    "this Load Balancer is already using protocol %s "
			    "and protocol_port %lld", other, (long long)
			    json_integer_value(json_object_get(l,
			    "protocol_port")));
			break;
		}
	}
	json_decref(rows);
	return e;
}

static void
default_int(json_t *o, const char *k, long long v)
{
	if (!json_is_integer(json_object_get(o, k)))
		json_object_set_new(o, k, json_integer(v));
}

static void
default_value(json_t *o, const char *k, json_t *v)
{
	if (json_object_get(o, k) == NULL || json_is_null(json_object_get(o,
	    k)))
		json_object_set_new(o, k, v);
	else
		json_decref(v);
}

/*
 * Create, part one (db_prepare.create_listener and the default pool):
 * defaults, parent columns, new-row bookkeeping.
 */
static int
listener_head(struct api_req *r, json_t *lb, json_t *l)
{
	const char *proto = sget(l, "protocol");
	const char *pool_id = sget(l, "default_pool_id");
	int e;

	if (streq(proto, "TERMINATED_HTTPS")) {
		default_value(l, "tls_ciphers", json_string(
		    cfg.api_settings_default_listener_ciphers));
		default_value(l, "tls_versions", api_cfg_list(
		    cfg.api_settings_default_listener_tls_versions));
		default_value(l, "alpn_protocols", api_cfg_list(
		    cfg.api_settings_default_listener_alpn_protocols));
	}
	default_value(l, "client_authentication", json_string("NONE"));
	default_int(l, "timeout_client_data",
	    cfg.haproxy_amphora_timeout_client_data);
	default_int(l, "timeout_member_connect",
	    cfg.haproxy_amphora_timeout_member_connect);
	default_int(l, "timeout_member_data",
	    cfg.haproxy_amphora_timeout_member_data);
	default_int(l, "timeout_tcp_inspect",
	    cfg.haproxy_amphora_timeout_tcp_inspect);
	default_value(l, "sni_container_refs", json_array());
	default_value(l, "insert_headers", json_object());
	dedup_cidrs(l);
	if (pool_id && (e = check_default_pool(r, sget(lb, "id"), pool_id,
	    proto)) < 0)
		return e;
	json_object_set(l, "loadbalancer_id", json_object_get(lb, "id"));
	api_new_row(r, LISTENER, l, sget(lb, "project_id"));
	return 0;
}

/* Create, part two: Octavia's _validate_create_listener, in its order. */
static int
listener_rules(struct api_req *r, json_t *lb, json_t *l)
{
	const char *proto = sget(l, "protocol");
	const char *auth = sget(l, "client_authentication");
	bool refs = has_tls_refs(l);
	bool offload = streq(proto, "TERMINATED_HTTPS") ||
	    (streq(proto, "PROMETHEUS") && refs);
	bool ca = api_truthy(json_object_get(l,
	    "client_ca_tls_container_ref"));
	json_t *hdrs = json_object_get(l, "insert_headers");
	json_t *age;
	int e;

	if (api_truthy(hdrs) && (e = check_insert_headers(r, hdrs, proto,
	    true)) < 0)
		return e;
	if ((streq(proto, "UDP") || streq(proto, "SCTP")) &&
	    (refs || api_truthy(hdrs)))
		return api_fail(r, OCTA_EINVAL, "Validation failure: %s "
		    "protocol listener does not support TLS.", proto);
	if (!cfg.api_settings_allow_tls_terminated_listeners && offload)
		return api_fail(r, OCTA_EINVAL, "The selected protocol is not "
		    "allowed in this deployment: %s%s", proto,
		    streq(proto, "PROMETHEUS") ? " with TLS" : "");
	if (!cfg.api_settings_allow_prometheus_listeners &&
	    streq(proto, "PROMETHEUS"))
		return api_fail(r, OCTA_EINVAL, "The selected protocol is not "
		    "allowed in this deployment: PROMETHEUS");
	if (!offload && refs)
		return api_fail(r, OCTA_EINVAL, "Validation failure: "
		    "Certificate container references are not allowed on %s "
		    "protocol listeners.", proto);
	if (ca && !refs)
		return api_fail(r, OCTA_EINVAL, "Validation failure: An SNI or "
		    "default certificate container reference must be provided "
		    "with a client CA container reference.");
	if (offload && !refs)
		return api_fail(r, OCTA_EINVAL, "Validation failure: An SNI or "
		    "default certificate container reference must be provided "
		    "for %s%s protocol listeners.", proto,
		    streq(proto, "PROMETHEUS") ? " with TLS" : "");
	if (!streq(auth, "NONE") && !ca)
		return api_fail(r, OCTA_EINVAL, "Validation failure: Client "
		    "authentication setting %s requires a client CA container "
		    "reference.", auth ? auth : "None");
	if (api_truthy(json_object_get(l, "client_crl_container_ref")) && !ca)
		return api_fail(r, OCTA_EINVAL, "Validation failure: A client "
		    "authentication CA reference is required to specify a "
		    "client authentication revocation list.");
	if (api_truthy(json_object_get(l, "tls_ciphers")) &&
	    (e = api_check_ciphers(r, sget(l, "tls_ciphers"))) < 0)
		return e;
	if ((e = api_check_tls_refs(r, json_object_get(l,
	    "sni_container_refs"), sget(l, "default_tls_container_ref"))) < 0 ||
	    (e = api_check_ca_crl_refs(r, sget(l,
	    "client_ca_tls_container_ref"), sget(l,
	    "client_crl_container_ref"))) < 0)
		return e;
	if ((e = check_port(r, l)) < 0)
		return e;
	if ((e = check_cidrs(r, lb, json_object_get(l, "allowed_cidrs"))) < 0)
		return e;
	if (offload && ((e = api_check_tls_versions(r, json_object_get(l,
	    "tls_versions"))) < 0 || (e = api_check_alpn(r,
	    json_object_get(l, "alpn_protocols"))) < 0))
		return e;
	age = json_object_get(l, "hsts_max_age");
	if ((api_truthy(json_object_get(l, "hsts_include_subdomains")) ||
	    api_truthy(json_object_get(l, "hsts_preload"))) &&
	    !json_is_integer(age))
		return api_fail(r, OCTA_EINVAL, "Validation failure: HSTS "
		    "configuration options hsts_include_subdomains and "
		    "hsts_preload only make sense if hsts_max_age is set as "
		    "well.");
	if (json_is_integer(age) && !streq(proto, "TERMINATED_HTTPS"))
		return api_fail(r, OCTA_EINVAL, "Validation failure: The HSTS "
		    "feature can only be used for listeners using the "
		    "TERMINATED_HTTPS protocol.");
	return 0;
}

int
api_listener_prepare(struct api_req *r, json_t *lb, json_t *listener)
{
	int e;

	if ((e = listener_head(r, lb, listener)) < 0)
		return e;
	return listener_rules(r, lb, listener);
}

/* ---- handlers ---- */

static int
insert_failed(struct api_req *r, int e)
{
	return api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity with "
	    "that specified id." : "Database error.");
}

static int
listener_post(struct api_req *r)
{
	json_t *in, *l = NULL, *lb = NULL, *out = NULL;
	const char *lb_id;
	int e;

	if ((e = api_body_root(r, "listener", &in)) < 0)
		return e;
	if ((e = api_validate(r, LISTENER, in, OP_CREATE, &l)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = api_load(r, LB, sget(l, "loadbalancer_id"), &lb)) < 0)
		goto out;
	lb_id = sget(lb, "id");
	if ((e = api_quota(r, sget(lb, "project_id"), Q_LISTENER, 1)) < 0 ||
	    (e = listener_head(r, lb, l)) < 0 ||
	    (e = api_lock_lb(r, lb_id)) < 0 ||
	    (e = listener_rules(r, lb, l)) < 0)
		goto out;
	if ((e = repo_insert(r->db, LISTENER, l)) < 0) {
		e = insert_failed(r, e);
		goto out;
	}
	if ((e = api_submit(r, "listener.create", sget(l, "id"), lb_id,
	    NULL)) < 0)
		goto out;
	if ((e = api_load(r, LISTENER, sget(l, "id"), &out)) < 0)
		goto out;
	api_reply_obj(r, 201, LISTENER, out);
out:
	json_decref(l);
	json_decref(lb);
	json_decref(out);
	return e;
}

static int
listener_get_one(struct api_req *r)
{
	json_t *l;
	int e;

	if ((e = api_load(r, LISTENER, r->args[0], &l)) < 0)
		return e;
	api_reply_obj(r, 200, LISTENER, l);
	json_decref(l);
	return 0;
}

static int
listener_get_all(struct api_req *r)
{
	return api_list(r, LISTENER, NULL, NULL);
}

/* Octavia's _validate_listener_PUT: the changes against the stored row. */
static int
listener_put_checks(struct api_req *r, json_t *lb, json_t *old, json_t *ch)
{
	const char *proto = sget(old, "protocol");
	bool refs = has_tls_refs(ch);
	bool offload = streq(proto, "TERMINATED_HTTPS") ||
	    (streq(proto, "PROMETHEUS") && refs);
	json_t *hdrs = json_object_get(ch, "insert_headers");
	json_t *auth = json_object_get(ch, "client_authentication");
	json_t *ca = json_object_get(ch, "client_ca_tls_container_ref");
	json_t *crl = json_object_get(ch, "client_crl_container_ref");
	json_t *age = json_object_get(ch, "hsts_max_age");
	bool have_ca, have_crl, no_age;
	int e;

	if ((streq(proto, "UDP") || streq(proto, "SCTP")) &&
	    (refs || api_truthy(hdrs)))
		return api_fail(r, OCTA_EINVAL, "Validation failure: %s "
		    "protocol listener does not support TLS or header "
		    "insertion.", proto);
	if (!offload && refs)
		return api_fail(r, OCTA_EINVAL, "Validation failure: "
		    "Certificate container references are not allowed on %s "
		    "protocol listeners.", proto);
	if (auth && !streq(json_string_value(auth), "NONE") &&
	    !api_truthy(json_object_get(old, "client_ca_tls_container_ref")) &&
	    !api_truthy(ca))
		return api_fail(r, OCTA_EINVAL, "Validation failure: Client "
		    "authentication setting %s requires a client CA container "
		    "reference.", json_is_string(auth) ?
		    json_string_value(auth) : "None");
	if (api_truthy(hdrs) && (e = check_insert_headers(r, hdrs, proto,
	    false)) < 0)
		return e;
	if ((e = api_check_tls_refs(r, json_object_get(ch,
	    "sni_container_refs"), sget(ch, "default_tls_container_ref"))) < 0)
		return e;
	have_ca = api_truthy(ca) || api_truthy(json_object_get(old,
	    "client_ca_tls_container_ref"));
	have_crl = api_truthy(crl) || api_truthy(json_object_get(old,
	    "client_crl_container_ref"));
	if (have_crl && !have_ca)
		return api_fail(r, OCTA_EINVAL, "Validation failure: A client "
		    "authentication CA reference is required to specify a "
		    "client authentication revocation list.");
	/* A reference left out (or null) is the stored one, as Octavia. */
	if ((e = api_check_ca_crl_refs(r, api_truthy(ca) ?
	    json_string_value(ca) : sget(old, "client_ca_tls_container_ref"),
	    api_truthy(crl) ? json_string_value(crl) : sget(old,
	    "client_crl_container_ref"))) < 0)
		return e;
	if (api_truthy(json_object_get(ch, "allowed_cidrs")) &&
	    (e = check_cidrs(r, lb, json_object_get(ch, "allowed_cidrs"))) < 0)
		return e;
	if (api_truthy(json_object_get(ch, "tls_ciphers")) &&
	    (e = api_check_ciphers(r, sget(ch, "tls_ciphers"))) < 0)
		return e;
	if (json_object_get(ch, "tls_versions") &&
	    (e = api_check_tls_versions(r, json_object_get(ch,
	    "tls_versions"))) < 0)
		return e;
	if (json_object_get(ch, "alpn_protocols") &&
	    (e = api_check_alpn(r, json_object_get(ch, "alpn_protocols"))) < 0)
		return e;
	no_age = !json_is_integer(json_object_get(old, "hsts_max_age")) &&
	    !json_is_integer(age);
	if ((api_truthy(json_object_get(ch, "hsts_include_subdomains")) ||
	    api_truthy(json_object_get(ch, "hsts_preload"))) && no_age)
		return api_fail(r, OCTA_EINVAL, "Validation failure: Cannot "
		    "enable hsts_include_subdomains or hsts_preload if "
		    "hsts_max_age was not set as well.");
	if (json_is_integer(age) && !streq(proto, "TERMINATED_HTTPS"))
		return api_fail(r, OCTA_EINVAL, "Validation failure: The HSTS "
		    "feature can only be used for listeners using the "
		    "TERMINATED_HTTPS protocol.");
	return 0;
}

/* PUT null: back to the defaults (contract 1.10). */
static void
reset(json_t *ch, const char *k, json_t *v)
{
	if (json_is_null(json_object_get(ch, k)))
		json_object_set_new(ch, k, v);
	else
		json_decref(v);
}

static void
listener_put_defaults(json_t *ch)
{
	reset(ch, "connection_limit", json_integer(-1));
	reset(ch, "timeout_client_data", json_integer(
	    cfg.haproxy_amphora_timeout_client_data));
	reset(ch, "timeout_member_connect", json_integer(
	    cfg.haproxy_amphora_timeout_member_connect));
	reset(ch, "timeout_member_data", json_integer(
	    cfg.haproxy_amphora_timeout_member_data));
	reset(ch, "timeout_tcp_inspect", json_integer(
	    cfg.haproxy_amphora_timeout_tcp_inspect));
	reset(ch, "client_authentication", json_string("NONE"));
	reset(ch, "tls_ciphers", json_string(
	    cfg.api_settings_default_listener_ciphers));
	reset(ch, "tls_versions", api_cfg_list(
	    cfg.api_settings_default_listener_tls_versions));
	reset(ch, "alpn_protocols", api_cfg_list(
	    cfg.api_settings_default_listener_alpn_protocols));
	reset(ch, "hsts_include_subdomains", json_false());
	reset(ch, "hsts_preload", json_false());
	/* Stored as lists and maps; null clears them. */
	reset(ch, "sni_container_refs", json_array());
	reset(ch, "insert_headers", json_object());
	reset(ch, "allowed_cidrs", json_array());
	reset(ch, "tags", json_array());
	dedup_cidrs(ch);
}

static int
listener_put(struct api_req *r)
{
	json_t *in, *ch = NULL, *old = NULL, *lb = NULL, *out = NULL;
	const char *lb_id, *pool_id;
	int e;

	if ((e = api_body_root(r, "listener", &in)) < 0)
		return e;
	if ((e = api_validate(r, LISTENER, in, OP_UPDATE, &ch)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = api_load(r, LISTENER, r->args[0], &old)) < 0)
		goto out;
	lb_id = sget(old, "loadbalancer_id");
	if ((e = repo_get(r->db, LB, lb_id, &lb)) < 0) {
		e = e == -OCTA_ENOTFOUND ? api_not_found(r, LB, lb_id) :
		    api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = listener_put_checks(r, lb, old, ch)) < 0)
		goto out;
	listener_put_defaults(ch);
	pool_id = sget(ch, "default_pool_id");
	if (pool_id && (e = check_default_pool(r, lb_id, pool_id,
	    sget(old, "protocol"))) < 0)
		goto out;
	if ((e = api_lock_lb(r, lb_id)) < 0)
		goto out;
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, LISTENER, r->args[0], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "listener.update", r->args[0], lb_id,
	    NULL)) < 0)
		goto out;
	if ((e = api_load(r, LISTENER, r->args[0], &out)) < 0)
		goto out;
	api_reply_obj(r, 200, LISTENER, out);
out:
	json_decref(ch);
	json_decref(old);
	json_decref(lb);
	json_decref(out);
	return e;
}

/*
 * The listener and its L7 policies and rules go PENDING_DELETE; the
 * worker removes them when the change is applied.  Its default pool stays.
 */
static int
listener_delete(struct api_req *r)
{
	char now[TIME_STR_LEN];
	json_t *l = NULL;
	const char *lb_id;
	int e;

	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = api_load(r, LISTENER, r->args[0], &l)) < 0)
		return e;
	lb_id = sget(l, "loadbalancer_id");
	if ((e = api_lock_lb(r, lb_id)) < 0)
		goto out;
	time_now_iso(now);
	if ((e = svc_set_status(r->db, LISTENER, r->args[0],
	    PROV_PENDING_DELETE, NULL)) < 0 ||
	    (e = db_exec(r->db, "UPDATE l7rule SET provisioning_status = "
	    "'PENDING_DELETE', updated_at = ? WHERE l7policy_id IN (SELECT id "
	    "FROM l7policy WHERE listener_id = ?)", json_pack("[ss]", now,
	    r->args[0]), NULL)) < 0 ||
	    (e = db_exec(r->db, "UPDATE l7policy SET provisioning_status = "
	    "'PENDING_DELETE', updated_at = ? WHERE listener_id = ?",
	    json_pack("[ss]", now, r->args[0]), NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "listener.delete", r->args[0], lb_id,
	    NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(l);
	return e;
}

static int
listener_stats(struct api_req *r)
{
	json_t *l;
	int e;

	if ((e = api_load(r, LISTENER, r->args[0], &l)) < 0)
		return e;
	json_decref(l);
	return api_stats_reply(r, "SELECT ?", r->args[0]);
}

const struct api_route api_routes_listener[] = {
	{ M_GET, "/listeners", listener_get_all,
	    "os_load-balancer_api:listener:get_all" },
	{ M_POST, "/listeners", listener_post,
	    "os_load-balancer_api:listener:post" },
	{ M_GET, "/listeners/{}", listener_get_one,
	    "os_load-balancer_api:listener:get_one" },
	{ M_PUT, "/listeners/{}", listener_put,
	    "os_load-balancer_api:listener:put" },
	{ M_DELETE, "/listeners/{}", listener_delete,
	    "os_load-balancer_api:listener:delete" },
	{ M_GET, "/listeners/{}/stats", listener_stats,
	    "os_load-balancer_api:listener:get_stats" },
	{ 0, NULL, NULL, NULL },
};
