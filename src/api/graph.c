/* graph.c - single-call create of a whole LB graph (being written). */
#include "api.h"
#include "../common/errors.h"

int
api_graph_create(struct api_req *r, json_t *lb)
{
	(void)lb;
	return api_fail(r, OCTA_ENOTIMPL, "Single-call create is not "
	    "implemented yet.");
}
