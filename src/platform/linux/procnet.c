/* procnet.c - the /proc/net fallback: read the file, hand it to the parser. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/linux/linux.h"

/* /proc/net/tcp has 150-byte lines; 64 MiB is ~400k sockets. */
#define PROCNET_MAX (64u << 20)

int
procnet_gather(enum proto proto, int family, const struct sock_filter *f,
    struct snap *snap, struct door_err *e)
{
	const char *path;
	char       *buf = NULL;
	size_t      len = 0, cap = 0;
	int         fd, rc;

	if (proto == PROTO_TCP)
		path = family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
	else
		path = family == AF_INET ? "/proc/net/udp" : "/proc/net/udp6";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* no IPv6 in this kernel, or no /proc/net: nothing to list */
		if (errno == ENOENT)
			return 0;
		return err_sys(e, errno, "%s", path);
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char  *nb;

			if (ncap > PROCNET_MAX) {
				free(buf);
				close(fd);
				return err_set(e, DOOR_SYSTEM, "%s is larger than "
				    "%u MiB", path, PROCNET_MAX >> 20);
			}
			nb = realloc(buf, ncap);
			if (nb == NULL) {
				free(buf);
				close(fd);
				return err_set(e, DOOR_SYSTEM, "out of memory");
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(e, errno, "%s", path);
			free(buf);
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = procnet_parse(buf, len, proto, family, f, snap, e);
	free(buf);
	return rc;
}
