/* res_neutron.c - routes of the neutron resource (being written). */
#include "api.h"

const struct api_route api_routes_neutron[] = {
	{ 0, NULL, NULL },
};
