/* table.c - column widths from the content; nothing is ever truncated. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/escape.h"
#include "out/table.h"

void
table_init(struct table *t, const struct out_opts *o,
    const struct table_col *cols, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->o = o;
	t->cols = cols;
	t->ncols = ncols < TABLE_COLS_MAX ? ncols : TABLE_COLS_MAX;
	buf_init(&t->cells);
}

static const char *const codes[] = { NULL, SGR_BOLD, SGR_DIM, SGR_RED,
    SGR_GREEN, SGR_YELLOW, SGR_CYAN };

static unsigned char
code_index(const char *code)
{
	for (unsigned char i = 1; i < sizeof codes / sizeof codes[0]; i++)
		if (code != NULL && strcmp(code, codes[i]) == 0)
			return i;
	return 0;
}

void
table_cell(struct table *t, const char *text, const char *code)
{
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
	t->colour[t->ncells++] = code_index(code);
	esc_term(&t->cells, text ? text : "", text ? strlen(text) : 0);
	buf_add(&t->cells, "", 1);   /* the separating NUL */
}

void
table_cellf(struct table *t, const char *code, const char *fmt, ...)
{
	struct buf tmp;
	va_list    ap;
	int        n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_init(&tmp);
	if (n >= 0) {
		char *p = malloc((size_t)n + 1);

		if (p != NULL) {
			va_start(ap, fmt);
			vsnprintf(p, (size_t)n + 1, fmt, ap);
			va_end(ap);
			buf_add(&tmp, p, (size_t)n);
			free(p);
		}
	}
	table_cell(t, buf_str(&tmp), code);
	buf_free(&tmp);
}

void
table_print(struct table *t, struct buf *out)
{
	size_t      width[TABLE_COLS_MAX] = { 0 };
	const char *p, *end;
	size_t      i, c, rows;

	if (t->cells.oom)
		return;
	for (c = 0; c < t->ncols; c++)
		width[c] = strlen(t->cols[c].title);
	p = t->cells.p;
	end = p + t->cells.len;
	for (i = 0; i < t->ncells && p < end; i++) {
		size_t len = strlen(p), w = text_width(p, len);

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
		p += len + 1;
	}
	rows = t->ncells / t->ncols;
	/* header */
	buf_adds(out, sgr(t->o, SGR_DIM));
	for (c = 0; c < t->ncols; c++) {
		size_t w = strlen(t->cols[c].title);
		bool   last = c + 1 == t->ncols;

		if (t->cols[c].right)
			for (; w < width[c]; w++)
				buf_addc(out, ' ');
		buf_adds(out, t->cols[c].title);
		if (!t->cols[c].right && !last)
			for (; w < width[c]; w++)
				buf_addc(out, ' ');
		if (!last)
			buf_add(out, "  ", 2);
	}
	buf_adds(out, sgr_reset(t->o));
	buf_addc(out, '\n');
	p = t->cells.p;
	for (i = 0; i < rows * t->ncols; i++) {
		size_t      len = strlen(p), w = text_width(p, len);
		size_t      col = i % t->ncols;
		bool        last = col + 1 == t->ncols;
		const char *code = codes[t->colour[i]];

		if (t->cols[col].right)
			for (; w < width[col]; w++)
				buf_addc(out, ' ');
		if (code != NULL && t->o->color)
			buf_adds(out, sgr(t->o, code));
		buf_add(out, p, len);
		if (code != NULL && t->o->color)
			buf_adds(out, sgr_reset(t->o));
		if (!t->cols[col].right && !last)
			for (; w < width[col]; w++)
				buf_addc(out, ' ');
		if (last) {
			buf_addc(out, '\n');
			/* stream big tables: never hold all the text twice */
			if (t->stream && out->len >= 65536)
				out_flush(out);
		} else
			buf_add(out, "  ", 2);
		p += len + 1;
	}
}

void
table_free(struct table *t)
{
	buf_free(&t->cells);
	free(t->colour);
	t->colour = NULL;
}
