/* peer.c - the far end of a connection door made to a local port, as the
 * kernel sees it (platform_peer_state): a probe that hears nothing can say
 * whether the door's process even took the connection. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "core/endpoint.h"
#include "platform/linux/linux.h"

/* An address and port of a socket of ours, as an endpoint. */
static bool
endpoint_of(const struct sockaddr_storage *ss, struct endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		memcpy(ep->addr, &sin->sin_addr, 4);
		ep->port = ntohs(sin->sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		memcpy(ep->addr, &sin6->sin6_addr, 16);
		ep->port = ntohs(sin6->sin6_port);
		return true;
	}
	return false;
}

/* k is ep, or ep seen through a dual-stack socket (::ffff:a.b.c.d). */
static bool
same_end(const struct endpoint *k, const struct endpoint *ep)
{
	if (k->port != ep->port)
		return false;
	if (k->family == ep->family)
		return memcmp(k->addr, ep->addr,
		    ep->family == AF_INET ? 4 : 16) == 0;
	return k->family == AF_INET6 && ep->family == AF_INET &&
	    endpoint_is_v4mapped(k) && memcmp(k->addr + 12, ep->addr, 4) == 0;
}

enum peer_state
platform_peer_state(int fd)
{
	struct sockaddr_storage me, him;
	socklen_t               ml = sizeof me, hl = sizeof him;
	struct endpoint         mine, theirs;
	struct sock_filter      f;
	struct mnl_socket      *nl;
	struct door_err         e;
	struct snap             s;
	enum peer_state         st = PEER_UNKNOWN;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0 ||
	    getpeername(fd, (struct sockaddr *)&him, &hl) != 0 ||
	    !endpoint_of(&me, &mine) || !endpoint_of(&him, &theirs) ||
	    !platform_is_local_address(theirs.family, theirs.addr))
		return PEER_UNKNOWN;
	err_clear(&e);
	if ((nl = diag_open(&e)) == NULL)
		return PEER_UNKNOWN;
	/* the kernel's own filter: the door's port, the states of a
	 * connection made and not yet closed by its far end */
	memset(&f, 0, sizeof f);
	f.states = 1u << SK_ESTABLISHED | 1u << SK_CLOSE_WAIT;
	f.port_lo = f.port_hi = theirs.port;
	f.v4 = f.v6 = true;
	snap_init(&s);
	/* an IPv4 connection to a dual-stack listener is an AF_INET6 socket
	 * on the far side: both families */
	for (int fam = 0; fam < 2 && st == PEER_UNKNOWN; fam++) {
		int family = fam == 0 ? AF_INET : AF_INET6;

		if (family == AF_INET && mine.family != AF_INET)
			continue;
		s.nsocks = 0;
		if (diag_gather(nl, PROTO_TCP, family, &f, &s, &e) != 0)
			break;
		for (size_t i = 0; i < s.nsocks; i++)
			if (same_end(&s.socks[i].remote, &mine) &&
			    same_end(&s.socks[i].local, &theirs)) {
				/* a socket gets its inode from accept() */
				st = s.socks[i].inode == 0 ? PEER_NOT_ACCEPTED :
				    PEER_ACCEPTED;
				break;
			}
	}
	snap_free(&s);
	diag_close(nl);
	return st;
}
