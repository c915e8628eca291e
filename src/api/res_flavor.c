/*
 * res_flavor.c - /flavorprofiles and /flavors, and the check of profile
 * data that availability zone profiles share (api_profile_data_check).
 *
 * Runs in the API role.  Neither resource has a status or a job: a change
 * is one transaction.  As in Octavia:
 * - the nil UUID names the "deleted" placeholder rows an imported
 *   Octavia database carries; it is never listed and always 404;
 * - profile data must be JSON (400), its provider enabled (400), and for
 *   the amphora provider pass the driver's schema (501, with jsonschema's
 *   message, which is why Python's repr() is imitated below);
 * - a profile that a flavor uses cannot be deleted, nor its provider or
 *   data changed (409); a flavor that a live load balancer uses cannot be
 *   deleted (409), and deleted load balancers that still name it are
 *   pointed at the placeholder first;
 * - not-found messages say "Flavor Profile" after a lookup and "Flavor
 *   profile" elsewhere: both are Octavia's.
 * Where Octavia lets a database error through as a 500, octa answers a
 * client error instead: a flavor naming a profile that does not exist
 * (400), a rename onto a taken name (409), "enabled": null (400).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../common/xalloc.h"

#define FLAVOR model_resource(RES_FLAVOR)
#define PROFILE model_resource(RES_FLAVORPROFILE)

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/* ---- profile data: JSON, provider, schema ---- */

struct prop {
	const char *name;
	const char *type;	/* jsonschema type */
	const char *const *enums;
};

static const char *const topologies[] = { "SINGLE", "ACTIVE_STANDBY",
	NULL };

/* The amphora driver's schemas (octavia/api/drivers/amphora_driver). */
static const struct prop flavor_props[] = {
	{ "loadbalancer_topology", "string", topologies },
	{ "compute_flavor", "string", NULL },
	{ "amp_image_tag", "string", NULL },
	{ "sriov_vip", "boolean", NULL },
	{ "allow_member_sriov", "boolean", NULL },
	{ NULL, NULL, NULL },
};
static const struct prop az_props[] = {
	{ "compute_zone", "string", NULL },
	{ "volume_zone", "string", NULL },
	{ "management_network", "string", NULL },
	{ "valid_vip_networks", "array", NULL },
	{ NULL, NULL, NULL },
};

static bool
amphora_provider(const char *name)
{
	return strcmp(name, "amphora") == 0 || strcmp(name, "octavia") == 0 ||
	    strcmp(name, "amphorav2") == 0;
}

/* A float as Python's repr() writes it. */
static void
repr_real(struct buf *b, double d)
{
	char s[64], *e;
	double back;
	int p, exp;

	if (isnan(d) || isinf(d)) {
		buf_adds(b, isnan(d) ? "nan" : d < 0 ? "-inf" : "inf");
		return;
	}
	/* The fewest digits that read back as the same number. */
	for (p = 1; p < 17; p++) {
		snprintf(s, sizeof(s), "%.*e", p - 1, d);
		back = strtod(s, NULL);
		if (back == d)
			break;
	}
	snprintf(s, sizeof(s), "%.*e", p - 1, d);
	e = strchr(s, 'e');
	exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
	if (exp >= -4 && exp < 16)
		buf_printf(b, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 1, d);
	else
		buf_adds(b, s);
}

/* Python's repr() of a JSON value, as jsonschema puts it in messages. */
static void
repr(struct buf *b, json_t *v)
{
	const char *k, *s;
	json_t *e;
	size_t i;
	char q;

	switch (json_typeof(v)) {
	case JSON_NULL:
		buf_adds(b, "None");
		break;
	case JSON_TRUE:
		buf_adds(b, "True");
		break;
	case JSON_FALSE:
		buf_adds(b, "False");
		break;
	case JSON_INTEGER:
		buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		repr_real(b, json_real_value(v));
		break;
	case JSON_STRING:
		s = json_string_value(v);
		q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
		buf_addc(b, q);
		for (; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (c == '\\' || c == (unsigned char)q)
				buf_printf(b, "\\%c", c);
			else if (c == '\n')
				buf_adds(b, "\\n");
			else if (c == '\r')
				buf_adds(b, "\\r");
			else if (c == '\t')
				buf_adds(b, "\\t");
			else if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\x%02x", c);
			else
				buf_addc(b, (char)c);
		}
		buf_addc(b, q);
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		json_array_foreach(v, i, e) {
			if (i)
				buf_adds(b, ", ");
			repr(b, e);
		}
		buf_addc(b, ']');
		break;
	case JSON_OBJECT:
		buf_addc(b, '{');
		i = 0;
		json_object_foreach(v, k, e) {
			json_t *key = json_string(k);

			if (i++)
				buf_adds(b, ", ");
			repr(b, key);
			json_decref(key);
			buf_adds(b, ": ");
			repr(b, e);
		}
		buf_addc(b, '}');
		break;
	}
}

static bool
has_type(json_t *v, const char *type)
{
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	return json_is_object(v);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * jsonschema's best error for `data` against an object schema with no
 * additional properties, written into `msg`; false if `data` is valid.
 */
static bool
schema_error(json_t *data, const struct prop *props, struct buf *msg)
{
	const char **extra, *k;
	const struct prop *p;
	size_t n = 0, i;
	json_t *v;

	if (!json_is_object(data)) {
		repr(msg, data);
		buf_adds(msg, " is not of type 'object'");
		return true;
	}
	extra = xcalloc(json_object_size(data) + 1, sizeof(*extra));
	json_object_foreach(data, k, v) {
		for (p = props; p->name; p++)
			if (strcmp(p->name, k) == 0)
				break;
		if (p->name == NULL)
			extra[n++] = k;
	}
	if (n) {
		qsort(extra, n, sizeof(*extra), cmp_str);
		buf_adds(msg, "Additional properties are not allowed (");
		for (i = 0; i < n; i++) {
			json_t *key = json_string(extra[i]);

			if (i)
				buf_adds(msg, ", ");
			repr(msg, key);
			json_decref(key);
		}
		buf_adds(msg, n > 1 ? " were unexpected)" : " was unexpected)");
	}
	free(extra);
	if (n)
		return true;
	for (p = props; p->name; p++) {
		v = json_object_get(data, p->name);
		if (v == NULL)
			continue;
		if (!has_type(v, p->type)) {
			buf_printf(msg, "%s ", p->name);
			repr(msg, v);
			buf_printf(msg, " is not of type '%s'", p->type);
			return true;
		}
		if (p->enums && !model_enum_has(p->enums,
		    json_string_value(v))) {
			buf_printf(msg, "%s ", p->name);
			repr(msg, v);
			buf_adds(msg, " is not one of [");
			for (i = 0; p->enums[i]; i++)
				buf_printf(msg, "%s'%s'", i ? ", " : "",
				    p->enums[i]);
			buf_adds(msg, "]");
			return true;
		}
	}
	return false;
}

int
api_profile_data_check(struct api_req *r, const char *provider,
    const char *field, const char *text)
{
	const struct prop *props = strcmp(field, "flavor_data") == 0 ?
	    flavor_props : az_props;
	json_t *data;
	struct buf msg;
	int e = 0;

	data = json_loads(text, JSON_DECODE_ANY, NULL);
	if (data == NULL)
		return api_fail(r, OCTA_EINVAL, "%s is not a valid option for "
		    "%s", text, field);
	if (!api_provider_enabled(provider)) {
		e = api_fail(r, OCTA_EINVAL, "Provider '%s' is not enabled.",
		    provider);
		goto out;
	}
	if (!amphora_provider(provider))
		goto out;
	buf_init(&msg, 64 * 1024);
	if (schema_error(data, props, &msg))
		e = api_fail(r, OCTA_ENOTIMPL, "Provider '%s' does not support "
		    "a requested option: %s", provider, buf_str(&msg));
	buf_free(&msg);
out:
	json_decref(data);
	return e;
}

/* ---- shared steps ---- */




/* Lists `res` without the placeholder row. */
static int
list_real(struct api_req *r, const struct resource *res)
{
	json_t *params = json_pack("[s]", NIL_UUID);
	int e = api_list(r, res, "id <> ?", params);

	json_decref(params);
	return e;
}

/* ---- flavor profiles ---- */

static int
fp_get_all(struct api_req *r)
{
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	return list_real(r, PROFILE);
}

static int
fp_get_one(struct api_req *r)
{
	json_t *fp;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if (strcmp(r->args[0], NIL_UUID) == 0)
		return api_not_found_named(r, "Flavor profile", r->args[0]);
	if ((e = api_load_named(r, PROFILE, "Flavor Profile", r->args[0], &fp)) < 0)
		return e;
	api_reply_obj(r, 200, PROFILE, fp);
	json_decref(fp);
	return 0;
}

static int
fp_post(struct api_req *r)
{
	json_t *in, *fp = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, "flavorprofile", &in)) < 0)
		return e;
	if ((e = api_validate(r, PROFILE, in, OP_CREATE, &fp)) < 0)
		return e;
	if ((e = api_profile_data_check(r, json_string_value(json_object_get(
	    fp, "provider_name")), "flavor_data", json_string_value(
	    json_object_get(fp, "flavor_data")))) < 0)
		goto out;
	api_new_row(r, PROFILE, fp, NULL);
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = repo_insert(r->db, PROFILE, fp)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity "
		    "with that specified id." : "Database error.");
		goto out;
	}
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 201, PROFILE, fp);
out:
	json_decref(fp);
	return e;
}

static int
fp_put(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *in, *ch = NULL, *fp = NULL;
	json_t *data, *prov;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, "flavorprofile", &in)) < 0)
		return e;
	if ((e = api_validate(r, PROFILE, in, OP_UPDATE, &ch)) < 0)
		return e;
	data = json_object_get(ch, "flavor_data");
	prov = json_object_get(ch, "provider_name");
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if (data || prov) {
		if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM flavor WHERE "
		    "flavor_profile_id = ?", id, &n)) < 0)
			goto out;
		if (n > 0) {
			e = api_fail(r, OCTA_ECONFLICT, "Flavor profile %s is "
			    "in use and cannot be modified.", id);
			goto out;
		}
	}
	if (strcmp(id, NIL_UUID) == 0) {
		e = api_not_found_named(r, "Flavor profile", id);
		goto out;
	}
	/* As in Octavia, the provider is checked only with new data. */
	if (data) {
		if (prov == NULL) {
			if ((e = api_load_named(r, PROFILE, "Flavor Profile", id,
			    &fp)) < 0)
				goto out;
			prov = json_object_get(fp, "provider_name");
		}
		if ((e = api_profile_data_check(r, json_string_value(prov),
		    "flavor_data", json_string_value(data))) < 0)
			goto out;
	}
	e = repo_update(r->db, PROFILE, id, ch);
	if (e < 0 && e != -OCTA_ENOTFOUND) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	json_decref(fp);
	fp = NULL;
	if ((e = api_load_named(r, PROFILE, "Flavor Profile", id, &fp)) < 0)
		goto out;
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 200, PROFILE, fp);
out:
	json_decref(fp);
	json_decref(ch);
	return e;
}

static int
fp_delete(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *fp;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if (strcmp(id, NIL_UUID) == 0)
		return api_not_found_named(r, "Flavor profile", id);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM flavor WHERE "
	    "flavor_profile_id = ?", id, &n)) < 0)
		return e;
	if (n > 0)
		return api_fail(r, OCTA_ECONFLICT, "Flavor profile %s is in "
		    "use and cannot be modified.", id);
	if ((e = api_load_named(r, PROFILE, "Flavor profile", id, &fp)) < 0)
		return e;
	json_decref(fp);
	if ((e = repo_delete(r->db, PROFILE, id)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_txn_commit(r)) < 0)
		return e;
	api_reply(r, 204, NULL);
	return 0;
}

/* ---- flavors ---- */

static int
flavor_get_all(struct api_req *r)
{
	return list_real(r, FLAVOR);
}

static int
flavor_get_one(struct api_req *r)
{
	json_t *fl;
	int e;

	if ((e = api_load_named(r, FLAVOR, "Flavor", r->args[0], &fl)) < 0)
		return e;
	api_reply_obj(r, 200, FLAVOR, fl);
	json_decref(fl);
	return 0;
}

/* 409 if another flavor already has the name. */
static int
check_name_free(struct api_req *r, const char *name, const char *self)
{
	json_t *row;
	int e;

	e = db_query_one(r->db, "SELECT id FROM flavor WHERE name = ? AND "
	    "id <> ?", json_pack("[ss]", name, self ? self : ""), &row);
	if (e == -OCTA_ENOTFOUND)
		return 0;
	if (e < 0)
		return api_fail(r, e, "Database error.");
	json_decref(row);
	return api_fail(r, OCTA_ECONFLICT, "A flavor of %s already exists.",
	    name);
}

static int
flavor_post(struct api_req *r)
{
	json_t *in, *fl = NULL, *fp = NULL;
	const char *name;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, "flavor", &in)) < 0)
		return e;
	if ((e = api_validate(r, FLAVOR, in, OP_CREATE, &fl)) < 0)
		return e;
	name = json_string_value(json_object_get(fl, "name"));
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	e = repo_get(r->db, PROFILE, json_string_value(json_object_get(fl,
	    "flavor_profile_id")), &fp);
	if (e == -OCTA_ENOTFOUND) {
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Invalid "
		    "flavor_profile_id.");
		goto out;
	}
	if (e < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = check_name_free(r, name, NULL)) < 0)
		goto out;
	api_new_row(r, FLAVOR, fl, NULL);
	if ((e = repo_insert(r->db, FLAVOR, fl)) < 0) {
		e = e == -OCTA_ECONFLICT ? api_fail(r, e, "A flavor of %s "
		    "already exists.", name) : api_fail(r, e,
		    "Database error.");
		goto out;
	}
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 201, FLAVOR, fl);
out:
	json_decref(fp);
	json_decref(fl);
	return e;
}

static int
flavor_put(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *in, *ch = NULL, *fl = NULL;
	const char *name;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, "flavor", &in)) < 0)
		return e;
	if ((e = api_validate(r, FLAVOR, in, OP_UPDATE, &ch)) < 0)
		return e;
	/* a NOT NULL column: Octavia fails in the database here */
	if (json_is_null(json_object_get(ch, "enabled"))) {
		e = api_fail(r, OCTA_EINVAL, "None is not a valid option for "
		    "enabled");
		goto out;
	}
	if (strcmp(id, NIL_UUID) == 0) {
		e = api_not_found_named(r, "Flavor", id);
		goto out;
	}
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	name = json_string_value(json_object_get(ch, "name"));
	if (name && (e = check_name_free(r, name, id)) < 0)
		goto out;
	e = repo_update(r->db, FLAVOR, id, ch);
	if (e < 0 && e != -OCTA_ENOTFOUND) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_load_named(r, FLAVOR, "Flavor", id, &fl)) < 0)
		goto out;
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 200, FLAVOR, fl);
out:
	json_decref(fl);
	json_decref(ch);
	return e;
}

static int
flavor_delete(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *fl;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if (strcmp(id, NIL_UUID) == 0)
		return api_not_found_named(r, "Flavor", id);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = db_exec(r->db, "UPDATE load_balancer SET flavor_id = ? "
	    "WHERE flavor_id = ? AND provisioning_status = 'DELETED'",
	    json_pack("[ss]", NIL_UUID, id), NULL)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_load_named(r, FLAVOR, "Flavor", id, &fl)) < 0)
		return e;
	json_decref(fl);
	if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM load_balancer "
	    "WHERE flavor_id = ?", id, &n)) < 0)
		return e;
	if (n > 0)
		return api_fail(r, OCTA_ECONFLICT, "Flavor %s is in use and "
		    "cannot be modified.", id);
	if ((e = repo_delete(r->db, FLAVOR, id)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_txn_commit(r)) < 0)
		return e;
	api_reply(r, 204, NULL);
	return 0;
}

const struct api_route api_routes_flavor[] = {
	{ M_GET, "/flavorprofiles", fp_get_all,
	    "os_load-balancer_api:flavor-profile:get_all" },
	{ M_POST, "/flavorprofiles", fp_post,
	    "os_load-balancer_api:flavor-profile:post" },
	{ M_GET, "/flavorprofiles/{}", fp_get_one,
	    "os_load-balancer_api:flavor-profile:get_one" },
	{ M_PUT, "/flavorprofiles/{}", fp_put,
	    "os_load-balancer_api:flavor-profile:put" },
	{ M_DELETE, "/flavorprofiles/{}", fp_delete,
	    "os_load-balancer_api:flavor-profile:delete" },
	{ M_GET, "/flavors", flavor_get_all,
	    "os_load-balancer_api:flavor:get_all" },
	{ M_POST, "/flavors", flavor_post,
	    "os_load-balancer_api:flavor:post" },
	{ M_GET, "/flavors/{}", flavor_get_one,
	    "os_load-balancer_api:flavor:get_one" },
	{ M_PUT, "/flavors/{}", flavor_put,
	    "os_load-balancer_api:flavor:put" },
	{ M_DELETE, "/flavors/{}", flavor_delete,
	    "os_load-balancer_api:flavor:delete" },
	{ 0, NULL, NULL, NULL },
};
