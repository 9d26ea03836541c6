/* resolve.c - a TARGET's host to every address it has, v4 then v6. */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "knock/resolve.h"

/* Numeric text of an address, with an IPv6 zone when there is one. */
static void
addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const void *a;

	if (getnameinfo(sa, len, buf, (socklen_t)size, NULL, 0,
	    NI_NUMERICHOST) == 0)
		return;
	a = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (inet_ntop(sa->sa_family, a, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "?");
}

void
knock_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

void
knock_addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char      a[KNOCK_ADDR_TEXT];
	socklen_t len;
	uint16_t  port;

	if (sa->sa_family == AF_INET) {
		len = sizeof(struct sockaddr_in);
		port = ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	} else if (sa->sa_family == AF_INET6) {
		len = sizeof(struct sockaddr_in6);
		port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	} else {
		snprintf(buf, size, "(family %d)", sa->sa_family);
		return;
	}
	addr_text(sa, len, a, sizeof a);
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    a, port);
}

static bool
same_addr(const struct knock_addr *a, const struct sockaddr *sa)
{
	if (a->family != sa->sa_family)
		return false;
	if (a->family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss;
		const struct sockaddr_in *y = (const void *)sa;

		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *x = (const void *)&a->ss;
		const struct sockaddr_in6 *y = (const void *)sa;

		return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 &&
		    x->sin6_scope_id == y->sin6_scope_id;
	}
}

/* Appends sa unless it is already there; the port is cleared. */
static void
add_addr(struct knock_addr *v, size_t *n, const struct sockaddr *sa,
    socklen_t len)
{
	struct knock_addr *a;

	if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    len > sizeof a->ss)
		return;
	for (size_t i = 0; i < *n; i++)
		if (same_addr(&v[i], sa))
			return;
	a = &v[(*n)++];
	memset(a, 0, sizeof *a);
	a->family = sa->sa_family;
	memcpy(&a->ss, sa, len);
	a->len = len;
	knock_addr_set_port(&a->ss, 0);
	addr_text((const struct sockaddr *)&a->ss, a->len, a->text,
	    sizeof a->text);
}

static bool
is_localhost(const char *host)
{
	return host[0] == '\0' || strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0;
}

/* The resolver's failures that say something about the name itself. */
static const char *
gai_reason(int rc)
{
	switch (rc) {
	case EAI_NONAME:
		return "no such host";
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return "the name has no IPv4 or IPv6 address";
	case EAI_AGAIN:
		return "temporary failure in name resolution (no answer from "
		    "the DNS server)";
	case EAI_FAIL:
		return "name resolution failed (the DNS server said so)";
	default:
		return NULL;
	}
}

int
knock_resolve(const struct target *t, struct knock_addr **out, size_t *n,
    char *why, size_t whysize, struct door_err *e)
{
	struct addrinfo    hints, *res = NULL, *ai;
	struct knock_addr *v, *sorted;
	size_t             count = 0, cap = 0, k = 0;
	int                rc;

	*out = NULL;
	*n = 0;
	if (whysize > 0)
		why[0] = '\0';
	if (is_localhost(t->host)) {
		struct sockaddr_in  s4;
		struct sockaddr_in6 s6;

		if ((v = calloc(2, sizeof *v)) == NULL)
			return err_sys(e, errno, "resolving localhost");
		memset(&s4, 0, sizeof s4);
		s4.sin_family = AF_INET;
		s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		memset(&s6, 0, sizeof s6);
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_loopback;
		add_addr(v, &count, (struct sockaddr *)&s4, sizeof s4);
		add_addr(v, &count, (struct sockaddr *)&s6, sizeof s6);
		*out = v;
		*n = count;
		return 0;
	}

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* No AI_ADDRCONFIG: it drops ::1 on a machine whose only IPv6 address
	 * is loopback, and loopback is where door knocks most. */
	hints.ai_flags = t->host_is_ip ? AI_NUMERICHOST : 0;
	rc = getaddrinfo(t->host, NULL, &hints, &res);
	if (rc != 0) {
		const char *r = gai_reason(rc);

		if (rc == EAI_SYSTEM)
			return err_sys(e, errno, "resolving '%s'", t->host);
		if (r == NULL)
			return err_set(e, DOOR_SYSTEM, "resolving '%s': %s",
			    t->host, gai_strerror(rc));
		if (t->host_is_ip)
			r = "not an address this machine can use";
		snprintf(why, whysize, "%s", r);
		return 0;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		cap++;
	if ((v = calloc(cap ? cap : 1, sizeof *v)) == NULL ||
	    (sorted = calloc(cap ? cap : 1, sizeof *sorted)) == NULL) {
		rc = errno;
		free(v);
		freeaddrinfo(res);
		return err_sys(e, rc, "resolving '%s'", t->host);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		add_addr(v, &count, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	/* A stable partition: IPv4 first, each family in resolver order. */
	for (size_t i = 0; i < count; i++)
		if (v[i].family == AF_INET)
			sorted[k++] = v[i];
	for (size_t i = 0; i < count; i++)
		if (v[i].family == AF_INET6)
			sorted[k++] = v[i];
	free(v);
	if (k == 0) {
		free(sorted);
		snprintf(why, whysize, "the name has no IPv4 or IPv6 address");
		return 0;
	}
	*out = sorted;
	*n = k;
	return 0;
}
