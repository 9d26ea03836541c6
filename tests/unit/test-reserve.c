/* test-reserve.c - src/core/reserve.h: door next's reservation file, on
 * valid files and on everything a file in /tmp can turn into. */
#include "core/reserve.h"
#include "unit.h"

/* A fixed "now": 2026-01-01T00:00:00Z in ms. */
#define NOW	1767225600000ULL
#define H	RESERVE_HEADER

static struct reserve_set
parse(const char *s)
{
	struct reserve_set set;

	if (reserve_parse(s, strlen(s), NOW, &set) != 0)
		printf("#   reserve_parse ran out of memory\n");
	return set;
}

/* The file that set would be rewritten as. */
static char *
format(const struct reserve_set *set, uint64_t now)
{
	struct buf b;
	char      *s;

	buf_init(&b);
	reserve_format(set, now, &b);
	s = strdup(buf_str(&b));
	buf_free(&b);
	return s;
}

TEST(empty_file_is_fresh_not_corrupt)
{
	struct reserve_set set;

	CHECK_EQ_INT(reserve_parse(NULL, 0, NOW, &set), 0);
	CHECK_EQ_UINT(set.n, 0);
	CHECK(!reserve_corrupt(&set));
	reserve_free(&set);
	set = parse(H);
	CHECK_EQ_UINT(set.n, 0);
	CHECK(!reserve_corrupt(&set));
	reserve_free(&set);
}

TEST(valid_lines)
{
	struct reserve_set        set = parse(H
	    "3001 tcp 1767225630000 4242\n"
	    "3001 udp 1767225631000 7\n"
	    "65535 tcp 1767225600001 0\n"
	    "1 udp 1767225660000 4194304\n");
	const struct reservation *r;

	CHECK(!reserve_corrupt(&set));
	CHECK_EQ_UINT(set.n, 4);
	CHECK_EQ_UINT(set.bad, 0);
	r = reserve_find(&set, 3001, PROTO_TCP);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ_UINT(r->expires_ms, 1767225630000ULL);
		CHECK_EQ_UINT(r->pid, 4242);
	}
	r = reserve_find(&set, 3001, PROTO_UDP);
	CHECK(r != NULL && r->pid == 7);
	CHECK(reserve_find(&set, 65535, PROTO_TCP) != NULL);
	CHECK(reserve_find(&set, 1, PROTO_UDP) != NULL);
	CHECK(reserve_find(&set, 1, PROTO_TCP) == NULL);
	CHECK(reserve_find(&set, 3002, PROTO_TCP) == NULL);
	/* sorted by port, then tcp before udp */
	CHECK_EQ_UINT(set.v[0].port, 1);
	CHECK_EQ_UINT(set.v[1].port, 3001);
	CHECK_EQ_INT(set.v[1].proto, PROTO_TCP);
	CHECK_EQ_INT(set.v[2].proto, PROTO_UDP);
	CHECK_EQ_UINT(set.v[3].port, 65535);
	reserve_free(&set);
}

TEST(expired_are_dropped_quietly)
{
	struct reserve_set set = parse(H
	    "3000 tcp 1767225600000 1\n"      /* exactly now: over */
	    "3001 tcp 1 1\n"
	    "3002 tcp 1767225600001 1\n");
	char              *s;

	CHECK(!reserve_corrupt(&set));
	CHECK_EQ_UINT(set.expired, 2);
	CHECK_EQ_UINT(set.n, 1);
	CHECK(reserve_find(&set, 3002, PROTO_TCP) != NULL);
	/* and a rewrite a moment later drops the last one too */
	s = format(&set, NOW + 1);
	CHECK_STR(s, H);
	free(s);
	reserve_free(&set);
}

TEST(absurd_values_are_bad)
{
	static const char *bad[] = {
		"0 tcp 1767225630000 1\n",              /* port 0 */
		"65536 tcp 1767225630000 1\n",          /* port too big */
		"99999999999999999999 tcp 1767225630000 1\n",
		"3000 tcp 0 1\n",                       /* expiry 0 */
		"3000 tcp 99999999999999 1\n",          /* year 5138 */
		"3000 tcp 18446744073709551615 1\n",    /* UINT64_MAX */
		"3000 tcp 18446744073709551616 1\n",    /* overflow */
		"3000 tcp 1767225630000 4194305\n",     /* beyond PID_MAX */
		"3000 tcp 1767225630000 -1\n",
		"3000 sctp 1767225630000 1\n",
		"3000 TCP 1767225630000 1\n",
		"3000 tc 1767225630000 1\n",
		"3000 tcpx 1767225630000 1\n",
		"03000 tcp 1767225630000 1\n",          /* not canonical */
		"3000 tcp 01767225630000 1\n",
		"3000 tcp 1767225630000 01\n",
		"+3000 tcp 1767225630000 1\n",
		"3000 tcp 1767225630000\n",             /* three fields */
		"3000 tcp 1767225630000 1 9\n",         /* five */
		"3000  tcp 1767225630000 1\n",          /* two spaces */
		" 3000 tcp 1767225630000 1\n",
		"3000 tcp 1767225630000 1 \n",
		"3000\ttcp\t1767225630000\t1\n",
		"3000 tcp 1767225630000 1\r\n",
		"3000 tcp 17672256300.0 1\n",
		"\n",
		"# a comment\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char               file[256];
		struct reserve_set set;

		snprintf(file, sizeof file, "%s%s", H, bad[i]);
		set = parse(file);
		if (set.n != 0 || set.bad != 1 || !reserve_corrupt(&set)) {
			printf("#   accepted: ");
			unit_print_bytes(bad[i], strlen(bad[i]));
			putchar('\n');
			CHECK(set.n == 0 && set.bad == 1);
		}
		reserve_free(&set);
	}
}

TEST(latest_possible_expiry)
{
	/* now + 24h + 1 min of skew is the furthest door can have written */
	char               file[128];
	uint64_t           edge = NOW + RESERVE_DUR_MAX_MS + RESERVE_SKEW_MS;
	struct reserve_set set;

	snprintf(file, sizeof file, "%s3000 tcp %llu 1\n", H,
	    (unsigned long long)edge);
	set = parse(file);
	CHECK_EQ_UINT(set.n, 1);
	reserve_free(&set);
	snprintf(file, sizeof file, "%s3000 tcp %llu 1\n", H,
	    (unsigned long long)edge + 1);
	set = parse(file);
	CHECK_EQ_UINT(set.n, 0);
	CHECK_EQ_UINT(set.bad, 1);
	reserve_free(&set);
}

TEST(bad_lines_do_not_hide_good_ones)
{
	struct reserve_set set = parse(H
	    "garbage\n"
	    "3001 tcp 1767225630000 1\n"
	    "\x01\x02\xff\xfe\n"
	    "3002 udp 1767225630000 1\n");

	CHECK(reserve_corrupt(&set));
	CHECK_EQ_UINT(set.bad, 2);
	CHECK_EQ_UINT(set.n, 2);
	CHECK(reserve_find(&set, 3001, PROTO_TCP) != NULL);
	CHECK(reserve_find(&set, 3002, PROTO_UDP) != NULL);
	reserve_free(&set);
}

TEST(missing_or_wrong_header)
{
	struct reserve_set set = parse("3001 tcp 1767225630000 1\n");

	CHECK(set.bad_header);
	CHECK(reserve_corrupt(&set));
	CHECK_EQ_UINT(set.n, 1);    /* the line itself is fine */
	reserve_free(&set);
	set = parse("# door reservations v2\n3001 tcp 1767225630000 1\n");
	CHECK(set.bad_header);
	CHECK_EQ_UINT(set.bad, 1);  /* the other header is just a bad line */
	CHECK_EQ_UINT(set.n, 1);
	reserve_free(&set);
	set = parse("# door reservations v1");   /* no newline */
	CHECK(set.bad_header);
	CHECK(reserve_corrupt(&set));
	reserve_free(&set);
}

TEST(truncated_last_line)
{
	struct reserve_set set = parse(H
	    "3001 tcp 1767225630000 1\n"
	    "3002 tcp 1767225630000 1");     /* a write cut short */

	CHECK(reserve_corrupt(&set));
	CHECK_EQ_UINT(set.bad, 1);
	CHECK_EQ_UINT(set.n, 1);
	CHECK(reserve_find(&set, 3002, PROTO_TCP) == NULL);
	reserve_free(&set);
}

TEST(nul_bytes)
{
	static const char  file[] = H "3001 tcp 1767225630000 1\n"
	    "3002 tcp 17672\0" "5630000 1\n" "3003 tcp 1767225630000 1\n";
	struct reserve_set set;

	CHECK_EQ_INT(reserve_parse(file, sizeof file - 1, NOW, &set), 0);
	CHECK_EQ_UINT(set.n, 2);
	CHECK_EQ_UINT(set.bad, 1);
	CHECK(reserve_find(&set, 3002, PROTO_TCP) == NULL);
	reserve_free(&set);
}

TEST(long_line)
{
	char               *file = malloc(100000);
	struct reserve_set  set;

	if (file == NULL)
		return;
	strcpy(file, H);
	memset(file + strlen(H), '7', 90000);
	strcpy(file + strlen(H) + 90000, " tcp 1767225630000 1\n");
	set = parse(file);
	CHECK_EQ_UINT(set.n, 0);
	CHECK_EQ_UINT(set.bad, 1);
	reserve_free(&set);
	free(file);
}

TEST(too_big_is_not_read)
{
	size_t              len = RESERVE_FILE_MAX + 1;
	char               *file = malloc(len);
	struct reserve_set  set;

	if (file == NULL)
		return;
	memcpy(file, H, strlen(H));
	memset(file + strlen(H), '\n', len - strlen(H));
	CHECK_EQ_INT(reserve_parse(file, len, NOW, &set), 0);
	CHECK(set.too_big);
	CHECK(reserve_corrupt(&set));
	CHECK_EQ_UINT(set.n, 0);
	reserve_free(&set);
	free(file);
}

TEST(random_bytes)
{
	unsigned char buf[4096];
	uint32_t      x = 2463534242u;

	for (int round = 0; round < 200; round++) {
		struct reserve_set set;
		size_t             len = (size_t)(x % sizeof buf);

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		CHECK_EQ_INT(reserve_parse((const char *)buf, len, NOW, &set),
		    0);
		for (size_t i = 0; i < set.n; i++)
			CHECK(set.v[i].port != 0 && set.v[i].expires_ms > NOW);
		if (len > 0)
			CHECK(reserve_corrupt(&set));
		reserve_free(&set);
	}
}

TEST(duplicates_keep_the_longest)
{
	struct reserve_set set = parse(H
	    "3001 tcp 1767225630000 1\n"
	    "3001 tcp 1767225690000 2\n"
	    "3001 tcp 1767225660000 3\n");

	CHECK(!reserve_corrupt(&set));
	CHECK_EQ_UINT(set.n, 1);
	CHECK_EQ_UINT(set.v[0].expires_ms, 1767225690000ULL);
	CHECK_EQ_UINT(set.v[0].pid, 2);
	reserve_free(&set);
}

TEST(unsorted_input_comes_out_sorted)
{
	struct reserve_set set = parse(H
	    "5000 udp 1767225630000 1\n"
	    "4000 tcp 1767225630000 1\n"
	    "5000 tcp 1767225630000 1\n");
	char              *s = format(&set, NOW);

	CHECK_STR(s, H
	    "4000 tcp 1767225630000 1\n"
	    "5000 tcp 1767225630000 1\n"
	    "5000 udp 1767225630000 1\n");
	free(s);
	reserve_free(&set);
}

TEST(round_trip_is_exact)
{
	const char        *file = H
	    "80 tcp 1767225601000 1\n"
	    "3000 tcp 1767225630000 4242\n"
	    "3000 udp 1767225630000 4242\n"
	    "65535 udp 1767312060000 0\n";
	struct reserve_set set = parse(file);
	char              *s = format(&set, NOW);

	CHECK(!reserve_corrupt(&set));
	CHECK_STR(s, file);
	free(s);
	reserve_free(&set);
}

TEST(add_inserts_and_extends)
{
	struct reserve_set        set;
	const struct reservation *r;
	char                     *s;

	reserve_init(&set);
	CHECK_EQ_INT(reserve_add(&set, 3005, PROTO_TCP, NOW + 30000, 10), 0);
	CHECK_EQ_INT(reserve_add(&set, 3001, PROTO_TCP, NOW + 30000, 10), 0);
	CHECK_EQ_INT(reserve_add(&set, 3001, PROTO_UDP, NOW + 30000, 10), 0);
	/* a shorter one does not shorten it; a longer one extends it */
	CHECK_EQ_INT(reserve_add(&set, 3005, PROTO_TCP, NOW + 1000, 11), 0);
	r = reserve_find(&set, 3005, PROTO_TCP);
	CHECK(r != NULL && r->expires_ms == NOW + 30000 && r->pid == 10);
	CHECK_EQ_INT(reserve_add(&set, 3005, PROTO_TCP, NOW + 60000, 12), 0);
	r = reserve_find(&set, 3005, PROTO_TCP);
	CHECK(r != NULL && r->expires_ms == NOW + 60000 && r->pid == 12);
	/* what the parser would refuse is never added */
	CHECK_EQ_INT(reserve_add(&set, 0, PROTO_TCP, NOW + 1000, 1), -1);
	CHECK_EQ_INT(reserve_add(&set, 3009, PROTO_TCP, 0, 1), -1);
	CHECK_EQ_INT(reserve_add(&set, 3010, PROTO_TCP, NOW + 1000,
	    RESERVE_PID_MAX + 1), 0);
	r = reserve_find(&set, 3010, PROTO_TCP);
	CHECK(r != NULL && r->pid == 0);
	CHECK_EQ_UINT(set.n, 4);
	s = format(&set, NOW);
	CHECK_STR(s, H
	    "3001 tcp 1767225630000 10\n"
	    "3001 udp 1767225630000 10\n"
	    "3005 tcp 1767225660000 12\n"
	    "3010 tcp 1767225601000 0\n");
	free(s);
	reserve_free(&set);
}

TEST(every_port_fits)
{
	struct reserve_set set;
	struct buf         b;
	struct reserve_set back;

	reserve_init(&set);
	/* ascending: each add appends (a front insert would be quadratic);
	 * the longest lines door writes: a 24h expiry, the largest pid */
	for (uint32_t p = 1; p <= 65535; p++) {
		uint64_t until = NOW + RESERVE_DUR_MAX_MS;

		if (reserve_add(&set, (uint16_t)p, PROTO_TCP, until,
		    RESERVE_PID_MAX) != 0 || reserve_add(&set, (uint16_t)p,
		    PROTO_UDP, until, RESERVE_PID_MAX) != 0) {
			FAIL("reserve_add failed");
			break;
		}
	}
	CHECK_EQ_UINT(set.n, 2 * 65535);
	buf_init(&b);
	reserve_format(&set, NOW, &b);
	CHECK(!b.oom);
	/* every file door can write, door reads back whole */
	CHECK(b.len <= RESERVE_FILE_MAX);
	CHECK_EQ_INT(reserve_parse(b.p, b.len, NOW, &back), 0);
	CHECK(!reserve_corrupt(&back));
	CHECK_EQ_UINT(back.n, 2 * 65535);
	reserve_free(&back);
	buf_free(&b);
	reserve_free(&set);
}

TEST(now_near_the_end_of_time)
{
	/* the limit must not wrap around when now is absurd itself */
	struct reserve_set set;
	const char        *file = H "3000 tcp 18446744073709551615 1\n";

	CHECK_EQ_INT(reserve_parse(file, strlen(file), UINT64_MAX - 5, &set),
	    0);
	CHECK_EQ_UINT(set.n, 1);
	reserve_free(&set);
}
