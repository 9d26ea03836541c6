/* share.h - one run for every request waiting: the table (/api/doors).
 *
 * The table is a walk of the machine (/proc, every process's fds): a few
 * milliseconds on a quiet machine, seconds with a million fds, and walks
 * at once slow each other down. With a worker each, 1000 requests 64 at
 * a time cost 3.5 CPU-seconds, and 300 at once filled the queue (220
 * answered 503); this way 0.22 s and none (docs/NOTES.md). So the table
 * requests wait in one list, and one thread takes the whole list, runs
 * the walk once and answers every one of them with the same bytes. Each
 * answer comes from a walk that began after its request came (never an
 * older table); at most one walk runs at a time, and walks start
 * UI_TABLE_GAP_MS apart at least, whatever the load: at 1000 requests a
 * second, back-to-back walks took 1.65 cores of 2 (each walk is threaded
 * itself), a walk each 50 ms takes far less, for at most 50 ms more
 * latency (bench/RESULTS.md). Memory is one document per walk, shared
 * by the answers being sent.
 */
#ifndef DOOR_UI_SHARE_H
#define DOOR_UI_SHARE_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/buf.h"

/* One run's answer, shared by its requests; freed by the last unref. */
struct ui_doc {
	atomic_size_t refs;
	unsigned      status;   /* HTTP */
	struct buf    out;      /* a JSON document */
};

void	doc_unref(struct ui_doc *);

/* A request waiting for the next run. done runs in the share's thread
 * with doc set (one reference the request owns), or doc NULL when there
 * was no memory for an answer. */
struct ui_wait {
	struct ui_doc   *doc;
	void           (*done)(struct ui_wait *);
	struct ui_wait  *next;
};

struct ui_share;

/* fill(ctx, &status, &out) is the run: it writes one JSON document.
 * Runs start gap_ms apart at least: a request that comes sooner waits
 * for the next (with everyone else who comes meanwhile). */
struct ui_share	*share_new(void (*fill)(void *ctx, unsigned *status,
		    struct buf *out), void *ctx, unsigned gap_ms);
/* Adds w to the next run. before(ctx) is called first, under the lock,
 * only when w will be answered (door ui suspends the connection there).
 * Returns -1 when stopping: nothing was called. */
int	share_submit(struct ui_share *, struct ui_wait *w,
	    void (*before)(void *), void *ctx);
/* Refuses new requests, answers the waiting ones, joins the thread. */
void	share_stop(struct ui_share *);
void	share_free(struct ui_share *);

#endif
