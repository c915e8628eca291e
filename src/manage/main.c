/*
 * main.c - octa-manage, the operator's tool.  Commands so far:
 *   db upgrade | db status     schema migrations
 *   config defaults            every option with its default
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../db/db.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: octa-manage [--config-file FILE] COMMAND\n"
	    "commands:\n"
	    "  db upgrade        apply pending schema migrations\n"
	    "  db status         show the schema version\n"
	    "  config defaults   print every option with its default\n");
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
	usage(stderr);
	return 2;
}
