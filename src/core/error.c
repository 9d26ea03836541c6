/* error.c - filling in struct door_err. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

void
err_clear(struct door_err *e)
{
	e->status = DOOR_OK;
	e->sys_errno = 0;
	e->msg[0] = '\0';
}

int
err_set(struct door_err *e, enum door_status st, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->status = st;
	e->sys_errno = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_sys(struct door_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t  len;

	if (e == NULL)
		return -1;
	e->status = (errnum == EACCES || errnum == EPERM) ? DOOR_DENIED :
	    DOOR_SYSTEM;
	e->sys_errno = errnum;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	if (len < sizeof e->msg)
		snprintf(e->msg + len, sizeof e->msg - len, ": %s",
		    strerror(errnum));
	return -1;
}
