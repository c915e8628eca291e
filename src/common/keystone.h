/*
 * keystone.h - validating Keystone tokens the way keystonemiddleware does:
 * GET /v3/auth/tokens with the user's token as X-Subject-Token, authorised
 * by octa's own service token, answers remembered in a bounded cache.
 */
#ifndef OCTA_KEYSTONE_H
#define OCTA_KEYSTONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_ID_LEN 65		/* Keystone ids are at most 64 characters */
#define KS_ROLES_LEN 768	/* role names, each NUL-terminated */
#define KS_MAX_TOKEN 8192	/* longer X-Auth-Token values are refused */

/* Who a token speaks for, as oslo.context's policy values name it. */
struct ks_identity {
	char user_id[KS_ID_LEN];
	char user_domain_id[KS_ID_LEN];
	char project_id[KS_ID_LEN];	/* "" unless project-scoped */
	char project_domain_id[KS_ID_LEN];
	char domain_id[KS_ID_LEN];	/* "" unless domain-scoped */
	bool system_all;		/* system-scoped token */
	bool is_admin_project;		/* absent from the token: true */
	size_t nroles;
	char roles[KS_ROLES_LEN];	/* "a\0b\0" */
	int64_t expires;		/* the token's expiry, Unix seconds */
};

/* Adds a role name; false (and nothing added) when the list is full. */
bool ks_identity_add_role(struct ks_identity *id, const char *role);
/* Case-insensitive, as oslo.policy compares roles. */
bool ks_identity_has_role(const struct ks_identity *id, const char *role);
/* Iterates role names: for (p = NULL; (p = ks_identity_role(id, p)); ) */
const char *ks_identity_role(const struct ks_identity *id, const char *prev);

/*
 * Once per process, before threads start: libcurl and the cache, sized
 * from [keystone_authtoken].  0 or -OCTA_EINVAL (no auth_url).
 */
int ks_init(void);

/*
 * Validates a user token.  0 with *id filled; -OCTA_EUNAUTH when it is
 * missing, malformed, unknown, revoked or expired; -OCTA_EUNAVAIL when
 * Keystone cannot answer within [keystone_authtoken] http_connect_timeout
 * (or refuses octa's own credentials).  Blocks the calling thread for at
 * most that long, and only on a cache miss.
 */
int ks_validate(const char *token, struct ks_identity *id);

/*
 * Reads Keystone's token body ({"token": {...}}) into *id.  0 or
 * -OCTA_EINVAL.  Exposed for tests.
 */
int ks_parse_token(const char *body, size_t len, struct ks_identity *id);

/* ---- the token cache (exposed for tests) ---- */
/*
 * A fixed-size, mutex-protected table keyed by the token's SHA-256 (the
 * token itself is never kept).  An entry is either an identity or a
 * "refused" mark, and lives until `until` (Unix seconds).
 */
int ks_cache_init(size_t entries);
void ks_cache_free(void);
/* 1 hit (identity copied), 0 refused mark, -OCTA_ENOTFOUND miss. */
int ks_cache_get(const char *token, int64_t now, struct ks_identity *id);
/* `id` NULL stores a refused mark. */
void ks_cache_put(const char *token, const struct ks_identity *id,
    int64_t until, int64_t now);
/* Entries in use (expired ones included until they are reused). */
size_t ks_cache_count(void);

#endif
