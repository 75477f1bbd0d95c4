/* ridl compiler: name resolution.
 *
 * Pass 1 registers every declaration of every file (main, imports) in the symbol tables:
 * typedef names, interfaces and other named types, struct/union/enum tags, constants and
 * enumerators. Pass 2 walks every type and expression and links each reference by name to its
 * declaration (TK_NAMED.ref, EX_IDENT.ref_var), computes enumerator values and reports unknown
 * names. MIDL names are global; WinRT namespaces qualify them, and a name used inside a
 * namespace is looked up from the innermost namespace outwards.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "frontend.h"

struct scope {
	struct scope *up;
	struct rc_var **vars; /* parameters or sibling fields, for correlation expressions */
	unsigned nvars;
	const char **gparams; /* WinRT generic parameters */
	unsigned ngparams;
};

struct resolver {
	struct rc_ctx *ctx;
	unsigned errors;
	const char *ns;       /* current namespace (interned) or NULL */
	struct scope *scope;
	unsigned depth;
	struct rc_map gparam_types; /* generic parameter name -> shared TK_GENERIC_PARAM node */
};

#define MAX_DEPTH 400

static void resolve_type(struct resolver *r, struct rc_type *t);
static void resolve_expr(struct resolver *r, struct rc_expr *e, bool values_only);
static void resolve_expr_quiet(struct resolver *r, struct rc_expr *e);
static void resolve_stmts(struct resolver *r, struct rc_stmt *s);

static void
err(struct resolver *r)
{
	r->errors++;
}

/* ---------------- pass 1: registration ---------------- */

static bool
same_spelling(struct rc_ctx *ctx, struct rc_type *a, struct rc_type *b)
{
	return strcmp(rc_type_spelling(ctx, a), rc_type_spelling(ctx, b)) == 0;
}

static void
register_type_name(struct resolver *r, struct rc_type *t)
{
	struct rc_ctx *ctx = r->ctx;
	const char *key = t->qname ? t->qname : t->name;
	if (!key)
		return;
	struct rc_type *old = rc_map_get(&ctx->types, key);
	if (!old) {
		rc_map_put(&ctx->types, key, t);
		return;
	}
	if (old == t)
		return;
	/* A definition replaces a forward declaration of the same kind. */
	if (old->kind == t->kind && old->kind != TK_ALIAS) {
		if (!(t->flags & RC_TF_DEFINED))
			return;
		if (!(old->flags & RC_TF_DEFINED)) {
			rc_map_put(&ctx->types, key, t);
			return;
		}
	}
	/* typedef repeated with the same meaning (common across Windows IDL files). */
	if (old->kind == TK_ALIAS && t->kind == TK_ALIAS && same_spelling(ctx, old->ref, t->ref))
		return;
	/* Imported files sometimes carry C-only alternatives of a typedef (inside
	 * cpp_quote("#if 0")); across files the first definition wins, with a warning when the
	 * file being compiled is involved. Within one file it is an error. */
	if (old->kind == TK_ALIAS && t->kind == TK_ALIAS && old->file != t->file) {
		if (!(t->flags & RC_TF_IMPORTED) || !(old->flags & RC_TF_IMPORTED)) {
			rc_warning(ctx->diag, RC_W_REDECLARED, t->loc, "'%s' redefined with a different type; the first definition is used", key);
			rc_note(ctx->diag, old->loc, "first definition of '%s' is here", key);
		}
		return;
	}
	rc_error(ctx->diag, RC_E_REDEFINED, t->loc, "'%s' redefined", key);
	rc_note(ctx->diag, old->loc, "previous definition of '%s' is here", key);
	err(r);
}

static void register_value(struct resolver *r, struct rc_var *v, const char *qname);

static const char *
qualified(struct resolver *r, const char *name)
{
	if (!r->ns || !name)
		return name;
	return rc_intern(&r->ctx->strings, rc_arena_printf(&r->ctx->arena, "%s.%s", r->ns, name));
}

/* Registers tags and enumerators of aggregates defined inline anywhere inside t. */
static void
register_inline_defs(struct resolver *r, struct rc_type *t, unsigned depth)
{
	if (!t || depth > MAX_DEPTH)
		return;
	switch (t->kind) {
	case TK_STRUCT: case TK_UNION: case TK_ENCAP_UNION: case TK_ENUM:
		if (!(t->flags & RC_TF_DEFINED))
			return;
		if (t->flags & RC_TF_VISITING)
			return;
		t->flags |= RC_TF_VISITING;
		if (t->name) {
			const char *key = t->qname ? t->qname : t->name;
			struct rc_type *old = rc_map_get(&r->ctx->tags, key);
			if (old && old != t && (old->flags & RC_TF_DEFINED) && old->kind == t->kind) {
				/* Same tag defined twice: fine when identical (re-imported fragments). */
				if (old->nfields != t->nfields) {
					rc_error(r->ctx->diag, RC_E_REDEFINED, t->loc, "'%s %s' redefined",
					         t->kind == TK_ENUM ? "enum" : t->kind == TK_STRUCT ? "struct" : "union", key);
					rc_note(r->ctx->diag, old->loc, "previous definition is here");
					err(r);
				}
			} else if (!old || !(old->flags & RC_TF_DEFINED)) {
				rc_map_put(&r->ctx->tags, key, t);
			}
		}
		if (t->kind == TK_ENUM) {
			/* WinRT enumerators are scoped by their enum (Windows.Foo.Color.Red); MIDL ones
			 * are global. */
			for (unsigned i = 0; i < t->nfields; i++) {
				const char *n = t->fields[i]->name;
				if (r->ns && t->qname)
					n = rc_intern(&r->ctx->strings, rc_arena_printf(&r->ctx->arena, "%s.%s", t->qname, n));
				register_value(r, t->fields[i], n);
			}
		} else {
			for (unsigned i = 0; i < t->nfields; i++)
				register_inline_defs(r, t->fields[i]->type, depth + 1);
			if (t->disc)
				register_inline_defs(r, t->disc->type, depth + 1);
		}
		t->flags &= ~RC_TF_VISITING;
		break;
	case TK_POINTER: case TK_ARRAY: case TK_ALIAS: case TK_BITFIELD: case TK_PIPE:
		register_inline_defs(r, t->ref, depth + 1);
		break;
	case TK_FUNC:
		register_inline_defs(r, t->ref, depth + 1);
		for (unsigned i = 0; i < t->nfields; i++)
			register_inline_defs(r, t->fields[i]->type, depth + 1);
		break;
	default:
		break;
	}
}

static void
register_value(struct resolver *r, struct rc_var *v, const char *qname)
{
	if (!qname)
		return;
	struct rc_var *old = rc_map_get(&r->ctx->values, qname);
	if (old && old != v) {
		/* A constant repeated with the same value text is a harmless redeclaration. */
		if (old->kind == RC_V_CONST && v->kind == RC_V_CONST && (!old->value || !v->value))
			return;
		if (old->kind == v->kind && old->value && v->value && old->value->kind == EX_INT &&
		    v->value->kind == EX_INT && old->value->ival == v->value->ival)
			return;
		rc_error(r->ctx->diag, RC_E_REDEFINED, v->loc, "'%s' redefined", v->name);
		rc_note(r->ctx->diag, old->loc, "previous definition of '%s' is here", v->name);
		err(r);
		return;
	}
	rc_map_put(&r->ctx->values, qname, v);
}

static void
register_stmts(struct resolver *r, struct rc_stmt *s, bool imported)
{
	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_TYPEDEF:
			for (unsigned i = 0; i < s->nvars; i++) {
				struct rc_type *a = s->vars[i]->type;
				if (!a || !a->name)
					continue;
				if (imported)
					a->flags |= RC_TF_IMPORTED;
				register_type_name(r, a);
				register_inline_defs(r, a->ref, 0);
			}
			break;
		case ST_TYPE:
			if (imported)
				s->type->flags |= RC_TF_IMPORTED;
			register_inline_defs(r, s->type, 0);
			break;
		case ST_CONST:
			register_value(r, s->var, qualified(r, s->var->name));
			register_inline_defs(r, s->var->type, 0);
			break;
		case ST_FUNC:
			register_inline_defs(r, s->var->type, 0);
			break;
		case ST_INTERFACE: case ST_DISPINTERFACE: case ST_COCLASS: case ST_RUNTIMECLASS:
		case ST_DELEGATE: case ST_APICONTRACT: case ST_MODULE: case ST_LIBRARY:
			if (imported)
				s->type->flags |= RC_TF_IMPORTED;
			if (s->kind != ST_MODULE && s->kind != ST_LIBRARY)
				register_type_name(r, s->type);
			if (s->kind == ST_DELEGATE)
				register_inline_defs(r, s->type->ref, 0);
			register_stmts(r, s->type->body, imported);
			break;
		case ST_NAMESPACE: {
			const char *saved = r->ns;
			r->ns = s->str;
			register_stmts(r, s->body, imported);
			r->ns = saved;
			break;
		}
		default:
			break;
		}
	}
}

/* ---------------- lookups ---------------- */

/* Looks name up in map from the current namespace outwards. */
static void *
lookup_ns(struct resolver *r, struct rc_map *map, const char *name)
{
	void *v = rc_map_get(map, name);
	if (v || !r->ns)
		return v;
	struct rc_strbuf sb = {0};
	rc_sb_puts(&sb, r->ns);
	for (;;) {
		size_t keep = sb.len;
		rc_sb_putc(&sb, '.');
		rc_sb_puts(&sb, name);
		const char *k = rc_intern_n(&r->ctx->strings, sb.buf, sb.len);
		v = rc_map_get(map, k);
		if (v)
			break;
		sb.len = keep;
		char *dot = memrchr(sb.buf, '.', sb.len);
		if (!dot)
			break;
		sb.len = (size_t)(dot - sb.buf);
		sb.buf[sb.len] = '\0';
	}
	rc_sb_free(&sb);
	return v;
}

static struct rc_type *
generic_param(struct resolver *r, const char *name)
{
	for (struct scope *s = r->scope; s; s = s->up)
		for (unsigned i = 0; i < s->ngparams; i++)
			if (s->gparams[i] == name) {
				struct rc_type *t = rc_map_get(&r->gparam_types, name);
				if (!t) {
					t = rc_type_new(r->ctx, TK_GENERIC_PARAM, (struct rc_loc){0});
					t->name = t->qname = t->c_name = name;
					t->flags |= RC_TF_RESOLVED;
					rc_map_put(&r->gparam_types, name, t);
				}
				return t;
			}
	return NULL;
}

static struct rc_var *
lookup_local(struct resolver *r, const char *name)
{
	for (struct scope *s = r->scope; s; s = s->up)
		for (unsigned i = 0; i < s->nvars; i++)
			if (s->vars[i]->name == name)
				return s->vars[i];
	return NULL;
}

/* ---------------- pass 2: resolution ---------------- */

static void
resolve_named(struct resolver *r, struct rc_type *t)
{
	if (t->ref)
		return;
	struct rc_ctx *ctx = r->ctx;
	if (t->tag_kind) {
		struct rc_type *d = lookup_ns(r, &ctx->tags, t->name);
		if (!d) {
			/* A tag never defined: an incomplete type, fine behind a pointer. One shared
			 * node per tag so every use agrees. */
			d = rc_type_new(ctx, t->tag_kind, t->loc);
			d->name = t->name;
			d->qname = qualified(r, t->name);
			d->flags |= RC_TF_RESOLVED;
			rc_map_put(&ctx->tags, d->qname, d);
		}
		t->ref = d;
		return;
	}
	struct rc_type *gp = (t->flags & RC_TF_QUALIFIED) ? NULL : generic_param(r, t->name);
	if (gp) {
		t->ref = gp;
		return;
	}
	struct rc_type *d = lookup_ns(r, &ctx->types, t->qname);
	if (!d && (t->flags & RC_TF_QUALIFIED))
		d = lookup_ns(r, &ctx->types, t->name);
	if (!d) {
		/* A tag used without 'struct' is a common C habit; MIDL accepts it for enums too.
		 * WinRT structs have no typedef and are named by their tag, qualified or not. */
		d = lookup_ns(r, &ctx->tags, t->qname);
		if (!d && (t->flags & RC_TF_QUALIFIED))
			d = lookup_ns(r, &ctx->tags, t->name);
	}
	if (!d) {
		if (rc_map_get(&ctx->values, t->qname))
			rc_error(ctx->diag, RC_E_NOT_TYPE, t->loc, "'%s' is not a type", t->qname);
		else
			rc_error(ctx->diag, RC_E_UNKNOWN_TYPE, t->loc, "unknown type name '%s'", t->qname);
		err(r);
		/* Keep going with an opaque type so one typo gives one error. */
		d = rc_type_new(ctx, TK_STRUCT, t->loc);
		d->name = d->qname = t->qname;
		d->flags |= RC_TF_RESOLVED;
		rc_map_put(&ctx->types, t->qname, d);
	}
	t->ref = d;
}

static void
push_scope(struct resolver *r, struct scope *s, struct rc_var **vars, unsigned n)
{
	memset(s, 0, sizeof(*s));
	s->vars = vars;
	s->nvars = n;
	s->up = r->scope;
	r->scope = s;
}

static void
pop_scope(struct resolver *r, struct scope *s)
{
	r->scope = s->up;
}

/* Resolves the argument expressions of the attributes that name things. */
static void
resolve_attrs(struct resolver *r, struct rc_attr *a)
{
	for (; a; a = a->next) {
		switch (a->id) {
		case RC_A_SIZE_IS: case RC_A_LENGTH_IS: case RC_A_MAX_IS: case RC_A_MIN_IS:
		case RC_A_FIRST_IS: case RC_A_LAST_IS: case RC_A_SWITCH_IS: case RC_A_IID_IS:
			/* Correlation names are checked by the check phase, and only where stubs are
			 * generated: COM headers often size arrays by C macros the IDL never sees. */
			for (unsigned i = 0; i < a->nargs; i++)
				resolve_expr_quiet(r, a->args[i]);
			break;
		case RC_A_RANGE: case RC_A_CASE:
			for (unsigned i = 0; i < a->nargs; i++)
				resolve_expr(r, a->args[i], true);
			break;
		case RC_A_SWITCH_TYPE: case RC_A_TRANSMIT_AS: case RC_A_WIRE_MARSHAL:
		case RC_A_USER_MARSHAL:
			for (unsigned i = 0; i < a->nargs; i++) {
				struct rc_expr *e = a->args[i];
				if (e->kind == EX_IDENT) {
					/* A type written as a name: switch_type(MYENUM). */
					e->kind = EX_TYPE;
					e->type = rc_type_named(r->ctx, 0, e->str, e->loc);
				}
				if (e->kind == EX_TYPE)
					resolve_type(r, e->type);
			}
			break;
		default:
			break;
		}
	}
}

static void
resolve_vars(struct resolver *r, struct rc_var **vars, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		resolve_type(r, vars[i]->type);
		resolve_attrs(r, vars[i]->attrs);
		for (unsigned j = 0; j < vars[i]->ncases; j++)
			resolve_expr(r, vars[i]->cases[j], true);
	}
}

static void
compute_enum(struct resolver *r, struct rc_type *t)
{
	int64_t next = 0;
	for (unsigned i = 0; i < t->nfields; i++) {
		struct rc_var *v = t->fields[i];
		if (v->value) {
			resolve_expr(r, v->value, true);
			int64_t val;
			if (rc_eval_const(r->ctx, v->value, &val, false))
				next = val;
			else
				err(r);
		}
		v->enum_value = next;
		next = (int64_t)((uint64_t)next + 1);
	}
}

static void
resolve_type(struct resolver *r, struct rc_type *t)
{
	if (!t || (t->flags & RC_TF_RESOLVED))
		return;
	if (++r->depth > MAX_DEPTH) {
		rc_error(r->ctx->diag, RC_E_NESTING, t->loc, "types nested too deeply");
		err(r);
		r->depth--;
		return;
	}
	/* Named definitions may be reached again through themselves (struct s { struct s *next; }). */
	t->flags |= RC_TF_RESOLVED;
	struct scope sc;
	switch (t->kind) {
	case TK_NAMED:
		t->flags &= ~RC_TF_RESOLVED; /* a shared node may be reached from several scopes */
		resolve_named(r, t);
		t->flags |= RC_TF_RESOLVED;
		break;
	case TK_POINTER:
		resolve_type(r, t->ref);
		if (t->size && t->size->kind == EX_TYPE) /* SAFEARRAY element */
			resolve_type(r, t->size->type);
		break;
	case TK_ALIAS: case TK_PIPE:
		resolve_type(r, t->ref);
		break;
	case TK_ARRAY: case TK_BITFIELD:
		resolve_type(r, t->ref);
		if (t->size)
			resolve_expr(r, t->size, true);
		break;
	case TK_FUNC:
		resolve_type(r, t->ref);
		push_scope(r, &sc, t->fields, t->nfields);
		resolve_vars(r, t->fields, t->nfields);
		pop_scope(r, &sc);
		break;
	case TK_STRUCT: case TK_UNION:
		push_scope(r, &sc, t->fields, t->nfields);
		resolve_vars(r, t->fields, t->nfields);
		pop_scope(r, &sc);
		break;
	case TK_ENCAP_UNION: {
		struct rc_var *one[1] = {t->disc};
		push_scope(r, &sc, one, 1);
		resolve_type(r, t->disc->type);
		resolve_vars(r, t->fields, t->nfields);
		pop_scope(r, &sc);
		break;
	}
	case TK_ENUM:
		/* Enumerators may use earlier ones of the same enum, also where they are scoped
		 * by the enum (WinRT). */
		push_scope(r, &sc, t->fields, t->nfields);
		compute_enum(r, t);
		pop_scope(r, &sc);
		break;
	case TK_INTERFACE: case TK_DISPINTERFACE: case TK_DELEGATE: {
		push_scope(r, &sc, NULL, 0);
		sc.gparams = t->generic_params;
		sc.ngparams = t->ngeneric_params;
		if (t->ref) {
			resolve_type(r, t->ref);
			struct rc_type *base = rc_type_unalias(t->ref);
			if (base && base->kind == TK_GENERIC_INST)
				base = rc_type_unalias(base->ref);
			if (t->kind == TK_INTERFACE && base && base->kind != TK_INTERFACE) {
				rc_error(r->ctx->diag, RC_E_INHERIT, t->ref->loc, "'%s' is not an interface",
				         rc_type_spelling(r->ctx, t->ref));
				err(r);
			} else if (base == t) {
				rc_error(r->ctx->diag, RC_E_INHERIT, t->ref->loc, "interface '%s' inherits from itself", t->name);
				err(r);
				t->ref = NULL;
			}
		}
		for (unsigned i = 0; i < t->nrequires; i++)
			resolve_type(r, t->requires[i]);
		resolve_vars(r, t->fields, t->nfields);
		resolve_stmts(r, t->body);
		pop_scope(r, &sc);
		break;
	}
	case TK_COCLASS: case TK_RUNTIMECLASS:
		/* A class may name an interface declared nowhere else (as MIDL and widl allow):
		 * it declares it. */
		for (unsigned i = 0; i < t->nmembers; i++) {
			struct rc_type *m = t->members[i]->type;
			if (m->kind == TK_NAMED && !m->tag_kind && !m->ref &&
			    !lookup_ns(r, &r->ctx->types, m->qname)) {
				struct rc_type *fwd = rc_type_new(r->ctx, TK_INTERFACE, m->loc);
				fwd->name = m->name;
				fwd->qname = (m->flags & RC_TF_QUALIFIED) ? m->qname : qualified(r, m->name);
				fwd->flags |= RC_TF_RESOLVED | (t->flags & RC_TF_IMPORTED);
				rc_map_put(&r->ctx->types, fwd->qname, fwd);
				m->ref = fwd;
			}
			resolve_type(r, m);
		}
		break;
	case TK_MODULE: case TK_LIBRARY:
		resolve_stmts(r, t->body);
		break;
	case TK_GENERIC_INST:
		resolve_type(r, t->ref);
		for (unsigned i = 0; i < t->nmembers; i++)
			resolve_type(r, t->members[i]->type);
		break;
	default:
		break;
	}
	r->depth--;
}

/* (a) - 1 parses as a cast of -1 to type a; when a names a value, it was a subtraction. */
static bool
uncast(struct resolver *r, struct rc_expr *e)
{
	struct rc_type *t = e->type;
	if (t->kind != TK_NAMED || t->tag_kind || !e->a || e->a->kind != EX_UNARY)
		return false;
	if (lookup_ns(r, &r->ctx->types, t->name) || generic_param(r, t->name))
		return false;
	if (!lookup_local(r, t->name) && !lookup_ns(r, &r->ctx->values, t->name))
		return false;
	int op = e->a->op;
	if (op != '-' && op != '+' && op != '*' && op != '&')
		return false;
	struct rc_expr *lhs = rc_expr_new(r->ctx, EX_IDENT, t->loc);
	lhs->str = t->name;
	struct rc_expr *rhs = e->a->a;
	e->kind = EX_BINARY;
	e->op = op;
	e->a = lhs;
	e->b = rhs;
	e->type = NULL;
	return true;
}

static void
resolve_expr(struct resolver *r, struct rc_expr *e, bool values_only)
{
	if (!e)
		return;
	switch (e->kind) {
	case EX_IDENT: {
		struct rc_var *v = values_only ? NULL : lookup_local(r, e->str);
		if (!v)
			v = lookup_ns(r, &r->ctx->values, e->str);
		if (!v && values_only)
			v = lookup_local(r, e->str);
		if (!v) {
			rc_error(r->ctx->diag, RC_E_UNKNOWN_NAME, e->loc, "'%s' undeclared", e->str);
			err(r);
		}
		e->ref_var = v;
		break;
	}
	case EX_CAST:
		if (uncast(r, e)) {
			resolve_expr(r, e, values_only);
			break;
		}
		resolve_type(r, e->type);
		resolve_expr(r, e->a, values_only);
		break;
	case EX_SIZEOF: case EX_TYPE:
		resolve_type(r, e->type);
		break;
	case EX_MEMBER: case EX_PMEMBER:
		resolve_expr(r, e->a, values_only);
		break;
	default:
		resolve_expr(r, e->a, values_only);
		resolve_expr(r, e->b, values_only);
		resolve_expr(r, e->c, values_only);
		break;
	}
}

/* Links names in correlation expressions without reporting the unknown ones. */
static void
resolve_expr_quiet(struct resolver *r, struct rc_expr *e)
{
	if (!e)
		return;
	if (e->kind == EX_IDENT) {
		e->ref_var = lookup_local(r, e->str);
		if (!e->ref_var)
			e->ref_var = lookup_ns(r, &r->ctx->values, e->str);
		return;
	}
	if (e->kind == EX_CAST && uncast(r, e)) {
		resolve_expr_quiet(r, e);
		return;
	}
	if ((e->kind == EX_CAST || e->kind == EX_SIZEOF || e->kind == EX_TYPE) && e->type)
		resolve_type(r, e->type);
	resolve_expr_quiet(r, e->a);
	if (e->kind != EX_MEMBER && e->kind != EX_PMEMBER) {
		resolve_expr_quiet(r, e->b);
		resolve_expr_quiet(r, e->c);
	}
}

static void
resolve_stmts(struct resolver *r, struct rc_stmt *s)
{
	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_TYPEDEF:
			for (unsigned i = 0; i < s->nvars; i++)
				if (s->vars[i]->type)
					resolve_type(r, s->vars[i]->type);
			resolve_attrs(r, s->attrs);
			break;
		case ST_TYPE:
			resolve_type(r, s->type);
			break;
		case ST_CONST:
			resolve_type(r, s->var->type);
			resolve_expr(r, s->var->value, true);
			break;
		case ST_FUNC:
			resolve_type(r, s->var->type);
			break;
		case ST_INTERFACE: case ST_DISPINTERFACE: case ST_COCLASS: case ST_RUNTIMECLASS:
		case ST_DELEGATE: case ST_MODULE: case ST_LIBRARY:
			resolve_type(r, s->type);
			break;
		case ST_NAMESPACE: {
			const char *saved = r->ns;
			r->ns = s->str;
			resolve_stmts(r, s->body);
			r->ns = saved;
			break;
		}
		default:
			break;
		}
	}
}

static void
resolve_file(struct resolver *r, struct rc_file *f, struct rc_map *done, unsigned depth)
{
	if (!f || f->is_acf || rc_map_get(done, f->path) || depth > 100)
		return;
	rc_map_put(done, f->path, f);
	for (struct rc_stmt *s = f->stmts; s; s = s->next)
		if (s->kind == ST_IMPORT)
			resolve_file(r, s->file, done, depth + 1);
	resolve_stmts(r, f->stmts);
}

unsigned
rc_resolve(struct rc_ctx *ctx)
{
	struct resolver r;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	for (struct rc_file *f = ctx->files; f; f = f->next)
		if (!f->is_acf)
			register_stmts(&r, f->stmts, f->is_import);
	/* Imports first (post-order), so enumerator values an importer uses are computed. */
	struct rc_map done = {0};
	resolve_file(&r, ctx->main, &done, 0);
	for (struct rc_file *f = ctx->files; f; f = f->next)
		if (!f->is_acf)
			resolve_file(&r, f, &done, 0);
	rc_map_free(&done);
	rc_map_free(&r.gparam_types);
	return r.errors;
}

/* ---------------- constant evaluation ---------------- */

static bool eval(struct rc_ctx *ctx, struct rc_expr *e, int64_t *ret, bool quiet, unsigned depth);

static bool
not_const(struct rc_ctx *ctx, struct rc_expr *e, bool quiet, const char *why)
{
	if (!quiet)
		rc_error(ctx->diag, RC_E_CONST_EXPR, e->loc, "%s", why);
	return false;
}

static unsigned
base_size(struct rc_type *t)
{
	t = rc_type_unalias(t);
	if (!t)
		return 0;
	if (t->kind == TK_ENUM)
		return 4;
	if (t->kind == TK_POINTER)
		return sizeof(void *);
	if (t->kind != TK_BASE)
		return 0;
	switch (t->base) {
	case RC_B_BOOLEAN: case RC_B_BYTE: case RC_B_CHAR: case RC_B_SMALL: case RC_B_INT8: return 1;
	case RC_B_WCHAR: case RC_B_SHORT: case RC_B_INT16: return 2;
	case RC_B_LONG: case RC_B_INT: case RC_B_INT32: case RC_B_FLOAT: case RC_B_ERROR_STATUS: return 4;
	case RC_B_HYPER: case RC_B_INT64: case RC_B_DOUBLE: return 8;
	case RC_B_INT3264: case RC_B_HANDLE: return sizeof(void *);
	default: return 0;
	}
}

static bool
eval(struct rc_ctx *ctx, struct rc_expr *e, int64_t *ret, bool quiet, unsigned depth)
{
	int64_t a, b;
	if (depth > MAX_DEPTH)
		return not_const(ctx, e, quiet, "constant expression nested too deeply");
	switch (e->kind) {
	case EX_INT: case EX_CHAR:
		*ret = (int64_t)e->ival;
		return true;
	case EX_TRUE: *ret = 1; return true;
	case EX_FALSE: case EX_NULL: *ret = 0; return true;
	case EX_IDENT: {
		struct rc_var *v = e->ref_var;
		if (!v)
			return not_const(ctx, e, quiet, "not an integer constant");
		if (v->kind == RC_V_ENUMERATOR) {
			*ret = v->enum_value;
			return true;
		}
		if (v->kind == RC_V_CONST && v->value) {
			if (v->value->depth == UINT32_MAX) /* cycle guard */
				return not_const(ctx, e, quiet, "constant defined in terms of itself");
			unsigned saved = v->value->depth;
			v->value->depth = UINT32_MAX;
			bool ok = eval(ctx, v->value, ret, quiet, depth + 1);
			v->value->depth = saved;
			return ok;
		}
		if (!quiet)
			rc_error(ctx->diag, RC_E_CONST_EXPR, e->loc, "'%s' is not a constant", e->str);
		return false;
	}
	case EX_UNARY:
		if (e->op == '*' || e->op == '&')
			return not_const(ctx, e, quiet, "not an integer constant");
		if (!eval(ctx, e->a, &a, quiet, depth + 1))
			return false;
		switch (e->op) {
		case '-': *ret = (int64_t)(0 - (uint64_t)a); break;
		case '+': *ret = a; break;
		case '~': *ret = ~a; break;
		default: *ret = !a; break;
		}
		return true;
	case EX_CAST: {
		if (!eval(ctx, e->a, &a, quiet, depth + 1))
			return false;
		struct rc_type *t = rc_type_unalias(e->type);
		unsigned size = base_size(e->type);
		bool is_unsigned = t && t->kind == TK_BASE &&
		                   (t->sign == RC_SIGN_UNSIGNED || t->base == RC_B_BYTE ||
		                    t->base == RC_B_BOOLEAN || t->base == RC_B_WCHAR || t->base == RC_B_ERROR_STATUS);
		if (size && size < 8) {
			uint64_t mask = (1ull << (size * 8)) - 1;
			uint64_t u = (uint64_t)a & mask;
			if (!is_unsigned && (u >> (size * 8 - 1)))
				u |= ~mask;
			a = (int64_t)u;
		}
		*ret = a;
		return true;
	}
	case EX_SIZEOF: {
		unsigned size = base_size(e->type);
		if (!size)
			return not_const(ctx, e, quiet, "sizeof of this type is not a constant in IDL");
		*ret = size;
		return true;
	}
	case EX_COND:
		if (!eval(ctx, e->a, &a, quiet, depth + 1))
			return false;
		return eval(ctx, a ? e->b : e->c, ret, quiet, depth + 1);
	case EX_BINARY:
		if (!eval(ctx, e->a, &a, quiet, depth + 1) || !eval(ctx, e->b, &b, quiet, depth + 1))
			return false;
		switch (e->op) {
		case '+': *ret = (int64_t)((uint64_t)a + (uint64_t)b); break;
		case '-': *ret = (int64_t)((uint64_t)a - (uint64_t)b); break;
		case '*': *ret = (int64_t)((uint64_t)a * (uint64_t)b); break;
		case '/': case '%':
			if (b == 0)
				return not_const(ctx, e, quiet, "division by zero in a constant expression");
			if (a == INT64_MIN && b == -1)
				*ret = e->op == '/' ? a : 0;
			else
				*ret = e->op == '/' ? a / b : a % b;
			break;
		case RC_OP_SHL: *ret = (b < 0 || b > 63) ? 0 : (int64_t)((uint64_t)a << b); break;
		case RC_OP_SHR: *ret = (b < 0 || b > 63) ? (a < 0 ? -1 : 0) : a >> b; break;
		case '<': *ret = a < b; break;
		case '>': *ret = a > b; break;
		case RC_OP_LE: *ret = a <= b; break;
		case RC_OP_GE: *ret = a >= b; break;
		case RC_OP_EQ: *ret = a == b; break;
		case RC_OP_NE: *ret = a != b; break;
		case '&': *ret = a & b; break;
		case '|': *ret = a | b; break;
		case '^': *ret = a ^ b; break;
		case RC_OP_ANDAND: *ret = a && b; break;
		case RC_OP_OROR: *ret = a || b; break;
		default: return not_const(ctx, e, quiet, "not an integer constant");
		}
		return true;
	default:
		return not_const(ctx, e, quiet, "not an integer constant");
	}
}

bool
rc_eval_const(struct rc_ctx *ctx, struct rc_expr *e, int64_t *ret, bool quiet)
{
	return eval(ctx, e, ret, quiet, 0);
}
