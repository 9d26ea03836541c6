/* endpoint.c - formatting and classifying addresses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"

void
endpoint_addr(const struct endpoint *ep, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	if (inet_ntop(ep->family, ep->addr, tmp, sizeof tmp) == NULL)
		snprintf(tmp, sizeof tmp, "?");
	snprintf(buf, size, "%s", tmp);
}

void
endpoint_full(const struct endpoint *ep, char *buf, size_t size)
{
	char a[ENDPOINT_ADDR_MAX];

	endpoint_addr(ep, a, sizeof a);
	if (ep->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, size, "%s:%u", a, ep->port);
}

bool
endpoint_is_any(const struct endpoint *ep)
{
	static const uint8_t zero[16];

	return memcmp(ep->addr, zero, ep->family == AF_INET ? 4 : 16) == 0;
}

bool
endpoint_is_v4mapped(const struct endpoint *ep)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	return ep->family == AF_INET6 && memcmp(ep->addr, prefix, 12) == 0;
}

bool
endpoint_is_loopback(const struct endpoint *ep)
{
	static const uint8_t one[16] = { [15] = 1 };

	if (ep->family == AF_INET)
		return ep->addr[0] == 127;
	if (endpoint_is_v4mapped(ep))
		return ep->addr[12] == 127;
	return memcmp(ep->addr, one, 16) == 0;
}

int
endpoint_cmp(const struct endpoint *a, const struct endpoint *b)
{
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	c = memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
	if (c != 0)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

const char *
family_name(int family)
{
	return family == AF_INET ? "ipv4" : "ipv6";
}

const char *
proto_name(enum proto p)
{
	return p == PROTO_TCP ? "tcp" : "udp";
}

const char *
sock_state_name(const struct sock *k)
{
	if (k->proto == PROTO_UDP && k->state == SK_CLOSE)
		return "UNCONN";
	return sk_state_name(k->state);
}
