/* fuzz-http.c - http_status_parse, http_head_end and http_request_format
 * (src/knock/http_parse.c) on arbitrary bytes. Aborts when a result breaks
 * its header's promises, or when a prefix of the input and the whole of it
 * disagree (the parser is fed a growing buffer, one recv() at a time). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "knock/http.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
status(const char *buf, size_t size)
{
	size_t cut = size > 0 ? (unsigned char)buf[0] % (size + 1) : 0;
	int    st = -7, stk = -7, rc, rk;

	rc = http_status_parse(buf, size, &st);
	if (rc != 0 && rc != 1 && rc != -1)
		abort();
	if (rc == 0 && (st < 100 || st > 599 || size < 13 ||
	    memcmp(buf, "HTTP/1.", 7) != 0))
		abort();
	if (rc != 0 && st != -7)
		abort();
	/* A prefix: "need more" only ever grows into an answer; an answer
	 * or a rejection never changes with more bytes. */
	rk = http_status_parse(buf, cut, &stk);
	if (rk == 0 && (rc != 0 || stk != st))
		abort();
	if (rk == -1 && rc != -1)
		abort();
	if (rc == 1 && rk != 1)
		abort();
}

static void
head_end(const char *buf, size_t size)
{
	size_t e = http_head_end(buf, size);

	if (e > size || (e > 0 && (e < 2 || buf[e - 1] != '\n')))
		abort();
	if (e > 0 && http_head_end(buf, e - 1) != 0)
		abort();
}

/* A request is one line, three headers and a blank line, whatever the
 * host and path held. */
static void
request(const char *host, const char *path)
{
	char        out[HTTP_REQUEST_MAX];
	const char *why = NULL;
	int         n = http_request_format(out, sizeof out, host, path, &why);
	size_t      crlf = 0;

	if (n < 0) {
		if (why == NULL)
			abort();
		return;
	}
	if ((size_t)n >= sizeof out || strlen(out) != (size_t)n ||
	    strncmp(out, "GET /", 5) != 0 || n < 4 ||
	    memcmp(out + n - 4, "\r\n\r\n", 4) != 0)
		abort();
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\n' && (i == 0 || out[i - 1] != '\r'))
			abort();
		if (c == '\r' && out[i + 1] != '\n')
			abort();
		if (c == '\n')
			crlf++;
		else if (c != '\r' && (c < 0x20 || c >= 0x7f))
			abort();
	}
	if (crlf != 5)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	status(s, size);
	head_end(s, size);
	request("localhost:3000", s);
	request(s, "/health");
	free(s);
	return 0;
}
