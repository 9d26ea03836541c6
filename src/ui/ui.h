/* ui.h - door ui: the doors of this machine as a page in a browser,
 * served on loopback only (127.0.0.1 and ::1, one port), behind a token.
 * cmd-ui.c is the verb; this is the server it starts and stops. */
#ifndef DOOR_UI_UI_H
#define DOOR_UI_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* "DOOR" on a phone's keypad; the search for a free port starts here. */
#define UI_PORT_DEFAULT	3667

struct ui_opts {
	uint16_t port;      /* 0: the first free from UI_PORT_DEFAULT on,
			       found the way door next finds one */
};

struct ui;

/* Binds 127.0.0.1:PORT and [::1]:PORT (IPv4 alone when this machine has
 * no IPv6), makes the token and starts serving in threads. */
struct ui	*ui_start(const struct ui_opts *, struct door_err *);
/* http://127.0.0.1:PORT/?token=TOKEN */
const char	*ui_url(const struct ui *);
uint16_t	 ui_port(const struct ui *);
bool		 ui_has_v6(const struct ui *);
/* Stops serving: every stream ends, every running action finishes (a
 * kill under way is seen through), then the sockets close. */
void		 ui_stop(struct ui *);

#endif
