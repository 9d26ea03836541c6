/* records.c - snapshot storage and the inode map. */
#include <stdlib.h>
#include <string.h>

#include "core/records.h"

void
snap_init(struct snap *s)
{
	memset(s, 0, sizeof *s);
}

void
proc_free(struct proc *p)
{
	free(p->cmdline);
	free(p->cwd);
	free(p->cgroup);
	p->cmdline = p->cwd = p->cgroup = NULL;
}

void
snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		proc_free(&s->procs[i]);
	free(s->socks);
	free(s->procs);
	free(s->owners);
	snap_init(s);
}

/*
 * The first block of an array is at least this big: glibc's malloc maps
 * blocks this size on their own (M_MMAP_THRESHOLD), so that doubling is a
 * mremap, not a copy, and pages never written cost no memory. Smaller
 * first blocks went on the heap, were copied at each doubling and left
 * behind pages that door ls's peak then included.
 */
#define GROW_FIRST_BYTES (128u << 10)

/* Grows an array by doubling; returns a zeroed new element. */
static void *
grow(void **arr, size_t *n, size_t *cap, size_t elem)
{
	char *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 :
		    (GROW_FIRST_BYTES + elem - 1) / elem;
		void  *na;

		if (ncap > SIZE_MAX / elem)
			return NULL;
		na = realloc(*arr, ncap * elem);
		if (na == NULL)
			return NULL;
		*arr = na;
		*cap = ncap;
	}
	p = (char *)*arr + (*n)++ * elem;
	memset(p, 0, elem);
	return p;
}

struct sock *
snap_add_sock(struct snap *s)
{
	struct sock *k = grow((void **)&s->socks, &s->nsocks, &s->capsocks,
	    sizeof *s->socks);

	if (k != NULL)
		k->v6only = -1;
	return k;
}

struct proc *
snap_add_proc(struct snap *s)
{
	return grow((void **)&s->procs, &s->nprocs, &s->capprocs,
	    sizeof *s->procs);
}

struct owner *
snap_add_owner(struct snap *s)
{
	/* sock.owner_first and owner_count are 32-bit */
	if (s->nowners >= UINT32_MAX)
		return NULL;
	return grow((void **)&s->owners, &s->nowners, &s->capowners,
	    sizeof *s->owners);
}

static int
owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->sock != y->sock)
		return x->sock < y->sock ? -1 : 1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

void
snap_link_owners(struct snap *s)
{
	size_t i;

	if (s->nowners > 1)
		qsort(s->owners, s->nowners, sizeof *s->owners, owner_cmp);
	for (i = 0; i < s->nsocks; i++)
		s->socks[i].owner_count = 0;
	for (i = s->nowners; i-- > 0;) {
		struct sock *k = &s->socks[s->owners[i].sock];

		k->owner_first = (uint32_t)i;   /* < UINT32_MAX: see above */
		k->owner_count++;
	}
}

static size_t
hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

int
inode_map_init(struct inode_map *m, size_t count)
{
	size_t cap = 16;

	while (cap < count * 2 && cap < ((size_t)1 << 40))
		cap <<= 1;
	m->keys = calloc(cap, sizeof *m->keys);
	m->vals = calloc(cap, sizeof *m->vals);
	m->mask = cap - 1;
	if (m->keys == NULL || m->vals == NULL) {
		inode_map_free(m);
		return -1;
	}
	return 0;
}

void
inode_map_free(struct inode_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}

void
inode_map_put(struct inode_map *m, uint64_t inode, size_t idx)
{
	size_t h;

	if (inode == 0)
		return;
	for (h = hash64(inode) & m->mask; m->keys[h] != 0;
	    h = (h + 1) & m->mask)
		if (m->keys[h] == inode)
			return;   /* first socket with this inode wins */
	m->keys[h] = inode;
	m->vals[h] = idx;
}

size_t
inode_map_get(const struct inode_map *m, uint64_t inode)
{
	size_t h;

	if (inode == 0 || m->keys == NULL)
		return SIZE_MAX;
	for (h = hash64(inode) & m->mask; m->keys[h] != 0;
	    h = (h + 1) & m->mask)
		if (m->keys[h] == inode)
			return m->vals[h];
	return SIZE_MAX;
}

const char *
sk_state_name(enum sk_state st)
{
	static const char *names[SK_STATE_MAX] = {
		[SK_ESTABLISHED] = "ESTABLISHED", [SK_SYN_SENT] = "SYN_SENT",
		[SK_SYN_RECV] = "SYN_RECV", [SK_FIN_WAIT1] = "FIN_WAIT1",
		[SK_FIN_WAIT2] = "FIN_WAIT2", [SK_TIME_WAIT] = "TIME_WAIT",
		[SK_CLOSE] = "CLOSE", [SK_CLOSE_WAIT] = "CLOSE_WAIT",
		[SK_LAST_ACK] = "LAST_ACK", [SK_LISTEN] = "LISTEN",
		[SK_CLOSING] = "CLOSING", [SK_NEW_SYN_RECV] = "NEW_SYN_RECV",
		[SK_BOUND_INACTIVE] = "BOUND_INACTIVE",
	};

	if ((int)st <= 0 || st >= SK_STATE_MAX || names[st] == NULL)
		return "UNKNOWN";
	return names[st];
}
