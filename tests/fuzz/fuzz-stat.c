/* fuzz-stat.c - the /proc/PID parsers of parse.h (stat, status Uid line,
 * socket link, cgroup line, mountinfo, pid list) on arbitrary bytes, with
 * output buffers of varying size guarded by canaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/linux/parse.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count_pid(pid_t pid, void *arg)
{
	if (pid < 1)
		abort();
	++*(size_t *)arg;
}

/* out[0..size) for the parser, then canary bytes that must survive. */
static void
bounded(int (*fn)(const char *, size_t, char *, size_t), const char *buf,
    size_t len, size_t size)
{
	char out[300];

	memset(out, 0xa5, sizeof out);
	if (fn(buf, len, out, size) == 0 &&
	    (size == 0 || strnlen(out, size) == size))
		abort();   /* success needs a terminated string */
	for (size_t i = size; i < sizeof out; i++)
		if ((unsigned char)out[i] != 0xa5)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char             *buf = malloc(size ? size : 1);   /* exact size */
	struct stat_facts st;
	uint32_t          r, e;
	uint64_t          ino;
	size_t            n = 0, osize;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	if (stat_parse(buf, size, &st) == 0 && (st.pid < 1 || st.ppid < 0))
		abort();
	if (memchr(st.name, '\0', sizeof st.name) == NULL)
		abort();
	(void)status_uid_parse(buf, size, &r, &e);
	if (socket_link_parse(buf, size, &ino) == 0 && ino == 0)
		abort();
	osize = size ? (unsigned char)data[0] % 257 : 0;
	bounded(cgroup_line_parse, buf, size, osize);
	bounded(cgroup_line_parse, buf, size, 256);
	bounded(mountinfo_cgroup2, buf, size, osize);
	bounded(mountinfo_cgroup2, buf, size, 256);
	(void)pidlist_parse(buf, size, count_pid, &n);
	free(buf);
	return 0;
}
