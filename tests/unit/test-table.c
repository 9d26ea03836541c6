/* test-table.c - src/out/table.h: aligned columns of escaped cells. */
#include "out/table.h"
#include "unit.h"

static const struct table_col cols[] = {
	{ "PORT", true }, { "PROTO", false }, { "PROCESS", false },
};

static char *
render(const struct out_opts *o, const char *const *cells, size_t n)
{
	struct table t;
	struct buf   out;
	char        *s;

	table_init(&t, o, cols, 3);
	for (size_t i = 0; i < n; i++)
		table_cell(&t, cells[i], i % 3 == 0 ? SGR_BOLD : NULL);
	buf_init(&out);
	table_print(&t, &out);
	s = strndup(out.p ? out.p : "", out.len);
	buf_free(&out);
	table_free(&t);
	return s;
}

TEST(layout)
{
	struct out_opts    o = { 0 };
	const char *const  cells[] = {
		"22", "tcp", "sshd",
		"3000", "tcp", "node",
		"5353", "udp", "avahi-daemon",
	};
	char              *s = render(&o, cells, 9);

	CHECK_STR(s,
	    "PORT  PROTO  PROCESS\n"
	    "  22  tcp    sshd\n"
	    "3000  tcp    node\n"
	    "5353  udp    avahi-daemon\n");
	free(s);
}

TEST(wide_cells_widen_columns)
{
	struct out_opts    o = { 0 };
	const char *const  cells[] = {
		"65535", "tcp", "x",
		"1", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "y",  /* 6 columns */
	};
	char              *s = render(&o, cells, 6);

	CHECK_STR(s,
	    " PORT  PROTO   PROCESS\n"
	    "65535  tcp     x\n"
	    "    1  \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e  y\n");
	free(s);
}

TEST(hostile_cells_are_escaped)
{
	struct out_opts    o = { 0 };
	const char *const  cells[] = {
		"1", "\x1b[2J", "a\nb\rc",
		"2", "\x9b\x33\x31m", "\xe2\x80\xae\x65vil",
	};
	char              *s = render(&o, cells, 6);
	size_t             bad = 0;

	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
			bad++;
	CHECK_EQ_UINT(bad, 0);
	CHECK_STR(s,
	    "PORT  PROTO    PROCESS\n"
	    "   1  \\x1b[2J  a\\x0ab\\x0dc\n"
	    "   2  \\x9b31m  \\u202eevil\n");
	free(s);
}

/* Removes ESC [ ... m sequences. */
static void
strip_sgr(char *s)
{
	char *w = s;

	while (*s) {
		if (*s == '\x1b') {
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
}

TEST(colour_does_not_move_columns)
{
	struct out_opts    plain = { 0 }, col = { .color = true };
	const char *const  cells[] = {
		"80", "tcp", "nginx", "8080", "tcp", "java",
	};
	char              *a = render(&plain, cells, 6);
	char              *b = render(&col, cells, 6);

	CHECK(strchr(a, '\x1b') == NULL);
	CHECK(strstr(b, "\x1b[1m") != NULL);   /* bold port numbers */
	strip_sgr(b);
	CHECK_STR(b, a);
	free(a);
	free(b);
}

TEST(empty_and_null_cells)
{
	struct out_opts    o = { 0 };
	const char *const  cells[] = { "1", "", NULL };
	char              *s = render(&o, cells, 3);

	CHECK_STR(s, "PORT  PROTO  PROCESS\n   1         \n");
	free(s);
}

TEST(header_only)
{
	struct out_opts o = { 0 };
	char           *s = render(&o, NULL, 0);

	CHECK_STR(s, "PORT  PROTO  PROCESS\n");
	free(s);
}

TEST(many_rows)
{
	struct out_opts o = { 0 };
	struct table    t;
	struct buf      out;
	size_t          lines = 0;

	table_init(&t, &o, cols, 3);
	for (int i = 0; i < 5000; i++) {
		table_cellf(&t, NULL, "%d", i);
		table_cell(&t, i % 2 ? "tcp" : "udp", NULL);
		table_cellf(&t, NULL, "proc-%d", i);
	}
	buf_init(&out);
	table_print(&t, &out);
	for (size_t i = 0; i < out.len; i++)
		lines += out.p[i] == '\n';
	CHECK_EQ_UINT(lines, 5001);
	CHECK(strstr(out.p, "4999  tcp    proc-4999\n") != NULL);
	CHECK(strstr(out.p, "\n   0  udp    proc-0\n") != NULL);
	buf_free(&out);
	table_free(&t);
}

TEST(cellf_is_not_cut)
{
	struct out_opts o = { 0 };
	struct table    t;
	struct buf      out;
	char            path[1200];

	/* table.c: "nothing is ever truncated" - a long formatted cell
	 * (a deep cwd, a long command line) must come out whole */
	memset(path, 'd', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	table_init(&t, &o, cols, 3);
	table_cellf(&t, NULL, "%d", 1);
	table_cell(&t, "tcp", NULL);
	table_cellf(&t, NULL, "/%s", path);
	buf_init(&out);
	table_print(&t, &out);
	CHECK(out.p != NULL && strstr(out.p, path) != NULL);
	buf_free(&out);
	table_free(&t);
}

/* table_print_rows (door ls: rows made twice, one held at a time) prints
 * byte for byte what table_print prints, on random tables of hostile,
 * wide, empty and coloured cells; table_cell_unseen only ever skips the
 * last column when it is aligned left. */
struct rows_gen {
	size_t       ncols, nrows;
	char       (*cell)[64];
	const char **colour;
	bool         use_unseen;
	size_t       unseen;
};

static uint64_t rows_rng = 88172645463325252ULL;

static unsigned
rows_r32(void)
{
	rows_rng ^= rows_rng << 13;
	rows_rng ^= rows_rng >> 7;
	rows_rng ^= rows_rng << 17;
	return (unsigned)rows_rng;
}

static size_t
rows_fn(struct table *t, void *ctx, size_t pos)
{
	struct rows_gen *g = ctx;

	for (size_t c = 0; c < g->ncols; c++) {
		const char *txt = g->cell[pos * g->ncols + c];

		if (g->use_unseen && table_cell_unseen(t)) {
			g->unseen++;
			table_cell(t, NULL, NULL);
			continue;
		}
		table_cell(t, strcmp(txt, "NULL") == 0 ? NULL : txt,
		    g->colour[pos * g->ncols + c]);
	}
	return pos + 1;
}

TEST(print_rows_matches_print)
{
	static const char *const pieces[] = { "", "a", "tcp", "127.0.0.1",
	    "\xe6\x97\xa5\xe6\x9c\xac", "\x1b[2J", "a\\b", "\xe2\x80\xae" "evil",
	    "\x9b" "31m", "\xff\xfe", "x\ty", "\xcc\x81", "\xf0\x9f\x98\x80",
	    "12345", "-", "(hidden)" };
	static const char *const colours[] = { NULL, SGR_BOLD, SGR_DIM,
	    SGR_CYAN, SGR_YELLOW };
	static const struct table_col left[] = { { "PORT", true },
	    { "PROTO", false }, { "ADDRESS", false }, { "PID", true },
	    { "USER", false }, { "SERVICE", false } };
	static const struct table_col right[] = { { "PORT", true },
	    { "PROTO", false }, { "ADDRESS", false }, { "PID", true },
	    { "USER", false }, { "NUM", true } };
	int bad = 0;

	for (int round = 0; round < 400 && bad == 0; round++) {
		const struct table_col *tc = rows_r32() % 2 ? left : right;
		struct out_opts         o = { 0 };
		struct rows_gen         g = { 0 };
		struct table            t;
		struct buf              a, b;

		o.color = rows_r32() % 2;
		g.ncols = 1 + rows_r32() % 6;
		g.nrows = rows_r32() % 40;
		g.cell = calloc(g.nrows * g.ncols + 1, sizeof *g.cell);
		g.colour = calloc(g.nrows * g.ncols + 1, sizeof *g.colour);
		if (g.cell == NULL || g.colour == NULL)
			FAIL("out of memory");
		for (size_t i = 0; i < g.nrows * g.ncols; i++) {
			if (rows_r32() % 20 == 0)
				strcpy(g.cell[i], "NULL");
			else
				for (unsigned k = rows_r32() % 4; k > 0; k--)
					strcat(g.cell[i], pieces[rows_r32() %
					    (sizeof pieces / sizeof pieces[0])]);
			g.colour[i] = colours[rows_r32() % 5];
		}
		table_init(&t, &o, tc, g.ncols);
		for (size_t i = 0; i < g.nrows * g.ncols; i++)
			table_cell(&t, strcmp(g.cell[i], "NULL") == 0 ? NULL :
			    g.cell[i], g.colour[i]);
		buf_init(&a);
		table_print(&t, &a);
		table_free(&t);
		for (int u = 0; u < 2; u++) {
			g.use_unseen = u;
			g.unseen = 0;
			table_init(&t, &o, tc, g.ncols);
			buf_init(&b);
			table_print_rows(&t, rows_fn, &g, g.nrows, &b);
			table_free(&t);
			if (a.len != b.len || (a.len > 0 &&
			    memcmp(a.p, b.p, a.len) != 0))
				bad++;
			if (u && tc[g.ncols - 1].right && g.unseen > 0)
				bad++;
			if (u && !tc[g.ncols - 1].right && g.unseen != g.nrows)
				bad++;
			buf_free(&b);
		}
		buf_free(&a);
		free(g.cell);
		free(g.colour);
	}
	CHECK_EQ_INT(bad, 0);
}
