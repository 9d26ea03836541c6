/* test-bindmsg.c - src/core/bindmsg.h on real error texts
 * (tests/fixtures/explain/, README.md there says where each came from). */
#include "core/bindmsg.h"
#include "unit.h"

struct want {
	const char *file;
	int         found;
	const char *tool;
	unsigned    port;
	const char *addr;
	unsigned    next_tried;
};

static const struct want corpus[] = {
	{ "node-any.txt", 1, "node", 38123, "::", 0 },
	{ "node-127.txt", 1, "node", 38123, "127.0.0.1", 0 },
	{ "next-explicit-port.txt", 1, "next", 3000, "::", 0 },
	{ "next.txt", 1, "next", 3000, "", 3001 },
	{ "vite-strict.txt", 1, "vite", 38123, "", 0 },
	{ "vite.txt", 1, "vite", 38123, "", 0 },
	{ "python-http-server.txt", 1, "python", 0, "", 0 },
	{ "uvicorn.txt", 1, "uvicorn", 38123, "127.0.0.1", 0 },
	{ "flask.txt", 1, "flask", 38123, "", 0 },
	{ "django.txt", 1, "django", 38123, "127.0.0.1", 0 },
	{ "go.txt", 1, "go", 8080, "", 0 },
	{ "java.txt", 1, "java", 0, "", 0 },
	{ "spring-boot.txt", 1, "spring", 8080, "", 0 },
	{ "rust.txt", 1, "rust", 0, "", 0 },
	{ "nginx.txt", 1, "nginx", 38123, "0.0.0.0", 0 },
	{ "postgres.txt", 1, "postgres", 38123, "127.0.0.1", 0 },
	{ "redis.txt", 1, "redis", 38123, "*", 0 },
	{ "docker.txt", 1, "docker", 8080, "0.0.0.0", 0 },
	{ "docker-userland.txt", 1, "docker", 8080, "0.0.0.0", 0 },
	{ "ruby-puma.txt", 1, "ruby", 3000, "127.0.0.1", 0 },
	{ "php.txt", 1, "php", 8000, "localhost", 0 },
	{ "no-bind-error.txt", 0, "unknown", 0, "", 0 },
};

TEST(fixture_corpus)
{
	for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
		const struct want *w = &corpus[i];
		char               rel[128];
		char              *data;
		size_t             len = 0;
		struct bindmsg     m;
		int                rc;

		snprintf(rel, sizeof rel, "explain/%s", w->file);
		data = unit_fixture(rel, &len);
		CHECK(data != NULL);
		if (data == NULL)
			continue;
		rc = bindmsg_parse(data, len, &m);
		printf("#   %s\n", w->file);
		CHECK_EQ_INT(rc, w->found ? 0 : -1);
		CHECK_STR(bindmsg_tool_key(m.tool), w->tool);
		CHECK_EQ_INT(m.port, w->port);
		CHECK_STR(m.addr, w->addr);
		CHECK_EQ_INT(m.next_tried, w->next_tried);
		free(data);
	}
}

static struct bindmsg
parse(const char *s)
{
	struct bindmsg m;

	(void)bindmsg_parse(s, strlen(s), &m);
	return m;
}

TEST(one_liners_from_the_docs)
{
	struct bindmsg m;

	m = parse("Error: listen EADDRINUSE :::3000");
	CHECK(m.found);
	CHECK_EQ_INT(m.port, 3000);
	CHECK_STR(m.addr, "::");
	m = parse("Error: listen EADDRINUSE 127.0.0.1:5000");
	CHECK_EQ_INT(m.port, 5000);
	CHECK_STR(m.addr, "127.0.0.1");
	m = parse("nginx: [emerg] bind() to [::]:80 failed (98: Address "
	    "already in use)");
	CHECK_STR(bindmsg_tool_key(m.tool), "nginx");
	CHECK_EQ_INT(m.port, 80);
	CHECK_STR(m.addr, "::");
	m = parse("listen tcp 127.0.0.1:9090: bind: address already in use");
	CHECK_STR(bindmsg_tool_key(m.tool), "go");
	CHECK_EQ_INT(m.port, 9090);
	CHECK_STR(m.addr, "127.0.0.1");
	m = parse("listen tcp [::1]:9090: bind: address already in use");
	CHECK_EQ_INT(m.port, 9090);
	CHECK_STR(m.addr, "::1");
	m = parse("OSError: [Errno 48] Address already in use");
	CHECK_STR(bindmsg_tool_key(m.tool), "python");
	CHECK_EQ_INT(m.port, 0);
	m = parse("Error: That port is already in use.");
	CHECK_STR(bindmsg_tool_key(m.tool), "django");
	CHECK_EQ_INT(m.port, 0);
	CHECK_EQ_INT(bindmsg_default_port(m.tool), 8000);
	m = parse("java.net.BindException: Address already in use\n"
	    "Caused by: Failed to bind to 0.0.0.0/0.0.0.0:8080");
	CHECK_STR(bindmsg_tool_key(m.tool), "java");
	CHECK_EQ_INT(m.port, 8080);
	CHECK_STR(m.addr, "0.0.0.0");
	m = parse("Error: Port 4200 is already in use. Use '--port' to "
	    "specify a different port.");
	CHECK(m.found);
	CHECK_EQ_INT(m.port, 4200);
	m = parse("thread 'main' panicked: Address already in use (os error "
	    "98)");
	CHECK_STR(bindmsg_tool_key(m.tool), "rust");
	m = parse("some daemon: bind: Address already in use on port 7000");
	CHECK(m.found);
	CHECK_STR(bindmsg_tool_key(m.tool), "unknown");
	CHECK_EQ_INT(m.port, 7000);
}

TEST(rejects_and_bounds)
{
	struct bindmsg m;

	CHECK_EQ_INT(bindmsg_parse("", 0, &m), -1);
	CHECK_EQ_INT(bindmsg_parse(NULL, 0, &m), -1);
	CHECK(!parse("connection refused on port 3000").found);
	CHECK(!parse("EADDRNOTAVAIL: cannot assign requested address").found);
	/* ports out of range or glued to more digits are not ports */
	m = parse("Error: listen EADDRINUSE :::70000");
	CHECK(m.found);
	CHECK_EQ_INT(m.port, 0);
	m = parse("Port 123456 is already in use");
	CHECK_EQ_INT(m.port, 0);
	m = parse("Error: listen EADDRINUSE :::0");
	CHECK_EQ_INT(m.port, 0);
	/* an address too long, or with bytes no address has, is dropped */
	m = parse("bind() to \x1b[31mevil:80 failed (98)");
	CHECK_STR(m.addr, "");
	/* length is honoured: nothing past len is read */
	CHECK_EQ_INT(bindmsg_parse("EADDRINUSE :::3000", 10, &m), 0);
	CHECK_EQ_INT(m.port, 0);
	CHECK_STR(bindmsg_tool_name(BM_TOOL_MAX), "a server");
}
