/* ridl compiler: the header emitter (NAME.h).
 *
 * The header holds, in declaration order, the C form of every type, constant and procedure of
 * the main file: IDL base types become the fixed-width C types of DESIGN.md §3, struct, union
 * and enum definitions are written where they first appear (inline in a typedef when written
 * so), RPC interfaces get prototypes, interface handles and a server EPV type, COM interfaces a
 * C vtable. Imported files are not repeated: each becomes an #include of its own header.
 *
 * Nothing here changes the AST (several emitters and tests may walk the same tree); what was
 * already written is remembered in the emitter's own sets. Output is deterministic: it depends
 * only on the tree, never on addresses, time or the paths the files were found under.
 */
#include <inttypes.h>
#include <string.h>

#include "attrs.h"
#include "frontend.h"
#include "output.h"

/* Deepest type or expression nesting followed; the parser keeps real input far below it. */
#define MAX_DEPTH 1000

struct emitter {
	struct rc_ctx *ctx;
	struct rc_map written;   /* definition node (as key) -> itself: already written */
	struct rc_map fwd;       /* interned C name -> itself: forward typedef already written */
	struct rc_map var_names; /* constant (rc_var, as key) -> C name, for WinRT namespaces */
	const char *ns;          /* WinRT namespace being written, or NULL */
	const char *pipe_tag;    /* tag of the pipe structure of the typedef being written */
	unsigned depth;
	/* Writing declarations for a stub file, which includes the header: every definition is
	 * already written there, so types are only ever named. */
	bool decl_only;
};

/* Statement classes: consecutive one-line items of one class are not separated by blank lines. */
enum item_class { IC_NONE, IC_TYPEDEF, IC_CONST, IC_PROTO, IC_CPP, IC_OTHER };

/* Joins rendered items with blank lines around multi-line ones. */
struct joiner {
	bool any, prev_multi;
	enum item_class prev;
};

static void emit_spec(struct emitter *e, struct rc_out *o, struct rc_type *t);
static void emit_decl(struct emitter *e, struct rc_out *o, struct rc_type *t, const char *name,
		      struct rc_type *stop);
static void expr_c(struct emitter *e, struct rc_strbuf *sb, struct rc_expr *x, unsigned depth);

/* Where a statement list is: what its procedures become. */
enum place { PL_TOP, PL_RPC, PL_COM, PL_MODULE };

static void emit_body(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_stmt *s,
		      enum place pl);

/* ---------------- small helpers ---------------- */

/* Sets of nodes: rc_map compares keys by address, so any pointer serves as a key. */
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

/* Has the definition t been written (so that it is referred to by name from now on)? */
static bool
is_written(struct emitter *e, const struct rc_type *t)
{
	return e->decl_only || set_has(&e->written, t);
}

/* A qualified WinRT name as a C identifier: Windows.Foundation.Point -> Windows_Foundation_Point. */
static const char *
mangle(struct emitter *e, const char *q)
{
	if (!q || !strchr(q, '.'))
		return q;
	char *s = rc_arena_strdup(&e->ctx->arena, q);
	for (char *p = s; *p; p++)
		if (*p == '.')
			*p = '_';
	return rc_intern(&e->ctx->strings, s);
}

static const char *
type_cname(struct emitter *e, struct rc_type *t)
{
	if (t->c_name)
		return t->c_name;
	const char *n = t->qname ? t->qname : t->name;
	return n ? mangle(e, n) : "unnamed";
}

static bool
is_namespaced(struct rc_type *t)
{
	return t && t->qname && strchr(t->qname, '.');
}

/* The C name of an enumerator: WinRT enumerators are scoped by their enum (Color_Red). */
static const char *
enumerator_cname(struct emitter *e, struct rc_var *v)
{
	if (!v->name)
		return "unnamed";
	if (v->owner && v->owner->kind == TK_ENUM && is_namespaced(v->owner) && v->owner->name)
		return rc_arena_printf(&e->ctx->arena, "%s_%s", v->owner->name, v->name);
	return v->name;
}

static const char *
const_cname(struct emitter *e, struct rc_var *v)
{
	const char *n = rc_map_get(&e->var_names, (const char *)v);
	return n ? n : v->name ? v->name : "unnamed";
}

static const char *
tag_keyword(enum rc_type_kind k)
{
	switch (k) {
	case TK_ENUM:
		return "enum";
	case TK_UNION:
		return "union";
	default:
		return "struct"; /* an encapsulated union is a struct in C */
	}
}

static bool
is_aggregate(const struct rc_type *t)
{
	return t && (t->kind == TK_STRUCT || t->kind == TK_UNION || t->kind == TK_ENCAP_UNION ||
		     t->kind == TK_ENUM);
}

static unsigned
count_lines(const struct rc_strbuf *sb)
{
	unsigned n = 0;
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n')
			n++;
	return n;
}

/* ---------------- joining items ---------------- */

static void
join(struct rc_out *o, struct joiner *j, const struct rc_strbuf *item, enum item_class cls)
{
	if (!item->len)
		return;
	bool multi = count_lines(item) > 1;
	if (j->any && (multi || j->prev_multi || cls != j->prev))
		rc_out_nl(o);
	rc_sb_append(o->sb, item->buf, item->len);
	if (item->buf[item->len - 1] != '\n')
		rc_sb_putc(o->sb, '\n');
	o->bol = true;
	j->any = true;
	j->prev_multi = multi;
	j->prev = cls;
}

/* A joiner item being rendered: its own buffer, at the indentation of the list. */
struct item {
	struct rc_strbuf sb;
	struct rc_out o;
};

static void
item_begin(struct item *it, struct rc_out *parent)
{
	memset(&it->sb, 0, sizeof(it->sb));
	rc_out_init(&it->o, &it->sb, parent->unit);
	it->o.indent = parent->indent;
}

static void
item_end(struct item *it, struct rc_out *parent, struct joiner *j, enum item_class cls)
{
	join(parent, j, &it->sb, cls);
	rc_sb_free(&it->sb);
}

/* ---------------- expressions ---------------- */

/* An integer literal as C: the spelling without MIDL's l/L/i64 suffixes (C picks a wide
 * enough type by itself), keeping u/U. */
static void
int_literal(struct rc_strbuf *sb, const struct rc_expr *x)
{
	if (!x->str) {
		rc_sb_printf(sb, "%" PRIu64 "%s", x->ival, x->is_unsigned ? "U" : "");
		return;
	}
	for (const char *p = x->str; *p; p++) {
		char c = *p;
		if (c == 'l' || c == 'L' || c == 'i' || c == 'I')
			break;
		if (c != 'u' && c != 'U')
			rc_sb_putc(sb, c);
	}
	if (x->is_unsigned)
		rc_sb_putc(sb, 'U');
}

static void
char_literal(struct rc_strbuf *sb, const struct rc_expr *x)
{
	uint64_t v = x->ival;
	if (x->wide)
		rc_sb_putc(sb, 'L');
	rc_sb_putc(sb, '\'');
	if (v == '\'' || v == '\\')
		rc_sb_printf(sb, "\\%c", (char)v);
	else if (v >= 0x20 && v < 0x7f)
		rc_sb_putc(sb, (char)v);
	else if (v < 0x100)
		rc_sb_printf(sb, "\\%03o", (unsigned)v);
	else
		rc_sb_printf(sb, "\\x%" PRIx64, v);
	rc_sb_putc(sb, '\'');
}

/* A type as written in a cast or sizeof: specifier plus abstract declarator. */
static void
type_name_c(struct emitter *e, struct rc_strbuf *sb, struct rc_type *t)
{
	struct rc_out o;
	rc_out_init(&o, sb, NULL);
	emit_decl(e, &o, t, NULL, NULL);
}

static void
operand_c(struct emitter *e, struct rc_strbuf *sb, struct rc_expr *x, unsigned depth)
{
	bool paren = x && (x->kind == EX_BINARY || x->kind == EX_COND || x->kind == EX_CAST);
	if (paren)
		rc_sb_putc(sb, '(');
	expr_c(e, sb, x, depth + 1);
	if (paren)
		rc_sb_putc(sb, ')');
}

/* An expression as C. Operands that are themselves operations are parenthesized, so the
 * result never depends on C's precedence agreeing with IDL's. */
static void
expr_c(struct emitter *e, struct rc_strbuf *sb, struct rc_expr *x, unsigned depth)
{
	if (!x)
		return;
	if (depth > MAX_DEPTH) {
		rc_sb_putc(sb, '0');
		return;
	}
	switch (x->kind) {
	case EX_EMPTY:
		break;
	case EX_INT:
		int_literal(sb, x);
		break;
	case EX_FLOAT:
		if (x->str)
			rc_sb_puts(sb, x->str);
		else
			rc_sb_printf(sb, "%.17g", x->fval);
		break;
	case EX_STRING:
		rc_sb_printf(sb, "%s\"%s\"", x->wide ? "L" : "", x->str ? x->str : "");
		break;
	case EX_CHAR:
		char_literal(sb, x);
		break;
	case EX_IDENT: {
		struct rc_var *v = x->ref_var;
		if (v && v->kind == RC_V_ENUMERATOR)
			rc_sb_puts(sb, enumerator_cname(e, v));
		else if (v && v->kind == RC_V_CONST)
			rc_sb_puts(sb, const_cname(e, v));
		else
			rc_sb_puts(sb, x->str ? x->str : "0");
		break;
	}
	case EX_TRUE:
		rc_sb_puts(sb, "TRUE");
		break;
	case EX_FALSE:
		rc_sb_puts(sb, "FALSE");
		break;
	case EX_NULL:
		rc_sb_puts(sb, "NULL");
		break;
	case EX_UUID:
		rc_sb_puts(sb, x->str ? x->str : "");
		break;
	case EX_TYPE:
		type_name_c(e, sb, x->type);
		break;
	case EX_UNARY:
		rc_sb_puts(sb, x->op == '*' ? "*" : x->op == '&' ? "&" : rc_op_text(x->op));
		operand_c(e, sb, x->a, depth);
		break;
	case EX_BINARY:
		operand_c(e, sb, x->a, depth);
		rc_sb_printf(sb, " %s ", rc_op_text(x->op));
		operand_c(e, sb, x->b, depth);
		break;
	case EX_COND:
		operand_c(e, sb, x->a, depth);
		rc_sb_puts(sb, " ? ");
		operand_c(e, sb, x->b, depth);
		rc_sb_puts(sb, " : ");
		operand_c(e, sb, x->c, depth);
		break;
	case EX_CAST:
		rc_sb_putc(sb, '(');
		type_name_c(e, sb, x->type);
		rc_sb_putc(sb, ')');
		operand_c(e, sb, x->a, depth);
		break;
	case EX_SIZEOF:
		rc_sb_puts(sb, "sizeof(");
		type_name_c(e, sb, x->type);
		rc_sb_putc(sb, ')');
		break;
	case EX_MEMBER:
	case EX_PMEMBER:
		operand_c(e, sb, x->a, depth);
		rc_sb_puts(sb, x->kind == EX_MEMBER ? "." : "->");
		rc_sb_puts(sb, x->str ? x->str : "");
		break;
	case EX_INDEX:
		operand_c(e, sb, x->a, depth);
		rc_sb_putc(sb, '[');
		expr_c(e, sb, x->b, depth + 1);
		rc_sb_putc(sb, ']');
		break;
	}
}

/* ---------------- declarations ---------------- */

static bool
is_ellipsis(const struct rc_var *p)
{
	return p->type && p->type->kind == TK_VOID && p->type->name &&
	       strcmp(p->type->name, "...") == 0;
}

static bool
is_void_param(const struct rc_var *p)
{
	return !p->name && p->type && p->type->kind == TK_VOID && !is_ellipsis(p);
}

/* A parameter list: the extra leading parameters (already C text), then the function's own.
 * "(void)" when there are none; an IDL "(void)" disappears behind extra parameters. With
 * name_base >= 0 (a definition), a parameter without a name is named _pN, N being name_base
 * plus its index. */
static void
params_c(struct emitter *e, struct rc_strbuf *sb, struct rc_type *f, const char *const *extra,
	 unsigned nextra, int name_base)
{
	unsigned n = 0;
	rc_sb_putc(sb, '(');
	for (unsigned i = 0; i < nextra; i++) {
		if (n++)
			rc_sb_puts(sb, ", ");
		rc_sb_puts(sb, extra[i]);
	}
	unsigned nf = f ? f->nfields : 0;
	for (unsigned i = 0; i < nf; i++) {
		struct rc_var *p = f->fields[i];
		if (!p)
			continue;
		if (is_void_param(p) && (nextra || nf > 1))
			continue;
		if (n++)
			rc_sb_puts(sb, ", ");
		if (is_ellipsis(p)) {
			rc_sb_puts(sb, "...");
			continue;
		}
		const char *pn = p->name;
		if (!pn && name_base >= 0 && !is_void_param(p))
			pn = rc_arena_printf(&e->ctx->arena, "_p%u", (unsigned)name_base + i);
		struct rc_out o;
		rc_out_init(&o, sb, NULL);
		emit_decl(e, &o, p->type, pn, NULL);
	}
	if (!n)
		rc_sb_puts(sb, "void");
	rc_sb_putc(sb, ')');
}

/* Builds the declarator of t around the text already in d (a name, or nothing for an abstract
 * declarator), walking pointers, arrays and functions until stop; returns the node the
 * specifier is written from. */
static struct rc_type *
build_declarator(struct emitter *e, struct rc_type *t, struct rc_type *stop, struct rc_strbuf *d)
{
	unsigned guard = 0;
	while (t && t != stop && guard++ < MAX_DEPTH) {
		switch (t->kind) {
		case TK_POINTER: {
			struct rc_strbuf n = { 0 };
			struct rc_type *next = t->ref;
			bool paren = next && next != stop &&
				     (next->kind == TK_ARRAY || next->kind == TK_FUNC);
			if (paren)
				rc_sb_putc(&n, '(');
			rc_sb_putc(&n, '*');
			if (t->flags & RC_TF_CONST)
				rc_sb_puts(&n, d->len ? "const " : "const");
			rc_sb_append(&n, rc_sb_str(d), d->len);
			if (paren)
				rc_sb_putc(&n, ')');
			rc_sb_free(d);
			*d = n;
			t = next;
			break;
		}
		case TK_ARRAY:
			rc_sb_putc(d, '[');
			if (t->size && t->size->kind != EX_EMPTY)
				expr_c(e, d, t->size, 0);
			rc_sb_putc(d, ']');
			t = t->ref;
			break;
		case TK_FUNC:
			params_c(e, d, t, NULL, 0, -1);
			t = t->ref;
			break;
		default:
			return t;
		}
	}
	return t == stop ? stop : t;
}

static void
emit_decl(struct emitter *e, struct rc_out *o, struct rc_type *t, const char *name,
	  struct rc_type *stop)
{
	struct rc_strbuf d = { 0 };
	if (name)
		rc_sb_puts(&d, name);
	struct rc_type *spec = build_declarator(e, t, stop, &d);
	emit_spec(e, o, spec);
	if (d.len) {
		rc_out_puts(o, " ");
		rc_out_putn(o, d.buf, d.len);
	}
	rc_sb_free(&d);
}

static void
emit_field(struct emitter *e, struct rc_out *o, struct rc_var *v)
{
	if (!v || !v->type)
		return; /* an empty union arm, or attributes without a member */
	if (v->type->kind == TK_BITFIELD) {
		emit_decl(e, o, v->type->ref, v->name, NULL);
		struct rc_strbuf sb = { 0 };
		expr_c(e, &sb, v->type->size, 0);
		rc_out_printf(o, " : %s", rc_sb_str(&sb));
		rc_sb_free(&sb);
	} else {
		emit_decl(e, o, v->type, v->name, NULL);
	}
	rc_out_puts(o, ";");
	rc_out_nl(o);
}

static bool
has_members(struct rc_type *t)
{
	for (unsigned i = 0; i < t->nfields; i++)
		if (t->fields[i] && t->fields[i]->type)
			return true;
	return false;
}

/* Enumerator values are written as decimal ints; 32-bit patterns above INT_MAX (flags such as
 * 0x80000000) become the negative int with the same bits, as Microsoft's compilers treat them. */
static int64_t
enum_c_value(int64_t v)
{
	if (v > INT32_MAX && v <= (int64_t)UINT32_MAX)
		return (int64_t)(int32_t)(uint32_t)v;
	return v;
}

static void
emit_definition(struct emitter *e, struct rc_out *o, struct rc_type *t)
{
	set_add(&e->written, t);
	rc_out_puts(o, tag_keyword(t->kind));
	if (t->name)
		rc_out_printf(o, " %s", type_cname(e, t));
	rc_out_puts(o, " {");
	rc_out_nl(o);
	rc_out_indent(o);
	switch (t->kind) {
	case TK_ENUM:
		for (unsigned i = 0; i < t->nfields; i++) {
			struct rc_var *v = t->fields[i];
			rc_out_printf(o, "%s = %" PRId64, enumerator_cname(e, v),
				      enum_c_value(v->enum_value));
			if (i + 1 < t->nfields)
				rc_out_puts(o, ",");
			rc_out_nl(o);
		}
		break;
	case TK_ENCAP_UNION:
		if (t->disc)
			emit_field(e, o, t->disc);
		if (has_members(t)) {
			rc_out_puts(o, "union {");
			rc_out_nl(o);
			rc_out_indent(o);
			for (unsigned i = 0; i < t->nfields; i++)
				emit_field(e, o, t->fields[i]);
			rc_out_dedent(o);
			rc_out_printf(o, "} %s;", t->union_name ? t->union_name : "tagged_union");
			rc_out_nl(o);
		}
		break;
	default:
		for (unsigned i = 0; i < t->nfields; i++)
			emit_field(e, o, t->fields[i]);
		break;
	}
	rc_out_dedent(o);
	rc_out_puts(o, "}");
}

/* The structure MIDL declares for a pipe type: the application's pull/push/alloc routines. */
static void
emit_pipe(struct emitter *e, struct rc_out *o, struct rc_type *t)
{
	set_add(&e->written, t);
	struct rc_strbuf elem = { 0 };
	type_name_c(e, &elem, t->ref);
	const char *el = rc_sb_str(&elem);
	rc_out_printf(o, "struct pipe_%s {", e->pipe_tag);
	rc_out_nl(o);
	rc_out_indent(o);
	rc_out_line(o, "void (*pull)(char *state, %s *buf, uint32_t esize, uint32_t *ecount);", el);
	rc_out_line(o, "void (*push)(char *state, %s *buf, uint32_t ecount);", el);
	rc_out_line(o, "void (*alloc)(char *state, uint32_t bsize, %s **buf, uint32_t *bcount);",
		    el);
	rc_out_line(o, "char *state;");
	rc_out_dedent(o);
	rc_out_puts(o, "}");
	rc_sb_free(&elem);
}

/* Is t the reference rc_type_qualified() puts in front of a definition ("const struct {...}")?
 * It has the definition's location; a reference by name never does. */
static bool
is_qualified_definition(struct rc_type *t)
{
	struct rc_type *r = t->ref;
	return !t->tag_kind && is_aggregate(r) && (r->flags & RC_TF_DEFINED) &&
	       r->loc.file == t->loc.file && r->loc.line == t->loc.line && r->loc.col == t->loc.col;
}

static void
emit_named(struct emitter *e, struct rc_out *o, struct rc_type *t)
{
	struct rc_type *d = rc_type_deref_named(t);
	if (!d || d->kind == TK_NAMED) {
		/* Unresolved: the name as written. */
		if (t->tag_kind)
			rc_out_printf(o, "%s ", tag_keyword(t->tag_kind));
		rc_out_puts(o, mangle(e, t->qname ? t->qname : t->name ? t->name : "unnamed"));
		return;
	}
	switch (d->kind) {
	case TK_STRUCT:
	case TK_UNION:
	case TK_ENCAP_UNION:
	case TK_ENUM:
		/* C has no forward declaration of an enum ("typedef enum E E;" before E's body is
		 * common in WinRT IDL): the first reference writes the definition. Its values are
		 * numbers, so it depends on nothing declared later. */
		if (!d->name || (d->kind == TK_ENUM && (d->flags & RC_TF_DEFINED) &&
				 d->file == e->ctx->main && !is_written(e, d))) {
			emit_spec(e, o, d);
			return;
		}
		rc_out_printf(o, "%s %s", tag_keyword(d->kind), type_cname(e, d));
		break;
	case TK_GENERIC_PARAM:
	case TK_GENERIC_INST:
	case TK_VOID:
		rc_out_puts(o, "void");
		break;
	case TK_BASE:
		rc_out_puts(o, rc_base_cname(d));
		break;
	default:
		rc_out_puts(o, type_cname(e, d));
		break;
	}
}

static void
emit_spec(struct emitter *e, struct rc_out *o, struct rc_type *t)
{
	if (!t) {
		rc_out_puts(o, "void");
		return;
	}
	if (e->depth > MAX_DEPTH) {
		rc_out_puts(o, "void");
		return;
	}
	e->depth++;
	if ((t->flags & RC_TF_CONST) && t->kind != TK_POINTER && t->kind != TK_ARRAY &&
	    t->kind != TK_FUNC)
		rc_out_puts(o, "const ");
	switch (t->kind) {
	case TK_VOID:
		rc_out_puts(o, "void");
		break;
	case TK_BASE:
		rc_out_puts(o, rc_base_cname(t));
		break;
	case TK_STRUCT:
	case TK_UNION:
	case TK_ENCAP_UNION:
	case TK_ENUM:
		if ((t->flags & RC_TF_DEFINED) && (!t->name || !is_written(e, t)))
			emit_definition(e, o, t);
		else
			rc_out_printf(o, "%s %s", tag_keyword(t->kind),
				      t->name ? type_cname(e, t) : "unnamed");
		break;
	case TK_NAMED:
		if (t->ref && is_qualified_definition(t)) {
			struct rc_type *r = t->ref;
			if (!r->name || !is_written(e, r))
				emit_definition(e, o, r);
			else
				rc_out_printf(o, "%s %s", tag_keyword(r->kind), type_cname(e, r));
		} else {
			emit_named(e, o, t);
		}
		break;
	case TK_PIPE:
		if (e->pipe_tag && !is_written(e, t))
			emit_pipe(e, o, t);
		else if (e->pipe_tag)
			rc_out_printf(o, "struct pipe_%s", e->pipe_tag);
		else
			rc_out_puts(o, "void");
		break;
	case TK_GENERIC_INST:
	case TK_GENERIC_PARAM:
		rc_out_puts(o, "void");
		break;
	case TK_BITFIELD:
		emit_spec(e, o, t->ref);
		break;
	case TK_POINTER:
	case TK_ARRAY:
	case TK_FUNC:
		/* Only as the base of a typedef (SAFEARRAY(T) is a pointer). */
		emit_decl(e, o, t, NULL, NULL);
		break;
	default:
		rc_out_puts(o, type_cname(e, t));
		break;
	}
	e->depth--;
}

/* ---------------- statements ---------------- */

static void
emit_typedef(struct emitter *e, struct rc_out *o, struct rc_stmt *s)
{
	struct rc_type *base = s->type;
	if (!s->nvars)
		return;
	const char *saved = e->pipe_tag;
	if (base && base->kind == TK_PIPE && s->vars[0] && s->vars[0]->type)
		e->pipe_tag = type_cname(e, s->vars[0]->type);
	rc_out_puts(o, "typedef ");
	emit_spec(e, o, base);
	for (unsigned i = 0; i < s->nvars; i++) {
		struct rc_var *v = s->vars[i];
		struct rc_type *a = v ? v->type : NULL;
		bool alias = a && a->kind == TK_ALIAS;
		const char *name = alias ? type_cname(e, a) : v && v->name ? v->name : "unnamed";
		struct rc_strbuf d = { 0 };
		rc_sb_puts(&d, name);
		build_declarator(e, alias ? a->ref : a, base, &d);
		rc_out_printf(o, "%s %s", i ? "," : "", rc_sb_str(&d));
		rc_sb_free(&d);
	}
	rc_out_puts(o, ";");
	rc_out_nl(o);
	e->pipe_tag = saved;
}

static void
emit_type_stmt(struct emitter *e, struct rc_out *o, struct rc_stmt *s)
{
	struct rc_type *t = s->type;
	if (!t)
		return;
	if (t->kind == TK_NAMED && t->ref && is_qualified_definition(t))
		t = t->ref;
	if (is_aggregate(t) && (t->flags & RC_TF_DEFINED)) {
		/* "struct { ... };" declares nothing (C warns); an anonymous enum still declares its
		 * enumerators. */
		if ((!t->name && t->kind != TK_ENUM) || is_written(e, t))
			return;
		emit_spec(e, o, t);
		rc_out_puts(o, ";");
		rc_out_nl(o);
		return;
	}
	if (t->kind == TK_NAMED && t->tag_kind) {
		struct rc_type *d = rc_type_deref_named(t);
		enum rc_type_kind k = is_aggregate(d) ? d->kind : t->tag_kind;
		if (k == TK_ENUM)
			return; /* ISO C has no forward declaration of an enum */
		emit_named(e, o, t);
		rc_out_puts(o, ";");
		rc_out_nl(o);
	}
}

static void
emit_const(struct emitter *e, struct rc_out *o, struct rc_var *v)
{
	const char *name = const_cname(e, v);
	if (v->value) {
		struct rc_strbuf sb = { 0 };
		expr_c(e, &sb, v->value, 0);
		rc_out_line(o, "#define %s (%s)", name, rc_sb_str(&sb));
		rc_sb_free(&sb);
		return;
	}
	rc_out_puts(o, "extern ");
	emit_decl(e, o, v->type, name, NULL);
	rc_out_puts(o, ";");
	rc_out_nl(o);
}

/* A procedure: a prototype (declname "Name") or a function pointer member ("(*Name)"), with
 * extra leading parameters; ret_void replaces the return type ([async] procedures). */
static void
emit_proc(struct emitter *e, struct rc_out *o, struct rc_var *proc, const char *declname,
	  const char *const *extra, unsigned nextra, bool ret_void)
{
	struct rc_type *f = proc->type;
	if (!f || f->kind != TK_FUNC)
		return;
	struct rc_strbuf d = { 0 };
	rc_sb_puts(&d, declname);
	params_c(e, &d, f, extra, nextra, -1);
	struct rc_type *spec = ret_void ? NULL : build_declarator(e, f->ref, NULL, &d);
	emit_spec(e, o, spec);
	rc_out_printf(o, " %s;", rc_sb_str(&d));
	rc_out_nl(o);
	rc_sb_free(&d);
}

/* The character a cpp_quote escape stands for, or 0 when the escape is kept as written. */
static char
unescaped(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case '"':
	case '\\':
	case '\'':
		return c;
	default:
		return 0;
	}
}

/* cpp_quote("...") text with C's escapes undone. */
static void
emit_cpp_quote(struct rc_out *o, const char *s)
{
	struct rc_strbuf sb = { 0 };
	for (; *s; s++) {
		char c = s[0] == '\\' ? unescaped(s[1]) : 0;
		if (c)
			s++;
		rc_sb_putc(&sb, c ? c : *s);
	}
	rc_out_raw_line(o, rc_sb_str(&sb));
	rc_sb_free(&sb);
}

static bool
is_pack_pragma(const char *s)
{
	return s && strncmp(s, "pack", 4) == 0 && (s[4] == '(' || s[4] == ' ' || s[4] == '\t');
}

/* ---------------- interfaces ---------------- */

static bool
is_com_interface(struct rc_type *t)
{
	return rc_attr_has(t->attrs, RC_A_OBJECT) || rc_attr_has(t->attrs, RC_A_ODL) ||
	       rc_attr_has(t->attrs, RC_A_DUAL) || t->ref != NULL;
}

static bool
is_winrt(struct emitter *e, struct rc_type *t)
{
	return e->ns || t->ngeneric_params || is_namespaced(t);
}

/* Is p an explicit binding handle: handle_t, a [handle] type, or an [in] context handle (also
 * passed by pointer)? */
static bool
is_binding_param(struct rc_var *p)
{
	if (!p || !p->type)
		return false;
	struct rc_type *t = p->type;
	struct rc_type *u = rc_type_unalias(t);
	if (u && u->kind == TK_BASE && u->base == RC_B_HANDLE)
		return true;
	if (t->kind == TK_POINTER && t->ref)
		t = t->ref;
	if (rc_type_find_attr(t, RC_A_HANDLE))
		return true;
	bool in = rc_attr_has(p->attrs, RC_A_IN) || !rc_attr_has(p->attrs, RC_A_OUT);
	return in && (rc_attr_has(p->attrs, RC_A_CONTEXT_HANDLE) ||
		      rc_type_find_attr(t, RC_A_CONTEXT_HANDLE));
}

/* [explicit_handle] (ACF) gives every procedure without a binding handle a first parameter
 * "handle_t IDL_handle", as MIDL does. */
static bool
needs_idl_handle(struct rc_type *iface, struct rc_var *proc)
{
	if (!rc_attr_has(iface->attrs, RC_A_EXPLICIT_HANDLE) &&
	    !rc_attr_has(proc->attrs, RC_A_EXPLICIT_HANDLE))
		return false;
	if (rc_attr_has(proc->attrs, RC_A_CALLBACK))
		return false; /* a callback runs inside the call that reached the server */
	struct rc_type *f = proc->type;
	return !(f && f->nfields && is_binding_param(f->fields[0]));
}

/* The C parameter list of remote procedure proc of iface: the asynchronous call's handle first
 * when it is [async], then IDL_handle under [explicit_handle], then the IDL's parameters.
 * named: a definition's list, where a parameter without a name is _pN, N being its index
 * among the stub's arguments (which hold IDL_handle but not the asynchronous handle). */
static void
rpc_params_c(struct emitter *e, struct rc_strbuf *sb, struct rc_type *iface, struct rc_var *proc,
	     bool named)
{
	const char *name = proc->name ? proc->name : "unnamed";
	const char *extra[2];
	unsigned nextra = 0;
	if (rc_proc_is_async(iface, proc))
		extra[nextra++] =
			rc_arena_printf(&e->ctx->arena, "PRPC_ASYNC_STATE %s_AsyncHandle", name);
	bool idl_handle = needs_idl_handle(iface, proc);
	if (idl_handle)
		extra[nextra++] = "handle_t IDL_handle";
	params_c(e, sb, proc->type, extra, nextra, named ? (idl_handle ? 1 : 0) : -1);
}

/* The prototype of remote procedure proc of iface under the name decl ("Add", "s_Add", or
 * "(*Add)" for an EPV member). An [async] procedure returns void: its result comes with the
 * call's completion. */
static void
emit_rpc_proc(struct emitter *e, struct rc_out *o, struct rc_type *iface, struct rc_var *proc,
	      const char *decl)
{
	struct rc_type *f = proc->type;
	if (!f || f->kind != TK_FUNC)
		return;
	struct rc_strbuf d = { 0 };
	rc_sb_puts(&d, decl);
	rpc_params_c(e, &d, iface, proc, false);
	struct rc_type *spec =
		rc_proc_is_async(iface, proc) ? NULL : build_declarator(e, f->ref, NULL, &d);
	emit_spec(e, o, spec);
	rc_out_printf(o, " %s;", rc_sb_str(&d));
	rc_out_nl(o);
	rc_sb_free(&d);
}

/* Does the procedure have an opnum, a place in the stub tables and in the EPV? [local] ones are
 * not remote, and callbacks go the other way. The layout phase numbers the same procedures. */
static bool
rpc_has_opnum(struct rc_var *proc)
{
	return proc->type && proc->type->kind == TK_FUNC && !rc_attr_has(proc->attrs, RC_A_LOCAL) &&
	       !rc_attr_has(proc->attrs, RC_A_CALLBACK);
}

/* --server-prefix, or NULL when the manager routines have the procedures' names. */
static const char *
server_prefix(struct emitter *e)
{
	const char *p = e->ctx->opts ? e->ctx->opts->server_prefix : NULL;
	return p && *p ? p : NULL;
}

static void
emit_rpc_interface(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_type *t)
{
	const char *name = type_cname(e, t);
	unsigned maj, min;
	rc_iface_version(t, &maj, &min);
	bool local = rc_attr_has(t->attrs, RC_A_LOCAL);
	struct item it;

	item_begin(&it, o);
	rc_out_line(&it.o, "/* interface %s, version %u.%u */", name, maj, min);
	item_end(&it, o, j, IC_OTHER);

	emit_body(e, o, j, t->body, PL_RPC);

	unsigned nprocs = 0;
	for (struct rc_stmt *s = t->body; s; s = s->next) {
		if (s->kind != ST_FUNC || !s->var)
			continue;
		item_begin(&it, o);
		emit_rpc_proc(e, &it.o, t, s->var, s->var->name ? s->var->name : "unnamed");
		item_end(&it, o, j, IC_PROTO);
		if (rpc_has_opnum(s->var))
			nprocs++;
	}
	if (local)
		return;

	const char *prefix = server_prefix(e);
	if (prefix && nprocs) {
		/* The client stubs take the procedures' names; the server's own routines, which its
		 * stubs call, are told apart by the prefix, so one program may hold both. */
		item_begin(&it, o);
		rc_out_line(
			&it.o,
			"/* The manager routines the server stubs call (--server-prefix %s). */",
			prefix);
		for (struct rc_stmt *s = t->body; s; s = s->next)
			if (s->kind == ST_FUNC && s->var && rpc_has_opnum(s->var))
				emit_rpc_proc(
					e, &it.o, t, s->var,
					rc_arena_printf(&e->ctx->arena, "%s%s", prefix,
							s->var->name ? s->var->name : "unnamed"));
		item_end(&it, o, j, IC_OTHER);
	}

	item_begin(&it, o);
	rc_out_line(&it.o, "extern RPC_IF_HANDLE %s_v%u_%u_c_ifspec;", name, maj, min);
	rc_out_line(&it.o, "extern RPC_IF_HANDLE %s_v%u_%u_s_ifspec;", name, maj, min);
	rc_out_line(&it.o, "#define %s_ClientIfHandle %s_v%u_%u_c_ifspec", name, name, maj, min);
	rc_out_line(&it.o, "#define %s_ServerIfHandle %s_v%u_%u_s_ifspec", name, name, maj, min);
	struct rc_attr *ih = rc_attr_find(t->attrs, RC_A_IMPLICIT_HANDLE);
	if (ih && ih->nargs >= 1 && ih->args[0] && ih->args[0]->kind == EX_TYPE &&
	    ih->args[0]->str) {
		rc_out_puts(&it.o, "extern ");
		emit_decl(e, &it.o, ih->args[0]->type, ih->args[0]->str, NULL);
		rc_out_puts(&it.o, ";");
		rc_out_nl(&it.o);
	}
	item_end(&it, o, j, IC_OTHER);

	if (!nprocs)
		return;
	/* The runtime calls an EPV given to RpcServerRegisterIf as an array of function pointers
	 * indexed by opnum, the layout of the server stub's default one: so one member per
	 * procedure with an opnum, in opnum order. */
	item_begin(&it, o);
	rc_out_line(&it.o, "/* One manager routine per opnum, in opnum order (no [local] or "
			   "[callback] procedure):");
	rc_out_line(&it.o, " * the layout RpcServerRegisterIf expects of an EPV. */");
	rc_out_line(&it.o, "typedef struct %s_SERVER_EPV {", name);
	rc_out_indent(&it.o);
	for (struct rc_stmt *s = t->body; s; s = s->next)
		if (s->kind == ST_FUNC && s->var && rpc_has_opnum(s->var))
			emit_rpc_proc(e, &it.o, t, s->var,
				      rc_arena_printf(&e->ctx->arena, "(*%s)",
						      s->var->name ? s->var->name : "unnamed"));
	rc_out_dedent(&it.o);
	rc_out_line(&it.o, "} %s_SERVER_EPV;", name);
	item_end(&it, o, j, IC_OTHER);
}

/* The definition of the interface t inherits from, or NULL. */
static struct rc_type *
iface_base(struct emitter *e, struct rc_type *t)
{
	struct rc_type *b = rc_type_unalias(t->ref);
	if (!b || b->kind != TK_INTERFACE)
		return NULL;
	if (!(b->flags & RC_TF_DEFINED)) {
		const char *q = b->qname ? b->qname : b->name;
		struct rc_type *def =
			q ? rc_map_get(&e->ctx->types, rc_intern(&e->ctx->strings, q)) : NULL;
		if (def && def->kind == TK_INTERFACE && (def->flags & RC_TF_DEFINED))
			b = def;
	}
	return b;
}

static const char *
method_cname(struct emitter *e, struct rc_var *m)
{
	const char *n = m->name ? m->name : "unnamed";
	if (rc_attr_has(m->attrs, RC_A_PROPGET))
		return rc_arena_printf(&e->ctx->arena, "get_%s", n);
	if (rc_attr_has(m->attrs, RC_A_PROPPUT))
		return rc_arena_printf(&e->ctx->arena, "put_%s", n);
	if (rc_attr_has(m->attrs, RC_A_PROPPUTREF))
		return rc_arena_printf(&e->ctx->arena, "putref_%s", n);
	return n;
}

enum { MAX_BASES = 64 };

/* The vtable of t in order: the methods of the bases first, from the root down. A [call_as]
 * method is the remote form of a [local] one; both share one slot, which the local form
 * describes. */
static void
vtable_methods(struct emitter *e, struct rc_type *t, struct rc_vec *ret)
{
	struct rc_type *chain[MAX_BASES];
	unsigned n = 0;
	for (struct rc_type *b = t; b && n < MAX_BASES; b = iface_base(e, b)) {
		bool seen = false;
		for (unsigned i = 0; i < n; i++)
			seen = seen || chain[i] == b;
		if (seen)
			break;
		chain[n++] = b;
	}
	for (unsigned i = n; i-- > 0;)
		for (struct rc_stmt *s = chain[i]->body; s; s = s->next)
			if (s->kind == ST_FUNC && s->var &&
			    !rc_attr_has(s->var->attrs, RC_A_CALL_AS))
				rc_vec_push(ret, s->var);
}

/* MIDL's C call macros: IFoo_Method(This, a, b) calls through the vtable. */
static void
emit_com_macros(struct emitter *e, struct rc_out *o, const char *name, struct rc_vec *methods)
{
	rc_out_raw_line(o, "#ifdef COBJMACROS");
	for (size_t i = 0; i < methods->n; i++) {
		struct rc_var *m = methods->items[i];
		struct rc_type *f = m->type;
		const char *mname = method_cname(e, m);
		struct rc_strbuf params = { 0 }, args = { 0 };
		rc_sb_puts(&params, "This");
		rc_sb_puts(&args, "This");
		for (unsigned k = 0; f && k < f->nfields; k++) {
			struct rc_var *p = f->fields[k];
			if (!p || is_void_param(p))
				continue;
			if (is_ellipsis(p)) {
				rc_sb_puts(&params, ", ...");
				rc_sb_puts(&args, ", __VA_ARGS__");
				break;
			}
			/* A macro parameter must not capture the member names in the body. */
			const char *pn = p->name;
			if (!pn || strcmp(pn, "This") == 0 || strcmp(pn, "lpVtbl") == 0 ||
			    strcmp(pn, mname) == 0)
				pn = rc_arena_printf(&e->ctx->arena, "p%u", k);
			rc_sb_printf(&params, ", %s", pn);
			rc_sb_printf(&args, ", %s", pn);
		}
		rc_out_raw_line(o, rc_arena_printf(&e->ctx->arena,
						   "#define %s_%s(%s) ((This)->lpVtbl->%s(%s))",
						   name, mname, params.buf, mname, args.buf));
		rc_sb_free(&params);
		rc_sb_free(&args);
	}
	rc_out_raw_line(o, "#endif");
}

static void
emit_com_interface(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_type *t)
{
	const char *name = type_cname(e, t);
	struct item it;

	item_begin(&it, o);
	rc_out_line(&it.o, "/* interface %s */", name);
	if (rc_attr_has(t->attrs, RC_A_UUID))
		rc_out_line(&it.o, "extern const IID IID_%s;", name);
	item_end(&it, o, j, IC_OTHER);

	emit_body(e, o, j, t->body, PL_COM);

	struct rc_vec methods = { 0 };
	vtable_methods(e, t, &methods);

	item_begin(&it, o);
	if (!methods.n) {
		rc_out_line(&it.o, "typedef struct %sVtbl %sVtbl;", name, name);
	} else {
		const char *this_param = rc_arena_printf(&e->ctx->arena, "%s *This", name);
		rc_out_line(&it.o, "typedef struct %sVtbl {", name);
		rc_out_indent(&it.o);
		for (size_t i = 0; i < methods.n; i++) {
			struct rc_var *m = methods.items[i];
			const char *decl =
				rc_arena_printf(&e->ctx->arena, "(*%s)", method_cname(e, m));
			emit_proc(e, &it.o, m, decl, &this_param, 1, false);
		}
		rc_out_dedent(&it.o);
		rc_out_line(&it.o, "} %sVtbl;", name);
	}
	item_end(&it, o, j, IC_OTHER);

	item_begin(&it, o);
	rc_out_line(&it.o, "struct %s {", name);
	rc_out_indent(&it.o);
	rc_out_line(&it.o, "const %sVtbl *lpVtbl;", name);
	rc_out_dedent(&it.o);
	rc_out_line(&it.o, "};");
	item_end(&it, o, j, IC_OTHER);

	if (methods.n) {
		item_begin(&it, o);
		emit_com_macros(e, &it.o, name, &methods);
		item_end(&it, o, j, IC_OTHER);
	}
	rc_vec_free(&methods);
}

static void
comment_item(struct rc_out *o, struct joiner *j, const char *kind, const char *name,
	     const char *extra)
{
	struct item it;
	item_begin(&it, o);
	rc_out_line(&it.o, "/* %s %s%s */", kind, name ? name : "", extra ? extra : "");
	item_end(&it, o, j, IC_OTHER);
}

static const char *
generic_suffix(struct emitter *e, struct rc_type *t)
{
	if (!t->ngeneric_params)
		return NULL;
	struct rc_strbuf sb = { 0 };
	rc_sb_putc(&sb, '<');
	for (unsigned i = 0; i < t->ngeneric_params; i++)
		rc_sb_printf(&sb, "%s%s", i ? ", " : "",
			     t->generic_params[i] ? t->generic_params[i] : "T");
	rc_sb_putc(&sb, '>');
	const char *s = rc_arena_strdup(&e->ctx->arena, rc_sb_str(&sb));
	rc_sb_free(&sb);
	return s;
}

static const char *
qualified_name(struct rc_type *t)
{
	return t->qname ? t->qname : t->name ? t->name : "";
}

static void
emit_interface_stmt(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_type *t)
{
	if (!(t->flags & RC_TF_DEFINED))
		return; /* forward declarations are in the forward block at the top */
	if (is_winrt(e, t))
		comment_item(o, j, "interface", qualified_name(t), generic_suffix(e, t));
	else if (is_com_interface(t))
		emit_com_interface(e, o, j, t);
	else
		emit_rpc_interface(e, o, j, t);
}

static void
emit_guid_item(struct rc_out *o, struct joiner *j, struct rc_type *t, const char *comment_kind,
	       const char *type, const char *prefix, const char *name)
{
	struct item it;
	item_begin(&it, o);
	rc_out_line(&it.o, "/* %s %s */", comment_kind, name);
	if (rc_attr_has(t->attrs, RC_A_UUID))
		rc_out_line(&it.o, "extern const %s %s%s;", type, prefix, name);
	item_end(&it, o, j, IC_OTHER);
}

/* ---------------- statement lists ---------------- */

static void
emit_stmt(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_stmt *s, enum place pl)
{
	struct item it;
	switch (s->kind) {
	case ST_IMPORT:
	case ST_IMPORTLIB:
		break; /* imports are #includes at the top; type libraries mean nothing to C */
	case ST_CPP_QUOTE:
		item_begin(&it, o);
		emit_cpp_quote(&it.o, s->str ? s->str : "");
		item_end(&it, o, j, IC_CPP);
		break;
	case ST_PRAGMA:
		if (is_pack_pragma(s->str)) {
			item_begin(&it, o);
			rc_out_raw_line(&it.o,
					rc_arena_printf(&e->ctx->arena, "#pragma %s", s->str));
			item_end(&it, o, j, IC_CPP);
		}
		break;
	case ST_TYPEDEF:
		item_begin(&it, o);
		emit_typedef(e, &it.o, s);
		item_end(&it, o, j, IC_TYPEDEF);
		break;
	case ST_TYPE:
		item_begin(&it, o);
		emit_type_stmt(e, &it.o, s);
		item_end(&it, o, j, IC_TYPEDEF);
		break;
	case ST_CONST:
		if (!s->var)
			break;
		item_begin(&it, o);
		emit_const(e, &it.o, s->var);
		item_end(&it, o, j, IC_CONST);
		break;
	case ST_FUNC:
		/* Interface procedures are written by the interface's section. */
		if (!s->var || pl == PL_RPC || pl == PL_COM)
			break;
		item_begin(&it, o);
		emit_proc(e, &it.o, s->var, s->var->name ? s->var->name : "unnamed", NULL, 0,
			  false);
		item_end(&it, o, j, IC_PROTO);
		break;
	case ST_INTERFACE:
		if (s->type)
			emit_interface_stmt(e, o, j, s->type);
		break;
	case ST_DISPINTERFACE:
		if (s->type && (s->type->flags & RC_TF_DEFINED))
			emit_guid_item(o, j, s->type, "dispinterface", "IID", "DIID_",
				       type_cname(e, s->type));
		break;
	case ST_COCLASS:
		if (s->type && (s->type->flags & RC_TF_DEFINED))
			emit_guid_item(o, j, s->type, "coclass", "CLSID", "CLSID_",
				       type_cname(e, s->type));
		break;
	case ST_LIBRARY:
		if (!s->type)
			break;
		emit_guid_item(o, j, s->type, "library", "IID", "LIBID_", type_cname(e, s->type));
		emit_body(e, o, j, s->type->body, PL_TOP);
		break;
	case ST_MODULE:
		if (!s->type)
			break;
		comment_item(o, j, "module", type_cname(e, s->type), NULL);
		emit_body(e, o, j, s->type->body, PL_MODULE);
		break;
	case ST_RUNTIMECLASS:
		if (s->type && (s->type->flags & RC_TF_DEFINED))
			comment_item(o, j, "runtimeclass", qualified_name(s->type), NULL);
		break;
	case ST_DELEGATE:
		if (s->type)
			comment_item(o, j, "delegate", qualified_name(s->type),
				     generic_suffix(e, s->type));
		break;
	case ST_APICONTRACT:
		if (s->type && (s->type->flags & RC_TF_DEFINED))
			comment_item(o, j, "apicontract", qualified_name(s->type), NULL);
		break;
	case ST_NAMESPACE: {
		const char *saved = e->ns;
		e->ns = s->str;
		emit_body(e, o, j, s->body, PL_TOP);
		e->ns = saved;
		break;
	}
	case ST_DECLARE:
		comment_item(o, j, "declare", "{ ... }", NULL);
		break;
	}
}

static void
emit_body(struct emitter *e, struct rc_out *o, struct joiner *j, struct rc_stmt *s, enum place pl)
{
	for (; s; s = s->next)
		emit_stmt(e, o, j, s, pl);
}

/* ---------------- whole-file passes ---------------- */

struct scan {
	bool async;        /* some procedure is [async]: include <rpcasync.h> */
	bool guids;        /* IID/CLSID declarations are written */
	struct rc_vec fwd; /* C names needing a forward typedef, in order */
};

static void
scan_fwd_add(struct emitter *e, struct scan *sc, struct rc_type *t)
{
	const char *n = rc_intern(&e->ctx->strings, type_cname(e, t));
	if (rc_map_get(&e->fwd, n))
		return;
	rc_map_put(&e->fwd, n, (void *)n);
	rc_vec_push(&sc->fwd, (void *)n);
}

/* Walks the main file: forward typedefs for COM and WinRT interfaces, dispinterfaces and
 * classes; whether rpcasync.h and the GUID typedefs are needed. */
static void
scan_stmts(struct emitter *e, struct scan *sc, struct rc_stmt *s, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (; s; s = s->next) {
		struct rc_type *t = s->type;
		switch (s->kind) {
		case ST_INTERFACE:
			if (!t || t->ngeneric_params)
				break;
			if (t->flags & RC_TF_DEFINED) {
				if (is_winrt(e, t)) {
					scan_fwd_add(e, sc, t);
				} else if (is_com_interface(t)) {
					scan_fwd_add(e, sc, t);
					sc->guids |= rc_attr_has(t->attrs, RC_A_UUID);
				} else {
					for (struct rc_stmt *b = t->body; b; b = b->next)
						if (b->kind == ST_FUNC && b->var &&
						    rc_proc_is_async(t, b->var))
							sc->async = true;
				}
			} else {
				/* A forward declaration of an RPC interface declares no C type. */
				const char *q = t->qname ? t->qname : t->name;
				struct rc_type *def = q ? rc_map_get(&e->ctx->types,
								     rc_intern(&e->ctx->strings, q))
							: NULL;
				if (def && def->kind == TK_INTERFACE &&
				    (def->flags & RC_TF_DEFINED) && !is_winrt(e, def) &&
				    !is_com_interface(def))
					break;
				scan_fwd_add(e, sc, t);
			}
			break;
		case ST_DISPINTERFACE:
		case ST_COCLASS:
			if (!t)
				break;
			scan_fwd_add(e, sc, t);
			sc->guids |= (t->flags & RC_TF_DEFINED) && rc_attr_has(t->attrs, RC_A_UUID);
			break;
		case ST_RUNTIMECLASS:
			if (t)
				scan_fwd_add(e, sc, t);
			break;
		case ST_DELEGATE:
			if (t && !t->ngeneric_params)
				scan_fwd_add(e, sc, t);
			break;
		case ST_LIBRARY:
			if (!t)
				break;
			sc->guids |= rc_attr_has(t->attrs, RC_A_UUID);
			scan_stmts(e, sc, t->body, depth + 1);
			break;
		case ST_NAMESPACE: {
			const char *saved = e->ns;
			e->ns = s->str;
			scan_stmts(e, sc, s->body, depth + 1);
			e->ns = saved;
			break;
		}
		default:
			break;
		}
	}
}

/* C names of constants declared inside WinRT namespaces, in every file (an expression in the
 * main file may name a constant of an import). */
static void
name_constants(struct emitter *e, struct rc_stmt *s, const char *ns, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (; s; s = s->next) {
		if (s->kind == ST_NAMESPACE)
			name_constants(e, s->body, s->str, depth + 1);
		else if (s->kind == ST_CONST && ns && s->var && s->var->name)
			rc_map_put(&e->var_names, (const char *)s->var,
				   (void *)mangle(e, rc_arena_printf(&e->ctx->arena, "%s.%s", ns,
								     s->var->name)));
	}
}

/* "dir/oaidl.idl" -> "oaidl.h" */
static const char *
import_header(struct emitter *e, const char *name)
{
	const char *b = strrchr(name, '/');
	const char *b2 = strrchr(name, '\\');
	b = b2 && (!b || b2 > b) ? b2 + 1 : b ? b + 1 : name;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return rc_intern(&e->ctx->strings, rc_arena_printf(&e->ctx->arena, "%.*s.h", (int)n, b));
}

static void
emit_includes(struct emitter *e, struct rc_out *o, struct rc_map *seen, struct rc_stmt *s,
	      unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (; s; s = s->next) {
		if (s->kind == ST_IMPORT && s->str && s->str[0]) {
			const char *h = import_header(e, s->str);
			if (rc_map_get(seen, h))
				continue;
			rc_map_put(seen, h, (void *)h);
			rc_out_line(o, "#include \"%s\"", h);
		} else if (s->kind == ST_NAMESPACE) {
			emit_includes(e, o, seen, s->body, depth + 1);
		} else if (s->kind == ST_LIBRARY && s->type) {
			emit_includes(e, o, seen, s->type->body, depth + 1);
		}
	}
}

/* The file name for the first-line comment: the basename, with nothing that could end the
 * comment early. */
static const char *
source_name(struct emitter *e, const char *path)
{
	if (!path)
		return "input";
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	char *s = rc_arena_strdup(&e->ctx->arena, b);
	for (char *p = s; *p; p++)
		if (p[0] == '*' && p[1] == '/')
			p[1] = '_';
	return s;
}

static const char *
guard_name(struct emitter *e, const char *base)
{
	struct rc_strbuf sb = { 0 };
	rc_sb_puts(&sb, "RIDL_");
	for (const char *p = base ? base : ""; *p; p++) {
		char c = *p;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		rc_sb_putc(&sb, c);
	}
	rc_sb_puts(&sb, "_H_");
	const char *g = rc_arena_strdup(&e->ctx->arena, rc_sb_str(&sb));
	rc_sb_free(&sb);
	return g;
}

unsigned
rc_emit_header(struct rc_ctx *ctx, const char *guard_base, struct rc_strbuf *out)
{
	struct emitter e;
	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	struct rc_out o;
	rc_out_init(&o, out, "\t");
	struct rc_stmt *stmts = ctx->main ? ctx->main->stmts : NULL;

	for (struct rc_file *f = ctx->files; f; f = f->next)
		if (!f->is_acf)
			name_constants(&e, f->stmts, NULL, 0);
	struct scan sc;
	memset(&sc, 0, sizeof(sc));
	scan_stmts(&e, &sc, stmts, 0);

	const char *guard = guard_name(&e, guard_base);
	rc_out_line(&o, "/* Generated by ridl from %s. Do not edit. */",
		    source_name(&e, ctx->main ? ctx->main->path : NULL));
	rc_out_line(&o, "#ifndef %s", guard);
	rc_out_line(&o, "#define %s", guard);
	rc_out_nl(&o);
	rc_out_line(&o, "#include <rpc.h>");
	rc_out_line(&o, "#include <rpcndr.h>");
	if (sc.async)
		rc_out_line(&o, "#include <rpcasync.h>");
	struct rc_strbuf incs = { 0 };
	struct rc_out io;
	rc_out_init(&io, &incs, "\t");
	struct rc_map seen = { 0 };
	emit_includes(&e, &io, &seen, stmts, 0);
	rc_map_free(&seen);
	if (incs.len) {
		rc_out_nl(&o);
		rc_out_puts(&o, incs.buf);
	}
	rc_sb_free(&incs);
	rc_out_nl(&o);
	rc_out_line(&o, "#ifdef __cplusplus");
	rc_out_line(&o, "extern \"C\" {");
	rc_out_line(&o, "#endif");

	/* MIDL_user_allocate and MIDL_user_free are declared by rpcndr.h. */
	struct rc_strbuf body = { 0 };
	struct rc_out bo;
	rc_out_init(&bo, &body, "\t");
	struct joiner j = { 0 };
	struct item it;
	if (sc.guids) {
		/* The names Windows' guiddef.h uses, so either definition may come first. */
		item_begin(&it, &bo);
		rc_out_line(&it.o, "#ifndef __IID_DEFINED__");
		rc_out_line(&it.o, "#define __IID_DEFINED__");
		rc_out_line(&it.o, "typedef GUID IID;");
		rc_out_line(&it.o, "typedef GUID CLSID;");
		rc_out_line(&it.o, "#endif");
		item_end(&it, &bo, &j, IC_OTHER);
	}
	if (sc.fwd.n) {
		item_begin(&it, &bo);
		rc_out_line(&it.o, "/* Forward declarations */");
		for (size_t i = 0; i < sc.fwd.n; i++)
			rc_out_line(&it.o, "typedef struct %s %s;", (const char *)sc.fwd.items[i],
				    (const char *)sc.fwd.items[i]);
		item_end(&it, &bo, &j, IC_OTHER);
	}
	rc_vec_free(&sc.fwd);
	emit_body(&e, &bo, &j, stmts, PL_TOP);
	if (body.len) {
		rc_out_nl(&o);
		rc_out_puts(&o, body.buf);
	}
	rc_sb_free(&body);

	rc_out_nl(&o);
	rc_out_line(&o, "#ifdef __cplusplus");
	rc_out_line(&o, "}");
	rc_out_line(&o, "#endif");
	rc_out_nl(&o);
	rc_out_line(&o, "#endif /* %s */", guard);

	rc_map_free(&e.written);
	rc_map_free(&e.fwd);
	rc_map_free(&e.var_names);
	return 0;
}

/* ---------------- declarations for the stub files ---------------- */

const char *
rc_rpc_proc_head(struct rc_ctx *ctx, struct rc_type *iface, struct rc_var *proc, const char *name)
{
	struct emitter e;
	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	e.decl_only = true;
	struct rc_strbuf sb = { 0 };
	struct rc_type *f = proc->type;
	if (rc_proc_is_async(iface, proc) || !f || f->kind != TK_FUNC)
		rc_sb_puts(&sb, "void");
	else
		type_name_c(&e, &sb, f->ref);
	rc_sb_printf(&sb, "\n%s", name);
	if (f && f->kind == TK_FUNC)
		rpc_params_c(&e, &sb, iface, proc, true);
	else
		rc_sb_puts(&sb, "(void)");
	const char *s = rc_arena_strdup(&ctx->arena, rc_sb_str(&sb));
	rc_sb_free(&sb);
	rc_map_free(&e.written);
	return s;
}

const char *
rc_c_decl(struct rc_ctx *ctx, struct rc_type *t, const char *name)
{
	struct emitter e;
	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	e.decl_only = true;
	struct rc_strbuf sb = { 0 };
	struct rc_out o;
	rc_out_init(&o, &sb, NULL);
	emit_decl(&e, &o, t, name, NULL);
	const char *s = rc_arena_strdup(&ctx->arena, rc_sb_str(&sb));
	rc_sb_free(&sb);
	rc_map_free(&e.written);
	return s;
}
