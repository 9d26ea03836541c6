/* cmd-ls.c - door [ls] [FILTER...]: every open door and who is behind it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "core/target.h"
#include "doors.h"
#include "metrics.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "out/table.h"
#include "lstable.h"
#include "probes.h"

static const struct opt_spec ls_opts[] = {
	{ "tcp", 't', NULL, "TCP only" },
	{ "udp", 'u', NULL, "UDP only" },
	{ "4", '4', NULL, "IPv4 only" },
	{ "6", '6', NULL, "IPv6 only" },
	{ "all", 'a', NULL, "also non-listening TCP sockets (ESTABLISHED, "
	    "TIME_WAIT...) with peers" },
	{ "user", 0, "NAME", "only doors of this user (name or uid)" },
	{ "pid", 'p', "PID", "only doors held by this process" },
	{ "name", 0, "PROC", "only doors of processes with this name" },
	{ "no-owners", 0, NULL, "do not look for processes (fastest)" },
	{ "thorough", 0, NULL, "look for holders in every process, not just "
	    "the socket's cgroup and user" },
	{ "probe", 0, NULL, "knock on every listed TCP door to see what "
	    "answers (all at once)" },
	{ "format", 0, "FORMAT", "the output format: table, json or "
	    "openmetrics" },
	{ NULL, 0, NULL, NULL },
};

/*
 * The rows are made twice, once to measure the columns and once to print,
 * rather than held: with 11,000 listeners the held cells (some 360 KB) were
 * part of what put door ls above ss -ltn's peak memory (bench/RESULTS.md).
 */
static void
print_table(const struct cmd_args *a, const struct snap *s,
    const struct entry *v, size_t n, bool all, const struct probes *pr)
{
	struct table   t;
	struct buf     out;
	struct ls_rows r;

	ls_table_init(&t, &a->out, all);
	t.stream = true;
	buf_init(&out);
	ls_rows_init(&r, &a->out, s, v, n, all, pr);
	table_print_rows(&t, ls_row, &r, n, &out);
	out_flush(&out);
	table_free(&t);
	buf_free(&out);
	ls_rows_free(&r);
}

static const struct probe_result *
probe_of(const void *pr, size_t sock)
{
	return probes_of(pr, sock);
}

static int
to_stdout(void *ctx, struct buf *b)
{
	(void)ctx;
	return out_flush(b);
}

/* Streamed: with 11,000 sockets the whole document was 7.9 MB held
 * (bench/RESULTS.md); now JSON_CHUNK at a time, the same bytes. */
static void
print_json(const struct cmd_args *a, const struct snap *s,
    const struct entry *v, size_t n, const struct probes *pr)
{
	struct buf  out;
	struct json j;
	size_t     *idx = malloc((n ? n : 1) * sizeof *idx);
	size_t      ns;

	if (idx == NULL)
		return;
	ns = doors_socks(s, v, n, idx);
	buf_init(&out);
	json_init(&j, &out);
	json_stream(&j, to_stdout, NULL, JSON_CHUNK);
	sockjson_write_list(&j, s, idx, ns, &a->out, probe_of, pr);
	json_end(&j);
	(void)json_flush(&j);
	buf_free(&out);
	free(idx);
}

static int
ls_exec(struct cmd_args *a)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct probes      pr;
	size_t             n = 0;
	int                rc;
	enum ls_format     fmt;
	uint64_t           t0 = metrics_now_us();

	err_clear(&e);
	if (metrics_format(a, &fmt, &e) != 0 ||
	    doors_options(a, &q, &f, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	if (doors_filter_words(&f, &q, a->argc, a->argv, &e) != 0) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	/* the command line names the service (SERVICE column) */
	q.facts |= PROC_HAVE_CMDLINE;
	if (a->out.json)
		q.facts |= PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	if ((rc = doors_gather(&q, &f, &s, &v, &n)) != DOOR_OK)
		return rc;
	memset(&pr, 0, sizeof pr);
	if (cmd_flag(a, "probe"))
		probes_of_entries(&s, v, n, &pr);
	if (fmt == LS_FORMAT_OPENMETRICS)
		metrics_write(a, &s, v, n, &pr, metrics_now_us() - t0);
	else if (a->out.json)
		print_json(a, &s, v, n, &pr);
	else if (n > 0)
		print_table(a, &s, v, n, !q.listening_only, &pr);
	else
		out_note(&a->out, "no open doors%s", f.nranges || f.by_uid ||
		    f.pid || f.name ? " match" : "");
	if (!a->out.json || !a->out.quiet)
		doors_partial_note(&a->out, &s, "door ls");
	/* no doors is an answer too for a metrics scrape (door_listeners 0) */
	rc = n > 0 || fmt == LS_FORMAT_OPENMETRICS ? DOOR_OK : DOOR_NO;
	probes_free(&pr);
	free(v);
	snap_free(&s);
	return rc;
}

const struct cmd_entry cmd_ls_entry = {
	"ls", "[FILTER...]",
	"list open doors: listening TCP and bound UDP sockets, and who holds "
	"them",
	ls_opts, 0, -1, ls_exec,
};
