/* table.h - aligned columns; cells are escaped on the way in. */
#ifndef DOOR_OUT_TABLE_H
#define DOOR_OUT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "out/term.h"

#define TABLE_COLS_MAX 12

struct table_col {
	const char *title;
	bool        right;     /* numbers align right */
};

struct table {
	const struct out_opts  *o;
	const struct table_col *cols;
	size_t                  ncols;
	struct buf              cells;   /* NUL-separated escaped cells */
	size_t                  ncells;
	bool                    stream;  /* table_print writes to stdout as
					    it goes (door ls); else all in out */
	bool                    measuring;   /* table_print_rows' first pass */
	unsigned char          *colour;  /* per cell: index into the codes
					    table.c knows, 0 for none (a byte,
					    not a pointer: big tables) */
	size_t                  capcolour;
	size_t                  width[TABLE_COLS_MAX];   /* so far, per column */
};

void	table_init(struct table *, const struct out_opts *,
	    const struct table_col *, size_t ncols);
/* Adds one cell of untrusted text (escaped here) with an optional colour,
 * one of the SGR_* codes of term.h. */
void	table_cell(struct table *, const char *text, const char *sgr_code);
void	table_cellf(struct table *, const char *sgr_code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Appends the table to out; with t->stream, writes out to stdout a chunk
 * at a time instead of holding all of it. */
void	table_print(struct table *, struct buf *out);
void	table_free(struct table *);

/*
 * For tables too big to hold (door ls on a busy machine): rows are made
 * on demand, twice. fn adds the cells of the row that starts at cursor pos
 * (one table_cell per column) and returns the cursor of the next row;
 * cursors run from 0 to n. A first pass measures the columns, a second
 * makes each row again and prints it, so the table holds one row at a
 * time; fn must make the same cells both times. Otherwise as table_print
 * (t->stream included), on a table that has no cells of its own.
 */
typedef size_t	(*table_row_fn)(struct table *, void *ctx, size_t pos);
void	table_print_rows(struct table *, table_row_fn, void *ctx, size_t n,
	    struct buf *out);
/*
 * True when the next cell cannot change the output: in the measuring pass,
 * a last column aligned left (never padded). fn may then add an empty cell
 * instead of working out its text.
 */
bool	table_cell_unseen(const struct table *);

#endif
