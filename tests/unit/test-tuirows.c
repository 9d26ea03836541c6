/* test-tuirows.c - src/tui/rows.h: door watch's rows from tick to tick
 * (marks, the 3 s a closed row stays, the text filter, the sorts), on
 * snapshots built by hand. */
#include "doors.h"
#include "out/term.h"
#include "tui/rows.h"
#include "unit.h"

/* A snapshot of listening TCP sockets on 127.0.0.1, one holder each. */
static void
mk(struct snap *s, const uint16_t *ports, const pid_t *pids,
    const char *const *names, size_t n)
{
	snap_init(s);
	for (size_t i = 0; i < n; i++) {
		struct sock  *k = snap_add_sock(s);
		struct proc  *p = snap_add_proc(s);
		struct owner *o = snap_add_owner(s);

		memset(k, 0, sizeof *k);
		k->inode = 1000 + ports[i];
		k->local.family = AF_INET;
		k->local.port = ports[i];
		k->local.addr[0] = 127;
		k->local.addr[3] = 1;
		k->state = SK_LISTEN;
		k->proto = PROTO_TCP;
		k->owners = OWNERS_FOUND;
		memset(p, 0, sizeof *p);
		p->pid = pids[i];
		p->uid = 0;
		p->start_ticks = (uint64_t)pids[i];
		snprintf(p->name, sizeof p->name, "%s", names[i]);
		p->have = PROC_HAVE_STAT | PROC_HAVE_UID;
		o->sock = i;
		o->proc = i;
		o->fd = 3;
	}
	snap_link_owners(s);
}

static int
update(struct rows *rs, const struct snap *s, uint64_t now, bool first)
{
	struct door_filter f;
	struct door_err    e;
	struct out_opts    o;
	struct entry      *v = NULL;
	size_t             n = 0;
	int                rc;

	memset(&f, 0, sizeof f);
	memset(&o, 0, sizeof o);
	o.numeric = true;
	err_clear(&e);
	if (doors_entries(s, &f, &v, &n, &e) != 0)
		return -1;
	rc = rows_update(rs, &o, s, v, n, NULL, now, first);
	free(v);
	return rc;
}

static const struct row *
find(const struct rows *rs, uint16_t port)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].port == port)
			return &rs->r[i];
	return NULL;
}

TEST(first_tick_unmarked_cells_are_ls)
{
	static const uint16_t    ports[] = { 5432, 3000 };
	static const pid_t       pids[] = { 20, 10 };
	static const char *const names[] = { "postgres", "node" };
	struct snap              s;
	struct rows              rs;

	mk(&s, ports, pids, names, 2);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &s, 100000, true), 0);
	rows_arrange(&rs, NULL, SORT_PORT);
	CHECK_EQ_UINT(rs.n, 2);
	CHECK_EQ_UINT(rs.doors, 2);
	CHECK_STR(rs.r[0].cell[ROW_PORT], "3000");
	CHECK_STR(rs.r[0].cell[ROW_PROTO], "tcp");
	CHECK_STR(rs.r[0].cell[ROW_ADDRESS], "127.0.0.1");
	CHECK_STR(rs.r[0].cell[ROW_PID], "10");
	CHECK_STR(rs.r[0].cell[ROW_PROCESS], "node");
	CHECK_STR(rs.r[0].cell[ROW_USER], "0");
	CHECK(!row_is_new(&rs.r[0], 100000));
	CHECK(!row_is_new(&rs.r[1], 100000));
	rows_free(&rs);
	snap_free(&s);
}

TEST(new_row_marked_then_not)
{
	static const uint16_t    p1[] = { 3000 }, p2[] = { 3000, 8080 };
	static const pid_t       d1[] = { 10 }, d2[] = { 10, 30 };
	static const char *const n1[] = { "node" }, *const n2[] = { "node",
	    "nginx" };
	struct snap              a, b;
	struct rows              rs;

	mk(&a, p1, d1, n1, 1);
	mk(&b, p2, d2, n2, 2);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &a, 1000, true), 0);
	CHECK_EQ_INT(update(&rs, &b, 5000, false), 0);
	CHECK(find(&rs, 8080) != NULL && row_is_new(find(&rs, 8080), 5000));
	CHECK(!row_is_new(find(&rs, 3000), 5000));
	/* still marked just before ROWS_MARK_MS, not at it */
	CHECK(row_is_new(find(&rs, 8080), 5000 + ROWS_MARK_MS - 1));
	CHECK(!row_is_new(find(&rs, 8080), 5000 + ROWS_MARK_MS));
	/* the same row next tick keeps its birth */
	CHECK_EQ_INT(update(&rs, &b, 6000, false), 0);
	CHECK_EQ_UINT(find(&rs, 8080)->born_ms, 5000);
	rows_free(&rs);
	snap_free(&a);
	snap_free(&b);
}

TEST(gone_row_stays_then_goes)
{
	static const uint16_t    p2[] = { 3000, 8080 }, p1[] = { 3000 };
	static const pid_t       d2[] = { 10, 30 }, d1[] = { 10 };
	static const char *const n2[] = { "node", "nginx" }, *const n1[] = {
	    "node" };
	struct snap              a, b;
	struct rows              rs;

	mk(&a, p2, d2, n2, 2);
	mk(&b, p1, d1, n1, 1);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &a, 1000, true), 0);
	CHECK_EQ_INT(update(&rs, &b, 2000, false), 0);
	rows_arrange(&rs, NULL, SORT_PORT);
	CHECK_EQ_UINT(rs.n, 2);
	CHECK_EQ_UINT(rs.present, 1);
	CHECK_EQ_UINT(rs.doors, 1);
	CHECK(find(&rs, 8080) != NULL && find(&rs, 8080)->gone_ms == 2000);
	CHECK_STR(find(&rs, 8080)->cell[ROW_PROCESS], "nginx");
	CHECK(!rows_expire(&rs, 2000 + ROWS_MARK_MS - 1));
	CHECK_EQ_UINT(rs.n, 2);
	CHECK(rows_expire(&rs, 2000 + ROWS_MARK_MS));
	CHECK_EQ_UINT(rs.n, 1);
	CHECK(find(&rs, 8080) == NULL);
	rows_free(&rs);
	snap_free(&a);
	snap_free(&b);
}

TEST(row_back_before_expiry_is_new_again)
{
	static const uint16_t    p[] = { 3000 };
	static const pid_t       d[] = { 10 };
	static const char *const n[] = { "node" };
	struct snap              a, none;
	struct rows              rs;

	mk(&a, p, d, n, 1);
	snap_init(&none);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &a, 1000, true), 0);
	CHECK_EQ_INT(update(&rs, &none, 2000, false), 0);
	CHECK_EQ_INT(update(&rs, &a, 2500, false), 0);
	CHECK_EQ_UINT(rs.n, 1);
	CHECK(rs.r[0].gone_ms == 0);
	CHECK(row_is_new(&rs.r[0], 2500));
	rows_free(&rs);
	snap_free(&a);
	snap_free(&none);
}

TEST(another_holder_is_another_row)
{
	static const uint16_t    p[] = { 3000 };
	static const pid_t       d1[] = { 10 }, d2[] = { 11 };
	static const char *const n[] = { "node" };
	struct snap              a, b;
	struct rows              rs;

	mk(&a, p, d1, n, 1);
	mk(&b, p, d2, n, 1);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &a, 1000, true), 0);
	CHECK_EQ_INT(update(&rs, &b, 2000, false), 0);
	rows_arrange(&rs, NULL, SORT_PORT);
	/* a restart: the old holder's row closing, the new one's opening */
	CHECK_EQ_UINT(rs.n, 2);
	CHECK_EQ_UINT(rs.present, 1);
	CHECK_EQ_UINT(rs.doors, 1);
	rows_free(&rs);
	snap_free(&a);
	snap_free(&b);
}

TEST(filter_and_sorts)
{
	static const uint16_t    p[] = { 3000, 5432, 8080 };
	static const pid_t       d[] = { 30, 10, 20 };
	static const char *const n[] = { "zeta", "alpha", "Mid" };
	struct snap              s;
	struct rows              rs;
	size_t                   shown = 0;

	mk(&s, p, d, n, 3);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &s, 1000, true), 0);
	rows_arrange(&rs, "MID", SORT_PORT);
	for (size_t i = 0; i < rs.n; i++)
		shown += rs.r[i].shown;
	CHECK_EQ_UINT(shown, 1);
	CHECK(find(&rs, 8080)->shown);
	rows_arrange(&rs, "54", SORT_PORT);
	CHECK(find(&rs, 5432)->shown && !find(&rs, 3000)->shown);
	rows_arrange(&rs, "", SORT_PROCESS);
	/* byte order: upper case first */
	CHECK_STR(rs.r[0].cell[ROW_PROCESS], "Mid");
	CHECK_STR(rs.r[1].cell[ROW_PROCESS], "alpha");
	CHECK_STR(rs.r[2].cell[ROW_PROCESS], "zeta");
	rows_arrange(&rs, NULL, SORT_AGE);
	/* the youngest holder (the highest start) first */
	CHECK_EQ_INT(rs.r[0].pid, 30);
	CHECK_EQ_INT(rs.r[2].pid, 10);
	rows_arrange(&rs, NULL, SORT_PORT);
	CHECK_EQ_UINT(rs.r[0].port, 3000);
	CHECK_EQ_UINT(rs.r[2].port, 8080);
	CHECK_STR(rows_sort_name(SORT_AGE), "age");
	rows_free(&rs);
	snap_free(&s);
}

TEST(hostile_name_is_escaped_in_the_cell)
{
	static const uint16_t    p[] = { 3000 };
	static const pid_t       d[] = { 10 };
	static const char *const n[] = { "\x1b[31mred\n\xff" };
	struct snap              s;
	struct rows              rs;

	mk(&s, p, d, n, 1);
	rows_init(&rs);
	CHECK_EQ_INT(update(&rs, &s, 1000, true), 0);
	CHECK_STR(rs.r[0].cell[ROW_PROCESS], "\\x1b[31mred\\x0a\\xff");
	rows_free(&rs);
	snap_free(&s);
}
