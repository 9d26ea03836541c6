/* plan.c - who holds the door, and what door may do to each (kill.h). */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/num.h"
#include "core/target.h"
#include "kill/kill.h"
#include "kill/kill_int.h"
#include "out/escape.h"

static const struct {
	const char *name;
	int         sig;
} signames[] = {
	{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP },
	{ "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "STOP", SIGSTOP }, { "CONT", SIGCONT },
	{ "ALRM", SIGALRM },
};

const char *
kill_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return "signal";
}

int
kill_parse_signal(const char *s, int *sig, struct door_err *e)
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

void
kill_request_defaults(struct kill_request *r)
{
	memset(r, 0, sizeof *r);
	r->proto = PROTO_TCP;
	r->sig = SIGTERM;
	r->grace_ms = KILL_GRACE_MS;
	r->watch_ms = KILL_WATCH_MS;
}

/* Whether a socket is one the targets ask for: the port, and reachable
 * at the target's address when it names one (as door who reads it). */
bool
kill_wanted(const struct kill *k, const struct sock *sk)
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
parse_targets(struct kill *k, const struct kill_request *r,
    struct door_err *e)
{
	if (r->ntargets < 1 || r->ntargets > KILL_TARGETS_MAX)
		return err_set(e, DOOR_USAGE, "door kill takes at most %d "
		    "targets", KILL_TARGETS_MAX);
	k->signame = kill_signal_name(r->sig);
	k->escalate = !r->no_escalate && r->sig != SIGKILL;
	k->q.tcp = r->proto == PROTO_TCP;
	k->q.udp = r->proto == PROTO_UDP;
	k->q.v4 = k->q.v6 = true;
	k->q.listening_only = true;
	k->q.owners = OWNER_THOROUGH;     /* no holder may be missed */
	k->q.facts = PROC_HAVE_CMDLINE | PROC_HAVE_CGROUP | PROC_HAVE_PARENT;
	k->q.port_lo = 65535;
	k->q.port_hi = 1;
	if ((k->words = calloc((size_t)r->ntargets, sizeof *k->words)) ==
	    NULL || (k->t = calloc((size_t)r->ntargets, sizeof *k->t)) == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	for (int i = 0; i < r->ntargets; i++) {
		struct target *t = &k->t[k->nt];

		if ((k->words[i] = strdup(r->targets[i])) == NULL)
			return err_set(e, DOOR_SYSTEM, "out of memory");
		if (target_parse(r->targets[i], t, e) != 0)
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

const char *
kill_manager_stop(const struct manager *m, char *buf, size_t size)
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
static_refusal(struct kill *k, struct kill_victim *v, const struct proc *p)
{
	struct manager m;

	if (v->id.pid <= 1) {
		snprintf(v->why, sizeof v->why, "pid 1 (init): never");
		v->out = KILL_REFUSED;
		return true;
	}
	if (v->id.pid == getpid()) {
		snprintf(v->why, sizeof v->why, "door itself: never");
		v->out = KILL_REFUSED;
		return true;
	}
	if (platform_is_self_or_ancestor(v->id.pid)) {
		snprintf(v->why, sizeof v->why, "an ancestor of door (the "
		    "shell or program that runs it): never");
		v->out = KILL_REFUSED;
		return true;
	}
	if (p == NULL)
		return false;
	platform_proc_manager(p, &m);
	if (m.kind != MANAGER_NONE && !same_manager(&m, &k->self_mgr) &&
	    !k->req.force) {
		if (m.kind == MANAGER_CONTAINER)
			snprintf(v->why, sizeof v->why, "it belongs to a %s "
			    "container%s%s, which would start it again",
			    m.runtime, m.unit[0] ? " " : "", m.unit);
		else
			snprintf(v->why, sizeof v->why, "it belongs to the "
			    "systemd %sunit %s, which may start it again",
			    m.kind == MANAGER_SYSTEMD_USER ? "user " : "",
			    m.unit);
		kill_manager_stop(&m, v->cmd, sizeof v->cmd);
		v->out = KILL_REFUSED;
		return true;
	}
	return false;
}

static struct kill_victim *
add_victim(struct kill *k)
{
	struct kill_victim *nv = realloc(k->v, (k->nv + 1) * sizeof *nv);

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
plan(struct kill *k, struct door_err *e)
{
	for (size_t i = 0; i < k->s.nsocks; i++) {
		const struct sock *sk = &k->s.socks[i];

		if (!kill_wanted(k, sk))
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
			struct kill_victim *v = NULL;

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

/* tree: the parent of each holder that may be stopped, placed after the
 * holders in the plan and signalled first. */
static int
plan_parents(struct kill *k, struct door_err *e)
{
	size_t nholders = k->nv;

	for (size_t i = 0; i < nholders; i++) {
		const struct proc  *p;
		struct kill_victim *v;
		bool                dup = false;

		if (k->v[i].out != KILL_PLANNED || k->v[i].is_parent)
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

struct kill *
kill_new(const struct kill_request *r, struct door_err *e)
{
	struct kill *k = calloc(1, sizeof *k);

	if (k == NULL) {
		err_set(e, DOOR_SYSTEM, "out of memory");
		return NULL;
	}
	k->req = *r;
	k->req.targets = NULL;    /* the caller's: k->words are ours */
	buf_init(&k->respawn);
	snap_init(&k->s);
	if (parse_targets(k, r, e) != 0)
		goto fail;
	platform_self_manager(&k->self_mgr);
	if (platform_snapshot(&k->q, &k->s, e) != 0 || plan(k, e) != 0 ||
	    (k->req.tree && plan_parents(k, e) != 0)) {
		if (e->status == DOOR_OK)
			e->status = DOOR_SYSTEM;
		goto fail;
	}
	return k;
fail:
	kill_free(k);
	return NULL;
}

void
kill_free(struct kill *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->nv; i++)
		if (k->v[i].open)
			platform_proc_close(&k->v[i].h);
	free(k->v);
	snap_free(&k->s);
	buf_free(&k->respawn);
	for (int i = 0; k->words != NULL && i < k->req.ntargets; i++)
		free(k->words[i]);
	free(k->words);
	free(k->t);
	free(k);
}

size_t
kill_holders(const struct kill *k)
{
	size_t n = 0;

	for (size_t i = 0; i < k->nv; i++)
		if (!k->v[i].is_parent)
			n++;
	return n;
}

bool
kill_nobody(const struct kill *k)
{
	return k->nv == 0 && k->hidden == 0;
}

void
kill_put(struct buf *b, const char *s)
{
	esc_term(b, s, strlen(s));
}

void
kill_victim_label(struct buf *b, const struct kill_victim *v)
{
	kill_put(b, v->name);
	buf_printf(b, " (%d)", (int)v->id.pid);
}

void
kill_targets_text(const struct kill *k, struct buf *b)
{
	for (int i = 0; i < k->nt; i++) {
		buf_adds(b, i ? ", " : "");
		kill_put(b, k->words[i]);
	}
}

void
kill_plan_text(const struct kill *k, bool numeric, struct buf *b)
{
	size_t n = kill_holders(k);

	buf_printf(b, "door kill: %zu process%s hold%s ", n, n == 1 ? "" :
	    "es", n == 1 ? "s" : "");
	kill_targets_text(k, b);
	buf_printf(b, "/%s\n", proto_name(k->req.proto));
	for (size_t i = 0; i < k->nv; i++) {
		const struct kill_victim *v = &k->v[i];
		char                      user[64];

		buf_adds(b, "  ");
		kill_victim_label(b, v);
		if (v->is_parent)
			buf_printf(b, ", parent of %d (--tree)",
			    (int)v->child);
		else {
			const struct proc *p = &k->s.procs[v->proc];

			if (numeric)
				snprintf(user, sizeof user, "%u", v->uid);
			else
				platform_user_name(v->uid, user, sizeof user);
			buf_adds(b, ", user ");
			kill_put(b, user);
			if (p->have & PROC_HAVE_CMDLINE && p->cmdline_len) {
				buf_adds(b, ": ");
				esc_term_argv(b, p->cmdline,
				    p->cmdline_len > 120 ? 120 :
				    p->cmdline_len);
			}
		}
		if (v->out == KILL_REFUSED) {
			buf_adds(b, "\n    refused: ");
			kill_put(b, v->why);
		}
		buf_addc(b, '\n');
	}
	if (k->hidden > 0)
		buf_printf(b, "  and %zu socket%s whose holder door cannot "
		    "see%s\n", k->hidden, k->hidden == 1 ? "" : "s",
		    k->hidden_denied ? " (another user's: run with sudo)" :
		    " (not even as root)");
	buf_printf(b, "  plan: %s%s", k->req.dry ? "(dry run) " : "",
	    k->signame);
	if (k->escalate)
		buf_printf(b, ", KILL after %llu ms",
		    (unsigned long long)k->req.grace_ms);
	buf_addc(b, '\n');
}

const char *
kill_question(const struct kill *k)
{
	return k->nv == 1 ? "stop it?" : "stop them?";
}

void
kill_decline(struct kill *k)
{
	for (size_t i = 0; i < k->nv; i++)
		if (k->v[i].out == KILL_PLANNED)
			k->v[i].out = KILL_SKIPPED;
	k->declined = true;
	k->req.dry = true;
}
