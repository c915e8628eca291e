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
	/* Boots (or finds) the amphora's instance; sets compute_id and
	 * lb_network_ip in `amp`. */
	int (*build)(json_t *amp);
	int (*destroy)(json_t *amp);
};

struct network_driver {
	const char *name;
	/* Fills vip_address/vip_port_id/vip_subnet_id/vip_network_id. */
	int (*allocate_vip)(json_t *lb);
	int (*deallocate_vip)(json_t *lb);
	/* Plugs the VIP into an amphora; sets vrrp_ip/ha_ip/port ids. */
	int (*plug_vip)(json_t *lb, json_t *amp);
	/* Answers whether a subnet / network exists (for API checks). */
	int (*subnet_exists)(const char *subnet_id);
	int (*network_exists)(const char *network_id);
};

struct amphora_driver {
	const char *name;
	/* Pushes the LB's whole configuration (tree) to one amphora. */
	int (*update_config)(json_t *lb_tree, json_t *amp);
	int (*delete_config)(json_t *lb_tree, json_t *amp);
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
extern const struct amphora_driver amphora_noop_driver;

#endif
