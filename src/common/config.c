/* config.c - INI loading over the option table in config_options.h. */
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "errors.h"
#include "log.h"
#include "util.h"
#include "xalloc.h"

struct octa_config cfg;

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL };

static const struct opt {
	const char *section;
	const char *key;
	enum opt_type type;
	const char *def;
	const char *help;
	size_t off;
} opts[] = {
#define X(sec, k, type, d, h)                                           \
	{ #sec, #k, OPT_##type, d, h, offsetof(struct octa_config, sec##_##k) },
	OCTA_CONFIG_OPTIONS(X)
#undef X
};

static int
opt_set(const struct opt *o, const char *value)
{
	char *base = (char *)&cfg + o->off;
	long long n;

	switch (o->type) {
	case OPT_STR:
		free(*(char **)base);
		*(char **)base = xstrdup(value);
		return 0;
	case OPT_INT:
		if (!parse_ll(value, &n))
			return -OCTA_EINVAL;
		*(long long *)base = n;
		return 0;
	case OPT_BOOL:
		*(bool *)base = parse_bool_str(value);
		return 0;
	}
	return -OCTA_EINVAL;
}

int
config_set(const char *section, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		if (strcasecmp(opts[i].section, section) == 0 &&
		    strcmp(opts[i].key, key) == 0)
			return opt_set(&opts[i], value);
	}
	return -OCTA_ENOTFOUND;
}

static int
ini_cb(void *user, const char *section, const char *key, const char *value)
{
	const char *path = user;
	int r = config_set(section, key, value);

	if (r == -OCTA_ENOTFOUND)
		log_debug("config unknown option ignored file=%s [%s] %s",
		    path, section, key);
	else if (r < 0)
		log_warn("config bad value ignored file=%s [%s] %s=%s", path,
		    section, key, value);
	return 1;
}

int
config_load(const char *path)
{
	size_t i;
	int r;

	config_free();
	for (i = 0; i < ARRAY_SIZE(opts); i++)
		if (opt_set(&opts[i], opts[i].def) < 0)
			fatal("config default broken: [%s] %s",
			    opts[i].section, opts[i].key);
	if (path == NULL)
		return 0;
	r = ini_parse(path, ini_cb, (void *)path);
	if (r < 0) {
		log_error("config cannot read file=%s", path);
		return -OCTA_EIO;
	}
	if (r > 0) {
		log_error("config parse error file=%s line=%d", path, r);
		return -OCTA_EINVAL;
	}
	return 0;
}

void
config_free(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++)
		if (opts[i].type == OPT_STR)
			OCTA_FREE((char **)((char *)&cfg + opts[i].off));
}

void
config_print_defaults(FILE *out)
{
	const char *sec = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		if (strcmp(sec, opts[i].section) != 0) {
			sec = opts[i].section;
			fprintf(out, "%s[%s]\n", i ? "\n" : "", sec);
		}
		if (opts[i].help[0])
			fprintf(out, "# %s\n", opts[i].help);
		fprintf(out, "#%s = %s\n", opts[i].key, opts[i].def);
	}
}

char *
config_db_url(void)
{
	size_t n;
	char *s;

	if (cfg.database_connection && cfg.database_connection[0])
		return xstrdup(cfg.database_connection);
	n = strlen(cfg.octa_state_dir) + 32;
	s = xmalloc(n);
	snprintf(s, n, "sqlite:///%s/octa.db", cfg.octa_state_dir);
	return s;
}

void
config_cert_dir(char *out, size_t len)
{
	if (cfg.certificates_cert_dir && cfg.certificates_cert_dir[0])
		snprintf(out, len, "%s", cfg.certificates_cert_dir);
	else
		snprintf(out, len, "%s/certs", cfg.octa_state_dir);
}
