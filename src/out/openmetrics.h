/* openmetrics.h - the Prometheus text exposition format (version 0.0.4),
 * the one node_exporter's textfile collector reads: "# HELP", "# TYPE",
 * then one sample a line, name{label="value",...} value. */
#ifndef DOOR_OUT_OPENMETRICS_H
#define DOOR_OUT_OPENMETRICS_H

#include <stddef.h>

#include "core/buf.h"

struct om_sample {
	struct buf *b;
	int         nlabels;
};

/* "# HELP name help" and "# TYPE name type" (help is door's own text). */
void	om_family(struct buf *, const char *name, const char *type,
	    const char *help);
/* Starts a sample of metric `name` (door's own text). */
void	om_begin(struct om_sample *, struct buf *, const char *name);
/*
 * label="value". The value is untrusted bytes (a process name): it is
 * first made visible as door's tables show it (escape.h's esc_term:
 * controls and invalid UTF-8 as \xNN, a backslash as \\), so that no raw
 * control byte reaches a terminal reading the metrics, then escaped as
 * the format requires (\\ and \"; a newline cannot remain).
 */
void	om_label(struct om_sample *, const char *name, const char *value,
	    size_t len);
/* The value ("1", "0.0042") and the end of the line. */
void	om_end(struct om_sample *, const char *value);

#endif
