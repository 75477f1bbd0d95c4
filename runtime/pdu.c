/* The connection-oriented DCE/RPC 5.0 PDU layer: header parsing, body decoders and encoders,
 * fragmentation and reassembly. See pdu.h for the contract and the sources of each rule. */
#include "pdu.h"

#include <stdlib.h>
#include <string.h>

/* ---- syntax identifiers ---- */

const rpcrt_pdu_syntax rpcrt_pdu_ndr20 = {
	{ 0x8a885d04, 0x1ceb, 0x11c9, { 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } }, 2, 0
};

const rpcrt_pdu_syntax rpcrt_pdu_ndr64 = {
	{ 0x71710533, 0xbeba, 0x4937, { 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36 } }, 1, 0
};

/* The fixed part of the bind time feature negotiation UUID: 6cb71c2c-9812-4540. */
#define BTFN_DATA1 0x6cb71c2cu
#define BTFN_DATA2 0x9812u
#define BTFN_DATA3 0x4540u

bool
rpcrt_pdu_syntax_eq(const rpcrt_pdu_syntax *a, const rpcrt_pdu_syntax *b)
{
	return a->uuid.Data1 == b->uuid.Data1 && a->uuid.Data2 == b->uuid.Data2 &&
	       a->uuid.Data3 == b->uuid.Data3 &&
	       memcmp(a->uuid.Data4, b->uuid.Data4, sizeof a->uuid.Data4) == 0 &&
	       a->vers_major == b->vers_major && a->vers_minor == b->vers_minor;
}

void
rpcrt_pdu_btfn_syntax(uint64_t bits, rpcrt_pdu_syntax *ret)
{
	rpcrt_pdu_syntax s = { { BTFN_DATA1, BTFN_DATA2, BTFN_DATA3, { 0 } }, 1, 0 };
	for (unsigned i = 0; i < 8; i++)
		s.uuid.Data4[i] = (uint8_t)(bits >> (8 * i));
	*ret = s;
}

bool
rpcrt_pdu_is_btfn(const rpcrt_pdu_syntax *s, uint64_t *ret_bits)
{
	if (s->uuid.Data1 != BTFN_DATA1 || s->uuid.Data2 != BTFN_DATA2 ||
	    s->uuid.Data3 != BTFN_DATA3 || s->vers_major != 1 || s->vers_minor != 0)
		return false;
	if (ret_bits) {
		uint64_t bits = 0;
		for (unsigned i = 0; i < 8; i++)
			bits |= (uint64_t)s->uuid.Data4[i] << (8 * i);
		*ret_bits = bits;
	}
	return true;
}

/* ---- statuses ---- */

RPC_STATUS
rpcrt_pdu_rpc_status(rpcrt_pdu_status st)
{
	switch (st) {
	case RPCRT_PDU_OK:
	case RPCRT_PDU_NEED_MORE:
		return RPC_S_OK;
	case RPCRT_PDU_E_NO_MEMORY:
		return RPC_S_OUT_OF_MEMORY;
	case RPCRT_PDU_E_TOO_BIG:
		return RPC_S_ACCESS_DENIED;
	default:
		return RPC_S_PROTOCOL_ERROR;
	}
}

static bool
is_bind_family(uint8_t ptype)
{
	return ptype == RPCRT_PTYPE_BIND || ptype == RPCRT_PTYPE_BIND_ACK ||
	       ptype == RPCRT_PTYPE_BIND_NAK || ptype == RPCRT_PTYPE_ALTER_CONTEXT ||
	       ptype == RPCRT_PTYPE_ALTER_CONTEXT_RESP || ptype == RPCRT_PTYPE_AUTH3;
}

void
rpcrt_pdu_server_verdict(rpcrt_pdu_status st, const rpcrt_pdu_hdr *h, rpcrt_pdu_verdict *ret)
{
	rpcrt_pdu_verdict v = { .nak_reason = -1, .call_id = h ? h->call_id : 0 };
	bool bind = h && h->ptype == RPCRT_PTYPE_BIND;

	switch (st) {
	case RPCRT_PDU_OK:
	case RPCRT_PDU_NEED_MORE:
		break;
	case RPCRT_PDU_E_DREP_INT:
	case RPCRT_PDU_E_FRAG_SHORT:
	case RPCRT_PDU_E_TRUNCATED:
		/* Nothing in these bytes can be trusted, not even where the next PDU would
		 * start: Samba just drops the connection when a PDU does not parse. */
		v.close = true;
		break;
	case RPCRT_PDU_E_VERSION:
	case RPCRT_PDU_E_AUTH_LENGTH:
	case RPCRT_PDU_E_DREP:
	case RPCRT_PDU_E_NO_CONTEXTS:
		/* A bind whose header fails verification, or that offers no context, gets
		 * bind_nak protocol_version_not_supported (Samba dcesrv_bind(); security-tests
		 * T18, T33). Anything else is a protocol error, except a data representation
		 * we cannot read, which C706 calls nca_s_unsupported_type. */
		if (bind)
			v.nak_reason = RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED;
		else if (st == RPCRT_PDU_E_DREP)
			v.fault_status = RPCRT_NCA_S_UNSUPPORTED_TYPE;
		else
			v.fault_status = RPCRT_NCA_S_PROTO_ERROR;
		v.did_not_execute = true;
		v.close = true;
		break;
	case RPCRT_PDU_E_NO_TRANSFER_SYNTAX:
		if (bind)
			v.nak_reason = RPCRT_NAK_NOT_SPECIFIED;
		else
			v.fault_status = RPCRT_NCA_S_PROTO_ERROR;
		v.did_not_execute = true;
		v.close = true;
		break;
	case RPCRT_PDU_E_FRAG_LONG:
	case RPCRT_PDU_E_SEQUENCE:
		/* Samba sends these without DID_NOT_EXECUTE (dcesrv_fault_disconnect0). */
		v.fault_status = RPCRT_NCA_S_PROTO_ERROR;
		v.close = true;
		break;
	case RPCRT_PDU_E_PTYPE:
	case RPCRT_PDU_E_WRONG_TYPE:
	case RPCRT_PDU_E_CALL_ID:
		v.fault_status = RPCRT_NCA_S_PROTO_ERROR;
		v.did_not_execute = true;
		v.close = true;
		break;
	case RPCRT_PDU_E_CANCEL_FIRST:
		v.fault_status = RPC_S_NO_CALL_ACTIVE;
		v.did_not_execute = true;
		v.close = true;
		break;
	case RPCRT_PDU_E_TOO_BIG:
		v.fault_status = RPC_S_ACCESS_DENIED;
		v.close = true;
		break;
	case RPCRT_PDU_E_NO_MEMORY:
		v.fault_status = RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY;
		v.did_not_execute = true;
		v.close = true;
		break;
	}
	*ret = v;
}

/* ---- reading ---- */

/* A bounds-checked reader over p[pos..end), integers in the byte order of the PDU. */
struct rd {
	const uint8_t *p;
	size_t pos, end;
	bool be;
};

static inline bool
rd_has(const struct rd *r, size_t n)
{
	return r->end - r->pos >= n;
}

static inline uint16_t
load16(const uint8_t *q, bool be)
{
	return be ? (uint16_t)(q[0] << 8 | q[1]) : (uint16_t)(q[1] << 8 | q[0]);
}

static inline uint32_t
load32(const uint8_t *q, bool be)
{
	if (be)
		return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

/* The readers below are only called after rd_has() said the bytes are there. */
static inline uint8_t
rd_u8(struct rd *r)
{
	return r->p[r->pos++];
}

static inline uint16_t
rd_u16(struct rd *r)
{
	uint16_t v = load16(r->p + r->pos, r->be);
	r->pos += 2;
	return v;
}

static inline uint32_t
rd_u32(struct rd *r)
{
	uint32_t v = load32(r->p + r->pos, r->be);
	r->pos += 4;
	return v;
}

/* A UUID's first three fields follow packed_drep; the last eight octets are bytes. */
static void
rd_uuid(struct rd *r, UUID *u)
{
	u->Data1 = rd_u32(r);
	u->Data2 = rd_u16(r);
	u->Data3 = rd_u16(r);
	memcpy(u->Data4, r->p + r->pos, 8);
	r->pos += 8;
}

static void
rd_syntax(struct rd *r, rpcrt_pdu_syntax *s)
{
	rd_uuid(r, &s->uuid);
	uint32_t v = rd_u32(r);
	s->vers_major = (uint16_t)v;
	s->vers_minor = (uint16_t)(v >> 16);
}

#define SYNTAX_LEN 20

/* ---- the common header ---- */

size_t
rpcrt_pdu_fixed_len(uint8_t ptype, uint8_t pfc_flags)
{
	switch (ptype) {
	case RPCRT_PTYPE_REQUEST:
		return RPCRT_PDU_REQUEST_HDR_LEN + ((pfc_flags & RPCRT_PFC_OBJECT_UUID) ? 16 : 0);
	case RPCRT_PTYPE_RESPONSE:
		return RPCRT_PDU_RESPONSE_HDR_LEN;
	case RPCRT_PTYPE_FAULT:
		return RPCRT_PDU_FAULT_LEN;
	case RPCRT_PTYPE_BIND:
	case RPCRT_PTYPE_ALTER_CONTEXT:
		/* max_xmit, max_recv, assoc_group_id, n_context_elem and its 3 reserved octets */
		return RPCRT_PDU_HDR_LEN + 12;
	case RPCRT_PTYPE_BIND_ACK:
	case RPCRT_PTYPE_ALTER_CONTEXT_RESP:
		/* 8 octets, an empty secondary address (2), padding to 4 (2), n_results and 3
		 * reserved octets: no bind_ack is shorter */
		return RPCRT_PDU_HDR_LEN + 16;
	case RPCRT_PTYPE_BIND_NAK:
		return RPCRT_PDU_HDR_LEN + 2;
	case RPCRT_PTYPE_AUTH3:
		return RPCRT_PDU_HDR_LEN + 4;
	case RPCRT_PTYPE_SHUTDOWN:
	case RPCRT_PTYPE_CO_CANCEL:
	case RPCRT_PTYPE_ORPHANED:
		return RPCRT_PDU_HDR_LEN;
	default:
		return 0;
	}
}

rpcrt_pdu_status
rpcrt_pdu_parse_hdr(const uint8_t *p, size_t n, rpcrt_pdu_hdr *ret)
{
	if (n < RPCRT_PDU_HDR_LEN)
		return RPCRT_PDU_NEED_MORE;

	/* packed_drep[0]: integer order in the high nibble (0 big-endian, 1 little-endian),
	 * character set in the low nibble (0 ASCII); packed_drep[1]: float format (0 IEEE).
	 * With another integer order not even frag_length can be read. */
	uint8_t int_rep = p[4] >> 4;
	if (int_rep > 1)
		return RPCRT_PDU_E_DREP_INT;
	bool be = int_rep == 0;

	rpcrt_pdu_hdr h;
	h.rpc_vers = p[0];
	h.rpc_vers_minor = p[1];
	h.ptype = p[2];
	h.pfc_flags = p[3];
	memcpy(h.drep, p + 4, 4);
	h.frag_length = load16(p + 8, be);
	h.auth_length = load16(p + 10, be);
	h.call_id = load32(p + 12, be);
	*ret = h;

	/* [MS-RPCE] 3.3.1.5.1 recognises 5.0 only (an implementation "SHOULD return an
	 * error"), and Samba refuses any other minor version. We also take 5.1, which DCE 1.1
	 * peers may send (wire-notes section 1): it changes no layout. */
	if (h.rpc_vers != 5 || h.rpc_vers_minor > 1)
		return RPCRT_PDU_E_VERSION;
	size_t fixed = rpcrt_pdu_fixed_len(h.ptype, h.pfc_flags);
	if (fixed == 0)
		return RPCRT_PDU_E_PTYPE;
	if (h.frag_length < fixed)
		return RPCRT_PDU_E_FRAG_SHORT;
	if (h.frag_length > RPCRT_PDU_MAX_FRAG && !is_bind_family(h.ptype))
		return RPCRT_PDU_E_FRAG_LONG;
	/* The auth value follows an 8-octet sec_trailer at the end of the fragment, after the
	 * fixed part of the body ([MS-RPCE] 2.2.2.11). */
	if (h.auth_length > h.frag_length ||
	    (h.auth_length != 0 &&
	     (size_t)h.auth_length + RPCRT_PDU_SEC_TRAILER_LEN > h.frag_length - fixed))
		return RPCRT_PDU_E_AUTH_LENGTH;
	if ((p[4] & 0x0f) != 0 || p[5] != 0)
		return RPCRT_PDU_E_DREP;
	if (n < h.frag_length)
		return RPCRT_PDU_NEED_MORE;
	return RPCRT_PDU_OK;
}

/* The reader over a fragment's body: from its fixed part to the sec_trailer (or the end).
 * The header was checked by parse_hdr, but a decoder must not trust its caller with the
 * bounds, so they are checked again; *ret_pad is the auth_pad_length of the sec_trailer. */
static rpcrt_pdu_status
body(const rpcrt_pdu_hdr *h, const uint8_t *p, size_t skip, struct rd *ret, uint8_t *ret_pad)
{
	size_t end = h->frag_length;
	uint8_t pad = 0;
	if (end < RPCRT_PDU_HDR_LEN + skip)
		return RPCRT_PDU_E_TRUNCATED;
	if (h->auth_length != 0) {
		size_t trailer = (size_t)h->auth_length + RPCRT_PDU_SEC_TRAILER_LEN;
		if (trailer > end - RPCRT_PDU_HDR_LEN - skip)
			return RPCRT_PDU_E_AUTH_LENGTH;
		end -= trailer;
		pad = p[end + 2];
	}
	*ret = (struct rd){ p, RPCRT_PDU_HDR_LEN, end, (h->drep[0] >> 4) == 0 };
	*ret_pad = pad;
	return RPCRT_PDU_OK;
}

/* ---- decoders ---- */

void
rpcrt_pdu_bind_free(rpcrt_pdu_bind *b)
{
	if (!b)
		return;
	free(b->ctx);
	b->ctx = NULL;
	b->n_ctx = 0;
}

void
rpcrt_pdu_bind_ack_free(rpcrt_pdu_bind_ack *a)
{
	if (!a)
		return;
	free(a->results);
	a->results = NULL;
	a->n_results = 0;
}

rpcrt_pdu_status
rpcrt_pdu_decode_bind(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_bind *ret)
{
	if (h->ptype != RPCRT_PTYPE_BIND && h->ptype != RPCRT_PTYPE_ALTER_CONTEXT)
		return RPCRT_PDU_E_WRONG_TYPE;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, 12, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_bind b;
	b.max_xmit_frag = rd_u16(&r);
	b.max_recv_frag = rd_u16(&r);
	b.assoc_group_id = rd_u32(&r);
	b.n_ctx = rd_u8(&r);
	r.pos += 3;

	/* First pass: every element and its transfer syntaxes must lie before the end, and
	 * the total decides the one allocation. Truncation wins over the bind_nak cases, as in
	 * Samba, which parses the whole PDU before looking at the counts. */
	size_t list = r.pos, n_syntax = 0;
	bool empty = false;
	for (unsigned i = 0; i < b.n_ctx; i++) {
		if (!rd_has(&r, 4 + SYNTAX_LEN))
			return RPCRT_PDU_E_TRUNCATED;
		uint8_t n_tr = r.p[r.pos + 2];
		r.pos += 4 + SYNTAX_LEN;
		if (!rd_has(&r, (size_t)n_tr * SYNTAX_LEN))
			return RPCRT_PDU_E_TRUNCATED;
		r.pos += (size_t)n_tr * SYNTAX_LEN;
		n_syntax += n_tr;
		empty |= n_tr == 0;
	}
	if (b.n_ctx == 0)
		return RPCRT_PDU_E_NO_CONTEXTS;
	if (empty)
		return RPCRT_PDU_E_NO_TRANSFER_SYNTAX;

	/* At most 255 contexts of 255 syntaxes: no overflow. */
	rpcrt_pdu_ctx *ctx = malloc(b.n_ctx * sizeof *ctx + n_syntax * sizeof(rpcrt_pdu_syntax));
	if (!ctx)
		return RPCRT_PDU_E_NO_MEMORY;
	rpcrt_pdu_syntax *syn = (rpcrt_pdu_syntax *)(ctx + b.n_ctx);
	r.pos = list;
	for (unsigned i = 0; i < b.n_ctx; i++) {
		ctx[i].p_cont_id = rd_u16(&r);
		ctx[i].n_transfer = rd_u8(&r);
		r.pos++;
		rd_syntax(&r, &ctx[i].abstract);
		ctx[i].transfer = syn;
		for (unsigned j = 0; j < ctx[i].n_transfer; j++)
			rd_syntax(&r, syn++);
	}
	b.ctx = ctx;
	*ret = b;
	return RPCRT_PDU_OK;
}

rpcrt_pdu_status
rpcrt_pdu_decode_bind_ack(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_bind_ack *ret)
{
	if (h->ptype != RPCRT_PTYPE_BIND_ACK && h->ptype != RPCRT_PTYPE_ALTER_CONTEXT_RESP)
		return RPCRT_PDU_E_WRONG_TYPE;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, 10, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_bind_ack a;
	a.max_xmit_frag = rd_u16(&r);
	a.max_recv_frag = rd_u16(&r);
	a.assoc_group_id = rd_u32(&r);
	a.sec_addr_len = rd_u16(&r);
	if (!rd_has(&r, a.sec_addr_len))
		return RPCRT_PDU_E_TRUNCATED;
	a.sec_addr = a.sec_addr_len ? (const char *)r.p + r.pos : NULL;
	r.pos += a.sec_addr_len;
	/* align(4) from the start of the PDU (C706 12.6.4.4) */
	size_t gap = (4 - r.pos % 4) % 4;
	if (!rd_has(&r, gap + 4))
		return RPCRT_PDU_E_TRUNCATED;
	r.pos += gap;
	a.n_results = rd_u8(&r);
	r.pos += 3;
	if (!rd_has(&r, (size_t)a.n_results * (4 + SYNTAX_LEN)))
		return RPCRT_PDU_E_TRUNCATED;
	a.results = NULL;
	if (a.n_results) {
		a.results = malloc(a.n_results * sizeof *a.results);
		if (!a.results)
			return RPCRT_PDU_E_NO_MEMORY;
		for (unsigned i = 0; i < a.n_results; i++) {
			a.results[i].result = rd_u16(&r);
			a.results[i].reason = rd_u16(&r);
			rd_syntax(&r, &a.results[i].transfer);
		}
	}
	*ret = a;
	return RPCRT_PDU_OK;
}

rpcrt_pdu_status
rpcrt_pdu_decode_bind_nak(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_bind_nak *ret)
{
	if (h->ptype != RPCRT_PTYPE_BIND_NAK)
		return RPCRT_PDU_E_WRONG_TYPE;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, 2, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_bind_nak n;
	n.reason = rd_u16(&r);
	n.n_versions = 0;
	/* C706 once made the versions list depend on the reason; [MS-RPCE] 2.2.2.9 always has
	 * it. Accept its absence; what follows it (padding, the optional extended error
	 * Signature and BLOB) is not read. */
	if (rd_has(&r, 1)) {
		n.n_versions = rd_u8(&r);
		if (!rd_has(&r, (size_t)n.n_versions * 2))
			return RPCRT_PDU_E_TRUNCATED;
		memcpy(n.versions, r.p + r.pos, (size_t)n.n_versions * 2);
	}
	*ret = n;
	return RPCRT_PDU_OK;
}

/* The stub data runs from r->pos to the sec_trailer minus the auth padding. */
static rpcrt_pdu_status
stub_of(const struct rd *r, uint8_t pad, const uint8_t **ret, size_t *ret_len)
{
	size_t len = r->end - r->pos;
	if (pad > len)
		return RPCRT_PDU_E_AUTH_LENGTH;
	*ret = r->p + r->pos;
	*ret_len = len - pad;
	return RPCRT_PDU_OK;
}

rpcrt_pdu_status
rpcrt_pdu_decode_request(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_request *ret)
{
	if (h->ptype != RPCRT_PTYPE_REQUEST)
		return RPCRT_PDU_E_WRONG_TYPE;
	bool has_object = (h->pfc_flags & RPCRT_PFC_OBJECT_UUID) != 0;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, has_object ? 24 : 8, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_request rq = { 0 };
	rq.alloc_hint = rd_u32(&r);
	rq.p_cont_id = rd_u16(&r);
	rq.opnum = rd_u16(&r);
	rq.has_object = has_object;
	if (has_object)
		rd_uuid(&r, &rq.object);
	st = stub_of(&r, pad, &rq.stub, &rq.stub_len);
	if (st)
		return st;
	*ret = rq;
	return RPCRT_PDU_OK;
}

rpcrt_pdu_status
rpcrt_pdu_decode_response(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_response *ret)
{
	if (h->ptype != RPCRT_PTYPE_RESPONSE)
		return RPCRT_PDU_E_WRONG_TYPE;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, 8, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_response rs;
	rs.alloc_hint = rd_u32(&r);
	rs.p_cont_id = rd_u16(&r);
	rs.cancel_count = rd_u8(&r);
	r.pos++;
	st = stub_of(&r, pad, &rs.stub, &rs.stub_len);
	if (st)
		return st;
	*ret = rs;
	return RPCRT_PDU_OK;
}

rpcrt_pdu_status
rpcrt_pdu_decode_fault(const rpcrt_pdu_hdr *h, const uint8_t *p, rpcrt_pdu_fault *ret)
{
	if (h->ptype != RPCRT_PTYPE_FAULT)
		return RPCRT_PDU_E_WRONG_TYPE;
	struct rd r;
	uint8_t pad;
	rpcrt_pdu_status st = body(h, p, 16, &r, &pad);
	if (st)
		return st;

	rpcrt_pdu_fault f;
	f.alloc_hint = rd_u32(&r);
	f.p_cont_id = rd_u16(&r);
	f.cancel_count = rd_u8(&r);
	f.flags = rd_u8(&r);
	f.status = rd_u32(&r);
	*ret = f;
	return RPCRT_PDU_OK;
}

/* ---- writing ---- */

/* Appends little-endian data to a buffer; the first failure sticks, and wr_end() then undoes
 * everything since wr_begin(). */
struct wr {
	rpcrt_buf *b;
	size_t start;
	bool oom;
};

static uint8_t *
wr_room(struct wr *w, size_t n)
{
	rpcrt_buf *b = w->b;
	if (w->oom)
		return NULL;
	if (!rpcrt_buf_reserve(b, n)) {
		w->oom = true;
		return NULL;
	}
	uint8_t *q = b->data + b->len;
	b->len += n;
	return q;
}

static void
wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *q = wr_room(w, n);
	if (q && n)
		memcpy(q, src, n);
}

static void
wr_zeros(struct wr *w, size_t n)
{
	uint8_t *q = wr_room(w, n);
	if (q && n)
		memset(q, 0, n);
}

static void
wr_u8(struct wr *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

static void
wr_u16(struct wr *w, uint16_t v)
{
	uint8_t q[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	wr_bytes(w, q, 2);
}

static void
wr_u32(struct wr *w, uint32_t v)
{
	uint8_t q[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	wr_bytes(w, q, 4);
}

static void
wr_uuid(struct wr *w, const UUID *u)
{
	wr_u32(w, u->Data1);
	wr_u16(w, u->Data2);
	wr_u16(w, u->Data3);
	wr_bytes(w, u->Data4, 8);
}

static void
wr_syntax(struct wr *w, const rpcrt_pdu_syntax *s)
{
	wr_uuid(w, &s->uuid);
	wr_u32(w, (uint32_t)s->vers_major | (uint32_t)s->vers_minor << 16);
}

/* Zeros up to a multiple of 4 octets from the start of the PDU. */
static void
wr_align4(struct wr *w)
{
	wr_zeros(w, (4 - (w->b->len - w->start) % 4) % 4);
}

static void
wr_begin(struct wr *w, rpcrt_buf *b, uint8_t ptype, uint8_t pfc_flags, uint32_t call_id)
{
	*w = (struct wr){ b, b->len, false };
	static const uint8_t drep[4] = { RPCRT_DREP_LE, 0, 0, 0 };
	wr_u8(w, 5);
	wr_u8(w, 0);
	wr_u8(w, ptype);
	wr_u8(w, pfc_flags);
	wr_bytes(w, drep, 4);
	wr_u16(w, 0); /* frag_length, set by wr_end() */
	wr_u16(w, 0); /* auth_length */
	wr_u32(w, call_id);
}

static RPC_STATUS
wr_end(struct wr *w)
{
	rpcrt_buf *b = w->b;
	if (w->oom) {
		b->len = w->start;
		return RPC_S_OUT_OF_MEMORY;
	}
	size_t len = b->len - w->start;
	if (len > UINT16_MAX) {
		b->len = w->start;
		return RPC_S_INVALID_ARG;
	}
	b->data[w->start + 8] = (uint8_t)len;
	b->data[w->start + 9] = (uint8_t)(len >> 8);
	return RPC_S_OK;
}

#define FIRST_LAST (RPCRT_PFC_FIRST_FRAG | RPCRT_PFC_LAST_FRAG)

/* ---- encoders ---- */

static RPC_STATUS
encode_bind(rpcrt_buf *out, uint8_t ptype, uint32_t call_id, uint8_t pfc_flags,
	    const rpcrt_pdu_bind *b)
{
	if (b->n_ctx && !b->ctx)
		return RPC_S_INVALID_ARG;
	for (unsigned i = 0; i < b->n_ctx; i++)
		if (b->ctx[i].n_transfer && !b->ctx[i].transfer)
			return RPC_S_INVALID_ARG;
	struct wr w;
	wr_begin(&w, out, ptype, pfc_flags | FIRST_LAST, call_id);
	wr_u16(&w, b->max_xmit_frag);
	wr_u16(&w, b->max_recv_frag);
	wr_u32(&w, b->assoc_group_id);
	wr_u8(&w, b->n_ctx);
	wr_zeros(&w, 3);
	for (unsigned i = 0; i < b->n_ctx; i++) {
		const rpcrt_pdu_ctx *c = &b->ctx[i];
		wr_u16(&w, c->p_cont_id);
		wr_u8(&w, c->n_transfer);
		wr_u8(&w, 0);
		wr_syntax(&w, &c->abstract);
		for (unsigned j = 0; j < c->n_transfer; j++)
			wr_syntax(&w, &c->transfer[j]);
	}
	return wr_end(&w);
}

RPC_STATUS
rpcrt_pdu_encode_bind(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags, const rpcrt_pdu_bind *b)
{
	return encode_bind(out, RPCRT_PTYPE_BIND, call_id, pfc_flags, b);
}

RPC_STATUS
rpcrt_pdu_encode_alter_context(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
			       const rpcrt_pdu_bind *b)
{
	return encode_bind(out, RPCRT_PTYPE_ALTER_CONTEXT, call_id, pfc_flags, b);
}

static RPC_STATUS
encode_bind_ack(rpcrt_buf *out, uint8_t ptype, uint32_t call_id, uint8_t pfc_flags,
		const rpcrt_pdu_bind_ack *a)
{
	if ((a->sec_addr_len && !a->sec_addr) || (a->n_results && !a->results))
		return RPC_S_INVALID_ARG;
	struct wr w;
	wr_begin(&w, out, ptype, pfc_flags | FIRST_LAST, call_id);
	wr_u16(&w, a->max_xmit_frag);
	wr_u16(&w, a->max_recv_frag);
	wr_u32(&w, a->assoc_group_id);
	wr_u16(&w, a->sec_addr_len);
	wr_bytes(&w, a->sec_addr, a->sec_addr_len);
	wr_align4(&w);
	wr_u8(&w, a->n_results);
	wr_zeros(&w, 3);
	for (unsigned i = 0; i < a->n_results; i++) {
		wr_u16(&w, a->results[i].result);
		wr_u16(&w, a->results[i].reason);
		wr_syntax(&w, &a->results[i].transfer);
	}
	return wr_end(&w);
}

RPC_STATUS
rpcrt_pdu_encode_bind_ack(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
			  const rpcrt_pdu_bind_ack *a)
{
	return encode_bind_ack(out, RPCRT_PTYPE_BIND_ACK, call_id, pfc_flags, a);
}

RPC_STATUS
rpcrt_pdu_encode_alter_context_resp(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				    const rpcrt_pdu_bind_ack *a)
{
	return encode_bind_ack(out, RPCRT_PTYPE_ALTER_CONTEXT_RESP, call_id, pfc_flags, a);
}

RPC_STATUS
rpcrt_pdu_encode_bind_nak(rpcrt_buf *out, uint32_t call_id, const rpcrt_pdu_bind_nak *n)
{
	struct wr w;
	wr_begin(&w, out, RPCRT_PTYPE_BIND_NAK, FIRST_LAST, call_id);
	wr_u16(&w, n->reason);
	wr_u8(&w, n->n_versions);
	wr_bytes(&w, n->versions, (size_t)n->n_versions * 2);
	wr_align4(&w);
	return wr_end(&w);
}

RPC_STATUS
rpcrt_pdu_encode_fault(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
		       const rpcrt_pdu_fault *f)
{
	if (f->status == 0)
		return RPC_S_INVALID_ARG;
	struct wr w;
	wr_begin(&w, out, RPCRT_PTYPE_FAULT, pfc_flags | FIRST_LAST, call_id);
	wr_u32(&w, f->alloc_hint);
	wr_u16(&w, f->p_cont_id);
	wr_u8(&w, f->cancel_count);
	wr_u8(&w, f->flags);
	wr_u32(&w, f->status);
	wr_u32(&w, 0);
	return wr_end(&w);
}

static RPC_STATUS
encode_empty(rpcrt_buf *out, uint8_t ptype, uint32_t call_id)
{
	struct wr w;
	wr_begin(&w, out, ptype, FIRST_LAST, call_id);
	return wr_end(&w);
}

RPC_STATUS
rpcrt_pdu_encode_shutdown(rpcrt_buf *out, uint32_t call_id)
{
	return encode_empty(out, RPCRT_PTYPE_SHUTDOWN, call_id);
}

RPC_STATUS
rpcrt_pdu_encode_co_cancel(rpcrt_buf *out, uint32_t call_id)
{
	return encode_empty(out, RPCRT_PTYPE_CO_CANCEL, call_id);
}

RPC_STATUS
rpcrt_pdu_encode_orphaned(rpcrt_buf *out, uint32_t call_id)
{
	return encode_empty(out, RPCRT_PTYPE_ORPHANED, call_id);
}

RPC_STATUS
rpcrt_pdu_encode_request(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
			 const rpcrt_pdu_request *rq)
{
	if (rq->stub_len && !rq->stub)
		return RPC_S_INVALID_ARG;
	pfc_flags &= (uint8_t)~RPCRT_PFC_OBJECT_UUID;
	if (rq->has_object)
		pfc_flags |= RPCRT_PFC_OBJECT_UUID;
	struct wr w;
	wr_begin(&w, out, RPCRT_PTYPE_REQUEST, pfc_flags, call_id);
	wr_u32(&w, rq->alloc_hint);
	wr_u16(&w, rq->p_cont_id);
	wr_u16(&w, rq->opnum);
	if (rq->has_object)
		wr_uuid(&w, &rq->object);
	/* A stub too long for one fragment is refused by wr_end(); test it first so that a
	 * huge stub_len cannot make us allocate it. */
	if (rq->stub_len > UINT16_MAX) {
		out->len = w.start;
		return RPC_S_INVALID_ARG;
	}
	wr_bytes(&w, rq->stub, rq->stub_len);
	return wr_end(&w);
}

RPC_STATUS
rpcrt_pdu_encode_response(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
			  const rpcrt_pdu_response *rs)
{
	if (rs->stub_len && !rs->stub)
		return RPC_S_INVALID_ARG;
	struct wr w;
	wr_begin(&w, out, RPCRT_PTYPE_RESPONSE, pfc_flags, call_id);
	wr_u32(&w, rs->alloc_hint);
	wr_u16(&w, rs->p_cont_id);
	wr_u8(&w, rs->cancel_count);
	wr_u8(&w, 0);
	if (rs->stub_len > UINT16_MAX) {
		out->len = w.start;
		return RPC_S_INVALID_ARG;
	}
	wr_bytes(&w, rs->stub, rs->stub_len);
	return wr_end(&w);
}

/* Stub bytes per fragment: what max_frag leaves after the headers, rounded down to a
 * multiple of 8, or 0 when that is less than 8. */
static size_t
frag_chunk(uint16_t max_frag, size_t hdr_len)
{
	if (max_frag < hdr_len + 8)
		return 0;
	return (max_frag - hdr_len) & ~(size_t)7;
}

/* Encodes the fragment holding stub bytes [off, off + n) of len, with pfc flags. */
typedef RPC_STATUS (*frag_encoder)(rpcrt_buf *out, uint32_t call_id, uint8_t flags, const void *body,
				   size_t off, size_t n, size_t len);

static RPC_STATUS
request_frag(rpcrt_buf *out, uint32_t call_id, uint8_t flags, const void *body, size_t off, size_t n,
	     size_t len)
{
	rpcrt_pdu_request f = *(const rpcrt_pdu_request *)body;
	f.alloc_hint = (uint32_t)(len - off);
	f.stub = f.stub ? f.stub + off : NULL;
	f.stub_len = n;
	return rpcrt_pdu_encode_request(out, call_id, flags, &f);
}

static RPC_STATUS
response_frag(rpcrt_buf *out, uint32_t call_id, uint8_t flags, const void *body, size_t off, size_t n,
	      size_t len)
{
	rpcrt_pdu_response f = *(const rpcrt_pdu_response *)body;
	f.alloc_hint = (uint32_t)(len - off);
	f.stub = f.stub ? f.stub + off : NULL;
	f.stub_len = n;
	return rpcrt_pdu_encode_response(out, call_id, flags, &f);
}

/* Cuts len stub bytes into fragments of at most chunk bytes, FIRST on the first and LAST on the
 * last (one fragment carries both); all or nothing is appended to out. */
static RPC_STATUS
encode_frags(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags, size_t len, bool have_stub, size_t chunk,
	     frag_encoder enc, const void *body)
{
	size_t start = out->len;
	if (!chunk || len > UINT32_MAX || (len && !have_stub))
		return RPC_S_INVALID_ARG;
	pfc_flags &= (uint8_t)~FIRST_LAST;
	size_t off = 0;
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		uint8_t flags = pfc_flags;
		if (off == 0)
			flags |= RPCRT_PFC_FIRST_FRAG;
		if (off + n == len)
			flags |= RPCRT_PFC_LAST_FRAG;
		RPC_STATUS st = enc(out, call_id, flags, body, off, n, len);
		if (st) {
			out->len = start;
			return st;
		}
		off += n;
	} while (off < len);
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_pdu_encode_request_frags(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
			       const rpcrt_pdu_request *rq, uint16_t max_frag)
{
	size_t hdr_len = RPCRT_PDU_REQUEST_HDR_LEN + (rq->has_object ? 16 : 0);
	return encode_frags(out, call_id, pfc_flags, rq->stub_len, rq->stub != NULL, frag_chunk(max_frag, hdr_len),
			    request_frag, rq);
}

RPC_STATUS
rpcrt_pdu_encode_response_frags(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				const rpcrt_pdu_response *rs, uint16_t max_frag)
{
	return encode_frags(out, call_id, pfc_flags, rs->stub_len, rs->stub != NULL,
			    frag_chunk(max_frag, RPCRT_PDU_RESPONSE_HDR_LEN), response_frag, rs);
}

uint16_t
rpcrt_pdu_negotiate_frag(uint16_t client_max_xmit, uint16_t client_max_recv, uint16_t our_max_recv)
{
	uint16_t v = client_max_xmit < client_max_recv ? client_max_xmit : client_max_recv;
	if (v < RPCRT_PDU_MIN_FRAG)
		v = RPCRT_PDU_MIN_FRAG;
	if (v > our_max_recv)
		v = our_max_recv;
	return (uint16_t)(v & ~7u);
}

/* ---- reassembly ---- */

bool
rpcrt_pdu_total_add(uint32_t total, uint64_t add, uint32_t max, uint32_t *ret)
{
	/* add > max rules out any overflow below: total and max are 32-bit. */
	if (add > max || (uint64_t)total + add > max)
		return false;
	*ret = (uint32_t)(total + add);
	return true;
}

void
rpcrt_pdu_reasm_init(rpcrt_pdu_reasm *r, uint8_t ptype, uint32_t max_total)
{
	memset(r, 0, sizeof *r);
	r->ptype = ptype;
	r->max_total = max_total;
	r->check_call_id = ptype == RPCRT_PTYPE_REQUEST;
}

void
rpcrt_pdu_reasm_reset(rpcrt_pdu_reasm *r)
{
	rpcrt_buf_free(&r->call.stub);
	memset(&r->call, 0, sizeof r->call);
	r->active = false;
	r->total = 0;
}

void
rpcrt_pdu_reasm_free(rpcrt_pdu_reasm *r)
{
	if (r)
		rpcrt_pdu_reasm_reset(r);
}

/* Appends n bytes to the call's stub. The buffer doubles as data arrives but never beyond max
 * (the caller checked that len + n <= max), so a peer holds at most max bytes of ours. */
static bool
stub_append(rpcrt_buf *b, const uint8_t *src, size_t n, uint32_t max)
{
	if (n == 0)
		return true;
	size_t need = b->len + n;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (cap > max)
			cap = max;
		uint8_t *d = realloc(b->data, cap);
		if (!d)
			return false;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, src, n);
	b->len = need;
	return true;
}

/* Fills the verdict of a refused fragment and drops the call in progress: every error here
 * ends the connection. */
static rpcrt_pdu_status
refuse(rpcrt_pdu_reasm *r, rpcrt_pdu_status st, rpcrt_pdu_verdict *v, uint32_t fault,
       uint32_t call_id, uint16_t p_cont_id, bool did_not_execute)
{
	*v = (rpcrt_pdu_verdict){ .fault_status = fault,
				  .nak_reason = -1,
				  .call_id = call_id,
				  .p_cont_id = p_cont_id,
				  .did_not_execute = did_not_execute,
				  .close = true };
	rpcrt_pdu_reasm_reset(r);
	return st;
}

rpcrt_pdu_status
rpcrt_pdu_reasm_feed(rpcrt_pdu_reasm *r, const rpcrt_pdu_hdr *h, const uint8_t *p,
		     rpcrt_pdu_call *ret_call, rpcrt_pdu_verdict *ret_verdict)
{
	rpcrt_pdu_verdict *v = ret_verdict;
	rpcrt_pdu_call *c = &r->call;
	*v = (rpcrt_pdu_verdict){ .nak_reason = -1, .call_id = h->call_id };

	if (h->ptype != r->ptype) {
		/* Samba: "trying to play silly buggers are we?" */
		if (r->active)
			return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
				      c->call_id, c->p_cont_id, true);
		return refuse(r, RPCRT_PDU_E_WRONG_TYPE, v, RPCRT_NCA_S_PROTO_ERROR, h->call_id, 0,
			      true);
	}

	/* The fragment's own body: its values, and where its stub data is. */
	rpcrt_pdu_request rq = { 0 };
	rpcrt_pdu_status st;
	if (r->ptype == RPCRT_PTYPE_REQUEST) {
		st = rpcrt_pdu_decode_request(h, p, &rq);
	} else {
		rpcrt_pdu_response rs;
		st = rpcrt_pdu_decode_response(h, p, &rs);
		if (st == RPCRT_PDU_OK) {
			rq.alloc_hint = rs.alloc_hint;
			rq.p_cont_id = rs.p_cont_id;
			rq.stub = rs.stub;
			rq.stub_len = rs.stub_len;
		}
	}
	if (st) {
		if (r->active)
			return refuse(r, st, v, RPCRT_NCA_S_PROTO_ERROR, c->call_id, c->p_cont_id,
				      true);
		return refuse(r, st, v, RPCRT_NCA_S_PROTO_ERROR, h->call_id, 0, true);
	}

	bool first = h->pfc_flags & RPCRT_PFC_FIRST_FRAG;
	bool last = h->pfc_flags & RPCRT_PFC_LAST_FRAG;
	if (first) {
		if (r->active) {
			/* One call is reassembled at a time. Without CONC_MPX the fault goes to
			 * the call in progress, so that the client gets it on the call_id and
			 * context it is waiting on (Samba test_mix_requests, security-tests
			 * T23); with CONC_MPX to the new one. */
			if (!r->conc_mpx)
				return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
					      c->call_id, c->p_cont_id, false);
			return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
				      h->call_id, h->call_id == c->call_id ? c->p_cont_id : 0,
				      false);
		}
		if (r->check_call_id && r->have_last_id && h->call_id <= r->last_call_id)
			return refuse(r, RPCRT_PDU_E_CALL_ID, v, RPCRT_NCA_S_PROTO_ERROR,
				      h->call_id, 0, true);
		if (r->ptype == RPCRT_PTYPE_REQUEST && (h->pfc_flags & RPCRT_PFC_PENDING_CANCEL))
			return refuse(r, RPCRT_PDU_E_CANCEL_FIRST, v, RPC_S_NO_CALL_ACTIVE,
				      h->call_id, 0, true);
		/* Refused before anything is allocated. A single fragment is not checked: its
		 * size is bounded by the fragment, and its alloc_hint is only a hint. */
		if (!last && rq.alloc_hint > r->max_total)
			return refuse(r, RPCRT_PDU_E_TOO_BIG, v, RPC_S_ACCESS_DENIED, h->call_id,
				      rq.p_cont_id, false);
		r->active = true;
		r->total = 0;
		r->have_last_id = true;
		r->last_call_id = h->call_id;
		c->call_id = h->call_id;
		memcpy(c->drep, h->drep, 4);
		c->first_flags = h->pfc_flags;
		c->cancel_pending = false;
		c->p_cont_id = rq.p_cont_id;
		c->opnum = rq.opnum;
		c->has_object = rq.has_object;
		c->object = rq.object;
	} else {
		if (!r->active)
			return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
				      h->call_id, 0, false);
		if (h->call_id != c->call_id) {
			if (!r->conc_mpx)
				return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
					      c->call_id, c->p_cont_id, false);
			return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
				      h->call_id, 0, false);
		}
		if (memcmp(h->drep, c->drep, 4) != 0)
			return refuse(r, RPCRT_PDU_E_SEQUENCE, v, RPCRT_NCA_S_PROTO_ERROR,
				      c->call_id, c->p_cont_id, true);
		if (h->pfc_flags & RPCRT_PFC_PENDING_CANCEL)
			c->cancel_pending = true;
	}

	uint32_t total;
	if (!rpcrt_pdu_total_add(r->total, rq.stub_len, r->max_total, &total))
		return refuse(r, RPCRT_PDU_E_TOO_BIG, v, RPC_S_ACCESS_DENIED, c->call_id,
			      c->p_cont_id, false);
	if (!stub_append(&c->stub, rq.stub, rq.stub_len, r->max_total))
		return refuse(r, RPCRT_PDU_E_NO_MEMORY, v, RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY,
			      c->call_id, c->p_cont_id, true);
	r->total = total;
	if (!last)
		return RPCRT_PDU_NEED_MORE;

	*ret_call = *c;
	memset(c, 0, sizeof *c);
	r->active = false;
	r->total = 0;
	return RPCRT_PDU_OK;
}
