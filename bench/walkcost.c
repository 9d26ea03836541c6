/*
 * walkcost.c - what one fd of the owner walk costs, several ways, side by
 * side in one run (issue 13: is io_uring worth it?).
 *
 *   walkcost [-r reps] [-b batch] [-w iowq_workers] [-m modes]
 *
 * Every mode walks every process of /proc the way door's walk does
 * (src/platform/linux/owners.c: openat /proc/PID, openat fd, getdents64)
 * and differs only in what it asks of each fd:
 *
 *   readlink   readlinkat(fddir, "N"), as door does today, 1 thread
 *   readlink2  the same on 2 threads sharing the pid list (door's walk on
 *              this 2-core machine)
 *   stat       fstatat(fddir, "N", 0): follows the link, S_ISSOCK + st_ino
 *   stat2      the same on 2 threads
 *   uring      IORING_OP_STATX (dirfd = fddir, follows the link), queued
 *              across processes, `batch` per submit, from 1 thread; the
 *              kernel runs them on its io-wq workers (as many as it likes,
 *              or -w N at most)
 *   bynum2     no getdents64: readlinkat "0", "1", ... until as many fds
 *              answered as the size of /proc/PID/fd says (Linux 6.2+),
 *              then the rest listed from there; 2 threads
 *
 * Each repetition runs every mode once, in turn, after one warm-up pass,
 * so that all modes see the same dentry cache and the same machine. The
 * report is the median over repetitions of wall ns per fd and CPU ns per
 * fd (user + system of the whole process, io-wq workers included), and
 * each mode's speed-up over readlink2. "floor" is readlink / 2: today's
 * per-fd work perfectly spread over both cores.
 *
 * The modes must agree on how many socket fds they saw, give or take the
 * machine's other work (exit 1 if not).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PIDS_MAX   (1u << 22)
#define REPS_MAX   101
#define BATCH_MAX  32768
#define DENTS      8192
#define READS_MAX  (1 << 20)   /* getdents64 calls per fd directory */

enum mode { M_READLINK, M_READLINK2, M_STAT, M_STAT2, M_URING, M_BYNUM2,
    M_COUNT };

static const char *const mode_name[M_COUNT] = {
	"readlink", "readlink2", "stat", "stat2", "uring", "bynum2",
};

enum how { H_READLINK, H_STAT, H_BYNUM };

struct tally {
	uint64_t fds, socks;
};

static int     procfd;
static pid_t  *pids;
static size_t  npids;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
	    1000000000u + ((uint64_t)ru.ru_utime.tv_usec +
	    (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static void
die(const char *what)
{
	fprintf(stderr, "walkcost: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void
list_pids(void)
{
	_Alignas(struct dirent64) char buf[16384];
	size_t cap = 0;
	int    fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die("/proc");
	for (int reads = 0; reads < READS_MAX; reads++) {
		ssize_t n = getdents64(fd, buf, sizeof buf);

		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			char            *end;
			long             v;

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			v = strtol(d->d_name, &end, 10);
			if (*end != '\0' || v <= 0 || npids >= PIDS_MAX)
				continue;
			if (npids == cap) {
				cap = cap ? cap * 2 : 1024;
				pids = realloc(pids, cap * sizeof *pids);
				if (pids == NULL)
					die("realloc");
			}
			pids[npids++] = (pid_t)v;
		}
	}
	close(fd);
}

/* /proc/PID then fd, as door opens them; -1 when gone or unreadable. */
static int
open_fddir(pid_t pid, int *piddir)
{
	char name[16];
	int  fd;

	snprintf(name, sizeof name, "%d", (int)pid);
	*piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*piddir < 0)
		return -1;
	fd = openat(*piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		close(*piddir);
		*piddir = -1;
	}
	return fd;
}

static bool
is_fd_name(const char *s)
{
	return s[0] >= '0' && s[0] <= '9';
}

/* ---- readlink and stat, on 1 or 2 threads ------------------------------- */

struct sync_job {
	enum how      how;
	atomic_size_t next;
};

struct sync_worker {
	struct sync_job *job;
	struct tally     t;
	pthread_t        tid;
};

static bool
sock_link(int fddir, const char *name)
{
	char    link[64];
	ssize_t ll = readlinkat(fddir, name, link, sizeof link);

	return ll > 8 && memcmp(link, "socket:[", 8) == 0;
}

/* No getdents64: since Linux 6.2 the size of /proc/PID/fd is the number of
 * open fds, and fd tables are mostly dense, so readlinkat 0, 1, 2, ...
 * until that many answered; after too many holes, list the rest from
 * there (the directory's offset is fd + 2). */
static void
walk_bynum(int fddir, struct tally *t)
{
	_Alignas(struct dirent64) char buf[DENTS];
	struct stat st;
	uint64_t    want, found = 0, misses = 0;
	char        name[16];
	int         fd;

	if (fstat(fddir, &st) != 0 || st.st_size <= 0)
		return;
	want = (uint64_t)st.st_size;
	for (fd = 0; found < want && misses < want + 64; fd++) {
		char    link[64];
		ssize_t ll;

		snprintf(name, sizeof name, "%d", fd);
		ll = readlinkat(fddir, name, link, sizeof link);
		if (ll < 0) {
			misses++;
			continue;
		}
		found++;
		t->fds++;
		if (ll > 8 && memcmp(link, "socket:[", 8) == 0)
			t->socks++;
	}
	if (found >= want || lseek(fddir, fd + 2, SEEK_SET) < 0)
		return;
	for (int reads = 0; reads < READS_MAX; reads++) {
		ssize_t n = getdents64(fddir, buf, sizeof buf);

		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);

			off += d->d_reclen;
			if (!is_fd_name(d->d_name))
				continue;
			t->fds++;
			t->socks += sock_link(fddir, d->d_name);
		}
	}
}

static void
walk_one(pid_t pid, enum how how, struct tally *t)
{
	_Alignas(struct dirent64) char buf[DENTS];
	int piddir, fddir = open_fddir(pid, &piddir);

	if (fddir < 0)
		return;
	if (how == H_BYNUM) {
		walk_bynum(fddir, t);
		close(fddir);
		close(piddir);
		return;
	}
	for (int reads = 0; reads < READS_MAX; reads++) {
		ssize_t n = getdents64(fddir, buf, sizeof buf);

		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);

			off += d->d_reclen;
			if (!is_fd_name(d->d_name))
				continue;
			t->fds++;
			if (how == H_STAT) {
				struct stat st;

				if (fstatat(fddir, d->d_name, &st, 0) == 0 &&
				    S_ISSOCK(st.st_mode))
					t->socks++;
			} else
				t->socks += sock_link(fddir, d->d_name);
		}
	}
	close(fddir);
	close(piddir);
}

static void *
sync_main(void *arg)
{
	struct sync_worker *w = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&w->job->next, 1);

		if (i >= npids)
			break;
		walk_one(pids[i], w->job->how, &w->t);
	}
	return NULL;
}

static struct tally
walk_sync(enum how how, int threads)
{
	struct sync_job    job = { how, 0 };
	struct sync_worker w[2];
	struct tally       t = { 0, 0 };
	int                started = 1;

	memset(w, 0, sizeof w);
	for (int i = 0; i < threads; i++)
		w[i].job = &job;
	if (threads > 1 && pthread_create(&w[1].tid, NULL, sync_main,
	    &w[1]) == 0)
		started = 2;
	sync_main(&w[0]);
	if (started == 2)
		pthread_join(w[1].tid, NULL);
	for (int i = 0; i < started; i++) {
		t.fds += w[i].t.fds;
		t.socks += w[i].t.socks;
	}
	return t;
}

/* ---- io_uring statx ------------------------------------------------------ */

struct dirrec {
	int      fd, piddir;
	unsigned pending;
	bool     listed;
};

struct op {
	struct statx stx;
	uint32_t     dir;
	uint32_t     next_free;
	char         name[12];
};

struct uring_walk {
	struct io_uring ring;
	struct dirrec  *dirs;
	struct op      *ops;
	uint32_t        free_head, nops;
	unsigned        inflight, queued;
	struct tally    t;
};

static unsigned batch = 4096;
static int      iowq_workers;    /* 0: the kernel's default */

static void
dir_done(struct uring_walk *u, uint32_t d)
{
	struct dirrec *r = &u->dirs[d];

	if (r->listed && r->pending == 0 && r->fd >= 0) {
		close(r->fd);
		close(r->piddir);
		r->fd = -1;
	}
}

/* Reaps what has completed; waits for at least `want` completions. */
static void
reap(struct uring_walk *u, unsigned want)
{
	struct io_uring_cqe *cqe;
	unsigned             got = 0;

	while (u->inflight > 0) {
		int rc = got < want ? io_uring_wait_cqe(&u->ring, &cqe) :
		    io_uring_peek_cqe(&u->ring, &cqe);

		if (rc == -EINTR)
			continue;
		if (rc != 0)
			break;
		{
			uint32_t   slot = (uint32_t)io_uring_cqe_get_data64(cqe);
			struct op *o = &u->ops[slot];

			if (cqe->res == 0 && S_ISSOCK(o->stx.stx_mode))
				u->t.socks++;
			io_uring_cqe_seen(&u->ring, cqe);
			u->inflight--;
			got++;
			u->dirs[o->dir].pending--;
			dir_done(u, o->dir);
			o->next_free = u->free_head;
			u->free_head = slot;
		}
	}
}

static void
submit(struct uring_walk *u)
{
	if (u->queued == 0)
		return;
	for (int tries = 0; tries < 1000; tries++) {
		int rc = io_uring_submit(&u->ring);

		if (rc >= 0) {
			u->queued -= (unsigned)rc < u->queued ? (unsigned)rc :
			    u->queued;
			if (u->queued == 0)
				return;
		} else if (rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
			errno = -rc;
			die("io_uring_submit");
		} else
			reap(u, 1);
	}
}

static void
queue_statx(struct uring_walk *u, uint32_t d, const char *name)
{
	struct io_uring_sqe *sqe;
	uint32_t             slot;
	struct op           *o;

	if (u->free_head == UINT32_MAX) {
		submit(u);
		reap(u, 1);
	}
	slot = u->free_head;
	o = &u->ops[slot];
	u->free_head = o->next_free;
	o->dir = d;
	{
		size_t len = strnlen(name, sizeof o->name - 1);

		memcpy(o->name, name, len);   /* fd numbers: at most 10 digits */
		o->name[len] = '\0';
	}
	sqe = io_uring_get_sqe(&u->ring);
	if (sqe == NULL) {
		submit(u);
		sqe = io_uring_get_sqe(&u->ring);
		if (sqe == NULL) {
			errno = EBUSY;
			die("io_uring_get_sqe");
		}
	}
	io_uring_prep_statx(sqe, u->dirs[d].fd, o->name, 0,
	    STATX_TYPE | STATX_INO, &o->stx);
	io_uring_sqe_set_data64(sqe, slot);
	u->dirs[d].pending++;
	u->inflight++;
	u->queued++;
	u->t.fds++;
	if (u->queued >= batch)
		submit(u);
}

static struct tally
walk_uring(void)
{
	struct uring_walk      u;
	struct io_uring_params p;
	int                    rc;

	memset(&u, 0, sizeof u);
	memset(&p, 0, sizeof p);
	/* two batches in flight: one runs while the next is listed */
	u.nops = 2 * batch;
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = u.nops;
	rc = io_uring_queue_init_params(batch, &u.ring, &p);
	if (rc < 0) {
		errno = -rc;
		die("io_uring_queue_init (kernel.io_uring_disabled?)");
	}
	if (iowq_workers > 0) {
		unsigned vals[2] = { (unsigned)iowq_workers,
		    (unsigned)iowq_workers };

		rc = io_uring_register_iowq_max_workers(&u.ring, vals);
		if (rc < 0) {
			errno = -rc;
			die("io_uring_register_iowq_max_workers");
		}
	}
	u.dirs = calloc(npids, sizeof *u.dirs);
	u.ops = calloc(u.nops, sizeof *u.ops);
	if (u.dirs == NULL || u.ops == NULL)
		die("calloc");
	for (uint32_t i = 0; i < u.nops; i++)
		u.ops[i].next_free = i + 1 < u.nops ? i + 1 : UINT32_MAX;
	u.free_head = 0;
	for (size_t i = 0; i < npids; i++) {
		_Alignas(struct dirent64) char buf[DENTS];
		struct dirrec *r = &u.dirs[i];

		r->fd = open_fddir(pids[i], &r->piddir);
		if (r->fd < 0)
			continue;
		for (int reads = 0; reads < READS_MAX; reads++) {
			ssize_t n = getdents64(r->fd, buf, sizeof buf);

			if (n <= 0)
				break;
			for (ssize_t off = 0; off < n;) {
				struct dirent64 *d =
				    (struct dirent64 *)(void *)(buf + off);

				off += d->d_reclen;
				if (is_fd_name(d->d_name))
					queue_statx(&u, (uint32_t)i, d->d_name);
			}
		}
		r->listed = true;
		dir_done(&u, (uint32_t)i);
		reap(&u, 0);
	}
	submit(&u);
	reap(&u, u.inflight);
	for (size_t i = 0; i < npids; i++)
		if (u.dirs[i].fd >= 0) {
			close(u.dirs[i].fd);
			close(u.dirs[i].piddir);
		}
	io_uring_queue_exit(&u.ring);
	free(u.dirs);
	free(u.ops);
	return u.t;
}

/* ---- the run ------------------------------------------------------------ */

static struct tally
run(enum mode m)
{
	switch (m) {
	case M_READLINK:  return walk_sync(H_READLINK, 1);
	case M_READLINK2: return walk_sync(H_READLINK, 2);
	case M_STAT:      return walk_sync(H_STAT, 1);
	case M_STAT2:     return walk_sync(H_STAT, 2);
	case M_BYNUM2:    return walk_sync(H_BYNUM, 2);
	default:          return walk_uring();
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
usage(void)
{
	fprintf(stderr, "usage: walkcost [-r reps] [-b batch] [-w iowq_workers] "
	    "[-m readlink,readlink2,stat,stat2,uring,bynum2]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static double wall[M_COUNT][REPS_MAX], cpu[M_COUNT][REPS_MAX];
	bool          on[M_COUNT] = { true, true, true, true, true, true };
	struct tally  first[M_COUNT];
	uint64_t      fds_seen = 0;
	int           reps = 5, c, bad = 0;
	double        base = 0;

	while ((c = getopt(argc, argv, "r:b:w:m:")) != -1) {
		switch (c) {
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > REPS_MAX)
				usage();
			break;
		case 'b':
			batch = (unsigned)atoi(optarg);
			if (batch < 1 || batch > BATCH_MAX)
				usage();
			break;
		case 'w':
			iowq_workers = atoi(optarg);
			break;
		case 'm':
			memset(on, 0, sizeof on);
			for (char *s = strtok(optarg, ","); s; s = strtok(NULL, ",")) {
				int k = 0;

				while (k < M_COUNT && strcmp(s, mode_name[k]) != 0)
					k++;
				if (k == M_COUNT)
					usage();
				on[k] = true;
			}
			break;
		default:
			usage();
		}
	}
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		die("/proc");
	list_pids();
	/* warm-up: the dentries of every /proc/PID/fd/N, as a second door
	 * run finds them */
	first[M_READLINK] = walk_sync(H_READLINK, 2);
	fds_seen = first[M_READLINK].fds;
	for (int r = 0; r < reps; r++)
		for (int m = 0; m < M_COUNT; m++) {
			uint64_t     t0, c0;
			struct tally t;

			if (!on[m])
				continue;
			t0 = now_ns();
			c0 = cpu_ns();
			t = run((enum mode)m);
			wall[m][r] = (double)(now_ns() - t0) / (double)t.fds;
			cpu[m][r] = (double)(cpu_ns() - c0) / (double)t.fds;
			if (r == 0)
				first[m] = t;
			else if (t.socks != first[m].socks)
				fprintf(stderr, "walkcost: note: %s saw %llu "
				    "sockets, then %llu (the machine's other "
				    "work)\n", mode_name[m],
				    (unsigned long long)first[m].socks,
				    (unsigned long long)t.socks);
		}
	printf("walkcost: %zu processes, %llu fds, %d repetitions, uring batch "
	    "%u, io-wq workers ", npids, (unsigned long long)fds_seen, reps,
	    batch);
	if (iowq_workers > 0)
		printf("at most %d\n", iowq_workers);
	else
		printf("as the kernel likes\n");
	if (on[M_READLINK2])
		base = median(wall[M_READLINK2], reps);
	printf("%-10s %12s %12s %10s %12s %12s\n", "mode", "wall ns/fd",
	    "cpu ns/fd", "vs today", "fds", "sockets");
	for (int m = 0; m < M_COUNT; m++) {
		double w, cp;

		if (!on[m])
			continue;
		w = median(wall[m], reps);
		cp = median(cpu[m], reps);
		printf("%-10s %12.0f %12.0f %9.2fx %12llu %12llu\n",
		    mode_name[m], w, cp, base > 0 ? base / w : 0,
		    (unsigned long long)first[m].fds,
		    (unsigned long long)first[m].socks);
		/* other work on the machine comes and goes: a few sockets of
		 * difference are its, more would be the mode's */
		if (on[M_READLINK] && (first[m].socks > first[M_READLINK].socks ?
		    first[m].socks - first[M_READLINK].socks :
		    first[M_READLINK].socks - first[m].socks) >
		    first[M_READLINK].socks / 100 + 16)
			bad = 1;
	}
	if (on[M_READLINK]) {
		double w = median(wall[M_READLINK], reps) / 2;

		printf("%-10s %12.0f %12s %9.2fx %12s %12s\n", "floor", w, "-",
		    base > 0 ? base / w : 0, "readlink/2", "");
	}
	if (bad)
		fprintf(stderr, "walkcost: the modes disagree on the socket "
		    "count by more than 1%%\n");
	return bad;
}
