/* librpcrt private: the I/O loop. One epoll instance, an eventfd to wake it and a min-heap of
 * timers, run by one thread that the loop owns. The connection layer registers its sockets here;
 * the loop thread reads them, and other threads hand it work with rpcrt_loop_post().
 *
 * Threads. Every function here may be called from any thread, including from inside a callback
 * (callbacks run on the loop thread with no loop lock held), except rpcrt_loop_stop() and
 * rpcrt_loop_free(), which join the loop thread and so refuse to run on it. Callbacks never
 * nest and never run concurrently: at most one callback of a loop runs at any time.
 *
 * Cancellation. rpcrt_loop_del() and rpcrt_loop_timer_cancel() give the same guarantee: once
 * they return, the callback is not running and never runs again, so the caller may free what
 * the callback uses. How: the loop records, under its lock, which watch or timer's callback is
 * running; a deleted watch or cancelled timer is marked dead under the same lock, the loop
 * checks that mark before each call, and a caller on another thread waits on a condition
 * variable while the callback it cancels is the running one. A deleted watch's memory is freed
 * by the loop thread once it has finished the batch of epoll events that may still point at it.
 * Called from the loop thread (from inside a callback), they cannot wait and need not: nothing
 * else runs on that thread, so the cancelled callback is either the one running now (it may
 * delete itself; it is not called again) or not running at all.
 *
 * So: never call rpcrt_loop_del() or rpcrt_loop_timer_cancel() from another thread while
 * holding a lock that the callback being cancelled may take; that would deadlock.
 *
 * Errors follow the libuv rule: if a function that takes a callback fails, the callback never
 * runs. */
#ifndef RPCRT_IOLOOP_H
#define RPCRT_IOLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "rpc.h"

/* The loop. Owner: whoever called rpcrt_loop_new(); freed by rpcrt_loop_free(). */
typedef struct rpcrt_loop rpcrt_loop;
/* A file descriptor registered with a loop. Owner: the caller of rpcrt_loop_add(), who ends it
 * with rpcrt_loop_del(); the loop frees the memory. The descriptor itself stays the caller's. */
typedef struct rpcrt_watch rpcrt_watch;
/* A one-shot timer. Owner: the caller of rpcrt_loop_timer(), who releases it with
 * rpcrt_loop_timer_cancel() whether or not it has fired. */
typedef struct rpcrt_timer rpcrt_timer;

/* Interest flags for rpcrt_loop_add() / rpcrt_loop_mod(), and what the callback receives. The
 * loop is level-triggered: a readable socket is reported again on every iteration until it has
 * been read dry (or until interest in reading is dropped). */
#define RPCRT_EV_READ  0x1u /* readable; end of stream counts as readable */
#define RPCRT_EV_WRITE 0x2u /* writable */
/* Reported only (never asked for): the peer hung up in both directions, or the socket has a
 * pending error. Both are reported even without interest in reading or writing, as long as
 * the interest set is not empty; a read or write then returns the status that explains them. */
#define RPCRT_EV_HUP   0x4u
#define RPCRT_EV_ERROR 0x8u

typedef void (*rpcrt_watch_fn)(rpcrt_watch *watch, int fd, uint32_t revents, void *ctx);
typedef void (*rpcrt_timer_fn)(rpcrt_timer *timer, void *ctx);
typedef void (*rpcrt_post_fn)(void *ctx);

/* A new loop, not yet running. RPC_S_OUT_OF_MEMORY, or RPC_S_OUT_OF_RESOURCES when the epoll or
 * eventfd descriptor cannot be created. */
RPC_STATUS rpcrt_loop_new(rpcrt_loop **ret_loop);

/* Stops the loop if it runs, then frees it together with every watch not yet deleted and every
 * timer not yet cancelled (their handles become invalid). NULL is ignored. Must not be called
 * from the loop thread: there it does nothing (the loop cannot join itself). */
void rpcrt_loop_free(rpcrt_loop *loop);

/* Starts the loop thread. A loop runs once: RPC_S_ALREADY_LISTENING if it was started before.
 * RPC_S_OUT_OF_RESOURCES when the thread cannot be created. */
RPC_STATUS rpcrt_loop_start(rpcrt_loop *loop);

/* Stops the loop and joins its thread. Work already posted runs first (on the loop thread);
 * posts made from then on are refused; timers still pending do not fire (cancel them as
 * usual); I/O events are no longer dispatched. When this returns, no callback of this loop is
 * running or will run. Several threads may call it at once: all of them return after the
 * thread has ended. Calling it on a loop that never started, or again, is RPC_S_OK.
 * RPC_S_INVALID_ARG from the loop thread itself, which cannot wait for its own end. */
RPC_STATUS rpcrt_loop_stop(rpcrt_loop *loop);

/* Whether the calling thread is this loop's thread (so a callback of it may be running). */
bool rpcrt_loop_is_current(const rpcrt_loop *loop);

/* Watches fd for `events` (RPCRT_EV_READ and/or RPCRT_EV_WRITE; 0 registers it paused) and
 * calls cb(watch, fd, revents, ctx) on the loop thread when it is ready. The descriptor must
 * stay open until rpcrt_loop_del() returns. RPC_S_INVALID_ARG for a bad fd, a descriptor epoll
 * cannot watch (a regular file) or one that this loop already watches, or unknown flags;
 * RPC_S_OUT_OF_MEMORY / RPC_S_OUT_OF_RESOURCES. Works whether or not the loop is running. */
RPC_STATUS rpcrt_loop_add(rpcrt_loop *loop, int fd, uint32_t events, rpcrt_watch_fn cb, void *ctx,
			  rpcrt_watch **ret_watch);

/* Replaces the interest set of a watch (0: paused, nothing is reported). */
RPC_STATUS rpcrt_loop_mod(rpcrt_watch *watch, uint32_t events);

/* Ends a watch; see "Cancellation" above for the guarantee. The handle is invalid afterwards;
 * the descriptor is not closed. NULL is ignored. */
void rpcrt_loop_del(rpcrt_watch *watch);

/* Runs fn(ctx) on the loop thread soon, after the functions posted before it (FIFO). Refused
 * with RPC_S_NOT_LISTENING unless the loop is running (a stop has not begun), in which case fn
 * never runs; once this returns RPC_S_OK, fn runs exactly once, even if a stop begins. */
RPC_STATUS rpcrt_loop_post(rpcrt_loop *loop, rpcrt_post_fn fn, void *ctx);

/* Calls fn(timer, ctx) once on the loop thread, `ms` milliseconds from now (CLOCK_MONOTONIC)
 * or as soon after as the loop gets to it. Timers that are due together fire in order of
 * their deadlines, and those with equal deadlines in the order they were made. A timer fires
 * only while the loop runs. RPC_S_OUT_OF_MEMORY. */
RPC_STATUS rpcrt_loop_timer(rpcrt_loop *loop, uint32_t ms, rpcrt_timer_fn fn, void *ctx,
			    rpcrt_timer **ret_timer);

/* Releases a timer; see "Cancellation" above for the guarantee. Returns true when the timer was
 * still pending (its callback has not run and now never will), false when it had fired (or
 * is firing, and this call is made from inside that callback). The handle is invalid
 * afterwards. NULL is ignored (false). */
bool rpcrt_loop_timer_cancel(rpcrt_timer *timer);

#endif
