/*
 * verdict.c - what a knock's answer means: the states, the errno behind
 * them, and comparing socket addresses (engine.h, engine_int.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "knock/engine_int.h"

const char *
knock_state_name(enum knock_state s)
{
	switch (s) {
	case KNOCK_OPEN:
		return "open";
	case KNOCK_REFUSED:
		return "refused";
	case KNOCK_TIMEOUT:
		return "timeout";
	case KNOCK_UNREACHABLE:
		return "unreachable";
	case KNOCK_ERROR:
		break;
	}
	return "error";
}

enum knock_state
knock_classify(int err)
{
	switch (err) {
	case 0:
		return KNOCK_OPEN;
	case ECONNREFUSED:
		return KNOCK_REFUSED;
	case ETIMEDOUT:
		return KNOCK_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	/* No source address for the route (e.g. ::1 with IPv6 off on lo). */
	case EADDRNOTAVAIL:
	/* socket(AF_INET6) on a kernel without IPv6. */
	case EAFNOSUPPORT:
		return KNOCK_UNREACHABLE;
	default:
		return KNOCK_ERROR;
	}
}

void
knock_job_init(struct knock_job *j, const struct sockaddr *addr,
    socklen_t len, uint16_t port)
{
	memset(j, 0, sizeof *j);
	if (len > sizeof j->addr)
		len = sizeof j->addr;
	memcpy(&j->addr, addr, len);
	j->len = len;
	if (port != 0 && addr->sa_family == AF_INET)
		((struct sockaddr_in *)(void *)&j->addr)->sin_port =
		    htons(port);
	else if (port != 0 && addr->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&j->addr)->sin6_port =
		    htons(port);
	j->state = KNOCK_ERROR;
}

bool
knock_same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

bool
knock_same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->
		    sin_addr.s_addr ==
		    ((const struct sockaddr_in *)(const void *)b)->
		    sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->
		    sin6_addr, &((const struct sockaddr_in6 *)(const void *)b)->
		    sin6_addr, 16) == 0;
	return false;
}

uint16_t
knock_port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return 0;
}
