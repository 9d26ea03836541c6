/*
 * engine.c - many non-blocking connects at once, one epoll per thread.
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
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knock/engine.h"

#define CHUNK		64     /* jobs claimed at a time by a thread */
#define BIG_BATCH	2048   /* from here on, threads = cores */
#define NEVENTS		256
#define FD_MARGIN	64     /* fds left to the rest of the process */
#define STARVE_MS	200    /* wait for sockets held by other threads */
#define FILL_MAX	256    /* starts between two reads of the answers */

/* Per job; touched only by the thread that claimed it. */
struct slot {
	uint64_t t0;       /* ns, when connect() was called */
	uint16_t lport;    /* open: our end's port (host order) */
	bool     verify;   /* open, but both ends on one address: see below */
};

/*
 * A socket of a thread. A refused connect leaves the socket closed but
 * reusable: connect(AF_UNSPEC) dissolves the attempt (connect(2)) and the
 * next job connects the same socket. That saves a socket(), an epoll_ctl()
 * and a close() per refused port, most of the cost of a scan.
 */
struct conn {
	int    fd;         /* -1: none yet */
	int    family;
	bool   busy;       /* connecting for job */
	bool   polled;     /* in the epoll set */
	size_t job;
};

struct run {
	struct knock_job *jobs;
	struct slot      *slots;
	size_t            n;
	uint64_t          timeout_ns;
	atomic_size_t     next;       /* first unclaimed job */
	atomic_bool       abort;      /* a thread failed: stop claiming */
	atomic_uint       pressure;   /* bumped when sockets run out */
};

struct worker {
	struct run      *r;
	int              ep;
	struct conn     *conns;       /* ncap of them */
	unsigned        *idle;        /* conns not connecting, a stack */
	unsigned         nidle, ncap;
	size_t           cur, end;    /* claimed, not yet started */
	unsigned        *q;           /* connecting conns, in start order */
	size_t          *qjob;        /* and their jobs then */
	size_t           qh, qn, qcap;
	unsigned         inflight, cap;
	unsigned         starved;     /* ms waited with no socket to use */
	unsigned         pressure;    /* r->pressure last acted on */
	int              fail_errno;
	const char      *fail_what;
	pthread_t        tid;
	bool             started;
};

const char *
knock_state_name(enum knock_state s)
{
	switch (s) {
	case KNOCK_OPEN:
		return "open";
	case KNOCK_REFUSED:
		return "refused";
	case KNOCK_TIMEOUT:
		return "timeout";
	case KNOCK_UNREACHABLE:
		return "unreachable";
	case KNOCK_ERROR:
		break;
	}
	return "error";
}

enum knock_state
knock_classify(int err)
{
	switch (err) {
	case 0:
		return KNOCK_OPEN;
	case ECONNREFUSED:
		return KNOCK_REFUSED;
	case ETIMEDOUT:
		return KNOCK_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	/* No source address for the route (e.g. ::1 with IPv6 off on lo). */
	case EADDRNOTAVAIL:
	/* socket(AF_INET6) on a kernel without IPv6. */
	case EAFNOSUPPORT:
		return KNOCK_UNREACHABLE;
	default:
		return KNOCK_ERROR;
	}
}

void
knock_job_init(struct knock_job *j, const struct sockaddr *addr,
    socklen_t len, uint16_t port)
{
	memset(j, 0, sizeof *j);
	if (len > sizeof j->addr)
		len = sizeof j->addr;
	memcpy(&j->addr, addr, len);
	j->len = len;
	if (port != 0 && addr->sa_family == AF_INET)
		((struct sockaddr_in *)(void *)&j->addr)->sin_port =
		    htons(port);
	else if (port != 0 && addr->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&j->addr)->sin6_port =
		    htons(port);
	j->state = KNOCK_ERROR;
}

bool
knock_same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

/* Same address, any port. */
static bool
same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->
		    sin_addr.s_addr ==
		    ((const struct sockaddr_in *)(const void *)b)->
		    sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->
		    sin6_addr, &((const struct sockaddr_in6 *)(const void *)b)->
		    sin6_addr, 16) == 0;
	return false;
}

static uint16_t
port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Errors that say "not now": wait for a slot to free up, then retry. */
static bool
out_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM || err == EAGAIN || err == ENOSPC;
}

static void
verdict(struct knock_job *j, enum knock_state st, int err, uint64_t ns)
{
	j->state = st;
	j->err = err;
	ns /= 1000;
	j->usec = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

/*
 * The handshake completed; but with whom? When the target is an address
 * of this host and nothing listens on the port, the kernel may pick that
 * very port as the ephemeral source port, and the SYN meets its own
 * socket: a TCP simultaneous open to itself "succeeds". Nobody listens:
 * that is a refusal. Two of our own in-flight sockets can also meet each
 * other the same way (A from port P to port Q, B from Q to P); those are
 * flagged for a second, lone knock (see verify_pass).
 */
static void
judge_open(struct run *r, size_t i, int fd, uint64_t ns)
{
	struct knock_job        *j = &r->jobs[i];
	struct sockaddr_storage  local, peer;
	socklen_t                ll = sizeof local, pl = sizeof peer;

	/* Writable and no error is not proof enough: be connected. */
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0) {
		socklen_t sl = sizeof(int);
		int       err = errno;

		/* Unless a reset came just now: someone accepted, then hung
		 * up, and the handshake did complete. */
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
		    (err == ECONNRESET || err == EPIPE))
			verdict(j, KNOCK_OPEN, 0, ns);
		else
			verdict(j, KNOCK_ERROR, err != 0 ? err : ENOTCONN, ns);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0) {
		if (knock_same_endpoint((struct sockaddr *)&local,
		    (struct sockaddr *)&j->addr)) {
			verdict(j, KNOCK_REFUSED, ECONNREFUSED, ns);
			return;
		}
		if (same_address((struct sockaddr *)&local,
		    (struct sockaddr *)&j->addr)) {
			r->slots[i].verify = true;
			r->slots[i].lport = port_of((struct sockaddr *)&local);
		}
	}
	verdict(j, KNOCK_OPEN, 0, ns);
}

/* Closes conn c's socket (a plain close, as nc -z does) and idles it. */
static void
drop(struct worker *w, unsigned c)
{
	struct conn *k = &w->conns[c];

	if (k->fd >= 0)
		close(k->fd);   /* also leaves the epoll set */
	k->fd = -1;
	if (k->busy) {
		k->busy = false;
		w->inflight--;
	}
	w->idle[w->nidle++] = c;
}

/* Conn c's attempt was refused: keep the socket for the next job. */
static void
recycle(struct worker *w, unsigned c)
{
	struct conn     *k = &w->conns[c];
	struct sockaddr  unspec;

	memset(&unspec, 0, sizeof unspec);
	unspec.sa_family = AF_UNSPEC;
	if (connect(k->fd, &unspec, sizeof unspec) != 0) {
		drop(w, c);
		return;
	}
	k->busy = false;
	w->inflight--;
	w->idle[w->nidle++] = c;
}

/* A socket for conn c in the family of job i. */
static int
conn_socket(struct worker *w, unsigned c, int family)
{
	struct conn *k = &w->conns[c];
	int          fd;

	if (k->fd >= 0 && k->family == family)
		return 0;
	if (k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd < 0)
		return -1;
	k->fd = fd;
	k->family = family;
	k->polled = false;
	return 0;
}

/*
 * Conn c in the epoll set, once. Edge-triggered: an idle recycled socket
 * (closed, so always "ready") must not wake us again and again. Each
 * attempt's answer is a new edge, and the mask is read when epoll_wait
 * reports it, so a report is always about the current attempt.
 */
static int
conn_poll(struct worker *w, unsigned c)
{
	struct conn        *k = &w->conns[c];
	struct epoll_event  ev;

	if (k->polled)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLOUT | EPOLLET;
	ev.data.u32 = c;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, k->fd, &ev) != 0)
		return -1;
	k->polled = true;
	return 0;
}

/*
 * Starts job i. 0: in flight; 1: decided already; -1: out of resources
 * (*errp), to be retried once an answer frees a socket.
 */
static int
start(struct worker *w, size_t i, int *errp)
{
	struct run       *r = w->r;
	struct knock_job *j = &r->jobs[i];
	struct conn      *k;
	uint64_t          t0;
	socklen_t         sl;
	unsigned          c;
	int               err;

	c = w->idle[--w->nidle];
	k = &w->conns[c];
	if (conn_socket(w, c, j->addr.ss_family) != 0) {
		err = errno;
		w->idle[w->nidle++] = c;
		if (out_of_resources(err)) {
			*errp = err;
			return -1;
		}
		verdict(j, knock_classify(err), err, 0);
		return 1;
	}
	k->busy = true;
	k->job = i;
	w->inflight++;
	t0 = now_ns();
	if (connect(k->fd, (struct sockaddr *)&j->addr, j->len) == 0) {
		judge_open(r, i, k->fd, now_ns() - t0);
		drop(w, c);
		return 1;
	}
	err = errno;
	/* EINTR: the connect goes on in the background, as EINPROGRESS. */
	if (err != EINPROGRESS && err != EINTR) {
		/* An odd state after an odd error: start afresh. */
		drop(w, c);
		if (err == EAGAIN) {
			*errp = err;
			return -1;
		}
		verdict(j, knock_classify(err), err, now_ns() - t0);
		return 1;
	}
	/*
	 * On loopback the answer is often in already: the SYN and the RST
	 * went through the stack inside connect(). Then epoll is not needed,
	 * nor its wake-ups: a refused port costs connect, getsockopt and the
	 * connect(AF_UNSPEC) that readies the socket for the next one.
	 */
	sl = sizeof err;
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
		err = errno;
	if (err == ECONNREFUSED) {
		verdict(j, KNOCK_REFUSED, err, now_ns() - t0);
		recycle(w, c);
		return 1;
	}
	if (err != 0) {
		verdict(j, knock_classify(err), err, now_ns() - t0);
		drop(w, c);
		return 1;
	}
	if (conn_poll(w, c) != 0) {
		err = errno;
		drop(w, c);
		if (out_of_resources(err)) {
			*errp = err;
			return -1;
		}
		verdict(j, KNOCK_ERROR, err, 0);
		return 1;
	}
	r->slots[i].t0 = t0;
	if (w->qn == w->qcap) {
		/* Drop answered entries; at most cap remain, and qcap is
		 * 2 * cap, so this runs at most once per cap starts. */
		size_t n = 0;

		for (size_t x = w->qh; x < w->qn; x++)
			if (w->conns[w->q[x]].busy &&
			    w->conns[w->q[x]].job == w->qjob[x]) {
				w->q[n] = w->q[x];
				w->qjob[n++] = w->qjob[x];
			}
		w->qh = 0;
		w->qn = n;
	}
	w->q[w->qn] = c;
	w->qjob[w->qn++] = i;
	return 0;
}

/* An event on conn c: the answer to its job, most likely. */
static void
finish(struct worker *w, unsigned c, uint32_t events, uint64_t now)
{
	struct run  *r = w->r;
	struct conn *k = &w->conns[c];
	socklen_t    sl = sizeof(int);
	size_t       i = k->job;
	uint64_t     ns;
	int          err = 0;

	if (c >= w->ncap || !k->busy)
		return;   /* an idle socket's last edge */
	ns = now - r->slots[i].t0;
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
		err = errno;
	if (err == 0 && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;   /* still connecting */
	if (err == ECONNREFUSED) {
		verdict(&r->jobs[i], KNOCK_REFUSED, err, ns);
		recycle(w, c);
		return;
	}
	if (err == 0 && (events & EPOLLOUT))
		judge_open(r, i, k->fd, ns);
	else if (err == ECONNRESET)
		/* Reset after the handshake: someone accepted, then hung up. */
		verdict(&r->jobs[i], KNOCK_OPEN, 0, ns);
	else
		verdict(&r->jobs[i], knock_classify(err ? err : ECONNRESET),
		    err ? err : ECONNRESET, ns);
	drop(w, c);
}

/* Skips answered entries; the oldest attempt's deadline, 0 if none. */
static uint64_t
next_deadline(struct worker *w)
{
	while (w->qh < w->qn) {
		struct conn *k = &w->conns[w->q[w->qh]];

		if (k->busy && k->job == w->qjob[w->qh])
			return w->r->slots[w->qjob[w->qh]].t0 +
			    w->r->timeout_ns;
		w->qh++;
	}
	return 0;
}

/* Attempts past their deadline time out. Call after reading answers. */
static void
expire(struct worker *w, uint64_t now)
{
	struct run *r = w->r;
	uint64_t    d;

	while ((d = next_deadline(w)) != 0 && d <= now) {
		unsigned c = w->q[w->qh];
		size_t   i = w->qjob[w->qh];

		/* A close in SYN_SENT sends nothing; the socket is not reused
		 * (dissolving it would leave an error on it). */
		verdict(&r->jobs[i], KNOCK_TIMEOUT, ETIMEDOUT,
		    now - r->slots[i].t0);
		drop(w, c);
		w->qh++;
	}
}

static bool
claim(struct worker *w)
{
	struct run *r = w->r;
	size_t      first;

	if (atomic_load(&r->abort))
		return false;
	first = atomic_fetch_add(&r->next, CHUNK);
	if (first >= r->n)
		return false;
	w->cur = first;
	w->end = r->n - first < CHUNK ? r->n : first + CHUNK;
	return true;
}

/*
 * Starts jobs until cap are in flight, none are left, or FILL_MAX were
 * started; true for the last. Answers must be read in between: on
 * loopback most jobs end inside start(), and a long run of them would
 * keep the others from being read before their deadline.
 */
static bool
fill(struct worker *w)
{
	for (unsigned started = 0; w->inflight < w->cap; started++) {
		int rc, err = 0;

		if (started == FILL_MAX)
			return true;
		if (w->cur == w->end && !claim(w))
			return false;
		rc = start(w, w->cur, &err);
		if (rc < 0) {
			atomic_fetch_add(&w->r->pressure, 1);
			if (w->inflight > 0) {
				/* Fewer at once from now on; retry this job
				 * once an answer frees a socket. */
				w->cap = w->inflight;
				return false;
			}
			if (w->starved < STARVE_MS) {
				/* Other threads may hold every descriptor
				 * left: they free some as answers come. */
				struct timespec ms = { 0, 1000000 };

				nanosleep(&ms, NULL);
				w->starved++;
				return false;
			}
			verdict(&w->r->jobs[w->cur], KNOCK_ERROR, err, 0);
		} else
			w->starved = 0;
		w->cur++;
	}
	return false;
}

/* Closes the sockets kept for reuse, for another thread to have them. */
static void
shed(struct worker *w)
{
	for (unsigned x = 0; x < w->nidle; x++) {
		struct conn *k = &w->conns[w->idle[x]];

		if (k->fd >= 0) {
			close(k->fd);
			k->fd = -1;
		}
	}
}

static void
fail_inflight(struct worker *w, int err)
{
	for (unsigned c = 0; c < w->ncap; c++)
		if (w->conns[c].busy) {
			verdict(&w->r->jobs[w->conns[c].job], KNOCK_ERROR,
			    err, 0);
			drop(w, c);
		}
	w->qh = w->qn = 0;
}

static void *
work(void *arg)
{
	struct worker      *w = arg;
	struct epoll_event  ev[NEVENTS];

	for (;;) {
		uint64_t now, next, wait;
		unsigned p;
		bool     more;
		int      nev, ms;

		if ((p = atomic_load(&w->r->pressure)) != w->pressure) {
			/* Descriptors ran out somewhere: keep only what is
			 * in flight, and no more at once than that. */
			w->pressure = p;
			shed(w);
			if (w->inflight > 0 && w->inflight < w->cap)
				w->cap = w->inflight;
		}
		more = fill(w);
		if (w->inflight == 0) {
			if (!more && w->cur == w->end && !claim(w))
				break;
			continue;
		}
		now = now_ns();
		next = next_deadline(w);
		wait = more || next <= now ? 0 : (next - now + 999999) / 1000000;
		ms = wait > INT_MAX ? INT_MAX : (int)wait;
		/* Every answer that is in is read before anything times out. */
		for (;;) {
			nev = epoll_wait(w->ep, ev, NEVENTS, ms);
			if (nev < 0 && errno != EINTR) {
				w->fail_errno = errno;
				w->fail_what = "waiting for connects (epoll_wait)";
				atomic_store(&w->r->abort, true);
				fail_inflight(w, w->fail_errno);
				goto done;
			}
			now = now_ns();
			for (int x = 0; x < nev; x++)
				finish(w, ev[x].data.u32, ev[x].events, now);
			if (nev >= 0 && nev < NEVENTS)
				break;
			ms = 0;
		}
		expire(w, now);
	}
done:
	shed(w);   /* others may still need descriptors */
	return NULL;
}

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

static int
worker_init(struct worker *w, struct run *r, unsigned cap)
{
	memset(w, 0, sizeof *w);
	w->r = r;
	w->ep = -1;
	w->cap = w->ncap = w->nidle = cap;
	w->qcap = 2 * (size_t)cap + 1;
	w->conns = calloc(cap, sizeof *w->conns);
	w->idle = calloc(cap, sizeof *w->idle);
	w->q = calloc(w->qcap, sizeof *w->q);
	w->qjob = calloc(w->qcap, sizeof *w->qjob);
	if (w->conns == NULL || w->idle == NULL || w->q == NULL ||
	    w->qjob == NULL) {
		w->fail_errno = errno;
		w->fail_what = "knocking";
		return -1;
	}
	for (unsigned c = 0; c < cap; c++) {
		w->conns[c].fd = -1;
		/* Popped from the end: conn 0 first. */
		w->idle[c] = cap - 1 - c;
	}
	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		w->fail_errno = errno;
		w->fail_what = "creating an epoll instance";
		return -1;
	}
	return 0;
}

static bool
worker_ready(const struct worker *w)
{
	return w->ep >= 0;
}

static void
worker_free(struct worker *w)
{
	if (w->conns != NULL)
		for (unsigned c = 0; c < w->ncap; c++)
			if (w->conns[c].fd >= 0)
				close(w->conns[c].fd);
	if (w->ep >= 0)
		close(w->ep);
	free(w->conns);
	free(w->idle);
	free(w->q);
	free(w->qjob);
	w->conns = NULL;
	w->idle = NULL;
	w->q = NULL;
	w->qjob = NULL;
	w->ep = -1;
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
		if (t > 0 && pthread_create(&w[t].tid, NULL, work, &w[t]) == 0)
			w[t].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* The calling thread works too; threads that could not start leave
	 * their share to the others (jobs are claimed, not assigned). */
	if (worker_ready(&w[0]))
		work(&w[0]);
	else {
		for (unsigned t = 1; t < threads; t++)
			if (worker_ready(&w[t]) && !w[t].started) {
				work(&w[t]);
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
			if (same_address(a, (struct sockaddr *)&maps[y].addr))
				break;
		if (y == nmaps && nmaps < PORTMAPS)
			memcpy(&maps[nmaps++].addr, a, r->jobs[idx[x]].len);
		else if (y == nmaps)
			all = true;   /* too many addresses: knock all again */
	}
	for (size_t i = 0; i < r->n && !all; i++)
		for (size_t y = 0; y < nmaps; y++)
			if (same_address((void *)&r->jobs[i].addr,
			    (struct sockaddr *)&maps[y].addr)) {
				uint16_t p = port_of((void *)&r->jobs[i].addr);

				maps[y].bits[p / 8] |= (uint8_t)(1u << (p % 8));
			}
	for (size_t x = 0; x < m; x++) {
		uint16_t p = r->slots[idx[x]].lport;
		bool     keep = all;

		for (size_t y = 0; y < nmaps && !keep; y++)
			keep = same_address((void *)&r->jobs[idx[x]].addr,
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
