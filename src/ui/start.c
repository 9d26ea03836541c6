/* start.c - door ui's listening sockets and daemons: 127.0.0.1 and ::1
 * on one port, bound by door itself (never any other address) and handed
 * to libmicrohttpd, one daemon per address; the limits that follow from
 * this process's descriptors; start and stop in an order that leaves no
 * connection suspended (server.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cmd.h"
#include "platform/platform.h"
#include "ui/callbacks.h"
#include "ui/mhd_dl.h"
#include "ui/server.h"
#include "ui/ui.h"
#include "url/url.h"

#define PORT_TRIES	16   /* another program took the port we found */

/* ---- listening ---- */

static int
listen_on(int family, uint16_t port, struct door_err *e)
{
	struct sockaddr_storage ss;
	socklen_t               len;
	int                     fd, one = 1, err;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof *s6;
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 1024) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return err_sys(e, err, "cannot listen on %s:%u",
		    family == AF_INET ? "127.0.0.1" : "[::1]", port);
	}
	return fd;
}

/* Both loopback sockets on one port; *v6 false when this machine has no
 * IPv6 loopback. Returns 0, or -1 with errno EADDRINUSE when the port is
 * taken (on either address). */
static int
listen_pair(uint16_t port, int fd[2], bool *v6, struct door_err *e)
{
	fd[0] = fd[1] = -1;
	if ((fd[0] = listen_on(AF_INET, port, e)) < 0)
		return -1;
	err_clear(e);
	fd[1] = listen_on(AF_INET6, port, e);
	if (fd[1] >= 0) {
		*v6 = true;
		return 0;
	}
	if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL) {
		err_clear(e);
		*v6 = false;
		return 0;
	}
	close(fd[0]);
	fd[0] = -1;
	errno = EADDRINUSE;
	return -1;
}

/*
 * Connections per address: UI_CONN_MAX, or fewer when the descriptors
 * would run out first (both addresses' connections, plus UI_FD_RESERVE
 * for everything else). Out of descriptors, accept(2) fails and the guard
 * never hears of the client; within them, the guard makes room. The soft
 * limit is raised to the hard one first, as the live engine does.
 */
static unsigned
conn_max(void)
{
	struct rlimit rl;
	unsigned      max = UI_CONN_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return max;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > UI_FD_RESERVE ?
		    rl.rlim_cur - UI_FD_RESERVE : 0;

		if (room / 2 < max)
			max = (unsigned)(room / 2);
	}
	return max < UI_CONN_MIN ? UI_CONN_MIN : max;
}

/* libmicrohttpd's limit is one more than the guard's: the free place a
 * new client comes in by, when the guard makes room. */
static struct MHD_Daemon *
daemon_on(struct ui *ui, int fd, int side)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
	    ui_on_request, ui,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, ui->conn_max + 1,
	    MHD_OPTION_NOTIFY_CONNECTION, guard_notify,
	    guard_side(ui->guard, side),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)UI_IDLE_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)UI_CONN_MEM,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_NOTIFY_COMPLETED, ui_on_completed, ui,
	    MHD_OPTION_END);
}

struct ui *
ui_start(const struct ui_opts *o, struct door_err *e)
{
	unsigned char raw[UI_TOKEN_BYTES];
	struct ui    *ui = calloc(1, sizeof *ui);
	uint16_t      port = o->port;
	int           fd[2] = { -1, -1 };

	if (ui == NULL) {
		err_set(e, DOOR_SYSTEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ui->lock, NULL);
	if (!mhd_dl_ready()) {   /* loaded now, not by every door command */
		err_set(e, DOOR_SYSTEM, "%s", mhd_dl_error());
		goto fail;
	}
	if (platform_random(raw, sizeof raw, e) != 0)
		goto fail;
	ui_token_hex(raw, ui->token);
	memset(raw, 0, sizeof raw);
	for (int turn = 0; turn < PORT_TRIES; turn++) {
		if (o->port == 0 && next_free_port(port ? port + 1 :
		    UI_PORT_DEFAULT, &port, e) != 0)
			goto fail;
		if (listen_pair(port, fd, &ui->v6, e) == 0)
			break;
		if (o->port != 0 && errno == EADDRINUSE) {
			err_set(e, DOOR_NO, "port %u is taken", port);
			goto fail;
		}
		if (o->port != 0 || errno != EADDRINUSE)
			goto fail;
		if (port == 65535) {
			err_set(e, DOOR_NO, "no free port from %u on",
			    UI_PORT_DEFAULT);
			goto fail;
		}
	}
	if (fd[0] < 0) {
		err_set(e, DOOR_NO, "every free port door found was taken "
		    "before door ui could listen; try --port");
		goto fail;
	}
	ui->port = port;
	snprintf(ui->cookie, sizeof ui->cookie, "door_ui_%u", port);
	snprintf(ui->url, sizeof ui->url, "http://127.0.0.1:%u/?token=%s",
	    port, ui->token);
	ui->curl = url_fetch_init(e) == 0;
	if (!ui->curl) {
		snprintf(ui->curl_why, sizeof ui->curl_why, "%s", e->msg);
		err_clear(e);
	}
	/* streams are never the guard's to end: they leave an eighth of
	 * an address's places to everyone else */
	ui->conn_max = conn_max();
	ui->hub = hub_new(UI_RING, ui->conn_max - ui->conn_max / 8 <
	    UI_SSE_MAX ? ui->conn_max - ui->conn_max / 8 : UI_SSE_MAX);
	ui->work = work_new(UI_WORKERS, UI_QUEUE_MAX);
	ui->guard = guard_new(fd[1] >= 0 ? 2 : 1, ui->conn_max,
	    UI_HEAD_S * 1000u);
	ui->share = share_new(api_doors_fill, ui, UI_TABLE_GAP_MS);
	if (ui->hub == NULL || ui->work == NULL || ui->guard == NULL ||
	    ui->share == NULL) {
		err_set(e, DOOR_SYSTEM, "out of memory (or no threads)");
		goto fail;
	}
	if (api_plans_new(ui) != 0) {
		err_set(e, DOOR_SYSTEM, "out of memory");
		goto fail;
	}
	/* the table is there before the first page can ask for it */
	if (live_start(ui, e) != 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		if (fd[i] < 0)
			continue;
		if ((ui->d[i] = daemon_on(ui, fd[i], i)) == NULL) {
			err_set(e, DOOR_SYSTEM, "libmicrohttpd would not start "
			    "on %s", i == 0 ? "127.0.0.1" : "[::1]");
			goto fail;
		}
		fd[i] = -1;     /* the daemon's now */
	}
	return ui;
fail:
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	ui_stop(ui);
	return NULL;
}

const char *
ui_url(const struct ui *ui)
{
	return ui->url;
}

uint16_t
ui_port(const struct ui *ui)
{
	return ui->port;
}

bool
ui_has_v6(const struct ui *ui)
{
	return ui->v6;
}

void
ui_stop(struct ui *ui)
{
	int lfd[2] = { -1, -1 };

	if (ui == NULL)
		return;
	ui->stopping = true;
	/* no new connections; the listening sockets close after the
	 * daemons stop (MHD's threads may still look at them) */
	for (int i = 0; i < 2; i++)
		if (ui->d[i] != NULL)
			lfd[i] = MHD_quiesce_daemon(ui->d[i]);
	live_stop(ui);
	if (ui->hub != NULL)
		hub_close(ui->hub);
	/* every queued action runs to its end and resumes its request;
	 * no new one is taken */
	work_stop(ui->work);
	share_stop(ui->share);
	for (int i = 0; i < 2; i++)
		if (ui->d[i] != NULL)
			MHD_stop_daemon(ui->d[i]);
	for (int i = 0; i < 2; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	guard_free(ui->guard);
	share_free(ui->share);
	work_free(ui->work);
	api_plans_free(ui);
	hub_free(ui->hub);
	if (ui->curl)
		url_fetch_cleanup();
	memset(ui->token, 0, sizeof ui->token);
	memset(ui->url, 0, sizeof ui->url);
	pthread_mutex_destroy(&ui->lock);
	free(ui);
}
