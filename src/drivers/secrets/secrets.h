/*
 * secrets.h - secrets backends: where TLS certificate containers and
 * single secrets (client CA bundles, CRLs) live, and how a reference
 * string names one.  Octavia calls this the cert manager
 * ([certificates] cert_manager); octa has the `file` backend and leaves
 * room for `barbican`.
 *
 * A reference is what the API stores in default_tls_container_ref,
 * sni_container_refs, client_ca_tls_container_ref, tls_container_ref and
 * the CRL fields.  Each backend says which references are its own (by
 * scheme), so references of several backends may be used side by side:
 *
 *   file:///secrets/<uuid>    the file backend (docs/secrets.md)
 *   <uuid>                    the same, as Octavia's local cert manager
 *   http(s)://.../v1/...      Barbican (no backend yet: never resolves)
 *
 * Private keys stay in the backend; octa's database only ever holds the
 * reference (DESIGN.md section 7).
 */
#ifndef OCTA_SECRETS_H
#define OCTA_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/tls_cert.h"
#include "../../common/util.h"

#define SECRET_REF_MAX 256	/* the API's columns hold 255 characters */
#define SECRET_NAME_MAX 255

/* What kind of object a reference names. */
enum secret_kind {
	SECRET_CERTIFICATE,	/* certificate + key [+ intermediates] */
	SECRET_CA,		/* one or more CA certificates */
	SECRET_CRL,		/* a certificate revocation list */
};

/* What a backend knows about a stored object besides its contents. */
struct secret_meta {
	enum secret_kind kind;
	char name[SECRET_NAME_MAX + 1];
	char created_at[TIME_STR_LEN];
};

/* Called by list() for each stored object; non-zero stops the walk. */
typedef int (*secret_list_fn)(void *arg, const char *ref,
    const struct secret_meta *meta);

struct secrets_driver {
	const char *name;
	/* True when `ref` is this backend's to resolve. */
	bool (*owns)(const char *ref);
	/*
	 * Stores a checked container (certificate/private_key/intermediates)
	 * or a single secret (payload) under meta->kind and meta->name;
	 * writes the new reference to `ref`.  All or nothing.
	 */
	int (*store)(const struct tls_container *c,
	    const struct secret_meta *meta, char *ref, size_t reflen);
	/*
	 * Fills `out` (and `meta` unless NULL) with what `ref` names.
	 * -OCTA_ENOTFOUND for an unknown reference, -OCTA_EIO when it
	 * cannot be read.  `out` is cleared by the caller
	 * (tls_container_clear), also after a failure.
	 */
	int (*fetch)(const char *ref, struct tls_container *out,
	    struct secret_meta *meta);
	/* Deletes; -OCTA_ENOTFOUND if there is nothing to delete. */
	int (*remove)(const char *ref);
	/* Walks every stored object (in no particular order). */
	int (*list)(secret_list_fn fn, void *arg);
};

extern const struct secrets_driver secrets_file_driver;

/*
 * The backend named by the configuration ([certificates] cert_manager:
 * "file", or Octavia's "local_cert_manager" meaning the same), or NULL.
 */
const struct secrets_driver *secrets_driver_configured(void);
/* The backend that owns `ref`, or NULL if none does. */
const struct secrets_driver *secrets_driver_for_ref(const char *ref);

/* "certificate", "ca", "crl"; and back (-1 if unknown). */
const char *secret_kind_name(enum secret_kind k);
int secret_kind_parse(const char *s);

/* The file backend's directory: [certificates] secrets_dir or
 * <state_dir>/secrets. */
void secrets_file_dir(char *out, size_t len);

#endif
