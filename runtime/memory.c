/* Default stub allocator. Weak, so an application that defines MIDL_user_allocate and
 * MIDL_user_free (as Windows requires) replaces these, in the runtime too. Also the switch of
 * the allocation failure injection for tests (arena.h). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "arena.h"
#include "rpcndr.h"

/* Allocations still to succeed before the one that fails; negative: injection off. */
static atomic_long fail_left = -1;
/* The armed failure has happened. */
static atomic_bool fail_done;

void
rpcrt_alloc_fail_after(long n)
{
	atomic_store(&fail_done, false);
	atomic_store(&fail_left, n < 0 ? -1 : n);
}

bool
rpcrt_alloc_failed(void)
{
	return atomic_load(&fail_done);
}

bool
rpcrt_alloc_fail_now(void)
{
	if (atomic_load_explicit(&fail_left, memory_order_relaxed) < 0)
		return false;
	/* The call that takes the count from 0 to -1 fails; the count then stays negative, so
	 * the injection turns itself off. */
	if (atomic_fetch_sub(&fail_left, 1) != 0)
		return false;
	atomic_store(&fail_done, true);
	return true;
}

__attribute__((weak)) void *__RPC_USER
MIDL_user_allocate(size_t size)
{
	if (rpcrt_alloc_fail_now())
		return NULL;
	return malloc(size);
}

__attribute__((weak)) void __RPC_USER
MIDL_user_free(void *ptr)
{
	free(ptr);
}
