/* duration.c - human durations in and out. */
#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "core/num.h"

#define DURATION_MAX_MS (24ULL * 3600 * 1000)

int
duration_parse(const char *s, uint64_t *ms, struct door_err *e)
{
	size_t   len, digits;
	uint64_t v, mult;

	if (s == NULL || *s == '\0')
		return err_set(e, DOOR_USAGE, "an empty duration: write 500ms, "
		    "5s or 2m");
	len = strlen(s);
	digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 12)
		goto bad;
	if (s[digits] == '\0')
		mult = 1000;
	else if (strcmp(s + digits, "ms") == 0)
		mult = 1;
	else if (strcmp(s + digits, "s") == 0)
		mult = 1000;
	else if (strcmp(s + digits, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(s + digits, "h") == 0)
		mult = 3600 * 1000;
	else
		goto bad;
	if (num_parse_u64(s, digits, 0, DURATION_MAX_MS, &v) != 0 ||
	    v > DURATION_MAX_MS / mult)
		return err_set(e, DOOR_USAGE, "duration '%.32s' is longer than "
		    "24h", s);
	*ms = v * mult;
	(void)len;
	return 0;
bad:
	return err_set(e, DOOR_USAGE, "'%.32s' is not a duration: write "
	    "500ms, 5s, 2m or 1h", s);
}

void
duration_format(uint64_t sec, char *buf, size_t size)
{
	if (sec < 60)
		snprintf(buf, size, "%llus", (unsigned long long)sec);
	else if (sec < 3600)
		snprintf(buf, size, "%llum%02llus", (unsigned long long)sec / 60,
		    (unsigned long long)sec % 60);
	else if (sec < 86400)
		snprintf(buf, size, "%lluh%02llum",
		    (unsigned long long)sec / 3600,
		    (unsigned long long)(sec % 3600) / 60);
	else
		snprintf(buf, size, "%llud%lluh",
		    (unsigned long long)sec / 86400,
		    (unsigned long long)(sec % 86400) / 3600);
}
