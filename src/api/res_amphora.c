/* res_amphora.c - routes of the amphora resource (being written). */
#include "api.h"

const struct api_route api_routes_amphora[] = {
	{ 0, NULL, NULL },
};
