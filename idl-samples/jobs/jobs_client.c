/* jobs_client: the asynchronous sample's client, written the way Microsoft's RPC samples are.
 *
 *   jobs_client ncacn_ip_tcp 127.0.0.1 5050      or      jobs_client ncalrpc "" jobs
 *
 * It starts several Run calls at once and shows their replies as they arrive, first with one
 * event per call (waited for together with poll() on the events' file descriptors), then with
 * one completion port for all of them; then it calls Shutdown. With -v each line also says when
 * the reply arrived, counted from the start. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

struct job {
	long id;
	long delay_ms;
	const char *text;
	RPC_ASYNC_STATE async;
	char *result; /* [out]: written by RpcAsyncCompleteCall */
	int32_t length;
};

static int verbose;
static struct timespec start;

static long
elapsed_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
}

/* Starts job j; the reply is announced as the RPC_ASYNC_STATE's notification says. */
static RPC_STATUS
start_job(RPC_BINDING_HANDLE h, struct job *j)
{
	RPC_STATUS status = RPC_S_OK;
	RpcTryExcept
	{
		Run(&j->async, h, (int32_t)j->id, (int32_t)j->delay_ms, j->text, &j->result);
	}
	RpcExcept(1)
	{
		status = RpcExceptionCode();
	}
	RpcEndExcept;
	return status;
}

/* Finishes job j: its [out] parameter and return value are valid once this returns RPC_S_OK. */
static int
finish_job(struct job *j, const char *how)
{
	RPC_STATUS status = RpcAsyncCompleteCall(&j->async, &j->length);
	if (status != RPC_S_OK) {
		fprintf(stderr, "jobs_client: job %ld failed: %lu\n", j->id, (unsigned long)status);
		return 1;
	}
	if (verbose)
		printf("[%4ld ms] ", elapsed_ms());
	printf("job %ld (%s, %ld ms): \"%s\" -> \"%s\" (%d)\n", j->id, how, j->delay_ms, j->text, j->result,
	       (int)j->length);
	midl_user_free(j->result);
	j->result = NULL;
	return 0;
}

/* Three calls, an event each; the events' descriptors are waited for with poll(). */
static int
with_events(RPC_BINDING_HANDLE h)
{
	struct job jobs[] = {
		{1, 600, "slowest", {0}, NULL, 0},
		{2, 200, "fastest", {0}, NULL, 0},
		{3, 400, "middle", {0}, NULL, 0},
	};
	enum { N = sizeof(jobs) / sizeof(jobs[0]) };
	struct pollfd fds[N];
	volatile int failed = 0; /* kept across the stub's RpcTryExcept (setjmp) */
	int left = 0;
	for (int i = 0; i < N; i++) {
		struct job *j = &jobs[i];
		RpcAsyncInitializeHandle(&j->async, sizeof(j->async));
		j->async.NotificationType = RpcNotificationTypeEvent;
		j->async.u.hEvent = CreateEvent(NULL, FALSE, FALSE, NULL);
		fds[i].fd = RpcHandleGetFd(j->async.u.hEvent);
		fds[i].events = POLLIN;
		RPC_STATUS status = j->async.u.hEvent ? start_job(h, j) : RPC_S_OUT_OF_MEMORY;
		if (status != RPC_S_OK) {
			fprintf(stderr, "jobs_client: Run: RPC exception %lu\n", (unsigned long)status);
			fds[i].fd = -1; /* no notification follows a call that did not start */
			failed = 1;
			continue;
		}
		left++;
	}
	while (left > 0) {
		if (poll(fds, N, 30000) <= 0) {
			fprintf(stderr, "jobs_client: no reply within 30 s\n");
			return 1;
		}
		for (int i = 0; i < N; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & POLLIN))
				continue;
			WaitForSingleObject(jobs[i].async.u.hEvent, 0); /* consume the signal */
			failed |= finish_job(&jobs[i], "event");
			fds[i].fd = -1;
			left--;
		}
	}
	for (int i = 0; i < N; i++)
		CloseHandle(jobs[i].async.u.hEvent);
	return failed;
}

/* Five calls, one completion port: each packet's key says which job completed. */
static int
with_completion_port(RPC_BINDING_HANDLE h)
{
	struct job jobs[] = {
		{10, 500, "completion", {0}, NULL, 0},
		{11, 100, "ports", {0}, NULL, 0},
		{12, 300, "deliver", {0}, NULL, 0},
		{13, 200, "in any", {0}, NULL, 0},
		{14, 400, "order", {0}, NULL, 0},
	};
	enum { N = sizeof(jobs) / sizeof(jobs[0]) };
	HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
	if (!port)
		return 1;
	int failed = 0, left = 0;
	for (int i = 0; i < N; i++) {
		struct job *j = &jobs[i];
		RpcAsyncInitializeHandle(&j->async, sizeof(j->async));
		j->async.NotificationType = RpcNotificationTypeIoc;
		j->async.u.IOC.hIOPort = port;
		j->async.u.IOC.dwCompletionKey = (ULONG_PTR)i;
		j->async.u.IOC.dwNumberOfBytesTransferred = 0;
		j->async.u.IOC.lpOverlapped = NULL;
		RPC_STATUS status = start_job(h, j);
		if (status != RPC_S_OK) {
			fprintf(stderr, "jobs_client: Run: RPC exception %lu\n", (unsigned long)status);
			failed = 1;
			continue;
		}
		left++;
	}
	for (; left > 0; left--) {
		DWORD bytes;
		ULONG_PTR key;
		LPOVERLAPPED overlapped;
		if (!GetQueuedCompletionStatus(port, &bytes, &key, &overlapped, 30000) || key >= N) {
			fprintf(stderr, "jobs_client: no reply within 30 s\n");
			return 1;
		}
		failed |= finish_job(&jobs[key], "port");
	}
	CloseHandle(port);
	return failed;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s [-v] ncacn_ip_tcp HOST PORT | ncalrpc \"\" NAME\n", argv[0]);
		return 2;
	}
	RPC_CSTR string_binding = NULL;
	RPC_BINDING_HANDLE h = NULL;
	RPC_STATUS status = RpcStringBindingCompose(NULL, (RPC_CSTR)argv[1], (RPC_CSTR)argv[2],
						    (RPC_CSTR)argv[3], NULL, &string_binding);
	if (status == RPC_S_OK)
		status = RpcBindingFromStringBinding(string_binding, &h);
	RpcStringFree(&string_binding);
	if (status != RPC_S_OK) {
		fprintf(stderr, "jobs_client: binding: %lu\n", (unsigned long)status);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* each reply shows as it arrives */
	clock_gettime(CLOCK_MONOTONIC, &start);
	int failed = with_events(h);
	failed |= with_completion_port(h);
	RpcTryExcept
	{
		Shutdown(h);
	}
	RpcExcept(1)
	{
		fprintf(stderr, "jobs_client: Shutdown: RPC exception %lu\n", (unsigned long)RpcExceptionCode());
		failed = 1;
	}
	RpcEndExcept;
	RpcBindingFree(&h);
	return failed;
}
