/* probes.h - probing this machine's own doors for ls --probe and who:
 * which address to knock on for a socket, and a line of what answered. */
#ifndef DOOR_PROBES_H
#define DOOR_PROBES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/records.h"
#include "probe/probe.h"

/*
 * Probes socks[0..n) (indices into s; only listening TCP sockets are
 * probed, others get conf PROBE_CONF_NONE and error "not probed"), all
 * concurrently, each within timeout_ms. A socket on a wildcard address is
 * reached on its family's loopback. *out is parallel to socks; free() it.
 */
int	probes_run(const struct snap *s, const size_t *socks, size_t n,
	    uint32_t timeout_ms, struct probe_door **out, struct door_err *e);

/* The probes of one run, by socket index. */
struct probes {
	const size_t      *socks;
	struct probe_door *d;       /* parallel to socks */
	size_t             n;
};

/* The probe result for socket `sock`, or NULL when it was not probed. */
const struct probe_result	*probes_of(const struct probes *, size_t sock);

struct entry;

/* Probes every socket of the entries, all at once (1s each); on failure
 * (no threads, no memory) *pr is empty and the listing goes on without. */
void	probes_of_entries(const struct snap *, const struct entry *, size_t n,
	    struct probes *pr);
void	probes_free(struct probes *);

/* "nginx 1.22.1, HTTP 200 (probe)", "TLS 1.3 (probe)", or why nothing
 * answered: "no answer door recognises (timeout)". */
void	probes_describe(const struct probe_result *, char *buf, size_t size);

#endif
