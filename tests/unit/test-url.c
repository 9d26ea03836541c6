/* test-url.c - src/url/parse.c: splitting a URL, and pointing at the bad
 * part of a malformed one. */
#include "url/url.h"
#include "unit.h"

static int
split(const char *s, struct url_parts *u, size_t *at, size_t *len)
{
	char msg[256];

	return url_split(s, u, msg, sizeof msg, at, len);
}

TEST(full_url)
{
	struct url_parts u;
	size_t           at, len;

	CHECK_EQ_INT(split("http://localhost:3000/pricing?plan=pro#top", &u,
	    &at, &len), 0);
	CHECK_STR(u.scheme, "http");
	CHECK(u.scheme_given);
	CHECK_STR(u.host, "localhost");
	CHECK_EQ_UINT(u.port, 3000);
	CHECK(u.port_given);
	CHECK_STR(u.path, "/pricing");
	CHECK_STR(u.query, "plan=pro");
	CHECK_STR(u.normal, "http://localhost:3000/pricing?plan=pro");
}

TEST(defaults)
{
	struct url_parts u;
	size_t           at, len;

	CHECK_EQ_INT(split("localhost:3000/pricing", &u, &at, &len), 0);
	CHECK_STR(u.scheme, "http");
	CHECK(!u.scheme_given);
	CHECK_EQ_UINT(u.port, 3000);
	CHECK_EQ_INT(split("HTTPS://example.test", &u, &at, &len), 0);
	CHECK_STR(u.scheme, "https");
	CHECK_EQ_UINT(u.port, 443);
	CHECK(!u.port_given);
	CHECK_STR(u.path, "/");
	CHECK_EQ_INT(split("http://user:pw@[::1]:8080", &u, &at, &len), 0);
	CHECK_STR(u.host, "::1");
	CHECK(u.host_is_v6);
	CHECK_EQ_UINT(u.port, 8080);
	CHECK_STR(u.normal, "http://[::1]:8080/");
}

TEST(points_at_the_bad_part)
{
	struct url_parts u;
	size_t           at, len;

	CHECK_EQ_INT(split("http://localhost:99999/x", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 17);
	CHECK_EQ_UINT(len, 5);
	CHECK_EQ_INT(split("http://localhost:30x0/", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 17);
	CHECK_EQ_INT(split("ftp://host/", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 0);
	CHECK_EQ_UINT(len, 3);
	CHECK_EQ_INT(split("http://lo$t/", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 9);
	CHECK_EQ_INT(split("http://a b/", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 8);
	CHECK_EQ_INT(split("http://[::1/", &u, &at, &len), -1);
	CHECK_EQ_INT(split("http://[::1]x/", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 12);
	CHECK_EQ_INT(split("http:///path", &u, &at, &len), -1);
	CHECK_EQ_INT(split("http://h:/", &u, &at, &len), -1);
	CHECK_EQ_INT(split("http://h/%zz", &u, &at, &len), -1);
	CHECK_EQ_UINT(at, 9);
	CHECK_EQ_INT(split("", &u, &at, &len), -1);
	CHECK_EQ_INT(split("://x", &u, &at, &len), -1);
}
