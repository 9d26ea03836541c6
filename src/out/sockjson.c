/* sockjson.c - the socket object of door ls/who --json. Keys are an
 * interface (door(1), JSON OUTPUT): add, never rename casually. */
#include <stdio.h>
#include <string.h>

#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "probe/probe.h"
#include "out/sockjson.h"
#include "platform/platform.h"

static const char *
owners_status_name(enum owners_status s)
{
	switch (s) {
	case OWNERS_FOUND:  return "found";
	case OWNERS_HIDDEN: return "hidden";
	case OWNERS_NONE:   return "none";
	default:            return "not_asked";
	}
}

static void
write_cmdline(struct json *j, const struct proc *p)
{
	size_t off = 0;

	json_arr_begin(j);
	while (off < p->cmdline_len) {
		const char *arg = p->cmdline + off;
		const char *nul = memchr(arg, '\0', p->cmdline_len - off);
		size_t      len = nul ? (size_t)(nul - arg) : p->cmdline_len - off;

		json_strn(j, arg, len);
		off += len + 1;
	}
	json_arr_end(j);
}

/* What the process itself says it is (name, command line), or null. */
static void
write_service(struct json *j, const struct proc *p)
{
	struct passive_id pi;

	if (!passive_identify(p->name, (p->have & PROC_HAVE_CMDLINE) ?
	    p->cmdline : NULL, (p->have & PROC_HAVE_CMDLINE) ?
	    p->cmdline_len : 0, &pi)) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_key(j, "name");
	json_str(j, pi.service[0] ? pi.service : NULL);
	json_key(j, "product");
	json_str(j, pi.product);
	json_key(j, "version");
	json_str(j, pi.version[0] ? pi.version : NULL);
	json_key(j, "detail");
	json_str(j, pi.detail[0] ? pi.detail : NULL);
	json_key(j, "forward_port");
	if (pi.forward_port)
		json_uint(j, pi.forward_port);
	else
		json_null(j);
	json_key(j, "confidence");
	json_str(j, id_confidence_name(ID_PROCESS));
	json_obj_end(j);
}

static void
write_owner(struct json *j, const struct snap *s, const struct owner *o)
{
	const struct proc *p = &s->procs[o->proc];
	char               user[64];

	json_obj_begin(j);
	json_key(j, "pid");
	json_int(j, p->pid);
	json_key(j, "name");
	json_str(j, p->name);
	json_key(j, "fd");
	json_int(j, o->fd);
	json_key(j, "uid");
	if (p->have & PROC_HAVE_UID)
		json_uint(j, p->uid);
	else
		json_null(j);
	json_key(j, "user");
	if (p->have & PROC_HAVE_UID && platform_user_name(p->uid, user,
	    sizeof user) == 0)
		json_str(j, user);
	else
		json_null(j);
	json_key(j, "ppid");
	json_int(j, p->ppid);
	json_key(j, "cmdline");
	if (p->have & PROC_HAVE_CMDLINE)
		write_cmdline(j, p);
	else
		json_null(j);
	json_key(j, "cmdline_truncated");
	json_bool(j, p->cmdline_cut);
	json_key(j, "cwd");
	json_str(j, (p->have & PROC_HAVE_CWD) ? p->cwd : NULL);
	json_key(j, "start_time");
	json_int(j, platform_proc_start_epoch(p));
	json_key(j, "uptime_seconds");
	json_uint(j, platform_proc_age(p));
	json_key(j, "start_ticks");
	json_uint(j, p->start_ticks);
	json_key(j, "cgroup");
	json_str(j, (p->have & PROC_HAVE_CGROUP) ? p->cgroup : NULL);
	json_key(j, "service");
	write_service(j, p);
	json_obj_end(j);
}

static void
write_probe(struct json *j, const struct probe_result *r)
{
	if (r == NULL) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_key(j, "service");
	json_str(j, r->id.service[0] ? r->id.service : NULL);
	json_key(j, "product");
	json_str(j, r->id.product[0] ? r->id.product : NULL);
	json_key(j, "version");
	json_str(j, r->id.version[0] ? r->id.version : NULL);
	json_key(j, "confidence");
	json_str(j, probe_conf_name(r->conf));
	json_key(j, "tls");
	json_bool(j, r->tls);
	json_key(j, "http_status");
	if (r->http_status)
		json_int(j, r->http_status);
	else
		json_null(j);
	json_key(j, "ms");
	json_uint(j, r->usec / 1000);
	json_key(j, "error");
	json_str(j, r->error[0] ? r->error : NULL);
	json_obj_end(j);
}

void
sockjson_write(struct json *j, const struct snap *s, size_t i,
    const struct out_opts *o, const struct probe_result *pr)
{
	const struct sock       *k = &s->socks[i];
	const struct known_port *kp[8];
	size_t                   nk;
	char                     a[ENDPOINT_ADDR_MAX], user[64];
	bool                     connected = k->state != SK_LISTEN &&
	    !(k->proto == PROTO_UDP && k->state == SK_CLOSE);

	(void)o;
	json_obj_begin(j);
	json_key(j, "proto");
	json_str(j, proto_name(k->proto));
	json_key(j, "family");
	json_str(j, family_name(k->local.family));
	json_key(j, "address");
	endpoint_addr(&k->local, a, sizeof a);
	json_str(j, a);
	json_key(j, "port");
	json_uint(j, k->local.port);
	json_key(j, "state");
	json_str(j, sock_state_name(k));
	json_key(j, "remote_address");
	if (connected) {
		endpoint_addr(&k->remote, a, sizeof a);
		json_str(j, a);
	} else
		json_null(j);
	json_key(j, "remote_port");
	if (connected)
		json_uint(j, k->remote.port);
	else
		json_null(j);
	json_key(j, "v6only");
	if (k->local.family == AF_INET6 && k->v6only >= 0)
		json_bool(j, k->v6only == 1);
	else
		json_null(j);
	json_key(j, "uid");
	json_uint(j, k->uid);
	json_key(j, "user");
	if (platform_user_name(k->uid, user, sizeof user) == 0)
		json_str(j, user);
	else
		json_null(j);
	json_key(j, "inode");
	json_uint(j, k->inode);
	json_key(j, "cgroup_id");
	if (k->cgroup_id != 0)
		json_uint(j, k->cgroup_id);
	else
		json_null(j);
	json_key(j, "source");
	json_str(j, k->source == SOURCE_NETLINK ? "netlink" : "proc");
	json_key(j, "usually");
	json_arr_begin(j);
	nk = known_lookup(k->local.port, k->proto, kp, 8);
	for (size_t n = 0; n < nk; n++)
		json_str(j, kp[n]->usually);
	json_arr_end(j);
	json_key(j, "probe");
	write_probe(j, pr);
	json_key(j, "owners_status");
	json_str(j, owners_status_name(k->owners));
	json_key(j, "owners_hidden");
	json_bool(j, k->owners == OWNERS_HIDDEN || k->more_hidden);
	json_key(j, "owners");
	json_arr_begin(j);
	for (size_t n = 0; n < k->owner_count; n++)
		write_owner(j, s, &s->owners[k->owner_first + n]);
	json_arr_end(j);
	json_obj_end(j);
}

void
sockjson_write_list(struct json *j, const struct snap *s, const size_t *socks,
    size_t n, const struct out_opts *o, sockjson_probe_fn probe,
    const void *ctx)
{
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		sockjson_write(j, s, socks[i], o, probe != NULL ?
		    probe(ctx, socks[i]) : NULL);
		json_flush_point(j);
	}
	json_arr_end(j);
}
