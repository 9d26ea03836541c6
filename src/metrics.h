/* metrics.h - door ls --format openmetrics: the doors as Prometheus
 * metrics, for node_exporter's textfile collector (door(1) has the
 * series and an example). */
#ifndef DOOR_METRICS_H
#define DOOR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "doors.h"
#include "probes.h"

enum ls_format {
	LS_FORMAT_TABLE,
	LS_FORMAT_JSON,
	LS_FORMAT_OPENMETRICS,
};

/* Reads --format (table, json or openmetrics; --json is json) into *f;
 * a usage error in e. */
int	metrics_format(struct cmd_args *, enum ls_format *f, struct door_err *e);
/* Microseconds on the monotonic clock: the scrape's duration. */
uint64_t	metrics_now_us(void);
/*
 * Writes the listening entries of v as door_listener_info (one sample
 * per distinct label set: forked workers of one user are one), then
 * door_listeners per protocol, door_owners_hidden and
 * door_scrape_duration_seconds (usec). pr may be empty (no --probe).
 */
void	metrics_write(const struct cmd_args *, const struct snap *,
	    const struct entry *v, size_t n, const struct probes *pr,
	    uint64_t usec);

#endif
