/* malformed_client: the client side of the malformed-input suite (T14, T1 on responses). The
 * suite runs it against a fake server of its own that answers with bad responses; the client
 * must refuse each with RPC_X_BAD_STUB_DATA and never write past the caller's buffer, which is
 * allocated with exactly the size the [in] arguments give, so that AddressSanitizer sees any
 * write beyond it.
 *
 *   malformed_client PORT PROC N COUNT
 *
 * calls PROC (fill, fillvar or fillstr) with n = N, COUNT times on one binding to
 * ncacn_ip_tcp:127.0.0.1[PORT], and prints a line per call: "ok" and the values received, or
 * "exception CODE". Calls time out after 5 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "malformed.h"

static void
one_call(const char *proc, int32_t n)
{
	/* Exactly the caller's size: n elements, n chars. */
	int32_t *buf = malloc(n > 0 ? (size_t)n * sizeof(*buf) : 1);
	char *s = malloc(n > 0 ? (size_t)n : 1);
	int32_t len = -1;
	if (!buf || !s) {
		printf("out of memory\n");
		free(buf);
		free(s);
		return;
	}
	RpcTryExcept {
		if (strcmp(proc, "fill") == 0) {
			Fill(n, buf);
			printf("ok");
			for (int32_t i = 0; i < n; i++)
				printf(" %d", (int)buf[i]);
		} else if (strcmp(proc, "fillvar") == 0) {
			FillVar(n, &len, buf);
			printf("ok len %d:", (int)len);
			for (int32_t i = 0; i < len && i < n; i++)
				printf(" %d", (int)buf[i]);
		} else {
			FillStr(n, s);
			printf("ok \"%.*s\"", (int)strnlen(s, (size_t)n), s);
		}
		printf("\n");
	}
	RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
		printf("exception %lu\n", (unsigned long)RpcExceptionCode());
	}
	RpcEndExcept
	free(buf);
	free(s);
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PORT fill|fillvar|fillstr N COUNT\n", argv[0]);
		return 2;
	}
	int32_t n = (int32_t)strtol(argv[3], NULL, 10);
	int count = atoi(argv[4]);
	RPC_CSTR s = NULL;
	RPC_STATUS st =
		RpcStringBindingCompose(NULL, (RPC_CSTR) "ncacn_ip_tcp", (RPC_CSTR) "127.0.0.1",
					(RPC_CSTR)argv[1], NULL, &s);
	if (st == RPC_S_OK)
		st = RpcBindingFromStringBinding(s, &mal_binding);
	if (st == RPC_S_OK)
		st = RpcBindingSetOption(mal_binding, RPC_C_OPT_CALL_TIMEOUT, 5000);
	RpcStringFree(&s);
	if (st != RPC_S_OK) {
		fprintf(stderr, "malformed_client: error %lu\n", (unsigned long)st);
		return 1;
	}
	for (int i = 0; i < count; i++)
		one_call(argv[2], n);
	fflush(stdout);
	RpcBindingFree(&mal_binding);
	return 0;
}
