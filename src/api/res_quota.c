/* res_quota.c - routes of the quota resource (being written). */
#include "api.h"

const struct api_route api_routes_quota[] = {
	{ 0, NULL, NULL },
};
