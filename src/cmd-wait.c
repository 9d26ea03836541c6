/* cmd-wait.c - door wait TARGET... [-- CMD...]: wait until doors open (the
 * job of wait-for-it, wait-on, dockerize -wait), then maybe run a command.
 *
 * Every round knocks on every address of every pending target, so
 * "localhost" works whichever family the server chose. Every wait has a
 * deadline on the monotonic clock (house rule 8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "core/duration.h"
#include "core/num.h"
#include "knock/http.h"
#include "knock/plan.h"
#include "out/escape.h"
#include "out/json.h"

static const struct opt_spec wait_opts[] = {
	{ "timeout", 0, "DUR", "give up after DUR in all (default 30s)" },
	{ "interval", 0, "DUR", "pause between rounds (default 250ms)" },
	{ "any", 0, NULL, "ready when any target is ready, not all" },
	{ "closed", 0, NULL, "wait until nothing answers any more" },
	{ "http", 0, "PATH", "ready means an HTTP status in --status on PATH" },
	{ "status", 0, "A-B", "HTTP statuses that mean ready (default "
	    "200-399)" },
	{ "4", '4', NULL, "IPv4 addresses only" },
	{ "6", '6', NULL, "IPv6 addresses only" },
	{ NULL, 0, NULL, NULL },
};

struct waitopt {
	uint64_t    timeout_ms, interval_ms;
	bool        any, closed;
	const char *path;
	int         status_lo, status_hi;
};

/* What the last round saw of one target, for progress and the verdict. */
struct seen {
	bool ready;
	char what[400];
	int  http_status;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
parse_status(const char *s, int *lo, int *hi, struct door_err *e)
{
	const char *dash = strchr(s, '-');
	uint64_t    a, b;

	if (dash == NULL) {
		if (num_parse(s, 100, 599, &a) != 0)
			goto bad;
		*lo = *hi = (int)a;
		return 0;
	}
	if (num_parse_u64(s, (size_t)(dash - s), 100, 599, &a) != 0 ||
	    num_parse(dash + 1, 100, 599, &b) != 0 || a > b)
		goto bad;
	*lo = (int)a;
	*hi = (int)b;
	return 0;
bad:
	return err_set(e, DOOR_USAGE, "--status wants an HTTP status or a "
	    "range like 200-399, not '%.32s'", s);
}

static int
options(const struct cmd_args *a, struct waitopt *w, struct door_err *e)
{
	const char *v;

	memset(w, 0, sizeof *w);
	w->timeout_ms = 30000;
	w->interval_ms = 250;
	w->status_lo = 200;
	w->status_hi = 399;
	w->any = cmd_flag(a, "any");
	w->closed = cmd_flag(a, "closed");
	w->path = cmd_value(a, "http");
	if ((v = cmd_value(a, "timeout")) != NULL &&
	    duration_parse(v, &w->timeout_ms, e) != 0)
		return -1;
	if ((v = cmd_value(a, "interval")) != NULL &&
	    duration_parse(v, &w->interval_ms, e) != 0)
		return -1;
	if ((v = cmd_value(a, "status")) != NULL) {
		if (w->path == NULL)
			return err_set(e, DOOR_USAGE, "--status goes with "
			    "--http PATH");
		if (parse_status(v, &w->status_lo, &w->status_hi, e) != 0)
			return -1;
	}
	if (w->path != NULL && w->path[0] != '/')
		return err_set(e, DOOR_USAGE, "--http wants a path that starts "
		    "with '/', like /health");
	if (w->path != NULL && w->closed)
		return err_set(e, DOOR_USAGE, "--http and --closed do not go "
		    "together");
	if (a->dashdash == 0)
		return err_set(e, DOOR_USAGE, "door wait needs a target before "
		    "'--'");
	return 0;
}

/* One target's state after a round: open addresses, HTTP if asked. */
static void
judge(const struct knock_plan *p, size_t i, const struct waitopt *w,
    uint64_t deadline, struct seen *s)
{
	const struct knock_target *kt = &p->targets[i];
	bool                       open = false;
	size_t                     len = 0;

	s->ready = false;
	s->what[0] = '\0';
	if (kt->naddrs == 0) {
		snprintf(s->what, sizeof s->what, "unresolved: %s", kt->why);
		s->ready = w->closed;
		return;
	}
	for (size_t ad = 0; ad < kt->naddrs; ad++) {
		const struct knock_job *j = knock_plan_job(p, i, ad, 0);
		int                     n;

		if (j->state == KNOCK_OPEN)
			open = true;
		n = snprintf(s->what + len, sizeof s->what - len, "%s%s on %s",
		    ad ? ", " : "", knock_state_name(j->state),
		    kt->addrs[ad].text);
		if (n > 0 && (size_t)n < sizeof s->what - len)
			len += (size_t)n;
	}
	if (w->closed) {
		s->ready = !open;
		return;
	}
	if (!open || w->path == NULL) {
		s->ready = open;
		return;
	}
	for (size_t ad = 0; ad < kt->naddrs && !s->ready; ad++) {
		const struct knock_job *j = knock_plan_job(p, i, ad, 0);
		struct door_err         e;
		char                    host[TARGET_HOST_MAX + 16];
		uint64_t                left, t = now_ms();
		int                     status = 0;

		if (j->state != KNOCK_OPEN)
			continue;
		left = deadline > t ? deadline - t : 1;
		if (left > 2000)
			left = 2000;
		if (kt->addrs[ad].family == AF_INET6 && kt->t.host_is_ip)
			snprintf(host, sizeof host, "[%s]:%u", kt->t.host,
			    kt->t.port_lo);
		else
			snprintf(host, sizeof host, "%s:%u", kt->t.host[0] ?
			    kt->t.host : "localhost", kt->t.port_lo);
		err_clear(&e);
		if (http_probe((const struct sockaddr *)&j->addr, j->len, host,
		    w->path, (uint32_t)left, &status, &e) == 0) {
			s->http_status = status;
			snprintf(s->what, sizeof s->what, "HTTP %d on %s%s",
			    status, w->path, status >= w->status_lo &&
			    status <= w->status_hi ? "" : " (not ready)");
			s->ready = status >= w->status_lo &&
			    status <= w->status_hi;
		} else if (s->http_status != 0 && e.sys_errno == ETIMEDOUT)
			/* the deadline cut the last try short: what the
			 * server said before is the better story */
			snprintf(s->what, sizeof s->what, "HTTP %d on %s (not "
			    "ready)", s->http_status, w->path);
		else
			snprintf(s->what, sizeof s->what, "open, but %s on %s",
			    e.msg, w->path);
	}
}

static void
progress(const struct cmd_args *a, const struct knock_plan *p,
    const struct seen *s, uint64_t elapsed)
{
	struct buf b;
	size_t     pending = 0;

	buf_init(&b);
	buf_printf(&b, "\r\033[Kwaiting %.1fs:", elapsed / 1000.0);
	for (size_t i = 0; i < p->ntargets; i++) {
		if (s[i].ready)
			continue;
		if (pending++ > 0)
			buf_adds(&b, ";");
		buf_addc(&b, ' ');
		esc_term(&b, p->targets[i].arg, strlen(p->targets[i].arg));
		buf_adds(&b, " (");
		esc_term(&b, s[i].what, strlen(s[i].what));
		buf_addc(&b, ')');
		if (b.len > 200) {
			buf_adds(&b, "...");
			break;
		}
	}
	(void)a;
	err_flush(&b);
	buf_free(&b);
}

/* Erases the progress line. */
static void
clear_line(void)
{
	static const char seq[] = "\r\033[K";

	if (write(2, seq, sizeof seq - 1) < 0)
		return;   /* a closed stderr is not worth an error */
}

static void
report_json(const struct knock_plan *p, const struct seen *s, bool ready,
    uint64_t elapsed)
{
	struct buf  b;
	struct json j;

	buf_init(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "ready");
	json_bool(&j, ready);
	json_key(&j, "elapsed_ms");
	json_uint(&j, elapsed);
	json_key(&j, "targets");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->ntargets; i++) {
		json_obj_begin(&j);
		json_key(&j, "target");
		json_str(&j, p->targets[i].arg);
		json_key(&j, "ready");
		json_bool(&j, s[i].ready);
		json_key(&j, "last");
		json_str(&j, s[i].what);
		json_key(&j, "http_status");
		if (s[i].http_status)
			json_int(&j, s[i].http_status);
		else
			json_null(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	out_flush(&b);
	buf_free(&b);
}

static int
run_command(char **argv)
{
	execvp(argv[0], argv);
	/* the shell's conventions: 127 not found, 126 found but not runnable */
	{
		int  saved = errno;
		char msg[300];

		snprintf(msg, sizeof msg, "cannot run '%.200s': %s", argv[0],
		    strerror(saved));
		out_error(msg);
		return saved == ENOENT ? 127 : 126;
	}
}

static int
wait_exec(struct cmd_args *a)
{
	struct waitopt    w;
	struct knock_plan p;
	struct knock_opts ko;
	struct door_err   e;
	struct seen      *s;
	uint64_t          start = now_ms(), deadline, elapsed;
	bool              tty = isatty(2) && !a->out.quiet, ready = false;
	int               rounds;

	err_clear(&e);
	if (options(a, &w, &e) != 0 || knock_plan_parse(&p, a->argv,
	    a->dashdash, cmd_flag(a, "4") || !cmd_flag(a, "6"),
	    cmd_flag(a, "6") || !cmd_flag(a, "4"), &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	for (size_t i = 0; i < p.ntargets; i++)
		if (p.targets[i].nports > 1) {
			out_error("door wait waits for single doors; for a "
			    "range, use door check");
			knock_plan_free(&p);
			return DOOR_USAGE;
		}
	s = calloc(p.ntargets, sizeof *s);
	if (s == NULL) {
		knock_plan_free(&p);
		return DOOR_SYSTEM;
	}
	deadline = start + w.timeout_ms;
	memset(&ko, 0, sizeof ko);
	/* bounded: at most one round per millisecond of the timeout */
	for (rounds = 0; rounds <= (int)(w.timeout_ms + 1); rounds++) {
		uint64_t t = now_ms(), left = deadline > t ? deadline - t : 0;
		size_t   nready = 0;

		ko.timeout_ms = (uint32_t)(left < 1000 ? (left ? left : 1) :
		    1000);
		if (knock_plan_resolve(&p, &e) != 0 ||
		    knock_plan_run(&p, &ko, &e) != 0) {
			if (tty)
				clear_line();
			out_error(e.msg);
			free(s);
			knock_plan_free(&p);
			return DOOR_SYSTEM;
		}
		for (size_t i = 0; i < p.ntargets; i++) {
			judge(&p, i, &w, deadline, &s[i]);
			nready += s[i].ready;
		}
		ready = w.any ? nready > 0 : nready == p.ntargets;
		t = now_ms();
		if (ready || t >= deadline)
			break;
		if (tty)
			progress(a, &p, s, t - start);
		left = deadline - t;
		sleep_ms(w.interval_ms < left ? w.interval_ms : left);
	}
	elapsed = now_ms() - start;
	if (tty)
		clear_line();
	if (a->out.json)
		report_json(&p, s, ready, elapsed);
	if (!a->out.quiet) {
		char   msg[1024];
		size_t len;

		if (ready)
			len = (size_t)snprintf(msg, sizeof msg, "%s after "
			    "%.2fs:", w.closed ? "closed" : "ready",
			    elapsed / 1000.0);
		else
			len = (size_t)snprintf(msg, sizeof msg, "timed out "
			    "after %.2fs, still %s:", elapsed / 1000.0,
			    w.closed ? "answering" : "not ready");
		for (size_t i = 0; i < p.ntargets && len < sizeof msg; i++) {
			if (!ready && s[i].ready)
				continue;
			len += (size_t)snprintf(msg + len, sizeof msg - len,
			    " %s (%s)", p.targets[i].arg, s[i].what);
		}
		out_note(&a->out, "%s", msg);
	}
	free(s);
	knock_plan_free(&p);
	if (!ready)
		return DOOR_NO;
	if (a->dashdash < a->argc)
		return run_command(a->argv + a->dashdash);
	return DOOR_OK;
}

const struct cmd_entry cmd_wait_entry = {
	"wait", "TARGET... [-- CMD...]",
	"wait until doors open (or close), then maybe run a command",
	wait_opts, 1, -1, wait_exec,
};
