/* fuzz-bindmsg.c - bindmsg_parse on arbitrary bytes, read from an exact-size
 * heap copy (no NUL after it) so any read past len is caught. Aborts when
 * a result breaks bindmsg.h's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bindmsg.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
addr_ok(const char *a)
{
	size_t n = strnlen(a, BINDMSG_ADDR_MAX);

	if (n == BINDMSG_ADDR_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\'' ||
		    c == '[' || c == ']' || c == '/')
			return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char          *s = malloc(size ? size : 1);
	struct bindmsg m;
	int            rc;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	rc = bindmsg_parse(s, size, &m);
	if (rc != 0 && (m.found || m.port != 0 || m.addr[0] != '\0'))
		abort();
	if (rc == 0 && (!m.found || (unsigned)m.tool >= BM_TOOL_MAX))
		abort();
	if (!addr_ok(m.addr))
		abort();
	if (bindmsg_tool_key(m.tool) == NULL || bindmsg_tool_name(m.tool) ==
	    NULL)
		abort();
	free(s);
	return 0;
}
