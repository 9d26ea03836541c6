/* tls.c - a TLS ClientHello, and what a TLS server answers: a ServerHello
 * (or HelloRetryRequest) naming the version, or an alert. Pure. */
#include <stdint.h>
#include <string.h>

#include "probe/parse.h"

#define TLS_RECORD_MAX	(16384 + 2048)

/* SHA-256("HelloRetryRequest"): a ServerHello with this random asks for
 * another key share (RFC 8446, 4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
	0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

struct wr {
	uint8_t *p;
	size_t   size, len;
	bool     over;
};

static void
put(struct wr *w, const void *src, size_t n)
{
	if (w->over || w->size - w->len < n) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
put8(struct wr *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void
put16(struct wr *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

/* Fills in a 16-bit (or, with three, 24-bit) length at `at`. */
static void
patch(struct wr *w, size_t at, int bytes)
{
	size_t n = w->len - at - (size_t)bytes;

	if (w->over)
		return;
	if (bytes == 3)
		w->p[at++] = (uint8_t)(n >> 16);
	w->p[at] = (uint8_t)(n >> 8);
	w->p[at + 1] = (uint8_t)n;
}

/* A host name for SNI: letters, digits, '-' and '.', not an address. */
static bool
sni_ok(const char *s, size_t n)
{
	bool alpha = false;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (!(c >= '0' && c <= '9') && c != '-' && c != '.')
			return false;
	}
	return alpha;
}

int
probe_tls_hello(uint8_t *buf, size_t size, const char *sni)
{
	static const uint16_t suites[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
		0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
	};
	static const uint16_t sigalgs[] = {
		0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
		0x0601, 0x0201,
	};
	/* the random need not be secret: nothing is ever encrypted */
	static const uint8_t random[32] = "door probe: who is behind this?";
	struct wr w = { buf, size, 0, false };
	size_t    rec, hs, ext, x, sl = 0;

	while (sni != NULL && sni[sl] != '\0' && sni[sl] != ':')
		sl++;
	put8(&w, 0x16);              /* handshake record, TLS 1.0 framing */
	put16(&w, 0x0301);
	rec = w.len;
	put16(&w, 0);
	put8(&w, 0x01);              /* ClientHello */
	hs = w.len;
	put8(&w, 0);
	put16(&w, 0);
	put16(&w, 0x0303);
	put(&w, random, sizeof random);
	put8(&w, 0);                 /* no session id */
	put16(&w, sizeof suites);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		put16(&w, suites[i]);
	put8(&w, 1);                 /* compression: null only */
	put8(&w, 0);
	ext = w.len;
	put16(&w, 0);
	if (sni != NULL && sni_ok(sni, sl)) {
		put16(&w, 0x0000);
		put16(&w, (unsigned)sl + 5);
		put16(&w, (unsigned)sl + 3);
		put8(&w, 0);
		put16(&w, (unsigned)sl);
		put(&w, sni, sl);
	}
	put16(&w, 0x000a);           /* supported_groups: x25519, P-256, P-384 */
	put16(&w, 8);
	put16(&w, 6);
	put16(&w, 0x001d);
	put16(&w, 0x0017);
	put16(&w, 0x0018);
	put16(&w, 0x000b);           /* ec_point_formats: uncompressed */
	put16(&w, 2);
	put8(&w, 1);
	put8(&w, 0);
	put16(&w, 0x000d);           /* signature_algorithms */
	put16(&w, sizeof sigalgs + 2);
	put16(&w, sizeof sigalgs);
	for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
		put16(&w, sigalgs[i]);
	put16(&w, 0x002b);           /* supported_versions: 1.3 to 1.0 */
	put16(&w, 9);
	put8(&w, 8);
	put16(&w, 0x0304);
	put16(&w, 0x0303);
	put16(&w, 0x0302);
	put16(&w, 0x0301);
	put16(&w, 0x002d);           /* psk_key_exchange_modes: psk_dhe_ke */
	put16(&w, 2);
	put8(&w, 1);
	put8(&w, 1);
	put16(&w, 0x0033);           /* key_share: none (asks for an HRR) */
	x = w.len;
	put16(&w, 0);
	put16(&w, 0);
	patch(&w, x, 2);
	patch(&w, ext, 2);
	patch(&w, hs, 3);
	patch(&w, rec, 2);
	return w.over ? -1 : (int)w.len;
}

static void
version_name(unsigned v, char *out, size_t size)
{
	const char *s;

	switch (v) {
	case 0x0300: s = "SSL 3.0"; break;
	case 0x0301: s = "1.0"; break;
	case 0x0302: s = "1.1"; break;
	case 0x0303: s = "1.2"; break;
	case 0x0304: s = "1.3"; break;
	default:     s = "?"; break;
	}
	probe_copy(out, size, s, strlen(s));
}

static const char *
alert_name(unsigned d)
{
	switch (d) {
	case 10:  return "alert: unexpected_message";
	case 40:  return "alert: handshake_failure";
	case 42:  return "alert: bad_certificate";
	case 47:  return "alert: illegal_parameter";
	case 50:  return "alert: decode_error";
	case 70:  return "alert: protocol_version";
	case 71:  return "alert: insufficient_security";
	case 80:  return "alert: internal_error";
	case 109: return "alert: missing_extension";
	case 112: return "alert: unrecognized_name";
	case 116: return "alert: certificate_required";
	case 120: return "alert: no_application_protocol";
	default:  return "alert";
	}
}

static void
tls(struct probe_id *id)
{
	probe_id_clear(id);
	strcpy(id->service, "tls");
	strcpy(id->product, "TLS");
}

/* The ServerHello body h[0..n): RFC 8446, 4.1.3. */
static int
server_hello(const uint8_t *h, size_t n, struct probe_id *id)
{
	unsigned ver;
	size_t   i, elen;

	if (n < 38)
		return PV_NO;
	ver = (unsigned)h[0] << 8 | h[1];
	if (h[0] != 3)
		return PV_NO;
	i = 34;
	if (h[i] > 32 || n < i + 1 + h[i] + 3)
		return PV_NO;
	i += 1 + h[i] + 2 + 1;   /* session id, cipher suite, compression */
	tls(id);
	if (memcmp(h + 2, hrr_random, 32) == 0)
		strcpy(id->detail, "asked for a key share (HelloRetryRequest)");
	if (n >= i + 2) {
		elen = (size_t)h[i] << 8 | h[i + 1];
		i += 2;
		if (elen > n - i)
			elen = n - i;
		for (size_t e = i; e + 4 <= i + elen;) {
			unsigned type = (unsigned)h[e] << 8 | h[e + 1];
			size_t   l = (size_t)h[e + 2] << 8 | h[e + 3];

			if (l > i + elen - e - 4)
				break;
			if (type == 0x002b && l == 2)
				ver = (unsigned)h[e + 4] << 8 | h[e + 5];
			e += 4 + l;
		}
	}
	version_name(ver, id->version, sizeof id->version);
	return PV_YES;
}

int
probe_tls_parse(const uint8_t *b, size_t n, struct probe_id *id)
{
	size_t rlen;

	if (n >= 1 && b[0] != 0x16 && b[0] != 0x15)
		return PV_NO;
	if (n >= 2 && b[1] != 3)
		return PV_NO;
	if (n >= 3 && b[2] > 4)
		return PV_NO;
	if (n < 5)
		return PV_MORE;
	rlen = (size_t)b[3] << 8 | b[4];
	if (rlen == 0 || rlen > TLS_RECORD_MAX)
		return PV_NO;
	if (b[0] == 0x15) {
		if (rlen != 2)
			return PV_NO;   /* a plaintext alert is two bytes */
		if (n < 7)
			return PV_MORE;
		if (b[5] != 1 && b[5] != 2)
			return PV_NO;
		tls(id);
		strcpy(id->detail, alert_name(b[6]));
		return PV_YES;
	}
	/* the handshake header, then the ServerHello: its first 40 bytes
	 * are enough, the rest may be cut by the record size */
	if (n < 9)
		return PV_MORE;
	if (b[5] != 0x02)
		return PV_NO;
	{
		size_t hlen = (size_t)b[6] << 16 | (size_t)b[7] << 8 | b[8];
		size_t have = n - 9;

		if (rlen < 4 || hlen < 38 || hlen > rlen - 4)
			return PV_NO;
		if (have < hlen)
			return PV_MORE;
		return server_hello(b + 9, hlen, id);
	}
}
