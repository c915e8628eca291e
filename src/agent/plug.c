/*
 * plug.c - VIP and member network plugging; see plug.h.
 *
 * Main thread only.  Every change is an `ip` command from an argument
 * vector; names and addresses are checked before they get there.  The
 * steps are idempotent (`ip addr replace`, `ip route replace`, a rule
 * deleted before it is added), and the MAC is recorded only at the end,
 * so a plug that failed half way can simply be sent again.
 *
 * What the VIP gets, as Octavia's interface files give it (SINGLE
 * topology; with ACTIVE_STANDBY keepalived owns the VIP and its table 1
 * routes, so only the VRRP address and the main routes are set here):
 *   vrrp_ip/<subnet prefix>, VIP/32 (or /128) on eth1, eth1 up;
 *   <subnet> dev eth1 scope link (unless the VRRP address made it);
 *   default via <gateway> dev eth1 onlink;
 *   table 1: default via <gateway>, <subnet> src VIP, and a rule
 *   "from VIP table 1 priority 100" so replies leave by the VIP's side;
 *   host routes: <destination> via <nexthop> onlink (main and table 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plug.h"
#include "netif.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

#define VIP_IFACE "eth1"
#define VIP_TABLE "1"
#define VIP_RULE_PRIO "100"
#define MAX_VIPS 16
#define MAX_FIXED 16
#define NO_NIC "No suitable network interface found"

struct net_addr {
	char ip[INET6_ADDRSTRLEN];	/* canonical text */
	char exploded[48];		/* Python's ip_address.exploded */
	int family;			/* 4 or 6 */
	char cidr[INET6_ADDRSTRLEN + 8];	/* the subnet, canonical */
	int prefix;
	const char *gateway;		/* NULL: none */
	json_t *host_routes;		/* borrowed; NULL: none */
};

/* ---- addresses ---- */

static bool
parse_ip(const char *s, int *family, unsigned char bin[16])
{
	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, bin) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, bin) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

static void
explode(int family, const unsigned char bin[16], char *out, size_t len)
{
	if (family == 4) {
		inet_ntop(AF_INET, bin, out, (socklen_t)len);
		return;
	}
	snprintf(out, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
	    "%02x%02x:%02x%02x:%02x%02x:%02x%02x", bin[0], bin[1], bin[2],
	    bin[3], bin[4], bin[5], bin[6], bin[7], bin[8], bin[9], bin[10],
	    bin[11], bin[12], bin[13], bin[14], bin[15]);
}

/*
 * "addr[/prefix]" -> canonical "network/prefix".  With `strict`, host
 * bits must be zero (Python's ip_network).  Error text in err.
 */
static bool
parse_net(const char *s, bool strict, int *family, char *out, size_t len,
    int *prefix, struct buf *err)
{
	unsigned char bin[16];
	char addr[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN];
	const char *slash;
	long long pfx;
	int fam, max, i;

	if (s == NULL || (slash = strchr(s, '/')) == NULL) {
		slash = s ? s + strlen(s) : NULL;
	}
	if (s == NULL || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (!parse_ip(addr, &fam, bin))
		goto bad;
	max = fam == 4 ? 32 : 128;
	pfx = max;
	if (*slash == '/' && (!parse_ll(slash + 1, &pfx) || pfx < 0 ||
	    pfx > max))
		goto bad;
	for (i = (int)pfx; i < max; i++) {
		if (bin[i / 8] & (0x80 >> (i % 8))) {
			if (strict) {
				(void)buf_printf(err, "%s has host bits set",
				    s);
				return false;
			}
			bin[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		}
	}
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, bin, text, sizeof(text));
	snprintf(out, len, "%s/%d", text, (int)pfx);
	*family = fam;
	*prefix = (int)pfx;
	return true;
bad:
	(void)buf_printf(err, "'%s' does not appear to be an IPv4 or IPv6 "
	    "network", s ? s : "None");
	return false;
}

static bool
parse_addr(const char *ip, struct net_addr *na, struct buf *err)
{
	unsigned char bin[16];

	if (!parse_ip(ip, &na->family, bin)) {
		(void)buf_printf(err, "'%s' does not appear to be an IPv4 or "
		    "IPv6 address", ip ? ip : "None");
		return false;
	}
	inet_ntop(na->family == 4 ? AF_INET : AF_INET6, bin, na->ip,
	    sizeof(na->ip));
	explode(na->family, bin, na->exploded, sizeof(na->exploded));
	return true;
}

/* host_routes: [{"destination": cidr, "nexthop": ip}] or absent. */
static bool
routes_ok(json_t *hr, struct buf *err)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	int fam, pfx;
	json_t *r;
	size_t i;

	if (hr == NULL || json_is_null(hr))
		return true;
	if (!json_is_array(hr)) {
		(void)buf_adds(err, "host_routes must be a list");
		return false;
	}
	json_array_foreach(hr, i, r) {
		if (!parse_net(json_string_value(json_object_get(r,
		    "destination")), false, &fam, cidr, sizeof(cidr), &pfx,
		    err))
			return false;
		if (!parse_ip(json_string_value(json_object_get(r, "nexthop")),
		    &fam, bin)) {
			(void)buf_adds(err, "bad host route nexthop");
			return false;
		}
	}
	return true;
}

/* One VIP: address, subnet, gateway, host routes. */
static bool
parse_vip(const char *ip, json_t *subnet, json_t *gw, json_t *hr,
    struct net_addr *na, struct buf *err)
{
	unsigned char bin[16];
	int fam;

	memset(na, 0, sizeof(*na));
	if (!parse_addr(ip, na, err) ||
	    !parse_net(json_string_value(subnet), true, &fam, na->cidr,
	    sizeof(na->cidr), &na->prefix, err))
		return false;
	if (gw != NULL && !json_is_null(gw)) {
		if (!parse_ip(json_string_value(gw), &fam, bin)) {
			(void)buf_printf(err, "'%s' does not appear to be an "
			    "IPv4 or IPv6 address", json_is_string(gw) ?
			    json_string_value(gw) : "?");
			return false;
		}
		na->gateway = json_string_value(gw);
	}
	if (!routes_ok(hr, err))
		return false;
	na->host_routes = json_is_array(hr) ? hr : NULL;
	return true;
}

static bool
parse_mtu(json_t *v, char out[8])
{
	json_int_t m;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v) || (m = json_integer_value(v)) < 68 ||
	    m > 65535)
		return false;
	snprintf(out, 8, "%d", (int)m);
	return true;
}

/* ---- plugged_interfaces ---- */

static bool
plugged_path(const struct agent *a, char *out, size_t len)
{
	return agent_path(out, len, "%s/plugged_interfaces", a->base);
}

/* The name recorded for a MAC; false if it was never plugged. */
static bool
plugged_lookup(const struct agent *a, const char *mac, char name[16])
{
	char path[AGENT_PATH_MAX], *p, *line, *sp;
	bool found = false;
	struct buf b;

	buf_init(&b, 1u << 20);
	if (!plugged_path(a, path, sizeof(path)) ||
	    sys_read_file(path, 1u << 20, &b) < 0)
		goto out;
	p = b.p;
	while (p != NULL && (line = strsep(&p, "\n")) != NULL) {
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		if (strcasecmp(line, mac) == 0 && strlen(sp) < 16) {
			memcpy(name, sp, strlen(sp) + 1);
			found = true;
			break;
		}
	}
out:
	buf_free(&b);
	return found;
}

static int
plugged_add(const struct agent *a, const char *mac, const char *name)
{
	char path[AGENT_PATH_MAX], old[16];
	struct buf b;
	int r;

	if (plugged_lookup(a, mac, old))
		return 0;
	if (!plugged_path(a, path, sizeof(path)))
		return -OCTA_EINVAL;
	buf_init(&b, (1u << 20) + 64);
	r = sys_read_file(path, 1u << 20, &b);
	if (r < 0 && r != -OCTA_ENOTFOUND)
		goto out;
	if ((r = buf_printf(&b, "%s %s\n", mac, name)) < 0)
		goto out;
	r = sys_write_file(path, b.p, b.len, 0644);
out:
	buf_free(&b);
	return r;
}

/* ---- plumbing ---- */

static const char *
fam_opt(int family)
{
	return family == 6 ? "-6" : "-4";
}

/* "ip/prefix" */
static void
with_prefix(char *out, size_t len, const char *ip, int prefix)
{
	snprintf(out, len, "%.*s/%d", INET6_ADDRSTRLEN, ip, prefix);
}

static int
link_rename(const char *from, const char *to, struct buf *err)
{
	int r;

	if (strcmp(from, to) == 0)
		return 0;
	if ((r = netif_ip(err, "link", "set", "dev", from, "down", NULL)) < 0)
		return r;
	return netif_ip(err, "link", "set", "dev", from, "name", to, NULL);
}

/* IPv4 addresses get a gratuitous ARP once their interface is up. */
static void
announce(const char *ifname, const struct net_addr *addr)
{
	int r;

	if (addr->family != 4)
		return;
	if ((r = netif_garp(ifname, addr->ip)) < 0)
		log_warn("agent gratuitous ARP iface=%s ip=%s failed: %s",
		    ifname, addr->ip, octa_err_str(r));
}

static int
host_routes_add(const char *ifname, json_t *hr, bool table1,
    struct buf *err)
{
	const char *dst, *nh;
	unsigned char bin[16];
	json_t *rt;
	size_t i;
	int fam, r;

	json_array_foreach(hr, i, rt) {
		dst = json_string_value(json_object_get(rt, "destination"));
		nh = json_string_value(json_object_get(rt, "nexthop"));
		if (!parse_ip(nh, &fam, bin))
			return -OCTA_EINVAL;
		if ((r = netif_ip(err, fam_opt(fam), "route", "replace", dst,
		    "via", nh, "dev", ifname, "onlink", NULL)) < 0)
			return r;
		if (table1 && (r = netif_ip(err, fam_opt(fam), "route",
		    "replace", dst, "via", nh, "dev", ifname, "onlink",
		    "table", VIP_TABLE, NULL)) < 0)
			return r;
	}
	return 0;
}

static int
vip_plumb(const struct agent *a, const char *ifname, struct net_addr *vips,
    size_t nvips, const struct net_addr *vrrp, const char *mtu,
    struct buf *err)
{
	char with_len[INET6_ADDRSTRLEN + 8];
	bool own = !a->active_standby;
	struct net_addr *v;
	size_t i;
	int r;

	if (mtu[0] && (r = netif_ip(err, "link", "set", "dev", ifname, "mtu",
	    mtu, NULL)) < 0)
		return r;
	if (vrrp != NULL) {
		with_prefix(with_len, sizeof(with_len), vrrp->ip,
		    vrrp->prefix);
		if ((r = netif_ip(err, fam_opt(vrrp->family), "addr",
		    "replace", with_len, "dev", ifname, NULL)) < 0)
			return r;
	}
	for (i = 0; own && i < nvips; i++) {
		v = &vips[i];
		with_prefix(with_len, sizeof(with_len), v->ip,
		    v->family == 4 ? 32 : 128);
		if ((r = netif_ip(err, fam_opt(v->family), "addr", "replace",
		    with_len, "dev", ifname, NULL)) < 0)
			return r;
	}
	netif_announce_on_up(ifname);
	if ((r = netif_ip(err, "link", "set", "dev", ifname, "up", NULL)) < 0)
		return r;
	for (i = 0; i < nvips; i++) {
		const char *f;

		v = &vips[i];
		f = fam_opt(v->family);
		/* The VRRP address brought its own subnet route. */
		if ((vrrp == NULL || vrrp->family != v->family ||
		    strcmp(vrrp->cidr, v->cidr) != 0) &&
		    (r = netif_ip(err, f, "route", "replace", v->cidr, "dev",
		    ifname, "scope", "link", NULL)) < 0)
			return r;
		if (v->gateway != NULL && (r = netif_ip(err, f, "route",
		    "replace", "default", "via", v->gateway, "dev", ifname,
		    "onlink", NULL)) < 0)
			return r;
		if (own) {
			if (v->gateway != NULL && (r = netif_ip(err, f,
			    "route", "replace", "default", "via", v->gateway,
			    "dev", ifname, "onlink", "table", VIP_TABLE,
			    NULL)) < 0)
				return r;
			if ((r = netif_ip(err, f, "route", "replace", v->cidr,
			    "dev", ifname, "src", v->ip, "scope", "link",
			    "table", VIP_TABLE, NULL)) < 0)
				return r;
			with_prefix(with_len, sizeof(with_len), v->ip,
			    v->family == 4 ? 32 : 128);
			/* One rule per VIP, however often it is plugged. */
			(void)netif_ip(NULL, f, "rule", "del", "from",
			    with_len, "table", VIP_TABLE, "priority",
			    VIP_RULE_PRIO, NULL);
			if ((r = netif_ip(err, f, "rule", "add", "from",
			    with_len, "table", VIP_TABLE, "priority",
			    VIP_RULE_PRIO, NULL)) < 0)
				return r;
		}
		if (v->host_routes != NULL &&
		    (r = host_routes_add(ifname, v->host_routes, own, err)) < 0)
			return r;
	}
	/* keepalived announces the VIP where it owns it */
	for (i = 0; own && i < nvips; i++)
		announce(ifname, &vips[i]);
	if (vrrp != NULL)
		announce(ifname, vrrp);
	return 0;
}

/* Member-network addresses: ip/<subnet prefix>, host routes. */
static int
port_plumb(const char *ifname, struct net_addr *fixed, size_t n,
    const char *mtu, struct buf *err)
{
	char with_len[INET6_ADDRSTRLEN + 8];
	size_t i;
	int r;

	if (mtu[0] && (r = netif_ip(err, "link", "set", "dev", ifname, "mtu",
	    mtu, NULL)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		with_prefix(with_len, sizeof(with_len), fixed[i].ip,
		    fixed[i].prefix);
		if ((r = netif_ip(err, fam_opt(fixed[i].family), "addr",
		    "replace", with_len, "dev", ifname, NULL)) < 0)
			return r;
	}
	netif_announce_on_up(ifname);
	if ((r = netif_ip(err, "link", "set", "dev", ifname, "up", NULL)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if (fixed[i].host_routes != NULL &&
		    (r = host_routes_add(ifname, fixed[i].host_routes, false,
		    err)) < 0)
			return r;
	for (i = 0; i < n; i++)
		announce(ifname, &fixed[i]);
	return 0;
}

/* ---- request bodies ---- */

/*
 * The VIPs of a plug (the primary one and additional_vips) and the VRRP
 * address.  On false the answer is in rs.
 */
static bool
vips_parse(const char *vip, json_t *info, struct net_addr *vips,
    size_t *nvips, struct net_addr *vrrp, bool *has_vrrp,
    struct agent_resp *rs)
{
	json_t *add = json_object_get(info, "additional_vips"), *av;
	json_t *vr = json_object_get(info, "vrrp_ip");
	struct buf err, msg;
	bool ok = false;
	int fam;
	size_t i;

	buf_init(&err, 4096);
	buf_init(&msg, 8192);
	*nvips = 0;
	*has_vrrp = false;
	if (!parse_vip(vip, json_object_get(info, "subnet_cidr"),
	    json_object_get(info, "gateway"),
	    json_object_get(info, "host_routes"), &vips[0], &err))
		goto bad_vip;
	*nvips = 1;
	if (add != NULL && !json_is_null(add) && !json_is_array(add)) {
		(void)buf_adds(&err, "additional_vips must be a list");
		goto bad_vip;
	}
	json_array_foreach(add, i, av) {
		if (*nvips == MAX_VIPS) {
			(void)buf_adds(&err, "too many additional VIPs");
			goto bad_vip;
		}
		if (!parse_vip(json_string_value(json_object_get(av,
		    "ip_address")), json_object_get(av, "subnet_cidr"),
		    json_object_get(av, "gateway"),
		    json_object_get(av, "host_routes"), &vips[*nvips], &err))
			goto bad_vip;
		(*nvips)++;
	}
	if (vr != NULL && !json_is_null(vr)) {
		memset(vrrp, 0, sizeof(*vrrp));
		if (!parse_addr(json_string_value(vr), vrrp, &err) ||
		    !parse_net(json_string_value(json_object_get(info,
		    "subnet_cidr")), true, &fam, vrrp->cidr,
		    sizeof(vrrp->cidr), &vrrp->prefix, &err)) {
			(void)buf_printf(&msg, "Invalid VRRP Address: %s",
			    buf_str(&err));
			resp_msg(rs, 400, buf_str(&msg), NULL);
			goto out;
		}
		*has_vrrp = true;
	}
	ok = true;
	goto out;
bad_vip:
	(void)buf_printf(&msg, "Invalid VIP: %s", buf_str(&err));
	resp_msg(rs, 400, buf_str(&msg), NULL);
out:
	buf_free(&err);
	buf_free(&msg);
	return ok;
}

static void
no_nic(struct agent_resp *rs)
{
	resp_json(rs, 404, json_pack("{ss}", "details", NO_NIC));
}

void
plug_vip(struct agent *a, const struct agent_req *rq, struct agent_resp *rs)
{
	struct net_addr vips[MAX_VIPS], vrrp;
	json_t *info = NULL, *links = NULL;
	const char *mac, *cur;
	char mtu[8], old[16];
	struct buf err, msg;
	size_t nvips = 0, i;
	bool has_vrrp;

	buf_init(&err, 64 * 1024);
	buf_init(&msg, 8192);
	info = json_loadb(rq->body, rq->body_len, 0, NULL);
	if (!json_is_object(info) ||
	    json_object_get(info, "subnet_cidr") == NULL ||
	    json_object_get(info, "gateway") == NULL ||
	    !json_is_string(json_object_get(info, "mac_address")) ||
	    !parse_mtu(json_object_get(info, "mtu"), mtu)) {
		resp_error(rs, 400, "Invalid subnet information");
		goto out;
	}
	mac = json_string_value(json_object_get(info, "mac_address"));
	if (!vips_parse(rq->params[0], info, vips, &nvips, &vrrp, &has_vrrp,
	    rs))
		goto out;
	if (plugged_lookup(a, mac, old)) {
		resp_msg(rs, 409, "Interface already exists", NULL);
		goto out;
	}
	if (!netif_mac_ok(mac) || netif_links(&links) < 0 ||
	    (cur = netif_name_by_mac(links, mac)) == NULL) {
		log_info("plug vip: no interface with mac=%s", mac);
		no_nic(rs);
		goto out;
	}
	if (strcmp(cur, VIP_IFACE) != 0 && netif_exists(links, VIP_IFACE)) {
		resp_msg(rs, 409, "Interface already exists",
		    VIP_IFACE " is taken by another NIC");
		goto out;
	}
	if (link_rename(cur, VIP_IFACE, &err) < 0 ||
	    vip_plumb(a, VIP_IFACE, vips, nvips, has_vrrp ? &vrrp : NULL,
	    mtu, &err) < 0) {
		resp_msg(rs, 500, "Error plugging VIP", buf_str(&err));
		goto out;
	}
	if (plugged_add(a, mac, VIP_IFACE) < 0) {
		resp_msg(rs, 500, "Error plugging VIP",
		    "cannot record the plugged interface");
		goto out;
	}
	(void)buf_adds(&msg, "VIPs plugged on interface " VIP_IFACE ": ");
	for (i = 0; i < nvips; i++)
		(void)buf_printf(&msg, "%s%s", i ? ", " : "",
		    vips[i].exploded);
	log_info("plug vip mac=%s iface=%s vip=%s", mac, VIP_IFACE,
	    vips[0].ip);
	resp_msg(rs, 202, "OK", buf_str(&msg));
out:
	json_decref(info);
	json_decref(links);
	buf_free(&err);
	buf_free(&msg);
}

/*
 * The first ethN, N >= 2, that no other link is called (the link being
 * plugged, `self`, may already have that name: the local world's network
 * driver names it so).
 */
static bool
free_eth(json_t *links, const char *self, char out[16])
{
	int n;

	for (n = 2; n < 100; n++) {
		snprintf(out, 16, "eth%d", n);
		if (strcmp(out, self) == 0 || !netif_exists(links, out))
			return true;
	}
	return false;
}

void
plug_network(struct agent *a, const struct agent_req *rq,
    struct agent_resp *rs)
{
	struct net_addr fixed[MAX_FIXED], vips[MAX_VIPS], vrrp;
	json_t *info = NULL, *links = NULL, *fips, *fip, *vni;
	const char *mac, *cur;
	char mtu[8], name[16];
	struct buf err, msg;
	size_t nfixed = 0, nvips = 0, i;
	bool existing, has_vrrp = false;
	int fam;

	buf_init(&err, 64 * 1024);
	buf_init(&msg, 8192);
	info = json_loadb(rq->body, rq->body_len, 0, NULL);
	if (!json_is_object(info) ||
	    !json_is_string(json_object_get(info, "mac_address")) ||
	    !parse_mtu(json_object_get(info, "mtu"), mtu)) {
		resp_error(rs, 400, "Invalid port information");
		goto out;
	}
	mac = json_string_value(json_object_get(info, "mac_address"));
	fips = json_object_get(info, "fixed_ips");
	if (fips != NULL && !json_is_null(fips) && !json_is_array(fips)) {
		resp_msg(rs, 400, "Invalid network port", NULL);
		goto out;
	}
	json_array_foreach(fips, i, fip) {
		struct net_addr *f = &fixed[nfixed];

		memset(f, 0, sizeof(*f));
		if (nfixed == MAX_FIXED || !json_is_object(fip) ||
		    !parse_addr(json_string_value(json_object_get(fip,
		    "ip_address")), f, &err) ||
		    !parse_net(json_string_value(json_object_get(fip,
		    "subnet_cidr")), false, &fam, f->cidr, sizeof(f->cidr),
		    &f->prefix, &err) || fam != f->family ||
		    !routes_ok(json_object_get(fip, "host_routes"), &err)) {
			resp_msg(rs, 400, "Invalid network port", NULL);
			goto out;
		}
		f->host_routes = json_object_get(fip, "host_routes");
		if (!json_is_array(f->host_routes))
			f->host_routes = NULL;
		nfixed++;
	}
	vni = json_object_get(info, "vip_net_info");
	if (json_is_object(vni) && !vips_parse(json_string_value(
	    json_object_get(vni, "vip")), vni, vips, &nvips, &vrrp, &has_vrrp,
	    rs))
		goto out;
	if (!netif_mac_ok(mac) || netif_links(&links) < 0 ||
	    (cur = netif_name_by_mac(links, mac)) == NULL) {
		log_info("plug network: no interface with mac=%s", mac);
		no_nic(rs);
		goto out;
	}
	existing = plugged_lookup(a, mac, name);
	if (existing) {
		/* Plugged before: keep its name, rewrite its addresses. */
		if (strcmp(cur, name) != 0 &&
		    link_rename(cur, name, &err) < 0)
			goto fail;
	} else {
		if (!free_eth(links, cur, name)) {
			resp_msg(rs, 500, "Error plugging network",
			    "no free interface name");
			goto out;
		}
		if (link_rename(cur, name, &err) < 0)
			goto fail;
	}
	if (nvips > 0 && vip_plumb(a, name, vips, nvips, has_vrrp ? &vrrp :
	    NULL, mtu, &err) < 0)
		goto fail;
	if (port_plumb(name, fixed, nfixed, mtu, &err) < 0)
		goto fail;
	if (!existing && plugged_add(a, mac, name) < 0) {
		resp_msg(rs, 500, "Error plugging network",
		    "cannot record the plugged interface");
		goto out;
	}
	(void)buf_printf(&msg, existing ? "Updated existing interface %s" :
	    "Plugged on interface %s", name);
	log_info("plug network mac=%s iface=%s existing=%d", mac, name,
	    existing);
	resp_msg(rs, 202, "OK", buf_str(&msg));
	goto out;
fail:
	resp_msg(rs, 500, "Error plugging network", buf_str(&err));
out:
	json_decref(info);
	json_decref(links);
	buf_free(&err);
	buf_free(&msg);
}
