/* probe.h - what actually answers behind a door: the probe driver. It owns
 * all of door probe's I/O (the parsers in parse.h are pure). Never prints,
 * never exits. door probe, door who and door ls --probe call probe_run. */
#ifndef DOOR_PROBE_PROBE_H
#define DOOR_PROBE_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "probe/parse.h"

#define PROBE_TIMEOUT_MS	1000     /* per door, everything included */
#define PROBE_READ_MAX		65536    /* bytes read per door, at most */
#define PROBE_GREETING_MS	200      /* how long a door may stay silent
					    before door speaks first */
#define PROBE_GATE_MAX_MS	60000    /* the longest a probe waits at its
					    gate (probe_opts.gate) for hints */
#define PROBE_GATE_AFTER_MS	25       /* the least a gated door is given,
					    once its owner is known, to answer
					    the probes that speak */
#define PROBE_THREADS_MAX	64
#define PROBE_HOST_MAX		300

/* Where an answer came from (DESIGN.md: usually, process, probe). */
enum probe_conf {
	PROBE_CONF_NONE,      /* nothing known */
	PROBE_CONF_USUALLY,   /* the port table: what the number usually is */
	PROBE_CONF_PROCESS,   /* the owner's process name */
	PROBE_CONF_PROBE,     /* the service answered */
};

/* What the clues said before any byte was sent: the owner's process name,
 * else the port table. Kept whatever the probe then found, so the output
 * can show the clue beside the proof, or beside what contradicted it. */
struct probe_clue {
	enum probe_conf conf;           /* PROCESS, USUALLY or NONE */
	char            service[PROBE_SERVICE_MAX];
	char            product[PROBE_PRODUCT_MAX];
};

struct probe_result {
	enum probe_conf conf;
	struct probe_id id;             /* service/product/version/detail */
	bool            tls;            /* a TLS handshake answered */
	char            tls_version[PROBE_VERSION_MAX];  /* "1.3", "" */
	int             http_status;    /* 0: no HTTP reply */
	char            http_server[128];
	char            http_powered_by[64];
	uint32_t        usec;           /* the whole probe of this door */
	size_t          bytes;          /* read, all probes together */
	int             err;            /* errno when the door would not
					   even connect (ECONNREFUSED...) */
	char            error[PROBE_DETAIL_MAX];  /* "" when identified */
	/* Not 0: the door said nothing at all (no byte, no hang-up) within
	 * the first-answer budget (probe_opts.first_ms, this many ms), and
	 * the probe stopped there; error says "nothing yet after N ms". */
	uint32_t        silent_ms;
	struct probe_clue clue;
};

struct probe_door {
	/* In. */
	struct sockaddr_storage addr;   /* port included */
	socklen_t               len;
	char                    host[PROBE_HOST_MAX];  /* Host header and
						          SNI: "localhost:3000" */
	char                    hint[64];  /* the owner's process name
					      ("redis-server"), "" if unknown */
	/* Out. */
	struct probe_result     r;
};

/*
 * Where probes wait for their hints: a door can be listened to (the
 * greeting) before its owner is known, but nothing is said to it before
 * the hint that may forbid it (a Redis gets no HTTP). The caller fills
 * every door's hint under mu, then sets open and broadcasts (probe_gate_
 * open). While the gate is shut the door's greeting connection keeps
 * listening (the owners' walk is time the door may as well speak in). A
 * probe waits at most PROBE_GATE_MAX_MS. Its whole deadline moves on by the
 * wait, so a door that answers gets its full timeout; its first-answer
 * budget does not (the card's silence is timed from its start, the walk
 * included), but leaves it at least PROBE_GATE_AFTER_MS after the gate.
 */
struct probe_gate {
	pthread_mutex_t mu;
	pthread_cond_t  cv;      /* CLOCK_MONOTONIC */
	bool            open;
	int             wake;    /* an eventfd, readable once open; -1 */
};

void	probe_gate_init(struct probe_gate *);
/* Runs fill(ctx) under the lock (it may write the doors' hints), then
 * lets every waiting probe go on. */
void	probe_gate_open(struct probe_gate *, void (*fill)(void *), void *ctx);
void	probe_gate_destroy(struct probe_gate *);

struct probe_opts {
	uint32_t timeout_ms;    /* per door; 0 means PROBE_TIMEOUT_MS */
	unsigned threads;       /* 0: one per door, at most
				   PROBE_THREADS_MAX */
	/* The first-answer budget, greeting window included: a door that
	 * has said nothing (no byte, no hang-up) this long is left as silent
	 * (r.silent_ms); one that answered in time gets the rest of
	 * timeout_ms to be identified. 0: no such budget (door probe). */
	uint32_t first_ms;
	struct probe_gate *gate;   /* NULL: the hints are in already */
};

/* Sets up a door: addr with port (host order; 0 keeps addr's), the host
 * text for Host: and SNI (NULL: the address), the process hint (NULL). */
void	probe_door_init(struct probe_door *, const struct sockaddr *addr,
	    socklen_t len, uint16_t port, const char *host, const char *hint);

/*
 * Probes every door, many at once (a thread each, up to opts->threads):
 * n doors take about as long as the slowest. Per door: one connection to
 * listen for a greeting (SSH, SMTP, FTP, MySQL), then probes in the order
 * the clues say (the port table, the hint), each in a fresh connection,
 * cheapest and most harmless first; never HTTP to a door the clues call
 * Redis; no command that changes a server's state. Everything within
 * timeout_ms and PROBE_READ_MAX bytes per door.
 * With o->first_ms, a door silent that long is given up (r.silent_ms);
 * with o->gate, the hints are waited for after the greeting.
 * Each door ends with r.conf PROBE_CONF_PROBE (identified) or with
 * r.error saying why not. Then: when the door answered, but in no protocol
 * door knows (junk, or a hang-up on every connection), the answer itself
 * contradicts the clue and r.conf is PROBE_CONF_NONE ("unknown"); when it
 * said nothing at all, the clue stands, unproven: r.conf USUALLY/PROCESS
 * and r.id.service/product from it. r.clue always holds the clue.
 * Returns -1 (and e) only when the machine fails (threads, memory).
 */
int	probe_run(struct probe_door *, size_t n, const struct probe_opts *,
	    struct door_err *e);

/* "probe", "process", "usually", "none". */
const char	*probe_conf_name(enum probe_conf);

/* The service id the port table's name or a process name suggests
 * ("redis", "postgresql", "http"...), or NULL when they say nothing. */
const char	*probe_service_of_known(const char *known_name);
const char	*probe_service_of_process(const char *process);

#endif
