/*
 * xalloc.h - allocation wrappers for the daemons: running out of memory is
 * fatal.  OCTA_FREE frees and clears in one statement.
 */
#ifndef OCTA_XALLOC_H
#define OCTA_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#define OCTA_FREE(pp)                                                   \
	do {                                                            \
		free(*(pp));                                            \
		*(pp) = NULL;                                           \
	} while (0)

#define BUG_ON(cond)                                                    \
	do {                                                            \
		if (cond)                                               \
			octa_bug(__FILE__, __LINE__, #cond);            \
	} while (0)

void octa_bug(const char *file, int line, const char *what)
    __attribute__((noreturn));

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
