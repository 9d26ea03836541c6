/* fuzz-url.c - url_split (door url's own URL parser) on arbitrary bytes.
 * Aborts when a result breaks url.h's promises: a bad part inside the
 * input, NUL-terminated fields, a port from 1 to 65535, http or https. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url/url.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char             *s = malloc(size + 1);
	struct url_parts  u;
	char              msg[256];
	size_t            at = 0, len = 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(msg, 'x', sizeof msg);
	if (url_split(s, &u, msg, sizeof msg, &at, &len) == 0) {
		if (memchr(u.host, '\0', sizeof u.host) == NULL ||
		    memchr(u.path, '\0', sizeof u.path) == NULL ||
		    memchr(u.query, '\0', sizeof u.query) == NULL ||
		    memchr(u.normal, '\0', sizeof u.normal) == NULL ||
		    u.port == 0 || u.path[0] != '/' ||
		    (strcmp(u.scheme, "http") != 0 &&
		    strcmp(u.scheme, "https") != 0))
			abort();
	} else {
		if (memchr(msg, '\0', sizeof msg) == NULL || msg[0] == '\0' ||
		    at > strlen(s) || len > strlen(s) - at + 1)
			abort();
	}
	free(s);
	return 0;
}
