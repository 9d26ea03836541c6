/* conn.c - one probe in one connection: the dial, the request, the reads
 * until a parser (parse.h) decides, all within the door's deadlines. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knock/engine.h"
#include "probe/driver.h"

uint64_t
probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* 1: ready; 0: the deadline passed; -1: poll failed. */
int
probe_wait_fd(int fd, short what, uint64_t until)
{
	for (;;) {
		struct pollfd p = { fd, what, 0 };
		uint64_t      now = probe_now_ms();
		int           rc;

		if (now >= until)
			return 0;
		rc = poll(&p, 1, (int)(until - now));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* `until`, or the end of the first-answer budget while nothing came. */
uint64_t
probe_cap(const struct ctx *c, uint64_t until)
{
	if (!c->heard && c->first != 0 && until > c->first)
		return c->first;
	return until;
}

/* A connected non-blocking socket, or -1 with c->conn_err. */
static int
probe_dial(struct ctx *c, uint64_t until)
{
	struct sockaddr_storage local;
	socklen_t               ll = sizeof local, sl = sizeof(int);
	int                     fd, err = 0;

	c->conn_err = 0;
	fd = socket(c->d->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->conn_err = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&c->d->addr, c->d->len) != 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			err = errno;
		else if (probe_wait_fd(fd, POLLOUT, until) != 1)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
			err = errno;
	}
	/* connected to itself: nobody listens (see knock/engine.c) */
	if (err == 0 && getsockname(fd, (struct sockaddr *)&local, &ll) == 0 &&
	    knock_same_endpoint((struct sockaddr *)&local,
	    (struct sockaddr *)&c->d->addr))
		err = ECONNREFUSED;
	if (err != 0) {
		close(fd);
		c->conn_err = err;
		return -1;
	}
	return fd;
}

static bool
probe_send_all(int fd, const void *p, size_t n, uint64_t until)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EINTR)
			continue;
		else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (probe_wait_fd(fd, POLLOUT, until) != 1)
				return false;
		} else
			return false;
	}
	return true;
}

/* What the bytes so far say, for the probe of kind k. */
int
probe_verdict(struct ctx *c, enum kind k, bool final, struct probe_id *id)
{
	const char    *b = c->buf;
	const uint8_t *u = (const uint8_t *)c->buf;
	size_t         n = c->len;
	int            v;

	if (n == 0)
		return PV_MORE;
	switch (k) {
	case K_GREETING:
		if ((v = probe_mysql_parse(u, n, id)) != PV_NO)
			return v;
		return probe_greeting_parse(b, n, c->port, id);
	case K_HTTP:
	case K_HTTPS:   /* the same reply, read over TLS by probe_tls */
		return probe_http_parse(b, n, final, &c->http, id);
	case K_OLLAMA: {
		struct probe_http h;
		struct probe_id   tmp;

		if ((v = probe_http_parse(b, n, final, &h, &tmp)) != PV_YES)
			return v;
		return h.status == 200 ? probe_ollama_parse(b + h.head_len,
		    n - h.head_len, id) : PV_NO;
	}
	case K_TLS:
		return probe_tls_parse(u, n, id);
	case K_REDIS:
		return probe_resp_ping_parse(b, n, id);
	case K_REDIS_INFO:
		return probe_resp_info_parse(b, n, id);
	case K_PG_SSL:
		if ((v = probe_pg_ssl_parse(u, n, &c->pg_tls)) == PV_YES) {
			probe_id_clear(id);
			strcpy(id->service, "postgresql");
		}
		return v;
	case K_PG_STARTUP:
		return probe_pg_parse(u, n, id);
	case K_MEMCACHED:
		return probe_memcached_parse(b, n, id);
	case K_MONGO:
		return probe_mongo_parse(u, n, MONGO_HELLO_ID, id);
	case K_MONGO_INFO:
		return probe_mongo_buildinfo_parse(u, n, MONGO_INFO_ID, id);
	}
	return PV_NO;
}

/* DOOR_PROBE_RECORD=DIR keeps every reply as DIR/PORT-KIND.bin: how the
 * fixtures in tests/fixtures/probe were recorded, from real servers. */
void
probe_record(const struct ctx *c, enum kind k)
{
	static const char *const names[] = { "greeting", "http", "ollama",
	    "tls", "redis-ping", "redis-info", "pg-ssl", "pg-startup",
	    "memcached", "https", "mongo-hello", "mongo-buildinfo" };
	const char *dir = getenv("DOOR_PROBE_RECORD");
	char        path[4096];
	FILE       *f;

	if (dir == NULL || *dir == '\0' || c->len == 0)
		return;
	snprintf(path, sizeof path, "%s/%u-%s.bin", dir, c->port, names[k]);
	if ((f = fopen(path, "wbx")) == NULL)
		return;
	fwrite(c->buf, 1, c->len, f);
	fclose(f);
}

/* The wait for a reply's next bytes. A greeting goes on listening past
 * `until` while the door's gate is shut (to the door's deadline): the
 * owners are being looked for anyway, the first-answer budget is moved
 * past the gate (probe.c), and a slow greeting heard now is a door
 * identified without a word said to it. */
static int
wait_reply(const struct ctx *c, enum kind k, int fd, uint64_t until)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { c->gate_wake, POLLIN, 0 } };
	uint64_t      end = c->deadline;
	int           rc = probe_wait_fd(fd, POLLIN, probe_cap(c, until));

	if (rc != 0 || k != K_GREETING || c->gate_wake < 0)
		return rc;
	for (;;) {
		uint64_t now = probe_now_ms();

		if (now >= end)
			return 0;
		rc = poll(p, 2, (int)(end - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc;
		return (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
	}
}

/*
 * One probe in a fresh connection: connect, send req (none for a
 * greeting), read until the parser decides, the server hangs up, `until`
 * passes or the door's byte budget runs out. Returns the verdict; c->buf
 * and c->len hold the reply; -2 when the connection failed.
 */
int
probe_exchange(struct ctx *c, enum kind k, const void *req, size_t reqlen,
    uint64_t until, struct probe_id *id)
{
	int fd, v = PV_MORE;

	c->len = 0;
	c->closed = false;
	if (until > c->deadline)
		until = c->deadline;
	if ((fd = probe_dial(c, probe_cap(c, until))) < 0)
		return -2;
	if (reqlen > 0 && !probe_send_all(fd, req, reqlen, probe_cap(c, until))) {
		close(fd);
		return PV_NO;
	}
	while (v == PV_MORE && c->len < c->budget) {
		ssize_t r;

		/* the first byte lifts the cap: the rest may take longer */
		if (wait_reply(c, k, fd, until) != 1)
			break;
		r = recv(fd, c->buf + c->len, c->budget - c->len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		c->heard = true;
		if (r <= 0) {
			c->closed = true;
			break;
		}
		c->len += (size_t)r;
		v = probe_verdict(c, k, false, id);
	}
	if (v == PV_MORE && c->len > 0)
		v = probe_verdict(c, k, true, id);
	/* silence: did the door's process even take the connection? */
	if (c->len == 0 && !c->closed)
		c->peer = platform_peer_state(fd);
	c->dialed++;
	if (c->closed && c->len == 0)
		c->hangups++;
	if (k == K_PG_STARTUP && v == PV_YES && id->detail[0] == 'n')
		probe_send_all(fd, "X\0\0\0\4", 5, until);   /* Terminate, politely */
	c->budget -= c->len;
	close(fd);
	probe_record(c, k);
	return v;
}

/* Half of what is left for this probe, all of it for the last one: a
 * silent door cannot eat the time the next probes need. */
uint64_t
probe_slice(const struct ctx *c, bool last)
{
	uint64_t now = probe_now_ms();

	if (now >= c->deadline)
		return now;
	return last ? c->deadline : now + (c->deadline - now + 1) / 2;
}
