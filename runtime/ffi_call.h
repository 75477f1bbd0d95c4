/* librpcrt private: calling a server's manager routines through libffi. The C signature of each
 * manager is derived once, when the interface is registered, from the procedure's descriptor
 * tables (rpcstub.h); each call then passes the addresses of an argument frame (ndr.h) as they
 * are.
 *
 * The C signature of procedure P, as the generated header declares it:
 *
 *   - every ridl_param in order, including the explicit binding handle (RIDL_K_HANDLE, a
 *     pointer) and the [comm_status] / [fault_status] parameters: ridl only accepts those
 *     attributes on parameters declared in the IDL, and the header gives the client and the
 *     manager one prototype (`error_status_t Status(int32_t a, error_status_t *st);`), so the
 *     manager receives the error_status_t * like any other [out] pointer;
 *   - scalars by kind; RIDL_K_ENUM16 and RIDL_K_ENUM32 are C enums, so int;
 *   - pointers as pointers (array parameters are already [ref] pointers in the tables);
 *   - structs and unions by value as libffi struct types built from their C layout (see below);
 *   - the return type, or void;
 *   - RIDL_PROC_ASYNC: `void P(PRPC_ASYNC_STATE, params...)`, the return type of the table
 *     being what the manager later hands to RpcAsyncCompleteCall.
 *
 * Unions by value. libffi has no union type, and the calling conventions classify a union by
 * merging the classes of all its members (x86-64: an eightbyte holding an int and a float
 * member is INTEGER), which no libffi struct reproduces in general. A union whose arms contain
 * no float or double (recursively) is passed as a struct of unsigned integers as wide as the
 * union's alignment, repeated to cover its size: every byte of it is then of integer class, as
 * the C compiler sees it. A union with a floating-point member anywhere is refused with
 * RPC_S_CANNOT_SUPPORT. Encapsulated unions (a C struct of discriminant and union) follow the
 * same rule.
 *
 * Every struct type built is checked against the C layout the tables record (member offsets,
 * mem_size, mem_align); a layout libffi does not reproduce (a packed struct, say) is refused
 * with RPC_S_CANNOT_SUPPORT rather than called wrongly.
 */
#ifndef RPCRT_FFI_CALL_H
#define RPCRT_FFI_CALL_H

#include <ffi.h>
#include <stdbool.h>
#include <stdint.h>

#include "rpcstub.h"

/* The most ridl_params a procedure may have here. rpcrt_ffi_invoke builds the argument vector
 * of an [async] manager on its stack, so this bounds that; C11 only promises 127 parameters. */
#define RPCRT_FFI_MAX_PARAMS 255

/* The most libffi struct elements built for one procedure (arrays inside structs passed by
 * value are spelled out element by element, as libffi requires). */
#define RPCRT_FFI_MAX_ELEMENTS 65536

/* Deepest nesting of structs, unions and arrays passed by value (and what stops a descriptor
 * cycle, which no C type can have). */
#define RPCRT_FFI_MAX_DEPTH 64

/* One libffi struct type built for a struct or union passed by value; a list owned by an
 * rpcrt_ffi_proc. */
struct rpcrt_ffi_agg;

/* How to call one procedure's manager routine. Owner: the server's registration of the
 * interface, one per procedure; filled by rpcrt_ffi_prepare, released by rpcrt_ffi_free. It is
 * only read once prepared, so any number of threads may invoke it at once. */
typedef struct rpcrt_ffi_proc {
	ffi_cif cif;
	ffi_type **arg_types;       /* cif.nargs entries, NULL when there are none */
	struct rpcrt_ffi_agg *aggs; /* the struct types arg_types and cif.rtype point into */
	unsigned nargs;             /* C arguments, PRPC_ASYNC_STATE included */
	bool async;                 /* RIDL_PROC_ASYNC: PRPC_ASYNC_STATE first, returns void */
	bool split;                 /* C argument split_arg is passed as two libffi arguments */
	unsigned split_arg;         /* (x86-64 only; see ffi_call.c) */
	uint8_t ret_kind;           /* enum ridl_kind of the return value; 0 for void or async */
	uint32_t ret_size;          /* its mem_size */
} rpcrt_ffi_proc;

/* Maps the C signature of proc's manager routine and prepares a libffi call interface for it
 * (FFI_DEFAULT_ABI). RPC_S_INVALID_ARG: proc or ret_ffi is NULL, or proc is not a ridl_proc.
 * RPC_S_INTERNAL_ERROR: the tables contradict themselves (no type, an unknown kind, a scalar
 * whose mem_size is not its C size, an array passed by value at the top level, a struct without
 * members) or libffi refused the signature. RPC_S_CANNOT_SUPPORT: valid C that this runtime
 * cannot call: more than RPCRT_FFI_MAX_PARAMS parameters, a conformant struct or a union with a
 * floating-point member by value, a layout libffi does not reproduce, nesting deeper than
 * RPCRT_FFI_MAX_DEPTH or more than RPCRT_FFI_MAX_ELEMENTS struct elements.
 * RPC_S_OUT_OF_MEMORY. *ret_ffi is untouched on failure. */
RPC_STATUS rpcrt_ffi_prepare(const ridl_proc *proc, rpcrt_ffi_proc *ret_ffi);

/* Releases what rpcrt_ffi_prepare allocated and zeroes *p. Accepts NULL and a zeroed or already
 * freed rpcrt_ffi_proc. */
void rpcrt_ffi_free(rpcrt_ffi_proc *p);

/* Calls the manager routine fn as prepared in p. args[i] is the address of parameter i's value
 * (an rpcrt_frame's args; NULL when there are no parameters). For an [async] procedure
 * async_state is passed first and ret is not written; otherwise async_state is ignored. ret:
 * where the return value goes, exactly its mem_size bytes (a 1-byte return writes 1 byte); NULL
 * discards it. */
void rpcrt_ffi_invoke(const rpcrt_ffi_proc *p, void (*fn)(void), void *async_state, void **args,
		      void *ret);

#endif
