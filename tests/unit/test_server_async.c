/* The server side of asynchronous RPC (runtime/server.c): [async] manager routines, their
 * RpcAsyncCompleteCall / RpcAsyncAbortCall from any thread at any time, cancels (co_cancel,
 * orphaned, PFC_PENDING_CANCEL) seen through RpcServerTestCancel, and ClientDisconnect /
 * CallCancel subscriptions. A raw client builds its PDUs with runtime/pdu.h and its stub data
 * with the NDR engine, so that every byte the server sends can be checked; one test uses the
 * real synchronous client (ridl_client_call).
 *
 * The interface is tests/ndr/ndrtest.idl: its client tables, copied, with RIDL_PROC_ASYNC set
 * on Scalars, Structs, Conformant and OutPointers, which is exactly what ridl emits for a
 * server whose ACF marks those procedures [async] (the server tables differ from the client
 * ones only there and in the default EPV). Each test names the ms-rpc-async.md rule or section
 * it pins.
 *
 * Each test runs in its own process (Check's fork mode) with its own XDG_RUNTIME_DIR, ends with
 * rpcrt_server_reset(), and must leave no descriptor behind. Every wait is bounded. Threads
 * other than the test's main one never assert; they record, and the main thread checks. */
#define _GNU_SOURCE /* mkdtemp, setenv, usleep */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "ndr.h"
#include "ndrtest.h"
#include "ndrtest_calls.h"
#include "pdu.h"
#include "pdu_peer.h"
#include "server.h"
#include "transport.h"

/* What the [async] Scalars manager does, chosen by its first argument. */
enum {
	M_NOW = 1,        /* completes before it returns, with c * 2 */
	M_LATER = 2,      /* records the call and returns; the test completes it */
	M_ABORT = 3,      /* RpcAsyncAbortCall(c) before it returns */
	M_RAISE = 4,      /* RpcRaiseException(c) without completing */
	M_TWICE = 5,      /* completes, then completes and aborts again */
	M_NULL_REPLY = 6, /* completes with Reply NULL, then properly */
	M_THREAD = 7,     /* a thread of its own completes it b milliseconds later */
	M_SUBSCRIBE = 8,  /* subscribes to both notifications, then as M_LATER */
};

#define MAX_PENDING 1100

/* ==== Fixtures =============================================================================== */

#define SOCK_FIXTURE_NAME "srvasync"
#include "sock_fixture.h"

/* What the managers and notification routines record, guarded by rec_m (rec_c is broadcast on
 * every change). */
struct pending {
	PRPC_ASYNC_STATE st;
	int op;
	int32_t c;       /* Scalars: c; OutPointers: n */
	int64_t *sum;    /* Scalars */
	item **created;  /* OutPointers */
	int32_t *filled; /* OutPointers */
};

struct note {
	PRPC_ASYNC_STATE h;
	void *ctx;
	RPC_ASYNC_EVENT ev;
	RPC_ASYNC_EVENT state_event; /* pAsync->Event as the routine saw it ([async] calls) */
	RPC_STATUS test_cancel;      /* RpcServerTestCancel(h) inside the routine (synchronous) */
};

static pthread_mutex_t rec_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rec_c = PTHREAD_COND_INITIALIZER;
static struct pending pend[MAX_PENDING];
static int npend;
static struct note notes[16];
static int nnotes;
static RPC_STATUS rec[8]; /* statuses a manager saw, in order */
static int nrec;
static PRPC_ASYNC_STATE raised_state; /* the state of an M_RAISE call */
static int entered;                   /* synchronous managers entered */
static pthread_t completers[8];       /* M_THREAD threads, joined by the test */
static int ncompleters;

static void
setup(void)
{
	/* SIGPIPE keeps its default action: the server must never raise it. */
	signal(SIGPIPE, SIG_DFL);
	dir_clear();
	pthread_mutex_lock(&rec_m);
	npend = nnotes = nrec = entered = ncompleters = 0;
	raised_state = NULL;
	pthread_mutex_unlock(&rec_m);
	fds_at_start = fd_count();
}

static void
teardown(void)
{
	rpcrt_server_reset();
	ck_assert_int_eq(fd_count(), fds_at_start);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
record(RPC_STATUS st)
{
	pthread_mutex_lock(&rec_m);
	if (nrec < (int)(sizeof(rec) / sizeof(rec[0])))
		rec[nrec++] = st;
	pthread_cond_broadcast(&rec_c);
	pthread_mutex_unlock(&rec_m);
}

/* Waits (up to 5 s) until *counter >= n; the counter is guarded by rec_m. */
static bool
wait_count(const int *counter, int n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += IO_TIMEOUT_S;
	pthread_mutex_lock(&rec_m);
	while (*counter < n && pthread_cond_timedwait(&rec_c, &rec_m, &ts) != ETIMEDOUT)
		;
	bool ok = *counter >= n;
	pthread_mutex_unlock(&rec_m);
	return ok;
}

static struct pending
pending_at(int i)
{
	pthread_mutex_lock(&rec_m);
	struct pending p = pend[i];
	pthread_mutex_unlock(&rec_m);
	return p;
}

/* ==== The managers =========================================================================== */

static void
add_pending(struct pending p)
{
	pthread_mutex_lock(&rec_m);
	if (npend < MAX_PENDING)
		pend[npend++] = p;
	pthread_cond_broadcast(&rec_c);
	pthread_mutex_unlock(&rec_m);
}

static void RPC_ENTRY
note_async(PRPC_ASYNC_STATE h, void *ctx, RPC_ASYNC_EVENT ev)
{
	pthread_mutex_lock(&rec_m);
	if (nnotes < (int)(sizeof(notes) / sizeof(notes[0])))
		notes[nnotes++] = (struct note){ h, ctx, ev, h->Event, 0 };
	pthread_cond_broadcast(&rec_c);
	pthread_mutex_unlock(&rec_m);
}

/* For a synchronous call h is the call handle, not a state. */
static void RPC_ENTRY
note_sync(PRPC_ASYNC_STATE h, void *ctx, RPC_ASYNC_EVENT ev)
{
	RPC_STATUS tc = RpcServerTestCancel(h);
	pthread_mutex_lock(&rec_m);
	if (nnotes < (int)(sizeof(notes) / sizeof(notes[0])))
		notes[nnotes++] = (struct note){ h, ctx, ev, 0, tc };
	pthread_cond_broadcast(&rec_c);
	pthread_mutex_unlock(&rec_m);
}

struct completer {
	PRPC_ASYNC_STATE st;
	int32_t ret;
	unsigned delay_ms;
};

static void *
completer_main(void *arg)
{
	struct completer *k = arg;
	usleep(k->delay_ms * 1000u);
	record(RpcAsyncCompleteCall(k->st, &k->ret));
	free(k);
	return NULL;
}

static int64_t
scalars_sum(int8_t a, int16_t b, int32_t c, int64_t d, float e, double f, uint8_t g, uint8_t h,
	    uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us, uint64_t uh)
{
	return a + b + c + d + (int64_t)e + (int64_t)f + g + h + i + j + k + m + us + (int64_t)uh;
}

static void
a_scalars(PRPC_ASYNC_STATE st, int8_t a, int16_t b, int32_t c, int64_t d, float e, double f,
	  uint8_t g, uint8_t h, uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us,
	  uint64_t uh, int64_t *sum)
{
	*sum = scalars_sum(a, b, c, d, e, f, g, h, i, j, k, m, us, uh);
	int32_t ret = c * 2;
	switch (a) {
	case M_NOW:
		record(RpcAsyncCompleteCall(st, &ret));
		break;
	case M_LATER:
		add_pending((struct pending){ .st = st, .op = OP_SCALARS, .c = c, .sum = sum });
		break;
	case M_ABORT:
		record(RpcAsyncAbortCall(st, (ULONG)c));
		break;
	case M_RAISE:
		pthread_mutex_lock(&rec_m);
		raised_state = st;
		pthread_mutex_unlock(&rec_m);
		RpcRaiseException(c);
		break;
	case M_TWICE:
		record(RpcAsyncCompleteCall(st, &ret));
		record(RpcAsyncCompleteCall(st, &ret));
		record(RpcAsyncAbortCall(st, 5));
		break;
	case M_NULL_REPLY:
		record(RpcAsyncCompleteCall(st, NULL));
		record(RpcAsyncCompleteCall(st, &ret));
		break;
	case M_THREAD: {
		struct completer *kp = malloc(sizeof(*kp));
		*kp = (struct completer){ st, ret, (unsigned)b };
		pthread_mutex_lock(&rec_m);
		pthread_create(&completers[ncompleters++], NULL, completer_main, kp);
		pthread_mutex_unlock(&rec_m);
		break;
	}
	case M_SUBSCRIBE: {
		RPC_ASYNC_NOTIFICATION_INFO info = { .NotificationRoutine = note_async };
		record(RpcServerSubscribeForNotification(
			RpcAsyncGetCallHandle(st),
			(RPC_NOTIFICATIONS)(RpcNotificationClientDisconnect |
					    RpcNotificationCallCancel),
			RpcNotificationTypeCallback, &info));
		add_pending((struct pending){ .st = st, .op = OP_SCALARS, .c = c, .sum = sum });
		break;
	}
	default:
		/* RpcServerTestCancel(NULL) as the manager is entered, then as M_LATER. */
		record(RpcServerTestCancel(NULL));
		add_pending((struct pending){ .st = st, .op = OP_SCALARS, .c = c, .sum = sum });
		break;
	}
}

/* [in,out] and [out] structs, a void procedure: completed with Reply NULL. */
static void
a_structs(PRPC_ASYNC_STATE st, simple *s, nested *n, padded *p, simple *o)
{
	p->c = (char)(p->c + 1);
	p->d *= 2;
	o->s = (int16_t)(s->s + 1);
	o->l = n->in.l + n->a;
	o->h = s->h * 3;
	record(RpcAsyncCompleteCall(st, NULL));
}

/* An [in,out] conformant varying struct whose length the manager sets beyond its size, so
 * that its reply cannot be marshalled. */
static void
a_conformant(PRPC_ASYNC_STATE st, conf *c, confvar *cv, outer_conf *oc)
{
	(void)c, (void)oc;
	cv->len = cv->max + 1;
	record(RpcAsyncCompleteCall(st, NULL));
}

/* [out] memory the manager allocates; the test completes the call. */
static void
a_outpointers(PRPC_ASYNC_STATE st, int32_t n, item **created, int32_t *filled)
{
	item *it = MIDL_user_allocate(sizeof(*it));
	it->id = n;
	it->name = MIDL_user_allocate(32);
	snprintf(it->name, 32, "late-%d", (int)n);
	it->opt = NULL;
	*created = it;
	add_pending((struct pending){
		.st = st, .op = OP_OUTPOINTERS, .c = n, .created = created, .filled = filled });
}

/* Strings is synchronous. Its first string chooses what the manager does:
 * "cancel": records RpcServerTestCancel(NULL), waits up to 5 s for it to say RPC_S_OK,
 *           records that, total = 1 if it did;
 * "subscribe": subscribes its own call (NULL binding) to CallCancel with note_sync, waits up
 *           to 5 s for the notification, unsubscribes, records the three statuses and the
 *           queued count, total = 7;
 * anything else: total = the string's length. */
static void
s_strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
	(void)w, (void)fs, (void)maybe;
	pthread_mutex_lock(&rec_m);
	entered++;
	pthread_cond_broadcast(&rec_c);
	pthread_mutex_unlock(&rec_m);
	if (strcmp(a, "cancel") == 0) {
		record(RpcServerTestCancel(NULL));
		uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
		RPC_STATUS st;
		while ((st = RpcServerTestCancel(NULL)) != RPC_S_OK && mono_ms() < end)
			usleep(1000);
		record(st);
		*total = st == RPC_S_OK;
	} else if (strcmp(a, "subscribe") == 0) {
		RPC_ASYNC_NOTIFICATION_INFO info = { .NotificationRoutine = note_sync };
		record(RpcServerSubscribeForNotification(NULL, RpcNotificationCallCancel,
							 RpcNotificationTypeCallback, &info));
		wait_count(&nnotes, 1);
		ULONG queued = 99;
		record(RpcServerUnsubscribeForNotification(NULL, RpcNotificationCallCancel,
							   &queued));
		record((RPC_STATUS)queued);
		*total = 7;
	} else {
		*total = (int32_t)strlen(a);
	}
}

static void
s_plain(void)
{
}

/* The EPV in opnum order; the synchronous procedures other than Strings are never called. */
static void (*const epv[OP_COUNT])(void) = {
	(void (*)(void))a_scalars,
	(void (*)(void))a_structs,
	(void (*)(void))a_conformant,
	s_plain,
	(void (*)(void))s_strings,
	s_plain,
	(void (*)(void))a_outpointers,
	s_plain,
	s_plain,
	s_plain,
	s_plain,
	s_plain,
};

static ridl_proc aprocs[OP_COUNT];
static const ridl_proc *aprocp[OP_COUNT];
static ridl_interface aitf;

static bool
is_async(unsigned op)
{
	return op == OP_SCALARS || op == OP_STRUCTS || op == OP_CONFORMANT || op == OP_OUTPOINTERS;
}

/* Registers ndrtest's server with [async] Scalars, Structs, Conformant and OutPointers, on a
 * dynamic TCP endpoint whose port goes to port, and listens with at most 8 workers and the
 * default limits. */
static void
start_server(char port[8])
{
	const ridl_interface *c = ndrtest_v1_0_c_ifspec;
	aitf = *c;
	for (unsigned i = 0; i < OP_COUNT; i++) {
		aprocs[i] = *c->procs[i];
		if (is_async(i))
			aprocs[i].flags |= RIDL_PROC_ASYNC;
		aprocp[i] = &aprocs[i];
	}
	aitf.procs = aprocp;
	ck_assert_int_eq(RpcServerRegisterIf(&aitf, NULL, (RPC_MGR_EPV *)epv), RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp", 10, NULL), RPC_S_OK);
	RPC_BINDING_VECTOR *v = NULL;
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
	ck_assert_uint_eq(v->Count, 1);
	RPC_CSTR ep = NULL;
	ck_assert_int_eq(RpcBindingToStringBindingA(v->BindingH[0], &ep), RPC_S_OK);
	RPC_CSTR e = NULL;
	ck_assert_int_eq(RpcStringBindingParseA(ep, NULL, NULL, NULL, &e, NULL), RPC_S_OK);
	snprintf(port, 8, "%s", (char *)e);
	RpcStringFreeA(&e);
	RpcStringFreeA(&ep);
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
}

/* ==== The raw client ========================================================================= */

/* Nothing arrives on fd for ms milliseconds. */
static bool
quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 0;
}

/* Binds context 0 to ndrtest, with PFC_CONC_MPX when mpx. */
static void
bind_ndrtest(int fd, bool mpx)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	bind_ndrtest_raw(fd, mpx ? RPCRT_PFC_CONC_MPX : 0, 5840, &b, &h);
	ck_assert_uint_eq(h.pfc_flags & RPCRT_PFC_CONC_MPX, mpx ? RPCRT_PFC_CONC_MPX : 0);
	rpcrt_pdu_bind_ack ack;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
	ck_assert_uint_eq(ack.results[0].result, RPCRT_CTX_ACCEPTANCE);
	rpcrt_pdu_bind_ack_free(&ack);
	rpcrt_buf_free(&b);
}

/* What came back for a call: the response's stub data, or a fault and its whole PDU. */
struct reply {
	uint32_t call_id;
	bool fault;
	uint32_t status;
	rpcrt_buf stub;
	uint8_t fault_pdu[RPCRT_PDU_FAULT_LEN];
};

static void
reply_free(struct reply *r)
{
	rpcrt_buf_free(&r->stub);
	memset(r, 0, sizeof(*r));
}

/* Reads the next reply, whichever call it answers; false when the connection ended first. */
static bool
read_any_reply(int fd, struct reply *r)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	memset(r, 0, sizeof(*r));
	for (unsigned nfrags = 0;; nfrags++) {
		if (!recv_pdu(fd, &b, &h)) {
			rpcrt_buf_free(&b);
			return false;
		}
		ck_assert(nfrags == 0 || h.call_id == r->call_id);
		r->call_id = h.call_id;
		if (h.ptype == RPCRT_PTYPE_FAULT) {
			ck_assert_uint_eq(nfrags, 0);
			ck_assert_uint_eq(b.len, RPCRT_PDU_FAULT_LEN);
			memcpy(r->fault_pdu, b.data, b.len);
			rpcrt_pdu_fault f;
			ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
			r->fault = true;
			r->status = f.status;
			break;
		}
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_RESPONSE);
		rpcrt_pdu_response rs;
		ck_assert_int_eq(rpcrt_pdu_decode_response(&h, b.data, &rs), RPCRT_PDU_OK);
		ck_assert_uint_eq(!!(h.pfc_flags & RPCRT_PFC_FIRST_FRAG), nfrags == 0);
		stub_append(&r->stub, &rs);
		if (h.pfc_flags & RPCRT_PFC_LAST_FRAG)
			break;
	}
	rpcrt_buf_free(&b);
	return true;
}

static void
read_reply(int fd, uint32_t call_id, struct reply *r)
{
	ck_assert(read_any_reply(fd, r));
	ck_assert_uint_eq(r->call_id, call_id);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The fault PDU byte for byte (C706 12.6.4.7, [MS-RPCE] 2.2.2.8): version 5.0, ptype 3,
 * FIRST_FRAG | LAST_FRAG (and DID_NOT_EXECUTE when dne), little-endian drep, frag_length 32,
 * no auth, the call_id; alloc_hint 24, context 0, cancel_count 0, the status, reserved 0. */
static void
check_fault(const struct reply *r, uint32_t status, bool dne)
{
	ck_assert_msg(r->fault, "a response instead of fault 0x%x", status);
	uint8_t want[RPCRT_PDU_FAULT_LEN] = { 5, 0, RPCRT_PTYPE_FAULT, 0x03, 0x10, 0, 0, 0, 32, 0 };
	if (dne)
		want[3] |= RPCRT_PFC_DID_NOT_EXECUTE;
	put32(want + 12, r->call_id);
	put32(want + 16, 24);
	put32(want + 24, status);
	ck_assert_mem_eq(r->fault_pdu, want, sizeof(want));
}

static void
send_request(int fd, uint32_t call_id, uint16_t opnum, void **args)
{
	rpcrt_buf stub = { 0 }, b = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(P(opnum), args, &stub), RPC_S_OK);
	rpcrt_pdu_request rq = { .opnum = opnum, .stub = stub.data, .stub_len = stub.len };
	ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&b, call_id, 0, &rq, 5840), RPC_S_OK);
	ck_assert(send_all(fd, b.data, b.len));
	rpcrt_buf_free(&b);
	rpcrt_buf_free(&stub);
}

static void
send_header_pdu(int fd, uint8_t ptype, uint32_t call_id)
{
	rpcrt_buf b = { 0 };
	if (ptype == RPCRT_PTYPE_CO_CANCEL)
		ck_assert_int_eq(rpcrt_pdu_encode_co_cancel(&b, call_id), RPC_S_OK);
	else
		ck_assert_int_eq(rpcrt_pdu_encode_orphaned(&b, call_id), RPC_S_OK);
	ck_assert(send_all(fd, b.data, b.len));
	rpcrt_buf_free(&b);
}

static int64_t
scalars_expected(const struct scalars *s)
{
	return scalars_sum(s->a, s->b, s->c, s->d, s->e, s->f, s->g, s->h, s->i, s->j, s->k, s->m,
			   s->us, s->uh);
}

static void
send_scalars(int fd, uint32_t call_id, int8_t mode, int16_t b, int32_t c)
{
	struct scalars s;
	scalars_init(&s, mode, b, c);
	send_request(fd, call_id, OP_SCALARS, s.args);
}

/* A Scalars reply: exactly 12 bytes of stub data, the [out] hyper sum (8 bytes, at offset 0)
 * then the long return value, little-endian (NDR 2.0, C706 14.2). */
static void
check_scalars_reply(const struct reply *r, int8_t mode, int16_t b, int32_t c)
{
	ck_assert_msg(!r->fault, "fault 0x%x", r->status);
	struct scalars s;
	scalars_init(&s, mode, b, c);
	uint64_t sum = (uint64_t)scalars_expected(&s);
	uint8_t want[12];
	for (int i = 0; i < 8; i++)
		want[i] = (uint8_t)(sum >> (8 * i));
	put32(want + 8, (uint32_t)(c * 2));
	ck_assert_uint_eq(r->stub.len, sizeof(want));
	ck_assert_mem_eq(r->stub.data, want, sizeof(want));
}

/* Sends a Strings call whose first string is a. */
static void
send_strings(int fd, uint32_t call_id, const char *a)
{
	char *pa = (char *)a;
	uint16_t w[] = { 'w', 0 }, *pw = w;
	char fs[16] = "f", *pfs = fs, *maybe = NULL;
	int32_t total = 0, *ptotal = &total;
	void *args[] = { &pa, &pw, &pfs, &maybe, &ptotal };
	send_request(fd, call_id, OP_STRINGS, args);
}

/* A Strings reply: the [out] long total, 4 bytes. */
static void
check_strings_reply(const struct reply *r, int32_t total)
{
	ck_assert_msg(!r->fault, "fault 0x%x", r->status);
	uint8_t want[4];
	put32(want, (uint32_t)total);
	ck_assert_uint_eq(r->stub.len, 4);
	ck_assert_mem_eq(r->stub.data, want, 4);
}

/* Completes pending Scalars call i (as recorded by M_LATER) with c * 2. */
static RPC_STATUS
complete_scalars(int i)
{
	struct pending p = pending_at(i);
	int32_t ret = p.c * 2;
	return RpcAsyncCompleteCall(p.st, &ret);
}

/* ==== Tests: completion ====================================================================== */

/* §2.5, rule 7: the manager completes its call before it returns; the reply carries the [out]
 * sum and the return value it passed by reference. */
START_TEST(test_complete_inline)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;
	send_scalars(fd, 2, M_NOW, -300, 21);
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_NOW, -300, 21);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);
	close(fd);
}
END_TEST

/* §2.5 "from any thread, at any later time", §3 "a pending async call costs no thread":
 * three calls wait for the application while the connection answers others (an [async] one
 * completed at once and a synchronous one); nothing arrives for them until they are completed,
 * by this thread, in another order than they came (each reply matched by call_id). */
START_TEST(test_complete_later_out_of_order)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	send_scalars(fd, 2, M_LATER, 1, 10);
	send_scalars(fd, 3, M_LATER, 2, 20);
	send_scalars(fd, 4, M_LATER, 3, 30);
	ck_assert(wait_count(&npend, 3));

	struct reply r;
	send_scalars(fd, 5, M_NOW, 4, 40);
	read_reply(fd, 5, &r);
	check_scalars_reply(&r, M_NOW, 4, 40);
	reply_free(&r);
	send_strings(fd, 6, "sync");
	read_reply(fd, 6, &r);
	check_strings_reply(&r, 4);
	reply_free(&r);
	ck_assert(quiet(fd, 200));

	/* The calls were recorded in the order the workers entered them; find each by c. */
	int idx[3];
	for (int i = 0; i < 3; i++) {
		int32_t c = pending_at(i).c;
		idx[c / 10 - 1] = i;
	}
	static const int order[3] = { 2, 0, 1 }; /* calls 4, 2, 3 */
	for (int k = 0; k < 3; k++) {
		int n = order[k];
		ck_assert_int_eq(complete_scalars(idx[n]), RPC_S_OK);
		read_reply(fd, (uint32_t)(2 + n), &r);
		check_scalars_reply(&r, M_LATER, (int16_t)(n + 1), 10 * (n + 1));
		reply_free(&r);
		ck_assert(quiet(fd, 50));
	}
	close(fd);
}
END_TEST

/* §2.6 and rule 8: RpcAsyncAbortCall sends a fault carrying exactly its code, without
 * DID_NOT_EXECUTE (the manager ran), from inside the manager and from another thread; code 0
 * is refused (RPC_S_INVALID_ARG) and the call goes on. */
START_TEST(test_abort)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;
	send_scalars(fd, 2, M_ABORT, 0, 0x1234);
	read_reply(fd, 2, &r);
	check_fault(&r, 0x1234, false);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);

	send_scalars(fd, 3, M_LATER, 0, 7);
	ck_assert(wait_count(&npend, 1));
	PRPC_ASYNC_STATE st = pending_at(0).st;
	ck_assert_int_eq(RpcAsyncAbortCall(st, 0), RPC_S_INVALID_ARG);
	ck_assert(quiet(fd, 100));
	ck_assert_int_eq(RpcAsyncAbortCall(st, RPC_S_CALL_CANCELLED), RPC_S_OK);
	read_reply(fd, 3, &r);
	check_fault(&r, RPC_S_CALL_CANCELLED, false);
	reply_free(&r);
	/* Rule 7: the handle is dead. */
	int32_t ret = 1;
	ck_assert_int_eq(RpcAsyncAbortCall(st, 5), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcAsyncCompleteCall(st, &ret), RPC_S_INVALID_ASYNC_HANDLE);
	close(fd);
}
END_TEST

/* Rules 7 and 8: a manager that raises before completing faults its call with the code
 * (without DID_NOT_EXECUTE), and its state is dead: a later RpcAsyncCompleteCall or
 * RpcAsyncAbortCall on it is RPC_S_INVALID_ASYNC_HANDLE, not a crash. */
START_TEST(test_raise)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;
	send_scalars(fd, 2, M_RAISE, 0, 777);
	read_reply(fd, 2, &r);
	check_fault(&r, 777, false);
	reply_free(&r);
	pthread_mutex_lock(&rec_m);
	PRPC_ASYNC_STATE st = raised_state;
	pthread_mutex_unlock(&rec_m);
	ck_assert_ptr_nonnull(st);
	int32_t ret = 1;
	ck_assert_int_eq(RpcAsyncCompleteCall(st, &ret), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcAsyncAbortCall(st, 5), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert(quiet(fd, 100));
	/* The connection goes on. */
	send_scalars(fd, 3, M_NOW, 0, 3);
	read_reply(fd, 3, &r);
	check_scalars_reply(&r, M_NOW, 0, 3);
	reply_free(&r);
	close(fd);
}
END_TEST

/* Rule 7: after RpcAsyncCompleteCall the handle is dead: a second RpcAsyncCompleteCall and an
 * RpcAsyncAbortCall are RPC_S_INVALID_ASYNC_HANDLE and send nothing, whether the first one came
 * from inside the manager or from another thread; its call handle is no longer a call
 * (RPC_S_INVALID_BINDING, §2.8). */
START_TEST(test_complete_twice)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;
	send_scalars(fd, 2, M_TWICE, 0, 8);
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_TWICE, 0, 8);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 3));
	ck_assert_int_eq(rec[0], RPC_S_OK);
	ck_assert_int_eq(rec[1], RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(rec[2], RPC_S_INVALID_ASYNC_HANDLE);

	send_scalars(fd, 3, M_LATER, 0, 9);
	ck_assert(wait_count(&npend, 1));
	PRPC_ASYNC_STATE st = pending_at(0).st;
	void *h = RpcAsyncGetCallHandle(st);
	ck_assert_int_eq(RpcServerTestCancel(h), RPC_S_CALL_IN_PROGRESS);
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	ck_assert_int_eq(complete_scalars(0), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcAsyncAbortCall(st, 5), RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcServerTestCancel(h), RPC_S_INVALID_BINDING);
	read_reply(fd, 3, &r);
	check_scalars_reply(&r, M_LATER, 0, 9);
	reply_free(&r);
	/* Exactly one reply each: the next thing on the wire answers the next call. */
	send_scalars(fd, 4, M_NOW, 0, 10);
	read_reply(fd, 4, &r);
	check_scalars_reply(&r, M_NOW, 0, 10);
	reply_free(&r);
	close(fd);
}
END_TEST

/* §6 item 2: Reply may be NULL for a void procedure (Structs, whose [in,out] and [out] structs
 * are in the reply byte for byte); for one that returns a value it is RPC_S_INVALID_ARG and the
 * call stays live, to be completed properly. */
START_TEST(test_reply_null)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);

	simple s = { 7, 8, -9 }, o = { 0 };
	nested n = { .a = 4, .in = { 1, 100, 2 }, .b = 1 };
	padded p = { 'a', 1.5 };
	simple *ps = &s, *po = &o;
	nested *pn = &n;
	padded *pp = &p;
	void *args[] = { &ps, &pn, &pp, &po };
	send_request(fd, 2, OP_STRUCTS, args);
	struct reply r;
	read_reply(fd, 2, &r);
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	/* padded { char c = 'b'; double d = 3.0 } then simple { short 8; long 104; hyper -27 }:
	 * c, 7 bytes of padding, d at 8; s at 16, 2 bytes of padding, l at 20, h at 24. */
	static const uint8_t want[32] = {
		'b', 0, 0, 0, 0,   0, 0, 0, 0,    0,    0,    0,    0,    0,    0x08, 0x40,
		8,   0, 0, 0, 104, 0, 0, 0, 0xe5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	ck_assert_uint_eq(r.stub.len, sizeof(want));
	/* Padding bytes are not specified by NDR: compare everything else. */
	for (size_t i = 0; i < sizeof(want); i++)
		if (!((i >= 1 && i < 8) || (i >= 18 && i < 20)))
			ck_assert_msg(r.stub.data[i] == want[i], "byte %zu: %02x, not %02x", i,
				      r.stub.data[i], want[i]);
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_STRUCTS), r.stub.data, r.stub.len,
						      RPCRT_DREP_LE, NULL, args, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(p.c, 'b');
	ck_assert(p.d == 3.0);
	ck_assert_int_eq(o.s, 8);
	ck_assert_int_eq(o.l, 104);
	ck_assert_int_eq(o.h, -27);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);

	send_scalars(fd, 3, M_NULL_REPLY, 0, 12);
	read_reply(fd, 3, &r);
	check_scalars_reply(&r, M_NULL_REPLY, 0, 12);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 3));
	ck_assert_int_eq(rec[1], RPC_S_INVALID_ARG);
	ck_assert_int_eq(rec[2], RPC_S_OK);
	close(fd);
}
END_TEST

/* §2.5 server side: [out] memory the manager allocated (MIDL_user_allocate) and [out] buffers it
 * filled after returning, from another thread, just before RpcAsyncCompleteCall: the reply is
 * exactly what the engine marshals for those values, and the runtime frees that memory
 * (sanitizers and valgrind check). */
START_TEST(test_out_params_later)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);

	int32_t n = 600;
	item *created = NULL, **pcreated = &created;
	int32_t *filled = calloc((size_t)n, sizeof(*filled));
	void *args[] = { &n, &pcreated, &filled };
	send_request(fd, 2, OP_OUTPOINTERS, args);
	ck_assert(wait_count(&npend, 1));
	ck_assert(quiet(fd, 100));
	struct pending pd = pending_at(0);
	ck_assert_int_eq(pd.op, OP_OUTPOINTERS);
	for (int32_t i = 0; i < n; i++)
		pd.filled[i] = i * 5 - 1;
	ck_assert_int_eq(RpcAsyncCompleteCall(pd.st, NULL), RPC_S_OK);

	/* The same values marshalled here. */
	item want_item = { n, "late-600", NULL }, *pwant = &want_item, **ppwant = &pwant;
	int32_t *want_filled = calloc((size_t)n, sizeof(*want_filled));
	for (int32_t i = 0; i < n; i++)
		want_filled[i] = i * 5 - 1;
	void *want_args[] = { &n, &ppwant, &want_filled };
	rpcrt_buf want = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_response(P(OP_OUTPOINTERS), want_args, NULL, &want),
			 RPC_S_OK);

	struct reply r;
	read_reply(fd, 2, &r);
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	ck_assert_uint_eq(r.stub.len, want.len);
	ck_assert_mem_eq(r.stub.data, want.data, want.len);
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_OUTPOINTERS), r.stub.data, r.stub.len,
						      RPCRT_DREP_LE, NULL, args, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(created->id, n);
	ck_assert_str_eq(created->name, "late-600");
	ck_assert_int_eq(filled[599], 599 * 5 - 1);
	rpcrt_ndr_free_response(P(OP_OUTPOINTERS), args);
	reply_free(&r);
	rpcrt_buf_free(&want);
	free(filled);
	free(want_filled);
	close(fd);
}
END_TEST

/* §2.5 "if it fails, the runtime frees the parameters": a reply that cannot be marshalled (an
 * [in,out] conformant varying struct whose length exceeds its size) makes RpcAsyncCompleteCall
 * return the engine's status, RPC_X_INVALID_BOUND; the client gets a fault with it (as from a
 * synchronous manager: RPC_X_* codes pass), and the call is over. */
START_TEST(test_marshal_failure)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);

	conf *c = calloc(1, sizeof(conf) + 2 * sizeof(int32_t));
	c->n = 2;
	confvar *cv = calloc(1, sizeof(confvar) + 3 * sizeof(int16_t));
	cv->max = 3;
	cv->len = 2;
	outer_conf *oc = calloc(1, sizeof(outer_conf) + sizeof(int32_t));
	oc->c.n = 1;
	void *args[] = { &c, &cv, &oc };
	send_request(fd, 2, OP_CONFORMANT, args);
	struct reply r;
	read_reply(fd, 2, &r);
	check_fault(&r, RPC_X_INVALID_BOUND, false);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_X_INVALID_BOUND);
	free(c);
	free(cv);
	free(oc);
	close(fd);
}
END_TEST

/* ==== Tests: the client goes away ============================================================ */

/* n calls wait for the application when the client goes away (it shuts its side down, and the
 * server closes the connection); the application completes them afterwards, from two threads:
 * each RpcAsyncCompleteCall succeeds, nothing is written to the closed connection (the client
 * reads the end of the stream and nothing else), and everything is freed (sanitizers, valgrind
 * and the descriptor count check). §3 "a pending call costs memory, not a thread": 1000 calls
 * wait with at most 8 workers, and the default limits allow them on one connection
 * (security-tests T47, T48). */
struct complete_range {
	int from, to, failures;
};

static void *
complete_range_main(void *arg)
{
	struct complete_range *cr = arg;
	for (int i = cr->from; i < cr->to; i++)
		if (complete_scalars(i) != RPC_S_OK)
			cr->failures++;
	return NULL;
}

static void
pending_then_gone(const char *port, int n, bool shut)
{
	pthread_mutex_lock(&rec_m);
	npend = 0;
	pthread_mutex_unlock(&rec_m);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	for (int i = 0; i < n; i++)
		send_scalars(fd, (uint32_t)(2 + i), M_LATER, 0, i);
	ck_assert(wait_count(&npend, n));
	if (shut) {
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		/* The end of the stream, and no byte before it. */
		char c1;
		ck_assert_int_eq(recv(fd, &c1, 1, 0), 0);
	} else {
		close(fd);
	}
	struct complete_range a = { 0, n / 2, 0 }, b = { n / 2, n, 0 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, complete_range_main, &a), 0);
	complete_range_main(&b);
	pthread_join(t, NULL);
	ck_assert_int_eq(a.failures + b.failures, 0);
	if (shut) {
		char c1;
		ck_assert_int_eq(recv(fd, &c1, 1, 0), 0);
		close(fd);
	}
}

START_TEST(test_client_gone_pending)
{
	char port[8];
	start_server(port);
	static const int counts[] = { 1, 100, 1000 };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		pending_then_gone(port, counts[i], true);
	/* The client closes at once and the completions race with the server noticing. */
	pending_then_gone(port, 100, false);
}
END_TEST

/* [MS-RPCE] 3.3.1.5.4: without PFC_CONC_MPX, calls on a connection run one at a time and are
 * answered in order; a pending [async] call holds up the next one until it is completed. */
START_TEST(test_serial_connection)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, false);
	send_scalars(fd, 2, M_LATER, 0, 50);
	ck_assert(wait_count(&npend, 1));
	send_strings(fd, 3, "next");
	ck_assert(quiet(fd, 200));
	pthread_mutex_lock(&rec_m);
	ck_assert_int_eq(entered, 0);
	pthread_mutex_unlock(&rec_m);
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	struct reply r;
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_LATER, 0, 50);
	reply_free(&r);
	read_reply(fd, 3, &r);
	check_strings_reply(&r, 4);
	reply_free(&r);
	close(fd);
}
END_TEST

/* ==== Tests: cancels ========================================================================= */

/* §2.8: RpcServerTestCancel(RpcAsyncGetCallHandle(pAsync)) says RPC_S_CALL_IN_PROGRESS until the
 * client's co_cancel arrives, then RPC_S_OK; it only reports, so the call still ends as its
 * application decides. orphaned marks a call the same way. A request whose last fragment
 * carries PFC_PENDING_CANCEL starts cancelled, which its manager sees with
 * RpcServerTestCancel(NULL) as it is entered; one without says RPC_S_CALL_IN_PROGRESS. */
static bool
wait_cancelled(void *h)
{
	uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
	while (RpcServerTestCancel(h) != RPC_S_OK)
		if (mono_ms() > end)
			return false;
		else
			usleep(1000);
	return true;
}

START_TEST(test_cancel_async)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;

	send_scalars(fd, 2, M_LATER, 0, 1);
	ck_assert(wait_count(&npend, 1));
	void *h = RpcAsyncGetCallHandle(pending_at(0).st);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(RpcServerTestCancel(h), RPC_S_CALL_IN_PROGRESS);
	send_header_pdu(fd, RPCRT_PTYPE_CO_CANCEL, 99); /* no such call: ignored */
	send_header_pdu(fd, RPCRT_PTYPE_CO_CANCEL, 2);
	ck_assert(wait_cancelled(h));
	ck_assert(quiet(fd, 50));
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_LATER, 0, 1);
	reply_free(&r);

	send_scalars(fd, 3, M_LATER, 0, 2);
	ck_assert(wait_count(&npend, 2));
	h = RpcAsyncGetCallHandle(pending_at(1).st);
	ck_assert_int_eq(RpcServerTestCancel(h), RPC_S_CALL_IN_PROGRESS);
	send_header_pdu(fd, RPCRT_PTYPE_ORPHANED, 3);
	ck_assert(wait_cancelled(h));
	ck_assert_int_eq(RpcAsyncAbortCall(pending_at(1).st, RPC_S_CALL_CANCELLED), RPC_S_OK);
	read_reply(fd, 3, &r);
	check_fault(&r, RPC_S_CALL_CANCELLED, false);
	reply_free(&r);

	/* Two fragments, PFC_PENDING_CANCEL on the second (on a first one it is a protocol
	 * error, pdu.h), then the same request without it. Mode 0 records TestCancel(NULL). */
	for (int cancel = 1; cancel >= 0; cancel--) {
		uint32_t id = cancel ? 4 : 5;
		struct scalars s;
		scalars_init(&s, 0, 0, 3);
		rpcrt_buf stub = { 0 }, b = { 0 };
		ck_assert_int_eq(rpcrt_ndr_marshal_request(P(OP_SCALARS), s.args, &stub), RPC_S_OK);
		rpcrt_pdu_request rq = { .opnum = OP_SCALARS, .stub = stub.data, .stub_len = 16 };
		ck_assert_int_eq(rpcrt_pdu_encode_request(&b, id, RPCRT_PFC_FIRST_FRAG, &rq),
				 RPC_S_OK);
		rq.stub = stub.data + 16;
		rq.stub_len = stub.len - 16;
		ck_assert_int_eq(
			rpcrt_pdu_encode_request(
				&b, id,
				RPCRT_PFC_LAST_FRAG | (cancel ? RPCRT_PFC_PENDING_CANCEL : 0), &rq),
			RPC_S_OK);
		ck_assert(send_all(fd, b.data, b.len));
		rpcrt_buf_free(&b);
		rpcrt_buf_free(&stub);
		ck_assert(wait_count(&npend, cancel ? 3 : 4));
		ck_assert(wait_count(&nrec, cancel ? 1 : 2));
		ck_assert_int_eq(rec[cancel ? 0 : 1], cancel ? RPC_S_OK : RPC_S_CALL_IN_PROGRESS);
		ck_assert_int_eq(complete_scalars(cancel ? 2 : 3), RPC_S_OK);
		read_reply(fd, id, &r);
		check_scalars_reply(&r, 0, 0, 3);
		reply_free(&r);
	}
	close(fd);
}
END_TEST

/* §2.8 for a synchronous manager: RpcServerTestCancel(NULL) on the thread that runs it says
 * RPC_S_CALL_IN_PROGRESS, then RPC_S_OK once co_cancel arrives; orphaned does the same (a
 * synchronous manager has no other way to learn it). */
START_TEST(test_cancel_sync)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;
	for (int orphan = 0; orphan < 2; orphan++) {
		uint32_t id = (uint32_t)(2 + orphan);
		send_strings(fd, id, "cancel");
		ck_assert(wait_count(&nrec, 2 * orphan + 1));
		send_header_pdu(fd, orphan ? RPCRT_PTYPE_ORPHANED : RPCRT_PTYPE_CO_CANCEL, id);
		read_reply(fd, id, &r);
		check_strings_reply(&r, 1);
		reply_free(&r);
		ck_assert(wait_count(&nrec, 2 * orphan + 2));
		ck_assert_int_eq(rec[2 * orphan], RPC_S_CALL_IN_PROGRESS);
		ck_assert_int_eq(rec[2 * orphan + 1], RPC_S_OK);
	}
	close(fd);
}
END_TEST

/* §2.8 and §2.9, the statuses: RpcServerTestCancel(NULL) on a thread that runs no call is
 * RPC_S_NO_CALL_ACTIVE, and a pointer that is no live call RPC_S_INVALID_BINDING (never
 * dereferenced); the subscription functions check their arguments as Microsoft Learn says. */
START_TEST(test_status_codes)
{
	char port[8];
	start_server(port);
	int local;
	ck_assert_int_eq(RpcServerTestCancel(NULL), RPC_S_NO_CALL_ACTIVE);
	ck_assert_int_eq(RpcServerTestCancel(&local), RPC_S_INVALID_BINDING);

	RPC_ASYNC_NOTIFICATION_INFO info = { .NotificationRoutine = note_async };
	ULONG q = 42;
	ck_assert_int_eq(RpcServerSubscribeForNotification(NULL, RpcNotificationCallCancel,
							   RpcNotificationTypeCallback, &info),
			 RPC_S_NO_CALL_ACTIVE);
	ck_assert_int_eq(RpcServerSubscribeForNotification(&local, RpcNotificationCallCancel,
							   RpcNotificationTypeCallback, &info),
			 RPC_S_INVALID_BINDING);
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(NULL, RpcNotificationCallCancel, &q),
			 RPC_S_NO_CALL_ACTIVE);
	ck_assert_int_eq(q, 42);

	/* On a live call. */
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	send_scalars(fd, 2, M_LATER, 0, 1);
	ck_assert(wait_count(&npend, 1));
	void *h = RpcAsyncGetCallHandle(pending_at(0).st);
	static const struct {
		unsigned n;
		RPC_NOTIFICATION_TYPES type;
		bool null_info;
		RPC_STATUS want;
	} cases[] = {
		{ RpcNotificationCallNone, RpcNotificationTypeCallback, false,
		  RPC_S_CANNOT_SUPPORT },
		{ 4, RpcNotificationTypeCallback, false, RPC_S_CANNOT_SUPPORT },
		{ RpcNotificationCallCancel, RpcNotificationTypeNone, false, RPC_S_INVALID_ARG },
		{ RpcNotificationCallCancel, RpcNotificationTypeApc, false, RPC_S_CANNOT_SUPPORT },
		{ RpcNotificationCallCancel, RpcNotificationTypeIoc, false, RPC_S_CANNOT_SUPPORT },
		{ RpcNotificationCallCancel, RpcNotificationTypeHwnd, false, RPC_S_CANNOT_SUPPORT },
		{ RpcNotificationCallCancel, (RPC_NOTIFICATION_TYPES)9, false, RPC_S_INVALID_ARG },
		{ RpcNotificationCallCancel, RpcNotificationTypeCallback, true, RPC_S_INVALID_ARG },
		{ RpcNotificationCallCancel, RpcNotificationTypeEvent, false, RPC_S_INVALID_ARG },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		RPC_ASYNC_NOTIFICATION_INFO bad = { .hEvent = &local }; /* not an event */
		ck_assert_int_eq(
			RpcServerSubscribeForNotification(
				h, (RPC_NOTIFICATIONS)cases[i].n, cases[i].type,
				cases[i].null_info
					? NULL
					: (cases[i].type == RpcNotificationTypeEvent ? &bad
										     : &info)),
			cases[i].want);
	}
	RPC_ASYNC_NOTIFICATION_INFO no_routine = { .NotificationRoutine = NULL };
	ck_assert_int_eq(RpcServerSubscribeForNotification(h, RpcNotificationCallCancel,
							   RpcNotificationTypeCallback,
							   &no_routine),
			 RPC_S_INVALID_ARG);
	/* An event needs one subscription per notification. */
	HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
	ck_assert_ptr_nonnull(ev);
	RPC_ASYNC_NOTIFICATION_INFO evi = { .hEvent = ev };
	ck_assert_int_eq(RpcServerSubscribeForNotification(
				 h,
				 (RPC_NOTIFICATIONS)(RpcNotificationClientDisconnect |
						     RpcNotificationCallCancel),
				 RpcNotificationTypeEvent, &evi),
			 RPC_S_INVALID_ARG);
	/* Unsubscribing: one notification at a time, the count required. */
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(
				 h,
				 (RPC_NOTIFICATIONS)(RpcNotificationClientDisconnect |
						     RpcNotificationCallCancel),
				 &q),
			 RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(h, RpcNotificationCallCancel, NULL),
			 RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(h, RpcNotificationCallCancel, &q),
			 RPC_S_OK);
	ck_assert_uint_eq(q, 0);

	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	struct reply r;
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_LATER, 0, 1);
	reply_free(&r);
	/* The call has ended. */
	ck_assert_int_eq(RpcServerSubscribeForNotification(h, RpcNotificationCallCancel,
							   RpcNotificationTypeCallback, &info),
			 RPC_S_INVALID_BINDING);
	ck_assert_int_eq(CloseHandle(ev), TRUE);
	close(fd);
}
END_TEST

/* §2.9: a Callback subscription of an [async] call to both notifications (one call) gets
 * routine(pAsync, NULL, RpcClientCancel) when co_cancel arrives and
 * routine(pAsync, NULL, RpcClientDisconnect) when the client goes, on a runtime thread, with
 * pAsync->Event written first; unsubscribing reports one notification queued for each. The
 * call outlives its client and is completed afterwards. */
START_TEST(test_subscribe_async_callback)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	send_scalars(fd, 2, M_SUBSCRIBE, 0, 1);
	ck_assert(wait_count(&npend, 1));
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);
	PRPC_ASYNC_STATE st = pending_at(0).st;

	send_header_pdu(fd, RPCRT_PTYPE_CO_CANCEL, 2);
	ck_assert(wait_count(&nnotes, 1));
	ck_assert_ptr_eq(notes[0].h, st);
	ck_assert_ptr_null(notes[0].ctx);
	ck_assert_int_eq(notes[0].ev, RpcClientCancel);
	ck_assert_int_eq(notes[0].state_event, RpcClientCancel);

	close(fd);
	ck_assert(wait_count(&nnotes, 2));
	ck_assert_ptr_eq(notes[1].h, st);
	ck_assert_int_eq(notes[1].ev, RpcClientDisconnect);
	ck_assert_int_eq(notes[1].state_event, RpcClientDisconnect);

	void *h = RpcAsyncGetCallHandle(st);
	ULONG q = 0;
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(h, RpcNotificationCallCancel, &q),
			 RPC_S_OK);
	ck_assert_uint_eq(q, 1);
	ck_assert_int_eq(
		RpcServerUnsubscribeForNotification(h, RpcNotificationClientDisconnect, &q),
		RPC_S_OK);
	ck_assert_uint_eq(q, 1);
	ck_assert_int_eq(RpcServerTestCancel(h), RPC_S_OK);
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	pthread_mutex_lock(&rec_m);
	ck_assert_int_eq(nnotes, 2);
	pthread_mutex_unlock(&rec_m);
}
END_TEST

/* §2.9 for a synchronous call: its manager subscribes with a NULL binding; the routine gets
 * the call's handle, which RpcServerTestCancel accepts (RPC_S_OK after the co_cancel). An
 * Event subscription made from another thread with the call handle of an [async] call is
 * signalled (SetEvent), also when the event happened before the subscription (then at once). */
START_TEST(test_subscribe_sync_and_event)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	struct reply r;

	send_strings(fd, 2, "subscribe");
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);
	send_header_pdu(fd, RPCRT_PTYPE_CO_CANCEL, 2);
	read_reply(fd, 2, &r);
	check_strings_reply(&r, 7);
	reply_free(&r);
	ck_assert(wait_count(&nrec, 3));
	ck_assert_int_eq(rec[1], RPC_S_OK); /* unsubscribed */
	ck_assert_int_eq(rec[2], 1);        /* one notification queued */
	pthread_mutex_lock(&rec_m);
	ck_assert_int_eq(nnotes, 1);
	pthread_mutex_unlock(&rec_m);
	ck_assert_ptr_nonnull(notes[0].h);
	ck_assert_ptr_null(notes[0].ctx);
	ck_assert_int_eq(notes[0].ev, RpcClientCancel);
	ck_assert_int_eq(notes[0].test_cancel, RPC_S_OK);
	/* The call has ended: its handle is no call any more. */
	ck_assert_int_eq(RpcServerTestCancel(notes[0].h), RPC_S_INVALID_BINDING);

	send_scalars(fd, 3, M_LATER, 0, 4);
	ck_assert(wait_count(&npend, 1));
	void *h = RpcAsyncGetCallHandle(pending_at(0).st);
	HANDLE cancel_ev = CreateEventA(NULL, FALSE, FALSE, NULL);
	HANDLE gone_ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	ck_assert_ptr_nonnull(cancel_ev);
	ck_assert_ptr_nonnull(gone_ev);
	RPC_ASYNC_NOTIFICATION_INFO ci = { .hEvent = cancel_ev }, gi = { .hEvent = gone_ev };
	ck_assert_int_eq(RpcServerSubscribeForNotification(h, RpcNotificationCallCancel,
							   RpcNotificationTypeEvent, &ci),
			 RPC_S_OK);
	ck_assert_int_eq(WaitForSingleObject(cancel_ev, 100), WAIT_TIMEOUT);
	send_header_pdu(fd, RPCRT_PTYPE_CO_CANCEL, 3);
	ck_assert_int_eq(WaitForSingleObject(cancel_ev, 5000), WAIT_OBJECT_0);
	ULONG q = 0;
	ck_assert_int_eq(RpcServerUnsubscribeForNotification(h, RpcNotificationCallCancel, &q),
			 RPC_S_OK);
	ck_assert_uint_eq(q, 1);

	/* A Callback tells when the server has seen the client go; an Event subscription made
	 * after that is signalled at once. */
	RPC_ASYNC_NOTIFICATION_INFO cb = { .NotificationRoutine = note_async };
	ck_assert_int_eq(RpcServerSubscribeForNotification(h, RpcNotificationClientDisconnect,
							   RpcNotificationTypeCallback, &cb),
			 RPC_S_OK);
	close(fd);
	ck_assert(wait_count(&nnotes, 2));
	pthread_mutex_lock(&rec_m);
	ck_assert_int_eq(notes[1].ev, RpcClientDisconnect);
	pthread_mutex_unlock(&rec_m);
	ck_assert_int_eq(
		RpcServerUnsubscribeForNotification(h, RpcNotificationClientDisconnect, &q),
		RPC_S_OK);
	ck_assert_uint_eq(q, 1);
	ck_assert_int_eq(WaitForSingleObject(gone_ev, 0), WAIT_TIMEOUT);
	ck_assert_int_eq(RpcServerSubscribeForNotification(h, RpcNotificationClientDisconnect,
							   RpcNotificationTypeEvent, &gi),
			 RPC_S_OK);
	ck_assert_int_eq(WaitForSingleObject(gone_ev, 5000), WAIT_OBJECT_0);
	ck_assert_int_eq(
		RpcServerUnsubscribeForNotification(h, RpcNotificationClientDisconnect, &q),
		RPC_S_OK);
	ck_assert_uint_eq(q, 1);
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	ck_assert_int_eq(CloseHandle(cancel_ev), TRUE);
	ck_assert_int_eq(CloseHandle(gone_ev), TRUE);
}
END_TEST

/* ==== Tests: the rest of the server ========================================================== */

/* A pending [async] call is a call in progress (§3 "the logical call continues after the
 * manager routine returns"): RpcMgmtWaitServerListen returns after RpcMgmtStopServerListening
 * only once the application has completed it (security-tests T42). */
static atomic_int wait_returned;

static void *
wait_listen_main(void *arg)
{
	(void)arg;
	RpcMgmtWaitServerListen();
	atomic_store(&wait_returned, 1);
	return NULL;
}

START_TEST(test_listen_waits_for_pending)
{
	char port[8];
	start_server(port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, true);
	send_scalars(fd, 2, M_LATER, 0, 6);
	ck_assert(wait_count(&npend, 1));
	atomic_store(&wait_returned, 0);
	ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, wait_listen_main, NULL), 0);
	usleep(200 * 1000);
	ck_assert_int_eq(atomic_load(&wait_returned), 0);
	ck_assert_int_eq(complete_scalars(0), RPC_S_OK);
	pthread_join(t, NULL);
	ck_assert_int_eq(atomic_load(&wait_returned), 1);
	struct reply r;
	read_reply(fd, 2, &r);
	check_scalars_reply(&r, M_LATER, 0, 6);
	reply_free(&r);
	close(fd);
}
END_TEST

/* A synchronous client (ridl_client_call with ndrtest's client tables, no [async]) calling a
 * server whose manager is [async] sees an ordinary call: the reply a thread of the server
 * completes 100 ms later; a manager's RpcAsyncAbortCall code raised to the caller (rule 8). */
static handle_t implicit_h;

static RPC_STATUS
sync_scalars(ridl_interface *itf, int8_t mode, int16_t b, int32_t c, int32_t *ret, int64_t *sum)
{
	struct scalars s;
	scalars_init(&s, mode, b, c);
	s.psum = sum;
	volatile RPC_STATUS st = RPC_S_OK;
	RpcTryExcept {
		ridl_client_call(itf, OP_SCALARS, s.args, ret);
	}
	RpcExcept(1) {
		st = RpcExceptionCode();
	}
	RpcEndExcept
	return st;
}

START_TEST(test_sync_client_async_server)
{
	char port[8];
	start_server(port);
	ridl_interface itf = *(const ridl_interface *)ndrtest_v1_0_c_ifspec;
	itf.implicit_handle = &implicit_h;
	char sb[64];
	snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%s]", port);
	ck_assert_int_eq(RpcBindingFromStringBindingA((RPC_CSTR)sb, &implicit_h), RPC_S_OK);

	int32_t ret = 0;
	int64_t sum = 0;
	uint64_t t0 = mono_ms();
	ck_assert_int_eq(sync_scalars(&itf, M_THREAD, 100, 33, &ret, &sum), RPC_S_OK);
	ck_assert_uint_ge(mono_ms() - t0, 90);
	struct scalars s;
	scalars_init(&s, M_THREAD, 100, 33);
	ck_assert_int_eq(ret, 66);
	ck_assert_int_eq(sum, scalars_expected(&s));
	ck_assert(wait_count(&nrec, 1));
	ck_assert_int_eq(rec[0], RPC_S_OK);

	ret = -1;
	ck_assert_int_eq(sync_scalars(&itf, M_ABORT, 0, 4321, &ret, &sum), 4321);
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(sync_scalars(&itf, M_NOW, 0, 5, &ret, &sum), RPC_S_OK);
	ck_assert_int_eq(ret, 10);

	RpcBindingFree(&implicit_h);
	pthread_mutex_lock(&rec_m);
	int n = ncompleters;
	pthread_mutex_unlock(&rec_m);
	for (int i = 0; i < n; i++)
		pthread_join(completers[i], NULL);
}
END_TEST

static Suite *
server_async_suite(void)
{
	Suite *s = suite_create("server_async");
	TCase *tc = tcase_create("async");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_complete_inline);
	tcase_add_test(tc, test_complete_later_out_of_order);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_raise);
	tcase_add_test(tc, test_complete_twice);
	tcase_add_test(tc, test_reply_null);
	tcase_add_test(tc, test_out_params_later);
	tcase_add_test(tc, test_marshal_failure);
	tcase_add_test(tc, test_client_gone_pending);
	tcase_add_test(tc, test_serial_connection);
	tcase_add_test(tc, test_cancel_async);
	tcase_add_test(tc, test_cancel_sync);
	tcase_add_test(tc, test_status_codes);
	tcase_add_test(tc, test_subscribe_async_callback);
	tcase_add_test(tc, test_subscribe_sync_and_event);
	tcase_add_test(tc, test_listen_waits_for_pending);
	tcase_add_test(tc, test_sync_client_async_server);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(server_async_suite)
