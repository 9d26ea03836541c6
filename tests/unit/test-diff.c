/* test-diff.c - src/watch/diff.h: socket snapshots compared by inode. */
#include "watch/diff.h"
#include "unit.h"

static struct sock
mk(uint64_t inode, uint16_t port)
{
	struct sock s;

	memset(&s, 0, sizeof s);
	s.inode = inode;
	s.local.family = AF_INET;
	s.local.port = port;
	s.local.addr[0] = 127;
	s.local.addr[3] = 1;
	s.state = SK_LISTEN;
	return s;
}

TEST(empty_both)
{
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(NULL, 0, NULL, 0, &d), 0);
	CHECK_EQ_UINT(d.nadded, 0);
	CHECK_EQ_UINT(d.nremoved, 0);
	CHECK_EQ_UINT(d.nkept, 0);
	CHECK_EQ_UINT(d.ndups, 0);
	sock_diff_free(&d);
}

TEST(first_tick_all_added)
{
	struct sock      b[3] = { mk(30, 3), mk(10, 1), mk(20, 2) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(NULL, 0, b, 3, &d), 0);
	CHECK_EQ_UINT(d.nadded, 3);
	/* in b's order */
	CHECK_EQ_UINT(d.added[0], 0);
	CHECK_EQ_UINT(d.added[1], 1);
	CHECK_EQ_UINT(d.added[2], 2);
	sock_diff_free(&d);
}

TEST(open_close_keep)
{
	struct sock      a[3] = { mk(10, 1), mk(20, 2), mk(30, 3) };
	struct sock      b[3] = { mk(40, 4), mk(30, 3), mk(10, 1) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(a, 3, b, 3, &d), 0);
	CHECK_EQ_UINT(d.nadded, 1);
	CHECK_EQ_UINT(d.added[0], 0);          /* inode 40 */
	CHECK_EQ_UINT(d.nremoved, 1);
	CHECK_EQ_UINT(d.removed[0], 1);        /* inode 20 */
	CHECK_EQ_UINT(d.nkept, 2);
	CHECK_EQ_UINT(d.kept[0].b, 1);         /* 30: a[2] is b[1] */
	CHECK_EQ_UINT(d.kept[0].a, 2);
	CHECK_EQ_UINT(d.kept[1].b, 2);
	CHECK_EQ_UINT(d.kept[1].a, 0);
	sock_diff_free(&d);
}

TEST(same_port_new_inode_is_close_and_open)
{
	/* a restarted server: same port, a new socket */
	struct sock      a[1] = { mk(10, 3000) };
	struct sock      b[1] = { mk(11, 3000) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(a, 1, b, 1, &d), 0);
	CHECK_EQ_UINT(d.nadded, 1);
	CHECK_EQ_UINT(d.nremoved, 1);
	CHECK_EQ_UINT(d.nkept, 0);
	sock_diff_free(&d);
}

TEST(inode_zero_told_apart_by_endpoint)
{
	struct sock      a[2] = { mk(0, 1), mk(0, 2) };
	struct sock      b[2] = { mk(0, 2), mk(0, 3) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(a, 2, b, 2, &d), 0);
	CHECK_EQ_UINT(d.nkept, 1);
	CHECK_EQ_UINT(d.kept[0].a, 1);
	CHECK_EQ_UINT(d.kept[0].b, 0);
	CHECK_EQ_UINT(d.nadded, 1);
	CHECK_EQ_UINT(d.added[0], 1);
	CHECK_EQ_UINT(d.nremoved, 1);
	CHECK_EQ_UINT(d.removed[0], 0);
	sock_diff_free(&d);
}

TEST(proto_and_family_are_identity)
{
	struct sock      a[1] = { mk(5, 53) };
	struct sock      b[2] = { mk(5, 53), mk(5, 53) };
	struct sock_diff d;

	b[0].proto = PROTO_UDP;
	b[1].local.family = AF_INET6;
	CHECK_EQ_INT(sock_diff(a, 1, b, 2, &d), 0);
	CHECK_EQ_UINT(d.nkept, 0);
	CHECK_EQ_UINT(d.nadded, 2);
	CHECK_EQ_UINT(d.nremoved, 1);
	sock_diff_free(&d);
}

TEST(repeats_in_new_are_dups_once)
{
	struct sock      a[1] = { mk(7, 7) };
	struct sock      b[4] = { mk(8, 8), mk(7, 7), mk(8, 8), mk(7, 7) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(a, 1, b, 4, &d), 0);
	CHECK_EQ_UINT(d.nkept, 1);
	CHECK_EQ_UINT(d.kept[0].b, 1);
	CHECK_EQ_UINT(d.nadded, 1);
	CHECK_EQ_UINT(d.added[0], 0);
	CHECK_EQ_UINT(d.ndups, 2);
	CHECK_EQ_UINT(d.dups[0], 2);
	CHECK_EQ_UINT(d.dups[1], 3);
	CHECK_EQ_UINT(d.nremoved, 0);
	sock_diff_free(&d);
}

TEST(repeats_in_old_removed_once)
{
	struct sock      a[3] = { mk(7, 7), mk(7, 7), mk(9, 9) };
	struct sock_diff d;

	CHECK_EQ_INT(sock_diff(a, 3, NULL, 0, &d), 0);
	CHECK_EQ_UINT(d.nremoved, 2);
	CHECK_EQ_UINT(d.removed[0], 0);
	CHECK_EQ_UINT(d.removed[1], 2);
	sock_diff_free(&d);
}

/* Random snapshots against a quadratic reference: every index accounted
 * for exactly once, kept pairs really the same socket. */
TEST(random_against_reference)
{
	unsigned seed = 12345;
	int      bad = 0;

	for (int round = 0; round < 200; round++) {
		size_t           na = (size_t)(rand_r(&seed) % 300);
		size_t           nb = (size_t)(rand_r(&seed) % 300);
		struct sock     *a = calloc(na + 1, sizeof *a);
		struct sock     *b = calloc(nb + 1, sizeof *b);
		char            *seen_b = calloc(nb + 1, 1);
		struct sock_diff d;
		size_t           want_added = 0, want_removed = 0;

		for (size_t i = 0; i < na; i++)
			a[i] = mk((uint64_t)(rand_r(&seed) % 1000) * 2 + 1,
			    (uint16_t)(i + 1));
		for (size_t i = 0; i < na; i++)      /* unique in a */
			a[i].inode = i * 7 + 1 + (uint64_t)round;
		for (size_t i = 0; i < nb; i++) {
			if (na > 0 && rand_r(&seed) % 2)
				b[i] = a[(size_t)rand_r(&seed) % na];
			else
				b[i] = mk(100000 + i, (uint16_t)i);
		}
		if (sock_diff(a, na, b, nb, &d) != 0) {
			FAIL("sock_diff failed");
			break;
		}
		for (size_t j = 0; j < nb; j++) {
			bool first = true, in_a = false;

			for (size_t k = 0; k < j; k++)
				if (b[k].inode == b[j].inode &&
				    b[k].local.port == b[j].local.port)
					first = false;
			for (size_t i = 0; i < na; i++)
				if (a[i].inode == b[j].inode &&
				    a[i].local.port == b[j].local.port)
					in_a = true;
			if (first && !in_a)
				want_added++;
		}
		for (size_t i = 0; i < na; i++) {
			bool in_b = false;

			for (size_t j = 0; j < nb; j++)
				if (a[i].inode == b[j].inode)
					in_b = true;
			if (!in_b)
				want_removed++;
		}
		if (d.nadded != want_added || d.nremoved != want_removed ||
		    d.nadded + d.nkept + d.ndups != nb ||
		    d.nremoved + d.nkept != na)
			bad++;
		for (size_t k = 0; k < d.nkept; k++) {
			if (a[d.kept[k].a].inode != b[d.kept[k].b].inode)
				bad++;
			if (seen_b[d.kept[k].b]++)
				bad++;
		}
		for (size_t k = 0; k < d.nadded; k++)
			if (seen_b[d.added[k]]++)
				bad++;
		for (size_t k = 0; k < d.ndups; k++)
			if (seen_b[d.dups[k]]++)
				bad++;
		sock_diff_free(&d);
		free(a);
		free(b);
		free(seen_b);
	}
	CHECK_EQ_INT(bad, 0);
}
