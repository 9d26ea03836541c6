/* held.c - the live engine's holders (engine.h, "Owner changes"): one
 * pidfd per process that holds a socket, polled once a tick; a process no
 * pidfd could be had for is checked by its start time instead. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/platform.h"
#include "watch/engine_int.h"

void
held_close_all(struct watch *w)
{
	for (size_t i = 0; i < w->nheld; i++)
		if (w->held[i].fd >= 0)
			close(w->held[i].fd);
	free(w->held);
	free(w->fds);
	free(w->exited);
	w->held = NULL;
	w->fds = NULL;
	w->exited = NULL;
	w->nheld = 0;
}

static int
held_cmp(const void *x, const void *y)
{
	const struct held *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

static const struct held *
held_find(const struct watch *w, pid_t pid, uint64_t start)
{
	struct held key = { pid, start, -1, false };

	return w->nheld == 0 ? NULL : bsearch(&key, w->held, w->nheld,
	    sizeof *w->held, held_cmp);
}

/* Step 1: which watched holders exited since the last tick. */
size_t
poll_exits(struct watch *w)
{
	size_t n = 0;

	if (w->nheld == 0)
		return 0;
	if (platform_pidfds_exited(w->fds, w->nheld, w->exited) < 0)
		memset(w->exited, 0, w->nheld * sizeof *w->exited);
	for (size_t i = 0; i < w->nheld; i++) {
		struct held *h = &w->held[i];

		if (w->exited[i] || (h->fd < 0 && !h->gone &&
		    !platform_proc_alive(h->pid, h->start)))
			h->gone = true;
		n += h->gone;
	}
	return n;
}

/* Whether a socket of s has a holder that exited. */
bool
holder_gone(const struct watch *w, const struct snap *s, size_t i)
{
	const struct sock *k = &s->socks[i];

	for (size_t o = 0; o < k->owner_count; o++) {
		const struct proc *p = &s->procs[s->owners[k->owner_first +
		    o].proc];
		const struct held *h = held_find(w, p->pid, p->start_ticks);

		if (h == NULL || h->gone)
			return true;
	}
	return false;
}

/* The set of holders after a tick: pidfds kept for those still there,
 * opened for new ones, closed for the rest. */
void
held_update(struct watch *w)
{
	const struct snap *s = &w->cur;
	struct held       *nh = malloc((s->nprocs ? s->nprocs : 1) *
	    sizeof *nh);
	size_t             n = 0, i = 0, j = 0;

	if (nh == NULL)
		return;     /* keep the old set: exits of new holders unseen */
	for (size_t p = 0; p < s->nprocs; p++)
		nh[n++] = (struct held){ s->procs[p].pid,
		    s->procs[p].start_ticks, -1, false };
	qsort(nh, n, sizeof *nh, held_cmp);
	/* unique, then merged with the old set (both sorted) */
	for (size_t k = 0; k < n; k++)
		if (j == 0 || held_cmp(&nh[j - 1], &nh[k]) != 0)
			nh[j++] = nh[k];
	n = j;
	j = 0;
	for (size_t k = 0; k < n; k++) {
		int c = -1;

		while (i < w->nheld && (c = held_cmp(&w->held[i],
		    &nh[k])) < 0) {
			if (w->held[i].fd >= 0)
				close(w->held[i].fd);
			i++;
		}
		if (i < w->nheld && c == 0 && !w->held[i].gone) {
			nh[k].fd = w->held[i].fd;
			i++;
		} else {
			bool gone;

			if (i < w->nheld && c == 0) {
				if (w->held[i].fd >= 0)
					close(w->held[i].fd);
				i++;
			}
			nh[k].fd = platform_pidfd_open(nh[k].pid, nh[k].start,
			    &gone);
			/* exited since the walk: its sockets are walked again
			 * next tick */
			nh[k].gone = gone;
		}
	}
	for (; i < w->nheld; i++)
		if (w->held[i].fd >= 0)
			close(w->held[i].fd);
	free(w->held);
	free(w->fds);
	free(w->exited);
	w->held = nh;
	w->nheld = n;
	w->fds = malloc((n ? n : 1) * sizeof *w->fds);
	w->exited = calloc(n ? n : 1, sizeof *w->exited);
	if (w->fds == NULL || w->exited == NULL) {
		free(w->fds);
		free(w->exited);
		w->fds = NULL;
		w->exited = NULL;
		for (size_t k = 0; k < n; k++)
			if (nh[k].fd >= 0)
				close(nh[k].fd);
		free(nh);
		w->held = NULL;
		w->nheld = 0;
		return;
	}
	for (size_t k = 0; k < n; k++)
		w->fds[k] = nh[k].fd;
}
