/* api.c - door ui's JSON endpoints. Each renders what the verb renders,
 * through the verb's own code: the table is door ls --json's (doors.c,
 * sockjson.c), the card door who's (card.c, text and JSON), a probe
 * probes.c's, a URL door url's (src/url/), a bind error door explain's;
 * a kill door kill's plan and run (api_kill.c).
 * They run in a worker thread (server.c) and never print.
 *
 * Every answer is one JSON object; "status" is the exit status door would
 * end with (door(1), EXIT STATUS), "error" says what went wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/bindmsg.h"
#include "core/endpoint.h"
#include "doors.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "probes.h"
#include "ui/api.h"
#include "ui/server.h"
#include "url/url.h"

#define URL_TIMEOUT_MS	5000

void
api_error(struct ui_call *c, unsigned status, const char *fmt, ...)
{
	struct json j;
	va_list     ap;
	char        msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->status = status;
	buf_reset(&c->out);
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "error");
	json_str(&j, msg);
	json_obj_end(&j);
	json_end(&j);
}

/* A JSON document a renderer wrote (ending in a newline), as a value. */
void
api_json_doc(struct json *j, struct buf *doc)
{
	const char *s = buf_str(doc);
	size_t      n = doc->len;
	char       *copy;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n == 0 || doc->oom) {
		json_null(j);
		return;
	}
	/* json_raw takes a string: the document has no NUL (escaped) */
	if ((copy = strndup(s, n)) == NULL) {
		j->b->oom = true;
		return;
	}
	json_raw(j, copy);
	free(copy);
}

/* "port" (1-65535) and "proto" ("tcp", the default, or "udp"). */
int
api_door_arg(struct ui_call *c, uint16_t *port, bool *udp)
{
	const struct jin_field *p = jin_get(&c->in, "port");
	const struct jin_field *pr = jin_get(&c->in, "proto");

	if (p == NULL || p->type != JIN_INT || p->i < 1 || p->i > 65535) {
		api_error(c, 400, "\"port\" must be a number, 1-65535");
		return -1;
	}
	*port = (uint16_t)p->i;
	*udp = false;
	if (pr != NULL && pr->type != JIN_NULL) {
		if (pr->type != JIN_STRING || (strcmp(pr->s, "tcp") != 0 &&
		    strcmp(pr->s, "udp") != 0)) {
			api_error(c, 400, "\"proto\" is \"tcp\" or \"udp\"");
			return -1;
		}
		*udp = strcmp(pr->s, "udp") == 0;
	}
	return 0;
}

/* ---- the table ---- */

int
api_table(struct buf *out)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct out_opts    oo;
	struct json        j;
	size_t            *idx, n = 0, ns;

	err_clear(&e);
	memset(&q, 0, sizeof q);
	memset(&f, 0, sizeof f);
	memset(&oo, 0, sizeof oo);
	oo.json = true;
	/* door ls --json's question */
	q.tcp = q.udp = q.v4 = q.v6 = true;
	q.listening_only = true;
	q.owners = OWNER_NARROW;
	q.source = SOURCE_AUTO;
	q.facts = PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	snap_init(&s);
	if (platform_snapshot(&q, &s, &e) != 0 ||
	    doors_entries(&s, &f, &v, &n, &e) != 0) {
		snap_free(&s);
		return -1;
	}
	if ((idx = malloc((n ? n : 1) * sizeof *idx)) == NULL) {
		free(v);
		snap_free(&s);
		return -1;
	}
	ns = doors_socks(&s, v, n, idx);
	json_init(&j, out);
	json_arr_begin(&j);
	for (size_t i = 0; i < ns; i++)
		sockjson_write(&j, &s, idx[i], &oo, NULL);
	json_arr_end(&j);
	json_end(&j);
	free(idx);
	free(v);
	snap_free(&s);
	return out->oom ? -1 : 0;
}

static void
api_doors(struct ui *ui, struct ui_call *c)
{
	(void)ui;
	c->status = 200;
	if (api_table(&c->out) != 0)
		api_error(c, 500, "cannot read this machine's sockets");
}

/* The table's run in the share (share.h): one walk, every request
 * waiting for it answered with it. */
void
api_doors_fill(void *ui, unsigned *status, struct buf *out)
{
	struct ui_call c;

	memset(&c, 0, sizeof c);
	buf_init(&c.out);
	api_doors(ui, &c);
	*status = c.status;
	*out = c.out;
}

/* ---- the card: door who PORT, as text and as JSON ---- */

static void
api_card(struct ui *ui, struct ui_call *c)
{
	struct cmd_args a;
	struct buf      text, doc;
	struct json     j;
	char            ps[8];
	char           *argv[2] = { ps, NULL };
	uint16_t        port;
	bool            udp;
	int             rc;

	(void)ui;
	if (api_door_arg(c, &port, &udp) != 0)
		return;
	snprintf(ps, sizeof ps, "%u", port);
	buf_init(&text);
	buf_init(&doc);
	cmd_args_for(&a, &cmd_who_entry, false);
	cmd_args_set(&a, udp ? "udp" : "tcp", "");
	rc = doors_who_render(&a, argv, 1, false, &text);
	/* the JSON for the page's own use: the probe is in the text */
	cmd_args_for(&a, &cmd_who_entry, true);
	cmd_args_set(&a, udp ? "udp" : "tcp", "");
	cmd_args_set(&a, "no-probe", "");
	(void)doors_who_render(&a, argv, 1, false, &doc);
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "port");
	json_uint(&j, port);
	json_key(&j, "proto");
	json_str(&j, udp ? "udp" : "tcp");
	json_key(&j, "status");
	json_int(&j, rc);
	json_key(&j, "card");
	json_strn(&j, text.p ? text.p : "", text.len);
	json_key(&j, "sockets");
	api_json_doc(&j, &doc);
	json_obj_end(&j);
	json_end(&j);
	buf_free(&text);
	buf_free(&doc);
}

/* ---- probe: what answers on every address of a door ---- */

static void
api_probe(struct ui *ui, struct ui_call *c)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v = NULL;
	struct probes      pr;
	struct out_opts    oo;
	struct json        j;
	size_t            *idx, n = 0, ns;
	uint16_t           port;
	bool               udp, any = false;

	(void)ui;
	if (api_door_arg(c, &port, &udp) != 0)
		return;
	err_clear(&e);
	memset(&q, 0, sizeof q);
	memset(&f, 0, sizeof f);
	memset(&oo, 0, sizeof oo);
	memset(&pr, 0, sizeof pr);
	oo.json = true;
	q.tcp = !udp;
	q.udp = udp;
	q.v4 = q.v6 = true;
	q.owners = OWNER_NARROW;
	q.source = SOURCE_AUTO;
	(void)doors_add_range(&f, &q, port, port, &e);
	if (probes_snapshot(&q, &f, &s, &v, &n, &pr, &e) != 0) {
		api_error(c, 500, "%s", e.msg);
		return;
	}
	if ((idx = malloc((n ? n : 1) * sizeof *idx)) == NULL) {
		api_error(c, 500, "out of memory");
		goto out;
	}
	ns = doors_socks(&s, v, n, idx);
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "port");
	json_uint(&j, port);
	json_key(&j, "proto");
	json_str(&j, udp ? "udp" : "tcp");
	json_key(&j, "answers");
	json_arr_begin(&j);
	for (size_t i = 0; i < ns; i++) {
		const struct probe_result *r = probes_of(&pr, idx[i]);
		char                       line[256];
		char                       ep[ENDPOINT_ADDR_MAX + 8];

		if (r == NULL)
			continue;
		any |= r->conf == PROBE_CONF_PROBE;
		probes_describe(r, line, sizeof line);
		endpoint_full(&s.socks[idx[i]].local, ep, sizeof ep);
		json_obj_begin(&j);
		json_key(&j, "address");
		json_str(&j, ep);
		json_key(&j, "inode");
		json_uint(&j, s.socks[idx[i]].inode);
		json_key(&j, "text");
		json_str(&j, line);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "status");
	json_int(&j, ns == 0 ? DOOR_NO : any ? DOOR_OK : DOOR_NO);
	json_key(&j, "sockets");
	json_arr_begin(&j);
	for (size_t i = 0; i < ns; i++)
		sockjson_write(&j, &s, idx[i], &oo, probes_of(&pr, idx[i]));
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	free(idx);
out:
	probes_free(&pr);
	free(v);
	snap_free(&s);
}

/* ---- url: door url's layer-by-layer verdict ---- */

static void
api_url(struct ui *ui, struct ui_call *c)
{
	const struct jin_field *u = jin_get(&c->in, "url");
	struct url_opts         o;
	struct out_opts         oo;
	struct door_err         e;
	struct buf              doc, text;
	struct json             j;
	size_t                  at = 0, len = 0;
	int                     rc;

	if (u == NULL || u->type != JIN_STRING || u->slen == 0) {
		api_error(c, 400, "\"url\" must be a non-empty string");
		return;
	}
	if (u->slen >= URL_MAX) {
		api_error(c, 400, "the URL is longer than %d bytes",
		    URL_MAX - 1);
		return;
	}
	if (!ui->curl) {
		c->status = 200;
		json_init(&j, &c->out);
		json_obj_begin(&j);
		json_key(&j, "status");
		json_int(&j, DOOR_SYSTEM);
		json_key(&j, "error");
		json_str(&j, ui->curl_why);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	err_clear(&e);
	memset(&o, 0, sizeof o);
	memset(&oo, 0, sizeof oo);
	o.timeout_ms = URL_TIMEOUT_MS;
	o.max_redirs = 5;
	buf_init(&doc);
	buf_init(&text);
	rc = url_render(&oo, u->s, &o, &doc, &text, &e, &at, &len);
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_int(&j, rc < 0 ? (int)e.status : rc);
	if (rc < 0) {
		json_key(&j, "error");
		json_str(&j, e.msg);
		if (e.status == DOOR_USAGE) {
			json_key(&j, "at");
			json_uint(&j, at);
			json_key(&j, "len");
			json_uint(&j, len);
		}
	} else {
		json_key(&j, "report");
		api_json_doc(&j, &doc);
		json_key(&j, "text");
		json_strn(&j, text.p ? text.p : "", text.len);
	}
	json_obj_end(&j);
	json_end(&j);
	buf_free(&doc);
	buf_free(&text);
}

/* ---- explain: a pasted bind error ---- */

static void
api_explain(struct ui *ui, struct ui_call *c)
{
	const struct jin_field *t = jin_get(&c->in, "text");
	const struct jin_field *p = jin_get(&c->in, "port");
	struct cmd_args         a;
	struct bindmsg          m;
	struct buf              doc, text;
	struct json             j;
	uint16_t                hint = 0;
	int                     rc;

	(void)ui;
	if (t == NULL || t->type != JIN_STRING) {
		api_error(c, 400, "\"text\" must be a string");
		return;
	}
	if (p != NULL && p->type != JIN_NULL) {
		if (p->type != JIN_INT || p->i < 1 || p->i > 65535) {
			api_error(c, 400, "\"port\" must be a number, "
			    "1-65535");
			return;
		}
		hint = (uint16_t)p->i;
	}
	buf_init(&doc);
	buf_init(&text);
	cmd_args_for(&a, &cmd_explain_entry, true);
	rc = explain_render(&a, t->s, t->slen, hint, &doc);
	/* the text only for a recognised error: the verb says "not one"
	 * on stderr, which is the server's here */
	if (bindmsg_parse(t->s, t->slen, &m) == 0) {
		cmd_args_for(&a, &cmd_explain_entry, false);
		(void)explain_render(&a, t->s, t->slen, hint, &text);
	}
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_int(&j, rc);
	json_key(&j, "report");
	api_json_doc(&j, &doc);
	json_key(&j, "text");
	if (text.len > 0)
		json_strn(&j, text.p, text.len);
	else
		json_null(&j);
	json_obj_end(&j);
	json_end(&j);
	buf_free(&doc);
	buf_free(&text);
}

const struct ui_route ui_api_routes[] = {
	{ "/api/doors", false, NULL },     /* the share's: api_doors_fill */
	{ "/api/card", true, api_card },
	{ "/api/probe", true, api_probe },
	{ "/api/url", true, api_url },
	{ "/api/explain", true, api_explain },
	{ "/api/kill/plan", true, api_kill_plan },
	{ "/api/kill/run", true, api_kill_run },
	{ "/api/kill/cancel", true, api_kill_cancel },
	{ NULL, false, NULL },
};
