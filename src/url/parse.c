/* parse.c - splitting a URL into the parts door url checks one by one.
 * Pure: bytes in, parts or the offset of the bad part out. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "url/url.h"

static int	bad(char *, size_t, size_t *, size_t *, size_t, size_t,
		    const char *, ...) __attribute__((format(printf, 7, 8)));

static int
bad(char *msg, size_t msize, size_t *at, size_t *len, size_t a, size_t l,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msize, fmt, ap);
	va_end(ap);
	*at = a;
	*len = l ? l : 1;
	return -1;
}

static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

static bool
v6_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.' || c == '%';
}

int
url_split(const char *s, struct url_parts *u, char *msg, size_t msize,
    size_t *at, size_t *len)
{
	const char *p, *sep, *auth, *aend, *host, *hend, *colon = NULL;
	size_t      n = strlen(s), hl;

	memset(u, 0, sizeof *u);
	*at = *len = 0;
	if (n == 0)
		return bad(msg, msize, at, len, 0, 0, "the URL is empty");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return bad(msg, msize, at, len, i, 1, "a URL holds no "
			    "spaces or control characters (write %%20 for a "
			    "space)");
	if (n >= URL_MAX - 16)
		return bad(msg, msize, at, len, 0, n, "the URL is longer than "
		    "%d bytes", URL_MAX - 16);
	sep = strstr(s, "://");
	if (sep != NULL) {
		size_t sl = (size_t)(sep - s);

		if (sl == 0)
			return bad(msg, msize, at, len, 0, 3, "the scheme "
			    "before '://' is missing");
		if (sl >= sizeof u->scheme || (strncasecmp(s, "http", sl) != 0
		    && strncasecmp(s, "https", sl) != 0) || (sl != 4 &&
		    sl != 5))
			return bad(msg, msize, at, len, 0, sl, "door url speaks "
			    "http and https, not '%.*s' (for other doors: door "
			    "probe HOST:PORT)", (int)(sl < 16 ? sl : 16), s);
		for (size_t i = 0; i < sl; i++)
			u->scheme[i] = (char)(s[i] | 0x20);
		u->scheme_given = true;
		auth = sep + 3;
	} else {
		/* "localhost:3000/x": what a browser's address bar assumes */
		snprintf(u->scheme, sizeof u->scheme, "http");
		auth = s;
	}
	aend = auth + strcspn(auth, "/?#");
	/* user:password@ is the application's business */
	host = auth;
	for (p = auth; p < aend; p++)
		if (*p == '@')
			host = p + 1;
	if (host == aend)
		return bad(msg, msize, at, len, (size_t)(host - s), 1,
		    "the URL has no host");
	if (*host == '[') {
		hend = memchr(host, ']', (size_t)(aend - host));
		if (hend == NULL)
			return bad(msg, msize, at, len, (size_t)(host - s),
			    (size_t)(aend - host), "'[' opens an IPv6 address "
			    "that ']' never closes");
		for (p = host + 1; p < hend; p++)
			if (!v6_char(*p))
				return bad(msg, msize, at, len, (size_t)(p - s),
				    1, "'%c' cannot be in an IPv6 address", *p);
		hl = (size_t)(hend - host - 1);
		if (hl == 0 || hl >= sizeof u->host)
			return bad(msg, msize, at, len, (size_t)(host - s),
			    (size_t)(hend - host + 1), "the IPv6 address is "
			    "%s", hl ? "too long" : "empty");
		memcpy(u->host, host + 1, hl);
		u->host_is_v6 = true;
		hend++;
		if (hend < aend && *hend != ':')
			return bad(msg, msize, at, len, (size_t)(hend - s), 1,
			    "after ']' comes ':PORT' or the path");
		if (hend < aend)
			colon = hend;
	} else {
		colon = memchr(host, ':', (size_t)(aend - host));
		hend = colon ? colon : aend;
		for (p = host; p < hend; p++)
			if (!host_char(*p))
				return bad(msg, msize, at, len, (size_t)(p - s),
				    1, "'%c' cannot be in a host name", *p);
		hl = (size_t)(hend - host);
		if (hl == 0)
			return bad(msg, msize, at, len, (size_t)(host - s), 1,
			    "the host before ':' is empty");
		if (hl >= sizeof u->host)
			return bad(msg, msize, at, len, (size_t)(host - s), hl,
			    "the host name is longer than %zu bytes",
			    sizeof u->host - 1);
		memcpy(u->host, host, hl);
	}
	if (colon != NULL) {
		uint64_t    v = 0;
		const char *d = colon + 1;

		if (d == aend)
			return bad(msg, msize, at, len, (size_t)(colon - s), 1,
			    "':' is followed by no port");
		for (p = d; p < aend; p++)
			if (*p < '0' || *p > '9')
				return bad(msg, msize, at, len, (size_t)(d - s),
				    (size_t)(aend - d), "the port '%.*s' is not "
				    "a number", (int)(aend - d < 16 ? aend - d :
				    16), d);
		if (num_parse_u64(d, (size_t)(aend - d), 1, 65535, &v) != 0)
			return bad(msg, msize, at, len, (size_t)(d - s),
			    (size_t)(aend - d), "the port is out of range "
			    "(1-65535)");
		u->port = (uint16_t)v;
		u->port_given = true;
	} else
		u->port = strcmp(u->scheme, "https") == 0 ? 443 : 80;
	/* path and query; the fragment never leaves the browser */
	p = aend;
	{
		size_t pl = strcspn(p, "?#"), ql = 0;

		if (pl == 0)
			snprintf(u->path, sizeof u->path, "/");
		else
			snprintf(u->path, sizeof u->path, "%.*s", (int)pl, p);
		p += pl;
		if (*p == '?') {
			p++;
			ql = strcspn(p, "#");
			snprintf(u->query, sizeof u->query, "%.*s", (int)ql,
			    p);
		}
		for (const char *c = aend; c < p + ql; c++)
			if (*c == '%' && (!strchr("0123456789abcdefABCDEF",
			    c[1]) || c[1] == 0 || !strchr(
			    "0123456789abcdefABCDEF", c[2]) || c[2] == 0))
				return bad(msg, msize, at, len, (size_t)(c - s),
				    1, "'%%' must start an escape like %%20");
	}
	{
		char port[8] = "";
		int  w;

		if (u->port_given)
			snprintf(port, sizeof port, ":%u", u->port);
		w = snprintf(u->normal, sizeof u->normal, "%s://%s%s%s%s%s%s%s",
		    u->scheme, u->host_is_v6 ? "[" : "", u->host,
		    u->host_is_v6 ? "]" : "", port, u->path,
		    u->query[0] ? "?" : "", u->query);
		if (w < 0 || (size_t)w >= sizeof u->normal)
			return bad(msg, msize, at, len, 0, n, "the URL is "
			    "too long");
	}
	return 0;
}
