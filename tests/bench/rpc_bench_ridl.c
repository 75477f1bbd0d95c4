/* The RPC round-trip benchmark's ridl part: a librpcrt server (RpcServerUseProtseq,
 * RpcServerRegisterIf2, RpcServerListen) with the manager routines of rpcbench.idl, and
 * synchronous client calls through the stubs ridl generates (rpcbench.acf: an implicit handle),
 * over ncacn_ip_tcp and ncalrpc. Also the PDU sizes the raw baseline copies, from the engine
 * itself, and the --quick check that they are what goes on the wire. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ndr.h"
#include "pdu.h"
#include "rpc_bench.h"
#include "rpcbench.h"

/* ---- the manager routines (--server-prefix srv_: the client stubs have the plain names) ---- */

void
srv_NullCall(void)
{
}

int32_t
srv_Inc(int32_t v)
{
	return rb_inc(v);
}

int32_t
srv_Sink(int32_t n, const uint8_t *data)
{
	return rb_fingerprint(data, (uint32_t)n);
}

/* ---- the server ---- */

static void
ridl_serve(int report_fd, const char *dir)
{
	(void)dir; /* ncalrpc puts its socket in the runtime's own directory */
	/* MaxRpcSize: (c)'s request and then some. */
	bench_ridl_serve(report_fd, rpcbench_v1_0_s_ifspec, 1u << 20,
			 RPC_C_LISTEN_MAX_CALLS_DEFAULT);
}

/* ---- the client ---- */

/* Owner: the driver, between ridl_open() and ridl_close(). */
struct ridl_client {
	RPC_BINDING_HANDLE h;
	enum rb_call call;
};

static void *
ridl_open(enum rb_transport t, const struct bench_addr *a, enum rb_call call)
{
	char port[16];
	snprintf(port, sizeof(port), "%u", a->port);
	RPC_CSTR s = NULL;
	RPC_STATUS st;
	if (t == RB_TCP)
		st = RpcStringBindingComposeA(NULL, (RPC_CSTR) "ncacn_ip_tcp",
					      (RPC_CSTR) "127.0.0.1", (RPC_CSTR)port, NULL, &s);
	else
		st = RpcStringBindingComposeA(NULL, (RPC_CSTR) "ncalrpc", NULL, (RPC_CSTR)a->path,
					      NULL, &s);
	struct ridl_client *c = calloc(1, sizeof(*c));
	if (!c)
		st = RPC_S_OUT_OF_MEMORY;
	if (st == RPC_S_OK)
		st = RpcBindingFromStringBindingA(s, &c->h);
	RpcStringFreeA(&s);
	if (st != RPC_S_OK) {
		fprintf(stderr, "rpc_bench: ridl binding: status %ld\n", (long)st);
		free(c);
		return NULL;
	}
	c->call = call;
	return c;
}

/* The calls, one loop per kind so that the timed part holds nothing but the stub call. An
 * exception (a failed call) leaves through RpcExcept. */
static bool
ridl_run(void *client, uint32_t n, uint32_t seq, uint8_t *block, uint32_t *ns)
{
	struct ridl_client *c = client;
	volatile uint32_t done = 0;
	volatile int32_t got = 0, want = 0;
	volatile RPC_STATUS code = RPC_S_OK;

	rpcbench_binding = c->h;
	RpcTryExcept {
		for (uint32_t i = 0; i < n; i++, done = i) {
			uint32_t s = seq + i;
			uint64_t t0;
			switch (c->call) {
			case RB_NULL:
				t0 = bench_now_ns();
				NullCall();
				if (ns)
					ns[i] = rb_elapsed(t0);
				break;
			case RB_INC:
				want = rb_inc((int32_t)s);
				t0 = bench_now_ns();
				got = Inc((int32_t)s);
				if (ns)
					ns[i] = rb_elapsed(t0);
				break;
			default:
				block[0] = (uint8_t)s;
				want = rb_fingerprint(block, RB_SINK_BYTES);
				t0 = bench_now_ns();
				got = Sink(RB_SINK_BYTES, block);
				if (ns)
					ns[i] = rb_elapsed(t0);
				break;
			}
			if (got != want)
				break;
		}
	}
	RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
		code = RpcExceptionCode();
	}
	RpcEndExcept
	if (code != RPC_S_OK) {
		fprintf(stderr, "rpc_bench: ridl call %u failed: status %ld\n", (unsigned)done,
			(long)code);
		return false;
	}
	if (got != want) {
		fprintf(stderr, "rpc_bench: ridl call %u: reply %ld, expected %ld\n",
			(unsigned)done, (long)got, (long)want);
		return false;
	}
	return true;
}

static void
ridl_close(void *client)
{
	struct ridl_client *c = client;
	RpcBindingFree(&c->h);
	free(c);
}

const struct rb_impl rb_ridl_impl = {
	.name = "ridl",
	.serve = ridl_serve,
	.open = ridl_open,
	.run = ridl_run,
	.close = ridl_close,
};

/* ---- bytes on the wire ---- */

bool
rb_ridl_pdu_sizes(size_t ret_req[RB_NCALLS], size_t ret_resp[RB_NCALLS])
{
	static uint8_t block[RB_SINK_BYTES];
	int32_t v = 1, n = RB_SINK_BYTES;
	const uint8_t *data = block;
	void *inc_args[] = { &v };
	void *sink_args[] = { &n, &data };
	void *const *args[RB_NCALLS] = { NULL, inc_args, sink_args };
	return bench_ridl_pdu_sizes(rpcbench_v1_0_c_ifspec, RB_NCALLS, args, ret_req, ret_resp);
}

bool
rb_ridl_check_wire(const struct bench_addr *a, const size_t req[RB_NCALLS],
		   const size_t resp[RB_NCALLS])
{
	static uint8_t block[RB_SINK_BYTES];
	enum { CALLS = 10 };
	bool ok = true;
	for (int k = 0; k < RB_NCALLS && ok; k++) {
		void *c = ridl_open(RB_TCP, a, (enum rb_call)k);
		if (!c || !ridl_run(c, 1, 0, block, NULL)) { /* connects and binds */
			if (c)
				ridl_close(c);
			return false;
		}
		int fd;
		bench_find_conns(a->port, &fd);
		struct tcp_info before, after;
		socklen_t len = sizeof(before);
		if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &before, &len) != 0 ||
		    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(uint64_t)) {
			fprintf(stderr, "rpc_bench: no TCP_INFO byte counts here: wire sizes not "
					"checked\n");
			ridl_close(c);
			return true;
		}
		ok = ridl_run(c, CALLS, 1, block, NULL);
		len = sizeof(after);
		if (ok && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &after, &len) == 0) {
			/* Each reply acknowledges its request, so every byte sent is acked by
			 * the time the last reply is in. */
			uint64_t sent = after.tcpi_bytes_acked - before.tcpi_bytes_acked;
			uint64_t got = after.tcpi_bytes_received - before.tcpi_bytes_received;
			if (sent != (uint64_t)req[k] * CALLS || got != (uint64_t)resp[k] * CALLS) {
				fprintf(stderr,
					"rpc_bench: call (%c): %llu bytes sent and %llu received "
					"per call, the raw baseline assumes %zu and %zu\n",
					'a' + k, (unsigned long long)(sent / CALLS),
					(unsigned long long)(got / CALLS), req[k], resp[k]);
				ok = false;
			}
		}
		ridl_close(c);
	}
	if (ok)
		printf("ridl's request and response sizes checked on the wire (TCP_INFO): right\n");
	return ok;
}
