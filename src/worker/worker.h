/*
 * worker.h - the worker role: claims jobs from the job table under a lease
 * and runs their flows step by step, saving progress after each step.
 */
#ifndef OCTA_WORKER_H
#define OCTA_WORKER_H

#include <jansson.h>
#include <stdbool.h>

#include "../db/db.h"
#include "../drivers/drivers.h"

struct flow_ctx {
	struct db *db;
	const struct drivers *drv;
	const char *job_id;
	const char *kind;
	const char *object_id;
	const char *lb_id;
	json_t *payload;
};

struct flow_step {
	const char *name;
	int (*execute)(struct flow_ctx *ctx);
};

struct flow {
	const char *kind;	/* "loadbalancer.create", ... */
	const struct flow_step *steps;
	int nsteps;
	/* Called once when a step fails for good. */
	int (*on_failure)(struct flow_ctx *ctx);
};

/* The flow of a job kind, NULL if unknown. */
const struct flow *flow_find(const char *kind);

/*
 * Claims one runnable job and runs it to completion.  Returns 1 if a job
 * ran, 0 if none was runnable, <0 on a database error.
 */
int worker_run_one(struct db *db, const struct drivers *drv,
    const char *owner);
/* Hands back the leases an earlier life of this unit held. */
int worker_recover(struct db *db, const char *unit);
/* The worker role's main loop (never returns). */
void worker_main(const char *unit) __attribute__((noreturn));

#endif
