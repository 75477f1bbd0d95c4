/* Shared by the tests that call the procedures of ndrtest.idl through their client tables
 * (tests/unit/test_server*.c, test_alloc_fail.c, test_ndr_golden.c, tests/fuzz/fuzz_server.c,
 * gen_server_seeds.c): the opnums, a procedure's client tables, and the arguments of a Scalars
 * call. Header-only (static inline), so that each program takes what it uses. */
#ifndef RIDL_NDRTEST_CALLS_H
#define RIDL_NDRTEST_CALLS_H

#include <stdint.h>
#include <string.h>

#include "ndrtest.h"
#include "rpcstub.h"

/* The procedures of ndrtest.idl, in the order it declares them. */
enum {
	OP_SCALARS,
	OP_STRUCTS,
	OP_CONFORMANT,
	OP_ARRAYS,
	OP_STRINGS,
	OP_POINTERS,
	OP_OUTPOINTERS,
	OP_UNIONS,
	OP_RANGES,
	OP_ITEMS,
	OP_CORREXPR,
	OP_EXTRA,
	OP_COUNT
};

/* The client tables of a procedure (for marshalling requests and unmarshalling replies). */
static inline const ridl_proc *
P(unsigned opnum)
{
	return ((const ridl_interface *)ndrtest_v1_0_c_ifspec)->procs[opnum];
}

/* The arguments of a Scalars call, the [out] sum and the return value; args holds the
 * addresses of the parameters (scalars_init). */
struct scalars {
	int8_t a;
	int16_t b;
	int32_t c;
	int64_t d;
	float e;
	double f;
	uint8_t g, h;
	uint16_t i;
	error_status_t j;
	color16 k;
	color32 m;
	uint16_t us;
	uint64_t uh;
	int64_t sum, *psum;
	int32_t ret;
	void *args[15];
};

/* The arguments a, b and c (the ones tests choose), the rest fixed. */
static inline void
scalars_init(struct scalars *s, int8_t a, int16_t b, int32_t c)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
	s->b = b;
	s->c = c;
	s->d = 1ll << 40;
	s->e = 2.5f;
	s->f = -7.75;
	s->g = 1;
	s->h = 200;
	s->i = 0x263a;
	s->j = 5;
	s->k = GREEN;
	s->m = BIG;
	s->us = 65000;
	s->uh = 1ull << 50;
	s->psum = &s->sum;
	void *v[15] = { &s->a, &s->b, &s->c, &s->d, &s->e,  &s->f,  &s->g,   &s->h,
			&s->i, &s->j, &s->k, &s->m, &s->us, &s->uh, &s->psum };
	memcpy(s->args, v, sizeof(v));
}

#endif
