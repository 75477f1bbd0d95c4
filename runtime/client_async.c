/* The client side of asynchronous calls: ridl_client_call_async(), the body of every [async]
 * client stub, and the client half of RpcAsyncGetCallStatus / RpcAsyncCompleteCall /
 * RpcAsyncCancelCall (async.c dispatches here).
 *
 * Issuing a call (on the caller's thread): check the RPC_ASYNC_STATE and its notification
 * settings, copy the parameters' values (the stub's frame is gone when it returns), marshal
 * the [in] parameters, take the binding's asynchronous connection for the interface (opening
 * it and binding with PFC_CONC_MPX on first use, on this thread, bounded by the call timeout),
 * enter the call in the connection's table under a fresh call_id and write the request; what
 * the socket does not take at once is queued and written by the loop thread. Any failure up
 * to here is raised (or returned through [comm_status]) and no notification follows
 * (ms-rpc-async.md rule 3).
 *
 * Completing it (on the client's I/O loop thread, one thread for every asynchronous
 * connection of the process): the loop reads each connection, reassembles each call's
 * response fragments by call_id, and when a call's whole reply, fault or failure is in it
 * removes the call from the table, records the status, writes pAsync->Event and notifies
 * (rule 4). A lost connection completes every call on it with RPC_S_CALL_FAILED. Only whoever
 * removes a call from its table completes it, so a call completes exactly once, whether by
 * reply, fault, lost connection, timeout or abortive cancel.
 *
 * Finishing it (RpcAsyncCompleteCall, on the caller's thread): PENDING until then; then the
 * reply is checked in full (rpcrt_ndr_check_response) before the [out] parameters and *Reply
 * are written, so they are written completely or not at all (rule 6), and the call is freed.
 *
 * Locks: a connection's lock guards its socket, buffers and call table; it is never held
 * while a notification runs or while waiting for the loop. notify_lock only pairs with
 * notify_cond for RpcAsyncCompleteCall waiting out a notification still being delivered. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "async.h"
#include "binding.h"
#include "client.h"
#include "handles.h"
#include "ioloop.h"
#include "ndr.h"
#include "pdu.h"
#include "transport.h"

enum { PHASE_PENDING, PHASE_DONE, PHASE_FINISHED };

/* How to notify, copied from the RPC_ASYNC_STATE when the call is issued. Plain value. */
struct notify {
	RPC_NOTIFICATION_TYPES type;
	RPC_ASYNC_NOTIFICATION_INFO u;
	rpcrt_apc_queue *apc; /* Apc: the issuing thread's queue (a reference) */
};

/* One asynchronous call. Owner: reference counted — one reference for the application,
 * dropped by the final RpcAsyncCompleteCall, and one for the runtime while the call is
 * outstanding, dropped once it has completed and notified. */
struct acall {
	uint32_t magic; /* RPCRT_ACALL_CLIENT_MAGIC while alive */
	atomic_int refs;
	atomic_int phase;
	atomic_bool notifying; /* the completion's notification is being delivered */
	PRPC_ASYNC_STATE state;
	const ridl_interface *itf;
	const ridl_proc *proc;
	rpcrt_binding *binding; /* a reference */
	struct rpcrt_aconn *conn;
	void **args;  /* the parameters' addresses: into vals */
	uint8_t *vals; /* copies of the parameters' values */
	struct notify notify;
	/* Guarded by conn->lock while in the table: */
	uint32_t call_id;
	struct acall *next; /* the table's chain */
	rpcrt_pdu_reasm reasm;
	rpcrt_timer *timer; /* RPC_C_OPT_CALL_TIMEOUT (loop thread) */
	/* Written before phase becomes DONE, read after: */
	RPC_STATUS status;
	bool fault;
	rpcrt_pdu_call reply;
};

#define TABLE_MIN 16

/* A connection carrying asynchronous calls of one interface. Owner: the binding (its
 * rpcrt_cconn's list); freed by rpcrt_aconn_free_all when the binding goes away. */
struct rpcrt_aconn {
	struct rpcrt_aconn *next;
	const ridl_interface *itf;
	pthread_mutex_t lock;
	int fd; /* -1: closed; the next call opens it again */
	rpcrt_watch *watch;
	bool want_write; /* the watch asks for writability */
	uint16_t max_xmit, ctx_id;
	uint32_t next_call_id;
	struct acall **table; /* open hashing by call_id */
	size_t nbuckets, ncalls;
	rpcrt_buf out; /* bytes to send: data[out_off .. out.len) */
	size_t out_off;
	rpcrt_buf in;  /* bytes received, not yet parsed */
};

static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notify_cond = PTHREAD_COND_INITIALIZER;

/* ---- the loop ---- */

static pthread_once_t loop_once = PTHREAD_ONCE_INIT;
static rpcrt_loop *client_loop; /* the process's client I/O loop; lives until exit */

static void
loop_init(void)
{
	rpcrt_loop *l = NULL;
	if (rpcrt_loop_new(&l) != RPC_S_OK)
		return;
	if (rpcrt_loop_start(l) != RPC_S_OK) {
		rpcrt_loop_free(l);
		return;
	}
	client_loop = l;
}

static rpcrt_loop *
get_loop(void)
{
	pthread_once(&loop_once, loop_init);
	return client_loop;
}

/* ---- calls ---- */

static void
acall_unref(struct acall *a)
{
	if (atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	a->magic = 0;
	rpcrt_pdu_reasm_free(&a->reasm);
	rpcrt_buf_free(&a->reply.stub);
	rpcrt_apc_queue_unref(a->notify.apc);
	rpcrt_binding_unref(a->binding);
	free(a->vals);
	free(a->args);
	free(a);
}

/* A call with copies of the values of the stub's parameters (args: their addresses). */
static RPC_STATUS
acall_new(const ridl_interface *itf, const ridl_proc *proc, void **args, struct acall **ret)
{
	struct acall *a = calloc(1, sizeof(*a));
	size_t total = 0;
	for (uint32_t i = 0; i < proc->nparams; i++)
		total += (proc->params[i].type->mem_size + 15u) & ~(size_t)15u;
	if (!a || !(a->args = calloc(proc->nparams ? proc->nparams : 1, sizeof(void *))) ||
	    !(a->vals = calloc(total ? total : 1, 1))) {
		if (a)
			free(a->args);
		free(a);
		return RPC_S_OUT_OF_MEMORY;
	}
	size_t off = 0;
	for (uint32_t i = 0; i < proc->nparams; i++) {
		uint32_t sz = proc->params[i].type->mem_size;
		a->args[i] = a->vals + off;
		if (args[i])
			memcpy(a->vals + off, args[i], sz);
		off += (sz + 15u) & ~(size_t)15u;
	}
	a->magic = RPCRT_ACALL_CLIENT_MAGIC;
	atomic_init(&a->refs, 2);
	atomic_init(&a->phase, PHASE_PENDING);
	a->itf = itf;
	a->proc = proc;
	/* A server's reply may be large, but not unbounded (as for synchronous calls). */
	rpcrt_pdu_reasm_init(&a->reasm, RPCRT_PTYPE_RESPONSE, 256u << 20);
	*ret = a;
	return RPC_S_OK;
}

static void
deliver(const struct notify *n, PRPC_ASYNC_STATE s)
{
	switch (n->type) {
	case RpcNotificationTypeEvent:
		SetEvent(n->u.hEvent);
		break;
	case RpcNotificationTypeIoc:
		PostQueuedCompletionStatus(n->u.IOC.hIOPort, n->u.IOC.dwNumberOfBytesTransferred,
					   n->u.IOC.dwCompletionKey, n->u.IOC.lpOverlapped);
		break;
	case RpcNotificationTypeCallback:
		n->u.NotificationRoutine(s, NULL, RpcCallComplete);
		break;
	case RpcNotificationTypeApc:
		rpcrt_apc_post(n->apc, n->u.APC.NotificationRoutine, s, RpcCallComplete);
		break;
	default:
		break;
	}
}

/* Completes a call that its completer has taken out of its connection's table (or that never
 * was in one), on the loop thread: records the status, notifies, drops the runtime's
 * reference. */
static void
complete(struct acall *a, RPC_STATUS st, bool fault)
{
	if (a->timer) {
		rpcrt_loop_timer_cancel(a->timer);
		a->timer = NULL;
	}
	a->status = st;
	a->fault = fault;
	a->state->Event = RpcCallComplete;
	struct notify n = a->notify;
	PRPC_ASYNC_STATE s = a->state;
	atomic_store(&a->notifying, true);
	atomic_store_explicit(&a->phase, PHASE_DONE, memory_order_release);
	deliver(&n, s);
	pthread_mutex_lock(&notify_lock);
	atomic_store(&a->notifying, false);
	pthread_cond_broadcast(&notify_cond);
	pthread_mutex_unlock(&notify_lock);
	acall_unref(a);
}

static void
complete_posted(void *ctx)
{
	struct acall *a = ctx;
	complete(a, a->status, a->fault);
}

/* ---- the call table (conn->lock held) ---- */

static struct acall **
bucket(struct rpcrt_aconn *c, uint32_t id)
{
	return &c->table[(id * 2654435761u) & (c->nbuckets - 1)];
}

static RPC_STATUS
table_add(struct rpcrt_aconn *c, struct acall *a)
{
	if (c->ncalls + 1 > c->nbuckets) {
		size_t n = c->nbuckets ? c->nbuckets * 2 : TABLE_MIN;
		struct acall **t = calloc(n, sizeof(*t));
		if (!t)
			return RPC_S_OUT_OF_MEMORY;
		struct acall **old = c->table;
		size_t oldn = c->nbuckets;
		c->table = t;
		c->nbuckets = n;
		for (size_t i = 0; i < oldn; i++) {
			for (struct acall *x = old[i], *next; x; x = next) {
				next = x->next;
				struct acall **b = bucket(c, x->call_id);
				x->next = *b;
				*b = x;
			}
		}
		free(old);
	}
	struct acall **b = bucket(c, a->call_id);
	a->next = *b;
	*b = a;
	c->ncalls++;
	return RPC_S_OK;
}

/* The call with this call_id, left in the table; NULL if none. */
static struct acall *
table_find(struct rpcrt_aconn *c, uint32_t id)
{
	for (struct acall *x = c->nbuckets ? *bucket(c, id) : NULL; x; x = x->next) {
		if (x->call_id == id)
			return x;
	}
	return NULL;
}

/* Takes the call with this call_id (or this very call, when a is not NULL) out of the table. */
static struct acall *
table_take(struct rpcrt_aconn *c, uint32_t id, const struct acall *a)
{
	if (!c->nbuckets)
		return NULL;
	for (struct acall **p = bucket(c, id); *p; p = &(*p)->next) {
		struct acall *x = *p;
		if (x->call_id == id && (!a || x == a)) {
			*p = x->next;
			x->next = NULL;
			c->ncalls--;
			return x;
		}
	}
	return NULL;
}

/* Every call of the table, chained through next. */
static struct acall *
table_take_all(struct rpcrt_aconn *c)
{
	struct acall *all = NULL;
	for (size_t i = 0; i < c->nbuckets; i++) {
		while (c->table[i]) {
			struct acall *x = c->table[i];
			c->table[i] = x->next;
			x->next = all;
			all = x;
		}
	}
	c->ncalls = 0;
	return all;
}

/* ---- connection I/O (conn->lock held) ---- */

/* Writes what the socket takes of the queued bytes. false: the connection is broken. */
static bool
flush(struct rpcrt_aconn *c)
{
	while (c->out_off < c->out.len) {
		size_t n = 0;
		RPC_STATUS st = rpcrt_sock_write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			break;
		if (st != RPC_S_OK)
			return false;
		c->out_off += n;
	}
	if (c->out_off == c->out.len) {
		c->out.len = 0;
		c->out_off = 0;
	}
	bool want = c->out.len != 0;
	if (want != c->want_write && c->watch) {
		if (rpcrt_loop_mod(c->watch, RPCRT_EV_READ | (want ? RPCRT_EV_WRITE : 0)) != RPC_S_OK)
			return false;
		c->want_write = want;
	}
	return true;
}

/* Appends bytes to the output and writes what the socket takes now; with later, leaves the
 * writing to the loop thread (it is woken by writability), so that the requests of many calls
 * issued close together leave in one send instead of one each. */
static bool
queue_bytes(struct rpcrt_aconn *c, const uint8_t *p, size_t n, bool later)
{
	if (!rpcrt_buf_reserve(&c->out, n))
		return false;
	memcpy(c->out.data + c->out.len, p, n);
	c->out.len += n;
	if (!later || !c->watch)
		return flush(c);
	if (!c->want_write) {
		if (rpcrt_loop_mod(c->watch, RPCRT_EV_READ | RPCRT_EV_WRITE) != RPC_S_OK)
			return false;
		c->want_write = true;
	}
	return true;
}

static bool
send_bytes(struct rpcrt_aconn *c, const uint8_t *p, size_t n)
{
	return queue_bytes(c, p, n, false);
}

/* Tells the server about a call we gave up (co_cancel) or abandoned (orphaned). Best effort:
 * the call's outcome does not depend on it. */
static void
send_control(struct rpcrt_aconn *c, uint32_t call_id, bool orphaned)
{
	if (c->fd < 0)
		return;
	rpcrt_buf b = {0};
	RPC_STATUS st = orphaned ? rpcrt_pdu_encode_orphaned(&b, call_id) : rpcrt_pdu_encode_co_cancel(&b, call_id);
	if (st == RPC_S_OK && !send_bytes(c, b.data, b.len))
		shutdown(c->fd, SHUT_RDWR); /* the loop sees the end and fails the calls */
	rpcrt_buf_free(&b);
}

/* Closes the socket; returns the calls that were outstanding on it. */
static struct acall *
conn_close(struct rpcrt_aconn *c)
{
	if (c->watch) {
		rpcrt_loop_del(c->watch);
		c->watch = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->want_write = false;
	c->in.len = 0;
	c->out.len = 0;
	c->out_off = 0;
	return table_take_all(c);
}

/* One fragment from the server. Returns a completed call (out of the table), with *ret_st,
 * or NULL. false in *ret_ok: a protocol error that ends the connection. */
static struct acall *
on_fragment(struct rpcrt_aconn *c, const rpcrt_pdu_hdr *h, const uint8_t *p, RPC_STATUS *ret_st,
	    bool *ret_fault, bool *ret_ok)
{
	*ret_ok = true;
	*ret_fault = false;
	if (h->ptype != RPCRT_PTYPE_RESPONSE && h->ptype != RPCRT_PTYPE_FAULT) {
		/* bind_ack and the like are answered during the bind, on the issuing thread;
		 * a shutdown asks us to close once our calls are done: they cannot be. */
		*ret_ok = false;
		return NULL;
	}
	struct acall *a = table_find(c, h->call_id);
	if (!a)
		return NULL; /* a call we gave up (abortive cancel, timeout): its reply is dropped */
	if (h->ptype == RPCRT_PTYPE_FAULT) {
		rpcrt_pdu_fault f;
		if (rpcrt_pdu_decode_fault(h, p, &f) != RPCRT_PDU_OK) {
			*ret_st = RPC_S_PROTOCOL_ERROR;
		} else {
			*ret_fault = true;
			*ret_st = rpcrt_fault_to_status(f.status);
			if (*ret_st == RPC_S_OK)
				*ret_st = RPC_S_CALL_FAILED; /* a fault never means success */
		}
		return table_take(c, h->call_id, a);
	}
	rpcrt_pdu_verdict v;
	rpcrt_pdu_status ps = rpcrt_pdu_reasm_feed(&a->reasm, h, p, &a->reply, &v);
	if (ps == RPCRT_PDU_NEED_MORE)
		return NULL;
	*ret_st = ps == RPCRT_PDU_OK ? RPC_S_OK : rpcrt_pdu_rpc_status(ps);
	return table_take(c, h->call_id, a);
}

/* The loop's callback for a connection. */
static void
conn_io(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	(void)w;
	(void)fd;
	struct rpcrt_aconn *c = ctx;
	struct acall *done = NULL, *failed = NULL;
	bool ok = true;
	pthread_mutex_lock(&c->lock);
	if (revents & RPCRT_EV_WRITE)
		ok = flush(c);
	if (ok && (revents & (RPCRT_EV_READ | RPCRT_EV_HUP | RPCRT_EV_ERROR))) {
		/* Read what is there, a bounded amount per round so every connection gets its
		 * turn (the loop reports the rest again). */
		for (unsigned round = 0; ok && round < 16; round++) {
			if (!rpcrt_buf_reserve(&c->in, 4096)) {
				ok = false;
				break;
			}
			size_t n = 0;
			RPC_STATUS st = rpcrt_sock_read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, &n);
			if (st == RPC_S_ASYNC_CALL_PENDING)
				break;
			if (st != RPC_S_OK || n == 0) {
				ok = false; /* the server closed the connection, or it broke */
			} else {
				c->in.len += n;
			}
			size_t off = 0;
			while (ok) {
				rpcrt_pdu_hdr h;
				rpcrt_pdu_status ps = rpcrt_pdu_parse_hdr(c->in.data + off, c->in.len - off, &h);
				if (ps == RPCRT_PDU_NEED_MORE)
					break;
				if (ps != RPCRT_PDU_OK) {
					ok = false;
					break;
				}
				RPC_STATUS cst = RPC_S_OK;
				bool fault = false;
				struct acall *a = on_fragment(c, &h, c->in.data + off, &cst, &fault, &ok);
				off += h.frag_length;
				if (a) {
					a->status = cst;
					a->fault = fault;
					a->next = done;
					done = a;
				}
			}
			memmove(c->in.data, c->in.data + off, c->in.len - off);
			c->in.len -= off;
		}
	}
	if (!ok)
		failed = conn_close(c);
	pthread_mutex_unlock(&c->lock);
	/* c may be freed from here on: the last call's completion can free the binding. */
	for (struct acall *a = failed, *next; a; a = next) {
		next = a->next;
		complete(a, RPC_S_CALL_FAILED, false);
	}
	for (struct acall *a = done, *next; a; a = next) {
		next = a->next;
		complete(a, a->status, a->fault);
	}
}

/* RPC_C_OPT_CALL_TIMEOUT: the call is given up (and the server told it is orphaned). */
static void
call_timeout(rpcrt_timer *t, void *ctx)
{
	(void)t;
	struct acall *a = ctx;
	struct rpcrt_aconn *c = a->conn;
	pthread_mutex_lock(&c->lock);
	struct acall *x = table_take(c, a->call_id, a);
	if (x)
		send_control(c, a->call_id, true);
	pthread_mutex_unlock(&c->lock);
	if (x)
		complete(a, RPC_S_CALL_CANCELLED, false); /* which releases the fired timer */
}

/* ---- connections ---- */

static void
aconn_free(struct rpcrt_aconn *c)
{
	struct acall *left = conn_close(c); /* nothing is left: calls hold the binding */
	(void)left;
	free(c->table);
	rpcrt_buf_free(&c->out);
	rpcrt_buf_free(&c->in);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
rpcrt_aconn_free_all(struct rpcrt_aconn *list)
{
	while (list) {
		struct rpcrt_aconn *next = list->next;
		aconn_free(list);
		list = next;
	}
}

/* The binding's asynchronous connection for itf, created (not yet opened) on first use. */
static RPC_STATUS
get_aconn(rpcrt_binding *b, const ridl_interface *itf, struct rpcrt_aconn **ret)
{
	struct rpcrt_cconn *cc;
	RPC_STATUS st = rpcrt_client_conn(b, &cc);
	if (st)
		return st;
	pthread_mutex_lock(&b->lock);
	struct rpcrt_aconn **head = rpcrt_cconn_async_list(cc), *c;
	for (c = *head; c; c = c->next) {
		if (c->itf == itf)
			break;
	}
	if (!c && (c = calloc(1, sizeof(*c)))) {
		pthread_mutex_init(&c->lock, NULL);
		c->fd = -1;
		c->itf = itf;
		c->next = *head;
		*head = c;
	}
	pthread_mutex_unlock(&b->lock);
	*ret = c;
	return c ? RPC_S_OK : RPC_S_OUT_OF_MEMORY;
}

/* Opens c (c->lock held): connect, bind with PFC_CONC_MPX, hand the socket to the loop. */
static RPC_STATUS
aconn_open(struct rpcrt_aconn *c, rpcrt_binding *b, rpcrt_loop *loop, uint64_t deadline)
{
	rpcrt_client_link link;
	RPC_STATUS st = rpcrt_client_open(b, c->itf, RPCRT_PFC_CONC_MPX, deadline, &link);
	if (st)
		return st;
	if ((st = rpcrt_loop_add(loop, link.fd, RPCRT_EV_READ, conn_io, c, &c->watch)) != RPC_S_OK) {
		close(link.fd);
		return st;
	}
	c->fd = link.fd;
	c->max_xmit = link.max_xmit;
	c->ctx_id = link.ctx_id;
	c->next_call_id = link.next_call_id;
	c->want_write = false;
	return RPC_S_OK;
}

/* ---- issuing ---- */

static RPC_STATUS
check_notification(const RPC_ASYNC_STATE *s)
{
	switch (s->NotificationType) {
	case RpcNotificationTypeNone:
		return RPC_S_OK;
	case RpcNotificationTypeEvent:
		return rpcrt_handle_is_event(s->u.hEvent) ? RPC_S_OK : RPC_S_INVALID_ARG;
	case RpcNotificationTypeIoc:
		return rpcrt_handle_is_port(s->u.IOC.hIOPort) ? RPC_S_OK : RPC_S_INVALID_ARG;
	case RpcNotificationTypeCallback:
		return s->u.NotificationRoutine ? RPC_S_OK : RPC_S_INVALID_ARG;
	case RpcNotificationTypeApc:
		/* The routine runs in the issuing thread's alertable waits; naming another
		 * thread is not supported. */
		return s->u.APC.NotificationRoutine && !s->u.APC.hThread ? RPC_S_OK : RPC_S_INVALID_ARG;
	case RpcNotificationTypeHwnd:
		return RPC_S_CANNOT_SUPPORT;
	default:
		return RPC_S_INVALID_ARG;
	}
}

/* Starts the call a: on success it is outstanding and will complete. */
static RPC_STATUS
issue(struct acall *a, uint32_t opnum)
{
	rpcrt_loop *loop = get_loop();
	if (!loop)
		return RPC_S_OUT_OF_RESOURCES;
	uint32_t timeout = rpcrt_binding_call_timeout(a->binding);
	if (timeout == INFINITE)
		timeout = 0;
	uint64_t deadline = rpcrt_deadline_after(timeout == 0 ? INFINITE : timeout);
	rpcrt_buf stub = {0}, out = {0};
	RPC_STATUS st = rpcrt_ndr_marshal_request(a->proc, a->args, &stub);
	struct rpcrt_aconn *c = NULL;
	if (st == RPC_S_OK)
		st = get_aconn(a->binding, a->itf, &c);
	if (st) {
		rpcrt_buf_free(&stub);
		return st;
	}
	pthread_mutex_lock(&c->lock);
	if (c->fd < 0)
		st = aconn_open(c, a->binding, loop, deadline);
	if (st == RPC_S_OK) {
		a->conn = c;
		a->call_id = c->next_call_id++;
		if (c->next_call_id == 0)
			c->next_call_id = 1;
		rpcrt_pdu_request rq = {.p_cont_id = c->ctx_id, .opnum = (uint16_t)opnum, .stub = stub.data,
					.stub_len = stub.len};
		st = rpcrt_pdu_encode_request_frags(&out, a->call_id, 0, &rq, c->max_xmit);
	}
	if (st == RPC_S_OK)
		st = table_add(c, a);
	/* The timer's callback takes c->lock, so it cannot look for the call before it is in
	 * the table, nor run while it is taken out again. */
	if (st == RPC_S_OK && timeout &&
	    (st = rpcrt_loop_timer(loop, timeout, call_timeout, a, &a->timer)) != RPC_S_OK)
		table_take(c, a->call_id, a);
	if (st == RPC_S_OK) {
		/* From here the call completes through the loop, even if the write fails. */
		a->state->RuntimeInfo = a;
		/* Alone on the connection, the request goes out now (no hand-off to the loop
		 * thread, which would cost a wake-up); with other calls outstanding it joins
		 * the output the loop thread writes, batched with theirs. */
		if (!queue_bytes(c, out.data, out.len, c->ncalls > 1))
			shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->lock);
	rpcrt_buf_free(&stub);
	rpcrt_buf_free(&out);
	return st;
}

void RPC_ENTRY
ridl_client_call_async(const ridl_interface *itf, uint32_t opnum, PRPC_ASYNC_STATE pAsync, void **args)
{
	RPC_STATUS st = rpcrt_ndr_check_interface(itf);
	if (st)
		RpcRaiseException(st);
	if (opnum >= itf->nprocs)
		RpcRaiseException(RPC_S_PROCNUM_OUT_OF_RANGE);
	const ridl_proc *proc = itf->procs[opnum];
	if (!pAsync || pAsync->Size != sizeof(*pAsync) || pAsync->Signature != RPCRT_ASYNC_SIGNATURE ||
	    rpcrt_client_async_owns(pAsync))
		RpcRaiseException(RPC_S_INVALID_ASYNC_HANDLE); /* one state per outstanding call */
	if ((st = check_notification(pAsync)))
		RpcRaiseException(st);
	struct acall *a = NULL;
	if ((st = acall_new(itf, proc, args, &a)))
		RpcRaiseException(st);
	a->state = pAsync;
	a->notify.type = pAsync->NotificationType;
	a->notify.u = pAsync->u;
	if (a->notify.type == RpcNotificationTypeApc && !(a->notify.apc = rpcrt_apc_queue_current()))
		st = RPC_S_OUT_OF_MEMORY;
	if (st == RPC_S_OK && (st = rpcrt_client_find_binding(itf, proc, a->args, &a->binding)) == RPC_S_OK)
		rpcrt_binding_ref(a->binding);
	else
		a->binding = NULL;
	if (st == RPC_S_OK && (st = issue(a, opnum)) == RPC_S_OK)
		return;
	/* The call did not start. With [comm_status] the failure is its outcome, delivered like
	 * any other; otherwise it is raised and nothing follows (rule 3). */
	bool has_status = proc->flags & RIDL_PROC_RET_COMM;
	for (uint32_t i = 0; i < proc->nparams; i++)
		has_status |= (proc->params[i].flags & RIDL_PF_COMM_STATUS) != 0;
	rpcrt_loop *loop = has_status ? get_loop() : NULL;
	if (loop) {
		a->status = st;
		a->fault = false;
		pAsync->RuntimeInfo = a;
		if (rpcrt_loop_post(loop, complete_posted, a) == RPC_S_OK)
			return;
		pAsync->RuntimeInfo = NULL;
	}
	atomic_store(&a->refs, 1);
	acall_unref(a);
	RpcRaiseException(st);
}

/* ---- the application's side ---- */

static struct acall *
call_of(const RPC_ASYNC_STATE *s)
{
	struct acall *a = s->RuntimeInfo;
	return a && a->magic == RPCRT_ACALL_CLIENT_MAGIC && a->state == s ? a : NULL;
}

bool
rpcrt_client_async_owns(const RPC_ASYNC_STATE *pAsync)
{
	struct acall *a = call_of(pAsync);
	return a && atomic_load(&a->phase) != PHASE_FINISHED;
}

RPC_STATUS
rpcrt_client_async_status(PRPC_ASYNC_STATE pAsync)
{
	struct acall *a = call_of(pAsync);
	if (!a)
		return RPC_S_INVALID_BINDING;
	int phase = atomic_load_explicit(&a->phase, memory_order_acquire);
	if (phase == PHASE_PENDING)
		return RPC_S_ASYNC_CALL_PENDING;
	return a->status;
}

RPC_STATUS
rpcrt_client_async_complete(PRPC_ASYNC_STATE pAsync, void *Reply)
{
	struct acall *a = call_of(pAsync);
	if (!a)
		return RPC_S_INVALID_ASYNC_HANDLE;
	int phase = atomic_load_explicit(&a->phase, memory_order_acquire);
	if (phase == PHASE_PENDING)
		return RPC_S_ASYNC_CALL_PENDING; /* rule 5: nothing changes */
	/* A procedure that returns a value needs somewhere to put it; the call stays as it is,
	 * to be finished with a Reply (as on the server). */
	if (a->proc->ret && !Reply)
		return RPC_S_INVALID_ARG;
	/* The notification may still be on its way (the application polled): let it finish,
	 * so that the event or port it uses may be closed once this returns. Inside a callback
	 * notification (on the loop thread) it is this very call, and nothing follows it. */
	if (atomic_load(&a->notifying) && !rpcrt_loop_is_current(client_loop)) {
		pthread_mutex_lock(&notify_lock);
		while (atomic_load(&a->notifying))
			pthread_cond_wait(&notify_cond, &notify_lock);
		pthread_mutex_unlock(&notify_lock);
	}
	int done = PHASE_DONE;
	if (!atomic_compare_exchange_strong(&a->phase, &done, PHASE_FINISHED))
		return RPC_S_INVALID_ASYNC_HANDLE; /* another thread finished it */
	const ridl_proc *proc = a->proc;
	RPC_STATUS st = a->status;
	bool fault = a->fault;
	bool status_ret = proc->flags & (RIDL_PROC_RET_COMM | RIDL_PROC_RET_FAULT);
	if (st == RPC_S_OK) {
		/* Check everything first: the [out] parameters are written whole or not at all. */
		uint8_t drep = a->reply.drep[0];
		st = rpcrt_ndr_check_response(proc, a->reply.stub.data, a->reply.stub.len, drep, NULL, a->args);
		if (st == RPC_S_OK)
			st = rpcrt_ndr_unmarshal_response(proc, a->reply.stub.data, a->reply.stub.len, drep, NULL,
							  a->args, Reply);
	}
	/* [comm_status] / [fault_status] receive the outcome too; the status is returned either
	 * way (ms-rpc-async.md, ridl's decisions). */
	rpcrt_client_deliver_status(proc, a->args, status_ret ? Reply : NULL, st, fault);
	pAsync->RuntimeInfo = NULL;
	a->magic = 0;
	acall_unref(a);
	return st;
}

RPC_STATUS
rpcrt_client_async_cancel(PRPC_ASYNC_STATE pAsync, bool abortive)
{
	struct acall *a = call_of(pAsync);
	if (!a)
		return RPC_S_INVALID_ASYNC_HANDLE;
	if (atomic_load(&a->phase) != PHASE_PENDING || !a->conn)
		return RPC_S_OK; /* it has completed: the cancel has nothing to do */
	struct rpcrt_aconn *c = a->conn;
	pthread_mutex_lock(&c->lock);
	/* The server is told either way (it sees it through RpcServerTestCancel); an abortive
	 * cancel also stops waiting for the reply, which will be dropped when it comes. */
	struct acall *x = abortive ? table_take(c, a->call_id, a) : NULL;
	if (x || (!abortive && table_find(c, a->call_id) == a))
		send_control(c, a->call_id, false);
	pthread_mutex_unlock(&c->lock);
	if (x) {
		a->status = RPC_S_CALL_CANCELLED;
		a->fault = false;
		if (rpcrt_loop_post(client_loop, complete_posted, a) != RPC_S_OK)
			complete(a, RPC_S_CALL_CANCELLED, false); /* the loop is gone: complete here */
	}
	return RPC_S_OK;
}

