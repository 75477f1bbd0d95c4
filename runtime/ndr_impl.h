/* librpcrt private: what the parts of the NDR engine share (ndr.c, ndr_marshal.c,
 * ndr_unmarshal.c). Not used outside the engine. */
#ifndef RPCRT_NDR_IMPL_H
#define RPCRT_NDR_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ndr.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NDR_HOST_LE 1
#else
#define NDR_HOST_LE 0
#endif

/* The first referent id, and the step between ids (what Windows sends). */
#define NDR_REFID_FIRST 0x00020000u
#define NDR_REFID_STEP 4u

/* NDR limits every dimension to 2^31 - 1 elements (MS-RPCE 3.1.1.5.3.2.2.1). */
#define NDR_MAX_COUNT 0x7fffffffu

/* A growable array of fixed-size items. Owner: the engine context that holds it. */
struct ndr_vec {
	void *items;
	size_t n, cap, size;
};
void *ndr_vec_grow_push(struct ndr_vec *v);
/* Room for one more item at the end of v, or NULL when out of memory. */
static inline void *
ndr_vec_push(struct ndr_vec *v)
{
	if (v->n < v->cap)
		return (char *)v->items + v->size * v->n++;
	return ndr_vec_grow_push(v);
}
/* Empties v for items of `size` bytes, keeping its memory. */
static inline void
ndr_vec_reset(struct ndr_vec *v, size_t size)
{
	if (v->size != size) {
		v->cap = v->size ? v->cap * v->size / size : 0;
		v->size = size;
	}
	v->n = 0;
}
void ndr_vec_free(struct ndr_vec *v);

/* Pointer <-> id map for full pointers (open addressing). */
struct ndr_ptrmap {
	struct ndr_ptrmap_slot {
		uintptr_t key; /* 0 = empty */
		uintptr_t val;
	} *slots;
	size_t n, cap;
};
/* Returns the slot for key (inserting an empty one with val 0 when missing), or NULL when out
 * of memory. *fresh says whether it was inserted. */
struct ndr_ptrmap_slot *ndr_ptrmap_get(struct ndr_ptrmap *m, uintptr_t key, bool *fresh);
void ndr_ptrmap_free(struct ndr_ptrmap *m);

/* Integer loads and stores in memory by integer ridl_kind (enums are C ints). */
static inline bool
ndr_kind_is_int(uint8_t kind)
{
	return (kind >= RIDL_K_INT8 && kind <= RIDL_K_UINT64) || kind == RIDL_K_ENUM16 ||
	       kind == RIDL_K_ENUM32;
}

static inline int64_t
ndr_load_int(const void *p, uint8_t kind)
{
	switch (kind) {
	case RIDL_K_INT8: { int8_t v; memcpy(&v, p, 1); return v; }
	case RIDL_K_UINT8: { uint8_t v; memcpy(&v, p, 1); return v; }
	case RIDL_K_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
	case RIDL_K_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
	case RIDL_K_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
	case RIDL_K_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
	case RIDL_K_INT64: { int64_t v; memcpy(&v, p, 8); return v; }
	case RIDL_K_UINT64: { uint64_t v; memcpy(&v, p, 8); return (int64_t)v; }
	case RIDL_K_ENUM16:
	case RIDL_K_ENUM32: { int v; memcpy(&v, p, sizeof(v)); return v; }
	default: return 0;
	}
}

static inline void
ndr_store_int(void *p, uint8_t kind, int64_t v)
{
	switch (kind) {
	case RIDL_K_INT8: case RIDL_K_UINT8: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case RIDL_K_INT16: case RIDL_K_UINT16: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case RIDL_K_INT32: case RIDL_K_UINT32: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	case RIDL_K_INT64: case RIDL_K_UINT64: { uint64_t x = (uint64_t)v; memcpy(p, &x, 8); break; }
	case RIDL_K_ENUM16: case RIDL_K_ENUM32: { int x = (int)v; memcpy(p, &x, sizeof(x)); break; }
	default: break;
	}
}

/* The NDR wire size of an integer kind (ENUM16: 2). */
static inline unsigned
ndr_int_wire_size(uint8_t kind)
{
	switch (kind) {
	case RIDL_K_INT8: case RIDL_K_UINT8: return 1;
	case RIDL_K_INT16: case RIDL_K_UINT16: case RIDL_K_ENUM16: return 2;
	case RIDL_K_INT32: case RIDL_K_UINT32: case RIDL_K_ENUM32: return 4;
	case RIDL_K_INT64: case RIDL_K_UINT64: return 8;
	default: return 0;
	}
}

/* Loads size (1, 2, 4 or 8) bytes at p as an unsigned host-order value, and stores the low size
 * bytes of v at p. Constant sizes in a switch, so each copy is one load or store, not a call. */
static inline uint64_t
ndr_load_sized(const void *p, unsigned size)
{
	switch (size) {
	case 1: { uint8_t x; memcpy(&x, p, 1); return x; }
	case 2: { uint16_t x; memcpy(&x, p, 2); return x; }
	case 4: { uint32_t x; memcpy(&x, p, 4); return x; }
	default: { uint64_t x; memcpy(&x, p, 8); return x; }
	}
}

static inline void
ndr_store_sized(void *p, uint64_t v, unsigned size)
{
	switch (size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* Scalars whose memory and wire forms have the same size (all but enums): moved as raw
 * little-endian bytes. */
static inline bool
ndr_kind_is_plain(uint8_t kind)
{
	return kind >= RIDL_K_INT8 && kind <= RIDL_K_DOUBLE;
}

/* A marshalling plan (ndr_plan.c): the steps of a struct whose members are scalars, enums,
 * such structs and unions of them. Immutable once built; lives as long as the process. */
enum ndr_pop_kind { NP_SCALAR, NP_ENUM16, NP_ENUM32, NP_STRUCT, NP_UNION, NP_EMPTY };
#define NDR_PAD_DYNAMIC 0xffu

struct ndr_plan;

/* One union arm in a plan. */
struct ndr_parm {
	int64_t value;
	uint8_t kind; /* NP_SCALAR, NP_STRUCT or NP_EMPTY */
	uint8_t size; /* NP_SCALAR */
	const struct ndr_plan *sub;
};

/* One member. */
struct ndr_pop {
	uint8_t kind;
	uint8_t size;          /* NP_SCALAR: 1, 2, 4 or 8 */
	bool has_default;      /* NP_UNION: arms[narms] is the default arm */
	uint32_t off;          /* offset of the member in the struct */
	uint32_t max_bytes;    /* the most bytes this member can take on the wire, padding included */
	uint32_t narms;
	uint8_t pad;           /* padding before the value (NP_UNION: before the discriminant), or
	                          NDR_PAD_DYNAMIC when it depends on what came before */
	uint8_t arm_pad;       /* NP_UNION: padding before the arm, or NDR_PAD_DYNAMIC */
	int8_t dense[16];      /* NP_UNION: arm index for discriminants dense_lo..dense_lo+15, -1
	                          none (then the default), when has_dense */
	bool has_dense;
	int64_t dense_lo;
	const struct ndr_plan *sub;  /* NP_STRUCT */
	const ridl_type *t;          /* NP_UNION: the union */
	const struct ndr_parm *arms; /* NP_UNION */
};

struct ndr_plan {
	uint32_t nops;
	uint32_t max_bytes; /* the most bytes the struct can take, padding included */
	uint8_t align;
	bool has_range;     /* a member (or a nested one) has [range]: the reader checks it */
	struct ndr_pop ops[];
};

/* The arm of a union step for discriminant disc (the default arm when none matches), or
 * NULL when there is no such arm. */
static inline __attribute__((always_inline)) const struct ndr_parm *
ndr_plan_arm(const struct ndr_pop *op, int64_t disc)
{
	if (op->has_dense) {
		uint64_t d = (uint64_t)disc - (uint64_t)op->dense_lo;
		if (d < 16 && op->dense[d] >= 0)
			return &op->arms[op->dense[d]];
	} else {
		for (uint32_t k = 0; k < op->narms; k++)
			if (op->arms[k].value == disc)
				return &op->arms[k];
	}
	return op->has_default ? &op->arms[op->narms] : NULL;
}

/* The plan of a struct type, or NULL when it has none (or it is being built elsewhere). */
const struct ndr_plan *ndr_plan_get(const ridl_type *t);

/* Per-thread scratch memory reused from call to call (the deferral stack and friends), so that
 * a call does not allocate and free them each time. */
struct ndr_scratch {
	struct ndr_vec v[5];
	bool busy;
};
/* The calling thread's scratch, or NULL (out of memory, or already in use by this thread). */
struct ndr_scratch *ndr_scratch_take(void);
void ndr_scratch_give(struct ndr_scratch *s);

/* Where a correlation program reads from. */
struct ndr_corr_env {
	void *const *args; /* the argument frame */
	uint32_t nargs;
	const void *base;  /* the innermost enclosing struct, or NULL */
};

/* A program that is one load: its value without the interpreter. */
static inline bool
ndr_corr_single(const ridl_corr_op *prog, const struct ndr_corr_env *env, int64_t *ret)
{
	if (prog[1].op != RIDL_C_END || !ndr_kind_is_int(prog[0].load))
		return false;
	const void *src;
	if (prog[0].op == RIDL_C_PARAM && prog[0].arg >= 0 && (uint64_t)prog[0].arg < env->nargs && env->args)
		src = env->args[prog[0].arg];
	else if (prog[0].op == RIDL_C_FIELD && env->base && prog[0].arg >= 0)
		src = (const char *)env->base + prog[0].arg;
	else
		return false;
	if (!src)
		return false;
	*ret = ndr_load_int(src, prog[0].load);
	return true;
}

/* Evaluates a correlation program. RPC_S_OK and *ret, or RPC_X_BAD_STUB_DATA (a NULL pointer
 * to read through, division by zero, overflow) or RPC_S_INTERNAL_ERROR (a malformed program). */
RPC_STATUS ndr_corr_eval(const ridl_corr_op *prog, const struct ndr_corr_env *env, int64_t *ret);

/* Finds the union arm for disc; *found false when no arm and no default match. */
static inline const ridl_type *
ndr_union_arm(const ridl_type *t, int64_t disc, bool *found)
{
	for (uint32_t i = 0; i < t->u.un.narms; i++) {
		if (t->u.un.arms[i].value == disc) {
			*found = true;
			return t->u.un.arms[i].type;
		}
	}
	*found = t->u.un.has_default != 0;
	return t->u.un.default_type;
}

/* The conformant array at the end of a conformant struct, and the struct that declares it
 * (*owner_off: its offset from the start of t). */
const ridl_type *ndr_struct_conf_array(const ridl_type *t, uint32_t *owner_off, const ridl_type **owner);

static inline size_t
ndr_align_up(size_t x, unsigned a)
{
	return (x + (a - 1)) & ~(size_t)(a - 1);
}

#endif
