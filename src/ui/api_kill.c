/* api_kill.c - door ui's kill endpoints: door kill's plan through the
 * kill library, kept until the page says yes or no (api.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kill/kill.h"
#include "out/json.h"
#include "platform/platform.h"
#include "ui/api.h"
#include "ui/server.h"

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

void
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

	if (api_door_arg(c, &port, &udp) != 0)
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

void
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
	api_json_doc(&j, &doc);
	json_obj_end(&j);
	json_end(&j);
	buf_free(&text);
	buf_free(&doc);
	kill_free(k);
}

void
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
