/* test-escape.c - src/out/escape.h: untrusted bytes made safe for a
 * terminal and for JSON. Terminal output must hold no byte < 0x20, no DEL,
 * no C1 control and no bidi override; JSON output must parse and give back
 * the input (valid UTF-8) or U+FFFD per bad byte. */
#include "out/escape.h"
#include "unit.h"

static char *
term(const char *s, size_t n)
{
	static char out[8192];
	struct buf  b;

	buf_init(&b);
	esc_term(&b, s, n);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

static char *
argv_term(const char *s, size_t n)
{
	static char out[8192];
	struct buf  b;

	buf_init(&b);
	esc_term_argv(&b, s, n);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
	buf_free(&b);
	return out;
}

#define T(lit) term((lit), sizeof(lit) - 1)

TEST(term_passes_printable)
{
	CHECK_STR(T("hello world"), "hello world");
	CHECK_STR(T("node /srv/app (x) [y] {z} ~!@#$%^&*"),
	    "node /srv/app (x) [y] {z} ~!@#$%^&*");
	CHECK_STR(T("\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9"),
	    "\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9");        /* ünïcödé */
	CHECK_STR(T("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");
	CHECK_STR(T("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");   /* emoji */
	CHECK_STR(T("\xc2\xa0"), "\xc2\xa0");   /* U+00A0: past C1 */
	CHECK_STR(T("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");   /* U+10FFFF */
	CHECK_STR(T(""), "");
}

TEST(term_controls)
{
	CHECK_STR(T("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
	CHECK_STR(T("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
	CHECK_STR(T("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
	CHECK_STR(T("\x7f"), "\\x7f");
	CHECK_STR(T("\x01\x1f"), "\\x01\\x1f");
	CHECK_STR(term("a\0b", 3), "a\\x00b");
	CHECK_STR(T("back\\slash"), "back\\\\slash");
	CHECK_STR(T("\\x1b"), "\\\\x1b");   /* a literal "\x1b" stays apart */
}

TEST(term_c1)
{
	CHECK_STR(T("\x9b" "31m"), "\\x9b31m");           /* raw CSI byte */
	CHECK_STR(T("\xc2\x9b" "31m"), "\\xc2\\x9b31m");  /* U+009B */
	CHECK_STR(T("\xc2\x80"), "\\xc2\\x80");
	CHECK_STR(T("\xc2\x9f"), "\\xc2\\x9f");
	CHECK_STR(T("\x85"), "\\x85");
}

TEST(term_invalid_utf8)
{
	CHECK_STR(T("\xff"), "\\xff");
	CHECK_STR(T("\xfe\xff" "A"), "\\xfe\\xffA");
	CHECK_STR(T("\xe2\x82"), "\\xe2\\x82");              /* truncated */
	CHECK_STR(T("\xe2\x82" "A"), "\\xe2\\x82" "A");
	CHECK_STR(T("\xc0\xaf"), "\\xc0\\xaf");              /* overlong / */
	CHECK_STR(T("\xc1\xbf"), "\\xc1\\xbf");
	CHECK_STR(T("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");     /* overlong */
	CHECK_STR(T("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");
	CHECK_STR(T("\xed\xa0\x80"), "\\xed\\xa0\\x80");     /* surrogate */
	CHECK_STR(T("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");
	CHECK_STR(T("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* >10FFFF */
	CHECK_STR(T("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
	CHECK_STR(T("\x80"), "\\x80");                       /* lone cont. */
	/* a bad lead byte does not swallow a good character after it */
	CHECK_STR(T("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
}

TEST(term_bidi_and_separators)
{
	CHECK_STR(T("\xe2\x80\xae" "gnp.exe"), "\\u202egnp.exe");   /* RLO */
	CHECK_STR(T("\xe2\x80\xaa"), "\\u202a");
	CHECK_STR(T("\xe2\x80\xad"), "\\u202d");
	CHECK_STR(T("\xe2\x81\xa6" "x" "\xe2\x81\xa9"), "\\u2066x\\u2069");
	CHECK_STR(T("\xe2\x80\xa8"), "\\u2028");   /* line separator */
	CHECK_STR(T("\xe2\x80\xa9"), "\\u2029");
	CHECK_STR(T("\xe2\x80\xa7"), "\xe2\x80\xa7");   /* U+2027: harmless */
}

TEST(argv_nul_is_space)
{
	CHECK_STR(argv_term("node\0server.js\0--port\0" "3000", 26),
	    "node server.js --port 3000");
	CHECK_STR(argv_term("a\0\0b", 4), "a  b");
	CHECK_STR(argv_term("\x1b\0\n", 3), "\\x1b \\x0a");
	CHECK_STR(argv_term("\\", 1), "\\\\");
}

/* Undoes esc_term: \xNN, \\ and \uXXXX back to bytes. -1 when the text
 * holds a backslash that is none of those (the escaping is ambiguous). */
static int
term_unescape(const char *s, size_t n, char *out, size_t *olen)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\\') {
			out[o++] = '\\';
			i += 2;
		} else if (i + 3 < n && s[i + 1] == 'x') {
			unsigned v;
			char     h[3] = { s[i + 2], s[i + 3], 0 };

			if (sscanf(h, "%2x", &v) != 1)
				return -1;
			out[o++] = (char)v;
			i += 4;
		} else if (i + 5 < n && s[i + 1] == 'u') {
			unsigned v;
			char     h[5] = { s[i + 2], s[i + 3], s[i + 4], s[i + 5],
			    0 };

			if (sscanf(h, "%4x", &v) != 1)
				return -1;
			o += jc_put_utf8(out + o, v);
			i += 6;
		} else
			return -1;
	}
	*olen = o;
	return 0;
}

/* xorshift: deterministic "random" bytes, biased toward the hard ones */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static size_t
random_input(char *s, size_t max)
{
	static const char *pieces[] = {
		"\x1b", "[", "\x9b", "\xc2\x9b", "\xe2\x80\xae", "\xe2\x81\xa6",
		"\xed\xa0\x80", "\xf0\x9f\x98\x80", "\xc3\xa9", "\\", "\"", "\0",
		"\n", "\x7f", "\xff", "\xc0\xaf", "\xe2\x80\xa8", "a", " ", "u",
		"x", "\xe2\x82",
	};
	size_t n = 0, want = rnd() % max;

	while (n < want) {
		if (rnd() % 3 == 0) {
			s[n++] = (char)(rnd() & 0xff);
		} else {
			size_t k = rnd() % (sizeof pieces / sizeof pieces[0]);
			size_t l = pieces[k][0] == '\0' ? 1 : strlen(pieces[k]);

			if (n + l > max)
				break;
			memcpy(s + n, pieces[k], l);
			n += l;
		}
	}
	return n;
}

/* What a terminal must never receive. */
static const char *
term_unsafe(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0;
	uint32_t             cp;

	while (i < n) {
		size_t l = jc_utf8(u + i, n - i, &cp);

		if (l == 0)
			return "invalid UTF-8 in the output";
		if (cp < 0x20 || cp == 0x7f)
			return "a C0 control or DEL";
		if (cp >= 0x80 && cp <= 0x9f)
			return "a C1 control";
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
		    cp == 0x2029)
			return "a bidi override or line separator";
		i += l;
	}
	return NULL;
}

TEST(term_property_random)
{
	static char in[512], back[512 * 4];
	int         unsafe = 0, lossy = 0, argv_unsafe = 0;

	for (int round = 0; round < 20000; round++) {
		size_t      n = random_input(in, sizeof in), blen = 0;
		struct buf  b;
		const char *why;

		buf_init(&b);
		esc_term(&b, in, n);
		if ((why = term_unsafe(b.p ? b.p : "", b.len)) != NULL) {
			if (unsafe++ == 0) {
				printf("#   %s: ", why);
				unit_print_bytes(in, n);
				putchar('\n');
			}
		}
		if (term_unescape(b.p ? b.p : "", b.len, back, &blen) != 0 ||
		    blen != n || memcmp(back, in, n) != 0) {
			if (lossy++ == 0) {
				printf("#   not reversible: ");
				unit_print_bytes(in, n);
				putchar('\n');
			}
		}
		buf_reset(&b);
		esc_term_argv(&b, in, n);
		if (term_unsafe(b.p ? b.p : "", b.len) != NULL)
			argv_unsafe++;
		buf_free(&b);
	}
	CHECK_EQ_INT(unsafe, 0);
	CHECK_EQ_INT(lossy, 0);
	CHECK_EQ_INT(argv_unsafe, 0);
}

/* esc_json output, quoted, decoded by the validator in unit.h. */
static int
json_roundtrip(const char *s, size_t n, char **dec, size_t *dlen,
    struct buf *raw)
{
	struct json_check c;
	struct buf        b;
	int               rc;

	buf_init(&b);
	buf_addc(&b, '"');
	esc_json(&b, s, n);
	buf_addc(&b, '"');
	rc = json_check(b.p, b.len, &c);
	if (rc != 0 || c.nstrs != 1) {
		printf("#   invalid JSON (%s at %zu): ", c.err ? c.err : "?",
		    c.err_at);
		unit_print_bytes(b.p, b.len);
		putchar('\n');
		json_check_free(&c);
		buf_free(&b);
		return -1;
	}
	*dec = c.strs[0];     /* handed over */
	*dlen = c.strlens[0];
	c.nstrs = 0;
	if (raw != NULL) {
		buf_add(raw, b.p, b.len);
	}
	buf_free(&b);
	return 0;
}

static char *
json_of(const char *s, size_t n)
{
	static char out[4096];
	struct buf  b;

	buf_init(&b);
	esc_json(&b, s, n);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
	buf_free(&b);
	return out;
}
#define J(lit) json_of((lit), sizeof(lit) - 1)

TEST(json_exact)
{
	CHECK_STR(J("plain"), "plain");
	CHECK_STR(J("q\"b\\s/"), "q\\\"b\\\\s/");
	CHECK_STR(J("a\nb\rc\td"), "a\\nb\\rc\\td");
	CHECK_STR(J("\x1b[2J"), "\\u001b[2J");
	CHECK_STR(json_of("a\0b", 3), "a\\u0000b");
	CHECK_STR(J("\x7f"), "\\u007f");
	CHECK_STR(J("\x08\x0c"), "\\u0008\\u000c");
	CHECK_STR(J("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029");
	CHECK_STR(J("\xc3\xa9\xf0\x9f\x98\x80"), "\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_STR(J("\xff"), "\xef\xbf\xbd");
	CHECK_STR(J("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(J("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(J("\x9b"), "\xef\xbf\xbd");
	CHECK_STR(J("\xe2\x82" "A"), "\xef\xbf\xbd\xef\xbf\xbd" "A");
	CHECK_STR(J("\xc2\x9b"), "\xc2\x9b");   /* valid UTF-8: JSON allows */
}

TEST(json_roundtrip_valid_utf8)
{
	static const char *cases[] = {
		"", "node", "\xc3\xbcn\xc3\xaf\x63\xc3\xb6\x64\xc3\xa9",
		"\xf0\x9f\x98\x80 emoji", "\x1b[31mred\x1b[0m", "tab\there",
		"line\nbreak", "q\"uote", "back\\slash", "\xe2\x80\xaerlo",
		"\xe2\x80\xa8", "\x7f\x01\x1f", "\xf4\x8f\xbf\xbf",
		"/path/with spaces (and) [brackets]",
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char   *dec = NULL;
		size_t  dlen = 0;

		CHECK(utf8_valid(cases[i], strlen(cases[i])));
		if (json_roundtrip(cases[i], strlen(cases[i]), &dec, &dlen,
		    NULL) != 0) {
			FAIL("esc_json output does not parse");
			continue;
		}
		CHECK_MEM(dec, dlen, cases[i], strlen(cases[i]));
		free(dec);
	}
	/* NUL inside a name survives as \u0000 */
	{
		char  *dec = NULL;
		size_t dlen = 0;

		CHECK_EQ_INT(json_roundtrip("a\0b", 3, &dec, &dlen, NULL), 0);
		CHECK_MEM(dec, dlen, "a\0b", 3);
		free(dec);
	}
}

/* The expected decoding: valid sequences kept, each bad byte U+FFFD. */
static size_t
expect_json(const char *s, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0, o = 0;
	uint32_t             cp;

	while (i < n) {
		size_t l = jc_utf8(u + i, n - i, &cp);

		if (l == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	return o;
}

TEST(json_property_random)
{
	static char in[512], want[512 * 3];
	int         bad = 0, raw_ctl = 0;

	rng_state = 0x1234567887654321ULL;
	for (int round = 0; round < 20000; round++) {
		size_t     n = random_input(in, sizeof in), dlen = 0, wlen;
		char      *dec = NULL;
		struct buf raw;

		buf_init(&raw);
		if (json_roundtrip(in, n, &dec, &dlen, &raw) != 0) {
			bad++;
			buf_free(&raw);
			continue;
		}
		for (size_t i = 0; i < raw.len; i++)
			if ((unsigned char)raw.p[i] < 0x20)
				raw_ctl++;
		wlen = expect_json(in, n, want);
		if (dlen != wlen || memcmp(dec, want, wlen) != 0) {
			if (bad++ == 0) {
				printf("#   wrong decoding of ");
				unit_print_bytes(in, n);
				putchar('\n');
			}
		}
		free(dec);
		buf_free(&raw);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(raw_ctl, 0);
}

TEST(text_width)
{
	CHECK_EQ_UINT(text_width("abc", 3), 3);
	CHECK_EQ_UINT(text_width("", 0), 0);
	CHECK_EQ_UINT(text_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4);  /* CJK */
	CHECK_EQ_UINT(text_width("\xf0\x9f\x98\x80", 4), 2);          /* emoji */
	CHECK_EQ_UINT(text_width("e\xcc\x81", 3), 1);      /* combining mark */
	CHECK_EQ_UINT(text_width("\xc3\xa9", 2), 1);
	CHECK_EQ_UINT(text_width("\x1b[1mab\x1b[0m", 10), 2);   /* our SGR */
	CHECK_EQ_UINT(text_width("\xff", 1), 1);
	CHECK_EQ_UINT(text_width("\xea\xb0\x80", 3), 2);   /* Hangul */
	CHECK_EQ_UINT(text_width("a\xe2\x80\x8b" "b", 5), 2);   /* ZWSP */
	/* what esc_term made of ESC is 4 visible columns */
	CHECK_EQ_UINT(text_width(T("\x1b"), 4), 4);
	/* the width of escaped text is its byte count when all ASCII */
	{
		const char *e = T("\x1b[31m\x9b\xff");

		CHECK_EQ_UINT(text_width(e, strlen(e)), strlen(e));
	}
}

TEST(buf_basics)
{
	struct buf b;
	char       big[10000];
	char      *junk = malloc(256);

	/* dirty the chunk the buffer will get, so a missing NUL shows */
	if (junk != NULL)
		memset(junk, 'J', 256);
	free(junk);
	buf_init(&b);
	buf_adds(&b, "ab");
	CHECK_STR(buf_str(&b), "ab");
	buf_addc(&b, 'c');
	buf_add(&b, "d\0e", 3);
	CHECK_EQ_UINT(b.len, 6);
	CHECK_MEM(b.p, b.len, "abcd\0e", 6);
	buf_printf(&b, "%d-%s", 42, "x");
	CHECK_EQ_UINT(b.len, 10);
	CHECK_MEM(b.p + 6, 4, "42-x", 4);
	CHECK_EQ_INT(b.p[b.len], '\0');
	buf_reset(&b);
	CHECK_EQ_UINT(b.len, 0);
	CHECK_STR(buf_str(&b), "");
	memset(big, 'q', sizeof big);
	buf_add(&b, big, sizeof big);
	buf_printf(&b, "%s", "");
	buf_add(&b, "", 0);
	CHECK_EQ_UINT(b.len, sizeof big);
	CHECK(!b.oom);
	CHECK_EQ_INT(b.p[b.len], '\0');
	buf_free(&b);
	CHECK(b.p == NULL);
	CHECK_EQ_UINT(b.len, 0);
	/* an oom buffer stays put and says so */
	buf_init(&b);
	buf_add(&b, "x", SIZE_MAX);   /* more than can be held: no realloc */
	CHECK(b.oom);
	buf_adds(&b, "more");
	CHECK_EQ_UINT(b.len, 0);
	buf_free(&b);
}

TEST(buf_str_of_a_fresh_buffer)
{
	struct buf b;
	char      *junk;

	/* buf.h: "Always NUL-terminated". A buffer nothing was added to
	 * allocates in buf_str(); make the allocator hand back dirty memory
	 * (ASan fills it with 0xbe anyway) so a missing NUL shows. */
	junk = malloc(256);
	if (junk != NULL)
		memset(junk, 'J', 256);
	free(junk);
	buf_init(&b);
	/* only the first byte: with the bug there is no NUL to stop at */
	CHECK_EQ_INT(buf_str(&b)[0], '\0');
	buf_free(&b);
	/* after a reset it is */
	buf_init(&b);
	buf_adds(&b, "x");
	buf_reset(&b);
	CHECK_STR(buf_str(&b), "");
	buf_free(&b);
}

TEST(recorded_cmdline)
{
	size_t      len;
	char       *data = unit_fixture("proc/cmdline-odd", &len);
	struct buf  b;
	const char *want = "python3 -c import time; time.sleep(60) \\xff\\xfe "
	    "with space  \\x1b[2J \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 ";

	if (data == NULL) {
		FAIL("fixture missing");
		return;
	}
	/* argv as the kernel gave it: NUL after every argument, one empty */
	CHECK_EQ_UINT(len, 71);
	buf_init(&b);
	esc_term_argv(&b, data, len);
	CHECK_MEM(b.p, b.len, want, strlen(want));
	CHECK(term_unsafe(b.p, b.len) == NULL);
	buf_free(&b);
	free(data);
}

TEST(recorded_names)
{
	static const struct {
		const char *rel, *term;
	} cases[] = {
		{ "proc/stat-esc", "\\x1b[31mred" },
		{ "proc/stat-newline", "new\\x0aline" },
		{ "proc/stat-invalid-utf8", "\\xff\\xfeA" },
		{ "proc/stat-fake-uid", "x\\x0aUid:\\x097\\x097" },
		{ "proc/stat-parens", "x) (y" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t      len;
		char       *data = unit_fixture(cases[i].rel, &len);
		const char *open, *close;

		if (data == NULL) {
			FAIL("fixture missing");
			continue;
		}
		/* the comm between the first '(' and the last ')' */
		open = strchr(data, '(');
		close = strrchr(data, ')');
		if (open == NULL || close == NULL || close < open) {
			FAIL("not a stat file");
			free(data);
			continue;
		}
		CHECK_STR(term(open + 1, (size_t)(close - open - 1)),
		    cases[i].term);
		free(data);
	}
}
