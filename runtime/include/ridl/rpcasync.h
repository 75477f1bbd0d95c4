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
 * unmoved until RpcAsyncCompleteCall() returns a status other than RPC_S_ASYNC_CALL_PENDING.
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
		HANDLE hThread; /**< NULL: the thread that issues the call */
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
 * @return RPC_S_ASYNC_CALL_PENDING while the call runs; RPC_S_OK once it succeeded; otherwise
 *         the failure (call RpcAsyncCompleteCall() to finish the call either way).
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcAsyncGetCallStatus(PRPC_ASYNC_STATE pAsync);

/**
 * Client: finishes a completed call. Returns RPC_S_ASYNC_CALL_PENDING, changing nothing, if the
 * call is still running; any other status is final and frees the call's resources. Only on
 * RPC_S_OK are the [out] parameters and `*Reply` written; @p Reply points to a variable of the
 * procedure's return type, or is NULL for a void procedure.
 *
 * Server: sends the reply of an [async] manager routine; @p Reply points to the return value
 * (NULL for void). After it, the state and the parameters must not be touched.
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
 */

/**
 * Creates an event. @p bManualReset FALSE: a successful wait resets it (auto-reset).
 * @p lpEventAttributes is ignored; @p lpName must be NULL (named events are not supported).
 * @return the event, or NULL on failure.
 */
RIDL_EXPORT HANDLE CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
				BOOL bInitialState, LPCSTR lpName);
#define CreateEvent CreateEventA

/** Signals an event. @return TRUE on success. */
RIDL_EXPORT BOOL SetEvent(HANDLE hEvent);

/** Resets an event to non-signalled. @return TRUE on success. */
RIDL_EXPORT BOOL ResetEvent(HANDLE hEvent);

/**
 * Waits until @p hHandle (an event) is signalled or @p dwMilliseconds pass (INFINITE: no limit).
 * @return WAIT_OBJECT_0, WAIT_TIMEOUT or WAIT_FAILED.
 */
RIDL_EXPORT DWORD WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);

/**
 * Creates a completion port when @p FileHandle is INVALID_HANDLE_VALUE and
 * @p ExistingCompletionPort is NULL (the only supported form).
 * @return the port, or NULL on failure.
 */
RIDL_EXPORT HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
					  ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads);

/**
 * Dequeues one completion packet, waiting up to @p dwMilliseconds (0: poll; INFINITE: no limit).
 * @return TRUE with the three values of the packet, or FALSE on timeout or error.
 */
RIDL_EXPORT BOOL GetQueuedCompletionStatus(HANDLE CompletionPort,
					   LPDWORD lpNumberOfBytesTransferred,
					   PULONG_PTR lpCompletionKey, LPOVERLAPPED *lpOverlapped,
					   DWORD dwMilliseconds);

/** Queues a completion packet with the three given values. @return TRUE on success. */
RIDL_EXPORT BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
					    ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);

/**
 * Sleeps for @p dwMilliseconds. When @p bAlertable is TRUE, APC notifications queued to the
 * calling thread run inside the call, which then returns early.
 * @return 0 when the time elapsed; WAIT_IO_COMPLETION when APCs ran.
 */
RIDL_EXPORT DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable);

/** Releases an event or completion port (and its file descriptor). @return TRUE on success. */
RIDL_EXPORT BOOL CloseHandle(HANDLE hObject);

/**
 * POSIX extension: the file descriptor behind an event or completion port, readable (POLLIN)
 * while the event is signalled or the port holds a packet. The fd stays owned by the HANDLE:
 * do not read from it or close it; it is valid until CloseHandle().
 * @return the descriptor, or -1 if @p h is not such an object.
 */
RIDL_EXPORT int RpcHandleGetFd(HANDLE h);

#ifdef __cplusplus
}
#endif

#endif /* RIDL_RPCASYNC_H */
