/* resolve.h - every address of a TARGET's host, IPv4 and IPv6. */
#ifndef DOOR_KNOCK_RESOLVE_H
#define DOOR_KNOCK_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "core/target.h"

#define KNOCK_ADDR_TEXT	64	/* "::1", "fe80::1%eth0" */
#define KNOCK_WHY_MAX	128

struct knock_addr {
	int                     family;   /* AF_INET or AF_INET6 */
	struct sockaddr_storage ss;       /* port 0: the caller sets it per job */
	socklen_t               len;
	char                    text[KNOCK_ADDR_TEXT];  /* no brackets, no port */
};

/*
 * Fills *out (malloc'd, free with free()) with every address of t->host,
 * IPv4 first then IPv6, each once, in the resolver's order otherwise.
 * No host or "localhost" is always 127.0.0.1 and ::1, whatever /etc/hosts
 * says: a server may listen on either, so a knock tries both.
 *
 * A name that does not resolve is an answer about that target, not a
 * failure of door: it returns 0 with *n == 0 and the resolver's reason in
 * why ("no such host", "temporary failure in name resolution"...). -1 (and
 * e) only when the machine fails: out of memory, a resolver system error.
 */
int	knock_resolve(const struct target *t, struct knock_addr **out,
	    size_t *n, char *why, size_t whysize, struct door_err *e);

/* Sets the port (host order) of a resolved address, or of any sockaddr_in
 * or sockaddr_in6 in ss. */
void	knock_addr_set_port(struct sockaddr_storage *ss, uint16_t port);

/* "127.0.0.1:3000", "[::1]:3000" for any AF_INET/AF_INET6 sockaddr. */
void	knock_addr_format(const struct sockaddr *sa, char *buf, size_t size);

#endif
