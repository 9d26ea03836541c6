/* cmd-ui.c - door ui [--port N] [--open]: the doors of this machine as a
 * page in a browser (src/ui/ serves it). Loopback only, always: there is
 * no option to listen anywhere else. stdout gets one line, the URL with
 * its token (as Jupyter prints it); Ctrl-C (or TERM, or HUP) stops it.
 *
 * The token never goes on a command line, which every user's ps shows:
 * --open hands xdg-open a private file (0600, in door's runtime
 * directory) whose page sends the browser on to the URL. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "core/num.h"
#include "out/json.h"
#include "platform/platform.h"
#include "ui/ui.h"

extern char **environ;

static const struct opt_spec ui_opts[] = {
	{ "port", 'p', "N", "serve on this port (default: the first free "
	    "from 3667 on)" },
	{ "open", 0, NULL, "also open the page in the browser (xdg-open)" },
	{ NULL, 0, NULL, NULL },
};

/* The page --open gives the browser: it goes on to the URL at once. */
static int
open_page(const struct cmd_args *a, const struct ui *ui, char *name,
    size_t size, pid_t *child)
{
	struct door_err            e;
	struct buf                 b;
	posix_spawn_file_actions_t fa;
	char                       path[4200];
	char                      *argv[3];
	int                        rc;

	*child = -1;
	err_clear(&e);
	snprintf(name, size, "ui-%u.html", ui_port(ui));
	buf_init(&b);
	buf_printf(&b, "<!doctype html>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<meta http-equiv=\"refresh\" content=\"0;url=%s\">\n"
	    "<title>door ui</title>\n<p><a href=\"%s\">door ui</a>\n",
	    ui_url(ui), ui_url(ui));
	rc = b.oom ? err_set(&e, DOOR_SYSTEM, "out of memory") :
	    platform_private_file(name, b.p, b.len, path, sizeof path, &e);
	buf_free(&b);
	if (rc != 0) {
		out_note(&a->out, "door ui: cannot open the browser: %s", e.msg);
		name[0] = '\0';
		return -1;
	}
	argv[0] = "xdg-open";
	argv[1] = path;
	argv[2] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(child, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		*child = -1;
		out_note(&a->out, "door ui: no browser opened (xdg-open: %s): "
		    "open the URL above yourself", strerror(rc));
		return -1;
	}
	return 0;
}

static void
say_url(const struct cmd_args *a, const struct ui *ui)
{
	struct buf  b;
	struct json j;

	buf_init(&b);
	if (a->out.json) {
		json_init(&j, &b);
		json_obj_begin(&j);
		json_key(&j, "url");
		json_str(&j, ui_url(ui));
		json_key(&j, "port");
		json_uint(&j, ui_port(ui));
		json_key(&j, "addresses");
		json_arr_begin(&j);
		json_str(&j, "127.0.0.1");
		if (ui_has_v6(ui))
			json_str(&j, "::1");
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else
		buf_printf(&b, "%s\n", ui_url(ui));
	out_flush(&b);
	buf_free(&b);
}

static int
ui_exec(struct cmd_args *a)
{
	struct ui_opts  o;
	struct door_err e;
	struct ui      *ui;
	const char     *v = cmd_value(a, "port");
	sigset_t        set, old;
	char            page[32] = "";
	pid_t           child = -1;
	int             sig = 0;

	memset(&o, 0, sizeof o);
	err_clear(&e);
	if (v != NULL) {
		uint64_t n;

		if (num_parse(v, 1, 65535, &n) != 0) {
			out_error("--port needs a port, 1-65535");
			return DOOR_USAGE;
		}
		o.port = (uint16_t)n;
	}
	/* the signals that stop it are taken by sigwait below, in this
	 * thread; every thread the server starts inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	/* a shell starts a background job with INT ignored, and an ignored
	 * signal never reaches sigwait: INT and TERM always stop a server;
	 * HUP too, unless it was ignored on purpose (nohup) */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (signal(SIGHUP, SIG_DFL) == SIG_IGN)
		signal(SIGHUP, SIG_IGN);
	else
		sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	if ((ui = ui_start(&o, &e)) == NULL) {
		if (e.status == DOOR_NO && o.port != 0)
			out_note(&a->out, "door ui: port %u is taken (door %u "
			    "shows who holds it); leave out --port to take a "
			    "free one", o.port, o.port);
		out_error(e.msg);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	say_url(a, ui);
	out_note(&a->out, "door ui: serving the page on 127.0.0.1:%u%s "
	    "(loopback only; the token is the key: keep the URL to "
	    "yourself); Ctrl-C stops it", ui_port(ui), ui_has_v6(ui) ?
	    " and [::1], same port" : " (no IPv6 loopback here)");
	if (cmd_flag(a, "open"))
		(void)open_page(a, ui, page, sizeof page, &child);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			if (child > 0 && waitpid(child, NULL, WNOHANG) == child)
				child = -1;
			continue;
		}
		break;
	}
	ui_stop(ui);
	if (page[0] != '\0')
		platform_private_remove(page);
	if (child > 0)
		(void)waitpid(child, NULL, WNOHANG);
	out_note(&a->out, "door ui: stopped (%s)", sig == SIGINT ? "Ctrl-C" :
	    sig == SIGTERM ? "SIGTERM" : "SIGHUP");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return DOOR_OK;
}

const struct cmd_entry cmd_ui_entry = {
	"ui", "",
	"the doors of this machine in a browser: a live page on loopback, "
	"behind a token",
	ui_opts, 0, 0, ui_exec,
};
