/* Manager routines called through libffi (runtime/ffi_call.c): hand-written descriptor tables
 * as ridl would generate them, real C functions as managers. Each test checks the values the
 * manager received and the bytes written for its return value, including that nothing is
 * written past a small return slot; and the descriptors that are refused, with their exact
 * statuses. */
#include <check.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "ffi_call.h"

/* ---- descriptors ---- */

#define SCALAR(k, ctype)                                                                           \
	{                                                                                          \
		.kind = (k), .wire_align = sizeof(ctype), .mem_align = _Alignof(ctype),            \
		.flags = RIDL_TF_BLITTABLE, .mem_size = sizeof(ctype), .wire_size = sizeof(ctype), \
	}
#define POINTER(to)                                                                                \
	{                                                                                          \
		.kind = RIDL_K_POINTER, .wire_align = 4, .mem_align = _Alignof(void *),            \
		.flags = RIDL_TF_HAS_POINTERS, .mem_size = sizeof(void *), .wire_size = 4,         \
		.u.ptr = { (to), RIDL_PTR_REF, 0 },                                                \
	}
#define ARRAY(elem, ctype, n)                                                                      \
	{                                                                                          \
		.kind = RIDL_K_ARRAY, .wire_align = _Alignof(ctype), .mem_align = _Alignof(ctype), \
		.mem_size = sizeof(ctype) * (n), .u.arr = { (elem), (n), NULL, NULL, NULL },       \
	}
#define STRUCT(ctype, members)                                                                     \
	{                                                                                          \
		.kind = RIDL_K_STRUCT, .wire_align = 8, .mem_align = _Alignof(ctype),              \
		.mem_size = sizeof(ctype), .u.st = { (members), NELEM(members) },                  \
	}
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PROC(params, flags, ret)                                                                   \
	{                                                                                          \
		RIDL_MAGIC_PROC, sizeof(ridl_proc), #params, 0, NELEM(params), (flags), (params),  \
			(ret)                                                                      \
	}
#define PROC0(name, flags, ret)                                                                    \
	{                                                                                          \
		RIDL_MAGIC_PROC, sizeof(ridl_proc), name, 0, 0, (flags), NULL, (ret)               \
	}
#define IN(t)                                                                                      \
	{                                                                                          \
		(t), RIDL_PF_IN, #t                                                                \
	}
#define OUT(t)                                                                                     \
	{                                                                                          \
		(t), RIDL_PF_OUT, #t                                                               \
	}

enum color { RED, GREEN = 7, BLUE = 0x7fff };

static const ridl_type t_i8 = SCALAR(RIDL_K_INT8, int8_t);
static const ridl_type t_u8 = SCALAR(RIDL_K_UINT8, uint8_t);
static const ridl_type t_char = SCALAR(RIDL_K_UINT8, char);
static const ridl_type t_i16 = SCALAR(RIDL_K_INT16, int16_t);
static const ridl_type t_u16 = SCALAR(RIDL_K_UINT16, uint16_t);
static const ridl_type t_i32 = SCALAR(RIDL_K_INT32, int32_t);
static const ridl_type t_u32 = SCALAR(RIDL_K_UINT32, uint32_t);
static const ridl_type t_i64 = SCALAR(RIDL_K_INT64, int64_t);
static const ridl_type t_u64 = SCALAR(RIDL_K_UINT64, uint64_t);
static const ridl_type t_float = SCALAR(RIDL_K_FLOAT, float);
static const ridl_type t_double = SCALAR(RIDL_K_DOUBLE, double);
static const ridl_type t_enum16 = {
	.kind = RIDL_K_ENUM16,
	.wire_align = 2,
	.mem_align = _Alignof(enum color),
	.mem_size = sizeof(enum color),
	.wire_size = 2,
};
static const ridl_type t_enum32 = {
	.kind = RIDL_K_ENUM32,
	.wire_align = 4,
	.mem_align = _Alignof(enum color),
	.mem_size = sizeof(enum color),
	.wire_size = 4,
};
static const ridl_type t_handle = {
	.kind = RIDL_K_HANDLE,
	.mem_align = _Alignof(handle_t),
	.mem_size = sizeof(handle_t),
};
static const ridl_type t_pi32 = POINTER(&t_i32);
static const ridl_type t_pi64 = POINTER(&t_i64);
static const ridl_type t_pu32 = POINTER(&t_u32);

/* {short; long; hyper} */
struct s1 {
	int16_t a;
	int32_t b;
	int64_t c;
};
static const ridl_member s1_members[] = {
	{ offsetof(struct s1, a), &t_i16, "a" },
	{ offsetof(struct s1, b), &t_i32, "b" },
	{ offsetof(struct s1, c), &t_i64, "c" },
};
static const ridl_type t_s1 = STRUCT(struct s1, s1_members);

/* {char; double} */
struct s2 {
	char c;
	double d;
};
static const ridl_member s2_members[] = {
	{ offsetof(struct s2, c), &t_char, "c" },
	{ offsetof(struct s2, d), &t_double, "d" },
};
static const ridl_type t_s2 = STRUCT(struct s2, s2_members);

/* A fixed array of floats and an int: floating-point and integer halves in one eightbyte. */
struct s3 {
	float v[3];
	int32_t k;
};
static const ridl_type t_f3 = ARRAY(&t_float, float, 3);
static const ridl_member s3_members[] = {
	{ offsetof(struct s3, v), &t_f3, "v" },
	{ offsetof(struct s3, k), &t_i32, "k" },
};
static const ridl_type t_s3 = STRUCT(struct s3, s3_members);

/* A nested struct and a two-dimensional array (24 bytes: passed in memory on x86-64). */
struct s4 {
	struct s2 in;
	int16_t n;
	uint8_t tag[2][3];
};
static const ridl_type t_u8x3 = ARRAY(&t_u8, uint8_t, 3);
static const ridl_type t_u8x2x3 = {
	.kind = RIDL_K_ARRAY,
	.wire_align = 1,
	.mem_align = 1,
	.mem_size = 6,
	.u.arr = { &t_u8x3, 2, NULL, NULL, NULL },
};
static const ridl_member s4_members[] = {
	{ offsetof(struct s4, in), &t_s2, "in" },
	{ offsetof(struct s4, n), &t_i16, "n" },
	{ offsetof(struct s4, tag), &t_u8x2x3, "tag" },
};
static const ridl_type t_s4 = STRUCT(struct s4, s4_members);

/* Larger than any register return: the callee writes through the caller's slot. */
struct s5 {
	int64_t v[10];
};
static const ridl_type t_i64x10 = ARRAY(&t_i64, int64_t, 10);
static const ridl_member s5_members[] = {
	{ offsetof(struct s5, v), &t_i64x10, "v" },
};
static const ridl_type t_s5 = STRUCT(struct s5, s5_members);

/* A non-encapsulated union of integers (16 bytes, aligned to 8). */
union u1 {
	int32_t a;
	int8_t b;
	int64_t c;
	uint16_t d[5];
};
static const ridl_type t_u16x5 = ARRAY(&t_u16, uint16_t, 5);
static const ridl_arm u1_arms[] = {
	{ 1, &t_i32 }, { 2, &t_i8 }, { 3, &t_i64 }, { 4, &t_u16x5 }, { 5, NULL },
};
static const ridl_type t_u1 = {
	.kind = RIDL_K_UNION,
	.wire_align = 8,
	.mem_align = _Alignof(union u1),
	.mem_size = sizeof(union u1),
	.u.un = { .arms = u1_arms, .narms = NELEM(u1_arms), .disc_kind = RIDL_K_INT16 },
};

/* An encapsulated union: the C struct of discriminant and union. */
struct eu {
	int16_t disc;
	union {
		int32_t a;
		int64_t b;
	} u;
};
static const ridl_arm eu_arms[] = { { 1, &t_i32 }, { 2, &t_i64 } };
static const ridl_type t_eu = {
	.kind = RIDL_K_UNION,
	.wire_align = 8,
	.mem_align = _Alignof(struct eu),
	.flags = RIDL_TF_ENCAPSULATED,
	.mem_size = sizeof(struct eu),
	.u.un = { .arms = eu_arms,
		  .narms = NELEM(eu_arms),
		  .arm_offset = offsetof(struct eu, u),
		  .disc_kind = RIDL_K_INT16 },
};

/* ---- helpers ---- */

#define FN(f) ((void (*)(void))(f))

/* Prepares proc, calls fn once, frees. */
static void
call(const ridl_proc *proc, void (*fn)(void), void *async, void **args, void *ret)
{
	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(proc, &f), RPC_S_OK);
	rpcrt_ffi_invoke(&f, fn, async, args, ret);
	rpcrt_ffi_free(&f);
}

#define CANARY 0xA5

/* Are the n bytes at p all CANARY? */
static void
assert_canary(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(b[i] == CANARY, "byte %zu after the return slot was written", i);
}

/* Calls proc's manager fn (no parameters) with a return slot followed by canary bytes, checks
 * that exactly `size` bytes equal to *want were written. */
static void
check_return(const ridl_proc *proc, void (*fn)(void), const void *want, size_t size)
{
	unsigned char slot[128];
	ck_assert_uint_le(size, sizeof(slot) - 16);
	memset(slot, CANARY, sizeof(slot));
	call(proc, fn, NULL, NULL, slot);
	ck_assert_mem_eq(slot, want, size);
	assert_canary(slot + size, sizeof(slot) - size);
}

/* Fills *f with a pattern, expects rpcrt_ffi_prepare to fail with want and leave it as it was. */
static void
refuse(const ridl_proc *proc, RPC_STATUS want)
{
	rpcrt_ffi_proc f, before;
	memset(&f, 0x5a, sizeof(f));
	memcpy(&before, &f, sizeof(f));
	ck_assert_int_eq(rpcrt_ffi_prepare(proc, &f), want);
	ck_assert_mem_eq(&f, &before, sizeof(f));
}

/* ---- integer parameters ---- */

static struct {
	int8_t a;
	uint8_t b;
	int16_t c;
	uint16_t d;
	int32_t e;
	uint32_t f;
	int64_t g;
	uint64_t h;
	int calls;
} got_ints;

static void
m_ints(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g, uint64_t h)
{
	got_ints.a = a;
	got_ints.b = b;
	got_ints.c = c;
	got_ints.d = d;
	got_ints.e = e;
	got_ints.f = f;
	got_ints.g = g;
	got_ints.h = h;
	got_ints.calls++;
}

static const ridl_param p_ints[] = {
	IN(&t_i8),  IN(&t_u8),  IN(&t_i16), IN(&t_u16),
	IN(&t_i32), IN(&t_u32), IN(&t_i64), IN(&t_u64),
};
static const ridl_proc proc_ints = PROC(p_ints, 0, NULL);

static void
ints_once(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g, uint64_t h)
{
	void *args[] = { &a, &b, &c, &d, &e, &f, &g, &h };
	memset(&got_ints, 0, sizeof(got_ints));
	call(&proc_ints, FN(m_ints), NULL, args, NULL);
	ck_assert_int_eq(got_ints.calls, 1);
	ck_assert_int_eq(got_ints.a, a);
	ck_assert_uint_eq(got_ints.b, b);
	ck_assert_int_eq(got_ints.c, c);
	ck_assert_uint_eq(got_ints.d, d);
	ck_assert_int_eq(got_ints.e, e);
	ck_assert_uint_eq(got_ints.f, f);
	ck_assert_int_eq(got_ints.g, g);
	ck_assert_uint_eq(got_ints.h, h);
}

START_TEST(int_params)
{
	ints_once(INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0, INT64_MIN, 0);
	ints_once(INT8_MAX, UINT8_MAX, INT16_MAX, UINT16_MAX, INT32_MAX, UINT32_MAX, INT64_MAX,
		  UINT64_MAX);
	ints_once(-1, 0x80, -1, 0x8000, -1, 0x80000000u, -1, UINT64_C(0x8000000000000000));
	ints_once(-2, 1, -300, 1, -70000, 1, -5000000000, 1);
}
END_TEST

/* ---- integer returns ---- */

static int8_t r_i8;
static uint8_t r_u8;
static int16_t r_i16;
static uint16_t r_u16;
static int32_t r_i32;
static uint32_t r_u32;
static int64_t r_i64;
static uint64_t r_u64;

static int8_t
m_ret_i8(void)
{
	return r_i8;
}
static uint8_t
m_ret_u8(void)
{
	return r_u8;
}
static int16_t
m_ret_i16(void)
{
	return r_i16;
}
static uint16_t
m_ret_u16(void)
{
	return r_u16;
}
static int32_t
m_ret_i32(void)
{
	return r_i32;
}
static uint32_t
m_ret_u32(void)
{
	return r_u32;
}
static int64_t
m_ret_i64(void)
{
	return r_i64;
}
static uint64_t
m_ret_u64(void)
{
	return r_u64;
}

static const ridl_proc proc_ret_i8 = PROC0("i8", 0, &t_i8);
static const ridl_proc proc_ret_u8 = PROC0("u8", 0, &t_u8);
static const ridl_proc proc_ret_i16 = PROC0("i16", 0, &t_i16);
static const ridl_proc proc_ret_u16 = PROC0("u16", 0, &t_u16);
static const ridl_proc proc_ret_i32 = PROC0("i32", 0, &t_i32);
static const ridl_proc proc_ret_u32 = PROC0("u32", 0, &t_u32);
static const ridl_proc proc_ret_i64 = PROC0("i64", 0, &t_i64);
static const ridl_proc proc_ret_u64 = PROC0("u64", 0, &t_u64);

/* Sets the manager's global to v and checks the return slot holds exactly v. */
#define RET_CASE(var, type, proc, fn, v)                                                           \
	do {                                                                                       \
		type want_ = (type)(v);                                                            \
		var = want_;                                                                       \
		check_return(&proc, FN(fn), &want_, sizeof(want_));                                \
	} while (0)

START_TEST(int_returns)
{
	static const int64_t sv[] = { INT64_MIN, INT32_MIN, INT16_MIN, INT8_MIN,  -2,       -1, 0,
				      1,         INT8_MAX,  INT16_MAX, INT32_MAX, INT64_MAX };
	for (size_t i = 0; i < NELEM(sv); i++) {
		int64_t v = sv[i];
		if (v >= INT8_MIN && v <= INT8_MAX)
			RET_CASE(r_i8, int8_t, proc_ret_i8, m_ret_i8, v);
		if (v >= INT16_MIN && v <= INT16_MAX)
			RET_CASE(r_i16, int16_t, proc_ret_i16, m_ret_i16, v);
		if (v >= INT32_MIN && v <= INT32_MAX)
			RET_CASE(r_i32, int32_t, proc_ret_i32, m_ret_i32, v);
		RET_CASE(r_i64, int64_t, proc_ret_i64, m_ret_i64, v);
	}
	static const uint64_t uv[] = {
		0,         1,          0x7f,        0x80,       UINT8_MAX,
		0x8000,    UINT16_MAX, 0x80000000u, UINT32_MAX, UINT64_C(0x8000000000000000),
		UINT64_MAX
	};
	for (size_t i = 0; i < NELEM(uv); i++) {
		uint64_t v = uv[i];
		if (v <= UINT8_MAX)
			RET_CASE(r_u8, uint8_t, proc_ret_u8, m_ret_u8, v);
		if (v <= UINT16_MAX)
			RET_CASE(r_u16, uint16_t, proc_ret_u16, m_ret_u16, v);
		if (v <= UINT32_MAX)
			RET_CASE(r_u32, uint32_t, proc_ret_u32, m_ret_u32, v);
		RET_CASE(r_u64, uint64_t, proc_ret_u64, m_ret_u64, v);
	}
}
END_TEST

/* ---- floating point, mixed with integers, enough to go on the stack ---- */

static float r_float;
static double r_double;

static float
m_ret_float(void)
{
	return r_float;
}
static double
m_ret_double(void)
{
	return r_double;
}

static const ridl_proc proc_ret_float = PROC0("float", 0, &t_float);
static const ridl_proc proc_ret_double = PROC0("double", 0, &t_double);

START_TEST(float_returns)
{
	static const float fv[] = { 0.0f, -0.0f, 1.5f, -2.25f, FLT_MAX, -FLT_MIN, 1e-40f };
	for (size_t i = 0; i < NELEM(fv); i++)
		RET_CASE(r_float, float, proc_ret_float, m_ret_float, fv[i]);
	static const double dv[] = { 0.0, -0.0, 1.5, -2.25, DBL_MAX, -DBL_MIN, 4.9e-324 };
	for (size_t i = 0; i < NELEM(dv); i++)
		RET_CASE(r_double, double, proc_ret_double, m_ret_double, dv[i]);
}
END_TEST

/* 7 integers and 9 floating-point values: more than x86-64 (6 + 8) and AArch64 (8 + 8) pass
 * in registers of either kind. */
struct mix {
	int8_t a;
	double b;
	float c;
	int32_t d;
	double e;
	int64_t f;
	float g;
	uint16_t h;
	double i;
	float j;
	int32_t k;
	double l;
	uint8_t m;
	float n;
	int64_t o;
	double p;
};
static struct mix got_mix;

static double
m_mixed(int8_t a, double b, float c, int32_t d, double e, int64_t f, float g, uint16_t h, double i,
	float j, int32_t k, double l, uint8_t m, float n, int64_t o, double p)
{
	got_mix = (struct mix){ a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p };
	return p * 2 + b;
}

static const ridl_param p_mixed[] = {
	IN(&t_i8),    IN(&t_double), IN(&t_float),  IN(&t_i32),    IN(&t_double), IN(&t_i64),
	IN(&t_float), IN(&t_u16),    IN(&t_double), IN(&t_float),  IN(&t_i32),    IN(&t_double),
	IN(&t_u8),    IN(&t_float),  IN(&t_i64),    IN(&t_double),
};
static const ridl_proc proc_mixed = PROC(p_mixed, 0, &t_double);

START_TEST(mixed_params)
{
	struct mix v = { -128, 1.5,   -2.25f,    INT32_MIN, 1e300,     INT64_MIN,
			 3.5f, 65535, -0.125,    1e-30f,    INT32_MAX, -7.75,
			 255,  0.5f,  INT64_MAX, 123456.789 };
	void *args[] = { &v.a, &v.b, &v.c, &v.d, &v.e, &v.f, &v.g, &v.h,
			 &v.i, &v.j, &v.k, &v.l, &v.m, &v.n, &v.o, &v.p };
	unsigned char slot[sizeof(double) + 8];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_mixed, FN(m_mixed), NULL, args, slot);
	double r;
	memcpy(&r, slot, sizeof(r));
	ck_assert_double_eq(r, v.p * 2 + v.b);
	assert_canary(slot + sizeof(double), 8);
	ck_assert_int_eq(got_mix.a, v.a);
	ck_assert_double_eq(got_mix.b, v.b);
	ck_assert_float_eq(got_mix.c, v.c);
	ck_assert_int_eq(got_mix.d, v.d);
	ck_assert_double_eq(got_mix.e, v.e);
	ck_assert_int_eq(got_mix.f, v.f);
	ck_assert_float_eq(got_mix.g, v.g);
	ck_assert_uint_eq(got_mix.h, v.h);
	ck_assert_double_eq(got_mix.i, v.i);
	ck_assert_float_eq(got_mix.j, v.j);
	ck_assert_int_eq(got_mix.k, v.k);
	ck_assert_double_eq(got_mix.l, v.l);
	ck_assert_uint_eq(got_mix.m, v.m);
	ck_assert_float_eq(got_mix.n, v.n);
	ck_assert_int_eq(got_mix.o, v.o);
	ck_assert_double_eq(got_mix.p, v.p);
}
END_TEST

/* ---- pointers, the binding handle, [comm_status] ---- */

static void
m_ptrs(int32_t *out, int64_t *inout, int32_t k)
{
	*out = k - 1;
	*inout *= 3;
}

static const ridl_param p_ptrs[] = { OUT(&t_pi32),
				     { &t_pi64, RIDL_PF_IN | RIDL_PF_OUT, "io" },
				     IN(&t_i32) };
static const ridl_proc proc_ptrs = PROC(p_ptrs, 0, NULL);

START_TEST(pointer_params)
{
	int32_t out = 0, k = INT32_MIN + 1;
	int64_t io = -5000000000;
	int32_t *pout = &out;
	int64_t *pio = &io;
	void *args[] = { &pout, &pio, &k };
	call(&proc_ptrs, FN(m_ptrs), NULL, args, NULL);
	ck_assert_int_eq(out, INT32_MIN);
	ck_assert_int_eq(io, -15000000000);
}
END_TEST

static handle_t got_handle;

static int16_t
m_bind(handle_t h, int16_t x, int32_t *out)
{
	got_handle = h;
	*out = x * 1000;
	return (int16_t)-x;
}

static const ridl_param p_bind[] = { { &t_handle, RIDL_PF_IN | RIDL_PF_BINDING, "h" },
				     IN(&t_i16),
				     OUT(&t_pi32) };
static const ridl_proc proc_bind = PROC(p_bind, 0, &t_i16);

START_TEST(binding_handle_first)
{
	int obj;
	handle_t h = &obj;
	int16_t x = 32;
	int32_t out = 0, *pout = &out;
	void *args[] = { &h, &x, &pout };
	unsigned char slot[8];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_bind, FN(m_bind), NULL, args, slot);
	ck_assert_ptr_eq(got_handle, &obj);
	ck_assert_int_eq(out, 32000);
	int16_t r;
	memcpy(&r, slot, sizeof(r));
	ck_assert_int_eq(r, -32);
	assert_canary(slot + 2, sizeof(slot) - 2);
}
END_TEST

/* The manager of `[comm_status] error_status_t Status([in] long a, [out, fault_status]
 * error_status_t *st)` as the generated header declares it: the status parameter included. */
static error_status_t
m_status(int32_t a, error_status_t *st)
{
	*st = (error_status_t)a + 1;
	return 0xC0000005u;
}

static const ridl_param p_status[] = { IN(&t_i32),
				       { &t_pu32, RIDL_PF_OUT | RIDL_PF_FAULT_STATUS, "st" } };
static const ridl_proc proc_status = PROC(p_status, RIDL_PROC_RET_COMM, &t_u32);

START_TEST(status_params)
{
	int32_t a = 41;
	error_status_t st = 0, *pst = &st;
	void *args[] = { &a, &pst };
	unsigned char slot[12];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_status, FN(m_status), NULL, args, slot);
	ck_assert_uint_eq(st, 42);
	uint32_t r;
	memcpy(&r, slot, sizeof(r));
	ck_assert_uint_eq(r, 0xC0000005u);
	assert_canary(slot + 4, sizeof(slot) - 4);
}
END_TEST

/* ---- enums ---- */

static enum color got_e16, got_e32;

static enum color
m_enum(enum color a, int8_t pad, enum color b)
{
	got_e16 = a;
	got_e32 = b;
	return pad < 0 ? BLUE : GREEN;
}

static const ridl_param p_enum[] = { IN(&t_enum16), IN(&t_i8), IN(&t_enum32) };
static const ridl_proc proc_enum = PROC(p_enum, 0, &t_enum16);

START_TEST(enums)
{
	enum color a = BLUE, b = GREEN;
	int8_t pad = -1;
	void *args[] = { &a, &pad, &b };
	unsigned char slot[sizeof(enum color) + 8];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_enum, FN(m_enum), NULL, args, slot);
	ck_assert_int_eq(got_e16, BLUE);
	ck_assert_int_eq(got_e32, GREEN);
	enum color r;
	memcpy(&r, slot, sizeof(r));
	ck_assert_int_eq(r, BLUE);
	assert_canary(slot + sizeof(enum color), 8);

	a = RED;
	pad = 0;
	memset(slot, CANARY, sizeof(slot));
	call(&proc_enum, FN(m_enum), NULL, args, slot);
	ck_assert_int_eq(got_e16, RED);
	memcpy(&r, slot, sizeof(r));
	ck_assert_int_eq(r, GREEN);
}
END_TEST

/* ---- structs by value ---- */

static struct {
	struct s1 a;
	struct s2 b;
	struct s3 c;
	struct s4 d;
	int32_t e;
	struct s1 f;
	struct s2 g;
	double h;
} got_st;

static struct s1
m_structs(struct s1 a, struct s2 b, struct s3 c, struct s4 d, int32_t e, struct s1 f, struct s2 g,
	  double h)
{
	got_st.a = a;
	got_st.b = b;
	got_st.c = c;
	got_st.d = d;
	got_st.e = e;
	got_st.f = f;
	got_st.g = g;
	got_st.h = h;
	return (struct s1){ (int16_t)(a.a + 1), a.b - 1, a.c * 2 };
}

static const ridl_param p_structs[] = { IN(&t_s1),  IN(&t_s2), IN(&t_s3), IN(&t_s4),
					IN(&t_i32), IN(&t_s1), IN(&t_s2), IN(&t_double) };
static const ridl_proc proc_structs = PROC(p_structs, 0, &t_s1);

static void
assert_s1(const struct s1 *x, const struct s1 *y)
{
	ck_assert_int_eq(x->a, y->a);
	ck_assert_int_eq(x->b, y->b);
	ck_assert_int_eq(x->c, y->c);
}

static void
assert_s2(const struct s2 *x, const struct s2 *y)
{
	ck_assert_int_eq(x->c, y->c);
	ck_assert_double_eq(x->d, y->d);
}

START_TEST(struct_params)
{
	struct s1 a = { INT16_MIN, -7, INT64_MAX / 4 };
	struct s2 b = { 'x', -1.25 };
	struct s3 c = { { 1.5f, -2.5f, 3.25f }, INT32_MIN };
	struct s4 d = { { 'q', 6.5e100 }, -2, { { 1, 2, 3 }, { 253, 254, 255 } } };
	int32_t e = 77;
	struct s1 f = { 1, 2, -3 };
	struct s2 g = { '\x7f', 0.0625 };
	double h = -1e-300;
	void *args[] = { &a, &b, &c, &d, &e, &f, &g, &h };
	unsigned char slot[sizeof(struct s1) + 16];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_structs, FN(m_structs), NULL, args, slot);

	assert_s1(&got_st.a, &a);
	assert_s2(&got_st.b, &b);
	for (int i = 0; i < 3; i++)
		ck_assert_float_eq(got_st.c.v[i], c.v[i]);
	ck_assert_int_eq(got_st.c.k, c.k);
	assert_s2(&got_st.d.in, &d.in);
	ck_assert_int_eq(got_st.d.n, d.n);
	ck_assert_mem_eq(got_st.d.tag, d.tag, sizeof(d.tag));
	ck_assert_int_eq(got_st.e, e);
	assert_s1(&got_st.f, &f);
	assert_s2(&got_st.g, &g);
	ck_assert_double_eq(got_st.h, h);

	struct s1 r, want = { INT16_MIN + 1, -8, INT64_MAX / 4 * 2 };
	memcpy(&r, slot, sizeof(r));
	assert_s1(&r, &want);
	assert_canary(slot + sizeof(struct s1), 16);
}
END_TEST

static struct s2 r_s2;
static struct s3 r_s3;
static struct s4 r_s4;
static struct s5 r_s5;

static struct s2
m_ret_s2(void)
{
	return r_s2;
}
static struct s3
m_ret_s3(void)
{
	return r_s3;
}
static struct s4
m_ret_s4(void)
{
	return r_s4;
}
static struct s5
m_ret_s5(void)
{
	return r_s5;
}

static const ridl_proc proc_ret_s2 = PROC0("s2", 0, &t_s2);
static const ridl_proc proc_ret_s3 = PROC0("s3", 0, &t_s3);
static const ridl_proc proc_ret_s4 = PROC0("s4", 0, &t_s4);
static const ridl_proc proc_ret_s5 = PROC0("s5", 0, &t_s5);

START_TEST(struct_returns)
{
	/* Structs with padding are compared member by member: the callee need not preserve
	 * padding bytes (clang returns whatever is in the register). */
	unsigned char slot[sizeof(struct s4) + 16];
	r_s2 = (struct s2){ '\x80', -3.75 };
	memset(slot, CANARY, sizeof(slot));
	call(&proc_ret_s2, FN(m_ret_s2), NULL, NULL, slot);
	struct s2 g2;
	memcpy(&g2, slot, sizeof(g2));
	assert_s2(&g2, &r_s2);
	assert_canary(slot + sizeof(struct s2), sizeof(slot) - sizeof(struct s2));

	r_s4 = (struct s4){ { 'z', 2.0 }, INT16_MIN, { { 'a', 'b', 'c' }, { 'd', 'e', 'f' } } };
	memset(slot, CANARY, sizeof(slot));
	call(&proc_ret_s4, FN(m_ret_s4), NULL, NULL, slot);
	struct s4 g4;
	memcpy(&g4, slot, sizeof(g4));
	assert_s2(&g4.in, &r_s4.in);
	ck_assert_int_eq(g4.n, INT16_MIN);
	ck_assert_mem_eq(g4.tag, "abcdef", 6);
	assert_canary(slot + sizeof(struct s4), sizeof(slot) - sizeof(struct s4));

	/* No padding: every byte. */
	r_s3 = (struct s3){ { -0.5f, 1e30f, 7.0f }, -123456 };
	check_return(&proc_ret_s3, FN(m_ret_s3), &r_s3, sizeof(r_s3));
	for (int i = 0; i < 10; i++)
		r_s5.v[i] = INT64_MIN + i;
	check_return(&proc_ret_s5, FN(m_ret_s5), &r_s5, sizeof(r_s5));
}
END_TEST

/* ---- a struct of {integer, double} in the last integer register ----
 *
 * libffi before 3.4.7 clobbers the first SSE register when the integer half of such a struct
 * lands in the sixth integer register on x86-64 (ffi_call.c works around it). These are the
 * shapes around that case; on other ABIs they are ordinary calls. */

/* {long; long; float}: 12 bytes, the second eightbyte a lone float. */
struct s6 {
	int32_t a, b;
	float c;
};
static const ridl_member s6_members[] = {
	{ offsetof(struct s6, a), &t_i32, "a" },
	{ offsetof(struct s6, b), &t_i32, "b" },
	{ offsetof(struct s6, c), &t_float, "c" },
};
static const ridl_type t_s6 = STRUCT(struct s6, s6_members);

/* {double; hyper}: SSE first, then INTEGER. */
struct s7 {
	double d;
	int64_t x;
};
static const ridl_member s7_members[] = {
	{ offsetof(struct s7, d), &t_double, "d" },
	{ offsetof(struct s7, x), &t_i64, "x" },
};
static const ridl_type t_s7 = STRUCT(struct s7, s7_members);

static struct {
	double z[9];
	int64_t i[5];
	struct s2 g;
	struct s6 h;
	struct s7 k;
	PRPC_ASYNC_STATE st;
	int calls;
} got_reg;

static void
m_reg_s2(double z, int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t i4, struct s2 g,
	 double z1)
{
	got_reg.z[0] = z;
	got_reg.z[1] = z1;
	got_reg.i[0] = i0;
	got_reg.i[4] = i4;
	got_reg.g = g;
	got_reg.calls++;
}

static void
m_reg_s6(float z, int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t i4, struct s6 h,
	 int8_t last)
{
	got_reg.z[0] = z;
	got_reg.i[0] = i0;
	got_reg.i[4] = i4 + last;
	got_reg.h = h;
	got_reg.calls++;
}

static void
m_reg_s7(double z, int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t i4, struct s7 k)
{
	got_reg.z[0] = z;
	got_reg.i[0] = i0;
	got_reg.i[4] = i4;
	got_reg.k = k;
	got_reg.calls++;
}

/* Eight doubles first: no SSE register is left, so the struct goes on the stack whole. */
static void
m_reg_full(double z0, double z1, double z2, double z3, double z4, double z5, double z6, double z7,
	   int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t i4, struct s2 g, double z8)
{
	double z[] = { z0, z1, z2, z3, z4, z5, z6, z7, z8 };
	memcpy(got_reg.z, z, sizeof(z));
	got_reg.i[0] = i0;
	got_reg.i[4] = i4;
	got_reg.g = g;
	got_reg.calls++;
}

/* A struct returned in memory takes the first integer register: four integers suffice. */
static struct s5
m_reg_ret(double z, int64_t i0, int64_t i1, int64_t i2, int64_t i3, struct s2 g)
{
	got_reg.z[0] = z;
	got_reg.i[0] = i0;
	got_reg.i[4] = i3;
	got_reg.g = g;
	got_reg.calls++;
	struct s5 r;
	for (int i = 0; i < 10; i++)
		r.v[i] = i3 + i;
	return r;
}

/* [async]: the PRPC_ASYNC_STATE is the first integer argument. */
static void
m_reg_async(PRPC_ASYNC_STATE st, double z, int64_t i0, int64_t i1, int64_t i2, int64_t i3,
	    struct s2 g)
{
	got_reg.st = st;
	got_reg.z[0] = z;
	got_reg.i[0] = i0;
	got_reg.i[4] = i3;
	got_reg.g = g;
	got_reg.calls++;
}

static const ridl_param p_reg_s2[] = { IN(&t_double), IN(&t_i64), IN(&t_i64), IN(&t_i64),
				       IN(&t_i64),    IN(&t_i64), IN(&t_s2),  IN(&t_double) };
static const ridl_proc proc_reg_s2 = PROC(p_reg_s2, 0, NULL);
static const ridl_param p_reg_s6[] = { IN(&t_float), IN(&t_i64), IN(&t_i64), IN(&t_i64),
				       IN(&t_i64),   IN(&t_i64), IN(&t_s6),  IN(&t_i8) };
static const ridl_proc proc_reg_s6 = PROC(p_reg_s6, 0, NULL);
static const ridl_param p_reg_s7[] = { IN(&t_double), IN(&t_i64), IN(&t_i64), IN(&t_i64),
				       IN(&t_i64),    IN(&t_i64), IN(&t_s7) };
static const ridl_proc proc_reg_s7 = PROC(p_reg_s7, 0, NULL);
static const ridl_param p_reg_full[] = {
	IN(&t_double), IN(&t_double), IN(&t_double), IN(&t_double), IN(&t_double),
	IN(&t_double), IN(&t_double), IN(&t_double), IN(&t_i64),    IN(&t_i64),
	IN(&t_i64),    IN(&t_i64),    IN(&t_i64),    IN(&t_s2),     IN(&t_double),
};
static const ridl_proc proc_reg_full = PROC(p_reg_full, 0, NULL);
static const ridl_param p_reg_ret[] = { IN(&t_double), IN(&t_i64), IN(&t_i64),
					IN(&t_i64),    IN(&t_i64), IN(&t_s2) };
static const ridl_proc proc_reg_ret = PROC(p_reg_ret, 0, &t_s5);
static const ridl_param p_reg_async[] = { IN(&t_double), IN(&t_i64), IN(&t_i64),
					  IN(&t_i64),    IN(&t_i64), IN(&t_s2) };
static const ridl_proc proc_reg_async = PROC(p_reg_async, RIDL_PROC_ASYNC, &t_i32);

/* Prepares proc, checks whether it was split (x86-64 System V only), calls it. */
static void
call_split(const ridl_proc *proc, bool split, unsigned split_arg, void (*fn)(void), void *async,
	   void **args, void *ret)
{
	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(proc, &f), RPC_S_OK);
#if defined(__x86_64__) && !defined(_WIN32)
	ck_assert_int_eq(f.split, split);
	if (split) {
		ck_assert_uint_eq(f.split_arg, split_arg);
		ck_assert_uint_eq(f.cif.nargs, f.nargs + 1);
	}
#endif
	memset(&got_reg, 0, sizeof(got_reg));
	rpcrt_ffi_invoke(&f, fn, async, args, ret);
	rpcrt_ffi_free(&f);
	ck_assert_int_eq(got_reg.calls, 1);
}

START_TEST(struct_in_last_register)
{
	double z = 42.5, z1 = -8.0;
	float zf = 3.0f;
	int64_t i[5] = { -1, 2, -3, 4, INT64_MIN };
	int8_t last = 1;
	struct s2 g = { 'g', 0.0625 };
	struct s6 h = { INT32_MIN, INT32_MAX, -9.5f };
	struct s7 k = { 1e-5, INT64_MAX };

	void *a1[] = { &z, &i[0], &i[1], &i[2], &i[3], &i[4], &g, &z1 };
	call_split(&proc_reg_s2, true, 6, FN(m_reg_s2), NULL, a1, NULL);
	ck_assert_double_eq(got_reg.z[0], 42.5);
	ck_assert_double_eq(got_reg.z[1], -8.0);
	ck_assert_int_eq(got_reg.i[0], -1);
	ck_assert_int_eq(got_reg.i[4], INT64_MIN);
	assert_s2(&got_reg.g, &g);

	void *a2[] = { &zf, &i[0], &i[1], &i[2], &i[3], &i[4], &h, &last };
	call_split(&proc_reg_s6, true, 6, FN(m_reg_s6), NULL, a2, NULL);
	ck_assert_double_eq(got_reg.z[0], 3.0);
	ck_assert_int_eq(got_reg.i[4], INT64_MIN + 1);
	ck_assert_int_eq(got_reg.h.a, INT32_MIN);
	ck_assert_int_eq(got_reg.h.b, INT32_MAX);
	ck_assert_float_eq(got_reg.h.c, -9.5f);

	/* SSE then INTEGER: libffi gets this right, nothing to split. */
	void *a3[] = { &z, &i[0], &i[1], &i[2], &i[3], &i[4], &k };
	call_split(&proc_reg_s7, false, 0, FN(m_reg_s7), NULL, a3, NULL);
	ck_assert_double_eq(got_reg.z[0], 42.5);
	ck_assert_double_eq(got_reg.k.d, 1e-5);
	ck_assert_int_eq(got_reg.k.x, INT64_MAX);

	double zz[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	void *a4[] = { &zz[0], &zz[1], &zz[2], &zz[3], &zz[4], &zz[5], &zz[6], &zz[7],
		       &i[0],  &i[1],  &i[2],  &i[3],  &i[4],  &g,     &zz[8] };
	call_split(&proc_reg_full, false, 0, FN(m_reg_full), NULL, a4, NULL);
	for (int j = 0; j < 9; j++)
		ck_assert_double_eq(got_reg.z[j], j + 1);
	ck_assert_int_eq(got_reg.i[4], INT64_MIN);
	assert_s2(&got_reg.g, &g);

	struct s5 r;
	void *a5[] = { &z, &i[0], &i[1], &i[2], &i[3], &g };
	call_split(&proc_reg_ret, true, 5, FN(m_reg_ret), NULL, a5, &r);
	ck_assert_double_eq(got_reg.z[0], 42.5);
	ck_assert_int_eq(got_reg.i[4], 4);
	assert_s2(&got_reg.g, &g);
	for (int j = 0; j < 10; j++)
		ck_assert_int_eq(r.v[j], 4 + j);

	RPC_ASYNC_STATE state;
	call_split(&proc_reg_async, true, 6, FN(m_reg_async), &state, a5, NULL);
	ck_assert_ptr_eq(got_reg.st, &state);
	ck_assert_double_eq(got_reg.z[0], 42.5);
	ck_assert_int_eq(got_reg.i[0], -1);
	ck_assert_int_eq(got_reg.i[4], 4);
	assert_s2(&got_reg.g, &g);
}
END_TEST

/* ---- unions by value ---- */

static union u1 got_u1;
static struct eu got_eu;
static double got_ud;

static union u1
m_unions(int8_t k, union u1 u, struct eu e, double d)
{
	got_u1 = u;
	got_eu = e;
	got_ud = d;
	union u1 r;
	memset(&r, 0, sizeof(r));
	r.d[4] = (uint16_t)(k + u.d[4]);
	r.a = e.u.a;
	return r;
}

static const ridl_param p_unions[] = { IN(&t_i8), IN(&t_u1), IN(&t_eu), IN(&t_double) };
static const ridl_proc proc_unions = PROC(p_unions, 0, &t_u1);

START_TEST(union_params)
{
	int8_t k = 3;
	union u1 u;
	memset(&u, 0, sizeof(u));
	for (int i = 0; i < 5; i++)
		u.d[i] = (uint16_t)(0xfff0 + i);
	struct eu e;
	memset(&e, 0, sizeof(e));
	e.disc = 1;
	e.u.a = -99;
	double d = 0.75;
	void *args[] = { &k, &u, &e, &d };
	unsigned char slot[sizeof(union u1) + 16];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_unions, FN(m_unions), NULL, args, slot);
	ck_assert_mem_eq(got_u1.d, u.d, sizeof(u.d));
	ck_assert_int_eq(got_eu.disc, 1);
	ck_assert_int_eq(got_eu.u.a, -99);
	ck_assert_double_eq(got_ud, 0.75);
	union u1 r;
	memcpy(&r, slot, sizeof(r));
	ck_assert_int_eq(r.a, -99);
	ck_assert_uint_eq(r.d[4], 0xfff7);
	assert_canary(slot + sizeof(union u1), 16);
}
END_TEST

/* ---- [async] ---- */

static struct {
	PRPC_ASYNC_STATE st;
	handle_t h;
	int32_t a;
	double b;
	int calls;
} got_async;

static void
m_async(PRPC_ASYNC_STATE st, handle_t h, int32_t a, double b, int32_t *out)
{
	got_async.st = st;
	got_async.h = h;
	got_async.a = a;
	got_async.b = b;
	got_async.calls++;
	*out = a + 1;
}

/* The table's return type is what the manager later passes to RpcAsyncCompleteCall. */
static const ridl_param p_async[] = {
	{ &t_handle, RIDL_PF_IN | RIDL_PF_BINDING, "h" }, IN(&t_i32), IN(&t_double), OUT(&t_pi32)
};
static const ridl_proc proc_async = PROC(p_async, RIDL_PROC_ASYNC, &t_i32);

static void
m_async0(PRPC_ASYNC_STATE st)
{
	got_async.st = st;
	got_async.calls++;
}

static const ridl_proc proc_async0 = PROC0("async0", RIDL_PROC_ASYNC, &t_s1);

START_TEST(async_proc)
{
	RPC_ASYNC_STATE state;
	int obj;
	handle_t h = &obj;
	int32_t a = -17, out = 0, *pout = &out;
	double b = 2.5;
	void *args[] = { &h, &a, &b, &pout };
	unsigned char slot[16];
	memset(slot, CANARY, sizeof(slot));
	memset(&got_async, 0, sizeof(got_async));

	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(&proc_async, &f), RPC_S_OK);
	ck_assert_uint_eq(f.nargs, 5);
	ck_assert(f.async);
	ck_assert_ptr_eq(f.cif.rtype, &ffi_type_void);
	rpcrt_ffi_invoke(&f, FN(m_async), &state, args, slot);
	rpcrt_ffi_free(&f);

	ck_assert_int_eq(got_async.calls, 1);
	ck_assert_ptr_eq(got_async.st, &state);
	ck_assert_ptr_eq(got_async.h, &obj);
	ck_assert_int_eq(got_async.a, -17);
	ck_assert_double_eq(got_async.b, 2.5);
	ck_assert_int_eq(out, -16);
	assert_canary(slot, sizeof(slot));

	/* No parameters: the async state alone, and a struct return type that is not the C one. */
	memset(&got_async, 0, sizeof(got_async));
	call(&proc_async0, FN(m_async0), &state, NULL, slot);
	ck_assert_int_eq(got_async.calls, 1);
	ck_assert_ptr_eq(got_async.st, &state);
	assert_canary(slot, sizeof(slot));
}
END_TEST

/* ---- no parameters ---- */

static int zero_calls;

static int32_t
m_zero(void)
{
	zero_calls++;
	return -42;
}

static void
m_void(void)
{
	zero_calls++;
}

static const ridl_proc proc_zero = PROC0("zero", 0, &t_i32);
static const ridl_proc proc_void = PROC0("void", 0, NULL);

START_TEST(zero_params)
{
	zero_calls = 0;
	int32_t want = -42;
	check_return(&proc_zero, FN(m_zero), &want, sizeof(want));
	ck_assert_int_eq(zero_calls, 1);

	unsigned char slot[8];
	memset(slot, CANARY, sizeof(slot));
	call(&proc_void, FN(m_void), NULL, NULL, slot);
	ck_assert_int_eq(zero_calls, 2);
	assert_canary(slot, sizeof(slot));
	/* NULL discards a return value. */
	call(&proc_zero, FN(m_zero), NULL, NULL, NULL);
	ck_assert_int_eq(zero_calls, 3);
}
END_TEST

/* ---- one prepared procedure, many calls; free ---- */

START_TEST(reuse_and_free)
{
	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(&proc_structs, &f), RPC_S_OK);
	ck_assert_uint_eq(f.nargs, 8);
	ck_assert_ptr_nonnull(f.aggs);
	for (int i = 0; i < 100; i++) {
		struct s1 a = { (int16_t)i, i, i };
		struct s2 b = { 'b', i };
		struct s3 c = { { 0, 0, 0 }, i };
		struct s4 d;
		memset(&d, 0, sizeof(d));
		int32_t e = i;
		double h = i;
		void *args[] = { &a, &b, &c, &d, &e, &a, &b, &h };
		struct s1 r;
		rpcrt_ffi_invoke(&f, FN(m_structs), NULL, args, &r);
		ck_assert_int_eq(r.a, i + 1);
		ck_assert_int_eq(r.c, 2 * i);
		ck_assert_int_eq(got_st.e, i);
	}
	rpcrt_ffi_free(&f);
	ck_assert_ptr_null(f.arg_types);
	ck_assert_ptr_null(f.aggs);
	rpcrt_ffi_free(&f);
	rpcrt_ffi_free(NULL);
}
END_TEST

/* ---- refusals ---- */

/* A packed struct: libffi lays it out naturally aligned. */
struct __attribute__((packed)) packed {
	uint8_t c;
	int32_t i;
};
static const ridl_member packed_members[] = {
	{ offsetof(struct packed, c), &t_u8, "c" },
	{ offsetof(struct packed, i), &t_i32, "i" },
};
static const ridl_type t_packed = STRUCT(struct packed, packed_members);

/* Right size and alignment, a member at the wrong offset. */
static const ridl_member badoff_members[] = {
	{ 0, &t_i16, "a" },
	{ 2, &t_i32, "b" },
	{ 8, &t_i64, "c" },
};
static const ridl_type t_badoff = STRUCT(struct s1, badoff_members);

/* A struct whose mem_size is not the C one. */
static const ridl_type t_badsize = {
	.kind = RIDL_K_STRUCT,
	.mem_align = _Alignof(struct s1),
	.mem_size = sizeof(struct s1) + 8,
	.u.st = { s1_members, NELEM(s1_members) },
};

/* Conformant struct, and a conformant array not flagged on its struct. */
static const ridl_type t_conf_arr = {
	.kind = RIDL_K_ARRAY,
	.mem_align = 4,
	.flags = RIDL_TF_CONFORMANT,
	.u.arr = { &t_i32, 0, NULL, NULL, NULL },
};
static const ridl_member conf_members[] = { { 0, &t_i32, "n" }, { 4, &t_conf_arr, "a" } };
static const ridl_type t_conf = {
	.kind = RIDL_K_STRUCT,
	.mem_align = 4,
	.flags = RIDL_TF_CONFORMANT,
	.mem_size = 4,
	.u.st = { conf_members, 2 },
};
static const ridl_type t_conf_unflagged = {
	.kind = RIDL_K_STRUCT,
	.mem_align = 4,
	.mem_size = 4,
	.u.st = { conf_members, 2 },
};

/* Unions with floating-point members, directly or in a struct arm. */
static const ridl_arm uf_arms[] = { { 1, &t_i32 }, { 2, &t_float } };
static const ridl_type t_uf = {
	.kind = RIDL_K_UNION,
	.mem_align = 4,
	.mem_size = 4,
	.u.un = { .arms = uf_arms, .narms = 2, .disc_kind = RIDL_K_INT32 },
};
static const ridl_arm ud_arms[] = { { 1, &t_i32 }, { 2, &t_s1 } };
static const ridl_type t_ud = {
	.kind = RIDL_K_UNION,
	.mem_align = 8,
	.mem_size = 16,
	.u.un = { .arms = ud_arms,
		  .narms = 2,
		  .has_default = 1,
		  .default_type = &t_s2,
		  .disc_kind = RIDL_K_INT32 },
};

/* A union whose alignment no integer type has. */
static const ridl_type t_u16align = {
	.kind = RIDL_K_UNION,
	.mem_align = 16,
	.mem_size = 16,
	.u.un = { .arms = u1_arms, .narms = 1, .disc_kind = RIDL_K_INT32 },
};

/* More struct elements than RPCRT_FFI_MAX_ELEMENTS. */
static const ridl_type t_big_arr = {
	.kind = RIDL_K_ARRAY,
	.mem_align = 1,
	.mem_size = RPCRT_FFI_MAX_ELEMENTS + 1,
	.u.arr = { &t_u8, RPCRT_FFI_MAX_ELEMENTS + 1, NULL, NULL, NULL },
};
static const ridl_member big_members[] = { { 0, &t_big_arr, "a" } };
static const ridl_type t_big = {
	.kind = RIDL_K_STRUCT,
	.mem_align = 1,
	.mem_size = RPCRT_FFI_MAX_ELEMENTS + 1,
	.u.st = { big_members, 1 },
};

/* A cycle no C type can have: a struct containing itself by value. */
static const ridl_type t_cycle;
static const ridl_member cycle_members[] = { { 0, &t_cycle, "self" } };
static const ridl_type t_cycle = {
	.kind = RIDL_K_STRUCT,
	.mem_align = 4,
	.mem_size = 4,
	.u.st = { cycle_members, 1 },
};

/* Contradictory tables. */
static const ridl_type t_bad_scalar = {
	.kind = RIDL_K_INT32,
	.mem_align = 2,
	.mem_size = 2,
};
static const ridl_type t_invalid = { .kind = RIDL_K_INVALID };
static const ridl_type t_unknown = { .kind = 200, .mem_size = 4 };
static const ridl_type t_empty = { .kind = RIDL_K_STRUCT, .mem_align = 1, .mem_size = 1 };
static const ridl_type t_i32x4 = ARRAY(&t_i32, int32_t, 4);
static const ridl_type t_badarr = {
	.kind = RIDL_K_ARRAY,
	.mem_align = 4,
	.mem_size = 12,
	.u.arr = { &t_i32, 4, NULL, NULL, NULL },
};
static const ridl_member badarr_members[] = { { 0, &t_badarr, "a" } };
static const ridl_type t_badarr_st = {
	.kind = RIDL_K_STRUCT,
	.mem_align = 4,
	.mem_size = 12,
	.u.st = { badarr_members, 1 },
};

#define REFUSE_PARAM(t, want)                                                                      \
	do {                                                                                       \
		const ridl_param ps_[] = { IN(&t_i32), IN(t) };                                    \
		const ridl_proc pr_ = PROC(ps_, 0, NULL);                                          \
		refuse(&pr_, want);                                                                \
	} while (0)
#define REFUSE_RET(t, want)                                                                        \
	do {                                                                                       \
		const ridl_proc pr_ = PROC0("ret", 0, t);                                          \
		refuse(&pr_, want);                                                                \
	} while (0)

START_TEST(refusals)
{
	/* Not a procedure. */
	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(NULL, &f), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_ffi_prepare(&proc_ints, NULL), RPC_S_INVALID_ARG);
	ridl_proc bad = proc_ints;
	bad.magic = RIDL_MAGIC_INTERFACE;
	refuse(&bad, RPC_S_INVALID_ARG);
	bad = proc_ints;
	bad.params = NULL;
	refuse(&bad, RPC_S_INVALID_ARG);

	/* Contradictory tables. */
	const ridl_param nulltype[] = { IN(&t_i32), { NULL, RIDL_PF_IN, "x" } };
	const ridl_proc pr_nulltype = PROC(nulltype, 0, NULL);
	refuse(&pr_nulltype, RPC_S_INTERNAL_ERROR);
	REFUSE_PARAM(&t_bad_scalar, RPC_S_INTERNAL_ERROR);
	REFUSE_PARAM(&t_invalid, RPC_S_INTERNAL_ERROR);
	REFUSE_PARAM(&t_unknown, RPC_S_INTERNAL_ERROR);
	REFUSE_PARAM(&t_empty, RPC_S_INTERNAL_ERROR);
	REFUSE_PARAM(&t_i32x4, RPC_S_INTERNAL_ERROR); /* arrays travel as [ref] pointers */
	REFUSE_PARAM(&t_badarr_st, RPC_S_INTERNAL_ERROR);
	REFUSE_RET(&t_i32x4, RPC_S_INTERNAL_ERROR);
	REFUSE_RET(&t_bad_scalar, RPC_S_INTERNAL_ERROR);
	REFUSE_RET(&t_unknown, RPC_S_INTERNAL_ERROR);

	/* Valid C this runtime does not call. */
	REFUSE_PARAM(&t_packed, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_badoff, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_badsize, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_conf, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_conf_unflagged, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_uf, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_ud, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_u16align, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_big, RPC_S_CANNOT_SUPPORT);
	REFUSE_PARAM(&t_cycle, RPC_S_CANNOT_SUPPORT);
	REFUSE_RET(&t_uf, RPC_S_CANNOT_SUPPORT);
	REFUSE_RET(&t_packed, RPC_S_CANNOT_SUPPORT);

	/* A union with a float inside a struct passed by value. */
	static const ridl_member m[] = { { 0, &t_uf, "u" } };
	const ridl_type st = {
		.kind = RIDL_K_STRUCT, .mem_align = 4, .mem_size = 4, .u.st = { m, 1 }
	};
	REFUSE_PARAM(&st, RPC_S_CANNOT_SUPPORT);
}
END_TEST

START_TEST(param_limit)
{
	static ridl_param ps[RPCRT_FFI_MAX_PARAMS + 1];
	for (size_t i = 0; i < NELEM(ps); i++)
		ps[i] = (ridl_param)IN(i % 2 ? &t_double : &t_i32);
	ridl_proc p = PROC(ps, 0, NULL);
	refuse(&p, RPC_S_CANNOT_SUPPORT);
	p.nparams = RPCRT_FFI_MAX_PARAMS;
	rpcrt_ffi_proc f;
	ck_assert_int_eq(rpcrt_ffi_prepare(&p, &f), RPC_S_OK);
	ck_assert_uint_eq(f.nargs, RPCRT_FFI_MAX_PARAMS);
	rpcrt_ffi_free(&f);
	p.flags = RIDL_PROC_ASYNC;
	ck_assert_int_eq(rpcrt_ffi_prepare(&p, &f), RPC_S_OK);
	ck_assert_uint_eq(f.nargs, RPCRT_FFI_MAX_PARAMS + 1);
	rpcrt_ffi_free(&f);
}
END_TEST

static Suite *
s_fn(void)
{
	Suite *s = suite_create("ffi_call");
	TCase *tc = tcase_create("ffi_call");
	tcase_add_test(tc, int_params);
	tcase_add_test(tc, int_returns);
	tcase_add_test(tc, float_returns);
	tcase_add_test(tc, mixed_params);
	tcase_add_test(tc, pointer_params);
	tcase_add_test(tc, binding_handle_first);
	tcase_add_test(tc, status_params);
	tcase_add_test(tc, enums);
	tcase_add_test(tc, struct_params);
	tcase_add_test(tc, struct_returns);
	tcase_add_test(tc, struct_in_last_register);
	tcase_add_test(tc, union_params);
	tcase_add_test(tc, async_proc);
	tcase_add_test(tc, zero_params);
	tcase_add_test(tc, reuse_and_free);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, param_limit);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(s_fn)
