/* portfree.c - is a port free: test binds on both families, the ephemeral
 * range, and randomness for door next --random. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/num.h"
#include "platform/platform.h"

/* One bind, released at once. 1 bound, 0 refused (why says how), -1 on a
 * system error. */
static int
try_bind(int family, enum proto proto, uint16_t port, unsigned *why,
    struct door_err *e)
{
	struct sockaddr_storage ss;
	socklen_t               sl;
	int                     fd, rc, err;
	int                     type = proto == PROTO_UDP ? SOCK_DGRAM :
	    SOCK_STREAM;

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (family == AF_INET6 && (errno == EAFNOSUPPORT ||
		    errno == EPROTONOSUPPORT)) {
			*why |= PORTFREE_NO_IPV6;
			return 1;
		}
		return err_sys(e, errno, "cannot open a test socket");
	}
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		int                  one = 1;

		/* [::] alone, so that 0.0.0.0 is asked separately: a dual-stack
		 * bind would fail on a v4 holder and hide a v6 one behind it */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof one) != 0) {
			err = errno;
			close(fd);
			return err_sys(e, err, "cannot set IPV6_V6ONLY");
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
		sl = sizeof *s4;
	}
	/* no SO_REUSEADDR: see platform.h */
	rc = bind(fd, (struct sockaddr *)&ss, sl);
	err = errno;
	close(fd);
	if (rc == 0)
		return 1;
	switch (err) {
	case EADDRINUSE:
		*why |= PORTFREE_IN_USE;
		return 0;
	case EACCES:
	case EPERM:
		*why |= PORTFREE_DENIED;
		return 0;
	case EADDRNOTAVAIL:
		/* [::] is not available: IPv6 is disabled here */
		if (family == AF_INET6) {
			*why |= PORTFREE_NO_IPV6;
			return 1;
		}
		break;
	}
	return err_sys(e, err, "test bind on %s port %u",
	    family == AF_INET6 ? "[::]" : "0.0.0.0", (unsigned)port);
}

int
platform_port_free(enum proto proto, uint16_t port, unsigned *why,
    struct door_err *e)
{
	int rc;

	*why = 0;
	if (port == 0)
		return err_set(e, DOOR_USAGE, "port 0 is not a door");
	rc = try_bind(AF_INET, proto, port, why, e);
	if (rc != 1)
		return rc;
	return try_bind(AF_INET6, proto, port, why, e);
}

int
platform_ephemeral_range(uint16_t *lo, uint16_t *hi, struct door_err *e)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_local_port_range";
	char              b[64];
	ssize_t           n;
	size_t            i = 0, len, a0, a1, b0, b1;
	uint64_t          va, vb;
	int               fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "cannot read %s", path);
	n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n < 0)
		return err_sys(e, errno, "cannot read %s", path);
	len = (size_t)n;
	/* "32768\t60999\n": two numbers, any blanks around them */
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	a0 = i;
	while (i < len && b[i] >= '0' && b[i] <= '9')
		i++;
	a1 = i;
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	b0 = i;
	while (i < len && b[i] >= '0' && b[i] <= '9')
		i++;
	b1 = i;
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n'))
		i++;
	if (i != len || num_parse_u64(b + a0, a1 - a0, 1, 65535, &va) != 0 ||
	    num_parse_u64(b + b0, b1 - b0, 1, 65535, &vb) != 0 || va > vb)
		return err_set(e, DOOR_SYSTEM, "%s does not hold a port range",
		    path);
	*lo = (uint16_t)va;
	*hi = (uint16_t)vb;
	return 0;
}

int
platform_random(void *buf, size_t len, struct door_err *e)
{
	if (len > 256)
		return err_set(e, DOOR_SYSTEM, "asked for %zu random bytes, at "
		    "most 256", len);
	/* getrandom never returns short for 256 bytes or less once the pool
	 * is ready; EINTR can only come before any byte is read */
	for (int tries = 0; tries < 8; tries++) {
		ssize_t n = getrandom(buf, len, 0);

		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno != EINTR)
			return err_sys(e, errno, "getrandom");
	}
	return err_set(e, DOOR_SYSTEM, "getrandom kept being interrupted");
}
