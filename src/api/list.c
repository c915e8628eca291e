/*
 * list.c - GET on a collection, with Octavia's list semantics: limit
 * (capped by pagination_max_limit, < 1 or "infinite" meaning none),
 * marker, page_reverse, sort / sort_key+sort_dir, exact-match filters on
 * any attribute (an unknown one is 400), fields=, the four tag filters,
 * and the previous/next links.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../common/xalloc.h"

static const char *const reserved[] = { "limit", "marker", "sort",
	"sort_key", "sort_dir", "fields", "page_reverse", "tags", "tags-any",
	"not-tags", "not-tags-any", NULL };

/*
 * Appends the non-empty comma-separated items of `s` to `out` as strings
 * ("a,,b" gives "a", "b").
 */
static void
split_commas(const char *s, json_t *out)
{
	const char *comma;
	char *item;

	for (; s; s = comma ? comma + 1 : NULL) {
		size_t n;

		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0)
			continue;
		item = xstrndup(s, n);
		json_array_append_new(out, json_string(item));
		free(item);
	}
}

/* Appends the comma-separated items of every `key` parameter. */
static json_t *
multi(struct api_req *r, const char *key)
{
	struct evkeyval *kv;
	json_t *out = NULL;

	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, key) != 0)
			continue;
		if (out == NULL)
			out = json_array();
		split_commas(kv->value, out);
	}
	return out;
}

static bool
sort_dir_valid(const char *dir)
{
	return strcasecmp(dir, "asc") == 0 || strcasecmp(dir, "desc") == 0;
}

/*
 * Octavia also takes its data model's names as filters (openstacksdk
 * sends load_balancer_id, for one); they mean the API field.
 */
static const char *
filter_name(const struct resource *res, const char *key)
{
	static const struct {
		const char *model;
		const char *api;
	} alias[] = {
		{ "load_balancer_id", "loadbalancer_id" },
		{ "enabled", "admin_state_up" },
		{ "ip_address", "address" },
		{ "rise_threshold", "max_retries" },
		{ "fall_threshold", "max_retries_down" },
	};
	size_t i;

	if (model_field(res, key))
		return key;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(key, alias[i].model) == 0 &&
		    model_field(res, alias[i].api))
			return alias[i].api;
	if (strcmp(key, "tls_certificate_id") == 0)
		return res->kind == RES_LISTENER ? "default_tls_container_ref" :
		    "tls_container_ref";
	return key;
}

static int
parse_sort(struct api_req *r, json_t **out)
{
	const char *sort = api_query(r, "sort");
	const char *keys = api_query(r, "sort_key");
	const char *dirs = api_query(r, "sort_dir");
	json_t *list = json_array(), *items = json_array(), *dlist = NULL;
	json_t *v;
	size_t i;
	int e = 0;

	if (sort) {
		/* sort=key1:dir1,key2 */
		split_commas(sort, items);
		json_array_foreach(items, i, v) {
			const char *tok = json_string_value(v);
			const char *colon = strchr(tok, ':');
			const char *dir = colon ? colon + 1 : "asc";
			char *key;

			if (!sort_dir_valid(dir)) {
				e = api_fail(r, OCTA_EINVAL, "Supplied sort "
				    "direction '%s' is not valid.", dir);
				goto out;
			}
			key = colon ? xstrndup(tok, (size_t)(colon - tok)) :
			    xstrdup(tok);
			json_array_append_new(list, json_pack("[ss]", key,
			    dir));
			free(key);
		}
	} else if (keys) {
		/* sort_key=k1,k2&sort_dir=d1,d2 (missing directions: asc) */
		dlist = json_array();
		if (dirs)
			split_commas(dirs, dlist);
		json_array_foreach(dlist, i, v) {
			if (!sort_dir_valid(json_string_value(v))) {
				e = api_fail(r, OCTA_EINVAL, "Supplied sort "
				    "direction '%s' is not valid.",
				    json_string_value(v));
				goto out;
			}
		}
		split_commas(keys, items);
		json_array_foreach(items, i, v) {
			json_t *dir = json_array_get(dlist, i);

			json_array_append_new(list, json_pack("[ss]",
			    json_string_value(v),
			    dir ? json_string_value(dir) : "asc"));
		}
	}
out:
	json_decref(items);
	json_decref(dlist);
	if (e < 0) {
		json_decref(list);
		return e;
	}
	*out = list;
	return 0;
}

static void
add_link(json_t *links, struct api_req *r, const char *rel, long long limit,
    const char *marker, bool reverse)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->ev);
	const char *host = evhttp_find_header(h, "Host");
	const char *uri = evhttp_request_get_uri(r->ev);
	const char *sort = api_query(r, "sort");
	const char *sort_key = api_query(r, "sort_key");
	const char *q = strchr(uri, '?');
	struct buf b;

	buf_init(&b, 8192);
	if (cfg.api_settings_api_base_uri[0])
		buf_adds(&b, cfg.api_settings_api_base_uri);
	else
		buf_printf(&b, "%s://%s", api_scheme(),
		    host ? host : "localhost");
	buf_add(&b, uri, q ? (size_t)(q - uri) : strlen(uri));
	buf_printf(&b, "?limit=%lld", limit);
	if (sort)
		buf_printf(&b, "&sort=%s", sort);
	if (sort_key)
		buf_printf(&b, "&sort_key=%s", sort_key);
	buf_printf(&b, "&marker=%s", marker);
	if (reverse)
		buf_adds(&b, "&page_reverse=True");
	json_array_append_new(links, json_pack("{ss ss}", "href", buf_str(&b),
	    "rel", rel));
	buf_free(&b);
}

static long long
max_limit(void)
{
	long long n;

	if (!parse_ll(cfg.api_settings_pagination_max_limit, &n) || n < 0)
		return -1;
	return n;
}

int
api_list(struct api_req *r, const struct resource *res, const char *where,
    json_t *params)
{
	struct repo_list_query q;
	struct evkeyval *kv;
	const char *limit_s = api_query(r, "limit");
	const char *msg = NULL, *key, *project = NULL;
	json_t *rows = NULL, *out, *links, *obj;
	struct buf w;
	long long limit = -1, maxl = max_limit();
	size_t i;
	bool scoped;
	int e;

	memset(&q, 0, sizeof(q));
	buf_init(&w, 4096);
	q.filters = json_object();
	q.where_params = json_array();
	if (params)
		json_array_extend(q.where_params, params);
	if (where)
		buf_printf(&w, "(%s)", where);
	/* Octavia authorises a list before it reads its parameters. */
	project = api_query(r, "project_id");
	if (project == NULL)
		project = api_query(r, "tenant_id");
	if ((e = api_list_scope(r, project, &project, &scoped)) < 0)
		goto out;
	if (scoped && project) {
		buf_printf(&w, "%sproject_id = ?", w.len ? " AND " : "");
		json_array_append_new(q.where_params, json_string(project));
	}
	if (limit_s) {
		if (strcasecmp(limit_s, "infinite") != 0) {
			if (!parse_ll(limit_s, &limit)) {
				e = api_fail(r, OCTA_EINVAL, "Supplied "
				    "pagination limit '%s' is not valid.",
				    limit_s);
				goto out;
			}
			if (limit < 1)
				limit = -1;
			else if (maxl >= 0 && limit > maxl)
				limit = maxl;
		}
	} else {
		limit = maxl;
	}
	q.limit = limit;
	q.marker = api_query(r, "marker");
	q.page_reverse = api_query(r, "page_reverse") &&
	    strcmp(api_query(r, "page_reverse"), "True") == 0;
	if ((e = parse_sort(r, &q.sort)) < 0)
		goto out;
	json_array_foreach(q.sort, i, obj) {
		const char *k = json_string_value(json_array_get(obj, 0));

		if (!repo_sortable(res, k)) {
			e = api_fail(r, OCTA_EINVAL, "Supplied sort key '%s' is "
			    "not valid.", k);
			goto out;
		}
	}
	q.tags_all = multi(r, "tags");
	q.tags_any = multi(r, "tags-any");
	q.not_tags_all = multi(r, "not-tags");
	q.not_tags_any = multi(r, "not-tags-any");
	TAILQ_FOREACH(kv, &r->query, next) {
		if (model_enum_has(reserved, kv->key))
			continue;
		if (strcmp(kv->key, "project_id") == 0 ||
		    strcmp(kv->key, "tenant_id") == 0) {
			/* A scoped list has it in `w` already. */
			if (!scoped)
				json_object_set_new(q.filters, "project_id",
				    json_string(kv->value));
			continue;
		}
		key = filter_name(res, kv->key);
		if (json_object_get(q.filters, key)) {
			e = api_fail(r, OCTA_EINVAL, "One or more arguments are "
			    "either duplicate or invalid");
			goto out;
		}
		json_object_set_new(q.filters, key,
		    json_string(kv->value));
	}
	q.where = w.len ? buf_str(&w) : NULL;
	e = repo_list(r->db, res, &q, &rows, &msg);
	if (e == -OCTA_EINVAL) {
		if (msg && strcmp(msg, "sort") == 0)
			e = api_fail(r, e, "Supplied sort key is not valid.");
		else if (msg && strcmp(msg, "marker") == 0)
			e = api_fail(r, e, "Supplied pagination marker '%s' is "
			    "not valid.", q.marker);
		else
			e = api_fail(r, e, "%s", msg ? msg : "Invalid query.");
		goto out;
	}
	if (e < 0) {
		e = api_fail(r, e, "Database error.");
		goto out;
	}
	out = json_array();
	api_decorate_many(r, res, rows);
	/* Links need the first and last keys: take them before reshaping. */
	links = json_array();
	if (json_array_size(rows) > 0) {
		const char *first = json_string_value(json_object_get(
		    json_array_get(rows, 0), res->key));
		const char *last = json_string_value(json_object_get(
		    json_array_get(rows, json_array_size(rows) - 1), res->key));

		if (q.marker)
			add_link(links, r, "previous", limit, first, true);
		if (limit < 0 || (long long)json_array_size(rows) == limit)
			add_link(links, r, "next", limit, last, false);
	}
	json_array_foreach(rows, i, obj)
		json_array_append_new(out, api_view_move(r, res, obj));
	api_reply(r, 200, json_pack("{so so}", res->plural, out, res->links,
	    links));
	e = 0;
out:
	json_decref(rows);
	json_decref(q.filters);
	json_decref(q.where_params);
	json_decref(q.sort);
	json_decref(q.tags_all);
	json_decref(q.tags_any);
	json_decref(q.not_tags_all);
	json_decref(q.not_tags_any);
	buf_free(&w);
	return e;
}
