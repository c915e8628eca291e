/*
 * res_healthmonitor.c - /healthmonitors: create, show, list, update and
 * delete of health monitors, one per pool.
 *
 * Octavia checks a monitor in two places, and the order shows in which
 * error a bad request gets: the type against the pool's protocol before
 * the quota and the lock (check_type), the mandatory values, the HTTP-only
 * fields and the domain name after them (complete).  Both run again in
 * api_hm_prepare() for single-call graph create.
 *
 * Stricter than Octavia on purpose, as these reach haproxy.cfg: url_path
 * refuses every control character (Octavia only whitespace), and
 * expected_codes and domain_name refuse a trailing newline (which Python's
 * "$" lets through their patterns).
 *
 * Runs on the API role's event loop, inside the request's transaction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../service/service.h"

#define HM model_resource(RES_HEALTHMONITOR)
#define POOL model_resource(RES_POOL)

#define CODES_PATTERN "^(\\d{3}(\\s*,\\s*\\d{3})*)$|^(\\d{3}-\\d{3})$"
#define DOMAIN_PATTERN "^(?=.{1,253}\\.?$)(?:(?!-|[^.]+_)" \
	"[A-Za-z0-9-_]{1,63}(?<!-)(?:\\.|$))+$"

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
is(json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && strcmp(s, v) == 0;
}

static bool
truthy(json_t *o, const char *k)
{
	return api_truthy(json_object_get(o, k));
}

static bool
http_type(json_t *hm)
{
	return is(hm, "type", "HTTP") || is(hm, "type", "HTTPS");
}

/* ---- the checks WSME makes on the body beyond the field table ---- */

static bool
digits3(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9';
}

/* CODES_PATTERN, with \s taken as space or tab. */
static bool
codes_ok(const char *s)
{
	if (strlen(s) == 7 && digits3(s) && s[3] == '-' && digits3(s + 4))
		return true;
	if (!digits3(s))
		return false;
	for (s += 3; *s; s += 3) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != ',')
			return false;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!digits3(s))
			return false;
	}
	return true;
}

/*
 * DOMAIN_PATTERN: at most 253 characters (254 with a final dot), labels of
 * 1..63 of [A-Za-z0-9_-], not starting or ending with '-', '_' only first.
 */
static bool
domain_ok(const char *s)
{
	size_t n = strlen(s), i, start, len;

	if (n > 254 || (n == 254 && s[253] != '.'))
		return false;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return false;
	for (start = 0; start <= n; start = i + 1) {
		for (i = start; i < n && s[i] != '.'; i++) {
			char c = s[i];

			bool ok = (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || (c == '_' && i == start);

			if (!ok)
				return false;
		}
		len = i - start;
		if (len < 1 || len > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
	}
	return true;
}

static int
check_fields(struct api_req *r, json_t *hm)
{
	json_t *v;

	v = json_object_get(hm, "url_path");
	if (json_is_string(v) && !api_url_path_valid(json_string_value(v)))
		return api_bad_field(r, "url_path", v, "Value must be a valid "
		    "URL Path string");
	v = json_object_get(hm, "expected_codes");
	if (json_is_string(v) && !codes_ok(json_string_value(v)))
		return api_bad_field(r, "expected_codes", v, "Value should "
		    "match the pattern %s", CODES_PATTERN);
	v = json_object_get(hm, "http_version");
	if (json_is_number(v) && json_number_value(v) != 1.0 &&
	    json_number_value(v) != 1.1)
		return api_bad_field(r, "http_version", v, "Value should be "
		    "one of: 1.0, 1.1");
	v = json_object_get(hm, "domain_name");
	if (json_is_string(v) && !domain_ok(json_string_value(v)))
		return api_bad_field(r, "domain_name", v, "Value should match "
		    "the pattern %s", DOMAIN_PATTERN);
	return 0;
}

/* WSME's float type takes a numeric string ("1.0") too. */
static void
coerce_http_version(json_t *in)
{
	json_t *v = json_object_get(in, "http_version");
	const char *s = json_string_value(v);
	char *end;
	double d;

	if (s == NULL || *s == '\0')
		return;
	d = strtod(s, &end);
	if (*end == '\0' && isfinite(d))
		json_object_set_new(in, "http_version", json_real(d));
}

/* The body of a POST or PUT, checked; nullable fields may come back null. */
static int
parse_body(struct api_req *r, enum api_op op, const char *const *nullable,
    json_t **out)
{
	json_t *in, *copy, *hm = NULL;
	int e;

	if ((e = api_body_root(r, "healthmonitor", &in)) < 0)
		return e;
	copy = json_deep_copy(in);
	coerce_http_version(copy);
	e = api_validate_nullable(r, HM, copy, op, nullable, &hm);
	json_decref(copy);
	if (e == 0 && (e = check_fields(r, hm)) < 0)
		json_decref(hm);
	else if (e == 0)
		*out = hm;
	return e;
}

/* ---- Octavia's rules ---- */

static bool
lvs_pool(json_t *pool)
{
	return is(pool, "protocol", "UDP") || is(pool, "protocol", "SCTP");
}

/* The monitor type against the pool protocol; UDP-CONNECT's delay. */
static int
check_type(struct api_req *r, json_t *pool, json_t *hm)
{
	long long min =
	    cfg.api_settings_udp_connect_min_interval_health_monitor;
	const char *type = str(hm, "type");
	json_t *delay = json_object_get(hm, "delay");

	if (lvs_pool(pool)) {
		if (type == NULL || !(strcmp(type, "UDP-CONNECT") == 0 ||
		    strcmp(type, "SCTP") == 0 || strcmp(type, "TCP") == 0 ||
		    strcmp(type, "HTTP") == 0))
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "The associated pool protocol is %s, so only a "
			    "UDP-CONNECT/SCTP/TCP/HTTP health monitor is "
			    "supported.", str(pool, "protocol"));
		if (strcmp(type, "UDP-CONNECT") == 0 &&
		    json_is_integer(delay) && json_integer_value(delay) < min)
			return api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "The request delay value %lld should be larger "
			    "than %lld for UDP-CONNECT health monitor type.",
			    (long long)json_integer_value(delay), min);
		return 0;
	}
	if (type && (strcmp(type, "UDP-CONNECT") == 0 ||
	    strcmp(type, "SCTP") == 0))
		return api_fail(r, OCTA_EINVAL, "Validation failure: The %s "
		    "type is only supported for pools of type UDP/SCTP.",
		    type);
	return 0;
}

/* "http_method is not a valid option for health monitors of type TCP" */
static int
not_for_type(struct api_req *r, const char *field, const char *type)
{
	return api_fail(r, OCTA_EINVAL, "%s is not a valid option for health "
	    "monitors of type %s", field, type);
}

static int
bad_http_version(struct api_req *r, double v)
{
	return api_fail(r, OCTA_EINVAL, "http_version %.1f is not a valid "
	    "option for health monitors HTTP 1.1 domain name health check", v);
}

static int
no_http_version(struct api_req *r)
{
	return api_fail(r, OCTA_EINVAL, "Validation failure: 'http_version' "
	    "must be specified when 'domain_name' is provided.");
}

static const char *const http_fields[] = { "http_method", "url_path",
	"expected_codes", NULL };
static const char *const http_defaults[] = { "\"GET\"", "\"/\"",
	"\"200\"", NULL };

/* Octavia's _validate_create_hm: mandatory values, HTTP-only fields. */
static int
complete(struct api_req *r, json_t *hm)
{
	static const char *const mandatory[] = { "type", "delay", "timeout",
		"pool_id", "max_retries", NULL };
	const char *const *f;
	size_t i;

	for (f = mandatory; *f; f++)
		if (json_is_null(json_object_get(hm, *f)))
			return api_fail(r, OCTA_EINVAL, "None is not a valid "
			    "option for %s", *f);
	for (i = 0; http_fields[i]; i++) {
		if (!http_type(hm)) {
			if (truthy(hm, http_fields[i]))
				return not_for_type(r, http_fields[i],
				    str(hm, "type"));
			json_object_set_new(hm, http_fields[i], json_null());
		} else if (!truthy(hm, http_fields[i])) {
			json_object_set_new(hm, http_fields[i], json_loads(
			    http_defaults[i], JSON_DECODE_ANY, NULL));
		}
	}
	if (truthy(hm, "domain_name") && !truthy(hm, "http_version"))
		return no_http_version(r);
	if (truthy(hm, "domain_name") && truthy(hm, "http_version") &&
	    json_number_value(json_object_get(hm, "http_version")) < 1.1)
		return bad_http_version(r, json_number_value(
		    json_object_get(hm, "http_version")));
	return 0;
}

int
api_hm_prepare(struct api_req *r, json_t *pool, json_t *hm)
{
	int e;

	if ((e = check_type(r, pool, hm)) < 0 || (e = complete(r, hm)) < 0)
		return e;
	api_new_row(r, HM, hm, str(pool, "project_id"));
	json_object_set(hm, "pool_id", json_object_get(pool, "id"));
	json_object_set(hm, "loadbalancer_id", json_object_get(pool,
	    "loadbalancer_id"));
	return 0;
}

/* ---- handlers ---- */

static int
load_pool(struct api_req *r, const char *id, json_t **pool)
{
	int e = repo_get(r->db, POOL, id ? id : "None", pool);

	if (e == -OCTA_ENOTFOUND)
		return api_fail(r, e, "Pool %s not found.", id ? id : "None");
	if (e < 0)
		return api_fail(r, e, "Database error.");
	if (api_can_see(r, str(*pool, "project_id")))
		return 0;
	json_decref(*pool);
	*pool = NULL;
	return api_fail(r, OCTA_EFORBIDDEN, "Policy does not allow this "
	    "request to be performed.");
}

/*
 * Octavia's lock for a monitor change: the pool must be ACTIVE, then the
 * LB is locked and the pool and the listeners using it go PENDING_UPDATE.
 */
static int
lock_pool(struct api_req *r, json_t *pool)
{
	int e;

	if ((e = api_require_active(r, POOL, pool)) < 0 ||
	    (e = api_lock_lb(r, str(pool, "loadbalancer_id"))) < 0 ||
	    (e = api_pool_listeners_pending(r, str(pool, "id"), NULL)) < 0)
		return e;
	return api_mark_pending(r, POOL, str(pool, "id"));
}

static const char *const post_nullable[] = { "type", "delay", "timeout",
	"max_retries", "pool_id", NULL };
static const char *const put_nullable[] = { "delay", "timeout",
	"max_retries", NULL };

static int
hm_post(struct api_req *r)
{
	json_t *hm = NULL, *pool = NULL, *row;
	int e;

	if ((e = parse_body(r, OP_CREATE, post_nullable, &hm)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = load_pool(r, str(hm, "pool_id"), &pool)) < 0)
		goto out;
	if (!cfg.api_settings_allow_ping_health_monitors &&
	    is(hm, "type", "PING")) {
		e = api_fail(r, OCTA_EINVAL, "The selected type is not allowed "
		    "in this deployment: PING");
		goto out;
	}
	if ((e = check_type(r, pool, hm)) < 0 ||
	    (e = api_quota(r, str(pool, "project_id"), Q_HEALTHMONITOR,
	    1)) < 0 ||
	    (e = lock_pool(r, pool)) < 0 ||
	    (e = api_hm_prepare(r, pool, hm)) < 0)
		goto out;
	if (db_query_one(r->db, "SELECT id FROM health_monitor WHERE "
	    "pool_id = ?", json_pack("[s]", str(pool, "id")), &row) == 0) {
		json_decref(row);
		e = api_fail(r, OCTA_ECONFLICT, "This pool already has a "
		    "health monitor");
		goto out;
	}
	if ((e = repo_insert(r->db, HM, hm)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "This pool already "
		    "has a health monitor" : "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "healthmonitor.create", str(hm, "id"), str(hm,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	api_decorate(r, HM, hm);
	api_reply_obj(r, 201, HM, hm);
out:
	json_decref(hm);
	json_decref(pool);
	return e;
}

static int
hm_get_one(struct api_req *r)
{
	json_t *hm;
	int e;

	if ((e = api_load(r, HM, r->args[0], &hm)) < 0)
		return e;
	api_reply_obj(r, 200, HM, hm);
	json_decref(hm);
	return 0;
}

static int
hm_get_all(struct api_req *r)
{
	return api_list(r, HM, NULL, NULL);
}

/* Octavia's _validate_update_hm, against the stored monitor `hm`. */
static int
check_update(struct api_req *r, json_t *hm, json_t *ch)
{
	static const char *const nonnull[] = { "delay", "max_retries",
		"timeout", NULL };
	const char *const *f;
	json_t *hv;

	if (!http_type(hm))
		for (f = http_fields; *f; f++)
			if (json_object_get(ch, *f))
				return not_for_type(r, *f, str(hm, "type"));
	for (f = nonnull; *f; f++)
		if (json_is_null(json_object_get(ch, *f)))
			return api_fail(r, OCTA_EINVAL, "None is not a valid "
			    "option for %s", *f);
	if (truthy(ch, "domain_name") && !truthy(hm, "http_version") &&
	    !truthy(ch, "http_version"))
		return no_http_version(r);
	if ((truthy(hm, "http_version") || truthy(ch, "http_version")) &&
	    (truthy(hm, "domain_name") || truthy(ch, "domain_name"))) {
		hv = json_object_get(truthy(ch, "http_version") ? ch : hm,
		    "http_version");
		if (json_number_value(hv) < 1.1)
			return bad_http_version(r, json_number_value(hv));
	}
	return 0;
}

static int
hm_put(struct api_req *r)
{
	json_t *ch = NULL, *hm = NULL, *pool = NULL, *merged = NULL;
	size_t i;
	int e;

	if ((e = parse_body(r, OP_UPDATE, put_nullable, &ch)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, HM, r->args[0], &hm)) < 0 ||
	    (e = load_pool(r, str(hm, "pool_id"), &pool)) < 0 ||
	    (e = check_update(r, hm, ch)) < 0)
		goto out;
	if (lvs_pool(pool)) {
		merged = json_deep_copy(hm);
		json_object_update(merged, ch);
		if ((e = check_type(r, pool, merged)) < 0)
			goto out;
	}
	/* null resets to Octavia's defaults */
	for (i = 0; http_fields[i]; i++)
		if (json_is_null(json_object_get(ch, http_fields[i])))
			json_object_set_new(ch, http_fields[i], json_loads(
			    http_defaults[i], JSON_DECODE_ANY, NULL));
	if (json_is_null(json_object_get(ch, "max_retries_down")))
		json_object_set_new(ch, "max_retries_down", json_integer(3));
	if ((e = lock_pool(r, pool)) < 0)
		goto out;
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, HM, r->args[0], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "healthmonitor.update", r->args[0], str(hm,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	json_decref(hm);
	hm = NULL;
	if ((e = api_load(r, HM, r->args[0], &hm)) < 0)
		goto out;
	api_reply_obj(r, 200, HM, hm);
out:
	json_decref(ch);
	json_decref(hm);
	json_decref(pool);
	json_decref(merged);
	return e;
}

static int
hm_delete(struct api_req *r)
{
	json_t *hm = NULL, *pool = NULL;
	int e;

	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, HM, r->args[0], &hm)) < 0 ||
	    (e = load_pool(r, str(hm, "pool_id"), &pool)) < 0 ||
	    (e = lock_pool(r, pool)) < 0)
		goto out;
	if ((e = svc_set_status(r->db, HM, r->args[0], PROV_PENDING_DELETE,
	    NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "healthmonitor.delete", r->args[0], str(hm,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(hm);
	json_decref(pool);
	return e;
}

const struct api_route api_routes_healthmonitor[] = {
	{ M_GET, "/healthmonitors", hm_get_all,
	    "os_load-balancer_api:healthmonitor:get_all" },
	{ M_POST, "/healthmonitors", hm_post,
	    "os_load-balancer_api:healthmonitor:post" },
	{ M_GET, "/healthmonitors/{}", hm_get_one,
	    "os_load-balancer_api:healthmonitor:get_one" },
	{ M_PUT, "/healthmonitors/{}", hm_put,
	    "os_load-balancer_api:healthmonitor:put" },
	{ M_DELETE, "/healthmonitors/{}", hm_delete,
	    "os_load-balancer_api:healthmonitor:delete" },
	{ 0, NULL, NULL, NULL },
};
