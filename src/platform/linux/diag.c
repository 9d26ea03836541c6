/* diag.c - asking the kernel for sockets over NETLINK_SOCK_DIAG (libmnl).
 *
 * The question is as narrow as the kernel lets us ask it (house rule 5):
 * one protocol, one family, only the wanted states, and a port range as
 * inet_diag bytecode so the kernel does not send what we would drop.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "platform/linux/linux.h"

/* The kernel fills up to 32 KiB per read when the reader offers that much. */
#define DIAG_BUF 32768
#define DIAG_TRIES 3

/*
 * Bytecode for lo <= sport <= hi. Each comparison is two ops: the test and
 * a carrier for the port. "yes" steps to the next test; "no" jumps past the
 * end (len + 4), which the kernel reads as "reject".
 */
static size_t
port_bytecode(struct inet_diag_bc_op *bc, uint16_t lo, uint16_t hi)
{
	size_t n = 0, len = 0;

	if (lo > 1)
		len += 2 * sizeof *bc;
	if (hi < 65535)
		len += 2 * sizeof *bc;
	if (lo > 1) {
		bc[n++] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE,
		    2 * sizeof *bc, (unsigned short)(len + 4) };
		bc[n++] = (struct inet_diag_bc_op){ 0, 0, lo };
		len -= 2 * sizeof *bc;
	}
	if (hi < 65535) {
		bc[n++] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE,
		    2 * sizeof *bc, (unsigned short)(len + 4) };
		bc[n++] = (struct inet_diag_bc_op){ 0, 0, hi };
	}
	return n * sizeof *bc;
}

static int
dump_once(struct mnl_socket *nl, enum proto proto, int family,
    const struct sock_filter *f, struct snap *snap, struct door_err *e)
{
	char                      buf[DIAG_BUF];
	struct nlmsghdr          *nlh;
	struct inet_diag_req_v2  *req;
	struct inet_diag_bc_op    bc[4];
	size_t                    bclen;
	unsigned                  seq = (unsigned)time(NULL);
	unsigned                  portid = mnl_socket_get_portid(nl);
	ssize_t                   n;
	int                       rc;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = proto == PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	req->idiag_states = f->states;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	bclen = port_bytecode(bc, f->port_lo, f->port_hi);
	if (bclen > 0)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, bclen, bc);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return err_sys(e, errno, "netlink: send");
	/* bounded: a million 32 KiB reads is far beyond any real table */
	for (long reads = 0; reads < 1000000; reads++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(e, errno, "netlink: receive");
		}
		rc = diag_parse(buf, (size_t)n, seq, portid, proto, f, snap, e);
		if (rc <= 0)
			return rc;
	}
	return err_set(e, DOOR_SYSTEM, "netlink: the dump did not end");
}

struct mnl_socket *
diag_open(struct door_err *e)
{
	struct mnl_socket *nl;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (nl == NULL) {
		err_sys(e, errno, "netlink: socket");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_sys(e, errno, "netlink: bind");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

void
diag_close(struct mnl_socket *nl)
{
	if (nl != NULL)
		mnl_socket_close(nl);
}

int
diag_gather(struct mnl_socket *nl, enum proto proto, int family,
    const struct sock_filter *f, struct snap *snap, struct door_err *e)
{
	size_t before = snap->nsocks;
	int    rc = -1, try;

	/* A dump that raced with socket changes is flagged NLM_F_DUMP_INTR:
	 * start it again, a bounded number of times. */
	for (try = 0; try < DIAG_TRIES; try++) {
		snap->nsocks = before;
		err_clear(e);
		rc = dump_once(nl, proto, family, f, snap, e);
		if (rc == 0 || e->sys_errno != EINTR)
			break;
	}
	return rc;
}
