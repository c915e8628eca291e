/*
 * test_worker_jobs.c - src/worker/worker.c and flows.c with the noop
 * drivers (and recording or failing variants), on a temporary SQLite
 * file: jobs submitted with svc_job_submit are claimed under a lease, run
 * step by step, resumed at the saved step with the results of earlier
 * steps from the saved payload, run in submit order per load balancer,
 * left alone while another unit's lease holds, and handed back by
 * worker_recover.  A step's outside work runs with no transaction open;
 * the lease keeper extends running jobs' leases and a worker that lost
 * its lease writes nothing.  Failures revert what the flow built
 * (instances destroyed, amphorae DELETED) and follow the status rules
 * (ERROR on the object, the rest ACTIVE).
 */
#include <stdbool.h>
#include <time.h>

#include "unit.h"

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/repo.h"
#include "drivers/cert/local_ca.h"
#include "drivers/drivers.h"
#include "model/model.h"
#include "service/service.h"
#include "worker/worker.h"

#define OWNER "unitA:100:0"
#define LB_A "00000000-0000-4000-8000-00000000000a"
#define LB_B "00000000-0000-4000-8000-00000000000b"
#define LIS_1 "11111111-0000-4000-8000-000000000001"

/* The load balancer create flow: its length and where update_amphorae
 * (the config push) is, 0-based. */
#define LB_CREATE_STEPS "11"
#define LB_CREATE_UPDATE_STEP "9"

static char *dir;
static struct db *db;
static struct drivers drv;

static int
setup(void **state)
{
	char *path, url[4096];

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	dir = unit_tmpdir();
	path = unit_path(dir, "octa.db");
	snprintf(url, sizeof(url), "sqlite:///%s", path);
	free(path);
	assert_int_equal(db_open(url, &db), 0);
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	assert_int_equal(drivers_select(&drv, "compute_noop_driver",
	    "network_noop_driver", "amphora_noop_driver"), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	unit_rmdir(dir);
	free(dir);
	dir = NULL;
	config_free();
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fixtures ---- */

static void
insert_lb(const char *id, const char *prov, const char *topology)
{
	json_t *o = json_pack("{ss ss sb ss ss ss ss ss}", "id", id,
	    "name", "lb", "admin_state_up", 1, "project_id", "p1",
	    "provisioning_status", prov, "operating_status", "OFFLINE",
	    "topology", topology, "created_at", "2024-01-01T00:00:00");

	assert_int_equal(repo_insert(db, model_resource(RES_LOADBALANCER), o),
	    0);
	json_decref(o);
}

static void
insert_listener(const char *id, const char *lb_id, const char *prov)
{
	json_t *o = json_pack("{ss ss sb ss ss ss si}", "id", id,
	    "loadbalancer_id", lb_id, "admin_state_up", 1,
	    "provisioning_status", prov, "operating_status", "OFFLINE",
	    "protocol", "HTTP", "protocol_port", 80);

	assert_int_equal(repo_insert(db, model_resource(RES_LISTENER), o), 0);
	json_decref(o);
}

/* As the API does: the job is written in the caller's transaction. */
static void
submit(const char *kind, const char *object_id, const char *lb_id)
{
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(svc_job_submit(db, kind, object_id, lb_id, NULL), 0);
	assert_int_equal(db_commit(db), 0);
}

static void
set_status(enum resource_kind k, const char *id, const char *prov)
{
	assert_int_equal(svc_set_status(db, model_resource(k), id, prov,
	    NULL), 0);
}

/* A field of a row as text ("" for null), in a static buffer. */
static const char *
field(const char *sql, const char *arg, const char *col)
{
	static char out[512];
	json_t *row, *v;

	out[0] = '\0';
	if (db_query_one(db, sql, json_pack("[s]", arg), &row) < 0)
		return "(no row)";
	v = json_object_get(row, col);
	if (json_is_string(v))
		snprintf(out, sizeof(out), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, sizeof(out), "%lld",
		    (long long)json_integer_value(v));
	json_decref(row);
	return out;
}

static const char *
lb_status(const char *id)
{
	return field("SELECT provisioning_status FROM load_balancer WHERE "
	    "id = ?", id, "provisioning_status");
}

static const char *
listener_status(const char *id)
{
	return field("SELECT provisioning_status FROM listener WHERE id = ?",
	    id, "provisioning_status");
}

static long long
count(const char *sql, const char *arg)
{
	json_t *row;
	long long n;

	assert_int_equal(db_query_one(db, sql, arg ? json_pack("[s]", arg) :
	    NULL, &row), 0);
	n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return n;
}

static const char *
job_field(const char *kind, const char *col)
{
	return field("SELECT * FROM job WHERE kind = ?", kind, col);
}

static void
run_all(const char *owner)
{
	int r, guard = 0;

	while ((r = worker_run_one(db, &drv, owner)) == 1)
		assert_true(++guard < 1000);
	assert_int_equal(r, 0);
}

/* ---- drivers ---- */

static void
test_drivers_select(void **state)
{
	struct drivers d;

	(void)state;
	assert_ptr_equal(drv.compute, &compute_noop_driver);
	assert_ptr_equal(drv.network, &network_noop_driver);
	assert_ptr_equal(drv.amphora, &amphora_noop_driver);
	assert_int_equal(drivers_select(&d, "compute_nova_driver",
	    "network_noop_driver", "amphora_noop_driver"), -OCTA_EINVAL);
	assert_int_equal(drivers_select(&d, "compute_noop_driver",
	    "network_noop_driver", "nope"), -OCTA_EINVAL);
}

/* ---- the load balancer create flow ---- */

static void
test_lb_create(void **state)
{
	json_t *amps, *amp;

	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_string_equal(job_field("loadbalancer.create", "state"),
	    "ready");
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);

	assert_string_equal(lb_status(LB_A), "ACTIVE");
	/* the noop network driver made up a VIP */
	assert_string_not_equal(field("SELECT vip_address FROM load_balancer "
	    "WHERE id = ?", LB_A, "vip_address"), "");
	assert_int_equal(repo_select(db, model_resource(RES_AMPHORA),
	    "load_balancer_id = ?", json_pack("[s]", LB_A), NULL, &amps), 0);
	assert_int_equal(json_array_size(amps), 1);
	amp = json_array_get(amps, 0);
	assert_string_equal(json_string_value(json_object_get(amp, "role")),
	    "STANDALONE");
	assert_string_equal(json_string_value(json_object_get(amp, "status")),
	    "ALLOCATED");
	assert_true(json_is_string(json_object_get(amp, "compute_id")));
	assert_true(json_is_string(json_object_get(amp, "lb_network_ip")));
	assert_true(json_is_string(json_object_get(amp, "cert_expiration")));
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health WHERE "
	    "amphora_id = ?", json_string_value(json_object_get(amp, "id"))),
	    1);
	json_decref(amps);

	assert_string_equal(job_field("loadbalancer.create", "state"), "done");
	assert_string_equal(job_field("loadbalancer.create", "step"),
	    LB_CREATE_STEPS);
	assert_string_equal(job_field("loadbalancer.create", "owner"), OWNER);
	assert_string_equal(job_field("loadbalancer.create", "lease_until"),
	    "0");
	/* nothing left to do */
	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);
}

static void
test_lb_create_active_standby(void **state)
{
	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "ACTIVE_STANDBY");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "load_balancer_id = ? AND role = 'MASTER' AND vrrp_priority = 100",
	    LB_A), 1);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "load_balancer_id = ? AND role = 'BACKUP' AND vrrp_priority = 90",
	    LB_A), 1);
}

/*
 * A job whose progress says every step up to update_amphorae is done
 * resumes there: the skipped steps do not run again, so no VIP and no
 * amphora appear, yet the flow completes.
 */
static void
test_resume(void **state)
{
	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(db_exec(db, "UPDATE job SET step = "
	    LB_CREATE_UPDATE_STEP ", owner = 'unitZ:1:0', attempts = 1", NULL,
	    NULL), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora", NULL), 0);
	assert_string_equal(field("SELECT vip_address FROM load_balancer "
	    "WHERE id = ?", LB_A, "vip_address"), "");
	assert_string_equal(job_field("loadbalancer.create", "state"), "done");
	assert_string_equal(job_field("loadbalancer.create", "step"),
	    LB_CREATE_STEPS);
	assert_string_equal(job_field("loadbalancer.create", "attempts"), "2");
}

/* Resuming at a step that creates things does not create them twice. */
static void
test_resume_idempotent(void **state)
{
	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	/* as if the unit died after create_amphorae but before saving */
	assert_int_equal(db_exec(db, "UPDATE job SET state = 'ready', "
	    "step = 1, lease_until = 0", NULL, NULL), 0);
	set_status(RES_LOADBALANCER, LB_A, "PENDING_CREATE");
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "status <> 'DELETED'", NULL), 1);
}

/*
 * Jobs on one load balancer run in the order they were submitted, even
 * when they are submitted within the same millisecond; jobs of different
 * load balancers do not wait for each other.
 */
static void
test_order(void **state)
{
	enum { NLB = 40 };
	char lbs[NLB][UUID_STR_LEN];
	char seq[2 * NLB][64];
	int nseq = 0, i, j;
	json_t *done_before = json_object();

	(void)state;
	for (i = 0; i < NLB; i++) {
		snprintf(lbs[i], sizeof(lbs[i]),
		    "00000000-0000-4000-8000-%012d", i + 100);
		insert_lb(lbs[i], "PENDING_CREATE", "SINGLE");
	}
	/* create then delete, back to back, on every LB */
	for (i = 0; i < NLB; i++) {
		submit("loadbalancer.create", lbs[i], lbs[i]);
		submit("loadbalancer.delete", lbs[i], lbs[i]);
	}
	for (;;) {
		json_t *rows, *row;
		size_t k;
		int r = worker_run_one(db, &drv, OWNER);

		assert_true(r >= 0);
		if (r == 0)
			break;
		assert_int_equal(db_query(db, "SELECT id, kind, object_id FROM "
		    "job WHERE state = 'done'", NULL, &rows), 0);
		json_array_foreach(rows, k, row) {
			const char *id = json_string_value(json_object_get(row,
			    "id"));

			if (json_object_get(done_before, id))
				continue;
			json_object_set_new(done_before, id, json_true());
			assert_true(nseq < 2 * NLB);
			snprintf(seq[nseq++], sizeof(seq[0]), "%s %s",
			    json_string_value(json_object_get(row, "kind")),
			    json_string_value(json_object_get(row,
			    "object_id")));
		}
		json_decref(rows);
	}
	json_decref(done_before);
	assert_int_equal(nseq, 2 * NLB);
	for (i = 0; i < NLB; i++) {
		int create_at = -1, delete_at = -1;

		for (j = 0; j < nseq; j++) {
			if (strstr(seq[j], lbs[i]) == NULL)
				continue;
			if (strncmp(seq[j], "loadbalancer.create", 19) == 0)
				create_at = j;
			else
				delete_at = j;
		}
		if (create_at < 0 || delete_at < 0 || create_at > delete_at)
			fail_msg("LB %s: delete (%d) ran before create (%d)",
			    lbs[i], delete_at, create_at);
		/* in order, the delete found the amphora and removed it */
		assert_string_equal(lb_status(lbs[i]), "DELETED");
		assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora "
		    "WHERE load_balancer_id = ? AND status <> 'DELETED'",
		    lbs[i]), 0);
	}
}

/* A job another unit holds (unexpired lease) is not claimed; nor are the
 * jobs queued behind it on the same LB.  Once the lease runs out, it is. */
static void
test_foreign_lease(void **state)
{
	char sql[256];

	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	insert_lb(LB_B, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	snprintf(sql, sizeof(sql), "UPDATE job SET owner = 'unitB:7:0', "
	    "lease_until = %lld, attempts = 1", now_ms() + 60000);
	assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
	submit("loadbalancer.update", LB_A, LB_A);

	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);
	assert_string_equal(lb_status(LB_A), "PENDING_CREATE");
	assert_string_equal(job_field("loadbalancer.create", "owner"),
	    "unitB:7:0");
	assert_string_equal(job_field("loadbalancer.update", "state"),
	    "ready");

	/* another LB is not held up */
	submit("loadbalancer.create", LB_B, LB_B);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_B), "ACTIVE");
	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);

	/* the lease runs out: the job is taken over and finished */
	snprintf(sql, sizeof(sql), "UPDATE job SET lease_until = %lld WHERE "
	    "owner = 'unitB:7:0'", now_ms() - 1);
	assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(job_field("loadbalancer.create", "owner"), OWNER);
	assert_string_equal(job_field("loadbalancer.create", "state"), "done");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(job_field("loadbalancer.update", "state"), "done");
}

/* worker_recover(unit) hands back the leases of that unit only. */
static void
test_recover(void **state)
{
	static const struct {
		const char *owner;
		bool released;
	} cases[] = {
		{ "unitA:123:0", true },
		{ "unitA:124:3", true },
		{ "unitB:1:0", false },
		{ "unitAB:1:0", false },	/* a longer name */
		{ "xunitA:1:0", false },
	};
	long long future = now_ms() + 60000;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char lb[UUID_STR_LEN], sql[256];

		snprintf(lb, sizeof(lb), "00000000-0000-4000-8000-%012zu",
		    i + 1);
		insert_lb(lb, "PENDING_CREATE", "SINGLE");
		submit("loadbalancer.create", lb, lb);
		snprintf(sql, sizeof(sql), "UPDATE job SET owner = '%s', "
		    "lease_until = %lld WHERE object_id = '%s'",
		    cases[i].owner, future, lb);
		assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
	}
	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);
	assert_int_equal(worker_recover(db, "unitA"), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *lease = field("SELECT lease_until FROM job WHERE "
		    "owner = ?", cases[i].owner, "lease_until");

		if ((strcmp(lease, "0") == 0) != cases[i].released)
			fail_msg("owner %s: lease_until %s after "
			    "worker_recover(unitA)", cases[i].owner, lease);
	}
	/* the released jobs run now; the others still wait */
	run_all("unitA:200:0");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM job WHERE state = "
	    "'done'", NULL), 2);
}

/* Unit names are matched literally: '_' and '%' are no wildcards. */
static void
test_recover_literal(void **state)
{
	static const struct {
		const char *unit, *owner;
		bool released;
	} cases[] = {
		{ "node_1", "node_1:5:0", true },
		{ "node_1", "nodeX1:5:0", false },
		{ "n%", "node:5:0", false },
		{ "n%", "n%:5:0", true },
	};
	long long future = now_ms() + 60000;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char sql[256];

		assert_int_equal(db_exec(db, "DELETE FROM job", NULL, NULL), 0);
		submit("loadbalancer.create", LB_A, LB_A);
		snprintf(sql, sizeof(sql), "UPDATE job SET owner = '%s', "
		    "lease_until = %lld", cases[i].owner, future);
		assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
		assert_int_equal(worker_recover(db, cases[i].unit), 0);
		if ((strcmp(job_field("loadbalancer.create", "lease_until"),
		    "0") == 0) != cases[i].released)
			fail_msg("worker_recover(%s) on owner %s: released "
			    "should be %d", cases[i].unit, cases[i].owner,
			    cases[i].released);
	}
}

/* ---- failures ---- */

static int fail_with;
/* What the recording drivers saw: "build <id>", "destroy <id>", ... */
static char calls[64][80];
static int ncalls;

static void
record(const char *what, json_t *amp)
{
	const char *id = json_string_value(json_object_get(amp, "id"));

	if (ncalls < (int)ARRAY_SIZE(calls))
		snprintf(calls[ncalls++], sizeof(calls[0]), "%s %s", what,
		    id ? id : "?");
}

/* How many recorded calls were `what` (on any amphora). */
static int
called(const char *what)
{
	size_t n = strlen(what);
	int i, k = 0;

	for (i = 0; i < ncalls; i++)
		if (strncmp(calls[i], what, n) == 0 && calls[i][n] == ' ')
			k++;
	return k;
}

static int
build_fails(json_t *amp)
{
	record("build", amp);
	return fail_with;
}

static bool build_had_pem;

static int
build_ok(json_t *amp)
{
	const char *pem = json_string_value(json_object_get(json_object_get(
	    amp, "agent_conf"), "server_pem"));

	build_had_pem = pem && strstr(pem, "BEGIN CERTIFICATE") &&
	    strstr(pem, "PRIVATE KEY");
	record("build", amp);
	return compute_noop_driver.build(amp);
}

static int
destroy_ok(json_t *amp)
{
	record("destroy", amp);
	return 0;
}

static int
config_fails(json_t *tree, json_t *amp)
{
	(void)tree;
	(void)amp;
	return fail_with;
}

static int
plug_fails(json_t *lb, json_t *amp)
{
	(void)lb;
	record("agent-plug", amp);
	return fail_with;
}

static int
unplug_ok(json_t *lb, json_t *amp)
{
	(void)lb;
	record("unplug", amp);
	return 0;
}

static const struct compute_driver compute_failing = {
	.name = "compute_failing", .build = build_fails, .destroy = destroy_ok,
};

static const struct compute_driver compute_recording = {
	.name = "compute_recording", .build = build_ok, .destroy = destroy_ok,
};

static const char *
amp_id_of(const char *lb_id)
{
	return field("SELECT id FROM amphora WHERE load_balancer_id = ? "
	    "ORDER BY created_at, id", lb_id, "id");
}

/*
 * A build that fails for good: the flow stops there, the instance is
 * destroyed (nothing leaked), the amphora row ends DELETED with no health
 * row, and the LB is ERROR.
 */
static void
test_step_fails(void **state)
{
	struct drivers bad = drv;
	char amp[UUID_STR_LEN], want[80];

	(void)state;
	bad.compute = &compute_failing;
	fail_with = -OCTA_EIO;
	ncalls = 0;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ERROR");
	assert_string_equal(job_field("loadbalancer.create", "state"),
	    "failed");
	assert_string_equal(job_field("loadbalancer.create", "error"),
	    "flow loadbalancer.create failed at step 4/" LB_CREATE_STEPS
	    " (compute_build): i/o error");
	snprintf(amp, sizeof(amp), "%s", amp_id_of(LB_A));
	assert_true(uuid_valid(amp));
	snprintf(want, sizeof(want), "destroy %s", amp);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[1], want);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "status <> 'DELETED'", NULL), 0);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health",
	    NULL), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);
}

/* A busy database is transient: the job stays claimed and resumes later
 * at the step that failed. */
static void
test_step_busy(void **state)
{
	struct drivers bad = drv;
	char sql[128];

	(void)state;
	bad.compute = &compute_failing;
	fail_with = -OCTA_EBUSY;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "PENDING_CREATE");
	assert_string_equal(job_field("loadbalancer.create", "state"),
	    "ready");
	/* allocate_vip, create_amphorae and mgmt_ports are done */
	assert_string_equal(job_field("loadbalancer.create", "step"), "3");
	/* still leased to us: nobody (not even we) claims it at once */
	assert_int_equal(worker_run_one(db, &drv, OWNER), 0);
	snprintf(sql, sizeof(sql), "UPDATE job SET lease_until = %lld",
	    now_ms() - 1);
	assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_string_equal(job_field("loadbalancer.create", "state"), "done");
}

/*
 * What a step learns reaches later steps, and a resumed flow, through the
 * payload saved with the progress mark: the amphora id chosen before the
 * (failed) build is the one the resumed flow builds, so one amphora is
 * made, not two.
 */
static void
test_payload_carries_results(void **state)
{
	struct drivers bad = drv, good = drv;
	char amp[UUID_STR_LEN], sql[128];
	json_t *payload;

	(void)state;
	bad.compute = &compute_failing;
	good.compute = &compute_recording;
	fail_with = -OCTA_EBUSY;
	ncalls = 0;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	snprintf(amp, sizeof(amp), "%s", amp_id_of(LB_A));
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    amp, "status"), "PENDING_CREATE");
	payload = json_loads(job_field("loadbalancer.create", "payload"), 0,
	    NULL);
	assert_non_null(payload);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(payload, "amphorae"), 0), "id")), amp);
	/* the VIP the first step got is there too */
	assert_non_null(json_object_get(json_object_get(payload, "vip"),
	    "vip_address"));
	json_decref(payload);

	snprintf(sql, sizeof(sql), "UPDATE job SET lease_until = %lld",
	    now_ms() - 1);
	assert_int_equal(db_exec(db, sql, NULL, NULL), 0);
	ncalls = 0;
	assert_int_equal(worker_run_one(db, &good, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(ncalls, 1);
	assert_string_equal(calls[0] + 6, amp);	/* "build <id>" */
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora", NULL), 1);
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    amp, "status"), "ALLOCATED");
	/* no secret in the saved payload */
	assert_null(strstr(job_field("loadbalancer.create", "payload"),
	    "PRIVATE KEY"));
}

/*
 * The slow part of a step runs with no transaction open: while the
 * compute driver builds, another connection can write.
 */
static struct db *db2;
static int build_saw_txn = -1, build_other_write = -1;

static int
build_checks_db(json_t *amp)
{
	build_saw_txn = db->txn_depth;
	build_other_write = db_begin(db2);
	if (build_other_write == 0) {
		build_other_write = db_exec(db2, "UPDATE load_balancer SET "
		    "description = 'written meanwhile' WHERE id = ?",
		    json_pack("[s]", LB_B), NULL);
		if (db_commit(db2) < 0)
			build_other_write = -1;
	}
	return compute_noop_driver.build(amp);
}

static const struct compute_driver compute_checking = {
	.name = "compute_checking", .build = build_checks_db,
	.destroy = destroy_ok,
};

static void
open_db2(void)
{
	char *path, url[4096];

	path = unit_path(dir, "octa.db");
	snprintf(url, sizeof(url), "sqlite:///%s", path);
	free(path);
	assert_int_equal(db_open(url, &db2), 0);
}

static void
test_execute_outside_transaction(void **state)
{
	struct drivers d = drv;

	(void)state;
	open_db2();
	d.compute = &compute_checking;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	insert_lb(LB_B, "ACTIVE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &d, OWNER), 1);
	assert_int_equal(build_saw_txn, 0);
	assert_int_equal(build_other_write, 0);
	assert_string_equal(field("SELECT description FROM load_balancer "
	    "WHERE id = ?", LB_B, "description"), "written meanwhile");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	db_close(db2);
	db2 = NULL;
}

/* The job's lease_until, read on the second connection. */
static long long
job_lease(void)
{
	json_t *row;
	long long v = -1;

	if (db_query_one(db2, "SELECT lease_until FROM job", NULL, &row) == 0) {
		v = json_integer_value(json_object_get(row, "lease_until"));
		json_decref(row);
	}
	return v;
}

/*
 * The lease keeper extends the leases of running jobs, and only while
 * this worker owns them.
 */
static long long lease_short, lease_renewed;

static int
build_renews(json_t *amp)
{
	char sql[160];

	/* the lease is nearly over; the keeper runs */
	lease_short = now_ms() + 10;
	snprintf(sql, sizeof(sql), "UPDATE job SET lease_until = %lld",
	    lease_short);
	db_exec(db2, sql, NULL, NULL);
	worker_leases_renew(db2);
	lease_renewed = job_lease();
	return compute_noop_driver.build(amp);
}

static const struct compute_driver compute_renewing = {
	.name = "compute_renewing", .build = build_renews,
	.destroy = destroy_ok,
};

static void
test_lease_renewed(void **state)
{
	struct drivers d = drv;

	(void)state;
	open_db2();
	d.compute = &compute_renewing;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &d, OWNER), 1);
	assert_true(lease_renewed >= lease_short + 1000 *
	    cfg.octa_job_lease_seconds - 1000);
	assert_string_equal(job_field("loadbalancer.create", "state"), "done");
	/* a finished job is not renewed any more */
	assert_int_equal(worker_leases_renew(db2), 0);
	assert_string_equal(job_field("loadbalancer.create", "lease_until"),
	    "0");
	db_close(db2);
	db2 = NULL;
}

/*
 * A worker that lost its lease while a step ran (another unit took the job
 * over) records nothing: no progress, no statuses, no revert.
 */
static int
build_loses_lease(json_t *amp)
{
	db_exec(db2, "UPDATE job SET owner = 'unitB:9:0'", NULL, NULL);
	return compute_noop_driver.build(amp);
}

static const struct compute_driver compute_stolen = {
	.name = "compute_stolen", .build = build_loses_lease,
	.destroy = destroy_ok,
};

static void
test_lease_lost(void **state)
{
	struct drivers d = drv;

	(void)state;
	open_db2();
	d.compute = &compute_stolen;
	ncalls = 0;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &d, OWNER), 1);
	assert_string_equal(job_field("loadbalancer.create", "owner"),
	    "unitB:9:0");
	assert_string_equal(job_field("loadbalancer.create", "state"),
	    "ready");
	/* stopped in compute_build: steps 1-3 were recorded, not the 4th */
	assert_string_equal(job_field("loadbalancer.create", "step"), "3");
	assert_string_equal(field("SELECT status FROM amphora WHERE "
	    "load_balancer_id = ?", LB_A, "status"), "PENDING_CREATE");
	assert_string_equal(lb_status(LB_A), "PENDING_CREATE");
	assert_int_equal(called("destroy"), 0);
	db_close(db2);
	db2 = NULL;
}

/* The agent refuses the VIP: the VIP is unplugged and the instance
 * destroyed again (last step first), the amphora DELETED, the LB ERROR. */
static const struct amphora_driver amphora_plug_fails = {
	.name = "amphora_plug_fails", .update_config = config_fails,
	.delete_config = config_fails, .plug_vip = plug_fails,
};

/* A real amphora driver needs the amphora CA: one in the test's dir. */
static void
make_ca(void)
{
	struct ca_paths ca;
	char *certs = unit_path(dir, "certs");
	int created = 0;

	assert_int_equal(config_set("certificates", "cert_dir", certs), 0);
	free(certs);
	ca_paths_default(&ca);
	assert_int_equal(ca_init(&ca, 0, &created), 0);
	assert_int_equal(created, 1);
}

static void
test_revert_on_failure(void **state)
{
	struct network_driver net = network_noop_driver;
	struct drivers bad = drv;
	char amp[UUID_STR_LEN], want[4][80];
	int i;

	(void)state;
	net.unplug_vip = unplug_ok;
	bad.network = &net;
	bad.compute = &compute_recording;
	bad.amphora = &amphora_plug_fails;
	make_ca();
	fail_with = -OCTA_EIO;
	ncalls = 0;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(job_field("loadbalancer.create", "error"),
	    "flow loadbalancer.create failed at step 7/" LB_CREATE_STEPS
	    " (plug_vip): i/o error");
	snprintf(amp, sizeof(amp), "%s", amp_id_of(LB_A));
	snprintf(want[0], sizeof(want[0]), "build %s", amp);
	snprintf(want[1], sizeof(want[1]), "agent-plug %s", amp);
	snprintf(want[2], sizeof(want[2]), "unplug %s", amp);
	snprintf(want[3], sizeof(want[3]), "destroy %s", amp);
	assert_int_equal(ncalls, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(calls[i], want[i]);
	/* the certificate was issued and handed to the compute driver; its
	 * key never reached the job row */
	assert_true(build_had_pem);
	assert_int_equal(strlen(field("SELECT cert_expiration FROM amphora "
	    "WHERE id = ?", amp, "cert_expiration")), 19);
	assert_null(strstr(job_field("loadbalancer.create", "payload"),
	    "PRIVATE KEY"));
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    amp, "status"), "DELETED");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health",
	    NULL), 0);
	assert_string_equal(lb_status(LB_A), "ERROR");
	/* an LB in ERROR can be deleted; nothing is destroyed twice */
	ncalls = 0;
	set_status(RES_LOADBALANCER, LB_A, "PENDING_DELETE");
	submit("loadbalancer.delete", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "DELETED");
	assert_int_equal(ncalls, 0);
}

/* ---- failover ---- */

static void
make_active_lb(const char *id)
{
	insert_lb(id, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", id, id);
	run_all(OWNER);
	assert_string_equal(lb_status(id), "ACTIVE");
}

static void
submit_failover(const char *amp_id)
{
	json_t *p = json_pack("{ss}", "amphora_id", amp_id);

	set_status(RES_LOADBALANCER, LB_A, "PENDING_UPDATE");
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(svc_job_submit(db, "amphora.failover", amp_id, LB_A,
	    p), 0);
	assert_int_equal(db_commit(db), 0);
	json_decref(p);
}

/* The replacement is built first, then the failed amphora destroyed. */
static void
test_failover(void **state)
{
	struct drivers d = drv;
	char old[UUID_STR_LEN], want[80];

	(void)state;
	make_active_lb(LB_A);
	snprintf(old, sizeof(old), "%s", amp_id_of(LB_A));
	d.compute = &compute_recording;
	ncalls = 0;
	submit_failover(old);
	assert_int_equal(worker_run_one(db, &d, OWNER), 1);
	assert_string_equal(job_field("amphora.failover", "state"), "done");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    old, "status"), "DELETED");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "load_balancer_id = ? AND status = 'ALLOCATED' AND role = "
	    "'STANDALONE'", LB_A), 1);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health "
	    "WHERE amphora_id = ?", old), 0);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health",
	    NULL), 1);
	assert_int_equal(ncalls, 2);
	assert_string_not_equal(calls[0] + 6, old);	/* build <new> */
	snprintf(want, sizeof(want), "destroy %s", old);
	assert_string_equal(calls[1], want);
}

/* A failover that cannot build: the new amphora is destroyed and
 * DELETED, the failed one ERROR, the LB ERROR (contract section 2). */
static void
test_failover_fails(void **state)
{
	struct drivers bad = drv;
	char old[UUID_STR_LEN];

	(void)state;
	make_active_lb(LB_A);
	snprintf(old, sizeof(old), "%s", amp_id_of(LB_A));
	bad.compute = &compute_failing;
	fail_with = -OCTA_EIO;
	ncalls = 0;
	submit_failover(old);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(job_field("amphora.failover", "state"), "failed");
	assert_string_equal(lb_status(LB_A), "ERROR");
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    old, "status"), "ERROR");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "load_balancer_id = ? AND status NOT IN ('DELETED', 'ERROR')",
	    LB_A), 0);
	assert_int_equal(called("build"), 1);
	assert_int_equal(called("destroy"), 1);
	/* the failed amphora is not destroyed: it may still serve */
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "id = ? AND status = 'ERROR'", old), 1);
}

/* A failover that fails after the failed amphora was destroyed (the new
 * one takes no configuration): the new one is destroyed too, the old one
 * stays DELETED, the LB is ERROR and can be failed over again. */
static const struct amphora_driver amphora_config_fails = {
	.name = "amphora_config_fails", .update_config = config_fails,
	.delete_config = config_fails,
};

static void
test_failover_fails_late(void **state)
{
	struct drivers bad = drv;
	char old[UUID_STR_LEN];

	(void)state;
	make_active_lb(LB_A);
	snprintf(old, sizeof(old), "%s", amp_id_of(LB_A));
	bad.compute = &compute_recording;
	bad.amphora = &amphora_config_fails;
	make_ca();
	fail_with = -OCTA_EIO;
	ncalls = 0;
	submit_failover(old);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(job_field("amphora.failover", "error"),
	    "flow amphora.failover failed at step 10/11 (update_amphorae): "
	    "i/o error");
	assert_string_equal(lb_status(LB_A), "ERROR");
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    old, "status"), "DELETED");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "status <> 'DELETED'", NULL), 0);
	assert_int_equal(called("build"), 1);
	assert_int_equal(called("destroy"), 2);	/* the old, then the new */

	/* LB failover of an LB without amphorae builds one */
	set_status(RES_LOADBALANCER, LB_A, "PENDING_UPDATE");
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(svc_job_submit(db, "loadbalancer.failover", LB_A,
	    LB_A, NULL), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "status = 'ALLOCATED'", NULL), 1);
}

/* DELETE /amphorae/{id} of an amphora in ERROR. */
static void
test_amphora_delete(void **state)
{
	struct drivers d = drv;
	char amp[UUID_STR_LEN];

	(void)state;
	make_active_lb(LB_A);
	snprintf(amp, sizeof(amp), "%s", amp_id_of(LB_A));
	set_status(RES_AMPHORA, amp, "PENDING_DELETE");
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(svc_job_submit(db, "amphora.delete", amp, LB_A,
	    NULL), 0);
	assert_int_equal(db_commit(db), 0);
	d.compute = &compute_recording;
	ncalls = 0;
	assert_int_equal(worker_run_one(db, &d, OWNER), 1);
	assert_string_equal(job_field("amphora.delete", "state"), "done");
	assert_string_equal(field("SELECT status FROM amphora WHERE id = ?",
	    amp, "status"), "DELETED");
	assert_int_equal(called("destroy"), 1);
	assert_string_equal(lb_status(LB_A), "ACTIVE");
}

static void
test_gives_up(void **state)
{
	(void)state;
	insert_lb(LB_A, "PENDING_CREATE", "SINGLE");
	submit("loadbalancer.create", LB_A, LB_A);
	assert_int_equal(db_exec(db, "UPDATE job SET attempts = 5", NULL,
	    NULL), 0);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "ERROR");
	assert_string_equal(job_field("loadbalancer.create", "state"),
	    "failed");
	assert_string_equal(job_field("loadbalancer.create", "error"),
	    "flow loadbalancer.create gave up after 5 attempts at step 1/"
	    LB_CREATE_STEPS);
}

static void
test_unknown_kind(void **state)
{
	(void)state;
	insert_lb(LB_A, "ACTIVE", "SINGLE");
	submit("teleport.create", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(job_field("teleport.create", "state"), "failed");
	assert_string_equal(job_field("teleport.create", "error"),
	    "unknown job kind");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
}

/* ---- child flows (config_change) and delete ---- */


static void
test_child_create_delete(void **state)
{
	(void)state;
	make_active_lb(LB_A);
	/* what the API does for POST /listeners */
	insert_listener(LIS_1, LB_A, "PENDING_CREATE");
	set_status(RES_LOADBALANCER, LB_A, "PENDING_UPDATE");
	submit("listener.create", LIS_1, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(listener_status(LIS_1), "ACTIVE");
	assert_string_equal(lb_status(LB_A), "ACTIVE");

	/* DELETE /listeners/ID */
	set_status(RES_LISTENER, LIS_1, "PENDING_DELETE");
	set_status(RES_LOADBALANCER, LB_A, "PENDING_UPDATE");
	submit("listener.delete", LIS_1, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(listener_status(LIS_1), "(no row)");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
}

static const struct amphora_driver amphora_failing = {
	.name = "amphora_failing", .update_config = config_fails,
	.delete_config = config_fails,
};

/* A child flow that fails: that object ERROR, the LB back to ACTIVE. */
static void
test_child_fails(void **state)
{
	struct drivers bad = drv;

	(void)state;
	make_active_lb(LB_A);
	bad.amphora = &amphora_failing;
	fail_with = -OCTA_EIO;
	insert_listener(LIS_1, LB_A, "PENDING_CREATE");
	set_status(RES_LOADBALANCER, LB_A, "PENDING_UPDATE");
	submit("listener.create", LIS_1, LB_A);
	assert_int_equal(worker_run_one(db, &bad, OWNER), 1);
	assert_string_equal(listener_status(LIS_1), "ERROR");
	assert_string_equal(lb_status(LB_A), "ACTIVE");
	assert_string_equal(job_field("listener.create", "error"),
	    "flow listener.create failed at step 1/2 (update_amphorae): "
	    "i/o error");
}

static void
test_lb_delete(void **state)
{
	(void)state;
	make_active_lb(LB_A);
	insert_listener(LIS_1, LB_A, "ACTIVE");
	set_status(RES_LOADBALANCER, LB_A, "PENDING_DELETE");
	submit("loadbalancer.delete", LB_A, LB_A);
	assert_int_equal(worker_run_one(db, &drv, OWNER), 1);
	assert_string_equal(lb_status(LB_A), "DELETED");
	assert_string_equal(listener_status(LIS_1), "(no row)");
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora WHERE "
	    "load_balancer_id = ? AND status <> 'DELETED'", LB_A), 0);
	assert_int_equal(count("SELECT COUNT(*) AS n FROM amphora_health",
	    NULL), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_drivers_select),
		T(test_lb_create),
		T(test_lb_create_active_standby),
		T(test_resume),
		T(test_resume_idempotent),
		T(test_order),
		T(test_foreign_lease),
		T(test_recover),
		T(test_recover_literal),
		T(test_step_fails),
		T(test_step_busy),
		T(test_payload_carries_results),
		T(test_execute_outside_transaction),
		T(test_lease_renewed),
		T(test_lease_lost),
		T(test_revert_on_failure),
		T(test_failover),
		T(test_failover_fails),
		T(test_failover_fails_late),
		T(test_amphora_delete),
		T(test_gives_up),
		T(test_unknown_kind),
		T(test_child_create_delete),
		T(test_child_fails),
		T(test_lb_delete),
	};

	/* The worker logs every flow; keep the test output readable. */
	log_init("unit", LOG_LVL_WARN);
	return cmocka_run_group_tests_name("worker/jobs", tests, NULL, NULL);
}
