/* The client side of a synchronous call (runtime/client.c) against a scripted server on
 * 127.0.0.1: the bind, the request bytes, fragmented responses, faults and their statuses,
 * [comm_status]/[fault_status], a server that never answers (RPC_C_OPT_CALL_TIMEOUT), one
 * that closes the connection (the next call reconnects), a refused bind, nothing listening. */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "client.h"
#include "ndr.h"
#include "ndrtest.h"
#include "pdu.h"
#include "rpc.h"
#include "transport.h"

enum { OP_SCALARS = 0, OP_STRINGS = 4 };

/* What the scripted server does with a request. */
enum behaviour { ANSWER, ANSWER_FRAGMENTED, FAULT, SILENT, CLOSE, REJECT_BIND, ANSWER_THEN_CLOSE };

struct server {
	int lfd;
	uint16_t port;
	enum behaviour how;
	uint32_t fault;
	pthread_t thread;
	int binds, requests;  /* what it saw */
	uint16_t last_opnum;
	rpcrt_buf last_stub;  /* the last request's stub data */
	volatile int stop;
};

/* Reads one whole fragment into buf; false at end of stream or after 5 s. */
static bool
read_fragment(int fd, rpcrt_buf *buf, rpcrt_pdu_hdr *h)
{
	buf->len = 0;
	for (;;) {
		rpcrt_pdu_status st = rpcrt_pdu_parse_hdr(buf->data, buf->len, h);
		if (st == RPCRT_PDU_OK)
			return true;
		if (st != RPCRT_PDU_NEED_MORE)
			return false;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return false;
		if (buf->cap - buf->len < 4096) {
			buf->cap = buf->cap ? buf->cap * 2 : 65536;
			buf->data = realloc(buf->data, buf->cap);
		}
		/* One fragment at a time: read no further than what parse_hdr asks for. */
		size_t want = buf->len < 16 ? 16 - buf->len : (size_t)h->frag_length - buf->len;
		ssize_t n = read(fd, buf->data + buf->len, want);
		if (n <= 0)
			return false;
		buf->len += (size_t)n;
	}
}

static void
write_all(int fd, const rpcrt_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		poll(&p, 1, 5000);
		ssize_t n = write(fd, b->data + off, b->len - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* The reply of the scripted manager: Scalars returns a + c with sum = d * 2; Strings sets
 * total = 42. */
static void
make_response(struct server *s, rpcrt_buf *stub)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	const ridl_proc *p = itf->procs[s->last_opnum];
	rpcrt_arena a;
	rpcrt_arena_init(&a);
	rpcrt_frame f;
	ck_assert_int_eq(rpcrt_ndr_unmarshal_request(p, s->last_stub.data, s->last_stub.len, RPCRT_DREP_LE, &a,
						     NULL, &f),
			 RPC_S_OK);
	if (s->last_opnum == OP_SCALARS) {
		**(int64_t **)f.args[14] = *(int64_t *)f.args[3] * 2;
		*(int32_t *)f.ret = *(int8_t *)f.args[0] + *(int32_t *)f.args[2];
	} else {
		**(int32_t **)f.args[4] = 42;
	}
	ck_assert_int_eq(rpcrt_ndr_marshal_response(p, f.args, f.ret, stub), RPC_S_OK);
	rpcrt_arena_release(&a);
}

static void
serve_connection(struct server *s, int fd)
{
	rpcrt_buf in = {0}, out = {0};
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1u << 20);
	rpcrt_pdu_hdr h;
	while (!s->stop && read_fragment(fd, &in, &h)) {
		out.len = 0;
		if (h.ptype == RPCRT_PTYPE_BIND || h.ptype == RPCRT_PTYPE_ALTER_CONTEXT) {
			rpcrt_pdu_bind b;
			ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, in.data, &b), RPCRT_PDU_OK);
			s->binds++;
			rpcrt_pdu_result res = {0, 0, rpcrt_pdu_ndr20};
			if (s->how == REJECT_BIND) {
				res.result = 2; /* provider rejection */
				res.reason = 1; /* abstract syntax not supported */
				memset(&res.transfer, 0, sizeof(res.transfer));
			}
			rpcrt_pdu_bind_ack ack = {2048, 2048, 0x1234, 5, "1234", 1, &res};
			if (h.ptype == RPCRT_PTYPE_BIND)
				rpcrt_pdu_encode_bind_ack(&out, h.call_id, 0, &ack);
			else
				rpcrt_pdu_encode_alter_context_resp(&out, h.call_id, 0, &ack);
			rpcrt_pdu_bind_free(&b);
			write_all(fd, &out);
			continue;
		}
		ck_assert_int_eq(h.ptype, RPCRT_PTYPE_REQUEST);
		rpcrt_pdu_call call;
		rpcrt_pdu_verdict v;
		rpcrt_pdu_status st = rpcrt_pdu_reasm_feed(&r, &h, in.data, &call, &v);
		if (st == RPCRT_PDU_NEED_MORE)
			continue;
		ck_assert_int_eq(st, RPCRT_PDU_OK);
		s->requests++;
		s->last_opnum = call.opnum;
		rpcrt_buf_free(&s->last_stub);
		s->last_stub = call.stub;
		if (s->how == SILENT)
			continue;
		if (s->how == CLOSE)
			break;
		if (s->how == FAULT) {
			rpcrt_pdu_fault f = {24, call.p_cont_id, 0, 0, s->fault};
			rpcrt_pdu_encode_fault(&out, call.call_id, 0, &f);
		} else {
			rpcrt_buf stub = {0};
			make_response(s, &stub);
			rpcrt_pdu_response rs = {0, call.p_cont_id, 0, stub.data, stub.len};
			/* Fragmented: the smallest fragments a peer may use. */
			rpcrt_pdu_encode_response_frags(&out, call.call_id, 0, &rs, s->how == ANSWER_FRAGMENTED ? 40 : 5840);
			rpcrt_buf_free(&stub);
		}
		write_all(fd, &out);
		if (s->how == ANSWER_THEN_CLOSE)
			break; /* as a server's idle timeout would, between calls */
	}
	rpcrt_pdu_reasm_free(&r);
	rpcrt_buf_free(&in);
	rpcrt_buf_free(&out);
	close(fd);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	while (!s->stop) {
		struct pollfd p = {.fd = s->lfd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int fd;
		if (rpcrt_sock_accept(s->lfd, &fd) == RPC_S_OK)
			serve_connection(s, fd);
	}
	return NULL;
}

static struct server *
server_start(enum behaviour how)
{
	struct server *s = calloc(1, sizeof(*s));
	s->how = how;
	size_t n;
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &s->lfd, 1, &n, &s->port), RPC_S_OK);
	pthread_create(&s->thread, NULL, server_main, s);
	return s;
}

static void
server_stop(struct server *s)
{
	s->stop = 1;
	pthread_join(s->thread, NULL);
	close(s->lfd);
	rpcrt_buf_free(&s->last_stub);
	free(s);
}

/* ndrtest's tables with an implicit handle, so that its procedures have a binding. */
static handle_t implicit_h;
static ridl_interface itf;

static void
bind_to(uint16_t port)
{
	itf = *(const ridl_interface *)ndrtest_v1_0_c_ifspec;
	itf.implicit_handle = &implicit_h;
	char sb[64];
	snprintf(sb, sizeof(sb), "ncacn_ip_tcp:127.0.0.1[%u]", port);
	ck_assert_int_eq(RpcBindingFromStringBinding((RPC_CSTR)sb, &implicit_h), RPC_S_OK);
}

/* Scalars(a = 5, c = 100, d = 21): returns 105, sum = 42. Returns the status. */
static RPC_STATUS
call_scalars(int32_t *ret, int64_t *sum)
{
	int8_t a = 5;
	int16_t b = 0;
	int32_t c = 100;
	int64_t d = 21;
	float e = 0;
	double f = 0;
	uint8_t g = 0, h = 0;
	uint16_t i = 0;
	error_status_t j = 0;
	color16 k = RED;
	color32 m = ONE;
	uint16_t us = 0;
	uint64_t uh = 0;
	int64_t *psum = sum;
	void *args[] = {&a, &b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &m, &us, &uh, &psum};
	volatile RPC_STATUS st = RPC_S_OK;
	RpcTryExcept {
		ridl_client_call(&itf, OP_SCALARS, args, ret);
	}
	RpcExcept(1) {
		st = RpcExceptionCode();
	}
	RpcEndExcept
	return st;
}

START_TEST(sync_call)
{
	struct server *s = server_start(ANSWER);
	bind_to(s->port);
	int32_t ret = 0;
	int64_t sum = 0;
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_OK);
	ck_assert_int_eq(ret, 105);
	ck_assert_int_eq(sum, 42);
	/* A second call reuses the connection and its context: one bind. */
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_OK);
	ck_assert_int_eq(s->binds, 1);
	ck_assert_int_eq(s->requests, 2);
	ck_assert_int_eq(s->last_opnum, OP_SCALARS);
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

START_TEST(fragmented_both_ways)
{
	/* Strings with a 3000-character string: the request is fragmented (to the server's
	 * max_recv_frag of 2048) and so is the response (40-byte fragments). */
	struct server *s = server_start(ANSWER_FRAGMENTED);
	bind_to(s->port);
	char *a = malloc(3001);
	memset(a, 'x', 3000);
	a[3000] = 0;
	uint16_t w[] = {'w', 0};
	char fs[16] = "f";
	char *maybe = NULL;
	int32_t total = 0, *ptotal = &total;
	uint16_t *pw = w;
	char *pfs = fs;
	void *args[] = {&a, &pw, &pfs, &maybe, &ptotal};
	ridl_client_call(&itf, OP_STRINGS, args, NULL);
	ck_assert_int_eq(total, 42);
	ck_assert_uint_gt(s->last_stub.len, 3000);
	free(a);
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

START_TEST(faults)
{
	static const struct {
		uint32_t fault;
		RPC_STATUS want;
	} cases[] = {
		{0x1C010002u, RPC_S_PROCNUM_OUT_OF_RANGE},
		{0x1C010003u, RPC_S_UNKNOWN_IF},
		{0x1C000012u, RPC_S_CALL_FAILED},
		{0x000006F7u, RPC_X_BAD_STUB_DATA},
		{1234, 1234}, /* an application's code passes unchanged */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct server *s = server_start(FAULT);
		s->fault = cases[i].fault;
		bind_to(s->port);
		int32_t ret = 7;
		int64_t sum = 9;
		ck_assert_int_eq(call_scalars(&ret, &sum), cases[i].want);
		ck_assert_int_eq(sum, 9); /* nothing written on failure */
		/* A fault leaves the connection usable. */
		ck_assert_int_eq(call_scalars(&ret, &sum), cases[i].want);
		ck_assert_int_eq(s->binds, 1);
		RpcBindingFree(&implicit_h);
		server_stop(s);
	}
}
END_TEST

START_TEST(call_timeout)
{
	struct server *s = server_start(SILENT);
	bind_to(s->port);
	ck_assert_int_eq(RpcBindingSetOption(implicit_h, RPC_C_OPT_CALL_TIMEOUT, 300), RPC_S_OK);
	int32_t ret;
	int64_t sum;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_CALL_CANCELLED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms >= 250 && ms < 3000, "the timeout took %.0f ms", ms);
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

START_TEST(server_closes_then_reconnect)
{
	struct server *s = server_start(CLOSE);
	bind_to(s->port);
	int32_t ret;
	int64_t sum;
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_CALL_FAILED);
	s->how = ANSWER;
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_OK);
	ck_assert_int_eq(sum, 42);
	ck_assert_int_eq(s->binds, 2); /* a new connection, bound again */
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

START_TEST(server_closes_idle_connection)
{
	/* The server closes the connection after answering: the next call notices before it
	 * sends anything, and goes out on a new connection instead of failing. */
	struct server *s = server_start(ANSWER_THEN_CLOSE);
	bind_to(s->port);
	int32_t ret;
	int64_t sum;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_OK);
		ck_assert_int_eq(sum, 42);
		usleep(20000); /* let the close arrive */
	}
	ck_assert_int_eq(s->binds, 3);
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

START_TEST(set_cancel_timeout)
{
	ck_assert_int_eq(RpcMgmtSetCancelTimeout(0), RPC_S_OK);
	ck_assert_int_eq(RpcMgmtSetCancelTimeout(30), RPC_S_OK);
	ck_assert_int_eq(RpcMgmtSetCancelTimeout(RPC_C_CANCEL_INFINITE_TIMEOUT), RPC_S_OK);
	ck_assert_int_eq(RpcMgmtSetCancelTimeout(-2), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(bind_rejected_and_no_server)
{
	struct server *s = server_start(REJECT_BIND);
	bind_to(s->port);
	int32_t ret;
	int64_t sum;
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_UNKNOWN_IF);
	ck_assert_int_eq(s->requests, 0);
	RpcBindingFree(&implicit_h);
	uint16_t port = s->port;
	server_stop(s);
	/* Nothing listens there any more. */
	bind_to(port);
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_SERVER_UNAVAILABLE);
	RpcBindingFree(&implicit_h);
	/* No binding at all. */
	itf.implicit_handle = NULL;
	ck_assert_int_eq(call_scalars(&ret, &sum), RPC_S_INVALID_BINDING);
}
END_TEST

START_TEST(status_parameters)
{
	/* A fault goes into a [fault_status] parameter instead of being raised. Tables by hand:
	 * long Status([in] long a, [out, fault_status] error_status_t *st) on ndrtest's opnum 0
	 * would not match its stub, so the scripted server faults whatever it gets. */
	static const ridl_type t_long = {.kind = RIDL_K_INT32, .wire_align = 4, .mem_align = 4,
					 .flags = RIDL_TF_BLITTABLE, .mem_size = 4, .wire_size = 4};
	static const ridl_type t_st = {.kind = RIDL_K_UINT32, .wire_align = 4, .mem_align = 4,
				       .flags = RIDL_TF_BLITTABLE, .mem_size = 4, .wire_size = 4};
	static const ridl_type t_pst = {.kind = RIDL_K_POINTER, .wire_align = 4, .mem_align = sizeof(void *),
					.mem_size = sizeof(void *), .wire_size = 4,
					.u.ptr = {.to = &t_st, .kind = RIDL_PTR_REF}};
	static const ridl_param params[] = {{&t_long, RIDL_PF_IN, "a"},
					    {&t_pst, RIDL_PF_OUT | RIDL_PF_FAULT_STATUS, "st"}};
	static const ridl_proc proc = {RIDL_MAGIC_PROC, sizeof(ridl_proc), "Status", 0, 2, 0, params, &t_long};
	static const ridl_proc *const procs[] = {&proc};
	struct server *s = server_start(FAULT);
	s->fault = 5;
	bind_to(s->port);
	itf.procs = procs;
	itf.nprocs = 1;
	int32_t a = 1, ret = -1;
	error_status_t status = 0, *pst = &status;
	void *args[] = {&a, &pst};
	ridl_client_call(&itf, 0, args, &ret); /* must not raise */
	ck_assert_uint_eq(status, 5);
	RpcBindingFree(&implicit_h);
	server_stop(s);
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("sync");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sync_call);
	tcase_add_test(tc, fragmented_both_ways);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, call_timeout);
	tcase_add_test(tc, server_closes_then_reconnect);
	tcase_add_test(tc, server_closes_idle_connection);
	tcase_add_test(tc, bind_rejected_and_no_server);
	tcase_add_test(tc, set_cancel_timeout);
	tcase_add_test(tc, status_parameters);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(client_suite)
