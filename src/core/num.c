/* num.c - decimal and hexadecimal parsing without atoi or sscanf. */
#include <string.h>

#include "core/num.h"

int
num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t   i;

	if (s == NULL || len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
num_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (s == NULL)
		return -1;
	return num_parse_u64(s, strlen(s), min, max, out);
}

int
num_parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t   i;

	if (s == NULL || len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		char     c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}
