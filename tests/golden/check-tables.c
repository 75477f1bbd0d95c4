/* Structural checks of generated descriptor tables (NAME_c.c / NAME_s.c), run by run-golden.sh
 * on every stub file it generates: what the C compiler computed (sizes, offsets, the blittable
 * flag) must agree with what ridl wrote (NDR sizes, alignments), and every table must be what
 * rpcstub.h documents. The golden files pin the text; this pins the meaning on this host. */
#include <stdio.h>
#include <string.h>

#include <rpcstub.h>

int check_tables(RPC_IF_HANDLE h, const char *what);

/* The client stubs call the runtime's entry points; these programs link them but never call
 * a stub. */
void RPC_ENTRY
ridl_client_call(const ridl_interface *itf, uint32_t opnum, void **args, void *ret)
{
	(void)itf, (void)opnum, (void)args, (void)ret;
}

void RPC_ENTRY
ridl_client_call_async(const ridl_interface *itf, uint32_t opnum, PRPC_ASYNC_STATE pAsync,
		       void **args)
{
	(void)itf, (void)opnum, (void)pAsync, (void)args;
}

static int failures;
static const char *where;

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		printf("FAIL: %s: ", where);                                                       \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		failures++;                                                                        \
	} while (0)

/* Types already checked (the tables are small; a linear list is enough). */
static const ridl_type *seen[4096];
static unsigned nseen;

static int
is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

static unsigned
scalar_size(unsigned kind)
{
	switch (kind) {
	case RIDL_K_INT8:
	case RIDL_K_UINT8:
		return 1;
	case RIDL_K_INT16:
	case RIDL_K_UINT16:
	case RIDL_K_ENUM16:
		return 2;
	case RIDL_K_INT32:
	case RIDL_K_UINT32:
	case RIDL_K_FLOAT:
	case RIDL_K_ENUM32:
		return 4;
	case RIDL_K_INT64:
	case RIDL_K_UINT64:
	case RIDL_K_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

static void
check_corr(const ridl_corr_op *p, unsigned nparams, const ridl_type *record)
{
	int depth = 0;
	for (unsigned i = 0; i < 256; i++) {
		const ridl_corr_op *op = &p[i];
		switch (op->op) {
		case RIDL_C_END:
			if (depth != 1)
				FAIL("a correlation program leaves %d values on the stack", depth);
			return;
		case RIDL_C_CONST:
			depth++;
			break;
		case RIDL_C_PARAM:
		case RIDL_C_PARAM_DEREF:
			if (record)
				FAIL("a parameter load inside struct %s",
				     record->name ? record->name : "?");
			if (op->arg < 0 || (uint64_t)op->arg >= nparams)
				FAIL("parameter %lld out of range (%u parameters)",
				     (long long)op->arg, nparams);
			if (!scalar_size(op->load))
				FAIL("load kind %u is not an integer", op->load);
			depth++;
			break;
		case RIDL_C_FIELD:
		case RIDL_C_FIELD_DEREF:
			if (!record)
				FAIL("a field load outside a struct");
			else if (op->arg < 0 || (uint64_t)op->arg >= record->mem_size)
				FAIL("field offset %lld outside struct %s", (long long)op->arg,
				     record->name);
			if (!scalar_size(op->load))
				FAIL("load kind %u is not an integer", op->load);
			depth++;
			break;
		case RIDL_C_NEG:
		case RIDL_C_NOT:
		case RIDL_C_LNOT:
			if (depth < 1)
				FAIL("unary operator on an empty stack");
			break;
		case RIDL_C_COND:
			if (depth < 3)
				FAIL("?: with fewer than 3 operands");
			depth -= 2;
			break;
		default:
			if (op->op >= RIDL_C_COUNT)
				FAIL("unknown opcode %u", op->op);
			if (depth < 2)
				FAIL("binary operator with fewer than 2 operands");
			depth--;
			break;
		}
	}
	FAIL("a correlation program without RIDL_C_END");
}

static void
check_type(const ridl_type *t, unsigned nparams, const ridl_type *record)
{
	if (!t) {
		FAIL("NULL type");
		return;
	}
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == t)
			return;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = t;
	const char *name = t->name ? t->name : "(unnamed)";
	if (t->kind == RIDL_K_INVALID || t->kind >= RIDL_K_COUNT)
		FAIL("%s: bad kind %u", name, t->kind);
	if (t->wire_align != 1 && t->wire_align != 2 && t->wire_align != 4 && t->wire_align != 8)
		FAIL("%s: wire_align %u", name, t->wire_align);
	if (!is_pow2(t->mem_align))
		FAIL("%s: mem_align %u", name, t->mem_align);
	if (t->wire_size % t->wire_align && t->kind != RIDL_K_STRUCT)
		FAIL("%s: wire_size %u is not a multiple of wire_align %u", name, t->wire_size,
		     t->wire_align);
	if ((t->flags & RIDL_TF_BLITTABLE) && t->mem_size != t->wire_size)
		FAIL("%s: blittable but mem_size %u != wire_size %u", name, t->mem_size,
		     t->wire_size);
	if ((t->flags & RIDL_TF_RANGE) && t->range_lo > t->range_hi)
		FAIL("%s: range %lld..%lld", name, (long long)t->range_lo, (long long)t->range_hi);
	unsigned ss = scalar_size(t->kind);
	switch (t->kind) {
	case RIDL_K_STRUCT: {
		if (!t->u.st.nmembers || !t->u.st.members) {
			FAIL("%s: a struct without members", name);
			break;
		}
		unsigned prev = 0;
		for (unsigned i = 0; i < t->u.st.nmembers; i++) {
			const ridl_member *m = &t->u.st.members[i];
			if (i && m->offset <= prev)
				FAIL("%s.%s: offset %u not after the previous member", name,
				     m->name, m->offset);
			if (m->offset > t->mem_size)
				FAIL("%s.%s: offset %u beyond the struct", name, m->name,
				     m->offset);
			if (m->offset % m->type->mem_align)
				FAIL("%s.%s: offset %u not aligned for the member", name, m->name,
				     m->offset);
			prev = m->offset;
			check_type(m->type, nparams, t);
		}
		/* The flat part again: members aligned in order, no padding at the end. */
		unsigned off = 0, align = 1, fixed = 1;
		for (unsigned i = 0; i < t->u.st.nmembers; i++) {
			const ridl_type *mt = t->u.st.members[i].type;
			align = mt->wire_align > align ? mt->wire_align : align;
			off = (off + mt->wire_align - 1) / mt->wire_align * mt->wire_align +
			      mt->wire_size;
			fixed = fixed && mt->wire_size;
		}
		if (t->wire_align != align)
			FAIL("%s: wire_align %u, but its members say %u", name, t->wire_align,
			     align);
		if (t->wire_size != (fixed ? off : 0))
			FAIL("%s: wire_size %u, but its members say %u", name, t->wire_size,
			     fixed ? off : 0);
		const ridl_type *last = t->u.st.members[t->u.st.nmembers - 1].type;
		if (!!(t->flags & RIDL_TF_CONFORMANT) != !!(last->flags & RIDL_TF_CONFORMANT))
			FAIL("%s: CONFORMANT flag disagrees with its last member", name);
		if ((t->flags & RIDL_TF_CONFORMANT) && t->wire_size)
			FAIL("%s: conformant with a fixed wire size", name);
		break;
	}
	case RIDL_K_UNION:
		if (!scalar_size(t->u.un.disc_kind))
			FAIL("%s: discriminant kind %u", name, t->u.un.disc_kind);
		if ((t->flags & RIDL_TF_ENCAPSULATED) ? t->u.un.is != NULL : t->u.un.is == NULL)
			FAIL("%s: switch_is must be present exactly for non-encapsulated unions",
			     name);
		if (t->u.un.is)
			check_corr(t->u.un.is, nparams, record);
		for (unsigned i = 0; i < t->u.un.narms; i++) {
			for (unsigned k = 0; k < i; k++)
				if (t->u.un.arms[k].value == t->u.un.arms[i].value)
					FAIL("%s: case %lld twice", name,
					     (long long)t->u.un.arms[i].value);
			if (t->u.un.arms[i].type)
				check_type(t->u.un.arms[i].type, nparams, NULL);
		}
		if (t->u.un.default_type)
			check_type(t->u.un.default_type, nparams, NULL);
		unsigned aa = 1, da = scalar_size(t->u.un.disc_kind);
		for (unsigned i = 0; i <= t->u.un.narms; i++) {
			const ridl_type *at =
				i < t->u.un.narms ? t->u.un.arms[i].type : t->u.un.default_type;
			if (at && at->wire_align > aa)
				aa = at->wire_align;
		}
		if (t->u.un.arm_align != aa || t->wire_align != (da > aa ? da : aa))
			FAIL("%s: arm_align %u and wire_align %u, but the arms say %u", name,
			     t->u.un.arm_align, t->wire_align, aa);
		if (t->wire_size)
			FAIL("%s: a union with a fixed wire size", name);
		break;
	case RIDL_K_POINTER:
		if (t->u.ptr.kind < RIDL_PTR_REF || t->u.ptr.kind > RIDL_PTR_FULL)
			FAIL("%s: pointer kind %u", name, t->u.ptr.kind);
		if (t->wire_size != 4 || t->mem_size != sizeof(void *))
			FAIL("%s: pointer sizes %u/%u", name, t->wire_size, t->mem_size);
		check_type(t->u.ptr.to, nparams, record);
		break;
	case RIDL_K_ARRAY: {
		const ridl_type *e = t->u.arr.elem;
		check_type(e, nparams, record);
		if (!e)
			break;
		int conformant = !!(t->flags & RIDL_TF_CONFORMANT);
		if (conformant &&
		    (t->u.arr.count || (!t->u.arr.size && !(t->flags & RIDL_TF_STRING))))
			FAIL("array: conformant without a size program, or with a count");
		if (!conformant && !t->u.arr.count)
			FAIL("array: fixed with no elements");
		if (!conformant && t->mem_size != t->u.arr.count * e->mem_size)
			FAIL("array: mem_size %u != %u * %u", t->mem_size, t->u.arr.count,
			     e->mem_size);
		if ((t->u.arr.first || t->u.arr.length) && !(t->flags & RIDL_TF_VARYING))
			FAIL("array: a variance program without VARYING");
		if ((t->flags & RIDL_TF_STRING) && e->kind != RIDL_K_UINT8 &&
		    e->kind != RIDL_K_UINT16 && e->kind != RIDL_K_INT8 && e->kind != RIDL_K_INT16)
			FAIL("array: a string of kind %u", e->kind);
		if (!conformant && !(t->flags & RIDL_TF_VARYING) && e->wire_size) {
			unsigned stride =
				(e->wire_size + e->wire_align - 1) / e->wire_align * e->wire_align;
			if (t->wire_size != t->u.arr.count * stride)
				FAIL("array: wire_size %u != %u * %u", t->wire_size, t->u.arr.count,
				     stride);
		}
		if (t->u.arr.size)
			check_corr(t->u.arr.size, nparams, record);
		if (t->u.arr.first)
			check_corr(t->u.arr.first, nparams, record);
		if (t->u.arr.length)
			check_corr(t->u.arr.length, nparams, record);
		break;
	}
	case RIDL_K_HANDLE:
		if (t->wire_size)
			FAIL("handle_t on the wire");
		break;
	case RIDL_K_ENUM16:
	case RIDL_K_ENUM32:
		if (t->mem_size != sizeof(int) || t->wire_size != ss || t->wire_align != ss)
			FAIL("%s: enum sizes %u/%u", name, t->mem_size, t->wire_size);
		if (t->flags & RIDL_TF_BLITTABLE)
			FAIL("%s: a blittable enum", name);
		break;
	default:
		if (t->wire_size != ss || t->wire_align != ss || t->mem_size != ss)
			FAIL("%s: scalar sizes %u/%u/%u", name, t->wire_size, t->wire_align,
			     t->mem_size);
		if (!(t->flags & RIDL_TF_RANGE) && !(t->flags & RIDL_TF_BLITTABLE))
			FAIL("%s: a scalar that is not blittable", name);
		break;
	}
}

int
check_tables(RPC_IF_HANDLE h, const char *what)
{
	const ridl_interface *itf = h;
	where = what;
	nseen = 0;
	if (itf->magic != RIDL_MAGIC_INTERFACE || itf->size != sizeof(ridl_interface) ||
	    itf->abi_version != RIDL_STUB_ABI_VERSION) {
		FAIL("bad interface header");
		return 1;
	}
	/* The interface handle's name says the side: NAME_vM_m_s_ifspec is the server's. */
	size_t len = strlen(what);
	int server = len > 9 && strcmp(what + len - 9, "_s_ifspec") == 0;
	if (!server && itf->manager_epv)
		FAIL("a client's manager_epv is not NULL");
	if (server && itf->nprocs && !itf->manager_epv)
		FAIL("a server without a manager EPV");
	for (unsigned i = 0; server && itf->manager_epv && i < itf->nprocs; i++)
		if (!itf->manager_epv[i])
			FAIL("manager routine %u missing", i);
	if (itf->nprocs && !itf->procs)
		FAIL("procedures missing");
	for (unsigned i = 0; i < itf->nprocs; i++) {
		const ridl_proc *p = itf->procs[i];
		if (p->magic != RIDL_MAGIC_PROC || p->size != sizeof(ridl_proc) || p->opnum != i) {
			FAIL("procedure %u: bad header", i);
			continue;
		}
		if (p->nparams && !p->params)
			FAIL("%s: parameters missing", p->name);
		for (unsigned k = 0; k < p->nparams; k++) {
			const ridl_param *pa = &p->params[k];
			if (!(pa->flags & (RIDL_PF_IN | RIDL_PF_OUT)))
				FAIL("%s(%s): neither in nor out", p->name, pa->name);
			if (!!(pa->flags & RIDL_PF_BINDING) !=
			    (pa->type && pa->type->kind == RIDL_K_HANDLE))
				FAIL("%s(%s): BINDING and handle_t disagree", p->name, pa->name);
			if ((pa->flags & RIDL_PF_OUT) && pa->type &&
			    pa->type->kind != RIDL_K_POINTER)
				FAIL("%s(%s): an [out] parameter that is not a pointer", p->name,
				     pa->name);
			check_type(pa->type, p->nparams, NULL);
		}
		if (p->ret)
			check_type(p->ret, p->nparams, NULL);
	}
	return failures != 0;
}
