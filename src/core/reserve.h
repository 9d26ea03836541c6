/* reserve.h - the reservation file of door next, parsed and written. Pure:
 * bytes in, records out, no system calls (the I/O and the locking are in
 * src/platform/linux/reserve_io.c).
 *
 * The file is text, one reservation a line, after a header:
 *
 *	# door reservations v1
 *	3001 tcp 1718000030000 4242
 *
 * PORT PROTO EXPIRES PID: a port 1-65535, "tcp" or "udp", when the
 * reservation ends (Unix time in milliseconds) and the pid of the process
 * that asked (door's parent; 0 when it is outside door's pid namespace).
 * Numbers are canonical decimal, fields are separated by one space, every
 * line ends with '\n'.
 */
#ifndef DOOR_CORE_RESERVE_H
#define DOOR_CORE_RESERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/records.h"

#define RESERVE_HEADER		"# door reservations v1\n"
/*
 * A bigger file is not read at all: it is rebuilt. Real files hold a few
 * lines, but every file door writes must read back: at most 2 x 65535
 * lines of at most 32 bytes (a 13-digit expiry lasts until 2286) and the
 * header, just under 4 MiB.
 */
#define RESERVE_FILE_MAX	(4 * 1024 * 1024 + 4096)
/* The longest valid line is 38 bytes; anything longer is junk. */
#define RESERVE_LINE_MAX	64
/* door next --reserve takes at most 24h (duration.h); an expiry further
 * away than that (plus a minute for clock skew between two door runs) was
 * not written by door, or the clock went back a long way. */
#define RESERVE_DUR_MAX_MS	(24ULL * 3600 * 1000)
#define RESERVE_SKEW_MS		(60ULL * 1000)
/* Linux's PID_MAX_LIMIT. */
#define RESERVE_PID_MAX		4194304
/* One entry per port and protocol at most. */
#define RESERVE_ENTRIES_MAX	(2 * 65536)

struct reservation {
	uint16_t   port;
	enum proto proto;
	uint64_t   expires_ms;   /* Unix time, milliseconds */
	uint32_t   pid;
};

/* Sorted by port, then protocol (tcp first); one entry per pair. */
struct reserve_set {
	struct reservation *v;
	size_t              n, cap;
	/* What reserve_parse dropped, so the command can say so. */
	size_t              expired;     /* past their time: quietly gone */
	size_t              bad;         /* lines that are not reservations */
	bool                bad_header;  /* the first line is not ours */
	bool                too_big;     /* longer than RESERVE_FILE_MAX */
	bool                oom;         /* memory ran out: entries missing */
};

void	reserve_init(struct reserve_set *);
void	reserve_free(struct reserve_set *);

/*
 * Reads a reservation file: keeps every valid line whose time has not come
 * (expires_ms > now_ms), drops the rest and counts why. Never fails on bad
 * input: a line that is not exactly a reservation, or holds an absurd
 * value (port 0, an expiry beyond now + 24h, a pid beyond PID_MAX_LIMIT),
 * is counted in `bad` and skipped. Returns -1 only when memory runs out
 * (set->oom).
 */
int	reserve_parse(const char *s, size_t len, uint64_t now_ms,
	    struct reserve_set *);

/* True when the file was not what door writes: rebuild it and say so. */
bool	reserve_corrupt(const struct reserve_set *);

/* The reservation of port/proto, or NULL. */
const struct reservation	*reserve_find(const struct reserve_set *,
	    uint16_t port, enum proto);

/* Adds a reservation, or extends the one already there to the later of
 * the two expiries. Returns -1 for port 0 or expiry 0 (never written), or
 * when memory runs out (set->oom). */
int	reserve_add(struct reserve_set *, uint16_t port, enum proto,
	    uint64_t expires_ms, uint32_t pid);

/* Appends the whole file: the header and every entry still running at
 * now_ms, in order. reserve_parse reads it back exactly. */
void	reserve_format(const struct reserve_set *, uint64_t now_ms,
	    struct buf *);

#endif
