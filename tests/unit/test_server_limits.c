/* The server's limits on what a peer holds (runtime/server.c, rpcrt_server_limits): the idle and
 * receive deadlines of a connection (security-tests T56), the server-wide cap on request bytes
 * (T67), and replies written to a connection whose peer is gone (T69). The limits are made
 * short or small with rpcrt_server_set_limits, so that each test runs in about a second.
 *
 * The interface is tests/ndr/ndrtest.idl with two managers: Strings, synchronous, which sleeps
 * when its string says so (a call in progress), and Scalars, made [async] as ridl makes it for
 * an ACF that says so (RIDL_PROC_ASYNC in a copy of the tables), which a thread of its own
 * completes later (a pending call). A raw client builds its PDUs with runtime/pdu.h, so that
 * every byte can be chosen and every answer checked.
 *
 * Each test runs in its own process (Check's fork mode) with SIGPIPE at its default action (so
 * that a write of the server that raised it kills the test), ends with rpcrt_server_reset(),
 * and must leave no descriptor behind. Every wait is bounded; times are checked only from
 * below (a deadline never fires early), and from above only as "within the I/O timeout". */
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
#include <linux/sockios.h>
#include <sys/ioctl.h>
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

/* Scalars' first argument: what the [async] manager does. */
enum {
	A_NOW = 1,   /* completes before it returns, with c * 2 */
	A_LATER = 2, /* a thread of its own completes it c milliseconds later */
};

#define LRPC_EP "limits"
/* Stub bytes per request fragment of 5840 bytes: the 24-byte header off, rounded down to 8
 * (rpcrt_pdu_encode_request_frags). */
#define CHUNK 5816u

/* ==== Fixtures =============================================================================== */

#define SOCK_FIXTURE_NAME "limits"
#include "sock_fixture.h"

static pthread_mutex_t comp_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_t completers[8]; /* A_LATER threads, joined by the test (comp_m) */
static int ncompleters;

static void
setup(void)
{
	/* SIGPIPE keeps its default action: a write that raised it would end the test. */
	signal(SIGPIPE, SIG_DFL);
	dir_clear();
	ncompleters = 0;
	fds_at_start = fd_count();
}

static void
join_completers(void)
{
	pthread_mutex_lock(&comp_m);
	int n = ncompleters;
	ncompleters = 0;
	pthread_mutex_unlock(&comp_m);
	for (int i = 0; i < n; i++)
		pthread_join(completers[i], NULL);
}

static void
teardown(void)
{
	join_completers();
	rpcrt_server_reset();
	rpcrt_server_stats st;
	rpcrt_server_get_stats(&st);
	ck_assert_uint_eq(st.req_bytes, 0);
	ck_assert_int_eq(fd_count(), fds_at_start);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ==== The managers =========================================================================== */

struct later {
	PRPC_ASYNC_STATE st;
	int32_t ret;
	uint32_t ms;
};

static void *
complete_later(void *arg)
{
	struct later *l = arg;
	usleep(l->ms * 1000u);
	RpcAsyncCompleteCall(l->st, &l->ret);
	free(l);
	return NULL;
}

static void
a_scalars(PRPC_ASYNC_STATE st, int8_t a, int16_t b, int32_t c, int64_t d, float e, double f,
	  uint8_t g, uint8_t h, uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us,
	  uint64_t uh, int64_t *sum)
{
	(void)b, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i, (void)j, (void)k, (void)m;
	(void)us, (void)uh;
	*sum = c;
	int32_t ret = c * 2;
	if (a != A_LATER) {
		RpcAsyncCompleteCall(st, &ret);
		return;
	}
	struct later *l = malloc(sizeof(*l));
	l->st = st;
	l->ret = ret;
	l->ms = (uint32_t)c;
	pthread_mutex_lock(&comp_m);
	if (ncompleters < 8 &&
	    pthread_create(&completers[ncompleters], NULL, complete_later, l) == 0) {
		ncompleters++;
	} else {
		RpcAsyncAbortCall(st, 1);
		free(l);
	}
	pthread_mutex_unlock(&comp_m);
}

/* "slowN..." sleeps N milliseconds first. */
static void
m_strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
	(void)w, (void)fs, (void)maybe;
	if (strncmp(a, "slow", 4) == 0)
		usleep((useconds_t)atoi(a + 4) * 1000);
	*total = (int32_t)strlen(a);
}

static void (*const epv[OP_COUNT])(void) = {
	[OP_SCALARS] = (void (*)(void))a_scalars,
	[OP_STRINGS] = (void (*)(void))m_strings,
};

static ridl_proc procs[OP_COUNT];
static const ridl_proc *procp[OP_COUNT];
static ridl_interface itf;

/* Sets the limits (lim NULL: the defaults), registers ndrtest with [async] Scalars, and
 * listens on a dynamic TCP endpoint (its port into port) and on ncalrpc LRPC_EP. */
static void
start_server(const rpcrt_server_limits *lim, char port[8])
{
	ck_assert_int_eq(rpcrt_server_set_limits(lim), RPC_S_OK);
	const ridl_interface *c = ndrtest_v1_0_c_ifspec;
	itf = *c;
	for (unsigned i = 0; i < OP_COUNT; i++) {
		procs[i] = *c->procs[i];
		if (i == OP_SCALARS)
			procs[i].flags |= RIDL_PROC_ASYNC;
		procp[i] = &procs[i];
	}
	itf.procs = procp;
	ck_assert_int_eq(RpcServerRegisterIf(&itf, NULL, (RPC_MGR_EPV *)epv), RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp", 10, NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", 10, (RPC_CSTR)LRPC_EP, NULL),
			 RPC_S_OK);
	RPC_BINDING_VECTOR *v = NULL;
	ck_assert_int_eq(RpcServerInqBindings(&v), RPC_S_OK);
	port[0] = 0;
	for (ULONG i = 0; i < v->Count; i++) {
		RPC_CSTR sb = NULL, ps = NULL, ep = NULL;
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
	ck_assert_int_eq(RpcServerListen(1, 8, 1), RPC_S_OK);
}

/* The default limits with the deadlines given. */
static rpcrt_server_limits
deadlines(uint32_t idle_ms, uint32_t recv_ms)
{
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.idle_ms = idle_ms;
	lim.recv_ms = recv_ms;
	return lim;
}

/* ==== The raw client ========================================================================= */

/* Waits (up to the I/O timeout) for the server to end the connection, reading and dropping
 * whatever comes first; returns when it did (mono_ms()), 0 if it did not. */
static uint64_t
closed_at(int fd)
{
	uint8_t junk[4096];
	uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
	while (mono_ms() < end) {
		ssize_t n = recv(fd, junk, sizeof(junk), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return mono_ms();
		if (n < 0 && errno != EINTR)
			return 0; /* the timeout */
	}
	return 0;
}

/* Binds context 0 to ndrtest, fragments of 5840 bytes both ways. */
static void
bind_ndrtest(int fd)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	bind_ndrtest_raw(fd, 0, RPCRT_PDU_MAX_FRAG, &b, &h);
	rpcrt_pdu_bind_ack ack;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, b.data, &ack), RPCRT_PDU_OK);
	ck_assert_uint_eq(ack.results[0].result, RPCRT_CTX_ACCEPTANCE);
	ck_assert_uint_eq(ack.max_recv_frag, RPCRT_PDU_MAX_FRAG);
	rpcrt_pdu_bind_ack_free(&ack);
	rpcrt_buf_free(&b);
}

/* The request fragments of one call, as the client sends them (fragments of 5840 bytes). */
static rpcrt_buf
request_frags(uint32_t call_id, uint16_t opnum, void **args)
{
	rpcrt_buf stub = { 0 }, out = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(P(opnum), args, &stub), RPC_S_OK);
	rpcrt_pdu_request rq = { .opnum = opnum, .stub = stub.data, .stub_len = stub.len };
	ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&out, call_id, 0, &rq, RPCRT_PDU_MAX_FRAG),
			 RPC_S_OK);
	rpcrt_buf_free(&stub);
	return out;
}

/* Where fragment k (from 0) of the fragments in b starts; b->len for k = their number. */
static size_t
frag_at(const rpcrt_buf *b, unsigned k)
{
	size_t off = 0;
	for (unsigned i = 0; i < k && off < b->len; i++)
		off += (size_t)(b->data[off + 8] | b->data[off + 9] << 8);
	return off;
}

static unsigned
frag_count(const rpcrt_buf *b)
{
	unsigned n = 0;
	for (size_t off = 0; off < b->len; n++)
		off += (size_t)(b->data[off + 8] | b->data[off + 9] << 8);
	return n;
}

/* Sends fragments [from, to) of b. */
static bool
send_frags(int fd, const rpcrt_buf *b, unsigned from, unsigned to)
{
	size_t lo = frag_at(b, from), hi = frag_at(b, to);
	return send_all(fd, b->data + lo, hi - lo);
}

/* The arguments of a Strings call whose string is a. */
struct strings {
	char *a, *pfs, *maybe;
	uint16_t w[2], *pw;
	char fs[16];
	int32_t total, *ptotal;
	void *args[5];
};

static void
strings_init(struct strings *s, char *a)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
	s->w[0] = 'w';
	s->pw = s->w;
	strcpy(s->fs, "f");
	s->pfs = s->fs;
	s->ptotal = &s->total;
	void *v[5] = { &s->a, &s->pw, &s->pfs, &s->maybe, &s->ptotal };
	memcpy(s->args, v, sizeof(v));
}

/* A string of n bytes: prefix, then 'x's. Freed by the caller. */
static char *
make_string(const char *prefix, size_t n)
{
	char *a = malloc(n + 1);
	memset(a, 'x', n);
	memcpy(a, prefix, strlen(prefix) < n ? strlen(prefix) : n);
	a[n] = 0;
	return a;
}

static rpcrt_buf
strings_request(uint32_t call_id, const char *prefix, size_t n)
{
	struct strings s;
	char *a = make_string(prefix, n);
	strings_init(&s, a);
	rpcrt_buf b = request_frags(call_id, OP_STRINGS, s.args);
	free(a);
	return b;
}

static rpcrt_buf
scalars_request(uint32_t call_id, int8_t a, int32_t c)
{
	int8_t sa = a;
	int16_t b = 0;
	int32_t sc = c;
	int64_t d = 0, sum = 0, *psum = &sum;
	float e = 0;
	double f = 0;
	uint8_t g = 0, h = 0;
	uint16_t i = 0, us = 0;
	error_status_t j = 0;
	color16 k = RED;
	color32 m = ONE;
	uint64_t uh = 0;
	void *args[15] = { &sa, &b, &sc, &d, &e, &f, &g, &h, &i, &j, &k, &m, &us, &uh, &psum };
	return request_frags(call_id, OP_SCALARS, args);
}

/* What came back for a call. */
struct reply {
	bool fault;
	uint32_t status;
	uint8_t flags; /* of the fault, or of the last response fragment */
	rpcrt_buf stub;
};

/* Reads the reply to call_id (every fragment); false when the connection ended first. */
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
		r->flags = h.pfc_flags;
		if (h.ptype == RPCRT_PTYPE_FAULT) {
			rpcrt_pdu_fault f;
			ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, b.data, &f), RPCRT_PDU_OK);
			r->fault = true;
			r->status = f.status;
			break;
		}
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_RESPONSE);
		rpcrt_pdu_response rs;
		ck_assert_int_eq(rpcrt_pdu_decode_response(&h, b.data, &rs), RPCRT_PDU_OK);
		stub_append(&r->stub, &rs);
		if (h.pfc_flags & RPCRT_PFC_LAST_FRAG)
			break;
	}
	rpcrt_buf_free(&b);
	return true;
}

/* The reply to a Strings call: checks that it is a success with total as its [out]. */
static void
expect_strings(int fd, uint32_t call_id, int32_t total)
{
	struct reply r;
	ck_assert(read_reply(fd, call_id, &r));
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	struct strings s;
	strings_init(&s, NULL);
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_STRINGS), r.stub.data, r.stub.len,
						      RPCRT_DREP_LE, NULL, s.args, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(s.total, total);
	rpcrt_buf_free(&r.stub);
}

/* A Scalars call with c, checked: c * 2 comes back. */
static void
scalars_call(int fd, uint32_t call_id, int8_t a, int32_t c)
{
	rpcrt_buf req = scalars_request(call_id, a, c);
	ck_assert(send_all(fd, req.data, req.len));
	rpcrt_buf_free(&req);
	struct reply r;
	ck_assert(read_reply(fd, call_id, &r));
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	int8_t sa = 0;
	int16_t b = 0;
	int32_t sc = 0, ret = 0;
	int64_t d = 0, sum = 0, *psum = &sum;
	float e = 0;
	double f = 0;
	uint8_t g = 0, h = 0;
	uint16_t i = 0, us = 0;
	error_status_t j = 0;
	color16 k = RED;
	color32 m = ONE;
	uint64_t uh = 0;
	void *args[15] = { &sa, &b, &sc, &d, &e, &f, &g, &h, &i, &j, &k, &m, &us, &uh, &psum };
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(P(OP_SCALARS), r.stub.data, r.stub.len,
						      RPCRT_DREP_LE, NULL, args, &ret),
			 RPC_S_OK);
	ck_assert_int_eq(ret, c * 2);
	ck_assert_int_eq(sum, c);
	rpcrt_buf_free(&r.stub);
}

/* A fresh client on the other transport gets its call served. */
static void
fresh_client_served(bool tcp, const char *port)
{
	int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
	bind_ndrtest(fd);
	scalars_call(fd, 2, A_NOW, 21);
	close(fd);
}

static rpcrt_server_stats
stats(void)
{
	rpcrt_server_stats st;
	rpcrt_server_get_stats(&st);
	return st;
}

/* Waits until the server has read everything sent on the ncalrpc connection fd (an AF_UNIX
 * socket's SIOCOUTQ counts what the peer has not read yet) and handled it. */
static void
wait_consumed(int fd)
{
	uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
	int n = 1;
	while (ioctl(fd, SIOCOUTQ, &n) == 0 && n > 0 && mono_ms() < end)
		usleep(1000);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(rpcrt_server_settle(false, IO_TIMEOUT_S * 1000), RPC_S_OK);
}

/* ==== T56: idle connections ================================================================== */

/* T56: with idle_ms 300, a connection that never sends, and one that binds and then stays
 * quiet, are closed, not before 300 ms; one that makes a call every 100 ms for a second is not,
 * and is closed 300 ms or more after its last call. No fault is sent: the connection just
 * ends. (Each time is taken before the client's last send, which the server's last activity
 * cannot precede.) */
START_TEST(test_idle_closed)
{
	char port[8];
	rpcrt_server_limits lim = deadlines(300, 300);
	start_server(&lim, port);

	/* Never sends, over TCP. */
	uint64_t t0 = mono_ms();
	int fd = cli_connect(true, port);
	uint64_t t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 298);
	close(fd);

	/* Binds, then nothing, over ncalrpc: the bind_ack is all it gets. */
	fd = cli_connect(false, LRPC_EP);
	t0 = mono_ms();
	bind_ndrtest(fd);
	t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 298);
	close(fd);

	/* Busy for a second: every call is served on the same connection. */
	fd = cli_connect(true, port);
	bind_ndrtest(fd);
	for (uint32_t i = 0; i < 10; i++) {
		if (i)
			usleep(100 * 1000);
		t0 = mono_ms();
		scalars_call(fd, 2 + i, A_NOW, (int32_t)i);
	}
	t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 298);
	close(fd);

	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().conns, 0);
}
END_TEST

/* T56: idle_ms 0 turns the idle deadline off; the receive deadline still works. */
START_TEST(test_idle_off)
{
	char port[8];
	rpcrt_server_limits lim = deadlines(0, 200);
	start_server(&lim, port);
	int fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd);
	/* Quiet for 700 ms: still open, and still serving. */
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 700), 0);
	scalars_call(fd, 2, A_NOW, 4);
	/* Half a request header: closed by the receive deadline. */
	static const uint8_t half[8] = { 5, 0, RPCRT_PTYPE_REQUEST, 3, 0x10, 0, 0, 0 };
	uint64_t t0 = mono_ms();
	ck_assert(send_all(fd, half, sizeof(half)));
	uint64_t t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 198);
	close(fd);
}
END_TEST

/* ==== T56: slow senders ====================================================================== */

/* T56: with recv_ms 300 (and the default idle_ms of 15 minutes), a bind sent one byte every
 * 50 ms is closed 300 ms or more after its first byte, before its 16-byte header is complete:
 * bytes that complete nothing do not put the deadline off. Meanwhile another client's calls
 * are served, one per byte. */
START_TEST(test_slow_header)
{
	char port[8];
	rpcrt_server_limits lim = deadlines(rpcrt_server_default_limits.idle_ms, 300);
	start_server(&lim, port);
	int other = cli_connect(false, LRPC_EP);
	bind_ndrtest(other);

	rpcrt_pdu_syntax abstract = { itf.uuid, itf.ver_major, itf.ver_minor };
	rpcrt_pdu_ctx ctx = { .n_transfer = 1, .abstract = abstract, .transfer = &rpcrt_pdu_ndr20 };
	rpcrt_pdu_bind bind = {
		.max_xmit_frag = 5840, .max_recv_frag = 5840, .n_ctx = 1, .ctx = &ctx
	};
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, 1, 0, &bind), RPC_S_OK);

	int fd = cli_connect(true, port);
	uint64_t t0 = mono_ms(), t1 = 0;
	size_t sent = 0;
	uint32_t call_id = 2;
	while (sent < b.len && mono_ms() - t0 < IO_TIMEOUT_S * 1000) {
		if (!send_all(fd, b.data + sent, 1))
			break; /* reset: the server is gone */
		sent++;
		scalars_call(other, call_id, A_NOW, (int32_t)call_id);
		call_id++;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) == 1)
			break;
	}
	t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 298);
	ck_assert_uint_lt(sent, RPCRT_PDU_HDR_LEN);
	ck_assert_uint_ge(call_id, 4); /* calls of the other client were served meanwhile */
	close(fd);
	rpcrt_buf_free(&b);

	/* The other client is still served. */
	scalars_call(other, call_id, A_NOW, 1);
	close(other);
}
END_TEST

/* T56: a request in fragments whose next fragment does not come within recv_ms is dropped
 * with its connection; each fragment that does come in time starts the deadline again. */
START_TEST(test_slow_fragments)
{
	char port[8];
	rpcrt_server_limits lim = deadlines(rpcrt_server_default_limits.idle_ms, 300);
	start_server(&lim, port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd);
	rpcrt_buf req = strings_request(2, "", 3 * CHUNK); /* four fragments */
	ck_assert_uint_eq(frag_count(&req), 4);
	/* Three fragments 200 ms apart (each within the deadline of the one before, together
	 * longer than it), then the last: the call is served. */
	for (unsigned k = 0; k < 4; k++) {
		if (k)
			usleep(200 * 1000);
		ck_assert(send_frags(fd, &req, k, k + 1));
	}
	expect_strings(fd, 2, (int32_t)(3 * CHUNK));
	rpcrt_buf_free(&req);

	/* Two fragments, then nothing: closed 300 ms or more after the second. */
	req = strings_request(3, "", 3 * CHUNK);
	uint64_t t0 = mono_ms();
	ck_assert(send_frags(fd, &req, 0, 2));
	uint64_t t1 = closed_at(fd);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t0, 298);
	close(fd);
	rpcrt_buf_free(&req);
	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().req_bytes, 0);
}
END_TEST

/* ==== T56: calls in progress ================================================================= */

/* T56: with idle_ms and recv_ms 200, a connection whose call runs for 800 ms (a synchronous
 * manager) and one whose [async] call stays pending for 700 ms are not closed: both replies
 * arrive, and the idle time starts only when each call ends, so each connection closes 200 ms
 * or more after that (1000 and 900 ms after its request). Another client is served while they
 * wait. */
START_TEST(test_call_in_progress)
{
	char port[8];
	rpcrt_server_limits lim = deadlines(200, 200);
	start_server(&lim, port);

	int slow = cli_connect(true, port);
	bind_ndrtest(slow);
	rpcrt_buf req = strings_request(2, "slow800", 7);
	uint64_t t_slow = mono_ms();
	ck_assert(send_all(slow, req.data, req.len));
	rpcrt_buf_free(&req);

	int pending = cli_connect(false, LRPC_EP);
	bind_ndrtest(pending);
	req = scalars_request(2, A_LATER, 700);
	uint64_t t_pending = mono_ms();
	ck_assert(send_all(pending, req.data, req.len));
	rpcrt_buf_free(&req);

	/* 300 ms in, past both deadlines: another client is served. */
	usleep(300 * 1000);
	fresh_client_served(true, port);

	expect_strings(slow, 2, 7);
	ck_assert_uint_ge(mono_ms() - t_slow, 798);
	uint64_t t1 = closed_at(slow);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t_slow, 998);
	close(slow);

	struct reply r;
	ck_assert(read_reply(pending, 2, &r));
	ck_assert_msg(!r.fault, "fault 0x%x", r.status);
	rpcrt_buf_free(&r.stub);
	ck_assert_uint_ge(mono_ms() - t_pending, 698);
	t1 = closed_at(pending);
	ck_assert_uint_ne(t1, 0);
	ck_assert_uint_ge(t1 - t_pending, 898);
	close(pending);
}
END_TEST

/* ==== T67: the server-wide cap on request bytes ============================================== */

/* T67: with max_req_bytes 96 KiB, two ncalrpc connections each reassembling a 60000-byte
 * request: the
 * first holds 64 KiB after six fragments, the second 32 KiB after three (together exactly the
 * cap), and the second's sixth fragment, which would take it to 64 KiB, is refused with a
 * fault nca_s_server_too_busy carrying its call_id and DID_NOT_EXECUTE, and the connection
 * closes. The second request alone would have fitted: the cap is server-wide. The first
 * request then completes and is served, and a fresh client is served; every byte counted is
 * given back. */
START_TEST(test_req_bytes_cap)
{
	char port[8];
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.max_req_bytes = 96 << 10;
	start_server(&lim, port);
	ck_assert_uint_eq(stats().req_bytes, 0);

	int a = cli_connect(false, LRPC_EP), b = cli_connect(false, LRPC_EP);
	bind_ndrtest(a);
	bind_ndrtest(b);
	rpcrt_buf ra = strings_request(2, "", 60000), rb = strings_request(7, "", 60000);
	ck_assert_uint_eq(frag_count(&ra), 11);

	/* The reassembly buffer doubles from 256 bytes: 6 x 5816 bytes take 64 KiB. */
	ck_assert(send_frags(a, &ra, 0, 6));
	wait_consumed(a);
	ck_assert_uint_eq(stats().req_bytes, 64 << 10);
	ck_assert(send_frags(b, &rb, 0, 3));
	wait_consumed(b);
	ck_assert_uint_eq(stats().req_bytes, 96 << 10);
	ck_assert(send_frags(b, &rb, 3, 5)); /* no growth: 29080 bytes fit in 32 KiB */
	wait_consumed(b);
	ck_assert_uint_eq(stats().req_bytes, 96 << 10);

	ck_assert(send_frags(b, &rb, 5, 6));
	struct reply r;
	ck_assert(read_reply(b, 7, &r));
	ck_assert(r.fault);
	ck_assert_uint_eq(r.status, RPCRT_NCA_S_SERVER_TOO_BUSY);
	ck_assert(r.flags & RPCRT_PFC_DID_NOT_EXECUTE);
	/* The refused request's bytes were given back before the fault went out. */
	ck_assert_uint_eq(stats().req_bytes, 64 << 10);
	ck_assert_uint_ne(closed_at(b), 0);
	close(b);

	ck_assert(send_frags(a, &ra, 6, 11));
	expect_strings(a, 2, 60000);
	ck_assert_int_eq(rpcrt_server_settle(false, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().req_bytes, 0);
	fresh_client_served(true, port);
	close(a);
	rpcrt_buf_free(&ra);
	rpcrt_buf_free(&rb);
}
END_TEST

/* T67: complete requests waiting behind their connection's running call count too. Without
 * CONC_MPX, a slow call runs and two requests of 5000 bytes (an 8 KiB buffer each) wait behind
 * it; with max_req_bytes 12 KiB the second of them is refused with nca_s_server_too_busy and
 * DID_NOT_EXECUTE, and the connection closes without the other replies. */
START_TEST(test_req_bytes_queued)
{
	char port[8];
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.max_req_bytes = 12 << 10;
	start_server(&lim, port);
	int fd = cli_connect(true, port);
	bind_ndrtest(fd);
	rpcrt_buf q1 = strings_request(2, "slow300", 7), q2 = strings_request(3, "", 5000),
		  q3 = strings_request(4, "", 5000);
	ck_assert(send_all(fd, q1.data, q1.len));
	ck_assert(send_all(fd, q2.data, q2.len));
	/* The slow call has been unmarshalled (its request bytes given back); the second waits
	 * behind it with its 8 KiB. */
	uint64_t end = mono_ms() + IO_TIMEOUT_S * 1000;
	while (stats().req_bytes != 8 << 10 && mono_ms() < end)
		usleep(1000);
	ck_assert_uint_eq(stats().req_bytes, 8 << 10);
	ck_assert(send_all(fd, q3.data, q3.len));
	struct reply r;
	ck_assert(read_reply(fd, 4, &r));
	ck_assert(r.fault);
	ck_assert_uint_eq(r.status, RPCRT_NCA_S_SERVER_TOO_BUSY);
	ck_assert(r.flags & RPCRT_PFC_DID_NOT_EXECUTE);
	ck_assert_uint_ne(closed_at(fd), 0);
	close(fd);
	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().req_bytes, 0);
	fresh_client_served(true, port);
	rpcrt_buf_free(&q1);
	rpcrt_buf_free(&q2);
	rpcrt_buf_free(&q3);
}
END_TEST

/* T67: an input buffer grown for a big bind counts too. With max_req_bytes 1 KiB, a bind
 * header announcing 10000 bytes (more than the 8 KiB every connection starts with) is answered
 * with bind_nak temporary_congestion and the connection closes; a bind that fits is served. */
START_TEST(test_req_bytes_input)
{
	char port[8];
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.max_req_bytes = 1 << 10;
	start_server(&lim, port);
	int fd = cli_connect(true, port);
	static const uint8_t hdr[16] = {
		5, 0, RPCRT_PTYPE_BIND, 3, 0x10, 0, 0, 0, 0x10, 0x27, 0, 0, 9, 0, 0, 0
	}; /* 10000 bytes, call 9 */
	ck_assert(send_all(fd, hdr, sizeof(hdr)));
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	ck_assert(recv_pdu(fd, &b, &h));
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND_NAK);
	ck_assert_uint_eq(h.call_id, 9);
	rpcrt_pdu_bind_nak nak;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, b.data, &nak), RPCRT_PDU_OK);
	ck_assert_uint_eq(nak.reason, RPCRT_NAK_TEMPORARY_CONGESTION);
	rpcrt_buf_free(&b);
	ck_assert_uint_ne(closed_at(fd), 0);
	close(fd);
	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().req_bytes, 0);
	fresh_client_served(false, port);
}
END_TEST

/* The new limits are checked: a zero max_req_bytes is refused, zero deadlines are not. */
START_TEST(test_limits_checked)
{
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	ck_assert_uint_eq(lim.idle_ms, 900000);
	ck_assert_uint_eq(lim.recv_ms, 30000);
	ck_assert_uint_eq(lim.max_req_bytes, 256u << 20);
	lim.max_req_bytes = 0;
	ck_assert_int_eq(rpcrt_server_set_limits(&lim), RPC_S_INVALID_ARG);
	lim = deadlines(0, 0);
	ck_assert_int_eq(rpcrt_server_set_limits(&lim), RPC_S_OK);
	ck_assert_int_eq(rpcrt_server_set_limits(NULL), RPC_S_OK);
}
END_TEST

/* The public face of the limits (RpcServerInqLimits / RpcServerSetLimits): the defaults
 * read back, a change round-trips and reaches the server's own limits, bad values and a wrong
 * Size are refused without changing anything, NULL restores the defaults. */
START_TEST(test_public_limits)
{
	RPC_SERVER_LIMITS l;
	ck_assert_int_eq(RpcServerInqLimits(NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcServerInqLimits(&l), RPC_S_OK);
	ck_assert_uint_eq(l.Size, sizeof(l));
	ck_assert_uint_eq(l.MaxConnections, 4096);
	ck_assert_uint_eq(l.MaxCallsPerConnection, 4096);
	ck_assert_uint_eq(l.MaxQueuedCalls, 4096);
	ck_assert_uint_eq(l.OutputPauseBytes, 1u << 20);
	ck_assert_uint_eq(l.OutputMaxBytes, 256u << 20);
	ck_assert_uint_eq(l.LingerMs, 2000);
	ck_assert_uint_eq(l.IdleWorkerMs, 5000);
	ck_assert_uint_eq(l.IdleConnectionMs, 900000);
	ck_assert_uint_eq(l.ReceiveMs, 30000);
	ck_assert_uint_eq(l.MaxRequestBytes, 256u << 20);
	l.IdleConnectionMs = 1234;
	l.MaxCallsPerConnection = 7;
	ck_assert_int_eq(RpcServerSetLimits(&l), RPC_S_OK);
	RPC_SERVER_LIMITS back;
	ck_assert_int_eq(RpcServerInqLimits(&back), RPC_S_OK);
	ck_assert_mem_eq(&back, &l, sizeof(l));
	RPC_SERVER_LIMITS bad = l;
	bad.MaxConnections = 0;
	ck_assert_int_eq(RpcServerSetLimits(&bad), RPC_S_INVALID_ARG);
	bad = l;
	bad.Size = sizeof(bad) - 1;
	ck_assert_int_eq(RpcServerSetLimits(&bad), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcServerInqLimits(&back), RPC_S_OK);
	ck_assert_uint_eq(back.IdleConnectionMs, 1234); /* unchanged by the refusals */
	ck_assert_int_eq(RpcServerSetLimits(NULL), RPC_S_OK);
	ck_assert_int_eq(RpcServerInqLimits(&back), RPC_S_OK);
	ck_assert_uint_eq(back.IdleConnectionMs, 900000);
	ck_assert_uint_eq(back.MaxCallsPerConnection, 4096);
}
END_TEST

/* ==== T69: replies to peers that are gone ==================================================== */

/* T69: over ncalrpc, a client sends a call whose manager takes 200 ms, then shuts down its
 * reading side, so that the reply is written to a socket that takes no more data (EPIPE,
 * which raises SIGPIPE unless the write says otherwise; SIGPIPE has its default action here).
 * The server survives, closes that connection itself (the client's end is still open), and
 * serves the next client. */
START_TEST(test_reply_to_closed_reader)
{
	char port[8];
	start_server(NULL, port);
	int fd = cli_connect(false, LRPC_EP);
	bind_ndrtest(fd);
	rpcrt_buf req = strings_request(2, "slow200", 7);
	ck_assert(send_all(fd, req.data, req.len));
	rpcrt_buf_free(&req);
	ck_assert_int_eq(shutdown(fd, SHUT_RD), 0);
	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	ck_assert_uint_eq(stats().conns, 0);
	close(fd);
	fresh_client_served(true, port);
}
END_TEST

/* T69: a client that closes right after sending a call whose manager takes 200 ms, over both
 * transports: the call runs, its reply is dropped, the connection goes, and the server serves
 * the next client. */
START_TEST(test_reply_after_close)
{
	char port[8];
	start_server(NULL, port);
	for (int tcp = 0; tcp < 2; tcp++) {
		int fd = cli_connect(tcp, tcp ? port : LRPC_EP);
		bind_ndrtest(fd);
		rpcrt_buf req = strings_request(2, "slow200", 7);
		ck_assert(send_all(fd, req.data, req.len));
		rpcrt_buf_free(&req);
		close(fd);
		ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
		fresh_client_served(!tcp, port);
	}
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite *s = suite_create("server_limits");
	TCase *tc = tcase_create("server_limits");

	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_idle_closed);
	tcase_add_test(tc, test_idle_off);
	tcase_add_test(tc, test_slow_header);
	tcase_add_test(tc, test_slow_fragments);
	tcase_add_test(tc, test_call_in_progress);
	tcase_add_test(tc, test_req_bytes_cap);
	tcase_add_test(tc, test_req_bytes_queued);
	tcase_add_test(tc, test_req_bytes_input);
	tcase_add_test(tc, test_limits_checked);
	tcase_add_test(tc, test_public_limits);
	tcase_add_test(tc, test_reply_to_closed_reader);
	tcase_add_test(tc, test_reply_after_close);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(limits_suite)
