/* http_head.c - a reply to GET / HTTP/1.1: status, Server, X-Powered-By,
 * and the markers that name the framework behind them. Pure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/num.h"
#include "knock/http.h"
#include "probe/parse.h"

int
probe_http_request(char *buf, size_t size, const char *host, const char *path)
{
	const char *why;

	return http_request_format(buf, size, host, path, &why);
}

/* The headers a verdict needs, as found (sanitised, cut to fit). */
struct heads {
	char     location[128];
	char     cookie[256];       /* every Set-Cookie name, joined */
	char     referrer[32];
	char     xframe[16];
	bool     chunked;
	bool     has_length;
	uint64_t length;
};

static bool
name_is(const char *line, size_t nl, const char *name)
{
	return strlen(name) == nl && probe_find(line, nl, name) == 0;
}

static void
header(const char *line, size_t l, struct probe_http *h, struct heads *x)
{
	size_t nl = 0, v;

	while (nl < l && line[nl] != ':')
		nl++;
	if (nl == l)
		return;
	for (v = nl + 1; v < l && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	while (l > v && (line[l - 1] == ' ' || line[l - 1] == '\t'))
		l--;
	if (name_is(line, nl, "server"))
		probe_copy(h->server, sizeof h->server, line + v, l - v);
	else if (name_is(line, nl, "x-powered-by"))
		probe_copy(h->powered_by, sizeof h->powered_by, line + v, l - v);
	else if (name_is(line, nl, "location"))
		probe_copy(x->location, sizeof x->location, line + v, l - v);
	else if (name_is(line, nl, "referrer-policy"))
		probe_copy(x->referrer, sizeof x->referrer, line + v, l - v);
	else if (name_is(line, nl, "x-frame-options"))
		probe_copy(x->xframe, sizeof x->xframe, line + v, l - v);
	else if (name_is(line, nl, "transfer-encoding"))
		x->chunked = probe_find(line + v, l - v, "chunked") != SIZE_MAX;
	else if (name_is(line, nl, "content-length"))
		x->has_length = num_parse_u64(line + v, l - v, 0, UINT64_MAX,
		    &x->length) == 0;
	else if (name_is(line, nl, "set-cookie")) {
		size_t have = strlen(x->cookie), e = v;

		while (e < l && line[e] != '=' && line[e] != ';')
			e++;
		if (have + (e - v) + 2 < sizeof x->cookie) {
			x->cookie[have] = ' ';
			probe_copy(x->cookie + have + 1, sizeof x->cookie - have
			    - 1, line + v, e - v);
		}
	}
}

/* "nginx/1.22.1 (Debian)": the product up to '/', the version up to a
 * space or '('. */
static void
split_server(const char *s, const char *name, struct probe_id *id)
{
	size_t n = strlen(s), p = 0, e;

	while (p < n && s[p] != '/' && s[p] != ' ')
		p++;
	probe_copy(id->product, sizeof id->product, name ? name : s,
	    name ? strlen(name) : p);
	if (p < n && s[p] == '/') {
		for (e = p + 1; e < n && s[e] != ' ' && s[e] != '(' &&
		    s[e] != ')'; e++)
			;
		probe_copy(id->version, sizeof id->version, s + p + 1,
		    e - p - 1);
	}
}

/* The version after "word/" anywhere in s: "CPython/3.11.2". */
static void
version_of(const char *s, const char *word, struct probe_id *id)
{
	size_t at = probe_find(s, strlen(s), word), e;

	if (at == SIZE_MAX)
		return;
	at += strlen(word);
	for (e = at; s[e] != '\0' && s[e] != ' ' && s[e] != ')'; e++)
		;
	probe_copy(id->version, sizeof id->version, s + at, e - at);
}

/* What mongod answers to an HTTP request on its driver port (since 3.6,
 * when its HTTP interface went away). */
#define MONGO_OVER_HTTP "It looks like you are trying to access MongoDB " \
	"over HTTP on the native driver port."

static bool
has(const char *s, const char *needle)
{
	return probe_find(s, strlen(s), needle) != SIZE_MAX;
}

static bool
body_has(const char *body, size_t n, const char *needle)
{
	return probe_find(body, n, needle) != SIZE_MAX;
}

static void
product(const struct probe_http *h, const struct heads *x, const char *body,
    size_t bn, struct probe_id *id)
{
	const char *sv = h->server, *pw = h->powered_by;

	if (has(pw, "Next.js")) {
		strcpy(id->product, "Next.js");
		version_of(pw, "Next.js/", id);
	} else if (body_has(body, bn, "/@vite/client"))
		strcpy(id->product, "Vite");
	else if (body_has(body, bn, "webpack-dev-server"))
		strcpy(id->product, "webpack dev server");
	else if (has(pw, "Express"))
		strcpy(id->product, "Express");
	else if (body_has(body, bn, "Ollama is running"))
		strcpy(id->product, "Ollama");
	else if (body_has(body, bn, "You Know, for Search")) {
		strcpy(id->product, "Elasticsearch");
		probe_json_str(body, bn, "number", id->version,
		    sizeof id->version);
	} else if (probe_find(body, bn, MONGO_OVER_HTTP) == 0) {
		/* mongod's native port, asked in HTTP: not a web server */
		strcpy(id->service, "mongodb");
		strcpy(id->product, "MongoDB");
	} else if (probe_find(body, bn, "<HTML><BODY BGCOLOR=\"#ffffff\">\n"
	    "<pre>\n\ns_server ") == 0)
		/* openssl s_server -www: no Server header; its page starts
		 * with its own command line */
		strcpy(id->product, "OpenSSL s_server");
	else if (has(sv, "uvicorn"))
		strcpy(id->product, "uvicorn");
	else if (has(sv, "Werkzeug/")) {
		strcpy(id->product, "Werkzeug (Flask)");
		version_of(sv, "Werkzeug/", id);
	} else if (has(sv, "WSGIServer/")) {
		/* Django's runserver says WSGIServer; its security
		 * middleware and CSRF cookie say Django */
		if (has(x->cookie, " csrftoken") ||
		    has(x->referrer, "same-origin") ||
		    has(x->xframe, "DENY") ||
		    body_has(body, bn, "djangoproject.com"))
			strcpy(id->product, "Django");
		else
			strcpy(id->product, "Python WSGIServer");
		version_of(sv, "Python/", id);
		if (strcmp(id->product, "Django") == 0 && id->version[0]) {
			/* the header names Python's version, not Django's */
			snprintf(id->detail, sizeof id->detail, "on Python %s",
			    id->version);
			id->version[0] = '\0';
		}
	} else if (has(sv, "SimpleHTTP/")) {
		strcpy(id->product, "Python http.server");
		version_of(sv, "Python/", id);
	} else if (has(sv, "TornadoServer")) {
		if (has(x->location, "/tree") || has(x->location, "/lab") ||
		    has(x->location, "/login") || body_has(body, bn, "jupyter"))
			strcpy(id->product, "Jupyter");
		else
			split_server(sv, "Tornado", id);
	} else if (has(sv, "Apache")) {
		split_server(sv, "Apache httpd", id);
	} else if (sv[0] != '\0')
		split_server(sv, NULL, id);
	else if (has(pw, "PHP/")) {
		strcpy(id->product, "PHP");
		version_of(pw, "PHP/", id);
	}
}

/* Enough of the body: all of it, or PROBE_HTTP_BODY_MAX bytes. */
static bool
body_done(const struct heads *x, int status, const char *body, size_t bn)
{
	if (status < 200 || status == 204 || status == 304)
		return true;
	if (bn >= PROBE_HTTP_BODY_MAX)
		return true;
	if (x->has_length)
		return bn >= x->length;
	if (x->chunked)
		return probe_find(body, bn, "\r\n0\r\n\r\n") != SIZE_MAX ||
		    (bn >= 5 && memcmp(body, "0\r\n\r\n", 5) == 0);
	return false;   /* ends when the server closes */
}

int
probe_http_parse(const char *b, size_t n, bool closed, struct probe_http *h,
    struct probe_id *id)
{
	struct heads x;
	size_t       end, i, bn;
	int          st, r;

	memset(h, 0, sizeof *h);
	if ((r = http_status_parse(b, n, &st)) < 0)
		return PV_NO;
	if (r == 1)
		return n > HTTP_STATUS_LINE_MAX ? PV_NO : PV_MORE;
	end = http_head_end(b, n);
	if (end == 0 && !closed)
		return n > HTTP_REPLY_MAX - 1024 ? PV_NO : PV_MORE;
	if (end == 0)
		end = n;   /* cut short: what came is what we have */
	memset(&x, 0, sizeof x);
	h->status = st;
	h->head_len = end;
	for (i = 0; i < end && b[i] != '\n'; i++)
		;
	for (i++; i < end;) {
		size_t l = 0;

		while (i + l < end && b[i + l] != '\n')
			l++;
		header(b + i, l > 0 && b[i + l - 1] == '\r' ? l - 1 : l, h, &x);
		i += l + 1;
	}
	bn = n - end;
	if (!closed && !body_done(&x, st, b + end, bn))
		return PV_MORE;
	if (bn > PROBE_HTTP_BODY_MAX)
		bn = PROBE_HTTP_BODY_MAX;
	probe_id_clear(id);
	strcpy(id->service, "http");
	product(h, &x, b + end, bn, id);
	snprintf(id->detail, sizeof id->detail, "HTTP %d", st);
	return PV_YES;
}
