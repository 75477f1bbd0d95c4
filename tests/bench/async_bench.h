/* The asynchronous-call benchmark's parts: async_bench.c (the driver, the raw pipelined baseline
 * and the table), async_bench_ridl.c (librpcrt's [async] client through the stubs ridl generates
 * for asyncbench.idl with asyncbench.acf), async_bench_srv.c (a librpcrt server with the
 * synchronous managers of the same interface) and async_bench_onc.c (ONC RPC through libtirpc
 * and rpcgen's XDR routines for asyncbench_onc.x, one synchronous client per thread). Each
 * server runs in a process of its own that the driver forks; every client runs in the driver.
 * What it shares with rpc_bench is in bench_common.c. */
#ifndef ASYNC_BENCH_H
#define ASYNC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench_common.h"

enum ab_transport { AB_TCP, AB_UNIX, AB_NTRANSPORTS };

/* The calls, in the order of asyncbench.idl's opnums. */
enum ab_payload {
	AB_SMALL, /* one long in, one long out: v + 1 */
	AB_BLOCK, /* AB_BLOCK_BYTES in, one long out: ab_fingerprint() of them */
	AB_NPAYLOADS
};

#define AB_BLOCK_BYTES 4096

/* How long one measurement runs: until both bounds are reached. Plain value. */
struct ab_budget {
	uint64_t min_calls;
	uint64_t min_ns;
};

/* What one measurement did: the calls completed (every reply checked) and the time from the
 * first call's start to the last call's completion. Plain value. */
struct ab_result {
	uint64_t calls;
	uint64_t ns;
};

/* A client opened for one transport, one kind of call and a number of calls outstanding at
 * once (for ONC RPC: of threads, each with one synchronous client); run() issues calls until
 * the budget is spent, keeping that many outstanding, then waits for the last ones. Every
 * reply is checked against the value its call must produce; false (after a message on
 * stderr) when a call failed or a reply was wrong. */
struct ab_client_ops {
	const char *name;
	void *(*open)(enum ab_transport t, const struct bench_addr *a, enum ab_payload p,
		      uint32_t depth);
	bool (*run)(void *client, const struct ab_budget *b, struct ab_result *ret);
	void (*close)(void *client);
};

extern const struct ab_client_ops ab_ridl_client, ab_onc_client;

/* The servers' bodies, in the forked processes: each listens on TCP (127.0.0.1, a port of the
 * system's choice) and on a Unix socket (dir names a private directory for it), writes
 * "PORT PATH\n" to report_fd once it takes calls, and serves until SIGTERM. Never return.
 * ridl's accepts conn_calls calls outstanding per connection (0: the runtime's default, 4096)
 * and runs at most max_calls manager routines at once (RpcServerListen's MaxCalls: the worker
 * threads it may start). */
void ab_ridl_serve(int report_fd, const char *dir, uint32_t conn_calls, uint32_t max_calls);
void ab_onc_serve(int report_fd, const char *dir);

/* The bytes of ridl's request and response PDUs for one call of each kind as they go on the
 * wire, which the raw baseline sends too. false when the engine refuses to marshal them.
 * async_bench_ridl.c. */
bool ab_ridl_pdu_sizes(size_t ret_req[AB_NPAYLOADS], size_t ret_resp[AB_NPAYLOADS]);

/* --quick: runs calls of each kind over TCP with 16 outstanding, and checks that they all went
 * over one connection and that each moved the bytes ab_ridl_pdu_sizes() computed (TCP_INFO).
 * false (after a message) when not. */
bool ab_ridl_check_wire(const struct bench_addr *a, const size_t req[AB_NPAYLOADS],
			const size_t resp[AB_NPAYLOADS]);

/* The 4 KiB call's answer: a fingerprint of the block, folding its first four bytes (which
 * the clients set to each call's sequence number) and a few bytes spread over the rest with
 * its length. Every server computes the same, so none does more work than another. */
static inline int32_t
ab_fingerprint(const uint8_t *p, uint32_t n)
{
	uint32_t f = n, first = 0;
	if (n >= 4)
		memcpy(&first, p, 4);
	f = f * 31u + first;
	for (uint32_t k = 1; k < 16; k++) {
		uint32_t at = k * (n / 16) + k;
		if (at < n)
			f = f * 31u + p[at];
	}
	return (int32_t)f;
}

/* The small call's answer. */
static inline int32_t
ab_inc(int32_t v)
{
	return (int32_t)((uint32_t)v + 1u);
}

/* Fills a client's block: a fixed pattern of its own, the same on every run. */
static inline void
ab_block_init(uint8_t *p, uint32_t salt)
{
	for (uint32_t j = 0; j < AB_BLOCK_BYTES; j++)
		p[j] = (uint8_t)((j + salt * 7919u) * 2654435761u >> 13);
}

/* Makes the block that of call seq: its first four bytes are seq. Returns the answer the
 * server must give. */
static inline int32_t
ab_block_seq(uint8_t *p, uint32_t seq)
{
	memcpy(p, &seq, 4);
	return ab_fingerprint(p, AB_BLOCK_BYTES);
}

#endif /* ASYNC_BENCH_H */
