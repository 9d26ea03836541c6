/* events.h - door ui's Server-Sent Events hub. The tick thread publishes
 * each event once, into one ring of framed bytes that every client reads
 * at its own pace; a client that falls a whole ring behind is dropped and
 * its browser reconnects (EventSource does), starting again from the
 * current table. Memory: the ring, the current table, and per client a
 * small struct and at most one pinned table, for at most max clients. */
#ifndef DOOR_UI_EVENTS_H
#define DOOR_UI_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct MHD_Connection;
struct ui_hub;
struct ui_sse;

struct ui_hub	*hub_new(size_t ring_bytes, size_t max_clients);
/* After every client has left (the daemons are stopped). */
void		 hub_free(struct ui_hub *);

/*
 * A new client on conn: it gets "retry", the current table ("snapshot"),
 * then every event published after that table. NULL when max clients are
 * connected or the hub is closing (the caller answers 503).
 */
struct ui_sse	*hub_join(struct ui_hub *, struct MHD_Connection *conn);
/* The content reader of the client's response (MHD_ContentReaderCallback):
 * bytes to send, or none yet (the connection is then suspended until the
 * next publish), or the end. */
ssize_t	hub_read(void *client, uint64_t pos, char *buf, size_t max);
/* The response's free callback: the client is gone. */
void	hub_leave(void *client);

/* Frames one event (name, data of any length; newlines in data become
 * further "data:" lines) into the ring. Call hub_wake after a batch. */
void	hub_publish(struct ui_hub *, const char *event, const char *data,
	    size_t len);
/* A comment line (": text"), to keep idle streams alive. */
void	hub_comment(struct ui_hub *, const char *text);
/* The table new clients start with: data is the state after every event
 * published so far (copied). */
int	hub_set_snapshot(struct ui_hub *, const char *data, size_t len);
/* Resumes every client waiting for bytes. */
void	hub_wake(struct ui_hub *);
/* Ends every stream and refuses new clients (shutdown). */
void	hub_close(struct ui_hub *);

size_t	hub_clients(struct ui_hub *);
/* Waits until there is a client or the hub closes, at most ms. */
void	hub_wait_client(struct ui_hub *, uint64_t ms);

#endif
