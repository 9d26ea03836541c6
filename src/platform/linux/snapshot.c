/* snapshot.c - platform_snapshot: sockets first, then (maybe) their owners. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/linux/linux.h"

/* Reasons netlink may be missing that the /proc/net files do not share. */
static bool
netlink_unavailable(int err)
{
	return err == ENOENT || err == EPROTONOSUPPORT || err == EAFNOSUPPORT ||
	    err == EACCES || err == EPERM || err == EINVAL || err == EOPNOTSUPP;
}

static enum source_mode
source_from_env(enum source_mode m)
{
	const char *s = getenv("DOOR_SOURCE");

	if (m != SOURCE_AUTO || s == NULL || *s == '\0')
		return m;
	if (strcmp(s, "proc") == 0 || strcmp(s, "procfs") == 0)
		return SOURCE_ONLY_PROCFS;
	if (strcmp(s, "netlink") == 0)
		return SOURCE_ONLY_NETLINK;
	return m;
}

int
platform_snapshot(const struct sock_query *q, struct snap *snap,
    struct door_err *e)
{
	return platform_snapshot_cb(q, snap, NULL, NULL, e);
}

int
platform_snapshot_cb(const struct sock_query *q, struct snap *snap,
    void (*sockets_in)(const struct snap *, void *), void *ctx,
    struct door_err *e)
{
	struct sock_filter f;
	struct mnl_socket *nl = NULL;
	enum source_mode   src = source_from_env(q->source);
	const enum proto   protos[2] = { PROTO_TCP, PROTO_UDP };
	const int          fams[2] = { AF_INET, AF_INET6 };
	unsigned           facts;

	memset(&f, 0, sizeof f);
	f.v4 = q->v4;
	f.v6 = q->v6;
	f.port_lo = q->port_lo ? q->port_lo : 1;
	f.port_hi = q->port_hi ? q->port_hi : 65535;
	if (src != SOURCE_ONLY_PROCFS) {
		nl = diag_open(e);
		if (nl == NULL) {
			if (src == SOURCE_ONLY_NETLINK ||
			    !netlink_unavailable(e->sys_errno))
				return -1;
			snprintf(snap->fallback_why, sizeof snap->fallback_why,
			    "%s", e->msg);
			snap->partial |= SNAP_PARTIAL_FALLBACK;
			err_clear(e);
		}
	}
	for (int p = 0; p < 2; p++) {
		bool tcp = protos[p] == PROTO_TCP;

		if ((tcp && !q->tcp) || (!tcp && !q->udp))
			continue;
		if (q->listening_only)
			f.states = tcp ? 1u << SK_LISTEN : 1u << SK_CLOSE;
		else
			f.states = ~0u & ~(1u << SK_NEW_SYN_RECV);
		for (int i = 0; i < 2; i++) {
			if ((fams[i] == AF_INET && !q->v4) ||
			    (fams[i] == AF_INET6 && !q->v6))
				continue;
			if (nl != NULL) {
				if (diag_gather(nl, protos[p], fams[i], &f, snap,
				    e) == 0)
					continue;
				/* e.g. no udp_diag module: this one from /proc */
				if (src == SOURCE_ONLY_NETLINK ||
				    !netlink_unavailable(e->sys_errno)) {
					diag_close(nl);
					return -1;
				}
				snprintf(snap->fallback_why,
				    sizeof snap->fallback_why, "%s", e->msg);
				snap->partial |= SNAP_PARTIAL_FALLBACK;
				err_clear(e);
			}
			if (procnet_gather(protos[p], fams[i], &f, snap, e) != 0) {
				diag_close(nl);
				return -1;
			}
		}
	}
	diag_close(nl);
	if (sockets_in != NULL)
		sockets_in(snap, ctx);
	if (q->owners == OWNER_SKIP)
		return 0;
	facts = PROC_HAVE_STAT | PROC_HAVE_UID;
	return owners_find(q, facts | q->facts, snap, e);
}
