/*
 * unit.h - what every unit test includes: cmocka (which needs these system
 * headers first) and small helpers for temporary files.
 */
#ifndef OCTA_UNIT_H
#define OCTA_UNIT_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A new empty directory under $TMPDIR (or /tmp); caller frees the path. */
static inline char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	p = malloc(strlen(base) + 32);
	assert_non_null(p);
	snprintf(p, strlen(base) + 32, "%s/octa-unit.XXXXXX", base);
	assert_non_null(mkdtemp(p));
	return p;
}

/* `dir`/`name` as a new string. */
static inline char *
unit_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a directory made by unit_tmpdir, with everything in it. */
static inline void
unit_rmdir(const char *dir)
{
	if (dir == NULL || strstr(dir, "/octa-unit.") == NULL)
		return;
	nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes `text` to a file. */
static inline void
unit_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

#endif
