/* metrics.c - door ls --format openmetrics: one door_listener_info
 * sample per (door, process) with what door knows of it as labels, and a
 * few counts. The format is src/out/openmetrics.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "metrics.h"
#include "out/openmetrics.h"

int
metrics_format(struct cmd_args *a, enum ls_format *f, struct door_err *e)
{
	const char *v = cmd_value(a, "format");

	*f = a->out.json ? LS_FORMAT_JSON : LS_FORMAT_TABLE;
	if (v == NULL)
		return 0;
	if (strcmp(v, "table") == 0)
		*f = LS_FORMAT_TABLE;
	else if (strcmp(v, "json") == 0)
		*f = LS_FORMAT_JSON;
	else if (strcmp(v, "openmetrics") == 0)
		*f = LS_FORMAT_OPENMETRICS;
	else
		return err_set(e, DOOR_USAGE, "--format is table, json or "
		    "openmetrics, not '%.32s'", v);
	if (a->out.json && *f != LS_FORMAT_JSON)
		return err_set(e, DOOR_USAGE, "--json and --format %s: choose "
		    "one", v);
	if (*f == LS_FORMAT_OPENMETRICS && cmd_flag(a, "all"))
		return err_set(e, DOOR_USAGE, "--format openmetrics lists the "
		    "listening doors: drop --all");
	a->out.json = *f == LS_FORMAT_JSON;
	return 0;
}

uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* What answers there, as ls's SERVICE column says it, without the
 * version or the details that change from scrape to scrape (a label that
 * changes is a new series). */
static void
service_of(const struct sock *k, const struct proc *p,
    const struct probe_result *pr, const char **svc, const char **conf)
{
	const struct known_port *kp[1];
	struct passive_id        pi;

	*svc = "";
	*conf = "";
	if (pr != NULL && pr->conf == PROBE_CONF_PROBE &&
	    (pr->id.product[0] || pr->id.service[0])) {
		*svc = pr->id.product[0] ? pr->id.product : pr->id.service;
		*conf = id_confidence_name(ID_PROBE);
	} else if (p != NULL && passive_identify(p->name, (p->have &
	    PROC_HAVE_CMDLINE) ? p->cmdline : NULL, (p->have &
	    PROC_HAVE_CMDLINE) ? p->cmdline_len : 0, &pi)) {
		*svc = pi.product;
		*conf = id_confidence_name(ID_PROCESS);
	} else if (known_lookup(k->local.port, k->proto, kp, 1) == 1) {
		*svc = kp[0]->usually;
		*conf = id_confidence_name(ID_USUALLY);
	}
}

static void
label(struct om_sample *m, const char *name, const char *value)
{
	om_label(m, name, value, strlen(value));
}

/* The door_listener_info line of one entry, into row. */
static void
info_line(const struct cmd_args *a, const struct snap *s,
    const struct entry *e, const struct probes *pr, struct buf *row)
{
	const struct sock *k = &s->socks[e->sock];
	const struct proc *p = e->proc == SIZE_MAX ? NULL :
	    &s->procs[e->proc];
	struct om_sample   m;
	const char        *svc, *conf;
	char               num[8], addr[ENDPOINT_ADDR_MAX], user[64];

	snprintf(num, sizeof num, "%u", k->local.port);
	endpoint_addr(&k->local, addr, sizeof addr);
	doors_user(&a->out, p != NULL && (p->have & PROC_HAVE_UID) ? p->uid :
	    k->uid, user, sizeof user);
	service_of(k, p, probes_of(pr, e->sock), &svc, &conf);
	om_begin(&m, row, "door_listener_info");
	label(&m, "port", num);
	label(&m, "proto", proto_name(k->proto));
	label(&m, "address", addr);
	label(&m, "family", family_name(k->local.family));
	label(&m, "process", p != NULL ? p->name : "");
	label(&m, "user", user);
	label(&m, "service", svc);
	label(&m, "confidence", conf);
	om_end(&m, "1");
}

/* Whether line (len bytes) is one of the lines of b from off on. */
static bool
seen_line(const struct buf *b, size_t off, const char *line, size_t len)
{
	while (off < b->len) {
		const char *nl = memchr(b->p + off, '\n', b->len - off);
		size_t      l = nl ? (size_t)(nl - (b->p + off)) + 1 :
		    b->len - off;

		if (l == len && memcmp(b->p + off, line, len) == 0)
			return true;
		off += l;
	}
	return false;
}

void
metrics_write(const struct cmd_args *a, const struct snap *s,
    const struct entry *v, size_t n, const struct probes *pr,
    uint64_t usec)
{
	struct buf out, row;
	size_t     count[2] = { 0, 0 }, hidden = 0, group = 0;
	char      *seen = calloc(s->nsocks ? s->nsocks : 1, 1);
	char       num[32];

	if (seen == NULL) {
		out_error("out of memory");
		return;
	}
	buf_init(&out);
	buf_init(&row);
	om_family(&out, "door_listener_info", "gauge", "A listening TCP or "
	    "bound UDP socket and a process holding it (door ls), always 1.");
	for (size_t i = 0; i < n; i++) {
		const struct sock *k = &s->socks[v[i].sock];

		if (!doors_is_listening(k))
			continue;
		/* duplicates (forked workers) are within one port and proto */
		if (i == 0 || k->local.port != s->socks[v[i - 1].sock].local.port
		    || k->proto != s->socks[v[i - 1].sock].proto)
			group = out.len;
		buf_reset(&row);
		info_line(a, s, &v[i], pr, &row);
		if (!seen_line(&out, group, row.p, row.len))
			buf_add(&out, row.p, row.len);
		if (!seen[v[i].sock]) {
			seen[v[i].sock] = 1;
			count[k->proto == PROTO_UDP]++;
			if (k->owners == OWNERS_HIDDEN || k->more_hidden)
				hidden++;
		}
	}
	om_family(&out, "door_listeners", "gauge", "Listening TCP and bound "
	    "UDP sockets, by protocol.");
	for (int p = 0; p < 2; p++) {
		struct om_sample m;

		om_begin(&m, &out, "door_listeners");
		label(&m, "proto", p ? "udp" : "tcp");
		snprintf(num, sizeof num, "%zu", count[p]);
		om_end(&m, num);
	}
	om_family(&out, "door_owners_hidden", "gauge", "Listening sockets "
	    "whose holders could not all be read (permission, another pid "
	    "namespace).");
	snprintf(num, sizeof num, "door_owners_hidden %zu\n", hidden);
	buf_adds(&out, num);
	om_family(&out, "door_scrape_duration_seconds", "gauge", "How long "
	    "door took to read the sockets and their holders.");
	snprintf(num, sizeof num, "%llu.%06llu",
	    (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000));
	buf_printf(&out, "door_scrape_duration_seconds %s\n", num);
	if (out.oom)
		out_error("out of memory");
	else
		out_flush(&out);
	buf_free(&out);
	buf_free(&row);
	free(seen);
}
