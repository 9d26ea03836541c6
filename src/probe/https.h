/* https.h - one GET / over TLS for door probe, through the libcurl that
 * door loads on first use (url/curl_dl.c): door writes no TLS of its own.
 * I/O only; what comes back goes to probe_http_parse like any reply. */
#ifndef DOOR_PROBE_HTTPS_H
#define DOOR_PROBE_HTTPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * GET / over TLS (HTTP/1.1 only) to exactly addr (port included), whatever
 * host resolves to; host is what goes into the URL, the Host header and
 * SNI: "localhost:8443", "127.0.0.1:8443", "[::1]:8443" (a bare IPv6
 * literal is taken as an address without a port and gets brackets). The
 * certificate is not verified, no redirect is followed, no proxy is used
 * (not even one the environment names), no cookie is kept, no signal is
 * raised (threads call this), and it all ends by deadline_ms
 * (CLOCK_MONOTONIC, ms): nothing is even tried when it has passed.
 *
 * buf gets at most max bytes that read like a raw HTTP/1.1 reply: the
 * status line and the headers as received, the blank line, then the body
 * as sent (chunks not decoded). Once max bytes are in, the transfer stops:
 * success with what came. A transfer cut short after the status line
 * (deadline, reset) is a success too: those bytes are the server's, and
 * the plain probe judges whatever came by its deadline the same way.
 * Returns 0 and *got; -1 with a short reason in why (libcurl missing, TLS
 * failed, no answer in time...). Thread-safe.
 */
int	probe_https_get(const struct sockaddr *addr, socklen_t len,
	    const char *host, uint64_t deadline_ms, char *buf, size_t max,
	    size_t *got, char *why, size_t whylen);

#endif
