/*
 * test_service_lbtree.c - src/service/lbtree.c on a temporary SQLite
 * file: an LB's rows come back as the tree render_haproxy() takes
 * (listeners with their L7 policies by position and their rules, pools
 * with members and health monitor), other LBs' rows stay out, rows being
 * deleted stay in, and the tree renders.
 */
#include "unit.h"

#include "common/buf.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "db/db.h"
#include "db/repo.h"
#include "model/model.h"
#include "render/render_haproxy.h"
#include "service/service.h"

#define LB "00000000-0000-4000-8000-00000000000a"
#define LB2 "00000000-0000-4000-8000-00000000000b"
#define L1 "11111111-0000-4000-8000-000000000001"
#define L2 "11111111-0000-4000-8000-000000000002"
#define P1 "22222222-0000-4000-8000-000000000001"
#define P2 "22222222-0000-4000-8000-000000000002"
#define M1 "33333333-0000-4000-8000-000000000001"
#define M2 "33333333-0000-4000-8000-000000000002"
#define M3 "33333333-0000-4000-8000-000000000003"
#define H1 "44444444-0000-4000-8000-000000000001"
#define Q1 "55555555-0000-4000-8000-000000000001"
#define Q2 "55555555-0000-4000-8000-000000000002"
#define R1 "66666666-0000-4000-8000-000000000001"

static char *dir;
static struct db *db;

static void
insert(enum resource_kind k, const char *fmt, ...)
{
	json_error_t e;
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	o = json_vpack_ex(&e, 0, fmt, ap);
	va_end(ap);
	if (o == NULL)
		fail_msg("pack: %s", e.text);
	json_object_set_new(o, "admin_state_up", json_true());
	if (json_object_get(o, "provisioning_status") == NULL)
		json_object_set_new(o, "provisioning_status",
		    json_string("ACTIVE"));
	json_object_set_new(o, "operating_status", json_string("ONLINE"));
	assert_int_equal(repo_insert(db, model_resource(k), o), 0);
	json_decref(o);
}

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

	insert(RES_LOADBALANCER, "{ss ss ss ss}", "id", LB, "vip_address",
	    "10.0.0.10", "topology", "SINGLE", "project_id", "p");
	insert(RES_LOADBALANCER, "{ss ss ss}", "id", LB2, "vip_address",
	    "10.0.0.11", "topology", "SINGLE");
	insert(RES_LISTENER, "{ss ss ss si ss}", "id", L1, "loadbalancer_id",
	    LB, "protocol", "HTTP", "protocol_port", 80, "default_pool_id",
	    P1);
	insert(RES_LISTENER, "{ss ss ss si ss}", "id", L2, "loadbalancer_id",
	    LB, "protocol", "TCP", "protocol_port", 22,
	    "provisioning_status", "PENDING_DELETE");
	insert(RES_POOL, "{ss ss ss ss sb}", "id", P1, "loadbalancer_id", LB,
	    "protocol", "HTTP", "lb_algorithm", "ROUND_ROBIN", "tls_enabled",
	    0);
	insert(RES_POOL, "{ss ss ss ss sb}", "id", P2, "loadbalancer_id", LB,
	    "protocol", "HTTP", "lb_algorithm", "ROUND_ROBIN", "tls_enabled",
	    0);
	insert(RES_MEMBER, "{ss ss ss ss si sb}", "id", M1, "pool_id", P1,
	    "loadbalancer_id", LB, "address", "10.0.1.1", "protocol_port", 80,
	    "backup", 0);
	insert(RES_MEMBER, "{ss ss ss ss si sb}", "id", M2, "pool_id", P1,
	    "loadbalancer_id", LB, "address", "10.0.1.2", "protocol_port", 80,
	    "backup", 0);
	insert(RES_MEMBER, "{ss ss ss ss si sb}", "id", M3, "pool_id", P2,
	    "loadbalancer_id", LB, "address", "10.0.1.3", "protocol_port", 80,
	    "backup", 0);
	insert(RES_HEALTHMONITOR, "{ss ss ss ss si si si}", "id", H1,
	    "pool_id", P1, "loadbalancer_id", LB, "type", "HTTP", "delay", 5,
	    "timeout", 3, "max_retries", 3);
	/* inserted out of order: the tree is by position */
	insert(RES_L7POLICY, "{ss ss ss ss ss si}", "id", Q2, "listener_id",
	    L1, "loadbalancer_id", LB, "action", "REDIRECT_TO_POOL",
	    "redirect_pool_id", P2, "position", 2);
	insert(RES_L7POLICY, "{ss ss ss ss si}", "id", Q1, "listener_id", L1,
	    "loadbalancer_id", LB, "action", "REJECT", "position", 1);
	insert(RES_L7RULE, "{ss ss ss ss ss ss sb}", "id", R1, "l7policy_id",
	    Q2, "loadbalancer_id", LB, "type", "PATH", "compare_type",
	    "STARTS_WITH", "value", "/api", "invert", 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	unit_rmdir(dir);
	free(dir);
	config_free();
	return 0;
}

static const char *
id_at(json_t *arr, size_t i)
{
	return json_string_value(json_object_get(json_array_get(arr, i),
	    "id"));
}

static void
test_shape(void **state)
{
	json_t *t, *ls, *pols, *pools, *p1;

	(void)state;
	assert_int_equal(db_begin_read(db), 0);
	assert_int_equal(svc_lb_tree(db, LB, &t), 0);
	db_rollback(db);
	assert_string_equal(json_string_value(json_object_get(t, "id")), LB);
	assert_string_equal(json_string_value(json_object_get(t,
	    "vip_address")), "10.0.0.10");
	ls = json_object_get(t, "listeners");
	/* PENDING_DELETE ones too */
	assert_int_equal(json_array_size(ls), 2);
	pols = json_object_get(json_array_get(ls, 0), "l7policies");
	if (strcmp(id_at(ls, 0), L1) != 0)
		pols = json_object_get(json_array_get(ls, 1), "l7policies");
	assert_int_equal(json_array_size(pols), 2);
	assert_string_equal(id_at(pols, 0), Q1);
	assert_string_equal(id_at(pols, 1), Q2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(pols,
	    0), "rules")), 0);
	assert_string_equal(id_at(json_object_get(json_array_get(pols, 1),
	    "rules"), 0), R1);
	pools = json_object_get(t, "pools");
	assert_int_equal(json_array_size(pools), 2);
	p1 = json_array_get(pools, strcmp(id_at(pools, 0), P1) == 0 ? 0 : 1);
	assert_int_equal(json_array_size(json_object_get(p1, "members")), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(p1, "healthmonitor"), "id")), H1);
	p1 = json_array_get(pools, strcmp(id_at(pools, 0), P1) == 0 ? 1 : 0);
	assert_true(json_is_null(json_object_get(p1, "healthmonitor")));
	assert_int_equal(json_array_size(json_object_get(p1, "members")), 1);
	json_decref(t);

	/* the other LB has no children */
	assert_int_equal(svc_lb_tree(db, LB2, &t), 0);
	assert_int_equal(json_array_size(json_object_get(t, "listeners")), 0);
	assert_int_equal(json_array_size(json_object_get(t, "pools")), 0);
	json_decref(t);
	assert_int_equal(svc_lb_tree(db,
	    "00000000-0000-4000-8000-0000000000ff", &t), -OCTA_ENOTFOUND);
}

/* What the database holds renders (the worker's config push). */
static void
test_renders(void **state)
{
	struct render_opts o;
	struct buf out;
	json_t *t;

	(void)state;
	assert_int_equal(svc_lb_tree(db, LB, &t), 0);
	render_opts_init(&o);
	buf_init(&out, 1 << 20);
	assert_int_equal(render_haproxy(t, &o, &out), 0);
	assert_non_null(strstr(buf_str(&out), "frontend " L1));
	assert_null(strstr(buf_str(&out), "frontend " L2));
	assert_non_null(strstr(buf_str(&out), "backend " P2 ":" L1));
	assert_non_null(strstr(buf_str(&out), "/api"));
	buf_free(&out);
	json_decref(t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_shape),
		T(test_renders),
	};

	log_init("unit", LOG_LVL_WARN);
	return cmocka_run_group_tests_name("service/lbtree", tests, NULL,
	    NULL);
}
