/*
 * tls_cert.h - TLS containers and secrets as PEM text: parsing and the
 * checks Octavia makes (the certificate parses, the key matches it, the
 * intermediates parse, a CRL is signed by its CA), and what the amphora
 * needs from them (the SNI names, the file name, the combined PEM).
 *
 * Pure functions over OpenSSL 3: no files, no configuration, no database.
 * The secrets backends (src/drivers/secrets/) store and fetch containers;
 * the API (src/api/tls_refs.c) and octa-manage validate them with this.
 */
#ifndef OCTA_TLS_CERT_H
#define OCTA_TLS_CERT_H

#include <stddef.h>
#include <stdint.h>

/* Largest PEM text accepted for one part of a container. */
#define TLS_PEM_MAX (256u * 1024)
/* Hex SHA-1 and its NUL. */
#define TLS_SHA1_HEX_LEN 41

/*
 * What a secrets backend hands out for a reference.  A certificate
 * container has certificate and private_key (and maybe intermediates); a
 * single secret (a client CA bundle, a CRL) has only payload.  Every member
 * is NUL-terminated PEM text or NULL, owned by the container.
 */
struct tls_container {
	char *certificate;	/* PEM; the first certificate is the leaf */
	char *private_key;	/* PEM, not encrypted */
	char *intermediates;	/* PEM certificates or a PKCS#7 bundle */
	char *payload;		/* a single secret: CA certificates or a CRL */
};

/* Frees the members (the key's memory wiped); the struct itself stays. */
void tls_container_clear(struct tls_container *c);

/*
 * A checked certificate container, in canonical form: each part
 * re-encoded by OpenSSL, so the same certificate always gives the same
 * bytes and the same id whatever the input looked like.
 */
struct tls_cert_info {
	/* Octavia's TLSContainer id: hex SHA-1 of the certificate's PEM (no
	 * trailing newline).  The amphora file name is "<id>.pem". */
	char id[TLS_SHA1_HEX_LEN];
	char *primary_cn;	/* the subject's CN lower-cased, or NULL */
	char **names;		/* SNI host names: the CN, then the DNS SANs */
	size_t n_names;		/* (lower-cased, unique, host name characters) */
	int64_t not_before;	/* UTC seconds */
	int64_t not_after;
	char *certificate;	/* the leaf, PEM */
	char *private_key;	/* PKCS#8 PEM, unencrypted */
	char *intermediates;	/* PEM certificates, or NULL */
	size_t n_intermediates;
	/* cert + key + intermediates, newline-joined with a trailing newline:
	 * the file uploaded to the amphora (Octavia's build_pem). */
	char *pem;
};

void tls_cert_info_clear(struct tls_cert_info *i);

/*
 * Checks a certificate container: the certificate parses, the private key
 * parses (an encrypted key is refused) and matches the certificate, the
 * intermediates (PEM certificates, or a PKCS#7 bundle in PEM or DER) parse.
 * Certificates after the first one in `certificate` are taken as the
 * first intermediates (a "fullchain" file).  Expiry is not checked (as
 * Octavia); `info` gets not_after for whoever wants to warn.
 *
 * Returns 0 and fills `info` (may be NULL), or -OCTA_EINVAL with Octavia's
 * wording in `err` ("Could not read X509 from PEM", "Key and x509
 * certificate do not match", "Passphrase needed to decrypt key but client
 * did not provide one.", ...).
 */
int tls_cert_check(const struct tls_container *c, struct tls_cert_info *info,
    char *err, size_t errlen);

/*
 * A client or pool CA secret: one or more PEM certificates, each of which
 * must parse.  0, or -OCTA_EINVAL with the reason in `err`.
 */
int tls_ca_check(const char *pem, char *err, size_t errlen);
/* A PEM certificate revocation list.  0, or -OCTA_EINVAL with the reason. */
int tls_crl_check(const char *pem, char *err, size_t errlen);
/*
 * 0 if the CRL's signature verifies with the public key of the first
 * certificate in `ca_pem` (Octavia's crl.is_signature_valid), else
 * -OCTA_EINVAL.  Both are expected to have passed their checks.
 */
int tls_crl_signed_by(const char *crl_pem, const char *ca_pem);

/* Hex SHA-1 of `n` bytes (the amphora file name of a CA or CRL secret). */
void tls_sha1_hex(const void *data, size_t n, char out[TLS_SHA1_HEX_LEN]);

#endif
