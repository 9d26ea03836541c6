/* passive.c - recognise a server from its process name and command line.
 *
 * Pure: bytes in, a struct out. The command line is untrusted (any process
 * can write any bytes there, and many rewrite it: "nginx: master process",
 * "next-server (v14.2.3)"), so it is only ever read through (pointer,
 * length) tokens that cannot leave the buffer, and at most
 * PASSIVE_ARGS_MAX tokens are looked at.
 *
 * The order of the questions matters: forwarders first (docker-proxy, ssh
 * -L: the name of what they forward to is not theirs), then interpreters
 * (node, python, java...: the script or main class says what runs), then
 * programs known by their own name.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/passive.h"

struct tok {
	const char *p;
	size_t      n;
};

struct view {
	struct tok t[PASSIVE_ARGS_MAX];
	size_t     n;          /* t[0] is the program word, when any */
	struct tok comm;
	struct tok prog;       /* basename of t[0], a trailing ':' cut */
};

/* ---- tokens ---- */

static bool
tok_eq(struct tok a, const char *s)
{
	size_t l = strlen(s);

	return a.n == l && memcmp(a.p, s, l) == 0;
}

static bool
tok_starts(struct tok a, const char *s)
{
	size_t l = strlen(s);

	return a.n >= l && memcmp(a.p, s, l) == 0;
}

static bool
tok_ends(struct tok a, const char *s)
{
	size_t l = strlen(s);

	return a.n >= l && memcmp(a.p + a.n - l, s, l) == 0;
}

static bool
tok_has(struct tok a, const char *s)
{
	size_t l = strlen(s);

	if (l == 0 || a.n < l)
		return false;
	for (size_t i = 0; i + l <= a.n; i++)
		if (a.p[i] == s[0] && memcmp(a.p + i, s, l) == 0)
			return true;
	return false;
}

static struct tok
tok_base(struct tok a)
{
	for (size_t i = a.n; i > 0; i--)
		if (a.p[i - 1] == '/')
			return (struct tok){ a.p + i, a.n - i };
	return a;
}

/* "vite.js" -> "vite": script names are matched without their extension. */
static struct tok
tok_noext(struct tok a)
{
	static const char *const ext[] = { ".js", ".mjs", ".cjs", ".ts",
	    ".py", ".rb", ".jar", ".pyz" };

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (tok_ends(a, ext[i]) && a.n > strlen(ext[i]))
			return (struct tok){ a.p, a.n - strlen(ext[i]) };
	return a;
}

/* The kernel keeps 15 bytes of a name: "clickhouse-serv" is
 * "clickhouse-server" cut short. */
static bool
comm_is(struct tok comm, const char *name)
{
	return tok_eq(comm, name) || (comm.n == 15 && strlen(name) > 15 &&
	    memcmp(comm.p, name, 15) == 0);
}

static bool
is_prog(const struct view *v, const char *name)
{
	return tok_eq(v->prog, name) || comm_is(v->comm, name);
}

/* Index of the first token from `from` equal to s, or 0 (t[0] is the
 * program, never an argument). */
static size_t
find_eq(const struct view *v, size_t from, const char *s)
{
	for (size_t i = from ? from : 1; i < v->n; i++)
		if (tok_eq(v->t[i], s))
			return i;
	return 0;
}

static size_t
find_has(const struct view *v, size_t from, const char *s)
{
	for (size_t i = from ? from : 1; i < v->n; i++)
		if (tok_has(v->t[i], s))
			return i;
	return 0;
}

static void
view_add(struct view *v, const char *p, size_t n)
{
	if (n > 0 && v->n < PASSIVE_ARGS_MAX)
		v->t[v->n++] = (struct tok){ p, n };
}

/* argv[0] with spaces is a title the process wrote ("nginx: master process
 * nginx -c x"): its words are taken as arguments. Empty arguments (and the
 * NUL padding a rewritten title leaves) are skipped. */
static void
view_init(struct view *v, const char *comm, const char *cmd, size_t len)
{
	size_t i = 0, cl = 0;

	memset(v, 0, sizeof *v);
	if (comm != NULL)
		while (cl < 63 && comm[cl] != '\0')
			cl++;
	v->comm = (struct tok){ comm != NULL ? comm : "", cl };
	if (cmd == NULL)
		len = 0;
	while (i < len && v->n < PASSIVE_ARGS_MAX) {
		const char *a = cmd + i;
		size_t      n = 0;

		while (i + n < len && a[n] != '\0')
			n++;
		if (v->n == 0 && memchr(a, ' ', n) != NULL) {
			size_t w = 0;

			while (w < n) {
				size_t s = w;

				while (w < n && a[w] != ' ')
					w++;
				view_add(v, a + s, w - s);
				while (w < n && a[w] == ' ')
					w++;
			}
		} else
			view_add(v, a, n);
		i += n + 1;
	}
	if (v->n > 0)
		v->prog = tok_base(v->t[0]);
	else
		v->prog = v->comm;
	if (v->prog.n > 1 && v->prog.p[v->prog.n - 1] == ':')
		v->prog.n--;   /* "gunicorn: master [app]" */
}

/* ---- results ---- */

static void
copy_safe(char *dst, size_t size, struct tok s, const char *extra)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n && o + 1 < size; i++) {
		char c = s.p[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c != '\0' &&
		    strchr(extra, c) != NULL))
			dst[o++] = c;
		else {
			o = 0;   /* anything else: no version at all */
			break;
		}
	}
	dst[o] = '\0';
}

static void
set_version(struct passive_id *out, struct tok s)
{
	copy_safe(out->version, sizeof out->version, s, ".+-");
	/* a version starts with a digit */
	if (out->version[0] < '0' || out->version[0] > '9')
		out->version[0] = '\0';
}

static int
found(struct passive_id *out, const char *service, const char *product)
{
	out->service = service;
	out->product = product;
	return 1;
}

/* "5432" -> 5432; 0 for anything that is not a port. */
static uint16_t
tok_port(struct tok s)
{
	unsigned v = 0;

	if (s.n == 0 || s.n > 5)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (uint16_t)v : 0;
}

static void
set_forward(struct passive_id *out, struct tok host, struct tok port)
{
	char h[PASSIVE_DETAIL_MAX - 8];   /* room for ":65535" */

	out->forward_port = tok_port(port);
	copy_safe(h, sizeof h, host, ".:_-[]/");
	if (h[0] != '\0' && out->forward_port != 0)
		snprintf(out->detail, sizeof out->detail, "%s:%u", h,
		    out->forward_port);
	else if (h[0] != '\0')
		snprintf(out->detail, sizeof out->detail, "%s", h);
}

/* ---- forwarders ---- */

static int
docker_proxy(const struct view *v, struct passive_id *out)
{
	struct tok ip = { "", 0 }, port = { "", 0 };

	for (size_t i = 1; i + 1 < v->n; i++) {
		if (tok_eq(v->t[i], "-container-ip") ||
		    tok_eq(v->t[i], "--container-ip"))
			ip = v->t[i + 1];
		else if (tok_eq(v->t[i], "-container-port") ||
		    tok_eq(v->t[i], "--container-port"))
			port = v->t[i + 1];
	}
	set_forward(out, ip, port);
	return found(out, "", "Docker port forward");
}

/* ssh -L [bind:]port:host:hostport, -D [bind:]port: the local end of a
 * tunnel listens here; what it reaches is elsewhere. */
static int
ssh_client(const struct view *v, struct passive_id *out)
{
	for (size_t i = 1; i < v->n; i++) {
		struct tok a = v->t[i], spec;
		struct tok f[4];
		size_t     nf = 0, s = 0, depth = 0;

		if (tok_starts(a, "-D") || (a.n > 1 && a.p[0] == '-' &&
		    a.p[1] != '-' && a.p[a.n - 1] == 'D' && a.n <= 8))
			return found(out, "socks", "SSH SOCKS proxy (ssh -D)");
		if (!tok_starts(a, "-L"))
			continue;
		if (a.n > 2)
			spec = (struct tok){ a.p + 2, a.n - 2 };
		else if (i + 1 < v->n)
			spec = v->t[i + 1];
		else
			break;
		for (size_t j = 0; j <= spec.n && nf < 4; j++) {
			char c = j < spec.n ? spec.p[j] : ':';

			if (c == '[')
				depth++;
			else if (c == ']' && depth > 0)
				depth--;
			else if (c == ':' && depth == 0) {
				f[nf++] = (struct tok){ spec.p + s, j - s };
				s = j + 1;
			}
		}
		if (nf == 3)
			set_forward(out, f[1], f[2]);
		else if (nf == 4)
			set_forward(out, f[2], f[3]);
		return found(out, "", "SSH tunnel (ssh -L)");
	}
	return 0;
}

static int
kubectl(const struct view *v, struct passive_id *out)
{
	size_t pf = find_eq(v, 1, "port-forward");

	if (pf != 0) {
		/* kubectl port-forward svc/db 5432:5432 */
		for (size_t i = pf + 1; i < v->n; i++) {
			struct tok a = v->t[i];
			size_t     c;

			if (a.n == 0 || a.p[0] == '-')
				continue;
			for (c = 0; c < a.n && a.p[c] != ':'; c++)
				;
			if (c < a.n) {
				out->forward_port = tok_port((struct tok){
				    a.p + c + 1, a.n - c - 1 });
				break;
			}
			if (tok_port(a) == 0 && out->detail[0] == '\0')
				copy_safe(out->detail, sizeof out->detail, a,
				    "./_-");
			else if (tok_port(a) != 0) {
				out->forward_port = tok_port(a);
				break;
			}
		}
		return found(out, "", "kubectl port-forward");
	}
	if (find_eq(v, 1, "proxy") != 0)
		return found(out, "http", "kubectl proxy");
	return 0;
}

/* ---- interpreters ---- */

struct script_rule {
	const char *name;      /* script basename without extension */
	const char *arg;       /* also needs this argument, or NULL */
	const char *service;
	const char *product;
};

/* The first argument that is not an option: the script, or the module
 * after -m. `takes` lists the options that eat the next word. */
static size_t
script_index(const struct view *v, const char *const *takes, size_t ntakes,
    const char *const *subs, size_t nsubs)
{
	for (size_t i = 1; i < v->n; i++) {
		struct tok a = v->t[i];
		bool       eats = false;

		for (size_t k = 0; k < nsubs; k++)
			if (tok_eq(a, subs[k]))
				eats = true;   /* "bun run vite": skip "run" */
		if (eats)
			continue;
		if (a.p[0] != '-')
			return i;
		if (tok_eq(a, "--"))
			return i + 1 < v->n ? i + 1 : 0;
		for (size_t k = 0; k < ntakes; k++)
			if (tok_eq(a, takes[k]))
				eats = true;
		if (eats)
			i++;
	}
	return 0;
}

static int
match_script(const struct view *v, size_t si, struct tok name,
    const struct script_rule *r, size_t nr, struct passive_id *out)
{
	for (size_t k = 0; k < nr; k++) {
		if (!tok_eq(name, r[k].name))
			continue;
		if (r[k].arg != NULL && find_eq(v, si + 1, r[k].arg) == 0)
			continue;
		return found(out, r[k].service, r[k].product);
	}
	return 0;
}

static const struct script_rule js_rules[] = {
	{ "vite", "preview", "http", "Vite preview" },
	{ "vite", NULL, "http", "Vite" },
	{ "next", "dev", "http", "Next.js dev server" },
	{ "next", "start", "http", "Next.js" },
	{ "next", NULL, "http", "Next.js" },
	{ "react-scripts", "start", "http", "Create React App dev server" },
	{ "webpack-dev-server", NULL, "http", "webpack-dev-server" },
	{ "webpack", "serve", "http", "webpack-dev-server" },
	{ "nuxi", NULL, "http", "Nuxt" },
	{ "nuxt", NULL, "http", "Nuxt" },
	{ "astro", "preview", "http", "Astro preview" },
	{ "astro", NULL, "http", "Astro" },
	{ "remix-serve", NULL, "http", "Remix (remix-serve)" },
	{ "remix", NULL, "http", "Remix dev server" },
	{ "ng", "serve", "http", "Angular dev server (ng serve)" },
	{ "storybook", NULL, "http", "Storybook" },
	{ "start-storybook", NULL, "http", "Storybook" },
	{ "gatsby", NULL, "http", "Gatsby" },
	{ "docusaurus", NULL, "http", "Docusaurus" },
	{ "expo", NULL, "http", "Expo dev server" },
	{ "react-native", "start", "http", "React Native Metro" },
	{ "parcel", NULL, "http", "Parcel" },
	{ "http-server", NULL, "http", "http-server (npm)" },
	{ "live-server", NULL, "http", "live-server" },
	{ "browser-sync", NULL, "http", "Browsersync" },
	{ "json-server", NULL, "http", "json-server" },
	{ "serve", NULL, "http", "serve (npm)" },
	{ "wrangler", NULL, "http", "Cloudflare wrangler dev" },
	{ "strapi", NULL, "http", "Strapi" },
	{ "eleventy", NULL, "http", "Eleventy" },
	{ "svelte-kit", NULL, "http", "SvelteKit" },
};

/* Tools whose script is an index.js or cli.js: known by their path. */
static const struct {
	const char *path;
	const char *service;
	const char *product;
} js_paths[] = {
	{ "react-scripts/scripts/start", "http", "Create React App dev server" },
	{ "/next/dist/", "http", "Next.js" },
	{ "/@angular/cli/", "http", "Angular dev server (ng serve)" },
	{ "/@remix-run/serve/", "http", "Remix (remix-serve)" },
	{ "/@remix-run/dev/", "http", "Remix dev server" },
	{ "/storybook/bin/", "http", "Storybook" },
	{ "/@storybook/cli/", "http", "Storybook" },
	{ "/webpack-dev-server/", "http", "webpack-dev-server" },
	{ "/code-server/", "http", "code-server" },
	{ "/@expo/cli/", "http", "Expo dev server" },
};

static int
js_runtime(const struct view *v, const char *runtime, struct passive_id *out)
{
	static const char *const takes[] = { "-r", "--require", "--import",
	    "--loader", "--experimental-loader", "-C", "--conditions",
	    "--title", "--input-type", "--config", "-c" };
	static const char *const subs[] = { "run", "x", "exec", "serve",
	    "task" };
	size_t     si = script_index(v, takes, sizeof takes / sizeof takes[0],
	    subs, sizeof subs / sizeof subs[0]);
	struct tok s, name;

	if (si != 0) {
		s = v->t[si];
		/* deno run npm:vite@5 */
		if (tok_starts(s, "npm:") || tok_starts(s, "jsr:"))
			s = (struct tok){ s.p + 4, s.n - 4 };
		name = tok_noext(tok_base(s));
		for (size_t i = 1; i < name.n; i++)
			if (name.p[i] == '@') {   /* vite@5 */
				name.n = i;
				break;
			}
		if (match_script(v, si, name, js_rules,
		    sizeof js_rules / sizeof js_rules[0], out))
			return 1;
		for (size_t k = 0; k < sizeof js_paths / sizeof js_paths[0];
		    k++)
			if (tok_has(s, js_paths[k].path)) {
				if (k == 1 && find_eq(v, si + 1, "dev") != 0)
					return found(out, "http",
					    "Next.js dev server");
				return found(out, js_paths[k].service,
				    js_paths[k].product);
			}
	}
	/* Express leaves no trace of its own: only a name the user chose */
	for (size_t i = 1; i < v->n; i++)
		if (tok_has(tok_base(v->t[i]), "express"))
			return found(out, "http", "Express (named in its "
			    "command line)");
	if (runtime != NULL)
		return found(out, "", runtime);
	return 0;
}

static const struct script_rule py_rules[] = {
	{ "http.server", NULL, "http", "python http.server" },
	{ "SimpleHTTPServer", NULL, "http", "python SimpleHTTPServer" },
	{ "uvicorn", NULL, "http", "uvicorn" },
	{ "gunicorn", NULL, "http", "gunicorn" },
	{ "hypercorn", NULL, "http", "Hypercorn" },
	{ "daphne", NULL, "http", "Daphne" },
	{ "waitress-serve", NULL, "http", "Waitress" },
	{ "waitress", NULL, "http", "Waitress" },
	{ "flask", "run", "http", "Flask dev server (flask run)" },
	{ "fastapi", "dev", "http", "FastAPI dev server (fastapi dev)" },
	{ "fastapi", "run", "http", "FastAPI (fastapi run)" },
	{ "manage", "runserver", "http", "Django runserver" },
	{ "manage", "runserver_plus", "http", "Django runserver" },
	{ "django-admin", "runserver", "http", "Django runserver" },
	{ "django", "runserver", "http", "Django runserver" },
	{ "jupyter-lab", NULL, "http", "JupyterLab" },
	{ "jupyterlab", NULL, "http", "JupyterLab" },
	{ "jupyter-notebook", NULL, "http", "Jupyter Notebook" },
	{ "notebook", NULL, "http", "Jupyter Notebook" },
	{ "jupyter-server", NULL, "http", "Jupyter Server" },
	{ "jupyter_server", NULL, "http", "Jupyter Server" },
	{ "jupyter", "lab", "http", "JupyterLab" },
	{ "jupyter", "notebook", "http", "Jupyter Notebook" },
	{ "jupyter", "server", "http", "Jupyter Server" },
	{ "ipykernel_launcher", NULL, "zmq", "Jupyter kernel" },
	{ "streamlit", "run", "http", "Streamlit" },
	{ "gradio", NULL, "http", "Gradio" },
	{ "mkdocs", "serve", "http", "MkDocs" },
	{ "mlflow", NULL, "http", "MLflow" },
	{ "tensorboard", NULL, "http", "TensorBoard" },
	{ "debugpy", NULL, "dap", "debugpy" },
	{ "vllm", NULL, "http", "vLLM" },
	{ "chroma", "run", "http", "Chroma" },
	{ "open-webui", NULL, "http", "Open WebUI" },
	{ "litellm", NULL, "http", "LiteLLM proxy" },
	{ "localstack", NULL, "http", "LocalStack" },
};

static int
python(const struct view *v, struct passive_id *out)
{
	static const char *const takes[] = { "-X", "-W", "-Q",
	    "--check-hash-based-pycs" };
	struct tok name = { "", 0 };
	size_t     si = 0;

	/* python [options] (-m MODULE | SCRIPT | -c CODE) [args] */
	for (size_t i = 1; i < v->n && si == 0; i++) {
		struct tok a = v->t[i];
		bool       eats = false;

		if (tok_eq(a, "-c"))
			break;
		if (tok_eq(a, "-m") && i + 1 < v->n) {
			si = i + 1;
			name = v->t[si];
		} else if (tok_starts(a, "-m") && a.n > 2) {
			si = i;   /* -mhttp.server */
			name = (struct tok){ a.p + 2, a.n - 2 };
		} else if (a.p[0] != '-') {
			si = i;
			name = tok_noext(tok_base(a));
		}
		for (size_t k = 0; k < sizeof takes / sizeof takes[0]; k++)
			eats |= tok_eq(a, takes[k]);
		if (eats)
			i++;
	}
	/* -m uvicorn.main, -m vllm.entrypoints.openai.api_server */
	if (si != 0 && !tok_eq(name, "http.server"))
		for (size_t i = 0; i < name.n; i++)
			if (name.p[i] == '.') {
				name.n = i;
				break;
			}
	if (si != 0 && match_script(v, si, name, py_rules,
	    sizeof py_rules / sizeof py_rules[0], out))
		return 1;
	if (find_has(v, 1, "ComfyUI/main.py") != 0)
		return found(out, "http", "ComfyUI");
	if (find_has(v, 1, "stable-diffusion-webui") != 0)
		return found(out, "http", "Stable Diffusion web UI");
	if (find_has(v, 1, "text-generation-webui") != 0)
		return found(out, "http", "text-generation-webui");
	return 0;
}

static const struct script_rule rb_rules[] = {
	{ "rails", "server", "http", "Rails server" },
	{ "rails", "s", "http", "Rails server" },
	{ "puma", NULL, "http", "Puma" },
	{ "jekyll", "serve", "http", "Jekyll" },
	{ "jekyll", "s", "http", "Jekyll" },
	{ "rackup", NULL, "http", "Rack (rackup)" },
	{ "thin", NULL, "http", "Thin" },
	{ "unicorn", NULL, "http", "Unicorn" },
	{ "falcon", NULL, "http", "Falcon" },
};

static int
ruby(const struct view *v, struct passive_id *out)
{
	static const char *const takes[] = { "-I", "-r", "-C", "-E" };
	size_t     si = script_index(v, takes, sizeof takes / sizeof takes[0],
	    NULL, 0);
	struct tok name;

	if (find_eq(v, 1, "-run") != 0 && find_eq(v, 1, "httpd") != 0)
		return found(out, "http", "Ruby httpd (ruby -run -e httpd)");
	if (si == 0)
		return 0;
	name = tok_noext(tok_base(v->t[si]));
	if (tok_eq(name, "bundle")) {   /* bundle exec rails server */
		size_t e = find_eq(v, si + 1, "exec");

		if (e == 0 || e + 1 >= v->n)
			return 0;
		si = e + 1;
		name = tok_noext(tok_base(v->t[si]));
	}
	return match_script(v, si, name, rb_rules,
	    sizeof rb_rules / sizeof rb_rules[0], out);
}

static int
java(const struct view *v, struct passive_id *out)
{
	/* Most specific first: Spring Boot apps carry an embedded Tomcat. */
	static const struct {
		const char *mark;
		const char *service;
		const char *product;
	} marks[] = {
		{ "org.elasticsearch.bootstrap.Elasticsearch", "http",
		    "Elasticsearch" },
		{ "org.opensearch.bootstrap.OpenSearch", "http", "OpenSearch" },
		{ "org.apache.cassandra.service.CassandraDaemon", "cql",
		    "Apache Cassandra" },
		{ "org.apache.zookeeper.server", "zookeeper", "ZooKeeper" },
		{ "org.neo4j", "bolt", "Neo4j" },
		{ "com.neo4j", "bolt", "Neo4j" },
		{ "org.apache.solr", "http", "Apache Solr" },
		{ "keycloak", "http", "Keycloak" },
		{ "jenkins.war", "http", "Jenkins" },
		{ "org.gradle.launcher.daemon", "", "Gradle daemon" },
		{ "KotlinCompileDaemon", "", "Kotlin compile daemon" },
		{ "org.springframework.boot", "http", "Spring Boot" },
		{ "/spring-boot-", "http", "Spring Boot" },
		{ "org.apache.catalina.startup.Bootstrap", "http",
		    "Apache Tomcat" },
		{ "org.eclipse.jetty", "http", "Jetty" },
		{ "jetty.home", "http", "Jetty" },
		{ "quarkus-run.jar", "http", "Quarkus" },
		{ "io.quarkus", "http", "Quarkus" },
	};

	if (find_eq(v, 1, "kafka.Kafka") != 0)
		return found(out, "kafka", "Apache Kafka");
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
		if (find_has(v, 1, marks[k].mark) != 0)
			return found(out, marks[k].service, marks[k].product);
	return 0;
}

static int
beam(const struct view *v, struct passive_id *out)
{
	if (find_eq(v, 1, "rabbit") != 0 || find_has(v, 1, "rabbitmq") != 0)
		return found(out, "amqp", "RabbitMQ");
	if (find_has(v, 1, "couchdb") != 0)
		return found(out, "http", "CouchDB");
	if (find_has(v, 1, "phx.server") != 0)
		return found(out, "http", "Phoenix");
	if (find_has(v, 1, "emqx") != 0)
		return found(out, "mqtt", "EMQX");
	if (find_has(v, 1, "ejabberd") != 0)
		return found(out, "xmpp", "ejabberd");
	return 0;
}

static int
php(const struct view *v, struct passive_id *out)
{
	/* php -S 127.0.0.1:8000 [router.php]; artisan serve runs exactly
	 * that with Laravel's router */
	for (size_t i = 1; i < v->n; i++)
		if (tok_starts(v->t[i], "-S"))
			return found(out, "http", find_has(v, i, "laravel") ?
			    "Laravel (artisan serve)" : "PHP built-in server");
	return 0;
}

/* ---- programs known by their own name ---- */

enum ver { VER_NONE, VER_PG_PATH, VER_NEXT_TITLE, VER_NEXT_WORD,
    VER_SUFFIX };

struct prog_rule {
	const char *name;
	const char *arg;       /* also needs this argument, or NULL */
	const char *service;
	const char *product;
	enum ver    ver;
	bool        prefix;    /* name is a prefix: "php-fpm8.2" */
};

static const struct prog_rule progs[] = {
	{ "postgres", NULL, "postgresql", "PostgreSQL", VER_PG_PATH, false },
	{ "postmaster", NULL, "postgresql", "PostgreSQL", VER_PG_PATH, false },
	{ "redis-server", NULL, "redis", "Redis", VER_NONE, false },
	{ "redis-sentinel", NULL, "redis", "Redis Sentinel", VER_NONE, false },
	{ "valkey-server", NULL, "redis", "Valkey", VER_NONE, false },
	{ "keydb-server", NULL, "redis", "KeyDB", VER_NONE, false },
	{ "mariadbd", NULL, "mysql", "MariaDB", VER_NONE, false },
	{ "mysqld", NULL, "mysql", "MySQL / MariaDB", VER_NONE, false },
	{ "memcached", NULL, "memcached", "memcached", VER_NONE, false },
	{ "mongod", NULL, "mongodb", "MongoDB", VER_NONE, false },
	{ "mongos", NULL, "mongodb", "MongoDB router (mongos)", VER_NONE,
	    false },
	{ "nginx", NULL, "http", "nginx", VER_NONE, false },
	{ "apache2", NULL, "http", "Apache httpd", VER_NONE, false },
	{ "httpd", NULL, "http", "Apache httpd", VER_NONE, false },
	{ "lighttpd", NULL, "http", "lighttpd", VER_NONE, false },
	{ "caddy", NULL, "http", "Caddy", VER_NONE, false },
	{ "traefik", NULL, "http", "Traefik", VER_NONE, false },
	{ "haproxy", NULL, "http", "HAProxy", VER_NONE, false },
	{ "envoy", NULL, "http", "Envoy", VER_NONE, false },
	{ "sshd", NULL, "ssh", "OpenSSH sshd", VER_NONE, false },
	{ "dropbear", NULL, "ssh", "Dropbear SSH", VER_NONE, false },
	{ "ollama", "runner", "http", "Ollama model runner", VER_NONE, false },
	{ "ollama", NULL, "http", "Ollama", VER_NONE, false },
	{ "llama-server", NULL, "http", "llama.cpp server", VER_NONE, false },
	{ "koboldcpp", NULL, "http", "KoboldCpp", VER_NONE, false },
	{ "lms", NULL, "http", "LM Studio server", VER_NONE, false },
	{ "php-fpm", NULL, "fastcgi", "PHP-FPM", VER_SUFFIX, true },
	{ "minio", NULL, "http", "MinIO", VER_NONE, false },
	{ "dockerd", NULL, "docker", "Docker Engine", VER_NONE, false },
	{ "rootlessport", NULL, "", "Podman port forward", VER_NONE, false },
	{ "pasta", NULL, "", "Podman port forward (pasta)", VER_NONE, false },
	{ "cupsd", NULL, "ipp", "CUPS", VER_NONE, false },
	{ "cups-browsed", NULL, "ipp", "CUPS browsing", VER_NONE, false },
	{ "avahi-daemon", NULL, "mdns", "Avahi", VER_NONE, false },
	{ "systemd-resolved", NULL, "dns", "systemd-resolved", VER_NONE,
	    false },
	{ "dnsmasq", NULL, "dns", "dnsmasq", VER_NONE, false },
	{ "named", NULL, "dns", "BIND", VER_NONE, false },
	{ "unbound", NULL, "dns", "Unbound", VER_NONE, false },
	{ "chronyd", NULL, "ntp", "chrony", VER_NONE, false },
	{ "ntpd", NULL, "ntp", "ntpd", VER_NONE, false },
	{ "rpcbind", NULL, "rpcbind", "rpcbind", VER_NONE, false },
	{ "smbd", NULL, "smb", "Samba", VER_NONE, false },
	{ "nmbd", NULL, "netbios-ns", "Samba nmbd", VER_NONE, false },
	{ "exim4", NULL, "smtp", "Exim", VER_NONE, false },
	{ "exim", NULL, "smtp", "Exim", VER_NONE, false },
	{ "dovecot", NULL, "imap", "Dovecot", VER_NONE, false },
	{ "vsftpd", NULL, "ftp", "vsftpd", VER_NONE, false },
	{ "rsync", "--daemon", "rsync", "rsync daemon", VER_NONE, false },
	{ "squid", NULL, "http-proxy", "Squid", VER_NONE, false },
	{ "tor", NULL, "socks", "Tor", VER_NONE, false },
	{ "openvpn", NULL, "openvpn", "OpenVPN", VER_NONE, false },
	{ "tailscaled", NULL, "wireguard", "Tailscale", VER_NONE, false },
	{ "cloudflared", NULL, "http", "cloudflared", VER_NONE, false },
	{ "ngrok", NULL, "http", "ngrok", VER_NONE, false },
	{ "etcd", NULL, "etcd", "etcd", VER_NONE, false },
	{ "consul", NULL, "http", "HashiCorp Consul", VER_NONE, false },
	{ "vault", NULL, "http", "HashiCorp Vault", VER_NONE, false },
	{ "nomad", NULL, "http", "HashiCorp Nomad", VER_NONE, false },
	{ "prometheus", NULL, "http", "Prometheus", VER_NONE, false },
	{ "node_exporter", NULL, "http", "Prometheus node_exporter",
	    VER_NONE, false },
	{ "alertmanager", NULL, "http", "Prometheus Alertmanager", VER_NONE,
	    false },
	{ "grafana", NULL, "http", "Grafana", VER_NONE, false },
	{ "grafana-server", NULL, "http", "Grafana", VER_NONE, false },
	{ "loki", NULL, "http", "Grafana Loki", VER_NONE, false },
	{ "otelcol", NULL, "otlp", "OpenTelemetry collector", VER_NONE,
	    true },
	{ "jaeger", NULL, "http", "Jaeger", VER_NONE, true },
	{ "influxd", NULL, "http", "InfluxDB", VER_NONE, false },
	{ "clickhouse-server", NULL, "clickhouse", "ClickHouse", VER_NONE,
	    false },
	{ "clickhouse", "server", "clickhouse", "ClickHouse", VER_NONE,
	    false },
	{ "qdrant", NULL, "http", "Qdrant", VER_NONE, false },
	{ "meilisearch", NULL, "http", "Meilisearch", VER_NONE, false },
	{ "typesense-server", NULL, "http", "Typesense", VER_NONE, false },
	{ "nats-server", NULL, "nats", "NATS", VER_NONE, false },
	{ "mosquitto", NULL, "mqtt", "Mosquitto", VER_NONE, false },
	{ "cockroach", NULL, "postgresql", "CockroachDB", VER_NONE, false },
	{ "epmd", NULL, "epmd", "Erlang port mapper (epmd)", VER_NONE,
	    false },
	{ "kube-apiserver", NULL, "https", "Kubernetes API server",
	    VER_NONE, false },
	{ "kubelet", NULL, "https", "Kubernetes kubelet", VER_NONE, false },
	{ "k3s", NULL, "https", "k3s", VER_NONE, false },
	{ "gitea", NULL, "http", "Gitea", VER_NONE, false },
	{ "mailpit", NULL, "smtp", "Mailpit", VER_NONE, false },
	{ "MailHog", NULL, "smtp", "MailHog", VER_NONE, false },
	{ "pocketbase", NULL, "http", "PocketBase", VER_NONE, false },
	{ "hugo", NULL, "http", "Hugo server", VER_NONE, false },
	{ "symfony", NULL, "http", "Symfony local server", VER_NONE, false },
	{ "workerd", NULL, "http", "Cloudflare workerd (wrangler dev)",
	    VER_NONE, false },
	{ "esbuild", NULL, "http", "esbuild serve", VER_NONE, false },
	{ "adb", NULL, "adb", "Android Debug Bridge", VER_NONE, false },
	{ "dlv", NULL, "dap", "Delve (Go debugger)", VER_NONE, false },
	{ "Xvnc", NULL, "vnc", "TigerVNC", VER_NONE, false },
	{ "x11vnc", NULL, "vnc", "x11vnc", VER_NONE, false },
	{ "xrdp", NULL, "rdp", "xrdp", VER_NONE, false },
	{ "code-server", NULL, "http", "code-server", VER_NONE, false },
	/* titles Node programs give themselves (process.title) */
	{ "next-server", NULL, "http", "Next.js", VER_NEXT_TITLE, false },
	{ "next-router-worker", NULL, "http", "Next.js", VER_NONE, false },
	{ "ng", "serve", "http", "Angular dev server (ng serve)", VER_NONE,
	    false },
	/* titles Python and Ruby servers set (setproctitle) */
	{ "gunicorn", NULL, "http", "gunicorn", VER_NONE, false },
	{ "uvicorn", NULL, "http", "uvicorn", VER_NONE, false },
	{ "puma", NULL, "http", "Puma", VER_NEXT_WORD, false },
	{ "unicorn", NULL, "http", "Unicorn", VER_NONE, false },
	{ "jupyter-lab", NULL, "http", "JupyterLab", VER_NONE, false },
	{ "jupyter-notebook", NULL, "http", "Jupyter Notebook", VER_NONE,
	    false },
	{ "streamlit", NULL, "http", "Streamlit", VER_NONE, false },
};

static void
prog_version(const struct view *v, const struct prog_rule *r,
    struct tok name, struct passive_id *out)
{
	switch (r->ver) {
	case VER_PG_PATH:
		/* /usr/lib/postgresql/15/bin/postgres (Debian, Ubuntu) */
		if (v->n > 0 && tok_has(v->t[0], "/postgresql/") &&
		    tok_ends(v->t[0], "/bin/postgres")) {
			struct tok t = v->t[0];
			size_t     at = 0, end;

			for (size_t i = 0; i + 12 <= t.n; i++)
				if (memcmp(t.p + i, "/postgresql/", 12) == 0)
					at = i + 12;
			for (end = at; end < t.n && t.p[end] != '/'; end++)
				;
			if (at > 0)
				set_version(out, (struct tok){ t.p + at,
				    end - at });
		}
		break;
	case VER_NEXT_TITLE:
		/* next-server (v14.2.3) */
		for (size_t i = 1; i < v->n; i++)
			if (tok_starts(v->t[i], "(v") &&
			    tok_ends(v->t[i], ")") && v->t[i].n > 3) {
				set_version(out, (struct tok){ v->t[i].p + 2,
				    v->t[i].n - 3 });
				break;
			}
		break;
	case VER_NEXT_WORD:
		/* puma 6.4.2 (tcp://0.0.0.0:3000) [app] */
		if (v->n > 1)
			set_version(out, v->t[1]);
		break;
	case VER_SUFFIX:
		/* php-fpm8.2, as the process or as the kernel names it */
		if (name.n == strlen(r->name) && tok_starts(v->comm, r->name))
			name = v->comm;
		if (name.n > strlen(r->name))
			set_version(out, (struct tok){ name.p +
			    strlen(r->name), name.n - strlen(r->name) });
		break;
	case VER_NONE:
		break;
	}
}

static int
program(const struct view *v, struct tok name, struct passive_id *out)
{
	for (size_t k = 0; k < sizeof progs / sizeof progs[0]; k++) {
		const struct prog_rule *r = &progs[k];

		if (!(r->prefix ? tok_starts(name, r->name) :
		    tok_eq(name, r->name) || (name.p == v->comm.p &&
		    comm_is(name, r->name))))
			continue;
		if (r->arg != NULL && find_eq(v, 1, r->arg) == 0)
			continue;
		prog_version(v, r, name, out);
		return found(out, r->service, r->product);
	}
	return 0;
}

/* ---- the whole question ---- */

/* The interpreter a process runs, from a name: NULL when none. */
static int
interpreter(const struct view *v, struct tok p, struct passive_id *out)
{
	if (tok_eq(p, "node") || tok_eq(p, "nodejs"))
		return js_runtime(v, NULL, out);
	if (tok_eq(p, "bun") || tok_eq(p, "bunx"))
		return js_runtime(v, "Bun", out);
	if (tok_eq(p, "deno"))
		return js_runtime(v, "Deno", out);
	if (tok_starts(p, "python") || tok_starts(p, "pypy"))
		return python(v, out);
	if (tok_starts(p, "ruby"))
		return ruby(v, out);
	if (tok_eq(p, "java"))
		return java(v, out);
	if (tok_starts(p, "php") && !tok_starts(p, "php-fpm"))
		return php(v, out);
	if (tok_eq(p, "beam.smp") || tok_eq(p, "beam"))
		return beam(v, out);
	return -1;
}

static int
identify(const struct view *v, struct passive_id *out)
{
	struct tok p = v->prog;
	int        r;

	if (is_prog(v, "docker-proxy"))
		return docker_proxy(v, out);
	if (tok_eq(p, "ssh") || (v->n == 0 && tok_eq(v->comm, "ssh")))
		return ssh_client(v, out);
	if (is_prog(v, "kubectl"))
		return kubectl(v, out);
	/* postfix's master is too common a word to be a rule of its own */
	if (tok_eq(p, "master") && v->n > 0 && tok_has(v->t[0], "postfix"))
		return found(out, "smtp", "Postfix");
	/* argv[0] first: it is what was run, or the title the process
	 * chose ("next-server (v14.2.3)", "gunicorn: master [app]") */
	if (v->n > 0 && program(v, p, out))
		return 1;
	if ((r = interpreter(v, p, out)) >= 0)
		return r;
	/* then the kernel's name: "flask" for a #! script run by python,
	 * "php-fpm8.2", a name cut at 15 bytes */
	if ((r = interpreter(v, v->comm, out)) >= 0)
		return r;
	return program(v, v->comm, out);
}

int
passive_identify(const char *comm, const char *cmdline, size_t cmdline_len,
    struct passive_id *out)
{
	struct view v;
	int         r;

	memset(out, 0, sizeof *out);
	out->service = "";
	out->product = "";
	view_init(&v, comm, cmdline, cmdline_len);
	r = identify(&v, out);
	if (r == 0) {
		memset(out, 0, sizeof *out);
		out->service = "";
		out->product = "";
	}
	return r;
}

int
passive_label(const struct passive_id *id, char *buf, size_t size)
{
	if (id->detail[0] != '\0')
		return snprintf(buf, size, "%s to %s", id->product, id->detail);
	if (id->version[0] != '\0')
		return snprintf(buf, size, "%s %s", id->product, id->version);
	return snprintf(buf, size, "%s", id->product);
}

const char *
id_confidence_name(enum id_confidence c)
{
	switch (c) {
	case ID_USUALLY:
		return "usually";
	case ID_PROCESS:
		return "process";
	case ID_PROBE:
		return "probe";
	case ID_NONE:
		break;
	}
	return "";
}

int
id_describe(char *buf, size_t size, enum id_confidence c, const char *what)
{
	if (what == NULL || what[0] == '\0' || c == ID_NONE)
		return snprintf(buf, size, "%s", "");
	if (c == ID_USUALLY)
		return snprintf(buf, size, "usually %s", what);
	return snprintf(buf, size, "%s (%s)", what, id_confidence_name(c));
}
