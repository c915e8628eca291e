/*
 * worker.c - the worker role.  Each worker thread has its own database
 * connection and loops: claim the oldest runnable job (one whose lease is
 * free and that has no older unfinished job on the same load balancer),
 * run the flow's steps from the saved step on, save progress and renew the
 * lease after each step.  A process that dies loses nothing: its lease runs
 * out and any unit resumes the job at its first unfinished step.
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

static int
job_finish(struct db *db, const char *id, const char *state,
    const char *error)
{
	char now[TIME_STR_LEN];

	time_now_iso(now);
	return db_exec(db, "UPDATE job SET state = ?, error = ?, updated_at = ?, "
	    "lease_until = 0 WHERE id = ?",
	    json_pack("[ss?ss]", state, error, now, id), NULL);
}

static int
job_progress(struct db *db, const char *id, int step)
{
	return db_exec(db, "UPDATE job SET step = ?, lease_until = ? "
	    "WHERE id = ?", json_pack("[iIs]", step, now_ms() + lease_ms(),
	    id), NULL);
}

static void
fail_job(struct flow_ctx *ctx, const struct flow *fl, const char *why)
{
	db_rollback(ctx->db);
	if (fl && fl->on_failure) {
		db_begin(ctx->db);
		if (fl->on_failure(ctx) < 0)
			db_rollback(ctx->db);
		else
			db_commit(ctx->db);
	}
	job_finish(ctx->db, ctx->job_id, "failed", why);
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
	ctx.job_id = json_string_value(json_object_get(job, "id"));
	ctx.kind = json_string_value(json_object_get(job, "kind"));
	ctx.object_id = json_string_value(json_object_get(job, "object_id"));
	ctx.lb_id = json_string_value(json_object_get(job, "lb_id"));
	ctx.payload = json_loads(json_string_value(json_object_get(job,
	    "payload")), 0, NULL);
	if (ctx.payload == NULL)
		ctx.payload = json_object();
	step = (int)json_integer_value(json_object_get(job, "step"));
	/* The row was read before the claim counted this attempt. */
	attempts = (int)json_integer_value(json_object_get(job, "attempts")) +
	    1;
	fl = flow_find(ctx.kind);
	if (fl == NULL) {
		log_error("job unknown kind id=%s kind=%s", ctx.job_id,
		    ctx.kind);
		job_finish(db, ctx.job_id, "failed", "unknown job kind");
		goto out;
	}
	if (attempts > MAX_ATTEMPTS) {
		snprintf(why, sizeof(why), "flow %s gave up after %d attempts "
		    "at step %d/%d", fl->kind, MAX_ATTEMPTS, step + 1,
		    fl->nsteps);
		log_error("%s object=%s", why, ctx.object_id);
		fail_job(&ctx, fl, why);
		goto out;
	}
	if (step > 0)
		log_info("flow %s resumed at step %d/%d object=%s", fl->kind,
		    step + 1, fl->nsteps, ctx.object_id);
	for (; step < fl->nsteps; step++) {
		const struct flow_step *s = &fl->steps[step];

		/* A step and its progress mark commit together. */
		if ((r = db_begin(db)) < 0)
			goto transient;
		r = s->execute(&ctx);
		if (r < 0) {
			snprintf(why, sizeof(why), "flow %s failed at step "
			    "%d/%d (%s): %s", fl->kind, step + 1, fl->nsteps,
			    s->name, octa_err_str(r));
			log_error("%s object=%s", why, ctx.object_id);
			if (r == -OCTA_EBUSY)
				goto transient;
			fail_job(&ctx, fl, why);
			goto out;
		}
		if ((r = job_progress(db, ctx.job_id, step + 1)) < 0 ||
		    (r = db_commit(db)) < 0)
			goto transient;
	}
	job_finish(db, ctx.job_id, "done", NULL);
	log_info("flow %s done object=%s ms=%lld", fl->kind, ctx.object_id,
	    (long long)(time_mono_ms() - t0));
	goto out;
transient:
	/* Leave the job claimed; its lease runs out and it is retried. */
	db_rollback(db);
	log_warn("job %s deferred at step %d: %s", ctx.job_id, step + 1,
	    octa_err_str(r));
out:
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

void
worker_main(const char *unit)
{
	struct worker_thread *wts;
	char *url = config_db_url();
	struct drivers drv;
	struct db *db;
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
