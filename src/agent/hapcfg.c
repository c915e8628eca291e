/*
 * hapcfg.c - HAProxy texts octa-agent reads and writes; see hapcfg.h.
 * Pure; called by the request handlers (main thread) and unit tests.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "hapcfg.h"
#include "../common/errors.h"

void
hap_peer_name(const char *amphora_id, char out[HAP_PEER_NAME_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	unsigned int n = 0;
	int len, i, o = 0;

	out[0] = '\0';
	if (EVP_Digest(amphora_id, strlen(amphora_id), md, &n, EVP_sha1(),
	    NULL) != 1 || n != 20)
		return;
	len = EVP_EncodeBlock(b64, md, (int)n);	/* 28 characters */
	for (i = 0; i < len && o < HAP_PEER_NAME_LEN - 1; i++) {
		unsigned char c = b64[i];

		if (c == '=')
			break;
		if (c == '+')
			c = '_';
		else if (c == '/')
			c = '-';
		if (o == 0 && c == '-')
			c = 'x';
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* The first word of a line and its length (0 for blank lines). */
static size_t
first_word(const char *line, size_t len, const char **word)
{
	size_t i = 0, k;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	k = i;
	while (k < len && !isspace((unsigned char)line[k]))
		k++;
	*word = line + i;
	return k - i;
}

int
hap_strip_group(const char *cfg, size_t len, struct buf *out)
{
	const char *p = cfg, *end = cfg + len, *nl, *w;
	size_t n, wl;
	int r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		wl = first_word(p, n, &w);
		if (!(wl == 5 && memcmp(w, "group", 5) == 0) &&
		    (r = buf_add(out, p, n)) < 0)
			return r;
		p += n;
	}
	/* An empty input still gives a NUL-terminated buffer. */
	return buf_add(out, "", 0);
}

/* The value after `key` at the start of a section line, trimmed. */
static bool
line_value(const char *line, size_t len, const char *key, const char **v,
    size_t *vlen)
{
	size_t kl = strlen(key), i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == 0 || len - i <= kl || memcmp(line + i, key, kl) != 0 ||
	    (line[i + kl] != ' ' && line[i + kl] != '\t'))
		return false;
	i += kl;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	while (len > i && isspace((unsigned char)line[len - 1]))
		len--;
	*v = line + i;
	*vlen = len - i;
	return true;
}

static int
add_listener(json_t *out, const char *name, size_t nlen, const char *mode,
    size_t mlen, bool tls)
{
	char type[32];
	json_t *o;
	size_t i;

	if (tls) {
		memcpy(type, "TERMINATED_HTTPS", sizeof("TERMINATED_HTTPS"));
	} else if (mlen == 0 || mlen >= sizeof(type)) {
		memcpy(type, "TCP", sizeof("TCP"));
	} else {
		for (i = 0; i < mlen; i++)
			type[i] = (char)toupper((unsigned char)mode[i]);
		type[mlen] = '\0';
	}
	o = json_pack("{ss s:s# ss}", "status", "ACTIVE", "uuid", name,
	    (int)nlen, "type", type);
	if (o == NULL || json_array_append_new(out, o) < 0)
		return -OCTA_EINTERNAL;
	return 0;
}

int
hap_cfg_listeners(const char *cfg, json_t *out)
{
	const char *p = cfg, *nl, *w, *name = NULL, *mode = NULL, *v;
	size_t n, wl, nlen = 0, mlen = 0, vlen;
	bool in_fe = false, tls = false;
	int r;

	for (;; p += n) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		/* A line starting in column 0 ends the section. */
		if (n == 0 || (p[0] != ' ' && p[0] != '\t' && p[0] != '\n' &&
		    p[0] != '\r' && p[0] != '#')) {
			if (in_fe && (r = add_listener(out, name, nlen, mode,
			    mlen, tls)) < 0)
				return r;
			in_fe = false;
			if (n == 0)
				break;
			wl = first_word(p, n, &w);
			if (wl == 8 && memcmp(w, "frontend", 8) == 0) {
				const char *rest = w + wl;
				size_t rl = n - (size_t)(rest - p), k = 0;

				while (k < rl && (rest[k] == ' ' ||
				    rest[k] == '\t'))
					k++;
				name = rest + k;
				nlen = 0;
				while (k + nlen < rl &&
				    !isspace((unsigned char)name[nlen]))
					nlen++;
				if (nlen > 0) {
					in_fe = true;
					mode = NULL;
					mlen = 0;
					tls = false;
				}
			}
			continue;
		}
		if (!in_fe)
			continue;
		if (mode == NULL && line_value(p, n, "mode", &v, &vlen)) {
			mode = v;
			mlen = vlen;
		} else if (line_value(p, n, "bind", &v, &vlen) &&
		    memmem(v, vlen, " ssl crt-list ", 14) != NULL) {
			tls = true;
		}
	}
	return 0;
}

int
hap_parse_show_proc(const char *text, long *reloads, long *failed)
{
	const char *p = text, *q;
	char *end;
	long v;

	/* "<pid> master <reloads> [failed: <n>] <uptime> <version>" */
	while (p != NULL && *p != '\0') {
		q = p;
		while (isdigit((unsigned char)*q))
			q++;
		if (q > p && (*q == ' ' || *q == '\t')) {
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, "master", 6) == 0 &&
			    (q[6] == ' ' || q[6] == '\t')) {
				q += 6;
				v = strtol(q, &end, 10);
				if (end == q || v < 0)
					return -OCTA_EINVAL;
				*reloads = v;
				*failed = 0;
				q = end;
				while (*q == ' ' || *q == '\t')
					q++;
				if (strncmp(q, "[failed:", 8) == 0) {
					v = strtol(q + 8, &end, 10);
					if (end != q + 8 && v >= 0)
						*failed = v;
				}
				return 0;
			}
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -OCTA_EINVAL;
}
