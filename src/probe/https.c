/* https.c - one GET / over TLS, to learn which web server a TLS door
 * hides (nmap -sV's ssl/http). door speaks no TLS of its own: libcurl does
 * it, loaded with dlopen on first use (url/curl_dl.c), so doors without
 * TLS never pay for it. Only the I/O is here; the bytes go to the same
 * pure parser as a plain HTTP reply (probe_http_parse). */
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "probe/https.h"
#include "url/curl_dl.h"

#define URL_MAX	640	/* https://, a host (PROBE_HOST_MAX), a zone */

struct sink {
	char   *buf;
	size_t  max, len;
	bool    head_done;   /* the blank line after the headers came */
	bool    cut;         /* stopped at max on purpose */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Appends what fits; false when p[0..n) did not all fit. */
static bool
keep(struct sink *k, const char *p, size_t n)
{
	size_t room = k->max - k->len, m = n < room ? n : room;

	memcpy(k->buf + k->len, p, m);
	k->len += m;
	if (m < n)
		k->cut = true;
	return m == n;
}

/* libcurl hands over the status line and each header line as received,
 * CRLF included, then the blank line. */
static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;
	size_t       n = sz * nm;

	if (k->head_done) {
		/* a final reply after a 1xx one (103 Early Hints): the 1xx
		 * says nothing of who answers, keep only the last; anything
		 * else after the body (trailers) is no part of the head */
		if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
			return n;
		k->len = 0;
		k->head_done = false;
	}
	if ((n == 2 && p[0] == '\r' && p[1] == '\n') || (n == 1 && p[0] == '\n'))
		k->head_done = true;
	/* a short count makes libcurl stop the transfer: we have enough */
	return keep(k, p, n) ? n : 0;
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;
	size_t       n = sz * nm;

	return keep(k, p, n) ? n : 0;
}

/* "127.0.0.1", "::1", "fe80::1%eth0" (libcurl and getaddrinfo both
 * take the zone); false when it cannot be written. */
static bool
addr_text(const struct sockaddr *sa, socklen_t len, char *out, size_t size,
    unsigned *port)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		*port = ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6))
		*port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	else
		return false;
	return getnameinfo(sa, len, out, (socklen_t)size, NULL, 0,
	    NI_NUMERICHOST) == 0;
}

/* What a URL's host part may hold here: a name, an IPv4 address, a
 * bracketed IPv6 one with a zone, a port. Anything else (a '/', '@',
 * '?', a space) would make a different URL than the door's. */
static bool
host_ok(const char *h)
{
	if (*h == '\0')
		return false;
	for (; *h != '\0'; h++) {
		unsigned char c = (unsigned char)*h;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(".-_~:[]%", c) != NULL))
			return false;
	}
	return true;
}

/* Appends s to the URL, '%' written "%25" (RFC 6874: a zone in a URL). */
static void
url_add(char *url, size_t size, size_t *o, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *piece = *s == '%' ? "%25" : NULL;
		size_t      n = piece ? 3 : 1;

		if (*o + n >= size) {
			*o = size;   /* too long: the caller sees it */
			return;
		}
		memcpy(url + *o, piece ? piece : s, n);
		*o += n;
	}
	url[*o] = '\0';
}

/* https://HOST/ for the URL; false when it does not fit. */
static bool
url_of(const char *host, const char *addr, bool v6, unsigned port,
    char *url, size_t size)
{
	size_t o = 0, colons = 0;
	char   p[16];

	snprintf(p, sizeof p, "%u", port);
	url[0] = '\0';
	url_add(url, size, &o, "https://");
	for (const char *s = host; host != NULL && *s != '\0'; s++)
		colons += *s == ':';
	if (host != NULL && host_ok(host) && (host[0] == '[' || colons < 2))
		url_add(url, size, &o, host);
	else {
		/* a bare IPv6 literal has no room for a port: brackets, and
		 * the door's port; no usable host at all: the address */
		const char *h = host != NULL && host_ok(host) ? host : addr;
		bool        br = host != NULL && host_ok(host) ? true : v6;

		url_add(url, size, &o, br ? "[" : "");
		url_add(url, size, &o, h);
		url_add(url, size, &o, br ? "]:" : ":");
		url_add(url, size, &o, p);
	}
	url_add(url, size, &o, "/");
	return o < size;
}

int
probe_https_get(const struct sockaddr *addr, socklen_t len, const char *host,
    uint64_t deadline_ms, char *buf, size_t max, size_t *got, char *why,
    size_t whylen)
{
	struct sink        k = { buf, max, 0, false, false };
	struct curl_slist *pin = NULL;
	char               a[NI_MAXHOST], url[URL_MAX], to[NI_MAXHOST + 32];
	char               ebuf[CURL_ERROR_SIZE] = "";
	const char        *e;
	unsigned           port;
	uint64_t           now = now_ms();
	long               left;
	bool               v6 = addr->sa_family == AF_INET6;
	CURL              *h;
	CURLcode           rc;

	*got = 0;
	say(why, whylen, "%s", "");
	if (now >= deadline_ms) {
		say(why, whylen, "no time left for HTTPS");
		return -1;
	}
	if (buf == NULL || max == 0) {
		say(why, whylen, "no room for a reply");
		return -1;
	}
	if (!addr_text(addr, len, a, sizeof a, &port) ||
	    !url_of(host, a, v6, port, url, sizeof url)) {
		say(why, whylen, "no URL for this door");
		return -1;
	}
	if ((e = curl_dl_start()) != NULL) {
		say(why, whylen, "%s", e);
		return -1;
	}
	/* "::ADDR:PORT": any host and port of the URL goes to this address,
	 * so the GET reaches this door whatever the name resolves to (and
	 * no DNS is asked: the address is a literal) */
	snprintf(to, sizeof to, v6 ? "::[%s]:%u" : "::%s:%u", a, port);
	if ((h = curl_easy_init()) == NULL) {
		say(why, whylen, "libcurl: no handle");
		return -1;
	}
	if ((pin = curl_slist_append(NULL, to)) == NULL) {
		curl_easy_cleanup(h);
		say(why, whylen, "out of memory");
		return -1;
	}
	left = (long)(deadline_ms - now);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, pin);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* door only asks who answers: it never trusts this server, sends it
	 * no credential and keeps nothing it says, so an unverified
	 * certificate costs nothing here, while verifying would hide every
	 * self-signed developer server (the common case on loopback) */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* this door, not a proxy's: "" and "*" both keep https_proxy,
	 * HTTPS_PROXY and ALL_PROXY from the environment out of it */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);   /* threads */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "door");
	/* the body as the server sent it, as the plain probe reads it */
	curl_easy_setopt(h, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &k);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK && k.len == 0) {
		if (rc == CURLE_OPERATION_TIMEDOUT)
			say(why, whylen, "no HTTP answer over TLS within %ld ms",
			    left);
		else
			say(why, whylen, "HTTPS: %s", ebuf[0] ? ebuf :
			    curl_easy_strerror(rc));
	}
	curl_slist_free_all(pin);
	curl_easy_cleanup(h);
	if (k.len == 0) {
		if (rc == CURLE_OK)
			say(why, whylen, "HTTPS: an empty reply");
		return -1;
	}
	*got = k.len;
	return 0;
}
