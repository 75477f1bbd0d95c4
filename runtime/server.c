/* The server side of ncacn_ip_tcp and ncalrpc: endpoints, interface registration, listening,
 * and the connection-oriented protocol of the calls that arrive (bind, alter_context,
 * request fragments, co_cancel, orphaned), with manager routines run on a pool of worker
 * threads, synchronous and [async] ones.
 *
 * Threads. One process-wide server (srv) owns one I/O loop (ioloop.h). The loop thread
 * accepts connections, reads them, parses and reassembles PDUs and answers binds; a complete
 * request becomes a call (struct scall) for the worker pool, so no manager routine ever runs
 * on the loop thread. A worker unmarshals the request into the call's arena and calls the
 * manager through libffi inside an RpcTryExcept frame. For a synchronous procedure it then
 * marshals the reply and queues its fragments on the connection. An [async] manager receives
 * an RPC_ASYNC_STATE instead and the worker is free as soon as it returns: the call keeps its
 * arguments until the application calls RpcAsyncCompleteCall or RpcAsyncAbortCall, on any
 * thread, at any later time (also before the manager has returned), and that thread marshals
 * and queues the reply. Writes are nonblocking: what the socket does not take at once waits
 * in the connection's output queue, which the loop flushes when the socket becomes writable,
 * so a peer that stops reading never blocks a worker or anybody else. Notifications an
 * application subscribed to (ClientDisconnect, CallCancel) are delivered by one notifier
 * thread, started when first needed.
 *
 * Locks. srv.lock guards the server (endpoints, registrations, listening state, the job
 * queue, the worker counts, the list of connections); each connection's lock guards its
 * output queue, its interest set, its presentation contexts and its list of calls; acalls.lock
 * guards what the application can reach through a pointer it holds (the registry of calls,
 * the pool of RPC_ASYNC_STATEs, each call's phase, cancel flag and subscriptions) and the
 * notifier's queue. srv.lock and a connection's lock are never held together; acalls.lock may
 * be taken under either, never the other way round. The loop's own lock may be taken under a
 * connection lock (rpcrt_loop_mod, rpcrt_loop_del on the loop thread), never the other way
 * round. rpcrt_loop_del() and rpcrt_loop_stop() from another thread wait for callbacks that
 * take these locks, so they are only called without them, after the loop has stopped. No
 * lock is held while application code runs (managers, callbacks).
 *
 * Lifetimes. A connection is reference counted: the loop holds one reference from accept to
 * close, and every call holds one until it is freed, so a peer that goes away while its call
 * runs or waits for RpcAsyncCompleteCall leaves the call a connection that is closed but still
 * valid; the reply is dropped. A call is reference counted too (see struct scall). A
 * registration is freed when it has been unregistered and its last call has ended.
 *
 * Statuses are Microsoft's. Where the choice matters, the comment names the source: Microsoft
 * Learn (the function's page), [MS-RPCE] sections, the DCE 1.1 reference runtime, or Samba's
 * dcesrv_core.c, which Samba tests against Windows. security-tests.md numbers (T..) say which
 * test pins a rule; ms-rpc-async.md sections and rules (§2.6, rule 7) the asynchronous ones. */
#define _GNU_SOURCE /* pthread_condattr_setclock, inet_ntop and friends with -std=c11 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "async.h"
#include "binding.h"
#include "ffi_call.h"
#include "handles.h"
#include "ioloop.h"
#include "ndr.h"
#include "pdu.h"
#include "rpcndr.h"
#include "server.h"
#include "transport.h"

/* Listening sockets per endpoint: rpcrt_tcp_listen() gives one per address family. */
#define EP_MAX_FDS 8
/* Connections accepted per readiness report of a listening socket, so that a flood of
 * connections cannot starve the connections already open. */
#define ACCEPT_BATCH 16
/* After running out of descriptors, how long a listening socket rests before accepting again
 * (the connection waits in the kernel's backlog meanwhile; security-tests T69). */
#define ACCEPT_RETRY_MS 100
/* The first size of a connection's input buffer; it grows to the largest fragment seen (at
 * most 65535 bytes, the bind family's limit). */
#define IN_BUF_INITIAL 8192
/* An output buffer larger than this is released rather than kept when it empties. */
#define OUT_BUF_KEEP 65536
/* [MS-RPCE] 3.3.3.5.5: at most 4000 presentation contexts per registered interface. */
#define CTX_PER_INTERFACE 4000
/* The fault's alloc_hint: Samba's value, which raw_protocol.py checks against Windows. */
#define FAULT_ALLOC_HINT 24

const rpcrt_server_limits rpcrt_server_default_limits = {
	.max_conns = 4096,
	/* Outstanding calls per connection, [async] calls waiting for the application included:
	 * an asynchronous client keeps 1000 on one connection (security-tests T44, T48). */
	.max_conn_calls = 4096,
	.max_queued = 4096,
	.out_pause = 1u << 20,
	.out_max = 256u << 20, /* above Samba's 240 MiB response limit, so a reply it would
				  send fits */
	.linger_ms = 2000,
	.idle_worker_ms = 5000,
	/* Windows closes no idle ncacn_ip_tcp connection on the server side: it relies on TCP
	 * keep-alive, about two hours (Microsoft Learn, "Server-side Cleanup"), and clients keep
	 * connections until their association ends ("Idle Connection Cleanup"); where it does
	 * time out idle connections, RPC over HTTP, the default is 900 s (the
	 * MinimumConnectionTimeout policy, 90 s at least). Our own client reuses a binding's
	 * connection without checking that it is still open, so a connection closed under it
	 * fails a call: a long timeout costs little (max_conns bounds the connections anyway)
	 * and keeps that rare. */
	.idle_ms = 900000,
	/* security-tests T56's default. A fragment is at most 5840 bytes here (65535 in the
	 * bind family), so any client sending 200 bytes/s finishes one well within it, while a
	 * peer dribbling a header byte by byte is gone after 30 s. */
	.recv_ms = 30000,
	/* 64 requests of the default MaxRpcSize (4 MiB, [MS-RPCE] 3.3.3.5.4) at once. Without
	 * a server-wide cap, peers that never finish their requests could hold max_conns times
	 * that (16 GiB; T67), and one connection without CONC_MPX max_conn_calls complete
	 * requests queued behind a slow call. */
	.max_req_bytes = 64u * (size_t)RPCRT_PDU_DEFAULT_MAX_RPC_SIZE,
};

/* ==== Types ================================================================================== */

/* One registered interface: the nil-type manager EPV of one interface version. Owner: srv's
 * list; once unregistered, freed by whoever sees its last call end (a worker, or the
 * RpcServerUnregisterIf that waits for it). */
struct reg {
	const ridl_interface *itf;
	void (*const *epv)(void); /* manager routines by opnum */
	UINT flags;               /* RPC_IF_* */
	uint32_t max_rpc_size;    /* largest request stub accepted */
	RPC_IF_CALLBACK_FN *callback;
	rpcrt_ffi_proc *ffi; /* itf->nprocs prepared calls */
	unsigned calls;      /* calls using it now (srv.lock) */
	unsigned waiters;    /* RpcServerUnregisterIf calls waiting for them (srv.lock) */
	bool removed;        /* no longer in srv.regs */
	struct reg *next;
};

/* One endpoint: the listening sockets of one protocol sequence and endpoint name. Owner: srv;
 * freed by rpcrt_server_reset(). */
struct endpoint {
	rpcrt_protseq protseq;
	char name[RPCRT_NCALRPC_ENDPOINT_MAX + 1]; /* ncacn_ip_tcp: the decimal port */
	bool has_v4;                               /* a TCP socket of the IPv4 family */
	size_t nfds;
	int fds[EP_MAX_FDS];
	rpcrt_watch *watches[EP_MAX_FDS];
	rpcrt_timer *retry[EP_MAX_FDS]; /* accept paused after running out of descriptors */
	rpcrt_loop *loop;
	struct endpoint *next;
};

/* A presentation context accepted on a connection: its id and the interface it names. Plain
 * value in the connection's array. */
struct pctx {
	uint16_t id;
	rpcrt_pdu_syntax abstract;
};

/* One accepted connection. Owner: reference counted (see the top of the file); the last
 * conn_unref() frees it. Fields marked "loop" are only touched by the loop thread (and by
 * rpcrt_server_reset() after the loop has stopped); the others are guarded by lock. */
struct conn {
	atomic_uint refs;
	pthread_mutex_t lock;
	struct endpoint *ep;
	rpcrt_server_limits lim; /* a copy taken at accept */
	int fd;                  /* -1 once closed */
	rpcrt_watch *watch;
	uint32_t interest; /* what watch asks for */
	bool closed;       /* fd closed, watch deleted: nothing more is sent */
	bool draining;     /* a fatal fault was sent: discard input, then close */
	bool shut_wr;      /* draining and flushed: our side of the stream is shut */
	bool broken;       /* a write failed: the loop closes the connection */
	bool overflow;     /* out_max exceeded: likewise */
	bool read_paused;  /* too much output unsent: requests are not read */
	bool close_posted; /* a worker asked the loop to close it */
	rpcrt_buf out;     /* unsent bytes from out_off on */
	size_t out_off;
	uint64_t tx_ms;     /* when output last left or a call last ended (now_ms()) */
	unsigned calls;     /* calls queued, waiting in pend, running or pending ([async]) */
	struct scall *live; /* those calls (linked by cprev/cnext) */
	struct scall *pend; /* without CONC_MPX: calls waiting for the one running, in order */
	struct scall **pend_tail;
	struct pctx *ctx; /* presentation contexts (written by the loop) */
	size_t nctx, ctx_cap;
	rpcrt_binding *binding; /* the server binding handle of its calls, made when needed */
	rpcrt_timer *linger;    /* loop: the drain deadline */
	rpcrt_timer *timer;     /* loop: the idle and receive deadlines (on_conn_timer) */
	uint64_t timer_due;     /* loop: when timer fires (now_ms()) */
	uint64_t rx_ms;         /* loop: when bytes last arrived, or the connection began */
	uint64_t owe_ms;        /* loop: since when the peer owes the rest of a fragment or of a
				   request being reassembled; 0 when it owes nothing */
	uint8_t *in;            /* loop: bytes received and not yet consumed */
	size_t in_len, in_cap;
	size_t in_held;        /* loop: bytes of in counted in req_bytes (beyond IN_BUF_INITIAL) */
	size_t reasm_held;     /* loop: bytes of the reassembly buffer counted in req_bytes */
	bool want_close;       /* loop: close once the input being processed is done */
	bool bound;            /* loop: the bind has been answered with a bind_ack */
	bool conc_mpx;         /* loop: PFC_CONC_MPX negotiated */
	uint16_t frag;         /* negotiated fragment size (written once, before any call) */
	uint32_t assoc_group;  /* loop */
	rpcrt_pdu_reasm reasm; /* loop */
	struct conn *prev, *next; /* srv.conns */
};

/* The notifications an application can subscribe to for one call (ms-rpc-async.md §2.9). */
enum { SUB_DISCONNECT, SUB_CANCEL, NSUBS };

/* One subscription of the application to one notification of one call
 * (RpcServerSubscribeForNotification), and its place in the notifier's queue. Plain value in
 * its call; acalls.lock. */
struct sub {
	bool on;
	bool queued;                      /* in the notifier's queue (holding a call reference) */
	RPC_NOTIFICATION_TYPES type;      /* Event or Callback */
	RPC_ASYNC_NOTIFICATION_INFO info; /* the application's, copied */
	ULONG count;                      /* notifications queued since it was made */
	struct scall *call;               /* the call it belongs to */
	struct sub *qnext;
};

/* Where a call is. */
enum phase {
	PHASE_WAITING, /* queued for a worker, or behind its connection's running call */
	PHASE_RUNNING, /* its manager routine runs */
	PHASE_PENDING, /* [async]: the manager returned; the call waits for RpcAsyncCompleteCall
			  or RpcAsyncAbortCall */
	PHASE_DONE,    /* ended: its reply or fault is queued, or it was dropped */
};

/* An RPC_ASYNC_STATE handed to an [async] manager routine, in the pool of acalls. Owner: the
 * pool, which recycles it, oldest first, and frees it only in rpcrt_server_reset(): async.c
 * reads Size and Signature of any state before it asks whether the state is one of ours, so a
 * state that the application keeps after its call ended (an RpcAsyncCompleteCall too many) must
 * still be memory the application may read. A recycled state is zeroed (no Signature). */
struct astate {
	RPC_ASYNC_STATE st;
	struct astate *next_free, *next_all;
};

/* One call, from its complete request to its end and for as long as something still refers to
 * it. Owner: reference counted; the call holds one reference from dispatch() until it ends
 * (reply or fault queued, or dropped), and so does each of: the worker while it runs an [async]
 * manager (which may end the call itself), a queued notification, the loop thread while it looks
 * at it; the last call_unref() frees it. Fields without a note are written before the call is
 * visible to another thread, or by the worker that runs it before the manager is entered, then
 * only read until the call ends. */
struct scall {
	uint32_t magic; /* RPCRT_ACALL_SERVER_MAGIC (async.h) */
	atomic_uint refs;
	struct conn *conn;           /* holds a reference */
	rpcrt_pdu_call req;          /* owns req.stub until the request is unmarshalled */
	size_t held;                 /* bytes of req.stub counted in req_bytes */
	struct scall *next;          /* srv's queue or the connection's pend list */
	struct scall *cprev, *cnext; /* the connection's live list (c->lock) */
	struct scall *hnext;         /* the registry's bucket (acalls.lock) */
	struct reg *reg;             /* holds one of reg->calls while it runs or is pending */
	const ridl_proc *proc;       /* set once the request is unmarshalled */
	rpcrt_arena arena;           /* the argument frame and what it points to */
	rpcrt_frame frame;
	rpcrt_binding *binding; /* the value of a handle_t parameter (a reference) */
	struct astate *astate;  /* [async]: the manager's state, back to the pool when freed */
	/* acalls.lock, once the call is registered or has subscriptions (a synchronous call that
	 * has neither is only touched by its worker and the loop thread's cancel flag) */
	uint8_t phase;     /* enum phase */
	bool registered;   /* in the registry: the application holds a handle to it */
	bool cancelled;    /* co_cancel, orphaned or PFC_PENDING_CANCEL seen */
	bool disconnected; /* its connection closed while the call was live */
	struct sub subs[NSUBS];
};

/* The process-wide server. Owner: this file (static); rpcrt_server_reset() returns it to its
 * initial state. Guarded by lock. */
static struct server {
	pthread_mutex_t lock;
	pthread_cond_t state; /* broadcast: calls ended, listening stopped, workers exited */
	pthread_cond_t work;  /* idle workers wait here */
	rpcrt_loop *loop;
	struct endpoint *eps;
	struct reg *regs;
	unsigned n_autolisten; /* registrations with RPC_IF_AUTOLISTEN */
	struct conn *conns;
	unsigned nconns;
	bool listening;       /* between RpcServerListen and RpcMgmtStopServerListening */
	bool wait_pending;    /* RpcServerListen(DontWait != 0) not yet waited for */
	bool waiting;         /* a thread waits in RpcServerListen or RpcMgmtWaitServerListen */
	unsigned max_calls;   /* workers at most (RpcServerListen MaxCalls) */
	unsigned min_threads; /* workers kept when idle */
	struct scall *q_head, **q_tail;
	unsigned nqueued;
	unsigned active; /* calls queued, running or pending ([async]) */
	unsigned nworkers, nidle;
	bool workers_exit;
	bool resetting; /* rpcrt_server_reset() runs: no job is queued, no worker starts */
	uint32_t next_assoc;
	rpcrt_server_limits lim;
	struct endpoint *adopted;         /* the endpoint of rpcrt_server_adopt_fd() connections */
	uint64_t settle_req, settle_done; /* rpcrt_server_settle()'s round trips through the loop */
} srv = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.q_tail = &srv.q_head,
	.max_calls = RPC_C_LISTEN_MAX_CALLS_DEFAULT,
	.next_assoc = 0x53f0,
};

static pthread_once_t srv_once = PTHREAD_ONCE_INIT;

/* The bytes counted against max_req_bytes, server-wide (see the limit in server.h). Owner:
 * this file; each connection and call records what it added and gives it back when it frees
 * the memory, so this returns to 0 once every connection has closed and every call ended. */
static atomic_size_t req_bytes;

/* Counts n more bytes against the limit max; false, and nothing counted, if they do not fit. */
static bool
budget_take(size_t n, size_t max)
{
	size_t cur = atomic_load_explicit(&req_bytes, memory_order_relaxed);
	do {
		if (n > max || cur > max - n)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&req_bytes, &cur, cur + n, memory_order_relaxed, memory_order_relaxed));
	return true;
}

static void
budget_give(size_t n)
{
	if (n)
		atomic_fetch_sub_explicit(&req_bytes, n, memory_order_relaxed);
}

/* Milliseconds on the monotonic clock, so that setting the wall clock neither fires nor
 * suppresses a deadline (T70). */
static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
srv_init(void)
{
	pthread_condattr_t a;

	/* Idle workers time out on the monotonic clock, so that a change of the wall clock
	 * neither kills the pool nor keeps it forever (T70). */
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&srv.state, &a);
	pthread_cond_init(&srv.work, &a);
	pthread_condattr_destroy(&a);
	srv.lim = rpcrt_server_default_limits;
}

static void
srv_enter(void)
{
	pthread_once(&srv_once, srv_init);
	pthread_mutex_lock(&srv.lock);
}

static void
srv_leave(void)
{
	pthread_mutex_unlock(&srv.lock);
}

/* ==== Calls the application can reach ======================================================== */

/* What the application can reach through a pointer it holds: the calls whose handle it has (an
 * [async] call's RPC_ASYNC_STATE and call handle, a synchronous call's handle once it has
 * subscribed to a notification), the pool of RPC_ASYNC_STATEs, and the notifier thread with
 * its queue. Owner: this file (static); rpcrt_server_reset() frees the pool and the registry
 * and ends the notifier. Guarded by lock (see "Locks" at the top). */
static struct {
	pthread_mutex_t lock;
	/* The registry: a chained hash set of calls keyed by their address, which is the call
	 * handle (RuntimeInfo). The application's pointers are looked up in it and never
	 * dereferenced until found, so a handle of a call that has ended is refused safely. */
	struct scall **buckets;
	size_t nbuckets, n;
	/* The pool of states: free ones oldest first, and all of them. */
	struct astate *free_head, **free_tail, *all;
	/* The notifier. */
	pthread_cond_t wake;
	struct sub *q_head, **q_tail;
	pthread_t thread;
	bool thread_running, thread_exit;
} acalls = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.free_tail = &acalls.free_head,
	.wake = PTHREAD_COND_INITIALIZER,
	.q_tail = &acalls.q_head,
};

/* The call whose manager routine the current thread runs (RpcServerTestCancel(NULL)). */
static _Thread_local struct scall *cur_call;

static size_t
live_bucket(const void *p, size_t nbuckets)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 32) & (nbuckets - 1);
}

/* The registered call whose address is p, or NULL; p is only compared. acalls.lock. */
static struct scall *
live_find_locked(const void *p)
{
	if (!p || acalls.nbuckets == 0)
		return NULL;
	for (struct scall *sc = acalls.buckets[live_bucket(p, acalls.nbuckets)]; sc; sc = sc->hnext)
		if ((const void *)sc == p)
			return sc;
	return NULL;
}

/* Adds sc to the registry; false when out of memory. acalls.lock. */
static bool
live_add_locked(struct scall *sc)
{
	if (acalls.n >= acalls.nbuckets) {
		/* Twice as many buckets; if that fails, the chains just get longer. */
		size_t nb = acalls.nbuckets ? acalls.nbuckets * 2 : 64;
		struct scall **b = calloc(nb, sizeof(*b));
		if (b) {
			for (size_t i = 0; i < acalls.nbuckets; i++) {
				for (struct scall *x = acalls.buckets[i], *next; x; x = next) {
					next = x->hnext;
					size_t k = live_bucket(x, nb);
					x->hnext = b[k];
					b[k] = x;
				}
			}
			free(acalls.buckets);
			acalls.buckets = b;
			acalls.nbuckets = nb;
		} else if (acalls.nbuckets == 0) {
			return false;
		}
	}
	size_t k = live_bucket(sc, acalls.nbuckets);
	sc->hnext = acalls.buckets[k];
	acalls.buckets[k] = sc;
	acalls.n++;
	sc->registered = true;
	return true;
}

static void
live_del_locked(struct scall *sc)
{
	if (!sc->registered)
		return;
	for (struct scall **pp = &acalls.buckets[live_bucket(sc, acalls.nbuckets)]; *pp;
	     pp = &(*pp)->hnext) {
		if (*pp == sc) {
			*pp = sc->hnext;
			break;
		}
	}
	sc->hnext = NULL;
	sc->registered = false;
	acalls.n--;
}

/* A state for an [async] call, initialised as RpcAsyncInitializeHandle() does, with StubInfo
 * the call object and RuntimeInfo the call handle (both sc); NULL when out of memory. The
 * oldest free state is reused first, so that a stale pointer to a state finds it in use by
 * another call as late as possible. acalls.lock. */
static struct astate *
astate_get_locked(struct scall *sc)
{
	struct astate *a = acalls.free_head;
	if (a) {
		acalls.free_head = a->next_free;
		if (!acalls.free_head)
			acalls.free_tail = &acalls.free_head;
	} else {
		a = calloc(1, sizeof(*a));
		if (!a)
			return NULL;
		a->next_all = acalls.all;
		acalls.all = a;
	}
	a->next_free = NULL;
	memset(&a->st, 0, sizeof(a->st));
	a->st.Size = sizeof(a->st);
	a->st.Signature = RPCRT_ASYNC_SIGNATURE;
	a->st.StubInfo = sc;
	a->st.RuntimeInfo = sc;
	return a;
}

static void
astate_put_locked(struct astate *a)
{
	memset(&a->st, 0, sizeof(a->st));
	a->next_free = NULL;
	*acalls.free_tail = a;
	acalls.free_tail = &a->next_free;
}

static void conn_unref(struct conn *c);

/* Frees the request's stub data and gives its bytes back to the budget. */
static void
req_stub_free(struct scall *sc)
{
	rpcrt_buf_free(&sc->req.stub);
	budget_give(sc->held);
	sc->held = 0;
}

static void
call_unref(struct scall *sc)
{
	if (atomic_fetch_sub_explicit(&sc->refs, 1u, memory_order_acq_rel) != 1)
		return;
	if (sc->astate) {
		pthread_mutex_lock(&acalls.lock);
		astate_put_locked(sc->astate);
		pthread_mutex_unlock(&acalls.lock);
	}
	req_stub_free(sc);
	conn_unref(sc->conn);
	free(sc);
}

/* Ends a call for the application: its handles stop working and its subscriptions end (a
 * notification already queued is then not delivered). acalls.lock. */
static void
end_locked(struct scall *sc)
{
	sc->phase = PHASE_DONE;
	live_del_locked(sc);
	for (int k = 0; k < NSUBS; k++)
		sc->subs[k].on = false;
}

static void *
notifier_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&acalls.lock);
	for (;;) {
		while (!acalls.q_head && !acalls.thread_exit)
			pthread_cond_wait(&acalls.wake, &acalls.lock);
		struct sub *s = acalls.q_head;
		if (!s)
			break;
		acalls.q_head = s->qnext;
		if (!acalls.q_head)
			acalls.q_tail = &acalls.q_head;
		s->qnext = NULL;
		s->queued = false;
		struct scall *sc = s->call;
		bool deliver = s->on && sc->phase != PHASE_DONE;
		RPC_NOTIFICATION_TYPES type = s->type;
		RPC_ASYNC_NOTIFICATION_INFO info = s->info;
		RPC_ASYNC_EVENT ev =
			s == &sc->subs[SUB_CANCEL] ? RpcClientCancel : RpcClientDisconnect;
		/* Callback routines get the async handle of an [async] call and the call handle
		 * of a synchronous one (Microsoft Learn, RpcServerSubscribeForNotification). */
		PRPC_ASYNC_STATE h = sc->astate ? &sc->astate->st : (PRPC_ASYNC_STATE)(void *)sc;
		if (deliver && sc->astate)
			sc->astate->st.Event = ev;
		pthread_mutex_unlock(&acalls.lock);
		if (deliver) {
			if (type == RpcNotificationTypeCallback)
				info.NotificationRoutine(h, NULL, ev);
			else
				SetEvent(info.hEvent);
		}
		call_unref(sc);
		pthread_mutex_lock(&acalls.lock);
	}
	pthread_mutex_unlock(&acalls.lock);
	return NULL;
}

/* Queues the notification of subscription s, if it is on and not queued yet. acalls.lock. */
static void
queue_note_locked(struct sub *s)
{
	if (!s->on || s->queued)
		return;
	if (!acalls.thread_running) {
		if (pthread_create(&acalls.thread, NULL, notifier_main, NULL) != 0)
			return; /* nobody could deliver it */
		acalls.thread_running = true;
	}
	atomic_fetch_add_explicit(&s->call->refs, 1u, memory_order_relaxed);
	s->queued = true;
	s->count++;
	*acalls.q_tail = s;
	acalls.q_tail = &s->qnext;
	pthread_cond_signal(&acalls.wake);
}

/* Delivers what is queued, then ends the notifier thread. */
static void
notifier_stop(void)
{
	pthread_mutex_lock(&acalls.lock);
	bool running = acalls.thread_running;
	acalls.thread_exit = true;
	pthread_cond_signal(&acalls.wake);
	pthread_mutex_unlock(&acalls.lock);
	if (running)
		pthread_join(acalls.thread, NULL);
	pthread_mutex_lock(&acalls.lock);
	acalls.thread_running = false;
	acalls.thread_exit = false;
	pthread_mutex_unlock(&acalls.lock);
}

/* Marks sc cancelled and tells its CallCancel subscriber, once. */
static void
mark_cancelled(struct scall *sc)
{
	pthread_mutex_lock(&acalls.lock);
	if (!sc->cancelled) {
		sc->cancelled = true;
		queue_note_locked(&sc->subs[SUB_CANCEL]);
	}
	pthread_mutex_unlock(&acalls.lock);
}

/* ==== Small helpers ========================================================================== */

static bool
uuid_is_nil(const UUID *u)
{
	static const UUID nil;
	return memcmp(u, &nil, sizeof(nil)) == 0;
}

static bool
uuid_eq(const UUID *a, const UUID *b)
{
	return a->Data1 == b->Data1 && a->Data2 == b->Data2 && a->Data3 == b->Data3 &&
	       memcmp(a->Data4, b->Data4, sizeof(a->Data4)) == 0;
}

/* The registration that serves abstract syntax s: same UUID and major version, and a minor
 * version at least the one asked for (C706 12.6.3.1 and [MS-RPCE] 3.3.1.5.6: a server
 * offering minor m supports every minor up to m). Called with srv.lock. */
static struct reg *
find_reg_locked(const rpcrt_pdu_syntax *s)
{
	for (struct reg *r = srv.regs; r; r = r->next)
		if (uuid_eq(&r->itf->uuid, &s->uuid) && r->itf->ver_major == s->vers_major &&
		    r->itf->ver_minor >= s->vers_minor)
			return r;
	return NULL;
}

static void
reg_free(struct reg *r)
{
	if (!r)
		return;
	if (r->ffi)
		for (uint32_t i = 0; i < r->itf->nprocs; i++)
			rpcrt_ffi_free(&r->ffi[i]);
	free(r->ffi);
	free(r);
}

/* Ends one call's use of r; frees r when it was unregistered, this was its last call and no
 * RpcServerUnregisterIf waits to free it itself. */
static void
reg_release(struct reg *r)
{
	bool free_it = false;

	srv_enter();
	r->calls--;
	if (r->calls == 0 && r->removed) {
		if (r->waiters)
			pthread_cond_broadcast(&srv.state);
		else
			free_it = true;
	}
	srv_leave();
	if (free_it)
		reg_free(r);
}

/* Whether calls are admitted for r: while the server listens, or always for an auto-listen
 * interface (Microsoft Learn, "Interface Registration Flags": RPC_IF_AUTOLISTEN). */
static bool
admitted_locked(const struct reg *r)
{
	return !srv.resetting && (srv.listening || (r->flags & RPC_IF_AUTOLISTEN));
}

/* ==== Connections: output ==================================================================== */

static void conn_close(struct conn *c);

/* Drops the request being reassembled, if any, and gives its bytes back to the budget. Loop
 * thread (or rpcrt_server_reset() after the loop stopped). */
static void
conn_reasm_reset(struct conn *c)
{
	rpcrt_pdu_reasm_reset(&c->reasm);
	budget_give(c->reasm_held);
	c->reasm_held = 0;
}

static void
conn_unref(struct conn *c)
{
	if (atomic_fetch_sub_explicit(&c->refs, 1u, memory_order_acq_rel) != 1)
		return;
	rpcrt_binding_unref(c->binding);
	rpcrt_buf_free(&c->out);
	free(c->ctx);
	free(c->in);
	rpcrt_pdu_reasm_free(&c->reasm);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void
on_close_post(void *ctx)
{
	struct conn *c = ctx;
	conn_close(c);
	conn_unref(c);
}

/* Sets the watch's interest from the connection's state. A connection that must be closed (a
 * write failed, or too much output waits) is closed by the loop: when the loop finds out
 * itself, as soon as it is done with the connection's input (want_close); when a worker does,
 * through a posted function, since no event may ever come for a peer that neither reads nor
 * writes. Called with c->lock. */
static void
update_interest_locked(struct conn *c)
{
	if (c->closed)
		return;
	size_t pending = c->out.len - c->out_off;
	uint32_t want;
	if (c->broken || c->overflow) {
		want = 0;
		if (rpcrt_loop_is_current(c->ep->loop)) {
			c->want_close = true;
		} else if (!c->close_posted) {
			/* The loop's own reference keeps c alive until it closes c, so this
			 * one cannot be the last while we hold the lock. */
			atomic_fetch_add_explicit(&c->refs, 1u, memory_order_relaxed);
			if (rpcrt_loop_post(c->ep->loop, on_close_post, c) == RPC_S_OK)
				c->close_posted = true;
			else
				atomic_fetch_sub_explicit(&c->refs, 1u, memory_order_relaxed);
		}
	} else {
		/* Hysteresis: stop reading above out_pause, start again below half of it. */
		if (pending > c->lim.out_pause)
			c->read_paused = true;
		else if (pending <= c->lim.out_pause / 2)
			c->read_paused = false;
		want = (c->read_paused ? 0 : RPCRT_EV_READ) | (pending ? RPCRT_EV_WRITE : 0);
		/* While a paused connection waits for writability, epoll still reports a hang-up
		 * or an error, which are reported with any non-empty interest. */
	}
	if (want != c->interest && rpcrt_loop_mod(c->watch, want) == RPC_S_OK)
		c->interest = want;
}

/* Writes as much of the output queue as the socket takes now. Called with c->lock. */
static void
flush_locked(struct conn *c)
{
	while (!c->closed && !c->broken && c->out_off < c->out.len) {
		size_t n = 0;
		RPC_STATUS st = rpcrt_sock_write(c->fd, c->out.data + c->out_off,
						 c->out.len - c->out_off, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			break;
		if (st != RPC_S_OK) {
			c->broken = true;
			break;
		}
		c->out_off += n;
		c->tx_ms = now_ms();
	}
	if (c->out_off == c->out.len || c->broken) {
		c->out.len = 0;
		c->out_off = 0;
		if (c->out.cap > OUT_BUF_KEEP)
			rpcrt_buf_free(&c->out);
	}
}

/* Queues the bytes of b (which this takes over) for sending and writes what it can at once.
 * Nothing is sent on a connection that is closed or being drained after a fatal fault. */
static void
conn_send(struct conn *c, rpcrt_buf *b)
{
	pthread_mutex_lock(&c->lock);
	if (c->closed || c->draining || c->broken || c->overflow || b->len == 0) {
		pthread_mutex_unlock(&c->lock);
		rpcrt_buf_free(b);
		return;
	}
	size_t pending = c->out.len - c->out_off;
	if (b->len > c->lim.out_max - (pending < c->lim.out_max ? pending : c->lim.out_max)) {
		/* A peer that does not read its replies gets no more memory of ours. */
		c->overflow = true;
	} else if (pending == 0) {
		rpcrt_buf_free(&c->out);
		c->out = *b;
		c->out_off = 0;
		*b = (rpcrt_buf){ 0 };
	} else {
		if (c->out.len + b->len > c->out.cap) {
			/* Compact before growing. */
			memmove(c->out.data, c->out.data + c->out_off, pending);
			c->out.len = pending;
			c->out_off = 0;
		}
		if (!rpcrt_buf_reserve(&c->out, b->len)) {
			c->overflow = true;
			goto out;
		}
		memcpy(c->out.data + c->out.len, b->data, b->len);
		c->out.len += b->len;
	}
	if (!c->overflow)
		flush_locked(c);
out:
	update_interest_locked(c);
	pthread_mutex_unlock(&c->lock);
	rpcrt_buf_free(b);
}

/* A fault PDU for call_id. The status is never 0 (the callers make sure of it). */
static void
send_fault(struct conn *c, uint32_t call_id, uint16_t p_cont_id, uint32_t status, bool dne)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_fault f = { .alloc_hint = FAULT_ALLOC_HINT,
			      .p_cont_id = p_cont_id,
			      .status = status };
	if (rpcrt_pdu_encode_fault(&b, call_id, dne ? RPCRT_PFC_DID_NOT_EXECUTE : 0, &f) ==
	    RPC_S_OK)
		conn_send(c, &b);
	rpcrt_buf_free(&b);
}

static void
on_linger(rpcrt_timer *t, void *ctx)
{
	(void)t;
	conn_close(ctx);
}

/* Once the output of a draining connection is out: shut our side, so that the peer reads the
 * end of the stream after the fault, and wait for it to close its own. Closing a socket with
 * unread input makes TCP send a reset, which can destroy the fault before the peer reads it;
 * so the input is read and dropped until the peer closes or the linger timer that start_drain
 * set fires. Loop thread, with c->lock. */
static void
drain_flushed_locked(struct conn *c)
{
	if (!c->draining || c->shut_wr || c->closed || c->out_off < c->out.len)
		return;
	shutdown(c->fd, SHUT_WR);
	c->shut_wr = true;
}

/* After a fatal fault or bind_nak (already queued): no more input is processed, replies of
 * calls still running are dropped, and the connection closes when the peer has closed its
 * side, or linger_ms from now, whether or not the peer has read the fault by then. Loop. */
static void
start_drain(struct conn *c)
{
	conn_reasm_reset(c);
	pthread_mutex_lock(&c->lock);
	c->draining = true;
	if (!c->linger &&
	    rpcrt_loop_timer(c->ep->loop, c->lim.linger_ms, on_linger, c, &c->linger) != RPC_S_OK)
		c->want_close = true;
	drain_flushed_locked(c);
	update_interest_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Answers a refused PDU as rpcrt_pdu_server_verdict() or rpcrt_pdu_reasm_feed() decided:
 * a bind_nak (listing protocol version 5.0, as Samba does), a fault, or nothing, then closes
 * if asked. Loop thread. */
static void
respond(struct conn *c, const rpcrt_pdu_verdict *v)
{
	rpcrt_buf b = { 0 };
	if (v->nak_reason >= 0) {
		rpcrt_pdu_bind_nak nak = { .reason = (uint16_t)v->nak_reason, .n_versions = 1 };
		nak.versions[0][0] = 5;
		nak.versions[0][1] = 0;
		rpcrt_pdu_encode_bind_nak(&b, v->call_id, &nak);
	} else if (v->fault_status) {
		rpcrt_pdu_fault f = { .alloc_hint = FAULT_ALLOC_HINT,
				      .p_cont_id = v->p_cont_id,
				      .status = v->fault_status };
		rpcrt_pdu_encode_fault(&b, v->call_id,
				       v->did_not_execute ? RPCRT_PFC_DID_NOT_EXECUTE : 0, &f);
	}
	bool sent = b.len > 0;
	if (sent)
		conn_send(c, &b);
	rpcrt_buf_free(&b);
	if (v->close) {
		if (sent)
			start_drain(c);
		else
			c->want_close = true;
	}
}

/* A verdict for status st about the PDU whose header is h. */
static void
refuse(struct conn *c, rpcrt_pdu_status st, const rpcrt_pdu_hdr *h)
{
	rpcrt_pdu_verdict v;
	rpcrt_pdu_server_verdict(st, h, &v);
	respond(c, &v);
}

static void
refuse_nak(struct conn *c, uint32_t call_id, int reason)
{
	rpcrt_pdu_verdict v = { .nak_reason = reason, .call_id = call_id, .close = true };
	respond(c, &v);
}

/* ==== Connections: lifetime ================================================================== */

/* Closes the connection: no more events, no more output. Calls still running or pending keep
 * their references and find it closed; their ClientDisconnect subscribers are told. Loop
 * thread, or rpcrt_server_reset() after the loop stopped. */
static void
conn_close(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->closed) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	c->closed = true;
	pthread_mutex_lock(&acalls.lock);
	for (struct scall *sc = c->live; sc; sc = sc->cnext) {
		sc->disconnected = true;
		queue_note_locked(&sc->subs[SUB_DISCONNECT]);
	}
	pthread_mutex_unlock(&acalls.lock);
	rpcrt_loop_del(c->watch);
	c->watch = NULL;
	close(c->fd);
	c->fd = -1;
	rpcrt_timer *t = c->linger, *t2 = c->timer;
	c->linger = NULL;
	c->timer = NULL;
	rpcrt_buf_free(&c->out);
	c->out_off = 0;
	pthread_mutex_unlock(&c->lock);
	/* From inside on_linger or on_conn_timer this cancels the running timer, which the loop
	 * then frees. */
	rpcrt_loop_timer_cancel(t);
	rpcrt_loop_timer_cancel(t2);
	conn_reasm_reset(c);
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	budget_give(c->in_held);
	c->in_held = 0;

	srv_enter();
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv.nconns--;
	pthread_cond_broadcast(&srv.state); /* rpcrt_server_settle() may wait for this */
	srv_leave();
	conn_unref(c);
}

/* The binding handle a call's manager and security callback receive: the server binding of
 * the connection ([MS-RPCE] has no wire form for it; Windows passes the call's binding).
 * Returns a new reference, or NULL when out of memory. */
static rpcrt_binding *
conn_binding(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->binding && !c->closed) {
		char addr[INET6_ADDRSTRLEN] = "";
		if (c->ep->protseq == RPCRT_PROTSEQ_NCACN_IP_TCP) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof(ss);
			if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == 0) {
				if (ss.ss_family == AF_INET)
					inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
						  addr, sizeof(addr));
				else if (ss.ss_family == AF_INET6)
					inet_ntop(AF_INET6,
						  &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
						  sizeof(addr));
			}
		}
		rpcrt_binding_new(c->ep->protseq, NULL, addr, c->ep->name, NULL, &c->binding);
	}
	rpcrt_binding *b = c->binding;
	if (b)
		rpcrt_binding_ref(b);
	pthread_mutex_unlock(&c->lock);
	return b;
}

/* ==== The worker pool ======================================================================== */

static void *worker_main(void *arg);

/* Starts one worker. Called with srv.lock. */
static bool
spawn_worker_locked(void)
{
	pthread_attr_t a;
	pthread_t t;

	if (srv.resetting || pthread_attr_init(&a) != 0)
		return false;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	bool ok = pthread_create(&t, &a, worker_main, NULL) == 0;
	pthread_attr_destroy(&a);
	if (ok)
		srv.nworkers++;
	return ok;
}

/* Makes sure someone will run the job just queued: an idle worker if there is one free,
 * otherwise a new one, up to MaxCalls (the never-exceeded limit of T39); failing that, the
 * job waits for a busy worker. Called with srv.lock; returns whether an idle worker is to be
 * woken, which the caller does with wake_idle_worker() once it has released srv.lock (woken
 * under the lock, the worker would only block on it again). */
static bool
wake_worker_locked(void)
{
	if (srv.nqueued > srv.nidle && srv.nworkers < srv.max_calls)
		spawn_worker_locked();
	return srv.nidle != 0;
}

static void
wake_idle_worker(bool wake)
{
	if (wake)
		pthread_cond_signal(&srv.work);
}

static struct timespec
deadline_after(uint32_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static struct scall *run_job(struct scall *sc);

static void *
worker_main(void *arg)
{
	(void)arg;
	srv_enter();
	for (;;) {
		while (!srv.q_head && !srv.workers_exit) {
			struct timespec ts = deadline_after(srv.lim.idle_worker_ms);
			srv.nidle++;
			int r = pthread_cond_timedwait(&srv.work, &srv.lock, &ts);
			srv.nidle--;
			if (r == ETIMEDOUT && !srv.q_head && srv.nworkers > srv.min_threads)
				goto out;
		}
		/* A lowered MaxCalls retires the extra workers as they become free. */
		if (!srv.q_head || (srv.nworkers > srv.max_calls && !srv.workers_exit))
			break;
		struct scall *j = srv.q_head;
		srv.q_head = j->next;
		if (!srv.q_head)
			srv.q_tail = &srv.q_head;
		srv.nqueued--;
		srv_leave();
		/* A connection without CONC_MPX has its calls run one after the other, by the
		 * worker that ran the one before. */
		while (j) {
			struct scall *next = run_job(j);
			srv_enter();
			if (--srv.active == 0)
				pthread_cond_broadcast(&srv.state);
			srv_leave();
			j = next;
		}
		srv_enter();
	}
out:
	srv.nworkers--;
	pthread_cond_broadcast(&srv.state);
	srv_leave();
	return NULL;
}

/* ==== Calls ================================================================================== */

/* [MS-RPCE] 3.3.3.5.1: statuses a server MUST NOT send in a fault. A manager that raises one
 * of them gets nca_s_fault_unspec on the wire instead (T31). */
static uint32_t
fault_status(RPC_STATUS code)
{
	static const uint32_t banned[] = {
		0x00000000, 0x80000001, 0x80000002, 0x80000003, 0xC0000005, 0xC0000006, 0xC000001D,
		0xC0000096, 0xC00000AA, 0xC00000FD, 0xC0000194, 0xC0000235, 0xC0000409, 0xC0000420,
	};
	uint32_t s = (uint32_t)code;
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (s == banned[i])
			return RPCRT_NCA_S_FAULT_UNSPEC;
	return s;
}

/* The fault for stub data the engine refused. [MS-RPCE] 3.1.3.5.2: an invalid octet stream is
 * reported as RPC_X_BAD_STUB_DATA (0x6F7), whatever the engine's local status (a bad bound, a
 * bad tag ...; security-tests decision 1.7-5). */
static uint32_t
unmarshal_fault(RPC_STATUS st)
{
	switch (st) {
	case RPC_S_OUT_OF_MEMORY:
		return RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	case RPC_S_INVALID_ARG:
	case RPC_S_INTERNAL_ERROR:
	case RPC_S_CANNOT_SUPPORT:
		return RPCRT_NCA_S_FAULT_UNSPEC;
	default:
		return RPC_X_BAD_STUB_DATA;
	}
}

/* The fault for [out] values the engine could not marshal: what a Windows server stub raises
 * (RPC_X_NULL_REF_POINTER, RPC_X_ENUM_VALUE_OUT_OF_RANGE, a bad bound ...) passes on. */
static uint32_t
marshal_fault(RPC_STATUS st)
{
	switch (st) {
	case RPC_S_OUT_OF_MEMORY:
		return RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	case RPC_S_INVALID_ARG:
	case RPC_S_INTERNAL_ERROR:
		return RPCRT_NCA_S_FAULT_UNSPEC;
	default:
		return fault_status(st);
	}
}

/* Calls the manager (an [async] one with async_state first). An exception it raises
 * (RpcRaiseException) ends up here instead of unwinding into the worker; *ret_raised says
 * whether one did, and its code is returned. */
static RPC_STATUS
invoke_manager(const rpcrt_ffi_proc *ffi, void (*fn)(void), void *async_state, void **args,
	       void *ret, bool *ret_raised)
{
	volatile RPC_STATUS code = RPC_S_OK;
	volatile bool raised = false;

	RpcTryExcept {
		rpcrt_ffi_invoke(ffi, fn, async_state, args, ret);
	}
	RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
		raised = true;
		code = RpcExceptionCode();
	}
	RpcEndExcept
	*ret_raised = raised;
	return code;
}

/* The checks that come before the stub data is looked at (T40): interface flags and the
 * security callback. Every call is unauthenticated here (no security provider yet), so:
 * RPC_IF_ALLOW_SECURE_ONLY refuses it; RPC_IF_ALLOW_LOCAL_ONLY refuses ncacn_ip_tcp ("All
 * local calls using ncadg_* and ncacn_* protocol sequences are also rejected ... Calls from
 * ncalrpc are always processed"); and with a security callback but without
 * RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH, "RPC automatically filters all unauthenticated calls
 * before they reach the security callback" (Microsoft Learn, "Interface Registration Flags").
 * Any refusal is access denied ([MS-RPCE] 3.2.3.5.1 names status 5 for authorization
 * refusals; Microsoft Learn, RPC_IF_CALLBACK_FN). The callback runs for every call: caching its
 * answer is allowed, not required, and RPC_IF_SEC_NO_CACHE asks for exactly this. */
static uint32_t
admit(struct conn *c, const struct reg *r)
{
	if (r->flags & RPC_IF_ALLOW_SECURE_ONLY)
		return RPC_S_ACCESS_DENIED;
	if ((r->flags & RPC_IF_ALLOW_LOCAL_ONLY) && c->ep->protseq != RPCRT_PROTSEQ_NCALRPC)
		return RPC_S_ACCESS_DENIED;
	if (!r->callback)
		return 0;
	if (!(r->flags & RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH))
		return RPC_S_ACCESS_DENIED;
	rpcrt_binding *b = conn_binding(c);
	if (!b)
		return RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	RPC_STATUS st = r->callback((RPC_IF_HANDLE)(uintptr_t)r->itf, b);
	rpcrt_binding_unref(b);
	return st == RPC_S_OK ? 0 : RPC_S_ACCESS_DENIED;
}

/* Whether nothing more can be sent on c. */
static bool
conn_gone(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool gone = c->closed || c->draining;
	pthread_mutex_unlock(&c->lock);
	return gone;
}

/* Queues the response fragments of the call req whose stub data is resp, or a fault when they
 * cannot be built; returns the status of building them. */
static RPC_STATUS
send_response(struct conn *c, const rpcrt_pdu_call *req, const rpcrt_buf *resp)
{
	rpcrt_buf out = { 0 };
	rpcrt_pdu_response rs = { .p_cont_id = req->p_cont_id,
				  .stub = resp->data,
				  .stub_len = resp->len };
	RPC_STATUS st = rpcrt_pdu_encode_response_frags(&out, req->call_id, 0, &rs, c->frag);
	if (st == RPC_S_OK)
		conn_send(c, &out);
	else
		send_fault(c, req->call_id, req->p_cont_id, RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY,
			   false);
	rpcrt_buf_free(&out);
	return st;
}

/* Frees what the call's manager was given: what it allocated for [out] parameters, then the
 * frame and everything unmarshalled with it, and the binding. */
static void
frame_free(struct scall *sc)
{
	if (sc->proc)
		rpcrt_ndr_free_frame(sc->proc, &sc->frame, &sc->arena);
	rpcrt_arena_release(&sc->arena);
	sc->proc = NULL;
	rpcrt_binding_unref(sc->binding);
	sc->binding = NULL;
}

/* Unlinks sc from c's live list. c->lock. */
static void
live_unlink_locked(struct conn *c, struct scall *sc)
{
	if (sc->cprev)
		sc->cprev->cnext = sc->cnext;
	else
		c->live = sc->cnext;
	if (sc->cnext)
		sc->cnext->cprev = sc->cprev;
	sc->cprev = sc->cnext = NULL;
}

/* The call has ended (its reply or fault is queued, or it was dropped): its connection stops
 * counting it, and the call's own reference is dropped. Returns the connection's next call,
 * if it waited for this one (without CONC_MPX). */
static struct scall *
call_end(struct scall *sc)
{
	struct conn *c = sc->conn;
	pthread_mutex_lock(&c->lock);
	c->calls--;
	c->tx_ms = now_ms(); /* the idle time of a connection starts when its last call ends */
	live_unlink_locked(c, sc);
	struct scall *next = c->pend;
	if (next) {
		c->pend = next->next;
		if (!c->pend)
			c->pend_tail = &c->pend;
		next->next = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	call_unref(sc);
	return next;
}

static void
active_done(void)
{
	srv_enter();
	if (--srv.active == 0)
		pthread_cond_broadcast(&srv.state);
	srv_leave();
}

/* Hands the calls that waited for an [async] call on a connection without CONC_MPX to the
 * workers, one at a time as before. If no worker can run them (the server is being reset),
 * they are refused as dispatch() refuses calls it cannot queue. Any thread but the loop's. */
static void
run_waiting(struct scall *sc)
{
	while (sc) {
		srv_enter();
		if (!srv.resetting && (srv.nworkers > 0 || spawn_worker_locked())) {
			*srv.q_tail = sc;
			srv.q_tail = &sc->next;
			srv.nqueued++;
			bool wake = wake_worker_locked();
			srv_leave();
			wake_idle_worker(wake);
			return;
		}
		srv_leave();
		send_fault(sc->conn, sc->req.call_id, sc->req.p_cont_id,
			   RPCRT_NCA_S_SERVER_TOO_BUSY, true);
		struct scall *next = call_end(sc);
		active_done();
		sc = next;
	}
}

/* Ends an [async] call that the caller has just taken out of the application's hands
 * (end_locked): with complete, the [out] and [in,out] parameters and *reply are marshalled
 * into a response, else a fault carrying fault is sent. Nothing is marshalled or sent once the
 * connection is gone (ms-rpc-async.md §3 "Handling errors": a failure after the server's
 * CompleteCall is the runtime's, the server is not told). Then the call's memory is freed, the
 * call waiting behind it (if any) runs, and the call stops counting as active. Returns the
 * marshalling failure or RPC_S_OUT_OF_MEMORY; the client then gets a fault. */
static RPC_STATUS
async_finish(struct scall *sc, bool complete, const void *reply, uint32_t fault)
{
	struct conn *c = sc->conn;
	RPC_STATUS ret = RPC_S_OK;
	rpcrt_buf resp = { 0 };
	bool gone = conn_gone(c);

	if (complete && !gone) {
		RPC_STATUS st = rpcrt_ndr_marshal_response(sc->proc, sc->frame.args, reply, &resp);
		if (st != RPC_S_OK) {
			ret = st;
			fault = marshal_fault(st);
		}
	}
	frame_free(sc);
	reg_release(sc->reg);
	sc->reg = NULL;
	if (!gone) {
		if (fault)
			send_fault(c, sc->req.call_id, sc->req.p_cont_id, fault, false);
		else if (send_response(c, &sc->req, &resp) != RPC_S_OK)
			ret = RPC_S_OUT_OF_MEMORY;
	}
	rpcrt_buf_free(&resp);
	run_waiting(call_end(sc));
	active_done();
	return ret;
}

/* Runs an [async] manager routine (ms-rpc-async.md §3 "Server-side asynchronous RPC"). The call
 * gets its RPC_ASYNC_STATE and its place in the registry, and counts as active until it ends,
 * so that RpcServerListen and RpcServerUnregisterIf wait for it; the worker is free as soon as
 * the manager returns. The manager may end the call before it returns (RpcAsyncCompleteCall or
 * RpcAsyncAbortCall, on its own thread or another), so the worker keeps a reference to the call
 * and a hold on the registration (whose prepared cif libffi reads after the manager returns)
 * until then. An exception the manager raises before the call has ended faults it (rule 7);
 * one raised after that is ignored, the reply being on its way. Returns a fault status when the
 * manager could not be entered, else 0. */
static uint32_t
execute_async(struct scall *sc, void (*fn)(void), bool *ret_dne, bool *ret_async)
{
	struct reg *r = sc->reg;
	pthread_mutex_lock(&acalls.lock);
	struct astate *a = astate_get_locked(sc);
	if (!a || !live_add_locked(sc)) {
		if (a)
			astate_put_locked(a);
		pthread_mutex_unlock(&acalls.lock);
		return RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
	}
	sc->astate = a;
	sc->phase = PHASE_RUNNING;
	atomic_fetch_add_explicit(&sc->refs, 1u, memory_order_relaxed);
	pthread_mutex_unlock(&acalls.lock);
	srv_enter();
	srv.active++;
	r->calls++;
	srv_leave();
	*ret_dne = false;
	*ret_async = true;

	bool raised;
	cur_call = sc;
	RPC_STATUS code =
		invoke_manager(&r->ffi[sc->req.opnum], fn, &a->st, sc->frame.args, NULL, &raised);
	cur_call = NULL;

	bool fault_it = false;
	pthread_mutex_lock(&acalls.lock);
	if (sc->phase == PHASE_RUNNING) {
		if (raised) {
			end_locked(sc);
			fault_it = true;
		} else {
			sc->phase = PHASE_PENDING;
		}
	}
	pthread_mutex_unlock(&acalls.lock);
	if (fault_it)
		async_finish(sc, false, NULL, fault_status(code));
	reg_release(r);
	call_unref(sc);
	return 0;
}

/* Unmarshals the request into the call's frame and calls the manager. A synchronous call's
 * reply is marshalled into resp and its frame freed here; an [async] call continues in
 * execute_async() and *ret_async says so. Returns 0 or the fault status; *ret_dne stays true
 * unless the manager was entered. */
static uint32_t
execute(struct scall *sc, rpcrt_buf *resp, bool *ret_dne, bool *ret_async)
{
	struct conn *c = sc->conn;
	struct reg *r = sc->reg;
	const ridl_proc *proc = r->itf->procs[sc->req.opnum];
	void (*fn)(void) = r->epv[sc->req.opnum];
	if (!fn)
		return RPCRT_NCA_S_OP_RNG_ERROR;

	RPC_STATUS st = rpcrt_ndr_unmarshal_request(proc, sc->req.stub.data, sc->req.stub.len,
						    sc->req.drep[0], &sc->arena, NULL, &sc->frame);
	/* The frame holds copies: a pending call does not keep the request's bytes. */
	req_stub_free(sc);
	if (st != RPC_S_OK) {
		rpcrt_arena_release(&sc->arena);
		return unmarshal_fault(st);
	}
	sc->proc = proc;
	/* An explicit handle_t parameter receives the call's server binding. */
	for (uint32_t i = 0; i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if ((p->flags & RIDL_PF_BINDING) && p->type->kind == RIDL_K_HANDLE) {
			if (!sc->binding && !(sc->binding = conn_binding(c))) {
				frame_free(sc);
				return RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
			}
			RPC_BINDING_HANDLE h = sc->binding;
			memcpy(sc->frame.args[i], &h, sizeof(h));
		}
	}

	if (proc->flags & RIDL_PROC_ASYNC) {
		uint32_t fault = execute_async(sc, fn, ret_dne, ret_async);
		if (fault)
			frame_free(sc);
		return fault;
	}

	*ret_dne = false;
	void *ret = proc->ret ? sc->frame.ret : NULL;
	bool raised;
	sc->phase = PHASE_RUNNING;
	cur_call = sc;
	RPC_STATUS code =
		invoke_manager(&r->ffi[sc->req.opnum], fn, NULL, sc->frame.args, ret, &raised);
	cur_call = NULL;
	/* Only this thread registers a synchronous call (a subscription from its manager), so
	 * it can tell without the lock whether anybody else may look at the phase. */
	if (sc->registered) {
		pthread_mutex_lock(&acalls.lock);
		end_locked(sc);
		pthread_mutex_unlock(&acalls.lock);
	} else {
		sc->phase = PHASE_DONE;
	}
	uint32_t fault = 0;
	if (raised) {
		fault = fault_status(code);
	} else {
		st = rpcrt_ndr_marshal_response(proc, sc->frame.args, ret, resp);
		if (st != RPC_S_OK)
			fault = marshal_fault(st);
	}
	frame_free(sc);
	return fault;
}

/* Runs one call and sends its reply; returns the connection's next call to run, if it waits
 * for this one. An [async] call that its manager did not end goes on without the worker: it
 * ends in async_finish(), which also runs the call waiting behind it. */
static struct scall *
run_job(struct scall *sc)
{
	struct conn *c = sc->conn;
	rpcrt_pdu_call *call = &sc->req;
	rpcrt_buf resp = { 0 };
	uint32_t fault = 0;
	bool dne = true, async = false;
	struct reg *r = NULL;

	/* A call whose client is gone, or whose connection a protocol error ends, is not
	 * started: nobody could get its reply. */
	if (conn_gone(c))
		return call_end(sc);

	/* Context, interface, opnum, in this order, each refused with DID_NOT_EXECUTE (T35;
	 * Samba dcesrv_request: unknown context nca_s_unknown_if, opnum out of range
	 * nca_s_op_rng_error). */
	rpcrt_pdu_syntax abstract = { 0 };
	bool known = false;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->nctx; i++) {
		if (c->ctx[i].id == call->p_cont_id) {
			abstract = c->ctx[i].abstract;
			known = true;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (!known) {
		fault = RPCRT_NCA_S_UNKNOWN_IF;
	} else {
		srv_enter();
		r = find_reg_locked(&abstract);
		if (!r) {
			fault = RPCRT_NCA_S_UNKNOWN_IF;
		} else if (!admitted_locked(r)) {
			/* RpcMgmtStopServerListening: "the RPC run-time library stops accepting
			 * new remote procedure calls for all registered interfaces". */
			fault = RPCRT_NCA_S_SERVER_TOO_BUSY;
			r = NULL;
		} else {
			r->calls++;
		}
		srv_leave();
	}
	if (!fault && call->opnum >= r->itf->nprocs)
		fault = RPCRT_NCA_S_OP_RNG_ERROR;
	if (!fault)
		fault = admit(c, r);
	sc->reg = r;
	if (!fault)
		fault = execute(sc, &resp, &dne, &async);
	if (async)
		return NULL;
	if (r)
		reg_release(r);
	sc->reg = NULL;

	if (fault)
		send_fault(c, call->call_id, call->p_cont_id, fault, dne);
	else
		send_response(c, call, &resp);
	rpcrt_buf_free(&resp);
	return call_end(sc);
}

/* A complete request: to the worker queue, or, on a connection without CONC_MPX whose
 * previous call has not ended, behind that call, so that a client that sends its calls
 * without waiting for the replies gets them in order, one call running at a time ([MS-RPCE]
 * 3.3.1.5.4; Samba queues them the same way); an [async] call that is pending counts as
 * running. Refused with nca_s_server_too_busy when the connection or the server has too many
 * calls (T39, T41). A request that carried PFC_PENDING_CANCEL is cancelled from the start.
 * held is what call->stub counts in req_bytes; the call takes it over with the stub. Loop
 * thread. */
static void
dispatch(struct conn *c, rpcrt_pdu_call *call, size_t held)
{
	struct scall *sc = calloc(1, sizeof(*sc));
	bool busy = true, serial = false;

	/* Counted before it becomes visible to a worker, which may finish it at once. */
	srv_enter();
	srv.active++;
	srv_leave();
	if (sc) {
		sc->magic = RPCRT_ACALL_SERVER_MAGIC;
		atomic_init(&sc->refs, 1u);
		atomic_fetch_add_explicit(&c->refs, 1u, memory_order_relaxed);
		sc->conn = c;
		sc->req = *call;
		sc->held = held;
		sc->cancelled = call->cancel_pending;
		for (int k = 0; k < NSUBS; k++)
			sc->subs[k].call = sc;
		rpcrt_arena_init(&sc->arena);
		pthread_mutex_lock(&c->lock);
		busy = c->calls >= c->lim.max_conn_calls;
		if (!busy) {
			serial = !c->conc_mpx && c->calls > 0;
			c->calls++;
			sc->cnext = c->live;
			if (c->live)
				c->live->cprev = sc;
			c->live = sc;
			if (serial) {
				*c->pend_tail = sc;
				c->pend_tail = &sc->next;
			}
		}
		pthread_mutex_unlock(&c->lock);
		if (serial)
			return;
	}
	if (!busy) {
		srv_enter();
		/* A call is only queued when some worker exists or can start to run it. */
		if (srv.nqueued < srv.lim.max_queued && !srv.resetting &&
		    (srv.nworkers > 0 || spawn_worker_locked())) {
			*srv.q_tail = sc;
			srv.q_tail = &sc->next;
			srv.nqueued++;
			bool wake = wake_worker_locked();
			srv_leave();
			wake_idle_worker(wake);
			return;
		}
		srv_leave();
		pthread_mutex_lock(&c->lock);
		c->calls--;
		live_unlink_locked(c, sc);
		pthread_mutex_unlock(&c->lock);
	}
	if (sc) {
		*call = sc->req;
		free(sc);
		conn_unref(c);
	}
	active_done();
	send_fault(c, call->call_id, call->p_cont_id, RPCRT_NCA_S_SERVER_TOO_BUSY, true);
	rpcrt_buf_free(&call->stub);
	budget_give(held);
}

/* ==== Binds ================================================================================== */

static bool
conn_find_ctx(const struct conn *c, uint16_t id, const struct pctx *extra, size_t n_extra,
	      const struct pctx **ret)
{
	for (size_t i = 0; i < c->nctx; i++)
		if (c->ctx[i].id == id) {
			*ret = &c->ctx[i];
			return true;
		}
	for (size_t i = 0; i < n_extra; i++)
		if (extra[i].id == id) {
			*ret = &extra[i];
			return true;
		}
	return false;
}

/* Decides every presentation context of a bind or alter_context, in order, one result each
 * ([MS-RPCE] 3.3.1.5.6, T33): an interface we do not serve gets provider_rejection reason 1
 * (abstract syntax not supported), one we serve without NDR 2.0 among the transfer syntaxes
 * reason 2, and the rest acceptance with NDR 2.0. In a bind, a context whose first transfer
 * syntax is the bind time feature negotiation one gets negotiate_ack with the features we
 * keep: KEEP_CONNECTION_ON_ORPHAN, since an orphaned PDU never closes a connection here; we
 * have no security contexts to multiplex ([MS-RPCE] 3.3.1.5.3; Samba dcesrv_bind). A context
 * id already in use must name the same interface. Returns -1, or a bind_nak reason: Samba's
 * "not specified" for a second feature negotiation context or a context id reused for another
 * interface, local_limit_exceeded beyond 4000 contexts per registered interface ([MS-RPCE]
 * 3.3.3.5.5, T34). On success the new contexts are added to the connection. Loop thread. */
static int
negotiate(struct conn *c, const rpcrt_pdu_bind *b, bool is_bind, rpcrt_pdu_result *res)
{
	struct pctx add[256];
	size_t n_add = 0;
	bool btfn = false;
	size_t cap;

	srv_enter();
	size_t nregs = 0;
	for (struct reg *r = srv.regs; r; r = r->next)
		nregs++;
	cap = (nregs ? nregs : 1) * (size_t)CTX_PER_INTERFACE;
	for (unsigned i = 0; i < b->n_ctx; i++) {
		const rpcrt_pdu_ctx *x = &b->ctx[i];
		rpcrt_pdu_result *r = &res[i];
		uint64_t bits;
		*r = (rpcrt_pdu_result){ .result = RPCRT_CTX_PROVIDER_REJECTION,
					 .reason = RPCRT_CTX_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED };
		if (is_bind && x->n_transfer && rpcrt_pdu_is_btfn(&x->transfer[0], &bits)) {
			if (btfn)
				goto nak;
			btfn = true;
			r->result = RPCRT_CTX_NEGOTIATE_ACK;
			r->reason = (uint16_t)(bits & RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN);
			continue;
		}
		if (!find_reg_locked(&x->abstract))
			continue;
		r->reason = RPCRT_CTX_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED;
		bool ndr = false;
		for (unsigned k = 0; k < x->n_transfer && !ndr; k++)
			ndr = rpcrt_pdu_syntax_eq(&x->transfer[k], &rpcrt_pdu_ndr20);
		if (!ndr)
			continue;
		const struct pctx *old;
		if (conn_find_ctx(c, x->p_cont_id, add, n_add, &old)) {
			if (!rpcrt_pdu_syntax_eq(&old->abstract, &x->abstract))
				goto nak;
		} else {
			if (c->nctx + n_add >= cap) {
				srv_leave();
				return RPCRT_NAK_LOCAL_LIMIT_EXCEEDED;
			}
			add[n_add++] = (struct pctx){ .id = x->p_cont_id, .abstract = x->abstract };
		}
		*r = (rpcrt_pdu_result){ .result = RPCRT_CTX_ACCEPTANCE,
					 .transfer = rpcrt_pdu_ndr20 };
	}
	srv_leave();

	if (n_add) {
		pthread_mutex_lock(&c->lock);
		if (c->nctx + n_add > c->ctx_cap) {
			size_t ncap = c->ctx_cap ? c->ctx_cap * 2 : 4;
			while (ncap < c->nctx + n_add)
				ncap *= 2;
			struct pctx *p = realloc(c->ctx, ncap * sizeof(*p));
			if (!p) {
				pthread_mutex_unlock(&c->lock);
				return RPCRT_NAK_LOCAL_LIMIT_EXCEEDED;
			}
			c->ctx = p;
			c->ctx_cap = ncap;
		}
		memcpy(c->ctx + c->nctx, add, n_add * sizeof(*add));
		c->nctx += n_add;
		pthread_mutex_unlock(&c->lock);
	}
	return -1;
nak:
	srv_leave();
	return RPCRT_NAK_NOT_SPECIFIED;
}

static void
handle_bind(struct conn *c, const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	/* No security provider is implemented: any auth_type is unknown to us, which
	 * [MS-RPCE] 3.3.3.5.3 answers with bind_nak authentication_type_not_recognized (T36). */
	if (h->auth_length != 0) {
		refuse_nak(c, h->call_id, RPCRT_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED);
		return;
	}
	rpcrt_pdu_bind b;
	rpcrt_pdu_status st = rpcrt_pdu_decode_bind(h, p, &b);
	if (st != RPCRT_PDU_OK) {
		refuse(c, st, h);
		return;
	}
	rpcrt_pdu_result res[255];
	int nak = negotiate(c, &b, true, res);
	if (nak >= 0) {
		rpcrt_pdu_bind_free(&b);
		refuse_nak(c, h->call_id, nak);
		return;
	}
	/* Both directions use one size (Samba's rule, tested against Windows; T37). */
	c->frag = rpcrt_pdu_negotiate_frag(b.max_xmit_frag, b.max_recv_frag, RPCRT_PDU_MAX_FRAG);
	c->conc_mpx = (h->pfc_flags & RPCRT_PFC_CONC_MPX) != 0;
	c->reasm.conc_mpx = c->conc_mpx;
	if (b.assoc_group_id) {
		/* No association groups are kept; a client joining one is told it is in it. */
		c->assoc_group = b.assoc_group_id;
	} else {
		srv_enter();
		c->assoc_group = srv.next_assoc++;
		srv_leave();
	}
	/* The secondary address is the endpoint: the port for TCP (C706 12.6.4.4), the
	 * endpoint name for ncalrpc; its length counts the NUL. */
	rpcrt_pdu_bind_ack ack = { .max_xmit_frag = c->frag,
				   .max_recv_frag = c->frag,
				   .assoc_group_id = c->assoc_group,
				   .sec_addr_len = (uint16_t)(strlen(c->ep->name) + 1),
				   .sec_addr = c->ep->name,
				   .n_results = b.n_ctx,
				   .results = res };
	rpcrt_buf out = { 0 };
	RPC_STATUS s = rpcrt_pdu_encode_bind_ack(&out, h->call_id,
						 c->conc_mpx ? RPCRT_PFC_CONC_MPX : 0, &ack);
	rpcrt_pdu_bind_free(&b);
	if (s != RPC_S_OK) {
		rpcrt_buf_free(&out);
		refuse_nak(c, h->call_id, RPCRT_NAK_TEMPORARY_CONGESTION);
		return;
	}
	c->bound = true;
	conn_send(c, &out);
	rpcrt_buf_free(&out);
}

static void
handle_alter(struct conn *c, const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	rpcrt_pdu_bind b;
	rpcrt_pdu_status st =
		h->auth_length ? RPCRT_PDU_E_AUTH_LENGTH : rpcrt_pdu_decode_bind(h, p, &b);
	if (st != RPCRT_PDU_OK) {
		refuse(c, st, h);
		return;
	}
	rpcrt_pdu_result res[255];
	int nak = negotiate(c, &b, false, res);
	if (nak >= 0) {
		/* alter_context has no nak: Samba answers a protocol error and disconnects. */
		rpcrt_pdu_bind_free(&b);
		refuse(c, RPCRT_PDU_E_SEQUENCE, h);
		return;
	}
	rpcrt_pdu_bind_ack ack = { .max_xmit_frag = c->frag,
				   .max_recv_frag = c->frag,
				   .assoc_group_id = c->assoc_group,
				   .n_results = b.n_ctx,
				   .results = res };
	rpcrt_buf out = { 0 };
	RPC_STATUS s = rpcrt_pdu_encode_alter_context_resp(
		&out, h->call_id,
		c->conc_mpx && (h->pfc_flags & RPCRT_PFC_CONC_MPX) ? RPCRT_PFC_CONC_MPX : 0, &ack);
	rpcrt_pdu_bind_free(&b);
	if (s == RPC_S_OK)
		conn_send(c, &out);
	else
		refuse(c, RPCRT_PDU_E_NO_MEMORY, h);
	rpcrt_buf_free(&out);
}

/* ==== Requests and the input loop ============================================================ */

/* The MaxRpcSize of the interface that presentation context id names, for the reassembly of
 * a call on it: an unknown context gets the default, and its call fails later. Loop thread. */
static uint32_t
max_rpc_size_of(struct conn *c, uint16_t id)
{
	const struct pctx *x;
	uint32_t max = RPCRT_PDU_DEFAULT_MAX_RPC_SIZE;

	if (!conn_find_ctx(c, id, NULL, 0, &x))
		return max;
	srv_enter();
	struct reg *r = find_reg_locked(&x->abstract);
	if (r)
		max = r->max_rpc_size;
	srv_leave();
	return max;
}

static void
handle_request(struct conn *c, const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	/* A request before the bind, or with an auth trailer on a connection without
	 * security, is a protocol error that ends the connection (T32, T20). */
	if (!c->bound) {
		refuse(c, RPCRT_PDU_E_WRONG_TYPE, h);
		return;
	}
	if (h->auth_length != 0) {
		refuse(c, RPCRT_PDU_E_AUTH_LENGTH, h);
		return;
	}
	/* The size limit belongs to the interface the call is for (RpcServerRegisterIf2
	 * MaxRpcSize), known from the first fragment's context id; it is set before the first
	 * fragment is fed so that its alloc_hint is judged by it (T24, T38). */
	if ((h->pfc_flags & RPCRT_PFC_FIRST_FRAG) && !c->reasm.active) {
		rpcrt_pdu_request rq;
		if (rpcrt_pdu_decode_request(h, p, &rq) == RPCRT_PDU_OK)
			c->reasm.max_total = max_rpc_size_of(c, rq.p_cont_id);
	}
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	rpcrt_pdu_status st = rpcrt_pdu_reasm_feed(&c->reasm, h, p, &call, &v);
	if (st != RPCRT_PDU_OK && st != RPCRT_PDU_NEED_MORE) {
		/* The reassembly has dropped its buffer. */
		budget_give(c->reasm_held);
		c->reasm_held = 0;
		respond(c, &v);
		return;
	}
	/* T67: the buffer that holds the request is counted as it grows, right after each
	 * append, so the count passes max_req_bytes by at most one growth of one buffer, and
	 * only until the call is refused here. The refusal is Samba's for a request it cannot
	 * hold (dcesrv_request: a fault with DID_NOT_EXECUTE), with the status our other
	 * server-wide caps use, and the connection ends as after any refused fragment: the rest
	 * of the call would arrive with no call to belong to. */
	size_t cap = st == RPCRT_PDU_OK ? call.stub.cap : c->reasm.call.stub.cap;
	if (cap > c->reasm_held) {
		if (!budget_take(cap - c->reasm_held, c->lim.max_req_bytes)) {
			rpcrt_pdu_verdict busy = { .fault_status = RPCRT_NCA_S_SERVER_TOO_BUSY,
						   .nak_reason = -1,
						   .did_not_execute = true,
						   .close = true };
			if (st == RPCRT_PDU_OK) {
				busy.call_id = call.call_id;
				busy.p_cont_id = call.p_cont_id;
				rpcrt_buf_free(&call.stub);
			} else {
				busy.call_id = c->reasm.call.call_id;
				busy.p_cont_id = c->reasm.call.p_cont_id;
			}
			conn_reasm_reset(c);
			respond(c, &busy);
			return;
		}
		c->reasm_held = cap;
	}
	if (st == RPCRT_PDU_NEED_MORE)
		return;
	size_t held = c->reasm_held;
	c->reasm_held = 0;
	dispatch(c, &call, held);
}

/* A co_cancel or orphaned PDU. A cancel is a request, not an order (C706): the call is marked
 * cancelled, which its manager can see with RpcServerTestCancel() or a CallCancel
 * subscription, and it ends as its manager decides. Before the call is complete, co_cancel
 * marks the call being reassembled, which starts cancelled. orphaned means the client has
 * abandoned the call: one still being reassembled is dropped and never runs; one already
 * dispatched (synchronous or [async]) is treated as cancelled, since nothing else can tell its
 * manager, and its reply, if any, is sent and ignored by the client (we negotiated
 * KEEP_CONNECTION_ON_ORPHAN, so the connection stays). A call_id that names no call is
 * ignored. Loop thread. */
static void
cancel_call(struct conn *c, const rpcrt_pdu_hdr *h)
{
	if (c->reasm.active && c->reasm.call.call_id == h->call_id) {
		if (h->ptype == RPCRT_PTYPE_ORPHANED)
			conn_reasm_reset(c);
		else
			c->reasm.call.cancel_pending = true;
		return;
	}
	pthread_mutex_lock(&c->lock);
	for (struct scall *sc = c->live; sc; sc = sc->cnext) {
		if (sc->req.call_id == h->call_id) {
			mark_cancelled(sc);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

/* One whole fragment whose header parsed. Loop thread. */
static void
handle_pdu(struct conn *c, const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	switch (h->ptype) {
	case RPCRT_PTYPE_REQUEST:
		/* Above the max_recv_frag our bind_ack advertised: protocol error and close (T19,
		 * T37), as for anything above the fixed maximum. */
		if (c->bound && h->frag_length > c->frag)
			refuse(c, RPCRT_PDU_E_FRAG_LONG, h);
		else
			handle_request(c, h, p);
		break;
	case RPCRT_PTYPE_BIND:
		/* One bind per connection (T32; Samba dcesrv_bind). */
		if (c->bound)
			refuse(c, RPCRT_PDU_E_WRONG_TYPE, h);
		else
			handle_bind(c, h, p);
		break;
	case RPCRT_PTYPE_ALTER_CONTEXT:
		if (!c->bound)
			refuse(c, RPCRT_PDU_E_WRONG_TYPE, h);
		else
			handle_alter(c, h, p);
		break;
	case RPCRT_PTYPE_CO_CANCEL:
	case RPCRT_PTYPE_ORPHANED:
		cancel_call(c, h);
		break;
	default:
		/* auth3 without a security context, and the PDUs only a server sends
		 * (response, fault, bind_ack, bind_nak, alter_context_resp, shutdown): protocol
		 * error and close (T29; Samba dcesrv_process_ncacn_packet). */
		refuse(c, RPCRT_PDU_E_WRONG_TYPE, h);
		break;
	}
}

/* ==== Connections: deadlines ================================================================= */

/* One timer per connection watches both deadlines of T56: the idle one (no call in progress,
 * nothing owed, no traffic for idle_ms) and the receive one (a fragment begun, or a request
 * being reassembled, must go on within recv_ms). Traffic only records the time (rx_ms, tx_ms,
 * owe_ms); the timer is not moved on each read. When it fires it works out the deadline that
 * applies then, and either closes the connection (without a fault: there is no call to
 * answer) or sets itself again for that deadline. A timer is made anew only when a deadline
 * must come sooner than the pending one: when the peer starts to owe bytes, at most about
 * once per recv_ms. Calls in progress, [async] ones waiting for RpcAsyncCompleteCall
 * included, keep a connection from being idle: their replies are still to go out. */

static void on_conn_timer(rpcrt_timer *t, void *ctx);

/* Makes sure the connection's timer fires at due (now_ms() time) or sooner; false when out of
 * memory (the connection is then to be closed: nothing would end it). Loop thread. */
static bool
conn_timer_arm(struct conn *c, uint64_t due)
{
	if (c->timer && c->timer_due <= due)
		return true;
	rpcrt_loop_timer_cancel(c->timer);
	c->timer = NULL;
	uint64_t now = now_ms();
	uint64_t ms = due > now ? due - now : 0;
	if (ms > UINT32_MAX)
		ms = UINT32_MAX;
	if (rpcrt_loop_timer(c->ep->loop, (uint32_t)ms, on_conn_timer, c, &c->timer) != RPC_S_OK) {
		c->timer = NULL;
		return false;
	}
	c->timer_due = now + ms;
	return true;
}

static void
on_conn_timer(rpcrt_timer *t, void *ctx)
{
	struct conn *c = ctx;
	uint64_t now = now_ms();

	/* Released from inside its callback: the loop frees it when this returns. */
	rpcrt_loop_timer_cancel(t);
	c->timer = NULL;
	pthread_mutex_lock(&c->lock);
	bool over = c->closed || c->draining;
	unsigned calls = c->calls;
	bool paused = c->read_paused;
	uint64_t tx = c->tx_ms;
	pthread_mutex_unlock(&c->lock);
	if (over)
		return; /* a draining connection ends by its linger timer */

	uint64_t due = UINT64_MAX;
	if (c->owe_ms && c->lim.recv_ms) {
		/* While we do not read (the peer does not read its replies), the peer cannot be
		 * late with its bytes: the receive clock starts again. */
		if (paused)
			c->owe_ms = now;
		due = c->owe_ms + c->lim.recv_ms;
	}
	if (c->lim.idle_ms) {
		/* With calls in progress there is no idle deadline yet: look again later. */
		uint64_t last = c->rx_ms > tx ? c->rx_ms : tx;
		uint64_t idle = (calls > 0 ? now : last) + c->lim.idle_ms;
		if (idle < due)
			due = idle;
	}
	if (due == UINT64_MAX)
		return; /* nothing to watch until the peer owes bytes (conn_read sets it then) */
	if (due <= now || !conn_timer_arm(c, due))
		conn_close(c);
}

/* Makes room in the input buffer for a fragment of h->frag_length bytes (only the bind family
 * may need more than IN_BUF_INITIAL), counting what it adds against max_req_bytes (T67). When
 * that does not fit, the PDU is refused as the other server-wide caps refuse theirs: a bind
 * with bind_nak temporary_congestion, anything else with a fault nca_s_server_too_busy; then
 * the connection ends, since the rest of the fragment cannot be read. Loop thread. */
static void
grow_input(struct conn *c, const rpcrt_pdu_hdr *h)
{
	size_t extra = (size_t)h->frag_length - IN_BUF_INITIAL; /* in_cap >= IN_BUF_INITIAL */
	size_t add = extra > c->in_held ? extra - c->in_held : 0;
	if (add && !budget_take(add, c->lim.max_req_bytes)) {
		if (h->ptype == RPCRT_PTYPE_BIND) {
			refuse_nak(c, h->call_id, RPCRT_NAK_TEMPORARY_CONGESTION);
		} else {
			rpcrt_pdu_verdict v = { .fault_status = RPCRT_NCA_S_SERVER_TOO_BUSY,
						.nak_reason = -1,
						.call_id = h->call_id,
						.did_not_execute = true,
						.close = true };
			respond(c, &v);
		}
		return;
	}
	uint8_t *d = realloc(c->in, h->frag_length);
	if (!d) {
		budget_give(add);
		refuse(c, RPCRT_PDU_E_NO_MEMORY, h);
		return;
	}
	c->in_held += add;
	c->in = d;
	c->in_cap = h->frag_length;
}

/* Parses and handles every whole fragment in the input buffer; returns whether there was
 * one. Loop thread. */
static bool
process_input(struct conn *c)
{
	size_t off = 0;

	while (!c->draining && !c->want_close) {
		rpcrt_pdu_hdr h;
		size_t n = c->in_len - off;
		rpcrt_pdu_status st = rpcrt_pdu_parse_hdr(c->in + off, n, &h);
		if (st == RPCRT_PDU_NEED_MORE) {
			if (n >= RPCRT_PDU_HDR_LEN && h.frag_length > c->in_cap)
				grow_input(c, &h);
			break;
		}
		if (st != RPCRT_PDU_OK) {
			/* A header that parsed far enough gives the call and type to answer;
			 * with an unreadable integer order nothing does. */
			refuse(c, st, st == RPCRT_PDU_E_DREP_INT ? NULL : &h);
			break;
		}
		handle_pdu(c, &h, c->in + off);
		off += h.frag_length;
	}
	if (c->in && off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	/* A buffer grown for a big fragment goes back to its first size once it is empty, and
	 * gives its bytes back (a failed shrink just keeps them). */
	if (c->in && c->in_len == 0 && c->in_cap > IN_BUF_INITIAL) {
		uint8_t *d = realloc(c->in, IN_BUF_INITIAL);
		if (d) {
			c->in = d;
			c->in_cap = IN_BUF_INITIAL;
			budget_give(c->in_held);
			c->in_held = 0;
		}
	}
	return off > 0;
}

static void
conn_read(struct conn *c)
{
	size_t n = 0;
	RPC_STATUS st;

	if (c->draining) {
		uint8_t junk[4096];
		st = rpcrt_sock_read(c->fd, junk, sizeof(junk), &n);
		if (st != RPC_S_OK && st != RPC_S_ASYNC_CALL_PENDING)
			c->want_close = true;
		return;
	}
	/* A request of many fragments is read in one go, a bounded number of reads per turn of
	 * the loop (so other connections get theirs): each read that fills the buffer means more
	 * is likely there, which saves a return to epoll_wait per fragment. */
	bool consumed = false;
	for (unsigned round = 0; round < 32; round++) {
		if (c->in_len == c->in_cap) {
			/* Whole fragments are consumed as they arrive, so a full buffer only
			 * happens when process_input could not grow it; that was answered. */
			c->want_close = true;
			return;
		}
		size_t space = c->in_cap - c->in_len;
		st = rpcrt_sock_read(c->fd, c->in + c->in_len, space, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING) {
			if (round == 0)
				return;
			break;
		}
		if (st != RPC_S_OK) {
			/* The peer closed or the connection broke: a call being reassembled is
			 * dropped (T66); calls running finish and their replies are dropped. */
			c->want_close = true;
			return;
		}
		c->in_len += n;
		c->rx_ms = now_ms();
		consumed |= process_input(c);
		if (c->draining || c->want_close)
			return;
		pthread_mutex_lock(&c->lock);
		bool paused = c->read_paused;
		pthread_mutex_unlock(&c->lock);
		if (n < space || paused)
			break;
	}
	/* The receive deadline (T56): it starts with the first byte of a fragment, or with the
	 * end of the previous fragment while a request is being reassembled, and bytes that
	 * complete no fragment do not move it. */
	if (c->in_len == 0 && !c->reasm.active) {
		c->owe_ms = 0;
	} else if (c->owe_ms == 0 || consumed) {
		c->owe_ms = c->rx_ms;
		if (c->lim.recv_ms && !conn_timer_arm(c, c->owe_ms + c->lim.recv_ms))
			c->want_close = true;
	}
}

static void
on_conn(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct conn *c = ctx;
	(void)w;
	(void)fd;

	pthread_mutex_lock(&c->lock);
	if (c->broken || c->overflow) {
		pthread_mutex_unlock(&c->lock);
		conn_close(c);
		return;
	}
	if (revents & RPCRT_EV_WRITE)
		flush_locked(c);
	bool dead = c->broken;
	if (!dead) {
		drain_flushed_locked(c);
		update_interest_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (!dead && (revents & (RPCRT_EV_READ | RPCRT_EV_HUP | RPCRT_EV_ERROR)))
		conn_read(c);
	if (dead || c->want_close)
		conn_close(c);
}

/* ==== Endpoints and accepting ================================================================ */

static void on_accept(rpcrt_watch *w, int fd, uint32_t revents, void *ctx);

static void
on_accept_retry(rpcrt_timer *t, void *ctx)
{
	struct endpoint *ep = ctx;
	for (size_t i = 0; i < ep->nfds; i++) {
		if (ep->retry[i] == t) {
			rpcrt_loop_timer_cancel(t);
			ep->retry[i] = NULL;
			rpcrt_loop_mod(ep->watches[i], RPCRT_EV_READ);
		}
	}
}

static void
conn_new(struct endpoint *ep, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		close(fd);
		return;
	}
	atomic_init(&c->refs, 1u);
	c->pend_tail = &c->pend;
	c->ep = ep;
	c->fd = fd;
	c->frag = RPCRT_PDU_MIN_FRAG;
	rpcrt_pdu_reasm_init(&c->reasm, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	c->in = malloc(IN_BUF_INITIAL);
	c->in_cap = IN_BUF_INITIAL;
	c->interest = RPCRT_EV_READ;
	c->rx_ms = c->tx_ms = now_ms();
	srv_enter();
	c->lim = srv.lim;
	srv_leave();
	bool ok = c->in &&
		  rpcrt_loop_add(ep->loop, fd, RPCRT_EV_READ, on_conn, c, &c->watch) == RPC_S_OK;
	/* The idle deadline runs from the start: a peer that never sends is closed too. */
	if (ok && c->lim.idle_ms && !conn_timer_arm(c, c->rx_ms + c->lim.idle_ms)) {
		rpcrt_loop_del(c->watch);
		ok = false;
	}
	if (!ok) {
		close(fd);
		free(c->in);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return;
	}
	srv_enter();
	c->next = srv.conns;
	if (srv.conns)
		srv.conns->prev = c;
	srv.conns = c;
	srv.nconns++;
	srv_leave();
}

static void
on_accept(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct endpoint *ep = ctx;
	(void)revents;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int cfd;
		RPC_STATUS st = rpcrt_sock_accept(fd, &cfd);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			return;
		if (st != RPC_S_OK) {
			/* Out of descriptors: the listening socket stays readable, so rest it a
			 * little instead of spinning; the connection waits in the backlog. */
			for (size_t k = 0; k < ep->nfds; k++)
				if (ep->watches[k] == w && !ep->retry[k] &&
				    rpcrt_loop_timer(ep->loop, ACCEPT_RETRY_MS, on_accept_retry, ep,
						     &ep->retry[k]) == RPC_S_OK)
					rpcrt_loop_mod(w, 0);
			return;
		}
		/* While nobody listens, and beyond the connection cap, a connection is
		 * closed at once: the client sees the server go away instead of waiting on a
		 * bind that is never answered (T41, T42). */
		srv_enter();
		bool take =
			(srv.listening || srv.n_autolisten > 0) && srv.nconns < srv.lim.max_conns;
		srv_leave();
		if (!take) {
			close(cfd);
			continue;
		}
		conn_new(ep, cfd);
	}
}

static void
endpoint_free(struct endpoint *ep)
{
	for (size_t i = 0; i < ep->nfds; i++) {
		rpcrt_loop_timer_cancel(ep->retry[i]);
		rpcrt_loop_del(ep->watches[i]);
		close(ep->fds[i]);
	}
	if (ep->protseq == RPCRT_PROTSEQ_NCALRPC && ep->nfds)
		rpcrt_unix_unlink(ep->name);
	free(ep);
}

/* Starts the loop if it does not run yet. Called with srv.lock. */
static RPC_STATUS
ensure_loop_locked(void)
{
	if (srv.loop)
		return RPC_S_OK;
	rpcrt_loop *loop;
	RPC_STATUS st = rpcrt_loop_new(&loop);
	if (st != RPC_S_OK)
		return st;
	st = rpcrt_loop_start(loop);
	if (st != RPC_S_OK) {
		rpcrt_loop_free(loop);
		return st;
	}
	srv.loop = loop;
	return RPC_S_OK;
}

/* A descriptor on its way to the loop thread (rpcrt_server_adopt_fd). Owner: the posted
 * function, which frees it. */
struct adoption {
	struct endpoint *ep;
	int fd;
};

static void
on_adopt(void *ctx)
{
	struct adoption *a = ctx;
	conn_new(a->ep, a->fd);
	free(a);
}

RPC_STATUS
rpcrt_server_adopt_fd(int fd)
{
	if (fd < 0)
		return RPC_S_INVALID_ARG;
	struct adoption *a = calloc(1, sizeof(*a));
	if (!a)
		return RPC_S_OUT_OF_MEMORY;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		free(a);
		return RPC_S_INVALID_ARG;
	}
	srv_enter();
	RPC_STATUS st = srv.resetting ? RPC_S_OUT_OF_RESOURCES : ensure_loop_locked();
	if (st == RPC_S_OK && !srv.adopted) {
		struct endpoint *ep = calloc(1, sizeof(*ep));
		if (ep) {
			ep->protseq = RPCRT_PROTSEQ_NCALRPC;
			snprintf(ep->name, sizeof(ep->name), "adopted");
			ep->loop = srv.loop;
			srv.adopted = ep;
		} else {
			st = RPC_S_OUT_OF_MEMORY;
		}
	}
	if (st == RPC_S_OK) {
		a->ep = srv.adopted;
		a->fd = fd;
		/* Connections are made on the loop thread, as accepted ones are. */
		st = rpcrt_loop_post(srv.loop, on_adopt, a);
		if (st != RPC_S_OK)
			st = RPC_S_OUT_OF_RESOURCES;
	}
	srv_leave();
	if (st != RPC_S_OK)
		free(a);
	return st;
}

/* Whether endpoint name of protseq is one of ours already. TCP ports compare as numbers. */
static bool
endpoint_taken_locked(rpcrt_protseq protseq, const char *name)
{
	for (struct endpoint *ep = srv.eps; ep; ep = ep->next) {
		if (ep->protseq != protseq)
			continue;
		if (protseq == RPCRT_PROTSEQ_NCACN_IP_TCP
			    ? strtoul(ep->name, NULL, 10) == strtoul(name, NULL, 10)
			    : strcmp(ep->name, name) == 0)
			return true;
	}
	return false;
}

/* Opens the listening sockets of an endpoint; "" asks for a dynamic one. Called with
 * srv.lock. */
static RPC_STATUS
open_endpoint_locked(rpcrt_protseq protseq, const char *endpoint, struct endpoint *ep)
{
	if (protseq == RPCRT_PROTSEQ_NCACN_IP_TCP) {
		uint16_t port;
		RPC_STATUS st = rpcrt_tcp_listen(NULL, endpoint[0] ? endpoint : NULL, ep->fds,
						 EP_MAX_FDS, &ep->nfds, &port);
		if (st != RPC_S_OK)
			return st;
		snprintf(ep->name, sizeof(ep->name), "%u", (unsigned)port);
		for (size_t i = 0; i < ep->nfds; i++) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof(ss);
			if (getsockname(ep->fds[i], (struct sockaddr *)&ss, &len) == 0 &&
			    ss.ss_family == AF_INET)
				ep->has_v4 = true;
		}
		return RPC_S_OK;
	}
	if (endpoint[0]) {
		snprintf(ep->name, sizeof(ep->name), "%s", endpoint);
		RPC_STATUS st = rpcrt_unix_listen(ep->name, &ep->fds[0]);
		if (st == RPC_S_OK)
			ep->nfds = 1;
		return st;
	}
	/* A dynamic ncalrpc endpoint: a name nobody else can have, shaped like the
	 * "LRPC-..." names Windows makes. */
	RPC_STATUS st = RPC_S_DUPLICATE_ENDPOINT;
	for (int tries = 0; tries < 4 && st == RPC_S_DUPLICATE_ENDPOINT; tries++) {
		UUID u;
		char s[RPCRT_UUID_STRLEN + 1];
		if ((st = UuidCreate(&u)) != RPC_S_OK)
			return st;
		rpcrt_uuid_format(&u, s);
		snprintf(ep->name, sizeof(ep->name), "LRPC-%s", s);
		st = rpcrt_unix_listen(ep->name, &ep->fds[0]);
	}
	if (st == RPC_S_OK)
		ep->nfds = 1;
	return st;
}

/* An ncalrpc endpoint is a file, which would outlive the process; on Windows the endpoint
 * ends with it. So the socket files go when the process exits (glibc runs a library's atexit
 * handlers at dlclose too). */
static void
unlink_at_exit(void)
{
	srv_enter();
	for (struct endpoint *ep = srv.eps; ep; ep = ep->next)
		if (ep->protseq == RPCRT_PROTSEQ_NCALRPC && ep->nfds)
			rpcrt_unix_unlink(ep->name);
	srv_leave();
}

static void
register_unlink_at_exit(void)
{
	atexit(unlink_at_exit);
}

/* RpcServerUseProtseqEp / RpcServerUseProtseq. Statuses from Microsoft Learn
 * (RpcServerUseProtseqEp): RPC_S_PROTSEQ_NOT_SUPPORTED, RPC_S_INVALID_RPC_PROTSEQ,
 * RPC_S_INVALID_ENDPOINT_FORMAT, RPC_S_OUT_OF_MEMORY, RPC_S_DUPLICATE_ENDPOINT (also for an
 * endpoint this server already uses, as Windows and Wine answer), and the transport's
 * (transport.h). MaxCalls is the TCP backlog on Windows, "only a hint" that the runtime "may
 * override"; the kernel's SOMAXCONN is used. */
static RPC_STATUS
use_protseq(const char *protseq_name, const char *endpoint)
{
	rpcrt_protseq protseq;
	RPC_STATUS st = rpcrt_protseq_from_name(protseq_name, &protseq);
	if (st != RPC_S_OK)
		return st;
	if ((st = rpcrt_endpoint_check(protseq, endpoint)) != RPC_S_OK)
		return st;
	struct endpoint *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return RPC_S_OUT_OF_MEMORY;
	ep->protseq = protseq;

	srv_enter();
	if (endpoint[0] && endpoint_taken_locked(protseq, endpoint))
		st = RPC_S_DUPLICATE_ENDPOINT;
	if (st == RPC_S_OK)
		st = ensure_loop_locked();
	if (st == RPC_S_OK)
		st = open_endpoint_locked(protseq, endpoint, ep);
	if (st == RPC_S_OK) {
		/* Paused until every socket has its watch, so that a failure leaves no callback
		 * that could have seen ep. */
		ep->loop = srv.loop;
		for (size_t i = 0; i < ep->nfds && st == RPC_S_OK; i++)
			st = rpcrt_loop_add(srv.loop, ep->fds[i], 0, on_accept, ep,
					    &ep->watches[i]);
	}
	if (st == RPC_S_OK) {
		for (size_t i = 0; i < ep->nfds; i++)
			rpcrt_loop_mod(ep->watches[i], RPCRT_EV_READ);
		ep->next = srv.eps;
		srv.eps = ep;
		srv_leave();
		if (protseq == RPCRT_PROTSEQ_NCALRPC) {
			static pthread_once_t once = PTHREAD_ONCE_INIT;
			pthread_once(&once, register_unlink_at_exit);
		}
		return RPC_S_OK;
	}
	srv_leave();
	endpoint_free(ep);
	return st;
}

RPC_STATUS RPC_ENTRY
RpcServerUseProtseqEpA(RPC_CSTR Protseq, UINT MaxCalls, RPC_CSTR Endpoint, void *SecurityDescriptor)
{
	(void)MaxCalls;
	(void)SecurityDescriptor; /* the socket files are 0600 in a private directory */
	if (!Protseq)
		return RPC_S_INVALID_RPC_PROTSEQ;
	if (!Endpoint)
		return RPC_S_INVALID_ENDPOINT_FORMAT;
	return use_protseq((const char *)Protseq, (const char *)Endpoint);
}

RPC_STATUS RPC_ENTRY
RpcServerUseProtseqA(RPC_CSTR Protseq, UINT MaxCalls, void *SecurityDescriptor)
{
	(void)MaxCalls;
	(void)SecurityDescriptor;
	if (!Protseq)
		return RPC_S_INVALID_RPC_PROTSEQ;
	return use_protseq((const char *)Protseq, "");
}

/* One binding per endpoint. TCP endpoints listen on every address; the binding names the
 * loopback address of a family that has a socket, which this host can always reach (another
 * host needs this host's name, which the application knows better than we do). ncalrpc
 * bindings have no network address (Microsoft Learn, RpcServerInqBindings: RPC_S_NO_BINDINGS
 * and a NULL vector when no protocol sequence is registered). */
RPC_STATUS RPC_ENTRY
RpcServerInqBindings(RPC_BINDING_VECTOR **BindingVector)
{
	if (!BindingVector)
		return RPC_S_INVALID_ARG;
	srv_enter();
	ULONG n = 0;
	for (struct endpoint *ep = srv.eps; ep; ep = ep->next)
		n++;
	if (n == 0) {
		srv_leave();
		*BindingVector = NULL;
		return RPC_S_NO_BINDINGS;
	}
	RPC_BINDING_VECTOR *v = NULL;
	RPC_STATUS st = rpcrt_binding_vector_alloc(n, &v);
	ULONG i = 0;
	for (struct endpoint *ep = srv.eps; ep && st == RPC_S_OK; ep = ep->next, i++) {
		const char *addr = "";
		if (ep->protseq == RPCRT_PROTSEQ_NCACN_IP_TCP)
			addr = ep->has_v4 ? "127.0.0.1" : "::1";
		rpcrt_binding *b;
		st = rpcrt_binding_new(ep->protseq, NULL, addr, ep->name, NULL, &b);
		if (st == RPC_S_OK)
			v->BindingH[i] = b;
	}
	srv_leave();
	if (st != RPC_S_OK) {
		if (v)
			RpcBindingVectorFree(&v);
		return st;
	}
	*BindingVector = v;
	return RPC_S_OK;
}

/* ==== Registration =========================================================================== */

/* RpcServerRegisterIf2 and the two below it. Statuses:
 * - the tables' own check (rpcrt_ndr_check_interface): RPC_S_UNKNOWN_IF for what is not an
 *   interface table, RPC_X_WRONG_STUB_VERSION for another stub ABI (DESIGN.md section 3);
 * - a non-nil MgrTypeUuid: RPC_S_CANNOT_SUPPORT, as there is no RpcObjectSetType to map
 *   objects to types yet, so such a manager could never be reached;
 * - no EPV (MgrEpv NULL and no default vector in the tables, as MIDL's /no_default_epv makes):
 *   Microsoft documents no status; the DCE reference runtime answers rpc_s_no_mepv "no manager
 *   EPV available" (rpc__server_register_if_int), which Windows does not have, so the closest
 *   of its codes, RPC_S_UNKNOWN_MGR_TYPE;
 * - the same interface version registered twice with the nil type: RPC_S_TYPE_ALREADY_REGISTERED,
 *   the DCE reference runtime's answer (Microsoft Learn lists the code, "The type UUID has
 *   already been registered", without saying when);
 * - what rpcrt_ffi_prepare refuses (a manager signature libffi cannot call).
 * [async] procedures (RIDL_PROC_ASYNC in the tables) are served: their managers are called as
 * void Proc(PRPC_ASYNC_STATE, params...), the prototype the generated header declares.
 * MaxRpcSize bounds every request of the interface on every transport (security-tests decision
 * 1.7-4; Windows exempts ncalrpc); (UINT)-1 removes the limit, as Microsoft Learn says.
 * RpcServerRegisterIf and RpcServerRegisterIfEx apply 4 MiB, the limit of [MS-RPCE] 3.3.3.5.4
 * that Samba applies too (T24).
 * MaxCalls only matters to auto-listen interfaces on Windows ("best effort"); here all calls
 * share the pool that RpcServerListen's MaxCalls bounds. */
RPC_STATUS RPC_ENTRY
RpcServerRegisterIf2(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv, UINT Flags,
		     UINT MaxCalls, UINT MaxRpcSize, RPC_IF_CALLBACK_FN *IfCallbackFn)
{
	const ridl_interface *itf = IfSpec;
	(void)MaxCalls;

	RPC_STATUS st = rpcrt_ndr_check_interface(itf);
	if (st != RPC_S_OK)
		return st;
	if (MgrTypeUuid && !uuid_is_nil(MgrTypeUuid))
		return RPC_S_CANNOT_SUPPORT;
	void (*const *epv)(void) = MgrEpv ? (void (*const *)(void))MgrEpv : itf->manager_epv;
	if (!epv)
		return RPC_S_UNKNOWN_MGR_TYPE;
	struct reg *r = calloc(1, sizeof(*r));
	if (!r)
		return RPC_S_OUT_OF_MEMORY;
	r->itf = itf;
	r->epv = epv;
	r->flags = Flags;
	r->max_rpc_size = MaxRpcSize;
	r->callback = IfCallbackFn;
	r->ffi = calloc(itf->nprocs ? itf->nprocs : 1, sizeof(*r->ffi));
	if (!r->ffi) {
		free(r);
		return RPC_S_OUT_OF_MEMORY;
	}
	for (uint32_t i = 0; i < itf->nprocs && st == RPC_S_OK; i++)
		st = rpcrt_ffi_prepare(itf->procs[i], &r->ffi[i]);
	if (st != RPC_S_OK) {
		reg_free(r);
		return st;
	}

	srv_enter();
	for (struct reg *o = srv.regs; o; o = o->next) {
		if (uuid_eq(&o->itf->uuid, &itf->uuid) && o->itf->ver_major == itf->ver_major &&
		    o->itf->ver_minor == itf->ver_minor) {
			srv_leave();
			reg_free(r);
			return RPC_S_TYPE_ALREADY_REGISTERED;
		}
	}
	r->next = srv.regs;
	srv.regs = r;
	if (Flags & RPC_IF_AUTOLISTEN)
		srv.n_autolisten++;
	srv_leave();
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcServerRegisterIfEx(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv, UINT Flags,
		      UINT MaxCalls, RPC_IF_CALLBACK_FN *IfCallback)
{
	return RpcServerRegisterIf2(IfSpec, MgrTypeUuid, MgrEpv, Flags, MaxCalls,
				    RPCRT_PDU_DEFAULT_MAX_RPC_SIZE, IfCallback);
}

RPC_STATUS RPC_ENTRY
RpcServerRegisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, RPC_MGR_EPV *MgrEpv)
{
	return RpcServerRegisterIf2(IfSpec, MgrTypeUuid, MgrEpv, 0, RPC_C_LISTEN_MAX_CALLS_DEFAULT,
				    RPCRT_PDU_DEFAULT_MAX_RPC_SIZE, NULL);
}

/* Microsoft Learn (RpcServerUnregisterIf): IfSpec NULL means every interface; MgrTypeUuid
 * NULL every type, nil the default EPV; RPC_S_UNKNOWN_IF for an interface not registered,
 * RPC_S_UNKNOWN_MGR_TYPE for a type not registered (every non-nil type here), which is also
 * the DCE reference runtime's answer when IfSpec is NULL and nothing matches. New calls are
 * refused at once; with WaitForCallsToComplete the function returns after the calls in
 * progress have ended, [async] calls waiting for RpcAsyncCompleteCall included (so it must not
 * be called from one of them, nor by the thread that is to complete one). */
RPC_STATUS RPC_ENTRY
RpcServerUnregisterIf(RPC_IF_HANDLE IfSpec, UUID *MgrTypeUuid, UINT WaitForCallsToComplete)
{
	const ridl_interface *itf = IfSpec;

	if (itf && rpcrt_ndr_check_interface(itf) != RPC_S_OK)
		return RPC_S_UNKNOWN_IF;
	if (MgrTypeUuid && !uuid_is_nil(MgrTypeUuid))
		return RPC_S_UNKNOWN_MGR_TYPE;
	struct reg *gone = NULL, *waited = NULL;
	bool found = false;

	srv_enter();
	for (struct reg **pp = &srv.regs; *pp;) {
		struct reg *r = *pp;
		if (itf &&
		    !(uuid_eq(&r->itf->uuid, &itf->uuid) && r->itf->ver_major == itf->ver_major &&
		      r->itf->ver_minor == itf->ver_minor)) {
			pp = &r->next;
			continue;
		}
		found = true;
		*pp = r->next;
		r->removed = true;
		if (r->flags & RPC_IF_AUTOLISTEN)
			srv.n_autolisten--;
		if (r->calls == 0) {
			r->next = gone;
			gone = r;
		} else if (WaitForCallsToComplete) {
			r->waiters++;
			r->next = waited;
			waited = r;
		}
		/* Otherwise the last call frees it (reg_release). */
	}
	for (struct reg *r = waited; r; r = r->next)
		while (r->calls)
			pthread_cond_wait(&srv.state, &srv.lock);
	srv_leave();
	for (struct reg *r = gone, *n; r; r = n) {
		n = r->next;
		reg_free(r);
	}
	for (struct reg *r = waited, *n; r; r = n) {
		n = r->next;
		reg_free(r);
	}
	if (!found)
		return itf ? RPC_S_UNKNOWN_IF : RPC_S_UNKNOWN_MGR_TYPE;
	return RPC_S_OK;
}

/* ==== Listening ============================================================================== */

/* Waits until listening has stopped and every call has ended. Called with srv.lock. */
static void
wait_listen_locked(void)
{
	srv.waiting = true;
	while (srv.listening || srv.active > 0)
		pthread_cond_wait(&srv.state, &srv.lock);
	srv.waiting = false;
	srv.wait_pending = false;
	pthread_cond_broadcast(&srv.state); /* rpcrt_server_reset() waits for this */
}

/* Microsoft Learn (RpcServerListen): RPC_S_ALREADY_LISTENING, RPC_S_NO_PROTSEQS_REGISTERED,
 * RPC_S_MAX_CALLS_TOO_SMALL ("The MaxCalls value should not be zero and should be greater
 * than MinimumCallThreads"; equal is accepted, as servers commonly pass 1 and 1); "Values
 * greater than 0x7FFFFFFF are set to 0x7FFFFFFF without notice". MinimumCallThreads workers
 * start now and are kept; more start as calls need them, never more than MaxCalls, so at most
 * MaxCalls managers run at once and further calls wait in the queue (T39). With DontWait 0 it
 * returns after RpcMgmtStopServerListening and the completion of the calls in progress. */
RPC_STATUS RPC_ENTRY
RpcServerListen(UINT MinimumCallThreads, UINT MaxCalls, UINT DontWait)
{
	if (MaxCalls > 0x7FFFFFFFu)
		MaxCalls = 0x7FFFFFFFu;
	srv_enter();
	if (srv.listening) {
		srv_leave();
		return RPC_S_ALREADY_LISTENING;
	}
	if (!srv.eps) {
		srv_leave();
		return RPC_S_NO_PROTSEQS_REGISTERED;
	}
	if (MaxCalls == 0 || MaxCalls < MinimumCallThreads) {
		srv_leave();
		return RPC_S_MAX_CALLS_TOO_SMALL;
	}
	srv.max_calls = MaxCalls;
	srv.min_threads = MinimumCallThreads;
	while (srv.nworkers < srv.min_threads)
		if (!spawn_worker_locked())
			break;
	if (srv.min_threads && srv.nworkers == 0) {
		srv_leave();
		return RPC_S_OUT_OF_RESOURCES;
	}
	srv.listening = true;
	if (DontWait) {
		srv.wait_pending = true;
		srv_leave();
		return RPC_S_OK;
	}
	wait_listen_locked();
	srv_leave();
	return RPC_S_OK;
}

/* Remote management (a non-NULL binding) is not implemented: RPC_S_INVALID_BINDING for what
 * is not a binding, RPC_S_CANNOT_SUPPORT for one. */
static RPC_STATUS
local_only(RPC_BINDING_HANDLE Binding)
{
	rpcrt_binding *b;
	if (rpcrt_binding_from_handle(Binding, &b) != RPC_S_OK)
		return RPC_S_INVALID_BINDING;
	return RPC_S_CANNOT_SUPPORT;
}

/* Microsoft Learn (RpcMgmtStopServerListening): new calls are refused for every interface
 * (those that arrive get nca_s_server_too_busy; new connections are closed), calls in progress
 * complete, then RpcServerListen returns. "The server must be listening for this function to
 * succeed": RPC_S_NOT_LISTENING otherwise. May be called from a manager routine. */
RPC_STATUS RPC_ENTRY
RpcMgmtStopServerListening(RPC_BINDING_HANDLE Binding)
{
	if (Binding)
		return local_only(Binding);
	srv_enter();
	if (!srv.listening) {
		srv_leave();
		return RPC_S_NOT_LISTENING;
	}
	srv.listening = false;
	pthread_cond_broadcast(&srv.state);
	srv_leave();
	return RPC_S_OK;
}

/* Microsoft Learn (RpcMgmtWaitServerListen): RPC_S_ALREADY_LISTENING when another thread
 * waits already, RPC_S_NOT_LISTENING without an RpcServerListen(DontWait != 0) to wait for. */
RPC_STATUS RPC_ENTRY
RpcMgmtWaitServerListen(void)
{
	srv_enter();
	if (srv.waiting) {
		srv_leave();
		return RPC_S_ALREADY_LISTENING;
	}
	if (!srv.wait_pending) {
		srv_leave();
		return RPC_S_NOT_LISTENING;
	}
	wait_listen_locked();
	srv_leave();
	return RPC_S_OK;
}

/* Microsoft Learn (RpcMgmtIsServerListening): RPC_S_OK after RpcServerListen, else
 * RPC_S_NOT_LISTENING, which it also answers for auto-listen interfaces. */
RPC_STATUS RPC_ENTRY
RpcMgmtIsServerListening(RPC_BINDING_HANDLE Binding)
{
	if (Binding)
		return local_only(Binding);
	srv_enter();
	bool on = srv.listening;
	srv_leave();
	return on ? RPC_S_OK : RPC_S_NOT_LISTENING;
}

/* ==== Limits and reset ======================================================================= */

RPC_STATUS
rpcrt_server_set_limits(const rpcrt_server_limits *lim)
{
	if (lim && (!lim->max_conns || !lim->max_conn_calls || !lim->max_queued || !lim->out_max ||
		    !lim->max_req_bytes))
		return RPC_S_INVALID_ARG;
	srv_enter();
	srv.lim = lim ? *lim : rpcrt_server_default_limits;
	srv_leave();
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcServerInqLimits(RPC_SERVER_LIMITS *Limits)
{
	if (!Limits)
		return RPC_S_INVALID_ARG;
	srv_enter();
	rpcrt_server_limits l = srv.lim;
	srv_leave();
	*Limits = (RPC_SERVER_LIMITS){
		.Size = sizeof(*Limits),
		.MaxConnections = l.max_conns,
		.MaxCallsPerConnection = l.max_conn_calls,
		.MaxQueuedCalls = l.max_queued,
		.OutputPauseBytes = l.out_pause,
		.OutputMaxBytes = l.out_max,
		.LingerMs = l.linger_ms,
		.IdleWorkerMs = l.idle_worker_ms,
		.IdleConnectionMs = l.idle_ms,
		.ReceiveMs = l.recv_ms,
		.MaxRequestBytes = l.max_req_bytes,
	};
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcServerSetLimits(const RPC_SERVER_LIMITS *Limits)
{
	if (!Limits)
		return rpcrt_server_set_limits(NULL);
	if (Limits->Size != sizeof(*Limits))
		return RPC_S_INVALID_ARG;
	rpcrt_server_limits l = {
		.max_conns = Limits->MaxConnections,
		.max_conn_calls = Limits->MaxCallsPerConnection,
		.max_queued = Limits->MaxQueuedCalls,
		.out_pause = Limits->OutputPauseBytes,
		.out_max = Limits->OutputMaxBytes,
		.linger_ms = Limits->LingerMs,
		.idle_worker_ms = Limits->IdleWorkerMs,
		.idle_ms = Limits->IdleConnectionMs,
		.recv_ms = Limits->ReceiveMs,
		.max_req_bytes = Limits->MaxRequestBytes,
	};
	return rpcrt_server_set_limits(&l);
}

void
rpcrt_server_get_stats(rpcrt_server_stats *ret)
{
	srv_enter();
	ret->conns = srv.nconns;
	ret->active = srv.active;
	srv_leave();
	ret->req_bytes = atomic_load_explicit(&req_bytes, memory_order_relaxed);
}

static void
on_settle(void *ctx)
{
	uint64_t ticket = (uint64_t)(uintptr_t)ctx;
	srv_enter();
	if (ticket > srv.settle_done)
		srv.settle_done = ticket;
	pthread_cond_broadcast(&srv.state);
	srv_leave();
}

RPC_STATUS
rpcrt_server_settle(bool no_conns, uint32_t ms)
{
	struct timespec ts = deadline_after(ms);
	int r = 0;

	srv_enter();
	/* A round trip through the loop: posts run in order, after the callback that is
	 * handling input, so when this one has run, what was read before it has been handled
	 * (dispatched calls are counted in active). The ticket is taken and posted under the
	 * lock, so tickets and posts are in the same order. */
	uint64_t ticket = ++srv.settle_req;
	bool posted = srv.loop &&
		      rpcrt_loop_post(srv.loop, on_settle, (void *)(uintptr_t)ticket) == RPC_S_OK;
	while (posted && srv.settle_done < ticket && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&srv.state, &srv.lock, &ts);
	while ((srv.active > 0 || (no_conns && srv.nconns > 0)) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&srv.state, &srv.lock, &ts);
	bool done = (!posted || srv.settle_done >= ticket) && srv.active == 0 &&
		    (!no_conns || srv.nconns == 0);
	srv_leave();
	return done ? RPC_S_OK : RPC_S_TIMEOUT;
}

void
rpcrt_server_reset(void)
{
	srv_enter();
	srv.resetting = true;
	srv.listening = false;
	srv.n_autolisten = 0;
	pthread_cond_broadcast(&srv.state);
	/* Calls in progress end first: they use the connections and the loop. Requests that
	 * arrive meanwhile are refused with nca_s_server_too_busy (resetting), and no new
	 * connection is kept (not listening, no auto-listen interface). */
	while (srv.active > 0)
		pthread_cond_wait(&srv.state, &srv.lock);
	srv.workers_exit = true;
	pthread_cond_broadcast(&srv.work);
	while (srv.nworkers > 0)
		pthread_cond_wait(&srv.state, &srv.lock);
	srv.workers_exit = false;
	/* Threads still in RpcServerListen or RpcMgmtWaitServerListen have been woken. */
	while (srv.waiting)
		pthread_cond_wait(&srv.state, &srv.lock);
	rpcrt_loop *loop = srv.loop;
	srv_leave();

	/* No callback runs after this, so the loop's objects can be released from here. */
	if (loop)
		rpcrt_loop_stop(loop);
	for (;;) {
		srv_enter();
		struct conn *c = srv.conns;
		srv_leave();
		if (!c)
			break;
		conn_close(c);
	}

	srv_enter();
	struct endpoint *eps = srv.eps, *adopted = srv.adopted;
	struct reg *regs = srv.regs;
	srv.eps = NULL;
	srv.adopted = NULL;
	srv.regs = NULL;
	srv.loop = NULL;
	srv.wait_pending = false;
	srv.max_calls = RPC_C_LISTEN_MAX_CALLS_DEFAULT;
	srv.min_threads = 0;
	srv.lim = rpcrt_server_default_limits;
	srv.resetting = false;
	srv_leave();
	for (struct endpoint *ep = eps, *n; ep; ep = n) {
		n = ep->next;
		endpoint_free(ep);
	}
	if (adopted)
		endpoint_free(adopted);
	for (struct reg *r = regs, *n; r; r = n) {
		n = r->next;
		reg_free(r);
	}
	rpcrt_loop_free(loop);

	/* Every call has ended; what the notifier still holds is delivered (or skipped) and
	 * released before the pool goes. */
	notifier_stop();
	pthread_mutex_lock(&acalls.lock);
	for (struct astate *a = acalls.all, *n; a; a = n) {
		n = a->next_all;
		free(a);
	}
	acalls.all = NULL;
	acalls.free_head = NULL;
	acalls.free_tail = &acalls.free_head;
	free(acalls.buckets);
	acalls.buckets = NULL;
	acalls.nbuckets = 0;
	acalls.n = 0;
	pthread_mutex_unlock(&acalls.lock);
}

/* ==== [async] calls, cancels and notifications ================================================ */

/* The live [async] call whose state is pAsync, or NULL. Nothing the application passes is
 * dereferenced beyond what async.c has read already (Size, Signature: the state is readable
 * memory): StubInfo is only looked up in the registry. acalls.lock. */
static struct scall *
owned_locked(const RPC_ASYNC_STATE *pAsync)
{
	struct scall *sc = live_find_locked(pAsync->StubInfo);
	if (!sc || !sc->astate || &sc->astate->st != pAsync || sc->phase == PHASE_DONE)
		return NULL;
	return sc;
}

bool
rpcrt_server_async_owns(const RPC_ASYNC_STATE *pAsync)
{
	pthread_mutex_lock(&acalls.lock);
	bool owns = owned_locked(pAsync) != NULL;
	pthread_mutex_unlock(&acalls.lock);
	return owns;
}

/* RpcAsyncCompleteCall on the server (ms-rpc-async.md §2.5, rule 7). The call is looked up again
 * under the lock, since another thread may have ended it after async.c asked
 * rpcrt_server_async_owns(): then RPC_S_INVALID_ASYNC_HANDLE. Reply NULL for a procedure that
 * returns a value: RPC_S_INVALID_ARG, and the call stays as it was (§6 item 2). Otherwise the
 * call ends whatever happens next: RPC_S_OK, or the status that kept its reply from being
 * marshalled (the client gets a fault with it, as from a synchronous manager). */
RPC_STATUS
rpcrt_server_async_complete(PRPC_ASYNC_STATE pAsync, void *Reply)
{
	pthread_mutex_lock(&acalls.lock);
	struct scall *sc = owned_locked(pAsync);
	if (!sc) {
		pthread_mutex_unlock(&acalls.lock);
		return RPC_S_INVALID_ASYNC_HANDLE;
	}
	if (!Reply && sc->proc->ret) {
		pthread_mutex_unlock(&acalls.lock);
		return RPC_S_INVALID_ARG;
	}
	end_locked(sc);
	pthread_mutex_unlock(&acalls.lock);
	return async_finish(sc, true, Reply, 0);
}

/* RpcAsyncAbortCall (ms-rpc-async.md §2.6): a fault carrying code, nothing marshalled. Codes
 * that [MS-RPCE] 3.3.3.5.1 forbids in a fault become nca_s_fault_unspec, as for a manager's
 * exception (T31). */
RPC_STATUS
rpcrt_server_async_abort(PRPC_ASYNC_STATE pAsync, uint32_t code)
{
	pthread_mutex_lock(&acalls.lock);
	struct scall *sc = owned_locked(pAsync);
	if (!sc) {
		pthread_mutex_unlock(&acalls.lock);
		return RPC_S_INVALID_ASYNC_HANDLE;
	}
	end_locked(sc);
	pthread_mutex_unlock(&acalls.lock);
	async_finish(sc, false, NULL, fault_status((RPC_STATUS)code));
	return RPC_S_OK;
}

/* The call a binding argument of RpcServerTestCancel and the subscription functions names:
 * NULL for the call the current thread runs ("If this function is called on the same thread
 * that RPC has dispatched a call on, this parameter can be set to NULL", Microsoft Learn), else
 * a call handle (RpcAsyncGetCallHandle, or what a Callback notification received). Statuses:
 * RPC_S_NO_CALL_ACTIVE for NULL on a thread that runs no call (or whose [async] call has
 * ended), RPC_S_INVALID_BINDING for a handle that is not a live call's. acalls.lock. */
static RPC_STATUS
call_of_locked(RPC_BINDING_HANDLE h, struct scall **ret)
{
	struct scall *sc;
	if (!h) {
		sc = cur_call;
		if (!sc || sc->phase == PHASE_DONE)
			return RPC_S_NO_CALL_ACTIVE;
	} else {
		sc = live_find_locked(h);
		if (!sc)
			return RPC_S_INVALID_BINDING;
	}
	*ret = sc;
	return RPC_S_OK;
}

/* ms-rpc-async.md §2.8: only reports. */
RPC_STATUS RPC_ENTRY
RpcServerTestCancel(RPC_BINDING_HANDLE BindingHandle)
{
	struct scall *sc;
	pthread_mutex_lock(&acalls.lock);
	RPC_STATUS st = call_of_locked(BindingHandle, &sc);
	if (st == RPC_S_OK)
		st = sc->cancelled ? RPC_S_OK : RPC_S_CALL_IN_PROGRESS;
	pthread_mutex_unlock(&acalls.lock);
	return st;
}

/* The subscriptions one RPC_NOTIFICATIONS value names: a bit per subscription, 0 for a value
 * that names none we support. */
static unsigned
subs_of(RPC_NOTIFICATIONS n)
{
	switch ((unsigned)n) {
	case RpcNotificationClientDisconnect:
		return 1u << SUB_DISCONNECT;
	case RpcNotificationCallCancel:
		return 1u << SUB_CANCEL;
	case RpcNotificationClientDisconnect | RpcNotificationCallCancel:
		return 1u << SUB_DISCONNECT | 1u << SUB_CANCEL;
	default:
		return 0;
	}
}

/* ms-rpc-async.md §2.9 and Microsoft Learn (RpcServerSubscribeForNotification). The arguments
 * are checked first, in order, then the call:
 * - Notification: ClientDisconnect, CallCancel, or both as a bitwise combination; anything
 *   else RPC_S_CANNOT_SUPPORT;
 * - NotificationType: None RPC_S_INVALID_ARG; Callback and Event are supported; Apc, Ioc and
 *   Hwnd RPC_S_CANNOT_SUPPORT (no thread of the application waits for them here); a value
 *   that is no type RPC_S_INVALID_ARG;
 * - NotificationInfo NULL, a NULL routine, an hEvent that is not a live event (CreateEvent),
 *   or Event with both notifications ("two separate calls are required" for events):
 *   RPC_S_INVALID_ARG;
 * - the call: see call_of_locked(); a synchronous call is registered here, so that the call
 *   handle its Callback routines receive works with RpcServerTestCancel().
 * The info is copied. Subscribing again replaces the subscription. An event that happened
 * before the subscription (the call is cancelled already, its client is gone already) is
 * notified at once, so that a manager that subscribes late does not wait for ever. Callback
 * routines run on the notifier thread as routine(h, NULL, RpcClientDisconnect or
 * RpcClientCancel), h being the async handle of an [async] call (whose Event member is set
 * first) or the call handle of a synchronous one; Event subscriptions SetEvent(u.hEvent).
 * Nothing is delivered once the call has ended or the subscription is cancelled. */
RPC_STATUS RPC_ENTRY
RpcServerSubscribeForNotification(RPC_BINDING_HANDLE Binding, RPC_NOTIFICATIONS Notification,
				  RPC_NOTIFICATION_TYPES NotificationType,
				  RPC_ASYNC_NOTIFICATION_INFO *NotificationInfo)
{
	unsigned which = subs_of(Notification);
	if (!which)
		return RPC_S_CANNOT_SUPPORT;
	switch (NotificationType) {
	case RpcNotificationTypeCallback:
	case RpcNotificationTypeEvent:
		break;
	case RpcNotificationTypeApc:
	case RpcNotificationTypeIoc:
	case RpcNotificationTypeHwnd:
		return RPC_S_CANNOT_SUPPORT;
	default:
		return RPC_S_INVALID_ARG;
	}
	if (!NotificationInfo)
		return RPC_S_INVALID_ARG;
	if (NotificationType == RpcNotificationTypeCallback &&
	    !NotificationInfo->NotificationRoutine)
		return RPC_S_INVALID_ARG;
	if (NotificationType == RpcNotificationTypeEvent &&
	    (which != (which & -which) || !rpcrt_handle_is_event(NotificationInfo->hEvent)))
		return RPC_S_INVALID_ARG;

	struct scall *sc;
	pthread_mutex_lock(&acalls.lock);
	RPC_STATUS st = call_of_locked(Binding, &sc);
	if (st == RPC_S_OK && !sc->registered && !live_add_locked(sc))
		st = RPC_S_OUT_OF_MEMORY;
	if (st == RPC_S_OK) {
		for (int k = 0; k < NSUBS; k++) {
			if (!(which & 1u << k))
				continue;
			struct sub *s = &sc->subs[k];
			s->on = true;
			s->type = NotificationType;
			s->info = *NotificationInfo;
			s->count = 0;
			if (k == SUB_CANCEL ? sc->cancelled : sc->disconnected)
				queue_note_locked(s);
		}
	}
	pthread_mutex_unlock(&acalls.lock);
	return st;
}

/* Microsoft Learn (RpcServerUnsubscribeForNotification): one notification at a time (anything
 * else RPC_S_CANNOT_SUPPORT); NotificationsQueued is required (RPC_S_INVALID_ARG) and receives
 * how many notifications were queued for the subscription, delivered or not, so that the
 * application can tell whether one may still be on its way (one queued before this returns is
 * not delivered any more). Unsubscribing what is not subscribed changes nothing and reports
 * what the last subscription queued (0 if there was none). */
RPC_STATUS RPC_ENTRY
RpcServerUnsubscribeForNotification(RPC_BINDING_HANDLE Binding, RPC_NOTIFICATIONS Notification,
				    ULONG *NotificationsQueued)
{
	unsigned which = subs_of(Notification);
	if (!which || which != (which & -which))
		return RPC_S_CANNOT_SUPPORT;
	if (!NotificationsQueued)
		return RPC_S_INVALID_ARG;
	struct scall *sc;
	pthread_mutex_lock(&acalls.lock);
	RPC_STATUS st = call_of_locked(Binding, &sc);
	if (st == RPC_S_OK) {
		struct sub *s = &sc->subs[which == 1u << SUB_CANCEL ? SUB_CANCEL : SUB_DISCONNECT];
		s->on = false;
		*NotificationsQueued = s->count;
	}
	pthread_mutex_unlock(&acalls.lock);
	return st;
}
