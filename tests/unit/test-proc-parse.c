/* test-proc-parse.c - the /proc/PID parsers of parse.h on files recorded
 * from real processes (renamed with prctl to hostile names, a zombie, odd
 * uids; tests/fixtures/README.md) and on broken variants. */
#include "platform/linux/parse.h"
#include "unit.h"

static int
stat_file(const char *rel, struct stat_facts *st)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	rc = stat_parse(data, len, st);
	free(data);
	return rc;
}

static void
check_stat(const char *rel, pid_t pid, const char *name, size_t namelen,
    char state, pid_t ppid, uint64_t start, const char *file, int line)
{
	struct stat_facts st;
	int               rc = stat_file(rel, &st);

	if (rc != 0 || st.pid != pid || st.state != state ||
	    st.ppid != ppid || st.start_ticks != start ||
	    strlen(st.name) != namelen || memcmp(st.name, name, namelen) != 0) {
		unit_fail_head(file, line);
		printf("%s: rc %d pid %d state %c ppid %d start %llu name ",
		    rel, rc, (int)st.pid, st.state ? st.state : '?',
		    (int)st.ppid, (unsigned long long)st.start_ticks);
		unit_print_bytes(st.name, strlen(st.name));
		putchar('\n');
	}
}
#define CHECK_STAT(rel, pid, name, state, ppid, start) \
	check_stat((rel), (pid), (name), sizeof(name) - 1, (state), (ppid), \
	    (start), __FILE__, __LINE__)

TEST(stat_real)
{
	CHECK_STAT("proc/stat-python3", 19467, "python3", 'S', 19454, 115417);
	CHECK_STAT("proc/stat-pid1", 1, "process_api", 'S', 0, 14);
	CHECK_STAT("proc/stat-zombie", 20977, "defunct-kid", 'Z', 20930,
	    116528);
}

/* session (field 6) and flags (field 9): door kill refuses kernel threads
 * and session leaders by them */
TEST(stat_session_and_flags)
{
	struct stat_facts sf;
	const char        kthread[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 "
	    "0 0 0 0 0 0 20 0 1 0 3 0 0 18446744073709551615 0 0 0 0 0 0 0 "
	    "2147483647 0 0 0 0 17 0 0 0 0 0 0\n";
	const char        leader[] = "700 (bash) S 1 700 700 34816 700 "
	    "4194560 0 0 0 0 0 0 0 0 20 0 1 0 9000 0 0\n";

	CHECK_EQ_INT(stat_parse(kthread, sizeof kthread - 1, &sf), 0);
	CHECK(sf.flags & 0x00200000);            /* PF_KTHREAD */
	CHECK_EQ_INT(sf.session, 0);
	CHECK_EQ_INT(stat_parse(leader, sizeof leader - 1, &sf), 0);
	CHECK_EQ_INT(sf.session, 700);
	CHECK(!(sf.flags & 0x00200000));
	CHECK_EQ_UINT(sf.start_ticks, 9000);
}

TEST(stat_hostile_names)
{
	CHECK_STAT("proc/stat-space", 19594, "a b", 'S', 19454, 115571);
	CHECK_STAT("proc/stat-parens", 19700, "x) (y", 'S', 19454, 115646);
	CHECK_STAT("proc/stat-newline", 19807, "new\nline", 'S', 19454,
	    115719);
	CHECK_STAT("proc/stat-empty", 19913, "", 'S', 19454, 115790);
	CHECK_STAT("proc/stat-rparen", 20019, ")", 'S', 19454, 115862);
	CHECK_STAT("proc/stat-lparen", 20132, "(", 'S', 19454, 115941);
	CHECK_STAT("proc/stat-15bytes", 20238, "abcdefghijklmno", 'S', 19454,
	    116005);
	/* a name made to look like the fields after it */
	CHECK_STAT("proc/stat-fake-fields", 20337, "a) R 1 2 3 4 5", 'S',
	    19454, 116071);
	CHECK_STAT("proc/stat-esc", 20436, "\x1b[31mred", 'S', 19454, 116136);
	CHECK_STAT("proc/stat-invalid-utf8", 20550, "\xff\xfe" "A", 'S', 19454,
	    116214);
	CHECK_STAT("proc/stat-fake-uid", 20656, "x\nUid:\t7\t7", 'S', 19454,
	    116284);
	/* 18 bytes asked for, the kernel kept 15 */
	CHECK_STAT("proc/stat-truncated", 20762, "0123456789abcde", 'S', 19454,
	    116349);
}

TEST(stat_broken)
{
	static const char *bad[] = {
		"proc/stat-derived-no-paren", "proc/stat-derived-cut",
		"proc/stat-derived-huge-pid", "proc/stat-derived-bad-state",
		"proc/stat-derived-no-pid", "proc/stat-derived-empty",
	};
	struct stat_facts st;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (stat_file(bad[i], &st) != -1) {
			printf("#   %s\n", bad[i]);
			FAIL("broken stat accepted");
		}
}

TEST(stat_inline_edges)
{
	struct stat_facts st;
	char              buf[512];
	const char       *tail = " S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0";
	int               n;

	/* exactly the 22 fields door needs, no newline */
	n = snprintf(buf, sizeof buf, "5 (sh)%s", tail);
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), 0);
	CHECK_EQ_UINT(st.start_ticks, 77);
	CHECK_STR(st.name, "sh");
	/* field 22 missing */
	CHECK_EQ_INT(stat_parse(buf, (size_t)n - 5, &st), -1);
	/* pid 0 is no process */
	n = snprintf(buf, sizeof buf, "0 (sh)%s", tail);
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), -1);
	/* a name longer than struct stat_facts holds is cut, terminated */
	n = snprintf(buf, sizeof buf, "5 (%0100d)%s", 0, tail);
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), 0);
	CHECK_EQ_UINT(strlen(st.name), sizeof st.name - 1);
	/* ppid past INT32_MAX */
	n = snprintf(buf, sizeof buf, "5 (sh) S 2147483648 1 1 0 -1 0 0 0 0 0 "
	    "0 0 0 0 20 0 1 0 77 0");
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), -1);
	/* a double space is an empty field */
	n = snprintf(buf, sizeof buf, "5 (sh) S  1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
	    "20 0 1 0 77 0");
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), -1);
	/* start time not a number */
	n = snprintf(buf, sizeof buf, "5 (sh) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
	    "20 0 1 0 7x 0");
	CHECK_EQ_INT(stat_parse(buf, (size_t)n, &st), -1);
	/* "()" alone, "(" alone, ")(" */
	CHECK_EQ_INT(stat_parse("5 ()", 4, &st), -1);
	CHECK_EQ_INT(stat_parse("5 (", 3, &st), -1);
	CHECK_EQ_INT(stat_parse("5 )(", 4, &st), -1);
	CHECK_EQ_INT(stat_parse("", 0, &st), -1);
}

static int
uid_file(const char *rel, uint32_t *r, uint32_t *e)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	rc = status_uid_parse(data, len, r, e);
	free(data);
	return rc;
}

TEST(status_uids)
{
	uint32_t r = 7, e = 7;

	CHECK_EQ_INT(uid_file("proc/status-root", &r, &e), 0);
	CHECK_EQ_UINT(r, 0);
	CHECK_EQ_UINT(e, 0);
	CHECK_EQ_INT(uid_file("proc/status-nobody", &r, &e), 0);
	CHECK_EQ_UINT(r, 65534);
	CHECK_EQ_UINT(e, 65534);
	/* setresuid(1000, 65534, 0): real and effective differ */
	CHECK_EQ_INT(uid_file("proc/status-setresuid", &r, &e), 0);
	CHECK_EQ_UINT(r, 1000);
	CHECK_EQ_UINT(e, 65534);
	/* a process named "x\nUid:\t7\t7": the kernel escapes the name in
	 * status, so the real Uid line (0) is the one read */
	r = e = 99;
	CHECK_EQ_INT(uid_file("proc/status-fake-uid", &r, &e), 0);
	CHECK_EQ_UINT(r, 0);
	CHECK_EQ_UINT(e, 0);
	CHECK_EQ_INT(uid_file("proc/status-newline", &r, &e), 0);
}

TEST(status_inline_edges)
{
	uint32_t r = 5, e = 5;

	CHECK_EQ_INT(status_uid_parse("Uid:\t1\t2\t3\t4", 13, &r, &e), 0);
	CHECK_EQ_UINT(r, 1);
	CHECK_EQ_UINT(e, 2);
	CHECK_EQ_INT(status_uid_parse("Name:\tx\nUid: 10 20\n", 19, &r, &e),
	    0);
	CHECK_EQ_UINT(r, 10);
	CHECK_EQ_UINT(e, 20);
	r = e = 5;
	CHECK_EQ_INT(status_uid_parse("Gid:\t1\t2\n", 9, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse("Uid:\t1\n", 7, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse("Uid:\tx\t1\n", 9, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse("Uid:\t4294967296\t0\n", 18, &r, &e),
	    -1);
	CHECK_EQ_INT(status_uid_parse("Uid:\t-1\t0\n", 10, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse("Uid:", 4, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse("", 0, &r, &e), -1);
	CHECK_EQ_INT(status_uid_parse(" Uid:\t1\t1\n", 10, &r, &e), -1);
	CHECK_EQ_UINT(r, 5);
	CHECK_EQ_UINT(e, 5);
	CHECK_EQ_INT(status_uid_parse("Uid:\t4294967295\t4294967295", 26, &r,
	    &e), 0);
	CHECK_EQ_UINT(r, UINT32_MAX);
}

TEST(socket_links)
{
	size_t   len, off = 0, sockets = 0, others = 0;
	char    *data = unit_fixture("proc/fd-links", &len);
	uint64_t ino = 0;

	if (data == NULL) {
		FAIL("fixture missing");
		return;
	}
	/* readlink() of every fd of the fixture listener */
	while (off < len) {
		char  *nl = memchr(data + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - data - off) : len - off;

		if (memcmp(data + off, "socket:[", 8) == 0) {
			CHECK_EQ_INT(socket_link_parse(data + off, l, &ino), 0);
			CHECK(ino >= 2642771 && ino <= 2642786);
			sockets++;
		} else {
			CHECK_EQ_INT(socket_link_parse(data + off, l, &ino), -1);
			others++;
		}
		off += l + 1;
	}
	CHECK_EQ_UINT(sockets, 14);
	CHECK(others >= 3);   /* /dev/null, pipe:[...], anon_inode:[...] */
	free(data);

	CHECK_EQ_INT(socket_link_parse("socket:[2642771]", 16, &ino), 0);
	CHECK_EQ_UINT(ino, 2642771);
	CHECK_EQ_INT(socket_link_parse("socket:[1]", 10, &ino), 0);
	CHECK_EQ_UINT(ino, 1);
	CHECK_EQ_INT(socket_link_parse("socket:[18446744073709551615]", 29,
	    &ino), 0);
	CHECK_EQ_UINT(ino, UINT64_MAX);
	ino = 42;
	CHECK_EQ_INT(socket_link_parse("socket:[18446744073709551616]", 29,
	    &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[0]", 10, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[]", 9, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[12", 10, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[1]x", 11, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[-1]", 11, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[ 1]", 11, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("Socket:[1]", 10, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("pipe:[2635955]", 14, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("socket:[2642771]", 15, &ino), -1);
	CHECK_EQ_INT(socket_link_parse("", 0, &ino), -1);
	CHECK_EQ_UINT(ino, 42);
}

static int
cgroup_file(const char *rel, char *out, size_t size)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	rc = cgroup_line_parse(data, len, out, size);
	free(data);
	return rc;
}

TEST(cgroup_lines)
{
	char out[256];

	CHECK_EQ_INT(cgroup_file("proc/cgroup-door-fixture", out, sizeof out),
	    0);
	CHECK_STR(out, "/door-fixture");
	CHECK_EQ_INT(cgroup_file("proc/cgroup-root", out, sizeof out), 0);
	CHECK_STR(out, "/");
	CHECK_EQ_INT(cgroup_file("proc/cgroup-derived-v1-only", out,
	    sizeof out), -1);
	/* "/door-fixture" is 13 bytes: 14 fit, 13 do not */
	CHECK_EQ_INT(cgroup_file("proc/cgroup-door-fixture", out, 14), 0);
	CHECK_STR(out, "/door-fixture");
	memset(out, 'Z', sizeof out);
	CHECK_EQ_INT(cgroup_file("proc/cgroup-door-fixture", out, 13), -1);
	CHECK_EQ_INT(out[0], 'Z');   /* nothing written past the limit */
	CHECK_EQ_INT(cgroup_line_parse("0::", 3, out, sizeof out), -1);
	CHECK_EQ_INT(cgroup_line_parse("10::/x\n", 7, out, sizeof out), -1);
	CHECK_EQ_INT(cgroup_line_parse("1:cpu:/a\n0::/b\n0::/c", 21, out,
	    sizeof out), 0);
	CHECK_STR(out, "/b");
	CHECK_EQ_INT(cgroup_line_parse("0::/x y", 7, out, sizeof out), 0);
	CHECK_STR(out, "/x y");
	CHECK_EQ_INT(cgroup_line_parse("", 0, out, sizeof out), -1);
	CHECK_EQ_INT(cgroup_line_parse("0::/x", 5, out, 0), -1);
}

static int
mountinfo_file(const char *rel, char *out, size_t size)
{
	size_t len;
	char  *data = unit_fixture(rel, &len);
	int    rc;

	if (data == NULL) {
		FAIL("fixture missing");
		return -99;
	}
	rc = mountinfo_cgroup2(data, len, out, size);
	free(data);
	return rc;
}

TEST(mountinfo)
{
	char        out[256];
	/* a systemd host's line (hand-written, in the shape of this
	 * machine's): optional fields before " - " */
	const char *sd = "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,"
	    "relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

	CHECK_EQ_INT(mountinfo_file("proc/mountinfo", out, sizeof out), 0);
	CHECK_STR(out, "/sys/fs/cgroup/unified");
	CHECK_EQ_INT(mountinfo_file("proc/mountinfo-derived-no-cgroup2", out,
	    sizeof out), -1);
	CHECK_EQ_INT(mountinfo_file("proc/mountinfo-derived-escaped", out,
	    sizeof out), 0);
	CHECK_STR(out, "/sys/fs/cgroup/uni fied\\x");
	CHECK_EQ_INT(mountinfo_file("proc/mountinfo", out, 23), 0);
	CHECK_EQ_INT(mountinfo_file("proc/mountinfo", out, 22), -1);
	CHECK_EQ_INT(mountinfo_cgroup2(sd, strlen(sd), out, sizeof out), 0);
	CHECK_STR(out, "/sys/fs/cgroup");
	/* a cgroup v1 mount is not cgroup2, nor is "cgroup2x" */
	CHECK_EQ_INT(mountinfo_cgroup2("1 2 0:1 / /a rw - cgroup cgroup rw\n",
	    35, out, sizeof out), -1);
	CHECK_EQ_INT(mountinfo_cgroup2("1 2 0:1 / /a rw - cgroup2x c rw\n", 32,
	    out, sizeof out), -1);
	/* too few fields before the separator */
	CHECK_EQ_INT(mountinfo_cgroup2("1 2 - cgroup2 c rw\n", 19, out,
	    sizeof out), -1);
	CHECK_EQ_INT(mountinfo_cgroup2("", 0, out, sizeof out), -1);
	/* a backslash that is no octal escape stays */
	CHECK_EQ_INT(mountinfo_cgroup2("1 2 0:1 / /a\\9b rw - cgroup2 c rw",
	    33, out, sizeof out), 0);
	CHECK_STR(out, "/a\\9b");
}

static void
collect(pid_t pid, void *arg)
{
	struct { pid_t v[16]; size_t n; } *c = arg;

	if (c->n < 16)
		c->v[c->n] = pid;
	c->n++;
}

TEST(pidlists)
{
	struct { pid_t v[16]; size_t n; } c = { { 0 }, 0 };
	size_t len;
	char  *data = unit_fixture("proc/cgroup.procs", &len);

	if (data != NULL) {
		CHECK_EQ_INT(pidlist_parse(data, len, collect, &c), 0);
		CHECK_EQ_UINT(c.n, 2);
		CHECK_EQ_INT(c.v[0], 19467);   /* the listener */
		CHECK_EQ_INT(c.v[1], 19514);   /* its child, running as nobody */
		free(data);
	} else
		FAIL("fixture missing");
	c.n = 0;
	data = unit_fixture("proc/cgroup.procs-derived-bad", &len);
	if (data != NULL) {
		CHECK_EQ_INT(pidlist_parse(data, len, collect, &c), -1);
		free(data);
	} else
		FAIL("fixture missing");
	c.n = 0;
	CHECK_EQ_INT(pidlist_parse("", 0, collect, &c), 0);
	CHECK_EQ_UINT(c.n, 0);
	CHECK_EQ_INT(pidlist_parse("1\n\n2", 4, collect, &c), 0);
	CHECK_EQ_UINT(c.n, 2);
	CHECK_EQ_INT(c.v[1], 2);
	c.n = 0;
	CHECK_EQ_INT(pidlist_parse("0\n", 2, collect, &c), -1);
	CHECK_EQ_INT(pidlist_parse("2147483648\n", 11, collect, &c), -1);
	CHECK_EQ_INT(pidlist_parse(" 1\n", 3, collect, &c), -1);
	CHECK_EQ_INT(pidlist_parse("2147483647", 10, collect, &c), 0);
	CHECK_EQ_UINT(c.n, 1);
	CHECK_EQ_INT(c.v[0], 2147483647);
}

/* Every prefix of every real file: no crash, no read past the end (each
 * copy is an exact-size allocation, so ASan sees one byte too far). */
TEST(prefixes_of_real_files)
{
	static const char *files[] = {
		"proc/stat-newline", "proc/stat-fake-fields", "proc/status-root",
		"proc/cgroup-door-fixture", "proc/mountinfo", "proc/cgroup.procs",
	};

	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		size_t len;
		char  *data = unit_fixture(files[f], &len);

		if (data == NULL) {
			FAIL("fixture missing");
			continue;
		}
		for (size_t cut = 1; cut <= len; cut++) {
			char             *c = malloc(cut);
			struct stat_facts st;
			uint32_t          r, e;
			uint64_t          ino;
			char              out[64];
			struct { pid_t v[16]; size_t n; } pc = { { 0 }, 0 };

			if (c == NULL)
				break;
			memcpy(c, data, cut);
			(void)stat_parse(c, cut, &st);
			CHECK(strlen(st.name) < sizeof st.name);
			(void)status_uid_parse(c, cut, &r, &e);
			(void)socket_link_parse(c, cut, &ino);
			if (cgroup_line_parse(c, cut, out, sizeof out) == 0)
				CHECK(strlen(out) < sizeof out);
			if (mountinfo_cgroup2(c, cut, out, sizeof out) == 0)
				CHECK(strlen(out) < sizeof out);
			(void)pidlist_parse(c, cut, collect, &pc);
			free(c);
		}
		free(data);
	}
}
