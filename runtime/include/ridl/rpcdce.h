/**
 * @file rpcdce.h
 * @brief Bindings, server registration and listening (part of <rpc.h>).
 *
 * Names, arguments and status codes follow Microsoft's rpcdce.h. Strings are 8-bit: the
 * functions that take strings exist as `...A` symbols, and the unsuffixed names are macros for
 * them, as in Microsoft's non-UNICODE build. There are no `...W` variants.
 *
 * Ownership: every string, binding and binding vector the runtime hands out is owned by the
 * caller and released with RpcStringFree(), RpcBindingFree() or RpcBindingVectorFree(), which
 * set the caller's pointer to NULL on success.
 */
#ifndef RIDL_RPCDCE_H
#define RIDL_RPCDCE_H

#include "ridl_types.h"
#include "rpcnterr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A vector of binding handles, allocated by the runtime; free with RpcBindingVectorFree(). */
typedef struct _RPC_BINDING_VECTOR {
	ULONG Count;
	RPC_BINDING_HANDLE BindingH[1];
} RPC_BINDING_VECTOR;

/** The manager entry-point vector type: a table of the manager routines of one interface. */
#define RPC_MGR_EPV void

/**
 * Security callback for RpcServerRegisterIfEx()/RpcServerRegisterIf2(): called before each call
 * is dispatched; any status other than RPC_S_OK refuses the call with RPC_S_ACCESS_DENIED.
 * @p InterfaceUuid is the interface's RPC_IF_HANDLE; @p Context is the call's binding handle.
 */
typedef RPC_STATUS RPC_ENTRY RPC_IF_CALLBACK_FN(RPC_IF_HANDLE InterfaceUuid, void *Context);

/** Default for RpcServerListen() MaxCalls. */
#define RPC_C_LISTEN_MAX_CALLS_DEFAULT 1234
/** Default for RpcServerUseProtseq*() MaxCalls. */
#define RPC_C_PROTSEQ_MAX_REQS_DEFAULT 10
/** RpcMgmtSetCancelTimeout(): wait for ever for the server to acknowledge a cancel. */
#define RPC_C_CANCEL_INFINITE_TIMEOUT -1

/* RpcServerRegisterIfEx() / RpcServerRegisterIf2() Flags. */
#define RPC_IF_AUTOLISTEN                   0x0001
#define RPC_IF_OLE                          0x0002
#define RPC_IF_ALLOW_UNKNOWN_AUTHORITY      0x0004
#define RPC_IF_ALLOW_SECURE_ONLY            0x0008
#define RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH 0x0010
#define RPC_IF_ALLOW_LOCAL_ONLY             0x0020

/* RpcBindingSetOption() / RpcBindingInqOption() options, with Microsoft's values. Only
 * RPC_C_OPT_CALL_TIMEOUT is implemented; the others return RPC_S_CANNOT_SUPPORT. */
/**
 * Per-call timeout in milliseconds for calls made on the binding (0 or INFINITE: none, the
 * default), sync and async, on both protocol sequences.
 */
#define RPC_C_OPT_CALL_TIMEOUT 12
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_TRANS_SEND_BUFFER_SIZE 5
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_BINDING_NONCAUSAL 9
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_SECURITY_CALLBACK 10
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_UNIQUE_BINDING 11
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_DONT_LINGER 13
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_TRUST_PEER 14
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_ASYNC_BLOCK 15
/** Not supported by ridl (RPC_S_CANNOT_SUPPORT). */
#define RPC_C_OPT_OPTIMIZE_TIME 16
/** One more than the largest option number Microsoft defines. */
#define RPC_C_OPT_MAX_OPTIONS 17

/* ---- UUIDs --------------------------------------------------------------------------------- */

/**
 * Creates a random (version 4) UUID from the kernel's random source.
 * @return RPC_S_OK; RPC_S_INVALID_ARG if @p Uuid is NULL; RPC_S_OUT_OF_RESOURCES if no random
 * bytes could be read.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY UuidCreate(UUID *Uuid);

/** Sets `*NilUuid` to the nil UUID (all zeros). RPC_S_INVALID_ARG if @p NilUuid is NULL. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY UuidCreateNil(UUID *NilUuid);

/**
 * Converts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits of either case, no braces) to a
 * UUID. A NULL @p StringUuid gives the nil UUID, as on Windows.
 * @return RPC_S_OK; RPC_S_INVALID_STRING_UUID for any other string (`*Uuid` is then left
 * unchanged); RPC_S_INVALID_ARG if @p Uuid is NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY UuidFromStringA(RPC_CSTR StringUuid, UUID *Uuid);
#define UuidFromString UuidFromStringA

/**
 * Converts a UUID to its 36-character string form in lowercase.
 * @param[out] StringUuid receives a new string; free it with RpcStringFree().
 * @return RPC_S_OK; RPC_S_OUT_OF_MEMORY; RPC_S_INVALID_ARG if either pointer is NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY UuidToStringA(const UUID *Uuid, RPC_CSTR *StringUuid);
#define UuidToString UuidToStringA

/**
 * Orders two UUIDs: -1, 0 or 1 as @p Uuid1 is less than, equal to or greater than @p Uuid2,
 * comparing Data1, Data2, Data3 as unsigned numbers and then Data4 byte by byte (the DCE
 * order). A NULL UUID pointer means the nil UUID. `*Status` (if @p Status is not NULL) is set
 * to RPC_S_OK.
 */
RIDL_EXPORT signed int RPC_ENTRY UuidCompare(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status);

/** TRUE if the two UUIDs are equal (NULL means the nil UUID); `*Status` is set to RPC_S_OK. */
RIDL_EXPORT int RPC_ENTRY UuidEqual(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status);

/** TRUE if @p Uuid is NULL or the nil UUID; `*Status` is set to RPC_S_OK. */
RIDL_EXPORT int RPC_ENTRY UuidIsNil(UUID *Uuid, RPC_STATUS *Status);

/**
 * A 16-bit hash of a UUID (the DCE algorithm, the same value as Windows gives); NULL means the
 * nil UUID. `*Status` is set to RPC_S_OK.
 */
RIDL_EXPORT unsigned short RPC_ENTRY UuidHash(UUID *Uuid, RPC_STATUS *Status);

/* ---- String bindings ----------------------------------------------------------------------- */

/**
 * Builds "ObjUuid@Protseq:NetworkAddr[Endpoint,Options]" from its parts; any part may be NULL
 * or empty, and is then left out. In every part the characters @ : [ ] and backslash are
 * written with a backslash before them, and so are , and = except in @p Options, whose commas
 * and equals signs separate its Name=Value items.
 * @param[out] StringBinding receives a new string; free it with RpcStringFree(). It may be NULL
 * (Microsoft's rule): the arguments are then only checked.
 * @return RPC_S_OK; RPC_S_INVALID_STRING_UUID if @p ObjUuid is neither empty nor a UUID;
 * RPC_S_OUT_OF_MEMORY.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcStringBindingComposeA(RPC_CSTR ObjUuid, RPC_CSTR ProtSeq,
							  RPC_CSTR NetworkAddr, RPC_CSTR Endpoint,
							  RPC_CSTR Options,
							  RPC_CSTR *StringBinding);
#define RpcStringBindingCompose RpcStringBindingComposeA

/**
 * Splits a string binding into its parts and removes their backslash escapes. Each output may
 * be NULL when not wanted; each non-NULL output receives a new string (empty when the part is
 * absent, as on Windows) to free with RpcStringFree(). "endpoint=X" in the brackets is the
 * endpoint X; the other Name=Value items are returned joined by commas in @p NetworkOptions.
 * @return RPC_S_OK; RPC_S_INVALID_STRING_BINDING (no "Protseq:", unbalanced brackets, text
 * after ']', two endpoints, an option without a name, a trailing lone backslash);
 * RPC_S_INVALID_STRING_UUID; RPC_S_INVALID_ARG if @p StringBinding is NULL;
 * RPC_S_OUT_OF_MEMORY. On failure no output is written.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcStringBindingParseA(RPC_CSTR StringBinding, RPC_CSTR *ObjUuid,
							RPC_CSTR *Protseq, RPC_CSTR *NetworkAddr,
							RPC_CSTR *Endpoint,
							RPC_CSTR *NetworkOptions);
#define RpcStringBindingParse RpcStringBindingParseA

/**
 * Frees a string returned by the runtime and sets `*String` to NULL; `*String` may already be
 * NULL. RPC_S_INVALID_ARG if @p String is NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcStringFreeA(RPC_CSTR *String);
#define RpcStringFree RpcStringFreeA

/* ---- Binding handles ----------------------------------------------------------------------- */

/**
 * Creates a client binding handle from a string binding. No connection is made yet. Without an
 * object UUID the binding's is nil; without an endpoint it is partially bound; without a
 * network address it refers to the local host.
 * @param[out] Binding receives the handle; free it with RpcBindingFree().
 * @return RPC_S_OK; the errors of RpcStringBindingParseA(); RPC_S_PROTSEQ_NOT_SUPPORTED for
 * a protocol sequence of Microsoft's other than ncacn_ip_tcp and ncalrpc;
 * RPC_S_INVALID_RPC_PROTSEQ for any other unknown one; RPC_S_INVALID_NET_ADDR;
 * RPC_S_INVALID_ENDPOINT_FORMAT (ncacn_ip_tcp: a port 1-65535; ncalrpc: 1-100 characters of
 * A-Z a-z 0-9 _ . -); RPC_S_STRING_TOO_LONG beyond 4096 characters; RPC_S_INVALID_ARG for a
 * NULL pointer; RPC_S_OUT_OF_MEMORY.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingFromStringBindingA(RPC_CSTR StringBinding,
							      RPC_BINDING_HANDLE *Binding);
#define RpcBindingFromStringBinding RpcBindingFromStringBindingA

/**
 * Returns the string form of a binding (object UUID left out when nil), which
 * RpcBindingFromStringBindingA() turns back into an equal binding; free it with RpcStringFree().
 * RPC_S_INVALID_BINDING; RPC_S_INVALID_ARG if @p StringBinding is NULL; RPC_S_OUT_OF_MEMORY.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingToStringBindingA(RPC_BINDING_HANDLE Binding,
							    RPC_CSTR *StringBinding);
#define RpcBindingToStringBinding RpcBindingToStringBindingA

/**
 * Makes an independent copy of a binding handle, with its options; free the copy with
 * RpcBindingFree(). Options set later on one handle do not affect the other.
 * RPC_S_INVALID_BINDING; RPC_S_INVALID_ARG if @p DestinationBinding is NULL; RPC_S_OUT_OF_MEMORY.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingCopy(RPC_BINDING_HANDLE SourceBinding,
						RPC_BINDING_HANDLE *DestinationBinding);

/**
 * Releases a binding handle and sets `*Binding` to NULL. Calls still outstanding on it keep
 * their own reference and complete normally. RPC_S_INVALID_BINDING if `*Binding` is NULL (as
 * on Windows) or not a binding; RPC_S_INVALID_ARG if @p Binding is NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingFree(RPC_BINDING_HANDLE *Binding);

/**
 * Sets a binding option such as RPC_C_OPT_CALL_TIMEOUT; applies to calls started afterwards.
 * Thread-safe. RPC_S_INVALID_BINDING; RPC_S_CANNOT_SUPPORT for Microsoft's other options;
 * RPC_S_INVALID_ARG for an unknown option; RPC_S_INVALID_TIMEOUT for a timeout above 2^32-1.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingSetOption(RPC_BINDING_HANDLE hBinding, ULONG option,
						     ULONG_PTR optionValue);

/**
 * Reads a binding option into `*pOptionValue`. Thread-safe. RPC_S_INVALID_BINDING;
 * RPC_S_CANNOT_SUPPORT / RPC_S_INVALID_ARG as for RpcBindingSetOption(); RPC_S_INVALID_ARG if
 * @p pOptionValue is NULL.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingInqOption(RPC_BINDING_HANDLE hBinding, ULONG option,
						     ULONG_PTR *pOptionValue);

/**
 * Frees a vector from RpcServerInqBindings(), with its handles (NULL entries are skipped), and
 * sets `*BindingVector` NULL. RPC_S_INVALID_ARG if either pointer is NULL;
 * RPC_S_INVALID_BINDING (nothing freed) if an entry is not a binding.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcBindingVectorFree(RPC_BINDING_VECTOR **BindingVector);

/* ---- Server -------------------------------------------------------------------------------- */

/**
 * Makes the server listen on @p Protseq ("ncacn_ip_tcp", "ncalrpc") at @p Endpoint.
 * @p SecurityDescriptor is accepted for source compatibility and ignored.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerUseProtseqEpA(RPC_CSTR Protseq, UINT MaxCalls,
							RPC_CSTR Endpoint,
							void *SecurityDescriptor);
#define RpcServerUseProtseqEp RpcServerUseProtseqEpA

/** Like RpcServerUseProtseqEpA() with an endpoint chosen by the runtime. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerUseProtseqA(RPC_CSTR Protseq, UINT MaxCalls,
						      void *SecurityDescriptor);
#define RpcServerUseProtseq RpcServerUseProtseqA

/** Returns the server's bindings; free the vector with RpcBindingVectorFree(). */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerInqBindings(RPC_BINDING_VECTOR **BindingVector);

/**
 * Registers an interface with its manager routines. @p IfSpec and @p MgrEpv must stay valid
 * until RpcServerUnregisterIf(). @p MgrTypeUuid may be NULL; @p MgrEpv NULL means the default
 * vector generated by ridl.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerRegisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
						     RPC_MGR_EPV *MgrEpv);

/** RpcServerRegisterIf() with RPC_IF_* @p Flags, a call limit and a security callback. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerRegisterIfEx(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
						       RPC_MGR_EPV *MgrEpv, UINT Flags,
						       UINT MaxCalls,
						       RPC_IF_CALLBACK_FN *IfCallback);

/** RpcServerRegisterIfEx() with a limit @p MaxRpcSize on the size of one request, in bytes. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerRegisterIf2(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
						      RPC_MGR_EPV *MgrEpv, UINT Flags,
						      UINT MaxCalls, UINT MaxRpcSize,
						      RPC_IF_CALLBACK_FN *IfCallbackFn);

/**
 * Unregisters an interface (NULL: all). When @p WaitForCallsToComplete is non-zero, returns
 * only after the interface's calls in progress have completed.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerUnregisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid,
						       UINT WaitForCallsToComplete);

/**
 * Starts dispatching calls. With @p DontWait zero it blocks until RpcMgmtStopServerListening();
 * otherwise it returns at once and RpcMgmtWaitServerListen() waits.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerListen(UINT MinimumCallThreads, UINT MaxCalls,
						 UINT DontWait);

/** Stops the local server listening (@p Binding must be NULL); calls in progress complete. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcMgmtStopServerListening(RPC_BINDING_HANDLE Binding);

/** Waits until the server has stopped listening and its calls have completed. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcMgmtWaitServerListen(void);

/** RPC_S_OK if the (local, @p Binding NULL) server is listening, else RPC_S_NOT_LISTENING. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcMgmtIsServerListening(RPC_BINDING_HANDLE Binding);

/**
 * ridl extension: the limits the server applies to what its peers control (docs/security.md
 * explains each). Fill it with RpcServerInqLimits(), change fields, pass it to
 * RpcServerSetLimits(). Plain value, owned by the caller.
 */
typedef struct _RPC_SERVER_LIMITS {
	unsigned int Size;            /**< sizeof(RPC_SERVER_LIMITS); set by RpcServerInqLimits() */
	ULONG MaxConnections;         /**< connections open at once; more are closed at accept */
	ULONG MaxCallsPerConnection;  /**< calls queued, running or pending per connection; more
					   get a fault nca_s_server_too_busy */
	ULONG MaxQueuedCalls;         /**< calls waiting for a worker thread, server-wide; likewise */
	size_t OutputPauseBytes;      /**< a connection's unsent reply bytes above which its requests
					   are not read until it has read half of them */
	size_t OutputMaxBytes;        /**< unsent reply bytes above which the connection is closed */
	ULONG LingerMs;               /**< after a fault that ends a connection, how long its unread
					   input is drained so the fault is not lost to a reset */
	ULONG IdleWorkerMs;           /**< a worker beyond MinimumCallThreads exits after this long
					   without work */
	ULONG IdleConnectionMs;       /**< a connection with nothing in progress is closed after this
					   long without traffic; 0: never */
	ULONG ReceiveMs;              /**< a fragment, and the next fragment of a request, must arrive
					   within this long; else the connection is closed; 0: never */
	size_t MaxRequestBytes;       /**< request bytes held server-wide (being reassembled or
					   waiting); a request that would pass it gets a fault
					   nca_s_server_too_busy and its connection is closed */
} RPC_SERVER_LIMITS;

/** ridl extension: the server's current limits into @p Limits (Size included). RPC_S_INVALID_ARG
 * for NULL. */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerInqLimits(RPC_SERVER_LIMITS *Limits);

/**
 * ridl extension: replaces the server's limits; NULL restores the defaults. Connections take a
 * copy of the per-connection limits when they are accepted, so a change applies to connections
 * accepted after it. RPC_S_INVALID_ARG for a wrong Size or a zero MaxConnections,
 * MaxCallsPerConnection, MaxQueuedCalls, OutputMaxBytes or MaxRequestBytes.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcServerSetLimits(const RPC_SERVER_LIMITS *Limits);

/**
 * Sets, for the calling thread, how many seconds a cancelled synchronous call waits for the
 * server to acknowledge the cancel (RPC_C_CANCEL_INFINITE_TIMEOUT: no limit; 0: abandon at once).
 * ridl has no way to cancel a synchronous call from another thread (no RpcCancelThread), so the
 * value is recorded and has no effect; RPC_C_OPT_CALL_TIMEOUT bounds synchronous calls, and
 * RpcAsyncCancelCall() cancels asynchronous ones. Returns RPC_S_OK; RPC_S_INVALID_ARG for a
 * negative value other than RPC_C_CANCEL_INFINITE_TIMEOUT.
 */
RIDL_EXPORT RPC_STATUS RPC_ENTRY RpcMgmtSetCancelTimeout(LONG Timeout);

/* ---- Exceptions ---------------------------------------------------------------------------- */

/**
 * Raises an RPC exception: control passes to the innermost RpcTryExcept or RpcTryFinally frame
 * of the calling thread (see <rpcndr.h>). With no frame it prints the code to stderr and aborts.
 */
RIDL_EXPORT RIDL_NORETURN void RPC_ENTRY RpcRaiseException(RPC_STATUS exception);

#ifdef __cplusplus
}
#endif

#endif /* RIDL_RPCDCE_H */
