/* The NDR engine built for a 32-bit target (gcc -m32, run-m32.sh): counts whose byte sizes
 * overflow 32 bits must be refused, not truncated (security-tests.md T3; the class of
 * CVE-2022-26809), and ordinary calls must still round-trip. TAP on stdout; no Check, so that
 * nothing but the C library is needed for the 32-bit build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr.h"
#include "ndrtest.h"

static int n_test, failed;

/* The generated client file also has stub functions, which call these; this program links only
 * the NDR engine and calls no stub. */
void RPC_ENTRY
ridl_client_call(const ridl_interface *itf, uint32_t opnum, void **args, void *ret)
{
	(void)itf, (void)opnum, (void)args, (void)ret;
	abort();
}

void RPC_ENTRY
ridl_client_call_async(const ridl_interface *itf, uint32_t opnum, PRPC_ASYNC_STATE pAsync, void **args)
{
	(void)itf, (void)opnum, (void)pAsync, (void)args;
	abort();
}

static void
ok(int cond, const char *what)
{
	printf("%s %d - %s\n", cond ? "ok" : "not ok", ++n_test, what);
	failed |= !cond;
}

static const ridl_proc *
P(unsigned opnum)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	return itf->procs[opnum];
}

static void
put32(uint8_t *b, size_t *n, uint32_t v)
{
	while (*n % 4)
		b[(*n)++] = 0;
	memcpy(b + *n, &v, 4);
	*n += 4;
}

static RPC_STATUS
server(unsigned opnum, const uint8_t *data, size_t len, size_t *arena_bytes)
{
	rpcrt_arena a;
	rpcrt_arena_init(&a);
	rpcrt_frame f;
	RPC_STATUS st = rpcrt_ndr_unmarshal_request(P(opnum), data, len, RPCRT_DREP_LE, &a, NULL, &f);
	*arena_bytes = a.total;
	rpcrt_arena_release(&a);
	return st;
}

int
main(void)
{
	printf("1..8\n");
	ok(sizeof(void *) == 4 && sizeof(size_t) == 4, "a 32-bit build");

	/* Arrays (opnum 3): n, then ca's max_count, then one element. */
	static const uint32_t huge[] = {0x40000001u, 0x80000000u, 0xffffffffu};
	for (unsigned i = 0; i < 3; i++) {
		uint8_t b[64];
		size_t n = 0, total;
		put32(b, &n, huge[i]);
		put32(b, &n, huge[i]);
		put32(b, &n, 7);
		RPC_STATUS st = server(3, b, n, &total);
		char what[96];
		snprintf(what, sizeof(what), "max_count 0x%08x: RPC_X_BAD_STUB_DATA, nothing big allocated",
			 (unsigned)huge[i]);
		ok(st == RPC_X_BAD_STUB_DATA && total < 65536, what);
	}

	/* OutPointers (opnum 6): [out, size_is(n)] long *filled with n * 4 beyond 32 bits. */
	{
		uint8_t b[8];
		size_t n = 0, total;
		put32(b, &n, 0x40000001u);
		ok(server(6, b, n, &total) == RPC_X_BAD_STUB_DATA && total < 65536,
		   "[out] size_is(0x40000001) long: refused, not a 4-byte buffer");
	}

	/* Conformant (opnum 2): a conformant struct whose hoisted max_count overflows. */
	{
		uint8_t b[16];
		size_t n = 0, total;
		put32(b, &n, 0x40000001u);
		put32(b, &n, 0x40000001u);
		ok(server(2, b, n, &total) == RPC_X_BAD_STUB_DATA && total < 65536,
		   "conformant struct with max_count 0x40000001: refused");
	}

	/* Items (opnum 9) round trip. */
	{
		int32_t o = 3, n = 2;
		item items[2] = {{1, "one", &o}, {2, NULL, NULL}};
		item *pi = items;
		void *args[] = {&n, &pi};
		rpcrt_buf w = {0};
		RPC_STATUS st = rpcrt_ndr_marshal_request(P(9), args, &w);
		rpcrt_arena a;
		rpcrt_arena_init(&a);
		rpcrt_frame f;
		if (st == RPC_S_OK)
			st = rpcrt_ndr_unmarshal_request(P(9), w.data, w.len, RPCRT_DREP_LE, &a, NULL, &f);
		item *si = st == RPC_S_OK ? *(item **)f.args[1] : NULL;
		ok(si && si[0].id == 1 && strcmp(si[0].name, "one") == 0 && *si[0].opt == 3 && !si[1].name,
		   "Items round trip");
		rpcrt_arena_release(&a);
		rpcrt_buf_free(&w);
	}

	/* Unions (opnum 7) round trip through a plan. */
	{
		int32_t k = 2;
		numu u = {0};
		u.d = 0.5;
		encu e = {0};
		e.kind = 1;
		e.u.l = -4;
		holder h = {0};
		h.kind = 3;
		h.u.s = (simple){1, 2, 3};
		numu *pu = &u;
		encu *pe = &e;
		holder *ph = &h;
		void *args[] = {&k, &pu, &pe, &ph};
		rpcrt_buf w = {0};
		RPC_STATUS st = rpcrt_ndr_marshal_request(P(7), args, &w);
		rpcrt_arena a;
		rpcrt_arena_init(&a);
		rpcrt_frame f;
		if (st == RPC_S_OK)
			st = rpcrt_ndr_unmarshal_request(P(7), w.data, w.len, RPCRT_DREP_LE, &a, NULL, &f);
		holder *sh = st == RPC_S_OK ? *(holder **)f.args[3] : NULL;
		ok(sh && sh->u.s.h == 3 && (*(encu **)f.args[2])->u.l == -4, "Unions round trip");
		rpcrt_arena_release(&a);
		rpcrt_buf_free(&w);
	}
	return failed;
}
