/* known.c - lookups in the generated known-ports table. The table is small
 * (a few hundred rows): a linear scan is simpler than an index and fast
 * enough for every row of door ls. */
#include <stdlib.h>
#include <string.h>

#include "core/known.h"

size_t
known_lookup(uint16_t port, enum proto proto, const struct known_port **out,
    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < known_ports_count && n < max; i++)
		if (known_ports[i].port == port && known_ports[i].proto == proto)
			out[n++] = &known_ports[i];
	return n;
}

const struct known_port *
known_first(uint16_t port, enum proto proto)
{
	const struct known_port *kp;

	return known_lookup(port, proto, &kp, 1) == 1 ? kp : NULL;
}

static bool
wanted(const struct known_port *k, unsigned protos)
{
	return (k->proto == PROTO_TCP && (protos & KNOWN_TCP)) ||
	    (k->proto == PROTO_UDP && (protos & KNOWN_UDP));
}

/* Rows are elements of one array: their addresses give table order, which
 * keeps a port's most common meaning first. */
static int
cmp_rows(const void *a, const void *b)
{
	const struct known_port *x = *(const struct known_port *const *)a;
	const struct known_port *y = *(const struct known_port *const *)b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto == PROTO_TCP ? -1 : 1;
	return x < y ? -1 : x > y;
}

void
known_sort(const struct known_port **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_rows);
}

size_t
known_range(uint16_t lo, uint16_t hi, unsigned protos,
    const struct known_port **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < known_ports_count; i++) {
		const struct known_port *k = &known_ports[i];

		if (k->port < lo || k->port > hi || !wanted(k, protos))
			continue;
		if (n < max)
			out[n] = k;
		n++;
	}
	known_sort(out, n < max ? n : max);
	return n;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s contains w[0..wl), ignoring ASCII case. */
static bool
contains_nocase(const char *s, const char *w, size_t wl)
{
	size_t sl = strlen(s);

	if (wl == 0 || wl > sl)
		return false;
	for (size_t i = 0; i + wl <= sl; i++) {
		size_t j = 0;

		while (j < wl && lower(s[i + j]) == lower(w[j]))
			j++;
		if (j == wl)
			return true;
	}
	return false;
}

size_t
known_find_name(const char *word, size_t len, unsigned protos,
    enum known_match *how, const struct known_port **out, size_t max)
{
	size_t n = 0;

	*how = KNOWN_MATCH_NONE;
	if (word == NULL || len == 0)
		return 0;
	for (size_t i = 0; i < known_ports_count; i++) {
		const struct known_port *k = &known_ports[i];

		if (!wanted(k, protos) || strlen(k->name) != len ||
		    memcmp(k->name, word, len) != 0)
			continue;
		if (n < max)
			out[n] = k;
		n++;
	}
	if (n > 0)
		*how = KNOWN_MATCH_NAME;
	else {
		for (size_t i = 0; i < known_ports_count; i++) {
			const struct known_port *k = &known_ports[i];

			if (!wanted(k, protos) ||
			    (!contains_nocase(k->name, word, len) &&
			    !contains_nocase(k->usually, word, len)))
				continue;
			if (n < max)
				out[n] = k;
			n++;
		}
		if (n > 0)
			*how = KNOWN_MATCH_SUBSTRING;
	}
	known_sort(out, n < max ? n : max);
	return n;
}
