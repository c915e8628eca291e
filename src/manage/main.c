/*
 * main.c - octa-manage, the operator's tool.  Commands so far:
 *   db upgrade | db status     schema migrations
 *   config defaults            every option with its default
 *   certs init [--force]       the two CAs and the client certificate
 *   secret ...                 TLS containers and secrets (secret_cmd.c)
 *   network|subnet|amphora-netns ...  local networks (network_cmd.c)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../db/db.h"
#include "../drivers/cert/local_ca.h"
#include "network_cmd.h"
#include "secret_cmd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: octa-manage [--config-file FILE] COMMAND\n"
	    "commands:\n"
	    "  db upgrade        apply pending schema migrations\n"
	    "  db status         show the schema version\n"
	    "  config defaults   print every option with its default\n"
	    "  certs init [--force]  create the amphora CA, the controller CA\n"
	    "                    and the controller's client certificate\n"
	    "  secret create|list|show|delete  TLS certificate containers and\n"
	    "                    CA/CRL secrets (octa-manage secret for more)\n"
	    "  network create|list|show|delete|setup-mgmt  local networks\n"
	    "  subnet create|list    their subnets (octa-manage network for "
	    "more)\n"
	    "  amphora-netns create|delete ID  build/destroy one amphora "
	    "namespace (debugging)\n");
}

/* The certificate directory: [certificates] cert_dir or state_dir/certs. */
static void
manage_cert_dir(char *out, size_t len)
{
	if (cfg.certificates_cert_dir[0])
		snprintf(out, len, "%s", cfg.certificates_cert_dir);
	else
		snprintf(out, len, "%s/certs", cfg.octa_state_dir);
}

static int
certs_init(int force)
{
	struct ca_paths p;
	char dir[512];
	int created, r;

	manage_cert_dir(dir, sizeof(dir));
	mkdir(cfg.octa_state_dir, 0700);
	ca_paths_init(&p, dir);
	if ((r = ca_init(&p, force, &created)) < 0) {
		fprintf(stderr, "octa-manage: certificate setup failed in %s\n",
		    dir);
		return 1;
	}
	printf("%s certificates in %s:\n  amphora CA     %s\n"
	    "  controller CA  %s\n  client cert    %s\n",
	    created ? "created" : "kept existing", dir, p.server_ca,
	    p.client_ca, p.client);
	return 0;
}

static int
db_cmd(const char *sub)
{
	char *url = config_db_url();
	struct db *db;
	int from = 0, to = 0, r;

	if (db_open(url, &db) < 0) {
		fprintf(stderr, "octa-manage: cannot open database\n");
		free(url);
		return 1;
	}
	free(url);
	if (strcmp(sub, "upgrade") == 0) {
		r = db_migrate(db, &from, &to);
		if (r == 0)
			printf("schema upgraded from version %d to %d\n", from,
			    to);
	} else {
		r = db_schema_version(db, &from);
		if (r == 0)
			printf("schema version %d, latest %d: %s\n", from,
			    db_schema_latest(), from == db_schema_latest() ?
			    "up to date" : "upgrade needed");
	}
	db_close(db);
	return r < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config-file", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+c:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("manage", LOG_LVL_WARN);
	if (config_load(config_file) < 0)
		return 1;
	argc -= optind;
	argv += optind;
	if (argc == 2 && strcmp(argv[0], "db") == 0 &&
	    (strcmp(argv[1], "upgrade") == 0 || strcmp(argv[1], "status") == 0))
		return db_cmd(argv[1]);
	if (argc == 2 && strcmp(argv[0], "config") == 0 &&
	    strcmp(argv[1], "defaults") == 0) {
		config_print_defaults(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[0], "certs") == 0 &&
	    strcmp(argv[1], "init") == 0)
		return certs_init(argc == 3 && strcmp(argv[2], "--force") == 0);
	if (argc >= 1 && strcmp(argv[0], "secret") == 0)
		return manage_secret(argc - 1, argv + 1);
	if (argc >= 1 && manage_network_handles(argv[0]))
		return manage_network(argc, argv);
	usage(stderr);
	return 2;
}
