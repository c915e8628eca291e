/*
 * ipam.c - address management of the local subnets (network_local_driver,
 * docs/local-world.md "Networks").
 *
 * Runs in whichever role allocates a port (the API for VIPs, the worker for
 * amphora ports, octa-manage), always inside the caller's write
 * transaction: the caller inserts the port row right after, and the
 * schema's UNIQUE (subnet_id, ip_address) is what stops two units that
 * chose the same address at the same time (the loser gets a conflict and
 * svc_port_create picks again).
 *
 * Addresses are handled as 16 big-endian bytes (an IPv4 address in the
 * last four), so one piece of arithmetic serves both families.  The
 * allocatable range follows Neutron's default pool: everything but the
 * network address, and for IPv4 the broadcast address; a subnet of one or
 * two addresses (/31, /32, /127, /128) hands out all of them.  The gateway
 * is never handed out.  The lowest free address wins; the search skips at
 * most one address per port row (or the gateway), so it is bounded by the
 * number of ports even in a /64.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../common/xalloc.h"

struct addr {
	unsigned char b[16];
};

struct range {
	int family;		/* 4 or 6 */
	int plen;		/* prefix length */
	struct addr net;	/* network address */
	struct addr last;	/* last address of the subnet */
	struct addr first_ok;	/* allocatable range */
	struct addr last_ok;
};

static int
width(int family)
{
	return family == 4 ? 32 : 128;
}

/* Parses a literal of either family; *family 4 or 6. */
static bool
addr_parse(const char *s, struct addr *a, int *family)
{
	unsigned char b[16];

	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, b) == 1) {
		memcpy(a->b + 12, b, 4);
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		memcpy(a->b, b, 16);
		*family = 6;
		return true;
	}
	return false;
}

static void
addr_format(const struct addr *a, int family, char *out, size_t len)
{
	if (family == 4)
		inet_ntop(AF_INET, a->b + 12, out, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, out, (socklen_t)len);
}

static int
addr_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct addr));
}

static void
addr_inc(struct addr *a)
{
	int i;

	for (i = 15; i >= 0; i--)
		if (++a->b[i] != 0)
			break;
}

static void
addr_dec(struct addr *a)
{
	int i;

	for (i = 15; i >= 0; i--)
		if (a->b[i]-- != 0)
			break;
}

static bool
range_parse(const char *cidr, struct range *r)
{
	char addr[64];
	const char *slash;
	long long plen;
	int i, off, w;

	memset(r, 0, sizeof(*r));
	if (cidr == NULL || (slash = strchr(cidr, '/')) == NULL ||
	    (size_t)(slash - cidr) >= sizeof(addr))
		return false;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	if (!addr_parse(addr, &r->net, &r->family) ||
	    !parse_ll(slash + 1, &plen) || plen < 0 ||
	    plen > width(r->family))
		return false;
	r->plen = (int)plen;
	w = width(r->family);
	off = 128 - w;
	r->last = r->net;
	for (i = 0; i < w; i++) {
		unsigned char bit = (unsigned char)(0x80 >> ((off + i) % 8));

		if (i < r->plen)	/* a network bit */
			continue;
		r->net.b[(off + i) / 8] &= (unsigned char)~bit;
		r->last.b[(off + i) / 8] |= bit;
	}
	r->first_ok = r->net;
	r->last_ok = r->last;
	if (w - r->plen >= 2) {
		addr_inc(&r->first_ok);
		if (r->family == 4)
			addr_dec(&r->last_ok);
	}
	return true;
}

static bool
in_range(const struct range *r, const struct addr *a)
{
	return addr_cmp(a, &r->net) >= 0 && addr_cmp(a, &r->last) <= 0;
}

bool
svc_ip_in_cidr(const char *ip, const char *cidr)
{
	struct range r;
	struct addr a;
	int fam;

	return range_parse(cidr, &r) && addr_parse(ip, &a, &fam) &&
	    fam == r.family && in_range(&r, &a);
}

bool
svc_ip_canon(const char *ip, char *out, size_t len)
{
	struct addr a;
	int fam;

	if (!addr_parse(ip, &a, &fam) || len < INET6_ADDRSTRLEN)
		return false;
	addr_format(&a, fam, out, len);
	return true;
}

int
svc_ipam_first_usable(const char *cidr, char *out, size_t len)
{
	struct range r;

	if (!range_parse(cidr, &r) || len < INET6_ADDRSTRLEN)
		return -OCTA_EINVAL;
	addr_format(&r.first_ok, r.family, out, len);
	return 0;
}

int
svc_ipam_pool(const char *cidr, char *first, char *last, size_t len)
{
	struct range r;

	if (!range_parse(cidr, &r) || len < INET6_ADDRSTRLEN)
		return -OCTA_EINVAL;
	addr_format(&r.first_ok, r.family, first, len);
	addr_format(&r.last_ok, r.family, last, len);
	return 0;
}

int
svc_ipam_check_gateway(const char *cidr, const char *gateway)
{
	struct range r;
	struct addr a;
	int fam;

	if (!range_parse(cidr, &r) || !addr_parse(gateway, &a, &fam) ||
	    fam != r.family || !in_range(&r, &a))
		return -OCTA_EINVAL;
	if (addr_cmp(&a, &r.first_ok) < 0 || addr_cmp(&a, &r.last_ok) > 0)
		return -OCTA_EINVAL;
	return 0;
}

/* The addresses of the subnet's ports, sorted; *n of them. */
static int
used_addresses(struct db *db, const char *subnet_id, struct addr **out,
    size_t *n)
{
	json_t *rows = NULL, *row;
	struct addr *v = NULL;
	size_t i, k = 0;
	int fam, r;

	r = db_query(db, "SELECT ip_address FROM port WHERE subnet_id = ?",
	    json_pack("[s]", subnet_id), &rows);
	if (r < 0)
		goto out;
	v = xcalloc(json_array_size(rows) + 1, sizeof(*v));
	json_array_foreach(rows, i, row)
		if (addr_parse(json_string_value(json_object_get(row,
		    "ip_address")), &v[k], &fam))
			k++;
	qsort(v, k, sizeof(*v), addr_cmp);
	*out = v;
	v = NULL;
	*n = k;
	r = 0;
out:
	free(v);
	json_decref(rows);
	return r;
}

int
svc_ipam_allocate(struct db *db, json_t *subnet, const char *want,
    char *out, size_t outlen)
{
	const char *id = json_string_value(json_object_get(subnet, "id"));
	const char *cidr = json_string_value(json_object_get(subnet, "cidr"));
	const char *gw = json_string_value(json_object_get(subnet,
	    "gateway_ip"));
	struct addr *used = NULL, cand, gwa;
	bool has_gw;
	struct range rg;
	size_t n = 0, i;
	int fam, r = -OCTA_EINVAL;

	if (id == NULL || !range_parse(cidr, &rg) || outlen <
	    INET6_ADDRSTRLEN) {
		log_error("ipam bad subnet id=%s cidr=%s", id ? id : "-",
		    cidr ? cidr : "-");
		return -OCTA_EINVAL;
	}
	has_gw = addr_parse(gw, &gwa, &fam) && fam == rg.family;
	if ((r = used_addresses(db, id, &used, &n)) < 0)
		return r;
	if (want) {
		r = -OCTA_EINVAL;
		if (!addr_parse(want, &cand, &fam) || fam != rg.family ||
		    addr_cmp(&cand, &rg.first_ok) < 0 ||
		    addr_cmp(&cand, &rg.last_ok) > 0 ||
		    (has_gw && addr_cmp(&cand, &gwa) == 0))
			goto out;
		r = -OCTA_ECONFLICT;
		if (bsearch(&cand, used, n, sizeof(*used), addr_cmp))
			goto out;
		addr_format(&cand, rg.family, out, outlen);
		r = 0;
		goto out;
	}
	/* Each step past a taken address consumes one port row or the
	 * gateway, so n + 2 steps decide. */
	cand = rg.first_ok;
	r = -OCTA_ECONFLICT;
	for (i = 0; i < n + 2; i++) {
		if (addr_cmp(&cand, &rg.last_ok) > 0)
			break;
		if (!(has_gw && addr_cmp(&cand, &gwa) == 0) &&
		    !bsearch(&cand, used, n, sizeof(*used), addr_cmp)) {
			addr_format(&cand, rg.family, out, outlen);
			r = 0;
			break;
		}
		if (addr_cmp(&cand, &rg.last_ok) == 0)
			break;
		addr_inc(&cand);
	}
	if (r < 0)
		log_warn("ipam subnet=%s cidr=%s has no free address", id,
		    cidr);
out:
	free(used);
	return r;
}
