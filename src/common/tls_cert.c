/*
 * tls_cert.c - checks of TLS containers and secrets (see tls_cert.h), with
 * OpenSSL 3.  Any thread may call these; nothing here is shared state.
 *
 * Octavia's reference is octavia/common/tls_utils/cert_parser.py and
 * _validate_client_ca_and_crl_refs in its API controllers.  Where it only
 * looks at the first PEM block we look at every block of the kind we want
 * (a broken second CA certificate would make HAProxy refuse the file
 * later, on the amphora, where nobody sees the reason).
 *
 * Key material: private keys are read into and written out of "secure"
 * memory BIOs, and every string that held a key is wiped before it is
 * freed (OPENSSL_clear_free).  OpenSSL's error queue is cleared after
 * every expected failure so it never leaks into an unrelated caller.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_cert.h"
#include "errors.h"
#include "xalloc.h"

#define X509_BEGIN "-----BEGIN CERTIFICATE-----"
#define PKCS7_BEGIN "-----BEGIN PKCS7-----"

#define MSG_UNREADABLE "Could not read X509 from PEM"
#define MSG_MISMATCH "Key and x509 certificate do not match"
#define MSG_PASSPHRASE "Passphrase needed to decrypt key but client did " \
	"not provide one."

static void
wipe_free(char **p)
{
	if (*p) {
		OPENSSL_clear_free(*p, strlen(*p));
		*p = NULL;
	}
}

void
tls_container_clear(struct tls_container *c)
{
	if (c == NULL)
		return;
	OCTA_FREE(&c->certificate);
	wipe_free(&c->private_key);
	OCTA_FREE(&c->intermediates);
	OCTA_FREE(&c->payload);
}

void
tls_cert_info_clear(struct tls_cert_info *i)
{
	size_t k;

	if (i == NULL)
		return;
	for (k = 0; k < i->n_names; k++)
		OCTA_FREE(&i->names[k]);
	OCTA_FREE(&i->names);
	i->n_names = 0;
	OCTA_FREE(&i->primary_cn);
	OCTA_FREE(&i->certificate);
	wipe_free(&i->private_key);
	OCTA_FREE(&i->intermediates);
	wipe_free(&i->pem);
	i->n_intermediates = 0;
	i->id[0] = '\0';
}

static int
fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	ERR_clear_error();
	return -OCTA_EINVAL;
}

/* A read-only BIO over a PEM string, NULL if absent or too large. */
static BIO *
pem_bio(const char *pem)
{
	size_t n;

	if (pem == NULL)
		return NULL;
	n = strnlen(pem, TLS_PEM_MAX + 1);
	if (n == 0 || n > TLS_PEM_MAX)
		return NULL;
	return BIO_new_mem_buf(pem, (int)n);
}

/* The contents of a memory BIO as a new string (wiped later if secret). */
static char *
bio_string(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s;

	if (n < 0)
		n = 0;
	s = xmalloc((size_t)n + 1);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	return s;
}

/* True when the last error is "no more PEM blocks" rather than damage. */
static int
pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/*
 * Every CERTIFICATE block of `pem` appended to `out`.  -OCTA_EINVAL when a
 * block does not parse, or when there is none and `need_one`.
 */
static int
read_certs(const char *pem, STACK_OF(X509) *out, int need_one)
{
	BIO *b = pem_bio(pem);
	X509 *x;
	int n = 0, r = -OCTA_EINVAL;

	if (b == NULL)
		goto out;
	for (;;) {
		if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
			if (!pem_at_end())
				goto out;
			break;
		}
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			goto out;
		}
		n++;
	}
	r = need_one && n == 0 ? -OCTA_EINVAL : 0;
out:
	ERR_clear_error();
	BIO_free(b);
	return r;
}

/* The certificates of the PEM PKCS#7 bundles in `pem`, appended. */
static int
read_pkcs7(const char *pem, STACK_OF(X509) *out)
{
	BIO *b = pem_bio(pem);
	PKCS7 *p7 = NULL;
	STACK_OF(X509) *certs;
	int i, n = 0, r = -OCTA_EINVAL;

	if (b == NULL)
		goto out;
	for (;;) {
		if ((p7 = PEM_read_bio_PKCS7(b, NULL, NULL, NULL)) == NULL) {
			if (!pem_at_end())
				goto out;
			break;
		}
		if (!PKCS7_type_is_signed(p7) || p7->d.sign == NULL)
			goto out;
		certs = p7->d.sign->cert;
		for (i = 0; i < sk_X509_num(certs); i++) {
			X509 *x = sk_X509_value(certs, i);

			if (!X509_up_ref(x))
				goto out;
			if (!sk_X509_push(out, x)) {
				X509_free(x);
				goto out;
			}
		}
		PKCS7_free(p7);
		p7 = NULL;
		n++;
	}
	r = n > 0 ? 0 : -OCTA_EINVAL;
out:
	ERR_clear_error();
	PKCS7_free(p7);
	BIO_free(b);
	return r;
}

/* Octavia's get_intermediates_pems: PEM certificates, else PKCS#7. */
static int
read_intermediates(const char *text, STACK_OF(X509) *out)
{
	if (strstr(text, X509_BEGIN))
		return read_certs(text, out, 1);
	if (strstr(text, PKCS7_BEGIN))
		return read_pkcs7(text, out);
	return -OCTA_EINVAL;
}

static int
passphrase_asked(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

/* The first private key of `pem`; *encrypted tells why it failed. */
static EVP_PKEY *
read_key(const char *pem, int *encrypted)
{
	BIO *b = pem_bio(pem);
	EVP_PKEY *k = NULL;

	*encrypted = 0;
	if (b == NULL)
		return NULL;
	k = PEM_read_bio_PrivateKey(b, NULL, passphrase_asked, encrypted);
	ERR_clear_error();
	BIO_free(b);
	return k;
}

/* PEM of one certificate, as a new string. */
static char *
cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_X509(b, x))
		s = bio_string(b);
	BIO_free(b);
	return s;
}

static char *
key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *s = NULL;

	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		s = bio_string(b);
	BIO_free(b);
	return s;
}

static size_t
stripped_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

void
tls_sha1_hex(const void *data, size_t n, char out[TLS_SHA1_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, n, md, &len, EVP_sha1(), NULL) || len != 20) {
		ERR_clear_error();
		return;
	}
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int64_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* A name fit for SNI: host name characters only (and "*."), lower-cased. */
static char *
host_name(const unsigned char *s, int len)
{
	char *out;
	int i;

	if (s == NULL || len <= 0 || len > 253)
		return NULL;
	for (i = 0; i < len; i++)
		if (!isalnum(s[i]) && s[i] != '.' && s[i] != '-' &&
		    s[i] != '_' && s[i] != '*')
			return NULL;
	out = xmalloc((size_t)len + 1);
	for (i = 0; i < len; i++)
		out[i] = (char)tolower(s[i]);
	out[len] = '\0';
	return out;
}

static void
add_name(struct tls_cert_info *info, char *name)
{
	size_t i;

	if (name == NULL)
		return;
	for (i = 0; i < info->n_names; i++) {
		if (strcmp(info->names[i], name) == 0) {
			free(name);
			return;
		}
	}
	info->names = xrealloc(info->names,
	    (info->n_names + 1) * sizeof(*info->names));
	info->names[info->n_names++] = name;
}

/* The subject's first CN as UTF-8 (OPENSSL_free it), or NULL. */
static unsigned char *
subject_cn(X509 *x, int *len)
{
	X509_NAME *subj = X509_get_subject_name(x);
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int i;

	i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (i < 0 || (e = X509_NAME_get_entry(subj, i)) == NULL)
		return NULL;
	*len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (*len <= 0 || memchr(utf8, '\0', (size_t)*len)) {
		OPENSSL_free(utf8);
		return NULL;
	}
	return utf8;
}

/* Octavia's get_host_names: the CN, then the subjectAltName dNSNames. */
static void
collect_names(X509 *x, struct tls_cert_info *info)
{
	GENERAL_NAMES *sans;
	unsigned char *cn;
	int i, n = 0;

	if ((cn = subject_cn(x, &n)) != NULL) {
		info->primary_cn = xmalloc((size_t)n + 1);
		for (i = 0; i < n; i++)
			info->primary_cn[i] = (char)tolower(cn[i]);
		info->primary_cn[n] = '\0';
		add_name(info, host_name(cn, n));
		OPENSSL_free(cn);
	}
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		ASN1_IA5STRING *dns = g->d.dNSName;

		if (g->type == GEN_DNS)
			add_name(info, host_name(ASN1_STRING_get0_data(dns),
			    ASN1_STRING_length(dns)));
	}
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
}

/* cert \n key \n int... \n, each part without trailing white space. */
static char *
build_pem(const char *cert, const char *key, const char *ints)
{
	size_t nc = stripped_len(cert), nk = stripped_len(key);
	size_t ni = ints ? stripped_len(ints) : 0, len = 0;
	char *p = xmalloc(nc + nk + ni + 4);

	memcpy(p + len, cert, nc);
	len += nc;
	p[len++] = '\n';
	memcpy(p + len, key, nk);
	len += nk;
	p[len++] = '\n';
	if (ni) {
		memcpy(p + len, ints, ni);
		len += ni;
		p[len++] = '\n';
	}
	p[len] = '\0';
	return p;
}

/* Appends one intermediate's PEM to info->intermediates. */
static int
append_pem(struct tls_cert_info *info, X509 *x)
{
	char *s = cert_pem(x);
	size_t have, n;

	if (s == NULL)
		return -OCTA_EINVAL;
	have = info->intermediates ? strlen(info->intermediates) : 0;
	n = strlen(s);
	info->intermediates = xrealloc(info->intermediates, have + n + 1);
	memcpy(info->intermediates + have, s, n + 1);
	info->n_intermediates++;
	free(s);
	return 0;
}

int
tls_cert_check(const struct tls_container *c, struct tls_cert_info *info,
    char *err, size_t errlen)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	STACK_OF(X509) *ints = sk_X509_new_null();
	struct tls_cert_info tmp;
	EVP_PKEY *key = NULL;
	X509 *leaf;
	int encrypted, i, r = -OCTA_EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	if (chain == NULL || ints == NULL) {
		r = fail(err, errlen, "out of memory");
		goto out;
	}
	if (c == NULL || read_certs(c->certificate, chain, 1) < 0) {
		r = fail(err, errlen, MSG_UNREADABLE);
		goto out;
	}
	if (c->intermediates && c->intermediates[0] &&
	    read_intermediates(c->intermediates, ints) < 0) {
		r = fail(err, errlen, MSG_UNREADABLE " (intermediates)");
		goto out;
	}
	if ((key = read_key(c->private_key, &encrypted)) == NULL) {
		r = fail(err, errlen, encrypted ? MSG_PASSPHRASE :
		    c->private_key && c->private_key[0] ?
		    "Could not read the private key from PEM" :
		    "The container has no private key");
		goto out;
	}
	leaf = sk_X509_value(chain, 0);
	if (EVP_PKEY_eq(X509_get0_pubkey(leaf), key) != 1) {
		r = fail(err, errlen, MSG_MISMATCH);
		goto out;
	}
	if (info == NULL) {
		r = 0;
		goto out;
	}
	/* Canonical parts: leaf; chain rest + intermediates; PKCS#8 key. */
	if ((tmp.certificate = cert_pem(leaf)) == NULL ||
	    (tmp.private_key = key_pem(key)) == NULL)
		goto enc;
	for (i = 1; i < sk_X509_num(chain); i++)
		if ((r = append_pem(&tmp, sk_X509_value(chain, i))) < 0)
			goto enc;
	for (i = 0; i < sk_X509_num(ints); i++)
		if ((r = append_pem(&tmp, sk_X509_value(ints, i))) < 0)
			goto enc;
	tls_sha1_hex(tmp.certificate, stripped_len(tmp.certificate), tmp.id);
	collect_names(leaf, &tmp);
	tmp.not_before = asn1_time(X509_get0_notBefore(leaf));
	tmp.not_after = asn1_time(X509_get0_notAfter(leaf));
	tmp.pem = build_pem(tmp.certificate, tmp.private_key,
	    tmp.intermediates);
	*info = tmp;
	memset(&tmp, 0, sizeof(tmp));
	r = 0;
	goto out;
enc:
	r = fail(err, errlen, "cannot encode the certificate or key");
out:
	tls_cert_info_clear(&tmp);
	EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(ints, X509_free);
	ERR_clear_error();
	return r;
}

int
tls_ca_check(const char *pem, char *err, size_t errlen)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	int r;

	if (certs == NULL)
		return fail(err, errlen, "out of memory");
	if (pem == NULL || strnlen(pem, TLS_PEM_MAX + 1) > TLS_PEM_MAX)
		r = fail(err, errlen, "no PEM data, or more than 256 KiB");
	else if (!strstr(pem, X509_BEGIN))
		r = fail(err, errlen, "no PEM certificate found");
	else if (read_certs(pem, certs, 1) < 0)
		r = fail(err, errlen, MSG_UNREADABLE);
	else
		r = 0;
	sk_X509_pop_free(certs, X509_free);
	return r;
}

static X509_CRL *
read_crl(const char *pem)
{
	BIO *b = pem_bio(pem);
	X509_CRL *crl = NULL;

	if (b)
		crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	ERR_clear_error();
	BIO_free(b);
	return crl;
}

int
tls_crl_check(const char *pem, char *err, size_t errlen)
{
	X509_CRL *crl;

	if (pem == NULL || !strstr(pem, "-----BEGIN X509 CRL-----"))
		return fail(err, errlen, "no PEM certificate revocation list "
		    "found");
	if ((crl = read_crl(pem)) == NULL)
		return fail(err, errlen, "Could not read the certificate "
		    "revocation list from PEM");
	X509_CRL_free(crl);
	return 0;
}

int
tls_crl_signed_by(const char *crl_pem, const char *ca_pem)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_CRL *crl = read_crl(crl_pem);
	int r = -OCTA_EINVAL;

	if (crl == NULL || certs == NULL || read_certs(ca_pem, certs, 1) < 0)
		goto out;
	if (X509_CRL_verify(crl, X509_get0_pubkey(sk_X509_value(certs,
	    0))) == 1)
		r = 0;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	sk_X509_pop_free(certs, X509_free);
	return r;
}
