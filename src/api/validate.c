/*
 * validate.c - input checks driven by the field tables: unknown or
 * immutable attributes, types, lengths, bounds, enumerations, UUIDs,
 * addresses, CIDRs, and POST defaults.  Messages follow WSME's wording,
 * which Octavia's clients show to users.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../common/util.h"

/* Characters, not bytes, as Python counts them. */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
value_text(json_t *v, char *out, size_t len)
{
	char *s;

	if (v == NULL || json_is_null(v)) {
		snprintf(out, len, "None");
		return;
	}
	if (json_is_string(v)) {
		snprintf(out, len, "%s", json_string_value(v));
		return;
	}
	if (json_is_true(v) || json_is_false(v)) {
		snprintf(out, len, "%s", json_is_true(v) ? "True" : "False");
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(out, len, "%s", s ? s : "?");
	free(s);
}

int
api_bad_field(struct api_req *r, const char *field, json_t *value,
    const char *fmt, ...)
{
	char val[256], why[512];
	va_list ap;

	value_text(value, val, sizeof(val));
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return api_fail(r, OCTA_EINVAL, "Invalid input for field/attribute "
	    "%s. Value: '%s'. %s", field, val, why);
}

static int
one_of(struct api_req *r, const struct field *f, json_t *v,
    const char *const *list)
{
	struct buf b;
	int e;

	buf_init(&b, 4096);
	for (; *list; list++)
		buf_printf(&b, "%s%s", b.len ? ", " : "", *list);
	e = api_bad_field(r, f->name, v, "Value should be one of: %s",
	    buf_str(&b));
	buf_free(&b);
	return e;
}

static int
check_string(struct api_req *r, const struct field *f, json_t *v,
    long long max, const char *what)
{
	size_t n;

	if (!json_is_string(v))
		return api_bad_field(r, what, v, "Wrong type. Expected "
		    "'<class 'str'>', got '%s'", json_is_integer(v) ?
		    "<class 'int'>" : json_is_boolean(v) ? "<class 'bool'>" :
		    "<class 'object'>");
	n = utf8_len(json_string_value(v));
	if (max > 0 && (long long)n > max)
		return api_bad_field(r, what, v, "Value should have a maximum "
		    "character requirement of %lld", max);
	if (f->min > 0 && (long long)n < f->min)
		return api_bad_field(r, what, v, "Value should have a minimum "
		    "character requirement of %lld", f->min);
	return 0;
}

/* Checks one value; *norm receives a normalised copy (new reference). */
static int
check_value(struct api_req *r, const struct field *f, json_t *v,
    json_t **norm)
{
	char canon[UUID_STR_LEN], cidr[128];
	size_t i;
	json_t *e, *list;
	const char *k;
	int err;

	switch (f->type) {
	case FT_STRING:
		if ((err = check_string(r, f, v, f->max, f->name)) < 0)
			return err;
		break;
	case FT_UUID:
		if (!json_is_string(v) ||
		    !uuid_canon(json_string_value(v), canon))
			return api_bad_field(r, f->name, v, "Value should be "
			    "UUID format");
		*norm = json_string(canon);
		return 0;
	case FT_INT:
		/* WSME takes int("50"): some clients send numbers as text. */
		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			size_t n = strlen(s);
			char num[32];
			long long x;

			for (; n && (*s == ' ' || *s == '\t'); n--)
				s++;
			while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			if (n < sizeof(num)) {
				memcpy(num, s, n);
				num[n] = '\0';
				if (parse_ll(num, &x)) {
					json_t *iv = json_integer(x);

					err = check_value(r, f, iv, norm);
					json_decref(iv);
					return err;
				}
			}
		}
		if (!json_is_integer(v))
			return api_bad_field(r, f->name, v, "Wrong type. "
			    "Expected an integer");
		if (json_integer_value(v) < f->min)
			return api_bad_field(r, f->name, v, "Value should be "
			    "greater or equal to %lld", f->min);
		if (f->max && json_integer_value(v) > f->max)
			return api_bad_field(r, f->name, v, "Value should be "
			    "lower or equal to %lld", f->max);
		break;
	case FT_BOOL:
		if (!json_is_boolean(v))
			return api_bad_field(r, f->name, v, "Wrong type. "
			    "Expected a boolean");
		break;
	case FT_ENUM:
		if (!json_is_string(v) ||
		    !model_enum_has(f->enums, json_string_value(v)))
			return one_of(r, f, v, f->enums);
		break;
	case FT_IP:
		if (!json_is_string(v) || !ip_valid(json_string_value(v), NULL))
			return api_bad_field(r, f->name, v, "Value should be "
			    "IPv4 or IPv6 format");
		break;
	case FT_FLOAT:
		if (!json_is_number(v))
			return api_bad_field(r, f->name, v, "Wrong type. "
			    "Expected a number");
		*norm = json_real(json_number_value(v));
		return 0;
	case FT_STRLIST:
	case FT_UUIDLIST:
	case FT_CIDRLIST:
		if (!json_is_array(v))
			return api_bad_field(r, f->name, v, "Value should be a "
			    "list");
		list = json_array();
		json_array_foreach(v, i, e) {
			if (f->type == FT_UUIDLIST) {
				if (!json_is_string(e) || !uuid_canon(
				    json_string_value(e), canon)) {
					json_decref(list);
					return api_bad_field(r, f->name, v,
					    "Value should be UUID format");
				}
				json_array_append_new(list, json_string(canon));
				continue;
			}
			if (f->type == FT_CIDRLIST) {
				if (!json_is_string(e) || !cidr_normalise(
				    json_string_value(e), cidr, sizeof(cidr),
				    NULL)) {
					json_decref(list);
					return api_bad_field(r, f->name, e,
					    "Value should be IPv4 or IPv6 CIDR "
					    "format");
				}
				json_array_append_new(list, json_string(cidr));
				continue;
			}
			if (f->enums && (!json_is_string(e) ||
			    !model_enum_has(f->enums, json_string_value(e)))) {
				json_decref(list);
				return one_of(r, f, e, f->enums);
			}
			if ((err = check_string(r, f, e, f->max, f->name)) < 0) {
				json_decref(list);
				return err;
			}
			json_array_append(list, e);
		}
		*norm = list;
		return 0;
	case FT_DICT:
		if (!json_is_object(v))
			return api_bad_field(r, f->name, v, "Value should be a "
			    "dictionary");
		json_object_foreach(v, k, e)
			if ((err = check_string(r, f, e, f->max, f->name)) < 0)
				return err;
		break;
	case FT_JSON:
	case FT_REFLIST:
	case FT_TIME:
		break;
	}
	*norm = json_incref(v);
	return 0;
}

static bool
accepted(const struct field *f, enum api_op op)
{
	switch (op) {
	case OP_CREATE:
		return f->flags & F_C;
	case OP_UPDATE:
		return f->flags & F_U;
	case OP_GRAPH:
		return f->flags & (F_C | F_GRAPH);
	}
	return false;
}

int
api_validate(struct api_req *r, const struct resource *res, json_t *in,
    enum api_op op, json_t **out)
{
	struct buf unknown;
	json_t *o, *v;
	const char *k;
	size_t i, nunknown = 0;
	int err = 0;

	if (!json_is_object(in))
		return api_fail(r, OCTA_EINVAL, "Invalid input for "
		    "field/attribute %s. Value: 'None'. Mandatory field "
		    "missing.", res->name);
	buf_init(&unknown, 4096);
	json_object_foreach(in, k, v) {
		const struct field *f = model_field(res, k);

		if (strcmp(k, "tenant_id") == 0 && op != OP_UPDATE &&
		    model_field(res, "project_id"))
			continue;
		if (f == NULL || !accepted(f, op)) {
			buf_printf(&unknown, "%s%s", nunknown ? ", " : "", k);
			nunknown++;
		}
	}
	if (nunknown) {
		err = api_fail(r, OCTA_EINVAL, "Unknown attribute%s for "
		    "argument %s: %s", nunknown > 1 ? "s" : "", res->name,
		    buf_str(&unknown));
		buf_free(&unknown);
		return err;
	}
	buf_free(&unknown);
	o = json_object();
	for (i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *norm = NULL;

		if (!accepted(f, op))
			continue;
		v = json_object_get(in, f->name);
		if (v == NULL && strcmp(f->name, "project_id") == 0)
			v = json_object_get(in, "tenant_id");
		if (v == NULL) {
			if (op == OP_UPDATE)
				continue;
			if (f->flags & F_M) {
				err = api_bad_field(r, f->name, NULL,
				    "Mandatory field missing.");
				goto fail;
			}
			if (f->def)
				json_object_set_new(o, f->name,
				    json_loads(f->def, JSON_DECODE_ANY, NULL));
			continue;
		}
		if (json_is_null(v)) {
			if (f->flags & F_NONULL || (op != OP_UPDATE &&
			    f->flags & F_M)) {
				err = op == OP_UPDATE ? api_fail(r, OCTA_EINVAL,
				    "None is not a valid option for %s",
				    f->name) : api_bad_field(r, f->name, v,
				    "Mandatory field missing.");
				goto fail;
			}
			/* admin_state_up: null means false, as in Octavia */
			if (f->type == FT_BOOL &&
			    strcmp(f->name, "admin_state_up") == 0)
				json_object_set_new(o, f->name, json_false());
			else if (op != OP_UPDATE && f->def)
				json_object_set_new(o, f->name,
				    json_loads(f->def, JSON_DECODE_ANY, NULL));
			else
				json_object_set_new(o, f->name, json_null());
			continue;
		}
		if ((err = check_value(r, f, v, &norm)) < 0)
			goto fail;
		json_object_set_new(o, f->name, norm);
	}
	*out = o;
	return 0;
fail:
	json_decref(o);
	return err;
}

/* A value of `f`'s type that passes its checks (see api_validate_nullable). */
static json_t *
placeholder(const struct field *f)
{
	switch (f->type) {
	case FT_INT:
		return json_integer(f->min);
	case FT_ENUM:
		return json_string(f->enums[0]);
	case FT_UUID:
		return json_string("00000000-0000-0000-0000-000000000000");
	case FT_BOOL:
		return json_false();
	case FT_FLOAT:
		return json_real(0);
	default:
		return json_string("x");
	}
}

int
api_validate_nullable(struct api_req *r, const struct resource *res,
    json_t *in, enum api_op op, const char *const *nullable, json_t **out)
{
	json_t *copy, *nulls, *o = NULL, *name;
	const char *const *n;
	size_t i;
	int err;

	if (!json_is_object(in))
		return api_validate(r, res, in, op, out);
	copy = json_deep_copy(in);
	nulls = json_array();
	for (n = nullable; *n; n++) {
		const struct field *f = model_field(res, *n);

		if (f == NULL || !accepted(f, op) ||
		    !json_is_null(json_object_get(copy, *n)))
			continue;
		json_array_append_new(nulls, json_string(*n));
		if (op == OP_UPDATE)
			json_object_del(copy, *n);
		else
			json_object_set_new(copy, *n, placeholder(f));
	}
	err = api_validate(r, res, copy, op, &o);
	if (err == 0) {
		json_array_foreach(nulls, i, name)
			json_object_set_new(o, json_string_value(name),
			    json_null());
		*out = o;
	}
	json_decref(copy);
	json_decref(nulls);
	return err;
}
