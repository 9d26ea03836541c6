/* term.c - colours and writing buffers out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "out/escape.h"
#include "out/term.h"

const char *
sgr(const struct out_opts *o, const char *code)
{
	static char seq[4][16];
	static int  next;
	char       *s;

	if (!o->color)
		return "";
	s = seq[next++ & 3];
	snprintf(s, sizeof seq[0], "\033[%sm", code);
	return s;
}

const char *
sgr_reset(const struct out_opts *o)
{
	return o->color ? "\033[0m" : "";
}

static int
write_all(int fd, struct buf *b)
{
	size_t off = 0;

	if (b->oom) {
		/* half a table or half a JSON document is worse than none */
		static const char msg[] = "door: out of memory: output "
		    "incomplete, not printed\n";

		if (write(2, msg, sizeof msg - 1) < 0)
			return -1;
		return -1;
	}

	while (off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(b);
	return 0;
}

int out_flush(struct buf *b) { return write_all(1, b); }
int err_flush(struct buf *b) { return write_all(2, b); }

void
out_error(const char *msg)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "door: ");
	esc_term(&b, msg, strlen(msg));
	buf_addc(&b, '\n');
	err_flush(&b);
	buf_free(&b);
}

void
out_note(const struct out_opts *o, const char *fmt, ...)
{
	struct buf b;
	va_list    ap;
	char       line[1024];

	if (o->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	buf_init(&b);
	esc_term(&b, line, strlen(line));
	buf_addc(&b, '\n');
	err_flush(&b);
	buf_free(&b);
}
