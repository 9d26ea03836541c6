/* cmd-explain.c - door explain TEXT: read a bind error, say who owns the
 * door now, and the two ways out (stop it, or take another door).
 *
 * The reading is src/core/bindmsg.c (pure, fuzzed); this file only asks
 * the machine: who listens there now (the card is door who's own, called
 * through the command table so both always print the same), and which
 * door is free instead (platform_port_free, as door next tests it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "core/bindmsg.h"
#include "core/endpoint.h"
#include "core/num.h"
#include "doors.h"
#include "out/escape.h"
#include "out/json.h"
#include "out/sockjson.h"

#define STDIN_MAX	(1u << 20)     /* read this much; parse BINDMSG_MAX */
#define NEXT_TRIES	200

static const struct opt_spec explain_opts[] = {
	{ "port", 'p', "PORT", "the port, when the text does not name it "
	    "(Django's 'That port is already in use.')" },
	{ NULL, 0, NULL, NULL },
};

enum port_from { FROM_TEXT, FROM_OPTION, FROM_DEFAULT, FROM_NONE };

/* The words, joined by blanks (an unquoted paste), or stdin for "-". */
static int
read_text(struct cmd_args *a, struct buf *t, struct door_err *e)
{
	if (a->argc == 1 && strcmp(a->argv[0], "-") == 0) {
		char buf[8192];

		/* bounded: at most STDIN_MAX bytes are kept */
		for (;;) {
			ssize_t n = read(0, buf, sizeof buf);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_sys(e, errno, "reading stdin");
			if (n == 0)
				break;
			if (t->len < STDIN_MAX)
				buf_add(t, buf, (size_t)n);
		}
		return 0;
	}
	for (int i = 0; i < a->argc; i++) {
		if (i > 0)
			buf_addc(t, ' ');
		buf_adds(t, a->argv[i]);
	}
	return 0;
}

/* How to hand another port to the tool that failed. */
static void
hand_over(enum bindmsg_tool tool, unsigned p, char *buf, size_t size)
{
	switch (tool) {
	case BM_NODE:
		snprintf(buf, size, "PORT=%u npm run dev   (or: node server.js "
		    "with PORT=%u, if the server reads $PORT)", p, p);
		break;
	case BM_NEXT:
		snprintf(buf, size, "PORT=%u npm run dev   (or: next dev -p %u)",
		    p, p);
		break;
	case BM_VITE:
		snprintf(buf, size, "npm run dev -- --port %u   (or: vite "
		    "--port %u)", p, p);
		break;
	case BM_UVICORN:
		snprintf(buf, size, "uvicorn APP:app --port %u", p);
		break;
	case BM_FLASK:
		snprintf(buf, size, "flask run --port %u", p);
		break;
	case BM_DJANGO:
		snprintf(buf, size, "python manage.py runserver %u", p);
		break;
	case BM_DOCKER:
		snprintf(buf, size, "docker run -p %u:CONTAINER_PORT ...", p);
		break;
	case BM_NGINX:
		snprintf(buf, size, "listen %u;   (in the server block)", p);
		break;
	case BM_POSTGRES:
		snprintf(buf, size, "postgres -p %u   (or port = %u in "
		    "postgresql.conf)", p, p);
		break;
	case BM_REDIS:
		snprintf(buf, size, "redis-server --port %u", p);
		break;
	case BM_SPRING:
	case BM_JAVA:
		snprintf(buf, size, "java -jar app.jar --server.port=%u   "
		    "(Spring Boot)", p);
		break;
	case BM_RUBY:
		snprintf(buf, size, "rails server -p %u   (or: puma -p %u)", p,
		    p);
		break;
	case BM_PHP:
		snprintf(buf, size, "php -S localhost:%u", p);
		break;
	case BM_PYTHON:
		snprintf(buf, size, "python3 -m http.server %u   (or the "
		    "server's own --port %u)", p, p);
		break;
	default:
		snprintf(buf, size, "PORT=%u, or the tool's --port %u", p, p);
	}
}

/* The first port after `port` that a server could take on every address. */
static unsigned
next_free(uint16_t port)
{
	for (unsigned p = (unsigned)port + 1, n = 0; p <= 65535 &&
	    n < NEXT_TRIES; p++, n++) {
		struct door_err e;
		unsigned        why;

		err_clear(&e);
		if (platform_port_free(PROTO_TCP, (uint16_t)p, &why, &e) == 1)
			return p;
	}
	return 0;
}

/* What door who would show, without its "next" line: explain gives the
 * two ways out itself, with the free port filled in. */
static void
who_card(const struct cmd_args *a, uint16_t port, struct buf *out)
{
	struct cmd_args w;
	char            ps[8];
	char           *argv[2] = { ps, NULL };

	snprintf(ps, sizeof ps, "%u", port);
	w = *a;
	w.cmd = &cmd_who_entry;
	memset(w.value, 0, sizeof w.value);
	w.out.json = false;
	w.argc = 1;
	w.argv = argv;
	w.dashdash = 1;
	(void)doors_who_render(&w, argv, 1, false, out);
}

static const char *
from_key(enum port_from f)
{
	static const char *const k[] = { "text", "option", "default", "none" };

	return k[f];
}

int
explain_render(const struct cmd_args *a, const char *text, size_t len,
    uint16_t hint, struct buf *out)
{
	struct bindmsg    m;
	struct door_err   e;
	struct sock_query q;
	struct snap       s;
	enum port_from    from = FROM_TEXT;
	uint16_t          port = hint;
	size_t            listening = 0, tw = 0, hidden = 0;
	unsigned          other = 0;
	char              how[160];
	int               rc = DOOR_OK;

	err_clear(&e);
	snap_init(&s);
	if (bindmsg_parse(text, len, &m) != 0) {
		if (a->out.json)
			buf_adds(out, "{\"recognised\": false}\n");
		else
			out_error("no bind error in this text: door explain "
			    "reads 'address already in use' errors (Node, "
			    "Python, Go, Java, nginx, PostgreSQL, Redis, "
			    "Docker, ...)");
		rc = DOOR_NO;
		goto done;
	}
	if (m.port != 0)
		port = m.port;
	else if (hint != 0)
		from = FROM_OPTION;
	else if ((port = bindmsg_default_port(m.tool)) != 0)
		from = FROM_DEFAULT;
	else
		from = FROM_NONE;

	/* who is there now: listening sockets with their holders, and what
	 * else the port still has (TIME_WAIT) */
	memset(&q, 0, sizeof q);
	q.tcp = q.v4 = q.v6 = true;
	q.owners = OWNER_NARROW;
	q.facts = PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_PARENT;
	q.port_lo = q.port_hi = port;
	if (from != FROM_NONE) {
		if (platform_snapshot(&q, &s, &e) != 0) {
			out_error(e.msg);
			rc = DOOR_SYSTEM;
			goto done;
		}
		for (size_t i = 0; i < s.nsocks; i++) {
			if (s.socks[i].local.port != port)
				continue;
			if (doors_is_listening(&s.socks[i])) {
				listening++;
				hidden += s.socks[i].owners == OWNERS_HIDDEN;
			} else if (s.socks[i].state == SK_TIME_WAIT)
				tw++;
		}
		if (listening > 0)
			other = next_free(port);
		hand_over(m.tool, other, how, sizeof how);
	}

	if (a->out.json) {
		struct json j;

		json_init(&j, out);
		json_obj_begin(&j);
		json_key(&j, "recognised");
		json_bool(&j, true);
		json_key(&j, "tool");
		json_str(&j, bindmsg_tool_key(m.tool));
		json_key(&j, "tool_name");
		json_str(&j, bindmsg_tool_name(m.tool));
		json_key(&j, "address");
		if (m.addr[0])
			json_str(&j, m.addr);
		else
			json_null(&j);
		json_key(&j, "port");
		if (from == FROM_NONE)
			json_null(&j);
		else
			json_uint(&j, port);
		json_key(&j, "port_from");
		json_str(&j, from_key(from));
		json_key(&j, "in_use");
		json_bool(&j, listening > 0);
		json_key(&j, "time_wait");
		json_uint(&j, tw);
		json_key(&j, "sockets");
		json_arr_begin(&j);
		for (size_t i = 0; i < s.nsocks; i++)
			if (doors_is_listening(&s.socks[i]))
				sockjson_write(&j, &s, i, &a->out, NULL);
		json_arr_end(&j);
		json_key(&j, "kill");
		if (listening > 0) {
			char c[32];

			snprintf(c, sizeof c, "door kill %u", port);
			json_str(&j, c);
		} else
			json_null(&j);
		json_key(&j, "next_port");
		if (other != 0)
			json_uint(&j, other);
		else
			json_null(&j);
		json_key(&j, "hand_over");
		if (other != 0)
			json_str(&j, how);
		else
			json_null(&j);
		json_obj_end(&j);
		json_end(&j);
		rc = from == FROM_NONE ? DOOR_NO : DOOR_OK;
		goto done;
	}

	buf_adds(out, bindmsg_tool_name(m.tool));
	buf_adds(out, " could not listen");
	if (m.addr[0] != '\0') {
		buf_adds(out, " on ");
		esc_term(out, m.addr, strlen(m.addr));
	}
	if (from == FROM_TEXT)
		buf_printf(out, " port %u: address already in use%s\n", port,
		    m.next_tried ? "" : " (another socket holds it)");
	else
		buf_adds(out, ": address already in use\n");
	if (m.next_tried != 0)
		buf_printf(out, "  it moved on to %u by itself; to keep %u, "
		    "free it\n", m.next_tried, port);
	switch (from) {
	case FROM_OPTION:
		buf_printf(out, "  the text names no port: using %u from "
		    "--port\n", port);
		break;
	case FROM_DEFAULT:
		buf_printf(out, "  the text names no port: assuming %u, %s's "
		    "default (a guess: give the real one with --port)\n",
		    port, bindmsg_tool_name(m.tool));
		break;
	case FROM_NONE:
		buf_adds(out, "  the text names no port: say which with "
		    "--port PORT (door explain --port 8080 '...')\n");
		rc = DOOR_NO;
		goto done;
	default:
		break;
	}
	buf_addc(out, '\n');
	if (listening == 0) {
		buf_printf(out, "%u is free now: whoever held it has let go",
		    port);
		if (tw > 0)
			buf_printf(out, " (only %zu TIME_WAIT connection%s "
			    "remain, which a server with SO_REUSEADDR binds "
			    "past)", tw, tw == 1 ? "" : "s");
		buf_adds(out, "; start it again\n");
		goto done;
	}
	who_card(a, port, out);
	if (hidden > 0 && !platform_privileged())
		buf_printf(out, "\nthe owner is another user's, invisible "
		    "without root: sudo door explain shows it, and sudo door "
		    "kill %u stops it\n", port);
	buf_printf(out, "\ntwo ways out:\n  stop it:            door kill "
	    "%u\n", port);
	if (other != 0) {
		buf_printf(out, "  take another door:  door next %u   "
		    "(%u is free now)\n                      ", port, other);
		buf_adds(out, how);
		buf_addc(out, '\n');
	} else
		buf_printf(out, "  take another door:  door next %u\n", port);
done:
	snap_free(&s);
	return rc;
}

static int
explain_exec(struct cmd_args *a)
{
	struct buf      text, out;
	struct door_err e;
	const char     *hint = cmd_value(a, "port");
	uint64_t        v = 0;
	int             rc;

	err_clear(&e);
	if (hint != NULL && num_parse(hint, 1, 65535, &v) != 0) {
		out_error("--port needs a port, 1-65535");
		return DOOR_USAGE;
	}
	buf_init(&text);
	buf_init(&out);
	if (read_text(a, &text, &e) != 0) {
		out_error(e.msg);
		rc = DOOR_SYSTEM;
	} else
		rc = explain_render(a, text.p ? text.p : "", text.len,
		    (uint16_t)v, &out);
	out_flush(&out);
	buf_free(&text);
	buf_free(&out);
	return rc;
}

const struct cmd_entry cmd_explain_entry = {
	"explain", "TEXT|-",
	"read a bind error: who owns that door now, and the two ways out",
	explain_opts, 1, -1, explain_exec,
};
