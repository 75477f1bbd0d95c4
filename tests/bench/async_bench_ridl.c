/* The asynchronous-call benchmark's ridl client: [async] calls through the stubs ridl generates
 * for asyncbench.idl with asyncbench.acf, over ncacn_ip_tcp and ncalrpc, all on one binding
 * (so on one connection), notified through one completion port: the pattern of Microsoft's
 * samples. One thread issues the first `depth` calls, then takes each completion from the port
 * (GetQueuedCompletionStatus), finishes its call (RpcAsyncCompleteCall), checks the reply and
 * issues the next call with the same RPC_ASYNC_STATE, until the budget is spent. The calls
 * complete on the runtime's client I/O thread, which posts to the port.
 *
 * Also the PDU sizes the raw baseline copies, from the engine itself, and the --quick check
 * that they are what goes on the wire. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "async_bench.h"
#include "asyncbench.h"
#include "ndr.h"
#include "pdu.h"

/* A completion that does not come within this long means a lost call. */
#define COMPLETION_TIMEOUT_MS 30000

/* Owner: the driver, between ridl_open() and ridl_close(). */
struct ridl_client {
	RPC_BINDING_HANDLE h;
	HANDLE port;
	enum ab_payload payload;
	uint32_t depth;
	uint32_t next_seq;
	RPC_ASYNC_STATE *state; /* one per outstanding call: the completion key is the index */
	int32_t *want;          /* the reply each slot's call must produce */
	uint8_t *blocks;        /* AB_BLOCK: one block per slot, valid until its call completes */
};

static void
ridl_close(void *client)
{
	struct ridl_client *c = client;
	if (c->h)
		RpcBindingFree(&c->h);
	if (c->port)
		CloseHandle(c->port);
	free(c->state);
	free(c->want);
	free(c->blocks);
	free(c);
}

static void *
ridl_open(enum ab_transport t, const struct bench_addr *a, enum ab_payload p, uint32_t depth)
{
	char port[16];
	snprintf(port, sizeof(port), "%u", a->port);
	RPC_CSTR s = NULL;
	RPC_STATUS st = t == AB_TCP ? RpcStringBindingComposeA(NULL, (RPC_CSTR) "ncacn_ip_tcp",
							       (RPC_CSTR) "127.0.0.1", (RPC_CSTR)port,
							       NULL, &s)
				    : RpcStringBindingComposeA(NULL, (RPC_CSTR) "ncalrpc", NULL,
							       (RPC_CSTR)a->path, NULL, &s);
	struct ridl_client *c = calloc(1, sizeof(*c));
	if (!c || !(c->state = calloc(depth, sizeof(*c->state))) ||
	    !(c->want = calloc(depth, sizeof(*c->want))) ||
	    (p == AB_BLOCK && !(c->blocks = malloc((size_t)depth * AB_BLOCK_BYTES))) ||
	    !(c->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)))
		st = st == RPC_S_OK ? RPC_S_OUT_OF_MEMORY : st;
	if (st == RPC_S_OK)
		st = RpcBindingFromStringBindingA(s, &c->h);
	RpcStringFreeA(&s);
	if (st != RPC_S_OK) {
		fprintf(stderr, "async_bench: ridl client: status %ld\n", (long)st);
		if (c)
			ridl_close(c);
		return NULL;
	}
	c->payload = p;
	c->depth = depth;
	c->next_seq = 1;
	for (uint32_t i = 0; c->blocks && i < depth; i++)
		ab_block_init(c->blocks + (size_t)i * AB_BLOCK_BYTES, i);
	return c;
}

/* Starts the next call in slot i. The stub raises what keeps the call from starting; then no
 * notification follows. */
static RPC_STATUS
issue(struct ridl_client *c, uint32_t i)
{
	RPC_ASYNC_STATE *s = &c->state[i];
	uint32_t seq = c->next_seq++;
	volatile RPC_STATUS st = RpcAsyncInitializeHandle(s, sizeof(*s));
	if (st != RPC_S_OK)
		return st;
	s->NotificationType = RpcNotificationTypeIoc;
	s->u.IOC.hIOPort = c->port;
	s->u.IOC.dwNumberOfBytesTransferred = 0;
	s->u.IOC.dwCompletionKey = i;
	s->u.IOC.lpOverlapped = NULL;
	RpcTryExcept {
		if (c->payload == AB_SMALL) {
			c->want[i] = ab_inc((int32_t)seq);
			Inc(s, c->h, (int32_t)seq);
		} else {
			uint8_t *block = c->blocks + (size_t)i * AB_BLOCK_BYTES;
			c->want[i] = ab_block_seq(block, seq);
			Sink(s, c->h, AB_BLOCK_BYTES, block);
		}
	}
	RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
		st = RpcExceptionCode();
	}
	RpcEndExcept
	return st;
}

static bool
ridl_run(void *client, const struct ab_budget *b, struct ab_result *ret)
{
	struct ridl_client *c = client;
	uint64_t done = 0, outstanding = 0, t0 = bench_now_ns(), now = t0;
	bool ok = true, stopping = false;
	for (uint32_t i = 0; i < c->depth && ok; i++) {
		RPC_STATUS st = issue(c, i);
		if (st != RPC_S_OK) {
			fprintf(stderr, "async_bench: ridl call could not start: status %ld\n",
				(long)st);
			ok = false;
		} else {
			outstanding++;
		}
	}
	/* After a failure, the calls still outstanding are waited for (their states must stay
	 * valid until then), but not reissued. */
	while (outstanding) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		if (!GetQueuedCompletionStatus(c->port, &bytes, &key, &ov, COMPLETION_TIMEOUT_MS) ||
		    key >= c->depth) {
			fprintf(stderr, "async_bench: ridl: %llu calls never completed\n",
				(unsigned long long)outstanding);
			exit(1); /* their states must not be freed */
		}
		outstanding--;
		int32_t reply = 0;
		RPC_STATUS st = RpcAsyncCompleteCall(&c->state[key], &reply);
		if (st != RPC_S_OK) {
			fprintf(stderr, "async_bench: ridl call failed: status %ld\n", (long)st);
			ok = false;
		} else if (reply != c->want[key]) {
			fprintf(stderr, "async_bench: ridl reply %ld, expected %ld\n", (long)reply,
				(long)c->want[key]);
			ok = false;
		} else {
			done++;
		}
		now = bench_now_ns();
		if (!stopping && done >= b->min_calls && now - t0 >= b->min_ns)
			stopping = true;
		if (ok && !stopping) {
			if ((st = issue(c, (uint32_t)key)) != RPC_S_OK) {
				fprintf(stderr, "async_bench: ridl call could not start: status %ld\n",
					(long)st);
				ok = false;
			} else {
				outstanding++;
			}
		}
	}
	ret->calls = done;
	ret->ns = now - t0;
	return ok;
}

const struct ab_client_ops ab_ridl_client = {
	.name = "ridl",
	.open = ridl_open,
	.run = ridl_run,
	.close = ridl_close,
};

/* ---- bytes on the wire ---- */

bool
ab_ridl_pdu_sizes(size_t ret_req[AB_NPAYLOADS], size_t ret_resp[AB_NPAYLOADS])
{
	static uint8_t block[AB_BLOCK_BYTES];
	handle_t h = NULL;
	int32_t v = 1, n = AB_BLOCK_BYTES;
	const uint8_t *data = block;
	void *inc_args[] = { &h, &v };
	void *sink_args[] = { &h, &n, &data };
	void *const *args[AB_NPAYLOADS] = { inc_args, sink_args };
	return bench_ridl_pdu_sizes(asyncbench_v1_0_c_ifspec, AB_NPAYLOADS, args, ret_req,
				    ret_resp);
}

bool
ab_ridl_check_wire(const struct bench_addr *a, const size_t req[AB_NPAYLOADS],
		   const size_t resp[AB_NPAYLOADS])
{
	enum { DEPTH = 16, CALLS = 64 };
	const struct ab_budget first = { 1, 0 }, budget = { CALLS, 0 };
	bool ok = true;
	for (int k = 0; k < AB_NPAYLOADS && ok; k++) {
		struct ab_result r;
		struct ridl_client *c = ridl_open(AB_TCP, a, (enum ab_payload)k, DEPTH);
		/* The first calls connect and bind. */
		if (!c || !ridl_run(c, &first, &r)) {
			if (c)
				ridl_close(c);
			return false;
		}
		int fd, conns = bench_find_conns(a->port, &fd);
		if (conns != 1) {
			fprintf(stderr, "async_bench: %d calls outstanding on one binding took %d "
					"connections\n", DEPTH, conns);
			ridl_close(c);
			return false;
		}
		struct tcp_info before, after;
		socklen_t len = sizeof(before);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &before, &len) != 0 ||
		    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(uint64_t)) {
			fprintf(stderr, "async_bench: no TCP_INFO byte counts here: wire sizes not "
					"checked\n");
			ridl_close(c);
			return true;
		}
		ok = ridl_run(c, &budget, &r);
		len = sizeof(after);
		if (ok && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &after, &len) == 0) {
			/* The server reads every request before it answers it, so by the time the
			 * last reply is in, every byte sent has been acknowledged. */
			uint64_t sent = after.tcpi_bytes_acked - before.tcpi_bytes_acked;
			uint64_t got = after.tcpi_bytes_received - before.tcpi_bytes_received;
			if (sent != (uint64_t)req[k] * r.calls || got != (uint64_t)resp[k] * r.calls) {
				fprintf(stderr,
					"async_bench: %s call: %llu bytes sent and %llu received "
					"over %llu calls, the raw baseline assumes %zu and %zu each\n",
					k == AB_SMALL ? "small" : "4 KiB", (unsigned long long)sent,
					(unsigned long long)got, (unsigned long long)r.calls, req[k],
					resp[k]);
				ok = false;
			}
		}
		if (ok && bench_find_conns(a->port, &fd) != 1) {
			fprintf(stderr, "async_bench: the calls of one binding took more than one "
					"connection\n");
			ok = false;
		}
		ridl_close(c);
	}
	if (ok)
		printf("ridl's calls on one binding share one connection, and their request and "
		       "response\nsizes are checked on the wire (TCP_INFO): right\n");
	return ok;
}
