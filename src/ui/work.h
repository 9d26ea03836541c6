/* work.h - door ui's workers: what takes a snapshot, knocks or signals
 * runs here, off the HTTP event loop, a few at a time. The queue is
 * bounded: a full one says no at once (503), it never grows. */
#ifndef DOOR_UI_WORK_H
#define DOOR_UI_WORK_H

#include <stdbool.h>
#include <stddef.h>

struct ui_job {
	void (*run)(struct ui_job *);    /* in a worker thread */
	void (*done)(struct ui_job *);   /* then, in the same thread */
	struct ui_job *next;
};

struct ui_work;

struct ui_work	*work_new(size_t threads, size_t queue_max);
/*
 * Queues j. before(ctx) is called first, under the queue's lock, only
 * when j will run (door ui suspends the connection there, so j's done,
 * which resumes it, cannot come first). Returns -1 when the queue is
 * full or stopping: nothing was called.
 */
int	work_submit(struct ui_work *, struct ui_job *j,
	    void (*before)(void *), void *ctx);
/* Refuses new jobs, runs every queued one, joins the threads. */
void	work_stop(struct ui_work *);
/* After work_stop, once nobody can submit any more. */
void	work_free(struct ui_work *);

#endif
