/* card.c - the card of a door (door who, door PORT, and door explain):
 * every address it is bound on and what that means, every holder, and the
 * next steps. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/duration.h"
#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "core/target.h"
#include "doors.h"
#include "out/escape.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "probes.h"

/* Appends untrusted text, escaped, to the card. */
static void
put(struct buf *b, const char *s, size_t n)
{
	esc_term(b, s, n);
}

static void
label(struct buf *b, const struct out_opts *o, const char *l)
{
	buf_printf(b, "  %s%-10s%s ", sgr(o, SGR_DIM), l, sgr_reset(o));
}

/*
 * What the set of bound addresses means for someone trying to reach it.
 * The classic trap is a server on ::1 only while a client dials 127.0.0.1
 * (or the reverse): say which one is refused.
 */
static void
meaning(const struct snap *s, const size_t *socks, size_t n, uint16_t port,
    struct buf *b)
{
	bool v4lo = false, v6lo = false, v4any = false, v6any = false;
	bool dual = false, v4other = false, v6other = false;

	for (size_t i = 0; i < n; i++) {
		const struct sock     *k = &s->socks[socks[i]];
		const struct endpoint *l = &k->local;

		if (l->family == AF_INET) {
			if (endpoint_is_any(l))
				v4any = true;
			else if (endpoint_is_loopback(l))
				v4lo = true;
			else
				v4other = true;
		} else {
			if (endpoint_is_any(l)) {
				v6any = true;
				dual |= k->v6only == 0;
			} else if (endpoint_is_loopback(l))
				v6lo = true;
			else
				v6other = true;
		}
	}
	if ((v4any && v6any) || dual)
		buf_adds(b, "all interfaces, IPv4 and IPv6: reachable from "
		    "other machines");
	else if (v4any)
		buf_printf(b, "all IPv4 interfaces: reachable from other "
		    "machines; [::1]:%u is %s", port, v6lo ? "taken too" :
		    "refused");
	else if (v6any)
		buf_printf(b, "all IPv6 interfaces only: 127.0.0.1:%u is %s",
		    port, v4lo ? "taken too" : "refused");
	else if (v4lo && v6lo)
		buf_adds(b, "loopback only, IPv4 and IPv6: this machine only");
	else if (v4lo && !v6lo && !v6other)
		buf_printf(b, "IPv4 loopback only: [::1]:%u is refused, and "
		    "so is localhost where it means ::1", port);
	else if (v6lo && !v4lo && !v4other)
		buf_printf(b, "IPv6 loopback only: 127.0.0.1:%u is refused, "
		    "and so is localhost where it means 127.0.0.1", port);
	else
		buf_adds(b, "specific interface addresses only");
	(void)v4other;
	(void)v6other;
}

/* "~/shop" when the path is under the invoking user's home. */
static void
put_dir(struct buf *b, const char *dir)
{
	const char *home = getenv("HOME");
	size_t      hl = home ? strlen(home) : 0;

	if (hl > 1 && strncmp(dir, home, hl) == 0 &&
	    (dir[hl] == '/' || dir[hl] == '\0')) {
		buf_addc(b, '~');
		put(b, dir + hl, strlen(dir + hl));
	} else
		put(b, dir, strlen(dir));
}

static bool
holds(const struct snap *s, const size_t *procs, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (s->procs[procs[i]].pid == pid)
			return true;
	return false;
}

static void
proc_block(const struct cmd_args *a, const struct snap *s,
    const size_t *procs, size_t n, size_t idx, struct buf *b)
{
	const struct proc *p = &s->procs[procs[idx]];
	char               user[64], age[32];

	label(b, &a->out, "process");
	buf_adds(b, sgr(&a->out, SGR_CYAN));
	put(b, p->name, strlen(p->name));
	buf_adds(b, sgr_reset(&a->out));
	buf_printf(b, ", pid %d", (int)p->pid);
	if (p->have & PROC_HAVE_UID) {
		doors_user(&a->out, p->uid, user, sizeof user);
		buf_adds(b, ", user ");
		put(b, user, strlen(user));
	}
	duration_format(platform_proc_age(p), age, sizeof age);
	buf_printf(b, ", up %s\n", age);
	label(b, &a->out, "command");
	if (p->have & PROC_HAVE_CMDLINE && p->cmdline_len > 0) {
		esc_term_argv(b, p->cmdline, p->cmdline_len);
		if (p->cmdline_cut)
			buf_adds(b, " [...cut at 128 KiB]");
	} else if (p->have & PROC_HAVE_CMDLINE)
		buf_adds(b, "[none: a kernel thread or a zombie]");
	else
		buf_adds(b, "[unreadable]");
	buf_addc(b, '\n');
	{
		struct passive_id pi;
		char              what[96], line[160];

		if (passive_identify(p->name, (p->have & PROC_HAVE_CMDLINE) ?
		    p->cmdline : NULL, (p->have & PROC_HAVE_CMDLINE) ?
		    p->cmdline_len : 0, &pi)) {
			passive_label(&pi, what, sizeof what);
			id_describe(line, sizeof line, ID_PROCESS, what);
			label(b, &a->out, "runs");
			put(b, line, strlen(line));
			buf_addc(b, '\n');
		}
	}
	label(b, &a->out, "directory");
	if (p->have & PROC_HAVE_CWD) {
		put_dir(b, p->cwd);
		if (p->cwd_deleted)
			buf_adds(b, " (deleted)");
	} else
		buf_adds(b, "[unreadable]");
	buf_addc(b, '\n');
	label(b, &a->out, "parent");
	if (p->have & PROC_HAVE_PARENT) {
		put(b, p->parent_name, strlen(p->parent_name));
		buf_printf(b, ", pid %d", (int)p->ppid);
		if (holds(s, procs, n, p->ppid))
			buf_adds(b, " (holds this door too: a forked worker)");
	} else
		buf_printf(b, "pid %d", (int)p->ppid);
	buf_addc(b, '\n');
}

/* What answered at the port: probes_describe's line, or for a door
 * that said nothing within the card's budget, how long it was given. */
static void
answer_line(const struct probe_result *r, uint16_t port, char *line,
    size_t size)
{
	if (r->silent_ms > 0)
		snprintf(line, size, "%s (door probe %u waits longer)",
		    r->error, port);
	else
		probes_describe(r, line, size);
}

/* "answers    nginx 1.22.1, HTTP 200 (probe)": one line, or one per
 * address when two addresses answer differently. */
static void
answers(const struct cmd_args *a, const struct snap *s, const size_t *socks,
    size_t ns, const struct probes *pr, struct buf *b)
{
	char first[256] = "";
	bool same = true;
	int  probed = 0;

	for (size_t i = 0; i < ns; i++) {
		const struct probe_result *r = probes_of(pr, socks[i]);
		char                       line[256];

		if (r == NULL)
			continue;
		answer_line(r, s->socks[socks[i]].local.port, line,
		    sizeof line);
		if (probed++ == 0)
			snprintf(first, sizeof first, "%s", line);
		else if (strcmp(first, line) != 0)
			same = false;
	}
	if (probed == 0)
		return;
	label(b, &a->out, "answers");
	if (same) {
		put(b, first, strlen(first));
		buf_addc(b, '\n');
		return;
	}
	for (size_t i = 0, k = 0; i < ns; i++) {
		const struct probe_result *r = probes_of(pr, socks[i]);
		char                       line[256], ep[ENDPOINT_ADDR_MAX + 8];

		if (r == NULL)
			continue;
		answer_line(r, s->socks[socks[i]].local.port, line,
		    sizeof line);
		endpoint_full(&s->socks[socks[i]].local, ep, sizeof ep);
		buf_printf(b, "%s%s: ", k++ ? "; " : "", ep);
		put(b, line, strlen(line));
	}
	buf_addc(b, '\n');
}

static void
card(const struct cmd_args *a, const struct snap *s, const struct entry *v,
    size_t n, bool next_steps, const struct probes *pr, struct buf *b)
{
	const struct sock       *k0 = &s->socks[v[0].sock];
	const struct known_port *kp[8];
	size_t                   nk, ns, np = 0;
	size_t                  *socks = calloc(n, sizeof *socks);
	size_t                  *procs = calloc(n, sizeof *procs);
	uint16_t                 port = k0->local.port;

	if (socks == NULL || procs == NULL)
		goto out;
	buf_printf(b, "%s%u/%s%s", sgr(&a->out, SGR_BOLD), port,
	    proto_name(k0->proto), sgr_reset(&a->out));
	nk = known_lookup(port, k0->proto, kp, 8);
	for (size_t i = 0; i < nk && i < 3; i++)
		buf_printf(b, "%s %s", i ? ";" : "  usually", kp[i]->usually);
	if (nk > 3)
		buf_printf(b, "; and %zu more: door known %u", nk - 3, port);
	buf_addc(b, '\n');
	ns = doors_socks(s, v, n, socks);
	label(b, &a->out, k0->proto == PROTO_TCP ? "listening" : "bound");
	for (size_t i = 0; i < ns; i++) {
		char ep[ENDPOINT_ADDR_MAX + 8];

		endpoint_full(&s->socks[socks[i]].local, ep, sizeof ep);
		buf_printf(b, "%s%s", i ? ", " : "", ep);
	}
	buf_adds(b, "  (");
	meaning(s, socks, ns, port, b);
	buf_adds(b, ")\n");
	answers(a, s, socks, ns, pr, b);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		if (v[i].proc == SIZE_MAX)
			continue;
		for (size_t j = 0; j < np && !dup; j++)
			dup = procs[j] == v[i].proc;
		if (!dup)
			procs[np++] = v[i].proc;
	}
	for (size_t i = 0; i < np; i++)
		proc_block(a, s, procs, np, i, b);
	for (size_t i = 0; i < ns; i++) {
		const struct sock *k = &s->socks[socks[i]];
		char               user[64], ep[ENDPOINT_ADDR_MAX + 8];

		if (k->owners == OWNERS_FOUND && !k->more_hidden)
			continue;
		endpoint_full(&k->local, ep, sizeof ep);
		doors_user(&a->out, k->uid, user, sizeof user);
		label(b, &a->out, "owner");
		if (k->owners == OWNERS_HIDDEN || k->more_hidden) {
			buf_printf(b, "%s%s of %s: ", sgr(&a->out, SGR_YELLOW),
			    k->owners == OWNERS_HIDDEN ? "hidden" :
			    "maybe more, hidden", ep);
			buf_adds(b, "the socket belongs to user ");
			put(b, user, strlen(user));
			buf_printf(b, " (uid %u)%s", k->uid,
			    sgr_reset(&a->out));
			if (!platform_privileged())
				buf_printf(b, "; run 'sudo door %u' to see the "
				    "process", port);
			else
				buf_adds(b, "; its process could not be read "
				    "even as root (another pid namespace or a "
				    "ptrace policy)");
		} else if (k->owners == OWNERS_NONE)
			buf_printf(b, "none visible for %s: the kernel's own "
			    "socket, or a process in another pid namespace",
			    ep);
		buf_addc(b, '\n');
	}
	/* next steps, for the verbs this build has */
	if (next_steps && (cmd_find("kill") != NULL ||
	    cmd_find("next") != NULL)) {
		label(b, &a->out, "next");
		if (cmd_find("kill") != NULL)
			buf_printf(b, "free it: door kill %u", port);
		if (cmd_find("kill") != NULL && cmd_find("next") != NULL)
			buf_adds(b, "    or ");
		if (cmd_find("next") != NULL)
			buf_printf(b, "take another door: door next %u", port);
		buf_addc(b, '\n');
	}
out:
	free(socks);
	free(procs);
}

/* Fills the filter's address from the target's host; -1 when the host is
 * not this machine. */
static int
target_filter(const struct target *t, struct door_filter *f,
    struct door_err *e)
{
	if (t->host[0] == '\0')
		return 0;
	if (!t->host_is_ip) {
		if (target_is_loopback(t)) {
			f->at_any_loopback = true;
			return 0;
		}
		return err_set(e, DOOR_USAGE, "door who looks at this "
		    "machine's doors; '%s' is not a local address (door check "
		    "knocks on other machines)", t->host);
	}
	memset(&f->at, 0, sizeof f->at);
	f->at.family = t->host_family;
	if (inet_pton(t->host_family, t->host, f->at.addr) != 1)
		return err_set(e, DOOR_USAGE, "'%s' is not an address",
		    t->host);
	if (!target_is_loopback(t) && !endpoint_is_any(&f->at) &&
	    !platform_is_local_address(t->host_family, f->at.addr))
		return err_set(e, DOOR_USAGE, "door who looks at this "
		    "machine's doors; %s is not one of its addresses",
		    t->host);
	return 0;
}

/* What the sockets-in hook needs to start the card's probes. */
struct early {
	const struct door_filter *f;
	struct probes_async       pa;
	bool                      started;
};

/* The sockets are in, their owners not yet: knock on the wanted ones
 * meanwhile (platform_snapshot_cb). */
static void
start_probes(const struct snap *s, void *arg)
{
	struct early *ea = arg;
	size_t       *socks = malloc((s->nsocks ? s->nsocks : 1) * sizeof *socks);
	size_t        n = 0;

	ea->started = true;
	if (socks == NULL) {
		memset(&ea->pa, 0, sizeof ea->pa);
		return;
	}
	for (size_t i = 0; i < s->nsocks; i++)
		if (doors_port_addr_wanted(ea->f, &s->socks[i]))
			socks[n++] = i;
	probes_start(&ea->pa, s, socks, n, PROBES_CARD_FIRST_MS);
	free(socks);
}

int
doors_who_render(const struct cmd_args *a, char **targets, int ntargets,
    bool next_steps, struct buf *out)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct target      t;
	struct probes      pr;
	struct early       ea;
	bool               probe = !cmd_flag(a, "no-probe");
	size_t             n = 0;
	int                rc = DOOR_NO;

	err_clear(&e);
	if (doors_options(a, &q, &f, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	/* all targets must share one host: one question to the kernel */
	for (int i = 0; i < ntargets; i++) {
		if (target_parse(targets[i], &t, &e) != 0 ||
		    doors_add_range(&f, &q, t.port_lo, t.port_hi, &e) != 0 ||
		    target_filter(&t, &f, &e) != 0) {
			out_error(e.msg);
			return DOOR_USAGE;
		}
	}
	q.facts |= PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_CGROUP |
	    PROC_HAVE_PARENT;
	/* what answers behind each door: loopback knocks, all at once, while
	 * the owners are looked for */
	memset(&ea, 0, sizeof ea);
	ea.f = &f;
	rc = doors_gather_cb(&q, &f, probe ? start_probes : NULL, &ea, &s, &v,
	    &n);
	memset(&pr, 0, sizeof pr);
	if (ea.started)
		probes_finish(&ea.pa, rc == DOOR_OK ? &s : NULL, &pr);
	if (rc != DOOR_OK)
		return rc;
	rc = DOOR_NO;
	if (a->out.json) {
		struct json j;
		size_t     *idx = malloc((n ? n : 1) * sizeof *idx);
		size_t      ns = idx ? doors_socks(&s, v, n, idx) : 0;

		json_init(&j, out);
		json_arr_begin(&j);
		for (size_t i = 0; i < ns; i++)
			sockjson_write(&j, &s, idx[i], &a->out,
			    probes_of(&pr, idx[i]));
		json_arr_end(&j);
		json_end(&j);
		free(idx);
	} else {
		size_t i = 0;

		while (i < n) {
			const struct sock *k = &s.socks[v[i].sock];
			size_t             j = i + 1;

			while (j < n && s.socks[v[j].sock].local.port ==
			    k->local.port && s.socks[v[j].sock].proto ==
			    k->proto)
				j++;
			if (i > 0)
				buf_addc(out, '\n');
			card(a, &s, v + i, j - i, next_steps, &pr, out);
			i = j;
		}
		if (n == 0) {
			for (int t_i = 0; t_i < ntargets; t_i++) {
				buf_adds(out, "nobody is behind ");
				put(out, targets[t_i], strlen(targets[t_i]));
				buf_printf(out, ": nothing listens there%s\n",
				    q.tcp && q.udp ? " (tcp or udp)" : "");
			}
		}
	}
	probes_free(&pr);
	if (n > 0)
		rc = DOOR_OK;
	free(v);
	snap_free(&s);
	return rc;
}


int
doors_who(const struct cmd_args *a, char **targets, int ntargets,
    bool next_steps)
{
	struct buf out;
	int        rc;

	buf_init(&out);
	rc = doors_who_render(a, targets, ntargets, next_steps, &out);
	out_flush(&out);
	buf_free(&out);
	return rc;
}
