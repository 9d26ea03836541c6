/*
 * loadgen.c - a socket load generator for door's benchmarks.
 *
 * Forks P children. Each child holds L listening TCP sockets (round-robin
 * over 127.0.0.1, ::1, 0.0.0.0 and ::), U bound UDP sockets (127.0.0.1 /
 * ::1), E established loopback TCP pairs (both ends kept) and F extra fds
 * (/dev/null and pipes), so that socket dumps and fd scans cost what they
 * cost on a busy machine. The parent writes a ready file once every child
 * is set up, then waits until SIGTERM, SIGINT, SIGHUP or --hold seconds,
 * and takes all children down with it. Loopback and wildcard binds only.
 *
 * Ports: child i uses base + i*(L+U) .. base + (i+1)*(L+U) - 1, listeners
 * first, then UDP. A port already in use is replaced by one from a shared
 * overflow range starting at base + P*(L+U); attempts are bounded.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

#define MAX_PROCS	20000
#define MAX_LISTEN	4096
#define MAX_UDP		4096
#define MAX_EST		4096
#define MAX_EXTRA	1000000
#define MAX_HOLD	(7 * 86400)
#define PORT_TRIES	256		/* binds tried per socket */
#define SERVE_LOOPS	10000000	/* poll wake-ups per child */
#define CHILD_GRACE	10		/* children outlive --hold by this */
#define REAP_MS		5000		/* SIGTERM to SIGKILL */

enum uid_when {
	UID_BEFORE,	/* sockets created as --uid: sock_diag uid is --uid */
	UID_AFTER	/* sockets created as root, then setuid (privsep) */
};

struct opts {
	long		 procs;
	long		 listen;
	long		 extra;
	long		 udp;
	long		 est;
	long		 base_port;
	long		 hold;
	long		 ready_timeout;
	int		 have_uid;
	uid_t		 uid;
	gid_t		 gid;
	enum uid_when	 uid_when;
	const char	*cgroup;
	const char	*ready_file;
	int		 quiet;
};

/* One socket address family slot of the round-robin. */
struct slot {
	int		 family;
	const char	*bind_addr;	/* where the listener binds */
	const char	*conn_addr;	/* where a client connects to it */
};

static const struct slot slots[4] = {
	{ AF_INET,  "127.0.0.1", "127.0.0.1" },
	{ AF_INET6, "::1",       "::1" },
	{ AF_INET,  "0.0.0.0",   "127.0.0.1" },
	{ AF_INET6, "::",        "::1" },
};

static void	warnx_(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static _Noreturn void child_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static struct opts	 o;
static atomic_long	*overflow_next;	/* shared by all children */
static pid_t		*kids;
static long		 nkids;
static int		 report_fd = -1;	/* child: pipe to the parent */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: loadgen -P procs -L listeners -F extra_fds -U udp_per_proc\n"
"               -E established_pairs_per_proc [--base-port N] [--uid UID]\n"
"               [--uid-when before|after] [--cgroup DIR] [--ready-file PATH]\n"
"               [--hold SECONDS] [--ready-timeout SECONDS] [-q]\n"
"\n"
"  -P N               child processes (1..%d)\n"
"  -L N               TCP listeners per child, round-robin over 127.0.0.1,\n"
"                     ::1, 0.0.0.0 and :: (IPV6_V6ONLY)\n"
"  -F N               extra fds per child: /dev/null opens and pipes\n"
"  -U N               bound UDP sockets per child (127.0.0.1 / ::1)\n"
"  -E N               established loopback TCP pairs per child\n"
"  --base-port N      first port (default 20000)\n"
"  --uid UID|NAME     children run as this user (needs root)\n"
"  --uid-when W       before: create sockets as UID (default);\n"
"                     after: create them as root, then drop to UID\n"
"  --cgroup DIR       children join this cgroup v2 directory first\n"
"  --ready-file PATH  written once all children are ready (default: stdout)\n"
"  --hold S           exit after S seconds (default 600)\n"
"  --ready-timeout S  give up if children are not ready in S (default 300)\n"
"  -q                 no summary on stderr\n",
	    MAX_PROCS);
}

static void
warnx_(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Child: report a failure to the parent and die. */
static _Noreturn void
child_fail(const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	n;

	n = snprintf(buf, sizeof(buf), "error: pid %ld: ", (long)getpid());
	if (n < 0)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (report_fd != -1)
		dprintf(report_fd, "%s\n", buf);
	else
		fprintf(stderr, "loadgen: %s\n", buf);
	_exit(1);
}

static void
resolve_uid(const char *s)
{
	struct passwd	*pw;
	long		 v;

	if (parse_long(s, 0, INT_MAX, &v) == 0) {
		o.uid = (uid_t)v;
		pw = getpwuid(o.uid);
		o.gid = pw != NULL ? pw->pw_gid : (gid_t)v;
	} else if ((pw = getpwnam(s)) != NULL) {
		o.uid = pw->pw_uid;
		o.gid = pw->pw_gid;
	} else {
		warnx_("--uid: no such user: %s", s);
		exit(2);
	}
	o.have_uid = 1;
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "base-port",     required_argument, NULL, 'b' },
		{ "uid",           required_argument, NULL, 'u' },
		{ "uid-when",      required_argument, NULL, 'w' },
		{ "cgroup",        required_argument, NULL, 'c' },
		{ "ready-file",    required_argument, NULL, 'r' },
		{ "hold",          required_argument, NULL, 'h' },
		{ "ready-timeout", required_argument, NULL, 't' },
		{ "help",          no_argument,       NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	int	c, bad = 0;
	long	total;

	o.procs = o.listen = o.extra = o.udp = o.est = -1;
	o.base_port = 20000;
	o.hold = 600;
	o.ready_timeout = 300;
	o.uid_when = UID_BEFORE;
	while ((c = getopt_long(argc, argv, "P:L:F:U:E:q", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'P':
			bad |= parse_long(optarg, 1, MAX_PROCS, &o.procs);
			break;
		case 'L':
			bad |= parse_long(optarg, 0, MAX_LISTEN, &o.listen);
			break;
		case 'F':
			bad |= parse_long(optarg, 0, MAX_EXTRA, &o.extra);
			break;
		case 'U':
			bad |= parse_long(optarg, 0, MAX_UDP, &o.udp);
			break;
		case 'E':
			bad |= parse_long(optarg, 0, MAX_EST, &o.est);
			break;
		case 'b':
			bad |= parse_long(optarg, 1024, 65535, &o.base_port);
			break;
		case 'u':
			resolve_uid(optarg);
			break;
		case 'w':
			if (strcmp(optarg, "before") == 0)
				o.uid_when = UID_BEFORE;
			else if (strcmp(optarg, "after") == 0)
				o.uid_when = UID_AFTER;
			else
				bad = -1;
			break;
		case 'c':
			o.cgroup = optarg;
			break;
		case 'r':
			o.ready_file = optarg;
			break;
		case 'h':
			bad |= parse_long(optarg, 1, MAX_HOLD, &o.hold);
			break;
		case 't':
			bad |= parse_long(optarg, 1, MAX_HOLD,
			    &o.ready_timeout);
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'H':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
		if (bad) {
			warnx_("bad option value: %s", optarg);
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || o.procs < 0 || o.listen < 0 || o.extra < 0 ||
	    o.udp < 0 || o.est < 0) {
		warnx_("-P, -L, -F, -U and -E are all required");
		usage(stderr);
		exit(2);
	}
	if (o.est > 0 && o.listen == 0) {
		warnx_("-E needs at least one listener (-L)");
		exit(2);
	}
	total = o.procs * (o.listen + o.udp);
	if (o.base_port + total > 65536) {
		warnx_("%ld ports from %ld do not fit below 65536", total,
		    o.base_port);
		exit(2);
	}
	if ((o.have_uid || o.cgroup != NULL) && geteuid() != 0) {
		warnx_("--uid and --cgroup need root");
		exit(2);
	}
}

/* Warns if our port range overlaps the ephemeral range (connects may
 * then take our ports, or we theirs; both are survivable). */
static void
check_port_range(void)
{
	char	buf[64], *p, *e;
	long	lo, hi, first, last;
	FILE	*f;

	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re")) ==
	    NULL)
		return;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		errno = 0;
		lo = strtol(buf, &p, 10);
		hi = strtol(p, &e, 10);
		first = o.base_port;
		last = o.base_port + o.procs * (o.listen + o.udp) - 1;
		if (errno == 0 && e != p && last >= lo && first <= hi &&
		    !o.quiet)
			warnx_("note: ports %ld-%ld overlap the ephemeral "
			    "range %ld-%ld; some will be skipped", first,
			    last, lo, hi);
	}
	fclose(f);
}

/*
 * Raises RLIMIT_NOFILE to what one process needs. Root may raise the hard
 * limit, and fs.nr_open (the kernel's per-process ceiling) if even that is
 * too low.
 */
static void
raise_nofile(void)
{
	struct rlimit	rl;
	rlim_t		need, child_need, parent_need;
	long		nr_open = 0;
	FILE		*f;

	child_need = (rlim_t)(o.listen + o.udp + 2 * o.est + o.extra + 32);
	parent_need = (rlim_t)(o.procs + 32);
	need = child_need > parent_need ? child_need : parent_need;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		warnx_("getrlimit: %s", strerror(errno));
		exit(3);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		if (geteuid() != 0) {
			warnx_("need %lu fds per process, hard limit is %lu: "
			    "raise it (ulimit -Hn) or run as root",
			    (unsigned long)need, (unsigned long)rl.rlim_max);
			exit(3);
		}
		if ((f = fopen("/proc/sys/fs/nr_open", "re")) != NULL) {
			if (fscanf(f, "%ld", &nr_open) != 1)
				nr_open = 0;
			fclose(f);
		}
		if (nr_open > 0 && (rlim_t)nr_open < need) {
			if ((f = fopen("/proc/sys/fs/nr_open", "we")) ==
			    NULL || fprintf(f, "%lu\n",
			    (unsigned long)need) < 0 || fclose(f) != 0) {
				warnx_("cannot raise fs.nr_open to %lu",
				    (unsigned long)need);
				exit(3);
			}
			warnx_("raised fs.nr_open from %ld to %lu", nr_open,
			    (unsigned long)need);
		}
		rl.rlim_max = need;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		warnx_("setrlimit(RLIMIT_NOFILE, %lu): %s",
		    (unsigned long)need, strerror(errno));
		exit(3);
	}
}

/* Fills a sockaddr for addr:port. */
static socklen_t
make_addr(int family, const char *addr, int port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			child_fail("bad address %s", addr);
		return (sizeof(*sin));
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
		child_fail("bad address %s", addr);
	return (sizeof(*sin6));
}

/*
 * Opens and binds one socket on addr, at `port` or, if that is taken, at
 * the next free overflow port. Returns the fd; *bound gets the port.
 */
static int
bind_one(int type, int family, const char *addr, int port, int *bound)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, one = 1, try;

	for (try = 0; try < PORT_TRIES; try++) {
		if (port > 65535)
			child_fail("out of ports (last tried %d)", port);
		fd = socket(family, type | SOCK_CLOEXEC, 0);
		if (fd == -1)
			child_fail("socket: %s", strerror(errno));
		if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET,
		    SO_REUSEADDR, &one, sizeof(one)) == -1)
			child_fail("SO_REUSEADDR: %s", strerror(errno));
		if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_V6ONLY, &one, sizeof(one)) == -1)
			child_fail("IPV6_V6ONLY: %s", strerror(errno));
		len = make_addr(family, addr, port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
			*bound = port;
			return (fd);
		}
		if (errno != EADDRINUSE)
			child_fail("bind %s port %d: %s", addr, port,
			    strerror(errno));
		close(fd);
		port = (int)atomic_fetch_add(overflow_next, 1);
	}
	child_fail("no free port after %d tries", PORT_TRIES);
}

/* Opens n extra fds: /dev/null opens, and one pipe (two fds) in eight. */
static void
open_extra(long n)
{
	long	i;
	int	p[2];

	for (i = 0; i < n; i++) {
		if (i % 8 == 6 && i + 1 < n) {
			if (pipe2(p, O_CLOEXEC) == -1)
				child_fail("pipe: %s", strerror(errno));
			i++;
			continue;
		}
		if (open("/dev/null", O_RDONLY | O_CLOEXEC) == -1)
			child_fail("open /dev/null (%ld of %ld): %s", i, n,
			    strerror(errno));
	}
}

static void
join_cgroup(const char *dir)
{
	struct statfs	 sf;
	char		 path[PATH_MAX];
	int		 fd, n;

	if (statfs(dir, &sf) == -1)
		child_fail("cgroup %s: %s", dir, strerror(errno));
	if ((unsigned long)sf.f_type != CGROUP2_SUPER_MAGIC)
		child_fail("%s is not on a cgroup v2 mount", dir);
	n = snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		child_fail("cgroup path too long");
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		child_fail("open %s: %s", path, strerror(errno));
	if (dprintf(fd, "%ld\n", (long)getpid()) < 0)
		child_fail("write %s: %s", path, strerror(errno));
	if (close(fd) == -1)
		child_fail("write %s: %s", path, strerror(errno));
}

static void
drop_uid(pid_t parent)
{
	if (setgroups(0, NULL) == -1 || setgid(o.gid) == -1 ||
	    setuid(o.uid) == -1)
		child_fail("setuid %ld: %s", (long)o.uid, strerror(errno));
	/* A credential change clears the parent-death signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);
}

/* Child: accepts and closes what knocks, drops UDP, until the deadline. */
static void
serve(int *fds, long n, int64_t deadline)
{
	struct pollfd	*pfd;
	char		 buf[512];
	long		 i, loops, k;
	int64_t		 left;
	int		 c;

	if ((pfd = calloc((size_t)n + 1, sizeof(*pfd))) == NULL)
		_exit(1);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	for (loops = 0; loops < SERVE_LOOPS; loops++) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		if (left > 60000)
			left = 60000;
		if (poll(pfd, (nfds_t)n, (int)left) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if ((pfd[i].revents & POLLIN) == 0)
				continue;
			for (k = 0; k < 64; k++) {
				c = accept4(pfd[i].fd, NULL, NULL,
				    SOCK_CLOEXEC);
				if (c != -1) {
					close(c);
					continue;
				}
				if (errno == ENOTSOCK || errno == EINVAL ||
				    errno == EOPNOTSUPP)
					(void)recv(pfd[i].fd, buf, sizeof(buf),
					    MSG_DONTWAIT);
				break;
			}
		}
	}
	_exit(0);
}

static void
child_main(long idx, int wfd, pid_t parent, int64_t deadline)
{
	struct sockaddr_storage	 ss;
	sigset_t		 none;
	socklen_t		 len;
	long			 j, gidx, stride, nfds = 0;
	int			*fds, *lport, port, fd, c, probe = -1;
	int			*lslot;
	struct pollfd		 pfd;
	static const int	 prank[4] = { 0, 2, 1, 3 };

	report_fd = wfd;
	/* Only the report pipe and stdio survive; inherited fds would skew
	 * the fd counts. */
	if (wfd > 3)
		close_range(3, (unsigned)wfd - 1, 0);
	close_range((unsigned)wfd + 1, ~0U, 0);
	/* Default dispositions: a shell may have us ignore SIGINT. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);

	if (o.cgroup != NULL)
		join_cgroup(o.cgroup);
	if (o.have_uid && o.uid_when == UID_BEFORE)
		drop_uid(parent);

	fds = calloc((size_t)(o.listen + o.udp) + 1, sizeof(*fds));
	lport = calloc((size_t)o.listen + 1, sizeof(*lport));
	lslot = calloc((size_t)o.listen + 1, sizeof(*lslot));
	if (fds == NULL || lport == NULL || lslot == NULL)
		child_fail("out of memory");

	/* Half the extra fds before the sockets, half after: sockets sit in
	 * the middle of the fd table, as in a real server. */
	open_extra(o.extra / 2);

	stride = o.listen + o.udp;
	for (j = 0; j < o.listen; j++) {
		gidx = idx * o.listen + j;
		lslot[j] = (int)(gidx % 4);
		fd = bind_one(SOCK_STREAM, slots[lslot[j]].family,
		    slots[lslot[j]].bind_addr, (int)(o.base_port +
		    idx * stride + j), &port);
		if (listen(fd, 511) == -1)
			child_fail("listen port %d: %s", port,
			    strerror(errno));
		lport[j] = port;
		fds[nfds++] = fd;
		dprintf(wfd, "%ld %d tcp %s\n", (long)getpid(), port,
		    slots[lslot[j]].bind_addr);
		/* The probe: the first listener reachable on 127.0.0.1,
		 * preferring 127.0.0.1 itself, then 0.0.0.0, then any. */
		if (probe == -1 || prank[lslot[j]] < prank[lslot[probe]])
			probe = (int)j;
	}
	for (j = 0; j < o.udp; j++) {
		c = (int)((idx + j) % 2);	/* 127.0.0.1 or ::1 */
		fd = bind_one(SOCK_DGRAM, slots[c].family, slots[c].bind_addr,
		    (int)(o.base_port + idx * stride + o.listen + j), &port);
		fds[nfds++] = fd;
		dprintf(wfd, "%ld %d udp %s\n", (long)getpid(), port,
		    slots[c].bind_addr);
	}
	for (j = 0; j < o.est; j++) {
		long	l = j % o.listen;

		fd = socket(slots[lslot[l]].family, SOCK_STREAM | SOCK_CLOEXEC,
		    0);
		if (fd == -1)
			child_fail("socket: %s", strerror(errno));
		len = make_addr(slots[lslot[l]].family,
		    slots[lslot[l]].conn_addr, lport[l], &ss);
		if (connect(fd, (struct sockaddr *)&ss, len) == -1)
			child_fail("connect %s port %d: %s",
			    slots[lslot[l]].conn_addr, lport[l],
			    strerror(errno));
		pfd.fd = fds[l];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) != 1)
			child_fail("accept on port %d timed out", lport[l]);
		if (accept4(fds[l], NULL, NULL, SOCK_CLOEXEC) == -1)
			child_fail("accept port %d: %s", lport[l],
			    strerror(errno));
	}
	for (j = 0; j < nfds; j++)
		if (fcntl(fds[j], F_SETFL, O_NONBLOCK) == -1)
			child_fail("O_NONBLOCK: %s", strerror(errno));

	if (o.have_uid && o.uid_when == UID_AFTER)
		drop_uid(parent);
	open_extra(o.extra - o.extra / 2);

	if (probe != -1)
		dprintf(wfd, "probe %d %ld %s\n", lport[probe],
		    (long)getpid(), slots[lslot[probe]].bind_addr);
	if (dprintf(wfd, "ok\n") < 0)
		_exit(1);
	close(wfd);
	report_fd = -1;
	serve(fds, nfds, deadline + CHILD_GRACE * 1000);
}

/* Appends [p, p+n) to a growing buffer. */
static void
buf_add(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (*len + n + 1 > *cap) {
		ncap = *cap ? *cap : 65536;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((nb = realloc(*b, ncap)) == NULL) {
			warnx_("out of memory");
			exit(3);
		}
		*b = nb;
		*cap = ncap;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = '\0';
}

/* Takes every child down: SIGTERM, a grace period, then SIGKILL. */
static void
reap_all(int sfd)
{
	struct signalfd_siginfo	si;
	struct pollfd		pfd;
	int64_t			end;
	long			i, alive;
	pid_t			pid;
	int			st;

	for (i = 0; i < nkids; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	end = now_ms() + REAP_MS;
	for (;;) {
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (i = 0; i < nkids; i++)
				if (kids[i] == pid)
					kids[i] = 0;
		for (alive = 0, i = 0; i < nkids; i++)
			alive += kids[i] > 0;
		if (alive == 0 || now_ms() >= end)
			break;
		pfd.fd = sfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == 1)
			(void)read(sfd, &si, sizeof(si));
	}
	for (i = 0; i < nkids; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], &st, 0);
			kids[i] = 0;
		}
}

static int
write_ready(const char *text, size_t len)
{
	char	tmp[PATH_MAX];
	int	fd, n;

	if (o.ready_file == NULL)
		return (fwrite(text, 1, len, stdout) == len &&
		    fflush(stdout) == 0 ? 0 : -1);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", o.ready_file,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return (-1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		return (-1);
	if (write(fd, text, len) != (ssize_t)len || close(fd) == -1 ||
	    rename(tmp, o.ready_file) == -1) {
		unlink(tmp);
		return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	struct signalfd_siginfo	 si;
	struct pollfd		 pfd[2];
	sigset_t		 mask;
	char			*out = NULL, *probe = NULL, *kidbuf = NULL;
	char			 rb[4096], head[1024], *line, *nl;
	size_t			 outlen = 0, outcap = 0, klen = 0, kcap = 0;
	int64_t			 t0, deadline, ready_by, left;
	long			 i, loops, ntcp = 0, nudp = 0;
	int			 sfd, p[2], *rfd, rc = 0, ok, wrote = 0;
	int			 st;
	ssize_t			 n;
	pid_t			 self = getpid(), pid;

	parse_args(argc, argv);
	raise_nofile();
	check_port_range();

	overflow_next = mmap(NULL, sizeof(*overflow_next),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (overflow_next == MAP_FAILED) {
		warnx_("mmap: %s", strerror(errno));
		return (3);
	}
	atomic_init(overflow_next, o.base_port + o.procs * (o.listen +
	    o.udp));

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		warnx_("signalfd: %s", strerror(errno));
		return (3);
	}

	kids = calloc((size_t)o.procs, sizeof(*kids));
	rfd = calloc((size_t)o.procs, sizeof(*rfd));
	if (kids == NULL || rfd == NULL) {
		warnx_("out of memory");
		return (3);
	}
	for (i = 0; i < o.procs; i++)
		rfd[i] = -1;
	t0 = now_ms();
	deadline = t0 + o.hold * 1000;
	ready_by = t0 + o.ready_timeout * 1000;
	fflush(NULL);
	for (i = 0; i < o.procs; i++) {
		if (pipe2(p, O_CLOEXEC) == -1) {
			warnx_("pipe: %s", strerror(errno));
			rc = 3;
			goto done;
		}
		if ((pid = fork()) == -1) {
			warnx_("fork (child %ld): %s", i, strerror(errno));
			close(p[0]);
			close(p[1]);
			rc = 3;
			goto done;
		}
		if (pid == 0) {
			child_main(i, p[1], self, deadline);
			_exit(1);
		}
		kids[i] = pid;
		nkids = i + 1;
		close(p[1]);
		rfd[i] = p[0];
	}

	/* Collect every child's report, in order, within the deadline. */
	for (i = 0; i < o.procs; i++) {
		klen = 0;
		ok = 0;
		for (loops = 0; loops < 1000000; loops++) {
			left = ready_by - now_ms();
			if (left <= 0) {
				warnx_("child %ld (pid %ld) not ready after "
				    "%lds", i, (long)kids[i], o.ready_timeout);
				rc = 1;
				goto done;
			}
			pfd[0].fd = rfd[i];
			pfd[0].events = POLLIN;
			pfd[1].fd = sfd;
			pfd[1].events = POLLIN;
			if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) <=
			    0)
				continue;
			if (pfd[1].revents & POLLIN) {
				if (read(sfd, &si, sizeof(si)) ==
				    sizeof(si) && si.ssi_signo != SIGCHLD) {
					warnx_("interrupted while starting");
					rc = 1;
					goto done;
				}
			}
			if ((pfd[0].revents & (POLLIN | POLLHUP)) == 0)
				continue;
			n = read(rfd[i], rb, sizeof(rb));
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			buf_add(&kidbuf, &klen, &kcap, rb, (size_t)n);
		}
		close(rfd[i]);
		rfd[i] = -1;
		/* Lines: "pid port proto addr", "probe ...", "ok" or
		 * "error: ...". */
		for (line = kidbuf; line != NULL && *line != '\0';
		    line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (strncmp(line, "error: ", 7) == 0) {
				warnx_("child %ld: %s", i, line + 7);
				rc = 1;
				goto done;
			}
			if (strcmp(line, "ok") == 0) {
				ok = 1;
				continue;
			}
			if (strncmp(line, "probe ", 6) == 0) {
				free(probe);
				probe = strdup(line);
				continue;
			}
			if (strstr(line, " tcp ") != NULL)
				ntcp++;
			else
				nudp++;
			buf_add(&out, &outlen, &outcap, line, strlen(line));
			buf_add(&out, &outlen, &outcap, "\n", 1);
		}
		if (!ok) {
			warnx_("child %ld (pid %ld) died while starting", i,
			    (long)kids[i]);
			rc = 1;
			goto done;
		}
	}

	n = snprintf(head, sizeof(head),
	    "# loadgen ready: parent=%ld procs=%ld listeners=%ld udp=%ld "
	    "established=%ld extra_fds=%ld base_port=%ld uid=%ld cgroup=%s "
	    "fds_per_child=%ld\n%s\n",
	    (long)self, o.procs, o.listen, o.udp, o.est, o.extra,
	    o.base_port, o.have_uid ? (long)o.uid : -1L,
	    o.cgroup != NULL ? o.cgroup : "-",
	    3 + o.listen + o.udp + 2 * o.est + o.extra,
	    probe != NULL ? probe : "# no probe (no listeners)");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		warnx_("header too long");
		rc = 3;
		goto done;
	}
	klen = 0;
	buf_add(&kidbuf, &klen, &kcap, head, (size_t)n);
	buf_add(&kidbuf, &klen, &kcap, out != NULL ? out : "", outlen);
	if (write_ready(kidbuf, klen) == -1) {
		warnx_("cannot write ready file %s: %s",
		    o.ready_file ? o.ready_file : "(stdout)", strerror(errno));
		rc = 3;
		goto done;
	}
	wrote = o.ready_file != NULL;
	if (!o.quiet)
		warnx_("ready in %.1fs: %ld procs, %ld tcp listeners, %ld udp, "
		    "%ld established pairs, %ld fds per child; holding %lds",
		    (double)(now_ms() - t0) / 1000, o.procs, ntcp, nudp,
		    o.procs * o.est, 3 + o.listen + o.udp + 2 * o.est +
		    o.extra, o.hold);

	/* Hold until told to stop, the deadline, or a child dies. */
	for (loops = 0; loops < 10000000; loops++) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		if (poll(pfd, 1, (int)(left > 60000 ? 60000 : left)) <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			if (!o.quiet)
				warnx_("signal %d: stopping",
				    (int)si.ssi_signo);
			break;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (i = 0; i < nkids; i++)
				if (kids[i] == pid) {
					kids[i] = 0;
					warnx_("child pid %ld exited early "
					    "(status %d): stopping", (long)pid,
					    st);
					rc = 1;
				}
		if (rc != 0)
			break;
	}

done:
	for (i = 0; i < nkids; i++)
		if (rfd[i] != -1)
			close(rfd[i]);
	reap_all(sfd);
	if (wrote)
		unlink(o.ready_file);
	free(out);
	free(probe);
	free(kidbuf);
	return (rc);
}
