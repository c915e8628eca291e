/* TEMPORARY: weak placeholders until the child resource files define these. */
#include "api.h"
#include "../common/errors.h"
#define PENDING(fn, ...) __attribute__((weak)) int fn(__VA_ARGS__) \
	{ return api_fail(r, OCTA_ENOTIMPL, "not implemented yet"); }
PENDING(api_listener_prepare, struct api_req *r, json_t *a, json_t *b)
PENDING(api_pool_prepare, struct api_req *r, json_t *a, json_t *b, json_t *c)
PENDING(api_member_prepare, struct api_req *r, json_t *a, json_t *b)
PENDING(api_hm_prepare, struct api_req *r, json_t *a, json_t *b)
PENDING(api_l7policy_prepare, struct api_req *r, json_t *a, json_t *b)
PENDING(api_l7rule_prepare, struct api_req *r, json_t *a, json_t *b)
__attribute__((weak)) bool api_protocols_compatible(const char *a, const char *b) { return true; }
