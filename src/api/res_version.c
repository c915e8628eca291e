/*
 * res_version.c - version discovery (GET / and GET /v2) and /healthcheck.
 */
#include <event2/buffer.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/config.h"
#include "../common/errors.h"

static const struct {
	const char *id;
	const char *updated;
} versions[] = {
	{ "v2.0", "2016-12-11T00:00:00Z" }, { "v2.1", "2018-04-20T00:00:00Z" },
	{ "v2.2", "2018-07-31T00:00:00Z" }, { "v2.3", "2018-12-18T00:00:00Z" },
	{ "v2.4", "2018-12-19T00:00:00Z" }, { "v2.5", "2019-01-21T00:00:00Z" },
	{ "v2.6", "2019-01-25T00:00:00Z" }, { "v2.7", "2018-01-25T12:00:00Z" },
	{ "v2.8", "2019-02-12T00:00:00Z" }, { "v2.9", "2019-03-04T00:00:00Z" },
	{ "v2.10", "2019-03-05T00:00:00Z" },
	{ "v2.11", "2019-06-24T00:00:00Z" },
	{ "v2.12", "2019-09-11T00:00:00Z" },
	{ "v2.13", "2019-09-13T00:00:00Z" },
	{ "v2.14", "2019-11-10T00:00:00Z" },
	{ "v2.15", "2020-03-10T00:00:00Z" },
	{ "v2.16", "2020-03-15T00:00:00Z" },
	{ "v2.17", "2020-04-29T00:00:00Z" },
	{ "v2.18", "2020-04-29T01:00:00Z" },
	{ "v2.19", "2020-05-12T00:00:00Z" },
	{ "v2.20", "2020-08-02T00:00:00Z" },
	{ "v2.21", "2020-09-03T00:00:00Z" },
	{ "v2.22", "2020-09-04T00:00:00Z" },
	{ "v2.23", "2020-09-07T00:00:00Z" },
	{ "v2.24", "2020-10-15T00:00:00Z" },
	{ "v2.25", "2021-10-02T00:00:00Z" },
	{ "v2.26", "2022-08-29T00:00:00Z" },
	{ "v2.27", "2023-05-05T00:00:00Z" },
	{ "v2.28", "2023-11-08T00:00:00Z" },
	{ "v2.29", "2024-10-15T00:00:00Z" },
	{ "v2.30", "2025-02-26T00:00:00Z" },
};

static int
get_root(struct api_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->ev);
	const char *host = evhttp_find_header(h, "Host");
	const char *proto = evhttp_find_header(h, "X-Forwarded-Proto");
	const char *fhost = evhttp_find_header(h, "X-Forwarded-Host");
	const char *uri = evhttp_request_get_uri(r->ev);
	const char *q = strchr(uri, '?');
	json_t *list = json_array();
	struct buf b;
	size_t i, n = sizeof(versions) / sizeof(versions[0]);

	buf_init(&b, 4096);
	buf_printf(&b, "%s://%s", proto ? proto : api_scheme(),
	    fhost ? fhost : host ? host : "localhost");
	buf_add(&b, uri, q ? (size_t)(q - uri) : strlen(uri));
	if (b.len == 0 || b.p[b.len - 1] != '/')
		buf_addc(&b, '/');
	buf_adds(&b, "v2");
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{ss ss ss s[{ss ss}]}",
		    "id", versions[i].id, "status", i == n - 1 ? "CURRENT" :
		    "SUPPORTED", "updated", versions[i].updated, "links",
		    "href", buf_str(&b), "rel", "self"));
	buf_free(&b);
	api_reply(r, 200, json_pack("{so}", "versions", list));
	return 0;
}

static int
get_v2(struct api_req *r)
{
	api_reply(r, 200, json_string("v2"));
	return 0;
}

/*
 * oslo.middleware's healthcheck: 200 or 503, text by default, JSON or HTML
 * when the Accept header asks for them.  The check is that the database
 * answers.
 */
static int
get_healthcheck(struct api_req *r)
{
	const char *accept = evhttp_find_header(
	    evhttp_request_get_input_headers(r->ev), "Accept");
	const char *reason;
	struct evbuffer *out;
	json_t *row;
	int ok;

	if (!cfg.api_settings_healthcheck_enabled)
		return api_fail(r, OCTA_ENOTFOUND, "The resource could not be "
		    "found.");
	ok = db_query_one(r->db, "SELECT 1 AS ok", NULL, &row) == 0;
	if (ok)
		json_decref(row);
	reason = ok ? "OK" : "The Octavia database is unavailable.";
	if (accept && strstr(accept, "application/json")) {
		api_reply(r, ok ? 200 : 503, json_pack("{sb s[s]}", "detailed",
		    0, "reasons", reason));
		return 0;
	}
	out = evbuffer_new();
	if (accept && strstr(accept, "text/html"))
		evbuffer_add_printf(out, "<HTML><BODY><P>%s</P></BODY></HTML>",
		    reason);
	else
		evbuffer_add_printf(out, "%s", reason);
	evhttp_add_header(evhttp_request_get_output_headers(r->ev),
	    "Content-Type", accept && strstr(accept, "text/html") ?
	    "text/html; charset=UTF-8" : "text/plain; charset=UTF-8");
	r->status = ok ? 200 : 503;
	evhttp_send_reply(r->ev, r->status, NULL, out);
	evbuffer_free(out);
	return 0;
}

const struct api_route api_routes_version[] = {
	{ M_GET, "/", get_root, NULL },
	{ M_GET, "/v2", get_v2, NULL },
	{ M_GET, "/healthcheck", get_healthcheck, NULL },
	{ 0, NULL, NULL, NULL },
};
