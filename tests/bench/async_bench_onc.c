/* The asynchronous-call benchmark's ONC RPC part (libtirpc, with rpcgen's XDR routines for
 * asyncbench_onc.x). ONC RPC has no asynchronous client calls, so the way to keep N calls
 * outstanding with it is N threads, each with a synchronous client (clnt_call) of its own and
 * so a connection of its own. The server is svc_run() over TCP (svc_vc_create on 127.0.0.1) and
 * a Unix socket (svcunix_create): one thread that serves every connection.
 *
 * The client and dispatch code is what rpcgen -l and -m would write, by hand: rpcgen's client
 * stubs keep their results in static storage, which threads cannot share. The clients are made
 * with the server's address instead of clnt_create(host, ..., "tcp"), which would ask rpcbind
 * for the port; the handle either way is libtirpc's clnt_vc. Like librpcrt (and the raw
 * baseline), the TCP client turns off Nagle's algorithm on its socket; libtirpc does so itself
 * on the sockets its server accepts. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "async_bench.h"
#include "asyncbench_onc.h"

/* A call never waits this long on a working server. */
static const struct timeval call_timeout = { 25, 0 };

/* ---- the server ---- */

/* The dispatch routine, as rpcgen -m writes it: decode the arguments, call, reply, free. */
static void
onc_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	switch (rq->rq_proc) {
	case NULLPROC:
		svc_sendreply(xprt, XDRPROC(xdr_void), NULL);
		return;
	case AONC_INC: {
		int v = 0;
		if (!svc_getargs(xprt, XDRPROC(xdr_int), (char *)&v)) {
			svcerr_decode(xprt);
			return;
		}
		int r = ab_inc(v);
		svc_sendreply(xprt, XDRPROC(xdr_int), &r);
		svc_freeargs(xprt, XDRPROC(xdr_int), (char *)&v);
		return;
	}
	case AONC_SINK: {
		aonc_block b;
		memset(&b, 0, sizeof(b));
		if (!svc_getargs(xprt, XDRPROC(xdr_aonc_block), (char *)&b)) {
			svcerr_decode(xprt);
			return;
		}
		int r = ab_fingerprint((const uint8_t *)b.aonc_block_val, b.aonc_block_len);
		svc_sendreply(xprt, XDRPROC(xdr_int), &r);
		svc_freeargs(xprt, XDRPROC(xdr_aonc_block), (char *)&b);
		return;
	}
	default:
		svcerr_noproc(xprt);
		return;
	}
}

void
ab_onc_serve(int report_fd, const char *dir)
{
	bench_onc_serve(report_fd, dir, AONC_ASYNCBENCH_PROG, AONC_ASYNCBENCH_VERS, onc_dispatch);
}

/* ---- the client ---- */

struct onc_client;

/* One thread and its synchronous client. Owner: its onc_client. */
struct onc_thread {
	struct onc_client *c;
	uint32_t index;
	pthread_t thread;
	bool started;
	CLIENT *cl;
	uint8_t block[AB_BLOCK_BYTES];
	_Alignas(64) atomic_uint_fast64_t calls; /* completed and checked in this round */
	atomic_bool failed;
};

/* The threads, which run rounds in step: the driver starts a round, each thread makes calls
 * until the round's stop flag is set, and the driver waits for all of them. Owner: the driver,
 * between onc_open() and onc_close(). */
struct onc_client {
	enum ab_payload payload;
	uint32_t nthreads;
	struct onc_thread *t;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t round;     /* the round being run (guarded by lock) */
	bool quit;          /* the threads exit (guarded by lock) */
	uint32_t finished;  /* threads done with the round (guarded by lock) */
	atomic_bool stop;   /* the round ends */
	uint32_t seq_base;  /* set before each round */
	uint64_t stop_at;   /* per thread: stop after this many calls (0: at the flag only) */
};

static CLIENT *
connect_client(enum ab_transport t, const struct bench_addr *a)
{
	return bench_onc_connect(t == AB_TCP, a, AONC_ASYNCBENCH_PROG, AONC_ASYNCBENCH_VERS);
}

/* One call; false (after a message) when it failed or its reply was wrong. */
static bool
one_call(struct onc_thread *th, uint32_t seq)
{
	int arg = (int)seq, got = 0, want;
	enum clnt_stat st;
	if (th->c->payload == AB_SMALL) {
		want = ab_inc(arg);
		st = clnt_call(th->cl, AONC_INC, XDRPROC(xdr_int), (char *)&arg, XDRPROC(xdr_int),
			       (char *)&got, call_timeout);
	} else {
		aonc_block b = { .aonc_block_len = AB_BLOCK_BYTES, .aonc_block_val = (char *)th->block };
		want = ab_block_seq(th->block, seq);
		st = clnt_call(th->cl, AONC_SINK, XDRPROC(xdr_aonc_block), (char *)&b,
			       XDRPROC(xdr_int), (char *)&got, call_timeout);
	}
	if (st != RPC_SUCCESS) {
		fprintf(stderr, "async_bench: ONC RPC call failed: %s\n", clnt_sperrno(st));
		return false;
	}
	if (got != want) {
		fprintf(stderr, "async_bench: ONC RPC reply %d, expected %d\n", got, want);
		return false;
	}
	return true;
}

static void *
thread_main(void *arg)
{
	struct onc_thread *th = arg;
	struct onc_client *c = th->c;
	uint64_t seen = 0;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		while (!c->quit && c->round == seen)
			pthread_cond_wait(&c->cond, &c->lock);
		bool quit = c->quit;
		seen = c->round;
		uint32_t seq = c->seq_base + th->index * 0x01000000u;
		uint64_t stop_at = c->stop_at;
		pthread_mutex_unlock(&c->lock);
		if (quit)
			return NULL;
		uint64_t n = 0;
		while (!atomic_load_explicit(&c->stop, memory_order_relaxed) &&
		       (!stop_at || n < stop_at)) {
			if (!one_call(th, seq + (uint32_t)n)) {
				atomic_store(&th->failed, true);
				break;
			}
			n++;
			atomic_store_explicit(&th->calls, n, memory_order_relaxed);
		}
		pthread_mutex_lock(&c->lock);
		c->finished++;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
}

static void
onc_close(void *client)
{
	struct onc_client *c = client;
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	for (uint32_t i = 0; i < c->nthreads; i++) {
		if (c->t[i].started)
			pthread_join(c->t[i].thread, NULL);
		if (c->t[i].cl)
			clnt_destroy(c->t[i].cl);
	}
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->t);
	free(c);
}

static void *
onc_open(enum ab_transport t, const struct bench_addr *a, enum ab_payload p, uint32_t depth)
{
	struct onc_client *c = calloc(1, sizeof(*c));
	if (!c || !(c->t = calloc(depth, sizeof(*c->t)))) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->payload = p;
	c->nthreads = depth;
	bool ok = true;
	for (uint32_t i = 0; i < depth && ok; i++) {
		struct onc_thread *th = &c->t[i];
		th->c = c;
		th->index = i;
		ab_block_init(th->block, i);
		ok = (th->cl = connect_client(t, a)) != NULL;
		/* Small stacks: a thread needs little, and there may be hundreds. */
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256u << 10);
		if (ok)
			ok = th->started = pthread_create(&th->thread, &attr, thread_main, th) == 0;
		pthread_attr_destroy(&attr);
	}
	if (!ok) {
		fprintf(stderr, "async_bench: ONC RPC: cannot start %u clients\n", (unsigned)depth);
		onc_close(c);
		return NULL;
	}
	return c;
}

static uint64_t
total_calls(const struct onc_client *c)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < c->nthreads; i++)
		n += atomic_load_explicit(&c->t[i].calls, memory_order_relaxed);
	return n;
}

static bool
onc_run(void *client, const struct ab_budget *b, struct ab_result *ret)
{
	struct onc_client *c = client;
	static uint32_t seq_base = 1;
	for (uint32_t i = 0; i < c->nthreads; i++)
		atomic_store(&c->t[i].calls, 0);
	atomic_store(&c->stop, false);
	pthread_mutex_lock(&c->lock);
	c->finished = 0;
	c->seq_base = seq_base;
	/* Without a time bound (--quick), every thread makes its share of the calls. */
	c->stop_at = b->min_ns ? 0 : (b->min_calls + c->nthreads - 1) / c->nthreads;
	c->round++;
	uint64_t t0 = bench_now_ns();
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	seq_base += 0x10000;

	if (b->min_ns) {
		struct timespec tick = { 0, 5 * 1000 * 1000 };
		while (bench_now_ns() - t0 < b->min_ns || total_calls(c) < b->min_calls) {
			bool failed = false;
			for (uint32_t i = 0; i < c->nthreads; i++)
				failed |= atomic_load(&c->t[i].failed);
			if (failed)
				break;
			nanosleep(&tick, NULL);
		}
		atomic_store(&c->stop, true);
	}
	pthread_mutex_lock(&c->lock);
	while (c->finished < c->nthreads)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	ret->ns = bench_now_ns() - t0;
	ret->calls = total_calls(c);
	bool ok = true;
	for (uint32_t i = 0; i < c->nthreads; i++)
		ok &= !atomic_load(&c->t[i].failed);
	return ok;
}

const struct ab_client_ops ab_onc_client = {
	.name = "ONC",
	.open = onc_open,
	.run = onc_run,
	.close = onc_close,
};
