/* NDR 2.0 marshalling (C706 chapter 14), driven by the descriptors of rpcstub.h: the client's
 * [in] parameters and the server's [out] parameters and return value. Always little-endian.
 *
 * Order on the wire. Parameters follow one another. Within a parameter, a pointer that is not
 * inside a struct, union or array (a top-level pointer) is followed at once by its referent; a
 * pointer inside one (embedded) is a referent id in place, and its referent comes after the
 * outermost construct, depth first: each referent is followed by its own deferred referents
 * before the next sibling's. That walk uses an explicit stack, so a long linked list costs
 * memory, not C stack; C recursion only follows the nesting of types, which the tables bound. */
#include <stdlib.h>

#include "ndr_impl.h"

struct defer {
	const ridl_type *to;
	const void *ptr;
	const void *base;
};

struct mctx {
	rpcrt_buf *out;
	size_t start;        /* stub offset 0 in out */
	uint8_t *p0;         /* stub offset 0 */
	uint8_t *w, *end;    /* the write position and the end of out's memory */
	struct ndr_corr_env env;
	uint32_t next_id;
	struct ndr_ptrmap full; /* address -> referent id, for [ptr] */
	struct ndr_vec *stack;  /* struct defer: referents still to marshal */
	bool hoisted;           /* the next conformant array's max_count was written up front */
	uint32_t hoisted_count;
};

/* Stub data never exceeds 2^32 bytes (PDU lengths are 32-bit at most). */
#define NDR_MAX_STUB 0xffffffffu

static inline size_t
pos(const struct mctx *c)
{
	return (size_t)(c->w - c->p0);
}

static RPC_STATUS
grow(struct mctx *c, size_t n)
{
	rpcrt_buf *b = c->out;
	size_t len = (size_t)(c->w - b->data);
	if (n > NDR_MAX_STUB - (len - c->start))
		return RPC_S_OUT_OF_MEMORY;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - len < n)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return RPC_S_OUT_OF_MEMORY;
	b->data = p;
	b->cap = cap;
	c->w = p + len;
	c->end = p + cap;
	c->p0 = p + c->start;
	return RPC_S_OK;
}

/* Room for n more bytes at *ret. */
static inline RPC_STATUS
reserve(struct mctx *c, size_t n, uint8_t **ret)
{
	if ((size_t)(c->end - c->w) < n) {
		RPC_STATUS st = grow(c, n);
		if (st)
			return st;
	}
	*ret = c->w;
	c->w += n;
	return RPC_S_OK;
}

static RPC_STATUS
put(struct mctx *c, const void *src, size_t n)
{
	uint8_t *p;
	RPC_STATUS st = reserve(c, n, &p);
	if (st == RPC_S_OK && n)
		memcpy(p, src, n);
	return st;
}

/* Padding bytes are zero: nothing of the sender's memory leaks through them. */
static inline RPC_STATUS
pad(struct mctx *c, unsigned align)
{
	size_t n = (size_t)(-pos(c)) & (align - 1);
	if (!n)
		return RPC_S_OK;
	if ((size_t)(c->end - c->w) < 8) {
		RPC_STATUS st = grow(c, 8);
		if (st)
			return st;
	}
	memset(c->w, 0, 8); /* one store; n < 8 */
	c->w += n;
	return RPC_S_OK;
}

/* Stores size bytes of v (little-endian) at w. */
static inline void
store_le(uint8_t *w, uint64_t v, unsigned size)
{
#if NDR_HOST_LE
	ndr_store_sized(w, v, size);
#else
	for (unsigned i = 0; i < size; i++)
		w[i] = (uint8_t)(v >> (8 * i));
#endif
}

/* An integer of size bytes (1, 2, 4, 8), aligned to its size, little-endian. */
static inline RPC_STATUS
put_uint(struct mctx *c, uint64_t v, unsigned size)
{
	/* Room for the worst case (7 bytes of padding and 8 of value), so that the padding is
	 * one 8-byte store of zeros. */
	if ((size_t)(c->end - c->w) < 16) {
		RPC_STATUS st = grow(c, 16);
		if (st)
			return st;
	}
	size_t padn = (size_t)(-pos(c)) & (size - 1);
	uint8_t *p = c->w;
	memset(p, 0, 8);
	p += padn;
	c->w = p + size;
	store_le(p, v, size);
	return RPC_S_OK;
}

static RPC_STATUS
put_u32(struct mctx *c, uint32_t v)
{
	return put_uint(c, v, 4);
}

/* A scalar whose wire size is its memory size (not an enum): its bytes as they are. */
static inline RPC_STATUS
put_plain(struct mctx *c, const void *mem, unsigned size)
{
	return put_uint(c, ndr_load_sized(mem, size), size);
}

static RPC_STATUS m_flat(struct mctx *c, const ridl_type *t, const void *mem, const void *base);
static RPC_STATUS m_union(struct mctx *c, const ridl_type *t, const uint8_t *mem, const void *base);
static RPC_STATUS m_struct(struct mctx *c, const ridl_type *t, const uint8_t *mem);
static RPC_STATUS run_plan(struct mctx *c, const struct ndr_plan *pl, const uint8_t *mem);
static RPC_STATUS m_referent(struct mctx *c, const ridl_type *to, const void *p, const void *base);

static RPC_STATUS
m_scalar(struct mctx *c, const ridl_type *t, const void *mem)
{
	if (ndr_kind_is_plain(t->kind))
		return put_plain(c, mem, t->wire_size);
	int64_t e = ndr_load_int(mem, t->kind);
	if (t->kind == RIDL_K_ENUM16 && (e < 0 || e > 0x7fff))
		return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
	return put_uint(c, (uint64_t)e, ndr_int_wire_size(t->kind));
}

static RPC_STATUS
eval(struct mctx *c, const ridl_corr_op *prog, const void *base, int64_t *v)
{
	struct ndr_corr_env env = c->env;
	env.base = base;
	if (ndr_corr_single(prog, &env, v))
		return RPC_S_OK;
	RPC_STATUS st = ndr_corr_eval(prog, &env, v);
	/* On the sending side a value the program cannot compute is the caller's mistake. */
	return st == RPC_X_BAD_STUB_DATA ? RPC_X_INVALID_BOUND : st;
}

/* Elements up to and including the terminating zero, scanning at most `limit` elements
 * (SIZE_MAX: no limit). 0 when there is no terminator within the limit. */
static size_t
string_count(const void *mem, unsigned esize, size_t limit)
{
	if (!mem)
		return 0;
	if (esize == 1) {
		const char *s = mem;
		size_t n = limit == SIZE_MAX ? strlen(s) : strnlen(s, limit);
		return n < limit ? n + 1 : 0;
	}
	const uint8_t *s = mem;
	for (size_t i = 0; i < limit; i++, s += esize) {
		bool zero = true;
		for (unsigned k = 0; k < esize; k++)
			zero = zero && s[k] == 0;
		if (zero)
			return i + 1;
	}
	return 0;
}

/* The counts of an array in memory: max_count (conformant) or its fixed size, and the
 * offset/actual_count pair (varying). */
static RPC_STATUS
array_counts(struct mctx *c, const ridl_type *t, const void *mem, const void *base, uint32_t *ret_max,
	     uint32_t *ret_first, uint32_t *ret_len)
{
	const ridl_type *e = t->u.arr.elem;
	int64_t max = t->u.arr.count, first = 0, len;
	RPC_STATUS st;
	bool string = t->flags & RIDL_TF_STRING;
	if (t->flags & RIDL_TF_CONFORMANT) {
		if (t->u.arr.size) {
			if ((st = eval(c, t->u.arr.size, base, &max)))
				return st;
			if (t->flags & RIDL_TF_MAX_IS) {
				if (max == INT64_MAX)
					return RPC_X_INVALID_BOUND;
				max += 1;
			}
		} else if (string) {
			size_t n = string_count(mem, e->mem_size, SIZE_MAX);
			if (n == 0 || n > NDR_MAX_COUNT)
				return RPC_X_INVALID_BOUND;
			max = (int64_t)n;
		} else {
			return RPC_S_INTERNAL_ERROR;
		}
	}
	if (max < 0 || max > NDR_MAX_COUNT)
		return RPC_X_INVALID_BOUND;
	len = max;
	if (t->flags & RIDL_TF_VARYING) {
		if (t->u.arr.first && (st = eval(c, t->u.arr.first, base, &first)))
			return st;
		if (t->u.arr.length) {
			if ((st = eval(c, t->u.arr.length, base, &len)))
				return st;
			if (t->flags & RIDL_TF_LAST_IS)
				len = len - first + 1;
		} else if (string && !t->u.arr.size && (t->flags & RIDL_TF_CONFORMANT)) {
			len = max; /* measured above */
		} else if (string) {
			size_t n = string_count(mem, e->mem_size, (size_t)max);
			if (n == 0)
				return RPC_X_INVALID_BOUND;
			len = (int64_t)n;
		}
	}
	if (first < 0 || len < 0 || first > max || len > max - first)
		return RPC_X_INVALID_BOUND;
	if ((t->flags & RIDL_TF_RANGE) && (len < t->range_lo || len > t->range_hi))
		return RPC_X_INVALID_BOUND;
	*ret_max = (uint32_t)max;
	*ret_first = (uint32_t)first;
	*ret_len = (uint32_t)len;
	return RPC_S_OK;
}

static RPC_STATUS
m_elements(struct mctx *c, const ridl_type *e, const uint8_t *mem, uint32_t n, const void *base)
{
	RPC_STATUS st = pad(c, e->wire_align);
	if (st || n == 0)
		return st;
	if (NDR_HOST_LE && (e->flags & RIDL_TF_BLITTABLE))
		return put(c, mem, (size_t)n * e->mem_size);
	if (e->kind == RIDL_K_STRUCT && !(e->flags & RIDL_TF_CONFORMANT)) {
		const struct ndr_plan *pl = ndr_plan_get(e);
		if (pl) {
			for (uint32_t i = 0; i < n; i++, mem += e->mem_size)
				if ((st = run_plan(c, pl, mem)))
					return st;
			return RPC_S_OK;
		}
		for (uint32_t i = 0; i < n; i++, mem += e->mem_size)
			if ((st = m_struct(c, e, mem)))
				return st;
		return RPC_S_OK;
	}
	for (uint32_t i = 0; i < n; i++, mem += e->mem_size)
		if ((st = m_flat(c, e, mem, base)))
			return st;
	return RPC_S_OK;
}

static RPC_STATUS
m_array(struct mctx *c, const ridl_type *t, const void *mem, const void *base)
{
	uint32_t max, first, len;
	RPC_STATUS st = array_counts(c, t, mem, base, &max, &first, &len);
	if (st)
		return st;
	if (t->flags & RIDL_TF_CONFORMANT) {
		if (c->hoisted) {
			c->hoisted = false;
			if (c->hoisted_count != max)
				return RPC_S_INTERNAL_ERROR;
		} else if ((st = put_u32(c, max))) {
			return st;
		}
	}
	if (t->flags & RIDL_TF_VARYING) {
		if ((st = put_u32(c, first)) || (st = put_u32(c, len)))
			return st;
	}
	const ridl_type *e = t->u.arr.elem;
	return m_elements(c, e, (const uint8_t *)mem + (size_t)first * e->mem_size, len, base);
}

/* Zero padding up to align from w (room is guaranteed by the caller); returns the new w. */
static inline uint8_t *
pad_at(const struct mctx *c, uint8_t *w, unsigned align)
{
	memset(w, 0, 8);
	return w + ((size_t)(c->p0 - w) & (align - 1));
}

/* One struct by its plan: the buffer is checked once for the most it can take. */
static RPC_STATUS
run_plan(struct mctx *c, const struct ndr_plan *pl, const uint8_t *mem)
{
	if ((size_t)(c->end - c->w) < pl->max_bytes) {
		RPC_STATUS st = grow(c, pl->max_bytes);
		if (st)
			return st;
	}
	uint8_t *w = pad_at(c, c->w, pl->align);
	for (uint32_t i = 0; i < pl->nops; i++) {
		const struct ndr_pop *op = &pl->ops[i];
		const uint8_t *m = mem + op->off;
		int64_t e;
		switch (op->kind) {
		case NP_SCALAR:
			if (op->pad == NDR_PAD_DYNAMIC) {
				w = pad_at(c, w, op->size);
			} else if (op->pad) {
				memset(w, 0, 8);
				w += op->pad;
			}
			store_le(w, ndr_load_sized(m, op->size), op->size);
			w += op->size;
			break;
		case NP_ENUM16:
		case NP_ENUM32:
			e = ndr_load_int(m, RIDL_K_ENUM16);
			if (op->kind == NP_ENUM16 && (e < 0 || e > 0x7fff)) {
				c->w = w;
				return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
			}
			w = pad_at(c, w, op->kind == NP_ENUM16 ? 2 : 4);
			store_le(w, (uint64_t)e, op->kind == NP_ENUM16 ? 2 : 4);
			w += op->kind == NP_ENUM16 ? 2 : 4;
			break;
		case NP_STRUCT: {
			c->w = w;
			RPC_STATUS st = run_plan(c, op->sub, m);
			if (st)
				return st;
			w = c->w;
			break;
		}
		default: { /* NP_UNION */
			const ridl_type *u = op->t;
			uint8_t dk = u->u.un.disc_kind;
			int64_t disc;
			if (u->flags & RIDL_TF_ENCAPSULATED) {
				disc = ndr_load_int(m, dk);
				w = pad_at(c, w, u->wire_align);
			} else {
				disc = ndr_load_int(mem + u->u.un.is[0].arg, u->u.un.is[0].load);
			}
			const struct ndr_parm *arm = ndr_plan_arm(op, disc);
			if (!arm) {
				c->w = w;
				return RPC_S_INVALID_TAG;
			}
			if (dk == RIDL_K_ENUM16 && (disc < 0 || disc > 0x7fff)) {
				c->w = w;
				return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
			}
			unsigned ds = ndr_int_wire_size(dk);
			if (op->pad == NDR_PAD_DYNAMIC) {
				w = pad_at(c, w, ds);
			} else if (op->pad) {
				memset(w, 0, 8);
				w += op->pad;
			}
			store_le(w, (uint64_t)disc, ds);
			w += ds;
			if (arm->kind == NP_EMPTY)
				break;
			if (op->arm_pad == NDR_PAD_DYNAMIC) {
				w = pad_at(c, w, u->u.un.arm_align);
			} else if (op->arm_pad) {
				memset(w, 0, 8);
				w += op->arm_pad;
			}
			if (arm->kind == NP_SCALAR) {
				store_le(w, ndr_load_sized(m + u->u.un.arm_offset, arm->size), arm->size);
				w += arm->size;
			} else {
				c->w = w;
				RPC_STATUS st = run_plan(c, arm->sub, m + u->u.un.arm_offset);
				if (st)
					return st;
				w = c->w;
			}
			break;
		}
		}
	}
	c->w = w;
	return RPC_S_OK;
}

static RPC_STATUS
m_struct(struct mctx *c, const ridl_type *t, const uint8_t *mem)
{
	RPC_STATUS st;
	if ((t->flags & RIDL_TF_CONFORMANT) && !c->hoisted) {
		/* The outermost conformant struct: its array's max_count goes first. */
		uint32_t off = 0, max, first, len;
		const ridl_type *owner = NULL;
		const ridl_type *arr = ndr_struct_conf_array(t, &off, &owner);
		if (!arr)
			return RPC_S_INTERNAL_ERROR;
		const void *abase = mem + off;
		const void *amem = mem + off + owner->u.st.members[owner->u.st.nmembers - 1].offset;
		if ((st = array_counts(c, arr, amem, abase, &max, &first, &len)) || (st = put_u32(c, max)))
			return st;
		c->hoisted = true;
		c->hoisted_count = max;
	}
	if ((st = pad(c, t->wire_align)))
		return st;
	if (NDR_HOST_LE && (t->flags & RIDL_TF_BLITTABLE))
		return put(c, mem, t->wire_size);
	for (uint32_t i = 0; i < t->u.st.nmembers; i++) {
		const ridl_member *m = &t->u.st.members[i];
		const ridl_type *mt = m->type;
		if (ndr_kind_is_plain(mt->kind))
			st = put_plain(c, mem + m->offset, mt->wire_size);
		else if (mt->kind == RIDL_K_UNION)
			st = m_union(c, mt, mem + m->offset, mem);
		else if (mt->kind == RIDL_K_STRUCT && !(mt->flags & RIDL_TF_CONFORMANT))
			st = m_struct(c, mt, mem + m->offset);
		else
			st = m_flat(c, mt, mem + m->offset, mem);
		if (st)
			return st;
	}
	return RPC_S_OK;
}

static RPC_STATUS
m_union(struct mctx *c, const ridl_type *t, const uint8_t *mem, const void *base)
{
	int64_t disc;
	RPC_STATUS st;
	uint8_t dk = t->u.un.disc_kind;
	if (t->flags & RIDL_TF_ENCAPSULATED) {
		disc = ndr_load_int(mem, dk);
		if ((st = pad(c, t->wire_align)))
			return st;
	} else if (t->u.un.is[0].op == RIDL_C_FIELD && t->u.un.is[1].op == RIDL_C_END && base &&
		   ndr_kind_is_int(t->u.un.is[0].load)) {
		/* The common switch_is(sibling field), without the interpreter. */
		disc = ndr_load_int((const uint8_t *)base + t->u.un.is[0].arg, t->u.un.is[0].load);
	} else if ((st = eval(c, t->u.un.is, base, &disc))) {
		return st;
	}
	bool found;
	const ridl_type *arm = ndr_union_arm(t, disc, &found);
	if (!found)
		return RPC_S_INVALID_TAG;
	if (dk == RIDL_K_ENUM16 && (disc < 0 || disc > 0x7fff))
		return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
	if ((st = put_uint(c, (uint64_t)disc, ndr_int_wire_size(dk))) || !arm)
		return st; /* an empty arm: nothing follows, not even padding */
	if ((st = pad(c, t->u.un.arm_align)))
		return st;
	if (ndr_kind_is_plain(arm->kind))
		return put_plain(c, mem + t->u.un.arm_offset, arm->wire_size);
	if (arm->kind == RIDL_K_STRUCT && !(arm->flags & RIDL_TF_CONFORMANT))
		return m_struct(c, arm, mem + t->u.un.arm_offset);
	return m_flat(c, arm, mem + t->u.un.arm_offset, base);
}

/* A referent id for p (non-NULL); *first says whether its referent must follow. */
static RPC_STATUS
ref_id(struct mctx *c, const ridl_type *t, const void *p, uint32_t *id, bool *first)
{
	*first = true;
	if (t->u.ptr.kind == RIDL_PTR_FULL) {
		bool fresh;
		struct ndr_ptrmap_slot *s = ndr_ptrmap_get(&c->full, (uintptr_t)p, &fresh);
		if (!s)
			return RPC_S_OUT_OF_MEMORY;
		if (!fresh) {
			*id = (uint32_t)s->val;
			*first = false;
			return RPC_S_OK;
		}
		s->val = c->next_id;
	}
	*id = c->next_id;
	c->next_id += NDR_REFID_STEP;
	return RPC_S_OK;
}

static RPC_STATUS
m_embedded_ptr(struct mctx *c, const ridl_type *t, const void *mem, const void *base)
{
	const void *p;
	memcpy(&p, mem, sizeof(p));
	if (!p)
		return t->u.ptr.kind == RIDL_PTR_REF ? RPC_X_NULL_REF_POINTER : put_u32(c, 0);
	uint32_t id;
	bool first;
	RPC_STATUS st = ref_id(c, t, p, &id, &first);
	if (st || (st = put_u32(c, id)) || !first)
		return st;
	struct defer *d = ndr_vec_push(c->stack);
	if (!d)
		return RPC_S_OUT_OF_MEMORY;
	*d = (struct defer){t->u.ptr.to, p, base};
	return RPC_S_OK;
}

static RPC_STATUS
m_flat(struct mctx *c, const ridl_type *t, const void *mem, const void *base)
{
	/* No depth guard: without going through a pointer, types nest only as deep as the
	 * tables, which are finite and acyclic (C has no struct that contains itself). */
	switch (t->kind) {
	case RIDL_K_HANDLE:
		return RPC_S_OK;
	case RIDL_K_STRUCT:
		return m_struct(c, t, mem);
	case RIDL_K_UNION:
		return m_union(c, t, mem, base);
	case RIDL_K_POINTER:
		return m_embedded_ptr(c, t, mem, base);
	case RIDL_K_ARRAY:
		return m_array(c, t, mem, base);
	default:
		return t->kind < RIDL_K_STRUCT && t->kind != RIDL_K_INVALID ? m_scalar(c, t, mem) : RPC_S_INTERNAL_ERROR;
	}
}

/* A top-level pointer whose value is at mem. */
static RPC_STATUS
m_top_ptr(struct mctx *c, const ridl_type *t, const void *mem, const void *base)
{
	const void *p;
	memcpy(&p, mem, sizeof(p));
	if (t->u.ptr.kind == RIDL_PTR_REF) {
		if (!p)
			return RPC_X_NULL_REF_POINTER;
		return m_referent(c, t->u.ptr.to, p, base);
	}
	if (!p)
		return put_u32(c, 0);
	uint32_t id;
	bool first;
	RPC_STATUS st = ref_id(c, t, p, &id, &first);
	if (st || (st = put_u32(c, id)) || !first)
		return st;
	return m_referent(c, t->u.ptr.to, p, base);
}

/* A [string] char * without size_is, the most common referent: max_count, offset 0,
 * actual_count and the characters with their NUL, in one piece. */
static RPC_STATUS
m_cstring(struct mctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > NDR_MAX_COUNT)
		return RPC_X_INVALID_BOUND;
	size_t padn = (size_t)(-pos(c)) & 3;
	uint8_t *p;
	RPC_STATUS st = reserve(c, padn + 12 + n, &p);
	if (st)
		return st;
	memset(p, 0, padn);
	p += padn;
	uint32_t v[3] = {(uint32_t)n, 0, (uint32_t)n};
#if NDR_HOST_LE
	memcpy(p, v, 12);
#else
	for (unsigned i = 0; i < 12; i++)
		p[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
#endif
	memcpy(p + 12, s, n);
	return RPC_S_OK;
}

/* The referent at p of a pointer, then (pushed on the work stack) the referents of the
 * pointers inside it. */
static RPC_STATUS
m_referent(struct mctx *c, const ridl_type *to, const void *p, const void *base)
{
	RPC_STATUS st;
	if (ndr_kind_is_plain(to->kind))
		return put_plain(c, p, to->wire_size);
	if (to->kind == RIDL_K_ARRAY && (to->flags & RIDL_TF_STRING) && !to->u.arr.size &&
	    to->u.arr.elem->mem_size == 1 && (to->flags & RIDL_TF_CONFORMANT) && !(to->flags & RIDL_TF_RANGE))
		return m_cstring(c, p);
	if (to->kind == RIDL_K_POINTER) {
		st = m_top_ptr(c, to, p, base);
	} else if (!(to->flags & RIDL_TF_HAS_POINTERS)) {
		st = m_flat(c, to, p, base);
	} else {
		/* The pointers met in this referent land on the stack above mark; reversed,
		 * the first of them is marshalled next. */
		size_t mark = c->stack->n;
		st = m_flat(c, to, p, base);
		struct defer *d = c->stack->items;
		for (size_t i = mark, j = c->stack->n; st == RPC_S_OK && i + 1 < j; i++, j--) {
			struct defer x = d[i];
			d[i] = d[j - 1];
			d[j - 1] = x;
		}
	}
	return st;
}

static RPC_STATUS
run_deferred(struct mctx *c)
{
	RPC_STATUS st = RPC_S_OK;
	while (st == RPC_S_OK && c->stack->n) {
		struct defer d = ((struct defer *)c->stack->items)[--c->stack->n];
		st = m_referent(c, d.to, d.ptr, d.base);
	}
	return st;
}

/* One parameter (or the return value) as a top-level construct. */
static RPC_STATUS
m_param(struct mctx *c, const ridl_type *t, const void *mem)
{
	RPC_STATUS st;
	if (t->kind == RIDL_K_POINTER)
		st = m_top_ptr(c, t, mem, NULL);
	else
		st = m_referent(c, t, mem, NULL);
	return st ? st : run_deferred(c);
}

static RPC_STATUS
marshal(const ridl_proc *proc, void *const *args, const void *ret, bool response, rpcrt_buf *out,
	size_t *ret_size)
{
	if (!proc || proc->magic != RIDL_MAGIC_PROC || (proc->nparams && !args))
		return RPC_S_INVALID_ARG;
	rpcrt_buf tmp = {0};
	if (!out)
		out = &tmp; /* only the size is wanted */
	struct mctx c = {
		.out = out,
		.start = out->len,
		.env = {args, proc->nparams, NULL},
		.next_id = NDR_REFID_FIRST,
	};
	if (!out->data || out->cap - out->len < 64) {
		/* A buffer to write into from the start: the pointers below are then never NULL. */
		size_t cap = out->cap ? out->cap : 256;
		while (cap - out->len < 64)
			cap *= 2;
		uint8_t *p = realloc(out->data, cap);
		if (!p)
			return RPC_S_OUT_OF_MEMORY;
		out->data = p;
		out->cap = cap;
	}
	c.p0 = c.w = out->data + out->len;
	c.end = out->data + out->cap;
	struct ndr_scratch *scratch = ndr_scratch_take();
	struct ndr_vec own = {.size = sizeof(struct defer)};
	c.stack = scratch ? &scratch->v[0] : &own;
	ndr_vec_reset(c.stack, sizeof(struct defer));
	uint32_t dir = response ? RIDL_PF_OUT : RIDL_PF_IN;
	RPC_STATUS st = RPC_S_OK;
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if (!(p->flags & dir) || (p->flags & (RIDL_PF_BINDING | RIDL_PF_COMM_STATUS | RIDL_PF_FAULT_STATUS)))
			continue;
		if (!args[i])
			st = RPC_S_INVALID_ARG;
		else
			st = m_param(&c, p->type, args[i]);
	}
	if (st == RPC_S_OK && response && proc->ret)
		st = ret ? m_param(&c, proc->ret, ret) : RPC_S_INVALID_ARG;
	out->len = st == RPC_S_OK ? (size_t)(c.w - out->data) : c.start; /* nothing half-written stays */
	if (st == RPC_S_OK && ret_size)
		*ret_size = out->len - c.start;
	rpcrt_buf_free(&tmp);
	ndr_ptrmap_free(&c.full);
	ndr_vec_free(&own);
	ndr_scratch_give(scratch);
	return st;
}

RPC_STATUS
rpcrt_ndr_marshal_request(const ridl_proc *proc, void *const *args, rpcrt_buf *out)
{
	return out ? marshal(proc, args, NULL, false, out, NULL) : RPC_S_INVALID_ARG;
}

RPC_STATUS
rpcrt_ndr_marshal_response(const ridl_proc *proc, void *const *args, const void *ret, rpcrt_buf *out)
{
	return out ? marshal(proc, args, ret, true, out, NULL) : RPC_S_INVALID_ARG;
}

RPC_STATUS
rpcrt_ndr_size_request(const ridl_proc *proc, void *const *args, size_t *ret_size)
{
	return ret_size ? marshal(proc, args, NULL, false, NULL, ret_size) : RPC_S_INVALID_ARG;
}

RPC_STATUS
rpcrt_ndr_size_response(const ridl_proc *proc, void *const *args, const void *ret, size_t *ret_size)
{
	return ret_size ? marshal(proc, args, ret, true, NULL, ret_size) : RPC_S_INVALID_ARG;
}
