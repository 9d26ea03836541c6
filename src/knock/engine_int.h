/*
 * engine_int.h - what the knock engine's files share (engine.c runs the
 * passes, worker.c is one thread's connect loop, verdict.c the states).
 * Not for use outside src/knock/engine*.c, worker.c and verdict.c.
 */
#ifndef DOOR_KNOCK_ENGINE_INT_H
#define DOOR_KNOCK_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "knock/engine.h"

#define CHUNK		64     /* jobs claimed at a time by a thread */

/* Per job; touched only by the thread that claimed it. */
struct slot {
	uint64_t t0;       /* ns, when connect() was called */
	uint16_t lport;    /* open: our end's port (host order) */
	bool     verify;   /* open, but both ends on one address: see below */
};

struct conn;

/* One batch, shared by its threads. */
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

/* Sets up a thread's sockets and epoll for up to cap connects; on failure
 * fail_errno/fail_what say why and worker_ready is false. */
int	worker_init(struct worker *, struct run *, unsigned cap);
bool	worker_ready(const struct worker *);
void	worker_free(struct worker *);
/* A thread's loop: claims jobs until none are left (pthread start routine;
 * the calling thread runs it too). */
void	*worker_run(void *worker);

/* Same address, any port. */
bool	knock_same_address(const struct sockaddr *, const struct sockaddr *);
uint16_t	knock_port_of(const struct sockaddr *);

#endif
