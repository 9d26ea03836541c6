/* fuzz-escape.c - esc_term, esc_term_argv, esc_json and the JSON writer on
 * arbitrary bytes. Aborts when terminal output holds a control byte (C0,
 * DEL, C1), a bidi override or invalid UTF-8; when JSON output is not valid
 * JSON or holds a raw control byte; or when valid UTF-8 does not come back
 * unchanged from JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out/escape.h"
#include "out/json.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
term_safe(const struct buf *b)
{
	const unsigned char *u = (const unsigned char *)b->p;
	size_t               i = 0;
	uint32_t             cp;

	if (b->oom)
		abort();
	while (i < b->len) {
		size_t l = jc_utf8(u + i, b->len - i, &cp);

		if (l == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x2028 || cp == 0x2029)
			abort();
		i += l;
	}
	(void)text_width(b->p ? b->p : "", b->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char       *s = (const char *)data;
	struct buf        b;
	struct json       j;
	struct json_check c;
	char             *key;

	buf_init(&b);
	esc_term(&b, s, size);
	term_safe(&b);
	buf_reset(&b);
	esc_term_argv(&b, s, size);
	term_safe(&b);

	/* one string: valid JSON, no raw control byte, a faithful copy */
	buf_reset(&b);
	buf_addc(&b, '"');
	esc_json(&b, s, size);
	buf_addc(&b, '"');
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.p[i] < 0x20)
			abort();
	if (json_check(b.p, b.len, &c) != 0 || c.nstrs != 1)
		abort();
	if (utf8_valid(s, size) && (c.strlens[0] != size ||
	    memcmp(c.strs[0], s, size) != 0))
		abort();
	json_check_free(&c);

	/* the writer: the bytes as a key (up to a NUL) and as values */
	key = malloc(size + 1);
	if (key == NULL)
		abort();
	memcpy(key, s, size);
	key[size] = '\0';
	buf_reset(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, key);
	json_strn(&j, s, size);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_str(&j, key);
	json_strn(&j, s, size / 2);
	json_uint(&j, size);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	if (json_check(b.p, b.len, &c) != 0)
		abort();
	json_check_free(&c);
	free(key);
	buf_free(&b);
	return 0;
}
