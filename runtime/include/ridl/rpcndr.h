/**
 * @file rpcndr.h
 * @brief What generated stubs and applications share: the stub memory allocator and the RPC
 *        exception macros (RpcTryExcept, RpcTryFinally ...).
 */
#ifndef RIDL_RPCNDR_H
#define RIDL_RPCNDR_H

#include <setjmp.h>

#include "rpcdce.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Memory -------------------------------------------------------------------------------- */

/**
 * Allocates memory for the stubs: [out] data the client receives, and everything the server
 * stub unmarshals. Returns NULL on failure. librpcrt provides a weak default (malloc); an
 * application may define its own, as on Windows, and the runtime then uses that one.
 */
RIDL_EXPORT void *__RPC_USER MIDL_user_allocate(size_t size);

/** Frees memory from MIDL_user_allocate(); NULL is allowed. Weak default: free(). */
RIDL_EXPORT void __RPC_USER MIDL_user_free(void *ptr);

#define midl_user_allocate MIDL_user_allocate
#define midl_user_free     MIDL_user_free

/* ---- Context handles (placeholders; the NDR work defines their use) ------------------------ */

/** Client side of a context handle. */
typedef void *NDR_CCONTEXT;
/** Server side of a context handle; the application's value is `userContext`. */
typedef struct {
	void *pad[2];
	void *userContext;
} * NDR_SCONTEXT;
#define NDRSContextValue(hContext) (&(hContext)->userContext)

/* ---- RPC exceptions ------------------------------------------------------------------------ *
 *
 * RpcRaiseException(code) transfers control to the innermost active frame of the calling thread:
 *
 *     RpcTryExcept {
 *             Add(hBinding, 1, 2, &sum);
 *     }
 *     RpcExcept(1) {
 *             status = RpcExceptionCode();
 *     }
 *     RpcEndExcept
 *
 *     RpcTryFinally {
 *             ...
 *     }
 *     RpcFinally {
 *             cleanup();      // runs on both paths; RpcAbnormalTermination() says which
 *     }
 *     RpcEndFinally           // then an exception continues to the next frame
 *
 * RpcExcept(filter): the handler runs when `filter` (which may use RpcExceptionCode()) is
 * positive (EXCEPTION_EXECUTE_HANDLER); 0 (EXCEPTION_CONTINUE_SEARCH) passes the exception to the
 * next frame. Resuming (EXCEPTION_CONTINUE_EXECUTION) is not possible and is treated as 0.
 * With no frame left, RpcRaiseException() prints the code to stderr and calls abort().
 *
 * The frames are built on setjmp/longjmp, which brings three rules Windows' SEH does not have:
 * - Never leave a RpcTryExcept or RpcTryFinally block by return, goto, break or continue (the
 *   handler and finally blocks may be left freely).
 * - Local variables that are changed inside the block and read after an exception must be
 *   `volatile`.
 * - Filters run after inner RpcFinally blocks, not before; C++ destructors in the skipped
 *   frames do not run.
 */

#ifndef EXCEPTION_EXECUTE_HANDLER
#define EXCEPTION_EXECUTE_HANDLER 1
#endif
#ifndef EXCEPTION_CONTINUE_SEARCH
#define EXCEPTION_CONTINUE_SEARCH 0
#endif
#ifndef EXCEPTION_CONTINUE_EXECUTION
#define EXCEPTION_CONTINUE_EXECUTION (-1)
#endif

/** One exception frame, on the stack of the function that uses the macros. Internal to them. */
typedef struct ridl_exc_frame {
	struct ridl_exc_frame *prev;
	volatile RPC_STATUS code; /* written by RpcRaiseException() between setjmp and longjmp */
	int abnormal;
	jmp_buf jb;
} ridl_exc_frame;

/** Used by the macros only: makes @p frame the calling thread's innermost frame. */
RIDL_EXPORT void ridl_exc_push(ridl_exc_frame *frame);
/** Used by the macros only: removes @p frame (and any frame above it) from the thread's stack. */
RIDL_EXPORT void ridl_exc_pop(ridl_exc_frame *frame);

/* The macros below open and close blocks separately, which clang-format cannot lay out. */
/* clang-format off */

/* Each frame is a local with one fixed name, so that RpcExceptionCode() finds the innermost one;
 * nesting the macros in one function therefore shadows it on purpose. */
#if defined(__GNUC__) || defined(__clang__)
#define RIDL_EXC_FRAME_                                                                            \
	_Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"")              \
		ridl_exc_frame ridl_exc_frame_;                                                    \
	_Pragma("GCC diagnostic pop")
#else
#define RIDL_EXC_FRAME_ ridl_exc_frame ridl_exc_frame_;
#endif

#define RpcTryExcept                                                                               \
	{                                                                                          \
		RIDL_EXC_FRAME_                                                                    \
		ridl_exc_push(&ridl_exc_frame_);                                                   \
		if (setjmp(ridl_exc_frame_.jb) == 0) {

#define RpcExcept(filter)                                                                          \
			ridl_exc_pop(&ridl_exc_frame_);                                            \
		} else if (!((filter) > 0)) {                                                      \
			RpcRaiseException(ridl_exc_frame_.code);                                   \
		} else {

#define RpcEndExcept                                                                               \
		}                                                                                  \
	}

#define RpcTryFinally                                                                              \
	{                                                                                          \
		RIDL_EXC_FRAME_                                                                    \
		ridl_exc_push(&ridl_exc_frame_);                                                   \
		if (setjmp(ridl_exc_frame_.jb) == 0) {

#define RpcFinally                                                                                 \
			ridl_exc_pop(&ridl_exc_frame_);                                            \
		} else {                                                                           \
			ridl_exc_frame_.abnormal = 1;                                              \
		}                                                                                  \
		{

#define RpcEndFinally                                                                              \
		}                                                                                  \
		if (ridl_exc_frame_.abnormal)                                                      \
			RpcRaiseException(ridl_exc_frame_.code);                                   \
	}

/* clang-format on */

/** The code of the exception being handled; valid in a RpcExcept filter and handler. */
#define RpcExceptionCode() ((RPC_STATUS)ridl_exc_frame_.code)
/** Non-zero in a RpcFinally block entered because of an exception. */
#define RpcAbnormalTermination() (ridl_exc_frame_.abnormal)

#ifdef __cplusplus
}
#endif

#endif /* RIDL_RPCNDR_H */
