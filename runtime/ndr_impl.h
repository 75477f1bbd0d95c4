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
void *ndr_vec_push(struct ndr_vec *v);
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
bool ndr_kind_is_int(uint8_t kind);
int64_t ndr_load_int(const void *p, uint8_t kind);
void ndr_store_int(void *p, uint8_t kind, int64_t v);
/* The NDR wire size of an integer kind (ENUM16: 2). */
unsigned ndr_int_wire_size(uint8_t kind);

/* Where a correlation program reads from. */
struct ndr_corr_env {
	void *const *args; /* the argument frame */
	uint32_t nargs;
	const void *base;  /* the innermost enclosing struct, or NULL */
};

/* Evaluates a correlation program. RPC_S_OK and *ret, or RPC_X_BAD_STUB_DATA (a NULL pointer
 * to read through, division by zero, overflow) or RPC_S_INTERNAL_ERROR (a malformed program). */
RPC_STATUS ndr_corr_eval(const ridl_corr_op *prog, const struct ndr_corr_env *env, int64_t *ret);

/* Finds the union arm for disc; *found false when no arm and no default match. */
const ridl_type *ndr_union_arm(const ridl_type *t, int64_t disc, bool *found);

/* The conformant array at the end of a conformant struct, and the struct that declares it
 * (*owner_off: its offset from the start of t). */
const ridl_type *ndr_struct_conf_array(const ridl_type *t, uint32_t *owner_off, const ridl_type **owner);

static inline size_t
ndr_align_up(size_t x, unsigned a)
{
	return (x + (a - 1)) & ~(size_t)(a - 1);
}

#endif
