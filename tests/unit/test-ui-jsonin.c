/* test-ui-jsonin.c - src/ui/jsonin.h: the flat JSON objects door ui's
 * actions are posted with. */
#include <string.h>

#include "ui/jsonin.h"
#include "unit.h"

static int
parse(const char *s, struct jin *j)
{
	char err[160];

	return jin_parse(s, strlen(s), j, err, sizeof err);
}

TEST(fields)
{
	struct jin              j;
	const struct jin_field *f;

	CHECK_EQ_INT(parse(" {\"port\": 3000, \"proto\" : \"tcp\", \"force\":true,"
	    "\"x\":null, \"n\": -12}\n", &j), 0);
	CHECK_EQ_UINT(j.n, 5);
	f = jin_get(&j, "port");
	CHECK(f != NULL && f->type == JIN_INT && f->i == 3000);
	f = jin_get(&j, "proto");
	CHECK(f != NULL && f->type == JIN_STRING && strcmp(f->s, "tcp") == 0 &&
	    f->slen == 3);
	f = jin_get(&j, "force");
	CHECK(f != NULL && f->type == JIN_BOOL && f->b);
	f = jin_get(&j, "x");
	CHECK(f != NULL && f->type == JIN_NULL);
	f = jin_get(&j, "n");
	CHECK(f != NULL && f->i == -12);
	CHECK(jin_get(&j, "missing") == NULL);
	jin_free(&j);
	CHECK_EQ_INT(parse("{}", &j), 0);
	CHECK_EQ_UINT(j.n, 0);
	jin_free(&j);
}

TEST(strings)
{
	struct jin              j;
	const struct jin_field *f;

	CHECK_EQ_INT(parse("{\"t\":\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20ac"
	    "\\ud83d\\ude00 <img src=x onerror=alert(1)>\"}", &j), 0);
	f = jin_get(&j, "t");
	CHECK(f != NULL);
	CHECK_STR(f->s, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "
	    "<img src=x onerror=alert(1)>");
	CHECK_EQ_UINT(f->slen, strlen(f->s));
	jin_free(&j);
	/* raw UTF-8 passes */
	CHECK_EQ_INT(parse("{\"t\":\"\xc3\xa9\xf0\x9f\x98\x80\"}", &j), 0);
	jin_free(&j);
}

TEST(refused)
{
	static const char *const bad[] = {
		"", " ", "[]", "[1]", "1", "\"s\"", "null", "{", "}", "{\"a\"}",
		"{\"a\":}", "{\"a\":1,}", "{,\"a\":1}", "{\"a\":1}x",
		"{\"a\":1} {}", "{a:1}", "{'a':1}", "{\"a\":1 \"b\":2}",
		"{\"a\":{\"b\":1}}", "{\"a\":[1]}", "{\"a\":1.5}", "{\"a\":1e3}",
		"{\"a\":01}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":tru}",
		"{\"a\":truex}", "{\"a\":nul}", "{\"a\":1,\"a\":2}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
		"{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}",
		"{\"a\":\"unterminated}", "{\"a\":\"tab\there\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xe2\x82\"}",
		"{\"a\":9223372036854775808}",
		"{\"a\":-9223372036854775809}",
		"{\"0123456789012345678901234567890123\":1}",
		("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
		"\"h\":8,\"i\":9}"),
	};
	struct jin j;
	char       err[160];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (jin_parse(bad[i], strlen(bad[i]), &j, err, sizeof err) == 0) {
			printf("#   accepted: %s\n", bad[i]);
			CHECK(0);
			jin_free(&j);
			continue;
		}
		CHECK(err[0] != '\0');
		CHECK(j.text == NULL && j.n == 0);
	}
}

TEST(bounds)
{
	struct jin j;
	char       err[160];

	CHECK_EQ_INT(parse("{\"a\":9223372036854775807,\"b\":"
	    "-9223372036854775808}", &j), 0);
	CHECK(jin_get(&j, "a")->i == INT64_MAX);
	CHECK(jin_get(&j, "b")->i == INT64_MIN);
	jin_free(&j);
	/* a NUL inside the length is a byte of the body, refused */
	CHECK_EQ_INT(jin_parse("{\"a\":1}\0", 8, &j, err, sizeof err), -1);
	CHECK_EQ_INT(jin_parse("{\"a\":\"x\0y\"}", 11, &j, err, sizeof err),
	    -1);
	{
		static char big[JIN_BODY_MAX + 16];

		memset(big, ' ', sizeof big);
		big[0] = '{';
		big[sizeof big - 1] = '}';
		CHECK_EQ_INT(jin_parse(big, sizeof big, &j, err, sizeof err),
		    -1);
		CHECK(strstr(err, "longer") != NULL);
	}
}
