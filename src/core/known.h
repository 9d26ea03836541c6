/* known.h - what a port number usually means (data/ports.tsv). A clue, not
 * proof: door shows it with the word "usually". */
#ifndef DOOR_CORE_KNOWN_H
#define DOOR_CORE_KNOWN_H

#include <stdbool.h>
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

/* Which protocols a lookup wants (bits). */
#define KNOWN_TCP 0x1
#define KNOWN_UDP 0x2
#define KNOWN_ANY (KNOWN_TCP | KNOWN_UDP)

/* How known_find_name matched. */
enum known_match {
	KNOWN_MATCH_NONE,
	KNOWN_MATCH_NAME,        /* the word is a row's name, exactly */
	KNOWN_MATCH_SUBSTRING,   /* found, ignoring case, inside a name or
				    what the port usually is */
};

/* Up to `max` meanings of port/proto, in table order; returns the count.
 * The first is the port's most common meaning. */
size_t	known_lookup(uint16_t port, enum proto, const struct known_port **out,
	    size_t max);
/* The most common meaning of port/proto, or NULL. */
const struct known_port	*known_first(uint16_t port, enum proto);

/*
 * Every row with lo <= port <= hi and a wanted protocol (KNOWN_* bits),
 * sorted by port, then tcp before udp, then table order. Returns the count
 * of matching rows, even when it is more than max (only max are written).
 */
size_t	known_range(uint16_t lo, uint16_t hi, unsigned protos,
	    const struct known_port **out, size_t max);

/*
 * Rows for a word: the rows whose name is exactly `word`; when none, the
 * rows whose name or `usually` contains it, ignoring ASCII case. Sorted as
 * known_range; *how says which rule matched. Returns the count of matching
 * rows, even when more than max. `word` need not be NUL-terminated.
 */
size_t	known_find_name(const char *word, size_t len, unsigned protos,
	    enum known_match *how, const struct known_port **out, size_t max);

/* Sorts rows as known_range does (port, tcp before udp, table order). */
void	known_sort(const struct known_port **, size_t n);

#endif
