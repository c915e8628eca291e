/*
 * test_api_validate.c - src/api/validate.c: request bodies checked against
 * the field tables, with WSME's messages (Octavia's clients show them).
 *
 * api_validate only touches r->msg, so a zeroed struct api_req stands in
 * for a request.  Each case is a body, the operation, and either the
 * expected error message or the expected normalised output.
 */
#include <stdbool.h>

#include "unit.h"

#include "api/api.h"
#include "common/errors.h"
#include "model/model.h"

#define SUBNET "5a2e3f6a-7d7b-4c8e-9a8c-1f2e3d4c5b6a"
#define LBID "6b3f4a7b-8e8c-4d9f-ab9d-2a3f4e5d6c7b"

/* Validates `body` (JSON text); returns the error or 0 and *out. */
static int
run(enum resource_kind kind, const char *body, enum api_op op,
    struct api_req *r, json_t **out)
{
	json_error_t jerr;
	json_t *in = json_loads(body, JSON_DECODE_ANY, &jerr);
	int e;

	if (in == NULL)
		fail_msg("bad test body %s: %s", body, jerr.text);
	memset(r, 0, sizeof(*r));
	*out = NULL;
	e = api_validate(r, model_resource(kind), in, op, out);
	json_decref(in);
	if (e == 0)
		assert_non_null(*out);
	else
		assert_null(*out);
	return e;
}

/* ---- rejected bodies and their messages ---- */

static const struct {
	enum resource_kind kind;
	enum api_op op;
	const char *body;
	const char *msg;
} bad_cases[] = {
	/* unknown and immutable attributes */
	{ RES_LOADBALANCER, OP_CREATE,
	    "{\"vip_subnet_id\": \"" SUBNET "\", \"bogus\": 1}",
	    "Unknown attribute for argument loadbalancer: bogus" },
	{ RES_LOADBALANCER, OP_CREATE,
	    "{\"bogus\": 1, \"vip_subnet_id\": \"" SUBNET "\", \"nope\": 2}",
	    "Unknown attributes for argument loadbalancer: bogus, nope" },
	{ RES_LOADBALANCER, OP_CREATE,
	    "{\"provisioning_status\": \"ACTIVE\"}",
	    "Unknown attribute for argument loadbalancer: "
	    "provisioning_status" },
	{ RES_LOADBALANCER, OP_CREATE, "{\"id\": \"" SUBNET "\"}",
	    "Unknown attribute for argument loadbalancer: id" },
	/* graph-only fields outside a graph create */
	{ RES_LOADBALANCER, OP_CREATE, "{\"listeners\": []}",
	    "Unknown attribute for argument loadbalancer: listeners" },
	{ RES_LOADBALANCER, OP_UPDATE, "{\"vip_address\": \"10.0.0.1\"}",
	    "Unknown attribute for argument loadbalancer: vip_address" },
	{ RES_LOADBALANCER, OP_UPDATE, "{\"project_id\": \"p\"}",
	    "Unknown attribute for argument loadbalancer: project_id" },
	{ RES_LOADBALANCER, OP_UPDATE, "{\"tenant_id\": \"p\"}",
	    "Unknown attribute for argument loadbalancer: tenant_id" },
	{ RES_LISTENER, OP_UPDATE, "{\"protocol\": \"TCP\"}",
	    "Unknown attribute for argument listener: protocol" },
	{ RES_MEMBER, OP_UPDATE, "{\"address\": \"10.0.0.1\"}",
	    "Unknown attribute for argument member: address" },
	{ RES_L7RULE, OP_CREATE, "{\"name\": \"x\"}",
	    "Unknown attribute for argument rule: name" },

	/* mandatory fields */
	{ RES_LISTENER, OP_CREATE,
	    "{\"protocol_port\": 80, \"loadbalancer_id\": \"" LBID "\"}",
	    "Invalid input for field/attribute protocol. Value: 'None'. "
	    "Mandatory field missing." },
	{ RES_LISTENER, OP_CREATE, "{\"protocol\": null, \"protocol_port\": "
	    "80, \"loadbalancer_id\": \"" LBID "\"}",
	    "Invalid input for field/attribute protocol. Value: 'None'. "
	    "Mandatory field missing." },
	{ RES_MEMBER, OP_CREATE, "{\"address\": \"10.0.0.1\"}",
	    "Invalid input for field/attribute protocol_port. Value: 'None'. "
	    "Mandatory field missing." },
	{ RES_HEALTHMONITOR, OP_CREATE, "{}",
	    "Invalid input for field/attribute type. Value: 'None'. "
	    "Mandatory field missing." },

	/* integer bounds and types */
	{ RES_MEMBER, OP_CREATE,
	    "{\"address\": \"10.0.0.1\", \"protocol_port\": 0}",
	    "Invalid input for field/attribute protocol_port. Value: '0'. "
	    "Value should be greater or equal to 1" },
	{ RES_MEMBER, OP_CREATE,
	    "{\"address\": \"10.0.0.1\", \"protocol_port\": 65536}",
	    "Invalid input for field/attribute protocol_port. Value: '65536'. "
	    "Value should be lower or equal to 65535" },
	{ RES_MEMBER, OP_UPDATE, "{\"weight\": 257}",
	    "Invalid input for field/attribute weight. Value: '257'. "
	    "Value should be lower or equal to 256" },
	{ RES_MEMBER, OP_UPDATE, "{\"weight\": -1}",
	    "Invalid input for field/attribute weight. Value: '-1'. "
	    "Value should be greater or equal to 0" },
	{ RES_LISTENER, OP_UPDATE, "{\"connection_limit\": -2}",
	    "Invalid input for field/attribute connection_limit. Value: '-2'. "
	    "Value should be greater or equal to -1" },
	{ RES_LISTENER, OP_UPDATE, "{\"timeout_client_data\": 2073600001}",
	    "Invalid input for field/attribute timeout_client_data. "
	    "Value: '2073600001'. Value should be lower or equal to "
	    "2073600000" },
	{ RES_HEALTHMONITOR, OP_UPDATE, "{\"max_retries\": 11}",
	    "Invalid input for field/attribute max_retries. Value: '11'. "
	    "Value should be lower or equal to 10" },
	{ RES_MEMBER, OP_UPDATE, "{\"weight\": 1.5}",
	    "Invalid input for field/attribute weight. Value: '1.5'. "
	    "Wrong type. Expected an integer" },
	{ RES_MEMBER, OP_UPDATE, "{\"backup\": \"yes\"}",
	    "Invalid input for field/attribute backup. Value: 'yes'. "
	    "Wrong type. Expected a boolean" },

	/* enumerations */
	{ RES_LISTENER, OP_CREATE, "{\"protocol\": \"FTP\", \"protocol_port\": "
	    "21, \"loadbalancer_id\": \"" LBID "\"}",
	    "Invalid input for field/attribute protocol. Value: 'FTP'. "
	    "Value should be one of: HTTP, HTTPS, TCP, TERMINATED_HTTPS, UDP, "
	    "SCTP, PROMETHEUS" },
	{ RES_LISTENER, OP_CREATE, "{\"protocol\": \"http\", "
	    "\"protocol_port\": 80, \"loadbalancer_id\": \"" LBID "\"}",
	    "Invalid input for field/attribute protocol. Value: 'http'. "
	    "Value should be one of: HTTP, HTTPS, TCP, TERMINATED_HTTPS, UDP, "
	    "SCTP, PROMETHEUS" },
	{ RES_POOL, OP_UPDATE, "{\"lb_algorithm\": \"RANDOM\"}",
	    "Invalid input for field/attribute lb_algorithm. Value: 'RANDOM'. "
	    "Value should be one of: ROUND_ROBIN, LEAST_CONNECTIONS, "
	    "SOURCE_IP, SOURCE_IP_PORT" },
	{ RES_LISTENER, OP_UPDATE, "{\"tls_versions\": [\"TLSv1.2\", "
	    "\"TLSv9\"]}",
	    "Invalid input for field/attribute tls_versions. Value: 'TLSv9'. "
	    "Value should be one of: SSLv3, TLSv1, TLSv1.1, TLSv1.2, "
	    "TLSv1.3" },

	/* UUIDs, addresses, CIDRs */
	{ RES_LOADBALANCER, OP_CREATE, "{\"vip_subnet_id\": \"nope\"}",
	    "Invalid input for field/attribute vip_subnet_id. Value: 'nope'. "
	    "Value should be UUID format" },
	{ RES_LOADBALANCER, OP_CREATE, "{\"vip_subnet_id\": 12}",
	    "Invalid input for field/attribute vip_subnet_id. Value: '12'. "
	    "Value should be UUID format" },
	{ RES_LOADBALANCER, OP_UPDATE, "{\"vip_sg_ids\": [\"" SUBNET
	    "\", \"x\"]}",
	    "Invalid input for field/attribute vip_sg_ids. Value: "
	    "'[\"" SUBNET "\",\"x\"]'. Value should be UUID format" },
	{ RES_LOADBALANCER, OP_CREATE, "{\"vip_address\": \"10.0.0.256\"}",
	    "Invalid input for field/attribute vip_address. "
	    "Value: '10.0.0.256'. Value should be IPv4 or IPv6 format" },
	{ RES_MEMBER, OP_CREATE, "{\"address\": \"host.example\", "
	    "\"protocol_port\": 80}",
	    "Invalid input for field/attribute address. "
	    "Value: 'host.example'. Value should be IPv4 or IPv6 format" },
	{ RES_LISTENER, OP_UPDATE,
	    "{\"allowed_cidrs\": [\"10.0.0.0/8\", \"10.0.0.0/33\"]}",
	    "Invalid input for field/attribute allowed_cidrs. "
	    "Value: '10.0.0.0/33'. Value should be IPv4 or IPv6 CIDR format" },
	{ RES_LISTENER, OP_UPDATE, "{\"allowed_cidrs\": \"10.0.0.0/8\"}",
	    "Invalid input for field/attribute allowed_cidrs. "
	    "Value: '10.0.0.0/8'. Value should be a list" },
	{ RES_LISTENER, OP_UPDATE, "{\"insert_headers\": [\"a\"]}",
	    "Invalid input for field/attribute insert_headers. "
	    "Value: '[\"a\"]'. Value should be a dictionary" },

	/* string lengths, in characters */
	{ RES_LOADBALANCER, OP_UPDATE, "{\"name\": 5}",
	    "Invalid input for field/attribute name. Value: '5'. "
	    "Wrong type. Expected '<class 'str'>', got '<class 'int'>'" },
	{ RES_HEALTHMONITOR, OP_UPDATE, "{\"domain_name\": \"\"}",
	    "Invalid input for field/attribute domain_name. Value: ''. "
	    "Value should have a minimum character requirement of 1" },

	/* null where it is not allowed */
	{ RES_POOL, OP_UPDATE, "{\"lb_algorithm\": null}",
	    "None is not a valid option for lb_algorithm" },
	{ RES_HEALTHMONITOR, OP_UPDATE, "{\"delay\": null}",
	    "None is not a valid option for delay" },

	/* not an object at all */
	{ RES_LOADBALANCER, OP_CREATE, "[]",
	    "Invalid input for field/attribute loadbalancer. Value: 'None'. "
	    "Mandatory field missing." },
	{ RES_LOADBALANCER, OP_CREATE, "\"x\"",
	    "Invalid input for field/attribute loadbalancer. Value: 'None'. "
	    "Mandatory field missing." },
};

static void
test_bad(void **state)
{
	struct api_req r;
	json_t *out;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		int e = run(bad_cases[i].kind, bad_cases[i].body,
		    bad_cases[i].op, &r, &out);

		if (e != -OCTA_EINVAL)
			fail_msg("case %zu %s: got %d, want -OCTA_EINVAL", i,
			    bad_cases[i].body, e);
		if (strcmp(r.msg, bad_cases[i].msg) != 0)
			fail_msg("case %zu %s:\n  got:  %s\n  want: %s", i,
			    bad_cases[i].body, r.msg, bad_cases[i].msg);
		json_decref(out);
	}
}

/* ---- accepted bodies and what they become ---- */

static const struct {
	enum resource_kind kind;
	enum api_op op;
	const char *body;
	const char *want;	/* fields of the output that must equal */
	const char *absent;	/* comma-separated fields not in the output */
} good_cases[] = {
	/* UUIDs are normalised: lower case, dashes */
	{ RES_LOADBALANCER, OP_CREATE,
	    "{\"vip_subnet_id\": \"5A2E3F6A7D7B4C8E9A8C1F2E3D4C5B6A\"}",
	    "{\"vip_subnet_id\": \"" SUBNET "\"}", NULL },
	{ RES_LOADBALANCER, OP_UPDATE,
	    "{\"vip_sg_ids\": [\"5A2E3F6A7D7B4C8E9A8C1F2E3D4C5B6A\"]}",
	    "{\"vip_sg_ids\": [\"" SUBNET "\"]}", NULL },
	/* CIDRs are normalised to their network */
	{ RES_LISTENER, OP_UPDATE,
	    "{\"allowed_cidrs\": [\"10.0.0.7/24\", \"2001:DB8::1/64\"]}",
	    "{\"allowed_cidrs\": [\"10.0.0.0/24\", \"2001:db8::/64\"]}",
	    NULL },
	/* defaults filled on create */
	{ RES_LOADBALANCER, OP_CREATE, "{\"vip_subnet_id\": \"" SUBNET "\"}",
	    "{\"admin_state_up\": true, \"vip_sg_ids\": [], \"tags\": [], "
	    "\"additional_vips\": []}",
	    "name,description,vip_address,provider,vip_vnic_type,id" },
	{ RES_LISTENER, OP_CREATE, "{\"protocol\": \"HTTP\", "
	    "\"protocol_port\": 80, \"loadbalancer_id\": \"" LBID "\"}",
	    "{\"protocol\": \"HTTP\", \"protocol_port\": 80, "
	    "\"loadbalancer_id\": \"" LBID "\", \"connection_limit\": -1, "
	    "\"admin_state_up\": true, \"client_authentication\": \"NONE\", "
	    "\"hsts_include_subdomains\": false, \"hsts_preload\": false, "
	    "\"insert_headers\": {}, \"sni_container_refs\": [], "
	    "\"tags\": []}",
	    "timeout_client_data,default_pool_id,allowed_cidrs" },
	{ RES_MEMBER, OP_CREATE,
	    "{\"address\": \"192.0.2.1\", \"protocol_port\": 80}",
	    "{\"weight\": 1, \"backup\": false, \"admin_state_up\": true, "
	    "\"request_sriov\": false}", "pool_id,vnic_type" },
	{ RES_HEALTHMONITOR, OP_CREATE, "{\"type\": \"HTTP\", \"pool_id\": \""
	    LBID "\", \"delay\": 5, \"timeout\": 3, \"max_retries\": 1}",
	    "{\"max_retries_down\": 3}", "http_method,url_path" },
	/* no defaults on update: only what was sent */
	{ RES_LOADBALANCER, OP_UPDATE, "{\"name\": \"x\"}", "{\"name\": \"x\"}",
	    "admin_state_up,tags,vip_sg_ids,description" },
	{ RES_LISTENER, OP_UPDATE, "{}", "{}",
	    "connection_limit,admin_state_up" },
	/* null on update: "reset"; the resource code maps it to defaults */
	{ RES_LISTENER, OP_UPDATE, "{\"connection_limit\": null, "
	    "\"name\": null, \"default_pool_id\": null}",
	    "{\"connection_limit\": null, \"name\": null, "
	    "\"default_pool_id\": null}", NULL },
	/* admin_state_up null is false, on create and update (Octavia) */
	{ RES_LOADBALANCER, OP_UPDATE, "{\"admin_state_up\": null}",
	    "{\"admin_state_up\": false}", NULL },
	{ RES_LOADBALANCER, OP_CREATE, "{\"admin_state_up\": null}",
	    "{\"admin_state_up\": false}", NULL },
	/* null on create for an optional field: its default, or null */
	{ RES_MEMBER, OP_CREATE, "{\"address\": \"192.0.2.1\", "
	    "\"protocol_port\": 80, \"weight\": null, \"name\": null}",
	    "{\"weight\": 1, \"name\": null}", NULL },
	/* tenant_id is project_id on create */
	{ RES_LOADBALANCER, OP_CREATE, "{\"tenant_id\": \"proj-1\"}",
	    "{\"project_id\": \"proj-1\"}", "tenant_id" },
	{ RES_LOADBALANCER, OP_CREATE, "{\"tenant_id\": \"t\", "
	    "\"project_id\": \"p\"}", "{\"project_id\": \"p\"}", "tenant_id" },
	/* integer bounds are inclusive */
	{ RES_MEMBER, OP_UPDATE, "{\"weight\": 0}", "{\"weight\": 0}", NULL },
	{ RES_MEMBER, OP_UPDATE, "{\"weight\": 256}", "{\"weight\": 256}",
	    NULL },
	{ RES_MEMBER, OP_CREATE, "{\"address\": \"2001:db8::1\", "
	    "\"protocol_port\": 65535}", "{\"protocol_port\": 65535}", NULL },
	{ RES_LISTENER, OP_UPDATE, "{\"connection_limit\": -1}",
	    "{\"connection_limit\": -1}", NULL },
	/* floats accept integers */
	{ RES_HEALTHMONITOR, OP_UPDATE, "{\"http_version\": 1}",
	    "{\"http_version\": 1.0}", NULL },
	/* graph create accepts the graph-only fields */
	{ RES_LOADBALANCER, OP_GRAPH,
	    "{\"listeners\": [{\"protocol\": \"HTTP\"}], \"pools\": []}",
	    "{\"listeners\": [{\"protocol\": \"HTTP\"}], \"pools\": []}",
	    NULL },
	{ RES_LISTENER, OP_UPDATE, "{\"insert_headers\": "
	    "{\"X-Forwarded-For\": \"true\"}}",
	    "{\"insert_headers\": {\"X-Forwarded-For\": \"true\"}}", NULL },
};

static void
test_good(void **state)
{
	struct api_req r;
	json_t *out, *want, *v;
	const char *k;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good_cases); i++) {
		int e = run(good_cases[i].kind, good_cases[i].body,
		    good_cases[i].op, &r, &out);

		if (e != 0)
			fail_msg("case %zu %s: rejected: %s", i,
			    good_cases[i].body, r.msg);
		want = json_loads(good_cases[i].want, 0, NULL);
		assert_non_null(want);
		json_object_foreach(want, k, v) {
			json_t *got = json_object_get(out, k);

			if (got == NULL || !json_equal(got, v)) {
				char *gs = got ? json_dumps(got,
				    JSON_ENCODE_ANY) : NULL;

				fail_msg("case %zu %s: %s = %s, want %s", i,
				    good_cases[i].body, k, gs ? gs : "absent",
				    json_dumps(v, JSON_ENCODE_ANY));
			}
		}
		if (good_cases[i].absent) {
			char *list = strdup(good_cases[i].absent), *p = list;
			char *comma;

			for (; p; p = comma ? comma + 1 : NULL) {
				if ((comma = strchr(p, ',')) != NULL)
					*comma = '\0';
				if (json_object_get(out, p))
					fail_msg("case %zu %s: %s should be "
					    "absent", i, good_cases[i].body, p);
			}
			free(list);
		}
		if (good_cases[i].op == OP_UPDATE &&
		    json_object_size(out) != json_object_size(want))
			fail_msg("case %zu %s: update output has %zu fields, "
			    "want %zu", i, good_cases[i].body,
			    json_object_size(out), json_object_size(want));
		json_decref(want);
		json_decref(out);
	}
}

/*
 * Lengths are counted in characters as Python does: 255 two-byte or
 * four-byte characters are a valid name, 256 are not.
 */
static void
test_string_length(void **state)
{
	static const struct {
		const char *ch;	/* one character, UTF-8 */
		int count;
		bool ok;
	} cases[] = {
		{ "a", 255, true }, { "a", 256, false },
		{ "\xc3\xa9", 255, true }, { "\xc3\xa9", 256, false },
		{ "\xe2\x82\xac", 255, true }, { "\xe2\x82\xac", 256, false },
		{ "\xf0\x9f\x98\x80", 255, true },
		{ "\xf0\x9f\x98\x80", 256, false },
		{ "a", 0, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct api_req r;
		json_t *in, *out = NULL;
		size_t w = strlen(cases[i].ch);
		char *s = calloc(1, w * (size_t)cases[i].count + 1);
		int j, e;

		assert_non_null(s);
		for (j = 0; j < cases[i].count; j++)
			memcpy(s + w * (size_t)j, cases[i].ch, w);
		in = json_pack("{ss}", "name", s);
		assert_non_null(in);
		memset(&r, 0, sizeof(r));
		e = api_validate(&r, model_resource(RES_LOADBALANCER), in,
		    OP_UPDATE, &out);
		if ((e == 0) != cases[i].ok)
			fail_msg("%d x \"%s\": got %d (%s)", cases[i].count,
			    cases[i].ch, e, r.msg);
		if (e == 0) {
			assert_string_equal(json_string_value(json_object_get(
			    out, "name")), s);
		} else {
			assert_non_null(strstr(r.msg, "Value should have a "
			    "maximum character requirement of 255"));
		}
		json_decref(out);
		json_decref(in);
		free(s);
	}
}

/* A failed validation never hands out a partial object. */
static void
test_no_partial_output(void **state)
{
	struct api_req r;
	json_t *out = (json_t *)0x1;
	json_t *in = json_pack("{ss si}", "address", "192.0.2.1",
	    "protocol_port", 0);

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(api_validate(&r, model_resource(RES_MEMBER), in,
	    OP_CREATE, &out), -OCTA_EINVAL);
	assert_ptr_equal(out, (json_t *)0x1);	/* untouched on failure */
	json_decref(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_string_length),
		cmocka_unit_test(test_no_partial_output),
	};

	return cmocka_run_group_tests_name("api/validate", tests, NULL, NULL);
}
