/* ollama.c - Ollama's GET /api/version: {"version":"0.1.32"}. Pure. */
#include <string.h>

#include "probe/parse.h"

int
probe_ollama_parse(const char *body, size_t n, struct probe_id *id)
{
	char v[PROBE_VERSION_MAX];
	size_t i = 0;

	while (i < n && (body[i] == ' ' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i == n)
		return PV_MORE;
	if (body[i] != '{')
		return PV_NO;
	if (!probe_json_str(body + i, n - i, "version", v, sizeof v))
		return memchr(body + i, '}', n - i) ? PV_NO : PV_MORE;
	probe_id_clear(id);
	strcpy(id->service, "http");
	strcpy(id->product, "Ollama");
	strcpy(id->version, v);
	return PV_YES;
}
