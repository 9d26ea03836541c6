/* api.h - what door ui's endpoint files share (api.c, api_kill.c). */
#ifndef DOOR_UI_API_H
#define DOOR_UI_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "out/json.h"
#include "ui/server.h"

/* The body's "port" (1-65535) and "proto" ("tcp", the default, or
 * "udp"); -1 after answering 400. */
int	api_door_arg(struct ui_call *, uint16_t *port, bool *udp);
/* A verb's JSON document (in doc) as a value of j: null when empty. */
void	api_json_doc(struct json *j, struct buf *doc);

/* api_kill.c: /api/kill/plan, /api/kill/run, /api/kill/cancel. */
void	api_kill_plan(struct ui *, struct ui_call *);
void	api_kill_run(struct ui *, struct ui_call *);
void	api_kill_cancel(struct ui *, struct ui_call *);

#endif
