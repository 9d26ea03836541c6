/* json.h - a small streaming JSON writer: valid output whatever bytes go in. */
#ifndef DOOR_OUT_JSON_H
#define DOOR_OUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSON_DEPTH_MAX 64

#define JSON_CHUNK 65536   /* what a streamed document holds, about */

/* Where a streamed document goes: writes b out and empties it; returns 0,
 * or -1 when it could not (then nothing more is written). */
typedef int	(*json_sink_fn)(void *ctx, struct buf *b);

struct json {
	struct buf  *b;
	int          depth;
	bool         first[JSON_DEPTH_MAX + 1];   /* [0] is the top level */
	bool         after_key;
	bool         compact;     /* one line, no spaces (NDJSON) */
	json_sink_fn sink;       /* NULL: the whole document stays in b */
	void        *sink_ctx;
	size_t       chunk;
	bool         sink_failed;
};

void	json_init(struct json *, struct buf *);
/* The same document on one line (door watch --json: NDJSON). */
void	json_init_compact(struct json *, struct buf *);
/*
 * Streams the document: at each json_flush_point where b holds at least
 * chunk bytes, b goes to the sink, so the document is never held whole
 * (door ls --json). The bytes are the same as held, in the same order.
 */
void	json_stream(struct json *, json_sink_fn, void *ctx, size_t chunk);
/* A point between values where what is held may go out. */
void	json_flush_point(struct json *);
/* Everything held goes to the sink now (the end of the document).
 * Returns -1 when the sink failed, now or before: the output is cut. */
int	json_flush(struct json *);
void	json_obj_begin(struct json *);
void	json_obj_end(struct json *);
void	json_arr_begin(struct json *);
void	json_arr_end(struct json *);
void	json_key(struct json *, const char *);
void	json_str(struct json *, const char *);
void	json_strn(struct json *, const char *, size_t);
void	json_int(struct json *, int64_t);
void	json_uint(struct json *, uint64_t);
void	json_bool(struct json *, bool);
void	json_null(struct json *);
/* A number already formatted (e.g. "0.125"): written as is. */
void	json_raw(struct json *, const char *);
/* Ends the document with a newline. */
void	json_end(struct json *);

#endif
