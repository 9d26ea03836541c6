/* share.c - one run for every request waiting (share.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

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
};

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
		/* everyone here came before this run begins */
		batch = s->head;
		s->head = NULL;
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
share_new(void (*fill)(void *, unsigned *, struct buf *), void *ctx)
{
	struct ui_share *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->fill = fill;
	s->ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->more, NULL);
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
