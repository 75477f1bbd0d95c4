/* ridl compiler: semantic checks.
 *
 * Two layers:
 *  - attributes everywhere in the main file: known name, allowed at that place, right
 *    arguments, not repeated, no conflicting pair, ACF-only attributes only from the ACF;
 *  - RPC rules for remote interfaces (not [object], not [local]) of the main file, the ones
 *    stubs are generated for: parameter directions, pointers, correlation (size_is ...),
 *    unions and discriminants, strings, conformant structures, ranges, handles, [async].
 * Every violation is a diagnostic at the offending construct; all of them are reported.
 */
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "frontend.h"

struct checker {
	struct rc_ctx *ctx;
	unsigned errors;
	bool remote;           /* inside a remote interface: RPC rules apply */
	bool in_library;       /* inside a library block (type library: COM rules) */
	bool in_namespace;     /* inside a WinRT namespace (WinRT rules, no RPC) */
	bool object;           /* inside an [object] interface */
	struct rc_type *iface; /* current interface */
	unsigned depth;
};

#define MAX_DEPTH 400

static void check_type_defs(struct checker *c, struct rc_type *t);

static void
error(struct checker *c)
{
	c->errors++;
}

/* ---------------- attributes ---------------- */

static bool
repeatable(enum rc_attr_id id)
{
	switch (id) {
	case RC_A_CUSTOM: case RC_A_ANNOTATION: case RC_A_STATIC: case RC_A_ACTIVATABLE:
	case RC_A_COMPOSABLE: case RC_A_DEPRECATED: case RC_A_CONTRACT:
		return true;
	default:
		return false;
	}
}

static bool
valid_uuid(const char *s, size_t n)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char ch = s[i];
		if (shape[i] == '-') {
			if (ch != '-')
				return false;
		} else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) {
			return false;
		}
	}
	return true;
}

static bool
valid_version(struct rc_expr *e)
{
	if (e->kind == EX_INT)
		return e->ival <= 65535;
	if (e->kind != EX_FLOAT || !e->str)
		return false;
	/* "1.0", "2.15": MAJOR.MINOR, each a decimal 0..65535 */
	const char *p = e->str;
	for (int part = 0; part < 2; part++) {
		unsigned long v = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned long)(*p++ - '0');
			if (++digits > 5)
				return false;
		}
		if (!digits || v > 65535)
			return false;
		if (part == 0) {
			if (*p != '.')
				return false;
			p++;
		}
	}
	return *p == '\0';
}

static unsigned
nonempty_args(struct rc_attr *a)
{
	unsigned n = 0;
	for (unsigned i = 0; i < a->nargs; i++)
		if (a->args[i]->kind != EX_EMPTY)
			n++;
	return n;
}

static void
check_attr_args(struct checker *c, struct rc_attr *a, const struct rc_attr_info *info)
{
	struct rc_diag *d = c->ctx->diag;
	unsigned ne = nonempty_args(a);
	switch (info->args) {
	case RC_ARGS_NONE:
		if (a->has_parens) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes no arguments", a->name);
			error(c);
		}
		return;
	case RC_ARGS_OPT:
		if (a->has_parens && (a->nargs != 1 || ne > 1)) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes at most one argument", a->name);
			error(c);
		}
		return;
	case RC_ARGS_ONE: case RC_ARGS_TYPE:
		if (!a->has_parens || a->nargs != 1 || ne != 1) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes exactly one argument", a->name);
			error(c);
		}
		return;
	case RC_ARGS_LIST:
		if (!a->has_parens || ne == 0 || ne != a->nargs) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes one or more arguments", a->name);
			error(c);
		}
		return;
	case RC_ARGS_SIZE:
		if (!a->has_parens || ne == 0) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' needs an expression for at least one dimension", a->name);
			error(c);
		}
		return;
	case RC_ARGS_RANGE:
		if (!a->has_parens || a->nargs != 2 || ne != 2) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes two arguments: range(low, high)", a->name);
			error(c);
		}
		return;
	case RC_ARGS_UUID: {
		struct rc_expr *e = a->nargs == 1 ? a->args[0] : NULL;
		if (!e || (e->kind != EX_UUID && e->kind != EX_STRING)) {
			rc_error(d, RC_E_UUID, e && e->kind != EX_EMPTY ? e->loc : a->loc,
			         "malformed UUID: expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
			error(c);
		} else if (!valid_uuid(e->str, strlen(e->str))) {
			rc_error(d, RC_E_UUID, e->loc, "malformed UUID '%s': expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", e->str);
			error(c);
		}
		return;
	}
	case RC_ARGS_VERSION: {
		struct rc_expr *e = a->nargs == 1 ? a->args[0] : NULL;
		if (!e || !valid_version(e)) {
			rc_error(d, RC_E_VERSION, e && e->kind != EX_EMPTY ? e->loc : a->loc,
			         "malformed version: expected MAJOR or MAJOR.MINOR, each 0..65535");
			error(c);
		}
		return;
	}
	case RC_ARGS_DECL: {
		struct rc_expr *e = a->nargs == 1 ? a->args[0] : NULL;
		if (!e || e->kind != EX_TYPE || !e->str) {
			rc_error(d, RC_E_ATTR_ARGS, a->loc, "attribute '%s' takes a declaration: %s(handle_t name)", a->name, a->name);
			error(c);
		}
		return;
	}
	}
}

static void
check_attrs(struct checker *c, struct rc_attr *list, unsigned place)
{
	struct rc_diag *d = c->ctx->diag;
	for (struct rc_attr *a = list; a; a = a->next) {
		if (a->id == RC_A_UNKNOWN) {
			rc_error(d, RC_E_ATTR_UNKNOWN, a->loc, "unknown attribute '%s'", a->name);
			error(c);
			continue;
		}
		const struct rc_attr_info *info = rc_attr_info(a->id);
		if (!(info->places & place)) {
			rc_error(d, RC_E_ATTR_PLACE, a->loc, "attribute '%s' is not allowed on %s", a->name,
			         rc_place_name(place & RC_P_ARM ? RC_P_ARM : place & ~(place - 1)));
			error(c);
			continue;
		}
		if (a->from_acf && !(info->flags & RC_AF_ACF)) {
			rc_error(d, RC_E_ACF_ATTR, a->loc, "attribute '%s' is not allowed in an ACF", a->name);
			error(c);
			continue;
		}
		check_attr_args(c, a, info);
		if (!repeatable(a->id)) {
			for (struct rc_attr *b = a->next; b; b = b->next) {
				if (b->id == a->id) {
					rc_error(d, RC_E_ATTR_DUP, b->loc, "attribute '%s' given twice", b->name);
					error(c);
					break;
				}
			}
		}
	}
	/* Pairs that exclude each other. */
	static const enum rc_attr_id groups[][3] = {
		{RC_A_REF, RC_A_UNIQUE, RC_A_PTR},
		{RC_A_IMPLICIT_HANDLE, RC_A_EXPLICIT_HANDLE, RC_A_AUTO_HANDLE},
		{RC_A_CODE, RC_A_NOCODE, RC_A_COUNT},
		{RC_A_SIZE_IS, RC_A_MAX_IS, RC_A_COUNT},
		{RC_A_LENGTH_IS, RC_A_LAST_IS, RC_A_COUNT},
	};
	for (size_t g = 0; g < RC_ARRAY_SIZE(groups); g++) {
		struct rc_attr *first = NULL;
		for (struct rc_attr *a = list; a; a = a->next) {
			bool in_group = false;
			for (int k = 0; k < 3; k++)
				if (groups[g][k] != RC_A_COUNT && a->id == groups[g][k])
					in_group = true;
			if (!in_group)
				continue;
			if (first && first->id != a->id) {
				rc_error(d, RC_E_ATTR_CONFLICT, a->loc, "attributes '%s' and '%s' cannot be combined",
				         first->name, a->name);
				error(c);
				break;
			}
			first = a;
		}
	}
}

/* ---------------- helpers for RPC rules ---------------- */

static bool
is_void(struct rc_type *t)
{
	t = rc_type_unalias(t);
	return t && t->kind == TK_VOID;
}

static struct rc_type *
strip(struct rc_type *t)
{
	return rc_type_unalias(t);
}

/* Pointer attribute in force for a top-level pointer: the declaration's own, else the typedef's. */
static struct rc_attr *
pointer_attr(struct rc_attr *attrs, struct rc_type *t)
{
	struct rc_attr *a;
	if ((a = rc_attr_find(attrs, RC_A_UNIQUE)) || (a = rc_attr_find(attrs, RC_A_PTR)) ||
	    (a = rc_attr_find(attrs, RC_A_REF)))
		return a;
	if ((a = rc_type_find_attr(t, RC_A_UNIQUE)) || (a = rc_type_find_attr(t, RC_A_PTR)) ||
	    (a = rc_type_find_attr(t, RC_A_REF)))
		return a;
	return NULL;
}

static bool
is_context_handle(struct rc_attr *attrs, struct rc_type *t)
{
	if (rc_attr_has(attrs, RC_A_CONTEXT_HANDLE) || rc_type_find_attr(t, RC_A_CONTEXT_HANDLE))
		return true;
	struct rc_type *p = strip(t);
	if (p && p->kind == TK_POINTER && rc_type_find_attr(p->ref, RC_A_CONTEXT_HANDLE))
		return true;
	return false;
}

/* Checks every identifier in a correlation expression names an integer in scope. */
static void
check_correlation_expr(struct checker *c, struct rc_attr *a, struct rc_expr *e, struct rc_var **scope,
                       unsigned nscope, unsigned depth)
{
	if (!e || depth > MAX_DEPTH)
		return;
	struct rc_diag *d = c->ctx->diag;
	switch (e->kind) {
	case EX_IDENT: {
		struct rc_var *v = e->ref_var;
		if (!v) {
			rc_error(d, RC_E_CORRELATION, e->loc, "'%s' in [%s] is not a %s of this declaration", e->str,
			         a->name, nscope && scope[0]->kind == RC_V_PARAM ? "parameter" : "field");
			error(c);
			return;
		}
		if (v->kind == RC_V_CONST || v->kind == RC_V_ENUMERATOR)
			return;
		bool local = false;
		for (unsigned i = 0; i < nscope; i++)
			if (scope[i] == v)
				local = true;
		if (!local) {
			rc_error(d, RC_E_CORRELATION, e->loc, "'%s' in [%s] is not a %s of this declaration", e->str,
			         a->name, nscope && scope[0]->kind == RC_V_PARAM ? "parameter" : "field");
			error(c);
			return;
		}
		struct rc_type *t = v->type;
		while (strip(t) && strip(t)->kind == TK_POINTER)
			t = strip(t)->ref;
		if (!rc_type_is_integer(t)) {
			rc_error(d, RC_E_CORRELATION, e->loc, "'%s' in [%s] must be an integer, not '%s'", e->str, a->name,
			         rc_type_spelling(c->ctx, v->type));
			error(c);
		}
		return;
	}
	case EX_INT: case EX_CHAR: case EX_TRUE: case EX_FALSE: case EX_EMPTY:
		return;
	case EX_CAST: case EX_SIZEOF: case EX_TYPE:
		check_correlation_expr(c, a, e->a, scope, nscope, depth + 1);
		return;
	case EX_UNARY: case EX_BINARY: case EX_COND:
		check_correlation_expr(c, a, e->a, scope, nscope, depth + 1);
		check_correlation_expr(c, a, e->b, scope, nscope, depth + 1);
		check_correlation_expr(c, a, e->c, scope, nscope, depth + 1);
		return;
	default:
		rc_error(d, RC_E_CORRELATION, e->loc, "this expression cannot be used in [%s]", a->name);
		error(c);
		return;
	}
}

static unsigned
array_depth(struct rc_type *t)
{
	unsigned n = 0;
	for (t = strip(t); t && (t->kind == TK_POINTER || t->kind == TK_ARRAY) && n < 64; t = strip(t->ref))
		n++;
	return n;
}

/* Checks the attributes of a parameter, field or union arm against its type (RPC rules). */
static void
check_member(struct checker *c, struct rc_var *v, struct rc_var **scope, unsigned nscope)
{
	struct rc_diag *d = c->ctx->diag;
	struct rc_type *t = strip(v->type);
	if (!t)
		return;
	static const enum rc_attr_id sizing[] = {RC_A_SIZE_IS, RC_A_MAX_IS, RC_A_MIN_IS, RC_A_LENGTH_IS,
	                                         RC_A_FIRST_IS, RC_A_LAST_IS};
	for (size_t i = 0; i < RC_ARRAY_SIZE(sizing); i++) {
		struct rc_attr *a = rc_attr_find(v->attrs, sizing[i]);
		if (!a)
			continue;
		if (t->kind != TK_POINTER && t->kind != TK_ARRAY) {
			rc_error(d, RC_E_SIZE_ATTR, a->loc, "[%s] on '%s', which is neither an array nor a pointer", a->name,
			         v->name ? v->name : rc_type_spelling(c->ctx, v->type));
			error(c);
			continue;
		}
		if (a->nargs > array_depth(v->type)) {
			rc_error(d, RC_E_SIZE_ATTR, a->loc, "[%s] gives %u dimensions, but '%s' has only %u", a->name,
			         a->nargs, v->name ? v->name : "?", array_depth(v->type));
			error(c);
		}
		for (unsigned k = 0; k < a->nargs; k++)
			check_correlation_expr(c, a, a->args[k], scope, nscope, 0);
	}
	struct rc_attr *sw = rc_attr_find(v->attrs, RC_A_SWITCH_IS);
	struct rc_type *u = t;
	while (u && u->kind == TK_POINTER)
		u = strip(u->ref);
	if (sw) {
		if (!u || u->kind != TK_UNION) {
			rc_error(d, RC_E_SWITCH, sw->loc, "[switch_is] on '%s', which is not a non-encapsulated union",
			         v->name ? v->name : "?");
			error(c);
		}
		for (unsigned k = 0; k < sw->nargs; k++)
			check_correlation_expr(c, sw, sw->args[k], scope, nscope, 0);
	} else if (u && u->kind == TK_UNION && v->kind != RC_V_ARM) {
		rc_error(d, RC_E_SWITCH, v->loc, "union '%s' needs [switch_is] to say which arm is present",
		         v->name ? v->name : "?");
		error(c);
	}
	struct rc_attr *str = rc_attr_find(v->attrs, RC_A_STRING);
	if (!str)
		str = rc_type_find_attr(v->type, RC_A_STRING);
	if (str) {
		/* [string] applies to the innermost pointer or array: [out, string] char **p is a
		 * reference to a string pointer. */
		struct rc_type *in = t, *e = NULL;
		unsigned guard = 0;
		while ((in->kind == TK_POINTER || in->kind == TK_ARRAY) && guard++ < 64) {
			struct rc_type *next = strip(in->ref);
			if (next && (next->kind == TK_POINTER || next->kind == TK_ARRAY) &&
			    !rc_type_find_attr(in->ref, RC_A_STRING)) {
				in = next;
				continue;
			}
			e = next;
			if (next && (next->kind == TK_POINTER || next->kind == TK_ARRAY))
				e = NULL; /* a pointer to a [string] typedef */
			break;
		}
		bool ok = in->kind != TK_POINTER && in->kind != TK_ARRAY ? false : (!e || rc_type_is_char(e));
		if (!ok) {
			rc_error(d, RC_E_STRING_TYPE, str->loc, "[string] on '%s' of type '%s': it needs an array of or pointer to char, byte or wchar_t",
			         v->name ? v->name : "?", rc_type_spelling(c->ctx, v->type));
			error(c);
		}
	}
	struct rc_attr *r = rc_attr_find(v->attrs, RC_A_RANGE);
	if (r && r->nargs == 2) {
		int64_t lo, hi;
		/* On a [string], the range bounds its length (terminator included), as in MS-RPCE
		 * 3.1.1.5.3.3.1. */
		bool is_string = rc_attr_has(v->attrs, RC_A_STRING) || rc_type_find_attr(v->type, RC_A_STRING);
		if (!rc_type_is_integer(v->type) && !is_string) {
			rc_error(d, RC_E_RANGE, r->loc, "[range] on '%s', which is neither an integer nor a [string]",
			         v->name ? v->name : "?");
			error(c);
		} else if (rc_eval_const(c->ctx, r->args[0], &lo, true) && rc_eval_const(c->ctx, r->args[1], &hi, true)) {
			if (lo > hi) {
				rc_error(d, RC_E_RANGE, r->loc, "[range(%lld, %lld)]: the low bound is above the high bound",
				         (long long)lo, (long long)hi);
				error(c);
			}
		} else {
			rc_error(d, RC_E_CONST_EXPR, r->loc, "[range] bounds must be integer constants");
			error(c);
		}
	}
	if (t->kind == TK_PIPE || (t->kind == TK_POINTER && strip(t->ref) && strip(t->ref)->kind == TK_PIPE)) {
		rc_error(d, RC_E_UNSUPPORTED, v->loc, "pipes are not supported");
		error(c);
	}
}

static void
check_dups(struct checker *c, struct rc_var **vars, unsigned n, const char *what)
{
	if (n > 64) {
		/* Large lists (enums of hundreds of values): use a map. */
		struct rc_map seen = {0};
		for (unsigned i = 0; i < n; i++) {
			if (!vars[i]->name)
				continue;
			struct rc_var *old = rc_map_put(&seen, vars[i]->name, vars[i]);
			if (old) {
				rc_error(c->ctx->diag, RC_E_DUP_MEMBER, vars[i]->loc, "duplicate %s '%s'", what, vars[i]->name);
				rc_note(c->ctx->diag, old->loc, "'%s' was declared here", vars[i]->name);
				error(c);
			}
		}
		rc_map_free(&seen);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!vars[i]->name)
			continue;
		for (unsigned j = 0; j < i; j++) {
			if (vars[j]->name == vars[i]->name) {
				rc_error(c->ctx->diag, RC_E_DUP_MEMBER, vars[i]->loc, "duplicate %s '%s'", what, vars[i]->name);
				rc_note(c->ctx->diag, vars[j]->loc, "'%s' was declared here", vars[i]->name);
				error(c);
				break;
			}
		}
	}
}

/* Is t (or its last member, recursively) a conformant array? */
static bool
is_conformant(struct rc_type *t, unsigned depth)
{
	t = strip(t);
	if (!t || depth > MAX_DEPTH)
		return false;
	if (t->kind == TK_ARRAY)
		return !t->size;
	if (t->kind == TK_STRUCT && t->nfields)
		return is_conformant(t->fields[t->nfields - 1]->type, depth + 1);
	return false;
}

static void
check_array_sizes(struct checker *c, struct rc_type *t, unsigned depth)
{
	for (t = strip(t); t && depth < 64; t = strip(t->ref), depth++) {
		if (t->kind == TK_ARRAY && t->size) {
			int64_t n;
			if (!rc_eval_const(c->ctx, t->size, &n, false)) {
				error(c);
			} else if (n <= 0) {
				rc_error(c->ctx->diag, RC_E_ARRAY_SIZE, t->size->loc, "array size must be positive, not %lld",
				         (long long)n);
				error(c);
			}
		}
		if (t->kind != TK_ARRAY && t->kind != TK_POINTER)
			break;
	}
}

/* RPC rules for a struct or union that travels in a remote call: member attributes against
 * member types, conformant members last, discriminants and case labels. Each aggregate is
 * checked once, when a remote procedure first reaches it. */
static void
check_aggregate_rpc(struct checker *c, struct rc_type *t)
{
	struct rc_diag *d = c->ctx->diag;
	bool is_union = t->kind == TK_UNION || t->kind == TK_ENCAP_UNION;
	for (unsigned i = 0; i < t->nfields; i++) {
		struct rc_var *f = t->fields[i];
		if (!f->type)
			continue;
		check_member(c, f, t->fields, t->nfields);
		if (t->kind == TK_STRUCT && i + 1 < t->nfields && is_conformant(f->type, 0)) {
			rc_error(d, RC_E_CONFORMANT_LAST, f->loc,
			         "conformant member '%s' must be the last member of struct '%s'",
			         f->name ? f->name : "?", t->name ? t->name : "<anonymous>");
			error(c);
		}
	}
	if (!is_union)
		return;
	/* Case labels: constant, no value twice, one default. */
	struct rc_type *disc = t->kind == TK_ENCAP_UNION ? strip(t->disc->type) : NULL;
	if (disc && !rc_type_is_integer(disc) && !(disc->kind == TK_BASE && disc->base == RC_B_BOOLEAN)) {
		rc_error(d, RC_E_SWITCH, t->disc->loc, "union discriminant '%s' must be an integer, char, boolean or enum, not '%s'",
		         t->disc->name, rc_type_spelling(c->ctx, t->disc->type));
		error(c);
	}
	unsigned ncases = 0, ndefault = 0;
	for (unsigned i = 0; i < t->nfields; i++) {
		struct rc_var *f = t->fields[i];
		struct rc_attr *ca = rc_attr_find(f->attrs, RC_A_CASE);
		if (f->is_default || rc_attr_has(f->attrs, RC_A_DEFAULT)) {
			if (++ndefault > 1) {
				rc_error(d, RC_E_CASE, f->loc, "union '%s' has more than one default arm", t->name ? t->name : "<anonymous>");
				error(c);
			}
		}
		ncases += f->ncases + (ca ? ca->nargs : 0);
	}
	int64_t *vals = rc_xcalloc(ncases ? ncases : 1, sizeof(*vals));
	unsigned nv = 0;
	for (unsigned i = 0; i < t->nfields; i++) {
		struct rc_var *f = t->fields[i];
		struct rc_attr *ca = rc_attr_find(f->attrs, RC_A_CASE);
		unsigned n = f->ncases + (ca ? ca->nargs : 0);
		for (unsigned k = 0; k < n; k++) {
			struct rc_expr *e = k < f->ncases ? f->cases[k] : ca->args[k - f->ncases];
			int64_t v;
			if (!rc_eval_const(c->ctx, e, &v, false)) {
				error(c);
				continue;
			}
			for (unsigned j = 0; j < nv; j++) {
				if (vals[j] == v) {
					rc_error(d, RC_E_CASE, e->loc, "duplicate case value %lld in union '%s'", (long long)v,
					         t->name ? t->name : "<anonymous>");
					error(c);
					break;
				}
			}
			vals[nv++] = v;
		}
	}
	free(vals);
}

/* Follows a type a remote procedure passes and applies the RPC rules to every aggregate it
 * reaches. Types marshalled through [wire_marshal]/[transmit_as]/[user_marshal] are the
 * application's business and are not entered. */
static void
rpc_walk(struct checker *c, struct rc_type *t, unsigned depth)
{
	for (unsigned guard = 0; t && guard < 256 && depth < MAX_DEPTH; guard++) {
		if (t->kind == TK_ALIAS) {
			if (rc_attr_has(t->attrs, RC_A_WIRE_MARSHAL) || rc_attr_has(t->attrs, RC_A_TRANSMIT_AS) ||
			    rc_attr_has(t->attrs, RC_A_USER_MARSHAL) || rc_attr_has(t->attrs, RC_A_CONTEXT_HANDLE))
				return;
			t = t->ref;
		} else if (t->kind == TK_NAMED || t->kind == TK_POINTER || t->kind == TK_ARRAY) {
			t = t->ref;
		} else {
			break;
		}
	}
	if (!t || (t->kind != TK_STRUCT && t->kind != TK_UNION && t->kind != TK_ENCAP_UNION))
		return;
	if (t->flags & RC_TF_RPC_CHECKED)
		return;
	t->flags |= RC_TF_RPC_CHECKED;
	check_aggregate_rpc(c, t);
	for (unsigned i = 0; i < t->nfields; i++)
		rpc_walk(c, t->fields[i]->type, depth + 1);
}

/* Struct/union/enum definitions in the main file: attributes, duplicates, array sizes. */
static void
check_aggregate(struct checker *c, struct rc_type *t)
{
	if (t->flags & RC_TF_CHECKED)
		return;
	t->flags |= RC_TF_CHECKED;
	check_attrs(c, t->attrs, RC_P_TYPE | RC_P_TYPEDEF);
	if (t->kind == TK_ENUM) {
		check_dups(c, t->fields, t->nfields, "enumerator");
		for (unsigned i = 0; i < t->nfields; i++)
			check_attrs(c, t->fields[i]->attrs, RC_P_ENUMERATOR);
		return;
	}
	bool is_union = t->kind == TK_UNION || t->kind == TK_ENCAP_UNION;
	check_dups(c, t->fields, t->nfields, is_union ? "union arm" : "member");
	for (unsigned i = 0; i < t->nfields; i++) {
		struct rc_var *f = t->fields[i];
		check_attrs(c, f->attrs, is_union ? (RC_P_ARM | RC_P_FIELD) : RC_P_FIELD);
		if (f->type) {
			check_type_defs(c, f->type);
			check_array_sizes(c, f->type, 0);
		}
	}
}

/* Walks a type used in a declaration and checks any aggregate defined inline in it. */
static void
check_type_defs(struct checker *c, struct rc_type *t)
{
	if (++c->depth > MAX_DEPTH) {
		c->depth--;
		return;
	}
	for (unsigned guard = 0; t && guard < 64; guard++) {
		if (t->kind == TK_STRUCT || t->kind == TK_UNION || t->kind == TK_ENCAP_UNION || t->kind == TK_ENUM) {
			if (t->flags & RC_TF_DEFINED)
				check_aggregate(c, t);
			break;
		}
		if (t->kind == TK_POINTER || t->kind == TK_ARRAY || t->kind == TK_BITFIELD || t->kind == TK_PIPE) {
			t = t->ref;
			continue;
		}
		break;
	}
	c->depth--;
}

/* ---------------- procedures ---------------- */

static void
check_proc(struct checker *c, struct rc_var *proc)
{
	struct rc_diag *d = c->ctx->diag;
	struct rc_type *f = proc->type;
	check_attrs(c, proc->attrs, RC_P_FUNC);
	check_type_defs(c, f->ref);
	struct rc_var **params = f->fields;
	unsigned n = f->nfields;
	if (n == 1 && !params[0]->name && is_void(params[0]->type) && params[0]->type->kind == TK_VOID)
		n = 0; /* f(void) */
	for (unsigned i = 0; i < n; i++) {
		check_attrs(c, params[i]->attrs, RC_P_PARAM);
		check_type_defs(c, params[i]->type);
		check_array_sizes(c, params[i]->type, 0);
	}
	check_dups(c, params, n, "parameter");

	if (rc_proc_is_async(c->iface, proc) && c->object) {
		struct rc_attr *a = rc_attr_find(proc->attrs, RC_A_ASYNC);
		if (!a)
			a = rc_attr_find(c->iface->attrs, RC_A_ASYNC);
		rc_error(d, RC_E_ASYNC, a->loc, "[async] cannot apply to '%s' of [object] interface '%s'; COM has its own asynchronous calls",
		         proc->name, c->iface->name);
		error(c);
	}
	if (!c->remote)
		return;

	struct rc_attr *cs = rc_attr_find(proc->attrs, RC_A_COMM_STATUS);
	struct rc_attr *fs = rc_attr_find(proc->attrs, RC_A_FAULT_STATUS);
	struct rc_type *ret = strip(f->ref);
	if ((cs || fs) && !(ret && ret->kind == TK_BASE && ret->base == RC_B_ERROR_STATUS)) {
		rc_error(d, RC_E_COMM_STATUS, (cs ? cs : fs)->loc, "[%s] on procedure '%s' needs the return type error_status_t",
		         (cs ? cs : fs)->name, proc->name);
		error(c);
	}
	bool any_comm = cs != NULL, any_fault = fs != NULL;

	for (unsigned i = 0; i < n; i++) {
		struct rc_var *p = params[i];
		struct rc_type *t = strip(p->type);
		if (!t)
			continue;
		if (!p->name) {
			rc_error(d, RC_E_PARAM_NAME, p->loc, "parameter %u of remote procedure '%s' needs a name", i + 1, proc->name);
			error(c);
		}
		if (t->kind == TK_VOID) {
			rc_error(d, RC_E_PARAM_DIR, p->loc, "parameter '%s' of procedure '%s' has type void", p->name ? p->name : "?", proc->name);
			error(c);
			continue;
		}
		bool out = rc_attr_has(p->attrs, RC_A_OUT);
		struct rc_attr *retval = rc_attr_find(p->attrs, RC_A_RETVAL);
		if (retval && (!out || i + 1 != n)) {
			rc_error(d, RC_E_PARAM_DIR, retval->loc, "[retval] parameter '%s' must be [out] and the last parameter",
			         p->name ? p->name : "?");
			error(c);
		}
		if (t->kind == TK_BASE && t->base == RC_B_HANDLE && i != 0) {
			rc_error(d, RC_E_HANDLE, p->loc, "handle_t parameter '%s' must be the first parameter of '%s'",
			         p->name ? p->name : "?", proc->name);
			error(c);
		}
		bool in = rc_attr_has(p->attrs, RC_A_IN);
		if (out) {
			if (t->kind != TK_POINTER && t->kind != TK_ARRAY) {
				rc_error(d, RC_E_OUT_NOT_POINTER, p->loc, "[out] parameter '%s' must be a pointer", p->name ? p->name : "?");
				error(c);
			} else if (t->kind == TK_POINTER && !in && !is_context_handle(p->attrs, p->type)) {
				struct rc_attr *pa = pointer_attr(p->attrs, p->type);
				if (pa && pa->id != RC_A_REF) {
					rc_error(d, RC_E_OUT_NOT_REF, pa->loc,
					         "top-level [out] pointer '%s' must be [ref]: the caller provides its storage",
					         p->name ? p->name : "?");
					error(c);
				}
			}
		}
		struct rc_attr *pcs = rc_attr_find(p->attrs, RC_A_COMM_STATUS);
		struct rc_attr *pfs = rc_attr_find(p->attrs, RC_A_FAULT_STATUS);
		for (int k = 0; k < 2; k++) {
			struct rc_attr *a = k ? pfs : pcs;
			if (!a)
				continue;
			struct rc_type *pt = t->kind == TK_POINTER ? strip(t->ref) : NULL;
			if (!out || !pt || pt->kind != TK_BASE || pt->base != RC_B_ERROR_STATUS) {
				rc_error(d, RC_E_COMM_STATUS, a->loc, "[%s] parameter '%s' must be an [out] error_status_t *",
				         a->name, p->name ? p->name : "?");
				error(c);
			}
			bool *seen = k ? &any_fault : &any_comm;
			if (*seen) {
				rc_error(d, RC_E_COMM_STATUS, a->loc, "[%s] is given twice for procedure '%s'", a->name, proc->name);
				error(c);
			}
			*seen = true;
		}
		check_member(c, p, params, n);
		rpc_walk(c, p->type, 0);
	}
	rpc_walk(c, f->ref, 0);
}

/* ---------------- statements ---------------- */

static void check_stmts(struct checker *c, struct rc_stmt *s);

static void
check_interface(struct checker *c, struct rc_type *t)
{
	struct rc_diag *d = c->ctx->diag;
	check_attrs(c, t->attrs, t->ngeneric_params || t->qname != t->name ? (RC_P_IFACE | RC_P_WINRT) : RC_P_IFACE);
	bool object = rc_iface_is_object(t, c->in_library);
	bool has_procs = false;
	for (struct rc_stmt *b = t->body; b; b = b->next)
		if (b->kind == ST_FUNC)
			has_procs = true;
	struct checker saved = *c;
	c->object = object;
	c->remote = rc_iface_is_remote(t, c->in_library, c->in_namespace);
	c->iface = t;
	if (c->remote && has_procs && !rc_attr_has(t->attrs, RC_A_UUID)) {
		rc_error(d, RC_E_NO_UUID, t->loc, "interface '%s' needs [uuid(...)], or [local] if it is not remote", t->name);
		error(c);
	}
	struct rc_attr *ah = rc_attr_find(t->attrs, RC_A_AUTO_HANDLE);
	if (ah) {
		rc_error(d, RC_E_UNSUPPORTED, ah->loc, "[auto_handle] is not supported: use [implicit_handle(handle_t name)] or an explicit handle_t parameter");
		error(c);
	}
	struct rc_attr *as = rc_attr_find(t->attrs, RC_A_ASYNC);
	if (as && object) {
		rc_error(d, RC_E_ASYNC, as->loc, "[async] cannot apply to [object] interface '%s'; COM has its own asynchronous calls", t->name);
		error(c);
		c->iface = NULL; /* report once, not again for every method */
	}
	check_stmts(c, t->body);
	c->remote = saved.remote;
	c->object = saved.object;
	c->iface = saved.iface;
}

static void
check_stmts(struct checker *c, struct rc_stmt *s)
{
	for (; s && !c->ctx->diag->stopped; s = s->next) {
		switch (s->kind) {
		case ST_TYPEDEF:
			check_attrs(c, s->attrs, RC_P_TYPEDEF);
			for (unsigned i = 0; i < s->nvars; i++) {
				struct rc_type *a = s->vars[i]->type;
				if (!a)
					continue;
				check_type_defs(c, a->ref);
				check_array_sizes(c, a->ref, 0);
				struct rc_attr *v1 = rc_attr_find(s->attrs, RC_A_V1_ENUM);
				if (v1 && (!strip(a->ref) || strip(a->ref)->kind != TK_ENUM)) {
					rc_error(c->ctx->diag, RC_E_ATTR_PLACE, v1->loc, "[v1_enum] applies only to enums");
					error(c);
				}
				struct rc_attr *str = rc_attr_find(s->attrs, RC_A_STRING);
				if (str && c->remote) {
					struct rc_var tmp = *s->vars[i];
					tmp.attrs = str;
					tmp.type = a->ref;
					check_member(c, &tmp, NULL, 0);
				}
			}
			break;
		case ST_TYPE:
			check_type_defs(c, s->type);
			break;
		case ST_CONST:
			check_attrs(c, s->var->attrs, RC_P_CONST);
			if (s->var->value) {
				int64_t v;
				struct rc_type *t = strip(s->var->type);
				if (t && rc_type_is_integer(t) && !rc_eval_const(c->ctx, s->var->value, &v, false))
					error(c);
			}
			break;
		case ST_FUNC:
			check_proc(c, s->var);
			break;
		case ST_INTERFACE:
			if (s->type->flags & RC_TF_DEFINED)
				check_interface(c, s->type);
			else
				check_attrs(c, s->type->attrs, RC_P_IFACE | RC_P_WINRT);
			break;
		case ST_DISPINTERFACE:
			check_attrs(c, s->type->attrs, RC_P_DISPIFACE);
			for (unsigned i = 0; i < s->type->nfields; i++)
				check_attrs(c, s->type->fields[i]->attrs, RC_P_FIELD);
			check_stmts(c, s->type->body);
			break;
		case ST_COCLASS:
			check_attrs(c, s->type->attrs, RC_P_COCLASS);
			for (unsigned i = 0; i < s->type->nmembers; i++)
				check_attrs(c, s->type->members[i]->attrs, RC_P_MEMBER);
			break;
		case ST_RUNTIMECLASS:
			check_attrs(c, s->type->attrs, RC_P_WINRT);
			for (unsigned i = 0; i < s->type->nmembers; i++)
				check_attrs(c, s->type->members[i]->attrs, RC_P_MEMBER | RC_P_WINRT);
			break;
		case ST_DELEGATE: case ST_APICONTRACT:
			check_attrs(c, s->type->attrs, RC_P_WINRT);
			break;
		case ST_LIBRARY: {
			check_attrs(c, s->type->attrs, RC_P_LIBRARY);
			bool saved = c->in_library;
			c->in_library = true;
			check_stmts(c, s->type->body);
			c->in_library = saved;
			break;
		}
		case ST_MODULE:
			check_attrs(c, s->type->attrs, RC_P_MODULE);
			check_stmts(c, s->type->body);
			break;
		case ST_NAMESPACE: {
			bool saved = c->in_namespace;
			c->in_namespace = true;
			check_stmts(c, s->body);
			c->in_namespace = saved;
			break;
		}
		default:
			break;
		}
	}
}

unsigned
rc_check(struct rc_ctx *ctx)
{
	struct checker c;
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	check_stmts(&c, ctx->main->stmts);
	return c.errors;
}
