/* probes.c - probe the sockets of a snapshot (door who, door ls --probe). */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/endpoint.h"
#include "doors.h"
#include "probes.h"

#define NOT_PROBED "not probed"

/* Where to knock for a local socket: its own address, or the loopback of
 * its family when it is bound to the wildcard. */
static socklen_t
reach(const struct sock *k, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (k->local.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(k->local.port);
		if (endpoint_is_any(&k->local))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			memcpy(&sin->sin_addr, k->local.addr, 4);
		return sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(k->local.port);
		if (endpoint_is_any(&k->local))
			sin6->sin6_addr = in6addr_loopback;
		else
			memcpy(&sin6->sin6_addr, k->local.addr, 16);
		return sizeof *sin6;
	}
}

/* The doors of socks[0..n): listening TCP ones set up to be knocked on
 * (each with its owner's name as hint when the snapshot has owners), the
 * others marked NOT_PROBED. */
static struct probe_door *
doors_of(const struct snap *s, const size_t *socks, size_t n)
{
	struct probe_door *d = calloc(n ? n : 1, sizeof *d);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct sock      *k = &s->socks[socks[i]];
		struct sockaddr_storage ss;
		socklen_t               len;
		char                    host[64];
		const char             *hint = NULL;

		snprintf(d[i].r.error, sizeof d[i].r.error, NOT_PROBED);
		if (k->proto != PROTO_TCP || k->state != SK_LISTEN)
			continue;
		len = reach(k, &ss);
		if (endpoint_is_loopback(&k->local) || endpoint_is_any(&k->local))
			snprintf(host, sizeof host, "localhost:%u",
			    k->local.port);
		else
			endpoint_full(&k->local, host, sizeof host);
		if (k->owner_count > 0)
			hint = s->procs[s->owners[k->owner_first].proc].name;
		probe_door_init(&d[i], (struct sockaddr *)&ss, len, 0, host,
		    hint);
	}
	return d;
}

static bool
pending(const struct probe_door *d)
{
	return strcmp(d->r.error, NOT_PROBED) != 0;
}

/* probe_run wants an array of the doors to knock on: copies of them. */
static struct probe_door *
pack(const struct probe_door *d, size_t n, size_t *npacked)
{
	struct probe_door *packed = calloc(n ? n : 1, sizeof *packed);

	*npacked = 0;
	if (packed == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (pending(&d[i]))
			packed[(*npacked)++] = d[i];
	return packed;
}

/* The answers back into the doors they were copied from. */
static void
unpack(struct probe_door *d, size_t n, const struct probe_door *packed)
{
	for (size_t i = 0, k = 0; i < n; i++)
		if (pending(&d[i]))
			d[i] = packed[k++];
}

int
probes_run(const struct snap *s, const size_t *socks, size_t n,
    uint32_t timeout_ms, struct probe_door **out, struct door_err *e)
{
	struct probe_door *d, *packed;
	size_t             npacked;
	struct probe_opts  o;

	*out = NULL;
	if ((d = doors_of(s, socks, n)) == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	if ((packed = pack(d, n, &npacked)) == NULL) {
		free(d);
		return err_set(e, DOOR_SYSTEM, "out of memory");
	}
	memset(&o, 0, sizeof o);
	o.timeout_ms = timeout_ms;
	if (npacked > 0 && probe_run(packed, npacked, &o, e) != 0) {
		free(packed);
		free(d);
		return -1;
	}
	unpack(d, n, packed);
	free(packed);
	*out = d;
	return 0;
}

/* ---- the card's probes: started with the sockets, done with the owners */

static void *
async_main(void *arg)
{
	struct probes_async *pa = arg;
	struct probe_opts    o;
	struct door_err      e;

	memset(&o, 0, sizeof o);
	o.first_ms = pa->first_ms;
	o.gate = &pa->gate;
	pa->failed = probe_run(pa->packed, pa->npacked, &o, &e) != 0;
	return NULL;
}

void
probes_start(struct probes_async *pa, const struct snap *s,
    const size_t *socks, size_t n, uint32_t first_ms)
{
	size_t *copy;

	memset(pa, 0, sizeof *pa);
	pa->first_ms = first_ms;
	if (n == 0 || (copy = malloc(n * sizeof *copy)) == NULL)
		return;
	memcpy(copy, socks, n * sizeof *copy);
	pa->socks = copy;
	pa->n = n;
	if ((pa->d = doors_of(s, socks, n)) == NULL ||
	    (pa->packed = pack(pa->d, n, &pa->npacked)) == NULL ||
	    pa->npacked == 0)
		return;
	probe_gate_init(&pa->gate);
	pa->have_gate = true;
	if (pthread_create(&pa->tid, NULL, async_main, pa) == 0)
		pa->running = true;
}

/* Under the gate's lock: each door's hint, its owner's name. */
static void
fill_hints(void *arg)
{
	struct probes_async *pa = arg;
	const struct snap   *s = pa->snap;

	for (size_t i = 0, k = 0; i < pa->n; i++) {
		const struct sock *sk;

		if (!pending(&pa->d[i]))
			continue;
		sk = &s->socks[pa->socks[i]];
		if (sk->owner_count > 0)
			snprintf(pa->packed[k].hint, sizeof pa->packed[k].hint,
			    "%s", s->procs[s->owners[sk->owner_first].proc].name);
		k++;
	}
}

void
probes_finish(struct probes_async *pa, const struct snap *s,
    struct probes *pr)
{
	memset(pr, 0, sizeof *pr);
	if (pa->have_gate) {
		pa->snap = s;
		probe_gate_open(&pa->gate, s != NULL ? fill_hints : NULL, pa);
	}
	if (pa->running)
		pthread_join(pa->tid, NULL);
	else if (pa->have_gate && s != NULL)
		(void)async_main(pa);   /* no thread to be had: now, in this one */
	if (pa->have_gate)
		probe_gate_destroy(&pa->gate);
	if (pa->have_gate && !pa->failed && s != NULL) {
		unpack(pa->d, pa->n, pa->packed);
		pr->socks = pa->socks;
		pr->d = pa->d;
		pr->n = pa->n;
	} else {
		free(pa->socks);
		free(pa->d);
	}
	free(pa->packed);
	memset(pa, 0, sizeof *pa);
}

void
probes_describe(const struct probe_result *r, char *buf, size_t size)
{
	size_t len = 0;
	int    n;

#define ADD(...) do {							\
	n = snprintf(buf + len, size - len, __VA_ARGS__);		\
	if (n > 0 && (size_t)n < size - len)				\
		len += (size_t)n;					\
} while (0)
	buf[0] = '\0';
	if (r->conf != PROBE_CONF_PROBE) {
		ADD("no answer door recognises (%s)", r->error[0] ? r->error :
		    "silent");
		return;
	}
	if (r->id.product[0])
		ADD("%s", r->id.product);
	else
		ADD("%s", r->id.service);
	if (r->id.version[0])
		ADD(" %s", r->id.version);
	if (r->http_status && strstr(r->id.detail, "HTTP ") == NULL)
		ADD(", HTTP %d", r->http_status);
	if (r->tls && strstr(r->id.detail, "TLS") == NULL &&
	    strstr(r->id.product, "TLS") == NULL)
		ADD(", TLS%s%s", r->tls_version[0] ? " " : "", r->tls_version);
	if (r->id.detail[0])
		ADD(", %s", r->id.detail);
	ADD(" (probe)");
#undef ADD
}

const struct probe_result *
probes_of(const struct probes *p, size_t sock)
{
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (p->socks[i] != sock)
			continue;
		/* UDP and connections are listed but never knocked on */
		if (strcmp(p->d[i].r.error, NOT_PROBED) == 0)
			return NULL;
		return &p->d[i].r;
	}
	return NULL;
}

void
probes_of_entries(const struct snap *s, const struct entry *v, size_t n,
    struct probes *pr)
{
	struct door_err e;
	size_t         *all;

	memset(pr, 0, sizeof *pr);
	if (n == 0 || (all = malloc(n * sizeof *all)) == NULL)
		return;
	pr->socks = all;
	pr->n = doors_socks(s, v, n, all);
	if (probes_run(s, all, pr->n, 0, &pr->d, &e) != 0)
		pr->n = 0;
}

int
probes_snapshot(struct sock_query *q, const struct door_filter *f,
    struct snap *s, struct entry **v, size_t *n, struct probes *pr,
    struct door_err *e)
{
	memset(pr, 0, sizeof *pr);
	*v = NULL;
	*n = 0;
	q->listening_only = true;
	if (q->owners == OWNER_SKIP)
		q->owners = OWNER_NARROW;     /* the names are the hints */
	q->facts |= PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	snap_init(s);
	if (platform_snapshot(q, s, e) != 0 ||
	    doors_entries(s, f, v, n, e) != 0) {
		snap_free(s);
		return -1;
	}
	probes_of_entries(s, *v, *n, pr);
	return 0;
}

void
probes_free(struct probes *pr)
{
	free((void *)pr->socks);
	free(pr->d);
	memset(pr, 0, sizeof *pr);
}
