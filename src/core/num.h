/* num.h - the one range-checked number parser (house rule 9). */
#ifndef DOOR_CORE_NUM_H
#define DOOR_CORE_NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses exactly `len` bytes of `s` as a decimal number in [min, max].
 * No sign, no spaces, no leading '+', at most 20 digits. Returns 0 on
 * success, -1 on anything else (empty, junk, overflow, out of range).
 */
int	num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
	    uint64_t *out);
/* The same for a NUL-terminated string. */
int	num_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Hexadecimal, for /proc/net: exactly `len` bytes of [0-9A-Fa-f]. */
int	num_parse_hex(const char *s, size_t len, uint64_t *out);

#endif
