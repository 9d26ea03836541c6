/* duration.h - "500ms", "5s", "2m", "1h" and plain seconds. */
#ifndef DOOR_CORE_DURATION_H
#define DOOR_CORE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Parses into milliseconds; at most 24 hours. A bare number is seconds. */
int	duration_parse(const char *s, uint64_t *ms, struct door_err *e);
/* "2h13m", "45s", "3d4h": a compact age for humans. */
void	duration_format(uint64_t seconds, char *buf, size_t size);

#endif
