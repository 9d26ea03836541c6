/* buf.h - a growable byte buffer: output is built here, then written once. */
#ifndef DOOR_CORE_BUF_H
#define DOOR_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char   *p;
	size_t  len, cap;
	bool    oom;       /* an allocation failed: contents are incomplete */
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_add(struct buf *, const void *, size_t);
void	buf_addc(struct buf *, char);
void	buf_adds(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Always NUL-terminated (unless oom). */
const char	*buf_str(struct buf *);
void	buf_reset(struct buf *);

#endif
