/*
 * buf.h - a growable text buffer with a hard maximum.
 *
 * Everything octa builds as text (SQL, configs, links, logs) goes through
 * this.  Growing past the maximum is an error (-OCTA_ETOOLARGE) and leaves
 * the buffer as it was; it never overflows.
 */
#ifndef OCTA_BUF_H
#define OCTA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;	/* always NUL-terminated once anything is added */
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_DEFAULT_MAX (16u << 20)

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents, "" for an empty buffer. */
const char *buf_str(const struct buf *b);
/* Hands the string over to the caller; the buffer is empty afterwards. */
char *buf_steal(struct buf *b);

#endif
