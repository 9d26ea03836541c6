/* doors.h - what ls and who share: turning options into a kernel question,
 * and the snapshot into sorted (socket, process) entries. */
#ifndef DOOR_DOORS_H
#define DOOR_DOORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "core/records.h"
#include "platform/platform.h"

#define DOORS_RANGES_MAX 64

struct door_filter {
	size_t       nranges;
	uint16_t     lo[DOORS_RANGES_MAX], hi[DOORS_RANGES_MAX];
	bool         by_uid;
	uint32_t     uid;
	pid_t        pid;          /* 0: any */
	const char  *name;         /* NULL: any */
	/* who: only sockets reachable at this address (0 family: any) */
	struct endpoint at;
	bool         at_any_loopback;
};

/* One (socket, holder) pair; proc is SIZE_MAX when no holder is known. */
struct entry {
	size_t sock;
	size_t proc;
};

/* Reads --tcp --udp -4 -6 --user --pid --name --all --no-owners --thorough
 * (whichever the verb has) into the query and filter. */
int	doors_options(const struct cmd_args *, struct sock_query *,
	    struct door_filter *, struct door_err *);
/* Adds a port or range to the filter and widens the query to cover it. */
int	doors_add_range(struct door_filter *, struct sock_query *, uint16_t lo,
	    uint16_t hi, struct door_err *);
/* The FILTER words of door ls and door watch: ports and ranges ("3000",
 * ":8080", "8000-8999"), each added with doors_add_range. */
int	doors_filter_words(struct door_filter *, struct sock_query *, int argc,
	    char **argv, struct door_err *);
/* The entries that pass the filter, sorted by port, proto, listening
 * first, pid, address. Caller frees *out. */
int	doors_entries(const struct snap *, const struct door_filter *,
	    struct entry **out, size_t *n, struct door_err *);
/* Whether socket i of s passes f (any of its holders, or the socket
 * alone when it has none): what doors_entries would keep of it. */
bool	doors_sock_wanted(const struct door_filter *, const struct snap *,
	    size_t i);
/* Sockets with at least one entry, in entry order, each once. */
size_t	doors_socks(const struct snap *, const struct entry *, size_t n,
	    size_t *out);
bool	doors_is_listening(const struct sock *);
/* Name of the user: "-n" shows the number. */
void	doors_user(const struct out_opts *, uint32_t uid, char *buf,
	    size_t size);
/* Says on stderr what the snapshot could not see, and how to see more. */
void	doors_partial_note(const struct out_opts *, const struct snap *,
	    const char *rerun);

/* Snapshot and sorted entries, or an error said on stderr; returns the
 * exit status (0 on success). On error nothing is left to free. */
int	doors_gather(const struct sock_query *, const struct door_filter *,
	    struct snap *, struct entry **v, size_t *n);
/* The same, with platform_snapshot_cb's sockets_in. */
int	doors_gather_cb(const struct sock_query *, const struct door_filter *,
	    void (*sockets_in)(const struct snap *, void *), void *ctx,
	    struct snap *, struct entry **v, size_t *n);
/* Whether the filter's ports and address take the socket (what can be
 * said before its owners are known). */
bool	doors_port_addr_wanted(const struct door_filter *,
	    const struct sock *);

/* The whole of door who for these targets: gather, cards (or JSON) on
 * stdout; next_steps adds the closing "next" line. Returns the exit
 * status (0 someone is there, 1 nobody, 2 usage, 3 system). */
int	doors_who(const struct cmd_args *, char **targets, int ntargets,
	    bool next_steps);
/* The same, rendered into out (appended) instead of stdout: door ui's
 * card is this very text and JSON. Diagnostics still go to stderr. */
int	doors_who_render(const struct cmd_args *, char **targets,
	    int ntargets, bool next_steps, struct buf *out);

#endif
