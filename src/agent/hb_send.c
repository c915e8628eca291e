/*
 * hb_send.c - the heartbeat sender thread; see hb_send.h.
 *
 * One thread of its own (Octavia runs a separate process), so heartbeats
 * keep their rhythm while a request handler waits for HAProxy.  What it
 * shares with the main thread is only the three mutable settings, under
 * `mu`; everything else (sequence number, counters, sockets) is its own.
 *
 * Each round: if keepalived is configured but not running, no heartbeat
 * (that is how a broken standby gets failed over); otherwise every running
 * HAProxy's stats socket is asked `show stat`, stats.c turns the answers
 * into listeners and pools with counter deltas, the counters are saved in
 * <base>/stats_counters.json (so a restarted agent keeps reporting
 * deltas), and the sealed message goes to one destination.  The sequence
 * number starts at 0 and grows by one per message built.
 */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hb_send.h"
#include "routes.h"
#include "stats.h"
#include "vrrp.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"
#include "../wire/heartbeat.h"

#define HB_MAX_DESTS 16
#define HB_STATS_MAX (8u << 20)	/* one `show stat` answer */
#define HB_QUERY_MS 2000

struct hb_dest {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct hb_sender {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool changed;
	/* Shared settings, under mu. */
	char *targets;
	char *key;
	long long interval;

	/* The thread's own. */
	char *base;
	char *run;		/* where the stats sockets are */
	char *amphora_id;
	long long seq;
	json_t *counters;
	char *parsed;		/* the targets `dests` was built from */
	struct hb_dest dests[HB_MAX_DESTS];
	size_t ndests;
	size_t next;
	int fd4;
	int fd6;
};

/* ---- destinations ---- */

static void
dests_parse(struct hb_sender *h, const char *targets)
{
	char *list = xstrdup(targets), *p = list, *item, *host, *port;
	struct addrinfo hints, *res;
	size_t n;
	int e;

	h->ndests = 0;
	h->next = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	while ((item = strsep(&p, ",")) != NULL) {
		while (*item == ' ' || *item == '\t')
			item++;
		n = strlen(item);
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			item[--n] = '\0';
		if (n == 0)
			continue;
		if ((port = strrchr(item, ':')) == NULL) {
			log_error("agent heartbeat: bad destination '%s' in "
			    "controller_ip_port_list (want ip:port)", item);
			continue;
		}
		*port++ = '\0';
		host = item;
		n = strlen(host);
		if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
			host[n - 1] = '\0';
			host++;
		}
		if (h->ndests == HB_MAX_DESTS) {
			log_warn("agent heartbeat: more than %d destinations, "
			    "the rest ignored", HB_MAX_DESTS);
			break;
		}
		if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
			log_error("agent heartbeat: destination %s port %s: %s",
			    host, port, gai_strerror(e));
			continue;
		}
		memcpy(&h->dests[h->ndests].sa, res->ai_addr, res->ai_addrlen);
		h->dests[h->ndests].len = res->ai_addrlen;
		h->ndests++;
		freeaddrinfo(res);
	}
	free(list);
	free(h->parsed);
	h->parsed = xstrdup(targets);
}

static void
hb_sendto(struct hb_sender *h, const struct buf *pkt)
{
	struct hb_dest *d;
	int *fd;

	if (h->ndests == 0) {
		log_error("agent heartbeat: no controller address found, "
		    "unable to send heartbeat");
		return;
	}
	d = &h->dests[h->next];
	h->next = (h->next + 1) % h->ndests;
	fd = d->sa.ss_family == AF_INET6 ? &h->fd6 : &h->fd4;
	if (*fd < 0)
		*fd = socket(d->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd < 0) {
		log_error("agent heartbeat: socket: %s", strerror(errno));
		return;
	}
	/* Networks may still be coming up: a failed send is not fatal. */
	if (sendto(*fd, pkt->p, pkt->len, 0, (struct sockaddr *)&d->sa,
	    d->len) < 0)
		log_debug("agent heartbeat: sendto failed: %s",
		    strerror(errno));
}

/* ---- the message ---- */

static void
counters_load(struct hb_sender *h)
{
	char path[AGENT_PATH_MAX];
	struct buf b;

	buf_init(&b, 1u << 20);
	h->counters = NULL;
	if (agent_path(path, sizeof(path), "%s/stats_counters.json", h->base)
	    && sys_read_file(path, 1u << 20, &b) == 0)
		h->counters = json_loadb(buf_str(&b), b.len, 0, NULL);
	if (!json_is_object(h->counters)) {
		json_decref(h->counters);
		h->counters = json_object();
	}
	buf_free(&b);
}

static void
counters_save(struct hb_sender *h)
{
	char path[AGENT_PATH_MAX], *text;

	if (!agent_path(path, sizeof(path), "%s/stats_counters.json", h->base))
		return;
	if ((text = json_dumps(h->counters, JSON_COMPACT)) == NULL)
		return;
	if (sys_write_file(path, text, strlen(text), 0640) < 0)
		log_warn("agent heartbeat: could not persist counters");
	free(text);
}

/* Adds every running HAProxy's statistics; false if one did not answer. */
static bool
add_haproxies(struct hb_sender *h, json_t *msg, json_t *seen)
{
	char cfgp[AGENT_PATH_MAX], pidp[AGENT_PATH_MAX], sock[AGENT_PATH_MAX];
	struct dirent *de;
	struct buf out;
	bool all = true;
	pid_t pid;
	DIR *d;
	int r;

	if ((d = opendir(h->base)) == NULL)
		return true;
	buf_init(&out, HB_STATS_MAX + 1);
	while ((de = readdir(d)) != NULL) {
		const char *lb = de->d_name;

		if (!agent_id_ok(lb) ||
		    !agent_path(cfgp, sizeof(cfgp), "%s/%s/haproxy.cfg",
		    h->base, lb) ||
		    !agent_path(pidp, sizeof(pidp), "%s/%s/%s.pid", h->base,
		    lb, lb) ||
		    !agent_path(sock, sizeof(sock), "%s/%s.sock", h->run,
		    lb) ||
		    !sys_exists(cfgp))
			continue;
		if (sys_read_pid(pidp, &pid) < 0 || !sys_alive(pid, "haproxy"))
			continue;
		buf_reset(&out);
		r = sys_unix_query(sock, "show stat", HB_QUERY_MS,
		    HB_STATS_MAX, &out);
		if (r == 0)
			r = stats_add_csv(buf_str(&out), out.len, msg,
			    h->counters, seen);
		if (r < 0) {
			log_warn("agent heartbeat: no statistics lb=%s: %s", lb,
			    octa_err_str(r));
			all = false;
		}
	}
	closedir(d);
	buf_free(&out);
	return all;
}

static void
hb_round(struct hb_sender *h, const char *key)
{
	json_t *msg = NULL, *seen = NULL;
	struct buf pkt;
	int r;

	buf_init(&pkt, HB_MAX_PACKET);
	if (vrrp_blocks_heartbeat(h->base)) {
		log_error("agent heartbeat: keepalived is configured but not "
		    "running, skipping health heartbeat");
		goto out;
	}
	if ((msg = stats_message(h->amphora_id, h->seq++)) == NULL ||
	    (seen = json_object()) == NULL)
		goto out;
	if (add_haproxies(h, msg, seen))
		stats_prune(h->counters, seen);
	counters_save(h);
	if ((r = heartbeat_encode(msg, key, &pkt)) < 0) {
		log_error("agent heartbeat: cannot seal: %s",
		    heartbeat_strerror(r));
		goto out;
	}
	hb_sendto(h, &pkt);
out:
	json_decref(seen);
	json_decref(msg);
	buf_free(&pkt);
}

static void *
hb_main(void *arg)
{
	struct hb_sender *h = arg;
	struct timespec deadline;
	char *targets = NULL, *key = NULL;
	long long interval;

	log_info("agent heartbeat sender starting");
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		free(targets);
		free(key);
		targets = xstrdup(h->targets);
		key = xstrdup(h->key);
		pthread_mutex_unlock(&h->mu);

		if (h->parsed == NULL || strcmp(h->parsed, targets) != 0)
			dests_parse(h, targets);
		hb_round(h, key);

		pthread_mutex_lock(&h->mu);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		interval = h->interval;
		for (;;) {
			struct timespec end = deadline;

			end.tv_sec += interval;
			if (h->stop || pthread_cond_timedwait(&h->cv, &h->mu,
			    &end) == ETIMEDOUT)
				break;
			/* New settings: the new interval, from the last one. */
			if (h->changed) {
				h->changed = false;
				interval = h->interval;
			}
		}
	}
	pthread_mutex_unlock(&h->mu);
	free(targets);
	if (key != NULL)
		memset(key, 0, strlen(key));
	free(key);
	log_info("agent heartbeat sender stopped");
	return NULL;
}

static long long
sane_interval(long long v)
{
	if (v < 1)
		return 1;
	if (v > 3600)
		return 3600;
	return v;
}

int
hb_start(struct agent *a, const char *targets, const char *key,
    long long interval)
{
	struct hb_sender *h = xcalloc(1, sizeof(*h));
	pthread_condattr_t ca;
	sigset_t all, old;
	int e;

	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	h->targets = xstrdup(targets ? targets : "");
	h->key = xstrdup(key ? key : "");
	h->interval = sane_interval(interval);
	h->base = xstrdup(a->base);
	h->run = xstrdup(a->run);
	h->amphora_id = xstrdup(a->amphora_id);
	h->fd4 = -1;
	h->fd6 = -1;
	counters_load(h);
	/* Signals are the main thread's (its event loop handles them). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&h->thread, NULL, hb_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		log_error("agent heartbeat: cannot start thread: %s",
		    strerror(e));
		json_decref(h->counters);
		free(h->targets);
		free(h->key);
		free(h->base);
		free(h->run);
		free(h->amphora_id);
		free(h);
		return -OCTA_EINTERNAL;
	}
	a->hb = h;
	return 0;
}

void
hb_configure(struct agent *a, const char *targets, const char *key,
    long long interval)
{
	struct hb_sender *h = a->hb;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	free(h->targets);
	free(h->key);
	h->targets = xstrdup(targets ? targets : "");
	h->key = xstrdup(key ? key : "");
	h->interval = sane_interval(interval);
	h->changed = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void
hb_stop(struct agent *a)
{
	struct hb_sender *h = a->hb;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	if (h->fd4 >= 0)
		close(h->fd4);
	if (h->fd6 >= 0)
		close(h->fd6);
	json_decref(h->counters);
	free(h->targets);
	free(h->key);
	free(h->base);
	free(h->run);
	free(h->amphora_id);
	free(h->parsed);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
	a->hb = NULL;
}
