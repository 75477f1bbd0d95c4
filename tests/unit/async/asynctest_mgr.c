/* The in-process server's manager routines for tests/unit/test_client_async.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asynctest_server.h"

int32_t
srv_Add(handle_t h, int32_t a, int32_t b)
{
	(void)h;
	return a + b;
}

void
srv_Nothing(handle_t h)
{
	(void)h;
}

int32_t
srv_Delay(handle_t h, int32_t ms, int32_t value)
{
	(void)h;
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	return value;
}

int32_t
srv_Fill(handle_t h, int32_t n, int32_t *values, int32_t *count)
{
	(void)h;
	for (int32_t i = 0; i < n; i++)
		values[i] = i * i;
	*count = n;
	return n;
}

int32_t
srv_Echo(handle_t h, int64_t *v, char *s, char **copy)
{
	(void)h;
	*v *= 2;
	size_t n = strlen(s);
	*copy = MIDL_user_allocate(n + 1);
	memcpy(*copy, s, n + 1);
	return (int32_t)n;
}

int32_t
srv_Raise(handle_t h, uint32_t code)
{
	(void)h;
	RpcRaiseException((RPC_STATUS)code);
	return 0;
}

error_status_t
srv_Status(handle_t h, uint32_t code, int32_t *v)
{
	(void)h;
	if (code)
		RpcRaiseException((RPC_STATUS)code);
	*v = 7;
	return 0;
}

/* Wait: a thread of its own watches the call; the manager returns at once. */
struct wait_job {
	PRPC_ASYNC_STATE async;
	int32_t ms;
};

static void *
wait_thread(void *arg)
{
	struct wait_job *j = arg;
	for (int32_t t = 0; t < j->ms; t += 5) {
		if (RpcServerTestCancel(RpcAsyncGetCallHandle(j->async)) == RPC_S_OK) {
			RpcAsyncAbortCall(j->async, RPC_S_CALL_CANCELLED);
			free(j);
			return NULL;
		}
		struct timespec ts = {0, 5000000L};
		nanosleep(&ts, NULL);
	}
	int32_t reply = j->ms;
	RpcAsyncCompleteCall(j->async, &reply);
	free(j);
	return NULL;
}

void
srv_Wait(PRPC_ASYNC_STATE async, handle_t h, int32_t ms)
{
	(void)h;
	struct wait_job *j = malloc(sizeof(*j));
	pthread_t t;
	if (!j)
		RpcRaiseException(RPC_S_OUT_OF_MEMORY);
	j->async = async;
	j->ms = ms;
	if (pthread_create(&t, NULL, wait_thread, j) != 0) {
		free(j);
		RpcRaiseException(RPC_S_OUT_OF_RESOURCES);
	}
	pthread_detach(t);
}
