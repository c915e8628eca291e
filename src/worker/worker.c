/*
 * worker.c - the worker role.  Each worker thread has its own database
 * connection and loops: claim the oldest runnable job (one whose lease is
 * free and that has no older unfinished job on the same load balancer),
 * run the flow's steps from the saved step on.  A step's outside work runs
 * with no transaction open; its results, the progress mark and the payload
 * are then committed together in one short transaction (worker.h).
 *
 * Leases: the claim and every progress mark extend the job's lease, and a
 * lease keeper thread extends the leases of running jobs every third of a
 * lease, so a step that waits on an agent keeps its job.  Every write of
 * the job row checks that this thread still owns it: a worker that lost
 * its lease (a stalled process whose job another unit took over) stops
 * without writing.  A process that dies loses nothing: its lease runs out
 * and any unit resumes the job at its first unfinished step.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"
#include "../service/service.h"

#define MAX_ATTEMPTS 5

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
lease_ms(void)
{
	return cfg.octa_job_lease_seconds * 1000;
}

/* ---- the jobs this process runs (for the lease keeper) ---- */

static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *held;	/* job id -> owner */

static void
lease_hold(const char *job_id, const char *owner)
{
	pthread_mutex_lock(&held_mu);
	if (held == NULL)
		held = json_object();
	json_object_set_new(held, job_id, json_string(owner));
	pthread_mutex_unlock(&held_mu);
}

static void
lease_release(const char *job_id)
{
	pthread_mutex_lock(&held_mu);
	if (held)
		json_object_del(held, job_id);
	pthread_mutex_unlock(&held_mu);
}

int
worker_leases_renew(struct db *db)
{
	const char *id;
	json_t *jobs, *owner;
	long long until = now_ms() + lease_ms();
	int r = 0, e;

	pthread_mutex_lock(&held_mu);
	jobs = held ? json_deep_copy(held) : json_object();
	pthread_mutex_unlock(&held_mu);
	json_object_foreach(jobs, id, owner) {
		e = db_exec(db, "UPDATE job SET lease_until = ? WHERE id = ? "
		    "AND owner = ? AND state = 'ready'", json_pack("[Iss]",
		    until, id, json_string_value(owner)), NULL);
		if (e < 0)
			r = e;
	}
	json_decref(jobs);
	return r;
}

/* Claims a job; *job is the row on success (1), 0 if none. */
static int
claim(struct db *db, const char *owner, json_t **job)
{
	long long now = now_ms(), n = 0;
	json_t *row;
	int r;

	r = db_query_one(db, "SELECT * FROM job j WHERE state = 'ready' AND "
	    "lease_until < ? AND NOT EXISTS (SELECT 1 FROM job k WHERE "
	    "k.lb_id = j.lb_id AND k.lb_id <> '' AND k.state = 'ready' AND "
	    "(k.created_ms < j.created_ms OR (k.created_ms = j.created_ms AND "
	    "k.id < j.id))) ORDER BY created_ms, id LIMIT 1",
	    json_pack("[I]", now), &row);
	if (r == -OCTA_ENOTFOUND)
		return 0;
	if (r < 0)
		return r;
	r = db_exec(db, "UPDATE job SET owner = ?, lease_until = ?, attempts = "
	    "attempts + 1 WHERE id = ? AND state = 'ready' AND lease_until < ?",
	    json_pack("[sIOI]", owner, now + lease_ms(),
	    json_object_get(row, "id"), now), &n);
	if (r < 0 || n != 1) {
		json_decref(row);
		return r < 0 ? r : 0;
	}
	*job = row;
	return 1;
}

/* -OCTA_ECONFLICT when the job is no longer ours. */
static int
job_finish(struct flow_ctx *ctx, const char *state, const char *error)
{
	char now[TIME_STR_LEN];
	long long n = 0;
	int r;

	time_now_iso(now);
	r = db_exec(ctx->db, "UPDATE job SET state = ?, error = ?, "
	    "updated_at = ?, lease_until = 0 WHERE id = ? AND owner = ? AND "
	    "state = 'ready'", json_pack("[ss?sss]", state, error, now,
	    ctx->job_id, ctx->owner), &n);
	return r == 0 && n != 1 ? -OCTA_ECONFLICT : r;
}

/* The progress mark and the payload; -OCTA_ECONFLICT when the job is no
 * longer ours. */
static int
job_progress(struct flow_ctx *ctx, int step)
{
	char *p = json_dumps(ctx->payload, JSON_COMPACT);
	long long n = 0;
	int r;

	if (p == NULL)
		return -OCTA_EINTERNAL;
	r = db_exec(ctx->db, "UPDATE job SET step = ?, payload = ?, "
	    "lease_until = ? WHERE id = ? AND owner = ? AND state = 'ready'",
	    json_pack("[isIss]", step, p, now_ms() + lease_ms(), ctx->job_id,
	    ctx->owner), &n);
	free(p);
	return r == 0 && n != 1 ? -OCTA_ECONFLICT : r;
}

/* Commits a step: its results, the progress mark and the payload in one
 * transaction.  *lost tells that the job is no longer ours. */
static int
step_commit(struct flow_ctx *ctx, const struct flow_step *s, int next,
    bool *lost)
{
	int r;

	if ((r = db_begin(ctx->db)) < 0)
		return r;
	if (s->commit && (r = s->commit(ctx)) < 0)
		goto fail;
	if ((r = job_progress(ctx, next)) < 0) {
		*lost = r == -OCTA_ECONFLICT;
		goto fail;
	}
	if ((r = db_commit(ctx->db)) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(ctx->db);
	return r;
}

/* Extends our lease; -OCTA_ECONFLICT when the job is no longer ours. */
static int
job_touch(struct flow_ctx *ctx)
{
	long long n = 0;
	int r;

	r = db_exec(ctx->db, "UPDATE job SET lease_until = ? WHERE id = ? AND "
	    "owner = ? AND state = 'ready'", json_pack("[Iss]", now_ms() +
	    lease_ms(), ctx->job_id, ctx->owner), &n);
	return r == 0 && n != 1 ? -OCTA_ECONFLICT : r;
}

/*
 * A flow failed for good at step `at`: the reverts of that step and of
 * every step before it (last first, outside any transaction), then the
 * revert rules and the job's end in one transaction.
 */
static void
fail_job(struct flow_ctx *ctx, const struct flow *fl, int at, const char *why)
{
	int i, r;

	db_rollback(ctx->db);
	/* Reverting what another unit now runs would wreck its work. */
	if (job_touch(ctx) == -OCTA_ECONFLICT) {
		log_warn("job %s lost its lease: not reverted here",
		    ctx->job_id);
		return;
	}
	if (fl) {
		if (at >= fl->nsteps)
			at = fl->nsteps - 1;
		for (i = at; i >= 0; i--) {
			if (fl->steps[i].revert == NULL)
				continue;
			ctx->step = i;
			log_info("flow %s reverting step %d/%d (%s) object=%s",
			    fl->kind, i + 1, fl->nsteps, fl->steps[i].name,
			    ctx->object_id);
			fl->steps[i].revert(ctx);
		}
	}
	if ((r = db_begin(ctx->db)) == 0) {
		if (fl && fl->on_failure && (r = fl->on_failure(ctx)) < 0)
			log_error("flow %s revert rules failed object=%s: %s",
			    fl->kind, ctx->object_id, octa_err_str(r));
		if (r == 0 && (r = job_finish(ctx, "failed", why)) == 0 &&
		    (r = db_commit(ctx->db)) == 0)
			return;
		db_rollback(ctx->db);
	}
	/* Keep the failure on record even when the statuses could not be
	 * written. */
	if (r != -OCTA_ECONFLICT && job_finish(ctx, "failed", why) < 0)
		log_error("job %s cannot be marked failed", ctx->job_id);
}

int
worker_run_one(struct db *db, const struct drivers *drv, const char *owner)
{
	const struct flow *fl;
	struct flow_ctx ctx;
	json_t *job = NULL;
	char why[256];
	int r, step, attempts;
	int64_t t0 = time_mono_ms();

	if ((r = claim(db, owner, &job)) <= 0)
		return r;
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.drv = drv;
	ctx.owner = owner;
	ctx.job_id = json_string_value(json_object_get(job, "id"));
	ctx.kind = json_string_value(json_object_get(job, "kind"));
	ctx.object_id = json_string_value(json_object_get(job, "object_id"));
	ctx.lb_id = json_string_value(json_object_get(job, "lb_id"));
	ctx.payload = json_loads(json_string_value(json_object_get(job,
	    "payload")), 0, NULL);
	if (!json_is_object(ctx.payload)) {
		json_decref(ctx.payload);
		ctx.payload = json_object();
	}
	step = (int)json_integer_value(json_object_get(job, "step"));
	/* The row was read before the claim counted this attempt. */
	attempts = (int)json_integer_value(json_object_get(job, "attempts")) +
	    1;
	lease_hold(ctx.job_id, owner);
	fl = flow_find(ctx.kind);
	if (fl == NULL) {
		log_error("job unknown kind id=%s kind=%s", ctx.job_id,
		    ctx.kind);
		job_finish(&ctx, "failed", "unknown job kind");
		goto out;
	}
	if (attempts > MAX_ATTEMPTS) {
		snprintf(why, sizeof(why), "flow %s gave up after %d attempts "
		    "at step %d/%d", fl->kind, MAX_ATTEMPTS, step + 1,
		    fl->nsteps);
		log_error("%s object=%s", why, ctx.object_id);
		fail_job(&ctx, fl, step, why);
		goto out;
	}
	if (step > 0)
		log_info("flow %s resumed at step %d/%d object=%s", fl->kind,
		    step + 1, fl->nsteps, ctx.object_id);
	for (; step < fl->nsteps; step++) {
		const struct flow_step *s = &fl->steps[step];

		bool lost = false;

		ctx.step = step;
		/* Outside work: no transaction, the database stays free. */
		r = s->execute ? s->execute(&ctx) : 0;
		/* Then the results and the progress mark, together. */
		if (r == 0)
			r = step_commit(&ctx, s, step + 1, &lost);
		if (lost)
			goto lost;
		if (r == -OCTA_EBUSY)
			goto transient;
		if (r < 0) {
			snprintf(why, sizeof(why), "flow %s failed at step "
			    "%d/%d (%s): %s", fl->kind, step + 1, fl->nsteps,
			    s->name, octa_err_str(r));
			log_error("%s object=%s", why, ctx.object_id);
			fail_job(&ctx, fl, step, why);
			goto out;
		}
	}
	if (job_finish(&ctx, "done", NULL) == -OCTA_ECONFLICT)
		goto lost;
	log_info("flow %s done object=%s ms=%lld", fl->kind, ctx.object_id,
	    (long long)(time_mono_ms() - t0));
	goto out;
transient:
	/* Leave the job claimed; its lease runs out and it is retried. */
	log_warn("job %s deferred at step %d: %s", ctx.job_id, step + 1,
	    octa_err_str(r));
	goto out;
lost:
	log_warn("job %s lost its lease at step %d: another unit has it",
	    ctx.job_id, step + 1);
out:
	lease_release(ctx.job_id);
	json_decref(ctx.payload);
	json_decref(job);
	return 1;
}

int
worker_recover(struct db *db, const char *unit)
{
	char from[160], to[160];
	long long n = 0;
	int r;

	/*
	 * Owners are "unit:pid:thread".  The owners that start with "unit:"
	 * are exactly those in ["unit:", "unit;"): a range, not LIKE, whose
	 * '_' and '%' would match other units' names.
	 */
	snprintf(from, sizeof(from), "%s:", unit);
	snprintf(to, sizeof(to), "%s;", unit);
	r = db_exec(db, "UPDATE job SET lease_until = 0 WHERE state = 'ready' "
	    "AND owner >= ? AND owner < ?", json_pack("[ss]", from, to), &n);
	if (r == 0 && n > 0)
		log_info("worker recovered jobs=%lld from an earlier run", n);
	return r;
}

struct worker_thread {
	char owner[160];
	struct drivers drv;
};

static void *
worker_thread_main(void *arg)
{
	struct worker_thread *wt = arg;
	char *url = config_db_url();
	struct db *db;
	int r;

	if (db_open(url, &db) < 0)
		fatal("worker cannot open database");
	free(url);
	for (;;) {
		r = worker_run_one(db, &wt->drv, wt->owner);
		if (r < 0)
			log_warn("worker claim failed: %s", octa_err_str(r));
		if (r <= 0)
			usleep((useconds_t)cfg.octa_worker_poll_ms * 1000);
	}
	return NULL;
}

/* The lease keeper: renews the leases of running jobs every third of a
 * lease, on a connection of its own. */
static void *
lease_keeper_main(void *arg)
{
	char *url = config_db_url();
	struct db *db;
	long long every = lease_ms() / 3;
	int r;

	(void)arg;
	if (db_open(url, &db) < 0)
		fatal("worker lease keeper cannot open database");
	free(url);
	if (every < 100)
		every = 100;
	for (;;) {
		usleep((useconds_t)every * 1000);
		if ((r = worker_leases_renew(db)) < 0)
			log_warn("worker lease renewal failed: %s",
			    octa_err_str(r));
	}
	return NULL;
}

void
worker_main(const char *unit)
{
	struct worker_thread *wts;
	char *url = config_db_url();
	struct drivers drv;
	struct db *db;
	pthread_t keeper;
	long long i, n = cfg.controller_worker_workers;

	if (drivers_select(&drv, cfg.controller_worker_compute_driver,
	    cfg.controller_worker_network_driver,
	    cfg.controller_worker_amphora_driver) < 0)
		fatal("worker: bad driver configuration");
	if (db_open(url, &db) < 0)
		fatal("worker cannot open database");
	free(url);
	worker_recover(db, unit);
	db_close(db);
	if (n < 1)
		n = 1;
	wts = xcalloc((size_t)n, sizeof(*wts));
	if (pthread_create(&keeper, NULL, lease_keeper_main, NULL) != 0)
		fatal("worker: cannot start the lease keeper");
	pthread_detach(keeper);
	log_info("worker started threads=%lld compute=%s network=%s "
	    "amphora=%s", n, drv.compute->name, drv.network->name,
	    drv.amphora->name);
	for (i = 0; i < n; i++) {
		pthread_t t;

		snprintf(wts[i].owner, sizeof(wts[i].owner), "%s:%d:%lld", unit,
		    (int)getpid(), i);
		wts[i].drv = drv;
		if (i == n - 1)
			worker_thread_main(&wts[i]);
		if (pthread_create(&t, NULL, worker_thread_main, &wts[i]) != 0)
			fatal("worker: cannot start thread");
		pthread_detach(t);
	}
	for (;;)
		pause();
}
