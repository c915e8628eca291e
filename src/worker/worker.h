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
	const char *owner;	/* the lease holder: "unit:pid:thread" */
	const char *kind;
	const char *object_id;
	const char *lb_id;
	/*
	 * What the job was submitted with, plus the results steps hand on
	 * to later steps (amphora ids, addresses, ports).  Saved with each
	 * progress mark, so a resumed flow has them.  Never put a secret in
	 * it: it is stored in the job table.
	 */
	json_t *payload;
	/* The step running (0-based), for log lines. */
	int step;
};

/*
 * One step of a flow.  Any member but the name may be NULL.
 *
 * execute  does the slow outside work (drivers: namespaces, ports, agent
 *          calls) with no transaction open, so the database stays free
 *          for the API meanwhile.  It may read (single statements or a
 *          short read snapshot) and it leaves what later steps need in
 *          ctx->payload.  Idempotent: after a crash it runs again.
 * commit   records the step's results: it runs in one short transaction
 *          together with the progress mark and the saved payload, so a
 *          step is either done and recorded or neither.
 * revert   undoes execute's outside work when the flow fails for good.
 *          The failed step's revert and those of every step before it
 *          run, last first, with no transaction open; best effort.
 *
 * A step that returns -OCTA_EBUSY (database busy) is retried later; any
 * other error fails the flow.
 */
struct flow_step {
	const char *name;
	int (*execute)(struct flow_ctx *ctx);
	int (*commit)(struct flow_ctx *ctx);
	void (*revert)(struct flow_ctx *ctx);
};

struct flow {
	const char *kind;	/* "loadbalancer.create", ... */
	const struct flow_step *steps;
	int nsteps;
	/* After the reverts of a failed flow: Octavia's revert rules on the
	 * statuses, in the transaction that marks the job failed. */
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
/*
 * Extends the leases of the jobs this process is running, on `db`.  The
 * worker role's lease keeper thread calls it every third of a lease, so a
 * step that waits long on an agent does not lose its job.  0 or -OCTA_E*.
 */
int worker_leases_renew(struct db *db);
/* Hands back the leases an earlier life of this unit held. */
int worker_recover(struct db *db, const char *unit);
/* The worker role's main loop (never returns). */
void worker_main(const char *unit) __attribute__((noreturn));

#endif
