/* A raw DCE/RPC peer of the in-process server, shared by the server tests (test_server.c,
 * test_server_async.c, test_server_limits.c, test_alloc_fail.c): a blocking client socket with
 * I/O timeouts, whole writes and reads, one PDU at a time, and the bind of ndrtest. The tests
 * build the rest of their PDUs with runtime/pdu.h, so that every byte can be chosen and every
 * answer checked. Header-only (static inline), so that each runner takes what it uses. */
#ifndef RIDL_PDU_PEER_H
#define RIDL_PDU_PEER_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ndrtest.h"
#include "pdu.h"
#include "transport.h"

/* The receive and send timeouts of a client socket, in seconds: every wait on one is bounded. */
#define IO_TIMEOUT_S 5

/* A blocking client socket with I/O timeouts, to 127.0.0.1 port ep (tcp) or ncalrpc ep. */
static inline int
cli_connect(bool tcp, const char *ep)
{
	int fd = -1;
	RPC_STATUS st = tcp ? rpcrt_tcp_connect("127.0.0.1", ep, 5000, &fd)
			    : rpcrt_unix_connect(ep, 5000, &fd);
	ck_assert_int_eq(st, RPC_S_OK);
	int fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK), 0);
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends everything; false when the peer is gone (never SIGPIPE: MSG_NOSIGNAL). */
static inline bool
send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads exactly len bytes; false on end of stream, a reset or the timeout. */
static inline bool
recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* One PDU into b (replacing its contents), its header into h. False on end of stream, a reset
 * or the timeout. */
static inline bool
recv_pdu(int fd, rpcrt_buf *b, rpcrt_pdu_hdr *h)
{
	uint8_t hdr[RPCRT_PDU_HDR_LEN];
	if (!recv_all(fd, hdr, sizeof(hdr)))
		return false;
	uint16_t len = (uint16_t)(hdr[8] | hdr[9] << 8);
	ck_assert_uint_ge(len, RPCRT_PDU_HDR_LEN);
	if (b->cap < len) {
		b->data = realloc(b->data, len);
		b->cap = len;
	}
	memcpy(b->data, hdr, sizeof(hdr));
	if (!recv_all(fd, b->data + sizeof(hdr), len - sizeof(hdr)))
		return false;
	b->len = len;
	ck_assert_int_eq(rpcrt_pdu_parse_hdr(b->data, b->len, h), RPCRT_PDU_OK);
	return true;
}

/* Appends the stub data of a response fragment to stub (reassembling a reply). */
static inline void
stub_append(rpcrt_buf *stub, const rpcrt_pdu_response *rs)
{
	size_t need = stub->len + rs->stub_len;
	if (need > stub->cap) {
		stub->data = realloc(stub->data, need);
		stub->cap = need;
	}
	memcpy(stub->data + stub->len, rs->stub, rs->stub_len);
	stub->len = need;
}

/* Sends a bind (call 1, pfc_flags flags) of context 0 to ndrtest over NDR 2.0, offering
 * fragments of max_frag bytes both ways, and reads the answer, which must be a bind_ack, into
 * b (empty on entry; the caller frees it), its header into h. */
static inline void
bind_ndrtest_raw(int fd, uint8_t flags, uint16_t max_frag, rpcrt_buf *b, rpcrt_pdu_hdr *h)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	rpcrt_pdu_ctx ctx = { .p_cont_id = 0,
			      .n_transfer = 1,
			      .abstract = { itf->uuid, itf->ver_major, itf->ver_minor },
			      .transfer = &rpcrt_pdu_ndr20 };
	rpcrt_pdu_bind bind = {
		.max_xmit_frag = max_frag, .max_recv_frag = max_frag, .n_ctx = 1, .ctx = &ctx
	};
	ck_assert_int_eq(rpcrt_pdu_encode_bind(b, 1, flags, &bind), RPC_S_OK);
	ck_assert(send_all(fd, b->data, b->len));
	ck_assert(recv_pdu(fd, b, h));
	ck_assert_uint_eq(h->ptype, RPCRT_PTYPE_BIND_ACK);
}

#endif
