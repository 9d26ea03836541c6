/* platform.c - the stub platform: every function of platform.h, answering
 * "not supported". Built in CI so the interface cannot drift (rule 4). */
#include <stdio.h>

#include "platform/platform.h"

int
platform_snapshot(const struct sock_query *q, struct snap *s,
    struct door_err *e)
{
	(void)q;
	(void)s;
	return err_set(e, DOOR_SYSTEM, "door does not know how to list "
	    "sockets on this operating system yet");
}

int
platform_user_name(uint32_t uid, char *buf, size_t size)
{
	snprintf(buf, size, "%u", uid);
	return -1;
}

uint64_t
platform_proc_age(const struct proc *p)
{
	(void)p;
	return 0;
}

int64_t
platform_proc_start_epoch(const struct proc *p)
{
	(void)p;
	return 0;
}

bool
platform_is_local_address(int family, const void *addr)
{
	(void)family;
	(void)addr;
	return false;
}

uint32_t
platform_uid(void)
{
	return 0;
}

bool
platform_privileged(void)
{
	return false;
}
