/* mhd_dl.c - libmicrohttpd, loaded only when door ui starts.
 *
 * Linked, libmicrohttpd brings GnuTLS and eight more libraries (p11-kit,
 * libtasn1, nettle, hogweed, gmp, libidn2, libunistring, libffi) into
 * every door command, and their start-up costs each run about 2.8 MB of resident memory: door ls --json went above ss -ltunp's
 * peak on a million fds for it (bench/RESULTS.md, "speed"). So door
 * defines the few functions it calls, as src/url/curl_dl.c does for
 * libcurl, and each finds the real one the first time door ui needs it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include <microhttpd.h>

#include "ui/mhd_dl.h"

static struct {
	void *lib;
	char  why[200];
	enum MHD_Result (*add_response_header)(struct MHD_Response *,
	    const char *, const char *);
	const char *(*lookup_connection_value)(struct MHD_Connection *,
	    enum MHD_ValueKind, const char *);
	enum MHD_Result (*lookup_connection_value_n)(struct MHD_Connection *,
	    enum MHD_ValueKind, const char *, size_t, const char **, size_t *);
	int (*get_connection_values_n)(struct MHD_Connection *,
	    enum MHD_ValueKind, MHD_KeyValueIteratorN, void *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
	    enum MHD_ResponseMemoryMode);
	struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t,
	    MHD_ContentReaderCallback, void *, MHD_ContentReaderFreeCallback);
	struct MHD_Response *(*create_response_from_buffer_with_free_callback_cls)(
	    size_t, void *, MHD_ContentReaderFreeCallback, void *);
	const union MHD_ConnectionInfo *(*get_connection_info)(
	    struct MHD_Connection *, enum MHD_ConnectionInfoType, ...);
	void (*destroy_response)(struct MHD_Response *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
	    struct MHD_Response *);
	void (*suspend_connection)(struct MHD_Connection *);
	void (*resume_connection)(struct MHD_Connection *);
	enum MHD_Result (*set_connection_option)(struct MHD_Connection *,
	    enum MHD_CONNECTION_OPTION, ...);
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t,
	    MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback, void *,
	    va_list);
	MHD_socket (*quiesce_daemon)(struct MHD_Daemon *);
	void (*stop_daemon)(struct MHD_Daemon *);
} m;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym returns void *; POSIX guarantees it converts to a function. */
#define SYM(field, name) do {						\
	void *p_ = dlsym(m.lib, name);					\
	if (p_ == NULL) {						\
		snprintf(m.why, sizeof m.why, "libmicrohttpd has no %s",	\
		    name);						\
		dlclose(m.lib);						\
		m.lib = NULL;						\
		return;							\
	}								\
	*(void **)(&m.field) = p_;					\
} while (0)

static void
load(void)
{
	m.lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
	if (m.lib == NULL) {
		snprintf(m.why, sizeof m.why, "door ui needs libmicrohttpd "
		    "(Debian: apt-get install libmicrohttpd12): %s", dlerror());
		return;
	}
	SYM(add_response_header, "MHD_add_response_header");
	SYM(lookup_connection_value, "MHD_lookup_connection_value");
	SYM(lookup_connection_value_n, "MHD_lookup_connection_value_n");
	SYM(get_connection_values_n, "MHD_get_connection_values_n");
	SYM(create_response_from_buffer, "MHD_create_response_from_buffer");
	SYM(create_response_from_callback, "MHD_create_response_from_callback");
	SYM(create_response_from_buffer_with_free_callback_cls,
	    "MHD_create_response_from_buffer_with_free_callback_cls");
	SYM(get_connection_info, "MHD_get_connection_info");
	SYM(destroy_response, "MHD_destroy_response");
	SYM(queue_response, "MHD_queue_response");
	SYM(suspend_connection, "MHD_suspend_connection");
	SYM(resume_connection, "MHD_resume_connection");
	SYM(set_connection_option, "MHD_set_connection_option");
	SYM(start_daemon_va, "MHD_start_daemon_va");
	SYM(quiesce_daemon, "MHD_quiesce_daemon");
	SYM(stop_daemon, "MHD_stop_daemon");
}

int
mhd_dl_ready(void)
{
	pthread_once(&once, load);
	return m.lib != NULL;
}

const char *
mhd_dl_error(void)
{
	pthread_once(&once, load);
	return m.lib != NULL ? "" : m.why;
}

/* Every function below is reached only after MHD_start_daemon succeeded,
 * that is after mhd_dl_ready(). */

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port,
    MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback dh,
    void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list            ap;

	if (!mhd_dl_ready())
		return NULL;
	va_start(ap, dh_cls);
	d = m.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

enum MHD_Result
MHD_set_connection_option(struct MHD_Connection *c,
    enum MHD_CONNECTION_OPTION option, ...)
{
	va_list      ap;
	unsigned int v;

	/* door sets MHD_CONNECTION_OPTION_TIMEOUT only: one unsigned int */
	if (option != MHD_CONNECTION_OPTION_TIMEOUT)
		return MHD_NO;
	va_start(ap, option);
	v = va_arg(ap, unsigned int);
	va_end(ap);
	return m.set_connection_option(c, option, v);
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *h, const char *v)
{
	return m.add_response_header(r, h, v);
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
    const char *key)
{
	return m.lookup_connection_value(c, k, key);
}

enum MHD_Result
MHD_lookup_connection_value_n(struct MHD_Connection *c, enum MHD_ValueKind k,
    const char *key, size_t key_size, const char **value,
    size_t *value_size)
{
	return m.lookup_connection_value_n(c, k, key, key_size, value,
	    value_size);
}

int
MHD_get_connection_values_n(struct MHD_Connection *c, enum MHD_ValueKind k,
    MHD_KeyValueIteratorN it, void *cls)
{
	return m.get_connection_values_n(c, k, it, cls);
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buf,
    enum MHD_ResponseMemoryMode mode)
{
	return m.create_response_from_buffer(size, buf, mode);
}

struct MHD_Response *
MHD_create_response_from_callback(uint64_t size, size_t block,
    MHD_ContentReaderCallback crc, void *cls,
    MHD_ContentReaderFreeCallback crfc)
{
	return m.create_response_from_callback(size, block, crc, cls, crfc);
}

struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback_cls(size_t size,
    void *buf, MHD_ContentReaderFreeCallback crfc, void *crfc_cls)
{
	return m.create_response_from_buffer_with_free_callback_cls(size, buf,
	    crfc, crfc_cls);
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType type, ...)
{
	/* door asks for CONNECTION_FD and SOCKET_CONTEXT only: neither takes
	 * an argument after the type */
	if (type != MHD_CONNECTION_INFO_CONNECTION_FD &&
	    type != MHD_CONNECTION_INFO_SOCKET_CONTEXT)
		return NULL;
	return m.get_connection_info(c, type);
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	m.destroy_response(r);
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	return m.queue_response(c, status, r);
}

void
MHD_suspend_connection(struct MHD_Connection *c)
{
	m.suspend_connection(c);
}

void
MHD_resume_connection(struct MHD_Connection *c)
{
	m.resume_connection(c);
}

MHD_socket
MHD_quiesce_daemon(struct MHD_Daemon *d)
{
	return m.quiesce_daemon(d);
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
	m.stop_daemon(d);
}
