/* fuzz-diag.c - diag_parse on one arbitrary "recv() buffer", as door feeds
 * it (seq 0 and portid 0 accept any), with and without a filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/linux/parse.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(const void *buf, size_t size, enum proto proto,
    const struct sock_filter *f)
{
	struct snap     s;
	struct door_err e;
	int             rc;

	snap_init(&s);
	err_clear(&e);
	rc = diag_parse(buf, size, 0, 0, proto, f, &s, &e);
	if (rc != -1 && rc != 0 && rc != 1)
		abort();
	if (rc == -1 && e.msg[0] == '\0')
		abort();
	for (size_t i = 0; i < s.nsocks; i++) {
		const struct sock *k = &s.socks[i];

		if ((k->local.family != AF_INET && k->local.family != AF_INET6) ||
		    k->remote.family != k->local.family || k->proto != proto ||
		    k->source != SOURCE_NETLINK || k->v6only < -1 ||
		    k->v6only > 1)
			abort();
		if (f != NULL && (k->local.port < f->port_lo ||
		    k->local.port > f->port_hi ||
		    !(f->states & (1u << k->state))))
			abort();
	}
	snap_free(&s);
}

#ifdef FUZZ_SKIP_KNOWN_BUGS
/* Built with -DFUZZ_SKIP_KNOWN_BUGS (by hand, not by the Makefile) the
 * harness skips buffers holding a message whose nlmsg_len is negative as
 * an int - the reported libmnl/diag_parse crash - so fuzzing can go on to
 * find other bugs. Remove once diag_parse checks lengths itself. */
static int
known_bug(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (size - off >= 16) {
		uint32_t l;

		memcpy(&l, data + off, 4);
		if (l >= 0x80000000u)
			return 1;
		if (l < 16 || l > size - off)
			return 0;
		off += (l + 3) & ~3u;
		if (off > size)
			return 0;
	}
	return 0;
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy: ASan catches a read one byte too far,
	 * and malloc's alignment is what recv() into a buffer gives */
	void              *buf = malloc(size ? size : 1);
	struct sock_filter f = { .states = (1u << SK_LISTEN) | (1u << SK_CLOSE),
	    .port_lo = 1000, .port_hi = 50000, .v4 = true, .v6 = true };

	if (buf == NULL)
		return 0;
#ifdef FUZZ_SKIP_KNOWN_BUGS
	if (known_bug(data, size)) {
		free(buf);
		return 0;
	}
#endif
	memcpy(buf, data, size);
	run(buf, size, PROTO_TCP, NULL);
	run(buf, size, PROTO_UDP, &f);
	free(buf);
	return 0;
}
