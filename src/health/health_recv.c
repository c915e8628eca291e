/*
 * health_recv.c - the health role's process: UDP receiver, batching, the
 * periodic timer.
 *
 * Two threads.  The receiver thread owns the socket: it reads datagrams
 * (recvmmsg, up to HB_RECV_VEC at a time), verifies and decodes each one
 * (heartbeat_decode) and queues the message with its receive time; bad
 * packets are only counted.  The main thread owns the database
 * connection: it takes up to HB_BATCH_MAX queued messages, or whatever
 * arrived within HB_BATCH_MS of the oldest, and applies them in ONE
 * transaction (a savepoint per message, so one failing message costs only
 * itself).  That keeps the write rate of 20k+ amphorae at a few
 * transactions per second, and the socket keeps draining while a batch is
 * written.  The queue is bounded (HB_QUEUE_MAX); when it is full new
 * heartbeats are dropped and counted.
 *
 * Between batches the main thread runs the periodic work: the stale sweep
 * every health_check_interval, starting heartbeat_timeout after the socket
 * was bound (and again heartbeat_timeout after a database failure, so
 * amphorae get the chance to check in first), and a counters line every
 * HB_LOG_PERIOD_MS.  The sweep is off with the amphora noop driver: its
 * amphorae never send heartbeats and would all be "failed over".
 *
 * The counters are written by both threads with relaxed atomics.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"
#include "../wire/heartbeat.h"

#define HB_BATCH_MAX 1000
#define HB_BATCH_MS 100
#define HB_QUEUE_MAX 16384
#define HB_RECV_VEC 32
#define HB_RCVBUF (8 << 20)
#define HB_BIND_RETRY_S 10
#define HB_LOG_PERIOD_MS 60000

#define HB_COUNTERS(XX)                                                 \
	XX(RECEIVED, received)                                          \
	XX(APPLIED, applied)                                            \
	XX(MISMATCH, mismatch)                                          \
	XX(LATE, late)                                                  \
	XX(REPLAY, replay)                                              \
	XX(UNKNOWN, unknown)                                            \
	XX(ORPHAN, orphan)                                              \
	XX(BAD_MAC, bad_mac)                                            \
	XX(BAD_PACKET, bad_packet)                                      \
	XX(QUEUE_FULL, queue_full)                                      \
	XX(DB_ERROR, db_error)

enum hb_counter {
#define XX(name, text) C_##name,
	HB_COUNTERS(XX)
#undef XX
	C__COUNT
};

static const char *const counter_names[C__COUNT] = {
#define XX(name, text) #text,
	HB_COUNTERS(XX)
#undef XX
};

static uint64_t counters[C__COUNT];

static void
count(enum hb_counter c, uint64_t n)
{
	__atomic_fetch_add(&counters[c], n, __ATOMIC_RELAXED);
}

struct hb_item {
	json_t *msg;
	int64_t recv_ms;	/* monotonic */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hb_item items[HB_QUEUE_MAX];
	size_t head;
	size_t len;
} q = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Monotonic ms when the socket was bound; 0 while it is not. */
static int64_t bound_at;

/* ---- receiver thread ---- */

static void
enqueue(json_t *msg, int64_t recv_ms)
{
	bool wake;

	pthread_mutex_lock(&q.mu);
	if (q.len == HB_QUEUE_MAX) {
		pthread_mutex_unlock(&q.mu);
		json_decref(msg);
		count(C_QUEUE_FULL, 1);
		return;
	}
	q.items[(q.head + q.len) % HB_QUEUE_MAX] =
	    (struct hb_item){ msg, recv_ms };
	q.len++;
	/* The applier needs to know of the first and of a full batch. */
	wake = q.len == 1 || q.len == HB_BATCH_MAX;
	pthread_mutex_unlock(&q.mu);
	if (wake)
		pthread_cond_signal(&q.cv);
}

static int
bind_socket(void)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];
	int fd = -1, rc, sz = HB_RCVBUF, got = 0;
	socklen_t gl = sizeof(got);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof(port), "%lld", cfg.health_manager_bind_port);
	rc = getaddrinfo(cfg.health_manager_bind_ip, port, &hints, &ai);
	if (rc != 0) {
		log_error("health bad bind address ip=%s port=%s: %s",
		    cfg.health_manager_bind_ip, port, gai_strerror(rc));
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		log_error("health cannot bind udp ip=%s port=%s: %s; retrying "
		    "in %ds", cfg.health_manager_bind_ip, port,
		    strerror(errno), HB_BIND_RETRY_S);
		if (fd >= 0)
			close(fd);
		fd = -1;
		goto out;
	}
	/* A deep queue rides out a slow batch; root may exceed rmem_max. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
	if (got < sz)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
	log_info("health listening udp ip=%s port=%s rcvbuf=%d",
	    cfg.health_manager_bind_ip, port, got);
out:
	if (ai)
		freeaddrinfo(ai);
	return fd;
}

static void
classify_drop(int r)
{
	if (r == -HB_EMAC)
		count(C_BAD_MAC, 1);
	else
		count(C_BAD_PACKET, 1);
}

static void *
receiver_main(void *arg)
{
	struct mmsghdr mm[HB_RECV_VEC];
	struct iovec iov[HB_RECV_VEC];
	unsigned char *bufs;
	const char *key = cfg.health_manager_heartbeat_key;
	json_t *msg;
	int fd, n, i, r;
	int64_t now;

	(void)arg;
	while ((fd = bind_socket()) < 0)
		sleep(HB_BIND_RETRY_S);
	__atomic_store_n(&bound_at, time_mono_ms(), __ATOMIC_RELEASE);
	if (key == NULL || *key == '\0')
		log_error("health [health_manager] heartbeat_key is not set: "
		    "every heartbeat will be dropped");
	bufs = xmalloc((size_t)HB_RECV_VEC * HB_MAX_PACKET);
	for (;;) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < HB_RECV_VEC; i++) {
			iov[i].iov_base = bufs + (size_t)i * HB_MAX_PACKET;
			iov[i].iov_len = HB_MAX_PACKET;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, HB_RECV_VEC, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno != EINTR)
				log_warn("health recv failed: %s",
				    strerror(errno));
			continue;
		}
		now = time_mono_ms();
		count(C_RECEIVED, (uint64_t)n);
		for (i = 0; i < n; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				count(C_BAD_PACKET, 1);
				continue;
			}
			r = heartbeat_decode(iov[i].iov_base, mm[i].msg_len,
			    key, &msg);
			if (r < 0) {
				log_debug("health dropped packet: %s",
				    heartbeat_strerror(r));
				classify_drop(r);
				continue;
			}
			enqueue(msg, now);
		}
	}
	return NULL;
}

/* ---- main thread: batches and the timer ---- */

/*
 * Takes up to `max` items: returns at once with a full batch, else when
 * the oldest item is HB_BATCH_MS old, or at `deadline` (monotonic ms).
 */
static size_t
take(struct hb_item *out, size_t max, int64_t deadline)
{
	struct timespec ts;
	int64_t until, now;
	size_t n = 0;

	pthread_mutex_lock(&q.mu);
	for (;;) {
		now = time_mono_ms();
		if (q.len >= max)
			break;
		until = q.len > 0 ? q.items[q.head].recv_ms + HB_BATCH_MS :
		    deadline;
		if (q.len > 0 && until > deadline)
			until = deadline;
		if (now >= until)
			break;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000;
		pthread_cond_timedwait(&q.cv, &q.mu, &ts);
	}
	while (n < max && q.len > 0) {
		out[n++] = q.items[q.head];
		q.head = (q.head + 1) % HB_QUEUE_MAX;
		q.len--;
	}
	pthread_mutex_unlock(&q.mu);
	return n;
}

static void
free_items(struct hb_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(items[i].msg);
}

/* Applies a batch in one transaction; false on a database failure. */
static bool
apply_batch(struct db *db, struct hb_item *items, size_t n)
{
	int64_t now = time_now(), mono = time_mono_ms();
	int64_t late_ms = cfg.health_manager_heartbeat_interval * 1000;
	size_t i;
	int r;

	if ((r = db_begin(db)) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		bool late = late_ms > 0 && mono - items[i].recv_ms >= late_ms;

		if ((r = db_exec(db, "SAVEPOINT hb", NULL, NULL)) < 0)
			goto fail;
		r = late ? health_process_late(db, items[i].msg, now) :
		    health_process(db, items[i].msg, now);
		if (r < 0) {
			count(C_DB_ERROR, 1);
			if (db_exec(db, "ROLLBACK TO SAVEPOINT hb", NULL,
			    NULL) < 0)
				goto fail;
		} else {
			switch (r) {
			case HEALTH_APPLIED: count(C_APPLIED, 1); break;
			case HEALTH_MISMATCH: count(C_MISMATCH, 1); break;
			case HEALTH_LATE: count(C_LATE, 1); break;
			case HEALTH_REPLAY: count(C_REPLAY, 1); break;
			case HEALTH_UNKNOWN: count(C_UNKNOWN, 1); break;
			default: count(C_ORPHAN, 1); break;
			}
		}
		if (db_exec(db, "RELEASE SAVEPOINT hb", NULL, NULL) < 0)
			goto fail;
	}
	if ((r = db_commit(db)) < 0) {
		/* A failed COMMIT may leave the transaction open. */
		(void)db_exec(db, "ROLLBACK", NULL, NULL);
		goto fail;
	}
	free_items(items, n);
	return true;
fail:
	db_rollback(db);
	count(C_DB_ERROR, n);
	log_warn("health batch of %zu heartbeats not applied: %s", n,
	    octa_err_str(r));
	free_items(items, n);
	return false;
}

static void
log_counters(uint64_t *last, int64_t period_ms)
{
	uint64_t d[C__COUNT];
	struct buf b;
	size_t i;
	bool any = false, bad;

	for (i = 0; i < C__COUNT; i++) {
		uint64_t v = __atomic_load_n(&counters[i], __ATOMIC_RELAXED);

		d[i] = v - last[i];
		last[i] = v;
		any = any || d[i] != 0;
	}
	if (!any)
		return;
	buf_init(&b, 1024);
	for (i = 0; i < C__COUNT; i++)
		buf_printf(&b, " %s=%llu", counter_names[i],
		    (unsigned long long)d[i]);
	bad = d[C_BAD_MAC] || d[C_BAD_PACKET] || d[C_REPLAY] ||
	    d[C_UNKNOWN] || d[C_QUEUE_FULL] || d[C_DB_ERROR] || d[C_LATE];
	log_msg(bad ? LOG_LVL_WARN : LOG_LVL_INFO,
	    "health heartbeats period=%llds rate=%.1f/s%s",
	    (long long)(period_ms / 1000),
	    period_ms > 0 ? (double)d[C_RECEIVED] * 1000.0 / (double)period_ms :
	    0.0, buf_str(&b));
	buf_free(&b);
}

static bool
sweep_enabled(void)
{
	return strcmp(cfg.controller_worker_amphora_driver,
	    "amphora_noop_driver") != 0;
}

void
health_main(void)
{
	struct hb_item *batch = xcalloc(HB_BATCH_MAX, sizeof(*batch));
	uint64_t last[C__COUNT] = { 0 };
	pthread_condattr_t ca;
	pthread_t rt;
	char *url = config_db_url();
	struct db *db;
	int64_t timeout_ms, check_ms, next_sweep = 0, next_log, now, bound;
	int64_t deadline;
	size_t n;
	int r;

	if (db_open(url, &db) < 0)
		fatal("health cannot open database");
	free(url);
	timeout_ms = cfg.health_manager_heartbeat_timeout * 1000;
	check_ms = (cfg.health_manager_health_check_interval > 0 ?
	    cfg.health_manager_health_check_interval : 3) * 1000;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&rt, NULL, receiver_main, NULL) != 0)
		fatal("health cannot start the receiver thread");
	pthread_detach(rt);
	log_info("health started batch=%d/%dms heartbeat_timeout=%llds "
	    "health_check_interval=%llds sweep=%s", HB_BATCH_MAX, HB_BATCH_MS,
	    cfg.health_manager_heartbeat_timeout, (long long)(check_ms / 1000),
	    sweep_enabled() ? "on" : "off (amphora_noop_driver)");
	next_log = time_mono_ms() + HB_LOG_PERIOD_MS;
	for (;;) {
		now = time_mono_ms();
		bound = __atomic_load_n(&bound_at, __ATOMIC_ACQUIRE);
		if (next_sweep == 0 && bound > 0)
			next_sweep = bound + timeout_ms;
		deadline = next_log;
		if (next_sweep > 0 && next_sweep < deadline)
			deadline = next_sweep;
		if (deadline > now + 1000)
			deadline = now + 1000;
		n = take(batch, HB_BATCH_MAX, deadline);
		if (n > 0 && !apply_batch(db, batch, n))
			next_sweep = time_mono_ms() + timeout_ms;
		now = time_mono_ms();
		if (next_sweep > 0 && now >= next_sweep) {
			next_sweep = now + check_ms;
			if (sweep_enabled()) {
				r = health_sweep(db, time_now());
				if (r < 0) {
					log_warn("health sweep failed: %s; "
					    "next in %llds", octa_err_str(r),
					    (long long)(timeout_ms / 1000));
					next_sweep = now + timeout_ms;
				}
			}
		}
		if (now >= next_log) {
			log_counters(last, HB_LOG_PERIOD_MS);
			next_log = now + HB_LOG_PERIOD_MS;
		}
	}
}
