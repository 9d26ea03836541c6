/* view.h - door watch's full-screen view: the live table (the engine of
 * src/watch/ ticking, door ls's rows), its keys, and the panes the keys
 * open (the card, a kill's plan and report, help). Presenter only: the
 * table's cells are lstable.c's, the card is door who's, a probe is door
 * ls --probe's, a kill is the kill library's. */
#ifndef DOOR_TUI_VIEW_H
#define DOOR_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doors.h"
#include "out/term.h"
#include "tui/jobs.h"
#include "tui/rows.h"
#include "tui/screen.h"
#include "watch/engine.h"

enum pane {
	PANE_NONE,
	PANE_HELP,
	PANE_CARD,      /* door who's card */
	PANE_PLAN,      /* a kill's plan, asking y/N */
	PANE_REPORT,    /* a kill's report, or what went wrong */
};

struct view {
	struct watch             *w;
	const struct door_filter *f;
	struct out_opts           o;
	uint64_t                  interval_ms;
	struct screen             scr;

	struct rows               rows;
	size_t                   *vis;       /* indexes of the rows shown */
	size_t                    nvis, capvis;
	size_t                    width[ROW_NCOLS];   /* natural widths */
	enum rows_sort            sort;
	char                      filter[128];
	bool                      editing;   /* typing after '/' */
	size_t                    sel, top;  /* into vis */
	struct row                selkey;    /* the selected row, by key */
	bool                      have_sel;

	struct jobs               jobs;
	struct job_answer        *answers;   /* probe answers by inode */
	size_t                    nanswers;
	bool                      answers_changed;

	enum pane                 pane;
	struct buf                pane_text;
	char                      pane_title[160];
	size_t                    pane_scroll;
	struct kill              *plan;      /* PANE_PLAN's, waiting for y */
	bool                      running_kill;

	char                      msg[512];
	bool                      msg_warn;
	uint64_t                  ticks, last_tick_ms;
	char                      tick_error[384];
	bool                      quit;
};

/* The view's loop, until q, Ctrl-C, TERM or HUP: 0, or door(1)'s status
 * of a failure. */
int	view_run(struct view *);

/* draw.c */
void	view_draw(struct view *, uint64_t now_ms);
/* Columns of escaped UTF-8 text; the longest prefix of s that fits in
 * cols columns (bytes). */
size_t	view_text_cols(const char *s);
size_t	view_fit(const char *s, size_t cols);

#endif
