/* memcached.c - memcached's answer to "version\r\n". Pure. */
#include <string.h>

#include "probe/parse.h"

int
probe_memcached_parse(const char *b, size_t n, struct probe_id *id)
{
	static const char word[] = "VERSION ";
	size_t            w = sizeof word - 1, e;

	if (memcmp(b, word, n < w ? n : w) != 0)
		return PV_NO;
	for (e = w; e < n && b[e] != '\r' && b[e] != '\n'; e++)
		if (e - w > 64)
			return PV_NO;   /* no version is that long */
	if (e >= n)
		return PV_MORE;
	if (e == w)
		return PV_NO;
	probe_id_clear(id);
	strcpy(id->service, "memcached");
	strcpy(id->product, "memcached");
	probe_copy(id->version, sizeof id->version, b + w, e - w);
	return PV_YES;
}
