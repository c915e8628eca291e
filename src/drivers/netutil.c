/*
 * netutil.c - iproute2, namespaces and detached processes for the local
 * drivers (network/local.c, compute/netns.c).
 *
 * Runs in the worker role (several worker threads may call it at once)
 * and in octa-manage.  Commands are run with fork + execv of an absolute
 * path and an argument vector: no shell ever sees a name.  Between fork
 * and exec the child only calls async-signal-safe functions, because the
 * worker is multi-threaded; everything the child needs is prepared
 * before the fork.  Every command has a deadline; a command past it is
 * killed.
 *
 * Agents and their haproxy must outlive the worker that started them
 * (an amphora does not die with its controller), so netutil_spawn
 * double-forks into a new session and sets no parent-death signal.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netutil.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define NETNS_DIR "/run/netns"
#define IP_TIMEOUT_MS 15000
#define MAX_ARGS 40
#define OUT_MAX (1u << 20)

/* ---- names ---- */

bool
netutil_hex8(const char *id, char out[9])
{
	size_t i, k = 0;

	for (i = 0; id && id[i] && k < 8; i++) {
		if (id[i] == '-')
			continue;
		if (!isxdigit((unsigned char)id[i]))
			return false;
		out[k++] = (char)tolower((unsigned char)id[i]);
	}
	out[k] = '\0';
	return k == 8;
}

bool
netutil_amp_ns(const char *amp_id, char *out, size_t len)
{
	char hex[9];

	return netutil_hex8(amp_id, hex) &&
	    (size_t)snprintf(out, len, "octa-amp-%s", hex) < len;
}

bool
netutil_amp_veth(const char *amp_id, const char *suffix, char *out,
    size_t len)
{
	char hex[9];
	int n;

	if (!netutil_hex8(amp_id, hex))
		return false;
	n = snprintf(out, len, "oa%s%s", hex, suffix ? suffix : "");
	return n > 0 && (size_t)n < len && n < NETUTIL_IFNAMSIZ;
}

bool
netutil_bridge_name(const char *network_id, char *out, size_t len)
{
	char hex[9];

	/* 15 characters at most: "octa-br-" and 7 hex digits */
	return netutil_hex8(network_id, hex) &&
	    (size_t)snprintf(out, len, "octa-br-%.7s", hex) < len;
}

bool
netutil_ns_name_ok(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '.')
		return false;
	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '.' && s[n] != '-')
			return false;
	return n < 64;
}

bool
netutil_name_ok(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '.' && s[n] != '-')
			return false;
	return n < NETUTIL_IFNAMSIZ;
}

bool
netutil_mac_ok(const char *s)
{
	int i;

	if (s == NULL || strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' :
		    !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* ---- running commands ---- */

/* The child half of a fork: only async-signal-safe calls from here. */
static void __attribute__((noreturn))
child_exec(const char *const argv[], int in, int out, int err,
    const struct sigaction *dfl)
{
	sigset_t none;
	int s;

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	for (s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (close_range(3, ~0U, 0) < 0)
		for (s = 3; s < 1024; s++)
			close(s);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

static void
argv_text(const char *const argv[], char *out, size_t len)
{
	size_t k = 0;
	int i, n;

	out[0] = '\0';
	for (i = 0; argv[i] && k < len; i++) {
		n = snprintf(out + k, len - k, "%s%s", i ? " " : "", argv[i]);
		if (n < 0)
			break;
		k += (size_t)n;
	}
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Runs a command; stderr into err (NUL-terminated, truncated). */
static int
run(const char *const argv[], struct buf *out, int timeout_ms, int *status,
    char *err, size_t errlen)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, devnull = -1;
	struct sigaction dfl;
	size_t elen = 0;
	int64_t deadline;
	pid_t pid = -1;
	int st = -1, r = -OCTA_EIO, ws;

	err[0] = '\0';
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(argv, devnull, op[1], ep[1], &dfl);
	close_fd(&op[1]);
	close_fd(&ep[1]);
	deadline = time_mono_ms() + timeout_ms;
	while (op[0] >= 0 || ep[0] >= 0) {
		struct pollfd pf[2];
		int *fds[2];
		int64_t left = deadline - time_mono_ms();
		char tmp[4096];
		ssize_t n;
		int nf = 0, i;

		if (left <= 0) {
			kill(pid, SIGKILL);
			snprintf(err, errlen, "timed out after %d ms",
			    timeout_ms);
			elen = errlen;	/* keep this message */
			break;
		}
		if (op[0] >= 0) {
			pf[nf].fd = op[0];
			pf[nf].events = POLLIN;
			fds[nf++] = &op[0];
		}
		if (ep[0] >= 0) {
			pf[nf].fd = ep[0];
			pf[nf].events = POLLIN;
			fds[nf++] = &ep[0];
		}
		if (poll(pf, (nfds_t)nf, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < nf; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fds[i], tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close_fd(fds[i]);
				continue;
			}
			if (fds[i] == &op[0]) {
				if (out)
					(void)buf_add(out, tmp, (size_t)n);
			} else if (elen + 1 < errlen) {
				size_t c = (size_t)n < errlen - 1 - elen ?
				    (size_t)n : errlen - 1 - elen;

				memcpy(err + elen, tmp, c);
				elen += c;
				err[elen] = '\0';
			}
		}
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			ws = -1;
			break;
		}
	if (ws != -1 && WIFEXITED(ws))
		st = WEXITSTATUS(ws);
	r = st == 0 ? 0 : -OCTA_EIO;
out:
	/* trailing newline of stderr out of the way for one-line logs */
	for (elen = strlen(err); elen > 0 && (err[elen - 1] == '\n' ||
	    err[elen - 1] == '\r'); elen--)
		err[elen - 1] = '\0';
	for (elen = 0; err[elen]; elen++)
		if (err[elen] == '\n')
			err[elen] = ' ';
	close_fd(&op[0]);
	close_fd(&op[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	close_fd(&devnull);
	if (status)
		*status = st;
	return r;
}

int
netutil_run(const char *const argv[], struct buf *out, int timeout_ms,
    int *status)
{
	char err[1024], cmd[512];
	int r;

	r = run(argv, out, timeout_ms, status, err, sizeof(err));
	if (r < 0) {
		argv_text(argv, cmd, sizeof(cmd));
		log_warn("command failed cmd=\"%s\" error=\"%s\"", cmd, err);
	}
	return r;
}

const char *
netutil_ip_path(void)
{
	static const char *const paths[] = { "/usr/sbin/ip", "/sbin/ip",
		"/usr/bin/ip", "/bin/ip" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* `ip` with a va_list of arguments; quiet: failure is an answer. */
static int
ip_va(struct buf *out, bool quiet, va_list ap)
{
	const char *argv[MAX_ARGS + 1];
	char err[1024], cmd[512];
	const char *a;
	int n = 0, r;

	if ((argv[n++] = netutil_ip_path()) == NULL) {
		log_error("iproute2 (ip) not found");
		return -OCTA_EIO;
	}
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (n >= MAX_ARGS) {
			log_error("ip: too many arguments");
			return -OCTA_EINVAL;
		}
		argv[n++] = a;
	}
	argv[n] = NULL;
	r = run(argv, out, IP_TIMEOUT_MS, NULL, err, sizeof(err));
	argv_text(argv, cmd, sizeof(cmd));
	if (r < 0 && !quiet)
		log_warn("ip failed cmd=\"%s\" error=\"%s\"", cmd, err);
	else
		log_debug("ip cmd=\"%s\" rc=%d", cmd, r);
	return r;
}

int
netutil_ip(struct buf *out, ...)
{
	va_list ap;
	int r;

	va_start(ap, out);
	r = ip_va(out, false, ap);
	va_end(ap);
	return r;
}

static int
ip_quiet(struct buf *out, ...) __attribute__((sentinel));

static int
ip_quiet(struct buf *out, ...)
{
	va_list ap;
	int r;

	va_start(ap, out);
	r = ip_va(out, true, ap);
	va_end(ap);
	return r;
}

/* ---- links and namespaces ---- */

bool
netutil_link_exists(const char *ifname)
{
	return netutil_name_ok(ifname) && if_nametoindex(ifname) != 0;
}

bool
netutil_ns_exists(const char *ns)
{
	char path[128];
	struct stat st;

	if (!netutil_ns_name_ok(ns))
		return false;
	snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, ns);
	return stat(path, &st) == 0;
}

bool
netutil_ns_link_exists(const char *ns, const char *ifname)
{
	if (!netutil_ns_exists(ns) || !netutil_name_ok(ifname))
		return false;
	return ip_quiet(NULL, "-n", ns, "link", "show", "dev", ifname,
	    NULL) == 0;
}

int
netutil_link_del(const char *ifname)
{
	if (!netutil_name_ok(ifname))
		return -OCTA_EINVAL;
	if (!netutil_link_exists(ifname))
		return 0;
	if (netutil_ip(NULL, "link", "del", "dev", ifname, NULL) < 0 &&
	    netutil_link_exists(ifname))
		return -OCTA_EIO;
	log_info("link deleted name=%s", ifname);
	return 0;
}

int
netutil_ns_add(const char *ns)
{
	if (!netutil_ns_name_ok(ns))
		return -OCTA_EINVAL;
	if (netutil_ns_exists(ns))
		return 0;
	if (netutil_ip(NULL, "netns", "add", ns, NULL) < 0 &&
	    !netutil_ns_exists(ns))
		return -OCTA_EIO;
	log_info("netns created name=%s", ns);
	return 0;
}

int
netutil_ns_del(const char *ns)
{
	if (!netutil_ns_name_ok(ns))
		return -OCTA_EINVAL;
	if (!netutil_ns_exists(ns))
		return 0;
	if (netutil_ip(NULL, "netns", "del", ns, NULL) < 0 &&
	    netutil_ns_exists(ns))
		return -OCTA_EIO;
	log_info("netns deleted name=%s", ns);
	return 0;
}

/*
 * Walks `ip -o link show` output: calls fn(name, line) for each link.
 * Lines look like "7: oa1a2b3c4dm@if6: <BROADCAST,...> ... link/ether
 * fa:16:3e:00:11:22 brd ...".
 */
static void
each_link(const char *text, void (*fn)(const char *name, const char *line,
    void *arg), void *arg)
{
	const char *p = text, *nl, *c;
	char line[1024], name[NETUTIL_IFNAMSIZ];
	size_t n, k;

	while (p && *p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : NULL;
		if ((c = strstr(line, ": ")) == NULL)
			continue;
		c += 2;
		for (k = 0; c[k] && c[k] != ':' && c[k] != '@' &&
		    k + 1 < sizeof(name); k++)
			name[k] = c[k];
		name[k] = '\0';
		if (k > 0)
			fn(name, line, arg);
	}
}

struct prefix_arg {
	const char *prefix;
	json_t *names;
};

static void
prefix_fn(const char *name, const char *line, void *arg)
{
	struct prefix_arg *a = arg;

	(void)line;
	if (strncmp(name, a->prefix, strlen(a->prefix)) == 0)
		json_array_append_new(a->names, json_string(name));
}

int
netutil_links_with_prefix(const char *prefix, json_t **names)
{
	struct prefix_arg a = { prefix, NULL };
	struct buf out;
	int r;

	buf_init(&out, OUT_MAX);
	if ((r = netutil_ip(&out, "-o", "link", "show", NULL)) == 0) {
		a.names = json_array();
		each_link(buf_str(&out), prefix_fn, &a);
		*names = a.names;
	}
	buf_free(&out);
	return r;
}

struct mac_arg {
	const char *mac;
	char *out;
	size_t len;
	bool found;
};

static void
mac_fn(const char *name, const char *line, void *arg)
{
	struct mac_arg *a = arg;
	const char *m = strstr(line, "link/ether ");

	if (a->found || m == NULL)
		return;
	if (strncasecmp(m + strlen("link/ether "), a->mac, 17) == 0) {
		snprintf(a->out, a->len, "%s", name);
		a->found = true;
	}
}

bool
netutil_ns_link_by_mac(const char *ns, const char *mac, char *out,
    size_t len)
{
	struct mac_arg a = { mac, out, len, false };
	struct buf o;

	if (!netutil_mac_ok(mac) || !netutil_ns_exists(ns))
		return false;
	buf_init(&o, OUT_MAX);
	if (ip_quiet(&o, "-n", ns, "-o", "link", "show", NULL) == 0)
		each_link(buf_str(&o), mac_fn, &a);
	buf_free(&o);
	return a.found;
}

/*
 * A bridge answers ARP only for addresses it has itself (arp_ignore=1).
 * By default Linux answers an ARP request on any interface for any address
 * of the host, so a client on a VIP or member network asking for an
 * address the host also has (a VIP of 192.0.2.2 on a host whose eth0 is
 * 192.0.2.2/24, say) could be given the bridge's MAC instead of the
 * amphora's and send its traffic to the host.  The management bridge keeps
 * answering for the controller's address, which is on it.
 */
static void
bridge_arp_own_only(const char *br)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore",
	    br);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		log_warn("bridge arp_ignore name=%s: %s", br, strerror(errno));
		return;
	}
	if (write(fd, "1\n", 2) != 2)
		log_warn("bridge arp_ignore name=%s: %s", br, strerror(errno));
	close(fd);
}

int
netutil_bridge_ensure(const char *br, const char *mac)
{
	if (!netutil_name_ok(br) || (mac && !netutil_mac_ok(mac)))
		return -OCTA_EINVAL;
	if (!netutil_link_exists(br)) {
		if (netutil_ip(NULL, "link", "add", "name", br, "type",
		    "bridge", NULL) < 0 && !netutil_link_exists(br))
			return -OCTA_EIO;
		if (mac && netutil_ip(NULL, "link", "set", "dev", br,
		    "address", mac, NULL) < 0)
			return -OCTA_EIO;
		/*
		 * Traffic between amphorae, clients and servers stays on the
		 * bridge: keep it out of the host's iptables (a host with
		 * br_netfilter and a FORWARD policy of DROP, as Docker sets
		 * up, would drop it).  Older kernels lack the option.
		 */
		(void)ip_quiet(NULL, "link", "set", "dev", br, "type",
		    "bridge", "nf_call_iptables", "0", "nf_call_ip6tables",
		    "0", "nf_call_arptables", "0", NULL);
		log_info("bridge created name=%s", br);
	}
	bridge_arp_own_only(br);
	return netutil_ip(NULL, "link", "set", "dev", br, "up", NULL);
}

int
netutil_addr_replace(const char *ns, const char *ifname, const char *addr)
{
	const char *v6 = addr && strchr(addr, ':') ? "nodad" : NULL;

	if (!netutil_name_ok(ifname) || addr == NULL ||
	    strchr(addr, '/') == NULL || (ns && !netutil_ns_name_ok(ns)))
		return -OCTA_EINVAL;
	if (ns)
		return netutil_ip(NULL, "-n", ns, "addr", "replace", addr,
		    "dev", ifname, v6, NULL);
	return netutil_ip(NULL, "addr", "replace", addr, "dev", ifname, v6,
	    NULL);
}

int
netutil_veth_plug(const char *host, const char *bridge, const char *ns,
    const char *inner, const char *mac)
{
	if (!netutil_name_ok(host) || !netutil_name_ok(bridge) ||
	    !netutil_ns_name_ok(ns) || !netutil_name_ok(inner) ||
	    (mac && !netutil_mac_ok(mac)))
		return -OCTA_EINVAL;
	if (!netutil_ns_exists(ns)) {
		log_error("veth plug: no namespace %s", ns);
		return -OCTA_ENOTFOUND;
	}
	/* A host end whose peer is not `inner` in `ns` is a leftover. */
	if (netutil_link_exists(host) && !netutil_ns_link_exists(ns, inner) &&
	    netutil_link_del(host) < 0)
		return -OCTA_EIO;
	if (!netutil_link_exists(host)) {
		/* `inner` without our host end is a leftover too. */
		if (netutil_ns_link_exists(ns, inner) &&
		    netutil_ip(NULL, "-n", ns, "link", "del", "dev", inner,
		    NULL) < 0)
			return -OCTA_EIO;
		if (netutil_ip(NULL, "link", "add", "name", host, "type",
		    "veth", "peer", "name", inner, "netns", ns, NULL) < 0)
			return -OCTA_EIO;
		log_info("veth created host=%s peer=%s/%s", host, ns, inner);
	}
	if (mac && netutil_ip(NULL, "-n", ns, "link", "set", "dev", inner,
	    "address", mac, NULL) < 0)
		return -OCTA_EIO;
	if (netutil_ip(NULL, "link", "set", "dev", host, "master", bridge,
	    NULL) < 0 ||
	    netutil_ip(NULL, "link", "set", "dev", host, "up", NULL) < 0 ||
	    netutil_ip(NULL, "-n", ns, "link", "set", "dev", inner, "up",
	    NULL) < 0)
		return -OCTA_EIO;
	return 0;
}

/* ---- processes ---- */

int
netutil_ns_pids(const char *ns, pid_t **pids, size_t *n)
{
	struct buf out;
	const char *p;
	pid_t *v = NULL;
	size_t k = 0, cap = 0;
	int r;

	*pids = NULL;
	*n = 0;
	if (!netutil_ns_exists(ns))
		return 0;
	buf_init(&out, OUT_MAX);
	if ((r = netutil_ip(&out, "netns", "pids", ns, NULL)) < 0)
		goto out;
	for (p = buf_str(&out); *p; ) {
		char num[24];
		long long x;
		size_t len = strcspn(p, "\n");

		if (len > 0 && len < sizeof(num)) {
			memcpy(num, p, len);
			num[len] = '\0';
			if (parse_ll(num, &x) && x > 1) {
				if (k == cap) {
					cap = cap ? cap * 2 : 8;
					v = xrealloc(v, cap * sizeof(*v));
				}
				v[k++] = (pid_t)x;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	*pids = v;
	*n = k;
out:
	buf_free(&out);
	return r;
}

bool
netutil_pid_in_ns(pid_t pid, const char *ns)
{
	char a[128], b[64];
	struct stat sa, sb;

	if (pid <= 1 || !netutil_ns_name_ok(ns))
		return false;
	snprintf(a, sizeof(a), "%s/%s", NETNS_DIR, ns);
	snprintf(b, sizeof(b), "/proc/%d/ns/net", (int)pid);
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool
netutil_pid_alive(pid_t pid)
{
	char path[64], text[512], *close_paren;
	ssize_t n;
	int fd;

	if (pid <= 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	if ((close_paren = strrchr(text, ')')) == NULL || close_paren[1] != ' ')
		return false;
	return close_paren[2] != 'Z' && close_paren[2] != 'X';
}

/* Waits until none of the pids lives, at most `ms`; true if none does. */
static bool
wait_gone(const pid_t *pids, size_t n, int ms)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int64_t deadline = time_mono_ms() + ms;
	size_t i;

	for (;;) {
		bool any = false;

		for (i = 0; i < n; i++)
			if (netutil_pid_alive(pids[i]))
				any = true;
		if (!any)
			return true;
		if (time_mono_ms() >= deadline)
			return false;
		nanosleep(&ts, NULL);
	}
}

int
netutil_kill_wait(const pid_t *pids, size_t n, int grace_ms)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (netutil_pid_alive(pids[i]))
			kill(pids[i], SIGTERM);
	if (wait_gone(pids, n, grace_ms))
		return 0;
	for (i = 0; i < n; i++)
		if (netutil_pid_alive(pids[i])) {
			log_warn("process pid=%d ignored SIGTERM; SIGKILL",
			    (int)pids[i]);
			kill(pids[i], SIGKILL);
		}
	return wait_gone(pids, n, 2000) ? 0 : -OCTA_EBUSY;
}

int
netutil_spawn(const char *const argv[], const char *log_path, pid_t *pid)
{
	int pp[2] = { -1, -1 }, logfd = -1, devnull = -1, ws;
	struct sigaction dfl;
	pid_t mid = -1, child = -1;
	ssize_t n;
	int r = -OCTA_EIO;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	if (pipe2(pp, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) < 0) {
		log_error("spawn %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if ((mid = fork()) < 0) {
		log_error("spawn %s: fork: %s", argv[0], strerror(errno));
		goto out;
	}
	if (mid == 0) {
		pid_t g;

		setsid();
		g = fork();
		if (g == 0)
			child_exec(argv, devnull, logfd, logfd, &dfl);
		if (g > 0)
			(void)!write(pp[1], &g, sizeof(g));
		_exit(g > 0 ? 0 : 1);
	}
	close_fd(&pp[1]);
	do
		n = read(pp[0], &child, sizeof(child));
	while (n < 0 && errno == EINTR);
	while (waitpid(mid, &ws, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(child) || child <= 0) {
		log_error("spawn %s: no process", argv[0]);
		goto out;
	}
	*pid = child;
	r = 0;
out:
	close_fd(&pp[0]);
	close_fd(&pp[1]);
	close_fd(&logfd);
	close_fd(&devnull);
	return r;
}
