/* The connection-oriented PDU layer (runtime/pdu.c): exact bytes of every PDU type against
 * python3-impacket (tests/pdu/gen-golden.py, compiled in as tests/pdu/golden.h), decode round
 * trips in both byte orders, fragmentation and reassembly, and the cases of
 * ../shared/reference/security-tests.md groups B (T18-T31) and C (T32-T37) that can be decided
 * at this layer. Each test names its T-numbers. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pdu/golden.h"
#include "check_main.h"
#include "pdu.h"

/* ---- helpers ---- */

static const struct golden_pdu *
G(const char *name)
{
	for (size_t i = 0; i < sizeof golden_pdus / sizeof golden_pdus[0]; i++)
		if (strcmp(golden_pdus[i].name, name) == 0)
			return &golden_pdus[i];
	ck_abort_msg("no golden PDU %s", name);
	return NULL;
}

static void
expect_golden(const rpcrt_buf *b, const char *name)
{
	const struct golden_pdu *g = G(name);
	ck_assert_msg(b->len == g->len, "%s: we wrote %zu bytes, impacket %zu", name, b->len,
		      g->len);
	for (size_t i = 0; i < g->len; i++)
		ck_assert_msg(b->data[i] == g->data[i], "%s: byte %zu is %02x, impacket has %02x",
			      name, i, b->data[i], g->data[i]);
}

/* A copy in a buffer of exactly n bytes, so that ASan sees any read past it. */
static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(q);
	memcpy(q, p, n);
	return q;
}

static UUID
uuid_of(const char *s)
{
	UUID u;
	unsigned d4[8];
	int n = sscanf(s, "%8x-%4hx-%4hx-%2x%2x-%2x%2x%2x%2x%2x%2x", &u.Data1, &u.Data2, &u.Data3,
		       &d4[0], &d4[1], &d4[2], &d4[3], &d4[4], &d4[5], &d4[6], &d4[7]);
	ck_assert_int_eq(n, 11);
	for (int i = 0; i < 8; i++)
		u.Data4[i] = (uint8_t)d4[i];
	return u;
}

static rpcrt_pdu_syntax
syn(const char *uuid, uint16_t major, uint16_t minor)
{
	rpcrt_pdu_syntax s = { uuid_of(uuid), major, minor };
	return s;
}

static bool
uuid_eq(const UUID *a, const UUID *b)
{
	return a->Data1 == b->Data1 && a->Data2 == b->Data2 && a->Data3 == b->Data3 &&
	       memcmp(a->Data4, b->Data4, 8) == 0;
}

static void
fill_pattern(uint8_t *p, size_t n, unsigned mul, unsigned add)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * mul + add);
}

static void
put16(uint8_t *p, uint16_t v, bool be)
{
	p[be ? 1 : 0] = (uint8_t)v;
	p[be ? 0 : 1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

/* A request (or response) fragment built by hand, independently of the encoders, in either
 * byte order; returns its length. buf holds at least 40 + len bytes. For a response, opnum
 * is the cancel_count octet and its reserved octet. */
static size_t
mk_frag(uint8_t *buf, uint8_t ptype, bool be, uint8_t flags, uint32_t call_id, uint32_t alloc_hint,
	uint16_t ctx, uint16_t opnum, const UUID *obj, const uint8_t *stub, size_t len)
{
	size_t hdr = 24 + (obj ? 16 : 0);
	buf[0] = 5;
	buf[1] = 0;
	buf[2] = ptype;
	buf[3] = (uint8_t)(flags | (obj ? RPCRT_PFC_OBJECT_UUID : 0));
	buf[4] = be ? 0x00 : 0x10;
	buf[5] = buf[6] = buf[7] = 0;
	put16(buf + 8, (uint16_t)(hdr + len), be);
	put16(buf + 10, 0, be);
	put32(buf + 12, call_id, be);
	put32(buf + 16, alloc_hint, be);
	put16(buf + 20, ctx, be);
	put16(buf + 22, opnum, be);
	if (obj) {
		put32(buf + 24, obj->Data1, be);
		put16(buf + 28, obj->Data2, be);
		put16(buf + 30, obj->Data3, be);
		memcpy(buf + 32, obj->Data4, 8);
	}
	if (len)
		memcpy(buf + hdr, stub, len);
	return hdr + len;
}

static size_t
mk_req(uint8_t *buf, uint8_t flags, uint32_t call_id, uint32_t alloc_hint, uint16_t ctx,
       uint16_t opnum, const uint8_t *stub, size_t len)
{
	return mk_frag(buf, RPCRT_PTYPE_REQUEST, false, flags, call_id, alloc_hint, ctx, opnum,
		       NULL, stub, len);
}

/* Parses a whole fragment (which must be acceptable) and feeds it. */
static rpcrt_pdu_status
feed(rpcrt_pdu_reasm *r, const uint8_t *p, size_t n, rpcrt_pdu_call *call, rpcrt_pdu_verdict *v)
{
	rpcrt_pdu_hdr h;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_OK);
	ck_assert_uint_eq(h.frag_length, n);
	return rpcrt_pdu_reasm_feed(r, &h, p, call, v);
}

static void
expect_verdict(const rpcrt_pdu_verdict *v, uint32_t fault, uint32_t call_id, uint16_t ctx, bool dne)
{
	ck_assert_uint_eq(v->fault_status, fault);
	ck_assert_int_eq(v->nak_reason, -1);
	ck_assert_uint_eq(v->call_id, call_id);
	ck_assert_uint_eq(v->p_cont_id, ctx);
	ck_assert_int_eq(v->did_not_execute, dne);
	ck_assert(v->close);
}

/* ---- the contents of the golden PDUs (see gen-golden.py) ---- */

#define IF1 "12345678-1234-abcd-ef00-0123456789ab"
#define EPM "e1af8308-5d1f-11c9-91a4-08002b14a0fa"
#define OBJ "11223344-5566-7788-99aa-bbccddeeff00"

static rpcrt_pdu_syntax if1, epm, btfn3;
static rpcrt_pdu_ctx bind_ctxs[3], alter_ctxs[1];
static rpcrt_pdu_result ack_results[3], one_ndr20[1];
static uint8_t stub12[12], stub8[8], stub16[16];

static void
setup(void)
{
	if1 = syn(IF1, 1, 0);
	epm = syn(EPM, 3, 0);
	rpcrt_pdu_btfn_syntax(RPCRT_BTFN_SECURITY_CONTEXT_MULTIPLEXING |
				      RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN,
			      &btfn3);
	bind_ctxs[0] = (rpcrt_pdu_ctx){ 0, 1, if1, &rpcrt_pdu_ndr20 };
	bind_ctxs[1] = (rpcrt_pdu_ctx){ 1, 1, if1, &rpcrt_pdu_ndr64 };
	bind_ctxs[2] = (rpcrt_pdu_ctx){ 2, 1, if1, &btfn3 };
	alter_ctxs[0] = (rpcrt_pdu_ctx){ 5, 1, epm, &rpcrt_pdu_ndr20 };
	ack_results[0] = (rpcrt_pdu_result){ RPCRT_CTX_ACCEPTANCE, 0, rpcrt_pdu_ndr20 };
	/* rejected and negotiate_ack results carry an all-zero transfer syntax */
	ack_results[1] = (rpcrt_pdu_result){ RPCRT_CTX_PROVIDER_REJECTION,
					     RPCRT_CTX_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED,
					     { { 0 }, 0, 0 } };
	ack_results[2] = (rpcrt_pdu_result){ RPCRT_CTX_NEGOTIATE_ACK,
					     RPCRT_BTFN_SECURITY_CONTEXT_MULTIPLEXING |
						     RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN,
					     { { 0 }, 0, 0 } };
	one_ndr20[0] = ack_results[0];
	fill_pattern(stub12, sizeof stub12, 1, 0xa0);
	fill_pattern(stub8, sizeof stub8, 3, 1);
	fill_pattern(stub16, sizeof stub16, 5, 7);
}

static const rpcrt_pdu_bind golden_bind_body = { 5840, 5840, 0, 3, bind_ctxs };
static const rpcrt_pdu_bind golden_alter_body = { 4280, 4280, 0x12345678, 1, alter_ctxs };

static void
expect_bind_eq(const rpcrt_pdu_bind *a, const rpcrt_pdu_bind *b)
{
	ck_assert_uint_eq(a->max_xmit_frag, b->max_xmit_frag);
	ck_assert_uint_eq(a->max_recv_frag, b->max_recv_frag);
	ck_assert_uint_eq(a->assoc_group_id, b->assoc_group_id);
	ck_assert_uint_eq(a->n_ctx, b->n_ctx);
	for (unsigned i = 0; i < a->n_ctx; i++) {
		ck_assert_uint_eq(a->ctx[i].p_cont_id, b->ctx[i].p_cont_id);
		ck_assert_uint_eq(a->ctx[i].n_transfer, b->ctx[i].n_transfer);
		ck_assert(rpcrt_pdu_syntax_eq(&a->ctx[i].abstract, &b->ctx[i].abstract));
		for (unsigned j = 0; j < a->ctx[i].n_transfer; j++)
			ck_assert(rpcrt_pdu_syntax_eq(&a->ctx[i].transfer[j],
						      &b->ctx[i].transfer[j]));
	}
}

static void
expect_ack_eq(const rpcrt_pdu_bind_ack *a, const rpcrt_pdu_bind_ack *b)
{
	ck_assert_uint_eq(a->max_xmit_frag, b->max_xmit_frag);
	ck_assert_uint_eq(a->max_recv_frag, b->max_recv_frag);
	ck_assert_uint_eq(a->assoc_group_id, b->assoc_group_id);
	ck_assert_uint_eq(a->sec_addr_len, b->sec_addr_len);
	if (a->sec_addr_len)
		ck_assert_mem_eq(a->sec_addr, b->sec_addr, a->sec_addr_len);
	ck_assert_uint_eq(a->n_results, b->n_results);
	for (unsigned i = 0; i < a->n_results; i++) {
		ck_assert_uint_eq(a->results[i].result, b->results[i].result);
		ck_assert_uint_eq(a->results[i].reason, b->results[i].reason);
		ck_assert(rpcrt_pdu_syntax_eq(&a->results[i].transfer, &b->results[i].transfer));
	}
}

/* Parses a golden PDU (a single fragment) and checks the header fields. */
static rpcrt_pdu_hdr
golden_hdr(const char *name, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	const struct golden_pdu *g = G(name);
	rpcrt_pdu_hdr h;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	ck_assert_uint_eq(h.rpc_vers, 5);
	ck_assert_uint_eq(h.rpc_vers_minor, 0);
	ck_assert_uint_eq(h.ptype, ptype);
	ck_assert_uint_eq(h.pfc_flags, flags);
	ck_assert_uint_eq(h.frag_length, g->len);
	ck_assert_uint_eq(h.auth_length, 0);
	ck_assert_uint_eq(h.call_id, call_id);
	return h;
}

/* ---- exact bytes against impacket, and decode round trips ---- */

START_TEST(wire_bind_alter)
{
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, 1, RPCRT_PFC_CONC_MPX, &golden_bind_body),
			 RPC_S_OK);
	expect_golden(&b, "bind");
	rpcrt_pdu_hdr h = golden_hdr("bind", RPCRT_PTYPE_BIND, 0x13, 1);
	rpcrt_pdu_bind d;
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, G("bind")->data, &d), RPCRT_PDU_OK);
	expect_bind_eq(&d, &golden_bind_body);
	uint64_t bits = 0;
	ck_assert(!rpcrt_pdu_is_btfn(&d.ctx[0].transfer[0], NULL));
	ck_assert(rpcrt_pdu_is_btfn(&d.ctx[2].transfer[0], &bits));
	ck_assert_uint_eq(bits, 3);
	rpcrt_pdu_bind_free(&d);
	ck_assert_ptr_null(d.ctx);

	b.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_alter_context(&b, 2, 0, &golden_alter_body), RPC_S_OK);
	expect_golden(&b, "alter_context");
	h = golden_hdr("alter_context", RPCRT_PTYPE_ALTER_CONTEXT, 0x03, 2);
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, G("alter_context")->data, &d), RPCRT_PDU_OK);
	expect_bind_eq(&d, &golden_alter_body);
	rpcrt_pdu_bind_free(&d);
	rpcrt_buf_free(&b);
}
END_TEST

START_TEST(wire_bind_ack)
{
	static const char *const names[] = { "bind_ack", "bind_ack_135", "alter_context_resp" };
	static const uint8_t ptypes[] = { RPCRT_PTYPE_BIND_ACK, RPCRT_PTYPE_BIND_ACK,
					  RPCRT_PTYPE_ALTER_CONTEXT_RESP };
	static const uint8_t flags[] = { 0x13, 0x03, 0x03 };
	static const uint32_t call_ids[] = { 1, 1, 2 };
	const rpcrt_pdu_bind_ack acks[] = {
		{ 5840, 5840, 0xf00d, 6, "49664", 3, ack_results },
		{ 4280, 4280, 1, 4, "135", 1, one_ndr20 },
		/* alter_context_resp: an empty secondary address is length 0, no octets */
		{ 4280, 4280, 0x12345678, 0, NULL, 1, one_ndr20 },
	};
	for (size_t i = 0; i < 3; i++) {
		rpcrt_buf b = { 0 };
		uint8_t extra = flags[i] & RPCRT_PFC_CONC_MPX;
		RPC_STATUS st;
		if (ptypes[i] == RPCRT_PTYPE_BIND_ACK)
			st = rpcrt_pdu_encode_bind_ack(&b, call_ids[i], extra, &acks[i]);
		else
			st = rpcrt_pdu_encode_alter_context_resp(&b, call_ids[i], extra, &acks[i]);
		ck_assert_int_eq(st, RPC_S_OK);
		expect_golden(&b, names[i]);
		rpcrt_pdu_hdr h = golden_hdr(names[i], ptypes[i], flags[i], call_ids[i]);
		rpcrt_pdu_bind_ack d;
		ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, G(names[i])->data, &d),
				 RPCRT_PDU_OK);
		expect_ack_eq(&d, &acks[i]);
		rpcrt_pdu_bind_ack_free(&d);
		rpcrt_buf_free(&b);
	}
}
END_TEST

START_TEST(wire_bind_nak)
{
	rpcrt_pdu_bind_nak n = { RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED, 1, { { 5, 0 } } };
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_bind_nak(&b, 1, &n), RPC_S_OK);
	expect_golden(&b, "bind_nak");
	rpcrt_pdu_hdr h = golden_hdr("bind_nak", RPCRT_PTYPE_BIND_NAK, 0x03, 1);
	rpcrt_pdu_bind_nak d;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, G("bind_nak")->data, &d), RPCRT_PDU_OK);
	ck_assert_uint_eq(d.reason, 4);
	ck_assert_uint_eq(d.n_versions, 1);
	ck_assert_uint_eq(d.versions[0][0], 5);
	ck_assert_uint_eq(d.versions[0][1], 0);
	rpcrt_buf_free(&b);
}
END_TEST

START_TEST(wire_request_response_fault)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_request rq = { 12, 1, 7, false, { 0 }, stub12, sizeof stub12 };
	ck_assert_int_eq(rpcrt_pdu_encode_request(&b, 3, 0x03, &rq), RPC_S_OK);
	expect_golden(&b, "request");
	rpcrt_pdu_hdr h = golden_hdr("request", RPCRT_PTYPE_REQUEST, 0x03, 3);
	rpcrt_pdu_request dq;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, G("request")->data, &dq), RPCRT_PDU_OK);
	ck_assert_uint_eq(dq.alloc_hint, 12);
	ck_assert_uint_eq(dq.p_cont_id, 1);
	ck_assert_uint_eq(dq.opnum, 7);
	ck_assert(!dq.has_object);
	ck_assert_uint_eq(dq.stub_len, 12);
	ck_assert_mem_eq(dq.stub, stub12, 12);

	/* With an object UUID; the caller's OBJECT_UUID flag follows has_object. */
	b.len = 0;
	rpcrt_pdu_request ro = { 8, 0x1234, 0xbeef, true, uuid_of(OBJ), stub8, sizeof stub8 };
	ck_assert_int_eq(rpcrt_pdu_encode_request(&b, 4, 0x03, &ro), RPC_S_OK);
	expect_golden(&b, "request_object");
	h = golden_hdr("request_object", RPCRT_PTYPE_REQUEST, 0x83, 4);
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, G("request_object")->data, &dq),
			 RPCRT_PDU_OK);
	ck_assert(dq.has_object);
	ck_assert(uuid_eq(&dq.object, &ro.object));
	ck_assert_uint_eq(dq.p_cont_id, 0x1234);
	ck_assert_uint_eq(dq.opnum, 0xbeef);
	ck_assert_mem_eq(dq.stub, stub8, 8);

	b.len = 0;
	rpcrt_pdu_response rs = { 16, 1, 0, stub16, sizeof stub16 };
	ck_assert_int_eq(rpcrt_pdu_encode_response(&b, 3, 0x03, &rs), RPC_S_OK);
	expect_golden(&b, "response");
	h = golden_hdr("response", RPCRT_PTYPE_RESPONSE, 0x03, 3);
	rpcrt_pdu_response ds;
	ck_assert_int_eq(rpcrt_pdu_decode_response(&h, G("response")->data, &ds), RPCRT_PDU_OK);
	ck_assert_uint_eq(ds.alloc_hint, 16);
	ck_assert_uint_eq(ds.p_cont_id, 1);
	ck_assert_uint_eq(ds.cancel_count, 0);
	ck_assert_uint_eq(ds.stub_len, 16);
	ck_assert_mem_eq(ds.stub, stub16, 16);

	/* fault nca_s_unknown_if with DID_NOT_EXECUTE (T35's fault, as the server sends it) */
	b.len = 0;
	rpcrt_pdu_fault f = { 24, 1, 0, 0, RPCRT_NCA_S_UNKNOWN_IF };
	ck_assert_int_eq(rpcrt_pdu_encode_fault(&b, 3, RPCRT_PFC_DID_NOT_EXECUTE, &f), RPC_S_OK);
	expect_golden(&b, "fault");
	h = golden_hdr("fault", RPCRT_PTYPE_FAULT, 0x23, 3);
	rpcrt_pdu_fault df;
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, G("fault")->data, &df), RPCRT_PDU_OK);
	ck_assert_uint_eq(df.alloc_hint, 24);
	ck_assert_uint_eq(df.p_cont_id, 1);
	ck_assert_uint_eq(df.status, RPCRT_NCA_S_UNKNOWN_IF);
	rpcrt_buf_free(&b);
}
END_TEST

START_TEST(wire_header_only)
{
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_shutdown(&b, 0), RPC_S_OK);
	expect_golden(&b, "shutdown");
	golden_hdr("shutdown", RPCRT_PTYPE_SHUTDOWN, 0x03, 0);
	b.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_co_cancel(&b, 3), RPC_S_OK);
	expect_golden(&b, "co_cancel");
	golden_hdr("co_cancel", RPCRT_PTYPE_CO_CANCEL, 0x03, 3);
	b.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_orphaned(&b, 3), RPC_S_OK);
	expect_golden(&b, "orphaned");
	golden_hdr("orphaned", RPCRT_PTYPE_ORPHANED, 0x03, 3);
	rpcrt_buf_free(&b);
}
END_TEST

/* Walks fragments in buf through a reassembler; returns the number of fragments. */
static unsigned
reassemble(const uint8_t *p, size_t n, uint8_t ptype, uint16_t max_frag, rpcrt_pdu_call *call)
{
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, ptype, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	unsigned frags = 0;
	size_t off = 0;
	rpcrt_pdu_status st = RPCRT_PDU_NEED_MORE;
	while (off < n) {
		rpcrt_pdu_hdr h;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p + off, n - off, &h), RPCRT_PDU_OK);
		ck_assert_uint_le(h.frag_length, max_frag);
		ck_assert_int_eq(st, RPCRT_PDU_NEED_MORE); /* nothing after the last fragment */
		rpcrt_pdu_verdict v;
		st = rpcrt_pdu_reasm_feed(&r, &h, p + off, call, &v);
		ck_assert_msg(st == RPCRT_PDU_OK || st == RPCRT_PDU_NEED_MORE, "status %d", st);
		off += h.frag_length;
		frags++;
	}
	ck_assert_int_eq(st, RPCRT_PDU_OK);
	rpcrt_pdu_reasm_free(&r);
	return frags;
}

START_TEST(wire_fragments)
{
	uint8_t stub100[100], stub5000[5000];
	fill_pattern(stub100, sizeof stub100, 7, 3);
	fill_pattern(stub5000, sizeof stub5000, 13, 1);
	rpcrt_buf b = { 0 };
	rpcrt_pdu_call call;

	/* 64-byte fragments: 40 + 40 + 20 bytes of stub, alloc_hint 100, 60, 20. */
	rpcrt_pdu_request rq = { 0, 2, 9, false, { 0 }, stub100, sizeof stub100 };
	ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&b, 7, 0, &rq, 64), RPC_S_OK);
	expect_golden(&b, "frag_request");
	ck_assert_uint_eq(reassemble(b.data, b.len, RPCRT_PTYPE_REQUEST, 64, &call), 3);
	ck_assert_uint_eq(call.stub.len, 100);
	ck_assert_mem_eq(call.stub.data, stub100, 100);
	ck_assert_uint_eq(call.opnum, 9);
	ck_assert_uint_eq(call.p_cont_id, 2);
	ck_assert_uint_eq(call.call_id, 7);
	rpcrt_buf_free(&call.stub);

	/* With the object UUID in every fragment: 24 bytes of stub per 64-byte fragment. */
	b.len = 0;
	rq.has_object = true;
	rq.object = uuid_of(OBJ);
	ck_assert_int_eq(rpcrt_pdu_encode_request_frags(&b, 8, 0, &rq, 64), RPC_S_OK);
	expect_golden(&b, "frag_request_object");
	ck_assert_uint_eq(reassemble(b.data, b.len, RPCRT_PTYPE_REQUEST, 64, &call), 5);
	ck_assert_mem_eq(call.stub.data, stub100, 100);
	ck_assert(call.has_object);
	ck_assert(uuid_eq(&call.object, &rq.object));
	rpcrt_buf_free(&call.stub);

	b.len = 0;
	rpcrt_pdu_response rs = { 0, 2, 0, stub5000, sizeof stub5000 };
	ck_assert_int_eq(rpcrt_pdu_encode_response_frags(&b, 7, 0, &rs, 2048), RPC_S_OK);
	expect_golden(&b, "frag_response");
	ck_assert_uint_eq(reassemble(b.data, b.len, RPCRT_PTYPE_RESPONSE, 2048, &call), 3);
	ck_assert_uint_eq(call.stub.len, 5000);
	ck_assert_mem_eq(call.stub.data, stub5000, 5000);
	rpcrt_buf_free(&call.stub);
	rpcrt_buf_free(&b);
}
END_TEST

/* T21: big-endian PDUs decode to the same values as their little-endian twins. */
START_TEST(big_endian_bodies)
{
	rpcrt_pdu_hdr h, hl;
	const struct golden_pdu *g;

	g = G("bind_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	ck_assert_uint_eq(h.drep[0], 0);
	ck_assert_uint_eq(h.frag_length, g->len);
	ck_assert_uint_eq(h.call_id, 1);
	rpcrt_pdu_bind d;
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, g->data, &d), RPCRT_PDU_OK);
	expect_bind_eq(&d, &golden_bind_body);
	rpcrt_pdu_bind_free(&d);

	g = G("bind_ack_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	rpcrt_pdu_bind_ack a;
	rpcrt_pdu_bind_ack want = { 5840, 5840, 0xf00d, 6, "49664", 3, ack_results };
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, g->data, &a), RPCRT_PDU_OK);
	expect_ack_eq(&a, &want);
	rpcrt_pdu_bind_ack_free(&a);

	g = G("bind_nak_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	rpcrt_pdu_bind_nak n;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, g->data, &n), RPCRT_PDU_OK);
	ck_assert_uint_eq(n.reason, 4);
	ck_assert_uint_eq(n.n_versions, 1);
	ck_assert_uint_eq(n.versions[0][0], 5);

	g = G("request_object_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(
		rpcrt_pdu_parse_hdr(G("request_object")->data, G("request_object")->len, &hl),
		RPCRT_PDU_OK);
	rpcrt_pdu_request q, ql;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, g->data, &q), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_request(&hl, G("request_object")->data, &ql),
			 RPCRT_PDU_OK);
	ck_assert_uint_eq(q.alloc_hint, ql.alloc_hint);
	ck_assert_uint_eq(q.p_cont_id, ql.p_cont_id);
	ck_assert_uint_eq(q.opnum, ql.opnum);
	ck_assert(uuid_eq(&q.object, &ql.object));
	ck_assert_uint_eq(q.stub_len, ql.stub_len);
	ck_assert_mem_eq(q.stub, ql.stub, q.stub_len);
	/* and through the reassembler, which hands the drep on for the NDR engine */
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	ck_assert_int_eq(rpcrt_pdu_reasm_feed(&r, &h, g->data, &call, &v), RPCRT_PDU_OK);
	ck_assert_uint_eq(call.drep[0], RPCRT_DREP_BE);
	ck_assert_uint_eq(call.opnum, 0xbeef);
	ck_assert_mem_eq(call.stub.data, stub8, 8);
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);

	g = G("response_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	rpcrt_pdu_response s;
	ck_assert_int_eq(rpcrt_pdu_decode_response(&h, g->data, &s), RPCRT_PDU_OK);
	ck_assert_uint_eq(s.alloc_hint, 16);
	ck_assert_uint_eq(s.p_cont_id, 1);
	ck_assert_mem_eq(s.stub, stub16, 16);

	g = G("fault_be");
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
	ck_assert_uint_eq(h.pfc_flags, 0x23);
	rpcrt_pdu_fault f;
	ck_assert_int_eq(rpcrt_pdu_decode_fault(&h, g->data, &f), RPCRT_PDU_OK);
	ck_assert_uint_eq(f.status, RPCRT_NCA_S_UNKNOWN_IF);
	ck_assert_uint_eq(f.alloc_hint, 24);
	ck_assert_uint_eq(f.p_cont_id, 1);
}
END_TEST

/* Decoding is strict about the type, and round trips of what the goldens do not cover:
 * several transfer syntaxes per context, T34 (p_cont_id is 16 bits everywhere). */
START_TEST(round_trips)
{
	rpcrt_pdu_syntax three[3] = { rpcrt_pdu_ndr20, rpcrt_pdu_ndr64, btfn3 };
	rpcrt_pdu_ctx ctxs[2] = { { 0xffff, 3, if1, three }, { 0x8001, 1, epm, three } };
	rpcrt_pdu_bind b = { 2048, 4280, 0xdeadbeef, 2, ctxs };
	rpcrt_buf out = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_alter_context(&out, 0xfffffffe, 0, &b), RPC_S_OK);
	rpcrt_pdu_hdr h;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(out.data, out.len, &h), RPCRT_PDU_OK);
	ck_assert_uint_eq(h.call_id, 0xfffffffe);
	rpcrt_pdu_bind d;
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, out.data, &d), RPCRT_PDU_OK);
	expect_bind_eq(&d, &b);
	rpcrt_pdu_bind_free(&d);
	/* the wrong decoder for the type */
	rpcrt_pdu_request q;
	rpcrt_pdu_bind_ack a;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, out.data, &q), RPCRT_PDU_E_WRONG_TYPE);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, out.data, &a), RPCRT_PDU_E_WRONG_TYPE);

	/* T34: p_cont_id 0xffff through request encode, decode and reassembly */
	out.len = 0;
	rpcrt_pdu_request rq = { 3, 0xffff, 0xffff, false, { 0 }, stub8, 3 };
	ck_assert_int_eq(rpcrt_pdu_encode_request(&out, 1, 0x03, &rq), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(out.data, out.len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, out.data, &q), RPCRT_PDU_OK);
	ck_assert_uint_eq(q.p_cont_id, 0xffff);
	ck_assert_uint_eq(q.opnum, 0xffff);
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 100);
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	ck_assert_int_eq(rpcrt_pdu_reasm_feed(&r, &h, out.data, &call, &v), RPCRT_PDU_OK);
	ck_assert_uint_eq(call.p_cont_id, 0xffff);
	ck_assert_uint_eq(v.fault_status, 0);
	ck_assert(!v.close);
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);

	/* bind_ack results carry 16-bit p_cont_id-sized fields too; an empty result list */
	out.len = 0;
	rpcrt_pdu_bind_ack ack = { 5840, 5840, 0, 0, NULL, 0, NULL };
	ck_assert_int_eq(rpcrt_pdu_encode_bind_ack(&out, 1, 0, &ack), RPC_S_OK);
	ck_assert_uint_eq(out.len, 32);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(out.data, out.len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, out.data, &a), RPCRT_PDU_OK);
	ck_assert_uint_eq(a.n_results, 0);
	ck_assert_ptr_null(a.sec_addr);
	rpcrt_pdu_bind_ack_free(&a);
	rpcrt_buf_free(&out);
}
END_TEST

START_TEST(syntaxes)
{
	/* [MS-RPCE] 2.2.4.12, 2.2.5.1, 3.3.1.5.3 */
	rpcrt_pdu_syntax s = syn("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0);
	ck_assert(rpcrt_pdu_syntax_eq(&s, &rpcrt_pdu_ndr20));
	s = syn("71710533-beba-4937-8319-b5dbef9ccc36", 1, 0);
	ck_assert(rpcrt_pdu_syntax_eq(&s, &rpcrt_pdu_ndr64));
	ck_assert(!rpcrt_pdu_syntax_eq(&rpcrt_pdu_ndr20, &rpcrt_pdu_ndr64));
	s = syn("6cb71c2c-9812-4540-0300-000000000000", 1, 0);
	ck_assert(rpcrt_pdu_syntax_eq(&s, &btfn3));
	uint64_t bits;
	rpcrt_pdu_btfn_syntax(0x0807060504030201ull, &s);
	ck_assert(rpcrt_pdu_is_btfn(&s, &bits));
	ck_assert_uint_eq(bits, 0x0807060504030201ull);
	ck_assert_uint_eq(s.uuid.Data4[0], 1);
	s.vers_major = 2;
	ck_assert(!rpcrt_pdu_is_btfn(&s, &bits));
	ck_assert(!rpcrt_pdu_is_btfn(&rpcrt_pdu_ndr20, NULL));
}
END_TEST

/* ---- fragmentation ---- */

/* Every fragment fits, non-last chunks are multiples of 8, FIRST/LAST are right, alloc_hint
 * is what remains, and reassembly gives the stub back. */
START_TEST(fragmentation_rules)
{
	static const uint16_t sizes[] = { 48, 64, 100, 2048, 4280, 5840 };
	static const size_t lens[] = { 0, 1, 7, 8, 9, 23, 24, 25, 4096, 5816, 5817, 20000 };
	uint8_t *stub = malloc(20000);
	fill_pattern(stub, 20000, 31, 5);
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
			for (int kind = 0; kind < 3; kind++) {
				uint16_t max = sizes[si];
				size_t len = lens[li];
				rpcrt_buf b = { 0 };
				size_t hdr = kind == 1 ? 40 : 24;
				uint8_t ptype =
					kind == 2 ? RPCRT_PTYPE_RESPONSE : RPCRT_PTYPE_REQUEST;
				RPC_STATUS st;
				if (kind == 2) {
					rpcrt_pdu_response rs = { 0, 1, 0, stub, len };
					st = rpcrt_pdu_encode_response_frags(&b, 5, 0, &rs, max);
				} else {
					rpcrt_pdu_request rq = {
						0, 1, 2, kind == 1, uuid_of(OBJ), stub, len
					};
					st = rpcrt_pdu_encode_request_frags(&b, 5, 0, &rq, max);
				}
				if (max < hdr + 8) {
					ck_assert_int_eq(st, RPC_S_INVALID_ARG);
					ck_assert_uint_eq(b.len, 0);
					continue;
				}
				ck_assert_int_eq(st, RPC_S_OK);
				size_t off = 0, got = 0;
				while (off < b.len) {
					rpcrt_pdu_hdr h;
					ck_assert_int_eq(
						rpcrt_pdu_parse_hdr(b.data + off, b.len - off, &h),
						RPCRT_PDU_OK);
					ck_assert_uint_le(h.frag_length, max);
					size_t chunk = h.frag_length - hdr;
					bool last = off + h.frag_length == b.len;
					ck_assert_int_eq(!!(h.pfc_flags & RPCRT_PFC_FIRST_FRAG),
							 off == 0);
					ck_assert_int_eq(!!(h.pfc_flags & RPCRT_PFC_LAST_FRAG),
							 last);
					if (!last)
						ck_assert_uint_eq(chunk % 8, 0);
					uint8_t *q = b.data + off;
					uint32_t ah = (uint32_t)q[16] | (uint32_t)q[17] << 8 |
						      (uint32_t)q[18] << 16 | (uint32_t)q[19] << 24;
					ck_assert_uint_eq(ah, len - got);
					got += chunk;
					off += h.frag_length;
				}
				ck_assert_uint_eq(got, len);
				rpcrt_pdu_call call;
				reassemble(b.data, b.len, ptype, max, &call);
				ck_assert_uint_eq(call.stub.len, len);
				if (len)
					ck_assert_mem_eq(call.stub.data, stub, len);
				rpcrt_buf_free(&call.stub);
				rpcrt_buf_free(&b);
			}
		}
	}
	free(stub);
}
END_TEST

START_TEST(encoder_limits)
{
	rpcrt_buf b = { 0 };
	/* a fault never carries status 0 (T31, [MS-RPCE] 3.3.3.5.1) */
	rpcrt_pdu_fault f = { 24, 0, 0, 0, 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_fault(&b, 1, 0, &f), RPC_S_INVALID_ARG);
	ck_assert_uint_eq(b.len, 0);

	/* a PDU over 65535 bytes is refused and leaves the buffer as it was */
	ck_assert_int_eq(rpcrt_pdu_encode_shutdown(&b, 9), RPC_S_OK);
	size_t before = b.len;
	char *addr = malloc(65535);
	memset(addr, 'x', 65535);
	rpcrt_pdu_bind_ack a = { 1, 1, 0, 65535, addr, 0, NULL };
	ck_assert_int_eq(rpcrt_pdu_encode_bind_ack(&b, 1, 0, &a), RPC_S_INVALID_ARG);
	ck_assert_uint_eq(b.len, before);
	free(addr);
	rpcrt_pdu_request rq = { 0, 0, 0, false, { 0 }, NULL, 70000 };
	ck_assert_int_eq(rpcrt_pdu_encode_request(&b, 1, 3, &rq), RPC_S_INVALID_ARG);
	ck_assert_uint_eq(b.len, before);
	rpcrt_pdu_bind bad = { 1, 1, 0, 1, NULL };
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, 1, 0, &bad), RPC_S_INVALID_ARG);
	ck_assert_uint_eq(b.len, before);
	rpcrt_buf_free(&b);
}
END_TEST

/* ---- group B: framing ---- */

/* T18: rpc_vers, rpc_vers_minor and PTYPE. */
START_TEST(t18_header)
{
	uint8_t p[64];
	rpcrt_pdu_hdr h;
	rpcrt_pdu_verdict v;
	memcpy(p, G("bind")->data, 64);
	/* a bind with rpc_vers 4: bind_nak protocol_version_not_supported, then close */
	p[0] = 4;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h), RPCRT_PDU_E_VERSION);
	ck_assert_uint_eq(h.ptype, RPCRT_PTYPE_BIND);
	ck_assert_uint_eq(h.call_id, 1);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_VERSION, &h, &v);
	ck_assert_int_eq(v.nak_reason, RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	ck_assert_uint_eq(v.fault_status, 0);
	ck_assert_uint_eq(v.call_id, 1);
	ck_assert(v.close);
	/* ... and the bind_nak it sends lists 5.0 */
	rpcrt_pdu_bind_nak n = { (uint16_t)v.nak_reason, 1, { { 5, 0 } } };
	rpcrt_buf b = { 0 };
	ck_assert_int_eq(rpcrt_pdu_encode_bind_nak(&b, v.call_id, &n), RPC_S_OK);
	expect_golden(&b, "bind_nak");
	rpcrt_buf_free(&b);

	/* minor version: 0 and 1 are accepted, 2 is not */
	p[0] = 5;
	p[1] = 1;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h), RPCRT_PDU_NEED_MORE);
	p[1] = 2;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h), RPCRT_PDU_E_VERSION);

	/* on anything but a bind: fault nca_s_proto_error, then close */
	memcpy(p, G("request")->data, G("request")->len);
	for (int vers = 0; vers < 256; vers++) {
		if (vers == 5)
			continue;
		p[0] = (uint8_t)vers;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, G("request")->len, &h),
				 RPCRT_PDU_E_VERSION);
		rpcrt_pdu_server_verdict(RPCRT_PDU_E_VERSION, &h, &v);
		ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);
		ck_assert_int_eq(v.nak_reason, -1);
		ck_assert_uint_eq(v.call_id, 3);
		ck_assert(v.close);
	}
	p[0] = 5;

	/* PTYPEs: the connectionless ones, RTS (20, ncacn_http only) and 21..255 */
	for (int t = 0; t < 256; t++) {
		p[2] = (uint8_t)t;
		rpcrt_pdu_status st = rpcrt_pdu_parse_hdr(p, G("request")->len, &h);
		bool co = t == 0 || t == 2 || t == 3 || (t >= 11 && t <= 19);
		if (!co) {
			ck_assert_msg(st == RPCRT_PDU_E_PTYPE, "ptype %d: %d", t, st);
			rpcrt_pdu_server_verdict(st, &h, &v);
			ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);
			ck_assert(v.close);
		} else {
			ck_assert_msg(st != RPCRT_PDU_E_PTYPE, "ptype %d refused", t);
		}
	}
}
END_TEST

/* T19: frag_length below 16, below the fixed part of its type, above what we advertised, and
 * above what has arrived. */
START_TEST(t19_frag_length)
{
	uint8_t p[6000] = { 0 };
	rpcrt_pdu_hdr h;
	rpcrt_pdu_verdict v;
	memcpy(p, G("request_object")->data, G("request_object")->len);
	static const struct {
		uint8_t ptype, flags;
		uint16_t fixed;
	} fx[] = {
		{ RPCRT_PTYPE_REQUEST, 0x03, 24 },  { RPCRT_PTYPE_REQUEST, 0x83, 40 },
		{ RPCRT_PTYPE_RESPONSE, 0x03, 24 }, { RPCRT_PTYPE_FAULT, 0x03, 32 },
		{ RPCRT_PTYPE_BIND, 0x03, 28 },     { RPCRT_PTYPE_ALTER_CONTEXT, 0x03, 28 },
		{ RPCRT_PTYPE_BIND_ACK, 0x03, 32 }, { RPCRT_PTYPE_ALTER_CONTEXT_RESP, 0x03, 32 },
		{ RPCRT_PTYPE_BIND_NAK, 0x03, 18 }, { RPCRT_PTYPE_AUTH3, 0x03, 20 },
		{ RPCRT_PTYPE_SHUTDOWN, 0x03, 16 }, { RPCRT_PTYPE_CO_CANCEL, 0x03, 16 },
		{ RPCRT_PTYPE_ORPHANED, 0x03, 16 },
	};
	for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
		p[2] = fx[i].ptype;
		p[3] = fx[i].flags;
		ck_assert_uint_eq(rpcrt_pdu_fixed_len(fx[i].ptype, fx[i].flags), fx[i].fixed);
		for (unsigned len = 0; len < fx[i].fixed; len++) {
			put16(p + 8, (uint16_t)len, false);
			ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h),
					 RPCRT_PDU_E_FRAG_SHORT);
			/* the connection is closed without a fault */
			rpcrt_pdu_server_verdict(RPCRT_PDU_E_FRAG_SHORT, &h, &v);
			ck_assert_uint_eq(v.fault_status, 0);
			ck_assert_int_eq(v.nak_reason, -1);
			ck_assert(v.close);
		}
		put16(p + 8, fx[i].fixed, false);
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h), RPCRT_PDU_OK);
	}

	/* above our 5840: fault nca_s_proto_error (no did-not-execute) and close; the bind
	 * family may be longer (auth tokens), as in Windows and Samba */
	p[2] = RPCRT_PTYPE_REQUEST;
	p[3] = 0x03;
	put16(p + 8, RPCRT_PDU_MAX_FRAG, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, RPCRT_PDU_MAX_FRAG, &h), RPCRT_PDU_OK);
	put16(p + 8, RPCRT_PDU_MAX_FRAG + 1, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 16, &h), RPCRT_PDU_E_FRAG_LONG);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_FRAG_LONG, &h, &v);
	ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);
	ck_assert(!v.did_not_execute);
	ck_assert(v.close);
	p[2] = RPCRT_PTYPE_BIND;
	put16(p + 8, 0xffff, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, sizeof p, &h), RPCRT_PDU_NEED_MORE);

	/* more than has arrived: wait (the idle timeout of T56 is the transport's) */
	p[2] = RPCRT_PTYPE_REQUEST;
	put16(p + 8, 1000, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 999, &h), RPCRT_PDU_NEED_MORE);
	ck_assert_uint_eq(h.frag_length, 1000);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 1000, &h), RPCRT_PDU_OK);
	/* fewer than 16 bytes: wait, and *ret is not touched */
	memset(&h, 0xee, sizeof h);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 15, &h), RPCRT_PDU_NEED_MORE);
	ck_assert_uint_eq(h.call_id, 0xeeeeeeee);
}
END_TEST

/* T19, T30: every strict prefix of every golden PDU means "wait", read from a buffer of just
 * that size. */
START_TEST(t30_prefixes)
{
	for (size_t i = 0; i < sizeof golden_pdus / sizeof golden_pdus[0]; i++) {
		const struct golden_pdu *g = &golden_pdus[i];
		rpcrt_pdu_hdr h;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h), RPCRT_PDU_OK);
		size_t first = h.frag_length; /* the first fragment of the multi-fragment ones */
		for (size_t k = 0; k < first; k++) {
			uint8_t *q = dup_exact(g->data, k);
			ck_assert_msg(rpcrt_pdu_parse_hdr(q, k, &h) == RPCRT_PDU_NEED_MORE,
				      "%s: prefix %zu", g->name, k);
			free(q);
		}
	}
}
END_TEST

/* T20: auth_length. */
START_TEST(t20_auth_length)
{
	uint8_t p[200] = { 0 };
	rpcrt_pdu_hdr h;
	rpcrt_pdu_verdict v;
	/* a request: 24 + 12 stub + 4 auth pad + 8 sec_trailer + 16 auth value */
	size_t n = mk_req(p, 0x03, 3, 12, 1, 7, stub12, 12);
	memset(p + n, 0xaa, 4);
	n += 4;
	uint8_t trailer[8] = { 10, 6, 4, 0, 1, 0, 0, 0 }; /* NTLM, privacy, pad 4, ctx 1 */
	memcpy(p + n, trailer, 8);
	n += 8;
	memset(p + n, 0xcc, 16);
	n += 16;
	put16(p + 8, (uint16_t)n, false);
	put16(p + 10, 16, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_OK);
	rpcrt_pdu_request q;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, p, &q), RPCRT_PDU_OK);
	ck_assert_uint_eq(q.stub_len, 12); /* without the padding, trailer and value */
	ck_assert_mem_eq(q.stub, stub12, 12);
	/* auth_pad_length larger than the stub: refused */
	p[24 + 16 + 2] = 17;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, p, &q), RPCRT_PDU_E_AUTH_LENGTH);
	p[24 + 16 + 2] = 16;
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, p, &q), RPCRT_PDU_OK);
	ck_assert_uint_eq(q.stub_len, 0);

	/* auth_length + 8 just fits after the fixed part; one more does not */
	put16(p + 10, (uint16_t)(n - 24 - 8), false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_OK);
	put16(p + 10, (uint16_t)(n - 24 - 8 + 1), false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_AUTH_LENGTH);
	/* auth_length beyond frag_length */
	put16(p + 10, (uint16_t)(n + 1), false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_AUTH_LENGTH);
	put16(p + 10, 0xffff, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_AUTH_LENGTH);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_AUTH_LENGTH, &h, &v);
	ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);
	ck_assert(v.close);
	/* a decoder given a header that did not pass parse_hdr still stays in bounds */
	ck_assert_int_eq(rpcrt_pdu_decode_request(&h, p, &q), RPCRT_PDU_E_AUTH_LENGTH);
	/* on a bind: bind_nak */
	memcpy(p, G("bind")->data, 100);
	put16(p + 10, 200, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 160, &h), RPCRT_PDU_E_AUTH_LENGTH);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_AUTH_LENGTH, &h, &v);
	ck_assert_int_eq(v.nak_reason, RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	ck_assert(v.close);
}
END_TEST

/* T21: packed_drep. */
START_TEST(t21_drep)
{
	uint8_t p[100];
	rpcrt_pdu_hdr h;
	rpcrt_pdu_verdict v;
	size_t n = mk_req(p, 0x03, 3, 12, 1, 7, stub12, 12);
	/* an integer representation that is neither: nothing can be read, close */
	for (int d = 0x20; d < 0x100; d += 0x10) {
		p[4] = (uint8_t)d;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_DREP_INT);
	}
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_DREP_INT, NULL, &v);
	ck_assert_uint_eq(v.fault_status, 0);
	ck_assert(v.close);
	/* EBCDIC, or VAX/Cray/IBM floats: fault nca_s_unsupported_type, not a crash */
	p[4] = 0x11;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_DREP);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_DREP, &h, &v);
	ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_UNSUPPORTED_TYPE);
	ck_assert_uint_eq(v.call_id, 3);
	ck_assert(v.close);
	for (int fl = 1; fl < 4; fl++) {
		p[4] = 0x10;
		p[5] = (uint8_t)fl;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_DREP);
		p[4] = 0x00; /* big-endian: frag_length reads differently, but drep is judged */
		put16(p + 8, (uint16_t)n, true);
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, n, &h), RPCRT_PDU_E_DREP);
		put16(p + 8, (uint16_t)n, false);
	}

	/* a big-endian request reassembles to the same stub as a little-endian one */
	uint8_t a[100], b[100];
	uint8_t big[40];
	fill_pattern(big, sizeof big, 11, 2);
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	rpcrt_pdu_call call;
	size_t na = mk_frag(a, RPCRT_PTYPE_REQUEST, true, 0x01, 10, 40, 1, 2, NULL, big, 16);
	size_t nb = mk_frag(b, RPCRT_PTYPE_REQUEST, true, 0x02, 10, 24, 1, 2, NULL, big + 16, 24);
	ck_assert_int_eq(feed(&r, a, na, &call, &v), RPCRT_PDU_NEED_MORE);
	ck_assert_int_eq(feed(&r, b, nb, &call, &v), RPCRT_PDU_OK);
	ck_assert_uint_eq(call.drep[0], 0);
	ck_assert_uint_eq(call.stub.len, 40);
	ck_assert_mem_eq(call.stub.data, big, 40);
	rpcrt_buf_free(&call.stub);

	/* a continuation whose drep differs from its first fragment: proto error on the call,
	 * close */
	na = mk_frag(a, RPCRT_PTYPE_REQUEST, true, 0x01, 11, 40, 1, 2, NULL, big, 16);
	nb = mk_frag(b, RPCRT_PTYPE_REQUEST, false, 0x02, 11, 24, 1, 2, NULL, big + 16, 24);
	ck_assert_int_eq(feed(&r, a, na, &call, &v), RPCRT_PDU_NEED_MORE);
	ck_assert_int_eq(feed(&r, b, nb, &call, &v), RPCRT_PDU_E_SEQUENCE);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 11, 1, true);
	ck_assert(!r.active);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T22: PFC flag combinations, with the outcomes of Samba's raw_protocol.py
 * (_test_same_requests, test_first_cancel_requests, test_2nd/last_cancel_requests). */
START_TEST(t22_pfc_flags)
{
	uint8_t p[100], q[100];
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	size_t n;

	/* neither FIRST nor LAST, and LAST alone, with no call: proto error, context 0, close */
	static const uint8_t lone[] = { 0x00, RPCRT_PFC_LAST_FRAG,
					RPCRT_PFC_LAST_FRAG | RPCRT_PFC_PENDING_CANCEL };
	for (size_t i = 0; i < sizeof lone; i++) {
		rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
		n = mk_req(p, lone[i], 2, 12, 5, 4, stub12, 12);
		ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
		expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 2, 0, false);
		rpcrt_pdu_reasm_free(&r);
	}

	/* FIRST alone (plus MAYBE, DID_NOT_EXECUTE, CONC_MPX or the undefined 0x08) is fine;
	 * sending it again with the same call_id is a proto error on that call */
	static const uint8_t extra[] = { 0, RPCRT_PFC_MAYBE, RPCRT_PFC_DID_NOT_EXECUTE,
					 RPCRT_PFC_CONC_MPX, RPCRT_PFC_RESERVED_1 };
	for (size_t i = 0; i < sizeof extra; i++) {
		rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
		n = mk_req(p, RPCRT_PFC_FIRST_FRAG | extra[i], 2, 12, 5, 4, stub12, 12);
		ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
		ck_assert_uint_eq(v.fault_status, 0);
		ck_assert(!v.close);
		ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
		expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 2, 5, false);
		rpcrt_pdu_reasm_free(&r);
	}

	/* FIRST with PENDING_CANCEL: fault RPC_S_NO_CALL_ACTIVE, did not execute, close */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_PENDING_CANCEL, 2, 12, 5, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_CANCEL_FIRST);
	expect_verdict(&v, RPC_S_NO_CALL_ACTIVE, 2, 0, true);
	ck_assert_uint_eq(v.fault_status, 0x6BD);
	rpcrt_pdu_reasm_free(&r);

	/* PENDING_CANCEL on a middle or last fragment is only noted */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 2, 12, 5, 4, stub12, 4);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_PENDING_CANCEL, 2, 8, 5, 4, stub12 + 4, 4);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_LAST_FRAG | RPCRT_PFC_PENDING_CANCEL, 2, 4, 5, 4, stub12 + 8, 4);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	ck_assert(call.cancel_pending);
	ck_assert_uint_eq(call.first_flags, RPCRT_PFC_FIRST_FRAG);
	ck_assert_mem_eq(call.stub.data, stub12, 12);
	rpcrt_buf_free(&call.stub);

	/* the undefined flag 0x08 is ignored on single fragments and continuations */
	n = mk_req(p, 0x03 | RPCRT_PFC_RESERVED_1, 3, 12, 5, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	rpcrt_buf_free(&call.stub);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 4, 12, 5, 4, stub12, 4);
	size_t m = mk_req(q, RPCRT_PFC_LAST_FRAG | RPCRT_PFC_RESERVED_1, 4, 8, 5, 4, stub12 + 4, 8);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	ck_assert_int_eq(feed(&r, q, m, &call, &v), RPCRT_PDU_OK);
	ck_assert_mem_eq(call.stub.data, stub12, 12);
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T23: a FIRST fragment of call 51 while call 50 is being reassembled. */
START_TEST(t23_interleaving)
{
	uint8_t p[100];
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	size_t n;

	/* without CONC_MPX: fault nca_s_proto_error on call 50 and its context, close */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 50, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 51, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 50, 7, false);
	ck_assert(!r.active);
	ck_assert_ptr_null(r.call.stub.data);
	rpcrt_pdu_reasm_free(&r);

	/* a continuation of another call: the same */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 50, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_LAST_FRAG, 51, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 50, 7, false);
	rpcrt_pdu_reasm_free(&r);

	/* with CONC_MPX the fault goes to the newcomer (Samba), still one reassembly at a time
	 * ([MS-RPCE] 3.3.1.5.8) */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	r.conc_mpx = true;
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 50, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 51, 12, 7, 4, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 51, 0, false);
	rpcrt_pdu_reasm_free(&r);

	/* with CONC_MPX, whole calls one after the other are fine */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	r.conc_mpx = true;
	for (uint32_t id = 60; id < 64; id++) {
		n = mk_req(p, 0x03, id, 12, 7, 4, stub12, 12);
		ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
		ck_assert_uint_eq(call.call_id, id);
		rpcrt_buf_free(&call.stub);
	}
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* Feeds len bytes of stub in fragments of `chunk` (the first with alloc_hint), with the stub
 * a function of its offset. Returns the status of the last fragment fed and, in *ret_frags,
 * how many were fed; stops at the first error. */
static rpcrt_pdu_status
feed_big(rpcrt_pdu_reasm *r, uint32_t call_id, size_t len, size_t chunk, uint32_t alloc_hint,
	 rpcrt_pdu_call *call, rpcrt_pdu_verdict *v, size_t *ret_frags)
{
	uint8_t *p = malloc(24 + chunk);
	uint8_t *stub = malloc(chunk);
	rpcrt_pdu_status st = RPCRT_PDU_NEED_MORE;
	size_t off = 0, frags = 0;
	do {
		size_t k = len - off < chunk ? len - off : chunk;
		for (size_t i = 0; i < k; i++)
			stub[i] = (uint8_t)((off + i) * 7 + 1);
		uint8_t flags = (off == 0 ? RPCRT_PFC_FIRST_FRAG : 0) |
				(off + k == len ? RPCRT_PFC_LAST_FRAG : 0);
		size_t n = mk_req(p, flags, call_id, off == 0 ? alloc_hint : 0, 3, 1, stub, k);
		/* Plain tests rather than ck_assert, which records a mark point on every call:
		 * this loop runs a million times in T25. */
		rpcrt_pdu_hdr h;
		if (rpcrt_pdu_parse_hdr(p, n, &h) != RPCRT_PDU_OK)
			ck_abort_msg("fragment %zu does not parse", frags);
		st = rpcrt_pdu_reasm_feed(r, &h, p, call, v);
		frags++;
		off += k;
		/* the buffer never exceeds the limit, whatever alloc_hint says (T25, T26) */
		if (r->call.stub.cap > r->max_total)
			ck_abort_msg("%zu bytes held, limit %u", r->call.stub.cap, r->max_total);
	} while (off < len && st == RPCRT_PDU_NEED_MORE);
	free(p);
	free(stub);
	*ret_frags = frags;
	return st;
}

static void
expect_big_stub(const rpcrt_pdu_call *call, size_t len)
{
	ck_assert_uint_eq(call->stub.len, len);
	for (size_t i = 0; i < len; i++)
		if (call->stub.data[i] != (uint8_t)(i * 7 + 1))
			ck_abort_msg("stub byte %zu", i);
}

/* T24: the 4 MiB limit ([MS-RPCE] 3.3.3.5.4; Samba test_fragmented_requests01..05). */
START_TEST(t24_reassembly_limit)
{
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	size_t frags;
	const size_t chunk = 5840 - 24;

	/* exactly 4 MiB, with alloc_hint 4 MiB, 1 MiB or 0: success */
	static const uint32_t hints[] = { 0x400000, 0x100000, 0 };
	for (size_t i = 0; i < 3; i++) {
		rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
		ck_assert_int_eq(
			feed_big(&r, 0x21234, 0x400000, chunk, hints[i], &call, &v, &frags),
			RPCRT_PDU_OK);
		expect_big_stub(&call, 0x400000);
		ck_assert_uint_eq(call.stub.cap, 0x400000); /* no more memory than the data */
		rpcrt_buf_free(&call.stub);
		rpcrt_pdu_reasm_free(&r);
	}

	/* alloc_hint 0x400001 on the first fragment: fault 5 at once, on the request's call
	 * and context, no did-not-execute, close */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	ck_assert_int_eq(feed_big(&r, 0x21234, 0x400000, chunk, 0x400001, &call, &v, &frags),
			 RPCRT_PDU_E_TOO_BIG);
	ck_assert_uint_eq(frags, 1);
	expect_verdict(&v, RPC_S_ACCESS_DENIED, 0x21234, 3, false);
	rpcrt_pdu_reasm_free(&r);

	/* 0x500001 bytes with alloc_hint 0: fault 5 on the fragment that crosses 4 MiB, not
	 * at the last */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	ck_assert_int_eq(feed_big(&r, 0x21234, 0x500001, chunk, 0, &call, &v, &frags),
			 RPCRT_PDU_E_TOO_BIG);
	ck_assert_uint_eq(frags, 0x400000 / chunk + 1);
	expect_verdict(&v, RPC_S_ACCESS_DENIED, 0x21234, 3, false);
	ck_assert(!r.active);
	ck_assert_ptr_null(r.call.stub.data);
	rpcrt_pdu_reasm_free(&r);

	/* the limit is per configuration (MaxRpcSize) */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	ck_assert_int_eq(feed_big(&r, 1, 1000, 300, 1000, &call, &v, &frags), RPCRT_PDU_OK);
	expect_big_stub(&call, 1000);
	rpcrt_buf_free(&call.stub);
	ck_assert_int_eq(feed_big(&r, 2, 1001, 300, 0, &call, &v, &frags), RPCRT_PDU_E_TOO_BIG);
	ck_assert_uint_eq(frags, 4);
	ck_assert_int_eq(feed_big(&r, 3, 1001, 300, 1001, &call, &v, &frags), RPCRT_PDU_E_TOO_BIG);
	ck_assert_uint_eq(frags, 1);
	/* even a single fragment over a limit below the fragment size */
	ck_assert_int_eq(feed_big(&r, 4, 1001, 2000, 0, &call, &v, &frags), RPCRT_PDU_E_TOO_BIG);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T25: the accumulator at the UINT32_MAX boundary, and a flood of tiny fragments. */
START_TEST(t25_accumulator)
{
	uint32_t t;
	ck_assert(rpcrt_pdu_total_add(UINT32_MAX - 1, 1, UINT32_MAX, &t));
	ck_assert_uint_eq(t, UINT32_MAX);
	ck_assert(!rpcrt_pdu_total_add(UINT32_MAX, 1, UINT32_MAX, &t));
	ck_assert(!rpcrt_pdu_total_add(1, UINT32_MAX, UINT32_MAX, &t));
	ck_assert(!rpcrt_pdu_total_add(0x80000000u, 0x80000000u, UINT32_MAX, &t));
	ck_assert(rpcrt_pdu_total_add(0x7fffffffu, 0x80000000u, UINT32_MAX, &t));
	ck_assert_uint_eq(t, UINT32_MAX);
	ck_assert(!rpcrt_pdu_total_add(0, UINT64_MAX, UINT32_MAX, &t));
	ck_assert(!rpcrt_pdu_total_add(0, (uint64_t)UINT32_MAX + 1, UINT32_MAX, &t));
	ck_assert(!rpcrt_pdu_total_add(UINT32_MAX, UINT64_MAX, UINT32_MAX, &t));
	ck_assert(rpcrt_pdu_total_add(0, 0, 0, &t));
	ck_assert(!rpcrt_pdu_total_add(0, 1, 0, &t));

	/* alloc_hint at the top of the range: accepted when the limit is UINT32_MAX, refused
	 * one below, and nothing is allocated from it */
	uint8_t p[64];
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, UINT32_MAX);
	size_t n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 1, UINT32_MAX, 0, 0, stub8, 8);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	ck_assert_uint_le(r.call.stub.cap, 4096);
	rpcrt_pdu_reasm_free(&r);
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, UINT32_MAX - 1);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_TOO_BIG);
	rpcrt_pdu_reasm_free(&r);

	/* 1.1 M fragments of 4 bytes with alloc_hint 0: memory stays under the limit, and the
	 * fault comes on the fragment that crosses it */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
	size_t frags;
	ck_assert_int_eq(feed_big(&r, 9, 1100000 * 4, 4, 0, &call, &v, &frags),
			 RPCRT_PDU_E_TOO_BIG);
	ck_assert_uint_eq(frags, 0x400000 / 4 + 1);
	expect_verdict(&v, RPC_S_ACCESS_DENIED, 9, 3, false);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T26: alloc_hint is only a hint. */
START_TEST(t26_alloc_hint_lies)
{
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	size_t frags;
	/* 0, far too small, too large, and impacket's "total in every fragment" */
	static const uint32_t hints[] = { 0, 1, 0x3fffff, 20000 };
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, RPCRT_PDU_DEFAULT_MAX_RPC_SIZE);
		ck_assert_int_eq(feed_big(&r, 1, 20000, 5816, hints[i], &call, &v, &frags),
				 RPCRT_PDU_OK);
		expect_big_stub(&call, 20000);
		ck_assert_uint_le(call.stub.cap, 32768); /* grown with the data, not the hint */
		rpcrt_buf_free(&call.stub);
		rpcrt_pdu_reasm_free(&r);
	}
	/* continuations' alloc_hints are not checked: impacket sends the total in each one */
	uint8_t p[200];
	uint8_t big[100];
	fill_pattern(big, sizeof big, 1, 0);
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 100);
	size_t n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 1, 100, 0, 0, big, 64);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_req(p, RPCRT_PFC_LAST_FRAG, 1, 100, 0, 0, big + 64, 36);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	ck_assert_mem_eq(call.stub.data, big, 100);
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T27: continuation mismatches. */
START_TEST(t27_continuation_mismatch)
{
	uint8_t p[200];
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	UUID o1 = uuid_of(OBJ), o2 = uuid_of(IF1);
	size_t n;

	/* another PTYPE in the middle of a call: proto error on that call, close */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 5, 12, 2, 3, stub12, 8);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_frag(p, RPCRT_PTYPE_RESPONSE, false, RPCRT_PFC_LAST_FRAG, 5, 4, 2, 0, NULL,
		    stub12 + 8, 4);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_SEQUENCE);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 5, 2, true);
	rpcrt_pdu_reasm_free(&r);

	/* another opnum, p_cont_id or object UUID in a continuation: the call keeps the first
	 * fragment's values (as Samba does), so it is never dispatched with mixed values */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_frag(p, RPCRT_PTYPE_REQUEST, false, RPCRT_PFC_FIRST_FRAG, 5, 12, 2, 3, &o1, stub12,
		    8);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_NEED_MORE);
	n = mk_frag(p, RPCRT_PTYPE_REQUEST, false, RPCRT_PFC_LAST_FRAG, 5, 4, 9, 8, &o2, stub12 + 8,
		    4);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	ck_assert_uint_eq(call.p_cont_id, 2);
	ck_assert_uint_eq(call.opnum, 3);
	ck_assert(call.has_object);
	ck_assert(uuid_eq(&call.object, &o1));
	ck_assert_mem_eq(call.stub.data, stub12, 12); /* the second object UUID is not stub */
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T28: call_id must increase ([MS-RPCE] 3.3.3.5.2). */
START_TEST(t28_call_id)
{
	uint8_t p[100];
	rpcrt_pdu_reasm r;
	rpcrt_pdu_call call;
	rpcrt_pdu_verdict v;
	size_t n;

	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
	n = mk_req(p, 0x03, 10, 12, 0, 0, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	rpcrt_buf_free(&call.stub);
	/* the same call_id again */
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_CALL_ID);
	expect_verdict(&v, RPCRT_NCA_S_PROTO_ERROR, 10, 0, true);
	/* a smaller one */
	n = mk_req(p, RPCRT_PFC_FIRST_FRAG, 9, 12, 0, 0, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_E_CALL_ID);
	/* a larger one, with gaps, is fine */
	n = mk_req(p, 0x03, 1000, 12, 0, 0, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	rpcrt_buf_free(&call.stub);
	/* the check can be turned off */
	r.check_call_id = false;
	n = mk_req(p, 0x03, 1, 12, 0, 0, stub12, 12);
	ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
	rpcrt_buf_free(&call.stub);
	rpcrt_pdu_reasm_free(&r);

	/* a client's response reassembler does not apply it */
	rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_RESPONSE, 1000);
	ck_assert(!r.check_call_id);
	for (int i = 0; i < 2; i++) {
		n = mk_frag(p, RPCRT_PTYPE_RESPONSE, false, 0x03, 7, 12, 0, 0, NULL, stub12, 12);
		ck_assert_int_eq(feed(&r, p, n, &call, &v), RPCRT_PDU_OK);
		rpcrt_buf_free(&call.stub);
	}
	rpcrt_pdu_reasm_free(&r);
}
END_TEST

/* T29: server-to-client PDU types at a server's request reassembler. */
START_TEST(t29_wrong_direction)
{
	static const char *const names[] = { "response", "fault", "bind_ack", "shutdown" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct golden_pdu *g = G(names[i]);
		rpcrt_pdu_reasm r;
		rpcrt_pdu_call call;
		rpcrt_pdu_verdict v;
		rpcrt_pdu_reasm_init(&r, RPCRT_PTYPE_REQUEST, 1000);
		ck_assert_int_eq(feed(&r, g->data, g->len, &call, &v), RPCRT_PDU_E_WRONG_TYPE);
		ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);
		ck_assert(v.close);
		rpcrt_pdu_reasm_free(&r);
	}
}
END_TEST

/* T31 (the layer's share) and the verdict table. */
START_TEST(verdicts)
{
	rpcrt_pdu_hdr req = { 5, 0, RPCRT_PTYPE_REQUEST, 3, { 0x10 }, 24, 0, 77 };
	rpcrt_pdu_hdr bind = req, alter = req;
	bind.ptype = RPCRT_PTYPE_BIND;
	alter.ptype = RPCRT_PTYPE_ALTER_CONTEXT;
	rpcrt_pdu_verdict v;
	rpcrt_pdu_server_verdict(RPCRT_PDU_OK, &req, &v);
	ck_assert(!v.close && v.fault_status == 0 && v.nak_reason == -1);
	rpcrt_pdu_server_verdict(RPCRT_PDU_NEED_MORE, &req, &v);
	ck_assert(!v.close && v.fault_status == 0);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_TRUNCATED, &req, &v);
	ck_assert(v.close && v.fault_status == 0 && v.nak_reason == -1);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_TOO_BIG, &req, &v);
	ck_assert(v.close && v.fault_status == RPC_S_ACCESS_DENIED && !v.did_not_execute);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_NO_MEMORY, &req, &v);
	ck_assert(v.close && v.fault_status == RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_CANCEL_FIRST, &req, &v);
	ck_assert(v.fault_status == RPC_S_NO_CALL_ACTIVE && v.did_not_execute);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_VERSION, &bind, &v);
	ck_assert(v.close && v.fault_status == 0 && v.nak_reason == 4);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_TRUNCATED, &bind, &v);
	ck_assert(v.close && v.fault_status == 0 && v.nak_reason == -1);
	/* every error closes the connection; only a bind is answered with a bind_nak */
	for (int st = RPCRT_PDU_E_DREP_INT; st <= RPCRT_PDU_E_NO_MEMORY; st++) {
		rpcrt_pdu_server_verdict((rpcrt_pdu_status)st, &req, &v);
		ck_assert(v.close);
		ck_assert_uint_eq(v.call_id, 77);
		rpcrt_pdu_server_verdict((rpcrt_pdu_status)st, &alter, &v);
		ck_assert_int_eq(v.nak_reason, -1); /* alter_context is answered by faults */
	}
	ck_assert_int_eq(rpcrt_pdu_rpc_status(RPCRT_PDU_OK), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_rpc_status(RPCRT_PDU_E_TOO_BIG), RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(rpcrt_pdu_rpc_status(RPCRT_PDU_E_NO_MEMORY), RPC_S_OUT_OF_MEMORY);
	ck_assert_int_eq(rpcrt_pdu_rpc_status(RPCRT_PDU_E_SEQUENCE), RPC_S_PROTOCOL_ERROR);
}
END_TEST

/* ---- group C: bind ---- */

/* T33: no contexts, or a context without transfer syntaxes: distinct statuses, bind_nak. */
START_TEST(t33_empty_bind)
{
	rpcrt_buf b = { 0 };
	rpcrt_pdu_hdr h;
	rpcrt_pdu_bind d;
	rpcrt_pdu_verdict v;

	rpcrt_pdu_bind none = { 5840, 5840, 0, 0, NULL };
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, 1, 0, &none), RPC_S_OK);
	ck_assert_uint_eq(b.len, 28);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(b.data, b.len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, b.data, &d), RPCRT_PDU_E_NO_CONTEXTS);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_NO_CONTEXTS, &h, &v);
	ck_assert_int_eq(v.nak_reason, RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	ck_assert(v.close);

	rpcrt_pdu_ctx c[2] = { { 0, 1, if1, &rpcrt_pdu_ndr20 }, { 1, 0, if1, NULL } };
	rpcrt_pdu_bind zero = { 5840, 5840, 0, 2, c };
	b.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_bind(&b, 1, 0, &zero), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(b.data, b.len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, b.data, &d), RPCRT_PDU_E_NO_TRANSFER_SYNTAX);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_NO_TRANSFER_SYNTAX, &h, &v);
	ck_assert_int_eq(v.nak_reason, RPCRT_NAK_NOT_SPECIFIED);
	ck_assert(v.close);
	/* the same in an alter_context is a fault */
	b.len = 0;
	ck_assert_int_eq(rpcrt_pdu_encode_alter_context(&b, 1, 0, &zero), RPC_S_OK);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(b.data, b.len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, b.data, &d), RPCRT_PDU_E_NO_TRANSFER_SYNTAX);
	rpcrt_pdu_server_verdict(RPCRT_PDU_E_NO_TRANSFER_SYNTAX, &h, &v);
	ck_assert_int_eq(v.nak_reason, -1);
	ck_assert_uint_eq(v.fault_status, RPCRT_NCA_S_PROTO_ERROR);

	/* counts that promise more than the PDU holds: truncated (close), checked before the
	 * counts are judged */
	uint8_t p[200];
	memcpy(p, G("bind")->data, G("bind")->len);
	p[24] = 4; /* n_context_elem 4, three present */
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, G("bind")->len, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, p, &d), RPCRT_PDU_E_TRUNCATED);
	p[24] = 3;
	p[28 + 2] = 255; /* the first context claims 255 transfer syntaxes */
	ck_assert_int_eq(rpcrt_pdu_decode_bind(&h, p, &d), RPCRT_PDU_E_TRUNCATED);
	rpcrt_buf_free(&b);
}
END_TEST

/* T37: the negotiated fragment size is max(2048, min(max_xmit, max_recv)), capped at ours
 * and rounded down to a multiple of 8 (Samba dcesrv_bind(), tested against Windows). */
START_TEST(t37_negotiate_frag)
{
	static const uint16_t vals[] = { 0,    1,    8,    1432, 2047, 2048, 2049,
					 2055, 4280, 5839, 5840, 5841, 65535 };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
			uint16_t x = vals[i], rcv = vals[j];
			uint16_t f = rpcrt_pdu_negotiate_frag(x, rcv, RPCRT_PDU_MAX_FRAG);
			ck_assert_uint_ge(f, 2048);
			ck_assert_uint_le(f, 5840);
			ck_assert_uint_eq(f % 8, 0);
			uint16_t m = x < rcv ? x : rcv;
			uint16_t want = m < 2048 ? 2048 : m > 5840 ? 5840 : m;
			ck_assert_uint_eq(f, want & ~7u);
		}
	}
	ck_assert_uint_eq(rpcrt_pdu_negotiate_frag(0, 0, 5840), 2048);
	ck_assert_uint_eq(rpcrt_pdu_negotiate_frag(65535, 65535, 5840), 5840);
	ck_assert_uint_eq(rpcrt_pdu_negotiate_frag(4280, 65535, 5840), 4280);
	ck_assert_uint_eq(rpcrt_pdu_negotiate_frag(65535, 4283, 5840), 4280);
	ck_assert_uint_eq(rpcrt_pdu_negotiate_frag(65535, 65535, 4280), 4280);
}
END_TEST

/* ---- hostile bytes ---- */

static void
decode_any(const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	rpcrt_pdu_bind b;
	rpcrt_pdu_bind_ack a;
	rpcrt_pdu_bind_nak n;
	rpcrt_pdu_request q;
	rpcrt_pdu_response s;
	rpcrt_pdu_fault f;
	if (rpcrt_pdu_decode_bind(h, p, &b) == RPCRT_PDU_OK)
		rpcrt_pdu_bind_free(&b);
	if (rpcrt_pdu_decode_bind_ack(h, p, &a) == RPCRT_PDU_OK)
		rpcrt_pdu_bind_ack_free(&a);
	(void)rpcrt_pdu_decode_bind_nak(h, p, &n);
	if (rpcrt_pdu_decode_request(h, p, &q) == RPCRT_PDU_OK)
		ck_assert(q.stub + q.stub_len <= p + h->frag_length);
	if (rpcrt_pdu_decode_response(h, p, &s) == RPCRT_PDU_OK)
		ck_assert(s.stub + s.stub_len <= p + h->frag_length);
	(void)rpcrt_pdu_decode_fault(h, p, &f);
}

/* Every shortened frag_length of every golden PDU, and random corruption, in buffers of
 * exactly frag_length bytes: the decoders stay inside them (ASan) and the reassembler's
 * memory stays bounded. */
START_TEST(hostile_bodies)
{
	for (size_t i = 0; i < sizeof golden_pdus / sizeof golden_pdus[0]; i++) {
		const struct golden_pdu *g = &golden_pdus[i];
		rpcrt_pdu_hdr h0;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h0), RPCRT_PDU_OK);
		bool be = h0.drep[0] == 0;
		for (size_t len = 16; len <= h0.frag_length; len++) {
			uint8_t *q = dup_exact(g->data, len);
			put16(q + 8, (uint16_t)len, be);
			rpcrt_pdu_hdr h;
			if (rpcrt_pdu_parse_hdr(q, len, &h) == RPCRT_PDU_OK)
				decode_any(&h, q);
			free(q);
		}
	}
	srand(1234);
	for (int iter = 0; iter < 20000; iter++) {
		const struct golden_pdu *g =
			&golden_pdus[(size_t)rand() % (sizeof golden_pdus / sizeof golden_pdus[0])];
		rpcrt_pdu_hdr h0;
		ck_assert_int_eq(rpcrt_pdu_parse_hdr(g->data, g->len, &h0), RPCRT_PDU_OK);
		uint8_t *q = dup_exact(g->data, h0.frag_length);
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++)
			q[(size_t)rand() % h0.frag_length] ^= (uint8_t)(1 + rand() % 255);
		rpcrt_pdu_hdr h;
		if (rpcrt_pdu_parse_hdr(q, h0.frag_length, &h) == RPCRT_PDU_OK) {
			decode_any(&h, q);
			rpcrt_pdu_reasm r;
			rpcrt_pdu_call call;
			rpcrt_pdu_verdict v;
			rpcrt_pdu_reasm_init(&r,
					     h.ptype == RPCRT_PTYPE_RESPONSE ? RPCRT_PTYPE_RESPONSE
									     : RPCRT_PTYPE_REQUEST,
					     100);
			if (rpcrt_pdu_reasm_feed(&r, &h, q, &call, &v) == RPCRT_PDU_OK)
				rpcrt_buf_free(&call.stub);
			else
				ck_assert_uint_le(r.call.stub.cap, 100);
			rpcrt_pdu_reasm_free(&r);
		}
		free(q);
	}
}
END_TEST

START_TEST(bind_nak_shapes)
{
	uint8_t p[64] = { 0 };
	rpcrt_pdu_hdr h;
	rpcrt_pdu_bind_nak n;
	memcpy(p, G("bind_nak")->data, 24);
	/* only the reason (C706's shape for most reasons): no versions */
	put16(p + 8, 18, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 18, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, p, &n), RPCRT_PDU_OK);
	ck_assert_uint_eq(n.n_versions, 0);
	/* n_protocols 5 with one pair present */
	put16(p + 8, 21, false);
	p[18] = 5;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 21, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, p, &n), RPCRT_PDU_E_TRUNCATED);
	/* the MS Signature and extended error data after the list are not read */
	p[18] = 1;
	put16(p + 8, 64, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(p, 64, &h), RPCRT_PDU_OK);
	ck_assert_int_eq(rpcrt_pdu_decode_bind_nak(&h, p, &n), RPCRT_PDU_OK);
	ck_assert_uint_eq(n.n_versions, 1);

	/* bind_ack: a secondary address longer than the PDU */
	uint8_t a[64];
	memcpy(a, G("bind_ack_135")->data, 60);
	put16(a + 24, 1000, false);
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(a, 60, &h), RPCRT_PDU_OK);
	rpcrt_pdu_bind_ack ack;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, a, &ack), RPCRT_PDU_E_TRUNCATED);
	/* n_results promising more than is there */
	memcpy(a, G("bind_ack_135")->data, 60);
	a[32] = 2;
	ck_assert_int_eq(rpcrt_pdu_decode_bind_ack(&h, a, &ack), RPCRT_PDU_E_TRUNCATED);
}
END_TEST

static Suite *
s_fn(void)
{
	Suite *s = suite_create("pdu");
	TCase *tc = tcase_create("pdu");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, wire_bind_alter);
	tcase_add_test(tc, wire_bind_ack);
	tcase_add_test(tc, wire_bind_nak);
	tcase_add_test(tc, wire_request_response_fault);
	tcase_add_test(tc, wire_header_only);
	tcase_add_test(tc, wire_fragments);
	tcase_add_test(tc, big_endian_bodies);
	tcase_add_test(tc, round_trips);
	tcase_add_test(tc, syntaxes);
	tcase_add_test(tc, fragmentation_rules);
	tcase_add_test(tc, encoder_limits);
	tcase_add_test(tc, t18_header);
	tcase_add_test(tc, t19_frag_length);
	tcase_add_test(tc, t30_prefixes);
	tcase_add_test(tc, t20_auth_length);
	tcase_add_test(tc, t21_drep);
	tcase_add_test(tc, t22_pfc_flags);
	tcase_add_test(tc, t23_interleaving);
	tcase_add_test(tc, t24_reassembly_limit);
	tcase_add_test(tc, t25_accumulator);
	tcase_add_test(tc, t26_alloc_hint_lies);
	tcase_add_test(tc, t27_continuation_mismatch);
	tcase_add_test(tc, t28_call_id);
	tcase_add_test(tc, t29_wrong_direction);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, t33_empty_bind);
	tcase_add_test(tc, t37_negotiate_frag);
	tcase_add_test(tc, hostile_bodies);
	tcase_add_test(tc, bind_nak_shapes);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(s_fn)
