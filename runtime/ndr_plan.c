/* Marshalling plans: for the structs that are most often sent in bulk (members that are
 * scalars, enums, nested such structs and unions whose arms are such), a flat list of steps
 * built once per type from its descriptor, with the most bytes one value can take, so that the
 * marshaller checks the buffer once per struct and dispatches on one small switch per member
 * instead of walking the general descriptors. Plans are built lazily, published in a lock-free
 * table and kept for the life of the process (they describe static tables). */
#include <stdlib.h>
#include <string.h>

#include "ndr_impl.h"

#define PLAN_SLOTS 1024u
#define PLAN_PROBES 16u
#define PLAN_DEPTH 16

static struct {
	const ridl_type *key; /* atomic */
	const struct ndr_plan *val; /* atomic; &no_plan: the type has none */
} cache[PLAN_SLOTS];

static const struct ndr_plan no_plan;

static const struct ndr_plan *lookup(const ridl_type *t, unsigned depth);

/* A union member's arms, or false when one of them is not plannable. */
static bool
build_union(struct ndr_pop *op, const ridl_type *u, unsigned depth, bool *has_range)
{
	uint32_t n = u->u.un.narms + (u->u.un.has_default ? 1 : 0);
	if (!(u->flags & RIDL_TF_ENCAPSULATED)) {
		const ridl_corr_op *is = u->u.un.is;
		if (!is || is[0].op != RIDL_C_FIELD || is[1].op != RIDL_C_END || !ndr_kind_is_int(is[0].load))
			return false;
	}
	if (!ndr_kind_is_int(u->u.un.disc_kind))
		return false;
	struct ndr_parm *arms = calloc(n ? n : 1, sizeof(*arms));
	if (!arms)
		return false;
	uint32_t max = 0;
	for (uint32_t i = 0; i < n; i++) {
		const ridl_type *at = i < u->u.un.narms ? u->u.un.arms[i].type : u->u.un.default_type;
		arms[i].value = i < u->u.un.narms ? u->u.un.arms[i].value : 0;
		uint32_t need = 0;
		if (!at) {
			arms[i].kind = NP_EMPTY;
		} else if (ndr_kind_is_plain(at->kind)) {
			*has_range = *has_range || (at->flags & RIDL_TF_RANGE);
			arms[i].kind = NP_SCALAR;
			arms[i].size = (uint8_t)at->wire_size;
			need = 16;
		} else if (at->kind == RIDL_K_STRUCT && (arms[i].sub = lookup(at, depth + 1)) != NULL) {
			arms[i].kind = NP_STRUCT;
			*has_range = *has_range || arms[i].sub->has_range;
			need = 8 + arms[i].sub->max_bytes;
		} else {
			free(arms);
			return false;
		}
		if (need > max)
			max = need;
	}
	/* Case values within 16 of each other: a table instead of a search. */
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (uint32_t i = 0; i < u->u.un.narms; i++) {
		lo = u->u.un.arms[i].value < lo ? u->u.un.arms[i].value : lo;
		hi = u->u.un.arms[i].value > hi ? u->u.un.arms[i].value : hi;
	}
	if (u->u.un.narms && hi - lo < 16 && hi >= lo) {
		op->has_dense = true;
		op->dense_lo = lo;
		memset(op->dense, -1, sizeof(op->dense));
		for (uint32_t i = u->u.un.narms; i-- > 0;)
			op->dense[u->u.un.arms[i].value - lo] = (int8_t)i; /* the first arm wins */
	}
	op->kind = NP_UNION;
	op->t = u;
	op->arms = arms;
	op->narms = u->u.un.narms;
	op->has_default = u->u.un.has_default != 0;
	op->max_bytes = 16 + 8 + max;
	return true;
}

static void
plan_free(struct ndr_plan *p)
{
	for (uint32_t i = 0; i < p->nops; i++)
		if (p->ops[i].kind == NP_UNION)
			free((void *)p->ops[i].arms);
	free(p);
}

static const struct ndr_plan *
build(const ridl_type *t, unsigned depth)
{
	if (t->kind != RIDL_K_STRUCT ||
	    (t->flags & (RIDL_TF_CONFORMANT | RIDL_TF_HAS_POINTERS)) || t->wire_align == 0)
		return NULL;
	struct ndr_plan *p = calloc(1, sizeof(*p) + t->u.st.nmembers * sizeof(struct ndr_pop));
	if (!p)
		return NULL;
	p->align = t->wire_align;
	uint32_t max = 8;
	int pos = 0; /* offset from the struct's start modulo 8, or -1 when not known */
	for (uint32_t i = 0; i < t->u.st.nmembers; i++) {
		const ridl_member *m = &t->u.st.members[i];
		const ridl_type *mt = m->type;
		struct ndr_pop *op = &p->ops[p->nops++];
		op->off = m->offset;
		op->pad = op->arm_pad = NDR_PAD_DYNAMIC;
		if (ndr_kind_is_plain(mt->kind) || mt->kind == RIDL_K_ENUM16 || mt->kind == RIDL_K_ENUM32) {
			op->kind = mt->kind == RIDL_K_ENUM16 ? NP_ENUM16 : mt->kind == RIDL_K_ENUM32 ? NP_ENUM32 : NP_SCALAR;
			op->size = (uint8_t)(mt->kind == RIDL_K_ENUM16 ? 2 : mt->kind == RIDL_K_ENUM32 ? 4 : mt->wire_size);
			op->max_bytes = 16;
			p->has_range = p->has_range || (mt->flags & RIDL_TF_RANGE);
			if (pos >= 0) {
				op->pad = (uint8_t)((unsigned)-pos & (op->size - 1u));
				pos = (pos + op->pad + op->size) & 7;
			}
		} else if (mt->kind == RIDL_K_STRUCT && (op->sub = lookup(mt, depth + 1)) != NULL) {
			op->kind = NP_STRUCT;
			op->max_bytes = 8 + op->sub->max_bytes;
			p->has_range = p->has_range || op->sub->has_range;
			pos = -1;
		} else if (mt->kind != RIDL_K_UNION || !build_union(op, mt, depth, &p->has_range)) {
			p->nops--;
			plan_free(p);
			return NULL;
		} else {
			unsigned ds = ndr_int_wire_size(mt->u.un.disc_kind);
			unsigned start = (mt->flags & RIDL_TF_ENCAPSULATED) ? mt->wire_align : ds;
			if (pos >= 0 && start == ds) {
				/* The discriminant's padding, then the arm's, both known here. */
				op->pad = (uint8_t)((unsigned)-pos & (ds - 1u));
				unsigned after = (unsigned)pos + op->pad + ds;
				op->arm_pad = (uint8_t)(-after & (mt->u.un.arm_align - 1u));
			}
			pos = -1;
		}
		max += op->max_bytes;
	}
	p->max_bytes = max;
	return p;
}

static size_t
slot_of(const ridl_type *t)
{
	uint64_t x = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 40) & (PLAN_SLOTS - 1);
}

static const struct ndr_plan *
lookup(const ridl_type *t, unsigned depth)
{
	if (depth > PLAN_DEPTH)
		return NULL;
	size_t h = slot_of(t);
	for (unsigned i = 0; i < PLAN_PROBES; i++, h = (h + 1) & (PLAN_SLOTS - 1)) {
		const ridl_type *k = __atomic_load_n(&cache[h].key, __ATOMIC_ACQUIRE);
		if (k == t) {
			const struct ndr_plan *v = __atomic_load_n(&cache[h].val, __ATOMIC_ACQUIRE);
			return v == &no_plan ? NULL : v; /* NULL also while another thread builds it */
		}
		if (k)
			continue;
		const ridl_type *expect = NULL;
		if (!__atomic_compare_exchange_n(&cache[h].key, &expect, t, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			if (expect == t)
				return NULL; /* being built by another thread: the slow path this time */
			continue;
		}
		/* The slot is ours: nested structs are looked up (and claimed) by build(). */
		const struct ndr_plan *p = build(t, depth);
		__atomic_store_n(&cache[h].val, p ? p : &no_plan, __ATOMIC_RELEASE);
		return p;
	}
	return NULL; /* the table is full around this type: no plan */
}

const struct ndr_plan *
ndr_plan_get(const ridl_type *t)
{
	return lookup(t, 0);
}
