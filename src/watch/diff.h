/* diff.h - what changed between two socket snapshots, by inode: pure (no
 * system calls), unit-tested (tests/unit/test-diff.c); shared by door
 * watch and door ui through the live engine (watch/engine.h). */
#ifndef DOOR_WATCH_DIFF_H
#define DOOR_WATCH_DIFF_H

#include <stddef.h>

#include "core/records.h"

/* A pair of indexes: the same socket in the old (a) and new (b) arrays. */
struct diff_pair {
	size_t a, b;
};

struct sock_diff {
	size_t           *added;     /* indexes into b, in b's order */
	size_t            nadded;
	size_t           *removed;   /* indexes into a, in a's order */
	size_t            nremoved;
	struct diff_pair *kept;      /* in b's order */
	size_t            nkept;
	size_t           *dups;      /* indexes into b that repeat a socket
				        already in b (a dump that saw one
				        twice): not a socket of their own */
	size_t            ndups;
};

/*
 * Compares a[0..na) with b[0..nb). A socket is the same when its inode,
 * protocol and local endpoint are (the endpoint tells apart sockets the
 * kernel gave no inode, 0). Every index of b lands in exactly one of
 * added, kept or dups; every index of a in removed or kept (a socket
 * repeated in a counts once: the first). Returns -1 when memory runs out
 * (d is then empty), else 0. O((na + nb) log(na + nb)).
 */
int	sock_diff(const struct sock *a, size_t na, const struct sock *b,
	    size_t nb, struct sock_diff *d);
void	sock_diff_free(struct sock_diff *);

#endif
