/* clues.c - what a port table name or a process name suggests about the
 * service behind a door: the order of the probes, never their verdict.
 * Pure. */
#include <stdint.h>
#include <string.h>

#include "probe/probe.h"

static const struct {
	const char *word, *service;
} words[] = {
	/* substrings, most specific first */
	{ "redis", "redis" },
	{ "valkey", "redis" },
	{ "keydb", "redis" },
	{ "postgres", "postgresql" },
	{ "postmaster", "postgresql" },
	{ "memcache", "memcached" },
	{ "mysql", "mysql" },
	{ "mariadb", "mysql" },
	{ "mongo", "mongodb" },
	{ "sshd", "ssh" },
	{ "ssh", "ssh" },
	{ "https", "tls" },
	{ "tls", "tls" },
	{ "smtp", "smtp" },
	{ "exim", "smtp" },
	{ "postfix", "smtp" },
	{ "ftp", "ftp" },
	{ "ollama", "http" },
	{ "elastic", "http" },
	{ "nginx", "http" },
	{ "apache", "http" },
	{ "httpd", "http" },
	{ "http", "http" },
	{ "node", "http" },
	{ "vite", "http" },
	{ "python", "http" },
	{ "uvicorn", "http" },
	{ "gunicorn", "http" },
	{ "java", "http" },
	{ "jupyter", "http" },
	{ "web", "http" },
	{ "dev", "http" },
};

static const char *
lookup(const char *s, size_t skip_from)
{
	if (s == NULL || *s == '\0')
		return NULL;
	for (size_t i = skip_from; i < sizeof words / sizeof words[0]; i++)
		if (probe_find(s, strlen(s), words[i].word) != SIZE_MAX)
			return words[i].service;
	return NULL;
}

const char *
probe_service_of_known(const char *known_name)
{
	return lookup(known_name, 0);
}

const char *
probe_service_of_process(const char *process)
{
	/* "master" is Postfix's name, and nginx's title: not a process clue */
	if (process != NULL && strcmp(process, "master") == 0)
		return NULL;
	return lookup(process, 0);
}

const char *
probe_conf_name(enum probe_conf c)
{
	switch (c) {
	case PROBE_CONF_PROBE:   return "probe";
	case PROBE_CONF_PROCESS: return "process";
	case PROBE_CONF_USUALLY: return "usually";
	default:                 return "none";
	}
}
