/* jobs.c - door watch's background work, one job at a time (jobs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "doors.h"
#include "probes.h"
#include "platform/platform.h"
#include "tui/jobs.h"

int
jobs_init(struct jobs *js, struct door_err *e)
{
	memset(js, 0, sizeof *js);
	if (pipe2(js->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		js->wake[0] = js->wake[1] = -1;
		return err_set(e, DOOR_SYSTEM, "pipe: %s", strerror(errno));
	}
	return 0;
}

void
job_clear(struct job *j)
{
	buf_free(&j->text);
	kill_free(j->k);
	free(j->answers);
	memset(j, 0, sizeof *j);
}

void
jobs_free(struct jobs *js)
{
	if (js->running)
		pthread_join(js->tid, NULL);
	js->running = false;
	job_clear(&js->cur);
	if (js->wake[0] >= 0)
		close(js->wake[0]);
	if (js->wake[1] >= 0)
		close(js->wake[1]);
	js->wake[0] = js->wake[1] = -1;
}

int
jobs_fd(const struct jobs *js)
{
	return js->wake[0];
}

bool
jobs_busy(const struct jobs *js)
{
	return js->running;
}

/* door who PORT: the card as the verb renders it (no colour). */
static void
do_card(struct job *j)
{
	struct cmd_args a;
	char            ps[8];
	char           *argv[2] = { ps, NULL };

	snprintf(ps, sizeof ps, "%u", j->port);
	cmd_args_for(&a, &cmd_who_entry, false);
	a.out.numeric = j->numeric;
	cmd_args_set(&a, j->proto == PROTO_UDP ? "udp" : "tcp", "");
	j->status = doors_who_render(&a, argv, 1, false, &j->text);
}

static void
do_probe(struct job *j)
{
	struct sock_query  q;
	struct door_filter f;
	struct door_err    e;
	struct snap        s;
	struct entry      *v;
	struct probes      pr;
	size_t             n, got = 0;

	err_clear(&e);
	memset(&q, 0, sizeof q);
	memset(&f, 0, sizeof f);
	q.tcp = true;
	q.v4 = q.v6 = true;
	q.owners = OWNER_NARROW;
	q.source = SOURCE_AUTO;
	if (!j->all)
		(void)doors_add_range(&f, &q, j->port, j->port, &e);
	if (probes_snapshot(&q, &f, &s, &v, &n, &pr, &e) != 0) {
		j->status = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
		buf_printf(&j->text, "cannot read the sockets: %s", e.msg);
		return;
	}
	if (pr.n > 0)
		j->answers = calloc(pr.n, sizeof *j->answers);
	for (size_t i = 0; j->answers != NULL && i < pr.n; i++) {
		const struct probe_result *r = probes_of(&pr, pr.socks[i]);

		if (r == NULL)
			continue;
		j->answers[got].inode = s.socks[pr.socks[i]].inode;
		j->answers[got].port = s.socks[pr.socks[i]].local.port;
		j->answers[got].r = *r;
		got++;
	}
	j->nanswers = got;
	j->status = got > 0 ? DOOR_OK : DOOR_NO;
	/* one line for the message bar: the first answer that says
	 * something, else the first */
	for (size_t i = 0; i < got; i++) {
		char line[256];

		if (j->answers[i].r.conf != PROBE_CONF_PROBE && i + 1 < got)
			continue;
		probes_describe(&j->answers[i].r, line, sizeof line);
		if (j->all)
			buf_printf(&j->text, "%zu door%s probed; ", got,
			    got == 1 ? "" : "s");
		buf_printf(&j->text, "%u: %s", j->answers[i].port, line);
		break;
	}
	if (got == 0)
		buf_printf(&j->text, j->all ? "no TCP door to probe" :
		    "%u/tcp: nothing listens there now", j->port);
	probes_free(&pr);
	free(v);
	snap_free(&s);
}

/* door kill PORT's plan: checked, judged, nothing signalled. */
static void
do_plan(struct job *j)
{
	struct kill_request req;
	struct door_err     e;
	char                ps[8];
	const char         *targets[1] = { ps };

	snprintf(ps, sizeof ps, "%u", j->port);
	err_clear(&e);
	kill_request_defaults(&req);
	req.targets = targets;
	req.ntargets = 1;
	req.proto = j->proto;
	if ((j->k = kill_new(&req, &e)) == NULL) {
		j->status = e.status == DOOR_OK ? DOOR_SYSTEM : (int)e.status;
		buf_printf(&j->text, "door kill %s: %s", ps, e.msg);
		return;
	}
	kill_plan_text(j->k, j->numeric, &j->text);
	j->status = DOOR_OK;
}

static void
do_run(struct job *j)
{
	kill_run(j->k);
	kill_report_text(j->k, &j->text);
	j->status = kill_status(j->k);
}

static void *
job_main(void *arg)
{
	struct jobs *js = arg;
	struct job  *j = &js->cur;
	uint64_t     t0 = platform_mono_ms();
	char         c = 1;

	switch (j->kind) {
	case JOB_CARD:
		do_card(j);
		break;
	case JOB_PROBE:
		do_probe(j);
		break;
	case JOB_PLAN:
		do_plan(j);
		break;
	case JOB_RUN:
		do_run(j);
		break;
	case JOB_NONE:
		break;
	}
	j->ms = platform_mono_ms() - t0;
	/* the view learns of it from its poll; a full pipe already says so */
	while (write(js->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

int
jobs_start(struct jobs *js, const struct job *j, struct door_err *e)
{
	int rc;

	if (js->running)
		return err_set(e, DOOR_NO, "busy");
	job_clear(&js->cur);
	js->cur.kind = j->kind;
	js->cur.port = j->port;
	js->cur.proto = j->proto;
	js->cur.all = j->all;
	js->cur.numeric = j->numeric;
	js->cur.k = j->kind == JOB_RUN ? j->k : NULL;
	buf_init(&js->cur.text);
	if ((rc = pthread_create(&js->tid, NULL, job_main, js)) != 0) {
		js->cur.k = NULL;      /* still the caller's */
		return err_set(e, DOOR_SYSTEM, "no thread for it: %s",
		    strerror(rc));
	}
	js->running = true;
	return 0;
}

bool
jobs_done(struct jobs *js, struct job *out)
{
	char c[16];
	bool woke = false;

	while (read(js->wake[0], c, sizeof c) > 0)
		woke = true;
	if (!woke || !js->running)
		return false;
	/* the byte comes last: after it, the join cannot wait long */
	pthread_join(js->tid, NULL);
	js->running = false;
	*out = js->cur;
	memset(&js->cur, 0, sizeof js->cur);
	return true;
}
