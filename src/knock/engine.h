/* engine.h - knocking on many doors at once: non-blocking TCP connects. */
#ifndef DOOR_KNOCK_ENGINE_H
#define DOOR_KNOCK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"

enum knock_state {
	KNOCK_OPEN,          /* the handshake completed: someone listens */
	KNOCK_REFUSED,       /* a RST: nobody listens there */
	KNOCK_TIMEOUT,       /* no answer by the deadline (filtered, or a
				listener whose queue is full) */
	KNOCK_UNREACHABLE,   /* no route, no such address here, no IPv6 */
	KNOCK_ERROR,         /* anything else; err holds errno */
};

struct knock_job {
	/* In: where to knock, port included. */
	struct sockaddr_storage addr;
	socklen_t               len;
	/* Out. */
	enum knock_state        state;
	int                     err;    /* errno behind state; 0 when open */
	uint32_t                usec;   /* connect() to the answer */
};

#define KNOCK_TIMEOUT_MS	1000
#define KNOCK_INFLIGHT		1024
#define KNOCK_INFLIGHT_MAX	65536
#define KNOCK_THREADS_MAX	64

struct knock_opts {
	uint32_t timeout_ms;     /* per attempt; 0 means KNOCK_TIMEOUT_MS */
	unsigned max_inflight;   /* 0 means KNOCK_INFLIGHT; capped by
				    RLIMIT_NOFILE (the soft limit is raised
				    toward the hard one while running) */
	unsigned threads;        /* 0: one per core for big batches, else
				    one; each thread has its own epoll */
};

/*
 * Knocks on every job and fills in state, err and usec; the jobs are
 * independent (they may repeat an address). Every job ends with a state by
 * its deadline; jobs start as slots free up, so n jobs take at most about
 * n / max_inflight * timeout_ms. Returns -1 (and e) only when the machine
 * fails (no epoll, no memory); the jobs it could not finish are then
 * KNOCK_ERROR with err ECANCELED. A job that fails is KNOCK_ERROR.
 *
 * A connect to this host that lands on one of door's own sockets is not a
 * listener. A TCP self-connect (the ephemeral source port happens to be
 * the target port on the same address) is reported as refused; an open
 * door whose two ends could be two of door's sockets met halfway is
 * knocked again, alone, after the batch.
 *
 * While it runs, the soft RLIMIT_NOFILE may be raised (it is put back), and
 * its threads block every signal: signals go to the calling thread.
 */
int	knock_run(struct knock_job *jobs, size_t n, const struct knock_opts *,
	    struct door_err *e);

/* "open", "refused", "timeout", "unreachable", "error". */
const char	*knock_state_name(enum knock_state);

/* Sets up a job for addr (any AF_INET/AF_INET6 sockaddr) and port (host
 * order; 0 keeps the port in addr). */
void	knock_job_init(struct knock_job *, const struct sockaddr *addr,
	    socklen_t len, uint16_t port);

/* True when a connected socket's two ends are one address and port: the
 * kernel connected it to itself. local and peer as from getsockname() and
 * the job's address. Exposed for the tests. */
bool	knock_same_endpoint(const struct sockaddr *local,
	    const struct sockaddr *peer);

/* The state an errno from connect() or SO_ERROR means. */
enum knock_state	knock_classify(int err);

#endif
