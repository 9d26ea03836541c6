/* test-http-parse.c - src/knock/http_parse.c: status lines, the end of the
 * headers and the request, on recorded replies and hostile bytes. */
#include "knock/http.h"
#include "unit.h"

static int
parse(const char *s, int *status)
{
	*status = -7;
	return http_status_parse(s, strlen(s), status);
}

/* Every prefix of a reply needs more bytes until the status line ends,
 * then every longer prefix gives the same status. */
static void
check_prefixes(const char *name, const char *buf, size_t len, int want)
{
	size_t line = 0;
	int    st, r;

	while (line < len && buf[line] != '\n')
		line++;
	for (size_t k = 0; k <= len; k++) {
		st = -7;
		r = http_status_parse(buf, k, &st);
		if (k <= line && r != 1) {
			printf("#   %s: prefix of %zu bytes gave %d, not 1\n",
			    name, k, r);
			CHECK_EQ_INT(r, 1);
			return;
		}
		if (k > line && (r != 0 || st != want)) {
			printf("#   %s: prefix of %zu bytes gave %d, status "
			    "%d\n", name, k, r, st);
			CHECK_EQ_INT(r, 0);
			CHECK_EQ_INT(st, want);
			return;
		}
	}
}

static void
check_fixture(const char *rel, int want, const char *first_body)
{
	size_t len = 0, end;
	char  *buf = unit_fixture(rel, &len);
	int    st = -7;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	CHECK_EQ_INT(http_status_parse(buf, len, &st), 0);
	CHECK_EQ_INT(st, want);
	check_prefixes(rel, buf, len, want);
	end = http_head_end(buf, len);
	CHECK(end > 0);
	if (end > 0 && first_body != NULL)
		CHECK(len - end >= strlen(first_body) &&
		    memcmp(buf + end, first_body, strlen(first_body)) == 0);
	if (end > 0 && first_body == NULL)
		CHECK_EQ_UINT(end, len);
	/* The blank line is found in no prefix that stops before it. */
	if (end > 0)
		CHECK_EQ_UINT(http_head_end(buf, end - 1), 0);
	free(buf);
}

TEST(python_http_server)
{
	check_fixture("http/python-200.bin", 200, "<p>door fixture</p>");
	check_fixture("http/python-404.bin", 404, "<!DOCTYPE HTML>");
	check_fixture("http/python-301.bin", 301, NULL);
}

TEST(nginx)
{
	check_fixture("http/nginx-200.bin", 200, "<p>door fixture</p>");
	check_fixture("http/nginx-404.bin", 404, "<html>");
	check_fixture("http/nginx-301.bin", 301, "<html>");
	check_fixture("http/nginx-204.bin", 204, NULL);
	check_fixture("http/nginx-503.bin", 503, "<html>");
}

TEST(status_line_forms)
{
	int st;

	CHECK_EQ_INT(parse("HTTP/1.1 200 OK\r\n", &st), 0);
	CHECK_EQ_INT(st, 200);
	CHECK_EQ_INT(parse("HTTP/1.0 404 Not Found\r\n", &st), 0);
	CHECK_EQ_INT(st, 404);
	/* no reason phrase, with and without the SP */
	CHECK_EQ_INT(parse("HTTP/1.1 204\r\n", &st), 0);
	CHECK_EQ_INT(st, 204);
	CHECK_EQ_INT(parse("HTTP/1.1 204 \r\n", &st), 0);
	CHECK_EQ_INT(st, 204);
	/* a bare LF ends the line */
	CHECK_EQ_INT(parse("HTTP/1.1 302 Found\n", &st), 0);
	CHECK_EQ_INT(st, 302);
	/* the edges of the status range */
	CHECK_EQ_INT(parse("HTTP/1.1 100 Continue\r\n", &st), 0);
	CHECK_EQ_INT(st, 100);
	CHECK_EQ_INT(parse("HTTP/1.1 599 x\r\n", &st), 0);
	CHECK_EQ_INT(st, 599);
	/* a future minor version, obs-text and tabs in the reason */
	CHECK_EQ_INT(parse("HTTP/1.9 200 OK\r\n", &st), 0);
	CHECK_EQ_INT(parse("HTTP/1.1 200 \xc3\xa7" "a va\tbien\r\n", &st), 0);
	CHECK_EQ_INT(st, 200);
	/* the headers and body after the line do not matter */
	CHECK_EQ_INT(parse("HTTP/1.1 500 Oops\r\n\x01\x02 anything", &st), 0);
	CHECK_EQ_INT(st, 500);
}

TEST(need_more)
{
	int st;

	CHECK_EQ_INT(parse("", &st), 1);
	CHECK_EQ_INT(parse("H", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1 ", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1 20", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1 200", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1 200 OK", &st), 1);
	CHECK_EQ_INT(parse("HTTP/1.1 200 OK\r", &st), 1);
	CHECK_EQ_INT(st, -7);   /* untouched until the line is complete */
}

TEST(not_http)
{
	int st;

	/* other protocols' greetings, as door probe would meet them */
	CHECK_EQ_INT(parse("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", &st), -1);
	CHECK_EQ_INT(parse("-ERR unknown command 'GET'\r\n", &st), -1);
	CHECK_EQ_INT(parse("220 smtp.example ESMTP\r\n", &st), -1);
	CHECK_EQ_INT(parse("\x15\x03\x01\x00\x02\x02\x46", &st), -1); /* TLS */
	/* HTTP/2 and /3 have no text status line; 0.9 has none at all */
	CHECK_EQ_INT(parse("HTTP/2 200\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/2.0 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/3 200\r\n", &st), -1);
	CHECK_EQ_INT(parse("<html>hello</html>", &st), -1);
	/* the name is case-sensitive; no leading blank lines or spaces */
	CHECK_EQ_INT(parse("http/1.1 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("\r\nHTTP/1.1 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse(" HTTP/1.1 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(st, -7);
}

TEST(bad_status_lines)
{
	int st;

	CHECK_EQ_INT(parse("HTTP/1.1 099 Low\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 600 High\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 000\r\n", &st), -1);
	/* rejected as soon as the three digits are known */
	CHECK_EQ_INT(parse("HTTP/1.1 099", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 20\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 2000 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 2x0 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 -200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 +20 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1  200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1\t200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.x 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.10 200 OK\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 200\tOK\r\n", &st), -1);
	/* CR must be followed by LF; controls and DEL in the reason */
	CHECK_EQ_INT(parse("HTTP/1.1 200 OK\rX", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 200 O\x01K\r\n", &st), -1);
	CHECK_EQ_INT(parse("HTTP/1.1 200 O\x7fK\r\n", &st), -1);
	CHECK_EQ_INT(st, -7);
}

TEST(nul_bytes)
{
	static const char a[] = "HTTP/1.1 200 O\0K\r\n";
	static const char b[] = "HTTP/1.1\0200 OK\r\n";
	static const char c[] = "HTTP/1.1 200 OK\r\n\0\0\0";
	int               st = -7;

	CHECK_EQ_INT(http_status_parse(a, sizeof a - 1, &st), -1);
	CHECK_EQ_INT(http_status_parse(b, sizeof b - 1, &st), -1);
	CHECK_EQ_INT(http_status_parse(c, sizeof c - 1, &st), 0);
	CHECK_EQ_INT(st, 200);
}

/* A server that sends an endless reason phrase is cut off. */
TEST(long_reason)
{
	size_t n = HTTP_STATUS_LINE_MAX + 64;
	char  *buf = malloc(n);
	int    st = -7;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	memcpy(buf, "HTTP/1.1 200 ", 13);
	memset(buf + 13, 'a', n - 13);
	CHECK_EQ_INT(http_status_parse(buf, HTTP_STATUS_LINE_MAX - 100, &st),
	    1);
	CHECK_EQ_INT(http_status_parse(buf, n, &st), -1);
	/* just under the limit is still a status line */
	memcpy(buf + HTTP_STATUS_LINE_MAX - 2, "\r\n", 2);
	CHECK_EQ_INT(http_status_parse(buf, HTTP_STATUS_LINE_MAX, &st), 0);
	CHECK_EQ_INT(st, 200);
	free(buf);
}

TEST(head_end)
{
	CHECK_EQ_UINT(http_head_end("", 0), 0);
	CHECK_EQ_UINT(http_head_end("\r\n", 2), 0);
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\r\n", 17), 0);
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\r\n\r\n", 19), 19);
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody",
	    29), 25);
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\nA: b\n\nbody", 26), 22);
	/* mixed endings, as lenient servers send */
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\r\nA: b\n\r\n", 24), 24);
	CHECK_EQ_UINT(http_head_end("HTTP/1.1 200 OK\r\nA: b\r\n\r", 24), 0);
	CHECK_EQ_UINT(http_head_end("\n\n", 2), 2);
}

TEST(request)
{
	char        buf[HTTP_REQUEST_MAX];
	const char *why = NULL;
	int         n;

	n = http_request_format(buf, sizeof buf, "localhost:3000", "/health",
	    &why);
	CHECK_STR(buf, "GET /health HTTP/1.1\r\nHost: localhost:3000\r\n"
	    "User-Agent: door\r\nConnection: close\r\n\r\n");
	CHECK_EQ_INT(n, (int)strlen(buf));
	n = http_request_format(buf, sizeof buf, "[::1]:8080", "/a?b=c&d=%20",
	    &why);
	CHECK(n > 0);
	CHECK(strncmp(buf, "GET /a?b=c&d=%20 HTTP/1.1\r\nHost: [::1]:8080\r\n",
	    45) == 0);
	/* non-ASCII is percent-encoded */
	n = http_request_format(buf, sizeof buf, "h", "/caf\xc3\xa9", &why);
	CHECK(n > 0);
	CHECK(strncmp(buf, "GET /caf%C3%A9 HTTP/1.1\r\n", 25) == 0);
}

TEST(request_injection)
{
	char        buf[HTTP_REQUEST_MAX];
	const char *why;

	why = NULL;
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h",
	    "/x HTTP/1.1\r\nEvil: 1", &why), -1);
	CHECK(why != NULL);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h\r\nEvil: 1",
	    "/", &why), -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", "/a b", &why),
	    -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", "/a\tb", &why),
	    -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", "/a\x7f", &why),
	    -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", "x", &why), -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", "", &why), -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "", "/", &why), -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, NULL, "/", &why), -1);
	CHECK_EQ_INT(http_request_format(buf, sizeof buf, "h", NULL, &why), -1);
}

TEST(request_too_long)
{
	char        small[64], path[3000];
	const char *why = NULL;

	CHECK_EQ_INT(http_request_format(small, sizeof small, "localhost:3000",
	    "/a/rather/long/path/that/does/not/fit", &why), -1);
	CHECK_STR(why, "the request is too long");
	/* every byte percent-encoded triples: 3000 * 3 > 4096 */
	memset(path, 0xff, sizeof path);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	CHECK_EQ_INT(http_request_format(small, sizeof small, "h", path, &why),
	    -1);
	{
		char big[HTTP_REQUEST_MAX];

		CHECK_EQ_INT(http_request_format(big, sizeof big, "h", path,
		    &why), -1);
	}
	/* exactly full: the limit is the buffer, NUL included */
	{
		char        fit[128];
		const char *tail = " HTTP/1.1\r\nHost: h\r\nUser-Agent: door\r\n"
		    "Connection: close\r\n\r\n";
		size_t      plen = sizeof fit - 1 - 4 - strlen(tail);
		char        p[128];

		memset(p, 'a', plen);
		p[0] = '/';
		p[plen] = '\0';
		CHECK_EQ_INT(http_request_format(fit, sizeof fit, "h", p, &why),
		    (int)sizeof fit - 1);
		p[plen] = 'a';
		p[plen + 1] = '\0';
		CHECK_EQ_INT(http_request_format(fit, sizeof fit, "h", p, &why),
		    -1);
	}
}
