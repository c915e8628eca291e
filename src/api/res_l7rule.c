/*
 * res_l7rule.c - /l7policies/{policy}/rules: create, show, list, update
 * and delete of L7 rules (body key "rule", list key "rules").
 *
 * rule_data() is octavia.common.validate.l7rule_data(): per rule type, the
 * key and value charsets, the compare types allowed and the SSL rule
 * forms.  Octavia compiles REGEX values with Python's re while HAProxy
 * runs PCRE; this C library only offers POSIX, so a regex is checked by
 * regcomp(REG_EXTENDED) after python_to_ere() maps Python's syntax onto
 * it ("(?i)", "(?:", lookarounds, a literal '{') and refuses what POSIX
 * would let through (an unmatched ')', "a**", flags after the start).
 * That is an approximation of Python's re, not a copy.
 *
 * Stricter than Octavia on purpose, as these reach haproxy.cfg: CR or LF
 * anywhere in key or value (Python's "$" lets a trailing newline through
 * the ^[^\r\n]*$ pattern), control characters in a key, and control
 * characters in an SSL_DN_FIELD value.
 *
 * A rule is found under its policy only: another policy's rule is 404.
 * Runs on the API role's event loop, inside the request's transaction.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../service/service.h"

#define L7R model_resource(RES_L7RULE)
#define L7P model_resource(RES_L7POLICY)
#define LISTENER model_resource(RES_LISTENER)

#define MAX_RULES 50

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
is(json_t *o, const char *k, const char *v)
{
	const char *s = str(o, k);

	return s && strcmp(s, v) == 0;
}

/* ---- l7rule_data ---- */

/* "Error parsing L7Rule: <text>", Octavia's L7RuleValidation. */
static int
rule_fail(struct api_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
rule_fail(struct api_req *r, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return api_fail(r, OCTA_EINVAL, "Error parsing L7Rule: %s", text);
}

/* InvalidL7Rule inside L7RuleValidation. */
static int
invalid(struct api_req *r, const char *msg)
{
	return rule_fail(r, "Invalid L7 Rule: %s", msg);
}

static bool
c_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* HTTP_HEADER_NAME_REGEX ("+-." in its class is a range: + , - .) */
static bool
header_name_char(int c)
{
	return c_alnum(c) || (c != '\0' && strchr("!#$%&'*+,-.^_`|~", c));
}

/* HTTP_COOKIE_VALUE_REGEX */
static bool
cookie_value_char(int c)
{
	return c_alnum(c) ||
	    (c != '\0' && strchr("!#$%&'()*+,-./:<=>?@[]^_`{|}~", c));
}

/* HTTP_HEADER_VALUE_REGEX: every visible ASCII character. */
static bool
header_value_char(int c)
{
	return c >= 0x21 && c <= 0x7e;
}

static bool
all_of(const char *s, bool (*ok)(int))
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!ok((unsigned char)*s))
			return false;
	return true;
}

/* Unquoted visible ASCII, or "..." that may also hold spaces and tabs. */
static bool
header_value_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (all_of(s, header_value_char))
		return true;
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return false;
	for (i = 1; i < n - 1; i++)
		if (!header_value_char((unsigned char)s[i]) && s[i] != ' ' &&
		    s[i] != '\t')
			return false;
	return true;
}

/* [\x00-\x1f\x7f-\x9f] (Octavia's INVALID_CONFIG_CHARS_RE) */
static bool
has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return true;
	return false;
}

static size_t
skip_digits(const char *s, size_t i)
{
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Length of a Python {m}, {m,}, {,n}, {m,n} or {,} at s[i]; 0 if none. */
static size_t
brace_quantifier(const char *s, size_t i)
{
	size_t j = skip_digits(s, i + 1);

	if (s[j] == ',')
		j = skip_digits(s, j + 1);
	return s[j] == '}' && j > i + 1 ? j + 1 - i : 0;
}

/*
 * A POSIX ERE with the structure of Python pattern `s`, for the compile
 * check only: extension groups "(?:", "(?P<n>", lookarounds ... become
 * plain groups, inline flags vanish, a '{' that opens no quantifier is a
 * literal, and bracket expressions are copied whole.  What Python (and
 * PCRE) refuse but POSIX takes is refused here: an unmatched ')', a
 * repeated quantifier, inline flags after the start.  *why and *bad then
 * give Python's message and the offset.
 */
static int
python_to_ere(const char *s, struct buf *out, const char **why, size_t *bad)
{
	size_t i = 0, j, n, depth = 0;
	bool start = true;	/* nothing but inline flags so far */
	int rep = 0;	/* 2: after a quantifier, 1: after its modifier */

	while (s[i]) {
		if (s[i] == '{')
			n = brace_quantifier(s, i);
		else
			n = s[i] == '*' || s[i] == '+' || s[i] == '?' ? 1 : 0;
		if (n > 0) {
			if (rep == 2 && (s[i] == '?' || s[i] == '+')) {
				rep = 1;	/* lazy or possessive */
			} else if (rep) {
				*why = "multiple repeat";
				*bad = i;
				return -1;
			} else {
				rep = 2;
			}
			buf_add(out, s + i, n);
			i += n;
			start = false;
			continue;
		}
		rep = 0;
		if (s[i] == '(' && s[i + 1] == '?') {
			j = i + 2;
			if (s[j] && strchr(":=!>", s[j])) {
				j++;
			} else if (s[j] == '<' && (s[j + 1] == '=' ||
			    s[j + 1] == '!')) {
				j += 2;
			} else if (s[j] == 'P' && s[j + 1] == '<' &&
			    strchr(s + j, '>')) {
				j = (size_t)(strchr(s + j, '>') - s) + 1;
			} else if ((s[j] == '#' || (s[j] == 'P' &&
			    s[j + 1] == '=')) && strchr(s + j, ')')) {
				/* a comment or a back reference: no group */
				i = (size_t)(strchr(s + j, ')') - s) + 1;
				start = false;
				continue;
			} else {
				while (s[j] && strchr("aiLmsux-", s[j]))
					j++;
				if (j > i + 2 && s[j] == ')') {
					if (!start) {
						*why = "global flags not at "
						    "the start of the "
						    "expression";
						*bad = i;
						return -1;
					}
					i = j + 1;
					continue;
				}
				if (j > i + 2 && s[j] == ':')
					j++;
				else
					j = i + 1;	/* left for regcomp */
			}
			buf_addc(out, '(');
			depth++;
			i = j;
		} else if (s[i] == '\\' && s[i + 1]) {
			buf_add(out, s + i, 2);
			i += 2;
		} else if (s[i] == '[') {
			j = i + 1;
			if (s[j] == '^')
				j++;
			if (s[j] == ']')
				j++;
			while (s[j] && s[j] != ']')
				j += s[j] == '\\' && s[j + 1] ? 2 : 1;
			j += s[j] ? 1 : 0;
			buf_add(out, s + i, j - i);
			i = j;
		} else if (s[i] == ')' && depth == 0) {
			*why = "unbalanced parenthesis";
			*bad = i;
			return -1;
		} else {
			if (s[i] == '(')
				depth++;
			else if (s[i] == ')')
				depth--;
			if (s[i] == '{')
				buf_addc(out, '\\');
			buf_addc(out, s[i]);
			i++;
		}
		start = false;
	}
	return 0;
}

static int
check_regex(struct api_req *r, const char *value)
{
	const char *why = NULL;
	char err[256];
	struct buf ere;
	size_t bad = 0;
	regex_t re;
	int rc;

	if (has_control(value))
		return rule_fail(r, "Unable to parse regular expression: "
		    "contains control characters");
	/* POSIX ERE stands in for Python's re (see the top of the file). */
	buf_init(&ere, 4096);
	if (python_to_ere(value, &ere, &why, &bad) < 0) {
		buf_free(&ere);
		return rule_fail(r, "Unable to parse regular expression: %s at "
		    "position %zu", why, bad);
	}
	rc = regcomp(&re, buf_str(&ere), REG_EXTENDED | REG_NOSUB);
	buf_free(&ere);
	if (rc != 0) {
		regerror(rc, &re, err, sizeof(err));
		return rule_fail(r, "Unable to parse regular expression: %s",
		    err);
	}
	regfree(&re);
	return 0;
}

/* DISTINGUISHED_NAME_FIELD_REGEX: ^([a-zA-Z][A-Za-z0-9-]*)$ */
static bool
dn_field_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!c_alnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static int
ssl_rule(struct api_req *r, json_t *rule)
{
	const char *type = str(rule, "type"), *key = str(rule, "key");
	const char *value = str(rule, "value"), *p;
	bool has_key = key && *key;
	char msg[512];

	if (strcmp(type, "SSL_CONN_HAS_CERT") == 0) {
		if (has_key)
			snprintf(msg, sizeof(msg), "L7rule type %s does not "
			    "use the \"key\" field.", type);
		else if (strcasecmp(value, "true") != 0)
			snprintf(msg, sizeof(msg), "L7rule value %s is not a "
			    "boolean True string.", value);
		else if (!is(rule, "compare_type", "EQUAL_TO"))
			snprintf(msg, sizeof(msg), "L7rule type %s only "
			    "supports the EQUAL_TO compare type.", type);
		else
			return 0;
		return invalid(r, msg);
	}
	if (strcmp(type, "SSL_VERIFY_RESULT") == 0) {
		for (p = value; *p >= '0' && *p <= '9'; p++)
			;
		if (has_key)
			snprintf(msg, sizeof(msg), "L7rule type %s does not "
			    "use the \"key\" field.", type);
		else if (*p != '\0')
			snprintf(msg, sizeof(msg), "L7rule type %s needs a int "
			    "value, which is >= 0", type);
		else if (!is(rule, "compare_type", "EQUAL_TO"))
			snprintf(msg, sizeof(msg), "L7rule type %s only "
			    "supports the EQUAL_TO compare type.", type);
		else
			return 0;
		return invalid(r, msg);
	}
	/* SSL_DN_FIELD */
	if (is(rule, "compare_type", "REGEX")) {
		int e = check_regex(r, value);

		if (e < 0)
			return e;
	}
	if (!has_key) {
		snprintf(msg, sizeof(msg), "L7rule type %s needs to specify a "
		    "key and a value.", type);
		return invalid(r, msg);
	}
	if (!dn_field_ok(key))
		return invalid(r, "Invalid L7rule distinguished name field.");
	if (has_control(value))
		return rule_fail(r, "Invalid characters in comparison value");
	return 0;
}

/* octavia.common.validate.l7rule_data() on a whole (merged) rule. */
static int
rule_data(struct api_req *r, json_t *rule)
{
	const char *type = str(rule, "type"), *key = str(rule, "key");
	const char *value = str(rule, "value");
	const char *cmp = str(rule, "compare_type");
	bool plain = cmp && (strcmp(cmp, "STARTS_WITH") == 0 ||
	    strcmp(cmp, "ENDS_WITH") == 0 || strcmp(cmp, "CONTAINS") == 0 ||
	    strcmp(cmp, "EQUAL_TO") == 0);
	bool regex = cmp && strcmp(cmp, "REGEX") == 0;

	if (value == NULL || *value == '\0')
		return invalid(r, "L7 rule type requires a value");
	if (key && has_control(key))
		return rule_fail(r, "Invalid characters in key");
	if (type == NULL)
		return invalid(r, "invalid rule type");
	if (strcmp(type, "HEADER") == 0 || strcmp(type, "COOKIE") == 0) {
		bool cookie = strcmp(type, "COOKIE") == 0;

		if (key == NULL || *key == '\0')
			return invalid(r, "L7 rule type requires a key");
		if (!all_of(key, header_name_char))
			return rule_fail(r, "Invalid characters in key");
		if (regex)
			return check_regex(r, value);
		if (!plain)
			return invalid(r, "invalid comparison type for rule "
			    "type");
		if (cookie && !all_of(value, cookie_value_char))
			return rule_fail(r, "Invalid characters in cookie "
			    "value");
		if (!cookie && !header_value_ok(value))
			return rule_fail(r, "Invalid characters in header "
			    "value");
		return 0;
	}
	if (strcmp(type, "HOST_NAME") == 0 || strcmp(type, "PATH") == 0 ||
	    strcmp(type, "FILE_TYPE") == 0) {
		if (strcmp(type, "FILE_TYPE") == 0 && !regex &&
		    !(cmp && strcmp(cmp, "EQUAL_TO") == 0))
			return invalid(r, "invalid comparison type for rule "
			    "type");
		if (regex)
			return check_regex(r, value);
		if (!plain)
			return invalid(r, "invalid comparison type for rule "
			    "type");
		if (!header_value_ok(value))
			return rule_fail(r, "Invalid characters in comparison "
			    "value");
		return 0;
	}
	if (strcmp(type, "SSL_CONN_HAS_CERT") == 0 ||
	    strcmp(type, "SSL_VERIFY_RESULT") == 0 ||
	    strcmp(type, "SSL_DN_FIELD") == 0)
		return ssl_rule(r, rule);
	return invalid(r, "invalid rule type");
}

/* The WSME pattern ^[^\r\n]*$ of key and value, without Python's "$". */
static int
check_fields(struct api_req *r, json_t *rule)
{
	static const char *const names[] = { "key", "value", NULL };
	const char *const *n;
	json_t *v;

	for (n = names; *n; n++) {
		v = json_object_get(rule, *n);
		if (json_is_string(v) && strpbrk(json_string_value(v), "\r\n"))
			return api_bad_field(r, *n, v, "Value should match the "
			    "pattern ^[^\\r\\n]*$");
	}
	return 0;
}

int
api_l7rule_prepare(struct api_req *r, json_t *policy, json_t *rule)
{
	json_t *row;
	int e;

	if ((e = rule_data(r, rule)) < 0)
		return e;
	if ((e = db_query_one(r->db, "SELECT COUNT(*) AS n FROM l7rule WHERE "
	    "l7policy_id = ?", json_pack("[s]", str(policy, "id")),
	    &row)) < 0)
		return api_fail(r, e, "Database error.");
	e = json_integer_value(json_object_get(row, "n")) >= MAX_RULES ?
	    api_fail(r, OCTA_ECONFLICT, "Too many rules on L7 policy %s",
	    str(policy, "id")) : 0;
	json_decref(row);
	if (e < 0)
		return e;
	api_new_row(r, L7R, rule, str(policy, "project_id"));
	json_object_set(rule, "l7policy_id", json_object_get(policy, "id"));
	json_object_set(rule, "loadbalancer_id", json_object_get(policy,
	    "loadbalancer_id"));
	return 0;
}

/* ---- handlers ---- */

/*
 * The policy of the URL, found before anything else, as Octavia's pecan
 * lookup does (its message spells "L7Policy").
 */
static int
load_policy(struct api_req *r, json_t **policy)
{
	int e = repo_get(r->db, L7P, r->args[0], policy);

	if (e == -OCTA_ENOTFOUND)
		return api_fail(r, e, "L7Policy %s not found.", r->args[0]);
	return e < 0 ? api_fail(r, e, "Database error.") : 0;
}

/* A rule of this policy (another policy's rule is 404). */
static int
load_rule(struct api_req *r, json_t **rule)
{
	int e = api_load(r, L7R, r->args[1], rule);

	if (e < 0)
		return e;
	if (!is(*rule, "l7policy_id", r->args[0])) {
		json_decref(*rule);
		*rule = NULL;
		return api_not_found(r, L7R, r->args[1]);
	}
	return 0;
}

static int
authorize(struct api_req *r, json_t *policy)
{
	if (api_can_see(r, str(policy, "project_id")))
		return 0;
	return api_fail(r, OCTA_EFORBIDDEN, "Policy does not allow this "
	    "request to be performed.");
}

/*
 * Octavia's lock for a rule change: the policy must be ACTIVE, then the LB
 * is locked and the listener and policy go PENDING_UPDATE.
 */
static int
lock_policy(struct api_req *r, json_t *policy)
{
	int e;

	if (!is(policy, "provisioning_status", PROV_ACTIVE))
		return api_fail(r, OCTA_ECONFLICT, "L7Policy %s is immutable "
		    "and cannot be updated.", str(policy, "id"));
	if ((e = api_lock_lb(r, str(policy, "loadbalancer_id"))) < 0 ||
	    (e = api_mark_pending(r, LISTENER, str(policy,
	    "listener_id"))) < 0)
		return e;
	return api_mark_pending(r, L7P, str(policy, "id"));
}

static const char *const nullable[] = { "type", "compare_type", "value",
	NULL };

static int
rule_post(struct api_req *r)
{
	json_t *in, *policy = NULL, *rule = NULL;
	int e;

	if ((e = load_policy(r, &policy)) < 0)
		return e;
	if ((e = api_body_root(r, "rule", &in)) < 0 ||
	    (e = api_validate_nullable(r, L7R, in, OP_CREATE, nullable,
	    &rule)) < 0 ||
	    (e = check_fields(r, rule)) < 0 ||
	    (e = api_txn_begin(r)) < 0 ||
	    (e = authorize(r, policy)) < 0 ||
	    (e = api_l7rule_prepare(r, policy, rule)) < 0 ||
	    (e = api_quota(r, str(policy, "project_id"), Q_L7RULE, 1)) < 0 ||
	    (e = lock_policy(r, policy)) < 0)
		goto out;
	if (json_is_null(json_object_get(rule, "compare_type"))) {
		/* only SSL_DN_FIELD gets here; Octavia's database refuses */
		e = invalid(r, "invalid comparison type for rule type");
		goto out;
	}
	if ((e = repo_insert(r->db, L7R, rule)) < 0) {
		e = api_fail(r, e, e == -OCTA_ECONFLICT ? "Already an entity "
		    "with that specified id." : "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "l7rule.create", str(rule, "id"), str(rule,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	api_reply_obj(r, 201, L7R, rule);
out:
	json_decref(policy);
	json_decref(rule);
	return e;
}

static int
rule_get_all(struct api_req *r)
{
	json_t *policy;
	int e;

	if ((e = load_policy(r, &policy)) < 0)
		return e;
	e = authorize(r, policy);
	json_decref(policy);
	if (e < 0)
		return e;
	return api_list(r, L7R, "l7policy_id = ?", json_pack("[s]",
	    r->args[0]));
}

static int
rule_get_one(struct api_req *r)
{
	json_t *policy, *rule;
	int e;

	if ((e = load_policy(r, &policy)) < 0)
		return e;
	json_decref(policy);
	if ((e = load_rule(r, &rule)) < 0)
		return e;
	api_reply_obj(r, 200, L7R, rule);
	json_decref(rule);
	return 0;
}

static int
rule_put(struct api_req *r)
{
	json_t *in, *policy = NULL, *ch = NULL, *rule = NULL, *merged = NULL;
	const char *type;
	int e;

	if ((e = load_policy(r, &policy)) < 0)
		return e;
	if ((e = api_body_root(r, "rule", &in)) < 0 ||
	    (e = api_validate_nullable(r, L7R, in, OP_UPDATE, nullable,
	    &ch)) < 0 ||
	    (e = check_fields(r, ch)) < 0 ||
	    (e = api_txn_begin(r)) < 0 ||
	    (e = load_rule(r, &rule)) < 0 ||
	    (e = authorize(r, policy)) < 0)
		goto out;
	if (json_is_null(json_object_get(ch, "invert")))
		json_object_set_new(ch, "invert", json_false());
	merged = json_deep_copy(rule);
	json_object_update(merged, ch);
	if ((e = rule_data(r, merged)) < 0)
		goto out;
	if (json_is_null(json_object_get(merged, "compare_type"))) {
		e = invalid(r, "invalid comparison type for rule type");
		goto out;
	}
	if ((e = lock_policy(r, policy)) < 0)
		goto out;
	/* The repository drops the key of rule types that have none. */
	type = str(merged, "type");
	if (strcmp(type, "HOST_NAME") == 0 || strcmp(type, "PATH") == 0 ||
	    strcmp(type, "FILE_TYPE") == 0)
		json_object_set_new(ch, "key", json_null());
	json_object_set_new(ch, "provisioning_status",
	    json_string(PROV_PENDING_UPDATE));
	if ((e = repo_update(r->db, L7R, r->args[1], ch)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "l7rule.update", r->args[1], str(rule,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	json_decref(rule);
	rule = NULL;
	if ((e = api_load(r, L7R, r->args[1], &rule)) < 0)
		goto out;
	api_reply_obj(r, 200, L7R, rule);
out:
	json_decref(policy);
	json_decref(ch);
	json_decref(rule);
	json_decref(merged);
	return e;
}

static int
rule_delete(struct api_req *r)
{
	json_t *policy = NULL, *rule = NULL;
	int e;

	if ((e = load_policy(r, &policy)) < 0)
		return e;
	if ((e = api_txn_begin(r)) < 0 ||
	    (e = load_rule(r, &rule)) < 0 ||
	    (e = authorize(r, policy)) < 0 ||
	    (e = lock_policy(r, policy)) < 0)
		goto out;
	if ((e = svc_set_status(r->db, L7R, r->args[1], PROV_PENDING_DELETE,
	    NULL)) < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	if ((e = api_submit(r, "l7rule.delete", r->args[1], str(rule,
	    "loadbalancer_id"), NULL)) < 0)
		goto out;
	api_reply(r, 204, NULL);
out:
	json_decref(policy);
	json_decref(rule);
	return e;
}

const struct api_route api_routes_l7rule[] = {
	{ M_GET, "/l7policies/{}/rules", rule_get_all,
	    "os_load-balancer_api:l7rule:get_all" },
	{ M_POST, "/l7policies/{}/rules", rule_post,
	    "os_load-balancer_api:l7rule:post" },
	{ M_GET, "/l7policies/{}/rules/{}", rule_get_one,
	    "os_load-balancer_api:l7rule:get_one" },
	{ M_PUT, "/l7policies/{}/rules/{}", rule_put,
	    "os_load-balancer_api:l7rule:put" },
	{ M_DELETE, "/l7policies/{}/rules/{}", rule_delete,
	    "os_load-balancer_api:l7rule:delete" },
	{ 0, NULL, NULL, NULL },
};
