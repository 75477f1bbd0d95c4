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
#define _GNU_SOURCE /* dprintf with -std=c11 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rpc_bench.h"
#include "rpcbench_onc.h"

/* libtirpc takes every XDR routine as an xdrproc_t, a variadic type that none of them has;
 * going through void (*)(void) says the cast is meant. */
#define XDRPROC(f) ((xdrproc_t)(void (*)(void))(f))

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
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 || getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("rpc_bench: ONC server socket");
		exit(1);
	}
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(path, sizeof(path), "%s/onc", dir);
	/* Buffer sizes 0: libtirpc's defaults, as clnt_create and svc_create use them.
	 * Protocol 0 in svc_register: not registered with rpcbind. */
	SVCXPRT *tcp = svc_vc_create(fd, 0, 0);
	SVCXPRT *unx = svcunix_create(RPC_ANYSOCK, 0, 0, path);
	if (!tcp || !unx ||
	    !svc_register(tcp, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS, onc_dispatch, 0) ||
	    !svc_register(unx, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS, onc_dispatch, 0)) {
		fprintf(stderr, "rpc_bench: the ONC RPC server did not start\n");
		exit(1);
	}
	dprintf(report_fd, "%u %s\n", (unsigned)ntohs(sin.sin_port), path);
	close(report_fd);
	svc_run(); /* until SIGTERM ends the process */
	exit(1);
}

/* ---- the client ---- */

/* Owner: the driver, between onc_open() and onc_close(). */
struct onc_client {
	CLIENT *cl;
	enum rb_call call;
};

static void *
onc_open(enum rb_transport t, const struct rb_addr *a, enum rb_call call)
{
	int sock = RPC_ANYSOCK;
	CLIENT *cl;
	if (t == RB_TCP) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)a->port),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		cl = clnttcp_create(&sin, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS, &sock, 0, 0);
	} else {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a->path);
		cl = clntunix_create(&sun, ONC_RPCBENCH_PROG, ONC_RPCBENCH_VERS, &sock, 0, 0);
	}
	if (!cl) {
		clnt_pcreateerror("rpc_bench: ONC RPC client");
		return NULL;
	}
	/* clntunix_create leaves its socket open after clnt_destroy unless told otherwise. */
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	int fd, one = 1;
	if (t == RB_TCP && clnt_control(cl, CLGET_FD, (char *)&fd))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
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
			t0 = rb_now_ns();
			st = clnt_call(c->cl, ONC_NULLCALL, XDRPROC(xdr_void), NULL,
				       XDRPROC(xdr_void), NULL, call_timeout);
			break;
		case RB_INC:
			want = rb_inc(arg);
			t0 = rb_now_ns();
			st = clnt_call(c->cl, ONC_INC, XDRPROC(xdr_int), (char *)&arg,
				       XDRPROC(xdr_int), (char *)&got, call_timeout);
			break;
		default:
			block[0] = (uint8_t)s;
			want = rb_fingerprint(block, RB_SINK_BYTES);
			t0 = rb_now_ns();
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
