/* cmd-known.c - door known [PORT|NAME]: the table of what port numbers
 * usually mean. A number alone does not prove what a process is, only
 * hints at it: this verb shows the hints, door PORT shows the process. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/endpoint.h"
#include "core/known.h"
#include "core/target.h"
#include "out/escape.h"
#include "out/json.h"
#include "out/table.h"

static const struct opt_spec known_opts[] = {
	{ "tcp", 't', NULL, "TCP rows only" },
	{ "udp", 'u', NULL, "UDP rows only" },
	{ NULL, 0, NULL, NULL },
};

static const struct table_col known_cols[] = {
	{ "PORT", true }, { "PROTO", false }, { "NAME", false },
	{ "USUALLY", false }, { "NOTE", false },
};

/* What the one argument asked for. */
enum ask { ASK_ALL, ASK_PORTS, ASK_NAME };

static void
print_table(const struct cmd_args *a, const struct known_port **v, size_t n)
{
	struct table t;
	struct buf   out;

	table_init(&t, &a->out, known_cols,
	    sizeof known_cols / sizeof known_cols[0]);
	for (size_t i = 0; i < n; i++) {
		table_cellf(&t, SGR_BOLD, "%u", v[i]->port);
		table_cell(&t, proto_name(v[i]->proto), NULL);
		table_cell(&t, v[i]->name, SGR_CYAN);
		table_cell(&t, v[i]->usually, NULL);
		table_cell(&t, v[i]->note, SGR_DIM);
	}
	buf_init(&out);
	table_print(&t, &out);
	out_flush(&out);
	buf_free(&out);
	table_free(&t);
}

static void
print_json(const struct known_port **v, size_t n)
{
	struct buf  out;
	struct json j;

	buf_init(&out);
	json_init(&j, &out);
	json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(&j);
		json_key(&j, "port");
		json_uint(&j, v[i]->port);
		json_key(&j, "proto");
		json_str(&j, proto_name(v[i]->proto));
		json_key(&j, "name");
		json_str(&j, v[i]->name);
		json_key(&j, "usually");
		json_str(&j, v[i]->usually);
		json_key(&j, "note");
		json_str(&j, v[i]->note);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
	out_flush(&out);
	buf_free(&out);
}

/* "nothing is known about 4001": on stdout, as door who says "nobody". */
static void
print_nothing(const char *arg, enum ask ask, unsigned protos)
{
	struct buf  out;
	const char *which = protos == KNOWN_TCP ? " (tcp)" :
	    protos == KNOWN_UDP ? " (udp)" : "";

	buf_init(&out);
	if (ask == ASK_NAME) {
		buf_adds(&out, "no known port is named '");
		esc_term(&out, arg, strlen(arg));
		buf_printf(&out, "' or described with it%s\n", which);
	} else {
		buf_adds(&out, "nothing is known about ");
		esc_term(&out, arg, strlen(arg));
		buf_printf(&out, "%s: door's table does not list it\n",
		    which[0] ? which : " (tcp or udp)");
	}
	out_flush(&out);
	buf_free(&out);
}

static int
known_exec(struct cmd_args *a)
{
	const struct known_port **v;
	struct door_err           e;
	enum known_match          how = KNOWN_MATCH_NONE;
	enum ask                  ask = ASK_ALL;
	unsigned                  protos = 0;
	const char               *arg = a->argc > 0 ? a->argv[0] : NULL;
	const char               *word = arg;
	uint16_t                  lo = 1, hi = 65535;
	size_t                    n;

	err_clear(&e);
	if (cmd_flag(a, "tcp"))
		protos |= KNOWN_TCP;
	if (cmd_flag(a, "udp"))
		protos |= KNOWN_UDP;
	if (protos == 0)
		protos = KNOWN_ANY;
	if (arg != NULL) {
		if (word[0] == ':')
			word++;
		if (word[0] >= '0' && word[0] <= '9') {
			/* a port or a range: it must parse, or it is a typo */
			if (port_range_parse(word, strlen(word), &lo, &hi,
			    &e) != 0) {
				out_error(e.msg);
				return DOOR_USAGE;
			}
			ask = ASK_PORTS;
		} else if (word[0] == '\0' || arg[0] == ':') {
			out_error("door known needs a port (5432), a range "
			    "(3000-3999) or a name (redis)");
			return DOOR_USAGE;
		} else
			ask = ASK_NAME;
	}
	v = calloc(known_ports_count ? known_ports_count : 1, sizeof *v);
	if (v == NULL) {
		out_error("out of memory");
		return DOOR_SYSTEM;
	}
	if (ask == ASK_NAME)
		n = known_find_name(word, strlen(word), protos, &how, v,
		    known_ports_count);
	else
		n = known_range(lo, hi, protos, v, known_ports_count);
	if (n > known_ports_count)
		n = known_ports_count;   /* cannot happen: each row once */
	if (a->out.json)
		print_json(v, n);
	else if (n > 0)
		print_table(a, v, n);
	else
		print_nothing(arg, ask, protos);
	if (n > 0 && how == KNOWN_MATCH_SUBSTRING)
		out_note(&a->out, "note: no port is named '%s': these %zu "
		    "mention it (in NAME or USUALLY)", word, n);
	if (n > 0 && ask == ASK_PORTS && lo == hi)
		out_note(&a->out, "note: a port number is only a clue; "
		    "door %u shows the process behind it", lo);
	free(v);
	return n > 0 ? DOOR_OK : DOOR_NO;
}

const struct cmd_entry cmd_known_entry = {
	"known", "[PORT|NAME]",
	"what port numbers usually mean: the table, a port, a range or a name",
	known_opts, 0, 1, known_exec,
};
