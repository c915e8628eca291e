/*
 * routes.h - the amphora API 1.0 route table (contract section 4.2) and
 * the checks on names that come from a URL.
 *
 * Pure functions: the path is split on '/', each segment percent-decoded
 * on its own (so "%2F" never makes a new segment), and matched against the
 * table the way Flask's router does: a static segment wins over a
 * parameter, a path that exists for another method is 405, anything else
 * 404.
 */
#ifndef OCTA_AGENT_ROUTES_H
#define OCTA_AGENT_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

enum agent_route_id {
	AR_VERSION,		/* GET /                                    */
	AR_INFO,		/* GET /1.0/info                            */
	AR_DETAILS,		/* GET /1.0/details                         */
	AR_LISTENERS,		/* GET /1.0/listeners                       */
	AR_CERT_PUT,		/* PUT /1.0/loadbalancer/{lb}/certificates/ */
	AR_CERT_GET,		/* GET    ...                 {filename}    */
	AR_CERT_DELETE,		/* DELETE ...                               */
	AR_HAPROXY_PUT,		/* PUT /1.0/loadbalancer/{amp}/{lb}/haproxy */
	AR_HAPROXY_GET,		/* GET /1.0/loadbalancer/{lb}/haproxy       */
	AR_LB_ACTION,		/* PUT /1.0/loadbalancer/{lb}/{action}      */
	AR_LB_DELETE,		/* DELETE /1.0/listeners/{lb}               */
	AR_PLUG_VIP,		/* POST /1.0/plug/vip/{vip}                 */
	AR_PLUG_NETWORK,	/* POST /1.0/plug/network                   */
	AR_OWN_CERT,		/* PUT /1.0/certificate                     */
	AR_CONFIG,		/* PUT /1.0/config                          */
	AR_VRRP_UPLOAD,		/* PUT /1.0/vrrp/upload                     */
	AR_VRRP_ACTION,		/* PUT /1.0/vrrp/{action}                   */
	AR_INTERFACE,		/* GET /1.0/interface/{ip}                  */
	AR_COUNT
};

enum route_method { RM_GET, RM_PUT, RM_POST, RM_DELETE, RM_OTHER };

#define ROUTE_MAX_PARAMS 3
#define ROUTE_PARAM_MAX 256	/* a decoded segment, with its NUL */

struct route_match {
	enum agent_route_id id;
	size_t nparams;
	char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
};

/*
 * Finds the route of a request path (without the query string).
 * 0 and *m filled; -OCTA_ENOTFOUND when no route has that path;
 * -OCTA_EMETHOD when one does, for another method.
 */
int route_find(enum route_method method, const char *path,
    struct route_match *m);

/* The route's name, for logs. */
const char *route_name(enum agent_route_id id);

/*
 * Names that become file or directory names on the amphora.
 *
 * agent_id_ok: a load balancer, amphora or listener id: 1..64 of
 * [A-Za-z0-9_-] (every UUID, and nothing that can climb out of a
 * directory).
 *
 * agent_cert_name_ok: a certificate file name: 5..255 of [A-Za-z0-9_.-],
 * starting with a letter, digit or '_', ending in ".pem", no "..".
 * Octavia checks only re.search(r'(\w.)+pem'), which also lets
 * "../../x.pem" through; every name its controller sends
 * ("<sha1>.pem", "<listener id>.pem") passes both checks.
 */
bool agent_id_ok(const char *s);
bool agent_cert_name_ok(const char *s);

#endif
