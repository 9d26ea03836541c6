/* pg.c - PostgreSQL: the SSLRequest, a StartupMessage, and the answers
 * that identify a server before any authentication. Pure. */
#include <stdint.h>
#include <string.h>

#include "probe/parse.h"

#define PG_MSG_MAX	8192   /* an ErrorResponse is ~100 bytes */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
probe_pg_sslrequest(uint8_t out[PROBE_PG_SSLREQ_LEN])
{
	put32(out, 8);
	put32(out + 4, 80877103);   /* 1234 << 16 | 5679 */
}

int
probe_pg_ssl_parse(const uint8_t *b, size_t n, bool *tls)
{
	if (n == 0)
		return PV_MORE;
	/* exactly one byte: the server waits for our next move */
	if (n != 1 || (b[0] != 'S' && b[0] != 'N'))
		return PV_NO;
	*tls = b[0] == 'S';
	return PV_YES;
}

int
probe_pg_startup(uint8_t *buf, size_t size)
{
	static const char params[] = "user\0door\0database\0door\0"
	    "application_name\0door\0";
	size_t            len = 8 + sizeof params;   /* its NUL ends the list */

	if (size < len)
		return -1;
	put32(buf, (uint32_t)len);
	put32(buf + 4, 3u << 16);
	memcpy(buf + 8, params, sizeof params);
	return (int)len;
}

static void
pg(struct probe_id *id)
{
	probe_id_clear(id);
	strcpy(id->service, "postgresql");
	strcpy(id->product, "PostgreSQL");
}

/* ErrorResponse fields: a type byte, a NUL-terminated value; a 0 ends
 * them. 'S' severity, 'C' SQLSTATE, 'M' message. */
static int
error_response(const uint8_t *m, size_t len, struct probe_id *id)
{
	bool   sev = false, code = false;
	size_t i = 0;
	char   msg[PROBE_DETAIL_MAX] = "";

	while (i < len && m[i] != 0) {
		uint8_t     t = m[i++];
		const char *v = (const char *)m + i;
		size_t      vl = 0;

		while (i + vl < len && v[vl] != '\0')
			vl++;
		if (i + vl >= len)
			return PV_NO;
		if (t == 'S' && (vl == 5 || vl == 6 || vl == 7))
			sev = true;
		if (t == 'C' && vl == 5)
			code = true;
		if (t == 'M')
			probe_copy(msg, sizeof msg, v, vl);
		i += vl + 1;
	}
	if (!sev || !code)
		return PV_NO;
	pg(id);
	strcpy(id->detail, msg);
	return PV_YES;
}

static const char *
auth_name(uint32_t code)
{
	switch (code) {
	case 2:  return "Kerberos";
	case 3:  return "password";
	case 5:  return "MD5 password";
	case 7:  return "GSSAPI";
	case 9:  return "SSPI";
	case 10: return "SCRAM";
	default: return "authentication";
	}
}

int
probe_pg_parse(const uint8_t *b, size_t n, struct probe_id *id)
{
	size_t off = 0;
	bool   authed = false;

	while (off < n) {
		const uint8_t *m = b + off;
		uint32_t       len;

		if (m[0] != 'E' && m[0] != 'R' && m[0] != 'S' && m[0] != 'K' &&
		    m[0] != 'Z' && m[0] != 'v' && m[0] != 'N')
			return PV_NO;
		if (off == 0 && m[0] != 'E' && m[0] != 'R' && m[0] != 'v')
			return PV_NO;
		if (n - off < 5)
			return PV_MORE;
		len = be32(m + 1);
		if (len < 4 || len > PG_MSG_MAX)
			return PV_NO;
		if (n - off - 1 < len)
			return PV_MORE;
		switch (m[0]) {
		case 'E':
			return error_response(m + 5, len - 4, id);
		case 'R': {
			uint32_t code;

			if (len < 8)
				return PV_NO;
			code = be32(m + 5);
			if (code != 0) {
				if (code > 12)
					return PV_NO;
				pg(id);
				strcpy(id->detail, auth_name(code));
				strcat(id->detail, " required");
				return PV_YES;
			}
			authed = true;   /* trust: the server lets us in */
			pg(id);
			strcpy(id->detail, "no password asked (trust)");
			break;
		}
		case 'S': {
			/* ParameterStatus: name NUL value NUL */
			const char *p = (const char *)m + 5;
			size_t      pl = len - 4;

			if (authed && pl > 15 &&
			    memcmp(p, "server_version", 15) == 0) {
				size_t vl = 0;

				while (15 + vl < pl && p[15 + vl] != '\0' &&
				    p[15 + vl] != ' ')
					vl++;
				probe_copy(id->version, sizeof id->version,
				    p + 15, vl);
			}
			break;
		}
		case 'Z':
			return authed ? PV_YES : PV_NO;
		default:
			break;
		}
		off += 1 + len;
	}
	return PV_MORE;
}
