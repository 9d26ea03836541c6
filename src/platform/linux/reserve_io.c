/* reserve_io.c - door next's reservation file on disk: where it lives, the
 * checks on its directory, the lock, reading and rewriting it. What the
 * bytes mean is src/core/reserve.c's business.
 *
 * Locking: flock on the file itself, and the file is rewritten in place
 * (pwrite, then ftruncate) while the lock is held. A temp file renamed
 * over it would swap the inode under the lock, so the lock would need a
 * second file of its own; in place, one file is both the lock and the data.
 * Readers take LOCK_SH and writers hold LOCK_EX from reading the file to
 * the end of the rewrite, so nobody ever sees half a write, and two
 * door next --reserve runs can never read the same old state.
 *
 * Every path step below the base directory goes through a checked
 * directory fd with O_NOFOLLOW, so a symlink put in the way is never
 * followed and a directory renamed after the checks changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"

#define FILE_NAME	"ports"
/* The file can be swapped between open and lock (a rebuild by another
 * door, a hand edit); each such swap costs one more turn. */
#define OPEN_TRIES	8
#define LOCK_NAP_MS	2

uint64_t
platform_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The directory must be the user's alone to write in: anyone else who can
 * write there can swap the file between door's runs. */
static int
dir_check(int dfd, const char *dpath, struct door_err *e)
{
	struct stat st;
	uid_t       me = geteuid();

	if (fstat(dfd, &st) != 0)
		return err_sys(e, errno, "cannot check %s", dpath);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, DOOR_DENIED, "refusing the reservation "
		    "directory %s: it is not a directory", dpath);
	if (st.st_uid != me)
		return err_set(e, DOOR_DENIED, "refusing the reservation "
		    "directory %s: it belongs to uid %u, not to you (uid %u)",
		    dpath, (unsigned)st.st_uid, (unsigned)me);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return err_set(e, DOOR_DENIED, "refusing the reservation "
		    "directory %s: others can write in it (mode %04o); "
		    "chmod 700 it", dpath, (unsigned)(st.st_mode & 07777));
	return 0;
}

/*
 * Opens and checks the directory into rf->dirfd and names the file in
 * rf->path. Returns 1 when it does not exist and `create` is false.
 */
static int
dir_open(struct reserve_file *rf, bool create, struct door_err *e)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *base, *sub;
	char        dpath[sizeof rf->path], own[32];
	int         bfd, dfd, err;
	size_t      n;

	/* the XDG base directory spec: a relative path is to be ignored */
	if (xdg != NULL && xdg[0] == '/') {
		base = xdg;
		sub = "door";
	} else {
		base = "/tmp";
		snprintf(own, sizeof own, "door-%u", (unsigned)geteuid());
		sub = own;
	}
	n = (size_t)snprintf(rf->path, sizeof rf->path, "%s/%s/%s", base, sub,
	    FILE_NAME);
	if (n >= sizeof rf->path)
		return err_set(e, DOOR_SYSTEM, "XDG_RUNTIME_DIR is too long");
	snprintf(dpath, sizeof dpath, "%s/%s", base, sub);
	bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0) {
		if (errno == ENOENT && !create)
			return 1;
		return err_sys(e, errno, "cannot open %s%s", base,
		    base == xdg ? " (XDG_RUNTIME_DIR)" : "");
	}
	/* mode 0700 (less with a strict umask): the checks below hold either
	 * way, and an existing directory is judged by them, not by mkdir */
	if (create && mkdirat(bfd, sub, 0700) != 0 && errno != EEXIST) {
		err = errno;
		close(bfd);
		return err_sys(e, err, "cannot create the reservation "
		    "directory %s", dpath);
	}
	dfd = openat(bfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	err = errno;
	if (dfd < 0) {
		struct stat st;
		bool        seen = fstatat(bfd, sub, &st,
		    AT_SYMLINK_NOFOLLOW) == 0;

		close(bfd);
		if (err == ENOENT && !create)
			return 1;
		if (seen && S_ISLNK(st.st_mode))
			return err_set(e, DOOR_DENIED, "refusing the "
			    "reservation directory %s: it is a symlink (door "
			    "never follows one there)", dpath);
		/* someone else's (made first in /tmp, say): say whose */
		if (seen && st.st_uid != geteuid())
			return err_set(e, DOOR_DENIED, "refusing the "
			    "reservation directory %s: it belongs to uid %u, "
			    "not to you (uid %u)", dpath, (unsigned)st.st_uid,
			    (unsigned)geteuid());
		if (err == ENOTDIR)
			return err_set(e, DOOR_DENIED, "refusing the "
			    "reservation directory %s: it is not a directory",
			    dpath);
		return err_sys(e, err, "cannot open the reservation "
		    "directory %s", dpath);
	}
	close(bfd);
	if (dir_check(dfd, dpath, e) != 0) {
		close(dfd);
		return -1;
	}
	rf->dirfd = dfd;
	return 0;
}

/* flock, polled, so the wait has a deadline (house rule 8). */
static int
lock_wait(int fd, int op, const char *path, struct door_err *e)
{
	struct timespec nap = { 0, LOCK_NAP_MS * 1000000L };
	uint64_t        t0 = mono_ms();

	/* each turn naps LOCK_NAP_MS: the deadline ends it long before the
	 * count does */
	for (unsigned turn = 0; turn < 10 * RESERVE_LOCK_WAIT_MS; turn++) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return err_sys(e, errno, "cannot lock %s", path);
		if (mono_ms() - t0 >= RESERVE_LOCK_WAIT_MS)
			break;
		nanosleep(&nap, NULL);
	}
	return err_set(e, DOOR_SYSTEM, "%s stayed locked by another process "
	    "for %us", path, RESERVE_LOCK_WAIT_MS / 1000);
}

/* Up to max + 1 bytes: enough to know the file is too long. */
static int
read_all(struct reserve_file *rf, size_t max, struct buf *data,
    struct door_err *e)
{
	char   chunk[16384];
	size_t off = 0;

	/* each turn reads at least one byte or ends; EINTR costs a turn */
	for (unsigned turn = 0; turn < 4096 && off <= max; turn++) {
		size_t  want = max + 1 - off;
		ssize_t n;

		if (want > sizeof chunk)
			want = sizeof chunk;
		n = pread(rf->fd, chunk, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, errno, "cannot read %s", rf->path);
		if (n == 0)
			break;
		buf_add(data, chunk, (size_t)n);
		off += (size_t)n;
	}
	if (data->oom)
		return err_set(e, DOOR_SYSTEM, "out of memory reading %s",
		    rf->path);
	return 0;
}

/* One attempt: 1 open and locked, 0 try again, -1 error. */
static int
open_once(struct reserve_file *rf, struct door_err *e)
{
	struct stat st, again;
	int         fd, err;
	int         flags = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	/* O_NONBLOCK: a FIFO put there must not hang door; it is refused
	 * below like anything that is not a regular file */
	flags |= rf->exclusive ? O_RDWR | O_CREAT : O_RDONLY;
	fd = openat(rf->dirfd, FILE_NAME, flags, 0600);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			return rf->exclusive ? 0 : 1;   /* none: nothing held */
		if (err == EISDIR || err == ENXIO)   /* a directory, a socket */
			return err_set(e, DOOR_DENIED, "refusing %s: it is not "
			    "a regular file", rf->path);
		if (err != ELOOP)
			return err_sys(e, err, "cannot open %s", rf->path);
		rf->fixed |= RESERVE_FIXED_SYMLINK;
		if (!rf->exclusive)
			return 1;
		/* the directory is the user's alone (dir_check), so the link
		 * is theirs; unlink removes the link, never its target */
		if (unlinkat(rf->dirfd, FILE_NAME, 0) != 0 && errno != ENOENT)
			return err_sys(e, errno, "cannot remove the symlink %s",
			    rf->path);
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return err_sys(e, err, "cannot check %s", rf->path);
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return err_set(e, DOOR_DENIED, "refusing %s: it is not "
			    "a regular file", rf->path);
		return err_set(e, DOOR_DENIED, "refusing %s: it belongs to "
		    "uid %u, not to you (uid %u)", rf->path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	}
	if (lock_wait(fd, rf->exclusive ? LOCK_EX : LOCK_SH, rf->path,
	    e) != 0) {
		close(fd);
		return -1;
	}
	/* while door waited, another may have replaced the file (a rebuild
	 * from a symlink, a hand edit): a lock on the old inode guards
	 * nothing */
	if (fstatat(rf->dirfd, FILE_NAME, &again, AT_SYMLINK_NOFOLLOW) != 0 ||
	    again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
		close(fd);
		return 0;
	}
	if (rf->exclusive && (st.st_mode & 07777) != 0600 &&
	    fchmod(fd, 0600) != 0) {
		err = errno;
		close(fd);
		return err_sys(e, err, "cannot chmod 600 %s", rf->path);
	}
	rf->fd = fd;
	return 1;
}

int
platform_reserve_open(struct reserve_file *rf, bool exclusive, size_t max,
    struct buf *data, struct door_err *e)
{
	int rc;

	memset(rf, 0, sizeof *rf);
	rf->fd = rf->dirfd = -1;
	rf->exclusive = exclusive;
	rc = dir_open(rf, exclusive, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (int turn = 0; turn < OPEN_TRIES; turn++) {
		rc = open_once(rf, e);
		if (rc < 0)
			goto fail;
		if (rc == 1)
			break;
	}
	if (rc != 1) {
		err_set(e, DOOR_SYSTEM, "%s kept changing while door opened it",
		    rf->path);
		goto fail;
	}
	if (rf->fd >= 0 && read_all(rf, max, data, e) != 0)
		goto fail;
	return 0;
fail:
	platform_reserve_close(rf);
	return -1;
}

int
platform_reserve_write(struct reserve_file *rf, const void *p, size_t len,
    struct door_err *e)
{
	const char *s = p;
	size_t      off = 0;

	if (rf->fd < 0 || !rf->exclusive)
		return err_set(e, DOOR_SYSTEM, "%s is not open for writing",
		    rf->path);
	/*
	 * Over the old bytes, then cut the rest: readers wait on the lock, so
	 * none sees the middle. A crash in the middle leaves at worst a torn
	 * line (dropped, and the file rebuilt) or an old line past the new
	 * end (honoured until it expires: conservative).
	 */
	for (unsigned turn = 0; turn < 4096 && off < len; turn++) {
		ssize_t n = pwrite(rf->fd, s + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, n < 0 ? errno : EIO, "cannot write "
			    "%s", rf->path);
		off += (size_t)n;
	}
	if (off < len)
		return err_set(e, DOOR_SYSTEM, "cannot write %s: short writes",
		    rf->path);
	if (ftruncate(rf->fd, (off_t)len) != 0)
		return err_sys(e, errno, "cannot truncate %s", rf->path);
	return 0;
}

void
platform_reserve_close(struct reserve_file *rf)
{
	/* closing the last fd drops the flock */
	if (rf->fd >= 0)
		close(rf->fd);
	if (rf->dirfd >= 0)
		close(rf->dirfd);
	rf->fd = rf->dirfd = -1;
}

int
platform_private_file(const char *name, const void *data, size_t len,
    char *path, size_t size, struct door_err *e)
{
	struct reserve_file rf;
	const char         *p = data;
	char               *slash;
	size_t              off = 0;
	int                 fd, err = 0;

	memset(&rf, 0, sizeof rf);
	rf.fd = rf.dirfd = -1;
	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return err_set(e, DOOR_USAGE, "a private file name is one "
		    "path component");
	if (dir_open(&rf, true, e) != 0)
		return -1;
	slash = strrchr(rf.path, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(path, size, "%s/%s", rf.path, name);
	/* a leftover of a run that was killed: never written through */
	(void)unlinkat(rf.dirfd, name, 0);
	fd = openat(rf.dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		platform_reserve_close(&rf);
		return err_sys(e, err, "cannot create %s", path);
	}
	for (unsigned turn = 0; turn < 4096 && off < len; turn++) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	close(fd);
	if (off < len) {
		(void)unlinkat(rf.dirfd, name, 0);
		platform_reserve_close(&rf);
		return err_sys(e, err ? err : EIO, "cannot write %s", path);
	}
	platform_reserve_close(&rf);
	return 0;
}

void
platform_private_remove(const char *name)
{
	struct reserve_file rf;
	struct door_err     e;

	memset(&rf, 0, sizeof rf);
	rf.fd = rf.dirfd = -1;
	if (strchr(name, '/') == NULL && dir_open(&rf, false, &e) == 0)
		(void)unlinkat(rf.dirfd, name, 0);
	platform_reserve_close(&rf);
}
