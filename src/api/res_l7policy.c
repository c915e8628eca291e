/* res_l7policy.c - routes of the l7policy resource (being written). */
#include "api.h"

const struct api_route api_routes_l7policy[] = {
	{ 0, NULL, NULL },
};
