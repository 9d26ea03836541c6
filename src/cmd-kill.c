/* cmd-kill.c - door kill TARGET...: free a door, never the wrong process.
 *
 * A thin verb over src/kill/ (kill.h says what is refused and why): reads
 * the options, prints the plan on stderr, asks on a terminal, runs the
 * plan and prints the report. door watch's `x` and door ui use the same
 * library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/duration.h"
#include "kill/kill.h"

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

static int
parse_args(struct cmd_args *a, struct kill_request *r, struct door_err *e)
{
	const char *v;

	kill_request_defaults(r);
	r->proto = cmd_flag(a, "udp") ? PROTO_UDP : PROTO_TCP;
	if ((v = cmd_value(a, "signal")) != NULL &&
	    kill_parse_signal(v, &r->sig, e) != 0)
		return -1;
	if ((v = cmd_value(a, "grace")) != NULL &&
	    duration_parse(v, &r->grace_ms, e) != 0)
		return -1;
	if ((v = cmd_value(a, "watch")) != NULL &&
	    duration_parse(v, &r->watch_ms, e) != 0)
		return -1;
	r->dry = cmd_flag(a, "dry-run");
	r->tree = cmd_flag(a, "tree");
	r->force = cmd_flag(a, "force");
	r->no_escalate = cmd_flag(a, "no-escalate");
	if (a->argc > KILL_TARGETS_MAX)
		return err_set(e, DOOR_USAGE, "door kill takes at most %d "
		    "targets", KILL_TARGETS_MAX);
	r->targets = (const char *const *)a->argv;
	r->ntargets = a->argc;
	return 0;
}

/* On a terminal, the user says yes first. */
static bool
confirm(struct cmd_args *a, const struct kill *k)
{
	char line[32];

	if (cmd_flag(a, "yes") || !isatty(0) || !isatty(1))
		return true;
	fprintf(stderr, "%s [y/N] ", kill_question(k));
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int
kill_exec(struct cmd_args *a)
{
	struct kill_request r;
	struct kill        *k;
	struct door_err     e;
	struct buf          b;
	int                 rc;

	err_clear(&e);
	if (parse_args(a, &r, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	if ((k = kill_new(&r, &e)) == NULL) {
		out_error(e.msg);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	buf_init(&b);
	if (kill_nobody(k)) {
		kill_check_free(k);
		if (a->out.json) {
			kill_report_json(k, &b);
			out_flush(&b);
		} else
			out_note(&a->out, "nobody is behind %s: nothing to stop",
			    a->argv[0]);
		rc = k->free || r.dry ? DOOR_OK : DOOR_NO;
		goto out;
	}
	if (!a->out.quiet || r.dry) {
		kill_plan_text(k, a->out.numeric, &b);
		err_flush(&b);
		buf_reset(&b);
	}
	if (!r.dry && !confirm(a, k))
		kill_decline(k);
	kill_run(k);
	if (a->out.json)
		kill_report_json(k, &b);
	else
		kill_report_text(k, &b);
	out_flush(&b);
	rc = kill_status(k);
out:
	buf_free(&b);
	kill_free(k);
	return rc;
}

const struct cmd_entry cmd_kill_entry = {
	"kill", "TARGET...",
	"free a door: stop every process that holds it, verified first",
	kill_opts, 1, KILL_TARGETS_MAX, kill_exec,
};
