/*
 * secrets.c - fetching TLS containers and secrets for the API (see
 * secrets.h).  Runs on an API event loop thread: the file backend's reads
 * are a few small local files.  A backend that talks to a remote service
 * (Barbican) will need a cache or a thread of its own before it is called
 * from here.
 *
 * This is the one place the service layer reaches into src/drivers/
 * (docs/internals.md: drivers < service), so that the API, which may not,
 * can check references when it is asked to store them.
 */
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../drivers/secrets/secrets.h"

static int
fetch(const char *ref, struct tls_container *out, struct secret_meta *meta)
{
	const struct secrets_driver *d = secrets_driver_for_ref(ref);
	int r;

	if (d == NULL) {
		log_info("secrets no backend for ref=%s", ref ? ref : "");
		return -OCTA_ENOTFOUND;
	}
	if ((r = d->fetch(ref, out, meta)) < 0)
		log_info("secrets fetch ref=%s backend=%s failed: %s", ref,
		    d->name, octa_err_str(r));
	return r;
}

int
svc_secret_fetch_container(const char *ref, struct tls_container *out)
{
	struct secret_meta meta;
	int r;

	if ((r = fetch(ref, out, &meta)) < 0)
		return r;
	if (meta.kind != SECRET_CERTIFICATE) {
		log_info("secrets ref=%s is a %s secret, not a certificate "
		    "container", ref, secret_kind_name(meta.kind));
		return -OCTA_ENOTFOUND;
	}
	return 0;
}

int
svc_secret_fetch_pem(const char *ref, char **pem)
{
	struct tls_container c;
	struct secret_meta meta;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = fetch(ref, &c, &meta)) < 0)
		goto out;
	if (c.payload) {
		*pem = c.payload;
		c.payload = NULL;
	} else if (c.certificate) {
		*pem = c.certificate;
		c.certificate = NULL;
	} else {
		r = -OCTA_ENOTFOUND;
	}
out:
	tls_container_clear(&c);
	return r;
}
