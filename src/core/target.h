/* target.h - TARGET and port-range parsing (DESIGN.md, Command grammar). */
#ifndef DOOR_CORE_TARGET_H
#define DOOR_CORE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define TARGET_HOST_MAX	256
#define TARGET_PATH_MAX	2048

struct target {
	/* Empty when only a port was given: localhost, both families. */
	char     host[TARGET_HOST_MAX];
	bool     host_is_ip;         /* host is an IPv4 or IPv6 literal */
	int      host_family;        /* AF_INET/AF_INET6 for literals, else 0 */
	uint16_t port_lo;
	uint16_t port_hi;            /* == port_lo for a single port */
	/* Only for URLs. */
	bool     is_url;
	bool     port_from_scheme;   /* no explicit port: the scheme's default */
	char     scheme[16];
	char     path[TARGET_PATH_MAX]; /* path and query, "/" when absent */
};

/*
 * Accepts 3000, :3000, 3000-3010, localhost:3000, 127.0.0.1:3000,
 * [::1]:3000, db.local:5432, host:3000-3010 and scheme://host[:port][/path].
 * On error fills `e` with a DOOR_USAGE message that names the bad part.
 */
int	target_parse(const char *s, struct target *t, struct door_err *e);

/* "3000" or "3000-3010", exactly `len` bytes, ports 1-65535, lo <= hi. */
int	port_range_parse(const char *s, size_t len, uint16_t *lo, uint16_t *hi,
	    struct door_err *e);

/* The default port of a URL scheme, 0 when door does not know it. */
uint16_t	scheme_default_port(const char *scheme, size_t len);

/* True when the host names this machine's loopback (or no host was given). */
bool	target_is_loopback(const struct target *t);

#endif
