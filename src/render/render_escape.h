/*
 * render_escape.h - writing untrusted strings into HAProxy configuration
 * text so that each one stays exactly one word with exactly its value.
 *
 * HAProxy's parser (configuration manual, 2.2 "Quoting and escaping") cuts
 * a line into words at unescaped blanks, ends it at an unescaped '#',
 * treats '"' and '\'' as quotes and '\' as the escape character.  Sample
 * fetch arguments, inside "fetch(...)", are parsed a second time, with ','
 * and ')' as delimiters.  These helpers escape for both levels and refuse
 * what cannot be written safely: control characters (C0, DEL and the
 * UTF-8 encoded C1 range, as Octavia's INVALID_CONFIG_CHARS_RE) and empty
 * strings.
 */
#ifndef OCTA_RENDER_ESCAPE_H
#define OCTA_RENDER_ESCAPE_H

#include <stdbool.h>

#include "../common/buf.h"

/* render_esc_word() flags. */
#define RENDER_ESC_LOGFMT 0x1	/* a log-format string: '%' is doubled */

/* True if `s` holds no control character (see above). */
bool render_str_clean(const char *s);

/*
 * Appends `s` as one unquoted configuration word whose parsed value is
 * `s`: blank, '#', '\\', '\'' and '"' are escaped with a backslash.
 * -OCTA_EINVAL for NULL, empty or unclean input (nothing is appended).
 */
int render_esc_word(struct buf *b, const char *s, unsigned flags);

/*
 * Appends `s` as the argument of a sample fetch or converter, to be
 * written between its parentheses.  Plain names ([A-Za-z0-9_.-]) are
 * written as they are; anything else is double-quoted for the second level
 * and escaped for the first.  -OCTA_EINVAL as render_esc_word().
 */
int render_esc_fetch_arg(struct buf *b, const char *s);

#endif
