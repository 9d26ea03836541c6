/* escape.c - terminal and JSON escaping of untrusted bytes. */
#include <stdint.h>
#include <stdio.h>

#include "out/escape.h"

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there
 * are not one (overlong forms, surrogates, > U+10FFFF, truncation). *cp gets
 * the code point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t   len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void
hex_byte(struct buf *b, unsigned char c)
{
	buf_printf(b, "\\x%02x", c);
}

static void
term_common(struct buf *b, const char *s, size_t n, int nul_as_space)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0;

	while (i < n) {
		uint32_t cp;
		size_t   len = utf8_seq(u + i, n - i, &cp);

		if (len == 0) {
			hex_byte(b, u[i++]);
			continue;
		}
		if (cp == 0 && nul_as_space)
			buf_addc(b, ' ');
		else if (cp == '\\')
			buf_add(b, "\\\\", 2);
		else if (cp < 0x20 || cp == 0x7f)
			hex_byte(b, (unsigned char)cp);
		else if (cp >= 0x80 && cp <= 0x9f) {
			/* C1 controls: 0x9b is a CSI on some terminals. */
			for (size_t k = 0; k < len; k++)
				hex_byte(b, u[i + k]);
		} else if (cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			/* line separators and bidi overrides reorder text */
			buf_printf(b, "\\u%04x", (unsigned)cp);
		} else
			buf_add(b, u + i, len);
		i += len;
	}
}

void
esc_term(struct buf *b, const char *s, size_t n)
{
	term_common(b, s, n, 0);
}

void
esc_term_argv(struct buf *b, const char *s, size_t n)
{
	term_common(b, s, n, 1);
}

void
esc_json(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0;

	while (i < n) {
		uint32_t cp;
		size_t   len = utf8_seq(u + i, n - i, &cp);

		if (len == 0) {
			buf_add(b, "\xef\xbf\xbd", 3);   /* U+FFFD */
			i++;
			continue;
		}
		switch (cp) {
		case '"':  buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				buf_printf(b, "\\u%04x", (unsigned)cp);
			else if (cp == 0x2028 || cp == 0x2029)
				/* valid JSON, but not valid JavaScript */
				buf_printf(b, "\\u%04x", (unsigned)cp);
			else
				buf_add(b, u + i, len);
		}
		i += len;
	}
}

/* East Asian wide and emoji ranges take two columns; marks take none. */
static size_t
cp_width(uint32_t cp)
{
	if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t
text_width(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0, w = 0;
	int                  in_sgr = 0;

	while (i < n) {
		uint32_t cp;
		size_t   len;

		/* our own colour sequences take no room */
		if (u[i] == 0x1b) {
			in_sgr = 1;
			i++;
			continue;
		}
		if (in_sgr) {
			if (u[i] == 'm')
				in_sgr = 0;
			i++;
			continue;
		}
		len = utf8_seq(u + i, n - i, &cp);
		if (len == 0) {
			w++;
			i++;
			continue;
		}
		w += cp_width(cp);
		i += len;
	}
	return w;
}
