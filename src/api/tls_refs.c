/*
 * tls_refs.c - the certificate references of listeners and pools are
 * fetched from the secrets backend and checked when a client sets them,
 * as Octavia's _validate_tls_refs and _validate_client_ca_and_crl_refs
 * do, so a bad reference is a 400 now instead of an ERROR later.  Runs on
 * the API role's event loop, inside the request's transaction (it only
 * reads the backend).
 *
 * The API may not include drivers; the backends are reached through
 * src/service/secrets.h, and the PEM checks are src/common/tls_cert.h.
 *
 * Octavia words a reference that cannot be fetched *or* whose contents do
 * not check (a key that does not match, say) the same way, naming every
 * bad reference as a Python list: "Could not retrieve certificate:
 * ['ref']".  Clients see exactly that; the reason goes to the log.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../common/buf.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/tls_cert.h"
#include "../service/secrets.h"

#define REFS_MSG_MAX 900	/* api_req.msg holds 1024 */

/* Python's repr() of a str, as it appears inside a printed list. */
static void
py_repr(struct buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	const unsigned char *p;

	buf_addc(b, q);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q)
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\r')
			buf_adds(b, "\\r");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, q);
}

/* 400 "Could not retrieve certificate: ['a', 'b']" for the refs in `bad`. */
static int
retrieval_failed(struct api_req *r, json_t *bad)
{
	struct buf b;
	size_t i;
	json_t *v;
	int e;

	buf_init(&b, REFS_MSG_MAX);
	buf_addc(&b, '[');
	json_array_foreach(bad, i, v) {
		if (i)
			buf_adds(&b, ", ");
		py_repr(&b, json_string_value(v));
	}
	buf_addc(&b, ']');
	e = api_fail(r, OCTA_EINVAL, "Could not retrieve certificate: %s",
	    buf_str(&b));
	buf_free(&b);
	return e;
}

/* 0 if `ref` names a certificate container that checks. */
static int
check_container(const char *ref)
{
	struct tls_container c;
	char why[256];
	int e;

	memset(&c, 0, sizeof(c));
	if ((e = svc_secret_fetch_container(ref, &c)) < 0)
		goto out;
	if ((e = tls_cert_check(&c, NULL, why, sizeof(why))) < 0)
		log_info("tls ref=%s rejected: %s", ref, why);
out:
	tls_container_clear(&c);
	return e;
}

static void
check_one(json_t *bad, const char *ref)
{
	if (check_container(ref) < 0)
		json_array_append_new(bad, json_string(ref));
}

int
api_check_tls_refs(struct api_req *r, json_t *sni_refs, const char *ref)
{
	json_t *bad = json_array(), *v;
	size_t i;
	int e = 0;

	/* Every SNI entry counts, even an empty one, as in Octavia. */
	json_array_foreach(sni_refs, i, v)
		check_one(bad, json_string_value(v) ? json_string_value(v) :
		    "");
	if (ref && *ref)
		check_one(bad, ref);
	if (json_array_size(bad))
		e = retrieval_failed(r, bad);
	json_decref(bad);
	return e;
}

int
api_check_ca_crl_refs(struct api_req *r, const char *ca_ref,
    const char *crl_ref)
{
	json_t *bad = json_array();
	char *ca = NULL, *crl = NULL;
	char why[256];
	int e = 0;

	if (ca_ref == NULL || *ca_ref == '\0')
		goto out;	/* a CRL alone was refused before */
	if (crl_ref && *crl_ref == '\0')
		crl_ref = NULL;
	if (svc_secret_fetch_pem(ca_ref, &ca) < 0)
		json_array_append_new(bad, json_string(ca_ref));
	if (crl_ref && svc_secret_fetch_pem(crl_ref, &crl) < 0)
		json_array_append_new(bad, json_string(crl_ref));
	if (json_array_size(bad)) {
		e = retrieval_failed(r, bad);
		goto out;
	}
	if (tls_ca_check(ca, why, sizeof(why)) < 0) {
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The client "
		    "authentication CA certificate is invalid. It must be a "
		    "valid x509 PEM format certificate. Error: %s", why);
		goto out;
	}
	if (crl == NULL)
		goto out;
	if (tls_crl_check(crl, why, sizeof(why)) < 0) {
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The client "
		    "authentication certificate revocation list is invalid. It "
		    "must be a valid x509 PEM format certificate revocation "
		    "list. Error: %s", why);
		goto out;
	}
	if (tls_crl_signed_by(crl, ca) < 0)
		e = api_fail(r, OCTA_EINVAL, "Validation failure: The CRL "
		    "specified is not valid for client certificate authority "
		    "reference supplied.");
out:
	free(ca);
	free(crl);
	json_decref(bad);
	return e;
}
