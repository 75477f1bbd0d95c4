/* ridl compiler: the stub emitter (NAME_c.c and NAME_s.c): descriptor tables and stubs.
 *
 * Writes the layout (layout.h) as the typed const tables of rpcstub.h: one ridl_type per node
 * reachable from a procedure, the correlation programs, struct members, union arms, the
 * parameters and procedures of each remote interface, the ridl_interface and its exported
 * interface handle. Every C size, offset and alignment is a sizeof/offsetof/_Alignof
 * expression the C compiler evaluates against the generated header; the NDR numbers are
 * literals from the layout. The blittable flag is a constant expression too: the layout
 * proposes it for types without NDR padding, and the C compiler keeps it only when the C
 * layout agrees, so a table is never wrong for the host it is compiled on.
 *
 * The stubs themselves are small because the runtime does the work from the tables. The client
 * file ends each interface with one function per procedure, under the header's prototype, that
 * passes the addresses of its parameters (and of its return value) to ridl_client_call() or
 * ridl_client_call_async(). The server file holds the default manager EPV, the manager routines
 * by name (--server-prefix) indexed by opnum, which the runtime calls through libffi.
 *
 * Objects are static, named PREFIX_t_NAME for named types (PREFIX_t_N for the others),
 * PREFIX_c_N for programs, PREFIX_m_/PREFIX_a_ for members and arms, IFACE_p_PROC for
 * procedures, IFACE_manager_epv for the EPV. Every ridl_type is declared before anything is
 * defined, so the tables may refer to each other in any order (struct node points to itself).
 * Order and numbering follow a walk of the procedures in declaration order: the output depends
 * only on the input.
 */
#include <inttypes.h>
#include <string.h>

#include "attrs.h"
#include "layout.h"
#include "output.h"

struct temitter {
	struct rc_ctx *ctx;
	struct rl_layout *l;
	struct rc_out *o;
	bool server;
	const char *prefix;
	struct rc_vec types; /* struct rl_type *, in walk order */
	struct rc_vec corrs; /* struct rl_corr * */
	struct rc_map seen;  /* node (as key) -> itself */
	struct rc_map where; /* type (as key) -> where it is first used, for comments */
	struct rc_map progs; /* interned program text -> first struct rl_corr with it */
	struct rc_map used;  /* interned C identifier -> itself */
	unsigned ntypes, ncorrs;
};

/* ---------------- names ---------------- */

static bool
set_has(struct rc_map *m, const void *p)
{
	return rc_map_get(m, (const char *)p) != NULL;
}

static void
set_add(struct rc_map *m, const void *p)
{
	rc_map_put(m, (const char *)p, (void *)p);
}

/* Claims a C identifier, adding _2, _3 ... when it is taken. */
static const char *
claim(struct temitter *e, const char *want)
{
	const char *n = rc_intern(&e->ctx->strings, want);
	for (unsigned k = 2; rc_map_get(&e->used, n); k++)
		n = rc_intern(&e->ctx->strings, rc_arena_printf(&e->ctx->arena, "%s_%u", want, k));
	rc_map_put(&e->used, n, (void *)n);
	return n;
}

/* A name as part of a C identifier: "unsigned long" -> "unsigned_long". */
static const char *
ident_part(struct temitter *e, const char *s)
{
	char *c = rc_arena_strdup(&e->ctx->arena, s);
	for (char *p = c; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
	return c;
}

/* ---------------- the walk ---------------- */

static void visit(struct temitter *e, struct rl_type *t, const char *where);

/* Numbers a program; programs that say the same thing share one array. */
static void
visit_corr(struct temitter *e, struct rl_corr *c)
{
	if (!c || set_has(&e->seen, c))
		return;
	set_add(&e->seen, c);
	struct rc_strbuf key = { 0 };
	rc_sb_puts(&key, c->attr);
	for (unsigned i = 0; i < c->nops; i++)
		rc_sb_printf(&key, " %d/%d/%" PRId64 "/%s", (int)c->ops[i].op, (int)c->ops[i].load,
			     c->ops[i].arg, c->ops[i].field_c ? c->ops[i].field_c : "");
	const char *k = rc_intern(&e->ctx->strings, rc_sb_str(&key));
	rc_sb_free(&key);
	struct rl_corr *same = rc_map_get(&e->progs, k);
	if (same) {
		c->id = same->id;
		return;
	}
	rc_map_put(&e->progs, k, c);
	c->id = ++e->ncorrs;
	rc_vec_push(&e->corrs, c);
}

static void
visit(struct temitter *e, struct rl_type *t, const char *where)
{
	if (!t || set_has(&e->seen, t))
		return;
	set_add(&e->seen, t);
	rc_map_put(&e->where, (const char *)t, (void *)where);
	if (t->shared && t->name)
		t->obj = claim(e, rc_arena_printf(&e->ctx->arena, "%s_t_%s", e->prefix,
						  ident_part(e, t->name)));
	else
		t->obj = NULL; /* numbered below, once every named one has its name */
	rc_vec_push(&e->types, t);
	switch (t->kind) {
	case RIDL_K_POINTER:
		visit(e, t->to, where);
		break;
	case RIDL_K_ARRAY:
		visit_corr(e, t->size);
		visit_corr(e, t->first);
		visit_corr(e, t->length);
		visit(e, t->elem, where);
		break;
	case RIDL_K_STRUCT:
		for (unsigned i = 0; i < t->nmembers; i++)
			visit(e, t->members[i].type,
			      rc_arena_printf(&e->ctx->arena, "%s.%s", t->name ? t->name : "struct",
					      t->members[i].name ? t->members[i].name : "?"));
		break;
	case RIDL_K_UNION:
		visit_corr(e, t->is);
		if (t->arms) {
			const char *u = t->name ? t->name : "union";
			for (unsigned i = 0; i < t->arms->n; i++)
				visit(e, t->arms->v[i].type,
				      rc_arena_printf(&e->ctx->arena, "%s.%s", u,
						      t->arms->v[i].name ? t->arms->v[i].name
									 : "?"));
			visit(e, t->arms->default_type,
			      rc_arena_printf(&e->ctx->arena, "%s.%s", u,
					      t->arms->default_name ? t->arms->default_name
								    : "default"));
		}
		break;
	default:
		break;
	}
}

/* ---------------- writing ---------------- */

static void
put_int64(struct rc_out *o, int64_t v)
{
	if (v == INT64_MIN)
		rc_out_puts(o, "INT64_MIN");
	else
		rc_out_printf(o, "%" PRId64, v);
}

static const char *
kind_c(enum ridl_kind k)
{
	static const char *const names[RIDL_K_COUNT] = {
		[RIDL_K_INVALID] = "RIDL_K_INVALID", [RIDL_K_INT8] = "RIDL_K_INT8",
		[RIDL_K_UINT8] = "RIDL_K_UINT8",     [RIDL_K_INT16] = "RIDL_K_INT16",
		[RIDL_K_UINT16] = "RIDL_K_UINT16",   [RIDL_K_INT32] = "RIDL_K_INT32",
		[RIDL_K_UINT32] = "RIDL_K_UINT32",   [RIDL_K_INT64] = "RIDL_K_INT64",
		[RIDL_K_UINT64] = "RIDL_K_UINT64",   [RIDL_K_FLOAT] = "RIDL_K_FLOAT",
		[RIDL_K_DOUBLE] = "RIDL_K_DOUBLE",   [RIDL_K_ENUM16] = "RIDL_K_ENUM16",
		[RIDL_K_ENUM32] = "RIDL_K_ENUM32",   [RIDL_K_STRUCT] = "RIDL_K_STRUCT",
		[RIDL_K_UNION] = "RIDL_K_UNION",     [RIDL_K_POINTER] = "RIDL_K_POINTER",
		[RIDL_K_ARRAY] = "RIDL_K_ARRAY",     [RIDL_K_HANDLE] = "RIDL_K_HANDLE",
	};
	return (unsigned)k < RIDL_K_COUNT && names[k] ? names[k] : "RIDL_K_INVALID";
}

static const char *
ptr_kind_c(enum ridl_ptr_kind k)
{
	if (k == RIDL_PTR_REF)
		return "RIDL_PTR_REF";
	if (k == RIDL_PTR_UNIQUE)
		return "RIDL_PTR_UNIQUE";
	return "RIDL_PTR_FULL";
}

static const char *
op_c(enum ridl_corr_opcode op)
{
	static const char *const names[RIDL_C_COUNT] = {
		[RIDL_C_END] = "RIDL_C_END",     [RIDL_C_CONST] = "RIDL_C_CONST",
		[RIDL_C_PARAM] = "RIDL_C_PARAM", [RIDL_C_PARAM_DEREF] = "RIDL_C_PARAM_DEREF",
		[RIDL_C_FIELD] = "RIDL_C_FIELD", [RIDL_C_FIELD_DEREF] = "RIDL_C_FIELD_DEREF",
		[RIDL_C_NEG] = "RIDL_C_NEG",     [RIDL_C_NOT] = "RIDL_C_NOT",
		[RIDL_C_LNOT] = "RIDL_C_LNOT",   [RIDL_C_ADD] = "RIDL_C_ADD",
		[RIDL_C_SUB] = "RIDL_C_SUB",     [RIDL_C_MUL] = "RIDL_C_MUL",
		[RIDL_C_DIV] = "RIDL_C_DIV",     [RIDL_C_MOD] = "RIDL_C_MOD",
		[RIDL_C_SHL] = "RIDL_C_SHL",     [RIDL_C_SHR] = "RIDL_C_SHR",
		[RIDL_C_AND] = "RIDL_C_AND",     [RIDL_C_OR] = "RIDL_C_OR",
		[RIDL_C_XOR] = "RIDL_C_XOR",     [RIDL_C_LT] = "RIDL_C_LT",
		[RIDL_C_GT] = "RIDL_C_GT",       [RIDL_C_LE] = "RIDL_C_LE",
		[RIDL_C_GE] = "RIDL_C_GE",       [RIDL_C_EQ] = "RIDL_C_EQ",
		[RIDL_C_NE] = "RIDL_C_NE",       [RIDL_C_LAND] = "RIDL_C_LAND",
		[RIDL_C_LOR] = "RIDL_C_LOR",     [RIDL_C_COND] = "RIDL_C_COND",
	};
	return (unsigned)op < RIDL_C_COUNT && names[op] ? names[op] : "RIDL_C_END";
}

/* A comment's text: nothing in it may end the comment early. */
static const char *
comment_safe(struct temitter *e, const char *s)
{
	if (!strstr(s, "*/"))
		return s;
	char *c = rc_arena_strdup(&e->ctx->arena, s);
	for (char *p = c; *p; p++)
		if (p[0] == '*' && p[1] == '/')
			p[1] = '_';
	return c;
}

static const char *
corr_name(struct temitter *e, const struct rl_corr *c)
{
	return c ? rc_arena_printf(&e->ctx->arena, "%s_c_%u", e->prefix, c->id) : "NULL";
}

static void
emit_corr(struct temitter *e, const struct rl_corr *c)
{
	struct rc_out *o = e->o;
	rc_out_line(o, "/* %s(%s) */", c->attr, comment_safe(e, c->text));
	rc_out_line(o, "static const ridl_corr_op %s[] = {", corr_name(e, c));
	rc_out_indent(o);
	for (unsigned i = 0; i < c->nops; i++) {
		const struct rl_op *op = &c->ops[i];
		bool load = op->op == RIDL_C_PARAM || op->op == RIDL_C_PARAM_DEREF ||
			    op->op == RIDL_C_FIELD || op->op == RIDL_C_FIELD_DEREF;
		rc_out_printf(o, "{ %s, %s, 0, ", op_c(op->op), load ? kind_c(op->load) : "0");
		if (op->field_c)
			rc_out_puts(o, op->field_c);
		else
			put_int64(o, op->arg);
		rc_out_puts(o, " },");
		if (op->name)
			rc_out_printf(o, " /* %s */", op->name);
		rc_out_nl(o);
	}
	rc_out_line(o, "{ RIDL_C_END, 0, 0, 0 },");
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
}

static const char *
ref(struct temitter *e, const struct rl_type *t)
{
	return t && t->obj ? rc_arena_printf(&e->ctx->arena, "&%s", t->obj) : "NULL";
}

static void
emit_members(struct temitter *e, struct rl_type *t)
{
	struct rc_out *o = e->o;
	if (!t->nmembers)
		return;
	rc_out_line(o, "static const ridl_member %s[] = {", t->obj_members);
	rc_out_indent(o);
	for (unsigned i = 0; i < t->nmembers; i++) {
		const struct rl_member *m = &t->members[i];
		rc_out_line(o, "{ offsetof(%s, %s), %s, \"%s\" },", t->c_type,
			    m->name ? m->name : "?", ref(e, m->type), m->name ? m->name : "?");
	}
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
}

static void
emit_arms(struct temitter *e, struct rl_arms *a)
{
	struct rc_out *o = e->o;
	if (!a->n)
		return;
	rc_out_line(o, "static const ridl_arm %s[] = {", a->obj);
	rc_out_indent(o);
	for (unsigned i = 0; i < a->n; i++) {
		rc_out_puts(o, "{ ");
		put_int64(o, a->v[i].value);
		rc_out_printf(o, ", %s },", ref(e, a->v[i].type));
		if (a->v[i].name)
			rc_out_printf(o, " /* %s */", a->v[i].name);
		rc_out_nl(o);
	}
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
}

/* Appends the C conditions under which a blittable candidate's C layout is its NDR layout. */
static void
blit_conds(struct temitter *e, const struct rl_type *t, struct rc_vec *conds, unsigned depth)
{
	if (depth > 200)
		return;
	if (t->kind == RIDL_K_ARRAY) {
		blit_conds(e, t->elem, conds, depth + 1);
		return;
	}
	if (t->kind != RIDL_K_STRUCT)
		return;
	rc_vec_push(conds,
		    rc_arena_printf(&e->ctx->arena, "sizeof(%s) == %u", t->c_type, t->wire_size));
	for (unsigned i = 0; i < t->nmembers; i++)
		rc_vec_push(conds,
			    rc_arena_printf(&e->ctx->arena, "offsetof(%s, %s) == %u", t->c_type,
					    t->members[i].name, t->members[i].wire_offset));
	for (unsigned i = 0; i < t->nmembers; i++)
		blit_conds(e, t->members[i].type, conds, depth + 1);
}

/* One bit of a flags word and its name in rpcstub.h. */
struct flag_name {
	uint32_t bit;
	const char *name;
};

/* The flags set in f as a C expression ("A | B"), or "0". */
static const char *
flags_expr(struct temitter *e, uint32_t f, const struct flag_name *names, size_t n)
{
	struct rc_strbuf sb = { 0 };
	for (size_t i = 0; i < n; i++)
		if (f & names[i].bit)
			rc_sb_printf(&sb, "%s%s", sb.len ? " | " : "", names[i].name);
	const char *s = rc_arena_strdup(&e->ctx->arena, sb.len ? rc_sb_str(&sb) : "0");
	rc_sb_free(&sb);
	return s;
}

static void
emit_flags(struct temitter *e, const struct rl_type *t)
{
	struct rc_out *o = e->o;
	static const struct flag_name names[] = {
		{ RIDL_TF_HAS_POINTERS, "RIDL_TF_HAS_POINTERS" },
		{ RIDL_TF_CONFORMANT, "RIDL_TF_CONFORMANT" },
		{ RIDL_TF_VARYING, "RIDL_TF_VARYING" },
		{ RIDL_TF_STRING, "RIDL_TF_STRING" },
		{ RIDL_TF_ENCAPSULATED, "RIDL_TF_ENCAPSULATED" },
		{ RIDL_TF_RANGE, "RIDL_TF_RANGE" },
		{ RIDL_TF_MAX_IS, "RIDL_TF_MAX_IS" },
		{ RIDL_TF_LAST_IS, "RIDL_TF_LAST_IS" },
		{ RIDL_TF_COMPLEX, "RIDL_TF_COMPLEX" },
	};
	const char *named = flags_expr(e, t->flags, names, RC_ARRAY_SIZE(names));
	if (!t->blittable) {
		rc_out_puts(o, named);
		return;
	}
	if (strcmp(named, "0") != 0)
		rc_out_printf(o, "%s | ", named);
	struct rc_vec conds = { 0 };
	blit_conds(e, t, &conds, 0);
	if (!conds.n) {
		rc_out_puts(o, "RIDL_TF_BLITTABLE");
	} else {
		/* The C compiler keeps the flag only if the C layout has no padding either. */
		rc_out_printf(o, "(%s", (const char *)conds.items[0]);
		for (size_t i = 1; i < conds.n; i++) {
			rc_out_puts(o, " &&");
			rc_out_nl(o);
			rc_out_printf(o, " %s", (const char *)conds.items[i]);
		}
		rc_out_puts(o, " ? RIDL_TF_BLITTABLE : 0)");
	}
	rc_vec_free(&conds);
}

static void
emit_type(struct temitter *e, struct rl_type *t)
{
	struct rc_out *o = e->o;
	const char *ct = t->c_type;
	const char *elem_ct = t->kind == RIDL_K_ARRAY && t->elem ? t->elem->c_type : NULL;
	const char *where = rc_map_get(&e->where, (const char *)t);
	if (!(t->shared && t->name) && where)
		rc_out_line(o, "/* %s */", comment_safe(e, where));
	rc_out_line(o, "static const ridl_type %s = {", t->obj);
	rc_out_indent(o);
	/* kind, wire_align, mem_align, reserved */
	if (ct)
		rc_out_line(o, "%s, %u, _Alignof(%s), 0,", kind_c(t->kind), t->wire_align, ct);
	else if (elem_ct)
		rc_out_line(o, "%s, %u, _Alignof(%s), 0,", kind_c(t->kind), t->wire_align, elem_ct);
	else
		rc_out_line(o, "%s, %u, 1, 0,", kind_c(t->kind), t->wire_align);
	emit_flags(e, t);
	rc_out_puts(o, ",");
	rc_out_nl(o);
	/* mem_size, wire_size, name: a conformant or varying array has no C size of its own */
	if (ct)
		rc_out_printf(o, "sizeof(%s), %u, ", ct, t->wire_size);
	else
		rc_out_printf(o, "0, %u, ", t->wire_size);
	if (t->name)
		rc_out_printf(o, "\"%s\",", t->name);
	else
		rc_out_puts(o, "NULL,");
	rc_out_nl(o);
	switch (t->kind) {
	case RIDL_K_STRUCT:
		rc_out_line(o, ".u.st = { %s, %u },", t->nmembers ? t->obj_members : "NULL",
			    t->nmembers);
		break;
	case RIDL_K_UNION: {
		const struct rl_arms *a = t->arms;
		const char *arms = a && a->n ? a->obj : "NULL";
		const char *off = (t->flags & RIDL_TF_ENCAPSULATED) && t->arm_member
					  ? rc_arena_printf(&e->ctx->arena, "offsetof(%s, %s)", ct,
							    t->arm_member)
					  : "0";
		rc_out_line(o, ".u.un = { %s, %u, %d, %s, %s, %s, %s, %u },", arms, a ? a->n : 0,
			    a && a->has_default, ref(e, a ? a->default_type : NULL),
			    corr_name(e, t->is), off, kind_c(t->disc_kind), t->arm_align);
		break;
	}
	case RIDL_K_POINTER:
		rc_out_line(o, ".u.ptr = { %s, %s, 0 },", ref(e, t->to), ptr_kind_c(t->ptr_kind));
		break;
	case RIDL_K_ARRAY:
		rc_out_line(o, ".u.arr = { %s, %u, %s, %s, %s },", ref(e, t->elem), t->count,
			    corr_name(e, t->size), corr_name(e, t->first), corr_name(e, t->length));
		break;
	default:
		break;
	}
	/* Scalars always show their range, so that every initializer has a designator (a
	 * positional initializer that stops early is a -Wextra warning). */
	bool scalar = t->kind != RIDL_K_STRUCT && t->kind != RIDL_K_UNION &&
		      t->kind != RIDL_K_POINTER && t->kind != RIDL_K_ARRAY;
	if (scalar || (t->flags & RIDL_TF_RANGE)) {
		rc_out_puts(o, ".range_lo = ");
		put_int64(o, t->range_lo);
		rc_out_puts(o, ", .range_hi = ");
		put_int64(o, t->range_hi);
		rc_out_puts(o, ",");
		rc_out_nl(o);
	}
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
}

static const char *
param_flags(struct temitter *e, uint32_t f)
{
	static const struct flag_name names[] = {
		{ RIDL_PF_IN, "RIDL_PF_IN" },
		{ RIDL_PF_OUT, "RIDL_PF_OUT" },
		{ RIDL_PF_BINDING, "RIDL_PF_BINDING" },
		{ RIDL_PF_COMM_STATUS, "RIDL_PF_COMM_STATUS" },
		{ RIDL_PF_FAULT_STATUS, "RIDL_PF_FAULT_STATUS" },
	};
	return flags_expr(e, f, names, RC_ARRAY_SIZE(names));
}

static const char *
proc_flags(struct temitter *e, uint32_t f)
{
	static const struct flag_name names[] = {
		{ RIDL_PROC_ASYNC, "RIDL_PROC_ASYNC" },
		{ RIDL_PROC_IMPLICIT, "RIDL_PROC_IMPLICIT" },
		{ RIDL_PROC_RET_COMM, "RIDL_PROC_RET_COMM" },
		{ RIDL_PROC_RET_FAULT, "RIDL_PROC_RET_FAULT" },
		{ RIDL_PROC_MAYBE, "RIDL_PROC_MAYBE" },
		{ RIDL_PROC_IDEMPOTENT, "RIDL_PROC_IDEMPOTENT" },
	};
	return flags_expr(e, f, names, RC_ARRAY_SIZE(names));
}

/* ---------------- stub functions ---------------- */

/* The server's default EPV: the manager routines by name (with --server-prefix), cast to the
 * one function pointer type an array can hold; the runtime calls each with its own type. */
static void
emit_manager_epv(struct temitter *e, struct rl_iface *ri)
{
	struct rc_out *o = e->o;
	const struct rc_options *opts = e->ctx->opts;
	const char *prefix = opts && opts->server_prefix ? opts->server_prefix : "";
	rc_out_line(o,
		    "/* The default manager EPV: the routine the runtime calls for each opnum. */");
	rc_out_line(o, "static void (*const %s_manager_epv[])(void) = {", ri->name);
	rc_out_indent(o);
	for (unsigned i = 0; i < ri->nprocs; i++)
		rc_out_line(o, "(void (*)(void))%s%s,", prefix, ri->procs[i].name);
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
}

/* ACF [nocode] on the procedure or the interface (unless [code] on the procedure): the program
 * supplies the client function itself. */
static bool
has_client_stub(const struct rl_iface *ri, const struct rl_proc *p)
{
	if (!p->var || rc_attr_has(p->var->attrs, RC_A_NOCODE))
		return false;
	return rc_attr_has(p->var->attrs, RC_A_CODE) || !ri->def ||
	       !rc_attr_has(ri->def->attrs, RC_A_NOCODE);
}

/* Is an object of type t const itself (not only what it points to)? Its address then needs a
 * cast to go into an array of void *. A parameter declared as an array is a pointer in C. */
static bool
is_const_object(struct rc_type *t)
{
	for (unsigned guard = 0; t && guard < 64; guard++) {
		if (t->kind == TK_ARRAY)
			return false;
		if (t->flags & RC_TF_CONST)
			return true;
		if (t->kind != TK_NAMED && t->kind != TK_ALIAS)
			return false;
		t = t->ref;
	}
	return false;
}

/* &name as a void *, for the argument array. */
static const char *
address_of(struct temitter *e, struct rc_type *t, const char *name)
{
	return rc_arena_printf(&e->ctx->arena, is_const_object(t) ? "(void *)&%s" : "&%s", name);
}

/* A local variable's name that no parameter of p takes. */
static const char *
local_name(struct temitter *e, const struct rl_proc *p, const char *want)
{
	const char *n = want;
	for (bool taken = true; taken;) {
		taken = false;
		for (unsigned i = 0; i < p->nparams && !taken; i++)
			taken = strcmp(p->params[i].c_name, n) == 0;
		if (p->var && p->var->name && strcmp(p->var->name, n) == 0)
			taken = true;
		if (taken)
			n = rc_arena_printf(&e->ctx->arena, "%s_", n);
	}
	return n;
}

/* "void *_args[] = { &a, &b };", wrapped one level deeper when it would pass 100 columns. */
static void
emit_arg_array(struct temitter *e, const struct rl_proc *p, const char *args)
{
	struct rc_out *o = e->o;
	if (!p->nparams) {
		/* C has no empty arrays; the runtime reads no element of this one. */
		rc_out_line(o, "void *%s[] = { NULL };", args);
		return;
	}
	const char **addr = rc_arena_alloc(&e->ctx->arena, p->nparams * sizeof(*addr));
	size_t len = 8 + strlen("void *[] = {  };") + strlen(args);
	for (unsigned k = 0; k < p->nparams; k++) {
		const struct rl_param *pa = &p->params[k];
		addr[k] = address_of(e, pa->var ? pa->var->type : NULL, pa->c_name);
		len += strlen(addr[k]) + 2;
	}
	if (len <= 100) {
		rc_out_printf(o, "void *%s[] = { ", args);
		for (unsigned k = 0; k < p->nparams; k++)
			rc_out_printf(o, "%s%s", k ? ", " : "", addr[k]);
		rc_out_puts(o, " };");
		rc_out_nl(o);
		return;
	}
	rc_out_line(o, "void *%s[] = {", args);
	rc_out_indent(o);
	size_t col = 0; /* after the two tabs */
	for (unsigned k = 0; k < p->nparams; k++) {
		size_t w = strlen(addr[k]) + 1; /* "&x," */
		if (col && 16 + col + 1 + w > 100) {
			rc_out_nl(o);
			col = 0;
		}
		rc_out_printf(o, "%s%s,", col ? " " : "", addr[k]);
		col += (col ? 1 : 0) + w;
	}
	rc_out_nl(o);
	rc_out_dedent(o);
	rc_out_line(o, "};");
}

/* Writes lines of text at indentation 0, breaking a line longer than 100 columns after the
 * last ", " outside parentheses that keeps it within them; continuation lines get one tab. */
static void
put_wrapped(struct rc_out *o, const char *text)
{
	const char *line = text;
	int depth = 0; /* parentheses open at the start of line */
	bool cont = false;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		size_t width = cont ? 92 : 100, cut = n, best = 0;
		int d = depth;
		for (size_t i = 0; i < n; i++) {
			if (line[i] == '(')
				d++;
			else if (line[i] == ')')
				d--;
			else if (line[i] == ',' && line[i + 1] == ' ' && d == 1 && i + 1 <= width)
				best = i + 1;
		}
		if (n > width && best)
			cut = best;
		if (cont)
			rc_out_puts(o, "\t");
		rc_out_putn(o, line, cut);
		rc_out_nl(o);
		for (size_t i = 0; i < cut; i++)
			depth += line[i] == '(' ? 1 : line[i] == ')' ? -1 : 0;
		line += cut;
		cont = *line == ' ';
		if (*line == ' ' || *line == '\n')
			line++; /* the space where the line was broken, or the newline */
	}
}

/* One client stub: the header's prototype, and a body that hands the addresses of the
 * arguments (and of the return value) to the runtime, which does the rest from the tables. */
static void
emit_client_stub(struct temitter *e, struct rl_iface *ri, struct rl_proc *p)
{
	struct rc_out *o = e->o;
	struct rc_type *f = p->var->type;
	bool async = p->flags & RIDL_PROC_ASYNC;
	const char *args = local_name(e, p, "_args");
	rc_out_nl(o);
	if (async)
		rc_out_line(o,
			    "/* Opnum %u of %s, [async]: starts the call; RpcAsyncCompleteCall() "
			    "gives its result. */",
			    p->opnum, ri->name);
	else if (p->flags & RIDL_PROC_MAYBE)
		rc_out_line(o,
			    "/* Opnum %u of %s, [maybe]: the runtime marshals the arguments and "
			    "sends the call; no reply. */",
			    p->opnum, ri->name);
	else
		rc_out_line(o,
			    "/* Opnum %u of %s: the runtime marshals the arguments, calls, and "
			    "unmarshals the reply. */",
			    p->opnum, ri->name);
	put_wrapped(o, rc_rpc_proc_head(e->ctx, ri->def, p->var, p->name));
	rc_out_line(o, "{");
	rc_out_indent(o);
	emit_arg_array(e, p, args);
	if (async) {
		rc_out_nl(o);
		rc_out_line(o, "ridl_client_call_async(&%s_interface, %u, %s_AsyncHandle, %s);",
			    ri->name, p->opnum, p->name, args);
	} else if (!p->ret) {
		rc_out_nl(o);
		rc_out_line(o, "ridl_client_call(&%s_interface, %u, %s, NULL);", ri->name, p->opnum,
			    args);
	} else {
		const char *ret = local_name(e, p, "_ret");
		rc_out_line(o, "%s = { 0 };", rc_c_decl(e->ctx, f->ref, ret));
		rc_out_nl(o);
		rc_out_line(o, "ridl_client_call(&%s_interface, %u, %s, %s);", ri->name, p->opnum,
			    args, address_of(e, f->ref, ret));
		rc_out_line(o, "return %s;", ret);
	}
	rc_out_dedent(o);
	rc_out_line(o, "}");
}

static void
emit_iface(struct temitter *e, struct rl_iface *ri)
{
	struct rc_out *o = e->o;
	const char *n = ri->name;
	rc_out_line(o, "/* interface %s, version %u.%u */", n, ri->ver_major, ri->ver_minor);
	rc_out_nl(o);
	for (unsigned i = 0; i < ri->nprocs; i++) {
		struct rl_proc *p = &ri->procs[i];
		const char *params = rc_arena_printf(&e->ctx->arena, "%s_params_%s", n, p->name);
		if (p->nparams) {
			rc_out_line(o, "static const ridl_param %s[] = {", params);
			rc_out_indent(o);
			for (unsigned k = 0; k < p->nparams; k++) {
				struct rl_param *pa = &p->params[k];
				rc_out_line(o, "{ %s, %s, \"%s\" },", ref(e, pa->type),
					    param_flags(e, pa->flags), pa->name);
			}
			rc_out_dedent(o);
			rc_out_line(o, "};");
			rc_out_nl(o);
		}
		rc_out_line(o, "static const ridl_proc %s_p_%s = {", n, p->name);
		rc_out_indent(o);
		rc_out_line(o, "RIDL_MAGIC_PROC, sizeof(ridl_proc), \"%s\", %u, %u, %s,", p->name,
			    p->opnum, p->nparams, proc_flags(e, p->flags));
		rc_out_line(o, "%s, %s,", p->nparams ? params : "NULL", ref(e, p->ret));
		rc_out_dedent(o);
		rc_out_line(o, "};");
		rc_out_nl(o);
	}
	if (ri->nprocs) {
		rc_out_line(o, "/* Indexed by opnum. */");
		rc_out_line(o, "static const ridl_proc *const %s_procs[] = {", n);
		rc_out_indent(o);
		for (unsigned i = 0; i < ri->nprocs; i++)
			rc_out_line(o, "&%s_p_%s,", n, ri->procs[i].name);
		rc_out_dedent(o);
		rc_out_line(o, "};");
		rc_out_nl(o);
	}
	bool epv = e->server && ri->nprocs;
	if (epv)
		emit_manager_epv(e, ri);
	bool implicit = ri->implicit_handle && !e->server;
	if (implicit) {
		rc_out_line(o,
			    "/* The ACF's implicit binding handle: the client program sets it. */");
		rc_out_line(o, "handle_t %s;", ri->implicit_handle);
		rc_out_nl(o);
	}
	const uint8_t *u = ri->uuid;
	rc_out_line(o, "static const ridl_interface %s_interface = {", n);
	rc_out_indent(o);
	rc_out_line(
		o,
		"RIDL_MAGIC_INTERFACE, sizeof(ridl_interface), RIDL_STUB_ABI_VERSION, %u, \"%s\",",
		ri->nprocs, n);
	rc_out_line(
		o,
		"{ 0x%02x%02x%02x%02x, 0x%02x%02x, 0x%02x%02x, { 0x%02x, 0x%02x, 0x%02x, 0x%02x, "
		"0x%02x, 0x%02x, 0x%02x, 0x%02x } },",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		u[13], u[14], u[15]);
	rc_out_line(o, "%u, %u, %s, %s, %s,", ri->ver_major, ri->ver_minor,
		    ri->nprocs ? rc_arena_printf(&e->ctx->arena, "%s_procs", n) : "NULL",
		    implicit ? rc_arena_printf(&e->ctx->arena, "&%s", ri->implicit_handle) : "NULL",
		    epv ? rc_arena_printf(&e->ctx->arena, "%s_manager_epv", n) : "NULL");
	rc_out_dedent(o);
	rc_out_line(o, "};");
	rc_out_nl(o);
	rc_out_line(o,
		    "RPC_IF_HANDLE %s_v%u_%u_%c_ifspec = (RPC_IF_HANDLE)(uintptr_t)&%s_interface;",
		    n, ri->ver_major, ri->ver_minor, e->server ? 's' : 'c', n);
	if (!e->server)
		for (unsigned i = 0; i < ri->nprocs; i++)
			if (has_client_stub(ri, &ri->procs[i]))
				emit_client_stub(e, ri, &ri->procs[i]);
}

/* The file name for the first-line comment: the basename, nothing that could end the comment. */
static const char *
source_name(struct temitter *e, const char *path)
{
	const char *b = strrchr(path, '/');
	return comment_safe(e, b ? b + 1 : path);
}

unsigned
rc_emit_tables(struct rc_ctx *ctx, struct rl_layout *l, bool server, const char *header,
	       struct rc_strbuf *out)
{
	struct temitter e;
	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	e.l = l;
	e.server = server;
	e.prefix = l->prefix ? l->prefix : "ridl";
	struct rc_out o;
	rc_out_init(&o, out, "\t");
	e.o = &o;

	/* Fixed names first, so a type can never take one. */
	for (unsigned i = 0; i < l->nifaces; i++) {
		struct rl_iface *ri = &l->ifaces[i];
		claim(&e, rc_arena_printf(&ctx->arena, "%s_interface", ri->name));
		claim(&e, rc_arena_printf(&ctx->arena, "%s_procs", ri->name));
		claim(&e, rc_arena_printf(&ctx->arena, "%s_manager_epv", ri->name));
		for (unsigned k = 0; k < ri->nprocs; k++) {
			claim(&e,
			      rc_arena_printf(&ctx->arena, "%s_p_%s", ri->name, ri->procs[k].name));
			claim(&e, rc_arena_printf(&ctx->arena, "%s_params_%s", ri->name,
						  ri->procs[k].name));
		}
	}
	for (unsigned i = 0; i < l->nifaces; i++) {
		struct rl_iface *ri = &l->ifaces[i];
		for (unsigned k = 0; k < ri->nprocs; k++) {
			struct rl_proc *p = &ri->procs[k];
			for (unsigned j = 0; j < p->nparams; j++)
				visit(&e, p->params[j].type,
				      rc_arena_printf(&ctx->arena, "%s: %s", p->name,
						      p->params[j].name));
			visit(&e, p->ret,
			      rc_arena_printf(&ctx->arena, "%s: return value", p->name));
		}
	}
	/* Unnamed nodes are numbered in walk order; members and arms are named after their type. */
	for (size_t i = 0; i < e.types.n; i++) {
		struct rl_type *t = e.types.items[i];
		if (!t->obj)
			t->obj = claim(
				&e, rc_arena_printf(&ctx->arena, "%s_t_%u", e.prefix, ++e.ntypes));
	}
	for (size_t i = 0; i < e.types.n; i++) {
		struct rl_type *t = e.types.items[i];
		const char *suffix = t->obj + strlen(e.prefix) + 3; /* PREFIX_t_X -> X */
		if (t->kind == RIDL_K_STRUCT)
			t->obj_members = claim(
				&e, rc_arena_printf(&ctx->arena, "%s_m_%s", e.prefix, suffix));
		if (t->kind == RIDL_K_UNION && t->arms && !set_has(&e.seen, t->arms)) {
			set_add(&e.seen, t->arms);
			t->arms->obj = claim(
				&e, rc_arena_printf(&ctx->arena, "%s_a_%s", e.prefix,
						    t->arms->owner ? ident_part(&e, t->arms->owner)
								   : suffix));
		}
	}

	rc_out_line(&o, "/* Generated by ridl from %s. Do not edit.",
		    source_name(&e, ctx->main->path));
	rc_out_line(&o, " *");
	rc_out_line(&o,
		    " * The %s descriptor tables of the remote interfaces in %s: what librpcrt's",
		    server ? "server's" : "client's", source_name(&e, ctx->main->path));
	rc_out_line(&o, " * NDR engine needs to marshal each procedure's parameters (see "
			"rpcstub.h). C sizes");
	rc_out_line(
		&o,
		" * and offsets are sizeof and offsetof; NDR alignments and sizes are numbers.");
	if (server) {
		rc_out_line(&o, " * Then the default manager EPV of each interface: the routines "
				"the runtime calls. */");
	} else {
		rc_out_line(&o, " * Then the client stubs: each passes the addresses of its "
				"arguments to the runtime,");
		rc_out_line(&o, " * which marshals them as the tables say. */");
	}
	rc_out_line(&o, "#include <stddef.h>");
	rc_out_line(&o, "#include <rpcstub.h>");
	rc_out_line(&o, "#include \"%s\"", header);
	rc_out_nl(&o);
	rc_out_line(&o, "#if RIDL_STUB_ABI_VERSION != %d", RC_STUB_ABI_VERSION);
	rc_out_line(&o,
		    "#error \"generated by ridl for stub ABI version %d, but rpcstub.h is another "
		    "version: regenerate it with the ridl of this runtime\"",
		    RC_STUB_ABI_VERSION);
	rc_out_line(&o, "#endif");

	if (e.types.n) {
		rc_out_nl(&o);
		rc_out_line(&o, "/* Every type first, so the tables may refer to each other in any "
				"order. */");
		for (size_t i = 0; i < e.types.n; i++)
			rc_out_line(&o, "static const ridl_type %s;",
				    ((struct rl_type *)e.types.items[i])->obj);
	}
	if (e.corrs.n) {
		rc_out_nl(&o);
		rc_out_line(&o, "/* Correlation expressions (size_is, length_is, switch_is ...), "
				"postfix. */");
		rc_out_nl(&o);
		for (size_t i = 0; i < e.corrs.n; i++)
			emit_corr(&e, e.corrs.items[i]);
	} else if (e.types.n) {
		rc_out_nl(&o);
	}
	struct rc_map done = { 0 };
	for (size_t i = 0; i < e.types.n; i++) {
		struct rl_type *t = e.types.items[i];
		if (t->kind == RIDL_K_STRUCT)
			emit_members(&e, t);
		if (t->kind == RIDL_K_UNION && t->arms && !set_has(&done, t->arms)) {
			set_add(&done, t->arms);
			emit_arms(&e, t->arms);
		}
	}
	rc_map_free(&done);
	for (size_t i = 0; i < e.types.n; i++)
		emit_type(&e, e.types.items[i]);
	if (!e.types.n)
		rc_out_nl(&o);
	for (unsigned i = 0; i < l->nifaces; i++) {
		if (i)
			rc_out_nl(&o);
		emit_iface(&e, &l->ifaces[i]);
	}

	rc_vec_free(&e.types);
	rc_vec_free(&e.corrs);
	rc_map_free(&e.seen);
	rc_map_free(&e.used);
	rc_map_free(&e.where);
	rc_map_free(&e.progs);
	return 0;
}
