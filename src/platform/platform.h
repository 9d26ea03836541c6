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

#include "core/buf.h"
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

/* ---- door next: free ports, and the reservation file ---- */

/* What platform_port_free found on the way (bits of *why). */
#define PORTFREE_IN_USE  0x01   /* a bind said EADDRINUSE */
#define PORTFREE_DENIED  0x02   /* a bind said EACCES: a privileged port */
#define PORTFREE_NO_IPV6 0x04   /* no IPv6 here: only 0.0.0.0 was tried */

/*
 * Whether a server could take `port` for `proto` on every address: a bind
 * on 0.0.0.0 and one on [::] with IPV6_V6ONLY both succeed, without
 * SO_REUSEADDR (which would let a TCP bind slip past a socket bound but
 * not listening, and a UDP bind past another SO_REUSEADDR socket). A port
 * held on one family only is not free. Returns 1 free, 0 not (*why says
 * why), -1 on a system error (out of file descriptors...).
 */
int	platform_port_free(enum proto, uint16_t port, unsigned *why,
	    struct door_err *);
/* The kernel's range for ephemeral (outgoing) ports. */
int	platform_ephemeral_range(uint16_t *lo, uint16_t *hi, struct door_err *);
/* `len` bytes from the kernel's random source (at most 256). */
int	platform_random(void *buf, size_t len, struct door_err *);
/* Wall-clock Unix time in milliseconds: reservations outlive door. */
uint64_t	platform_now_ms(void);

/* door next's reservation file, open and locked (door(1), FILES). */
struct reserve_file {
	int      fd;           /* -1: not open (there is no file yet) */
	int      dirfd;        /* its directory, checked; -1 when none */
	bool     exclusive;
	unsigned fixed;        /* RESERVE_FIXED_* */
	char     path[4096];   /* for messages */
};
/* A symlink stood where the file goes. Shared: nothing was read (the
 * caller rebuilds). Exclusive: it was replaced by a fresh file; whatever
 * it pointed to was not touched. */
#define RESERVE_FIXED_SYMLINK 0x01

/* How long opening waits for another door next to let go of the lock. */
#define RESERVE_LOCK_WAIT_MS 10000

/*
 * Opens the reservation file ($XDG_RUNTIME_DIR/door/ports, else
 * /tmp/door-UID/ports), locks it and appends its bytes to `data` (at most
 * max + 1, so a longer file shows as one). Exclusive (door next --reserve):
 * creates the directory (0700) and the file (0600) and takes LOCK_EX, to
 * hold until platform_reserve_close. Shared: creates nothing (rf->fd is -1
 * when there is no file), takes LOCK_SH. The directory must be a directory,
 * not a symlink, owned by the user and not writable by group or others;
 * else DOOR_DENIED, naming what is wrong.
 */
int	platform_reserve_open(struct reserve_file *, bool exclusive, size_t max,
	    struct buf *data, struct door_err *);
/* Replaces the whole content; needs the exclusive lock. */
int	platform_reserve_write(struct reserve_file *, const void *, size_t,
	    struct door_err *);
/* Unlocks and closes; harmless on a file that was never opened. */
void	platform_reserve_close(struct reserve_file *);

#endif
