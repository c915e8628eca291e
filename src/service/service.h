/*
 * service.h - lifecycle rules shared by the API and the worker: locking a
 * load balancer (Octavia's "mutable only when ACTIVE" rule), submitting
 * jobs, quota checks, and the status changes that end every flow.
 */
#ifndef OCTA_SERVICE_H
#define OCTA_SERVICE_H

#include <jansson.h>
#include <stdbool.h>

#include "../db/db.h"
#include "../db/repo.h"

/*
 * Moves the LB from ACTIVE (or ERROR when allow_error) to `to`.
 * -OCTA_ENOTFOUND if missing or DELETED, -OCTA_ECONFLICT if not allowed;
 * *status then holds the status it was in (static string or NULL).
 */
int svc_lb_lock(struct db *db, const char *lb_id, const char *to,
    bool allow_error, char *status, size_t status_len);

/* Sets provisioning_status (and operating_status unless NULL). */
int svc_set_status(struct db *db, const struct resource *res, const char *id,
    const char *prov, const char *oper);

/* Queues a job; runs inside the caller's transaction. */
int svc_job_submit(struct db *db, const char *kind, const char *object_id,
    const char *lb_id, json_t *payload);

/* Quota resources, in Octavia's names. */
enum quota_res {
	Q_LOADBALANCER,
	Q_LISTENER,
	Q_POOL,
	Q_HEALTHMONITOR,
	Q_MEMBER,
	Q_L7POLICY,
	Q_L7RULE,
	Q__COUNT
};
extern const struct quota_info {
	const char *column;	/* quotas table column */
	const char *api;	/* API name (and deprecated alias) */
	const char *alias;
	const char *display;	/* in the 403 message */
	enum resource_kind kind;
} svc_quota_info[Q__COUNT];

/* The configured default limit ([quotas] default_<res>_quota). */
long long svc_quota_default(enum quota_res q);
/* The limit in force for a project (row value or configured default). */
long long svc_quota_limit(struct db *db, const char *project_id,
    enum quota_res q);
/* 0 if `n` more objects fit; -OCTA_EFORBIDDEN otherwise. */
int svc_quota_check(struct db *db, const char *project_id, enum quota_res q,
    int n);

/*
 * Ends a successful flow on an LB: every PENDING_CREATE/PENDING_UPDATE
 * object under it becomes ACTIVE, PENDING_DELETE children are removed.
 */
int svc_lb_tree_activate(struct db *db, const char *lb_id);
/* Ends a failed child flow: the object ERROR, everything else ACTIVE. */
int svc_lb_tree_fail(struct db *db, const char *lb_id,
    const struct resource *res, const char *id);
/* Removes every child row of an LB (cascade delete). */
int svc_lb_children_delete(struct db *db, const char *lb_id);

/* Fills the VIP fields of a new LB (network driver's API-time part). */
int svc_vip_allocate(struct db *db, json_t *lb);

#endif
