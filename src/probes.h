/* probes.h - probing this machine's own doors for ls --probe and who:
 * which address to knock on for a socket, and a line of what answered. */
#ifndef DOOR_PROBES_H
#define DOOR_PROBES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/records.h"
#include "probe/probe.h"

/*
 * Probes socks[0..n) (indices into s; only listening TCP sockets are
 * probed, others get conf PROBE_CONF_NONE and error "not probed"), all
 * concurrently, each within timeout_ms. A socket on a wildcard address is
 * reached on its family's loopback. *out is parallel to socks; free() it.
 */
int	probes_run(const struct snap *s, const size_t *socks, size_t n,
	    uint32_t timeout_ms, struct probe_door **out, struct door_err *e);

/* The probes of one run, by socket index. */
struct probes {
	const size_t      *socks;
	struct probe_door *d;       /* parallel to socks */
	size_t             n;
};

/* The probe result for socket `sock`, or NULL when it was not probed. */
const struct probe_result	*probes_of(const struct probes *, size_t sock);

struct entry;

/* Probes every socket of the entries, all at once (1s each); on failure
 * (no threads, no memory) *pr is empty and the listing goes on without. */
void	probes_of_entries(const struct snap *, const struct entry *, size_t n,
	    struct probes *pr);
void	probes_free(struct probes *);

struct door_filter;
struct sock_query;
/* A fresh snapshot of the listening doors q and f select, owners looked
 * for (their names are the probes' hints), and what answers on each (door
 * ls --probe's knock): door ui's probe button, door watch's p and P.
 * -1 with e set when the sockets cannot be read (*s is then empty). The
 * caller frees *s (snap_free), *v and *pr. */
int	probes_snapshot(struct sock_query *q, const struct door_filter *f,
	    struct snap *s, struct entry **v, size_t *n, struct probes *pr,
	    struct door_err *e);

/* The card's probe budget for a first answer, greeting window included,
 * timed from the card's start (the owners' walk runs in it): past it a
 * silent door is shown as "nothing yet after 120 ms" (door(1), "door
 * who"). On loopback a server that is serving answers in a millisecond or
 * two; one silent fifty times that long is not serving now, and the card
 * does not make a person wait to learn it. When the walk takes longer,
 * the probes still get PROBE_GATE_AFTER_MS after it. door probe and door
 * ls --probe wait PROBE_TIMEOUT_MS. */
#define PROBES_CARD_FIRST_MS	120

/*
 * The card's probes (door who, door explain): started as soon as the
 * sockets are known, in a thread of their own, while the owners are looked
 * for. Each door is listened to for its greeting at once, then waits at a
 * gate for its owner's name (the hint that keeps HTTP away from a Redis),
 * and is given up as silent when it said nothing within first_ms
 * (r.silent_ms), the greeting window included. One that answered in time
 * gets the whole PROBE_TIMEOUT_MS to be identified.
 */
struct probes_async {
	size_t            *socks;
	struct probe_door *d;          /* parallel to socks */
	size_t             n;
	struct probe_door *packed;     /* the doors being knocked on */
	size_t             npacked;
	uint32_t           first_ms;
	struct probe_gate  gate;
	bool               have_gate, running, failed;
	pthread_t          tid;
	const struct snap *snap;       /* for the hints, once owners are in */
};

/* Starts probing socks[0..n) of s (listening TCP only); returns at once.
 * On failure (no memory) nothing is probed and probes_finish gives an
 * empty set. */
void	probes_start(struct probes_async *, const struct snap *s,
	    const size_t *socks, size_t n, uint32_t first_ms);
/* The owners are in s now (NULL: the gathering failed, give up): gives
 * the probes their hints, waits for them, and moves the answers to *pr
 * (probes_free). Always call it after probes_start. */
void	probes_finish(struct probes_async *, const struct snap *s,
	    struct probes *pr);

/* "nginx 1.22.1, HTTP 200 (probe)", "TLS 1.3 (probe)", or why nothing
 * answered: "no answer door recognises (timeout)". */
void	probes_describe(const struct probe_result *, char *buf, size_t size);

#endif
