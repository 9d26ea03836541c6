/* cmd-probe.c - door probe TARGET...: what actually answers behind a door
 * (like nmap -sV, fast and harmless). Knocks first, then probes the first
 * open address of each target, or every open port of a range, all at
 * once; the port table and the local owner's process name order the
 * probes, the answer decides. */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/duration.h"
#include "core/known.h"
#include "knock/plan.h"
#include "out/escape.h"
#include "out/json.h"
#include "platform/platform.h"
#include "probe/probe.h"

static const struct opt_spec probe_opts[] = {
	{ "timeout", 0, "DUR", "per door, every probe included (default 1s)" },
	{ "4", '4', NULL, "IPv4 addresses only" },
	{ "6", '6', NULL, "IPv6 addresses only" },
	{ NULL, 0, NULL, NULL },
};

/* One line of the answer: a probed door, or a target with none open. */
struct row {
	size_t                  target;
	uint16_t                port;
	struct probe_door      *door;   /* NULL: nothing open to probe */
	const struct knock_job *job;    /* the knock behind a closed row */
};

/* The web services one another: http on a TLS port is no lie. */
static bool
web(const char *s)
{
	return strcmp(s, "http") == 0 || strcmp(s, "tls") == 0;
}

/* The port table's meaning when the probe proved it wrong. */
static const struct known_port *
lied(const struct row *r)
{
	const struct known_port *kp[16];
	size_t                   n = known_lookup(r->port, PROTO_TCP, kp, 16);
	const char              *svc = r->door->r.id.service;

	if (r->door->r.conf != PROBE_CONF_PROBE || n == 0)
		return NULL;
	const struct known_port *said = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *ks = probe_service_of_known(kp[i]->name);

		/* a row door cannot map to a protocol says nothing either
		 * way; a row the probe agrees with: the number did not lie */
		if (ks == NULL)
			continue;
		if (strcmp(ks, svc) == 0 || (web(ks) && web(svc)))
			return NULL;
		if (said == NULL)
			said = kp[i];
	}
	return said;
}

/* The local owners' process names: clues for the order of probes. */
static void
hints(struct probe_door *d, size_t n)
{
	struct sock_query q;
	struct snap       s;
	struct door_err   e;
	uint16_t          lo = 65535, hi = 1;
	bool              any = false;

	for (size_t i = 0; i < n; i++) {
		const struct sockaddr_storage *ss = &d[i].addr;
		const void *a = ss->ss_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		uint16_t    p = ntohs(ss->ss_family == AF_INET ?
		    ((const struct sockaddr_in *)ss)->sin_port :
		    ((const struct sockaddr_in6 *)ss)->sin6_port);

		if (!platform_is_local_address(ss->ss_family, a))
			continue;
		any = true;
		lo = p < lo ? p : lo;
		hi = p > hi ? p : hi;
	}
	if (!any)
		return;
	memset(&q, 0, sizeof q);
	q.tcp = q.v4 = q.v6 = q.listening_only = true;
	q.port_lo = lo;
	q.port_hi = hi;
	q.owners = OWNER_NARROW;
	q.source = SOURCE_AUTO;
	snap_init(&s);
	err_clear(&e);
	/* no owners is no clue, not a failure: the probe still decides */
	if (platform_snapshot(&q, &s, &e) == 0)
		for (size_t i = 0; i < n; i++) {
			const struct sockaddr_storage *ss = &d[i].addr;
			uint16_t p = ntohs(ss->ss_family == AF_INET ?
			    ((const struct sockaddr_in *)ss)->sin_port :
			    ((const struct sockaddr_in6 *)ss)->sin6_port);

			for (size_t k = 0; k < s.nsocks && d[i].hint[0] == 0;
			    k++) {
				const struct sock *so = &s.socks[k];

				if (so->local.port != p || so->owner_count == 0)
					continue;
				snprintf(d[i].hint, sizeof d[i].hint, "%s",
				    s.procs[s.owners[so->owner_first].proc].name);
			}
		}
	snap_free(&s);
}

static void
label(const struct knock_target *kt, uint16_t port, struct buf *b)
{
	if (kt->t.host[0] == '\0') {
		buf_printf(b, "%u/tcp", port);
		return;
	}
	if (strchr(kt->t.host, ':') != NULL)
		buf_addc(b, '[');
	esc_term(b, kt->t.host, strlen(kt->t.host));
	if (strchr(kt->t.host, ':') != NULL)
		buf_addc(b, ']');
	buf_printf(b, ":%u", port);
}

/* "; not the http the process python3 suggested": a clue the answer
 * contradicted is still worth seeing, next to what contradicted it. */
static void
clue_said(const struct probe_result *pr, struct buf *out)
{
	const struct probe_clue *cl = &pr->clue;

	if (pr->conf != PROBE_CONF_NONE || cl->conf == PROBE_CONF_NONE)
		return;
	buf_adds(out, "; not the ");
	esc_term(out, cl->service, strlen(cl->service));
	if (cl->conf == PROBE_CONF_PROCESS) {
		buf_adds(out, " its process ");
		esc_term(out, cl->product, strlen(cl->product));
		buf_adds(out, " suggested");
	} else
		buf_adds(out, " the port number suggested");
}

/* The second column's text: what answered, or why nothing did. */
static size_t
service_width(const struct row *r)
{
	const struct probe_result *pr = r->door ? &r->door->r : NULL;

	if (pr == NULL)
		return strlen("closed");
	if (pr->conf == PROBE_CONF_NONE)
		return strlen("unknown");
	return strlen(pr->id.service) + (pr->conf != PROBE_CONF_PROBE);
}

static void
pad(struct buf *out, size_t have, size_t want)
{
	for (; have < want; have++)
		buf_addc(out, ' ');
}

static void
human(const struct cmd_args *a, const struct knock_plan *p,
    const struct row *rows, size_t nrows, struct buf *out)
{
	size_t w = 0, sw = 0;

	for (size_t i = 0; i < nrows; i++)
		if (service_width(&rows[i]) > sw)
			sw = service_width(&rows[i]);

	for (size_t i = 0; i < nrows; i++) {
		struct buf l;

		buf_init(&l);
		label(&p->targets[rows[i].target], rows[i].port, &l);
		if (text_width(l.p, l.len) > w)
			w = text_width(l.p, l.len);
		buf_free(&l);
	}
	for (size_t i = 0; i < nrows; i++) {
		const struct row          *r = &rows[i];
		const struct knock_target *kt = &p->targets[r->target];
		const struct probe_result *pr;
		const struct known_port   *kp;
		struct buf                 l;

		buf_init(&l);
		label(kt, r->port, &l);
		buf_add(out, l.p, l.len);
		for (size_t k = text_width(l.p, l.len); k < w + 2; k++)
			buf_addc(out, ' ');
		buf_free(&l);
		if (r->door == NULL) {
			buf_printf(out, "%sclosed%s  ", sgr(&a->out, SGR_RED),
			    sgr_reset(&a->out));
			pad(out, service_width(r), sw);
			if (kt->naddrs == 0)
				esc_term(out, kt->why, strlen(kt->why));
			else if (kt->nports > 1)
				buf_adds(out, "no open door in this range");
			else
				buf_printf(out, "%s", r->job ?
				    knock_state_name(r->job->state) : "closed");
			buf_addc(out, '\n');
			continue;
		}
		pr = &r->door->r;
		if (pr->conf == PROBE_CONF_PROBE) {
			buf_printf(out, "%s", sgr(&a->out, SGR_GREEN));
			esc_term(out, pr->id.service, strlen(pr->id.service));
			buf_printf(out, "%s  ", sgr_reset(&a->out));
			pad(out, service_width(r), sw);
			if (pr->id.product[0] != '\0') {
				esc_term(out, pr->id.product,
				    strlen(pr->id.product));
				buf_addc(out, ' ');
			}
			if (pr->id.version[0] != '\0') {
				esc_term(out, pr->id.version,
				    strlen(pr->id.version));
				buf_addc(out, ' ');
			}
			buf_adds(out, "(probe)");
			if (pr->id.detail[0] != '\0') {
				buf_adds(out, ", ");
				esc_term(out, pr->id.detail,
				    strlen(pr->id.detail));
			}
			if ((kp = lied(r)) != NULL) {
				buf_adds(out, " \xe2\x80\x94 the port usually "
				    "means ");
				esc_term(out, kp->usually, strlen(kp->usually));
				buf_adds(out, ": the number lied");
			}
		} else {
			buf_printf(out, "%s", sgr(&a->out, SGR_YELLOW));
			if (pr->conf == PROBE_CONF_NONE)
				buf_adds(out, "unknown");
			else {
				esc_term(out, pr->id.service,
				    strlen(pr->id.service));
				buf_addc(out, '?');
			}
			buf_printf(out, "%s  ", sgr_reset(&a->out));
			pad(out, service_width(r), sw);
			if (pr->conf == PROBE_CONF_PROCESS) {
				esc_term(out, pr->id.product,
				    strlen(pr->id.product));
				buf_adds(out, " (process); ");
			} else if (pr->conf == PROBE_CONF_USUALLY) {
				esc_term(out, pr->id.product,
				    strlen(pr->id.product));
				buf_adds(out, " (usually); ");
			}
			esc_term(out, pr->error, strlen(pr->error));
			clue_said(pr, out);
		}
		buf_addc(out, '\n');
	}
}

static void
json_opt_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s != NULL && s[0] != '\0')
		json_str(j, s);
	else
		json_null(j);
}

static void
json_rows(const struct knock_plan *p, const struct row *rows, size_t nrows,
    struct buf *out)
{
	struct json j;

	json_init(&j, out);
	json_arr_begin(&j);
	for (size_t i = 0; i < nrows; i++) {
		const struct row          *r = &rows[i];
		const struct knock_target *kt = &p->targets[r->target];
		const struct known_port   *kp[4];
		size_t                     nk = known_lookup(r->port, PROTO_TCP,
					       kp, 4);
		const struct probe_result *pr = r->door ? &r->door->r : NULL;
		char                       addr[KNOCK_ADDR_TEXT + 16] = "";
		char                       ms[32];

		if (r->door != NULL) {
			knock_addr_format((const struct sockaddr *)
			    &r->door->addr, addr, sizeof addr);
			/* the address alone, without brackets and port */
			for (size_t k = strlen(addr); k > 0; k--)
				if (addr[k - 1] == ':') {
					addr[k - 1] = '\0';
					break;
				}
			if (addr[0] == '[') {
				memmove(addr, addr + 1, strlen(addr));
				addr[strlen(addr) - 1] = '\0';
			}
		}
		json_obj_begin(&j);
		json_key(&j, "target");
		json_str(&j, kt->arg);
		json_key(&j, "host");
		json_str(&j, kt->t.host[0] ? kt->t.host : "localhost");
		json_opt_str(&j, "address", addr);
		json_key(&j, "port");
		json_uint(&j, r->port);
		json_key(&j, "proto");
		json_str(&j, "tcp");
		json_key(&j, "state");
		json_str(&j, r->door ? "open" : r->job ?
		    knock_state_name(r->job->state) : kt->naddrs == 0 ?
		    "unresolved" : "closed");
		json_opt_str(&j, "service", pr && pr->conf !=
		    PROBE_CONF_NONE ? pr->id.service : NULL);
		json_opt_str(&j, "product", pr && pr->conf !=
		    PROBE_CONF_NONE ? pr->id.product : NULL);
		json_opt_str(&j, "version", pr && pr->conf ==
		    PROBE_CONF_PROBE ? pr->id.version : NULL);
		json_key(&j, "confidence");
		if (pr != NULL && pr->conf != PROBE_CONF_NONE)
			json_str(&j, probe_conf_name(pr->conf));
		else
			json_null(&j);
		json_opt_str(&j, "detail", pr && pr->conf == PROBE_CONF_PROBE ?
		    pr->id.detail : NULL);
		json_key(&j, "clue");
		if (pr != NULL && pr->clue.conf != PROBE_CONF_NONE) {
			json_obj_begin(&j);
			json_key(&j, "service");
			json_str(&j, pr->clue.service);
			json_opt_str(&j, "product", pr->clue.product);
			json_key(&j, "confidence");
			json_str(&j, probe_conf_name(pr->clue.conf));
			json_obj_end(&j);
		} else
			json_null(&j);
		json_key(&j, "tls");
		if (pr != NULL && pr->tls)
			json_str(&j, pr->tls_version);
		else
			json_bool(&j, false);
		json_key(&j, "http");
		if (pr != NULL && pr->http_status > 0) {
			json_obj_begin(&j);
			json_key(&j, "status");
			json_int(&j, pr->http_status);
			json_opt_str(&j, "server", pr->http_server);
			json_opt_str(&j, "powered_by", pr->http_powered_by);
			json_obj_end(&j);
		} else
			json_null(&j);
		json_key(&j, "usually");
		json_arr_begin(&j);
		for (size_t k = 0; k < nk; k++)
			json_str(&j, kp[k]->usually);
		json_arr_end(&j);
		json_key(&j, "port_lied");
		json_bool(&j, pr != NULL && lied(r) != NULL);
		json_opt_str(&j, "process", r->door ? r->door->hint : NULL);
		json_key(&j, "ms");
		if (pr != NULL) {
			snprintf(ms, sizeof ms, "%.3f", pr->usec / 1000.0);
			json_raw(&j, ms);
		} else
			json_null(&j);
		json_key(&j, "error");
		if (pr != NULL && pr->conf != PROBE_CONF_PROBE)
			json_str(&j, pr->error);
		else if (pr == NULL)
			json_str(&j, kt->naddrs == 0 ? kt->why : kt->nports > 1 ?
			    "no open door in this range" : r->job ?
			    knock_state_name(r->job->state) : "closed");
		else
			json_null(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

/* The first open address of each port of target i, into rows and doors;
 * a target with nothing open gets one closed row. */
static void
lay_out(struct knock_plan *p, size_t i, struct row *rows, size_t *nrows,
    struct probe_door *doors, size_t *ndoors)
{
	const struct knock_target *kt = &p->targets[i];
	bool                       any = false;
	char                       host[PROBE_HOST_MAX];

	for (size_t k = 0; k < kt->nports; k++) {
		uint16_t port = (uint16_t)(kt->t.port_lo + k);

		for (size_t ad = 0; ad < kt->naddrs; ad++) {
			const struct knock_job *j = knock_plan_job(p, i, ad, k);
			struct row             *r;

			if (j->state != KNOCK_OPEN)
				continue;
			if (kt->t.host[0] == '\0')
				snprintf(host, sizeof host, "localhost:%u",
				    port);
			else if (strchr(kt->t.host, ':') != NULL)
				snprintf(host, sizeof host, "[%s]:%u",
				    kt->t.host, port);
			else
				snprintf(host, sizeof host, "%s:%u",
				    kt->t.host, port);
			probe_door_init(&doors[*ndoors],
			    (const struct sockaddr *)&j->addr, j->len, 0, host,
			    NULL);
			r = &rows[(*nrows)++];
			r->target = i;
			r->port = port;
			r->door = &doors[(*ndoors)++];
			r->job = j;
			any = true;
			break;
		}
	}
	if (!any) {
		struct row *r = &rows[(*nrows)++];

		r->target = i;
		r->port = kt->t.port_lo;
		r->door = NULL;
		r->job = kt->naddrs > 0 ? knock_plan_job(p, i, 0, 0) : NULL;
	}
}

static int
probe_exec(struct cmd_args *a)
{
	struct knock_plan  p;
	struct knock_opts  ko;
	struct probe_opts  po;
	struct door_err    e;
	struct probe_door *doors = NULL;
	struct row        *rows = NULL;
	struct buf         out;
	const char        *v;
	uint64_t           ms = PROBE_TIMEOUT_MS;
	size_t             nopen = 0, nrows = 0, ndoors = 0;
	bool               all = true;
	int                rc = DOOR_SYSTEM;

	err_clear(&e);
	memset(&ko, 0, sizeof ko);
	memset(&po, 0, sizeof po);
	if ((v = cmd_value(a, "timeout")) != NULL &&
	    (duration_parse(v, &ms, &e) != 0 || (ms == 0 &&
	    err_set(&e, DOOR_USAGE, "--timeout must be more than 0") != 0))) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	ko.timeout_ms = po.timeout_ms = (uint32_t)ms;
	if (knock_plan_parse(&p, a->argv, a->argc, cmd_flag(a, "4") ||
	    !cmd_flag(a, "6"), cmd_flag(a, "6") || !cmd_flag(a, "4"),
	    &e) != 0) {
		out_error(e.msg);
		knock_plan_free(&p);
		return DOOR_USAGE;
	}
	if (knock_plan_resolve(&p, &e) != 0 ||
	    knock_plan_run(&p, &ko, &e) != 0)
		goto fail;
	/* at most one door per port of each target, plus closed rows */
	for (size_t i = 0; i < p.ntargets; i++)
		nopen += p.targets[i].nports + 1;
	doors = calloc(nopen, sizeof *doors);
	rows = calloc(nopen, sizeof *rows);
	if (doors == NULL || rows == NULL) {
		err_set(&e, DOOR_SYSTEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < p.ntargets; i++)
		lay_out(&p, i, rows, &nrows, doors, &ndoors);
	hints(doors, ndoors);
	if (probe_run(doors, ndoors, &po, &e) != 0)
		goto fail;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].door == NULL ||
		    rows[i].door->r.conf != PROBE_CONF_PROBE)
			all = false;
	buf_init(&out);
	if (a->out.json)
		json_rows(&p, rows, nrows, &out);
	else
		human(a, &p, rows, nrows, &out);
	out_flush(&out);
	buf_free(&out);
	rc = all ? DOOR_OK : DOOR_NO;
	goto done;
fail:
	out_error(e.msg);
	rc = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
done:
	free(doors);
	free(rows);
	knock_plan_free(&p);
	return rc;
}

const struct cmd_entry cmd_probe_entry = {
	"probe", "TARGET...",
	"what answers behind a door: HTTP, TLS, Redis, PostgreSQL, SSH...",
	probe_opts, 1, -1, probe_exec,
};
