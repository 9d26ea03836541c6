/* term.h - where output goes and whether it may be coloured. */
#ifndef DOOR_OUT_TERM_H
#define DOOR_OUT_TERM_H

#include <stdbool.h>

#include "core/buf.h"

struct out_opts {
	bool json;
	bool color;      /* stdout is a terminal, no NO_COLOR, no --no-color */
	bool numeric;    /* -n: uids and numbers, not names */
	bool quiet;      /* -q: no hints or notes on stderr */
};

/* SGR sequences, or "" when colour is off. */
const char	*sgr(const struct out_opts *, const char *code);
#define SGR_BOLD   "1"
#define SGR_DIM    "2"
#define SGR_RED    "31"
#define SGR_GREEN  "32"
#define SGR_YELLOW "33"
#define SGR_CYAN   "36"
const char	*sgr_reset(const struct out_opts *);

/* Writes the whole buffer to fd 1 / fd 2; -1 on a write error. */
int	out_flush(struct buf *);
int	err_flush(struct buf *);
/* One diagnostic line on stderr, prefixed "door: ", escaped. */
void	out_error(const char *msg);
void	out_note(const struct out_opts *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
