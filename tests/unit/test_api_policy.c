/*
 * test_api_policy.c - src/api/policy.c: the oslo.policy rule language
 * (parsing, precedence, checks), Octavia's default rules as each of its
 * personas meets them (own project and another one), policy files in
 * YAML and JSON overriding them, and the process-wide set re-read when
 * its file changes.
 */
#include "unit.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>

#include "api/policy.h"
#include "common/config.h"
#include "common/errors.h"

#define P1 "11111111111111111111111111111111"
#define P2 "22222222222222222222222222222222"
#define API "os_load-balancer_api:"

/* An identity in project P1 with the given roles ("a,b,c"). */
static struct ks_identity
persona(const char *roles)
{
	struct ks_identity id;
	char buf[256], *p, *comma;

	memset(&id, 0, sizeof(id));
	snprintf(id.user_id, sizeof(id.user_id), "u-%s", roles);
	snprintf(id.project_id, sizeof(id.project_id), "%s", P1);
	id.is_admin_project = true;
	snprintf(buf, sizeof(buf), "%s", roles);
	for (p = buf; p && *p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		assert_true(ks_identity_add_role(&id, p));
	}
	return id;
}

static struct policy *
defaults(unsigned flags)
{
	struct policy *p = NULL;
	char err[256] = "";

	assert_int_equal(policy_new(NULL, 0, "test", flags, &p, err,
	    sizeof(err)), 0);
	assert_non_null(p);
	return p;
}

/* As src/api/auth.c: is_admin is the context_is_admin rule. */
static bool
allowed(struct policy *p, const char *rule, const char *roles,
    const char *target)
{
	struct ks_identity id = persona(roles);
	struct policy_creds c = { &id, false };

	c.is_admin = policy_enforce(p, "context_is_admin", &c, P1);
	return policy_enforce(p, rule, &c, target);
}

/* ---- the language ---- */

static void
test_parse(void **state)
{
	static const struct {
		const char *text;
		bool valid;
	} cases[] = {
		{ "", true },
		{ "@", true },
		{ "!", true },
		{ "role:a", true },
		{ "role:a and role:b", true },
		{ "role:a AND role:b Or not role:c", true },
		{ "(role:a or role:b) and role:c", true },
		{ "((role:a))", true },
		{ "not not role:a", true },
		{ "project_id:%(project_id)s", true },
		{ "is_admin:True or\n   role:x", true },
		{ "role:a and", false },
		{ "and role:a", false },
		{ "role:a or or role:b", false },
		{ "(role:a", false },
		{ "role:a)", false },
		{ "role:a role:b", false },
		{ "\"role:a\"", false },
		{ "not", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (policy_rule_valid(cases[i].text) != cases[i].valid)
			fail_msg("rule \"%s\": expected %s", cases[i].text,
			    cases[i].valid ? "valid" : "invalid");
	}
}

/* Rules of a file, evaluated for one identity. */
static void
test_semantics(void **state)
{
	static const char *file =
	    "\"prec\": \"role:a or role:b and role:c\"\n"
	    "\"paren\": \"(role:a or role:b) and role:c\"\n"
	    "\"neg\": \"not role:a and role:b\"\n"
	    "\"owner\": \"project_id:%(project_id)s\"\n"
	    "\"user\": \"user_id:%(project_id)s\"\n"
	    "\"literal\": \"'11111111111111111111111111111111':"
	    "%(project_id)s\"\n"
	    "\"pct\": \"'a%b':a%%b\"\n"
	    "\"badpct\": \"project_id:%(tenant_id)s\"\n"
	    "\"system\": \"system_scope:all\"\n"
	    "\"adminproj\": \"is_admin_project:True\"\n"
	    "\"rolelist\": \"roles:B\"\n"
	    "\"rolecase\": \"role:B\"\n"
	    "\"always\": \"@\"\n"
	    "\"never\": \"!\"\n"
	    "\"empty\": \"\"\n"
	    "\"cycle1\": \"rule:cycle2\"\n"
	    "\"cycle2\": \"rule:cycle1\"\n"
	    "\"dangling\": \"rule:nowhere or role:zzz\"\n"
	    "\"broken\": \"role:a and\"\n"
	    "\"admin\": \"is_admin:True\"\n"
	    "\"notadmin\": \"is_admin:False\"\n"
	    "\"http\": \"http://example.com/check\"\n";
	static const struct {
		const char *rule;
		const char *roles;
		const char *target;
		bool expect;
	} cases[] = {
		{ "prec", "a", P1, true },
		{ "prec", "b", P1, false },
		{ "prec", "b,c", P1, true },
		{ "paren", "a", P1, false },
		{ "paren", "a,c", P1, true },
		{ "neg", "b", P1, true },
		{ "neg", "a,b", P1, false },
		{ "owner", "x", P1, true },
		{ "owner", "x", P2, false },
		{ "owner", "x", NULL, false },
		{ "user", "x", P1, false },
		{ "literal", "x", P1, true },
		{ "literal", "x", P2, false },
		{ "pct", "x", P1, true },
		{ "badpct", "x", P1, false },
		{ "system", "x", P1, false },
		{ "adminproj", "x", P1, true },
		{ "rolelist", "b", P1, false },	/* list items: exact */
		{ "rolelist", "B", P1, true },
		{ "rolecase", "b", P1, true },	/* role: ignores case */
		{ "always", "x", NULL, true },
		{ "never", "x", P1, false },
		{ "empty", "x", P1, true },
		{ "cycle1", "x", P1, false },
		{ "dangling", "x", P1, false },
		{ "broken", "a", P1, false },	/* fails closed */
		{ "admin", "x", P1, false },
		{ "notadmin", "x", P1, true },
		{ "http", "x", P1, false },
		{ "undefined-rule", "x", P1, false },
	};
	struct policy *p = NULL;
	char err[256] = "";
	size_t i;

	(void)state;
	assert_int_equal(policy_new(file, strlen(file), "test", 0, &p, err,
	    sizeof(err)), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ks_identity id = persona(cases[i].roles);
		struct policy_creds c = { &id, false };

		if (policy_enforce(p, cases[i].rule, &c, cases[i].target) !=
		    cases[i].expect)
			fail_msg("%s roles=%s target=%s: expected %s",
			    cases[i].rule, cases[i].roles,
			    cases[i].target ? cases[i].target : "none",
			    cases[i].expect ? "allow" : "deny");
	}
	/* is_admin comes from the caller (noauth, context_is_admin) */
	{
		struct ks_identity id = persona("x");
		struct policy_creds c = { &id, true };

		assert_true(policy_enforce(p, "admin", &c, P1));
		assert_false(policy_enforce(p, "notadmin", &c, P1));
	}
	policy_free(p);
}

/* ---- Octavia's defaults ---- */

enum who { ADMIN, LB_ADMIN, MEMBER, MEMBER_NODEF, OBSERVER, GOBSERVER,
	QUOTA_ADMIN, KS_MEMBER, NOROLE, WHO__N };

static const char *const roles_of[WHO__N] = {
	[ADMIN] = "admin,member,reader",
	[LB_ADMIN] = "load-balancer_admin",
	[MEMBER] = "load-balancer_member,member,reader",
	[MEMBER_NODEF] = "load-balancer_member",
	[OBSERVER] = "load-balancer_observer,reader",
	[GOBSERVER] = "load-balancer_global_observer,reader",
	[QUOTA_ADMIN] = "load-balancer_quota_admin",
	[KS_MEMBER] = "member,reader",
	[NOROLE] = "somethingelse",
};

#define ALL ((1u << WHO__N) - 1)
#define B(w) (1u << (w))

/*
 * Who Octavia 11 allows (enforce_new_defaults = False), on the caller's
 * own project and on another project.
 */
static const struct {
	const char *rule;
	unsigned own;
	unsigned other;
} matrix[] = {
	{ API "loadbalancer:get_one",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF) |
	    B(OBSERVER) | B(GOBSERVER),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) },
	{ API "loadbalancer:post",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF),
	    B(ADMIN) | B(LB_ADMIN) },
	{ API "listener:delete",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF),
	    B(ADMIN) | B(LB_ADMIN) },
	{ API "pool:get_all-global",
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) },
	{ API "member:get_all",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF) |
	    B(OBSERVER) | B(GOBSERVER),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) },
	{ API "loadbalancer:put_failover",
	    B(ADMIN) | B(LB_ADMIN), B(ADMIN) | B(LB_ADMIN) },
	{ API "amphora:get_all", B(ADMIN) | B(LB_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) },
	{ API "flavor:get_all",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF) |
	    B(OBSERVER) | B(GOBSERVER),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) },
	{ API "flavor-profile:post", B(ADMIN) | B(LB_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) },
	{ API "quota:get_one",
	    B(ADMIN) | B(LB_ADMIN) | B(MEMBER) | B(MEMBER_NODEF) |
	    B(OBSERVER) | B(GOBSERVER) | B(QUOTA_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) | B(QUOTA_ADMIN) },
	{ API "quota:put", B(ADMIN) | B(LB_ADMIN) | B(QUOTA_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) | B(QUOTA_ADMIN) },
	{ API "quota:get_all-global",
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) | B(QUOTA_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) | B(GOBSERVER) | B(QUOTA_ADMIN) },
	{ API "provider-flavor:get_all", B(ADMIN) | B(LB_ADMIN),
	    B(ADMIN) | B(LB_ADMIN) },
	{ "context_is_admin", B(ADMIN) | B(LB_ADMIN), B(ADMIN) | B(LB_ADMIN) },
};

static void
check_matrix(struct policy *p, unsigned drop)
{
	size_t i;
	int w;

	for (i = 0; i < ARRAY_SIZE(matrix); i++) {
		for (w = 0; w < WHO__N; w++) {
			bool own = (matrix[i].own & ~drop) >> w & 1;
			bool other = (matrix[i].other & ~drop) >> w & 1;

			if (allowed(p, matrix[i].rule, roles_of[w], P1) != own)
				fail_msg("%s roles=%s own project: expected %s",
				    matrix[i].rule, roles_of[w],
				    own ? "allow" : "deny");
			if (allowed(p, matrix[i].rule, roles_of[w], P2) !=
			    other)
				fail_msg("%s roles=%s other project: expected "
				    "%s", matrix[i].rule, roles_of[w],
				    other ? "allow" : "deny");
		}
	}
}

static void
test_defaults(void **state)
{
	struct policy *p = defaults(0);

	(void)state;
	check_matrix(p, 0);
	assert_true(policy_has(p, API "loadbalancer:get_all-global"));
	assert_false(policy_has(p, API "member:get_all-global"));
	policy_free(p);
}

/*
 * enforce_new_defaults: the deprecated forms go, so load-balancer_member
 * without Keystone's member role is refused, and admin alone is not
 * context_is_admin (Octavia then wants a system-scoped admin).
 */
static void
test_new_defaults(void **state)
{
	struct policy *p = defaults(POLICY_NEW_DEFAULTS);

	(void)state;
	assert_false(allowed(p, API "loadbalancer:post",
	    roles_of[MEMBER_NODEF], P1));
	assert_true(allowed(p, API "loadbalancer:post", roles_of[MEMBER], P1));
	assert_false(allowed(p, "context_is_admin", roles_of[ADMIN], P1));
	assert_true(allowed(p, "context_is_admin", roles_of[LB_ADMIN], P1));
	policy_free(p);
}

/*
 * enforce_scope: context_is_admin (scope system) denies project-scoped
 * tokens, so a project's admin is no longer Octavia's is_admin; API rules
 * have no scope and are unaffected.
 */
static void
test_enforce_scope(void **state)
{
	struct policy *p = defaults(POLICY_NEW_DEFAULTS | POLICY_ENFORCE_SCOPE);
	struct ks_identity sys = persona("admin,member,reader");
	struct policy_creds c = { &sys, false };

	(void)state;
	assert_false(allowed(p, "context_is_admin", roles_of[ADMIN], P1));
	assert_false(allowed(p, "context_is_admin", roles_of[LB_ADMIN], P1));
	assert_true(allowed(p, API "loadbalancer:get_one", roles_of[MEMBER],
	    P1));
	sys.project_id[0] = '\0';
	sys.system_all = true;
	assert_true(policy_enforce(p, "context_is_admin", &c, NULL));
	c.is_admin = true;
	assert_true(policy_enforce(p, API "loadbalancer:get_one", &c, P2));
	policy_free(p);
}

/* ---- policy files ---- */

/* Octavia's keystone_default_roles file, in its own layout. */
static const char *keystone_default_roles =
    "# comment\n"
    "---\n"
    "\n"
    "# Role Rules\n"
    "\"system_admin\": \"role:admin\"\n"
    "\"system_reader\": \"role:admin\"\n"
    "\"project_reader\": \"role:reader and project_id:%(project_id)s\"\n"
    "\"project_member\": \"role:member and project_id:%(project_id)s\"\n"
    "\n"
    "\"context_is_admin\": \"role:admin\"\n"
    "\n"
    "\"load-balancer:admin\": \"is_admin:True or\n"
    "                        rule:system_admin or\n"
    "                        role:load-balancer_admin\"\n"
    "\n"
    "\"load-balancer:read\": \"is_admin:True or\n"
    "                       rule:system_reader or\n"
    "                       rule:project_reader\"\n"
    "'load-balancer:read-global': 'is_admin:True or rule:system_reader'\n"
    "load-balancer:write: is_admin:True or rule:project_member  # plain\n"
    "\"load-balancer:read-quota\": \"is_admin:True or\n"
    "                             rule:system_reader or\n"
    "                             rule:project_reader\"\n"
    "\"load-balancer:read-quota-global\": \"is_admin:True or "
    "rule:system_reader\"\n"
    "\"load-balancer:write-quota\": \"is_admin:True\"\n";

static void
test_yaml_file(void **state)
{
	struct policy *p = NULL;
	char err[256] = "";

	(void)state;
	if (policy_new(keystone_default_roles,
	    strlen(keystone_default_roles), "kdr.yaml", 0, &p, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	/* Keystone's roles now suffice; Octavia's lb roles alone do not. */
	assert_true(allowed(p, API "loadbalancer:post", roles_of[KS_MEMBER],
	    P1));
	assert_false(allowed(p, API "loadbalancer:post", roles_of[KS_MEMBER],
	    P2));
	assert_false(allowed(p, API "loadbalancer:post",
	    roles_of[MEMBER_NODEF], P1));
	assert_true(allowed(p, API "loadbalancer:get_one", "reader", P1));
	assert_false(allowed(p, API "loadbalancer:get_one", "reader", P2));
	assert_true(allowed(p, API "loadbalancer:get_all-global", "admin",
	    P2));
	assert_false(allowed(p, API "loadbalancer:get_all-global",
	    roles_of[GOBSERVER], P1));
	assert_true(allowed(p, API "amphora:get_all", "load-balancer_admin",
	    P1));
	assert_false(allowed(p, API "quota:put", roles_of[QUOTA_ADMIN], P1));
	policy_free(p);
}

static void
test_json_file(void **state)
{
	static const char *json = "{\"load-balancer:read\": \"@\", "
	    "\"custom\": \"role:x\"}";
	struct policy *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(policy_new(json, strlen(json), "p.json", 0, &p,
	    err, sizeof(err)), 0);
	assert_true(allowed(p, API "flavor:get_one", "nothing", P2));
	assert_true(allowed(p, "custom", "x", P1));
	/* the other defaults stay */
	assert_false(allowed(p, API "flavor:post", "nothing", P1));
	policy_free(p);
}

static void
test_bad_files(void **state)
{
	static const char *const bad[] = {
		"\"a\": \"role:x\"\n  \"b\": \"role:y\"\n",	/* nesting */
		"- \"role:x\"\n",				/* a list */
		"\"a\":\n  b: c\n",				/* a map */
		"\"a\": \"role:x\n",				/* open quote */
		"\"a\": \"role:x\" trailing\n",
		"\"a\" \"role:x\"\n",				/* no colon */
		"a: [role:x]\n",
		"a: |\n  role:x\n",
		"{\"a\": [\"role:x\"]}",			/* list rule */
		"{\"a\": ",					/* bad JSON */
	};
	struct policy *p;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = NULL;
		err[0] = '\0';
		if (policy_new(bad[i], strlen(bad[i]), "bad", 0, &p, err,
		    sizeof(err)) != -OCTA_EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(p);
		assert_true(err[0] != '\0');
	}
}

/* An overridden deprecated rule loses its deprecated alternative. */
static void
test_override_drops_deprecated(void **state)
{
	static const char *f = "\"load-balancer:member_and_owner\": "
	    "\"role:load-balancer_member and rule:project-member\"\n";
	struct policy *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(policy_new(f, strlen(f), "f", 0, &p, err,
	    sizeof(err)), 0);
	assert_false(allowed(p, API "loadbalancer:post",
	    roles_of[MEMBER_NODEF], P1));
	assert_true(allowed(p, API "loadbalancer:post", roles_of[MEMBER], P1));
	policy_free(p);
}

/*
 * The policy files octa ships (etc/policy/), found from this source
 * file's path as the compiler saw it; skipped where that is not reachable.
 */
static char *
shipped(const char *name)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	char *text;
	long n;

	snprintf(path, sizeof(path), "%.*s/../../etc/policy/%s",
	    slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_true(fread(text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return text;
}

static void
test_shipped_files(void **state)
{
	struct policy *p = NULL;
	char err[256] = "", *kdr, *aoo;

	(void)state;
	kdr = shipped("keystone_default_roles-policy.yaml");
	aoo = shipped("admin_or_owner-policy.yaml");
	if (kdr == NULL || aoo == NULL) {
		free(kdr);
		free(aoo);
		skip();
	}
	if (policy_new(kdr, strlen(kdr), "kdr", 0, &p, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(allowed(p, API "pool:post", roles_of[KS_MEMBER], P1));
	assert_false(allowed(p, API "pool:post", roles_of[OBSERVER], P1));
	assert_true(allowed(p, API "pool:get_all-global", "admin", P1));
	policy_free(p);
	p = NULL;
	if (policy_new(aoo, strlen(aoo), "aoo", 0, &p, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(allowed(p, API "pool:post", roles_of[NOROLE], P1));
	assert_false(allowed(p, API "pool:post", roles_of[NOROLE], P2));
	assert_true(allowed(p, API "pool:delete", "load-balancer_admin", P2));
	assert_false(allowed(p, API "quota:put", roles_of[QUOTA_ADMIN], P1));
	policy_free(p);
	p = NULL;
	free(kdr);
	free(aoo);
	/* scoped: a project's admin is no administrator, a system one is */
	if ((kdr = shipped("keystone_default_roles_scoped-policy.yaml")) ==
	    NULL)
		skip();
	if (policy_new(kdr, strlen(kdr), "kdrs", POLICY_NEW_DEFAULTS |
	    POLICY_ENFORCE_SCOPE, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_false(allowed(p, API "flavor-profile:post", roles_of[ADMIN],
	    P1));
	assert_false(allowed(p, API "pool:get_one", roles_of[ADMIN], P2));
	assert_true(allowed(p, API "pool:post", roles_of[ADMIN], P1));
	assert_true(allowed(p, API "flavor-profile:post",
	    "load-balancer_admin", P1));
	{
		struct ks_identity sys = persona("admin,member,reader");
		struct policy_creds c = { &sys, false };

		sys.project_id[0] = '\0';
		sys.system_all = true;
		c.is_admin = policy_enforce(p, "context_is_admin", &c, NULL);
		assert_true(c.is_admin);
		assert_true(policy_enforce(p, API "pool:get_one", &c, P2));
	}
	policy_free(p);
	free(kdr);
}

/* ---- the process-wide set ---- */

static void
write_later(const char *path, const char *text, int secs)
{
	struct timespec ts[2];

	unit_write_file(path, text);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += secs;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_reload(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "policy.yaml");
	struct ks_identity id = persona("nothing");
	struct policy_creds c = { &id, false };

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	assert_int_equal(config_set("oslo_policy", "policy_file", path), 0);
	write_later(path, "\"load-balancer:read\": \"!\"\n", 0);
	assert_int_equal(policy_init(), 0);
	assert_false(policy_allows(API "flavor:get_all", &c, P1));
	/* changed: taken up within a second or so, without restart */
	write_later(path, "\"load-balancer:read\": \"@\"\n", 10);
	usleep(1100 * 1000);
	assert_true(policy_allows(API "flavor:get_all", &c, P1));
	/* broken: the rules in force stay */
	write_later(path, "\"load-balancer:read\": [\n", 20);
	usleep(1100 * 1000);
	assert_true(policy_allows(API "flavor:get_all", &c, P1));
	/* an unusable file at start is an error */
	assert_int_equal(policy_init(), -OCTA_EINVAL);
	config_free();
	unit_rmdir(dir);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_new_defaults),
		cmocka_unit_test(test_enforce_scope),
		cmocka_unit_test(test_yaml_file),
		cmocka_unit_test(test_json_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_override_drops_deprecated),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
