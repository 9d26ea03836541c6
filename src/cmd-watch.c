/* cmd-watch.c - door watch [FILTER...]: every open door, live. On a
 * terminal, a full-screen view with actions (src/tui/); otherwise, or with
 * --json, an event stream, one JSON object a line, flushed a line at a
 * time. Both are presenters over the live engine of src/watch/, which
 * walks owners only for sockets it has not seen. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "core/duration.h"
#include "doors.h"
#include "platform/platform.h"
#include "tui/screen.h"
#include "tui/view.h"
#include "watch/engine.h"

#define WATCH_INTERVAL_MS     1000
#define WATCH_INTERVAL_MIN_MS 50

static const struct opt_spec watch_opts[] = {
	{ "tcp", 't', NULL, "TCP only" },
	{ "udp", 'u', NULL, "UDP only" },
	{ "4", '4', NULL, "IPv4 only" },
	{ "6", '6', NULL, "IPv6 only" },
	{ "user", 0, "NAME", "only doors of this user (name or uid)" },
	{ "pid", 'p', "PID", "only doors held by this process" },
	{ "name", 0, "PROC", "only doors of processes with this name" },
	{ "thorough", 0, NULL, "look for the holders of new doors in every "
	    "process, not just the socket's cgroup and user" },
	{ "interval", 'i', "DURATION", "how often to look (default 1s; "
	    "500ms, 2s...)" },
	{ "initial", 0, NULL, "with the event stream: first an open event "
	    "for every door already open" },
	{ NULL, 0, NULL, NULL },
};

static volatile sig_atomic_t stop_sig;
static int                   stop_pipe[2] = { -1, -1 };

static void
on_stop(int sig)
{
	int  saved = errno;
	char c = 1;

	stop_sig = sig;
	(void)!write(stop_pipe[1], &c, 1);
	errno = saved;
}

/*
 * The event stream. A reader that goes away (door watch --json | head -1)
 * ends it quietly with status 0: a write that meets EPIPE, or, while
 * nothing happens, the pipe's POLLERR (poll on stdout asks for no event,
 * so only a hang-up or an error wakes it).
 */
static int
stream(const struct cmd_args *a, struct watch *w, uint64_t interval_ms)
{
	struct sigaction sa;
	struct buf       line;
	uint64_t         next = 0;
	int              fails = 0;
	char             last_error[256] = "";

	signal(SIGPIPE, SIG_IGN);
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		out_error("pipe failed");
		return DOOR_SYSTEM;
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	buf_init(&line);
	while (stop_sig == 0) {
		struct pollfd     pf[2];
		struct watch_tick t;
		struct door_err   e;
		uint64_t          now = platform_mono_ms();

		if (now >= next) {
			next = now + interval_ms;
			err_clear(&e);
			if (watch_tick(w, &t, &e) != 0) {
				/* said once, not every second */
				if (strcmp(e.msg, last_error) != 0)
					out_error(e.msg);
				snprintf(last_error, sizeof last_error, "%s",
				    e.msg);
				if (++fails >= 3 && watch_last_change(w) == 0 &&
				    watch_snap(w)->nsocks == 0) {
					buf_free(&line);
					return DOOR_SYSTEM;
				}
				continue;
			}
			fails = 0;
			last_error[0] = '\0';
			for (size_t i = 0; i < t.nev; i++) {
				buf_reset(&line);
				watch_event_json(w, &t.ev[i], &line);
				if (out_flush(&line) != 0) {
					/* EPIPE: the reader left */
					buf_free(&line);
					return errno == EPIPE ? DOOR_OK :
					    DOOR_SYSTEM;
				}
			}
			continue;
		}
		pf[0].fd = STDOUT_FILENO;
		pf[0].events = 0;
		pf[1].fd = stop_pipe[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, (int)(next - now)) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			break;
	}
	(void)a;
	buf_free(&line);
	return DOOR_OK;
}

static int
view(const struct cmd_args *a, struct watch *w, const struct door_filter *f,
    uint64_t interval_ms, bool *fallback)
{
	struct view v;
	char        why[160];
	int         rc;

	memset(&v, 0, sizeof v);
	if (screen_start(&v.scr, a->out.color, why, sizeof why) != 0) {
		out_note(&a->out, "door watch: %s: writing events instead, one "
		    "JSON object a line (door watch --json)", why);
		*fallback = true;
		return DOOR_OK;
	}
	v.w = w;
	v.f = f;
	v.o = a->out;
	v.o.color = false;     /* cells plain: the view colours them */
	v.o.json = false;
	v.interval_ms = interval_ms;
	rc = view_run(&v);
	screen_stop(&v.scr);
	if (screen_quit_signal() == SIGTERM || screen_quit_signal() == SIGHUP)
		out_note(&a->out, "door watch: stopped (%s)",
		    screen_quit_signal() == SIGTERM ? "SIGTERM" : "SIGHUP");
	return rc;
}

static int
watch_exec(struct cmd_args *a)
{
	struct watch_opts  o;
	struct door_filter f;
	struct door_err    e;
	struct watch      *w;
	const char        *iv = cmd_value(a, "interval");
	uint64_t           interval_ms = WATCH_INTERVAL_MS;
	bool               tui, fallback = false;
	int                rc;

	memset(&o, 0, sizeof o);
	err_clear(&e);
	if (doors_options(a, &o.q, &f, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	if (iv != NULL && (duration_parse(iv, &interval_ms, &e) != 0 ||
	    interval_ms < WATCH_INTERVAL_MIN_MS)) {
		out_error(e.msg[0] ? e.msg : "--interval is 50ms at least");
		return DOOR_USAGE;
	}
	if (doors_filter_words(&f, &o.q, a->argc, a->argv, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	/* the records door ls --json writes; the SERVICE column's names */
	o.q.facts |= PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	o.f = &f;
	tui = !a->out.json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	o.initial = !tui && cmd_flag(a, "initial");
	if ((w = watch_new(&o, &e)) == NULL) {
		out_error(e.msg);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	rc = DOOR_OK;
	if (tui)
		rc = view(a, w, &f, interval_ms, &fallback);
	if (!tui || fallback) {
		if (fallback && cmd_flag(a, "initial"))
			o.initial = true;   /* too late for this engine */
		if (fallback && o.initial) {
			watch_free(w);
			if ((w = watch_new(&o, &e)) == NULL) {
				out_error(e.msg);
				return DOOR_SYSTEM;
			}
		}
		rc = stream(a, w, interval_ms);
	}
	watch_free(w);
	return rc;
}

const struct cmd_entry cmd_watch_entry = {
	"watch", "[FILTER...]",
	"every open door, live: a full-screen view with actions, or a JSON "
	"event stream",
	watch_opts, 0, -1, watch_exec,
};
