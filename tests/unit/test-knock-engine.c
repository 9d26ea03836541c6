/*
 * test-knock-engine.c - src/knock/: the resolver, the connect engine and
 * the HTTP probe, against real sockets on loopback (house rule 11). Ports
 * that must be closed are reserved by binding them without listening: a
 * SYN to them is answered by a RST, and nobody else can take them meanwhile.
 * The self-connect and no-route cases run in a private network namespace
 * (root only; skipped otherwise).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "core/target.h"
#include "knock/engine.h"
#include "knock/http.h"
#include "knock/resolve.h"
#include "unit.h"

/* ---- helpers -------------------------------------------------------- */

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static socklen_t
loop_addr(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof *s4;
	}
	{
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		return sizeof *s6;
	}
}

static uint16_t
sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t               len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
}

/*
 * A TCP socket bound to loopback:port (0: any), listening with `backlog`
 * when backlog >= 0, else only bound (a closed, reserved door). v6only
 * matters for AF_INET6 only; `any` binds :: instead of ::1. -1 on failure.
 */
static int
tcp_sock(int family, uint16_t port, int backlog, int v6only, bool any)
{
	struct sockaddr_storage ss;
	socklen_t               len = loop_addr(family, port, &ss);
	int                     fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC,
				    0);

	if (fd < 0)
		return -1;
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof v6only);
		if (any)
			((struct sockaddr_in6 *)(void *)&ss)->sin6_addr =
			    in6addr_any;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    (backlog >= 0 && listen(fd, backlog) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
job_at(struct knock_job *j, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t               len = loop_addr(family, 0, &ss);

	knock_job_init(j, (struct sockaddr *)&ss, len, port);
}

static int
run(struct knock_job *jobs, size_t n, uint32_t timeout_ms, unsigned cap,
    unsigned threads)
{
	struct knock_opts o = { timeout_ms, cap, threads };
	struct door_err   e;
	int               rc;

	err_clear(&e);
	rc = knock_run(jobs, n, &o, &e);
	if (rc != 0)
		printf("#   knock_run: %s\n", e.msg);
	return rc;
}

static bool
have_ipv6(void)
{
	int fd = tcp_sock(AF_INET6, 0, -1, 1, false);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Runs fn in a child process; returns its exit status, -1 if it died. */
static int
in_child(int (*fn)(void))
{
	pid_t pid;
	int   status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		int rc = fn();

		fflush(stdout);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* ---- resolver ------------------------------------------------------- */

static size_t
resolve(const char *target, struct knock_addr **v, char *why, size_t wsz)
{
	struct target   t;
	struct door_err e;
	size_t          n = 0;

	err_clear(&e);
	*v = NULL;
	if (target_parse(target, &t, &e) != 0) {
		printf("#   target_parse(%s): %s\n", target, e.msg);
		return SIZE_MAX;
	}
	if (knock_resolve(&t, v, &n, why, wsz, &e) != 0) {
		printf("#   knock_resolve(%s): %s\n", target, e.msg);
		return SIZE_MAX;
	}
	return n;
}

TEST(resolve_localhost_is_both)
{
	static const char *forms[] = { "3000", ":3000", "localhost:3000",
	    "LOCALHOST:3000", "localhost.:3000", "http://localhost/x" };
	struct knock_addr *v;
	char               why[KNOCK_WHY_MAX];

	/* /etc/hosts may list only 127.0.0.1: localhost is both anyway. */
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		CHECK_EQ_UINT(resolve(forms[i], &v, why, sizeof why), 2);
		if (v == NULL)
			continue;
		CHECK_EQ_INT(v[0].family, AF_INET);
		CHECK_STR(v[0].text, "127.0.0.1");
		CHECK_EQ_INT(v[1].family, AF_INET6);
		CHECK_STR(v[1].text, "::1");
		CHECK_EQ_UINT(v[0].len, sizeof(struct sockaddr_in));
		CHECK_EQ_UINT(v[1].len, sizeof(struct sockaddr_in6));
		free(v);
	}
}

TEST(resolve_literals)
{
	struct knock_addr *v;
	char               why[KNOCK_WHY_MAX], text[80];

	CHECK_EQ_UINT(resolve("127.0.0.1:80", &v, why, sizeof why), 1);
	if (v != NULL) {
		CHECK_EQ_INT(v[0].family, AF_INET);
		CHECK_STR(v[0].text, "127.0.0.1");
		knock_addr_set_port(&v[0].ss, 8080);
		knock_addr_format((struct sockaddr *)&v[0].ss, text,
		    sizeof text);
		CHECK_STR(text, "127.0.0.1:8080");
		free(v);
	}
	CHECK_EQ_UINT(resolve("[::1]:80", &v, why, sizeof why), 1);
	if (v != NULL) {
		CHECK_EQ_INT(v[0].family, AF_INET6);
		CHECK_STR(v[0].text, "::1");
		knock_addr_set_port(&v[0].ss, 3000);
		knock_addr_format((struct sockaddr *)&v[0].ss, text,
		    sizeof text);
		CHECK_STR(text, "[::1]:3000");
		free(v);
	}
	CHECK_EQ_UINT(resolve("10.1.2.3:5432", &v, why, sizeof why), 1);
	if (v != NULL) {
		CHECK_STR(v[0].text, "10.1.2.3");
		free(v);
	}
	CHECK_EQ_UINT(resolve("[2001:db8::5]:1", &v, why, sizeof why), 1);
	if (v != NULL) {
		CHECK_STR(v[0].text, "2001:db8::5");
		free(v);
	}
}

TEST(resolve_unresolvable)
{
	struct knock_addr *v;
	char               why[KNOCK_WHY_MAX];

	/* .invalid never resolves (RFC 6761): a verdict, not a failure. */
	why[0] = 'x';
	CHECK_EQ_UINT(resolve("no-such-host.invalid:80", &v, why, sizeof why),
	    0);
	CHECK(v == NULL);
	CHECK(why[0] != '\0' && why[0] != 'x');
	printf("# no-such-host.invalid: %s\n", why);
	/* a zone naming no interface */
	CHECK_EQ_UINT(resolve("[fe80::1%no-such-if0]:80", &v, why,
	    sizeof why), 0);
	CHECK(why[0] != '\0');
}

/* ---- engine: the small pure parts ----------------------------------- */

TEST(state_names)
{
	CHECK_STR(knock_state_name(KNOCK_OPEN), "open");
	CHECK_STR(knock_state_name(KNOCK_REFUSED), "refused");
	CHECK_STR(knock_state_name(KNOCK_TIMEOUT), "timeout");
	CHECK_STR(knock_state_name(KNOCK_UNREACHABLE), "unreachable");
	CHECK_STR(knock_state_name(KNOCK_ERROR), "error");
	CHECK_STR(knock_state_name((enum knock_state)42), "error");
	CHECK_EQ_INT(knock_classify(ECONNREFUSED), KNOCK_REFUSED);
	CHECK_EQ_INT(knock_classify(ETIMEDOUT), KNOCK_TIMEOUT);
	CHECK_EQ_INT(knock_classify(ENETUNREACH), KNOCK_UNREACHABLE);
	CHECK_EQ_INT(knock_classify(EHOSTUNREACH), KNOCK_UNREACHABLE);
	CHECK_EQ_INT(knock_classify(EADDRNOTAVAIL), KNOCK_UNREACHABLE);
	CHECK_EQ_INT(knock_classify(EACCES), KNOCK_ERROR);
	CHECK_EQ_INT(knock_classify(EPERM), KNOCK_ERROR);
}

TEST(same_endpoint)
{
	struct sockaddr_storage a, b;

	loop_addr(AF_INET, 40000, &a);
	loop_addr(AF_INET, 40000, &b);
	CHECK(knock_same_endpoint((struct sockaddr *)&a, (struct sockaddr *)&b));
	loop_addr(AF_INET, 40001, &b);
	CHECK(!knock_same_endpoint((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	loop_addr(AF_INET6, 40000, &b);
	CHECK(!knock_same_endpoint((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	loop_addr(AF_INET6, 40000, &a);
	CHECK(knock_same_endpoint((struct sockaddr *)&a, (struct sockaddr *)&b));
	((struct sockaddr_in6 *)(void *)&b)->sin6_addr.s6_addr[15] = 2;
	CHECK(!knock_same_endpoint((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
	loop_addr(AF_INET, 7, &a);
	loop_addr(AF_INET, 7, &b);
	((struct sockaddr_in *)(void *)&b)->sin_addr.s_addr =
	    htonl(0x7f000002);
	CHECK(!knock_same_endpoint((struct sockaddr *)&a,
	    (struct sockaddr *)&b));
}

TEST(empty_batch)
{
	CHECK_EQ_INT(run(NULL, 0, 100, 0, 0), 0);
}

/* ---- engine: real sockets ------------------------------------------- */

TEST(open_and_refused_v4)
{
	int              lfd = tcp_sock(AF_INET, 0, 16, 0, false);
	int              rfd = tcp_sock(AF_INET, 0, -1, 0, false);
	struct knock_job j[3];

	CHECK(lfd >= 0 && rfd >= 0);
	if (lfd < 0 || rfd < 0)
		goto out;
	job_at(&j[0], AF_INET, sock_port(lfd));
	job_at(&j[1], AF_INET, sock_port(rfd));
	job_at(&j[2], AF_INET, sock_port(lfd));   /* the same door twice */
	CHECK_EQ_INT(run(j, 3, 1000, 0, 0), 0);
	CHECK_STR(knock_state_name(j[0].state), "open");
	CHECK_EQ_INT(j[0].err, 0);
	CHECK_STR(knock_state_name(j[1].state), "refused");
	CHECK_EQ_INT(j[1].err, ECONNREFUSED);
	CHECK_STR(knock_state_name(j[2].state), "open");
	CHECK(j[0].usec < 1000000);
out:
	if (lfd >= 0)
		close(lfd);
	if (rfd >= 0)
		close(rfd);
}

/* A port free on both ::1 and 127.0.0.1: v6 listener, v4 reserved. */
static int
v6_only_pair(int *lfd, int *rfd)
{
	for (int tries = 0; tries < 50; tries++) {
		*lfd = tcp_sock(AF_INET6, 0, 16, 1, false);
		if (*lfd < 0)
			break;
		*rfd = tcp_sock(AF_INET, sock_port(*lfd), -1, 0, false);
		if (*rfd >= 0)
			return 0;
		close(*lfd);
	}
	*lfd = *rfd = -1;
	return -1;
}

TEST(v6_listener)
{
	struct knock_job j[2];
	int              lfd, rfd;

	if (!have_ipv6()) {
		printf("# skipped: no IPv6 on loopback\n");
		return;
	}
	if (v6_only_pair(&lfd, &rfd) != 0) {
		FAIL("no port free on both ::1 and 127.0.0.1");
		return;
	}
	/* [::1]:P is open, 127.0.0.1:P refused: "localhost is both". */
	job_at(&j[0], AF_INET6, sock_port(lfd));
	job_at(&j[1], AF_INET, sock_port(lfd));
	CHECK_EQ_INT(run(j, 2, 1000, 0, 0), 0);
	CHECK_STR(knock_state_name(j[0].state), "open");
	CHECK_STR(knock_state_name(j[1].state), "refused");
	close(lfd);
	close(rfd);
}

TEST(dual_stack_listener)
{
	struct knock_job j[2];
	int              lfd;

	if (!have_ipv6()) {
		printf("# skipped: no IPv6 on loopback\n");
		return;
	}
	/* [::]:P without IPV6_V6ONLY takes IPv4 too. */
	lfd = tcp_sock(AF_INET6, 0, 16, 0, true);
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	job_at(&j[0], AF_INET, sock_port(lfd));
	job_at(&j[1], AF_INET6, sock_port(lfd));
	CHECK_EQ_INT(run(j, 2, 1000, 0, 0), 0);
	CHECK_STR(knock_state_name(j[0].state), "open");
	CHECK_STR(knock_state_name(j[1].state), "open");
	close(lfd);
}

#define RANGE 2000

/* Reserves RANGE consecutive ports on loopback; returns the first, 0. */
static uint16_t
reserve_range(int family, int *fds)
{
	unsigned      seed = (unsigned)getpid() * 2654435761u;
	struct rlimit rl;

	/* RANGE descriptors, and the engine's: a soft limit of 1024 is not
	 * enough; the hard one usually is. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 2 * RANGE + 256) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max >= 2 * RANGE + 256 ? 2 * RANGE + 256 :
		    rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < RANGE + 64) {
			printf("#   RLIMIT_NOFILE hard limit %llu is too low for "
			    "%d reserved ports\n",
			    (unsigned long long)rl.rlim_max, RANGE);
			return 0;
		}
	}

	for (int tries = 0; tries < 30; tries++) {
		/* Below the ephemeral range (32768-60999 by default), so our
		 * own connects are not competing for these ports. */
		uint16_t base = (uint16_t)(10000 + (seed + (unsigned)tries *
		    7919u) % 20000u);
		int      i;

		for (i = 0; i < RANGE; i++)
			if ((fds[i] = tcp_sock(family, (uint16_t)(base + i), -1,
			    1, false)) < 0)
				break;
		if (i == RANGE)
			return base;
		while (i-- > 0)
			close(fds[i]);
	}
	return 0;
}

static void
batch(int family, unsigned cap, unsigned threads)
{
	static const int  open_at[] = { 0, 7, 999, 1000, RANGE - 1 };
	struct knock_job *j = calloc(RANGE, sizeof *j);
	int              *fds = calloc(RANGE, sizeof *fds);
	size_t            nopen = 0, nref = 0, bad = 0;
	uint16_t          base;

	CHECK(j != NULL && fds != NULL);
	if (j == NULL || fds == NULL)
		goto out;
	base = reserve_range(family, fds);
	CHECK(base != 0);
	if (base == 0)
		goto out;
	for (size_t k = 0; k < sizeof open_at / sizeof open_at[0]; k++)
		CHECK_EQ_INT(listen(fds[open_at[k]], 64), 0);
	for (int i = 0; i < RANGE; i++)
		job_at(&j[i], family, (uint16_t)(base + i));
	CHECK_EQ_INT(run(j, RANGE, 1000, cap, threads), 0);
	for (int i = 0; i < RANGE; i++) {
		bool want = false;

		for (size_t k = 0; k < sizeof open_at / sizeof open_at[0]; k++)
			want = want || open_at[k] == i;
		if (j[i].state == KNOCK_OPEN)
			nopen++;
		else if (j[i].state == KNOCK_REFUSED)
			nref++;
		if ((j[i].state == KNOCK_OPEN) != want ||
		    (!want && j[i].state != KNOCK_REFUSED)) {
			if (bad++ < 5)
				printf("#   port %d: %s (%s)\n", base + i,
				    knock_state_name(j[i].state),
				    strerror(j[i].err));
		}
	}
	CHECK_EQ_UINT(nopen, 5);
	CHECK_EQ_UINT(nref, RANGE - 5);
	CHECK_EQ_UINT(bad, 0);
	for (int i = 0; i < RANGE; i++)
		close(fds[i]);
out:
	free(j);
	free(fds);
}

TEST(batch_2000_v4)
{
	batch(AF_INET, 0, 0);           /* one thread: under BIG_BATCH */
	batch(AF_INET, 64, 2);          /* two threads, queue compaction */
	batch(AF_INET, 1, 1);           /* one socket at a time */
	batch(AF_INET, 3, 7);           /* more threads than sockets */
}

TEST(batch_2000_v6)
{
	if (!have_ipv6()) {
		printf("# skipped: no IPv6 on loopback\n");
		return;
	}
	batch(AF_INET6, 0, 2);
}

/* Both families mixed in one batch: sockets are reused per family. */
TEST(batch_mixed_families)
{
	struct knock_job j[64];
	int              l4 = tcp_sock(AF_INET, 0, 64, 0, false);
	int              l6 = have_ipv6() ? tcp_sock(AF_INET6, 0, 64, 1, false)
			     : -1;
	int              r4 = tcp_sock(AF_INET, 0, -1, 0, false);

	CHECK(l4 >= 0 && r4 >= 0);
	for (int i = 0; i < 64; i++) {
		if (i % 3 == 0)
			job_at(&j[i], AF_INET, sock_port(l4));
		else if (i % 3 == 1 && l6 >= 0)
			job_at(&j[i], AF_INET6, sock_port(l6));
		else
			job_at(&j[i], AF_INET, sock_port(r4));
	}
	CHECK_EQ_INT(run(j, 64, 1000, 4, 1), 0);
	for (int i = 0; i < 64; i++) {
		enum knock_state want = i % 3 == 0 || (i % 3 == 1 && l6 >= 0) ?
		    KNOCK_OPEN : KNOCK_REFUSED;

		if (j[i].state != want)
			printf("#   job %d: %s\n", i, knock_state_name(j[i].state));
		CHECK_EQ_INT(j[i].state, want);
	}
	close(l4);
	close(r4);
	if (l6 >= 0)
		close(l6);
}

/*
 * A listener whose accept queue is full drops further SYNs (Linux, with
 * listen(fd, 0) one queued connection fills it), so a knock gets no answer:
 * a timeout, on time.
 */
TEST(timeout_full_backlog)
{
	struct sockaddr_storage ss;
	struct knock_job        j[3];
	socklen_t               len;
	uint64_t                t0, took;
	int                     lfd, cfd, rfd;
	const uint32_t          timeout = 400;

	lfd = tcp_sock(AF_INET, 0, 0, 0, false);
	rfd = tcp_sock(AF_INET, 0, -1, 0, false);
	CHECK(lfd >= 0 && rfd >= 0);
	if (lfd < 0 || rfd < 0)
		return;
	len = loop_addr(AF_INET, sock_port(lfd), &ss);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ_INT(connect(cfd, (struct sockaddr *)&ss, len), 0);
	job_at(&j[0], AF_INET, sock_port(lfd));
	job_at(&j[1], AF_INET, sock_port(rfd));   /* answered at once */
	job_at(&j[2], AF_INET, sock_port(lfd));
	t0 = ms_now();
	CHECK_EQ_INT(run(j, 3, timeout, 0, 0), 0);
	took = ms_now() - t0;
	CHECK_STR(knock_state_name(j[0].state), "timeout");
	CHECK_EQ_INT(j[0].err, ETIMEDOUT);
	CHECK_STR(knock_state_name(j[1].state), "refused");
	CHECK_STR(knock_state_name(j[2].state), "timeout");
	CHECK(j[0].usec >= timeout * 1000u);
	CHECK(j[1].usec < timeout * 1000u);
	printf("# timeout %u ms took %llu ms\n", timeout,
	    (unsigned long long)took);
	CHECK(took >= timeout);
	CHECK(took <= timeout + timeout / 10);
	close(cfd);
	close(lfd);
	close(rfd);
}

/*
 * With a hard RLIMIT_NOFILE far below max_inflight, and most of it already
 * used, the engine does fewer at once and still answers every job, on two
 * threads competing for the few descriptors left.
 */
static int
few_fds_child(void)
{
	struct rlimit     rl = { 200, 200 }, now;
	struct knock_job *j = calloc(RANGE, sizeof *j);
	int               lfd, rfd, bad = 0;

	lfd = tcp_sock(AF_INET, 0, 4096, 0, false);   /* never accepted */
	rfd = tcp_sock(AF_INET, 0, -1, 0, false);
	if (j == NULL || lfd < 0 || rfd < 0)
		return 10;
	for (int i = 0; i < RANGE; i++)
		job_at(&j[i], AF_INET, sock_port(i % 2 ? lfd : rfd));
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 11;
	/* leave about 20 descriptors free */
	for (int k = 0; k < 200; k++) {
		int d = dup(lfd);

		if (d < 0 || d >= 180)
			break;
	}
	if (run(j, RANGE, 1000, 1024, 2) != 0)
		return 12;
	for (int i = 0; i < RANGE; i++)
		if (j[i].state != (i % 2 ? KNOCK_OPEN : KNOCK_REFUSED) &&
		    bad++ < 3)
			printf("#   job %d: %s (%s)\n", i,
			    knock_state_name(j[i].state), strerror(j[i].err));
	if (bad)
		return 13;
	if (getrlimit(RLIMIT_NOFILE, &now) != 0 || now.rlim_cur != 200)
		return 14;
	free(j);
	return 0;
}

TEST(few_descriptors)
{
	CHECK_EQ_INT(in_child(few_fds_child), 0);
}

/*
 * On loopback most knocks end inside connect(); the few that do not (an
 * open door, answered through epoll) must still be read long before a
 * batch of thousands ends: a door at the start of a long batch with a
 * short timeout is open, not timed out.
 */
TEST(open_early_in_long_batch)
{
	enum { REPEAT = 8 };
	struct knock_job *j = calloc(RANGE * REPEAT + 2, sizeof *j);
	int              *fds = calloc(RANGE, sizeof *fds);
	int               lfd = tcp_sock(AF_INET, 0, 64, 0, false);
	uint16_t          base = 0;
	size_t            n = 0, bad = 0;
	uint64_t          t0;

	CHECK(j != NULL && fds != NULL && lfd >= 0);
	if (j == NULL || fds == NULL || lfd < 0)
		goto out;
	base = reserve_range(AF_INET, fds);
	CHECK(base != 0);
	if (base == 0)
		goto out;
	job_at(&j[n++], AF_INET, sock_port(lfd));
	for (int r = 0; r < REPEAT; r++)
		for (int i = 0; i < RANGE; i++)
			job_at(&j[n++], AF_INET, (uint16_t)(base + i));
	job_at(&j[n++], AF_INET, sock_port(lfd));
	t0 = ms_now();
	CHECK_EQ_INT(run(j, n, 50, 0, 1), 0);
	printf("# %zu knocks, 50 ms timeout, in %llu ms\n", n,
	    (unsigned long long)(ms_now() - t0));
	CHECK_STR(knock_state_name(j[0].state), "open");
	CHECK_STR(knock_state_name(j[n - 1].state), "open");
	for (size_t i = 1; i + 1 < n; i++)
		bad += j[i].state != KNOCK_REFUSED;
	CHECK_EQ_UINT(bad, 0);
out:
	for (int i = 0; base != 0 && i < RANGE; i++)
		close(fds[i]);
	if (lfd >= 0)
		close(lfd);
	free(j);
	free(fds);
}

/*
 * Answers that come late, through epoll: two listeners with full accept
 * queues drop the first SYNs; 200 ms later one is drained and the other
 * closed, so the SYNs the kernel sends again after 1 s are answered with
 * a SYN-ACK and a RST. Meanwhile and after, many refused ports go through
 * the same two sockets (one of them now in the epoll set), then an open
 * door: every verdict must be about its own attempt.
 */
struct later {
	int drain, shut;
};

static void *
later_main(void *arg)
{
	struct later    *l = arg;
	struct timespec  ts = { 0, 200000000 };
	int              fd;

	nanosleep(&ts, NULL);
	if ((fd = accept(l->drain, NULL, NULL)) >= 0)
		close(fd);
	close(l->shut);
	return NULL;
}

TEST(async_answers)
{
	struct sockaddr_storage ss;
	struct knock_job       *j = calloc(RANGE + 3, sizeof *j);
	int                    *fds = calloc(RANGE, sizeof *fds);
	struct later            l;
	pthread_t               t;
	socklen_t               len;
	uint16_t                base = 0, pdrain, pshut;
	int                     c1, c2, l3, bad = 0;
	bool                    shut = false;   /* l.shut closed by later */

	l.drain = tcp_sock(AF_INET, 0, 0, 0, false);
	l.shut = tcp_sock(AF_INET, 0, 0, 0, false);
	l3 = tcp_sock(AF_INET, 0, 16, 0, false);
	CHECK(j != NULL && fds != NULL && l.drain >= 0 && l.shut >= 0 &&
	    l3 >= 0);
	if (j == NULL || fds == NULL || l.drain < 0 || l.shut < 0 || l3 < 0)
		goto out;
	base = reserve_range(AF_INET, fds);
	CHECK(base != 0);
	if (base == 0)
		goto out;
	pdrain = sock_port(l.drain);
	pshut = sock_port(l.shut);
	/* fill both accept queues */
	len = loop_addr(AF_INET, pdrain, &ss);
	c1 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ_INT(connect(c1, (struct sockaddr *)&ss, len), 0);
	len = loop_addr(AF_INET, pshut, &ss);
	c2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ_INT(connect(c2, (struct sockaddr *)&ss, len), 0);

	job_at(&j[0], AF_INET, pshut);
	job_at(&j[1], AF_INET, pdrain);
	for (int i = 0; i < RANGE; i++)
		job_at(&j[2 + i], AF_INET, (uint16_t)(base + i));
	job_at(&j[RANGE + 2], AF_INET, sock_port(l3));
	shut = pthread_create(&t, NULL, later_main, &l) == 0;
	CHECK(shut);
	CHECK_EQ_INT(run(j, RANGE + 3, 3000, 2, 1), 0);
	if (shut)
		pthread_join(t, NULL);

	CHECK_STR(knock_state_name(j[0].state), "refused");
	CHECK_STR(knock_state_name(j[1].state), "open");
	/* they were answered by the retransmitted SYN, about 1 s later */
	CHECK(j[0].usec > 900000 && j[0].usec < 2900000);
	CHECK(j[1].usec > 900000 && j[1].usec < 2900000);
	for (int i = 0; i < RANGE; i++)
		if (j[2 + i].state != KNOCK_REFUSED && bad++ < 3)
			printf("#   port %d: %s\n", base + i,
			    knock_state_name(j[2 + i].state));
	CHECK_EQ_INT(bad, 0);
	CHECK_STR(knock_state_name(j[RANGE + 2].state), "open");
	close(c1);
	close(c2);
out:
	for (int i = 0; base != 0 && i < RANGE; i++)
		close(fds[i]);
	if (l.drain >= 0)
		close(l.drain);
	if (l.shut >= 0 && !shut)
		close(l.shut);
	if (l3 >= 0)
		close(l3);
	free(j);
	free(fds);
}

/* The soft limit is raised for a big batch and put back afterwards. */
TEST(rlimit_restored)
{
	struct rlimit     old, low, after;
	struct knock_job *j = calloc(RANGE, sizeof *j);
	int              *fds = calloc(RANGE, sizeof *fds);
	uint16_t          base;

	CHECK(j != NULL && fds != NULL);
	if (j == NULL || fds == NULL || getrlimit(RLIMIT_NOFILE, &old) != 0)
		goto out;
	base = reserve_range(AF_INET, fds);
	CHECK(base != 0);
	if (base == 0)
		goto out;
	for (int i = 0; i < RANGE; i++) {
		job_at(&j[i], AF_INET, (uint16_t)(base + i));
	}
	low = old;
	if (low.rlim_max == RLIM_INFINITY || low.rlim_max > 4096) {
		/* the 2000 reserved fds need room too */
		low.rlim_cur = RANGE + 100;
		CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
		CHECK_EQ_INT(run(j, RANGE, 1000, 4000, 2), 0);
		CHECK_EQ_INT(getrlimit(RLIMIT_NOFILE, &after), 0);
		CHECK_EQ_UINT(after.rlim_cur, RANGE + 100);
		for (int i = 0; i < RANGE; i++)
			if (j[i].state != KNOCK_REFUSED) {
				CHECK_STR(knock_state_name(j[i].state),
				    "refused");
				break;
			}
		setrlimit(RLIMIT_NOFILE, &old);
	} else
		printf("# skipped: hard RLIMIT_NOFILE is only %llu\n",
		    (unsigned long long)old.rlim_max);
	for (int i = 0; i < RANGE; i++)
		close(fds[i]);
out:
	free(j);
	free(fds);
}

/* ---- a private network namespace ------------------------------------ */

static int
lo_up(void)
{
	struct ifreq ifr;
	int          fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

static int
port_range(unsigned lo, unsigned hi)
{
	char buf[32];
	int  fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY |
	    O_CLOEXEC);
	int  n, rc;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof buf, "%u %u\n", lo, hi);
	rc = write(fd, buf, (size_t)n) == n ? 0 : -1;
	close(fd);
	return rc;
}

static int (*netns_fn)(void);

static int
netns_child(void)
{
	if (unshare(CLONE_NEWNET) != 0 || lo_up() != 0)
		return 77;
	return netns_fn();
}

/*
 * Runs fn in a child inside a new network namespace with only lo up.
 * Returns its exit status, or 77 when namespaces are not allowed here.
 */
static int
in_netns(int (*fn)(void))
{
	netns_fn = fn;
	return in_child(netns_child);
}

/*
 * With the ephemeral range narrowed to the one port P and nothing on P,
 * a connect to 127.0.0.1:P must use source port P: the SYN meets its own
 * socket and the kernel completes a simultaneous open to itself. First
 * prove that with a plain connect() (on P+1, so no TIME_WAIT is left on
 * P), then check that the engine calls P refused, not open.
 */
static int
self_connect_child(void)
{
	struct sockaddr_storage ss, me, peer;
	socklen_t               len, ml = sizeof me, pl = sizeof peer;
	struct knock_job        j[1];
	int                     fd;

	if (port_range(40001, 40001) != 0)
		return 77;
	len = loop_addr(AF_INET, 40001, &ss);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		printf("#   plain connect: %s (no self-connect?)\n",
		    strerror(errno));
		return 2;
	}
	getsockname(fd, (struct sockaddr *)&me, &ml);
	getpeername(fd, (struct sockaddr *)&peer, &pl);
	if (!knock_same_endpoint((struct sockaddr *)&me,
	    (struct sockaddr *)&peer)) {
		printf("#   plain connect did not connect to itself\n");
		return 3;
	}
	close(fd);
	printf("# plain connect() to 127.0.0.1:40001 connected to itself\n");

	if (port_range(40000, 40000) != 0)
		return 4;
	job_at(&j[0], AF_INET, 40000);
	if (run(j, 1, 1000, 0, 1) != 0)
		return 5;
	if (j[0].state != KNOCK_REFUSED) {
		printf("#   engine on 127.0.0.1:40000: %s (%s)\n",
		    knock_state_name(j[0].state), strerror(j[0].err));
		return 6;
	}
	return 0;
}

TEST(self_connect_is_refused)
{
	int rc = in_netns(self_connect_child);

	if (rc == 77) {
		printf("# skipped: needs a network namespace (root)\n");
		return;
	}
	CHECK_EQ_INT(rc, 0);
}

/* No route in the namespace but lo's: an immediate unreachable. */
static int
unreachable_child(void)
{
	struct sockaddr_in s4;
	struct knock_job   j[2];

	memset(&s4, 0, sizeof s4);
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(0xc0000201);   /* 192.0.2.1, TEST-NET-1 */
	knock_job_init(&j[0], (struct sockaddr *)&s4, sizeof s4, 80);
	job_at(&j[1], AF_INET, 9);
	if (run(j, 2, 1000, 0, 0) != 0)
		return 1;
	if (j[0].state != KNOCK_UNREACHABLE || j[1].state != KNOCK_REFUSED) {
		printf("#   192.0.2.1:80 %s (%s), 127.0.0.1:9 %s\n",
		    knock_state_name(j[0].state), strerror(j[0].err),
		    knock_state_name(j[1].state));
		return 2;
	}
	if (j[0].usec > 100000)
		return 3;
	return 0;
}

TEST(no_route_is_unreachable)
{
	int rc = in_netns(unreachable_child);

	if (rc == 77) {
		printf("# skipped: needs a network namespace (root)\n");
		return;
	}
	CHECK_EQ_INT(rc, 0);
}

/* ---- HTTP probe against a tiny server thread ------------------------ */

enum srv_mode {
	SRV_REPLY,       /* send reply, close */
	SRV_TRICKLE,     /* send reply, then one byte each 20 ms until the
			    client hangs up */
	SRV_SILENT,      /* read the request, say nothing */
	SRV_HANGUP,      /* accept and close at once */
};

struct srv {
	int            lfd;
	enum srv_mode  mode;
	const char    *reply;
	size_t         len;
	char           got[HTTP_REQUEST_MAX];
	size_t         gotlen;
};

static void *
srv_main(void *arg)
{
	struct srv   *s = arg;
	struct pollfd p;
	int           fd = accept(s->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (s->mode == SRV_HANGUP) {
		close(fd);
		return NULL;
	}
	/* the request, up to its blank line; 3 s at most */
	p.fd = fd;
	p.events = POLLIN;
	while (s->gotlen < sizeof s->got - 1 &&
	    http_head_end(s->got, s->gotlen) == 0 && poll(&p, 1, 3000) == 1) {
		ssize_t r = recv(fd, s->got + s->gotlen,
		    sizeof s->got - 1 - s->gotlen, 0);

		if (r <= 0)
			break;
		s->gotlen += (size_t)r;
	}
	s->got[s->gotlen] = '\0';
	if (s->len > 0)
		send(fd, s->reply, s->len, MSG_NOSIGNAL);
	if (s->mode == SRV_TRICKLE || s->mode == SRV_SILENT) {
		/* until the client closes: at most 3 s */
		for (int i = 0; i < 150; i++) {
			char    c;
			ssize_t r;

			if (poll(&p, 1, 20) == 1 && ((r = recv(fd, &c, 1, 0)) == 0 ||
			    r < 0))
				break;
			if (s->mode == SRV_TRICKLE &&
			    send(fd, "x", 1, MSG_NOSIGNAL) < 0)
				break;
		}
	}
	close(fd);
	return NULL;
}

static int
probe(struct srv *s, const char *path, uint32_t timeout, int *status,
    struct door_err *e, uint64_t *took)
{
	struct sockaddr_storage ss;
	socklen_t               len;
	pthread_t               t;
	char                    host[32];
	uint64_t                t0;
	int                     rc;

	s->lfd = tcp_sock(AF_INET, 0, 4, 0, false);
	if (s->lfd < 0)
		return -2;
	len = loop_addr(AF_INET, sock_port(s->lfd), &ss);
	snprintf(host, sizeof host, "localhost:%u", sock_port(s->lfd));
	if (pthread_create(&t, NULL, srv_main, s) != 0) {
		close(s->lfd);
		return -2;
	}
	err_clear(e);
	*status = -7;
	t0 = ms_now();
	rc = http_probe((struct sockaddr *)&ss, len, host, path, timeout,
	    status, e);
	*took = ms_now() - t0;
	if (rc != 0 && e->status == DOOR_USAGE) {
		/* nothing connected: let the server thread go */
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		connect(fd, (struct sockaddr *)&ss, len);
		close(fd);
	}
	pthread_join(t, NULL);
	close(s->lfd);
	return rc;
}

static void
probe_fixture(const char *rel, int want)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	char           *reply;
	size_t          len = 0;
	int             st;

	if ((reply = unit_fixture(rel, &len)) == NULL) {
		CHECK(reply != NULL);
		return;
	}
	memset(&s, 0, sizeof s);
	s.mode = SRV_REPLY;
	s.reply = reply;
	s.len = len;
	CHECK_EQ_INT(probe(&s, "/health?x=1", 2000, &st, &e, &took), 0);
	CHECK_EQ_INT(st, want);
	free(reply);
}

TEST(http_probe_recorded_servers)
{
	probe_fixture("http/nginx-200.bin", 200);
	probe_fixture("http/nginx-503.bin", 503);
	probe_fixture("http/python-404.bin", 404);
	probe_fixture("http/python-301.bin", 301);
}

TEST(http_probe_request_bytes)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	int             st;

	memset(&s, 0, sizeof s);
	s.reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	s.len = strlen(s.reply);
	CHECK_EQ_INT(probe(&s, "/ready", 2000, &st, &e, &took), 0);
	CHECK_EQ_INT(st, 200);
	/* the port went with the listener: compare around it */
	CHECK(strncmp(s.got, "GET /ready HTTP/1.1\r\nHost: localhost:", 37) ==
	    0);
	CHECK(strstr(s.got, "\r\nUser-Agent: door\r\nConnection: close\r\n"
	    "\r\n") != NULL);
	CHECK_EQ_UINT(http_head_end(s.got, s.gotlen), s.gotlen);
}

TEST(http_probe_stalled_status_line)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	int             st;

	memset(&s, 0, sizeof s);
	s.mode = SRV_SILENT;
	s.reply = "HTTP/1.1 2";
	s.len = strlen(s.reply);
	CHECK_EQ_INT(probe(&s, "/", 300, &st, &e, &took), -1);
	CHECK_EQ_INT(e.status, DOOR_NO);
	CHECK_EQ_INT(e.sys_errno, ETIMEDOUT);
	printf("# stalled: %s, after %llu ms\n", e.msg,
	    (unsigned long long)took);
	CHECK(took >= 300 && took <= 330);
}

/* Headers trickling in forever: the status came, so that is the answer,
 * given at the deadline and not later. */
TEST(http_probe_trickled_headers)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	int             st;

	memset(&s, 0, sizeof s);
	s.mode = SRV_TRICKLE;
	s.reply = "HTTP/1.1 200 OK\r\nX-Slow: ";
	s.len = strlen(s.reply);
	CHECK_EQ_INT(probe(&s, "/", 300, &st, &e, &took), 0);
	CHECK_EQ_INT(st, 200);
	CHECK(took >= 300 && took <= 330);
}

TEST(http_probe_not_http)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	int             st;

	memset(&s, 0, sizeof s);
	s.reply = "SSH-2.0-OpenSSH_9.2p1\r\n";
	s.len = strlen(s.reply);
	CHECK_EQ_INT(probe(&s, "/", 2000, &st, &e, &took), -1);
	CHECK_EQ_INT(e.status, DOOR_NO);
	CHECK(strstr(e.msg, "not HTTP") != NULL);
	CHECK_EQ_INT(st, -7);
}

TEST(http_probe_hangup)
{
	struct door_err e;
	struct srv      s;
	uint64_t        took;
	int             st;

	memset(&s, 0, sizeof s);
	s.mode = SRV_HANGUP;
	CHECK_EQ_INT(probe(&s, "/", 2000, &st, &e, &took), -1);
	CHECK_EQ_INT(e.status, DOOR_NO);
	printf("# hangup: %s\n", e.msg);
	CHECK(took < 1000);
}

TEST(http_probe_refused_and_usage)
{
	struct sockaddr_storage ss;
	struct door_err         e;
	struct srv              s;
	socklen_t               len;
	uint64_t                took;
	int                     rfd = tcp_sock(AF_INET, 0, -1, 0, false), st;

	CHECK(rfd >= 0);
	if (rfd < 0)
		return;
	len = loop_addr(AF_INET, sock_port(rfd), &ss);
	err_clear(&e);
	CHECK_EQ_INT(http_probe((struct sockaddr *)&ss, len, "localhost", "/",
	    1000, &st, &e), -1);
	CHECK_EQ_INT(e.status, DOOR_NO);
	CHECK_EQ_INT(e.sys_errno, ECONNREFUSED);
	close(rfd);

	memset(&s, 0, sizeof s);
	CHECK_EQ_INT(probe(&s, "/x\r\nEvil: 1", 1000, &st, &e, &took), -1);
	CHECK_EQ_INT(e.status, DOOR_USAGE);
}
