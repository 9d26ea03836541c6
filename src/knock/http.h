/* http.h - one HTTP/1.1 GET for `door wait --http`: the status, no more. */
#ifndef DOOR_KNOCK_HTTP_H
#define DOOR_KNOCK_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"

#define HTTP_REPLY_MAX		65536	/* bytes read at most */
#define HTTP_STATUS_LINE_MAX	8192	/* longer is not a server we know */
#define HTTP_REQUEST_MAX	4096

/*
 * Connects to addr, sends
 *   GET PATH HTTP/1.1\r\nHost: H\r\nUser-Agent: door\r\nConnection: close
 * and reads the reply until the end of its headers (at most HTTP_REPLY_MAX
 * bytes), all within timeout_ms from the call: a server that trickles
 * bytes is cut off at the deadline. Returns 0 and *status (100-599) once a
 * status line came, even if the headers did not finish in time.
 * -1 and e otherwise: DOOR_NO for what the server did (refused, no answer,
 * closed early, not HTTP; e->sys_errno says ECONNREFUSED or ETIMEDOUT when
 * it was that), DOOR_USAGE for a host or path that cannot go in a request,
 * DOOR_SYSTEM (or DENIED) when this machine failed.
 */
int	http_probe(const struct sockaddr *addr, socklen_t len,
	    const char *host_header, const char *path, uint32_t timeout_ms,
	    int *status, struct door_err *e);

/* Pure parts (http_parse.c): bytes in, answer out. */

/*
 * The status line at the start of buf[0..len): "HTTP/1.x NNN[ reason]"
 * ended by CRLF (or a bare LF). 0: complete, *status set (100-599);
 * 1: a prefix of one, more bytes needed; -1: not an HTTP/1.x status line
 * (HTTP/2 has no text status line; over plain TCP it is not spoken).
 */
int	http_status_parse(const char *buf, size_t len, int *status);

/* Offset just past the blank line that ends the headers, 0 if not yet. */
size_t	http_head_end(const char *buf, size_t len);

/*
 * Writes the request into buf; returns its length, or -1 and *why when the
 * host or path holds a space or control byte (a header injection), the
 * path does not start with '/', or it does not fit. Bytes >= 0x80 in the
 * path are percent-encoded.
 */
int	http_request_format(char *buf, size_t size, const char *host,
	    const char *path, const char **why);

#endif
