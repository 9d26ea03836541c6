/* live.c - the ticker behind door ui's live table: door watch's live
 * engine (src/watch/engine.h) ticks in this thread, and each tick's
 * events, rendered by watch_event_json (door watch --json's lines), go to
 * every event stream as "change" events. After a tick that changed
 * something, the table new streams start with is made again from the
 * engine's state (doors_entries and sockjson, as door ls --json writes
 * it), so a new stream's "snapshot" plus the events after it is always
 * the state of the machine.
 *
 * While no page is open the engine rests: the first tick after a page
 * comes catches up in one diff.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doors.h"
#include "out/json.h"
#include "out/sockjson.h"
#include "platform/platform.h"
#include "ui/server.h"
#include "watch/engine.h"

struct ui_live {
	struct watch   *w;
	pthread_mutex_t lock;
	pthread_cond_t  cond;
	bool            stop;
	uint64_t        last_ping;
	struct buf      line, table;
};

/* The whole table, from the engine's state, as door ls --json. */
static int
snapshot(struct ui *ui, struct ui_live *l)
{
	const struct snap *s = watch_snap(l->w);
	struct door_filter f;
	struct door_err    e;
	struct out_opts    oo;
	struct entry      *v = NULL;
	struct json        j;
	size_t            *idx, n = 0, ns;
	int                rc = -1;

	memset(&f, 0, sizeof f);
	memset(&oo, 0, sizeof oo);
	oo.json = true;
	err_clear(&e);
	if (doors_entries(s, &f, &v, &n, &e) != 0)
		return -1;
	if ((idx = malloc((n ? n : 1) * sizeof *idx)) == NULL)
		goto out;
	ns = doors_socks(s, v, n, idx);
	buf_reset(&l->table);
	json_init_compact(&j, &l->table);
	json_arr_begin(&j);
	for (size_t i = 0; i < ns; i++)
		sockjson_write(&j, s, idx[i], &oo, NULL);
	json_arr_end(&j);
	json_end(&j);
	if (!l->table.oom)
		rc = hub_set_snapshot(ui->hub, l->table.p, l->table.len);
	/* a big machine's table is not kept twice */
	if (l->table.cap > (1u << 20))
		buf_free(&l->table);
	free(idx);
out:
	free(v);
	return rc;
}

static void
tick(struct ui *ui, struct ui_live *l)
{
	struct watch_tick t;
	struct door_err   e;

	err_clear(&e);
	if (watch_tick(l->w, &t, &e) != 0)
		return;      /* the dump failed: the next tick tries again */
	for (size_t i = 0; i < t.nev; i++) {
		buf_reset(&l->line);
		watch_event_json(l->w, &t.ev[i], &l->line);
		if (!l->line.oom)
			hub_publish(ui->hub, "change", l->line.p, l->line.len);
	}
	if (t.nev > 0)
		(void)snapshot(ui, l);
}

/* Sleeps ms, or until live_stop. Returns false when stopping. */
static bool
nap(struct ui_live *l, uint64_t ms)
{
	struct timespec ts;
	bool            go;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->lock);
	if (!l->stop)
		(void)pthread_cond_timedwait(&l->cond, &l->lock, &ts);
	go = !l->stop;
	pthread_mutex_unlock(&l->lock);
	return go;
}

static void *
ticker(void *arg)
{
	struct ui      *ui = arg;
	struct ui_live *l = ui->live;

	while (nap(l, UI_TICK_MS)) {
		if (hub_clients(ui->hub) == 0) {
			/* nobody looks: rest until a page comes (the wait
			 * ends early for one, or for the stop) */
			hub_wait_client(ui->hub, 1000);
			continue;
		}
		tick(ui, l);
		if (platform_mono_ms() - l->last_ping >= UI_KEEPALIVE_MS) {
			hub_comment(ui->hub, "keepalive");
			l->last_ping = platform_mono_ms();
		}
		hub_wake(ui->hub);
	}
	return NULL;
}

int
live_start(struct ui *ui, struct door_err *e)
{
	struct ui_live   *l = calloc(1, sizeof *l);
	struct watch_opts wo;
	pthread_condattr_t ca;

	if (l == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	memset(&wo, 0, sizeof wo);
	/* door ls --json's question */
	wo.q.tcp = wo.q.udp = wo.q.v4 = wo.q.v6 = true;
	wo.q.listening_only = true;
	wo.q.owners = OWNER_NARROW;
	wo.q.source = SOURCE_AUTO;
	wo.q.facts = PROC_HAVE_CMDLINE | PROC_HAVE_CWD | PROC_HAVE_CGROUP;
	wo.initial = false;
	if ((l->w = watch_new(&wo, e)) == NULL) {
		free(l);
		return -1;
	}
	buf_init(&l->line);
	buf_init(&l->table);
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	l->last_ping = platform_mono_ms();
	ui->live = l;
	/* the first tick learns the machine: the table is there before the
	 * first page can ask */
	{
		struct watch_tick t;

		if (watch_tick(l->w, &t, e) != 0 || snapshot(ui, l) != 0) {
			if (e->msg[0] == '\0')
				err_set(e, DOOR_SYSTEM, "out of memory");
			live_stop(ui);
			return -1;
		}
	}
	if (pthread_create(&ui->ticker, NULL, ticker, ui) != 0) {
		live_stop(ui);
		return err_set(e, DOOR_SYSTEM, "cannot start the live "
		    "table's thread");
	}
	ui->ticking = true;
	return 0;
}

void
live_stop(struct ui *ui)
{
	struct ui_live *l = ui->live;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	if (ui->hub != NULL)
		hub_close(ui->hub);     /* ends a wait for a client */
	if (ui->ticking)
		pthread_join(ui->ticker, NULL);
	ui->ticking = false;
	watch_free(l->w);
	buf_free(&l->line);
	buf_free(&l->table);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	free(l);
	ui->live = NULL;
}
