/*
 * housekeeping.h - the housekeeping role: one periodic timer that purges
 * expired DELETED load balancers and amphorae and finished jobs.  Expired
 * job leases need no sweep: a worker claims any job whose lease ran out.
 */
#ifndef OCTA_HOUSEKEEPING_H
#define OCTA_HOUSEKEEPING_H

#include "../db/db.h"

/* One purge pass; returns the number of rows removed or <0. */
int hk_purge(struct db *db, long long now);
void housekeeping_main(void) __attribute__((noreturn));

#endif
