/**
 * @file rpc.h
 * @brief The ridl RPC API: include this, as on Windows.
 *
 * Pulls in the base types (ridl_types.h), the status codes (rpcnterr.h), bindings and the
 * server API (rpcdce.h), asynchronous RPC (rpcasync.h) and, unlike Windows, rpcndr.h, because
 * that is where the RpcTryExcept family lives here (Windows defines it in rpc.h itself).
 */
#ifndef RIDL_RPC_H
#define RIDL_RPC_H

#include "ridl_types.h"
#include "rpcnterr.h"
#include "rpcdce.h"
#include "rpcasync.h"
#include "rpcndr.h"

#endif /* RIDL_RPC_H */
