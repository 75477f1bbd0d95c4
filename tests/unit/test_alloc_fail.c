/* Allocation failure injection (security-tests T68): for every N in a call's sequence of
 * allocations, the Nth one fails (rpcrt_alloc_fail_after, arena.h: the arena and the default
 * MIDL_user_allocate), and the failure must come out as a status, never a crash, with
 * everything allocated so far freed (the sanitizer build checks the leaks at exit).
 *
 * The engine is driven directly, a call at a time: the server unmarshals the request into an
 * arena, a stand-in for the manager routine allocates its [out] values with MIDL_user_allocate
 * (attaching each block before it allocates the next, so that a failure leaves a half-built
 * value for rpcrt_ndr_free_frame to free), the server marshals the response and frees the
 * frame, and the client unmarshals the response (MIDL_user_allocate for what it did not
 * provide). Then the same through the server: a request whose unmarshalling runs out of
 * memory gets a fault nca_s_fault_remote_no_memory with DID_NOT_EXECUTE, and the server goes
 * on serving. The procedures are tests/ndr/ndrtest.idl's that allocate: strings, unique and
 * full pointers, linked lists, conformant arrays and structs, unions, [out] pointers. */
#define _GNU_SOURCE
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "arena.h"
#include "check_main.h"
#include "ndr.h"
#include "ndrtest.h"
#include "ndrtest_calls.h"
#include "pdu.h"
#include "pdu_peer.h"
#include "server.h"

/* ==== One call through the engine ============================================================ */

/* A procedure's call: the client's frame, what the manager does, and what the client must see
 * afterwards. */
struct call {
	unsigned opnum;
	void **args;                        /* the client's: addresses of the parameters */
	RPC_STATUS (*manager)(void **args); /* on the server's frame; a failure as a status */
	void (*reset_out)(void); /* before the client unmarshals: checks that its [out] pointers
				    are NULL (a failed run left them so) and clears its buffers */
	void (*check_out)(void); /* the client's [out] values after a success */
};

/* How one run of a call ended: the step that failed (0: none) and its status. */
struct run {
	int step; /* 1 unmarshal request, 2 manager, 3 marshal response, 4 unmarshal response */
	RPC_STATUS st;
};

static struct run
run_call(const struct call *c, const rpcrt_buf *req)
{
	const ridl_proc *p = P(c->opnum);
	struct run r = { 0, RPC_S_OK };
	rpcrt_arena a;
	rpcrt_frame f;
	rpcrt_buf resp = { 0 };

	rpcrt_arena_init(&a);
	r.st = rpcrt_ndr_unmarshal_request(p, req->data, req->len, RPCRT_DREP_LE, &a, NULL, &f);
	if (r.st != RPC_S_OK) {
		r.step = 1;
		rpcrt_arena_release(&a);
		return r;
	}
	r.st = c->manager ? c->manager(f.args) : RPC_S_OK;
	if (r.st != RPC_S_OK)
		r.step = 2;
	else if ((r.st = rpcrt_ndr_marshal_response(p, f.args, f.ret, &resp)) != RPC_S_OK)
		r.step = 3;
	/* What the manager attached to the frame is freed whether or not it was complete. */
	rpcrt_ndr_free_frame(p, &f, &a);
	rpcrt_arena_release(&a);
	if (r.step) {
		rpcrt_buf_free(&resp);
		return r;
	}
	if (c->reset_out)
		c->reset_out();
	int32_t ret = 0;
	r.st = rpcrt_ndr_unmarshal_response(p, resp.data, resp.len, RPCRT_DREP_LE, NULL, c->args,
					    p->ret ? &ret : NULL);
	rpcrt_buf_free(&resp);
	if (r.st != RPC_S_OK)
		r.step = 4;
	return r;
}

/* Runs the call with the Nth allocation failing, for N = 0, 1, ... until a run has no
 * failure left to inject; every failure must be RPC_S_OUT_OF_MEMORY from the step that met
 * it. Returns how many allocations the call makes (the N of the first clean run). */
static long
every_failure(const struct call *c)
{
	rpcrt_buf req = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(P(c->opnum), c->args, &req), RPC_S_OK);
	long n;
	for (n = 0; n < 100000; n++) {
		rpcrt_alloc_fail_after(n);
		struct run r = run_call(c, &req);
		bool failed = rpcrt_alloc_failed();
		rpcrt_alloc_fail_after(-1);
		if (!failed) {
			ck_assert_msg(r.step == 0,
				      "%s: step %d failed (%d) with no injected failure",
				      P(c->opnum)->name, r.step, (int)r.st);
			if (c->check_out)
				c->check_out();
			rpcrt_ndr_free_response(P(c->opnum), c->args);
			if (c->reset_out)
				c->reset_out();
			break;
		}
		ck_assert_msg(r.step != 0, "%s: allocation %ld failed unnoticed", P(c->opnum)->name,
			      n);
		ck_assert_msg(r.st == RPC_S_OUT_OF_MEMORY, "%s: allocation %ld: step %d gave %d",
			      P(c->opnum)->name, n, r.step, (int)r.st);
	}
	rpcrt_buf_free(&req);
	return n;
}

/* ==== The calls ============================================================================== */

/* Strings: three strings and a unique one into the arena; [out] total into the caller's. */
static char s_a[] = "alpha", s_fs[16] = "fixed", s_maybe[] = "maybe";
static uint16_t s_w[] = { 'w', 0x263a, 0 };
static char *s_pa = s_a, *s_pfs = s_fs, *s_pmaybe = s_maybe;
static uint16_t *s_pw = s_w;
static int32_t s_total, *s_ptotal = &s_total;
static void *strings_args[] = { &s_pa, &s_pw, &s_pfs, &s_pmaybe, &s_ptotal };

static RPC_STATUS
strings_mgr(void **args)
{
	char *a = *(char **)args[0], *maybe = *(char **)args[3];
	**(int32_t **)args[4] = (int32_t)(strlen(a) * 100 + strlen(maybe));
	return RPC_S_OK;
}

static void
strings_check(void)
{
	ck_assert_int_eq(s_total, 505);
}

/* Pointers: unique and full pointers (two aliases), a three-node list, an item with a string
 * and a unique pointer. */
static int32_t p_x = 5, p_y = 6, p_opt = -9;
static node p_n3 = { 3, NULL }, p_n2 = { 2, &p_n3 }, p_n1 = { 1, &p_n2 };
static item p_it = { 77, "name", &p_opt };
static int32_t *p_u1 = &p_x, *p_u2 = NULL, *p_p1 = &p_y, *p_p2 = &p_y;
static node *p_list = &p_n1;
static item *p_pit = &p_it;
static void *pointers_args[] = { &p_u1, &p_u2, &p_p1, &p_p2, &p_list, &p_pit };

static RPC_STATUS
pointers_mgr(void **args)
{
	node *l = *(node **)args[4];
	item *it = *(item **)args[5];
	ck_assert_int_eq(l->next->next->value, 3);
	ck_assert_str_eq(it->name, "name");
	ck_assert_ptr_eq(*(int32_t **)args[2], *(int32_t **)args[3]);
	return RPC_S_OK;
}

/* OutPointers: the manager builds an item with a name and an opt, block by block; the client
 * receives all three in MIDL_user_allocate memory. */
static int32_t o_n = 3, o_filled[3];
static item *o_created, **o_pcreated = &o_created;
static int32_t *o_pfilled = o_filled;
static void *outpointers_args[] = { &o_n, &o_pcreated, &o_pfilled };

static RPC_STATUS
outpointers_mgr(void **args)
{
	item **created = *(item ***)args[1];
	int32_t *filled = *(int32_t **)args[2];
	for (int i = 0; i < 3; i++)
		filled[i] = 10 * (i + 1);
	item *it = MIDL_user_allocate(sizeof(*it));
	if (!it)
		return RPC_S_OUT_OF_MEMORY;
	memset(it, 0, sizeof(*it));
	it->id = 42;
	*created = it; /* attached at once: from here on the frame owns it */
	if (!(it->name = MIDL_user_allocate(6)))
		return RPC_S_OUT_OF_MEMORY;
	strcpy(it->name, "hello");
	if (!(it->opt = MIDL_user_allocate(sizeof(int32_t))))
		return RPC_S_OUT_OF_MEMORY;
	*it->opt = -1;
	return RPC_S_OK;
}

static bool o_done; /* the last run succeeded and its [out]s were freed */

static void
outpointers_reset(void)
{
	/* After a failure the runtime has freed and cleared what it had set; after the freed
	 * success, clear the stale pointer. */
	if (o_done)
		o_created = NULL;
	ck_assert_ptr_null(o_created);
	o_done = false;
	memset(o_filled, 0, sizeof(o_filled));
}

static void
outpointers_check(void)
{
	ck_assert_ptr_nonnull(o_created);
	ck_assert_int_eq(o_created->id, 42);
	ck_assert_str_eq(o_created->name, "hello");
	ck_assert_int_eq(*o_created->opt, -1);
	ck_assert_int_eq(o_filled[2], 30);
	o_done = true;
}

/* Items: a conformant array of structs with strings and unique pointers. */
static int32_t i_o1 = 1, i_o2 = 2;
static item i_items[3] = { { 1, "one", &i_o1 }, { 2, "two", NULL }, { 3, "three", &i_o2 } };
static int32_t i_n = 3;
static item *i_pi = i_items;
static void *items_args[] = { &i_n, &i_pi };

/* Conformant: conformant structs, one [in, out]. */
static struct {
	conf c;
	int32_t data[3];
} k_conf = { { .n = 3 }, { 7, 8, 9 } };
static struct {
	confvar cv;
	int16_t data[5];
} k_confvar = { { .max = 5, .len = 2 }, { -1, -2 } };
static struct {
	outer_conf oc;
	int32_t data[2];
} k_outer = { { .tag = 4, .c = { .n = 2 } }, { 100, 200 } };
static conf *k_pc = &k_conf.c;
static confvar *k_pcv = &k_confvar.cv;
static outer_conf *k_poc = &k_outer.oc;
static void *conformant_args[] = { &k_pc, &k_pcv, &k_poc };

static RPC_STATUS
conformant_mgr(void **args)
{
	confvar *cv = *(confvar **)args[1];
	cv->len = 3;
	cv->data[2] = 33;
	return RPC_S_OK;
}

static void
conformant_check(void)
{
	ck_assert_int_eq(k_confvar.cv.len, 3);
	ck_assert_int_eq(k_confvar.cv.data[2], 33);
	k_confvar.cv.len = 2;
}

/* Unions: an encapsulated union holding a wide string, a non-encapsulated one. */
static int32_t u_k = 3;
static numu u_u = { .s = { 1, 2, 3 } };
static uint16_t u_wide[] = { 'w', 'x', 0 };
static encu u_e = { .kind = 2, .u = { .w = u_wide } };
static holder u_h = { .kind = 3, .u = { .s = { 4, 5, 6 } } };
static numu *u_pu = &u_u;
static encu *u_pe = &u_e;
static holder *u_ph = &u_h;
static void *unions_args[] = { &u_k, &u_pu, &u_pe, &u_ph };

/* Extra: a unique conformant array, a [ref] inside a struct, a full-pointer cycle. */
static int32_t x_n = 2, x_optv[2] = { 4, 5 }, x_r = 5;
static refholder x_rh = { 7, &x_r };
static fnode x_a, x_b = { 2, &x_a };
static int32_t *x_opt = x_optv;
static refholder *x_prh = &x_rh;
static fnode *x_ring = &x_a;
static void *extra_args[] = { &x_n, &x_opt, &x_prh, &x_ring };

static RPC_STATUS
extra_mgr(void **args)
{
	fnode *a = *(fnode **)args[3];
	ck_assert_ptr_eq(a->next->next, a);
	return RPC_S_OK;
}

/* ==== Tests: the engine ====================================================================== */

/* Server side: every arena allocation of an unmarshalled request, failed in turn, is
 * RPC_S_OUT_OF_MEMORY from rpcrt_ndr_unmarshal_request, and the arena frees what was built. */
START_TEST(test_requests)
{
	const struct call calls[] = {
		{ OP_STRINGS, strings_args, strings_mgr, NULL, strings_check },
		{ OP_POINTERS, pointers_args, pointers_mgr, NULL, NULL },
		{ OP_ITEMS, items_args, NULL, NULL, NULL },
		{ OP_CONFORMANT, conformant_args, conformant_mgr, NULL, conformant_check },
		{ OP_UNIONS, unions_args, NULL, NULL, NULL },
		{ OP_EXTRA, extra_args, extra_mgr, NULL, NULL },
	};
	x_a = (fnode){ 1, &x_b };
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		long n = every_failure(&calls[i]);
		/* The frame alone (args, ret, one slot per parameter) is several allocations;
		 * the sequence ran to its end. */
		ck_assert_msg(n >= 4 && n < 100000, "%s: %ld allocations", P(calls[i].opnum)->name,
			      n);
	}
}
END_TEST

/* The manager's MIDL_user_allocate failing after it attached part of its [out] value, and the
 * client's MIDL_user_allocate failing midway through the response: RPC_S_OUT_OF_MEMORY; the
 * server's rpcrt_ndr_free_frame frees the half-built item, and the client frees what it had
 * allocated and leaves its [out] pointer NULL (outpointers_reset checks it before each run). */
START_TEST(test_out_pointers)
{
	const struct call c = { OP_OUTPOINTERS, outpointers_args, outpointers_mgr,
				outpointers_reset, outpointers_check };
	long n = every_failure(&c);
	/* Frame: 5 (args, ret, 3 slots) + 2 [out]-only buffers; manager: 3; client: 3. */
	ck_assert_int_eq(n, 13);
}
END_TEST

/* The client's response path on its own: a response with an item, its name and opt (three
 * MIDL_user_allocate blocks); whichever fails, RPC_S_OUT_OF_MEMORY, the blocks made before
 * it are freed and the [out] pointer stays NULL; the caller's own buffer is written or not,
 * but never freed. */
START_TEST(test_client_response)
{
	int32_t opt = 9;
	item it = { 5, "abc", &opt }, *pit = &it, **ppit = &pit;
	int32_t n = 2, filled[2] = { 3, 4 }, *pf = filled;
	void *sargs[] = { &n, &ppit, &pf };
	rpcrt_buf resp = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_response(P(OP_OUTPOINTERS), sargs, NULL, &resp),
			 RPC_S_OK);
	item *created = NULL, **pcreated = &created;
	int32_t out[2] = { 0 }, *pout = out;
	void *cargs[] = { &n, &pcreated, &pout };
	long k;
	for (k = 0; k < 100; k++) {
		rpcrt_alloc_fail_after(k);
		RPC_STATUS st = rpcrt_ndr_unmarshal_response(P(OP_OUTPOINTERS), resp.data, resp.len,
							     RPCRT_DREP_LE, NULL, cargs, NULL);
		bool failed = rpcrt_alloc_failed();
		rpcrt_alloc_fail_after(-1);
		if (!failed) {
			ck_assert_int_eq(st, RPC_S_OK);
			ck_assert_str_eq(created->name, "abc");
			ck_assert_int_eq(*created->opt, 9);
			ck_assert_int_eq(out[1], 4);
			rpcrt_ndr_free_response(P(OP_OUTPOINTERS), cargs);
			break;
		}
		ck_assert_int_eq(st, RPC_S_OUT_OF_MEMORY);
		ck_assert_ptr_null(created);
	}
	ck_assert_int_eq(k, 3);
	rpcrt_buf_free(&resp);
}
END_TEST

/* The hook itself: off by default, one failure per arming, counted across both allocators. */
START_TEST(test_hook)
{
	void *p = MIDL_user_allocate(8);
	ck_assert_ptr_nonnull(p);
	MIDL_user_free(p);
	ck_assert(!rpcrt_alloc_failed());
	rpcrt_arena a;
	rpcrt_arena_init(&a);
	rpcrt_alloc_fail_after(1);
	ck_assert_ptr_nonnull(rpcrt_arena_alloc(&a, 16)); /* 0: succeeds */
	ck_assert(!rpcrt_alloc_failed());
	ck_assert_ptr_null(MIDL_user_allocate(16)); /* 1: fails */
	ck_assert(rpcrt_alloc_failed());
	ck_assert_ptr_nonnull(rpcrt_arena_zalloc(&a, 16)); /* once only */
	p = MIDL_user_allocate(16);
	ck_assert_ptr_nonnull(p);
	MIDL_user_free(p);
	rpcrt_alloc_fail_after(-1);
	ck_assert(!rpcrt_alloc_failed());
	rpcrt_arena_release(&a);
}
END_TEST

/* ==== Tests: through the server ============================================================== */

/* The server's OutPointers manager: raises what MIDL_user_allocate's failure means. */
static void
srv_outpointers(int32_t n, item **created, int32_t *filled)
{
	void *args[] = { &n, &created, &filled };
	RPC_STATUS st = outpointers_mgr(args);
	if (st != RPC_S_OK)
		RpcRaiseException(st);
}

static void
srv_strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
	void *args[] = { &a, &w, &fs, &maybe, &total };
	strings_mgr(args);
}

static void (*const srv_epv[OP_COUNT])(void) = {
	[OP_STRINGS] = (void (*)(void))srv_strings,
	[OP_OUTPOINTERS] = (void (*)(void))srv_outpointers,
};

/* Sends a call's request (one fragment) and reads its reply: a response (its stub into resp)
 * or a fault (*fault, its status and whether it says DID_NOT_EXECUTE). */
static void
server_call(int fd, uint32_t call_id, unsigned opnum, void **args, rpcrt_buf *resp, bool *fault,
	    uint32_t *status, bool *dne)
{
	rpcrt_buf stub = { 0 }, out = { 0 }, in = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(P(opnum), args, &stub), RPC_S_OK);
	rpcrt_pdu_request rq = { .opnum = (uint16_t)opnum,
				 .stub = stub.data,
				 .stub_len = stub.len };
	ck_assert_int_eq(rpcrt_pdu_encode_request(&out, call_id,
						  RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_LAST_FRAG, &rq),
			 RPC_S_OK);
	ck_assert(send_all(fd, out.data, out.len));
	rpcrt_pdu_hdr h;
	ck_assert(recv_pdu(fd, &in, &h));
	ck_assert_uint_eq(h.call_id, call_id);
	*fault = h.ptype == RPCRT_PTYPE_FAULT;
	*dne = h.pfc_flags & RPCRT_PFC_DID_NOT_EXECUTE;
	if (*fault) {
		rpcrt_pdu_fault f;
		ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, in.data, &f), RPCRT_PDU_OK);
		*status = f.status;
	} else {
		ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_RESPONSE);
		ck_assert(h.pfc_flags & RPCRT_PFC_LAST_FRAG);
		rpcrt_pdu_response rs;
		ck_assert_int_eq(rpcrt_pdu_decode_response(&h, in.data, &rs), RPCRT_PDU_OK);
		resp->data = realloc(resp->data, rs.stub_len ? rs.stub_len : 1);
		memcpy(resp->data, rs.stub, rs.stub_len);
		resp->len = rs.stub_len;
	}
	rpcrt_buf_free(&stub);
	rpcrt_buf_free(&out);
	rpcrt_buf_free(&in);
}

/* T68 through the server (on a socketpair it adopts): with each allocation of a call failing
 * in turn, Strings faults with nca_s_fault_remote_no_memory and DID_NOT_EXECUTE while its
 * request is unmarshalled; OutPointers likewise, then, in its manager, with the
 * RPC_S_OUT_OF_MEMORY the manager raises (the manager ran: no DID_NOT_EXECUTE); once the
 * sequence is through, the call succeeds. The connection serves every call. */
START_TEST(test_server)
{
	ck_assert_int_eq(RpcServerRegisterIf2((RPC_IF_HANDLE)ndrtest_v1_0_c_ifspec, NULL,
					      (RPC_MGR_EPV *)srv_epv, RPC_IF_AUTOLISTEN, 8,
					      (UINT)-1, NULL),
			 RPC_S_OK);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(rpcrt_server_adopt_fd(sv[1]), RPC_S_OK);

	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	bind_ndrtest_raw(sv[0], 0, 5840, &b, &h);
	rpcrt_buf_free(&b);

	uint32_t call_id = 2;
	const struct {
		unsigned opnum;
		void **args;
		int in_fault_min; /* allocations that fail the unmarshalling at least */
	} calls[] = { { OP_STRINGS, strings_args, 4 }, { OP_OUTPOINTERS, outpointers_args, 4 } };
	for (size_t i = 0; i < 2; i++) {
		int unmarshal_faults = 0, manager_faults = 0;
		long n;
		for (n = 0; n < 1000; n++) {
			rpcrt_buf resp = { 0 };
			bool fault, dne;
			uint32_t status = 0;
			rpcrt_alloc_fail_after(n);
			server_call(sv[0], call_id++, calls[i].opnum, calls[i].args, &resp, &fault,
				    &status, &dne);
			bool failed = rpcrt_alloc_failed();
			rpcrt_alloc_fail_after(-1);
			if (!failed) {
				ck_assert(!fault);
				rpcrt_buf_free(&resp);
				break;
			}
			ck_assert(fault);
			if (dne) {
				ck_assert_uint_eq(status, RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY);
				ck_assert_int_eq(manager_faults, 0); /* unmarshalling comes first */
				unmarshal_faults++;
			} else {
				ck_assert_uint_eq(calls[i].opnum, OP_OUTPOINTERS);
				ck_assert_uint_eq(status, RPC_S_OUT_OF_MEMORY);
				manager_faults++;
			}
			rpcrt_buf_free(&resp);
		}
		ck_assert_int_ge(unmarshal_faults, calls[i].in_fault_min);
		ck_assert_int_eq(manager_faults, calls[i].opnum == OP_OUTPOINTERS ? 3 : 0);
		ck_assert_int_eq(n, unmarshal_faults + manager_faults);
	}
	close(sv[0]);
	ck_assert_int_eq(rpcrt_server_settle(true, 5000), RPC_S_OK);
	rpcrt_server_stats st;
	rpcrt_server_get_stats(&st);
	ck_assert_uint_eq(st.req_bytes, 0);
	rpcrt_server_reset();
}
END_TEST

static Suite *
alloc_fail_suite(void)
{
	Suite *s = suite_create("alloc_fail");
	TCase *tc = tcase_create("alloc_fail");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hook);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_out_pointers);
	tcase_add_test(tc, test_client_response);
	tcase_add_test(tc, test_server);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(alloc_fail_suite)
