/*
 * service.h - lifecycle rules shared by the API and the worker: locking a
 * load balancer (Octavia's "mutable only when ACTIVE" rule), submitting
 * jobs, quota checks, and the status changes that end every flow.
 */
#ifndef OCTA_SERVICE_H
#define OCTA_SERVICE_H

#include <jansson.h>
#include <stdbool.h>

#include "../db/db.h"
#include "../db/repo.h"

/*
 * Moves the LB from ACTIVE (or ERROR when allow_error) to `to`.
 * -OCTA_ENOTFOUND if missing or DELETED, -OCTA_ECONFLICT if not allowed;
 * *status then holds the status it was in (static string or NULL).
 */
int svc_lb_lock(struct db *db, const char *lb_id, const char *to,
    bool allow_error, char *status, size_t status_len);

/* Sets provisioning_status (and operating_status unless NULL). */
int svc_set_status(struct db *db, const struct resource *res, const char *id,
    const char *prov, const char *oper);

/* Queues a job; runs inside the caller's transaction. */
int svc_job_submit(struct db *db, const char *kind, const char *object_id,
    const char *lb_id, json_t *payload);

/* Quota resources, in Octavia's names. */
enum quota_res {
	Q_LOADBALANCER,
	Q_LISTENER,
	Q_POOL,
	Q_HEALTHMONITOR,
	Q_MEMBER,
	Q_L7POLICY,
	Q_L7RULE,
	Q__COUNT
};
extern const struct quota_info {
	const char *column;	/* quotas table column */
	const char *api;	/* API name (and deprecated alias) */
	const char *alias;
	const char *display;	/* in the 403 message */
	enum resource_kind kind;
} svc_quota_info[Q__COUNT];

/* The configured default limit ([quotas] default_<res>_quota). */
long long svc_quota_default(enum quota_res q);
/* The limit in force for a project (row value or configured default). */
long long svc_quota_limit(struct db *db, const char *project_id,
    enum quota_res q);
/* 0 if `n` more objects fit; -OCTA_EFORBIDDEN otherwise. */
int svc_quota_check(struct db *db, const char *project_id, enum quota_res q,
    int n);

/*
 * Ends a successful flow on an LB: every PENDING_CREATE/PENDING_UPDATE
 * object under it becomes ACTIVE, PENDING_DELETE children are removed.
 */
int svc_lb_tree_activate(struct db *db, const char *lb_id);
/* Ends a failed child flow: the object ERROR, everything else ACTIVE. */
int svc_lb_tree_fail(struct db *db, const char *lb_id,
    const struct resource *res, const char *id);
/* Removes every child row of an LB (cascade delete). */
int svc_lb_children_delete(struct db *db, const char *lb_id);
/*
 * The LB with its children inlined, as render_haproxy() and the amphora
 * drivers take it (lbtree.c): "listeners" (each with "l7policies" by
 * position, each with "rules") and "pools" (each with "members" and
 * "healthmonitor" or null).  Every child row is included, PENDING_DELETE
 * ones too.  Run it in a transaction or read snapshot for one consistent
 * picture.  -OCTA_ENOTFOUND when the LB is missing.
 */
int svc_lb_tree(struct db *db, const char *lb_id, json_t **out);

/*
 * Fills the VIP fields of a new LB (the network driver's API-time part,
 * vip.c).  With network_local_driver it checks vip_port_id /
 * vip_subnet_id / vip_network_id / vip_address and additional_vips
 * against the local tables and allocates the VIP port rows; otherwise it
 * makes values up as the noop driver does.  On error `msg` holds
 * Octavia's message (400 "Subnet X not found.", 409 "The VIP IP address
 * is already in use: ...").
 */
int svc_vip_allocate(struct db *db, json_t *lb, char *msg, size_t msglen);
/* Removes the VIP ports octa made for the LB, unbinds a port the user
 * gave (LB delete, after the amphorae are gone). */
int svc_vip_release(struct db *db, json_t *lb);
/* The port device_id of an LB's VIP ports: "lb-<lb id>". */
void svc_vip_device_id(const char *lb_id, char *out, size_t len);
/* Member subnet_id check: 400 "Subnet X not found." with
 * network_local_driver; always 0 otherwise. */
int svc_member_subnet_check(struct db *db, const char *subnet_id, char *msg,
    size_t msglen);

/*
 * The local network world (network.c, ipam.c; docs/local-world.md):
 * networks, subnets and ports in the network/subnet/port tables.  Rows are
 * JSON objects keyed by column.  Everything runs inside the caller's
 * transaction.
 */
#define SVC_MGMT_NET "lb-mgmt-net"
#define SVC_MGMT_CIDR "172.31.0.0/24"

/* [controller_worker] network_driver is network_local_driver. */
bool svc_net_local(void);
/* [controller_worker] compute_driver is compute_netns_driver. */
bool svc_compute_netns(void);
/* "octa-br-" and the first 7 hex digits of the network id (an interface
 * name has at most 15 characters). */
void svc_bridge_name(const char *network_id, char *out, size_t len);

/* By id, then by name; -OCTA_ENOTFOUND. */
int svc_network_find(struct db *db, const char *key, json_t **out);
int svc_network_list(struct db *db, json_t **out);
/* -OCTA_ECONFLICT if the name is taken; *out may be NULL. */
int svc_network_create(struct db *db, const char *name, json_t **out,
    char *msg, size_t msglen);
/* Deletes the network and its subnets; -OCTA_ECONFLICT while it has
 * ports.  The bridge is the caller's (the network driver's) business. */
int svc_network_delete(struct db *db, const char *id, char *msg,
    size_t msglen);

int svc_subnet_find(struct db *db, const char *key, json_t **out);
/* The subnets of a network (all when NULL), IPv4 first. */
int svc_subnet_list(struct db *db, const char *network_id, json_t **out);
/*
 * `network` is an id or name; `gateway` NULL picks the first usable
 * address, "none" means no gateway; `name` may be NULL.  -OCTA_EINVAL
 * (bad CIDR, gateway outside), -OCTA_ECONFLICT (overlaps a subnet of the
 * same network), -OCTA_ENOTFOUND (no such network); `msg` says which.
 */
int svc_subnet_create(struct db *db, const char *network, const char *cidr,
    const char *gateway, const char *name, json_t **out, char *msg,
    size_t msglen);

/*
 * IPAM (ipam.c).  svc_ipam_allocate picks the lowest free address of
 * `subnet` (a subnet row), never the network address, the IPv4 broadcast
 * address or the gateway, or checks `want` when given.  0 and the
 * canonical text in `out` (>= 46 bytes); -OCTA_EINVAL when `want` is not
 * an allocatable address of the subnet; -OCTA_ECONFLICT when `want` is
 * taken or (want NULL) the subnet is full.  Nothing is written: the port
 * row the caller inserts makes the address taken.
 */
int svc_ipam_allocate(struct db *db, json_t *subnet, const char *want,
    char *out, size_t outlen);
/* The first allocatable address of a CIDR (the default gateway). */
int svc_ipam_first_usable(const char *cidr, char *out, size_t len);
/* The allocatable range of a CIDR (Neutron's allocation pool; the
 * gateway, never handed out, may lie inside). */
int svc_ipam_pool(const char *cidr, char *first, char *last, size_t len);
/* 0 if `gateway` is an allocatable address of `cidr`. */
int svc_ipam_check_gateway(const char *cidr, const char *gateway);
bool svc_ip_in_cidr(const char *ip, const char *cidr);
/* The canonical text of an IP literal (out >= 46 bytes). */
bool svc_ip_canon(const char *ip, char *out, size_t len);

/*
 * Ports.  svc_port_create allocates an address (`want` or any) of the
 * subnet row and a unique fa:16:3e MAC and inserts the row; errors as
 * svc_ipam_allocate.
 */
int svc_port_create(struct db *db, json_t *subnet, const char *want,
    const char *owner, const char *device_id, const char *name,
    json_t **out);
int svc_port_find(struct db *db, const char *id, json_t **out);
int svc_port_list(struct db *db, json_t **out);
int svc_port_delete(struct db *db, const char *id);
/* A port row plus cidr, prefixlen, ip_version, gateway_ip of its subnet
 * and bridge of its network: what the drivers are given. */
int svc_port_driver_obj(struct db *db, json_t *port, json_t **out);

/*
 * Amphora ports, for the worker's flows.  Each is idempotent (an
 * amphora's existing port is returned again) and a no-op returning 0
 * when its driver is not configured, so flows may call them always.
 *
 * svc_amp_mgmt_port (compute_netns_driver): a port on lb-mgmt-net for
 *   amp["id"]; sets amp["lb_network_ip"] and amp["mgmt_port"] (a driver
 *   port object, see svc_port_driver_obj).  Call before compute->build.
 *   -OCTA_ENOTFOUND when lb-mgmt-net or its subnet is missing.
 * svc_amp_vrrp_port (network_local_driver): the amphora's port on the
 *   LB's vip_subnet_id; sets amp vrrp_port_id, vrrp_ip, ha_ip (the VIP),
 *   ha_port_id and amp["vrrp_port"].  Call before network->plug_vip.
 * svc_amp_member_port (network_local_driver): the amphora's port on a
 *   member subnet, as a driver port object for plug_member_network;
 *   -OCTA_ENOTFOUND for an unknown subnet or another network driver.
 * svc_amp_ports_release: deletes every port of the amphora (after
 *   compute->destroy).
 */
int svc_amp_mgmt_port(struct db *db, json_t *amp);
int svc_amp_vrrp_port(struct db *db, json_t *lb, json_t *amp);
int svc_amp_member_port(struct db *db, json_t *amp, const char *subnet_id,
    json_t **out);
int svc_amp_ports_release(struct db *db, const char *amp_id);

#endif
