/* greeting.c - what a server says before it is asked: SSH, SMTP, FTP,
 * POP3, IMAP banners. Pure. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "probe/parse.h"

#define GREETING_LINE_MAX	1024

static void
set(struct probe_id *id, const char *service, const char *product)
{
	probe_id_clear(id);
	strcpy(id->service, service);
	strcpy(id->product, product);
}

/* "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3": software is what comes after
 * the second '-' up to a space; its '_' splits product and version
 * (RFC 4253, 4.2: the software field has no spaces). */
static int
ssh(const char *line, size_t l, struct probe_id *id)
{
	const char *sw;
	size_t      i = 4, swlen, u;

	while (i < l && line[i] != '-')
		i++;
	if (i >= l)
		return PV_NO;
	sw = line + i + 1;
	for (swlen = 0; i + 1 + swlen < l && sw[swlen] != ' '; swlen++)
		;
	set(id, "ssh", "");
	for (u = 0; u < swlen && sw[u] != '_'; u++)
		;
	probe_copy(id->product, sizeof id->product, sw, u);
	if (u < swlen)
		probe_copy(id->version, sizeof id->version, sw + u + 1,
		    swlen - u - 1);
	if (i + 1 + swlen < l)
		probe_copy(id->detail, sizeof id->detail, sw + swlen + 1,
		    l - (i + 1 + swlen) - 1);
	return PV_YES;
}

/* Products that name themselves in a 220 or +OK line, and the word after
 * which their version follows when they give one. */
static const struct {
	const char *token, *service, *product;
} known_banners[] = {
	{ "vsFTPd ", "ftp", "vsFTPd" },
	{ "ProFTPD ", "ftp", "ProFTPD" },
	{ "Pure-FTPd", "ftp", "Pure-FTPd" },
	{ "FileZilla Server ", "ftp", "FileZilla Server" },
	{ "ESMTP Postfix", "smtp", "Postfix" },
	{ "Exim ", "smtp", "Exim" },
	{ "Sendmail ", "smtp", "Sendmail" },
	{ "OpenSMTPD", "smtp", "OpenSMTPD" },
	{ "Dovecot", "", "Dovecot" },
	{ "Cyrus", "", "Cyrus" },
};

/* The version right after a product token: digits and dots. */
static void
version_after(const char *line, size_t l, size_t at, struct probe_id *id)
{
	size_t e = at;

	while (at < l && line[at] == ' ')
		at++;
	e = at;
	while (e < l && ((line[e] >= '0' && line[e] <= '9') || line[e] == '.' ||
	    (e > at && line[e] >= 'a' && line[e] <= 'z')))
		e++;
	if (e > at && line[at] >= '0' && line[at] <= '9')
		probe_copy(id->version, sizeof id->version, line + at, e - at);
}

static int
text(const char *line, size_t l, const char *service, struct probe_id *id)
{
	set(id, service, "");
	for (size_t k = 0; k < sizeof known_banners / sizeof known_banners[0];
	    k++) {
		size_t at = probe_find(line, l, known_banners[k].token);

		if (at == SIZE_MAX)
			continue;
		if (known_banners[k].service[0] != '\0')
			strcpy(id->service, known_banners[k].service);
		strcpy(id->product, known_banners[k].product);
		version_after(line, l, at + strlen(known_banners[k].token), id);
		break;
	}
	probe_copy(id->detail, sizeof id->detail, line, l);
	return PV_YES;
}

/* True when b[0..n) is the first line (l bytes before its CR LF or LF)
 * and nothing after it. */
static bool
only_line(const char *b, size_t n, size_t l)
{
	size_t end = l;

	if (end < n && b[end] == '\r')
		end++;
	return end < n && b[end] == '\n' && end + 1 == n;
}

/* line[0..n) is the start of a line a banner could be. */
static bool
starts_banner(const char *line, size_t n)
{
	static const char *const starts[] = { "SSH-", "220", "+OK", "* OK" };

	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		size_t l = strlen(starts[i]);

		if (memcmp(line, starts[i], n < l ? n : l) == 0)
			return true;
	}
	return false;
}

int
probe_greeting_parse(const char *b, size_t n, uint16_t port_hint,
    struct probe_id *id)
{
	size_t start = 0;

	/* SSH lets a server send other lines before its identification */
	for (int lines = 0; lines < 16; lines++) {
		const char *line = b + start;
		size_t      l = 0, rest = n - start;

		while (l < rest && line[l] != '\n')
			l++;
		if (l == rest) {
			/* the line is not finished: decide early on a
			 * prefix that cannot be any banner */
			if (rest > GREETING_LINE_MAX)
				return PV_NO;
			/* a banner's start waits for its end; SSH allows
			 * any text lines first: only bytes that are not
			 * text rule a banner out early */
			if (starts_banner(line, rest))
				return PV_MORE;
			for (size_t i = 0; i < rest; i++)
				if ((unsigned char)line[i] < 0x20 &&
				    line[i] != '\t' && line[i] != '\r')
					return PV_NO;
			return PV_MORE;
		}
		if (l > 0 && line[l - 1] == '\r')
			l--;
		if (l >= 8 && memcmp(line, "SSH-", 4) == 0)
			return ssh(line, l, id);
		if (lines == 0 && l >= 3 && memcmp(line, "220", 3) == 0 &&
		    (l == 3 || line[3] == ' ' || line[3] == '-')) {
			const char *svc = port_hint == 21 ? "ftp" :
			    port_hint == 25 || port_hint == 465 ||
			    port_hint == 587 ? "smtp" : "smtp or ftp";

			if (probe_find(line, l, "FTP") != SIZE_MAX)
				svc = "ftp";
			else if (probe_find(line, l, "SMTP") != SIZE_MAX)
				svc = "smtp";
			return text(line, l, svc, id);
		}
		/* POP3 and IMAP greet with one line of text after the OK
		 * (RFC 1939 4, RFC 9051 7.1.1) and then wait for a command:
		 * a bare "+OK" or more lines behind it is something else
		 * (RESP, for one, also starts with "+OK") */
		if (lines == 0 && l >= 3 && memcmp(line, "+OK", 3) == 0)
			return l > 4 && line[3] == ' ' && only_line(b, n, l) ?
			    text(line, l, "pop3", id) : PV_NO;
		if (lines == 0 && l >= 4 && memcmp(line, "* OK", 4) == 0)
			return l > 5 && line[4] == ' ' && only_line(b, n, l) ?
			    text(line, l, "imap", id) : PV_NO;
		/* only SSH may send lines first, and only text ones */
		if (lines == 0 && (l < 1 || (unsigned char)line[0] < 0x20))
			return PV_NO;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)line[i] < 0x20 &&
			    line[i] != '\t')
				return PV_NO;
		start += l + (line[l] == '\r' ? 2 : 1);
		if (start >= n)
			return PV_MORE;
	}
	return PV_NO;
}
