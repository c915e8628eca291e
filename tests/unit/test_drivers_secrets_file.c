/*
 * test_drivers_secrets_file.c - src/drivers/secrets/file.c and the
 * registry in secrets.c: references (which ones the file backend owns),
 * store / fetch / list / remove round trips, file modes (0700 directories,
 * 0600 files), all-or-nothing stores, damaged objects, the configured
 * backend name.  The backend does not look inside the PEM text, so the
 * contents here are placeholders.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "unit.h"

#include "common/config.h"
#include "common/errors.h"
#include "drivers/secrets/secrets.h"

static char *dir;
static char *sdir;

static int
setup(void **state)
{
	(void)state;
	dir = unit_tmpdir();
	sdir = unit_path(dir, "state/secrets");
	assert_int_equal(config_load(NULL), 0);
	assert_int_equal(config_set("octa", "state_dir", dir), 0);
	assert_int_equal(config_set("certificates", "secrets_dir", sdir), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free();
	unit_rmdir(dir);
	free(dir);
	free(sdir);
	dir = sdir = NULL;
	return 0;
}

static const char *const D = "file";	/* for messages */

static int
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

static char *
object_file(const char *ref, const char *name)
{
	const char *id = strrchr(ref, '/') + 1;
	size_t n = strlen(sdir) + strlen(id) + strlen(name) + 3;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s%s%s", sdir, id, *name ? "/" : "", name);
	return p;
}

static void
store_cert(char *ref, size_t len, const char *name, const char *ints)
{
	const struct secrets_driver *d = &secrets_file_driver;
	struct tls_container c = { .certificate = "CERT\n",
	    .private_key = "KEY\n", .intermediates = (char *)ints };
	struct secret_meta m = { .kind = SECRET_CERTIFICATE };

	snprintf(m.name, sizeof(m.name), "%s", name);
	assert_int_equal(d->store(&c, &m, ref, len), 0);
}

/* ---- references ---- */

static void
test_refs(void **state)
{
	static const struct {
		const char *ref;
		bool file;
	} cases[] = {
		{ "file:///secrets/5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a", true },
		{ "FILE:///secrets/5A2E3F6A-7D7B-4C8E-9A8C-1F2E3D4C5B6A", true },
		{ "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a", true },
		{ "5a2e3f6a7d7b4c8e9a8c1f2e3d4c5b6a", true },
		{ "file:///secrets/../5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a",
		    false },
		{ "file:///other/5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a", false },
		{ "file:///secrets/5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a/", false },
		{ "file:///secrets/", false },
		{ "http://127.0.0.1:9311/v1/containers/"
		    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a", false },
		{ "https://barbican.example.com/v1/secrets/"
		    "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a", false },
		{ "", false },
		{ "bogus", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bool got = secrets_driver_for_ref(cases[i].ref) ==
		    &secrets_file_driver;

		if (got != cases[i].file)
			fail_msg("%s owns %s: %d", D, cases[i].ref, got);
	}
	assert_null(secrets_driver_for_ref(NULL));
}

static void
test_configured(void **state)
{
	(void)state;
	assert_ptr_equal(secrets_driver_configured(), &secrets_file_driver);
	assert_int_equal(config_set("certificates", "cert_manager",
	    "local_cert_manager"), 0);
	assert_ptr_equal(secrets_driver_configured(), &secrets_file_driver);
	assert_int_equal(config_set("certificates", "cert_manager",
	    "barbican_cert_manager"), 0);
	assert_null(secrets_driver_configured());
	assert_string_equal(secret_kind_name(SECRET_CRL), "crl");
	assert_int_equal(secret_kind_parse("CA"), SECRET_CA);
	assert_int_equal(secret_kind_parse("x"), -1);
}

/* ---- round trips ---- */

static void
test_certificate_round_trip(void **state)
{
	const struct secrets_driver *d = &secrets_file_driver;
	char ref[SECRET_REF_MAX], *p;
	struct tls_container c;
	struct secret_meta m;

	(void)state;
	store_cert(ref, sizeof(ref), "www", "INT\n");
	assert_int_equal(strncmp(ref, "file:///secrets/", 16), 0);
	assert_true(uuid_valid(ref + 16));
	/* Modes: the store, the object, every file. */
	assert_int_equal(mode_of(sdir), 0700);
	p = object_file(ref, "");
	assert_int_equal(mode_of(p), 0700);
	free(p);
	p = object_file(ref, "key.pem");
	assert_int_equal(mode_of(p), 0600);
	free(p);
	p = object_file(ref, "cert.pem");
	assert_int_equal(mode_of(p), 0600);
	free(p);

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	assert_int_equal(d->fetch(ref, &c, &m), 0);
	assert_string_equal(c.certificate, "CERT\n");
	assert_string_equal(c.private_key, "KEY\n");
	assert_string_equal(c.intermediates, "INT\n");
	assert_null(c.payload);
	assert_int_equal(m.kind, SECRET_CERTIFICATE);
	assert_string_equal(m.name, "www");
	assert_int_equal(strlen(m.created_at), TIME_STR_LEN - 1);
	tls_container_clear(&c);

	/* The bare uuid names the same object; meta is optional. */
	assert_int_equal(d->fetch(ref + 16, &c, NULL), 0);
	assert_string_equal(c.private_key, "KEY\n");
	tls_container_clear(&c);

	assert_int_equal(d->remove(ref), 0);
	assert_int_equal(d->fetch(ref, &c, NULL), -OCTA_ENOTFOUND);
	tls_container_clear(&c);
	assert_int_equal(d->remove(ref), -OCTA_ENOTFOUND);
	p = object_file(ref, "");
	assert_int_equal(access(p, F_OK), -1);
	free(p);
}

static void
test_secrets_and_list(void **state)
{
	const struct secrets_driver *d = &secrets_file_driver;
	struct tls_container ca = { .payload = "CA\n" };
	struct tls_container crl = { .payload = "CRL\n" };
	struct secret_meta m = { .kind = SECRET_CA };
	char r_cert[SECRET_REF_MAX], r_ca[SECRET_REF_MAX];
	char r_crl[SECRET_REF_MAX];
	struct tls_container c;
	struct dirent *de;
	DIR *dd;
	int n = 0;

	(void)state;
	assert_int_equal(d->list(NULL, NULL), 0);	/* no store yet */
	store_cert(r_cert, sizeof(r_cert), "", NULL);
	snprintf(m.name, sizeof(m.name), "client ca");
	assert_int_equal(d->store(&ca, &m, r_ca, sizeof(r_ca)), 0);
	m.kind = SECRET_CRL;
	snprintf(m.name, sizeof(m.name), "client crl");
	assert_int_equal(d->store(&crl, &m, r_crl, sizeof(r_crl)), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(d->fetch(r_ca, &c, &m), 0);
	assert_int_equal(m.kind, SECRET_CA);
	assert_string_equal(m.name, "client ca");
	assert_string_equal(c.payload, "CA\n");
	assert_null(c.certificate);
	tls_container_clear(&c);
	assert_int_equal(d->fetch(r_crl, &c, &m), 0);
	assert_int_equal(m.kind, SECRET_CRL);
	assert_string_equal(c.payload, "CRL\n");
	tls_container_clear(&c);
	/* A certificate without intermediates has none. */
	assert_int_equal(d->fetch(r_cert, &c, &m), 0);
	assert_null(c.intermediates);
	tls_container_clear(&c);

	/* Three objects, no temporary directories left behind. */
	dd = opendir(sdir);
	assert_non_null(dd);
	while ((de = readdir(dd)) != NULL) {
		if (de->d_name[0] == '.') {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				fail_msg("left over: %s", de->d_name);
			continue;
		}
		n++;
	}
	closedir(dd);
	assert_int_equal(n, 3);
}

static int
count_kind(void *arg, const char *ref, const struct secret_meta *m)
{
	int *counts = arg;

	assert_int_equal(strncmp(ref, "file:///secrets/", 16), 0);
	counts[m->kind]++;
	return 0;
}

static int
stop_at_first(void *arg, const char *ref, const struct secret_meta *m)
{
	(void)ref;
	(void)m;
	(*(int *)arg)++;
	return 1;
}

static void
test_list(void **state)
{
	const struct secrets_driver *d = &secrets_file_driver;
	struct tls_container ca = { .payload = "CA\n" };
	struct secret_meta m = { .kind = SECRET_CA };
	char ref[SECRET_REF_MAX], *p;
	int counts[3] = { 0, 0, 0 }, calls = 0;

	(void)state;
	store_cert(ref, sizeof(ref), "a", NULL);
	store_cert(ref, sizeof(ref), "b", NULL);
	assert_int_equal(d->store(&ca, &m, ref, sizeof(ref)), 0);
	/* Junk in the store is not an object. */
	p = unit_path(sdir, "README");
	unit_write_file(p, "hello\n");
	free(p);
	assert_int_equal(d->list(count_kind, counts), 0);
	assert_int_equal(counts[SECRET_CERTIFICATE], 2);
	assert_int_equal(counts[SECRET_CA], 1);
	assert_int_equal(counts[SECRET_CRL], 0);
	assert_int_equal(d->list(stop_at_first, &calls), 0);
	assert_int_equal(calls, 1);
}

static void
test_refused_and_damaged(void **state)
{
	const struct secrets_driver *d = &secrets_file_driver;
	struct tls_container nokey = { .certificate = "CERT\n" };
	struct tls_container empty = { 0 };
	struct secret_meta m = { .kind = SECRET_CERTIFICATE };
	char ref[SECRET_REF_MAX] = "", *p;
	struct tls_container c;

	(void)state;
	/* What a kind needs must be there; nothing is written otherwise. */
	assert_int_equal(d->store(&nokey, &m, ref, sizeof(ref)),
	    -OCTA_EINVAL);
	m.kind = SECRET_CRL;
	assert_int_equal(d->store(&empty, &m, ref, sizeof(ref)),
	    -OCTA_EINVAL);
	assert_string_equal(ref, "");

	/* A container that lost its key is unreadable, not a secret. */
	store_cert(ref, sizeof(ref), "x", NULL);
	p = object_file(ref, "key.pem");
	assert_int_equal(unlink(p), 0);
	free(p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(d->fetch(ref, &c, NULL), -OCTA_EIO);
	tls_container_clear(&c);
	/* A missing meta.json does not matter. */
	store_cert(ref, sizeof(ref), "y", NULL);
	p = object_file(ref, "meta.json");
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(d->fetch(ref, &c, NULL), 0);
	tls_container_clear(&c);
	/* Unknown and foreign references. */
	assert_int_equal(d->fetch("file:///secrets/"
	    "00000000-0000-0000-0000-000000000000", &c, NULL),
	    -OCTA_ENOTFOUND);
	assert_int_equal(d->fetch("http://x/v1/secrets/1", &c, NULL),
	    -OCTA_ENOTFOUND);
	tls_container_clear(&c);
}

static void
test_default_dir(void **state)
{
	char want[600], got[600];

	(void)state;
	assert_int_equal(config_set("certificates", "secrets_dir", ""), 0);
	secrets_file_dir(got, sizeof(got));
	snprintf(want, sizeof(want), "%s/secrets", dir);
	assert_string_equal(got, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configured, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_certificate_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_and_list, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_damaged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_dir, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
