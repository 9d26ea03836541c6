/* resp.c - Redis (RESP) replies to PING and INFO server. Pure. */
#include <stdint.h>
#include <string.h>

#include "core/num.h"
#include "probe/parse.h"

#define RESP_LINE_MAX	512

/* Length of the first line (up to CR LF), or SIZE_MAX: not yet. */
static size_t
line_len(const char *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (b[i] == '\r' && b[i + 1] == '\n')
			return i;
	return SIZE_MAX;
}

static bool
printable(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] >= 0x7f)
			return false;
	return true;
}

bool
probe_resp_looks(const char *b, size_t n)
{
	size_t l = line_len(b, n);

	if (n < 3 || (b[0] != '-' && b[0] != '+') || l == SIZE_MAX || l < 2 ||
	    !printable(b, l))
		return false;
	/* an error is a code word in capitals: ERR, WRONGTYPE, NOAUTH */
	return b[0] == '+' || (b[1] >= 'A' && b[1] <= 'Z');
}

static void
redis(struct probe_id *id, const char *detail)
{
	probe_id_clear(id);
	strcpy(id->service, "redis");
	strcpy(id->product, "Redis");
	probe_copy(id->detail, sizeof id->detail, detail, strlen(detail));
}

int
probe_resp_ping_parse(const char *b, size_t n, struct probe_id *id)
{
	size_t l;

	if (n > 0 && b[0] != '+' && b[0] != '-')
		return PV_NO;
	if ((l = line_len(b, n)) == SIZE_MAX)
		return n > RESP_LINE_MAX ? PV_NO : PV_MORE;
	if (!probe_resp_looks(b, n))
		return PV_NO;
	if (l == 5 && memcmp(b, "+PONG", 5) == 0) {
		redis(id, "");
		return PV_YES;
	}
	if (l >= 7 && memcmp(b, "-NOAUTH", 7) == 0) {
		redis(id, "auth required");
		return PV_YES;
	}
	if (l >= 7 && memcmp(b, "-DENIED", 7) == 0) {
		redis(id, "protected mode: loopback only");
		return PV_YES;
	}
	return PV_NO;   /* a RESP error, but not to PING: not sure */
}

/* The value of "field:" on a line of its own in the INFO text. */
static bool
info_field(const char *t, size_t n, const char *field, char *out,
    size_t size)
{
	size_t fl = strlen(field);

	for (size_t i = 0; i + fl < n; i++) {
		size_t e;

		if ((i > 0 && t[i - 1] != '\n') || memcmp(t + i, field, fl) != 0)
			continue;
		for (e = i + fl; e < n && t[e] != '\r' && t[e] != '\n'; e++)
			;
		probe_copy(out, size, t + i + fl, e - i - fl);
		return true;
	}
	return false;
}

int
probe_resp_info_parse(const char *b, size_t n, struct probe_id *id)
{
	char     name[32];
	uint64_t blen;
	size_t   l;

	if (n > 0 && b[0] == '-') {
		/* INFO refused (renamed, ACL): still Redis, no version */
		if ((l = line_len(b, n)) == SIZE_MAX)
			return n > RESP_LINE_MAX ? PV_NO : PV_MORE;
		if (!probe_resp_looks(b, n))
			return PV_NO;
		redis(id, "INFO refused");
		return PV_YES;
	}
	if (n > 0 && b[0] != '$')
		return PV_NO;
	if ((l = line_len(b, n)) == SIZE_MAX)
		return n > 16 ? PV_NO : PV_MORE;
	if (l < 2 || num_parse_u64(b + 1, l - 1, 0, 1 << 24, &blen) != 0)
		return PV_NO;
	/* the whole bulk string, or as much as 64 KiB holds */
	if (n - l - 2 < blen + 2 && n < 60000)
		return PV_MORE;
	redis(id, "");
	b += l + 2;
	n -= l + 2;
	if (n > blen)
		n = (size_t)blen;
	if (info_field(b, n, "server_name:", name, sizeof name) &&
	    strcmp(name, "valkey") == 0) {
		strcpy(id->product, "Valkey");
		info_field(b, n, "valkey_version:", id->version,
		    sizeof id->version);
	}
	if (id->version[0] == '\0')
		info_field(b, n, "redis_version:", id->version,
		    sizeof id->version);
	return PV_YES;
}
