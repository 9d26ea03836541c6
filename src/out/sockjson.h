/* sockjson.h - one socket as the JSON object door(1) documents. */
#ifndef DOOR_OUT_SOCKJSON_H
#define DOOR_OUT_SOCKJSON_H

#include "core/records.h"
#include "out/json.h"
#include "out/term.h"

void	sockjson_write(struct json *, const struct snap *, size_t sock,
	    const struct out_opts *);

#endif
