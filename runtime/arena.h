/* librpcrt private: a per-call memory arena. The server unmarshals a request into one, hands the
 * memory to the manager routine, and releases it all at once after the reply has been
 * marshalled. Owner: whoever called rpcrt_arena_init; not thread-safe (one call uses it). */
#ifndef RPCRT_ARENA_H
#define RPCRT_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct rpcrt_arena_chunk;

typedef struct rpcrt_arena {
	struct rpcrt_arena_chunk *head; /* newest chunk first */
	size_t total;                   /* bytes held by all chunks (for limits and tests) */
} rpcrt_arena;

void rpcrt_arena_init(rpcrt_arena *a);
/* Memory aligned to 16 bytes, or NULL when out of memory (or n is absurd). */
void *rpcrt_arena_alloc(rpcrt_arena *a, size_t n);
/* Same, zero-filled. */
void *rpcrt_arena_zalloc(rpcrt_arena *a, size_t n);
/* Does p point into memory handed out by this arena? */
bool rpcrt_arena_contains(const rpcrt_arena *a, const void *p);
/* Frees everything; the arena can be used again. */
void rpcrt_arena_release(rpcrt_arena *a);

/* Allocation failure injection, for tests (security-tests T68). The default MIDL_user_allocate
 * and rpcrt_arena_alloc (so rpcrt_arena_zalloc too) count their calls, process-wide: after
 * rpcrt_alloc_fail_after(n), the first n succeed and the next one fails, once; n < 0 turns
 * counting off, the state at startup. Compiled into every build and hidden like every
 * internal symbol, so applications cannot reach it; while off it costs one relaxed atomic
 * load per allocation. (memory.c) */
void rpcrt_alloc_fail_after(long n);
/* Whether the failure armed by the last rpcrt_alloc_fail_after() has happened. */
bool rpcrt_alloc_failed(void);
/* For the allocators: whether the allocation being made is the one to fail. */
bool rpcrt_alloc_fail_now(void);

#endif
