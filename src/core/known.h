/* known.h - what a port number usually means (data/ports.tsv). A clue, not
 * proof: door shows it with the word "usually". */
#ifndef DOOR_CORE_KNOWN_H
#define DOOR_CORE_KNOWN_H

#include <stddef.h>
#include <stdint.h>

#include "core/records.h"

struct known_port {
	uint16_t    port;
	enum proto  proto;
	const char *name;      /* short id: "postgresql" */
	const char *usually;   /* "PostgreSQL" */
	const char *note;      /* "" when none */
};

extern const struct known_port known_ports[];
extern const size_t known_ports_count;

/* Up to `max` meanings of port/proto, in table order; returns the count. */
size_t	known_lookup(uint16_t port, enum proto, const struct known_port **out,
	    size_t max);

#endif
