/* json.h - a small streaming JSON writer: valid output whatever bytes go in. */
#ifndef DOOR_OUT_JSON_H
#define DOOR_OUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSON_DEPTH_MAX 64

struct json {
	struct buf *b;
	int         depth;
	bool        first[JSON_DEPTH_MAX + 1];   /* [0] is the top level */
	bool        after_key;
	bool        compact;     /* one line, no spaces (NDJSON) */
};

void	json_init(struct json *, struct buf *);
/* The same document on one line (door watch --json: NDJSON). */
void	json_init_compact(struct json *, struct buf *);
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
