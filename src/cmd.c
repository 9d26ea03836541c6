/* cmd.c - the command table and the one argument parser every verb uses.
 * A verb declares its options; it never parses argv or prints usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_ls_entry,
	&cmd_who_entry,
	&cmd_check_entry,
	&cmd_wait_entry,
	&cmd_next_entry,
	&cmd_kill_entry, &cmd_explain_entry,
	&cmd_probe_entry,
	&cmd_known_entry,
	&cmd_url_entry,
	&cmd_ui_entry,
	&cmd_watch_entry,
	NULL,
};

/* Verbs door --help does not list (tools for other tools). */
const struct cmd_entry *const cmd_hidden[] = {
	&cmd_completions_entry,
	NULL,
};

const struct opt_spec global_opts[] = {
	{ "json", 0, NULL, "print JSON (valid whatever bytes names hold)" },
	{ "no-color", 0, NULL, "no colour (also when NO_COLOR is set)" },
	{ "numeric", 'n', NULL, "show uids, not user names" },
	{ "quiet", 'q', NULL, "no hints or notes on stderr" },
	{ "help", 'h', NULL, "show help" },
	{ "version", 0, NULL, "show the version" },
	{ NULL, 0, NULL, NULL },
};

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	for (size_t i = 0; cmd_hidden[i] != NULL; i++)
		if (strcmp(cmd_hidden[i]->name, name) == 0)
			return cmd_hidden[i];
	return NULL;
}

static int
opt_index(const struct opt_spec *o, const char *lname, size_t llen,
    char sname)
{
	for (int i = 0; o[i].name != NULL; i++) {
		if (lname != NULL && strlen(o[i].name) == llen &&
		    strncmp(o[i].name, lname, llen) == 0)
			return i;
		if (lname == NULL && sname != 0 && o[i].short_name == sname)
			return i;
	}
	return -1;
}

static void
set_global(struct cmd_args *a, int gi, bool *help)
{
	const char *n = global_opts[gi].name;

	if (strcmp(n, "json") == 0)
		a->out.json = true;
	else if (strcmp(n, "no-color") == 0)
		a->out.color = false;
	else if (strcmp(n, "numeric") == 0)
		a->out.numeric = true;
	else if (strcmp(n, "quiet") == 0)
		a->out.quiet = true;
	else if (strcmp(n, "help") == 0)
		*help = true;
}

int
cmd_parse(const struct cmd_entry *c, int argc, char **argv,
    struct cmd_args *a, bool *help, struct door_err *e)
{
	const char *nc = getenv("NO_COLOR");
	bool        only_args = false;
	int         npos = 0;

	memset(a, 0, sizeof *a);
	a->cmd = c;
	a->dashdash = -1;
	a->out.color = isatty(1) && (nc == NULL || *nc == '\0');
	*help = false;
	/* positionals are gathered in place at the front of argv */
	for (int i = 0; i < argc; i++) {
		char *s = argv[i];

		if (only_args || s[0] != '-' || s[1] == '\0') {
			argv[npos++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			only_args = true;
			a->dashdash = npos;
			continue;
		}
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t      nlen = eq ? (size_t)(eq - name) : strlen(name);
			int         oi = opt_index(c->opts, name, nlen, 0);
			int         gi = opt_index(global_opts, name, nlen, 0);

			if (oi >= 0) {
				if (c->opts[oi].arg == NULL) {
					if (eq != NULL)
						return err_set(e, DOOR_USAGE,
						    "option --%s takes no value",
						    c->opts[oi].name);
					a->value[oi] = "";
				} else if (eq != NULL)
					a->value[oi] = eq + 1;
				else if (i + 1 < argc)
					a->value[oi] = argv[++i];
				else
					return err_set(e, DOOR_USAGE, "option "
					    "--%s needs a value (%s)",
					    c->opts[oi].name, c->opts[oi].arg);
			} else if (gi >= 0 && eq == NULL)
				set_global(a, gi, help);
			else
				return err_set(e, DOOR_USAGE, "door %s has no "
				    "option '--%.*s' (see door %s --help)",
				    c->name, (int)nlen, name, c->name);
			continue;
		}
		/* a bundle of short options: -46, -n, -p 123 */
		for (const char *p = s + 1; *p != '\0'; p++) {
			int oi = opt_index(c->opts, NULL, 0, *p);
			int gi = opt_index(global_opts, NULL, 0, *p);

			if (oi >= 0 && c->opts[oi].arg != NULL) {
				if (p[1] != '\0')
					a->value[oi] = p + 1;
				else if (i + 1 < argc)
					a->value[oi] = argv[++i];
				else
					return err_set(e, DOOR_USAGE, "option "
					    "-%c needs a value (%s)", *p,
					    c->opts[oi].arg);
				break;
			}
			if (oi >= 0)
				a->value[oi] = "";
			else if (gi >= 0)
				set_global(a, gi, help);
			else
				return err_set(e, DOOR_USAGE, "door %s has no "
				    "option '-%c' (see door %s --help)", c->name,
				    *p, c->name);
		}
	}
	a->argc = npos;
	a->argv = argv;
	argv[npos] = NULL;   /* argv[argc] was NULL; npos <= argc: execvp-ready */
	if (a->dashdash < 0)
		a->dashdash = npos;
	if (*help)
		return 0;
	if (npos < c->min_args)
		return err_set(e, DOOR_USAGE, "door %s needs %s", c->name,
		    c->args_usage);
	if (c->max_args >= 0 && npos > c->max_args)
		return err_set(e, DOOR_USAGE, "door %s takes at most %d "
		    "argument%s: '%s' is one too many", c->name, c->max_args,
		    c->max_args == 1 ? "" : "s", argv[c->max_args]);
	return 0;
}

bool
cmd_flag(const struct cmd_args *a, const char *name)
{
	return cmd_value(a, name) != NULL;
}

void
cmd_args_for(struct cmd_args *a, const struct cmd_entry *c, bool json)
{
	memset(a, 0, sizeof *a);
	a->cmd = c;
	a->out.json = json;
	a->out.quiet = true;
	a->dashdash = -1;
}

void
cmd_args_set(struct cmd_args *a, const char *name, const char *value)
{
	for (int i = 0; a->cmd->opts[i].name != NULL; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0) {
			a->value[i] = value;
			return;
		}
}

const char *
cmd_value(const struct cmd_args *a, const char *name)
{
	for (int i = 0; a->cmd->opts[i].name != NULL; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return a->value[i];
	return NULL;
}

static void
opt_lines(const struct opt_spec *o, struct buf *b)
{
	for (int i = 0; o[i].name != NULL; i++) {
		char left[64];

		if (o[i].short_name && strlen(o[i].name) == 1)
			snprintf(left, sizeof left, "-%c", o[i].short_name);
		else if (o[i].short_name)
			snprintf(left, sizeof left, "-%c, --%s%s%s",
			    o[i].short_name, o[i].name, o[i].arg ? " " : "",
			    o[i].arg ? o[i].arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o[i].name,
			    o[i].arg ? " " : "", o[i].arg ? o[i].arg : "");
		buf_printf(b, "  %-22s %s\n", left, o[i].help);
	}
}

void
cmd_usage(const struct cmd_entry *c, struct buf *b)
{
	buf_printf(b, "usage: door %s %s\n\n%s\n\noptions:\n", c->name,
	    c->args_usage, c->summary);
	opt_lines(c->opts, b);
	buf_adds(b, "\nglobal options:\n");
	opt_lines(global_opts, b);
	buf_adds(b, "\nexit status: 0 found, 1 nobody, 2 usage error, "
	    "3 system error, 4 permission denied, 5 refused as unsafe\n"
	    "see door(1) for JSON keys and examples\n");
}

void
cmd_overview(struct buf *b)
{
	buf_adds(b, "usage: door [ls] [FILTER...]   list open doors\n"
	    "       door PORT | door who TARGET   who is behind one door\n"
	    "       door COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		buf_printf(b, "  %-5s %-24s %s\n", cmd_table[i]->name,
		    cmd_table[i]->args_usage, cmd_table[i]->summary);
	buf_adds(b, "\nTARGET: 3000, :3000, 3000-3010, localhost:3000, "
	    "127.0.0.1:3000, [::1]:3000,\n        host:port or a URL "
	    "(http://localhost:3000/x)\n\nglobal options:\n");
	opt_lines(global_opts, b);
	buf_adds(b, "\nenvironment: NO_COLOR disables colour; DOOR_SOURCE=proc "
	    "reads /proc/net instead of netlink\n"
	    "exit status: 0 found, 1 nobody, 2 usage error, 3 system error, "
	    "4 permission denied,\n             5 refused as unsafe\n"
	    "door COMMAND --help for a command's options; door(1) for "
	    "everything\n");
}
