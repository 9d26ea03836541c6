/* test-endpoint.c - src/core/endpoint.h: address text and classes. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/endpoint.h"
#include "unit.h"

static struct endpoint
ep(const char *addr, uint16_t port)
{
	struct endpoint e;

	memset(&e, 0, sizeof e);
	e.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(e.family, addr, e.addr) != 1)
		printf("#   bad test address %s\n", addr);
	e.port = port;
	return e;
}

TEST(text)
{
	struct endpoint e;
	char            b[ENDPOINT_ADDR_MAX + 16];

	e = ep("127.0.0.1", 3000);
	endpoint_addr(&e, b, sizeof b);
	CHECK_STR(b, "127.0.0.1");
	endpoint_full(&e, b, sizeof b);
	CHECK_STR(b, "127.0.0.1:3000");
	e = ep("::1", 3000);
	endpoint_addr(&e, b, sizeof b);
	CHECK_STR(b, "::1");
	endpoint_full(&e, b, sizeof b);
	CHECK_STR(b, "[::1]:3000");
	e = ep("::", 0);
	endpoint_full(&e, b, sizeof b);
	CHECK_STR(b, "[::]:0");
	e = ep("::ffff:127.0.0.1", 65535);
	endpoint_full(&e, b, sizeof b);
	CHECK_STR(b, "[::ffff:127.0.0.1]:65535");
	e = ep("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	endpoint_full(&e, b, sizeof b);
	CHECK_STR(b, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* a small buffer is cut and terminated, never overrun */
	memset(b, 'Z', sizeof b);
	endpoint_full(&e, b, 6);
	CHECK_STR(b, "[ffff");
	CHECK_EQ_INT(b[6], 'Z');
	/* an unknown family: no crash, a visible placeholder */
	memset(&e, 0, sizeof e);
	endpoint_addr(&e, b, sizeof b);
	CHECK_STR(b, "?");
}

TEST(classes)
{
	struct endpoint e;

	e = ep("0.0.0.0", 1);
	CHECK(endpoint_is_any(&e));
	CHECK(!endpoint_is_loopback(&e));
	e = ep("::", 1);
	CHECK(endpoint_is_any(&e));
	CHECK(!endpoint_is_loopback(&e));
	CHECK(!endpoint_is_v4mapped(&e));
	e = ep("127.0.0.1", 1);
	CHECK(!endpoint_is_any(&e));
	CHECK(endpoint_is_loopback(&e));
	e = ep("127.255.0.9", 1);
	CHECK(endpoint_is_loopback(&e));
	e = ep("128.0.0.1", 1);
	CHECK(!endpoint_is_loopback(&e));
	e = ep("::1", 1);
	CHECK(endpoint_is_loopback(&e));
	CHECK(!endpoint_is_any(&e));
	e = ep("::2", 1);
	CHECK(!endpoint_is_loopback(&e));
	e = ep("::ffff:127.0.0.1", 1);
	CHECK(endpoint_is_v4mapped(&e));
	CHECK(endpoint_is_loopback(&e));
	e = ep("::ffff:10.0.0.1", 1);
	CHECK(endpoint_is_v4mapped(&e));
	CHECK(!endpoint_is_loopback(&e));
	e = ep("10.0.0.1", 1);
	CHECK(!endpoint_is_v4mapped(&e));   /* AF_INET is never "mapped" */
	/* IPv4 any looks only at 4 bytes, whatever follows */
	e = ep("0.0.0.0", 1);
	memset(e.addr + 4, 0xee, 12);
	CHECK(endpoint_is_any(&e));
}

TEST(compare)
{
	struct endpoint a, b;

	a = ep("127.0.0.1", 80);
	b = ep("::1", 80);
	CHECK(endpoint_cmp(&a, &b) < 0);   /* IPv4 first */
	CHECK(endpoint_cmp(&b, &a) > 0);
	b = ep("127.0.0.2", 1);
	CHECK(endpoint_cmp(&a, &b) < 0);   /* address before port */
	b = ep("127.0.0.1", 81);
	CHECK(endpoint_cmp(&a, &b) < 0);
	CHECK(endpoint_cmp(&b, &a) > 0);
	b = ep("127.0.0.1", 80);
	CHECK_EQ_INT(endpoint_cmp(&a, &b), 0);
	a = ep("::1", 65535);
	b = ep("::1", 1);
	CHECK(endpoint_cmp(&a, &b) > 0);
	/* bytes past an IPv4 address do not count */
	a = ep("10.0.0.1", 5);
	b = ep("10.0.0.1", 5);
	memset(b.addr + 4, 0x77, 12);
	CHECK_EQ_INT(endpoint_cmp(&a, &b), 0);
}

TEST(names)
{
	struct sock k;

	CHECK_STR(family_name(AF_INET), "ipv4");
	CHECK_STR(family_name(AF_INET6), "ipv6");
	CHECK_STR(proto_name(PROTO_TCP), "tcp");
	CHECK_STR(proto_name(PROTO_UDP), "udp");
	memset(&k, 0, sizeof k);
	k.proto = PROTO_UDP;
	k.state = SK_CLOSE;
	CHECK_STR(sock_state_name(&k), "UNCONN");
	k.state = SK_ESTABLISHED;
	CHECK_STR(sock_state_name(&k), "ESTABLISHED");
	k.proto = PROTO_TCP;
	k.state = SK_CLOSE;
	CHECK_STR(sock_state_name(&k), "CLOSE");
	k.state = SK_LISTEN;
	CHECK_STR(sock_state_name(&k), "LISTEN");
	k.state = (enum sk_state)200;
	CHECK_STR(sock_state_name(&k), "UNKNOWN");
}
