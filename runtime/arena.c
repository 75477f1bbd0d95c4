/* The per-call arena: a list of chunks. Small requests share a chunk; a large one gets a chunk of
 * its own, so the arena never holds much more than what was asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHUNK_SIZE 4096u
#define ALIGN 16u

struct rpcrt_arena_chunk {
	struct rpcrt_arena_chunk *next;
	size_t used, size; /* bytes of data[] */
	_Alignas(16) unsigned char data[];
};

void
rpcrt_arena_init(rpcrt_arena *a)
{
	a->head = NULL;
	a->total = 0;
}

static struct rpcrt_arena_chunk *
chunk_new(rpcrt_arena *a, size_t size)
{
	struct rpcrt_arena_chunk *c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->used = 0;
	c->size = size;
	a->total += size;
	return c;
}

void *
rpcrt_arena_alloc(rpcrt_arena *a, size_t n)
{
	if (n > SIZE_MAX / 2 || rpcrt_alloc_fail_now())
		return NULL;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need == 0)
		need = ALIGN; /* distinct, non-NULL pointers for empty objects */
	struct rpcrt_arena_chunk *c = a->head;
	if (c && c->size - c->used >= need) {
		void *p = c->data + c->used;
		c->used += need;
		return p;
	}
	if (need > CHUNK_SIZE / 4) {
		/* Large: its own chunk, linked behind the current one so that the current one
		 * keeps serving small requests. */
		struct rpcrt_arena_chunk *big = chunk_new(a, need);
		if (!big)
			return NULL;
		big->used = need;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			big->next = NULL;
			a->head = big;
		}
		return big->data;
	}
	struct rpcrt_arena_chunk *nc = chunk_new(a, CHUNK_SIZE);
	if (!nc)
		return NULL;
	nc->next = c;
	a->head = nc;
	nc->used = need;
	return nc->data;
}

void *
rpcrt_arena_zalloc(rpcrt_arena *a, size_t n)
{
	void *p = rpcrt_arena_alloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}

bool
rpcrt_arena_contains(const rpcrt_arena *a, const void *p)
{
	uintptr_t x = (uintptr_t)p;
	for (const struct rpcrt_arena_chunk *c = a->head; c; c = c->next) {
		uintptr_t lo = (uintptr_t)c->data;
		if (x >= lo && x < lo + c->used)
			return true;
	}
	return false;
}

void
rpcrt_arena_release(rpcrt_arena *a)
{
	struct rpcrt_arena_chunk *c = a->head;
	while (c) {
		struct rpcrt_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}
