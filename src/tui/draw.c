/* draw.c - door watch's screen, drawn from the view's state (view.h):
 * a header bar, the table, a message line and the keys; a pane over the
 * table for the card, a kill's plan or report, and help. Cells arrive
 * escaped (lstable.c); pane text is the verbs' own, and any control byte
 * left in it is drawn as '?', never sent to the terminal. */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "out/escape.h"
#include "tui/view.h"

static const char *const titles[ROW_NCOLS] = {
	"PORT", "PROTO", "ADDRESS", "PID", "PROCESS", "USER", "SERVICE",
};
static const bool right[ROW_NCOLS] = { true, false, false, true, false,
    false, false };
/* No column grows past these (the last takes what is left). */
static const size_t cap[ROW_NCOLS] = { 5, 5, 40, 7, 24, 16, 0 };
/* ...and, on a narrow screen, none shrinks below these. */
static const size_t least[ROW_NCOLS] = { 5, 5, 15, 5, 8, 4, 10 };

static size_t
char_len(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	return c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

size_t
view_text_cols(const char *s)
{
	return text_width(s, strlen(s));
}

size_t
view_fit(const char *s, size_t cols)
{
	size_t n = strlen(s), i = 0, w = 0;

	while (i < n) {
		size_t l = char_len((unsigned char)s[i]), cw;

		if (l > n - i)
			l = n - i;
		cw = text_width(s + i, l);
		if (w + cw > cols)
			break;
		w += cw;
		i += l;
	}
	return i;
}

/* s in exactly cols columns (cut with an ellipsis, or padded). */
static void
put_cell(const struct view *v, const char *s, size_t cols, bool align_right)
{
	size_t w = view_text_cols(s), n;

	if (cols == 0)
		return;
	if (w > cols) {
		n = view_fit(s, cols - 1);
		addnstr(s, (int)n);
		for (size_t used = text_width(s, n); used < cols - 1; used++)
			addch(' ');
		addstr(v->scr.utf8 ? "\u2026" : "~");
		return;
	}
	if (align_right)
		for (size_t k = w; k < cols; k++)
			addch(' ');
	addstr(s);
	if (!align_right)
		for (size_t k = w; k < cols; k++)
			addch(' ');
}

/* A line of a pane's text, with any control byte drawn as '?'. */
static void
put_text(const char *s, size_t len, size_t cols)
{
	char   line[1024];
	size_t n = len < sizeof line - 1 ? len : sizeof line - 1, fit;

	for (size_t i = 0; i < n; i++)
		line[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	line[n] = '\0';
	fit = view_fit(line, cols);
	addnstr(line, (int)fit);
}

/* The columns' widths on a screen cols wide; show[c] false: no room. */
static int
layout(const struct view *v, size_t cols, size_t w[ROW_NCOLS],
    bool show[ROW_NCOLS])
{
	size_t avail = cols > 3 ? cols - 3 : 0, total;
	int    gap = 2;

	for (size_t c = 0; c < ROW_NCOLS; c++) {
		w[c] = v->width[c] > strlen(titles[c]) ? v->width[c] :
		    strlen(titles[c]);
		if (cap[c] && w[c] > cap[c])
			w[c] = cap[c];
		show[c] = true;
	}
	for (int round = 0; round < 12; round++) {
		size_t fixed = 0, ncols = 0;

		for (size_t c = 0; c + 1 < ROW_NCOLS; c++)
			if (show[c]) {
				fixed += w[c];
				ncols++;
			}
		total = fixed + (size_t)gap * ncols;
		if (show[ROW_SERVICE] && total + least[ROW_SERVICE] <= avail) {
			if (w[ROW_SERVICE] > avail - total)
				w[ROW_SERVICE] = avail - total;
			return gap;
		}
		if (!show[ROW_SERVICE] && total - (size_t)gap <= avail)
			return gap;
		/* too wide: first tighter gaps, then narrower columns, then
		 * fewer of them */
		if (gap == 2) {
			gap = 1;
			continue;
		}
		if (w[ROW_ADDRESS] > least[ROW_ADDRESS])
			w[ROW_ADDRESS] = least[ROW_ADDRESS];
		else if (w[ROW_PROCESS] > least[ROW_PROCESS])
			w[ROW_PROCESS] = least[ROW_PROCESS];
		else if (w[ROW_USER] > least[ROW_USER])
			w[ROW_USER] = least[ROW_USER];
		else if (show[ROW_SERVICE])
			show[ROW_SERVICE] = false;
		else if (show[ROW_ADDRESS])
			show[ROW_ADDRESS] = false;
		else if (show[ROW_USER])
			show[ROW_USER] = false;
		else
			return gap;
	}
	return gap;
}

static void
header(const struct view *v, uint64_t now_ms)
{
	char        line[512], when[64] = "none yet";
	uint64_t    last = watch_last_change(v->w);
	const char *dot = v->scr.utf8 ? " \u00b7 " : " | ";
	size_t      len;
	char        every[32];

	if (v->interval_ms % 1000 == 0)
		snprintf(every, sizeof every, "%llus",
		    (unsigned long long)(v->interval_ms / 1000));
	else
		snprintf(every, sizeof every, "%llums",
		    (unsigned long long)v->interval_ms);
	if (last != 0) {
		time_t    t = (time_t)(last / 1000);
		struct tm tm;
		uint64_t  ago = now_ms > last ? (now_ms - last) / 1000 : 0;

		localtime_r(&t, &tm);
		snprintf(when, sizeof when, "%02d:%02d:%02d (%llus ago)",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)ago);
	}
	len = (size_t)snprintf(line, sizeof line,
	    " door watch%s%zu door%s%slast change %s%s%s%severy %s%ssort "
	    "%s", dot, v->rows.doors, v->rows.doors == 1 ? "" : "s", dot,
	    when, dot, watch_source(v->w), dot, every, dot,
	    rows_sort_name(v->sort));
	if (v->filter[0] && len < sizeof line)
		snprintf(line + len, sizeof line - len, "%sfilter \"%s\"", dot,
		    v->filter);
	attron(v->scr.color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE);
	move(0, 0);
	put_text(line, strlen(line), (size_t)COLS);
	for (int x = getcurx(stdscr); x < COLS && x >= 0; x++)
		addch(' ');
	attroff(v->scr.color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE);
}

static void
table(const struct view *v, uint64_t now_ms, int y0, int y1)
{
	size_t w[ROW_NCOLS];
	bool   show[ROW_NCOLS];
	int    gap = layout(v, (size_t)COLS, w, show);
	size_t last = 0;

	for (size_t c = 0; c < ROW_NCOLS; c++)
		if (show[c])
			last = c;

	move(y0, 0);
	attron(A_BOLD);
	addstr("   ");
	for (size_t c = 0; c < ROW_NCOLS; c++) {
		if (!show[c])
			continue;
		put_cell(v, titles[c], w[c], right[c]);
		if (c < last)
			for (int g = 0; g < gap; g++)
				addch(' ');
	}
	attroff(A_BOLD);
	for (int y = y0 + 1; y <= y1; y++) {
		size_t            i = v->top + (size_t)(y - y0 - 1);
		const struct row *r;
		bool              sel, isnew, gone;
		attr_t            base = A_NORMAL;

		if (i >= v->nvis)
			break;
		r = &v->rows.r[v->vis[i]];
		sel = i == v->sel;
		isnew = row_is_new(r, now_ms);
		gone = r->gone_ms != 0;
		if (gone)
			base |= A_DIM;
		if (sel)
			base |= A_REVERSE;
		move(y, 0);
		attrset(base);
		/* the marks are characters too: seen without colour, and by a
		 * test reading the pane */
		addch(sel ? '>' : ' ');
		if (isnew) {
			attron(A_BOLD | (v->scr.color ? COLOR_PAIR(PAIR_NEW) :
			    0));
			addch('+');
		} else if (gone) {
			attron(v->scr.color ? COLOR_PAIR(PAIR_GONE) : 0);
			addch('-');
		} else
			addch(' ');
		attrset(base);
		addch(' ');
		for (size_t c = 0; c < ROW_NCOLS; c++) {
			attr_t a = base;

			if (!show[c])
				continue;
			if (c == ROW_PORT)
				a |= A_BOLD;
			if (v->scr.color && !sel && !gone && c == ROW_PROCESS)
				a |= COLOR_PAIR(r->pid ? PAIR_PROCESS :
				    PAIR_WARN);
			if (c == ROW_SERVICE && !sel)
				a |= A_DIM;
			attrset(a);
			put_cell(v, r->cell[c], w[c], right[c]);
			attrset(base);
			if (c < last)
				for (int g = 0; g < gap; g++)
					addch(' ');
		}
		if (sel)
			for (int x = getcurx(stdscr); x < COLS && x >= 0; x++)
				addch(' ');
		attrset(A_NORMAL);
	}
	if (v->nvis == 0 && y0 + 1 <= y1) {
		move(y0 + 2 <= y1 ? y0 + 2 : y0 + 1, 2);
		attron(A_DIM);
		addstr(v->filter[0] ? "no door matches the filter" :
		    v->ticks == 0 ? "looking..." : "no open doors");
		attroff(A_DIM);
	}
}

/* How many bytes of s[0..len) fit in cols columns (at least one
 * character, so that wrapping always moves on). */
static size_t
pane_chunk(const char *s, size_t len, size_t cols)
{
	size_t i = 0, w = 0;

	while (i < len) {
		size_t l = char_len((unsigned char)s[i]), cw;

		if (l > len - i)
			l = len - i;
		cw = (unsigned char)s[i] < 0x20 ? 1 : text_width(s + i, l);
		if (w + cw > cols && i > 0)
			break;
		w += cw;
		i += l;
	}
	return i;
}

static void
pane(const struct view *v, int y0, int y1)
{
	const char *p = v->pane_text.p ? v->pane_text.p : "";
	const char *end = p + v->pane_text.len;
	char        title[256];
	size_t      skip = v->pane_scroll;

	snprintf(title, sizeof title, " %s  (%s) ", v->pane_title,
	    v->pane == PANE_PLAN && !v->running_kill ? "y stops it, any other "
	    "key keeps it" : v->running_kill ? "working..." :
	    "Esc closes, arrows scroll");
	move(y0, 0);
	attron(v->scr.color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE);
	put_text(title, strlen(title), (size_t)COLS);
	for (int x = getcurx(stdscr); x < COLS && x >= 0; x++)
		addch(' ');
	attroff(v->scr.color ? COLOR_PAIR(PAIR_BAR) : A_REVERSE);
	for (int y = y0 + 1; y <= y1; y++) {
		move(y, 0);
		clrtoeol();
	}
	/* long lines wrap (a command line, a plan's reasons); skip counts
	 * screen lines */
	for (int y = y0 + 1; y <= y1 && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t      len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t      width = COLS > 4 ? (size_t)COLS - 2 : 1, off = 0;
		bool        cont = false;

		do {
			size_t chunk = pane_chunk(p + off, len - off,
			    cont ? width - 2 : width);

			if (skip > 0)
				skip--;
			else if (y <= y1) {
				move(y, cont ? 3 : 1);
				put_text(p + off, chunk, width);
				y++;
			}
			off += chunk;
			cont = true;
		} while (off < len);
		p += len + (nl != NULL);
	}
}

static void
bottom(const struct view *v, int y)
{
	char        keys[256];
	const char *updown = v->scr.utf8 ? "\u2191\u2193" : "j/k";

	move(y - 1, 0);
	clrtoeol();
	if (v->editing) {
		char line[256];

		snprintf(line, sizeof line, "/%s_  (Enter keeps it, Esc clears "
		    "it)", v->filter);
		put_text(line, strlen(line), (size_t)COLS);
	} else if (v->tick_error[0] || v->msg[0]) {
		if (v->scr.color && (v->tick_error[0] || v->msg_warn))
			attron(COLOR_PAIR(PAIR_WARN));
		put_text(v->tick_error[0] ? v->tick_error : v->msg,
		    strlen(v->tick_error[0] ? v->tick_error : v->msg),
		    (size_t)COLS);
		if (v->scr.color)
			attroff(COLOR_PAIR(PAIR_WARN));
	}
	/* the keys that matter most first: a narrow screen cuts the end */
	snprintf(keys, sizeof keys, " q quit  ? help  %s move  Enter card  "
	    "p probe  x free  / filter  s sort  P probe all", updown);
	move(y, 0);
	attron(A_REVERSE);
	put_text(keys, strlen(keys), (size_t)COLS);
	for (int x = getcurx(stdscr); x < COLS && x >= 0; x++)
		addch(' ');
	attroff(A_REVERSE);
}

void
view_draw(struct view *v, uint64_t now_ms)
{
	erase();
	if (LINES < 6 || COLS < 30) {
		move(0, 0);
		printw("door watch: %dx%d is too small (30x6 at least)", COLS,
		    LINES);
		refresh();
		return;
	}
	header(v, now_ms);
	if (v->pane != PANE_NONE)
		pane(v, 1, LINES - 3);
	else
		table(v, now_ms, 1, LINES - 3);
	bottom(v, LINES - 1);
	refresh();
}
