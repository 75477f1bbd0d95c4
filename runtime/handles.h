/* librpcrt private: the event and completion-port objects behind the Win32-named functions of
 * rpcasync.h (CreateEvent, CreateIoCompletionPort, CloseHandle ...), and the per-thread APC
 * queues that the Apc notification kind uses.
 *
 * An APC queue belongs to one thread. Any thread may post to it; the routines run on the owning
 * thread, in FIFO order, only inside one of its alertable waits (SleepEx(ms, TRUE),
 * WaitForSingleObjectEx(h, ms, TRUE)), never in a non-alertable one. Each alertable wait runs
 * the APCs queued before it started running them; one queued by a running APC waits for the next
 * alertable wait. When the thread exits its queue is closed: the APCs it had not run are dropped
 * and later posts fail. The queue itself is reference counted, so a holder (an outstanding
 * call) can keep it after its thread is gone. */
#ifndef RPCRT_HANDLES_H
#define RPCRT_HANDLES_H

#include <stdbool.h>

#include "rpcasync.h"

/* A thread's APC queue. Owner: reference counted; the thread holds one reference until it
 * exits, and each rpcrt_apc_queue_current() gives the caller another. */
typedef struct rpcrt_apc_queue rpcrt_apc_queue;

/* The calling thread's APC queue, created on first use, with one reference for the caller
 * (release with rpcrt_apc_queue_unref). NULL when out of memory or descriptors (errno says
 * which). */
rpcrt_apc_queue *rpcrt_apc_queue_current(void);

/* Drops one reference; the last one frees the queue. NULL is ignored. */
void rpcrt_apc_queue_unref(rpcrt_apc_queue *q);

/* Queues fn(pAsync, NULL, ev) to run in q's thread inside its next alertable wait, and wakes
 * that wait if the thread is in one. Never blocks; callable from any thread. Returns false
 * (nothing queued) when out of memory (errno ENOMEM) or when q's thread has exited (errno
 * ESRCH): its queue is then closed, and APCs queued but not run before it exited were dropped.
 * Also false (errno EINVAL) for a NULL q or fn. */
bool rpcrt_apc_post(rpcrt_apc_queue *q, PFN_RPCNOTIFICATION_ROUTINE fn, PRPC_ASYNC_STATE pAsync,
		    RPC_ASYNC_EVENT ev);

/* Validation for the async client: is h a live event / completion port (created and not yet
 * given to CloseHandle)? Never dereferences h. */
bool rpcrt_handle_is_event(HANDLE h);
bool rpcrt_handle_is_port(HANDLE h);

#endif
