/* libFuzzer target: the NDR unmarshaller, driven by the tables of tests/ndr/ndrtest.idl.
 *
 * Input: byte 0 selects the procedure (modulo their number); byte 1 bit 0 the direction
 * (0: a request as the server reads it, 1: a response as the client reads it) and bit 1 the
 * byte order (1: big-endian); the rest is stub data. Whatever is accepted is marshalled again,
 * which must succeed, and the new bytes must read back to the same bytes (Samba's fuzzers do
 * the same push-after-pull), then freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndr.h"
#include "ndrtest.h"

#define CLIENT_BUF 65536

static void
fail(const char *what)
{
	/* A crash the fuzzer reports, with a name in the stack. */
	(void)what;
	abort();
}

static void
server_side(const ridl_proc *p, const uint8_t *data, size_t len, uint8_t drep)
{
	rpcrt_arena a;
	rpcrt_arena_init(&a);
	rpcrt_frame f;
	if (rpcrt_ndr_unmarshal_request(p, data, len, drep, &a, NULL, &f) == RPC_S_OK) {
		rpcrt_buf b1 = {0}, b2 = {0};
		if (rpcrt_ndr_marshal_request(p, f.args, &b1) != RPC_S_OK)
			fail("accepted request does not marshal again");
		rpcrt_arena a2;
		rpcrt_arena_init(&a2);
		rpcrt_frame f2;
		if (rpcrt_ndr_unmarshal_request(p, b1.data, b1.len, RPCRT_DREP_LE, &a2, NULL, &f2) != RPC_S_OK)
			fail("re-marshalled request is refused");
		if (rpcrt_ndr_marshal_request(p, f2.args, &b2) != RPC_S_OK || b1.len != b2.len ||
		    memcmp(b1.data, b2.data, b1.len) != 0)
			fail("marshalling is not stable");
		/* The response from whatever the frame holds ([out]s zeroed) must not crash. */
		rpcrt_buf r = {0};
		(void)rpcrt_ndr_marshal_response(p, f.args, f.ret, &r);
		rpcrt_ndr_free_frame(p, &f, &a);
		rpcrt_buf_free(&r);
		rpcrt_buf_free(&b1);
		rpcrt_buf_free(&b2);
		rpcrt_arena_release(&a2);
	}
	rpcrt_arena_release(&a);
}

static void
client_side(const ridl_proc *p, const uint8_t *data, size_t len, uint8_t drep)
{
	/* The caller's variables: zero [in]s, and a zeroed buffer behind every pointer. */
	void *args[64] = {0};
	void *slots[64] = {0};
	void *bufs[64] = {0};
	uint8_t ret[64] = {0};
	if (p->nparams > 64)
		return;
	for (unsigned i = 0; i < p->nparams; i++) {
		slots[i] = calloc(1, 64);
		args[i] = slots[i];
		if (p->params[i].type->kind == RIDL_K_POINTER) {
			bufs[i] = calloc(1, CLIENT_BUF);
			memcpy(slots[i], &bufs[i], sizeof(void *));
		}
	}
	if (rpcrt_ndr_unmarshal_response(p, data, len, drep, NULL, args, ret) == RPC_S_OK)
		rpcrt_ndr_free_response(p, args);
	for (unsigned i = 0; i < p->nparams; i++) {
		free(bufs[i]);
		free(slots[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	if (size < 2 || rpcrt_ndr_check_interface(itf) != RPC_S_OK)
		return 0;
	const ridl_proc *p = itf->procs[data[0] % itf->nprocs];
	uint8_t drep = (data[1] & 2) ? RPCRT_DREP_BE : RPCRT_DREP_LE;
	/* An exact-size copy, so that any over-read is caught. */
	size_t len = size - 2;
	uint8_t *stub = malloc(len ? len : 1);
	memcpy(stub, data + 2, len);
	if (data[1] & 1)
		client_side(p, stub, len, drep);
	else
		server_side(p, stub, len, drep);
	free(stub);
	return 0;
}
