/* linux.h - what the Linux platform's files share among themselves. */
#ifndef DOOR_LINUX_H
#define DOOR_LINUX_H

#include "platform/platform.h"
#include "platform/linux/parse.h"

/* One protocol and family over NETLINK_SOCK_DIAG. ENOENT/EPROTONOSUPPORT/
 * EACCES in e->sys_errno tell the caller to fall back to /proc/net. */
struct mnl_socket;
struct mnl_socket	*diag_open(struct door_err *);
void	diag_close(struct mnl_socket *);
int	diag_gather(struct mnl_socket *, enum proto, int family,
	    const struct sock_filter *, struct snap *, struct door_err *);
/* The same from /proc/net; a missing file is an empty table. */
int	procnet_gather(enum proto, int family, const struct sock_filter *,
	    struct snap *, struct door_err *);
/* Finds holders of snap's sockets (platform.h, enum owner_mode). */
int	owners_find(const struct sock_query *, unsigned facts, struct snap *,
	    struct door_err *);
/* Reads the facts named by `want` (PROC_HAVE_*) through an open
 * /proc/PID directory, so a recycled pid can never be read by mistake. */
int	procfacts_read(int piddir, pid_t pid, unsigned want, struct proc *);
/* Pids in the cgroup v2 whose id is `id`, and in its descendants.
 * Returns -1 when the cgroup cannot be found. */
int	cgroup_pids(uint64_t id, pid_t **pids, size_t *n);
/* Reads a whole small file relative to dirfd into buf (NUL-terminated);
 * returns its length or -1 with errno set. */
ssize_t	read_small(int dirfd, const char *path, char *buf, size_t size);

#endif
