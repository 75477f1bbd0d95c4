/* librpcrt private: the client side of a call. A binding handle owns one connection for
 * synchronous calls (client.c): a synchronous call takes it for its duration and does its I/O
 * on the calling thread (no hand-off to another thread, which costs a cross-CPU wake-up per
 * message). Asynchronous calls (client_async.c) use connections of their own, one per
 * interface, read by the client's I/O loop thread, with many calls outstanding on each. */
#ifndef RPCRT_CLIENT_H
#define RPCRT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "binding.h"
#include "rpcstub.h"

struct rpcrt_cconn;
struct rpcrt_aconn;

/* Closes and frees a binding's connections (binding.c calls it when the binding goes away). */
void rpcrt_cconn_free(struct rpcrt_cconn *c);

/* The binding's connection state, created on first use. Owner: the binding. */
RPC_STATUS rpcrt_client_conn(rpcrt_binding *b, struct rpcrt_cconn **ret);

/* The status a client reports for the status of a fault PDU ([MS-RPCE] 3.1.1.5.5; the nca_s_*
 * codes of wire-notes.md §4; any other status passes unchanged). */
RPC_STATUS rpcrt_fault_to_status(uint32_t fault);

/* The binding a call of proc uses: its handle_t parameter, or the interface's implicit handle. */
RPC_STATUS rpcrt_client_find_binding(const ridl_interface *itf, const ridl_proc *proc,
				     void *const *args, rpcrt_binding **ret);

/* Writes st into the procedure's [comm_status] / [fault_status] parameters and return value
 * (0 on success); returns whether a failure went into one of them. */
bool rpcrt_client_deliver_status(const ridl_proc *proc, void *const *args, void *ret, RPC_STATUS st,
				 bool fault);

/* A new connection with itf's presentation context bound (bind PDU flags pfc). Plain value;
 * the caller owns fd (non-blocking). */
typedef struct rpcrt_client_link {
	int fd;
	uint16_t max_xmit; /* largest fragment we may send */
	uint16_t ctx_id;
	uint32_t next_call_id;
} rpcrt_client_link;

RPC_STATUS rpcrt_client_open(rpcrt_binding *b, const ridl_interface *itf, uint8_t pfc, uint64_t deadline,
			     rpcrt_client_link *ret);

/* ---- client_async.c ---- */

/* The asynchronous connections of a binding: the head of their list in its rpcrt_cconn. */
struct rpcrt_aconn **rpcrt_cconn_async_list(struct rpcrt_cconn *c);
/* Frees a list of asynchronous connections (no call is outstanding on them any more: each
 * call holds a reference to its binding). NULL is ignored. */
void rpcrt_aconn_free_all(struct rpcrt_aconn *list);

#endif
