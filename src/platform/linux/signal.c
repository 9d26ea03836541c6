/* signal.c - signalling only a verified process (house rule 10).
 *
 * The danger is a recycled pid: the snapshot saw pid 4242 hold port 3000,
 * the process exits, and a stranger gets 4242 before door signals. So:
 *
 *   1. pidfd_open(pid) first. From here on the pidfd names one process
 *      for good; if the pid was already recycled, it names the stranger,
 *      and step 2 catches that.
 *   2. Through /proc/PID (a dirfd opened after the pidfd), stat must show
 *      the start time the snapshot recorded, and the fds must still hold
 *      the socket's inode.
 *   3. poll(pidfd, 0): not readable means the process the pidfd names was
 *      alive after the reads in 2, so they described it and no other (a
 *      pid is not reused while its process, even a zombie, exists).
 *   4. pidfd_send_signal(pidfd): a process that exited in the meantime is
 *      ESRCH, never a stranger.
 *
 * Without pidfds (ENOSYS, kernels before 5.3) door keeps the /proc/PID
 * dirfd instead: reads through it fail once the process is gone, so stat
 * is re-read through it right before kill(). The window between that read
 * and kill() remains; door says when it works this way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/num.h"
#include "platform/linux/linux.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define PF_KTHREAD_FLAG 0x00200000u   /* include/linux/sched.h */
#define ANCESTORS_MAX   128

uint64_t
platform_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static pid_t
parent_of(pid_t pid)
{
	char              path[32], buf[1024];
	struct stat_facts sf;
	ssize_t           n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	n = read_small(AT_FDCWD, path, buf, sizeof buf);
	if (n <= 0 || stat_parse(buf, (size_t)n, &sf) != 0)
		return 0;
	return sf.ppid;
}

bool
platform_is_self_or_ancestor(pid_t pid)
{
	pid_t p = getpid();

	/* bounded: a chain is at most as long as the processes it has, and
	 * in practice a handful deep */
	for (int i = 0; i < ANCESTORS_MAX && p > 0; i++) {
		if (p == pid)
			return true;
		p = parent_of(p);
	}
	return false;
}

static bool
holds_fd(int piddir, int fd, uint64_t inode)
{
	char     path[32], link[64];
	ssize_t  n;
	uint64_t ino;

	if (fd < 0)
		return false;
	snprintf(path, sizeof path, "fd/%d", fd);
	n = readlinkat(piddir, path, link, sizeof link);
	return n > 0 && (size_t)n < sizeof link &&
	    socket_link_parse(link, (size_t)n, &ino) == 0 && ino == inode;
}

/* 1 held, 0 not, -1 the fds cannot be read (errno). */
static int
holds_inode(int piddir, int fd, uint64_t inode)
{
	_Alignas(struct dirent64) char dents[8192];
	int     fddir;
	int     found = 0;

	if (holds_fd(piddir, fd, inode))
		return 1;
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0)
		return -1;
	/* the recorded fd moved (dup2, a re-exec): look at every fd */
	for (int reads = 0; reads < (1 << 20) && !found; reads++) {
		ssize_t n = getdents64(fddir, dents, sizeof dents);

		if (n < 0) {
			int saved = errno;

			close(fddir);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n && !found;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(dents + off);
			char             link[64];
			ssize_t          ll;
			uint64_t         ino;

			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			ll = readlinkat(fddir, d->d_name, link, sizeof link);
			if (ll < 0 && (errno == EACCES || errno == EPERM)) {
				close(fddir);
				errno = EACCES;
				return -1;
			}
			if (ll > 0 && (size_t)ll < sizeof link &&
			    socket_link_parse(link, (size_t)ll, &ino) == 0 &&
			    ino == inode)
				found = 1;
		}
	}
	close(fddir);
	return found;
}

/* Reads stat through the dirfd into h; the verdict when it does not match. */
static enum proc_verdict
check_stat(struct proc_handle *h, uint64_t start_ticks, bool at_most)
{
	char              buf[4096];
	struct stat_facts sf;
	ssize_t           n = read_small(h->piddir, "stat", buf, sizeof buf);

	if (n <= 0)
		return PROC_GONE;     /* ESRCH: it died while we looked */
	if (stat_parse(buf, (size_t)n, &sf) != 0 || sf.pid != h->pid)
		return PROC_GONE;
	if (at_most ? sf.start_ticks > start_ticks :
	    sf.start_ticks != start_ticks)
		return PROC_REUSED;
	if (sf.state == 'Z' || sf.state == 'X')
		return PROC_GONE;
	if (sf.flags & PF_KTHREAD_FLAG)
		return PROC_KTHREAD;
	h->start_ticks = sf.start_ticks;
	h->ppid = sf.ppid;
	h->sid = sf.session;
	memcpy(h->name, sf.name, sizeof h->name);
	return PROC_OK;
}

static bool
same_user(int piddir, uint32_t *uid)
{
	char     buf[4096];
	ssize_t  n = read_small(piddir, "status", buf, sizeof buf);
	uint32_t ruid, euid;

	if (n <= 0 || status_uid_parse(buf, (size_t)n, &ruid, &euid) != 0)
		return false;
	*uid = euid;
	/* kill(2): the sender's real or effective uid must match the
	 * target's real or saved uid; door checks the common case and lets
	 * the kernel's EPERM speak for the rest */
	return ruid == getuid() || ruid == geteuid() || euid == getuid() ||
	    euid == geteuid();
}

void
platform_proc_close(struct proc_handle *h)
{
	if (h->pidfd >= 0)
		close(h->pidfd);
	if (h->piddir >= 0)
		close(h->piddir);
	h->pidfd = h->piddir = -1;
}

static bool
pidfd_exited(int pidfd)
{
	struct pollfd pf = { pidfd, POLLIN, 0 };

	return poll(&pf, 1, 0) == 1 && (pf.revents & (POLLIN | POLLHUP));
}

int
platform_proc_open(const struct proc_ident *id, struct proc_handle *h,
    enum proc_verdict *v, struct door_err *e)
{
	char path[32];
	int  held;

	memset(h, 0, sizeof *h);
	h->pid = id->pid;
	h->pidfd = h->piddir = -1;
	*v = PROC_OK;
	if (id->pid <= 1) {
		*v = PROC_PID1;
		return 0;
	}
	if (id->pid == getpid()) {
		*v = PROC_SELF;
		return 0;
	}
	if (platform_is_self_or_ancestor(id->pid)) {
		*v = PROC_ANCESTOR;
		return 0;
	}
	h->pidfd = (int)syscall(SYS_pidfd_open, id->pid, 0);
	if (h->pidfd < 0) {
		if (errno == ESRCH) {
			*v = PROC_GONE;
			return 0;
		}
		if (errno != ENOSYS)
			return err_sys(e, errno, "pidfd_open(%d)",
			    (int)id->pid);
		h->pidfd = -1;     /* no pidfds: the dirfd alone */
	}
	snprintf(path, sizeof path, "/proc/%d", (int)id->pid);
	h->piddir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->piddir < 0) {
		platform_proc_close(h);
		*v = PROC_GONE;
		return 0;
	}
	if ((*v = check_stat(h, id->start_ticks, id->start_at_most)) != PROC_OK)
		goto refuse;
	if (!platform_privileged() && !same_user(h->piddir, &h->uid)) {
		*v = PROC_NOT_YOURS;
		goto refuse;
	}
	if (id->inode != 0) {
		held = holds_inode(h->piddir, id->fd, id->inode);
		if (held < 0 && (errno == EACCES || errno == EPERM))
			*v = platform_privileged() ? PROC_UNREADABLE :
			    PROC_NOT_YOURS;
		else if (held < 0)
			*v = PROC_GONE;
		else if (held == 0)
			*v = PROC_NOT_HOLDER;
		if (*v != PROC_OK)
			goto refuse;
	}
	/* every read above was of the process the pidfd names only if it
	 * was still alive after them */
	if (h->pidfd >= 0 ? pidfd_exited(h->pidfd) :
	    check_stat(h, id->start_ticks, id->start_at_most) != PROC_OK) {
		*v = PROC_GONE;
		goto refuse;
	}
	return 0;
refuse:
	platform_proc_close(h);
	return 0;
}

int
platform_proc_signal(struct proc_handle *h, int sig, struct door_err *e)
{
	int rc;

	if (h->pidfd >= 0)
		rc = (int)syscall(SYS_pidfd_send_signal, h->pidfd, sig, NULL,
		    0);
	else {
		/* the same process still (its dirfd reads), same start */
		if (check_stat(h, h->start_ticks, false) != PROC_OK)
			return 1;
		rc = kill(h->pid, sig);
	}
	if (rc == 0)
		return 0;
	if (errno == ESRCH)
		return 1;
	if (errno == EPERM)
		return err_set(e, DOOR_DENIED, "not yours: run with sudo");
	return err_sys(e, errno, "signal %d to pid %d", sig, (int)h->pid);
}

int
platform_proc_wait(struct proc_handle *h, uint64_t ms)
{
	uint64_t end = platform_mono_ms() + ms;

	/* bounded by the deadline; each turn sleeps at most 10 ms without a
	 * pidfd, or until the deadline with one */
	for (;;) {
		uint64_t now = platform_mono_ms();
		int      left = now >= end ? 0 : (int)(end - now);

		if (h->pidfd >= 0) {
			struct pollfd pf = { h->pidfd, POLLIN, 0 };
			int           n = poll(&pf, 1, left);

			if (n == 1)
				return 1;
			if (n < 0 && errno == EINTR && left > 0)
				continue;
			return 0;
		}
		if (check_stat(h, h->start_ticks, false) != PROC_OK)
			return 1;
		if (left == 0)
			return 0;
		usleep(left < 10 ? (useconds_t)left * 1000 : 10000);
	}
}
