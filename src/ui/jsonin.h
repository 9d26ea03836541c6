/* jsonin.h - the bodies door ui's actions are posted with: one flat JSON
 * object of strings, integers, booleans and nulls ({"port": 3000}).
 * Pure (house rule 3): bytes and a length in, fields out; strict RFC 8259
 * for what it takes, and a clear message for what it does not. */
#ifndef DOOR_UI_JSONIN_H
#define DOOR_UI_JSONIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JIN_FIELDS_MAX	8
#define JIN_KEY_MAX	32
#define JIN_BODY_MAX	(64u << 10)   /* longer bodies are not read */

enum jin_type { JIN_STRING, JIN_INT, JIN_BOOL, JIN_NULL };

struct jin_field {
	char          key[JIN_KEY_MAX];
	enum jin_type type;
	const char   *s;        /* JIN_STRING: decoded UTF-8, NUL-terminated;
				   never holds a NUL (\u0000 is refused) */
	size_t        slen;
	int64_t       i;        /* JIN_INT */
	bool          b;        /* JIN_BOOL */
};

struct jin {
	struct jin_field f[JIN_FIELDS_MAX];
	size_t           n;
	char            *text;   /* the decoded strings; jin_free */
};

/*
 * Reads s[0..n): an object, blanks around, nothing after. Keys are unique
 * and at most JIN_KEY_MAX - 1 bytes; strings are valid UTF-8 once decoded
 * (escapes included, surrogate pairs joined); numbers are integers that
 * fit int64_t. Nested objects and arrays, fractions and exponents are
 * refused. Returns 0, or -1 with a message for people in err.
 */
int	jin_parse(const char *s, size_t n, struct jin *, char *err,
	    size_t errsize);
void	jin_free(struct jin *);

/* The field named key, or NULL. */
const struct jin_field	*jin_get(const struct jin *, const char *key);

#endif
