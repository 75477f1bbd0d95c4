/* The NDR engine's common parts: correlation programs, integer access by kind, the small
 * containers the marshaller and unmarshaller use, and freeing unmarshalled memory. */
#include <pthread.h>
#include <stdlib.h>

#include "ndr_impl.h"

const rpcrt_ndr_limits rpcrt_ndr_default_limits = {
	.max_depth = 64,
	.allow_trailing = false,
	.max_out_alloc = 16u << 20,
};

void
rpcrt_buf_free(rpcrt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool
rpcrt_buf_reserve(rpcrt_buf *b, size_t n)
{
	if (n <= b->cap - b->len)
		return true;
	if (n > SIZE_MAX - b->len)
		return false;
	size_t need = b->len + n, cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d)
		return false;
	b->data = d;
	b->cap = cap;
	return true;
}

void *
ndr_vec_grow_push(struct ndr_vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->items, cap * v->size);
		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	return (char *)v->items + v->size * v->n++;
}

void
ndr_vec_free(struct ndr_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}

static size_t
ptr_hash(uintptr_t k, size_t cap)
{
	uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> 32) & (cap - 1);
}

struct ndr_ptrmap_slot *
ndr_ptrmap_get(struct ndr_ptrmap *m, uintptr_t key, bool *fresh)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct ndr_ptrmap_slot *s = calloc(cap, sizeof(*s));
		if (!s)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].key)
				continue;
			size_t h = ptr_hash(m->slots[i].key, cap);
			while (s[h].key)
				h = (h + 1) & (cap - 1);
			s[h] = m->slots[i];
		}
		free(m->slots);
		m->slots = s;
		m->cap = cap;
	}
	size_t h = ptr_hash(key, m->cap);
	while (m->slots[h].key && m->slots[h].key != key)
		h = (h + 1) & (m->cap - 1);
	*fresh = !m->slots[h].key;
	if (*fresh) {
		m->slots[h].key = key;
		m->slots[h].val = 0;
		m->n++;
	}
	return &m->slots[h];
}

void
ndr_ptrmap_free(struct ndr_ptrmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}

/* Loads an integer of `kind` from p; false for a kind that is not an integer (a bad table). */
static bool
corr_load(const void *p, uint8_t kind, int64_t *v)
{
	if (!ndr_kind_is_int(kind))
		return false;
	*v = ndr_load_int(p, kind);
	return true;
}

#define CORR_STACK 16

RPC_STATUS
ndr_corr_eval(const ridl_corr_op *prog, const struct ndr_corr_env *env, int64_t *ret)
{
	int64_t st[CORR_STACK];
	unsigned sp = 0;
	if (!prog)
		return RPC_S_INTERNAL_ERROR;
	if (ndr_corr_single(prog, env, ret))
		return RPC_S_OK;
	/* A program longer than this is not one the compiler writes. */
	for (unsigned pc = 0; pc < 256; pc++) {
		const ridl_corr_op *op = &prog[pc];
		int64_t a, b, r = 0;
		const void *src;
		switch (op->op) {
		case RIDL_C_END:
			if (sp != 1)
				return RPC_S_INTERNAL_ERROR;
			*ret = st[0];
			return RPC_S_OK;
		case RIDL_C_CONST:
			r = op->arg;
			break;
		case RIDL_C_PARAM:
		case RIDL_C_PARAM_DEREF:
			if (op->arg < 0 || (uint64_t)op->arg >= env->nargs || !env->args)
				return RPC_S_INTERNAL_ERROR;
			src = env->args[op->arg];
			if (src && op->op == RIDL_C_PARAM_DEREF)
				memcpy(&src, src, sizeof(src));
			if (!src)
				return RPC_X_BAD_STUB_DATA;
			if (!corr_load(src, op->load, &r))
				return RPC_S_INTERNAL_ERROR;
			break;
		case RIDL_C_FIELD:
		case RIDL_C_FIELD_DEREF:
			if (!env->base || op->arg < 0)
				return RPC_S_INTERNAL_ERROR;
			src = (const char *)env->base + op->arg;
			if (op->op == RIDL_C_FIELD_DEREF) {
				memcpy(&src, src, sizeof(src));
				if (!src)
					return RPC_X_BAD_STUB_DATA;
			}
			if (!corr_load(src, op->load, &r))
				return RPC_S_INTERNAL_ERROR;
			break;
		case RIDL_C_NEG: case RIDL_C_NOT: case RIDL_C_LNOT:
			if (sp < 1)
				return RPC_S_INTERNAL_ERROR;
			a = st[--sp];
			if (op->op == RIDL_C_NEG) {
				if (a == INT64_MIN)
					return RPC_X_BAD_STUB_DATA;
				r = -a;
			} else if (op->op == RIDL_C_NOT) {
				r = ~a;
			} else {
				r = !a;
			}
			break;
		case RIDL_C_COND:
			if (sp < 3)
				return RPC_S_INTERNAL_ERROR;
			b = st[--sp];
			a = st[--sp];
			r = st[--sp] ? a : b;
			break;
		default:
			if (op->op >= RIDL_C_COUNT || sp < 2)
				return RPC_S_INTERNAL_ERROR;
			b = st[--sp];
			a = st[--sp];
			switch (op->op) {
			case RIDL_C_ADD: if (__builtin_add_overflow(a, b, &r)) return RPC_X_BAD_STUB_DATA; break;
			case RIDL_C_SUB: if (__builtin_sub_overflow(a, b, &r)) return RPC_X_BAD_STUB_DATA; break;
			case RIDL_C_MUL: if (__builtin_mul_overflow(a, b, &r)) return RPC_X_BAD_STUB_DATA; break;
			case RIDL_C_DIV:
			case RIDL_C_MOD:
				if (b == 0 || (a == INT64_MIN && b == -1))
					return RPC_X_BAD_STUB_DATA;
				r = op->op == RIDL_C_DIV ? a / b : a % b;
				break;
			case RIDL_C_SHL:
				if (b < 0 || b > 62 || a < 0 || a > (INT64_MAX >> b))
					return RPC_X_BAD_STUB_DATA;
				r = a << b;
				break;
			case RIDL_C_SHR:
				if (b < 0 || b > 63)
					return RPC_X_BAD_STUB_DATA;
				r = a >> b;
				break;
			case RIDL_C_AND: r = a & b; break;
			case RIDL_C_OR: r = a | b; break;
			case RIDL_C_XOR: r = a ^ b; break;
			case RIDL_C_LT: r = a < b; break;
			case RIDL_C_GT: r = a > b; break;
			case RIDL_C_LE: r = a <= b; break;
			case RIDL_C_GE: r = a >= b; break;
			case RIDL_C_EQ: r = a == b; break;
			case RIDL_C_NE: r = a != b; break;
			case RIDL_C_LAND: r = a && b; break;
			case RIDL_C_LOR: r = a || b; break;
			default: return RPC_S_INTERNAL_ERROR;
			}
			break;
		}
		if (sp == CORR_STACK)
			return RPC_S_INTERNAL_ERROR;
		st[sp++] = r;
	}
	return RPC_S_INTERNAL_ERROR;
}

const ridl_type *
ndr_struct_conf_array(const ridl_type *t, uint32_t *owner_off, const ridl_type **owner)
{
	uint32_t off = 0;
	/* A conformant struct ends in a conformant array, possibly through nested conformant
	 * structs; the depth is bounded by the tables, which are finite and acyclic here. */
	for (unsigned depth = 0; depth < 64 && t && t->kind == RIDL_K_STRUCT && t->u.st.nmembers; depth++) {
		const ridl_member *last = &t->u.st.members[t->u.st.nmembers - 1];
		if (last->type->kind == RIDL_K_ARRAY) {
			*owner_off = off;
			*owner = t;
			return last->type;
		}
		off += last->offset;
		t = last->type;
	}
	return NULL;
}

RPC_STATUS
rpcrt_ndr_check_interface(const ridl_interface *itf)
{
	if (!itf || itf->magic != RIDL_MAGIC_INTERFACE || itf->size != sizeof(ridl_interface))
		return RPC_S_UNKNOWN_IF;
	if (itf->abi_version != RIDL_STUB_ABI_VERSION)
		return RPC_X_WRONG_STUB_VERSION;
	for (uint32_t i = 0; i < itf->nprocs; i++) {
		const ridl_proc *p = itf->procs[i];
		if (!p || p->magic != RIDL_MAGIC_PROC || p->size != sizeof(ridl_proc) || p->opnum != i)
			return RPC_X_WRONG_STUB_VERSION;
	}
	return RPC_S_OK;
}

/* Scratch vectors larger than this are released after a call rather than kept. */
#define SCRATCH_KEEP (1u << 20)

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_ok;

static void
scratch_destroy(void *p)
{
	struct ndr_scratch *s = p;
	for (size_t i = 0; i < sizeof(s->v) / sizeof(s->v[0]); i++)
		ndr_vec_free(&s->v[i]);
	free(s);
}

static void
scratch_init(void)
{
	scratch_ok = pthread_key_create(&scratch_key, scratch_destroy) == 0;
}

struct ndr_scratch *
ndr_scratch_take(void)
{
	pthread_once(&scratch_once, scratch_init);
	if (!scratch_ok)
		return NULL;
	struct ndr_scratch *s = pthread_getspecific(scratch_key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || pthread_setspecific(scratch_key, s) != 0) {
			free(s);
			return NULL;
		}
	}
	if (s->busy)
		return NULL;
	s->busy = true;
	return s;
}

void
ndr_scratch_give(struct ndr_scratch *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < sizeof(s->v) / sizeof(s->v[0]); i++) {
		s->v[i].n = 0;
		if (s->v[i].cap * s->v[i].size > SCRATCH_KEEP)
			ndr_vec_free(&s->v[i]);
	}
	s->busy = false;
}
