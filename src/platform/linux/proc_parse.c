/* proc_parse.c - /proc/PID files, readlink targets, cgroup and mount lists.
 * Pure: every function reads only the bytes it is given. */
#include <string.h>

#include "core/num.h"
#include "platform/linux/parse.h"

int
stat_parse(const char *buf, size_t len, struct stat_facts *out)
{
	const char *open, *close, *p, *end = buf + len;
	uint64_t    v;
	size_t      nlen;
	int         field;

	memset(out, 0, sizeof *out);
	open = memchr(buf, '(', len);
	if (open == NULL)
		return -1;
	/* the LAST ')': names like "a) (b" must not end the name early */
	for (close = end - 1; close > open && *close != ')'; close--)
		;
	if (close <= open)
		return -1;
	if (num_parse_u64(buf, (size_t)(open - buf) - (open > buf &&
	    open[-1] == ' ' ? 1 : 0), 1, INT32_MAX, &v) != 0)
		return -1;
	out->pid = (pid_t)v;
	nlen = (size_t)(close - open - 1);
	if (nlen >= sizeof out->name)
		nlen = sizeof out->name - 1;
	memcpy(out->name, open + 1, nlen);
	out->name[nlen] = '\0';
	/* fields after the name, numbered as in proc(5): 3 = state */
	p = close + 1;
	for (field = 3; field <= 22; field++) {
		const char *f;
		size_t      flen;

		if (p >= end || *p != ' ')
			return -1;
		p++;
		f = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		flen = (size_t)(p - f);
		if (flen == 0)
			return -1;
		if (field == 3) {
			if (flen != 1)
				return -1;
			out->state = f[0];
		} else if (field == 4) {
			if (num_parse_u64(f, flen, 0, INT32_MAX, &v) != 0)
				return -1;
			out->ppid = (pid_t)v;
		} else if (field == 6) {
			if (num_parse_u64(f, flen, 0, INT32_MAX, &v) != 0)
				return -1;
			out->session = (pid_t)v;
		} else if (field == 9) {
			if (num_parse_u64(f, flen, 0, UINT64_MAX, &v) != 0)
				return -1;
			out->flags = v;
		} else if (field == 22) {
			if (num_parse_u64(f, flen, 0, UINT64_MAX, &v) != 0)
				return -1;
			out->start_ticks = v;
		}
	}
	return 0;
}

int
status_uid_parse(const char *buf, size_t len, uint32_t *ruid, uint32_t *euid)
{
	size_t off = 0;

	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t      llen = nl ? (size_t)(nl - line) : len - off;

		off += llen + 1;
		if (llen > 4 && memcmp(line, "Uid:", 4) == 0) {
			const char *p = line + 4, *e = line + llen;
			uint64_t    ids[2];
			int         i;

			for (i = 0; i < 2; i++) {
				const char *s;

				while (p < e && (*p == '\t' || *p == ' '))
					p++;
				s = p;
				while (p < e && *p >= '0' && *p <= '9')
					p++;
				if (num_parse_u64(s, (size_t)(p - s), 0,
				    UINT32_MAX, &ids[i]) != 0)
					return -1;
			}
			*ruid = (uint32_t)ids[0];
			*euid = (uint32_t)ids[1];
			return 0;
		}
	}
	return -1;
}

int
socket_link_parse(const char *buf, size_t len, uint64_t *inode)
{
	if (len < 10 || memcmp(buf, "socket:[", 8) != 0 || buf[len - 1] != ']')
		return -1;
	return num_parse_u64(buf + 8, len - 9, 1, UINT64_MAX, inode);
}

int
cgroup_line_parse(const char *buf, size_t len, char *out, size_t size)
{
	size_t off = 0;

	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t      llen = nl ? (size_t)(nl - line) : len - off;

		off += llen + 1;
		if (llen >= 3 && memcmp(line, "0::", 3) == 0) {
			if (llen - 3 >= size || llen == 3)
				return -1;
			memcpy(out, line + 3, llen - 3);
			out[llen - 3] = '\0';
			return 0;
		}
	}
	return -1;
}

/*
 * mountinfo: "36 35 98:0 /root /mnt rw,noatime master:1 - cgroup2 none rw"
 * field 5 is the mount point (octal-escaped), the fs type follows " - ".
 */
int
mountinfo_cgroup2(const char *buf, size_t len, char *out, size_t size)
{
	size_t off = 0;

	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t      llen = nl ? (size_t)(nl - line) : len - off;
		const char *sep, *p, *e = line + llen, *mp = NULL;
		size_t      o = 0;
		int         field;

		off += llen + 1;
		sep = NULL;
		for (p = line; p + 3 <= e; p++)
			if (memcmp(p, " - ", 3) == 0) {
				sep = p;
				break;
			}
		if (sep == NULL || (size_t)(e - sep) < 11 ||
		    memcmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		p = line;
		for (field = 1; field < 5 && p < sep; field++) {
			p = memchr(p, ' ', (size_t)(sep - p));
			if (p == NULL)
				break;
			p++;
		}
		if (p == NULL || field != 5 || p >= sep)
			continue;
		mp = p;
		/* decode \040-style escapes while copying */
		while (mp < sep && *mp != ' ') {
			char c = *mp;

			if (c == '\\' && sep - mp >= 4 &&
			    mp[1] >= '0' && mp[1] <= '3' &&
			    mp[2] >= '0' && mp[2] <= '7' &&
			    mp[3] >= '0' && mp[3] <= '7') {
				c = (char)((mp[1] - '0') * 64 +
				    (mp[2] - '0') * 8 + (mp[3] - '0'));
				mp += 4;
			} else
				mp++;
			if (o + 1 >= size)
				return -1;
			out[o++] = c;
		}
		if (o == 0)
			continue;
		out[o] = '\0';
		return 0;
	}
	return -1;
}

int
pidlist_parse(const char *buf, size_t len, void (*cb)(pid_t, void *),
    void *arg)
{
	size_t off = 0;

	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t      llen = nl ? (size_t)(nl - line) : len - off;
		uint64_t    v;

		off += llen + 1;
		if (llen == 0)
			continue;
		if (num_parse_u64(line, llen, 1, INT32_MAX, &v) != 0)
			return -1;
		cb((pid_t)v, arg);
	}
	return 0;
}
