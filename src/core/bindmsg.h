/* bindmsg.h - reading "address already in use" errors of real tools
 * (door explain). Pure (house rule 3): bytes and a length in, a record out. */
#ifndef DOOR_CORE_BINDMSG_H
#define DOOR_CORE_BINDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Texts longer than this are read only this far: an error is near the top
 * of what a tool prints, and the bound keeps every search linear and cheap. */
#define BINDMSG_MAX	(256u << 10)
#define BINDMSG_ADDR_MAX 64

enum bindmsg_tool {
	BM_UNKNOWN,    /* "address already in use" from a tool door does not
			  know by its words */
	BM_NODE, BM_NEXT, BM_VITE, BM_PYTHON, BM_UVICORN, BM_FLASK,
	BM_DJANGO, BM_GO, BM_JAVA, BM_SPRING, BM_RUST, BM_NGINX,
	BM_POSTGRES, BM_REDIS, BM_DOCKER, BM_RUBY, BM_PHP,
	BM_TOOL_MAX
};

struct bindmsg {
	bool              found;      /* a bind error was recognised */
	enum bindmsg_tool tool;
	uint16_t          port;       /* 0: the text does not name it */
	/* As the text wrote it, without brackets: "::", "0.0.0.0", "*",
	 * "localhost", "127.0.0.1"; "" when the text names none (Go's
	 * ":8080" binds every address, and says so by leaving it out). */
	char              addr[BINDMSG_ADDR_MAX];
	uint16_t          next_tried; /* Next.js/Vite moved on to this port */
};

/* Fills m; returns 0 when a bind error was recognised, -1 otherwise (m is
 * then zeroed). Reads at most BINDMSG_MAX bytes of s. */
int	bindmsg_parse(const char *s, size_t len, struct bindmsg *m);

/* "node", "vite", ...: a stable key (door explain --json). */
const char	*bindmsg_tool_key(enum bindmsg_tool);
/* "Node.js", "Vite", ...: for people. */
const char	*bindmsg_tool_name(enum bindmsg_tool);
/* The port the tool takes when told none, 0 when it has no default. */
uint16_t	bindmsg_default_port(enum bindmsg_tool);

#endif
