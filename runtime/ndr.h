/* librpcrt private: the NDR 2.0 engine. It marshals, unmarshals and frees the parameters of a
 * procedure, driven by the descriptor tables of rpcstub.h. It is the one place where bytes from
 * a peer become memory; every read is checked against the bytes that remain before it happens.
 *
 * Stub data starts at offset 0 of the buffers below: NDR alignment is relative to it.
 */
#ifndef RPCRT_NDR_H
#define RPCRT_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "rpcstub.h"

/* Data representation labels (the first byte of packed_drep). */
#define RPCRT_DREP_LE 0x10u /* little-endian integers, ASCII, IEEE: what ridl sends */
#define RPCRT_DREP_BE 0x00u /* big-endian integers, ASCII, IEEE */

/* A growable byte buffer. Owner: whoever declared it; release with rpcrt_buf_free(). */
typedef struct rpcrt_buf {
	uint8_t *data;
	size_t len, cap;
} rpcrt_buf;

void rpcrt_buf_free(rpcrt_buf *b);

/* Makes room for n more bytes after b->len, doubling the capacity (from 256 bytes); false, with
 * b unchanged, when that memory cannot be had or the size does not fit in a size_t. */
bool rpcrt_buf_reserve(rpcrt_buf *b, size_t n);

/* Limits that apply while unmarshalling (what a peer controls). */
typedef struct rpcrt_ndr_limits {
	uint32_t max_depth;  /* nesting of constructed types and pointer chains walked recursively */
	bool allow_trailing; /* accept stub bytes after the last parameter (default: reject) */
	size_t max_out_alloc; /* largest [out]-only buffer the server allocates from a correlation */
} rpcrt_ndr_limits;

extern const rpcrt_ndr_limits rpcrt_ndr_default_limits;

/* Client: the [in] and [in,out] parameters of proc, from the frame args (addresses of the
 * parameters, one per ridl_param), appended to out. */
RPC_STATUS rpcrt_ndr_marshal_request(const ridl_proc *proc, void *const *args, rpcrt_buf *out);

/* Server: the [out] and [in,out] parameters and the return value (ret: its address, or NULL
 * for void) appended to out. */
RPC_STATUS rpcrt_ndr_marshal_response(const ridl_proc *proc, void *const *args, const void *ret,
				      rpcrt_buf *out);

/* The exact number of bytes rpcrt_ndr_marshal_request / _response would append to an empty
 * buffer. */
RPC_STATUS rpcrt_ndr_size_request(const ridl_proc *proc, void *const *args, size_t *ret_size);
RPC_STATUS rpcrt_ndr_size_response(const ridl_proc *proc, void *const *args, const void *ret,
				   size_t *ret_size);

/* A server-side argument frame: args[i] is the address of parameter i's value, ret the
 * address of room for the return value. All of it lives in the arena given to
 * rpcrt_ndr_unmarshal_request. */
typedef struct rpcrt_frame {
	void **args;
	void *ret;
} rpcrt_frame;

/* Server: reads the request stub data (len bytes, integers in the byte order of drep) into a
 * new frame whose memory comes from arena, including room for [out]-only parameters (zeroed,
 * sized by their correlation). On failure returns RPC_X_BAD_STUB_DATA or another status, and
 * the arena holds whatever was built (the caller resets it). */
RPC_STATUS rpcrt_ndr_unmarshal_request(const ridl_proc *proc, const void *data, size_t len,
				       uint8_t drep, rpcrt_arena *arena, const rpcrt_ndr_limits *lim,
				       rpcrt_frame *ret_frame);

/* Client: reads the response stub data into the caller's [out] and [in,out] parameters and
 * *ret. Memory for referents the caller did not provide comes from MIDL_user_allocate. The
 * bounds of caller-provided buffers are taken from the [in] values before anything is read. On
 * failure everything allocated is freed and the status says why. */
RPC_STATUS rpcrt_ndr_unmarshal_response(const ridl_proc *proc, const void *data, size_t len,
					uint8_t drep, const rpcrt_ndr_limits *lim, void *const *args,
					void *ret);

/* Client: whether rpcrt_ndr_unmarshal_response would accept this response for args, found
 * without writing anything the caller can see: the same reading, into copies of the caller's
 * buffers in a private arena. RPC_S_OK, or the status rpcrt_ndr_unmarshal_response would
 * return (other than running out of memory). An asynchronous call checks its reply with it
 * before it writes the [out] parameters, which are then written in full or not at all. */
RPC_STATUS rpcrt_ndr_check_response(const ridl_proc *proc, const void *data, size_t len,
				    uint8_t drep, const rpcrt_ndr_limits *lim, void *const *args);

/* Client: frees (MIDL_user_free) what rpcrt_ndr_unmarshal_response allocated for the [out]
 * parameters of args; top-level buffers the caller provided are not freed. */
void rpcrt_ndr_free_response(const ridl_proc *proc, void *const *args);

/* Server: frees what the manager routine allocated with MIDL_user_allocate for [out]
 * parameters (memory that is not in arena), after the response was marshalled. */
void rpcrt_ndr_free_frame(const ridl_proc *proc, rpcrt_frame *frame, rpcrt_arena *arena);

/* Checks that an interface's tables were generated for this runtime. */
RPC_STATUS rpcrt_ndr_check_interface(const ridl_interface *itf);

#endif
