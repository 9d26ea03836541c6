/* escape.h - untrusted text (process names, command lines, paths) made safe
 * for a terminal or for JSON, once, at the output boundary (house rule 7). */
#ifndef DOOR_OUT_ESCAPE_H
#define DOOR_OUT_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Appends s[0..n) with every byte that could move the cursor, change colours
 * or confuse the reader made visible: C0 controls, DEL, C1 controls and
 * bytes that are not valid UTF-8 become \xNN, a backslash becomes \\.
 * Valid printable UTF-8 (names in any script) passes unchanged.
 */
void	esc_term(struct buf *, const char *s, size_t n);
/* The same, with NUL bytes (argv separators) shown as one space. */
void	esc_term_argv(struct buf *, const char *s, size_t n);
/* Appends s as the inside of a JSON string: valid UTF-8 passes, controls
 * are \u00XX, and each byte of an invalid sequence becomes U+FFFD. */
void	esc_json(struct buf *, const char *s, size_t n);
/* Columns a UTF-8 string (already escaped) takes on a terminal. */
size_t	text_width(const char *s, size_t n);

#endif
