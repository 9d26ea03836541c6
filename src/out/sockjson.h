/* sockjson.h - one socket as the JSON object door(1) documents. */
#ifndef DOOR_OUT_SOCKJSON_H
#define DOOR_OUT_SOCKJSON_H

#include "core/records.h"
#include "out/json.h"
#include "out/term.h"

struct probe_result;

/* pr: what a probe of this socket found, or NULL ("probe": null). */
void	sockjson_write(struct json *, const struct snap *, size_t sock,
	    const struct out_opts *, const struct probe_result *pr);

#endif
