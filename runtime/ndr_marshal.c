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
	bool counting;       /* only compute the size */
	size_t count;        /* the size so far, when counting */
	struct ndr_corr_env env;
	uint32_t next_id;
	struct ndr_ptrmap full; /* address -> referent id, for [ptr] */
	struct ndr_vec pending; /* struct defer: pointers met in the construct being marshalled */
	struct ndr_vec stack;   /* struct defer: referents still to marshal */
	bool hoisted;           /* the next conformant array's max_count was written up front */
	uint32_t hoisted_count;
	unsigned depth;
};

/* Stub data never exceeds 2^32 bytes (PDU lengths are 32-bit at most). */
#define NDR_MAX_STUB 0xffffffffu

static size_t
pos(const struct mctx *c)
{
	return c->counting ? c->count : c->out->len - c->start;
}

static RPC_STATUS
reserve(struct mctx *c, size_t n, uint8_t **ret)
{
	if (c->counting) {
		if (n > NDR_MAX_STUB - c->count)
			return RPC_S_OUT_OF_MEMORY;
		c->count += n;
		*ret = NULL;
		return RPC_S_OK;
	}
	rpcrt_buf *b = c->out;
	if (n > NDR_MAX_STUB - (b->len - c->start))
		return RPC_S_OUT_OF_MEMORY;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		uint8_t *p = realloc(b->data, cap);
		if (!p)
			return RPC_S_OUT_OF_MEMORY;
		b->data = p;
		b->cap = cap;
	}
	*ret = b->data + b->len;
	b->len += n;
	return RPC_S_OK;
}

static RPC_STATUS
put(struct mctx *c, const void *src, size_t n)
{
	uint8_t *p;
	RPC_STATUS st = reserve(c, n, &p);
	if (st == RPC_S_OK && p && n)
		memcpy(p, src, n);
	return st;
}

/* Padding bytes are zero: nothing of the sender's memory leaks through them. */
static RPC_STATUS
pad(struct mctx *c, unsigned align)
{
	size_t at = pos(c);
	size_t n = ndr_align_up(at, align) - at;
	if (!n)
		return RPC_S_OK;
	uint8_t *p;
	RPC_STATUS st = reserve(c, n, &p);
	if (st == RPC_S_OK && p)
		memset(p, 0, n);
	return st;
}

static RPC_STATUS
put_uint(struct mctx *c, uint64_t v, unsigned size)
{
	uint8_t b[8];
	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	RPC_STATUS st = pad(c, size);
	return st ? st : put(c, b, size);
}

static RPC_STATUS
put_u32(struct mctx *c, uint32_t v)
{
	return put_uint(c, v, 4);
}

static RPC_STATUS m_flat(struct mctx *c, const ridl_type *t, const void *mem, const void *base);
static RPC_STATUS m_referent(struct mctx *c, const ridl_type *to, const void *p, const void *base);

static RPC_STATUS
m_scalar(struct mctx *c, const ridl_type *t, const void *mem)
{
	uint64_t v;
	switch (t->kind) {
	case RIDL_K_FLOAT: {
		uint32_t x;
		memcpy(&x, mem, 4);
		return put_uint(c, x, 4);
	}
	case RIDL_K_DOUBLE:
		memcpy(&v, mem, 8);
		return put_uint(c, v, 8);
	case RIDL_K_ENUM16: {
		int64_t e = ndr_load_int(mem, t->kind);
		if (e < 0 || e > 0x7fff)
			return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
		return put_uint(c, (uint64_t)e, 2);
	}
	default:
		return put_uint(c, (uint64_t)ndr_load_int(mem, t->kind), ndr_int_wire_size(t->kind));
	}
}

static RPC_STATUS
eval(struct mctx *c, const ridl_corr_op *prog, const void *base, int64_t *v)
{
	struct ndr_corr_env env = c->env;
	env.base = base;
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
		if ((st = m_flat(c, m->type, mem + m->offset, mem)))
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
	} else if ((st = eval(c, t->u.un.is, base, &disc))) {
		return st;
	}
	bool found;
	const ridl_type *arm = ndr_union_arm(t, disc, &found);
	if (!found)
		return RPC_S_INVALID_TAG;
	if (dk == RIDL_K_ENUM16 && (disc < 0 || disc > 0x7fff))
		return RPC_X_ENUM_VALUE_OUT_OF_RANGE;
	if ((st = put_uint(c, (uint64_t)disc, ndr_int_wire_size(dk))) || (st = pad(c, t->u.un.arm_align)))
		return st;
	return arm ? m_flat(c, arm, mem + t->u.un.arm_offset, base) : RPC_S_OK;
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
	struct defer *d = ndr_vec_push(&c->pending);
	if (!d)
		return RPC_S_OUT_OF_MEMORY;
	*d = (struct defer){t->u.ptr.to, p, base};
	return RPC_S_OK;
}

static RPC_STATUS
m_flat(struct mctx *c, const ridl_type *t, const void *mem, const void *base)
{
	RPC_STATUS st;
	if (++c->depth > 256)
		return RPC_S_INTERNAL_ERROR;
	switch (t->kind) {
	case RIDL_K_HANDLE:
		st = RPC_S_OK;
		break;
	case RIDL_K_STRUCT:
		st = m_struct(c, t, mem);
		break;
	case RIDL_K_UNION:
		st = m_union(c, t, mem, base);
		break;
	case RIDL_K_POINTER:
		st = m_embedded_ptr(c, t, mem, base);
		break;
	case RIDL_K_ARRAY:
		st = m_array(c, t, mem, base);
		break;
	default:
		st = t->kind < RIDL_K_STRUCT && t->kind != RIDL_K_INVALID ? m_scalar(c, t, mem) : RPC_S_INTERNAL_ERROR;
		break;
	}
	c->depth--;
	return st;
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

/* The referent at p of a pointer, then (pushed on the work stack) the referents of the
 * pointers inside it. */
static RPC_STATUS
m_referent(struct mctx *c, const ridl_type *to, const void *p, const void *base)
{
	RPC_STATUS st;
	if (++c->depth > 256)
		return RPC_S_INTERNAL_ERROR;
	if (to->kind == RIDL_K_POINTER) {
		st = m_top_ptr(c, to, p, base);
	} else {
		c->pending.n = 0;
		st = m_flat(c, to, p, base);
		/* Siblings go on the stack last first, so the first is marshalled next. */
		for (size_t i = c->pending.n; st == RPC_S_OK && i-- > 0;) {
			struct defer *d = ndr_vec_push(&c->stack);
			if (!d)
				st = RPC_S_OUT_OF_MEMORY;
			else
				*d = ((struct defer *)c->pending.items)[i];
		}
		c->pending.n = 0;
	}
	c->depth--;
	return st;
}

static RPC_STATUS
run_deferred(struct mctx *c)
{
	RPC_STATUS st = RPC_S_OK;
	while (st == RPC_S_OK && c->stack.n) {
		struct defer d = ((struct defer *)c->stack.items)[--c->stack.n];
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
	struct mctx c = {
		.out = out,
		.start = out ? out->len : 0,
		.counting = out == NULL,
		.env = {args, proc->nparams, NULL},
		.next_id = NDR_REFID_FIRST,
		.pending = {.size = sizeof(struct defer)},
		.stack = {.size = sizeof(struct defer)},
	};
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
	if (st == RPC_S_OK && response && proc->ret && !(proc->flags & (RIDL_PROC_RET_COMM | RIDL_PROC_RET_FAULT)))
		st = ret ? m_param(&c, proc->ret, ret) : RPC_S_INVALID_ARG;
	if (st == RPC_S_OK && ret_size)
		*ret_size = c.count;
	if (st != RPC_S_OK && out)
		out->len = c.start; /* nothing half-written stays */
	ndr_ptrmap_free(&c.full);
	ndr_vec_free(&c.pending);
	ndr_vec_free(&c.stack);
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
