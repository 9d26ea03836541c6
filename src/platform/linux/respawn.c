/* respawn.c - what restarts a process when it dies: a systemd unit or a
 * container, read from its cgroup v2 path (and, for the proxies that hold
 * a container's published port on the host, from its name).
 *
 * Killing such a process is a fight door cannot win (the manager starts
 * it again) and may hurt (a database killed under its unit). door kill
 * names the manager's own command instead (cmd-kill.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "platform/linux/linux.h"

static bool
ends_with(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

static bool
starts_with(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);

	return n >= l && memcmp(s, pre, l) == 0;
}

/* The first 12 hex digits after pre in the component: a container id. */
static bool
container_id(const char *c, size_t n, const char *pre, struct manager *m,
    const char *runtime)
{
	size_t l = strlen(pre), h = 0;

	if (!starts_with(c, n, pre))
		return false;
	while (l + h < n && h < 64 && ((c[l + h] >= '0' && c[l + h] <= '9') ||
	    (c[l + h] >= 'a' && c[l + h] <= 'f')))
		h++;
	if (h < 12)
		return false;
	m->kind = MANAGER_CONTAINER;
	snprintf(m->unit, sizeof m->unit, "%.12s", c + l);
	snprintf(m->runtime, sizeof m->runtime, "%s", runtime);
	return true;
}

/* Pure: a cgroup v2 path into a manager. */
static void
classify(const char *path, struct manager *m)
{
	const char *p = path;
	const char *unit = NULL;
	size_t      unit_len = 0;
	const char *prev = "";
	size_t      prev_n = 0;
	bool        user_manager = false, user_unit = false, kube = false;

	memset(m, 0, sizeof *m);
	/* components, left to right: the innermost .service is the unit */
	while (*p != '\0') {
		const char *c;
		size_t      n;

		while (*p == '/')
			p++;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (n == 0)
			break;
		if (container_id(c, n, "docker-", m, "docker") ||
		    container_id(c, n, "libpod-", m, "podman") ||
		    container_id(c, n, "cri-containerd-", m, "containerd") ||
		    container_id(c, n, "crio-", m, "cri-o"))
			return;
		/* cgroupfs drivers: "/docker/ID", "/kubepods/.../podX/ID" */
		if ((prev_n == 6 && memcmp(prev, "docker", 6) == 0 &&
		    container_id(c, n, "", m, "docker")) ||
		    (kube && container_id(c, n, "", m, "kubernetes")))
			return;
		if (starts_with(c, n, "kubepods"))
			kube = true;
		prev = c;
		prev_n = n;
		if (ends_with(c, n, ".service")) {
			if (starts_with(c, n, "user@")) {
				user_manager = true;
				continue;
			}
			unit = c;
			unit_len = n;
			user_unit = user_manager;
		}
	}
	if (kube) {
		m->kind = MANAGER_CONTAINER;
		snprintf(m->runtime, sizeof m->runtime, "kubernetes");
		return;
	}
	if (unit == NULL)
		return;
	m->kind = user_unit ? MANAGER_SYSTEMD_USER : MANAGER_SYSTEMD;
	snprintf(m->unit, sizeof m->unit, "%.*s", (int)unit_len, unit);
}

void
platform_proc_manager(const struct proc *p, struct manager *m)
{
	memset(m, 0, sizeof *m);
	if (p->have & PROC_HAVE_CGROUP && p->cgroup != NULL)
		classify(p->cgroup, m);
	if (m->kind != MANAGER_NONE)
		return;
	/* a published port is held on the host by a proxy process, which
	 * lives in the daemon's cgroup rather than the container's */
	if (strcmp(p->name, "docker-proxy") == 0) {
		m->kind = MANAGER_CONTAINER;
		snprintf(m->runtime, sizeof m->runtime, "docker");
	} else if (strcmp(p->name, "rootlessport") == 0 ||
	    strcmp(p->name, "rootlessport-ch") == 0) {
		m->kind = MANAGER_CONTAINER;
		snprintf(m->runtime, sizeof m->runtime, "podman");
	}
}

void
platform_self_manager(struct manager *m)
{
	char    buf[4096], path[1024];
	ssize_t n = read_small(AT_FDCWD, "/proc/self/cgroup", buf, sizeof buf);

	memset(m, 0, sizeof *m);
	if (n > 0 && cgroup_line_parse(buf, (size_t)n, path,
	    sizeof path) == 0)
		classify(path, m);
}
