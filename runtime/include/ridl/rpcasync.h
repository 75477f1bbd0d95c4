/**
 * @file rpcasync.h
 * @brief Asynchronous RPC (part of <rpc.h>): RPC_ASYNC_STATE, the RpcAsync* functions and the
 *        Win32-named event and completion-port objects used for notification.
 *
 * Semantics follow Microsoft's documentation. In short, on the client: initialise an
 * RPC_ASYNC_STATE with RpcAsyncInitializeHandle(), choose a NotificationType and fill `u`, call
 * the [async] stub; if the stub raised no exception, exactly one notification follows, after
 * which RpcAsyncCompleteCall() returns the final status and writes the [out] parameters and the
 * reply. The RPC_ASYNC_STATE and every [out] buffer belong to the caller and must stay valid and
 * unmoved until RpcAsyncCompleteCall() returns a status other than RPC_S_ASYNC_CALL_PENDING
 * (with Apc notification: until the routine has run, since it receives the state's address), and
 * [in] values that size an [out] buffer (`size_is(*pn)`) must not change before then either.
 * An [out] parameter is written whole or not at all.
 *
 * Notification kinds on POSIX: None (poll RpcAsyncGetCallStatus()), Event (`u.hEvent` from
 * CreateEvent()), Apc (run inside the issuing thread's alertable SleepEx()), Ioc (`u.IOC.hIOPort`
 * from CreateIoCompletionPort()), Callback (run on a runtime thread). Hwnd is refused with
 * RPC_S_CANNOT_SUPPORT.
 */
#ifndef RIDL_RPCASYNC_H
#define RIDL_RPCASYNC_H

#include "rpcdce.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _RPC_ASYNC_STATE;

/** How the runtime tells the application that an asynchronous call has completed. */
typedef enum _RPC_NOTIFICATION_TYPES {
	RpcNotificationTypeNone = 0,
	RpcNotificationTypeEvent = 1,
	RpcNotificationTypeApc = 2,
	RpcNotificationTypeIoc = 3,
	RpcNotificationTypeHwnd = 4,
	RpcNotificationTypeCallback = 5
} RPC_NOTIFICATION_TYPES;

/** What happened; the runtime stores it in RPC_ASYNC_STATE::Event before it notifies. */
typedef enum _RPC_ASYNC_EVENT {
	RpcCallComplete = 0,     /**< the call has completed (reply, fault or failure is in) */
	RpcSendComplete = 1,     /**< part of the data was sent (pipes only) */
	RpcReceiveComplete = 2,  /**< data was received (pipes only) */
	RpcClientDisconnect = 3, /**< server side: the client disconnected */
	RpcClientCancel = 4      /**< server side: the client cancelled the call */
} RPC_ASYNC_EVENT;

/**
 * Notification routine (Apc and Callback kinds). @p Context is reserved and always NULL.
 * A Callback routine runs on a runtime thread and may call RpcAsyncCompleteCall(); it should
 * return quickly.
 */
typedef void RPC_ENTRY RPCNOTIFICATION_ROUTINE(struct _RPC_ASYNC_STATE *pAsync, void *Context,
					       RPC_ASYNC_EVENT Event);
typedef RPCNOTIFICATION_ROUTINE *PFN_RPCNOTIFICATION_ROUTINE;

/** Notification parameters, selected by RPC_ASYNC_STATE::NotificationType; set by the app. */
typedef union _RPC_ASYNC_NOTIFICATION_INFO {
	struct {
		PFN_RPCNOTIFICATION_ROUTINE NotificationRoutine;
		HANDLE hThread; /**< must be NULL: the thread that issues the call (any other
				     value: RPC_S_INVALID_ARG) */
	} APC;
	struct {
		HANDLE hIOPort; /**< from CreateIoCompletionPort() */
		DWORD dwNumberOfBytesTransferred;
		DWORD_PTR dwCompletionKey;
		LPOVERLAPPED lpOverlapped;
	} IOC; /**< the three values are returned unchanged by GetQueuedCompletionStatus() */
	struct {
		HWND hWnd;
		UINT Msg;
	} HWND;        /**< unsupported on POSIX */
	HANDLE hEvent; /**< from CreateEvent(); signalled on completion */
	PFN_RPCNOTIFICATION_ROUTINE NotificationRoutine;
} RPC_ASYNC_NOTIFICATION_INFO, *PRPC_ASYNC_NOTIFICATION_INFO;

/**
 * The state of one asynchronous call, owned by the application (client) or the runtime (server).
 *
 * The application may write only Flags, UserInfo, NotificationType and `u`; the other fields
 * belong to the runtime and the stubs. A completed state may be reused directly or after a new
 * RpcAsyncInitializeHandle(); reinitialising is the portable rule.
 */
typedef struct _RPC_ASYNC_STATE {
	unsigned int Size;     /**< sizeof(RPC_ASYNC_STATE), set by RpcAsyncInitializeHandle() */
	uint32_t Signature;    /**< 0x43595341 ("ASYC") once initialised */
	int32_t Lock;          /**< reserved; 0 */
	uint32_t Flags;        /**< RPC_C_NOTIFY_ON_SEND_COMPLETE or 0 */
	void *StubInfo;        /**< reserved for the stubs */
	void *UserInfo;        /**< free for the application */
	void *RuntimeInfo;     /**< reserved for the runtime; see RpcAsyncGetCallHandle() */
	RPC_ASYNC_EVENT Event; /**< written by the runtime before notifying */
	RPC_NOTIFICATION_TYPES NotificationType; /**< set by the application after init */
	RPC_ASYNC_NOTIFICATION_INFO u;           /**< set by the application per NotificationType */
	LONG_PTR Reserved[4];                    /**< reserved; zeroed by init */
} RPC_ASYNC_STATE, *PRPC_ASYNC_STATE;

/** The only version of RPC_ASYNC_STATE: the Size to pass to RpcAsyncInitializeHandle(). */
#define RPC_ASYNC_VERSION_1_0 sizeof(RPC_ASYNC_STATE)

/** Flags: notify after each send completes (asynchronous pipes). Both names are Microsoft's. */
#define RPC_C_NOTIFY_ON_SEND_COMPLETE     0x1
#define RPC_ASYNC_NOTIFY_ON_SEND_COMPLETE 0x1

#define RPC_C_INFINITE_TIMEOUT INFINITE

/** Server: the call handle of an asynchronous call, for RpcServerTestCancel(). A macro. */
#define RpcAsyncGetCallHandle(pAsync) (((PRPC_ASYNC_STATE)(pAsync))->RuntimeInfo)

/** Server-side events an application can subscribe to. */
typedef enum _RPC_NOTIFICATIONS {
	RpcNotificationCallNone = 0,
	RpcNotificationClientDisconnect = 1,
	RpcNotificationCallCancel = 2
} RPC_NOTIFICATIONS;
#define RpcNotificationCallStatusChange RpcNotificationClientDisconnect

/* ---- Asynchronous calls -------------------------------------------------------------------- */

/**
 * Initialises an RPC_ASYNC_STATE before a call. @p Size must be exactly sizeof(RPC_ASYNC_STATE)
 * (RPC_ASYNC_VERSION_1_0). Sets Size, Signature, Lock, Flags, StubInfo, RuntimeInfo and Reserved;
 * leaves UserInfo, Event, NotificationType and `u` untouched.
 * @return RPC_S_OK; RPC_S_INVALID_ARG for any other Size (the state is then untouched);
 *         RPC_S_INVALID_ASYNC_HANDLE for a NULL @p pAsync.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncInitializeHandle(PRPC_ASYNC_STATE pAsync,
							  unsigned int Size);

/** Obsolete; does nothing and returns RPC_S_OK. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncRegisterInfo(PRPC_ASYNC_STATE pAsync);

/**
 * Client: polls an outstanding call. Never blocks and never ends the call.
 * @return RPC_S_ASYNC_CALL_PENDING while the call runs; RPC_S_OK once its reply is in (whose
 *         contents RpcAsyncCompleteCall() still checks: it may return RPC_X_BAD_STUB_DATA);
 *         otherwise the failure (call RpcAsyncCompleteCall() to finish the call either way);
 *         RPC_S_INVALID_BINDING for a state with no call (as Windows answers, even for an
 *         uninitialised one); RPC_S_INVALID_ASYNC_HANDLE for NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncGetCallStatus(PRPC_ASYNC_STATE pAsync);

/**
 * Client: finishes a completed call. Returns RPC_S_ASYNC_CALL_PENDING, changing nothing, if the
 * call is still running, and RPC_S_INVALID_ARG, changing nothing, when @p Reply is NULL for a
 * procedure that returns a value; any other status is final and frees the call's resources.
 * Only on RPC_S_OK are the [out] parameters and `*Reply` written (with [comm_status] or
 * [fault_status], the status is also written to them); @p Reply points to a variable of the
 * procedure's return type, or is NULL for a void procedure. RPC_S_INVALID_ASYNC_HANDLE for a
 * state with no call.
 *
 * Server: sends the reply of an [async] manager routine; @p Reply points to the return value
 * (NULL for void; NULL for a value-returning procedure: RPC_S_INVALID_ARG and the call stays
 * live). After it, the state and the parameters must not be touched.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncCompleteCall(PRPC_ASYNC_STATE pAsync, void *Reply);

/**
 * Server: ends an [async] call with a fault carrying @p ExceptionCode (non-zero), which becomes
 * the client's RpcAsyncCompleteCall() status. Call once, instead of RpcAsyncCompleteCall().
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncAbortCall(PRPC_ASYNC_STATE pAsync, ULONG ExceptionCode);

/**
 * Client: asks for an outstanding call to be cancelled. With @p fAbort TRUE the call completes
 * at once with RPC_S_CALL_CANCELLED (unless it had already completed); with FALSE the server is
 * told and the call completes when the server ends it. Either way the notification still
 * arrives and RpcAsyncCompleteCall() must still be called.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncCancelCall(PRPC_ASYNC_STATE pAsync, BOOL fAbort);

/**
 * Server: has the client cancelled the call? Pass RpcAsyncGetCallHandle(pAsync) for an [async]
 * call, or NULL for the calling thread's synchronous call. Only reports; changes nothing.
 * @return RPC_S_OK if cancelled; RPC_S_CALL_IN_PROGRESS if not; RPC_S_NO_CALL_ACTIVE;
 *         RPC_S_INVALID_BINDING.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerTestCancel(RPC_BINDING_HANDLE BindingHandle);

/**
 * Server: asks to be notified of @p Notification (ClientDisconnect or CallCancel) for the call
 * @p Binding. The runtime copies @p NotificationInfo. Unsubscribe before the call ends.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerSubscribeForNotification(
	RPC_BINDING_HANDLE Binding, RPC_NOTIFICATIONS Notification,
	RPC_NOTIFICATION_TYPES NotificationType, RPC_ASYNC_NOTIFICATION_INFO *NotificationInfo);

/** Server: cancels a subscription; `*NotificationsQueued` receives the number still queued. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerUnsubscribeForNotification(RPC_BINDING_HANDLE Binding,
								     RPC_NOTIFICATIONS Notification,
								     ULONG *NotificationsQueued);

/* ---- Event and completion-port objects (Win32 names) --------------------------------------- *
 *
 * These objects carry Win32's names and behaviour so that Windows code ports unchanged. The
 * application owns every HANDLE it creates and releases it with CloseHandle(), after the last
 * call using it has completed. Each is backed by a file descriptor (RpcHandleGetFd()), so an
 * event loop (epoll, libuv, GLib) can wait on it instead of blocking.
 *
 * Every function is thread-safe. A HANDLE is checked against the live objects before use, so a
 * HANDLE that was never created, has been closed, or names an object of another kind is refused
 * (FALSE, WAIT_FAILED, NULL or -1) without being dereferenced. A closed HANDLE's value may be
 * reused by a later object, as on Windows. Where Win32 sets the last error, these functions set
 * errno:
 *  - EBADF: the HANDLE is not a live object (NULL, INVALID_HANDLE_VALUE, closed, unknown);
 *  - EINVAL: a live object of the wrong kind (an event given to a port function or the other way
 *    round), or an argument the function does not accept;
 *  - ETIMEDOUT: GetQueuedCompletionStatus() found no packet in time;
 *  - ENOMEM, EMFILE, ENFILE: out of memory or file descriptors.
 *
 * CloseHandle() on an object that other threads wait in is safe: the waits end at once and fail
 * (WAIT_FAILED, or FALSE with the outputs untouched; errno EBADF), and the object's memory and
 * descriptor are released when the last of them has returned.
 *
 * Alertable waits (SleepEx(), WaitForSingleObjectEx() with bAlertable TRUE) run the APC
 * notification routines queued to the calling thread by asynchronous calls it issued with
 * RpcNotificationTypeApc: all of those queued so far, in the order they were queued, and then
 * return WAIT_IO_COMPLETION. A routine queued while the thread waits alertably ends the wait at
 * once. A routine queued by a running routine waits for the next alertable wait. Non-alertable
 * waits never run APCs; routines still queued when their thread exits are dropped.
 */

/**
 * Creates an event: signalled if @p bInitialState. A manual-reset event (@p bManualReset TRUE)
 * stays signalled until ResetEvent() and releases every waiter; an auto-reset one is reset by
 * the wait it releases, so one SetEvent() releases exactly one waiter.
 * @p lpEventAttributes is ignored; @p lpName must be NULL (named events are not supported).
 * @return the event, or NULL: EINVAL for a non-NULL @p lpName; ENOMEM, EMFILE, ENFILE.
 */
RIDL_EXPORT HANDLE CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
				BOOL bInitialState, LPCSTR lpName);
#define CreateEvent CreateEventA

/**
 * Signals an event (signalling a signalled event changes nothing; events do not count).
 * @return TRUE; FALSE with errno EBADF or EINVAL if @p hEvent is not a live event.
 */
RIDL_EXPORT BOOL SetEvent(HANDLE hEvent);

/**
 * Resets an event to non-signalled.
 * @return TRUE; FALSE with errno EBADF or EINVAL if @p hEvent is not a live event.
 */
RIDL_EXPORT BOOL ResetEvent(HANDLE hEvent);

/**
 * Waits until @p hHandle (an event) is signalled or @p dwMilliseconds pass (0: test and return
 * at once; INFINITE: no limit). A successful wait resets an auto-reset event. Never runs APCs.
 * @return WAIT_OBJECT_0; WAIT_TIMEOUT; WAIT_FAILED with errno EBADF or EINVAL when @p hHandle is
 *         not a live event, or EBADF when it is closed during the wait.
 */
RIDL_EXPORT DWORD WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);

/**
 * WaitForSingleObject(), alertable when @p bAlertable is TRUE: then the wait also ends when APC
 * routines are queued to the calling thread, and runs them. An event that is already signalled
 * wins: the wait returns WAIT_OBJECT_0 and pending APCs stay queued for the next alertable wait.
 * @return WAIT_OBJECT_0; WAIT_IO_COMPLETION when APCs ran (the event is left as it was);
 *         WAIT_TIMEOUT; WAIT_FAILED as for WaitForSingleObject().
 */
RIDL_EXPORT DWORD WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds, BOOL bAlertable);

/**
 * Creates a completion port: a thread-safe FIFO of packets that any number of threads may post
 * to and wait on. Only the form that creates a new port is supported: @p FileHandle
 * INVALID_HANDLE_VALUE and @p ExistingCompletionPort NULL; @p CompletionKey and
 * @p NumberOfConcurrentThreads are then ignored, as Win32 ignores the key.
 * @return the port, or NULL: EINVAL for any other form; ENOMEM, EMFILE, ENFILE.
 */
RIDL_EXPORT HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
					  ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads);

/**
 * Dequeues the oldest completion packet, waiting up to @p dwMilliseconds for one (0: poll;
 * INFINITE: no limit). Each packet goes to exactly one caller. The three outputs are required.
 * @return TRUE with the packet's three values written; FALSE when no packet was dequeued:
 *         on timeout (errno ETIMEDOUT) or error (EBADF, EINVAL; EINVAL also for a NULL output;
 *         EBADF when the port is closed during the wait). Then, as on Windows, *lpOverlapped
 *         is set to NULL (when lpOverlapped is not NULL) and the other two outputs are left
 *         as they were.
 */
RIDL_EXPORT BOOL GetQueuedCompletionStatus(HANDLE CompletionPort,
					   LPDWORD lpNumberOfBytesTransferred,
					   PULONG_PTR lpCompletionKey, LPOVERLAPPED *lpOverlapped,
					   DWORD dwMilliseconds);

/**
 * Queues a completion packet with the three given values, which GetQueuedCompletionStatus()
 * returns unchanged (@p lpOverlapped is never dereferenced). Never blocks.
 * @return TRUE; FALSE (nothing queued) with errno EBADF or EINVAL if @p CompletionPort is not a
 *         live port, or ENOMEM.
 */
RIDL_EXPORT BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
					    ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);

/**
 * Sleeps for @p dwMilliseconds (INFINITE: for ever). When @p bAlertable is TRUE, the APC
 * routines queued to the calling thread run inside the call, which then returns at once:
 * SleepEx(0, TRUE) runs the pending ones without sleeping.
 * @return 0 when the time elapsed; WAIT_IO_COMPLETION when APCs ran.
 */
RIDL_EXPORT DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable);

/**
 * Releases an event or completion port. Threads waiting in it fail (see above); a port's queued
 * packets are dropped. The HANDLE is invalid afterwards.
 * @return TRUE; FALSE with errno EBADF if @p hObject is not a live event or port.
 */
RIDL_EXPORT BOOL CloseHandle(HANDLE hObject);

/**
 * POSIX extension: the file descriptor behind an event or completion port, readable (POLLIN)
 * exactly while the event is signalled or the port holds a packet. The fd stays owned by the
 * HANDLE: do not read from it, write to it or close it, and stop using it (remove it from any
 * epoll set) before CloseHandle(). Readable does not reserve the object: after poll() says
 * POLLIN, call WaitForSingleObject() or GetQueuedCompletionStatus() with timeout 0, which may
 * still find that another thread took it.
 * @return the descriptor (the same one every time), or -1 with errno EBADF if @p h is not a
 *         live event or port.
 */
RIDL_EXPORT int RpcHandleGetFd(HANDLE h);

#ifdef __cplusplus
}
#endif

#endif /* RIDL_RPCASYNC_H */
