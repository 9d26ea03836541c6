/* cmd.h - the command table: one declarative row per verb (house rule 1). */
#ifndef DOOR_CMD_H
#define DOOR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "out/term.h"

#define CMD_OPTS_MAX 24

struct opt_spec {
	const char *name;        /* long name without "--" */
	char        short_name;  /* 0 when none */
	const char *arg;         /* value name, NULL for a flag */
	const char *help;
};

struct cmd_args;

/* door completions makes the shells' completion from these rows: the
 * words of args_usage and the options' value names and help say what
 * completes where (the rules: src/complete/complete.h). */
struct cmd_entry {
	const char            *name;
	const char            *args_usage;   /* "[FILTER...]" */
	const char            *summary;      /* one line for door --help */
	const struct opt_spec *opts;         /* ends with a zeroed row */
	int                    min_args, max_args;   /* positionals; -1 = any */
	int                  (*exec)(struct cmd_args *);
};

struct cmd_args {
	const struct cmd_entry *cmd;
	struct out_opts         out;
	const char             *value[CMD_OPTS_MAX];  /* by cmd->opts index */
	int                     argc;                 /* positionals */
	char                  **argv;
	int                     dashdash;   /* positionals after "--" start
					       here; argc when there was none */
};

extern const struct cmd_entry *const cmd_table[];
extern const struct cmd_entry *const cmd_hidden[];   /* not in --help */
extern const struct opt_spec global_opts[];

/* Exact names only: no prefix guessing. */
const struct cmd_entry	*cmd_find(const char *name);
/* Parses argv (after the verb) into a; global options are taken anywhere.
 * Fills e with a usage error naming the bad word. *help set by -h. */
int	cmd_parse(const struct cmd_entry *, int argc, char **argv,
	    struct cmd_args *a, bool *help, struct door_err *e);
bool	 cmd_flag(const struct cmd_args *, const char *name);
/* The arguments of one verb as a presenter (door watch, door ui) calls
 * it: no colour, no notes on stderr, no positionals; then each option by
 * name ("" for a flag). */
void	cmd_args_for(struct cmd_args *, const struct cmd_entry *, bool json);
void	cmd_args_set(struct cmd_args *, const char *name, const char *value);
const char	*cmd_value(const struct cmd_args *, const char *name);
/* "door VERB --help" text, and the overview for "door --help". */
void	cmd_usage(const struct cmd_entry *, struct buf *);
void	cmd_overview(struct buf *);

/* The verbs. */
extern const struct cmd_entry cmd_ls_entry;
extern const struct cmd_entry cmd_who_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_next_entry;
extern const struct cmd_entry cmd_kill_entry;
extern const struct cmd_entry cmd_explain_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_known_entry;
extern const struct cmd_entry cmd_url_entry;
extern const struct cmd_entry cmd_completions_entry;
extern const struct cmd_entry cmd_ui_entry;
extern const struct cmd_entry cmd_watch_entry;

/* What the verbs render, for door ui to render the same (each verb
 * flushes its own buffer). */
struct url_opts;
/* door explain's answer for the pasted text (hint: --port, 0 none). */
int	explain_render(const struct cmd_args *, const char *text, size_t len,
	    uint16_t hint, struct buf *out);
/* door url's report of one diagnosis, as JSON and/or text (either buffer
 * may be NULL); libcurl started. -1 with e: DOOR_USAGE for a bad URL
 * (*at, *len: the bad part), else a system error. */
int	url_render(const struct out_opts *, const char *url,
	    const struct url_opts *, struct buf *json, struct buf *text,
	    struct door_err *e, size_t *at, size_t *len);
/* The first free TCP port from `from` on, as door next finds it. */
int	next_free_port(uint16_t from, uint16_t *port, struct door_err *e);

#endif
