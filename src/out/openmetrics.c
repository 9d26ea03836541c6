/* openmetrics.c - samples in the Prometheus text format, label values
 * escaped whatever bytes they hold. */
#include "out/escape.h"
#include "out/openmetrics.h"

void
om_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
om_begin(struct om_sample *s, struct buf *b, const char *name)
{
	s->b = b;
	s->nlabels = 0;
	buf_adds(b, name);
}

void
om_label(struct om_sample *s, const char *name, const char *value,
    size_t len)
{
	struct buf shown;

	buf_init(&shown);
	esc_term(&shown, value, len);
	buf_printf(s->b, "%c%s=\"", s->nlabels++ ? ',' : '{', name);
	for (size_t i = 0; i < shown.len; i++) {
		char c = shown.p[i];

		if (c == '\\' || c == '"')
			buf_addc(s->b, '\\');
		if (c == '\n')
			buf_adds(s->b, "\\n");
		else
			buf_addc(s->b, c);
	}
	buf_addc(s->b, '"');
	if (shown.oom)
		s->b->oom = true;
	buf_free(&shown);
}

void
om_end(struct om_sample *s, const char *value)
{
	buf_printf(s->b, "%s %s\n", s->nlabels ? "}" : "", value);
}
