/* model.c - what completes where, read from the command table's rows
 * (the rules are in complete.h). */
#include <string.h>

#include "complete/complete.h"

const struct cmd_entry *const compl_top = &cmd_ls_entry;

/* Whether `word` appears in s as a whole word of capitals. */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; (p = strstr(p, word)) != NULL; p++) {
		int before = p == s || !(p[-1] >= 'A' && p[-1] <= 'Z');
		int after = !(p[n] >= 'A' && p[n] <= 'Z');

		if (before && after)
			return 1;
	}
	return 0;
}

static int
has_option(const struct cmd_entry *c, const char *name)
{
	for (size_t i = 0; c->opts[i].name != NULL; i++)
		if (strcmp(c->opts[i].name, name) == 0)
			return 1;
	return 0;
}

enum compl_kind
compl_args(const struct cmd_entry *c)
{
	const char *u = c->args_usage;

	if (has_word(u, "NAME"))
		return COMPL_KNOWN;
	if (has_word(u, "TARGET") || has_word(u, "PORT") ||
	    has_word(u, "FILTER"))
		return has_option(c, "signal") ? COMPL_OWNED : COMPL_PORTS;
	return COMPL_NONE;
}

static int
is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/* The words listed after the last ": " of help: "a, b or c". A piece
 * that is not one word ("a number") is left out. */
static void
help_choices(const char *help, struct compl_choices *ch)
{
	const char *p = NULL, *q;

	for (q = help; (q = strstr(q, ": ")) != NULL; q++)
		p = q + 2;
	if (p == NULL)
		return;
	while (*p != '\0' && ch->n < COMPL_CHOICES_MAX) {
		size_t len = 0, skip;
		int    word = 1;

		/* a piece ends at ", " or " or " or the end */
		for (;;) {
			if (p[len] == '\0')
				break;
			if (strncmp(p + len, ", ", 2) == 0 ||
			    strncmp(p + len, " or ", 4) == 0)
				break;
			if (!is_word_char(p[len]))
				word = 0;
			len++;
		}
		skip = p[len] == ',' ? 2 : p[len] == ' ' ? 4 : 0;
		if (word && len > 0 && len < COMPL_WORD_MAX) {
			memcpy(ch->w[ch->n], p, len);
			ch->w[ch->n][len] = '\0';
			ch->n++;
		}
		p += len + skip;
	}
}

enum compl_kind
compl_value(const struct opt_spec *o, struct compl_choices *ch)
{
	memset(ch, 0, sizeof *ch);
	if (o->arg == NULL)
		return COMPL_NONE;
	help_choices(o->help, ch);
	if (ch->n > 0)
		return COMPL_CHOICES;
	if (strcmp(o->arg, "NAME") == 0 || strcmp(o->arg, "USER") == 0)
		return COMPL_USERS;
	if (strcmp(o->arg, "PID") == 0)
		return COMPL_PIDS;
	if (strcmp(o->arg, "PROC") == 0)
		return COMPL_PROCS;
	if (strcmp(o->arg, "FILE") == 0 || strcmp(o->arg, "DIR") == 0)
		return COMPL_FILES;
	return COMPL_NONE;
}

const char *
compl_helper(enum compl_kind k)
{
	switch (k) {
	case COMPL_PORTS: return "ports";
	case COMPL_OWNED: return "owned";
	case COMPL_KNOWN: return "known";
	default:          return NULL;
	}
}

int
compl_short_only(const struct opt_spec *o)
{
	return o->short_name != 0 && strlen(o->name) == 1;
}
