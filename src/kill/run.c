/* run.c - carrying out a kill plan: verified handles, signals, waits,
 * escalation, the check that the door is free, and the respawn watch. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/endpoint.h"
#include "core/target.h"
#include "doors.h"
#include "kill/kill.h"
#include "kill/kill_int.h"

#define KILL_WAIT_MS      3000    /* after KILL: the kernel's time to reap */
#define WATCH_STEP_MS     50
#define FREECHECK_MAX     64      /* test binds for at most this many ports */

static void
verdict_why(struct kill_victim *v)
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
		v->out = KILL_GONE;
		break;
	case PROC_NOT_YOURS:
		v->out = KILL_DENIED;
		break;
	default:
		v->out = KILL_REFUSED;
	}
}

/* A parent for tree: still the holder's parent, not a session leader,
 * not another user's, not in a unit. */
static void
check_parent(struct kill *k, struct kill_victim *v)
{
	const struct kill_victim *child = NULL;

	for (size_t i = 0; i < k->nv; i++)
		if (!k->v[i].is_parent && k->v[i].id.pid == v->child)
			child = &k->v[i];
	if (child == NULL || !child->open || child->h.ppid != v->id.pid) {
		snprintf(v->why, sizeof v->why, "no longer the parent of %d: "
		    "left alone", (int)v->child);
		v->out = KILL_REFUSED;
		return;
	}
	if (v->h.sid == v->id.pid) {
		snprintf(v->why, sizeof v->why, "a session leader (a login "
		    "or terminal shell, or a setsid loop): left alone; if it "
		    "is yours to stop: kill %d", (int)v->id.pid);
		v->out = KILL_REFUSED;
	}
}

static void
open_all(struct kill *k)
{
	struct door_err e;

	/* holders first: a parent is checked against its child's handle */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < k->nv; i++) {
			struct kill_victim *v = &k->v[i];

			if (v->out != KILL_PLANNED ||
			    v->is_parent != (pass == 1))
				continue;
			err_clear(&e);
			if (platform_proc_open(&v->id, &v->h, &v->verdict,
			    &e) != 0) {
				v->out = KILL_REFUSED;
				snprintf(v->why, sizeof v->why, "%s", e.msg);
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
				if (v->out != KILL_PLANNED) {
					platform_proc_close(&v->h);
					v->open = false;
				}
			}
		}
}

static void
send_all(struct kill *k, int sig, bool parents)
{
	for (size_t i = 0; i < k->nv; i++) {
		struct kill_victim *v = &k->v[i];
		struct door_err     e;
		int                 rc;

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
			v->out = sig == SIGKILL ? KILL_KILLED : KILL_EXITED;
		} else if (rc < 0) {
			v->out = e.status == DOOR_DENIED ? KILL_DENIED :
			    KILL_RUNNING;
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
wait_all(struct kill *k, uint64_t ms, bool parents, enum kill_outcome as)
{
	uint64_t end = platform_mono_ms() + ms;

	for (;;) {
		struct kill_victim *first = NULL;
		uint64_t            now = platform_mono_ms();

		for (size_t i = 0; i < k->nv; i++) {
			struct kill_victim *v = &k->v[i];

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
run_group(struct kill *k, bool parents)
{
	send_all(k, k->req.sig, parents);
	wait_all(k, k->req.grace_ms, parents, KILL_EXITED);
	if (k->escalate) {
		send_all(k, SIGKILL, parents);
		wait_all(k, KILL_WAIT_MS, parents, KILL_KILLED);
	}
	for (size_t i = 0; i < k->nv; i++) {
		struct kill_victim *v = &k->v[i];

		if (v->open && v->is_parent == parents && v->exit_ms == 0)
			v->out = KILL_RUNNING;
	}
}

/* Counts wanted listening sockets, and connection leftovers. */
static int
look(struct kill *k, bool listening, size_t *n, size_t *tw,
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
		if (!kill_wanted(k, &s.socks[i]))
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

void
kill_check_free(struct kill *k)
{
	struct door_err e;
	size_t          all = 0, tw = 0;
	unsigned        why;

	err_clear(&e);
	k->checked = true;
	k->bind_ok = true;
	if (look(k, true, &k->still, NULL, NULL, &e) != 0 ||
	    look(k, false, &all, &tw, NULL, &e) != 0) {
		k->still = SIZE_MAX;
		return;
	}
	k->leftover_tw = tw;
	for (int i = 0; i < k->nt; i++) {
		const struct target *t = &k->t[i];

		if ((unsigned)(t->port_hi - t->port_lo) >= FREECHECK_MAX)
			continue;
		for (uint32_t p = t->port_lo; p <= t->port_hi; p++) {
			int r = platform_port_free(k->req.proto, (uint16_t)p,
			    &why, &e);

			err_clear(&e);
			/* TIME_WAIT blocks a bind without SO_REUSEADDR, which
			 * real servers set: not "in use" */
			if (r == 0 && (why & PORTFREE_IN_USE) && tw == 0)
				k->bind_ok = false;
		}
	}
	k->free = k->still == 0 && k->bind_ok;
}

/* Whether p's parent leads p's session (a `setsid` loop): tree leaves
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

/* Names whoever started a listener that appeared after the kill. */
static void
respawn_note(struct kill *k, const struct snap *s)
{
	for (size_t i = 0; i < s->nsocks; i++) {
		const struct sock *sk = &s->socks[i];

		if (!kill_wanted(k, sk) || sk->owners != OWNERS_FOUND)
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
			kill_manager_stop(&m, stop, sizeof stop);
			endpoint_full(&sk->local, ep, sizeof ep);
			buf_adds(&k->respawn, "respawned: ");
			kill_put(&k->respawn, p->name);
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
				kill_put(&k->respawn, m.unit[0] ? m.unit :
				    m.runtime);
			} else {
				buf_adds(&k->respawn, ", started by ");
				kill_put(&k->respawn, p->parent_name[0] ?
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
			kill_put(&k->respawn, stop);
			buf_addc(&k->respawn, '\n');
			if (k->nrespawn < KILL_RESPAWN_MAX) {
				struct kill_respawn *r = &k->rs[k->nrespawn];

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
sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
	    (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
watch(struct kill *k)
{
	uint64_t        end = platform_mono_ms() + k->req.watch_ms;
	struct door_err e;

	/* bounded by the deadline: one cheap socket-only look per step */
	while (platform_mono_ms() < end) {
		size_t      n = 0;
		struct snap s;

		sleep_ms(WATCH_STEP_MS);
		err_clear(&e);
		if (look(k, true, &n, NULL, NULL, &e) != 0)
			return;
		if (n == 0)
			continue;
		if (look(k, true, &n, NULL, &s, &e) == 0) {
			respawn_note(k, &s);
			snap_free(&s);
		}
		k->free = false;
		k->still = n;
		return;
	}
}

void
kill_run(struct kill *k)
{
	if (k->req.dry || k->ran)
		return;
	k->ran = true;
	open_all(k);
	/* parents first, so they cannot start the child again */
	run_group(k, true);
	run_group(k, false);
	kill_check_free(k);
	if (k->free && k->req.watch_ms > 0)
		watch(k);
}
