/* gate.h - door ui's gate, pure (house rule 3): which Host, Origin and
 * Sec-Fetch-Site a request may carry, the token compared in constant time,
 * and the token's text. No I/O: server.c reads the headers, this decides. */
#ifndef DOOR_UI_GATE_H
#define DOOR_UI_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UI_TOKEN_BYTES	32                      /* from the kernel */
#define UI_TOKEN_LEN	(UI_TOKEN_BYTES * 2)    /* lower-case hex */

/*
 * True when host (a Host header's value, n bytes) is exactly one of
 * 127.0.0.1:PORT, [::1]:PORT, localhost:PORT (the name in any case). A
 * missing or other port, another name, blanks, a trailing dot: false.
 * This is what stops DNS rebinding: a page of evil.example whose name
 * now resolves to 127.0.0.1 still sends "Host: evil.example:PORT".
 */
bool	ui_host_ok(const char *host, size_t n, uint16_t port);

/* True when origin is "http://" followed by exactly the request's Host
 * (which ui_host_ok passed): the page posting to its own server. */
bool	ui_origin_ok(const char *origin, size_t on, const char *host,
	    size_t hn);

/* Sec-Fetch-Site, when a browser sent one: only same-origin (a fetch of
 * the page) and none (the user typed the URL) may read. NULL passes:
 * curl sends none, and the token still has to be right. */
bool	ui_fetch_site_ok(const char *v);

/* given (n bytes) equals token (UI_TOKEN_LEN bytes), in time that does not
 * depend on where they differ. */
bool	ui_token_eq(const char *given, size_t n, const char *token);

/* The token's text from UI_TOKEN_BYTES random bytes: out[UI_TOKEN_LEN + 1]. */
void	ui_token_hex(const unsigned char *raw, char *out);

#endif
