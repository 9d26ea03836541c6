/* events.c - the Server-Sent Events hub (events.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "ui/events.h"

/* The table as a framed "snapshot" event, shared by the clients sending
 * it; freed by the last one. */
struct snapshot {
	size_t   refs;
	uint64_t at;      /* ring position the table is current at */
	size_t   len;
	char     text[];
};

struct ui_sse {
	struct ui_hub         *hub;
	struct MHD_Connection *conn;
	struct snapshot       *snap;      /* still being sent, or NULL */
	size_t                 snap_off;
	uint64_t               pos;       /* next ring byte to send */
	bool                   suspended;
	bool                   lagged;    /* the ring overtook it: drop */
	struct ui_sse         *prev, *next;
};

struct ui_hub {
	pthread_mutex_t  lock;
	pthread_cond_t   joined;
	char            *ring;
	size_t           size;
	uint64_t         head;           /* bytes ever written */
	struct snapshot *snap;
	struct ui_sse   *clients;
	size_t           nclients, max;
	bool             closing;
};

static const char hello[] = "retry: 1000\n\n";

static void
snap_unref(struct snapshot *s)
{
	if (s != NULL && --s->refs == 0)
		free(s);
}

struct ui_hub *
hub_new(size_t ring_bytes, size_t max_clients)
{
	struct ui_hub     *h = calloc(1, sizeof *h);
	pthread_condattr_t ca;

	if (h == NULL || (h->ring = malloc(ring_bytes)) == NULL) {
		free(h);
		return NULL;
	}
	h->size = ring_bytes;
	h->max = max_clients;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->joined, &ca);
	pthread_condattr_destroy(&ca);
	return h;
}

void
hub_free(struct ui_hub *h)
{
	if (h == NULL)
		return;
	snap_unref(h->snap);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->joined);
	free(h->ring);
	free(h);
}

struct ui_sse *
hub_join(struct ui_hub *h, struct MHD_Connection *conn)
{
	struct ui_sse *c;

	pthread_mutex_lock(&h->lock);
	if (h->closing || h->nclients >= h->max ||
	    (c = calloc(1, sizeof *c)) == NULL) {
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	c->hub = h;
	c->conn = conn;
	c->pos = h->head;
	if (h->snap != NULL) {
		c->snap = h->snap;
		c->snap->refs++;
		c->pos = h->snap->at;
	}
	c->next = h->clients;
	if (h->clients != NULL)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	pthread_cond_broadcast(&h->joined);
	pthread_mutex_unlock(&h->lock);
	return c;
}

void
hub_leave(void *client)
{
	struct ui_sse *c = client;
	struct ui_hub *h = c->hub;

	pthread_mutex_lock(&h->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nclients--;
	snap_unref(c->snap);
	pthread_mutex_unlock(&h->lock);
	free(c);
}

/* Copies ring bytes [from, from + n) out; the caller checked they are
 * still in the ring. */
static void
ring_copy(const struct ui_hub *h, uint64_t from, char *out, size_t n)
{
	size_t off = (size_t)(from % h->size), first = h->size - off;

	if (first > n)
		first = n;
	memcpy(out, h->ring + off, first);
	memcpy(out + first, h->ring, n - first);
}

ssize_t
hub_read(void *client, uint64_t pos, char *buf, size_t max)
{
	struct ui_sse *c = client;
	struct ui_hub *h = c->hub;
	size_t         n = 0;

	pthread_mutex_lock(&h->lock);
	if (h->closing || c->lagged) {
		pthread_mutex_unlock(&h->lock);
		return c->lagged ? MHD_CONTENT_READER_END_WITH_ERROR :
		    MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (pos == 0) {
		/* the first bytes of the stream; max is never this small */
		n = sizeof hello - 1 < max ? sizeof hello - 1 : max;
		memcpy(buf, hello, n);
	}
	if (c->snap != NULL && n < max) {
		size_t k = c->snap->len - c->snap_off;

		if (k > max - n)
			k = max - n;
		memcpy(buf + n, c->snap->text + c->snap_off, k);
		c->snap_off += k;
		n += k;
		if (c->snap_off == c->snap->len) {
			snap_unref(c->snap);
			c->snap = NULL;
		}
	}
	if (c->snap == NULL && n < max) {
		uint64_t avail = h->head - c->pos;

		if (avail > h->size) {
			/* overwritten before it was sent: start again */
			c->lagged = true;
			pthread_mutex_unlock(&h->lock);
			return n > 0 ? (ssize_t)n :
			    MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (avail > max - n)
			avail = max - n;
		ring_copy(h, c->pos, buf + n, (size_t)avail);
		c->pos += avail;
		n += (size_t)avail;
	}
	if (n == 0) {
		/* nothing to send: park it until hub_wake; under the lock,
		 * so hub_wake never resumes a connection not yet suspended */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
	}
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

static void
ring_put(struct ui_hub *h, const char *s, size_t n)
{
	while (n > 0) {
		size_t off = (size_t)(h->head % h->size), k = h->size - off;

		if (k > n)
			k = n;
		memcpy(h->ring + off, s, k);
		h->head += k;
		s += k;
		n -= k;
	}
}

/* "event: NAME\ndata: line\ndata: line\n\n" into put(ctx, ...). */
static size_t
frame(const char *event, const char *data, size_t len,
    void (*put)(void *, const char *, size_t), void *ctx)
{
	size_t total = 0, i = 0;

#define PUT(s, n) do { if (put) put(ctx, (s), (n)); total += (n); } while (0)
	if (event != NULL) {
		PUT("event: ", 7);
		PUT(event, strlen(event));
		PUT("\n", 1);
	}
	/* each turn takes one line: at most len + 1 turns */
	while (i <= len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t      l = nl ? (size_t)(nl - (data + i)) : len - i;

		if (l > 0 && data[i + l - 1] == '\r')
			l--;
		if (nl == NULL && l == 0 && i > 0)
			break;       /* the text ended with a newline */
		PUT("data: ", 6);
		PUT(data + i, l);
		PUT("\n", 1);
		if (nl == NULL)
			break;
		i = (size_t)(nl - data) + 1;
	}
	PUT("\n", 1);
#undef PUT
	return total;
}

static void
put_ring(void *ctx, const char *s, size_t n)
{
	ring_put(ctx, s, n);
}

static void
drop_everyone(struct ui_hub *h)
{
	for (struct ui_sse *c = h->clients; c != NULL; c = c->next)
		c->lagged = true;
}

void
hub_publish(struct ui_hub *h, const char *event, const char *data,
    size_t len)
{
	size_t need = frame(event, data, len, NULL, NULL);

	pthread_mutex_lock(&h->lock);
	if (need > h->size / 2)
		/* one event bigger than half the ring (a 128 KiB command
		 * line): everyone starts again from the table instead */
		drop_everyone(h);
	else
		frame(event, data, len, put_ring, h);
	pthread_mutex_unlock(&h->lock);
}

void
hub_comment(struct ui_hub *h, const char *text)
{
	pthread_mutex_lock(&h->lock);
	ring_put(h, ": ", 2);
	ring_put(h, text, strlen(text));
	ring_put(h, "\n\n", 2);
	pthread_mutex_unlock(&h->lock);
}

struct put_mem {
	char  *p;
	size_t n;
};

static void
put_mem(void *ctx, const char *s, size_t n)
{
	struct put_mem *m = ctx;

	memcpy(m->p + m->n, s, n);
	m->n += n;
}

int
hub_set_snapshot(struct ui_hub *h, const char *data, size_t len)
{
	size_t           need = frame("snapshot", data, len, NULL, NULL);
	struct snapshot *s = malloc(sizeof *s + need);
	struct put_mem   m;

	if (s == NULL)
		return -1;
	m.p = s->text;
	m.n = 0;
	frame("snapshot", data, len, put_mem, &m);
	s->len = m.n;
	s->refs = 1;
	pthread_mutex_lock(&h->lock);
	s->at = h->head;
	snap_unref(h->snap);
	h->snap = s;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Resumes the parked clients, outside the lock (hub_read suspends under
 * it, so none is resumed before it was suspended). */
static void
wake(struct ui_hub *h)
{
	struct MHD_Connection *batch[64];
	size_t                 n;

	do {
		n = 0;
		pthread_mutex_lock(&h->lock);
		for (struct ui_sse *c = h->clients; c != NULL && n < 64;
		    c = c->next)
			if (c->suspended) {
				c->suspended = false;
				batch[n++] = c->conn;
			}
		pthread_mutex_unlock(&h->lock);
		/* a parked connection is not processed, so not freed,
		 * until it is resumed here */
		for (size_t i = 0; i < n; i++)
			MHD_resume_connection(batch[i]);
	} while (n == 64);
}

void
hub_wake(struct ui_hub *h)
{
	wake(h);
}

void
hub_close(struct ui_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->closing = true;
	pthread_cond_broadcast(&h->joined);
	pthread_mutex_unlock(&h->lock);
	wake(h);
}

size_t
hub_clients(struct ui_hub *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->nclients;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void
hub_wait_client(struct ui_hub *h, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	if (h->nclients == 0 && !h->closing)
		(void)pthread_cond_timedwait(&h->joined, &h->lock, &ts);
	pthread_mutex_unlock(&h->lock);
}
