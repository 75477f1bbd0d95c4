/* The Win32-named event and completion-port objects of rpcasync.h and the per-thread APC
 * queues of runtime/handles.h. Every wait is bounded (short timeouts for the waits that must
 * time out, generous ones for the waits that must end early, plus the tcase timeout); elapsed
 * times are never asserted. Helper threads never assert: they record what they saw and the
 * test thread checks it after joining them. The fixture checks that each test closed every
 * descriptor it opened. */
#define _GNU_SOURCE /* usleep */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rpc.h>
#include <rpcasync.h>

#include "check_main.h"
#include "handles.h"

/* Long enough never to expire in a passing test, short enough to end a failing one. */
#define LONG_WAIT_MS 10000u

/* ==== Fixture ================================================================================== */

static int fds_at_start;

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* What the APC routines saw, in the order they ran. */
#define APC_LOG_MAX 256
static struct {
	pthread_mutex_t lock;
	int n;
	PRPC_ASYNC_STATE pAsync[APC_LOG_MAX];
	void *context[APC_LOG_MAX];
	RPC_ASYNC_EVENT ev[APC_LOG_MAX];
	pthread_t thread[APC_LOG_MAX];
} apc_log = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void RPC_ENTRY
log_apc(PRPC_ASYNC_STATE pAsync, void *Context, RPC_ASYNC_EVENT Event)
{
	pthread_mutex_lock(&apc_log.lock);
	if (apc_log.n < APC_LOG_MAX) {
		apc_log.pAsync[apc_log.n] = pAsync;
		apc_log.context[apc_log.n] = Context;
		apc_log.ev[apc_log.n] = Event;
		apc_log.thread[apc_log.n] = pthread_self();
	}
	apc_log.n++;
	pthread_mutex_unlock(&apc_log.lock);
}

static int
apc_count(void)
{
	pthread_mutex_lock(&apc_log.lock);
	int n = apc_log.n;
	pthread_mutex_unlock(&apc_log.lock);
	return n;
}

static void
setup(void)
{
	/* The test thread's APC queue lives as long as the thread, which with CK_FORK=no is the
	 * whole run: make it before counting descriptors, and run what an earlier test left. */
	rpcrt_apc_queue_unref(rpcrt_apc_queue_current());
	while (SleepEx(0, TRUE) == WAIT_IO_COMPLETION)
		;
	pthread_mutex_lock(&apc_log.lock);
	apc_log.n = 0;
	pthread_mutex_unlock(&apc_log.lock);
	fds_at_start = fd_count();
}

static void
teardown(void)
{
	ck_assert_int_eq(fd_count(), fds_at_start);
}

/* ==== Helpers ================================================================================== */

/* Whether h's descriptor is readable now. */
static bool
readable(HANDLE h)
{
	struct pollfd p = { .fd = RpcHandleGetFd(h), .events = POLLIN };

	ck_assert_int_ge(p.fd, 0);
	int r = poll(&p, 1, 0);
	ck_assert_int_ge(r, 0);
	return r == 1 && (p.revents & POLLIN);
}

static HANDLE
new_event(BOOL manual, BOOL initial)
{
	HANDLE h = CreateEvent(NULL, manual, initial, NULL);

	ck_assert_ptr_nonnull(h);
	return h;
}

static HANDLE
new_port(void)
{
	HANDLE h = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);

	ck_assert_ptr_nonnull(h);
	return h;
}

static void
close_ok(HANDLE h)
{
	ck_assert_int_eq(CloseHandle(h), TRUE);
}

static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

static void
join(pthread_t t)
{
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}

/* Waits (bounded) until *v reaches want; returns its last value. */
static int
settle(atomic_int *v, int want)
{
	for (int i = 0; i < 10000 && atomic_load(v) < want; i++)
		usleep(1000);
	return atomic_load(v);
}

/* A thread that waits on an event and records the result and errno. */
struct waiter {
	HANDLE h;
	DWORD ms;
	pthread_barrier_t *go; /* NULL or passed before waiting */
	atomic_int *released;  /* NULL or incremented on WAIT_OBJECT_0 */
	DWORD result;
	int err;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	if (w->go)
		pthread_barrier_wait(w->go);
	errno = 0;
	w->result = WaitForSingleObject(w->h, w->ms);
	w->err = errno;
	if (w->result == WAIT_OBJECT_0 && w->released)
		atomic_fetch_add(w->released, 1);
	return NULL;
}

/* ==== Events =================================================================================== */

/* _i: bit 0 manual reset, bit 1 initially signalled. */
START_TEST(event_initial_state)
{
	BOOL manual = (_i & 1) != 0, initial = (_i & 2) != 0;
	HANDLE h = new_event(manual, initial);

	ck_assert(rpcrt_handle_is_event(h));
	ck_assert(!rpcrt_handle_is_port(h));
	ck_assert_int_eq(readable(h), initial);
	ck_assert_uint_eq(WaitForSingleObject(h, 0), initial ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
	/* Only a successful wait on an auto-reset event changes the state. */
	bool still = initial && manual;
	ck_assert_int_eq(readable(h), still);
	ck_assert_uint_eq(WaitForSingleObject(h, 0), still ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
	close_ok(h);
}
END_TEST

START_TEST(event_manual_reset)
{
	HANDLE h = new_event(TRUE, FALSE);

	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert(readable(h));
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ck_assert_uint_eq(WaitForSingleObject(h, 20), WAIT_OBJECT_0);
	ck_assert_uint_eq(WaitForSingleObjectEx(h, 0, TRUE), WAIT_OBJECT_0);
	ck_assert(readable(h));
	ck_assert_int_eq(SetEvent(h), TRUE); /* already signalled: no change */
	ck_assert(readable(h));
	ck_assert_int_eq(ResetEvent(h), TRUE);
	ck_assert(!readable(h));
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	ck_assert_int_eq(ResetEvent(h), TRUE); /* already reset */
	ck_assert(!readable(h));
	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert(readable(h));
	close_ok(h);
}
END_TEST

START_TEST(event_auto_reset)
{
	HANDLE h = new_event(FALSE, FALSE);

	/* Events do not count: two SetEvent calls release one wait. */
	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert(readable(h));
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ck_assert(!readable(h));
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);

	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert_int_eq(ResetEvent(h), TRUE);
	ck_assert(!readable(h));
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);

	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert_uint_eq(WaitForSingleObjectEx(h, 20, TRUE), WAIT_OBJECT_0);
	ck_assert(!readable(h));
	close_ok(h);
}
END_TEST

START_TEST(event_wait_times_out)
{
	HANDLE manual = new_event(TRUE, FALSE), autor = new_event(FALSE, FALSE);

	ck_assert_uint_eq(WaitForSingleObject(manual, 20), WAIT_TIMEOUT);
	ck_assert_uint_eq(WaitForSingleObject(autor, 20), WAIT_TIMEOUT);
	ck_assert_uint_eq(WaitForSingleObjectEx(manual, 20, FALSE), WAIT_TIMEOUT);
	/* Alertable, with no APC queued: an ordinary timed wait. */
	ck_assert_uint_eq(WaitForSingleObjectEx(autor, 20, TRUE), WAIT_TIMEOUT);
	ck_assert(!readable(manual));
	ck_assert(!readable(autor));
	close_ok(manual);
	close_ok(autor);
}
END_TEST

/* _i: 0 auto-reset, 1 manual-reset; the manual one is waited for without a time limit (the
 * tcase timeout bounds it). */
START_TEST(event_set_from_other_thread_wakes_waiter)
{
	pthread_barrier_t go;
	HANDLE h = new_event(_i, FALSE);
	struct waiter w = { .h = h, .ms = _i ? INFINITE : LONG_WAIT_MS, .go = &go };

	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(waiter_main, &w);
	pthread_barrier_wait(&go);
	usleep(10000); /* most likely blocked in the wait by now; correct either way */
	ck_assert_int_eq(SetEvent(h), TRUE);
	join(t);
	pthread_barrier_destroy(&go);
	ck_assert_uint_eq(w.result, WAIT_OBJECT_0);
	/* The auto-reset event was consumed by the waiter; the manual one stays signalled. */
	ck_assert_uint_eq(WaitForSingleObject(h, 0), _i ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
	close_ok(h);
}
END_TEST

START_TEST(event_auto_reset_releases_one_waiter_per_set)
{
	pthread_barrier_t go;
	atomic_int released = 0;
	HANDLE h = new_event(FALSE, FALSE);
	struct waiter w[2];
	pthread_t t[2];

	pthread_barrier_init(&go, NULL, 3);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct waiter){
			.h = h, .ms = LONG_WAIT_MS, .go = &go, .released = &released
		};
		t[i] = spawn(waiter_main, &w[i]);
	}
	pthread_barrier_wait(&go);
	usleep(10000);
	ck_assert_int_eq(SetEvent(h), TRUE);
	ck_assert_int_eq(settle(&released, 1), 1);
	/* The released waiter reset the event, so the other one stays blocked. */
	usleep(50000);
	ck_assert_int_eq(atomic_load(&released), 1);
	ck_assert(!readable(h));
	ck_assert_int_eq(SetEvent(h), TRUE);
	join(t[0]);
	join(t[1]);
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(atomic_load(&released), 2);
	ck_assert_uint_eq(w[0].result, WAIT_OBJECT_0);
	ck_assert_uint_eq(w[1].result, WAIT_OBJECT_0);
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	close_ok(h);
}
END_TEST

START_TEST(event_manual_reset_releases_every_waiter)
{
	pthread_barrier_t go;
	HANDLE h = new_event(TRUE, FALSE);
	struct waiter w[3];
	pthread_t t[3];

	pthread_barrier_init(&go, NULL, 4);
	for (int i = 0; i < 3; i++) {
		w[i] = (struct waiter){ .h = h, .ms = LONG_WAIT_MS, .go = &go };
		t[i] = spawn(waiter_main, &w[i]);
	}
	pthread_barrier_wait(&go);
	usleep(10000);
	ck_assert_int_eq(SetEvent(h), TRUE);
	for (int i = 0; i < 3; i++) {
		join(t[i]);
		ck_assert_uint_eq(w[i].result, WAIT_OBJECT_0);
	}
	pthread_barrier_destroy(&go);
	ck_assert(readable(h));
	close_ok(h);
}
END_TEST

START_TEST(event_create_arguments)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HANDLE h;

	errno = 0;
	ck_assert_ptr_null(CreateEventA(NULL, TRUE, FALSE, "named"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(CreateEventA(NULL, FALSE, TRUE, ""));
	ck_assert_int_eq(errno, EINVAL);

	/* Security attributes are accepted and ignored; any non-zero BOOL is TRUE. */
	h = CreateEventA(&sa, 2, -1, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_OBJECT_0); /* manual reset */
	close_ok(h);
}
END_TEST

START_TEST(event_fd_properties)
{
	int before = fd_count();
	HANDLE h = new_event(FALSE, FALSE);
	int fd = RpcHandleGetFd(h);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(RpcHandleGetFd(h), fd);
	ck_assert_int_eq(fd_count(), before + 1);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close_ok(h);
	ck_assert_int_eq(fd_count(), before);
}
END_TEST

START_TEST(event_close_wakes_waiter)
{
	pthread_barrier_t go;
	HANDLE h = new_event(FALSE, FALSE);
	struct waiter w = { .h = h, .ms = LONG_WAIT_MS, .go = &go };

	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(waiter_main, &w);
	pthread_barrier_wait(&go);
	usleep(10000);
	close_ok(h);
	join(t);
	pthread_barrier_destroy(&go);
	/* Whether the waiter was already blocked or had not yet looked the handle up. */
	ck_assert_uint_eq(w.result, WAIT_FAILED);
	ck_assert_int_eq(w.err, EBADF);
}
END_TEST

/* A thread that uses a handle until it is closed under it. */
struct user {
	HANDLE h;
	pthread_barrier_t *go;
	long calls;     /* successful calls */
	int unexpected; /* results other than success or "closed" (EBADF) */
	bool saw_closed;
};

static void *
event_user_main(void *arg)
{
	struct user *u = arg;

	pthread_barrier_wait(u->go);
	for (long i = 0; i < 10000000 && !u->saw_closed; i++) {
		bool ok;

		errno = 0;
		switch (i % 4) {
		case 0:
			ok = SetEvent(u->h);
			break;
		case 1:
			ok = ResetEvent(u->h);
			break;
		case 2: {
			DWORD r = WaitForSingleObject(u->h, 1);

			ok = r != WAIT_FAILED;
			if (ok && r != WAIT_OBJECT_0 && r != WAIT_TIMEOUT)
				u->unexpected++;
			break;
		}
		default:
			ok = RpcHandleGetFd(u->h) >= 0;
			break;
		}
		if (ok)
			u->calls++;
		else if (errno == EBADF)
			u->saw_closed = true;
		else
			u->unexpected++;
	}
	return NULL;
}

static void *
port_user_main(void *arg)
{
	struct user *u = arg;

	pthread_barrier_wait(u->go);
	for (long i = 0; i < 10000000 && !u->saw_closed; i++) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		bool ok;

		errno = 0;
		if (i % 2 == 0) {
			ok = PostQueuedCompletionStatus(u->h, 1, 2, NULL);
		} else {
			ok = GetQueuedCompletionStatus(u->h, &bytes, &key, &ov, 1);
			if (!ok && errno == ETIMEDOUT) {
				u->calls++;
				continue;
			}
		}
		if (ok)
			u->calls++;
		else if (errno == EBADF)
			u->saw_closed = true;
		else
			u->unexpected++;
	}
	return NULL;
}

/* Threads keep calling every function on an object while it is closed: each call either works
 * or fails with EBADF, and nothing is touched after it is freed (the sanitizer build and
 * valgrind check that). _i: 0 event, 1 port. */
START_TEST(close_races_with_users)
{
	enum { USERS = 4 };
	pthread_barrier_t go;
	HANDLE h = _i ? new_port() : new_event(FALSE, FALSE);
	struct user u[USERS];
	pthread_t t[USERS];

	pthread_barrier_init(&go, NULL, USERS + 1);
	for (int i = 0; i < USERS; i++) {
		u[i] = (struct user){ .h = h, .go = &go };
		t[i] = spawn(_i ? port_user_main : event_user_main, &u[i]);
	}
	pthread_barrier_wait(&go);
	usleep(20000);
	close_ok(h);
	for (int i = 0; i < USERS; i++) {
		join(t[i]);
		ck_assert_int_eq(u[i].unexpected, 0);
		ck_assert(u[i].saw_closed);
	}
	pthread_barrier_destroy(&go);
}
END_TEST

/* ==== Handle validation ======================================================================== */

/* Checks that every function refuses h as not a live object. */
static void
assert_refused_everywhere(HANDLE h)
{
	DWORD bytes = 11;
	ULONG_PTR key = 22;
	LPOVERLAPPED ov = (LPOVERLAPPED)0x33;

	ck_assert(!rpcrt_handle_is_event(h));
	ck_assert(!rpcrt_handle_is_port(h));
	errno = 0;
	ck_assert_int_eq(SetEvent(h), FALSE);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(ResetEvent(h), FALSE);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_uint_eq(WaitForSingleObject(h, 0), WAIT_FAILED);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_uint_eq(WaitForSingleObjectEx(h, 20, TRUE), WAIT_FAILED);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(PostQueuedCompletionStatus(h, 1, 2, NULL), FALSE);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(h, &bytes, &key, &ov, 20), FALSE);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(bytes, 11);
	ck_assert_uint_eq(key, 22);
	ck_assert_ptr_null(ov); /* as Windows: no packet */
	errno = 0;
	ck_assert_int_eq(RpcHandleGetFd(h), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(CloseHandle(h), FALSE);
	ck_assert_int_eq(errno, EBADF);
	if (h != NULL) { /* (INVALID_HANDLE_VALUE, NULL) is the form that creates a port */
		errno = 0;
		ck_assert_ptr_null(CreateIoCompletionPort(INVALID_HANDLE_VALUE, h, 0, 0));
		ck_assert_int_eq(errno, EINVAL);
	}
}

START_TEST(handles_never_created_are_refused)
{
	int local = 0;
	static char unrelated[64];

	assert_refused_everywhere(NULL);
	assert_refused_everywhere(INVALID_HANDLE_VALUE);
	assert_refused_everywhere(&local);
	assert_refused_everywhere(unrelated);
	assert_refused_everywhere((HANDLE)(uintptr_t)0x10);
}
END_TEST

START_TEST(handles_closed_are_refused)
{
	HANDLE ev = new_event(TRUE, TRUE), port = new_port();

	ck_assert_int_eq(PostQueuedCompletionStatus(port, 1, 2, NULL), TRUE);
	close_ok(ev);
	close_ok(port);
	/* No object is created until the checks end, so neither address can have been reused. */
	assert_refused_everywhere(ev);
	assert_refused_everywhere(port);
}
END_TEST

START_TEST(handles_of_the_wrong_kind_are_refused)
{
	HANDLE ev = new_event(TRUE, FALSE), port = new_port();
	DWORD bytes = 11;
	ULONG_PTR key = 22;
	LPOVERLAPPED ov = (LPOVERLAPPED)0x33;

	errno = 0;
	ck_assert_int_eq(SetEvent(port), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(ResetEvent(port), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_uint_eq(WaitForSingleObject(port, 0), WAIT_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_uint_eq(WaitForSingleObjectEx(port, 20, TRUE), WAIT_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(PostQueuedCompletionStatus(ev, 1, 2, NULL), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(ev, &bytes, &key, &ov, 0), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(bytes, 11);
	ck_assert_uint_eq(key, 22);
	ck_assert_ptr_null(ov); /* as Windows: no packet */

	/* Nothing changed: the event is still reset, the port still empty. */
	ck_assert(!readable(ev));
	ck_assert(!readable(port));
	ck_assert_uint_eq(WaitForSingleObject(ev, 0), WAIT_TIMEOUT);
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), FALSE);
	ck_assert(rpcrt_handle_is_event(ev) && !rpcrt_handle_is_port(ev));
	ck_assert(rpcrt_handle_is_port(port) && !rpcrt_handle_is_event(port));
	ck_assert_int_ne(RpcHandleGetFd(ev), RpcHandleGetFd(port));
	close_ok(ev);
	close_ok(port);
}
END_TEST

/* Many live objects, closed in an order that moves entries around inside the registry: each
 * close refuses only its own handle. */
START_TEST(handles_many_live_at_once)
{
	enum { N = 300 };
	static HANDLE h[N];
	static bool open_[N];

	for (int i = 0; i < N; i++) {
		h[i] = i % 2 ? new_port() : new_event(FALSE, FALSE);
		open_[i] = true;
	}
	for (int step = 0; step < 3; step++) {
		for (int i = step; i < N; i += 3) {
			close_ok(h[i]);
			open_[i] = false;
		}
		for (int i = 0; i < N; i++) {
			if (!open_[i])
				continue;
			ck_assert_int_eq(rpcrt_handle_is_port(h[i]), i % 2 == 1);
			ck_assert_int_eq(rpcrt_handle_is_event(h[i]), i % 2 == 0);
		}
	}
	for (int i = 0; i < N; i++)
		ck_assert(!rpcrt_handle_is_port(h[i]) && !rpcrt_handle_is_event(h[i]));
}
END_TEST

/* ==== Completion ports ========================================================================= */

START_TEST(port_create_forms)
{
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 1234, 7);
	HANDLE ev = new_event(FALSE, FALSE);

	ck_assert_ptr_nonnull(port);
	ck_assert(rpcrt_handle_is_port(port));
	ck_assert(!readable(port));

	/* Associating files or other ports is not supported. */
	errno = 0;
	ck_assert_ptr_null(CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 1, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(CreateIoCompletionPort(NULL, NULL, 0, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(CreateIoCompletionPort(ev, NULL, 0, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(CreateIoCompletionPort(port, port, 0, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(rpcrt_handle_is_port(port));
	close_ok(port);
	close_ok(ev);
}
END_TEST

START_TEST(port_fifo_round_trip)
{
	HANDLE port = new_port();
	OVERLAPPED ovl[2];
	static const struct {
		DWORD bytes;
		ULONG_PTR key;
		int ov; /* index into ovl, or -1 for NULL */
	} pk[] = {
		{ 0, 0, -1 },
		{ 0xFFFFFFFFu, UINTPTR_MAX, 0 },
		{ 42, 0x1234, 1 },
		{ 7, 7, -1 },
	};
	enum { NPK = sizeof(pk) / sizeof(pk[0]) };

	for (int i = 0; i < NPK; i++) {
		ck_assert_int_eq(PostQueuedCompletionStatus(port, pk[i].bytes, pk[i].key,
							    pk[i].ov < 0 ? NULL : &ovl[pk[i].ov]),
				 TRUE);
		ck_assert(readable(port));
	}
	for (int i = 0; i < NPK; i++) {
		DWORD bytes = 5;
		ULONG_PTR key = 6;
		LPOVERLAPPED ov = (LPOVERLAPPED)0x77;

		ck_assert(readable(port));
		ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), TRUE);
		ck_assert_uint_eq(bytes, pk[i].bytes);
		ck_assert_uint_eq(key, pk[i].key);
		ck_assert_ptr_eq(ov, pk[i].ov < 0 ? NULL : &ovl[pk[i].ov]);
	}
	ck_assert(!readable(port));
	close_ok(port);
}
END_TEST

/* _i: the timeout, 0 (a poll) or 20 ms. */
START_TEST(port_empty_returns_false_overlapped_null)
{
	static const DWORD timeouts[] = { 0, 20 };
	HANDLE port = new_port();
	DWORD bytes = 11;
	ULONG_PTR key = 22;
	LPOVERLAPPED ov = (LPOVERLAPPED)0x33;

	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, timeouts[_i]), FALSE);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_uint_eq(bytes, 11);
	ck_assert_uint_eq(key, 22);
	ck_assert_ptr_null(ov); /* as Windows: no packet */

	/* Once drained, the port is empty again. */
	ck_assert_int_eq(PostQueuedCompletionStatus(port, 1, 2, NULL), TRUE);
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, timeouts[_i]), TRUE);
	bytes = 11, key = 22, ov = (LPOVERLAPPED)0x33;
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, timeouts[_i]), FALSE);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_uint_eq(bytes, 11);
	ck_assert_uint_eq(key, 22);
	ck_assert_ptr_null(ov); /* as Windows: no packet */
	close_ok(port);
}
END_TEST

START_TEST(port_null_outputs_are_refused)
{
	HANDLE port = new_port();
	DWORD bytes = 0;
	ULONG_PTR key = 0;
	LPOVERLAPPED ov = NULL;

	ck_assert_int_eq(PostQueuedCompletionStatus(port, 9, 8, NULL), TRUE);
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, NULL, &key, &ov, 0), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, NULL, &ov, 0), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, NULL, 0), FALSE);
	ck_assert_int_eq(errno, EINVAL);
	/* The packet is still there. */
	ck_assert(readable(port));
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), TRUE);
	ck_assert_uint_eq(bytes, 9);
	ck_assert_uint_eq(key, 8);
	close_ok(port);
}
END_TEST

/* A thread that takes one packet from a port. */
struct taker {
	HANDLE port;
	DWORD ms;
	pthread_barrier_t *go;
	BOOL ok;
	int err;
	DWORD bytes;
	ULONG_PTR key;
	LPOVERLAPPED ov;
};

static void *
taker_main(void *arg)
{
	struct taker *t = arg;

	pthread_barrier_wait(t->go);
	errno = 0;
	t->ok = GetQueuedCompletionStatus(t->port, &t->bytes, &t->key, &t->ov, t->ms);
	t->err = errno;
	return NULL;
}

START_TEST(port_post_wakes_waiter)
{
	pthread_barrier_t go;
	HANDLE port = new_port();
	OVERLAPPED ovl;
	struct taker tk = { .port = port, .ms = INFINITE, .go = &go };

	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(taker_main, &tk);
	pthread_barrier_wait(&go);
	usleep(10000);
	ck_assert_int_eq(PostQueuedCompletionStatus(port, 100, 200, &ovl), TRUE);
	join(t);
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(tk.ok, TRUE);
	ck_assert_uint_eq(tk.bytes, 100);
	ck_assert_uint_eq(tk.key, 200);
	ck_assert_ptr_eq(tk.ov, &ovl);
	ck_assert(!readable(port));
	close_ok(port);
}
END_TEST

START_TEST(port_close_wakes_waiter)
{
	pthread_barrier_t go;
	HANDLE port = new_port();
	struct taker tk = {
		.port = port,
		.ms = LONG_WAIT_MS,
		.go = &go,
		.bytes = 11,
		.key = 22,
		.ov = (LPOVERLAPPED)0x33,
	};

	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(taker_main, &tk);
	pthread_barrier_wait(&go);
	usleep(10000);
	close_ok(port);
	join(t);
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(tk.ok, FALSE);
	ck_assert_int_eq(tk.err, EBADF);
	ck_assert_uint_eq(tk.bytes, 11);
	ck_assert_uint_eq(tk.key, 22);
	ck_assert_ptr_null(tk.ov); /* as Windows: no packet */
}
END_TEST

START_TEST(port_close_drops_queued_packets)
{
	int before = fd_count();
	HANDLE port = new_port();

	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(PostQueuedCompletionStatus(port, i, i, NULL), TRUE);
	ck_assert_int_eq(fd_count(), before + 1);
	close_ok(port);
	ck_assert_int_eq(fd_count(), before);
}
END_TEST

#define PRODUCERS    4
#define PER_PRODUCER 1000
#define CONSUMERS    3
#define CONSUMED_MAX (PRODUCERS * PER_PRODUCER)
#define QUIT_KEY     ((ULONG_PTR)-1)

struct producer {
	HANDLE port;
	int id;
	int failures;
};

/* Posts PER_PRODUCER packets: key = id, bytes = sequence number. */
static void *
producer_main(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < PER_PRODUCER; i++)
		if (!PostQueuedCompletionStatus(p->port, (DWORD)i, (ULONG_PTR)p->id, NULL))
			p->failures++;
	return NULL;
}

START_TEST(port_many_producers_each_packet_once)
{
	HANDLE port = new_port();
	struct producer pr[PRODUCERS];
	pthread_t t[PRODUCERS];
	int next[PRODUCERS] = { 0 };

	for (int i = 0; i < PRODUCERS; i++) {
		pr[i] = (struct producer){ .port = port, .id = i };
		t[i] = spawn(producer_main, &pr[i]);
	}
	/* Consumed while the producers run. Each producer's packets arrive in its order, so
	 * "next expected sequence number" per producer proves each arrives exactly once. */
	for (int n = 0; n < PRODUCERS * PER_PRODUCER; n++) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov = (LPOVERLAPPED)0x1;

		ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, LONG_WAIT_MS),
				 TRUE);
		ck_assert_uint_lt(key, PRODUCERS);
		ck_assert_uint_eq(bytes, (DWORD)next[key]);
		ck_assert_ptr_null(ov);
		next[key]++;
	}
	for (int i = 0; i < PRODUCERS; i++) {
		join(t[i]);
		ck_assert_int_eq(pr[i].failures, 0);
		ck_assert_int_eq(next[i], PER_PRODUCER);
	}
	ck_assert(!readable(port));
	DWORD bytes;
	ULONG_PTR key;
	LPOVERLAPPED ov;
	ck_assert_int_eq(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0), FALSE);
	close_ok(port);
}
END_TEST

struct consumer {
	HANDLE port;
	atomic_int *seen; /* CONSUMED_MAX counters */
	int taken;
	int out_of_order; /* packets older than the previous one this consumer took */
	int failures;
};

static void *
consumer_main(void *arg)
{
	struct consumer *c = arg;
	long last = -1;

	for (;;) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;

		if (!GetQueuedCompletionStatus(c->port, &bytes, &key, &ov, LONG_WAIT_MS)) {
			c->failures++;
			return NULL;
		}
		if (key == QUIT_KEY)
			return NULL;
		if (bytes >= CONSUMED_MAX) {
			c->failures++;
			continue;
		}
		if ((long)bytes <= last)
			c->out_of_order++;
		last = bytes;
		atomic_fetch_add(&c->seen[bytes], 1);
		c->taken++;
	}
}

START_TEST(port_many_consumers_each_packet_once)
{
	static atomic_int seen[CONSUMED_MAX];
	HANDLE port = new_port();
	struct consumer co[CONSUMERS];
	pthread_t t[CONSUMERS];

	for (int i = 0; i < CONSUMED_MAX; i++)
		atomic_init(&seen[i], 0);
	for (int i = 0; i < CONSUMERS; i++) {
		co[i] = (struct consumer){ .port = port, .seen = seen };
		t[i] = spawn(consumer_main, &co[i]);
	}
	for (int i = 0; i < CONSUMED_MAX; i++)
		ck_assert_int_eq(PostQueuedCompletionStatus(port, (DWORD)i, 0, NULL), TRUE);
	/* FIFO: the quit packets come after every real one. */
	for (int i = 0; i < CONSUMERS; i++)
		ck_assert_int_eq(PostQueuedCompletionStatus(port, 0, QUIT_KEY, NULL), TRUE);
	int total = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		join(t[i]);
		ck_assert_int_eq(co[i].failures, 0);
		ck_assert_int_eq(co[i].out_of_order, 0);
		total += co[i].taken;
	}
	ck_assert_int_eq(total, CONSUMED_MAX);
	for (int i = 0; i < CONSUMED_MAX; i++)
		ck_assert_int_eq(atomic_load(&seen[i]), 1);
	ck_assert(!readable(port));
	close_ok(port);
}
END_TEST

/* ==== APC queues and alertable waits =========================================================== */

static RPC_ASYNC_STATE states[APC_LOG_MAX];

struct poster {
	rpcrt_apc_queue *q;
	int first, count;      /* posts log_apc for states[first .. first+count-1] */
	pthread_barrier_t *go; /* NULL or passed before posting */
	unsigned delay_us;     /* slept after go, before posting */
	int failures;
	DWORD own_sleep; /* what SleepEx(0, TRUE) returned in the posting thread afterwards */
};

static void *
poster_main(void *arg)
{
	struct poster *p = arg;

	if (p->go)
		pthread_barrier_wait(p->go);
	if (p->delay_us)
		usleep(p->delay_us);
	for (int i = p->first; i < p->first + p->count; i++)
		if (!rpcrt_apc_post(p->q, log_apc, &states[i], (RPC_ASYNC_EVENT)(i % 5)))
			p->failures++;
	/* The APCs belong to the other thread: this thread's alertable wait runs none. */
	p->own_sleep = SleepEx(0, TRUE);
	return NULL;
}

static void *
queue_of_thread(void *arg)
{
	(void)arg;
	return rpcrt_apc_queue_current();
}

START_TEST(apc_queue_is_per_thread)
{
	rpcrt_apc_queue *a = rpcrt_apc_queue_current(), *b = rpcrt_apc_queue_current();

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	rpcrt_apc_queue_unref(b);

	/* Another thread has its own queue, freed (descriptor and all) once its thread has
	 * exited and the last reference is gone. */
	int before = fd_count();
	pthread_t t = spawn(queue_of_thread, NULL);
	void *other = NULL;
	ck_assert_int_eq(pthread_join(t, &other), 0);
	ck_assert_ptr_nonnull(other);
	ck_assert_ptr_ne(other, a);
	ck_assert_int_eq(fd_count(), before + 1);
	rpcrt_apc_queue_unref(other);
	ck_assert_int_eq(fd_count(), before);

	rpcrt_apc_queue_unref(a);
	rpcrt_apc_queue_unref(NULL);
}
END_TEST

START_TEST(apc_runs_only_in_an_alertable_wait_of_its_thread)
{
	rpcrt_apc_queue *q = rpcrt_apc_queue_current();
	struct poster p = { .q = q, .first = 0, .count = 1 };
	HANDLE ev = new_event(TRUE, FALSE);

	ck_assert_ptr_nonnull(q);
	join(spawn(poster_main, &p));
	ck_assert_int_eq(p.failures, 0);
	ck_assert_uint_eq(p.own_sleep, 0);
	ck_assert_int_eq(apc_count(), 0);

	/* Non-alertable waits leave it queued. */
	ck_assert_uint_eq(SleepEx(0, FALSE), 0);
	ck_assert_uint_eq(SleepEx(20, FALSE), 0);
	ck_assert_uint_eq(WaitForSingleObject(ev, 20), WAIT_TIMEOUT);
	ck_assert_uint_eq(WaitForSingleObjectEx(ev, 20, FALSE), WAIT_TIMEOUT);
	ck_assert_int_eq(apc_count(), 0);

	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 1);
	ck_assert_ptr_eq(apc_log.pAsync[0], &states[0]);
	ck_assert_ptr_null(apc_log.context[0]);
	ck_assert_int_eq(apc_log.ev[0], RpcCallComplete);
	ck_assert(pthread_equal(apc_log.thread[0], pthread_self()));

	/* It ran once. */
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	ck_assert_uint_eq(SleepEx(20, TRUE), 0);
	ck_assert_int_eq(apc_count(), 1);
	close_ok(ev);
	rpcrt_apc_queue_unref(q);
}
END_TEST

START_TEST(apc_fifo_order)
{
	rpcrt_apc_queue *q = rpcrt_apc_queue_current();
	enum { N = 100 };

	ck_assert_ptr_nonnull(q);
	for (int i = 0; i < N; i++)
		ck_assert(rpcrt_apc_post(q, log_apc, &states[i], (RPC_ASYNC_EVENT)(i % 5)));
	/* One alertable wait runs all of them, in order. */
	ck_assert_uint_eq(SleepEx(LONG_WAIT_MS, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), N);
	for (int i = 0; i < N; i++) {
		ck_assert_ptr_eq(apc_log.pAsync[i], &states[i]);
		ck_assert_int_eq(apc_log.ev[i], i % 5);
		ck_assert_ptr_null(apc_log.context[i]);
	}
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	rpcrt_apc_queue_unref(q);
}
END_TEST

/* _i: 0 SleepEx, 1 WaitForSingleObjectEx. */
START_TEST(apc_wakes_an_alertable_wait)
{
	pthread_barrier_t go;
	rpcrt_apc_queue *q = rpcrt_apc_queue_current();
	struct poster p = { .q = q, .first = 3, .count = 2, .go = &go, .delay_us = 20000 };
	HANDLE ev = new_event(FALSE, FALSE);

	ck_assert_ptr_nonnull(q);
	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(poster_main, &p);
	pthread_barrier_wait(&go);
	/* The posts most likely land while this thread sleeps; either way the wait ends with
	 * them run, long before LONG_WAIT_MS. */
	if (_i == 0)
		ck_assert_uint_eq(SleepEx(LONG_WAIT_MS, TRUE), WAIT_IO_COMPLETION);
	else
		ck_assert_uint_eq(WaitForSingleObjectEx(ev, LONG_WAIT_MS, TRUE),
				  WAIT_IO_COMPLETION);
	join(t);
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(p.failures, 0);
	/* The two posts may straddle the wake-up; a second alertable wait gets any rest. */
	if (apc_count() < 2)
		ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 2);
	ck_assert_ptr_eq(apc_log.pAsync[0], &states[3]);
	ck_assert_ptr_eq(apc_log.pAsync[1], &states[4]);
	ck_assert(pthread_equal(apc_log.thread[0], pthread_self()));
	ck_assert(pthread_equal(apc_log.thread[1], pthread_self()));
	/* The event was not touched. */
	ck_assert(!readable(ev));
	close_ok(ev);
	rpcrt_apc_queue_unref(q);
}
END_TEST

START_TEST(apc_signalled_object_wins)
{
	rpcrt_apc_queue *q = rpcrt_apc_queue_current();
	HANDLE ev = new_event(FALSE, TRUE);

	ck_assert_ptr_nonnull(q);
	ck_assert(rpcrt_apc_post(q, log_apc, &states[0], RpcCallComplete));
	ck_assert_uint_eq(WaitForSingleObjectEx(ev, 0, TRUE), WAIT_OBJECT_0);
	ck_assert_int_eq(apc_count(), 0);
	ck_assert(!readable(ev)); /* auto-reset: consumed */
	/* Now the event is reset: the alertable wait runs the APC. */
	ck_assert_uint_eq(WaitForSingleObjectEx(ev, LONG_WAIT_MS, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 1);
	ck_assert_uint_eq(WaitForSingleObjectEx(ev, 0, TRUE), WAIT_TIMEOUT);
	close_ok(ev);
	rpcrt_apc_queue_unref(q);
}
END_TEST

static rpcrt_apc_queue *requeue_q;

static void RPC_ENTRY
requeue_apc(PRPC_ASYNC_STATE pAsync, void *Context, RPC_ASYNC_EVENT Event)
{
	log_apc(pAsync, Context, Event);
	rpcrt_apc_post(requeue_q, log_apc, &states[1], RpcSendComplete);
}

START_TEST(apc_queued_by_an_apc_runs_in_the_next_wait)
{
	requeue_q = rpcrt_apc_queue_current();
	ck_assert_ptr_nonnull(requeue_q);
	ck_assert(rpcrt_apc_post(requeue_q, requeue_apc, &states[0], RpcCallComplete));

	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 1);
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 2);
	ck_assert_ptr_eq(apc_log.pAsync[1], &states[1]);
	ck_assert_int_eq(apc_log.ev[1], RpcSendComplete);
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	rpcrt_apc_queue_unref(requeue_q);
	requeue_q = NULL;
}
END_TEST

/* A thread that hands out its queue, lets the test post to it, and exits without waiting
 * alertably. */
struct exiter {
	pthread_barrier_t *go;
	rpcrt_apc_queue *q;
};

static void *
exiter_main(void *arg)
{
	struct exiter *e = arg;

	e->q = rpcrt_apc_queue_current();
	pthread_barrier_wait(e->go); /* q published */
	pthread_barrier_wait(e->go); /* the test has posted */
	return NULL;
}

START_TEST(apc_thread_exit_drops_queue)
{
	pthread_barrier_t go;
	struct exiter e = { .go = &go };
	int before = fd_count();

	pthread_barrier_init(&go, NULL, 2);
	pthread_t t = spawn(exiter_main, &e);
	pthread_barrier_wait(&go);
	ck_assert_ptr_nonnull(e.q);
	ck_assert(rpcrt_apc_post(e.q, log_apc, &states[0], RpcCallComplete));
	ck_assert(rpcrt_apc_post(e.q, log_apc, &states[1], RpcCallComplete));
	pthread_barrier_wait(&go);
	join(t);
	pthread_barrier_destroy(&go);

	ck_assert_int_eq(apc_count(), 0);
	errno = 0;
	ck_assert(!rpcrt_apc_post(e.q, log_apc, &states[2], RpcCallComplete));
	ck_assert_int_eq(errno, ESRCH);
	/* This thread's alertable wait does not run them either. */
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	ck_assert_int_eq(apc_count(), 0);
	ck_assert_int_eq(fd_count(), before + 1); /* our reference keeps the queue */
	rpcrt_apc_queue_unref(e.q);
	ck_assert_int_eq(fd_count(), before);
}
END_TEST

START_TEST(apc_post_arguments)
{
	rpcrt_apc_queue *q = rpcrt_apc_queue_current();

	ck_assert_ptr_nonnull(q);
	errno = 0;
	ck_assert(!rpcrt_apc_post(NULL, log_apc, &states[0], RpcCallComplete));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert(!rpcrt_apc_post(q, NULL, &states[0], RpcCallComplete));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	/* pAsync is passed through as it is, even NULL. */
	ck_assert(rpcrt_apc_post(q, log_apc, NULL, RpcClientDisconnect));
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_count(), 1);
	ck_assert_ptr_null(apc_log.pAsync[0]);
	ck_assert_int_eq(apc_log.ev[0], RpcClientDisconnect);
	rpcrt_apc_queue_unref(q);
}
END_TEST

/* What alertable waits return in a thread that never made an APC queue. */
struct fresh {
	DWORD sleep0, sleep20, wait20;
	HANDLE ev;
};

static void *
fresh_main(void *arg)
{
	struct fresh *f = arg;

	f->sleep0 = SleepEx(0, TRUE);
	f->sleep20 = SleepEx(20, TRUE);
	f->wait20 = WaitForSingleObjectEx(f->ev, 20, TRUE);
	return NULL;
}

START_TEST(sleep_without_apcs)
{
	struct fresh f = { .sleep0 = 99, .sleep20 = 99, .wait20 = 99 };

	ck_assert_uint_eq(SleepEx(0, FALSE), 0);
	ck_assert_uint_eq(SleepEx(20, FALSE), 0);
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	ck_assert_uint_eq(SleepEx(20, TRUE), 0);

	f.ev = new_event(TRUE, FALSE);
	join(spawn(fresh_main, &f));
	ck_assert_uint_eq(f.sleep0, 0);
	ck_assert_uint_eq(f.sleep20, 0);
	ck_assert_uint_eq(f.wait20, WAIT_TIMEOUT);
	close_ok(f.ev);
}
END_TEST

/* ==== Suite ==================================================================================== */

static Suite *
handles_suite(void)
{
	Suite *s = suite_create("handles");
	TCase *ev = tcase_create("event");
	TCase *val = tcase_create("validation");
	TCase *port = tcase_create("port");
	TCase *apc = tcase_create("apc");

	tcase_add_checked_fixture(ev, setup, teardown);
	tcase_set_timeout(ev, 30);
	tcase_add_loop_test(ev, event_initial_state, 0, 4);
	tcase_add_test(ev, event_manual_reset);
	tcase_add_test(ev, event_auto_reset);
	tcase_add_test(ev, event_wait_times_out);
	tcase_add_loop_test(ev, event_set_from_other_thread_wakes_waiter, 0, 2);
	tcase_add_test(ev, event_auto_reset_releases_one_waiter_per_set);
	tcase_add_test(ev, event_manual_reset_releases_every_waiter);
	tcase_add_test(ev, event_create_arguments);
	tcase_add_test(ev, event_fd_properties);
	tcase_add_test(ev, event_close_wakes_waiter);
	suite_add_tcase(s, ev);

	tcase_add_checked_fixture(val, setup, teardown);
	tcase_set_timeout(val, 30);
	tcase_add_test(val, handles_never_created_are_refused);
	tcase_add_test(val, handles_closed_are_refused);
	tcase_add_test(val, handles_of_the_wrong_kind_are_refused);
	tcase_add_test(val, handles_many_live_at_once);
	tcase_add_loop_test(val, close_races_with_users, 0, 2);
	suite_add_tcase(s, val);

	tcase_add_checked_fixture(port, setup, teardown);
	tcase_set_timeout(port, 30);
	tcase_add_test(port, port_create_forms);
	tcase_add_test(port, port_fifo_round_trip);
	tcase_add_loop_test(port, port_empty_returns_false_overlapped_null, 0, 2);
	tcase_add_test(port, port_null_outputs_are_refused);
	tcase_add_test(port, port_post_wakes_waiter);
	tcase_add_test(port, port_close_wakes_waiter);
	tcase_add_test(port, port_close_drops_queued_packets);
	tcase_add_test(port, port_many_producers_each_packet_once);
	tcase_add_test(port, port_many_consumers_each_packet_once);
	suite_add_tcase(s, port);

	tcase_add_checked_fixture(apc, setup, teardown);
	tcase_set_timeout(apc, 30);
	tcase_add_test(apc, apc_queue_is_per_thread);
	tcase_add_test(apc, apc_runs_only_in_an_alertable_wait_of_its_thread);
	tcase_add_test(apc, apc_fifo_order);
	tcase_add_loop_test(apc, apc_wakes_an_alertable_wait, 0, 2);
	tcase_add_test(apc, apc_signalled_object_wins);
	tcase_add_test(apc, apc_queued_by_an_apc_runs_in_the_next_wait);
	tcase_add_test(apc, apc_thread_exit_drops_queue);
	tcase_add_test(apc, apc_post_arguments);
	tcase_add_test(apc, sleep_without_apcs);
	suite_add_tcase(s, apc);
	return s;
}

RC_CHECK_MAIN(handles_suite)
