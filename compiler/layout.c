/* ridl compiler: the layout phase (see layout.h).
 *
 * The walk follows each parameter's declared type down through typedefs, pointers and arrays,
 * carrying the declaration's attributes to the level they apply to: a pointer attribute to the
 * outermost pointer, the n-th argument of size_is/length_is/... to the n-th pointer or array
 * level, [string] to the innermost one, [switch_is] to the first union, [range] to the scalar
 * or string at the end. Typedefs contribute their own attributes the same way. Structs and
 * unions start a new walk for each member, with the struct's fields as the scope of their
 * correlation expressions.
 *
 * What stubs cannot carry yet (context handles, pipes, interface pointers, [transmit_as] ...)
 * is reported where it is used, once per declaration.
 */
#include <inttypes.h>
#include <string.h>

#include "attrs.h"
#include "layout.h"

/* Deepest type nesting followed; resolve and the parser keep real input far below it. */
#define MAX_DEPTH 200

struct layouter {
	struct rc_ctx *ctx;
	unsigned errors;
	struct rc_map cnames;    /* definition (as key) -> C name from its first typedef */
	struct rc_map def_iface; /* definition (as key) -> the interface declaring it */
	struct rc_map shared;    /* definition or interned scalar key -> struct rl_type * */
	struct rc_map shared_v1; /* enum definition -> its [v1_enum] node */
	struct rc_vec all;       /* every node, for the finishing pass */
	enum ridl_ptr_kind ptr_default;
	unsigned depth;
};

/* A declaration whose type is being laid out: a parameter, a struct member, a union arm, a
 * return type. Its attributes and its scope for correlation expressions. */
struct place {
	const char *name; /* for diagnostics */
	struct rc_loc loc;
	struct rc_attr *attrs;
	struct rc_var **params; /* procedure parameters in scope, or NULL */
	unsigned nparams;
	unsigned param_base;    /* index of params[0] in the ridl_param array */
	struct rc_type *record; /* the struct whose fields are in scope, or NULL */
	const char *record_c;   /* its C name */
	bool in_arm;            /* a union arm: no scope */
};

/* What the walk carries from one level to the next. */
struct walk {
	unsigned level;            /* pointer/array level below the declaration's type */
	struct rc_attr *ptr_attr;  /* [ref]/[unique]/[ptr] for the next pointer */
	bool outermost;            /* the next pointer is a parameter's top-level pointer */
	bool embedded;             /* inside a struct, union or array */
	struct rc_attr *string;    /* [string] pending for the innermost pointer or array */
	struct rc_attr *range;     /* [range] pending for the scalar or string */
	struct rc_attr *switch_is; /* pending for the first union */
	struct rc_type *switch_type;
	bool v1_enum;
	unsigned nsized; /* levels with conformance or variance so far */
};

static struct rl_type *walk_type(struct layouter *L, struct place *pl, struct rc_type *t,
				 struct walk w);
static void finish(struct layouter *L, struct rl_type *t);

/* ---------------- small helpers ---------------- */

static void *
alloc(struct layouter *L, size_t n)
{
	return rc_arena_alloc(&L->ctx->arena, n);
}

static struct rl_type *
new_type(struct layouter *L, enum ridl_kind kind)
{
	struct rl_type *t = alloc(L, sizeof(*t));
	t->kind = kind;
	t->wire_align = 1;
	rc_vec_push(&L->all, t);
	return t;
}

static struct rl_type *
copy_type(struct layouter *L, const struct rl_type *t)
{
	struct rl_type *c = alloc(L, sizeof(*c));
	*c = *t;
	c->shared = false;
	c->finished = c->finishing = false;
	c->obj = NULL;
	c->obj_members = NULL;
	rc_vec_push(&L->all, c);
	return c;
}

static const char *
intern(struct layouter *L, const char *s)
{
	return rc_intern(&L->ctx->strings, s);
}

static uint32_t
align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static RC_PRINTF(4, 5) void error(struct layouter *L, enum rc_diag_code code, struct rc_loc loc,
				  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rc_strbuf sb = { 0 };
	rc_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	rc_error(L->ctx->diag, code, loc, "%s", rc_sb_str(&sb));
	rc_sb_free(&sb);
	L->errors++;
}

static const char *
place_name(const struct place *pl)
{
	return pl->name ? pl->name : "?";
}

static struct rc_expr *
level_arg(struct rc_attr *a, unsigned level)
{
	if (!a || level >= a->nargs || !a->args[level] || a->args[level]->kind == EX_EMPTY)
		return NULL;
	return a->args[level];
}

static struct rc_attr *
pointer_attr(struct rc_attr *list)
{
	struct rc_attr *a;
	if ((a = rc_attr_find(list, RC_A_REF)) || (a = rc_attr_find(list, RC_A_UNIQUE)) ||
	    (a = rc_attr_find(list, RC_A_PTR)))
		return a;
	return NULL;
}

static enum ridl_ptr_kind
ptr_kind_of(struct rc_attr *a)
{
	if (a->id == RC_A_REF)
		return RIDL_PTR_REF;
	if (a->id == RC_A_UNIQUE)
		return RIDL_PTR_UNIQUE;
	return RIDL_PTR_FULL;
}

/* The kind of a base type; RIDL_K_INVALID for __int3264. */
static enum ridl_kind
base_kind(const struct rc_type *t)
{
	bool u = t->sign == RC_SIGN_UNSIGNED;
	switch (t->base) {
	case RC_B_BOOLEAN:
	case RC_B_BYTE:
		return RIDL_K_UINT8;
	case RC_B_CHAR:
		return t->sign == RC_SIGN_SIGNED ? RIDL_K_INT8 : RIDL_K_UINT8;
	case RC_B_WCHAR:
		return RIDL_K_UINT16;
	case RC_B_SMALL:
	case RC_B_INT8:
		return u ? RIDL_K_UINT8 : RIDL_K_INT8;
	case RC_B_SHORT:
	case RC_B_INT16:
		return u ? RIDL_K_UINT16 : RIDL_K_INT16;
	case RC_B_LONG:
	case RC_B_INT:
	case RC_B_INT32:
		return u ? RIDL_K_UINT32 : RIDL_K_INT32;
	case RC_B_HYPER:
	case RC_B_INT64:
		return u ? RIDL_K_UINT64 : RIDL_K_INT64;
	case RC_B_FLOAT:
		return RIDL_K_FLOAT;
	case RC_B_DOUBLE:
		return RIDL_K_DOUBLE;
	case RC_B_ERROR_STATUS:
		return RIDL_K_UINT32;
	case RC_B_HANDLE:
		return RIDL_K_HANDLE;
	default:
		return RIDL_K_INVALID;
	}
}

static uint32_t
scalar_size(enum ridl_kind k)
{
	switch (k) {
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

static bool
is_integer_kind(enum ridl_kind k)
{
	return (k >= RIDL_K_INT8 && k <= RIDL_K_UINT64) || k == RIDL_K_ENUM16 || k == RIDL_K_ENUM32;
}

/* The integer kind of a type as it is read in memory (enums by [v1_enum]), or RIDL_K_INVALID. */
static enum ridl_kind
integer_kind(struct rc_type *t)
{
	struct rc_type *u = rc_type_unalias(t);
	if (!u)
		return RIDL_K_INVALID;
	if (u->kind == TK_ENUM)
		return rc_type_find_attr(t, RC_A_V1_ENUM) ? RIDL_K_ENUM32 : RIDL_K_ENUM16;
	if (u->kind != TK_BASE)
		return RIDL_K_INVALID;
	enum ridl_kind k = base_kind(u);
	return is_integer_kind(k) ? k : RIDL_K_INVALID;
}

const char *
rl_kind_name(enum ridl_kind k)
{
	static const char *const names[RIDL_K_COUNT] = {
		[RIDL_K_INVALID] = "invalid", [RIDL_K_INT8] = "int8",
		[RIDL_K_UINT8] = "uint8",     [RIDL_K_INT16] = "int16",
		[RIDL_K_UINT16] = "uint16",   [RIDL_K_INT32] = "int32",
		[RIDL_K_UINT32] = "uint32",   [RIDL_K_INT64] = "int64",
		[RIDL_K_UINT64] = "uint64",   [RIDL_K_FLOAT] = "float",
		[RIDL_K_DOUBLE] = "double",   [RIDL_K_ENUM16] = "enum16",
		[RIDL_K_ENUM32] = "enum32",   [RIDL_K_STRUCT] = "struct",
		[RIDL_K_UNION] = "union",     [RIDL_K_POINTER] = "pointer",
		[RIDL_K_ARRAY] = "array",     [RIDL_K_HANDLE] = "handle",
	};
	return (unsigned)k < RIDL_K_COUNT && names[k] ? names[k] : "?";
}

/* The C name of a struct, union or enum definition: its first typedef, else its tag; NULL for
 * an anonymous one (C cannot name it in sizeof or offsetof). */
static const char *
def_cname(struct layouter *L, struct rc_type *d)
{
	const char *n = rc_map_get(&L->cnames, (const char *)d);
	if (n)
		return n;
	if (!d->name)
		return NULL;
	const char *tag = d->kind == TK_UNION ? "union" : d->kind == TK_ENUM ? "enum" : "struct";
	return intern(L, rc_arena_printf(&L->ctx->arena, "%s %s", tag, d->name));
}

/* ---------------- correlation expressions ---------------- */

struct corr_builder {
	struct layouter *L;
	struct place *pl;
	struct rc_attr *attr;
	struct rl_op *ops;
	unsigned n, cap;
	bool failed;
};

static void
push_op(struct corr_builder *b, enum ridl_corr_opcode op, enum ridl_kind load, int64_t arg)
{
	if (b->n == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 8;
		struct rl_op *v = alloc(b->L, cap * sizeof(*v));
		if (b->n)
			memcpy(v, b->ops, b->n * sizeof(*v));
		b->ops = v;
		b->cap = cap;
	}
	struct rl_op *o = &b->ops[b->n++];
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->load = load;
	o->arg = arg;
}

static RC_PRINTF(3, 4) void corr_fail(struct corr_builder *b, struct rc_loc loc, const char *fmt,
				      ...)
{
	if (b->failed)
		return;
	b->failed = true;
	va_list ap;
	va_start(ap, fmt);
	struct rc_strbuf sb = { 0 };
	rc_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	error(b->L, RC_E_CORR_EXPR, loc, "[%s] of '%s': %s", b->attr->name, place_name(b->pl),
	      rc_sb_str(&sb));
	rc_sb_free(&sb);
}

/* A parameter or field named in a correlation expression: pushes its load (through one
 * pointer when deref). */
static void
corr_name(struct corr_builder *b, struct rc_expr *e, bool deref)
{
	struct rc_var *v = e->ref_var;
	struct place *pl = b->pl;
	if (!v) {
		corr_fail(b, e->loc, "'%s' is not declared", e->str ? e->str : "?");
		return;
	}
	if (v->kind == RC_V_CONST || v->kind == RC_V_ENUMERATOR) {
		int64_t val;
		if (deref) {
			corr_fail(
				b, e->loc,
				"'*' applies to a pointer parameter or field, not to constant '%s'",
				v->name);
			return;
		}
		if (!rc_eval_const(b->L->ctx, e, &val, true)) {
			corr_fail(b, e->loc, "'%s' is not an integer constant", v->name);
			return;
		}
		push_op(b, RIDL_C_CONST, RIDL_K_INVALID, val);
		return;
	}
	int index = -1;
	bool field = false;
	if (pl->params) {
		for (unsigned i = 0; i < pl->nparams; i++)
			if (pl->params[i] == v)
				index = (int)(pl->param_base + i);
	} else if (pl->record) {
		for (unsigned i = 0; i < pl->record->nfields; i++)
			if (pl->record->fields[i] == v)
				field = true;
	}
	if (pl->in_arm) {
		corr_fail(b, e->loc, "'%s': correlation inside a union arm is not supported yet",
			  v->name);
		return;
	}
	if (index < 0 && !field) {
		corr_fail(b, e->loc, "'%s' is not a parameter or field in scope", v->name);
		return;
	}
	struct rc_type *t = v->type;
	if (deref) {
		struct rc_type *p = rc_type_unalias(t);
		if (!p || p->kind != TK_POINTER) {
			corr_fail(b, e->loc, "'*%s': '%s' is not a pointer", v->name, v->name);
			return;
		}
		t = p->ref;
	}
	struct rc_type *u = rc_type_unalias(t);
	if (u && u->kind == TK_POINTER) {
		corr_fail(b, e->loc,
			  deref ? "'*%s' is still a pointer; only one '*' is supported"
				: "'%s' is a pointer: write '*' before it to use the value it "
				  "points to",
			  v->name);
		return;
	}
	enum ridl_kind k = integer_kind(t);
	if (k == RIDL_K_INVALID) {
		corr_fail(b, e->loc, "'%s' is not an integer", v->name);
		return;
	}
	if (field) {
		push_op(b, deref ? RIDL_C_FIELD_DEREF : RIDL_C_FIELD, k, 0);
		b->ops[b->n - 1].field_c = rc_arena_printf(&b->L->ctx->arena, "offsetof(%s, %s)",
							   pl->record_c, v->name);
	} else {
		push_op(b, deref ? RIDL_C_PARAM_DEREF : RIDL_C_PARAM, k, index);
	}
	b->ops[b->n - 1].name = v->name;
}

static void
corr_expr(struct corr_builder *b, struct rc_expr *e, unsigned depth)
{
	if (b->failed)
		return;
	if (!e || depth > MAX_DEPTH) {
		corr_fail(b, e ? e->loc : b->attr->loc, "%s",
			  "the expression is nested too deeply");
		return;
	}
	int64_t val;
	switch (e->kind) {
	case EX_INT:
	case EX_CHAR:
		push_op(b, RIDL_C_CONST, RIDL_K_INVALID, (int64_t)e->ival);
		return;
	case EX_TRUE:
	case EX_FALSE:
		push_op(b, RIDL_C_CONST, RIDL_K_INVALID, e->kind == EX_TRUE);
		return;
	case EX_IDENT:
		corr_name(b, e, false);
		return;
	case EX_CAST:
		/* The stubs compute in 64 bits; a cast changes nothing they can represent. */
		corr_expr(b, e->a, depth + 1);
		return;
	case EX_SIZEOF:
		if (!rc_eval_const(b->L->ctx, e, &val, true)) {
			corr_fail(b, e->loc, "%s",
				  "sizeof of this type is not a constant the stubs know");
			return;
		}
		push_op(b, RIDL_C_CONST, RIDL_K_INVALID, val);
		return;
	case EX_UNARY:
		switch (e->op) {
		case '*':
			if (!e->a || e->a->kind != EX_IDENT) {
				corr_fail(b, e->loc, "%s",
					  "'*' applies only to a parameter or field name");
				return;
			}
			corr_name(b, e->a, true);
			return;
		case '+':
			corr_expr(b, e->a, depth + 1);
			return;
		case '-':
			corr_expr(b, e->a, depth + 1);
			push_op(b, RIDL_C_NEG, RIDL_K_INVALID, 0);
			return;
		case '~':
			corr_expr(b, e->a, depth + 1);
			push_op(b, RIDL_C_NOT, RIDL_K_INVALID, 0);
			return;
		case '!':
			corr_expr(b, e->a, depth + 1);
			push_op(b, RIDL_C_LNOT, RIDL_K_INVALID, 0);
			return;
		default:
			corr_fail(b, e->loc, "the operator '%s' cannot be evaluated by the stubs",
				  e->op == '&' ? "&" : rc_op_text(e->op));
			return;
		}
	case EX_BINARY: {
		enum ridl_corr_opcode op;
		switch (e->op) {
		case '+':
			op = RIDL_C_ADD;
			break;
		case '-':
			op = RIDL_C_SUB;
			break;
		case '*':
			op = RIDL_C_MUL;
			break;
		case '/':
			op = RIDL_C_DIV;
			break;
		case '%':
			op = RIDL_C_MOD;
			break;
		case RC_OP_SHL:
			op = RIDL_C_SHL;
			break;
		case RC_OP_SHR:
			op = RIDL_C_SHR;
			break;
		case '&':
			op = RIDL_C_AND;
			break;
		case '|':
			op = RIDL_C_OR;
			break;
		case '^':
			op = RIDL_C_XOR;
			break;
		case '<':
			op = RIDL_C_LT;
			break;
		case '>':
			op = RIDL_C_GT;
			break;
		case RC_OP_LE:
			op = RIDL_C_LE;
			break;
		case RC_OP_GE:
			op = RIDL_C_GE;
			break;
		case RC_OP_EQ:
			op = RIDL_C_EQ;
			break;
		case RC_OP_NE:
			op = RIDL_C_NE;
			break;
		case RC_OP_ANDAND:
			op = RIDL_C_LAND;
			break;
		case RC_OP_OROR:
			op = RIDL_C_LOR;
			break;
		default:
			corr_fail(b, e->loc, "the operator '%s' cannot be evaluated by the stubs",
				  rc_op_text(e->op));
			return;
		}
		corr_expr(b, e->a, depth + 1);
		corr_expr(b, e->b, depth + 1);
		push_op(b, op, RIDL_K_INVALID, 0);
		return;
	}
	case EX_COND:
		corr_expr(b, e->a, depth + 1);
		corr_expr(b, e->b, depth + 1);
		corr_expr(b, e->c, depth + 1);
		push_op(b, RIDL_C_COND, RIDL_K_INVALID, 0);
		return;
	case EX_PMEMBER:
	case EX_MEMBER:
		corr_fail(b, e->loc, "%s",
			  "a member of a structure cannot be evaluated by the stubs");
		return;
	default:
		corr_fail(b, e->loc, "%s", "this expression cannot be evaluated by the stubs");
		return;
	}
}

/* The expression as C text, operands that are operations in parentheses. */
static void
expr_text(struct rc_strbuf *sb, struct rc_expr *e, unsigned depth)
{
	if (!e || depth > MAX_DEPTH) {
		rc_sb_puts(sb, "?");
		return;
	}
	bool pa = e->a && (e->a->kind == EX_BINARY || e->a->kind == EX_COND);
	bool pb = e->b && (e->b->kind == EX_BINARY || e->b->kind == EX_COND);
	bool pc = e->c && (e->c->kind == EX_BINARY || e->c->kind == EX_COND);
	switch (e->kind) {
	case EX_INT:
		if (e->str)
			rc_sb_puts(sb, e->str);
		else
			rc_sb_printf(sb, "%" PRIu64, e->ival);
		break;
	case EX_CHAR:
		rc_sb_printf(sb, "%" PRIu64, e->ival);
		break;
	case EX_TRUE:
		rc_sb_puts(sb, "TRUE");
		break;
	case EX_FALSE:
		rc_sb_puts(sb, "FALSE");
		break;
	case EX_IDENT:
		rc_sb_puts(sb, e->str ? e->str : "?");
		break;
	case EX_UNARY:
		rc_sb_puts(sb, e->op == '*' ? "*" : e->op == '&' ? "&" : rc_op_text(e->op));
		if (pa)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->a, depth + 1);
		if (pa)
			rc_sb_putc(sb, ')');
		break;
	case EX_BINARY:
		if (pa)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->a, depth + 1);
		rc_sb_printf(sb, "%s %s ", pa ? ")" : "", rc_op_text(e->op));
		if (pb)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->b, depth + 1);
		if (pb)
			rc_sb_putc(sb, ')');
		break;
	case EX_COND:
		if (pa)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->a, depth + 1);
		rc_sb_puts(sb, pa ? ") ? " : " ? ");
		if (pb)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->b, depth + 1);
		rc_sb_puts(sb, pb ? ") : " : " : ");
		if (pc)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->c, depth + 1);
		if (pc)
			rc_sb_putc(sb, ')');
		break;
	case EX_CAST:
		rc_sb_puts(sb, "(cast)");
		if (pa)
			rc_sb_putc(sb, '(');
		expr_text(sb, e->a, depth + 1);
		if (pa)
			rc_sb_putc(sb, ')');
		break;
	case EX_SIZEOF:
		rc_sb_puts(sb, "sizeof(...)");
		break;
	default:
		rc_sb_puts(sb, "?");
		break;
	}
}

/* The program of a correlation attribute's expression at a place; NULL after reporting an
 * error. */
static struct rl_corr *
correlation(struct layouter *L, struct place *pl, struct rc_attr *a, struct rc_expr *e)
{
	struct corr_builder b = { .L = L, .pl = pl, .attr = a };
	corr_expr(&b, e, 0);
	if (b.failed)
		return NULL;
	struct rl_corr *c = alloc(L, sizeof(*c));
	c->attr = a->name;
	c->ops = b.ops;
	c->nops = b.n;
	struct rc_strbuf sb = { 0 };
	expr_text(&sb, e, 0);
	c->text = rc_arena_strdup(&L->ctx->arena, rc_sb_str(&sb));
	rc_sb_free(&sb);
	return c;
}

/* ---------------- scalars and enums ---------------- */

static struct rl_type *
scalar_type(struct layouter *L, struct rc_type *b, enum ridl_kind k)
{
	const char *spelling = rc_type_spelling(L->ctx, b);
	if (strncmp(spelling, "const ", 6) == 0)
		spelling += 6;
	const char *key = intern(L, rc_arena_printf(&L->ctx->arena, "scalar %s", spelling));
	struct rl_type *t = rc_map_get(&L->shared, key);
	if (t)
		return t;
	t = new_type(L, k);
	t->shared = true;
	t->name = intern(L, spelling);
	t->c_type = rc_base_cname(b);
	if (k == RIDL_K_HANDLE) {
		t->wire_size = 0;
		t->wire_align = 1;
	} else {
		t->wire_size = t->wire_align = scalar_size(k);
		t->blittable = true;
	}
	rc_map_put(&L->shared, key, t);
	return t;
}

static struct rl_type *
enum_type(struct layouter *L, struct rc_type *d, bool v1)
{
	struct rc_map *m = v1 ? &L->shared_v1 : &L->shared;
	struct rl_type *t = rc_map_get(m, (const char *)d);
	if (t)
		return t;
	t = new_type(L, v1 ? RIDL_K_ENUM32 : RIDL_K_ENUM16);
	t->shared = true;
	t->def = d;
	const char *cn = rc_map_get(&L->cnames, (const char *)d);
	t->name = cn ? cn : d->name;
	/* A C enum is an int in memory, whatever its values. */
	t->c_type = "int";
	t->wire_size = t->wire_align = v1 ? 4 : 2;
	if (!v1)
		t->flags |= RIDL_TF_COMPLEX;
	rc_map_put(m, (const char *)d, t);
	return t;
}

/* Sets [range(lo, hi)] on a node of this place. */
static void
apply_range(struct layouter *L, struct rl_type *t, struct rc_attr *r)
{
	int64_t lo, hi;
	if (r->nargs != 2 || !rc_eval_const(L->ctx, r->args[0], &lo, true) ||
	    !rc_eval_const(L->ctx, r->args[1], &hi, true))
		return; /* check has reported it */
	t->flags |= RIDL_TF_RANGE;
	t->range_lo = lo;
	t->range_hi = hi;
	t->blittable = false; /* the values must be checked one by one */
}

/* A per-place copy of a shared scalar with [range(lo, hi)]. */
static struct rl_type *
ranged(struct layouter *L, struct rl_type *t, struct rc_attr *r)
{
	struct rl_type *c = copy_type(L, t);
	apply_range(L, c, r);
	return c;
}

/* ---------------- structs ---------------- */

static bool
set_wire_size(struct layouter *L, struct rl_type *t, uint64_t size, struct rc_loc loc,
	      const char *what)
{
	if (size > UINT32_MAX) {
		error(L, RC_E_LAYOUT, loc,
		      "'%s' is too large: its NDR size does not fit in 32 bits", what);
		t->wire_size = 0;
		return false;
	}
	t->wire_size = (uint32_t)size;
	return true;
}

/* An interface's [pointer_default], unique when it has none. */
static enum ridl_ptr_kind
iface_ptr_default(struct rc_type *iface)
{
	struct rc_attr *a = rc_attr_find(iface->attrs, RC_A_POINTER_DEFAULT);
	if (a && a->nargs == 1 && a->args[0]->kind == EX_IDENT && a->args[0]->str) {
		if (strcmp(a->args[0]->str, "ref") == 0)
			return RIDL_PTR_REF;
		if (strcmp(a->args[0]->str, "ptr") == 0)
			return RIDL_PTR_FULL;
	}
	return RIDL_PTR_UNIQUE;
}

/* The pointer default inside a definition: its interface's, or the current one for types
 * declared outside any interface. */
static enum ridl_ptr_kind
ptr_default_for(struct layouter *L, struct rc_type *d)
{
	struct rc_type *iface = rc_map_get(&L->def_iface, (const char *)d);
	return iface ? iface_ptr_default(iface) : L->ptr_default;
}

static struct walk
member_walk(struct rc_var *v)
{
	struct walk w;
	memset(&w, 0, sizeof(w));
	w.embedded = true;
	w.ptr_attr = pointer_attr(v->attrs);
	w.string = rc_attr_find(v->attrs, RC_A_STRING);
	w.range = rc_attr_find(v->attrs, RC_A_RANGE);
	w.switch_is = rc_attr_find(v->attrs, RC_A_SWITCH_IS);
	struct rc_attr *st = rc_attr_find(v->attrs, RC_A_SWITCH_TYPE);
	if (st && st->nargs == 1 && st->args[0]->kind == EX_TYPE)
		w.switch_type = st->args[0]->type;
	return w;
}

/* A struct: its node, then its members. A member that leads back to the struct (through a
 * pointer) finds the node already there; sizes come later, in finish(). */
static struct rl_type *
struct_type(struct layouter *L, struct place *outer, struct rc_type *d)
{
	struct rl_type *t = rc_map_get(&L->shared, (const char *)d);
	if (t)
		return t;
	t = new_type(L, RIDL_K_STRUCT);
	t->shared = true;
	t->def = d;
	t->loc = d->loc;
	t->c_type = def_cname(L, d);
	t->name = t->c_type;
	if (d->name && t->c_type && strncmp(t->c_type, "struct ", 7) == 0)
		t->name = d->name;
	rc_map_put(&L->shared, (const char *)d, t);
	if (!t->c_type) {
		error(L, RC_E_ANON_TYPE, d->loc,
		      "this struct has no name in C (give it a tag or a typedef): "
		      "the stub tables need one for sizeof and offsetof");
		t->c_type = "int";
		t->finished = true;
		return t;
	}
	if (!(d->flags & RC_TF_DEFINED)) {
		error(L, RC_E_LAYOUT, outer->loc,
		      "struct '%s' is declared but never defined: its layout is unknown", t->name);
		t->finished = true;
		return t;
	}
	if (!d->nfields) {
		error(L, RC_E_LAYOUT, d->loc, "struct '%s' has no members", t->name);
		t->finished = true;
		return t;
	}
	enum ridl_ptr_kind saved_default = L->ptr_default;
	L->ptr_default = ptr_default_for(L, d);
	t->members = alloc(L, d->nfields * sizeof(*t->members));
	t->nmembers = d->nfields;
	for (unsigned i = 0; i < d->nfields; i++) {
		struct rc_var *f = d->fields[i];
		struct rl_member *m = &t->members[i];
		m->name = f->name;
		if (!f->name) {
			error(L, RC_E_ANON_TYPE, f->loc,
			      "a member of struct '%s' has no name: the stub tables need "
			      "one for offsetof",
			      t->name);
			continue;
		}
		struct place pl = { .name = f->name,
				    .loc = f->loc,
				    .attrs = f->attrs,
				    .record = d,
				    .record_c = t->c_type };
		m->type = walk_type(L, &pl, f->type, member_walk(f));
	}
	L->ptr_default = saved_default;
	return t;
}

/* The flat part on the wire: members in order, each aligned; no padding at the end. */
static void
finish_struct(struct layouter *L, struct rl_type *t)
{
	for (unsigned i = 0; i < t->nmembers; i++)
		if (t->members[i].type)
			finish(L, t->members[i].type);
	uint64_t off = 0;
	bool fixed = true, candidate = true;
	uint32_t align = 1;
	for (unsigned i = 0; i < t->nmembers; i++) {
		struct rl_member *m = &t->members[i];
		struct rl_type *mt = m->type;
		if (!mt) {
			fixed = candidate = false;
			continue;
		}
		if (mt->wire_align > align)
			align = mt->wire_align;
		t->flags |= mt->flags & (RIDL_TF_HAS_POINTERS | RIDL_TF_COMPLEX);
		if (!mt->blittable)
			candidate = false;
		if (!fixed)
			continue;
		if (off % mt->wire_align)
			candidate = false;
		off = align_up((uint32_t)off, mt->wire_align);
		m->wire_offset = (uint32_t)off;
		m->fixed_offset = true;
		if (!mt->wire_size) {
			fixed = false;
			continue;
		}
		off += mt->wire_size;
		if (off > UINT32_MAX) {
			set_wire_size(L, t, off, t->loc, t->name);
			fixed = candidate = false;
		}
	}
	struct rl_type *last = t->members[t->nmembers - 1].type;
	if (last && (last->flags & RIDL_TF_CONFORMANT))
		t->flags |= RIDL_TF_CONFORMANT;
	t->wire_align = align;
	if (fixed)
		set_wire_size(L, t, off, t->loc, t->name);
	t->blittable = candidate && fixed && t->wire_size && t->wire_size % align == 0;
}

/* ---------------- unions ---------------- */

/* Fills the arms of union d into a (already linked to the union's node, so a pointer back to
 * the union from an arm finds them). */
static void
union_arms(struct layouter *L, struct rc_type *d, struct rl_arms *a, const char *name)
{
	a->owner = name;
	unsigned n = 0;
	for (unsigned i = 0; i < d->nfields; i++) {
		struct rc_attr *ca = rc_attr_find(d->fields[i]->attrs, RC_A_CASE);
		n += d->fields[i]->ncases + (ca ? ca->nargs : 0);
	}
	a->v = n ? alloc(L, n * sizeof(*a->v)) : NULL;
	enum ridl_ptr_kind saved_default = L->ptr_default;
	L->ptr_default = ptr_default_for(L, d);
	for (unsigned i = 0; i < d->nfields; i++) {
		struct rc_var *f = d->fields[i];
		struct rl_type *at = NULL;
		if (f->type) {
			struct place pl = {
				.name = f->name, .loc = f->loc, .attrs = f->attrs, .in_arm = true
			};
			at = walk_type(L, &pl, f->type, member_walk(f));
		}
		struct rc_attr *ca = rc_attr_find(f->attrs, RC_A_CASE);
		unsigned nc = f->ncases + (ca ? ca->nargs : 0);
		for (unsigned k = 0; k < nc; k++) {
			struct rc_expr *e = k < f->ncases ? f->cases[k] : ca->args[k - f->ncases];
			int64_t v;
			if (!rc_eval_const(L->ctx, e, &v, true))
				continue; /* check has reported it */
			struct rl_arm *arm = &a->v[a->n++];
			arm->value = v;
			arm->name = f->type ? f->name : NULL;
			arm->type = at;
		}
		if (f->is_default || rc_attr_has(f->attrs, RC_A_DEFAULT)) {
			a->has_default = true;
			a->default_name = f->type ? f->name : NULL;
			a->default_type = at;
		}
	}
	L->ptr_default = saved_default;
}

/* Alignment and flags of a union from its arms and discriminant. */
static void
finish_union(struct layouter *L, struct rl_type *t)
{
	struct rl_arms *a = t->arms;
	for (unsigned i = 0; i <= a->n; i++) {
		struct rl_type *at = i < a->n ? a->v[i].type : a->default_type;
		if (at)
			finish(L, at);
	}
	uint32_t align = 1;
	for (unsigned i = 0; i <= a->n; i++) {
		struct rl_type *at = i < a->n ? a->v[i].type : a->default_type;
		if (!at)
			continue;
		if (at->wire_align > align)
			align = at->wire_align;
		t->flags |= at->flags & RIDL_TF_HAS_POINTERS;
	}
	t->arm_align = align;
	uint32_t disc = scalar_size(t->disc_kind);
	t->wire_align = disc > align ? disc : align;
	t->wire_size = 0;
	t->flags |= RIDL_TF_COMPLEX;
}

static struct rl_type *
encap_union_type(struct layouter *L, struct rc_type *d)
{
	struct rl_type *t = rc_map_get(&L->shared, (const char *)d);
	if (t)
		return t;
	t = new_type(L, RIDL_K_UNION);
	t->shared = true;
	t->def = d;
	t->loc = d->loc;
	t->c_type = def_cname(L, d);
	t->name =
		t->c_type && d->name && strncmp(t->c_type, "struct ", 7) == 0 ? d->name : t->c_type;
	t->flags |= RIDL_TF_ENCAPSULATED;
	rc_map_put(&L->shared, (const char *)d, t);
	if (!t->c_type) {
		error(L, RC_E_ANON_TYPE, d->loc,
		      "this union has no name in C (give it a typedef): the stub "
		      "tables need one for sizeof and offsetof");
		t->c_type = "int";
	}
	t->disc_name = d->disc ? d->disc->name : NULL;
	t->disc_kind = d->disc ? integer_kind(d->disc->type) : RIDL_K_INVALID;
	if (t->disc_kind == RIDL_K_INVALID) {
		struct rc_type *dt = d->disc ? rc_type_unalias(d->disc->type) : NULL;
		if (dt && dt->kind == TK_BASE && dt->base == RC_B_BOOLEAN)
			t->disc_kind = RIDL_K_UINT8;
		else
			t->disc_kind = RIDL_K_INT32; /* check has reported it */
	}
	for (unsigned i = 0; i < d->nfields; i++)
		if (d->fields[i]->type)
			t->arm_member = d->union_name;
	t->arms = alloc(L, sizeof(*t->arms));
	union_arms(L, d, t->arms, t->name ? t->name : "union");
	return t;
}

/* The discriminant kind of a non-encapsulated union at a place: [switch_type], else the type
 * of the [switch_is] expression when it names one parameter or field, else long. */
static enum ridl_kind
disc_kind(struct rc_type *switch_type, struct rc_attr *sw)
{
	if (switch_type) {
		enum ridl_kind k = integer_kind(switch_type);
		if (k != RIDL_K_INVALID)
			return k;
		struct rc_type *u = rc_type_unalias(switch_type);
		if (u && u->kind == TK_BASE && u->base == RC_B_BOOLEAN)
			return RIDL_K_UINT8;
	}
	struct rc_expr *e = sw && sw->nargs == 1 ? sw->args[0] : NULL;
	while (e && e->kind == EX_CAST)
		e = e->a;
	bool deref = e && e->kind == EX_UNARY && e->op == '*';
	if (deref)
		e = e->a;
	if (e && e->kind == EX_IDENT && e->ref_var &&
	    (e->ref_var->kind == RC_V_PARAM || e->ref_var->kind == RC_V_FIELD)) {
		struct rc_type *t = e->ref_var->type;
		if (deref) {
			struct rc_type *p = rc_type_unalias(t);
			t = p && p->kind == TK_POINTER ? p->ref : NULL;
		}
		enum ridl_kind k = integer_kind(t);
		if (k != RIDL_K_INVALID)
			return k;
	}
	return RIDL_K_INT32;
}

static struct rl_type *
union_type(struct layouter *L, struct place *pl, struct rc_type *d, struct walk *w)
{
	struct rl_type *base = rc_map_get(&L->shared, (const char *)d);
	if (!base) {
		base = new_type(L, RIDL_K_UNION);
		base->shared = true;
		base->def = d;
		base->loc = d->loc;
		base->c_type = def_cname(L, d);
		base->name = base->c_type && d->name && strncmp(base->c_type, "union ", 6) == 0
				     ? d->name
				     : base->c_type;
		rc_map_put(&L->shared, (const char *)d, base);
		if (!base->c_type) {
			error(L, RC_E_ANON_TYPE, d->loc,
			      "this union has no name in C (give it a tag or a typedef): "
			      "the stub tables need one for sizeof");
			base->c_type = "int";
		}
		base->disc_kind = RIDL_K_INT32;
		base->arms = alloc(L, sizeof(*base->arms));
		union_arms(L, d, base->arms, base->name ? base->name : "union");
	}
	struct rc_attr *sw = w->switch_is;
	w->switch_is = NULL;
	if (!sw) {
		error(L, RC_E_SWITCH, pl->loc,
		      "union '%s' in '%s' needs [switch_is] to say which arm is present",
		      base->name ? base->name : "?", place_name(pl));
		return base;
	}
	struct rc_type *st = w->switch_type;
	struct rc_attr *sta = rc_attr_find(d->attrs, RC_A_SWITCH_TYPE);
	if (!st && sta && sta->nargs == 1 && sta->args[0]->kind == EX_TYPE)
		st = sta->args[0]->type;
	struct rl_type *t = copy_type(L, base);
	t->disc_kind = disc_kind(st, sw);
	if (sw->nargs == 1)
		t->is = correlation(L, pl, sw, sw->args[0]);
	return t;
}

/* ---------------- pointers and arrays ---------------- */

/* Is t, after its typedefs, a pointer or an array? */
static bool
is_level(struct rc_type *t)
{
	t = rc_type_unalias(t);
	return t && (t->kind == TK_POINTER || t->kind == TK_ARRAY);
}

/* The array a pointer or array level becomes, with the correlation of this level: count is
 * the fixed size (0: conformant); elem_t the element type in the AST. */
static struct rl_type *
array_type(struct layouter *L, struct place *pl, struct walk *w, struct rc_type *elem_t, bool fixed,
	   uint64_t count, bool string, struct rc_loc loc)
{
	struct rc_attr *attrs = pl->attrs;
	struct rc_attr *size_is = rc_attr_find(attrs, RC_A_SIZE_IS);
	struct rc_attr *max_is = rc_attr_find(attrs, RC_A_MAX_IS);
	struct rc_attr *min_is = rc_attr_find(attrs, RC_A_MIN_IS);
	struct rc_attr *length_is = rc_attr_find(attrs, RC_A_LENGTH_IS);
	struct rc_attr *first_is = rc_attr_find(attrs, RC_A_FIRST_IS);
	struct rc_attr *last_is = rc_attr_find(attrs, RC_A_LAST_IS);
	struct rc_expr *size_e = level_arg(size_is, w->level), *max_e = level_arg(max_is, w->level);
	struct rc_expr *length_e = level_arg(length_is, w->level),
		       *first_e = level_arg(first_is, w->level);
	struct rc_expr *last_e = level_arg(last_is, w->level);
	struct rl_type *t = new_type(L, RIDL_K_ARRAY);

	if (level_arg(min_is, w->level))
		error(L, RC_E_UNSUPPORTED, min_is->loc, "[min_is] on '%s' is not supported",
		      place_name(pl));
	if (fixed && (size_e || max_e)) {
		error(L, RC_E_SIZE_ATTR, (size_e ? size_is : max_is)->loc,
		      "[%s] on '%s', a fixed-size array: write [] or [*] for a conformant one",
		      (size_e ? size_is : max_is)->name, place_name(pl));
		size_e = max_e = NULL;
	}
	bool conformant = !fixed;
	bool varying = string || length_e || first_e || last_e;
	if (conformant) {
		t->flags |= RIDL_TF_CONFORMANT;
		if (size_e) {
			t->size = correlation(L, pl, size_is, size_e);
		} else if (max_e) {
			t->size = correlation(L, pl, max_is, max_e);
			t->flags |= RIDL_TF_MAX_IS;
		} else if (!string) {
			error(L, RC_E_SIZE_ATTR, loc,
			      "'%s' is a conformant array: it needs [size_is] or [max_is]",
			      place_name(pl));
		}
	}
	if (varying) {
		t->flags |= RIDL_TF_VARYING;
		if (first_e)
			t->first = correlation(L, pl, first_is, first_e);
		if (length_e) {
			t->length = correlation(L, pl, length_is, length_e);
		} else if (last_e) {
			t->length = correlation(L, pl, last_is, last_e);
			t->flags |= RIDL_TF_LAST_IS;
		}
	}
	if (string)
		t->flags |= RIDL_TF_STRING;
	if (size_e || max_e || length_e || first_e || last_e) {
		if (++w->nsized > 1)
			error(L, RC_E_UNSUPPORTED, loc,
			      "'%s' has sizes or lengths for more than one dimension; "
			      "this is not supported yet",
			      place_name(pl));
	}
	if (conformant || varying)
		t->flags |= RIDL_TF_COMPLEX;

	struct rc_attr *string_range = NULL;
	if (string) {
		/* A string's [range] bounds its length, not its characters. */
		string_range = w->range;
		w->range = NULL;
	}
	struct walk ew = *w;
	ew.level++;
	ew.embedded = true;
	ew.outermost = false;
	ew.ptr_attr = NULL;
	struct rl_type *elem = walk_type(L, pl, elem_t, ew);
	w->nsized = ew.nsized;
	t->elem = elem;
	if (!elem)
		return t;
	if (elem->kind == RIDL_K_ARRAY && (elem->flags & (RIDL_TF_CONFORMANT | RIDL_TF_VARYING)))
		error(L, RC_E_UNSUPPORTED, loc,
		      "'%s': an array of conformant or varying arrays is not supported yet",
		      place_name(pl));
	if (string_range)
		apply_range(L, t, string_range);
	if (fixed) {
		if (count > UINT32_MAX) {
			error(L, RC_E_LAYOUT, loc, "'%s' is too large: %" PRIu64 " elements",
			      place_name(pl), count);
			count = 0;
		}
		t->count = (uint32_t)count;
		if (elem->c_type)
			t->c_type = rc_arena_printf(&L->ctx->arena, "%s[%" PRIu64 "]", elem->c_type,
						    count);
	}
	t->loc = loc;
	t->what = place_name(pl);
	return t;
}

/* An array's wire alignment, size and flags from its elements'. */
static void
finish_array(struct layouter *L, struct rl_type *t)
{
	struct rl_type *elem = t->elem;
	if (!elem)
		return;
	finish(L, elem);
	if (elem->kind == RIDL_K_HANDLE)
		return;
	t->wire_align = elem->wire_align;
	t->flags |= elem->flags & (RIDL_TF_HAS_POINTERS | RIDL_TF_COMPLEX);
	bool fixed = !(t->flags & RIDL_TF_CONFORMANT), varying = t->flags & RIDL_TF_VARYING;
	if (fixed && !varying && elem->wire_size) {
		uint64_t stride = align_up(elem->wire_size, elem->wire_align);
		set_wire_size(L, t, stride * t->count, t->loc, t->what);
	}
	t->blittable =
		fixed && !varying && elem->blittable && t->wire_size && !(t->flags & RIDL_TF_RANGE);
}

/* Computes what a node's parts decide: sizes, alignments, flags, the blittable candidacy.
 * Only by-value parts are finished first; a pointer's own numbers never depend on its referent,
 * so recursive types through pointers are no cycle here. */
static void
finish(struct layouter *L, struct rl_type *t)
{
	if (t->finished)
		return;
	if (t->finishing) {
		error(L, RC_E_LAYOUT, t->loc, "%s '%s' contains itself",
		      t->kind == RIDL_K_UNION ? "union" : "struct", t->name ? t->name : "?");
		t->finished = true;
		return;
	}
	if (++L->depth > MAX_DEPTH) {
		error(L, RC_E_NESTING, t->loc, "types nested too deeply");
		L->depth--;
		t->finished = true;
		return;
	}
	t->finishing = true;
	switch (t->kind) {
	case RIDL_K_STRUCT:
		finish_struct(L, t);
		break;
	case RIDL_K_UNION:
		if (t->arms)
			finish_union(L, t);
		break;
	case RIDL_K_ARRAY:
		finish_array(L, t);
		break;
	default:
		break;
	}
	t->finishing = false;
	t->finished = true;
	L->depth--;
}

static struct rl_type *
pointer_type(struct layouter *L, struct place *pl, struct rc_type *p, struct walk w)
{
	struct rl_type *t = new_type(L, RIDL_K_POINTER);
	if (w.ptr_attr)
		t->ptr_kind = ptr_kind_of(w.ptr_attr);
	else
		t->ptr_kind = w.outermost ? RIDL_PTR_REF : L->ptr_default;
	t->embedded = w.embedded;
	t->wire_size = t->wire_align = 4;
	t->c_type = "void *";
	t->flags = RIDL_TF_HAS_POINTERS | RIDL_TF_COMPLEX;

	struct rc_attr *attrs = pl->attrs;
	bool sized = level_arg(rc_attr_find(attrs, RC_A_SIZE_IS), w.level) ||
		     level_arg(rc_attr_find(attrs, RC_A_MAX_IS), w.level) ||
		     level_arg(rc_attr_find(attrs, RC_A_LENGTH_IS), w.level) ||
		     level_arg(rc_attr_find(attrs, RC_A_FIRST_IS), w.level) ||
		     level_arg(rc_attr_find(attrs, RC_A_LAST_IS), w.level) ||
		     level_arg(rc_attr_find(attrs, RC_A_MIN_IS), w.level);
	bool string = w.string && !is_level(p->ref);
	if (string)
		w.string = NULL;
	w.outermost = false;
	w.ptr_attr = NULL;
	if (sized || string) {
		/* A pointer with a size or a [string] points to the first element of an array. */
		t->to = array_type(L, pl, &w, p->ref, false, 0, string, p->loc);
		return t;
	}
	w.level++;
	t->to = walk_type(L, pl, p->ref, w);
	return t;
}

/* ---------------- the walk ---------------- */

static bool
unsupported_alias(struct layouter *L, struct place *pl, struct rc_type *a)
{
	static const struct {
		enum rc_attr_id id;
		const char *what;
	} bad[] = {
		{ RC_A_CONTEXT_HANDLE, "context handles are not supported yet" },
		{ RC_A_HANDLE, "user-defined [handle] types are not supported yet" },
		{ RC_A_TRANSMIT_AS, "[transmit_as] types are not supported yet" },
		{ RC_A_WIRE_MARSHAL, "[wire_marshal] types are not supported yet" },
		{ RC_A_USER_MARSHAL, "[user_marshal] types are not supported yet" },
		{ RC_A_REPRESENT_AS, "[represent_as] types are not supported yet" },
		{ RC_A_CS_CHAR, "[cs_char] types are not supported yet" },
		{ RC_A_PIPE, "pipes are not supported yet" },
	};
	for (size_t i = 0; i < RC_ARRAY_SIZE(bad); i++) {
		struct rc_attr *x = rc_attr_find(a->attrs, bad[i].id);
		if (x) {
			error(L, RC_E_UNSUPPORTED, pl->loc, "'%s' has type '%s': %s",
			      place_name(pl), a->name ? a->name : "?", bad[i].what);
			return true;
		}
	}
	return false;
}

static struct rl_type *
walk_type(struct layouter *L, struct place *pl, struct rc_type *t, struct walk w)
{
	if (++L->depth > MAX_DEPTH) {
		error(L, RC_E_NESTING, pl->loc, "the type of '%s' is nested too deeply",
		      place_name(pl));
		L->depth--;
		return NULL;
	}
	struct rl_type *ret = NULL;
	for (unsigned guard = 0; t && guard < 1000; guard++) {
		if (t->kind == TK_NAMED && t->ref) {
			t = t->ref;
		} else if (t->kind == TK_ALIAS && t->ref) {
			if (unsupported_alias(L, pl, t))
				goto out;
			if (!w.ptr_attr && rc_type_unalias(t->ref) &&
			    rc_type_unalias(t->ref)->kind == TK_POINTER)
				w.ptr_attr = pointer_attr(t->attrs);
			if (!w.string)
				w.string = rc_attr_find(t->attrs, RC_A_STRING);
			if (!w.range)
				w.range = rc_attr_find(t->attrs, RC_A_RANGE);
			if (rc_attr_has(t->attrs, RC_A_V1_ENUM))
				w.v1_enum = true;
			if (!w.switch_type) {
				struct rc_attr *st = rc_attr_find(t->attrs, RC_A_SWITCH_TYPE);
				if (st && st->nargs == 1 && st->args[0]->kind == EX_TYPE)
					w.switch_type = st->args[0]->type;
			}
			t = t->ref;
		} else {
			break;
		}
	}
	if (!t) {
		error(L, RC_E_UNSUPPORTED, pl->loc, "'%s' has no type", place_name(pl));
		goto out;
	}
	switch (t->kind) {
	case TK_BASE: {
		enum ridl_kind k = base_kind(t);
		if (k == RIDL_K_INVALID) {
			error(L, RC_E_UNSUPPORTED, pl->loc,
			      "'%s' has type __int3264, which is not supported yet",
			      place_name(pl));
			break;
		}
		if (k == RIDL_K_HANDLE && (w.level || w.embedded || !pl->params)) {
			error(L, RC_E_UNSUPPORTED, pl->loc,
			      "'%s': a handle_t can only be passed as the binding "
			      "handle, the first parameter",
			      place_name(pl));
			break;
		}
		ret = scalar_type(L, t, k);
		if (w.range && k != RIDL_K_HANDLE)
			ret = ranged(L, ret, w.range);
		break;
	}
	case TK_ENUM:
		ret = enum_type(L, t, w.v1_enum || rc_attr_has(t->attrs, RC_A_V1_ENUM));
		if (w.range)
			ret = ranged(L, ret, w.range);
		break;
	case TK_STRUCT:
		ret = struct_type(L, pl, t);
		break;
	case TK_ENCAP_UNION:
		ret = encap_union_type(L, t);
		break;
	case TK_UNION:
		ret = union_type(L, pl, t, &w);
		break;
	case TK_POINTER:
		ret = pointer_type(L, pl, t, w);
		break;
	case TK_ARRAY: {
		int64_t n = 0;
		bool fixed = t->size && t->size->kind != EX_EMPTY;
		if (fixed && (!rc_eval_const(L->ctx, t->size, &n, true) || n <= 0))
			break; /* check has reported it */
		bool string = w.string && !is_level(t->ref);
		if (string)
			w.string = NULL;
		ret = array_type(L, pl, &w, t->ref, fixed, (uint64_t)n, string, t->loc);
		break;
	}
	case TK_PIPE:
		error(L, RC_E_UNSUPPORTED, pl->loc, "'%s' is a pipe: pipes are not supported yet",
		      place_name(pl));
		break;
	case TK_INTERFACE:
	case TK_DISPINTERFACE:
		error(L, RC_E_UNSUPPORTED, pl->loc,
		      "'%s' is an interface pointer: COM interfaces cannot be "
		      "passed in RPC calls",
		      place_name(pl));
		break;
	case TK_VOID:
		error(L, RC_E_UNSUPPORTED, pl->loc,
		      "'%s' points to void: the stubs cannot know what to transmit",
		      place_name(pl));
		break;
	case TK_BITFIELD:
		error(L, RC_E_UNSUPPORTED, pl->loc,
		      "'%s' is a bit-field: bit-fields cannot be transmitted", place_name(pl));
		break;
	default:
		error(L, RC_E_UNSUPPORTED, pl->loc,
		      "'%s' has type '%s', which cannot be transmitted", place_name(pl),
		      rc_type_spelling(L->ctx, t));
		break;
	}
out:
	L->depth--;
	return ret;
}

/* ---------------- procedures and interfaces ---------------- */

static bool
is_void(struct rc_type *t)
{
	t = rc_type_unalias(t);
	return !t || t->kind == TK_VOID;
}

static bool
is_handle_t(struct rc_type *t)
{
	t = rc_type_unalias(t);
	return t && t->kind == TK_BASE && t->base == RC_B_HANDLE;
}

/* Attributes a parameter may carry that the stubs do not support yet. */
static bool
unsupported_param(struct layouter *L, struct rc_var *p, const char *name)
{
	static const struct {
		enum rc_attr_id id;
		const char *what;
	} bad[] = {
		{ RC_A_CONTEXT_HANDLE, "context handles are not supported yet" },
		{ RC_A_IID_IS, "[iid_is] interface pointers are not supported yet" },
		{ RC_A_IGNORE, "[ignore] is not supported yet" },
		{ RC_A_PARTIAL_IGNORE, "[partial_ignore] is not supported yet" },
	};
	for (size_t i = 0; i < RC_ARRAY_SIZE(bad); i++) {
		struct rc_attr *a = rc_attr_find(p->attrs, bad[i].id);
		if (a) {
			error(L, RC_E_UNSUPPORTED, a->loc, "parameter '%s': %s", name, bad[i].what);
			return true;
		}
	}
	return false;
}

static void
layout_proc(struct layouter *L, struct rl_iface *ri, struct rc_var *proc, struct rl_proc *rp)
{
	struct rc_type *f = proc->type;
	struct rc_type *iface = ri->def;
	rp->name = proc->name;
	rp->var = proc;
	struct rc_var **params = f->fields;
	unsigned n = f->nfields;
	if (n == 1 && !params[0]->name && is_void(params[0]->type) &&
	    params[0]->type->kind == TK_VOID)
		n = 0; /* f(void) */
	bool explicit_handle = n && is_handle_t(params[0]->type);
	/* [explicit_handle] (ACF) gives the procedure a first parameter handle_t IDL_handle, as
	 * the header declares it. */
	bool idl_handle = !explicit_handle && (rc_attr_has(iface->attrs, RC_A_EXPLICIT_HANDLE) ||
					       rc_attr_has(proc->attrs, RC_A_EXPLICIT_HANDLE));
	unsigned base = idl_handle ? 1 : 0;
	rp->nparams = n + base;
	rp->params = rp->nparams ? alloc(L, rp->nparams * sizeof(*rp->params)) : NULL;
	if (idl_handle) {
		struct rl_param *h = &rp->params[0];
		h->name = h->c_name = "IDL_handle";
		h->flags = RIDL_PF_IN | RIDL_PF_BINDING;
		struct rc_type ht = { .kind = TK_BASE, .base = RC_B_HANDLE };
		h->type = scalar_type(L, &ht, RIDL_K_HANDLE);
		h->loc = proc->loc;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rc_var *p = params[i];
		struct rl_param *rpp = &rp->params[base + i];
		const char *name = p->name ? p->name : "?";
		rpp->name = name;
		rpp->var = p;
		rpp->c_name = p->name ? p->name : rc_arena_printf(&L->ctx->arena, "_p%u", base + i);
		rpp->loc = p->loc;
		bool in = rc_attr_has(p->attrs, RC_A_IN), out = rc_attr_has(p->attrs, RC_A_OUT);
		rpp->flags = (in || !out ? RIDL_PF_IN : 0) | (out ? RIDL_PF_OUT : 0);
		if (rc_attr_has(p->attrs, RC_A_COMM_STATUS))
			rpp->flags |= RIDL_PF_COMM_STATUS;
		if (rc_attr_has(p->attrs, RC_A_FAULT_STATUS))
			rpp->flags |= RIDL_PF_FAULT_STATUS;
		if (unsupported_param(L, p, name))
			continue;
		struct place pl = { .name = name,
				    .loc = p->loc,
				    .attrs = p->attrs,
				    .params = params,
				    .nparams = n,
				    .param_base = base };
		struct walk w = member_walk(p);
		w.embedded = false;
		w.outermost = true;
		if (i == 0 && explicit_handle) {
			rpp->flags |= RIDL_PF_BINDING;
			rpp->type = walk_type(L, &pl, p->type, w);
			continue;
		}
		struct rc_type *u = rc_type_unalias(p->type);
		if (u && u->kind == TK_ARRAY) {
			/* An array parameter is passed by address in C. */
			struct rl_type *ref = new_type(L, RIDL_K_POINTER);
			ref->ptr_kind = RIDL_PTR_REF;
			ref->wire_size = ref->wire_align = 4;
			ref->c_type = "void *";
			ref->flags = RIDL_TF_HAS_POINTERS | RIDL_TF_COMPLEX;
			w.outermost = false;
			ref->to = walk_type(L, &pl, p->type, w);
			rpp->type = ref;
		} else {
			rpp->type = walk_type(L, &pl, p->type, w);
		}
	}
	if (is_handle_t(f->ref)) {
		error(L, RC_E_UNSUPPORTED, proc->loc,
		      "procedure '%s' returns a handle_t, which cannot be "
		      "transmitted",
		      proc->name);
	} else if (!is_void(f->ref)) {
		struct place pl = { .name = "return value",
				    .loc = proc->loc,
				    .attrs = proc->attrs,
				    .params = params,
				    .nparams = n,
				    .param_base = base };
		struct walk w;
		memset(&w, 0, sizeof(w));
		w.ptr_attr = pointer_attr(proc->attrs);
		w.string = rc_attr_find(proc->attrs, RC_A_STRING);
		rp->ret = walk_type(L, &pl, f->ref, w);
	}
	if (rc_proc_is_async(iface, proc))
		rp->flags |= RIDL_PROC_ASYNC;
	if (ri->implicit_handle && !explicit_handle && !idl_handle)
		rp->flags |= RIDL_PROC_IMPLICIT;
	if (rc_attr_has(proc->attrs, RC_A_COMM_STATUS))
		rp->flags |= RIDL_PROC_RET_COMM;
	if (rc_attr_has(proc->attrs, RC_A_FAULT_STATUS))
		rp->flags |= RIDL_PROC_RET_FAULT;
	if (rc_attr_has(proc->attrs, RC_A_MAYBE))
		rp->flags |= RIDL_PROC_MAYBE;
	if (rc_attr_has(proc->attrs, RC_A_IDEMPOTENT))
		rp->flags |= RIDL_PROC_IDEMPOTENT;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
parse_uuid(struct rl_iface *ri, struct rc_type *t)
{
	struct rc_attr *a = rc_attr_find(t->attrs, RC_A_UUID);
	const char *s = a && a->nargs == 1 && a->args[0]->str ? a->args[0]->str : NULL;
	if (!s || strlen(s) != 36)
		return;
	unsigned n = 0;
	for (const char *p = s; *p && n < 16; p++) {
		if (*p == '-')
			continue;
		int hi = hex_digit(p[0]), lo = p[1] ? hex_digit(p[1]) : -1;
		if (hi < 0 || lo < 0)
			return;
		ri->uuid[n++] = (uint8_t)(hi << 4 | lo);
		p++;
	}
	ri->has_uuid = n == 16;
}

static void
layout_iface(struct layouter *L, struct rc_type *t, struct rl_iface *ri)
{
	L->ptr_default = iface_ptr_default(t);
	ri->name = t->name;
	ri->def = t;
	parse_uuid(ri, t);
	rc_iface_version(t, &ri->ver_major, &ri->ver_minor);
	struct rc_attr *ih = rc_attr_find(t->attrs, RC_A_IMPLICIT_HANDLE);
	if (ih && ih->nargs == 1 && ih->args[0]->kind == EX_TYPE && ih->args[0]->str) {
		if (!is_handle_t(ih->args[0]->type))
			error(L, RC_E_UNSUPPORTED, ih->loc,
			      "[implicit_handle] of type '%s': only handle_t is "
			      "supported yet",
			      rc_type_spelling(L->ctx, ih->args[0]->type));
		else
			ri->implicit_handle = ih->args[0]->str;
	}
	unsigned n = 0;
	for (struct rc_stmt *s = t->body; s; s = s->next)
		if (s->kind == ST_FUNC && s->var && !rc_attr_has(s->var->attrs, RC_A_LOCAL))
			n++;
	ri->procs = n ? alloc(L, n * sizeof(*ri->procs)) : NULL;
	for (struct rc_stmt *s = t->body; s && !L->ctx->diag->stopped; s = s->next) {
		if (s->kind != ST_FUNC || !s->var || rc_attr_has(s->var->attrs, RC_A_LOCAL))
			continue;
		struct rc_var *proc = s->var;
		struct rc_attr *cb = rc_attr_find(proc->attrs, RC_A_CALLBACK);
		if (cb) {
			error(L, RC_E_UNSUPPORTED, cb->loc,
			      "procedure '%s': [callback] is not supported yet", proc->name);
			continue;
		}
		if (!proc->type || proc->type->kind != TK_FUNC)
			continue;
		struct rl_proc *rp = &ri->procs[ri->nprocs];
		rp->opnum = (uint16_t)ri->nprocs++;
		layout_proc(L, ri, proc, rp);
	}
}

/* Records the C name (first typedef) and the declaring interface of every definition. */
static void
scan_defs(struct layouter *L, struct rc_stmt *s, struct rc_type *iface, unsigned depth)
{
	if (depth > 64)
		return;
	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_TYPEDEF:
			for (unsigned i = 0; i < s->nvars; i++) {
				struct rc_type *a = s->vars[i]->type;
				if (!a || a->kind != TK_ALIAS || !a->name)
					continue;
				struct rc_type *d = rc_type_unalias(a->ref);
				if (!d || (d->kind != TK_STRUCT && d->kind != TK_UNION &&
					   d->kind != TK_ENCAP_UNION && d->kind != TK_ENUM))
					continue;
				if (!rc_map_get(&L->cnames, (const char *)d))
					rc_map_put(&L->cnames, (const char *)d, (void *)a->name);
				if (iface && !rc_map_get(&L->def_iface, (const char *)d))
					rc_map_put(&L->def_iface, (const char *)d, iface);
			}
			break;
		case ST_TYPE: {
			struct rc_type *d = rc_type_unalias(s->type);
			if (d && iface && !rc_map_get(&L->def_iface, (const char *)d))
				rc_map_put(&L->def_iface, (const char *)d, iface);
			break;
		}
		case ST_INTERFACE:
			if (s->type && (s->type->flags & RC_TF_DEFINED))
				scan_defs(L, s->type->body, s->type, depth + 1);
			break;
		case ST_LIBRARY:
		case ST_MODULE:
			if (s->type)
				scan_defs(L, s->type->body, iface, depth + 1);
			break;
		case ST_NAMESPACE:
			scan_defs(L, s->body, iface, depth + 1);
			break;
		default:
			break;
		}
	}
}

unsigned
rc_layout(struct rc_ctx *ctx, struct rl_layout **ret)
{
	struct layouter L;
	memset(&L, 0, sizeof(L));
	L.ctx = ctx;
	L.ptr_default = RIDL_PTR_UNIQUE;
	struct rl_layout *l = rc_arena_alloc(&ctx->arena, sizeof(*l));
	*ret = l;
	if (!ctx->main)
		return 0;
	for (struct rc_file *f = ctx->files; f; f = f->next)
		if (!f->is_acf)
			scan_defs(&L, f->stmts, NULL, 0);
	unsigned n = 0;
	for (struct rc_stmt *s = ctx->main->stmts; s; s = s->next)
		if (s->kind == ST_INTERFACE && s->type && (s->type->flags & RC_TF_DEFINED) &&
		    rc_iface_is_remote(s->type, false, false))
			n++;
	l->ifaces = n ? rc_arena_alloc(&ctx->arena, n * sizeof(*l->ifaces)) : NULL;
	for (struct rc_stmt *s = ctx->main->stmts; s && !ctx->diag->stopped; s = s->next) {
		if (s->kind != ST_INTERFACE || !s->type || !(s->type->flags & RC_TF_DEFINED) ||
		    !rc_iface_is_remote(s->type, false, false))
			continue;
		layout_iface(&L, s->type, &l->ifaces[l->nifaces++]);
	}
	for (size_t i = 0; i < L.all.n && !ctx->diag->stopped; i++)
		finish(&L, L.all.items[i]);
	l->prefix = l->nifaces ? l->ifaces[0].name : ctx->main->base;
	rc_map_free(&L.cnames);
	rc_map_free(&L.def_iface);
	rc_map_free(&L.shared);
	rc_map_free(&L.shared_v1);
	rc_vec_free(&L.all);
	return L.errors;
}
