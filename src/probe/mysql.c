/* mysql.c - the first packet a MySQL or MariaDB server sends: the
 * handshake (protocol 10, version string first) or an error packet. Pure. */
#include <stdint.h>
#include <string.h>

#include "probe/parse.h"

#define MYSQL_PACKET_MAX	1024   /* a handshake is ~100 bytes */

int
probe_mysql_parse(const uint8_t *b, size_t n, struct probe_id *id)
{
	const char *v;
	size_t      plen, vl;

	if (n < 5)
		return n >= 4 && b[3] != 0 ? PV_NO : PV_MORE;
	plen = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
	if (b[3] != 0 || plen < 3 || plen > MYSQL_PACKET_MAX)
		return PV_NO;
	if (b[4] != 0x0a && b[4] != 0xff)
		return PV_NO;
	if (n < 4 + plen)
		return PV_MORE;
	probe_id_clear(id);
	strcpy(id->service, "mysql");
	if (b[4] == 0xff) {
		/* 0xff, a 2-byte code, maybe '#' and a 5-char SQLSTATE, text:
		 * "Host '...' is not allowed to connect to this MariaDB server" */
		size_t at = 7;

		if (plen < 3)
			return PV_NO;
		if (plen >= 9 && b[7] == '#')
			at = 13;
		probe_copy(id->detail, sizeof id->detail, (const char *)b + at,
		    4 + plen - at);
		strcpy(id->product, probe_find(id->detail, strlen(id->detail),
		    "MariaDB") != SIZE_MAX ? "MariaDB" : "MySQL");
		return PV_YES;
	}
	v = (const char *)b + 5;
	for (vl = 0; vl < plen - 1 && v[vl] != '\0'; vl++)
		if ((unsigned char)v[vl] < 0x20 || (unsigned char)v[vl] >= 0x7f)
			return PV_NO;
	if (vl == plen - 1 || vl == 0 || v[0] < '0' || v[0] > '9')
		return PV_NO;   /* the version ends with a NUL, starts a digit */
	/* MariaDB puts "5.5.5-" first for old replication clients */
	if (vl > 6 && memcmp(v, "5.5.5-", 6) == 0) {
		v += 6;
		vl -= 6;
	}
	if (probe_find(v, vl, "MariaDB") != SIZE_MAX) {
		size_t dash = 0;

		strcpy(id->product, "MariaDB");
		while (dash < vl && v[dash] != '-')
			dash++;
		probe_copy(id->version, sizeof id->version, v, dash);
		if (dash < vl)
			probe_copy(id->detail, sizeof id->detail, v, vl);
	} else {
		strcpy(id->product, "MySQL");
		probe_copy(id->version, sizeof id->version, v, vl);
	}
	return PV_YES;
}
