/* res_l7rule.c - routes of the l7rule resource (being written). */
#include "api.h"

const struct api_route api_routes_l7rule[] = {
	{ 0, NULL, NULL },
};
