/* ridl compiler: AST constructors and queries. */
#include "ast.h"

#include <string.h>

#include "attrs.h"
#include "frontend.h"

struct rc_expr *
rc_expr_new(struct rc_ctx *ctx, enum rc_expr_kind kind, struct rc_loc loc)
{
	struct rc_expr *e = rc_arena_alloc(&ctx->arena, sizeof(*e));
	e->kind = kind;
	e->loc = loc;
	return e;
}

/* The span from a's start to b's end, when both are on the same line. */
static struct rc_loc
span(struct rc_loc a, struct rc_loc b)
{
	if (a.file == b.file && a.line == b.line && b.col + b.len > a.col)
		a.len = b.col + b.len - a.col;
	return a;
}

struct rc_expr *
rc_expr_unary(struct rc_ctx *ctx, int op, struct rc_expr *a, struct rc_loc loc)
{
	struct rc_expr *e = rc_expr_new(ctx, EX_UNARY, span(loc, a->loc));
	e->op = op;
	e->a = a;
	return e;
}

struct rc_expr *
rc_expr_binary(struct rc_ctx *ctx, int op, struct rc_expr *a, struct rc_expr *b)
{
	struct rc_expr *e = rc_expr_new(ctx, EX_BINARY, span(a->loc, b->loc));
	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

struct rc_expr *
rc_expr_cond(struct rc_ctx *ctx, struct rc_expr *a, struct rc_expr *b, struct rc_expr *c)
{
	struct rc_expr *e = rc_expr_new(ctx, EX_COND, span(a->loc, c->loc));
	e->a = a;
	e->b = b;
	e->c = c;
	return e;
}

struct rc_type *
rc_type_new(struct rc_ctx *ctx, enum rc_type_kind kind, struct rc_loc loc)
{
	struct rc_type *t = rc_arena_alloc(&ctx->arena, sizeof(*t));
	t->kind = kind;
	t->loc = loc;
	return t;
}

struct rc_type *
rc_type_base(struct rc_ctx *ctx, enum rc_base_kind base, enum rc_sign sign, struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(ctx, TK_BASE, loc);
	t->base = base;
	t->sign = sign;
	return t;
}

struct rc_type *
rc_type_named(struct rc_ctx *ctx, enum rc_type_kind tag_kind, const char *name, struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(ctx, TK_NAMED, loc);
	t->tag_kind = tag_kind;
	t->name = name;
	t->qname = name;
	return t;
}

struct rc_type *
rc_type_pointer(struct rc_ctx *ctx, struct rc_type *to, struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(ctx, TK_POINTER, loc);
	t->ref = to;
	return t;
}

struct rc_type *
rc_type_array(struct rc_ctx *ctx, struct rc_type *elem, struct rc_expr *size, struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(ctx, TK_ARRAY, loc);
	t->ref = elem;
	t->size = size;
	if (!size)
		t->flags |= RC_TF_CONFORMANT;
	return t;
}

struct rc_type *
rc_type_qualified(struct rc_ctx *ctx, struct rc_type *t, unsigned flags)
{
	if ((t->flags & flags) == flags)
		return t;
	/* Definitions (struct bodies, interfaces) are shared by identity: qualify a reference to
	 * them instead of copying the definition. */
	if (t->kind != TK_BASE && t->kind != TK_NAMED && t->kind != TK_POINTER && t->kind != TK_VOID &&
	    t->kind != TK_ARRAY && t->kind != TK_GENERIC_INST) {
		struct rc_type *r = rc_type_named(ctx, 0, t->name, t->loc);
		r->ref = t;
		r->flags = flags | RC_TF_RESOLVED;
		return r;
	}
	struct rc_type *c = rc_arena_alloc(&ctx->arena, sizeof(*c));
	*c = *t;
	c->flags |= flags;
	return c;
}

struct rc_var *
rc_var_new(struct rc_ctx *ctx, enum rc_var_kind kind, const char *name, struct rc_loc loc)
{
	struct rc_var *v = rc_arena_alloc(&ctx->arena, sizeof(*v));
	v->kind = kind;
	v->name = name;
	v->loc = loc;
	return v;
}

struct rc_stmt *
rc_stmt_new(struct rc_ctx *ctx, enum rc_stmt_kind kind, struct rc_loc loc)
{
	struct rc_stmt *s = rc_arena_alloc(&ctx->arena, sizeof(*s));
	s->kind = kind;
	s->loc = loc;
	return s;
}

struct rc_attr *
rc_attr_new(struct rc_ctx *ctx, const char *name, struct rc_loc loc)
{
	struct rc_attr *a = rc_arena_alloc(&ctx->arena, sizeof(*a));
	a->name = name;
	a->loc = loc;
	/* Names are interned: look each distinct one up in the table once per compilation. */
	uintptr_t cached = (uintptr_t)rc_map_get(&ctx->attr_ids, name);
	if (!cached) {
		cached = (uintptr_t)rc_attr_lookup(name) + 1;
		rc_map_put(&ctx->attr_ids, name, (void *)cached);
	}
	a->id = (enum rc_attr_id)(cached - 1);
	return a;
}

struct rc_attr *
rc_attr_append(struct rc_attr *a, struct rc_attr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct rc_attr *t = a;
	while (t->next)
		t = t->next;
	t->next = b;
	return a;
}

struct rc_attr *
rc_attr_find(struct rc_attr *list, enum rc_attr_id id)
{
	for (; list; list = list->next)
		if (list->id == id)
			return list;
	return NULL;
}

struct rc_type *
rc_type_deref_named(struct rc_type *t)
{
	unsigned guard = 0;
	while (t && t->kind == TK_NAMED && t->ref && guard++ < 1000)
		t = t->ref;
	return t;
}

struct rc_type *
rc_type_unalias(struct rc_type *t)
{
	unsigned guard = 0;
	while (t && (t->kind == TK_NAMED || t->kind == TK_ALIAS) && t->ref && guard++ < 1000)
		t = t->ref;
	return t;
}

struct rc_attr *
rc_type_find_attr(struct rc_type *t, enum rc_attr_id id)
{
	unsigned guard = 0;
	while (t && guard++ < 1000) {
		if (t->kind == TK_ALIAS) {
			struct rc_attr *a = rc_attr_find(t->attrs, id);
			if (a)
				return a;
		} else if (t->kind != TK_NAMED) {
			return rc_attr_find(t->attrs, id);
		}
		t = t->ref;
	}
	return NULL;
}

bool
rc_type_is_integer(struct rc_type *t)
{
	t = rc_type_unalias(t);
	if (!t)
		return false;
	if (t->kind == TK_ENUM)
		return true;
	if (t->kind != TK_BASE)
		return false;
	return t->base != RC_B_FLOAT && t->base != RC_B_DOUBLE && t->base != RC_B_HANDLE;
}

bool
rc_type_is_char(struct rc_type *t)
{
	t = rc_type_unalias(t);
	return t && t->kind == TK_BASE &&
	       (t->base == RC_B_CHAR || t->base == RC_B_BYTE || t->base == RC_B_WCHAR ||
	        t->base == RC_B_SMALL || t->base == RC_B_INT8 || t->base == RC_B_INT16 ||
	        (t->base == RC_B_SHORT && t->sign == RC_SIGN_UNSIGNED));
}

bool
rc_proc_is_async(struct rc_type *iface, struct rc_var *proc)
{
	return rc_attr_has(proc->attrs, RC_A_ASYNC) || (iface && rc_attr_has(iface->attrs, RC_A_ASYNC));
}

bool
rc_iface_is_object(struct rc_type *t, bool in_library)
{
	return rc_attr_has(t->attrs, RC_A_OBJECT) || rc_attr_has(t->attrs, RC_A_ODL) ||
	       rc_attr_has(t->attrs, RC_A_DUAL) || rc_attr_has(t->attrs, RC_A_OLEAUTOMATION) ||
	       t->ref != NULL || in_library;
}

bool
rc_iface_is_remote(struct rc_type *t, bool in_library, bool in_namespace)
{
	return !rc_iface_is_object(t, in_library) && !rc_attr_has(t->attrs, RC_A_LOCAL) && !in_namespace;
}

void
rc_iface_version(struct rc_type *t, unsigned *ret_major, unsigned *ret_minor)
{
	unsigned maj = 0, min = 0;
	struct rc_attr *a = rc_attr_find(t->attrs, RC_A_VERSION);
	struct rc_expr *x = a && a->nargs >= 1 ? a->args[0] : NULL;
	if (x && x->kind == EX_INT) {
		maj = (unsigned)(x->ival & 0xffff);
	} else if (x && x->kind == EX_FLOAT && x->str) {
		const char *p = x->str;
		for (; *p >= '0' && *p <= '9'; p++)
			maj = (maj * 10 + (unsigned)(*p - '0')) & 0xffff;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				min = (min * 10 + (unsigned)(*p - '0')) & 0xffff;
	}
	*ret_major = maj;
	*ret_minor = min;
}

const char *
rc_base_cname(const struct rc_type *t)
{
	bool u = t->sign == RC_SIGN_UNSIGNED;
	switch (t->base) {
	case RC_B_BOOLEAN:
	case RC_B_BYTE:
		return "uint8_t";
	case RC_B_CHAR:
		return u ? "unsigned char" : t->sign == RC_SIGN_SIGNED ? "signed char" : "char";
	case RC_B_WCHAR:
		return "uint16_t";
	case RC_B_SMALL:
	case RC_B_INT8:
		return u ? "uint8_t" : "int8_t";
	case RC_B_SHORT:
	case RC_B_INT16:
		return u ? "uint16_t" : "int16_t";
	case RC_B_LONG:
	case RC_B_INT:
	case RC_B_INT32:
		return u ? "uint32_t" : "int32_t";
	case RC_B_HYPER:
	case RC_B_INT64:
		return u ? "uint64_t" : "int64_t";
	case RC_B_INT3264:
		return u ? "uintptr_t" : "intptr_t";
	case RC_B_FLOAT:
		return "float";
	case RC_B_DOUBLE:
		return "double";
	case RC_B_ERROR_STATUS:
		return "error_status_t";
	case RC_B_HANDLE:
		return "handle_t";
	default:
		return "int";
	}
}

static const char *const base_names[RC_B_COUNT] = {
	[RC_B_BOOLEAN] = "boolean", [RC_B_BYTE] = "byte", [RC_B_CHAR] = "char",
	[RC_B_WCHAR] = "wchar_t", [RC_B_SMALL] = "small", [RC_B_SHORT] = "short",
	[RC_B_LONG] = "long", [RC_B_INT] = "int", [RC_B_HYPER] = "hyper", [RC_B_INT8] = "__int8",
	[RC_B_INT16] = "__int16", [RC_B_INT32] = "__int32", [RC_B_INT64] = "__int64",
	[RC_B_INT3264] = "__int3264", [RC_B_FLOAT] = "float", [RC_B_DOUBLE] = "double",
	[RC_B_ERROR_STATUS] = "error_status_t", [RC_B_HANDLE] = "handle_t",
};

const char *
rc_base_name(enum rc_base_kind b)
{
	return b < RC_B_COUNT ? base_names[b] : "?";
}

static void
spell(struct rc_strbuf *sb, struct rc_type *t, unsigned depth)
{
	if (!t) {
		rc_sb_puts(sb, "void");
		return;
	}
	if (depth > 32) {
		rc_sb_puts(sb, "...");
		return;
	}
	if (t->flags & RC_TF_CONST)
		rc_sb_puts(sb, "const ");
	switch (t->kind) {
	case TK_VOID:
		rc_sb_puts(sb, "void");
		break;
	case TK_BASE:
		if (t->sign == RC_SIGN_UNSIGNED)
			rc_sb_puts(sb, "unsigned ");
		else if (t->sign == RC_SIGN_SIGNED)
			rc_sb_puts(sb, "signed ");
		rc_sb_puts(sb, base_names[t->base]);
		break;
	case TK_ENUM: case TK_STRUCT: case TK_UNION: case TK_ENCAP_UNION:
		rc_sb_puts(sb, t->kind == TK_ENUM ? "enum " : t->kind == TK_STRUCT ? "struct " : "union ");
		rc_sb_puts(sb, t->name ? t->name : "<anonymous>");
		break;
	case TK_NAMED:
		if (t->tag_kind)
			rc_sb_puts(sb, t->tag_kind == TK_ENUM ? "enum " : t->tag_kind == TK_STRUCT ? "struct " : "union ");
		rc_sb_puts(sb, t->qname ? t->qname : t->name ? t->name : "?");
		break;
	case TK_POINTER:
		spell(sb, t->ref, depth + 1);
		rc_sb_puts(sb, sb->len && sb->buf[sb->len - 1] == '*' ? "*" : " *");
		break;
	case TK_ARRAY:
		spell(sb, t->ref, depth + 1);
		rc_sb_puts(sb, t->size ? "[N]" : "[]");
		break;
	case TK_FUNC:
		spell(sb, t->ref, depth + 1);
		rc_sb_puts(sb, " (...)");
		break;
	case TK_GENERIC_INST:
		spell(sb, t->ref, depth + 1);
		rc_sb_puts(sb, "<");
		for (unsigned i = 0; i < t->nmembers; i++) {
			if (i)
				rc_sb_puts(sb, ", ");
			spell(sb, t->members[i]->type, depth + 1);
		}
		rc_sb_puts(sb, ">");
		break;
	case TK_PIPE:
		rc_sb_puts(sb, "pipe ");
		spell(sb, t->ref, depth + 1);
		break;
	case TK_BITFIELD:
		spell(sb, t->ref, depth + 1);
		rc_sb_puts(sb, " : N");
		break;
	default:
		rc_sb_puts(sb, t->qname ? t->qname : t->name ? t->name : "?");
		break;
	}
}

const char *
rc_type_spelling(struct rc_ctx *ctx, struct rc_type *t)
{
	struct rc_strbuf sb = {0};
	spell(&sb, t, 0);
	const char *s = rc_arena_strndup(&ctx->arena, rc_sb_str(&sb), sb.len);
	rc_sb_free(&sb);
	return s;
}

const char *
rc_op_text(int op)
{
	switch (op) {
	case RC_OP_SHL: return "<<";
	case RC_OP_SHR: return ">>";
	case RC_OP_LE: return "<=";
	case RC_OP_GE: return ">=";
	case RC_OP_EQ: return "==";
	case RC_OP_NE: return "!=";
	case RC_OP_ANDAND: return "&&";
	case RC_OP_OROR: return "||";
	case '[': return "[]";
	default: break;
	}
	static const char single[] = "+-*/%<>&|^~!?.";
	const char *p = op > 0 && op < 127 ? strchr(single, op) : NULL;
	if (!p || !*p)
		return "?";
	/* one-character operators: a static NUL-terminated copy per character */
	static const char text[][2] = {"+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "~", "!", "?", "."};
	return text[p - single];
}
