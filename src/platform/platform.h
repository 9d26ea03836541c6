/* platform.h - the one interface commands use for the machine (house rule 4).
 *
 * A platform gathers sockets and their owners into a struct snap. It never
 * prints and never exits; failures come back as struct door_err. A second
 * OS is a new folder next to linux/ implementing exactly these functions.
 */
#ifndef DOOR_PLATFORM_H
#define DOOR_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/records.h"

enum owner_mode {
	OWNER_SKIP,       /* do not look for holders (door ls --no-owners) */
	OWNER_NARROW,     /* cgroup, then uid, then everyone: stop when found */
	OWNER_THOROUGH,   /* every process, always (door ls --thorough) */
};

enum source_mode {
	SOURCE_AUTO,      /* netlink, /proc/net when netlink is unavailable */
	SOURCE_ONLY_NETLINK,
	SOURCE_ONLY_PROCFS,
};

struct sock_query {
	bool             tcp, udp;
	bool             v4, v6;
	/* TCP LISTEN and unconnected UDP; false: every state. */
	bool             listening_only;
	uint16_t         port_lo, port_hi;   /* local port range */
	enum owner_mode  owners;
	enum source_mode source;
	pid_t            only_pid;           /* > 0: look for holders only here */
	unsigned         facts;              /* PROC_HAVE_* to read per holder,
					        beyond name, ppid, uid */
};

/* Gathers the sockets that match, then (unless OWNER_SKIP) their holders. */
int	platform_snapshot(const struct sock_query *, struct snap *,
	    struct door_err *);

/* User name for a uid into buf; returns -1 (buf holds the number) when the
 * uid has no name. Cached: cheap to call per row. */
int	platform_user_name(uint32_t uid, char *buf, size_t size);

/* Seconds since the process started, and its start as Unix time. */
uint64_t	platform_proc_age(const struct proc *);
int64_t		platform_proc_start_epoch(const struct proc *);

/* True when addr (network order) is assigned to an interface here. */
bool	platform_is_local_address(int family, const void *addr);

/* The invoking user's uid, and whether they can read everyone's fds. */
uint32_t	platform_uid(void);
bool		platform_privileged(void);

#endif
