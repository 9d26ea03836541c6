/* guard.h - door ui's connection guard: slow clients make room.
 *
 * libmicrohttpd's timeout (UI_IDLE_S) counts from the last byte: a client
 * that sends its request line a byte every few seconds (slowloris) stays
 * for ever, and UI_CONN_MAX of them fill the connection limit, after
 * which nobody else is served. On loopback a limit per IP cannot tell
 * them apart. So the guard keeps, for each daemon, every connection and
 * since when it has been waiting for a whole request (its connect, or the
 * end of its last answer), and shuts down:
 *
 *   - a connection whose request has not come whole (line, headers and
 *     body) within head_ms, however it trickles (a sweep every second);
 *   - when a new connection takes the last free place, the connection
 *     that has been waiting the longest: a client that sends its request
 *     at once is never the one, an idle keep-alive one can be (its
 *     browser opens a new one).
 *
 * A connection whose request came whole is busy (its answer, a worker, an
 * event stream) and is never shut down here: those are bounded by the
 * stream limit, the workers' queue, and libmicrohttpd's timeout when a
 * client stops reading.
 *
 * Shutting down is shutdown(2) on the socket, never close: libmicrohttpd
 * sees the end, closes it in its own thread and tells us (CLOSED), and
 * every call here is under the guard's lock, so the descriptor is still
 * the connection's when it is shut down.
 */
#ifndef DOOR_UI_GUARD_H
#define DOOR_UI_GUARD_H

#include <stdbool.h>

#include <microhttpd.h>

struct ui_guard;

/* sides: one per daemon; per_side: connections each may hold before the
 * longest waiting goes (libmicrohttpd's own limit must be per_side + 1,
 * the free place a new client comes in by). Starts the sweep. */
struct ui_guard	*guard_new(int sides, unsigned per_side, unsigned head_ms);
/* After every daemon has stopped. */
void		 guard_free(struct ui_guard *);

/* The cls of MHD_OPTION_NOTIFY_CONNECTION for daemon i. */
void		*guard_side(struct ui_guard *, int i);
/* MHD_OPTION_NOTIFY_CONNECTION's callback. */
void		 guard_notify(void *cls, struct MHD_Connection *,
		    void **socket_context,
		    enum MHD_ConnectionNotificationCode);

/* The request on conn came whole and is being answered or handed on. */
void		 guard_busy(struct MHD_Connection *);
/* Its answer ended: it waits for the next request from now. */
void		 guard_idle(struct MHD_Connection *);

#endif
