/* librpcrt private: who owns an RPC_ASYNC_STATE, and the entry points async.c dispatches to.
 *
 * The public functions RpcAsyncCompleteCall, RpcAsyncAbortCall, RpcAsyncGetCallStatus and
 * RpcAsyncCancelCall (async.c) check the handle (non-NULL, Signature) and then ask each side
 * whether the state is one of its calls:
 * - client (client.c): the application's RPC_ASYNC_STATE of a call started by an [async]
 *   client stub; RuntimeInfo points to the client's call object while the call is live;
 * - server (server.c): the RPC_ASYNC_STATE the runtime allocated for an [async] manager
 *   routine; RuntimeInfo is the call handle for RpcServerTestCancel().
 * The first member of each side's call object is a uint32_t magic below, so that a state can
 * be recognised before anything else in it is trusted. */
#ifndef RPCRT_ASYNC_H
#define RPCRT_ASYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "rpcasync.h"

/* "ASYC" in little-endian byte order, as Windows stores it in RPC_ASYNC_STATE::Signature. */
#define RPCRT_ASYNC_SIGNATURE 0x43595341u

#define RPCRT_ACALL_CLIENT_MAGIC 0x41434c54u /* "TLCA": a client call object */
#define RPCRT_ACALL_SERVER_MAGIC 0x41535256u /* "VRSA": a server call object */

/* ---- client.c ---- */

/* Whether pAsync is the state of a client call that has not been finished yet. */
bool rpcrt_client_async_owns(const RPC_ASYNC_STATE *pAsync);
RPC_STATUS rpcrt_client_async_status(PRPC_ASYNC_STATE pAsync);
RPC_STATUS rpcrt_client_async_complete(PRPC_ASYNC_STATE pAsync, void *Reply);
RPC_STATUS rpcrt_client_async_cancel(PRPC_ASYNC_STATE pAsync, bool abortive);

/* ---- server.c ---- */

/* Whether pAsync is the state of a server [async] call not yet completed or aborted. */
bool rpcrt_server_async_owns(const RPC_ASYNC_STATE *pAsync);
/* Sends the reply (Reply: the return value's address, NULL for void); frees the call. */
RPC_STATUS rpcrt_server_async_complete(PRPC_ASYNC_STATE pAsync, void *Reply);
/* Sends a fault carrying code (non-zero); frees the call. */
RPC_STATUS rpcrt_server_async_abort(PRPC_ASYNC_STATE pAsync, uint32_t code);

#endif
