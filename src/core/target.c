/* target.c - parsing what the user points door at. Pure: no system calls. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "core/target.h"

static const struct {
	const char *scheme;
	uint16_t    port;
} scheme_ports[] = {
	{ "http", 80 }, { "https", 443 }, { "ws", 80 }, { "wss", 443 },
	{ "ftp", 21 }, { "ssh", 22 }, { "redis", 6379 }, { "rediss", 6379 },
	{ "postgres", 5432 }, { "postgresql", 5432 }, { "mysql", 3306 },
	{ "mariadb", 3306 }, { "mongodb", 27017 }, { "amqp", 5672 },
	{ "memcached", 11211 }, { "smtp", 25 },
};

uint16_t
scheme_default_port(const char *scheme, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof scheme_ports / sizeof scheme_ports[0]; i++) {
		if (strlen(scheme_ports[i].scheme) == len &&
		    strncasecmp(scheme_ports[i].scheme, scheme, len) == 0)
			return scheme_ports[i].port;
	}
	return 0;
}

/* Shows at most 40 bytes of user input in a message, marking the cut. */
static const char *
clip(const char *s, size_t len, char *buf, size_t size)
{
	if (len > 40)
		snprintf(buf, size, "%.40s...", s);
	else
		snprintf(buf, size, "%.*s", (int)len, s);
	return buf;
}

static int
port_one(const char *s, size_t len, uint16_t *out, struct door_err *e)
{
	uint64_t v;
	char     b[64];

	if (num_parse_u64(s, len, 0, UINT64_MAX, &v) != 0)
		return err_set(e, DOOR_USAGE, "'%s' is not a port number",
		    clip(s, len, b, sizeof b));
	if (v == 0)
		return err_set(e, DOOR_USAGE,
		    "port 0 is not a door: ports run from 1 to 65535");
	if (v > 65535)
		return err_set(e, DOOR_USAGE, "port %s is out of range: "
		    "ports run from 1 to 65535", clip(s, len, b, sizeof b));
	*out = (uint16_t)v;
	return 0;
}

int
port_range_parse(const char *s, size_t len, uint16_t *lo, uint16_t *hi,
    struct door_err *e)
{
	const char *dash;

	if (len == 0)
		return err_set(e, DOOR_USAGE, "a port is missing");
	dash = memchr(s, '-', len);
	if (dash == NULL) {
		if (port_one(s, len, lo, e) != 0)
			return -1;
		*hi = *lo;
		return 0;
	}
	if (port_one(s, (size_t)(dash - s), lo, e) != 0 ||
	    port_one(dash + 1, len - (size_t)(dash - s) - 1, hi, e) != 0)
		return -1;
	if (*lo > *hi)
		return err_set(e, DOOR_USAGE, "range %u-%u is reversed: "
		    "write %u-%u", *lo, *hi, *hi, *lo);
	return 0;
}

static bool
all_digits_or_dash(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '-')
			return false;
	return len > 0;
}

/* Host names: letters, digits, '-', '.', '_' (RFC 1123, plus '_' seen in
 * container names); IPv4 literals pass this test too. */
static bool
valid_hostname(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TARGET_HOST_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

static int
set_host(struct target *t, const char *s, size_t len, bool bracketed,
    struct door_err *e)
{
	unsigned char addr[16];
	char          b[64];

	if (len >= TARGET_HOST_MAX)
		return err_set(e, DOOR_USAGE, "host name '%s' is too long",
		    clip(s, len, b, sizeof b));
	memcpy(t->host, s, len);
	t->host[len] = '\0';
	if (bracketed) {
		char *pct = strchr(t->host, '%');   /* zone: fe80::1%eth0 */
		char  bare[TARGET_HOST_MAX];

		memcpy(bare, t->host, len + 1);
		if (pct != NULL)
			bare[pct - t->host] = '\0';
		if (inet_pton(AF_INET6, bare, addr) != 1)
			return err_set(e, DOOR_USAGE,
			    "'[%s]' is not an IPv6 address", clip(s, len, b,
			    sizeof b));
		t->host_is_ip = true;
		t->host_family = AF_INET6;
		return 0;
	}
	if (!valid_hostname(s, len))
		return err_set(e, DOOR_USAGE, "'%s' is not a host name",
		    clip(s, len, b, sizeof b));
	if (inet_pton(AF_INET, t->host, addr) == 1) {
		t->host_is_ip = true;
		t->host_family = AF_INET;
	}
	return 0;
}

/* host[:port] or [v6][:port]; `need_port` false inside URLs. */
static int
parse_authority(const char *s, size_t len, struct target *t, bool need_port,
    struct door_err *e)
{
	const char *colon;
	char        b[64];

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return err_set(e, DOOR_USAGE, "'%s': missing ']' after "
			    "the IPv6 address", clip(s, len, b, sizeof b));
		if (set_host(t, s + 1, (size_t)(close - s - 1), true, e) != 0)
			return -1;
		len -= (size_t)(close + 1 - s);
		s = close + 1;
		if (len == 0) {
			if (need_port)
				return err_set(e, DOOR_USAGE, "'[%s]' has no "
				    "port: write [%s]:PORT", t->host, t->host);
			return 1;
		}
		if (s[0] != ':')
			return err_set(e, DOOR_USAGE, "'%s': expected ':PORT' "
			    "after ']'", clip(s, len, b, sizeof b));
		return port_range_parse(s + 1, len - 1, &t->port_lo,
		    &t->port_hi, e);
	}
	colon = memchr(s, ':', len);
	if (colon != NULL && memchr(colon + 1, ':', len -
	    (size_t)(colon + 1 - s)) != NULL)
		return err_set(e, DOOR_USAGE, "'%s': write an IPv6 address in "
		    "brackets, as [::1]:3000", clip(s, len, b, sizeof b));
	if (colon == NULL) {
		if (need_port)
			return err_set(e, DOOR_USAGE, "'%s' has no port: write "
			    "%s:PORT", clip(s, len, b, sizeof b),
			    clip(s, len, b, sizeof b));
		if (set_host(t, s, len, false, e) != 0)
			return -1;
		return 1;
	}
	if (colon == s)
		return err_set(e, DOOR_USAGE, "'%s': the host before ':' is "
		    "empty", clip(s, len, b, sizeof b));
	if (set_host(t, s, (size_t)(colon - s), false, e) != 0)
		return -1;
	return port_range_parse(colon + 1, len - (size_t)(colon + 1 - s),
	    &t->port_lo, &t->port_hi, e);
}

static int
parse_url(const char *s, const char *sep, struct target *t,
    struct door_err *e)
{
	size_t      slen = (size_t)(sep - s);
	const char *auth = sep + 3, *end, *at;
	size_t      alen;
	int         rc;
	char        b[64];

	if (slen == 0 || slen >= sizeof t->scheme)
		return err_set(e, DOOR_USAGE, "'%s': the URL scheme is %s",
		    clip(s, strlen(s), b, sizeof b), slen ? "too long" :
		    "missing");
	for (size_t i = 0; i < slen; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.'))))
			return err_set(e, DOOR_USAGE, "'%s': the URL scheme "
			    "'%.*s' is not valid", clip(s, strlen(s), b,
			    sizeof b), (int)slen, s);
	}
	memcpy(t->scheme, s, slen);
	t->scheme[slen] = '\0';
	t->is_url = true;
	end = auth + strcspn(auth, "/?#");
	alen = (size_t)(end - auth);
	/* user:password@ is the application's business, not the door's. */
	at = memchr(auth, '@', alen);
	if (at != NULL) {
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	if (alen == 0)
		return err_set(e, DOOR_USAGE, "'%s': the URL has no host",
		    clip(s, strlen(s), b, sizeof b));
	rc = parse_authority(auth, alen, t, false, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		t->port_lo = t->port_hi = scheme_default_port(t->scheme, slen);
		t->port_from_scheme = true;
		if (t->port_lo == 0)
			return err_set(e, DOOR_USAGE, "'%s': no port given and "
			    "door knows no default port for '%s'", clip(s,
			    strlen(s), b, sizeof b), t->scheme);
	}
	if (t->port_lo != t->port_hi)
		return err_set(e, DOOR_USAGE, "'%s': a URL names one port, "
		    "not a range", clip(s, strlen(s), b, sizeof b));
	if (*end == '\0' || *end == '#')
		snprintf(t->path, sizeof t->path, "/");
	else if (strlen(end) + (*end == '?') >= sizeof t->path)
		return err_set(e, DOOR_USAGE, "the URL path is longer than "
		    "%zu bytes", sizeof t->path - 1);
	else {
		size_t plen = strcspn(end, "#");

		if (*end == '?')
			snprintf(t->path, sizeof t->path, "/%.*s", (int)plen,
			    end);
		else
			snprintf(t->path, sizeof t->path, "%.*s", (int)plen,
			    end);
	}
	return 0;
}

int
target_parse(const char *s, struct target *t, struct door_err *e)
{
	const char *sep;
	size_t      len;
	char        b[64];

	memset(t, 0, sizeof *t);
	if (s == NULL || *s == '\0')
		return err_set(e, DOOR_USAGE, "an empty target: give a port, "
		    "host:port or a URL");
	len = strlen(s);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return err_set(e, DOOR_USAGE, "'%s': a target holds no "
			    "spaces or control characters", clip(s, len, b,
			    sizeof b));
	sep = strstr(s, "://");
	if (sep != NULL)
		return parse_url(s, sep, t, e);
	if (s[0] == ':')
		return port_range_parse(s + 1, len - 1, &t->port_lo,
		    &t->port_hi, e);
	if (all_digits_or_dash(s, len))
		return port_range_parse(s, len, &t->port_lo, &t->port_hi, e);
	if (strchr(s, ':') == NULL && strchr(s, '[') == NULL) {
		if (valid_hostname(s, len))
			return err_set(e, DOOR_USAGE, "'%s' has no port: write "
			    "%s:PORT", clip(s, len, b, sizeof b), clip(s, len,
			    b, sizeof b));
		return err_set(e, DOOR_USAGE, "'%s' is not a port or a target "
		    "(try 3000, localhost:3000, [::1]:3000 or a URL)",
		    clip(s, len, b, sizeof b));
	}
	return parse_authority(s, len, t, true, e) < 0 ? -1 : 0;
}

bool
target_is_loopback(const struct target *t)
{
	struct in_addr  a4;
	struct in6_addr a6;

	if (t->host[0] == '\0' || strcasecmp(t->host, "localhost") == 0 ||
	    strcasecmp(t->host, "localhost.") == 0)
		return true;
	if (t->host_family == AF_INET && inet_pton(AF_INET, t->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (t->host_family == AF_INET6 &&
	    inet_pton(AF_INET6, t->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}
