/* owners.c - who holds each socket: /proc/PID/fd walked with dirfd-relative
 * calls, narrowest first (house rule 5).
 *
 * Stages, each only for sockets still without a holder:
 *   1. the processes of the socket's cgroup (and its descendants), which the
 *      kernel names in INET_DIAG_CGROUP_ID; in a crowded cgroup (a
 *      container, a session) first those of the socket's uid and their
 *      children, the rest only while a socket has no holder (walk_crowd);
 *   2. the processes running as the socket's uid;
 *   3. everyone else.
 * A socket found in stage 1 or 2 is not looked for further, with one
 * exception: when a holder is pid 1 (systemd socket activation) or another
 * process that hands sockets on, door walks everyone, because the service
 * it started holds the same socket from another cgroup. OWNER_THOROUGH walks
 * everyone always.
 *
 * Process facts are read through the same /proc/PID directory fd the fds
 * were read through: if the process exits and its pid is reused meanwhile,
 * the reads fail (ESRCH) instead of describing a stranger.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/num.h"
#include "platform/linux/linux.h"

#define THREADS_MAX     4
#define THREAD_MIN_PIDS 48      /* below this, one thread is faster */
#define PIDS_MAX        (4u << 20)
#define UIDS_MAX        32      /* more distinct uids: stage 2 is no help */
#define CROWD_MIN       64      /* a cgroup with more processes is split */

struct link {
	size_t sock;
	size_t proc;     /* index into the worker's procs */
	int    fd;
};

struct denied {
	pid_t    pid;
	uint32_t uid;
};

struct result {
	struct proc   *procs;
	size_t         nprocs, capprocs;
	struct link   *links;
	size_t         nlinks, caplinks;
	struct denied *denied;
	size_t         ndenied, capdenied;
	bool           oom;
};

struct scan {
	const struct inode_map *map;
	int                     procfd;
	unsigned                facts;
	const pid_t            *pids;
	size_t                  npids;
	atomic_size_t           next;
};

struct worker {
	struct scan   *scan;
	struct result  res;
	pthread_t      tid;
};

/* Grows *arr to hold one more; false when out of memory. */
static bool
more(void **arr, size_t n, size_t *cap, size_t elem)
{
	void  *na;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 32;
	na = realloc(*arr, ncap * elem);
	if (na == NULL)
		return false;
	*arr = na;
	*cap = ncap;
	return true;
}

static void
note_denied(struct result *r, int procfd, const char *name, pid_t pid)
{
	struct stat st;

	if (!more((void **)&r->denied, r->ndenied, &r->capdenied,
	    sizeof *r->denied)) {
		r->oom = true;
		return;
	}
	r->denied[r->ndenied].pid = pid;
	r->denied[r->ndenied].uid = fstatat(procfd, name, &st, 0) == 0 ?
	    st.st_uid : UINT32_MAX;
	r->ndenied++;
}

static void
scan_pid(struct scan *s, struct result *r, pid_t pid)
{
	char           name[16], link[64];
	_Alignas(struct dirent64) char dents[8192];
	int            piddir, fddir;
	size_t         first_link = r->nlinks;
	bool           matched = false;

	snprintf(name, sizeof name, "%d", (int)pid);
	piddir = openat(s->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return;          /* exited: not an error, not an owner */
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0) {
		if (errno == EACCES || errno == EPERM)
			note_denied(r, s->procfd, name, pid);
		close(piddir);
		return;
	}
	/* bounded: a process has at most fs.nr_open fds */
	for (int reads = 0; reads < (1 << 20); reads++) {
		ssize_t n = getdents64(fddir, dents, sizeof dents);
		ssize_t off;

		if (n <= 0)
			break;
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(dents + off);
			ssize_t          ll;
			uint64_t         ino, fdnum;
			size_t           idx;

			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			ll = readlinkat(fddir, d->d_name, link, sizeof link);
			if (ll < 0 && (errno == EACCES || errno == EPERM)) {
				/* the fd list is visible, its targets not
				 * (ptrace policy): count it once, stop */
				note_denied(r, s->procfd, name, pid);
				goto done;
			}
			if (ll <= 8 || (size_t)ll >= sizeof link ||
			    link[0] != 's' ||
			    socket_link_parse(link, (size_t)ll, &ino) != 0)
				continue;
			idx = inode_map_get(s->map, ino);
			if (idx == SIZE_MAX)
				continue;
			if (num_parse(d->d_name, 0, INT32_MAX, &fdnum) != 0)
				continue;
			if (!more((void **)&r->links, r->nlinks, &r->caplinks,
			    sizeof *r->links)) {
				r->oom = true;
				break;
			}
			r->links[r->nlinks++] = (struct link){ idx, r->nprocs,
			    (int)fdnum };
			matched = true;
		}
	}
done:
	close(fddir);
	if (matched) {
		struct proc p;

		memset(&p, 0, sizeof p);
		if (!more((void **)&r->procs, r->nprocs, &r->capprocs,
		    sizeof *r->procs)) {
			r->oom = true;
			r->nlinks = first_link;
		} else if (procfacts_read(piddir, pid, s->facts, &p) != 0) {
			/* gone (or recycled) between the fd walk and now */
			proc_free(&p);
			r->nlinks = first_link;
		} else
			r->procs[r->nprocs++] = p;
	}
	close(piddir);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct scan   *s = w->scan;

	for (;;) {
		size_t i = atomic_fetch_add(&s->next, 1);

		if (i >= s->npids)
			break;
		scan_pid(s, &w->res, s->pids[i]);
	}
	return NULL;
}

static void
result_free(struct result *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		proc_free(&r->procs[i]);
	free(r->procs);
	free(r->links);
	free(r->denied);
	memset(r, 0, sizeof *r);
}

/* Moves a worker's findings into the snapshot and the denied list. */
static int
merge(struct result *r, struct snap *snap, struct result *all)
{
	size_t base = snap->nprocs;

	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = snap_add_proc(snap);

		if (p == NULL)
			return -1;
		*p = r->procs[i];
	}
	r->nprocs = 0;   /* ownership moved */
	for (size_t i = 0; i < r->nlinks; i++) {
		struct owner *o = snap_add_owner(snap);

		if (o == NULL)
			return -1;
		o->sock = r->links[i].sock;
		o->proc = base + r->links[i].proc;
		o->fd = r->links[i].fd;
		snap->socks[o->sock].owner_count++;
	}
	for (size_t i = 0; i < r->ndenied; i++) {
		if (!more((void **)&all->denied, all->ndenied, &all->capdenied,
		    sizeof *all->denied))
			return -1;
		all->denied[all->ndenied++] = r->denied[i];
	}
	return r->oom ? -1 : 0;
}

static long
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n;
}

/* Scans pids on up to THREADS_MAX threads (both cores: the walk is mostly
 * kernel time in readlinkat, which parallelises well). */
static int
scan_pids(const struct inode_map *map, int procfd, unsigned facts,
    const pid_t *pids, size_t npids, struct snap *snap, struct result *all)
{
	struct scan   s = { map, procfd, facts, pids, npids, 0 };
	struct worker w[THREADS_MAX];
	long          nt = cpu_count();
	int           rc = 0, started = 1;

	if (npids == 0)
		return 0;
	if (nt > THREADS_MAX)
		nt = THREADS_MAX;
	if (npids < THREAD_MIN_PIDS)
		nt = 1;
	memset(w, 0, sizeof w);
	for (long i = 0; i < nt; i++)
		w[i].scan = &s;
	for (long i = 1; i < nt; i++) {
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
			break;
		started++;
	}
	worker_main(&w[0]);
	for (int i = 1; i < started; i++)
		pthread_join(w[i].tid, NULL);
	for (int i = 0; i < started; i++) {
		if (rc == 0 && merge(&w[i].res, snap, all) != 0)
			rc = -1;
		result_free(&w[i].res);
	}
	return rc;
}

/* Every numeric entry of /proc: the pids of this pid namespace. */
static int
list_pids(int procfd, pid_t **out, size_t *n)
{
	int    fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_Alignas(struct dirent64) char dents[16384];
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return -1;
	for (int reads = 0; reads < (1 << 20); reads++) {
		ssize_t nr = getdents64(fd, dents, sizeof dents), off;

		if (nr <= 0)
			break;
		for (off = 0; off < nr;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(dents + off);
			uint64_t         v;

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
			    num_parse(d->d_name, 1, INT32_MAX, &v) != 0)
				continue;
			if (*n >= PIDS_MAX)
				break;
			if (!more((void **)out, *n, &cap, sizeof **out)) {
				close(fd);
				return -1;
			}
			(*out)[(*n)++] = (pid_t)v;
		}
	}
	close(fd);
	return 0;
}

/* The pid set already walked, so no process is read twice. */
struct seen {
	uint8_t *bits;
	size_t   max;
};

static bool
seen_test_set(struct seen *s, pid_t pid)
{
	size_t p = (size_t)pid;
	bool   was;

	if (p >= s->max)
		return false;    /* beyond pid_max: never happens; walk it */
	was = s->bits[p / 8] & (1u << (p % 8));
	s->bits[p / 8] |= (uint8_t)(1u << (p % 8));
	return was;
}

static bool
seen_test(const struct seen *s, pid_t pid)
{
	size_t p = (size_t)pid;

	return p < s->max && (s->bits[p / 8] & (1u << (p % 8)));
}

/* The distinct uids of sockets still without a holder; -1 when there are
 * too many for stage 2 to be narrow. */
static int
collect_uids(const struct snap *snap, uint32_t *uids, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < snap->nsocks; i++) {
		const struct sock *k = &snap->socks[i];
		bool               dup = false;

		if (k->inode == 0 || k->owner_count > 0)
			continue;
		for (size_t j = 0; j < *n && !dup; j++)
			dup = uids[j] == k->uid;
		if (dup)
			continue;
		if (*n == UIDS_MAX)
			return -1;
		uids[(*n)++] = k->uid;
	}
	return 0;
}

static size_t
unowned(const struct snap *snap, bool *fd_passer)
{
	size_t n = 0;

	for (size_t i = 0; i < snap->nsocks; i++)
		if (snap->socks[i].inode != 0 &&
		    snap->socks[i].owner_count == 0)
			n++;
	*fd_passer = false;
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct proc *p = &snap->procs[i];

		if (p->pid == 1 || strcmp(p->name, "systemd") == 0 ||
		    strcmp(p->name, "inetd") == 0 ||
		    strcmp(p->name, "xinetd") == 0)
			*fd_passer = true;
	}
	return n;
}

struct pidvec {
	pid_t  *v;
	size_t  n, cap;
	struct seen *seen;
	bool    oom;
};

static void
pidvec_add(pid_t pid, void *arg)
{
	struct pidvec *pv = arg;

	if (seen_test_set(pv->seen, pid))
		return;
	if (!more((void **)&pv->v, pv->n, &pv->cap, sizeof *pv->v)) {
		pv->oom = true;
		return;
	}
	pv->v[pv->n++] = pid;
}

static size_t
read_pid_max(void)
{
	char     buf[32];
	ssize_t  n = read_small(AT_FDCWD, "/proc/sys/kernel/pid_max", buf,
	    sizeof buf);
	uint64_t v;

	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n <= 0 || num_parse_u64(buf, (size_t)n, 1, PIDS_MAX, &v) != 0)
		return PIDS_MAX;
	return (size_t)v + 1;
}

static void
set_statuses(struct snap *snap, const struct result *all)
{
	for (size_t i = 0; i < snap->nsocks; i++) {
		struct sock *k = &snap->socks[i];
		bool         same_uid_denied = false;

		for (size_t d = 0; d < all->ndenied; d++)
			if (all->denied[d].uid == k->uid)
				same_uid_denied = true;
		if (k->owner_count > 0)
			k->owners = OWNERS_FOUND;
		else if (k->inode != 0 && all->ndenied > 0)
			k->owners = OWNERS_HIDDEN;
		else
			k->owners = OWNERS_NONE;
		/* holders found, but an unreadable process of the same user
		 * may hold it too. Only without privilege: as root, the
		 * unreadable are exceptions (pid 1 of a sandbox) and the note
		 * on stderr names them once rather than on every socket. */
		k->more_hidden = k->owners == OWNERS_FOUND && same_uid_denied &&
		    !platform_privileged();
	}
	snap->denied_pids = (int)all->ndenied;
	if (all->ndenied > 0)
		snap->partial |= SNAP_PARTIAL_HIDDEN;
}

/* The uid /proc/PID shows (as stage 2 reads it); false when gone. */
static bool
pid_uid(int procfd, pid_t pid, uint32_t *uid)
{
	struct stat st;
	char        name[16];

	snprintf(name, sizeof name, "%d", (int)pid);
	if (fstatat(procfd, name, &st, 0) != 0)
		return false;
	*uid = st.st_uid;
	return true;
}

static bool
uid_in(const uint32_t *uids, size_t n, uint32_t uid)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

/*
 * Stage 1 when the cgroup is crowded: a dev server in a terminal's scope
 * with hundreds of others, a service user's process in a busy container.
 * Walks, in this order, the cgroup's processes of the unowned sockets'
 * uids, then the descendants of the holders found there (forked workers
 * that changed user, as nginx's do: they share the socket and the
 * cgroup, not the uid). What is left of the cgroup goes back in *cg for
 * the caller to walk, as stage 1 always did, while a socket still has no
 * holder. A cgroup the uids do not narrow to half is left whole.
 */
static int
walk_crowd(const struct inode_map *map, int procfd, unsigned facts,
    struct pidvec *cg, struct snap *snap, struct result *all)
{
	uint32_t uids[UIDS_MAX], uid;
	size_t   nuids, nmine = 0, nrest = 0, base = snap->nprocs;
	pid_t   *mine, *rest, *ppid;
	uint8_t *fam = NULL;
	size_t   fam_max = cg->seen->max;
	bool     grew = true;
	int      rc = -1;

	if (cg->n <= CROWD_MIN || collect_uids(snap, uids, &nuids) != 0 ||
	    nuids == 0)
		return 0;
	mine = malloc(cg->n * sizeof *mine);
	rest = malloc(cg->n * sizeof *rest);
	ppid = malloc(cg->n * sizeof *ppid);
	if (mine == NULL || rest == NULL || ppid == NULL)
		goto out;
	for (size_t i = 0; i < cg->n; i++) {
		/* a pid gone meanwhile goes with the rest, as before */
		if (pid_uid(procfd, cg->v[i], &uid) && uid_in(uids, nuids, uid))
			mine[nmine++] = cg->v[i];
		else
			rest[nrest++] = cg->v[i];
	}
	if (nmine > cg->n / 2) {
		rc = 0;          /* the uids do not narrow it: all at once */
		goto out;
	}
	if (scan_pids(map, procfd, facts, mine, nmine, snap, all) != 0)
		goto out;
	/* the holders' descendants among the rest: ppid chains, followed
	 * until nothing joins (at most one pass per process) */
	fam = calloc(fam_max / 8 + 1, 1);
	if (fam == NULL)
		goto out;
	for (size_t i = base; i < snap->nprocs; i++) {
		size_t p = (size_t)snap->procs[i].pid;

		if (p < fam_max)
			fam[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	for (size_t i = 0; i < nrest; i++) {
		char              buf[1024];
		struct stat_facts sf;
		char              name[16];
		ssize_t           n;

		ppid[i] = 0;
		if (snap->nprocs == base)
			continue;    /* no holder found: no family to follow */
		snprintf(name, sizeof name, "%d/stat", (int)rest[i]);
		n = read_small(procfd, name, buf, sizeof buf);
		if (n > 0 && stat_parse(buf, (size_t)n, &sf) == 0)
			ppid[i] = sf.ppid;
	}
	nmine = 0;
	for (size_t pass = 0; grew && pass <= nrest; pass++) {
		grew = false;
		for (size_t i = 0; i < nrest; i++) {
			size_t p = (size_t)ppid[i], me = (size_t)rest[i];

			if (ppid[i] <= 0 || p >= fam_max || me >= fam_max ||
			    !(fam[p / 8] & (1u << (p % 8))) ||
			    (fam[me / 8] & (1u << (me % 8))))
				continue;
			fam[me / 8] |= (uint8_t)(1u << (me % 8));
			mine[nmine++] = rest[i];
			grew = true;
		}
	}
	if (scan_pids(map, procfd, facts, mine, nmine, snap, all) != 0)
		goto out;
	/* what is left: the rest, less the descendants just walked */
	cg->n = 0;
	for (size_t i = 0; i < nrest; i++) {
		size_t me = (size_t)rest[i];

		if (me < fam_max && (fam[me / 8] & (1u << (me % 8))))
			continue;
		cg->v[cg->n++] = rest[i];
	}
	rc = 1;
out:
	free(mine);
	free(rest);
	free(ppid);
	free(fam);
	return rc;
}

int
owners_find(const struct sock_query *q, unsigned facts, struct snap *snap,
    struct door_err *e)
{
	struct inode_map map;
	struct result    all;
	struct seen      seen = { NULL, 0 };
	struct pidvec    pv;
	pid_t           *pids = NULL;
	size_t           npids = 0;
	bool             passer;
	uint32_t         uids[UIDS_MAX];
	size_t           nuids = 0;
	int              procfd = -1, rc = -1;

	memset(&all, 0, sizeof all);
	memset(&pv, 0, sizeof pv);
	if (snap->nsocks == 0)
		return 0;
	if (inode_map_init(&map, snap->nsocks) != 0)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	for (size_t i = 0; i < snap->nsocks; i++)
		inode_map_put(&map, snap->socks[i].inode, i);
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		err_sys(e, errno, "/proc");
		goto out;
	}
	seen.max = read_pid_max();
	seen.bits = calloc(seen.max / 8 + 1, 1);
	if (seen.bits == NULL) {
		err_set(e, DOOR_SYSTEM, "out of memory");
		goto out;
	}
	pv.seen = &seen;

	if (q->only_pid > 0) {
		pidvec_add(q->only_pid, &pv);
		if (scan_pids(&map, procfd, facts, pv.v, pv.n, snap, &all) != 0)
			goto oom;
		goto done;
	}
	if (q->owners == OWNER_NARROW) {
		/* stage 1: the sockets' cgroups */
		for (size_t i = 0; i < snap->nsocks; i++) {
			uint64_t id = snap->socks[i].cgroup_id;
			pid_t   *cg = NULL;
			size_t   ncg = 0;
			bool     dup = false;

			if (id == 0)
				continue;
			for (size_t j = 0; j < i && !dup; j++)
				dup = snap->socks[j].cgroup_id == id;
			if (dup || cgroup_pids(id, &cg, &ncg) != 0)
				continue;
			for (size_t j = 0; j < ncg; j++)
				pidvec_add(cg[j], &pv);
			free(cg);
		}
		if (pv.oom)
			goto oom;
		switch (walk_crowd(&map, procfd, facts, &pv, snap, &all)) {
		case -1:
			goto oom;
		case 1:          /* split: the holders' uids and children first */
			if (unowned(snap, &passer) == 0 && !passer)
				goto done;
			break;
		default:
			break;
		}
		if (scan_pids(&map, procfd, facts, pv.v, pv.n, snap, &all) != 0)
			goto oom;
		if (unowned(snap, &passer) == 0 && !passer)
			goto done;
		/* stage 2: processes of the unowned sockets' uids */
		if (list_pids(procfd, &pids, &npids) != 0) {
			err_sys(e, errno, "/proc");
			goto out;
		}
		if (!passer && collect_uids(snap, uids, &nuids) == 0) {
			pv.n = 0;
			for (size_t i = 0; i < npids; i++) {
				struct stat st;
				char        name[16];
				bool        want = false;

				if (seen_test(&seen, pids[i]))
					continue;
				snprintf(name, sizeof name, "%d", (int)pids[i]);
				if (fstatat(procfd, name, &st, 0) != 0)
					continue;
				for (size_t k = 0; k < nuids && !want; k++)
					want = uids[k] == st.st_uid;
				if (want)
					pidvec_add(pids[i], &pv);
			}
			if (pv.oom || scan_pids(&map, procfd, facts, pv.v,
			    pv.n, snap, &all) != 0)
				goto oom;
			if (unowned(snap, &passer) == 0 && !passer)
				goto done;
		}
	} else if (list_pids(procfd, &pids, &npids) != 0) {
		err_sys(e, errno, "/proc");
		goto out;
	}
	/* stage 3 (or OWNER_THOROUGH): everyone not walked yet */
	pv.n = 0;
	for (size_t i = 0; i < npids; i++)
		pidvec_add(pids[i], &pv);
	if (pv.oom || scan_pids(&map, procfd, facts, pv.v, pv.n, snap,
	    &all) != 0)
		goto oom;
done:
	snap_link_owners(snap);
	set_statuses(snap, &all);
	rc = 0;
	goto out;
oom:
	err_set(e, DOOR_SYSTEM, "out of memory while looking for owners");
out:
	if (procfd >= 0)
		close(procfd);
	free(seen.bits);
	free(pv.v);
	free(pids);
	free(all.denied);
	inode_map_free(&map);
	return rc;
}
