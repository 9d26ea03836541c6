/* fuzz-probe.c - every pure parser of src/probe (parse.h) on arbitrary
 * bytes. Aborts when a verdict breaks its promises: a record that is not
 * NUL-terminated printable text, or a prefix that says NO where the whole
 * says YES (the driver calls a parser after every recv()). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/parse.h"
#include "probe/probe.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
text_ok(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void
id_ok(int v, const struct probe_id *id)
{
	if (v != PV_YES && v != PV_NO && v != PV_MORE)
		abort();
	if (v != PV_YES)
		return;
	text_ok(id->service, sizeof id->service);
	text_ok(id->product, sizeof id->product);
	text_ok(id->version, sizeof id->version);
	text_ok(id->detail, sizeof id->detail);
}

typedef int (*parser)(const char *, size_t, struct probe_id *);

static int
greeting(const char *b, size_t n, struct probe_id *id)
{
	return probe_greeting_parse(b, n, 21, id);
}

static int
mysql(const char *b, size_t n, struct probe_id *id)
{
	return probe_mysql_parse((const uint8_t *)b, n, id);
}

static int
http(const char *b, size_t n, struct probe_id *id)
{
	struct probe_http h;
	int               v = probe_http_parse(b, n, false, &h, id);

	if (v == PV_YES && (h.status < 100 || h.status > 599 ||
	    h.head_len > n))
		abort();
	if (v == PV_YES)
		text_ok(h.server, sizeof h.server);
	return v;
}

static int
tls(const char *b, size_t n, struct probe_id *id)
{
	return probe_tls_parse((const uint8_t *)b, n, id);
}

static int
pg(const char *b, size_t n, struct probe_id *id)
{
	return probe_pg_parse((const uint8_t *)b, n, id);
}

/* The request IDs the MongoDB seeds answer (tests/fixtures/probe/mongo-*,
 * the stand-in's replies to door's hello 1 and buildInfo 2): other IDs
 * would stop every input at responseTo. */
static int
mongo_hello(const char *b, size_t n, struct probe_id *id)
{
	return probe_mongo_parse((const uint8_t *)b, n, 1, id);
}

static int
mongo_buildinfo(const char *b, size_t n, struct probe_id *id)
{
	return probe_mongo_buildinfo_parse((const uint8_t *)b, n, 2, id);
}

static const parser parsers[] = {
	greeting, mysql, http, tls, pg, probe_resp_ping_parse,
	probe_resp_info_parse, probe_memcached_parse, probe_ollama_parse,
	mongo_hello, mongo_buildinfo,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan sees any read past the end */
	char           *s = malloc(size ? size : 1);
	struct probe_id id;
	struct probe_http h;
	bool            t;
	size_t          cut = size > 0 ? data[0] % (size + 1) : 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
		int whole, part;

		memset(&id, 0x7f, sizeof id);
		whole = parsers[i](s, size, &id);
		id_ok(whole, &id);
		part = parsers[i](s, cut, &id);
		id_ok(part, &id);
		if (whole == PV_YES && part == PV_NO)
			abort();
	}
	id_ok(probe_http_parse(s, size, true, &h, &id), &id);
	(void)probe_pg_ssl_parse(data, size, &t);
	{
		/* the MongoDB builders, in an exact-size buffer: -1 when the
		 * request (52 and 56 bytes) does not fit, never a write past */
		size_t   room = size % 65;
		uint8_t *req = malloc(room ? room : 1);
		int      l;

		if (req != NULL) {
			l = probe_mongo_hello(req, room, (int32_t)size);
			if (l != (room >= 52 ? 52 : -1))
				abort();
			l = probe_mongo_buildinfo(req, room, (int32_t)size);
			if (l != (room >= 56 ? 56 : -1))
				abort();
			free(req);
		}
	}
	(void)probe_resp_looks(s, size);
	{
		char out[PROBE_VERSION_MAX];

		if (probe_json_str(s, size, "version", out, sizeof out))
			text_ok(out, sizeof out);
	}
	free(s);
	return 0;
}
