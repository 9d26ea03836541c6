/* screen.h - the terminal of door watch's full-screen view, through
 * ncurses (as htop does): started only on a terminal that can, and given
 * back as it was however door leaves: q, Ctrl-C, SIGTERM, SIGHUP, exit(),
 * or a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: the terminal is
 * restored with async-signal-safe writes, then the signal goes on to the
 * handler that was there before, a sanitizer's or the default).
 *
 * While the screen is up, stderr goes to a temporary file, so that a note
 * written by shared code cannot scribble over the table; screen_stop
 * writes what was said there to the real stderr, after the terminal is
 * back. */
#ifndef DOOR_TUI_SCREEN_H
#define DOOR_TUI_SCREEN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Colour pairs (when colour is on). */
enum { PAIR_NEW = 1, PAIR_GONE, PAIR_PROCESS, PAIR_WARN, PAIR_BAR, PAIR_SEL };

struct screen {
	bool color;        /* colour is on: a terminal that has it, no NO_COLOR */
	bool utf8;         /* the locale's characters are UTF-8 */
	bool up;
};

/*
 * Takes the terminal. Returns 0; or 1 when this terminal cannot show the
 * view (not a terminal, TERM unset or dumb, a TERM ncurses does not know),
 * with the reason in why: the caller streams events instead.
 */
int	screen_start(struct screen *, bool want_color, char *why, size_t size);
void	screen_stop(struct screen *);

/* Readable when SIGINT, SIGTERM or SIGHUP came; screen_quit_signal says
 * which (0: none). */
int	screen_quit_fd(void);
int	screen_quit_signal(void);

#endif
