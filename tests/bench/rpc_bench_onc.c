/* The RPC round-trip benchmark's ONC RPC part (libtirpc, with rpcgen's XDR routines for
 * rpcbench_onc.x): a server that svc_run() serves over TCP (svc_vc_create on 127.0.0.1) and a
 * Unix socket (svcunix_create), and synchronous clnt_call()s from clnttcp_create() and
 * clntunix_create() clients.
 *
 * The client and dispatch code is what rpcgen -l and -m would write, by hand: rpcgen's client
 * stubs keep their results in static storage. The clients are made with the address of the
 * server instead of clnt_create(host, ..., "tcp"), which would ask rpcbind for the port (and so
 * need the server registered with the system's rpcbind); the handle either way is libtirpc's
 * clnt_vc, whose calls are the same. Like librpcrt (and the raw baseline), the TCP client turns
 * off Nagle's algorithm on its socket; libtirpc does so itself on the sockets its server
 * accepts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_bench.h"
#include "rpcbench_onc.h"

/* A TCP call never waits this long on a working server. */
static const struct timeval call_timeout = { 25, 0 };

/* ---- the server ---- */

/* The dispatch routine, as rpcgen -m writes it: decode the arguments, call, reply, free. */
static void
onc_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	switch (rq->rq_proc) {
	case NULLPROC:
	case ONC_NULLCALL:
		svc_sendreply(xprt, XDRPROC(xdr_void), NULL);
		return;
	case ONC_INC: {
		int v = 0;
		if (!svc_getargs(xprt, XDRPROC(xdr_int), (char *)&v)) {
			svcerr_decode(xprt);
			return;
		}
		int r = rb_inc(v);
		svc_sendreply(xprt, XDRPROC(xdr_int), &r);
		svc_freeargs(xprt, XDRPROC(xdr_int), (char *)&v);
		return;
	}
	case ONC_SINK: {
		onc_block b;
		memset(&b, 0, sizeof(b));
		if (!svc_getargs(xprt, XDRPROC(xdr_onc_block), (char *)&b)) {
			svcerr_decode(xprt);
			return;
		}
		int r = rb_fingerprint((const uint8_t *)b.onc_block_val, b.onc_block_len);
		svc_sendreply(xprt, XDRPROC(xdr_int), &r);
		svc_freeargs(xprt, XDRPROC(xdr_onc_block), (char *)&b);
		return;
	}
	default:
		svcerr_noproc(xprt);
		return;
	}
}

static void
onc_serve(int report_fd, const char *dir)
{
	bench_onc_serve(report_fd, dir, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS, onc_dispatch);
}

/* ---- the client ---- */

/* Owner: the driver, between onc_open() and onc_close(). */
struct onc_client {
	CLIENT *cl;
	enum rb_call call;
};

static void *
onc_open(enum rb_transport t, const struct bench_addr *a, enum rb_call call)
{
	CLIENT *cl = bench_onc_connect(t == RB_TCP, a, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS);
	if (!cl)
		return NULL;
	struct onc_client *c = calloc(1, sizeof(*c));
	if (!c) {
		clnt_destroy(cl);
		return NULL;
	}
	c->cl = cl;
	c->call = call;
	return c;
}

static bool
onc_run(void *client, uint32_t n, uint32_t seq, uint8_t *block, uint32_t *ns)
{
	struct onc_client *c = client;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = seq + i;
		int arg = (int)s, got = 0, want = 0;
		onc_block b = { .onc_block_len = RB_SINK_BYTES, .onc_block_val = (char *)block };
		enum clnt_stat st;
		uint64_t t0;
		switch (c->call) {
		case RB_NULL:
			t0 = bench_now_ns();
			st = clnt_call(c->cl, ONC_NULLCALL, XDRPROC(xdr_void), NULL,
				       XDRPROC(xdr_void), NULL, call_timeout);
			break;
		case RB_INC:
			want = rb_inc(arg);
			t0 = bench_now_ns();
			st = clnt_call(c->cl, ONC_INC, XDRPROC(xdr_int), (char *)&arg,
				       XDRPROC(xdr_int), (char *)&got, call_timeout);
			break;
		default:
			block[0] = (uint8_t)s;
			want = rb_fingerprint(block, RB_SINK_BYTES);
			t0 = bench_now_ns();
			st = clnt_call(c->cl, ONC_SINK, XDRPROC(xdr_onc_block), (char *)&b,
				       XDRPROC(xdr_int), (char *)&got, call_timeout);
			break;
		}
		if (ns)
			ns[i] = rb_elapsed(t0);
		if (st != RPC_SUCCESS) {
			fprintf(stderr, "rpc_bench: ONC RPC call %u failed: %s\n", (unsigned)i,
				clnt_sperrno(st));
			return false;
		}
		if (got != want) {
			fprintf(stderr, "rpc_bench: ONC RPC call %u: reply %d, expected %d\n",
				(unsigned)i, got, want);
			return false;
		}
	}
	return true;
}

static void
onc_close(void *client)
{
	struct onc_client *c = client;
	clnt_destroy(c->cl);
	free(c);
}

const struct rb_impl rb_onc_impl = {
	.name = "ONC",
	.serve = onc_serve,
	.open = onc_open,
	.run = onc_run,
	.close = onc_close,
};
