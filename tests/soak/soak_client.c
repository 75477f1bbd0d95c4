/* The soak client: many client threads, each with its own binding, keep many asynchronous calls
 * outstanding against the jobs sample's server for a fixed time, with a share of them
 * cancelled (abortively or not) and a share of bindings dropped and made again. It prints what
 * happened; tests/soak/run-soak.sh checks it and the server's memory.
 *
 *   soak_client PROTSEQ ADDRESS ENDPOINT SECONDS THREADS OUTSTANDING
 *
 * Output, one "name value" per line: calls (completed with their reply), cancelled (completed
 * with RPC_S_CALL_CANCELLED after a cancel), errors (anything else), reconnects, and
 * rss_start_kib / rss_end_kib of this process. Exit 0 when errors is 0. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

static const char *protseq, *address, *endpoint;
static int seconds, outstanding;
static atomic_long n_calls, n_cancelled, n_errors, n_reconnects;
static atomic_int first_error;

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static RPC_BINDING_HANDLE
bind_to_server(void)
{
	RPC_CSTR sb = NULL;
	RPC_BINDING_HANDLE h = NULL;
	if (RpcStringBindingCompose(NULL, (RPC_CSTR)protseq, (RPC_CSTR)address, (RPC_CSTR)endpoint, NULL, &sb) ==
	    RPC_S_OK)
		RpcBindingFromStringBinding(sb, &h);
	RpcStringFree(&sb);
	return h;
}

struct slot {
	RPC_ASYNC_STATE async;
	char *result;
	int cancel; /* 0 none, 1 non-abortive, 2 abortive */
	int busy;
};

static void
error(RPC_STATUS st)
{
	int zero = 0;
	atomic_compare_exchange_strong(&first_error, &zero, (int)st);
	atomic_fetch_add(&n_errors, 1);
}

static int
start(RPC_BINDING_HANDLE h, HANDLE port, struct slot *s, int index, unsigned *seed)
{
	RpcAsyncInitializeHandle(&s->async, sizeof(s->async));
	s->async.NotificationType = RpcNotificationTypeIoc;
	s->async.u.IOC.hIOPort = port;
	s->async.u.IOC.dwCompletionKey = (ULONG_PTR)index;
	s->result = NULL;
	int r = (int)(rand_r(seed) % 100);
	s->cancel = r < 3 ? 1 : r < 5 ? 2 : 0; /* 5% of the calls are cancelled */
	RPC_STATUS st = RPC_S_OK;
	RpcTryExcept
	{
		Run(&s->async, h, index, (int32_t)(rand_r(seed) % 4), "soak", &s->result);
	}
	RpcExcept(1)
	{
		st = RpcExceptionCode();
	}
	RpcEndExcept;
	if (st != RPC_S_OK) {
		error(st);
		return 0;
	}
	s->busy = 1;
	if (s->cancel)
		RpcAsyncCancelCall(&s->async, s->cancel == 2);
	return 1;
}

static void *
worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1u;
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	struct slot *slots = calloc((size_t)outstanding, sizeof(*slots));
	RPC_BINDING_HANDLE h = bind_to_server();
	if (!port || !slots || !h) {
		error(RPC_S_OUT_OF_MEMORY);
		return NULL;
	}
	double end = now_s() + seconds;
	int busy = 0;
	for (int i = 0; i < outstanding; i++)
		busy += start(h, port, &slots[i], i, &seed);
	while (busy > 0) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED ov;
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 30000) || key >= (ULONG_PTR)outstanding) {
			error(RPC_S_CALL_FAILED); /* a call never completed: a hang */
			break;
		}
		struct slot *s = &slots[key];
		int32_t length = -1;
		RPC_STATUS st = RpcAsyncCompleteCall(&s->async, &length);
		s->busy = 0;
		busy--;
		if (st == RPC_S_OK) {
			if (length == 4 && s->result && strcmp(s->result, "SOAK") == 0)
				atomic_fetch_add(&n_calls, 1);
			else
				error(RPC_X_BAD_STUB_DATA);
			midl_user_free(s->result);
		} else if (st == RPC_S_CALL_CANCELLED && s->cancel) {
			atomic_fetch_add(&n_cancelled, 1);
		} else {
			error(st);
		}
		if (now_s() >= end)
			continue; /* drain */
		/* 1 in 1000 completions: drop the binding once its calls are done, and make a new
		 * one (a new connection). */
		if (rand_r(&seed) % 1000 == 0) {
			while (busy > 0) {
				if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 30000) ||
				    key >= (ULONG_PTR)outstanding) {
					error(RPC_S_CALL_FAILED);
					goto out;
				}
				s = &slots[key];
				st = RpcAsyncCompleteCall(&s->async, &length);
				s->busy = 0;
				busy--;
				if (st == RPC_S_OK) {
					atomic_fetch_add(&n_calls, 1);
					midl_user_free(s->result);
				} else if (st == RPC_S_CALL_CANCELLED && s->cancel) {
					atomic_fetch_add(&n_cancelled, 1);
				} else {
					error(st);
				}
			}
			RpcBindingFree(&h);
			h = bind_to_server();
			atomic_fetch_add(&n_reconnects, 1);
			if (!h) {
				error(RPC_S_OUT_OF_MEMORY);
				break;
			}
			for (int i = 0; i < outstanding; i++)
				busy += start(h, port, &slots[i], i, &seed);
			continue;
		}
		busy += start(h, port, &slots[key], (int)key, &seed);
	}
out:
	if (busy == 0) { /* never free states with calls still outstanding */
		free(slots);
		CloseHandle(port);
	}
	RpcBindingFree(&h);
	return NULL;
}

int
main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s PROTSEQ ADDRESS ENDPOINT SECONDS THREADS OUTSTANDING\n", argv[0]);
		return 2;
	}
	protseq = argv[1];
	address = argv[2];
	endpoint = argv[3];
	seconds = atoi(argv[4]);
	int threads = atoi(argv[5]);
	outstanding = atoi(argv[6]);
	if (seconds <= 0 || threads <= 0 || threads > 1024 || outstanding <= 0 || outstanding > 4096)
		return 2;
	long rss_start = rss_kib();
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("calls %ld\ncancelled %ld\nerrors %ld\nreconnects %ld\nrss_start_kib %ld\nrss_end_kib %ld\n",
	       atomic_load(&n_calls), atomic_load(&n_cancelled), atomic_load(&n_errors), atomic_load(&n_reconnects),
	       rss_start, rss_kib());
	if (atomic_load(&n_errors))
		fprintf(stderr, "soak_client: first error %d\n", atomic_load(&first_error));
	return atomic_load(&n_errors) ? 1 : 0;
}
