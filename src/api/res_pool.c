/* res_pool.c - routes of the pool resource (being written). */
#include "api.h"

const struct api_route api_routes_pool[] = {
	{ 0, NULL, NULL },
};
