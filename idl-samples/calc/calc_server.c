/* calc_server: the calc interface's server, written the way Microsoft's RPC samples are.
 *
 *   calc_server ncacn_ip_tcp 5050      or      calc_server ncalrpc calc
 *
 * It prints "listening" on a line of its own once it accepts calls, and exits when a client
 * calls Shutdown. Its stubs are compiled without calc.acf's [async] (see meson.build): this
 * server answers Divide synchronously. */
#include <stdio.h>
#include <stdlib.h>

#include "calc_server.h"

int32_t
Add(int32_t a, int32_t b)
{
	return a + b;
}

error_status_t
Divide(int32_t a, int32_t b, int32_t *quotient, int32_t *remainder)
{
	if (b == 0)
		RpcRaiseException(RPC_S_ZERO_DIVIDE);
	*quotient = a / b;
	*remainder = a % b;
	return RPC_S_OK;
}

int64_t
Sum(int32_t n, const int32_t *values)
{
	int64_t s = 0;
	for (int32_t i = 0; i < n; i++)
		s += values[i];
	return s;
}

void
Evaluate(calc_op op, double a, double b, calc_result *result)
{
	static const char *const names[] = {"?", "sum", "difference", "product", "quotient"};
	double v = op == OP_ADD ? a + b : op == OP_SUB ? a - b : op == OP_MUL ? a * b : b != 0 ? a / b : 0;
	result->value = (int64_t)v;
	/* [out] memory comes from midl_user_allocate; the server stub frees it after the reply. */
	const char *name = names[op >= OP_ADD && op <= OP_DIV ? op : 0];
	result->message = midl_user_allocate(32);
	if (result->message)
		snprintf(result->message, 32, "%s %.0f", name, v);
}

void
Shutdown(void)
{
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
		status = RpcServerRegisterIf(calc_v1_0_s_ifspec, NULL, NULL);
	if (status == RPC_S_OK)
		status = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, TRUE);
	if (status != RPC_S_OK) {
		fprintf(stderr, "calc_server: error %d\n", (int)status);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	status = RpcMgmtWaitServerListen();
	RpcServerUnregisterIf(NULL, NULL, FALSE);
	return status == RPC_S_OK ? 0 : 1;
}
