/* door.c - main: pick the verb, parse through the table, run it. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/target.h"
#include "out/term.h"

#ifndef DOOR_VERSION
#define DOOR_VERSION "0.1.0"
#endif

/* "door 3000", "door :3000", "door localhost:3000": a TARGET means who. */
static bool
looks_like_target(const char *s)
{
	struct target   t;
	struct door_err e;

	return s[0] != '-' && target_parse(s, &t, &e) == 0;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *c = NULL;
	struct cmd_args         a;
	struct door_err         e;
	struct buf              b;
	bool                    help;
	int                     first = 1;

	setlocale(LC_CTYPE, "");
	err_clear(&e);
	buf_init(&b);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		buf_adds(&b, "door " DOOR_VERSION "\n");
		out_flush(&b);
		buf_free(&b);
		return DOOR_OK;
	}
	if (argc > 1 && argv[1][0] != '-') {
		c = cmd_find(argv[1]);
		if (c != NULL)
			first = 2;
		else if (looks_like_target(argv[1]))
			c = &cmd_who_entry;
		else {
			char msg[160];

			snprintf(msg, sizeof msg, "unknown command '%.40s' "
			    "(see door --help)", argv[1]);
			out_error(msg);
			return DOOR_USAGE;
		}
	} else if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		cmd_overview(&b);
		out_flush(&b);
		buf_free(&b);
		return DOOR_OK;
	}
	if (c == NULL)
		c = &cmd_ls_entry;
	if (cmd_parse(c, argc - first, argv + first, &a, &help, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	if (help) {
		cmd_usage(c, &b);
		out_flush(&b);
		buf_free(&b);
		return DOOR_OK;
	}
	buf_free(&b);
	return c->exec(&a);
}
