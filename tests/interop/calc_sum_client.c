/* calc_sum_client: one large call to the calc server, for the wire tests.
 *
 *   calc_sum_client ncacn_ip_tcp 127.0.0.1 PORT
 *
 * Calls Sum with CALC_MAX_VALUES (1024) values 1..1024, 4100 bytes of request stub data, which
 * the runtime splits into fragments when the negotiated fragment size is below that, then
 * Shutdown. Prints "Sum(1..1024) = 524800" and "Shutdown sent". Built with the calc sample's
 * client stubs (calc.acf: implicit handle calc_binding). */
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
		fprintf(stderr, "calc_sum_client: binding: error %d\n", (int)status);
		return 1;
	}
	static int32_t values[CALC_MAX_VALUES];
	for (int32_t i = 0; i < CALC_MAX_VALUES; i++)
		values[i] = i + 1;
	int exit_code = 0;
	RpcTryExcept {
		printf("Sum(1..%d) = %lld\n", (int)CALC_MAX_VALUES,
		       (long long)Sum(CALC_MAX_VALUES, values));
		Shutdown();
		printf("Shutdown sent\n");
	}
	RpcExcept(1) {
		fprintf(stderr, "calc_sum_client: RPC exception %d\n", (int)RpcExceptionCode());
		exit_code = 1;
	}
	RpcEndExcept
	RpcBindingFree(&calc_binding);
	return exit_code;
}
