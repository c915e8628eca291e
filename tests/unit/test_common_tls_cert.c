/*
 * test_common_tls_cert.c - src/common/tls_cert.c: the checks of a TLS
 * container (certificate parses, key matches, intermediates parse, an
 * encrypted key is refused), what the amphora gets from it (SNI names,
 * the SHA-1 file name, the combined PEM), and CA / CRL secrets (a CRL
 * must be signed by its CA).  Every certificate is made here with OpenSSL,
 * so nothing expires in the repository.
 */
#include <stdbool.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "unit.h"

#include "common/errors.h"
#include "common/tls_cert.h"

/* ---- making certificates ---- */

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(c, ex, -1), 1);
	X509_EXTENSION_free(ex);
}

/*
 * A certificate for `key`, CN `cn` (NULL: none), subjectAltName `san`
 * (NULL: none), signed by issuer/ikey or by itself, valid from `from` to
 * `to` days from now.
 */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
    EVP_PKEY *ikey, bool ca, long from, long to)
{
	static long serial = 1;
	X509 *c = X509_new();
	X509_NAME *name;

	assert_non_null(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(c), to * 86400);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"octa tests", -1, -1, 0);
	if (cn)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) :
	    name);
	add_ext(c, issuer ? issuer : c, NID_basic_constraints, ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE");
	if (san)
		add_ext(c, issuer ? issuer : c, NID_subject_alt_name, san);
	assert_true(X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0);
	return c;
}

static char *
bio_text(BIO *b)
{
	char *data, *s;
	long n = BIO_get_mem_data(b, &data);

	s = malloc((size_t)n + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

static char *
cert_text(X509 *c)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_X509(b, c), 1);
	return bio_text(b);
}

/* PEM of a key; `pass` non-NULL encrypts it (AES-256-CBC). */
static char *
key_text(EVP_PKEY *k, const char *pass)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_PrivateKey(b, k, pass ?
	    EVP_aes_256_cbc() : NULL, (unsigned char *)pass, pass ?
	    (int)strlen(pass) : 0, NULL, NULL), 1);
	return bio_text(b);
}

/* Traditional ("BEGIN EC PRIVATE KEY") form, as older tools write it. */
static char *
key_text_traditional(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, k, NULL,
	    NULL, 0, NULL, NULL), 1);
	return bio_text(b);
}

static char *
crl_text(X509 *issuer, EVP_PKEY *ikey)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	BIO *b = BIO_new(BIO_s_mem());

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, 0);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 7 * 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_INTEGER_set(serial, 4242);
	X509_REVOKED_set_serialNumber(rev, serial);
	X509_gmtime_adj(t, 0);
	X509_REVOKED_set_revocationDate(rev, t);
	X509_CRL_add0_revoked(crl, rev);
	assert_true(X509_CRL_sign(crl, ikey, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509_CRL(b, crl), 1);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return bio_text(b);
}

/* Two certificates as one PEM PKCS#7 bundle. */
static char *
pkcs7_text(X509 *a, X509 *b2)
{
	PKCS7 *p7 = PKCS7_new();
	BIO *b = BIO_new(BIO_s_mem());

	assert_int_equal(PKCS7_set_type(p7, NID_pkcs7_signed), 1);
	assert_int_equal(PKCS7_content_new(p7, NID_pkcs7_data), 1);
	assert_int_equal(PKCS7_add_certificate(p7, a), 1);
	assert_int_equal(PKCS7_add_certificate(p7, b2), 1);
	assert_int_equal(PEM_write_bio_PKCS7(b, p7), 1);
	PKCS7_free(p7);
	return bio_text(b);
}

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s", a, b);
	return s;
}

/* ---- the fixture: a root CA, an intermediate, a server ---- */

static struct pki {
	EVP_PKEY *root_key, *int_key, *srv_key, *other_key;
	X509 *root, *inter, *srv;
	char *root_pem, *int_pem, *srv_pem, *srv_key_pem, *other_key_pem;
} P;

static int
setup(void **state)
{
	(void)state;
	P.root_key = ec_key();
	P.int_key = ec_key();
	P.srv_key = ec_key();
	P.other_key = ec_key();
	P.root = make_cert(P.root_key, "octa test root", NULL, NULL, NULL,
	    true, -1, 3650);
	P.inter = make_cert(P.int_key, "octa test intermediate", NULL, P.root,
	    P.root_key, true, -1, 3650);
	P.srv = make_cert(P.srv_key, "WWW.Example.COM",
	    "DNS:www.example.com,DNS:API.example.com,DNS:*.apps.example.com,"
	    "IP:192.0.2.1,DNS:bad name.example.com", P.inter, P.int_key,
	    false, -1, 365);
	P.root_pem = cert_text(P.root);
	P.int_pem = cert_text(P.inter);
	P.srv_pem = cert_text(P.srv);
	P.srv_key_pem = key_text(P.srv_key, NULL);
	P.other_key_pem = key_text(P.other_key, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(P.root_key);
	EVP_PKEY_free(P.int_key);
	EVP_PKEY_free(P.srv_key);
	EVP_PKEY_free(P.other_key);
	X509_free(P.root);
	X509_free(P.inter);
	X509_free(P.srv);
	free(P.root_pem);
	free(P.int_pem);
	free(P.srv_pem);
	free(P.srv_key_pem);
	free(P.other_key_pem);
	memset(&P, 0, sizeof(P));
	return 0;
}

/* ---- tests ---- */

static void
test_sha1_hex(void **state)
{
	char out[TLS_SHA1_HEX_LEN];

	(void)state;
	tls_sha1_hex("abc", 3, out);
	assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
	tls_sha1_hex("", 0, out);
	assert_string_equal(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void
test_good_pair(void **state)
{
	struct tls_container c = { .certificate = P.srv_pem,
	    .private_key = P.srv_key_pem };
	struct tls_cert_info info;
	char err[256] = "", want_id[TLS_SHA1_HEX_LEN];
	size_t n;

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	/* Octavia's id: sha1 of the certificate PEM without its newline. */
	n = strlen(P.srv_pem);
	tls_sha1_hex(P.srv_pem, n - 1, want_id);
	assert_string_equal(info.id, want_id);
	assert_string_equal(info.certificate, P.srv_pem);
	assert_non_null(strstr(info.private_key,
	    "-----BEGIN PRIVATE KEY-----"));
	assert_null(info.intermediates);
	assert_int_equal(info.n_intermediates, 0);
	assert_string_equal(info.primary_cn, "www.example.com");
	assert_true(info.not_after > info.not_before);
	assert_true(info.not_after - info.not_before > 360 * 86400L);
	/* Combined PEM: cert, key, newline-joined, one trailing newline. */
	assert_non_null(info.pem);
	assert_memory_equal(info.pem, P.srv_pem, n);
	assert_string_equal(info.pem + n, info.private_key);
	tls_cert_info_clear(&info);
	assert_null(info.pem);
	assert_null(info.names);
	tls_cert_info_clear(&info);	/* twice is fine */
	tls_cert_info_clear(NULL);
}

static void
test_sni_names(void **state)
{
	struct tls_container c = { .certificate = P.srv_pem,
	    .private_key = P.srv_key_pem };
	static const char *const want[] = {
		"www.example.com",	/* the CN, lower-cased ... */
		"api.example.com",	/* ... then the DNS SANs, once each */
		"*.apps.example.com",	/* IP SANs and odd names left out */
	};
	struct tls_cert_info info;
	char err[256];
	size_t i;

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_int_equal(info.n_names, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(info.names[i], want[i]);
	tls_cert_info_clear(&info);
}

static void
test_no_cn(void **state)
{
	X509 *x = make_cert(P.srv_key, NULL, "DNS:only.example.org", P.root,
	    P.root_key, false, -1, 30);
	char *pem = cert_text(x);
	struct tls_container c = { .certificate = pem,
	    .private_key = P.srv_key_pem };
	struct tls_cert_info info;
	char err[256];

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_null(info.primary_cn);
	assert_int_equal(info.n_names, 1);
	assert_string_equal(info.names[0], "only.example.org");
	tls_cert_info_clear(&info);
	free(pem);
	X509_free(x);
}

static void
test_mismatched_key(void **state)
{
	struct tls_container c = { .certificate = P.srv_pem,
	    .private_key = P.other_key_pem };
	struct tls_cert_info info;
	char err[256] = "";

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "Key and x509 certificate do not match");
	assert_null(info.pem);	/* untouched on failure */
}

static void
test_key_forms(void **state)
{
	char *trad = key_text_traditional(P.srv_key);
	char *enc = key_text(P.srv_key, "sekrit");
	char *both = join(P.srv_pem, P.srv_key_pem);
	struct tls_container c = { .certificate = P.srv_pem };
	struct tls_cert_info info;
	char err[256] = "";

	(void)state;
	memset(&info, 0, sizeof(info));
	/* "BEGIN EC PRIVATE KEY" is read and stored as PKCS#8. */
	assert_non_null(strstr(trad, "BEGIN EC PRIVATE KEY"));
	c.private_key = trad;
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_string_equal(info.private_key, P.srv_key_pem);
	tls_cert_info_clear(&info);
	/* A key file that also holds the certificate. */
	c.private_key = both;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)), 0);
	/* Encrypted: refused with Octavia's NeedsPassphrase text. */
	c.private_key = enc;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "Passphrase needed to decrypt key but "
	    "client did not provide one.");
	/* Missing or garbage. */
	c.private_key = NULL;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "The container has no private key");
	c.private_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "Could not read the private key from PEM");
	free(trad);
	free(enc);
	free(both);
}

static void
test_unreadable_certificate(void **state)
{
	static const char *const bad[] = {
		"",
		"hello",
		"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
		    "-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n",	/* no end line */
	};
	struct tls_container c = { .private_key = P.srv_key_pem };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		c.certificate = (char *)bad[i];
		err[0] = '\0';
		assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
		    -OCTA_EINVAL);
		assert_string_equal(err, "Could not read X509 from PEM");
	}
	c.certificate = NULL;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_int_equal(tls_cert_check(NULL, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	/* A key where the certificate should be. */
	c.certificate = P.srv_key_pem;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
}

static void
test_intermediates(void **state)
{
	char *chain = join(P.int_pem, P.root_pem);
	char *full = join(P.srv_pem, P.int_pem);
	char *p7 = pkcs7_text(P.inter, P.root);
	struct tls_container c = { .certificate = P.srv_pem,
	    .private_key = P.srv_key_pem, .intermediates = chain };
	struct tls_cert_info info;
	char err[256], *want;

	(void)state;
	memset(&info, 0, sizeof(info));
	/* PEM chain: kept in order, appended to the combined PEM. */
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_int_equal(info.n_intermediates, 2);
	assert_string_equal(info.intermediates, chain);
	want = malloc(strlen(info.certificate) + strlen(info.private_key) +
	    strlen(chain) + 1);
	snprintf(want, strlen(info.certificate) + strlen(info.private_key) +
	    strlen(chain) + 1, "%s%s%s", info.certificate, info.private_key,
	    chain);
	assert_string_equal(info.pem, want);
	free(want);
	tls_cert_info_clear(&info);

	/* A PKCS#7 bundle: the same certificates, as PEM. */
	c.intermediates = p7;
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_int_equal(info.n_intermediates, 2);
	assert_string_equal(info.intermediates, chain);
	tls_cert_info_clear(&info);

	/* A fullchain certificate file: the rest become intermediates, in
	 * front of the given ones; the id is still the leaf's. */
	c.certificate = full;
	c.intermediates = P.root_pem;
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_string_equal(info.certificate, P.srv_pem);
	assert_int_equal(info.n_intermediates, 2);
	assert_string_equal(info.intermediates, chain);
	tls_cert_info_clear(&info);

	/* Broken intermediates refuse the container. */
	c.certificate = P.srv_pem;
	c.intermediates = "-----BEGIN CERTIFICATE-----\n!!\n"
	    "-----END CERTIFICATE-----\n";
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "Could not read X509 from PEM "
	    "(intermediates)");
	c.intermediates = "junk";
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	/* Empty intermediates are none. */
	c.intermediates = "";
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)), 0);
	free(chain);
	free(full);
	free(p7);
}

static void
test_rsa_and_expired(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	X509 *x;
	char *cert, *key, err[256];
	struct tls_container c;
	struct tls_cert_info info;

	(void)state;
	assert_non_null(rsa);
	/* Expired a year ago: accepted (Octavia does not look). */
	x = make_cert(rsa, "old.example.com", NULL, NULL, NULL, false,
	    -730, -365);
	cert = cert_text(x);
	key = key_text(rsa, NULL);
	c = (struct tls_container){ .certificate = cert, .private_key = key };
	memset(&info, 0, sizeof(info));
	assert_int_equal(tls_cert_check(&c, &info, err, sizeof(err)), 0);
	assert_true(info.not_after < (int64_t)time(NULL));
	assert_string_equal(info.names[0], "old.example.com");
	tls_cert_info_clear(&info);
	/* An RSA certificate with an EC key. */
	c.private_key = P.srv_key_pem;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "Key and x509 certificate do not match");
	free(cert);
	free(key);
	X509_free(x);
	EVP_PKEY_free(rsa);
}

static void
test_too_large(void **state)
{
	size_t n = TLS_PEM_MAX + 10;
	char *big = malloc(n + 1);
	struct tls_container c = { .private_key = P.srv_key_pem };
	char err[256];

	(void)state;
	assert_non_null(big);
	/* A valid certificate followed by padding past the maximum. */
	memset(big, '\n', n);
	big[n] = '\0';
	memcpy(big, P.srv_pem, strlen(P.srv_pem));
	c.certificate = big;
	assert_int_equal(tls_cert_check(&c, NULL, err, sizeof(err)),
	    -OCTA_EINVAL);
	free(big);
}

static void
test_ca(void **state)
{
	char *bundle = join(P.root_pem, P.int_pem);
	char *broken = join(P.root_pem, "-----BEGIN CERTIFICATE-----\n!\n"
	    "-----END CERTIFICATE-----\n");
	char err[256];

	(void)state;
	assert_int_equal(tls_ca_check(P.root_pem, err, sizeof(err)), 0);
	assert_int_equal(tls_ca_check(bundle, err, sizeof(err)), 0);
	assert_int_equal(tls_ca_check(broken, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_int_equal(tls_ca_check("garbage", err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_string_equal(err, "no PEM certificate found");
	assert_int_equal(tls_ca_check(NULL, err, sizeof(err)), -OCTA_EINVAL);
	free(bundle);
	free(broken);
}

static void
test_crl(void **state)
{
	char *crl = crl_text(P.root, P.root_key);
	char *other = crl_text(P.inter, P.int_key);
	char *bundle = join(P.root_pem, P.int_pem);
	char err[256];

	(void)state;
	assert_int_equal(tls_crl_check(crl, err, sizeof(err)), 0);
	assert_int_equal(tls_crl_check(P.root_pem, err, sizeof(err)),
	    -OCTA_EINVAL);
	assert_int_equal(tls_crl_check("-----BEGIN X509 CRL-----\nAA\n"
	    "-----END X509 CRL-----\n", err, sizeof(err)), -OCTA_EINVAL);
	assert_int_equal(tls_crl_check(NULL, err, sizeof(err)), -OCTA_EINVAL);
	/* Signed by the CA: fine; by another CA: refused. */
	assert_int_equal(tls_crl_signed_by(crl, P.root_pem), 0);
	assert_int_equal(tls_crl_signed_by(other, P.int_pem), 0);
	assert_int_equal(tls_crl_signed_by(other, P.root_pem), -OCTA_EINVAL);
	assert_int_equal(tls_crl_signed_by(crl, P.int_pem), -OCTA_EINVAL);
	/* Octavia looks at the first certificate of the CA secret only. */
	assert_int_equal(tls_crl_signed_by(crl, bundle), 0);
	assert_int_equal(tls_crl_signed_by(other, bundle), -OCTA_EINVAL);
	assert_int_equal(tls_crl_signed_by("junk", P.root_pem), -OCTA_EINVAL);
	assert_int_equal(tls_crl_signed_by(crl, "junk"), -OCTA_EINVAL);
	free(crl);
	free(other);
	free(bundle);
}

static void
test_container_clear(void **state)
{
	struct tls_container c;

	(void)state;
	c.certificate = strdup("a");
	c.private_key = strdup("secret");
	c.intermediates = NULL;
	c.payload = strdup("p");
	tls_container_clear(&c);
	assert_null(c.certificate);
	assert_null(c.private_key);
	assert_null(c.payload);
	tls_container_clear(&c);
	tls_container_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_hex),
		cmocka_unit_test(test_good_pair),
		cmocka_unit_test(test_sni_names),
		cmocka_unit_test(test_no_cn),
		cmocka_unit_test(test_mismatched_key),
		cmocka_unit_test(test_key_forms),
		cmocka_unit_test(test_unreadable_certificate),
		cmocka_unit_test(test_intermediates),
		cmocka_unit_test(test_rsa_and_expired),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_ca),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_container_clear),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
