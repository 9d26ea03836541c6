/* jsonin.c - a flat JSON object, read strictly (door ui's POST bodies). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/jsonin.h"

struct rd {
	const unsigned char *p, *end, *start;
	char                *out;     /* next free byte of jin->text */
	char                *err;
	size_t               errsize;
};

static int	fail(struct rd *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	char    m[160];

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errsize, "%s at byte %zu", m,
	    (size_t)(r->p - r->start));
	return -1;
}

static void
blanks(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(struct rd *r, unsigned *v)
{
	*v = 0;
	if (r->end - r->p < 4)
		return fail(r, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		unsigned char c = *r->p++;
		unsigned      d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return fail(r, "a \\u escape needs four hex digits");
		*v = *v << 4 | d;
	}
	return 0;
}

static void
put_utf8(struct rd *r, unsigned cp)
{
	if (cp < 0x80)
		*r->out++ = (char)cp;
	else if (cp < 0x800) {
		*r->out++ = (char)(0xc0 | cp >> 6);
		*r->out++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*r->out++ = (char)(0xe0 | cp >> 12);
		*r->out++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*r->out++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*r->out++ = (char)(0xf0 | cp >> 18);
		*r->out++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*r->out++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*r->out++ = (char)(0x80 | (cp & 0x3f));
	}
}

/* The length of the valid UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when invalid. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t   n, left = (size_t)(end - p);
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A string, the opening quote already read; decoded into r->out.
 * Decoded text is never longer than its JSON form, so text (as long as
 * the whole body) always has room. */
static int
string(struct rd *r, const char **s, size_t *len)
{
	char *begin = r->out;

	for (;;) {
		unsigned char c;
		size_t        l;

		if (r->p >= r->end)
			return fail(r, "a string does not end");
		c = *r->p;
		if (c == '"') {
			r->p++;
			break;
		}
		if (c < 0x20)
			return fail(r, "a control character in a string "
			    "(write it as an escape)");
		if (c != '\\') {
			if ((l = utf8_len(r->p, r->end)) == 0)
				return fail(r, "a string is not valid UTF-8");
			memcpy(r->out, r->p, l);
			r->out += l;
			r->p += l;
			continue;
		}
		if (++r->p >= r->end)
			return fail(r, "a string does not end");
		c = *r->p++;
		switch (c) {
		case '"': *r->out++ = '"'; break;
		case '\\': *r->out++ = '\\'; break;
		case '/': *r->out++ = '/'; break;
		case 'b': *r->out++ = '\b'; break;
		case 'f': *r->out++ = '\f'; break;
		case 'n': *r->out++ = '\n'; break;
		case 'r': *r->out++ = '\r'; break;
		case 't': *r->out++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(r, &cp) != 0)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(r, "a lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' ||
				    r->p[1] != 'u')
					return fail(r, "a lone high surrogate");
				r->p += 2;
				if (hex4(r, &lo) != 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(r, "a lone high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(r, "a NUL character (\\u0000) in "
				    "a string");
			put_utf8(r, cp);
			break;
		}
		default:
			return fail(r, "an unknown escape '\\%c'",
			    c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
	*r->out++ = '\0';
	*s = begin;
	*len = (size_t)(r->out - begin - 1);
	return 0;
}

static bool
word(struct rd *r, const char *w)
{
	size_t l = strlen(w);

	if ((size_t)(r->end - r->p) < l || memcmp(r->p, w, l) != 0)
		return false;
	r->p += l;
	return true;
}

/* An integer: -?(0|[1-9][0-9]*), no fraction, no exponent. */
static int
integer(struct rd *r, int64_t *v)
{
	bool     neg = false;
	uint64_t u = 0, lim;
	size_t   digits = 0;

	if (r->p < r->end && *r->p == '-') {
		neg = true;
		r->p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (r->p < r->end && *r->p == '0' && r->end - r->p > 1 &&
	    r->p[1] >= '0' && r->p[1] <= '9')
		return fail(r, "a number with a leading zero");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		unsigned d = (unsigned)(*r->p++ - '0');

		if (u > (lim - d) / 10)
			return fail(r, "a number too large");
		u = u * 10 + d;
		digits++;
	}
	if (digits == 0)
		return fail(r, "a value is not JSON");
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
		return fail(r, "numbers here are whole numbers");
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

static int
value(struct rd *r, struct jin_field *f)
{
	if (r->p >= r->end)
		return fail(r, "a value is missing");
	switch (*r->p) {
	case '"':
		r->p++;
		f->type = JIN_STRING;
		return string(r, &f->s, &f->slen);
	case '{':
	case '[':
		return fail(r, "nested objects and arrays are not taken here");
	case 't':
	case 'f':
		f->type = JIN_BOOL;
		f->b = *r->p == 't';
		if (word(r, f->b ? "true" : "false"))
			return 0;
		return fail(r, "a value is not JSON");
	case 'n':
		f->type = JIN_NULL;
		if (word(r, "null"))
			return 0;
		return fail(r, "a value is not JSON");
	default:
		f->type = JIN_INT;
		return integer(r, &f->i);
	}
}

int
jin_parse(const char *s, size_t n, struct jin *j, char *err, size_t errsize)
{
	struct rd r;

	memset(j, 0, sizeof *j);
	r.start = r.p = (const unsigned char *)s;
	r.end = r.p + n;
	r.err = err;
	r.errsize = errsize;
	if (n > JIN_BODY_MAX) {
		snprintf(err, errsize, "the body is longer than %u bytes",
		    JIN_BODY_MAX);
		return -1;
	}
	if ((j->text = malloc(n + 1)) == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	r.out = j->text;
	blanks(&r);
	if (r.p >= r.end || *r.p != '{') {
		fail(&r, "the body must be a JSON object ({\"port\": 3000})");
		goto bad;
	}
	r.p++;
	blanks(&r);
	if (r.p < r.end && *r.p == '}')
		r.p++;
	else
		for (;;) {
			struct jin_field *f;
			const char       *k;
			size_t            kl;

			blanks(&r);
			if (r.p >= r.end || *r.p != '"') {
				fail(&r, "a key (a string) is expected");
				goto bad;
			}
			r.p++;
			if (j->n == JIN_FIELDS_MAX) {
				fail(&r, "more than %d keys", JIN_FIELDS_MAX);
				goto bad;
			}
			f = &j->f[j->n];
			if (string(&r, &k, &kl) != 0)
				goto bad;
			if (kl >= JIN_KEY_MAX) {
				fail(&r, "a key longer than %d bytes",
				    JIN_KEY_MAX - 1);
				goto bad;
			}
			memcpy(f->key, k, kl + 1);
			r.out = (char *)k;   /* the key's text is copied */
			if (jin_get(j, f->key) != NULL) {
				fail(&r, "the key \"%s\" twice", f->key);
				goto bad;
			}
			blanks(&r);
			if (r.p >= r.end || *r.p != ':') {
				fail(&r, "':' is expected after a key");
				goto bad;
			}
			r.p++;
			blanks(&r);
			if (value(&r, f) != 0)
				goto bad;
			j->n++;
			blanks(&r);
			if (r.p < r.end && *r.p == ',') {
				r.p++;
				continue;
			}
			if (r.p < r.end && *r.p == '}') {
				r.p++;
				break;
			}
			fail(&r, "',' or '}' is expected");
			goto bad;
		}
	blanks(&r);
	if (r.p != r.end) {
		fail(&r, "something follows the object");
		goto bad;
	}
	return 0;
bad:
	jin_free(j);
	return -1;
}

void
jin_free(struct jin *j)
{
	free(j->text);
	memset(j, 0, sizeof *j);
}

const struct jin_field *
jin_get(const struct jin *j, const char *key)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->f[i].key, key) == 0)
			return &j->f[i];
	return NULL;
}
