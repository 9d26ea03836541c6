/* cgroup.c - from a socket's cgroup id to the pids in that cgroup.
 *
 * On cgroup v2 the id the kernel reports (INET_DIAG_CGROUP_ID) is the inode
 * number of the cgroup's directory, so a walk of the cgroup2 mount comparing
 * st_ino finds it, as ss does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/linux/linux.h"

#define CG_DEPTH_MAX   32
#define CG_DIRS_MAX    20000   /* a walk never visits more directories */
#define CG_PROCS_MAX   (4u << 20)

struct pids {
	pid_t  *v;
	size_t  n, cap;
	int     dirs;
};

static void
add_pid(pid_t pid, void *arg)
{
	struct pids *p = arg;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		pid_t *nv;

		if (ncap > CG_PROCS_MAX)
			return;
		nv = realloc(p->v, ncap * sizeof *nv);
		if (nv == NULL)
			return;
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = pid;
}

static void
read_procs(int dirfd, struct pids *p)
{
	char    *buf = malloc(1 << 20);
	ssize_t  n;

	if (buf == NULL)
		return;
	n = read_small(dirfd, "cgroup.procs", buf, 1 << 20);
	if (n > 0)
		pidlist_parse(buf, (size_t)n, add_pid, p);
	free(buf);
}

/* All pids in dirfd's cgroup and below. */
static void
collect(int dirfd, int depth, struct pids *p)
{
	DIR           *d;
	struct dirent *de;
	int            copy;

	read_procs(dirfd, p);
	if (depth >= CG_DEPTH_MAX || ++p->dirs > CG_DIRS_MAX)
		return;
	copy = dup(dirfd);
	if (copy < 0 || (d = fdopendir(copy)) == NULL) {
		if (copy >= 0)
			close(copy);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (sub < 0)
			continue;
		collect(sub, depth + 1, p);
		close(sub);
	}
	closedir(d);
}

/* Depth-first search for the directory whose inode is id; its fd or -1. */
static int
find(int dirfd, uint64_t id, int depth, int *budget)
{
	DIR           *d;
	struct dirent *de;
	int            copy, found = -1;

	if (depth >= CG_DEPTH_MAX || --*budget < 0)
		return -1;
	copy = dup(dirfd);
	if (copy < 0 || (d = fdopendir(copy)) == NULL) {
		if (copy >= 0)
			close(copy);
		return -1;
	}
	while (found < 0 && (de = readdir(d)) != NULL) {
		int sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (sub < 0)
			continue;
		if ((uint64_t)de->d_ino == id) {
			found = sub;
			break;
		}
		found = find(sub, id, depth + 1, budget);
		close(sub);
	}
	closedir(d);
	return found;
}

/* Read once, for every thread (door ui kills from its server threads). */
static char           cg_root[4096];
static pthread_once_t cg_root_once = PTHREAD_ONCE_INIT;

static void
cgroup_root_read(void)
{
	char   *buf;
	ssize_t n;

	cg_root[0] = '\0';
	buf = malloc(1 << 16);
	if (buf == NULL)
		return;
	n = read_small(AT_FDCWD, "/proc/self/mountinfo", buf, 1 << 16);
	if (n <= 0 || mountinfo_cgroup2(buf, (size_t)n, cg_root,
	    sizeof cg_root) != 0)
		cg_root[0] = '\0';
	free(buf);
}

static int
cgroup_root(void)
{
	const char *root = cg_root;

	pthread_once(&cg_root_once, cgroup_root_read);
	if (root[0] == '\0')
		return -1;
	return open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
cgroup_pids(uint64_t id, pid_t **out, size_t *n)
{
	struct pids p = { NULL, 0, 0, 0 };
	struct stat st;
	int         root, dir, budget = CG_DIRS_MAX;

	*out = NULL;
	*n = 0;
	root = cgroup_root();
	if (root < 0)
		return -1;
	if (fstat(root, &st) == 0 && (uint64_t)st.st_ino == id) {
		/* the root cgroup: its own processes only; its subtree is
		 * every process, which is stage 3's job */
		read_procs(root, &p);
		close(root);
		*out = p.v;
		*n = p.n;
		return 0;
	}
	dir = find(root, id, 0, &budget);
	close(root);
	if (dir < 0)
		return -1;
	collect(dir, 0, &p);
	close(dir);
	*out = p.v;
	*n = p.n;
	return 0;
}
