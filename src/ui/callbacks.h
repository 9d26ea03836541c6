/* callbacks.h - libmicrohttpd's request and completion callbacks, in
 * server.c; start.c gives them to each daemon. */
#ifndef DOOR_UI_CALLBACKS_H
#define DOOR_UI_CALLBACKS_H

#include <stddef.h>

#include <microhttpd.h>

enum MHD_Result	ui_on_request(void *cls, struct MHD_Connection *conn,
	    const char *url, const char *method, const char *version,
	    const char *upload, size_t *upload_size, void **req_cls);
void	ui_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
	    enum MHD_RequestTerminationCode toe);

#endif
