/* rows.c - door watch's rows from tick to tick (rows.h). */
#include <stdlib.h>
#include <string.h>

#include "lstable.h"
#include "out/table.h"
#include "tui/rows.h"

static const char *const sort_names[SORT_N] = {
	"port", "process", "user", "age",
};

const char *
rows_sort_name(enum rows_sort s)
{
	return s < SORT_N ? sort_names[s] : "port";
}

void
rows_init(struct rows *rs)
{
	memset(rs, 0, sizeof *rs);
}

static void
row_free(struct row *r)
{
	free(r->cell[0]);
	memset(r, 0, sizeof *r);
}

void
rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		row_free(&rs->r[i]);
	free(rs->r);
	rows_init(rs);
}

bool
row_same(const struct row *a, const struct row *b)
{
	return a->port == b->port && a->proto == b->proto &&
	    a->pid == b->pid && a->uid == b->uid;
}

bool
row_is_new(const struct row *r, uint64_t now_ms)
{
	return r->gone_ms == 0 && r->born_ms != 0 &&
	    now_ms - r->born_ms < ROWS_MARK_MS;
}

static int
key_cmp(const struct row *a, const struct row *b)
{
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return 0;
}

static int
key_cmp_p(const void *a, const void *b)
{
	return key_cmp(*(const struct row *const *)a,
	    *(const struct row *const *)b);
}

/* The cells ls_row just made (ROW_NCOLS NUL-terminated strings, escaped)
 * become the row's, in one allocation. */
static int
take_cells(struct row *r, const struct buf *cells)
{
	char  *p;
	size_t off = 0;

	if (cells->oom || (p = malloc(cells->len ? cells->len : 1)) == NULL)
		return -1;
	memcpy(p, cells->p, cells->len);
	for (size_t c = 0; c < ROW_NCOLS; c++) {
		if (off >= cells->len) {      /* never: ls_row makes them all */
			free(p);
			return -1;
		}
		r->cell[c] = p + off;
		off += strlen(p + off) + 1;
	}
	return 0;
}

/* The snapshot's rows, in door ls's order, into *out. */
static int
make_rows(const struct out_opts *o, const struct snap *s,
    const struct entry *v, size_t n, const struct probes *pr,
    struct row **out, size_t *nout)
{
	struct table   t;
	struct ls_rows lr;
	struct row    *r = NULL;
	size_t         nr = 0, i = 0;
	int            rc = 0;

	ls_table_init(&t, o, false);
	if (t.ncols != ROW_NCOLS)
		return -1;
	ls_rows_init(&lr, o, s, v, n, false, pr);
	if (n > 0 && (r = calloc(n, sizeof *r)) == NULL)
		rc = -1;
	while (rc == 0 && i < n) {
		const struct sock *k = &s->socks[v[i].sock];
		const struct proc *p = v[i].proc == SIZE_MAX ? NULL :
		    &s->procs[v[i].proc];
		struct row        *w = &r[nr];

		buf_reset(&t.cells);
		t.ncells = 0;
		i = ls_row(&t, &lr, i);
		if (take_cells(w, &t.cells) != 0) {
			rc = -1;
			break;
		}
		w->port = k->local.port;
		w->proto = k->proto;
		w->pid = p ? p->pid : 0;
		w->uid = p && (p->have & PROC_HAVE_UID) ? p->uid : k->uid;
		w->start_ticks = p ? p->start_ticks : 0;
		nr++;
	}
	ls_rows_free(&lr);
	table_free(&t);
	if (rc != 0) {
		for (size_t j = 0; j < nr; j++)
			row_free(&r[j]);
		free(r);
		return -1;
	}
	*out = r;
	*nout = nr;
	return 0;
}

int
rows_update(struct rows *rs, const struct out_opts *o, const struct snap *s,
    const struct entry *v, size_t n, const struct probes *pr,
    uint64_t now_ms, bool first)
{
	struct row  *nr = NULL, *all;
	struct row **old = NULL;
	bool        *used = NULL;
	size_t       nn = 0, total;

	if (make_rows(o, s, v, n, pr, &nr, &nn) != 0)
		goto oom;
	if (rs->n > 0 && ((old = malloc(rs->n * sizeof *old)) == NULL ||
	    (used = calloc(rs->n, sizeof *used)) == NULL))
		goto oom;
	for (size_t i = 0; i < rs->n; i++)
		old[i] = &rs->r[i];
	if (rs->n > 1)
		qsort(old, rs->n, sizeof *old, key_cmp_p);
	/* the new rows take their birth from the old; the old rows no longer
	 * there stay, gone */
	total = nn;
	for (size_t i = 0; i < nn; i++) {
		struct row  *key = &nr[i], **hit = NULL;

		if (rs->n > 0)
			hit = bsearch(&key, old, rs->n, sizeof *old, key_cmp_p);
		if (hit == NULL || (*hit)->gone_ms != 0)
			nr[i].born_ms = first ? 0 : now_ms;
		else
			nr[i].born_ms = (*hit)->born_ms;
		if (hit != NULL)
			used[hit - old] = true;
	}
	for (size_t i = 0; i < rs->n; i++)
		total += !used[i];
	if ((all = realloc(nr, (total ? total : 1) * sizeof *all)) == NULL)
		goto oom;
	nr = all;
	for (size_t i = 0; i < rs->n; i++) {
		if (used[i]) {
			row_free(old[i]);
			continue;
		}
		nr[nn] = *old[i];
		if (nr[nn].gone_ms == 0)
			nr[nn].gone_ms = now_ms;
		nn++;
	}
	free(rs->r);
	rs->r = nr;
	rs->n = rs->cap = nn;
	rs->oom = false;
	free(old);
	free(used);
	(void)rows_expire(rs, now_ms);
	return 0;
oom:
	if (nr != NULL) {
		for (size_t i = 0; i < nn; i++)
			row_free(&nr[i]);
		free(nr);
	}
	free(old);
	free(used);
	rs->oom = true;
	return -1;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Rows and doors (distinct port and protocol) still there. */
static void
count(struct rows *rs)
{
	uint32_t *k = malloc((rs->n ? rs->n : 1) * sizeof *k);

	rs->present = rs->doors = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].gone_ms == 0) {
			if (k != NULL)
				k[rs->present] = (uint32_t)rs->r[i].port << 8 |
				    (uint32_t)rs->r[i].proto;
			rs->present++;
		}
	if (k == NULL) {
		rs->doors = rs->present;   /* an upper bound, without memory */
		return;
	}
	qsort(k, rs->present, sizeof *k, u32_cmp);
	for (size_t i = 0; i < rs->present; i++)
		rs->doors += i == 0 || k[i] != k[i - 1];
	free(k);
}

bool
rows_expire(struct rows *rs, uint64_t now_ms)
{
	size_t w = 0;
	bool   dropped = false;

	for (size_t i = 0; i < rs->n; i++) {
		struct row *r = &rs->r[i];

		if (r->gone_ms != 0 && now_ms - r->gone_ms >= ROWS_MARK_MS) {
			row_free(r);
			dropped = true;
			continue;
		}
		if (w != i)
			rs->r[w] = *r;
		w++;
	}
	rs->n = w;
	count(rs);
	return dropped;
}

static enum rows_sort sort_by;

static int
row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int               c = 0;

	switch (sort_by) {
	case SORT_PROCESS:
		c = strcmp(a->cell[ROW_PROCESS], b->cell[ROW_PROCESS]);
		break;
	case SORT_USER:
		c = strcmp(a->cell[ROW_USER], b->cell[ROW_USER]);
		break;
	case SORT_AGE:
		/* the newest first: what just appeared, then the youngest
		 * holders */
		if (a->born_ms != b->born_ms)
			c = a->born_ms > b->born_ms ? -1 : 1;
		else if (a->start_ticks != b->start_ticks)
			c = a->start_ticks > b->start_ticks ? -1 : 1;
		break;
	case SORT_PORT:
	case SORT_N:
		break;
	}
	return c != 0 ? c : key_cmp(a, b);
}

static bool
row_matches(const struct row *r, const char *filter)
{
	if (filter == NULL || filter[0] == '\0')
		return true;
	for (size_t c = 0; c < ROW_NCOLS; c++)
		if (strcasestr(r->cell[c], filter) != NULL)
			return true;
	return false;
}

void
rows_arrange(struct rows *rs, const char *filter, enum rows_sort by)
{
	for (size_t i = 0; i < rs->n; i++)
		rs->r[i].shown = row_matches(&rs->r[i], filter);
	/* qsort has no context argument; the view runs in one thread */
	sort_by = by;
	if (rs->n > 1)
		qsort(rs->r, rs->n, sizeof *rs->r, row_cmp);
	count(rs);
}
