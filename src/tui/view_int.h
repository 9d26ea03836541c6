/* view_int.h - what view.c (the loop) and keys.c (the keys) share. */
#ifndef DOOR_TUI_VIEW_INT_H
#define DOOR_TUI_VIEW_INT_H

#include <stdbool.h>

#include "tui/view.h"

/* The message line. */
void	view_say(struct view *, bool warn, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The rows shown (filter, sort), their widths, the selection kept. */
void	view_arrange(struct view *);
/* The table again from the engine's state (first: the first tick). */
void	view_rebuild(struct view *, bool first);
/* struct job_answer by inode (qsort, bsearch). */
int	view_answer_cmp(const void *, const void *);

/* keys.c: every key waiting; the finished job; the selection on screen. */
void	view_keys(struct view *);
void	view_job_done(struct view *);
void	view_keep_visible(struct view *);

#endif
