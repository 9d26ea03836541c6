/* driver.h - inside the probe driver: one door's state (struct ctx) and
 * what its three files share. conn.c does one probe in one connection,
 * hintgate.c holds a probe until its door's owner is known, probe.c picks
 * the probes and runs the doors. Not for use outside src/probe. */
#ifndef DOOR_PROBE_DRIVER_H
#define DOOR_PROBE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"
#include "probe/parse.h"
#include "probe/probe.h"

enum kind {
	K_GREETING, K_HTTP, K_OLLAMA, K_TLS, K_REDIS, K_REDIS_INFO, K_PG_SSL,
	K_PG_STARTUP, K_MEMCACHED, K_HTTPS, K_MONGO, K_MONGO_INFO,
};
#define K_COUNT		(K_MONGO_INFO + 1)

/* Our requestIDs: a MongoDB reply must carry its request's in responseTo. */
#define MONGO_HELLO_ID	1
#define MONGO_INFO_ID	2

/* One door being probed. */
struct ctx {
	struct probe_door *d;
	uint16_t           port;
	uint64_t           deadline;    /* monotonic ms */
	size_t             budget;      /* bytes still allowed */
	char              *buf;         /* PROBE_READ_MAX */
	size_t             len;         /* of the last reply */
	bool               closed;      /* the server hung up */
	int                conn_err;    /* errno of a failed connect */
	struct probe_http  http;
	bool               pg_tls;
	unsigned           dialed;      /* connections that were accepted */
	unsigned           hangups;     /* ...and closed before one byte */
	uint64_t           first;       /* monotonic ms: the first-answer
					   budget ends (0: none) */
	bool               heard;       /* a byte or a hang-up came */
	char               hint[64];    /* the door's, read at its gate */
	enum peer_state    peer;        /* the kernel's word on the last
					   connection that heard nothing */
	int                gate_wake;   /* the gate's eventfd while it is
					   shut: the greeting listens on
					   until it opens; -1 */
};

/* CLOCK_MONOTONIC, in ms and in us. */
uint64_t	probe_now_ms(void);
uint64_t	probe_now_us(void);
/* 1: fd is ready for what; 0: until passed; -1: poll failed. */
int	probe_wait_fd(int fd, short what, uint64_t until);
/* `until`, or the end of the first-answer budget while nothing came. */
uint64_t	probe_cap(const struct ctx *c, uint64_t until);
/*
 * One probe in a fresh connection: connect, send req (none for a
 * greeting), read until the parser decides, the server hangs up, `until`
 * passes or the door's byte budget runs out. Returns the verdict; c->buf
 * and c->len hold the reply; -2 when the connection failed.
 */
int	probe_exchange(struct ctx *c, enum kind k, const void *req,
	    size_t reqlen, uint64_t until, struct probe_id *id);
/* What the bytes so far in c->buf say, for the probe of kind k (final: no
 * more will come). */
int	probe_verdict(struct ctx *c, enum kind k, bool final,
	    struct probe_id *id);
/* DOOR_PROBE_RECORD=DIR keeps the reply as DIR/PORT-KIND.bin. */
void	probe_record(const struct ctx *c, enum kind k);
/* Half of what is left for this probe, all of it for the last one: a
 * silent door cannot eat the time the next probes need. */
uint64_t	probe_slice(const struct ctx *c, bool last);
/* Waits until the gate opens (at most PROBE_GATE_MAX_MS), then copies the
 * door's hint, under the lock the caller wrote it under. */
void	probe_pass_gate(struct probe_gate *g, struct ctx *c);

#endif
