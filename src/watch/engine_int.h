/* engine_int.h - what the live engine's files share: the engine's state
 * (engine.c ticks it) and its holders, watched for their exits
 * (held.c). */
#ifndef DOOR_WATCH_ENGINE_INT_H
#define DOOR_WATCH_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "watch/engine.h"

/* A holder process the engine watches for its exit. */
struct held {
	pid_t    pid;
	uint64_t start;
	int      fd;        /* pidfd; -1: checked by start time instead */
	bool     gone;      /* exited: its sockets are walked again */
};

struct watch {
	struct watch_opts   o;
	struct door_filter  f;
	bool                has_f;
	struct snap         cur, prev;
	bool                ticked;
	struct watch_event *ev;
	size_t              nev, capev;
	uint64_t            last_change;
	const char         *source;
	struct held        *held;
	size_t              nheld;
	int                *fds;       /* held[i].fd, for one poll */
	bool               *exited;
};

/* held.c: the pidfds (or start times) of every holder of w->cur. */
void	held_close_all(struct watch *);
/* Step 1 of a tick: how many watched holders exited since the last. */
size_t	poll_exits(struct watch *);
/* Whether socket i of s has a holder that exited. */
bool	holder_gone(const struct watch *, const struct snap *s, size_t i);
/* After a tick: the holders of the new state, pidfds kept or opened. */
void	held_update(struct watch *);

#endif
