/* librpcrt private: the server side of ncacn_ip_tcp and ncalrpc (server.c). The public API is
 * in rpcdce.h (RpcServerUseProtseq*, RpcServerRegisterIf*, RpcServerListen, RpcMgmt*); this
 * header holds what the runtime and its tests need beyond it: the limits on what peers control
 * and a way to take the process-wide server back to its initial state. */
#ifndef RPCRT_SERVER_H
#define RPCRT_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

/* The limits the server applies to what its peers control (security-tests.md T39, T41).
 * Plain value. A connection takes a copy when it is accepted, so a change applies to the
 * connections accepted after it. */
typedef struct rpcrt_server_limits {
	uint32_t max_conns;      /* connections open at once; more are accepted and closed */
	uint32_t max_conn_calls; /* calls queued, running or pending ([async] calls not yet
				    completed) per connection; more get a fault
				    nca_s_server_too_busy */
	uint32_t max_queued;     /* calls waiting for a worker, server-wide; likewise */
	size_t out_pause;        /* unsent reply bytes of a connection above which we stop reading
				    its requests until it has read half of them */
	size_t out_max;          /* unsent reply bytes above which the connection is closed */
	uint32_t linger_ms;      /* after a fault that ends a connection, how long its unread
				    input is drained (so that the fault is not lost to a reset) */
	uint32_t idle_worker_ms; /* a worker beyond RpcServerListen's MinimumCallThreads exits
				    after this long without work */
} rpcrt_server_limits;

extern const rpcrt_server_limits rpcrt_server_default_limits;

/* Replaces the limits; NULL restores the defaults. RPC_S_INVALID_ARG for a zero max_conns,
 * max_conn_calls, max_queued or out_max. */
RPC_STATUS rpcrt_server_set_limits(const rpcrt_server_limits *lim);

/* Returns the server to its initial state: stops listening, waits for the calls in progress
 * (managers are never interrupted, and [async] calls must be completed or aborted by the
 * application), ends the worker threads, the notification thread and the I/O thread, closes
 * every connection and endpoint (removing ncalrpc socket files), forgets every registered
 * interface, frees the pool of RPC_ASYNC_STATEs (so no state of an ended call may be used after
 * it) and restores the default limits. For tests and for an orderly process exit; it must not
 * be called from a manager routine or while another thread is inside a server function. */
void rpcrt_server_reset(void);

#endif
