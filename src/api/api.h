/*
 * api.h - what the API's route handlers share: the request, replies and
 * errors in Octavia's format, validation and views driven by the model's
 * field tables, list queries, and the caller's identity.
 */
#ifndef OCTA_API_H
#define OCTA_API_H

#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>

#include "../common/keystone.h"
#include "../db/db.h"
#include "../db/repo.h"
#include "../model/model.h"

enum api_method {
	M_GET = 1,
	M_POST = 2,
	M_PUT = 4,
	M_DELETE = 8,
	M_HEAD = 16,
	M_OTHER = 32,
};

struct api_auth {
	char project_id[KS_ID_LEN];	/* "" when the caller has none */
	char user_id[KS_ID_LEN];
	bool is_admin;		/* noauth, or Octavia's context_is_admin */
	struct ks_identity ks;	/* roles and scope (keystone) */
};

#define API_MAX_ARGS 4

struct api_req {
	struct evhttp_request *ev;
	enum api_method method;
	char *path;		/* normalised: "/loadbalancers/ID" */
	char *args[API_MAX_ARGS];	/* the route's {} segments */
	struct evkeyvalq query;	/* parsed query string */
	json_t *body;		/* parsed body or NULL */
	struct api_auth auth;
	const struct api_route *route;
	bool policy_checked;	/* the route's rule met its target */
	struct db *db;
	char msg[1024];		/* error message of a failed handler */
	int status;		/* set once replied */
};

typedef int (*api_handler)(struct api_req *r);

struct api_route {
	unsigned methods;
	const char *pattern;	/* "/loadbalancers/{}/stats" */
	api_handler handler;
	/*
	 * Octavia's policy rule ("os_load-balancer_api:loadbalancer:get_one"),
	 * NULL for none (the version document, healthcheck).  The dispatcher
	 * checks it against the caller's own project; where the target is an
	 * object, the handler checks it again against the object's project
	 * when it loads it (api_load(), api_can_see()); lists with a
	 * "<rule>-global" variant are scoped by api_list().
	 */
	const char *rule;
};

/* ---- replies ---- */
/* Replies with `body` (taken over; NULL for no body). */
void api_reply(struct api_req *r, int status, json_t *body);
/* Records an error message; returns -err for the handler to return. */
int api_fail(struct api_req *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<Display> <id> not found." */
int api_not_found(struct api_req *r, const struct resource *res,
    const char *id);

/* ---- request pieces ---- */
const char *api_query(struct api_req *r, const char *key);
/* "https" when the API serves TLS, else "http" (for links). */
const char *api_scheme(void);
/* The body's object under `root`; fails 400 as WSME does. */
int api_body_root(struct api_req *r, const char *root, json_t **obj);

/* ---- validation (validate.c) ---- */
enum api_op { OP_CREATE, OP_UPDATE, OP_GRAPH };
/*
 * Checks `in` against the resource's fields for the operation; on success
 * *out is a new object of typed values (with POST defaults on create).
 */
int api_validate(struct api_req *r, const struct resource *res, json_t *in,
    enum api_op op, json_t **out);
/*
 * As api_validate(), but an explicit null in one of the fields named in
 * `nullable` (NULL-terminated) passes as null instead of failing: WSME
 * lets null through mandatory and not-null attributes and Octavia fails
 * later, with its own message and precedence, which the caller then gives.
 */
int api_validate_nullable(struct api_req *r, const struct resource *res,
    json_t *in, enum api_op op, const char *const *nullable, json_t **out);
/* "Invalid input for field/attribute F. Value: 'V'. REASON" */
int api_bad_field(struct api_req *r, const char *field, json_t *value,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- views (view.c) ---- */
/* Adds the derived fields (reference lists and such) of an object. */
int api_decorate(struct api_req *r, const struct resource *res, json_t *obj);
/* The same for a page of objects, with one query per relation. */
int api_decorate_many(struct api_req *r, const struct resource *res,
    json_t *objs);
/* The response form of an object (new reference), honouring fields=. */
json_t *api_view(struct api_req *r, const struct resource *res, json_t *obj);
/* The same, reshaping `obj` itself when no fields= selection is given
 * (obj is then consumed as a view: use it no more as a model object). */
json_t *api_view_move(struct api_req *r, const struct resource *res,
    json_t *obj);
/* Loads, checks visibility and decorates; 404 when absent or DELETED. */
int api_load(struct api_req *r, const struct resource *res, const char *id,
    json_t **out);
/* Replies 200/201 with {res->name: view}. */
void api_reply_obj(struct api_req *r, int status, const struct resource *res,
    json_t *obj);

/* ---- lists (list.c) ---- */
/*
 * Serves a GET list of `res` with Octavia's pagination, sorting,
 * filtering, fields and tags.  `where`/`params` (borrowed) narrow it.
 */
int api_list(struct api_req *r, const struct resource *res,
    const char *where, json_t *params);

/* ---- auth and policy (auth.c) ---- */
/*
 * True if the route's rule allows the caller on a target owned by
 * `project_id` (Octavia's _auth_validate_action()); records that the
 * target was checked.
 */
bool api_can_see(struct api_req *r, const char *project_id);
/* As api_can_see(), failing 403 "Policy does not allow ..." otherwise. */
int api_authorize(struct api_req *r, const char *project_id);
/* Evaluates any rule for the caller against `project_id`. */
bool api_policy(struct api_req *r, const char *rule, const char *project_id);
/*
 * The project a list is limited to (Octavia's _auth_get_all()): NULL for
 * all when the caller passes "<rule>-global", else the requested or the
 * caller's own project after checking the route's rule on it (403).
 * *scoped is false when the route's rule has no global variant (the list
 * is limited by its parent, or is not per project).
 */
int api_list_scope(struct api_req *r, const char *requested,
    const char **project, bool *scoped);
/*
 * Identifies the caller (noauth, or a Keystone token) and fills r->auth.
 * Replies 401 or 503 itself and returns the error.
 */
int api_authenticate(struct api_req *r, bool anonymous_ok);
/* The dispatcher's check of the route's rule; see struct api_route. */
int api_route_authorize(struct api_req *r);
/* Sets up Keystone and the policy for the API role (before threads). */
int api_auth_init(void);

/* ---- transactions ---- */
int api_txn_begin(struct api_req *r);
/* Commits; on failure replies 500/503 and returns the error. */
int api_txn_commit(struct api_req *r);
void api_txn_abort(struct api_req *r);

/* ---- shared steps of create/update/delete (ops.c) ---- */
/* Fills id, timestamps, project and the initial statuses of a new row. */
void api_new_row(struct api_req *r, const struct resource *res, json_t *obj,
    const char *project_id);
/*
 * Locks the LB for a child change (ACTIVE -> PENDING_UPDATE); 409
 * "Load Balancer X is immutable" otherwise.  Inside a transaction.
 */
int api_lock_lb(struct api_req *r, const char *lb_id);
/* Marks one row PENDING_UPDATE (a listener or parent pool/l7policy). */
int api_mark_pending(struct api_req *r, const struct resource *res,
    const char *id);
/* 409 "<Display> <id> is immutable" unless the row is ACTIVE. */
int api_require_active(struct api_req *r, const struct resource *res,
    json_t *obj);
/*
 * 403 "Policy does not allow ..." unless the route's rule (admin-only by
 * default) allows the caller on its own project.
 */
int api_require_admin(struct api_req *r);
/* Quota check in Octavia's terms (skipped in noauth); 403 when met. */
int api_quota(struct api_req *r, const char *project_id, int q, int n);
/* Queues the job for a change and commits; replies on failure. */
int api_submit(struct api_req *r, const char *kind, const char *object_id,
    const char *lb_id, json_t *payload);

/* ---- shared between resource files ---- */
/* The placeholder row of flavors, AZs and their profiles. */
#define API_NIL_UUID "00000000-0000-0000-0000-000000000000"
/* 404 "<what> <id> not found." (what: the name Octavia uses there). */
int api_not_found_named(struct api_req *r, const char *what, const char *id);
/* Loads a row by key; 404 for the placeholder or a missing row. */
int api_load_named(struct api_req *r, const struct resource *res,
    const char *what, const char *key, json_t **out);
/* The "n" that `sql` (a COUNT with one bound value) selects. */
int api_count_rows(struct api_req *r, const char *sql, const char *value,
    long long *n);
/* True if `name` is an enabled provider (res_provider.c). */
bool api_provider_enabled(const char *name);
/*
 * Checks a flavor profile's flavor_data or an availability zone profile's
 * availability_zone_data (`field`) as Octavia does: JSON (400), provider
 * enabled (400), the provider's schema (501) (res_flavor.c).
 */
int api_profile_data_check(struct api_req *r, const char *provider,
    const char *field, const char *text);
/* Checks and completes a new LB (VIP, provider, flavor, quota). */
int api_lb_prepare(struct api_req *r, json_t *lb);
/*
 * Single-call create of a whole graph (graph.c): `lb` is prepared and
 * validated, with "listeners"/"pools" still in it.  Runs in the caller's
 * transaction, submits the job, replies 201 with the full form.
 */
int api_graph_create(struct api_req *r, json_t *lb);
/*
 * Create checks of each child resource, shared by its POST and by graph
 * create.  `obj` has passed api_validate(); the function applies the
 * cross-field rules and Octavia's defaults, fills id/project/statuses with
 * api_new_row() and sets the internal parent columns (loadbalancer_id,
 * pool_id, ...), but does not insert.  The parents are full objects (in a
 * graph create they are not in the database yet).  `listener` may be NULL
 * for a pool.
 */
int api_listener_prepare(struct api_req *r, json_t *lb, json_t *listener);
int api_pool_prepare(struct api_req *r, json_t *lb, json_t *listener,
    json_t *pool);
int api_member_prepare(struct api_req *r, json_t *pool, json_t *member);
int api_hm_prepare(struct api_req *r, json_t *pool, json_t *hm);
int api_l7policy_prepare(struct api_req *r, json_t *listener,
    json_t *policy);
int api_l7rule_prepare(struct api_req *r, json_t *policy, json_t *rule);
/*
 * Octavia's URL checks (res_l7policy.c): validate.url() with an http(s)
 * scheme and a host (redirect_url, redirect_prefix), and
 * validate.url_path() (health monitor url_path).
 */
bool api_url_valid(const char *s);
bool api_url_path_valid(const char *s);
/* Listener -> pool protocol compatibility (res_pool.c). */
bool api_protocols_compatible(const char *listener_proto,
    const char *pool_proto);
/*
 * Marks PENDING_UPDATE every listener using the pool (as default pool or
 * through an enabled L7 policy with rules); *n (may be NULL) gets their
 * number (res_pool.c).
 */
int api_pool_listeners_pending(struct api_req *r, const char *pool_id,
    size_t *n);

/* ---- TLS settings of listeners and pools (res_listener.c) ---- */
/* Python's truth value of a JSON value (NULL, null, "", [], {}, 0: false). */
bool api_truthy(json_t *v);
/* A list option ("a,b") as a JSON array of strings. */
json_t *api_cfg_list(const char *csv);
/* tls_ciphers: allowed characters, then tls_cipher_prohibit_list. */
int api_check_ciphers(struct api_req *r, const char *ciphers);
/* Empty list, unknown entries, minimum_tls_version; null passes. */
int api_check_tls_versions(struct api_req *r, json_t *versions);
int api_check_alpn(struct api_req *r, json_t *protocols);
/*
 * Certificate references, fetched from the secrets backend and checked
 * (tls_refs.c): each SNI ref and then `ref` must be a certificate
 * container whose key matches; a CA (and CRL) secret must parse, and the
 * CRL must be signed by the CA.  NULL or "" refs are absent (a CRL without
 * a CA is not checked: the callers refuse it first).  400 as Octavia
 * otherwise.
 */
int api_check_tls_refs(struct api_req *r, json_t *sni_refs, const char *ref);
int api_check_ca_crl_refs(struct api_req *r, const char *ca_ref,
    const char *crl_ref);

/* Replies {"stats": sums} over the listeners `where` selects. */
int api_stats_reply(struct api_req *r, const char *where, const char *id);

/* ---- the route tables of each resource file ---- */
extern const struct api_route api_routes_version[];
extern const struct api_route api_routes_loadbalancer[];
extern const struct api_route api_routes_listener[];
extern const struct api_route api_routes_pool[];
extern const struct api_route api_routes_member[];
extern const struct api_route api_routes_healthmonitor[];
extern const struct api_route api_routes_l7policy[];
extern const struct api_route api_routes_l7rule[];
extern const struct api_route api_routes_quota[];
extern const struct api_route api_routes_flavor[];
extern const struct api_route api_routes_az[];
extern const struct api_route api_routes_provider[];
extern const struct api_route api_routes_amphora[];
extern const struct api_route api_routes_neutron[];

/* The API role's main loop (never returns). */
void api_main(void) __attribute__((noreturn));

#endif
