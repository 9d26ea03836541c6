/* hintgate.c - where a card's probes wait for their doors' owners: the
 * hint that keeps HTTP away from a Redis (probe.h, struct probe_gate). */
#include <sys/eventfd.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "probe/driver.h"

void
probe_gate_init(struct probe_gate *g)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->open = false;
	/* without it the greeting just ends on time: slower, still right */
	g->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

void
probe_gate_open(struct probe_gate *g, void (*fill)(void *), void *ctx)
{
	pthread_mutex_lock(&g->mu);
	if (fill != NULL)
		fill(ctx);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	if (g->wake >= 0) {
		uint64_t one = 1;

		/* never read: it stays readable for every greeting */
		if (write(g->wake, &one, sizeof one) != sizeof one) {
			/* a counter this young cannot overflow */
		}
	}
	pthread_mutex_unlock(&g->mu);
}

void
probe_gate_destroy(struct probe_gate *g)
{
	if (g->wake >= 0)
		close(g->wake);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

/* Waits until the gate opens (at most PROBE_GATE_MAX_MS), then copies the
 * door's hint, under the lock the caller wrote it under. */
void
probe_pass_gate(struct probe_gate *g, struct ctx *c)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += PROBE_GATE_MAX_MS / 1000;
	pthread_mutex_lock(&g->mu);
	while (!g->open)
		if (pthread_cond_timedwait(&g->cv, &g->mu, &until) != 0 &&
		    !g->open)
			break;   /* ETIMEDOUT: on without the hint */
	snprintf(c->hint, sizeof c->hint, "%s", c->d->hint);
	pthread_mutex_unlock(&g->mu);
}
