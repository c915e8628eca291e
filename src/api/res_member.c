/*
 * res_member.c - /pools/{pool}/members: create, show, list, update and
 * delete one member, and the batch update (PUT on the collection) that
 * makes a pool's member list what the body says.  Also the create checks
 * shared with single-call graph create (api_member_prepare).  Runs on the
 * API role's event loop, inside the request's transaction.
 *
 * Every route first looks the pool up (404 before anything else, as
 * Octavia's routing does).  A change needs the pool ACTIVE and locks the
 * load balancer; the pool and the listeners using it go PENDING_UPDATE.
 * A batch update is one job, "member.batch", whose object is the pool.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../service/service.h"

#define MEMBER model_resource(RES_MEMBER)
#define POOL model_resource(RES_POOL)
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

/* Python's ip_address(s).exploded.upper(); false if not an address. */
static bool
ip_exploded(const char *s, char *out, size_t len)
{
	unsigned char b[16];
	struct buf x;
	int i;

	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, b) == 1)
		return inet_ntop(AF_INET, b, out, (socklen_t)len) != NULL;
	if (inet_pton(AF_INET6, s, b) != 1)
		return false;
	buf_init(&x, 64);
	for (i = 0; i < 16; i += 2)
		buf_printf(&x, "%s%02X%02X", i ? ":" : "", b[i], b[i + 1]);
	snprintf(out, len, "%s", buf_str(&x));
	buf_free(&x);
	return true;
}

/*
 * [networking] reserved_ips.  Octavia compares the exploded upper-case
 * form with the configured strings; both sides are normalised here, so an
 * IPv6 entry written in short form is honoured too.
 */
static int
check_reserved(struct api_req *r, const char *address)
{
	char mine[64], theirs[64];
	json_t *list, *v;
	size_t i;
	int e = 0;

	if (!ip_exploded(address, mine, sizeof(mine)))
		return 0;
	list = api_cfg_list(cfg.networking_reserved_ips);
	json_array_foreach(list, i, v)
		if (ip_exploded(json_string_value(v), theirs, sizeof(theirs)) &&
		    strcmp(mine, theirs) == 0) {
			e = api_fail(r, OCTA_EINVAL, "%s is not a valid option "
			    "for member address", mine);
			break;
		}
	json_decref(list);
	return e;
}

/* True if the LB's flavor allows SR-IOV member ports. */
static bool
sriov_allowed(struct api_req *r, const char *lb_id)
{
	json_t *lb = NULL, *fl = NULL, *prof = NULL, *data = NULL;
	bool ok = false;

	if (repo_get(r->db, LB, lb_id, &lb) < 0 || !sget(lb, "flavor_id"))
		goto out;
	if (repo_get(r->db, model_resource(RES_FLAVOR), sget(lb, "flavor_id"),
	    &fl) < 0 || repo_get(r->db, model_resource(RES_FLAVORPROFILE),
	    sget(fl, "flavor_profile_id"), &prof) < 0)
		goto out;
	data = json_loads(sget(prof, "flavor_data") ? sget(prof,
	    "flavor_data") : "", 0, NULL);
	ok = json_is_true(json_object_get(data, "allow_member_sriov"));
out:
	json_decref(lb);
	json_decref(fl);
	json_decref(prof);
	json_decref(data);
	return ok;
}

static bool
pool_has_hm(struct api_req *r, json_t *pool)
{
	json_t *row;

	if (json_is_string(json_object_get(pool, "healthmonitor_id")))
		return true;
	if (db_query_one(r->db, "SELECT id FROM health_monitor WHERE "
	    "pool_id = ?", json_pack("[s]", sget(pool, "id")), &row) < 0)
		return false;
	json_decref(row);
	return true;
}

/* Create, part one: reserved address, SR-IOV, statuses, parent columns. */
static int
member_head(struct api_req *r, json_t *pool, json_t *m)
{
	bool sriov = json_is_true(json_object_get(m, "request_sriov"));
	char msg[256];
	int e;

	if ((e = check_reserved(r, sget(m, "address"))) < 0)
		return e;
	if ((e = svc_member_subnet_check(r->db, sget(m, "subnet_id"), msg,
	    sizeof(msg))) < 0)
		return api_fail(r, e, "%s", msg);
	if (sriov && !sriov_allowed(r, sget(pool, "loadbalancer_id")))
		return api_fail(r, OCTA_EINVAL, "The load balancer flavor does "
		    "not allow SR-IOV member ports.");
	json_object_del(m, "request_sriov");
	json_object_set_new(m, "vnic_type", json_string(sriov ? "direct" :
	    "normal"));
	if (!json_is_boolean(json_object_get(m, "backup")))
		json_object_set_new(m, "backup", json_false());
	api_new_row(r, MEMBER, m, sget(pool, "project_id"));
	json_object_set_new(m, "operating_status", json_string(
	    pool_has_hm(r, pool) ? "OFFLINE" : "NO_MONITOR"));
	json_object_set(m, "pool_id", json_object_get(pool, "id"));
	json_object_set(m, "loadbalancer_id", json_object_get(pool,
	    "loadbalancer_id"));
	return 0;
}

static int
duplicate(struct api_req *r, json_t *m)
{
	return api_fail(r, OCTA_ECONFLICT, "Another member on this pool is "
	    "already using ip %s on protocol_port %lld", sget(m, "address"),
	    (long long)json_integer_value(json_object_get(m,
	    "protocol_port")));
}

/* Create, part two: (pool, address, port) is unique (409). */
static int
member_tail(struct api_req *r, json_t *m)
{
	json_t *row;
	int e;

	e = db_query_one(r->db, "SELECT id FROM member WHERE pool_id = ? AND "
	    "address = ? AND protocol_port = ?", json_pack("[ssO]",
	    sget(m, "pool_id"), sget(m, "address"), json_object_get(m,
	    "protocol_port")), &row);
	if (e == 0) {
		json_decref(row);
		return duplicate(r, m);
	}
	return e == -OCTA_ENOTFOUND ? 0 : api_fail(r, e, "Database error.");
}

int
api_member_prepare(struct api_req *r, json_t *pool, json_t *member)
{
	int e;

	if ((e = member_head(r, pool, member)) < 0)
		return e;
	return member_tail(r, member);
}

/*
 * The amphora provider's rule for UDP/SCTP pools that listeners use: a
 * member's address family must be one of the VIPs' (501 otherwise).
 */
static int
check_lvs_family(struct api_req *r, json_t *pool, size_t nlisteners,
    json_t *members)
{
	const char *proto = sget(pool, "protocol");
	json_t *lb = NULL, *v, *m;
	bool v4 = false, v6 = false;
	size_t i;
	int fam, e = 0;

	if ((!streq(proto, "UDP") && !streq(proto, "SCTP")) || nlisteners == 0)
		return 0;
	if (repo_get(r->db, LB, sget(pool, "loadbalancer_id"), &lb) < 0)
		return 0;
	if (ip_valid(sget(lb, "vip_address"), &fam)) {
		v4 |= fam == 4;
		v6 |= fam == 6;
	}
	json_array_foreach(json_object_get(lb, "additional_vips"), i, v)
		if (ip_valid(sget(v, "ip_address"), &fam)) {
			v4 |= fam == 4;
			v6 |= fam == 6;
		}
	json_array_foreach(members, i, m) {
		if (!ip_valid(sget(m, "address"), &fam) ||
		    (fam == 6 ? v6 : v4))
			continue;
		e = api_fail(r, OCTA_ENOTIMPL, "Provider '%s' does not support "
		    "a requested option: This provider doesn't support mixing "
		    "IPv4 and IPv6 addresses for its VIP and members in %s "
		    "load balancers.", sget(lb, "provider") ? sget(lb,
		    "provider") : "amphora", proto);
		break;
	}
	json_decref(lb);
	return e;
}

/*
 * Octavia's _test_lb_and_listener_and_pool_statuses: the pool must be
 * ACTIVE, the LB is locked, the pool and its listeners go PENDING_UPDATE.
 */
static int
lock_pool(struct api_req *r, json_t *pool, size_t *nlisteners)
{
	int e;

	if ((e = api_require_active(r, POOL, pool)) < 0 ||
	    (e = api_lock_lb(r, sget(pool, "loadbalancer_id"))) < 0 ||
	    (e = api_pool_listeners_pending(r, sget(pool, "id"),
	    nlisteners)) < 0 ||
	    (e = api_mark_pending(r, POOL, sget(pool, "id"))) < 0)
		return e;
	return 0;
}

/* The member of the URL, which must belong to the URL's pool. */
static int
load_member(struct api_req *r, json_t **m)
{
	int e;

	if ((e = api_load(r, MEMBER, r->args[1], m)) < 0)
		return e;
	if (!streq(sget(*m, "pool_id"), r->args[0])) {
		json_decref(*m);
		*m = NULL;
		return api_not_found(r, MEMBER, r->args[1]);
	}
	return 0;
}

static int
member_post(struct api_req *r)
{
	json_t *in, *pool = NULL, *m = NULL, *one = NULL, *out = NULL;
	size_t nl = 0;
	int e;

	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &pool)) < 0)
		goto out;
	if ((e = api_body_root(r, "member", &in)) < 0 ||
	    (e = api_validate(r, MEMBER, in, OP_CREATE, &m)) < 0 ||
	    (e = member_head(r, pool, m)) < 0 ||
	    (e = api_quota(r, sget(pool, "project_id"), Q_MEMBER, 1)) < 0 ||
	    (e = lock_pool(r, pool, &nl)) < 0 ||
	    (e = member_tail(r, m)) < 0)
		goto out;
	one = json_pack("[O]", m);
	if ((e = check_lvs_family(r, pool, nl, one)) < 0)
		goto out;
	if ((e = repo_insert(r->db, MEMBER, m)) < 0) {
		e = e == -OCTA_ECONFLICT ? duplicate(r, m) :
		    api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "member.create", sget(m, "id"), sget(pool,
	    "loadbalancer_id"), NULL)) < 0 ||
	    (e = api_load(r, MEMBER, sget(m, "id"), &out)) < 0)
		goto out;
	api_reply_obj(r, 201, MEMBER, out);
out:
	json_decref(pool);
	json_decref(m);
	json_decref(one);
	json_decref(out);
	return e;
}

static int
member_get_one(struct api_req *r)
{
	json_t *pool = NULL, *m = NULL;
	int e;

	if ((e = api_load(r, POOL, r->args[0], &pool)) < 0 ||
	    (e = load_member(r, &m)) < 0)
		goto out;
	api_reply_obj(r, 200, MEMBER, m);
out:
	json_decref(pool);
	json_decref(m);
	return e;
}

static int
member_get_all(struct api_req *r)
{
	json_t *pool, *params;
	int e;

	if ((e = api_load(r, POOL, r->args[0], &pool)) < 0)
		return e;
	json_decref(pool);
	params = json_pack("[s]", r->args[0]);
	e = api_list(r, MEMBER, "pool_id = ?", params);
	json_decref(params);
	return e;
}

static int
member_put(struct api_req *r)
{
	json_t *in, *pool = NULL, *ch = NULL, *m = NULL, *out = NULL;
	int e;

	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &pool)) < 0 ||
	    (e = api_body_root(r, "member", &in)) < 0 ||
	    (e = api_validate(r, MEMBER, in, OP_UPDATE, &ch)) < 0 ||
	    (e = load_member(r, &m)) < 0)
		goto out;
	/* PUT null: back to the defaults */
	if (json_is_null(json_object_get(ch, "backup")))
		json_object_set_new(ch, "backup", json_false());
	if (json_is_null(json_object_get(ch, "weight")))
		json_object_set_new(ch, "weight", json_integer(1));
	if (json_is_null(json_object_get(ch, "tags")))
		json_object_set_new(ch, "tags", json_array());
	if ((e = lock_pool(r, pool, NULL)) < 0)
		goto out;
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, MEMBER, r->args[1], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "member.update", r->args[1], sget(pool,
	    "loadbalancer_id"), NULL)) < 0 ||
	    (e = api_load(r, MEMBER, r->args[1], &out)) < 0)
		goto out;
	api_reply_obj(r, 200, MEMBER, out);
out:
	json_decref(pool);
	json_decref(ch);
	json_decref(m);
	json_decref(out);
	return e;
}

static int
member_delete(struct api_req *r)
{
	json_t *pool = NULL, *m = NULL;
	int e;

	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &pool)) < 0 ||
	    (e = load_member(r, &m)) < 0 ||
	    (e = lock_pool(r, pool, NULL)) < 0)
		goto out;
	if ((e = svc_set_status(r->db, MEMBER, r->args[1],
	    PROV_PENDING_DELETE, NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "member.delete", r->args[1], sget(pool,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(pool);
	json_decref(m);
	return e;
}

/* ---- batch update ---- */

/* The body's "members": a list of member objects, validated as on POST. */
static int
batch_body(struct api_req *r, json_t **out)
{
	json_t *list, *v, *m, *res;
	const char *k;
	size_t i;
	int e;

	if (r->body == NULL || !json_is_object(r->body))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute members. Value: 'None'. Mandatory field "
		    "missing.");
	json_object_foreach(r->body, k, v)
		if (strcmp(k, "members") != 0)
			return api_fail(r, OCTA_EINVAL, "Unknown attribute for "
			    "argument members_: %s", k);
	list = json_object_get(r->body, "members");
	if (!json_is_array(list))
		return api_bad_field(r, "members", list, list ? "Value should "
		    "be a list" : "Mandatory field missing.");
	res = json_array();
	json_array_foreach(list, i, v) {
		if ((e = api_validate(r, MEMBER, v, OP_CREATE, &m)) < 0) {
			json_decref(res);
			return e;
		}
		json_array_append_new(res, m);
	}
	*out = res;
	return 0;
}

static bool
same_key(json_t *a, json_t *b)
{
	return streq(sget(a, "address"), sget(b, "address")) &&
	    json_integer_value(json_object_get(a, "protocol_port")) ==
	    json_integer_value(json_object_get(b, "protocol_port"));
}

static json_t *
find_key(json_t *list, json_t *m)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (same_key(v, m))
			return v;
	return NULL;
}

/*
 * The change to an existing member: what MemberPOST sets (defaults
 * included), plus name, subnet_id and tags when the body has them.
 */
static json_t *
batch_changes(json_t *pool, json_t *raw, json_t *m)
{
	static const char *const always[] = { "address", "protocol_port",
		"weight", "backup", "admin_state_up", "monitor_port",
		"monitor_address", NULL };
	static const char *const given[] = { "name", "subnet_id", "tags",
		NULL };
	json_t *ch = json_object(), *v;
	size_t i;

	for (i = 0; always[i]; i++) {
		v = json_object_get(m, always[i]);
		json_object_set_new(ch, always[i], v ? json_incref(v) :
		    json_null());
	}
	for (i = 0; given[i]; i++)
		if (json_object_get(raw, given[i]))
			json_object_set(ch, given[i], json_object_get(m,
			    given[i]));
	if (json_is_null(json_object_get(ch, "tags")))
		json_object_set_new(ch, "tags", json_array());
	json_object_set(ch, "project_id", json_object_get(pool, "project_id"));
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	return ch;
}

static int
members_batch(struct api_req *r)
{
	const char *add = api_query(r, "additive_only");
	bool additive = add && parse_bool_str(add);
	json_t *pool = NULL, *want = NULL, *old = NULL, *fresh, *seen, *m, *o;
	json_t *raw = json_object_get(r->body, "members");
	size_t i, nl = 0, ndel = 0;
	long long diff;
	int e;

	fresh = json_array();
	seen = json_array();
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = api_load(r, POOL, r->args[0], &pool)) < 0 ||
	    (e = batch_body(r, &want)) < 0 ||
	    (e = lock_pool(r, pool, &nl)) < 0)
		goto out;
	if ((e = repo_select(r->db, MEMBER, "pool_id = ?", json_pack("[s]",
	    r->args[0]), "created_at, id", &old)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	json_array_foreach(want, i, m) {
		if (find_key(old, m) == NULL) {
			if ((e = check_reserved(r, sget(m, "address"))) < 0)
				goto out;
			json_array_append(fresh, m);
		} else if (find_key(seen, m)) {
			e = api_fail(r, OCTA_EINVAL, "Validation failure: "
			    "Member must be updated only once in the same "
			    "request.");
			goto out;
		} else {
			json_array_append(seen, m);
		}
	}
	json_array_foreach(old, i, o)
		if (find_key(want, o) == NULL)
			ndel++;
	if (ndel == 0 && json_array_size(want) == 0) {
		/* Nothing to do: undo the lock, as Octavia rolls back. */
		api_txn_abort(r);
		api_reply(r, 202, NULL);
		goto out;
	}
	diff = (long long)json_array_size(fresh) - (additive ? 0 :
	    (long long)ndel);
	if (diff > 0 && (e = api_quota(r, sget(pool, "project_id"), Q_MEMBER,
	    (int)diff)) < 0)
		goto out;
	json_array_foreach(fresh, i, m) {
		if ((e = api_member_prepare(r, pool, m)) < 0)
			goto out;
		if ((e = repo_insert(r->db, MEMBER, m)) < 0) {
			e = e == -OCTA_ECONFLICT ? duplicate(r, m) :
			    api_fail(r, e, "Database error.");
			goto out;
		}
	}
	if ((e = check_lvs_family(r, pool, nl, want)) < 0)
		goto out;
	json_array_foreach(want, i, m) {
		json_t *ch;

		if ((o = find_key(old, m)) == NULL)
			continue;
		ch = batch_changes(pool, json_array_get(raw, i), m);
		e = repo_update(r->db, MEMBER, sget(o, "id"), ch);
		json_decref(ch);
		if (e < 0) {
			e = api_fail(r, e, "Database error.");
			goto out;
		}
	}
	json_array_foreach(old, i, o) {
		if (additive || find_key(want, o))
			continue;
		if ((e = svc_set_status(r->db, MEMBER, sget(o, "id"),
		    PROV_PENDING_DELETE, NULL)) < 0) {
			e = api_fail(r, e, "Database error.");
			goto out;
		}
	}
	if ((e = api_submit(r, "member.batch", r->args[0], sget(pool,
	    "loadbalancer_id"), json_pack("{sb}", "additive_only",
	    additive))) < 0)
		goto out;
	api_reply(r, 202, NULL);
out:
	json_decref(pool);
	json_decref(want);
	json_decref(old);
	json_decref(fresh);
	json_decref(seen);
	return e;
}

const struct api_route api_routes_member[] = {
	{ M_GET, "/pools/{}/members", member_get_all,
	    "os_load-balancer_api:member:get_all" },
	{ M_POST, "/pools/{}/members", member_post,
	    "os_load-balancer_api:member:post" },
	{ M_PUT, "/pools/{}/members", members_batch,
	    "os_load-balancer_api:member:put" },
	{ M_GET, "/pools/{}/members/{}", member_get_one,
	    "os_load-balancer_api:member:get_one" },
	{ M_PUT, "/pools/{}/members/{}", member_put,
	    "os_load-balancer_api:member:put" },
	{ M_DELETE, "/pools/{}/members/{}", member_delete,
	    "os_load-balancer_api:member:delete" },
	{ 0, NULL, NULL, NULL },
};
