/* procnet_parse.c - /proc/net/{tcp,tcp6,udp,udp6} into struct sock. Pure.
 *
 * A line reads (fields split by spaces):
 *   sl  local:port  remote:port  st  tx:rx  tr:when  retrnsmt  uid  timeout
 *   inode  ...
 * Addresses are the kernel's __be32 words printed as host-order hex, so the
 * bytes of the parsed word, stored as is, are the address in network order.
 */
#include <string.h>
#include <sys/socket.h>

#include "core/num.h"
#include "platform/linux/parse.h"

#define FIELDS_NEEDED 10

/* Splits the line into at most `max` space-separated fields. */
static size_t
split(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		f[n] = line + start;
		flen[n] = i - start;
		n++;
	}
	return n;
}

static int
parse_endpoint(const char *s, size_t len, int family, struct endpoint *ep)
{
	size_t   alen = family == AF_INET ? 8 : 32, w;
	uint64_t v;

	if (len != alen + 1 + 4 || s[alen] != ':')
		return -1;
	ep->family = family;
	for (w = 0; w < alen / 8; w++) {
		uint32_t word;

		if (num_parse_hex(s + w * 8, 8, &v) != 0)
			return -1;
		word = (uint32_t)v;
		memcpy(ep->addr + w * 4, &word, 4);
	}
	if (num_parse_hex(s + alen + 1, 4, &v) != 0)
		return -1;
	ep->port = (uint16_t)v;
	return 0;
}

int
procnet_parse(const char *buf, size_t len, enum proto proto, int family,
    const struct sock_filter *f, struct snap *snap, struct door_err *e)
{
	size_t off = 0, lineno = 0;

	if (family != AF_INET && family != AF_INET6)
		return err_set(e, DOOR_SYSTEM, "/proc/net: bad family");
	while (off < len) {
		const char     *line = buf + off, *nl;
		size_t          llen, nf, fl[FIELDS_NEEDED];
		const char     *fv[FIELDS_NEEDED];
		struct endpoint local, remote;
		uint64_t        st, uid, inode;
		struct sock    *k;

		nl = memchr(line, '\n', len - off);
		llen = nl ? (size_t)(nl - line) : len - off;
		off += llen + (nl ? 1 : 0);
		if (++lineno == 1)
			continue;   /* the header */
		if (llen == 0)
			continue;
		memset(&local, 0, sizeof local);
		memset(&remote, 0, sizeof remote);
		nf = split(line, llen, fv, fl, FIELDS_NEEDED);
		if (nf < FIELDS_NEEDED ||
		    parse_endpoint(fv[1], fl[1], family, &local) != 0 ||
		    parse_endpoint(fv[2], fl[2], family, &remote) != 0 ||
		    fl[3] != 2 || num_parse_hex(fv[3], 2, &st) != 0 ||
		    num_parse_u64(fv[7], fl[7], 0, UINT32_MAX, &uid) != 0 ||
		    num_parse_u64(fv[9], fl[9], 0, UINT64_MAX, &inode) != 0)
			return err_set(e, DOOR_SYSTEM, "/proc/net line %zu is "
			    "malformed", lineno);
		if (!sock_filter_keep(f, family, (unsigned)st, local.port))
			continue;
		k = snap_add_sock(snap);
		if (k == NULL)
			return err_set(e, DOOR_SYSTEM, "out of memory");
		k->proto = proto;
		k->state = (enum sk_state)st;
		k->local = local;
		k->remote = remote;
		k->uid = (uint32_t)uid;
		k->inode = inode;
		k->source = SOURCE_PROCFS;
	}
	return 0;
}
