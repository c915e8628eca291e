/* res_flavor.c - routes of the flavor resource (being written). */
#include "api.h"

const struct api_route api_routes_flavor[] = {
	{ 0, NULL, NULL },
};
