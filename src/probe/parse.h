/* parse.h - the pure reply parsers of door probe (house rule 3): bytes and
 * a length in, a record out. No system calls, no allocation, every read
 * bounds-checked; the driver (probe.c) owns all the I/O. */
#ifndef DOOR_PROBE_PARSE_H
#define DOOR_PROBE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_SERVICE_MAX	24
#define PROBE_PRODUCT_MAX	48
#define PROBE_VERSION_MAX	48
#define PROBE_DETAIL_MAX	128

/* What a parser says about the bytes so far. A prefix of a reply is MORE,
 * never NO, so the driver can call a parser after every recv(). */
enum probe_verdict {
	PV_NO = -1,     /* not this protocol */
	PV_MORE = 0,    /* could be; more bytes needed */
	PV_YES = 1,     /* identified: id filled */
};

/* Who answered. Text fields are NUL-terminated, printable ASCII only (any
 * other byte from the wire becomes '?'): untrusted, still escaped at the
 * output boundary. Empty means not revealed. */
struct probe_id {
	char service[PROBE_SERVICE_MAX];   /* "http", "redis", "ssh"... */
	char product[PROBE_PRODUCT_MAX];   /* "nginx", "Redis", "OpenSSH" */
	char version[PROBE_VERSION_MAX];   /* "1.22.1" */
	char detail[PROBE_DETAIL_MAX];     /* "auth required", "HTTP 200" */
};

void	probe_id_clear(struct probe_id *);

/* text.c: helpers the parsers share. */
/* Copies s[0..n) into dst (size > 0), cut to fit; bytes outside printable
 * ASCII become '?'. */
void	probe_copy(char *dst, size_t size, const char *s, size_t n);
/* Case-insensitive search of needle in hay[0..n); offset or SIZE_MAX. */
size_t	probe_find(const char *hay, size_t n, const char *needle);
/* The string value of the first "key": "value" in a JSON-ish text,
 * escapes left as they are; false when absent or unterminated. */
bool	probe_json_str(const char *s, size_t n, const char *key, char *out,
	    size_t size);

/* greeting.c: what a server says first, before any request.
 * SSH ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"), SMTP and FTP ("220 ..."),
 * POP3 ("+OK"), IMAP ("* OK"). port_hint (0: none) tells SMTP from FTP when
 * the 220 line names neither. */
int	probe_greeting_parse(const char *b, size_t n, uint16_t port_hint,
	    struct probe_id *);

/* mysql.c: the first packet of MySQL/MariaDB, the v10 handshake (version
 * string) or an error packet (host not allowed, too many connections). */
int	probe_mysql_parse(const uint8_t *b, size_t n, struct probe_id *);

/* http_head.c: a reply to GET / HTTP/1.1. */
struct probe_http {
	int    status;            /* 100-599 */
	char   server[128];       /* Server:, as sent (sanitised) */
	char   powered_by[64];    /* X-Powered-By: */
	size_t head_len;          /* bytes up to the blank line */
};
/* PV_MORE until the headers and the body (Content-Length, or at most
 * PROBE_HTTP_BODY_MAX bytes of it) are in; with closed (the server hung
 * up) whatever came is final. Identifies the product from headers and
 * body markers (Next.js, Express, Vite, Django, uvicorn, Werkzeug, nginx,
 * Apache, Jupyter, Ollama, Elasticsearch, openssl s_server -www, and
 * MongoDB's canned answer to HTTP, which makes the service "mongodb"). */
#define PROBE_HTTP_BODY_MAX	16384
int	probe_http_parse(const char *b, size_t n, bool closed,
	    struct probe_http *, struct probe_id *);
/* The request: GET PATH with Host, into buf; its length or -1. */
int	probe_http_request(char *buf, size_t size, const char *host,
	    const char *path);

/* ollama.c: Ollama's GET /api/version body {"version":"0.1.32"}. */
int	probe_ollama_parse(const char *body, size_t n, struct probe_id *);

/* resp.c: Redis. The reply to PING (+PONG, -NOAUTH..., -DENIED...). */
int	probe_resp_ping_parse(const char *b, size_t n, struct probe_id *);
/* The reply to INFO server: a bulk string holding redis_version:X. */
int	probe_resp_info_parse(const char *b, size_t n, struct probe_id *);
/* True when b looks like one RESP simple string or error line ("-ERR ...",
 * "+OK"): what Redis says to a request that was not meant for it. */
bool	probe_resp_looks(const char *b, size_t n);

/* pg.c: PostgreSQL. The SSLRequest to send (8 bytes) and its answer,
 * one byte 'S' or 'N'. */
#define PROBE_PG_SSLREQ_LEN	8
void	probe_pg_sslrequest(uint8_t out[PROBE_PG_SSLREQ_LEN]);
int	probe_pg_ssl_parse(const uint8_t *b, size_t n, bool *tls);
/* A StartupMessage for user and database "door"; its length or -1. */
int	probe_pg_startup(uint8_t *buf, size_t size);
/* The reply to it: ErrorResponse, an authentication request, or (trust
 * auth) AuthenticationOk and ParameterStatus server_version. */
int	probe_pg_parse(const uint8_t *b, size_t n, struct probe_id *);

/* tls.c: a ClientHello (TLS 1.0-1.3, no key share: a TLS 1.3 server
 * answers with a HelloRetryRequest, which is enough) and the answer. */
int	probe_tls_hello(uint8_t *buf, size_t size, const char *sni);
/* PV_YES for a ServerHello (version in id->version: "1.3") or an alert
 * (detail names it). */
int	probe_tls_parse(const uint8_t *b, size_t n, struct probe_id *);

/* memcached.c: "VERSION 1.6.18\r\n", the answer to "version\r\n". */
int	probe_memcached_parse(const char *b, size_t n, struct probe_id *);

/* mongo.c: MongoDB. hello and buildInfo, each {CMD: 1, $db: "admin"} in
 * an OP_MSG with the caller's request_id; the request's length, or -1
 * when size is too small. */
int	probe_mongo_hello(uint8_t *buf, size_t size, int32_t request_id);
int	probe_mongo_buildinfo(uint8_t *buf, size_t size, int32_t request_id);
/* The reply to hello: OP_MSG, or OP_REPLY from a server older than 3.6,
 * answering request_id. Any well-formed reply (a BSON document with ok,
 * or an old server's $err) is MongoDB: product "MongoDB" or "MongoDB
 * mongos", detail "standalone", "mongos", "replica set NAME, primary" (or
 * secondary, arbiter), or the server's errmsg when ok is 0. version is
 * only the release line that maxWireVersion implies ("7.0" for 21): the
 * wire protocol's, not the build's, so 7.0.2 and 7.0.14 both say "7.0",
 * and a wire version newer than door knows says nothing. buildInfo tells
 * the real version. */
int	probe_mongo_parse(const uint8_t *b, size_t n, int32_t request_id,
	    struct probe_id *);
/* The reply to buildInfo: version "7.0.14"; when the server wants a login
 * first (code 13, Unauthorized), no version and detail "auth required
 * for buildInfo". */
int	probe_mongo_buildinfo_parse(const uint8_t *b, size_t n,
	    int32_t request_id, struct probe_id *);

#endif
