/* lstable.c - the rows of door ls's table (lstable.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/known.h"
#include "core/passive.h"
#include "lstable.h"

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

bool
ls_same_row(const struct snap *s, const struct entry *a, const struct entry *b)
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

static const char *
row_user(struct ls_rows *r, uint32_t uid)
{
	if (!r->have_user || r->user_uid != uid) {
		doors_user(r->o, uid, r->user, sizeof r->user);
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

	for (size_t i = 0; i < r->naddr && i < LS_ADDR_CACHE; i++)
		if (r->addr[i].ep.family == ep->family &&
		    memcmp(r->addr[i].ep.addr, ep->addr, len) == 0)
			return r->addr[i].text;
	slot = r->naddr++ % LS_ADDR_CACHE;
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
size_t
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

	while (j < r->n && ls_same_row(s, &v[i], &v[j]))
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


void
ls_table_init(struct table *t, const struct out_opts *o, bool all)
{
	table_init(t, o, all ? all_cols : listen_cols,
	    all ? sizeof all_cols / sizeof all_cols[0] :
	    sizeof listen_cols / sizeof listen_cols[0]);
}

void
ls_rows_init(struct ls_rows *r, const struct out_opts *o,
    const struct snap *s, const struct entry *v, size_t n, bool all,
    const struct probes *pr)
{
	memset(r, 0, sizeof *r);
	r->o = o;
	r->s = s;
	r->v = v;
	r->n = n;
	r->all = all;
	r->pr = pr;
	buf_init(&r->addrs);
}

void
ls_rows_free(struct ls_rows *r)
{
	buf_free(&r->addrs);
}
