/* http_parse.c - HTTP status lines and requests. Pure: no system calls. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "knock/http.h"

/*
 * RFC 9112, 4: status-line = HTTP-version SP status-code SP [reason-phrase]
 * HTTP-version is case-sensitive "HTTP/" DIGIT "." DIGIT; door accepts
 * major version 1 only. The SP before an absent reason is optional here,
 * as many servers leave it out ("HTTP/1.1 200\r\n"), and a bare LF ends
 * the line (9112, 2.2 lets a recipient accept it).
 */
int
http_status_parse(const char *buf, size_t len, int *status)
{
	static const char name[] = "HTTP/1.";
	const unsigned char *p = (const unsigned char *)buf;
	size_t               i, n = sizeof name - 1;
	int                  code = 0;

	for (i = 0; i < n; i++) {
		if (i == len)
			return 1;
		if (p[i] != (unsigned char)name[i])
			return -1;
	}
	/* minor version digit, SP, three digits */
	if (i == len)
		return 1;
	if (p[i] < '0' || p[i] > '9')
		return -1;
	if (++i == len)
		return 1;
	if (p[i++] != ' ')
		return -1;
	for (int d = 0; d < 3; d++, i++) {
		if (i == len)
			return 1;
		if (p[i] < '0' || p[i] > '9')
			return -1;
		code = code * 10 + (p[i] - '0');
	}
	if (code < 100 || code > 599)
		return -1;
	if (i == len)
		return 1;
	if (p[i] == ' ') {
		/* reason-phrase = *( HTAB / SP / VCHAR / obs-text ) */
		for (i++; i < len; i++)
			if (p[i] == '\r' || p[i] == '\n')
				break;
			else if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
				return -1;
			else if (i >= HTTP_STATUS_LINE_MAX)
				return -1;
		if (i == len)
			return 1;
	}
	if (p[i] == '\r') {
		if (++i == len)
			return 1;
		if (p[i] != '\n')
			return -1;
	} else if (p[i] != '\n')
		return -1;
	*status = code;
	return 0;
}

size_t
http_head_end(const char *buf, size_t len)
{
	/* A line feed, then an optional CR, then a line feed. */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Printable ASCII without space: what a Host value and a path may hold. */
static bool
token_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

int
http_request_format(char *buf, size_t size, const char *host,
    const char *path, const char **why)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t            o = 0;
	int               n;

	if (host == NULL || host[0] == '\0') {
		*why = "the Host header is empty";
		return -1;
	}
	for (const char *h = host; *h != '\0'; h++)
		if (!token_byte((unsigned char)*h)) {
			*why = "the host holds a space or a control byte";
			return -1;
		}
	if (path == NULL || path[0] != '/') {
		*why = "the path must start with '/'";
		return -1;
	}
#define PUT(c) do {							\
	if (o + 1 >= size)						\
		goto toolong;						\
	buf[o++] = (c);							\
} while (0)
	n = snprintf(buf, size, "GET ");
	if (n < 0 || (size_t)n >= size)
		goto toolong;
	o = (size_t)n;
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0';
	    p++) {
		if (*p >= 0x80) {
			PUT('%');
			PUT(hex[*p >> 4]);
			PUT(hex[*p & 0x0f]);
		} else if (token_byte(*p))
			PUT((char)*p);
		else {
			*why = "the path holds a space or a control byte";
			return -1;
		}
	}
#undef PUT
	n = snprintf(buf + o, size - o, " HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: door\r\nConnection: close\r\n\r\n", host);
	if (n < 0 || (size_t)n >= size - o)
		goto toolong;
	return (int)(o + (size_t)n);
toolong:
	*why = "the request is too long";
	return -1;
}
