/* probe.c - the probe driver: which probes a door gets and in what order,
 * the first-answer budget, the verdict on a door, the threads. One
 * connection's I/O is conn.c's; every byte that comes back goes to a pure
 * parser (parse.h). */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/known.h"
#include "knock/engine.h"
#include "knock/http.h"
#include "knock/resolve.h"
#include "probe/driver.h"
#include "probe/https.h"

static void
identified(struct ctx *c, const struct probe_id *id)
{
	c->d->r.id = *id;
	c->d->r.conf = PROBE_CONF_PROBE;
	c->d->r.error[0] = '\0';
}

/* The clue: what the hint, else the port table, says the door is. */
static const char *
clue(const struct ctx *c, const struct known_port **kp)
{
	const char *s = probe_service_of_process(c->hint);
	size_t      nk;

	nk = known_lookup(c->port, PROTO_TCP, kp, 1);
	if (s == NULL && nk > 0)
		s = probe_service_of_known(kp[0]->name);
	if (nk == 0)
		*kp = NULL;
	return s;
}

static void
probe_redis(struct ctx *c, bool last, struct probe_id *id, int *v)
{
	struct probe_id info;

	*v = probe_exchange(c, K_REDIS, "PING\r\n", 6, probe_slice(c, last), id);
	if (*v != PV_YES)
		return;
	identified(c, id);
	/* only a server that let us in has an INFO to give */
	if (id->detail[0] == '\0' && probe_exchange(c, K_REDIS_INFO,
	    "INFO server\r\n", 13, c->deadline, &info) == PV_YES)
		identified(c, &info);
}

static void
probe_pg(struct ctx *c, bool last, struct probe_id *id, int *v)
{
	uint8_t req[128];
	int     n;

	probe_pg_sslrequest(req);
	*v = probe_exchange(c, K_PG_SSL, req, PROBE_PG_SSLREQ_LEN,
	    probe_slice(c, last), id);
	if (*v != PV_YES)
		return;
	/* 'S' or 'N' alone is a strong hint; the ErrorResponse to a
	 * StartupMessage is the proof (never a password: door has none) */
	n = probe_pg_startup(req, sizeof req);
	if (n > 0 && probe_exchange(c, K_PG_STARTUP, req, (size_t)n, c->deadline,
	    id) == PV_YES) {
		identified(c, id);
		if (c->pg_tls && strlen(id->detail) + 16 < sizeof id->detail)
			strcat(c->d->r.id.detail, "; TLS offered");
	} else
		*v = PV_NO;
}

/* hello, then buildInfo: hello's reply proves MongoDB and says its
 * release line (the wire version); buildInfo, which servers answer before
 * a login, the exact version. Neither changes anything. */
static void
probe_mongo(struct ctx *c, bool last, struct probe_id *id, int *v)
{
	struct probe_id info;
	uint8_t         req[128];
	int             n = probe_mongo_hello(req, sizeof req, MONGO_HELLO_ID);
	size_t          dl;

	*v = n > 0 ? probe_exchange(c, K_MONGO, req, (size_t)n,
	    probe_slice(c, last), id) : PV_NO;
	if (*v != PV_YES)
		return;
	identified(c, id);
	n = probe_mongo_buildinfo(req, sizeof req, MONGO_INFO_ID);
	if (n <= 0 || probe_exchange(c, K_MONGO_INFO, req, (size_t)n, c->deadline,
	    &info) != PV_YES)
		return;
	if (info.version[0] != '\0')
		memcpy(c->d->r.id.version, info.version,
		    sizeof c->d->r.id.version);
	else if (info.detail[0] != '\0') {
		/* "standalone; auth required for buildInfo", when it fits */
		char  *d = c->d->r.id.detail;
		size_t il = strlen(info.detail);

		dl = strlen(d);
		if (dl + 2 + il >= sizeof c->d->r.id.detail)
			return;
		if (dl > 0) {
			memcpy(d + dl, "; ", 2);
			dl += 2;
		}
		memcpy(d + dl, info.detail, il + 1);
	}
}

static void	probe_tls(struct ctx *, bool, struct probe_id *, int *);

static void
probe_http(struct ctx *c, bool last, struct probe_id *id, int *v,
    bool *redis_next)
{
	char            req[HTTP_REQUEST_MAX];
	int             n = probe_http_request(req, sizeof req, c->d->host, "/");
	int             tv;
	struct probe_id tmp;

	if (n < 0)
		n = probe_http_request(req, sizeof req, "localhost", "/");
	*v = probe_exchange(c, K_HTTP, req, (size_t)n, probe_slice(c, last), id);
	if (*v == PV_YES) {
		identified(c, id);
		c->d->r.http_status = c->http.status;
		memcpy(c->d->r.http_server, c->http.server,
		    sizeof c->d->r.http_server);
		memcpy(c->d->r.http_powered_by, c->http.powered_by,
		    sizeof c->d->r.http_powered_by);
		/* A TLS port of nginx or Apache answers a plain request with
		 * a 400 that says so: the door speaks TLS. */
		if (c->http.status == 400 && (probe_find(c->buf, c->len,
		    "plain HTTP request was sent to HTTPS port") != SIZE_MAX ||
		    probe_find(c->buf, c->len, "plain HTTP to an SSL-enabled")
		    != SIZE_MAX)) {
			c->d->r.tls = true;
			snprintf(id->detail, sizeof id->detail, "a TLS port: "
			    "plain HTTP gets 400");
			memcpy(c->d->r.id.detail, id->detail,
			    sizeof c->d->r.id.detail);
			/* what is behind the TLS: the page, not the 400 */
			probe_tls(c, last, &tmp, &tv);
		}
		if (strcmp(id->service, "mongodb") == 0) {
			/* mongod's answer to HTTP: now ask it in its own tongue
			 * for its version (the HTTP identification stands if
			 * that fails) */
			struct probe_result was = c->d->r;

			probe_mongo(c, last, &tmp, &tv);
			if (tv != PV_YES)
				c->d->r = was;
			return;
		}
		if (strcmp(id->product, "Ollama") == 0 &&
		    (n = probe_http_request(req, sizeof req, c->d->host,
		    "/api/version")) > 0 &&
		    probe_exchange(c, K_OLLAMA, req, (size_t)n, c->deadline, &tmp) ==
		    PV_YES)
			strcpy(c->d->r.id.version, tmp.version);
		return;
	}
	/* what other servers say to a GET tells who they are */
	if (c->len > 0 && probe_resp_looks(c->buf, c->len))
		*redis_next = true;
	if (c->len > 0 && probe_tls_parse((const uint8_t *)c->buf, c->len,
	    &tmp) == PV_YES) {
		identified(c, &tmp);
		*v = PV_YES;
	}
}

/*
 * Our ClientHello proves TLS; then, with the time left, one GET / over
 * TLS (libcurl, https.c) says what is behind it, as nmap's ssl/http does:
 * an HTTP reply makes the door "http" with its product, r.tls and the
 * version the ClientHello saw. A TLS server that does not speak HTTP
 * (openssl s_server without -www), or no time left, or no libcurl:
 * the door stays "tls", as the ClientHello found it, or stays what a
 * probe before found (nginx's 400 to plain HTTP on a TLS port), now with
 * the TLS version.
 */
static void
probe_tls(struct ctx *c, bool last, struct probe_id *id, int *v)
{
	struct probe_result was = c->d->r;
	uint8_t             hello[512];
	char                sni[PROBE_HOST_MAX], why[PROBE_DETAIL_MAX];
	struct probe_id     web;
	size_t              got = 0;
	int                 n;

	probe_copy(sni, sizeof sni, c->d->host, strlen(c->d->host));
	n = probe_tls_hello(hello, sizeof hello, sni);
	*v = n > 0 ? probe_exchange(c, K_TLS, hello, (size_t)n,
	    probe_slice(c, last), id) : PV_NO;
	if (*v != PV_YES)
		return;
	identified(c, id);
	c->len = 0;
	if (probe_now_ms() < c->deadline && c->budget > 0 &&
	    probe_https_get((struct sockaddr *)&c->d->addr, c->d->len,
	    c->d->host, c->deadline, c->buf, c->budget, &got, why,
	    sizeof why) == 0) {
		c->len = got;
		c->budget -= got;
		probe_record(c, K_HTTPS);
	}
	/* the transfer is over: what came is all there is (final) */
	if (c->len == 0 || probe_verdict(c, K_HTTPS, true, &web) != PV_YES) {
		if (was.conf == PROBE_CONF_PROBE) {
			c->d->r = was;
			c->d->r.tls = true;
			memcpy(c->d->r.tls_version, id->version,
			    sizeof c->d->r.tls_version);
		}
		return;
	}
	identified(c, &web);
	c->d->r.tls = true;
	memcpy(c->d->r.tls_version, id->version, sizeof c->d->r.tls_version);
	c->d->r.http_status = c->http.status;
	memcpy(c->d->r.http_server, c->http.server,
	    sizeof c->d->r.http_server);
	memcpy(c->d->r.http_powered_by, c->http.powered_by,
	    sizeof c->d->r.http_powered_by);
	/* "HTTP 200 over TLS 1.3": door probe's line shows the detail, not
	 * r.tls */
	snprintf(c->d->r.id.detail, sizeof c->d->r.id.detail,
	    "%.96s over TLS%s%.16s", web.detail, id->version[0] ? " " : "",
	    id->version);
}

static bool
done(const struct ctx *c)
{
	return c->d->r.conf == PROBE_CONF_PROBE;
}

/* What the hint, else the port table, suggests: r.clue. */
static void
note_clue(struct probe_door *d, const char *hint, const struct known_port *kp)
{
	struct probe_clue *cl = &d->r.clue;
	const char        *s;

	if ((s = probe_service_of_process(hint)) != NULL) {
		cl->conf = PROBE_CONF_PROCESS;
		probe_copy(cl->service, sizeof cl->service, s, strlen(s));
		probe_copy(cl->product, sizeof cl->product, hint,
		    strlen(hint));
	} else if (kp != NULL) {
		cl->conf = PROBE_CONF_USUALLY;
		probe_copy(cl->service, sizeof cl->service, kp->name,
		    strlen(kp->name));
		probe_copy(cl->product, sizeof cl->product, kp->usually,
		    strlen(kp->usually));
	}
}

/* Why a door said nothing, when the kernel knows: the connection still
 * waits in the listener's accept queue (a process whose loop is blocked,
 * busy compiling or stuck, or one that never accepts). */
static const char *
unaccepted(const struct ctx *c)
{
	return c->peer == PEER_NOT_ACCEPTED ?
	    ": its process has not accepted the connection" : "";
}

static void
probe_one(struct probe_door *d, const struct probe_opts *o, char *buf)
{
	uint32_t                 timeout_ms = o->timeout_ms;
	const struct known_port *kp = NULL;
	struct ctx               c;
	struct probe_id          id;
	enum kind                order[6] = { K_HTTP, K_TLS, K_REDIS, K_PG_SSL,
					      K_MEMCACHED, K_MONGO };
	const char              *want;
	uint64_t                 t0 = probe_now_us(), greet, gwin, start;
	bool                     redis_next = false, tried[K_COUNT];
	size_t                   norder = 6, talker = 0;
	int                      v;

	memset(&d->r, 0, sizeof d->r);
	memset(&c, 0, sizeof c);
	memset(tried, 0, sizeof tried);
	c.d = d;
	c.buf = buf;
	c.budget = PROBE_READ_MAX;
	c.port = ntohs(d->addr.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&d->addr)->sin_port :
	    ((struct sockaddr_in6 *)&d->addr)->sin6_port);
	c.deadline = probe_now_ms() + timeout_ms;
	c.gate_wake = o->gate != NULL ? o->gate->wake : -1;
	if (o->first_ms > 0 && o->first_ms < timeout_ms)
		c.first = c.deadline - timeout_ms + o->first_ms;
	start = c.deadline - timeout_ms;

	/* First listen: SSH, SMTP, FTP and MySQL speak before they are
	 * spoken to. */
	gwin = timeout_ms / 4 < PROBE_GREETING_MS ? timeout_ms / 4 :
	    PROBE_GREETING_MS;
	if (c.first != 0 && o->first_ms / 3 < gwin)
		gwin = o->first_ms / 3;   /* the rest for the probes that speak */
	greet = probe_now_ms() + gwin;
	v = probe_exchange(&c, K_GREETING, NULL, 0, greet, &id);
	/* nothing is said to the door before its hint is in; the greeting
	 * above listened while the gate was shut */
	if (o->gate != NULL) {
		uint64_t at = probe_now_ms(), now;

		probe_pass_gate(o->gate, &c);
		c.gate_wake = -1;
		now = probe_now_ms();
		/* the time past the greeting window was the walk's, not the
		 * door's: an answering door still gets its whole timeout */
		if (now > (at < greet ? at : greet))
			c.deadline += now - (at < greet ? at : greet);
		/* a silent door's budget runs from the start, walk included,
		 * but the probes that speak get their moment */
		if (c.first != 0 && c.first < now + PROBE_GATE_AFTER_MS)
			c.first = now + PROBE_GATE_AFTER_MS;
	} else
		snprintf(c.hint, sizeof c.hint, "%s", d->hint);
	want = clue(&c, &kp);
	note_clue(d, c.hint, kp);
	/* the clue's probe first; a door the clues call Redis gets no HTTP
	 * (Redis takes a GET for an attack and logs it) */
	for (size_t i = 0; want != NULL && i < norder; i++) {
		enum kind k = order[i];
		const char *s = k == K_HTTP ? "http" : k == K_TLS ? "tls" :
		    k == K_REDIS ? "redis" : k == K_PG_SSL ? "postgresql" :
		    k == K_MONGO ? "mongodb" : "memcached";

		if (strcmp(s, want) == 0) {
			memmove(order + 1, order, i * sizeof order[0]);
			order[0] = k;
		}
	}
	if (want != NULL && strcmp(want, "redis") == 0)
		for (size_t i = 0; i < norder; i++)
			if (order[i] == K_HTTP) {
				memmove(order + i, order + i + 1,
				    (norder - i - 1) * sizeof order[0]);
				norder--;
				break;
			}

	if (v == -2) {
		d->r.err = c.conn_err;
		snprintf(d->r.error, sizeof d->r.error, "%s",
		    c.conn_err == ETIMEDOUT ? "no answer to connect" :
		    c.conn_err == ECONNREFUSED ? "refused" :
		    strerror(c.conn_err));
		goto out;
	}
	if (v == PV_YES) {
		identified(&c, &id);
		goto out;
	}
	if (c.len > 0) {
		/* it spoke first, in a tongue door does not know: more
		 * requests would only be noise to it */
		talker = c.len;
		goto out;
	}
	for (size_t i = 0; i < norder && !done(&c) && probe_now_ms() < c.deadline &&
	    probe_now_ms() < probe_cap(&c, c.deadline); i++) {
		enum kind k = order[i];
		bool      last = i + 1 == norder;

		if (redis_next && !tried[K_REDIS] && k != K_REDIS) {
			/* the HTTP reply was a Redis error line */
			i--;
			k = K_REDIS;
		}
		if (tried[k])
			continue;
		tried[k] = true;
		switch (k) {
		case K_HTTP:
			probe_http(&c, last, &id, &v, &redis_next);
			break;
		case K_TLS:
			probe_tls(&c, last, &id, &v);
			break;
		case K_REDIS:
			probe_redis(&c, last, &id, &v);
			break;
		case K_PG_SSL:
			probe_pg(&c, last, &id, &v);
			break;
		case K_MEMCACHED:
			v = probe_exchange(&c, K_MEMCACHED, "version\r\n", 9,
			    probe_slice(&c, last), &id);
			if (v == PV_YES)
				identified(&c, &id);
			break;
		case K_MONGO:
			probe_mongo(&c, last, &id, &v);
			break;
		default:
			break;
		}
		if (v == -2 && c.conn_err != ECONNREFUSED)
			break;   /* the door closed on us */
	}
out:
	d->r.usec = (uint32_t)(probe_now_us() - t0);
	d->r.bytes = PROBE_READ_MAX - c.budget;
	if (done(&c)) {
		if (strcmp(d->r.id.service, "tls") == 0) {
			d->r.tls = true;
			strcpy(d->r.tls_version, d->r.id.version);
		}
		return;
	}
	if (d->r.error[0] == '\0') {
		if (talker > 0)
			snprintf(d->r.error, sizeof d->r.error, "it spoke "
			    "first (%zu bytes) in a protocol door does not "
			    "know", talker);
		else if (d->r.bytes > 0)
			snprintf(d->r.error, sizeof d->r.error, "it answered "
			    "(%zu bytes), but to no probe in a way door knows",
			    d->r.bytes);
		else if (c.dialed > 0 && c.hangups == c.dialed)
			snprintf(d->r.error, sizeof d->r.error, "it accepts, "
			    "then hangs up without a byte (%u of %u "
			    "connections): tcpwrapped", c.hangups, c.dialed);
		else if (!c.heard && c.first != 0 && probe_now_ms() >= c.first) {
			/* the budget, or longer when the walk for the owners
			 * took longer */
			d->r.silent_ms = (uint32_t)(c.first - start);
			snprintf(d->r.error, sizeof d->r.error, "nothing yet "
			    "after %u ms%s", d->r.silent_ms, unaccepted(&c));
		} else
			snprintf(d->r.error, sizeof d->r.error, "no answer to "
			    "any probe within %u ms%s", timeout_ms,
			    unaccepted(&c));
	}
	/* An answer in no protocol door knows, or a hang-up every time, is
	 * evidence against the clue: an HTTP server would have answered the
	 * GET. Silence is not evidence (a dev server can be busy compiling):
	 * then the clue stands, with its own, weaker confidence. */
	if (talker > 0 || d->r.bytes > 0 ||
	    (c.dialed > 0 && c.hangups == c.dialed))
		return;
	if (d->r.clue.conf != PROBE_CONF_NONE) {
		d->r.conf = d->r.clue.conf;
		memcpy(d->r.id.service, d->r.clue.service,
		    sizeof d->r.id.service);
		memcpy(d->r.id.product, d->r.clue.product,
		    sizeof d->r.id.product);
	}
}

void
probe_door_init(struct probe_door *d, const struct sockaddr *addr,
    socklen_t len, uint16_t port, const char *host, const char *hint)
{
	memset(d, 0, sizeof *d);
	if (len > sizeof d->addr)
		len = sizeof d->addr;
	memcpy(&d->addr, addr, len);
	d->len = len;
	if (port != 0)
		knock_addr_set_port(&d->addr, port);
	if (host != NULL)
		snprintf(d->host, sizeof d->host, "%s", host);
	else
		knock_addr_format((struct sockaddr *)&d->addr, d->host,
		    sizeof d->host);
	if (hint != NULL)
		snprintf(d->hint, sizeof d->hint, "%s", hint);
}

struct pool {
	struct probe_door *doors;
	size_t             n, next;
	struct probe_opts  o;
	pthread_mutex_t    mu;
	bool               oom;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;
	char        *buf = malloc(PROBE_READ_MAX);

	if (buf == NULL) {
		pthread_mutex_lock(&p->mu);
		p->oom = true;
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			break;
		probe_one(&p->doors[i], &p->o, buf);
	}
	free(buf);
	return NULL;
}

int
probe_run(struct probe_door *doors, size_t n, const struct probe_opts *o,
    struct door_err *e)
{
	struct pool p = { doors, n, 0, { PROBE_TIMEOUT_MS, 0, 0, NULL },
			  PTHREAD_MUTEX_INITIALIZER, false };
	pthread_t   th[PROBE_THREADS_MAX];
	size_t      nt = n, started = 0;

	if (o != NULL) {
		p.o = *o;
		if (p.o.timeout_ms == 0)
			p.o.timeout_ms = PROBE_TIMEOUT_MS;
	}
	if (o != NULL && o->threads > 0 && o->threads < nt)
		nt = o->threads;
	if (nt > PROBE_THREADS_MAX)
		nt = PROBE_THREADS_MAX;
	if (n == 0)
		return 0;
	/* the caller's thread works too: one door needs no thread */
	for (size_t i = 1; i < nt; i++) {
		int rc = pthread_create(&th[started], NULL, worker, &p);

		if (rc != 0)
			break;   /* fewer threads: slower, still right */
		started++;
	}
	worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	/* a worker without memory leaves its doors to the others */
	if (p.oom && p.next < p.n)
		return err_set(e, DOOR_SYSTEM, "out of memory probing doors");
	return 0;
}
