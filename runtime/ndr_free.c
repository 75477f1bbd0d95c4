/* Freeing what unmarshalling (client) or a manager routine (server) allocated, by walking the
 * values with their descriptors. Full pointers may alias and form cycles: each object is
 * visited once. The walk of pointer chains uses an explicit stack, like the marshaller. */
#include <stdlib.h>

#include "ndr_impl.h"

struct fctx {
	struct ndr_corr_env env;
	rpcrt_arena *arena;     /* server: memory in it is not freed here */
	struct ndr_ptrmap seen; /* objects already queued */
	struct ndr_vec stack;   /* struct fitem */
	struct ndr_vec tofree;  /* void *: freed after the walk, so nothing is read after free */
	bool oom;
};

struct fitem {
	const ridl_type *t; /* the referent's type */
	void *mem;
	const void *base;
};

static void f_value(struct fctx *c, const ridl_type *t, void *mem, const void *base, unsigned depth);

static void
f_pointer(struct fctx *c, const ridl_type *t, void *slot, const void *base)
{
	void *p;
	memcpy(&p, slot, sizeof(p));
	if (!p)
		return;
	bool fresh;
	if (!ndr_ptrmap_get(&c->seen, (uintptr_t)p, &fresh)) {
		c->oom = true;
		return;
	}
	if (!fresh)
		return;
	struct fitem *it = ndr_vec_push(&c->stack);
	void **f = ndr_vec_push(&c->tofree);
	if (!it || !f) {
		c->oom = true;
		return;
	}
	*it = (struct fitem){t->u.ptr.to, p, base};
	*f = p;
}

/* The element count of an array whose counts were checked when it was unmarshalled. */
static uint64_t
f_count(struct fctx *c, const ridl_type *t, const void *base)
{
	if (!(t->flags & RIDL_TF_CONFORMANT))
		return t->u.arr.count;
	int64_t v;
	struct ndr_corr_env env = c->env;
	env.base = base;
	if (!t->u.arr.size || ndr_corr_eval(t->u.arr.size, &env, &v) || v < 0)
		return 0;
	return (uint64_t)v + ((t->flags & RIDL_TF_MAX_IS) ? 1 : 0);
}

static void
f_value(struct fctx *c, const ridl_type *t, void *mem, const void *base, unsigned depth)
{
	if (!(t->flags & RIDL_TF_HAS_POINTERS) || depth > 256)
		return;
	switch (t->kind) {
	case RIDL_K_POINTER:
		f_pointer(c, t, mem, base);
		break;
	case RIDL_K_STRUCT:
		for (uint32_t i = 0; i < t->u.st.nmembers; i++) {
			const ridl_member *m = &t->u.st.members[i];
			f_value(c, m->type, (uint8_t *)mem + m->offset, mem, depth + 1);
		}
		break;
	case RIDL_K_UNION: {
		int64_t disc;
		if (t->flags & RIDL_TF_ENCAPSULATED) {
			disc = ndr_load_int(mem, t->u.un.disc_kind);
		} else {
			struct ndr_corr_env env = c->env;
			env.base = base;
			if (ndr_corr_eval(t->u.un.is, &env, &disc))
				return;
		}
		bool found;
		const ridl_type *arm = ndr_union_arm(t, disc, &found);
		if (arm)
			f_value(c, arm, (uint8_t *)mem + t->u.un.arm_offset, base, depth + 1);
		break;
	}
	case RIDL_K_ARRAY: {
		const ridl_type *e = t->u.arr.elem;
		uint64_t n = f_count(c, t, base);
		for (uint64_t i = 0; i < n; i++)
			f_value(c, e, (uint8_t *)mem + i * e->mem_size, base, depth + 1);
		break;
	}
	default:
		break;
	}
}

static void
f_run(struct fctx *c)
{
	while (c->stack.n) {
		struct fitem it = ((struct fitem *)c->stack.items)[--c->stack.n];
		if (it.t->kind == RIDL_K_POINTER)
			f_pointer(c, it.t, it.mem, it.base);
		else
			f_value(c, it.t, it.mem, it.base, 0);
	}
	for (size_t i = 0; i < c->tofree.n; i++) {
		void *p = ((void **)c->tofree.items)[i];
		if (!c->arena || !rpcrt_arena_contains(c->arena, p))
			MIDL_user_free(p);
	}
}

static void
fctx_init(struct fctx *c, const ridl_proc *proc, void *const *args, rpcrt_arena *arena)
{
	memset(c, 0, sizeof(*c));
	c->env = (struct ndr_corr_env){args, proc->nparams, NULL};
	c->arena = arena;
	c->stack.size = sizeof(struct fitem);
	c->tofree.size = sizeof(void *);
}

static void
fctx_free(struct fctx *c)
{
	ndr_ptrmap_free(&c->seen);
	ndr_vec_free(&c->stack);
	ndr_vec_free(&c->tofree);
}

/* A top-level [out] parameter: a caller's buffer (top-level [ref]) is walked, not freed. */
static void
f_param(struct fctx *c, const ridl_type *t, void *slot)
{
	if (t->kind == RIDL_K_POINTER && t->u.ptr.kind == RIDL_PTR_REF) {
		void *p;
		memcpy(&p, slot, sizeof(p));
		if (!p)
			return;
		const ridl_type *to = t->u.ptr.to;
		if (to->kind == RIDL_K_POINTER)
			f_pointer(c, to, p, NULL);
		else
			f_value(c, to, p, NULL, 0);
	} else {
		f_value(c, t, slot, NULL, 0);
	}
}

void
rpcrt_ndr_free_response(const ridl_proc *proc, void *const *args)
{
	if (!proc || !args)
		return;
	struct fctx c;
	fctx_init(&c, proc, args, NULL);
	for (uint32_t i = 0; i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if ((p->flags & RIDL_PF_OUT) && args[i] &&
		    !(p->flags & (RIDL_PF_BINDING | RIDL_PF_COMM_STATUS | RIDL_PF_FAULT_STATUS)))
			f_param(&c, p->type, args[i]);
	}
	f_run(&c);
	fctx_free(&c);
}

void
rpcrt_ndr_free_frame(const ridl_proc *proc, rpcrt_frame *frame, rpcrt_arena *arena)
{
	if (!proc || !frame || !frame->args)
		return;
	struct fctx c;
	fctx_init(&c, proc, frame->args, arena);
	for (uint32_t i = 0; i < proc->nparams; i++) {
		const ridl_param *p = &proc->params[i];
		if ((p->flags & RIDL_PF_OUT) && frame->args[i])
			f_param(&c, p->type, frame->args[i]);
	}
	f_run(&c);
	fctx_free(&c);
}
