/* probes.c - probe the sockets of a snapshot (door who, door ls --probe). */
#include <netinet/in.h>
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

int
probes_run(const struct snap *s, const size_t *socks, size_t n,
    uint32_t timeout_ms, struct probe_door **out, struct door_err *e)
{
	struct probe_door *d, **pending;
	struct probe_door *packed;
	size_t             npending = 0;
	struct probe_opts  o;

	*out = NULL;
	d = calloc(n ? n : 1, sizeof *d);
	pending = calloc(n ? n : 1, sizeof *pending);
	if (d == NULL || pending == NULL) {
		free(d);
		free(pending);
		return err_set(e, DOOR_SYSTEM, "out of memory");
	}
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
		pending[npending++] = &d[i];
	}
	/* probe_run wants an array: probe copies, then put the answers back */
	packed = calloc(npending ? npending : 1, sizeof *packed);
	if (packed == NULL) {
		free(d);
		free(pending);
		return err_set(e, DOOR_SYSTEM, "out of memory");
	}
	for (size_t i = 0; i < npending; i++)
		packed[i] = *pending[i];
	memset(&o, 0, sizeof o);
	o.timeout_ms = timeout_ms;
	if (npending > 0 && probe_run(packed, npending, &o, e) != 0) {
		free(packed);
		free(d);
		free(pending);
		return -1;
	}
	for (size_t i = 0; i < npending; i++)
		*pending[i] = packed[i];
	free(packed);
	free(pending);
	*out = d;
	return 0;
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

void
probes_free(struct probes *pr)
{
	free((void *)pr->socks);
	free(pr->d);
	memset(pr, 0, sizeof *pr);
}
