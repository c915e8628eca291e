/*
 * render_escape.c - escaping of untrusted strings for haproxy.cfg; see
 * render_escape.h.  Pure functions, any thread.
 *
 * The escapes were checked against HAProxy 2.6 itself (a header name
 * `x'q` written as req.hdr(\"x\'q\") matches that header; a value
 * `foo bar#x'y"z\w$HOME` written as foo\ bar\#x\'y\"z\\w$HOME matches
 * that value; '$' is only special inside double quotes, which the first
 * level never uses).
 */
#include <string.h>

#include "render_escape.h"
#include "../common/errors.h"

bool
render_str_clean(const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return false;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		/* U+0080..U+009F in UTF-8: C2 80 .. C2 9F */
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
	}
	return true;
}

int
render_esc_word(struct buf *b, const char *s, unsigned flags)
{
	size_t start = b->len;
	const char *p;
	int r = 0;

	if (s == NULL || *s == '\0' || !render_str_clean(s))
		return -OCTA_EINVAL;
	for (p = s; *p && r == 0; p++) {
		switch (*p) {
		case ' ':
		case '#':
		case '\\':
		case '\'':
		case '"':
			if ((r = buf_addc(b, '\\')) == 0)
				r = buf_addc(b, *p);
			break;
		case '%':
			if (flags & RENDER_ESC_LOGFMT)
				r = buf_adds(b, "%%");
			else
				r = buf_addc(b, *p);
			break;
		default:
			r = buf_addc(b, *p);
			break;
		}
	}
	if (r < 0 && b->p) {
		b->len = start;
		b->p[start] = '\0';
	}
	return r;
}

static bool
plain_name(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return false;
	return true;
}

int
render_esc_fetch_arg(struct buf *b, const char *s)
{
	size_t start = b->len;
	const char *p;
	int r;

	if (s == NULL || *s == '\0' || !render_str_clean(s))
		return -OCTA_EINVAL;
	if (plain_name(s))
		return buf_adds(b, s);

	/*
	 * Second level: "..." with '\' and '"' escaped.  First level: that
	 * text with '\', '"', '\'', '#' and blanks escaped once more.
	 */
	r = buf_adds(b, "\\\"");
	for (p = s; *p && r == 0; p++) {
		switch (*p) {
		case '\\':
			r = buf_adds(b, "\\\\\\\\");
			break;
		case '"':
			r = buf_adds(b, "\\\\\\\"");
			break;
		case '\'':
		case '#':
		case ' ':
			if ((r = buf_addc(b, '\\')) == 0)
				r = buf_addc(b, *p);
			break;
		default:
			r = buf_addc(b, *p);
			break;
		}
	}
	if (r == 0)
		r = buf_adds(b, "\\\"");
	if (r < 0 && b->p) {
		b->len = start;
		b->p[start] = '\0';
	}
	return r;
}
