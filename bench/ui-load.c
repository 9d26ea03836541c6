/*
 * ui-load.c - a bounded load client for door ui (bench/ui.sh).
 *
 *   DOOR_UI_TOKEN=TOKEN ui-load -p PORT [-s SSE] [-r RATE] [-d SECONDS]
 *                               [-u PATH] [-c MAXCONN]
 *
 * One thread, one epoll, all on 127.0.0.1:
 *   - SSE clients hold /api/events open for the whole run, decode its
 *     chunks and read its events;
 *   - requests to PATH go out open-loop at RATE a second, on keep-alive
 *     connections (opened as needed, at most MAXCONN). A request's
 *     latency counts from when it was due, not from when a connection was
 *     free for it (no coordinated omission);
 *   - at 30% of the run it opens a listener on 127.0.0.1 and at 60% closes
 *     it: every SSE client should get the "change" event of each, and the
 *     delay from listen(2) / close(2) to each client's event is measured.
 *
 * The token comes from the environment, not argv (ps shows argv). Bounds:
 * the run stops sending at SECONDS, waits at most GRACE_S for what is
 * outstanding, and an alarm ends the process at SECONDS + 60 whatever
 * happens. Output: a few "key: value" lines on stdout.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#define MAX_SSE		4000
#define MAX_CONN	4000
#define MAX_RATE	100000
#define MAX_SECONDS	3600
#define GRACE_S		10.0
#define HEAD_MAX	16384	/* a response's status line and headers */
#define LINE_MAX_KEEP	1024	/* an SSE line's first bytes, kept */

enum kind { K_SSE, K_REQ };
enum phase { P_CONNECTING, P_HEAD, P_BODY, P_IDLE, P_DEAD };
enum chunk { C_SIZE, C_DATA, C_CRLF, C_END };

struct conn {
	enum kind   kind;
	enum phase  phase;
	int         fd;
	char        head[HEAD_MAX];
	size_t      hlen;
	/* requests */
	double      due;          /* when the request in flight was due */
	long long   body_left;
	bool        close_after;
	int         status;
	/* streams */
	enum chunk  chunk;
	size_t      chunk_left;
	char        sizeline[32];
	size_t      slen;
	char        line[LINE_MAX_KEEP];
	size_t      llen;
	char        event[32];
	char        data[LINE_MAX_KEEP];
	bool        have_data;
	long        snapshots, changes;
	double      saw_open, saw_close;
};

static struct conn *conns;
static int          nconns, epfd, port, lport = -1;
static const char  *token, *path = "/api/doors";
static char         req_text[1024], sse_text[1024];
static size_t       req_len, sse_len;
static double       t0, t_listen, t_unlisten;

/* results */
static long long sent, ok, bad_status, err_connect, err_reset, err_timeout;
static long long opened, busy_now, busy_max;
static double   *lat;
static long long nlat;
static double   *due_q;       /* requests due, waiting for a connection */
static long long q_head, q_tail;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "ui-load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
connect_to(void)
{
	struct sockaddr_in sa;
	int                fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
watch(struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) != 0)
		die("epoll_ctl");
}

static int
conn_open(struct conn *c, enum kind k)
{
	struct epoll_event e;
	int                fd = connect_to();

	if (fd < 0)
		return -1;
	memset(c, 0, sizeof *c);
	c->kind = k;
	c->fd = fd;
	c->phase = P_CONNECTING;
	c->saw_open = c->saw_close = -1;
	e.events = EPOLLOUT;
	e.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) != 0)
		die("epoll_ctl");
	if (k == K_REQ)
		opened++;
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->phase = P_DEAD;
}

static void
send_all(struct conn *c, const char *s, size_t n)
{
	/* a request is far smaller than a fresh socket's send buffer */
	if (write(c->fd, s, n) != (ssize_t)n) {
		if (c->kind == K_REQ)
			err_reset++;
		conn_close(c);
	}
}

static void
request_on(struct conn *c, double due)
{
	c->due = due;
	c->hlen = 0;
	c->body_left = -1;
	c->close_after = false;
	c->status = 0;
	c->phase = P_HEAD;
	busy_now++;
	if (busy_now > busy_max)
		busy_max = busy_now;
	sent++;
	send_all(c, req_text, req_len);
	if (c->phase == P_DEAD)
		busy_now--;
}

/* ---- responses ---- */

/* Parses the head in c->head[0..end): status, Content-Length, Connection,
 * Transfer-Encoding. */
static void
parse_head(struct conn *c, size_t end)
{
	char *p = c->head, *e = c->head + end;

	c->status = 0;
	if (end > 12 && memcmp(p, "HTTP/1.", 7) == 0)
		c->status = atoi(p + 9);
	while (p < e) {
		char *nl = memchr(p, '\n', (size_t)(e - p));

		if (nl == NULL)
			break;
		*nl = '\0';
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			c->body_left = atoll(p + 15);
		else if (strncasecmp(p, "Connection:", 11) == 0 &&
		    strcasestr(p + 11, "close") != NULL)
			c->close_after = true;
		p = nl + 1;
	}
}

static void
request_done(struct conn *c)
{
	double t = now_s();

	busy_now--;
	lat[nlat++] = t - c->due;
	if (c->status == 200)
		ok++;
	else
		bad_status++;
	c->phase = P_IDLE;
	if (c->close_after)
		conn_close(c);
}

/* One SSE line (without its newline), its first LINE_MAX_KEEP bytes. */
static void
sse_line(struct conn *c)
{
	char pat[32];

	c->line[c->llen < LINE_MAX_KEEP ? c->llen : LINE_MAX_KEEP - 1] = '\0';
	if (c->llen > 0 && c->line[c->llen - 1] == '\r')
		c->line[c->llen - 1] = '\0';
	if (c->line[0] == '\0') {
		/* the end of an event */
		if (strcmp(c->event, "snapshot") == 0)
			c->snapshots++;
		else if (strcmp(c->event, "change") == 0 && c->have_data) {
			c->changes++;
			snprintf(pat, sizeof pat, "\"port\":%d,", lport);
			if (lport > 0 && strstr(c->data, pat) != NULL) {
				if (strstr(c->data, "\"event\":\"open\"") &&
				    c->saw_open < 0)
					c->saw_open = now_s();
				if (strstr(c->data, "\"event\":\"close\"") &&
				    c->saw_close < 0)
					c->saw_close = now_s();
			}
		}
		c->event[0] = '\0';
		c->have_data = false;
	} else if (strncmp(c->line, "event: ", 7) == 0) {
		snprintf(c->event, sizeof c->event, "%s", c->line + 7);
	} else if (strncmp(c->line, "data: ", 6) == 0 && !c->have_data) {
		snprintf(c->data, sizeof c->data, "%s", c->line + 6);
		c->have_data = true;
	}
	c->llen = 0;
}

static void
sse_bytes(struct conn *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			sse_line(c);
			continue;
		}
		if (c->llen < LINE_MAX_KEEP - 1)
			c->line[c->llen] = p[i];
		c->llen++;
	}
}

/* The body of an event stream: chunked (its length is unknown). */
static void
sse_chunks(struct conn *c, const char *p, size_t n)
{
	while (n > 0 && c->chunk != C_END) {
		if (c->chunk == C_SIZE) {
			char ch = *p++;

			n--;
			if (ch == '\n') {
				c->sizeline[c->slen < sizeof c->sizeline ?
				    c->slen : sizeof c->sizeline - 1] = '\0';
				c->chunk_left = strtoul(c->sizeline, NULL, 16);
				c->slen = 0;
				c->chunk = c->chunk_left == 0 ? C_END : C_DATA;
			} else if (c->slen < sizeof c->sizeline - 1) {
				c->sizeline[c->slen++] = ch;
			}
		} else if (c->chunk == C_DATA) {
			size_t k = n < c->chunk_left ? n : c->chunk_left;

			sse_bytes(c, p, k);
			p += k;
			n -= k;
			c->chunk_left -= k;
			if (c->chunk_left == 0) {
				c->chunk = C_CRLF;
				c->slen = 0;
			}
		} else {
			/* the CRLF after a chunk */
			if (*p == '\n')
				c->chunk = C_SIZE;
			p++;
			n--;
		}
	}
}

static void
on_readable(struct conn *c)
{
	char    buf[65536];
	ssize_t n;

	for (int turn = 0; turn < 64; turn++) {
		size_t off = 0;

		n = read(c->fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (c->kind == K_REQ && c->phase != P_IDLE) {
				err_reset++;
				busy_now--;
			}
			conn_close(c);
			return;
		}
		while (off < (size_t)n && c->phase != P_DEAD) {
			if (c->phase == P_HEAD) {
				size_t k = (size_t)n - off, room, end;
				char  *hit;

				room = HEAD_MAX - 1 - c->hlen;
				if (k > room)
					k = room;
				memcpy(c->head + c->hlen, buf + off, k);
				c->hlen += k;
				c->head[c->hlen] = '\0';
				hit = strstr(c->head, "\r\n\r\n");
				if (hit == NULL) {
					off += k;
					if (c->hlen >= HEAD_MAX - 1) {
						err_reset++;
						conn_close(c);
					}
					continue;
				}
				end = (size_t)(hit - c->head) + 4;
				/* the bytes past the head are the body's */
				off += k - (c->hlen - end);
				parse_head(c, end);
				c->phase = P_BODY;
				if (c->kind == K_REQ && c->body_left <= 0) {
					request_done(c);
					continue;
				}
			} else if (c->phase == P_BODY) {
				size_t k = (size_t)n - off;

				if (c->kind == K_SSE) {
					sse_chunks(c, buf + off, k);
					off += k;
					continue;
				}
				if ((long long)k > c->body_left)
					k = (size_t)c->body_left;
				c->body_left -= (long long)k;
				off += k;
				if (c->body_left == 0)
					request_done(c);
			} else {
				off = (size_t)n;   /* unasked bytes: dropped */
			}
		}
		if (c->phase == P_DEAD)
			return;
	}
}

static void
on_event(struct conn *c, uint32_t ev)
{
	if (c->phase == P_CONNECTING) {
		int err = 0;
		socklen_t l = sizeof err;

		if ((ev & (EPOLLERR | EPOLLHUP)) ||
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0 ||
		    err != 0) {
			if (c->kind == K_REQ)
				err_connect++;
			conn_close(c);
			return;
		}
		watch(c, EPOLLIN);
		if (c->kind == K_SSE) {
			c->phase = P_HEAD;
			send_all(c, sse_text, sse_len);
		} else {
			c->phase = P_IDLE;
		}
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_readable(c);
}

/* A request connection free for the next request, or a new one. */
static struct conn *
free_conn(int first_req, int maxconn)
{
	struct conn *dead = NULL;

	for (int i = first_req; i < first_req + maxconn; i++) {
		if (conns[i].phase == P_IDLE)
			return &conns[i];
		if (conns[i].phase == P_DEAD && dead == NULL)
			dead = &conns[i];
	}
	if (dead != NULL && conn_open(dead, K_REQ) != 0) {
		err_connect++;
		dead->phase = P_DEAD;
	}
	return NULL;      /* it takes the next request once connected */
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, long long n, double p)
{
	if (n == 0)
		return 0;
	return v[(long long)((double)(n - 1) * p)];
}

static void
delays(const char *what, int nsse, bool open)
{
	double *d = calloc((size_t)nsse + 1, sizeof *d);
	double  at = open ? t_listen : t_unlisten;
	long long n = 0;

	if (d == NULL)
		die("calloc");
	for (int i = 0; i < nsse; i++) {
		double s = open ? conns[i].saw_open : conns[i].saw_close;

		if (s >= 0)
			d[n++] = (s - at) * 1000;
	}
	qsort(d, (size_t)n, sizeof *d, cmp_double);
	printf("sse %s event: %lld of %d clients, delay median %.0f ms, "
	    "max %.0f ms\n", what, n, nsse, pct(d, n, 0.5), n ? d[n - 1] : 0);
	free(d);
}

int
main(int argc, char **argv)
{
	int    nsse = 200, maxconn = 256, opt, first_req;
	long   rate = 1000, seconds = 20;
	double t_end;
	int    lfd = -1;
	struct epoll_event evs[256];

	while ((opt = getopt(argc, argv, "p:s:r:d:u:c:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 's': nsse = atoi(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'd': seconds = atol(optarg); break;
		case 'u': path = optarg; break;
		case 'c': maxconn = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: DOOR_UI_TOKEN=T ui-load -p PORT "
			    "[-s SSE] [-r RATE] [-d S] [-u PATH] [-c MAXCONN]\n");
			return 2;
		}
	}
	token = getenv("DOOR_UI_TOKEN");
	if (port < 1 || port > 65535 || token == NULL || nsse < 0 ||
	    nsse > MAX_SSE || rate < 1 || rate > MAX_RATE || seconds < 1 ||
	    seconds > MAX_SECONDS || maxconn < 1 || maxconn > MAX_CONN ||
	    strlen(path) > 200 || strlen(token) > 200) {
		fprintf(stderr, "ui-load: -p PORT and DOOR_UI_TOKEN needed; "
		    "SSE <= %d, RATE <= %d, S <= %d, MAXCONN <= %d\n",
		    MAX_SSE, MAX_RATE, MAX_SECONDS, MAX_CONN);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)seconds + 60);
	req_len = (size_t)snprintf(req_text, sizeof req_text, "GET %s HTTP/1.1"
	    "\r\nHost: 127.0.0.1:%d\r\nCookie: door_ui_%d=%s\r\n\r\n", path,
	    port, port, token);
	sse_len = (size_t)snprintf(sse_text, sizeof sse_text, "GET /api/events "
	    "HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: door_ui_%d=%s\r\n\r\n",
	    port, port, token);
	conns = calloc((size_t)(nsse + maxconn), sizeof *conns);
	lat = calloc((size_t)(rate * seconds + 1), sizeof *lat);
	due_q = calloc((size_t)(rate * seconds + 1), sizeof *due_q);
	if (conns == NULL || lat == NULL || due_q == NULL)
		die("calloc");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	nconns = nsse + maxconn;
	first_req = nsse;
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		conns[i].phase = P_DEAD;
	}
	for (int i = 0; i < nsse; i++)
		if (conn_open(&conns[i], K_SSE) != 0)
			die("connect");
	/* the streams are up (their snapshot in) before the load starts */
	t0 = now_s();
	for (;;) {
		int n = epoll_wait(epfd, evs, 256, 10), have = 0;

		for (int i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		for (int i = 0; i < nsse; i++)
			have += conns[i].snapshots > 0;
		if (have == nsse || now_s() - t0 > 30)
			break;
	}
	{
		int up = 0;

		for (int i = 0; i < nsse; i++)
			up += conns[i].phase != P_DEAD && conns[i].snapshots > 0;
		printf("sse clients connected with their table: %d of %d "
		    "(in %.1f s)\n", up, nsse, now_s() - t0);
	}
	t0 = now_s();
	t_end = t0 + (double)seconds;
	t_listen = t_unlisten = 0;
	for (;;) {
		double t = now_s();
		int    n;

		/* the listener, opened at 30% and closed at 60% */
		if (lfd < 0 && t_listen == 0 && t >= t0 + 0.3 * seconds) {
			struct sockaddr_in sa;
			socklen_t          sl = sizeof sa;

			lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			memset(&sa, 0, sizeof sa);
			sa.sin_family = AF_INET;
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa,
			    sizeof sa) != 0 || listen(lfd, 8) != 0 ||
			    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
				die("the listener");
			lport = ntohs(sa.sin_port);
			t_listen = now_s();
		}
		if (lfd >= 0 && t >= t0 + 0.6 * seconds) {
			close(lfd);
			lfd = -1;
			t_unlisten = now_s();
		}
		/* what is due: the open loop */
		if (t < t_end) {
			long long want = (long long)((t - t0) * (double)rate);

			while (q_tail < want) {
				due_q[q_tail] = t0 + (double)q_tail /
				    (double)rate;
				q_tail++;
			}
		}
		while (q_head < q_tail) {
			struct conn *c = free_conn(first_req, maxconn);

			if (c == NULL)
				break;
			request_on(c, due_q[q_head++]);
		}
		if (t >= t_end && (busy_now == 0 && q_head == q_tail))
			break;
		if (t >= t_end + GRACE_S)
			break;
		n = epoll_wait(epfd, evs, 256, 1);
		for (int i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
	}
	{
		double took = now_s() - t0;
		int    alive = 0;

		/* what did not come back within the grace is a timeout */
		err_timeout = busy_now + (q_tail - q_head);
		for (int i = 0; i < nsse; i++)
			alive += conns[i].phase != P_DEAD;
		qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
		printf("requests: due %lld, sent %lld, ok %lld, errors %lld "
		    "(status not 200 %lld, connect %lld, reset %lld, "
		    "timeout %lld)\n", q_tail, sent, ok,
		    bad_status + err_connect + err_reset + err_timeout,
		    bad_status, err_connect, err_reset, err_timeout);
		printf("rate: %.0f answers/s over %.1f s (asked %ld/s for %ld "
		    "s)\n", (double)nlat / took, took, rate, seconds);
		printf("latency from due: median %.2f ms, p90 %.2f ms, p99 "
		    "%.2f ms, max %.2f ms\n", pct(lat, nlat, 0.5) * 1000,
		    pct(lat, nlat, 0.9) * 1000, pct(lat, nlat, 0.99) * 1000,
		    nlat ? lat[nlat - 1] * 1000 : 0);
		printf("request connections: %lld opened, %lld in flight at "
		    "most\n", opened, busy_max);
		printf("sse clients still connected at the end: %d of %d\n",
		    alive, nsse);
		delays("open", nsse, true);
		delays("close", nsse, false);
	}
	return 0;
}
