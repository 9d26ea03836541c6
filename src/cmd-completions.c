/* cmd-completions.c - door completions bash|zsh|fish: the shell's
 * completion script, made from the command table (src/complete/). Hidden
 * from door --help. The scripts call back at TAB time for what only a
 * running door knows: `door completions ports|owned|known` print one
 * "WORD<TAB>DESCRIPTION" line per candidate. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "complete/complete.h"
#include "core/known.h"
#include "doors.h"
#include "out/escape.h"

static const struct opt_spec completions_opts[] = {
	{ NULL, 0, NULL, NULL },
};

/* At most this many process names describe one port. */
#define NAMES_MAX 3
/* Past this many open sockets the holders are not looked for: a TAB must
 * answer at once, and the fd scan of thousands of sockets takes seconds
 * (bench/RESULTS.md); the ports are listed without names, and "owned"
 * lists them all. */
#define OWNERS_MAX 256

/*
 * The doors open now, one line per port: "3000<TAB>node", with the
 * names of its holders (escaped: a name may hold a tab or a newline), or
 * "(hidden)" when door could not read them. only_owned keeps the ports
 * with at least one holder door can see.
 */
static int
list_ports(const struct cmd_args *a, bool only_owned)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct buf         out, desc;
	size_t             n = 0;
	int                rc;

	err_clear(&e);
	if (doors_options(a, &q, &f, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	q.owners = OWNER_SKIP;
	if ((rc = doors_gather(&q, &f, &s, &v, &n)) != DOOR_OK)
		return rc;
	if (s.nsocks <= OWNERS_MAX) {
		free(v);
		snap_free(&s);
		if (doors_options(a, &q, &f, &e) != 0 ||
		    (rc = doors_gather(&q, &f, &s, &v, &n)) != DOOR_OK)
			return DOOR_SYSTEM;
	} else
		only_owned = false;
	buf_init(&out);
	buf_init(&desc);
	for (size_t i = 0; i < n;) {
		uint16_t           port = s.socks[v[i].sock].local.port;
		const struct proc *names[NAMES_MAX];
		size_t             nnames = 0, more = 0;
		bool               hidden = false;

		buf_reset(&desc);
		for (; i < n && s.socks[v[i].sock].local.port == port; i++) {
			const struct sock *k = &s.socks[v[i].sock];
			const struct proc *p;
			bool               dup = false;

			if (k->owners == OWNERS_HIDDEN)
				hidden = true;
			if (v[i].proc == SIZE_MAX)
				continue;
			p = &s.procs[v[i].proc];
			for (size_t j = 0; j < nnames && !dup; j++)
				dup = strcmp(names[j]->name, p->name) == 0;
			if (dup)
				continue;
			if (nnames < NAMES_MAX)
				names[nnames++] = p;
			else
				more++;
		}
		if (nnames == 0 && only_owned)
			continue;
		for (size_t j = 0; j < nnames; j++) {
			if (j > 0)
				buf_adds(&desc, ", ");
			esc_term(&desc, names[j]->name, strlen(names[j]->name));
		}
		if (more > 0)
			buf_printf(&desc, " and %zu more", more);
		if (nnames == 0)
			buf_adds(&desc, hidden ? "(hidden)" : q.owners ==
			    OWNER_SKIP ? "" : "(no process)");
		buf_printf(&out, "%u%s%s\n", port, desc.len ? "\t" : "",
		    buf_str(&desc));
	}
	out_flush(&out);
	buf_free(&out);
	buf_free(&desc);
	free(v);
	snap_free(&s);
	return DOOR_OK;
}

/* The names of the port table, each once, with what the first row of
 * that name usually is. */
static int
list_known(void)
{
	struct buf out;

	buf_init(&out);
	for (size_t i = 0; i < known_ports_count; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(known_ports[j].name,
			    known_ports[i].name) == 0;
		if (!seen)
			buf_printf(&out, "%s\t%s\n", known_ports[i].name,
			    known_ports[i].usually);
	}
	out_flush(&out);
	buf_free(&out);
	return DOOR_OK;
}

static int
completions_exec(struct cmd_args *a)
{
	const char *what = a->argv[0];
	struct buf  b;

	if (strcmp(what, "ports") == 0)
		return list_ports(a, false);
	if (strcmp(what, "owned") == 0)
		return list_ports(a, true);
	if (strcmp(what, "known") == 0)
		return list_known();
	buf_init(&b);
	if (strcmp(what, "bash") == 0)
		compl_bash(&b);
	else if (strcmp(what, "zsh") == 0)
		compl_zsh(&b);
	else if (strcmp(what, "fish") == 0)
		compl_fish(&b);
	else {
		buf_free(&b);
		out_error("door completions: bash, zsh or fish (or ports, "
		    "owned, known: the candidates the scripts ask for)");
		return DOOR_USAGE;
	}
	if (b.oom) {
		buf_free(&b);
		out_error("out of memory");
		return DOOR_SYSTEM;
	}
	out_flush(&b);
	buf_free(&b);
	return DOOR_OK;
}

const struct cmd_entry cmd_completions_entry = {
	"completions", "bash|zsh|fish",
	"the shell completion script, made from the command table",
	completions_opts, 1, 1, completions_exec,
};
