/* The client side of synchronous calls: ridl_client_call(), the body of every generated
 * synchronous client stub.
 *
 * A call finds its binding (the handle_t parameter or the interface's implicit handle), takes
 * the binding's connection (opening it and binding the interface's presentation context on
 * first use, or adding a context with alter_context), marshals the [in] parameters, sends the
 * request fragments, reads the response fragments (or a fault), and unmarshals the [out]
 * parameters, all on the calling thread. A failed connection is closed; the next call opens a
 * new one. Calls on one binding are serialized on its connection; RPC_C_OPT_CALL_TIMEOUT
 * bounds each call, connection and bind included. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binding.h"
#include "client.h"
#include "ndr.h"
#include "pdu.h"
#include "transport.h"

#define MAX_CONTEXTS 64

/* A client connection. Owner: the binding whose conn it is; freed by rpcrt_cconn_free(). */
struct rpcrt_cconn {
	pthread_mutex_t lock; /* held by the call using the connection */
	int fd;               /* -1: not connected */
	uint16_t max_xmit;    /* largest fragment we may send */
	uint32_t next_call_id;
	uint32_t assoc_group;
	struct {
		rpcrt_pdu_syntax abstract;
		uint16_t id;
	} ctx[MAX_CONTEXTS]; /* presentation contexts accepted on this connection */
	unsigned nctx;
	rpcrt_pdu_reasm reasm;
	rpcrt_buf in; /* bytes received, not yet consumed (data[0 .. in.len)) */
	struct rpcrt_aconn *async; /* asynchronous calls' connections (client_async.c) */
};

RPC_STATUS
rpcrt_fault_to_status(uint32_t fault)
{
	switch (fault) {
	case RPCRT_NCA_S_OP_RNG_ERROR: return RPC_S_PROCNUM_OUT_OF_RANGE;
	case RPCRT_NCA_S_UNKNOWN_IF: return RPC_S_UNKNOWN_IF;
	case RPCRT_NCA_S_PROTO_ERROR: return RPC_S_PROTOCOL_ERROR;
	case RPCRT_NCA_S_SERVER_TOO_BUSY: return RPC_S_SERVER_TOO_BUSY;
	case RPCRT_NCA_S_UNSUPPORTED_TYPE: return RPC_S_UNSUPPORTED_TYPE;
	case RPCRT_NCA_S_FAULT_INVALID_TAG: return RPC_S_INVALID_TAG;
	case RPCRT_NCA_S_FAULT_INVALID_BOUND: return RPC_S_INVALID_BOUND;
	case RPCRT_NCA_S_MANAGER_NOT_ENTERED: return RPC_S_CALL_FAILED_DNE;
	case RPCRT_NCA_S_FAULT_CANCEL: return RPC_S_CALL_CANCELLED;
	case RPCRT_NCA_S_FAULT_UNSPEC: return RPC_S_CALL_FAILED;
	case RPCRT_NCA_S_FAULT_CONTEXT_MISMATCH: return RPC_X_SS_CONTEXT_MISMATCH;
	case RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY: return RPC_S_OUT_OF_MEMORY;
	case RPCRT_NCA_S_INVALID_PRES_CONTEXT_ID: return RPC_S_UNKNOWN_IF;
	default: return (RPC_STATUS)fault;
	}
}

static void
cconn_close(struct rpcrt_cconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->nctx = 0;
	c->in.len = 0;
	rpcrt_pdu_reasm_reset(&c->reasm);
}

void
rpcrt_cconn_free(struct rpcrt_cconn *c)
{
	if (!c)
		return;
	cconn_close(c);
	rpcrt_aconn_free_all(c->async);
	rpcrt_pdu_reasm_free(&c->reasm);
	rpcrt_buf_free(&c->in);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The binding's connection, created on first use. */
RPC_STATUS
rpcrt_client_conn(rpcrt_binding *b, struct rpcrt_cconn **ret)
{
	RPC_STATUS st = RPC_S_OK;
	pthread_mutex_lock(&b->lock);
	if (!b->conn) {
		struct rpcrt_cconn *c = calloc(1, sizeof(*c));
		if (!c) {
			st = RPC_S_OUT_OF_MEMORY;
		} else {
			pthread_mutex_init(&c->lock, NULL);
			c->fd = -1;
			c->next_call_id = 1;
			/* A server's reply may be large, but not unbounded (Samba: 240 MiB). */
			rpcrt_pdu_reasm_init(&c->reasm, RPCRT_PTYPE_RESPONSE, 256u << 20);
			b->conn = c;
		}
	}
	*ret = b->conn;
	pthread_mutex_unlock(&b->lock);
	return st;
}

/* ---- time and I/O ---- */

/* Milliseconds left before deadline as a transport timeout (INFINITE: none). */
static uint32_t
left_ms(uint64_t deadline)
{
	int ms = rpcrt_ms_left(deadline);
	return ms < 0 ? INFINITE : (uint32_t)ms;
}

/* Waits until fd is ready for events; RPC_S_CALL_CANCELLED when the call's time is up. */
static RPC_STATUS
wait_fd(int fd, short events, uint64_t deadline)
{
	RPC_STATUS st = rpcrt_sock_wait(fd, events, deadline);
	return st == RPC_S_TIMEOUT ? RPC_S_CALL_CANCELLED : st;
}

static RPC_STATUS
send_all(struct rpcrt_cconn *c, const uint8_t *p, size_t len, uint64_t deadline)
{
	while (len) {
		size_t n = 0;
		RPC_STATUS st = rpcrt_sock_write(c->fd, p, len, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			st = wait_fd(c->fd, POLLOUT, deadline);
		else if (st == RPC_S_OK) {
			p += n;
			len -= n;
		}
		if (st)
			return st;
	}
	return RPC_S_OK;
}

/* The next whole fragment: *h and *ret_p (valid until consume()). */
static RPC_STATUS
read_frag(struct rpcrt_cconn *c, uint64_t deadline, rpcrt_pdu_hdr *h, const uint8_t **ret_p)
{
	for (;;) {
		rpcrt_pdu_status ps = rpcrt_pdu_parse_hdr(c->in.data, c->in.len, h);
		if (ps == RPCRT_PDU_OK) {
			*ret_p = c->in.data;
			return RPC_S_OK;
		}
		if (ps != RPCRT_PDU_NEED_MORE)
			return RPC_S_PROTOCOL_ERROR;
		if (!rpcrt_buf_reserve(&c->in, 4096))
			return RPC_S_OUT_OF_MEMORY;
		size_t n = 0;
		RPC_STATUS st = rpcrt_sock_read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING)
			st = wait_fd(c->fd, POLLIN, deadline);
		else if (st == RPC_S_OK && n == 0)
			st = RPC_S_CALL_FAILED; /* the server closed the connection */
		else
			c->in.len += n;
		if (st)
			return st;
	}
}

/* Drops the fragment read_frag() returned. */
static void
consume(struct rpcrt_cconn *c, const rpcrt_pdu_hdr *h)
{
	memmove(c->in.data, c->in.data + h->frag_length, c->in.len - h->frag_length);
	c->in.len -= h->frag_length;
}

/* Whether an open connection with nothing expected on it has been closed by the server (an
 * idle timeout, a shutdown) or carries bytes nobody asked for: it is then not reused. */
static bool
cconn_stale(const struct rpcrt_cconn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	return c->in.len != 0 || poll(&p, 1, 0) != 0;
}

/* ---- connection and presentation context ---- */

static RPC_STATUS
connect_binding(struct rpcrt_cconn *c, rpcrt_binding *b, uint64_t deadline)
{
	if (!b->endpoint[0])
		return RPC_S_NO_ENDPOINT_FOUND; /* no endpoint mapper: the endpoint must be given */
	if (b->protseq == RPCRT_PROTSEQ_NCALRPC)
		return rpcrt_unix_connect(b->endpoint, left_ms(deadline), &c->fd);
	const char *host = b->netaddr[0] ? b->netaddr : "localhost";
	RPC_STATUS st = rpcrt_tcp_connect(host, b->endpoint, left_ms(deadline), &c->fd);
	return st == RPC_S_TIMEOUT ? RPC_S_SERVER_UNAVAILABLE : st;
}

/* The presentation context of itf on c, negotiated with bind or alter_context when needed. */
static RPC_STATUS
context_for(struct rpcrt_cconn *c, const ridl_interface *itf, uint8_t pfc, uint64_t deadline, uint16_t *ret_id)
{
	rpcrt_pdu_syntax abstract = {itf->uuid, itf->ver_major, itf->ver_minor};
	for (unsigned i = 0; i < c->nctx; i++) {
		if (rpcrt_pdu_syntax_eq(&c->ctx[i].abstract, &abstract)) {
			*ret_id = c->ctx[i].id;
			return RPC_S_OK;
		}
	}
	if (c->nctx == MAX_CONTEXTS)
		return RPC_S_OUT_OF_RESOURCES;
	bool first = c->nctx == 0;
	uint16_t id = (uint16_t)c->nctx;
	rpcrt_pdu_ctx ctx = {.p_cont_id = id, .n_transfer = 1, .abstract = abstract, .transfer = &rpcrt_pdu_ndr20};
	rpcrt_pdu_bind bind = {RPCRT_PDU_MAX_FRAG, RPCRT_PDU_MAX_FRAG, c->assoc_group, 1, &ctx};
	rpcrt_buf out = {0};
	uint32_t call_id = c->next_call_id++;
	RPC_STATUS st = first ? rpcrt_pdu_encode_bind(&out, call_id, pfc, &bind)
			      : rpcrt_pdu_encode_alter_context(&out, call_id, pfc, &bind);
	if (st == RPC_S_OK)
		st = send_all(c, out.data, out.len, deadline);
	rpcrt_buf_free(&out);
	rpcrt_pdu_hdr h;
	const uint8_t *p;
	if (st || (st = read_frag(c, deadline, &h, &p)))
		return st;
	uint8_t want = first ? RPCRT_PTYPE_BIND_ACK : RPCRT_PTYPE_ALTER_CONTEXT_RESP;
	if (h.ptype == RPCRT_PTYPE_BIND_NAK) {
		rpcrt_pdu_bind_nak nak;
		st = rpcrt_pdu_decode_bind_nak(&h, p, &nak) == RPCRT_PDU_OK && nak.reason == 1
			     ? RPC_S_SERVER_TOO_BUSY /* temporary congestion */
			     : RPC_S_CALL_FAILED_DNE;
	} else if (h.ptype == RPCRT_PTYPE_FAULT) {
		rpcrt_pdu_fault f;
		st = rpcrt_pdu_decode_fault(&h, p, &f) == RPCRT_PDU_OK ? rpcrt_fault_to_status(f.status)
								      : RPC_S_PROTOCOL_ERROR;
	} else if (h.ptype != want || h.call_id != call_id) {
		st = RPC_S_PROTOCOL_ERROR;
	} else {
		rpcrt_pdu_bind_ack ack;
		if (rpcrt_pdu_decode_bind_ack(&h, p, &ack) != RPCRT_PDU_OK || ack.n_results != 1) {
			st = RPC_S_PROTOCOL_ERROR;
		} else {
			const rpcrt_pdu_result *r = &ack.results[0];
			if (r->result != 0) /* 2: provider rejection; reason 1 abstract, 2 transfer syntax */
				st = r->reason == 2 ? RPC_S_UNSUPPORTED_TRANS_SYN : RPC_S_UNKNOWN_IF;
			if (first) {
				/* Fragments we send must fit what the server receives. */
				uint16_t m = ack.max_recv_frag < RPCRT_PDU_MAX_FRAG ? ack.max_recv_frag : RPCRT_PDU_MAX_FRAG;
				c->max_xmit = m < RPCRT_PDU_MIN_FRAG ? RPCRT_PDU_MIN_FRAG : (uint16_t)(m & ~7u);
				c->assoc_group = ack.assoc_group_id;
			}
			rpcrt_pdu_bind_ack_free(&ack);
		}
	}
	consume(c, &h);
	if (st)
		return st;
	c->ctx[c->nctx].abstract = abstract;
	c->ctx[c->nctx].id = id;
	c->nctx++;
	*ret_id = id;
	return RPC_S_OK;
}

/* ---- the call ---- */

/* One request and its response, on a connected c. *ret_fault: the call ended with a fault PDU
 * (the status is then the server's). *ret_sent: the request left completely. */
static RPC_STATUS
exchange(struct rpcrt_cconn *c, uint16_t ctx_id, uint16_t opnum, const rpcrt_buf *stub, uint64_t deadline,
	 rpcrt_pdu_call *ret_call, bool *ret_fault)
{
	rpcrt_buf out = {0};
	uint32_t call_id = c->next_call_id++;
	rpcrt_pdu_request rq = {.p_cont_id = ctx_id, .opnum = opnum, .stub = stub->data, .stub_len = stub->len};
	RPC_STATUS st = rpcrt_pdu_encode_request_frags(&out, call_id, 0, &rq, c->max_xmit);
	if (st == RPC_S_OK)
		st = send_all(c, out.data, out.len, deadline);
	rpcrt_buf_free(&out);
	while (st == RPC_S_OK) {
		rpcrt_pdu_hdr h;
		const uint8_t *p;
		if ((st = read_frag(c, deadline, &h, &p)))
			break;
		if (h.call_id != call_id) {
			st = RPC_S_PROTOCOL_ERROR;
		} else if (h.ptype == RPCRT_PTYPE_FAULT) {
			rpcrt_pdu_fault f;
			if (rpcrt_pdu_decode_fault(&h, p, &f) != RPCRT_PDU_OK) {
				st = RPC_S_PROTOCOL_ERROR;
			} else {
				*ret_fault = true;
				st = rpcrt_fault_to_status(f.status);
				if (st == RPC_S_OK)
					st = RPC_S_CALL_FAILED; /* a fault never means success */
			}
			rpcrt_pdu_reasm_reset(&c->reasm);
			consume(c, &h);
			return st;
		} else if (h.ptype == RPCRT_PTYPE_RESPONSE) {
			rpcrt_pdu_verdict v;
			rpcrt_pdu_status ps = rpcrt_pdu_reasm_feed(&c->reasm, &h, p, ret_call, &v);
			consume(c, &h);
			if (ps == RPCRT_PDU_OK)
				return RPC_S_OK;
			if (ps != RPCRT_PDU_NEED_MORE)
				st = rpcrt_pdu_rpc_status(ps);
			continue;
		} else {
			st = RPC_S_PROTOCOL_ERROR;
		}
	}
	return st;
}

/* Where the call's failures go: raised, or into [comm_status] / [fault_status] parameters or
 * return values ([MS-RPCE] has no say; MIDL's ACF attributes do). */
bool
rpcrt_client_deliver_status(const ridl_proc *proc, void *const *args, void *ret, RPC_STATUS st, bool fault)
{
	bool delivered = false;
	for (uint32_t i = 0; i < proc->nparams; i++) {
		uint32_t fl = proc->params[i].flags;
		bool comm = fl & RIDL_PF_COMM_STATUS, flt = fl & RIDL_PF_FAULT_STATUS;
		if (!comm && !flt)
			continue;
		error_status_t *dst = NULL;
		memcpy(&dst, args[i], sizeof(dst));
		if (!dst)
			continue;
		if (st == RPC_S_OK) {
			*dst = 0;
		} else if ((flt && fault) || (comm && !fault)) {
			*dst = (error_status_t)st;
			delivered = true;
		}
	}
	if (st != RPC_S_OK && ret && (((proc->flags & RIDL_PROC_RET_FAULT) && fault) ||
				      ((proc->flags & RIDL_PROC_RET_COMM) && !fault))) {
		error_status_t v = (error_status_t)st;
		memcpy(ret, &v, sizeof(v));
		delivered = true;
	}
	return delivered;
}

static void
report(const ridl_proc *proc, void **args, void *ret, RPC_STATUS st, bool fault)
{
	if (!rpcrt_client_deliver_status(proc, args, ret, st, fault) && st != RPC_S_OK)
		RpcRaiseException(st);
}

RPC_STATUS
rpcrt_client_find_binding(const ridl_interface *itf, const ridl_proc *proc, void *const *args,
			  rpcrt_binding **ret)
{
	RPC_BINDING_HANDLE h = NULL;
	bool explicit = false;
	for (uint32_t i = 0; i < proc->nparams; i++) {
		if (proc->params[i].flags & RIDL_PF_BINDING) {
			memcpy(&h, args[i], sizeof(h));
			explicit = true;
			break;
		}
	}
	if (!explicit && itf->implicit_handle)
		h = *itf->implicit_handle;
	return rpcrt_binding_from_handle(h, ret);
}

void RPC_ENTRY
ridl_client_call(const ridl_interface *itf, uint32_t opnum, void **args, void *ret)
{
	RPC_STATUS st = rpcrt_ndr_check_interface(itf);
	if (st)
		RpcRaiseException(st);
	if (opnum >= itf->nprocs)
		RpcRaiseException(RPC_S_PROCNUM_OUT_OF_RANGE);
	const ridl_proc *proc = itf->procs[opnum];
	rpcrt_binding *b = NULL;
	struct rpcrt_cconn *c = NULL;
	bool fault = false;
	if ((st = rpcrt_client_find_binding(itf, proc, args, &b)) == RPC_S_OK)
		st = rpcrt_client_conn(b, &c);
	if (st) {
		report(proc, args, ret, st, false);
		return;
	}
	rpcrt_binding_ref(b);
	uint32_t timeout = rpcrt_binding_call_timeout(b);
	uint64_t deadline = rpcrt_deadline_after(timeout == 0 ? INFINITE : timeout);
	rpcrt_buf stub = {0};
	rpcrt_pdu_call call = {0};
	uint16_t ctx_id = 0;
	st = rpcrt_ndr_marshal_request(proc, args, &stub);
	if (st == RPC_S_OK) {
		pthread_mutex_lock(&c->lock);
		if (c->fd >= 0 && cconn_stale(c))
			cconn_close(c); /* closed while idle: a new connection, nothing lost */
		if (c->fd < 0 && (st = connect_binding(c, b, deadline)) != RPC_S_OK)
			c->fd = -1;
		if (st == RPC_S_OK)
			st = context_for(c, itf, 0, deadline, &ctx_id);
		if (st == RPC_S_OK)
			st = exchange(c, ctx_id, (uint16_t)opnum, &stub, deadline, &call, &fault);
		/* After anything but a clean reply or a fault the connection is in an unknown
		 * state (a timeout leaves a reply on its way): close it; the next call reconnects. */
		if (st != RPC_S_OK && !fault)
			cconn_close(c);
		pthread_mutex_unlock(&c->lock);
	}
	rpcrt_buf_free(&stub);
	if (st == RPC_S_OK) {
		uint8_t drep = call.drep[0];
		st = rpcrt_ndr_unmarshal_response(proc, call.stub.data, call.stub.len, drep, NULL, args, ret);
	}
	rpcrt_buf_free(&call.stub);
	rpcrt_binding_unref(b);
	report(proc, args, ret, st, fault);
}

RPC_STATUS
rpcrt_client_open(rpcrt_binding *b, const ridl_interface *itf, uint8_t pfc, uint64_t deadline,
		  rpcrt_client_link *ret)
{
	struct rpcrt_cconn c = {.fd = -1, .next_call_id = 1};
	rpcrt_pdu_reasm_init(&c.reasm, RPCRT_PTYPE_RESPONSE, 1);
	uint16_t id = 0;
	RPC_STATUS st = connect_binding(&c, b, deadline);
	if (st == RPC_S_OK)
		st = context_for(&c, itf, pfc, deadline, &id);
	if (st == RPC_S_OK && c.in.len)
		st = RPC_S_PROTOCOL_ERROR; /* nothing may follow the bind_ack unasked */
	if (st == RPC_S_OK) {
		ret->fd = c.fd;
		ret->max_xmit = c.max_xmit;
		ret->ctx_id = id;
		ret->next_call_id = c.next_call_id;
		c.fd = -1;
	} else if (c.fd >= 0) {
		close(c.fd);
	}
	rpcrt_pdu_reasm_free(&c.reasm);
	rpcrt_buf_free(&c.in);
	return st;
}


struct rpcrt_aconn **
rpcrt_cconn_async_list(struct rpcrt_cconn *c)
{
	return &c->async;
}

/* Recorded for RpcMgmtSetCancelTimeout(); nothing cancels a synchronous call from outside. */
static _Thread_local LONG cancel_timeout = RPC_C_CANCEL_INFINITE_TIMEOUT;

RPC_STATUS RPC_ENTRY
RpcMgmtSetCancelTimeout(LONG Timeout)
{
	if (Timeout < 0 && Timeout != RPC_C_CANCEL_INFINITE_TIMEOUT)
		return RPC_S_INVALID_ARG;
	cancel_timeout = Timeout;
	return RPC_S_OK;
}
