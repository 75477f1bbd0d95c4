/* libFuzzer target: the DCE/RPC PDU layer as a connection sees it. The input is a byte stream
 * from a peer; byte 0 bit 0 says whose: 0 a client (the server reads binds, alter_contexts and
 * request fragments), 1 a server (the client reads bind_acks, bind_naks, faults and response
 * fragments). Every whole fragment is parsed, decoded by its type and fed to reassembly, as
 * runtime/pdu.h describes; whatever goes wrong must be a status (and, on a server, a verdict),
 * never a crash, a leak or a read outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small limit, so that reassembly reaches it quickly. */
#define FUZZ_MAX_TOTAL 65536u

static void
one_fragment(bool server, rpcrt_pdu_reasm *r, const rpcrt_pdu_hdr *h, const uint8_t *p)
{
	rpcrt_pdu_status st = RPCRT_PDU_OK;
	switch (h->ptype) {
	case RPCRT_PTYPE_BIND:
	case RPCRT_PTYPE_ALTER_CONTEXT: {
		rpcrt_pdu_bind b;
		if ((st = rpcrt_pdu_decode_bind(h, p, &b)) == RPCRT_PDU_OK)
			rpcrt_pdu_bind_free(&b);
		break;
	}
	case RPCRT_PTYPE_BIND_ACK:
	case RPCRT_PTYPE_ALTER_CONTEXT_RESP: {
		rpcrt_pdu_bind_ack a;
		if ((st = rpcrt_pdu_decode_bind_ack(h, p, &a)) == RPCRT_PDU_OK)
			rpcrt_pdu_bind_ack_free(&a);
		break;
	}
	case RPCRT_PTYPE_BIND_NAK: {
		rpcrt_pdu_bind_nak n;
		st = rpcrt_pdu_decode_bind_nak(h, p, &n);
		break;
	}
	case RPCRT_PTYPE_FAULT: {
		rpcrt_pdu_fault f;
		st = rpcrt_pdu_decode_fault(h, p, &f);
		break;
	}
	case RPCRT_PTYPE_REQUEST:
	case RPCRT_PTYPE_RESPONSE: {
		if (h->ptype != r->ptype)
			break;
		rpcrt_pdu_call call;
		rpcrt_pdu_verdict v;
		st = rpcrt_pdu_reasm_feed(r, h, p, &call, &v);
		if (st == RPCRT_PDU_OK)
			rpcrt_buf_free(&call.stub);
		break;
	}
	default:
		break;
	}
	if (server && st != RPCRT_PDU_OK && st != RPCRT_PDU_NEED_MORE) {
		rpcrt_pdu_verdict v;
		rpcrt_pdu_server_verdict(st, h, &v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool server = !(data[0] & 1);
	/* An exact-size copy, so that any read past the input is caught. */
	size_t len = size - 1;
	uint8_t *stream = malloc(len ? len : 1);
	memcpy(stream, data + 1, len);
	rpcrt_pdu_reasm r;
	rpcrt_pdu_reasm_init(&r, server ? RPCRT_PTYPE_REQUEST : RPCRT_PTYPE_RESPONSE, FUZZ_MAX_TOTAL);
	size_t off = 0;
	while (off < len) {
		rpcrt_pdu_hdr h;
		rpcrt_pdu_status st = rpcrt_pdu_parse_hdr(stream + off, len - off, &h);
		if (st == RPCRT_PDU_NEED_MORE)
			break;
		if (st != RPCRT_PDU_OK) {
			if (server) {
				rpcrt_pdu_verdict v;
				rpcrt_pdu_server_verdict(st, &h, &v);
			}
			break;
		}
		one_fragment(server, &r, &h, stream + off);
		off += h.frag_length;
	}
	rpcrt_pdu_reasm_free(&r);
	free(stream);
	return 0;
}
