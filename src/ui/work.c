/* work.c - a fixed pool of worker threads over a bounded queue. */
#include <pthread.h>
#include <stdlib.h>

#include "ui/work.h"

#define WORK_THREADS_MAX 16

struct ui_work {
	pthread_mutex_t lock;
	pthread_cond_t  more;
	struct ui_job  *head, *tail;
	size_t          queued, max;
	bool            stopping;
	pthread_t       t[WORK_THREADS_MAX];
	size_t          nt;
};

static void *
worker(void *arg)
{
	struct ui_work *w = arg;

	for (;;) {
		struct ui_job *j;

		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->more, &w->lock);
		j = w->head;
		if (j == NULL) {
			/* stopping, and nothing left to run */
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&w->lock);
		j->run(j);
		j->done(j);
	}
}

struct ui_work *
work_new(size_t threads, size_t queue_max)
{
	struct ui_work *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	w->max = queue_max;
	if (threads > WORK_THREADS_MAX)
		threads = WORK_THREADS_MAX;
	for (size_t i = 0; i < threads; i++) {
		if (pthread_create(&w->t[w->nt], NULL, worker, w) != 0)
			break;
		w->nt++;
	}
	if (w->nt == 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->more);
		free(w);
		return NULL;
	}
	return w;
}

int
work_submit(struct ui_work *w, struct ui_job *j, void (*before)(void *),
    void *ctx)
{
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= w->max) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	if (before != NULL)
		before(ctx);
	j->next = NULL;
	if (w->tail != NULL)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void
work_stop(struct ui_work *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->more);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->nt; i++)
		pthread_join(w->t[i], NULL);
	w->nt = 0;
}

void
work_free(struct ui_work *w)
{
	if (w == NULL)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->more);
	free(w);
}
