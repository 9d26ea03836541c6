/* machine.c - small facts about this machine: users, clocks, addresses. */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"

#define USER_CACHE 64

/* The cache is shared by threads (door watch's kill, door ui's server):
 * a mutex guards it. */
static pthread_mutex_t user_mu = PTHREAD_MUTEX_INITIALIZER;

int
platform_user_name(uint32_t uid, char *buf, size_t size)
{
	static struct {
		uint32_t uid;
		int      known;
		char     name[64];
	}           cache[USER_CACHE];
	static int  ncache;
	struct passwd pw, *res = NULL;
	char        tmp[4096];

	pthread_mutex_lock(&user_mu);
	for (int i = 0; i < ncache; i++)
		if (cache[i].uid == uid) {
			int known = cache[i].known;

			snprintf(buf, size, "%s", cache[i].name);
			pthread_mutex_unlock(&user_mu);
			return known ? 0 : -1;
		}
	pthread_mutex_unlock(&user_mu);
	if (getpwuid_r(uid, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL)
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "%u", uid);
	pthread_mutex_lock(&user_mu);
	if (ncache < USER_CACHE) {
		cache[ncache].uid = uid;
		cache[ncache].known = res != NULL;
		snprintf(cache[ncache].name, sizeof cache[0].name, "%s", buf);
		ncache++;
	}
	pthread_mutex_unlock(&user_mu);
	return res != NULL ? 0 : -1;
}

static double
now_since_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t
platform_proc_age(const struct proc *p)
{
	long   hz = sysconf(_SC_CLK_TCK);
	double start, now = now_since_boot();

	if (hz <= 0)
		hz = 100;
	start = (double)p->start_ticks / (double)hz;
	return now > start ? (uint64_t)(now - start) : 0;
}

int64_t
platform_proc_start_epoch(const struct proc *p)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec - (int64_t)platform_proc_age(p);
}

bool
platform_is_local_address(int family, const void *addr)
{
	struct ifaddrs *ifa, *i;
	bool            found = false;

	/* all of 127/8 is routed to lo, though lo lists only 127.0.0.1 */
	if ((family == AF_INET && ((const uint8_t *)addr)[0] == 127) ||
	    (family == AF_INET6 && memcmp(addr, &in6addr_loopback, 16) == 0))
		return true;
	if (getifaddrs(&ifa) != 0)
		return false;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET)
			found = memcmp(&((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, addr, 4) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, addr, 16) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

uint32_t
platform_uid(void)
{
	return (uint32_t)geteuid();
}

bool
platform_privileged(void)
{
	static int euid = -1;   /* asked per socket: ask the kernel once */
	int        v = __atomic_load_n(&euid, __ATOMIC_RELAXED);

	/* atomically: door ui's threads ask at once */
	if (v < 0) {
		v = (int)geteuid();
		__atomic_store_n(&euid, v, __ATOMIC_RELAXED);
	}
	return v == 0;
}
