/*
 * log.c - line-oriented logging to stderr.  Each line is written with one
 * write(2) so that role processes sharing a terminal or file never interleave
 * inside a line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#include "log.h"

static char log_role[24] = "octa";
static enum log_level log_min = LOG_LVL_INFO;
static const char *const lvl_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

void
log_init(const char *role, enum log_level min)
{
	log_set_role(role);
	log_min = min;
	if (getenv("OCTA_DEBUG"))
		log_min = LOG_LVL_DEBUG;
}

void
log_set_role(const char *role)
{
	snprintf(log_role, sizeof(log_role), "%s", role);
}

static void
log_v(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[16384];
	struct timeval tv;
	struct tm tm;
	int n, m;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s[%d] ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)tv.tv_usec / 1000, lvl_names[lvl],
	    log_role, (int)getpid());
	if (n < 0 || n >= (int)sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	log_v(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
