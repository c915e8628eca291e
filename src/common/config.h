/*
 * config.h - octa's configuration: an octavia.conf-style INI file read with
 * inih into one struct generated from config_options.h.  Unknown sections
 * and keys are ignored with a warning.
 */
#ifndef OCTA_CONFIG_H
#define OCTA_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "config_options.h"

#define CFG_T_STR char *
#define CFG_T_INT long long
#define CFG_T_BOOL bool

struct octa_config {
#define X(sec, key, type, def, help) CFG_T_##type sec##_##key;
	OCTA_CONFIG_OPTIONS(X)
#undef X
};

extern struct octa_config cfg;

/* Load defaults, then the file (NULL for none).  0 or -OCTA_E*. */
int config_load(const char *path);
/* Set one option from text, as the file would. */
int config_set(const char *section, const char *key, const char *value);
void config_free(void);
/* Writes every option with its default and help, as an INI file. */
void config_print_defaults(FILE *out);
/* The database URL, with the state_dir default filled in (caller frees). */
char *config_db_url(void);
/*
 * Where the CAs and the controller's certificate live: [certificates]
 * cert_dir, else <state_dir>/certs.  octa-manage certs init writes there;
 * the worker issues amphora certificates and the amphora client
 * authenticates from there.
 */
void config_cert_dir(char *out, size_t len);

#endif
