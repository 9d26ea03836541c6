/* test-probe-parse.c - the pure parsers of src/probe on replies recorded
 * from real servers (tests/fixtures/probe), on every prefix of them, and
 * on hostile bytes written inline. */
#include "probe/parse.h"
#include "probe/probe.h"
#include "unit.h"

typedef int (*parser)(const char *, size_t, struct probe_id *);

static int
p_greeting(const char *b, size_t n, struct probe_id *id)
{
	int v = probe_mysql_parse((const uint8_t *)b, n, id);

	return v != PV_NO ? v : probe_greeting_parse(b, n, 0, id);
}

static int
p_http(const char *b, size_t n, struct probe_id *id)
{
	struct probe_http h;

	return probe_http_parse(b, n, false, &h, id);
}

static int
p_http_closed(const char *b, size_t n, struct probe_id *id)
{
	struct probe_http h;

	return probe_http_parse(b, n, true, &h, id);
}

static int
p_tls(const char *b, size_t n, struct probe_id *id)
{
	return probe_tls_parse((const uint8_t *)b, n, id);
}

static int
p_pg(const char *b, size_t n, struct probe_id *id)
{
	return probe_pg_parse((const uint8_t *)b, n, id);
}

/* The whole reply identifies; every shorter prefix is MORE (never NO):
 * the driver calls the parser after every recv(). */
static void
fixture(const char *rel, parser p, bool prefixes, const char *service,
    const char *product, const char *version)
{
	struct probe_id id;
	size_t          len = 0;
	char           *buf = unit_fixture(rel, &len);

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	CHECK_EQ_INT(p(buf, len, &id), PV_YES);
	CHECK_STR(id.service, service);
	CHECK_STR(id.product, product);
	CHECK_STR(id.version, version);
	for (size_t k = 0; prefixes && k < len; k++) {
		int v = p(buf, k, &id);

		if (v == PV_NO) {
			printf("#   %s: prefix of %zu bytes said NO\n", rel, k);
			CHECK(v != PV_NO);
			break;
		}
	}
	free(buf);
}

TEST(recorded_greetings)
{
	fixture("probe/openssh-greeting.bin", p_greeting, true, "ssh",
	    "OpenSSH", "9.2p1");
	fixture("probe/mariadb-greeting.bin", p_greeting, true, "mysql",
	    "MariaDB", "10.11.19");
}

TEST(recorded_http)
{
	fixture("probe/nginx-http.bin", p_http, true, "http", "nginx",
	    "1.22.1");
	fixture("probe/python-http.bin", p_http_closed, false, "http",
	    "Python http.server", "3.11.2");
	fixture("probe/flask-http.bin", p_http, true, "http",
	    "Werkzeug (Flask)", "2.2.2");
	fixture("probe/uvicorn-http.bin", p_http, true, "http", "uvicorn", "");
	fixture("probe/express-http.bin", p_http, true, "http", "Express", "");
	fixture("probe/vite-http.bin", p_http, true, "http", "Vite", "");
	if (unit_fixture_exists("probe/django-http.bin"))
		/* WSGIServer/0.2 CPython/3.11.2: Python's version, not
		 * Django's, so no version */
		fixture("probe/django-http.bin", p_http, true, "http", "Django",
		    "");
}

TEST(recorded_redis_memcached)
{
	fixture("probe/redis-ping.bin", probe_resp_ping_parse, true, "redis",
	    "Redis", "");
	fixture("probe/redis-info.bin", probe_resp_info_parse, true, "redis",
	    "Redis", "7.0.15");
	fixture("probe/memcached-version.bin", probe_memcached_parse, true,
	    "memcached", "memcached", "1.6.18");
}

TEST(recorded_pg_tls)
{
	size_t  len = 0;
	char   *b = unit_fixture("probe/pg-ssl.bin", &len);
	bool    tls = true;
	struct probe_id id;

	CHECK(b != NULL);
	if (b != NULL) {
		CHECK_EQ_INT(probe_pg_ssl_parse((uint8_t *)b, len, &tls), PV_YES);
		CHECK(!tls);
		free(b);
	}
	fixture("probe/pg-startup.bin", p_pg, true, "postgresql", "PostgreSQL",
	    "");
	b = unit_fixture("probe/pg-startup.bin", &len);
	if (b != NULL) {
		CHECK_EQ_INT(p_pg(b, len, &id), PV_YES);
		CHECK_STR(id.detail, "role \"door\" does not exist");
		free(b);
	}
	/* openssl s_server, TLS 1.3: a HelloRetryRequest */
	fixture("probe/openssl-tls.bin", p_tls, true, "tls", "TLS", "1.3");
}

/* POP3 and IMAP greet with one line of text and wait; "+OK" alone, or
 * more lines behind it, is RESP-looking junk (found by bench/probe.sh) */
TEST(greeting_pop3_imap)
{
	struct probe_id id;
	const char *pop = "+OK Dovecot (Debian) ready.\r\n";
	const char *imap = "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n";
	const char *junk = "+OK\r\n-ERR\r\n*1\r\n";
	const char *two = "+OK ready\r\n+OK again\r\n";

	CHECK_EQ_INT(probe_greeting_parse(pop, strlen(pop), 0, &id), PV_YES);
	CHECK_STR(id.service, "pop3");
	CHECK_EQ_INT(probe_greeting_parse(imap, strlen(imap), 0, &id), PV_YES);
	CHECK_STR(id.service, "imap");
	CHECK_EQ_INT(probe_greeting_parse(junk, strlen(junk), 0, &id), PV_NO);
	CHECK_EQ_INT(probe_greeting_parse("+OK\r\n", 5, 0, &id), PV_NO);
	CHECK_EQ_INT(probe_greeting_parse(two, strlen(two), 0, &id), PV_NO);
	CHECK_EQ_INT(probe_greeting_parse("* OK\r\n", 6, 0, &id), PV_NO);
	/* the line is not finished yet: wait for it */
	CHECK_EQ_INT(probe_greeting_parse(pop, 10, 0, &id), PV_MORE);
}

TEST(greeting_text)
{
	struct probe_id id;
	const char *smtp = "220 mail.example.org ESMTP Exim 4.96 Tue, 1 Jan\r\n";
	const char *ftp = "220 (vsFTPd 3.0.3)\r\n";
	const char *pre = "hello\r\nSSH-2.0-dropbear_2022.83\r\n";

	CHECK_EQ_INT(probe_greeting_parse(smtp, strlen(smtp), 0, &id), PV_YES);
	CHECK_STR(id.service, "smtp");
	CHECK_STR(id.product, "Exim");
	CHECK_STR(id.version, "4.96");
	CHECK_EQ_INT(probe_greeting_parse(ftp, strlen(ftp), 0, &id), PV_YES);
	CHECK_STR(id.service, "ftp");
	CHECK_STR(id.product, "vsFTPd");
	CHECK_STR(id.version, "3.0.3");
	CHECK_EQ_INT(probe_greeting_parse(pre, strlen(pre), 0, &id), PV_YES);
	CHECK_STR(id.product, "dropbear");
	CHECK_STR(id.version, "2022.83");
	/* garbage: a control byte in the first line */
	CHECK_EQ_INT(probe_greeting_parse("\x1b[31mhi\n", 8, 0, &id), PV_NO);
	/* text could still be lines before an SSH banner */
	CHECK_EQ_INT(probe_greeting_parse("GARBAGE!", 8, 0, &id), PV_MORE);
	CHECK_EQ_INT(probe_greeting_parse("GARB\x01", 5, 0, &id), PV_NO);
	/* hostile bytes in a banner never reach the record raw */
	CHECK_EQ_INT(probe_greeting_parse("SSH-2.0-x_\x7f\x80 y\r\n", 18, 0,
	    &id), PV_YES);
	CHECK_STR(id.version, "??");
}

TEST(resp_hostile)
{
	struct probe_id id;

	CHECK_EQ_INT(probe_resp_ping_parse("-NOAUTH Authentication required."
	    "\r\n", 34, &id), PV_YES);
	CHECK_STR(id.detail, "auth required");
	CHECK_EQ_INT(probe_resp_ping_parse("+PONG", 5, &id), PV_MORE);
	CHECK_EQ_INT(probe_resp_ping_parse("HTTP/1.1 400", 12, &id), PV_NO);
	/* a bulk length that lies: never read past the buffer */
	CHECK_EQ_INT(probe_resp_info_parse("$9999\r\nredis_version:1\r\n", 25,
	    &id), PV_MORE);
	CHECK_EQ_INT(probe_resp_info_parse("$-1\r\n", 5, &id), PV_NO);
	CHECK(probe_resp_looks("-ERR wrong number of arguments for 'get' "
	    "command\r\n", 51));
	CHECK(!probe_resp_looks("-\r\n", 3));
}

TEST(mysql_error_packet)
{
	static const char msg[] = "Host '10.0.0.2' is not allowed to connect "
	    "to this MariaDB server";
	uint8_t         err[128];
	struct probe_id id;

	/* length, sequence 0, 0xff, error 1130 */
	err[0] = (uint8_t)(sizeof msg - 1 + 3);
	err[1] = err[2] = err[3] = 0;
	err[4] = 0xff;
	err[5] = 0x6a;
	err[6] = 0x04;
	memcpy(err + 7, msg, sizeof msg - 1);
	CHECK_EQ_INT(probe_mysql_parse(err, 7 + sizeof msg - 1, &id), PV_YES);
	CHECK_STR(id.product, "MariaDB");
	/* a length beyond the packet limit is not MySQL */
	CHECK_EQ_INT(probe_mysql_parse((const uint8_t *)"\xff\xff\xff\x00\x0a",
	    5, &id), PV_NO);
}

TEST(tls_hello_and_alert)
{
	uint8_t         buf[512];
	int             n = probe_tls_hello(buf, sizeof buf, "localhost:443");
	struct probe_id id;

	CHECK(n > 50);
	CHECK_EQ_INT(buf[0], 0x16);
	CHECK_EQ_INT((buf[3] << 8 | buf[4]) + 5, n);
	CHECK_EQ_INT(probe_tls_hello(buf, 20, "x"), -1);
	CHECK_EQ_INT(probe_tls_parse((const uint8_t *)"\x15\x03\x03\x00\x02"
	    "\x02\x46", 7, &id), PV_YES);
	CHECK_STR(id.detail, "alert: protocol_version");
	/* a ServerHello longer than its record */
	CHECK_EQ_INT(probe_tls_parse((const uint8_t *)"\x16\x03\x03\x00\x04"
	    "\x02\x00\x00\x26", 9, &id), PV_NO);
}

TEST(http_markers)
{
	struct probe_http h;
	struct probe_id   id;
	const char *next = "HTTP/1.1 200 OK\r\nX-Powered-By: Next.js\r\n"
	    "Content-Length: 0\r\n\r\n";
	const char *body = "{\"version\":{\"number\":\"8.11.1\"},\"tagline\":"
	    "\"You Know, for Search\"}";
	char        es[256];
	const char *ol = "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n"
	    "Ollama is running";

	snprintf(es, sizeof es, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "\r\n%s", strlen(body), body);
	CHECK_EQ_INT(probe_http_parse(next, strlen(next), false, &h, &id),
	    PV_YES);
	CHECK_STR(id.product, "Next.js");
	CHECK_EQ_INT(probe_http_parse(es, strlen(es), false, &h, &id), PV_YES);
	CHECK_STR(id.product, "Elasticsearch");
	CHECK_STR(id.version, "8.11.1");
	CHECK_EQ_INT(probe_http_parse(ol, strlen(ol), false, &h, &id), PV_YES);
	CHECK_STR(id.product, "Ollama");
	CHECK_EQ_INT(probe_ollama_parse("{\"version\":\"0.1.32\"}", 20, &id),
	    PV_YES);
	CHECK_STR(id.version, "0.1.32");
}

/* openssl s_server -www over TLS, as probe_tls reads it through libcurl
 * (probe/https.c): HTTP/1.0, no Server header, no length, so it ends when
 * the server closes; its page starting with its own command line names
 * it. */
TEST(recorded_https_s_server)
{
	struct probe_http h;
	struct probe_id   id;
	size_t            len = 0;
	char             *b = unit_fixture("probe/s_server-https.bin", &len);
	const char       *other = "HTTP/1.1 200 OK\r\nContent-Length: 28\r\n"
	    "\r\n<pre>\n\ns_server -accept 4433";   /* a mention */

	fixture("probe/s_server-https.bin", p_http_closed, false, "http",
	    "OpenSSL s_server", "");
	CHECK(b != NULL);
	if (b != NULL) {
		CHECK_EQ_INT(probe_http_parse(b, len, true, &h, &id), PV_YES);
		CHECK_EQ_INT(h.status, 200);
		CHECK_STR(h.server, "");
		CHECK_STR(id.detail, "HTTP 200");
		/* until the server hangs up, every prefix may be more */
		for (size_t k = 0; k <= len; k++)
			if (probe_http_parse(b, k, false, &h, &id) != PV_MORE) {
				printf("#   prefix of %zu bytes was not MORE\n", k);
				CHECK(false);
				break;
			}
		free(b);
	}
	/* the marker is the page's start, not a mention of s_server */
	CHECK_EQ_INT(probe_http_parse(other, strlen(other), false, &h, &id),
	    PV_YES);
	CHECK_STR(id.product, "");
}

TEST(clues)
{
	CHECK_STR(probe_service_of_process("redis-server"), "redis");
	CHECK_STR(probe_service_of_known("postgresql"), "postgresql");
	CHECK_STR(probe_service_of_known("http-alt"), "http");
	CHECK(probe_service_of_process("") == NULL);
	CHECK(probe_service_of_process(NULL) == NULL);
}

/* mongod's canned reply to HTTP on its driver port names MongoDB: the
 * service is mongodb, not http (the text is mongod's, transport_layer) */
TEST(http_mongodb_native_port)
{
	struct probe_http h;
	struct probe_id   id;
	const char *r = "HTTP/1.0 200 OK\r\nConnection: close\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 85\r\n\r\n"
	    "It looks like you are trying to access MongoDB over HTTP on the "
	    "native driver port.\r\n";

	CHECK_EQ_INT(probe_http_parse(r, strlen(r), false, &h, &id), PV_YES);
	CHECK_STR(id.service, "mongodb");
	CHECK_STR(id.product, "MongoDB");
	/* the same words later in a page are only a page about MongoDB */
	r = "HTTP/1.0 200 OK\r\nContent-Length: 90\r\n\r\nA page: It looks "
	    "like you are trying to access MongoDB over HTTP on the native "
	    "driver port.";
	CHECK_EQ_INT(probe_http_parse(r, strlen(r), true, &h, &id), PV_YES);
	CHECK_STR(id.service, "http");
}
