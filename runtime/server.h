/* librpcrt private: the server side of ncacn_ip_tcp and ncalrpc (server.c). The public API is
 * in rpcdce.h (RpcServerUseProtseq*, RpcServerRegisterIf*, RpcServerListen, RpcMgmt*); this
 * header holds what the runtime and its tests need beyond it: the limits on what peers control
 * and a way to take the process-wide server back to its initial state. */
#ifndef RPCRT_SERVER_H
#define RPCRT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

/* The limits the server applies to what its peers control (security-tests.md T39, T41, T56,
 * T67).
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
	uint32_t idle_ms;        /* a connection with no call in progress and no request bytes
				    owed is closed after this long without traffic either way
				    (T56); 0: never */
	uint32_t recv_ms;        /* a fragment must arrive whole within this long of its first
				    byte, and the next fragment of a request being reassembled
				    must start within it of the previous one's end; else the
				    connection is closed (T56, slow senders); 0: never */
	size_t max_req_bytes;    /* request bytes held server-wide: stub data of requests being
				    reassembled or complete but not yet unmarshalled, and input
				    buffers grown past their first size. A request that would
				    pass it gets a fault nca_s_server_too_busy and its
				    connection is closed (T67) */
} rpcrt_server_limits;

extern const rpcrt_server_limits rpcrt_server_default_limits;

/* Replaces the limits; NULL restores the defaults. RPC_S_INVALID_ARG for a zero max_conns,
 * max_conn_calls, max_queued, out_max or max_req_bytes. */
RPC_STATUS rpcrt_server_set_limits(const rpcrt_server_limits *lim);

/* Returns the server to its initial state: stops listening, waits for the calls in progress
 * (managers are never interrupted, and [async] calls must be completed or aborted by the
 * application), ends the worker threads, the notification thread and the I/O thread, closes
 * every connection and endpoint (removing ncalrpc socket files), forgets every registered
 * interface, frees the pool of RPC_ASYNC_STATEs (so no state of an ended call may be used after
 * it) and restores the default limits. For tests and for an orderly process exit; it must not
 * be called from a manager routine or while another thread is inside a server function. */
void rpcrt_server_reset(void);

/* What the server holds now, for tests and fuzzing. Plain value. */
typedef struct rpcrt_server_stats {
	unsigned conns;   /* connections open (closed ones that calls still refer to excluded) */
	unsigned active;  /* calls queued, running or pending ([async]) */
	size_t req_bytes; /* bytes counted against max_req_bytes */
} rpcrt_server_stats;

void rpcrt_server_get_stats(rpcrt_server_stats *ret);

/* Serves fd, a connected stream socket (a socketpair end, say), as if it had been accepted on
 * an ncalrpc endpoint named "adopted", whether or not the server listens and whatever the
 * connection cap (calls are still admitted only for interfaces that are: register with
 * RPC_IF_AUTOLISTEN to be served without listening). The descriptor is made nonblocking and
 * belongs to the server once this returns RPC_S_OK; on failure (RPC_S_INVALID_ARG for a
 * negative fd, RPC_S_OUT_OF_MEMORY, RPC_S_OUT_OF_RESOURCES) it stays the caller's. For tests
 * and the server fuzz target. */
RPC_STATUS rpcrt_server_adopt_fd(int fd);

/* Waits until the I/O loop has handled everything it had read when this was called, and then
 * until no call is queued, running or pending; with no_conns, also until no connection is
 * open. RPC_S_OK, or RPC_S_TIMEOUT when that has not happened within ms. Must not be called
 * from the loop thread or a manager routine. For tests and the server fuzz target. */
RPC_STATUS rpcrt_server_settle(bool no_conns, uint32_t ms);

#endif
