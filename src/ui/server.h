/* server.h - what door ui's server, its API and its ticker share. Only
 * src/ui/ includes it. */
#ifndef DOOR_UI_SERVER_H
#define DOOR_UI_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "ui/events.h"
#include "ui/gate.h"
#include "ui/guard.h"
#include "ui/jsonin.h"
#include "ui/share.h"
#include "ui/work.h"

/* Bounds on what clients can make the server hold (door(1), door ui). */
#define UI_CONN_MAX	512          /* connections, per address (fewer
					when descriptors are few) */
#define UI_CONN_MIN	16
#define UI_FD_RESERVE	256          /* descriptors kept for the rest:
					the /proc walk, probes, door url */
#define UI_CONN_MEM	(16u << 10)  /* per connection: request line and
					headers must fit */
#define UI_IDLE_S	10           /* a connection that makes no
					progress goes (libmicrohttpd) */
#define UI_HEAD_S	10           /* and one whose request has not come
					whole, however it trickles (guard) */
#define UI_SSE_MAX	400          /* event streams, both addresses */
#define UI_SSE_IDLE_S	60           /* a stream that cannot be written */
#define UI_RING		(4u << 20)   /* events not yet read by everyone */
#define UI_BODIES_MAX	(4u << 20)   /* POST bodies held at once */
#define UI_DISCARD_MAX	(1u << 20)   /* a chunked body's bytes past the
					bound read (and dropped) for its 413 */
#define UI_WORKERS	4
#define UI_QUEUE_MAX	64           /* actions waiting for a worker */
#define UI_TICK_MS	500          /* the live table's tick */
#define UI_TABLE_GAP_MS	50           /* /api/doors: walks start this far
					apart at least (share.h) */
#define UI_KEEPALIVE_MS	15000

struct ui;
struct ui_call;

/* One API request in a worker: reads c->in (the POST body), fills
 * c->status (HTTP) and c->out (a JSON document). */
typedef void (*ui_api_fn)(struct ui *, struct ui_call *);

struct ui_route {
	const char *path;
	bool        post;
	ui_api_fn   fn;         /* NULL: the share answers it (share.h) */
};

struct ui_call {
	struct jin in;
	unsigned   status;
	struct buf out;
};

struct ui_plans;
struct ui_live;

struct ui {
	uint16_t            port;
	bool                v6;
	char                token[UI_TOKEN_LEN + 1];
	char                cookie[24];      /* door_ui_PORT */
	char                url[128];
	struct MHD_Daemon  *d[2];
	struct ui_hub      *hub;
	struct ui_work     *work;
	struct ui_guard    *guard;
	struct ui_share    *share;           /* the table's one walk */
	unsigned            conn_max;        /* per address */
	struct ui_live     *live;
	pthread_t           ticker;
	bool                ticking;
	volatile bool       stopping;
	struct ui_plans    *plans;
	bool                curl;            /* libcurl started (door url) */
	char                curl_why[256];
	size_t              bodies;          /* POST body bytes held */
	pthread_mutex_t     lock;            /* bodies */
};

/* The routes of the API (api.c), ending with a zeroed row. */
extern const struct ui_route ui_api_routes[];

/* api.c: a JSON error document {"error": msg}, with an HTTP status. */
void	api_error(struct ui_call *, unsigned status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The table door ls --json writes, for the whole machine, into out. */
int	api_table(struct buf *out);
/* /api/doors' answer (ui is the struct ui), for share_new. */
void	api_doors_fill(void *ui, unsigned *status, struct buf *out);

/* api.c: door kill's plans waiting for a yes. */
int	api_plans_new(struct ui *);
void	api_plans_free(struct ui *);

/* live.c: the ticker, feeding the hub from the live engine. */
int	live_start(struct ui *, struct door_err *);
void	live_stop(struct ui *);

#endif
