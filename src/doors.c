/* doors.c - shared by ls and who: options, filtering, ordering. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/endpoint.h"
#include "core/num.h"
#include "core/target.h"
#include "doors.h"

int
doors_add_range(struct door_filter *f, struct sock_query *q, uint16_t lo,
    uint16_t hi, struct door_err *e)
{
	if (f->nranges == DOORS_RANGES_MAX)
		return err_set(e, DOOR_USAGE, "at most %d ports or ranges",
		    DOORS_RANGES_MAX);
	f->lo[f->nranges] = lo;
	f->hi[f->nranges] = hi;
	f->nranges++;
	/* the kernel is asked for the envelope; gaps are dropped here */
	if (f->nranges == 1 || lo < q->port_lo)
		q->port_lo = lo;
	if (f->nranges == 1 || hi > q->port_hi)
		q->port_hi = hi;
	return 0;
}

int
doors_filter_words(struct door_filter *f, struct sock_query *q, int argc,
    char **argv, struct door_err *e)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		uint16_t    lo, hi;

		if (arg[0] == ':')
			arg++;
		if (port_range_parse(arg, strlen(arg), &lo, &hi, e) != 0 ||
		    doors_add_range(f, q, lo, hi, e) != 0)
			return -1;
	}
	return 0;
}

static int
parse_user(const char *s, uint32_t *uid, struct door_err *e)
{
	struct passwd pw, *res = NULL;
	char          tmp[4096];
	uint64_t      v;

	if (num_parse(s, 0, UINT32_MAX - 1, &v) == 0) {
		*uid = (uint32_t)v;
		return 0;
	}
	if (getpwnam_r(s, &pw, tmp, sizeof tmp, &res) != 0 || res == NULL)
		return err_set(e, DOOR_USAGE, "no user named '%.64s'", s);
	*uid = res->pw_uid;
	return 0;
}

int
doors_options(const struct cmd_args *a, struct sock_query *q,
    struct door_filter *f, struct door_err *e)
{
	const char *v;
	uint64_t    n;

	memset(q, 0, sizeof *q);
	memset(f, 0, sizeof *f);
	q->tcp = cmd_flag(a, "tcp") || !cmd_flag(a, "udp");
	q->udp = cmd_flag(a, "udp") || !cmd_flag(a, "tcp");
	q->v4 = cmd_flag(a, "4") || !cmd_flag(a, "6");
	q->v6 = cmd_flag(a, "6") || !cmd_flag(a, "4");
	q->listening_only = !cmd_flag(a, "all");
	q->owners = cmd_flag(a, "no-owners") ? OWNER_SKIP :
	    cmd_flag(a, "thorough") ? OWNER_THOROUGH : OWNER_NARROW;
	q->source = SOURCE_AUTO;
	if ((v = cmd_value(a, "user")) != NULL) {
		if (parse_user(v, &f->uid, e) != 0)
			return -1;
		f->by_uid = true;
	}
	if ((v = cmd_value(a, "pid")) != NULL) {
		if (num_parse(v, 1, INT32_MAX, &n) != 0)
			return err_set(e, DOOR_USAGE, "--pid needs a process "
			    "id (a number from 1), not '%.32s'", v);
		f->pid = (pid_t)n;
		q->only_pid = (pid_t)n;
	}
	if ((v = cmd_value(a, "name")) != NULL) {
		if (*v == '\0')
			return err_set(e, DOOR_USAGE, "--name needs a name");
		f->name = v;
		q->facts |= PROC_HAVE_CMDLINE;
	}
	if (q->owners == OWNER_SKIP && (f->pid || f->name))
		return err_set(e, DOOR_USAGE, "--pid and --name need owners: "
		    "drop --no-owners");
	return 0;
}

bool
doors_is_listening(const struct sock *k)
{
	return k->state == SK_LISTEN ||
	    (k->proto == PROTO_UDP && k->state == SK_CLOSE);
}

static bool
port_wanted(const struct door_filter *f, uint16_t port)
{
	if (f->nranges == 0)
		return true;
	for (size_t i = 0; i < f->nranges; i++)
		if (port >= f->lo[i] && port <= f->hi[i])
			return true;
	return false;
}

/* Reachable at f->at: bound to that very address, or to the wildcard of
 * its family (a dual-stack :: also takes IPv4). */
static bool
addr_wanted(const struct door_filter *f, const struct sock *k)
{
	const struct endpoint *l = &k->local;

	if (f->at_any_loopback)
		return endpoint_is_any(l) || endpoint_is_loopback(l);
	if (f->at.family == 0)
		return true;
	if (l->family == f->at.family)
		return endpoint_is_any(l) || memcmp(l->addr, f->at.addr,
		    l->family == AF_INET ? 4 : 16) == 0;
	return f->at.family == AF_INET && l->family == AF_INET6 &&
	    endpoint_is_any(l) && k->v6only == 0;
}

static const char *
argv0_base(const struct proc *p)
{
	const char *slash;

	if (!(p->have & PROC_HAVE_CMDLINE) || p->cmdline_len == 0)
		return "";
	slash = strrchr(p->cmdline, '/');   /* argv[0] ends at the first NUL */
	return slash ? slash + 1 : p->cmdline;
}

static bool
entry_wanted(const struct door_filter *f, const struct snap *s,
    const struct sock *k, size_t proc)
{
	const struct proc *p = proc == SIZE_MAX ? NULL : &s->procs[proc];

	if (f->pid && (p == NULL || p->pid != f->pid))
		return false;
	if (f->name && (p == NULL || (strcmp(p->name, f->name) != 0 &&
	    strcmp(argv0_base(p), f->name) != 0)))
		return false;
	if (f->by_uid) {
		uint32_t uid = p && (p->have & PROC_HAVE_UID) ? p->uid : k->uid;

		if (uid != f->uid)
			return false;
	}
	return true;
}

/* qsort_r's context, not a global: door ui sorts in several threads. */
static int
entry_cmp(const void *x, const void *y, void *ctx)
{
	const struct snap  *sort_snap = ctx;
	const struct entry *a = x, *b = y;
	const struct sock  *ka = &sort_snap->socks[a->sock];
	const struct sock  *kb = &sort_snap->socks[b->sock];
	pid_t               pa, pb;
	int                 c;

	if (ka->local.port != kb->local.port)
		return ka->local.port < kb->local.port ? -1 : 1;
	if (ka->proto != kb->proto)
		return ka->proto == PROTO_TCP ? -1 : 1;
	if (doors_is_listening(ka) != doors_is_listening(kb))
		return doors_is_listening(ka) ? -1 : 1;
	pa = a->proc == SIZE_MAX ? -1 : sort_snap->procs[a->proc].pid;
	pb = b->proc == SIZE_MAX ? -1 : sort_snap->procs[b->proc].pid;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (a->proc == SIZE_MAX && ka->uid != kb->uid)
		return ka->uid < kb->uid ? -1 : 1;
	c = endpoint_cmp(&ka->local, &kb->local);
	if (c != 0)
		return c;
	c = endpoint_cmp(&ka->remote, &kb->remote);
	if (c != 0)
		return c;
	return (a->sock > b->sock) - (a->sock < b->sock);
}

bool
doors_sock_wanted(const struct door_filter *f, const struct snap *s,
    size_t i)
{
	const struct sock *k = &s->socks[i];

	if (f == NULL)
		return true;
	if (!port_wanted(f, k->local.port) || !addr_wanted(f, k))
		return false;
	if (k->owner_count == 0)
		return entry_wanted(f, s, k, SIZE_MAX);
	for (size_t o = 0; o < k->owner_count; o++)
		if (entry_wanted(f, s, k, s->owners[k->owner_first + o].proc))
			return true;
	return false;
}

int
doors_entries(const struct snap *s, const struct door_filter *f,
    struct entry **out, size_t *n, struct door_err *e)
{
	size_t        cap = s->nsocks + s->nowners + 1, cnt = 0;
	struct entry *v = malloc(cap * sizeof *v);

	if (v == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	for (size_t i = 0; i < s->nsocks; i++) {
		const struct sock *k = &s->socks[i];
		size_t             last = SIZE_MAX;

		if (!port_wanted(f, k->local.port) || !addr_wanted(f, k))
			continue;
		if (k->owner_count == 0) {
			if (entry_wanted(f, s, k, SIZE_MAX))
				v[cnt++] = (struct entry){ i, SIZE_MAX };
			continue;
		}
		for (size_t o = 0; o < k->owner_count; o++) {
			size_t proc = s->owners[k->owner_first + o].proc;

			/* one process with the socket at two fds: one entry */
			if (proc == last)
				continue;
			last = proc;
			if (entry_wanted(f, s, k, proc))
				v[cnt++] = (struct entry){ i, proc };
		}
	}
	qsort_r(v, cnt, sizeof *v, entry_cmp, (void *)s);
	*out = v;
	*n = cnt;
	return 0;
}

size_t
doors_socks(const struct snap *s, const struct entry *v, size_t n,
    size_t *out)
{
	size_t cnt = 0;
	char  *seen = calloc(s->nsocks ? s->nsocks : 1, 1);

	if (seen == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (seen[v[i].sock])
			continue;
		seen[v[i].sock] = 1;
		out[cnt++] = v[i].sock;
	}
	free(seen);
	return cnt;
}

void
doors_user(const struct out_opts *o, uint32_t uid, char *buf, size_t size)
{
	if (o->numeric)
		snprintf(buf, size, "%u", uid);
	else
		platform_user_name(uid, buf, size);
}

void
doors_partial_note(const struct out_opts *o, const struct snap *s,
    const char *rerun)
{
	size_t hidden = 0, none = 0;

	for (size_t i = 0; i < s->nsocks; i++) {
		if (s->socks[i].owners == OWNERS_HIDDEN ||
		    s->socks[i].more_hidden)
			hidden++;
		else if (s->socks[i].owners == OWNERS_NONE &&
		    s->socks[i].inode != 0)
			none++;
	}
	if (s->partial & SNAP_PARTIAL_FALLBACK)
		out_note(o, "note: netlink unavailable (%s); read /proc/net "
		    "instead", s->fallback_why);
	if (hidden > 0 && !platform_privileged())
		out_note(o, "note: the owners of %zu socket%s are hidden: "
		    "other users' processes cannot be read; run 'sudo %s' to "
		    "see them", hidden, hidden == 1 ? "" : "s", rerun);
	else if (hidden > 0)
		out_note(o, "note: the owners of %zu socket%s are hidden: %d "
		    "process%s could not be read even as root (another pid "
		    "namespace or a ptrace policy)", hidden, hidden == 1 ?
		    "" : "s", s->denied_pids, s->denied_pids == 1 ? "" : "es");
	if (none > 0)
		out_note(o, "note: %zu socket%s held by no visible process "
		    "(the kernel's own, or a process in another pid "
		    "namespace)", none, none == 1 ? " is" : "s are");
}

bool
doors_port_addr_wanted(const struct door_filter *f, const struct sock *k)
{
	return port_wanted(f, k->local.port) && addr_wanted(f, k);
}

int
doors_gather(const struct sock_query *q, const struct door_filter *f,
    struct snap *s, struct entry **v, size_t *n)
{
	return doors_gather_cb(q, f, NULL, NULL, s, v, n);
}

int
doors_gather_cb(const struct sock_query *q, const struct door_filter *f,
    void (*sockets_in)(const struct snap *, void *), void *ctx,
    struct snap *s, struct entry **v, size_t *n)
{
	struct door_err e;

	err_clear(&e);
	snap_init(s);
	*v = NULL;
	*n = 0;
	if (platform_snapshot_cb(q, s, sockets_in, ctx, &e) != 0) {
		out_error(e.msg);
		snap_free(s);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	if (doors_entries(s, f, v, n, &e) != 0) {
		out_error(e.msg);
		snap_free(s);
		return DOOR_SYSTEM;
	}
	return DOOR_OK;
}
