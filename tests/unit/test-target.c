/* test-target.c - src/core/target.h: every TARGET form of DESIGN.md. */
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/target.h"
#include "unit.h"

/* Parses s, which must succeed; prints the error when it does not. */
static int
ok_parse(const char *s, struct target *t)
{
	struct door_err e;

	err_clear(&e);
	if (target_parse(s, t, &e) != 0) {
		printf("#   target_parse(\"%s\") failed: %s\n", s, e.msg);
		return -1;
	}
	return 0;
}

TEST(bare_port)
{
	struct target t;

	CHECK_EQ_INT(ok_parse("3000", &t), 0);
	CHECK_STR(t.host, "");
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3000);
	CHECK(!t.is_url);
	CHECK(!t.host_is_ip);
	CHECK(target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse(":3000", &t), 0);
	CHECK_STR(t.host, "");
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3000);
	CHECK_EQ_INT(ok_parse("1", &t), 0);
	CHECK_EQ_INT(t.port_lo, 1);
	CHECK_EQ_INT(ok_parse("65535", &t), 0);
	CHECK_EQ_INT(t.port_lo, 65535);
}

TEST(port_range)
{
	struct target t;

	CHECK_EQ_INT(ok_parse("3000-3010", &t), 0);
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3010);
	CHECK_STR(t.host, "");
	CHECK_EQ_INT(ok_parse("3000-3000", &t), 0);
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3000);
	CHECK_EQ_INT(ok_parse(":1-65535", &t), 0);
	CHECK_EQ_INT(t.port_lo, 1);
	CHECK_EQ_INT(t.port_hi, 65535);
	CHECK_EQ_INT(ok_parse("host:3000-3010", &t), 0);
	CHECK_STR(t.host, "host");
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3010);
}

TEST(host_port)
{
	struct target t;

	CHECK_EQ_INT(ok_parse("localhost:3000", &t), 0);
	CHECK_STR(t.host, "localhost");
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK(!t.host_is_ip);
	CHECK_EQ_INT(t.host_family, 0);
	CHECK(target_is_loopback(&t));

	CHECK_EQ_INT(ok_parse("127.0.0.1:3000", &t), 0);
	CHECK_STR(t.host, "127.0.0.1");
	CHECK(t.host_is_ip);
	CHECK_EQ_INT(t.host_family, AF_INET);
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK(target_is_loopback(&t));

	CHECK_EQ_INT(ok_parse("[::1]:3000", &t), 0);
	CHECK_STR(t.host, "::1");
	CHECK(t.host_is_ip);
	CHECK_EQ_INT(t.host_family, AF_INET6);
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3000);
	CHECK(target_is_loopback(&t));

	CHECK_EQ_INT(ok_parse("db.local:5432", &t), 0);
	CHECK_STR(t.host, "db.local");
	CHECK(!t.host_is_ip);
	CHECK_EQ_INT(t.port_lo, 5432);
	CHECK(!target_is_loopback(&t));

	CHECK_EQ_INT(ok_parse("10.0.0.7:80", &t), 0);
	CHECK(t.host_is_ip);
	CHECK(!target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("127.8.9.10:80", &t), 0);
	CHECK(target_is_loopback(&t));   /* all of 127/8 */
	CHECK_EQ_INT(ok_parse("[2001:db8::1]:443", &t), 0);
	CHECK_STR(t.host, "2001:db8::1");
	CHECK_EQ_INT(t.host_family, AF_INET6);
	CHECK(!target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("[fe80::1%eth0]:22", &t), 0);
	CHECK_STR(t.host, "fe80::1%eth0");
	CHECK_EQ_INT(t.port_lo, 22);
	CHECK_EQ_INT(ok_parse("my_container:8080", &t), 0);
	CHECK_STR(t.host, "my_container");
	CHECK_EQ_INT(ok_parse("LOCALHOST:1", &t), 0);
	CHECK(target_is_loopback(&t));
}

TEST(urls)
{
	struct target t;

	CHECK_EQ_INT(ok_parse("http://localhost:3000/x?y#z", &t), 0);
	CHECK(t.is_url);
	CHECK_STR(t.scheme, "http");
	CHECK_STR(t.host, "localhost");
	CHECK_EQ_INT(t.port_lo, 3000);
	CHECK_EQ_INT(t.port_hi, 3000);
	CHECK(!t.port_from_scheme);
	CHECK_STR(t.path, "/x?y");   /* the fragment never reaches a server */

	CHECK_EQ_INT(ok_parse("https://h", &t), 0);
	CHECK(t.is_url);
	CHECK_STR(t.scheme, "https");
	CHECK_STR(t.host, "h");
	CHECK_EQ_INT(t.port_lo, 443);
	CHECK_EQ_INT(t.port_hi, 443);
	CHECK(t.port_from_scheme);
	CHECK_STR(t.path, "/");

	CHECK_EQ_INT(ok_parse("http://user:pw@host:8080/p", &t), 0);
	CHECK_STR(t.host, "host");
	CHECK_EQ_INT(t.port_lo, 8080);
	CHECK_STR(t.path, "/p");

	CHECK_EQ_INT(ok_parse("postgres://app:s3cret@db.local/shop", &t), 0);
	CHECK_STR(t.host, "db.local");
	CHECK_EQ_INT(t.port_lo, 5432);
	CHECK(t.port_from_scheme);
	CHECK_STR(t.path, "/shop");

	CHECK_EQ_INT(ok_parse("http://[::1]:8000/", &t), 0);
	CHECK_STR(t.host, "::1");
	CHECK_EQ_INT(t.host_family, AF_INET6);
	CHECK_EQ_INT(t.port_lo, 8000);
	CHECK_STR(t.path, "/");

	CHECK_EQ_INT(ok_parse("http://[::1]/", &t), 0);
	CHECK_EQ_INT(t.port_lo, 80);
	CHECK(t.port_from_scheme);

	CHECK_EQ_INT(ok_parse("http://localhost:3000?q=1", &t), 0);
	CHECK_STR(t.path, "/?q=1");
	CHECK_EQ_INT(ok_parse("http://localhost#frag", &t), 0);
	CHECK_STR(t.path, "/");
	CHECK_EQ_INT(t.port_lo, 80);
	CHECK_EQ_INT(ok_parse("HTTPS://Example.COM", &t), 0);
	CHECK_EQ_INT(t.port_lo, 443);
	CHECK_EQ_INT(ok_parse("redis://127.0.0.1", &t), 0);
	CHECK_EQ_INT(t.port_lo, 6379);
	CHECK(t.host_is_ip);
	CHECK(target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("ws://h:1/a/b/c", &t), 0);
	CHECK_STR(t.path, "/a/b/c");
}

TEST(scheme_ports)
{
	CHECK_EQ_INT(scheme_default_port("http", 4), 80);
	CHECK_EQ_INT(scheme_default_port("https", 5), 443);
	CHECK_EQ_INT(scheme_default_port("HTTPS", 5), 443);
	CHECK_EQ_INT(scheme_default_port("postgresql", 10), 5432);
	CHECK_EQ_INT(scheme_default_port("redis", 5), 6379);
	CHECK_EQ_INT(scheme_default_port("httpsx", 5), 443);  /* len counts */
	CHECK_EQ_INT(scheme_default_port("http", 3), 0);
	CHECK_EQ_INT(scheme_default_port("gopher", 6), 0);
	CHECK_EQ_INT(scheme_default_port("", 0), 0);
}

/* Must fail with DOOR_USAGE and a message; the target is not half-used. */
static void
bad(const char *s, const char *want_in_msg, const char *file, int line)
{
	struct target   t;
	struct door_err e;
	int             rc;

	err_clear(&e);
	rc = target_parse(s, &t, &e);
	if (rc != -1 || e.status != DOOR_USAGE || e.msg[0] == '\0' ||
	    (want_in_msg != NULL && strstr(e.msg, want_in_msg) == NULL)) {
		unit_fail_head(file, line);
		printf("target_parse(");
		unit_print_bytes(s, strlen(s));
		printf(") = %d, status %d, msg \"%s\" (wanted \"%s\")\n", rc,
		    (int)e.status, e.msg, want_in_msg ? want_in_msg : "");
	}
}
#define BAD(s, m) bad((s), (m), __FILE__, __LINE__)

TEST(bad_targets)
{
	char long_host[400];

	BAD("0", "port 0");
	BAD(":0", "port 0");
	BAD("70000", "out of range");
	BAD("65536", "out of range");
	BAD("abc", "no port");
	BAD("3010-3000", "reversed");
	BAD("::1:3000", NULL);
	BAD("::1", NULL);
	BAD("[::1]", "no port");
	BAD("[::1]:", "missing");
	BAD("[::1", "']'");
	BAD("[::1]x", "':PORT'");
	BAD("[not-v6]:80", "not an IPv6");
	BAD("[]:80", NULL);
	BAD("", "empty");
	BAD(" 3000", "spaces");
	BAD("3000 ", "spaces");
	BAD("local host:3000", "spaces");
	BAD("a\tb:1", "control");
	BAD("a\x7f:1", "control");
	BAD("\x1b[2J:1", "control");
	BAD("99999999999999999999999", "not a port");
	BAD("18446744073709551617", NULL);
	BAD("3000-", "not a port");
	BAD("-3000", "not a port");
	BAD("-", NULL);
	BAD("1-2-3", NULL);
	BAD(":", "missing");
	BAD("localhost:", "missing");
	BAD(":localhost", NULL);
	BAD("localhost:http", "not a port");
	BAD("localhost:0", "port 0");
	BAD("host:3000:4000", "brackets");
	BAD("-host:1", "not a host");
	BAD(".host:1", "not a host");
	BAD("h@st:1", "not a host");
	BAD("héllo:1", "not a host");
	BAD("http://", "no host");
	BAD("://x", "scheme");
	BAD("1http://x", "scheme");
	BAD("ht_tp://x", "scheme");
	BAD("averyveryverylongscheme://x", "too long");
	BAD("gopher://host", "no default port");
	BAD("http://host:0/", "port 0");
	BAD("http://host:99999/", "out of range");
	BAD("http://host:3000-3010/", "one port");
	BAD("http://user@/x", "no host");
	BAD("http://[::1/", "']'");
	memset(long_host, 'a', sizeof long_host - 3);
	memcpy(long_host + sizeof long_host - 3, ":1", 3);
	BAD(long_host, "too long");
}

TEST(error_message_is_clipped)
{
	struct target   t;
	struct door_err e;
	char            s[2000];

	memset(s, 'x', sizeof s - 1);
	s[sizeof s - 1] = '\0';
	CHECK_EQ_INT(target_parse(s, &t, &e), -1);
	CHECK(strlen(e.msg) < 200);
	CHECK(strstr(e.msg, "...") != NULL);
	CHECK_EQ_INT(target_parse(NULL, &t, &e), -1);
	CHECK_EQ_INT(e.status, DOOR_USAGE);
}

TEST(long_url_path)
{
	struct target   t;
	struct door_err e;
	char            s[TARGET_PATH_MAX + 64];
	size_t          pre = strlen("http://h");

	/* a path of exactly TARGET_PATH_MAX - 1 bytes fits */
	memcpy(s, "http://h/", pre + 1);
	memset(s + pre + 1, 'p', TARGET_PATH_MAX - 2);
	s[pre + TARGET_PATH_MAX - 1] = '\0';
	CHECK_EQ_INT(ok_parse(s, &t), 0);
	CHECK_EQ_UINT(strlen(t.path), TARGET_PATH_MAX - 1);
	/* one more byte is an error, not a silent cut */
	memset(s + pre + 1, 'p', TARGET_PATH_MAX - 1);
	s[pre + TARGET_PATH_MAX] = '\0';
	CHECK_EQ_INT(target_parse(s, &t, &e), -1);
	CHECK_EQ_INT(e.status, DOOR_USAGE);
}

TEST(long_url_query_not_cut)
{
	struct target   t;
	struct door_err e;
	char            s[TARGET_PATH_MAX + 64];
	size_t          pre = strlen("http://h");
	int             rc;

	/* "?" + 2046 bytes: the path becomes "/?..." of 2048 bytes, one
	 * more than fits. It must be refused, or kept whole - not cut. */
	memcpy(s, "http://h?", pre + 2);
	memset(s + pre + 1, 'q', TARGET_PATH_MAX - 2);
	s[pre + TARGET_PATH_MAX - 1] = '\0';
	rc = target_parse(s, &t, &e);
	if (rc == 0)
		CHECK_EQ_UINT(strlen(t.path), strlen(s + pre) + 1);
	else
		CHECK_EQ_INT(e.status, DOOR_USAGE);
}

TEST(port_range_parse_direct)
{
	uint16_t        lo = 0, hi = 0;
	struct door_err e;

	CHECK_EQ_INT(port_range_parse("8000-8010", 9, &lo, &hi, &e), 0);
	CHECK_EQ_INT(lo, 8000);
	CHECK_EQ_INT(hi, 8010);
	CHECK_EQ_INT(port_range_parse("8000-8010", 4, &lo, &hi, &e), 0);
	CHECK_EQ_INT(lo, 8000);
	CHECK_EQ_INT(hi, 8000);
	CHECK_EQ_INT(port_range_parse("", 0, &lo, &hi, &e), -1);
	CHECK_EQ_INT(e.status, DOOR_USAGE);
	CHECK_EQ_INT(port_range_parse("9-8", 3, &lo, &hi, &e), -1);
	CHECK(strstr(e.msg, "8-9") != NULL);   /* says how to write it */
	CHECK_EQ_INT(port_range_parse("1-65536", 7, &lo, &hi, &e), -1);
	CHECK_EQ_INT(port_range_parse("0-5", 3, &lo, &hi, &e), -1);
	CHECK_EQ_INT(port_range_parse("5-", 2, &lo, &hi, &e), -1);
	CHECK_EQ_INT(port_range_parse("+5", 2, &lo, &hi, &e), -1);
}

TEST(loopback_classes)
{
	struct target t;

	memset(&t, 0, sizeof t);
	CHECK(target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("localhost.:1", &t), 0);
	CHECK(target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("128.0.0.1:1", &t), 0);
	CHECK(!target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("[::2]:1", &t), 0);
	CHECK(!target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("[::]:1", &t), 0);
	CHECK(!target_is_loopback(&t));
	CHECK_EQ_INT(ok_parse("localhostx:1", &t), 0);
	CHECK(!target_is_loopback(&t));
}
