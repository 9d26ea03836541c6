/* gate.c - door ui's gate: Host, Origin, Sec-Fetch-Site and the token. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui/gate.h"

/* "PORT" exactly as a browser writes it: decimal, no leading zero. */
static bool
port_is(const char *s, size_t n, uint16_t port)
{
	char want[8];
	int  w = snprintf(want, sizeof want, "%u", port);

	return w > 0 && (size_t)w == n && memcmp(s, want, n) == 0;
}

bool
ui_host_ok(const char *host, size_t n, uint16_t port)
{
	static const struct {
		const char *name;
		bool        fold;     /* compare case-insensitively */
	} names[] = {
		{ "127.0.0.1:", false },
		{ "[::1]:", false },
		{ "localhost:", true },
	};

	if (host == NULL || port == 0)
		return false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t l = strlen(names[i].name);

		if (n <= l)
			continue;
		if (names[i].fold ? strncasecmp(host, names[i].name, l) != 0 :
		    memcmp(host, names[i].name, l) != 0)
			continue;
		return port_is(host + l, n - l, port);
	}
	return false;
}

bool
ui_origin_ok(const char *origin, size_t on, const char *host, size_t hn)
{
	static const char scheme[] = "http://";
	size_t            sl = sizeof scheme - 1;

	if (origin == NULL || host == NULL || on != sl + hn)
		return false;
	return memcmp(origin, scheme, sl) == 0 &&
	    strncasecmp(origin + sl, host, hn) == 0 &&
	    memchr(origin, '\0', on) == NULL;
}

bool
ui_fetch_site_ok(const char *v)
{
	return v == NULL || strcmp(v, "same-origin") == 0 ||
	    strcmp(v, "none") == 0;
}

bool
ui_token_eq(const char *given, size_t n, const char *token)
{
	volatile unsigned char diff = n == UI_TOKEN_LEN ? 0 : 1;

	/* every byte of the token is looked at, whatever was given; only
	 * the length (not a secret) changes the path */
	for (size_t i = 0; i < UI_TOKEN_LEN; i++)
		diff |= (unsigned char)token[i] ^
		    (unsigned char)(i < n && given != NULL ? given[i] : 0);
	return diff == 0;
}

void
ui_token_hex(const unsigned char *raw, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < UI_TOKEN_BYTES; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[UI_TOKEN_LEN] = '\0';
}
