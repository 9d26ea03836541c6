/* known.c - lookups in the generated known-ports table. */
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
