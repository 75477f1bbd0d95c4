/* faults_server: the server of the e2e fault tests (run-faults.sh), written the way
 * Microsoft's RPC samples are.
 *
 *   faults_server ncacn_ip_tcp PORT      or      faults_server ncalrpc NAME
 *
 * Standard output is the test's event stream, one line per event, each written with a single
 * write(2) so that lines from concurrent managers never mix: "listening" once it accepts calls,
 * "nap TAG entered" and "nap TAG returned" around each Nap, and "shutdown" when a client asks
 * it to stop. It exits 0 once listening has stopped and the running calls have finished. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"

/* Nap managers between "entered" and "returned". */
static atomic_int naps_running;

static void
event(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* A pipe write of fewer than PIPE_BUF bytes is atomic. */
	while (write(STDOUT_FILENO, line, (size_t)n) < 0 && errno == EINTR)
		;
}

int32_t
Echo(handle_t h, int32_t v)
{
	(void)h;
	return v;
}

/* Sleeps ms milliseconds (at most a minute), whatever became of the client meanwhile. */
int32_t
Nap(handle_t h, int32_t ms, int32_t tag)
{
	(void)h;
	if (ms < 0 || ms > 60000)
		RpcRaiseException(RPC_S_INVALID_ARG);
	atomic_fetch_add(&naps_running, 1);
	event("nap %d entered", (int)tag);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	atomic_fetch_sub(&naps_running, 1);
	event("nap %d returned", (int)tag);
	return ms;
}

int32_t
Running(handle_t h)
{
	(void)h;
	return atomic_load(&naps_running);
}

void
Raise(handle_t h, uint32_t code)
{
	(void)h;
	RpcRaiseException((RPC_STATUS)code);
}

/* The return value and comm are [fault_status] and [comm_status] (faults.acf): neither is on
 * the wire, so a code can reach the client only as a fault. */
error_status_t
RaiseStatus(handle_t h, uint32_t code, error_status_t *comm)
{
	(void)h;
	(void)comm;
	if (code != 0)
		RpcRaiseException((RPC_STATUS)code);
	return RPC_S_OK;
}

int64_t
Widen(handle_t h, int64_t v)
{
	(void)h;
	return v * 2;
}

int32_t
Limited(handle_t h, int32_t n)
{
	(void)h;
	return n;
}

int32_t
Total(handle_t h, int32_t n, const int32_t *values)
{
	(void)h;
	int32_t sum = 0;
	for (int32_t i = 0; i < n; i++)
		sum += values[i];
	return sum;
}

void
Shutdown(handle_t h)
{
	(void)h;
	event("shutdown");
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
		status = RpcServerRegisterIf(faults_v1_0_s_ifspec, NULL, NULL);
	if (status == RPC_S_OK)
		status = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, TRUE);
	if (status != RPC_S_OK) {
		fprintf(stderr, "faults_server: error %d\n", (int)status);
		return 1;
	}
	event("listening");
	status = RpcMgmtWaitServerListen();
	RpcServerUnregisterIf(NULL, NULL, TRUE);
	return status == RPC_S_OK ? 0 : 1;
}
