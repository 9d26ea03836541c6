/* api.c - door ui's JSON endpoints. Each renders what the verb renders,
 * through the verb's own code: the table is door ls --json's (doors.c,
 * sockjson.c), the card door who's (card.c, text and JSON), a probe
 * probes.c's, a URL door url's (src/url/), a bind error door explain's.
 * They run in a worker thread (server.c) and never print.
 *
 * Every answer is one JSON object; "status" is the exit status door would
 * end with (door(1), EXIT STATUS), "error" says what went wrong.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/bindmsg.h"
#include "core/endpoint.h"
#include "doors.h"
#include "kill/kill.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "probes.h"
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
static void
json_doc(struct json *j, struct buf *doc)
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
static int
door_arg(struct ui_call *c, uint16_t *port, bool *udp)
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
	if (door_arg(c, &port, &udp) != 0)
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
	json_doc(&j, &doc);
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
	if (door_arg(c, &port, &udp) != 0)
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
		json_doc(&j, &doc);
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
	json_doc(&j, &doc);
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

/* ---- kill: a plan to look at, then a yes (or a no) ----
 *
 * The page asks for the plan (/api/kill/plan): door kill's own, made by
 * the kill library (src/kill/) exactly as door kill --dry-run makes and
 * prints it. The plan waits here under a random id until the page says
 * yes (/api/kill/run: that very plan is run, each process verified again
 * through its pidfd) or no (/api/kill/cancel), for at most PLAN_TTL_MS;
 * at most PLANS_MAX wait at once, the oldest going first. */

#define PLANS_MAX	16
#define PLAN_TTL_MS	120000
#define PLAN_ID_LEN	32

struct ui_plan {
	char         id[PLAN_ID_LEN + 1];
	struct kill *k;
	uint64_t     made_ms;
};

struct ui_plans {
	pthread_mutex_t lock;
	struct ui_plan  p[PLANS_MAX];
};

int
api_plans_new(struct ui *ui)
{
	if ((ui->plans = calloc(1, sizeof *ui->plans)) == NULL)
		return -1;
	pthread_mutex_init(&ui->plans->lock, NULL);
	return 0;
}

void
api_plans_free(struct ui *ui)
{
	if (ui->plans == NULL)
		return;
	for (size_t i = 0; i < PLANS_MAX; i++)
		kill_free(ui->plans->p[i].k);
	pthread_mutex_destroy(&ui->plans->lock);
	free(ui->plans);
	ui->plans = NULL;
}

/* Keeps k under a new id (into id); the oldest plan makes room. */
static int
plan_keep(struct ui_plans *pl, struct kill *k, char *id)
{
	unsigned char   raw[PLAN_ID_LEN / 2];
	struct door_err e;
	struct kill    *old = NULL;
	uint64_t        now = platform_mono_ms();
	size_t          slot = 0;

	err_clear(&e);
	if (platform_random(raw, sizeof raw, &e) != 0)
		return -1;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	pthread_mutex_lock(&pl->lock);
	for (size_t i = 0; i < PLANS_MAX; i++) {
		struct ui_plan *p = &pl->p[i];

		if (p->k != NULL && now - p->made_ms > PLAN_TTL_MS) {
			kill_free(p->k);
			p->k = NULL;
		}
		if (p->k == NULL || (pl->p[slot].k != NULL &&
		    p->made_ms < pl->p[slot].made_ms))
			slot = i;
	}
	old = pl->p[slot].k;
	pl->p[slot].k = k;
	pl->p[slot].made_ms = now;
	memcpy(pl->p[slot].id, id, PLAN_ID_LEN + 1);
	pthread_mutex_unlock(&pl->lock);
	kill_free(old);
	return 0;
}

/* Takes the plan named id out (NULL: none, or expired). */
static struct kill *
plan_take(struct ui_plans *pl, const char *id)
{
	struct kill *k = NULL;
	uint64_t     now = platform_mono_ms();

	pthread_mutex_lock(&pl->lock);
	for (size_t i = 0; i < PLANS_MAX; i++) {
		struct ui_plan *p = &pl->p[i];

		if (p->k == NULL || strcmp(p->id, id) != 0)
			continue;
		if (now - p->made_ms <= PLAN_TTL_MS)
			k = p->k;
		else
			kill_free(p->k);
		p->k = NULL;
		break;
	}
	pthread_mutex_unlock(&pl->lock);
	return k;
}

static void
api_kill_plan(struct ui *ui, struct ui_call *c)
{
	const struct jin_field *force = jin_get(&c->in, "force");
	struct kill_request     req;
	struct door_err         e;
	struct kill            *k;
	struct buf              text;
	struct json             j;
	char                    ps[8], id[PLAN_ID_LEN + 1] = "";
	const char             *targets[1] = { ps };
	uint16_t                port;
	bool                    udp, nobody, managed = false;

	if (door_arg(c, &port, &udp) != 0)
		return;
	if (force != NULL && force->type != JIN_BOOL &&
	    force->type != JIN_NULL) {
		api_error(c, 400, "\"force\" is true or false");
		return;
	}
	snprintf(ps, sizeof ps, "%u", port);
	err_clear(&e);
	kill_request_defaults(&req);
	req.targets = targets;
	req.ntargets = 1;
	req.proto = udp ? PROTO_UDP : PROTO_TCP;
	req.force = force != NULL && force->type == JIN_BOOL && force->b;
	if ((k = kill_new(&req, &e)) == NULL) {
		c->status = 200;
		json_init(&j, &c->out);
		json_obj_begin(&j);
		json_key(&j, "status");
		json_int(&j, e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status);
		json_key(&j, "error");
		json_str(&j, e.msg);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	buf_init(&text);
	kill_plan_text(k, false, &text);
	nobody = kill_nobody(k);
	for (size_t i = 0; i < k->nv; i++)
		managed |= k->v[i].out == KILL_REFUSED && k->v[i].cmd[0];
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "port");
	json_uint(&j, port);
	json_key(&j, "proto");
	json_str(&j, udp ? "udp" : "tcp");
	json_key(&j, "text");
	json_strn(&j, text.p ? text.p : "", text.len);
	json_key(&j, "nobody");
	json_bool(&j, nobody);
	json_key(&j, "holders");
	json_uint(&j, kill_holders(k));
	json_key(&j, "question");
	json_str(&j, nobody ? NULL : kill_question(k));
	json_key(&j, "refused_managed");
	json_bool(&j, managed);
	json_key(&j, "victims");
	json_arr_begin(&j);
	for (size_t i = 0; i < k->nv; i++) {
		const struct kill_victim *v = &k->v[i];

		json_obj_begin(&j);
		json_key(&j, "pid");
		json_int(&j, v->id.pid);
		json_key(&j, "name");
		json_str(&j, v->name);
		json_key(&j, "parent");
		json_bool(&j, v->is_parent);
		json_key(&j, "outcome");
		json_str(&j, kill_outcome_key(v->out));
		json_key(&j, "why");
		json_str(&j, v->why[0] ? v->why : NULL);
		json_key(&j, "command");
		json_str(&j, v->cmd[0] ? v->cmd : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	/* only a plan with something to do waits for a yes */
	if (!nobody && plan_keep(ui->plans, k, id) == 0)
		k = NULL;
	json_key(&j, "plan");
	json_str(&j, id[0] ? id : NULL);
	json_obj_end(&j);
	json_end(&j);
	buf_free(&text);
	kill_free(k);
}

static const char *
plan_arg(struct ui_call *c)
{
	const struct jin_field *p = jin_get(&c->in, "plan");

	if (p == NULL || p->type != JIN_STRING || p->slen != PLAN_ID_LEN) {
		api_error(c, 400, "\"plan\" must be the id /api/kill/plan "
		    "gave");
		return NULL;
	}
	return p->s;
}

static void
api_kill_run(struct ui *ui, struct ui_call *c)
{
	const char  *id = plan_arg(c);
	struct kill *k;
	struct buf   text, doc;
	struct json  j;

	if (id == NULL)
		return;
	if ((k = plan_take(ui->plans, id)) == NULL) {
		api_error(c, 409, "this plan is gone (run, cancelled, or more "
		    "than %d s old): ask for a new one", PLAN_TTL_MS / 1000);
		return;
	}
	kill_run(k);
	buf_init(&text);
	buf_init(&doc);
	kill_report_text(k, &text);
	kill_report_json(k, &doc);
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_int(&j, kill_status(k));
	json_key(&j, "text");
	json_strn(&j, text.p ? text.p : "", text.len);
	json_key(&j, "report");
	json_doc(&j, &doc);
	json_obj_end(&j);
	json_end(&j);
	buf_free(&text);
	buf_free(&doc);
	kill_free(k);
}

static void
api_kill_cancel(struct ui *ui, struct ui_call *c)
{
	const char  *id = plan_arg(c);
	struct kill *k;
	struct json  j;

	if (id == NULL)
		return;
	k = plan_take(ui->plans, id);
	if (k != NULL)
		kill_decline(k);
	c->status = 200;
	json_init(&j, &c->out);
	json_obj_begin(&j);
	json_key(&j, "cancelled");
	json_bool(&j, k != NULL);
	json_obj_end(&j);
	json_end(&j);
	kill_free(k);
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
