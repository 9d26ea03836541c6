/* fuzz-uigate.c - door ui's gate (ui_host_ok, ui_origin_ok, ui_token_eq)
 * on arbitrary bytes: what passes must be exactly what gate.h allows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	uint16_t    port = 3667;
	char        want[3][32], tok[UI_TOKEN_LEN + 1];
	bool        ok = false;

	if (size >= 2) {
		port = (uint16_t)(data[0] << 8 | data[1]);
		s += 2;
		size -= 2;
	}
	snprintf(want[0], sizeof want[0], "127.0.0.1:%u", port);
	snprintf(want[1], sizeof want[1], "[::1]:%u", port);
	snprintf(want[2], sizeof want[2], "localhost:%u", port);
	if (port != 0)
		for (int i = 0; i < 3; i++)
			ok |= size == strlen(want[i]) && (i == 2 ?
			    strncasecmp(s, want[i], size) == 0 :
			    memcmp(s, want[i], size) == 0) &&
			    memchr(s, '\0', size) == NULL;
	if (ui_host_ok(s, size, port) != ok)
		abort();
	if (ok && !ui_origin_ok("http://127.0.0.1:3667", 21, "127.0.0.1:3667",
	    14))
		abort();
	if (size > 7 && ui_origin_ok(s, size, s + 7, size - 7) &&
	    memcmp(s, "http://", 7) != 0)
		abort();
	memset(tok, 'a', UI_TOKEN_LEN);
	tok[UI_TOKEN_LEN] = '\0';
	if (ui_token_eq(s, size, tok) != (size == UI_TOKEN_LEN &&
	    memcmp(s, tok, size) == 0))
		abort();
	(void)ui_fetch_site_ok(size > 0 && memchr(s, '\0', size) ? s : NULL);
	return 0;
}
