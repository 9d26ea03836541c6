/* cmd-check.c - door check TARGET...: knock on doors, local or remote, like
 * nc -vz for many targets at once. Every address of every target gets a
 * verdict: open, refused, timeout, unreachable or error, with a latency. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "core/duration.h"
#include "knock/plan.h"
#include "out/escape.h"
#include "out/json.h"

static const struct opt_spec check_opts[] = {
	{ "timeout", 0, "DUR", "per attempt (default 1s)" },
	{ "all", 'a', NULL, "for ranges, list every verdict, not only open "
	    "doors" },
	{ "4", '4', NULL, "IPv4 addresses only" },
	{ "6", '6', NULL, "IPv6 addresses only" },
	{ NULL, 0, NULL, NULL },
};

static const char *
state_sgr(enum knock_state s)
{
	switch (s) {
	case KNOCK_OPEN:    return SGR_GREEN;
	case KNOCK_REFUSED: return SGR_RED;
	default:            return SGR_YELLOW;
	}
}

static void
put_ms(struct buf *b, const struct knock_job *j)
{
	if (j->usec < 10000)
		buf_printf(b, "%.1f ms", j->usec / 1000.0);
	else
		buf_printf(b, "%u ms", (j->usec + 500) / 1000);
}

/* "open on ::1 (0.3 ms), refused on 127.0.0.1": one target, one port. */
static void
single_line(const struct cmd_args *a, const struct knock_plan *p, size_t i,
    struct buf *b)
{
	const struct knock_target *kt = &p->targets[i];

	if (kt->naddrs == 0) {
		buf_printf(b, "%sunresolved%s: ", sgr(&a->out, SGR_YELLOW),
		    sgr_reset(&a->out));
		esc_term(b, kt->why, strlen(kt->why));
		return;
	}
	/* open addresses first: the answer, then the rest */
	for (int pass = 0; pass < 2; pass++)
		for (size_t ad = 0; ad < kt->naddrs; ad++) {
			const struct knock_job *j = knock_plan_job(p, i, ad, 0);

			if ((pass == 0) != (j->state == KNOCK_OPEN))
				continue;
			if (b->len > 0 && b->p[b->len - 1] != ' ')
				buf_adds(b, ", ");
			buf_printf(b, "%s%s%s", sgr(&a->out,
			    state_sgr(j->state)), knock_state_name(j->state),
			    sgr_reset(&a->out));
			if (kt->naddrs > 1 || kt->t.host[0] == '\0' ||
			    strcmp(kt->addrs[ad].text, kt->t.host) != 0) {
				buf_adds(b, " on ");
				esc_term(b, kt->addrs[ad].text,
				    strlen(kt->addrs[ad].text));
			}
			if (j->state == KNOCK_OPEN ||
			    j->state == KNOCK_REFUSED) {
				buf_adds(b, " (");
				put_ms(b, j);
				buf_addc(b, ')');
			} else if (j->state == KNOCK_ERROR ||
			    j->state == KNOCK_UNREACHABLE)
				buf_printf(b, " (%s)", strerror(j->err));
		}
}

static void
range_lines(const struct cmd_args *a, const struct knock_plan *p, size_t i,
    bool all, struct buf *out)
{
	const struct knock_target *kt = &p->targets[i];
	size_t                     count[KNOCK_ERROR + 1] = { 0 };
	bool                       first = true;

	for (size_t ad = 0; ad < kt->naddrs; ad++)
		for (size_t k = 0; k < kt->nports; k++)
			count[knock_plan_job(p, i, ad, k)->state]++;
	for (int s = KNOCK_OPEN; s <= KNOCK_ERROR; s++) {
		if (count[s] == 0 && s != KNOCK_OPEN)
			continue;
		buf_printf(out, "%s%zu %s", first ? "" : ", ", count[s],
		    knock_state_name((enum knock_state)s));
		first = false;
	}
	if (kt->naddrs == 0) {
		buf_adds(out, " (unresolved: ");
		esc_term(out, kt->why, strlen(kt->why));
		buf_addc(out, ')');
	}
	buf_addc(out, '\n');
	for (size_t ad = 0; ad < kt->naddrs; ad++)
		for (size_t k = 0; k < kt->nports; k++) {
			const struct knock_job *j = knock_plan_job(p, i, ad, k);
			char                    ep[KNOCK_ADDR_TEXT + 16];

			if (!all && j->state != KNOCK_OPEN)
				continue;
			knock_addr_format((const struct sockaddr *)&j->addr,
			    ep, sizeof ep);
			buf_adds(out, "  ");
			esc_term(out, ep, strlen(ep));
			buf_printf(out, "  %s%s%s", sgr(&a->out,
			    state_sgr(j->state)), knock_state_name(j->state),
			    sgr_reset(&a->out));
			if (j->state == KNOCK_OPEN) {
				buf_adds(out, " (");
				put_ms(out, j);
				buf_addc(out, ')');
			}
			buf_addc(out, '\n');
		}
}

static void
json_job(struct json *j, const struct knock_target *kt,
    const struct knock_addr *ad, const struct knock_job *job, uint16_t port)
{
	json_obj_begin(j);
	json_key(j, "target");
	json_str(j, kt->arg);
	json_key(j, "host");
	json_str(j, kt->t.host[0] ? kt->t.host : "localhost");
	json_key(j, "address");
	json_str(j, ad ? ad->text : NULL);
	json_key(j, "family");
	if (ad)
		json_str(j, ad->family == AF_INET ? "ipv4" : "ipv6");
	else
		json_null(j);
	json_key(j, "port");
	json_uint(j, port);
	json_key(j, "state");
	json_str(j, job ? knock_state_name(job->state) : "unresolved");
	json_key(j, "ms");
	if (job && (job->state == KNOCK_OPEN || job->state == KNOCK_REFUSED ||
	    job->state == KNOCK_TIMEOUT)) {
		char ms[32];

		snprintf(ms, sizeof ms, "%.3f", job->usec / 1000.0);
		json_raw(j, ms);
	} else
		json_null(j);
	json_key(j, "error");
	if (!job)
		json_str(j, kt->why);
	else if (job->state == KNOCK_ERROR || job->state == KNOCK_UNREACHABLE)
		json_str(j, strerror(job->err));
	else
		json_null(j);
	json_obj_end(j);
}

static void
print_json(const struct knock_plan *p, bool all, struct buf *out)
{
	struct json j;

	json_init(&j, out);
	json_arr_begin(&j);
	for (size_t i = 0; i < p->ntargets; i++) {
		const struct knock_target *kt = &p->targets[i];
		bool                       range = kt->nports > 1;

		if (kt->naddrs == 0)
			json_job(&j, kt, NULL, NULL, kt->t.port_lo);
		for (size_t ad = 0; ad < kt->naddrs; ad++)
			for (size_t k = 0; k < kt->nports; k++) {
				const struct knock_job *job =
				    knock_plan_job(p, i, ad, k);

				if (range && !all && job->state != KNOCK_OPEN)
					continue;
				json_job(&j, kt, &kt->addrs[ad], job,
				    (uint16_t)(kt->t.port_lo + k));
			}
	}
	json_arr_end(&j);
	json_end(&j);
}

static int
check_exec(struct cmd_args *a)
{
	struct knock_plan p;
	struct knock_opts o;
	struct door_err   e;
	struct buf        out;
	const char       *v;
	uint64_t          ms = 1000;
	bool              all = cmd_flag(a, "all"), every_open = true;
	size_t            width = 0;
	int               rc;

	err_clear(&e);
	memset(&o, 0, sizeof o);
	if ((v = cmd_value(a, "timeout")) != NULL &&
	    (duration_parse(v, &ms, &e) != 0 || (ms == 0 &&
	    err_set(&e, DOOR_USAGE, "--timeout must be more than 0") != 0))) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	o.timeout_ms = (uint32_t)ms;
	if (knock_plan_parse(&p, a->argv, a->argc, cmd_flag(a, "4") ||
	    !cmd_flag(a, "6"), cmd_flag(a, "6") || !cmd_flag(a, "4"),
	    &e) != 0) {
		out_error(e.msg);
		knock_plan_free(&p);
		return DOOR_USAGE;
	}
	if (knock_plan_resolve(&p, &e) != 0 ||
	    knock_plan_run(&p, &o, &e) != 0) {
		out_error(e.msg);
		knock_plan_free(&p);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	for (size_t i = 0; i < p.ntargets; i++) {
		size_t w = strlen(p.targets[i].arg);

		if (w > width)
			width = w;
		if (!knock_target_open(&p, i))
			every_open = false;
	}
	buf_init(&out);
	if (a->out.json)
		print_json(&p, all, &out);
	else
		for (size_t i = 0; i < p.ntargets; i++) {
			struct buf line;

			buf_init(&line);
			buf_adds(&out, sgr(&a->out, SGR_BOLD));
			esc_term(&out, p.targets[i].arg,
			    strlen(p.targets[i].arg));
			buf_adds(&out, sgr_reset(&a->out));
			for (size_t k = strlen(p.targets[i].arg); k < width; k++)
				buf_addc(&out, ' ');
			buf_adds(&out, "  ");
			if (p.targets[i].nports > 1)
				range_lines(a, &p, i, all, &out);
			else {
				single_line(a, &p, i, &line);
				buf_add(&out, line.p, line.len);
				buf_addc(&out, '\n');
			}
			buf_free(&line);
		}
	out_flush(&out);
	buf_free(&out);
	rc = every_open ? DOOR_OK : DOOR_NO;
	knock_plan_free(&p);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	"check", "TARGET...",
	"knock: open, refused, or no answer, on every address of each target",
	check_opts, 1, -1, check_exec,
};
