/*
 * test_db_repo.c - src/db/repo.c against an in-memory SQLite database:
 * insert/get/update/delete driven by the field tables (types, renamed
 * columns, JSON text columns), and lists with Octavia's semantics:
 * filters, sort keys, limit + marker keyset pagination both ways, the four
 * tag filters, and the errors for a bad filter, sort key or marker.
 */
#include <stdbool.h>

#include "unit.h"

#include "common/errors.h"
#include "db/db.h"
#include "db/repo.h"
#include "model/model.h"

#define LB model_resource(RES_LOADBALANCER)

static struct db *db;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(db_open("sqlite:///:memory:", &db), 0);
	assert_int_equal(db_migrate(db, NULL, NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	return 0;
}

/* ---- insert / get / update / delete ---- */

#define LB1 "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a"
#define SG1 "11111111-2222-4333-8444-555555555555"

static json_t *
sample_lb(void)
{
	json_t *o = json_pack("{ss ss ss sb ss ss ss ss ss ss ss"
	    " s[s] s[ss] s[] ss sn ss}",
	    "id", LB1, "name", "web", "description", "front end",
	    "admin_state_up", 1, "project_id", "proj-a",
	    "provisioning_status", "PENDING_CREATE",
	    "operating_status", "OFFLINE", "vip_address", "192.0.2.10",
	    "vip_subnet_id", "6b3f4a7b-8e8c-4d9f-ab9d-2a3f4e5d6c7b",
	    "provider", "amphora", "topology", "SINGLE",
	    "vip_sg_ids", SG1, "tags", "a", "b", "additional_vips",
	    "created_at", "2024-05-01T10:00:00", "updated_at",
	    "vip_vnic_type", "normal");

	assert_non_null(o);
	/* Not stored: must be ignored by insert, not an error. */
	json_object_set_new(o, "listeners", json_pack("[{ss}]", "id", "x"));
	return o;
}

static void
test_insert_get(void **state)
{
	json_t *in = sample_lb(), *out = NULL, *row;

	(void)state;
	assert_int_equal(repo_insert(db, LB, in), 0);
	assert_int_equal(repo_get(db, LB, LB1, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "name")),
	    "web");
	assert_string_equal(json_string_value(json_object_get(out,
	    "project_id")), "proj-a");
	/* Booleans come back as JSON booleans, lists as arrays. */
	assert_true(json_is_true(json_object_get(out, "admin_state_up")));
	assert_true(json_equal(json_object_get(out, "tags"),
	    json_object_get(in, "tags")));
	assert_true(json_equal(json_object_get(out, "vip_sg_ids"),
	    json_object_get(in, "vip_sg_ids")));
	assert_true(json_is_array(json_object_get(out, "additional_vips")));
	assert_int_equal(json_array_size(json_object_get(out,
	    "additional_vips")), 0);
	/* Unset stored fields are present as null. */
	assert_true(json_is_null(json_object_get(out, "flavor_id")));
	assert_true(json_is_null(json_object_get(out, "updated_at")));
	assert_string_equal(json_string_value(json_object_get(out,
	    "created_at")), "2024-05-01T10:00:00");
	/* Only stored fields come back. */
	assert_null(json_object_get(out, "listeners"));
	assert_null(json_object_get(out, "pools"));
	json_decref(out);

	/* How it is stored: booleans as integers, lists as JSON text. */
	assert_int_equal(db_query_one(db, "SELECT admin_state_up, tags, "
	    "vip_sg_ids FROM load_balancer WHERE id = ?",
	    json_pack("[s]", LB1), &row), 0);
	assert_int_equal(json_integer_value(json_object_get(row,
	    "admin_state_up")), 1);
	assert_string_equal(json_string_value(json_object_get(row, "tags")),
	    "[\"a\",\"b\"]");
	json_decref(row);
	json_decref(in);
}

static void
test_get_missing(void **state)
{
	json_t *out = NULL;

	(void)state;
	assert_int_equal(repo_get(db, LB, LB1, &out), -OCTA_ENOTFOUND);
	assert_null(out);
}

static void
test_insert_duplicate(void **state)
{
	json_t *in = sample_lb();

	(void)state;
	assert_int_equal(repo_insert(db, LB, in), 0);
	assert_int_equal(repo_insert(db, LB, in), -OCTA_ECONFLICT);
	json_decref(in);
}

static void
test_update(void **state)
{
	json_t *in = sample_lb(), *out, *ch;

	(void)state;
	assert_int_equal(repo_insert(db, LB, in), 0);
	ch = json_pack("{ss sb s[s] sn ss ss s[]}", "name", "renamed",
	    "admin_state_up", 0, "tags", "x", "description",
	    "updated_at", "1999-01-01T00:00:00", "bogus", "ignored",
	    "listeners");
	assert_int_equal(repo_update(db, LB, LB1, ch), 0);
	json_decref(ch);
	assert_int_equal(repo_get(db, LB, LB1, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "name")),
	    "renamed");
	assert_true(json_is_false(json_object_get(out, "admin_state_up")));
	assert_true(json_is_null(json_object_get(out, "description")));
	assert_int_equal(json_array_size(json_object_get(out, "tags")), 1);
	/* updated_at is the time of the update, whatever the caller said. */
	assert_true(json_is_string(json_object_get(out, "updated_at")));
	assert_int_equal(json_string_length(json_object_get(out,
	    "updated_at")), 19);
	assert_string_not_equal(json_string_value(json_object_get(out,
	    "updated_at")), "1999-01-01T00:00:00");
	/* Fields not named are untouched. */
	assert_string_equal(json_string_value(json_object_get(out,
	    "created_at")), "2024-05-01T10:00:00");
	assert_string_equal(json_string_value(json_object_get(out,
	    "vip_address")), "192.0.2.10");
	assert_true(json_equal(json_object_get(out, "vip_sg_ids"),
	    json_object_get(in, "vip_sg_ids")));
	json_decref(out);
	json_decref(in);
}

static void
test_update_missing(void **state)
{
	json_t *ch = json_pack("{ss}", "name", "x");

	(void)state;
	assert_int_equal(repo_update(db, LB, LB1, ch), -OCTA_ENOTFOUND);
	json_decref(ch);
}

static void
test_delete(void **state)
{
	json_t *in = sample_lb(), *out = NULL;

	(void)state;
	assert_int_equal(repo_insert(db, LB, in), 0);
	assert_int_equal(repo_delete(db, LB, LB1), 0);
	assert_int_equal(repo_get(db, LB, LB1, &out), -OCTA_ENOTFOUND);
	json_decref(in);
}

/*
 * Fields whose column has another name (loadbalancer_id ->
 * load_balancer_id, type -> hm_type), dicts, floats, null lists.
 */
static void
test_renamed_columns(void **state)
{
	const struct resource *lis = model_resource(RES_LISTENER);
	const struct resource *hm = model_resource(RES_HEALTHMONITOR);
	json_t *o, *out, *row;

	(void)state;
	o = json_pack("{ss ss sb ss ss ss si s{ss} sn}",
	    "id", "aaaaaaaa-0000-4000-8000-000000000001",
	    "loadbalancer_id", LB1, "admin_state_up", 1,
	    "provisioning_status", "ACTIVE", "operating_status", "ONLINE",
	    "protocol", "HTTP", "protocol_port", 80,
	    "insert_headers", "X-Forwarded-For", "true",
	    "allowed_cidrs");
	assert_int_equal(repo_insert(db, lis, o), 0);
	json_decref(o);
	assert_int_equal(repo_get(db, lis,
	    "aaaaaaaa-0000-4000-8000-000000000001", &out), 0);
	assert_string_equal(json_string_value(json_object_get(out,
	    "loadbalancer_id")), LB1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    out, "insert_headers"), "X-Forwarded-For")), "true");
	assert_true(json_is_null(json_object_get(out, "allowed_cidrs")));
	assert_int_equal(json_integer_value(json_object_get(out,
	    "protocol_port")), 80);
	json_decref(out);
	assert_int_equal(db_query_one(db, "SELECT load_balancer_id FROM "
	    "listener", NULL, &row), 0);
	assert_string_equal(json_string_value(json_object_get(row,
	    "load_balancer_id")), LB1);
	json_decref(row);

	o = json_pack("{ss ss ss sb ss ss ss si si si sf}",
	    "id", "bbbbbbbb-0000-4000-8000-000000000001",
	    "pool_id", "cccccccc-0000-4000-8000-000000000001",
	    "loadbalancer_id", LB1, "admin_state_up", 1,
	    "provisioning_status", "ACTIVE", "operating_status", "ONLINE",
	    "type", "HTTP", "delay", 5, "timeout", 3, "max_retries", 2,
	    "http_version", 1.1);
	assert_int_equal(repo_insert(db, hm, o), 0);
	json_decref(o);
	assert_int_equal(repo_get(db, hm,
	    "bbbbbbbb-0000-4000-8000-000000000001", &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "type")),
	    "HTTP");
	assert_true(json_is_real(json_object_get(out, "http_version")));
	assert_true(json_real_value(json_object_get(out, "http_version")) ==
	    1.1);
	json_decref(out);
	assert_int_equal(db_query_one(db, "SELECT hm_type FROM health_monitor",
	    NULL, &row), 0);
	assert_string_equal(json_string_value(json_object_get(row, "hm_type")),
	    "HTTP");
	json_decref(row);
}

/* Resources keyed by something else than "id". */
static void
test_other_keys(void **state)
{
	const struct resource *az = model_resource(RES_AZ);
	const struct resource *quota = model_resource(RES_QUOTA);
	json_t *o, *out, *ch;

	(void)state;
	o = json_pack("{ss ss sb ss}", "name", "zone-1", "description", "d",
	    "enabled", 1, "availability_zone_profile_id",
	    "dddddddd-0000-4000-8000-000000000001");
	assert_int_equal(repo_insert(db, az, o), 0);
	json_decref(o);
	ch = json_pack("{sb}", "enabled", 0);
	assert_int_equal(repo_update(db, az, "zone-1", ch), 0);
	json_decref(ch);
	assert_int_equal(repo_get(db, az, "zone-1", &out), 0);
	assert_true(json_is_false(json_object_get(out, "enabled")));
	json_decref(out);

	o = json_pack("{ss si si}", "project_id", "proj-a", "load_balancer",
	    5, "member", -1);
	assert_int_equal(repo_insert(db, quota, o), 0);
	json_decref(o);
	assert_int_equal(repo_get(db, quota, "proj-a", &out), 0);
	assert_int_equal(json_integer_value(json_object_get(out,
	    "load_balancer")), 5);
	assert_int_equal(json_integer_value(json_object_get(out, "member")),
	    -1);
	assert_true(json_is_null(json_object_get(out, "pool")));
	json_decref(out);
	assert_int_equal(repo_delete(db, quota, "proj-a"), 0);
	assert_int_equal(repo_get(db, quota, "proj-a", &out),
	    -OCTA_ENOTFOUND);
}

static void
test_member_unique(void **state)
{
	const struct resource *mem = model_resource(RES_MEMBER);
	json_t *o;

	(void)state;
	o = json_pack("{ss ss ss sb ss ss ss si sb}",
	    "id", "eeeeeeee-0000-4000-8000-000000000001",
	    "pool_id", "cccccccc-0000-4000-8000-000000000001",
	    "loadbalancer_id", LB1, "admin_state_up", 1,
	    "provisioning_status", "ACTIVE", "operating_status", "ONLINE",
	    "address", "192.0.2.20", "protocol_port", 8080, "backup", 0);
	assert_int_equal(repo_insert(db, mem, o), 0);
	/* Same pool, address and port, another id: a conflict (409). */
	json_object_set_new(o, "id",
	    json_string("eeeeeeee-0000-4000-8000-000000000002"));
	assert_int_equal(repo_insert(db, mem, o), -OCTA_ECONFLICT);
	json_object_set_new(o, "protocol_port", json_integer(8081));
	assert_int_equal(repo_insert(db, mem, o), 0);
	json_decref(o);
}

static void
test_select(void **state)
{
	json_t *a = sample_lb(), *b = sample_lb(), *list;

	(void)state;
	json_object_set_new(b, "id",
	    json_string("00000000-0000-4000-8000-0000000000ff"));
	json_object_set_new(b, "name", json_string("aaa"));
	assert_int_equal(repo_insert(db, LB, a), 0);
	assert_int_equal(repo_insert(db, LB, b), 0);
	assert_int_equal(repo_select(db, LB, "project_id = ?",
	    json_pack("[s]", "proj-a"), "name", &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "name")), "aaa");
	assert_true(json_is_true(json_object_get(json_array_get(list, 1),
	    "admin_state_up")));
	json_decref(list);
	assert_int_equal(repo_select(db, LB, "name = ?", json_pack("[s]",
	    "none"), NULL, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	json_decref(a);
	json_decref(b);
}

/* ---- lists ---- */

/*
 * The list fixture.  Ids sort in row order; "echo" and "bravo" share a
 * created_at (the id breaks the tie); descriptions are partly null; the
 * DELETED row never appears in lists.
 */
static const struct {
	const char *id, *name, *project, *created, *desc, *tags, *prov;
	bool admin;
} rows[] = {
	{ "00000000-0000-4000-8000-000000000001", "charlie", "p1",
	    "2024-01-01T00:00:01", "d-b", "[\"red\",\"blue\"]", "ACTIVE",
	    true },
	{ "00000000-0000-4000-8000-000000000002", "alpha", "p1",
	    "2024-01-01T00:00:02", NULL, "[\"red\"]", "ACTIVE", false },
	{ "00000000-0000-4000-8000-000000000003", "echo", "p2",
	    "2024-01-01T00:00:03", "d-a", "[\"blue\",\"green\"]", "ERROR",
	    true },
	{ "00000000-0000-4000-8000-000000000004", "bravo", "p2",
	    "2024-01-01T00:00:03", NULL, "[]", "ACTIVE", true },
	{ "00000000-0000-4000-8000-000000000005", "delta", "p1",
	    "2024-01-01T00:00:05", "d-c", NULL, "PENDING_CREATE", true },
	{ "00000000-0000-4000-8000-000000000006", "zulu", "p1",
	    "2024-01-01T00:00:06", "d-z", "[\"red\"]", "DELETED", true },
};

static const char *
id_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (strcmp(rows[i].name, name) == 0)
			return rows[i].id;
	fail_msg("no fixture row %s", name);
	return NULL;
}

static int
setup_list(void **state)
{
	size_t i;

	setup(state);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		json_t *o = json_pack("{ss ss ss ss sb ss ss}",
		    "id", rows[i].id, "name", rows[i].name,
		    "project_id", rows[i].project,
		    "created_at", rows[i].created,
		    "admin_state_up", rows[i].admin,
		    "provisioning_status", rows[i].prov,
		    "operating_status", "ONLINE");

		json_object_set_new(o, "description", rows[i].desc ?
		    json_string(rows[i].desc) : json_null());
		json_object_set_new(o, "tags", rows[i].tags ?
		    json_loads(rows[i].tags, 0, NULL) : json_null());
		assert_int_equal(repo_insert(db, LB, o), 0);
		json_decref(o);
	}
	return 0;
}

/* "a,b,c": the names of a list result. */
static void
names_of(json_t *list, char *out, size_t len)
{
	json_t *o;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach(list, i, o)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? "," : "",
		    json_string_value(json_object_get(o, "name")));
}

/* Runs a list query; returns the names or fails the test. */
static void
list_names(const struct repo_list_query *q, char *out, size_t len)
{
	const char *msg = NULL;
	json_t *list = NULL;
	int r = repo_list(db, LB, q, &list, &msg);

	if (r != 0)
		fail_msg("repo_list failed: %d (%s)", r, msg ? msg : "-");
	names_of(list, out, len);
	json_decref(list);
}

static json_t *
jlist(const char *text)
{
	json_t *v;

	if (text == NULL)
		return NULL;
	v = json_loads(text, 0, NULL);
	assert_non_null(v);
	return v;
}

static void
free_query(struct repo_list_query *q)
{
	json_decref(q->filters);
	json_decref(q->tags_all);
	json_decref(q->tags_any);
	json_decref(q->not_tags_all);
	json_decref(q->not_tags_any);
	json_decref(q->sort);
}

/* Filters: exact match on any visible (or F_FILTER) field. */
static const struct {
	const char *filters;
	const char *want;
} filter_cases[] = {
	{ "{}", "charlie,alpha,echo,bravo,delta" },
	{ "{\"name\": \"echo\"}", "echo" },
	{ "{\"name\": \"nobody\"}", "" },
	{ "{\"project_id\": \"p2\"}", "echo,bravo" },
	{ "{\"admin_state_up\": \"false\"}", "alpha" },
	{ "{\"admin_state_up\": \"True\"}", "charlie,echo,bravo,delta" },
	{ "{\"provisioning_status\": \"ACTIVE\"}", "charlie,alpha,bravo" },
	{ "{\"provisioning_status\": \"DELETED\"}", "" },
	{ "{\"project_id\": \"p1\", \"admin_state_up\": \"1\"}",
	    "charlie,delta" },
	{ "{\"description\": \"d-a\"}", "echo" },
	{ "{\"id\": \"00000000-0000-4000-8000-000000000004\"}", "bravo" },
};

static void
test_list_filters(void **state)
{
	char got[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(filter_cases); i++) {
		struct repo_list_query q = { .limit = -1 };

		q.filters = jlist(filter_cases[i].filters);
		list_names(&q, got, sizeof(got));
		if (strcmp(got, filter_cases[i].want) != 0)
			fail_msg("filters %s: got \"%s\", want \"%s\"",
			    filter_cases[i].filters, got,
			    filter_cases[i].want);
		free_query(&q);
	}
}

/* Filters Octavia refuses: unknown, hidden, or not filterable fields. */
static void
test_list_bad_filter(void **state)
{
	static const char *const bad[] = { "{\"nope\": \"x\"}",
		"{\"topology\": \"SINGLE\"}", "{\"tags\": \"red\"}",
		"{\"listeners\": \"x\"}", "{\"vip_sg_ids\": \"x\"}" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct repo_list_query q = { .limit = -1 };
		const char *msg = NULL;
		json_t *list = NULL;

		q.filters = jlist(bad[i]);
		if (repo_list(db, LB, &q, &list, &msg) != -OCTA_EINVAL)
			fail_msg("filter %s accepted", bad[i]);
		assert_null(list);
		assert_non_null(msg);
		assert_string_equal(msg, "One or more arguments are either "
		    "duplicate or invalid");
		free_query(&q);
	}
}

/* An extra condition from the caller (project scoping, parent id). */
static void
test_list_where(void **state)
{
	struct repo_list_query q = { .limit = -1 };
	json_t *params = json_pack("[s]", "p2");
	char got[512];

	(void)state;
	q.where = "project_id = ?";
	q.where_params = params;
	list_names(&q, got, sizeof(got));
	assert_string_equal(got, "echo,bravo");
	q.filters = jlist("{\"name\": \"bravo\"}");
	list_names(&q, got, sizeof(got));
	assert_string_equal(got, "bravo");
	free_query(&q);
	json_decref(params);
}

static const struct {
	const char *sort;
	const char *want;
} sort_cases[] = {
	{ "[]", "charlie,alpha,echo,bravo,delta" },
	{ "[[\"name\", \"asc\"]]", "alpha,bravo,charlie,delta,echo" },
	{ "[[\"name\", \"desc\"]]", "echo,delta,charlie,bravo,alpha" },
	{ "[[\"name\", \"DESC\"]]", "echo,delta,charlie,bravo,alpha" },
	{ "[[\"project_id\", \"asc\"], [\"name\", \"desc\"]]",
	    "delta,charlie,alpha,echo,bravo" },
	{ "[[\"project_id\", \"desc\"], [\"name\", \"asc\"]]",
	    "bravo,echo,alpha,charlie,delta" },
	/* created_at ties fall back to the id, ascending */
	{ "[[\"created_at\", \"desc\"]]", "delta,echo,bravo,alpha,charlie" },
	{ "[[\"admin_state_up\", \"asc\"], [\"name\", \"asc\"]]",
	    "alpha,bravo,charlie,delta,echo" },
	/* null sorts as the empty string: first ascending */
	{ "[[\"description\", \"asc\"]]", "alpha,bravo,echo,charlie,delta" },
	{ "[[\"description\", \"desc\"]]", "delta,charlie,echo,alpha,bravo" },
	{ "[[\"id\", \"desc\"]]", "delta,bravo,echo,alpha,charlie" },
};

static void
test_list_sort(void **state)
{
	char got[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sort_cases); i++) {
		struct repo_list_query q = { .limit = -1 };

		q.sort = jlist(sort_cases[i].sort);
		list_names(&q, got, sizeof(got));
		if (strcmp(got, sort_cases[i].want) != 0)
			fail_msg("sort %s: got \"%s\", want \"%s\"",
			    sort_cases[i].sort, got, sort_cases[i].want);
		free_query(&q);
	}
}

static void
test_list_bad_sort(void **state)
{
	static const char *const bad[] = { "[[\"nope\", \"asc\"]]",
		"[[\"name\", \"asc\"], [\"nope\", \"desc\"]]",
		"[[\"tags\", \"asc\"]]", "[[\"vip_sg_ids\", \"asc\"]]",
		"[[\"topology\", \"asc\"]]", "[[\"listeners\", \"asc\"]]" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct repo_list_query q = { .limit = -1 };
		const char *msg = NULL;
		json_t *list = NULL;

		q.sort = jlist(bad[i]);
		if (repo_list(db, LB, &q, &list, &msg) != -OCTA_EINVAL)
			fail_msg("sort %s accepted", bad[i]);
		assert_non_null(msg);
		assert_string_equal(msg, "sort");
		assert_null(list);
		free_query(&q);
	}
}

/* One page: limit, marker (a name of the fixture) and direction. */
static const struct {
	const char *sort;
	long long limit;
	const char *marker;
	bool reverse;
	const char *want;
} page_cases[] = {
	{ "[[\"name\", \"asc\"]]", 2, NULL, false, "alpha,bravo" },
	{ "[[\"name\", \"asc\"]]", 2, "bravo", false, "charlie,delta" },
	{ "[[\"name\", \"asc\"]]", 2, "delta", false, "echo" },
	{ "[[\"name\", \"asc\"]]", 2, "echo", false, "" },
	{ "[[\"name\", \"asc\"]]", 2, "delta", true, "bravo,charlie" },
	{ "[[\"name\", \"asc\"]]", 2, "bravo", true, "alpha" },
	{ "[[\"name\", \"asc\"]]", 2, "alpha", true, "" },
	{ "[[\"name\", \"asc\"]]", -1, "bravo", false, "charlie,delta,echo" },
	{ "[[\"name\", \"desc\"]]", 2, NULL, false, "echo,delta" },
	{ "[[\"name\", \"desc\"]]", 2, "delta", false, "charlie,bravo" },
	{ "[[\"name\", \"desc\"]]", 2, "bravo", true, "delta,charlie" },
	{ "[]", 3, NULL, false, "charlie,alpha,echo" },
	/* the created_at tie between echo and bravo is kept in id order */
	{ "[]", 1, "echo", false, "bravo" },
	{ "[]", 1, "bravo", true, "echo" },
	{ "[[\"description\", \"asc\"]]", 2, "alpha", false, "bravo,echo" },
	{ "[[\"description\", \"asc\"]]", 2, "echo", true, "alpha,bravo" },
	{ "[]", 0, NULL, false, "" },
};

static void
test_list_pages(void **state)
{
	char got[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(page_cases); i++) {
		struct repo_list_query q = { .limit = page_cases[i].limit };

		q.sort = jlist(page_cases[i].sort);
		q.marker = page_cases[i].marker ? id_of(page_cases[i].marker) :
		    NULL;
		q.page_reverse = page_cases[i].reverse;
		list_names(&q, got, sizeof(got));
		if (strcmp(got, page_cases[i].want) != 0)
			fail_msg("sort %s limit %lld marker %s%s: got \"%s\", "
			    "want \"%s\"", page_cases[i].sort,
			    page_cases[i].limit, page_cases[i].marker,
			    page_cases[i].reverse ? " reverse" : "", got,
			    page_cases[i].want);
		free_query(&q);
	}
}

/*
 * Walking every page forward, or backward from the last object, visits
 * each object exactly once in the order of the unpaged list, whatever the
 * sort keys (ties, nulls, booleans) and the page size.
 */
static void
test_list_walk(void **state)
{
	size_t s;
	long long limit;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(sort_cases); s++) {
		for (limit = 1; limit <= 3; limit++) {
			struct repo_list_query q = { .limit = limit };
			char all[512], walked[512] = "", page[512];
			const char *last_name, *first_id;
			json_t *list = NULL;
			const char *msg;
			char *marker = NULL;
			int guard = 0;

			q.sort = jlist(sort_cases[s].sort);
			snprintf(all, sizeof(all), "%s", sort_cases[s].want);

			/* forward */
			for (;;) {
				q.marker = marker;
				q.page_reverse = false;
				assert_int_equal(repo_list(db, LB, &q, &list,
				    &msg), 0);
				names_of(list, page, sizeof(page));
				if (json_array_size(list) == 0) {
					json_decref(list);
					break;
				}
				assert_true(json_array_size(list) <=
				    (size_t)limit);
				assert_true(snprintf(walked + strlen(walked),
				    sizeof(walked) - strlen(walked), "%s%s",
				    walked[0] ? "," : "", page) <
				    (int)(sizeof(walked) - strlen(walked)));
				free(marker);
				marker = strdup(json_string_value(
				    json_object_get(json_array_get(list,
				    json_array_size(list) - 1), "id")));
				json_decref(list);
				assert_true(++guard < 20);
			}
			if (strcmp(walked, all) != 0)
				fail_msg("forward walk, sort %s limit %lld: "
				    "\"%s\", want \"%s\"", sort_cases[s].sort,
				    limit, walked, all);

			/* backward from the last object */
			last_name = strrchr(all, ',') + 1;
			free(marker);
			marker = strdup(id_of(last_name));
			walked[0] = '\0';
			for (;;) {
				char tmp[512];

				q.marker = marker;
				q.page_reverse = true;
				assert_int_equal(repo_list(db, LB, &q, &list,
				    &msg), 0);
				if (json_array_size(list) == 0) {
					json_decref(list);
					break;
				}
				names_of(list, page, sizeof(page));
				assert_true(snprintf(tmp, sizeof(tmp), "%s%s%s",
				    page, walked[0] ? "," : "", walked) <
				    (int)sizeof(tmp));
				memcpy(walked, tmp, sizeof(walked));
				first_id = json_string_value(json_object_get(
				    json_array_get(list, 0), "id"));
				free(marker);
				marker = strdup(first_id);
				json_decref(list);
				assert_true(++guard < 40);
			}
			free(marker);
			/* all but the starting marker */
			all[strlen(all) - strlen(last_name) - 1] = '\0';
			if (strcmp(walked, all) != 0)
				fail_msg("backward walk, sort %s limit %lld: "
				    "\"%s\", want \"%s\"", sort_cases[s].sort,
				    limit, walked, all);
			free_query(&q);
		}
	}
}

static void
test_list_bad_marker(void **state)
{
	struct repo_list_query q = { .limit = 2 };
	const char *msg = NULL;
	json_t *list = NULL;

	(void)state;
	q.marker = "99999999-0000-4000-8000-000000000000";
	assert_int_equal(repo_list(db, LB, &q, &list, &msg), -OCTA_EINVAL);
	assert_non_null(msg);
	assert_string_equal(msg, "marker");
	assert_null(list);
	q.marker = "'; DROP TABLE load_balancer; --";
	assert_int_equal(repo_list(db, LB, &q, &list, &msg), -OCTA_EINVAL);
	assert_string_equal(msg, "marker");
	q.marker = NULL;
	assert_int_equal(repo_list(db, LB, &q, &list, &msg), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
}

/*
 * tags: all of; tags-any: any of; not-tags: not all of; not-tags-any:
 * none of.  An object without tags has none of them.
 */
static const struct {
	const char *all, *any, *not_all, *not_any;
	const char *want;
} tag_cases[] = {
	{ "[\"red\"]", NULL, NULL, NULL, "charlie,alpha" },
	{ "[\"red\", \"blue\"]", NULL, NULL, NULL, "charlie" },
	{ "[\"blue\", \"red\"]", NULL, NULL, NULL, "charlie" },
	{ "[\"nope\"]", NULL, NULL, NULL, "" },
	{ NULL, "[\"red\", \"green\"]", NULL, NULL, "charlie,alpha,echo" },
	{ NULL, "[\"green\"]", NULL, NULL, "echo" },
	{ NULL, "[\"nope\"]", NULL, NULL, "" },
	{ NULL, NULL, "[\"red\", \"blue\"]", NULL, "alpha,echo,bravo,delta" },
	{ NULL, NULL, "[\"red\"]", NULL, "echo,bravo,delta" },
	{ NULL, NULL, NULL, "[\"red\", \"green\"]", "bravo,delta" },
	{ NULL, NULL, NULL, "[\"nope\"]", "charlie,alpha,echo,bravo,delta" },
	{ "[\"blue\"]", NULL, NULL, "[\"green\"]", "charlie" },
	{ NULL, "[\"red\", \"blue\"]", "[\"red\", \"blue\"]", NULL,
	    "alpha,echo" },
	{ "[]", "[]", "[]", "[]", "charlie,alpha,echo,bravo,delta" },
};

static void
test_list_tags(void **state)
{
	char got[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tag_cases); i++) {
		struct repo_list_query q = { .limit = -1 };

		q.tags_all = jlist(tag_cases[i].all);
		q.tags_any = jlist(tag_cases[i].any);
		q.not_tags_all = jlist(tag_cases[i].not_all);
		q.not_tags_any = jlist(tag_cases[i].not_any);
		list_names(&q, got, sizeof(got));
		if (strcmp(got, tag_cases[i].want) != 0)
			fail_msg("tag case %zu: got \"%s\", want \"%s\"", i,
			    got, tag_cases[i].want);
		free_query(&q);
	}
}

/* Tags combine with filters and pagination. */
static void
test_list_tags_paged(void **state)
{
	struct repo_list_query q = { .limit = 1 };
	char got[512];

	(void)state;
	q.tags_any = jlist("[\"red\", \"blue\"]");
	q.sort = jlist("[[\"name\", \"asc\"]]");
	list_names(&q, got, sizeof(got));
	assert_string_equal(got, "alpha");
	q.marker = id_of("alpha");
	list_names(&q, got, sizeof(got));
	assert_string_equal(got, "charlie");
	q.filters = jlist("{\"project_id\": \"p2\"}");
	list_names(&q, got, sizeof(got));
	assert_string_equal(got, "echo");
	free_query(&q);
}

/* A child resource: filter on an F_FILTER field stored under another
 * column name, and on an integer field given as text (a query string). */
static void
test_list_child(void **state)
{
	const struct resource *lis = model_resource(RES_LISTENER);
	struct repo_list_query q = { .limit = -1 };
	const char *msg = NULL;
	json_t *list = NULL;
	int port;

	(void)state;
	for (port = 80; port <= 82; port++) {
		char id[64];
		json_t *o;

		snprintf(id, sizeof(id), "aaaaaaaa-0000-4000-8000-0000000000%d",
		    port);
		o = json_pack("{ss ss sb ss ss ss si ss}", "id", id,
		    "loadbalancer_id", port == 82 ? id_of("bravo") :
		    id_of("alpha"), "admin_state_up", 1,
		    "provisioning_status", "ACTIVE", "operating_status",
		    "ONLINE", "protocol", "HTTP", "protocol_port", port,
		    "created_at", "2024-01-01T00:00:00");
		assert_int_equal(repo_insert(db, lis, o), 0);
		json_decref(o);
	}
	q.filters = json_pack("{ss}", "loadbalancer_id", id_of("alpha"));
	assert_int_equal(repo_list(db, lis, &q, &list, &msg), 0);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	json_decref(q.filters);
	q.filters = json_pack("{ss}", "protocol_port", "81");
	assert_int_equal(repo_list(db, lis, &q, &list, &msg), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    list, 0), "protocol_port")), 81);
	json_decref(list);
	json_decref(q.filters);
	q.filters = NULL;
	q.sort = json_pack("[[ss]]", "protocol_port", "desc");
	assert_int_equal(repo_list(db, lis, &q, &list, &msg), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    list, 0), "protocol_port")), 82);
	json_decref(list);
	free_query(&q);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TL(fn) cmocka_unit_test_setup_teardown(fn, setup_list, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_insert_get),
		T(test_get_missing),
		T(test_insert_duplicate),
		T(test_update),
		T(test_update_missing),
		T(test_delete),
		T(test_renamed_columns),
		T(test_other_keys),
		T(test_member_unique),
		T(test_select),
		TL(test_list_filters),
		TL(test_list_bad_filter),
		TL(test_list_where),
		TL(test_list_sort),
		TL(test_list_bad_sort),
		TL(test_list_pages),
		TL(test_list_walk),
		TL(test_list_bad_marker),
		TL(test_list_tags),
		TL(test_list_tags_paged),
		TL(test_list_child),
	};

	return cmocka_run_group_tests_name("db/repo", tests, NULL, NULL);
}
