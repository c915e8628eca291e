/*
 * secret_cmd.c - `octa-manage secret ...`: puts TLS certificate containers
 * and CA / CRL secrets into the configured secrets backend and prints the
 * reference to give the API (default_tls_container_ref and friends).
 *
 *   secret create --cert F --key F [--intermediates F] [--name N]
 *   secret create --ca F [--name N]
 *   secret create --crl F [--name N]
 *   secret list
 *   secret show REF
 *   secret delete REF
 *
 * What is stored has passed the checks the API makes when the reference
 * is used (src/common/tls_cert.h), so a refused container is refused here,
 * with the reason, and not later at the API.  A certificate container is
 * stored in canonical form (PEM re-encoded, key as unencrypted PKCS#8,
 * extra certificates of a fullchain file moved to the intermediates); a CA
 * or CRL secret as given, since its bytes name its file on the amphora.
 * Keys are never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "secret_cmd.h"
#include "../common/config.h"
#include "../common/errors.h"
#include "../common/tls_cert.h"
#include "../common/util.h"
#include "../common/xalloc.h"
#include "../drivers/secrets/secrets.h"

static void
secret_usage(FILE *f)
{
	fprintf(f, "usage: octa-manage secret create --cert FILE --key FILE "
	    "[--intermediates FILE] [--name NAME]\n"
	    "       octa-manage secret create --ca FILE [--name NAME]\n"
	    "       octa-manage secret create --crl FILE [--name NAME]\n"
	    "       octa-manage secret list\n"
	    "       octa-manage secret show REF\n"
	    "       octa-manage secret delete REF\n");
}

static int
refuse(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "octa-manage: secret refused: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* A PEM file as text: at most TLS_PEM_MAX bytes, no NUL inside. */
static int
read_pem_file(const char *path, char **out)
{
	struct stat st;
	char *p = NULL;
	size_t off = 0, size = 0;
	ssize_t n;
	int fd, r = 1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "octa-manage: cannot read %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > TLS_PEM_MAX || st.st_size == 0) {
		fprintf(stderr, "octa-manage: %s: not a regular file of 1 to "
		    "%u bytes\n", path, TLS_PEM_MAX);
		goto out;
	}
	size = (size_t)st.st_size;
	p = xmalloc(size + 1);
	while (off < size) {
		n = read(fd, p + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "octa-manage: cannot read %s\n", path);
			goto out;
		}
		off += (size_t)n;
	}
	p[off] = '\0';
	if (strlen(p) != off) {
		fprintf(stderr, "octa-manage: %s is not PEM text (DER? "
		    "convert it with openssl x509 -inform der)\n", path);
		goto out;
	}
	*out = p;
	p = NULL;
	r = 0;
out:
	if (p) {
		OPENSSL_cleanse(p, size);
		free(p);
	}
	close(fd);
	return r;
}

/* A --name: UTF-8, at most SECRET_NAME_MAX bytes, no control characters. */
static bool
name_ok(const char *s)
{
	const unsigned char *p;
	json_t *j;

	if (strlen(s) > SECRET_NAME_MAX || (j = json_string(s)) == NULL)
		return false;
	json_decref(j);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void
print_time(const char *label, int64_t t)
{
	char s[TIME_STR_LEN];

	time_iso(t, s);
	printf("%-15s %sZ\n", label, s);
}

struct create_opts {
	const char *cert, *key, *ints, *ca, *crl, *name;
};

/* Reads and checks a certificate container; fills `out` canonically. */
static int
load_container(const struct create_opts *o, struct tls_container *out)
{
	struct tls_container in;
	struct tls_cert_info info;
	char err[256];
	int r = 1;

	memset(&in, 0, sizeof(in));
	memset(&info, 0, sizeof(info));
	if (read_pem_file(o->cert, &in.certificate) ||
	    read_pem_file(o->key, &in.private_key) ||
	    (o->ints && read_pem_file(o->ints, &in.intermediates)))
		goto out;
	if (strstr(in.private_key, "ENCRYPTED")) {
		r = refuse("the private key in %s is encrypted; octa keeps "
		    "keys unencrypted in its secrets store (mode 0600): "
		    "decrypt it first, e.g. openssl pkey -in %s -out "
		    "plain.key", o->key, o->key);
		goto out;
	}
	if (tls_cert_check(&in, &info, err, sizeof(err)) < 0) {
		r = refuse("%s%s", err, strcmp(err, "Key and x509 certificate "
		    "do not match") == 0 ? " (the key is not the one of the "
		    "certificate)" : "");
		goto out;
	}
	if (info.not_after && info.not_after < time_now()) {
		char when[TIME_STR_LEN];

		time_iso(info.not_after, when);
		fprintf(stderr, "octa-manage: warning: the certificate "
		    "expired on %sZ (stored anyway, as Octavia would)\n", when);
	}
	out->certificate = info.certificate;
	out->private_key = info.private_key;
	out->intermediates = info.intermediates;
	info.certificate = info.private_key = info.intermediates = NULL;
	r = 0;
out:
	tls_container_clear(&in);
	tls_cert_info_clear(&info);
	return r;
}

static int
secret_create(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "intermediates", required_argument, NULL, 'i' },
		{ "ca", required_argument, NULL, 'a' },
		{ "crl", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct secrets_driver *d = secrets_driver_configured();
	struct create_opts o = { .name = "" };
	struct tls_container c;
	struct secret_meta meta;
	char ref[SECRET_REF_MAX], err[256];
	int ch, kinds, r = 2, e;

	memset(&c, 0, sizeof(c));
	memset(&meta, 0, sizeof(meta));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 'i': o.ints = optarg; break;
		case 'a': o.ca = optarg; break;
		case 'r': o.crl = optarg; break;
		case 'n': o.name = optarg; break;
		default: goto usage;
		}
	}
	kinds = (o.cert || o.key || o.ints) + !!o.ca + !!o.crl;
	if (optind != argc || kinds != 1 || ((o.cert || o.key || o.ints) &&
	    (!o.cert || !o.key)))
		goto usage;
	if (!name_ok(o.name)) {
		fprintf(stderr, "octa-manage: --name: UTF-8, at most %d bytes, "
		    "no control characters\n", SECRET_NAME_MAX);
		goto out;
	}
	if (d == NULL) {
		fprintf(stderr, "octa-manage: [certificates] cert_manager = %s "
		    "is not a secrets backend octa has (file)\n",
		    cfg.certificates_cert_manager);
		r = 1;
		goto out;
	}
	snprintf(meta.name, sizeof(meta.name), "%s", o.name);
	r = 1;
	if (o.cert) {
		meta.kind = SECRET_CERTIFICATE;
		if (load_container(&o, &c))
			goto out;
	} else if (o.ca) {
		meta.kind = SECRET_CA;
		if (read_pem_file(o.ca, &c.payload))
			goto out;
		if (tls_ca_check(c.payload, err, sizeof(err)) < 0) {
			r = refuse("%s: %s", o.ca, err);
			goto out;
		}
	} else {
		meta.kind = SECRET_CRL;
		if (read_pem_file(o.crl, &c.payload))
			goto out;
		if (tls_crl_check(c.payload, err, sizeof(err)) < 0) {
			r = refuse("%s: %s", o.crl, err);
			goto out;
		}
	}
	if ((e = d->store(&c, &meta, ref, sizeof(ref))) < 0) {
		fprintf(stderr, "octa-manage: storing the secret failed: %s\n",
		    octa_err_str(e));
		goto out;
	}
	printf("%s\n", ref);
	r = 0;
	goto out;
usage:
	secret_usage(stderr);
out:
	tls_container_clear(&c);
	return r;
}

static int
list_one(void *arg, const char *ref, const struct secret_meta *m)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", ref, secret_kind_name(m->kind),
	    m->created_at, m->name);
	return 0;
}

static int
secret_list(void)
{
	const struct secrets_driver *d = secrets_driver_configured();
	int e;

	if (d == NULL) {
		fprintf(stderr, "octa-manage: no secrets backend named %s\n",
		    cfg.certificates_cert_manager);
		return 1;
	}
	if ((e = d->list(list_one, NULL)) < 0) {
		fprintf(stderr, "octa-manage: listing secrets failed: %s\n",
		    octa_err_str(e));
		return 1;
	}
	return 0;
}

static void
show_container(const struct tls_container *c)
{
	struct tls_cert_info info;
	char err[256];
	size_t i;

	memset(&info, 0, sizeof(info));
	if (tls_cert_check(c, &info, err, sizeof(err)) < 0) {
		printf("%-15s %s\n", "problem", err);
		return;
	}
	printf("%-15s %s\n", "common_name", info.primary_cn ?
	    info.primary_cn : "");
	printf("%-15s", "sni_names");
	for (i = 0; i < info.n_names; i++)
		printf(" %s", info.names[i]);
	printf("\n");
	print_time("not_before", info.not_before);
	print_time("not_after", info.not_after);
	printf("%-15s %zu\n", "intermediates", info.n_intermediates);
	printf("%-15s %s.pem\n", "amphora_file", info.id);
	tls_cert_info_clear(&info);
}

static int
secret_show(const char *ref)
{
	const struct secrets_driver *d = secrets_driver_for_ref(ref);
	struct tls_container c;
	struct secret_meta m;
	char err[256], sha[TLS_SHA1_HEX_LEN];
	int e, r = 1;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if (d == NULL) {
		fprintf(stderr, "octa-manage: no secrets backend owns %s\n",
		    ref);
		goto out;
	}
	if ((e = d->fetch(ref, &c, &m)) < 0) {
		fprintf(stderr, "octa-manage: %s: %s\n", ref,
		    e == -OCTA_ENOTFOUND ? "no such secret" :
		    octa_err_str(e));
		goto out;
	}
	printf("%-15s %s\n%-15s %s\n%-15s %s\n%-15s %s\n", "ref", ref,
	    "kind", secret_kind_name(m.kind), "name", m.name, "created_at",
	    m.created_at);
	if (m.kind == SECRET_CERTIFICATE) {
		show_container(&c);
	} else {
		int bad = m.kind == SECRET_CA ?
		    tls_ca_check(c.payload, err, sizeof(err)) :
		    tls_crl_check(c.payload, err, sizeof(err));

		if (bad < 0)
			printf("%-15s %s\n", "problem", err);
		tls_sha1_hex(c.payload, strlen(c.payload), sha);
		printf("%-15s %s.pem\n", "amphora_file", sha);
	}
	r = 0;
out:
	tls_container_clear(&c);
	return r;
}

static int
secret_delete(const char *ref)
{
	const struct secrets_driver *d = secrets_driver_for_ref(ref);
	int e;

	if (d == NULL) {
		fprintf(stderr, "octa-manage: no secrets backend owns %s\n",
		    ref);
		return 1;
	}
	if ((e = d->remove(ref)) < 0) {
		fprintf(stderr, "octa-manage: %s: %s\n", ref,
		    e == -OCTA_ENOTFOUND ? "no such secret" :
		    octa_err_str(e));
		return 1;
	}
	return 0;
}

int
manage_secret(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "create") == 0)
		return secret_create(argc, argv);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return secret_list();
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return secret_show(argv[1]);
	if (argc == 2 && strcmp(argv[0], "delete") == 0)
		return secret_delete(argv[1]);
	secret_usage(stderr);
	return 2;
}
