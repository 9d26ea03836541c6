/* inventory.c - this machine's doors for door url: who listens on the
 * URL's port, and when nobody does, the nearest doors (same directory
 * first, then same kind, then the nearest number). Asked narrowly (house
 * rule 5): owners only for the URL's port and a few candidate ports.
 *
 * Reading owners is not bounded by the platform (a process holding 10k
 * sockets takes seconds), so the asking runs in a thread and door waits
 * for it at most budget_ms; a late thread finishes alone and frees its
 * own state (a reference count), never touching the report. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "platform/platform.h"
#include "url/url.h"

#define CANDIDATES	6

struct inv {
	pthread_mutex_t     mu;
	pthread_cond_t      cv;
	int                 refs;
	bool                done, abandoned;
	/* in */
	uint16_t            port;
	char                cwd[512];
	const char         *usual;
	/* out, under mu */
	bool                port_read, owners_read;
	struct url_listener on_port[URL_LISTEN_MAX];
	size_t              non_port;
	struct url_listener near[URL_NEAR_MAX];
	size_t              nnear;
	bool                docker;
	char                docker_target[96];
	char                err[256];
};

static void
fill_listener(const struct snap *s, const struct sock *k,
    struct url_listener *l, const char *cwd, const char *usual)
{
	const struct proc *p;
	struct passive_id  id;
	size_t             cl = strlen(cwd);

	memset(l, 0, sizeof *l);
	endpoint_addr(&k->local, l->addr, sizeof l->addr);
	l->family = k->local.family;
	l->port = k->local.port;
	l->v6only = k->v6only;
	if (k->owner_count == 0)
		return;
	p = &s->procs[s->owners[k->owner_first].proc];
	l->pid = p->pid;
	snprintf(l->process, sizeof l->process, "%s", p->name);
	if (p->have & PROC_HAVE_CWD && p->cwd != NULL) {
		snprintf(l->cwd, sizeof l->cwd, "%s", p->cwd);
		l->same_dir = cl > 1 && strncmp(p->cwd, cwd, cl) == 0 &&
		    (p->cwd[cl] == '\0' || p->cwd[cl] == '/');
	}
	if (usual != NULL && passive_identify(p->name,
	    p->have & PROC_HAVE_CMDLINE ? p->cmdline : NULL,
	    p->have & PROC_HAVE_CMDLINE ? p->cmdline_len : 0, &id) &&
	    strcmp(id.service, usual) == 0)
		l->same_kind = true;
}

/* Better neighbour first: same directory, same kind, nearest number. */
static bool
better(const struct url_listener *a, const struct url_listener *b,
    uint16_t port)
{
	unsigned da = a->port > port ? a->port - port : port - a->port;
	unsigned db = b->port > port ? b->port - port : port - b->port;

	if (a->same_dir != b->same_dir)
		return a->same_dir;
	if (a->same_kind != b->same_kind)
		return a->same_kind;
	return da < db;
}

static void
near_add(struct inv *v, const struct url_listener *l)
{
	size_t i, at;

	/* one row per process: its best door; a door whose owner is not
	 * known yet is one row per port, replaced when the owner is known */
	for (i = 0; i < v->nnear; i++)
		if (v->near[i].pid == 0 && v->near[i].port == l->port) {
			if (l->pid == 0)
				return;
			memmove(&v->near[i], &v->near[i + 1],
			    (v->nnear - 1 - i) * sizeof v->near[0]);
			v->nnear--;
			break;
		}
	for (i = 0; i < v->nnear && l->pid != 0; i++)
		if (v->near[i].pid == l->pid) {
			if (!better(l, &v->near[i], v->port))
				return;
			memmove(&v->near[i], &v->near[i + 1],
			    (v->nnear - 1 - i) * sizeof v->near[0]);
			v->nnear--;
			break;
		}
	for (at = 0; at < v->nnear; at++)
		if (better(l, &v->near[at], v->port))
			break;
	if (at == URL_NEAR_MAX)
		return;
	if (v->nnear < URL_NEAR_MAX)
		v->nnear++;
	memmove(&v->near[at + 1], &v->near[at],
	    (v->nnear - 1 - at) * sizeof v->near[0]);
	v->near[at] = *l;
}

static int
ask(struct snap *s, uint16_t lo, uint16_t hi, enum owner_mode owners,
    struct door_err *e)
{
	struct sock_query q;

	memset(&q, 0, sizeof q);
	q.tcp = q.v4 = q.v6 = q.listening_only = true;
	q.port_lo = lo;
	q.port_hi = hi;
	q.owners = owners;
	q.source = SOURCE_AUTO;
	q.facts = owners == OWNER_SKIP ? 0 : PROC_HAVE_CMDLINE | PROC_HAVE_CWD;
	snap_init(s);
	return platform_snapshot(&q, s, e);
}

/* Sockets on the URL's port: first without owners (a netlink dump, fast:
 * enough for the address traps), then with them. */
static void
on_port(struct inv *v)
{
	struct snap     s;
	struct door_err e;

	for (int pass = 0; pass < 2; pass++) {
		err_clear(&e);
		if (ask(&s, v->port, v->port, pass ? OWNER_NARROW : OWNER_SKIP,
		    &e) != 0) {
			pthread_mutex_lock(&v->mu);
			snprintf(v->err, sizeof v->err, "%s", e.msg);
			pthread_mutex_unlock(&v->mu);
			snap_free(&s);
			return;
		}
		pthread_mutex_lock(&v->mu);
		v->non_port = 0;
		v->docker = false;
		for (size_t i = 0; i < s.nsocks; i++) {
			const struct sock *k = &s.socks[i];
			struct passive_id  id;
			const struct proc *p;

			if (k->state != SK_LISTEN || k->local.port != v->port ||
			    v->non_port == URL_LISTEN_MAX)
				continue;
			fill_listener(&s, k, &v->on_port[v->non_port++],
			    v->cwd, v->usual);
			if (k->owner_count == 0)
				continue;
			p = &s.procs[s.owners[k->owner_first].proc];
			if (strcmp(p->name, "docker-proxy") == 0 &&
			    passive_identify(p->name, p->have &
			    PROC_HAVE_CMDLINE ? p->cmdline : NULL, p->have &
			    PROC_HAVE_CMDLINE ? p->cmdline_len : 0, &id) &&
			    id.detail[0] != '\0') {
				v->docker = true;
				snprintf(v->docker_target,
				    sizeof v->docker_target, "%s", id.detail);
			}
		}
		v->port_read = true;
		v->owners_read = pass == 1;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
		snap_free(&s);
		if (v->non_port == 0)
			return;
	}
}

/* The few nearest listening ports, by number, without owners (cheap);
 * then owners for each, nearest first, until door stops waiting. */
static void
neighbours(struct inv *v)
{
	struct snap     s;
	struct door_err e;
	uint16_t        cand[CANDIDATES];
	size_t          nc = 0;

	err_clear(&e);
	if (ask(&s, 1, 65535, OWNER_SKIP, &e) != 0) {
		snap_free(&s);
		return;
	}
	for (size_t i = 0; i < s.nsocks; i++) {
		uint16_t p = s.socks[i].local.port;
		unsigned d = p > v->port ? p - v->port : v->port - p;
		size_t   at;
		bool     dup = false;

		if (s.socks[i].state != SK_LISTEN || p == v->port)
			continue;
		for (size_t k = 0; k < nc; k++)
			dup |= cand[k] == p;
		if (dup)
			continue;
		for (at = 0; at < nc; at++) {
			uint16_t c = cand[at];

			if (d < (c > v->port ? (unsigned)(c - v->port) :
			    (unsigned)(v->port - c)))
				break;
		}
		if (at == CANDIDATES)
			continue;
		if (nc < CANDIDATES)
			nc++;
		memmove(&cand[at + 1], &cand[at], (nc - 1 - at) *
		    sizeof cand[0]);
		cand[at] = p;
	}
	snap_free(&s);
	pthread_mutex_lock(&v->mu);
	for (size_t c = 0; c < nc; c++) {
		struct url_listener l;

		memset(&l, 0, sizeof l);
		l.port = cand[c];
		near_add(v, &l);
	}
	pthread_mutex_unlock(&v->mu);
	for (size_t c = 0; c < nc; c++) {
		bool stop;

		pthread_mutex_lock(&v->mu);
		stop = v->abandoned;
		pthread_mutex_unlock(&v->mu);
		if (stop || ask(&s, cand[c], cand[c], OWNER_NARROW, &e) != 0) {
			snap_free(&s);
			break;
		}
		pthread_mutex_lock(&v->mu);
		for (size_t i = 0; i < s.nsocks; i++) {
			struct url_listener l;

			if (s.socks[i].state != SK_LISTEN)
				continue;
			fill_listener(&s, &s.socks[i], &l, v->cwd, v->usual);
			if (l.pid != 0)
				near_add(v, &l);
		}
		pthread_mutex_unlock(&v->mu);
		snap_free(&s);
	}
}

static void
release(struct inv *v)
{
	bool last;

	pthread_mutex_lock(&v->mu);
	last = --v->refs == 0;
	pthread_mutex_unlock(&v->mu);
	if (last) {
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		free(v);
	}
}

static void *
run(void *arg)
{
	struct inv *v = arg;

	on_port(v);
	if (v->port_read && v->non_port == 0)
		neighbours(v);
	pthread_mutex_lock(&v->mu);
	v->done = true;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	release(v);
	return NULL;
}

void
url_inventory(struct url_report *r, uint32_t budget_ms)
{
	struct inv         *v;
	pthread_condattr_t  ca;
	pthread_t           th;
	struct timespec     until;
	const struct known_port *kp = known_first(r->u.port, PROTO_TCP);

	if ((v = calloc(1, sizeof *v)) == NULL)
		return;
	v->refs = 2;
	v->port = r->u.port;
	v->usual = kp ? probe_service_of_known(kp->name) : NULL;
	if (getcwd(v->cwd, sizeof v->cwd) == NULL)
		v->cwd[0] = '\0';
	pthread_mutex_init(&v->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&th, NULL, run, v) != 0) {
		v->refs = 1;
		release(v);
		return;
	}
	pthread_detach(th);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += budget_ms / 1000;
	until.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&v->mu);
	while (!v->done)
		if (pthread_cond_timedwait(&v->cv, &v->mu, &until) ==
		    ETIMEDOUT)
			break;
	v->abandoned = !v->done;
	r->inventory = v->port_read;
	memcpy(r->on_port, v->on_port, sizeof r->on_port);
	r->non_port = v->non_port;
	memcpy(r->nearest, v->near, sizeof r->nearest);
	r->nnearest = v->nnear;
	r->docker = v->docker;
	memcpy(r->docker_target, v->docker_target, sizeof r->docker_target);
	if (v->err[0] && r->nnotes < URL_NOTES_MAX)
		snprintf(r->notes[r->nnotes++], URL_TEXT_MAX, "could not read "
		    "this machine's doors: %s", v->err);
	else if (!v->port_read && r->nnotes < URL_NOTES_MAX)
		snprintf(r->notes[r->nnotes++], URL_TEXT_MAX, "what listens on "
		    "%u was not known within %u ms: left out", r->u.port,
		    budget_ms);
	else if (v->non_port > 0 && !v->owners_read &&
	    r->nnotes < URL_NOTES_MAX)
		snprintf(r->notes[r->nnotes++], URL_TEXT_MAX, "who holds port "
		    "%u was not known within %u ms", r->u.port, budget_ms);
	else if (v->abandoned && r->nnotes < URL_NOTES_MAX)
		snprintf(r->notes[r->nnotes++], URL_TEXT_MAX, "the search for "
		    "nearby doors stopped after %u ms", budget_ms);
	pthread_mutex_unlock(&v->mu);
	release(v);
}
