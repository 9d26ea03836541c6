/* event.c - one engine event as its NDJSON line (engine.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "out/json.h"
#include "out/sockjson.h"
#include "watch/engine.h"

static void
iso_time(uint64_t ms, char *buf, size_t size)
{
	time_t    sec = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

void
watch_event_json(const struct watch *w, const struct watch_event *ev,
    struct buf *b)
{
	const struct snap *s = ev->kind == WATCH_CLOSE ? watch_prev(w) :
	    watch_snap(w);
	struct out_opts    o;
	struct json        j;
	char               when[80];

	memset(&o, 0, sizeof o);
	iso_time(ev->time_ms, when, sizeof when);
	json_init_compact(&j, b);
	json_obj_begin(&j);
	json_key(&j, "event");
	json_str(&j, watch_kind_name(ev->kind));
	json_key(&j, "time");
	json_str(&j, when);
	json_key(&j, "time_ms");
	json_uint(&j, ev->time_ms);
	json_key(&j, "socket");
	sockjson_write(&j, s, ev->sock, &o, NULL);
	if (ev->kind == WATCH_OWNER && ev->prev_sock != SIZE_MAX) {
		const struct snap *p = watch_prev(w);
		const struct sock *k = &p->socks[ev->prev_sock];

		json_key(&j, "previous_owners");
		json_arr_begin(&j);
		for (size_t i = 0; i < k->owner_count; i++) {
			const struct proc *pr = &p->procs[p->owners[
			    k->owner_first + i].proc];

			json_obj_begin(&j);
			json_key(&j, "pid");
			json_int(&j, pr->pid);
			json_key(&j, "name");
			json_str(&j, pr->name);
			json_key(&j, "start_ticks");
			json_uint(&j, pr->start_ticks);
			json_obj_end(&j);
		}
		json_arr_end(&j);
	}
	json_obj_end(&j);
	json_end(&j);       /* the line's newline */
}
