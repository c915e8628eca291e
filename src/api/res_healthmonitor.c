/* res_healthmonitor.c - routes of the healthmonitor resource (being written). */
#include "api.h"

const struct api_route api_routes_healthmonitor[] = {
	{ 0, NULL, NULL },
};
