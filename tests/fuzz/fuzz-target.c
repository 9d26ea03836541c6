/* fuzz-target.c - target_parse, port_range_parse, duration_parse and
 * scheme_default_port on arbitrary bytes (NUL-terminated copies for the
 * string APIs). Aborts when a result breaks its header's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/target.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(const struct door_err *e)
{
	if (e->status != DOOR_USAGE || e->msg[0] == '\0' ||
	    memchr(e->msg, '\0', sizeof e->msg) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char           *s = malloc(size + 1);
	struct target   t;
	struct door_err e;
	uint16_t        lo = 0, hi = 0;
	uint64_t        ms = 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err_clear(&e);
	if (target_parse(s, &t, &e) == 0) {
		size_t hl = strnlen(t.host, sizeof t.host);

		if (t.port_lo == 0 || t.port_lo > t.port_hi)
			abort();
		if (hl == sizeof t.host ||
		    strnlen(t.path, sizeof t.path) == sizeof t.path ||
		    strnlen(t.scheme, sizeof t.scheme) == sizeof t.scheme)
			abort();
		for (size_t i = 0; i < hl; i++)
			if ((unsigned char)t.host[i] <= ' ' ||
			    t.host[i] == 0x7f)
				abort();
		if (t.is_url && (t.port_lo != t.port_hi || t.path[0] != '/' ||
		    t.scheme[0] == '\0' || hl == 0))
			abort();
		if (!t.is_url && (t.port_from_scheme || t.scheme[0] != '\0'))
			abort();
		if (t.host_is_ip != (t.host_family != 0))
			abort();
		(void)target_is_loopback(&t);
	} else
		check_err(&e);

	err_clear(&e);
	if (port_range_parse((const char *)data, size, &lo, &hi, &e) == 0) {
		if (lo == 0 || lo > hi)
			abort();
	} else
		check_err(&e);

	err_clear(&e);
	if (duration_parse(s, &ms, &e) == 0) {
		if (ms > 24ULL * 3600 * 1000)
			abort();
	} else
		check_err(&e);

	(void)scheme_default_port((const char *)data, size);
	free(s);
	return 0;
}
