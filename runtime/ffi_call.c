/* Manager routines called through libffi: the C signature of each procedure derived from its
 * descriptor tables, one prepared ffi_cif per procedure, and the call itself with the return
 * value stored at exactly its C size. The rules (which parameters the manager receives, how
 * structs and unions travel by value) are in ffi_call.h. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ffi_call.h"

/* Struct and union returns up to this size are received in a local buffer and then copied to
 * the caller's slot, because libffi may store a register-returned aggregate in whole registers.
 * Anything larger is returned in memory on every ABI libffi supports (x86-64 and AArch64 return
 * at most 16 bytes, or 32 bytes of floating-point members, in registers), and libffi then hands
 * the caller's slot to the callee, which writes exactly mem_size bytes. */
#define RET_BUF_SIZE 64

/* One libffi struct type with its NULL-terminated element array, and the C layout it must
 * match. Owned by the rpcrt_ffi_proc whose list it is on. */
struct rpcrt_ffi_agg {
	struct rpcrt_ffi_agg *next;
	uint32_t mem_size, mem_align;
	ffi_type type;
	ffi_type *elements[];
};

/* A growable array of element types while one struct type is being built. */
struct elems {
	ffi_type **v;
	size_t n, cap;
	size_t *first; /* per C member: the index of its first element (structs only) */
};

/* State of one rpcrt_ffi_prepare. */
struct builder {
	struct rpcrt_ffi_agg *aggs; /* every struct type built so far, newest first */
	size_t nelements;           /* elements built so far, against RPCRT_FFI_MAX_ELEMENTS */
};

static RPC_STATUS value_type(struct builder *b, const ridl_type *t, unsigned depth,
			     ffi_type **ret_type);

/* The libffi type of a scalar kind, or NULL. Enums are C enums, that is int. */
static ffi_type *
scalar_type(uint8_t kind)
{
	switch (kind) {
	case RIDL_K_INT8:
		return &ffi_type_sint8;
	case RIDL_K_UINT8:
		return &ffi_type_uint8;
	case RIDL_K_INT16:
		return &ffi_type_sint16;
	case RIDL_K_UINT16:
		return &ffi_type_uint16;
	case RIDL_K_INT32:
		return &ffi_type_sint32;
	case RIDL_K_UINT32:
		return &ffi_type_uint32;
	case RIDL_K_INT64:
		return &ffi_type_sint64;
	case RIDL_K_UINT64:
		return &ffi_type_uint64;
	case RIDL_K_FLOAT:
		return &ffi_type_float;
	case RIDL_K_DOUBLE:
		return &ffi_type_double;
	case RIDL_K_ENUM16:
	case RIDL_K_ENUM32:
		return &ffi_type_sint;
	case RIDL_K_POINTER:
	case RIDL_K_HANDLE:
		return &ffi_type_pointer;
	default:
		return NULL;
	}
}

static RPC_STATUS
elems_push(struct builder *b, struct elems *e, ffi_type *t, uint64_t count)
{
	if (count > RPCRT_FFI_MAX_ELEMENTS - b->nelements)
		return RPC_S_CANNOT_SUPPORT;
	if (e->n + count > e->cap) {
		size_t cap = e->cap ? e->cap : 8;
		while (cap < e->n + count)
			cap *= 2;
		ffi_type **v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return RPC_S_OUT_OF_MEMORY;
		e->v = v;
		e->cap = cap;
	}
	for (uint64_t i = 0; i < count; i++)
		e->v[e->n++] = t;
	b->nelements += (size_t)count;
	return RPC_S_OK;
}

static void
elems_free(struct elems *e)
{
	free(e->v);
	free(e->first);
}

/* Turns the elements gathered in e into a struct type on b's list, and checks that libffi lays
 * it out as the C compiler did: the same size and alignment and, for a struct (first != NULL),
 * each member at its recorded offset. */
static RPC_STATUS
agg_finish(struct builder *b, struct elems *e, const ridl_type *t, ffi_type **ret_type)
{
	if (e->n == 0)
		return RPC_S_INTERNAL_ERROR;
	struct rpcrt_ffi_agg *a = calloc(1, sizeof(*a) + (e->n + 1) * sizeof(ffi_type *));
	if (!a)
		return RPC_S_OUT_OF_MEMORY;
	memcpy(a->elements, e->v, e->n * sizeof(ffi_type *));
	a->elements[e->n] = NULL;
	a->type.type = FFI_TYPE_STRUCT;
	a->type.elements = a->elements;
	a->mem_size = t->mem_size;
	a->mem_align = t->mem_align;
	a->next = b->aggs;
	b->aggs = a;

	size_t *offsets = malloc(e->n * sizeof(*offsets));
	if (!offsets)
		return RPC_S_OUT_OF_MEMORY;
	RPC_STATUS st = RPC_S_OK;
	if (ffi_get_struct_offsets(FFI_DEFAULT_ABI, &a->type, offsets) != FFI_OK)
		st = RPC_S_INTERNAL_ERROR;
	else if (a->type.size != t->mem_size || a->type.alignment != t->mem_align)
		st = RPC_S_CANNOT_SUPPORT;
	for (uint32_t m = 0; st == RPC_S_OK && e->first && m < t->u.st.nmembers; m++)
		if (offsets[e->first[m]] != t->u.st.members[m].offset)
			st = RPC_S_CANNOT_SUPPORT;
	free(offsets);
	if (st == RPC_S_OK)
		*ret_type = &a->type;
	return st;
}

/* Appends one struct member: itself, or for a fixed array its innermost elements one by one
 * (libffi has no array type; the element list is what the calling conventions classify). */
static RPC_STATUS
push_member(struct builder *b, struct elems *e, const ridl_type *t, unsigned depth)
{
	uint64_t count = 1;
	const ridl_type *inner = t;
	while (inner->kind == RIDL_K_ARRAY) {
		if (++depth > RPCRT_FFI_MAX_DEPTH)
			return RPC_S_CANNOT_SUPPORT;
		if ((inner->flags & RIDL_TF_CONFORMANT) || inner->u.arr.count == 0)
			return RPC_S_CANNOT_SUPPORT;
		count *= inner->u.arr.count;
		if (count > RPCRT_FFI_MAX_ELEMENTS)
			return RPC_S_CANNOT_SUPPORT;
		inner = inner->u.arr.elem;
		if (!inner)
			return RPC_S_INTERNAL_ERROR;
	}
	if (count * inner->mem_size != t->mem_size)
		return RPC_S_INTERNAL_ERROR;
	ffi_type *et;
	RPC_STATUS st = value_type(b, inner, depth, &et);
	if (st == RPC_S_OK)
		st = elems_push(b, e, et, count);
	return st;
}

static RPC_STATUS
struct_type(struct builder *b, const ridl_type *t, unsigned depth, ffi_type **ret_type)
{
	/* C passes a struct ending in a flexible array without the array: not what the caller
	 * meant, and IDL requires conformant structures to be passed by reference anyway. */
	if (t->flags & RIDL_TF_CONFORMANT)
		return RPC_S_CANNOT_SUPPORT;
	if (t->u.st.nmembers == 0 || !t->u.st.members)
		return RPC_S_INTERNAL_ERROR;
	struct elems e = { 0 };
	e.first = malloc(t->u.st.nmembers * sizeof(*e.first));
	if (!e.first)
		return RPC_S_OUT_OF_MEMORY;
	RPC_STATUS st = RPC_S_OK;
	for (uint32_t m = 0; st == RPC_S_OK && m < t->u.st.nmembers; m++) {
		const ridl_type *mt = t->u.st.members[m].type;
		e.first[m] = e.n;
		st = mt ? push_member(b, &e, mt, depth) : RPC_S_INTERNAL_ERROR;
	}
	if (st == RPC_S_OK)
		st = agg_finish(b, &e, t, ret_type);
	elems_free(&e);
	return st;
}

/* Does a value of type t hold a float or a double anywhere (not behind a pointer)? *ret_has is
 * the answer; the status only fails for a table that is too deep or broken. */
static RPC_STATUS
has_floating(const ridl_type *t, unsigned depth, bool *ret_has)
{
	if (depth > RPCRT_FFI_MAX_DEPTH)
		return RPC_S_CANNOT_SUPPORT;
	RPC_STATUS st = RPC_S_OK;
	bool has = false;
	switch (t->kind) {
	case RIDL_K_FLOAT:
	case RIDL_K_DOUBLE:
		has = true;
		break;
	case RIDL_K_STRUCT:
		if (t->u.st.nmembers && !t->u.st.members)
			st = RPC_S_INTERNAL_ERROR;
		for (uint32_t m = 0; st == RPC_S_OK && !has && m < t->u.st.nmembers; m++) {
			const ridl_type *mt = t->u.st.members[m].type;
			st = mt ? has_floating(mt, depth + 1, &has) : RPC_S_INTERNAL_ERROR;
		}
		break;
	case RIDL_K_UNION:
		if (t->u.un.narms && !t->u.un.arms)
			st = RPC_S_INTERNAL_ERROR;
		for (uint32_t i = 0; st == RPC_S_OK && !has && i < t->u.un.narms; i++)
			if (t->u.un.arms[i].type)
				st = has_floating(t->u.un.arms[i].type, depth + 1, &has);
		if (st == RPC_S_OK && !has && t->u.un.has_default && t->u.un.default_type)
			st = has_floating(t->u.un.default_type, depth + 1, &has);
		break;
	case RIDL_K_ARRAY:
		st = t->u.arr.elem ? has_floating(t->u.arr.elem, depth + 1, &has)
				   : RPC_S_INTERNAL_ERROR;
		break;
	default:
		break;
	}
	if (st == RPC_S_OK)
		*ret_has = has;
	return st;
}

/* A union by value: integer words covering it (see ffi_call.h for why this is exact for
 * unions without floating-point members, and why the others are refused). */
static RPC_STATUS
union_type(struct builder *b, const ridl_type *t, unsigned depth, ffi_type **ret_type)
{
	bool fp;
	RPC_STATUS st = has_floating(t, depth, &fp);
	if (st != RPC_S_OK)
		return st;
	if (fp)
		return RPC_S_CANNOT_SUPPORT;
	ffi_type *word;
	switch (t->mem_align) {
	case 1:
		word = &ffi_type_uint8;
		break;
	case 2:
		word = &ffi_type_uint16;
		break;
	case 4:
		word = &ffi_type_uint32;
		break;
	case 8:
		word = &ffi_type_uint64;
		break;
	default:
		return RPC_S_CANNOT_SUPPORT;
	}
	if (t->mem_size == 0 || t->mem_size % t->mem_align)
		return RPC_S_INTERNAL_ERROR;
	struct elems e = { 0 };
	st = elems_push(b, &e, word, t->mem_size / t->mem_align);
	if (st == RPC_S_OK)
		st = agg_finish(b, &e, t, ret_type);
	elems_free(&e);
	return st;
}

/* The libffi type of a value of type t as it is passed or returned in C. */
static RPC_STATUS
value_type(struct builder *b, const ridl_type *t, unsigned depth, ffi_type **ret_type)
{
	if (++depth > RPCRT_FFI_MAX_DEPTH)
		return RPC_S_CANNOT_SUPPORT;
	switch (t->kind) {
	case RIDL_K_STRUCT:
		return struct_type(b, t, depth, ret_type);
	case RIDL_K_UNION:
		return union_type(b, t, depth, ret_type);
	default:
		break;
	}
	/* Arrays are only ever values inside structs (push_member); the tables pass array
	 * parameters as [ref] pointers. */
	ffi_type *ft = scalar_type(t->kind);
	if (!ft || t->mem_size != ft->size)
		return RPC_S_INTERNAL_ERROR;
	*ret_type = ft;
	return RPC_S_OK;
}

static void
aggs_free(struct rpcrt_ffi_agg *a)
{
	while (a) {
		struct rpcrt_ffi_agg *next = a->next;
		free(a);
		a = next;
	}
}

#if defined(__x86_64__) && !defined(_WIN32)
/* A workaround for libffi before 3.4.7 on x86-64 System V (libffi pull request #848): when the
 * first eightbyte of a struct argument of 9 to 16 bytes is an INTEGER one that lands in the
 * sixth integer register, ffi_call copies the whole struct there, and the bytes after the
 * register overwrite the first SSE register, which an earlier argument may hold. That is only
 * possible when the struct's second eightbyte is of class SSE (else it would not fit in the
 * registers). The calling convention passes such a struct exactly as two arguments, an integer
 * and a float or double, in the next registers of each class; so that struct is handed to
 * libffi as those two arguments, and the registers the callee sees are the ones the C compiler
 * would load. The classification below is the ABI's, for the types built here: naturally
 * aligned integers, pointers, floats and doubles in structs (unions are integers). */
enum { EB_NONE = 0, EB_INTEGER = 1, EB_SSE = 2 };

static bool
is_sse(const ffi_type *t)
{
	return t->type == FFI_TYPE_FLOAT || t->type == FFI_TYPE_DOUBLE;
}

/* Merges the classes of the scalars of t, at byte offset off, into cls (two eightbytes). */
static void
classify(const ffi_type *t, size_t off, unsigned char cls[2])
{
	if (t->type != FFI_TYPE_STRUCT) {
		if (off / 8 < 2)
			cls[off / 8] |= is_sse(t) ? EB_SSE : EB_INTEGER;
		return;
	}
	size_t o = 0;
	for (ffi_type **e = t->elements; *e; e++) {
		o = (o + (*e)->alignment - 1) / (*e)->alignment * (*e)->alignment;
		classify(*e, off + o, cls);
		o += (*e)->size;
	}
}

/* Finds the argument libffi would pass wrongly, if any, and sets f->split / f->split_arg.
 * Follows the register assignment of ffi_call: a struct returned in memory takes the first
 * integer register; an argument that does not fit in the remaining registers of its classes
 * goes on the stack whole. */
static void
find_split(rpcrt_ffi_proc *f, const ffi_type *rtype)
{
	unsigned gpr = rtype->type == FFI_TYPE_STRUCT && rtype->size > 16 ? 1 : 0, sse = 0;
	for (unsigned i = 0; i < f->nargs; i++) {
		const ffi_type *t = f->arg_types[i];
		unsigned char cls[2] = { EB_NONE, EB_NONE };
		unsigned n = 1;
		if (t->type == FFI_TYPE_STRUCT) {
			if (t->size > 16)
				continue; /* in memory */
			classify(t, 0, cls);
			n = t->size > 8 ? 2 : 1;
		} else {
			cls[0] = is_sse(t) ? EB_SSE : EB_INTEGER;
		}
		unsigned ngpr = 0, nsse = 0;
		for (unsigned j = 0; j < n; j++) {
			if (cls[j] & EB_INTEGER)
				ngpr++;
			else if (cls[j] & EB_SSE)
				nsse++;
		}
		if (gpr + ngpr > 6 || sse + nsse > 8)
			continue; /* on the stack */
		if (n == 2 && gpr == 5 && (cls[0] & EB_INTEGER) && cls[1] == EB_SSE) {
			f->split = true;
			f->split_arg = i;
		}
		gpr += ngpr;
		sse += nsse;
	}
}

/* Replaces the argument types with the split argument's two halves. */
static RPC_STATUS
apply_split(rpcrt_ffi_proc *f)
{
	ffi_type **v = calloc(f->nargs + 1, sizeof(*v));
	if (!v)
		return RPC_S_OUT_OF_MEMORY;
	unsigned k = 0;
	for (unsigned i = 0; i < f->nargs; i++) {
		if (f->split && i == f->split_arg) {
			/* The second eightbyte holds one float, two floats or a double. */
			v[k++] = &ffi_type_uint64;
			v[k++] = f->arg_types[i]->size > 12 ? &ffi_type_double : &ffi_type_float;
		} else {
			v[k++] = f->arg_types[i];
		}
	}
	free(f->arg_types);
	f->arg_types = v;
	return RPC_S_OK;
}
#endif

RPC_STATUS
rpcrt_ffi_prepare(const ridl_proc *proc, rpcrt_ffi_proc *ret_ffi)
{
	if (!proc || !ret_ffi || proc->magic != RIDL_MAGIC_PROC || (proc->nparams && !proc->params))
		return RPC_S_INVALID_ARG;
	if (proc->nparams > RPCRT_FFI_MAX_PARAMS)
		return RPC_S_CANNOT_SUPPORT;
	rpcrt_ffi_proc f;
	memset(&f, 0, sizeof(f));
	f.async = proc->flags & RIDL_PROC_ASYNC;
	f.nargs = proc->nparams + (f.async ? 1u : 0u);
	if (f.nargs && !(f.arg_types = calloc(f.nargs, sizeof(*f.arg_types))))
		return RPC_S_OUT_OF_MEMORY;

	struct builder b = { 0 };
	RPC_STATUS st = RPC_S_OK;
	unsigned k = 0;
	if (f.async)
		f.arg_types[k++] = &ffi_type_pointer; /* PRPC_ASYNC_STATE */
	for (uint32_t i = 0; st == RPC_S_OK && i < proc->nparams; i++) {
		const ridl_type *t = proc->params[i].type;
		if (!t || t->kind == RIDL_K_ARRAY)
			st = RPC_S_INTERNAL_ERROR;
		else
			st = value_type(&b, t, 0, &f.arg_types[k++]);
	}

	/* An [async] manager returns void: its result reaches the runtime through
	 * RpcAsyncCompleteCall. */
	ffi_type *rtype = &ffi_type_void;
	if (st == RPC_S_OK && proc->ret && !f.async) {
		if (proc->ret->kind == RIDL_K_ARRAY)
			st = RPC_S_INTERNAL_ERROR;
		else
			st = value_type(&b, proc->ret, 0, &rtype);
		f.ret_kind = proc->ret->kind;
		f.ret_size = proc->ret->mem_size;
	}
	unsigned ffi_nargs = f.nargs;
#if defined(__x86_64__) && !defined(_WIN32)
	if (st == RPC_S_OK) {
		find_split(&f, rtype);
		if (f.split) {
			st = apply_split(&f);
			ffi_nargs++;
		}
	}
#endif
	if (st == RPC_S_OK &&
	    ffi_prep_cif(&f.cif, FFI_DEFAULT_ABI, ffi_nargs, rtype, f.arg_types) != FFI_OK)
		st = RPC_S_INTERNAL_ERROR;
	/* ffi_prep_cif may adjust types for the ABI; what it settled on must still be the C
	 * layout, or the call would read and write the wrong bytes. */
	for (struct rpcrt_ffi_agg *a = b.aggs; st == RPC_S_OK && a; a = a->next)
		if (a->type.size != a->mem_size || a->type.alignment != a->mem_align)
			st = RPC_S_CANNOT_SUPPORT;
	f.aggs = b.aggs;
	if (st != RPC_S_OK) {
		rpcrt_ffi_free(&f);
		return st;
	}
	*ret_ffi = f;
	return RPC_S_OK;
}

void
rpcrt_ffi_free(rpcrt_ffi_proc *p)
{
	if (!p)
		return;
	free(p->arg_types);
	aggs_free(p->aggs);
	memset(p, 0, sizeof(*p));
}

/* Stores the return value libffi left in rv at its C size: integers narrower than a word come
 * back widened to ffi_arg, everything else as the bytes of its type. */
static void
store_return(const rpcrt_ffi_proc *p, const void *rv, void *ret)
{
	switch (p->ret_kind) {
	case RIDL_K_INT8:
	case RIDL_K_UINT8:
	case RIDL_K_INT16:
	case RIDL_K_UINT16:
	case RIDL_K_INT32:
	case RIDL_K_UINT32:
	case RIDL_K_ENUM16:
	case RIDL_K_ENUM32:
		break;
	default:
		/* 64-bit integers (8 bytes even where ffi_arg is 4), floating point, pointers,
		 * structs and unions. */
		memcpy(ret, rv, p->ret_size);
		return;
	}
	ffi_arg w;
	memcpy(&w, rv, sizeof(w));
	ffi_sarg s = (ffi_sarg)w;
	union {
		int8_t i8;
		uint8_t u8;
		int16_t i16;
		uint16_t u16;
		int32_t i32;
		uint32_t u32;
		int e;
	} v;
	size_t n;
	switch (p->ret_kind) {
	case RIDL_K_INT8:
		v.i8 = (int8_t)s;
		n = sizeof(v.i8);
		break;
	case RIDL_K_UINT8:
		v.u8 = (uint8_t)w;
		n = sizeof(v.u8);
		break;
	case RIDL_K_INT16:
		v.i16 = (int16_t)s;
		n = sizeof(v.i16);
		break;
	case RIDL_K_UINT16:
		v.u16 = (uint16_t)w;
		n = sizeof(v.u16);
		break;
	case RIDL_K_INT32:
		v.i32 = (int32_t)s;
		n = sizeof(v.i32);
		break;
	case RIDL_K_UINT32:
		v.u32 = (uint32_t)w;
		n = sizeof(v.u32);
		break;
	default: /* enums: a C int */
		v.e = (int)s;
		n = sizeof(v.e);
		break;
	}
	memcpy(ret, &v, n);
}

void
rpcrt_ffi_invoke(const rpcrt_ffi_proc *p, void (*fn)(void), void *async_state, void **args,
		 void *ret)
{
	union {
		ffi_arg word;
		uint64_t u64;
		double d;
		void *ptr;
		max_align_t align;
		unsigned char bytes[RET_BUF_SIZE];
	} rv;
	void *rvalue = &rv;
	bool direct = p->ret_size > RET_BUF_SIZE &&
		      (p->ret_kind == RIDL_K_STRUCT || p->ret_kind == RIDL_K_UNION);
	if (direct)
		rvalue = ret;
	/* ffi_call only reads the cif; its prototype is not const-qualified. */
	ffi_cif *cif = (ffi_cif *)&p->cif;
	if (!p->async && !p->split) {
		ffi_call(cif, fn, rvalue, args);
	} else {
		void *avalue[RPCRT_FFI_MAX_PARAMS + 2];
		unsigned n = 0;
		if (p->async)
			avalue[n++] = &async_state;
		for (unsigned c = n; c < p->nargs; c++) {
			void *a = args[c - (p->async ? 1 : 0)];
			avalue[n++] = a;
			if (p->split && c == p->split_arg)
				avalue[n++] = (unsigned char *)a + 8;
		}
		ffi_call(cif, fn, rvalue, avalue);
	}
	if (p->ret_kind != RIDL_K_INVALID && ret && !direct)
		store_return(p, &rv, ret);
}
