/*
 * sys.c - octa-agent's operating-system plumbing; see sys.h.
 *
 * Runs on the agent's main thread (request handlers), except
 * sys_unix_query, sys_read_pid, sys_alive, sys_write_file and
 * sys_read_file, which the heartbeat thread uses too; none of them keeps
 * state.  Children are forked from the main thread only and call nothing
 * but async-signal-safe functions before execve, so the heartbeat thread
 * holding a lock at fork time does not matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sys.h"
#include "../common/errors.h"
#include "../common/log.h"
#include "../common/util.h"

#define SYS_POLL_MS 10
#define SYS_DRAIN_MAX 64	/* reads after the child ended */

static char *const sys_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL
};

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
sys_child(const char *const *argv, int in, int out)
{
	static const int sigs[] = { SIGPIPE, SIGHUP, SIGINT, SIGTERM,
		SIGCHLD, SIGUSR1, SIGUSR2 };
	sigset_t none;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	execve(argv[0], (char *const *)argv, sys_env);
	_exit(127);
}

/* Reads what is there now; false at end of file or on an error. */
static bool
sys_read_some(int fd, struct buf *out)
{
	char tmp[4096];
	ssize_t n;

	n = read(fd, tmp, sizeof(tmp));
	if (n > 0) {
		/* Past the buffer's maximum the rest is dropped. */
		if (out != NULL && out->len + (size_t)n + 1 < out->max)
			(void)buf_add(out, tmp, (size_t)n);
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	return false;
}

int
sys_run(const char *const *argv, int timeout_ms, int out_fd,
    struct buf *out, int *status)
{
	int pfd[2] = { -1, -1 }, devnull = -1, st = 0, i, r = -OCTA_EINTERNAL;
	struct pollfd p;
	int64_t deadline;
	pid_t pid = -1, w;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return -OCTA_EINVAL;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		goto out;
	if (out_fd < 0 && pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		goto out;
	if ((pid = fork()) < 0) {
		log_error("agent run: fork failed prog=%s: %s", argv[0],
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		sys_child(argv, devnull, out_fd >= 0 ? out_fd : pfd[1]);
	if (pfd[1] >= 0) {
		close(pfd[1]);
		pfd[1] = -1;
	}
	deadline = time_mono_ms() + timeout_ms;
	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			pid = -1;
			break;
		}
		if (w < 0 && errno != EINTR)
			goto out;
		if (time_mono_ms() >= deadline) {
			log_error("agent run: prog=%s timed out after %d ms",
			    argv[0], timeout_ms);
			r = -OCTA_EBUSY;
			goto out;
		}
		if (pfd[0] >= 0) {
			p.fd = pfd[0];
			p.events = POLLIN;
			p.revents = 0;
			if (poll(&p, 1, SYS_POLL_MS) > 0 &&
			    !sys_read_some(pfd[0], out)) {
				close(pfd[0]);
				pfd[0] = -1;
			}
		} else {
			struct timespec ts = { 0, SYS_POLL_MS * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	/* What the child wrote last; a daemon it left may hold the pipe. */
	for (i = 0; pfd[0] >= 0 && i < SYS_DRAIN_MAX; i++) {
		char tmp[4096];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));

		if (n <= 0)
			break;
		if (out != NULL && out->len + (size_t)n + 1 < out->max)
			(void)buf_add(out, tmp, (size_t)n);
	}
	if (WIFEXITED(st))
		*status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*status = 128 + WTERMSIG(st);
	else
		*status = 255;
	r = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (devnull >= 0)
		close(devnull);
	return r;
}

int
sys_read_pid(const char *path, pid_t *pid)
{
	char line[32];
	long long v;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		return -OCTA_ENOTFOUND;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -OCTA_ENOTFOUND;
	}
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!parse_ll(line, &v) || v <= 1 || v > 0x3fffffff)
		return -OCTA_ENOTFOUND;
	*pid = (pid_t)v;
	return 0;
}

bool
sys_alive(pid_t pid, const char *comm)
{
	char path[64], text[512], *rp;
	FILE *f;
	size_t n;

	if (pid <= 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')'. */
	if ((rp = strrchr(text, ')')) == NULL || rp[1] != ' ' ||
	    rp[2] == 'Z' || rp[2] == 'X' || rp[2] == '\0')
		return false;
	if (comm == NULL)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	if (fgets(text, sizeof(text), f) == NULL) {
		fclose(f);
		return false;
	}
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	/* The kernel keeps 15 characters of the name. */
	return strncmp(text, comm, 15) == 0;
}

bool
sys_wait_gone(pid_t pid, const char *comm, int ms)
{
	struct timespec ts = { 0, 20 * 1000000L };
	int64_t end = time_mono_ms() + ms;

	while (sys_alive(pid, comm)) {
		if (time_mono_ms() >= end)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

int
sys_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	char tmp[4200];
	int fd = -1, r = -OCTA_EIO;
	ssize_t n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return -OCTA_EINVAL;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		log_error("agent: cannot create file=%s: %s", tmp,
		    strerror(errno));
		return -OCTA_EIO;
	}
	if (fchmod(fd, mode) < 0)
		goto out;
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out;
	r = 0;
out:
	if (r < 0) {
		log_error("agent: cannot write file=%s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	return r;
}

int
sys_read_file(const char *path, size_t max, struct buf *out)
{
	char tmp[8192];
	size_t n, total = 0;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? -OCTA_ENOTFOUND : -OCTA_EIO;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		total += n;
		if (total > max) {
			r = -OCTA_ETOOLARGE;
			break;
		}
		if ((r = buf_add(out, tmp, n)) < 0)
			break;
	}
	if (r == 0 && ferror(f))
		r = -OCTA_EIO;
	fclose(f);
	return r;
}

int
sys_mkdir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	log_error("agent: cannot make directory=%s: %s", path,
	    strerror(errno));
	return -OCTA_EIO;
}

static int
sys_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
sys_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -OCTA_EIO;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -OCTA_EIO : 0;
	if (nftw(path, sys_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		log_error("agent: cannot remove %s: %s", path,
		    strerror(errno));
		return -OCTA_EIO;
	}
	return 0;
}

bool
sys_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void
sys_md5_hex(const void *data, size_t len, char out[SYS_MD5_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(data, len, md, &n, EVP_md5(), NULL) != 1 || n != 16) {
		memset(out, '0', SYS_MD5_HEX_LEN - 1);
		out[SYS_MD5_HEX_LEN - 1] = '\0';
		return;
	}
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

bool
sys_unix_path_ok(const char *path)
{
	struct sockaddr_un sa;

	return strlen(path) < sizeof(sa.sun_path);
}

/* Waits for `events` on fd until the deadline; 0 when ready. */
static int
sys_wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int64_t left;
	int n;

	for (;;) {
		left = deadline - time_mono_ms();
		if (left <= 0)
			return -OCTA_EBUSY;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -OCTA_EIO;
	}
}

int
sys_unix_query(const char *path, const char *cmd, int timeout_ms,
    size_t max, struct buf *out)
{
	struct sockaddr_un sa;
	int64_t deadline = time_mono_ms() + timeout_ms;
	size_t len = strlen(cmd), off = 0, total = 0;
	char tmp[8192];
	ssize_t n;
	int fd = -1, r = -OCTA_EIO;

	if (!sys_unix_path_ok(path))
		return -OCTA_EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto out;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EAGAIN && errno != EINPROGRESS)
			goto out;
		if ((r = sys_wait_fd(fd, POLLOUT, deadline)) < 0)
			goto out;
		r = -OCTA_EIO;
	}
	while (off <= len) {
		const char *p = off < len ? cmd + off : "\n";
		size_t left = off < len ? len - off : 1;

		n = send(fd, p, left, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((r = sys_wait_fd(fd, POLLOUT, deadline)) < 0)
				goto out;
			r = -OCTA_EIO;
			continue;
		}
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			break;
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((r = sys_wait_fd(fd, POLLIN, deadline)) < 0)
				goto out;
			r = -OCTA_EIO;
			continue;
		}
		if (n < 0)
			goto out;
		total += (size_t)n;
		if (total > max) {
			r = -OCTA_ETOOLARGE;
			goto out;
		}
		if ((r = buf_add(out, tmp, (size_t)n)) < 0)
			goto out;
		r = -OCTA_EIO;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}
