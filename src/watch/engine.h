/* engine.h - the live engine behind door watch and door ui: ticks that see
 * doors open, close and change hands, cheaply.
 *
 * One tick:
 *   1. one poll(2), no wait, over a pidfd per known holder: who exited;
 *   2. the socket dump, without owners (netlink; /proc/net as a fallback);
 *   3. a diff by inode against the last tick (watch/diff.h, pure);
 *   4. an owner walk (the narrow one door who does: cgroup, uid, everyone)
 *      only for NEW sockets and for sockets a now-exited holder held;
 *   5. events: open, close, owner.
 * A tick on a machine where nothing changed does the dump, the poll and
 * the diff: no /proc walk at all, no process facts read.
 *
 * Owner changes. A holder that exits while its socket stays (a forked
 * worker; a parent that handed the socket to a child and quit) is seen by
 * its pidfd becoming readable, so the socket is walked again and an
 * "owner" event says who holds it now. Pidfds cost one descriptor per
 * holder process and one poll call per tick, whatever their number; the
 * engine raises its soft RLIMIT_NOFILE to the hard limit, and a process
 * it can get no pidfd for is checked by its /proc/PID/stat start time
 * instead (one small read per such process per tick). Not seen: a process
 * that starts holding a socket while every old holder lives on (a fork
 * that keeps the parent alive): the next exit of a holder, or a restart
 * of the watch, shows it. Re-walking every tick would see it, at the cost
 * this engine exists to avoid.
 *
 * Races. Process facts are read through the /proc/PID directory the fds
 * were read through (platform_find_owners), and a pidfd is kept only after
 * its /proc/PID/stat shows the start time the walk recorded: a process
 * that exits between the dump and the walk is missing from the owners,
 * never replaced by whoever gets its pid next. Exits are polled before
 * the dump, so a socket that closes with its holder is a "close", not an
 * "owner" event with nobody.
 *
 * Threads. A struct watch is used by one thread at a time (the ticking
 * one); it holds no global state, so several may exist. door ui runs the
 * ticks in a thread and, after each, renders the tick's events with
 * watch_event_json into lines it fans out to its Server-Sent-Event
 * clients: the lines are plain bytes, owned by the caller.
 *
 *   struct watch *w = watch_new(&opts, &e);
 *   for (;;) {
 *       struct watch_tick t;
 *       if (watch_tick(w, &t, &e) != 0) ...;         a system error
 *       for (size_t i = 0; i < t.nev; i++) {
 *           buf_reset(&line);
 *           watch_event_json(w, &t.ev[i], &line);     one NDJSON line
 *           ...
 *       }
 *       watch_snap(w) is the current state, for tables (doors_entries)
 *       sleep until the next interval
 *   }
 *   watch_free(w);
 *
 * Event socket indexes stay valid until the next watch_tick: open and
 * owner events point into watch_snap(w), close events into watch_prev(w)
 * (the state before this tick: the owners the socket had).
 */
#ifndef DOOR_WATCH_ENGINE_H
#define DOOR_WATCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/records.h"
#include "doors.h"
#include "platform/platform.h"

struct watch_opts {
	/* Ports, protocols, families, source, facts (PROC_HAVE_*) to read
	 * per holder. listening_only is forced; owners is the mode of the
	 * walk for new sockets (OWNER_SKIP reads as OWNER_NARROW). */
	struct sock_query  q;
	/* Applied to events: ranges, --user, --pid, --name (an event for a
	 * socket none of whose owners matches is not made). NULL: none. */
	const struct door_filter *f;
	/* The first tick reports every door already open as an "open";
	 * else it only learns them (a baseline, silent). */
	bool               initial;
};

enum watch_kind {
	WATCH_OPEN,     /* a socket appeared */
	WATCH_CLOSE,    /* a socket is gone */
	WATCH_OWNER,    /* a holder exited; the socket stays (owners now) */
};

/* "open", "close", "owner" */
const char	*watch_kind_name(enum watch_kind);

struct watch_event {
	enum watch_kind kind;
	uint64_t        time_ms;     /* Unix time of the tick, ms */
	uint64_t        inode;
	size_t          sock;        /* open/owner: into watch_snap;
					close: into watch_prev */
	size_t          prev_sock;   /* owner: the socket in watch_prev
					(the owners it had); else SIZE_MAX */
};

/* What one tick saw and what it cost. */
struct watch_tick {
	const struct watch_event *ev;   /* owned by the engine */
	size_t          nev;
	size_t          nsocks;         /* sockets now (after filter: all) */
	size_t          walked;         /* sockets whose owners were looked up */
	size_t          exited;         /* holders seen exiting */
	uint64_t        dump_us, walk_us;
	bool            first;          /* the first tick */
};

struct watch;

struct watch	*watch_new(const struct watch_opts *, struct door_err *);
void		 watch_free(struct watch *);

/* One tick (see above). Returns 0, or -1 with e set (the socket dump
 * failed); the state is then the last good one. */
int	watch_tick(struct watch *, struct watch_tick *, struct door_err *);

/* The state after the last tick: every socket that matches the query,
 * with owners linked (doors_entries works on it). */
const struct snap	*watch_snap(const struct watch *);
/* The state before the last tick (close events point here). */
const struct snap	*watch_prev(const struct watch *);
/* "netlink" or "/proc/net": where the last dump came from. */
const char	*watch_source(const struct watch *);
/* Unix ms of the last tick that had an event; 0: none yet. */
uint64_t	 watch_last_change(const struct watch *);
/* Holder processes watched by pidfd, and by their start time (no pidfd). */
void	watch_counts(const struct watch *, size_t *pidfds, size_t *polled);

/*
 * One event as its NDJSON line (door(1), door watch --json), ending in
 * "\n": {"event":"open"|"close"|"owner","time":"2026-12-03T07:40:00.123Z",
 * "time_ms":N,"socket":{the object door ls --json writes, owners
 * included}} and for "owner" also "previous_owners":[{"pid","name"}].
 * Always valid JSON, whatever bytes a process name holds.
 */
void	watch_event_json(const struct watch *, const struct watch_event *,
	    struct buf *);

#endif
