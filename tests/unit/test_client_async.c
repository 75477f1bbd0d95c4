/* The asynchronous client (runtime/client_async.c) against an in-process ridl server
 * (synchronous managers, asynctest.idl) over ncalrpc and TCP, and against a scripted server
 * for replies no ridl server sends: every notification kind, polling, [out] parameters and
 * Reply written only by a successful RpcAsyncCompleteCall, faults, timeouts, cancels, a lost
 * connection, many calls outstanding. "Rule N" refers to the consolidated rules of
 * ms-rpc-async.md §3.1. */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asynctest.h"
#include "check_main.h"
#include "ndr.h"
#include "pdu.h"
#include "rpc.h"
#include "server.h"
#include "transport.h"

static char endpoint[64];
static RPC_BINDING_HANDLE h;

static void
server_up(void)
{
	snprintf(endpoint, sizeof(endpoint), "asynctest-%d", (int)getpid());
	extern RPC_IF_HANDLE asynctest_v1_0_s_ifspec;
	ck_assert_int_eq(RpcServerUseProtseqEp((RPC_CSTR) "ncalrpc", 20, (RPC_CSTR)endpoint, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerRegisterIf(asynctest_v1_0_s_ifspec, NULL, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerListen(1, 64, TRUE), RPC_S_OK);
	char sb[128];
	snprintf(sb, sizeof(sb), "ncalrpc:[%s]", endpoint);
	ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR)sb, &h), RPC_S_OK);
}

static void
server_down(void)
{
	RpcBindingFree(&h);
	RpcMgmtStopServerListening(NULL);
	RpcMgmtWaitServerListen();
	rpcrt_server_reset();
}

static void
init(RPC_ASYNC_STATE *s, RPC_NOTIFICATION_TYPES type)
{
	ck_assert_int_eq(RpcAsyncInitializeHandle(s, sizeof(*s)), RPC_S_OK);
	s->NotificationType = type;
}

/* Polls until the call is no longer pending (bounded: 10 s). */
static RPC_STATUS
poll_done(RPC_ASYNC_STATE *s)
{
	RPC_STATUS st = RPC_S_ASYNC_CALL_PENDING;
	for (int i = 0; i < 10000 && st == RPC_S_ASYNC_CALL_PENDING; i++) {
		st = RpcAsyncGetCallStatus(s);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			usleep(1000);
	}
	return st;
}

/* Issues a call, catching what the stub raises. */
#define ISSUE(call)                                                                                \
	({                                                                                         \
		volatile RPC_STATUS _st = RPC_S_OK;                                                \
		RpcTryExcept { call; }                                                             \
		RpcExcept(1) { _st = RpcExceptionCode(); }                                         \
		RpcEndExcept;                                                                      \
		_st;                                                                               \
	})

/* ---- notification kinds ---- */

START_TEST(event_notification)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeEvent);
	s.u.hEvent = CreateEvent(NULL, FALSE, FALSE, NULL);
	ck_assert_ptr_nonnull(s.u.hEvent);
	s.Event = (RPC_ASYNC_EVENT)77;
	ck_assert_int_eq(ISSUE(Add(&s, h, 2, 3)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	ck_assert_int_eq(s.Event, RpcCallComplete); /* written before the notification */
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_OK);
	int32_t reply = -1;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 5);
	/* Rule 4: exactly one notification. */
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 50), WAIT_TIMEOUT);
	/* Finished: the state has no call any more (Windows: RPC_S_INVALID_BINDING). */
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_INVALID_BINDING);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_INVALID_ASYNC_HANDLE);
	/* Rule 1: a completed state may be reused directly. */
	ck_assert_int_eq(ISSUE(Add(&s, h, 40, 2)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 42);
	ck_assert(CloseHandle(s.u.hEvent));
}
END_TEST

START_TEST(polling_pending)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Delay(&s, h, 300, 9)), RPC_S_OK);
	/* Rule 5: before completion, PENDING, and nothing changes. */
	int32_t reply = -1;
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_int_eq(reply, -1);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_ASYNC_CALL_PENDING);
	/* Rule 2: one state per outstanding call. */
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_OK); /* GetCallStatus never finishes */
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 9);
}
END_TEST

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
static int cb_calls;
static RPC_STATUS cb_status;
static int32_t cb_reply;
static RPC_ASYNC_EVENT cb_event;

static void RPC_ENTRY
on_complete(PRPC_ASYNC_STATE s, void *ctx, RPC_ASYNC_EVENT ev)
{
	int32_t r = -1;
	RPC_STATUS st = ctx == NULL ? RpcAsyncCompleteCall(s, &r) : RPC_S_INTERNAL_ERROR;
	pthread_mutex_lock(&cb_lock);
	cb_calls++;
	cb_status = st;
	cb_reply = r;
	cb_event = ev;
	pthread_cond_broadcast(&cb_cond);
	pthread_mutex_unlock(&cb_lock);
}

static int
wait_callbacks(int n)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&cb_lock);
	while (cb_calls < n && pthread_cond_timedwait(&cb_cond, &cb_lock, &dl) == 0)
		;
	int got = cb_calls;
	pthread_mutex_unlock(&cb_lock);
	return got;
}

START_TEST(callback_notification)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeCallback);
	s.u.NotificationRoutine = on_complete;
	ck_assert_int_eq(ISSUE(Add(&s, h, 20, 22)), RPC_S_OK);
	ck_assert_int_eq(wait_callbacks(1), 1);
	/* The routine ran on a runtime thread and finished the call from inside. */
	ck_assert_int_eq(cb_status, RPC_S_OK);
	ck_assert_int_eq(cb_reply, 42);
	ck_assert_int_eq(cb_event, RpcCallComplete);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_INVALID_BINDING);
}
END_TEST

START_TEST(ioc_notification)
{
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	ck_assert_ptr_nonnull(port);
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeIoc);
	OVERLAPPED ov;
	s.u.IOC.hIOPort = port;
	s.u.IOC.dwNumberOfBytesTransferred = 1234;
	s.u.IOC.dwCompletionKey = 0xfeed;
	s.u.IOC.lpOverlapped = &ov;
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 2)), RPC_S_OK);
	DWORD bytes = 0;
	ULONG_PTR key = 0;
	LPOVERLAPPED got = NULL;
	ck_assert(GetQueuedCompletionStatus(port, &bytes, &key, &got, 10000));
	/* The three values the application set, unchanged. */
	ck_assert_uint_eq(bytes, 1234);
	ck_assert_uint_eq(key, 0xfeed);
	ck_assert_ptr_eq(got, &ov);
	int32_t reply = 0;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 3);
	ck_assert(!GetQueuedCompletionStatus(port, &bytes, &key, &got, 0));
	ck_assert(CloseHandle(port));
}
END_TEST

static int apc_runs;
static RPC_STATUS apc_status;
static int32_t apc_reply;

static void RPC_ENTRY
on_apc(PRPC_ASYNC_STATE s, void *ctx, RPC_ASYNC_EVENT ev)
{
	(void)ctx;
	ck_assert_int_eq(ev, RpcCallComplete);
	apc_runs++;
	apc_status = RpcAsyncCompleteCall(s, &apc_reply);
}

START_TEST(apc_notification)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeApc);
	s.u.APC.NotificationRoutine = on_apc;
	s.u.APC.hThread = NULL; /* the issuing thread */
	ck_assert_int_eq(ISSUE(Add(&s, h, 5, 6)), RPC_S_OK);
	/* Not in a non-alertable wait, however long. */
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	ck_assert_uint_eq(SleepEx(20, FALSE), 0);
	ck_assert_int_eq(apc_runs, 0);
	/* In an alertable one, on this thread. */
	DWORD r = 0;
	for (int i = 0; i < 100 && apc_runs == 0; i++)
		r = SleepEx(100, TRUE);
	ck_assert_uint_eq(r, WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_runs, 1);
	ck_assert_int_eq(apc_status, RPC_S_OK);
	ck_assert_int_eq(apc_reply, 11);
}
END_TEST

/* ---- refusals at issue (rule 3: raised, and nothing follows) ---- */

START_TEST(issue_refusals)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeHwnd);
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_INVALID_BINDING);
	s.NotificationType = (RPC_NOTIFICATION_TYPES)9;
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ARG);
	s.NotificationType = RpcNotificationTypeEvent;
	s.u.hEvent = NULL;
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ARG);
	s.u.hEvent = &s; /* not an event */
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ARG);
	s.NotificationType = RpcNotificationTypeIoc;
	s.u.IOC.hIOPort = NULL;
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ARG);
	s.NotificationType = RpcNotificationTypeCallback;
	s.u.NotificationRoutine = NULL;
	ck_assert_int_eq(ISSUE(Add(&s, h, 1, 1)), RPC_S_INVALID_ARG);
	/* Not initialised. */
	RPC_ASYNC_STATE z;
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(ISSUE(Add(&z, h, 1, 1)), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(ISSUE(Add(NULL, h, 1, 1)), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&z), RPC_S_INVALID_BINDING); /* as Windows */
	ck_assert_int_eq(RpcAsyncGetCallStatus(NULL), RPC_S_INVALID_ASYNC_HANDLE);
	/* No binding. */
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Add(&s, NULL, 1, 1)), RPC_S_INVALID_BINDING);
	/* Nothing listening: the connection fails at issue. */
	RPC_BINDING_HANDLE dead;
	ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR) "ncalrpc:[asynctest-nobody-here]", &dead), RPC_S_OK);
	ck_assert_int_eq(ISSUE(Add(&s, dead, 1, 1)), RPC_S_SERVER_UNAVAILABLE);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_INVALID_BINDING);
	/* With [comm_status] the failure is the call's outcome instead, notified as usual. */
	s.NotificationType = RpcNotificationTypeEvent;
	s.u.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
	int32_t v = 99;
	ck_assert_int_eq(ISSUE(Status(&s, dead, 0, &v)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	error_status_t es = 0;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &es), RPC_S_SERVER_UNAVAILABLE);
	ck_assert_uint_eq(es, RPC_S_SERVER_UNAVAILABLE);
	ck_assert_int_eq(v, 99);
	CloseHandle(s.u.hEvent);
	RpcBindingFree(&dead);
}
END_TEST

/* ---- parameters ---- */

START_TEST(out_parameters)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeNone);
	int32_t values[100], count = -1, reply = -1;
	for (int i = 0; i < 100; i++)
		values[i] = -7;
	ck_assert_int_eq(ISSUE(Fill(&s, h, 100, values, &count)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	/* Rule 6: not written before RpcAsyncCompleteCall. */
	ck_assert_int_eq(count, -1);
	ck_assert_int_eq(values[99], -7);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(count, 100);
	ck_assert_int_eq(reply, 100);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(values[i], i * i);

	int64_t v = 21;
	char *copy = NULL;
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Echo(&s, h, &v, "asynchronous", &copy)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	ck_assert_int_eq(v, 21);
	ck_assert_ptr_null(copy);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(v, 42);
	ck_assert_str_eq(copy, "asynchronous");
	ck_assert_int_eq(reply, 12);
	MIDL_user_free(copy);

	/* void: Reply may be NULL. */
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Nothing(&s, h)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, NULL), RPC_S_OK);
}
END_TEST

START_TEST(faults)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeNone);
	int32_t reply = -1;
	/* Rule 8: the server's exception code is RpcAsyncCompleteCall's status. */
	ck_assert_int_eq(ISSUE(Raise(&s, h, 0x1234)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), 0x1234);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), 0x1234);
	ck_assert_int_eq(reply, -1); /* rule 6 */
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_INVALID_BINDING);

	/* [comm_status, fault_status] on the return: the status also lands in *Reply. */
	int32_t v = -1;
	error_status_t es = 1;
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Status(&s, h, 0, &v)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK);
	/* A value-returning procedure needs a Reply: refused, and nothing changes (rule 6). */
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &es), RPC_S_OK);
	ck_assert_uint_eq(es, 0);
	ck_assert_int_eq(v, 7);
	v = -1;
	init(&s, RpcNotificationTypeNone);
	ck_assert_int_eq(ISSUE(Status(&s, h, RPC_S_ACCESS_DENIED, &v)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &es), RPC_S_ACCESS_DENIED);
	ck_assert_uint_eq(es, RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(v, -1);
}
END_TEST

START_TEST(call_timeout)
{
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 100), RPC_S_OK);
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeEvent);
	s.u.hEvent = CreateEvent(NULL, FALSE, FALSE, NULL);
	ck_assert_int_eq(ISSUE(Delay(&s, h, 1500, 1)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	int32_t reply = -1;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_CALL_CANCELLED);
	ck_assert_int_eq(reply, -1);
	/* The connection stays usable: a late reply to the abandoned call is dropped. */
	ck_assert_int_eq(ISSUE(Add(&s, h, 3, 4)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 7);
	CloseHandle(s.u.hEvent);
}
END_TEST

START_TEST(cancels)
{
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeEvent);
	s.u.hEvent = CreateEvent(NULL, FALSE, FALSE, NULL);
	/* Abortive: completes at once with RPC_S_CALL_CANCELLED, still notified (rule 9). */
	ck_assert_int_eq(ISSUE(Delay(&s, h, 1500, 1)), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_int_eq(RpcAsyncCancelCall(&s, TRUE), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 1000), WAIT_OBJECT_0);
	int32_t reply = -1;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_CALL_CANCELLED);
	ck_assert_int_eq(reply, -1);
	ck_assert_int_eq(RpcAsyncCancelCall(&s, TRUE), RPC_S_INVALID_ASYNC_HANDLE);
	/* Non-abortive: the call goes on until the server ends it (this manager ignores
	 * cancels), and its result arrives. */
	ck_assert_int_eq(ISSUE(Delay(&s, h, 200, 5)), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncCancelCall(&s, FALSE), RPC_S_OK);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 5);
	CloseHandle(s.u.hEvent);
}
END_TEST

START_TEST(cancel_reaches_the_server)
{
	/* Non-abortive: the server's manager sees it (RpcServerTestCancel) and aborts the call
	 * with RPC_S_CALL_CANCELLED, which is what the client gets (rules 8 and 9). */
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeEvent);
	s.u.hEvent = CreateEvent(NULL, FALSE, FALSE, NULL);
	ck_assert_int_eq(ISSUE(Wait(&s, h, 20000)), RPC_S_OK);
	usleep(50000);
	ck_assert_int_eq(RpcAsyncGetCallStatus(&s), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_int_eq(RpcAsyncCancelCall(&s, FALSE), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	int32_t reply = -1;
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_CALL_CANCELLED);
	ck_assert_int_eq(reply, -1);
	/* Not cancelled: the same procedure completes with its value. */
	ck_assert_int_eq(ISSUE(Wait(&s, h, 30)), RPC_S_OK);
	ck_assert_uint_eq(WaitForSingleObject(s.u.hEvent, 10000), WAIT_OBJECT_0);
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_S_OK);
	ck_assert_int_eq(reply, 30);
	CloseHandle(s.u.hEvent);
}
END_TEST

/* ---- many outstanding calls ---- */

#define THREADS 8
#define PER_THREAD 125

static void *
many_thread(void *arg)
{
	intptr_t t = (intptr_t)arg;
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	RPC_ASYNC_STATE *s = calloc(PER_THREAD, sizeof(*s));
	int32_t *reply = calloc(PER_THREAD, sizeof(*reply));
	int bad = port == NULL, issued = 0;
	for (int i = 0; i < PER_THREAD && !bad; i++, issued++) {
		RpcAsyncInitializeHandle(&s[i], sizeof(s[i]));
		s[i].NotificationType = RpcNotificationTypeIoc;
		s[i].u.IOC.hIOPort = port;
		s[i].u.IOC.dwCompletionKey = (ULONG_PTR)i;
		RPC_STATUS st = ISSUE(Delay(&s[i], h, i % 3, (int32_t)(t * 1000 + i)));
		if (st) {
			fprintf(stderr, "# issue %d: %lu\n", i, (unsigned long)st);
			bad = 1;
			issued--;
		}
	}
	for (int n = 0; n < issued; n++) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 20000) || key >= PER_THREAD)
			abort(); /* calls still outstanding: the states must not be freed */
		RPC_STATUS st = RpcAsyncCompleteCall(&s[key], &reply[key]);
		if (st) {
			fprintf(stderr, "# complete %lu: %lu\n", (unsigned long)key, (unsigned long)st);
			bad = 1;
		}
	}
	for (int i = 0; i < PER_THREAD && !bad; i++)
		bad |= reply[i] != (int32_t)(t * 1000 + i);
	free(s);
	free(reply);
	if (port)
		CloseHandle(port);
	return (void *)(intptr_t)bad;
}

START_TEST(thousand_outstanding)
{
	/* 1,000 calls from 8 threads, all on one binding (so one connection), which the
	 * server must accept outstanding at once (its default is 64 per connection). */
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.max_conn_calls = 1024;
	ck_assert_int_eq(rpcrt_server_set_limits(&lim), RPC_S_OK);
	pthread_t th[THREADS];
	for (intptr_t t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, many_thread, (void *)t);
	for (int t = 0; t < THREADS; t++) {
		void *bad;
		pthread_join(th[t], &bad);
		ck_assert_int_eq((intptr_t)bad, 0);
	}
}
END_TEST

/* ---- over TCP ---- */

START_TEST(over_tcp)
{
	RPC_BINDING_VECTOR *v = NULL;
	ck_assert_int_eq(RpcServerUseProtseq((RPC_CSTR) "ncacn_ip_tcp", 20, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
	RPC_BINDING_HANDLE t = NULL;
	for (unsigned i = 0; i < v->Count && !t; i++) {
		RPC_CSTR sb = NULL, protseq = NULL, ep = NULL;
		RpcBindingToStringBinding(v->BindingH[i], &sb);
		RpcStringBindingParse(sb, NULL, &protseq, NULL, &ep, NULL);
		if (strcmp((char *)protseq, "ncacn_ip_tcp") == 0) {
			char s[128];
			snprintf(s, sizeof(s), "ncacn_ip_tcp:127.0.0.1[%s]", (char *)ep);
			ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR)s, &t), RPC_S_OK);
		}
		RpcStringFree(&sb);
		RpcStringFree(&protseq);
		RpcStringFree(&ep);
	}
	RpcBindingVectorFree(&v);
	ck_assert_ptr_nonnull(t);
	RPC_ASYNC_STATE s[4];
	int32_t r[4];
	for (int i = 0; i < 4; i++) {
		init(&s[i], RpcNotificationTypeNone);
		ck_assert_int_eq(ISSUE(Delay(&s[i], t, (3 - i) * 50, i)), RPC_S_OK);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(poll_done(&s[i]), RPC_S_OK);
		ck_assert_int_eq(RpcAsyncCompleteCall(&s[i], &r[i]), RPC_S_OK);
		ck_assert_int_eq(r[i], i);
	}
	RpcBindingFree(&t);
}
END_TEST

/* ---- a scripted server: replies no ridl server sends ---- */

enum script { CLOSE_AFTER_REQUESTS, BAD_REPLY };

struct script_server {
	int lfd;
	uint16_t port;
	enum script how;
	int want; /* requests to read before acting */
	pthread_t thread;
};

static bool
read_frag(int fd, rpcrt_buf *b, rpcrt_pdu_hdr *hd)
{
	b->len = 0;
	for (;;) {
		rpcrt_pdu_status st = rpcrt_pdu_parse_hdr(b->data, b->len, hd);
		if (st == RPCRT_PDU_OK)
			return true;
		if (st != RPCRT_PDU_NEED_MORE)
			return false;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return false;
		if (b->cap - b->len < 4096) {
			b->cap = b->cap ? b->cap * 2 : 65536;
			b->data = realloc(b->data, b->cap);
		}
		size_t want = b->len < 16 ? 16 - b->len : (size_t)hd->frag_length - b->len;
		ssize_t n = read(fd, b->data + b->len, want);
		if (n <= 0)
			return false;
		b->len += (size_t)n;
	}
}

static void
put_u32(rpcrt_buf *b, uint32_t v)
{
	b->data = realloc(b->data, b->len + 4);
	memcpy(b->data + b->len, &v, 4);
	b->len += 4;
}

static void *
script_main(void *arg)
{
	struct script_server *s = arg;
	struct pollfd p = {.fd = s->lfd, .events = POLLIN};
	int fd;
	if (poll(&p, 1, 10000) <= 0 || rpcrt_sock_accept(s->lfd, &fd) != RPC_S_OK)
		return NULL;
	rpcrt_buf in = {0}, out = {0};
	rpcrt_pdu_hdr hd;
	int requests = 0;
	while (read_frag(fd, &in, &hd)) {
		out.len = 0;
		if (hd.ptype == RPCRT_PTYPE_BIND) {
			rpcrt_pdu_result res = {0, 0, rpcrt_pdu_ndr20};
			rpcrt_pdu_bind_ack ack = {4096, 4096, 0x77, 5, "4242", 1, &res};
			rpcrt_pdu_encode_bind_ack(&out, hd.call_id, RPCRT_PFC_CONC_MPX, &ack);
		} else if (hd.ptype == RPCRT_PTYPE_REQUEST && ++requests == s->want) {
			if (s->how == CLOSE_AFTER_REQUESTS)
				break;
			/* Fill(n = 4): the array is complete, then the stub ends where *count
			 * should be. A reader that wrote as it went would have filled values[]. */
			rpcrt_buf stub = {0};
			put_u32(&stub, 4);
			for (uint32_t i = 0; i < 4; i++)
				put_u32(&stub, 100 + i);
			rpcrt_pdu_response rs = {0, 0, 0, stub.data, stub.len};
			rpcrt_pdu_encode_response_frags(&out, hd.call_id, 0, &rs, 4096);
			rpcrt_buf_free(&stub);
		}
		if (out.len && write(fd, out.data, out.len) != (ssize_t)out.len)
			break;
	}
	close(fd);
	rpcrt_buf_free(&in);
	rpcrt_buf_free(&out);
	return NULL;
}

static RPC_BINDING_HANDLE
script_start(struct script_server *s, enum script how, int want)
{
	s->how = how;
	s->want = want;
	size_t n;
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &s->lfd, 1, &n, &s->port), RPC_S_OK);
	pthread_create(&s->thread, NULL, script_main, s);
	char sb[64];
	snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%u]", s->port);
	RPC_BINDING_HANDLE b;
	ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR)sb, &b), RPC_S_OK);
	return b;
}

START_TEST(connection_lost)
{
	/* The server reads 100 requests and closes the connection: each of the 100 pending
	 * calls completes with RPC_S_CALL_FAILED and its notification. */
	struct script_server srv;
	RPC_BINDING_HANDLE b = script_start(&srv, CLOSE_AFTER_REQUESTS, 100);
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	static RPC_ASYNC_STATE s[100];
	int32_t r = -1;
	for (int i = 0; i < 100; i++) {
		init(&s[i], RpcNotificationTypeIoc);
		s[i].u.IOC.hIOPort = port;
		s[i].u.IOC.dwCompletionKey = (ULONG_PTR)i;
		ck_assert_int_eq(ISSUE(Add(&s[i], b, i, 1)), RPC_S_OK);
	}
	for (int n = 0; n < 100; n++) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		ck_assert(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 10000));
		ck_assert_uint_lt(key, 100);
		ck_assert_int_eq(RpcAsyncCompleteCall(&s[key], &r), RPC_S_CALL_FAILED);
	}
	ck_assert_int_eq(r, -1);
	ck_assert(!GetQueuedCompletionStatus(port, NULL, NULL, NULL, 0) || 0);
	pthread_join(srv.thread, NULL);
	close(srv.lfd);
	RpcBindingFree(&b);
	CloseHandle(port);
}
END_TEST

START_TEST(bad_reply_writes_nothing)
{
	/* Rule 6: a reply that fails to unmarshal leaves every [out] buffer as it was. */
	struct script_server srv;
	RPC_BINDING_HANDLE b = script_start(&srv, BAD_REPLY, 1);
	RPC_ASYNC_STATE s;
	init(&s, RpcNotificationTypeNone);
	int32_t values[4] = {-1, -1, -1, -1}, count = -1, reply = -1;
	ck_assert_int_eq(ISSUE(Fill(&s, b, 4, values, &count)), RPC_S_OK);
	ck_assert_int_eq(poll_done(&s), RPC_S_OK); /* the bytes are in; they are read later */
	ck_assert_int_eq(RpcAsyncCompleteCall(&s, &reply), RPC_X_BAD_STUB_DATA);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(values[i], -1);
	ck_assert_int_eq(count, -1);
	ck_assert_int_eq(reply, -1);
	RpcBindingFree(&b);
	pthread_join(srv.thread, NULL);
	close(srv.lfd);
}
END_TEST

static Suite *
client_async_suite(void)
{
	Suite *s = suite_create("client_async");
	TCase *tc = tcase_create("calls");
	tcase_add_checked_fixture(tc, server_up, server_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, event_notification);
	tcase_add_test(tc, polling_pending);
	tcase_add_test(tc, callback_notification);
	tcase_add_test(tc, ioc_notification);
	tcase_add_test(tc, apc_notification);
	tcase_add_test(tc, issue_refusals);
	tcase_add_test(tc, out_parameters);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, call_timeout);
	tcase_add_test(tc, cancels);
	tcase_add_test(tc, cancel_reaches_the_server);
	tcase_add_test(tc, thousand_outstanding);
	tcase_add_test(tc, over_tcp);
	suite_add_tcase(s, tc);
	TCase *sc = tcase_create("scripted");
	tcase_set_timeout(sc, 60);
	tcase_add_test(sc, connection_lost);
	tcase_add_test(sc, bad_reply_writes_nothing);
	suite_add_tcase(s, sc);
	return s;
}

RC_CHECK_MAIN(client_async_suite)
