/*
 * worker.c - one knocking thread: its own epoll, at most `cap` connects in
 * flight, jobs claimed in chunks from the batch (engine.c has the why of
 * the whole design: the FIFO of deadlines, refused sockets reused).
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knock/engine_int.h"

#define NEVENTS		256
#define STARVE_MS	200    /* wait for sockets held by other threads */
#define FILL_MAX	256    /* starts between two reads of the answers */

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
		if (knock_same_address((struct sockaddr *)&local,
		    (struct sockaddr *)&j->addr)) {
			r->slots[i].verify = true;
			r->slots[i].lport = knock_port_of((struct sockaddr *)&local);
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

void *
worker_run(void *arg)
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

int
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

bool
worker_ready(const struct worker *w)
{
	return w->ep >= 0;
}

void
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
