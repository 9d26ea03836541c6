/* cmd-url.c - door url URL: why does this URL not load? One verdict line,
 * then each layer a request meets: the URL, the host's addresses, the door
 * on each, what answers behind it, and the HTTP exchange. The layers are
 * in src/url/; this file reads options and presents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "core/duration.h"
#include "out/escape.h"
#include "out/json.h"
#include "url/url.h"

static const struct opt_spec url_opts[] = {
	{ "timeout", 0, "DUR", "everything together (default 5s)" },
	{ "insecure", 'k', NULL, "go on past certificate problems" },
	{ "no-follow", 0, NULL, "do not follow redirects" },
	{ NULL, 0, NULL, NULL },
};

static void
put(struct buf *b, const char *s)
{
	esc_term(b, s, strlen(s));
}

static void
label(struct buf *b, const struct out_opts *o, const char *l)
{
	buf_printf(b, "  %s%-8s%s ", sgr(o, SGR_DIM), l, sgr_reset(o));
}

static void
ms(struct buf *b, int64_t us)
{
	if (us < 0)
		buf_adds(b, "-");
	else if (us < 10000)
		buf_printf(b, "%.1f ms", (double)us / 1000.0);
	else
		buf_printf(b, "%lld ms", (long long)((us + 500) / 1000));
}

/* The caret line under the bad part of a malformed URL. */
static int
malformed(const char *s, const char *msg, size_t at, size_t len)
{
	struct buf b;
	size_t     n = strlen(s);

	buf_init(&b);
	buf_adds(&b, "door: bad URL: ");
	esc_term(&b, msg, strlen(msg));
	buf_adds(&b, "\n  ");
	esc_term(&b, s, n);
	buf_adds(&b, "\n  ");
	for (size_t i = 0; i < at && i < n; i++)
		buf_addc(&b, ' ');
	for (size_t i = 0; i < len && at + i <= n; i++)
		buf_addc(&b, '^');
	buf_addc(&b, '\n');
	err_flush(&b);
	buf_free(&b);
	return DOOR_USAGE;
}

static void
listener_text(struct buf *b, const struct url_listener *l)
{
	if (l->pid == 0) {
		buf_adds(b, "(owner not read in time)");
		return;
	}
	put(b, l->process);
	buf_printf(b, " (pid %d", (int)l->pid);
	if (l->cwd[0]) {
		const char *home = getenv("HOME");
		size_t      hl = home ? strlen(home) : 0;

		buf_adds(b, ", ");
		if (hl > 1 && strncmp(l->cwd, home, hl) == 0 &&
		    (l->cwd[hl] == '/' || l->cwd[hl] == '\0')) {
			buf_addc(b, '~');
			put(b, l->cwd + hl);
		} else
			put(b, l->cwd);
	}
	buf_addc(b, ')');
}

static void
text(const struct out_opts *o, const struct url_report *r, struct buf *b)
{
	bool                   ok = r->failed == URL_LAYER_NONE;

	buf_printf(b, "%s%s%s ", sgr(o, ok ? SGR_GREEN : SGR_RED),
	    ok ? "ok" : "FAIL", sgr_reset(o));
	if (!ok)
		buf_printf(b, "[%s] ", url_layer_name(r->failed));
	put(b, r->verdict);
	buf_addc(b, '\n');
	/* 1. the URL */
	label(b, o, "url");
	buf_printf(b, "%s://", r->u.scheme);
	put(b, r->u.host_is_v6 ? "[" : "");
	put(b, r->u.host);
	put(b, r->u.host_is_v6 ? "]" : "");
	buf_printf(b, " port %u (%s)", r->u.port, r->u.port_given ?
	    "explicit" : r->u.port == 443 ? "https default" :
	    "http default");
	buf_adds(b, " path ");
	put(b, r->u.path);
	if (r->u.query[0]) {
		buf_adds(b, " query ");
		put(b, r->u.query);
	}
	if (!r->u.scheme_given)
		buf_adds(b, " (no scheme: http)");
	buf_addc(b, '\n');
	/* 2. the host */
	label(b, o, "host");
	if (r->naddrs == 0) {
		buf_adds(b, "does not resolve: ");
		put(b, r->resolve_why);
	}
	for (size_t i = 0; i < r->naddrs; i++) {
		buf_adds(b, i ? ", " : "");
		put(b, r->addrs[i].a.text);
	}
	if (r->naddrs > 0)
		buf_adds(b, r->local ? "  (this machine)" : "");
	buf_addc(b, '\n');
	if (r->naddrs == 0)
		goto notes;
	/* 3. the door */
	for (size_t i = 0; i < r->naddrs; i++) {
		const struct url_addr *ad = &r->addrs[i];

		label(b, o, i == 0 ? "door" : "");
		if (ad->a.family == AF_INET6)
			buf_addc(b, '[');
		put(b, ad->a.text);
		if (ad->a.family == AF_INET6)
			buf_addc(b, ']');
		buf_printf(b, ":%u %s%s%s", r->u.port, sgr(o,
		    ad->job.state == KNOCK_OPEN ? SGR_GREEN : SGR_RED),
		    knock_state_name(ad->job.state), sgr_reset(o));
		if (ad->job.state == KNOCK_OPEN ||
		    ad->job.state == KNOCK_REFUSED) {
			buf_adds(b, " (");
			ms(b, ad->job.usec);
			buf_addc(b, ')');
		}
		buf_addc(b, '\n');
	}
	if (r->local && r->inventory) {
		label(b, o, "listens");
		if (r->non_port == 0)
			buf_printf(b, "nothing on %u", r->u.port);
		for (size_t i = 0; i < r->non_port; i++) {
			const struct url_listener *l = &r->on_port[i];

			buf_adds(b, i ? "; " : "");
			buf_printf(b, "%s%s%s:%u ", l->family == AF_INET6 ?
			    "[" : "", l->addr, l->family == AF_INET6 ? "]" :
			    "", l->port);
			listener_text(b, l);
		}
		buf_addc(b, '\n');
		if (r->non_port == 0 && r->nnearest > 0) {
			label(b, o, "nearby");
			for (size_t i = 0; i < r->nnearest; i++) {
				buf_adds(b, i ? "; " : "");
				buf_printf(b, "%u ", r->nearest[i].port);
				listener_text(b, &r->nearest[i]);
				if (r->nearest[i].same_dir)
					buf_adds(b, " same directory");
			}
			buf_addc(b, '\n');
		}
	}
	/* 4. the service */
	if (r->probed) {
		char d[256];

		label(b, o, "service");
		if (r->probe.r.conf == PROBE_CONF_PROBE) {
			put(b, r->probe.r.id.product[0] ?
			    r->probe.r.id.product : r->probe.r.id.service);
			if (r->probe.r.tls)
				buf_printf(b, ", TLS %s",
				    r->probe.r.tls_version);
			if (r->probe.r.http_status)
				buf_printf(b, ", HTTP %d",
				    r->probe.r.http_status);
		} else {
			snprintf(d, sizeof d, "nothing door recognises (%s)",
			    r->probe.r.error);
			put(b, d);
		}
		buf_printf(b, " on %s%s%s:%u\n",
		    r->addrs[r->open_addr].a.family == AF_INET6 ? "[" : "",
		    r->addrs[r->open_addr].a.text,
		    r->addrs[r->open_addr].a.family == AF_INET6 ? "]" : "",
		    r->u.port);
	}
	/* 5. HTTP */
	for (size_t i = 0; i < r->nhops; i++) {
		const struct url_hop *h = &r->hops[i];

		label(b, o, i == 0 ? "http" : "");
		buf_adds(b, "GET ");
		put(b, h->url);
		if (h->connect_to[0]) {
			buf_adds(b, " via ");
			put(b, h->connect_to);
		}
		if (h->status)
			buf_printf(b, " -> %ld", h->status);
		if (h->error[0]) {
			buf_adds(b, " -> ");
			put(b, h->error);
		}
		buf_adds(b, "\n");
		label(b, o, "");
		buf_adds(b, "  connect ");
		ms(b, h->connect_us);
		buf_adds(b, ", first byte ");
		ms(b, h->first_byte_us);
		buf_adds(b, ", total ");
		ms(b, h->total_us);
		if (h->server[0]) {
			buf_adds(b, ", server ");
			put(b, h->server);
		}
		if (h->powered_by[0]) {
			buf_adds(b, ", powered by ");
			put(b, h->powered_by);
		}
		buf_addc(b, '\n');
		if (h->location[0]) {
			label(b, o, "");
			buf_adds(b, "  redirect to ");
			put(b, h->location);
			buf_addc(b, '\n');
		}
	}
	if (r->root_status >= 0) {
		label(b, o, "");
		buf_printf(b, "GET / -> %ld\n", r->root_status);
	}
notes:
	for (size_t i = 0; i < r->ntraps; i++) {
		label(b, o, "why");
		put(b, r->traps[i].text);
		buf_addc(b, '\n');
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		label(b, o, "note");
		put(b, r->notes[i]);
		buf_addc(b, '\n');
	}
}

static void
json_us(struct json *j, const char *k, int64_t us)
{
	char v[32];

	json_key(j, k);
	if (us < 0) {
		json_null(j);
		return;
	}
	snprintf(v, sizeof v, "%.3f", (double)us / 1000.0);
	json_raw(j, v);
}

static void
json_listener(struct json *j, const struct url_listener *l)
{
	json_obj_begin(j);
	json_key(j, "address");
	json_str(j, l->addr);
	json_key(j, "port");
	json_uint(j, l->port);
	json_key(j, "pid");
	if (l->pid)
		json_int(j, l->pid);
	else
		json_null(j);
	json_key(j, "process");
	if (l->pid)
		json_str(j, l->process);
	else
		json_null(j);
	json_key(j, "cwd");
	if (l->cwd[0])
		json_str(j, l->cwd);
	else
		json_null(j);
	json_key(j, "same_dir");
	json_bool(j, l->same_dir);
	json_obj_end(j);
}

static void
json_report(const struct url_report *r, struct buf *b)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "url");
	json_str(&j, r->input);
	json_key(&j, "ok");
	json_bool(&j, r->failed == URL_LAYER_NONE);
	json_key(&j, "failed_layer");
	if (r->failed == URL_LAYER_NONE)
		json_null(&j);
	else
		json_str(&j, url_layer_name(r->failed));
	json_key(&j, "verdict");
	json_str(&j, r->verdict);

	json_key(&j, "parsed");
	json_obj_begin(&j);
	json_key(&j, "scheme");
	json_str(&j, r->u.scheme);
	json_key(&j, "scheme_given");
	json_bool(&j, r->u.scheme_given);
	json_key(&j, "host");
	json_str(&j, r->u.host);
	json_key(&j, "port");
	json_uint(&j, r->u.port);
	json_key(&j, "port_from");
	json_str(&j, r->u.port_given ? "explicit" : "scheme");
	json_key(&j, "path");
	json_str(&j, r->u.path);
	json_key(&j, "query");
	json_str(&j, r->u.query);
	json_obj_end(&j);

	json_key(&j, "host");
	json_obj_begin(&j);
	json_key(&j, "error");
	if (r->naddrs == 0)
		json_str(&j, r->resolve_why);
	else
		json_null(&j);
	json_key(&j, "this_machine");
	json_bool(&j, r->local);
	json_key(&j, "addresses");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->naddrs; i++) {
		const struct url_addr *a = &r->addrs[i];

		json_obj_begin(&j);
		json_key(&j, "address");
		json_str(&j, a->a.text);
		json_key(&j, "family");
		json_str(&j, a->a.family == AF_INET ? "ipv4" : "ipv6");
		json_key(&j, "loopback");
		json_bool(&j, a->loopback);
		json_key(&j, "local");
		json_bool(&j, a->local);
		json_key(&j, "state");
		json_str(&j, knock_state_name(a->job.state));
		json_us(&j, "ms", a->job.state == KNOCK_OPEN ||
		    a->job.state == KNOCK_REFUSED ? (int64_t)a->job.usec : -1);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);

	json_key(&j, "door");
	json_obj_begin(&j);
	json_key(&j, "open_address");
	if (r->open_addr >= 0)
		json_str(&j, r->addrs[r->open_addr].a.text);
	else
		json_null(&j);
	json_key(&j, "inventory");
	json_bool(&j, r->inventory);
	json_key(&j, "listeners");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->non_port; i++)
		json_listener(&j, &r->on_port[i]);
	json_arr_end(&j);
	json_key(&j, "nearest");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->nnearest && r->non_port == 0; i++)
		json_listener(&j, &r->nearest[i]);
	json_arr_end(&j);
	json_key(&j, "docker");
	if (!r->docker)
		json_null(&j);
	else {
		json_obj_begin(&j);
		json_key(&j, "container");
		json_str(&j, r->docker_target);
		json_key(&j, "state");
		if (r->docker_knocked)
			json_str(&j, knock_state_name(r->docker_job.state));
		else
			json_null(&j);
		json_obj_end(&j);
	}
	json_obj_end(&j);

	json_key(&j, "service");
	if (!r->probed)
		json_null(&j);
	else {
		const struct probe_result *p = &r->probe.r;

		json_obj_begin(&j);
		json_key(&j, "service");
		json_str(&j, p->id.service);
		json_key(&j, "product");
		json_str(&j, p->id.product);
		json_key(&j, "confidence");
		json_str(&j, probe_conf_name(p->conf));
		json_key(&j, "tls");
		json_bool(&j, p->tls);
		json_key(&j, "http_status");
		if (p->http_status)
			json_int(&j, p->http_status);
		else
			json_null(&j);
		json_key(&j, "error");
		if (p->error[0])
			json_str(&j, p->error);
		else
			json_null(&j);
		json_obj_end(&j);
	}

	json_key(&j, "http");
	if (r->nhops == 0)
		json_null(&j);
	else {
		json_obj_begin(&j);
		json_key(&j, "status");
		if (r->final_status)
			json_int(&j, r->final_status);
		else
			json_null(&j);
		json_key(&j, "redirects");
		json_uint(&j, r->nhops - 1);
		json_key(&j, "loop");
		json_bool(&j, r->loop);
		json_key(&j, "root_status");
		if (r->root_status >= 0)
			json_int(&j, r->root_status);
		else
			json_null(&j);
		json_key(&j, "hops");
		json_arr_begin(&j);
		for (size_t i = 0; i < r->nhops; i++) {
			const struct url_hop *h = &r->hops[i];

			json_obj_begin(&j);
			json_key(&j, "url");
			json_str(&j, h->url);
			json_key(&j, "connect_to");
			if (h->connect_to[0])
				json_str(&j, h->connect_to);
			else
				json_null(&j);
			json_key(&j, "ip");
			json_str(&j, h->ip);
			json_key(&j, "status");
			if (h->status)
				json_int(&j, h->status);
			else
				json_null(&j);
			json_key(&j, "location");
			if (h->location[0])
				json_str(&j, h->location);
			else
				json_null(&j);
			json_key(&j, "server");
			json_str(&j, h->server);
			json_key(&j, "powered_by");
			json_str(&j, h->powered_by);
			json_us(&j, "connect_ms", h->connect_us);
			json_us(&j, "first_byte_ms", h->first_byte_us);
			json_us(&j, "total_ms", h->total_us);
			json_key(&j, "certificate_problem");
			json_bool(&j, h->cert_problem);
			json_key(&j, "error");
			if (h->error[0])
				json_str(&j, h->error);
			else
				json_null(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}

	json_key(&j, "traps");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->ntraps; i++) {
		json_obj_begin(&j);
		json_key(&j, "kind");
		json_str(&j, r->traps[i].kind);
		json_key(&j, "text");
		json_str(&j, r->traps[i].text);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "notes");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->nnotes; i++)
		json_str(&j, r->notes[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

int
url_render(const struct out_opts *oo, const char *input,
    const struct url_opts *o, struct buf *json, struct buf *txt,
    struct door_err *e, size_t *at, size_t *len)
{
	struct url_report *r;
	char               msg[256];
	int                rc;

	*at = *len = 0;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	r->input = input;
	if (url_split(input, &r->u, msg, sizeof msg, at, len) != 0) {
		free(r);
		return err_set(e, DOOR_USAGE, "%s", msg);
	}
	if (url_diagnose(r, o, e) != 0) {
		free(r);
		if (e->status == DOOR_OK)
			e->status = DOOR_SYSTEM;
		return -1;
	}
	if (json != NULL)
		json_report(r, json);
	if (txt != NULL)
		text(oo, r, txt);
	rc = r->failed == URL_LAYER_NONE ? DOOR_OK : DOOR_NO;
	free(r);
	return rc;
}

static int
url_exec(struct cmd_args *a)
{
	struct url_opts    o;
	struct door_err    e;
	struct buf         out;
	const char        *v;
	struct url_parts  *u;
	uint64_t           t = 5000;
	char               msg[256];
	size_t             at, len;
	int                rc;

	err_clear(&e);
	if ((v = cmd_value(a, "timeout")) != NULL &&
	    (duration_parse(v, &t, &e) != 0 || (t == 0 &&
	    err_set(&e, DOOR_USAGE, "--timeout must be more than 0") != 0))) {
		out_error(e.msg);
		return DOOR_USAGE;
	}
	memset(&o, 0, sizeof o);
	o.timeout_ms = t > 600000 ? 600000 : (uint32_t)t;
	o.insecure = cmd_flag(a, "insecure");
	o.no_follow = cmd_flag(a, "no-follow");
	o.max_redirs = 5;
	/* a bad URL is shown with a caret, even where libcurl is missing */
	if ((u = malloc(sizeof *u)) == NULL) {
		out_error("out of memory");
		return DOOR_SYSTEM;
	}
	if (url_split(a->argv[0], u, msg, sizeof msg, &at, &len) != 0) {
		free(u);
		return malformed(a->argv[0], msg, at, len);
	}
	free(u);
	if (url_fetch_init(&e) != 0) {
		out_error(e.msg);
		return e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
	}
	buf_init(&out);
	rc = url_render(&a->out, a->argv[0], &o, a->out.json ? &out : NULL,
	    a->out.json ? NULL : &out, &e, &at, &len);
	url_fetch_cleanup();
	if (rc < 0)
		out_error(e.msg);
	else
		out_flush(&out);
	buf_free(&out);
	return rc < 0 ? (int)e.status : rc;
}

const struct cmd_entry cmd_url_entry = {
	"url", "URL",
	"why a URL does not load: host, addresses, door, service, HTTP",
	url_opts, 1, 1, url_exec,
};
