/* fuzz-procnet.c - procnet_parse on arbitrary file contents, for both
 * protocols and both families, with and without a filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/linux/parse.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(const char *buf, size_t size, enum proto proto, int family,
    const struct sock_filter *f)
{
	struct snap     s;
	struct door_err e;
	int             rc;

	snap_init(&s);
	err_clear(&e);
	rc = procnet_parse(buf, size, proto, family, f, &s, &e);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && e.msg[0] == '\0')
		abort();
	for (size_t i = 0; i < s.nsocks; i++) {
		const struct sock *k = &s.socks[i];

		if (k->local.family != family || k->remote.family != family ||
		    k->proto != proto || k->source != SOURCE_PROCFS ||
		    (unsigned)k->state > 0xff)
			abort();
		if (f != NULL && (k->local.port < f->port_lo ||
		    k->local.port > f->port_hi))
			abort();
	}
	snap_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char              *buf = malloc(size ? size : 1);   /* exact size */
	struct sock_filter f = { .states = 1u << SK_LISTEN, .port_lo = 80,
	    .port_hi = 8080, .v4 = true, .v6 = true };

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	run(buf, size, PROTO_TCP, AF_INET, NULL);
	run(buf, size, PROTO_TCP, AF_INET6, NULL);
	run(buf, size, PROTO_UDP, AF_INET, &f);
	run(buf, size, PROTO_UDP, AF_INET6, &f);
	free(buf);
	return 0;
}
