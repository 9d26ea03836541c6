/* bindmsg.c - the "address already in use" errors of real tools, read.
 *
 * Each tool words the error its own way (tests/fixtures/explain/ has one
 * real text per tool, with where it came from). The rules below go from
 * the most specific words to the most generic, so Spring Boot's
 * "Port 8080 was already in use" wins over the java.net.BindException
 * printed with it, and Ruby's Errno::EADDRINUSE is not taken for Node's
 * EADDRINUSE. Every search is case-insensitive and bounded by the text.
 */
#include <string.h>

#include "core/bindmsg.h"

#define NPOS ((size_t)-1)

struct text {
	const char *s;
	size_t      n;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* First offset >= from of needle, case-insensitive; NPOS when absent. */
static size_t
find(const struct text *t, size_t from, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0 || from > t->n || t->n - from < nl)
		return NPOS;
	for (size_t i = from; i + nl <= t->n; i++) {
		size_t k = 0;

		while (k < nl && lower((unsigned char)t->s[i + k]) ==
		    lower((unsigned char)needle[k]))
			k++;
		if (k == nl)
			return i;
	}
	return NPOS;
}

static bool
has(const struct text *t, const char *needle)
{
	return find(t, 0, needle) != NPOS;
}

static bool
digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A port (1-65535) of at most 5 digits at [i, n), not glued to more
 * digits on either side; its end in *end. */
static uint16_t
port_at(const struct text *t, size_t i, size_t *end)
{
	uint32_t v = 0;
	size_t   j = i;

	if (i > 0 && i <= t->n && digit((unsigned char)t->s[i - 1]))
		return 0;
	while (j < t->n && digit((unsigned char)t->s[j]) && j - i < 6) {
		v = v * 10 + (uint32_t)(t->s[j] - '0');
		j++;
	}
	if (j == i || j - i > 5 || (j < t->n && digit((unsigned char)t->s[j]))
	    || v == 0 || v > 65535)
		return 0;
	if (end != NULL)
		*end = j;
	return (uint16_t)v;
}

/* The port whose digits end right before offset `at` ("Port 3000 is in
 * use": at points at " is"). */
static uint16_t
port_before(const struct text *t, size_t at)
{
	size_t i = at;

	while (i > 0 && at - i < 5 && digit((unsigned char)t->s[i - 1]))
		i--;
	return i < at ? port_at(t, i, NULL) : 0;
}

static bool
addr_char(int c)
{
	return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '.' || c == ':' || c == '*' || c == '%' || c == '_' ||
	    c == '-';
}

/* Copies an address if every byte may be part of one. */
static bool
set_addr(struct bindmsg *m, const char *a, size_t n)
{
	if (n >= sizeof m->addr)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!addr_char((unsigned char)a[i]))
			return false;
	memcpy(m->addr, a, n);
	m->addr[n] = '\0';
	return true;
}

/*
 * "ADDR:PORT" starting at i: 127.0.0.1:3000, :::3000 (Node's "::" and a
 * port), [::]:80, *:6379, :8080, 0.0.0.0/0.0.0.0:8080 (Java's
 * InetSocketAddress). The token ends at a blank, quote or bracket that
 * cannot belong to it; trailing ':' '.' ',' ')' are not part of it.
 */
static bool
hostport_at(const struct text *t, size_t i, struct bindmsg *m)
{
	size_t      j = i, colon = NPOS, start = i;
	const char *s = t->s;
	uint16_t    port;
	size_t      pend;

	while (j < t->n && j - i < 128 && (addr_char((unsigned char)s[j]) ||
	    s[j] == '[' || s[j] == ']' || s[j] == '/'))
		j++;
	while (j > i && (s[j - 1] == ':' || s[j - 1] == '.' || s[j - 1] == '/' ||
	    s[j - 1] == '-'))
		j--;
	for (size_t k = i; k < j; k++) {
		if (s[k] == '/')
			start = k + 1;
		if (s[k] == ':')
			colon = k;
	}
	if (colon == NPOS || colon < start)
		return false;
	port = port_at(t, colon + 1, &pend);
	if (port == 0 || pend != j)
		return false;
	if (colon > start && s[start] == '[' && s[colon - 1] == ']') {
		if (!set_addr(m, s + start + 1, colon - start - 2))
			return false;
	} else if (!set_addr(m, s + start, colon - start))
		return false;
	m->port = port;
	return true;
}

/* A quoted address: "127.0.0.1" or '127.0.0.1' at i (the quote). */
static size_t
quoted_addr(const struct text *t, size_t i, struct bindmsg *m)
{
	char   q;
	size_t j;

	if (i >= t->n || (t->s[i] != '"' && t->s[i] != '\''))
		return NPOS;
	q = t->s[i];
	for (j = i + 1; j < t->n && j - i < BINDMSG_ADDR_MAX; j++)
		if (t->s[j] == q)
			break;
	if (j >= t->n || t->s[j] != q || !set_addr(m, t->s + i + 1, j - i - 1))
		return NPOS;
	return j + 1;
}

/* "port 5432", "port: 5432", "port=5432", "port '5432'" anywhere after
 * `from`: the last resort when the error line itself has no port. */
static uint16_t
port_word(const struct text *t, size_t from)
{
	for (size_t i = find(t, from, "port"); i != NPOS;
	    i = find(t, i + 4, "port")) {
		size_t j = i + 4;

		if (i > 0 && ((t->s[i - 1] >= 'a' && t->s[i - 1] <= 'z') ||
		    (t->s[i - 1] >= 'A' && t->s[i - 1] <= 'Z')))
			continue;    /* "export", "support" */
		while (j < t->n && j - i < 8 && (t->s[j] == ' ' ||
		    t->s[j] == ':' || t->s[j] == '=' || t->s[j] == '\'' ||
		    t->s[j] == '"'))
			j++;
		if (j > i + 4) {
			uint16_t p = port_at(t, j, NULL);

			if (p != 0)
				return p;
		}
	}
	return 0;
}

/* Python's address tuple: ('127.0.0.1', 8000) or ('::1', 8000, 0, 0). */
static bool
tuple_at(const struct text *t, size_t i, struct bindmsg *m)
{
	size_t   j = quoted_addr(t, i, m);
	uint16_t p;

	if (j == NPOS || j + 2 > t->n || t->s[j] != ',')
		return false;
	j++;
	while (j < t->n && t->s[j] == ' ')
		j++;
	p = port_at(t, j, NULL);
	if (p == 0)
		return false;
	m->port = p;
	return true;
}

static void
tool(struct bindmsg *m, enum bindmsg_tool k)
{
	m->found = true;
	m->tool = k;
}

/* "Port N <phrase>" lines: Next.js, Vite, Spring Boot, Werkzeug. */
static bool
port_phrases(const struct text *t, struct bindmsg *m)
{
	size_t i;

	if ((i = find(t, 0, " is in use, trying ")) != NPOS) {
		size_t   j = i + strlen(" is in use, trying ");
		uint16_t p = port_before(t, i);

		if (p != 0) {
			m->port = p;
			m->next_tried = port_at(t, j, NULL);
			tool(m, m->next_tried != 0 ? BM_NEXT : BM_VITE);
			return true;
		}
	}
	if ((i = find(t, 0, " was already in use")) != NPOS &&
	    port_before(t, i) != 0) {
		m->port = port_before(t, i);
		tool(m, BM_SPRING);
		return true;
	}
	if ((i = find(t, 0, " is in use by another program")) != NPOS &&
	    port_before(t, i) != 0) {
		m->port = port_before(t, i);
		tool(m, BM_FLASK);
		return true;
	}
	if ((i = find(t, 0, " is already in use")) != NPOS &&
	    port_before(t, i) != 0) {
		m->port = port_before(t, i);
		tool(m, has(t, "vite") || has(t, "dev server") ? BM_VITE :
		    BM_UNKNOWN);
		return true;
	}
	return false;
}

/* Servers whose error line names the address in words of their own. */
static bool
server_lines(const struct text *t, struct bindmsg *m)
{
	size_t i;

	if ((i = find(t, 0, "error while attempting to bind on address ")) !=
	    NPOS) {
		tool(m, BM_UVICORN);
		i += strlen("error while attempting to bind on address ");
		if (i < t->n && t->s[i] == '(')
			(void)tuple_at(t, i + 1, m);
		return true;
	}
	if ((i = find(t, 0, "bind() to ")) != NPOS &&
	    find(t, i, "failed") != NPOS) {
		tool(m, BM_NGINX);
		(void)hostport_at(t, i + strlen("bind() to "), m);
		return true;
	}
	if ((i = find(t, 0, "could not create server tcp listening socket "))
	    != NPOS) {
		tool(m, BM_REDIS);
		(void)hostport_at(t, i + strlen("could not create server tcp "
		    "listening socket "), m);
		return true;
	}
	if ((i = find(t, 0, "could not bind ipv")) != NPOS ||
	    has(t, "another postmaster")) {
		tool(m, BM_POSTGRES);
		if (i != NPOS && (i = find(t, i, "address ")) != NPOS)
			(void)quoted_addr(t, i + strlen("address "), m);
		return true;
	}
	if ((i = find(t, 0, "bind for ")) != NPOS &&
	    has(t, "port is already allocated")) {
		tool(m, BM_DOCKER);
		(void)hostport_at(t, i + strlen("bind for "), m);
		return true;
	}
	if ((i = find(t, 0, "bind(2) for ")) != NPOS) {
		size_t j;

		tool(m, BM_RUBY);
		j = quoted_addr(t, i + strlen("bind(2) for "), m);
		if (j != NPOS && (j = find(t, j, "port ")) != NPOS)
			m->port = port_at(t, j + 5, NULL);
		return true;
	}
	if ((i = find(t, 0, "failed to listen on ")) != NPOS) {
		tool(m, BM_PHP);
		(void)hostport_at(t, i + strlen("failed to listen on "), m);
		return true;
	}
	if (has(t, "that port is already in use")) {
		tool(m, BM_DJANGO);
		/* the error has no port; the banner before it may:
		 * "Starting development server at http://127.0.0.1:8000/" */
		if ((i = find(t, 0, "development server at ")) != NPOS &&
		    (i = find(t, i, "://")) != NPOS)
			(void)hostport_at(t, i + 3, m);
		return true;
	}
	return false;
}

/* Go's net errors ("listen tcp :8080: bind: address already in use"),
 * which Docker's userland proxy prints too. */
static bool
go_listen(const struct text *t, struct bindmsg *m)
{
	static const char *const pre[] = { "listen tcp4 ", "listen tcp6 ",
	    "listen tcp ", "listen udp4 ", "listen udp6 ", "listen udp " };

	for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
		size_t i = find(t, 0, pre[k]);

		if (i == NPOS || find(t, i, "address already in use") == NPOS)
			continue;
		tool(m, has(t, "userland proxy") || has(t, "docker") ||
		    has(t, "error response from daemon") ? BM_DOCKER : BM_GO);
		(void)hostport_at(t, i + strlen(pre[k]), m);
		return true;
	}
	return false;
}

/* Node: "listen EADDRINUSE: address already in use :::3000", older
 * "listen EADDRINUSE 127.0.0.1:3000"; the error object adds "port: 3000". */
static bool
node(const struct text *t, struct bindmsg *m)
{
	size_t i = find(t, 0, "EADDRINUSE");
	size_t j;

	if (i == NPOS || has(t, "errno::eaddrinuse"))
		return false;
	tool(m, has(t, "next dev") || has(t, "next-server") ||
	    has(t, "next.js") || has(t, "/next/") ? BM_NEXT :
	    has(t, "vite") ? BM_VITE : BM_NODE);
	j = i + strlen("EADDRINUSE");
	if (j < t->n && t->s[j] == ':') {
		size_t k = find(t, j, "address already in use ");

		if (k == j + 2)
			j = k + strlen("address already in use ");
		else
			j++;
	}
	while (j < t->n && t->s[j] == ' ')
		j++;
	(void)hostport_at(t, j, m);
	return true;
}

/* Errors with the errno and nothing else of the tool's: Java, Rust,
 * Python, and the generic words any tool may print. */
static bool
generic(const struct text *t, struct bindmsg *m)
{
	size_t i;

	if (has(t, "java.net.BindException")) {
		tool(m, BM_JAVA);
		/* Tomcat "Connector[HTTP/1.1-8080]", Netty/Jetty
		 * "Failed to bind to 0.0.0.0/0.0.0.0:8080" */
		if ((i = find(t, 0, "failed to bind to ")) != NPOS)
			(void)hostport_at(t, i + strlen("failed to bind to "),
			    m);
		if (m->port == 0 && (i = find(t, 0, "connector[")) != NPOS) {
			size_t j = find(t, i, "]");

			if (j != NPOS && j - i < 40)
				m->port = port_before(t, j);
		}
		return true;
	}
	if (has(t, "AddrInUse") || has(t, "(os error 98)") ||
	    has(t, "(os error 48)") || has(t, "(os error 10048)")) {
		tool(m, BM_RUST);
		return true;
	}
	if (has(t, "[errno 98]") || has(t, "[errno 48]") ||
	    has(t, "[winerror 10048]")) {
		tool(m, BM_PYTHON);
		/* a traceback may show the tuple: bind(('', 8000)) */
		for (i = find(t, 0, "(('"); i != NPOS && m->port == 0;
		    i = find(t, i + 3, "(('"))
			(void)tuple_at(t, i + 2, m);
		if (m->port == 0)
			m->addr[0] = '\0';
		return true;
	}
	if (has(t, "address already in use") || has(t, "address in use") ||
	    has(t, "port is already allocated") ||
	    has(t, "only one usage of each socket address")) {
		tool(m, BM_UNKNOWN);
		return true;
	}
	return false;
}

int
bindmsg_parse(const char *s, size_t len, struct bindmsg *m)
{
	struct text t = { s, len > BINDMSG_MAX ? BINDMSG_MAX : len };

	memset(m, 0, sizeof *m);
	if (s == NULL)
		return -1;
	if (!port_phrases(&t, m) && !server_lines(&t, m) &&
	    !go_listen(&t, m) && !node(&t, m) && !generic(&t, m)) {
		memset(m, 0, sizeof *m);
		return -1;
	}
	/* the error line had no port: another line may ("Is another
	 * postmaster already running on port 5432?") */
	if (m->port == 0)
		m->port = port_word(&t, 0);
	return 0;
}

static const struct {
	const char *key, *name;
	uint16_t    port;
} tools[BM_TOOL_MAX] = {
	[BM_UNKNOWN] = { "unknown", "a server", 0 },
	[BM_NODE] = { "node", "Node.js", 0 },
	[BM_NEXT] = { "next", "Next.js", 3000 },
	[BM_VITE] = { "vite", "Vite", 5173 },
	[BM_PYTHON] = { "python", "Python", 0 },
	[BM_UVICORN] = { "uvicorn", "uvicorn", 8000 },
	[BM_FLASK] = { "flask", "Flask (Werkzeug)", 5000 },
	[BM_DJANGO] = { "django", "Django runserver", 8000 },
	[BM_GO] = { "go", "Go", 0 },
	[BM_JAVA] = { "java", "Java", 0 },
	[BM_SPRING] = { "spring", "Spring Boot", 8080 },
	[BM_RUST] = { "rust", "Rust", 0 },
	[BM_NGINX] = { "nginx", "nginx", 80 },
	[BM_POSTGRES] = { "postgres", "PostgreSQL", 5432 },
	[BM_REDIS] = { "redis", "Redis", 6379 },
	[BM_DOCKER] = { "docker", "Docker", 0 },
	[BM_RUBY] = { "ruby", "Ruby (Rails/Puma)", 3000 },
	[BM_PHP] = { "php", "PHP built-in server", 0 },
};

const char *
bindmsg_tool_key(enum bindmsg_tool k)
{
	return (unsigned)k < BM_TOOL_MAX ? tools[k].key : "unknown";
}

const char *
bindmsg_tool_name(enum bindmsg_tool k)
{
	return (unsigned)k < BM_TOOL_MAX ? tools[k].name : "a server";
}

uint16_t
bindmsg_default_port(enum bindmsg_tool k)
{
	return (unsigned)k < BM_TOOL_MAX ? tools[k].port : 0;
}
