/* calc_client: calls the calc server, the way Microsoft's RPC samples do.
 *
 *   calc_client ncacn_ip_tcp 127.0.0.1 5050      or      calc_client ncalrpc "" calc
 *
 * The binding goes into calc.acf's implicit handle, calc_binding. Failures arrive as RPC
 * exceptions. (Divide is [async] in calc.acf, which shows how an ACF makes a procedure
 * asynchronous; this client calls only the synchronous procedures, and idl-samples/jobs is the
 * asynchronous sample.) */
#include <stdio.h>
#include <stdlib.h>

#include "calc.h"

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PROTSEQ ADDRESS ENDPOINT\n", argv[0]);
		return 2;
	}
	RPC_CSTR binding = NULL;
	RPC_STATUS status = RpcStringBindingCompose(NULL, (RPC_CSTR)argv[1], (RPC_CSTR)argv[2],
						    (RPC_CSTR)argv[3], NULL, &binding);
	if (status == RPC_S_OK)
		status = RpcBindingFromStringBinding(binding, &calc_binding);
	RpcStringFree(&binding);
	if (status != RPC_S_OK) {
		fprintf(stderr, "calc_client: binding: error %d\n", (int)status);
		return 1;
	}
	int exit_code = 0;
	RpcTryExcept {
		printf("Add(2, 40) = %d\n", (int)Add(2, 40));
		const int32_t values[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
		printf("Sum(1..10) = %lld\n", (long long)Sum(10, values));
		calc_result r = {0};
		Evaluate(OP_MUL, 6, 7, &r);
		printf("Evaluate(MUL, 6, 7) = %lld \"%s\"\n", (long long)r.value, r.message ? r.message : "");
		midl_user_free(r.message);
		Shutdown();
		printf("Shutdown sent\n");
	}
	RpcExcept(1) {
		fprintf(stderr, "calc_client: RPC exception %d\n", (int)RpcExceptionCode());
		exit_code = 1;
	}
	RpcEndExcept
	RpcBindingFree(&calc_binding);
	return exit_code;
}
