/* http.c - the I/O of one HTTP probe; the parsing is in http_parse.c. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knock/engine.h"
#include "knock/http.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 0: fd is ready for `what`; 1: the deadline passed; -1: errno. */
static int
wait_fd(int fd, short what, uint64_t deadline)
{
	struct pollfd pfd;

	for (;;) {
		uint64_t now = now_ms();
		int      rc;

		if (now >= deadline)
			return 1;
		pfd.fd = fd;
		pfd.events = what;
		pfd.revents = 0;
		rc = poll(&pfd, 1, deadline - now > 60000 ? 60000 :
		    (int)(deadline - now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* The server's doing, not ours: exit status "no". */
static int
err_no(struct door_err *e, int errnum, const char *what)
{
	if (errnum != 0)
		err_sys(e, errnum, "%s", what);
	else
		err_set(e, DOOR_NO, "%s", what);
	e->status = DOOR_NO;
	return -1;
}

static int
connect_by(int fd, const struct sockaddr *addr, socklen_t len,
    uint64_t deadline, struct door_err *e)
{
	struct sockaddr_storage local;
	socklen_t               ll = sizeof local, sl = sizeof(int);
	int                     err = 0, rc;

	if (connect(fd, addr, len) != 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			return err_no(e, errno, "connecting");
		if ((rc = wait_fd(fd, POLLOUT, deadline)) == 1)
			return err_no(e, ETIMEDOUT, "connecting");
		if (rc < 0)
			return err_sys(e, errno, "waiting to connect (poll)");
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
			return err_sys(e, errno, "connecting (SO_ERROR)");
		if (err != 0)
			return err_no(e, err, "connecting");
	}
	/* Connected to itself: nothing listens (see engine.c). */
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0 &&
	    knock_same_endpoint((struct sockaddr *)&local, addr))
		return err_no(e, ECONNREFUSED, "connecting");
	return 0;
}

static int
send_all(int fd, const char *p, size_t n, uint64_t deadline,
    struct door_err *e)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		int     rc;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return err_no(e, errno, "sending the HTTP request");
		if ((rc = wait_fd(fd, POLLOUT, deadline)) == 1)
			return err_no(e, ETIMEDOUT, "sending the HTTP request");
		if (rc < 0)
			return err_sys(e, errno, "sending the HTTP request "
			    "(poll)");
	}
	return 0;
}

/* Reads until the headers end; 0 and *status once a status line came. */
static int
read_status(int fd, uint64_t deadline, int *status, struct door_err *e)
{
	char   *buf;
	size_t  len = 0, seen = 0;   /* bytes searched for the blank line */
	int     st = 1, code = 0, rc = -1;

	if ((buf = malloc(HTTP_REPLY_MAX)) == NULL)
		return err_sys(e, errno, "reading the HTTP reply");
	for (;;) {
		ssize_t r;
		int     w;

		if (len == HTTP_REPLY_MAX)
			break;
		if (st == 0) {
			/* Only new bytes, and the two before them. */
			size_t from = seen > 2 ? seen - 2 : 0;

			if (http_head_end(buf + from, len - from) > 0)
				break;
			seen = len;
		}
		r = recv(fd, buf + len, HTTP_REPLY_MAX - len, 0);
		if (r > 0) {
			len += (size_t)r;
			if (st == 1)
				st = http_status_parse(buf, len, &code);
			if (st < 0) {
				err_no(e, 0, "the reply is not HTTP/1.x");
				goto out;
			}
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			if (st == 0)
				break;   /* a reset after the status line */
			err_no(e, errno, "reading the HTTP reply");
			goto out;
		}
		if ((w = wait_fd(fd, POLLIN, deadline)) == 1)
			break;
		if (w < 0) {
			err_sys(e, errno, "reading the HTTP reply (poll)");
			goto out;
		}
	}
	if (st == 0) {
		*status = code;
		rc = 0;
	} else if (len == 0 && now_ms() < deadline)
		err_no(e, 0, "the server closed the connection without a "
		    "reply");
	else if (now_ms() >= deadline)
		err_no(e, ETIMEDOUT, "waiting for an HTTP status line");
	else
		err_no(e, 0, "the reply ended inside the status line");
out:
	free(buf);
	return rc;
}

int
http_probe(const struct sockaddr *addr, socklen_t len,
    const char *host_header, const char *path, uint32_t timeout_ms,
    int *status, struct door_err *e)
{
	char        req[HTTP_REQUEST_MAX];
	const char *why = NULL;
	uint64_t    deadline = now_ms() + timeout_ms;
	int         n, fd, rc;

	n = http_request_format(req, sizeof req, host_header, path, &why);
	if (n < 0)
		return err_set(e, DOOR_USAGE, "cannot send that HTTP request: "
		    "%s", why);
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return err_no(e, errno, "connecting");
		return err_sys(e, errno, "creating a socket");
	}
	rc = connect_by(fd, addr, len, deadline, e);
	if (rc == 0)
		rc = send_all(fd, req, (size_t)n, deadline, e);
	if (rc == 0)
		rc = read_status(fd, deadline, status, e);
	close(fd);
	return rc;
}
