/*
 * policy.c - Octavia's RBAC in one place: a small engine for oslo.policy's
 * rule language, Octavia's default rules (octavia/policies/ in Python, as
 * Octavia 11 ships them), and [oslo_policy] policy_file overrides.
 *
 * The language: checks `rule:NAME`, `role:NAME` (case-insensitive),
 * `is_admin:True|False` (Octavia's: noauth, or context_is_admin), `@`
 * (always), `!` (never), and generic `KIND:MATCH`, where KIND is one of
 * the caller's values (project_id, user_id, domain_id, project_domain_id,
 * user_domain_id, system_scope, is_admin_project, roles) or a literal,
 * and MATCH may name the target's `%(project_id)s`; combined with `and`,
 * `or`, `not` and parentheses (not binds tightest, then and, then or).
 * A rule that does not parse denies, as oslo.policy fails closed.  One
 * deliberate difference: a missing value (a token without a project, a
 * target without one) never matches, where Python would compare 'None'
 * with 'None'.
 *
 * The rule sets are immutable once built.  The process-wide set is
 * reference-counted: a reload swaps in a new set under a mutex and the old
 * one is freed by its last user, so API threads never block each other
 * for longer than a pointer copy.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define POLICY_MAX_DEPTH 32	/* rule: references; deeper is a cycle */
#define POLICY_MAX_FILE (1u << 20)
#define POLICY_RELOAD_MS 1000

/*
 * Octavia's defaults.  `deprecated` is the check string Octavia still
 * accepts beside the new default unless enforce_new_defaults is set (oslo
 * ORs the two when the file does not override the rule).
 */
#define RULE_READ "rule:load-balancer:read"
#define RULE_READ_GLOBAL "rule:load-balancer:read-global"
#define RULE_WRITE "rule:load-balancer:write"
#define RULE_ADMIN "rule:load-balancer:admin"
#define API "os_load-balancer_api:"

static const struct {
	const char *name;
	const char *check;
	const char *deprecated;
} defaults[] = {
	{ "system-admin", "role:admin and system_scope:all", NULL },
	{ "system-reader", "role:reader and system_scope:all", NULL },
	{ "project-member", "role:member and project_id:%(project_id)s", NULL },
	{ "project-reader", "role:reader and project_id:%(project_id)s", NULL },
	{ "context_is_admin", "role:load-balancer_admin or rule:system-admin",
	    "role:admin or role:load-balancer_admin" },
	{ "load-balancer:owner", "project_id:%(project_id)s", NULL },
	{ "load-balancer:observer_and_owner",
	    "role:load-balancer_observer and rule:project-reader",
	    "role:load-balancer_observer and rule:load-balancer:owner" },
	{ "load-balancer:global_observer",
	    "role:load-balancer_global_observer or rule:system-reader", NULL },
	{ "load-balancer:member_and_owner",
	    "role:load-balancer_member and rule:project-member",
	    "role:load-balancer_member and rule:load-balancer:owner" },
	{ "load-balancer:admin", "is_admin:True or role:load-balancer_admin or "
	    "rule:system-admin", NULL },
	{ "load-balancer:read", "rule:load-balancer:observer_and_owner or "
	    "rule:load-balancer:global_observer or "
	    "rule:load-balancer:member_and_owner or rule:load-balancer:admin",
	    NULL },
	{ "load-balancer:read-global", "rule:load-balancer:global_observer or "
	    "rule:load-balancer:admin", NULL },
	{ "load-balancer:write", "rule:load-balancer:member_and_owner or "
	    "rule:load-balancer:admin", NULL },
	{ "load-balancer:read-quota",
	    "rule:load-balancer:observer_and_owner or "
	    "rule:load-balancer:global_observer or "
	    "rule:load-balancer:member_and_owner or "
	    "role:load-balancer_quota_admin or rule:load-balancer:admin",
	    NULL },
	{ "load-balancer:read-quota-global",
	    "rule:load-balancer:global_observer or "
	    "role:load-balancer_quota_admin or rule:load-balancer:admin",
	    NULL },
	{ "load-balancer:write-quota", "role:load-balancer_quota_admin or "
	    "rule:load-balancer:admin", NULL },

	{ API "flavor:get_all", RULE_READ, NULL },
	{ API "flavor:post", RULE_ADMIN, NULL },
	{ API "flavor:put", RULE_ADMIN, NULL },
	{ API "flavor:get_one", RULE_READ, NULL },
	{ API "flavor:delete", RULE_ADMIN, NULL },
	{ API "flavor-profile:get_all", RULE_ADMIN, NULL },
	{ API "flavor-profile:post", RULE_ADMIN, NULL },
	{ API "flavor-profile:put", RULE_ADMIN, NULL },
	{ API "flavor-profile:get_one", RULE_ADMIN, NULL },
	{ API "flavor-profile:delete", RULE_ADMIN, NULL },
	{ API "availability-zone:get_all", RULE_READ, NULL },
	{ API "availability-zone:post", RULE_ADMIN, NULL },
	{ API "availability-zone:put", RULE_ADMIN, NULL },
	{ API "availability-zone:get_one", RULE_READ, NULL },
	{ API "availability-zone:delete", RULE_ADMIN, NULL },
	{ API "availability-zone-profile:get_all", RULE_ADMIN, NULL },
	{ API "availability-zone-profile:post", RULE_ADMIN, NULL },
	{ API "availability-zone-profile:put", RULE_ADMIN, NULL },
	{ API "availability-zone-profile:get_one", RULE_ADMIN, NULL },
	{ API "availability-zone-profile:delete", RULE_ADMIN, NULL },
	{ API "healthmonitor:get_all", RULE_READ, NULL },
	{ API "healthmonitor:get_all-global", RULE_READ_GLOBAL, NULL },
	{ API "healthmonitor:post", RULE_WRITE, NULL },
	{ API "healthmonitor:get_one", RULE_READ, NULL },
	{ API "healthmonitor:put", RULE_WRITE, NULL },
	{ API "healthmonitor:delete", RULE_WRITE, NULL },
	{ API "l7policy:get_all", RULE_READ, NULL },
	{ API "l7policy:get_all-global", RULE_READ_GLOBAL, NULL },
	{ API "l7policy:post", RULE_WRITE, NULL },
	{ API "l7policy:get_one", RULE_READ, NULL },
	{ API "l7policy:put", RULE_WRITE, NULL },
	{ API "l7policy:delete", RULE_WRITE, NULL },
	{ API "l7rule:get_all", RULE_READ, NULL },
	{ API "l7rule:post", RULE_WRITE, NULL },
	{ API "l7rule:get_one", RULE_READ, NULL },
	{ API "l7rule:put", RULE_WRITE, NULL },
	{ API "l7rule:delete", RULE_WRITE, NULL },
	{ API "listener:get_all", RULE_READ, NULL },
	{ API "listener:get_all-global", RULE_READ_GLOBAL, NULL },
	{ API "listener:post", RULE_WRITE, NULL },
	{ API "listener:get_one", RULE_READ, NULL },
	{ API "listener:put", RULE_WRITE, NULL },
	{ API "listener:delete", RULE_WRITE, NULL },
	{ API "listener:get_stats", RULE_READ, NULL },
	{ API "loadbalancer:get_all", RULE_READ, NULL },
	{ API "loadbalancer:get_all-global", RULE_READ_GLOBAL, NULL },
	{ API "loadbalancer:post", RULE_WRITE, NULL },
	{ API "loadbalancer:get_one", RULE_READ, NULL },
	{ API "loadbalancer:put", RULE_WRITE, NULL },
	{ API "loadbalancer:delete", RULE_WRITE, NULL },
	{ API "loadbalancer:get_stats", RULE_READ, NULL },
	{ API "loadbalancer:get_status", RULE_READ, NULL },
	{ API "loadbalancer:put_failover", RULE_ADMIN, NULL },
	{ API "member:get_all", RULE_READ, NULL },
	{ API "member:post", RULE_WRITE, NULL },
	{ API "member:get_one", RULE_READ, NULL },
	{ API "member:put", RULE_WRITE, NULL },
	{ API "member:delete", RULE_WRITE, NULL },
	{ API "pool:get_all", RULE_READ, NULL },
	{ API "pool:get_all-global", RULE_READ_GLOBAL, NULL },
	{ API "pool:post", RULE_WRITE, NULL },
	{ API "pool:get_one", RULE_READ, NULL },
	{ API "pool:put", RULE_WRITE, NULL },
	{ API "pool:delete", RULE_WRITE, NULL },
	{ API "provider:get_all", RULE_READ, NULL },
	{ API "quota:get_all", "rule:load-balancer:read-quota", NULL },
	{ API "quota:get_all-global", "rule:load-balancer:read-quota-global",
	    NULL },
	{ API "quota:get_one", "rule:load-balancer:read-quota", NULL },
	{ API "quota:put", "rule:load-balancer:write-quota", NULL },
	{ API "quota:delete", "rule:load-balancer:write-quota", NULL },
	{ API "quota:get_defaults", "rule:load-balancer:read-quota", NULL },
	{ API "amphora:get_all", RULE_ADMIN, NULL },
	{ API "amphora:get_one", RULE_ADMIN, NULL },
	{ API "amphora:delete", RULE_ADMIN, NULL },
	{ API "amphora:put_config", RULE_ADMIN, NULL },
	{ API "amphora:put_failover", RULE_ADMIN, NULL },
	{ API "amphora:get_stats", RULE_ADMIN, NULL },
	{ API "provider-flavor:get_all", RULE_ADMIN, NULL },
	{ API "provider-availability-zone:get_all", RULE_ADMIN, NULL },
};

/*
 * Octavia's scope_types, for the rules that have them (the API rules have
 * none).  With [oslo_policy] enforce_scope, a rule enforced directly for a
 * token of another scope denies, as oslo's InvalidScope does: in practice
 * context_is_admin, so a project-scoped admin token is not Octavia's
 * is_admin then.
 */
#define SC_PROJECT 1u
#define SC_SYSTEM 2u
#define SC_DOMAIN 4u

static const struct {
	const char *name;
	unsigned scope;
} scopes[] = {
	{ "system-admin", SC_SYSTEM },
	{ "system-reader", SC_SYSTEM },
	{ "project-member", SC_PROJECT },
	{ "project-reader", SC_PROJECT },
	{ "context_is_admin", SC_SYSTEM },
	{ "load-balancer:owner", SC_PROJECT },
	{ "load-balancer:observer_and_owner", SC_PROJECT },
	{ "load-balancer:global_observer", SC_SYSTEM },
	{ "load-balancer:member_and_owner", SC_PROJECT },
	{ "load-balancer:admin", SC_SYSTEM },
	{ "load-balancer:read", SC_PROJECT | SC_SYSTEM },
	{ "load-balancer:read-global", SC_SYSTEM },
	{ "load-balancer:write", SC_PROJECT | SC_SYSTEM },
	{ "load-balancer:read-quota", SC_PROJECT | SC_SYSTEM },
	{ "load-balancer:read-quota-global", SC_SYSTEM },
	{ "load-balancer:write-quota", SC_SYSTEM },
};

/* ---- rules as trees ---- */

enum pkind { P_TRUE, P_FALSE, P_AND, P_OR, P_NOT, P_RULE, P_ROLE,
	P_GENERIC, P_IS_ADMIN };

struct pnode {
	enum pkind kind;
	struct pnode *l, *r;	/* P_AND, P_OR; P_NOT uses l */
	char *a;		/* P_RULE/P_ROLE: the match; P_GENERIC: kind */
	char *b;		/* P_GENERIC: the match */
	bool expect;		/* P_IS_ADMIN */
};

struct prule {
	char *name;
	struct pnode *node;
	unsigned scope;		/* SC_*; 0: any */
};

struct policy {
	struct prule *rules;	/* sorted by name */
	size_t n;
	bool enforce_scope;
	int refs;		/* the process-wide set only */
};

static void
pnode_free(struct pnode *n)
{
	if (n == NULL)
		return;
	pnode_free(n->l);
	pnode_free(n->r);
	free(n->a);
	free(n->b);
	free(n);
}

static struct pnode *
pnode_new(enum pkind kind)
{
	struct pnode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	return n;
}

static struct pnode *
pnode_pair(enum pkind kind, struct pnode *l, struct pnode *r)
{
	struct pnode *n = pnode_new(kind);

	n->l = l;
	n->r = r;
	return n;
}

/* ---- parsing ---- */

enum ptok { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_CHECK, T_BAD };

struct parser {
	const char *s;		/* the rest of the text */
	enum ptok tok;
	char *word;		/* T_CHECK: the check's text */
	int trailing;		/* ')' still to emit after the word */
};

/* oslo's tokenizer: words split at blanks, '(' and ')' peeled off them. */
static void
next(struct parser *p)
{
	const char *w;
	size_t n, k;

	OCTA_FREE(&p->word);
	if (p->trailing > 0) {
		p->trailing--;
		p->tok = T_RP;
		return;
	}
	while (isspace((unsigned char)*p->s))
		p->s++;
	if (*p->s == '\0') {
		p->tok = T_END;
		return;
	}
	if (*p->s == '(') {
		p->s++;
		p->tok = T_LP;
		return;
	}
	w = p->s;
	for (n = 0; w[n] && !isspace((unsigned char)w[n]); n++)
		;
	p->s = w + n;
	for (k = n; k > 0 && w[k - 1] == ')'; k--)
		;
	p->trailing = (int)(n - k);
	if (k == 0) {
		p->trailing--;
		p->tok = T_RP;
		return;
	}
	if (k == 3 && strncasecmp(w, "and", 3) == 0)
		p->tok = T_AND;
	else if (k == 2 && strncasecmp(w, "or", 2) == 0)
		p->tok = T_OR;
	else if (k == 3 && strncasecmp(w, "not", 3) == 0)
		p->tok = T_NOT;
	else if (k >= 2 && (w[0] == '"' || w[0] == '\'') && w[n - 1] == w[0])
		p->tok = T_BAD;	/* a bare string: no check takes one */
	else {
		p->tok = T_CHECK;
		p->word = xstrndup(w, k);
	}
}

/* One check, as oslo's _parse_check(): unknown forms deny. */
static struct pnode *
parse_check(const char *w)
{
	const char *colon;
	struct pnode *n;

	if (strcmp(w, "!") == 0)
		return pnode_new(P_FALSE);
	if (strcmp(w, "@") == 0)
		return pnode_new(P_TRUE);
	colon = strchr(w, ':');
	if (colon == NULL) {
		log_warn("policy check not understood, denies: %s", w);
		return pnode_new(P_FALSE);
	}
	if ((size_t)(colon - w) == 4 && strncmp(w, "rule", 4) == 0) {
		n = pnode_new(P_RULE);
		n->a = xstrdup(colon + 1);
	} else if ((size_t)(colon - w) == 4 && strncmp(w, "role", 4) == 0) {
		n = pnode_new(P_ROLE);
		n->a = xstrdup(colon + 1);
	} else if ((size_t)(colon - w) == 8 && strncmp(w, "is_admin", 8) == 0) {
		n = pnode_new(P_IS_ADMIN);
		n->expect = strcasecmp(colon + 1, "true") == 0;
	} else if (strncmp(w, "http:", 5) == 0 ||
	    strncmp(w, "https:", 6) == 0) {
		log_warn("policy http checks are not supported, denies: %s", w);
		n = pnode_new(P_FALSE);
	} else {
		n = pnode_new(P_GENERIC);
		n->a = xstrndup(w, (size_t)(colon - w));
		n->b = xstrdup(colon + 1);
	}
	return n;
}

static struct pnode *parse_or(struct parser *p);

static struct pnode *
parse_unary(struct parser *p)
{
	struct pnode *n;

	switch (p->tok) {
	case T_NOT:
		next(p);
		n = parse_unary(p);
		return n ? pnode_pair(P_NOT, n, NULL) : NULL;
	case T_LP:
		next(p);
		n = parse_or(p);
		if (n == NULL || p->tok != T_RP) {
			pnode_free(n);
			return NULL;
		}
		next(p);
		return n;
	case T_CHECK:
		n = parse_check(p->word);
		next(p);
		return n;
	default:
		return NULL;
	}
}

static struct pnode *
parse_and(struct parser *p)
{
	struct pnode *l = parse_unary(p), *r;

	while (l && p->tok == T_AND) {
		next(p);
		if ((r = parse_unary(p)) == NULL) {
			pnode_free(l);
			return NULL;
		}
		l = pnode_pair(P_AND, l, r);
	}
	return l;
}

static struct pnode *
parse_or(struct parser *p)
{
	struct pnode *l = parse_and(p), *r;

	while (l && p->tok == T_OR) {
		next(p);
		if ((r = parse_and(p)) == NULL) {
			pnode_free(l);
			return NULL;
		}
		l = pnode_pair(P_OR, l, r);
	}
	return l;
}

/* The tree of a check string; NULL if it does not parse. */
static struct pnode *
parse_rule(const char *text)
{
	struct parser p = { text, T_END, NULL, 0 };
	struct pnode *n;

	next(&p);
	if (p.tok == T_END)
		return pnode_new(P_TRUE);	/* "" allows, as in oslo */
	n = parse_or(&p);
	if (n && p.tok != T_END) {
		pnode_free(n);
		n = NULL;
	}
	OCTA_FREE(&p.word);
	return n;
}

bool
policy_rule_valid(const char *text)
{
	struct pnode *n = parse_rule(text);
	bool ok = n != NULL;

	pnode_free(n);
	return ok;
}

/* ---- evaluation ---- */

/*
 * Python's `match % target` for the one key Octavia's targets carry:
 * "%(project_id)s" and "%%".  False where Python raises (an unknown or
 * missing key), which denies.
 */
static bool
interpolate(const char *m, const char *target_project, char *out,
    size_t outlen)
{
	static const char key[] = "%(project_id)s";
	struct buf b;
	bool ok = false;

	buf_init(&b, outlen);
	while (*m) {
		if (strncmp(m, key, sizeof(key) - 1) == 0) {
			if (target_project == NULL || *target_project == '\0')
				goto out;
			if (buf_adds(&b, target_project) < 0)
				goto out;
			m += sizeof(key) - 1;
		} else if (m[0] == '%' && m[1] == '%') {
			if (buf_addc(&b, '%') < 0)
				goto out;
			m += 2;
		} else if (*m == '%') {
			goto out;
		} else {
			if (buf_addc(&b, *m++) < 0)
				goto out;
		}
	}
	snprintf(out, outlen, "%s", buf_str(&b));
	ok = true;
out:
	buf_free(&b);
	return ok;
}

/* The caller's value named `kind`; NULL if it has none. */
static const char *
cred_value(const struct policy_creds *c, const char *kind)
{
	const struct ks_identity *id = c->id;
	const char *v = NULL;

	if (strcmp(kind, "is_admin") == 0)
		return c->is_admin ? "True" : "False";
	if (id == NULL)
		return NULL;
	if (strcmp(kind, "project_id") == 0 || strcmp(kind, "tenant") == 0 ||
	    strcmp(kind, "tenant_id") == 0)
		v = id->project_id;
	else if (strcmp(kind, "user_id") == 0 || strcmp(kind, "user") == 0)
		v = id->user_id;
	else if (strcmp(kind, "domain_id") == 0)
		v = id->domain_id;
	else if (strcmp(kind, "project_domain_id") == 0)
		v = id->project_domain_id;
	else if (strcmp(kind, "user_domain_id") == 0)
		v = id->user_domain_id;
	else if (strcmp(kind, "system_scope") == 0)
		v = id->system_all ? "all" : NULL;
	else if (strcmp(kind, "is_admin_project") == 0)
		v = id->is_admin_project ? "True" : "False";
	return v && *v ? v : NULL;
}

/* A literal KIND (oslo's ast.literal_eval of it): its text, or NULL. */
static bool
literal_kind(const char *kind, char *out, size_t outlen)
{
	size_t n = strlen(kind);
	long long v;

	if (n >= 2 && (kind[0] == '\'' || kind[0] == '"') &&
	    kind[n - 1] == kind[0]) {
		snprintf(out, outlen, "%.*s", (int)(n - 2), kind + 1);
		return true;
	}
	if (strcmp(kind, "True") == 0 || strcmp(kind, "False") == 0 ||
	    strcmp(kind, "None") == 0) {
		snprintf(out, outlen, "%s", kind);
		return true;
	}
	if (parse_ll(kind, &v)) {
		snprintf(out, outlen, "%lld", v);
		return true;
	}
	return false;
}

static const struct prule *
find(const struct policy *p, const char *name)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, p->rules[mid].name);

		if (c == 0)
			return &p->rules[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool
eval(const struct policy *p, const struct pnode *n,
    const struct policy_creds *c, const char *target, int depth)
{
	char m[512], lit[256];
	const struct prule *rule;
	const char *v;

	if (depth > POLICY_MAX_DEPTH) {
		log_warn("policy rules nest too deep (a cycle?), denied");
		return false;
	}
	switch (n->kind) {
	case P_TRUE:
		return true;
	case P_FALSE:
		return false;
	case P_AND:
		return eval(p, n->l, c, target, depth) &&
		    eval(p, n->r, c, target, depth);
	case P_OR:
		return eval(p, n->l, c, target, depth) ||
		    eval(p, n->r, c, target, depth);
	case P_NOT:
		return !eval(p, n->l, c, target, depth);
	case P_RULE:
		rule = find(p, n->a);
		return rule && eval(p, rule->node, c, target, depth + 1);
	case P_ROLE:
		return c->id && interpolate(n->a, target, m, sizeof(m)) &&
		    ks_identity_has_role(c->id, m);
	case P_IS_ADMIN:
		return c->is_admin == n->expect;
	case P_GENERIC:
		if (!interpolate(n->b, target, m, sizeof(m)))
			return false;
		if (literal_kind(n->a, lit, sizeof(lit)))
			return strcmp(m, lit) == 0;
		if (strcmp(n->a, "roles") == 0) {
			/* a list: any item, compared exactly (not role:) */
			if (c->id == NULL)
				return false;
			for (v = NULL; (v = ks_identity_role(c->id, v)); )
				if (strcmp(v, m) == 0)
					return true;
			return false;
		}
		v = cred_value(c, n->a);
		return v && strcmp(v, m) == 0;
	}
	return false;
}

/* The token's scope as SC_*: system, project or domain (0: none). */
static unsigned
token_scope(const struct policy_creds *c)
{
	if (c->id == NULL)
		return 0;
	if (c->id->system_all)
		return SC_SYSTEM;
	if (c->id->project_id[0])
		return SC_PROJECT;
	if (c->id->domain_id[0])
		return SC_DOMAIN;
	return 0;
}

bool
policy_enforce(const struct policy *p, const char *rule,
    const struct policy_creds *c, const char *target_project)
{
	const struct prule *r = find(p, rule);

	if (r == NULL) {
		log_warn("policy rule not defined, denied: %s", rule);
		return false;
	}
	if (p->enforce_scope && r->scope && !(r->scope & token_scope(c)))
		return false;	/* oslo's InvalidScope */
	return eval(p, r->node, c, target_project, 0);
}

bool
policy_has(const struct policy *p, const char *rule)
{
	return find(p, rule) != NULL;
}

/* ---- policy files ---- */

static void
ferr(char *err, size_t errlen, const char *what, int line, const char *msg)
{
	if (line > 0)
		snprintf(err, errlen, "%s line %d: %s", what, line, msg);
	else
		snprintf(err, errlen, "%s: %s", what, msg);
}

/*
 * Reads a quoted YAML scalar starting at *pp (on its quote), across lines
 * (a line break and the blanks around it fold into one space).  Leaves
 * *pp after the closing quote, counts lines in *line.
 */
static int
yaml_quoted(const char **pp, int *line, struct buf *out)
{
	const char *p = *pp;
	char q = *p++;

	for (;;) {
		if (*p == '\0')
			return -1;
		if (*p == q) {
			if (q == '\'' && p[1] == '\'') {
				buf_addc(out, '\'');
				p += 2;
				continue;
			}
			*pp = p + 1;
			return 0;
		}
		if (*p == '\n') {
			while (out->len > 0 && (out->p[out->len - 1] == ' ' ||
			    out->p[out->len - 1] == '\t'))
				out->p[--out->len] = '\0';
			(*line)++;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\n') {
				buf_addc(out, '\n');	/* an empty line */
				continue;
			}
			buf_addc(out, ' ');
			continue;
		}
		if (q == '"' && *p == '\\') {
			switch (p[1]) {
			case '"': case '\\': case '/':
				buf_addc(out, p[1]);
				break;
			case 'n':
				buf_addc(out, '\n');
				break;
			case 't':
				buf_addc(out, '\t');
				break;
			default:
				return -1;
			}
			p += 2;
			continue;
		}
		if (buf_addc(out, *p++) < 0)
			return -1;
	}
}

/* Only blanks and a comment may follow a value on its line. */
static bool
rest_blank(const char **pp)
{
	const char *p = *pp;

	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p == '#')
		while (*p && *p != '\n')
			p++;
	if (*p != '\0' && *p != '\n')
		return false;
	*pp = p;
	return true;
}

/*
 * The YAML subset policy files are written in: comments, blank lines, a
 * "---" before the first entry, and one mapping of `key: value` where key
 * and value are plain, "double-quoted" or 'single-quoted' scalars (quoted
 * ones may span lines, plain values may continue on indented lines).
 * Anything else is an error: better to refuse a file than to guess at its
 * rules.
 */
static int
parse_yaml(const char *text, const char *what, json_t *out, char *err,
    size_t errlen)
{
	const char *p = text;
	struct buf k, v;
	int line = 1, r = -OCTA_EINVAL;

	buf_init(&k, 4096);
	buf_init(&v, 65536);
	while (*p) {
		const char *s = p;
		int at = line;

		buf_reset(&k);
		buf_reset(&v);
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\n' || *s == '#' || *s == '\0') {
			p = s;
			if (!rest_blank(&p))
				goto bad;
			if (*p == '\n') {
				p++;
				line++;
			}
			continue;
		}
		if (s != p) {
			ferr(err, errlen, what, at, "indented line outside a "
			    "value");
			goto out;
		}
		if (strncmp(p, "---", 3) == 0 && (p[3] == '\n' ||
		    p[3] == '\0' || p[3] == ' ' || p[3] == '\r') &&
		    json_object_size(out) == 0) {
			p += 3;
			if (!rest_blank(&p))
				goto bad;
			continue;
		}
		/* the key */
		if (*p == '"' || *p == '\'') {
			if (yaml_quoted(&p, &line, &k) < 0 || line != at)
				goto bad;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ':')
				goto bad;
		} else {
			const char *c = p;

			if (strchr("-?[]{}&*!|>%@`,", *p))
				goto bad;
			while (*c && *c != '\n' && !(c[0] == ':' &&
			    (c[1] == ' ' || c[1] == '\t' || c[1] == '\n' ||
			    c[1] == '\0')))
				c++;
			if (*c != ':')
				goto bad;
			buf_add(&k, p, (size_t)(c - p));
			while (k.len > 0 && (k.p[k.len - 1] == ' ' ||
			    k.p[k.len - 1] == '\t'))
				k.p[--k.len] = '\0';
			p = c;
		}
		p++;	/* ':' */
		while (*p == ' ' || *p == '\t')
			p++;
		/* the value */
		if (*p == '"' || *p == '\'') {
			if (yaml_quoted(&p, &line, &v) < 0)
				goto bad;
			if (!rest_blank(&p))
				goto bad;
		} else {
			const char *e = p;

			if (*p == '\n' || *p == '\0' || *p == '#' ||
			    strchr("[]{}&*!|>%@`", *p))
				goto bad;	/* null, nesting or the like */
			for (;;) {
				const char *ls = e;

				while (*e && *e != '\n' && !(*e == '#' &&
				    e > ls && (e[-1] == ' ' || e[-1] == '\t')))
					e++;
				if (v.len)
					buf_addc(&v, ' ');
				buf_add(&v, ls, (size_t)(e - ls));
				while (v.len > 0 && (v.p[v.len - 1] == ' ' ||
				    v.p[v.len - 1] == '\t' ||
				    v.p[v.len - 1] == '\r'))
					v.p[--v.len] = '\0';
				if (!rest_blank(&e))
					goto bad;
				/* an indented, non-blank line continues it */
				if (*e == '\n' && (e[1] == ' ' ||
				    e[1] == '\t')) {
					const char *n = e + 1;

					while (*n == ' ' || *n == '\t')
						n++;
					if (*n != '\n' && *n != '\0' &&
					    *n != '#') {
						line++;
						e = n;
						continue;
					}
				}
				break;
			}
			p = e;
		}
		if (k.len == 0)
			goto bad;
		json_object_set_new(out, buf_str(&k), json_string(buf_str(&v)));
		if (*p == '\n') {
			p++;
			line++;
		}
		continue;
bad:
		ferr(err, errlen, what, at, "not a \"name\": \"rule\" entry");
		goto out;
	}
	r = 0;
out:
	buf_free(&k);
	buf_free(&v);
	return r;
}

/* A policy file's rules as {name: check string}. */
static int
parse_file(const char *text, size_t len, const char *what, json_t **out,
    char *err, size_t errlen)
{
	json_t *rules = NULL, *v;
	json_error_t je;
	const char *s = text, *k;
	int r = -OCTA_EINVAL;

	if (memchr(text, '\0', len)) {
		ferr(err, errlen, what, 0, "contains a NUL byte");
		return r;
	}
	while (s < text + len && isspace((unsigned char)*s))
		s++;
	if (s < text + len && *s == '{') {
		rules = json_loadb(text, len, 0, &je);
		if (!json_is_object(rules)) {
			ferr(err, errlen, what, je.line, je.text);
			goto out;
		}
		json_object_foreach(rules, k, v) {
			if (!json_is_string(v)) {
				snprintf(err, errlen, "%s: rule %s is not a "
				    "string", what, k);
				goto out;
			}
		}
	} else {
		rules = json_object();
		if (parse_yaml(text, what, rules, err, errlen) < 0)
			goto out;
	}
	*out = rules;
	rules = NULL;
	r = 0;
out:
	json_decref(rules);
	return r;
}

static int
rule_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prule *)a)->name,
	    ((const struct prule *)b)->name);
}

static void
add_rule(struct policy *p, const char *name, const char *text,
    const char *what)
{
	struct pnode *n = parse_rule(text);
	size_t i;

	if (n == NULL) {
		log_warn("policy rule does not parse, denies: source=%s "
		    "rule=%s check=\"%s\"", what, name, text);
		n = pnode_new(P_FALSE);
	}
	p->rules[p->n].name = xstrdup(name);
	p->rules[p->n].node = n;
	p->rules[p->n].scope = 0;
	for (i = 0; i < ARRAY_SIZE(scopes); i++)
		if (strcmp(scopes[i].name, name) == 0)
			p->rules[p->n].scope = scopes[i].scope;
	p->n++;
}

int
policy_new(const char *text, size_t len, const char *what, unsigned flags,
    struct policy **out, char *err, size_t errlen)
{
	bool new_defaults = flags & POLICY_NEW_DEFAULTS;
	struct policy *p = NULL;
	json_t *file = NULL, *v;
	const char *k;
	size_t i;
	int r = -OCTA_EINVAL;

	if (text && parse_file(text, len, what, &file, err, errlen) < 0)
		goto out;
	p = xcalloc(1, sizeof(*p));
	p->enforce_scope = flags & POLICY_ENFORCE_SCOPE;
	p->rules = xcalloc(ARRAY_SIZE(defaults) + json_object_size(file),
	    sizeof(*p->rules));
	for (i = 0; i < ARRAY_SIZE(defaults); i++) {
		const char *check = defaults[i].check;
		struct buf b;

		if ((v = json_object_get(file, defaults[i].name)) != NULL) {
			add_rule(p, defaults[i].name, json_string_value(v),
			    what);
			json_object_del(file, defaults[i].name);
			continue;
		}
		if (defaults[i].deprecated == NULL || new_defaults) {
			add_rule(p, defaults[i].name, check, "defaults");
			continue;
		}
		buf_init(&b, 4096);
		buf_printf(&b, "(%s) or (%s)", check, defaults[i].deprecated);
		add_rule(p, defaults[i].name, buf_str(&b), "defaults");
		buf_free(&b);
	}
	json_object_foreach(file, k, v)
		add_rule(p, k, json_string_value(v), what);
	qsort(p->rules, p->n, sizeof(*p->rules), rule_cmp);
	*out = p;
	p = NULL;
	r = 0;
out:
	policy_free(p);
	json_decref(file);
	return r;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->rules[i].name);
		pnode_free(p->rules[i].node);
	}
	free(p->rules);
	free(p);
}

/* ---- the process-wide set ---- */

static pthread_mutex_t cur_mu = PTHREAD_MUTEX_INITIALIZER;
static struct policy *cur;
static struct stat cur_st;	/* the file as last loaded */
static int64_t next_check_ms;

/* Builds the set from the configured file. */
static int
load(struct policy **out, struct stat *st, char *err, size_t errlen)
{
	const char *path = cfg.oslo_policy_policy_file;
	char *text = NULL;
	FILE *f = NULL;
	size_t n = 0;
	unsigned flags = 0;
	int r = -OCTA_EINVAL;

	if (cfg.oslo_policy_enforce_new_defaults)
		flags |= POLICY_NEW_DEFAULTS;
	if (cfg.oslo_policy_enforce_scope)
		flags |= POLICY_ENFORCE_SCOPE;
	memset(st, 0, sizeof(*st));
	if (path == NULL || path[0] == '\0')
		return policy_new(NULL, 0, "defaults", flags, out, err,
		    errlen);
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st->st_size > (off_t)POLICY_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
		    POLICY_MAX_FILE);
		goto out;
	}
	text = xmalloc((size_t)st->st_size + 1);
	n = fread(text, 1, (size_t)st->st_size, f);
	text[n] = '\0';
	r = policy_new(text, n, path, flags, out, err, errlen);
out:
	if (f)
		fclose(f);
	free(text);
	return r;
}

static void
release(struct policy *p)
{
	bool last;

	pthread_mutex_lock(&cur_mu);
	last = --p->refs == 0;
	pthread_mutex_unlock(&cur_mu);
	if (last)
		policy_free(p);
}

int
policy_init(void)
{
	struct policy *p;
	struct stat st;
	char err[512] = "";

	if (load(&p, &st, err, sizeof(err)) < 0) {
		log_error("policy file unusable: %s", err);
		return -OCTA_EINVAL;
	}
	pthread_mutex_lock(&cur_mu);
	if (cur && --cur->refs == 0)
		policy_free(cur);
	p->refs = 1;
	cur = p;
	cur_st = st;
	next_check_ms = time_mono_ms() + POLICY_RELOAD_MS;
	pthread_mutex_unlock(&cur_mu);
	log_info("policy loaded rules=%zu file=%s", p->n,
	    cfg.oslo_policy_policy_file && cfg.oslo_policy_policy_file[0] ?
	    cfg.oslo_policy_policy_file : "(defaults)");
	return 0;
}

/* Re-reads the file when it changed; at most once per POLICY_RELOAD_MS. */
static void
maybe_reload(void)
{
	const char *path = cfg.oslo_policy_policy_file;
	struct policy *p;
	struct stat st, nst;
	char err[512] = "";
	int64_t now = time_mono_ms();
	bool due;

	if (path == NULL || path[0] == '\0')
		return;
	pthread_mutex_lock(&cur_mu);
	due = now >= next_check_ms;
	if (due)
		next_check_ms = now + POLICY_RELOAD_MS;
	st = cur_st;
	pthread_mutex_unlock(&cur_mu);
	if (!due || stat(path, &nst) < 0)
		return;
	if (nst.st_mtim.tv_sec == st.st_mtim.tv_sec &&
	    nst.st_mtim.tv_nsec == st.st_mtim.tv_nsec &&
	    nst.st_size == st.st_size && nst.st_ino == st.st_ino)
		return;
	if (load(&p, &nst, err, sizeof(err)) < 0) {
		log_warn("policy file changed but is unusable, rules kept: %s",
		    err);
		pthread_mutex_lock(&cur_mu);
		cur_st = nst;	/* not again until it changes again */
		pthread_mutex_unlock(&cur_mu);
		return;
	}
	p->refs = 1;
	pthread_mutex_lock(&cur_mu);
	if (cur && --cur->refs == 0)
		policy_free(cur);
	cur = p;
	cur_st = nst;
	pthread_mutex_unlock(&cur_mu);
	log_info("policy reloaded rules=%zu file=%s", p->n, path);
}

static struct policy *
acquire(void)
{
	struct policy *p;

	maybe_reload();
	pthread_mutex_lock(&cur_mu);
	p = cur;
	if (p)
		p->refs++;
	pthread_mutex_unlock(&cur_mu);
	return p;
}

bool
policy_allows(const char *rule, const struct policy_creds *c,
    const char *target_project)
{
	struct policy *p = acquire();
	bool ok;

	if (p == NULL) {
		if (policy_init() < 0 || (p = acquire()) == NULL)
			return false;
	}
	ok = policy_enforce(p, rule, c, target_project);
	release(p);
	return ok;
}

bool
policy_defined(const char *rule)
{
	struct policy *p = acquire();
	bool ok;

	if (p == NULL) {
		if (policy_init() < 0 || (p = acquire()) == NULL)
			return false;
	}
	ok = policy_has(p, rule);
	release(p);
	return ok;
}
