/* mongo.c - MongoDB: the hello and buildInfo commands as OP_MSG, and the
 * replies that identify a server: OP_MSG (3.6 and later) or OP_REPLY
 * (older servers). Inside, a small bounded BSON reader: it checks every
 * byte of a reply document, nested ones included, but looks values up
 * only at the top level. Pure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe/parse.h"

#define MONGO_HEADER	16
#define MONGO_LEN_MIN	21	/* header, flagBits, one section kind */
#define MONGO_LEN_MAX	(48u * 1024 * 1024)	/* mongod: 48000000 */
#define MONGO_OP_REPLY	1
#define MONGO_OP_MSG	2013
/* OP_REPLY's responseFlags, cursorID, startingFrom, numberReturned */
#define OP_REPLY_FIXED	20
#define BSON_DEPTH_MAX	32

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* {CMD: 1, $db: "admin"} in an OP_MSG: a header, flagBits 0, one kind-0
 * section. CMD is an int32 1, as the drivers send it. */
static int
mongo_command(uint8_t *buf, size_t size, int32_t request_id,
    const char *cmd)
{
	static const char db[] = "admin";
	size_t            klen = strlen(cmd);
	/* length, int32 element, string element, NUL */
	size_t            doc = 4 + (1 + klen + 1 + 4) +
	    (1 + 4 + 4 + sizeof db) + 1;
	size_t            len = MONGO_HEADER + 4 + 1 + doc;
	uint8_t          *p = buf;

	if (size < len)
		return -1;
	put32(p, (uint32_t)len);
	put32(p + 4, (uint32_t)request_id);
	put32(p + 8, 0);                       /* responseTo */
	put32(p + 12, MONGO_OP_MSG);
	put32(p + 16, 0);                      /* flagBits */
	p[20] = 0;                             /* section kind 0: the body */
	p += 21;
	put32(p, (uint32_t)doc);
	p += 4;
	*p++ = 0x10;                           /* int32 */
	memcpy(p, cmd, klen + 1);
	p += klen + 1;
	put32(p, 1);
	p += 4;
	*p++ = 0x02;                           /* string */
	memcpy(p, "$db", 4);
	p += 4;
	put32(p, sizeof db);
	p += 4;
	memcpy(p, db, sizeof db);
	p += sizeof db;
	*p = 0;                                /* end of the document */
	return (int)len;
}

int
probe_mongo_hello(uint8_t *buf, size_t size, int32_t request_id)
{
	return mongo_command(buf, size, request_id, "hello");
}

int
probe_mongo_buildinfo(uint8_t *buf, size_t size, int32_t request_id)
{
	return mongo_command(buf, size, request_id, "buildInfo");
}

/* ---- BSON (bsonspec.org 1.1), read only ---- */

/* One element: type byte, key (NUL-terminated inside the document) and
 * the value's bytes. type 0 means "not found". */
struct bson_el {
	uint8_t        type;
	const char    *key;
	const uint8_t *val;
	size_t         vlen;
};

static bool	bson_doc(const uint8_t *, size_t, int, size_t *);

/* string, JavaScript code, symbol: an int32 length that counts the NUL,
 * then the bytes and the NUL. The length is read unsigned, so a negative
 * one is huge and fails the bound. */
static bool
bson_string(const uint8_t *p, size_t n, size_t *len)
{
	uint32_t l;

	if (n < 4)
		return false;
	l = le32(p);
	if (l < 1 || l > n - 4 || p[4 + l - 1] != 0)
		return false;
	*len = 4 + (size_t)l;
	return true;
}

static bool
bson_cstring(const uint8_t *p, size_t n, size_t *len)
{
	const uint8_t *z = memchr(p, 0, n);

	if (z == NULL)
		return false;
	*len = (size_t)(z - p) + 1;
	return true;
}

static bool
bson_fixed(size_t want, size_t n, size_t *len)
{
	*len = want;
	return n >= want;
}

/* The size of a value of type t at p (n bytes left before the end of its
 * document), every BSON type known so any can be skipped; a nested
 * document is checked whole, one level deeper. */
static bool
bson_value(uint8_t t, const uint8_t *p, size_t n, int depth, size_t *len)
{
	size_t a, b;

	switch (t) {
	case 0x06:   /* undefined */
	case 0x0a:   /* null */
	case 0x7f:   /* max key */
	case 0xff:   /* min key */
		return bson_fixed(0, n, len);
	case 0x08:   /* bool: exactly 0 or 1 */
		return bson_fixed(1, n, len) && p[0] <= 1;
	case 0x10:   /* int32 */
		return bson_fixed(4, n, len);
	case 0x01:   /* double */
	case 0x09:   /* UTC datetime */
	case 0x11:   /* timestamp */
	case 0x12:   /* int64 */
		return bson_fixed(8, n, len);
	case 0x07:   /* ObjectId */
		return bson_fixed(12, n, len);
	case 0x13:   /* decimal128 */
		return bson_fixed(16, n, len);
	case 0x02:
	case 0x0d:
	case 0x0e:
		return bson_string(p, n, len);
	case 0x03:   /* document */
	case 0x04:   /* array: a document keyed "0", "1"... */
		return bson_doc(p, n, depth + 1, len);
	case 0x05: { /* binary: int32 length, subtype, bytes */
		uint32_t l;

		if (n < 5)
			return false;
		l = le32(p);
		if (l > n - 5)
			return false;
		*len = 5 + (size_t)l;
		return true;
	}
	case 0x0b:   /* regex: pattern and options, two cstrings */
		if (!bson_cstring(p, n, &a) || !bson_cstring(p + a, n - a, &b))
			return false;
		*len = a + b;
		return true;
	case 0x0c:   /* DBPointer: a string and an ObjectId */
		if (!bson_string(p, n, &a) || n - a < 12)
			return false;
		*len = a + 12;
		return true;
	case 0x0f: { /* code with scope: int32 total, string, document */
		uint32_t total;

		if (n < 4)
			return false;
		total = le32(p);
		if (total < 4 + 5 + 5 || total > n ||
		    !bson_string(p + 4, total - 4, &a) ||
		    !bson_doc(p + 4 + a, total - 4 - a, depth + 1, &b) ||
		    4 + a + b != total)
			return false;
		*len = total;
		return true;
	}
	default:     /* 0x00 here means the document ended early */
		return false;
	}
}

/* The element at *off of a document whose elements end at end (its
 * closing NUL); *off moves past it. */
static bool
bson_next(const uint8_t *d, size_t end, size_t *off, int depth,
    struct bson_el *el)
{
	size_t at = *off, kl, vl;

	if (at >= end)
		return false;
	el->type = d[at++];
	if (!bson_cstring(d + at, end - at, &kl))
		return false;
	el->key = (const char *)d + at;
	at += kl;
	if (!bson_value(el->type, d + at, end - at, depth, &vl))
		return false;
	el->val = d + at;
	el->vlen = vl;
	*off = at + vl;
	return true;
}

/* A whole document at p, n bytes available: the declared length fits,
 * the elements fill it exactly up to its closing NUL, nested documents
 * likewise, no deeper than BSON_DEPTH_MAX. Recursion is bounded by that
 * depth. */
static bool
bson_doc(const uint8_t *p, size_t n, int depth, size_t *len)
{
	struct bson_el el;
	uint32_t       l;
	size_t         off = 4;

	if (depth > BSON_DEPTH_MAX || n < 5)
		return false;
	l = le32(p);
	if (l < 5 || l > n || p[l - 1] != 0)
		return false;
	while (off < l - 1)
		if (!bson_next(p, l - 1, &off, depth, &el))
			return false;
	*len = l;
	return true;
}

/* The top-level fields the parsers read. */
enum {
	F_OK, F_ERRMSG, F_ERR, F_CODE, F_MSG, F_SETNAME, F_WRITABLE,
	F_ISMASTER, F_SECONDARY, F_ARBITER, F_ISREPLSET, F_MAXWIRE,
	F_VERSION, F_N
};

static const char *const field_keys[F_N] = {
	[F_OK] = "ok", [F_ERRMSG] = "errmsg", [F_ERR] = "$err",
	[F_CODE] = "code", [F_MSG] = "msg", [F_SETNAME] = "setName",
	[F_WRITABLE] = "isWritablePrimary", [F_ISMASTER] = "ismaster",
	[F_SECONDARY] = "secondary", [F_ARBITER] = "arbiterOnly",
	[F_ISREPLSET] = "isreplicaset", [F_MAXWIRE] = "maxWireVersion",
	[F_VERSION] = "version",
};

/* Checks the document d (exactly n bytes) whole, and fills f with the
 * first occurrence of each wanted key. */
static bool
bson_fields(const uint8_t *d, size_t n, struct bson_el f[F_N])
{
	struct bson_el el;
	size_t         len, off = 4;

	memset(f, 0, F_N * sizeof f[0]);
	if (!bson_doc(d, n, 0, &len) || len != n)
		return false;
	while (off < n - 1) {
		if (!bson_next(d, n - 1, &off, 0, &el))
			return false;
		for (int i = 0; i < F_N; i++)
			if (f[i].type == 0 &&
			    strcmp(el.key, field_keys[i]) == 0)
				f[i] = el;
	}
	return true;
}

/* 1 true, 0 false, -1 absent or not a number or bool. ok is a double in
 * mongod's replies, an int32 or int64 in some others'. A double is zero
 * when all but its sign bit are: no floating point needed. */
static int
el_truth(const struct bson_el *e)
{
	switch (e->type) {
	case 0x01:
		return (le64(e->val) << 1) != 0;
	case 0x08:
		return e->val[0] != 0;
	case 0x10:
		return le32(e->val) != 0;
	case 0x12:
		return le64(e->val) != 0;
	default:
		return -1;
	}
}

static bool
el_int(const struct bson_el *e, int64_t *v)
{
	if (e->type == 0x10)
		*v = (int32_t)le32(e->val);
	else if (e->type == 0x12)
		*v = (int64_t)le64(e->val);
	else
		return false;
	return true;
}

/* A string value, without its NUL (it may hold others: probe_copy turns
 * them into '?'). */
static bool
el_str(const struct bson_el *e, const char **s, size_t *n)
{
	if (e->type != 0x02)
		return false;
	*s = (const char *)e->val + 4;
	*n = e->vlen - 5;
	return true;
}

static bool
el_str_is(const struct bson_el *e, const char *want)
{
	const char *s;
	size_t      n;

	return el_str(e, &s, &n) && n == strlen(want) &&
	    memcmp(s, want, n) == 0;
}

/* ---- framing ---- */

/* OP_MSG after the header: flagBits, then sections up to the end (or the
 * CRC-32C when checksumPresent). Exactly one kind-0 section, the body;
 * kind-1 sections (document sequences) are skipped by their size. */
static bool
op_msg(const uint8_t *p, size_t n, const uint8_t **doc, size_t *dlen)
{
	uint32_t flags;
	size_t   off = 4, end = n, l;
	bool     body = false;

	if (n < 4)
		return false;
	flags = le32(p);
	/* bits 0-15 are required: one we do not know means the message
	 * cannot be read (0 checksumPresent, 1 moreToCome) */
	if (flags & 0xfffcu)
		return false;
	if (flags & 1) {
		if (n - off < 4)
			return false;
		end -= 4;   /* the checksum: not verified, only skipped */
	}
	while (off < end) {
		uint8_t kind = p[off++];

		if (end - off < 4)
			return false;
		l = le32(p + off);
		if (kind == 0) {
			if (body || l < 5 || l > end - off)
				return false;
			*doc = p + off;
			*dlen = l;
			body = true;
		} else if (kind == 1) {
			size_t il, at, dl;

			/* int32 size (itself included), a cstring identifier,
			 * then documents filling the rest */
			if (l < 5 || l > end - off ||
			    !bson_cstring(p + off + 4, l - 4, &il))
				return false;
			for (at = 4 + il; at < l; at += dl)
				if (!bson_doc(p + off + at, l - at, 0, &dl))
					return false;
		} else
			return false;
		off += l;
	}
	return body;
}

/* OP_REPLY after the header: responseFlags, cursorID, startingFrom,
 * numberReturned, then the one document a command answer holds. */
static bool
op_reply(const uint8_t *p, size_t n, const uint8_t **doc, size_t *dlen)
{
	if (n < OP_REPLY_FIXED + 5 || le32(p + 16) != 1)
		return false;
	*doc = p + OP_REPLY_FIXED;
	*dlen = n - OP_REPLY_FIXED;
	return le32(*doc) == *dlen;
}

/* The reply to request_id, its body document checked whole and its
 * fields in f. A header that cannot be MongoDB's answer is NO as soon as
 * its bytes are in, so a prefix of a real reply is always MORE. */
static int
mongo_reply(const uint8_t *b, size_t n, int32_t request_id,
    struct bson_el f[F_N])
{
	const uint8_t *doc;
	uint32_t       len = 0, op = 0;
	size_t         dlen;
	bool           framed;

	if (n >= 4) {
		len = le32(b);
		if (len < MONGO_LEN_MIN || len > MONGO_LEN_MAX)
			return PV_NO;
	}
	if (n >= 12 && le32(b + 8) != (uint32_t)request_id)
		return PV_NO;
	if (n >= 16) {
		op = le32(b + 12);
		if (op != MONGO_OP_MSG && op != MONGO_OP_REPLY)
			return PV_NO;
	}
	if (n < MONGO_HEADER || n < len)
		return PV_MORE;
	if (op == MONGO_OP_MSG)
		framed = op_msg(b + MONGO_HEADER, len - MONGO_HEADER, &doc,
		    &dlen);
	else
		framed = op_reply(b + MONGO_HEADER, len - MONGO_HEADER, &doc,
		    &dlen);
	if (!framed || !bson_fields(doc, dlen, f))
		return PV_NO;
	/* every command reply says ok; a pre-3.6 query failure says $err */
	if (el_truth(&f[F_OK]) < 0 && f[F_ERR].type != 0x02)
		return PV_NO;
	return PV_YES;
}

static void
mongo_id(struct probe_id *id)
{
	probe_id_clear(id);
	strcpy(id->service, "mongodb");
	strcpy(id->product, "MongoDB");
}

/* ok 0: the server's errmsg (or OP_REPLY's $err), as detail. */
static void
error_detail(struct probe_id *id, const struct bson_el f[F_N])
{
	const char *s;
	size_t      n;

	if (el_str(&f[F_ERRMSG], &s, &n) || el_str(&f[F_ERR], &s, &n))
		probe_copy(id->detail, sizeof id->detail, s, n);
	else
		strcpy(id->detail, "error");
}

/* The release line a maxWireVersion implies, after the driver specs'
 * table (source/wireversion-featurelist): 5.1 on, the number counts
 * releases since 4.0, so 20 is the 6.3 rapid release the table leaves
 * out. 0 (2.4 or older) and 10-12 (4.7-4.9, development) say nothing. */
static const char *const wire_release[] = {
	[1] = "2.6", [2] = "2.6", [3] = "3.0", [4] = "3.2", [5] = "3.4",
	[6] = "3.6", [7] = "4.0", [8] = "4.2", [9] = "4.4",
	[13] = "5.0", [14] = "5.1", [15] = "5.2", [16] = "5.3",
	[17] = "6.0", [18] = "6.1", [19] = "6.2", [20] = "6.3",
	[21] = "7.0", [22] = "7.1", [23] = "7.2", [24] = "7.3",
	[25] = "8.0",
};

static void
wire_version(struct probe_id *id, const struct bson_el *e)
{
	int64_t w;
	size_t  nrel = sizeof wire_release / sizeof wire_release[0];

	if (el_int(e, &w) && w > 0 && (uint64_t)w < nrel &&
	    wire_release[w] != NULL)
		strcpy(id->version, wire_release[w]);
}

int
probe_mongo_parse(const uint8_t *b, size_t n, int32_t request_id,
    struct probe_id *id)
{
	struct bson_el f[F_N];
	const char    *name;
	size_t         nl;
	int            v = mongo_reply(b, n, request_id, f);

	if (v != PV_YES)
		return v;
	mongo_id(id);
	if (el_truth(&f[F_OK]) != 1) {
		error_detail(id, f);
		return PV_YES;
	}
	wire_version(id, &f[F_MAXWIRE]);
	if (el_str_is(&f[F_MSG], "isdbgrid")) {
		strcpy(id->product, "MongoDB mongos");
		strcpy(id->detail, "mongos");
	} else if (el_str(&f[F_SETNAME], &name, &nl)) {
		char        set[64];
		const char *role = NULL;

		probe_copy(set, sizeof set, name, nl);
		/* isWritablePrimary since 4.4.2 (hello), ismaster before */
		if (el_truth(&f[F_WRITABLE]) == 1 ||
		    el_truth(&f[F_ISMASTER]) == 1)
			role = "primary";
		else if (el_truth(&f[F_SECONDARY]) == 1)
			role = "secondary";
		else if (el_truth(&f[F_ARBITER]) == 1)
			role = "arbiter";
		snprintf(id->detail, sizeof id->detail, "replica set %s%s%s",
		    set, role != NULL ? ", " : "", role != NULL ? role : "");
	} else if (el_truth(&f[F_ISREPLSET]) == 1)
		/* started with --replSet, rs.initiate() not run yet */
		strcpy(id->detail, "replica set, not initiated");
	else
		strcpy(id->detail, "standalone");
	return PV_YES;
}

int
probe_mongo_buildinfo_parse(const uint8_t *b, size_t n, int32_t request_id,
    struct probe_id *id)
{
	struct bson_el f[F_N];
	const char    *s;
	size_t         sl;
	int64_t        code;
	int            v = mongo_reply(b, n, request_id, f);

	if (v != PV_YES)
		return v;
	mongo_id(id);
	if (el_truth(&f[F_OK]) != 1) {
		error_detail(id, f);
		/* 13 Unauthorized: newer servers (buildInfoAuthMode) and
		 * proxies ask for a login first */
		if ((el_int(&f[F_CODE], &code) && code == 13) ||
		    probe_find(id->detail, strlen(id->detail), "auth") !=
		    SIZE_MAX)
			strcpy(id->detail, "auth required for buildInfo");
		return PV_YES;
	}
	if (el_str(&f[F_VERSION], &s, &sl))
		probe_copy(id->version, sizeof id->version, s, sl);
	return PV_YES;
}
