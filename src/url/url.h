/* url.h - door url: why a URL does not load, layer by layer. The layers
 * gather facts into struct url_report; cmd-url.c presents them. Below the
 * command nothing prints and nothing exits (house rule 2). */
#ifndef DOOR_URL_URL_H
#define DOOR_URL_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "core/target.h"
#include "knock/engine.h"
#include "knock/resolve.h"
#include "probe/probe.h"

#define URL_MAX		2048
#define URL_HOPS_MAX	6	/* the request and up to 5 redirects */
#define URL_ADDRS_MAX	16
#define URL_LISTEN_MAX	8
#define URL_NEAR_MAX	3
#define URL_TEXT_MAX	512
#define URL_TRAPS_MAX	8
#define URL_NOTES_MAX	4

/* ---- layer 1: the URL itself (parse.c, pure) ---- */

struct url_parts {
	char     scheme[16];       /* "http", "https" (lower case) */
	bool     scheme_given;     /* false: "localhost:3000/x" meant http */
	char     host[TARGET_HOST_MAX];   /* no brackets */
	bool     host_is_v6;
	uint16_t port;
	bool     port_given;       /* false: the scheme's default */
	char     path[TARGET_PATH_MAX];   /* "/" when absent, no query */
	char     query[TARGET_PATH_MAX];  /* without '?', "" when none */
	char     normal[URL_MAX];  /* scheme://host:port/path?query */
};

/*
 * Splits s into its parts. A URL without "://" is taken as http. Only
 * http and https are fetched. On error returns -1 with msg set and *at,
 * *len the offset and length in s of the bad part (for a caret line).
 */
int	url_split(const char *s, struct url_parts *, char *msg, size_t msgsize,
	    size_t *at, size_t *len);

/* ---- the report: every layer's facts ---- */

enum url_layer {
	URL_LAYER_NONE,    /* nothing failed */
	URL_LAYER_URL,
	URL_LAYER_HOST,
	URL_LAYER_DOOR,
	URL_LAYER_SERVICE,
	URL_LAYER_HTTP,
};

struct url_addr {
	struct knock_addr a;
	bool              loopback;
	bool              local;     /* assigned to an interface here */
	struct knock_job  job;       /* the knock on host:port */
};

/* A listening socket of this machine, with its first holder. */
struct url_listener {
	char     addr[64];           /* "127.0.0.1", "::", "::1" */
	int      family;
	uint16_t port;
	int      v6only;             /* -1 unknown */
	pid_t    pid;                /* 0: no holder known */
	char     process[64];
	char     cwd[512];
	bool     same_dir;           /* cwd is door's cwd (or inside it) */
	bool     same_kind;          /* same process or service as the
					port's usual meaning */
};

/* A trap: a named reason with a sentence; kinds are door(1) JSON values. */
struct url_trap {
	const char *kind;            /* "ipv6_only", "not_http", ... */
	char        text[URL_TEXT_MAX];
};

struct url_hop {
	char     url[URL_MAX];
	char     connect_to[96];     /* "127.0.0.1:3000" or "" (resolver's) */
	long     status;             /* 0: no HTTP reply */
	char     location[URL_MAX];  /* the next hop's URL, "" */
	char     server[128];
	char     powered_by[128];
	char     content_type[128];
	int64_t  connect_us, first_byte_us, total_us;   /* -1 unknown */
	char     ip[64];             /* the address curl used */
	int      curl_code;          /* CURLcode; 0 ok */
	char     error[URL_TEXT_MAX];
	bool     cert_problem;
};

struct url_report {
	const char        *input;
	struct url_parts   u;
	struct target      t;
	/* layer 2 */
	struct url_addr    addrs[URL_ADDRS_MAX];
	size_t             naddrs;
	char               resolve_why[KNOCK_WHY_MAX];
	/* layer 3 */
	bool               local;        /* any address is this machine */
	bool               inventory;    /* the snapshot was read */
	struct url_listener on_port[URL_LISTEN_MAX];   /* on the URL's port */
	size_t             non_port;
	struct url_listener nearest[URL_NEAR_MAX];
	size_t             nnearest;
	bool               docker;       /* docker-proxy holds the port */
	char               docker_target[96];   /* "172.17.0.2:80" */
	struct knock_job   docker_job;
	bool               docker_knocked;
	int                open_addr;    /* index into addrs; -1 none open */
	/* layer 4 */
	bool               probed;
	struct probe_door  probe;
	/* layer 5 */
	struct url_hop     hops[URL_HOPS_MAX];
	size_t             nhops;
	bool               loop;
	bool               too_many_redirects;
	long               root_status;   /* -1: not asked */
	long               final_status;  /* 0: no HTTP answer */
	/* the verdict */
	enum url_layer     failed;
	char               verdict[URL_TEXT_MAX];
	struct url_trap    traps[URL_TRAPS_MAX];
	size_t             ntraps;
	char               notes[URL_NOTES_MAX][URL_TEXT_MAX];
	size_t             nnotes;
};

struct url_opts {
	uint32_t timeout_ms;     /* everything together; default 5000 */
	bool     insecure;       /* continue past certificate problems */
	bool     no_follow;      /* show the first answer only */
	int      max_redirs;     /* 5 */
};

/*
 * Runs every layer on r->u (already split): resolve, knock, the local
 * inventory, probe, HTTP. Fills the report and its verdict. Returns -1
 * (and e) only when the machine fails.
 */
int	url_diagnose(struct url_report *, const struct url_opts *,
	    struct door_err *);

/* ---- inventory.c: this machine's doors on the URL's port and its
 * nearest neighbours. Bounded by budget_ms even when the kernel or /proc
 * is slow (a machine with 10k listeners): what is not found by then is
 * left out, and a note says so. ---- */

void	url_inventory(struct url_report *, uint32_t budget_ms);

/* ---- fetch.c: one HTTP request with libcurl, no redirect followed ---- */

int	url_fetch_init(struct door_err *);
void	url_fetch_cleanup(void);
/*
 * GETs hop->url; connect_to ("HOST:PORT:ADDR:PORT" for CURLOPT_CONNECT_TO,
 * NULL none) pins the address. Fills the hop; never fails for what the
 * server does (that is hop->error), -1 only when curl cannot start.
 */
int	url_fetch(struct url_hop *hop, const char *connect_to, uint32_t ms,
	    bool insecure, struct door_err *);

const char	*url_layer_name(enum url_layer);

#endif
