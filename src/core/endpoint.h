/* endpoint.h - address facts and text for struct endpoint. */
#ifndef DOOR_CORE_ENDPOINT_H
#define DOOR_CORE_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/records.h"

#define ENDPOINT_ADDR_MAX 48   /* INET6_ADDRSTRLEN and then some */

/* "127.0.0.1", "::1" (no brackets, no port). */
void	endpoint_addr(const struct endpoint *, char *buf, size_t size);
/* "127.0.0.1:3000", "[::1]:3000". */
void	endpoint_full(const struct endpoint *, char *buf, size_t size);
bool	endpoint_is_any(const struct endpoint *);        /* 0.0.0.0, :: */
bool	endpoint_is_loopback(const struct endpoint *);   /* 127/8, ::1 */
/* ::ffff:a.b.c.d: an IPv4 peer seen through a dual-stack socket */
bool	endpoint_is_v4mapped(const struct endpoint *);
int	endpoint_cmp(const struct endpoint *, const struct endpoint *);
const char	*family_name(int family);   /* "ipv4", "ipv6" */
const char	*proto_name(enum proto);     /* "tcp", "udp" */
/* "LISTEN", "UNCONN" for unconnected UDP, else the kernel state. */
const char	*sock_state_name(const struct sock *);

#endif
