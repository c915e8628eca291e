/*
 * hb-flood.c - heartbeat load for the health role: seeds N load balancers
 * (one listener, one pool with two members, one ALLOCATED amphora each)
 * into a database, then sends R rounds of version 3 heartbeats, one per
 * amphora per round, and measures how long the health role takes until
 * every amphora's last round is applied (amphora_health.seq == R).
 *
 * Not built by meson (it is a tool, not part of octa).  Build and run:
 *   cc -O2 -std=gnu11 -D_GNU_SOURCE -o /tmp/hb-flood bench/hb-flood.c \
 *       build/libocta.a -ljansson -lsqlite3 -lssl -lcrypto -lz -linih \
 *       -levent -lpthread
 *   /tmp/hb-flood --db sqlite:////tmp/st/octa.db --seed --amphorae 20000
 *   octad --roles health --config-file ...   (same database, same key)
 *   /tmp/hb-flood --db sqlite:////tmp/st/octa.db --amphorae 20000 \
 *       --rounds 5 --rate 10000 --target 127.0.0.1:5555 --key insecure
 * Only 127.0.0.1 (or another literal address you give) is ever sent to.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../src/common/buf.h"
#include "../src/common/log.h"
#include "../src/common/util.h"
#include "../src/db/db.h"
#include "../src/wire/heartbeat.h"

/* Deterministic ids: kind digit + index, so seeding and sending agree. */
static void
id_of(char kind, long i, char out[UUID_STR_LEN])
{
	snprintf(out, UUID_STR_LEN, "%c0000000-0000-4000-8000-%012lx", kind,
	    (unsigned long)i & 0xffffffffffffUL);
}

static int
seed(struct db *db, long n)
{
	char lb[UUID_STR_LEN], l[UUID_STR_LEN], p[UUID_STR_LEN];
	char m[UUID_STR_LEN], a[UUID_STR_LEN];
	long i;
	int r = 0, k;

	if ((r = db_begin(db)) < 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		id_of('a', i, lb);
		id_of('c', i, l);
		id_of('d', i, p);
		id_of('b', i, a);
		r = db_exec(db, "INSERT INTO load_balancer (id, "
		    "admin_state_up, provisioning_status, operating_status, "
		    "topology) VALUES (?, 1, 'ACTIVE', 'OFFLINE', 'SINGLE')",
		    json_pack("[s]", lb), NULL);
		if (r == 0)
			r = db_exec(db, "INSERT INTO listener (id, "
			    "admin_state_up, provisioning_status, "
			    "operating_status, protocol, protocol_port, "
			    "load_balancer_id) VALUES (?, 1, 'ACTIVE', "
			    "'OFFLINE', 'HTTP', 80, ?)",
			    json_pack("[ss]", l, lb), NULL);
		if (r == 0)
			r = db_exec(db, "INSERT INTO pool (id, admin_state_up, "
			    "provisioning_status, operating_status, protocol, "
			    "lb_algorithm, load_balancer_id, tls_enabled) "
			    "VALUES (?, 1, 'ACTIVE', 'OFFLINE', 'HTTP', "
			    "'ROUND_ROBIN', ?, 0)", json_pack("[ss]", p, lb),
			    NULL);
		for (k = 0; k < 2 && r == 0; k++) {
			id_of((char)('e' + k), i, m);
			r = db_exec(db, "INSERT INTO member (id, "
			    "admin_state_up, provisioning_status, "
			    "operating_status, address, protocol_port, "
			    "backup, pool_id, load_balancer_id) VALUES "
			    "(?, 1, 'ACTIVE', 'OFFLINE', '192.0.2.1', ?, 0, "
			    "?, ?)",
			    json_pack("[siss]", m, 8000 + k, p, lb), NULL);
		}
		if (r == 0)
			r = db_exec(db, "INSERT INTO amphora (id, "
			    "load_balancer_id, status, role, cert_busy) VALUES "
			    "(?, ?, 'ALLOCATED', 'STANDALONE', 0)",
			    json_pack("[ss]", a, lb), NULL);
		if (r == 0)
			r = db_exec(db, "INSERT INTO amphora_health "
			    "(amphora_id, last_update, busy, seq) VALUES "
			    "(?, ?, 0, 0)",
			    json_pack("[sI]", a, (json_int_t)time_now()), NULL);
	}
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

static json_t *
message(long i, long seq)
{
	char l[UUID_STR_LEN], p[UUID_STR_LEN], a[UUID_STR_LEN];
	char m0[UUID_STR_LEN], m1[UUID_STR_LEN], pk[2 * UUID_STR_LEN];

	id_of('c', i, l);
	id_of('d', i, p);
	id_of('b', i, a);
	id_of('e', i, m0);
	id_of('f', i, m1);
	snprintf(pk, sizeof(pk), "%s:%s", p, l);
	return json_pack("{ss sI si s{s{ss s{sI sI sI sI sI}}} "
	    "s{s{ss s{ss ss}}}}", "id", a, "seq", (json_int_t)seq, "ver", 3,
	    "listeners", l, "status", "OPEN", "stats", "tx", (json_int_t)1000,
	    "rx", (json_int_t)500, "conns", (json_int_t)3, "totconns",
	    (json_int_t)10, "ereq", (json_int_t)0, "pools", pk, "status",
	    "UP", "members", m0, "UP", m1, "UP");
}

static long long
applied(struct db *db, long seq)
{
	json_t *row;
	long long n;

	if (db_query_one(db, "SELECT COUNT(*) AS n FROM amphora_health "
	    "WHERE seq >= ?", json_pack("[I]", (json_int_t)seq), &row) < 0)
		return -1;
	n = json_integer_value(json_object_get(row, "n"));
	json_decref(row);
	return n;
}

static double
secs(void)
{
	return (double)time_mono_ms() / 1000.0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "seed", no_argument, NULL, 's' },
		{ "amphorae", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "rate", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *target = "127.0.0.1:5555", *key = "insecure";
	long long n = 1000, rounds = 0, rate = 0, port, got = 0;
	struct sockaddr_in sin;
	bool do_seed = false;
	struct db *db;
	struct buf *pkts;
	char host[64];
	const char *colon;
	double t0, t1, t2, next;
	long i, r;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': url = optarg; break;
		case 's': do_seed = true; break;
		case 'n': if (!parse_ll(optarg, &n)) return 2; break;
		case 'r': if (!parse_ll(optarg, &rounds)) return 2; break;
		case 'p': if (!parse_ll(optarg, &rate)) return 2; break;
		case 't': target = optarg; break;
		case 'k': key = optarg; break;
		default: return 2;
		}
	}
	log_init("hb-flood", LOG_LVL_WARN);
	if (url == NULL || db_open(url, &db) < 0 ||
	    db_migrate(db, NULL, NULL) < 0) {
		fprintf(stderr, "hb-flood: need --db sqlite:///PATH\n");
		return 1;
	}
	if (do_seed) {
		t0 = secs();
		if (seed(db, (long)n) < 0) {
			fprintf(stderr, "hb-flood: seeding failed\n");
			return 1;
		}
		printf("seeded amphorae=%lld in %.1fs\n", n, secs() - t0);
	}
	if (rounds <= 0)
		return 0;
	colon = strrchr(target, ':');
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - target) >= sizeof(host) ||
	    !parse_ll(colon + 1, &port)) {
		fprintf(stderr, "hb-flood: --target IPV4:PORT\n");
		return 2;
	}
	memcpy(host, target, (size_t)(colon - target));
	host[colon - target] = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return 2;
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* Encode everything first: the sender must not be the bottleneck. */
	pkts = calloc((size_t)(n * rounds), sizeof(*pkts));
	if (pkts == NULL)
		return 1;
	for (r = 1; r <= rounds; r++) {
		for (i = 0; i < n; i++) {
			json_t *m = message(i, r);
			struct buf *pb = &pkts[(r - 1) * n + i];

			buf_init(pb, HB_MAX_PACKET);
			if (heartbeat_encode(m, key, pb) < 0)
				return 1;
			json_decref(m);
		}
	}
	t0 = next = secs();
	for (i = 0; i < n * rounds; i++) {
		if (rate > 0) {
			next += 1.0 / (double)rate;
			while (secs() < next)
				usleep(50);
		}
		if (sendto(fd, pkts[i].p, pkts[i].len, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) < 0)
			perror("sendto");
	}
	t1 = secs();
	printf("sent packets=%lld bytes/packet=%zu in %.2fs (%.0f/s)\n",
	    n * rounds, pkts[0].len, t1 - t0,
	    (double)(n * rounds) / (t1 - t0));
	/* Wait for the last round to be applied everywhere (or 60 s). */
	while (secs() - t1 < 60 && (got = applied(db, rounds)) < n)
		usleep(20000);
	t2 = secs();
	printf("applied last round amphorae=%lld/%lld; all rounds in %.2fs: "
	    "%.0f heartbeats/s end to end\n", got, n, t2 - t0,
	    (double)(n * rounds) / (t2 - t0));
	for (i = 0; i < n * rounds; i++)
		buf_free(&pkts[i]);
	free(pkts);
	close(fd);
	db_close(db);
	return got == n ? 0 : 1;
}
