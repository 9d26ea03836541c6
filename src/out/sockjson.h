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

/* The probe result of socket `sock`, or NULL. */
typedef const struct probe_result	*(*sockjson_probe_fn)(const void *ctx,
	    size_t sock);

/* The array of socks[0..n) (door ls --json), one object at a time: with
 * a streaming writer (json_stream), it goes out as it is made. probe may
 * be NULL (no probes). */
void	sockjson_write_list(struct json *, const struct snap *,
	    const size_t *socks, size_t n, const struct out_opts *,
	    sockjson_probe_fn probe, const void *ctx);

#endif
