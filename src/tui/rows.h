/* rows.h - the rows door watch's full-screen view shows: door ls's rows
 * (src/lstable.c makes their cells, escaped), kept from tick to tick so a
 * row that appeared is marked for a while and a row that went away stays,
 * dimmed, for a while. No terminal calls here: the merge, the marks, the
 * text filter and the sorts are plain data (tests/unit/test-tuirows.c). */
#ifndef DOOR_TUI_ROWS_H
#define DOOR_TUI_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/records.h"
#include "doors.h"
#include "probes.h"

/* door ls's columns: PORT PROTO ADDRESS PID PROCESS USER SERVICE */
enum { ROW_PORT, ROW_PROTO, ROW_ADDRESS, ROW_PID, ROW_PROCESS, ROW_USER,
       ROW_SERVICE, ROW_NCOLS };

/* How long a new row is marked, and a vanished one is still shown. */
#define ROWS_MARK_MS 3000

enum rows_sort { SORT_PORT, SORT_PROCESS, SORT_USER, SORT_AGE, SORT_N };
const char	*rows_sort_name(enum rows_sort);

struct row {
	char       *cell[ROW_NCOLS];  /* escaped, one allocation (cell[0]) */
	uint16_t    port;
	enum proto  proto;
	pid_t       pid;              /* 0: no holder known */
	uint32_t    uid;
	uint64_t    start_ticks;      /* the holder's start: the age sort */
	uint64_t    born_ms;          /* when it appeared; 0: at the start */
	uint64_t    gone_ms;          /* when it vanished; 0: it is there */
	bool        shown;            /* passes the text filter */
};

struct rows {
	struct row *r;
	size_t      n, cap;
	size_t      present;      /* rows not gone */
	size_t      doors;        /* distinct (port, proto) not gone */
	bool        oom;
};

void	rows_init(struct rows *);
void	rows_free(struct rows *);

/*
 * The rows of snapshot s (cells as door ls makes them with o) (entries v[0..n), as doors_entries sorts them,
 * with the probe answers pr, may be NULL), merged into rs at time now_ms:
 * a row is the same row when its port, protocol, holder pid and user are
 * (door ls's grouping). A row not seen before is born now (first: at the
 * start, unmarked); a row no longer there is gone now, and dropped
 * ROWS_MARK_MS later. Returns -1 when memory ran out (rs keeps what it
 * had), else 0.
 */
struct out_opts;
int	rows_update(struct rows *, const struct out_opts *, const struct snap *s,
	    const struct entry *v, size_t n, const struct probes *pr,
	    uint64_t now_ms, bool first);
/* Drops gone rows older than ROWS_MARK_MS; true when one was dropped. */
bool	rows_expire(struct rows *, uint64_t now_ms);
/* Sets shown by the text filter (case-insensitive, any cell; "" or NULL:
 * every row), then sorts. */
void	rows_arrange(struct rows *, const char *filter, enum rows_sort);

bool	row_is_new(const struct row *, uint64_t now_ms);
/* The same row (port, proto, pid, uid)? */
bool	row_same(const struct row *, const struct row *);

#endif
