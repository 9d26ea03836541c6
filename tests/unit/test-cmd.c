/* test-cmd.c - src/cmd.c: the one option parser every verb goes through
 * (house rule 1: exact names, no prefix guessing). */
#include <string.h>

#include "cmd.h"
#include "unit.h"

/* cmd_parse rearranges argv in place: give it a fresh copy each time. */
static int
parse(const char *verb, struct cmd_args *a, bool *help, struct door_err *e,
    char **argv, int argc)
{
	const struct cmd_entry *c = cmd_find(verb);

	err_clear(e);
	if (c == NULL)
		return -99;
	return cmd_parse(c, argc, argv, a, help, e);
}

TEST(find_is_exact)
{
	CHECK(cmd_find("ls") == &cmd_ls_entry);
	CHECK(cmd_find("who") == &cmd_who_entry);
	CHECK(cmd_find("l") == NULL);       /* no prefix guessing */
	CHECK(cmd_find("lsx") == NULL);
	CHECK(cmd_find("LS") == NULL);
	CHECK(cmd_find("") == NULL);
}

TEST(flags_values_and_positionals)
{
	char            a0[] = "3000", a1[] = "--tcp", a2[] = "--user",
			a3[] = "root", a4[] = "4000-4010", a5[] = "--pid=42";
	char           *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("ls", &a, &help, &e, argv, 6), 0);
	CHECK(!help);
	CHECK(cmd_flag(&a, "tcp"));
	CHECK(!cmd_flag(&a, "udp"));
	CHECK_STR(cmd_value(&a, "user"), "root");
	CHECK_STR(cmd_value(&a, "pid"), "42");
	CHECK_EQ_INT(a.argc, 2);
	CHECK_STR(a.argv[0], "3000");
	CHECK_STR(a.argv[1], "4000-4010");
	CHECK(a.argv[2] == NULL);            /* execvp-ready */
	CHECK_EQ_INT(a.dashdash, 2);
}

TEST(short_bundles_and_globals)
{
	char            a0[] = "-46tn", a1[] = "-p", a2[] = "7", a3[] = "--json",
			a4[] = "-q";
	char           *argv[] = { a0, a1, a2, a3, a4, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("ls", &a, &help, &e, argv, 5), 0);
	CHECK(cmd_flag(&a, "4") && cmd_flag(&a, "6") && cmd_flag(&a, "tcp"));
	CHECK(a.out.numeric);                /* -n, a global, in a bundle */
	CHECK_STR(cmd_value(&a, "pid"), "7");
	CHECK(a.out.json && a.out.quiet);
	CHECK(!a.out.color);                 /* not a terminal here */
}

TEST(attached_short_value)
{
	char            a0[] = "-p123";
	char           *argv[] = { a0, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("ls", &a, &help, &e, argv, 1), 0);
	CHECK_STR(cmd_value(&a, "pid"), "123");
}

TEST(dashdash_splits_a_command)
{
	char            a0[] = "5432", a1[] = "--timeout", a2[] = "1s",
			a3[] = "--", a4[] = "npm", a5[] = "--run", a6[] = "x";
	char           *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("wait", &a, &help, &e, argv, 7), 0);
	CHECK_EQ_INT(a.argc, 4);
	CHECK_EQ_INT(a.dashdash, 1);
	CHECK_STR(a.argv[0], "5432");
	CHECK_STR(a.argv[1], "npm");
	CHECK_STR(a.argv[2], "--run");       /* after --, not an option */
	CHECK_STR(cmd_value(&a, "timeout"), "1s");
}

TEST(errors_name_the_bad_word)
{
	char            u0[] = "--frobnicate", m0[] = "--user", f0[] = "--tcp=1",
			s0[] = "-Z", p0[] = "--pi=3", w0[] = "a", w1[] = "b";
	char           *unknown[] = { u0, NULL }, *missing[] = { m0, NULL },
		       *flagval[] = { f0, NULL }, *shortbad[] = { s0, NULL },
		       *prefix[] = { p0, NULL }, *toomany[] = { w0, w1, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("ls", &a, &help, &e, unknown, 1), -1);
	CHECK(e.status == DOOR_USAGE && strstr(e.msg, "frobnicate") != NULL);
	CHECK_EQ_INT(parse("ls", &a, &help, &e, missing, 1), -1);
	CHECK(strstr(e.msg, "needs a value") != NULL);
	CHECK_EQ_INT(parse("ls", &a, &help, &e, flagval, 1), -1);
	CHECK(strstr(e.msg, "takes no value") != NULL);
	CHECK_EQ_INT(parse("ls", &a, &help, &e, shortbad, 1), -1);
	CHECK(strstr(e.msg, "-Z") != NULL);
	CHECK_EQ_INT(parse("ls", &a, &help, &e, prefix, 1), -1);   /* exact */
	CHECK_EQ_INT(parse("url", &a, &help, &e, toomany, 2), -1);
	CHECK(e.status == DOOR_USAGE);
}

TEST(help_wins_over_missing_arguments)
{
	char            a0[] = "-h";
	char           *argv[] = { a0, NULL };
	struct cmd_args a;
	struct door_err e;
	bool            help;

	CHECK_EQ_INT(parse("who", &a, &help, &e, argv, 1), 0);
	CHECK(help);
}

TEST(usage_text_lists_every_option)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		struct buf b;

		buf_init(&b);
		cmd_usage(cmd_table[i], &b);
		for (int o = 0; cmd_table[i]->opts[o].name != NULL; o++)
			CHECK(strstr(buf_str(&b), cmd_table[i]->opts[o].name)
			    != NULL);
		CHECK(strstr(buf_str(&b), "exit status") != NULL);
		buf_free(&b);
	}
}
