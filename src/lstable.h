/* lstable.h - the rows of door ls's table, shared by door ls and door
 * watch's full-screen view: one row per (port, proto, process), the
 * addresses it listens on joined, the service guess last. */
#ifndef DOOR_LSTABLE_H
#define DOOR_LSTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/endpoint.h"
#include "doors.h"
#include "out/table.h"
#include "probes.h"

#define LS_ADDR_CACHE 4

/* Everything a row of the ls table is made from (table_print_rows). */
struct ls_rows {
	const struct out_opts *o;
	const struct snap     *s;
	const struct entry    *v;
	size_t                 n;
	bool                   all;
	const struct probes   *pr;
	struct buf             addrs;
	/* the last user name: rows come in runs of one user, and each name is
	 * asked for twice */
	bool                   have_user;
	uint32_t               user_uid;
	char                   user[64];
	/* addresses lately written out: most listeners of a machine share a
	 * handful (0.0.0.0, ::, loopback, an interface), and inet_ntop goes
	 * through sprintf; each row is made twice */
	struct {
		struct endpoint ep;
		char            text[ENDPOINT_ADDR_MAX];
	}                      addr[LS_ADDR_CACHE];
	size_t                 naddr;
};

/* The table with door ls's columns (all: also STATE and PEER). */
void	ls_table_init(struct table *, const struct out_opts *, bool all);
void	ls_rows_init(struct ls_rows *, const struct out_opts *,
	    const struct snap *, const struct entry *, size_t n, bool all,
	    const struct probes *);
void	ls_rows_free(struct ls_rows *);
/* Whether entries a and b share one row. */
bool	ls_same_row(const struct snap *, const struct entry *a,
	    const struct entry *b);
/* The row of the entries from i on that share it (a table_row_fn);
 * returns the index of the next row's first entry. */
size_t	ls_row(struct table *, void *ctx, size_t i);

#endif
