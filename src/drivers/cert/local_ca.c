/*
 * local_ca.c - the two certificate authorities and certificate issuing
 * (see local_ca.h), with OpenSSL 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "local_ca.h"
#include "../../common/config.h"
#include "../../common/errors.h"
#include "../../common/log.h"

#define CA_VALIDITY (10L * 365 * 86400)
#define CLIENT_VALIDITY (2L * 365 * 86400)

void
ca_paths_init(struct ca_paths *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->server_ca, sizeof(p->server_ca), "%s/server_ca.pem", dir);
	snprintf(p->server_ca_key, sizeof(p->server_ca_key),
	    "%s/server_ca.key", dir);
	snprintf(p->client_ca, sizeof(p->client_ca), "%s/client_ca.pem", dir);
	snprintf(p->client_ca_key, sizeof(p->client_ca_key),
	    "%s/client_ca.key", dir);
	snprintf(p->client, sizeof(p->client), "%s/client.pem", dir);
}

void
ca_paths_default(struct ca_paths *p)
{
	char dir[512];

	config_cert_dir(dir, sizeof(dir));
	ca_paths_init(p, dir);
}

static EVP_PKEY *
new_key(void)
{
	return EVP_EC_gen("P-256");
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

/* A certificate for `key` named `cn`, signed by issuer/ikey (or itself). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, long validity, X509 *issuer,
    EVP_PKEY *ikey, int is_ca, const char *eku, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;

	if (c == NULL)
		return NULL;
	X509_set_version(c, 2);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	X509_set_serialNumber(c, ai);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(c), -300);
	X509_gmtime_adj(X509_getm_notAfter(c), validity);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"octa", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (add_ext(c, issuer ? issuer : c, NID_basic_constraints, is_ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE") < 0 ||
	    add_ext(c, issuer ? issuer : c, NID_key_usage, is_ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(c, issuer ? issuer : c, NID_subject_key_identifier,
	    "hash") < 0 ||
	    (eku && add_ext(c, issuer ? issuer : c, NID_ext_key_usage,
	    eku) < 0) ||
	    (san && add_ext(c, issuer ? issuer : c, NID_subject_alt_name,
	    san) < 0))
		goto fail;
	if (X509_sign(c, ikey ? ikey : key, EVP_sha256()) == 0)
		goto fail;
	return c;
fail:
	X509_free(c);
	return NULL;
}

static int
write_file(const char *path, mode_t mode, X509 *cert, EVP_PKEY *key)
{
	FILE *f;
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		log_error("certs cannot write %s: %s", path, strerror(errno));
		return -OCTA_EIO;
	}
	fchmod(fd, mode);
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -OCTA_EIO;
	}
	ok = (!cert || PEM_write_X509(f, cert)) &&
	    (!key || PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	if (fclose(f) != 0 || !ok)
		return -OCTA_EIO;
	return 0;
}

static int
load(const char *cert_path, const char *key_path, X509 **cert,
    EVP_PKEY **key)
{
	FILE *f;

	if ((f = fopen(cert_path, "r")) == NULL)
		return -OCTA_ENOTFOUND;
	*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(key_path, "r")) == NULL) {
		X509_free(*cert);
		return -OCTA_ENOTFOUND;
	}
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*cert == NULL || *key == NULL) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		return -OCTA_EINVAL;
	}
	return 0;
}

static int
make_ca(const char *cert_path, const char *key_path, const char *cn)
{
	EVP_PKEY *key = new_key();
	X509 *cert = NULL;
	int r = -OCTA_EINTERNAL;

	if (key == NULL)
		goto out;
	cert = make_cert(key, cn, CA_VALIDITY, NULL, NULL, 1, NULL, NULL);
	if (cert == NULL)
		goto out;
	if ((r = write_file(key_path, 0600, NULL, key)) == 0)
		r = write_file(cert_path, 0644, cert, NULL);
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return r;
}

int
ca_init(const struct ca_paths *p, int force, int *created)
{
	X509 *ccert = NULL, *cert = NULL;
	EVP_PKEY *ckey = NULL, *key = NULL;
	int r;

	*created = 0;
	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST)
		return -OCTA_EIO;
	chmod(p->dir, 0700);
	if (force || access(p->server_ca, R_OK) != 0) {
		if ((r = make_ca(p->server_ca, p->server_ca_key,
		    "octa amphora CA")) < 0)
			return r;
		*created = 1;
	}
	if (force || access(p->client_ca, R_OK) != 0) {
		if ((r = make_ca(p->client_ca, p->client_ca_key,
		    "octa controller CA")) < 0)
			return r;
		*created = 1;
		force = 1;	/* the client cert must follow its CA */
	}
	if (!force && access(p->client, R_OK) == 0)
		return 0;
	if ((r = load(p->client_ca, p->client_ca_key, &ccert, &ckey)) < 0)
		return r;
	r = -OCTA_EINTERNAL;
	if ((key = new_key()) == NULL)
		goto out;
	cert = make_cert(key, "octa controller", CLIENT_VALIDITY, ccert, ckey,
	    0, "clientAuth", NULL);
	if (cert == NULL)
		goto out;
	if ((r = write_file(p->client, 0600, cert, key)) == 0)
		*created = 1;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_free(ccert);
	EVP_PKEY_free(ckey);
	return r;
}

int
ca_issue_amphora(const struct ca_paths *p, const char *amphora_id,
    long validity_s, struct buf *pem, int64_t *not_after)
{
	X509 *ca = NULL, *cert = NULL;
	EVP_PKEY *cakey = NULL, *key = NULL;
	BIO *mem = NULL;
	char san[128];
	char *data;
	long n;
	int r;

	if ((r = load(p->server_ca, p->server_ca_key, &ca, &cakey)) < 0)
		return r;
	r = -OCTA_EINTERNAL;
	if ((key = new_key()) == NULL)
		goto out;
	snprintf(san, sizeof(san), "DNS:%s", amphora_id);
	cert = make_cert(key, amphora_id, validity_s, ca, cakey, 0,
	    "serverAuth,clientAuth", san);
	if (cert == NULL || (mem = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if (!PEM_write_bio_X509(mem, cert) || !PEM_write_bio_PrivateKey(mem,
	    key, NULL, NULL, 0, NULL, NULL))
		goto out;
	n = BIO_get_mem_data(mem, &data);
	if ((r = buf_add(pem, data, (size_t)n)) < 0)
		goto out;
	if (not_after) {
		struct tm tm;

		ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm);
		*not_after = (int64_t)timegm(&tm);
	}
	r = 0;
out:
	BIO_free(mem);
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return r;
}
