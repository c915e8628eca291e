/*
 * network_cmd.c - octa-manage's local network commands
 * (docs/local-world.md): networks and subnets in octa's database, each
 * network a Linux bridge on this host.
 *
 *   network create NAME
 *   network list
 *   network show NAME|ID          id, name, bridge, subnets
 *   network delete NAME|ID        refused while the network has ports
 *   network setup-mgmt [--cidr C] lb-mgmt-net, its subnet and the
 *                                 controller's address on its bridge
 *   subnet create --network N --cidr C [--gateway G|none] [--name S]
 *   subnet list
 *   amphora-netns create ID [--no-agent] [--vip-subnet S]
 *   amphora-netns delete ID       (debugging and tests: the netns compute
 *                                 driver's build/destroy, and plug_vip,
 *                                 outside any flow)
 *
 * The rows and the kernel side are done in one transaction: the row is
 * written, the network driver makes the bridge, then the transaction is
 * committed, so a failed bridge leaves no row.  Every command may be run
 * again (setup-mgmt is idempotent; create of an existing name says so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "network_cmd.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/util.h"
#include "../db/db.h"
#include "../drivers/drivers.h"
#include "../service/service.h"

static const struct network_driver *const netdrv = &network_local_driver;

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *
dash(const char *s)
{
	return s && *s ? s : "-";
}

static void
net_usage(FILE *f)
{
	fprintf(f, "usage: octa-manage network create NAME\n"
	    "       octa-manage network list\n"
	    "       octa-manage network show NAME|ID\n"
	    "       octa-manage network delete NAME|ID\n"
	    "       octa-manage network setup-mgmt [--cidr CIDR]\n"
	    "       octa-manage subnet create --network NAME|ID --cidr CIDR "
	    "[--gateway IP|none] [--name NAME]\n"
	    "       octa-manage subnet list\n"
	    "       octa-manage amphora-netns create AMPHORA_ID [--no-agent] "
	    "[--vip-subnet NAME|ID]\n"
	    "       octa-manage amphora-netns delete AMPHORA_ID\n");
}

static int
fail(const char *what, const char *msg, int r)
{
	fprintf(stderr, "octa-manage: %s: %s\n", what, msg && *msg ? msg :
	    octa_err_str(r));
	return 1;
}

/* The database, migrated (sqlite) or checked current (shared). */
static int
open_db(struct db **out)
{
	char *url = config_db_url();
	int v = 0, r;

	mkdir(cfg.octa_state_dir, 0700);
	r = db_open(url, out);
	if (r == 0) {
		if (strncmp(url, "sqlite", 6) == 0)
			r = db_migrate(*out, NULL, NULL);
		else if ((r = db_schema_version(*out, &v)) == 0 &&
		    v != db_schema_latest()) {
			fprintf(stderr, "octa-manage: database schema is not "
			    "current; run `octa-manage db upgrade`\n");
			r = -OCTA_EINVAL;
		}
		if (r < 0) {
			db_close(*out);
			*out = NULL;
		}
	}
	if (r < 0)
		fprintf(stderr, "octa-manage: cannot open database\n");
	free(url);
	return r;
}

/* Value of "--opt VALUE" in argv[from..], or NULL. */
static const char *
opt(int argc, char **argv, int from, const char *name)
{
	int i;

	for (i = from; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static bool
flag(int argc, char **argv, int from, const char *name)
{
	int i;

	for (i = from; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

/* Every argument from `from` on is one of the known options. */
static bool
opts_known(int argc, char **argv, int from, const char *const *with_value,
    const char *const *flags)
{
	const char *const *k;
	int i;

	for (i = from; i < argc; i++) {
		bool ok = false;

		for (k = with_value; k && *k; k++)
			if (strcmp(argv[i], *k) == 0 && i + 1 < argc) {
				ok = true;
				i++;
				break;
			}
		for (k = flags; !ok && k && *k; k++)
			if (strcmp(argv[i], *k) == 0)
				ok = true;
		if (!ok)
			return false;
	}
	return true;
}

/* ---- network ---- */

static int
network_create(struct db *db, const char *name)
{
	json_t *net = NULL;
	char msg[256] = "";
	int r;

	if ((r = db_begin(db)) < 0)
		return fail("network create", NULL, r);
	if ((r = svc_network_create(db, name, &net, msg, sizeof(msg))) < 0 ||
	    (r = netdrv->create_network(net)) < 0) {
		db_rollback(db);
		json_decref(net);
		return fail("network create", msg[0] ? msg : "cannot make the "
		    "bridge (see the log above)", r);
	}
	if ((r = db_commit(db)) < 0) {
		json_decref(net);
		return fail("network create", NULL, r);
	}
	printf("network %s created: id %s, bridge %s\n", name, sget(net, "id"),
	    sget(net, "bridge"));
	json_decref(net);
	return 0;
}

static void
print_subnet(json_t *s)
{
	printf("  %s %s %s gateway %s\n", sget(s, "id"), dash(sget(s, "name")),
	    sget(s, "cidr"), dash(sget(s, "gateway_ip")));
}

static int
network_show(struct db *db, const char *key)
{
	json_t *net = NULL, *subs = NULL, *row = NULL, *s;
	size_t i;
	int r;

	if ((r = svc_network_find(db, key, &net)) < 0)
		return fail("network show", r == -OCTA_ENOTFOUND ?
		    "no such network" : NULL, r);
	if ((r = svc_subnet_list(db, sget(net, "id"), &subs)) == 0)
		r = db_query_one(db, "SELECT COUNT(*) AS n FROM port WHERE "
		    "network_id = ?", json_pack("[s]", sget(net, "id")), &row);
	if (r == 0) {
		printf("id: %s\nname: %s\nbridge: %s\nsubnets:\n",
		    sget(net, "id"), sget(net, "name"), sget(net, "bridge"));
		json_array_foreach(subs, i, s)
			print_subnet(s);
		printf("ports: %lld\n", (long long)json_integer_value(
		    json_object_get(row, "n")));
	}
	json_decref(row);
	json_decref(subs);
	json_decref(net);
	return r < 0 ? fail("network show", NULL, r) : 0;
}

static int
network_list(struct db *db)
{
	json_t *nets = NULL, *subs = NULL, *n, *s;
	size_t i, j;
	int r;

	if ((r = svc_network_list(db, &nets)) < 0 ||
	    (r = svc_subnet_list(db, NULL, &subs)) < 0) {
		json_decref(nets);
		return fail("network list", NULL, r);
	}
	printf("%-36s  %-20s  %-15s  %s\n", "id", "name", "bridge", "subnets");
	json_array_foreach(nets, i, n) {
		int k = 0;

		printf("%-36s  %-20s  %-15s  ", sget(n, "id"), sget(n, "name"),
		    sget(n, "bridge"));
		json_array_foreach(subs, j, s)
			if (strcmp(sget(s, "network_id"), sget(n, "id")) == 0)
				printf("%s%s", k++ ? "," : "", sget(s, "cidr"));
		printf("%s\n", k ? "" : "-");
	}
	json_decref(subs);
	json_decref(nets);
	return 0;
}

static int
network_delete(struct db *db, const char *key)
{
	json_t *net = NULL;
	char msg[256] = "";
	int r;

	if ((r = db_begin(db)) < 0)
		return fail("network delete", NULL, r);
	if ((r = svc_network_find(db, key, &net)) < 0) {
		snprintf(msg, sizeof(msg), "no such network %s", key);
		goto fail;
	}
	if ((r = svc_network_delete(db, sget(net, "id"), msg,
	    sizeof(msg))) < 0)
		goto fail;
	if ((r = netdrv->delete_network(net)) < 0) {
		snprintf(msg, sizeof(msg), "cannot delete bridge %s",
		    sget(net, "bridge"));
		goto fail;
	}
	if ((r = db_commit(db)) < 0)
		goto fail;
	printf("network %s deleted (bridge %s removed)\n", sget(net, "name"),
	    sget(net, "bridge"));
	json_decref(net);
	return 0;
fail:
	db_rollback(db);
	json_decref(net);
	return fail("network delete", msg, r);
}

/* lb-mgmt-net, its subnet and the controller's address on its bridge. */
static int
network_setup_mgmt(struct db *db, const char *cidr)
{
	json_t *net = NULL, *subs = NULL, *sub = NULL, *drv = NULL;
	char msg[256] = "", addr[96], norm[80];
	const char *slash;
	bool made_net = false, made_sub = false;
	int r;

	if ((r = db_begin(db)) < 0)
		return fail("network setup-mgmt", NULL, r);
	if ((r = svc_network_find(db, SVC_MGMT_NET, &net)) == -OCTA_ENOTFOUND) {
		r = svc_network_create(db, SVC_MGMT_NET, &net, msg,
		    sizeof(msg));
		made_net = true;
	}
	if (r < 0 || (r = svc_subnet_list(db, sget(net, "id"), &subs)) < 0)
		goto fail;
	if (json_array_size(subs) > 0) {
		sub = json_incref(json_array_get(subs, 0));
		if (cidr && cidr_normalise(cidr, norm, sizeof(norm), NULL) &&
		    strcmp(norm, sget(sub, "cidr")) != 0)
			fprintf(stderr, "octa-manage: %s keeps its subnet %s; "
			    "--cidr %s ignored\n", SVC_MGMT_NET,
			    sget(sub, "cidr"), cidr);
	} else {
		r = svc_subnet_create(db, sget(net, "id"), cidr ? cidr :
		    SVC_MGMT_CIDR, NULL, SVC_MGMT_NET "-subnet", &sub, msg,
		    sizeof(msg));
		if (r < 0)
			goto fail;
		made_sub = true;
	}
	r = -OCTA_EINVAL;
	if (sget(sub, "gateway_ip") == NULL ||
	    (slash = strchr(sget(sub, "cidr"), '/')) == NULL) {
		snprintf(msg, sizeof(msg), "subnet %s of %s has no gateway: "
		    "the controller's address", sget(sub, "id"), SVC_MGMT_NET);
		goto fail;
	}
	snprintf(addr, sizeof(addr), "%s%s", sget(sub, "gateway_ip"), slash);
	drv = json_pack("{sO sO s[s]}", "id", json_object_get(net, "id"),
	    "bridge", json_object_get(net, "bridge"), "host_addresses", addr);
	if ((r = netdrv->create_network(drv)) < 0) {
		snprintf(msg, sizeof(msg), "cannot set up bridge %s",
		    sget(net, "bridge"));
		goto fail;
	}
	if ((r = db_commit(db)) < 0)
		goto fail;
	printf("%s: network %s (%s), bridge %s, subnet %s (%s)\n"
	    "controller address: %s on %s\n", SVC_MGMT_NET, sget(net, "id"),
	    made_net ? "created" : "kept", sget(net, "bridge"),
	    sget(sub, "cidr"), made_sub ? "created" : "kept",
	    sget(sub, "gateway_ip"), sget(net, "bridge"));
	if (strcmp(cfg.health_manager_bind_ip, sget(sub, "gateway_ip")) != 0 &&
	    strcmp(cfg.health_manager_bind_ip, "0.0.0.0") != 0 &&
	    strcmp(cfg.health_manager_bind_ip, "::") != 0)
		printf("note: amphorae send heartbeats to %s; set "
		    "[health_manager] bind_ip = %s\n", sget(sub, "gateway_ip"),
		    sget(sub, "gateway_ip"));
	json_decref(drv);
	json_decref(sub);
	json_decref(subs);
	json_decref(net);
	return 0;
fail:
	db_rollback(db);
	json_decref(drv);
	json_decref(sub);
	json_decref(subs);
	json_decref(net);
	return fail("network setup-mgmt", msg, r);
}

/* ---- subnet ---- */

static int
subnet_create(struct db *db, const char *network, const char *cidr,
    const char *gateway, const char *name)
{
	json_t *sub = NULL, *net = NULL;
	char msg[256] = "";
	int r;

	if ((r = db_begin(db)) < 0)
		return fail("subnet create", NULL, r);
	if ((r = svc_subnet_create(db, network, cidr, gateway, name, &sub,
	    msg, sizeof(msg))) < 0)
		goto fail;
	/* the network's bridge, in case it went (a reboot) */
	if ((r = svc_network_find(db, sget(sub, "network_id"), &net)) < 0 ||
	    (r = netdrv->create_network(net)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	printf("subnet %s created: id %s, network %s, gateway %s\n",
	    sget(sub, "cidr"), sget(sub, "id"), sget(net, "name"),
	    dash(sget(sub, "gateway_ip")));
	json_decref(net);
	json_decref(sub);
	return 0;
fail:
	db_rollback(db);
	json_decref(net);
	json_decref(sub);
	return fail("subnet create", msg, r);
}

static int
subnet_list(struct db *db)
{
	json_t *subs = NULL, *s;
	size_t i;
	int r;

	if ((r = svc_subnet_list(db, NULL, &subs)) < 0)
		return fail("subnet list", NULL, r);
	printf("%-36s  %-20s  %-36s  %-20s  %s\n", "id", "name", "network_id",
	    "cidr", "gateway");
	json_array_foreach(subs, i, s)
		printf("%-36s  %-20s  %-36s  %-20s  %s\n", sget(s, "id"),
		    dash(sget(s, "name")), sget(s, "network_id"),
		    sget(s, "cidr"), dash(sget(s, "gateway_ip")));
	json_decref(subs);
	return 0;
}

/* ---- amphora-netns (debugging) ---- */

static int
amp_netns_create(struct db *db, const char *id, bool agent,
    const char *vip_subnet)
{
	char canon[UUID_STR_LEN];
	json_t *amp = NULL, *lb = NULL, *sub = NULL;
	char *text;
	int r;

	if (!uuid_canon(id, canon))
		return fail("amphora-netns create", "the amphora id must be a "
		    "UUID", -OCTA_EINVAL);
	/* the service functions act only for the drivers in use */
	config_set("controller_worker", "compute_driver",
	    "compute_netns_driver");
	config_set("controller_worker", "network_driver",
	    "network_local_driver");
	if ((r = db_begin(db)) < 0)
		return fail("amphora-netns create", NULL, r);
	amp = json_pack("{ss}", "id", canon);
	if (!agent)
		json_object_set_new(amp, "agent_conf", json_pack("{sb}",
		    "start_agent", 0));
	if ((r = svc_amp_mgmt_port(db, amp)) < 0) {
		r = fail("amphora-netns create", "no management port (run "
		    "`octa-manage network setup-mgmt`)", r);
		goto out;
	}
	if ((r = compute_netns_driver.build(amp)) < 0) {
		r = fail("amphora-netns create", "build failed (see the log "
		    "above)", r);
		goto out;
	}
	if (vip_subnet) {
		if (svc_subnet_find(db, vip_subnet, &sub) < 0) {
			r = fail("amphora-netns create", "no such subnet",
			    -OCTA_ENOTFOUND);
			goto out;
		}
		lb = json_pack("{ss sO}", "id", canon, "vip_subnet_id",
		    json_object_get(sub, "id"));
		if ((r = svc_amp_vrrp_port(db, lb, amp)) < 0 ||
		    (r = netdrv->plug_vip(lb, amp)) < 0) {
			r = fail("amphora-netns create", "plug_vip failed", r);
			goto out;
		}
	}
	if ((r = db_commit(db)) < 0) {
		r = fail("amphora-netns create", NULL, r);
		goto out;
	}
	json_object_del(amp, "agent_conf");
	text = json_dumps(amp, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("%s\n", text ? text : "{}");
	free(text);
	r = 0;
out:
	if (r != 0)
		db_rollback(db);
	json_decref(sub);
	json_decref(lb);
	json_decref(amp);
	return r;
}

static int
amp_netns_delete(struct db *db, const char *id)
{
	char canon[UUID_STR_LEN];
	json_t *amp;
	int r;

	if (!uuid_canon(id, canon))
		return fail("amphora-netns delete", "the amphora id must be a "
		    "UUID", -OCTA_EINVAL);
	amp = json_pack("{ss}", "id", canon);
	r = compute_netns_driver.destroy(amp);
	json_decref(amp);
	if (r < 0)
		return fail("amphora-netns delete", "destroy failed (see the "
		    "log above)", r);
	if ((r = db_begin(db)) < 0 ||
	    (r = svc_amp_ports_release(db, canon)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return fail("amphora-netns delete", NULL, r);
	}
	printf("amphora %s: namespace, interfaces, processes and ports "
	    "removed\n", canon);
	return 0;
}

/* ---- dispatch ---- */

bool
manage_network_handles(const char *cmd)
{
	return strcmp(cmd, "network") == 0 || strcmp(cmd, "subnet") == 0 ||
	    strcmp(cmd, "amphora-netns") == 0;
}

int
manage_network(int argc, char **argv)
{
	static const char *const subnet_opts[] = { "--network", "--cidr",
		"--gateway", "--name", NULL };
	static const char *const mgmt_opts[] = { "--cidr", NULL };
	static const char *const amp_opts[] = { "--vip-subnet", NULL };
	static const char *const amp_flags[] = { "--no-agent", NULL };
	const char *cmd = argc > 0 ? argv[0] : "";
	const char *sub = argc > 1 ? argv[1] : "";
	struct db *db = NULL;
	int r = 2;

	if (argc < 2) {
		net_usage(stderr);
		return 2;
	}
	if (open_db(&db) < 0)
		return 1;
	if (strcmp(cmd, "network") == 0) {
		if (strcmp(sub, "create") == 0 && argc == 3)
			r = network_create(db, argv[2]);
		else if (strcmp(sub, "list") == 0 && argc == 2)
			r = network_list(db);
		else if (strcmp(sub, "show") == 0 && argc == 3)
			r = network_show(db, argv[2]);
		else if (strcmp(sub, "delete") == 0 && argc == 3)
			r = network_delete(db, argv[2]);
		else if (strcmp(sub, "setup-mgmt") == 0 &&
		    opts_known(argc, argv, 2, mgmt_opts, NULL))
			r = network_setup_mgmt(db, opt(argc, argv, 2,
			    "--cidr"));
	} else if (strcmp(cmd, "subnet") == 0) {
		if (strcmp(sub, "create") == 0 &&
		    opts_known(argc, argv, 2, subnet_opts, NULL) &&
		    opt(argc, argv, 2, "--network") &&
		    opt(argc, argv, 2, "--cidr"))
			r = subnet_create(db, opt(argc, argv, 2, "--network"),
			    opt(argc, argv, 2, "--cidr"),
			    opt(argc, argv, 2, "--gateway"),
			    opt(argc, argv, 2, "--name"));
		else if (strcmp(sub, "list") == 0 && argc == 2)
			r = subnet_list(db);
	} else if (strcmp(cmd, "amphora-netns") == 0 && argc >= 3) {
		if (strcmp(sub, "create") == 0 &&
		    opts_known(argc, argv, 3, amp_opts, amp_flags))
			r = amp_netns_create(db, argv[2],
			    !flag(argc, argv, 3, "--no-agent"),
			    opt(argc, argv, 3, "--vip-subnet"));
		else if (strcmp(sub, "delete") == 0 && argc == 3)
			r = amp_netns_delete(db, argv[2]);
	}
	if (r == 2)
		net_usage(stderr);
	db_close(db);
	return r;
}
