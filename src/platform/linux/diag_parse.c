/* diag_parse.c - inet_diag messages into struct sock. Pure. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "platform/linux/parse.h"

struct diag_ctx {
	enum proto                proto;
	const struct sock_filter *f;
	struct snap              *snap;
	struct door_err          *e;
	int                       failed;
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int                   type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, INET_DIAG_MAX) < 0)
		return MNL_CB_OK;   /* newer kernels add attributes: skip */
	switch (type) {
	case INET_DIAG_SKV6ONLY:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		break;
	case INET_DIAG_CGROUP_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static void
fill_endpoint(struct endpoint *ep, int family, const __be32 *addr,
    __be16 port)
{
	ep->family = family;
	memcpy(ep->addr, addr, family == AF_INET ? 4 : 16);
	ep->port = ntohs(port);
}

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx             *c = data;
	const struct inet_diag_msg  *m;
	const struct nlattr         *tb[INET_DIAG_MAX + 1] = { 0 };
	struct sock                 *k;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;   /* not ours: ignore, as the kernel may */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof *m) {
		c->failed = 1;
		err_set(c->e, DOOR_SYSTEM, "netlink: a socket message of %zu "
		    "bytes is too short", mnl_nlmsg_get_payload_len(nlh));
		return MNL_CB_ERROR;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) {
		c->failed = 1;
		err_set(c->e, DOOR_SYSTEM, "netlink: unexpected address "
		    "family %u", m->idiag_family);
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse(nlh, sizeof *m, attr_cb, tb) < 0) {
		c->failed = 1;
		err_set(c->e, DOOR_SYSTEM, "netlink: malformed attributes");
		return MNL_CB_ERROR;
	}
	if (!sock_filter_keep(c->f, m->idiag_family, m->idiag_state,
	    ntohs(m->id.idiag_sport)))
		return MNL_CB_OK;
	k = snap_add_sock(c->snap);
	if (k == NULL) {
		c->failed = 1;
		err_set(c->e, DOOR_SYSTEM, "out of memory");
		return MNL_CB_ERROR;
	}
	k->proto = c->proto;
	k->state = (enum sk_state)m->idiag_state;
	fill_endpoint(&k->local, m->idiag_family, m->id.idiag_src,
	    m->id.idiag_sport);
	fill_endpoint(&k->remote, m->idiag_family, m->id.idiag_dst,
	    m->id.idiag_dport);
	k->uid = m->idiag_uid;
	k->inode = m->idiag_inode;
	k->source = SOURCE_NETLINK;
	if (tb[INET_DIAG_SKV6ONLY] != NULL)
		k->v6only = mnl_attr_get_u8(tb[INET_DIAG_SKV6ONLY]) ? 1 : 0;
	if (tb[INET_DIAG_CGROUP_ID] != NULL)
		k->cgroup_id = mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID]);
	return MNL_CB_OK;
}

/*
 * libmnl trusts nlmsg_len as a signed int: a length of 2^31 or more passes
 * its check and sends it reading 4 GiB further. Every message must fit the
 * buffer before libmnl sees it (house rule 3: bounds-checked).
 */
static bool
well_framed(const unsigned char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return false;
	while (off < len) {
		struct nlmsghdr h;

		if (len - off < sizeof h)
			return false;
		memcpy(&h, buf + off, sizeof h);
		if (h.nlmsg_len < sizeof h || h.nlmsg_len > len - off)
			return false;
		off += NLMSG_ALIGN(h.nlmsg_len) < len - off ?
		    NLMSG_ALIGN(h.nlmsg_len) : len - off;
	}
	return true;
}

/* NLMSG_DONE carries an errno when the kernel could not dump at all (no
 * udp_diag module: -ENOENT); libmnl's own DONE handler ignores it. */
static int
done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof err) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* With our own control table, libmnl calls only what is in it. */
static int
error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlmsgerr err;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof err) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
	if (err.error == 0)
		return MNL_CB_STOP;   /* an acknowledgement */
	errno = err.error < 0 ? -err.error : err.error;
	return MNL_CB_ERROR;
}

static int
overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOBUFS;
	return MNL_CB_ERROR;
}

int
diag_parse(const void *buf, size_t len, unsigned seq, unsigned portid,
    enum proto proto,
    const struct sock_filter *f, struct snap *snap, struct door_err *e)
{
	struct diag_ctx  c = { proto, f, snap, e, 0 };
	mnl_cb_t         ctl[NLMSG_MIN_TYPE] = { 0 };
	int              rc;

	if (len > (size_t)INT32_MAX)
		return err_set(e, DOOR_SYSTEM, "netlink: reply too large");
	if (!well_framed(buf, len))
		return err_set(e, DOOR_SYSTEM, "netlink: malformed reply "
		    "(a message does not fit the %zu bytes received)", len);
	ctl[NLMSG_ERROR] = error_cb;
	ctl[NLMSG_DONE] = done_cb;
	ctl[NLMSG_OVERRUN] = overrun_cb;
	errno = 0;
	rc = mnl_cb_run2(buf, len, seq, portid, msg_cb, &c, ctl,
	    NLMSG_MIN_TYPE);
	if (c.failed)
		return -1;
	if (rc == MNL_CB_ERROR) {
		int saved = errno;

		if (saved == EPROTO || saved == EBADMSG || saved == 0)
			return err_set(e, DOOR_SYSTEM, "netlink: malformed "
			    "reply");
		return err_sys(e, saved, "netlink: the kernel answered");
	}
	return rc == MNL_CB_STOP ? 0 : 1;
}
