/* json.c - pretty-printed JSON, two spaces an indent, keys in given order. */
#include <string.h>

#include "out/escape.h"
#include "out/json.h"

void
json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof *j);
	j->b = b;
	j->first[0] = true;
}

void
json_init_compact(struct json *j, struct buf *b)
{
	json_init(j, b);
	j->compact = true;
}

void
json_stream(struct json *j, json_sink_fn sink, void *ctx, size_t chunk)
{
	j->sink = sink;
	j->sink_ctx = ctx;
	j->chunk = chunk;
}

int
json_flush(struct json *j)
{
	if (j->sink == NULL)
		return 0;
	if (!j->sink_failed && j->b->len > 0 && j->sink(j->sink_ctx, j->b) != 0)
		j->sink_failed = true;
	/* after a failure the rest is dropped: never held, never written */
	if (j->sink_failed)
		buf_reset(j->b);
	return j->sink_failed ? -1 : 0;
}

void
json_flush_point(struct json *j)
{
	if (j->sink != NULL && j->b->len >= j->chunk)
		(void)json_flush(j);
}

static void
indent(struct json *j)
{
	if (j->compact)
		return;
	buf_addc(j->b, '\n');
	for (int i = 0; i < j->depth; i++)
		buf_add(j->b, "  ", 2);
}

/* Separator before a value or key at the current depth. */
static void
before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		buf_addc(j->b, ',');
	j->first[j->depth] = false;
	indent(j);
}

static void
open_(struct json *j, char c)
{
	before_value(j);
	buf_addc(j->b, c);
	if (j->depth >= JSON_DEPTH_MAX) {
		/* deeper than any door document: mark the output broken
		 * rather than write invalid JSON */
		j->b->oom = true;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void
close_(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	buf_addc(j->b, c);
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

void
json_key(struct json *j, const char *k)
{
	before_value(j);
	buf_addc(j->b, '"');
	esc_json(j->b, k, strlen(k));
	buf_add(j->b, "\": ", j->compact ? 2 : 3);
	j->after_key = true;
}

void
json_strn(struct json *j, const char *s, size_t n)
{
	before_value(j);
	buf_addc(j->b, '"');
	esc_json(j->b, s, n);
	buf_addc(j->b, '"');
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void
json_int(struct json *j, int64_t v)
{
	before_value(j);
	buf_printf(j->b, "%lld", (long long)v);
}

void
json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	buf_printf(j->b, "%llu", (unsigned long long)v);
}

void
json_bool(struct json *j, bool v)
{
	before_value(j);
	buf_adds(j->b, v ? "true" : "false");
}

void
json_null(struct json *j)
{
	before_value(j);
	buf_adds(j->b, "null");
}

void
json_raw(struct json *j, const char *token)
{
	before_value(j);
	buf_adds(j->b, token);
}

void
json_end(struct json *j)
{
	buf_addc(j->b, '\n');
}
