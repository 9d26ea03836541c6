/* procfacts.c - reading one process's facts through its /proc/PID dirfd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/linux/linux.h"

/* Command lines past this are cut, and marked as cut (never silently). */
#define CMDLINE_MAX (128u << 10)

ssize_t
read_small(int dirfd, const char *path, char *buf, size_t size)
{
	int    fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - len - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * One read buffer per walking thread, and an exact-size copy kept: a
 * 128 KiB allocation per holder cost a page fault and an mmap each, and
 * most of door's memory with a thousand holders. Allocated on first use,
 * not static: a static thread-local array is zeroed in every thread at
 * start, which cost each door command 136 KB of memory, even door ls
 * --no-owners, which reads no command line. malloc maps it on its own
 * (above the mmap threshold), so only the pages a command line fills are
 * touched; the key's destructor frees it when a walking thread ends.
 */
static pthread_key_t  cmdline_key;
static pthread_once_t cmdline_once = PTHREAD_ONCE_INIT;
static bool           cmdline_keyed;

static void
cmdline_key_make(void)
{
	cmdline_keyed = pthread_key_create(&cmdline_key, free) == 0;
}

static char *
cmdline_buf(void)
{
	char *buf;

	pthread_once(&cmdline_once, cmdline_key_make);
	if (!cmdline_keyed)
		return NULL;
	if ((buf = pthread_getspecific(cmdline_key)) != NULL)
		return buf;
	if ((buf = malloc(CMDLINE_MAX + 1)) == NULL)
		return NULL;
	if (pthread_setspecific(cmdline_key, buf) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
read_cmdline(int piddir, struct proc *p)
{
	char   *buf = cmdline_buf();
	ssize_t n;

	if (buf == NULL)
		return -1;
	n = read_small(piddir, "cmdline", buf, CMDLINE_MAX + 1);
	if (n < 0)
		return -1;
	p->have |= PROC_HAVE_CMDLINE;
	if (n == 0)
		return 0;   /* kernel threads and zombies have none */
	p->cmdline_cut = (size_t)n >= CMDLINE_MAX;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	p->cmdline = malloc((size_t)n + 1);
	if (p->cmdline == NULL) {
		p->have &= ~(unsigned)PROC_HAVE_CMDLINE;
		return -1;
	}
	memcpy(p->cmdline, buf, (size_t)n);
	p->cmdline[n] = '\0';
	p->cmdline_len = (size_t)n;
	return 0;
}

static void
read_cwd(int piddir, struct proc *p)
{
	char    path[PATH_MAX + 16];
	ssize_t n = readlinkat(piddir, "cwd", path, sizeof path - 1);
	static const char deleted[] = " (deleted)";

	if (n <= 0)
		return;      /* EACCES for others' processes without root */
	path[n] = '\0';
	if ((size_t)n > sizeof deleted - 1 &&
	    strcmp(path + n - (sizeof deleted - 1), deleted) == 0) {
		p->cwd_deleted = true;
		path[n - (ssize_t)(sizeof deleted - 1)] = '\0';
	}
	p->cwd = strdup(path);
	if (p->cwd != NULL)
		p->have |= PROC_HAVE_CWD;
}

int
procfacts_read(int piddir, pid_t pid, unsigned want, struct proc *p)
{
	char              buf[4096];
	struct stat_facts sf;
	ssize_t           n;

	p->pid = pid;
	/* stat first, always: it proves the process is still the one whose
	 * fds we read (the dirfd dies with it). */
	n = read_small(piddir, "stat", buf, sizeof buf);
	if (n <= 0 || stat_parse(buf, (size_t)n, &sf) != 0 || sf.pid != pid)
		return -1;
	memcpy(p->name, sf.name, sizeof p->name);
	p->ppid = sf.ppid;
	p->start_ticks = sf.start_ticks;
	p->have |= PROC_HAVE_STAT;
	if (want & PROC_HAVE_UID) {
		uint32_t ruid, euid;

		n = read_small(piddir, "status", buf, sizeof buf);
		if (n > 0 && status_uid_parse(buf, (size_t)n, &ruid,
		    &euid) == 0) {
			p->uid = euid;
			p->have |= PROC_HAVE_UID;
		}
	}
	if ((want & PROC_HAVE_CMDLINE) && read_cmdline(piddir, p) != 0 &&
	    errno == ESRCH)
		return -1;
	if (want & PROC_HAVE_CWD)
		read_cwd(piddir, p);
	if (want & PROC_HAVE_CGROUP) {
		char path[1024];

		n = read_small(piddir, "cgroup", buf, sizeof buf);
		if (n > 0 && cgroup_line_parse(buf, (size_t)n, path,
		    sizeof path) == 0 && (p->cgroup = strdup(path)) != NULL)
			p->have |= PROC_HAVE_CGROUP;
	}
	if ((want & PROC_HAVE_PARENT) && p->ppid > 0) {
		char path[32];

		snprintf(path, sizeof path, "/proc/%d/stat", (int)p->ppid);
		n = read_small(AT_FDCWD, path, buf, sizeof buf);
		if (n > 0 && stat_parse(buf, (size_t)n, &sf) == 0 &&
		    sf.start_ticks <= p->start_ticks) {
			memcpy(p->parent_name, sf.name, sizeof p->parent_name);
			p->have |= PROC_HAVE_PARENT;
		}
	}
	/* Read stat once more: if the process died while we read, the dirfd
	 * now fails, and nothing half-read is reported as this pid. */
	n = read_small(piddir, "stat", buf, sizeof buf);
	if (n <= 0)
		return -1;
	return 0;
}
