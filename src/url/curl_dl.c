/* curl_dl.c - libcurl, loaded only when door url runs, or when a probe
 * finds a TLS door and asks what speaks behind the TLS (probe/https.c).
 *
 * Linking libcurl made every door command load some thirty libraries
 * (TLS, Kerberos, LDAP, IDN...) at start: milliseconds and megabytes that
 * door ls, run a hundred times a day, should not pay. So door defines the
 * few libcurl functions it calls, and each finds the real one in
 * libcurl.so.4 the first time it is needed. Without libcurl, door url says
 * so, a TLS door stays "tls", and every other command works as before.
 */
#define CURL_DISABLE_TYPECHECK  /* we define curl_easy_setopt ourselves */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <curl/curl.h>

#include "url/curl_dl.h"

static struct {
	void        *lib;
	char         why[160];
	CURLcode   (*global_init)(long);
	void       (*global_cleanup)(void);
	CURL      *(*easy_init)(void);
	CURLcode   (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode   (*easy_perform)(CURL *);
	CURLcode   (*easy_getinfo)(CURL *, CURLINFO, ...);
	void       (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void       (*slist_free_all)(struct curl_slist *);
} c;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_once_t started = PTHREAD_ONCE_INIT;
static char           start_why[160];   /* "" once curl_global_init ran */

/* dlsym returns void *; POSIX guarantees it converts to a function. */
#define SYM(field, name) do {						\
	void *p_ = dlsym(c.lib, name);					\
	if (p_ == NULL) {						\
		snprintf(c.why, sizeof c.why, "libcurl has no %s", name);	\
		dlclose(c.lib);						\
		c.lib = NULL;						\
		return;							\
	}								\
	*(void **)(&c.field) = p_;					\
} while (0)

static void
load(void)
{
	c.lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (c.lib == NULL) {
		snprintf(c.why, sizeof c.why, "libcurl is not installed "
		    "(Debian: apt-get install libcurl4): %s", dlerror());
		return;
	}
	SYM(global_init, "curl_global_init");
	SYM(global_cleanup, "curl_global_cleanup");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
}

static int
ready(void)
{
	pthread_once(&once, load);
	return c.lib != NULL;
}

const char *
curl_dl_error(void)
{
	return ready() ? NULL : c.why;
}

/* curl_global_init is not thread-safe in every libcurl door may meet
 * (before 7.84 it is not), and curl_easy_init calls it when nobody did:
 * the probe threads must find it done, exactly once. */
static void
start(void)
{
	CURLcode rc;

	if (!ready()) {
		snprintf(start_why, sizeof start_why, "%s", c.why);
		return;
	}
	if ((rc = c.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		snprintf(start_why, sizeof start_why, "libcurl would not start "
		    "(curl_global_init: %d)", (int)rc);
}

const char *
curl_dl_start(void)
{
	pthread_once(&started, start);
	return start_why[0] != '\0' ? start_why : NULL;
}

CURLcode
curl_global_init(long flags)
{
	return ready() ? c.global_init(flags) : CURLE_FAILED_INIT;
}

void
curl_global_cleanup(void)
{
	if (ready())
		c.global_cleanup();
}

CURL *
curl_easy_init(void)
{
	return ready() ? c.easy_init() : NULL;
}

/* The argument's type follows from the option's number range
 * (CURLOPTTYPE_*): read it as that type, pass it on as that type. */
CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list  ap;
	CURLcode rc;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = c.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		rc = c.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = c.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode
curl_easy_perform(CURL *h)
{
	return ready() ? c.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every getinfo argument is a pointer to where the answer goes. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list  ap;
	CURLcode rc;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = c.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

void
curl_easy_cleanup(CURL *h)
{
	if (ready())
		c.easy_cleanup(h);
}

const char *
curl_easy_strerror(CURLcode code)
{
	return ready() ? c.easy_strerror(code) : "libcurl is not loaded";
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return ready() ? c.slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (ready())
		c.slist_free_all(l);
}
