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

/* The TCP port of the server's ncacn_ip_tcp endpoint, from its bindings; 0 if none. */
static unsigned
tcp_port(void)
{
	RPC_BINDING_VECTOR *v = NULL;
	unsigned port = 0;
	if (RpcServerInqBindings(&v) != RPC_S_OK)
		return 0;
	for (ULONG i = 0; i < v->Count && !port; i++) {
		RPC_CSTR s = NULL, protseq = NULL, ep = NULL;
		if (RpcBindingToStringBindingA(v->BindingH[i], &s) != RPC_S_OK)
			continue;
		if (RpcStringBindingParseA(s, NULL, &protseq, NULL, &ep, NULL) == RPC_S_OK &&
		    strcmp((char *)protseq, "ncacn_ip_tcp") == 0)
			port = (unsigned)strtoul((char *)ep, NULL, 10);
		RpcStringFreeA(&protseq);
		RpcStringFreeA(&ep);
		RpcStringFreeA(&s);
	}
	RpcBindingVectorFree(&v);
	return port;
}

void
ab_ridl_serve(int report_fd, const char *dir, uint32_t conn_calls, uint32_t max_calls)
{
	(void)dir; /* ncalrpc puts its socket in the runtime's own directory */
	/* SIGTERM ends the server through sigwait below; every thread the runtime starts
	 * inherits the blocked mask, so the signal can only arrive there. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	RPC_STATUS st = RPC_S_OK;
	if (conn_calls) {
		rpcrt_server_limits lim = rpcrt_server_default_limits;
		lim.max_conn_calls = conn_calls;
		st = rpcrt_server_set_limits(&lim);
	}
	char ep[64];
	snprintf(ep, sizeof(ep), "async_bench-%ld", (long)getpid());
	if (st == RPC_S_OK)
		st = RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp", RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
					  NULL);
	if (st == RPC_S_OK)
		st = RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
					    (RPC_CSTR)ep, NULL);
	/* MaxRpcSize: the 4 KiB call's request and then some. */
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(asyncbench_v1_0_s_ifspec, NULL, NULL, 0,
					  RPC_C_LISTEN_MAX_CALLS_DEFAULT, 64u << 10, NULL);
	if (st == RPC_S_OK)
		st = RpcServerListen(1, max_calls, TRUE);
	unsigned port = st == RPC_S_OK ? tcp_port() : 0;
	if (st != RPC_S_OK || port == 0) {
		fprintf(stderr, "async_bench: the ridl server did not start: status %ld\n", (long)st);
		exit(1);
	}
	dprintf(report_fd, "%u %s\n", port, ep);
	close(report_fd);

	int sig;
	sigwait(&stop, &sig);
	RpcMgmtStopServerListening(NULL);
	RpcMgmtWaitServerListen();
	RpcServerUnregisterIf(NULL, NULL, FALSE);
	exit(0); /* the runtime removes the ncalrpc socket at exit */
}
