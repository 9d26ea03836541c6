/* fetch.c - one HTTP request with libcurl, the TLS stack door has no
 * business writing. Redirects are not followed here: layers.c follows them
 * one hop at a time, so every hop can be shown. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "url/curl_dl.h"
#include "url/url.h"

#define BODY_MAX	(256 * 1024)	/* enough to know it loads */

struct sink {
	struct url_hop *hop;
	size_t          body;
	bool            cut;
};

int
url_fetch_init(struct door_err *e)
{
	const char *why = curl_dl_error();

	if (why != NULL)
		return err_set(e, DOOR_SYSTEM, "%s", why);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, DOOR_SYSTEM, "libcurl would not start");
	return 0;
}

void
url_fetch_cleanup(void)
{
	curl_global_cleanup();
}

/* Copies a header's value (trimmed) when the line is that header. */
static void
header_value(const char *line, size_t n, const char *name, char *out,
    size_t size)
{
	size_t nl = strlen(name), vl;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n' ||
	    line[n - 1] == ' '))
		n--;
	vl = n < size - 1 ? n : size - 1;
	memcpy(out, line, vl);
	out[vl] = '\0';
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;
	size_t       n = sz * nm;

	/* a new status line (after 100 Continue) starts a new set */
	if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		k->hop->server[0] = k->hop->powered_by[0] = '\0';
		k->hop->content_type[0] = '\0';
	}
	header_value(p, n, "Server", k->hop->server, sizeof k->hop->server);
	header_value(p, n, "X-Powered-By", k->hop->powered_by,
	    sizeof k->hop->powered_by);
	header_value(p, n, "Content-Type", k->hop->content_type,
	    sizeof k->hop->content_type);
	return n;
}

/* The body is counted, not kept; a huge one is cut (it loads: enough). */
static size_t
on_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *k = arg;

	(void)p;
	k->body += sz * nm;
	if (k->body > BODY_MAX) {
		k->cut = true;
		return 0;
	}
	return sz * nm;
}

int
url_fetch(struct url_hop *hop, const char *connect_to, uint32_t ms,
    bool insecure, struct door_err *e)
{
	CURL              *c;
	struct curl_slist *ct = NULL;
	struct sink        k = { hop, 0, false };
	char               ebuf[CURL_ERROR_SIZE] = "";
	CURLcode           rc;
	char              *loc = NULL, *ip = NULL;
	curl_off_t         t;

	hop->status = 0;
	hop->connect_us = hop->first_byte_us = hop->total_us = -1;
	if ((c = curl_easy_init()) == NULL)
		return err_set(e, DOOR_SYSTEM, "libcurl: no handle");
	if (connect_to != NULL && (ct = curl_slist_append(NULL,
	    connect_to)) == NULL) {
		curl_easy_cleanup(c);
		return err_set(e, DOOR_SYSTEM, "out of memory");
	}
	curl_easy_setopt(c, CURLOPT_URL, hop->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(ms ? ms : 1));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(ms < 2000 ? (ms ? ms : 1) : 2000));
	/* a server that trickles bytes is cut off well before the deadline */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 3L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &k);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "door/" DOOR_VERSION);
	/* no proxy: the question is about this door, not a proxy's */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (ct != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, ct);
	if (insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_WRITE_ERROR && k.cut)
		rc = CURLE_OK;
	hop->curl_code = (int)rc;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &hop->status);
	if (curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &t) == CURLE_OK &&
	    t > 0)
		hop->connect_us = t;
	if (curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &t) ==
	    CURLE_OK && t > 0)
		hop->first_byte_us = t;
	if (curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK)
		hop->total_us = t;
	if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
	    ip != NULL)
		snprintf(hop->ip, sizeof hop->ip, "%s", ip);
	if (hop->status >= 300 && hop->status < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL)
		snprintf(hop->location, sizeof hop->location, "%s", loc);
	if (rc != CURLE_OK) {
		hop->cert_problem = rc == CURLE_PEER_FAILED_VERIFICATION
#if LIBCURL_VERSION_NUM < 0x073e00
		    || rc == CURLE_SSL_CACERT
#endif
		    ;
		snprintf(hop->error, sizeof hop->error, "%s",
		    ebuf[0] ? ebuf : curl_easy_strerror(rc));
	}
	curl_slist_free_all(ct);
	curl_easy_cleanup(c);
	return 0;
}
