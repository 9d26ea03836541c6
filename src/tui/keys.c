/* keys.c - door watch's keys, and the panes and jobs they start
 * (view.h): the card, a probe, a kill's plan, its run and report. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/view.h"
#include "tui/view_int.h"

#define KEY_ESC 27

static const char help_text[] =
    "door watch: every open door, live. Rows marked + appeared in the last\n"
    "3 s; rows marked - (dimmed) have just closed.\n"
    "\n"
    "  Up/Down, j/k     move the selection (PgUp/PgDn, g/G: page, ends)\n"
    "  Enter            the door's card: who holds it, since when, from\n"
    "                   where, and what answers (door who PORT)\n"
    "  p                probe the selected door: what answers there\n"
    "  P                probe every TCP door (door ls --probe)\n"
    "  x                free the selected door, as door kill PORT does:\n"
    "                   the plan first, then y to stop it; the report\n"
    "                   says what was done and names a respawn\n"
    "  /                filter the rows by text (any column); Esc clears\n"
    "  s                sort by port, process, user, age (newest first)\n"
    "  Ctrl-L           draw the screen again\n"
    "  ?                this help;  Esc, q: close a pane\n"
    "  q, Ctrl-C        quit (the terminal is given back as it was)\n"
    "\n"
    "The header says how many doors are open, when the last change was\n"
    "seen, where the sockets were read (netlink or /proc/net) and how\n"
    "often. Without a terminal, door watch writes one JSON event a line\n"
    "(door(1), JSON OUTPUT, watch).\n";

static const struct row *
selected(struct view *v)
{
	if (v->nvis == 0) {
		view_say(v, true, "no door selected");
		return NULL;
	}
	return &v->rows.r[v->vis[v->sel]];
}

static void
start(struct view *v, enum job_kind kind, const struct row *r, bool all,
    const char *what)
{
	struct door_err e;
	struct job      j;

	memset(&j, 0, sizeof j);
	j.kind = kind;
	j.all = all;
	j.numeric = v->o.numeric;
	if (r != NULL) {
		j.port = r->port;
		j.proto = r->proto;
	}
	err_clear(&e);
	if (jobs_busy(&v->jobs)) {
		view_say(v, true, "still busy with the last key; a moment");
		return;
	}
	if (jobs_start(&v->jobs, &j, &e) != 0) {
		view_say(v, true, "%s: %s", what, e.msg);
		return;
	}
	view_say(v, false, "%s...", what);
}

static void
open_pane(struct view *v, enum pane p, const char *title, struct buf *text)
{
	v->pane = p;
	v->pane_scroll = 0;
	snprintf(v->pane_title, sizeof v->pane_title, "%s", title);
	buf_free(&v->pane_text);
	v->pane_text = *text;
	buf_init(text);
}

static void
merge_answers(struct view *v, struct job *j)
{
	struct job_answer *all;
	size_t             n = v->nanswers;

	if (j->nanswers == 0)
		return;
	all = realloc(v->answers, (n + j->nanswers) * sizeof *all);
	if (all == NULL)
		return;
	/* new answers first, so that a door probed again keeps the newest */
	memmove(all + j->nanswers, all, n * sizeof *all);
	memcpy(all, j->answers, j->nanswers * sizeof *all);
	n += j->nanswers;
	qsort(all, n, sizeof *all, view_answer_cmp);
	v->answers = all;
	v->nanswers = 0;
	for (size_t i = 0; i < n; i++)
		if (v->nanswers == 0 || all[v->nanswers - 1].inode !=
		    all[i].inode)
			all[v->nanswers++] = all[i];
	v->answers_changed = true;
}

void
view_job_done(struct view *v)
{
	struct job j;
	char       title[160];

	if (!jobs_done(&v->jobs, &j))
		return;
	switch (j.kind) {
	case JOB_CARD:
		snprintf(title, sizeof title, "door who %u%s", j.port,
		    j.proto == PROTO_UDP ? " --udp" : "");
		if (j.text.len == 0)
			buf_adds(&j.text, "(nothing to show)\n");
		open_pane(v, PANE_CARD, title, &j.text);
		view_say(v, false, "card of %u/%s in %llu ms", j.port,
		    j.proto == PROTO_UDP ? "udp" : "tcp",
		    (unsigned long long)j.ms);
		break;
	case JOB_PROBE:
		merge_answers(v, &j);
		view_say(v, j.status != DOOR_OK, "%s", buf_str(&j.text));
		view_rebuild(v, false);
		break;
	case JOB_PLAN:
		snprintf(title, sizeof title, "door kill %u%s", j.port,
		    j.proto == PROTO_UDP ? " --udp" : "");
		if (j.k == NULL) {
			open_pane(v, PANE_REPORT, title, &j.text);
			view_say(v, true, "nothing was stopped");
		} else if (kill_nobody(j.k)) {
			view_say(v, false, "nobody is behind %u: nothing to stop",
			    j.port);
		} else {
			buf_printf(&j.text, "\n%s [y/N]\n", kill_question(j.k));
			open_pane(v, PANE_PLAN, title, &j.text);
			v->plan = j.k;
			j.k = NULL;
			view_say(v, false, "y stops it; any other key keeps it");
		}
		break;
	case JOB_RUN:
		snprintf(title, sizeof title, "door kill %u: done", j.port);
		v->running_kill = false;
		open_pane(v, PANE_REPORT, title, &j.text);
		view_say(v, j.status != DOOR_OK, "door kill %u: %s", j.port,
		    j.status == DOOR_OK ? "the door is free" :
		    "see the report (status " );
		if (j.status != DOOR_OK) {
			size_t len = strlen(v->msg);

			snprintf(v->msg + len, sizeof v->msg - len, "%d)",
			    j.status);
		}
		break;
	case JOB_NONE:
		break;
	}
	job_clear(&j);
}

static void
close_pane(struct view *v)
{
	if (v->plan != NULL) {
		kill_decline(v->plan);
		kill_free(v->plan);
		v->plan = NULL;
		view_say(v, false, "kept: nothing was stopped");
	}
	v->pane = PANE_NONE;
	buf_free(&v->pane_text);
}

static int
body_lines(void)
{
	return LINES - 4 > 1 ? LINES - 4 : 1;
}

static void
move_sel(struct view *v, long by)
{
	long n = (long)v->nvis, s = (long)v->sel + by;

	if (n == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= n)
		s = n - 1;
	v->sel = (size_t)s;
	v->selkey = v->rows.r[v->vis[v->sel]];
	v->have_sel = true;
}

void
view_keep_visible(struct view *v)
{
	size_t h = (size_t)body_lines();

	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + h)
		v->top = v->sel - h + 1;
	if (v->top > 0 && v->top + h > v->nvis)
		v->top = v->nvis > h ? v->nvis - h : 0;
}

static void
key_filter(struct view *v, int ch)
{
	size_t len = strlen(v->filter);

	if (ch == KEY_ESC) {
		v->filter[0] = '\0';
		v->editing = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
		v->editing = false;
	else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len > 0)
			v->filter[len - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof v->filter) {
		v->filter[len] = (char)ch;
		v->filter[len + 1] = '\0';
	}
	view_arrange(v);
}

static void
key_pane(struct view *v, int ch)
{
	if (v->running_kill)
		return;        /* the report comes; nothing to decide now */
	if (v->pane == PANE_PLAN) {
		if (ch == 'y' || ch == 'Y') {
			struct door_err e;
			struct job      j;

			memset(&j, 0, sizeof j);
			j.kind = JOB_RUN;
			j.k = v->plan;
			j.numeric = v->o.numeric;
			j.port = (uint16_t)strtoul(v->plan->words[0], NULL, 10);
			err_clear(&e);
			if (jobs_start(&v->jobs, &j, &e) != 0) {
				view_say(v, true, "cannot stop it now: %s", e.msg);
				close_pane(v);
				return;
			}
			v->plan = NULL;        /* the job's now */
			v->running_kill = true;
			view_say(v, false, "stopping what holds %s...",
			    j.k->words[0]);
			return;
		}
		close_pane(v);
		return;
	}
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (v->pane_scroll > 0)
			v->pane_scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		v->pane_scroll++;
		break;
	case KEY_PPAGE:
		v->pane_scroll = v->pane_scroll > (size_t)body_lines() ?
		    v->pane_scroll - (size_t)body_lines() : 0;
		break;
	case KEY_NPAGE:
	case ' ':
		v->pane_scroll += (size_t)body_lines();
		break;
	case 'q':
	case KEY_ESC:
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_LEFT:
	case '?':
		close_pane(v);
		break;
	default:
		break;
	}
}

static void
key_table(struct view *v, int ch)
{
	const struct row *r;

	switch (ch) {
	case 'q':
	case 'Q':
		v->quit = true;
		break;
	case KEY_UP:
	case 'k':
		move_sel(v, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(v, 1);
		break;
	case KEY_PPAGE:
		move_sel(v, -body_lines());
		break;
	case KEY_NPAGE:
		move_sel(v, body_lines());
		break;
	case KEY_HOME:
	case 'g':
		move_sel(v, -(long)v->nvis);
		break;
	case KEY_END:
	case 'G':
		move_sel(v, (long)v->nvis);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if ((r = selected(v)) != NULL)
			start(v, JOB_CARD, r, false, "making the card");
		break;
	case 'p':
		if ((r = selected(v)) != NULL) {
			if (r->proto == PROTO_UDP)
				view_say(v, true, "UDP doors are not probed (no "
				    "reply proves anything)");
			else
				start(v, JOB_PROBE, r, false, "probing");
		}
		break;
	case 'P':
		start(v, JOB_PROBE, NULL, true, "probing every TCP door");
		break;
	case 'x':
		if ((r = selected(v)) == NULL)
			break;
		if (r->gone_ms != 0) {
			view_say(v, true, "%u has just closed: nothing to free",
			    r->port);
			break;
		}
		start(v, JOB_PLAN, r, false, "looking at who holds it");
		break;
	case '/':
		v->editing = true;
		break;
	case 's':
		v->sort = (enum rows_sort)((v->sort + 1) % SORT_N);
		view_arrange(v);
		view_say(v, false, "sorted by %s", rows_sort_name(v->sort));
		break;
	case '?':
	case 'h':
		{
			struct buf b;

			buf_init(&b);
			buf_adds(&b, help_text);
			open_pane(v, PANE_HELP, "door watch: keys", &b);
		}
		break;
	case KEY_ESC:
		if (v->filter[0]) {
			v->filter[0] = '\0';
			view_arrange(v);
		}
		v->msg[0] = '\0';
		break;
	case 12:   /* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

void
view_keys(struct view *v)
{
	int ch;

	while ((ch = getch()) != ERR) {
		if (ch == KEY_RESIZE)
			continue;        /* drawn again below */
		if (v->editing)
			key_filter(v, ch);
		else if (v->pane != PANE_NONE)
			key_pane(v, ch);
		else
			key_table(v, ch);
		view_keep_visible(v);
		if (v->quit)
			return;
	}
}
