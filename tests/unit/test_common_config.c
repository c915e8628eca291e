/*
 * test_common_config.c - src/common/config.c: embedded defaults, reading an
 * octavia.conf-style INI file, unknown sections and keys ignored, bad
 * values ignored (the default stays), the generated defaults listing.
 */
#include "unit.h"

#include "common/config.h"
#include "common/errors.h"

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = unit_tmpdir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free();
	unit_rmdir(dir);
	free(dir);
	dir = NULL;
	return 0;
}

/* Writes `text` as <dir>/octavia.conf and loads it. */
static int
load_text(const char *text)
{
	char *p = unit_path(dir, "octavia.conf");
	int r;

	unit_write_file(p, text);
	r = config_load(p);
	free(p);
	return r;
}

static void
test_defaults(void **state)
{
	char *url;

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	/* The embedded world: noauth, noop drivers, API on 127.0.0.1:9876. */
	assert_false(cfg.DEFAULT_debug);
	assert_string_equal(cfg.api_settings_bind_host, "127.0.0.1");
	assert_true(cfg.api_settings_bind_port == 9876);
	assert_string_equal(cfg.api_settings_auth_strategy, "noauth");
	assert_string_equal(cfg.api_settings_pagination_max_limit, "1000");
	assert_string_equal(cfg.api_settings_default_provider_driver,
	    "amphora");
	assert_true(cfg.api_settings_allow_tls_terminated_listeners);
	assert_string_equal(cfg.controller_worker_compute_driver,
	    "compute_noop_driver");
	assert_string_equal(cfg.controller_worker_network_driver,
	    "network_noop_driver");
	assert_string_equal(cfg.controller_worker_amphora_driver,
	    "amphora_noop_driver");
	assert_string_equal(cfg.controller_worker_loadbalancer_topology,
	    "SINGLE");
	assert_true(cfg.octa_job_lease_seconds == 15);
	assert_true(cfg.health_manager_heartbeat_timeout == 60);
	assert_true(cfg.quotas_default_load_balancer_quota == -1);
	assert_string_equal(cfg.octa_state_dir, "/var/lib/octa");
	assert_string_equal(cfg.database_connection, "");
	assert_string_equal(cfg.octa_unit_name, "");
	/* An empty connection means SQLite in the state directory. */
	url = config_db_url();
	assert_string_equal(url, "sqlite:////var/lib/octa/octa.db");
	free(url);
}

static void
test_file(void **state)
{
	char *url;

	(void)state;
	assert_int_equal(load_text(
	    "# octavia.conf written by hand\n"
	    "[DEFAULT]\n"
	    "debug = True\n"
	    "\n"
	    "[api_settings]\n"
	    "bind_host = 0.0.0.0\n"
	    "bind_port = 19876\n"
	    "pagination_max_limit = infinite\n"
	    "allow_tls_terminated_listeners = false\n"
	    "\n"
	    "[database]\n"
	    "connection = sqlite:////srv/octa/db.sqlite\n"
	    "\n"
	    "[controller_worker]\n"
	    "loadbalancer_topology = ACTIVE_STANDBY\n"
	    "[octa]\n"
	    "state_dir = /srv/octa\n"
	    "job_lease_seconds = -3\n"), 0);
	assert_true(cfg.DEFAULT_debug);
	assert_string_equal(cfg.api_settings_bind_host, "0.0.0.0");
	assert_true(cfg.api_settings_bind_port == 19876);
	assert_string_equal(cfg.api_settings_pagination_max_limit,
	    "infinite");
	assert_false(cfg.api_settings_allow_tls_terminated_listeners);
	assert_string_equal(cfg.controller_worker_loadbalancer_topology,
	    "ACTIVE_STANDBY");
	assert_string_equal(cfg.octa_state_dir, "/srv/octa");
	assert_true(cfg.octa_job_lease_seconds == -3);
	/* Options the file does not name keep their defaults. */
	assert_string_equal(cfg.api_settings_auth_strategy, "noauth");
	assert_true(cfg.health_manager_bind_port == 5555);
	url = config_db_url();
	assert_string_equal(url, "sqlite:////srv/octa/db.sqlite");
	free(url);
}

/* Octavia's own octavia.conf has many keys octa does not know. */
static void
test_unknown_ignored(void **state)
{
	(void)state;
	assert_int_equal(load_text(
	    "[DEFAULT]\n"
	    "transport_url = rabbit://guest:guest@localhost:5672/\n"
	    "[api_settings]\n"
	    "bind_port = 9999\n"
	    "api_v1_enabled = False\n"
	    "[keystone_authtoken]\n"
	    "www_authenticate_uri = http://keystone:5000\n"
	    "[oslo_messaging]\n"
	    "topic = octavia_prov\n"
	    "[api_settings]\n"
	    "bind_host = 127.0.0.2\n"), 0);
	assert_true(cfg.api_settings_bind_port == 9999);
	assert_string_equal(cfg.api_settings_bind_host, "127.0.0.2");
	assert_int_equal(config_set("oslo_messaging", "topic", "x"),
	    -OCTA_ENOTFOUND);
	assert_int_equal(config_set("api_settings", "nope", "x"),
	    -OCTA_ENOTFOUND);
}

/* A bad value is ignored with a warning: the default stays in force. */
static const struct {
	const char *text;
	long long want_port;
} bad_int_cases[] = {
	{ "[api_settings]\nbind_port = not-a-number\n", 9876 },
	{ "[api_settings]\nbind_port = 80x\n", 9876 },
	{ "[api_settings]\nbind_port = 1.5\n", 9876 },
	{ "[api_settings]\nbind_port = 99999999999999999999\n", 9876 },
	{ "[api_settings]\nbind_port =\n", 9876 },
	{ "[api_settings]\nbind_port = 8080\nbind_port = junk\n", 8080 },
};

static void
test_bad_int(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_int_cases); i++) {
		if (load_text(bad_int_cases[i].text) != 0)
			fail_msg("case %zu: config_load failed", i);
		if (cfg.api_settings_bind_port != bad_int_cases[i].want_port)
			fail_msg("case %zu: bind_port = %lld, want %lld", i,
			    cfg.api_settings_bind_port,
			    bad_int_cases[i].want_port);
	}
	assert_int_equal(config_set("api_settings", "bind_port", "12a"),
	    -OCTA_EINVAL);
	assert_int_equal(config_set("api_settings", "bind_port", "12"), 0);
	assert_true(cfg.api_settings_bind_port == 12);
}

static void
test_set(void **state)
{
	(void)state;
	assert_int_equal(config_load(NULL), 0);
	/* Section names compare without case, as oslo.config does. */
	assert_int_equal(config_set("API_SETTINGS", "bind_host", "::1"), 0);
	assert_string_equal(cfg.api_settings_bind_host, "::1");
	assert_int_equal(config_set("default", "debug", "yes"), 0);
	assert_true(cfg.DEFAULT_debug);
	assert_int_equal(config_set("DEFAULT", "debug", "off"), 0);
	assert_false(cfg.DEFAULT_debug);
	assert_int_equal(config_set("octa", "state_dir", "/x"), 0);
	assert_int_equal(config_set("octa", "state_dir", "/y"), 0);
	assert_string_equal(cfg.octa_state_dir, "/y");
}

/* Loading again starts from the defaults, not from the last file. */
static void
test_reload(void **state)
{
	(void)state;
	assert_int_equal(load_text("[api_settings]\nbind_port = 1234\n"
	    "auth_strategy = keystone\n"), 0);
	assert_true(cfg.api_settings_bind_port == 1234);
	assert_int_equal(config_load(NULL), 0);
	assert_true(cfg.api_settings_bind_port == 9876);
	assert_string_equal(cfg.api_settings_auth_strategy, "noauth");
}

static void
test_file_errors(void **state)
{
	char *p;

	(void)state;
	p = unit_path(dir, "missing.conf");
	assert_int_equal(config_load(p), -OCTA_EIO);
	free(p);
	/* A line that is neither a section nor key = value. */
	assert_int_equal(load_text("[api_settings]\nbind_port = 1\n"
	    "this line is garbage\n"), -OCTA_EINVAL);
	assert_int_equal(load_text("[api_settings\nbind_port = 1\n"),
	    -OCTA_EINVAL);
}

static void
test_print_defaults(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(config_load(NULL), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_defaults(f);
	fclose(f);
	assert_non_null(strstr(text, "[DEFAULT]\n"));
	assert_non_null(strstr(text, "\n[api_settings]\n"));
	assert_non_null(strstr(text, "# API listen port.\n#bind_port = 9876\n"));
	assert_non_null(strstr(text, "\n[controller_worker]\n"));
	assert_non_null(strstr(text,
	    "#compute_driver = compute_noop_driver\n"));
	/* Each section appears once. */
	{
		const char *p = strstr(text, "[api_settings]");

		assert_null(strstr(p + 1, "[api_settings]"));
	}
	/* The listing is itself a valid file that changes nothing. */
	assert_int_equal(load_text(text), 0);
	assert_true(cfg.api_settings_bind_port == 9876);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_int, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_print_defaults, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("common/config", tests, NULL, NULL);
}
