/* test-procnet-parse.c - procnet_parse on /proc/net/{tcp,tcp6,udp,udp6}
 * copied while the fixture listeners ran (tests/fixtures/README.md), and on
 * broken variants of them. */
#include <arpa/inet.h>

#include "platform/linux/parse.h"
#include "unit.h"

static int
parse_file(const char *rel, enum proto proto, int family,
    const struct sock_filter *f, struct snap *s, struct door_err *e)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	err_clear(e);
	rc = procnet_parse(data, len, proto, family, f, s, e);
	free(data);
	return rc;
}

static const struct sock *
find(const struct snap *s, uint16_t port, int state)
{
	for (size_t i = 0; i < s->nsocks; i++)
		if (s->socks[i].local.port == port &&
		    (state < 0 || (int)s->socks[i].state == state))
			return &s->socks[i];
	return NULL;
}

static bool
addr_is(const struct endpoint *ep, const char *text, uint16_t port)
{
	uint8_t want[16] = { 0 };
	int     fam = strchr(text, ':') ? AF_INET6 : AF_INET;

	return inet_pton(fam, text, want) == 1 && ep->family == fam &&
	    memcmp(ep->addr, want, fam == AF_INET ? 4 : 16) == 0 &&
	    ep->port == port;
}

static void
check_sock(const struct sock *k, enum proto proto, int state,
    const char *addr, uint16_t port, uint32_t uid, uint64_t inode,
    const char *file, int line)
{
	if (k == NULL) {
		unit_fail_head(file, line);
		printf("no socket on port %u\n", port);
		return;
	}
	if (k->proto != proto || (int)k->state != state || k->uid != uid ||
	    k->inode != inode || !addr_is(&k->local, addr, port) ||
	    k->source != SOURCE_PROCFS || k->v6only != -1 ||
	    k->cgroup_id != 0) {
		char a[64] = "?";

		inet_ntop(k->local.family, k->local.addr, a, sizeof a);
		unit_fail_head(file, line);
		printf("port %u: %s proto %d state %d uid %u inode %llu "
		    "source %d v6only %d cgroup %llu\n", port, a, k->proto,
		    k->state, k->uid, (unsigned long long)k->inode, k->source,
		    k->v6only, (unsigned long long)k->cgroup_id);
	}
}
#define CHECK_SOCK(k, pr, st, a, p, uid, ino) \
	check_sock((k), (pr), (st), (a), (p), (uid), (ino), __FILE__, __LINE__)

TEST(tcp4)
{
	struct snap        s;
	struct door_err    e;
	const struct sock *k;

	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp", PROTO_TCP, AF_INET, NULL, &s,
	    &e), 0);
	CHECK_EQ_UINT(s.nsocks, 5);
	CHECK_SOCK(find(&s, 47001, SK_LISTEN), PROTO_TCP, SK_LISTEN,
	    "127.0.0.1", 47001, 0, 2642771);
	CHECK_SOCK(find(&s, 47003, -1), PROTO_TCP, SK_LISTEN, "0.0.0.0", 47003,
	    0, 2642773);
	CHECK_SOCK(find(&s, 47010, -1), PROTO_TCP, SK_LISTEN, "127.0.0.1",
	    47010, 65534, 2642781);
	k = find(&s, 47011, -1);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, "127.0.0.1", 47011, 0,
	    2642782);
	CHECK(k != NULL && addr_is(&k->remote, "127.0.0.1", 47001));
	k = find(&s, 47001, SK_ESTABLISHED);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, "127.0.0.1", 47001, 0,
	    2642783);
	CHECK(k != NULL && addr_is(&k->remote, "127.0.0.1", 47011));
	snap_free(&s);
}

TEST(tcp6)
{
	struct snap        s;
	struct door_err    e;
	const struct sock *k;

	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp6", PROTO_TCP, AF_INET6, NULL, &s,
	    &e), 0);
	CHECK_EQ_UINT(s.nsocks, 5);
	CHECK_SOCK(find(&s, 47002, SK_LISTEN), PROTO_TCP, SK_LISTEN, "::1",
	    47002, 0, 2642772);
	CHECK_SOCK(find(&s, 47004, -1), PROTO_TCP, SK_LISTEN, "::", 47004, 0,
	    2642774);
	CHECK_SOCK(find(&s, 47005, -1), PROTO_TCP, SK_LISTEN, "::", 47005, 0,
	    2642775);
	k = find(&s, 47012, -1);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, "::1", 47012, 0, 2642784);
	CHECK(k != NULL && addr_is(&k->remote, "::1", 47002));
	snap_free(&s);
}

TEST(udp)
{
	struct snap        s;
	struct door_err    e;
	const struct sock *k;

	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/udp", PROTO_UDP, AF_INET, NULL, &s,
	    &e), 0);
	CHECK_EQ_INT(parse_file("procnet/udp6", PROTO_UDP, AF_INET6, NULL, &s,
	    &e), 0);
	CHECK_EQ_UINT(s.nsocks, 5);
	CHECK_SOCK(find(&s, 47006, -1), PROTO_UDP, SK_CLOSE, "127.0.0.1",
	    47006, 0, 2642776);
	CHECK_SOCK(find(&s, 47009, -1), PROTO_UDP, SK_CLOSE, "0.0.0.0", 47009,
	    0, 2642779);
	CHECK_SOCK(find(&s, 47007, -1), PROTO_UDP, SK_CLOSE, "::", 47007, 0,
	    2642777);
	CHECK_SOCK(find(&s, 47008, -1), PROTO_UDP, SK_CLOSE, "::1", 47008, 0,
	    2642778);
	k = find(&s, 47013, -1);
	CHECK_SOCK(k, PROTO_UDP, SK_ESTABLISHED, "127.0.0.1", 47013, 0,
	    2642786);
	CHECK(k != NULL && addr_is(&k->remote, "127.0.0.1", 47006));
	snap_free(&s);
}

TEST(filter)
{
	struct snap        s;
	struct door_err    e;
	struct sock_filter f = { .states = 1u << SK_LISTEN, .port_lo = 1,
	    .port_hi = 65535, .v4 = true, .v6 = true };

	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp", PROTO_TCP, AF_INET, &f, &s, &e),
	    0);
	CHECK_EQ_UINT(s.nsocks, 3);
	snap_free(&s);
	f.states = 1u << SK_CLOSE;
	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/udp", PROTO_UDP, AF_INET, &f, &s, &e),
	    0);
	CHECK_EQ_UINT(s.nsocks, 2);
	snap_free(&s);
	f.states = ~0u;
	f.port_lo = 47005;
	f.port_hi = 47012;
	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp6", PROTO_TCP, AF_INET6, &f, &s,
	    &e), 0);
	CHECK_EQ_UINT(s.nsocks, 2);   /* 47005 and 47012 */
	snap_free(&s);
	f.port_lo = 1;
	f.port_hi = 65535;
	f.v4 = false;
	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp", PROTO_TCP, AF_INET, &f, &s, &e),
	    0);
	CHECK_EQ_UINT(s.nsocks, 0);
	snap_free(&s);
}

/* The same sockets, asked two ways at the same moment: /proc/net and
 * netlink must agree on every inode, uid, state and address. */
TEST(agrees_with_netlink)
{
	static const struct {
		const char *procnet, *netlink;
		enum proto  proto;
		int         family;
	} pairs[] = {
		{ "procnet/tcp", "netlink/tcp4-all.000.bin", PROTO_TCP, AF_INET },
		{ "procnet/tcp6", "netlink/tcp6-all.000.bin", PROTO_TCP,
		    AF_INET6 },
		{ "procnet/udp", "netlink/udp4-all.000.bin", PROTO_UDP, AF_INET },
		{ "procnet/udp6", "netlink/udp6-unconn.000.bin", PROTO_UDP,
		    AF_INET6 },
	};

	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		struct snap     a, b;
		struct door_err e;
		size_t          len, matched = 0;
		char           *nl = unit_fixture(pairs[p].netlink, &len);

		snap_init(&a);
		snap_init(&b);
		CHECK_EQ_INT(parse_file(pairs[p].procnet, pairs[p].proto,
		    pairs[p].family, NULL, &a, &e), 0);
		if (nl != NULL)
			CHECK_EQ_INT(diag_parse(nl, len, 0, 0, pairs[p].proto,
			    NULL, &b, &e), 1);
		free(nl);
		CHECK_EQ_UINT(a.nsocks, b.nsocks);
		for (size_t i = 0; i < a.nsocks; i++)
			for (size_t j = 0; j < b.nsocks; j++) {
				const struct sock *x = &a.socks[i];
				const struct sock *y = &b.socks[j];

				if (x->inode != y->inode)
					continue;
				matched++;
				CHECK_EQ_INT(x->state, y->state);
				CHECK_EQ_UINT(x->uid, y->uid);
				CHECK(memcmp(&x->local, &y->local,
				    sizeof x->local) == 0);
				CHECK(memcmp(&x->remote, &y->remote,
				    sizeof x->remote) == 0);
			}
		CHECK_EQ_UINT(matched, a.nsocks);
		snap_free(&a);
		snap_free(&b);
	}
}

TEST(malformed_lines)
{
	static const char *bad[] = {
		"procnet/malformed-short-line",
		"procnet/malformed-missing-fields",
		"procnet/malformed-bad-hex",
		"procnet/malformed-huge-uid",
		"procnet/malformed-huge-inode",
		"procnet/malformed-state",
		"procnet/malformed-port",
		"procnet/malformed-uid-sign",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct snap     s;
		struct door_err e;
		int             rc;

		snap_init(&s);
		rc = parse_file(bad[i], PROTO_TCP, AF_INET, NULL, &s, &e);
		/* the bad line is line 3 (header, one good line, the bad) */
		if (rc != -1 || strstr(e.msg, "line 3") == NULL ||
		    e.status != DOOR_SYSTEM) {
			printf("#   %s: rc %d msg \"%s\"\n", bad[i], rc, e.msg);
			FAIL("malformed /proc/net accepted or misreported");
		}
		snap_free(&s);
	}
}

TEST(edges)
{
	static const struct {
		const char *rel;
		size_t      socks;
	} ok[] = {
		{ "procnet/edge-no-trailing-newline", 5 },
		{ "procnet/edge-empty", 0 },
		{ "procnet/edge-header-only", 0 },
		{ "procnet/edge-blank-lines", 5 },
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct snap     s;
		struct door_err e;
		int             rc;

		snap_init(&s);
		rc = parse_file(ok[i].rel, PROTO_TCP, AF_INET, NULL, &s, &e);
		if (rc != 0 || s.nsocks != ok[i].socks) {
			printf("#   %s: rc %d, %zu sockets (want %zu): %s\n",
			    ok[i].rel, rc, s.nsocks, ok[i].socks, e.msg);
			FAIL("edge case misread");
		}
		snap_free(&s);
	}
}

TEST(wrong_family_is_an_error)
{
	struct snap     s;
	struct door_err e;

	snap_init(&s);
	CHECK_EQ_INT(parse_file("procnet/tcp6", PROTO_TCP, AF_INET, NULL, &s,
	    &e), -1);
	CHECK_EQ_INT(parse_file("procnet/tcp", PROTO_TCP, AF_INET6, NULL, &s,
	    &e), -1);
	CHECK_EQ_INT(parse_file("procnet/tcp", PROTO_TCP, AF_UNIX, NULL, &s,
	    &e), -1);
	CHECK_EQ_UINT(s.nsocks, 0);
	snap_free(&s);
}

TEST(every_prefix)
{
	size_t len;
	char  *data = unit_fixture("procnet/tcp6", &len);
	int    weird = 0;

	if (data == NULL) {
		FAIL("fixture missing");
		return;
	}
	for (size_t cut = 0; cut <= len; cut++) {
		struct snap     s;
		struct door_err e;
		char           *copy = malloc(cut + 1);   /* exact: ASan sees */
		int             rc;

		if (copy == NULL)
			break;
		memcpy(copy, data, cut);
		snap_init(&s);
		rc = procnet_parse(copy, cut, PROTO_TCP, AF_INET6, NULL, &s,
		    &e);
		if ((rc != 0 && rc != -1) || s.nsocks > 5)
			weird++;
		snap_free(&s);
		free(copy);
	}
	CHECK_EQ_INT(weird, 0);
	free(data);
}
