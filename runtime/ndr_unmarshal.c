/* NDR 2.0 unmarshalling: the server's [in] parameters and the client's [out] parameters and
 * return value. This is where a peer's bytes become memory, so:
 * - every read is checked against the bytes that remain, before it happens;
 * - a count is checked against the bytes that remain before anything is allocated for it, and
 *   sizes are computed in 64 bits with overflow checks;
 * - correlations (size_is, length_is, first_is, switch_is ...) are checked against the values
 *   they name once everything is read (the named value may come later on the wire);
 * - on failure everything allocated is released: the server's arena by its owner, the
 *   client's MIDL_user_allocate blocks here (and the pointers to them are cleared).
 * The walk mirrors ndr_marshal.c: deferred referents go through an explicit stack. */
#include <stdlib.h>

#include "ndr_impl.h"

struct udefer {
	const ridl_type *to;
	void *slot;     /* where the pointer to the referent is stored */
	const void *base;
	uint32_t full_id; /* [ptr]: the id to record the new object under, else 0 */
};

enum check_kind { CK_SIZE, CK_FIRST, CK_LENGTH, CK_SWITCH };

struct check {
	const ridl_corr_op *prog;
	const void *base;
	int64_t expect;
};

struct fixup {
	uint32_t id;
	void *slot;
};

struct alloc {
	void *ptr;
	void *slot;
};

struct uctx {
	const uint8_t *p;
	size_t len, pos;
	bool wire_le;            /* the sender's integers are little-endian */
	bool swap;               /* ... and that is not the host's order */
	bool server;
	bool shadow;             /* client, checking only: memory comes from arena, unrecorded */
	rpcrt_arena *arena;
	const rpcrt_ndr_limits *lim;
	struct ndr_corr_env env;
	struct ndr_ptrmap full;  /* referent id -> object, for [ptr] */
	struct ndr_scratch *scratch; /* per-thread vectors reused between calls, or NULL */
	struct ndr_vec own[4];   /* the vectors when there is no scratch */
	struct ndr_vec *stack;   /* struct udefer: referents still to read */
	struct ndr_vec *checks;  /* struct check */
	struct ndr_vec *fixups;  /* struct fixup: [ptr] ids seen before their object existed */
	struct ndr_vec *allocs;  /* struct alloc: client allocations, undone on failure */
	uint32_t cur_param;      /* the parameter being read */
	const ridl_proc *proc;
	const void *cur_struct;  /* the struct whose members are being read, and the offset of */
	uint32_t cur_member;     /* the member being read: members before it are known */
	bool hoisted;
	uint32_t hoisted_count;
	bool have_cap;           /* client: a caller buffer's capacity applies to the next array */
	uint64_t cap;
	unsigned depth;
};

/* ---- reading ---- */

static RPC_STATUS
align(struct uctx *c, unsigned a)
{
	size_t np = ndr_align_up(c->pos, a);
	if (np > c->len)
		return RPC_X_BAD_STUB_DATA;
	c->pos = np;
	return RPC_S_OK;
}

/* An integer of size bytes (1, 2, 4, 8) aligned to its size, zero-extended into *v. */
static inline RPC_STATUS
get_uint(struct uctx *c, unsigned size, uint64_t *v)
{
	size_t at = ndr_align_up(c->pos, size);
	if (at > c->len || c->len - at < size)
		return RPC_X_BAD_STUB_DATA;
	const uint8_t *b = c->p + at;
	c->pos = at + size;
	uint64_t x = 0;
	if (NDR_HOST_LE && !c->swap) {
		x = ndr_load_sized(b, size);
	} else {
		for (unsigned i = 0; i < size; i++)
			x |= (uint64_t)b[c->wire_le ? i : size - 1 - i] << (8 * i);
	}
	*v = x;
	return RPC_S_OK;
}

/* A scalar whose wire size is its memory size (not an enum), stored as it is. */
static inline RPC_STATUS
get_plain(struct uctx *c, void *mem, unsigned size)
{
	uint64_t v;
	RPC_STATUS st = get_uint(c, size, &v);
	if (!st)
		ndr_store_sized(mem, v, size);
	return st;
}

static RPC_STATUS
get_u32(struct uctx *c, uint32_t *v)
{
	uint64_t x = 0;
	RPC_STATUS st = get_uint(c, 4, &x);
	*v = (uint32_t)x;
	return st;
}

/* Sign-extends a wire integer of `kind`. */
static int64_t
wire_int(uint64_t v, uint8_t kind)
{
	switch (kind) {
	case RIDL_K_INT8: return (int8_t)v;
	case RIDL_K_INT16: return (int16_t)v;
	case RIDL_K_INT32: case RIDL_K_ENUM32: return (int32_t)v;
	default: return (int64_t)v;
	}
}

/* ---- memory ---- */

/* Zeroed memory for n bytes; on the client the block is recorded (with the slot that will
 * point to it) so that a failure can undo it. */
/* Memory for n bytes, not zeroed: the reader writes every member (pointers included) and the
 * parts of a varying array that are not sent are zeroed by the caller. On the client the block
 * is recorded (with the slot that will point to it) so that a failure can undo it. */
static void *
u_alloc(struct uctx *c, size_t n, void *slot)
{
	if (c->server || c->shadow)
		return rpcrt_arena_alloc(c->arena, n);
	struct alloc *a = ndr_vec_push(c->allocs);
	if (!a)
		return NULL;
	void *p = MIDL_user_allocate(n ? n : 1);
	if (!p) {
		c->allocs->n--;
		return NULL;
	}
	a->ptr = p;
	a->slot = slot;
	return p;
}

/* Is the value a one-load program reads already known? */
static bool
load_ready(const struct uctx *c, const ridl_corr_op *op, const void *base)
{
	if (op->op == RIDL_C_PARAM) {
		if (op->arg < 0 || (uint64_t)op->arg >= c->proc->nparams)
			return false;
		uint32_t flags = c->proc->params[op->arg].flags;
		if (c->server)
			return (uint64_t)op->arg < c->cur_param && (flags & RIDL_PF_IN);
		return !(flags & RIDL_PF_OUT) || (uint64_t)op->arg < c->cur_param;
	}
	if (op->op == RIDL_C_FIELD)
		return base && (base != c->cur_struct || (uint64_t)op->arg + (op->load == RIDL_K_ENUM16 ? sizeof(int) : ndr_int_wire_size(op->load)) <= c->cur_member);
	return false;
}

/* A correlated value must equal expect: checked now when it is known (and a one-load program),
 * else once everything is read. */
static RPC_STATUS
add_check(struct uctx *c, const ridl_corr_op *prog, const void *base, int64_t expect)
{
	if (prog && prog[0].op != RIDL_C_END && prog[1].op == RIDL_C_END && c->proc && load_ready(c, prog, base)) {
		struct ndr_corr_env env = c->env;
		env.base = base;
		int64_t v;
		if (ndr_corr_single(prog, &env, &v))
			return v == expect ? RPC_S_OK : RPC_X_BAD_STUB_DATA;
	}
	struct check *k = ndr_vec_push(c->checks);
	if (!k)
		return RPC_S_OUT_OF_MEMORY;
	*k = (struct check){prog, base, expect};
	return RPC_S_OK;
}

static RPC_STATUS u_flat(struct uctx *c, const ridl_type *t, void *mem, const void *base);
static RPC_STATUS u_run_plan(struct uctx *c, const struct ndr_plan *pl, uint8_t *mem);
static inline const struct ndr_plan *u_plan(const struct uctx *c, const ridl_type *t);

/* A NULL pointer to a sized array: the size must then be 0 (MS-RPCE 3.1.1.5.3.3.1, the
 * consistency check that [disable_consistency_check] would turn off). */
static RPC_STATUS
null_consistency(struct uctx *c, const ridl_type *to, const void *base)
{
	if (to->kind != RIDL_K_ARRAY || !(to->flags & RIDL_TF_CONFORMANT) || !to->u.arr.size ||
	    (to->flags & RIDL_TF_MAX_IS))
		return RPC_S_OK;
	return add_check(c, to->u.arr.size, base, 0);
}
static RPC_STATUS u_top_ptr(struct uctx *c, const ridl_type *t, void *slot, const void *base, bool in_place);

/* ---- arrays ---- */

struct counts {
	uint32_t max, first, len;
};

/* Reads an array's max_count / offset / actual_count (whatever it has) and checks them. */
static RPC_STATUS
u_array_hdr(struct uctx *c, const ridl_type *t, const void *base, struct counts *k)
{
	RPC_STATUS st;
	k->max = t->u.arr.count;
	if (t->flags & RIDL_TF_CONFORMANT) {
		if (c->hoisted) {
			c->hoisted = false;
			k->max = c->hoisted_count;
		} else if ((st = get_u32(c, &k->max))) {
			return st;
		}
		if (k->max > NDR_MAX_COUNT)
			return RPC_X_BAD_STUB_DATA;
		if (c->have_cap) {
			/* A buffer the caller provided: the response may not exceed it. */
			c->have_cap = false;
			if (k->max > c->cap)
				return RPC_X_BAD_STUB_DATA;
		}
		if (t->u.arr.size) {
			int64_t expect = (int64_t)k->max - ((t->flags & RIDL_TF_MAX_IS) ? 1 : 0);
			if ((st = add_check(c, t->u.arr.size, base, expect)))
				return st;
		}
	}
	k->first = 0;
	k->len = k->max;
	if (t->flags & RIDL_TF_VARYING) {
		if ((st = get_u32(c, &k->first)) || (st = get_u32(c, &k->len)))
			return st;
		/* 64-bit sum: offset 0xffffffff with actual_count 1 must not wrap. */
		if ((uint64_t)k->first + k->len > k->max)
			return RPC_X_INVALID_BOUND;
		if (t->u.arr.first && (st = add_check(c, t->u.arr.first, base, k->first)))
			return st;
		if (t->u.arr.length) {
			int64_t expect = k->len;
			if (t->flags & RIDL_TF_LAST_IS)
				expect = (int64_t)k->first + k->len - 1;
			if ((st = add_check(c, t->u.arr.length, base, expect)))
				return st;
		}
	}
	if (t->flags & RIDL_TF_STRING) {
		/* MS-RPCE 3.1.1.5.3.2.1.10: offset 0 and at least the terminator. */
		if (k->first != 0 || k->len == 0)
			return RPC_X_INVALID_BOUND;
	}
	if ((t->flags & RIDL_TF_RANGE) && ((int64_t)k->len < t->range_lo || (int64_t)k->len > t->range_hi))
		return RPC_X_INVALID_BOUND;
	return RPC_S_OK;
}

static size_t
elem_min_wire(const ridl_type *e)
{
	return e->wire_size ? e->wire_size : 1;
}

/* Are n elements of e possibly present in what remains? (Checked before allocating.) */
static bool
elems_fit(const struct uctx *c, const ridl_type *e, uint64_t n)
{
	size_t at = ndr_align_up(c->pos, e->wire_align);
	size_t left = at <= c->len ? c->len - at : 0;
	return n <= left / elem_min_wire(e);
}

static RPC_STATUS
u_array_elems(struct uctx *c, const ridl_type *t, uint8_t *mem, const struct counts *k, const void *base)
{
	const ridl_type *e = t->u.arr.elem;
	RPC_STATUS st = align(c, e->wire_align);
	if (st)
		return st;
	if (!elems_fit(c, e, k->len))
		return RPC_X_BAD_STUB_DATA;
	uint8_t *dst = mem + (size_t)k->first * e->mem_size;
	if (k->len && NDR_HOST_LE && !c->swap && (e->flags & RIDL_TF_BLITTABLE)) {
		size_t n = (size_t)k->len * e->mem_size;
		memcpy(dst, c->p + c->pos, n);
		c->pos += n;
	} else if (e->kind == RIDL_K_STRUCT && u_plan(c, e)) {
		const struct ndr_plan *pl = u_plan(c, e);
		for (uint32_t i = 0; i < k->len; i++)
			if ((st = u_run_plan(c, pl, dst + (size_t)i * e->mem_size)))
				return st;
	} else {
		for (uint32_t i = 0; i < k->len; i++)
			if ((st = u_flat(c, e, dst + (size_t)i * e->mem_size, base)))
				return st;
	}
	if (t->flags & RIDL_TF_STRING) {
		const uint8_t *last = dst + (size_t)(k->len - 1) * e->mem_size;
		for (unsigned i = 0; i < e->mem_size; i++)
			if (last[i])
				return RPC_X_INVALID_BOUND;
	}
	return RPC_S_OK;
}

/* ---- structs and unions ---- */

/* One struct by its plan (little-endian data into a little-endian host, no [range]): every
 * read is still checked against what remains. */
static RPC_STATUS
u_run_plan(struct uctx *c, const struct ndr_plan *pl, uint8_t *mem)
{
	const uint8_t *p = c->p;
	size_t len = c->len;
	size_t pos = ndr_align_up(c->pos, pl->align);
	if (pos > len)
		return RPC_X_BAD_STUB_DATA;
	for (uint32_t i = 0; i < pl->nops; i++) {
		const struct ndr_pop *op = &pl->ops[i];
		uint8_t *m = mem + op->off;
		switch (op->kind) {
		case NP_SCALAR:
		case NP_ENUM16:
		case NP_ENUM32: {
			unsigned size = op->size;
			size_t pad = op->pad == NDR_PAD_DYNAMIC ? (size_t)(-pos) & (size - 1) : op->pad;
			if (len - pos < pad + size)
				return RPC_X_BAD_STUB_DATA;
			pos += pad;
			uint64_t v = ndr_load_sized(p + pos, size);
			pos += size;
			if (op->kind == NP_SCALAR) {
				ndr_store_sized(m, v, size);
			} else {
				if (op->kind == NP_ENUM16 && v > 0x7fff)
					return RPC_X_BAD_STUB_DATA;
				int e = (int)(int32_t)v;
				memcpy(m, &e, sizeof(e));
			}
			break;
		}
		case NP_STRUCT: {
			c->pos = pos;
			RPC_STATUS st = u_run_plan(c, op->sub, m);
			if (st)
				return st;
			pos = c->pos;
			break;
		}
		default: { /* NP_UNION */
			const ridl_type *u = op->t;
			uint8_t dk = u->u.un.disc_kind;
			unsigned ds = ndr_int_wire_size(dk);
			size_t pad;
			if (u->flags & RIDL_TF_ENCAPSULATED)
				pad = (size_t)(-pos) & (u->wire_align - 1u);
			else
				pad = op->pad == NDR_PAD_DYNAMIC ? (size_t)(-pos) & (ds - 1) : op->pad;
			if (len - pos < pad + ds)
				return RPC_X_BAD_STUB_DATA;
			pos += pad;
			int64_t disc = wire_int(ndr_load_sized(p + pos, ds), dk);
			pos += ds;
			if (dk == RIDL_K_ENUM16 && disc > 0x7fff)
				return RPC_X_BAD_STUB_DATA;
			const struct ndr_parm *arm = ndr_plan_arm(op, disc);
			if (!arm)
				return RPC_S_INVALID_TAG;
			if (u->flags & RIDL_TF_ENCAPSULATED) {
				ndr_store_int(m, dk, disc);
			} else {
				/* MS-RPCE 3.1.1.5.3.2.1.11: the switch_is field must agree; it is
				 * already read when it comes before the union. */
				const ridl_corr_op *is = u->u.un.is;
				unsigned fsize = is[0].load == RIDL_K_ENUM16 ? sizeof(int) : ndr_int_wire_size(is[0].load);
				if ((uint64_t)is[0].arg + fsize <= op->off) {
					if (ndr_load_int(mem + is[0].arg, is[0].load) != disc)
						return RPC_X_BAD_STUB_DATA;
				} else {
					RPC_STATUS st = add_check(c, is, mem, disc);
					if (st)
						return st;
				}
			}
			if (arm->kind == NP_EMPTY)
				break;
			pad = op->arm_pad == NDR_PAD_DYNAMIC ? (size_t)(-pos) & (u->u.un.arm_align - 1u) : op->arm_pad;
			if (len - pos < pad)
				return RPC_X_BAD_STUB_DATA;
			pos += pad;
			uint8_t *am = m + u->u.un.arm_offset;
			if (arm->kind == NP_SCALAR) {
				size_t apad = (size_t)(-pos) & (arm->size - 1u);
				if (len - pos < apad + arm->size)
					return RPC_X_BAD_STUB_DATA;
				pos += apad;
				ndr_store_sized(am, ndr_load_sized(p + pos, arm->size), arm->size);
				pos += arm->size;
			} else {
				c->pos = pos;
				RPC_STATUS st = u_run_plan(c, arm->sub, am);
				if (st)
					return st;
				pos = c->pos;
			}
			break;
		}
		}
	}
	c->pos = pos;
	return RPC_S_OK;
}

static inline const struct ndr_plan *
u_plan(const struct uctx *c, const ridl_type *t)
{
	if (!NDR_HOST_LE || c->swap || (t->flags & (RIDL_TF_CONFORMANT | RIDL_TF_BLITTABLE)))
		return NULL;
	const struct ndr_plan *pl = ndr_plan_get(t);
	return pl && !pl->has_range ? pl : NULL;
}

static RPC_STATUS
u_struct(struct uctx *c, const ridl_type *t, uint8_t *mem)
{
	RPC_STATUS st;
	const struct ndr_plan *pl = u_plan(c, t);
	if (pl)
		return u_run_plan(c, pl, mem);
	if ((t->flags & RIDL_TF_CONFORMANT) && !c->hoisted) {
		/* Reached in place (a caller's buffer): the hoisted max_count is read here. */
		if ((st = get_u32(c, &c->hoisted_count)))
			return st;
		c->hoisted = true;
	}
	if ((st = align(c, t->wire_align)))
		return st;
	if (NDR_HOST_LE && !c->swap && (t->flags & RIDL_TF_BLITTABLE)) {
		if (c->len - c->pos < t->wire_size)
			return RPC_X_BAD_STUB_DATA;
		memcpy(mem, c->p + c->pos, t->wire_size);
		c->pos += t->wire_size;
		return RPC_S_OK;
	}
	const void *outer = c->cur_struct;
	uint32_t outer_member = c->cur_member;
	c->cur_struct = mem;
	st = RPC_S_OK;
	for (uint32_t i = 0; st == RPC_S_OK && i < t->u.st.nmembers; i++) {
		const ridl_member *m = &t->u.st.members[i];
		c->cur_member = m->offset;
		if (ndr_kind_is_plain(m->type->kind) && !(m->type->flags & RIDL_TF_RANGE))
			st = get_plain(c, mem + m->offset, m->type->wire_size);
		else
			st = u_flat(c, m->type, mem + m->offset, mem);
	}
	c->cur_struct = outer;
	c->cur_member = outer_member;
	return st;
}

static RPC_STATUS
u_union(struct uctx *c, const ridl_type *t, uint8_t *mem, const void *base)
{
	RPC_STATUS st;
	uint8_t dk = t->u.un.disc_kind;
	uint64_t raw;
	if ((t->flags & RIDL_TF_ENCAPSULATED) && (st = align(c, t->wire_align)))
		return st;
	if ((st = get_uint(c, ndr_int_wire_size(dk), &raw)))
		return st;
	int64_t disc = wire_int(raw, dk);
	if (dk == RIDL_K_ENUM16 && disc > 0x7fff)
		return RPC_X_BAD_STUB_DATA;
	bool found;
	const ridl_type *arm = ndr_union_arm(t, disc, &found);
	if (!found)
		return RPC_S_INVALID_TAG;
	if (t->flags & RIDL_TF_ENCAPSULATED)
		ndr_store_int(mem, dk, disc);
	else if ((st = add_check(c, t->u.un.is, base, disc)))
		return st; /* MS-RPCE 3.1.1.5.3.2.1.11: the two copies must agree */
	if (!arm)
		return RPC_S_OK; /* an empty arm: nothing follows, not even padding */
	if ((st = align(c, t->u.un.arm_align)))
		return st;
	if (ndr_kind_is_plain(arm->kind) && !(arm->flags & RIDL_TF_RANGE))
		return get_plain(c, mem + t->u.un.arm_offset, arm->wire_size);
	return u_flat(c, arm, mem + t->u.un.arm_offset, base);
}

/* ---- pointers ---- */

static RPC_STATUS
u_embedded_ptr(struct uctx *c, const ridl_type *t, void *slot, const void *base)
{
	uint32_t id;
	RPC_STATUS st = get_u32(c, &id);
	if (st)
		return st;
	void *null = NULL;
	if (id == 0) {
		if (t->u.ptr.kind == RIDL_PTR_REF)
			return RPC_X_NULL_REF_POINTER;
		memcpy(slot, &null, sizeof(null));
		return null_consistency(c, t->u.ptr.to, base);
	}
	memcpy(slot, &null, sizeof(null));
	uint32_t full_id = 0;
	if (t->u.ptr.kind == RIDL_PTR_FULL) {
		bool fresh;
		if (!ndr_ptrmap_get(&c->full, id, &fresh))
			return RPC_S_OUT_OF_MEMORY;
		if (!fresh) {
			struct fixup *f = ndr_vec_push(c->fixups);
			if (!f)
				return RPC_S_OUT_OF_MEMORY;
			*f = (struct fixup){id, slot};
			return RPC_S_OK;
		}
		full_id = id;
	}
	struct udefer *d = ndr_vec_push(c->stack);
	if (!d)
		return RPC_S_OUT_OF_MEMORY;
	*d = (struct udefer){t->u.ptr.to, slot, base, full_id};
	return RPC_S_OK;
}

static RPC_STATUS
u_flat(struct uctx *c, const ridl_type *t, void *mem, const void *base)
{
	RPC_STATUS st;
	if (++c->depth > c->lim->max_depth) {
		c->depth--;
		return RPC_X_BAD_STUB_DATA;
	}
	switch (t->kind) {
	case RIDL_K_HANDLE:
		st = RPC_S_OK;
		break;
	case RIDL_K_STRUCT:
		st = u_struct(c, t, mem);
		break;
	case RIDL_K_UNION:
		st = u_union(c, t, mem, base);
		break;
	case RIDL_K_POINTER:
		st = u_embedded_ptr(c, t, mem, base);
		break;
	case RIDL_K_ARRAY: {
		struct counts k;
		st = u_array_hdr(c, t, base, &k);
		if (st == RPC_S_OK && !(t->flags & RIDL_TF_CONFORMANT) && k.max > t->u.arr.count)
			st = RPC_X_BAD_STUB_DATA;
		if (st == RPC_S_OK)
			st = u_array_elems(c, t, mem, &k, base);
		break;
	}
	case RIDL_K_FLOAT:
	case RIDL_K_DOUBLE: {
		uint64_t v;
		st = get_uint(c, t->wire_size, &v);
		if (st == RPC_S_OK && t->wire_size == 4) {
			uint32_t x = (uint32_t)v;
			memcpy(mem, &x, 4);
		} else if (st == RPC_S_OK) {
			memcpy(mem, &v, 8);
		}
		break;
	}
	default: {
		if (!ndr_kind_is_int(t->kind)) {
			st = RPC_S_INTERNAL_ERROR;
			break;
		}
		uint64_t raw;
		st = get_uint(c, ndr_int_wire_size(t->kind), &raw);
		if (st)
			break;
		int64_t v = wire_int(raw, t->kind);
		if (t->kind == RIDL_K_ENUM16 && v > 0x7fff)
			st = RPC_X_BAD_STUB_DATA;
		else if ((t->flags & RIDL_TF_RANGE) && (v < t->range_lo || v > t->range_hi))
			st = RPC_X_INVALID_BOUND;
		else
			ndr_store_int(mem, t->kind, v);
		break;
	}
	}
	c->depth--;
	return st;
}

/* The embedded pointers met since mark are on the work stack in wire order; reversed, the
 * first of them is read next. */
static RPC_STATUS
push_pending(struct uctx *c, size_t mark)
{
	struct udefer *d = c->stack->items;
	for (size_t i = mark, j = c->stack->n; i + 1 < j; i++, j--) {
		struct udefer x = d[i];
		d[i] = d[j - 1];
		d[j - 1] = x;
	}
	return RPC_S_OK;
}

static RPC_STATUS
checked_size(uint64_t count, uint32_t esize, uint64_t head, size_t *ret)
{
	uint64_t n;
	if (__builtin_mul_overflow(count, (uint64_t)esize, &n) || __builtin_add_overflow(n, head, &n) ||
	    n > SIZE_MAX / 2)
		return RPC_X_BAD_STUB_DATA;
	*ret = (size_t)n;
	return RPC_S_OK;
}

/* Allocates the referent of a pointer (its size may depend on counts read first), stores the
 * pointer in *slot and reads the referent. */
static RPC_STATUS
u_new_referent(struct uctx *c, const ridl_type *to, void *slot, const void *base, uint32_t full_id)
{
	RPC_STATUS st;
	void *mem;
	size_t size = to->mem_size;
	struct counts k;
	bool is_array = to->kind == RIDL_K_ARRAY;
	if (is_array) {
		if ((st = u_array_hdr(c, to, base, &k)))
			return st;
		const ridl_type *e = to->u.arr.elem;
		if (!elems_fit(c, e, k.len))
			return RPC_X_BAD_STUB_DATA;
		if (k.max > k.len) {
			/* Room for max_count elements, of which the wire carries fewer: bounded
			 * by a limit instead of by the bytes received. */
			if ((uint64_t)k.max * e->mem_size > c->lim->max_out_alloc)
				return RPC_X_BAD_STUB_DATA;
		}
		if ((st = checked_size(k.max, e->mem_size, 0, &size)))
			return st;
	} else if (to->kind == RIDL_K_STRUCT && (to->flags & RIDL_TF_CONFORMANT)) {
		/* Peek at the hoisted max_count to size the struct and its array. */
		uint32_t off = 0, max;
		const ridl_type *owner = NULL;
		const ridl_type *arr = ndr_struct_conf_array(to, &off, &owner);
		if (!arr || (st = get_u32(c, &max)))
			return arr ? st : RPC_S_INTERNAL_ERROR;
		if (max > NDR_MAX_COUNT)
			return RPC_X_BAD_STUB_DATA;
		const ridl_type *e = arr->u.arr.elem;
		if (!(arr->flags & RIDL_TF_VARYING) && !elems_fit(c, e, max))
			return RPC_X_BAD_STUB_DATA;
		if ((arr->flags & RIDL_TF_VARYING) && (uint64_t)max * e->mem_size > c->lim->max_out_alloc)
			return RPC_X_BAD_STUB_DATA;
		uint64_t head = (uint64_t)off + owner->u.st.members[owner->u.st.nmembers - 1].offset;
		if ((st = checked_size(max, e->mem_size, head, &size)))
			return st;
		if (size < to->mem_size)
			size = to->mem_size;
		c->hoisted = true;
		c->hoisted_count = max;
	}
	if (!(mem = u_alloc(c, size, slot)))
		return RPC_S_OUT_OF_MEMORY;
	if (is_array && k.len < k.max) {
		/* Elements that are not sent: zero, never what the allocator left there. */
		size_t es = to->u.arr.elem->mem_size;
		memset(mem, 0, (size_t)k.first * es);
		memset((uint8_t *)mem + ((size_t)k.first + k.len) * es, 0, (size_t)(k.max - k.first - k.len) * es);
	} else if (!is_array && to->kind == RIDL_K_STRUCT && (to->flags & RIDL_TF_CONFORMANT)) {
		memset(mem, 0, size); /* its array may be varying */
	}
	memcpy(slot, &mem, sizeof(mem));
	if (full_id) {
		bool fresh;
		struct ndr_ptrmap_slot *s = ndr_ptrmap_get(&c->full, full_id, &fresh);
		if (!s)
			return RPC_S_OUT_OF_MEMORY;
		s->val = (uintptr_t)mem;
	}
	if (to->kind == RIDL_K_POINTER)
		return u_top_ptr(c, to, mem, base, false);
	size_t mark = c->stack->n;
	st = is_array ? u_array_elems(c, to, mem, &k, base) : u_flat(c, to, mem, base);
	return st ? st : push_pending(c, mark);
}

/* Reads a referent into memory that already exists (a caller's buffer on the client). */
static RPC_STATUS
u_existing_referent(struct uctx *c, const ridl_type *to, void *mem, const void *base)
{
	if (to->kind == RIDL_K_POINTER)
		return u_top_ptr(c, to, mem, base, true);
	size_t mark = c->stack->n;
	RPC_STATUS st = u_flat(c, to, mem, base);
	return st ? st : push_pending(c, mark);
}

static bool
is_conformant(const ridl_type *t)
{
	return (t->kind == RIDL_K_ARRAY || t->kind == RIDL_K_STRUCT) && (t->flags & RIDL_TF_CONFORMANT);
}

/* A top-level pointer stored at slot. in_place: the client reads into what the pointer
 * already points to, when it points somewhere. */
static RPC_STATUS
u_top_ptr(struct uctx *c, const ridl_type *t, void *slot, const void *base, bool in_place)
{
	void *cur;
	memcpy(&cur, slot, sizeof(cur));
	const ridl_type *to = t->u.ptr.to;
	if (++c->depth > c->lim->max_depth) {
		c->depth--;
		return RPC_X_BAD_STUB_DATA;
	}
	RPC_STATUS st;
	if (t->u.ptr.kind == RIDL_PTR_REF) {
		if (in_place && cur)
			st = u_existing_referent(c, to, cur, base);
		else
			st = u_new_referent(c, to, slot, base, 0);
		c->depth--;
		return st;
	}
	uint32_t id;
	if ((st = get_u32(c, &id))) {
		c->depth--;
		return st;
	}
	void *null = NULL;
	if (id == 0) {
		memcpy(slot, &null, sizeof(null));
		c->depth--;
		return null_consistency(c, to, base);
	}
	uint32_t full_id = 0;
	if (t->u.ptr.kind == RIDL_PTR_FULL) {
		bool fresh;
		struct ndr_ptrmap_slot *s = ndr_ptrmap_get(&c->full, id, &fresh);
		if (!s) {
			st = RPC_S_OUT_OF_MEMORY;
		} else if (!fresh) {
			/* A top-level referent is complete when its id repeats, unless the
			 * repeat is inside it (then the fixup runs at the end). */
			struct fixup *f = ndr_vec_push(c->fixups);
			st = f ? RPC_S_OK : RPC_S_OUT_OF_MEMORY;
			if (f)
				*f = (struct fixup){id, slot};
			c->depth--;
			return st;
		}
		full_id = id;
	}
	if (st == RPC_S_OK) {
		if (in_place && cur && !is_conformant(to)) {
			st = u_existing_referent(c, to, cur, base);
			if (st == RPC_S_OK && full_id) {
				bool fresh;
				struct ndr_ptrmap_slot *s = ndr_ptrmap_get(&c->full, full_id, &fresh);
				if (s)
					s->val = (uintptr_t)cur;
				else
					st = RPC_S_OUT_OF_MEMORY;
			}
		} else {
			st = u_new_referent(c, to, slot, base, full_id);
		}
	}
	c->depth--;
	return st;
}

static RPC_STATUS
run_deferred(struct uctx *c)
{
	RPC_STATUS st = RPC_S_OK;
	while (st == RPC_S_OK && c->stack->n) {
		struct udefer d = ((struct udefer *)c->stack->items)[--c->stack->n];
		st = u_new_referent(c, d.to, d.slot, d.base, d.full_id);
	}
	return st;
}

/* The capacity (in elements) of the conformant buffer a client passed for an [out]
 * parameter, from the [in] values, before anything is read (MS-RPCE 3.1.2.7.1). */
static RPC_STATUS
client_capacity(struct uctx *c, const ridl_type *to, const void *mem, uint64_t *cap)
{
	const ridl_type *arr = to;
	const void *base = NULL;
	if (to->kind == RIDL_K_STRUCT) {
		uint32_t off = 0;
		const ridl_type *owner;
		arr = ndr_struct_conf_array(to, &off, &owner);
		if (!arr)
			return RPC_S_INTERNAL_ERROR;
		base = (const uint8_t *)mem + off;
	}
	int64_t v;
	if (!arr->u.arr.size) {
		/* [string] without size_is into a caller's buffer: nothing says how big it is. */
		*cap = (arr->flags & RIDL_TF_STRING) ? 0 : NDR_MAX_COUNT;
		return (arr->flags & RIDL_TF_STRING) ? RPC_X_BAD_STUB_DATA : RPC_S_OK;
	}
	struct ndr_corr_env env = c->env;
	env.base = base;
	RPC_STATUS st = ndr_corr_eval(arr->u.arr.size, &env, &v);
	if (st)
		return st == RPC_X_BAD_STUB_DATA ? RPC_X_INVALID_BOUND : st;
	if (arr->flags & RIDL_TF_MAX_IS)
		v += 1;
	if (v < 0)
		return RPC_X_INVALID_BOUND;
	*cap = (uint64_t)v;
	return RPC_S_OK;
}

static RPC_STATUS
u_param(struct uctx *c, const ridl_type *t, void *slot)
{
	RPC_STATUS st;
	if (t->kind == RIDL_K_POINTER) {
		void *cur;
		memcpy(&cur, slot, sizeof(cur));
		if (!c->server && cur && t->u.ptr.kind == RIDL_PTR_REF && is_conformant(t->u.ptr.to)) {
			if ((st = client_capacity(c, t->u.ptr.to, cur, &c->cap)))
				return st;
			c->have_cap = true;
		}
		st = u_top_ptr(c, t, slot, NULL, !c->server);
		c->have_cap = false;
	} else {
		st = u_existing_referent(c, t, slot, NULL);
	}
	return st ? st : run_deferred(c);
}

/* After the last byte: [ptr] repeats point to their objects, and every correlation agrees. */
static RPC_STATUS
finish(struct uctx *c)
{
	if (c->pos != c->len && !c->lim->allow_trailing)
		return RPC_X_BAD_STUB_DATA;
	for (size_t i = 0; i < c->fixups->n; i++) {
		struct fixup *f = &((struct fixup *)c->fixups->items)[i];
		bool fresh;
		struct ndr_ptrmap_slot *s = ndr_ptrmap_get(&c->full, f->id, &fresh);
		if (!s)
			return RPC_S_OUT_OF_MEMORY;
		void *obj = (void *)s->val;
		memcpy(f->slot, &obj, sizeof(obj));
	}
	for (size_t i = 0; i < c->checks->n; i++) {
		struct check *k = &((struct check *)c->checks->items)[i];
		struct ndr_corr_env env = c->env;
		env.base = k->base;
		int64_t v;
		RPC_STATUS st = ndr_corr_eval(k->prog, &env, &v);
		if (st == RPC_S_INTERNAL_ERROR)
			return st;
		if (st || v != k->expect)
			return RPC_X_BAD_STUB_DATA;
	}
	return RPC_S_OK;
}

static void
uctx_free(struct uctx *c)
{
	ndr_ptrmap_free(&c->full);
	for (size_t i = 0; i < 4; i++)
		ndr_vec_free(&c->own[i]);
	ndr_scratch_give(c->scratch);
}

static void
uctx_init(struct uctx *c, const void *data, size_t len, uint8_t drep, const rpcrt_ndr_limits *lim)
{
	memset(c, 0, sizeof(*c));
	c->p = data;
	c->len = len;
	c->wire_le = (drep & 0xf0) != 0;
	c->swap = c->wire_le != NDR_HOST_LE;
	c->lim = lim ? lim : &rpcrt_ndr_default_limits;
	c->scratch = ndr_scratch_take();
	struct ndr_vec *v = c->scratch ? c->scratch->v : c->own;
	c->stack = &v[0];
	c->checks = &v[1];
	c->fixups = &v[2];
	c->allocs = &v[3];
	ndr_vec_reset(c->stack, sizeof(struct udefer));
	ndr_vec_reset(c->checks, sizeof(struct check));
	ndr_vec_reset(c->fixups, sizeof(struct fixup));
	ndr_vec_reset(c->allocs, sizeof(struct alloc));
}

static bool
skip_param(const ridl_param *p)
{
	return p->flags & (RIDL_PF_BINDING | RIDL_PF_COMM_STATUS | RIDL_PF_FAULT_STATUS);
}

/* Server: room for an [out]-only parameter, sized from the [in] values. */
static RPC_STATUS
alloc_out(struct uctx *c, const ridl_type *t, void *slot)
{
	if (t->kind != RIDL_K_POINTER)
		return RPC_S_INTERNAL_ERROR;
	const ridl_type *to = t->u.ptr.to;
	size_t size = to->mem_size;
	if (to->kind == RIDL_K_STRUCT && (to->flags & RIDL_TF_CONFORMANT))
		return RPC_S_CANNOT_SUPPORT;
	if (to->kind == RIDL_K_ARRAY && (to->flags & RIDL_TF_CONFORMANT)) {
		uint64_t n;
		RPC_STATUS st = client_capacity(c, to, NULL, &n);
		if (st)
			return st == RPC_X_INVALID_BOUND ? RPC_X_BAD_STUB_DATA : st;
		if (n > NDR_MAX_COUNT || n * to->u.arr.elem->mem_size > c->lim->max_out_alloc)
			return RPC_X_BAD_STUB_DATA;
		size = (size_t)n * to->u.arr.elem->mem_size;
	}
	void *mem = rpcrt_arena_zalloc(c->arena, size);
	if (!mem)
		return RPC_S_OUT_OF_MEMORY;
	memcpy(slot, &mem, sizeof(mem));
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_ndr_unmarshal_request(const ridl_proc *proc, const void *data, size_t len, uint8_t drep,
			    rpcrt_arena *arena, const rpcrt_ndr_limits *lim, rpcrt_frame *ret_frame)
{
	if (!proc || proc->magic != RIDL_MAGIC_PROC || !arena || !ret_frame || (len && !data))
		return RPC_S_INVALID_ARG;
	struct uctx c;
	uctx_init(&c, data, len, drep, lim);
	c.server = true;
	c.arena = arena;
	RPC_STATUS st = RPC_S_OK;
	void **args = rpcrt_arena_zalloc(arena, sizeof(void *) * (proc->nparams ? proc->nparams : 1));
	size_t retsize = proc->ret && proc->ret->mem_size > 8 ? proc->ret->mem_size : 8;
	void *ret = rpcrt_arena_zalloc(arena, retsize);
	if (!args || !ret)
		st = RPC_S_OUT_OF_MEMORY;
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		uint32_t sz = proc->params[i].type->mem_size;
		if (!(args[i] = rpcrt_arena_zalloc(arena, sz > 8 ? sz : 8)))
			st = RPC_S_OUT_OF_MEMORY;
	}
	if (st) {
		uctx_free(&c); /* gives the thread's scratch vectors back */
		return st;
	}
	c.env = (struct ndr_corr_env){args, proc->nparams, NULL};
	c.proc = proc;
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		c.cur_param = i;
		if ((p->flags & RIDL_PF_IN) && !skip_param(p))
			st = u_param(&c, p->type, args[i]);
	}
	if (st == RPC_S_OK)
		st = finish(&c);
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if ((p->flags & (RIDL_PF_IN | RIDL_PF_OUT)) == RIDL_PF_OUT && !skip_param(p))
			st = alloc_out(&c, p->type, args[i]);
		else if ((p->flags & (RIDL_PF_COMM_STATUS | RIDL_PF_FAULT_STATUS)) && p->type->kind == RIDL_K_POINTER)
			st = alloc_out(&c, p->type, args[i]); /* [comm_status]/[fault_status]: the
								 manager may write it; nothing is sent */
	}
	uctx_free(&c);
	if (st == RPC_S_OK) {
		ret_frame->args = args;
		ret_frame->ret = ret;
	}
	return st;
}

RPC_STATUS
rpcrt_ndr_unmarshal_response(const ridl_proc *proc, const void *data, size_t len, uint8_t drep,
			     const rpcrt_ndr_limits *lim, void *const *args, void *ret)
{
	if (!proc || proc->magic != RIDL_MAGIC_PROC || (len && !data) || (proc->nparams && !args))
		return RPC_S_INVALID_ARG;
	struct uctx c;
	uctx_init(&c, data, len, drep, lim);
	c.env = (struct ndr_corr_env){args, proc->nparams, NULL};
	c.proc = proc;
	RPC_STATUS st = RPC_S_OK;
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if (!(p->flags & RIDL_PF_OUT) || skip_param(p))
			continue;
		c.cur_param = i;
		st = args[i] ? u_param(&c, p->type, args[i]) : RPC_S_INVALID_ARG;
	}
	c.cur_param = proc->nparams;
	/* The return value is on the wire even when the client's ACF makes it [comm_status] or
	 * [fault_status]: those are the client's business, and the server sends what it
	 * returned. */
	if (st == RPC_S_OK && proc->ret)
		st = ret ? u_param(&c, proc->ret, ret) : RPC_S_INVALID_ARG;
	if (st == RPC_S_OK)
		st = finish(&c);
	if (st != RPC_S_OK) {
		/* Undo, newest first: clear the pointer to each block, then free it. */
		for (size_t i = c.allocs->n; i-- > 0;) {
			struct alloc *a = &((struct alloc *)c.allocs->items)[i];
			void *null = NULL;
			if (a->slot)
				memcpy(a->slot, &null, sizeof(null));
			MIDL_user_free(a->ptr);
		}
	}
	uctx_free(&c);
	return st;
}

/* A stand-in, in c's arena, for the caller's memory that the top-level pointer at slot leads
 * to and that the reader would write in place: a copy of it, made level by level, so that the
 * reader sees the same values and capacities but writes only to the copy. */
static RPC_STATUS
shadow_referent(struct uctx *c, const ridl_type *t, void *slot, size_t len)
{
	for (unsigned level = 0; t->kind == RIDL_K_POINTER; level++) {
		void *cur;
		memcpy(&cur, slot, sizeof(cur));
		const ridl_type *to = t->u.ptr.to;
		if (!cur || level >= c->lim->max_depth)
			return RPC_S_OK;
		if (is_conformant(to) && (level > 0 || t->u.ptr.kind != RIDL_PTR_REF))
			return RPC_S_OK; /* read into new memory, not in place */
		size_t size = to->mem_size;
		if (is_conformant(to)) {
			/* The reader checks the count against the caller's capacity and writes
			 * at most as many elements as the data holds (each takes a byte at
			 * least). */
			uint64_t cap;
			RPC_STATUS st = client_capacity(c, to, cur, &cap);
			if (st)
				return st;
			if (cap > len + 1)
				cap = len + 1;
			uint32_t off = 0;
			const ridl_type *owner = NULL, *arr = to;
			uint64_t head = 0;
			if (to->kind == RIDL_K_STRUCT) {
				arr = ndr_struct_conf_array(to, &off, &owner);
				if (!arr)
					return RPC_S_INTERNAL_ERROR;
				head = (uint64_t)off + owner->u.st.members[owner->u.st.nmembers - 1].offset;
			}
			if ((st = checked_size(cap, arr->u.arr.elem->mem_size, head, &size)))
				return st;
			if (size < to->mem_size)
				size = to->mem_size;
		}
		void *copy = rpcrt_arena_alloc(c->arena, size ? size : 1);
		if (!copy)
			return RPC_S_OUT_OF_MEMORY;
		memcpy(copy, cur, is_conformant(to) ? to->mem_size : size);
		memcpy(slot, &copy, sizeof(copy));
		if (is_conformant(to))
			return RPC_S_OK;
		slot = copy;
		t = to;
	}
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_ndr_check_response(const ridl_proc *proc, const void *data, size_t len, uint8_t drep,
			 const rpcrt_ndr_limits *lim, void *const *args)
{
	if (!proc || proc->magic != RIDL_MAGIC_PROC || (len && !data) || (proc->nparams && !args))
		return RPC_S_INVALID_ARG;
	rpcrt_arena arena;
	rpcrt_arena_init(&arena);
	struct uctx c;
	uctx_init(&c, data, len, drep, lim);
	c.shadow = true;
	c.arena = &arena;
	c.proc = proc;
	RPC_STATUS st = RPC_S_OK;
	void **shadow = rpcrt_arena_zalloc(&arena, sizeof(void *) * (proc->nparams ? proc->nparams : 1));
	size_t retsize = proc->ret && proc->ret->mem_size > 8 ? proc->ret->mem_size : 8;
	void *ret = rpcrt_arena_zalloc(&arena, retsize);
	if (!shadow || !ret)
		st = RPC_S_OUT_OF_MEMORY;
	/* The values of the parameters, as the stub passed them. */
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		uint32_t sz = proc->params[i].type->mem_size;
		if (!args[i]) {
			continue;
		} else if (!(shadow[i] = rpcrt_arena_alloc(&arena, sz > 8 ? sz : 8))) {
			st = RPC_S_OUT_OF_MEMORY;
		} else {
			memcpy(shadow[i], args[i], sz);
		}
	}
	c.env = (struct ndr_corr_env){shadow, proc->nparams, NULL};
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if (!(p->flags & RIDL_PF_OUT) || skip_param(p))
			continue;
		c.cur_param = i;
		if (!shadow[i])
			st = RPC_S_INVALID_ARG;
		else if (p->type->kind == RIDL_K_POINTER)
			st = shadow_referent(&c, p->type, shadow[i], len);
		if (st == RPC_S_OK)
			st = u_param(&c, p->type, shadow[i]);
	}
	c.cur_param = proc->nparams;
	if (st == RPC_S_OK && proc->ret)
		st = u_param(&c, proc->ret, ret);
	if (st == RPC_S_OK)
		st = finish(&c);
	uctx_free(&c);
	rpcrt_arena_release(&arena);
	return st;
}
