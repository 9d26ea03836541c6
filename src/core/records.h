/* records.h - what one run of door knows: sockets, processes, who holds what. */
#ifndef DOOR_CORE_RECORDS_H
#define DOOR_CORE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum proto { PROTO_TCP, PROTO_UDP };

/* Kernel TCP state numbers (include/net/tcp_states.h); UDP reuses them:
 * an unconnected UDP socket is SK_CLOSE, a connected one SK_ESTABLISHED. */
enum sk_state {
	SK_ESTABLISHED = 1, SK_SYN_SENT, SK_SYN_RECV, SK_FIN_WAIT1,
	SK_FIN_WAIT2, SK_TIME_WAIT, SK_CLOSE, SK_CLOSE_WAIT, SK_LAST_ACK,
	SK_LISTEN, SK_CLOSING, SK_NEW_SYN_RECV, SK_BOUND_INACTIVE,
	SK_STATE_MAX
};

/* 20 bytes: a snapshot holds two per socket, tens of thousands of them on a
 * busy machine, and door ls keeps them all to sort (bench/RESULTS.md). */
struct endpoint {
	sa_family_t family;    /* AF_INET or AF_INET6 */
	uint8_t     addr[16];  /* network order; IPv4 in the first 4 bytes */
	uint16_t    port;      /* host order */
};

/* Whether a socket's holders were looked for, and what came of it. */
enum owners_status {
	OWNERS_NOT_ASKED,   /* --no-owners: nobody looked */
	OWNERS_FOUND,       /* at least one holder is known */
	OWNERS_HIDDEN,      /* some /proc/PID/fd could not be read */
	OWNERS_NONE,        /* everything readable was read: no holder
			       (kernel socket, or a process in another pid ns) */
};

enum sock_source { SOURCE_NETLINK, SOURCE_PROCFS };

/*
 * One socket. Kept small (72 bytes, was 112) because door ls holds every
 * socket of the machine at once to sort them: the enums are stored in bit
 * fields (wide enough for every value of theirs), and the owner links are
 * 32-bit (snap_add_owner stops there). The widest members come first, so
 * the only padding is at the end.
 */
struct sock {
	struct endpoint    local;
	struct endpoint    remote;
	uint64_t           inode;
	uint64_t           cgroup_id;    /* 0 when the kernel did not say */
	uint32_t           uid;
	uint32_t           owner_first;  /* into snap.owners, sorted by sock */
	uint32_t           owner_count;
	uint8_t            state;        /* enum sk_state */
	unsigned           proto : 1;    /* enum proto */
	unsigned           source : 1;   /* enum sock_source */
	unsigned           owners : 2;   /* enum owners_status */
	signed             v6only : 2;   /* -1 unknown, 0 dual-stack, 1 v6 only */
	bool               more_hidden : 1;   /* found some; a process of the
						 same user could not be read */
};
_Static_assert(sizeof(struct sock) <= 72, "struct sock grew: see above");

/* Bits of proc.have: which facts were read. */
#define PROC_HAVE_STAT    0x01   /* name, ppid, start_ticks */
#define PROC_HAVE_UID     0x02
#define PROC_HAVE_CMDLINE 0x04
#define PROC_HAVE_CWD     0x08
#define PROC_HAVE_CGROUP  0x10
#define PROC_HAVE_PARENT  0x20   /* parent_name */

struct proc {
	pid_t     pid;
	pid_t     ppid;
	uint32_t  uid;            /* effective uid */
	uint64_t  start_ticks;    /* since boot, in clock ticks: identity */
	char      name[64];       /* comm: at most 15 bytes from the kernel */
	char      parent_name[64];
	char     *cmdline;        /* argv joined by NUL bytes, as read */
	size_t    cmdline_len;
	bool      cmdline_cut;    /* longer than door reads */
	char     *cwd;
	bool      cwd_deleted;
	char     *cgroup;         /* the cgroup v2 path, "0::" line */
	unsigned  have;
};

struct owner {
	size_t sock;   /* index into snap.socks */
	size_t proc;   /* index into snap.procs */
	int    fd;
};

/* Why a snapshot is incomplete; shown to the user, never hidden. */
#define SNAP_PARTIAL_HIDDEN   0x01   /* some owners unreadable */
#define SNAP_PARTIAL_FALLBACK 0x02   /* netlink failed: /proc/net used */

struct snap {
	struct sock  *socks;
	size_t        nsocks, capsocks;
	struct proc  *procs;
	size_t        nprocs, capprocs;
	struct owner *owners;
	size_t        nowners, capowners;
	unsigned      partial;
	int           denied_pids;   /* processes whose fds were unreadable */
	char          fallback_why[256];
};

void	 snap_init(struct snap *);
void	 snap_free(struct snap *);
/* Each returns NULL only when memory runs out. */
struct sock	*snap_add_sock(struct snap *);
struct proc	*snap_add_proc(struct snap *);
struct owner	*snap_add_owner(struct snap *);
/* Sorts owners by socket and fills sock.owner_first/owner_count. */
void	 snap_link_owners(struct snap *);
void	 proc_free(struct proc *);

/* An open-addressing set from socket inode to socket index. */
struct inode_map {
	uint64_t *keys;    /* 0 = empty slot (inode 0 is never looked up) */
	size_t   *vals;
	size_t    mask;
};

int	 inode_map_init(struct inode_map *, size_t count);
void	 inode_map_free(struct inode_map *);
void	 inode_map_put(struct inode_map *, uint64_t inode, size_t idx);
/* Returns the index, or SIZE_MAX when absent. */
size_t	 inode_map_get(const struct inode_map *, uint64_t inode);

const char	*sk_state_name(enum sk_state);

#endif
