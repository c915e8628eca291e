/*
 * local_ca.h - octa's own certificate authorities.
 *
 * Two CAs, as DESIGN §7 asks: the amphora CA issues each amphora's server
 * certificate (CN and DNS SAN = the amphora id); the controller CA issues
 * the controller's client certificate that agents require.  Keys are EC
 * P-256 (fast to make, so building an amphora stays quick); certificates
 * are SHA-256 signed.  Files are PEM; private keys are written 0600.
 */
#ifndef OCTA_LOCAL_CA_H
#define OCTA_LOCAL_CA_H

#include <stdint.h>

#include "../../common/buf.h"

struct ca_paths {
	char dir[512];		/* certificate directory */
	char server_ca[600];	/* amphora CA cert (agents' issuer) */
	char server_ca_key[600];
	char client_ca[600];	/* controller CA cert (agents trust it) */
	char client_ca_key[600];
	char client[600];	/* controller client cert + key */
};

/* The file names under `dir`. */
void ca_paths_init(struct ca_paths *p, const char *dir);
/* The file names under the configured directory (config_cert_dir). */
void ca_paths_default(struct ca_paths *p);
/*
 * Creates both CAs and the controller's client certificate under `dir`
 * (mode 0700).  Existing files are kept unless `force`.  Returns 0 or
 * -OCTA_E*; *created tells whether anything new was written.
 */
int ca_init(const struct ca_paths *p, int force, int *created);
/*
 * Issues a server certificate for an amphora: cert and key PEM appended
 * to `pem` (cert first).  *not_after gets the expiry (UTC seconds).
 */
int ca_issue_amphora(const struct ca_paths *p, const char *amphora_id,
    long validity_s, struct buf *pem, int64_t *not_after);

#endif
