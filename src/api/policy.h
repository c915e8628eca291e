/*
 * policy.h - Octavia's RBAC: oslo.policy's rule language, Octavia's
 * default rules, and [oslo_policy] policy_file overrides.
 */
#ifndef OCTA_POLICY_H
#define OCTA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/keystone.h"

/* The caller, as oslo.policy sees it ("credentials"). */
struct policy_creds {
	const struct ks_identity *id;	/* roles, user, project, scope */
	bool is_admin;			/* Octavia's is_admin:True */
};

/* A rule set: Octavia's defaults with a file's rules on top. */
struct policy;

/* policy_new() flags, as [oslo_policy] names them. */
#define POLICY_NEW_DEFAULTS 1u	/* enforce_new_defaults */
#define POLICY_ENFORCE_SCOPE 2u	/* enforce_scope */

/*
 * Builds a rule set.  `text` (may be NULL) is a policy file's contents,
 * YAML ("name": "rule" entries, strictly) or JSON ({"name": "rule"});
 * `what` names it in messages.  A rule that does not parse denies, as in
 * oslo.policy, with a warning.  Without POLICY_NEW_DEFAULTS, a default
 * that Octavia deprecated and the file does not override also accepts its
 * deprecated form.  With POLICY_ENFORCE_SCOPE, a rule that has Octavia's
 * scope_types denies tokens of another scope when enforced directly.
 * 0, or -OCTA_EINVAL with the reason in `err`.
 */
int policy_new(const char *text, size_t len, const char *what,
    unsigned flags, struct policy **out, char *err, size_t errlen);
void policy_free(struct policy *p);
/* True if the rule is defined (by default or by the file). */
bool policy_has(const struct policy *p, const char *rule);
/*
 * Evaluates `rule` for the caller against a target whose project is
 * `target_project` (NULL: none).  An undefined rule denies.
 */
bool policy_enforce(const struct policy *p, const char *rule,
    const struct policy_creds *c, const char *target_project);
/* Parses one check string; true if it is valid (for tests and tools). */
bool policy_rule_valid(const char *text);

/*
 * The process's rule set, from [oslo_policy] policy_file: loaded by
 * policy_init() (-OCTA_EINVAL if the file is set and unusable), then
 * re-read at most once a second when the file's mtime, size or inode
 * changes; a file that stops parsing keeps the rules already in force.
 * Thread-safe.
 */
int policy_init(void);
bool policy_allows(const char *rule, const struct policy_creds *c,
    const char *target_project);
bool policy_defined(const char *rule);

#endif
