/* res_listener.c - routes of the listener resource (being written). */
#include "api.h"

const struct api_route api_routes_listener[] = {
	{ 0, NULL, NULL },
};
