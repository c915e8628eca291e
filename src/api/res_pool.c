/*
 * res_pool.c - /pools: create (under a load balancer, or as a listener's
 * default pool), show, list, update, delete; the create checks shared with
 * single-call graph create (api_pool_prepare); listener/pool protocol
 * compatibility.  Runs on the API role's event loop, inside the request's
 * transaction.
 *
 * The session persistence object is stored whole in the pool row, always
 * with its four keys.  A deleted pool's members and health monitor go
 * PENDING_DELETE with it, so the worker removes them together; the worker
 * also clears the default_pool_id of listeners that used it
 * (svc_lb_tree_activate), as Octavia's database does when the row goes.
 */
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

#define POOL model_resource(RES_POOL)
#define LISTENER model_resource(RES_LISTENER)
#define LB model_resource(RES_LOADBALANCER)

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

static bool
is_lvs(const char *proto)
{
	return streq(proto, "UDP") || streq(proto, "SCTP");
}

bool
api_protocols_compatible(const char *listener_proto, const char *pool_proto)
{
	static const struct {
		const char *listener;
		const char *const pools[6];
	} map[] = {
		{ "TCP", { "HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP", NULL } },
		{ "HTTP", { "HTTP", "PROXY", "PROXYV2", NULL } },
		{ "HTTPS", { "HTTPS", "PROXY", "PROXYV2", "TCP", NULL } },
		{ "TERMINATED_HTTPS", { "HTTP", "PROXY", "PROXYV2", NULL } },
		{ "UDP", { "UDP", NULL } },
		{ "SCTP", { "SCTP", NULL } },
		{ "PROMETHEUS", { NULL } },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (streq(map[i].listener, listener_proto))
			return model_enum_has(map[i].pools, pool_proto);
	return false;
}

int
api_pool_listeners_pending(struct api_req *r, const char *pool_id, size_t *n)
{
	json_t *rows = NULL, *row;
	size_t i;
	int e;

	e = db_query(r->db, "SELECT id FROM listener WHERE default_pool_id = "
	    "?1 OR id IN (SELECT p.listener_id FROM l7policy p WHERE "
	    "p.redirect_pool_id = ?1 AND p.admin_state_up <> 0 AND EXISTS "
	    "(SELECT 1 FROM l7rule x WHERE x.l7policy_id = p.id))",
	    json_pack("[s]", pool_id), &rows);
	if (e < 0)
		return api_fail(r, e, "Database error.");
	json_array_foreach(rows, i, row)
		if ((e = api_mark_pending(r, LISTENER, sget(row, "id"))) < 0)
			break;
	if (e == 0 && n)
		*n = json_array_size(rows);
	json_decref(rows);
	return e;
}

/* ---- session persistence ---- */

static const char *const sp_keys[] = { "type", "cookie_name",
	"persistence_timeout", "persistence_granularity", NULL };

/*
 * The WSME part: known keys, types, the cookie_name pattern.  *out is the
 * object with all four keys (null when absent), or null.  On update a
 * missing type stays null (the caller inherits the stored one).
 */
static int
sp_parse(struct api_req *r, json_t *sp, bool create, json_t **out)
{
	json_t *o, *v;
	const char *k, *p;
	struct buf b;
	size_t n = 0;
	int e;

	if (sp == NULL || json_is_null(sp)) {
		*out = json_null();
		return 0;
	}
	if (!json_is_object(sp))
		return api_bad_field(r, "session_persistence", sp, "Value "
		    "should be a dictionary");
	buf_init(&b, 4096);
	json_object_foreach(sp, k, v)
		if (!model_enum_has(sp_keys, k))
			buf_printf(&b, "%s%s", n++ ? ", " : "", k);
	if (n) {
		e = api_fail(r, OCTA_EINVAL, "Unknown attribute%s for argument "
		    "pool.session_persistence: %s", n > 1 ? "s" : "",
		    buf_str(&b));
		buf_free(&b);
		return e;
	}
	buf_free(&b);
	v = json_object_get(sp, "type");
	if ((v == NULL || json_is_null(v)) && create)
		return api_bad_field(r, "type", NULL, "Mandatory field "
		    "missing.");
	if (v && !json_is_null(v) && !model_enum_has(model_sp_types,
	    json_string_value(v)))
		return api_bad_field(r, "type", v, "Value should be one of: "
		    "SOURCE_IP, HTTP_COOKIE, APP_COOKIE");
	v = json_object_get(sp, "cookie_name");
	if (v && !json_is_null(v)) {
		size_t chars = 0;

		if (!json_is_string(v))
			return api_bad_field(r, "cookie_name", v, "Value "
			    "should be string");
		for (p = json_string_value(v); *p; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				chars++;
		if (chars > 255)
			return api_bad_field(r, "cookie_name", v, "Value "
			    "should have a maximum character requirement of "
			    "255");
		/* ^[^\s,;\\]+$ */
		for (p = json_string_value(v); *p; p++)
			if (strchr(" \t\n\r\f\v\x1c\x1d\x1e\x1f,;\\", *p))
				break;
		if (chars == 0 || *p)
			return api_bad_field(r, "cookie_name", v, "Value "
			    "should match the pattern ^[^\\s,;\\\\]+$");
	}
	v = json_object_get(sp, "persistence_timeout");
	if (v && !json_is_null(v) && !json_is_integer(v))
		return api_bad_field(r, "persistence_timeout", v, "Wrong type. "
		    "Expected an integer");
	v = json_object_get(sp, "persistence_granularity");
	if (v && !json_is_null(v) && (!json_is_string(v) ||
	    !ip_valid(json_string_value(v), NULL)))
		return api_bad_field(r, "persistence_granularity", v, "Value "
		    "should be IPv4 or IPv6 format");
	o = json_object();
	for (n = 0; sp_keys[n]; n++) {
		v = json_object_get(sp, sp_keys[n]);
		json_object_set_new(o, sp_keys[n], v ? json_incref(v) :
		    json_null());
	}
	*out = o;
	return 0;
}

/* Octavia's checks of a session persistence against the pool protocol. */
static int
sp_rules(struct api_req *r, const char *proto, json_t *sp, bool update)
{
	const char *type = sget(sp, "type");
	json_t *cookie = json_object_get(sp, "cookie_name");
	const unsigned char *p;
	bool latin1 = false;

	if (!json_is_object(sp))
		return 0;
	if (is_lvs(proto)) {
		if (streq(type, "SOURCE_IP") && api_truthy(cookie))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "session_persistence SOURCE_IP type for UDP and "
			    "SCTP protocols only accepts: type, "
			    "persistence_timeout, persistence_granularity.");
		if (api_truthy(cookie))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Cookie names are not supported for UDP/SCTP "
			    "pools.");
		if (streq(type, "HTTP_COOKIE") || streq(type, "APP_COOKIE"))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Session persistence of type %s is not supported "
			    "for UDP/SCTP protocol pools.", type);
	} else if (api_truthy(json_object_get(sp, "persistence_timeout")) ||
	    api_truthy(json_object_get(sp, "persistence_granularity"))) {
		return api_fail(r, OCTA_EINVAL, "Validation failure: "
		    "persistence_timeout and persistence_granularity is only "
		    "for UDP%s protocol pools.", update ? "" : " and SCTP");
	}
	if (api_truthy(cookie)) {
		if (!streq(type, "APP_COOKIE"))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Field \"cookie_name\" can only be specified with "
			    "session persistence of type \"APP_COOKIE\".");
		/* RFC 6265 token characters; at least one Latin-1 one */
		for (p = (const unsigned char *)json_string_value(cookie); *p;
		    p++) {
			if (*p <= 0x20 || *p == 0x7f || strchr("\"(),/:;<=>?@"
			    "[\\]{}", *p))
				break;
			if (*p < 0x80 || *p == 0xc2 || *p == 0xc3)
				latin1 = true;
		}
		if (*p || !latin1)
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Supplied \"cookie_name\" is invalid.");
	}
	if (streq(type, "APP_COOKIE") && !api_truthy(cookie))
		return api_fail(r, OCTA_EINVAL, "Validation failure: Field "
		    "\"cookie_name\" must be specified when using the "
		    "\"APP_COOKIE\" session persistence type.");
	return 0;
}

/* ---- create ---- */

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
 * Create, part one: protocol against the listener, session persistence,
 * TLS defaults (db_prepare.create_pool), parent columns, bookkeeping.
 */
static int
pool_head(struct api_req *r, json_t *lb, json_t *listener, json_t *pool)
{
	const char *proto = sget(pool, "protocol");
	json_t *sp = NULL;
	int e;

	if (listener) {
		const char *lp = sget(listener, "protocol");

		if (streq(lp, "PROMETHEUS"))
			return api_fail(r, OCTA_EINVAL, "Protocol %s listeners "
			    "cannot have child objects.", lp);
		if (!api_protocols_compatible(lp, proto))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "The pool protocol '%s' is invalid while the "
			    "listener protocol is '%s'.", proto,
			    lp ? lp : "None");
	}
	if ((e = sp_parse(r, json_object_get(pool, "session_persistence"),
	    true, &sp)) < 0)
		return e;
	json_object_set_new(pool, "session_persistence", sp);
	if ((e = sp_rules(r, proto, sp, false)) < 0)
		return e;
	if (json_is_true(json_object_get(pool, "tls_enabled"))) {
		default_value(pool, "tls_ciphers", json_string(
		    cfg.api_settings_default_pool_ciphers));
		default_value(pool, "tls_versions", api_cfg_list(
		    cfg.api_settings_default_pool_tls_versions));
		default_value(pool, "alpn_protocols", api_cfg_list(
		    cfg.api_settings_default_pool_alpn_protocols));
	}
	json_object_del(pool, "listener_id");
	json_object_set(pool, "loadbalancer_id", json_object_get(lb, "id"));
	api_new_row(r, POOL, pool, sget(lb, "project_id"));
	return 0;
}

/* Create, part two (after the lock): Octavia's _validate_create_pool. */
static int
pool_tail(struct api_req *r, json_t *pool)
{
	int e;

	if (api_truthy(json_object_get(pool, "crl_container_ref")) &&
	    !api_truthy(json_object_get(pool, "ca_tls_container_ref")))
		return api_fail(r, OCTA_EINVAL, "Validation failure: A CA "
		    "certificate reference is required to specify a "
		    "revocation list.");
	if ((e = api_check_tls_refs(r, NULL, sget(pool,
	    "tls_container_ref"))) < 0 ||
	    (e = api_check_ca_crl_refs(r, sget(pool, "ca_tls_container_ref"),
	    sget(pool, "crl_container_ref"))) < 0)
		return e;
	if (api_truthy(json_object_get(pool, "tls_ciphers")) &&
	    (e = api_check_ciphers(r, sget(pool, "tls_ciphers"))) < 0)
		return e;
	if (json_is_true(json_object_get(pool, "tls_enabled")) &&
	    ((e = api_check_tls_versions(r, json_object_get(pool,
	    "tls_versions"))) < 0 || (e = api_check_alpn(r,
	    json_object_get(pool, "alpn_protocols"))) < 0))
		return e;
	return 0;
}

int
api_pool_prepare(struct api_req *r, json_t *lb, json_t *listener,
    json_t *pool)
{
	int e;

	if ((e = pool_head(r, lb, listener, pool)) < 0)
		return e;
	return pool_tail(r, pool);
}

/* ---- handlers ---- */

/*
 * Parents of a new pool: loadbalancer_id, or listener_id (its LB).  With
 * both, the listener must be on that LB (404 otherwise, as Octavia treats
 * a default pool of another LB).
 */
static int
pool_parents(struct api_req *r, json_t *pool, json_t **lb, json_t **listener)
{
	const char *lb_id = sget(pool, "loadbalancer_id");
	const char *l_id = sget(pool, "listener_id");
	int e;

	if (lb_id == NULL && l_id == NULL)
		return api_fail(r, OCTA_EINVAL, "Validation failure: Must "
		    "provide at least one of: loadbalancer_id, listener_id");
	if (lb_id && (e = api_load(r, LB, lb_id, lb)) < 0)
		return e;
	if (l_id) {
		if ((e = api_load(r, LISTENER, l_id, listener)) < 0)
			return e;
		if (lb_id && !streq(lb_id, sget(*listener, "loadbalancer_id")))
			return api_not_found(r, LISTENER, l_id);
		if (lb_id == NULL && (e = api_load(r, LB, sget(*listener,
		    "loadbalancer_id"), lb)) < 0)
			return e;
	}
	return 0;
}

static int
pool_post(struct api_req *r)
{
	json_t *in, *p = NULL, *lb = NULL, *l = NULL, *out = NULL, *sp = NULL;
	const char *lb_id, *id;
	int e;

	if ((e = api_body_root(r, "pool", &in)) < 0)
		return e;
	if ((e = api_validate(r, POOL, in, OP_CREATE, &p)) < 0)
		return e;
	/* Session persistence is checked with the body, as WSME does. */
	if ((e = sp_parse(r, json_object_get(p, "session_persistence"), true,
	    &sp)) < 0)
		goto out;
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = pool_parents(r, p, &lb, &l)) < 0 ||
	    (e = pool_head(r, lb, l, p)) < 0)
		goto out;
	lb_id = sget(lb, "id");
	id = sget(p, "id");
	if ((e = api_quota(r, sget(lb, "project_id"), Q_POOL, 1)) < 0)
		goto out;
	if (l && sget(l, "default_pool_id")) {
		e = api_fail(r, OCTA_ECONFLICT, "This listener already has a "
		    "default pool");
		goto out;
	}
	if ((e = api_lock_lb(r, lb_id)) < 0)
		goto out;
	if (l) {
		json_t *ch = json_pack("{ss ss}", "default_pool_id", id,
		    "provisioning_status", PROV_PENDING_UPDATE);

		e = repo_update(r->db, LISTENER, sget(l, "id"), ch);
		json_decref(ch);
		if (e < 0) {
			e = api_fail(r, e, "Database error.");
			goto out;
		}
	}
	if ((e = pool_tail(r, p)) < 0)
		goto out;
	if ((e = repo_insert(r->db, POOL, p)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity "
		    "with that specified id." : "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "pool.create", id, lb_id, NULL)) < 0)
		goto out;
	if ((e = api_load(r, POOL, id, &out)) < 0)
		goto out;
	api_reply_obj(r, 201, POOL, out);
out:
	json_decref(p);
	json_decref(sp);
	json_decref(lb);
	json_decref(l);
	json_decref(out);
	return e;
}

static int
pool_get_one(struct api_req *r)
{
	json_t *p;
	int e;

	if ((e = api_load(r, POOL, r->args[0], &p)) < 0)
		return e;
	api_reply_obj(r, 200, POOL, p);
	json_decref(p);
	return 0;
}

static int
pool_get_all(struct api_req *r)
{
	return api_list(r, POOL, NULL, NULL);
}

/* Octavia's _validate_pool_PUT. */
static int
pool_put_checks(struct api_req *r, json_t *old, json_t *ch)
{
	json_t *sp = json_object_get(ch, "session_persistence");
	json_t *ca = json_object_get(ch, "ca_tls_container_ref");
	json_t *crl = json_object_get(ch, "crl_container_ref");
	bool db_ca = api_truthy(json_object_get(old, "ca_tls_container_ref"));
	bool have_crl;
	int e;

	if ((e = sp_rules(r, sget(old, "protocol"), sp, true)) < 0)
		return e;
	have_crl = api_truthy(crl) || (crl == NULL && api_truthy(
	    json_object_get(old, "crl_container_ref")));
	if (ca) {
		if (!api_truthy(ca) && db_ca && have_crl)
			return api_fail(r, OCTA_EINVAL, "Validation failure: A "
			    "CA reference cannot be removed when a certificate "
			    "revocation list is present.");
		if (!api_truthy(ca) && !db_ca && have_crl)
			return api_fail(r, OCTA_EINVAL, "Validation failure: A "
			    "CA reference is required to specify a certificate "
			    "revocation list.");
	} else if (!db_ca && have_crl) {
		return api_fail(r, OCTA_EINVAL, "Validation failure: A CA "
		    "reference is required to specify a certificate revocation "
		    "list.");
	}
	/* Octavia's refs: left out = the stored one, null = none. */
	if ((e = api_check_tls_refs(r, NULL, sget(ch,
	    "tls_container_ref"))) < 0 ||
	    (e = api_check_ca_crl_refs(r, ca ? sget(ch,
	    "ca_tls_container_ref") : sget(old, "ca_tls_container_ref"),
	    crl ? sget(ch, "crl_container_ref") : sget(old,
	    "crl_container_ref"))) < 0)
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
	return 0;
}

/* PUT nulls and the session persistence type kept from the row. */
static int
pool_put_defaults(struct api_req *r, json_t *old, json_t *ch)
{
	json_t *v, *sp = NULL;
	int e;

	if (json_is_null(json_object_get(ch, "tls_versions")))
		json_object_set_new(ch, "tls_versions", api_cfg_list(
		    cfg.api_settings_default_pool_tls_versions));
	if (json_is_null(json_object_get(ch, "tls_ciphers")))
		json_object_set_new(ch, "tls_ciphers", json_string(
		    cfg.api_settings_default_pool_ciphers));
	if (json_is_null(json_object_get(ch, "tags")))
		json_object_set_new(ch, "tags", json_array());
	if ((v = json_object_get(ch, "session_persistence")) == NULL)
		return 0;
	if ((e = sp_parse(r, v, false, &sp)) < 0)
		return e;
	if (json_is_object(sp) && json_is_null(json_object_get(sp, "type"))) {
		json_t *t = json_object_get(json_object_get(old,
		    "session_persistence"), "type");

		if (!json_is_string(t)) {
			json_decref(sp);
			return api_bad_field(r, "type", NULL, "Mandatory field "
			    "missing.");
		}
		json_object_set(sp, "type", t);
	}
	json_object_set_new(ch, "session_persistence", sp);
	return 0;
}

static int
pool_put(struct api_req *r)
{
	json_t *in, *ch = NULL, *old = NULL, *out = NULL;
	const char *lb_id;
	int e;

	if ((e = api_body_root(r, "pool", &in)) < 0)
		return e;
	if ((e = api_validate(r, POOL, in, OP_UPDATE, &ch)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &old)) < 0 ||
	    (e = pool_put_defaults(r, old, ch)) < 0 ||
	    (e = pool_put_checks(r, old, ch)) < 0)
		goto out;
	lb_id = sget(old, "loadbalancer_id");
	if ((e = api_lock_lb(r, lb_id)) < 0 ||
	    (e = api_pool_listeners_pending(r, r->args[0], NULL)) < 0)
		goto out;
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, POOL, r->args[0], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "pool.update", r->args[0], lb_id, NULL)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &out)) < 0)
		goto out;
	api_reply_obj(r, 200, POOL, out);
out:
	json_decref(ch);
	json_decref(old);
	json_decref(out);
	return e;
}

static int
pool_delete(struct api_req *r)
{
	char now[TIME_STR_LEN];
	json_t *p = NULL, *row = NULL;
	const char *lb_id;
	int e;

	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = api_load(r, POOL, r->args[0], &p)) < 0)
		return e;
	if (db_query_one(r->db, "SELECT id FROM l7policy WHERE "
	    "redirect_pool_id = ? ORDER BY created_at, id",
	    json_pack("[s]", r->args[0]), &row) == 0) {
		e = api_fail(r, OCTA_ECONFLICT, "Pool %s is in use by L7 "
		    "policy %s", r->args[0], sget(row, "id"));
		goto out;
	}
	lb_id = sget(p, "loadbalancer_id");
	if ((e = api_lock_lb(r, lb_id)) < 0 ||
	    (e = api_pool_listeners_pending(r, r->args[0], NULL)) < 0)
		goto out;
	time_now_iso(now);
	if ((e = svc_set_status(r->db, POOL, r->args[0], PROV_PENDING_DELETE,
	    NULL)) < 0 ||
	    (e = db_exec(r->db, "UPDATE member SET provisioning_status = "
	    "'PENDING_DELETE', updated_at = ? WHERE pool_id = ?",
	    json_pack("[ss]", now, r->args[0]), NULL)) < 0 ||
	    (e = db_exec(r->db, "UPDATE health_monitor SET provisioning_status "
	    "= 'PENDING_DELETE', updated_at = ? WHERE pool_id = ?",
	    json_pack("[ss]", now, r->args[0]), NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "pool.delete", r->args[0], lb_id, NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(p);
	json_decref(row);
	return e;
}

const struct api_route api_routes_pool[] = {
	{ M_GET, "/pools", pool_get_all,
	    "os_load-balancer_api:pool:get_all" },
	{ M_POST, "/pools", pool_post,
	    "os_load-balancer_api:pool:post" },
	{ M_GET, "/pools/{}", pool_get_one,
	    "os_load-balancer_api:pool:get_one" },
	{ M_PUT, "/pools/{}", pool_put,
	    "os_load-balancer_api:pool:put" },
	{ M_DELETE, "/pools/{}", pool_delete,
	    "os_load-balancer_api:pool:delete" },
	{ 0, NULL, NULL, NULL },
};
