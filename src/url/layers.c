/* layers.c - door url's diagnosis: each layer of "why does this URL not
 * load" in the order a request meets them (name, address, door, service,
 * HTTP), stopping at the first that fails and saying what would fix it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/known.h"
#include "core/passive.h"
#include "platform/platform.h"
#include "url/url.h"

#define STEP_KNOCK_MS	1000

const char *
url_layer_name(enum url_layer l)
{
	static const char *n[] = { NULL, "url", "host", "door", "service",
	    "http" };

	return n[l];
}

static uint32_t
left(uint64_t deadline, uint32_t cap)
{
	uint64_t now = platform_mono_ms();
	uint64_t l = deadline > now ? deadline - now : 1;

	return (uint32_t)(l < cap ? l : cap);
}

static void	trap(struct url_report *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	verdict(struct url_report *, enum url_layer, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	note(struct url_report *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
trap(struct url_report *r, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (r->ntraps == URL_TRAPS_MAX)
		return;
	r->traps[r->ntraps].kind = kind;
	va_start(ap, fmt);
	vsnprintf(r->traps[r->ntraps].text, URL_TEXT_MAX, fmt, ap);
	va_end(ap);
	r->ntraps++;
}

static void
verdict(struct url_report *r, enum url_layer l, const char *fmt, ...)
{
	va_list ap;

	r->failed = l;
	va_start(ap, fmt);
	vsnprintf(r->verdict, sizeof r->verdict, fmt, ap);
	va_end(ap);
}

static void
note(struct url_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes == URL_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], URL_TEXT_MAX, fmt, ap);
	va_end(ap);
}

static const void *
raw_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
	return &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const uint8_t *)raw_addr(ss))[0] == 127;
	return IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)raw_addr(ss));
}

/* ---- layer 2: every address of the host ---- */

static int
resolve(struct url_report *r, struct door_err *e)
{
	struct knock_addr *a = NULL;
	size_t             n = 0;
	uint8_t            tmp[16];

	memset(&r->t, 0, sizeof r->t);
	snprintf(r->t.host, sizeof r->t.host, "%s", r->u.host);
	if (inet_pton(AF_INET, r->u.host, tmp) == 1) {
		r->t.host_is_ip = true;
		r->t.host_family = AF_INET;
	} else if (inet_pton(AF_INET6, r->u.host, tmp) == 1) {
		r->t.host_is_ip = true;
		r->t.host_family = AF_INET6;
	}
	r->t.port_lo = r->t.port_hi = r->u.port;
	r->t.is_url = true;
	r->t.port_from_scheme = !r->u.port_given;
	snprintf(r->t.scheme, sizeof r->t.scheme, "%s", r->u.scheme);
	if (knock_resolve(&r->t, &a, &n, r->resolve_why,
	    sizeof r->resolve_why, e) != 0)
		return -1;
	for (size_t i = 0; i < n && r->naddrs < URL_ADDRS_MAX; i++) {
		struct url_addr *ua = &r->addrs[r->naddrs++];

		ua->a = a[i];
		ua->loopback = is_loopback(&a[i].ss);
		ua->local = ua->loopback || platform_is_local_address(
		    a[i].family, raw_addr(&a[i].ss));
		r->local |= ua->local;
	}
	free(a);
	return 0;
}

/* ---- layer 3: the door, knocked and (on this machine) looked up ---- */

static int
knock(struct url_report *r, uint64_t deadline, struct door_err *e)
{
	struct knock_job  jobs[URL_ADDRS_MAX];
	struct knock_opts o;

	memset(&o, 0, sizeof o);
	o.timeout_ms = left(deadline, STEP_KNOCK_MS);
	for (size_t i = 0; i < r->naddrs; i++)
		knock_job_init(&jobs[i], (const struct sockaddr *)
		    &r->addrs[i].a.ss, r->addrs[i].a.len, r->u.port);
	if (r->naddrs > 0 && knock_run(jobs, r->naddrs, &o, e) != 0)
		return -1;
	r->open_addr = -1;
	for (size_t i = 0; i < r->naddrs; i++) {
		r->addrs[i].job = jobs[i];
		if (jobs[i].state == KNOCK_OPEN && r->open_addr < 0)
			r->open_addr = (int)i;
	}
	return 0;
}

/* Whether a listener takes connections to the URL's address a. */
static bool
takes(const struct url_listener *l, const struct url_addr *a)
{
	char txt[64];

	if (l->family == AF_INET && strcmp(l->addr, "0.0.0.0") == 0)
		return a->a.family == AF_INET && a->local;
	if (l->family == AF_INET6 && strcmp(l->addr, "::") == 0)
		return a->local && (a->a.family == AF_INET6 || l->v6only == 0);
	snprintf(txt, sizeof txt, "%s", a->a.text);
	return strcmp(l->addr, txt) == 0;
}

/* docker-proxy forwards to a container: knock on the container too. */
static void
docker_knock(struct url_report *r, uint64_t deadline)
{
	struct target      t;
	struct door_err    e;
	struct knock_addr *a = NULL;
	struct knock_opts  o;
	size_t             n = 0;
	char               why[KNOCK_WHY_MAX], spec[128];

	snprintf(spec, sizeof spec, "%s", r->docker_target);
	err_clear(&e);
	if (target_parse(spec, &t, &e) != 0 || knock_resolve(&t, &a, &n,
	    why, sizeof why, &e) != 0 || n == 0) {
		free(a);
		return;
	}
	memset(&o, 0, sizeof o);
	o.timeout_ms = left(deadline, STEP_KNOCK_MS);
	knock_job_init(&r->docker_job, (const struct sockaddr *)&a[0].ss,
	    a[0].len, t.port_lo);
	if (knock_run(&r->docker_job, 1, &o, &e) == 0)
		r->docker_knocked = true;
	free(a);
}

/* "node (pid 48217, ~/shop)": who, and where it was started. */
static void
put_listener(char *b, size_t size, const struct url_listener *l)
{
	const char *home = getenv("HOME");
	size_t      hl = home ? strlen(home) : 0;
	bool        tilde = hl > 1 && strncmp(l->cwd, home, hl) == 0 &&
	    (l->cwd[hl] == '/' || l->cwd[hl] == '\0');

	if (l->pid == 0)
		snprintf(b, size, "a server (owner not read)");
	else if (l->cwd[0] == '\0')
		snprintf(b, size, "%s (pid %d)", l->process, (int)l->pid);
	else if (snprintf(b, size, "%s (pid %d, %s%s)", l->process,
	    (int)l->pid, tilde ? "~" : "", l->cwd + (tilde ? hl : 0)) >=
	    (int)size && size > 5)
		memcpy(b + size - 5, "...)", 5);   /* cut, and say so */
}

/* The address traps: the door is there, on another address. */
static void
address_traps(struct url_report *r)
{
	char        who[URL_TEXT_MAX / 2], at[80];
	bool        v4 = false, v6 = false, lo_only = true;
	const char *host = r->u.host;

	if (r->non_port == 0)
		return;
	put_listener(who, sizeof who, &r->on_port[0]);
	for (size_t i = 0; i < r->non_port; i++) {
		const struct url_listener *l = &r->on_port[i];

		if (l->family == AF_INET)
			v4 = true;
		else {
			v6 = true;
			v4 |= strcmp(l->addr, "::") == 0 && l->v6only == 0;
		}
		if (strcmp(l->addr, "127.0.0.1") != 0 &&
		    strcmp(l->addr, "::1") != 0)
			lo_only = false;
	}
	snprintf(at, sizeof at, "%s%s%s:%u", r->on_port[0].family ==
	    AF_INET6 ? "[" : "", r->on_port[0].addr, r->on_port[0].family ==
	    AF_INET6 ? "]" : "", r->u.port);
	for (size_t i = 0; i < r->naddrs; i++) {
		struct url_addr *a = &r->addrs[i];
		bool             taken = false;

		if (!a->local || a->job.state == KNOCK_OPEN)
			continue;
		for (size_t k = 0; k < r->non_port; k++)
			taken |= takes(&r->on_port[k], a);
		if (taken)
			continue;
		if (a->a.family == AF_INET && v6 && !v4)
			trap(r, "ipv6_only", "%s listens on %s only (IPv6), "
			    "so %s%s is refused: use http://[::1]:%u%s, or "
			    "bind the server to both (:: and 0.0.0.0, or "
			    "127.0.0.1 and ::1)", who, at, strcmp(host,
			    a->a.text) ? host : a->a.text, strcmp(host,
			    a->a.text) ? " on 127.0.0.1" : "", r->u.port,
			    r->u.path);
		else if (a->a.family == AF_INET6 && v4 && !v6)
			trap(r, "ipv4_only", "%s listens on %s only (IPv4), "
			    "so %s%s is refused: use http://127.0.0.1:%u%s, or "
			    "bind the server to both (0.0.0.0 and ::, or "
			    "127.0.0.1 and ::1)", who, at, strcmp(host,
			    a->a.text) ? host : a->a.text, strcmp(host,
			    a->a.text) ? " on ::1" : "", r->u.port, r->u.path);
		else if (!a->loopback && lo_only)
			trap(r, "loopback_only", "%s listens on %s only "
			    "(loopback): %s is not reachable from other "
			    "machines%s%s; bind it to 0.0.0.0 (or ::) to serve "
			    "the network", who, at, host, strcmp(host,
			    a->a.text) ? ", nor at " : "", strcmp(host,
			    a->a.text) ? a->a.text : "");
		else
			trap(r, "other_address", "%s listens on %s, but not on "
			    "%s", who, at, a->a.text);
		break;
	}
}

/* ---- layer 4: what answers ---- */

static int
probe(struct url_report *r, uint64_t deadline, struct door_err *e)
{
	struct url_addr  *a = &r->addrs[r->open_addr];
	struct probe_opts o;
	char              host[PROBE_HOST_MAX];

	snprintf(host, sizeof host, "%s%s%s:%u", r->u.host_is_v6 ? "[" : "",
	    r->u.host, r->u.host_is_v6 ? "]" : "", r->u.port);
	probe_door_init(&r->probe, (const struct sockaddr *)&a->a.ss,
	    a->a.len, r->u.port, host, r->non_port > 0 &&
	    r->on_port[0].pid ? r->on_port[0].process : NULL);
	memset(&o, 0, sizeof o);
	o.timeout_ms = left(deadline, PROBE_TIMEOUT_MS);
	o.threads = 1;
	if (probe_run(&r->probe, 1, &o, e) != 0)
		return -1;
	r->probed = true;
	return 0;
}

/* Stops the request when the door is plainly not what the URL says. */
static bool
service_traps(struct url_report *r)
{
	const struct probe_result *p = &r->probe.r;
	bool https = strcmp(r->u.scheme, "https") == 0;

	if (p->conf != PROBE_CONF_PROBE)
		return false;
	if (!https && p->tls) {
		trap(r, "tls_door", "the door speaks TLS: use https://");
		verdict(r, URL_LAYER_SERVICE, "http:// on a TLS door: this "
		    "door wants https://%s%s%s:%u%s", r->u.host_is_v6 ? "[" :
		    "", r->u.host, r->u.host_is_v6 ? "]" : "", r->u.port,
		    r->u.path);
		return true;
	}
	if (https && !p->tls && (p->http_status > 0 ||
	    strcmp(p->id.service, "http") == 0)) {
		trap(r, "plain_http_door", "the door speaks plain HTTP, "
		    "without TLS: use http://");
		verdict(r, URL_LAYER_SERVICE, "https:// on a plain HTTP door: "
		    "this door wants http://%s%s%s:%u%s", r->u.host_is_v6 ?
		    "[" : "", r->u.host, r->u.host_is_v6 ? "]" : "",
		    r->u.port, r->u.path);
		return true;
	}
	if (!p->tls && p->http_status == 0 && p->id.service[0] != '\0' &&
	    strcmp(p->id.service, "http") != 0) {
		const char *what = p->id.product[0] ? p->id.product :
		    p->id.service;

		trap(r, "not_http", "this door is %s, not a web server", what);
		verdict(r, URL_LAYER_SERVICE, "this door is %s, not a web "
		    "server", what);
		return true;
	}
	return false;
}

/* ---- layer 5: HTTP, one hop at a time ---- */

static void
pin(const struct url_report *r, const struct url_parts *hop, char *ct,
    size_t size, char *shown, size_t ssize)
{
	const struct url_addr *a = &r->addrs[r->open_addr];
	char                   to[KNOCK_ADDR_TEXT + 16];

	ct[0] = shown[0] = '\0';
	/* only the URL's own host and port: a redirect elsewhere goes
	 * wherever the resolver says */
	if (strcmp(hop->host, r->u.host) != 0 || hop->port != r->u.port)
		return;
	knock_addr_format((const struct sockaddr *)&a->job.addr, to,
	    sizeof to);
	snprintf(ct, size, "%s%s%s:%u:%s", hop->host_is_v6 ? "[" : "",
	    hop->host, hop->host_is_v6 ? "]" : "", hop->port, to);
	snprintf(shown, ssize, "%s", to);
}

static int
http(struct url_report *r, const struct url_opts *o, uint64_t deadline,
    struct door_err *e)
{
	struct url_parts hu = r->u;
	int              max = o->no_follow ? 0 : o->max_redirs;

	snprintf(r->hops[0].url, sizeof r->hops[0].url, "%s", r->u.normal);
	for (size_t h = 0; h < URL_HOPS_MAX; h++) {
		struct url_hop *hop = &r->hops[h];
		char            ct[TARGET_HOST_MAX + 128], m[128];
		size_t          at, len;

		r->nhops = h + 1;
		pin(r, &hu, ct, sizeof ct, hop->connect_to,
		    sizeof hop->connect_to);
		if (url_fetch(hop, ct[0] ? ct : NULL, left(deadline,
		    o->timeout_ms), o->insecure, e) != 0)
			return -1;
		r->final_status = hop->status;
		if (hop->curl_code != 0 || hop->location[0] == '\0')
			break;
		if ((int)h >= max) {
			r->too_many_redirects = !o->no_follow;
			break;
		}
		for (size_t k = 0; k <= h; k++)
			if (strcmp(r->hops[k].url, hop->location) == 0)
				r->loop = true;
		if (r->loop || h + 1 == URL_HOPS_MAX)
			break;
		if (url_split(hop->location, &hu, m, sizeof m, &at, &len) != 0)
			break;
		snprintf(r->hops[h + 1].url, sizeof r->hops[h + 1].url, "%s",
		    hop->location);
	}
	return 0;
}

/* A 404 on the path: does the door answer on / at all? */
static int
root(struct url_report *r, const struct url_opts *o, uint64_t deadline,
    struct door_err *e)
{
	struct url_hop hop;
	char           ct[TARGET_HOST_MAX + 128];

	memset(&hop, 0, sizeof hop);
	snprintf(hop.url, sizeof hop.url, "%s://%s%s%s:%u/", r->u.scheme,
	    r->u.host_is_v6 ? "[" : "", r->u.host, r->u.host_is_v6 ? "]" : "",
	    r->u.port);
	pin(r, &r->u, ct, sizeof ct, hop.connect_to, sizeof hop.connect_to);
	if (url_fetch(&hop, ct[0] ? ct : NULL, left(deadline, o->timeout_ms),
	    o->insecure, e) != 0)
		return -1;
	r->root_status = hop.status;
	return 0;
}

static void
http_verdict(struct url_report *r)
{
	const struct url_hop *last = &r->hops[r->nhops - 1];
	long                  st = last->status;

	if (last->cert_problem) {
		trap(r, "certificate", "%s", last->error);
		verdict(r, URL_LAYER_HTTP, "certificate problem: %s (door url "
		    "--insecure looks past it)", strstr(last->error,
		    "self-signed") || strstr(last->error, "self signed") ?
		    "the certificate is self-signed" : last->error);
		return;
	}
	if (last->curl_code != 0 && st == 0) {
		if (last->curl_code == 28)	/* CURLE_OPERATION_TIMEDOUT */
			verdict(r, URL_LAYER_HTTP, "the door is open but no "
			    "HTTP answer came in time (%s)", last->error);
		else
			verdict(r, URL_LAYER_HTTP, "the request failed: %s",
			    last->error);
		return;
	}
	if (r->loop) {
		trap(r, "redirect_loop", "%s redirects back to %s",
		    last->url, last->location);
		verdict(r, URL_LAYER_HTTP, "redirect loop: %s leads back to "
		    "%s", last->url, last->location);
		return;
	}
	if (r->too_many_redirects) {
		verdict(r, URL_LAYER_HTTP, "more than %zu redirects", r->nhops
		    - 1);
		return;
	}
	if (st == 404 && r->root_status >= 200 && r->root_status < 400) {
		trap(r, "wrong_path", "/ answers %ld, %s answers 404",
		    r->root_status, r->u.path);
		verdict(r, URL_LAYER_HTTP, "404 on %s while / answers %ld: the "
		    "door is right, the path is wrong", r->u.path,
		    r->root_status);
		return;
	}
	if (st >= 200 && st < 400) {
		verdict(r, URL_LAYER_NONE, "loads: HTTP %ld%s", st,
		    r->nhops > 1 ? " after redirects" : "");
		return;
	}
	verdict(r, URL_LAYER_HTTP, "the server answers HTTP %ld", st);
}

/* The port table's traps (macOS AirPlay Receiver on 5000 and 7000, WSL
 * relays): only the notes about a platform taking the port, and only when
 * the URL failed; what the port usually is adds nothing here. */
static void
known_notes(struct url_report *r)
{
	const struct known_port *kp[8];
	size_t n = known_lookup(r->u.port, PROTO_TCP, kp, 8);

	if (r->failed == URL_LAYER_NONE)
		return;
	for (size_t i = 0; i < n; i++)
		if (kp[i]->note != NULL && (strstr(kp[i]->note, "macOS") ||
		    strstr(kp[i]->note, "WSL") || strstr(kp[i]->note,
		    "Windows")))
			note(r, "port %u: %s", r->u.port, kp[i]->note);
}

static int
diagnose(struct url_report *r, const struct url_opts *o, struct door_err *e)
{
	uint64_t deadline = platform_mono_ms() + o->timeout_ms;

	r->root_status = -1;
	r->open_addr = -1;
	if (resolve(r, e) != 0)
		return -1;
	if (r->naddrs == 0) {
		verdict(r, URL_LAYER_HOST, "%s does not resolve: %s",
		    r->u.host, r->resolve_why);
		return 0;
	}
	if (knock(r, deadline, e) != 0)
		return -1;
	if (r->local) {
		/* a share of the whole: owners can be slow to read */
		url_inventory(r, left(deadline, o->timeout_ms * 3 / 10));
		address_traps(r);
		if (r->docker) {
			docker_knock(r, deadline);
			trap(r, "docker", "docker-proxy forwards port %u to the "
			    "container at %s, which %s", r->u.port,
			    r->docker_target, !r->docker_knocked ?
			    "door could not knock on" :
			    r->docker_job.state == KNOCK_OPEN ? "answers" :
			    "does not answer: the service inside the "
			    "container is down or listens on its own "
			    "loopback only");
		}
	}
	if (r->open_addr < 0) {
		const struct url_addr *a = &r->addrs[0];

		if (r->ntraps > 0)
			verdict(r, URL_LAYER_DOOR, "nothing listens on %s%s%s:%u"
			    ", but the door is on another address",
			    a->a.family == AF_INET6 ? "[" : "", a->a.text,
			    a->a.family == AF_INET6 ? "]" : "", r->u.port);
		else if (a->job.state == KNOCK_TIMEOUT)
			verdict(r, URL_LAYER_DOOR, "no answer from %s port %u "
			    "(a firewall drops it, or the listener is stuck)",
			    r->u.host, r->u.port);
		else if (r->local && r->inventory && r->nnearest > 0 &&
		    r->non_port == 0) {
			char who[URL_TEXT_MAX / 2];

			put_listener(who, sizeof who, &r->nearest[0]);
			verdict(r, URL_LAYER_DOOR, "nothing listens on %u; %s "
			    "listens on %u", r->u.port, who,
			    r->nearest[0].port);
		} else
			verdict(r, URL_LAYER_DOOR, "nothing listens on %s port "
			    "%u (%s)", r->u.host, r->u.port,
			    knock_state_name(a->job.state));
		return 0;
	}
	if (probe(r, deadline, e) != 0)
		return -1;
	if (service_traps(r))
		return 0;
	if (http(r, o, deadline, e) != 0)
		return -1;
	if (r->final_status == 404 && strcmp(r->u.path, "/") != 0 &&
	    root(r, o, deadline, e) != 0)
		return -1;
	http_verdict(r);
	/* it loads here, but a client that tries one family may not */
	if (r->failed == URL_LAYER_NONE)
		for (size_t i = 0; i < r->ntraps; i++)
			if (strcmp(r->traps[i].kind, "ipv6_only") == 0 ||
			    strcmp(r->traps[i].kind, "ipv4_only") == 0)
				snprintf(r->verdict + strlen(r->verdict),
				    sizeof r->verdict - strlen(r->verdict),
				    " (here; a client that tries only IPv%c "
				    "fails)", r->traps[i].kind[3] == '6' ?
				    '4' : '6');
	return 0;
}

int
url_diagnose(struct url_report *r, const struct url_opts *o,
    struct door_err *e)
{
	if (diagnose(r, o, e) != 0)
		return -1;
	known_notes(r);
	return 0;
}
