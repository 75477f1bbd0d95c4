/* Default stub allocator. Weak, so an application that defines MIDL_user_allocate and
 * MIDL_user_free (as Windows requires) replaces these, in the runtime too. */
#include <stdlib.h>

#include "rpcndr.h"

__attribute__((weak)) void *__RPC_USER
MIDL_user_allocate(size_t size)
{
	return malloc(size);
}

__attribute__((weak)) void __RPC_USER
MIDL_user_free(void *ptr)
{
	free(ptr);
}
