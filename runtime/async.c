/* Asynchronous call handles: RpcAsyncInitializeHandle, the obsolete RpcAsyncRegisterInfo, and
 * the RpcAsync* functions shared by both sides, which check the handle and hand it to the side
 * that owns it (async.h): the client (client.c) or the server (server.c). */
#include <string.h>

#include "async.h"

RPC_STATUS RPC_ENTRY
RpcAsyncInitializeHandle(PRPC_ASYNC_STATE pAsync, unsigned int Size)
{
	if (pAsync == NULL)
		return RPC_S_INVALID_ASYNC_HANDLE;
	/* Size is the structure's version: Windows accepts exactly its own size, neither an
	 * older, smaller one nor a larger buffer. */
	if (Size != sizeof(*pAsync))
		return RPC_S_INVALID_ARG;

	pAsync->Size = Size;
	pAsync->Signature = RPCRT_ASYNC_SIGNATURE;
	pAsync->Lock = 0;
	pAsync->Flags = 0;
	pAsync->StubInfo = NULL;
	pAsync->RuntimeInfo = NULL;
	memset(pAsync->Reserved, 0, sizeof(pAsync->Reserved));
	/* UserInfo, Event, NotificationType and u belong to the application or are written
	 * before each notification; Windows leaves them as they are, and so do we. */
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcAsyncRegisterInfo(PRPC_ASYNC_STATE pAsync)
{
	/* Obsolete in Microsoft's API ("TBD" parameter, no documented effect). */
	(void)pAsync;
	return RPC_S_OK;
}

static bool
valid_state(const RPC_ASYNC_STATE *pAsync)
{
	return pAsync && pAsync->Size == sizeof(*pAsync) && pAsync->Signature == RPCRT_ASYNC_SIGNATURE;
}

RPC_STATUS RPC_ENTRY
RpcAsyncGetCallStatus(PRPC_ASYNC_STATE pAsync)
{
	if (!pAsync)
		return RPC_S_INVALID_ASYNC_HANDLE;
	if (valid_state(pAsync) && rpcrt_client_async_owns(pAsync))
		return rpcrt_client_async_status(pAsync);
	/* A state with no call, initialised or not (even all zeros): what Windows answers. */
	return RPC_S_INVALID_BINDING;
}

RPC_STATUS RPC_ENTRY
RpcAsyncCompleteCall(PRPC_ASYNC_STATE pAsync, void *Reply)
{
	if (!valid_state(pAsync))
		return RPC_S_INVALID_ASYNC_HANDLE;
	if (rpcrt_server_async_owns(pAsync))
		return rpcrt_server_async_complete(pAsync, Reply);
	if (rpcrt_client_async_owns(pAsync))
		return rpcrt_client_async_complete(pAsync, Reply);
	return RPC_S_INVALID_ASYNC_HANDLE;
}

RPC_STATUS RPC_ENTRY
RpcAsyncAbortCall(PRPC_ASYNC_STATE pAsync, ULONG ExceptionCode)
{
	if (!valid_state(pAsync) || !rpcrt_server_async_owns(pAsync))
		return RPC_S_INVALID_ASYNC_HANDLE;
	if (ExceptionCode == 0)
		return RPC_S_INVALID_ARG; /* a fault never means success */
	return rpcrt_server_async_abort(pAsync, (uint32_t)ExceptionCode);
}

RPC_STATUS RPC_ENTRY
RpcAsyncCancelCall(PRPC_ASYNC_STATE pAsync, BOOL fAbort)
{
	if (!valid_state(pAsync) || !rpcrt_client_async_owns(pAsync))
		return RPC_S_INVALID_ASYNC_HANDLE;
	return rpcrt_client_async_cancel(pAsync, fAbort != FALSE);
}
