/* unit.h - door's tiny unit-test framework. One test file includes it once.
 *
 *   TEST(name) { CHECK(x > 0); CHECK_EQ_INT(a, 3); CHECK_STR(s, "x"); }
 *
 * Tests register themselves (a constructor per TEST) and run in file order
 * from the main() defined here. Each prints "ok - test-FILE: name" or
 * "not ok - test-FILE: name"; a failing check prints "#   file:line: ..."
 * with both values and the test goes on. main() returns 1 when any test
 * failed. `test-x NAME` runs only the tests whose name contains NAME.
 *
 * KNOWN_BUG("why") inside a test marks a failure as a bug already reported
 * in src/: its failures print "# known bug: ..." lines and do not fail the
 * run, unless DOOR_UNIT_STRICT=1 is set. When the bug is fixed the test
 * passes and prints "# known bug fixed?": remove the KNOWN_BUG line.
 *
 * Fixtures: unit_fixture("netlink/tcp4-listen.000.bin", &len) reads
 * tests/fixtures/PATH from $DOOR_FIXTURES, ./tests/fixtures, or relative to
 * the test binary (build/VARIANT/unit/test-x), so any cwd works.
 *
 * Also here, for test-json and the fuzz harnesses: json_check(), a strict
 * RFC 8259 validator that also returns every string it decoded, so tests
 * can compare round trips. Define UNIT_NO_MAIN before including to get the
 * helpers without the runner (libFuzzer brings its own main). The fuzz
 * harnesses link the stub platform for the platform calls the pure
 * modules make (Makefile, FUZZ_LIB_SRC).
 */
#ifndef DOOR_UNIT_H
#define DOOR_UNIT_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT_UNUSED __attribute__((unused))

#ifndef UNIT_NO_MAIN

#define UNIT_MAX_TESTS 512

struct unit_test {
	const char *name;
	void      (*fn)(void);
};

static struct unit_test unit_tests[UNIT_MAX_TESTS];
static size_t           unit_ntests;
static int              unit_cur_failed;     /* checks failed in this test */
static const char      *unit_known_bug;      /* set by KNOWN_BUG() */
static int              unit_registry_full;

static void
unit_register(const char *name, void (*fn)(void))
{
	if (unit_ntests == UNIT_MAX_TESTS) {
		unit_registry_full = 1;
		return;
	}
	unit_tests[unit_ntests].name = name;
	unit_tests[unit_ntests].fn = fn;
	unit_ntests++;
}

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void			\
	unit_reg_##name(void)						\
	{								\
		unit_register(#name, test_##name);			\
	}								\
	static void test_##name(void)

/* Failures after this line are a bug reported in src/ (see top). */
#define KNOWN_BUG(why)	(unit_known_bug = (why))

static void
unit_fail_head(const char *file, int line)
{
	const char *slash = strrchr(file, '/');

	printf("#   %s:%d: ", slash ? slash + 1 : file, line);
	unit_cur_failed++;
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		unit_fail_head(__FILE__, __LINE__);			\
		printf("CHECK(%s) failed\n", #cond);			\
	}								\
} while (0)

/* Prints a message and fails the test (for unreachable branches). */
#define FAIL(msg) do {							\
	unit_fail_head(__FILE__, __LINE__);				\
	printf("FAIL: %s\n", (msg));					\
} while (0)

#define CHECK_EQ_INT(a, b) do {						\
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);	\
	if (unit_a_ != unit_b_) {					\
		unit_fail_head(__FILE__, __LINE__);			\
		printf("CHECK_EQ_INT(%s, %s): %lld != %lld\n", #a, #b,	\
		    unit_a_, unit_b_);					\
	}								\
} while (0)

#define CHECK_EQ_UINT(a, b) do {					\
	unsigned long long unit_a_ = (unsigned long long)(a);		\
	unsigned long long unit_b_ = (unsigned long long)(b);		\
	if (unit_a_ != unit_b_) {					\
		unit_fail_head(__FILE__, __LINE__);			\
		printf("CHECK_EQ_UINT(%s, %s): %llu != %llu\n", #a, #b,	\
		    unit_a_, unit_b_);					\
	}								\
} while (0)

/* Shows a string with non-printable bytes as \xNN, for failure lines. */
static UNIT_UNUSED void
unit_print_bytes(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n && i < 300; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	if (n > 300)
		printf("...(%zu bytes)", n);
	putchar('"');
}

static UNIT_UNUSED void
unit_str_fail(const char *file, int line, const char *ea, const char *eb,
    const char *a, const char *b)
{
	unit_fail_head(file, line);
	printf("CHECK_STR(%s, %s): ", ea, eb);
	if (a == NULL)
		printf("NULL");
	else
		unit_print_bytes(a, strlen(a));
	printf(" != ");
	if (b == NULL)
		printf("NULL");
	else
		unit_print_bytes(b, strlen(b));
	putchar('\n');
}

#define CHECK_STR(a, b) do {						\
	const char *unit_a_ = (a), *unit_b_ = (b);			\
	if (unit_a_ == NULL || unit_b_ == NULL ||			\
	    strcmp(unit_a_, unit_b_) != 0)				\
		unit_str_fail(__FILE__, __LINE__, #a, #b, unit_a_,	\
		    unit_b_);						\
} while (0)

/* Bytes, for strings that may hold NUL. */
#define CHECK_MEM(a, alen, b, blen) do {				\
	const char *unit_a_ = (const char *)(a);			\
	const char *unit_b_ = (const char *)(b);			\
	size_t unit_al_ = (alen), unit_bl_ = (blen);			\
	if (unit_al_ != unit_bl_ ||					\
	    (unit_al_ > 0 && memcmp(unit_a_, unit_b_, unit_al_) != 0)) {\
		unit_fail_head(__FILE__, __LINE__);			\
		printf("CHECK_MEM(%s, %s): ", #a, #b);			\
		unit_print_bytes(unit_a_, unit_al_);			\
		printf(" != ");						\
		unit_print_bytes(unit_b_, unit_bl_);			\
		putchar('\n');						\
	}								\
} while (0)

static const char *
unit_file_name(void)
{
	static char name[64];
	const char *f = __BASE_FILE__, *slash = strrchr(f, '/');
	size_t      n;

	f = slash ? slash + 1 : f;
	n = strlen(f);
	if (n > 2 && strcmp(f + n - 2, ".c") == 0)
		n -= 2;
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, f, n);
	name[n] = '\0';
	return name;
}

int
main(int argc, char **argv)
{
	int    failed = 0, strict;
	size_t i;
	const char *env = getenv("DOOR_UNIT_STRICT");

	strict = env != NULL && strcmp(env, "1") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (unit_registry_full) {
		printf("not ok - %s: more than %d tests\n", unit_file_name(),
		    UNIT_MAX_TESTS);
		return 1;
	}
	for (i = 0; i < unit_ntests; i++) {
		if (argc > 1 && strstr(unit_tests[i].name, argv[1]) == NULL)
			continue;
		unit_cur_failed = 0;
		unit_known_bug = NULL;
		unit_tests[i].fn();
		if (unit_cur_failed == 0) {
			printf("ok - %s: %s\n", unit_file_name(),
			    unit_tests[i].name);
			if (unit_known_bug != NULL)
				printf("# known bug fixed? %s: %s passes: "
				    "remove KNOWN_BUG(\"%s\")\n",
				    unit_file_name(), unit_tests[i].name,
				    unit_known_bug);
		} else if (unit_known_bug != NULL && !strict) {
			printf("# known bug: %s: %s (%d checks): %s\n",
			    unit_file_name(), unit_tests[i].name,
			    unit_cur_failed, unit_known_bug);
		} else {
			printf("not ok - %s: %s\n", unit_file_name(),
			    unit_tests[i].name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}

#endif /* UNIT_NO_MAIN */

/* Opens tests/fixtures/REL (see the top for where it looks), or NULL. */
static UNIT_UNUSED FILE *
unit_fixture_open(const char *rel)
{
	char        path[8192], exe[4096];
	const char *env = getenv("DOOR_FIXTURES");
	FILE       *fp = NULL;
	ssize_t     el;

	if (env != NULL) {
		snprintf(path, sizeof path, "%s/%s", env, rel);
		fp = fopen(path, "rb");
	}
	if (fp == NULL) {
		snprintf(path, sizeof path, "tests/fixtures/%s", rel);
		fp = fopen(path, "rb");
	}
	if (fp == NULL && (el = readlink("/proc/self/exe", exe,
	    sizeof exe - 1)) > 0) {
		/* build/VARIANT/unit/test-x -> ../../../tests/fixtures */
		exe[el] = '\0';
		for (int up = 0; up < 4; up++) {
			char *sl = strrchr(exe, '/');

			if (sl == NULL)
				break;
			*sl = '\0';
		}
		snprintf(path, sizeof path, "%s/tests/fixtures/%s", exe, rel);
		fp = fopen(path, "rb");
	}
	return fp;
}

static UNIT_UNUSED bool
unit_fixture_exists(const char *rel)
{
	FILE *fp = unit_fixture_open(rel);

	if (fp == NULL)
		return false;
	fclose(fp);
	return true;
}

/*
 * Reads tests/fixtures/REL whole. Returns a malloc'd buffer (one spare NUL
 * byte after the data, not counted) or NULL, after printing why.
 */
static UNIT_UNUSED char *
unit_fixture(const char *rel, size_t *len)
{
	FILE   *fp = unit_fixture_open(rel);
	char   *data = NULL;
	size_t  cap = 0, n = 0;

	if (fp == NULL) {
		printf("#   cannot open fixture %s: %s\n", rel,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *nd = realloc(data, cap + 65536);

			if (nd == NULL)
				break;
			data = nd;
			cap += 65536;
		}
		got = fread(data + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	if (data == NULL)
		return NULL;
	data[n] = '\0';
	*len = n;
	return data;
}

/* ---- a strict JSON validator (RFC 8259) with string decoding ---- */

#define JSON_CHECK_STRS_MAX 256

struct json_check {
	const char *err;                 /* NULL when the text is valid */
	size_t      err_at;
	/* every string (keys too), decoded to UTF-8, in document order */
	char       *strs[JSON_CHECK_STRS_MAX];
	size_t      strlens[JSON_CHECK_STRS_MAX];
	size_t      nstrs;
};

struct json_cur {
	const unsigned char *p, *end, *start;
	struct json_check   *c;
	int                  depth;
};

static UNIT_UNUSED int
jc_fail(struct json_cur *j, const char *why)
{
	if (j->c->err == NULL) {
		j->c->err = why;
		j->c->err_at = (size_t)(j->p - j->start);
	}
	return -1;
}

static UNIT_UNUSED void
jc_ws(struct json_cur *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Length of a valid UTF-8 sequence at p (1-4), 0 when invalid. */
static UNIT_UNUSED size_t
jc_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t   len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* True when all of s[0..n) is valid UTF-8. */
static UNIT_UNUSED bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0;
	uint32_t             cp;

	while (i < n) {
		size_t l = jc_utf8(u + i, n - i, &cp);

		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

static UNIT_UNUSED size_t
jc_put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static UNIT_UNUSED int
jc_hex4(struct json_cur *j, uint32_t *v)
{
	*v = 0;
	if (j->end - j->p < 4)
		return jc_fail(j, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		unsigned char c = *j->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return jc_fail(j, "bad hex digit in \\u escape");
	}
	return 0;
}

static UNIT_UNUSED int
jc_string(struct json_cur *j)
{
	/* decoded output is never longer than the input */
	char   *out = malloc((size_t)(j->end - j->p) + 1);
	size_t  o = 0;

	if (out == NULL)
		return jc_fail(j, "out of memory");
	j->p++;   /* the opening quote */
	for (;;) {
		uint32_t cp;
		size_t   l;

		if (j->p >= j->end) {
			free(out);
			return jc_fail(j, "unterminated string");
		}
		if (*j->p == '"') {
			j->p++;
			break;
		}
		if (*j->p < 0x20) {
			free(out);
			return jc_fail(j, "raw control byte in a string");
		}
		if (*j->p == '\\') {
			unsigned char e;

			if (j->end - j->p < 2) {
				free(out);
				return jc_fail(j, "dangling backslash");
			}
			e = j->p[1];
			j->p += 2;
			switch (e) {
			case '"': out[o++] = '"'; break;
			case '\\': out[o++] = '\\'; break;
			case '/': out[o++] = '/'; break;
			case 'b': out[o++] = '\b'; break;
			case 'f': out[o++] = '\f'; break;
			case 'n': out[o++] = '\n'; break;
			case 'r': out[o++] = '\r'; break;
			case 't': out[o++] = '\t'; break;
			case 'u':
				if (jc_hex4(j, &cp) != 0) {
					free(out);
					return -1;
				}
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					free(out);
					return jc_fail(j, "lone low surrogate");
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					uint32_t lo;

					if (j->end - j->p < 6 || j->p[0] != '\\' ||
					    j->p[1] != 'u') {
						free(out);
						return jc_fail(j, "lone high "
						    "surrogate");
					}
					j->p += 2;
					if (jc_hex4(j, &lo) != 0 || lo < 0xdc00 ||
					    lo > 0xdfff) {
						free(out);
						return jc_fail(j, "bad surrogate "
						    "pair");
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				o += jc_put_utf8(out + o, cp);
				break;
			default:
				free(out);
				return jc_fail(j, "unknown escape");
			}
			continue;
		}
		l = jc_utf8(j->p, (size_t)(j->end - j->p), &cp);
		if (l == 0) {
			free(out);
			return jc_fail(j, "invalid UTF-8 in a string");
		}
		memcpy(out + o, j->p, l);
		o += l;
		j->p += l;
	}
	out[o] = '\0';
	if (j->c->nstrs < JSON_CHECK_STRS_MAX) {
		j->c->strs[j->c->nstrs] = out;
		j->c->strlens[j->c->nstrs++] = o;
	} else
		free(out);
	return 0;
}

static UNIT_UNUSED int
jc_number(struct json_cur *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return jc_fail(j, "bad number");
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jc_fail(j, "bad number");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jc_fail(j, "bad fraction");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jc_fail(j, "bad exponent");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s ? 0 : jc_fail(j, "bad number");
}

static UNIT_UNUSED int
jc_lit(struct json_cur *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return jc_fail(j, "unexpected token");
	j->p += n;
	return 0;
}

static UNIT_UNUSED int
jc_value(struct json_cur *j)
{
	jc_ws(j);
	if (j->p >= j->end)
		return jc_fail(j, "a value is missing");
	switch (*j->p) {
	case '{':
	case '[': {
		unsigned char close = *j->p == '{' ? '}' : ']';
		bool          obj = *j->p == '{';

		if (++j->depth > 64)
			return jc_fail(j, "nested too deep");
		j->p++;
		jc_ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		for (;;) {
			if (obj) {
				jc_ws(j);
				if (j->p >= j->end || *j->p != '"')
					return jc_fail(j, "a key is missing");
				if (jc_string(j) != 0)
					return -1;
				jc_ws(j);
				if (j->p >= j->end || *j->p != ':')
					return jc_fail(j, "':' is missing");
				j->p++;
			}
			if (jc_value(j) != 0)
				return -1;
			jc_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				break;
			}
			return jc_fail(j, "',' or a closing bracket is "
			    "missing");
		}
		j->depth--;
		return 0;
	}
	case '"':
		return jc_string(j);
	case 't':
		return jc_lit(j, "true");
	case 'f':
		return jc_lit(j, "false");
	case 'n':
		return jc_lit(j, "null");
	default:
		return jc_number(j);
	}
}

static UNIT_UNUSED void
json_check_free(struct json_check *c)
{
	for (size_t i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	c->nstrs = 0;
}

/* 0 when s[0..n) is one valid JSON text; else -1 and c->err, c->err_at.
 * Free c with json_check_free either way. */
static UNIT_UNUSED int
json_check(const char *s, size_t n, struct json_check *c)
{
	struct json_cur j;

	memset(c, 0, sizeof *c);
	j.start = j.p = (const unsigned char *)s;
	j.end = j.p + n;
	j.c = c;
	j.depth = 0;
	if (jc_value(&j) != 0)
		return -1;
	jc_ws(&j);
	if (j.p != j.end)
		return jc_fail(&j, "text after the value");
	return 0;
}

#endif
