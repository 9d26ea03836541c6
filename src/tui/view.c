/* view.c - door watch's loop and keys (view.h). One thread owns the
 * terminal and the engine: it ticks every interval, reads keys, and hears
 * from the one background job (jobs.h) through a pipe, so the table keeps
 * moving while a card is made, a door probed or a kill carried out. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/view.h"

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

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
say(struct view *v, bool warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct view *v, bool warn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof v->msg, fmt, ap);
	va_end(ap);
	v->msg_warn = warn;
}

static int
answer_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct job_answer *)a)->inode;
	uint64_t y = ((const struct job_answer *)b)->inode;

	return x < y ? -1 : x > y;
}

/* The probe answers kept for the sockets of s, as ls_row takes them; the
 * answers of sockets that are gone are dropped. */
static void
answers_for(struct view *v, const struct snap *s, struct probes *pr)
{
	size_t            *socks;
	struct probe_door *d;
	bool              *kept;
	size_t             m = 0, w = 0;

	memset(pr, 0, sizeof *pr);
	if (v->nanswers == 0)
		return;
	socks = malloc(v->nanswers * sizeof *socks);
	d = calloc(v->nanswers, sizeof *d);
	kept = calloc(v->nanswers, sizeof *kept);
	if (socks == NULL || d == NULL || kept == NULL) {
		free(socks);
		free(d);
		free(kept);
		return;
	}
	for (size_t i = 0; i < s->nsocks && m < v->nanswers; i++) {
		struct job_answer  key, *a;

		key.inode = s->socks[i].inode;
		if (key.inode == 0 || (a = bsearch(&key, v->answers,
		    v->nanswers, sizeof *a, answer_cmp)) == NULL)
			continue;
		kept[a - v->answers] = true;
		socks[m] = i;
		d[m].r = a->r;
		m++;
	}
	for (size_t i = 0; i < v->nanswers; i++)
		if (kept[i])
			v->answers[w++] = v->answers[i];
	v->nanswers = w;
	free(kept);
	pr->socks = socks;
	pr->d = d;
	pr->n = m;
}

/* The rows shown (filter, sort), their widths, and the selection kept on
 * the same row when it is still there. */
static void
arrange(struct view *v)
{
	size_t n = 0;

	rows_arrange(&v->rows, v->filter, v->sort);
	if (v->rows.n > v->capvis) {
		size_t *nv = realloc(v->vis, v->rows.n * sizeof *nv);

		if (nv == NULL) {
			say(v, true, "out of memory");
			v->nvis = 0;
			return;
		}
		v->vis = nv;
		v->capvis = v->rows.n;
	}
	memset(v->width, 0, sizeof v->width);
	for (size_t i = 0; i < v->rows.n; i++) {
		const struct row *r = &v->rows.r[i];

		if (!r->shown)
			continue;
		for (size_t c = 0; c < ROW_NCOLS; c++) {
			size_t w = view_text_cols(r->cell[c]);

			if (w > v->width[c])
				v->width[c] = w;
		}
		if (v->have_sel && row_same(r, &v->selkey))
			v->sel = n;
		v->vis[n++] = i;
	}
	v->nvis = n;
	if (v->sel >= n)
		v->sel = n ? n - 1 : 0;
	if (n > 0) {
		v->selkey = v->rows.r[v->vis[v->sel]];
		v->have_sel = true;
	}
}

/* The table again from the engine's state. */
static void
rebuild(struct view *v, bool first)
{
	const struct snap *s = watch_snap(v->w);
	struct door_err    e;
	struct entry      *ent = NULL;
	struct probes      pr;
	size_t             n = 0;

	err_clear(&e);
	if (doors_entries(s, v->f, &ent, &n, &e) != 0) {
		say(v, true, "%s", e.msg);
		return;
	}
	answers_for(v, s, &pr);
	if (rows_update(&v->rows, &v->o, s, ent, n, &pr, wall_ms(),
	    first) != 0)
		say(v, true, "out of memory: the table is not up to date");
	free((void *)pr.socks);
	free(pr.d);
	free(ent);
	v->answers_changed = false;
	arrange(v);
}

static void
tick(struct view *v)
{
	struct watch_tick t;
	struct door_err   e;

	err_clear(&e);
	if (watch_tick(v->w, &t, &e) != 0) {
		snprintf(v->tick_error, sizeof v->tick_error,
		    "cannot read the sockets: %s (showing the last good table)",
		    e.msg);
		return;
	}
	v->tick_error[0] = '\0';
	v->ticks++;
	v->last_tick_ms = wall_ms();
	if (t.first || t.nev > 0 || v->answers_changed)
		rebuild(v, t.first);
	else if (rows_expire(&v->rows, wall_ms()))
		arrange(v);
}

static const struct row *
selected(struct view *v)
{
	if (v->nvis == 0) {
		say(v, true, "no door selected");
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
		say(v, true, "still busy with the last key; a moment");
		return;
	}
	if (jobs_start(&v->jobs, &j, &e) != 0) {
		say(v, true, "%s: %s", what, e.msg);
		return;
	}
	say(v, false, "%s...", what);
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
	qsort(all, n, sizeof *all, answer_cmp);
	v->answers = all;
	v->nanswers = 0;
	for (size_t i = 0; i < n; i++)
		if (v->nanswers == 0 || all[v->nanswers - 1].inode !=
		    all[i].inode)
			all[v->nanswers++] = all[i];
	v->answers_changed = true;
}

static void
job_done(struct view *v)
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
		say(v, false, "card of %u/%s in %llu ms", j.port,
		    j.proto == PROTO_UDP ? "udp" : "tcp",
		    (unsigned long long)j.ms);
		break;
	case JOB_PROBE:
		merge_answers(v, &j);
		say(v, j.status != DOOR_OK, "%s", buf_str(&j.text));
		rebuild(v, false);
		break;
	case JOB_PLAN:
		snprintf(title, sizeof title, "door kill %u%s", j.port,
		    j.proto == PROTO_UDP ? " --udp" : "");
		if (j.k == NULL) {
			open_pane(v, PANE_REPORT, title, &j.text);
			say(v, true, "nothing was stopped");
		} else if (kill_nobody(j.k)) {
			say(v, false, "nobody is behind %u: nothing to stop",
			    j.port);
		} else {
			buf_printf(&j.text, "\n%s [y/N]\n", kill_question(j.k));
			open_pane(v, PANE_PLAN, title, &j.text);
			v->plan = j.k;
			j.k = NULL;
			say(v, false, "y stops it; any other key keeps it");
		}
		break;
	case JOB_RUN:
		snprintf(title, sizeof title, "door kill %u: done", j.port);
		v->running_kill = false;
		open_pane(v, PANE_REPORT, title, &j.text);
		say(v, j.status != DOOR_OK, "door kill %u: %s", j.port,
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
		say(v, false, "kept: nothing was stopped");
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

static void
keep_visible(struct view *v)
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
	arrange(v);
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
				say(v, true, "cannot stop it now: %s", e.msg);
				close_pane(v);
				return;
			}
			v->plan = NULL;        /* the job's now */
			v->running_kill = true;
			say(v, false, "stopping what holds %s...",
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
				say(v, true, "UDP doors are not probed (no "
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
			say(v, true, "%u has just closed: nothing to free",
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
		arrange(v);
		say(v, false, "sorted by %s", rows_sort_name(v->sort));
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
			arrange(v);
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

static void
keys(struct view *v)
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
		keep_visible(v);
		if (v->quit)
			return;
	}
}

int
view_run(struct view *v)
{
	struct door_err e;
	uint64_t        next = 0;

	err_clear(&e);
	rows_init(&v->rows);
	buf_init(&v->pane_text);
	if (jobs_init(&v->jobs, &e) != 0)
		return DOOR_SYSTEM;
	while (!v->quit) {
		struct pollfd pf[3];
		uint64_t      now = mono_ms();
		int           timeout;

		if (now >= next) {
			tick(v);
			keep_visible(v);
			next = now + v->interval_ms;
		}
		view_draw(v, wall_ms());
		pf[0].fd = 0;
		pf[0].events = POLLIN;
		pf[1].fd = jobs_fd(&v->jobs);
		pf[1].events = POLLIN;
		pf[2].fd = screen_quit_fd();
		pf[2].events = POLLIN;
		now = mono_ms();
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pf, 3, timeout) < 0 && errno != EINTR)
			break;
		if (screen_quit_signal() != 0)
			break;
		if (pf[1].revents & POLLIN)
			job_done(v);
		/* also after EINTR: a resize comes as a key */
		keys(v);
	}
	if (jobs_busy(&v->jobs)) {
		say(v, false, "waiting for the last job to finish...");
		view_draw(v, wall_ms());
	}
	jobs_free(&v->jobs);
	if (v->plan != NULL) {
		kill_decline(v->plan);
		kill_free(v->plan);
		v->plan = NULL;
	}
	rows_free(&v->rows);
	free(v->vis);
	free(v->answers);
	buf_free(&v->pane_text);
	return DOOR_OK;
}
