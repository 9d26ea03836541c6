/* view.c - door watch's loop (view.h): the ticks, the table made again
 * from the engine's state, and the probe answers kept by inode (the keys
 * are keys.c's). One thread owns the terminal and the engine: it ticks
 * every interval, reads keys, and hears from the one background job
 * (jobs.h) through a pipe, so the table keeps moving while a card is
 * made, a door probed or a kill carried out. */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"
#include "tui/view.h"
#include "tui/view_int.h"

void
view_say(struct view *v, bool warn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof v->msg, fmt, ap);
	va_end(ap);
	v->msg_warn = warn;
}

int
view_answer_cmp(const void *a, const void *b)
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
		    v->nanswers, sizeof *a, view_answer_cmp)) == NULL)
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
void
view_arrange(struct view *v)
{
	size_t n = 0;

	rows_arrange(&v->rows, v->filter, v->sort);
	if (v->rows.n > v->capvis) {
		size_t *nv = realloc(v->vis, v->rows.n * sizeof *nv);

		if (nv == NULL) {
			view_say(v, true, "out of memory");
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
void
view_rebuild(struct view *v, bool first)
{
	const struct snap *s = watch_snap(v->w);
	struct door_err    e;
	struct entry      *ent = NULL;
	struct probes      pr;
	size_t             n = 0;

	err_clear(&e);
	if (doors_entries(s, v->f, &ent, &n, &e) != 0) {
		view_say(v, true, "%s", e.msg);
		return;
	}
	answers_for(v, s, &pr);
	if (rows_update(&v->rows, &v->o, s, ent, n, &pr, platform_now_ms(),
	    first) != 0)
		view_say(v, true, "out of memory: the table is not up to date");
	free((void *)pr.socks);
	free(pr.d);
	free(ent);
	v->answers_changed = false;
	view_arrange(v);
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
	v->last_tick_ms = platform_now_ms();
	if (t.first || t.nev > 0 || v->answers_changed)
		view_rebuild(v, t.first);
	else if (rows_expire(&v->rows, platform_now_ms()))
		view_arrange(v);
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
		uint64_t      now = platform_mono_ms();
		int           timeout;

		if (now >= next) {
			tick(v);
			view_keep_visible(v);
			next = now + v->interval_ms;
		}
		view_draw(v, platform_now_ms());
		pf[0].fd = 0;
		pf[0].events = POLLIN;
		pf[1].fd = jobs_fd(&v->jobs);
		pf[1].events = POLLIN;
		pf[2].fd = screen_quit_fd();
		pf[2].events = POLLIN;
		now = platform_mono_ms();
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pf, 3, timeout) < 0 && errno != EINTR)
			break;
		if (screen_quit_signal() != 0)
			break;
		if (pf[1].revents & POLLIN)
			view_job_done(v);
		/* also after EINTR: a resize comes as a key */
		view_keys(v);
	}
	if (jobs_busy(&v->jobs)) {
		view_say(v, false, "waiting for the last job to finish...");
		view_draw(v, platform_now_ms());
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
