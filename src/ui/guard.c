/* guard.c - door ui's connection guard (guard.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "platform/platform.h"
#include "ui/guard.h"

#define GUARD_SIDES	2
#define SWEEP_MS	1000

struct conn {
	struct side *side;
	int          fd;
	uint64_t     since;     /* waiting for a whole request since */
	bool         busy;
	bool         dropped;   /* shut down; CLOSED is coming */
	struct conn *prev, *next;
};

struct side {
	struct ui_guard *g;
	struct conn     *head;
	unsigned         n, dropped;
};

struct ui_guard {
	pthread_mutex_t lock;
	pthread_cond_t  stop_cv;
	bool            stop;
	pthread_t       sweeper;
	unsigned        per_side, head_ms;
	int             nsides;
	struct side     side[GUARD_SIDES];
};

/* Under the lock. The descriptor is still the connection's: the CLOSED
 * that comes before libmicrohttpd closes it takes the lock too. */
static void
drop(struct conn *c)
{
	c->dropped = true;
	c->side->dropped++;
	(void)shutdown(c->fd, SHUT_RDWR);
}

static void
sweep(struct ui_guard *g)
{
	uint64_t now = platform_mono_ms();

	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < g->nsides; i++)
		for (struct conn *c = g->side[i].head; c != NULL; c = c->next)
			if (!c->busy && !c->dropped &&
			    now - c->since >= g->head_ms)
				drop(c);
	pthread_mutex_unlock(&g->lock);
}

static void *
sweeper(void *arg)
{
	struct ui_guard *g = arg;
	struct timespec  ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += SWEEP_MS / 1000;
		(void)pthread_cond_timedwait(&g->stop_cv, &g->lock, &ts);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		sweep(g);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct ui_guard *
guard_new(int sides, unsigned per_side, unsigned head_ms)
{
	struct ui_guard   *g;
	pthread_condattr_t ca;

	if (sides < 1 || sides > GUARD_SIDES ||
	    (g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->nsides = sides;
	g->per_side = per_side;
	g->head_ms = head_ms;
	for (int i = 0; i < sides; i++)
		g->side[i].g = g;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->stop_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->sweeper, NULL, sweeper, g) != 0) {
		pthread_mutex_destroy(&g->lock);
		pthread_cond_destroy(&g->stop_cv);
		free(g);
		return NULL;
	}
	return g;
}

void
guard_free(struct ui_guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_broadcast(&g->stop_cv);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->sweeper, NULL);
	/* the daemons have stopped: every connection was CLOSED */
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->stop_cv);
	free(g);
}

void *
guard_side(struct ui_guard *g, int i)
{
	return &g->side[i];
}

/* A new connection took the last free place: the one waiting the
 * longest (not the new one) goes. Under the lock. */
static void
make_room(struct side *s, struct conn *fresh)
{
	struct conn *old = NULL;

	if (s->n - s->dropped <= s->g->per_side)
		return;
	for (struct conn *c = s->head; c != NULL; c = c->next)
		if (c != fresh && !c->busy && !c->dropped &&
		    (old == NULL || c->since < old->since))
			old = c;
	if (old != NULL)
		drop(old);
}

void
guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct side                    *s = cls;
	struct conn                    *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		/* without its record (no memory) a connection is only
		 * libmicrohttpd's to time out */
		if (ci == NULL || (c = calloc(1, sizeof *c)) == NULL)
			return;
		c->side = s;
		c->fd = ci->connect_fd;
		c->since = platform_mono_ms();
		pthread_mutex_lock(&s->g->lock);
		c->next = s->head;
		if (s->head != NULL)
			s->head->prev = c;
		s->head = c;
		s->n++;
		make_room(s, c);
		pthread_mutex_unlock(&s->g->lock);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&s->g->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->n--;
	if (c->dropped)
		s->dropped--;
	pthread_mutex_unlock(&s->g->lock);
	free(c);
	*socket_context = NULL;
}

static struct conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

void
guard_busy(struct MHD_Connection *conn)
{
	struct conn *c = conn_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->side->g->lock);
	c->busy = true;
	pthread_mutex_unlock(&c->side->g->lock);
}

void
guard_idle(struct MHD_Connection *conn)
{
	struct conn *c = conn_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->side->g->lock);
	c->busy = false;
	c->since = platform_mono_ms();
	pthread_mutex_unlock(&c->side->g->lock);
}
