/*
 * housekeeping.c - the housekeeping role (see housekeeping.h).  Runs its
 * purge every [house_keeping] cleanup_interval seconds.
 */
#include <stdlib.h>
#include <unistd.h>

#include "housekeeping.h"
#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"

int
hk_purge(struct db *db, long long now)
{
	char lb_cut[TIME_STR_LEN], amp_cut[TIME_STR_LEN];
	long long n = 0, total = 0;
	int r;

	time_iso(now - cfg.house_keeping_load_balancer_expiry_age, lb_cut);
	time_iso(now - cfg.house_keeping_amphora_expiry_age, amp_cut);
	r = db_exec(db, "DELETE FROM load_balancer WHERE provisioning_status = "
	    "'DELETED' AND COALESCE(updated_at, created_at) < ?",
	    json_pack("[s]", lb_cut), &n);
	if (r < 0)
		return r;
	total += n;
	r = db_exec(db, "DELETE FROM amphora WHERE status = 'DELETED' AND "
	    "COALESCE(updated_at, created_at) < ? AND id NOT IN (SELECT "
	    "amphora_id FROM amphora_health)", json_pack("[s]", amp_cut), &n);
	if (r < 0)
		return r;
	total += n;
	/* Finished jobs are kept a day for operators to look at. */
	r = db_exec(db, "DELETE FROM job WHERE state <> 'ready' AND "
	    "created_ms < ?", json_pack("[I]", (now - 86400) * 1000), &n);
	if (r < 0)
		return r;
	total += n;
	return (int)total;
}

void
housekeeping_main(void)
{
	char *url = config_db_url();
	struct db *db;
	int n;

	if (db_open(url, &db) < 0)
		fatal("housekeeping cannot open database");
	free(url);
	log_info("housekeeping started cleanup_interval=%lld",
	    cfg.house_keeping_cleanup_interval);
	for (;;) {
		n = hk_purge(db, time_now());
		if (n > 0)
			log_info("housekeeping purged rows=%d", n);
		else if (n < 0)
			log_warn("housekeeping purge failed");
		sleep((unsigned)(cfg.house_keeping_cleanup_interval > 0 ?
		    cfg.house_keeping_cleanup_interval : 30));
	}
}
