/* ridl compiler: merging the ACF (application configuration file) onto the IDL.
 *
 * The ACF repeats names from the IDL (interface, procedures, parameters, types) and adds
 * attributes to them. Every name must exist in the IDL; attributes are prepended as copies
 * to the IDL declaration's list (lists are shared, so they are never modified in place).
 */
#include <string.h>

#include "attrs.h"
#include "frontend.h"

static struct rc_attr *
prepend_copies(struct rc_ctx *ctx, struct rc_attr *acf, struct rc_attr *idl)
{
	if (!acf)
		return idl;
	/* Copy the ACF list in order, then hang the IDL list behind it. */
	struct rc_attr *head = NULL, **tail = &head;
	for (; acf; acf = acf->next) {
		struct rc_attr *c = rc_arena_alloc(&ctx->arena, sizeof(*c));
		*c = *acf;
		c->from_acf = true;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	*tail = idl;
	return head;
}

static struct rc_type *
find_interface(struct rc_ctx *ctx, const char *name)
{
	for (struct rc_stmt *s = ctx->main->stmts; s; s = s->next)
		if (s->kind == ST_INTERFACE && s->type->name == name && (s->type->flags & RC_TF_DEFINED))
			return s->type;
	return NULL;
}

static struct rc_var *
find_proc(struct rc_type *iface, const char *name)
{
	for (struct rc_stmt *s = iface->body; s; s = s->next)
		if (s->kind == ST_FUNC && s->var->name == name)
			return s->var;
	return NULL;
}

static unsigned
merge_typedef(struct rc_ctx *ctx, struct rc_stmt *s)
{
	unsigned errors = 0;
	for (unsigned i = 0; i < s->nvars; i++) {
		struct rc_var *v = s->vars[i];
		struct rc_type *t = rc_map_get(&ctx->types, v->name);
		if (!t || t->kind != TK_ALIAS) {
			rc_error(ctx->diag, RC_E_ACF_UNKNOWN, v->loc, "type '%s' in the ACF is not a typedef in the IDL", v->name);
			errors++;
			continue;
		}
		t->attrs = prepend_copies(ctx, v->attrs, t->attrs);
	}
	return errors;
}

static unsigned
merge_proc(struct rc_ctx *ctx, struct rc_type *iface, struct rc_stmt *s)
{
	struct rc_var *acf = s->var;
	struct rc_var *proc = find_proc(iface, acf->name);
	if (!proc) {
		rc_error(ctx->diag, RC_E_ACF_UNKNOWN, acf->loc, "procedure '%s' is not in interface '%s'", acf->name, iface->name);
		return 1;
	}
	unsigned errors = 0;
	proc->attrs = prepend_copies(ctx, acf->attrs, proc->attrs);
	struct rc_type *f = proc->type;
	struct rc_type *af = acf->type;
	for (unsigned i = 0; i < af->nfields; i++) {
		struct rc_var *ap = af->fields[i];
		struct rc_var *p = NULL;
		for (unsigned j = 0; j < f->nfields; j++)
			if (f->fields[j]->name == ap->name)
				p = f->fields[j];
		if (!p) {
			rc_error(ctx->diag, RC_E_ACF_UNKNOWN, ap->loc, "procedure '%s' has no parameter '%s'", acf->name, ap->name);
			errors++;
			continue;
		}
		p->attrs = prepend_copies(ctx, ap->attrs, p->attrs);
	}
	return errors;
}

unsigned
rc_acf_merge(struct rc_ctx *ctx)
{
	if (!ctx->acf)
		return 0;
	unsigned errors = 0;
	for (struct rc_stmt *s = ctx->acf->stmts; s; s = s->next) {
		if (s->kind == ST_TYPEDEF) {
			errors += merge_typedef(ctx, s);
			continue;
		}
		if (s->kind != ST_INTERFACE)
			continue;
		struct rc_type *acf_if = s->type;
		struct rc_type *iface = find_interface(ctx, acf_if->name);
		if (!iface) {
			rc_error(ctx->diag, RC_E_ACF_UNKNOWN, acf_if->loc, "interface '%s' is not defined in '%s'",
			         acf_if->name, ctx->main->path);
			errors++;
			continue;
		}
		iface->attrs = prepend_copies(ctx, acf_if->attrs, iface->attrs);
		for (struct rc_stmt *b = acf_if->body; b; b = b->next) {
			if (b->kind == ST_FUNC)
				errors += merge_proc(ctx, iface, b);
			else if (b->kind == ST_TYPEDEF)
				errors += merge_typedef(ctx, b);
		}
	}
	return errors;
}
