/* inventory_server: the richer sample's server (see inventory.idl).
 *
 *   inventory_server ncacn_ip_tcp 5051      or      inventory_server ncalrpc inventory
 *
 * Prints "listening" once it accepts calls; exits after Shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

#define MAX_ITEMS 64

static item store[MAX_ITEMS];
static int nstore;

static char *
dup_string(const char *s)
{
	char *d = midl_user_allocate(strlen(s) + 1);
	if (d)
		strcpy(d, s);
	return d;
}

int32_t
AddItems(handle_t h, int32_t n, item *items, int64_t *total_count, double *total_kilograms)
{
	(void)h;
	*total_count = 0;
	*total_kilograms = 0;
	for (int32_t i = 0; i < n; i++) {
		if (items[i].qty.kind == KIND_COUNT)
			*total_count += items[i].qty.value.count;
		else if (items[i].qty.kind == KIND_WEIGHT)
			*total_kilograms += items[i].qty.value.kilograms;
		if (nstore < MAX_ITEMS) {
			/* What the stub passes in is freed after the call: keep copies. */
			item *it = &store[nstore++];
			it->id = items[i].id;
			it->name = strdup(items[i].name);
			it->price = items[i].price;
			it->qty.kind = items[i].qty.kind;
			it->qty.value.count = items[i].qty.kind == KIND_COUNT ? items[i].qty.value.count : 0;
			if (items[i].qty.kind == KIND_WEIGHT)
				it->qty.value.kilograms = items[i].qty.value.kilograms;
			it->shelf = NULL;
			if (items[i].shelf) {
				it->shelf = malloc(sizeof(int32_t));
				*it->shelf = *items[i].shelf;
			}
		}
	}
	return nstore;
}

int32_t
Find(handle_t h, char *name, item **found)
{
	(void)h;
	*found = NULL;
	for (int i = 0; i < nstore; i++) {
		if (strcmp(store[i].name, name) != 0)
			continue;
		/* [out] memory comes from midl_user_allocate; the stub frees it after the reply. */
		item *it = midl_user_allocate(sizeof(*it));
		if (!it)
			RpcRaiseException(RPC_S_OUT_OF_MEMORY);
		*it = store[i];
		it->name = dup_string(store[i].name);
		if (store[i].shelf) {
			it->shelf = midl_user_allocate(sizeof(int32_t));
			*it->shelf = *store[i].shelf;
		}
		if (it->qty.kind == KIND_NOTE)
			it->qty.kind = KIND_COUNT;
		*found = it;
		return i;
	}
	return -1;
}

void
Shutdown(handle_t h)
{
	(void)h;
	RpcMgmtStopServerListening(NULL);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s ncacn_ip_tcp PORT | ncalrpc NAME\n", argv[0]);
		return 2;
	}
	RPC_STATUS status = RpcServerUseProtseqEp((RPC_CSTR)argv[1], RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
						  (RPC_CSTR)argv[2], NULL);
	if (status == RPC_S_OK)
		status = RpcServerRegisterIf(inventory_v1_0_s_ifspec, NULL, NULL);
	if (status == RPC_S_OK)
		status = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, TRUE);
	if (status != RPC_S_OK) {
		fprintf(stderr, "inventory_server: error %d\n", (int)status);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	status = RpcMgmtWaitServerListen();
	for (int i = 0; i < nstore; i++) {
		free(store[i].name);
		free(store[i].shelf);
	}
	return status == RPC_S_OK ? 0 : 1;
}
