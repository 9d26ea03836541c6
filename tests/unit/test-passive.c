/* test-passive.c - src/core/passive.h: recognising a server from its
 * process name and command line.
 *
 * Lines marked "captured" were read from /proc/PID/{comm,cmdline} of real
 * listeners on the Debian 12 machine this was written on (npx vite 5,
 * next 14.2.35 dev, python3 -m http.server, flask run, redis-server,
 * postgres 15, nginx, sshd, mariadbd, memcached). The others are typical
 * command lines as the tools' docs show them; argv is what matters, so
 * their paths are examples. */
#include "core/passive.h"
#include "unit.h"

/* A C string literal with embedded NULs: its size less the final NUL. */
#define ARGV(s) (s), (sizeof(s) - 1)

static struct passive_id id;

static int
ident(const char *comm, const char *cmd, size_t len)
{
	return passive_identify(comm, cmd, len, &id);
}

#define CHECK_ID(comm, cmd, want_service, want_product) do {		\
	CHECK_EQ_INT(ident((comm), ARGV(cmd)), 1);			\
	CHECK_STR(id.service, (want_service));				\
	CHECK_STR(id.product, (want_product));				\
} while (0)

TEST(captured_node)
{
	/* npx vite --port 45173 --strictPort */
	CHECK_ID("node", "node\0/tmp/pcap/node_modules/.bin/vite\0--port\0"
	    "45173\0--strictPort\0", "http", "Vite");
	CHECK_STR(id.version, "");
	/* npx next dev: the parent, then the child that holds the socket
	 * (it retitles itself; the kernel keeps 15 bytes of the name) */
	CHECK_ID("node", "node\0/tmp/pcap/nx/node_modules/.bin/next\0dev\0"
	    "-p\00043000\0", "http", "Next.js dev server");
	CHECK_ID("next-server (v1", "next-server (v14.2.35)\0\0\0\0\0\0\0\0",
	    "http", "Next.js");
	CHECK_STR(id.version, "14.2.35");
}

TEST(captured_python)
{
	CHECK_ID("python3", "/usr/bin/python3\0-m\0http.server\00045801\0",
	    "http", "python http.server");
	CHECK_ID("python3", "/root/.pyenv/versions/3.11.7/bin/python3\0-m\0"
	    "http.server\00045800\0--bind\000127.0.0.1\0", "http",
	    "python http.server");
	CHECK_ID("python3", "/root/.pyenv/versions/3.11.7/bin/python3\0-m\0"
	    "flask\0run\0--port\00045500\0", "http",
	    "Flask dev server (flask run)");
	/* a #! script: the kernel names it after the script */
	CHECK_ID("flask", "/root/.pyenv/versions/3.11.7/bin/python\0"
	    "/root/.pyenv/versions/3.11.7/bin/flask\0run\0--port\00045501\0",
	    "http", "Flask dev server (flask run)");
}

TEST(captured_daemons)
{
	CHECK_ID("redis-server", "redis-server *:46379\0\0\0\0\0\0\0\0\0\0",
	    "redis", "Redis");
	CHECK_ID("postgres", "/usr/lib/postgresql/15/bin/postgres\0-D\0"
	    "/tmp/door-test.swrFV4/pg.giTPY8/data\0-p\00045432\0-k\0"
	    "/tmp/door-test.swrFV4/pg.giTPY8/sock\0-c\0"
	    "listen_addresses=127.0.0.1\0", "postgresql", "PostgreSQL");
	CHECK_STR(id.version, "15");
	CHECK_ID("nginx", "nginx: master process nginx -e /tmp/x/error.log "
	    "-p /tmp/x -c /tmp/x/nginx.conf\0", "http", "nginx");
	CHECK_ID("nginx", "nginx: worker process\0\0\0\0\0\0\0\0\0\0\0\0",
	    "http", "nginx");
	CHECK_ID("sshd", "sshd: /usr/sbin/sshd -D -p 42222 -h /tmp/pcap/"
	    "hostkey -o ListenAddress=127.0.0.1 [listener] 0 of 10-100 "
	    "startups\0", "ssh", "OpenSSH sshd");
	CHECK_ID("mariadbd", "/usr/sbin/mariadbd\0--no-defaults\0"
	    "--datadir=/tmp/pcap/my\0--user=root\0--port=43306\0", "mysql",
	    "MariaDB");
	CHECK_ID("memcached", "memcached\0-u\0nobody\0-p\00041211\0-l\0"
	    "127.0.0.1\0", "memcached", "memcached");
}

TEST(typical_node_tools)
{
	CHECK_ID("node", "node\0/app/node_modules/.bin/vite\0preview\0",
	    "http", "Vite preview");
	CHECK_ID("node", "/usr/bin/node\0/app/node_modules/react-scripts/"
	    "scripts/start.js\0", "http", "Create React App dev server");
	CHECK_ID("node", "node\0/app/node_modules/.bin/webpack\0serve\0"
	    "--mode\0development\0", "http", "webpack-dev-server");
	CHECK_ID("node", "node\0/app/node_modules/.bin/webpack-dev-server\0",
	    "http", "webpack-dev-server");
	CHECK_ID("node", "node\0/app/node_modules/nuxi/bin/nuxi.mjs\0dev\0",
	    "http", "Nuxt");
	CHECK_ID("node", "node\0/app/node_modules/.bin/astro\0dev\0", "http",
	    "Astro");
	CHECK_ID("node", "node\0/app/node_modules/.bin/remix-serve\0"
	    "./build/index.js\0", "http", "Remix (remix-serve)");
	CHECK_ID("node", "node\0/app/node_modules/.bin/remix\0dev\0", "http",
	    "Remix dev server");
	/* Angular's CLI retitles itself "ng ARGS" */
	CHECK_ID("ng serve --por", "ng serve --port 4200\0", "http",
	    "Angular dev server (ng serve)");
	CHECK_ID("node", "node\0/app/node_modules/@angular/cli/bin/ng.js\0"
	    "serve\0", "http", "Angular dev server (ng serve)");
	CHECK_ID("node", "node\0/app/node_modules/.bin/storybook\0dev\0-p\0"
	    "6006\0", "http", "Storybook");
	CHECK_ID("node", "node\0--inspect\0express-server.js\0", "http",
	    "Express (named in its command line)");
	CHECK_ID("node", "node\0-r\0dotenv/config\0/app/node_modules/.bin/"
	    "vite\0", "http", "Vite");
	/* a plain node script says nothing: the process name is enough */
	CHECK_EQ_INT(ident("node", ARGV("node\0server.js\0")), 0);
	CHECK_STR(id.product, "");
	CHECK_ID("bun", "bun\0run\0/app/node_modules/.bin/vite\0", "http",
	    "Vite");
	CHECK_ID("bun", "bun\0server.ts\0", "", "Bun");
	CHECK_ID("deno", "deno\0run\0-A\0npm:vite@5\0", "http", "Vite");
	CHECK_ID("deno", "deno\0serve\0main.ts\0", "", "Deno");
}

TEST(typical_python)
{
	CHECK_ID("python", "python\0manage.py\0runserver\0", "http",
	    "Django runserver");
	CHECK_ID("python3", "/venv/bin/python3\0/venv/bin/uvicorn\0main:app\0"
	    "--reload\0", "http", "uvicorn");
	CHECK_ID("python3", "python3\0-m\0uvicorn\0main:app\0", "http",
	    "uvicorn");
	CHECK_ID("gunicorn", "gunicorn: master [app:app]\0", "http",
	    "gunicorn");
	CHECK_ID("python3", "/venv/bin/python3\0/venv/bin/jupyter-lab\0",
	    "http", "JupyterLab");
	CHECK_ID("python3", "/venv/bin/python3\0/venv/bin/jupyter\0notebook\0",
	    "http", "Jupyter Notebook");
	CHECK_ID("python3", "/venv/bin/python\0/venv/bin/streamlit\0run\0"
	    "app.py\0", "http", "Streamlit");
	CHECK_ID("python3", "python3\0-m\0gradio\0app.py\0", "http", "Gradio");
	CHECK_ID("python3", "python3\0-mhttp.server\0", "http",
	    "python http.server");
	CHECK_ID("python3", "python3\0-u\0-m\0ipykernel_launcher\0-f\0"
	    "/root/.local/share/jupyter/runtime/kernel-1.json\0", "zmq",
	    "Jupyter kernel");
	CHECK_ID("python", "python\0/home/ana/ComfyUI/main.py\0--listen\0",
	    "http", "ComfyUI");
	/* flask without run is not the dev server; -c is code, not a tool */
	CHECK_EQ_INT(ident("python3", ARGV("python3\0-m\0flask\0shell\0")), 0);
	CHECK_EQ_INT(ident("python3", ARGV("python3\0-c\0import uvicorn\0")),
	    0);
}

TEST(typical_others)
{
	CHECK_ID("java", "/usr/bin/java\0-Xms1g\0-cp\0/opt/es/lib/*\0"
	    "org.elasticsearch.bootstrap.Elasticsearch\0", "http",
	    "Elasticsearch");
	CHECK_ID("java", "java\0-Dcatalina.base=/opt/tomcat\0-classpath\0"
	    "/opt/tomcat/bin/bootstrap.jar\0"
	    "org.apache.catalina.startup.Bootstrap\0start\0", "http",
	    "Apache Tomcat");
	CHECK_ID("java", "java\0-cp\0/build/libs/x.jar:/home/a/.gradle/spring-"
	    "boot-3.2.0.jar\0com.example.App\0", "http", "Spring Boot");
	CHECK_ID("java", "java\0-jar\0/opt/jetty/start.jar\0"
	    "-Djetty.home=/opt/jetty\0", "http", "Jetty");
	CHECK_EQ_INT(ident("java", ARGV("java\0-jar\0app.jar\0")), 0);
	CHECK_ID("ruby", "puma 6.4.2 (tcp://localhost:3000) [shop]\0", "http",
	    "Puma");
	CHECK_STR(id.version, "6.4.2");
	CHECK_ID("ruby", "ruby\0bin/rails\0server\0", "http", "Rails server");
	CHECK_ID("ruby", "ruby\0/usr/bin/bundle\0exec\0rails\0s\0", "http",
	    "Rails server");
	CHECK_ID("php", "php\0-S\0localhost:8000\0", "http",
	    "PHP built-in server");
	CHECK_ID("php8.2", "/usr/bin/php8.2\0-S\0127.0.0.1:8000\0/app/vendor/"
	    "laravel/framework/src/Illuminate/Foundation/resources/server.php\0",
	    "http", "Laravel (artisan serve)");
	CHECK_ID("php-fpm8.2", "php-fpm: master process (/etc/php/8.2/fpm/"
	    "php-fpm.conf)\0\0\0", "fastcgi", "PHP-FPM");
	CHECK_STR(id.version, "8.2");
	CHECK_ID("beam.smp", "/usr/lib/erlang/erts-13.1.5/bin/beam.smp\0-W\0w"
	    "\0--\0-root\0/usr/lib/erlang\0--\0-noshell\0-s\0rabbit\0boot\0",
	    "amqp", "RabbitMQ");
	CHECK_ID("ollama", "/usr/local/bin/ollama\0serve\0", "http", "Ollama");
	CHECK_ID("caddy", "caddy\0run\0--config\0Caddyfile\0", "http",
	    "Caddy");
	CHECK_ID("traefik", "traefik\0--api.insecure=true\0", "http",
	    "Traefik");
	CHECK_ID("minio", "minio\0server\0/data\0--console-address\0:9001\0",
	    "http", "MinIO");
	CHECK_ID("mongod", "/usr/bin/mongod\0--config\0/etc/mongod.conf\0",
	    "mongodb", "MongoDB");
	CHECK_ID("apache2", "/usr/sbin/apache2\0-k\0start\0", "http",
	    "Apache httpd");
	CHECK_ID("mysqld", "/usr/sbin/mysqld\0", "mysql", "MySQL / MariaDB");
	CHECK_ID("clickhouse-serv", "/usr/bin/clickhouse-server\0--config\0"
	    "/etc/clickhouse-server/config.xml\0", "clickhouse", "ClickHouse");
	/* a kernel-cut name with no command line (a zombie, say) */
	CHECK_ID("clickhouse-serv", "", "clickhouse", "ClickHouse");
}

TEST(forwarders)
{
	CHECK_ID("docker-proxy", "/usr/bin/docker-proxy\0-proto\0tcp\0"
	    "-host-ip\0000.0.0.0\0-host-port\0005432\0-container-ip\0"
	    "172.17.0.2\0-container-port\0005432\0", "", "Docker port forward");
	CHECK_STR(id.detail, "172.17.0.2:5432");
	CHECK_EQ_UINT(id.forward_port, 5432);
	CHECK_ID("ssh", "ssh\0-N\0-L\0005432:db.internal:5432\0bastion\0", "",
	    "SSH tunnel (ssh -L)");
	CHECK_STR(id.detail, "db.internal:5432");
	CHECK_EQ_UINT(id.forward_port, 5432);
	CHECK_ID("ssh", "ssh\0-L127.0.0.1:8080:[::1]:80\0host\0", "",
	    "SSH tunnel (ssh -L)");
	CHECK_STR(id.detail, "[::1]:80");
	CHECK_ID("kubectl", "kubectl\0port-forward\0svc/db\0005432:5432\0", "",
	    "kubectl port-forward");
	CHECK_STR(id.detail, "svc/db");
	CHECK_EQ_UINT(id.forward_port, 5432);
	/* a hostile container address is dropped, not copied */
	CHECK_ID("docker-proxy", "docker-proxy\0-container-ip\0\x1b[31m\0"
	    "-container-port\0abc\0", "", "Docker port forward");
	CHECK_STR(id.detail, "");
	CHECK_EQ_UINT(id.forward_port, 0);
}

TEST(hostile)
{
	static char big[200000];
	char        one = 'x';

	CHECK_EQ_INT(passive_identify(NULL, NULL, 0, &id), 0);
	CHECK_STR(id.product, "");
	CHECK_STR(id.service, "");
	CHECK_EQ_INT(passive_identify("", "", 0, &id), 0);
	/* not NUL-terminated: exactly one byte, read as one */
	CHECK_EQ_INT(passive_identify(NULL, &one, 1, &id), 0);
	/* a name matched only within its length */
	CHECK_EQ_INT(ident("node", ARGV("node\0/x/vite")), 1);
	CHECK_EQ_INT(ident("node", "node\0/x/vitest", 12), 1);
	CHECK_STR(id.product, "Vite");
	/* many arguments: bounded, still answers */
	memset(big, 0, sizeof big);
	memcpy(big, "java", 4);
	CHECK_EQ_INT(passive_identify("java", big, sizeof big, &id), 0);
	for (size_t i = 0; i + 2 < sizeof big; i += 2)
		big[i] = ' ';
	CHECK_EQ_INT(passive_identify("x", big, sizeof big, &id), 0);
	/* versions only from plain characters */
	CHECK_ID("next-server (v1", "next-server (v1\x1b[2J)\0", "http",
	    "Next.js");
	CHECK_STR(id.version, "");
	CHECK_ID("ruby", "puma -C config/puma.rb\0", "http", "Puma");
	CHECK_STR(id.version, "");
	/* a comm that is not NUL-terminated within 64 bytes */
	memset(big, 'a', 100);
	big[100] = '\0';
	CHECK_EQ_INT(passive_identify(big, NULL, 0, &id), 0);
}

TEST(labels)
{
	char b[128];

	CHECK_EQ_INT(ident("next-server (v1", ARGV("next-server (v14.2.35)\0")),
	    1);
	passive_label(&id, b, sizeof b);
	CHECK_STR(b, "Next.js 14.2.35");
	CHECK_EQ_INT(ident("docker-proxy", ARGV("docker-proxy\0-container-ip\0"
	    "172.17.0.2\0-container-port\0" "80\0")), 1);
	passive_label(&id, b, sizeof b);
	CHECK_STR(b, "Docker port forward to 172.17.0.2:80");
	id_describe(b, sizeof b, ID_USUALLY, "React / Next.js dev server");
	CHECK_STR(b, "usually React / Next.js dev server");
	id_describe(b, sizeof b, ID_PROCESS, "Vite");
	CHECK_STR(b, "Vite (process)");
	id_describe(b, sizeof b, ID_PROBE, "Next.js 14.2.35");
	CHECK_STR(b, "Next.js 14.2.35 (probe)");
	id_describe(b, sizeof b, ID_NONE, "x");
	CHECK_STR(b, "");
	id_describe(b, sizeof b, ID_PROCESS, NULL);
	CHECK_STR(b, "");
	CHECK_STR(id_confidence_name(ID_USUALLY), "usually");
	CHECK_STR(id_confidence_name(ID_PROCESS), "process");
	CHECK_STR(id_confidence_name(ID_PROBE), "probe");
	CHECK(ID_USUALLY < ID_PROCESS && ID_PROCESS < ID_PROBE);
}
