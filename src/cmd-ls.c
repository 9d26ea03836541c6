/* cmd-ls.c - door [ls] [FILTER...]: every open door and who is behind it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "core/target.h"
#include "doors.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "out/table.h"
#include "probes.h"

static const struct opt_spec ls_opts[] = {
	{ "tcp", 't', NULL, "TCP only" },
	{ "udp", 'u', NULL, "UDP only" },
	{ "4", '4', NULL, "IPv4 only" },
	{ "6", '6', NULL, "IPv6 only" },
	{ "all", 'a', NULL, "also non-listening TCP sockets (ESTABLISHED, "
	    "TIME_WAIT...) with peers" },
	{ "user", 0, "NAME", "only doors of this user (name or uid)" },
	{ "pid", 'p', "PID", "only doors held by this process" },
	{ "name", 0, "PROC", "only doors of processes with this name" },
	{ "no-owners", 0, NULL, "do not look for processes (fastest)" },
	{ "thorough", 0, NULL, "look for holders in every process, not just "
	    "the socket's cgroup and user" },
	{ "probe", 0, NULL, "knock on every listed TCP door to see what "
	    "answers (all at once)" },
	{ NULL, 0, NULL, NULL },
};

static const struct table_col listen_cols[] = {
	{ "PORT", true }, { "PROTO", false }, { "ADDRESS", false },
	{ "PID", true }, { "PROCESS", false }, { "USER", false },
	{ "SERVICE", false },
};

static const struct table_col all_cols[] = {
	{ "PORT", true }, { "PROTO", false }, { "ADDRESS", false },
	{ "STATE", false }, { "PEER", false }, { "PID", true },
	{ "PROCESS", false }, { "USER", false }, { "SERVICE", false },
};

static bool
same_row(const struct snap *s, const struct entry *a, const struct entry *b)
{
	const struct sock *ka = &s->socks[a->sock], *kb = &s->socks[b->sock];

	if (ka->local.port != kb->local.port || ka->proto != kb->proto ||
	    a->proc != b->proc)
		return false;
	if (!doors_is_listening(ka) || !doors_is_listening(kb))
		return false;   /* a connection is its own row */
	return a->proc != SIZE_MAX || ka->uid == kb->uid;
}

/*
 * What answers there, with the confidence of the claim: the process's own
 * name and command line ("Vite (process)") beat the port number
 * ("usually PostgreSQL"), which is only a clue.
 */
static void
service_cell(struct table *t, const struct sock *k, const struct proc *p,
    const struct probe_result *pr)
{
	const struct known_port *kp[1];
	struct passive_id        pi;
	char                     what[96], cell[256];

	cell[0] = '\0';
	if (pr != NULL && pr->conf == PROBE_CONF_PROBE)
		probes_describe(pr, cell, sizeof cell);
	else if (p != NULL && passive_identify(p->name, (p->have &
	    PROC_HAVE_CMDLINE) ? p->cmdline : NULL, (p->have &
	    PROC_HAVE_CMDLINE) ? p->cmdline_len : 0, &pi)) {
		passive_label(&pi, what, sizeof what);
		id_describe(cell, sizeof cell, ID_PROCESS, what);
	} else if (known_lookup(k->local.port, k->proto, kp, 1) == 1)
		id_describe(cell, sizeof cell, ID_USUALLY, kp[0]->usually);
	else if (pr != NULL)
		probes_describe(pr, cell, sizeof cell);
	table_cell(t, cell, SGR_DIM);
}

/*
 * Decimal, as printf's %d and %u write it, into the end of buf[24]: two
 * number cells a row, each made twice (print_table), were a good part of
 * door ls's time through vsnprintf.
 */
static const char *
decimal(char buf[24], long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	char              *p = buf + 23;

	*p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

#define ADDR_CACHE 4

/* Everything a row of the ls table is made from (table_print_rows). */
struct ls_rows {
	const struct cmd_args *a;
	const struct snap     *s;
	const struct entry    *v;
	size_t                 n;
	bool                   all;
	const struct probes   *pr;
	struct buf             addrs;
	/* the last user name: rows come in runs of one user, and each name is
	 * asked for twice */
	bool                   have_user;
	uint32_t               user_uid;
	char                   user[64];
	/* addresses lately written out: most listeners of a machine share a
	 * handful (0.0.0.0, ::, loopback, an interface), and inet_ntop goes
	 * through sprintf; each row is made twice */
	struct {
		struct endpoint ep;
		char            text[ENDPOINT_ADDR_MAX];
	}                      addr[ADDR_CACHE];
	size_t                 naddr;
};

static const char *
row_user(struct ls_rows *r, uint32_t uid)
{
	if (!r->have_user || r->user_uid != uid) {
		doors_user(&r->a->out, uid, r->user, sizeof r->user);
		r->user_uid = uid;
		r->have_user = true;
	}
	return r->user;
}

/* The address of ep as endpoint_addr writes it, which depends on the
 * family and the address bytes alone (not the port). */
static const char *
addr_text(struct ls_rows *r, const struct endpoint *ep)
{
	size_t len = ep->family == AF_INET ? 4 : 16, slot;

	for (size_t i = 0; i < r->naddr && i < ADDR_CACHE; i++)
		if (r->addr[i].ep.family == ep->family &&
		    memcmp(r->addr[i].ep.addr, ep->addr, len) == 0)
			return r->addr[i].text;
	slot = r->naddr++ % ADDR_CACHE;
	r->addr[slot].ep = *ep;
	endpoint_addr(ep, r->addr[slot].text, sizeof r->addr[slot].text);
	return r->addr[slot].text;
}

/* "127.0.0.1, ::1": every distinct address the row's sockets are on. */
static void
row_addresses(struct ls_rows *r, const struct entry *v, size_t n)
{
	const struct snap *s = r->s;

	buf_reset(&r->addrs);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < i && !dup; j++)
			dup = endpoint_cmp(&s->socks[v[j].sock].local,
			    &s->socks[v[i].sock].local) == 0;
		if (dup)
			continue;
		if (r->addrs.len > 0)
			buf_adds(&r->addrs, ", ");
		buf_adds(&r->addrs, addr_text(r, &s->socks[v[i].sock].local));
	}
}

/* The row of the entries from v[i] on that share it (table_row_fn);
 * returns the index of the next row's first entry. */
static size_t
ls_row(struct table *t, void *ctx, size_t i)
{
	struct ls_rows     *r = ctx;
	const struct snap  *s = r->s;
	const struct entry *v = r->v;
	const struct sock  *k = &s->socks[v[i].sock];
	const struct proc  *p = v[i].proc == SIZE_MAX ? NULL :
	    &s->procs[v[i].proc];
	size_t              j = i + 1;
	char                num[24];

	while (j < r->n && same_row(s, &v[i], &v[j]))
		j++;
	row_addresses(r, v + i, j - i);
	table_cell(t, decimal(num, k->local.port), SGR_BOLD);
	table_cell(t, proto_name(k->proto), NULL);
	table_cell(t, buf_str(&r->addrs), NULL);
	if (r->all) {
		char peer[ENDPOINT_ADDR_MAX + 8];

		table_cell(t, sock_state_name(k), NULL);
		if (doors_is_listening(k))
			snprintf(peer, sizeof peer, "*");
		else
			endpoint_full(&k->remote, peer, sizeof peer);
		table_cell(t, peer, NULL);
	}
	if (p != NULL) {
		table_cell(t, decimal(num, p->pid), NULL);
		table_cell(t, p->name, SGR_CYAN);
		table_cell(t, row_user(r, (p->have & PROC_HAVE_UID) ? p->uid :
		    k->uid), NULL);
	} else {
		table_cell(t, "-", NULL);
		table_cell(t, k->owners == OWNERS_HIDDEN ? "(hidden)" :
		    k->owners == OWNERS_NOT_ASKED ? "-" :
		    k->inode == 0 ? "-" : "(none found)",
		    k->owners == OWNERS_HIDDEN ? SGR_YELLOW : SGR_DIM);
		table_cell(t, row_user(r, k->uid), NULL);
	}
	/* the last column is not padded: its text is not needed to measure */
	if (table_cell_unseen(t))
		table_cell(t, NULL, NULL);
	else
		service_cell(t, k, p, probes_of(r->pr, v[i].sock));
	return j;
}

/*
 * The rows are made twice, once to measure the columns and once to print,
 * rather than held: with 11,000 listeners the held cells (some 360 KB) were
 * part of what put door ls above ss -ltn's peak memory (bench/RESULTS.md).
 */
static void
print_table(const struct cmd_args *a, const struct snap *s,
    const struct entry *v, size_t n, bool all, const struct probes *pr)
{
	struct table   t;
	struct buf     out;
	struct ls_rows r;

	table_init(&t, &a->out, all ? all_cols : listen_cols,
	    all ? sizeof all_cols / sizeof all_cols[0] :
	    sizeof listen_cols / sizeof listen_cols[0]);
	t.stream = true;
	buf_init(&out);
	memset(&r, 0, sizeof r);
	r.a = a;
	r.s = s;
	r.v = v;
	r.n = n;
	r.all = all;
	r.pr = pr;
	buf_init(&r.addrs);
	table_print_rows(&t, ls_row, &r, n, &out);
	out_flush(&out);
	table_free(&t);
	buf_free(&out);
	buf_free(&r.addrs);
}

static void
print_json(const struct cmd_args *a, const struct snap *s,
    const struct entry *v, size_t n, const struct probes *pr)
{
	struct buf  out;
	struct json j;
	size_t     *idx = malloc((n ? n : 1) * sizeof *idx);
	size_t      ns;

	if (idx == NULL)
		return;
	ns = doors_socks(s, v, n, idx);
	buf_init(&out);
	json_init(&j, &out);
	json_arr_begin(&j);
	for (size_t i = 0; i < ns; i++)
		sockjson_write(&j, s, idx[i], &a->out, probes_of(pr, idx[i]));
	json_arr_end(&j);
	json_end(&j);
	out_flush(&out);
	buf_free(&out);
	free(idx);
}

static int
ls_exec(struct cmd_args *a)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct probes      pr;
	size_t             n = 0;
	int                rc;

	err_clear(&e);
	if (doors_options(a, &q, &f, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i];
		uint16_t    lo, hi;

		if (arg[0] == ':')
			arg++;
		if (port_range_parse(arg, strlen(arg), &lo, &hi, &e) != 0 ||
		    doors_add_range(&f, &q, lo, hi, &e) != 0) {
			out_error(e.msg);
			return DOOR_USAGE;
		}
	}
	/* the command line names the service (SERVICE column) */
	q.facts |= PROC_HAVE_CMDLINE;
	if (a->out.json)
		q.facts |= PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	if ((rc = doors_gather(&q, &f, &s, &v, &n)) != DOOR_OK)
		return rc;
	memset(&pr, 0, sizeof pr);
	if (cmd_flag(a, "probe"))
		probes_of_entries(&s, v, n, &pr);
	if (a->out.json)
		print_json(a, &s, v, n, &pr);
	else if (n > 0)
		print_table(a, &s, v, n, !q.listening_only, &pr);
	else
		out_note(&a->out, "no open doors%s", f.nranges || f.by_uid ||
		    f.pid || f.name ? " match" : "");
	if (!a->out.json || !a->out.quiet)
		doors_partial_note(&a->out, &s, "door ls");
	rc = n > 0 ? DOOR_OK : DOOR_NO;
	probes_free(&pr);
	free(v);
	snap_free(&s);
	return rc;
}

const struct cmd_entry cmd_ls_entry = {
	"ls", "[FILTER...]",
	"list open doors: listening TCP and bound UDP sockets, and who holds "
	"them",
	ls_opts, 0, -1, ls_exec,
};
