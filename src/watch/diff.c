/* diff.c - two socket arrays compared by identity (diff.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "watch/diff.h"

struct key {
	const struct sock *s;
	size_t             idx;
};

static int
sock_ident_cmp(const struct sock *x, const struct sock *y)
{
	size_t n;
	int    c;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->local.family != y->local.family)
		return x->local.family < y->local.family ? -1 : 1;
	if (x->local.port != y->local.port)
		return x->local.port < y->local.port ? -1 : 1;
	n = x->local.family == AF_INET ? 4 : sizeof x->local.addr;
	c = memcmp(x->local.addr, y->local.addr, n);
	return c < 0 ? -1 : c > 0;
}

static int
key_cmp(const void *p, const void *q)
{
	const struct key *x = p, *y = q;
	int               c = sock_ident_cmp(x->s, y->s);

	if (c != 0)
		return c;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static struct key *
keys(const struct sock *s, size_t n)
{
	struct key *k = malloc((n ? n : 1) * sizeof *k);

	if (k == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct key){ &s[i], i };
	qsort(k, n, sizeof *k, key_cmp);
	return k;
}

static int
idx_cmp(const void *p, const void *q)
{
	size_t x = *(const size_t *)p, y = *(const size_t *)q;

	return (x > y) - (x < y);
}

static int
pair_cmp(const void *p, const void *q)
{
	const struct diff_pair *x = p, *y = q;

	return (x->b > y->b) - (x->b < y->b);
}

void
sock_diff_free(struct sock_diff *d)
{
	free(d->added);
	free(d->removed);
	free(d->kept);
	free(d->dups);
	memset(d, 0, sizeof *d);
}

int
sock_diff(const struct sock *a, size_t na, const struct sock *b, size_t nb,
    struct sock_diff *d)
{
	struct key *ka, *kb;
	size_t      i = 0, j = 0;

	memset(d, 0, sizeof *d);
	ka = keys(a, na);
	kb = keys(b, nb);
	d->added = malloc((nb ? nb : 1) * sizeof *d->added);
	d->removed = malloc((na ? na : 1) * sizeof *d->removed);
	d->kept = malloc((nb ? nb : 1) * sizeof *d->kept);
	d->dups = malloc((nb ? nb : 1) * sizeof *d->dups);
	if (ka == NULL || kb == NULL || d->added == NULL ||
	    d->removed == NULL || d->kept == NULL || d->dups == NULL) {
		free(ka);
		free(kb);
		sock_diff_free(d);
		return -1;
	}
	/* a merge of the two sorted runs; a repeat follows its first */
	while (i < na || j < nb) {
		int c;

		if (i > 0 && i < na && sock_ident_cmp(ka[i].s,
		    ka[i - 1].s) == 0) {
			i++;
			continue;
		}
		if (j > 0 && j < nb && sock_ident_cmp(kb[j].s,
		    kb[j - 1].s) == 0) {
			d->dups[d->ndups++] = kb[j++].idx;
			continue;
		}
		if (i == na)
			c = 1;
		else if (j == nb)
			c = -1;
		else
			c = sock_ident_cmp(ka[i].s, kb[j].s);
		if (c < 0)
			d->removed[d->nremoved++] = ka[i++].idx;
		else if (c > 0)
			d->added[d->nadded++] = kb[j++].idx;
		else
			d->kept[d->nkept++] = (struct diff_pair){ ka[i++].idx,
			    kb[j++].idx };
	}
	free(ka);
	free(kb);
	qsort(d->added, d->nadded, sizeof *d->added, idx_cmp);
	qsort(d->removed, d->nremoved, sizeof *d->removed, idx_cmp);
	qsort(d->dups, d->ndups, sizeof *d->dups, idx_cmp);
	qsort(d->kept, d->nkept, sizeof *d->kept, pair_cmp);
	return 0;
}
