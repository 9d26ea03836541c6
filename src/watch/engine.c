/* engine.c - the live engine (engine.h): ticks, owners for new sockets
 * only, holders' exits by pidfd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "watch/diff.h"
#include "watch/engine_int.h"

const char *
watch_kind_name(enum watch_kind k)
{
	return k == WATCH_OPEN ? "open" : k == WATCH_CLOSE ? "close" :
	    "owner";
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

struct watch *
watch_new(const struct watch_opts *o, struct door_err *e)
{
	struct watch *w = calloc(1, sizeof *w);

	if (w == NULL) {
		err_set(e, DOOR_SYSTEM, "out of memory");
		return NULL;
	}
	w->o = *o;
	w->o.q.listening_only = true;
	if (w->o.q.owners == OWNER_SKIP)
		w->o.q.owners = OWNER_NARROW;
	if (o->f != NULL) {
		w->f = *o->f;
		w->has_f = true;
	}
	w->o.f = NULL;
	snap_init(&w->cur);
	snap_init(&w->prev);
	w->source = "netlink";
	raise_nofile();
	return w;
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	held_close_all(w);
	snap_free(&w->cur);
	snap_free(&w->prev);
	free(w->ev);
	free(w);
}

const struct snap *
watch_snap(const struct watch *w)
{
	return &w->cur;
}

const struct snap *
watch_prev(const struct watch *w)
{
	return &w->prev;
}

const char *
watch_source(const struct watch *w)
{
	return w->source;
}

uint64_t
watch_last_change(const struct watch *w)
{
	return w->last_change;
}

void
watch_counts(const struct watch *w, size_t *pidfds, size_t *polled)
{
	*pidfds = *polled = 0;
	for (size_t i = 0; i < w->nheld; i++)
		(*(w->held[i].fd >= 0 ? pidfds : polled))++;
}

static int
proc_copy(struct proc *d, const struct proc *s)
{
	*d = *s;
	d->cmdline = d->cwd = d->cgroup = NULL;
	if (s->cmdline != NULL) {
		if ((d->cmdline = malloc(s->cmdline_len + 1)) == NULL)
			return -1;
		memcpy(d->cmdline, s->cmdline, s->cmdline_len);
		d->cmdline[s->cmdline_len] = '\0';
	}
	if (s->cwd != NULL && (d->cwd = strdup(s->cwd)) == NULL)
		return -1;
	if (s->cgroup != NULL && (d->cgroup = strdup(s->cgroup)) == NULL)
		return -1;
	return 0;
}

/* Appends socket x of from (with its owners and their processes) to to;
 * pmap maps from's process indexes to to's (SIZE_MAX: not yet copied). */
static int
copy_sock(struct snap *to, const struct snap *from, size_t x, size_t *pmap,
    const struct sock *fresh)
{
	const struct sock *k = &from->socks[x];
	struct sock       *d = snap_add_sock(to);
	size_t             si;

	if (d == NULL)
		return -1;
	si = to->nsocks - 1;
	/* the fresh dump's record (uid, v6only) with the known owners */
	*d = fresh != NULL ? *fresh : *k;
	d->owners = k->owners;
	d->more_hidden = k->more_hidden;
	d->owner_first = 0;
	d->owner_count = 0;
	for (size_t o = 0; o < k->owner_count; o++) {
		const struct owner *ow = &from->owners[k->owner_first + o];
		struct owner       *no;

		if (pmap[ow->proc] == SIZE_MAX) {
			struct proc *p = snap_add_proc(to);

			if (p == NULL || proc_copy(p, &from->procs[ow->proc]) != 0)
				return -1;
			pmap[ow->proc] = to->nprocs - 1;
		}
		if ((no = snap_add_owner(to)) == NULL)
			return -1;
		no->sock = si;
		no->proc = pmap[ow->proc];
		no->fd = ow->fd;
		to->socks[si].owner_count++;
	}
	return 0;
}

static int
add_event(struct watch *w, enum watch_kind kind, uint64_t now,
    uint64_t inode, size_t sock, size_t prev_sock)
{
	if (w->nev == w->capev) {
		size_t              cap = w->capev ? w->capev * 2 : 64;
		struct watch_event *n = realloc(w->ev, cap * sizeof *n);

		if (n == NULL)
			return -1;
		w->ev = n;
		w->capev = cap;
	}
	w->ev[w->nev++] = (struct watch_event){ kind, now, inode, sock,
	    prev_sock };
	return 0;
}

/* Whether two sockets have the same holders (pid and start time). */
static bool
same_owners(const struct snap *a, size_t x, const struct snap *b, size_t y)
{
	const struct sock *ka = &a->socks[x], *kb = &b->socks[y];

	if (ka->owner_count != kb->owner_count || ka->owners != kb->owners)
		return false;
	for (size_t i = 0; i < ka->owner_count; i++) {
		const struct proc *p = &a->procs[a->owners[ka->owner_first +
		    i].proc];
		bool               found = false;

		for (size_t j = 0; j < kb->owner_count && !found; j++) {
			const struct proc *q = &b->procs[b->owners[
			    kb->owner_first + j].proc];

			found = p->pid == q->pid &&
			    p->start_ticks == q->start_ticks;
		}
		if (!found)
			return false;
	}
	return true;
}

static uint64_t
us_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000u +
	    (uint64_t)((t1.tv_nsec - t0->tv_nsec) / 1000);
}

/* Everything a tick builds, freed in one place. */
struct tick_work {
	struct snap      n;      /* the dump */
	struct snap      l;      /* the sockets to walk, then their owners */
	struct snap      s;      /* the new state */
	struct sock_diff d;
	char            *walk;   /* per index of n: 1 walked */
	size_t          *lidx;   /* per index of n: its index in l */
	size_t          *sidx;   /* per index of n: its index in s */
	size_t          *pmap_cur, *pmap_l;
};

static void
work_free(struct tick_work *t)
{
	snap_free(&t->n);
	snap_free(&t->l);
	snap_free(&t->s);
	sock_diff_free(&t->d);
	free(t->walk);
	free(t->lidx);
	free(t->sidx);
	free(t->pmap_cur);
	free(t->pmap_l);
}

static size_t *
size_array(size_t n)
{
	size_t *v = malloc((n ? n : 1) * sizeof *v);

	for (size_t i = 0; v != NULL && i < n; i++)
		v[i] = SIZE_MAX;
	return v;
}

int
watch_tick(struct watch *w, struct watch_tick *out, struct door_err *e)
{
	struct tick_work  t;
	struct sock_query q = w->o.q;
	struct timespec   t0;
	const struct door_filter *f = w->has_f ? &w->f : NULL;
	uint64_t          now;
	size_t            nrecheck = 0, *kept_a;
	unsigned          lpartial;
	int               ldenied;
	bool              emit = w->ticked || w->o.initial;

	memset(&t, 0, sizeof t);
	memset(out, 0, sizeof *out);
	w->nev = 0;
	out->first = !w->ticked;
	/* close events of the last tick pointed here: no longer needed */
	snap_free(&w->prev);
	snap_init(&w->prev);
	snap_init(&t.n);
	snap_init(&t.l);
	snap_init(&t.s);

	/* 1. exits first: a socket that closes with its holder is then gone
	 * from the dump, a close and not an owner change */
	out->exited = poll_exits(w);

	/* 2. the dump, without owners */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	q.owners = OWNER_SKIP;
	if (platform_snapshot(&q, &t.n, e) != 0) {
		work_free(&t);
		return -1;
	}
	out->dump_us = us_since(&t0);
	w->source = t.n.partial & SNAP_PARTIAL_FALLBACK ? "/proc/net" :
	    "netlink";
	now = platform_now_ms();

	/* 3. the diff */
	if (sock_diff(w->cur.socks, w->cur.nsocks, t.n.socks, t.n.nsocks,
	    &t.d) != 0)
		goto oom;
	t.walk = calloc(t.n.nsocks ? t.n.nsocks : 1, 1);
	kept_a = size_array(t.n.nsocks);
	if (t.walk == NULL || kept_a == NULL) {
		free(kept_a);
		goto oom;
	}
	for (size_t i = 0; i < t.d.nadded; i++)
		t.walk[t.d.added[i]] = 1;
	for (size_t i = 0; i < t.d.nkept; i++) {
		kept_a[t.d.kept[i].b] = t.d.kept[i].a;
		if (out->exited > 0 && holder_gone(w, &w->cur,
		    t.d.kept[i].a)) {
			t.walk[t.d.kept[i].b] = 1;
			nrecheck++;
		}
	}
	out->nsocks = t.d.nadded + t.d.nkept;
	if (t.d.nadded == 0 && t.d.nremoved == 0 && nrecheck == 0) {
		/* nothing changed: no walk, the state stays */
		free(kept_a);
		work_free(&t);
		w->ticked = true;
		out->ev = w->ev;
		return 0;
	}

	/* 4. owners for the new sockets and the re-checked ones only */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t.lidx = size_array(t.n.nsocks);
	t.sidx = size_array(t.n.nsocks);
	if (t.lidx == NULL || t.sidx == NULL) {
		free(kept_a);
		goto oom;
	}
	for (size_t b = 0; b < t.n.nsocks; b++) {
		struct sock *k;

		if (!t.walk[b])
			continue;
		if ((k = snap_add_sock(&t.l)) == NULL) {
			free(kept_a);
			goto oom;
		}
		*k = t.n.socks[b];
		k->owner_first = k->owner_count = 0;
		t.lidx[b] = t.l.nsocks - 1;
	}
	out->walked = t.l.nsocks;
	if (t.l.nsocks > 0 && platform_find_owners(&w->o.q, &t.l, e) != 0) {
		/* e.g. /proc unreadable: the sockets are shown without
		 * holders rather than not at all */
		err_clear(e);
		for (size_t i = 0; i < t.l.nsocks; i++)
			t.l.socks[i].owners = OWNERS_HIDDEN;
	}
	out->walk_us = us_since(&t0);

	/* 5. the new state, in the dump's order */
	t.pmap_cur = size_array(w->cur.nprocs);
	t.pmap_l = size_array(t.l.nprocs);
	if (t.pmap_cur == NULL || t.pmap_l == NULL) {
		free(kept_a);
		goto oom;
	}
	if (t.d.nkept == 0 && t.d.ndups == 0 && t.l.nsocks == t.n.nsocks) {
		/* every socket is new (the first tick): the walked copy is
		 * already the new state, in the dump's order; a second copy
		 * was a third of the first tick's peak memory on 10k doors
		 * (bench/watch.sh rss) */
		for (size_t b = 0; b < t.n.nsocks; b++)
			t.sidx[b] = b;
		lpartial = t.l.partial;
		ldenied = t.l.denied_pids;
		t.s = t.l;
		snap_init(&t.l);
		snap_link_owners(&t.s);
		goto linked;
	}
	{
		char *dup = calloc(t.n.nsocks ? t.n.nsocks : 1, 1);

		if (dup == NULL) {
			free(kept_a);
			goto oom;
		}
		for (size_t i = 0; i < t.d.ndups; i++)
			dup[t.d.dups[i]] = 1;
		for (size_t b = 0; b < t.n.nsocks; b++) {
			int rc;

			if (dup[b])
				continue;
			if (t.walk[b])
				rc = copy_sock(&t.s, &t.l, t.lidx[b], t.pmap_l,
				    &t.n.socks[b]);
			else
				rc = copy_sock(&t.s, &w->cur, kept_a[b],
				    t.pmap_cur, &t.n.socks[b]);
			if (rc != 0) {
				free(dup);
				free(kept_a);
				goto oom;
			}
			t.sidx[b] = t.s.nsocks - 1;
		}
		free(dup);
	}
	snap_link_owners(&t.s);
	lpartial = t.l.partial;
	ldenied = t.l.denied_pids;
linked:
	t.s.partial = t.n.partial | (lpartial & SNAP_PARTIAL_HIDDEN) |
	    (w->cur.partial & SNAP_PARTIAL_HIDDEN);
	t.s.denied_pids = ldenied > w->cur.denied_pids ? ldenied :
	    w->cur.denied_pids;
	memcpy(t.s.fallback_why, t.n.fallback_why, sizeof t.s.fallback_why);

	/* 6. events: closes, owner changes, opens */
	for (size_t i = 0; emit && i < t.d.nremoved; i++) {
		size_t a = t.d.removed[i];

		if (doors_sock_wanted(f, &w->cur, a) && add_event(w,
		    WATCH_CLOSE, now, w->cur.socks[a].inode, a,
		    SIZE_MAX) != 0)
			goto oom_kept;
	}
	for (size_t i = 0; emit && i < t.d.nkept; i++) {
		size_t a = t.d.kept[i].a, b = t.d.kept[i].b, s = t.sidx[b];

		if (!t.walk[b] || same_owners(&w->cur, a, &t.s, s))
			continue;
		if ((doors_sock_wanted(f, &t.s, s) ||
		    doors_sock_wanted(f, &w->cur, a)) && add_event(w,
		    WATCH_OWNER, now, t.s.socks[s].inode, s, a) != 0)
			goto oom_kept;
	}
	for (size_t i = 0; emit && i < t.d.nadded; i++) {
		size_t s = t.sidx[t.d.added[i]];

		if (doors_sock_wanted(f, &t.s, s) && add_event(w, WATCH_OPEN,
		    now, t.s.socks[s].inode, s, SIZE_MAX) != 0)
			goto oom_kept;
	}
	free(kept_a);
	if (w->nev > 0)
		w->last_change = now;

	/* 7. the new state replaces the old, which close events need */
	w->prev = w->cur;
	w->cur = t.s;
	snap_init(&t.s);
	work_free(&t);
	held_update(w);
	w->ticked = true;
	out->ev = w->ev;
	out->nev = w->nev;
	return 0;
oom_kept:
	free(kept_a);
oom:
	work_free(&t);
	w->nev = 0;
	return err_set(e, DOOR_SYSTEM, "out of memory");
}
