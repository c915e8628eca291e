/*
 * secrets.h - the API's way to the secrets backends: fetch what a TLS
 * reference names.  The API may not include drivers (DESIGN.md section 3),
 * so it asks here; the worker may use src/drivers/secrets/ directly.
 */
#ifndef OCTA_SVC_SECRETS_H
#define OCTA_SVC_SECRETS_H

#include "../common/tls_cert.h"

/*
 * A certificate container (certificate, private_key, intermediates) by
 * reference.  -OCTA_ENOTFOUND when no backend owns the reference or the
 * object is not there, or is not a certificate container; -OCTA_EIO when
 * it cannot be read.  `out` starts zeroed and is the caller's to clear
 * (tls_container_clear), also after a failure.
 */
int svc_secret_fetch_container(const char *ref, struct tls_container *out);
/*
 * A single secret (a CA bundle or a CRL) as PEM text in *pem (caller
 * frees).  As Octavia's local cert manager, a certificate container's
 * certificate also serves as a secret.  Errors as above.
 */
int svc_secret_fetch_pem(const char *ref, char **pem);

#endif
