/* passive.h - what a process is, from its name and command line alone: no
 * traffic, no files read. Stronger than the port table (a port number is
 * only a clue), weaker than a probe (the server answering). */
#ifndef DOOR_CORE_PASSIVE_H
#define DOOR_CORE_PASSIVE_H

#include <stddef.h>
#include <stdint.h>

/*
 * How door knows what is behind a door, weakest first. Every place that
 * names a service says which of these it rests on, with these words:
 *   usually   the port table says so (data/ports.tsv): a guess from the number
 *   process   the process's name or command line says so
 *   probe     the server answered in that protocol (door probe)
 */
enum id_confidence {
	ID_NONE = 0,
	ID_USUALLY,
	ID_PROCESS,
	ID_PROBE,
};

/* "usually", "process", "probe"; "" for ID_NONE. Also the JSON value. */
const char	*id_confidence_name(enum id_confidence);

/*
 * One line for a person: "usually React / Next.js dev server",
 * "Vite (process)", "Next.js 14.2.3 (probe)"; "" for ID_NONE or no what.
 * Returns what snprintf returns. `what` is door's own text or already
 * bounded; the caller escapes it at output like any other text.
 */
int	id_describe(char *buf, size_t size, enum id_confidence,
	    const char *what);

#define PASSIVE_VERSION_MAX 24
#define PASSIVE_DETAIL_MAX  64

struct passive_id {
	/* The protocol it serves, a ports.tsv-style id ("http",
	 * "postgresql", "redis", "ssh"), or "" when the product says
	 * nothing of it (a bare runtime: Deno, Bun). Never NULL. */
	const char *service;
	/* What it is: "Vite", "Django runserver", "nginx". Never NULL. */
	const char *product;
	/* Only when the command line shows it plainly ("14.2.3" from
	 * "next-server (v14.2.3)", "15" from /usr/lib/postgresql/15/bin);
	 * [0-9A-Za-z.+-] only, else "". */
	char        version[PASSIVE_VERSION_MAX];
	/* For forwarders: where the traffic goes ("172.17.0.2:5432" for
	 * docker-proxy, "db.internal:5432" for ssh -L); [0-9A-Za-z.:_-]
	 * only, else "". */
	char        detail[PASSIVE_DETAIL_MAX];
	/* For forwarders: the port traffic goes to, 0 when unknown. */
	uint16_t    forward_port;
};

/*
 * Recognises the program behind a process from comm (the kernel's name,
 * NUL-terminated, at most 63 bytes are read) and cmdline (argv joined by
 * NUL bytes, exactly cmdline_len bytes, not NUL-terminated, may hold any
 * bytes, may have been rewritten by the process: "nginx: master process").
 * Either may be NULL. Pure and bounded: at most PASSIVE_ARGS_MAX arguments
 * are looked at. Returns 1 and fills *out when recognised, else 0 (and *out
 * is cleared to "").
 */
#define PASSIVE_ARGS_MAX 256

int	passive_identify(const char *comm, const char *cmdline,
	    size_t cmdline_len, struct passive_id *out);

/* "Next.js 14.2.3", "Docker port forward to 172.17.0.2:5432", "Vite":
 * the product with its version or destination. Returns what snprintf does. */
int	passive_label(const struct passive_id *, char *buf, size_t size);

#endif
