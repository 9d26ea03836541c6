/*
 * engine.c - many non-blocking connects at once, one epoll per thread:
 * the batch, its threads, and the second look at suspect open doors.
 * worker.c is one thread's loop; verdict.c what an answer means.
 *
 * Each thread claims chunks of jobs from a shared counter, keeps at most
 * `cap` connects in flight, and waits on its epoll until the next answer
 * or the oldest deadline. Every attempt has the same timeout, so the
 * thread's start order is its deadline order: a FIFO of started jobs finds
 * the next deadline in O(1), and every loop is bounded by it.
 *
 * On loopback the answer is usually in when connect() returns, and a
 * refused socket is reused for the next job: a refused port costs three
 * system calls and no epoll (bench/SCAN.md has the numbers).
 *
 * A knock is what `nc -z` does: connect, then a plain close. Refused ports
 * leave nothing behind (no TIME_WAIT); open ones leave one TIME_WAIT each,
 * on our side, which is what any client leaves.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knock/engine_int.h"

#define BIG_BATCH	2048   /* from here on, threads = cores */
#define FD_MARGIN	64     /* fds left to the rest of the process */

static unsigned
cores(void)
{
	cpu_set_t set;
	long      n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Descriptors this process has open now; 0 when /proc cannot say. */
static unsigned
fds_open(void)
{
	DIR           *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned       n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < UINT_MAX)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;   /* not the directory's own */
}

/*
 * Room for `want` more descriptors: raises the soft RLIMIT_NOFILE toward
 * the hard limit (door does not use select(), so big fd numbers are fine),
 * remembering the old limit in *old for the caller to restore, and counts
 * what the process already holds. Less than asked is fine: fewer at once.
 */
static unsigned
room_for(unsigned want, struct rlimit *old, bool *raised)
{
	struct rlimit nl;
	rlim_t        cur, need;
	unsigned      used = fds_open();

	*raised = false;
	if (getrlimit(RLIMIT_NOFILE, old) != 0)
		return want;
	cur = old->rlim_cur;
	need = (rlim_t)want + used + FD_MARGIN;
	if (cur != RLIM_INFINITY && cur < need) {
		nl = *old;
		nl.rlim_cur = need;
		if (old->rlim_max != RLIM_INFINITY && nl.rlim_cur >
		    old->rlim_max)
			nl.rlim_cur = old->rlim_max;
		if (nl.rlim_cur > cur && setrlimit(RLIMIT_NOFILE, &nl) == 0) {
			*raised = true;
			cur = nl.rlim_cur;
		}
	}
	if (cur == RLIM_INFINITY || cur >= need)
		return want;
	if (cur > (rlim_t)used + FD_MARGIN)
		return (unsigned)(cur - used - FD_MARGIN);
	return cur > used + 2 ? (unsigned)(cur - used) / 2 : 1;
}

/* One pass over jobs with `threads` threads of `cap` connects each. */
static int
run_pass(struct run *r, unsigned threads, unsigned cap, struct door_err *e)
{
	struct worker *w;
	sigset_t       all, old;
	unsigned       ok = 0;
	int            rc = 0;

	if ((w = calloc(threads, sizeof *w)) == NULL)
		return err_sys(e, errno, "knocking");
	/* Signals go to the caller's thread, never to a knocking one. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned t = 0; t < threads; t++) {
		if (worker_init(&w[t], r, cap) != 0)
			continue;
		ok++;
		if (t > 0 && pthread_create(&w[t].tid, NULL, worker_run, &w[t]) == 0)
			w[t].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* The calling thread works too; threads that could not start leave
	 * their share to the others (jobs are claimed, not assigned). */
	if (worker_ready(&w[0]))
		worker_run(&w[0]);
	else {
		for (unsigned t = 1; t < threads; t++)
			if (worker_ready(&w[t]) && !w[t].started) {
				worker_run(&w[t]);
				break;
			}
	}
	for (unsigned t = 0; t < threads; t++) {
		if (w[t].started)
			pthread_join(w[t].tid, NULL);
		/* A thread that could not set up is no failure while
		 * another did the work. */
		if (w[t].fail_errno != 0 && rc == 0 &&
		    (ok == 0 || worker_ready(&w[t]))) {
			err_sys(e, w[t].fail_errno, "%s", w[t].fail_what);
			rc = -1;
		}
		worker_free(&w[t]);
	}
	if (ok == 0 && rc == 0)
		rc = err_set(e, DOOR_SYSTEM, "knocking: no thread could start");
	free(w);
	return rc;
}

#define PORTMAPS 4

/* The ports a batch knocks on at one address: a 65536-bit set. */
struct portmap {
	struct sockaddr_storage addr;
	uint8_t                 bits[65536 / 8];
};

/*
 * Which open doors could be two of our own sockets met halfway? Socket A
 * from port S to port D and socket B from D to S, both still in SYN_SENT:
 * each SYN finds the other and both complete. Then A's local port S is a
 * port the batch knocks on at that address. Marks the others not suspect.
 */
static int
suspects(struct run *r, size_t *idx, size_t m)
{
	struct portmap *maps;
	size_t          nmaps = 0, k = 0;
	bool            all = false;

	if ((maps = calloc(PORTMAPS, sizeof *maps)) == NULL)
		return -1;
	for (size_t x = 0; x < m; x++) {
		const struct sockaddr *a = (void *)&r->jobs[idx[x]].addr;
		size_t                 y;

		for (y = 0; y < nmaps; y++)
			if (knock_same_address(a, (struct sockaddr *)&maps[y].addr))
				break;
		if (y == nmaps && nmaps < PORTMAPS)
			memcpy(&maps[nmaps++].addr, a, r->jobs[idx[x]].len);
		else if (y == nmaps)
			all = true;   /* too many addresses: knock all again */
	}
	for (size_t i = 0; i < r->n && !all; i++)
		for (size_t y = 0; y < nmaps; y++)
			if (knock_same_address((void *)&r->jobs[i].addr,
			    (struct sockaddr *)&maps[y].addr)) {
				uint16_t p = knock_port_of((void *)&r->jobs[i].addr);

				maps[y].bits[p / 8] |= (uint8_t)(1u << (p % 8));
			}
	for (size_t x = 0; x < m; x++) {
		uint16_t p = r->slots[idx[x]].lport;
		bool     keep = all;

		for (size_t y = 0; y < nmaps && !keep; y++)
			keep = knock_same_address((void *)&r->jobs[idx[x]].addr,
			    (struct sockaddr *)&maps[y].addr) &&
			    (maps[y].bits[p / 8] & (1u << (p % 8)));
		if (keep)
			idx[k++] = idx[x];
	}
	free(maps);
	return (int)k;
}

/*
 * Knocks again, one at a time, on the suspect open doors: with only one
 * socket of ours alive, none can meet another. A door that now refuses
 * was one of those meetings; one that answers, or does not answer at all
 * (a full accept queue), had a listener.
 */
static int
verify_pass(struct run *r, struct door_err *e)
{
	struct knock_job *again = NULL;
	struct slot      *slots = NULL;
	size_t           *idx = NULL, m = 0;
	struct run        v;
	int               rc = 0, ns;

	for (size_t i = 0; i < r->n; i++)
		if (r->slots[i].verify && r->jobs[i].state == KNOCK_OPEN)
			m++;
	if (m == 0)
		return 0;
	if ((idx = calloc(m, sizeof *idx)) == NULL)
		goto fail;
	m = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->slots[i].verify && r->jobs[i].state == KNOCK_OPEN)
			idx[m++] = i;
	if ((ns = suspects(r, idx, m)) < 0)
		goto fail;
	if ((m = (size_t)ns) == 0)
		goto out;
	again = calloc(m, sizeof *again);
	slots = calloc(m, sizeof *slots);
	if (again == NULL || slots == NULL)
		goto fail;
	for (size_t k = 0; k < m; k++)
		again[k] = r->jobs[idx[k]];
	memset(&v, 0, sizeof v);
	v.jobs = again;
	v.slots = slots;
	v.n = m;
	v.timeout_ns = r->timeout_ns;
	atomic_init(&v.next, 0);
	atomic_init(&v.abort, false);
	atomic_init(&v.pressure, 0);
	rc = run_pass(&v, 1, 1, e);
	for (size_t k = 0; k < m; k++)
		if (again[k].state == KNOCK_REFUSED) {
			r->jobs[idx[k]].state = KNOCK_REFUSED;
			r->jobs[idx[k]].err = ECONNREFUSED;
		}
	goto out;
fail:
	rc = err_sys(e, errno, "knocking");
out:
	free(again);
	free(slots);
	free(idx);
	return rc;
}

int
knock_run(struct knock_job *jobs, size_t n, const struct knock_opts *o,
    struct door_err *e)
{
	struct run     r;
	struct rlimit  old;
	bool           raised;
	unsigned       threads, total, cap;
	int            rc;

	for (size_t i = 0; i < n; i++) {
		jobs[i].state = KNOCK_ERROR;
		jobs[i].err = ECANCELED;   /* until an answer says otherwise */
		jobs[i].usec = 0;
	}
	if (n == 0)
		return 0;
	memset(&r, 0, sizeof r);
	r.jobs = jobs;
	r.n = n;
	r.timeout_ns = (uint64_t)(o != NULL && o->timeout_ms > 0 ?
	    o->timeout_ms : KNOCK_TIMEOUT_MS) * 1000000u;
	atomic_init(&r.next, 0);
	atomic_init(&r.abort, false);
	atomic_init(&r.pressure, 0);

	threads = o != NULL ? o->threads : 0;
	if (threads == 0)
		threads = n >= BIG_BATCH ? cores() : 1;
	if (threads > KNOCK_THREADS_MAX)
		threads = KNOCK_THREADS_MAX;
	if (threads > (n + CHUNK - 1) / CHUNK)
		threads = (unsigned)((n + CHUNK - 1) / CHUNK);
	total = o != NULL && o->max_inflight > 0 ? o->max_inflight :
	    KNOCK_INFLIGHT;
	if (total > KNOCK_INFLIGHT_MAX)
		total = KNOCK_INFLIGHT_MAX;
	if (total > n)
		total = (unsigned)n;
	if ((r.slots = calloc(n, sizeof *r.slots)) == NULL)
		return err_sys(e, errno, "knocking on %zu doors", n);
	total = room_for(total, &old, &raised);
	if (threads > total)
		threads = total;
	cap = total / threads;
	rc = run_pass(&r, threads, cap, e);
	/* Only several sockets in flight can meet each other. */
	if (rc == 0 && total > 1)
		rc = verify_pass(&r, e);
	free(r.slots);
	if (raised)
		setrlimit(RLIMIT_NOFILE, &old);
	return rc;
}
