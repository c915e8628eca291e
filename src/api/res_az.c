/* res_az.c - routes of the az resource (being written). */
#include "api.h"

const struct api_route api_routes_az[] = {
	{ 0, NULL, NULL },
};
