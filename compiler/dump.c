/* ridl compiler: --dump=ast, --dump=types and --dump=layout.
 *
 * Both dumps are for people and golden tests: plain text, one node or declaration per line,
 * in declaration order, with line:col locations and nothing that depends on addresses or on
 * the directory the files were found in (a location in another file shows its basename).
 *
 * The AST dump shows the tree as the parser built it, before resolve: every statement, type,
 * field, parameter, attribute (with its arguments) and expression of the main file (and of the
 * ACF), indented by nesting. A typedef shows its base type once, then each declared name with
 * the declarator chain down to that base ("(base)"). References by name are never followed.
 *
 * The types dump shows the result of resolve: every named type, typedef, constant and
 * enumerator declared in the main file, one line each, with what it resolves to and the values
 * of constants and enumerators.
 *
 * The layout dump shows the result of the layout phase: for every procedure of every remote
 * interface, each parameter and the return value with its type tree, one node per line: kind,
 * NDR alignment and fixed wire size, flags, pointer kind, array kind with its correlation
 * expressions (as written, then as the program the runtime runs), union arms. A struct's or
 * union's members are shown the first time it appears in a procedure's block.
 */
#include <inttypes.h>
#include <string.h>

#include "attrs.h"
#include "frontend.h"
#include "layout.h"
#include "output.h"

#define MAX_DEPTH 1000

struct dumper {
	struct rc_ctx *ctx;
	struct rc_out *o;
	const char *file; /* path of the file being dumped: locations in it omit the name */
	const char *ns;   /* WinRT namespace (types dump) */
	unsigned depth;
};

static const char *
basename_of(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

static void
put_loc(struct dumper *d, struct rc_loc loc)
{
	if (loc.file && d->file && strcmp(loc.file, d->file) != 0)
		rc_out_printf(d->o, " %s:%u:%u", basename_of(loc.file), loc.line, loc.col);
	else
		rc_out_printf(d->o, " %u:%u", loc.line, loc.col);
}


/* ================= --dump=ast ================= */

static void ast_type(struct dumper *d, const char *label, struct rc_type *t, struct rc_type *stop);
static void ast_expr(struct dumper *d, const char *label, struct rc_expr *e);
static void ast_stmts(struct dumper *d, struct rc_stmt *s);

/* Starts a node line: indentation, an optional "label: " and the node kind. */
static void
node(struct dumper *d, const char *label, const char *kind)
{
	if (label)
		rc_out_printf(d->o, "%s: ", label);
	rc_out_puts(d->o, kind);
}

static bool
enter(struct dumper *d)
{
	if (d->depth >= MAX_DEPTH) {
		rc_out_line(d->o, "...");
		return false;
	}
	d->depth++;
	rc_out_indent(d->o);
	return true;
}

static void
leave(struct dumper *d)
{
	d->depth--;
	rc_out_dedent(d->o);
}

static void
ast_attrs(struct dumper *d, struct rc_attr *a)
{
	for (; a; a = a->next) {
		rc_out_printf(d->o, "attr %s", a->name ? a->name : "?");
		if (a->id == RC_A_UNKNOWN)
			rc_out_puts(d->o, " (unknown)");
		put_loc(d, a->loc);
		if (a->from_acf)
			rc_out_puts(d->o, " acf");
		rc_out_nl(d->o);
		if (a->nargs && enter(d)) {
			for (unsigned i = 0; i < a->nargs; i++)
				ast_expr(d, NULL, a->args[i]);
			leave(d);
		}
	}
}

static void
ast_expr(struct dumper *d, const char *label, struct rc_expr *e)
{
	if (!e) {
		node(d, label, "(none)");
		rc_out_nl(d->o);
		return;
	}
	switch (e->kind) {
	case EX_EMPTY:
		node(d, label, "empty");
		break;
	case EX_INT:
		node(d, label, "int ");
		if (e->str)
			rc_out_puts(d->o, e->str);
		else
			rc_out_printf(d->o, "%" PRIu64, e->ival);
		break;
	case EX_FLOAT:
		node(d, label, "float ");
		rc_out_puts(d->o, e->str ? e->str : "?");
		break;
	case EX_STRING:
		node(d, label, e->wide ? "wstring " : "string ");
		rc_out_printf(d->o, "%s\"%s\"", e->wide ? "L" : "", e->str ? e->str : "");
		break;
	case EX_CHAR:
		node(d, label, e->wide ? "wchar " : "char ");
		rc_out_printf(d->o, "%" PRIu64, e->ival);
		break;
	case EX_IDENT:
		node(d, label, "ident ");
		rc_out_puts(d->o, e->str ? e->str : "?");
		break;
	case EX_TRUE:
		node(d, label, "TRUE");
		break;
	case EX_FALSE:
		node(d, label, "FALSE");
		break;
	case EX_NULL:
		node(d, label, "NULL");
		break;
	case EX_UUID:
		node(d, label, "uuid ");
		rc_out_puts(d->o, e->str ? e->str : "?");
		break;
	case EX_TYPE:
		node(d, label, "type-arg");
		if (e->str)
			rc_out_printf(d->o, " %s", e->str);
		break;
	case EX_UNARY:
		node(d, label, "unary ");
		rc_out_puts(d->o, rc_op_text(e->op));
		break;
	case EX_BINARY:
		node(d, label, "binary ");
		rc_out_puts(d->o, rc_op_text(e->op));
		break;
	case EX_COND:
		node(d, label, "cond");
		break;
	case EX_CAST:
		node(d, label, "cast");
		break;
	case EX_SIZEOF:
		node(d, label, "sizeof");
		break;
	case EX_MEMBER:
		node(d, label, "member .");
		rc_out_puts(d->o, e->str ? e->str : "?");
		break;
	case EX_PMEMBER:
		node(d, label, "member ->");
		rc_out_puts(d->o, e->str ? e->str : "?");
		break;
	case EX_INDEX:
		node(d, label, "index");
		break;
	}
	put_loc(d, e->loc);
	if (e->is_unsigned || e->is_long)
		rc_out_printf(d->o, "%s%s", e->is_unsigned ? " unsigned" : "",
			      e->is_long ? " long" : "");
	rc_out_nl(d->o);
	if (!(e->a || e->b || e->c || e->type))
		return;
	if (!enter(d))
		return;
	if (e->type && e->kind != EX_IDENT)
		ast_type(d, NULL, e->type, NULL);
	if (e->a)
		ast_expr(d, NULL, e->a);
	if (e->b)
		ast_expr(d, NULL, e->b);
	if (e->c)
		ast_expr(d, NULL, e->c);
	leave(d);
}

static const char *
var_kind_name(enum rc_var_kind k)
{
	switch (k) {
	case RC_V_PARAM:
		return "param";
	case RC_V_FIELD:
		return "field";
	case RC_V_ARM:
		return "arm";
	case RC_V_TYPEDEF:
		return "typedef-name";
	case RC_V_FUNC:
		return "function";
	case RC_V_CONST:
		return "const";
	case RC_V_ENUMERATOR:
		return "enumerator";
	case RC_V_MEMBER:
		return "member";
	}
	return "var";
}

static void
ast_var(struct dumper *d, const char *kind, struct rc_var *v)
{
	if (!v) {
		rc_out_line(d->o, "%s (none)", kind);
		return;
	}
	rc_out_puts(d->o, kind ? kind : var_kind_name(v->kind));
	if (v->name)
		rc_out_printf(d->o, " %s", v->name);
	put_loc(d, v->loc);
	if (v->is_default)
		rc_out_puts(d->o, " default");
	if (v->kind == RC_V_ARM && !v->type)
		rc_out_puts(d->o, " empty");
	rc_out_nl(d->o);
	if (!enter(d))
		return;
	ast_attrs(d, v->attrs);
	for (unsigned i = 0; i < v->ncases; i++)
		ast_expr(d, "case", v->cases[i]);
	if (v->kind != RC_V_ENUMERATOR && v->type)
		ast_type(d, NULL, v->type, NULL);
	if (v->value)
		ast_expr(d, "value", v->value);
	leave(d);
}

static const char *
type_kind_name(enum rc_type_kind k)
{
	switch (k) {
	case TK_VOID:
		return "void";
	case TK_BASE:
		return "base";
	case TK_ENUM:
		return "enum";
	case TK_STRUCT:
		return "struct";
	case TK_UNION:
		return "union";
	case TK_ENCAP_UNION:
		return "union-switch";
	case TK_POINTER:
		return "pointer";
	case TK_ARRAY:
		return "array";
	case TK_FUNC:
		return "function-type";
	case TK_ALIAS:
		return "alias";
	case TK_NAMED:
		return "named";
	case TK_INTERFACE:
		return "interface";
	case TK_DISPINTERFACE:
		return "dispinterface";
	case TK_COCLASS:
		return "coclass";
	case TK_RUNTIMECLASS:
		return "runtimeclass";
	case TK_DELEGATE:
		return "delegate";
	case TK_APICONTRACT:
		return "apicontract";
	case TK_MODULE:
		return "module";
	case TK_LIBRARY:
		return "library";
	case TK_PIPE:
		return "pipe";
	case TK_GENERIC_PARAM:
		return "generic-param";
	case TK_GENERIC_INST:
		return "generic";
	case TK_BITFIELD:
		return "bitfield";
	}
	return "type";
}

static const char *
sign_prefix(enum rc_sign s)
{
	return s == RC_SIGN_UNSIGNED ? "unsigned " : s == RC_SIGN_SIGNED ? "signed " : "";
}

/* Is t the node rc_type_qualified() puts in front of a definition ("const struct {...}")? It
 * has the definition's location, which a reference by name never has. */
static bool
is_qualifier_node(const struct rc_type *t)
{
	const struct rc_type *r = t->ref;
	return t->kind == TK_NAMED && r && !t->tag_kind && r->loc.line == t->loc.line &&
	       r->loc.col == t->loc.col && r->loc.file == t->loc.file &&
	       (r->kind == TK_STRUCT || r->kind == TK_UNION || r->kind == TK_ENCAP_UNION ||
		r->kind == TK_ENUM);
}

static void
ast_type(struct dumper *d, const char *label, struct rc_type *t, struct rc_type *stop)
{
	if (!t) {
		node(d, label, "(no type)");
		rc_out_nl(d->o);
		return;
	}
	if (t == stop) {
		node(d, label, "(base)");
		rc_out_nl(d->o);
		return;
	}
	bool qualifier = is_qualifier_node(t);
	node(d, label, qualifier ? "qualified" : type_kind_name(t->kind));
	switch (t->kind) {
	case TK_BASE:
		rc_out_printf(d->o, " %s%s", sign_prefix(t->sign), rc_base_name(t->base));
		break;
	case TK_NAMED:
		if (qualifier)
			break;
		if (t->tag_kind)
			rc_out_printf(d->o, " %s", type_kind_name(t->tag_kind));
		rc_out_printf(d->o, " %s", t->qname ? t->qname : t->name ? t->name : "?");
		break;
	case TK_POINTER:
	case TK_ARRAY:
	case TK_FUNC:
	case TK_PIPE:
	case TK_BITFIELD:
	case TK_VOID:
		if (t->kind == TK_VOID && t->name)
			rc_out_printf(d->o, " %s", t->name); /* "..." */
		break;
	default:
		if (t->qname || t->name)
			rc_out_printf(d->o, " %s", t->qname ? t->qname : t->name);
		break;
	}
	put_loc(d, t->loc);
	if (t->flags & RC_TF_CONST)
		rc_out_puts(d->o, " const");
	if ((t->flags & RC_TF_DEFINED) && t->kind != TK_ALIAS)
		rc_out_puts(d->o, " defined");
	if (t->kind == TK_ARRAY && (t->flags & RC_TF_STAR))
		rc_out_puts(d->o, " [*]");
	else if (t->kind == TK_ARRAY && !t->size)
		rc_out_puts(d->o, " []");
	if (t->callconv)
		rc_out_printf(d->o, " %s", t->callconv);
	if (t->kind == TK_ENCAP_UNION && t->union_name)
		rc_out_printf(d->o, " arm-name %s", t->union_name);
	for (unsigned i = 0; i < t->ngeneric_params; i++)
		rc_out_printf(d->o, "%s%s", i ? ", " : " <",
			      t->generic_params[i] ? t->generic_params[i] : "?");
	if (t->ngeneric_params)
		rc_out_puts(d->o, ">");
	rc_out_nl(d->o);
	if (!enter(d))
		return;
	if (t->kind != TK_ALIAS)
		ast_attrs(d, t->attrs);
	switch (t->kind) {
	case TK_ENUM:
		for (unsigned i = 0; i < t->nfields; i++)
			ast_var(d, "enumerator", t->fields[i]);
		break;
	case TK_STRUCT:
	case TK_UNION:
		for (unsigned i = 0; i < t->nfields; i++)
			ast_var(d, NULL, t->fields[i]);
		break;
	case TK_ENCAP_UNION:
		ast_var(d, "discriminant", t->disc);
		for (unsigned i = 0; i < t->nfields; i++)
			ast_var(d, "arm", t->fields[i]);
		break;
	case TK_POINTER:
		if (t->size && t->size->kind == EX_TYPE)
			ast_type(d, "safearray-of", t->size->type, NULL);
		ast_type(d, NULL, t->ref, stop);
		break;
	case TK_ARRAY:
		if (t->size)
			ast_expr(d, "size", t->size);
		ast_type(d, NULL, t->ref, stop);
		break;
	case TK_BITFIELD:
		ast_expr(d, "width", t->size);
		ast_type(d, NULL, t->ref, stop);
		break;
	case TK_FUNC:
		ast_type(d, "returns", t->ref, stop);
		for (unsigned i = 0; i < t->nfields; i++)
			ast_var(d, "param", t->fields[i]);
		break;
	case TK_ALIAS:
	case TK_PIPE:
		ast_type(d, NULL, t->ref, stop);
		break;
	case TK_NAMED:
		/* The node rc_type_qualified() puts in front of a definition ("const struct {...}")
		 * carries it; a reference by name is not followed. */
		if (qualifier)
			ast_type(d, NULL, t->ref, stop);
		break;
	case TK_INTERFACE:
	case TK_DISPINTERFACE:
		if (t->ref)
			ast_type(d, t->kind == TK_INTERFACE ? "inherits" : "implements", t->ref,
				 NULL);
		for (unsigned i = 0; i < t->nrequires; i++)
			ast_type(d, "requires", t->requires[i], NULL);
		for (unsigned i = 0; i < t->nfields; i++)
			ast_var(d, "property", t->fields[i]);
		ast_stmts(d, t->body);
		break;
	case TK_COCLASS:
	case TK_RUNTIMECLASS:
		for (unsigned i = 0; i < t->nmembers; i++)
			ast_var(d, "member", t->members[i]);
		break;
	case TK_DELEGATE:
		ast_type(d, NULL, t->ref, NULL);
		break;
	case TK_MODULE:
	case TK_LIBRARY:
		ast_stmts(d, t->body);
		break;
	case TK_GENERIC_INST:
		ast_type(d, "generic", t->ref, NULL);
		for (unsigned i = 0; i < t->nmembers; i++)
			ast_type(d, "arg", t->members[i] ? t->members[i]->type : NULL, NULL);
		break;
	default:
		break;
	}
	leave(d);
}

static void
ast_stmt(struct dumper *d, struct rc_stmt *s)
{
	switch (s->kind) {
	case ST_IMPORT:
		rc_out_printf(d->o, "import \"%s\"", s->str ? s->str : "");
		put_loc(d, s->loc);
		if (!s->file)
			rc_out_puts(d->o, " (not loaded)");
		rc_out_nl(d->o);
		return;
	case ST_IMPORTLIB:
		rc_out_printf(d->o, "importlib \"%s\"", s->str ? s->str : "");
		break;
	case ST_CPP_QUOTE:
		rc_out_printf(d->o, "cpp_quote \"%s\"", s->str ? s->str : "");
		break;
	case ST_PRAGMA:
		rc_out_printf(d->o, "pragma %s", s->str ? s->str : "");
		break;
	case ST_TYPEDEF:
		rc_out_puts(d->o, "typedef");
		put_loc(d, s->loc);
		rc_out_nl(d->o);
		if (!enter(d))
			return;
		ast_attrs(d, s->attrs);
		ast_type(d, "base", s->type, NULL);
		for (unsigned i = 0; i < s->nvars; i++) {
			struct rc_var *v = s->vars[i];
			if (!v)
				continue;
			rc_out_printf(d->o, "name %s", v->name ? v->name : "?");
			put_loc(d, v->loc);
			rc_out_nl(d->o);
			if (v->type && enter(d)) {
				struct rc_type *a = v->type;
				if (a->kind == TK_ALIAS)
					ast_type(d, NULL, a->ref, s->type);
				else
					ast_type(d, NULL, a, s->type);
				leave(d);
			}
		}
		leave(d);
		return;
	case ST_TYPE:
		rc_out_puts(d->o, "type-decl");
		put_loc(d, s->loc);
		rc_out_nl(d->o);
		if (enter(d)) {
			ast_type(d, NULL, s->type, NULL);
			leave(d);
		}
		return;
	case ST_CONST:
	case ST_FUNC:
		ast_var(d, s->kind == ST_CONST ? "const" : "function", s->var);
		return;
	case ST_INTERFACE:
	case ST_DISPINTERFACE:
	case ST_COCLASS:
	case ST_MODULE:
	case ST_LIBRARY:
	case ST_RUNTIMECLASS:
	case ST_DELEGATE:
	case ST_APICONTRACT:
		ast_type(d, NULL, s->type, NULL);
		return;
	case ST_NAMESPACE:
		rc_out_printf(d->o, "namespace %s", s->str ? s->str : "?");
		put_loc(d, s->loc);
		rc_out_nl(d->o);
		if (enter(d)) {
			ast_stmts(d, s->body);
			leave(d);
		}
		return;
	case ST_DECLARE:
		rc_out_puts(d->o, "declare");
		break;
	}
	put_loc(d, s->loc);
	rc_out_nl(d->o);
}

static void
ast_stmts(struct dumper *d, struct rc_stmt *s)
{
	for (; s; s = s->next)
		ast_stmt(d, s);
}

static void
ast_file(struct dumper *d, struct rc_file *f)
{
	d->file = f->path;
	rc_out_line(d->o, "file %s", f->path ? basename_of(f->path) : "?");
	if (enter(d)) {
		ast_stmts(d, f->stmts);
		leave(d);
	}
}

void
rc_dump_ast(struct rc_ctx *ctx, struct rc_strbuf *out)
{
	struct rc_out o;
	rc_out_init(&o, out, "  ");
	struct dumper d = { .ctx = ctx, .o = &o };
	if (ctx->main)
		ast_file(&d, ctx->main);
	if (ctx->acf)
		ast_file(&d, ctx->acf);
}

/* ================= --dump=types ================= */

static void spell(struct dumper *d, struct rc_strbuf *sb, struct rc_type *t, bool deep,
		  unsigned depth);

static void
spell_expr(struct dumper *d, struct rc_strbuf *sb, struct rc_expr *e)
{
	int64_t v;
	if (!e)
		return;
	if (rc_eval_const(d->ctx, e, &v, true)) {
		rc_sb_printf(sb, "%" PRId64, v);
		return;
	}
	switch (e->kind) {
	case EX_STRING:
		rc_sb_printf(sb, "%s\"%s\"", e->wide ? "L" : "", e->str ? e->str : "");
		break;
	case EX_FLOAT:
		rc_sb_puts(sb, e->str ? e->str : "?");
		break;
	case EX_IDENT:
		rc_sb_puts(sb, e->str ? e->str : "?");
		break;
	case EX_EMPTY:
		break;
	default:
		rc_sb_puts(sb, "<expr>");
		break;
	}
}

static const char *
tag_word(enum rc_type_kind k)
{
	return k == TK_ENUM ? "enum" : k == TK_STRUCT ? "struct" : "union";
}

static void spell_named(struct dumper *d, struct rc_strbuf *sb, struct rc_type *t, const char *name,
			bool deep, unsigned depth);

static void
spell_params(struct dumper *d, struct rc_strbuf *sb, struct rc_type *f, bool deep, unsigned depth)
{
	rc_sb_putc(sb, '(');
	for (unsigned i = 0; i < f->nfields; i++) {
		struct rc_var *p = f->fields[i];
		if (i)
			rc_sb_puts(sb, ", ");
		if (!p)
			continue;
		if (p->type && p->type->kind == TK_VOID && p->type->name)
			rc_sb_puts(sb, p->type->name); /* "..." */
		else
			spell_named(d, sb, p->type, p->name, deep, depth + 1);
	}
	rc_sb_putc(sb, ')');
}

/* The specifier part: everything but pointers, arrays and functions. */
static void
spell_spec(struct dumper *d, struct rc_strbuf *sb, struct rc_type *t, bool deep, unsigned depth)
{
	if (!t) {
		rc_sb_puts(sb, "void");
		return;
	}
	if (depth > 64) {
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
		rc_sb_printf(sb, "%s%s", sign_prefix(t->sign), rc_base_name(t->base));
		break;
	case TK_STRUCT:
	case TK_UNION:
	case TK_ENCAP_UNION:
	case TK_ENUM:
		rc_sb_printf(sb, "%s %s", tag_word(t->kind),
			     t->qname  ? t->qname
			     : t->name ? t->name
				       : "<anonymous>");
		break;
	case TK_NAMED: {
		struct rc_type *r = t->ref;
		if (!r) {
			rc_sb_printf(sb, "%s%s%s (unresolved)",
				     t->tag_kind ? tag_word(t->tag_kind) : "",
				     t->tag_kind ? " " : "",
				     t->qname  ? t->qname
				     : t->name ? t->name
					       : "?");
			break;
		}
		spell_named(d, sb, r->kind == TK_ALIAS && deep ? r->ref : r, NULL, deep, depth + 1);
		break;
	}
	case TK_ALIAS:
		if (deep)
			spell_named(d, sb, t->ref, NULL, deep, depth + 1);
		else
			rc_sb_puts(sb, t->qname ? t->qname : t->name ? t->name : "?");
		break;
	case TK_BITFIELD:
		spell_named(d, sb, t->ref, NULL, deep, depth + 1);
		rc_sb_puts(sb, " : ");
		spell_expr(d, sb, t->size);
		break;
	case TK_PIPE:
		rc_sb_puts(sb, "pipe ");
		spell_named(d, sb, t->ref, NULL, deep, depth + 1);
		break;
	case TK_GENERIC_INST:
		spell_spec(d, sb, t->ref, deep, depth + 1);
		rc_sb_putc(sb, '<');
		for (unsigned i = 0; i < t->nmembers; i++) {
			if (i)
				rc_sb_puts(sb, ", ");
			spell_named(d, sb, t->members[i] ? t->members[i]->type : NULL, NULL, deep,
				    depth + 1);
		}
		rc_sb_putc(sb, '>');
		break;
	default:
		rc_sb_puts(sb, t->qname ? t->qname : t->name ? t->name : "?");
		break;
	}
}

/* The IDL spelling of a declaration of name (NULL: of the type alone) after resolve, in C's
 * declarator syntax; deep: typedef names replaced by what they name. */
static void
spell_named(struct dumper *d, struct rc_strbuf *sb, struct rc_type *t, const char *name, bool deep,
	    unsigned depth)
{
	struct rc_strbuf decl = { 0 };
	if (name)
		rc_sb_puts(&decl, name);
	for (unsigned guard = 0; t && guard < MAX_DEPTH && depth < 64; guard++) {
		if (t->kind == TK_POINTER) {
			struct rc_strbuf n = { 0 };
			bool paren =
				t->ref && (t->ref->kind == TK_ARRAY || t->ref->kind == TK_FUNC);
			bool c = t->flags & RC_TF_CONST;
			rc_sb_printf(&n, "%s*%s%s%s", paren ? "(" : "", c ? "const" : "",
				     c && decl.len ? " " : "", rc_sb_str(&decl));
			if (paren)
				rc_sb_putc(&n, ')');
			rc_sb_free(&decl);
			decl = n;
		} else if (t->kind == TK_ARRAY) {
			rc_sb_putc(&decl, '[');
			if (t->flags & RC_TF_STAR)
				rc_sb_putc(&decl, '*');
			else
				spell_expr(d, &decl, t->size);
			rc_sb_putc(&decl, ']');
		} else if (t->kind == TK_FUNC) {
			spell_params(d, &decl, t, deep, depth);
		} else {
			break;
		}
		t = t->ref;
	}
	spell_spec(d, sb, t, deep, depth);
	if (decl.len)
		rc_sb_printf(sb, " %s", decl.buf);
	rc_sb_free(&decl);
}

static void
spell(struct dumper *d, struct rc_strbuf *sb, struct rc_type *t, bool deep, unsigned depth)
{
	spell_named(d, sb, t, NULL, deep, depth);
}

static void
types_line_begin(struct dumper *d, const char *kind, const char *name, struct rc_loc loc)
{
	rc_out_printf(d->o, "%s %s", kind, name ? name : "<anonymous>");
	put_loc(d, loc);
}

static void types_inline(struct dumper *d, struct rc_type *t, unsigned depth);

static void
types_aggregate(struct dumper *d, struct rc_type *t, unsigned depth)
{
	const char *name = t->qname ? t->qname : t->name;
	types_line_begin(d, t->kind == TK_ENCAP_UNION ? "union" : tag_word(t->kind), name, t->loc);
	if (!(t->flags & RC_TF_DEFINED)) {
		rc_out_puts(d->o, " (forward declaration)");
		rc_out_nl(d->o);
		return;
	}
	switch (t->kind) {
	case TK_ENUM:
		rc_out_printf(d->o, ": %u enumerator%s", t->nfields, t->nfields == 1 ? "" : "s");
		if (rc_attr_has(t->attrs, RC_A_V1_ENUM))
			rc_out_puts(d->o, ", v1_enum");
		rc_out_nl(d->o);
		for (unsigned i = 0; i < t->nfields; i++) {
			struct rc_var *v = t->fields[i];
			types_line_begin(d, "enumerator", v->name, v->loc);
			rc_out_printf(d->o, " = %" PRId64, v->enum_value);
			rc_out_nl(d->o);
		}
		return;
	case TK_ENCAP_UNION: {
		struct rc_strbuf sb = { 0 };
		spell(d, &sb, t->disc ? t->disc->type : NULL, false, 0);
		rc_out_printf(d->o, ": switch (%s %s) %s, %u arm%s", rc_sb_str(&sb),
			      t->disc && t->disc->name ? t->disc->name : "?",
			      t->union_name ? t->union_name : "tagged_union", t->nfields,
			      t->nfields == 1 ? "" : "s");
		rc_sb_free(&sb);
		break;
	}
	default:
		rc_out_printf(d->o, ": %u %s%s", t->nfields, t->kind == TK_STRUCT ? "field" : "arm",
			      t->nfields == 1 ? "" : "s");
		break;
	}
	rc_out_nl(d->o);
	for (unsigned i = 0; i < t->nfields; i++)
		if (t->fields[i])
			types_inline(d, t->fields[i]->type, depth + 1);
	if (t->disc)
		types_inline(d, t->disc->type, depth + 1);
}

/* Aggregates defined inline inside t (in a typedef, a field, a parameter). */
static void
types_inline(struct dumper *d, struct rc_type *t, unsigned depth)
{
	for (unsigned guard = 0; t && depth < MAX_DEPTH && guard < MAX_DEPTH; guard++) {
		switch (t->kind) {
		case TK_STRUCT:
		case TK_UNION:
		case TK_ENCAP_UNION:
		case TK_ENUM:
			if (t->flags & RC_TF_DEFINED)
				types_aggregate(d, t, depth);
			return;
		case TK_NAMED:
			/* Only the qualifier node in front of an inline definition. */
			if (is_qualifier_node(t)) {
				t = t->ref;
				continue;
			}
			return;
		case TK_POINTER:
		case TK_ARRAY:
		case TK_BITFIELD:
		case TK_PIPE:
			t = t->ref;
			continue;
		case TK_FUNC:
			for (unsigned i = 0; i < t->nfields; i++)
				if (t->fields[i])
					types_inline(d, t->fields[i]->type, depth + 1);
			t = t->ref;
			continue;
		default:
			return;
		}
	}
}

static void
types_typedef(struct dumper *d, struct rc_stmt *s)
{
	types_inline(d, s->type, 0);
	for (unsigned i = 0; i < s->nvars; i++) {
		struct rc_var *v = s->vars[i];
		if (!v || !v->type)
			continue;
		struct rc_type *a = v->type;
		types_line_begin(d, "typedef", a->qname ? a->qname : v->name, v->loc);
		struct rc_strbuf sb = { 0 }, deep = { 0 };
		struct rc_type *target = a->kind == TK_ALIAS ? a->ref : a;
		spell(d, &sb, target, false, 0);
		spell(d, &deep, target, true, 0);
		rc_out_printf(d->o, " = %s", rc_sb_str(&sb));
		if (strcmp(rc_sb_str(&sb), rc_sb_str(&deep)) != 0)
			rc_out_printf(d->o, " => %s", rc_sb_str(&deep));
		rc_out_nl(d->o);
		rc_sb_free(&sb);
		rc_sb_free(&deep);
	}
}

static void
types_const(struct dumper *d, struct rc_var *v)
{
	const char *name = v->name;
	if (d->ns && name)
		name = rc_arena_printf(&d->ctx->arena, "%s.%s", d->ns, name);
	types_line_begin(d, "const", name, v->loc);
	struct rc_strbuf sb = { 0 };
	spell(d, &sb, v->type, false, 0);
	rc_out_printf(d->o, ": %s", rc_sb_str(&sb));
	rc_sb_reset(&sb);
	if (v->value) {
		spell_expr(d, &sb, v->value);
		rc_out_printf(d->o, " = %s", rc_sb_str(&sb));
	} else {
		rc_out_puts(d->o, " (extern)");
	}
	rc_sb_free(&sb);
	rc_out_nl(d->o);
	types_inline(d, v->type, 0);
}

static void types_stmts(struct dumper *d, struct rc_stmt *s, unsigned depth);

static void
types_container(struct dumper *d, struct rc_type *t, unsigned depth)
{
	const char *kind = type_kind_name(t->kind);
	const char *name = t->qname ? t->qname : t->name;
	if (t->ngeneric_params) {
		struct rc_strbuf sb = { 0 };
		rc_sb_puts(&sb, name ? name : "?");
		for (unsigned i = 0; i < t->ngeneric_params; i++)
			rc_sb_printf(&sb, "%s%s", i ? ", " : "<",
				     t->generic_params[i] ? t->generic_params[i] : "?");
		rc_sb_putc(&sb, '>');
		name = rc_arena_strdup(&d->ctx->arena, rc_sb_str(&sb));
		rc_sb_free(&sb);
	}
	types_line_begin(d, kind, name, t->loc);
	if (!(t->flags & RC_TF_DEFINED)) {
		rc_out_puts(d->o, " (forward declaration)");
	} else if (t->kind == TK_INTERFACE) {
		bool object = rc_attr_has(t->attrs, RC_A_OBJECT) ||
			      rc_attr_has(t->attrs, RC_A_ODL) || t->ref;
		rc_out_puts(d->o, object ? ": object" : ": rpc");
		struct rc_attr *ver = rc_attr_find(t->attrs, RC_A_VERSION);
		if (ver && ver->nargs && ver->args[0] &&
		    (ver->args[0]->kind == EX_FLOAT || ver->args[0]->kind == EX_INT) &&
		    ver->args[0]->str)
			rc_out_printf(d->o, ", version %s", ver->args[0]->str);
		if (t->ref) {
			struct rc_strbuf sb = { 0 };
			spell(d, &sb, t->ref, false, 0);
			rc_out_printf(d->o, ", inherits %s", rc_sb_str(&sb));
			rc_sb_free(&sb);
		}
		if (rc_attr_has(t->attrs, RC_A_ASYNC))
			rc_out_puts(d->o, ", async");
	}
	rc_out_nl(d->o);
	if (t->kind == TK_DELEGATE)
		types_inline(d, t->ref, depth + 1);
	types_stmts(d, t->body, depth + 1);
}

static void
types_stmts(struct dumper *d, struct rc_stmt *s, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return;
	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_TYPEDEF:
			types_typedef(d, s);
			break;
		case ST_TYPE: {
			struct rc_type *t = s->type;
			if (t && t->kind == TK_NAMED && t->tag_kind) {
				struct rc_type *r = rc_type_deref_named(t);
				types_line_begin(d, tag_word(t->tag_kind),
						 t->qname ? t->qname : t->name, t->loc);
				rc_out_puts(d->o, " (forward declaration)");
				if (r && r != t && (r->flags & RC_TF_DEFINED))
					rc_out_printf(d->o, ", defined at %u:%u", r->loc.line,
						      r->loc.col);
				rc_out_nl(d->o);
			} else {
				types_inline(d, t, depth);
			}
			break;
		}
		case ST_CONST:
			if (s->var)
				types_const(d, s->var);
			break;
		case ST_FUNC:
			if (s->var && s->var->type)
				types_inline(d, s->var->type, depth);
			break;
		case ST_INTERFACE:
		case ST_DISPINTERFACE:
		case ST_COCLASS:
		case ST_MODULE:
		case ST_LIBRARY:
		case ST_RUNTIMECLASS:
		case ST_DELEGATE:
		case ST_APICONTRACT:
			if (s->type)
				types_container(d, s->type, depth);
			break;
		case ST_NAMESPACE: {
			const char *saved = d->ns;
			d->ns = s->str;
			types_stmts(d, s->body, depth + 1);
			d->ns = saved;
			break;
		}
		default:
			break;
		}
	}
}

void
rc_dump_types(struct rc_ctx *ctx, struct rc_strbuf *out)
{
	struct rc_out o;
	rc_out_init(&o, out, "  ");
	struct dumper d = { .ctx = ctx, .o = &o };
	if (!ctx->main)
		return;
	d.file = ctx->main->path;
	types_stmts(&d, ctx->main->stmts, 0);
}

/* ================= --dump=layout ================= */

struct ldumper {
	struct rc_out *o;
	struct rc_map shown; /* shared nodes whose members were shown in this block */
	unsigned depth;
};

static void layout_type(struct ldumper *d, const char *label, const struct rl_type *t);

static void
layout_flags(struct ldumper *d, const struct rl_type *t)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ RIDL_TF_HAS_POINTERS, "has-pointers" },
		{ RIDL_TF_CONFORMANT, "conformant" },
		{ RIDL_TF_VARYING, "varying" },
		{ RIDL_TF_STRING, "string" },
		{ RIDL_TF_ENCAPSULATED, "encapsulated" },
		{ RIDL_TF_RANGE, "range" },
		{ RIDL_TF_MAX_IS, "max-is" },
		{ RIDL_TF_LAST_IS, "last-is" },
		{ RIDL_TF_COMPLEX, "complex" },
	};
	const char *sep = " flags ";
	for (size_t i = 0; i < RC_ARRAY_SIZE(names); i++) {
		if (t->flags & names[i].bit) {
			rc_out_printf(d->o, "%s%s", sep, names[i].name);
			sep = "|";
		}
	}
	if (t->blittable)
		rc_out_puts(d->o, " blittable");
	if (t->flags & RIDL_TF_RANGE)
		rc_out_printf(d->o, " bounds %" PRId64 "..%" PRId64, t->range_lo, t->range_hi);
}

static const char *
op_name(enum ridl_corr_opcode op)
{
	static const char *const names[RIDL_C_COUNT] = {
		[RIDL_C_END] = "end",     [RIDL_C_CONST] = "const",
		[RIDL_C_PARAM] = "param", [RIDL_C_PARAM_DEREF] = "param*",
		[RIDL_C_FIELD] = "field", [RIDL_C_FIELD_DEREF] = "field*",
		[RIDL_C_NEG] = "neg",     [RIDL_C_NOT] = "not",
		[RIDL_C_LNOT] = "lnot",   [RIDL_C_ADD] = "add",
		[RIDL_C_SUB] = "sub",     [RIDL_C_MUL] = "mul",
		[RIDL_C_DIV] = "div",     [RIDL_C_MOD] = "mod",
		[RIDL_C_SHL] = "shl",     [RIDL_C_SHR] = "shr",
		[RIDL_C_AND] = "and",     [RIDL_C_OR] = "or",
		[RIDL_C_XOR] = "xor",     [RIDL_C_LT] = "lt",
		[RIDL_C_GT] = "gt",       [RIDL_C_LE] = "le",
		[RIDL_C_GE] = "ge",       [RIDL_C_EQ] = "eq",
		[RIDL_C_NE] = "ne",       [RIDL_C_LAND] = "land",
		[RIDL_C_LOR] = "lor",     [RIDL_C_COND] = "cond",
	};
	return (unsigned)op < RIDL_C_COUNT && names[op] ? names[op] : "?";
}

static void
layout_corr(struct ldumper *d, const struct rl_corr *c)
{
	if (!c)
		return;
	rc_out_printf(d->o, "%s(%s):", c->attr, c->text);
	for (unsigned i = 0; i < c->nops; i++) {
		const struct rl_op *op = &c->ops[i];
		rc_out_printf(d->o, "%s %s", i ? "," : "", op_name(op->op));
		switch (op->op) {
		case RIDL_C_CONST:
			rc_out_printf(d->o, " %" PRId64, op->arg);
			break;
		case RIDL_C_PARAM:
		case RIDL_C_PARAM_DEREF:
			rc_out_printf(d->o, " %" PRId64 " (%s) %s", op->arg,
				      op->name ? op->name : "?", rl_kind_name(op->load));
			break;
		case RIDL_C_FIELD:
		case RIDL_C_FIELD_DEREF:
			rc_out_printf(d->o, " %s (%s) %s", op->field_c ? op->field_c : "?",
				      op->name ? op->name : "?", rl_kind_name(op->load));
			break;
		default:
			break;
		}
	}
	rc_out_nl(d->o);
}

static const char *
array_kind(const struct rl_type *t)
{
	bool conf = t->flags & RIDL_TF_CONFORMANT, var = t->flags & RIDL_TF_VARYING;
	return conf && var ? "conformant-varying" : conf ? "conformant" : var ? "varying" : "fixed";
}

static const char *
ptr_kind_name(enum ridl_ptr_kind k)
{
	return k == RIDL_PTR_REF      ? "ref"
	       : k == RIDL_PTR_UNIQUE ? "unique"
	       : k == RIDL_PTR_FULL   ? "ptr"
				      : "?";
}

static void
layout_arm(struct ldumper *d, const char *label, const char *name, const struct rl_type *t)
{
	struct rc_strbuf sb = { 0 };
	rc_sb_puts(&sb, label);
	if (name)
		rc_sb_printf(&sb, " %s", name);
	if (t)
		layout_type(d, rc_sb_str(&sb), t);
	else
		rc_out_line(d->o, "%s: empty", rc_sb_str(&sb));
	rc_sb_free(&sb);
}

static void
layout_type(struct ldumper *d, const char *label, const struct rl_type *t)
{
	if (label)
		rc_out_printf(d->o, "%s: ", label);
	if (!t) {
		rc_out_line(d->o, "(not laid out)");
		return;
	}
	if (d->depth > MAX_DEPTH) {
		rc_out_line(d->o, "...");
		return;
	}
	rc_out_puts(d->o, rl_kind_name(t->kind));
	switch (t->kind) {
	case RIDL_K_POINTER:
		rc_out_printf(d->o, " %s %s", ptr_kind_name(t->ptr_kind),
			      t->embedded ? "embedded" : "top-level");
		break;
	case RIDL_K_ARRAY:
		rc_out_printf(d->o, " %s", array_kind(t));
		if (!(t->flags & RIDL_TF_CONFORMANT))
			rc_out_printf(d->o, " [%u]", t->count);
		break;
	case RIDL_K_UNION:
		if (t->name)
			rc_out_printf(d->o, " %s", t->name);
		rc_out_printf(d->o, " disc %s", rl_kind_name(t->disc_kind));
		if (t->flags & RIDL_TF_ENCAPSULATED)
			rc_out_printf(d->o, " %s, arms in %s", t->disc_name ? t->disc_name : "?",
				      t->arm_member ? t->arm_member : "(none)");
		rc_out_printf(d->o, " arm-align %u", t->arm_align);
		break;
	default:
		if (t->name)
			rc_out_printf(d->o, " %s", t->name);
		break;
	}
	rc_out_printf(d->o, " align %u size %u", t->wire_align, t->wire_size);
	layout_flags(d, t);
	bool expand = true;
	if (t->shared && (t->kind == RIDL_K_STRUCT || t->kind == RIDL_K_UNION)) {
		if (rc_map_get(&d->shown, (const char *)t)) {
			rc_out_puts(d->o, " (members above)");
			expand = false;
		} else {
			rc_map_put(&d->shown, (const char *)t, (void *)t);
		}
	}
	if (t->kind == RIDL_K_UNION && !t->shared && t->arms) {
		/* A per-place union shares its arms with the union's other places. */
		const void *key = t->arms;
		if (rc_map_get(&d->shown, (const char *)key)) {
			rc_out_puts(d->o, " (arms above)");
			expand = false;
		} else {
			rc_map_put(&d->shown, (const char *)key, (void *)key);
		}
	}
	rc_out_nl(d->o);
	d->depth++;
	rc_out_indent(d->o);
	switch (t->kind) {
	case RIDL_K_POINTER:
		layout_type(d, "to", t->to);
		break;
	case RIDL_K_ARRAY:
		layout_corr(d, t->size);
		layout_corr(d, t->first);
		layout_corr(d, t->length);
		layout_type(d, "elem", t->elem);
		break;
	case RIDL_K_STRUCT:
		for (unsigned i = 0; expand && i < t->nmembers; i++) {
			const struct rl_member *m = &t->members[i];
			struct rc_strbuf sb = { 0 };
			rc_sb_puts(&sb, m->name ? m->name : "?");
			if (m->fixed_offset)
				rc_sb_printf(&sb, " @%u", m->wire_offset);
			layout_type(d, rc_sb_str(&sb), m->type);
			rc_sb_free(&sb);
		}
		break;
	case RIDL_K_UNION:
		layout_corr(d, t->is);
		for (unsigned i = 0; expand && t->arms && i < t->arms->n; i++) {
			const struct rl_arm *a = &t->arms->v[i];
			struct rc_strbuf sb = { 0 };
			rc_sb_printf(&sb, "case %" PRId64, a->value);
			layout_arm(d, rc_sb_str(&sb), a->name, a->type);
			rc_sb_free(&sb);
		}
		if (expand && t->arms && t->arms->has_default)
			layout_arm(d, "default", t->arms->default_name, t->arms->default_type);
		break;
	default:
		break;
	}
	rc_out_dedent(d->o);
	d->depth--;
}

static void
layout_proc(struct ldumper *d, const struct rl_proc *p)
{
	rc_out_printf(d->o, "proc %u %s", p->opnum, p->name ? p->name : "?");
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ RIDL_PROC_ASYNC, "async" },          { RIDL_PROC_IMPLICIT, "implicit-handle" },
		{ RIDL_PROC_RET_COMM, "comm_status" }, { RIDL_PROC_RET_FAULT, "fault_status" },
		{ RIDL_PROC_MAYBE, "maybe" },          { RIDL_PROC_IDEMPOTENT, "idempotent" },
	};
	for (size_t i = 0; i < RC_ARRAY_SIZE(names); i++)
		if (p->flags & names[i].bit)
			rc_out_printf(d->o, " %s", names[i].name);
	rc_out_nl(d->o);
	rc_out_indent(d->o);
	rc_map_free(&d->shown);
	memset(&d->shown, 0, sizeof(d->shown));
	for (unsigned i = 0; i < p->nparams; i++) {
		const struct rl_param *pa = &p->params[i];
		struct rc_strbuf sb = { 0 };
		bool in = pa->flags & RIDL_PF_IN, out = pa->flags & RIDL_PF_OUT;
		rc_sb_printf(&sb, "param %u %s [%s%s%s", i, pa->name ? pa->name : "?",
			     in ? "in" : "", in && out ? ", " : "", out ? "out" : "");
		if (pa->flags & RIDL_PF_BINDING)
			rc_sb_puts(&sb, ", binding");
		if (pa->flags & RIDL_PF_COMM_STATUS)
			rc_sb_puts(&sb, ", comm_status");
		if (pa->flags & RIDL_PF_FAULT_STATUS)
			rc_sb_puts(&sb, ", fault_status");
		rc_sb_putc(&sb, ']');
		rc_out_line(d->o, "%s", rc_sb_str(&sb));
		rc_sb_free(&sb);
		rc_out_indent(d->o);
		layout_type(d, NULL, pa->type);
		rc_out_dedent(d->o);
	}
	if (p->ret) {
		rc_out_line(d->o, "return");
		rc_out_indent(d->o);
		layout_type(d, NULL, p->ret);
		rc_out_dedent(d->o);
	} else {
		rc_out_line(d->o, "return void");
	}
	rc_out_dedent(d->o);
}

void
rc_dump_layout(struct rc_ctx *ctx, const struct rl_layout *l, struct rc_strbuf *out)
{
	(void)ctx;
	struct rc_out o;
	rc_out_init(&o, out, "  ");
	struct ldumper d = { .o = &o };
	for (unsigned i = 0; l && i < l->nifaces; i++) {
		const struct rl_iface *ri = &l->ifaces[i];
		if (i)
			rc_out_nl(&o);
		rc_out_printf(&o, "interface %s", ri->name ? ri->name : "?");
		if (ri->has_uuid) {
			const uint8_t *u = ri->uuid;
			rc_out_printf(&o,
				      " uuid %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				      "%02x%02x%02x%02x%02x%02x",
				      u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
				      u[10], u[11], u[12], u[13], u[14], u[15]);
		}
		rc_out_printf(&o, " version %u.%u", ri->ver_major, ri->ver_minor);
		if (ri->implicit_handle)
			rc_out_printf(&o, " implicit_handle %s", ri->implicit_handle);
		rc_out_printf(&o, ", %u procedure%s", ri->nprocs, ri->nprocs == 1 ? "" : "s");
		rc_out_nl(&o);
		for (unsigned k = 0; k < ri->nprocs; k++)
			layout_proc(&d, &ri->procs[k]);
	}
	rc_map_free(&d.shown);
}
