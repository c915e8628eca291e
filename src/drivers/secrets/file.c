/*
 * file.c - the `file` secrets backend: TLS containers and secrets kept as
 * PEM files on the controller's disk, for one host (or several units that
 * share the directory).  See docs/secrets.md.
 *
 *   <secrets_dir>/                      0700
 *     <uuid>/                           0700, one object
 *       cert.pem key.pem [intermediates.pem]   a certificate container
 *       ca.pem                                 or a CA secret
 *       crl.pem                                or a CRL secret
 *       meta.json                       {"name": ..., "created_at": ...}
 *
 * Every file is 0600.  The reference is file:///secrets/<uuid> (the bare
 * <uuid> is accepted too, as Octavia's local cert manager names them).
 * The kind of an object is told by its file names, so meta.json is only
 * for people; a missing one does not make an object unreadable.
 *
 * A store writes a hidden .new-<uuid> directory and renames it into place;
 * a remove renames the directory to .old-<uuid> before emptying it.  So a
 * reader sees a whole object or none, never half of one.  No state is
 * kept: any thread of any process may call these (octa-manage stores and
 * removes; the API role fetches, through src/service/secrets.c).  The
 * contents are not checked here: callers check with src/common/tls_cert.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "secrets.h"
#include "../../common/errors.h"
#include "../../common/log.h"
#include "../../common/xalloc.h"

#define REF_PREFIX "file:///secrets/"
#define META_MAX (16u * 1024)
#define DIR_MAX 512

/* The uuid a reference names, canonical; false if not ours. */
static bool
ref_uuid(const char *ref, char out[UUID_STR_LEN])
{
	const char *id = ref;

	if (ref == NULL)
		return false;
	if (strncasecmp(ref, "file://", 7) == 0) {
		if (strncmp(ref + 7, "/secrets/", 9) != 0)
			return false;
		id = ref + 16;
	}
	return uuid_canon(id, out);
}

static bool
file_owns(const char *ref)
{
	char id[UUID_STR_LEN];

	return ref_uuid(ref, id);
}

/* mkdir -p with `mode` for what it creates. */
static int
make_dirs(const char *path, mode_t mode)
{
	char p[DIR_MAX];
	size_t i, n;

	n = (size_t)snprintf(p, sizeof(p), "%s", path);
	if (n == 0 || n >= sizeof(p))
		return -OCTA_EINVAL;
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			log_error("secrets cannot create dir=%s: %s", p,
			    strerror(errno));
			return -OCTA_EIO;
		}
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int
write_file(int dfd, const char *name, const char *data)
{
	size_t len = strlen(data), off = 0;
	ssize_t w;
	int fd, r = -OCTA_EIO;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		log_error("secrets cannot write file=%s: %s", name,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Reads a whole small text file: -OCTA_ENOTFOUND if absent, -OCTA_EIO if
 * unreadable, larger than `max` or not text (a NUL inside).
 */
static int
read_file(int dfd, const char *name, size_t max, char **out)
{
	struct stat st;
	char *p = NULL;
	size_t off = 0, size = 0;
	ssize_t n;
	int fd, r = -OCTA_EIO;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? -OCTA_ENOTFOUND : -OCTA_EIO;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max)
		goto out;
	size = (size_t)st.st_size;
	p = xmalloc(size + 1);
	while (off < size) {
		n = read(fd, p + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	p[off] = '\0';
	if (strlen(p) != off)
		goto out;
	*out = p;
	p = NULL;
	r = 0;
out:
	if (p) {
		OPENSSL_cleanse(p, size);
		free(p);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* Removes every file of a directory, then the directory. */
static int
remove_dir(const char *path)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -OCTA_EIO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -OCTA_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0)
			r = -OCTA_EIO;
	}
	closedir(d);
	if (rmdir(path) < 0)
		r = -OCTA_EIO;
	return r;
}

static int
file_store(const struct tls_container *c, const struct secret_meta *meta,
    char *ref, size_t reflen)
{
	char dir[DIR_MAX], tmp[DIR_MAX + 64], dst[DIR_MAX + 64];
	char id[UUID_STR_LEN], now[TIME_STR_LEN];
	json_t *m = NULL;
	char *mtext = NULL;
	int dfd = -1, made = 0, r = -OCTA_EINVAL;

	switch (meta->kind) {
	case SECRET_CERTIFICATE:
		if (!c->certificate || !c->private_key)
			goto out;
		break;
	case SECRET_CA:
	case SECRET_CRL:
		if (!c->payload)
			goto out;
		break;
	default:
		goto out;
	}
	secrets_file_dir(dir, sizeof(dir));
	if ((r = make_dirs(dir, 0700)) < 0)
		goto out;
	r = -OCTA_EIO;
	uuid_new(id);
	snprintf(tmp, sizeof(tmp), "%s/.new-%s", dir, id);
	snprintf(dst, sizeof(dst), "%s/%s", dir, id);
	if (mkdir(tmp, 0700) < 0) {
		log_error("secrets cannot create dir=%s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	made = 1;
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		goto out;
	if (meta->kind == SECRET_CERTIFICATE) {
		if (write_file(dfd, "cert.pem", c->certificate) < 0 ||
		    write_file(dfd, "key.pem", c->private_key) < 0 ||
		    (c->intermediates && c->intermediates[0] &&
		    write_file(dfd, "intermediates.pem", c->intermediates) < 0))
			goto out;
	} else if (write_file(dfd, meta->kind == SECRET_CA ? "ca.pem" :
	    "crl.pem", c->payload) < 0)
		goto out;
	time_now_iso(now);
	m = json_pack("{s:s, s:s, s:s}", "name", meta->name, "kind",
	    secret_kind_name(meta->kind), "created_at", now);
	if (m == NULL || (mtext = json_dumps(m, JSON_INDENT(2))) == NULL ||
	    write_file(dfd, "meta.json", mtext) < 0 || fsync(dfd) < 0)
		goto out;
	if (rename(tmp, dst) < 0) {
		log_error("secrets cannot rename %s: %s", tmp, strerror(errno));
		goto out;
	}
	made = 0;
	close(dfd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	snprintf(ref, reflen, REF_PREFIX "%s", id);
	log_info("secrets stored ref=" REF_PREFIX "%s kind=%s", id,
	    secret_kind_name(meta->kind));
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	if (made)
		remove_dir(tmp);
	json_decref(m);
	free(mtext);
	return r;
}

static void
read_meta(int dfd, struct secret_meta *meta)
{
	json_t *m = NULL;
	char *text = NULL;
	const char *s;

	if (read_file(dfd, "meta.json", META_MAX, &text) < 0 ||
	    (m = json_loads(text, 0, NULL)) == NULL)
		goto out;
	if ((s = json_string_value(json_object_get(m, "name"))) != NULL)
		snprintf(meta->name, sizeof(meta->name), "%s", s);
	if ((s = json_string_value(json_object_get(m, "created_at"))) != NULL)
		snprintf(meta->created_at, sizeof(meta->created_at), "%s", s);
out:
	json_decref(m);
	free(text);
}

static bool
has_file(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

/*
 * The kind of an object from its file names; fills `out` (unless NULL)
 * with its contents and `meta` (unless NULL) with its meta data.
 */
static int
read_object(int dfd, struct tls_container *out, struct secret_meta *meta)
{
	struct secret_meta mt;
	int r = 0;

	memset(&mt, 0, sizeof(mt));
	if (has_file(dfd, "cert.pem")) {
		mt.kind = SECRET_CERTIFICATE;
		if (!has_file(dfd, "key.pem"))
			return -OCTA_EIO;	/* a container without its key */
		if (out && ((r = read_file(dfd, "cert.pem", TLS_PEM_MAX,
		    &out->certificate)) < 0 || (r = read_file(dfd, "key.pem",
		    TLS_PEM_MAX, &out->private_key)) < 0))
			return -OCTA_EIO;
		if (out && (r = read_file(dfd, "intermediates.pem",
		    TLS_PEM_MAX, &out->intermediates)) < 0 &&
		    r != -OCTA_ENOTFOUND)
			return -OCTA_EIO;
	} else if (has_file(dfd, "ca.pem") || has_file(dfd, "crl.pem")) {
		mt.kind = has_file(dfd, "ca.pem") ? SECRET_CA : SECRET_CRL;
		if (out && read_file(dfd, mt.kind == SECRET_CA ? "ca.pem" :
		    "crl.pem", TLS_PEM_MAX, &out->payload) < 0)
			return -OCTA_EIO;
	} else {
		return -OCTA_EIO;	/* nothing we know in the directory */
	}
	if (meta) {
		read_meta(dfd, &mt);
		*meta = mt;
	}
	return 0;
}

static int
open_object(const char *id)
{
	char dir[DIR_MAX], path[DIR_MAX + 64];

	secrets_file_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int
file_fetch(const char *ref, struct tls_container *out,
    struct secret_meta *meta)
{
	char id[UUID_STR_LEN];
	int dfd, r;

	if (!ref_uuid(ref, id))
		return -OCTA_ENOTFOUND;
	if ((dfd = open_object(id)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? -OCTA_ENOTFOUND :
		    -OCTA_EIO;
	r = read_object(dfd, out, meta);
	close(dfd);
	return r;
}

static int
file_remove(const char *ref)
{
	char dir[DIR_MAX], path[DIR_MAX + 64], old[DIR_MAX + 64];
	char id[UUID_STR_LEN];
	int r;

	if (!ref_uuid(ref, id))
		return -OCTA_ENOTFOUND;
	secrets_file_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	snprintf(old, sizeof(old), "%s/.old-%s", dir, id);
	if (rename(path, old) < 0)
		return errno == ENOENT ? -OCTA_ENOTFOUND : -OCTA_EIO;
	if ((r = remove_dir(old)) < 0)
		log_warn("secrets could not empty dir=%s", old);
	log_info("secrets removed ref=" REF_PREFIX "%s", id);
	return r;
}

static int
file_list(secret_list_fn fn, void *arg)
{
	char dir[DIR_MAX], ref[SECRET_REF_MAX], id[UUID_STR_LEN];
	struct secret_meta meta;
	struct dirent *de;
	DIR *d;
	int dfd, r = 0;

	secrets_file_dir(dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -OCTA_EIO;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!uuid_canon(de->d_name, id) || strcmp(id, de->d_name) != 0)
			continue;
		if ((dfd = open_object(id)) < 0)
			continue;
		memset(&meta, 0, sizeof(meta));
		if (read_object(dfd, NULL, &meta) == 0) {
			snprintf(ref, sizeof(ref), REF_PREFIX "%s", id);
			r = fn(arg, ref, &meta);
		}
		close(dfd);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

const struct secrets_driver secrets_file_driver = {
	.name = "file",
	.owns = file_owns,
	.store = file_store,
	.fetch = file_fetch,
	.remove = file_remove,
	.list = file_list,
};
