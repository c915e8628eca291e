/*
 * keystone.c - the Keystone client of the API role (auth_strategy =
 * keystone): octa's service token and user-token validation over libcurl,
 * with a bounded in-memory cache.
 *
 * Threads.  The API runs one event loop per thread; ks_validate() is
 * called on those loops.  A cache hit costs a SHA-256 and a mutex.  A miss
 * makes a *blocking* HTTP call to Keystone on the calling loop: every other
 * request of that loop waits behind it.  We accept that instead of
 * suspending requests, because a miss happens once per token per
 * token_cache_time and the call is bounded by
 * [keystone_authtoken] http_connect_timeout (seconds, connect and answer
 * together, default 3).  When Keystone fails to answer (connection refused,
 * timeout), misses answer 503 at once for the next KS_DOWN_MS instead of
 * each waiting for the timeout again, so a dead Keystone cannot keep the
 * loops stalled, while cached tokens are served as usual.
 *
 * The cache is shared by all threads of the process (one mutex, held only
 * to copy an entry); the service token too (its own mutex, held while it is
 * fetched, so one thread fetches and the others wait for that result).
 * Each thread keeps its own curl handle.  User tokens are never kept: the
 * cache is keyed by their SHA-256, and refused tokens are remembered too, as
 * keystonemiddleware does, so a flood of bad tokens does not become a
 * flood of Keystone calls.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "keystone.h"
#include "log.h"
#include "util.h"
#include "xalloc.h"

#define KS_WAYS 8		/* slots per set of the cache */
#define KS_DOWN_MS 1000		/* fail fast this long after a failure */
#define KS_RENEW_S 120		/* renew the service token this early */
#define KS_MAX_BODY (1u << 20)

/* ---- identity ---- */

bool
ks_identity_add_role(struct ks_identity *id, const char *role)
{
	size_t used = 0, n = strlen(role);
	const char *p;

	for (p = NULL; (p = ks_identity_role(id, p)) != NULL; )
		used = (size_t)(p - id->roles) + strlen(p) + 1;
	if (n == 0 || used + n + 1 > sizeof(id->roles))
		return false;
	memcpy(id->roles + used, role, n + 1);
	id->nroles++;
	return true;
}

const char *
ks_identity_role(const struct ks_identity *id, const char *prev)
{
	const char *p;

	if (id->nroles == 0)
		return NULL;
	if (prev == NULL)
		return id->roles;
	p = prev + strlen(prev) + 1;
	if (p >= id->roles + sizeof(id->roles) || *p == '\0')
		return NULL;
	return p;
}

bool
ks_identity_has_role(const struct ks_identity *id, const char *role)
{
	const char *p;

	for (p = NULL; (p = ks_identity_role(id, p)) != NULL; )
		if (strcasecmp(p, role) == 0)
			return true;
	return false;
}

/* ---- the cache ---- */

struct ks_slot {
	unsigned char key[32];
	bool used;
	bool refused;
	int64_t until;
	struct ks_identity id;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ks_slot *cache;
static size_t cache_sets;

static void
token_key(const char *token, unsigned char key[32])
{
	unsigned int n = 32;

	if (EVP_Digest(token, strlen(token), key, &n, EVP_sha256(), NULL) != 1)
		fatal("keystone: SHA-256 failed");
}

int
ks_cache_init(size_t entries)
{
	size_t sets = (entries + KS_WAYS - 1) / KS_WAYS;

	if (sets == 0)
		sets = 1;
	pthread_mutex_lock(&cache_mu);
	free(cache);
	cache = xcalloc(sets * KS_WAYS, sizeof(*cache));
	cache_sets = sets;
	pthread_mutex_unlock(&cache_mu);
	return 0;
}

void
ks_cache_free(void)
{
	pthread_mutex_lock(&cache_mu);
	OCTA_FREE(&cache);
	cache_sets = 0;
	pthread_mutex_unlock(&cache_mu);
}

/* The first slot of the key's set; the cache lock is held. */
static struct ks_slot *
cache_set(const unsigned char key[32])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return &cache[(h % cache_sets) * KS_WAYS];
}

int
ks_cache_get(const char *token, int64_t now, struct ks_identity *id)
{
	unsigned char key[32];
	struct ks_slot *s;
	int r = -OCTA_ENOTFOUND;
	size_t i;

	token_key(token, key);
	pthread_mutex_lock(&cache_mu);
	if (cache == NULL)
		goto out;
	s = cache_set(key);
	for (i = 0; i < KS_WAYS; i++) {
		if (!s[i].used || memcmp(s[i].key, key, sizeof(key)) != 0)
			continue;
		if (s[i].until <= now) {
			s[i].used = false;
			break;
		}
		if (s[i].refused) {
			r = 0;
		} else {
			*id = s[i].id;
			r = 1;
		}
		break;
	}
out:
	pthread_mutex_unlock(&cache_mu);
	return r;
}

void
ks_cache_put(const char *token, const struct ks_identity *id, int64_t until,
    int64_t now)
{
	unsigned char key[32];
	struct ks_slot *s, *victim = NULL;
	size_t i;

	if (until <= now)
		return;
	token_key(token, key);
	pthread_mutex_lock(&cache_mu);
	if (cache == NULL)
		goto out;
	s = cache_set(key);
	/* The same token, else a free or expired slot, else the oldest. */
	for (i = 0; i < KS_WAYS && victim == NULL; i++)
		if (s[i].used && memcmp(s[i].key, key, sizeof(key)) == 0)
			victim = &s[i];
	for (i = 0; i < KS_WAYS && victim == NULL; i++)
		if (!s[i].used || s[i].until <= now)
			victim = &s[i];
	if (victim == NULL) {
		victim = &s[0];
		for (i = 1; i < KS_WAYS; i++)
			if (s[i].until < victim->until)
				victim = &s[i];
	}
	memcpy(victim->key, key, sizeof(key));
	victim->used = true;
	victim->refused = id == NULL;
	victim->until = until;
	if (id)
		victim->id = *id;
	else
		memset(&victim->id, 0, sizeof(victim->id));
out:
	pthread_mutex_unlock(&cache_mu);
}

size_t
ks_cache_count(void)
{
	size_t i, n = 0;

	pthread_mutex_lock(&cache_mu);
	for (i = 0; cache && i < cache_sets * KS_WAYS; i++)
		n += cache[i].used;
	pthread_mutex_unlock(&cache_mu);
	return n;
}

/* ---- Keystone's answers ---- */

/* "2026-11-27T00:22:46.000000Z" -> Unix seconds; -1 if unreadable. */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	const char *rest;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return -1;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			;
	if (*rest != '\0' && strcmp(rest, "Z") != 0 &&
	    strcmp(rest, "+00:00") != 0 && strcmp(rest, "+0000") != 0)
		return -1;
	return (int64_t)timegm(&tm);
}

static void
copy_id(char dst[KS_ID_LEN], json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(dst, KS_ID_LEN, "%s", s ? s : "");
}

int
ks_parse_token(const char *body, size_t len, struct ks_identity *out)
{
	struct ks_identity id;
	json_t *root, *tok, *v, *role;
	size_t i;
	int r = -OCTA_EINVAL;

	memset(&id, 0, sizeof(id));
	root = json_loadb(body, len, 0, NULL);
	tok = json_object_get(root, "token");
	if (!json_is_object(tok))
		goto out;
	id.expires = parse_time(json_string_value(json_object_get(tok,
	    "expires_at")));
	if (id.expires < 0)
		goto out;
	v = json_object_get(tok, "user");
	copy_id(id.user_id, json_object_get(v, "id"));
	copy_id(id.user_domain_id, json_object_get(json_object_get(v,
	    "domain"), "id"));
	if (id.user_id[0] == '\0')
		goto out;
	v = json_object_get(tok, "project");
	copy_id(id.project_id, json_object_get(v, "id"));
	copy_id(id.project_domain_id, json_object_get(json_object_get(v,
	    "domain"), "id"));
	copy_id(id.domain_id, json_object_get(json_object_get(tok, "domain"),
	    "id"));
	id.system_all = json_is_true(json_object_get(json_object_get(tok,
	    "system"), "all"));
	v = json_object_get(tok, "is_admin_project");
	id.is_admin_project = v == NULL || json_is_true(v);
	json_array_foreach(json_object_get(tok, "roles"), i, role) {
		const char *name = json_string_value(json_object_get(role,
		    "name"));

		if (name && !ks_identity_add_role(&id, name))
			log_warn("keystone token has more roles than octa "
			    "keeps; dropped role=%s user=%s", name, id.user_id);
	}
	*out = id;
	r = 0;
out:
	json_decref(root);
	return r;
}

/* ---- HTTP ---- */

static __thread CURL *tl_curl;
static char *ks_tokens_url;	/* ".../v3/auth/tokens" */
static char *ks_nocatalog_url;	/* the same with "?nocatalog" */
static int64_t ks_down_until;	/* monotonic ms; atomics */

struct ks_resp {
	long status;
	struct buf body;
	char subject[KS_MAX_TOKEN + 1];
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct ks_resp *resp = arg;

	if (buf_add(&resp->body, data, size * n) < 0)
		return 0;	/* too large: curl fails the transfer */
	return size * n;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "X-Subject-Token:";
	struct ks_resp *resp = arg;
	size_t len = size * n, k = sizeof(name) - 1;

	if (len > k && strncasecmp(data, name, k) == 0) {
		const char *v = data + k;
		size_t vl = len - k;

		while (vl > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
		    v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(resp->subject)) {
			memcpy(resp->subject, v, vl);
			resp->subject[vl] = '\0';
		}
	}
	return len;
}

/*
 * One request to Keystone.  0 with resp->status set (any HTTP status), or
 * -OCTA_EUNAVAIL when no answer came in time.
 */
static int
ks_http(const char *auth_token, const char *subject, const char *post,
    struct ks_resp *resp)
{
	struct curl_slist *h = NULL;
	struct buf hb;
	long ms = cfg.keystone_authtoken_http_connect_timeout > 0 ?
	    (long)cfg.keystone_authtoken_http_connect_timeout * 1000 : 3000;
	CURLcode c;
	int r = -OCTA_EUNAVAIL;

	if (tl_curl == NULL && (tl_curl = curl_easy_init()) == NULL)
		return -OCTA_EUNAVAIL;
	curl_easy_reset(tl_curl);
	buf_init(&hb, KS_MAX_TOKEN + 64);
	resp->status = 0;
	resp->subject[0] = '\0';
	h = curl_slist_append(h, "Accept: application/json");
	if (auth_token) {
		buf_printf(&hb, "X-Auth-Token: %s", auth_token);
		h = curl_slist_append(h, buf_str(&hb));
		buf_reset(&hb);
	}
	if (subject) {
		buf_printf(&hb, "X-Subject-Token: %s", subject);
		h = curl_slist_append(h, buf_str(&hb));
	}
	if (post)
		h = curl_slist_append(h, "Content-Type: application/json");
	/* The catalog is not needed, neither ours nor the user's. */
	curl_easy_setopt(tl_curl, CURLOPT_URL, ks_nocatalog_url);
	curl_easy_setopt(tl_curl, CURLOPT_HTTPHEADER, h);
	if (post)
		curl_easy_setopt(tl_curl, CURLOPT_POSTFIELDS, post);
	curl_easy_setopt(tl_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(tl_curl, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(tl_curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(tl_curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(tl_curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(tl_curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(tl_curl, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(tl_curl, CURLOPT_PROTOCOLS_STR, "http,https");
	c = curl_easy_perform(tl_curl);
	if (c != CURLE_OK) {
		log_warn("keystone unreachable url=%s error=\"%s\" "
		    "fail_fast_ms=%d", ks_tokens_url, curl_easy_strerror(c),
		    KS_DOWN_MS);
		__atomic_store_n(&ks_down_until, time_mono_ms() + KS_DOWN_MS,
		    __ATOMIC_RELAXED);
		goto out;
	}
	curl_easy_getinfo(tl_curl, CURLINFO_RESPONSE_CODE, &resp->status);
	r = 0;
out:
	curl_slist_free_all(h);
	buf_free(&hb);
	return r;
}

/* ---- the service token ---- */

static pthread_mutex_t svc_mu = PTHREAD_MUTEX_INITIALIZER;
static char *svc_token;
static int64_t svc_expires;

static char *
password_body(void)
{
	json_t *b = json_pack("{s{s{s[s] s{s{ss s{ss} ss}}} s{s{ss s{ss}}}}}",
	    "auth", "identity", "methods", "password", "password", "user",
	    "name", cfg.keystone_authtoken_username, "domain", "name",
	    cfg.keystone_authtoken_user_domain_name, "password",
	    cfg.keystone_authtoken_password, "scope", "project", "name",
	    cfg.keystone_authtoken_project_name, "domain", "name",
	    cfg.keystone_authtoken_project_domain_name);
	char *s = b ? json_dumps(b, JSON_COMPACT) : NULL;

	json_decref(b);
	return s;
}

/*
 * Copies octa's service token into `out` (KS_MAX_TOKEN + 1 bytes),
 * fetching a new one when there is none, it expires within KS_RENEW_S, or
 * `stale` (Keystone refused it) is the token we hold.
 */
static int
service_token(const char *stale, char *out)
{
	struct ks_resp resp;
	struct ks_identity id;
	char *body = NULL;
	int64_t now = time_now();
	int r = -OCTA_EUNAVAIL;

	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, KS_MAX_BODY);
	pthread_mutex_lock(&svc_mu);
	if (svc_token && svc_expires - KS_RENEW_S > now &&
	    (stale == NULL || strcmp(stale, svc_token) != 0))
		goto have;
	if ((body = password_body()) == NULL)
		goto out;
	if (ks_http(NULL, NULL, body, &resp) < 0)
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		log_error("keystone refused octa's service credentials "
		    "status=%ld user=%s project=%s", resp.status,
		    cfg.keystone_authtoken_username,
		    cfg.keystone_authtoken_project_name);
		/* not again for every request: fail fast for a while */
		__atomic_store_n(&ks_down_until, time_mono_ms() + KS_DOWN_MS,
		    __ATOMIC_RELAXED);
		goto out;
	}
	if (resp.subject[0] == '\0' || ks_parse_token(resp.body.p ?
	    resp.body.p : "", resp.body.len, &id) < 0) {
		log_error("keystone service token answer unreadable");
		goto out;
	}
	free(svc_token);
	svc_token = xstrdup(resp.subject);
	svc_expires = id.expires;
	log_info("keystone service token obtained user=%s expires_in=%llds",
	    cfg.keystone_authtoken_username, (long long)(id.expires - now));
have:
	snprintf(out, KS_MAX_TOKEN + 1, "%s", svc_token);
	r = 0;
out:
	pthread_mutex_unlock(&svc_mu);
	free(body);
	buf_free(&resp.body);
	return r;
}

/* ---- validation ---- */

int
ks_init(void)
{
	const char *u = cfg.keystone_authtoken_auth_url;
	size_t n;
	struct buf b;
	bool fresh;

	if (u == NULL || u[0] == '\0') {
		log_error("auth_strategy=keystone needs [keystone_authtoken] "
		    "auth_url");
		return -OCTA_EINVAL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -OCTA_EINTERNAL;
	buf_init(&b, 2048);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		n--;
	buf_add(&b, u, n);
	if (n < 3 || strncmp(u + n - 3, "/v3", 3) != 0)
		buf_adds(&b, "/v3");
	buf_adds(&b, "/auth/tokens");
	free(ks_tokens_url);
	ks_tokens_url = xstrdup(buf_str(&b));
	buf_adds(&b, "?nocatalog");
	free(ks_nocatalog_url);
	ks_nocatalog_url = buf_steal(&b);
	buf_free(&b);
	pthread_mutex_lock(&cache_mu);
	fresh = cache == NULL;
	pthread_mutex_unlock(&cache_mu);
	if (fresh)
		ks_cache_init(cfg.keystone_authtoken_token_cache_size > 0 ?
		    (size_t)cfg.keystone_authtoken_token_cache_size : 1);
	return 0;
}

/* Printable ASCII only: a token goes into a header line as it is. */
static bool
token_plausible(const char *t)
{
	size_t n = 0;

	if (t == NULL || *t == '\0')
		return false;
	for (; *t; t++, n++)
		if (*t <= ' ' || *t > '~' || n >= KS_MAX_TOKEN)
			return false;
	return true;
}

int
ks_validate(const char *token, struct ks_identity *out)
{
	static __thread char svc[KS_MAX_TOKEN + 1];
	struct ks_identity id;
	struct ks_resp resp;
	int64_t now = time_now(), ttl, until;
	int attempt, c, r = -OCTA_EUNAVAIL;

	if (!token_plausible(token))
		return -OCTA_EUNAUTH;
	c = ks_cache_get(token, now, &id);
	if (c == 1) {
		*out = id;
		return 0;
	}
	if (c == 0)
		return -OCTA_EUNAUTH;
	if (time_mono_ms() < __atomic_load_n(&ks_down_until, __ATOMIC_RELAXED))
		return -OCTA_EUNAVAIL;
	ttl = cfg.keystone_authtoken_token_cache_time;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, KS_MAX_BODY);
	for (attempt = 0; attempt < 2; attempt++) {
		if (service_token(attempt ? svc : NULL, svc) < 0)
			goto out;
		buf_reset(&resp.body);
		if (ks_http(svc, token, NULL, &resp) < 0)
			goto out;
		if (resp.status != 401)
			break;
		/* Our own token was refused (expired, revoked): renew once. */
	}
	if (resp.status == 200) {
		if (ks_parse_token(resp.body.p ? resp.body.p : "",
		    resp.body.len, &id) < 0) {
			log_warn("keystone token answer unreadable");
			goto out;
		}
		if (id.expires <= now) {
			ks_cache_put(token, NULL, now + ttl, now);
			r = -OCTA_EUNAUTH;
			goto out;
		}
		until = ttl > 0 && now + ttl < id.expires ? now + ttl :
		    id.expires;
		ks_cache_put(token, &id, until, now);
		*out = id;
		r = 0;
	} else if (resp.status == 404 || resp.status == 400) {
		/* Unknown, malformed, expired or revoked. */
		ks_cache_put(token, NULL, now + ttl, now);
		r = -OCTA_EUNAUTH;
	} else {
		log_warn("keystone token validation failed status=%ld",
		    resp.status);
	}
out:
	buf_free(&resp.body);
	return r;
}
