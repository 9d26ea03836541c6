/* test-duration.c - src/core/duration.h: "500ms", "5s", "2m" in, ages out. */
#include <stddef.h>   /* duration.h uses size_t without it (reported) */

#include "core/duration.h"
#include "unit.h"

static uint64_t
ms_of(const char *s)
{
	uint64_t        ms = 12345;
	struct door_err e;

	if (duration_parse(s, &ms, &e) != 0) {
		printf("#   duration_parse(\"%s\") failed: %s\n", s, e.msg);
		return UINT64_MAX;
	}
	return ms;
}

TEST(units)
{
	CHECK_EQ_UINT(ms_of("500ms"), 500);
	CHECK_EQ_UINT(ms_of("5s"), 5000);
	CHECK_EQ_UINT(ms_of("2m"), 120000);
	CHECK_EQ_UINT(ms_of("1h"), 3600000);
	CHECK_EQ_UINT(ms_of("5"), 5000);         /* a bare number is seconds */
	CHECK_EQ_UINT(ms_of("0"), 0);
	CHECK_EQ_UINT(ms_of("0ms"), 0);
	CHECK_EQ_UINT(ms_of("1ms"), 1);
	CHECK_EQ_UINT(ms_of("007s"), 7000);
}

TEST(limit_24h)
{
	uint64_t        ms = 1;
	struct door_err e;

	CHECK_EQ_UINT(ms_of("24h"), 86400000);
	CHECK_EQ_UINT(ms_of("1440m"), 86400000);
	CHECK_EQ_UINT(ms_of("86400"), 86400000);
	CHECK_EQ_UINT(ms_of("86400000ms"), 86400000);
	CHECK_EQ_INT(duration_parse("25h", &ms, &e), -1);
	CHECK_EQ_INT(e.status, DOOR_USAGE);
	CHECK(strstr(e.msg, "24h") != NULL);
	CHECK_EQ_INT(duration_parse("86401", &ms, &e), -1);
	CHECK_EQ_INT(duration_parse("1441m", &ms, &e), -1);
	CHECK_EQ_INT(duration_parse("86400001ms", &ms, &e), -1);
	CHECK_EQ_INT(duration_parse("999999999999h", &ms, &e), -1);
	CHECK_EQ_INT(duration_parse("9999999999999", &ms, &e), -1);
	CHECK_EQ_INT(duration_parse("99999999999999999999999s", &ms, &e), -1);
	CHECK_EQ_UINT(ms, 1);   /* untouched on failure */
}

TEST(bad_durations)
{
	static const char *bad[] = {
		"", "ms", "s", "-1s", "+1s", "1.5s", "1 s", " 1s", "1s ", "5S",
		"5sec", "5min", "1d", "1h30m", "0x10", "5ms5", "5mss", "abc",
		"1\n", "5\xc2\xb5s",
	};
	uint64_t        ms = 77;
	struct door_err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		if (duration_parse(bad[i], &ms, &e) != -1 ||
		    e.status != DOOR_USAGE || e.msg[0] == '\0') {
			FAIL("accepted or misreported");
			unit_print_bytes(bad[i], strlen(bad[i]));
			putchar('\n');
		}
	}
	CHECK_EQ_INT(duration_parse(NULL, &ms, &e), -1);
	CHECK_EQ_UINT(ms, 77);
}

TEST(format)
{
	char b[32];

	duration_format(0, b, sizeof b);
	CHECK_STR(b, "0s");
	duration_format(45, b, sizeof b);
	CHECK_STR(b, "45s");
	duration_format(60, b, sizeof b);
	CHECK_STR(b, "1m00s");
	duration_format(3599, b, sizeof b);
	CHECK_STR(b, "59m59s");
	duration_format(3600, b, sizeof b);
	CHECK_STR(b, "1h00m");
	duration_format(2 * 3600 + 13 * 60 + 59, b, sizeof b);
	CHECK_STR(b, "2h13m");   /* DESIGN.md's card: "up 2h13m" */
	duration_format(86399, b, sizeof b);
	CHECK_STR(b, "23h59m");
	duration_format(3 * 86400 + 4 * 3600 + 59, b, sizeof b);
	CHECK_STR(b, "3d4h");
	duration_format(UINT64_MAX, b, sizeof b);
	CHECK(strlen(b) > 2 && b[strlen(b) - 1] == 'h');
	/* a small buffer is cut, never overrun */
	memset(b, 'Z', sizeof b);
	duration_format(3 * 86400, b, 3);
	CHECK_STR(b, "3d");
	CHECK_EQ_INT(b[3], 'Z');
}
