/* librpcrt private: the connection-oriented DCE/RPC 5.0 PDU layer (C706 chapter 12 with the
 * [MS-RPCE] 2.2.2 extensions). It is pure: it parses, validates, encodes and reassembles bytes
 * that the caller reads from and writes to the transport, and does no I/O of its own.
 *
 * Reading a PDU: rpcrt_pdu_parse_hdr() on the bytes received so far says whether a whole
 * fragment is there (and whether its 16-byte header is acceptable at all); then the decoder
 * for its type checks the body against frag_length before reading any of it. Requests (on a
 * server) and responses (on a client) then go through an rpcrt_pdu_reasm, which enforces the
 * fragment sequence and the size limit and hands back the stub data of a complete call.
 * Anything that goes wrong is a status; rpcrt_pdu_server_verdict() turns a status into what a
 * server sends back (fault, bind_nak or nothing) and whether it then closes the connection.
 *
 * Writing a PDU: the encoders append one PDU (or, for requests and responses, every fragment
 * of one call) to an rpcrt_buf, always little-endian with packed_drep 10 00 00 00.
 *
 * Wire facts and their sources are in /work/shared/reference/wire-notes.md; the behaviour on
 * hostile input follows Samba's dcesrv_core.c, which Samba tests against Windows
 * (python/samba/tests/dcerpc/raw_protocol.py). */
#ifndef RPCRT_PDU_H
#define RPCRT_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndr.h"
#include "rpc.h"

/* ---- constants ---- */

/* PTYPE values (C706 chapter 12, table "RPC Protocol Data Units"; [MS-RPCE] 2.2.2.10 for
 * auth3). 1 and 4..10 are connectionless, 20 (RTS) belongs to ncacn_http only. */
#define RPCRT_PTYPE_REQUEST            0
#define RPCRT_PTYPE_RESPONSE           2
#define RPCRT_PTYPE_FAULT              3
#define RPCRT_PTYPE_BIND               11
#define RPCRT_PTYPE_BIND_ACK           12
#define RPCRT_PTYPE_BIND_NAK           13
#define RPCRT_PTYPE_ALTER_CONTEXT      14
#define RPCRT_PTYPE_ALTER_CONTEXT_RESP 15
#define RPCRT_PTYPE_AUTH3              16
#define RPCRT_PTYPE_SHUTDOWN           17
#define RPCRT_PTYPE_CO_CANCEL          18
#define RPCRT_PTYPE_ORPHANED           19

/* pfc_flags (C706 12.6.3.1). 0x04 means SUPPORT_HEADER_SIGN on bind, bind_ack, alter_context,
 * alter_context_resp and auth3, PENDING_CANCEL on the others ([MS-RPCE] 2.2.2.3). */
#define RPCRT_PFC_FIRST_FRAG          0x01
#define RPCRT_PFC_LAST_FRAG           0x02
#define RPCRT_PFC_PENDING_CANCEL      0x04
#define RPCRT_PFC_SUPPORT_HEADER_SIGN 0x04
#define RPCRT_PFC_RESERVED_1          0x08
#define RPCRT_PFC_CONC_MPX            0x10
#define RPCRT_PFC_DID_NOT_EXECUTE     0x20
#define RPCRT_PFC_MAYBE               0x40
#define RPCRT_PFC_OBJECT_UUID         0x80

/* Fault status codes (C706 appendix N; wire-notes section 4). Win32 codes that servers also
 * send in faults (access denied 5, RPC_X_BAD_STUB_DATA 0x6F7, RPC_S_NO_CALL_ACTIVE 0x6BD) are
 * the RPC_S_* / RPC_X_* values of rpcnterr.h. */
#define RPCRT_NCA_S_OP_RNG_ERROR            0x1C010002u
#define RPCRT_NCA_S_UNKNOWN_IF              0x1C010003u
#define RPCRT_NCA_S_PROTO_ERROR             0x1C01000Bu
#define RPCRT_NCA_S_SERVER_TOO_BUSY         0x1C010014u
#define RPCRT_NCA_S_UNSUPPORTED_TYPE        0x1C010017u
#define RPCRT_NCA_S_FAULT_INVALID_TAG       0x1C000006u
#define RPCRT_NCA_S_FAULT_INVALID_BOUND     0x1C000007u
#define RPCRT_NCA_S_MANAGER_NOT_ENTERED     0x1C00000Cu
#define RPCRT_NCA_S_FAULT_CANCEL            0x1C00000Du
#define RPCRT_NCA_S_FAULT_UNSPEC            0x1C000012u
#define RPCRT_NCA_S_FAULT_CONTEXT_MISMATCH  0x1C00001Au
#define RPCRT_NCA_S_FAULT_REMOTE_NO_MEMORY  0x1C00001Bu
#define RPCRT_NCA_S_INVALID_PRES_CONTEXT_ID 0x1C00001Cu

/* bind_nak provider_reject_reason (C706 12.6.3.1; [MS-RPCE] 2.2.2.5 adds 8 and 9). */
#define RPCRT_NAK_NOT_SPECIFIED                      0
#define RPCRT_NAK_TEMPORARY_CONGESTION               1
#define RPCRT_NAK_LOCAL_LIMIT_EXCEEDED               2
#define RPCRT_NAK_CALLED_PADDR_UNKNOWN               3
#define RPCRT_NAK_PROTOCOL_VERSION_NOT_SUPPORTED     4
#define RPCRT_NAK_DEFAULT_CONTEXT_NOT_SUPPORTED      5
#define RPCRT_NAK_USER_DATA_NOT_READABLE             6
#define RPCRT_NAK_NO_PSAP_AVAILABLE                  7
#define RPCRT_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED 8
#define RPCRT_NAK_INVALID_CHECKSUM                   9

/* p_cont_def_result_t ([MS-RPCE] 2.2.2.4 adds negotiate_ack) and p_provider_reason_t. */
#define RPCRT_CTX_ACCEPTANCE                             0
#define RPCRT_CTX_USER_REJECTION                         1
#define RPCRT_CTX_PROVIDER_REJECTION                     2
#define RPCRT_CTX_NEGOTIATE_ACK                          3
#define RPCRT_CTX_REASON_NOT_SPECIFIED                   0
#define RPCRT_CTX_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED   1
#define RPCRT_CTX_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED 2
#define RPCRT_CTX_REASON_LOCAL_LIMIT_EXCEEDED            3

/* Bind time feature bits ([MS-RPCE] 2.2.2.14 and 2.2.2.15). */
#define RPCRT_BTFN_SECURITY_CONTEXT_MULTIPLEXING 0x01
#define RPCRT_BTFN_KEEP_CONNECTION_ON_ORPHAN     0x02

/* Sizes. */
#define RPCRT_PDU_HDR_LEN          16
#define RPCRT_PDU_REQUEST_HDR_LEN  24 /* plus 16 with PFC_OBJECT_UUID */
#define RPCRT_PDU_RESPONSE_HDR_LEN 24
#define RPCRT_PDU_FAULT_LEN        32
#define RPCRT_PDU_SEC_TRAILER_LEN  8 /* sec_trailer in front of the auth value (MS-RPCE 2.2.2.11) */

/* What ridl advertises as max_xmit_frag and max_recv_frag (the Windows TCP value, also
 * Samba's DCERPC_FRAG_MAX_SIZE). A fragment longer than this is refused (decision: refuse
 * above what we advertised, as Samba does with its fixed transport limit), except for the
 * bind family, which carries authentication tokens and which Windows and Samba accept up to
 * 65535 bytes. */
#define RPCRT_PDU_MAX_FRAG 5840
/* The floor of a negotiated fragment size (Samba's value, tested against Windows 2012R2). */
#define RPCRT_PDU_MIN_FRAG 2048
/* Default limit on reassembled request stub data: 4 MiB ([MS-RPCE] 3.3.3.5.4, MaxRpcSize). */
#define RPCRT_PDU_DEFAULT_MAX_RPC_SIZE 0x400000u

/* ---- syntax identifiers ---- */

/* An interface or transfer syntax identifier (p_syntax_id_t). On the wire the version is one
 * u32: major in the low 16 bits, minor in the high 16. Plain value. */
typedef struct rpcrt_pdu_syntax {
	UUID uuid;
	uint16_t vers_major, vers_minor;
} rpcrt_pdu_syntax;

/* NDR 2.0: 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 ([MS-RPCE] 2.2.4.12). */
extern const rpcrt_pdu_syntax rpcrt_pdu_ndr20;
/* NDR64: 71710533-beba-4937-8319-b5dbef9ccc36 v1.0 ([MS-RPCE] 2.2.5.1). */
extern const rpcrt_pdu_syntax rpcrt_pdu_ndr64;

bool rpcrt_pdu_syntax_eq(const rpcrt_pdu_syntax *a, const rpcrt_pdu_syntax *b);
/* The bind time feature negotiation transfer syntax 6cb71c2c-9812-4540-XXXX-XXXXXXXXXXXX v1.0,
 * whose last eight octets are the bitmask, bits[0] first ([MS-RPCE] 3.3.1.5.3, 2.2.2.14). */
void rpcrt_pdu_btfn_syntax(uint64_t bits, rpcrt_pdu_syntax *ret);
/* Is s such a syntax? If so *ret_bits (may be NULL) gets its bitmask. */
bool rpcrt_pdu_is_btfn(const rpcrt_pdu_syntax *s, uint64_t *ret_bits);

/* ---- the common header ---- */

/* The 16-byte common header, integers in host order. Plain value. */
typedef struct rpcrt_pdu_hdr {
	uint8_t rpc_vers, rpc_vers_minor, ptype, pfc_flags;
	uint8_t drep[4];
	uint16_t frag_length, auth_length;
	uint32_t call_id;
} rpcrt_pdu_hdr;

/* ---- statuses ---- */

/* The outcome of parsing, decoding or reassembling. OK and NEED_MORE are not errors; the rest
 * say what was wrong, and rpcrt_pdu_server_verdict() says what to do about it. */
typedef enum rpcrt_pdu_status {
	RPCRT_PDU_OK = 0,
	RPCRT_PDU_NEED_MORE,            /* not enough bytes yet: read more, then call again */
	RPCRT_PDU_E_DREP_INT,           /* integers neither big- nor little-endian */
	RPCRT_PDU_E_VERSION,            /* rpc_vers != 5, or rpc_vers_minor not 0 or 1 */
	RPCRT_PDU_E_PTYPE,              /* not a connection-oriented PDU type */
	RPCRT_PDU_E_FRAG_SHORT,         /* frag_length < 16 or < the fixed part of its type */
	RPCRT_PDU_E_FRAG_LONG,          /* frag_length above RPCRT_PDU_MAX_FRAG */
	RPCRT_PDU_E_AUTH_LENGTH,        /* auth_length (with its sec_trailer) does not fit */
	RPCRT_PDU_E_DREP,               /* EBCDIC characters or non-IEEE floats */
	RPCRT_PDU_E_TRUNCATED,          /* a body's counts or lengths run past the fragment */
	RPCRT_PDU_E_NO_CONTEXTS,        /* bind or alter_context with n_context_elem 0 */
	RPCRT_PDU_E_NO_TRANSFER_SYNTAX, /* a presentation context with no transfer syntax */
	RPCRT_PDU_E_WRONG_TYPE,         /* a PDU of another type than expected */
	RPCRT_PDU_E_SEQUENCE,           /* no call, interleaved calls, PTYPE or drep changed */
	RPCRT_PDU_E_CALL_ID,            /* call_id did not increase ([MS-RPCE] 3.3.3.5.2) */
	RPCRT_PDU_E_CANCEL_FIRST,       /* PENDING_CANCEL on a first fragment */
	RPCRT_PDU_E_TOO_BIG,            /* alloc_hint or the stub data above the limit */
	RPCRT_PDU_E_NO_MEMORY,
} rpcrt_pdu_status;

/* The RPC_STATUS a caller reports for a PDU it could not use: RPC_S_OK, RPC_S_OUT_OF_MEMORY,
 * RPC_S_ACCESS_DENIED (too big) or RPC_S_PROTOCOL_ERROR. */
RPC_STATUS rpcrt_pdu_rpc_status(rpcrt_pdu_status st);

/* What a server does about a PDU it refuses. Plain value, filled by the functions below. */
typedef struct rpcrt_pdu_verdict {
	uint32_t fault_status; /* fault to send (status field), 0: no fault */
	int nak_reason;        /* >= 0: send a bind_nak with this reason instead of a fault */
	uint32_t call_id;      /* the call the fault or bind_nak belongs to */
	uint16_t p_cont_id;    /* the fault's p_cont_id */
	bool did_not_execute;  /* set PFC_DID_NOT_EXECUTE on the fault */
	bool close;            /* close the connection after sending it */
} rpcrt_pdu_verdict;

/* Server: what to do about status st for the PDU whose header is h (as parse_hdr filled it;
 * NULL when not even that was readable). OK and NEED_MORE give no fault and no close. */
void rpcrt_pdu_server_verdict(rpcrt_pdu_status st, const rpcrt_pdu_hdr *h, rpcrt_pdu_verdict *ret);

/* ---- parsing the header ---- */

/* Parses the header at p, n bytes of which have arrived, in either byte order.
 *
 * Returns NEED_MORE while n < 16 (*ret untouched) or n < frag_length (*ret filled), OK when a
 * whole acceptable fragment of frag_length bytes is at p, or an error. Everything that can be
 * judged from the 16 header bytes is judged before waiting for the rest, so a bad header is
 * refused as soon as it arrives ([MS-RPCE] 3.3.3.5.8). On errors other than E_DREP_INT, *ret is
 * filled too, because the caller needs ptype and call_id to answer (a bind with a bad version
 * gets a bind_nak). */
rpcrt_pdu_status rpcrt_pdu_parse_hdr(const uint8_t *p, size_t n, rpcrt_pdu_hdr *ret);

/* The smallest frag_length a PDU of this type and these flags can have, or 0 for a PTYPE that
 * is not connection-oriented. */
size_t rpcrt_pdu_fixed_len(uint8_t ptype, uint8_t pfc_flags);

/* ---- bodies ---- */

/* One presentation context element (p_cont_elem_t). Owner: the rpcrt_pdu_bind it is in. */
typedef struct rpcrt_pdu_ctx {
	uint16_t p_cont_id;
	uint8_t n_transfer;
	rpcrt_pdu_syntax abstract;
	const rpcrt_pdu_syntax *transfer; /* n_transfer transfer syntaxes */
} rpcrt_pdu_ctx;

/* The body of a bind or alter_context. Owner: the caller. To encode, ctx points at the
 * caller's arrays. A decoded one owns ctx and the transfer syntaxes behind it: release with
 * rpcrt_pdu_bind_free(). */
typedef struct rpcrt_pdu_bind {
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	uint8_t n_ctx;
	rpcrt_pdu_ctx *ctx;
} rpcrt_pdu_bind;

void rpcrt_pdu_bind_free(rpcrt_pdu_bind *b);

/* One p_result_t. For negotiate_ack, reason carries the BindTimeFeatureNegotiationResponse
 * bitmask and transfer is all zeros ([MS-RPCE] 3.3.1.5.3). Plain value. */
typedef struct rpcrt_pdu_result {
	uint16_t result, reason;
	rpcrt_pdu_syntax transfer;
} rpcrt_pdu_result;

/* The body of a bind_ack or alter_context_resp. Owner: the caller. sec_addr holds sec_addr_len
 * bytes (the port string with its NUL; 0 and NULL for none, as in an alter_context_resp); a
 * decoded one points into the PDU it was decoded from. To encode, results points at the
 * caller's array; a decoded one owns it: release with rpcrt_pdu_bind_ack_free(). */
typedef struct rpcrt_pdu_bind_ack {
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	uint16_t sec_addr_len;
	const char *sec_addr;
	uint8_t n_results;
	rpcrt_pdu_result *results;
} rpcrt_pdu_bind_ack;

void rpcrt_pdu_bind_ack_free(rpcrt_pdu_bind_ack *a);

/* The body of a bind_nak: the reason, then p_rt_versions_supported_t (n_protocols u8, then
 * major/minor octet pairs; [MS-RPCE] 2.2.1.1.6, 2.2.2.9). Plain value. */
typedef struct rpcrt_pdu_bind_nak {
	uint16_t reason;
	uint8_t n_versions;
	uint8_t versions[255][2]; /* [i][0] major, [i][1] minor */
} rpcrt_pdu_bind_nak;

/* The body of a request. Owner: the caller; stub points at the caller's bytes (encoding) or
 * into the PDU (decoding). A decoded stub excludes the auth padding, sec_trailer and auth
 * value when auth_length is not 0. */
typedef struct rpcrt_pdu_request {
	uint32_t alloc_hint;
	uint16_t p_cont_id, opnum;
	bool has_object; /* PFC_OBJECT_UUID: object is on the wire */
	UUID object;
	const uint8_t *stub;
	size_t stub_len;
} rpcrt_pdu_request;

/* The body of a response. Same ownership as rpcrt_pdu_request. */
typedef struct rpcrt_pdu_response {
	uint32_t alloc_hint;
	uint16_t p_cont_id;
	uint8_t cancel_count;
	const uint8_t *stub;
	size_t stub_len;
} rpcrt_pdu_response;

/* The body of a fault. Stub data after it is ignored ([MS-RPCE] 2.2.2.8). Plain value. */
typedef struct rpcrt_pdu_fault {
	uint32_t alloc_hint; /* Samba sends 24 (what raw_protocol.py checks against Windows) */
	uint16_t p_cont_id;
	uint8_t cancel_count;
	uint8_t flags; /* MS: 0x01 extended error information present */
	uint32_t status;
} rpcrt_pdu_fault;

/* Decoders. p points at a whole fragment whose header h came from rpcrt_pdu_parse_hdr() with
 * OK (so h->frag_length bytes are readable). Every count is checked against the bytes before
 * the auth trailer (if any) before anything is read. They return OK, E_WRONG_TYPE,
 * E_TRUNCATED, E_AUTH_LENGTH, E_NO_MEMORY, and for bind and alter_context E_NO_CONTEXTS and
 * E_NO_TRANSFER_SYNTAX (so that a server can bind_nak). *ret is written only on OK. */
rpcrt_pdu_status rpcrt_pdu_decode_bind(const rpcrt_pdu_hdr *h, const uint8_t *p,
				       rpcrt_pdu_bind *ret);
rpcrt_pdu_status rpcrt_pdu_decode_bind_ack(const rpcrt_pdu_hdr *h, const uint8_t *p,
					   rpcrt_pdu_bind_ack *ret);
rpcrt_pdu_status rpcrt_pdu_decode_bind_nak(const rpcrt_pdu_hdr *h, const uint8_t *p,
					   rpcrt_pdu_bind_nak *ret);
rpcrt_pdu_status rpcrt_pdu_decode_request(const rpcrt_pdu_hdr *h, const uint8_t *p,
					  rpcrt_pdu_request *ret);
rpcrt_pdu_status rpcrt_pdu_decode_response(const rpcrt_pdu_hdr *h, const uint8_t *p,
					   rpcrt_pdu_response *ret);
rpcrt_pdu_status rpcrt_pdu_decode_fault(const rpcrt_pdu_hdr *h, const uint8_t *p,
					rpcrt_pdu_fault *ret);

/* ---- encoders ---- */

/* Each appends one PDU to out: little-endian, auth_length 0, the given call_id, and
 * pfc_flags | FIRST_FRAG | LAST_FRAG. They return RPC_S_OK, RPC_S_OUT_OF_MEMORY, or
 * RPC_S_INVALID_ARG when the PDU would not fit in 65535 bytes or an argument is unusable; on
 * failure out->len is unchanged. */
RPC_STATUS rpcrt_pdu_encode_bind(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				 const rpcrt_pdu_bind *b);
RPC_STATUS rpcrt_pdu_encode_alter_context(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
					  const rpcrt_pdu_bind *b);
RPC_STATUS rpcrt_pdu_encode_bind_ack(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				     const rpcrt_pdu_bind_ack *a);
RPC_STATUS rpcrt_pdu_encode_alter_context_resp(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
					       const rpcrt_pdu_bind_ack *a);
/* The versions list is followed by zeros up to a multiple of 4 octets, as Samba sends it. */
RPC_STATUS rpcrt_pdu_encode_bind_nak(rpcrt_buf *out, uint32_t call_id, const rpcrt_pdu_bind_nak *n);
/* Refuses status 0, which a fault must never carry ([MS-RPCE] 3.3.3.5.1). Put
 * RPCRT_PFC_DID_NOT_EXECUTE in pfc_flags when the manager was not entered. */
RPC_STATUS rpcrt_pdu_encode_fault(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				  const rpcrt_pdu_fault *f);
RPC_STATUS rpcrt_pdu_encode_shutdown(rpcrt_buf *out, uint32_t call_id);
RPC_STATUS rpcrt_pdu_encode_co_cancel(rpcrt_buf *out, uint32_t call_id);
RPC_STATUS rpcrt_pdu_encode_orphaned(rpcrt_buf *out, uint32_t call_id);

/* One request or response fragment exactly as described: pfc_flags are used as given (add
 * FIRST_FRAG and LAST_FRAG yourself), except that PFC_OBJECT_UUID follows rq->has_object. */
RPC_STATUS rpcrt_pdu_encode_request(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				    const rpcrt_pdu_request *rq);
RPC_STATUS rpcrt_pdu_encode_response(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
				     const rpcrt_pdu_response *rs);

/* Splits a call's stub data into fragments of at most max_frag bytes and appends them all:
 * each is the header, the body header and a chunk of stub whose length is a multiple of 8
 * except in the last fragment. C706 pads every PDU header to a multiple of 8 so that stub data
 * "will always begin with 0 MOD 8 alignment" (chapter 12, Encoding Conventions, Alignment);
 * chunks that are multiples of 8 keep each fragment's stub at the same alignment in the
 * reassembled stream, which NDR alignment is relative to. Neither C706 nor [MS-RPCE] states
 * the rule for chunks in so many words; Samba rounds them down to 16, the sec_trailer
 * alignment of [MS-RPCE] 2.2.2.11, which authenticated calls will need. FIRST_FRAG is set on
 * the first fragment, LAST_FRAG on the last (both on a single one, also for empty stub data),
 * and pfc_flags on every one. alloc_hint is the stub length that remains from each fragment's
 * own chunk on ([MS-RPCE] 2.2.2.6); the alloc_hint of rq/rs is ignored. A request carries its
 * object UUID in every fragment. RPC_S_INVALID_ARG if max_frag leaves less than 8 bytes of
 * stub per fragment. */
RPC_STATUS rpcrt_pdu_encode_request_frags(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
					  const rpcrt_pdu_request *rq, uint16_t max_frag);
RPC_STATUS rpcrt_pdu_encode_response_frags(rpcrt_buf *out, uint32_t call_id, uint8_t pfc_flags,
					   const rpcrt_pdu_response *rs, uint16_t max_frag);

/* The fragment size a server settles on for both directions after a bind offering
 * client_max_xmit / client_max_recv, when it can receive our_max_recv:
 * min(max(2048, min(client_max_xmit, client_max_recv)), our_max_recv), rounded down to a
 * multiple of 8. This is Samba's dcesrv_bind() rule, which it tested against Windows 2012R2
 * ("max_recv_frag and max_xmit_frag result always in the same value"). */
uint16_t rpcrt_pdu_negotiate_frag(uint16_t client_max_xmit, uint16_t client_max_recv,
				  uint16_t our_max_recv);

/* ---- reassembly ---- */

/* A reassembled call: the stub data of all its fragments and the values of its first
 * fragment. Owner: the caller after rpcrt_pdu_reasm_feed() returned OK; release stub with
 * rpcrt_buf_free(). */
typedef struct rpcrt_pdu_call {
	uint32_t call_id;
	uint8_t drep[4];
	uint8_t first_flags; /* pfc_flags of the first fragment */
	bool cancel_pending; /* a later fragment carried PFC_PENDING_CANCEL */
	uint16_t p_cont_id, opnum;
	bool has_object;
	UUID object;
	rpcrt_buf stub;
} rpcrt_pdu_call;

/* The incoming request fragments (server) or response fragments (client) of one connection,
 * one call at a time: a client sends every fragment of request N before any of request N+1
 * ([MS-RPCE] 3.3.1.5.8), with or without PFC_CONC_MPX. Owner: the connection; release with
 * rpcrt_pdu_reasm_free(). Set conc_mpx once it is negotiated; the other settings may be
 * changed between calls. */
typedef struct rpcrt_pdu_reasm {
	uint8_t ptype;      /* RPCRT_PTYPE_REQUEST or RPCRT_PTYPE_RESPONSE */
	uint32_t max_total; /* largest reassembled stub accepted (MaxRpcSize) */
	bool conc_mpx;      /* PFC_CONC_MPX was negotiated on this connection */
	bool check_call_id; /* a new call's call_id must exceed the last one's */
	bool active;        /* a call is being reassembled */
	bool have_last_id;
	uint32_t last_call_id;
	uint32_t total; /* stub bytes of the call so far (<= max_total) */
	rpcrt_pdu_call call;
} rpcrt_pdu_reasm;

/* ptype: RPCRT_PTYPE_REQUEST (server: call_id check and PENDING_CANCEL check on) or
 * RPCRT_PTYPE_RESPONSE (client). */
void rpcrt_pdu_reasm_init(rpcrt_pdu_reasm *r, uint8_t ptype, uint32_t max_total);
/* Drops the call being reassembled, if any (on a fault from the peer, a cancel, a close). */
void rpcrt_pdu_reasm_reset(rpcrt_pdu_reasm *r);
void rpcrt_pdu_reasm_free(rpcrt_pdu_reasm *r);

/* Feeds one whole fragment (h from rpcrt_pdu_parse_hdr() with OK, p its h->frag_length
 * bytes, already verified by the security layer if any). Only PDUs of r->ptype belong here:
 * the caller handles the others (bind, alter_context, auth3, co_cancel, orphaned; Samba merely
 * notes a co_cancel or orphaned for a call still being reassembled).
 *
 * Returns NEED_MORE (more fragments to come), OK (the call is complete: *ret_call now owns its
 * stub data) or an error, with *ret_verdict saying which fault to send on which call and that
 * the connection is to be closed; the call in progress is then dropped. *ret_verdict is also
 * cleared on NEED_MORE and OK.
 *
 * The checks, in the order Samba's dcesrv_process_ncacn_packet() makes them:
 * - a first fragment while another call is being reassembled: proto error on the *old* call
 *   without CONC_MPX (Samba's test_mix_requests), on the new one with it;
 * - a first fragment whose call_id does not exceed the previous call's (check_call_id);
 * - PENDING_CANCEL on a first fragment: fault RPC_S_NO_CALL_ACTIVE (0x6BD), did-not-execute;
 * - alloc_hint of a first fragment that is not also the last above max_total: fault 5 (access
 *   denied) at once, before anything is allocated ([MS-RPCE] 3.3.3.5.4);
 * - a continuation with no call, or with another call_id: proto error;
 * - a continuation with another PTYPE or packed_drep than the first fragment: proto error;
 * - the running total above max_total: fault 5 on the fragment that crosses it, not at the last
 *   ([MS-RPCE] 3.3.3.5.8); the sum is computed in 64 bits.
 * alloc_hint is never used to size memory (the buffer grows with the data received, never past
 * max_total), and only a first fragment's alloc_hint is checked, because clients disagree on
 * what continuations carry ([MS-RPCE] 2.2.2.6: the bytes remaining; impacket: the total). A continuation's
 * opnum, p_cont_id and object UUID are ignored: the call keeps its first fragment's values, as
 * in Samba, so it can never be dispatched with mixed values. */
rpcrt_pdu_status rpcrt_pdu_reasm_feed(rpcrt_pdu_reasm *r, const rpcrt_pdu_hdr *h, const uint8_t *p,
				      rpcrt_pdu_call *ret_call, rpcrt_pdu_verdict *ret_verdict);

/* total + add, if it stays <= max: the overflow-safe sum behind the limit above. */
bool rpcrt_pdu_total_add(uint32_t total, uint64_t add, uint32_t max, uint32_t *ret);

#endif
