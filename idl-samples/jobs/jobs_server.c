/* jobs_server: the asynchronous sample's server, written the way Microsoft's RPC samples are.
 *
 *   jobs_server ncacn_ip_tcp 5050      or      jobs_server ncalrpc jobs
 *
 * Run is [async] here (jobs.acf): its manager routine only queues the job and returns, which
 * frees the runtime's thread at once; a thread of this program completes each job when its
 * time has come, with RpcAsyncCompleteCall. It prints "listening" on a line of its own once it
 * accepts calls, and exits when a client calls Shutdown. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

/* A job waiting for its time. Owner: the queue; freed by the completer. */
struct job {
	struct job *next;
	struct timespec due;
	PRPC_ASYNC_STATE async; /* the call; valid until RpcAsyncCompleteCall / RpcAsyncAbortCall */
	char **result;          /* its [out] parameter, valid as long as the call */
	char *text;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct job *queue; /* by due time */
static int stopping;

void
Run(PRPC_ASYNC_STATE async, handle_t h, int32_t id, int32_t delay_ms, const char *text, char **result)
{
	(void)h;
	(void)id;
	struct job *j = calloc(1, sizeof(*j));
	if (!j || !(j->text = strdup(text))) {
		free(j);
		RpcRaiseException(RPC_S_OUT_OF_MEMORY); /* before the hand-off: faults the call */
	}
	j->async = async;
	j->result = result;
	clock_gettime(CLOCK_MONOTONIC, &j->due);
	j->due.tv_sec += delay_ms / 1000;
	j->due.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
	if (j->due.tv_nsec >= 1000000000L) {
		j->due.tv_sec++;
		j->due.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	struct job **p = &queue;
	while (*p && ((*p)->due.tv_sec < j->due.tv_sec ||
		      ((*p)->due.tv_sec == j->due.tv_sec && (*p)->due.tv_nsec <= j->due.tv_nsec)))
		p = &(*p)->next;
	j->next = *p;
	*p = j;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	/* Returning now hands the call off: from here only RpcAsyncCompleteCall or
	 * RpcAsyncAbortCall ends it. */
}

static void
complete(struct job *j)
{
	size_t n = strlen(j->text);
	int32_t length = (int32_t)n;
	*j->result = midl_user_allocate(n + 1);
	if (!*j->result) {
		RpcAsyncAbortCall(j->async, RPC_S_OUT_OF_MEMORY);
	} else {
		for (size_t i = 0; i <= n; i++)
			(*j->result)[i] = (char)toupper((unsigned char)j->text[i]);
		RpcAsyncCompleteCall(j->async, &length);
	}
	free(j->text);
	free(j);
}

/* Completes each job when it is due. */
static void *
completer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping || queue) {
		if (!queue) {
			pthread_cond_wait(&changed, &lock);
			continue;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		struct job *j = queue;
		if (!stopping && (now.tv_sec < j->due.tv_sec ||
				  (now.tv_sec == j->due.tv_sec && now.tv_nsec < j->due.tv_nsec))) {
			/* changed is a CLOCK_MONOTONIC condition variable (see main). */
			pthread_cond_timedwait(&changed, &lock, &j->due);
			continue;
		}
		queue = j->next;
		pthread_mutex_unlock(&lock);
		complete(j);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void
Shutdown(handle_t h)
{
	(void)h;
	RpcMgmtStopServerListening(NULL);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s ncacn_ip_tcp PORT | ncalrpc NAME\n", argv[0]);
		return 2;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &ca);
	pthread_t thread;
	if (pthread_create(&thread, NULL, completer, NULL) != 0)
		return 1;
	RPC_STATUS status = RpcServerUseProtseqEp((RPC_CSTR)argv[1], RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
						  (RPC_CSTR)argv[2], NULL);
	if (status == RPC_S_OK)
		status = RpcServerRegisterIf(jobs_v1_0_s_ifspec, NULL, NULL);
	if (status == RPC_S_OK)
		status = RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, TRUE);
	if (status != RPC_S_OK) {
		fprintf(stderr, "jobs_server: error %d\n", (int)status);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	status = RpcMgmtWaitServerListen();
	/* Jobs still queued are completed at once, so that no call is left behind. */
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	RpcServerUnregisterIf(NULL, NULL, FALSE);
	return status == RPC_S_OK ? 0 : 1;
}
