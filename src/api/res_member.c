/* res_member.c - routes of the member resource (being written). */
#include "api.h"

const struct api_route api_routes_member[] = {
	{ 0, NULL, NULL },
};
