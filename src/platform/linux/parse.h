/* parse.h - pure parsers of what Linux says (house rule 3): bytes and a
 * length in, a record out; no system calls, bounds-checked, fuzzed. */
#ifndef DOOR_LINUX_PARSE_H
#define DOOR_LINUX_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/records.h"

/* Which sockets a parser keeps: a mask of (1 << SK_*) and a port range. */
struct sock_filter {
	uint32_t states;
	uint16_t port_lo, port_hi;
	bool     v4, v6;
};

/* Whether a socket of this family, state and local port passes f (NULL
 * keeps everything). Both socket parsers apply it. */
static inline bool
sock_filter_keep(const struct sock_filter *f, int family, unsigned state,
    uint16_t port)
{
	if (f == NULL)
		return true;
	if ((family == AF_INET && !f->v4) || (family == AF_INET6 && !f->v6))
		return false;
	if (state >= 32 || !(f->states & (1u << state)))
		return false;
	return port >= f->port_lo && port <= f->port_hi;
}

/*
 * One buffer of a NETLINK_SOCK_DIAG dump (as recv() returned it) into
 * socks. Returns 1 when more buffers follow, 0 at NLMSG_DONE, -1 on a
 * malformed message or a kernel error (e->sys_errno holds its errno:
 * EINTR when the dump was interrupted and must start again). seq and portid
 * 0 accept any (fixtures); otherwise other messages are errors.
 */
int	diag_parse(const void *buf, size_t len, unsigned seq, unsigned portid,
	    enum proto,
	    const struct sock_filter *, struct snap *, struct door_err *);

/* A whole /proc/net/{tcp,tcp6,udp,udp6} file into socks. */
int	procnet_parse(const char *buf, size_t len, enum proto, int family,
	    const struct sock_filter *, struct snap *, struct door_err *);

/* /proc/PID/stat: the comm sits between the first '(' and the LAST ')'
 * because a name may hold spaces and parentheses. */
struct stat_facts {
	pid_t    pid;
	char     state;
	pid_t    ppid;
	pid_t    session;       /* field 6 */
	uint64_t flags;         /* field 9: PF_KTHREAD and friends */
	uint64_t start_ticks;
	char     name[64];
};
int	stat_parse(const char *buf, size_t len, struct stat_facts *);

/* /proc/PID/status "Uid:" line: real and effective uid. */
int	status_uid_parse(const char *buf, size_t len, uint32_t *ruid,
	    uint32_t *euid);

/* "socket:[12345]" as readlink() gives it; -1 for anything else. */
int	socket_link_parse(const char *buf, size_t len, uint64_t *inode);

/* /proc/PID/cgroup: the unified ("0::") path into out. */
int	cgroup_line_parse(const char *buf, size_t len, char *out, size_t size);

/* /proc/self/mountinfo: the mount point of the cgroup2 file system. */
int	mountinfo_cgroup2(const char *buf, size_t len, char *out, size_t size);

/* A list of decimal pids, one a line (cgroup.procs); calls back each. */
int	pidlist_parse(const char *buf, size_t len,
	    void (*cb)(pid_t, void *), void *arg);

#endif
