/* fuzz-uijson.c - jin_parse (door ui's POST bodies) on arbitrary bytes.
 * Aborts when a result breaks its header's promises: every string valid
 * UTF-8 without NUL, keys unique and short, at most JIN_FIELDS_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/jsonin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t        l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

		if (l == 0 || i + l > n)
			return 0;
		for (size_t k = 1; k < l; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jin j;
	char       err[160];

	err[0] = '\0';
	if (jin_parse((const char *)data, size, &j, err, sizeof err) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL ||
		    j.n != 0 || j.text != NULL)
			abort();
		return 0;
	}
	if (j.n > JIN_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < j.n; i++) {
		const struct jin_field *f = &j.f[i];

		if (strnlen(f->key, JIN_KEY_MAX) >= JIN_KEY_MAX)
			abort();
		if (!utf8_ok((const unsigned char *)f->key, strlen(f->key)))
			abort();
		if (jin_get(&j, f->key) != f)
			abort();     /* a key twice */
		if (f->type == JIN_STRING && (strlen(f->s) != f->slen ||
		    !utf8_ok((const unsigned char *)f->s, f->slen)))
			abort();
	}
	jin_free(&j);
	return 0;
}
