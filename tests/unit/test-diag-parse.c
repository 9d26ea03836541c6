/* test-diag-parse.c - diag_parse on real sock_diag dumps recorded on this
 * machine (tests/fixtures/netlink/, see tests/fixtures/README.md for the
 * listeners they hold) and on hand-broken variants of them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/wait.h>

#include "platform/linux/parse.h"
#include "unit.h"

#define CGROUP_ID   139           /* /sys/fs/cgroup/unified/door-fixture */
#define DUMP_SEQ    0x646f6f72u   /* nlrecord's sequence number, "door" */

/* Feeds PREFIX.000.bin, .001.bin, ... to diag_parse as door feeds recv()
 * buffers: every buffer but the last must answer 1, the last 0. Returns
 * the number of buffers, or -1 (with a failure printed). */
static int
load_dump(const char *prefix, enum proto proto, const struct sock_filter *f,
    struct snap *s)
{
	int n;

	for (n = 0; n < 100; n++) {
		char            rel[256];
		size_t          len;
		char           *data;
		struct door_err e;
		int             rc;

		snprintf(rel, sizeof rel, "netlink/%s.%03d.bin", prefix, n);
		if (n > 0 && !unit_fixture_exists(rel))
			break;
		data = unit_fixture(rel, &len);
		if (data == NULL) {
			if (n == 0)
				FAIL("no first buffer");
			return n == 0 ? -1 : n;
		}
		err_clear(&e);
		rc = diag_parse(data, len, 0, 0, proto, f, s, &e);
		free(data);
		if (rc == 0)
			return n + 1;
		if (rc != 1) {
			printf("#   %s: rc %d: %s\n", rel, rc, e.msg);
			FAIL("diag_parse failed on a recorded buffer");
			return -1;
		}
	}
	FAIL("the dump never reached NLMSG_DONE");
	return -1;
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

static void
check_addr(const struct endpoint *ep, int family, const char *text,
    uint16_t port, const char *file, int line)
{
	uint8_t want[16] = { 0 };

	if (inet_pton(family, text, want) != 1 || ep->family != family ||
	    memcmp(ep->addr, want, family == AF_INET ? 4 : 16) != 0 ||
	    ep->port != port) {
		char got[64] = "?";

		inet_ntop(ep->family, ep->addr, got, sizeof got);
		unit_fail_head(file, line);
		printf("endpoint %s port %u (family %d), want %s port %u\n",
		    got, ep->port, ep->family, text, port);
	}
}
#define CHECK_ADDR(ep, fam, text, port) \
	check_addr((ep), (fam), (text), (port), __FILE__, __LINE__)

/* One recorded listener: everything the kernel said about it. */
static void
check_sock(const struct sock *k, enum proto proto, int state, int family,
    const char *addr, uint16_t port, uint32_t uid, uint64_t inode,
    int v6only, const char *file, int line)
{
	if (k == NULL) {
		unit_fail_head(file, line);
		printf("no socket on port %u\n", port);
		return;
	}
	if (k->proto != proto || (int)k->state != state || k->uid != uid ||
	    k->inode != inode || k->v6only != v6only ||
	    k->cgroup_id != CGROUP_ID || k->source != SOURCE_NETLINK ||
	    k->owners != OWNERS_NOT_ASKED || k->owner_count != 0) {
		unit_fail_head(file, line);
		printf("port %u: proto %d state %d uid %u inode %llu v6only "
		    "%d cgroup %llu source %d\n", port, k->proto, k->state,
		    k->uid, (unsigned long long)k->inode, k->v6only,
		    (unsigned long long)k->cgroup_id, k->source);
	}
	check_addr(&k->local, family, addr, port, file, line);
}
#define CHECK_SOCK(k, pr, st, fam, a, p, uid, ino, v6) \
	check_sock((k), (pr), (st), (fam), (a), (p), (uid), (ino), (v6), \
	    __FILE__, __LINE__)

TEST(tcp4_listen)
{
	struct snap s;

	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp4-listen", PROTO_TCP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 3);
	CHECK_SOCK(find(&s, 47001, -1), PROTO_TCP, SK_LISTEN, AF_INET,
	    "127.0.0.1", 47001, 0, 2642771, -1);
	CHECK_SOCK(find(&s, 47003, -1), PROTO_TCP, SK_LISTEN, AF_INET,
	    "0.0.0.0", 47003, 0, 2642773, -1);
	CHECK_SOCK(find(&s, 47010, -1), PROTO_TCP, SK_LISTEN, AF_INET,
	    "127.0.0.1", 47010, 65534, 2642781, -1);
	if (find(&s, 47001, -1) != NULL)
		CHECK_ADDR(&find(&s, 47001, -1)->remote, AF_INET, "0.0.0.0", 0);
	snap_free(&s);
}

TEST(tcp6_listen_v6only)
{
	struct snap s;

	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp6-listen", PROTO_TCP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 3);
	/* bound to ::1: the kernel makes it v6-only */
	CHECK_SOCK(find(&s, 47002, -1), PROTO_TCP, SK_LISTEN, AF_INET6,
	    "::1", 47002, 0, 2642772, 1);
	/* :: dual-stack and :: v6-only */
	CHECK_SOCK(find(&s, 47004, -1), PROTO_TCP, SK_LISTEN, AF_INET6,
	    "::", 47004, 0, 2642774, 0);
	CHECK_SOCK(find(&s, 47005, -1), PROTO_TCP, SK_LISTEN, AF_INET6,
	    "::", 47005, 0, 2642775, 1);
	snap_free(&s);
}

TEST(udp_unconnected)
{
	struct snap s;

	snap_init(&s);
	CHECK_EQ_INT(load_dump("udp4-unconn", PROTO_UDP, NULL, &s), 2);
	CHECK_EQ_INT(load_dump("udp6-unconn", PROTO_UDP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 4);
	CHECK_SOCK(find(&s, 47006, -1), PROTO_UDP, SK_CLOSE, AF_INET,
	    "127.0.0.1", 47006, 0, 2642776, -1);
	CHECK_SOCK(find(&s, 47009, -1), PROTO_UDP, SK_CLOSE, AF_INET,
	    "0.0.0.0", 47009, 0, 2642779, -1);
	CHECK_SOCK(find(&s, 47007, -1), PROTO_UDP, SK_CLOSE, AF_INET6,
	    "::", 47007, 0, 2642777, 0);
	CHECK_SOCK(find(&s, 47008, -1), PROTO_UDP, SK_CLOSE, AF_INET6,
	    "::1", 47008, 0, 2642778, 1);
	snap_free(&s);
}

TEST(all_states_with_peers)
{
	struct snap        s;
	const struct sock *k;

	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp4-all", PROTO_TCP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 5);
	k = find(&s, 47011, SK_ESTABLISHED);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, AF_INET, "127.0.0.1", 47011,
	    0, 2642782, -1);
	if (k != NULL)
		CHECK_ADDR(&k->remote, AF_INET, "127.0.0.1", 47001);
	k = find(&s, 47001, SK_ESTABLISHED);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, AF_INET, "127.0.0.1", 47001,
	    0, 2642783, -1);
	if (k != NULL)
		CHECK_ADDR(&k->remote, AF_INET, "127.0.0.1", 47011);
	CHECK(find(&s, 47001, SK_LISTEN) != NULL);
	snap_free(&s);

	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp6-all", PROTO_TCP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 5);
	/* the kernel sends INET_DIAG_SKV6ONLY only for LISTEN and CLOSE
	 * sockets: a connected one's v6only stays unknown */
	k = find(&s, 47012, SK_ESTABLISHED);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, AF_INET6, "::1", 47012, 0,
	    2642784, -1);
	if (k != NULL)
		CHECK_ADDR(&k->remote, AF_INET6, "::1", 47002);
	k = find(&s, 47002, SK_ESTABLISHED);
	CHECK_SOCK(k, PROTO_TCP, SK_ESTABLISHED, AF_INET6, "::1", 47002, 0,
	    2642785, -1);
	snap_free(&s);

	snap_init(&s);
	CHECK_EQ_INT(load_dump("udp4-all", PROTO_UDP, NULL, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 3);
	k = find(&s, 47013, -1);
	CHECK_SOCK(k, PROTO_UDP, SK_ESTABLISHED, AF_INET, "127.0.0.1", 47013,
	    0, 2642786, -1);
	if (k != NULL)
		CHECK_ADDR(&k->remote, AF_INET, "127.0.0.1", 47006);
	snap_free(&s);
}

TEST(filter)
{
	struct snap        s;
	struct sock_filter f = { .states = 1u << SK_LISTEN, .port_lo = 1,
	    .port_hi = 65535, .v4 = true, .v6 = true };

	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp4-all", PROTO_TCP, &f, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 3);   /* the established pair is dropped */
	snap_free(&s);

	f.states = ~0u;
	f.port_lo = f.port_hi = 47001;
	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp4-all", PROTO_TCP, &f, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 2);   /* listener + server side */
	snap_free(&s);

	f.port_lo = 47002;
	f.port_hi = 47004;
	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp6-listen", PROTO_TCP, &f, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 2);   /* 47002, 47004; not 47005 */
	CHECK(find(&s, 47005, -1) == NULL);
	snap_free(&s);

	f.port_lo = 1;
	f.port_hi = 65535;
	f.v6 = false;
	snap_init(&s);
	CHECK_EQ_INT(load_dump("tcp6-listen", PROTO_TCP, &f, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 0);
	CHECK_EQ_INT(load_dump("tcp4-listen", PROTO_TCP, &f, &s), 2);
	CHECK_EQ_UINT(s.nsocks, 3);
	snap_free(&s);
}

TEST(many_buffers)
{
	struct snap s;
	static int  seen[300];
	int         dup = 0, missing = 0;

	snap_init(&s);
	/* 3720 + 32364 + 1488 bytes, then NLMSG_DONE alone */
	CHECK_EQ_INT(load_dump("many-tcp4-listen", PROTO_TCP, NULL, &s), 4);
	CHECK_EQ_UINT(s.nsocks, 303);
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < s.nsocks; i++) {
		uint16_t p = s.socks[i].local.port;

		if (p >= 48000 && p < 48300 && seen[p - 48000]++)
			dup++;
	}
	for (int i = 0; i < 300; i++)
		missing += seen[i] == 0;
	CHECK_EQ_INT(dup, 0);
	CHECK_EQ_INT(missing, 0);
	snap_free(&s);
}

/* Parses one fixture file; returns diag_parse's answer. */
static int
parse_one(const char *rel, unsigned seq, unsigned portid, struct snap *s,
    struct door_err *e)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	err_clear(e);
	rc = diag_parse(data, len, seq, portid, PROTO_TCP, NULL, s, e);
	free(data);
	return rc;
}

TEST(seq_and_portid_are_checked)
{
	struct snap      s;
	struct door_err  e;
	size_t           len;
	char            *data = unit_fixture("netlink/tcp4-listen.000.bin",
	    &len);
	unsigned         pid;

	if (data == NULL || len < sizeof(struct nlmsghdr)) {
		FAIL("fixture missing");
		free(data);
		return;
	}
	memcpy(&pid, data + offsetof(struct nlmsghdr, nlmsg_pid), 4);
	free(data);
	CHECK(pid != 0);
	snap_init(&s);
	CHECK_EQ_INT(parse_one("netlink/tcp4-listen.000.bin", DUMP_SEQ, pid,
	    &s, &e), 1);
	CHECK_EQ_UINT(s.nsocks, 3);
	CHECK_EQ_INT(parse_one("netlink/tcp4-listen.000.bin", DUMP_SEQ + 1,
	    pid, &s, &e), -1);
	CHECK(e.msg[0] != '\0');
	CHECK_EQ_INT(parse_one("netlink/tcp4-listen.000.bin", DUMP_SEQ,
	    pid + 1, &s, &e), -1);
	CHECK(e.msg[0] != '\0');
	CHECK_EQ_INT(parse_one("netlink/tcp4-listen.001.bin", DUMP_SEQ, pid,
	    &s, &e), 0);
	snap_free(&s);
}

TEST(kernel_error_einval)
{
	struct snap     s;
	struct door_err e;

	snap_init(&s);
	/* a real NLMSG_ERROR: sdiag_family 99 */
	CHECK_EQ_INT(parse_one("netlink/err-family.000.bin", 0, 0, &s, &e),
	    -1);
	CHECK_EQ_INT(e.sys_errno, EINVAL);
	CHECK_EQ_INT(e.status, DOOR_SYSTEM);
	CHECK(e.msg[0] != '\0');
	CHECK_EQ_UINT(s.nsocks, 0);
	snap_free(&s);
}

TEST(kernel_error_in_nlmsg_done)
{
	struct snap     s;
	struct door_err e;

	/* The kernel reports a failed dump (no handler for the protocol:
	 * SCTP without sctp_diag, or an unknown protocol; likewise udp_diag
	 * not loaded) as NLMSG_DONE carrying -ENOENT, as recorded here. That
	 * must be an error (door falls back to /proc/net on ENOENT), not an
	 * empty, successful dump. */
	snap_init(&s);
	CHECK_EQ_INT(parse_one("netlink/err-sctp.000.bin", 0, 0, &s, &e), -1);
	CHECK_EQ_INT(e.sys_errno, ENOENT);
	CHECK_EQ_INT(parse_one("netlink/err-proto.000.bin", 0, 0, &s, &e),
	    -1);
	CHECK_EQ_INT(e.sys_errno, ENOENT);
	CHECK_EQ_UINT(s.nsocks, 0);
	snap_free(&s);
}

TEST(derived_errors)
{
	static const char *bad[] = {
		"netlink/derived-short-payload.bin",
		"netlink/derived-bad-family.bin",
		"netlink/derived-bad-attr.bin",
	};
	struct snap     s;
	struct door_err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snap_init(&s);
		if (parse_one(bad[i], 0, 0, &s, &e) != -1 || e.msg[0] == '\0') {
			printf("#   %s\n", bad[i]);
			FAIL("a malformed buffer was accepted");
		}
		snap_free(&s);
	}
}

TEST(dump_interrupted)
{
	struct snap     s;
	struct door_err e;

	snap_init(&s);
	CHECK_EQ_INT(parse_one("netlink/derived-dump-intr.bin", 0, 0, &s, &e),
	    -1);
	CHECK_EQ_INT(e.sys_errno, EINTR);   /* diag.c starts the dump again */
	snap_free(&s);
}

TEST(ack_and_unknown_types)
{
	struct snap     s;
	struct door_err e;

	snap_init(&s);
	/* an NLMSG_ERROR with error 0 is an acknowledgement: the end */
	CHECK_EQ_INT(parse_one("netlink/derived-ack.bin", 0, 0, &s, &e), 0);
	CHECK_EQ_UINT(s.nsocks, 0);
	/* a message of a type door does not know is skipped */
	CHECK_EQ_INT(parse_one("netlink/derived-unknown-type.bin", 0, 0, &s,
	    &e), 1);
	CHECK_EQ_UINT(s.nsocks, 2);
	snap_free(&s);
}

TEST(truncated_buffers_are_errors)
{
	static const char *bad[] = {
		"netlink/derived-trunc-mid.bin",
		"netlink/derived-trunc-hdr.bin",
		"netlink/derived-len-overflow.bin",
		"netlink/derived-trailing-junk.bin",
		"netlink/derived-empty.bin",
	};
	struct snap     s;
	struct door_err e;

	/* parse.h: -1 on a malformed message. A buffer whose last message
	 * is cut short (or whose length field points past the end) is
	 * malformed; answering 1 makes door wait for a buffer that the
	 * kernel never sends, or lose sockets silently. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc;

		snap_init(&s);
		rc = parse_one(bad[i], 0, 0, &s, &e);
		if (rc != -1) {
			printf("#   %s: rc %d, %zu sockets\n", bad[i], rc,
			    s.nsocks);
			FAIL("a truncated buffer was accepted");
		}
		snap_free(&s);
	}
}

TEST(buffer_is_only_read)
{
	struct snap     s;
	struct door_err e;
	size_t          len;
	char           *data = unit_fixture("netlink/tcp6-all.000.bin", &len);
	char           *copy;

	if (data == NULL) {
		FAIL("fixture missing");
		return;
	}
	copy = malloc(len);
	if (copy == NULL) {
		free(data);
		return;
	}
	memcpy(copy, data, len);
	snap_init(&s);
	CHECK_EQ_INT(diag_parse(data, len, 0, 0, PROTO_TCP, NULL, &s, &e), 1);
	CHECK(memcmp(copy, data, len) == 0);
	/* every prefix of a real buffer: never a crash (ASan watches) */
	for (size_t cut = 0; cut < len; cut++) {
		struct snap t;

		snap_init(&t);
		(void)diag_parse(data, cut, 0, 0, PROTO_TCP, NULL, &t, &e);
		CHECK(t.nsocks <= 5);
		snap_free(&t);
	}
	snap_free(&s);
	free(copy);
	free(data);
}

/* Runs diag_parse on a fixture in a child process: a crash there is a
 * failed check here, not the end of the test run. Returns the child's
 * wait status. */
static int
parse_in_child(const char *rel)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	pid_t  pid;
	int    st = -1;

	if (data == NULL) {
		FAIL("fixture missing");
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct snap     s;
		struct door_err e;
		int             null = open("/dev/null", O_WRONLY);
		int             rc;

		if (null >= 0)
			dup2(null, 2);   /* the sanitizer's report, if any */
		snap_init(&s);
		rc = diag_parse(data, len, 0, 0, PROTO_TCP, NULL, &s, &e);
		_exit(rc == -1 ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	free(data);
	return st;
}

TEST(huge_nlmsg_len_does_not_crash)
{
	int st;

	/* nlmsg_len 0xfffffff0: libmnl's mnl_nlmsg_ok() compares it as an
	 * int (-16 <= len) and mnl_nlmsg_next() then steps 4 GiB ahead:
	 * SIGSEGV inside mnl_cb_run. Found by fuzz-diag. */
	st = parse_in_child("netlink/derived-len-huge.bin");
	if (!WIFEXITED(st)) {
		printf("#   the child died of signal %d\n",
		    WIFSIGNALED(st) ? WTERMSIG(st) : -1);
		FAIL("diag_parse crashed");
	} else
		CHECK_EQ_INT(WEXITSTATUS(st), 0);   /* and it answered -1 */
}
