/* librpcrt private: the client side of a call (client.c). A binding handle owns at most one
 * connection; a synchronous call takes it for its duration and does its I/O on the calling
 * thread (no hand-off to another thread, which costs a cross-CPU wake-up per message). */
#ifndef RPCRT_CLIENT_H
#define RPCRT_CLIENT_H

#include "rpcstub.h"

struct rpcrt_cconn;

/* Closes and frees a binding's connection (binding.c calls it when the binding goes away). */
void rpcrt_cconn_free(struct rpcrt_cconn *c);

/* The status a client reports for the status of a fault PDU ([MS-RPCE] 3.1.1.5.5; the nca_s_*
 * codes of wire-notes.md §4; any other status passes unchanged). */
RPC_STATUS rpcrt_fault_to_status(uint32_t fault);

#endif
