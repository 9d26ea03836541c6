/* fuzz-passive.c - passive_identify on arbitrary bytes. The input is
 * "COMM\nCMDLINE": the command line is copied into a buffer of exactly its
 * size (no NUL after it), so a read past its end is caught. Aborts when a
 * result breaks passive.h's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/passive.h"

#define UNIT_NO_MAIN
#include "../unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_chars(const char *s, size_t cap, const char *extra)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();   /* not terminated */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || strchr(extra, c) != NULL))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t    *nl = memchr(data, '\n', size < 64 ? size : 64);
	size_t            cl = nl ? (size_t)(nl - data) : 0;
	size_t            rest = nl ? size - cl - 1 : size;
	char              comm[64];
	char             *cmd = malloc(rest ? rest : 1);
	struct passive_id id;
	char              label[160];
	int               r;

	if (cmd == NULL)
		return 0;
	memcpy(comm, data, cl);
	comm[cl] = '\0';
	memcpy(cmd, nl ? nl + 1 : data, rest);
	r = passive_identify(comm, cmd, rest, &id);
	if (r != 0 && r != 1)
		abort();
	if (id.service == NULL || id.product == NULL)
		abort();
	if (r == 1 && id.product[0] == '\0')
		abort();
	if (r == 0 && (id.product[0] != '\0' || id.version[0] != '\0' ||
	    id.detail[0] != '\0' || id.forward_port != 0))
		abort();
	check_chars(id.version, sizeof id.version, ".+-");
	check_chars(id.detail, sizeof id.detail, ".:_-[]/");
	if (id.version[0] != '\0' && (id.version[0] < '0' ||
	    id.version[0] > '9'))
		abort();
	passive_label(&id, label, sizeof label);
	id_describe(label, sizeof label, ID_PROCESS, id.product);
	/* a NULL comm and a short, unterminated command line */
	(void)passive_identify(NULL, cmd, rest < 3 ? rest : 3, &id);
	free(cmd);
	return 0;
}
