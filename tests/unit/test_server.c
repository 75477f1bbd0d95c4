/* The server (runtime/server.c) over loopback TCP and AF_UNIX (ncalrpc) sockets, driven by a
 * raw client that builds its PDUs with runtime/pdu.h and its stub data with the NDR engine, so
 * that every field the server sends can be checked, and hostile sequences can be sent that no
 * real client would. The interface is tests/ndr/ndrtest.idl (the client tables, whose server
 * twin differs only in its default EPV) with the managers below. Each test names the
 * security-tests.md checks (T..) it pins.
 *
 * Each test runs in its own process (Check's fork mode) with its own XDG_RUNTIME_DIR, ends with
 * rpcrt_server_reset(), and must leave no descriptor and no socket file behind. Every wait is
 * bounded: sockets have 5 s receive and send timeouts, and the tcase has a timeout. Threads
 * other than the test's main one never assert; they record, and the main thread checks. */
#define _GNU_SOURCE /* mkdtemp, setenv, usleep, POLLRDHUP */
#include <check.h>
#include <dirent.h>
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
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "check_main.h"
#include "ndr.h"
#include "ndrtest.h"
#include "ndrtest_calls.h"
#include "pdu.h"
#include "pdu_peer.h"
#include "server.h"
#include "transport.h"

/* Scalars' first argument selects what the manager does besides adding up. */
enum {
	MODE_RAISE = 101, /* RpcRaiseException(c) */
	MODE_SLOW = 102,  /* sleep c milliseconds */
	MODE_STOP = 103,  /* RpcMgmtStopServerListening(NULL), then as usual */
};

/* ==== Fixtures =============================================================================== */

#define SOCK_FIXTURE_NAME "server"
#include "sock_fixture.h"

static atomic_int entered;     /* manager entries */
static atomic_int running;     /* slow managers running now */
static atomic_int max_running; /* the most that ran at once */
static atomic_int cb_calls;    /* security callback runs */
static atomic_int cb_refuse;   /* the callback's answer: refuse when non-zero */
static atomic_ullong slow_end_ms;
static pthread_mutex_t slow_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_c = PTHREAD_COND_INITIALIZER;
static int slow_started; /* slow managers started (slow_m) */

static void
setup(void)
{
	/* SIGPIPE keeps its default action, so that a write that raised it would fail the
	 * test: the server must never raise it. Our own client writes use MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_DFL);
	dir_clear();
	atomic_store(&entered, 0);
	atomic_store(&running, 0);
	atomic_store(&max_running, 0);
	atomic_store(&cb_calls, 0);
	atomic_store(&cb_refuse, 0);
	atomic_store(&slow_end_ms, 0);
	pthread_mutex_lock(&slow_m);
	slow_started = 0;
	pthread_mutex_unlock(&slow_m);
	fds_at_start = fd_count();
}

static void
teardown(void)
{
	char sub[96];

	rpcrt_server_reset();
	ck_assert_int_eq(fd_count(), fds_at_start);
	/* rmdir fails on a directory that still holds a socket file. */
	snprintf(sub, sizeof(sub), "%s/ridl", tmp_dir);
	if (rmdir(sub) != 0)
		ck_assert_int_eq(errno, ENOENT);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ==== The managers =========================================================================== */

/* Waits (up to 5 s) until n slow managers have started. */
static bool
wait_slow_started(int n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts); /* slow_c has the default clock */
	ts.tv_sec += 5;
	pthread_mutex_lock(&slow_m);
	while (slow_started < n && pthread_cond_timedwait(&slow_c, &slow_m, &ts) != ETIMEDOUT)
		;
	bool ok = slow_started >= n;
	pthread_mutex_unlock(&slow_m);
	return ok;
}

static int32_t
m_scalars(int8_t a, int16_t b, int32_t c, int64_t d, float e, double f, uint8_t g, uint8_t h,
	  uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us, uint64_t uh,
	  int64_t *sum)
{
	atomic_fetch_add(&entered, 1);
	if (a == MODE_RAISE)
		RpcRaiseException(c);
	if (a == MODE_STOP)
		RpcMgmtStopServerListening(NULL);
	if (a == MODE_SLOW) {
		int now = atomic_fetch_add(&running, 1) + 1;
		int old = atomic_load(&max_running);
		while (now > old && !atomic_compare_exchange_weak(&max_running, &old, now))
			;
		pthread_mutex_lock(&slow_m);
		slow_started++;
		pthread_cond_broadcast(&slow_c);
		pthread_mutex_unlock(&slow_m);
		usleep((useconds_t)c * 1000);
		atomic_store(&slow_end_ms, mono_ms());
		atomic_fetch_sub(&running, 1);
	}
	*sum = a + b + c + d + (int64_t)e + (int64_t)f + g + h + i + j + k + m + us + (int64_t)uh;
	return c * 2;
}

static void
m_structs(simple *s, nested *n, padded *p, simple *o)
{
	atomic_fetch_add(&entered, 1);
	p->c = (char)(p->c + 1);
	p->d *= 2;
	o->s = (int16_t)(s->s + 1);
	o->l = n->in.l + n->a;
	o->h = s->h * 3;
}

static void
m_conformant(conf *c, confvar *cv, outer_conf *oc)
{
	(void)c, (void)cv, (void)oc;
	atomic_fetch_add(&entered, 1);
}

static void
m_arrays(int32_t n, int32_t *ca, int32_t first, int32_t len, int32_t va[10], int32_t *cva,
	 fixarr *fa, int16_t *mx, simple *sa)
{
	(void)n, (void)ca, (void)first, (void)len, (void)va, (void)cva, (void)fa, (void)mx;
	(void)sa;
	atomic_fetch_add(&entered, 1);
}

static size_t
wlen(const uint16_t *w)
{
	size_t n = 0;
	while (w[n])
		n++;
	return n;
}

static void
m_strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
	atomic_fetch_add(&entered, 1);
	*total = (int32_t)(strlen(a) + 100 * wlen(w) + 10000 * strlen(fs) +
			   (maybe ? 1000000 * (1 + strlen(maybe)) : 0));
}

static void
m_pointers(int32_t *u1, int32_t *u2, int32_t *p1, int32_t *p2, node *list, item *it)
{
	(void)u1, (void)u2, (void)p1, (void)p2, (void)list, (void)it;
	atomic_fetch_add(&entered, 1);
}

static void
m_outpointers(int32_t n, item **created, int32_t *filled)
{
	atomic_fetch_add(&entered, 1);
	item *it = MIDL_user_allocate(sizeof(*it));
	it->id = n;
	it->name = MIDL_user_allocate(32);
	snprintf(it->name, 32, "made-%d", (int)n);
	it->opt = NULL;
	*created = it;
	for (int32_t i = 0; i < n; i++)
		filled[i] = i * 3 + 1;
}

static void
m_unions(int32_t k, numu *u, encu *e, holder *h)
{
	(void)k, (void)u, (void)e, (void)h;
	atomic_fetch_add(&entered, 1);
}

static void
m_ranges(int32_t r, int32_t n, uint8_t *data, char *s)
{
	(void)r, (void)n, (void)data, (void)s;
	atomic_fetch_add(&entered, 1);
}

static void
m_items(int32_t n, item *items)
{
	(void)n, (void)items;
	atomic_fetch_add(&entered, 1);
}

static void
m_correxpr(int32_t n, int16_t *a, int32_t *pn, int32_t *b)
{
	(void)n, (void)a, (void)pn, (void)b;
	atomic_fetch_add(&entered, 1);
}

static void
m_extra(int32_t n, int32_t *opt, refholder *rh, fnode *ring)
{
	(void)n, (void)opt, (void)rh, (void)ring;
	atomic_fetch_add(&entered, 1);
}

static const ndrtest_SERVER_EPV epv = {
	m_scalars,     m_structs, m_conformant, m_arrays, m_strings,  m_pointers,
	m_outpointers, m_unions,  m_ranges,     m_items,  m_correxpr, m_extra,
};

static RPC_STATUS RPC_ENTRY
security_cb(RPC_IF_HANDLE itf, void *ctx)
{
	atomic_fetch_add(&cb_calls, 1);
	/* The call's binding handle and our interface reach the callback. */
	rpcrt_binding *b;
	if (itf != ndrtest_v1_0_c_ifspec || rpcrt_binding_from_handle(ctx, &b) != RPC_S_OK)
		return RPC_S_INVALID_ARG;
	return atomic_load(&cb_refuse) ? RPC_S_ACCESS_DENIED : RPC_S_OK;
}

static const ridl_interface *
ITF(void)
{
	return ndrtest_v1_0_c_ifspec;
}

static rpcrt_pdu_syntax
ndrtest_syntax(void)
{
	rpcrt_pdu_syntax s = { ITF()->uuid, ITF()->ver_major, ITF()->ver_minor };
	return s;
}

static void
register_ndrtest(void)
{
	ck_assert_int_eq(RpcServerRegisterIf(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv),
			 RPC_S_OK);
}

/* ==== Endpoints ============================================================================== */

#define LRPC_EP "srvtest"

/* A dynamic TCP endpoint and the ncalrpc endpoint LRPC_EP; the TCP port goes to port. */
static void
use_endpoints(char port[8])
{
	RPC_BINDING_VECTOR *v = NULL;
	RPC_CSTR sb = NULL, ep = NULL, ps = NULL;

	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp", 10, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 10, (RPC_CSTR)LRPC_EP, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
	port[0] = 0;
	for (ULONG i = 0; i < v->Count; i++) {
		ck_assert_int_eq(RpcBindingToStringBindingA(v->BindingH[i], &sb), RPC_S_OK);
		ck_assert_int_eq(RpcStringBindingParseA(sb, NULL, &ps, NULL, &ep, NULL), RPC_S_OK);
		if (strcmp((char *)ps, "ncacn_ip_tcp") == 0)
			snprintf(port, 8, "%s", (char *)ep);
		RpcStringFreeA(&sb);
		RpcStringFreeA(&ps);
		RpcStringFreeA(&ep);
	}
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
	ck_assert(port[0] != 0);
}

/* Whether the server ends the connection (end of stream or reset) within the timeout; what
 * arrives before is read and dropped. */
static bool
peer_closes(int fd)
{
	uint8_t junk[65536];
	uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
	while (mono_ms() < end) {
		ssize_t n = recv(fd, junk, sizeof(junk), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EINTR)
			return false; /* the timeout */
	}
	return false;
}

/* ==== Binds and calls ======================================================================== */

static void
send_bind(int fd, uint32_t call_id, uint8_t flags, uint16_t max_xmit, uint16_t max_recv,
	  const rpcrt_pdu_ctx *ctx, uint8_t n)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_bind bind = { .max_xmit_frag = max_xmit,
				.max_recv_frag = max_recv,
				.n_ctx = n,
				.ctx = (rpcrt_pdu_ctx *)ctx };
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, call_id, flags, &bind), RPC_S_OK);
	ck_assert(send_all(fd, b.data, b.len));
	rpcrt_buf_free(&b);
}

/* Binds context 0 to ndrtest over NDR 2.0 offering max_frag both ways; returns the fragment
 * size the server settled on. */
static uint16_t
bind_ndrtest(int fd, uint16_t max_frag)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	bind_ndrtest_raw(fd, 0, max_frag, &b, &h);
	rpcrt_pdu_bind_ack ack;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
	ck_assert_uint_eq(ack.n_results, 1);
	ck_assert_uint_eq(ack.results[0].result, RPCRT_CTX_ACCEPTANCE);
	uint16_t frag = ack.max_recv_frag;
	rpcrt_pdu_bind_ack_free(&ack);
	rpcrt_buf_free(&b);
	return frag;
}

/* What came back for a call: the reassembled response stub, or a fault. */
struct reply {
	bool fault;
	uint32_t status;
	uint8_t flags; /* pfc_flags of the fault, or of the first response fragment */
	uint16_t p_cont_id;
	rpcrt_buf stub;
	unsigned nfrags;
	size_t longest; /* the longest fragment */
};

static void
reply_free(struct reply *r)
{
	rpcrt_buf_free(&r->stub);
	memset(r, 0, sizeof(*r));
}

/* Reads the reply to call_id. False when the connection ended first. */
static bool
read_reply(int fd, uint32_t call_id, struct reply *r)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	memset(r, 0, sizeof(*r));
	for (;;) {
		if (!recv_pdu(fd, &b, &h)) {
			rpcrt_buf_free(&b);
			return false;
		}
		ck_assert_uint_eq(h.call_id, call_id);
		if (h.frag_length > r->longest)
			r->longest = h.frag_length;
		if (h.ptype == RPCRT_PTYPE_FAULT) {
			rpcrt_pdu_fault f;
			ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
			r->fault = true;
			r->status = f.status;
			r->flags = h.pfc_flags;
			r->p_cont_id = f.p_cont_id;
			break;
		}
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_RESPONSE);
		rpcrt_pdu_response rs;
		ck_assert_int_eq(rpcrt_pdu_decode_response(&h, b.data, &rs), RPCRT_PDU_OK);
		if (r->nfrags++ == 0) {
			ck_assert(h.pfc_flags & RPCRT_PFC_FIRST_FRAG);
			r->flags = h.pfc_flags;
			r->p_cont_id = rs.p_cont_id;
		} else {
			ck_assert(!(h.pfc_flags & RPCRT_PFC_FIRST_FRAG));
		}
		stub_append(&r->stub, &rs);
		if (h.pfc_flags & RPCRT_PFC_LAST_FRAG)
			break;
	}
	rpcrt_buf_free(&b);
	return true;
}

/* Sends a request of stub data in fragments of at most frag bytes. */
static bool
send_request(int fd, uint32_t call_id, uint16_t ctx, uint16_t opnum, const void *stub, size_t len,
	     uint16_t frag)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_request rq = { .p_cont_id = ctx, .opnum = opnum, .stub = stub, .stub_len = len };
	ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&b, call_id, 0, &rq, frag), RPC_S_OK);
	bool ok = send_all(fd, b.data, b.len);
	rpcrt_buf_free(&b);
	return ok;
}

static void
call_raw(int fd, uint32_t call_id, uint16_t ctx, uint16_t opnum, const void *stub, size_t len,
	 uint16_t frag, struct reply *r)
{
	ck_assert(send_request(fd, call_id, ctx, opnum, stub, len, frag));
	ck_assert(read_reply(fd, call_id, r));
}

static rpcrt_buf
marshal(unsigned opnum, void **args)
{
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(P(opnum), args, &b), RPC_S_OK);
	return b;
}

static int64_t
scalars_expected(const struct scalars *s)
{
	return s->a + s->b + s->c + s->d + (int64_t)s->e + (int64_t)s->f + s->g + s->h + s->i +
	       s->j + s->k + s->m + s->us + (int64_t)s->uh;
}

/* One Scalars call; checks the exact result. */
static void
check_scalars(int fd, uint32_t call_id, uint16_t frag, int32_t c)
{
	struct scalars s;
	scalars_init(&s, 3, -300, c);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	struct reply r;
	call_raw(fd, call_id, 0, OP_SCALARS, stub.data, stub.len, frag, &r);
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	s.sum = 0;
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_SCALARS), r.stub.data, r.stub.len,
						      RPCRT_DREP_LE, NULL, s.args, &s.ret),
			 RPC_S_OK);
	ck_assert_int_eq(s.ret, c * 2);
	ck_assert_int_eq(s.sum, scalars_expected(&s));
	reply_free(&r);
	rpcrt_buf_free(&stub);
}

/* Whether the reply to call_id is a success. */
static bool
scalars_ok(int fd, uint32_t call_id)
{
	struct reply r;
	if (!read_reply(fd, call_id, &r))
		return false;
	bool ok = !r.fault;
	reply_free(&r);
	return ok;
}

/* A Scalars request that only checks for a fault with status and DID_NOT_EXECUTE as dne. */
static void
expect_fault(int fd, uint32_t call_id, uint16_t ctx, uint16_t opnum, const void *stub, size_t len,
	     uint32_t status, bool dne)
{
	struct reply r;
	call_raw(fd, call_id, ctx, opnum, stub, len, RPCRT_PDU_MAX_FRAG, &r);
	ck_assert_msg(r.fault, "no fault");
	ck_assert_uint_eq(r.status, status);
	ck_assert_uint_eq(r.p_cont_id, ctx);
	ck_assert_uint_eq(!!(r.flags & RPCRT_PFC_DID_NOT_EXECUTE), dne);
	reply_free(&r);
}

/* ==== Tests: the call path over both transports ============================================= */

/* Calls of Scalars, Structs, Strings and OutPointers with their exact results; a request in
 * fragments and a reply in fragments (negotiated 2048-byte fragments); unknown context and
 * opnum (T35); bad stub data (T1: fault 0x6F7, manager not entered); a manager raising 1234
 * and the codes [MS-RPCE] 3.3.3.5.1 forbids in faults (T31). */
static void
run_calls(bool tcp, const char *port)
{
	int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
	uint16_t frag = bind_ndrtest(fd, 2048);
	ck_assert_uint_eq(frag, 2048);
	uint32_t id = 2;

	check_scalars(fd, id++, frag, 21);

	/* Structs: [in], [in,out] and [out] structs. */
	{
		simple s = { 7, 8, -9 }, o = { 0 };
		nested n = { .a = 4, .in = { 1, 100, 2 }, .b = 1 };
		padded p = { 'a', 1.5 };
		simple *ps = &s, *po = &o;
		nested *pn = &n;
		padded *pp = &p;
		void *args[] = { &ps, &pn, &pp, &po };
		rpcrt_buf stub = marshal(OP_STRUCTS, args);
		struct reply r;
		call_raw(fd, id++, 0, OP_STRUCTS, stub.data, stub.len, frag, &r);
		ck_assert(!r.fault);
		ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_STRUCTS), r.stub.data,
							      r.stub.len, RPCRT_DREP_LE, NULL, args,
							      NULL),
				 RPC_S_OK);
		ck_assert_int_eq(p.c, 'b');
		ck_assert(p.d == 3.0);
		ck_assert_int_eq(o.s, 8);
		ck_assert_int_eq(o.l, 104);
		ck_assert_int_eq(o.h, -27);
		reply_free(&r);
		rpcrt_buf_free(&stub);
	}

	/* Strings, once small and once with a 6000-character string: the request goes in
	 * several 2048-byte fragments. */
	for (int big = 0; big < 2; big++) {
		size_t alen = big ? 6000 : 5;
		char *a = malloc(alen + 1);
		memset(a, 'x', alen);
		a[alen] = 0;
		uint16_t w[] = { 'h', 0x263a, 'i', 0 };
		char fs[16] = "fixed";
		char *maybe = big ? NULL : "opt";
		int32_t total = 0, *ptotal = &total;
		char *pfs = fs;
		uint16_t *pw = w;
		void *args[] = { &a, &pw, &pfs, &maybe, &ptotal };
		rpcrt_buf stub = marshal(OP_STRINGS, args);
		ck_assert(big == 0 || stub.len > 2 * frag);
		struct reply r;
		call_raw(fd, id++, 0, OP_STRINGS, stub.data, stub.len, frag, &r);
		ck_assert(!r.fault);
		ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_STRINGS), r.stub.data,
							      r.stub.len, RPCRT_DREP_LE, NULL, args,
							      NULL),
				 RPC_S_OK);
		ck_assert_int_eq(total, (int32_t)(alen + 300 + 50000 + (big ? 0 : 4000000)));
		reply_free(&r);
		rpcrt_buf_free(&stub);
		free(a);
	}

	/* OutPointers: memory the manager allocated, and a 12000-byte reply that comes back in
	 * fragments no longer than the negotiated size. */
	{
		int32_t n = 3000;
		item *created = NULL, **pcreated = &created;
		int32_t *filled = calloc((size_t)n, sizeof(*filled));
		void *args[] = { &n, &pcreated, &filled };
		rpcrt_buf stub = marshal(OP_OUTPOINTERS, args);
		struct reply r;
		call_raw(fd, id++, 0, OP_OUTPOINTERS, stub.data, stub.len, frag, &r);
		ck_assert(!r.fault);
		ck_assert_uint_ge(r.nfrags, 6);
		ck_assert_uint_le(r.longest, frag);
		ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_OUTPOINTERS), r.stub.data,
							      r.stub.len, RPCRT_DREP_LE, NULL, args,
							      NULL),
				 RPC_S_OK);
		ck_assert_ptr_nonnull(created);
		ck_assert_int_eq(created->id, n);
		ck_assert_str_eq(created->name, "made-3000");
		ck_assert_ptr_null(created->opt);
		for (int32_t i = 0; i < n; i++)
			ck_assert_int_eq(filled[i], i * 3 + 1);
		rpcrt_ndr_free_response(P(OP_OUTPOINTERS), args);
		free(filled);
		reply_free(&r);
		rpcrt_buf_free(&stub);
	}

	/* T35: an unknown context id and an opnum past the end, both DID_NOT_EXECUTE; the
	 * connection goes on. */
	struct scalars s;
	scalars_init(&s, 3, -300, 1);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	int before = atomic_load(&entered);
	expect_fault(fd, id++, 7, OP_SCALARS, stub.data, stub.len, RPCRT_NCA_S_UNKNOWN_IF, true);
	expect_fault(fd, id++, 0, OP_COUNT, stub.data, stub.len, RPCRT_NCA_S_OP_RNG_ERROR, true);
	/* T1: stub data cut short: 0x6F7, the manager is not entered. */
	expect_fault(fd, id++, 0, OP_SCALARS, stub.data, 10, RPC_X_BAD_STUB_DATA, true);
	ck_assert_int_eq(atomic_load(&entered), before);
	rpcrt_buf_free(&stub);

	/* A manager that raises: its code, and the manager did execute. T31: the codes a
	 * fault must not carry become nca_s_fault_unspec. */
	const struct {
		int32_t code;
		uint32_t wire;
	} raises[] = {
		{ 1234, 1234 },
		{ 0, RPCRT_NCA_S_FAULT_UNSPEC },
		{ (int32_t)0xC0000005, RPCRT_NCA_S_FAULT_UNSPEC },
		{ (int32_t)0xC00000FD, RPCRT_NCA_S_FAULT_UNSPEC },
		{ (int32_t)0x80000003, RPCRT_NCA_S_FAULT_UNSPEC },
	};
	for (size_t i = 0; i < sizeof(raises) / sizeof(raises[0]); i++) {
		scalars_init(&s, MODE_RAISE, -300, raises[i].code);
		stub = marshal(OP_SCALARS, s.args);
		expect_fault(fd, id++, 0, OP_SCALARS, stub.data, stub.len, raises[i].wire, false);
		rpcrt_buf_free(&stub);
	}

	/* Still serving. */
	check_scalars(fd, id++, frag, 5);
	close(fd);
}

/* run_calls over ncacn_ip_tcp (T1, T31, T35). */
START_TEST(test_calls_tcp)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	run_calls(true, port);
}
END_TEST

/* run_calls over ncalrpc (T1, T31, T35). */
START_TEST(test_calls_ncalrpc)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	run_calls(false, port);
}
END_TEST

/* ==== Tests: binds =========================================================================== */

/* T33, T37: one result per context in order: acceptance with NDR 2.0, provider rejection
 * reason 1 for an unknown interface and for a newer minor or another major version, reason 2
 * for NDR64 only, negotiate_ack for bind time feature negotiation (keep-connection-on-orphan
 * only); CONC_MPX echoed; the secondary address is the port; both fragment sizes alike. */
START_TEST(test_bind_ack)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);

	rpcrt_pdu_syntax nt = ndrtest_syntax(), unknown = nt, newer = nt, major2 = nt, btfn;
	unknown.uuid.Data1 ^= 1;
	newer.vers_minor = 1;
	major2.vers_major = 2;
	rpcrt_pdu_btfn_syntax(RPCRT_BTFN_SECURITY_CONTEXT_MULTIPLEXING |
				      RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN,
			      &btfn);
	const rpcrt_pdu_syntax ndr64_then_junk[] = { rpcrt_pdu_ndr64 };
	const rpcrt_pdu_syntax ndr64_and_ndr20[] = { rpcrt_pdu_ndr64, rpcrt_pdu_ndr20 };
	rpcrt_pdu_ctx ctx[] = {
		{ 0, 1, nt, &rpcrt_pdu_ndr20 },     { 1, 1, unknown, &rpcrt_pdu_ndr20 },
		{ 2, 1, nt, ndr64_then_junk },      { 3, 1, nt, &btfn },
		{ 4, 1, newer, &rpcrt_pdu_ndr20 },  { 5, 1, major2, &rpcrt_pdu_ndr20 },
		{ 0x8001, 2, nt, ndr64_and_ndr20 },
	};
	int fd = cli_connect(true, port);
	send_bind(fd, 77, RPCRT_PFC_CONC_MPX, 5840, 5840, ctx, 7);
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND_ACK);
	ck_assert_uint_eq(h.call_id, 77);
	ck_assert_uint_eq(h.pfc_flags,
			  RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_LAST_FRAG | RPCRT_PFC_CONC_MPX);
	rpcrt_pdu_bind_ack ack;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
	ck_assert_uint_eq(ack.max_xmit_frag, 5840);
	ck_assert_uint_eq(ack.max_recv_frag, 5840);
	ck_assert_uint_ne(ack.assoc_group_id, 0);
	ck_assert_uint_eq(ack.sec_addr_len, strlen(port) + 1);
	ck_assert_str_eq(ack.sec_addr, port);
	ck_assert_uint_eq(ack.n_results, 7);
	const struct {
		uint16_t result, reason;
	} want[] = {
		{ RPCRT_CTX_ACCEPTANCE, 0 },
		{ RPCRT_CTX_PROVIDER_REJECTION, RPCRT_CTX_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED },
		{ RPCRT_CTX_PROVIDER_REJECTION, RPCRT_CTX_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED },
		{ RPCRT_CTX_NEGOTIATE_ACK, RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN },
		{ RPCRT_CTX_PROVIDER_REJECTION, RPCRT_CTX_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED },
		{ RPCRT_CTX_PROVIDER_REJECTION, RPCRT_CTX_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED },
		{ RPCRT_CTX_ACCEPTANCE, 0 },
	};
	static const rpcrt_pdu_syntax zero;
	for (unsigned i = 0; i < 7; i++) {
		ck_assert_uint_eq(ack.results[i].result, want[i].result);
		ck_assert_uint_eq(ack.results[i].reason, want[i].reason);
		bool accepted = want[i].result == RPCRT_CTX_ACCEPTANCE;
		ck_assert(rpcrt_pdu_syntax_eq(&ack.results[i].transfer,
					      accepted ? &rpcrt_pdu_ndr20 : &zero));
	}
	rpcrt_pdu_bind_ack_free(&ack);
	/* Both accepted contexts work, p_cont_id 0x8001 included (T34: 16 bits round-trip). */
	check_scalars(fd, 78, 5840, 1);
	struct scalars s;
	scalars_init(&s, 3, -300, 9);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	struct reply r;
	call_raw(fd, 79, 0x8001, OP_SCALARS, stub.data, stub.len, 5840, &r);
	ck_assert(!r.fault);
	ck_assert_uint_eq(r.p_cont_id, 0x8001);
	reply_free(&r);
	/* A rejected context cannot be called. */
	expect_fault(fd, 80, 1, OP_SCALARS, stub.data, stub.len, RPCRT_NCA_S_UNKNOWN_IF, true);
	rpcrt_buf_free(&stub);

	/* alter_context adds a context on the same connection. */
	rpcrt_pdu_ctx more = { 9, 1, nt, &rpcrt_pdu_ndr20 };
	rpcrt_pdu_bind alter = {
		.max_xmit_frag = 5840, .max_recv_frag = 5840, .n_ctx = 1, .ctx = &more
	};
	rpcrt_buf a = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_alter_context(&a, 81, 0, &alter), RPC_S_OK);
	ck_assert(send_all(fd, a.data, a.len));
	rpcrt_buf_free(&a);
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_ALTER_CONTEXT_RESP);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
	ck_assert_uint_eq(ack.n_results, 1);
	ck_assert_uint_eq(ack.results[0].result, RPCRT_CTX_ACCEPTANCE);
	ck_assert_uint_eq(ack.sec_addr_len, 0);
	rpcrt_pdu_bind_ack_free(&ack);
	rpcrt_buf_free(&b);
	close(fd);

	/* T37: the fragment size is min(xmit, recv), at least 2048, at most 5840, a multiple of
	 * 8; and the replies keep to it. */
	const uint16_t offers[][3] = { { 0, 0, 2048 },
				       { 1, 5840, 2048 },
				       { 2047, 9000, 2048 },
				       { 65535, 65535, 5840 },
				       { 4281, 5000, 4280 } };
	for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
		fd = cli_connect(true, port);
		rpcrt_pdu_ctx c0 = { 0, 1, nt, &rpcrt_pdu_ndr20 };
		send_bind(fd, 1, 0, offers[i][0], offers[i][1], &c0, 1);
		ck_assert(recv_pdu(fd, &b, &h));
		ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
		ck_assert_uint_eq(ack.max_xmit_frag, offers[i][2]);
		ck_assert_uint_eq(ack.max_recv_frag, offers[i][2]);
		rpcrt_pdu_bind_ack_free(&ack);
		rpcrt_buf_free(&b);
		close(fd);
	}
}
END_TEST

/* T32, T33, T36, T29: protocol errors around the bind, each answered and followed by a close. */
START_TEST(test_bind_errors)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	rpcrt_pdu_syntax nt = ndrtest_syntax();
	rpcrt_pdu_ctx c0 = { 0, 1, nt, &rpcrt_pdu_ndr20 };
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	struct scalars s;
	scalars_init(&s, 3, -300, 1);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);

	/* A request before any bind: nca_s_proto_error, then the connection ends. */
	int fd = cli_connect(true, port);
	ck_assert(send_request(fd, 5, 0, OP_SCALARS, stub.data, stub.len, 5840));
	ck_assert(recv_pdu(fd, &b, &h));
	rpcrt_pdu_fault f;
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_FAULT);
	ck_assert_uint_eq(h.call_id, 5);
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
	ck_assert_uint_eq(f.status, RPCRT_NCA_S_PROTO_ERROR);
	ck_assert(peer_closes(fd));
	close(fd);

	/* A second bind on a bound connection: likewise. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	send_bind(fd, 2, 0, 5840, 5840, &c0, 1);
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_FAULT);
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
	ck_assert_uint_eq(f.status, RPCRT_NCA_S_PROTO_ERROR);
	ck_assert(peer_closes(fd));
	close(fd);

	/* No context: bind_nak protocol_version_not_supported listing 5.0 (Samba). A context
	 * without transfer syntaxes: bind_nak not specified. */
	for (int k = 0; k < 2; k++) {
		rpcrt_pdu_ctx empty = { 0, 0, nt, NULL };
		fd = cli_connect(true, port);
		send_bind(fd, 3, 0, 5840, 5840, k ? &empty : NULL, k ? 1 : 0);
		ck_assert(recv_pdu(fd, &b, &h));
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND_NAK);
		ck_assert_uint_eq(h.call_id, 3);
		rpcrt_pdu_bind_nak nak;
		ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, b.data, &nak), RPCRT_PDU_OK);
		ck_assert_uint_eq(nak.reason, k ? RPCRT_NAK_NOT_SPECIFIED
						: RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
		ck_assert_uint_eq(nak.n_versions, 1);
		ck_assert_uint_eq(nak.versions[0][0], 5);
		ck_assert_uint_eq(nak.versions[0][1], 0);
		ck_assert(peer_closes(fd));
		close(fd);
	}

	/* T36: a bind asking for authentication, which we cannot give: bind_nak reason 8. */
	{
		rpcrt_buf p = { 0 };
		rpcrt_pdu_bind bind = {
			.max_xmit_frag = 5840, .max_recv_frag = 5840, .n_ctx = 1, .ctx = &c0
		};
		ck_assert_int_eq(rpcrt_pdu_encode_bind(&p, 4, 0, &bind), RPC_S_OK);
		/* sec_trailer: auth_type 10 (NTLMSSP), level 2, pad 0, reserved, context 0;
		 * then an 8-byte token. */
		uint8_t trailer[16] = { 10,  2,   0,   0,   0,   0,   0,   0,
					'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
		p.data = realloc(p.data, p.len + sizeof(trailer));
		memcpy(p.data + p.len, trailer, sizeof(trailer));
		p.len += sizeof(trailer);
		p.data[8] = (uint8_t)p.len;
		p.data[9] = (uint8_t)(p.len >> 8);
		p.data[10] = 8;
		fd = cli_connect(true, port);
		ck_assert(send_all(fd, p.data, p.len));
		rpcrt_buf_free(&p);
		ck_assert(recv_pdu(fd, &b, &h));
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND_NAK);
		rpcrt_pdu_bind_nak nak;
		ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, b.data, &nak), RPCRT_PDU_OK);
		ck_assert_uint_eq(nak.reason, RPCRT_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED);
		ck_assert(peer_closes(fd));
		close(fd);
	}

	/* T29: a PDU only servers send (a response), sent to the server. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	{
		rpcrt_buf p = { 0 };
		rpcrt_pdu_response rs = { .stub = stub.data, .stub_len = stub.len };
		ck_assert_int_eq(rpcrt_pdu_encode_response(
					 &p, 9, RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_LAST_FRAG, &rs),
				 RPC_S_OK);
		ck_assert(send_all(fd, p.data, p.len));
		rpcrt_buf_free(&p);
	}
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_FAULT);
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
	ck_assert_uint_eq(f.status, RPCRT_NCA_S_PROTO_ERROR);
	ck_assert(peer_closes(fd));
	close(fd);

	/* The server is fine. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 3);
	close(fd);
	rpcrt_buf_free(&stub);
	rpcrt_buf_free(&b);
}
END_TEST

/* T30: a bind and calls delivered one byte per write (and per segment: TCP_NODELAY) give the
 * same results. */
START_TEST(test_byte_at_a_time)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	for (int tcp = 0; tcp < 2; tcp++) {
		int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
		rpcrt_buf all = { 0 };
		rpcrt_pdu_ctx ctx = { 0, 1, ndrtest_syntax(), &rpcrt_pdu_ndr20 };
		rpcrt_pdu_bind bind = {
			.max_xmit_frag = 2048, .max_recv_frag = 2048, .n_ctx = 1, .ctx = &ctx
		};
		ck_assert_int_eq(rpcrt_pdu_encode_bind(&all, 1, 0, &bind), RPC_S_OK);
		struct scalars s;
		scalars_init(&s, 3, -300, 77);
		rpcrt_buf stub = marshal(OP_SCALARS, s.args);
		for (uint32_t id = 2; id < 4; id++) {
			rpcrt_pdu_request rq = { .stub = stub.data, .stub_len = stub.len };
			/* 40-byte fragments: many fragments, each sent a byte at a time. */
			ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&all, id, 0, &rq, 40),
					 RPC_S_OK);
		}
		for (size_t i = 0; i < all.len; i++)
			ck_assert(send_all(fd, all.data + i, 1));
		rpcrt_buf b = { 0 };
		rpcrt_pdu_hdr h;
		ck_assert(recv_pdu(fd, &b, &h));
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND_ACK);
		for (uint32_t id = 2; id < 4; id++) {
			struct reply r;
			ck_assert(read_reply(fd, id, &r));
			ck_assert(!r.fault);
			s.sum = 0;
			ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_SCALARS), r.stub.data,
								      r.stub.len, RPCRT_DREP_LE,
								      NULL, s.args, &s.ret),
					 RPC_S_OK);
			ck_assert_int_eq(s.ret, 154);
			ck_assert_int_eq(s.sum, scalars_expected(&s));
			reply_free(&r);
		}
		rpcrt_buf_free(&b);
		rpcrt_buf_free(&stub);
		rpcrt_buf_free(&all);
		close(fd);
	}
}
END_TEST

/* Sends raw bytes on a fresh bound connection and expects a fault with status on call_id,
 * then the end of the connection. */
static void
expect_fatal(const char *port, const rpcrt_buf *pdus, uint32_t call_id, uint32_t status)
{
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	send_all(fd, pdus->data, pdus->len);
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_FAULT);
	ck_assert_uint_eq(h.call_id, call_id);
	rpcrt_pdu_fault f;
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
	ck_assert_uint_eq(f.status, status);
	ck_assert(peer_closes(fd));
	rpcrt_buf_free(&b);
	close(fd);
}

/* Fragment sequences the server refuses: T23 (a new first fragment while call 50 is being
 * reassembled: proto error on call 50), T22 (a continuation with no call), T19 (a fragment
 * longer than 5840 bytes), T28 (a call_id that does not increase), T66 (a peer that goes away
 * mid-call), and an orphaned call that is dropped before it runs. The manager is never
 * entered, and the server goes on serving. */
START_TEST(test_fragment_errors)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	struct scalars s;
	scalars_init(&s, 3, -300, 1);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	rpcrt_pdu_request rq = { .stub = stub.data, .stub_len = 16 };
	rpcrt_buf p = { 0 };

	ck_assert_int_eq(rpcrt_pdu_encode_request(&p, 50, RPCRT_PFC_FIRST_FRAG, &rq), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_encode_request(&p, 51, RPCRT_PFC_FIRST_FRAG, &rq), RPC_S_OK);
	expect_fatal(port, &p, 50, RPCRT_NCA_S_PROTO_ERROR);
	p.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_request(&p, 52, RPCRT_PFC_LAST_FRAG, &rq), RPC_S_OK);
	expect_fatal(port, &p, 52, RPCRT_NCA_S_PROTO_ERROR);
	p.len = 0;
	uint8_t big[6000] = { 0 };
	rpcrt_pdu_request rq_big = { .stub = big, .stub_len = sizeof(big) };
	ck_assert_int_eq(rpcrt_pdu_encode_request(
				 &p, 53, RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_LAST_FRAG, &rq_big),
			 RPC_S_OK);
	expect_fatal(port, &p, 53, RPCRT_NCA_S_PROTO_ERROR);
	/* Call 60 runs and is answered; 59 after it is the error. */
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	ck_assert(send_request(fd, 60, 0, OP_SCALARS, stub.data, stub.len, 5840));
	ck_assert(scalars_ok(fd, 60));
	ck_assert(send_request(fd, 59, 0, OP_SCALARS, stub.data, stub.len, 5840));
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_FAULT);
	ck_assert_uint_eq(h.call_id, 59);
	ck_assert(peer_closes(fd));
	close(fd);
	int before = atomic_load(&entered);

	/* A peer that closes after the first fragment, and one that orphans its call. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	p.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_request(&p, 70, RPCRT_PFC_FIRST_FRAG, &rq), RPC_S_OK);
	send_all(fd, p.data, p.len);
	close(fd);
	fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd, 5840);
	ck_assert_int_eq(rpcrt_pdu_encode_orphaned(&p, 70), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_encode_co_cancel(&p, 70), RPC_S_OK);
	send_all(fd, p.data, p.len);
	check_scalars(fd, 71, 5840, 2);
	close(fd);
	ck_assert_int_eq(atomic_load(&entered), before + 1);
	rpcrt_buf_free(&b);
	rpcrt_buf_free(&p);
	rpcrt_buf_free(&stub);
}
END_TEST

/* ==== Tests: limits ========================================================================== */

/* A Strings call whose stub is exactly len bytes (the [unique] string at the end takes up the
 * slack byte by byte). */
static rpcrt_buf
strings_stub(size_t len)
{
	for (size_t m = 0; m < len; m++) {
		char *a = "a", *maybe = malloc(m + 1);
		memset(maybe, 'm', m);
		maybe[m] = 0;
		uint16_t w[] = { 'w', 0 }, *pw = w;
		char fs[16] = "f", *pfs = fs;
		int32_t total, *ptotal = &total;
		void *args[] = { &a, &pw, &pfs, &maybe, &ptotal };
		size_t size;
		ck_assert_int_eq(rpcrt_ndr_size_request(P(OP_STRINGS), args, &size), RPC_S_OK);
		if (size == len) {
			rpcrt_buf b = marshal(OP_STRINGS, args);
			free(maybe);
			return b;
		}
		free(maybe);
		ck_assert_uint_lt(size, len);
	}
	ck_abort_msg("no stub of %zu bytes", len);
	return (rpcrt_buf){ 0 };
}

/* T38, T24: with MaxRpcSize 4096, a call of exactly 4096 bytes runs; 4097 bytes get fault 5
 * (access denied) on the first fragment, from its alloc_hint, and the connection ends; with
 * alloc_hint 0 the fault comes on the fragment that crosses the limit. Both transports
 * (decision 1.7-4). */
static void
run_max_rpc_size(bool tcp, const char *port)
{
	rpcrt_buf ok = strings_stub(4096), big = strings_stub(4097);
	int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
	uint16_t frag = bind_ndrtest(fd, 2048);
	struct reply r;
	call_raw(fd, 2, 0, OP_STRINGS, ok.data, ok.len, frag, &r);
	ck_assert(!r.fault);
	reply_free(&r);
	int before = atomic_load(&entered);
	send_request(fd, 3, 0, OP_STRINGS, big.data, big.len, frag);
	ck_assert(read_reply(fd, 3, &r));
	ck_assert(r.fault);
	ck_assert_uint_eq(r.status, RPC_S_ACCESS_DENIED);
	reply_free(&r);
	ck_assert(peer_closes(fd));
	close(fd);

	/* alloc_hint 0 on every fragment: refused when the running total passes 4096, which
	 * is the third 2000-byte fragment. */
	fd = cli_connect(tcp, tcp ? port : LRPC_EP);
	bind_ndrtest(fd, 2048);
	rpcrt_buf p = { 0 };
	for (size_t off = 0; off < big.len; off += 2000) {
		size_t n = big.len - off < 2000 ? big.len - off : 2000;
		rpcrt_pdu_request rq = { .alloc_hint = 0, .stub = big.data + off, .stub_len = n };
		uint8_t fl = (off == 0 ? RPCRT_PFC_FIRST_FRAG : 0) |
			     (off + n == big.len ? RPCRT_PFC_LAST_FRAG : 0);
		ck_assert_int_eq(rpcrt_pdu_encode_request(&p, 4, fl, &rq), RPC_S_OK);
	}
	send_all(fd, p.data, p.len);
	rpcrt_buf_free(&p);
	ck_assert(read_reply(fd, 4, &r));
	ck_assert(r.fault);
	ck_assert_uint_eq(r.status, RPC_S_ACCESS_DENIED);
	reply_free(&r);
	ck_assert(peer_closes(fd));
	close(fd);
	ck_assert_int_eq(atomic_load(&entered), before);
	rpcrt_buf_free(&ok);
	rpcrt_buf_free(&big);
}

/* run_max_rpc_size over both transports (T24, T38). */
START_TEST(test_max_rpc_size)
{
	char port[8];
	use_endpoints(port);
	ck_assert_int_eq(RpcServerRegisterIf2(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv, 0,
					      RPC_C_LISTEN_MAX_CALLS_DEFAULT, 4096, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	run_max_rpc_size(true, port);
	run_max_rpc_size(false, port);
}
END_TEST

/* T39: with MaxCalls 2, five slow calls on five connections never run more than two managers
 * at once, and all five complete. */
START_TEST(test_max_calls)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 2, 1), RPC_S_OK);
	int fds[5];
	struct scalars s;
	scalars_init(&s, MODE_SLOW, -300, 150);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	for (int i = 0; i < 5; i++) {
		fds[i] = cli_connect(i % 2 == 0, i % 2 == 0 ? port : LRPC_EP);
		bind_ndrtest(fds[i], 5840);
		ck_assert(send_request(fds[i], 2, 0, OP_SCALARS, stub.data, stub.len, 5840));
	}
	for (int i = 0; i < 5; i++) {
		struct reply r;
		ck_assert(read_reply(fds[i], 2, &r));
		ck_assert(!r.fault);
		reply_free(&r);
		close(fds[i]);
	}
	ck_assert_int_eq(atomic_load(&max_running), 2);
	rpcrt_buf_free(&stub);
}
END_TEST

/* The stalled client of a test: sends calls with big replies and never reads. */
static int
stall_client(bool tcp, const char *port, int calls, int32_t n)
{
	int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
	uint16_t frag = bind_ndrtest(fd, 5840);
	item *created = NULL, **pcreated = &created;
	int32_t *filled = NULL;
	void *args[] = { &n, &pcreated, &filled };
	rpcrt_buf stub = marshal(OP_OUTPOINTERS, args);
	for (int i = 0; i < calls; i++)
		ck_assert(send_request(fd, (uint32_t)(2 + i), 0, OP_OUTPOINTERS, stub.data,
				       stub.len, frag));
	rpcrt_buf_free(&stub);
	return fd;
}

/* A client that stops reading its replies blocks nobody: another client's calls complete
 * at once meanwhile (T41's "existing ones keep working"). */
START_TEST(test_stalled_reader)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(2, 8, 1), RPC_S_OK);
	/* 30 replies of 400 KB: far more than the socket buffers hold. */
	int stalled = stall_client(true, port, 30, 100000);
	usleep(200 * 1000);
	int fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd, 5840);
	uint64_t t0 = mono_ms();
	for (uint32_t i = 0; i < 20; i++)
		check_scalars(fd, 2 + i, 5840, (int32_t)i);
	/* Not a speed check: blocked behind the stalled client, these calls would never finish
	 * (each read gives up after IO_TIMEOUT_S). The bound only catches a server that serves
	 * the second client at the pace of the first. */
	ck_assert_uint_lt(mono_ms() - t0, 10000);
	close(fd);
	close(stalled);
	/* The server survives the stalled client's disappearance. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 1);
	close(fd);
}
END_TEST

/* T41: the per-connection output cap is configurable, and a client whose unread replies pass
 * it is disconnected while others go on. */
START_TEST(test_output_limit)
{
	char port[8];
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	/* Reading never pauses before the cap is reached (pausing first would leave the
	 * remaining requests unread and the output below the cap: a stalled reader that only an
	 * idle timeout, not yet there, would end). */
	lim.out_pause = 2 << 20;
	lim.out_max = 2 << 20;
	ck_assert_int_eq(rpcrt_server_set_limits(&lim), RPC_S_OK);
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(2, 8, 1), RPC_S_OK);
	/* 12 replies of 1 MB, on an AF_UNIX socket, whose buffers hold much less than that. */
	int stalled = stall_client(false, port, 12, 250000);
	/* Without reading a byte, the server's end of the connection goes away (POLLRDHUP
	 * reports it with our input unread) ... */
	struct pollfd pfd = { .fd = stalled, .events = POLLRDHUP };
	ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
	/* ... and reading finds fewer than 12 replies, then the end of the connection. */
	size_t total = 0;
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = recv(stalled, buf, sizeof(buf), 0);
		if (n <= 0) {
			ck_assert(n == 0 || errno == ECONNRESET);
			break;
		}
		total += (size_t)n;
	}
	ck_assert_uint_lt(total, 12u * 1000000u);
	close(stalled);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 1);
	close(fd);
}
END_TEST

/* ==== Tests: listening ======================================================================= */

struct stop_run {
	const char *port;
	bool slow_ok;       /* the slow call's reply was a success */
	bool refused;       /* a new connection after the stop was closed */
	bool busy;          /* a new call on an old connection after the stop: server_too_busy */
	uint64_t stop_ms;   /* when RpcMgmtStopServerListening returned */
	RPC_STATUS stop_st; /* and what */
};

static void *
stop_thread(void *arg)
{
	struct stop_run *sr = arg;
	struct scalars s;
	scalars_init(&s, MODE_SLOW, -300, 400);
	rpcrt_buf slow = { 0 }, quick = { 0 };
	rpcrt_ndr_marshal_request(P(OP_SCALARS), s.args, &slow);
	scalars_init(&s, 3, -300, 1);
	rpcrt_ndr_marshal_request(P(OP_SCALARS), s.args, &quick);

	/* Connections made before RpcServerListen would be closed at once. */
	int a = -1, b = -1;
	uint64_t end = mono_ms() + 5000;
	while (RpcMgmtIsServerListening(NULL) != RPC_S_OK && mono_ms() < end)
		usleep(1000);
	if (rpcrt_tcp_connect("127.0.0.1", sr->port, 5000, &a) != RPC_S_OK ||
	    rpcrt_tcp_connect("127.0.0.1", sr->port, 5000, &b) != RPC_S_OK)
		goto out;
	for (int k = 0; k < 2; k++) {
		int fd = k ? b : a;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	rpcrt_pdu_ctx ctx = { 0, 1, ndrtest_syntax(), &rpcrt_pdu_ndr20 };
	rpcrt_pdu_bind bind = {
		.max_xmit_frag = 5840, .max_recv_frag = 5840, .n_ctx = 1, .ctx = &ctx
	};
	for (int k = 0; k < 2; k++) {
		rpcrt_buf p = { 0 }, in = { 0 };
		rpcrt_pdu_hdr h;
		rpcrt_pdu_encode_bind(&p, 1, 0, &bind);
		bool ok = send_all(k ? b : a, p.data, p.len) && recv_pdu(k ? b : a, &in, &h) &&
			  h.ptype == RPCRT_PTYPE_BIND_ACK;
		rpcrt_buf_free(&p);
		rpcrt_buf_free(&in);
		if (!ok)
			goto out;
	}
	if (!send_request(a, 2, 0, OP_SCALARS, slow.data, slow.len, 5840) || !wait_slow_started(1))
		goto out;
	sr->stop_st = RpcMgmtStopServerListening(NULL);
	sr->stop_ms = mono_ms();
	/* T42: new connections are refused (accepted and closed) ... */
	int c = -1;
	if (rpcrt_tcp_connect("127.0.0.1", sr->port, 5000, &c) == RPC_S_OK) {
		fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
		struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		uint8_t x;
		ssize_t n = recv(c, &x, 1, 0);
		sr->refused = n == 0 || (n < 0 && errno == ECONNRESET);
		close(c);
	}
	/* ... and new calls get nca_s_server_too_busy, DID_NOT_EXECUTE ... */
	struct reply r;
	if (send_request(b, 2, 0, OP_SCALARS, quick.data, quick.len, 5840) &&
	    read_reply(b, 2, &r)) {
		sr->busy = r.fault && r.status == RPCRT_NCA_S_SERVER_TOO_BUSY &&
			   (r.flags & RPCRT_PFC_DID_NOT_EXECUTE);
		reply_free(&r);
	}
	/* ... while the call in progress completes. */
	sr->slow_ok = scalars_ok(a, 2);
out:
	/* Whatever failed, the main thread must not wait for ever. */
	if (sr->stop_ms == 0)
		RpcMgmtStopServerListening(NULL);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	rpcrt_buf_free(&slow);
	rpcrt_buf_free(&quick);
	return NULL;
}

/* T42: RpcMgmtStopServerListening with a slow call running: new connections and calls are
 * refused, the running call completes, and RpcServerListen(DontWait = 0) returns only after
 * it has (Microsoft Learn, RpcServerListen and RpcMgmtStopServerListening). */
START_TEST(test_stop_with_slow_call)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	struct stop_run sr = { .port = port, .stop_st = -1 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, stop_thread, &sr), 0);
	ck_assert_int_eq(RpcServerListen(1, 8, 0), RPC_S_OK);
	uint64_t returned = mono_ms();
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(sr.stop_st, RPC_S_OK);
	ck_assert(sr.refused);
	ck_assert(sr.busy);
	ck_assert(sr.slow_ok);
	ck_assert_uint_ne(atomic_load(&slow_end_ms), 0);
	ck_assert_uint_ge(returned, atomic_load(&slow_end_ms));
	ck_assert_uint_ge(returned, sr.stop_ms);
	ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
}
END_TEST

/* T42, stopped from inside: a manager that stops the server (the usual "Shutdown" procedure)
 * sees its own call complete, RpcMgmtWaitServerListen returns, and the server can listen
 * again. */
START_TEST(test_stop_from_manager)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_OK);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	struct scalars s;
	scalars_init(&s, MODE_STOP, -300, 4);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	struct reply r;
	call_raw(fd, 2, 0, OP_SCALARS, stub.data, stub.len, 5840, &r);
	ck_assert(!r.fault);
	reply_free(&r);
	ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_OK);
	ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	check_scalars(fd, 3, 5840, 8);
	close(fd);
	rpcrt_buf_free(&stub);
}
END_TEST

/* ==== Tests: registration and the API's statuses ============================================ */

/* T40: a security callback runs before the stub data is read, for every call; a refusal is
 * fault 5 with DID_NOT_EXECUTE and the manager is not entered. Without
 * RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH the unauthenticated calls are refused before it runs. */
START_TEST(test_security_callback)
{
	char port[8];
	use_endpoints(port);
	ck_assert_int_eq(RpcServerRegisterIfEx(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv,
					       RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH,
					       RPC_C_LISTEN_MAX_CALLS_DEFAULT, security_cb),
			 RPC_S_OK);
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 1);
	check_scalars(fd, 3, 5840, 2);
	ck_assert_int_eq(atomic_load(&cb_calls), 2);
	atomic_store(&cb_refuse, 1);
	int before = atomic_load(&entered);
	/* Even bad stub data is not looked at: the refusal comes first. */
	expect_fault(fd, 4, 0, OP_SCALARS, "junk", 4, RPC_S_ACCESS_DENIED, true);
	ck_assert_int_eq(atomic_load(&cb_calls), 3);
	ck_assert_int_eq(atomic_load(&entered), before);
	close(fd);

	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 1), RPC_S_OK);
	ck_assert_int_eq(RpcServerRegisterIfEx(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv, 0,
					       RPC_C_LISTEN_MAX_CALLS_DEFAULT, security_cb),
			 RPC_S_OK);
	atomic_store(&cb_refuse, 0);
	fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd, 5840);
	struct scalars s;
	scalars_init(&s, 3, -300, 1);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	expect_fault(fd, 2, 0, OP_SCALARS, stub.data, stub.len, RPC_S_ACCESS_DENIED, true);
	ck_assert_int_eq(atomic_load(&cb_calls), 3);
	close(fd);

	/* RPC_IF_ALLOW_LOCAL_ONLY: ncalrpc calls run, ncacn_ip_tcp calls are refused. */
	ck_assert_int_eq(RpcServerUnregisterIf(NULL, NULL, 1), RPC_S_OK);
	ck_assert_int_eq(RpcServerRegisterIfEx(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv,
					       RPC_IF_ALLOW_LOCAL_ONLY,
					       RPC_C_LISTEN_MAX_CALLS_DEFAULT, NULL),
			 RPC_S_OK);
	fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 1);
	close(fd);
	fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	expect_fault(fd, 2, 0, OP_SCALARS, stub.data, stub.len, RPC_S_ACCESS_DENIED, true);
	close(fd);
	rpcrt_buf_free(&stub);
}
END_TEST

/* An auto-listen interface takes calls without RpcServerListen (Microsoft Learn, "Interface
 * Registration Flags"); unregistering it stops them (T35's unknown-interface fault). */
START_TEST(test_autolisten)
{
	char port[8];
	use_endpoints(port);
	ck_assert_int_eq(RpcServerRegisterIfEx(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv,
					       RPC_IF_AUTOLISTEN, 4, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	check_scalars(fd, 2, 5840, 1);
	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 1), RPC_S_OK);
	struct scalars s;
	scalars_init(&s, 3, -300, 1);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	expect_fault(fd, 3, 0, OP_SCALARS, stub.data, stub.len, RPCRT_NCA_S_UNKNOWN_IF, true);
	rpcrt_buf_free(&stub);
	close(fd);
}
END_TEST

static void *
unregister_thread(void *arg)
{
	(void)arg;
	RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 1);
	return NULL;
}

/* T42's rule for RpcServerUnregisterIf(WaitForCallsToComplete): it returns after the
 * interface's running call has completed, and new calls are refused (T35). */
START_TEST(test_unregister_waits)
{
	char port[8];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd, 5840);
	struct scalars s;
	scalars_init(&s, MODE_SLOW, -300, 300);
	rpcrt_buf stub = marshal(OP_SCALARS, s.args);
	ck_assert(send_request(fd, 2, 0, OP_SCALARS, stub.data, stub.len, 5840));
	ck_assert(wait_slow_started(1));
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, unregister_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	uint64_t done = mono_ms();
	ck_assert_uint_ne(atomic_load(&slow_end_ms), 0);
	ck_assert_uint_ge(done, atomic_load(&slow_end_ms));
	ck_assert(scalars_ok(fd, 2));
	expect_fault(fd, 3, 0, OP_SCALARS, stub.data, stub.len, RPCRT_NCA_S_UNKNOWN_IF, true);
	rpcrt_buf_free(&stub);
	close(fd);
}
END_TEST

/* Statuses of the API, from Microsoft Learn's pages for each function (see server.c); no
 * security-tests number, except the stub ABI check of DESIGN.md section 3. */
START_TEST(test_api_statuses)
{
	RPC_BINDING_VECTOR *v = (RPC_BINDING_VECTOR *)1;

	/* Nothing registered yet. */
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_NO_BINDINGS);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_NO_PROTSEQS_REGISTERED);
	ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(RpcMgmtIsServerListening(NULL), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 0), RPC_S_UNKNOWN_IF);

	/* Protocol sequences and endpoints. */
	ck_assert_int_eq(
		RpcServerUseProtseqEpA((RPC_CSTR) "ncacn_np", 1, (RPC_CSTR) "\\pipe\\x", NULL),
		RPC_S_PROTSEQ_NOT_SUPPORTED);
	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "bogus", 1, NULL),
			 RPC_S_INVALID_RPC_PROTSEQ);
	ck_assert_int_eq(
		RpcServerUseProtseqEpA((RPC_CSTR) "ncacn_ip_tcp", 1, (RPC_CSTR) "http", NULL),
		RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 1, (RPC_CSTR) "a/b", NULL),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 1, (RPC_CSTR) "dup", NULL),
			 RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 1, (RPC_CSTR) "dup", NULL),
			 RPC_S_DUPLICATE_ENDPOINT);
	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "ncalrpc", 1, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp", 1, NULL), RPC_S_OK);

	/* RpcServerInqBindings: one binding per endpoint, each one we can call. */
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
	ck_assert_uint_eq(v->Count, 3);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	int lrpc_dynamic = 0;
	for (ULONG i = 0; i < v->Count; i++) {
		RPC_CSTR sb, ps, addr, ep;
		ck_assert_int_eq(RpcBindingToStringBindingA(v->BindingH[i], &sb), RPC_S_OK);
		ck_assert_int_eq(RpcStringBindingParseA(sb, NULL, &ps, &addr, &ep, NULL), RPC_S_OK);
		bool tcp = strcmp((char *)ps, "ncacn_ip_tcp") == 0;
		if (tcp)
			ck_assert_str_eq((char *)addr, "127.0.0.1");
		else if (strncmp((char *)ep, "LRPC-", 5) == 0)
			lrpc_dynamic++;
		int fd = cli_connect(tcp, (char *)ep);
		bind_ndrtest(fd, 5840);
		check_scalars(fd, 2, 5840, (int32_t)i);
		close(fd);
		RpcStringFreeA(&sb);
		RpcStringFreeA(&ps);
		RpcStringFreeA(&addr);
		RpcStringFreeA(&ep);
	}
	ck_assert_int_eq(lrpc_dynamic, 1);
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
	ck_assert_ptr_null(v);

	/* Listening. */
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_ALREADY_LISTENING);
	ck_assert_int_eq(RpcMgmtStopServerListening(NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerListen(1, 0, 1), RPC_S_MAX_CALLS_TOO_SMALL);
	ck_assert_int_eq(RpcServerListen(5, 4, 1), RPC_S_MAX_CALLS_TOO_SMALL);
	ck_assert_int_eq(RpcMgmtWaitServerListen(), RPC_S_OK); /* the DontWait listen above */
	rpcrt_binding *b;
	ck_assert_int_eq(rpcrt_binding_new(RPCRT_PROTSEQ_NCALRPC, NULL, "", "x", NULL, &b),
			 RPC_S_OK);
	ck_assert_int_eq(RpcMgmtStopServerListening(b), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcMgmtIsServerListening(b), RPC_S_CANNOT_SUPPORT);
	rpcrt_binding_unref(b);
	ck_assert_int_eq(RpcMgmtIsServerListening((RPC_BINDING_HANDLE)&entered),
			 RPC_S_INVALID_BINDING);

	/* Registration. */
	ck_assert_int_eq(RpcServerRegisterIf(ndrtest_v1_0_c_ifspec, NULL, (RPC_MGR_EPV *)&epv),
			 RPC_S_TYPE_ALREADY_REGISTERED);
	UUID type = { 1, 2, 3, { 4 } };
	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, &type, 0),
			 RPC_S_UNKNOWN_MGR_TYPE);
	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 0), RPC_S_OK);
	ck_assert_int_eq(RpcServerUnregisterIf(ndrtest_v1_0_c_ifspec, NULL, 0), RPC_S_UNKNOWN_IF);
	ck_assert_int_eq(RpcServerUnregisterIf(NULL, NULL, 0), RPC_S_UNKNOWN_MGR_TYPE);
	/* The client tables have no default EPV. */
	ck_assert_int_eq(RpcServerRegisterIf(ndrtest_v1_0_c_ifspec, NULL, NULL),
			 RPC_S_UNKNOWN_MGR_TYPE);
	ck_assert_int_eq(RpcServerRegisterIf(ndrtest_v1_0_c_ifspec, &type, (RPC_MGR_EPV *)&epv),
			 RPC_S_CANNOT_SUPPORT);
	ridl_interface bad = *ITF();
	bad.magic = 0;
	ck_assert_int_eq(RpcServerRegisterIf(&bad, NULL, (RPC_MGR_EPV *)&epv), RPC_S_UNKNOWN_IF);
	bad = *ITF();
	bad.abi_version = RIDL_STUB_ABI_VERSION + 1;
	ck_assert_int_eq(RpcServerRegisterIf(&bad, NULL, (RPC_MGR_EPV *)&epv),
			 RPC_X_WRONG_STUB_VERSION);
	/* [async] procedures are served (test_server_async.c calls them). */
	bad = *ITF();
	ridl_proc async_proc = *ITF()->procs[0];
	async_proc.flags |= RIDL_PROC_ASYNC;
	const ridl_proc *procs[OP_COUNT];
	memcpy(procs, ITF()->procs, sizeof(procs));
	procs[0] = &async_proc;
	bad.procs = procs;
	ck_assert_int_eq(RpcServerRegisterIf(&bad, NULL, (RPC_MGR_EPV *)&epv), RPC_S_OK);
	ck_assert_int_eq(RpcServerUnregisterIf(&bad, NULL, 1), RPC_S_OK);
	/* The EPV of the server tables is the default. */
	bad = *ITF();
	bad.manager_epv = (void (*const *)(void)) & epv;
	ck_assert_int_eq(RpcServerRegisterIf2(&bad, NULL, NULL, 0, 1, (UINT)-1, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerUnregisterIf(&bad, NULL, 1), RPC_S_OK);
}
END_TEST

/* A process that exits with an ncalrpc endpoint open leaves no socket file behind: on Windows
 * the endpoint ends with the process. */
START_TEST(test_exit_removes_socket)
{
	char path[256];
	ck_assert_int_eq(rpcrt_ncalrpc_path("exitep", path, sizeof(path)), RPC_S_OK);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		RPC_STATUS st =
			RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 1, (RPC_CSTR) "exitep", NULL);
		struct stat sb;
		exit(st == RPC_S_OK && stat(path, &sb) == 0 ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat sb;
	ck_assert_int_ne(stat(path, &sb), 0);
}
END_TEST

/* ==== Tests: the real client ================================================================= */

/* ridl_client_call (client.c) against this server over both transports: exact results, and a
 * raised code that reaches the caller through RpcTryExcept. An end-to-end check, beside the
 * raw-PDU tests above that pin the security-tests numbers. */
static void
run_client(const char *string_binding)
{
	handle_t h = NULL;
	ck_assert_int_eq(RpcBindingFromStringBindingA((RPC_CSTR)string_binding, &h), RPC_S_OK);
	ridl_interface itf = *ITF();
	itf.implicit_handle = &h;

	struct scalars s;
	scalars_init(&s, 3, -300, 44);
	ridl_client_call(&itf, OP_SCALARS, s.args, &s.ret);
	ck_assert_int_eq(s.ret, 88);
	ck_assert_int_eq(s.sum, scalars_expected(&s));

	int32_t n = 2500;
	item *created = NULL, **pcreated = &created;
	int32_t *filled = calloc((size_t)n, sizeof(*filled));
	void *args[] = { &n, &pcreated, &filled };
	ridl_client_call(&itf, OP_OUTPOINTERS, args, NULL);
	ck_assert_str_eq(created->name, "made-2500");
	ck_assert_int_eq(filled[n - 1], (n - 1) * 3 + 1);
	rpcrt_ndr_free_response(P(OP_OUTPOINTERS), args);
	free(filled);

	volatile RPC_STATUS code = 0;
	scalars_init(&s, MODE_RAISE, -300, 1234);
	RpcTryExcept {
		ridl_client_call(&itf, OP_SCALARS, s.args, &s.ret);
	}
	RpcExcept(1) {
		code = RpcExceptionCode();
	}
	RpcEndExcept
	ck_assert_int_eq(code, 1234);
	ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
}

START_TEST(test_real_client)
{
	char port[8], sb[64];
	use_endpoints(port);
	register_ndrtest();
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
	snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%s]", port);
	run_client(sb);
	run_client("ncalrpc:[" LRPC_EP "]");
}
END_TEST

static Suite *
server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("server");

	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_calls_tcp);
	tcase_add_test(tc, test_calls_ncalrpc);
	tcase_add_test(tc, test_bind_ack);
	tcase_add_test(tc, test_bind_errors);
	tcase_add_test(tc, test_byte_at_a_time);
	tcase_add_test(tc, test_fragment_errors);
	tcase_add_test(tc, test_max_rpc_size);
	tcase_add_test(tc, test_max_calls);
	tcase_add_test(tc, test_stalled_reader);
	tcase_add_test(tc, test_output_limit);
	tcase_add_test(tc, test_stop_with_slow_call);
	tcase_add_test(tc, test_stop_from_manager);
	tcase_add_test(tc, test_security_callback);
	tcase_add_test(tc, test_autolisten);
	tcase_add_test(tc, test_unregister_waits);
	tcase_add_test(tc, test_api_statuses);
	tcase_add_test(tc, test_exit_removes_socket);
	tcase_add_test(tc, test_real_client);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(server_suite)
