/* The RPC round-trip benchmark's parts: rpc_bench.c (the driver, the raw-socket baseline and the
 * table), rpc_bench_ridl.c (librpcrt through the stubs ridl generates for rpcbench.idl) and
 * rpc_bench_onc.c (ONC RPC through libtirpc and rpcgen's XDR routines for rpcbench_onc.x).
 * Each implementation runs its server in a process of its own that the driver forks, and its
 * client in the driver. What it shares with async_bench is in bench_common.c. */
#ifndef RPC_BENCH_H
#define RPC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_common.h"

enum rb_transport { RB_TCP, RB_UNIX, RB_NTRANSPORTS };

/* The calls, in the order of rpcbench.idl's opnums. */
enum rb_call {
	RB_NULL, /* (a) nothing in, nothing out */
	RB_INC,  /* (b) one long in, one long out */
	RB_SINK, /* (c) RB_SINK_BYTES in, one long out */
	RB_NCALLS
};

#define RB_SINK_BYTES 65536

/* One implementation: its server and its client. A client is opened for one transport and one
 * kind of call, runs calls, and is closed. */
struct rb_impl {
	const char *name;
	/* In the forked server process: listens on TCP (127.0.0.1, a port of the system's choice)
	 * and on a Unix socket (dir names a private directory for it), writes "PORT PATH\n" to
	 * report_fd once it takes calls, and serves until SIGTERM. Never returns. */
	void (*serve)(int report_fd, const char *dir);
	/* A client connected to the server at a over transport t; NULL (after a message on
	 * stderr) on failure. */
	void *(*open)(enum rb_transport t, const struct bench_addr *a, enum rb_call call);
	/* Runs n calls of the client's kind, the i-th with sequence number seq + i (which the
	 * reply must reflect); block is the RB_SINK_BYTES argument of (c), whose first byte each
	 * call changes. When ns is not NULL, ns[i] receives the i-th call's round trip in
	 * nanoseconds. false (after a message on stderr) when a call failed or a reply was wrong. */
	bool (*run)(void *client, uint32_t n, uint32_t seq, uint8_t *block, uint32_t *ns);
	void (*close)(void *client);
};

extern const struct rb_impl rb_ridl_impl, rb_onc_impl;

/* What (c)'s server computes from the block it receives and returns: a few bytes spread over
 * the block (the first one changes with each call) folded with its length. It costs the same
 * few loads in every server, so no server does more work than another. */
static inline int32_t
rb_fingerprint(const uint8_t *p, uint32_t n)
{
	uint32_t f = n;
	for (uint32_t k = 0; k < 16; k++) {
		uint32_t at = k * (n / 16) + k;
		if (at < n)
			f = f * 31u + p[at];
	}
	return (int32_t)f;
}

/* (b)'s answer. */
static inline int32_t
rb_inc(int32_t v)
{
	return (int32_t)((uint32_t)v + 1u);
}

/* The number of nanoseconds since t0, for a sample. */
static inline uint32_t
rb_elapsed(uint64_t t0)
{
	uint64_t d = bench_now_ns() - t0;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* The bytes of ridl's request and response for one call of each kind as they go on the wire
 * (PDU headers and fragmentation included), which the raw baseline sends too. false when the
 * engine refuses to marshal them. rpc_bench_ridl.c. */
bool rb_ridl_pdu_sizes(size_t ret_req[RB_NCALLS], size_t ret_resp[RB_NCALLS]);

/* --quick: runs a few calls of each kind over TCP and checks with TCP_INFO that each one moves
 * the bytes rb_ridl_pdu_sizes() computed. false (after a message) when they differ. */
bool rb_ridl_check_wire(const struct bench_addr *a, const size_t req[RB_NCALLS],
			const size_t resp[RB_NCALLS]);

#endif /* RPC_BENCH_H */
