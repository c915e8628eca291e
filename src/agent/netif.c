/*
 * netif.c - network interfaces through iproute2; see netif.h.
 * Main thread only (request handlers).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netif.h"
#include "sys.h"
#include "../common/errors.h"
#include "../common/log.h"

#define IP_MAX_ARGS 32
#define IP_TIMEOUT_MS 10000
#define IP_OUT_MAX (4u << 20)

static const char *
ip_path(void)
{
	static const char *const cands[] = { "/usr/sbin/ip", "/sbin/ip",
		"/usr/bin/ip", "/bin/ip" };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return cands[0];
}

/* Runs ip with argv[1..]; output in out. */
static int
ip_argv(const char **argv, struct buf *out)
{
	int st = 0, r;

	argv[0] = ip_path();
	if ((r = sys_run(argv, IP_TIMEOUT_MS, -1, out, &st)) < 0)
		return r;
	return st == 0 ? 0 : -OCTA_EINTERNAL;
}

int
netif_ip(struct buf *err, ...)
{
	const char *argv[IP_MAX_ARGS + 2];
	struct buf out;
	size_t n = 1;
	va_list ap;
	const char *s;
	int r;

	va_start(ap, err);
	while ((s = va_arg(ap, const char *)) != NULL && n <= IP_MAX_ARGS)
		argv[n++] = s;
	va_end(ap);
	argv[n] = NULL;
	buf_init(&out, 64 * 1024);
	r = ip_argv(argv, &out);
	if (r < 0) {
		struct buf cmd;
		size_t i;

		buf_init(&cmd, 4096);
		for (i = 1; i < n; i++)
			(void)buf_printf(&cmd, " %s", argv[i]);
		log_warn("agent ip%s: failed: %s", buf_str(&cmd),
		    buf_str(&out));
		if (err != NULL) {
			(void)buf_printf(err, "ip%s: %s", buf_str(&cmd),
			    buf_str(&out));
		}
		buf_free(&cmd);
	}
	buf_free(&out);
	return r;
}

static int
ip_json(const char *what, json_t **out)
{
	const char *argv[] = { NULL, "-j", what, "show", NULL };
	struct buf b;
	json_t *j;
	int r;

	buf_init(&b, IP_OUT_MAX);
	if ((r = ip_argv(argv, &b)) < 0)
		goto out;
	r = -OCTA_EINTERNAL;
	j = json_loadb(buf_str(&b), b.len, 0, NULL);
	if (!json_is_array(j)) {
		json_decref(j);
		log_error("agent: `ip -j %s show` gave no JSON array", what);
		goto out;
	}
	*out = j;
	r = 0;
out:
	buf_free(&b);
	return r;
}

int
netif_links(json_t **out)
{
	return ip_json("link", out);
}

int
netif_addrs(json_t **out)
{
	return ip_json("addr", out);
}

const char *
netif_name_by_mac(json_t *links, const char *mac)
{
	const char *a;
	json_t *l;
	size_t i;

	json_array_foreach(links, i, l) {
		a = json_string_value(json_object_get(l, "address"));
		if (a != NULL && strcasecmp(a, mac) == 0)
			return json_string_value(json_object_get(l, "ifname"));
	}
	return NULL;
}

bool
netif_exists(json_t *links, const char *name)
{
	const char *n;
	json_t *l;
	size_t i;

	json_array_foreach(links, i, l) {
		n = json_string_value(json_object_get(l, "ifname"));
		if (n != NULL && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* Same address, whatever the spelling (IPv6 has several). */
static bool
same_ip(const char *x, const char *y)
{
	unsigned char a[16], b[16];

	if (x == NULL || y == NULL)
		return false;
	if (inet_pton(AF_INET, x, a) == 1)
		return inet_pton(AF_INET, y, b) == 1 && memcmp(a, b, 4) == 0;
	if (inet_pton(AF_INET6, x, a) == 1)
		return inet_pton(AF_INET6, y, b) == 1 &&
		    memcmp(a, b, 16) == 0;
	return false;
}

static bool
iface_has(json_t *iface, const char *ip)
{
	json_t *ai, *ad;
	size_t k;

	ai = json_object_get(iface, "addr_info");
	json_array_foreach(ai, k, ad)
		if (same_ip(json_string_value(json_object_get(ad, "local")),
		    ip))
			return true;
	return false;
}

const char *
netif_name_by_ip(json_t *addrs, const char *ip)
{
	json_t *l;
	size_t i;

	json_array_foreach(addrs, i, l)
		if (iface_has(l, ip))
			return json_string_value(json_object_get(l, "ifname"));
	return NULL;
}

bool
netif_has_addr(json_t *addrs, const char *name, const char *ip)
{
	const char *n;
	json_t *l;
	size_t i;

	json_array_foreach(addrs, i, l) {
		n = json_string_value(json_object_get(l, "ifname"));
		if (n != NULL && strcmp(n, name) == 0)
			return iface_has(l, ip);
	}
	return false;
}

bool
netif_mac_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static void
proc_set(const char *path, const char *ifname)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(fd, "1\n", 2) != 2)
		log_warn("agent cannot set %s iface=%s: %s", path, ifname,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
}

void
netif_announce_on_up(const char *ifname)
{
	char path[96];

	if (ifname == NULL || strchr(ifname, '/') != NULL ||
	    strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/ndisc_notify",
	    ifname);
	if (access(path, F_OK) == 0)	/* IPv6 may be off */
		proc_set(path, ifname);
}

int
netif_garp(const char *ifname, const char *ip)
{
	unsigned char frame[ETH_HLEN + 28], mac[ETH_ALEN], *arp;
	struct sockaddr_ll sll;
	struct in_addr a;
	struct ifreq ifr;
	unsigned idx;
	int fd, op, r = 0;

	if (ifname == NULL || strlen(ifname) >= IFNAMSIZ ||
	    inet_pton(AF_INET, ip ? ip : "", &a) != 1)
		return -OCTA_EINVAL;
	if ((idx = if_nametoindex(ifname)) == 0)
		return -OCTA_ENOTFOUND;
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
	    htons(ETH_P_ARP))) < 0)
		return -OCTA_EIO;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		close(fd);
		return -OCTA_EIO;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)idx;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	for (op = 1; op <= 2; op++) {		/* request, then reply */
		memset(frame, 0xff, ETH_ALEN);
		memcpy(frame + ETH_ALEN, mac, ETH_ALEN);
		frame[12] = ETH_P_ARP >> 8;
		frame[13] = ETH_P_ARP & 0xff;
		arp = frame + ETH_HLEN;
		arp[0] = 0; arp[1] = 1;			/* Ethernet */
		arp[2] = 0x08; arp[3] = 0x00;		/* IPv4 */
		arp[4] = ETH_ALEN; arp[5] = 4;
		arp[6] = 0; arp[7] = (unsigned char)op;
		memcpy(arp + 8, mac, ETH_ALEN);		/* sender: us */
		memcpy(arp + 14, &a, 4);
		if (op == 1)
			memset(arp + 18, 0, ETH_ALEN);
		else
			memcpy(arp + 18, mac, ETH_ALEN);
		memcpy(arp + 24, &a, 4);		/* target: the same */
		if (sendto(fd, frame, sizeof(frame), 0,
		    (struct sockaddr *)&sll, sizeof(sll)) < 0)
			r = -OCTA_EIO;
	}
	close(fd);
	return r;
}
