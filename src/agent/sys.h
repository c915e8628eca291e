/*
 * sys.h - octa-agent's operating-system plumbing: programs run with an
 * argument vector (never a shell), pid files and liveness, whole-file
 * writes, recursive removal, MD5 sums and queries to local UNIX sockets
 * (HAProxy's stats and master sockets).
 */
#ifndef OCTA_AGENT_SYS_H
#define OCTA_AGENT_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/buf.h"

#define SYS_MD5_HEX_LEN 33	/* 32 hex digits and the NUL */

/*
 * Runs argv[0] (an absolute path) with argv and a fixed PATH, stdin from
 * /dev/null.  With out_fd >= 0 the child's stdout and stderr go to that
 * descriptor (for daemons that keep them open); otherwise they are
 * collected in `out` (may be NULL) up to its maximum, the rest dropped.
 * Waits for the child itself, not for what it leaves behind, at most
 * timeout_ms (then it is killed and -OCTA_EBUSY returned).
 * On 0, *status is the exit code, or 128 + the signal that ended it.
 */
int sys_run(const char *const *argv, int timeout_ms, int out_fd,
    struct buf *out, int *status);

/* The pid in the first line of a pid file; 0 or -OCTA_ENOTFOUND. */
int sys_read_pid(const char *path, pid_t *pid);
/*
 * True when `pid` is a live process (not a zombie) whose command name is
 * `comm` (any name when NULL).  The name check keeps a recycled pid from
 * passing for HAProxy or keepalived.
 */
bool sys_alive(pid_t pid, const char *comm);
/* Waits up to `ms` for sys_alive() to turn false; true when it did. */
bool sys_wait_gone(pid_t pid, const char *comm, int ms);

/* Writes a whole file: a temporary beside it, fsync, rename. */
int sys_write_file(const char *path, const void *data, size_t len,
    mode_t mode);
/* Reads a whole file of at most `max` bytes into `out`. */
int sys_read_file(const char *path, size_t max, struct buf *out);
/* mkdir that accepts an existing directory. */
int sys_mkdir(const char *path, mode_t mode);
/* Removes a file or a directory tree; a missing path is fine. */
int sys_rm_rf(const char *path);
bool sys_exists(const char *path);

/* Lower-case hex MD5 of data (Octavia's ETag and md5sum). */
void sys_md5_hex(const void *data, size_t len, char out[SYS_MD5_HEX_LEN]);

/*
 * Sends `cmd` (a newline is added) to a UNIX stream socket, closes the
 * writing side and collects the answer until the peer closes, at most
 * `max` bytes and timeout_ms in all.
 */
int sys_unix_query(const char *path, const char *cmd, int timeout_ms,
    size_t max, struct buf *out);

/* True if `path` fits in a sockaddr_un. */
bool sys_unix_path_ok(const char *path);

#endif
