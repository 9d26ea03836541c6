/* test-num.c - src/core/num.h: the one range-checked number parser. */
#include "core/num.h"
#include "unit.h"

TEST(decimal_basic)
{
	uint64_t v = 99;

	CHECK_EQ_INT(num_parse("0", 0, 10, &v), 0);
	CHECK_EQ_UINT(v, 0);
	CHECK_EQ_INT(num_parse("3000", 1, 65535, &v), 0);
	CHECK_EQ_UINT(v, 3000);
	CHECK_EQ_INT(num_parse("007", 0, 10, &v), 0);
	CHECK_EQ_UINT(v, 7);
	CHECK_EQ_INT(num_parse_u64("12345", 3, 0, UINT64_MAX, &v), 0);
	CHECK_EQ_UINT(v, 123);   /* exactly len bytes */
}

TEST(decimal_bounds)
{
	uint64_t v = 42;

	CHECK_EQ_INT(num_parse("1", 1, 65535, &v), 0);
	CHECK_EQ_INT(num_parse("65535", 1, 65535, &v), 0);
	CHECK_EQ_UINT(v, 65535);
	v = 42;
	CHECK_EQ_INT(num_parse("0", 1, 65535, &v), -1);
	CHECK_EQ_INT(num_parse("65536", 1, 65535, &v), -1);
	CHECK_EQ_UINT(v, 42);   /* untouched on failure */
	CHECK_EQ_INT(num_parse("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK_EQ_UINT(v, UINT64_MAX);
	CHECK_EQ_INT(num_parse("18446744073709551616", 0, UINT64_MAX, &v), -1);
	CHECK_EQ_INT(num_parse("99999999999999999999", 0, UINT64_MAX, &v), -1);
	/* 21 digits, even with leading zeros, is too long */
	CHECK_EQ_INT(num_parse("000000000000000000001", 0, UINT64_MAX, &v),
	    -1);
	CHECK_EQ_INT(num_parse("00000000000000000001", 0, UINT64_MAX, &v), 0);
	CHECK_EQ_UINT(v, 1);
}

TEST(decimal_junk)
{
	static const char *bad[] = {
		"", " 1", "1 ", "+1", "-1", "1a", "0x10", "1.5", "1e3",
		"\t1", "1\n", "١", "abc", "99999999999999999999999",
	};
	uint64_t v = 7;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (num_parse(bad[i], 0, UINT64_MAX, &v) != -1) {
			FAIL("accepted junk");
			unit_print_bytes(bad[i], strlen(bad[i]));
			putchar('\n');
		}
	}
	CHECK_EQ_UINT(v, 7);
	CHECK_EQ_INT(num_parse(NULL, 0, 10, &v), -1);
	CHECK_EQ_INT(num_parse_u64("5", 0, 0, 10, &v), -1);
	CHECK_EQ_INT(num_parse_u64(NULL, 1, 0, 10, &v), -1);
	/* an embedded NUL inside len is junk, not an end */
	CHECK_EQ_INT(num_parse_u64("1\0002", 3, 0, 1000, &v), -1);
}

TEST(hex)
{
	uint64_t v = 0;

	CHECK_EQ_INT(num_parse_hex("0A", 2, &v), 0);
	CHECK_EQ_UINT(v, 10);
	CHECK_EQ_INT(num_parse_hex("0100007F", 8, &v), 0);
	CHECK_EQ_UINT(v, 0x0100007f);
	CHECK_EQ_INT(num_parse_hex("b79b", 4, &v), 0);
	CHECK_EQ_UINT(v, 0xb79b);
	CHECK_EQ_INT(num_parse_hex("ffffffffffffffff", 16, &v), 0);
	CHECK_EQ_UINT(v, UINT64_MAX);
	CHECK_EQ_INT(num_parse_hex("0ffffffffffffffff", 17, &v), -1);
	CHECK_EQ_INT(num_parse_hex("", 0, &v), -1);
	CHECK_EQ_INT(num_parse_hex("0G", 2, &v), -1);
	CHECK_EQ_INT(num_parse_hex("0x1", 3, &v), -1);
	CHECK_EQ_INT(num_parse_hex(" 1", 2, &v), -1);
	CHECK_EQ_INT(num_parse_hex("-1", 2, &v), -1);
	CHECK_EQ_INT(num_parse_hex(NULL, 2, &v), -1);
	CHECK_EQ_INT(num_parse_hex("12zz", 2, &v), 0);   /* exactly len */
	CHECK_EQ_UINT(v, 0x12);
}

/* Every decimal of up to 5 digits through the parser and back. */
TEST(decimal_roundtrip)
{
	char     s[32];
	uint64_t v;
	int      bad = 0;

	for (uint64_t i = 0; i < 100000; i += 7) {
		int n = snprintf(s, sizeof s, "%llu", (unsigned long long)i);

		if (num_parse_u64(s, (size_t)n, 0, UINT64_MAX, &v) != 0 ||
		    v != i)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
}
