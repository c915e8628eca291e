/*
 * auth.c - who the caller is and what it may do, decided in one place.
 *
 * Identity: with [api_settings] auth_strategy = noauth every caller is
 * admin (as in Octavia) and X-Project-Id names its project; with
 * keystone, X-Auth-Token is validated by src/common/keystone.c, and
 * is_admin is Octavia's context_is_admin rule.
 *
 * Policy: each route names Octavia's rule (struct api_route).  Octavia
 * checks a rule against a target, the project owning the object acted on.
 * The dispatcher checks the route's rule against the caller's own project
 * as soon as the route is known: that decides every route whose target is
 * the caller's project (flavors, amphorae, ...) and refuses callers
 * without the role early.  Where the target is an object, the handler
 * checks the rule again against the object's project when it loads it
 * (api_load(), api_can_see()): 403 for another project's object, as
 * Octavia answers.  The dispatcher asserts, after a successful handler,
 * that this second check happened.  Lists follow Octavia's
 * _auth_get_all() (api_list_scope()).
 *
 * Runs on the API threads; the policy and the token cache are shared and
 * thread-safe.
 */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "policy.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"

#define FORBIDDEN_MSG "Policy does not allow this request to be performed."
#define RULE_PREFIX "os_load-balancer_api:"

static bool
keystone_mode(void)
{
	return strcmp(cfg.api_settings_auth_strategy, "keystone") == 0;
}

int
api_auth_init(void)
{
	int e;

	if (keystone_mode()) {
		if ((e = ks_init()) < 0)
			return e;
	} else if (strcmp(cfg.api_settings_auth_strategy, "noauth") != 0) {
		log_error("unknown [api_settings] auth_strategy=%s (noauth or "
		    "keystone)", cfg.api_settings_auth_strategy);
		return -OCTA_EINVAL;
	}
	return policy_init();
}

bool
api_policy(struct api_req *r, const char *rule, const char *project_id)
{
	struct policy_creds c = { &r->auth.ks, r->auth.is_admin };

	return policy_allows(rule, &c, project_id);
}

bool
api_can_see(struct api_req *r, const char *project_id)
{
	const char *rule = r->route ? r->route->rule : NULL;

	r->policy_checked = true;
	if (rule == NULL)
		return r->auth.is_admin || (project_id &&
		    strcmp(project_id, r->auth.project_id) == 0);
	return api_policy(r, rule, project_id);
}

int
api_authorize(struct api_req *r, const char *project_id)
{
	if (api_can_see(r, project_id))
		return 0;
	return api_fail(r, OCTA_EFORBIDDEN, FORBIDDEN_MSG);
}

/*
 * True when the rule's target is an object's project rather than the
 * caller's: the project-owned resources, except their lists.
 */
static bool
target_is_object(const char *rule)
{
	static const char *const owned[] = { "loadbalancer:", "listener:",
		"pool:", "member:", "healthmonitor:", "l7policy:", "l7rule:",
		"quota:" };
	const char *act;
	size_t i, n;

	if (strncmp(rule, RULE_PREFIX, sizeof(RULE_PREFIX) - 1) != 0)
		return false;
	rule += sizeof(RULE_PREFIX) - 1;
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		n = strlen(owned[i]);
		if (strncmp(rule, owned[i], n) != 0)
			continue;
		act = rule + n;
		return strncmp(act, "get_all", 7) != 0;
	}
	return false;
}

/* "<rule>-global" when the rule is a list's and has that variant. */
static bool
global_rule(const char *rule, char *out, size_t outlen)
{
	size_t n = strlen(rule);

	if (n < 8 || strcmp(rule + n - 8, ":get_all") != 0)
		return false;
	if ((size_t)snprintf(out, outlen, "%s-global", rule) >= outlen)
		return false;
	return policy_defined(out);
}

int
api_route_authorize(struct api_req *r)
{
	const char *rule = r->route->rule;
	char global[256];

	if (rule == NULL) {
		r->policy_checked = true;
		return 0;
	}
	if (global_rule(rule, global, sizeof(global)))
		return 0;	/* api_list_scope() decides */
	if (!api_policy(r, rule, r->auth.project_id[0] ?
	    r->auth.project_id : NULL))
		return api_fail(r, OCTA_EFORBIDDEN, FORBIDDEN_MSG);
	if (!target_is_object(rule))
		r->policy_checked = true;
	return 0;
}

int
api_list_scope(struct api_req *r, const char *requested,
    const char **project, bool *scoped)
{
	const char *rule = r->route ? r->route->rule : NULL;
	const char *p;
	char global[256];

	*project = NULL;
	*scoped = false;
	if (rule == NULL || !global_rule(rule, global, sizeof(global)))
		return 0;
	*scoped = true;
	r->policy_checked = true;
	if (api_policy(r, global, requested)) {
		*project = requested;
		return 0;
	}
	p = requested ? requested : r->auth.project_id[0] ?
	    r->auth.project_id : NULL;
	if (p == NULL || !api_policy(r, rule, p))
		return api_fail(r, OCTA_EFORBIDDEN, FORBIDDEN_MSG);
	*project = p;
	return 0;
}

/* noauth: everyone is admin; X-Project-Id names the caller's project. */
static void
identify_noauth(struct api_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->ev);
	const char *p = evhttp_find_header(h, "X-Project-Id");

	r->auth.is_admin = true;
	if (p) {
		snprintf(r->auth.project_id, sizeof(r->auth.project_id), "%s",
		    p);
		snprintf(r->auth.ks.project_id, sizeof(r->auth.ks.project_id),
		    "%s", p);
	}
}

int
api_authenticate(struct api_req *r, bool anonymous_ok)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->ev);
	const char *token, *uri;
	struct buf b;
	int e;

	if (!keystone_mode()) {
		identify_noauth(r);
		return 0;
	}
	if (anonymous_ok)
		return 0;	/* keystonemiddleware skips these paths */
	token = evhttp_find_header(h, "X-Auth-Token");
	e = ks_validate(token, &r->auth.ks);
	if (e == -OCTA_EUNAUTH) {
		uri = cfg.keystone_authtoken_www_authenticate_uri[0] ?
		    cfg.keystone_authtoken_www_authenticate_uri :
		    cfg.keystone_authtoken_auth_url;
		buf_init(&b, 4096);
		buf_printf(&b, "Keystone uri=\"%s\"", uri);
		evhttp_add_header(evhttp_request_get_output_headers(r->ev),
		    "WWW-Authenticate", buf_str(&b));
		buf_free(&b);
		return api_fail(r, e, "The request you have made requires "
		    "authentication.");
	}
	if (e < 0)
		return api_fail(r, OCTA_EUNAVAIL, "The Keystone service is "
		    "temporarily unavailable.");
	snprintf(r->auth.project_id, sizeof(r->auth.project_id), "%s",
	    r->auth.ks.project_id);
	snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s",
	    r->auth.ks.user_id);
	/* Octavia's context: is_admin = the context_is_admin rule. */
	r->auth.is_admin = false;
	r->auth.is_admin = api_policy(r, "context_is_admin",
	    r->auth.project_id[0] ? r->auth.project_id : NULL);
	return 0;
}
