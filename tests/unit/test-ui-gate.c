/* test-ui-gate.c - src/ui/gate.h: door ui's Host, Origin, Sec-Fetch-Site
 * and token checks (pure). */
#include <string.h>

#include "ui/gate.h"
#include "unit.h"

static bool
host(const char *h, uint16_t port)
{
	return ui_host_ok(h, strlen(h), port);
}

TEST(host_loopback_names)
{
	CHECK(host("127.0.0.1:3667", 3667));
	CHECK(host("[::1]:3667", 3667));
	CHECK(host("localhost:3667", 3667));
	CHECK(host("LOCALHOST:3667", 3667));
	CHECK(host("LocalHost:1", 1));
	CHECK(host("127.0.0.1:65535", 65535));
}

TEST(host_rebinding_refused)
{
	CHECK(!host("evil.example:3667", 3667));
	CHECK(!host("evil.example", 3667));
	CHECK(!host("127.0.0.1", 3667));          /* no port */
	CHECK(!host("localhost", 3667));
	CHECK(!host("127.0.0.1:3668", 3667));     /* another port */
	CHECK(!host("127.0.0.1:03667", 3667));    /* not as browsers write it */
	CHECK(!host("127.0.0.1:3667 ", 3667));
	CHECK(!host(" 127.0.0.1:3667", 3667));
	CHECK(!host("127.0.0.2:3667", 3667));
	CHECK(!host("127.1:3667", 3667));
	CHECK(!host("0.0.0.0:3667", 3667));
	CHECK(!host("[::]:3667", 3667));
	CHECK(!host("[::1]3667", 3667));
	CHECK(!host("::1:3667", 3667));
	CHECK(!host("localhost.:3667", 3667));    /* a trailing dot */
	CHECK(!host("localhost:3667.evil.example", 3667));
	CHECK(!host("evil.localhost:3667", 3667));
	CHECK(!host("localhost:", 3667));
	CHECK(!host("", 3667));
	CHECK(!ui_host_ok(NULL, 0, 3667));
	CHECK(!host("127.0.0.1:0", 0));
	/* the length is what counts, not a NUL */
	CHECK(!ui_host_ok("127.0.0.1:3667\0x", 16, 3667));
	CHECK(ui_host_ok("127.0.0.1:3667xx", 14, 3667));
}

TEST(origin_is_the_host)
{
	const char *h = "127.0.0.1:3667";

	CHECK(ui_origin_ok("http://127.0.0.1:3667", 21, h, strlen(h)));
	CHECK(!ui_origin_ok("https://127.0.0.1:3667", 22, h, strlen(h)));
	CHECK(!ui_origin_ok("http://localhost:3667", 21, h, strlen(h)));
	CHECK(!ui_origin_ok("http://evil.example", 19, h, strlen(h)));
	CHECK(!ui_origin_ok("null", 4, h, strlen(h)));
	CHECK(!ui_origin_ok("http://127.0.0.1:36670", 22, h, strlen(h)));
	CHECK(!ui_origin_ok("http://127.0.0.1:366", 20, h, strlen(h)));
	CHECK(!ui_origin_ok("", 0, h, strlen(h)));
	CHECK(!ui_origin_ok(NULL, 0, h, strlen(h)));
	CHECK(ui_origin_ok("http://LOCALHOST:3667", 21, "localhost:3667", 14));
}

TEST(fetch_site)
{
	CHECK(ui_fetch_site_ok(NULL));
	CHECK(ui_fetch_site_ok("same-origin"));
	CHECK(ui_fetch_site_ok("none"));
	CHECK(!ui_fetch_site_ok("same-site"));
	CHECK(!ui_fetch_site_ok("cross-site"));
	CHECK(!ui_fetch_site_ok(""));
	CHECK(!ui_fetch_site_ok("same-origin "));
}

TEST(token)
{
	unsigned char raw[UI_TOKEN_BYTES];
	char          t[UI_TOKEN_LEN + 1], other[UI_TOKEN_LEN + 2];

	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	ui_token_hex(raw, t);
	CHECK_EQ_UINT(strlen(t), UI_TOKEN_LEN);
	CHECK(strspn(t, "0123456789abcdef") == UI_TOKEN_LEN);
	CHECK(ui_token_eq(t, UI_TOKEN_LEN, t));
	memcpy(other, t, sizeof t);
	other[UI_TOKEN_LEN - 1] ^= 1;
	CHECK(!ui_token_eq(other, UI_TOKEN_LEN, t));
	other[UI_TOKEN_LEN - 1] ^= 1;
	other[0] ^= 1;
	CHECK(!ui_token_eq(other, UI_TOKEN_LEN, t));
	CHECK(!ui_token_eq(t, UI_TOKEN_LEN - 1, t));    /* a prefix */
	memcpy(other, t, UI_TOKEN_LEN);
	other[UI_TOKEN_LEN] = 'a';
	CHECK(!ui_token_eq(other, UI_TOKEN_LEN + 1, t)); /* longer */
	CHECK(!ui_token_eq("", 0, t));
	CHECK(!ui_token_eq(NULL, 0, t));
}
