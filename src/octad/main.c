/*
 * main.c - octad, one controller unit.  A small parent process brings the
 * database schema up to date (embedded SQLite), then starts one child
 * process per role (api, worker, health, housekeeping) and restarts any
 * that dies.
 * Children die with the parent (PR_SET_PDEATHSIG), so a kill -9 of octad
 * leaves nothing behind; the job table makes that crash harmless.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../api/api.h"
#include "../common/config.h"
#include "../common/log.h"
#include "../common/xalloc.h"
#include "../db/db.h"
#include "../health/health.h"
#include "../housekeeping/housekeeping.h"
#include "../worker/worker.h"

static char unit[128];

static void
run_api(void)
{
	api_main();
}

static void
run_worker(void)
{
	worker_main(unit);
}

static void
run_health(void)
{
	health_main();
}

static void
run_housekeeping(void)
{
	housekeeping_main();
}

static struct role {
	const char *name;
	void (*main)(void);
	pid_t pid;
	bool enabled;
} roles[] = {
	{ "api", run_api, 0, false },
	{ "worker", run_worker, 0, false },
	{ "health", run_health, 0, false },
	{ "housekeeping", run_housekeeping, 0, false },
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static pid_t
start_role(struct role *ro, pid_t parent)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("octad cannot fork role=%s: %s", ro->name,
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		log_set_role(ro->name);
		ro->main();
		_exit(1);
	}
	log_info("octad started role=%s pid=%d", ro->name, (int)pid);
	return pid;
}

static int
enable_roles(const char *list)
{
	char *s = xstrdup(list), *p = s, *tok;
	size_t i;
	int n = 0;

	while ((tok = strsep(&p, ",")) != NULL) {
		bool found = false;

		if (*tok == '\0')
			continue;
		for (i = 0; i < ARRAY_SIZE(roles); i++)
			if (strcmp(roles[i].name, tok) == 0) {
				roles[i].enabled = true;
				found = true;
				n++;
			}
		if (!found) {
			log_error("octad unknown role=%s", tok);
			free(s);
			return -1;
		}
	}
	free(s);
	return n;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: octad [--config-file FILE] [--roles LIST]\n"
	    "  --config-file FILE  octavia.conf-style settings (default: "
	    "embedded defaults)\n"
	    "  --roles LIST        comma-separated: api,worker,health,"
	    "housekeeping\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config-file", required_argument, NULL, 'c' },
		{ "roles", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = NULL, *role_list = NULL;
	struct sigaction sa;
	struct db *db;
	char *url;
	pid_t self = getpid();
	size_t i;
	int c, from, to;

	while ((c = getopt_long(argc, argv, "c:r:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'r': role_list = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("octad", LOG_LVL_INFO);
	if (config_load(config_file) < 0)
		return 1;
	if (cfg.DEFAULT_debug)
		log_init("octad", LOG_LVL_DEBUG);
	snprintf(unit, sizeof(unit), "%s", cfg.octa_unit_name);
	if (unit[0] == '\0')
		gethostname(unit, sizeof(unit) - 1);
	if (enable_roles(role_list ? role_list : cfg.octa_roles) <= 0)
		return 2;
	mkdir(cfg.octa_state_dir, 0700);
	url = config_db_url();
	if (db_open(url, &db) < 0)
		fatal("octad cannot open database");
	if (strncmp(url, "sqlite", 6) == 0) {
		if (db_migrate(db, &from, &to) < 0)
			fatal("octad: database migration failed");
	} else if (db_schema_version(db, &from) < 0 ||
	    from != db_schema_latest()) {
		fatal("octad: database schema is not current; run "
		    "`octa-manage db upgrade`");
	}
	db_close(db);
	free(url);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("octad unit=%s starting", unit);
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (roles[i].enabled)
			roles[i].pid = start_role(&roles[i], self);
	while (!stopping) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < ARRAY_SIZE(roles); i++) {
			if (roles[i].pid != pid || stopping)
				continue;
			log_warn("octad role=%s pid=%d exited status=%d; "
			    "restarting", roles[i].name, (int)pid, status);
			sleep(1);
			roles[i].pid = start_role(&roles[i], self);
		}
	}
	log_info("octad stopping");
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (roles[i].pid > 0)
			kill(roles[i].pid, SIGTERM);
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (roles[i].pid > 0)
			waitpid(roles[i].pid, NULL, 0);
	return 0;
}
