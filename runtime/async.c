/* Asynchronous call handles: RpcAsyncInitializeHandle and the obsolete RpcAsyncRegisterInfo.
 * The call machinery (completion, cancel, notification) is added with the client and server. */
#include <string.h>

#include "rpcasync.h"

/* "ASYC" in little-endian byte order; Windows and Wine store this value. */
#define RPC_ASYNC_SIGNATURE 0x43595341u

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
	pAsync->Signature = RPC_ASYNC_SIGNATURE;
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
