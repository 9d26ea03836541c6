/* table.c - column widths from the content; nothing is ever truncated. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/escape.h"
#include "out/table.h"

/* With t->stream, out goes to stdout once it holds this much. */
#define TABLE_CHUNK 65536

void
table_init(struct table *t, const struct out_opts *o,
    const struct table_col *cols, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->o = o;
	t->cols = cols;
	t->ncols = ncols < TABLE_COLS_MAX ? ncols : TABLE_COLS_MAX;
	for (size_t c = 0; c < t->ncols; c++)
		t->width[c] = strlen(cols[c].title);
	buf_init(&t->cells);
}

static const char *const codes[] = { NULL, SGR_BOLD, SGR_DIM, SGR_RED,
    SGR_GREEN, SGR_YELLOW, SGR_CYAN };

static unsigned char
code_index(const char *code)
{
	if (code == NULL)
		return 0;
	for (unsigned char i = 1; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(code, codes[i]) == 0)
			return i;
	return 0;
}

/* True when esc_term would copy s unchanged and each byte is one column:
 * printable ASCII without the backslash. Most cells are (ports, addresses,
 * user names), and door ls makes tens of thousands of them twice. */
static bool
plain(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] > 0x7e || u[i] == '\\')
			return false;
	return true;
}

/* Columns of an escaped cell: ASCII without ESC is one column a byte
 * (what text_width says too, without decoding). */
static size_t
cell_width(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0x1b)
			return text_width(s, n);
	return n;
}

void
table_cell(struct table *t, const char *text, const char *code)
{
	size_t n = text ? strlen(text) : 0, start, w;

	if (t->ncells == t->capcolour) {
		size_t         ncap = t->capcolour ? t->capcolour * 2 : 64;
		unsigned char *nc = realloc(t->colour, ncap * sizeof *nc);

		if (nc == NULL) {
			t->cells.oom = true;
			return;
		}
		t->colour = nc;
		t->capcolour = ncap;
	}
	start = t->cells.len;
	if (plain(text, n)) {
		buf_add(&t->cells, text, n);
		w = n;
	} else {
		esc_term(&t->cells, text, n);
		w = t->cells.oom ? 0 :
		    text_width(t->cells.p + start, t->cells.len - start);
	}
	buf_add(&t->cells, "", 1);   /* the separating NUL */
	/* widths as the cells come in: table_print_rows never holds them */
	if (t->ncols > 0 && w > t->width[t->ncells % t->ncols])
		t->width[t->ncells % t->ncols] = w;
	t->colour[t->ncells++] = code_index(code);
}

void
table_cellf(struct table *t, const char *code, const char *fmt, ...)
{
	char    small[256], *p = small;
	va_list ap;
	int     n;

	/* one formatting on the stack for the usual short cell; the heap only
	 * for a long one (a deep cwd), which is never cut */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		small[0] = '\0';
	else if ((size_t)n >= sizeof small) {
		p = malloc((size_t)n + 1);
		if (p == NULL) {
			t->cells.oom = true;   /* no table rather than a wrong one */
			return;
		}
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	table_cell(t, p, code);
	if (p != small)
		free(p);
}

static void
print_header(const struct table *t, struct buf *out)
{
	buf_adds(out, sgr(t->o, SGR_DIM));
	for (size_t c = 0; c < t->ncols; c++) {
		size_t w = strlen(t->cols[c].title);
		bool   last = c + 1 == t->ncols;

		if (t->cols[c].right)
			for (; w < t->width[c]; w++)
				buf_addc(out, ' ');
		buf_adds(out, t->cols[c].title);
		if (!t->cols[c].right && !last)
			for (; w < t->width[c]; w++)
				buf_addc(out, ' ');
		if (!last)
			buf_add(out, "  ", 2);
	}
	buf_adds(out, sgr_reset(t->o));
	buf_addc(out, '\n');
}

/* Pads from w to width columns, many spaces a call: door ls pads some
 * 50,000 cells, and a byte a call showed in its profile. */
static void
pad(struct buf *out, size_t w, size_t width)
{
	static const char spaces[] = "                                ";

	while (w < width) {
		size_t k = width - w < sizeof spaces - 1 ? width - w :
		    sizeof spaces - 1;

		buf_add(out, spaces, k);
		w += k;
	}
}

/* The first ncells cells (whole rows), aligned to t->width. */
static void
print_cells(const struct table *t, struct buf *out, size_t ncells)
{
	const char *p = t->cells.p, *end;

	if (p == NULL)
		return;   /* no cells at all */
	end = p + t->cells.len;
	for (size_t i = 0; i < ncells && p < end; i++) {
		size_t      len = strlen(p), w = cell_width(p, len);
		size_t      col = i % t->ncols;
		bool        last = col + 1 == t->ncols;
		const char *code = codes[t->colour[i]];

		if (t->cols[col].right)
			pad(out, w, t->width[col]);
		if (code != NULL && t->o->color)
			buf_adds(out, sgr(t->o, code));
		buf_add(out, p, len);
		if (code != NULL && t->o->color)
			buf_adds(out, sgr_reset(t->o));
		if (!t->cols[col].right && !last)
			pad(out, w, t->width[col]);
		if (last) {
			buf_addc(out, '\n');
			/* stream big tables: never hold all the text twice */
			if (t->stream && out->len >= TABLE_CHUNK)
				out_flush(out);
		} else
			buf_add(out, "  ", 2);
		p += len + 1;
	}
}

void
table_print(struct table *t, struct buf *out)
{
	if (t->cells.oom || t->ncols == 0)
		return;
	print_header(t, out);
	print_cells(t, out, t->ncells / t->ncols * t->ncols);
}

static void
row_reset(struct table *t)
{
	buf_reset(&t->cells);
	t->ncells = 0;
}

bool
table_cell_unseen(const struct table *t)
{
	return t->measuring && t->ncols > 0 &&
	    t->ncells % t->ncols == t->ncols - 1 &&
	    !t->cols[t->ncols - 1].right;
}

void
table_print_rows(struct table *t, table_row_fn fn, void *ctx, size_t n,
    struct buf *out)
{
	size_t pos, next;

	if (t->ncols == 0)
		return;
	/* every call must move on; if one does not, the loop still ends */
	t->measuring = true;
	for (pos = 0; pos < n && !t->cells.oom; pos = next) {
		row_reset(t);
		next = fn(t, ctx, pos);
		if (next <= pos)
			next = pos + 1;
	}
	t->measuring = false;
	if (t->cells.oom) {
		row_reset(t);
		return;
	}
	print_header(t, out);
	for (pos = 0; pos < n && !t->cells.oom; pos = next) {
		row_reset(t);
		next = fn(t, ctx, pos);
		if (next <= pos)
			next = pos + 1;
		if (!t->cells.oom)
			print_cells(t, out, t->ncells / t->ncols * t->ncols);
	}
	row_reset(t);
}

void
table_free(struct table *t)
{
	buf_free(&t->cells);
	free(t->colour);
	t->colour = NULL;
}
