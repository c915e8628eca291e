/*
 * drivers.h - the outside world as driver tables, chosen by the names
 * octavia.conf uses ([controller_worker] compute_driver = ... and so on).
 * Every kind has a noop driver that succeeds without doing anything, so the
 * API and worker can run alone.
 *
 * Objects are passed as JSON (the model's representation).  Every call must
 * be idempotent: a flow resumed after a crash repeats its last step.
 */
#ifndef OCTA_DRIVERS_H
#define OCTA_DRIVERS_H

#include <jansson.h>

struct compute_driver {
	const char *name;
	/*
	 * Boots (or finds) the amphora's instance; sets compute_id and
	 * lb_network_ip in `amp` (noop: made up).
	 *
	 * compute_netns_driver (docs/local-world.md "Amphorae") makes the
	 * namespace octa-amp-<8 hex of amp id>, lo up, a veth oa<8hex>m on
	 * the management bridge whose peer is eth0 inside, with the MAC and
	 * address of amp["mgmt_port"]; writes
	 * <state_dir>/amphorae/<amp id>/agent.conf and starts octa-agent in
	 * the namespace (its pid in agent.pid there; it outlives the
	 * worker).  It needs in `amp`:
	 *   "id"           the amphora id (a UUID)
	 *   "mgmt_port"    the management port as svc_amp_mgmt_port() sets
	 *                  it (together with lb_network_ip): ip_address,
	 *                  mac_address, prefixlen, bridge, gateway_ip (the
	 *                  controller's address)
	 *   "agent_conf"   optional object:
	 *     "server_pem"   the amphora's server certificate and key (PEM);
	 *                    without it one is issued from the local
	 *                    amphora CA ([certificates] cert_dir) and
	 *                    amp["cert_expiration"] is set
	 *     "start_agent"  false: plumbing only (tests); default true
	 *     "config"       {section: {key: value}} added to or replacing
	 *                    keys of agent.conf.  The defaults:
	 *                    [amphora_agent] amphora_id, agent_server_cert,
	 *                    agent_server_ca (the controller CA),
	 *                    agent_server_network_dir; [haproxy_amphora]
	 *                    base_path, base_cert_dir, bind_host
	 *                    (lb_network_ip), bind_port 9443, haproxy_cmd;
	 *                    [health_manager] controller_ip_port_list (the
	 *                    option of that name, else the controller
	 *                    address and [health_manager] bind_port),
	 *                    heartbeat_interval, heartbeat_key;
	 *                    [controller_worker] loadbalancer_topology.
	 * It sets compute_id (the namespace name) and compute_flavor
	 * ("netns").  Idempotent: what exists is kept, a running agent is
	 * not started twice.
	 */
	int (*build)(json_t *amp);
	/*
	 * Removes the instance.  compute_netns_driver: kills the amphora's
	 * processes (its pid files and `ip netns pids`; only processes in
	 * that namespace), deletes its host veths (oa<8hex>*), the namespace
	 * and <state_dir>/amphorae/<id>/.  Needs only amp["id"]; succeeds on
	 * half-made or already removed amphorae.
	 */
	int (*destroy)(json_t *amp);
};

/*
 * The kernel half of networking.  With network_local_driver the database
 * half (network/subnet/port rows, IPAM, the API's checks) lives in
 * src/service (svc_network_*, svc_subnet_*, svc_port_*, svc_amp_*,
 * svc_vip_*): a driver never reads the database.  A port is passed as
 * svc_port_driver_obj() makes it: id, network_id, subnet_id, ip_address,
 * mac_address, cidr, prefixlen, ip_version, gateway_ip, bridge.
 */
struct network_driver {
	const char *name;
	/*
	 * Ensures a network exists: `net` has "id", optionally "bridge"
	 * (default octa-br-<7 hex of id>) and "host_addresses", a list of
	 * "ip/prefixlen" put on the bridge in the host namespace (the
	 * controller's address on lb-mgmt-net).  local: the bridge is made
	 * if missing and set up.  noop: 0.
	 */
	int (*create_network)(json_t *net);
	/* Removes what create_network made (local: the bridge). */
	int (*delete_network)(json_t *net);
	/*
	 * Fills vip_address/vip_port_id/vip_subnet_id/vip_network_id
	 * (noop).  local: svc_vip_allocate did that at API time; the driver
	 * ensures the bridge of vip_network_id exists.
	 */
	int (*allocate_vip)(json_t *lb);
	/* noop and local: nothing (the port rows are svc_vip_release's). */
	int (*deallocate_vip)(json_t *lb);
	/*
	 * Plugs the VIP network into an amphora.  noop: sets vrrp_ip/ha_ip/
	 * port ids.  local: needs amp["vrrp_port"] (set with vrrp_port_id,
	 * vrrp_ip, ha_ip and ha_port_id by svc_amp_vrrp_port) and the
	 * amphora's namespace (compute build first); makes the veth
	 * oa<8hex>v on the VIP network's bridge whose peer is eth1 in the
	 * namespace with the VRRP port's MAC, both up (the agent's
	 * POST /1.0/plug/vip puts the addresses on it, matching by MAC).
	 * Sets amp["vrrp_interface"] = "eth1" when unset.
	 */
	int (*plug_vip)(json_t *lb, json_t *amp);
	/* Undoes plug_vip (local: deletes oa<8hex>v).  Idempotent. */
	int (*unplug_vip)(json_t *lb, json_t *amp);
	/*
	 * Plugs a member network into an amphora; `port` is the amphora's
	 * port on the member subnet (svc_amp_member_port).  local: a veth
	 * oa<8hex>n<4 hex of network id> on that network's bridge whose peer
	 * is the next free eth2, eth3 ... in the namespace, with the port's
	 * MAC, both up; sets port["interface"] to that name (the existing
	 * one when already plugged).  noop: "interface" = "eth2".  The
	 * agent's POST /1.0/plug/network then puts the address on it.
	 */
	int (*plug_member_network)(json_t *lb, json_t *amp, json_t *port);
	/* Undoes plug_member_network.  Idempotent. */
	int (*unplug_member_network)(json_t *amp, json_t *port);
};

/*
 * The amphora's agent.  `amp` is an amphora object (id, lb_network_ip,
 * ...); every call is bounded in time (connect and request timeouts, a
 * bounded number of retries) and idempotent.  The members after
 * update_config/delete_config may be NULL: the flows then skip the call.
 */
struct amphora_driver {
	const char *name;
	/*
	 * Pushes the LB's whole configuration to one amphora: `lb_tree` is
	 * the LB with its children inlined (svc_lb_tree()).  rest: uploads
	 * the TLS files the listeners and pools need (skipped when the
	 * agent's md5 matches), renders haproxy.cfg, PUTs it and reloads
	 * HAProxy; with no TCP-family listener left it removes the LB's
	 * HAProxy from the amphora instead.
	 */
	int (*update_config)(json_t *lb_tree, json_t *amp);
	/* Removes the LB's HAProxy from the amphora (rest: DELETE
	 * /1.0/listeners/<lb id>); `lb_tree` needs only "id". */
	int (*delete_config)(json_t *lb_tree, json_t *amp);
	/*
	 * Waits until the amphora's agent answers (rest: GET /1.0/info,
	 * retried [haproxy_amphora] connection_max_retries times every
	 * connection_retry_interval seconds while it cannot be reached).
	 */
	int (*wait_ready)(json_t *amp);
	/*
	 * Gives the VIP interface its addresses (rest: POST
	 * /1.0/plug/vip/<lb vip_address>).  Needs amp vrrp_ip and
	 * amp["vrrp_port"] (svc_amp_vrrp_port: mac_address, cidr,
	 * gateway_ip, and optionally mtu and host_routes).  "Already
	 * plugged" (409) is success.
	 */
	int (*plug_vip)(json_t *lb, json_t *amp);
	/* Gives a member network interface its address (rest: POST
	 * /1.0/plug/network); `port` as svc_amp_member_port makes it. */
	int (*plug_network)(json_t *amp, json_t *port);
};

struct drivers {
	const struct compute_driver *compute;
	const struct network_driver *network;
	const struct amphora_driver *amphora;
};

/* Looks the configured names up; -OCTA_EINVAL for an unknown name. */
int drivers_select(struct drivers *out, const char *compute,
    const char *network, const char *amphora);

extern const struct compute_driver compute_noop_driver;
extern const struct network_driver network_noop_driver;
extern const struct compute_driver compute_netns_driver;	/* netns.c */
extern const struct network_driver network_local_driver;	/* local.c */
extern const struct amphora_driver amphora_noop_driver;
extern const struct amphora_driver amphora_haproxy_rest_driver; /* amphora/ */

#endif
