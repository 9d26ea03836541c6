/* text.c - what the probe parsers share: safe copies, searches. Pure. */
#include <stdint.h>
#include <string.h>

#include "probe/parse.h"

void
probe_id_clear(struct probe_id *id)
{
	memset(id, 0, sizeof *id);
}

void
probe_copy(char *dst, size_t size, const char *s, size_t n)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i < n && i + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

size_t
probe_find(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0 || m > n)
		return m == 0 ? 0 : SIZE_MAX;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;

		while (k < m && lower((unsigned char)hay[i + k]) ==
		    lower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return i;
	}
	return SIZE_MAX;
}

/* "key" then optional spaces, ':', spaces, '"': JSON as servers write it,
 * pretty or not. A key inside a string value could fool this; the values
 * it finds are only shown, never trusted. */
bool
probe_json_str(const char *s, size_t n, const char *key, char *out,
    size_t size)
{
	size_t klen = strlen(key), i = 0;

	while (i < n) {
		size_t j;

		if (s[i] != '"' || n - i < klen + 2 ||
		    memcmp(s + i + 1, key, klen) != 0 || s[i + 1 + klen] != '"') {
			i++;
			continue;
		}
		j = i + klen + 2;
		while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' ||
		    s[j] == '\n'))
			j++;
		if (j >= n || s[j] != ':') {
			i++;
			continue;
		}
		j++;
		while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' ||
		    s[j] == '\n'))
			j++;
		if (j >= n || s[j] != '"') {
			i++;
			continue;
		}
		for (size_t e = j + 1; e < n; e++) {
			if (s[e] == '\\') {
				e++;
				continue;
			}
			if (s[e] == '"') {
				probe_copy(out, size, s + j + 1, e - j - 1);
				return true;
			}
		}
		return false;
	}
	return false;
}
