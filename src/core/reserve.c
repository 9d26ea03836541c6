/* reserve.c - the reservation file of door next, parsed and written. Pure:
 * whatever bytes the file holds (another program's, a torn write, random
 * junk), only lines that are exactly a reservation come out. */
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "core/reserve.h"

void
reserve_init(struct reserve_set *set)
{
	memset(set, 0, sizeof *set);
}

void
reserve_free(struct reserve_set *set)
{
	free(set->v);
	reserve_init(set);
}

static unsigned
key(uint16_t port, enum proto proto)
{
	return (unsigned)port * 2 + (proto == PROTO_UDP);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct reservation *x = a, *y = b;
	unsigned                  kx = key(x->port, x->proto);
	unsigned                  ky = key(y->port, y->proto);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	/* the later expiry first, so merging keeps it */
	if (x->expires_ms != y->expires_ms)
		return x->expires_ms > y->expires_ms ? -1 : 1;
	return 0;
}

static int
grow(struct reserve_set *set)
{
	struct reservation *nv;
	size_t              ncap;

	if (set->n < set->cap)
		return 0;
	if (set->cap >= RESERVE_ENTRIES_MAX)
		return -1;
	ncap = set->cap ? set->cap * 2 : 16;
	if (ncap > RESERVE_ENTRIES_MAX)
		ncap = RESERVE_ENTRIES_MAX;
	nv = realloc(set->v, ncap * sizeof *nv);
	if (nv == NULL) {
		set->oom = true;
		return -1;
	}
	set->v = nv;
	set->cap = ncap;
	return 0;
}

/*
 * A canonical decimal field in [min, max]: digits only and no leading zero,
 * so that what door writes is the only spelling it reads back (and every
 * valid file survives a rewrite byte for byte).
 */
static int
field_num(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	if (len == 0 || (len > 1 && s[0] == '0'))
		return -1;
	return num_parse_u64(s, len, min, max, out);
}

/* The value the line holds, or -1 when it is not a reservation. */
static int
parse_line(const char *s, size_t len, uint64_t latest,
    struct reservation *r)
{
	const char *f[4];
	size_t      fl[4], nf = 0, start = 0;
	uint64_t    port, exp, pid;

	if (len == 0 || len > RESERVE_LINE_MAX)
		return -1;
	/* exactly four fields, one space apart */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (nf == 4)
			return -1;
		f[nf] = s + start;
		fl[nf++] = i - start;
		start = i + 1;
	}
	if (nf != 4)
		return -1;
	if (field_num(f[0], fl[0], 1, 65535, &port) != 0)
		return -1;
	if (fl[1] == 3 && memcmp(f[1], "tcp", 3) == 0)
		r->proto = PROTO_TCP;
	else if (fl[1] == 3 && memcmp(f[1], "udp", 3) == 0)
		r->proto = PROTO_UDP;
	else
		return -1;
	if (field_num(f[2], fl[2], 1, latest, &exp) != 0 ||
	    field_num(f[3], fl[3], 0, RESERVE_PID_MAX, &pid) != 0)
		return -1;
	r->port = (uint16_t)port;
	r->expires_ms = exp;
	r->pid = (uint32_t)pid;
	return 0;
}

/* Sorts and keeps one entry per port and protocol: the longest. */
static void
normalize(struct reserve_set *set)
{
	size_t o = 0;

	if (set->n == 0)
		return;
	qsort(set->v, set->n, sizeof *set->v, entry_cmp);
	for (size_t i = 1; i < set->n; i++) {
		if (key(set->v[i].port, set->v[i].proto) ==
		    key(set->v[o].port, set->v[o].proto))
			continue;
		set->v[++o] = set->v[i];
	}
	set->n = o + 1;
}

int
reserve_parse(const char *s, size_t len, uint64_t now_ms,
    struct reserve_set *set)
{
	size_t   hl = strlen(RESERVE_HEADER), pos = 0;
	uint64_t latest;

	reserve_init(set);
	if (len > RESERVE_FILE_MAX) {
		set->too_big = true;
		return 0;
	}
	if (len == 0)
		return 0;   /* a file just created: nothing reserved yet */
	/* beyond this no door wrote it (saturating: now_ms is untrusted in
	 * the fuzz harness) */
	latest = now_ms > UINT64_MAX - RESERVE_DUR_MAX_MS - RESERVE_SKEW_MS ?
	    UINT64_MAX : now_ms + RESERVE_DUR_MAX_MS + RESERVE_SKEW_MS;
	if (len >= hl && memcmp(s, RESERVE_HEADER, hl) == 0)
		pos = hl;
	else
		set->bad_header = true;
	/* each turn consumes at least one byte: at most len turns */
	while (pos < len) {
		const char        *nl = memchr(s + pos, '\n', len - pos);
		size_t             ll;
		struct reservation r;

		if (nl == NULL) {   /* a torn last line */
			set->bad++;
			break;
		}
		ll = (size_t)(nl - (s + pos));
		if (parse_line(s + pos, ll, latest, &r) != 0)
			set->bad++;
		else if (r.expires_ms <= now_ms)
			set->expired++;
		else if (grow(set) != 0) {
			if (set->oom)
				return -1;
			set->bad++;   /* more lines than ports: not door's */
		} else
			set->v[set->n++] = r;
		pos += ll + 1;
	}
	normalize(set);
	return 0;
}

bool
reserve_corrupt(const struct reserve_set *set)
{
	return set->bad > 0 || set->bad_header || set->too_big;
}

/* Where port/proto is or would go. */
static size_t
lower_bound(const struct reserve_set *set, unsigned k)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key(set->v[mid].port, set->v[mid].proto) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct reservation *
reserve_find(const struct reserve_set *set, uint16_t port, enum proto proto)
{
	unsigned k = key(port, proto);
	size_t   i = lower_bound(set, k);

	if (i < set->n && key(set->v[i].port, set->v[i].proto) == k)
		return &set->v[i];
	return NULL;
}

int
reserve_add(struct reserve_set *set, uint16_t port, enum proto proto,
    uint64_t expires_ms, uint32_t pid)
{
	unsigned k = key(port, proto);
	size_t   i = lower_bound(set, k);

	/* only what reserve_parse would read back */
	if (port == 0 || expires_ms == 0)
		return -1;
	if (pid > RESERVE_PID_MAX)
		pid = 0;
	if (i < set->n && key(set->v[i].port, set->v[i].proto) == k) {
		if (expires_ms > set->v[i].expires_ms) {
			set->v[i].expires_ms = expires_ms;
			set->v[i].pid = pid;
		}
		return 0;
	}
	if (grow(set) != 0)
		return -1;
	memmove(set->v + i + 1, set->v + i, (set->n - i) * sizeof *set->v);
	set->v[i].port = port;
	set->v[i].proto = proto;
	set->v[i].expires_ms = expires_ms;
	set->v[i].pid = pid;
	set->n++;
	return 0;
}

void
reserve_format(const struct reserve_set *set, uint64_t now_ms,
    struct buf *b)
{
	buf_adds(b, RESERVE_HEADER);
	for (size_t i = 0; i < set->n; i++) {
		const struct reservation *r = &set->v[i];

		if (r->expires_ms <= now_ms)
			continue;
		buf_printf(b, "%u %s %llu %u\n", (unsigned)r->port,
		    r->proto == PROTO_UDP ? "udp" : "tcp",
		    (unsigned long long)r->expires_ms, (unsigned)r->pid);
	}
}
