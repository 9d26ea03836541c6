/* page.h - door ui's page files, compiled in (scripts/ui-embed.sh makes
 * $(O)/gen/ui_page.c from src/ui/page/ at build time: no build step of
 * its own, no CDN, nothing read from disk when serving). */
#ifndef DOOR_UI_PAGE_H
#define DOOR_UI_PAGE_H

#include <stddef.h>

struct ui_page_file {
	const char          *path;    /* "/app.js" */
	const char          *type;    /* Content-Type */
	const unsigned char *data;
	size_t               len;
};

/* Ends with a zeroed row. */
extern const struct ui_page_file ui_page_files[];

/* The file served at path ("/" is /index.html), or NULL. */
const struct ui_page_file	*ui_page_find(const char *path);

#endif
