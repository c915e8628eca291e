/*
 * secrets.c - the secrets backend registry: which backend the
 * configuration names, which backend owns a reference.  See secrets.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "secrets.h"
#include "../../common/config.h"

static const struct secrets_driver *const backends[] = {
	&secrets_file_driver,
};

/* Octavia's cert manager names that mean one of ours. */
static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{ "local_cert_manager", "file" },
	{ "file_cert_manager", "file" },
};

const struct secrets_driver *
secrets_driver_configured(void)
{
	const char *want = cfg.certificates_cert_manager;
	size_t i;

	if (want == NULL)
		return NULL;
	for (i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strcmp(want, aliases[i].alias) == 0)
			want = aliases[i].name;
	for (i = 0; i < sizeof(backends) / sizeof(*backends); i++)
		if (strcmp(backends[i]->name, want) == 0)
			return backends[i];
	return NULL;
}

const struct secrets_driver *
secrets_driver_for_ref(const char *ref)
{
	size_t i;

	if (ref == NULL || *ref == '\0' || strlen(ref) >= SECRET_REF_MAX)
		return NULL;
	for (i = 0; i < sizeof(backends) / sizeof(*backends); i++)
		if (backends[i]->owns(ref))
			return backends[i];
	return NULL;
}

static const char *const kind_names[] = {
	[SECRET_CERTIFICATE] = "certificate",
	[SECRET_CA] = "ca",
	[SECRET_CRL] = "crl",
};

const char *
secret_kind_name(enum secret_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(*kind_names))
		return "unknown";
	return kind_names[k];
}

int
secret_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(kind_names) / sizeof(*kind_names); i++)
		if (strcasecmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

void
secrets_file_dir(char *out, size_t len)
{
	if (cfg.certificates_secrets_dir && cfg.certificates_secrets_dir[0])
		snprintf(out, len, "%s", cfg.certificates_secrets_dir);
	else
		snprintf(out, len, "%s/secrets", cfg.octa_state_dir);
}
