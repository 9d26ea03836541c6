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
/* The same, calling sockets_in(s, ctx) once the sockets are in and before
 * their holders are looked for (door who starts its probes there); it
 * must not keep pointers into s, whose holders are still to come. */
int	platform_snapshot_cb(const struct sock_query *, struct snap *,
	    void (*sockets_in)(const struct snap *, void *), void *ctx,
	    struct door_err *);

/* User name for a uid into buf; returns -1 (buf holds the number) when the
 * uid has no name. Cached: cheap to call per row. */
int	platform_user_name(uint32_t uid, char *buf, size_t size);

/* Seconds since the process started, and its start as Unix time. */
uint64_t	platform_proc_age(const struct proc *);
int64_t		platform_proc_start_epoch(const struct proc *);

/* True when addr (network order) is this machine's: assigned to an
 * interface here, or a loopback one (all of 127/8, ::1). */
bool	platform_is_local_address(int family, const void *addr);

/* Where the far end of a TCP connection of ours to a local port is, as
 * the kernel sees it: still in the listener's accept queue (its process
 * has not taken it: busy, stuck, or not accepting at all), or taken.
 * PEER_UNKNOWN when the kernel cannot say (a far host, no sock_diag). */
enum peer_state { PEER_UNKNOWN, PEER_NOT_ACCEPTED, PEER_ACCEPTED };
enum peer_state	platform_peer_state(int fd);

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

/*
 * A private file in the reservation file's directory (the same checks:
 * the user's own, nobody else may write there): `name` is created anew
 * (mode 0600, O_EXCL, never through a symlink) holding data; its path goes
 * to path. door ui --open hands the browser its token this way, never on
 * a command line that every user's ps shows.
 */
int	platform_private_file(const char *name, const void *data, size_t len,
	    char *path, size_t size, struct door_err *);
/* Removes it again; harmless when it is not there. */
void	platform_private_remove(const char *name);

/* ---- door kill: signalling only a verified process (house rule 10) ---- */

/* Milliseconds on the monotonic clock: for waits and "exited after". */
uint64_t	platform_mono_ms(void);

/* A process as a snapshot saw it: the identity door checks again. */
struct proc_ident {
	pid_t    pid;
	uint64_t start_ticks;   /* proc.start_ticks */
	uint64_t inode;         /* a socket it held; 0: do not check */
	int      fd;            /* where it held it (owner.fd); -1: unknown */
	/* A parent, whose start the snapshot did not record: start_ticks
	 * is then an upper bound (its child's start), because a recycled
	 * pid started after the child did. */
	bool     start_at_most;
};

/* An open, verified process. */
struct proc_handle {
	pid_t    pid;
	int      pidfd;         /* -1: the kernel has no pidfds (ENOSYS):
				   kill() with the same checks */
	int      piddir;        /* its /proc/PID, open: dies with it */
	uint64_t start_ticks;
	pid_t    ppid, sid;
	uint32_t uid;
	char     name[64];
};

/* Why a process may not be signalled; PROC_OK when it may. */
enum proc_verdict {
	PROC_OK,
	PROC_GONE,          /* it exited before door got to it */
	PROC_REUSED,        /* its pid now names another process */
	PROC_NOT_HOLDER,    /* it no longer holds the socket */
	PROC_PID1,          /* pid 1 (or 0): init, never */
	PROC_SELF,          /* door itself */
	PROC_ANCESTOR,      /* door's parent chain: its shell, its terminal */
	PROC_KTHREAD,       /* a kernel thread */
	PROC_NOT_YOURS,     /* another user's, and door is not root */
	PROC_UNREADABLE,    /* its fds cannot be read even as root */
};

/*
 * Opens a handle on id->pid, then verifies THROUGH it: pid 1, door and
 * its ancestors are refused first; a pidfd is opened (pidfd_open), then
 * /proc/PID/stat must show id->start_ticks and no PF_KTHREAD, and the
 * process must still hold id->inode (on id->fd, else on any fd); last,
 * the pidfd must not have become readable (exited) meanwhile, so every
 * read was of the process the pidfd names. Returns 0 with *v PROC_OK and
 * h open, 0 with another verdict and h closed, -1 on a system error.
 */
int	platform_proc_open(const struct proc_ident *, struct proc_handle *h,
	    enum proc_verdict *v, struct door_err *);
/* Sends sig through the pidfd (pidfd_send_signal), or with kill() after
 * re-reading stat through the open /proc/PID. Returns 0 sent, 1 it had
 * already exited, -1 error (DOOR_DENIED for EPERM). */
int	platform_proc_signal(struct proc_handle *, int sig, struct door_err *);
/* Waits until it exits (poll on the pidfd for POLLIN), at most ms.
 * Returns 1 exited, 0 still running. */
int	platform_proc_wait(struct proc_handle *, uint64_t ms);
void	platform_proc_close(struct proc_handle *);
/* Whether pid is door or one of door's ancestors (the ppid chain). */
bool	platform_is_self_or_ancestor(pid_t);

/* What restarts a process when it dies, from its cgroup and name. */
enum manager_kind {
	MANAGER_NONE,
	MANAGER_SYSTEMD,        /* a system unit: systemctl stop UNIT */
	MANAGER_SYSTEMD_USER,   /* a user unit: systemctl --user stop UNIT */
	MANAGER_CONTAINER,      /* docker, podman, containerd, kubernetes */
};

struct manager {
	enum manager_kind kind;
	char              unit[128];     /* "nginx.service"; a container id */
	char              runtime[16];   /* "docker", "podman", ... */
};

/* Reads the manager of p (needs PROC_HAVE_CGROUP for units; a
 * docker-proxy or rootlessport is a container's by its name). */
void	platform_proc_manager(const struct proc *p, struct manager *);
/* The manager of door itself: a process in door's own unit or container
 * is not someone else's to guard. */
void	platform_self_manager(struct manager *);

/* ---- door watch: owners of new sockets only, and exits seen cheaply ---- */

/*
 * Looks up the holders of the sockets already in s (which has none yet),
 * the narrow way door who does (cgroup, then uid, then everyone; or as
 * q->owners says, OWNER_SKIP read as OWNER_NARROW), with q->facts. Reads
 * process facts through the /proc/PID the fds were read through, so a
 * process that exits meanwhile is missing, never mistaken for another.
 */
int	platform_find_owners(const struct sock_query *q, struct snap *s,
	    struct door_err *);
/*
 * A pidfd for pid, checked (after it was opened) to name the process that
 * started at start_ticks. Returns the fd; or -1 with *gone true when that
 * process has exited (or its pid names another now), or -1 with *gone
 * false when no pidfd can be had (no pidfds in this kernel, out of fds):
 * ask platform_proc_alive instead.
 */
int	platform_pidfd_open(pid_t pid, uint64_t start_ticks, bool *gone);
/* One poll(2), no wait, over n pidfds (negative ones skipped): exited[i]
 * says whether fds[i]'s process has exited. Returns how many, -1 on an
 * error. */
int	platform_pidfds_exited(const int *fds, size_t n, bool *exited);
/* Whether pid still names the process that started at start_ticks (not
 * sure counts as alive). */
bool	platform_proc_alive(pid_t pid, uint64_t start_ticks);

#endif
