/* inventory_client: calls the inventory server with an explicit binding handle.
 *
 *   inventory_client ncacn_ip_tcp 127.0.0.1 5051      or      inventory_client ncalrpc "" inventory */
#include <stdio.h>
#include <stdlib.h>

#include "inventory.h"

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PROTSEQ ADDRESS ENDPOINT\n", argv[0]);
		return 2;
	}
	RPC_CSTR sb = NULL;
	handle_t h = NULL;
	RPC_STATUS status = RpcStringBindingCompose(NULL, (RPC_CSTR)argv[1], (RPC_CSTR)argv[2],
						    (RPC_CSTR)argv[3], NULL, &sb);
	if (status == RPC_S_OK)
		status = RpcBindingFromStringBinding(sb, &h);
	RpcStringFree(&sb);
	if (status != RPC_S_OK) {
		fprintf(stderr, "inventory_client: binding: error %d\n", (int)status);
		return 1;
	}
	int exit_code = 0;
	RpcTryExcept {
		uint16_t note[] = {'f', 'r', 'a', 'g', 'i', 'l', 'e', 0};
		int32_t shelf = 17;
		item items[3] = {
			{1, "bolts", 0.25f, {KIND_COUNT, {.count = 5000000000LL}}, &shelf},
			{2, "flour", 1.5f, {KIND_WEIGHT, {.kilograms = 12.5}}, NULL},
			{3, "vase", 99.0f, {KIND_NOTE, {.note = note}}, NULL},
		};
		int64_t count = 0;
		double kg = 0;
		int32_t stored = AddItems(h, 3, items, &count, &kg);
		printf("AddItems: %d stored, count %lld, %.1f kg\n", (int)stored, (long long)count, kg);
		item *found = NULL;
		int32_t at = Find(h, "bolts", &found);
		if (found) {
			printf("Find(bolts) = %d: id %d \"%s\" %.2f count %lld shelf %d\n", (int)at, (int)found->id,
			       found->name, found->price, (long long)found->qty.value.count,
			       found->shelf ? (int)*found->shelf : -1);
			midl_user_free(found->name);
			midl_user_free(found->shelf);
			midl_user_free(found);
		}
		at = Find(h, "nothing", &found);
		printf("Find(nothing) = %d, %s\n", (int)at, found ? "found" : "NULL");
		Shutdown(h);
		printf("Shutdown sent\n");
	}
	RpcExcept(1) {
		fprintf(stderr, "inventory_client: RPC exception %d\n", (int)RpcExceptionCode());
		exit_code = 1;
	}
	RpcEndExcept
	RpcBindingFree(&h);
	return exit_code;
}
