/* cmd-kill.c - door kill TARGET...: free a door, never the wrong process.
 *
 * Steps: find every holder (every family, forked workers too: a thorough
 * owner walk), decide per holder whether door may signal it at all, show
 * the plan on stderr, ask on a terminal, then signal each holder through
 * a verified handle (platform_proc_open: pidfd, start time, socket still
 * held), wait for it on the pidfd, escalate to KILL after the grace, and
 * last check that the door is free (a fresh snapshot and a test bind) and
 * stays free for a short watch, naming whatever starts it again.
 *
 * What door refuses, and why:
 *  - pid 1, door itself, door's ancestors (its shell, its terminal):
 *    always, --force or not;
 *  - a process of another user when door is not root: "not yours" (4);
 *  - a process of a systemd unit or a container other than door's own,
 *    unless --force: killing it fights its manager, which restarts it;
 *    door names the manager's command instead (5);
 *  - a socket whose holder door cannot see: it cannot be verified (4 when
 *    not root, 5 as root).
 *
 * --tree also stops the direct parent of a holder when the parent would
 * start it again: the parent is signalled first, so it cannot respawn the
 * child it is about to lose. Only the direct parent, and never a session
 * leader (a login or terminal shell), pid 1, door's ancestors, another
 * user's process, or a process of a unit/container (its manager's command
 * is named instead). The parent is verified like a holder, except that
 * its start time must be no later than its child's (a recycled pid
 * starts later) and it must still be the child's parent.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/duration.h"
#include "core/endpoint.h"
#include "core/num.h"
#include "core/target.h"
#include "doors.h"
#include "out/escape.h"
#include "out/json.h"

#define GRACE_MS_DEFAULT  5000
#define WATCH_MS_DEFAULT  1000
#define KILL_WAIT_MS      3000    /* after KILL: the kernel's time to reap */
#define WATCH_STEP_MS     50
#define TARGETS_MAX       DOORS_RANGES_MAX
#define FREECHECK_MAX     64      /* test binds for at most this many ports */

static const struct opt_spec kill_opts[] = {
	{ "signal", 's', "SIG", "the first signal (default TERM): TERM, INT, "
	    "HUP, QUIT, KILL, USR1, USR2 or a number" },
	{ "grace", 0, "DUR", "wait this long for an exit before KILL "
	    "(default 5s)" },
	{ "no-escalate", 0, NULL, "never send KILL after the grace" },
	{ "yes", 'y', NULL, "do not ask, even on a terminal" },
	{ "dry-run", 0, NULL, "show the plan, signal nothing" },
	{ "tree", 0, NULL, "also stop the parent that would start it again "
	    "(not a shell session, pid 1, or a unit)" },
	{ "force", 0, NULL, "signal processes of systemd units and "
	    "containers too" },
	{ "watch", 0, "DUR", "after freeing, watch for a respawn this long "
	    "(default 1s; 0 skips)" },
	{ "udp", 'u', NULL, "the UDP door (default TCP)" },
	{ NULL, 0, NULL, NULL },
};

/* What became of one process. */
enum outcome {
	OUT_PLANNED,     /* dry run: would be signalled */
	OUT_EXITED,      /* exited after the first signal */
	OUT_KILLED,      /* ignored it, exited after KILL */
	OUT_RUNNING,     /* still running (--no-escalate, or KILL failed) */
	OUT_GONE,        /* exited before door signalled it */
	OUT_DENIED,      /* not yours */
	OUT_REFUSED,     /* unsafe: door will not */
	OUT_SKIPPED,     /* not asked to (the user said no) */
};

struct victim {
	size_t             proc;       /* into snap.procs; SIZE_MAX: parent */
	struct proc_ident  id;
	char               name[64];
	uint32_t           uid;
	bool               is_parent;  /* --tree */
	pid_t              child;      /* for a parent: the holder */
	struct proc_handle h;
	bool               open;
	enum outcome       out;
	enum proc_verdict  verdict;
	char               why[256];   /* refusal / denial, for people */
	char               cmd[192];   /* the command that does it right */
	uint64_t           sent_ms, exit_ms;
	bool               got_kill;
};

#define RESPAWN_MAX 16

/* A listener that appeared while door watched the freed door. */
struct respawned {
	pid_t             pid, ppid;
	char              name[64], parent_name[64];
	enum manager_kind manager;
	char              unit[128];
	char              stop[192];
};

struct killer {
	struct cmd_args   *a;
	struct target      t[TARGETS_MAX];
	int                nt;
	enum proto         proto;
	int                sig;
	const char        *signame;
	uint64_t           grace_ms, watch_ms;
	bool               dry, tree, force, escalate;
	struct sock_query  q;
	struct snap        s;
	struct victim     *v;
	size_t             nv;
	size_t             hidden;        /* sockets with unseen holders */
	bool               hidden_denied; /* ... because door is not root */
	struct manager     self_mgr;
	bool               no_pidfd;
	/* the end */
	size_t             still;         /* listening sockets left */
	size_t             leftover_tw, leftover_other;
	bool               bind_ok, free;
	int                rc_denied, rc_refused;
	struct buf         respawn;       /* lines for people */
	struct respawned   rs[RESPAWN_MAX];
	size_t             nrespawn;
};

static const struct {
	const char *name;
	int         sig;
} signames[] = {
	{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
	{ "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "STOP", SIGSTOP }, { "CONT", SIGCONT },
	{ "ALRM", SIGALRM },
};

static const char *
sig_name(int sig)
{
	for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return "signal";
}

static int
parse_signal(const char *s, int *sig, struct door_err *e)
{
	uint64_t v;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
		if (strcasecmp(s, signames[i].name) == 0) {
			*sig = signames[i].sig;
			return 0;
		}
	if (num_parse(s, 1, 64, &v) == 0) {
		*sig = (int)v;
		return 0;
	}
	return err_set(e, DOOR_USAGE, "--signal '%.32s' is not a signal: TERM, "
	    "INT, HUP, QUIT, KILL, USR1, USR2 or a number 1-64", s);
}

/* Whether a socket is one the targets ask for: the port, and reachable
 * at the target's address when it names one (as door who reads it). */
static bool
wanted(const struct killer *k, const struct sock *sk)
{
	for (int i = 0; i < k->nt; i++) {
		const struct target *t = &k->t[i];
		struct endpoint      at;
		const struct endpoint *l = &sk->local;

		if (l->port < t->port_lo || l->port > t->port_hi)
			continue;
		if (t->host[0] == '\0' || !t->host_is_ip)
			return true;      /* a port, or localhost: every family */
		memset(&at, 0, sizeof at);
		at.family = t->host_family;
		if (inet_pton(t->host_family, t->host, at.addr) != 1)
			continue;
		if (l->family == at.family && (endpoint_is_any(l) ||
		    memcmp(l->addr, at.addr, l->family == AF_INET ? 4 :
		    16) == 0))
			return true;
		if (at.family == AF_INET && l->family == AF_INET6 &&
		    endpoint_is_any(l) && sk->v6only == 0)
			return true;
	}
	return false;
}

static int
parse_args(struct killer *k, struct door_err *e)
{
	struct cmd_args *a = k->a;
	const char      *v;

	k->proto = cmd_flag(a, "udp") ? PROTO_UDP : PROTO_TCP;
	k->sig = SIGTERM;
	if ((v = cmd_value(a, "signal")) != NULL &&
	    parse_signal(v, &k->sig, e) != 0)
		return -1;
	k->signame = sig_name(k->sig);
	k->grace_ms = GRACE_MS_DEFAULT;
	if ((v = cmd_value(a, "grace")) != NULL &&
	    duration_parse(v, &k->grace_ms, e) != 0)
		return -1;
	k->watch_ms = WATCH_MS_DEFAULT;
	if ((v = cmd_value(a, "watch")) != NULL &&
	    duration_parse(v, &k->watch_ms, e) != 0)
		return -1;
	k->dry = cmd_flag(a, "dry-run");
	k->tree = cmd_flag(a, "tree");
	k->force = cmd_flag(a, "force");
	k->escalate = !cmd_flag(a, "no-escalate") && k->sig != SIGKILL;
	if (a->argc > TARGETS_MAX)
		return err_set(e, DOOR_USAGE, "door kill takes at most %d "
		    "targets", TARGETS_MAX);
	k->q.tcp = k->proto == PROTO_TCP;
	k->q.udp = k->proto == PROTO_UDP;
	k->q.v4 = k->q.v6 = true;
	k->q.listening_only = true;
	k->q.owners = OWNER_THOROUGH;     /* no holder may be missed */
	k->q.facts = PROC_HAVE_CMDLINE | PROC_HAVE_CGROUP | PROC_HAVE_PARENT;
	k->q.port_lo = 65535;
	k->q.port_hi = 1;
	for (int i = 0; i < a->argc; i++) {
		struct target *t = &k->t[k->nt];

		if (target_parse(a->argv[i], t, e) != 0)
			return -1;
		if (t->host[0] != '\0' && !target_is_loopback(t)) {
			struct endpoint at;

			memset(&at, 0, sizeof at);
			at.family = t->host_family;
			if (!t->host_is_ip || inet_pton(t->host_family,
			    t->host, at.addr) != 1 || (!endpoint_is_any(&at) &&
			    !platform_is_local_address(t->host_family,
			    at.addr)))
				return err_set(e, DOOR_USAGE, "door kill stops "
				    "this machine's processes; '%s' is not one "
				    "of its addresses", t->host);
		}
		if (t->port_lo < k->q.port_lo)
			k->q.port_lo = t->port_lo;
		if (t->port_hi > k->q.port_hi)
			k->q.port_hi = t->port_hi;
		k->nt++;
	}
	return 0;
}

static const char *
manager_stop(const struct manager *m, char *buf, size_t size)
{
	switch (m->kind) {
	case MANAGER_SYSTEMD:
		snprintf(buf, size, "systemctl stop %s", m->unit);
		break;
	case MANAGER_SYSTEMD_USER:
		snprintf(buf, size, "systemctl --user stop %s", m->unit);
		break;
	case MANAGER_CONTAINER:
		if (strcmp(m->runtime, "kubernetes") == 0)
			snprintf(buf, size, "kubectl delete pod POD (or scale "
			    "its deployment down)");
		else if (m->unit[0] != '\0')
			snprintf(buf, size, "%s stop %s",
			    strcmp(m->runtime, "podman") == 0 ? "podman" :
			    "docker", m->unit);
		else
			snprintf(buf, size, "%s ps (find the container that "
			    "publishes this port), then %s stop ID",
			    strcmp(m->runtime, "podman") == 0 ? "podman" :
			    "docker", strcmp(m->runtime, "podman") == 0 ?
			    "podman" : "docker");
		break;
	default:
		buf[0] = '\0';
	}
	return buf;
}

static bool
same_manager(const struct manager *x, const struct manager *y)
{
	return x->kind == y->kind && strcmp(x->unit, y->unit) == 0 &&
	    strcmp(x->runtime, y->runtime) == 0;
}

/* Refuses a process door must not signal before any handle is opened;
 * fills why and cmd. */
static bool
static_refusal(struct killer *k, struct victim *v, const struct proc *p)
{
	struct manager m;

	if (v->id.pid <= 1) {
		snprintf(v->why, sizeof v->why, "pid 1 (init): never");
		v->out = OUT_REFUSED;
		return true;
	}
	if (v->id.pid == getpid()) {
		snprintf(v->why, sizeof v->why, "door itself: never");
		v->out = OUT_REFUSED;
		return true;
	}
	if (platform_is_self_or_ancestor(v->id.pid)) {
		snprintf(v->why, sizeof v->why, "an ancestor of door (the "
		    "shell or program that runs it): never");
		v->out = OUT_REFUSED;
		return true;
	}
	if (p == NULL)
		return false;
	platform_proc_manager(p, &m);
	if (m.kind != MANAGER_NONE && !same_manager(&m, &k->self_mgr) &&
	    !k->force) {
		if (m.kind == MANAGER_CONTAINER)
			snprintf(v->why, sizeof v->why, "it belongs to a %s "
			    "container%s%s, which would start it again",
			    m.runtime, m.unit[0] ? " " : "", m.unit);
		else
			snprintf(v->why, sizeof v->why, "it belongs to the "
			    "systemd %sunit %s, which may start it again",
			    m.kind == MANAGER_SYSTEMD_USER ? "user " : "",
			    m.unit);
		manager_stop(&m, v->cmd, sizeof v->cmd);
		v->out = OUT_REFUSED;
		return true;
	}
	return false;
}

static struct victim *
add_victim(struct killer *k)
{
	struct victim *nv = realloc(k->v, (k->nv + 1) * sizeof *nv);

	if (nv == NULL)
		return NULL;
	k->v = nv;
	memset(&nv[k->nv], 0, sizeof nv[k->nv]);
	nv[k->nv].h.pidfd = nv[k->nv].h.piddir = -1;
	nv[k->nv].proc = SIZE_MAX;
	return &nv[k->nv++];
}

/* One victim per holder process, with the first wanted socket it holds. */
static int
plan(struct killer *k, struct door_err *e)
{
	for (size_t i = 0; i < k->s.nsocks; i++) {
		const struct sock *sk = &k->s.socks[i];

		if (!wanted(k, sk))
			continue;
		if (sk->owners != OWNERS_FOUND) {
			k->hidden++;
			if (sk->owners == OWNERS_HIDDEN &&
			    !platform_privileged())
				k->hidden_denied = true;
			continue;
		}
		for (size_t o = sk->owner_first; o < sk->owner_first +
		    sk->owner_count; o++) {
			const struct owner *ow = &k->s.owners[o];
			const struct proc  *p = &k->s.procs[ow->proc];
			struct victim      *v = NULL;

			for (size_t j = 0; j < k->nv && v == NULL; j++)
				if (k->v[j].id.pid == p->pid)
					v = &k->v[j];
			if (v != NULL)
				continue;
			if ((v = add_victim(k)) == NULL)
				return err_set(e, DOOR_SYSTEM, "out of memory");
			v->proc = ow->proc;
			v->id = (struct proc_ident){ p->pid, p->start_ticks,
			    sk->inode, ow->fd, false };
			memcpy(v->name, p->name, sizeof v->name);
			v->uid = p->uid;
			(void)static_refusal(k, v, p);
		}
	}
	return 0;
}

/* --tree: the parent of each holder that may be stopped, placed before
 * the holders so it is signalled first. */
static int
plan_parents(struct killer *k, struct door_err *e)
{
	size_t nholders = k->nv;

	for (size_t i = 0; i < nholders; i++) {
		const struct proc *p;
		struct victim     *v;
		bool               dup = false;

		if (k->v[i].out != OUT_PLANNED || k->v[i].is_parent)
			continue;
		p = &k->s.procs[k->v[i].proc];
		/* a forked worker's parent holds the door itself */
		for (size_t j = 0; j < k->nv && !dup; j++)
			dup = k->v[j].id.pid == p->ppid;
		if (dup || p->ppid <= 1)
			continue;
		if ((v = add_victim(k)) == NULL)
			return err_set(e, DOOR_SYSTEM, "out of memory");
		v->is_parent = true;
		v->child = p->pid;
		v->id = (struct proc_ident){ p->ppid, p->start_ticks, 0, -1,
		    true };
		snprintf(v->name, sizeof v->name, "%s", p->parent_name[0] ?
		    p->parent_name : "?");
		(void)static_refusal(k, v, NULL);
	}
	return 0;
}

static void
put(struct buf *b, const char *s)
{
	esc_term(b, s, strlen(s));
}

static void
victim_label(struct buf *b, const struct victim *v)
{
	put(b, v->name);
	buf_printf(b, " (%d)", (int)v->id.pid);
}

static void
show_plan(struct killer *k)
{
	struct buf b;
	size_t     n = 0;

	if (k->a->out.quiet && !k->dry)
		return;
	buf_init(&b);
	for (size_t i = 0; i < k->nv; i++)
		if (!k->v[i].is_parent)
			n++;
	buf_printf(&b, "door kill: %zu process%s hold%s ", n, n == 1 ? "" :
	    "es", n == 1 ? "s" : "");
	for (int i = 0; i < k->nt; i++) {
		buf_adds(&b, i ? ", " : "");
		put(&b, k->a->argv[i]);
	}
	buf_printf(&b, "/%s\n", proto_name(k->proto));
	for (size_t i = 0; i < k->nv; i++) {
		const struct victim *v = &k->v[i];
		char                 user[64];

		buf_adds(&b, "  ");
		victim_label(&b, v);
		if (v->is_parent)
			buf_printf(&b, ", parent of %d (--tree)",
			    (int)v->child);
		else {
			const struct proc *p = &k->s.procs[v->proc];

			doors_user(&k->a->out, v->uid, user, sizeof user);
			buf_adds(&b, ", user ");
			put(&b, user);
			if (p->have & PROC_HAVE_CMDLINE && p->cmdline_len) {
				buf_adds(&b, ": ");
				esc_term_argv(&b, p->cmdline,
				    p->cmdline_len > 120 ? 120 :
				    p->cmdline_len);
			}
		}
		if (v->out == OUT_REFUSED) {
			buf_adds(&b, "\n    refused: ");
			put(&b, v->why);
		}
		buf_addc(&b, '\n');
	}
	if (k->hidden > 0)
		buf_printf(&b, "  and %zu socket%s whose holder door cannot "
		    "see%s\n", k->hidden, k->hidden == 1 ? "" : "s",
		    k->hidden_denied ? " (another user's: run with sudo)" :
		    " (not even as root)");
	buf_printf(&b, "  plan: %s%s", k->dry ? "(dry run) " : "", k->signame);
	if (k->escalate)
		buf_printf(&b, ", KILL after %llu ms",
		    (unsigned long long)k->grace_ms);
	buf_addc(&b, '\n');
	err_flush(&b);
	buf_free(&b);
}

/* On a terminal, the user says yes first. */
static bool
confirm(struct killer *k)
{
	char line[32];

	if (cmd_flag(k->a, "yes") || !isatty(0) || !isatty(1))
		return true;
	fprintf(stderr, "stop %s? [y/N] ", k->nv == 1 ? "it" : "them");
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static void
verdict_why(struct victim *v)
{
	static const char *const text[] = {
		[PROC_OK] = "",
		[PROC_GONE] = "had already exited",
		[PROC_REUSED] = "its pid now names another process: left alone",
		[PROC_NOT_HOLDER] = "no longer holds the door: left alone",
		[PROC_PID1] = "pid 1 (init): never",
		[PROC_SELF] = "door itself: never",
		[PROC_ANCESTOR] = "an ancestor of door: never",
		[PROC_KTHREAD] = "a kernel thread: never",
		[PROC_NOT_YOURS] = "not yours — run with sudo",
		[PROC_UNREADABLE] = ("its file descriptors cannot be read even "
		    "as root, so it cannot be verified"),
	};

	snprintf(v->why, sizeof v->why, "%s", text[v->verdict]);
	switch (v->verdict) {
	case PROC_GONE:
		v->out = OUT_GONE;
		break;
	case PROC_NOT_YOURS:
		v->out = OUT_DENIED;
		break;
	default:
		v->out = OUT_REFUSED;
	}
}

/* A parent for --tree: still the holder's parent, not a session leader,
 * not another user's, not in a unit. */
static void
check_parent(struct killer *k, struct victim *v)
{
	const struct victim *child = NULL;

	for (size_t i = 0; i < k->nv; i++)
		if (!k->v[i].is_parent && k->v[i].id.pid == v->child)
			child = &k->v[i];
	if (child == NULL || !child->open || child->h.ppid != v->id.pid) {
		snprintf(v->why, sizeof v->why, "no longer the parent of %d: "
		    "left alone", (int)v->child);
		v->out = OUT_REFUSED;
		return;
	}
	if (v->h.sid == v->id.pid) {
		snprintf(v->why, sizeof v->why, "a session leader (a login "
		    "or terminal shell, or a setsid loop): left alone; if it "
		    "is yours to stop: kill %d", (int)v->id.pid);
		v->out = OUT_REFUSED;
	}
}

static void
open_all(struct killer *k, struct door_err *e)
{
	/* holders first: a parent is checked against its child's handle */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < k->nv; i++) {
			struct victim *v = &k->v[i];

			if (v->out != OUT_PLANNED || v->is_parent != (pass == 1))
				continue;
			if (platform_proc_open(&v->id, &v->h, &v->verdict,
			    e) != 0) {
				v->out = OUT_REFUSED;
				snprintf(v->why, sizeof v->why, "%s", e->msg);
				err_clear(e);
				continue;
			}
			if (v->verdict != PROC_OK) {
				verdict_why(v);
				continue;
			}
			v->open = true;
			if (v->h.pidfd < 0)
				k->no_pidfd = true;
			if (v->is_parent) {
				check_parent(k, v);
				if (v->out != OUT_PLANNED) {
					platform_proc_close(&v->h);
					v->open = false;
				}
			}
		}
}

static void
send_all(struct killer *k, int sig, bool parents)
{
	for (size_t i = 0; i < k->nv; i++) {
		struct victim  *v = &k->v[i];
		struct door_err e;
		int             rc;

		if (!v->open || v->is_parent != parents || v->exit_ms != 0)
			continue;
		err_clear(&e);
		rc = platform_proc_signal(&v->h, sig, &e);
		if (sig == SIGKILL)
			v->got_kill = true;
		else
			v->sent_ms = platform_mono_ms();
		if (rc == 1 && v->exit_ms == 0) {
			v->exit_ms = platform_mono_ms();
			v->out = sig == SIGKILL ? OUT_KILLED : OUT_EXITED;
		} else if (rc < 0) {
			v->out = e.status == DOOR_DENIED ? OUT_DENIED :
			    OUT_RUNNING;
			snprintf(v->why, sizeof v->why, "%s",
			    e.status == DOOR_DENIED ? "not yours — run with "
			    "sudo" : e.msg);
			platform_proc_close(&v->h);
			v->open = false;
		}
	}
}

/* Waits until every open victim (of the group) exited or ms passed. */
static void
wait_all(struct killer *k, uint64_t ms, bool parents, enum outcome as)
{
	uint64_t end = platform_mono_ms() + ms;

	for (;;) {
		struct victim *first = NULL;
		uint64_t       now = platform_mono_ms();

		for (size_t i = 0; i < k->nv; i++) {
			struct victim *v = &k->v[i];

			if (!v->open || v->exit_ms != 0 ||
			    v->is_parent != parents)
				continue;
			if (platform_proc_wait(&v->h, 0) == 1) {
				v->exit_ms = platform_mono_ms();
				v->out = as;
			} else if (first == NULL)
				first = v;
		}
		if (first == NULL || now >= end)
			return;
		/* sleep on one pidfd, at most 5 ms, then look at all */
		(void)platform_proc_wait(&first->h, end - now < 5 ?
		    end - now : 5);
	}
}

static void
run_group(struct killer *k, bool parents)
{
	send_all(k, k->sig, parents);
	wait_all(k, k->grace_ms, parents, OUT_EXITED);
	if (k->escalate) {
		send_all(k, SIGKILL, parents);
		wait_all(k, KILL_WAIT_MS, parents, OUT_KILLED);
	}
	for (size_t i = 0; i < k->nv; i++) {
		struct victim *v = &k->v[i];

		if (v->open && v->is_parent == parents && v->exit_ms == 0)
			v->out = OUT_RUNNING;
	}
}

/* Counts wanted listening sockets, and connection leftovers. */
static int
look(struct killer *k, bool listening, size_t *n, size_t *tw,
    struct snap *keep, struct door_err *e)
{
	struct sock_query q = k->q;
	struct snap       s;

	q.listening_only = listening;
	if (keep == NULL)
		q.owners = OWNER_SKIP;
	snap_init(&s);
	if (platform_snapshot(&q, &s, e) != 0) {
		snap_free(&s);
		return -1;
	}
	*n = 0;
	if (tw != NULL)
		*tw = 0;
	for (size_t i = 0; i < s.nsocks; i++) {
		if (!wanted(k, &s.socks[i]))
			continue;
		if (listening || doors_is_listening(&s.socks[i]))
			(*n)++;
		else if (tw != NULL && s.socks[i].state == SK_TIME_WAIT)
			(*tw)++;
	}
	if (keep != NULL)
		*keep = s;
	else
		snap_free(&s);
	return 0;
}

static void
check_free(struct killer *k, struct door_err *e)
{
	size_t   all = 0, tw = 0;
	unsigned why;

	k->bind_ok = true;
	if (look(k, true, &k->still, NULL, NULL, e) != 0 ||
	    look(k, false, &all, &tw, NULL, e) != 0) {
		err_clear(e);
		k->still = SIZE_MAX;
		return;
	}
	k->leftover_tw = tw;
	for (int i = 0; i < k->nt; i++) {
		const struct target *t = &k->t[i];

		if ((unsigned)(t->port_hi - t->port_lo) >= FREECHECK_MAX)
			continue;
		for (uint32_t p = t->port_lo; p <= t->port_hi; p++) {
			int r = platform_port_free(k->proto, (uint16_t)p,
			    &why, e);

			err_clear(e);
			/* TIME_WAIT blocks a bind without SO_REUSEADDR, which
			 * real servers set: not "in use" */
			if (r == 0 && (why & PORTFREE_IN_USE) && tw == 0)
				k->bind_ok = false;
		}
	}
	k->free = k->still == 0 && k->bind_ok;
}

/* Names whoever started a listener that appeared after the kill. */
/* Whether p's parent leads p's session (a `setsid` loop): --tree leaves
 * session leaders alone, so the hint must not send the user there. Read
 * through a verified handle: p may have gone (then: no). */
static bool
parent_leads_session(const struct proc *p)
{
	struct proc_ident  id = { p->pid, p->start_ticks, 0, -1, false };
	struct proc_handle h;
	enum proc_verdict  v;
	struct door_err    e;
	bool               leads;

	err_clear(&e);
	if (platform_proc_open(&id, &h, &v, &e) != 0 || v != PROC_OK)
		return false;
	leads = h.sid == p->ppid;
	platform_proc_close(&h);
	return leads;
}

static void
respawn_note(struct killer *k, const struct snap *s)
{
	for (size_t i = 0; i < s->nsocks; i++) {
		const struct sock *sk = &s->socks[i];

		if (!wanted(k, sk) || sk->owners != OWNERS_FOUND)
			continue;
		for (size_t o = sk->owner_first; o < sk->owner_first +
		    sk->owner_count; o++) {
			const struct proc *p = &s->procs[s->owners[o].proc];
			struct manager     m;
			char               stop[192], ep[ENDPOINT_ADDR_MAX + 8];
			const char        *who;
			bool               dup = false;

			for (size_t j = 0; j < o - sk->owner_first && !dup;
			    j++)
				dup = s->procs[s->owners[sk->owner_first +
				    j].proc].pid == p->pid;
			if (dup)
				continue;
			platform_proc_manager(p, &m);
			manager_stop(&m, stop, sizeof stop);
			endpoint_full(&sk->local, ep, sizeof ep);
			buf_adds(&k->respawn, "respawned: ");
			put(&k->respawn, p->name);
			buf_printf(&k->respawn, " (%d) listens on %s again",
			    (int)p->pid, ep);
			if (m.kind == MANAGER_SYSTEMD ||
			    m.kind == MANAGER_SYSTEMD_USER)
				who = "systemd unit";
			else if (m.kind == MANAGER_CONTAINER)
				who = "container";
			else
				who = NULL;
			if (who != NULL) {
				buf_printf(&k->respawn, ", started by its %s ",
				    who);
				put(&k->respawn, m.unit[0] ? m.unit :
				    m.runtime);
			} else {
				buf_adds(&k->respawn, ", started by ");
				put(&k->respawn, p->parent_name[0] ?
				    p->parent_name : "?");
				buf_printf(&k->respawn, " (%d)", (int)p->ppid);
				if (strcmp(p->parent_name, "bash") == 0 ||
				    strcmp(p->parent_name, "sh") == 0 ||
				    strcmp(p->parent_name, "dash") == 0 ||
				    strcmp(p->parent_name, "zsh") == 0)
					buf_adds(&k->respawn, ", a shell loop");
				if (parent_leads_session(p))
					snprintf(stop, sizeof stop, "kill %d (the "
					    "loop leads its own session, which "
					    "door kill --tree leaves alone)",
					    (int)p->ppid);
				else
					snprintf(stop, sizeof stop, "door kill "
					    "--tree %u", sk->local.port);
			}
			buf_adds(&k->respawn, "\n  to stop it for good: ");
			put(&k->respawn, stop);
			buf_addc(&k->respawn, '\n');
			if (k->nrespawn < RESPAWN_MAX) {
				struct respawned *r = &k->rs[k->nrespawn];

				r->pid = p->pid;
				r->ppid = p->ppid;
				memcpy(r->name, p->name, sizeof r->name);
				memcpy(r->parent_name, p->parent_name,
				    sizeof r->parent_name);
				r->manager = m.kind;
				memcpy(r->unit, m.unit, sizeof r->unit);
				memcpy(r->stop, stop, sizeof r->stop);
			}
			k->nrespawn++;
		}
	}
}

static void
watch(struct killer *k, struct door_err *e)
{
	uint64_t end = platform_mono_ms() + k->watch_ms;

	/* bounded by the deadline: one cheap socket-only look per step */
	while (platform_mono_ms() < end) {
		size_t      n = 0;
		struct snap s;

		usleep(WATCH_STEP_MS * 1000);
		if (look(k, true, &n, NULL, NULL, e) != 0) {
			err_clear(e);
			return;
		}
		if (n == 0)
			continue;
		if (look(k, true, &n, NULL, &s, e) == 0) {
			respawn_note(k, &s);
			snap_free(&s);
		}
		err_clear(e);
		k->free = false;
		k->still = n;
		return;
	}
}

static const char *
outcome_key(enum outcome o)
{
	static const char *const keys[] = { "planned", "exited", "killed",
	    "running", "gone", "denied", "refused", "skipped" };

	return keys[o];
}

static void
report_text(struct killer *k)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < k->nv; i++) {
		const struct victim *v = &k->v[i];

		victim_label(&b, v);
		switch (v->out) {
		case OUT_PLANNED:
			buf_printf(&b, ": would get %s%s", k->signame,
			    k->escalate ? ", then KILL after the grace" : "");
			break;
		case OUT_EXITED:
			buf_printf(&b, " exited %llu ms after %s",
			    (unsigned long long)(v->exit_ms - v->sent_ms),
			    k->signame);
			break;
		case OUT_KILLED:
			buf_printf(&b, " ignored %s, killed", k->signame);
			break;
		case OUT_RUNNING:
			buf_printf(&b, " still running after %s%s", k->signame,
			    k->escalate ? " and KILL" : " (--no-escalate)");
			break;
		case OUT_SKIPPED:
			buf_adds(&b, ": not signalled (not confirmed)");
			break;
		default:
			buf_adds(&b, ": ");
			put(&b, v->why);
		}
		if (v->cmd[0] != '\0') {
			buf_adds(&b, "\n  instead: ");
			put(&b, v->cmd);
		}
		buf_addc(&b, '\n');
	}
	if (k->no_pidfd)
		buf_adds(&b, "note: this kernel has no pidfds: door used kill() "
		    "after re-checking each process\n");
	buf_adds(&b, buf_str(&k->respawn));
	if (k->dry)
		;
	else if (k->still == SIZE_MAX)
		buf_adds(&b, "could not check whether the door is free now\n");
	else if (k->free) {
		buf_adds(&b, "free: nothing listens on ");
		for (int i = 0; i < k->nt; i++) {
			buf_adds(&b, i ? ", " : "");
			put(&b, k->a->argv[i]);
		}
		buf_printf(&b, "/%s%s", proto_name(k->proto),
		    k->proto == PROTO_TCP ? " and a test bind succeeds" : "");
		if (k->leftover_tw > 0)
			buf_printf(&b, " (%zu TIME_WAIT connection%s remain: "
			    "the kernel's, gone within a minute; a server "
			    "with SO_REUSEADDR binds anyway)", k->leftover_tw,
			    k->leftover_tw == 1 ? "" : "s");
		buf_addc(&b, '\n');
	} else if (k->still > 0)
		buf_printf(&b, "not free: %zu listening socket%s left\n",
		    k->still, k->still == 1 ? "" : "s");
	else
		buf_adds(&b, "not free: nothing listens, but a test bind "
		    "says the port is in use\n");
	out_flush(&b);
	buf_free(&b);
}

static void
report_json(struct killer *k)
{
	struct buf  b;
	struct json j;

	buf_init(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "targets");
	json_arr_begin(&j);
	for (int i = 0; i < k->nt; i++)
		json_str(&j, k->a->argv[i]);
	json_arr_end(&j);
	json_key(&j, "proto");
	json_str(&j, proto_name(k->proto));
	json_key(&j, "signal");
	json_str(&j, k->signame);
	json_key(&j, "grace_ms");
	json_uint(&j, k->grace_ms);
	json_key(&j, "escalate");
	json_bool(&j, k->escalate);
	json_key(&j, "dry_run");
	json_bool(&j, k->dry);
	json_key(&j, "processes");
	json_arr_begin(&j);
	for (size_t i = 0; i < k->nv; i++) {
		const struct victim *v = &k->v[i];

		json_obj_begin(&j);
		json_key(&j, "pid");
		json_int(&j, v->id.pid);
		json_key(&j, "name");
		json_str(&j, v->name);
		json_key(&j, "role");
		json_str(&j, v->is_parent ? "parent" : "holder");
		if (!v->is_parent) {
			const struct proc *p = &k->s.procs[v->proc];

			json_key(&j, "uid");
			json_uint(&j, v->uid);
			json_key(&j, "cmdline");
			json_arr_begin(&j);
			for (size_t o = 0; p->cmdline != NULL &&
			    o < p->cmdline_len;) {
				size_t l = strnlen(p->cmdline + o,
				    p->cmdline_len - o);

				json_strn(&j, p->cmdline + o, l);
				o += l + 1;
			}
			json_arr_end(&j);
		}
		json_key(&j, "result");
		json_str(&j, outcome_key(v->out));
		json_key(&j, "signals");
		json_arr_begin(&j);
		if (v->sent_ms != 0)
			json_str(&j, k->signame);
		if (v->got_kill)
			json_str(&j, "KILL");
		json_arr_end(&j);
		json_key(&j, "exit_ms");
		if (v->exit_ms != 0 && v->sent_ms != 0)
			json_uint(&j, v->exit_ms - v->sent_ms);
		else
			json_null(&j);
		json_key(&j, "reason");
		if (v->why[0])
			json_str(&j, v->why);
		else
			json_null(&j);
		json_key(&j, "instead");
		if (v->cmd[0])
			json_str(&j, v->cmd);
		else
			json_null(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "hidden_sockets");
	json_uint(&j, k->hidden);
	json_key(&j, "pidfd");
	json_bool(&j, !k->no_pidfd);
	json_key(&j, "respawned");
	json_arr_begin(&j);
	for (size_t i = 0; i < k->nrespawn && i < RESPAWN_MAX; i++) {
		const struct respawned *r = &k->rs[i];

		json_obj_begin(&j);
		json_key(&j, "pid");
		json_int(&j, r->pid);
		json_key(&j, "name");
		json_str(&j, r->name);
		json_key(&j, "parent_pid");
		json_int(&j, r->ppid);
		json_key(&j, "parent_name");
		json_str(&j, r->parent_name);
		json_key(&j, "manager");
		json_str(&j, r->manager == MANAGER_NONE ? "parent" :
		    r->manager == MANAGER_CONTAINER ? "container" : "systemd");
		json_key(&j, "unit");
		if (r->unit[0])
			json_str(&j, r->unit);
		else
			json_null(&j);
		json_key(&j, "stop");
		json_str(&j, r->stop);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "time_wait");
	json_uint(&j, k->leftover_tw);
	json_key(&j, "free");
	if (k->dry || k->still == SIZE_MAX)
		json_null(&j);
	else
		json_bool(&j, k->free);
	json_obj_end(&j);
	json_end(&j);
	out_flush(&b);
	buf_free(&b);
}

static int
status(struct killer *k)
{
	bool denied = k->hidden_denied, refused = k->hidden > 0 &&
	    !k->hidden_denied;

	for (size_t i = 0; i < k->nv; i++) {
		denied |= k->v[i].out == OUT_DENIED;
		refused |= k->v[i].out == OUT_REFUSED && !k->v[i].is_parent;
	}
	if (k->dry)
		return denied ? DOOR_DENIED : refused ? DOOR_UNSAFE : DOOR_OK;
	if (k->free)
		return DOOR_OK;
	if (denied)
		return DOOR_DENIED;
	if (refused)
		return DOOR_UNSAFE;
	return DOOR_NO;
}

static int
kill_exec(struct cmd_args *a)
{
	struct killer   k;
	struct door_err e;
	int             rc;

	memset(&k, 0, sizeof k);
	k.a = a;
	err_clear(&e);
	buf_init(&k.respawn);
	snap_init(&k.s);
	if (parse_args(&k, &e) != 0) {
		out_error(e.msg);
		rc = DOOR_USAGE;
		goto out;
	}
	platform_self_manager(&k.self_mgr);
	if (platform_snapshot(&k.q, &k.s, &e) != 0 || plan(&k, &e) != 0 ||
	    (k.tree && plan_parents(&k, &e) != 0)) {
		out_error(e.msg);
		rc = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
		goto out;
	}
	if (k.nv == 0 && k.hidden == 0) {
		check_free(&k, &e);
		if (a->out.json)
			report_json(&k);
		else
			out_note(&a->out, "nobody is behind %s: nothing to stop",
			    a->argv[0]);
		rc = k.free || k.dry ? DOOR_OK : DOOR_NO;
		goto out;
	}
	show_plan(&k);
	if (!k.dry && !confirm(&k)) {
		for (size_t i = 0; i < k.nv; i++)
			if (k.v[i].out == OUT_PLANNED)
				k.v[i].out = OUT_SKIPPED;
		k.dry = true;
	}
	if (!k.dry) {
		open_all(&k, &e);
		/* parents first, so they cannot start the child again */
		run_group(&k, true);
		run_group(&k, false);
		check_free(&k, &e);
		if (k.free && k.watch_ms > 0)
			watch(&k, &e);
	}
	if (a->out.json)
		report_json(&k);
	else
		report_text(&k);
	rc = status(&k);
out:
	for (size_t i = 0; i < k.nv; i++)
		if (k.v[i].open)
			platform_proc_close(&k.v[i].h);
	free(k.v);
	snap_free(&k.s);
	buf_free(&k.respawn);
	return rc;
}

const struct cmd_entry cmd_kill_entry = {
	"kill", "TARGET...",
	"free a door: stop every process that holds it, verified first",
	kill_opts, 1, TARGETS_MAX, kill_exec,
};
