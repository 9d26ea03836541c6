/* exitwatch.c - knowing cheaply that a holder exited (door watch): one
 * pidfd per process, all polled with one poll(2) a tick, and the owner
 * lookup for a given set of sockets (the narrow walk door who does). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/linux/linux.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static bool
started_at(pid_t pid, uint64_t start_ticks, bool *gone)
{
	char              path[32], buf[1024];
	struct stat_facts sf;
	ssize_t           n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	n = read_small(AT_FDCWD, path, buf, sizeof buf);
	if (n <= 0) {
		*gone = errno == ENOENT || errno == ESRCH;
		return false;
	}
	if (stat_parse(buf, (size_t)n, &sf) != 0) {
		*gone = false;
		return false;
	}
	*gone = sf.start_ticks != start_ticks || sf.state == 'Z' ||
	    sf.state == 'X';
	return !*gone;
}

int
platform_pidfd_open(pid_t pid, uint64_t start_ticks, bool *gone)
{
	int  fd;
	bool g;

	*gone = false;
	if (pid <= 0) {
		*gone = true;
		return -1;
	}
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		*gone = errno == ESRCH;
		return -1;
	}
	/* the pidfd names whoever has the pid now: it must be the process
	 * the owner walk saw, started at start_ticks, and alive */
	if (!started_at(pid, start_ticks, &g)) {
		close(fd);
		*gone = g;
		return -1;
	}
	return fd;
}

int
platform_pidfds_exited(const int *fds, size_t n, bool *exited)
{
	struct pollfd *p;
	size_t         np = 0;
	int            rc, found = 0;

	for (size_t i = 0; i < n; i++)
		exited[i] = false;
	if (n == 0)
		return 0;
	if ((p = malloc(n * sizeof *p)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		p[i].fd = fds[i];      /* negative: poll skips it */
		p[i].events = POLLIN;
		p[i].revents = 0;
		np++;
	}
	do
		rc = poll(p, np, 0);
	while (rc < 0 && errno == EINTR);
	if (rc > 0)
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP |
			    POLLERR | POLLNVAL))) {
				exited[i] = true;
				found++;
			}
	free(p);
	return rc < 0 ? -1 : found;
}

bool
platform_proc_alive(pid_t pid, uint64_t start_ticks)
{
	bool gone;

	return started_at(pid, start_ticks, &gone) || !gone;
}

int
platform_find_owners(const struct sock_query *q, struct snap *s,
    struct door_err *e)
{
	struct sock_query nq = *q;

	if (nq.owners == OWNER_SKIP)
		nq.owners = OWNER_NARROW;
	return owners_find(&nq, PROC_HAVE_STAT | PROC_HAVE_UID | nq.facts, s,
	    e);
}
