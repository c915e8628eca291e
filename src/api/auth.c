/*
 * auth.c - who may see what.  In noauth mode every caller is admin, as in
 * Octavia; the Keystone strategy and Octavia's policy rules come later and
 * plug in here, so that policy is decided in one place.
 */
#include <string.h>

#include "api.h"

bool
api_can_see(struct api_req *r, const char *project_id)
{
	if (r->auth.is_admin)
		return true;
	return project_id && strcmp(project_id, r->auth.project_id) == 0;
}
