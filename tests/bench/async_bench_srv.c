/* The asynchronous-call benchmark's ridl server: librpcrt (RpcServerUseProtseq,
 * RpcServerRegisterIf2, RpcServerListen) with the synchronous manager routines of
 * asyncbench.idl, over ncacn_ip_tcp and ncalrpc. The client calls them asynchronously; the
 * server cannot tell, since an [async] client call is an ordinary request on the wire.
 *
 * librpcrt refuses the calls of a connection beyond its per-connection limit (4096 by default)
 * with nca_s_server_too_busy, and no public function sets it: RpcServerRegisterIf2's MaxCalls
 * is accepted and ignored, and RpcServerListen's MaxCalls bounds the worker threads. So a
 * limit other than the default (--server-conn-calls) goes through the runtime's private
 * rpcrt_server_set_limits (server.h), before the server accepts any connection (each takes a
 * copy when accepted). */
#define _GNU_SOURCE /* dprintf with -std=c11 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "async_bench.h"
#include "asyncbench_server.h"
#include "server.h"

/* ---- the manager routines (--server-prefix srv_: the client's stubs have the plain names) ---- */

int32_t
srv_Inc(handle_t h, int32_t v)
{
	(void)h;
	return ab_inc(v);
}

int32_t
srv_Sink(handle_t h, int32_t n, const uint8_t *data)
{
	(void)h;
	return ab_fingerprint(data, (uint32_t)n);
}

void
ab_ridl_serve(int report_fd, const char *dir, uint32_t conn_calls, uint32_t max_calls)
{
	(void)dir; /* ncalrpc puts its socket in the runtime's own directory */
	if (conn_calls) {
		rpcrt_server_limits lim = rpcrt_server_default_limits;
		lim.max_conn_calls = conn_calls;
		RPC_STATUS st = rpcrt_server_set_limits(&lim);
		if (st != RPC_S_OK) {
			fprintf(stderr, "async_bench: the ridl server did not start: status %ld\n",
				(long)st);
			exit(1);
		}
	}
	/* MaxRpcSize: the 4 KiB call's request and then some. */
	bench_ridl_serve(report_fd, asyncbench_v1_0_s_ifspec, 64u << 10, max_calls);
}
