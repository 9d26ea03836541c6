/* server.c - door ui's HTTP surface on libmicrohttpd: two listening
 * sockets of our own making (127.0.0.1 and ::1, never anything else), the
 * gate every request passes (Host, token, Origin), the page files, the
 * event stream, and the hand-off of API calls to the workers.
 *
 * The gate, in order, for every request:
 *   1. one Host header, and it names this server on loopback (421):
 *      DNS rebinding ends here, token or not;
 *   2. the token, from ?token= or the door_ui_PORT cookie (403);
 *   3. Sec-Fetch-Site, when a browser sends it: same-origin or none (403);
 *   4. the route, and its method (404, 405);
 *   5. for POST: Origin is http:// + that Host, and the body is JSON of
 *      at most JIN_BODY_MAX bytes (403, 415, 413).
 * Every answer carries a strict Content-Security-Policy, nosniff and
 * no-referrer; none carries a CORS header.
 *
 * Threads: each address has its MHD event loop (one thread each); API
 * calls run in the workers (work.c), their connection suspended until the
 * answer is ready; event streams are suspended while nothing is new. The
 * guard (guard.c) shuts down the connections whose request does not come
 * whole in time, and the longest waiting one when the places run out.
 * The listening sockets and the daemons' start and stop are start.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cmd.h"
#include "platform/platform.h"
#include "ui/callbacks.h"
#include "ui/mhd_dl.h"
#include "ui/page.h"
#include "ui/server.h"
#include "ui/ui.h"
#include "url/url.h"

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self'; connect-src 'self'; base-uri 'none'; " \
	"form-action 'none'; frame-ancestors 'none'"

enum req_state { RQ_NEW, RQ_QUEUED, RQ_ANSWERED };

/* One request, from its headers to its completion (MHD's req_cls). */
struct ui_req {
	struct ui_job          job;      /* first: work.c hands it back */
	struct ui             *ui;
	struct MHD_Connection *conn;
	const struct ui_route *route;
	enum req_state         state;
	bool                   done;     /* the worker finished */
	struct buf             body;
	size_t                 held;     /* counted in ui->bodies */
	bool                   declared; /* Content-Length held at once */
	struct ui_call         call;
	struct ui_wait         wait;     /* the table's: the share's */
	bool                   shared;
	unsigned               overflow; /* a chunked body too big: 413 */
	size_t                 dropped;  /* its bytes since */
};

const struct ui_page_file *
ui_page_find(const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (size_t i = 0; ui_page_files[i].path != NULL; i++)
		if (strcmp(ui_page_files[i].path, path) == 0)
			return &ui_page_files[i];
	return NULL;
}

static void
harden(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy",
	    "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
	    "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, unsigned status,
    struct MHD_Response *r, const char *type)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	harden(r);
	if (type != NULL)
		MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A short plain-text answer: the refusals say why, and nothing else. */
static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return send_response(conn, status, MHD_create_response_from_buffer(
	    strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY),
	    "text/plain; charset=utf-8");
}

/* Hands b's bytes to MHD (which frees them); b is empty after. */
static enum MHD_Result
send_json(struct MHD_Connection *conn, unsigned status, struct buf *b)
{
	struct MHD_Response *r;

	if (b->oom || b->p == NULL) {
		buf_free(b);
		return send_text(conn, 500, "door ui: out of memory\n");
	}
	r = MHD_create_response_from_buffer(b->len, b->p,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		buf_free(b);
		return MHD_NO;
	}
	buf_init(b);
	return send_response(conn, status, r,
	    "application/json; charset=utf-8");
}

static void
doc_free(void *cls)
{
	doc_unref(cls);
}

/* The share's document, one MHD response per request over the same
 * bytes: the last response to go frees them. */
static enum MHD_Result
send_doc(struct MHD_Connection *conn, struct ui_req *r)
{
	struct ui_doc       *d = r->wait.doc;
	struct MHD_Response *resp;

	r->wait.doc = NULL;
	if (d == NULL || d->out.oom || d->out.p == NULL) {
		doc_unref(d);
		return send_text(conn, 500, "door ui: out of memory\n");
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
	    d->out.len, d->out.p, doc_free, d);
	if (resp == NULL) {
		doc_unref(d);
		return MHD_NO;
	}
	return send_response(conn, d->status ? d->status : 500, resp,
	    "application/json; charset=utf-8");
}

/* An action's refusal, as its answers are: a JSON object whose "error"
 * says why (the page shows it). */
static enum MHD_Result
send_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	struct ui_call c;

	memset(&c, 0, sizeof c);
	buf_init(&c.out);
	api_error(&c, status, "%s", msg);
	return send_json(conn, status, &c.out);
}

#define BODY_TOO_LARGE	"door ui: the body is too large (64 KiB at most)"
#define BODIES_BUSY	"door ui: busy (too many bodies at once), try again"

static bool	hold(struct ui *, struct ui_req *, size_t);

/* ---- the gate ---- */

struct hosts {
	const char *value;
	size_t      len;
	int         n;
};

static enum MHD_Result
count_host(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct hosts *h = cls;

	(void)kind;
	if (key_size == 4 && strncasecmp(key, "Host", 4) == 0) {
		h->n++;
		h->value = value;
		h->len = value != NULL ? value_size : 0;
	}
	return MHD_YES;
}

struct cookie_check {
	const struct ui *ui;
	bool             ok;
};

/* Every cookie of our name is looked at: another server on another port
 * of 127.0.0.1 can set one of the same name (cookies ignore ports). */
static enum MHD_Result
check_cookie(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct cookie_check *c = cls;

	(void)kind;
	if (key_size == strlen(c->ui->cookie) &&
	    memcmp(key, c->ui->cookie, key_size) == 0 && value != NULL &&
	    ui_token_eq(value, value_size, c->ui->token))
		c->ok = true;
	return MHD_YES;
}

static bool
token_ok(const struct ui *ui, struct MHD_Connection *conn, bool *in_query)
{
	struct cookie_check cc = { ui, false };
	const char         *v = NULL;
	size_t              vl = 0;

	*in_query = false;
	if (MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, "token",
	    5, &v, &vl) == MHD_YES && v != NULL && ui_token_eq(v, vl,
	    ui->token)) {
		*in_query = true;
		return true;
	}
	MHD_get_connection_values_n(conn, MHD_COOKIE_KIND, check_cookie, &cc);
	return cc.ok;
}

static const struct ui_route page_route = { "", false, NULL };
static const struct ui_route events_route = { "/api/events", false, NULL };

static const struct ui_route *
find_route(const char *url)
{
	if (strcmp(url, events_route.path) == 0)
		return &events_route;
	for (size_t i = 0; ui_api_routes[i].path != NULL; i++)
		if (strcmp(ui_api_routes[i].path, url) == 0)
			return &ui_api_routes[i];
	if (ui_page_find(url) != NULL)
		return &page_route;
	return NULL;
}

/* The first look at a request, headers only: refuses it (the answer is
 * queued, and the return value is MHD's) or lets it on (*pass). */
static enum MHD_Result
gate(struct ui *ui, struct ui_req *r, const char *url, const char *method,
    bool *pass)
{
	struct MHD_Connection *conn = r->conn;
	struct hosts           h = { NULL, 0, 0 };
	bool                   post = strcmp(method, "POST") == 0, in_query;
	const char            *v;

	*pass = false;
	if (!post && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)
		return send_text(conn, 405, "door ui: GET and POST only\n");
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_host, &h);
	if (h.n != 1 || !ui_host_ok(h.value, h.len, ui->port))
		return send_text(conn, 421, "door ui answers only to "
		    "127.0.0.1, [::1] and localhost, at its own port\n");
	if (!token_ok(ui, conn, &in_query))
		return send_text(conn, 403, "forbidden: open the URL door ui "
		    "printed (with its ?token=)\n");
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-Fetch-Site");
	if (!ui_fetch_site_ok(v))
		return send_text(conn, 403, "forbidden: a request from "
		    "another site\n");
	if ((r->route = find_route(url)) == NULL)
		return send_text(conn, 404, "not found\n");
	if (r->route->post != post)
		return send_text(conn, 405, r->route->post ?
		    "door ui: this is an action: POST only\n" :
		    "door ui: GET only\n");
	if (post) {
		uint64_t cl = 0;

		v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Origin");
		if (v == NULL || !ui_origin_ok(v, strlen(v), h.value, h.len))
			return send_text(conn, 403, "forbidden: an action "
			    "must come from the page itself (Origin)\n");
		v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Type");
		if (v == NULL || strncasecmp(v, "application/json", 16) != 0 ||
		    (v[16] != '\0' && v[16] != ';'))
			return send_error(conn, 415, "door ui: actions take "
			    "application/json");
		v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (v != NULL) {
			char *end;

			errno = 0;
			cl = strtoull(v, &end, 10);
			if (errno != 0 || *end != '\0' || cl > JIN_BODY_MAX)
				return send_error(conn, 413, BODY_TOO_LARGE);
			if (!hold(ui, r, (size_t)cl))
				return send_error(conn, 503, BODIES_BUSY);
			r->declared = true;
		}
	}
	/* the first visit: the token goes into a cookie, and out of the
	 * address bar and the history */
	if (r->route == &page_route && in_query && !post) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0,
		    NULL, MHD_RESPMEM_PERSISTENT);
		char                 c[160];

		if (resp == NULL)
			return MHD_NO;
		snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; "
		    "SameSite=Strict", ui->cookie, ui->token);
		MHD_add_response_header(resp, "Set-Cookie", c);
		MHD_add_response_header(resp, "Location", "/");
		return send_response(conn, 303, resp, NULL);
	}
	*pass = true;
	return MHD_YES;
}

/* ---- bodies ---- */

static bool
hold(struct ui *ui, struct ui_req *r, size_t n)
{
	bool ok;

	pthread_mutex_lock(&ui->lock);
	ok = ui->bodies + n <= UI_BODIES_MAX;
	if (ok)
		ui->bodies += n;
	pthread_mutex_unlock(&ui->lock);
	if (ok)
		r->held += n;
	return ok;
}

static void
release(struct ui *ui, struct ui_req *r)
{
	pthread_mutex_lock(&ui->lock);
	ui->bodies -= r->held;
	pthread_mutex_unlock(&ui->lock);
	r->held = 0;
}

/* ---- answers ---- */

static enum MHD_Result
send_page(struct MHD_Connection *conn, const char *url)
{
	const struct ui_page_file *f = ui_page_find(url);

	return send_response(conn, 200, MHD_create_response_from_buffer(
	    f->len, (void *)(uintptr_t)f->data, MHD_RESPMEM_PERSISTENT),
	    f->type);
}

static enum MHD_Result
send_events(struct ui *ui, struct MHD_Connection *conn)
{
	struct ui_sse       *c = hub_join(ui->hub, conn);
	struct MHD_Response *r;

	if (c == NULL)
		return send_text(conn, 503, "door ui: too many live pages "
		    "open (or stopping)\n");
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 << 10,
	    hub_read, c, hub_leave);
	if (r == NULL) {
		hub_leave(c);
		return MHD_NO;
	}
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
	    (unsigned)UI_SSE_IDLE_S);
	return send_response(conn, 200, r, "text/event-stream");
}

static void
call_run(struct ui_job *j)
{
	struct ui_req *r = (struct ui_req *)j;

	r->route->fn(r->ui, &r->call);
}

static void
call_done(struct ui_job *j)
{
	struct ui_req         *r = (struct ui_req *)j;
	struct MHD_Connection *conn = r->conn;

	r->done = true;
	/* r may be freed as soon as the connection runs again */
	MHD_resume_connection(conn);
}

static void
share_done(struct ui_wait *w)
{
	struct ui_req *r = (struct ui_req *)(void *)((char *)w -
	    offsetof(struct ui_req, wait));

	r->done = true;
	MHD_resume_connection(r->conn);
}

static void
call_suspend(void *ctx)
{
	struct ui_req *r = ctx;

	MHD_suspend_connection(r->conn);
}

/* The request is complete: answer it, or hand it to a worker. */
static enum MHD_Result
dispatch(struct ui *ui, struct ui_req *r, const char *url)
{
	char err[192];

	if (r->route == &page_route)
		return send_page(r->conn, url);
	if (r->route == &events_route)
		return send_events(ui, r->conn);
	buf_init(&r->call.out);
	if (r->route->fn == NULL) {
		/* the table: the next walk answers every request waiting */
		r->shared = true;
		r->wait.done = share_done;
		r->state = RQ_QUEUED;
		if (share_submit(ui->share, &r->wait, call_suspend, r) != 0) {
			r->state = RQ_ANSWERED;
			return send_text(r->conn, 503, "door ui: stopping\n");
		}
		return MHD_YES;
	}
	if (r->route->post) {
		if (jin_parse(r->body.p ? r->body.p : "", r->body.len,
		    &r->call.in, err, sizeof err) != 0) {
			api_error(&r->call, 400, "malformed JSON: %s", err);
			return send_json(r->conn, 400, &r->call.out);
		}
		buf_free(&r->body);
		release(ui, r);
	}
	r->job.run = call_run;
	r->job.done = call_done;
	r->state = RQ_QUEUED;
	if (work_submit(ui->work, &r->job, call_suspend, r) != 0) {
		r->state = RQ_ANSWERED;
		return send_text(r->conn, 503, "door ui: busy, try again\n");
	}
	return MHD_YES;
}

enum MHD_Result
ui_on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct ui     *ui = cls;
	struct ui_req *r = *req_cls;
	bool           pass;

	(void)version;
	if (r == NULL) {
		enum MHD_Result ret;

		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		r->ui = ui;
		r->conn = conn;
		buf_init(&r->body);
		*req_cls = r;
		ret = gate(ui, r, url, method, &pass);
		if (!pass) {
			r->state = RQ_ANSWERED;
			guard_busy(conn);
		}
		return ret;
	}
	if (r->state == RQ_ANSWERED) {
		*upload_size = 0;    /* a refused request's body: dropped */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* a declared length was checked and held. A chunked body
		 * that grows past the bound is dropped as it comes, and
		 * refused at its end (libmicrohttpd 0.9.75 takes no answer
		 * before the body is in); past UI_DISCARD_MAX more, or the
		 * guard's UI_HEAD_S, the connection ends instead. */
		if (r->overflow == 0 && (r->body.len + *upload_size >
		    JIN_BODY_MAX || (!r->declared &&
		    !hold(ui, r, *upload_size)))) {
			r->overflow = r->body.len + *upload_size >
			    JIN_BODY_MAX ? 413 : 503;
			buf_free(&r->body);
			release(ui, r);
		}
		if (r->overflow != 0) {
			r->dropped += *upload_size;
			*upload_size = 0;
			return r->dropped > UI_DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->state == RQ_QUEUED) {
		/* resumed: the worker has the answer (or MHD woke us early,
		 * which it does not; then wait for the resume that comes) */
		if (!r->done)
			return MHD_YES;
		r->state = RQ_ANSWERED;
		if (r->shared)
			return send_doc(conn, r);
		return send_json(conn, r->call.status ? r->call.status : 500,
		    &r->call.out);
	}
	/* the request is whole: what is left is ours, not the client's */
	guard_busy(conn);
	if (r->overflow != 0) {
		r->state = RQ_ANSWERED;
		return send_error(conn, r->overflow, r->overflow == 413 ?
		    BODY_TOO_LARGE : BODIES_BUSY);
	}
	return dispatch(ui, r, url);
}

void
ui_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct ui_req *r = *req_cls;

	(void)toe;
	guard_idle(conn);
	if (r == NULL)
		return;
	release(cls, r);
	doc_unref(r->wait.doc);      /* gone before its answer was sent */
	buf_free(&r->body);
	buf_free(&r->call.out);
	jin_free(&r->call.in);
	free(r);
	*req_cls = NULL;
}
