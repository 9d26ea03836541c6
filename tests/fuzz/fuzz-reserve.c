/* fuzz-reserve.c - reserve_parse and reserve_format (src/core/reserve.h) on
 * arbitrary bytes. Aborts when a kept entry breaks the header's promises,
 * or when a rewrite does not read back as exactly itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reserve.h"

/* the pure modules linked in refer to a few platform functions */
#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-01-01T00:00:00Z: the corpus files are written around it. */
#define NOW	1767225600000ULL

static void
check_set(const struct reserve_set *set, size_t lines)
{
	uint64_t latest = NOW + RESERVE_DUR_MAX_MS + RESERVE_SKEW_MS;

	if (set->n > lines || set->n > RESERVE_ENTRIES_MAX)
		abort();
	for (size_t i = 0; i < set->n; i++) {
		const struct reservation *r = &set->v[i];

		if (r->port == 0 || r->expires_ms <= NOW ||
		    r->expires_ms > latest || r->pid > RESERVE_PID_MAX ||
		    (r->proto != PROTO_TCP && r->proto != PROTO_UDP))
			abort();
		/* strictly ascending: sorted, one entry per port and proto */
		if (i > 0 && (set->v[i - 1].port > r->port ||
		    (set->v[i - 1].port == r->port &&
		    set->v[i - 1].proto >= r->proto)))
			abort();
		if (reserve_find(set, r->port, r->proto) != r)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reserve_set set, back;
	struct buf         b1, b2;
	size_t             lines = 0;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (reserve_parse((const char *)data, size, NOW, &set) != 0)
		abort();   /* only memory can make it fail */
	check_set(&set, lines);
	if (size == 0 && reserve_corrupt(&set))
		abort();
	if (set.too_big != (size > RESERVE_FILE_MAX))
		abort();

	/* a rewrite is a clean file, and reads back exactly */
	buf_init(&b1);
	reserve_format(&set, NOW, &b1);
	if (b1.oom || reserve_parse(b1.p, b1.len, NOW, &back) != 0)
		abort();
	if (reserve_corrupt(&back) || back.expired != 0 || back.n != set.n)
		abort();
	for (size_t i = 0; i < set.n; i++)
		if (back.v[i].port != set.v[i].port ||
		    back.v[i].proto != set.v[i].proto ||
		    back.v[i].expires_ms != set.v[i].expires_ms ||
		    back.v[i].pid != set.v[i].pid)
			abort();
	buf_init(&b2);
	reserve_format(&back, NOW, &b2);
	if (b2.oom || b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
		abort();
	/* a valid file with nothing to drop or merge keeps every byte (its
	 * lines are canonical: only their order may change) */
	if (size > 0 && !reserve_corrupt(&set) && set.expired == 0 &&
	    set.n == lines - 1 && b1.len != size)
		abort();
	buf_free(&b1);
	buf_free(&b2);
	reserve_free(&back);
	reserve_free(&set);
	return 0;
}
