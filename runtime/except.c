/* RPC exceptions: the per-thread stack of frames behind RpcTryExcept / RpcTryFinally
 * (rpcndr.h) and RpcRaiseException. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "rpcndr.h"

/* Innermost active frame of this thread; each frame lives on its user's stack. */
static _Thread_local ridl_exc_frame *exc_top;

void
ridl_exc_push(ridl_exc_frame *frame)
{
	frame->prev = exc_top;
	frame->code = RPC_S_OK;
	frame->abnormal = 0;
	exc_top = frame;
}

void
ridl_exc_pop(ridl_exc_frame *frame)
{
	/* Normally frame is the top. If an inner block was left by return or goto (which the
	 * macros cannot see), stale frames sit above it; frame itself is live, so dropping
	 * everything above it repairs the stack without reading the stale ones. */
	exc_top = frame->prev;
}

void RPC_ENTRY
RpcRaiseException(RPC_STATUS exception)
{
	ridl_exc_frame *frame = exc_top;

	if (frame == NULL) {
		/* Windows would terminate the process with the unhandled exception too. */
		fprintf(stderr, "librpcrt: unhandled RPC exception %ld (0x%lx)\n", (long)exception,
			(unsigned long)(uint32_t)exception);
		abort();
	}
	exc_top = frame->prev;
	frame->code = exception;
	longjmp(frame->jb, 1);
}
