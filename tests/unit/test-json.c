/* test-json.c - src/out/json.h and sockjson.h: valid JSON whatever bytes go
 * in. Every document is checked by the validator in unit.h and, when
 * python3 is installed, by Python's json module too. */
#include <arpa/inet.h>
#include <sys/wait.h>

#include "core/records.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "unit.h"

/* 0 when valid; prints the document and the reason otherwise. */
static int
valid(const struct buf *b, struct json_check *c)
{
	if (json_check(b->p ? b->p : "", b->len, c) == 0)
		return 0;
	printf("#   invalid JSON: %s at byte %zu of:\n", c->err, c->err_at);
	printf("#   ");
	unit_print_bytes(b->p ? b->p : "", b->len);
	putchar('\n');
	return -1;
}

/* Python's verdict: 1 valid, 0 invalid, -1 python3 not runnable. The
 * script also checks that every string holds no lone surrogate. */
static int
python_valid(const struct buf *b)
{
	static int  have = -2;
	FILE       *p;
	int         st;

	if (have == -2)
		have = system("python3 -c '' >/dev/null 2>&1") == 0;
	if (!have)
		return -1;
	p = popen("python3 -c 'import json,sys\n"
	    "def walk(v):\n"
	    "  if isinstance(v,str): v.encode(\"utf-8\")\n"
	    "  elif isinstance(v,list): [walk(x) for x in v]\n"
	    "  elif isinstance(v,dict): [walk(k) or walk(x) for k,x in v.items()]\n"
	    "walk(json.loads(sys.stdin.buffer.read().decode(\"utf-8\")))'"
	    " 2>/dev/null", "w");
	if (p == NULL)
		return -1;
	fwrite(b->p, 1, b->len, p);
	st = pclose(p);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : 0;
}

TEST(exact_layout)
{
	struct buf  b;
	struct json j;

	buf_init(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "port");
	json_uint(&j, 3000);
	json_key(&j, "name");
	json_str(&j, "node");
	json_key(&j, "owners");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_key(&j, "cwd");
	json_str(&j, NULL);
	json_key(&j, "ok");
	json_bool(&j, true);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_int(&j, -1);
	json_bool(&j, false);
	json_null(&j);
	json_arr_end(&j);
	json_key(&j, "empty");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
	CHECK_STR(buf_str(&b),
	    "{\n"
	    "  \"port\": 3000,\n"
	    "  \"name\": \"node\",\n"
	    "  \"owners\": [],\n"
	    "  \"cwd\": null,\n"
	    "  \"ok\": true,\n"
	    "  \"list\": [\n"
	    "    -1,\n"
	    "    false,\n"
	    "    null\n"
	    "  ],\n"
	    "  \"empty\": {}\n"
	    "}\n");
	buf_free(&b);
}

/* NDJSON (door watch --json): the same document on one line. */
TEST(compact_layout_one_line)
{
	struct buf  b;
	struct json j;

	buf_init(&b);
	json_init_compact(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "event");
	json_str(&j, "open");
	json_key(&j, "name");
	json_str(&j, "evil\nname\x1b[31m");
	json_key(&j, "owners");
	json_arr_begin(&j);
	json_int(&j, 1);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	CHECK_STR(buf_str(&b), "{\"event\":\"open\",\"name\":"
	    "\"evil\\nname\\u001b[31m\",\"owners\":[1,{}]}\n");
	buf_free(&b);
}

TEST(top_level_array_and_numbers)
{
	struct buf        b;
	struct json       j;
	struct json_check c;

	buf_init(&b);
	json_init(&j, &b);
	json_arr_begin(&j);
	json_int(&j, INT64_MIN);
	json_int(&j, INT64_MAX);
	json_uint(&j, UINT64_MAX);
	json_uint(&j, 0);
	json_arr_end(&j);
	json_end(&j);
	CHECK_EQ_INT(valid(&b, &c), 0);
	json_check_free(&c);
	CHECK(strstr(b.p, "-9223372036854775808") != NULL);
	CHECK(strstr(b.p, "18446744073709551615") != NULL);
	buf_free(&b);
}

static const char *hostile[] = {
	"\x1b[31mred", "\xff\xfe", "\"quoted\"", "back\\slash", "a\nb",
	"\xed\xa0\x80", "\xc0\xaf", "\xe2\x80\xa8", "\xe2\x80\xae", "\x7f",
	"}", "],", "\\u0000", "\xf0\x9f\x98\x80", "x) (y", "",
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

TEST(hostile_strings_as_keys_and_values)
{
	struct buf        b;
	struct json       j;
	struct json_check c;
	size_t            i;

	buf_init(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	for (i = 0; i < NHOSTILE; i++) {
		json_key(&j, hostile[i]);
		json_str(&j, hostile[i]);
	}
	json_key(&j, "nul");
	json_strn(&j, "a\0b", 3);
	json_obj_end(&j);
	json_end(&j);
	CHECK_EQ_INT(valid(&b, &c), 0);
	/* keys and values alternate in document order */
	CHECK_EQ_UINT(c.nstrs, 2 * NHOSTILE + 2);
	if (c.nstrs == 2 * NHOSTILE + 2) {
		for (i = 0; i < NHOSTILE; i++) {
			if (utf8_valid(hostile[i], strlen(hostile[i]))) {
				CHECK_STR(c.strs[2 * i], hostile[i]);
				CHECK_STR(c.strs[2 * i + 1], hostile[i]);
			} else {
				CHECK(strstr(c.strs[2 * i + 1], "\xef\xbf\xbd")
				    != NULL);
			}
		}
		CHECK_MEM(c.strs[2 * NHOSTILE + 1], c.strlens[2 * NHOSTILE + 1],
		    "a\0b", 3);
	}
	json_check_free(&c);
	CHECK(python_valid(&b) != 0);
	buf_free(&b);
}

TEST(nesting_beyond_depth_max)
{
	struct buf        b;
	struct json       j;
	struct json_check c;
	int               d, levels = JSON_DEPTH_MAX + 4;

	/* deeper than the writer tracks: it must still close what it opened
	 * and put commas where they belong */
	buf_init(&b);
	json_init(&j, &b);
	for (d = 0; d < levels; d++) {
		json_arr_begin(&j);
		json_int(&j, d);
	}
	for (d = 0; d < levels; d++) {
		json_int(&j, 100 + d);
		json_arr_end(&j);
	}
	json_end(&j);
	/* never invalid JSON: past its depth the writer marks the buffer
	 * broken (as out of memory), and callers do not print it */
	CHECK(b.oom);
	(void)c;
	buf_free(&b);
}

TEST(nesting_at_depth_max)
{
	struct buf        b;
	struct json       j;
	struct json_check c;
	int               d, levels = JSON_DEPTH_MAX - 1;

	buf_init(&b);
	json_init(&j, &b);
	for (d = 0; d < levels; d++) {
		json_obj_begin(&j);
		json_key(&j, "k");
		json_arr_begin(&j);
		json_int(&j, d);
		json_str(&j, "v");
		json_arr_end(&j);
		json_key(&j, "in");
	}
	json_null(&j);
	for (d = 0; d < levels; d++)
		json_obj_end(&j);
	json_end(&j);
	CHECK_EQ_INT(valid(&b, &c), 0);
	json_check_free(&c);
	CHECK(python_valid(&b) != 0);
	buf_free(&b);
}

/* A socket held by two processes with hostile names, argv and cwd. */
static void
hostile_snap(struct snap *s)
{
	struct sock  *k;
	struct proc  *p;
	struct owner *o;
	static const char argv[] = "python3\0-c\0\xff\xfe\0with space\0\0"
	    "\x1b[2J\0\xc3\xbc";

	snap_init(s);
	k = snap_add_sock(s);
	p = snap_add_proc(s);
	if (k == NULL || p == NULL)
		return;
	k->proto = PROTO_TCP;
	k->state = SK_LISTEN;
	k->local.family = AF_INET6;
	inet_pton(AF_INET6, "::1", k->local.addr);
	k->local.port = 47002;
	k->inode = 2642772;
	k->v6only = 1;
	k->cgroup_id = 139;
	k->owners = OWNERS_FOUND;
	p->pid = 4242;
	p->ppid = 1;
	memcpy(p->name, "x\n\"}\x1b]0;\xff", sizeof "x\n\"}\x1b]0;\xff");
	p->uid = 0;
	p->cmdline = malloc(sizeof argv);
	if (p->cmdline != NULL) {
		memcpy(p->cmdline, argv, sizeof argv);
		p->cmdline_len = sizeof argv;   /* with the trailing NUL */
	}
	p->cwd = strdup("/tmp/\xe2\x80\xae" "dir\n\"x\"");
	p->cgroup = strdup("/door-fixture");
	p->have = PROC_HAVE_STAT | PROC_HAVE_UID | PROC_HAVE_CMDLINE |
	    PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	p = snap_add_proc(s);
	if (p == NULL)
		return;
	p->pid = 4243;
	memcpy(p->name, "\xed\xa0\x80", 4);   /* a surrogate: invalid */
	p->have = PROC_HAVE_STAT;
	o = snap_add_owner(s);
	if (o != NULL)
		*o = (struct owner){ .sock = 0, .proc = 0, .fd = 3 };
	o = snap_add_owner(s);
	if (o != NULL)
		*o = (struct owner){ .sock = 0, .proc = 1, .fd = 3 };
	snap_link_owners(s);
}

TEST(sockjson_hostile_owner)
{
	struct snap       s;
	struct buf        b;
	struct json       j;
	struct json_check c;
	struct out_opts   o = { .json = true };
	bool              saw_name = false, saw_argv = false, saw_cwd = false;

	hostile_snap(&s);
	CHECK_EQ_UINT(s.nsocks, 1);
	if (s.nsocks != 1)
		return;
	buf_init(&b);
	json_init(&j, &b);
	json_arr_begin(&j);
	sockjson_write(&j, &s, 0, &o, NULL);
	json_arr_end(&j);
	json_end(&j);
	CHECK_EQ_INT(valid(&b, &c), 0);
	for (size_t i = 0; i < c.nstrs; i++) {
		if (strcmp(c.strs[i], "x\n\"}\x1b]0;\xef\xbf\xbd") == 0)
			saw_name = true;
		if (strcmp(c.strs[i], "\x1b[2J") == 0)
			saw_argv = true;
		if (strcmp(c.strs[i], "/tmp/\xe2\x80\xae" "dir\n\"x\"") == 0)
			saw_cwd = true;
	}
	CHECK(saw_name);
	CHECK(saw_argv);
	CHECK(saw_cwd);
	/* the documented keys are there */
	CHECK(strstr(b.p, "\"port\": 47002") != NULL);
	CHECK(strstr(b.p, "\"address\": \"::1\"") != NULL);
	CHECK(strstr(b.p, "\"v6only\": true") != NULL);
	CHECK(strstr(b.p, "\"cgroup_id\": 139") != NULL);
	CHECK(strstr(b.p, "\"owners_status\": \"found\"") != NULL);
	CHECK(strstr(b.p, "\"pid\": 4243") != NULL);
	json_check_free(&c);
	CHECK(python_valid(&b) != 0);
	buf_free(&b);
	snap_free(&s);
}

TEST(sockjson_argv_elements)
{
	struct snap       s;
	struct buf        b;
	struct json       j;
	struct json_check c;
	struct out_opts   o = { .json = true };
	size_t            i, first = SIZE_MAX;

	hostile_snap(&s);
	if (s.nsocks != 1)
		return;
	buf_init(&b);
	json_init(&j, &b);
	sockjson_write(&j, &s, 0, &o, NULL);
	json_end(&j);
	CHECK_EQ_INT(valid(&b, &c), 0);
	for (i = 0; i < c.nstrs; i++)
		if (strcmp(c.strs[i], "cmdline") == 0) {
			first = i + 1;
			break;
		}
	CHECK(first != SIZE_MAX);
	/* argv "python3" "-c" "\xff\xfe" "with space" "" "\e[2J" "ü":
	 * seven elements, the empty one kept, no phantom one after the
	 * trailing NUL */
	if (first != SIZE_MAX && first + 7 <= c.nstrs) {
		CHECK_STR(c.strs[first], "python3");
		CHECK_STR(c.strs[first + 1], "-c");
		CHECK_STR(c.strs[first + 2], "\xef\xbf\xbd\xef\xbf\xbd");
		CHECK_STR(c.strs[first + 3], "with space");
		CHECK_STR(c.strs[first + 4], "");
		CHECK_STR(c.strs[first + 5], "\x1b[2J");
		CHECK_STR(c.strs[first + 6], "\xc3\xbc");
		CHECK(first + 7 == c.nstrs ||
		    strcmp(c.strs[first + 7], "cmdline_truncated") == 0);
	} else
		FAIL("cmdline array too short");
	json_check_free(&c);
	buf_free(&b);
	snap_free(&s);
}

TEST(validator_rejects)
{
	/* the validator itself must be able to say no */
	static const char *bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "\"\x01\"", "\"\xff\"", "01",
		"[1 2]", "\"\\x41\"", "\"\\ud800\"", "{\"a\":1}x", "nul",
		"\"\xed\xa0\x80\"", "1.", "-", "{,}",
	};
	struct json_check c;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (json_check(bad[i], strlen(bad[i]), &c) == 0) {
			FAIL("validator accepted");
			unit_print_bytes(bad[i], strlen(bad[i]));
			putchar('\n');
		}
		json_check_free(&c);
	}
	{
		static const char good[] = "{\"a\": [1, -2.5e3, true, null, "
		    "\"\\ud83d\\ude00\"]}";

		CHECK_EQ_INT(json_check(good, sizeof good - 1, &c), 0);
	}
	CHECK_EQ_UINT(c.nstrs, 2);
	if (c.nstrs == 2)
		CHECK_STR(c.strs[1], "\xf0\x9f\x98\x80");
	json_check_free(&c);
}

TEST(python_cross_check_says_no)
{
	struct buf b;
	int        v;

	/* the Python check is a real second opinion: it rejects bad text */
	buf_init(&b);
	buf_adds(&b, "{\"a\": \"\xff\"}");
	v = python_valid(&b);
	if (v == -1)
		printf("# python3 not available: cross-check skipped\n");
	else
		CHECK_EQ_INT(v, 0);
	buf_reset(&b);
	buf_adds(&b, "{\"a\": [1, 2,]}");
	v = python_valid(&b);
	CHECK(v != 1);
	buf_free(&b);
}
