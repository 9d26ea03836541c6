/* complete.h - shell completions (bash, zsh, fish) made from the command
 * table, so that a new verb or option appears in all three untouched.
 *
 * What completes where is read from the rows themselves (cmd.h):
 *   a verb's positionals, from its args_usage words: NAME offers the names
 *     of the port table (door known), TARGET, PORT and FILTER the doors
 *     open now; a verb that has a --signal option offers only the doors
 *     that have an owner (door kill: a door nobody holds cannot be freed);
 *     URL, TEXT and the rest offer nothing;
 *   an option's value: the words its help lists after the last ": "
 *     ("the first signal (default TERM): TERM, INT, ... or a number" offers
 *     TERM and INT; "a number" is not a word); else by the value's name:
 *     NAME or USER a user, PID a process id, PROC a process name, FILE or
 *     DIR a file; DUR, N, PATH, ... nothing.
 * The open doors come from the running door itself, at TAB time:
 * `door completions ports|owned|known` print "WORD<TAB>DESCRIPTION" lines.
 */
#ifndef DOOR_COMPLETE_H
#define DOOR_COMPLETE_H

#include <stddef.h>

#include "cmd.h"
#include "core/buf.h"

enum compl_kind {
	COMPL_NONE = 0,
	COMPL_PORTS,      /* door completions ports */
	COMPL_OWNED,      /* door completions owned */
	COMPL_KNOWN,      /* door completions known */
	COMPL_CHOICES,    /* the words of the option's help */
	COMPL_USERS,
	COMPL_PIDS,
	COMPL_PROCS,
	COMPL_FILES,
};

#define COMPL_CHOICES_MAX 16
#define COMPL_WORD_MAX    32

struct compl_choices {
	size_t n;
	char   w[COMPL_CHOICES_MAX][COMPL_WORD_MAX];
};

/* What a verb's positionals are. */
enum compl_kind	compl_args(const struct cmd_entry *);
/* What an option's value is (COMPL_NONE for a flag); the choices are
 * filled for COMPL_CHOICES and cleared otherwise. */
enum compl_kind	compl_value(const struct opt_spec *, struct compl_choices *);
/* The hidden subcommand that lists the candidates of a kind at TAB time
 * ("ports"), or NULL when the shell completes it itself. */
const char	*compl_helper(enum compl_kind);
/* Whether the option has only a short form (-4: name "4"). */
int	compl_short_only(const struct opt_spec *);

/* The three scripts, appended to b. */
void	compl_bash(struct buf *);
void	compl_zsh(struct buf *);
void	compl_fish(struct buf *);

/* The options that "door -t" takes before any verb: ls's (door alone is
 * door ls). */
extern const struct cmd_entry *const compl_top;

#endif
