/*
 * res_az.c - /availabilityzoneprofiles and /availabilityzones.
 *
 * Runs in the API role.  The rules mirror flavors (res_flavor.c), with two
 * differences that come from Octavia: an availability zone is keyed by its
 * name (the URL carries the name, responses have no id), and its only
 * mutable fields are description and enabled.  The nil UUID, as id or
 * name, stands for the placeholder rows of an imported Octavia database:
 * never listed, always 404.  Profile data is checked by
 * api_profile_data_check() against the amphora driver's schema
 * (compute_zone, volume_zone, management_network, valid_vip_networks).
 * Where Octavia fails in the database (a zone naming a profile that does
 * not exist, "enabled": null), octa answers 400.
 */
#include <string.h>

#include "api.h"
#include "../common/errors.h"

#define AZ model_resource(RES_AZ)
#define PROFILE model_resource(RES_AZPROFILE)

#define NIL_UUID "00000000-0000-0000-0000-000000000000"
#define AZ_DISPLAY "Availability Zone"
#define PROFILE_DISPLAY "Availability Zone Profile"




/* Lists `res` without the placeholder row (`where` names its key). */
static int
list_real(struct api_req *r, const struct resource *res, const char *where)
{
	json_t *params = json_pack("[s]", NIL_UUID);
	int e = api_list(r, res, where, params);

	json_decref(params);
	return e;
}

/* ---- availability zone profiles ---- */

static int
azp_get_all(struct api_req *r)
{
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	return list_real(r, PROFILE, "id <> ?");
}

static int
azp_get_one(struct api_req *r)
{
	json_t *azp;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_load_named(r, PROFILE, PROFILE_DISPLAY, r->args[0], &azp)) < 0)
		return e;
	api_reply_obj(r, 200, PROFILE, azp);
	json_decref(azp);
	return 0;
}

static int
azp_post(struct api_req *r)
{
	json_t *in, *azp = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, PROFILE->name, &in)) < 0)
		return e;
	if ((e = api_validate(r, PROFILE, in, OP_CREATE, &azp)) < 0)
		return e;
	if ((e = api_profile_data_check(r, json_string_value(json_object_get(
	    azp, "provider_name")), "availability_zone_data",
	    json_string_value(json_object_get(azp,
	    "availability_zone_data")))) < 0)
		goto out;
	api_new_row(r, PROFILE, azp, NULL);
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if ((e = repo_insert(r->db, PROFILE, azp)) < 0) {
		e = e == -OCTA_ECONFLICT ? api_fail(r, e, "Already an entity "
		    "with that specified id.") : api_fail(r, e,
		    "Database error.");
		goto out;
	}
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 201, PROFILE, azp);
out:
	json_decref(azp);
	return e;
}

static int
azp_put(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *in, *ch = NULL, *azp = NULL, *data, *prov;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, PROFILE->name, &in)) < 0)
		return e;
	if ((e = api_validate(r, PROFILE, in, OP_UPDATE, &ch)) < 0)
		return e;
	data = json_object_get(ch, "availability_zone_data");
	prov = json_object_get(ch, "provider_name");
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	if (data || prov) {
		if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM "
		    "availability_zone WHERE availability_zone_profile_id = ?",
		    id, &n)) < 0)
			goto out;
		if (n > 0) {
			e = api_fail(r, OCTA_ECONFLICT, "%s %s is in use and "
			    "cannot be modified.", PROFILE_DISPLAY, id);
			goto out;
		}
	}
	if (strcmp(id, NIL_UUID) == 0) {
		e = api_not_found_named(r, PROFILE_DISPLAY, id);
		goto out;
	}
	/* As in Octavia, the provider is checked only with new data. */
	if (data) {
		if (prov == NULL) {
			if ((e = api_load_named(r, PROFILE, PROFILE_DISPLAY, id,
			    &azp)) < 0)
				goto out;
			prov = json_object_get(azp, "provider_name");
		}
		if ((e = api_profile_data_check(r, json_string_value(prov),
		    "availability_zone_data", json_string_value(data))) < 0)
			goto out;
	}
	e = repo_update(r->db, PROFILE, id, ch);
	if (e < 0 && e != -OCTA_ENOTFOUND) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	json_decref(azp);
	azp = NULL;
	if ((e = api_load_named(r, PROFILE, PROFILE_DISPLAY, id, &azp)) < 0)
		goto out;
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 200, PROFILE, azp);
out:
	json_decref(azp);
	json_decref(ch);
	return e;
}

static int
azp_delete(struct api_req *r)
{
	const char *id = r->args[0];
	json_t *azp;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if (strcmp(id, NIL_UUID) == 0)
		return api_not_found_named(r, PROFILE_DISPLAY, id);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM availability_zone "
	    "WHERE availability_zone_profile_id = ?", id, &n)) < 0)
		return e;
	if (n > 0)
		return api_fail(r, OCTA_ECONFLICT, "%s %s is in use and cannot "
		    "be modified.", PROFILE_DISPLAY, id);
	if ((e = api_load_named(r, PROFILE, PROFILE_DISPLAY, id, &azp)) < 0)
		return e;
	json_decref(azp);
	if ((e = repo_delete(r->db, PROFILE, id)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_txn_commit(r)) < 0)
		return e;
	api_reply(r, 204, NULL);
	return 0;
}

/* ---- availability zones ---- */

static int
az_get_all(struct api_req *r)
{
	return list_real(r, AZ, "name <> ?");
}

static int
az_get_one(struct api_req *r)
{
	json_t *az;
	int e;

	if ((e = api_load_named(r, AZ, AZ_DISPLAY, r->args[0], &az)) < 0)
		return e;
	api_reply_obj(r, 200, AZ, az);
	json_decref(az);
	return 0;
}

static int
az_post(struct api_req *r)
{
	json_t *in, *az = NULL, *row = NULL;
	const char *name;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, AZ->name, &in)) < 0)
		return e;
	if ((e = api_validate(r, AZ, in, OP_CREATE, &az)) < 0)
		return e;
	name = json_string_value(json_object_get(az, "name"));
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	e = repo_get(r->db, PROFILE, json_string_value(json_object_get(az,
	    "availability_zone_profile_id")), &row);
	if (e == -OCTA_ENOTFOUND) {
		e = api_fail(r, OCTA_EINVAL, "Validation failure: Invalid "
		    "availability_zone_profile_id.");
		goto out;
	}
	if (e < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	json_decref(row);
	row = NULL;
	if (repo_get(r->db, AZ, name, &row) == 0) {
		e = api_fail(r, OCTA_ECONFLICT, "A availability zone of %s "
		    "already exists.", name);
		goto out;
	}
	if ((e = repo_insert(r->db, AZ, az)) < 0) {
		e = e == -OCTA_ECONFLICT ? api_fail(r, e, "A availability zone "
		    "of %s already exists.", name) : api_fail(r, e,
		    "Database error.");
		goto out;
	}
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 201, AZ, az);
out:
	json_decref(row);
	json_decref(az);
	return e;
}

static int
az_put(struct api_req *r)
{
	const char *name = r->args[0];
	json_t *in, *ch = NULL, *az = NULL;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if ((e = api_body_root(r, AZ->name, &in)) < 0)
		return e;
	if ((e = api_validate(r, AZ, in, OP_UPDATE, &ch)) < 0)
		return e;
	/* a NOT NULL column: Octavia fails in the database here */
	if (json_is_null(json_object_get(ch, "enabled"))) {
		e = api_fail(r, OCTA_EINVAL, "None is not a valid option for "
		    "enabled");
		goto out;
	}
	if (strcmp(name, NIL_UUID) == 0) {
		e = api_not_found_named(r, AZ_DISPLAY, name);
		goto out;
	}
	if ((e = api_txn_begin(r)) < 0)
		goto out;
	e = repo_update(r->db, AZ, name, ch);
	if (e < 0 && e != -OCTA_ENOTFOUND) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_load_named(r, AZ, AZ_DISPLAY, name, &az)) < 0)
		goto out;
	if ((e = api_txn_commit(r)) < 0)
		goto out;
	api_reply_obj(r, 200, AZ, az);
out:
	json_decref(az);
	json_decref(ch);
	return e;
}

static int
az_delete(struct api_req *r)
{
	const char *name = r->args[0];
	json_t *az;
	long long n;
	int e;

	if ((e = api_require_admin(r)) < 0)
		return e;
	if (strcmp(name, NIL_UUID) == 0)
		return api_not_found_named(r, AZ_DISPLAY, name);
	if ((e = api_txn_begin(r)) < 0)
		return e;
	if ((e = db_exec(r->db, "UPDATE load_balancer SET availability_zone "
	    "= ? WHERE availability_zone = ? AND provisioning_status = "
	    "'DELETED'", json_pack("[ss]", NIL_UUID, name), NULL)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_load_named(r, AZ, AZ_DISPLAY, name, &az)) < 0)
		return e;
	json_decref(az);
	if ((e = api_count_rows(r, "SELECT COUNT(*) AS n FROM load_balancer "
	    "WHERE availability_zone = ?", name, &n)) < 0)
		return e;
	if (n > 0)
		return api_fail(r, OCTA_ECONFLICT, "%s %s is in use and cannot "
		    "be modified.", AZ_DISPLAY, name);
	if ((e = repo_delete(r->db, AZ, name)) < 0)
		return api_fail(r, e, "Database error.");
	if ((e = api_txn_commit(r)) < 0)
		return e;
	api_reply(r, 204, NULL);
	return 0;
}

const struct api_route api_routes_az[] = {
	{ M_GET, "/availabilityzoneprofiles", azp_get_all,
	    "os_load-balancer_api:availability-zone-profile:get_all" },
	{ M_POST, "/availabilityzoneprofiles", azp_post,
	    "os_load-balancer_api:availability-zone-profile:post" },
	{ M_GET, "/availabilityzoneprofiles/{}", azp_get_one,
	    "os_load-balancer_api:availability-zone-profile:get_one" },
	{ M_PUT, "/availabilityzoneprofiles/{}", azp_put,
	    "os_load-balancer_api:availability-zone-profile:put" },
	{ M_DELETE, "/availabilityzoneprofiles/{}", azp_delete,
	    "os_load-balancer_api:availability-zone-profile:delete" },
	{ M_GET, "/availabilityzones", az_get_all,
	    "os_load-balancer_api:availability-zone:get_all" },
	{ M_POST, "/availabilityzones", az_post,
	    "os_load-balancer_api:availability-zone:post" },
	{ M_GET, "/availabilityzones/{}", az_get_one,
	    "os_load-balancer_api:availability-zone:get_one" },
	{ M_PUT, "/availabilityzones/{}", az_put,
	    "os_load-balancer_api:availability-zone:put" },
	{ M_DELETE, "/availabilityzones/{}", az_delete,
	    "os_load-balancer_api:availability-zone:delete" },
	{ 0, NULL, NULL, NULL },
};
