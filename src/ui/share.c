/* share.c - one run for every request waiting (share.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ui/share.h"

struct ui_share {
	pthread_mutex_t lock;
	pthread_cond_t  more;
	struct ui_wait *head;        /* the next run's requests */
	bool            stopping;
	bool            started;
	pthread_t       t;
	void          (*fill)(void *, unsigned *, struct buf *);
	void           *ctx;
	uint64_t        gap_ns, last;    /* between runs' starts */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Under the lock: until gap after the last run's start (or the stop).
 * Who comes meanwhile joins the run. */
static void
wait_gap(struct ui_share *s)
{
	uint64_t        at = s->last + s->gap_ns;
	struct timespec ts;

	while (!s->stopping && mono_ns() < at) {
		ts.tv_sec = (time_t)(at / 1000000000u);
		ts.tv_nsec = (long)(at % 1000000000u);
		(void)pthread_cond_timedwait(&s->more, &s->lock, &ts);
	}
}

void
doc_unref(struct ui_doc *d)
{
	if (d != NULL && atomic_fetch_sub(&d->refs, 1) == 1) {
		buf_free(&d->out);
		free(d);
	}
}

static void *
runner(void *arg)
{
	struct ui_share *s = arg;

	for (;;) {
		struct ui_wait *batch, *next;
		struct ui_doc  *d;
		size_t          n = 0;

		pthread_mutex_lock(&s->lock);
		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->more, &s->lock);
		wait_gap(s);
		/* everyone here came before this run begins */
		batch = s->head;
		s->head = NULL;
		s->last = mono_ns();
		pthread_mutex_unlock(&s->lock);
		if (batch == NULL)
			return NULL;     /* stopping, nobody waits */
		for (struct ui_wait *w = batch; w != NULL; w = w->next)
			n++;
		if ((d = calloc(1, sizeof *d)) != NULL) {
			atomic_init(&d->refs, n);
			buf_init(&d->out);
			s->fill(s->ctx, &d->status, &d->out);
		}
		/* done may let the request go at once: next is read first */
		for (struct ui_wait *w = batch; w != NULL; w = next) {
			next = w->next;
			w->doc = d;
			w->done(w);
		}
	}
}

struct ui_share *
share_new(void (*fill)(void *, unsigned *, struct buf *), void *ctx,
    unsigned gap_ms)
{
	struct ui_share   *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;

	if (s == NULL)
		return NULL;
	s->fill = fill;
	s->ctx = ctx;
	s->gap_ns = (uint64_t)gap_ms * 1000000u;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->t, NULL, runner, s) != 0) {
		share_free(s);
		return NULL;
	}
	s->started = true;
	return s;
}

int
share_submit(struct ui_share *s, struct ui_wait *w, void (*before)(void *),
    void *ctx)
{
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	if (before != NULL)
		before(ctx);
	w->doc = NULL;
	w->next = s->head;
	s->head = w;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void
share_stop(struct ui_share *s)
{
	if (s == NULL || !s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->t, NULL);
	s->started = false;
}

void
share_free(struct ui_share *s)
{
	if (s == NULL)
		return;
	share_stop(s);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->more);
	free(s);
}
