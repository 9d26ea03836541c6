/* screen.c - door watch's terminal, taken and given back (screen.h). */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "tui/screen.h"

/* What the crash path needs, kept where a signal handler can reach it:
 * fixed buffers, no allocation. */
static struct {
	volatile sig_atomic_t up;
	struct termios        tio;
	bool                  have_tio;
	char                  undo[256];     /* sgr0, cnorm, rmcup */
	size_t                undo_len;
	int                   real_err;      /* the real stderr, dup'd */
	int                   quit[2];
	volatile sig_atomic_t quit_sig;
	struct sigaction      old[6];
} g = { .real_err = -1, .quit = { -1, -1 } };

static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static FILE *errlog;
static SCREEN *scr;

static void
add_undo(const char *cap)
{
	char  *s = tigetstr((char *)cap);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (g.undo_len + n < sizeof g.undo) {
		memcpy(g.undo + g.undo_len, s, n);
		g.undo_len += n;
	}
}

/* Async-signal-safe: write(2) and tcsetattr(3) only. */
static void
emergency_restore(void)
{
	if (!g.up)
		return;
	g.up = 0;
	if (g.undo_len > 0)
		(void)!write(STDOUT_FILENO, g.undo, g.undo_len);
	(void)!write(STDOUT_FILENO, "\r\n", 2);
	if (g.have_tio)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &g.tio);
	if (g.real_err >= 0)
		(void)dup2(g.real_err, STDERR_FILENO);
}

static void
on_crash(int sig)
{
	emergency_restore();
	/* the handler that was there (a sanitizer's report, or the default
	 * action) takes it from here: raised again, for a signal that came
	 * from kill(2) too (returning would carry on without a screen) */
	for (size_t i = 0; i < sizeof crash_sigs / sizeof crash_sigs[0]; i++)
		if (crash_sigs[i] == sig)
			(void)sigaction(sig, &g.old[i], NULL);
	(void)raise(sig);
}

static void
on_quit(int sig)
{
	int  saved = errno;
	char c = 1;

	g.quit_sig = sig;
	(void)!write(g.quit[1], &c, 1);
	errno = saved;
}

static void
at_exit(void)
{
	if (scr != NULL && g.up) {
		endwin();
		g.up = 0;
	}
	emergency_restore();
}

int
screen_quit_fd(void)
{
	return g.quit[0];
}

int
screen_quit_signal(void)
{
	return (int)g.quit_sig;
}

static void
handlers(void)
{
	struct sigaction sa;
	static const int quit_sigs[] = { SIGINT, SIGTERM, SIGHUP };

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	for (size_t i = 0; i < sizeof quit_sigs / sizeof quit_sigs[0]; i++)
		(void)sigaction(quit_sigs[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_NODEFER;
	for (size_t i = 0; i < sizeof crash_sigs / sizeof crash_sigs[0]; i++)
		(void)sigaction(crash_sigs[i], &sa, &g.old[i]);
}

/* stderr into a file while the screen is up (screen.h). */
static void
capture_stderr(void)
{
	if ((errlog = tmpfile()) == NULL)
		return;
	fflush(stderr);
	if ((g.real_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(fileno(errlog), STDERR_FILENO) < 0) {
		if (g.real_err >= 0)
			close(g.real_err);
		g.real_err = -1;
		fclose(errlog);
		errlog = NULL;
	}
}

static void
replay_stderr(void)
{
	char   b[4096];
	size_t n;

	if (errlog == NULL)
		return;
	fflush(stderr);
	if (g.real_err >= 0) {
		(void)dup2(g.real_err, STDERR_FILENO);
		close(g.real_err);
		g.real_err = -1;
	}
	rewind(errlog);
	while ((n = fread(b, 1, sizeof b, errlog)) > 0)
		if (write(STDERR_FILENO, b, n) < 0)
			break;
	fclose(errlog);
	errlog = NULL;
}

int
screen_start(struct screen *sc, bool want_color, char *why, size_t size)
{
	const char *term = getenv("TERM");
	static bool registered;

	memset(sc, 0, sizeof *sc);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(why, size, "not a terminal");
		return 1;
	}
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
		snprintf(why, size, "TERM is %s", term && term[0] ? term :
		    "not set");
		return 1;
	}
	setlocale(LC_CTYPE, "");
	sc->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (pipe2(g.quit, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		return 1;
	}
	g.have_tio = tcgetattr(STDIN_FILENO, &g.tio) == 0;
	/* newterm, not initscr: an unknown TERM is an answer, not an exit */
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(why, size, "the terminal '%s' is not known here", term);
		close(g.quit[0]);
		close(g.quit[1]);
		g.quit[0] = g.quit[1] = -1;
		return 1;
	}
	set_term(scr);
	g.undo_len = 0;
	add_undo("sgr0");
	add_undo("cnorm");
	add_undo("rmcup");
	g.up = 1;
	if (!registered) {
		atexit(at_exit);
		registered = true;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	sc->color = want_color && has_colors();
	if (sc->color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_NEW, COLOR_GREEN, -1);
		init_pair(PAIR_GONE, COLOR_RED, -1);
		init_pair(PAIR_PROCESS, COLOR_CYAN, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_SEL, COLOR_BLACK, COLOR_WHITE);
	}
	/* after newterm: ncurses has its own INT and TERM handlers, which
	 * would leave without door's cleanup */
	handlers();
	capture_stderr();
	sc->up = true;
	return 0;
}

void
screen_stop(struct screen *sc)
{
	if (!sc->up)
		return;
	sc->up = false;
	endwin();
	g.up = 0;
	for (size_t i = 0; i < sizeof crash_sigs / sizeof crash_sigs[0]; i++)
		(void)sigaction(crash_sigs[i], &g.old[i], NULL);
	delscreen(scr);
	scr = NULL;
	replay_stderr();
	if (g.quit[0] >= 0) {
		close(g.quit[0]);
		close(g.quit[1]);
		g.quit[0] = g.quit[1] = -1;
	}
}
