/* cmd-next.c - door next [PORT]: free doors for scripts. stdout holds only
 * the port numbers; why a port was passed over goes to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/duration.h"
#include "core/endpoint.h"
#include "core/num.h"
#include "core/reserve.h"
#include "core/target.h"
#include "out/json.h"
#include "platform/platform.h"

#define DEFAULT_PORT	3000
/* The kernel's own default, when ip_local_port_range cannot be read. */
#define EPHEMERAL_LO	32768
#define EPHEMERAL_HI	60999

static const struct opt_spec next_opts[] = {
	{ "range", 0, "A-B", "look only here (default PORT-65535)" },
	{ "count", 0, "N", "N free ports, distinct and ascending (default 1)" },
	{ "exclude", 0, "LIST", "never these ports or ranges: 3001,3005-3010" },
	{ "udp", 'u', NULL, "free for UDP (default TCP)" },
	{ "random", 0, NULL, "a random free port, in the ephemeral range "
	    "unless --range" },
	{ "reserve", 0, "DUR", "hold the ports for DUR (30s, 5m) against "
	    "other door next runs" },
	{ NULL, 0, NULL, NULL },
};

/* One bit per port number. */
struct portset {
	unsigned char bits[65536 / 8];
};

static void
ps_set(struct portset *s, uint16_t p)
{
	s->bits[p >> 3] |= (unsigned char)(1u << (p & 7));
}

static bool
ps_has(const struct portset *s, uint16_t p)
{
	return (s->bits[p >> 3] >> (p & 7)) & 1u;
}

struct next_req {
	uint16_t    lo, hi;          /* where to look, inclusive */
	uint16_t    asked;           /* PORT, or 3000 */
	bool        port_given, range_given;
	unsigned    count;
	enum proto  proto;
	bool        random;
	uint64_t    reserve_ms;      /* 0: no --reserve */
	const char *reserve_text;
};

/* Why the ports passed over were passed over. */
enum skip { SKIP_NONE, SKIP_EXCLUDED, SKIP_RESERVED, SKIP_IN_USE,
	SKIP_DENIED };

struct next_state {
	struct next_req     r;
	struct portset      excluded, listening, reserved;
	struct reserve_set  rs;
	struct reserve_file rf;
	uint16_t           *found;
	unsigned            nfound;
	unsigned            n_in_use, n_reserved, n_excluded, n_denied;
	enum skip           first_skip;   /* why PORT itself was passed over */
	bool                no_ipv6;
};

static int
usage_prefixed(struct door_err *e, const char *opt)
{
	char m[sizeof e->msg];

	snprintf(m, sizeof m, "%s", e->msg);
	return err_set(e, DOOR_USAGE, "%s: %s", opt, m);
}

/* "3001,3005-3010": each item a port or a range, no blanks. */
static int
parse_exclude(const char *s, struct portset *x, struct door_err *e)
{
	size_t len = strlen(s), i = 0;

	if (len == 0)
		return err_set(e, DOOR_USAGE, "--exclude needs a list of ports "
		    "or ranges: 3001,3005-3010");
	/* each turn takes one item and its comma: at most len + 1 turns */
	while (i <= len) {
		const char *c = memchr(s + i, ',', len - i);
		size_t      il = c ? (size_t)(c - (s + i)) : len - i;
		uint16_t    lo, hi;

		if (il == 0)
			return err_set(e, DOOR_USAGE, "--exclude '%.40s' has "
			    "an empty item: write 3001,3005-3010", s);
		if (port_range_parse(s + i, il, &lo, &hi, e) != 0)
			return usage_prefixed(e, "--exclude");
		for (uint32_t p = lo; p <= hi; p++)
			ps_set(x, (uint16_t)p);
		if (c == NULL)
			break;
		i += il + 1;
	}
	return 0;
}

/* Everything the words say; the ephemeral range is filled in later. */
static int
parse_req(struct cmd_args *a, struct next_state *st, struct door_err *e)
{
	struct next_req *r = &st->r;
	const char      *range = cmd_value(a, "range");
	const char      *count = cmd_value(a, "count");
	const char      *excl = cmd_value(a, "exclude");
	const char      *res = cmd_value(a, "reserve");
	uint16_t         hi;
	uint64_t         v;

	r->proto = cmd_flag(a, "udp") ? PROTO_UDP : PROTO_TCP;
	r->random = cmd_flag(a, "random");
	r->count = 1;
	r->asked = DEFAULT_PORT;
	if (a->argc == 1) {
		const char *s = a->argv[0];

		if (r->random)
			return err_set(e, DOOR_USAGE, "--random picks the port "
			    "itself: drop %.40s, or give --range A-B", s);
		if (strchr(s, '-') != NULL)
			return err_set(e, DOOR_USAGE, "door next takes one "
			    "PORT; for a range write --range %.40s", s);
		if (port_range_parse(s, strlen(s), &r->asked, &hi, e) != 0)
			return -1;
		r->port_given = true;
	}
	if (range != NULL) {
		if (port_range_parse(range, strlen(range), &r->lo, &r->hi,
		    e) != 0)
			return usage_prefixed(e, "--range");
		if (r->port_given && (r->asked < r->lo || r->asked > r->hi))
			return err_set(e, DOOR_USAGE, "port %u is outside "
			    "--range %u-%u", r->asked, r->lo, r->hi);
		if (r->port_given)
			r->lo = r->asked;
		r->range_given = true;
	} else if (!r->random) {
		r->lo = r->asked;
		r->hi = 65535;
	}
	if (count != NULL && num_parse(count, 1, 65535, &v) != 0)
		return err_set(e, DOOR_USAGE, "--count wants a number from 1 "
		    "to 65535, not '%.40s'", count);
	if (count != NULL)
		r->count = (unsigned)v;
	if (excl != NULL && parse_exclude(excl, &st->excluded, e) != 0)
		return -1;
	if (res != NULL) {
		if (duration_parse(res, &r->reserve_ms, e) != 0)
			return usage_prefixed(e, "--reserve");
		if (r->reserve_ms == 0)
			return err_set(e, DOOR_USAGE, "--reserve %.32s "
			    "reserves nothing: give a duration such as 30s",
			    res);
		r->reserve_text = res;
	}
	return 0;
}

/* The kernel's listening table for the range: a second witness, and a
 * cheap one (a port it shows costs no test bind). Best effort: the binds
 * decide anyway. */
static void
mark_listening(const struct cmd_args *a, struct next_state *st)
{
	struct sock_query q;
	struct door_err   e;
	struct snap       s;

	memset(&q, 0, sizeof q);
	q.tcp = st->r.proto == PROTO_TCP;
	q.udp = !q.tcp;
	q.v4 = q.v6 = true;
	q.listening_only = true;
	q.port_lo = st->r.lo;
	q.port_hi = st->r.hi;
	q.owners = OWNER_SKIP;
	q.source = SOURCE_AUTO;
	err_clear(&e);
	snap_init(&s);
	if (platform_snapshot(&q, &s, &e) != 0)
		out_note(&a->out, "note: cannot read the kernel's socket table "
		    "(%s): trusting test binds alone", e.msg);
	for (size_t i = 0; i < s.nsocks; i++)
		if (s.socks[i].proto == st->r.proto)
			ps_set(&st->listening, s.socks[i].local.port);
	snap_free(&s);
}

/* Reads the reservation file into st->rs; exclusive keeps it locked. */
static int
load_reservations(struct next_state *st, bool exclusive, struct door_err *e)
{
	struct buf data;
	int        rc;

	buf_init(&data);
	reserve_free(&st->rs);
	if (platform_reserve_open(&st->rf, exclusive, RESERVE_FILE_MAX, &data,
	    e) != 0) {
		buf_free(&data);
		return -1;
	}
	rc = reserve_parse(data.p, data.len, platform_now_ms(), &st->rs);
	buf_free(&data);
	if (rc != 0) {
		platform_reserve_close(&st->rf);
		return err_set(e, DOOR_SYSTEM, "out of memory reading %s",
		    st->rf.path);
	}
	return 0;
}

/* Says what was wrong with the file, now that it is being rebuilt. */
static void
note_repairs(const struct cmd_args *a, const struct next_state *st)
{
	const struct reserve_set *rs = &st->rs;

	if (st->rf.fixed & RESERVE_FIXED_SYMLINK)
		out_note(&a->out, "note: a symlink stood at %s: replaced it "
		    "with a fresh reservation file (its target was not "
		    "touched)", st->rf.path);
	if (rs->too_big)
		out_note(&a->out, "note: rebuilt the reservation file %s: it "
		    "was larger than %u bytes, so not door's", st->rf.path,
		    RESERVE_FILE_MAX);
	else if (reserve_corrupt(rs))
		out_note(&a->out, "note: rebuilt the corrupt reservation file "
		    "%s: kept %zu valid reservation%s, dropped %zu bad "
		    "line%s%s", st->rf.path, rs->n, rs->n == 1 ? "" : "s",
		    rs->bad, rs->bad == 1 ? "" : "s", rs->bad_header ?
		    " and a missing header" : "");
}

/* Rewrites the held file from st->rs: expired entries go. */
static int
save_reservations(struct next_state *st, struct door_err *e)
{
	struct buf b;
	int        rc;

	buf_init(&b);
	reserve_format(&st->rs, platform_now_ms(), &b);
	if (b.oom)
		rc = err_set(e, DOOR_SYSTEM, "out of memory writing %s",
		    st->rf.path);
	else
		rc = platform_reserve_write(&st->rf, b.p, b.len, e);
	buf_free(&b);
	return rc;
}

static bool
needs_rewrite(const struct next_state *st)
{
	return reserve_corrupt(&st->rs) || st->rs.expired > 0 ||
	    (st->rf.fixed & RESERVE_FIXED_SYMLINK);
}

/*
 * With --reserve: the file stays locked (exclusive) until the new
 * reservations are written, so two runs cannot pick the same port.
 * Without: a shared look, released at once; a corrupt file is rebuilt
 * under the exclusive lock first, so it is never trusted as it stands.
 */
static int
reservations(const struct cmd_args *a, struct next_state *st,
    struct door_err *e)
{
	if (st->r.reserve_ms > 0) {
		if (load_reservations(st, true, e) != 0)
			return -1;
		note_repairs(a, st);
	} else {
		if (load_reservations(st, false, e) != 0) {
			/* only a hint for this run: say so, do not fail */
			out_note(&a->out, "note: reservations not honoured: %s",
			    e->msg);
			reserve_free(&st->rs);
			err_clear(e);
			return 0;
		}
		platform_reserve_close(&st->rf);
		if (reserve_corrupt(&st->rs) ||
		    (st->rf.fixed & RESERVE_FIXED_SYMLINK)) {
			struct reserve_set kept = st->rs;

			reserve_init(&st->rs);
			if (load_reservations(st, true, e) != 0 ||
			    save_reservations(st, e) != 0) {
				out_note(&a->out, "note: cannot rebuild the "
				    "reservation file: %s", e->msg);
				platform_reserve_close(&st->rf);
				reserve_free(&st->rs);
				/* its valid lines still count */
				st->rs = kept;
				err_clear(e);
			} else {
				note_repairs(a, st);
				reserve_free(&kept);
			}
			platform_reserve_close(&st->rf);
		}
	}
	for (size_t i = 0; i < st->rs.n; i++)
		if (st->rs.v[i].proto == st->r.proto)
			ps_set(&st->reserved, st->rs.v[i].port);
	return 0;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	/* Euclid: at most ~25 turns for 16-bit numbers */
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A step coprime with n: start + i * step (mod n) visits every port of the
 * range exactly once, in an order no one can guess. */
static uint32_t
random_step(uint32_t n, uint64_t rnd)
{
	uint32_t s;

	if (n <= 2)
		return 1;
	s = 1 + (uint32_t)(rnd % (n - 1));
	/* coprimes are dense: a few turns at most; 1 always works */
	for (int turn = 0; turn < 256; turn++, s = s % (n - 1) + 1)
		if (gcd(s, n) == 1)
			return s;
	return 1;
}

static int
cmp_port(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

static void
pass_over(struct next_state *st, uint32_t i, enum skip why)
{
	if (i == 0)
		st->first_skip = why;
	switch (why) {
	case SKIP_EXCLUDED:
		st->n_excluded++;
		break;
	case SKIP_RESERVED:
		st->n_reserved++;
		break;
	case SKIP_DENIED:
		st->n_denied++;
		break;
	default:
		st->n_in_use++;
		break;
	}
}

/* Walks the range (in order, or in a random order) until count ports pass
 * every test. Bounded by the size of the range. */
static int
search(struct next_state *st, struct door_err *e)
{
	const struct next_req *r = &st->r;
	uint32_t               n = (uint32_t)r->hi - r->lo + 1;
	uint32_t               off = 0, step = 1;

	if (r->random) {
		uint64_t rnd[2];

		if (platform_random(rnd, sizeof rnd, e) != 0)
			return -1;
		off = (uint32_t)(rnd[0] % n);
		step = random_step(n, rnd[1]);
	}
	for (uint32_t i = 0; i < n && st->nfound < r->count; i++) {
		uint16_t port = (uint16_t)(r->lo + (off + (uint64_t)i * step) %
		    n);
		unsigned why;
		int      rc;

		if (ps_has(&st->excluded, port)) {
			pass_over(st, i, SKIP_EXCLUDED);
			continue;
		}
		if (ps_has(&st->reserved, port)) {
			pass_over(st, i, SKIP_RESERVED);
			continue;
		}
		if (ps_has(&st->listening, port)) {
			pass_over(st, i, SKIP_IN_USE);
			continue;
		}
		rc = platform_port_free(r->proto, port, &why, e);
		if (rc < 0)
			return -1;
		if (why & PORTFREE_NO_IPV6)
			st->no_ipv6 = true;
		if (rc == 0) {
			pass_over(st, i, (why & PORTFREE_DENIED) &&
			    !(why & PORTFREE_IN_USE) ? SKIP_DENIED :
			    SKIP_IN_USE);
			continue;
		}
		st->found[st->nfound++] = port;
	}
	qsort(st->found, st->nfound, sizeof *st->found, cmp_port);
	return 0;
}

static void
range_text(const struct next_req *r, char *b, size_t size)
{
	if (r->lo == r->hi)
		snprintf(b, size, "%u", r->lo);
	else
		snprintf(b, size, "%u-%u", r->lo, r->hi);
}

/* " (2 in use, 1 reserved)": what the range was full of. */
static void
skip_counts(const struct next_state *st, char *b, size_t size)
{
	const char *sep = "";
	size_t      o = 0;

	b[0] = '\0';
	if (st->n_in_use + st->n_reserved + st->n_excluded + st->n_denied == 0)
		return;
	o += (size_t)snprintf(b + o, size - o, " (");
#define PART(n, what) do {						\
	if ((n) > 0 && o < size) {					\
		o += (size_t)snprintf(b + o, size - o, "%s%u %s", sep,	\
		    (n), (what));					\
		sep = ", ";						\
	}								\
} while (0)
	PART(st->n_in_use, "in use");
	PART(st->n_reserved, "reserved by door next --reserve");
	PART(st->n_excluded, "excluded");
	PART(st->n_denied, "privileged: binding needs root");
#undef PART
	if (o < size)
		snprintf(b + o, size - o, ")");
}

static void
fail_message(const struct next_state *st)
{
	char rt[16], counts[160], msg[320];

	range_text(&st->r, rt, sizeof rt);
	skip_counts(st, counts, sizeof counts);
	if (st->nfound == 0)
		snprintf(msg, sizeof msg, "no free %sport in %s%s",
		    st->r.proto == PROTO_UDP ? "udp " : "", rt, counts);
	else
		snprintf(msg, sizeof msg, "only %u free %sport%s in %s, %u "
		    "asked for%s", st->nfound, st->r.proto == PROTO_UDP ?
		    "udp " : "", st->nfound == 1 ? "" : "s", rt, st->r.count,
		    counts);
	out_error(msg);
}

/* Why the first port (PORT, 3000 or the start of --range) was passed
 * over, when it was: the question that comes next. */
static void
hints(const struct cmd_args *a, const struct next_state *st)
{
	const struct next_req *r = &st->r;

	if (st->no_ipv6)
		out_note(&a->out, "note: IPv6 is not available here: only "
		    "0.0.0.0 was tested");
	/* in a random walk the first port tried means nothing */
	if (r->random)
		return;
	switch (st->first_skip) {
	case SKIP_IN_USE:
		out_note(&a->out, "note: %u/%s is in use (door %u shows who "
		    "holds it)", r->lo, proto_name(r->proto), r->lo);
		break;
	case SKIP_RESERVED: {
		const struct reservation *v = reserve_find(&st->rs, r->lo,
		    r->proto);
		uint64_t                  now = platform_now_ms();
		char                      left[32];

		if (v == NULL)
			break;
		duration_format(v->expires_ms > now ? (v->expires_ms - now +
		    999) / 1000 : 0, left, sizeof left);
		out_note(&a->out, "note: %u/%s is reserved by door next "
		    "--reserve (pid %u) for %s more", r->lo,
		    proto_name(r->proto), v->pid, left);
		break;
	}
	case SKIP_DENIED:
		out_note(&a->out, "note: %u is a privileged port: binding it "
		    "needs root", r->lo);
		break;
	default:
		break;
	}
}

static void
print_json(const struct next_state *st, bool ok, uint64_t until)
{
	struct buf  out;
	struct json j;

	buf_init(&out);
	json_init(&j, &out);
	json_obj_begin(&j);
	json_key(&j, "ports");
	json_arr_begin(&j);
	for (unsigned i = 0; ok && i < st->nfound; i++)
		json_uint(&j, st->found[i]);
	json_arr_end(&j);
	json_key(&j, "proto");
	json_str(&j, proto_name(st->r.proto));
	json_key(&j, "range");
	json_obj_begin(&j);
	json_key(&j, "from");
	json_uint(&j, st->r.lo);
	json_key(&j, "to");
	json_uint(&j, st->r.hi);
	json_obj_end(&j);
	json_key(&j, "random");
	json_bool(&j, st->r.random);
	json_key(&j, "reserved_until_ms");
	if (ok && until > 0)
		json_uint(&j, until);
	else
		json_null(&j);
	json_key(&j, "reservation_file");
	if (ok && until > 0)
		json_str(&j, st->rf.path);
	else
		json_null(&j);
	json_obj_end(&j);
	json_end(&j);
	out_flush(&out);
	buf_free(&out);
}

static void
print_ports(const struct next_state *st)
{
	struct buf out;

	buf_init(&out);
	for (unsigned i = 0; i < st->nfound; i++)
		buf_printf(&out, "%u\n", st->found[i]);
	out_flush(&out);
	buf_free(&out);
}

/* Records the ports handed out, in the file still held since it was read. */
static int
reserve_found(const struct cmd_args *a, struct next_state *st,
    uint64_t *until, struct door_err *e)
{
	uint32_t pid = (uint32_t)getppid();   /* who asked: the script */

	*until = platform_now_ms() + st->r.reserve_ms;
	for (unsigned i = 0; i < st->nfound; i++)
		if (reserve_add(&st->rs, st->found[i], st->r.proto, *until,
		    pid) != 0)
			return err_set(e, DOOR_SYSTEM, "out of memory");
	if (save_reservations(st, e) != 0)
		return -1;
	out_note(&a->out, "note: reserved for %s in %s (door next skips "
	    "%s until then)", st->r.reserve_text, st->rf.path,
	    st->nfound == 1 ? "it" : "them");
	return 0;
}

static int
next_exec(struct cmd_args *a)
{
	struct next_state *st = calloc(1, sizeof *st);
	struct door_err    e;
	uint64_t           until = 0;
	bool               ok;
	int                rc = DOOR_SYSTEM;

	err_clear(&e);
	if (st == NULL) {
		out_error("out of memory");
		return DOOR_SYSTEM;
	}
	st->rf.fd = st->rf.dirfd = -1;
	reserve_init(&st->rs);
	if (parse_req(a, st, &e) != 0) {
		rc = DOOR_USAGE;
		goto err;
	}
	if (st->r.random && !st->r.range_given) {
		if (platform_ephemeral_range(&st->r.lo, &st->r.hi, &e) != 0) {
			out_note(&a->out, "note: %s: using %u-%u", e.msg,
			    EPHEMERAL_LO, EPHEMERAL_HI);
			st->r.lo = EPHEMERAL_LO;
			st->r.hi = EPHEMERAL_HI;
			err_clear(&e);
		}
	}
	if (st->r.count > (unsigned)st->r.hi - st->r.lo + 1) {
		char rt[16];

		range_text(&st->r, rt, sizeof rt);
		err_set(&e, DOOR_USAGE, "--count %u is more than the %u "
		    "port%s in %s", st->r.count, (unsigned)st->r.hi -
		    st->r.lo + 1, st->r.hi == st->r.lo ? "" : "s", rt);
		rc = DOOR_USAGE;
		goto err;
	}
	st->found = calloc(st->r.count, sizeof *st->found);
	if (st->found == NULL) {
		err_set(&e, DOOR_SYSTEM, "out of memory");
		goto err;
	}
	if (reservations(a, st, &e) != 0) {
		rc = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
		goto err;
	}
	mark_listening(a, st);
	if (search(st, &e) != 0) {
		rc = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
		goto err;
	}
	ok = st->nfound == st->r.count;
	if (st->rf.fd >= 0) {
		/* held since read: record, or at least drop what expired */
		if (ok && reserve_found(a, st, &until, &e) != 0) {
			rc = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
			goto err;
		}
		if (!ok && needs_rewrite(st) && save_reservations(st, &e) != 0)
			out_note(&a->out, "note: %s", e.msg);
		platform_reserve_close(&st->rf);
	}
	if (a->out.json)
		print_json(st, ok, until);
	else if (ok)
		print_ports(st);
	if (ok)
		hints(a, st);
	else
		fail_message(st);
	rc = ok ? DOOR_OK : DOOR_NO;
	goto out;
err:
	out_error(e.msg);
out:
	platform_reserve_close(&st->rf);
	reserve_free(&st->rs);
	free(st->found);
	free(st);
	return rc;
}

int
next_free_port(uint16_t from, uint16_t *port, struct door_err *e)
{
	struct next_state *st = calloc(1, sizeof *st);
	struct cmd_args    quiet;
	int                rc = -1;

	err_clear(e);
	if (st == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	memset(&quiet, 0, sizeof quiet);
	quiet.out.quiet = true;
	st->rf.fd = st->rf.dirfd = -1;
	reserve_init(&st->rs);
	st->r.lo = st->r.asked = from;
	st->r.hi = 65535;
	st->r.count = 1;
	st->r.proto = PROTO_TCP;
	st->found = calloc(1, sizeof *st->found);
	if (st->found == NULL)
		err_set(e, DOOR_SYSTEM, "out of memory");
	else if (reservations(&quiet, st, e) == 0) {
		mark_listening(&quiet, st);
		if (search(st, e) != 0)
			;
		else if (st->nfound == 1) {
			*port = st->found[0];
			rc = 0;
		} else
			err_set(e, DOOR_NO, "no free port in %u-65535", from);
	}
	platform_reserve_close(&st->rf);
	reserve_free(&st->rs);
	free(st->found);
	free(st);
	return rc;
}

const struct cmd_entry cmd_next_entry = {
	"next", "[PORT]",
	"free doors: the first free port at or after PORT (3000), for "
	"scripts",
	next_opts, 0, 1, next_exec,
};
