/* test-probe-mongo.c - the MongoDB requests door sends, byte for byte, and
 * the parsers of the replies: on the stand-in's recorded replies
 * (tests/fixtures/probe/mongo-*.bin, see the README there: there is no
 * real mongod on this machine), on every prefix of them, and on replies
 * and hostile bytes built here with a small BSON writer. Every parse runs
 * on an exact-size heap copy, so ASan sees any read past the end. */
#include "probe/parse.h"
#include "unit.h"

#define RID_HELLO	1	/* the request IDs the fixtures answer */
#define RID_BUILDINFO	2

/* ---- a BSON writer for the tests: no bounds games, big buffers ---- */

struct bw {
	uint8_t b[8192];
	size_t  n;
	size_t  open[128];   /* where each open document starts */
	int     depth;
};

static void
bw_raw(struct bw *w, const void *p, size_t n)
{
	if (w->n + n > sizeof w->b) {
		FAIL("test BSON buffer full");
		return;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void
bw_u32(struct bw *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	bw_raw(w, b, 4);
}

static void
bw_u64(struct bw *w, uint64_t v)
{
	bw_u32(w, (uint32_t)v);
	bw_u32(w, (uint32_t)(v >> 32));
}

static void
bw_key(struct bw *w, uint8_t type, const char *key)
{
	bw_raw(w, &type, 1);
	bw_raw(w, key, strlen(key) + 1);
}

static void
bw_begin(struct bw *w)
{
	w->open[w->depth++] = w->n;
	bw_u32(w, 0);   /* patched by bw_end */
}

static void
bw_end(struct bw *w)
{
	size_t at = w->open[--w->depth], len;

	bw_raw(w, "", 1);
	len = w->n - at;
	w->b[at] = (uint8_t)len;
	w->b[at + 1] = (uint8_t)(len >> 8);
	w->b[at + 2] = (uint8_t)(len >> 16);
	w->b[at + 3] = (uint8_t)(len >> 24);
}

static void
bw_sub(struct bw *w, const char *key)
{
	bw_key(w, 0x03, key);
	bw_begin(w);
}

static void
bw_i32(struct bw *w, const char *key, int32_t v)
{
	bw_key(w, 0x10, key);
	bw_u32(w, (uint32_t)v);
}

static void
bw_i64(struct bw *w, const char *key, int64_t v)
{
	bw_key(w, 0x12, key);
	bw_u64(w, (uint64_t)v);
}

static void
bw_double(struct bw *w, const char *key, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof bits);
	bw_key(w, 0x01, key);
	bw_u64(w, bits);
}

static void
bw_bool(struct bw *w, const char *key, bool v)
{
	uint8_t b = v;

	bw_key(w, 0x08, key);
	bw_raw(w, &b, 1);
}

static void
bw_str(struct bw *w, const char *key, const char *s)
{
	bw_key(w, 0x02, key);
	bw_u32(w, (uint32_t)strlen(s) + 1);
	bw_raw(w, s, strlen(s) + 1);
}

/* An OP_MSG reply to rid around the document (or any bytes) d. */
static size_t
op_msg(uint8_t *out, int32_t rid, uint32_t flags, const uint8_t *d,
    size_t dn)
{
	struct bw w = { .n = 0 };

	bw_u32(&w, (uint32_t)(16 + 4 + 1 + dn));
	bw_u32(&w, 77);                 /* the server's own requestID */
	bw_u32(&w, (uint32_t)rid);
	bw_u32(&w, 2013);
	bw_u32(&w, flags);
	bw_raw(&w, "", 1);              /* kind 0 */
	bw_raw(&w, d, dn);
	memcpy(out, w.b, w.n);
	return w.n;
}

static size_t
op_reply(uint8_t *out, int32_t rid, uint32_t flags, const uint8_t *d,
    size_t dn)
{
	struct bw w = { .n = 0 };

	bw_u32(&w, (uint32_t)(16 + 20 + dn));
	bw_u32(&w, 77);
	bw_u32(&w, (uint32_t)rid);
	bw_u32(&w, 1);
	bw_u32(&w, flags);
	bw_u64(&w, 0);                  /* cursorID */
	bw_u32(&w, 0);                  /* startingFrom */
	bw_u32(&w, 1);                  /* numberReturned */
	bw_raw(&w, d, dn);
	memcpy(out, w.b, w.n);
	return w.n;
}

/* ---- running the parsers on exact-size copies ---- */

typedef int (*mparser)(const uint8_t *, size_t, int32_t, struct probe_id *);

static int
run(mparser p, const uint8_t *b, size_t n, int32_t rid, struct probe_id *id)
{
	uint8_t *copy = malloc(n ? n : 1);
	int      v;

	if (copy == NULL) {
		FAIL("out of memory");
		return PV_NO;
	}
	memcpy(copy, b, n);
	memset(id, 0x7f, sizeof *id);   /* no stale text can pass */
	v = p(copy, n, rid, id);
	free(copy);
	return v;
}

/* Every proper prefix is MORE; the whole is YES. */
static void
check_prefixes(mparser p, const uint8_t *b, size_t n, int32_t rid,
    const char *what)
{
	struct probe_id id;

	for (size_t k = 0; k < n; k++) {
		int v = run(p, b, k, rid, &id);

		if (v != PV_MORE) {
			printf("#   %s: prefix of %zu bytes said %d\n", what, k,
			    v);
			CHECK_EQ_INT(v, PV_MORE);
			return;
		}
	}
	CHECK_EQ_INT(run(p, b, n, rid, &id), PV_YES);
}

static void
hello_is(const uint8_t *b, size_t n, const char *product,
    const char *version, const char *detail)
{
	struct probe_id id;

	CHECK_EQ_INT(run(probe_mongo_parse, b, n, RID_HELLO, &id), PV_YES);
	CHECK_STR(id.service, "mongodb");
	CHECK_STR(id.product, product);
	CHECK_STR(id.version, version);
	CHECK_STR(id.detail, detail);
}

/* A reply around d (an OP_MSG to RID_HELLO) to probe_mongo_parse. */
static int
hello_doc(const struct bw *d, struct probe_id *id)
{
	uint8_t msg[8400];
	size_t  n = op_msg(msg, RID_HELLO, 0, d->b, d->n);

	return run(probe_mongo_parse, msg, n, RID_HELLO, id);
}

/* ---- the requests ---- */

static const uint8_t want_hello[] = {
	0x34, 0x00, 0x00, 0x00,         /* messageLength 52 */
	0x04, 0x03, 0x02, 0x01,         /* requestID 0x01020304 */
	0x00, 0x00, 0x00, 0x00,         /* responseTo */
	0xdd, 0x07, 0x00, 0x00,         /* opCode 2013, OP_MSG */
	0x00, 0x00, 0x00, 0x00,         /* flagBits */
	0x00,                           /* section kind 0 */
	0x1f, 0x00, 0x00, 0x00,         /* the document: 31 bytes */
	0x10, 'h', 'e', 'l', 'l', 'o', 0x00, 0x01, 0x00, 0x00, 0x00,
	0x02, '$', 'd', 'b', 0x00, 0x06, 0x00, 0x00, 0x00,
	'a', 'd', 'm', 'i', 'n', 0x00,
	0x00,
};

static const uint8_t want_buildinfo[] = {
	0x38, 0x00, 0x00, 0x00,         /* messageLength 56 */
	0x04, 0x03, 0x02, 0x01,
	0x00, 0x00, 0x00, 0x00,
	0xdd, 0x07, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00,
	0x23, 0x00, 0x00, 0x00,         /* 35 bytes */
	0x10, 'b', 'u', 'i', 'l', 'd', 'I', 'n', 'f', 'o', 0x00,
	0x01, 0x00, 0x00, 0x00,
	0x02, '$', 'd', 'b', 0x00, 0x06, 0x00, 0x00, 0x00,
	'a', 'd', 'm', 'i', 'n', 0x00,
	0x00,
};

TEST(request_hello_bytes)
{
	uint8_t buf[128];
	int     n;

	memset(buf, 0xee, sizeof buf);
	n = probe_mongo_hello(buf, sizeof buf, 0x01020304);
	CHECK_MEM(buf, n > 0 ? (size_t)n : 0, want_hello, sizeof want_hello);
	CHECK_EQ_INT(buf[sizeof want_hello], 0xee);   /* nothing past it */
	CHECK_EQ_INT(probe_mongo_hello(buf, sizeof want_hello - 1, 1), -1);
	CHECK_EQ_INT(probe_mongo_hello(buf, sizeof want_hello, 1),
	    (int)sizeof want_hello);
	/* the stand-in's fixtures answer these exact bytes, request ID 1 */
	n = probe_mongo_hello(buf, sizeof buf, RID_HELLO);
	CHECK_EQ_INT(n, 52);
	CHECK_EQ_INT(buf[4], 1);
	/* a negative request ID goes out as its two's complement */
	n = probe_mongo_hello(buf, sizeof buf, -2);
	CHECK_EQ_INT(n, 52);
	CHECK(buf[4] == 0xfe && buf[5] == 0xff && buf[6] == 0xff &&
	    buf[7] == 0xff);
}

TEST(request_buildinfo_bytes)
{
	uint8_t buf[128];
	int     n;

	n = probe_mongo_buildinfo(buf, sizeof buf, 0x01020304);
	CHECK_MEM(buf, n > 0 ? (size_t)n : 0, want_buildinfo,
	    sizeof want_buildinfo);
	CHECK_EQ_INT(probe_mongo_buildinfo(buf, sizeof want_buildinfo - 1,
	    1), -1);
	CHECK_EQ_INT(probe_mongo_buildinfo(buf, 0, 1), -1);
}

/* ---- the stand-in's replies ---- */

static uint8_t *
load(const char *rel, size_t *n)
{
	char *b = unit_fixture(rel, n);

	CHECK(b != NULL);
	return (uint8_t *)b;
}

TEST(fixture_hello_standalone)
{
	size_t   n = 0;
	uint8_t *b = load("probe/mongo-hello.bin", &n);

	if (b == NULL)
		return;
	hello_is(b, n, "MongoDB", "7.0", "standalone");
	check_prefixes(probe_mongo_parse, b, n, RID_HELLO, "mongo-hello");
	free(b);
}

TEST(fixture_hello_replica_set_primary)
{
	size_t   n = 0;
	uint8_t *b = load("probe/mongo-hello-rs.bin", &n);

	if (b == NULL)
		return;
	hello_is(b, n, "MongoDB", "7.0", "replica set rs0, primary");
	check_prefixes(probe_mongo_parse, b, n, RID_HELLO, "mongo-hello-rs");
	free(b);
}

TEST(fixture_opreply_old_server)
{
	size_t   n = 0;
	uint8_t *b = load("probe/mongo-opreply.bin", &n);

	if (b == NULL)
		return;
	CHECK(n > 16 && b[12] == 1);    /* OP_REPLY indeed */
	hello_is(b, n, "MongoDB", "3.4", "standalone");
	check_prefixes(probe_mongo_parse, b, n, RID_HELLO, "mongo-opreply");
	free(b);
}

TEST(fixture_buildinfo)
{
	struct probe_id id;
	size_t          n = 0;
	uint8_t        *b = load("probe/mongo-buildinfo.bin", &n);

	if (b == NULL)
		return;
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, b, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.service, "mongodb");
	CHECK_STR(id.product, "MongoDB");
	CHECK_STR(id.version, "7.0.14");
	CHECK_STR(id.detail, "");
	check_prefixes(probe_mongo_buildinfo_parse, b, n, RID_BUILDINFO,
	    "mongo-buildinfo");
	/* answers request 2, not 1 */
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, b, n, RID_HELLO, &id),
	    PV_NO);
	free(b);
}

TEST(fixture_buildinfo_unauthorized)
{
	struct probe_id id;
	size_t          n = 0;
	uint8_t        *b = load("probe/mongo-buildinfo-unauth.bin", &n);

	if (b == NULL)
		return;
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, b, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.product, "MongoDB");
	CHECK_STR(id.version, "");
	CHECK_STR(id.detail, "auth required for buildInfo");
	check_prefixes(probe_mongo_buildinfo_parse, b, n, RID_BUILDINFO,
	    "mongo-buildinfo-unauth");
	free(b);
}

/* ---- replies built here ---- */

TEST(replica_set_secondary_and_legacy_fields)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };

	bw_begin(&d);
	bw_str(&d, "setName", "shard-A");
	bw_bool(&d, "isWritablePrimary", false);
	bw_bool(&d, "secondary", true);
	bw_i32(&d, "maxWireVersion", 25);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.product, "MongoDB");
	CHECK_STR(id.version, "8.0");
	CHECK_STR(id.detail, "replica set shard-A, secondary");

	/* isMaster's "ismaster" instead of isWritablePrimary; ok an int32 */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_bool(&d, "ismaster", true);
	bw_str(&d, "setName", "rs\x01x");   /* a control byte: sanitised */
	bw_i32(&d, "maxWireVersion", 6);
	bw_i32(&d, "ok", 1);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.version, "3.6");
	CHECK_STR(id.detail, "replica set rs?x, primary");

	/* an arbiter; and a member in recovery, neither role */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_str(&d, "setName", "rs0");
	bw_bool(&d, "arbiterOnly", true);
	bw_i64(&d, "ok", 1);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.detail, "replica set rs0, arbiter");
	CHECK_STR(id.version, "");

	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_bool(&d, "isWritablePrimary", false);
	bw_bool(&d, "secondary", false);
	bw_str(&d, "setName", "rs0");
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.detail, "replica set rs0");

	/* --replSet given, rs.initiate() not run */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_bool(&d, "isWritablePrimary", false);
	bw_bool(&d, "secondary", false);
	bw_bool(&d, "isreplicaset", true);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.detail, "replica set, not initiated");
}

TEST(mongos)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };

	/* what a 7.0 mongos says (the stand-in's --mongos, abridged) */
	bw_begin(&d);
	bw_bool(&d, "isWritablePrimary", true);
	bw_str(&d, "msg", "isdbgrid");
	bw_sub(&d, "topologyVersion");
	bw_key(&d, 0x07, "processId");
	bw_raw(&d, "0123456789ab", 12);
	bw_i64(&d, "counter", 0);
	bw_end(&d);
	bw_i32(&d, "maxWireVersion", 21);
	bw_i32(&d, "minWireVersion", 0);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.product, "MongoDB mongos");
	CHECK_STR(id.version, "7.0");
	CHECK_STR(id.detail, "mongos");
}

TEST(wire_versions)
{
	static const struct {
		int32_t     wire;
		const char *release;
	} t[] = {
		{ 0, "" }, { 2, "2.6" }, { 5, "3.4" }, { 6, "3.6" },
		{ 7, "4.0" }, { 8, "4.2" }, { 9, "4.4" }, { 10, "" },
		{ 12, "" }, { 13, "5.0" }, { 16, "5.3" }, { 17, "6.0" },
		{ 19, "6.2" }, { 20, "6.3" }, { 21, "7.0" }, { 24, "7.3" },
		{ 25, "8.0" }, { 26, "" }, { 1000, "" }, { -1, "" },
		{ INT32_MIN, "" },
	};
	struct probe_id id;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bw d = { .n = 0 };

		bw_begin(&d);
		bw_i32(&d, "maxWireVersion", t[i].wire);
		bw_double(&d, "ok", 1.0);
		bw_end(&d);
		CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
		if (strcmp(id.version, t[i].release) != 0)
			printf("#   wire %d\n", (int)t[i].wire);
		CHECK_STR(id.version, t[i].release);
	}
	/* an int64 is read too; a double or a string is not a version */
	{
		struct bw d = { .n = 0 };

		bw_begin(&d);
		bw_i64(&d, "maxWireVersion", 21);
		bw_double(&d, "ok", 1.0);
		bw_end(&d);
		CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
		CHECK_STR(id.version, "7.0");
		memset(&d, 0, sizeof d);
		bw_begin(&d);
		bw_double(&d, "maxWireVersion", 21.0);
		bw_double(&d, "ok", 1.0);
		bw_end(&d);
		CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
		CHECK_STR(id.version, "");
	}
}

TEST(ok_zero_errmsg)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };
	char            longmsg[300];

	bw_begin(&d);
	bw_double(&d, "ok", 0.0);
	bw_str(&d, "errmsg", "not master and secondaryOk=false\r\n");
	bw_i32(&d, "code", 13435);
	bw_str(&d, "codeName", "NotPrimaryNoSecondaryOk");
	bw_i32(&d, "maxWireVersion", 21);   /* not used when ok is 0 */
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.service, "mongodb");
	CHECK_STR(id.product, "MongoDB");
	CHECK_STR(id.version, "");
	CHECK_STR(id.detail, "not master and secondaryOk=false??");

	/* -0.0 is zero too; a long errmsg is cut to fit */
	memset(longmsg, 'x', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_double(&d, "ok", -0.0);
	bw_str(&d, "errmsg", longmsg);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_EQ_UINT(strlen(id.detail), PROBE_DETAIL_MAX - 1);

	/* ok 0 and no errmsg at all */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_i32(&d, "ok", 0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.detail, "error");
}

TEST(opreply_query_failure)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };
	uint8_t         msg[512];
	size_t          n;

	/* OP_REPLY flag 2, QueryFailure: {$err, code}, no ok */
	bw_begin(&d);
	bw_str(&d, "$err", "not authorized on admin to execute command");
	bw_i32(&d, "code", 13);
	bw_end(&d);
	n = op_reply(msg, RID_HELLO, 2, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id), PV_YES);
	CHECK_STR(id.detail, "not authorized on admin to execute command");
	n = op_reply(msg, RID_BUILDINFO, 2, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.detail, "auth required for buildInfo");
	check_prefixes(probe_mongo_parse, msg,
	    op_reply(msg, RID_HELLO, 2, d.b, d.n), RID_HELLO, "$err reply");

	/* numberReturned must be 1 */
	n = op_reply(msg, RID_HELLO, 0, d.b, d.n);
	msg[32] = 2;
	CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id), PV_NO);
}

TEST(buildinfo_other_replies)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };
	uint8_t         msg[512];
	size_t          n;

	/* Unauthorized named only in the text */
	bw_begin(&d);
	bw_double(&d, "ok", 0.0);
	bw_str(&d, "errmsg", "command buildInfo requires authentication");
	bw_end(&d);
	n = op_msg(msg, RID_BUILDINFO, 0, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.detail, "auth required for buildInfo");

	/* any other failure is still MongoDB, with its message */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_double(&d, "ok", 0.0);
	bw_str(&d, "errmsg", "interrupted at shutdown");
	bw_i32(&d, "code", 11600);
	bw_end(&d);
	n = op_msg(msg, RID_BUILDINFO, 0, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.version, "");
	CHECK_STR(id.detail, "interrupted at shutdown");

	/* ok 1 and no version: MongoDB, version unknown */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	n = op_msg(msg, RID_BUILDINFO, 0, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.version, "");

	/* a version that is not a string is not used */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_i32(&d, "version", 7);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	n = op_msg(msg, RID_BUILDINFO, 0, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_YES);
	CHECK_STR(id.version, "");

	/* no ok at all: not a command reply */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_str(&d, "version", "7.0.14");
	bw_end(&d);
	n = op_msg(msg, RID_BUILDINFO, 0, d.b, d.n);
	CHECK_EQ_INT(run(probe_mongo_buildinfo_parse, msg, n, RID_BUILDINFO,
	    &id), PV_NO);
}

TEST(wrong_response_to)
{
	struct probe_id id;
	size_t          n = 0;
	uint8_t        *b = load("probe/mongo-hello.bin", &n);

	if (b == NULL)
		return;
	CHECK_EQ_INT(run(probe_mongo_parse, b, n, 2, &id), PV_NO);
	CHECK_EQ_INT(run(probe_mongo_parse, b, n, -1, &id), PV_NO);
	/* NO as soon as responseTo is in, MORE before */
	CHECK_EQ_INT(run(probe_mongo_parse, b, 12, 2, &id), PV_NO);
	CHECK_EQ_INT(run(probe_mongo_parse, b, 11, 2, &id), PV_MORE);
	free(b);
}

/* Takes a copy of the standalone fixture, changes 4 bytes at `at` to v
 * and parses it whole. */
static int
patched(size_t at, uint32_t v)
{
	struct probe_id id;
	size_t          n = 0;
	uint8_t        *b = load("probe/mongo-hello.bin", &n);
	int             r;

	if (b == NULL || at + 4 > n) {
		free(b);
		return 99;
	}
	b[at] = (uint8_t)v;
	b[at + 1] = (uint8_t)(v >> 8);
	b[at + 2] = (uint8_t)(v >> 16);
	b[at + 3] = (uint8_t)(v >> 24);
	r = run(probe_mongo_parse, b, n, RID_HELLO, &id);
	free(b);
	return r;
}

TEST(hostile_header)
{
	struct probe_id id;
	uint8_t         h[16] = { 0 };

	CHECK_EQ_INT(patched(0, 0xffffffffu), PV_NO);    /* length -1 */
	CHECK_EQ_INT(patched(0, 0x80000000u), PV_NO);    /* INT32_MIN */
	CHECK_EQ_INT(patched(0, 48u * 1024 * 1024 + 1), PV_NO);
	CHECK_EQ_INT(patched(0, 20), PV_NO);
	CHECK_EQ_INT(patched(0, 0), PV_NO);
	CHECK_EQ_INT(patched(12, 2004), PV_NO);          /* OP_QUERY */
	CHECK_EQ_INT(patched(12, 2012), PV_NO);          /* OP_COMPRESSED */
	/* flagBits: an unknown required bit; exhaustAllowed, optional */
	CHECK_EQ_INT(patched(16, 4), PV_NO);
	CHECK_EQ_INT(patched(16, 1u << 16), PV_YES);
	/* a length past what arrived waits: a bigger real reply would */
	CHECK_EQ_INT(patched(0, 48u * 1024 * 1024), PV_MORE);

	/* 48 MiB exactly is allowed; the rest of it never came */
	h[0] = 0x00; h[1] = 0x00; h[2] = 0x00; h[3] = 0x03;
	h[8] = RID_HELLO;
	h[12] = 0xdd; h[13] = 0x07;
	CHECK_EQ_INT(run(probe_mongo_parse, h, 16, RID_HELLO, &id), PV_MORE);
	/* a length of 21 with a body too short for any document */
	h[0] = 21; h[3] = 0;
	{
		uint8_t m[21] = { 0 };

		memcpy(m, h, 16);
		CHECK_EQ_INT(run(probe_mongo_parse, m, 21, RID_HELLO, &id),
		    PV_NO);
	}
	/* not MongoDB at all: HTTP, a TLS alert, nothing */
	CHECK_EQ_INT(run(probe_mongo_parse, (const uint8_t *)"HTTP/1.0 200 OK"
	    "\r\n\r\n", 19, RID_HELLO, &id), PV_NO);
	/* a TLS alert: 7 bytes could still begin a reply, 16 cannot */
	{
		uint8_t tls[16] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

		CHECK_EQ_INT(run(probe_mongo_parse, tls, 7, RID_HELLO, &id),
		    PV_MORE);
		CHECK_EQ_INT(run(probe_mongo_parse, tls, 16, RID_HELLO, &id),
		    PV_NO);
	}
	CHECK_EQ_INT(run(probe_mongo_parse, h, 0, RID_HELLO, &id), PV_MORE);
}

/* The body of an OP_MSG reply built from raw document bytes. */
static int
raw_doc(const uint8_t *d, size_t dn)
{
	struct probe_id id;
	uint8_t         msg[8400];
	size_t          n = op_msg(msg, RID_HELLO, 0, d, dn);

	return run(probe_mongo_parse, msg, n, RID_HELLO, &id);
}

TEST(hostile_bson)
{
	struct bw d = { .n = 0 };
	uint8_t   b[64];

	/* the well-formed document all of these spoil */
	bw_begin(&d);
	bw_str(&d, "msg", "hi");
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_YES);
	CHECK_EQ_UINT(d.n, 4 + (1 + 4 + 4 + 3) + (1 + 3 + 8) + 1);

	/* document length negative, past the end, short of the elements */
	memcpy(b, d.b, d.n);
	b[0] = 0xff; b[1] = 0xff; b[2] = 0xff; b[3] = 0xff;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	memcpy(b, d.b, d.n);
	b[0] = (uint8_t)(d.n + 1);
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	memcpy(b, d.b, d.n);
	b[0] = (uint8_t)(d.n - 1);
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	b[0] = 4;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);

	/* no closing NUL */
	memcpy(b, d.b, d.n);
	b[d.n - 1] = 1;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);

	/* string length negative, too long, zero, and no NUL at its end */
	memcpy(b, d.b, d.n);
	b[9] = 0xff; b[10] = 0xff; b[11] = 0xff; b[12] = 0xff;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	memcpy(b, d.b, d.n);
	b[9] = 40;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	memcpy(b, d.b, d.n);
	b[9] = 0;
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);
	memcpy(b, d.b, d.n);
	b[15] = 'x';   /* the NUL of "hi" */
	CHECK_EQ_INT(raw_doc(b, d.n), PV_NO);

	/* unknown type bytes; a type 0 where an element should be */
	for (unsigned t = 0; t < 256; t++) {
		bool known = (t >= 0x01 && t <= 0x13) || t == 0x7f || t == 0xff;

		memcpy(b, d.b, d.n);
		b[4] = (uint8_t)t;
		if (!known && raw_doc(b, d.n) != PV_NO) {
			printf("#   type 0x%02x accepted\n", t);
			CHECK(false);
		}
	}

	/* a key without its NUL before the end */
	{
		uint8_t k[] = { 9, 0, 0, 0, 0x0a, 'o', 'k', 'k', 0 };

		CHECK_EQ_INT(raw_doc(k, sizeof k), PV_NO);
	}
	/* a bool that is neither 0 nor 1 */
	{
		struct bw e = { .n = 0 };

		bw_begin(&e);
		bw_bool(&e, "secondary", true);
		bw_double(&e, "ok", 1.0);
		bw_end(&e);
		CHECK_EQ_INT(raw_doc(e.b, e.n), PV_YES);
		e.b[4 + 1 + 10] = 2;
		CHECK_EQ_INT(raw_doc(e.b, e.n), PV_NO);
	}
}

TEST(hostile_nested)
{
	struct bw d = { .n = 0 };

	/* an inner document whose length runs past the outer's end */
	bw_begin(&d);
	bw_sub(&d, "a");
	bw_i32(&d, "x", 1);
	bw_end(&d);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_YES);
	d.b[4 + 1 + 2] = 200;
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_NO);
	d.b[4 + 1 + 2] = 0xff;
	d.b[4 + 1 + 2 + 3] = 0xff;   /* and negative */
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_NO);

	/* binary with a negative length; regex without its options */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_key(&d, 0x05, "bin");
	bw_u32(&d, 0xfffffffeu);
	bw_raw(&d, "\x00", 1);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_NO);
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_key(&d, 0x0b, "re");
	bw_raw(&d, "a.*b", 4);   /* no NULs at all up to the end */
	bw_end(&d);
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_NO);

	/* code with scope whose total disagrees with its parts */
	memset(&d, 0, sizeof d);
	bw_begin(&d);
	bw_key(&d, 0x0f, "f");
	bw_u32(&d, 4 + 4 + 2 + 5);
	bw_u32(&d, 2);
	bw_raw(&d, "x", 2);
	bw_begin(&d);
	bw_end(&d);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_YES);
	d.b[4 + 1 + 2] = 4 + 4 + 2 + 5 + 1;
	CHECK_EQ_INT(raw_doc(d.b, d.n), PV_NO);
}

TEST(every_type_skipped)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };

	/* one of each BSON type before the fields that matter */
	bw_begin(&d);
	bw_double(&d, "d", 1.5);
	bw_str(&d, "s", "x");
	bw_sub(&d, "doc");
	bw_str(&d, "setName", "inner");   /* not top level: ignored */
	bw_end(&d);
	bw_key(&d, 0x04, "arr");
	bw_begin(&d);
	bw_i32(&d, "0", 1);
	bw_end(&d);
	bw_key(&d, 0x05, "bin");
	bw_u32(&d, 3);
	bw_raw(&d, "\x04" "abc", 4);
	bw_key(&d, 0x06, "undef");
	bw_key(&d, 0x07, "oid");
	bw_raw(&d, "0123456789ab", 12);
	bw_bool(&d, "b", false);
	bw_key(&d, 0x09, "date");
	bw_u64(&d, 1700000000000ull);
	bw_key(&d, 0x0a, "null");
	bw_key(&d, 0x0b, "re");
	bw_raw(&d, "^a\0i\0", 5);
	bw_key(&d, 0x0c, "dbp");
	bw_u32(&d, 2);
	bw_raw(&d, "c\0" "0123456789ab", 14);
	bw_key(&d, 0x0d, "js");
	bw_u32(&d, 3);
	bw_raw(&d, "f(", 3);
	bw_key(&d, 0x0e, "sym");
	bw_u32(&d, 2);
	bw_raw(&d, "s", 2);
	bw_key(&d, 0x0f, "cws");
	bw_u32(&d, 4 + 4 + 2 + 5);
	bw_u32(&d, 2);
	bw_raw(&d, "g", 2);
	bw_begin(&d);
	bw_end(&d);
	bw_i32(&d, "i", -5);
	bw_key(&d, 0x11, "ts");
	bw_u64(&d, 42);
	bw_i64(&d, "l", -1);
	bw_key(&d, 0x13, "dec");
	bw_raw(&d, "0123456789abcdef", 16);
	bw_key(&d, 0xff, "min");
	bw_key(&d, 0x7f, "max");
	bw_str(&d, "setName", "outer");
	bw_bool(&d, "secondary", true);
	bw_i32(&d, "maxWireVersion", 17);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);
	CHECK_EQ_INT(hello_doc(&d, &id), PV_YES);
	CHECK_STR(id.version, "6.0");
	CHECK_STR(id.detail, "replica set outer, secondary");
}

/* {a: {a: ... {ok: 1} ...}, ok: 1}, levels documents deep. */
static int
nested(int levels)
{
	struct bw *d = calloc(1, sizeof *d);
	int        r;

	if (d == NULL)
		return 99;
	bw_begin(d);
	for (int i = 0; i < levels; i++)
		bw_sub(d, "a");
	bw_double(d, "ok", 1.0);
	for (int i = 0; i < levels; i++)
		bw_end(d);
	bw_double(d, "ok", 1.0);
	bw_end(d);
	r = raw_doc(d->b, d->n);
	free(d);
	return r;
}

TEST(nesting_limit)
{
	CHECK_EQ_INT(nested(1), PV_YES);
	CHECK_EQ_INT(nested(32), PV_YES);
	CHECK_EQ_INT(nested(33), PV_NO);
	CHECK_EQ_INT(nested(100), PV_NO);
}

TEST(op_msg_sections)
{
	struct probe_id id;
	struct bw       d = { .n = 0 };
	uint8_t         msg[1024];
	size_t          n;

	bw_begin(&d);
	bw_str(&d, "setName", "rs1");
	bw_bool(&d, "isWritablePrimary", true);
	bw_double(&d, "ok", 1.0);
	bw_end(&d);

	/* a kind-1 document sequence before and after the body: skipped */
	{
		struct bw seq = { .n = 0 };

		bw_raw(&seq, "\x01", 1);
		bw_u32(&seq, 4 + 5 + 5 + 5);
		bw_raw(&seq, "docs", 5);
		bw_begin(&seq);
		bw_end(&seq);
		bw_begin(&seq);
		bw_end(&seq);
		/* built by hand: op_msg() puts the body first */
		{
			struct bw w = { .n = 0 };

			bw_u32(&w, 0);
			bw_u32(&w, 77);
			bw_u32(&w, RID_HELLO);
			bw_u32(&w, 2013);
			bw_u32(&w, 0);
			bw_raw(&w, seq.b, seq.n);
			bw_raw(&w, "", 1);
			bw_raw(&w, d.b, d.n);
			bw_raw(&w, seq.b, seq.n);
			w.b[0] = (uint8_t)w.n;
			CHECK_EQ_INT(run(probe_mongo_parse, w.b, w.n, RID_HELLO,
			    &id), PV_YES);
			CHECK_STR(id.detail, "replica set rs1, primary");
			check_prefixes(probe_mongo_parse, w.b, w.n, RID_HELLO,
			    "kind-1 sections");
			/* a sequence whose size runs past the end */
			w.b[20 + 1] = 200;
			CHECK_EQ_INT(run(probe_mongo_parse, w.b, w.n, RID_HELLO,
			    &id), PV_NO);
			w.b[20 + 1] = (uint8_t)(4 + 5 + 5 + 5);
			/* a document inside it that lies about its size */
			w.b[20 + 1 + 4 + 5] = 6;
			CHECK_EQ_INT(run(probe_mongo_parse, w.b, w.n, RID_HELLO,
			    &id), PV_NO);
		}
	}

	/* two bodies; a kind-2 section; no body at all */
	{
		struct bw w = { .n = 0 };

		bw_raw(&w, d.b, d.n);
		bw_raw(&w, "", 1);
		bw_raw(&w, d.b, d.n);
		n = op_msg(msg, RID_HELLO, 0, w.b, w.n);
		CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id),
		    PV_NO);
		w.b[d.n] = 2;
		n = op_msg(msg, RID_HELLO, 0, w.b, w.n);
		CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id),
		    PV_NO);
	}

	/* checksumPresent: 4 trailing bytes after the sections */
	{
		struct bw w = { .n = 0 };

		bw_raw(&w, d.b, d.n);
		bw_raw(&w, "\xde\xad\xbe\xef", 4);
		n = op_msg(msg, RID_HELLO, 1, w.b, w.n);
		CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id),
		    PV_YES);
		CHECK_STR(id.detail, "replica set rs1, primary");
		check_prefixes(probe_mongo_parse, msg, n, RID_HELLO,
		    "checksum");
		/* without the flag the 4 bytes are a bad section */
		n = op_msg(msg, RID_HELLO, 0, w.b, w.n);
		CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id),
		    PV_NO);
		/* with the flag and no room for the checksum */
		n = op_msg(msg, RID_HELLO, 1, d.b, d.n);
		CHECK_EQ_INT(run(probe_mongo_parse, msg, n, RID_HELLO, &id),
		    PV_NO);
	}

	/* bytes after messageLength are not read */
	n = op_msg(msg, RID_HELLO, 0, d.b, d.n);
	memset(msg + n, 0xff, 8);
	CHECK_EQ_INT(run(probe_mongo_parse, msg, n + 8, RID_HELLO, &id),
	    PV_YES);
}
