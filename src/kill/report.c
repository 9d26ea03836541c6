/* report.c - what came of a kill, as door kill prints it (text or JSON). */
#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"
#include "kill/kill.h"
#include "kill/kill_int.h"
#include "out/json.h"

const char *
kill_outcome_key(enum kill_outcome o)
{
	static const char *const keys[] = { "planned", "exited", "killed",
	    "running", "gone", "denied", "refused", "skipped" };

	return keys[o];
}

void
kill_report_text(const struct kill *k, struct buf *b)
{
	for (size_t i = 0; i < k->nv; i++) {
		const struct kill_victim *v = &k->v[i];

		kill_victim_label(b, v);
		switch (v->out) {
		case KILL_PLANNED:
			buf_printf(b, ": would get %s%s", k->signame,
			    k->escalate ? ", then KILL after the grace" : "");
			break;
		case KILL_EXITED:
			buf_printf(b, " exited %llu ms after %s",
			    (unsigned long long)(v->exit_ms - v->sent_ms),
			    k->signame);
			break;
		case KILL_KILLED:
			buf_printf(b, " ignored %s, killed", k->signame);
			break;
		case KILL_RUNNING:
			buf_printf(b, " still running after %s%s", k->signame,
			    k->escalate ? " and KILL" : " (--no-escalate)");
			break;
		case KILL_SKIPPED:
			buf_adds(b, ": not signalled (not confirmed)");
			break;
		default:
			buf_adds(b, ": ");
			kill_put(b, v->why);
		}
		if (v->cmd[0] != '\0') {
			buf_adds(b, "\n  instead: ");
			kill_put(b, v->cmd);
		}
		buf_addc(b, '\n');
	}
	if (k->no_pidfd)
		buf_adds(b, "note: this kernel has no pidfds: door used kill() "
		    "after re-checking each process\n");
	buf_add(b, k->respawn.p, k->respawn.len);
	if (k->req.dry)
		;
	else if (k->still == SIZE_MAX)
		buf_adds(b, "could not check whether the door is free now\n");
	else if (k->free) {
		buf_adds(b, "free: nothing listens on ");
		kill_targets_text(k, b);
		buf_printf(b, "/%s%s", proto_name(k->req.proto),
		    k->req.proto == PROTO_TCP ? " and a test bind succeeds" :
		    "");
		if (k->leftover_tw > 0)
			buf_printf(b, " (%zu TIME_WAIT connection%s remain: "
			    "the kernel's, gone within a minute; a server "
			    "with SO_REUSEADDR binds anyway)", k->leftover_tw,
			    k->leftover_tw == 1 ? "" : "s");
		buf_addc(b, '\n');
	} else if (k->still > 0)
		buf_printf(b, "not free: %zu listening socket%s left\n",
		    k->still, k->still == 1 ? "" : "s");
	else
		buf_adds(b, "not free: nothing listens, but a test bind "
		    "says the port is in use\n");
}

static void
victim_json(const struct kill *k, const struct kill_victim *v,
    struct json *j)
{
	json_obj_begin(j);
	json_key(j, "pid");
	json_int(j, v->id.pid);
	json_key(j, "name");
	json_str(j, v->name);
	json_key(j, "role");
	json_str(j, v->is_parent ? "parent" : "holder");
	if (!v->is_parent) {
		const struct proc *p = &k->s.procs[v->proc];

		json_key(j, "uid");
		json_uint(j, v->uid);
		json_key(j, "cmdline");
		json_arr_begin(j);
		for (size_t o = 0; p->cmdline != NULL && o < p->cmdline_len;) {
			size_t l = strnlen(p->cmdline + o, p->cmdline_len - o);

			json_strn(j, p->cmdline + o, l);
			o += l + 1;
		}
		json_arr_end(j);
	}
	json_key(j, "result");
	json_str(j, kill_outcome_key(v->out));
	json_key(j, "signals");
	json_arr_begin(j);
	if (v->sent_ms != 0)
		json_str(j, k->signame);
	if (v->got_kill)
		json_str(j, "KILL");
	json_arr_end(j);
	json_key(j, "exit_ms");
	if (v->exit_ms != 0 && v->sent_ms != 0)
		json_uint(j, v->exit_ms - v->sent_ms);
	else
		json_null(j);
	json_key(j, "reason");
	if (v->why[0])
		json_str(j, v->why);
	else
		json_null(j);
	json_key(j, "instead");
	if (v->cmd[0])
		json_str(j, v->cmd);
	else
		json_null(j);
	json_obj_end(j);
}

static void
respawn_json(const struct kill_respawn *r, struct json *j)
{
	json_obj_begin(j);
	json_key(j, "pid");
	json_int(j, r->pid);
	json_key(j, "name");
	json_str(j, r->name);
	json_key(j, "parent_pid");
	json_int(j, r->ppid);
	json_key(j, "parent_name");
	json_str(j, r->parent_name);
	json_key(j, "manager");
	json_str(j, r->manager == MANAGER_NONE ? "parent" :
	    r->manager == MANAGER_CONTAINER ? "container" : "systemd");
	json_key(j, "unit");
	if (r->unit[0])
		json_str(j, r->unit);
	else
		json_null(j);
	json_key(j, "stop");
	json_str(j, r->stop);
	json_obj_end(j);
}

void
kill_report_json(const struct kill *k, struct buf *b)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "targets");
	json_arr_begin(&j);
	for (int i = 0; i < k->nt; i++)
		json_str(&j, k->words[i]);
	json_arr_end(&j);
	json_key(&j, "proto");
	json_str(&j, proto_name(k->req.proto));
	json_key(&j, "signal");
	json_str(&j, k->signame);
	json_key(&j, "grace_ms");
	json_uint(&j, k->req.grace_ms);
	json_key(&j, "escalate");
	json_bool(&j, k->escalate);
	json_key(&j, "dry_run");
	json_bool(&j, k->req.dry);
	json_key(&j, "processes");
	json_arr_begin(&j);
	for (size_t i = 0; i < k->nv; i++)
		victim_json(k, &k->v[i], &j);
	json_arr_end(&j);
	json_key(&j, "hidden_sockets");
	json_uint(&j, k->hidden);
	json_key(&j, "pidfd");
	json_bool(&j, !k->no_pidfd);
	json_key(&j, "respawned");
	json_arr_begin(&j);
	for (size_t i = 0; i < k->nrespawn && i < KILL_RESPAWN_MAX; i++)
		respawn_json(&k->rs[i], &j);
	json_arr_end(&j);
	json_key(&j, "time_wait");
	json_uint(&j, k->leftover_tw);
	json_key(&j, "free");
	if (k->req.dry || k->still == SIZE_MAX)
		json_null(&j);
	else
		json_bool(&j, k->free);
	json_obj_end(&j);
	json_end(&j);
}

int
kill_status(const struct kill *k)
{
	bool denied = k->hidden_denied, refused = k->hidden > 0 &&
	    !k->hidden_denied;

	for (size_t i = 0; i < k->nv; i++) {
		denied |= k->v[i].out == KILL_DENIED;
		refused |= k->v[i].out == KILL_REFUSED && !k->v[i].is_parent;
	}
	if (k->req.dry)
		return denied ? DOOR_DENIED : refused ? DOOR_UNSAFE : DOOR_OK;
	if (k->free)
		return DOOR_OK;
	if (denied)
		return DOOR_DENIED;
	if (refused)
		return DOOR_UNSAFE;
	return DOOR_NO;
}
