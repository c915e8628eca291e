/*
 * test_common_keystone.c - src/common/keystone.c: the token cache (hits,
 * refused marks, expiry, bounded size), reading Keystone's token body,
 * and ks_validate() against a fake Keystone on loopback: the service
 * token fetched once and renewed when refused, answers cached for
 * token_cache_time, a revoked token refused once that time has passed,
 * Keystone down or silent -> EUNAVAIL within the timeout while cached
 * tokens still pass.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "common/config.h"
#include "common/errors.h"
#include "common/keystone.h"
#include "common/util.h"

/* ---- the cache ---- */

static struct ks_identity
ident(const char *project)
{
	struct ks_identity id;

	memset(&id, 0, sizeof(id));
	snprintf(id.project_id, sizeof(id.project_id), "%s", project);
	snprintf(id.user_id, sizeof(id.user_id), "u-%s", project);
	id.expires = 4000000000LL;
	return id;
}

static void
test_cache(void **state)
{
	struct ks_identity a = ident("pa"), got;
	int64_t now = 1000;

	(void)state;
	assert_int_equal(ks_cache_init(64), 0);
	assert_int_equal(ks_cache_get("tok-a", now, &got), -OCTA_ENOTFOUND);
	ks_cache_put("tok-a", &a, now + 10, now);
	assert_int_equal(ks_cache_get("tok-a", now, &got), 1);
	assert_string_equal(got.project_id, "pa");
	/* a refused mark */
	ks_cache_put("tok-b", NULL, now + 10, now);
	assert_int_equal(ks_cache_get("tok-b", now, &got), 0);
	/* expiry */
	assert_int_equal(ks_cache_get("tok-a", now + 9, &got), 1);
	assert_int_equal(ks_cache_get("tok-a", now + 10, &got),
	    -OCTA_ENOTFOUND);
	/* nothing stored for a past time */
	ks_cache_put("tok-c", &a, now, now);
	assert_int_equal(ks_cache_get("tok-c", now, &got), -OCTA_ENOTFOUND);
	/* the same token again replaces its entry */
	ks_cache_put("tok-b", &a, now + 10, now);
	assert_int_equal(ks_cache_get("tok-b", now, &got), 1);
	assert_int_equal(ks_cache_count(), 1);
	ks_cache_free();
	assert_int_equal(ks_cache_get("tok-b", now, &got), -OCTA_ENOTFOUND);
}

static void
test_cache_bounded(void **state)
{
	struct ks_identity a = ident("p");
	char tok[32];
	int i, hits = 0;

	(void)state;
	assert_int_equal(ks_cache_init(16), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(tok, sizeof(tok), "token-%d", i);
		ks_cache_put(tok, &a, 2000 + i, 1000);
	}
	assert_true(ks_cache_count() <= 16);
	/* the newest survive: the oldest entry of a set goes first */
	for (i = 990; i < 1000; i++) {
		struct ks_identity got;

		snprintf(tok, sizeof(tok), "token-%d", i);
		hits += ks_cache_get(tok, 1000, &got) == 1;
	}
	assert_true(hits >= 5);
	ks_cache_free();
}

static void
test_roles(void **state)
{
	struct ks_identity id;
	char name[64];
	const char *p;
	int i, n = 0;

	(void)state;
	memset(&id, 0, sizeof(id));
	assert_null(ks_identity_role(&id, NULL));
	assert_true(ks_identity_add_role(&id, "member"));
	assert_true(ks_identity_add_role(&id, "Load-Balancer_Admin"));
	assert_true(ks_identity_has_role(&id, "load-balancer_admin"));
	assert_false(ks_identity_has_role(&id, "reader"));
	assert_false(ks_identity_add_role(&id, ""));
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "role-%d", i);
		if (!ks_identity_add_role(&id, name))
			break;
	}
	assert_true(i < 1000);	/* bounded */
	for (p = NULL; (p = ks_identity_role(&id, p)) != NULL; )
		n++;
	assert_int_equal((size_t)n, id.nroles);
}

/* ---- Keystone's answer ---- */

static void
test_parse(void **state)
{
	static const char *body = "{\"token\": {\"methods\": [\"password\"], "
	    "\"user\": {\"domain\": {\"id\": \"default\", \"name\": "
	    "\"Default\"}, \"id\": \"589019ff\", \"name\": \"demo\"}, "
	    "\"expires_at\": \"2026-11-27T00:22:46.000000Z\", "
	    "\"project\": {\"domain\": {\"id\": \"default\"}, \"id\": "
	    "\"e4f20210\", \"name\": \"demo\"}, \"is_domain\": false, "
	    "\"roles\": [{\"id\": \"d3\", \"name\": \"load-balancer_member\"}, "
	    "{\"id\": \"a7\", \"name\": \"member\"}]}}";
	static const char *sys = "{\"token\": {\"user\": {\"id\": \"u\"}, "
	    "\"expires_at\": \"2030-01-01T00:00:00Z\", \"system\": "
	    "{\"all\": true}, \"is_admin_project\": false, \"roles\": []}}";
	static const char *const bad[] = {
		"{}", "not json", "{\"token\": {\"user\": {\"id\": \"u\"}}}",
		"{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": "
		    "\"yesterday\"}}",
		"{\"token\": {\"expires_at\": \"2030-01-01T00:00:00Z\"}}",
	};
	struct ks_identity id;
	size_t i;

	(void)state;
	assert_int_equal(ks_parse_token(body, strlen(body), &id), 0);
	assert_string_equal(id.user_id, "589019ff");
	assert_string_equal(id.user_domain_id, "default");
	assert_string_equal(id.project_id, "e4f20210");
	assert_string_equal(id.project_domain_id, "default");
	assert_true(id.is_admin_project);	/* absent: true */
	assert_false(id.system_all);
	assert_int_equal(id.nroles, 2);
	assert_true(ks_identity_has_role(&id, "member"));
	assert_true(id.expires == 1795738966LL);
	assert_int_equal(ks_parse_token(sys, strlen(sys), &id), 0);
	assert_true(id.system_all);
	assert_false(id.is_admin_project);
	assert_string_equal(id.project_id, "");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(ks_parse_token(bad[i], strlen(bad[i]), &id),
		    -OCTA_EINVAL);
}

/* ---- a fake Keystone ---- */

static struct {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t mu;
	int posts;		/* service tokens handed out */
	int gets;		/* validations answered */
	int svc_gen;		/* the service token now valid: "svc-N" */
	char revoked[64];	/* a user token now refused */
} ks;

static void
iso_time(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

static const char *
header(const char *req, const char *name, char *out, size_t n)
{
	const char *p = strcasestr(req, name), *e;

	if (p == NULL)
		return NULL;
	p += strlen(name);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(out, n, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return out;
}

static void
answer(int c)
{
	char req[16384], auth[256], subj[256], body[1024], when[64], resp[2048];
	int64_t now = time_now();
	size_t len = 0;
	ssize_t k;
	int status = 404, n;
	const char *sub = NULL;

	while (len < sizeof(req) - 1 && (k = read(c, req + len,
	    sizeof(req) - 1 - len)) > 0) {
		len += (size_t)k;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") && (strncmp(req, "POST", 4) != 0 ||
		    strstr(strstr(req, "\r\n\r\n"), "}")))
			break;
	}
	req[len] = '\0';
	body[0] = '\0';
	auth[0] = '\0';
	subj[0] = '\0';
	pthread_mutex_lock(&ks.mu);
	if (strncmp(req, "POST", 4) == 0) {
		ks.posts++;
		ks.svc_gen = ks.svc_gen ? ks.svc_gen : 1;
		snprintf(subj, sizeof(subj), "svc-%d", ks.svc_gen);
		sub = subj;
		iso_time(now + 3600, when, sizeof(when));
		snprintf(body, sizeof(body), "{\"token\": {\"user\": {\"id\": "
		    "\"octa\"}, \"expires_at\": \"%s\", \"roles\": "
		    "[{\"name\": \"service\"}]}}", when);
		status = 201;
	} else {
		char want[32];

		snprintf(want, sizeof(want), "svc-%d", ks.svc_gen);
		header(req, "X-Auth-Token:", auth, sizeof(auth));
		header(req, "X-Subject-Token:", subj, sizeof(subj));
		if (strcmp(auth, want) != 0) {
			status = 401;
		} else if (strcmp(subj, ks.revoked) == 0) {
			status = 404;
		} else if (strncmp(subj, "good", 4) == 0 ||
		    strcmp(subj, "expired") == 0) {
			ks.gets++;
			iso_time(strcmp(subj, "expired") == 0 ? now - 5 :
			    now + 3600, when, sizeof(when));
			snprintf(body, sizeof(body), "{\"token\": {\"user\": "
			    "{\"id\": \"user-%s\"}, \"project\": {\"id\": "
			    "\"proj-1\"}, \"expires_at\": \"%s\", \"roles\": "
			    "[{\"name\": \"member\"}]}}", subj, when);
			status = 200;
		} else {
			ks.gets++;
		}
	}
	pthread_mutex_unlock(&ks.mu);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n"
	    "Content-Type: application/json\r\nConnection: close\r\n"
	    "%s%s%sContent-Length: %zu\r\n\r\n%s", status,
	    sub ? "X-Subject-Token: " : "", sub ? sub : "", sub ? "\r\n" : "",
	    strlen(body), body);
	assert_true(write(c, resp, (size_t)n) == n);
}

static void *
serve(void *arg)
{
	int c;

	(void)arg;
	while ((c = accept(ks.fd, NULL, NULL)) >= 0) {
		answer(c);
		close(c);
	}
	return NULL;
}

/* A loopback listener; its port in *port. */
static int
listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
configure(int port, const char *cache_time)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	assert_int_equal(config_set("keystone_authtoken", "auth_url", url), 0);
	assert_int_equal(config_set("keystone_authtoken", "username", "octa"),
	    0);
	assert_int_equal(config_set("keystone_authtoken", "password", "pw"),
	    0);
	assert_int_equal(config_set("keystone_authtoken", "project_name",
	    "service"), 0);
	assert_int_equal(config_set("keystone_authtoken", "token_cache_time",
	    cache_time), 0);
	assert_int_equal(config_set("keystone_authtoken",
	    "http_connect_timeout", "1"), 0);
	assert_int_equal(ks_init(), 0);
}

static int
fake_up(void **state)
{
	(void)state;
	assert_int_equal(config_load(NULL), 0);
	memset(&ks, 0, sizeof(ks));
	pthread_mutex_init(&ks.mu, NULL);
	ks.fd = listener(&ks.port);
	assert_int_equal(pthread_create(&ks.thread, NULL, serve, NULL), 0);
	return 0;
}

static int
fake_down(void **state)
{
	(void)state;
	shutdown(ks.fd, SHUT_RDWR);
	close(ks.fd);
	pthread_join(ks.thread, NULL);
	ks_cache_free();
	config_free();
	return 0;
}

static int
counter(int *c)
{
	int v;

	pthread_mutex_lock(&ks.mu);
	v = *c;
	pthread_mutex_unlock(&ks.mu);
	return v;
}

static void
test_validate(void **state)
{
	struct ks_identity id;

	(void)state;
	configure(ks.port, "1");
	assert_int_equal(ks_validate(NULL, &id), -OCTA_EUNAUTH);
	assert_int_equal(ks_validate("", &id), -OCTA_EUNAUTH);
	assert_int_equal(ks_validate("bad\ntoken", &id), -OCTA_EUNAUTH);
	assert_int_equal(counter(&ks.posts), 0);

	assert_int_equal(ks_validate("good-1", &id), 0);
	assert_string_equal(id.user_id, "user-good-1");
	assert_string_equal(id.project_id, "proj-1");
	assert_true(ks_identity_has_role(&id, "member"));
	assert_int_equal(counter(&ks.posts), 1);
	assert_int_equal(counter(&ks.gets), 1);
	/* cached: Keystone is not asked again */
	assert_int_equal(ks_validate("good-1", &id), 0);
	assert_int_equal(counter(&ks.gets), 1);
	/* unknown, then remembered as refused */
	assert_int_equal(ks_validate("nonsense", &id), -OCTA_EUNAUTH);
	assert_int_equal(ks_validate("nonsense", &id), -OCTA_EUNAUTH);
	assert_int_equal(counter(&ks.gets), 2);
	/* expired */
	assert_int_equal(ks_validate("expired", &id), -OCTA_EUNAUTH);
	/* octa's own token revoked: renewed once, then the answer */
	pthread_mutex_lock(&ks.mu);
	ks.svc_gen++;
	pthread_mutex_unlock(&ks.mu);
	assert_int_equal(ks_validate("good-2", &id), 0);
	assert_int_equal(counter(&ks.posts), 2);
	/* revoked: still accepted from the cache, refused after it */
	pthread_mutex_lock(&ks.mu);
	snprintf(ks.revoked, sizeof(ks.revoked), "good-1");
	pthread_mutex_unlock(&ks.mu);
	usleep(1100 * 1000);
	assert_int_equal(ks_validate("good-1", &id), -OCTA_EUNAUTH);
}

static void
test_keystone_down(void **state)
{
	struct ks_identity id;
	int64_t t0;
	int port, silent;

	(void)state;
	configure(ks.port, "300");
	assert_int_equal(ks_validate("good-cached", &id), 0);
	/* Keystone gone: cached tokens pass, others are 503 at once */
	shutdown(ks.fd, SHUT_RDWR);
	close(ks.fd);
	pthread_join(ks.thread, NULL);
	ks.fd = listener(&port);	/* fake_down() closes this one */
	assert_int_equal(pthread_create(&ks.thread, NULL, serve, NULL), 0);
	close(listener(&port));		/* a port nobody listens on */
	configure(port, "300");
	assert_int_equal(ks_validate("good-other", &id), -OCTA_EUNAVAIL);
	assert_int_equal(ks_validate("good-cached", &id), 0);
	assert_string_equal(id.user_id, "user-good-cached");
	/* fail fast for a while: no wait */
	t0 = time_mono_ms();
	assert_int_equal(ks_validate("good-third", &id), -OCTA_EUNAVAIL);
	assert_true(time_mono_ms() - t0 < 200);
	/* silent: accepts, never answers -> 503 after the timeout (1 s) */
	usleep(1100 * 1000);
	silent = listener(&port);
	configure(port, "300");
	t0 = time_mono_ms();
	assert_int_equal(ks_validate("good-fourth", &id), -OCTA_EUNAVAIL);
	assert_true(time_mono_ms() - t0 >= 900);
	assert_true(time_mono_ms() - t0 < 2500);
	close(silent);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_bounded),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_validate, fake_up,
		    fake_down),
		cmocka_unit_test_setup_teardown(test_keystone_down, fake_up,
		    fake_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
