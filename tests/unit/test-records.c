/* test-records.c - src/core/records.h: snapshot storage, owner links and
 * the inode map. */
#include "core/records.h"
#include "unit.h"

TEST(add_sock_defaults_and_growth)
{
	struct snap s;
	size_t      i;
	int         bad = 0;

	snap_init(&s);
	CHECK_EQ_UINT(s.nsocks, 0);
	CHECK(s.socks == NULL);
	for (i = 0; i < 1000; i++) {
		struct sock *k = snap_add_sock(&s);

		if (k == NULL) {
			FAIL("snap_add_sock returned NULL");
			break;
		}
		/* zeroed, except "v6only unknown" */
		if (k->v6only != -1 || k->inode != 0 || k->uid != 0 ||
		    k->cgroup_id != 0 || k->owner_count != 0 ||
		    k->more_hidden || k->local.port != 0)
			bad++;
		k->inode = 1000 + i;
		k->local.port = (uint16_t)i;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_UINT(s.nsocks, 1000);
	CHECK(s.capsocks >= 1000);
	/* contents survive the reallocations */
	for (i = 0, bad = 0; i < s.nsocks; i++)
		if (s.socks[i].inode != 1000 + i || s.socks[i].local.port != i)
			bad++;
	CHECK_EQ_INT(bad, 0);
	snap_free(&s);
	CHECK(s.socks == NULL);
	CHECK_EQ_UINT(s.nsocks, 0);
	CHECK_EQ_UINT(s.capsocks, 0);
}

TEST(procs_free_their_strings)
{
	struct snap  s;
	struct proc *p;

	snap_init(&s);
	p = snap_add_proc(&s);
	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK_EQ_UINT(p->have, 0);
	CHECK(p->cmdline == NULL && p->cwd == NULL && p->cgroup == NULL);
	p->cmdline = strdup("a\0b");
	p->cwd = strdup("/tmp");
	p->cgroup = strdup("/door-fixture");
	p = snap_add_proc(&s);   /* second one stays empty: free(NULL) */
	CHECK(p != NULL);
	proc_free(&s.procs[0]);
	CHECK(s.procs[0].cmdline == NULL && s.procs[0].cwd == NULL &&
	    s.procs[0].cgroup == NULL);
	proc_free(&s.procs[0]);   /* twice is harmless */
	s.procs[0].cwd = strdup("/again");
	snap_free(&s);   /* ASan reports a leak if this misses one */
	CHECK_EQ_UINT(s.nprocs, 0);
}

static void
own(struct snap *s, size_t sock, size_t proc, int fd)
{
	struct owner *o = snap_add_owner(s);

	if (o == NULL) {
		FAIL("snap_add_owner returned NULL");
		return;
	}
	o->sock = sock;
	o->proc = proc;
	o->fd = fd;
}

TEST(link_owners)
{
	struct snap s;
	size_t      i;

	snap_init(&s);
	for (i = 0; i < 4; i++)
		CHECK(snap_add_sock(&s) != NULL);
	for (i = 0; i < 3; i++)
		CHECK(snap_add_proc(&s) != NULL);
	/* added out of order, as the fd walk finds them */
	own(&s, 2, 1, 7);
	own(&s, 0, 2, 3);
	own(&s, 2, 0, 5);   /* forked workers share socket 2 */
	own(&s, 2, 0, 4);
	own(&s, 3, 2, 9);
	snap_link_owners(&s);
	CHECK_EQ_UINT(s.socks[0].owner_count, 1);
	CHECK_EQ_UINT(s.socks[1].owner_count, 0);
	CHECK_EQ_UINT(s.socks[2].owner_count, 3);
	CHECK_EQ_UINT(s.socks[3].owner_count, 1);
	CHECK_EQ_UINT(s.owners[s.socks[0].owner_first].sock, 0);
	CHECK_EQ_UINT(s.owners[s.socks[0].owner_first].proc, 2);
	/* socket 2's owners: contiguous, sorted by proc then fd */
	{
		const struct owner *o = &s.owners[s.socks[2].owner_first];

		CHECK_EQ_UINT(o[0].sock, 2);
		CHECK_EQ_UINT(o[0].proc, 0);
		CHECK_EQ_INT(o[0].fd, 4);
		CHECK_EQ_UINT(o[1].proc, 0);
		CHECK_EQ_INT(o[1].fd, 5);
		CHECK_EQ_UINT(o[2].proc, 1);
		CHECK_EQ_INT(o[2].fd, 7);
	}
	CHECK_EQ_INT(s.owners[s.socks[3].owner_first].fd, 9);
	/* linking twice gives the same answer (counts are reset) */
	snap_link_owners(&s);
	CHECK_EQ_UINT(s.socks[2].owner_count, 3);
	CHECK_EQ_UINT(s.socks[0].owner_count, 1);
	snap_free(&s);
}

TEST(link_owners_empty)
{
	struct snap s;

	snap_init(&s);
	snap_link_owners(&s);   /* no sockets, no owners */
	CHECK(snap_add_sock(&s) != NULL);
	s.socks[0].owner_count = 5;   /* stale */
	snap_link_owners(&s);
	CHECK_EQ_UINT(s.socks[0].owner_count, 0);
	snap_free(&s);
}

TEST(inode_map)
{
	struct inode_map m;
	size_t           i;
	int              bad = 0;

	CHECK_EQ_INT(inode_map_init(&m, 1000), 0);
	for (i = 0; i < 1000; i++)
		inode_map_put(&m, 2632166 + i * 7919, i);
	for (i = 0; i < 1000; i++)
		if (inode_map_get(&m, 2632166 + i * 7919) != i)
			bad++;
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_UINT(inode_map_get(&m, 1), SIZE_MAX);
	CHECK_EQ_UINT(inode_map_get(&m, 2632167), SIZE_MAX);
	CHECK_EQ_UINT(inode_map_get(&m, 0), SIZE_MAX);
	/* the first socket with an inode wins */
	inode_map_put(&m, 2632166, 999999);
	CHECK_EQ_UINT(inode_map_get(&m, 2632166), 0);
	/* inode 0 is never stored */
	inode_map_put(&m, 0, 5);
	CHECK_EQ_UINT(inode_map_get(&m, 0), SIZE_MAX);
	inode_map_free(&m);
	CHECK(m.keys == NULL && m.vals == NULL);
	inode_map_free(&m);   /* twice is harmless */
}

TEST(inode_map_collisions)
{
	struct inode_map m;
	int              bad = 0;

	/* keys that differ only in high bits, and a full-ish small table */
	CHECK_EQ_INT(inode_map_init(&m, 8), 0);
	for (uint64_t i = 1; i <= 8; i++)
		inode_map_put(&m, i << 40, (size_t)i);
	for (uint64_t i = 1; i <= 8; i++)
		if (inode_map_get(&m, i << 40) != i)
			bad++;
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_UINT(inode_map_get(&m, UINT64_MAX), SIZE_MAX);
	inode_map_free(&m);
	/* an empty map and a zeroed one answer "absent" */
	CHECK_EQ_INT(inode_map_init(&m, 0), 0);
	CHECK_EQ_UINT(inode_map_get(&m, 42), SIZE_MAX);
	inode_map_free(&m);
	memset(&m, 0, sizeof m);
	CHECK_EQ_UINT(inode_map_get(&m, 42), SIZE_MAX);
}

TEST(state_names)
{
	CHECK_STR(sk_state_name(SK_LISTEN), "LISTEN");
	CHECK_STR(sk_state_name(SK_ESTABLISHED), "ESTABLISHED");
	CHECK_STR(sk_state_name(SK_CLOSE), "CLOSE");
	CHECK_STR(sk_state_name(SK_TIME_WAIT), "TIME_WAIT");
	CHECK_STR(sk_state_name(SK_NEW_SYN_RECV), "NEW_SYN_RECV");
	CHECK_STR(sk_state_name(SK_BOUND_INACTIVE), "BOUND_INACTIVE");
	CHECK_STR(sk_state_name((enum sk_state)0), "UNKNOWN");
	CHECK_STR(sk_state_name(SK_STATE_MAX), "UNKNOWN");
	CHECK_STR(sk_state_name((enum sk_state)255), "UNKNOWN");
	CHECK_STR(sk_state_name((enum sk_state)-1), "UNKNOWN");
	/* the kernel's numbers (include/net/tcp_states.h) */
	CHECK_EQ_INT(SK_ESTABLISHED, 1);
	CHECK_EQ_INT(SK_CLOSE, 7);
	CHECK_EQ_INT(SK_LISTEN, 10);
	CHECK_EQ_INT(SK_NEW_SYN_RECV, 12);
}
