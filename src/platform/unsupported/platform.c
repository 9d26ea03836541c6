/* platform.c - the stub platform: every function of platform.h, answering
 * "not supported". Built in CI so the interface cannot drift (rule 4). */
#include <stdio.h>
#include <time.h>

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
platform_snapshot_cb(const struct sock_query *q, struct snap *s,
    void (*sockets_in)(const struct snap *, void *), void *ctx,
    struct door_err *e)
{
	(void)sockets_in;
	(void)ctx;
	return platform_snapshot(q, s, e);
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

enum peer_state
platform_peer_state(int fd)
{
	(void)fd;
	return PEER_UNKNOWN;
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

int
platform_port_free(enum proto proto, uint16_t port, unsigned *why,
    struct door_err *e)
{
	(void)proto;
	(void)port;
	*why = 0;
	return err_set(e, DOOR_SYSTEM, "door does not know how to test ports "
	    "on this operating system yet");
}

int
platform_ephemeral_range(uint16_t *lo, uint16_t *hi, struct door_err *e)
{
	(void)lo;
	(void)hi;
	return err_set(e, DOOR_SYSTEM, "door does not know the ephemeral "
	    "port range on this operating system yet");
}

int
platform_random(void *buf, size_t len, struct door_err *e)
{
	(void)buf;
	(void)len;
	return err_set(e, DOOR_SYSTEM, "door has no random source on this "
	    "operating system yet");
}

uint64_t
platform_now_ms(void)
{
	/* standard C: coarse, but enough for reservations */
	return (uint64_t)time(NULL) * 1000;
}

int
platform_reserve_open(struct reserve_file *rf, bool exclusive, size_t max,
    struct buf *data, struct door_err *e)
{
	(void)max;
	(void)data;
	rf->fd = rf->dirfd = -1;
	rf->exclusive = exclusive;
	rf->fixed = 0;
	rf->path[0] = '\0';
	return err_set(e, DOOR_SYSTEM, "door cannot keep reservations on this "
	    "operating system yet");
}

int
platform_reserve_write(struct reserve_file *rf, const void *p, size_t len,
    struct door_err *e)
{
	(void)rf;
	(void)p;
	(void)len;
	return err_set(e, DOOR_SYSTEM, "door cannot keep reservations on this "
	    "operating system yet");
}

void
platform_reserve_close(struct reserve_file *rf)
{
	rf->fd = rf->dirfd = -1;
}

uint64_t
platform_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
platform_proc_open(const struct proc_ident *id, struct proc_handle *h,
    enum proc_verdict *v, struct door_err *e)
{
	(void)id;
	h->pidfd = h->piddir = -1;
	*v = PROC_GONE;
	return err_set(e, DOOR_SYSTEM, "door does not know how to signal "
	    "processes safely on this operating system yet");
}

int
platform_proc_signal(struct proc_handle *h, int sig, struct door_err *e)
{
	(void)h;
	(void)sig;
	return err_set(e, DOOR_SYSTEM, "door does not know how to signal "
	    "processes safely on this operating system yet");
}

int
platform_proc_wait(struct proc_handle *h, uint64_t ms)
{
	(void)h;
	(void)ms;
	return 0;
}

void
platform_proc_close(struct proc_handle *h)
{
	h->pidfd = h->piddir = -1;
}

bool
platform_is_self_or_ancestor(pid_t pid)
{
	(void)pid;
	return true;     /* unknown: the safe answer */
}

void
platform_proc_manager(const struct proc *p, struct manager *m)
{
	(void)p;
	m->kind = MANAGER_NONE;
	m->unit[0] = m->runtime[0] = '\0';
}

void
platform_self_manager(struct manager *m)
{
	m->kind = MANAGER_NONE;
	m->unit[0] = m->runtime[0] = '\0';
}

int
platform_find_owners(const struct sock_query *q, struct snap *s,
    struct door_err *e)
{
	(void)q;
	(void)e;
	for (size_t i = 0; i < s->nsocks; i++)
		s->socks[i].owners = OWNERS_NOT_ASKED;
	return 0;
}

int
platform_pidfd_open(pid_t pid, uint64_t start_ticks, bool *gone)
{
	(void)pid;
	(void)start_ticks;
	*gone = false;
	return -1;
}

int
platform_pidfds_exited(const int *fds, size_t n, bool *exited)
{
	(void)fds;
	for (size_t i = 0; i < n; i++)
		exited[i] = false;
	return 0;
}

bool
platform_proc_alive(pid_t pid, uint64_t start_ticks)
{
	(void)pid;
	(void)start_ticks;
	return true;
}

int
platform_private_file(const char *name, const void *data, size_t len,
    char *path, size_t size, struct door_err *e)
{
	(void)name;
	(void)data;
	(void)len;
	if (size > 0)
		path[0] = '\0';
	return err_set(e, DOOR_SYSTEM, "no private files on this platform");
}

void
platform_private_remove(const char *name)
{
	(void)name;
}
