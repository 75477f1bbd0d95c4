/* A client of the jobs sample that leaves calls pending, for tests/e2e/run-jobs-kill.sh.
 *
 *   jobs_pending PROTSEQ ADDRESS ENDPOINT N DELAY_MS
 *
 * Starts N Run calls of DELAY_MS each on one binding (completion port notification), prints
 * "issued N" once they are all started, then waits (at most 60 s) for all N to complete and
 * prints one line per distinct status: "STATUS COUNT", smallest status first, then
 * "done in MS ms" (from the first completion to the last). Exit 0 when all N completed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

static long
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int
cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s PROTSEQ ADDRESS ENDPOINT N DELAY_MS\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[4]), delay = atoi(argv[5]);
	RPC_CSTR sb = NULL;
	RPC_BINDING_HANDLE h = NULL;
	RPC_STATUS st = RpcStringBindingCompose(NULL, (RPC_CSTR)argv[1], (RPC_CSTR)argv[2], (RPC_CSTR)argv[3],
						NULL, &sb);
	if (st == RPC_S_OK)
		st = RpcBindingFromStringBinding(sb, &h);
	RpcStringFree(&sb);
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	RPC_ASYNC_STATE *s = calloc((size_t)n, sizeof(*s));
	char **results = calloc((size_t)n, sizeof(*results));
	unsigned long *status = calloc((size_t)n, sizeof(*status));
	if (st != RPC_S_OK || !port || !s || !results || !status)
		return 1;
	int issued = 0;
	for (int i = 0; i < n; i++) {
		RpcAsyncInitializeHandle(&s[i], sizeof(s[i]));
		s[i].NotificationType = RpcNotificationTypeIoc;
		s[i].u.IOC.hIOPort = port;
		s[i].u.IOC.dwCompletionKey = (ULONG_PTR)i;
		RpcTryExcept
		{
			Run(&s[i], h, i, delay, "pending", &results[i]);
			issued++;
		}
		RpcExcept(1)
		{
			fprintf(stderr, "jobs_pending: Run %d: RPC exception %lu\n", i, (unsigned long)RpcExceptionCode());
		}
		RpcEndExcept;
	}
	printf("issued %d\n", issued);
	fflush(stdout);
	long first = 0, last = 0;
	for (int done = 0; done < issued; done++) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 60000) || key >= (ULONG_PTR)n) {
			fprintf(stderr, "jobs_pending: %d of %d calls still pending after 60 s\n", issued - done, issued);
			return 1;
		}
		last = now_ms();
		if (done == 0)
			first = last;
		int32_t length = -1;
		status[done] = RpcAsyncCompleteCall(&s[key], &length);
		if (status[done] == RPC_S_OK)
			midl_user_free(results[key]);
		else if (results[key] != NULL || length != -1)
			fprintf(stderr, "jobs_pending: a failed call wrote its [out] parameters\n");
	}
	qsort(status, (size_t)issued, sizeof(*status), cmp);
	for (int i = 0; i < issued;) {
		int j = i;
		while (j < issued && status[j] == status[i])
			j++;
		printf("%lu %d\n", status[i], j - i);
		i = j;
	}
	printf("done in %ld ms\n", last - first);
	CloseHandle(port);
	RpcBindingFree(&h);
	free(s);
	free(results);
	free(status);
	return issued == n ? 0 : 1;
}
