/* ridl compiler: the builders the grammar's actions call. Included at the end of parser.y, so
 * these functions see the generated token and type definitions. */

/* ---- syntax errors ---- */

static void
yyerror(struct rc_loc *loc, void *scanner, struct rc_lexstate *ls, const char *msg)
{
	(void)scanner;
	if (strcmp(msg, "memory exhausted") == 0)
		rc_error(CTX->diag, RC_E_NESTING, *loc, "declarations nested too deeply");
	else
		rc_error(CTX->diag, RC_E_SYNTAX, *loc, "%s", msg);
	ls->errors++;
}

/* How a token reads in a message: 'struct', ';', identifier 'foo', end of file. */
static void
describe_token(struct rc_strbuf *sb, yysymbol_kind_t tok, struct rc_lexstate *ls, bool with_text)
{
	if (tok == YYSYMBOL_YYEOF) {
		rc_sb_puts(sb, "end of file");
		return;
	}
	const char *name = yysymbol_name(tok);
	bool keyword = tok >= YYSYMBOL_TYPEDEF && tok <= YYSYMBOL_ELLIPSIS;
	if (keyword || tok == YYSYMBOL_SHR) {
		rc_sb_printf(sb, "'%s'", tok == YYSYMBOL_SHR ? ">>" : name);
		return;
	}
	rc_sb_puts(sb, name);
	if (with_text && name[0] != '\'' && ls->tok_text && ls->tok_len) {
		rc_sb_puts(sb, " '");
		rc_sb_append(sb, ls->tok_text, ls->tok_len > 60 ? 60 : ls->tok_len);
		rc_sb_putc(sb, '\'');
	}
}

static int
yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner, struct rc_lexstate *ls)
{
	(void)scanner;
	enum { MAX_EXPECTED = 6 };
	yysymbol_kind_t expected[MAX_EXPECTED];
	int n = yypcontext_expected_tokens(yyctx, expected, MAX_EXPECTED);
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	struct rc_strbuf sb = {0};
	if (tok == YYSYMBOL_LEX_ERROR) {
		/* The lexer already reported what is wrong. */
		return 0;
	}
	if (n > 0 && n <= 4) {
		rc_sb_puts(&sb, "expected ");
		for (int i = 0; i < n; i++) {
			if (i)
				rc_sb_puts(&sb, i == n - 1 ? " or " : ", ");
			describe_token(&sb, expected[i], ls, false);
		}
		rc_sb_puts(&sb, " before ");
	} else {
		rc_sb_puts(&sb, "unexpected ");
	}
	describe_token(&sb, tok, ls, true);
	struct rc_loc loc = *yypcontext_location(yyctx);
	rc_error(CTX->diag, RC_E_SYNTAX, loc, "%s", rc_sb_str(&sb));
	rc_sb_free(&sb);
	ls->errors++;
	return 0;
}

/* ---- arena lists ---- */

static void
plist_push(struct rc_ctx *ctx, struct rc_plist *l, void *item)
{
	struct rc_pnode *n = rc_arena_alloc(&ctx->arena, sizeof(*n));
	n->item = item;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	l->n++;
}

static struct rc_plist
plist_one(struct rc_ctx *ctx, void *item)
{
	struct rc_plist l = {0};
	plist_push(ctx, &l, item);
	return l;
}

static void **
plist_array(struct rc_ctx *ctx, struct rc_plist *l)
{
	if (!l->n)
		return NULL;
	void **a = rc_arena_alloc(&ctx->arena, l->n * sizeof(*a));
	unsigned i = 0;
	for (struct rc_pnode *n = l->head; n; n = n->next)
		a[i++] = n->item;
	return a;
}

static void
slist_add(struct rc_stmt_list *l, struct rc_stmt *s)
{
	while (s) {
		struct rc_stmt *next = s->next;
		s->next = NULL;
		if (l->tail)
			l->tail->next = s;
		else
			l->head = s;
		l->tail = s;
		s = next;
	}
}

/* ---- declarators ---- */

static struct rc_declarator *
decl_name(struct rc_ctx *ctx, const char *name, struct rc_loc loc)
{
	struct rc_declarator *d = rc_arena_alloc(&ctx->arena, sizeof(*d));
	d->name = name;
	d->loc = loc;
	return d;
}

/* Puts t where the base type would go: the innermost ->ref that is still empty. */
static struct rc_declarator *
decl_wrap(struct rc_ctx *ctx, struct rc_declarator *d, struct rc_type *t)
{
	(void)ctx;
	if (!d->top) {
		d->top = t;
	} else {
		struct rc_type *x = d->top;
		unsigned guard = 0;
		while (x->ref && guard++ < 100000)
			x = x->ref;
		x->ref = t;
	}
	return d;
}

static struct rc_type *
decl_apply(struct rc_declarator *d, struct rc_type *base)
{
	if (!d->top)
		return base;
	struct rc_type *x = d->top;
	struct rc_type *func = NULL;
	unsigned guard = 0;
	while (x->ref && guard++ < 100000) {
		if (x->kind == TK_FUNC && !func)
			func = x;
		x = x->ref;
	}
	if (x->kind == TK_FUNC && !func)
		func = x;
	x->ref = base;
	if (func && d->callconv && !func->callconv)
		func->callconv = d->callconv;
	return d->top;
}

static struct rc_type *
type_with_quals(struct rc_ctx *ctx, struct rc_type *t, unsigned quals)
{
	return quals ? rc_type_qualified(ctx, t, quals) : t;
}

static struct rc_type *
make_array(struct rc_lexstate *ls, struct rc_expr *size, struct rc_loc loc)
{
	bool star = size && size->kind == EX_EMPTY;
	struct rc_type *a = rc_type_array(CTX, NULL, star ? NULL : size, loc);
	if (star)
		a->flags |= RC_TF_STAR;
	return a;
}

/* ---- names ---- */

static const char *
qualify(struct rc_lexstate *ls, const char *name)
{
	if (!name || !CTX->cur_namespace)
		return name;
	char *s = rc_arena_printf(&CTX->arena, "%s.%s", CTX->cur_namespace, name);
	return rc_intern(&CTX->strings, s);
}

static struct rc_type *
make_qname(struct rc_lexstate *ls, struct rc_type *prefix, const char *name, struct rc_loc loc)
{
	struct rc_type *t = rc_type_named(CTX, 0, name, loc);
	char *s = rc_arena_printf(&CTX->arena, "%s.%s", prefix->qname, name);
	t->qname = rc_intern(&CTX->strings, s);
	t->flags |= RC_TF_QUALIFIED;
	return t;
}

static const char *
ns_enter(struct rc_lexstate *ls, const char *name)
{
	const char *old = CTX->cur_namespace;
	if (old)
		CTX->cur_namespace = rc_intern(&CTX->strings, rc_arena_printf(&CTX->arena, "%s.%s", old, name));
	else
		CTX->cur_namespace = name;
	return old;
}

static struct rc_stmt *
make_namespace(struct rc_lexstate *ls, const char *name, struct rc_stmt *body, struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, ST_NAMESPACE, loc);
	s->str = name;
	s->body = body;
	return s;
}

/* ---- statements ---- */

static void
set_owner(struct rc_var **v, unsigned n, struct rc_type *owner)
{
	for (unsigned i = 0; i < n; i++)
		v[i]->owner = owner;
}

static struct rc_type *
alias_for(struct rc_lexstate *ls, struct rc_declarator *d, struct rc_type *base)
{
	struct rc_type *t = rc_type_new(CTX, TK_ALIAS, d->loc);
	t->name = d->name;
	t->qname = qualify(ls, d->name);
	t->ref = decl_apply(d, base);
	t->file = ls->file_node;
	return t;
}

static struct rc_stmt *
make_typedef(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base, struct rc_plist *decls,
             struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, ST_TYPEDEF, loc);
	s->type = base;
	s->nvars = decls->n;
	s->vars = rc_arena_alloc(&CTX->arena, (decls->n ? decls->n : 1) * sizeof(*s->vars));
	unsigned i = 0;
	for (struct rc_pnode *n = decls->head; n; n = n->next) {
		struct rc_declarator *d = n->item;
		struct rc_var *v = rc_var_new(CTX, RC_V_TYPEDEF, d->name, d->loc);
		v->type = alias_for(ls, d, base);
		v->type->attrs = attrs;
		v->attrs = attrs;
		s->vars[i++] = v;
	}
	s->attrs = attrs;
	return s;
}

static struct rc_stmt *
make_decl(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base, struct rc_plist *decls,
          struct rc_expr *init, struct rc_loc loc)
{
	struct rc_stmt_list out = {0};
	for (struct rc_pnode *n = decls->head; n; n = n->next) {
		struct rc_declarator *d = n->item;
		struct rc_type *t = decl_apply(d, base);
		struct rc_stmt *s;
		if (t->kind == TK_FUNC && !init) {
			s = rc_stmt_new(CTX, ST_FUNC, loc);
			s->var = rc_var_new(CTX, RC_V_FUNC, d->name, d->loc);
			set_owner(t->fields, t->nfields, t);
		} else {
			s = rc_stmt_new(CTX, ST_CONST, loc);
			s->var = rc_var_new(CTX, RC_V_CONST, d->name, d->loc);
			s->var->value = init; /* NULL: an extern declaration, emitted as written */
		}
		s->var->type = t;
		s->var->attrs = attrs;
		s->file = ls->file_node;
		slist_add(&out, s);
	}
	return out.head;
}

static struct rc_stmt *
make_type_stmt(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *t, struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, ST_TYPE, loc);
	s->type = t;
	if (attrs)
		t->attrs = rc_attr_append(attrs, t->attrs);
	return s;
}

static struct rc_type *
make_aggregate(struct rc_lexstate *ls, enum rc_type_kind kind, const char *name, struct rc_loc loc,
               struct rc_plist *fields)
{
	struct rc_type *t = rc_type_new(CTX, kind, loc);
	t->name = name;
	t->qname = qualify(ls, name);
	t->flags |= RC_TF_DEFINED;
	t->file = ls->file_node;
	t->nfields = fields->n;
	t->fields = (struct rc_var **)plist_array(CTX, fields);
	set_owner(t->fields, t->nfields, t);
	if (kind == TK_ENUM)
		for (unsigned i = 0; i < t->nfields; i++)
			t->fields[i]->type = t;
	return t;
}

static struct rc_type *
make_encap_union(struct rc_lexstate *ls, const char *name, struct rc_loc loc, struct rc_type *disc_type,
                 const char *disc_name, struct rc_loc disc_loc, const char *union_name, struct rc_plist *arms)
{
	struct rc_type *t = make_aggregate(ls, TK_ENCAP_UNION, name, loc, arms);
	t->disc = rc_var_new(CTX, RC_V_FIELD, disc_name, disc_loc);
	t->disc->type = disc_type;
	t->disc->owner = t;
	t->union_name = union_name ? union_name : rc_intern(&CTX->strings, "tagged_union");
	return t;
}

static void
add_fields(struct rc_lexstate *ls, struct rc_plist *out, struct rc_attr *attrs, struct rc_type *base,
           struct rc_plist *decls, enum rc_var_kind kind)
{
	if (!decls) {
		struct rc_var *v = rc_var_new(CTX, kind, NULL, base->loc);
		v->type = base;
		v->attrs = attrs;
		plist_push(CTX, out, v);
		return;
	}
	for (struct rc_pnode *n = decls->head; n; n = n->next) {
		struct rc_declarator *d = n->item;
		struct rc_var *v = rc_var_new(CTX, kind, d->name, d->loc);
		v->type = decl_apply(d, base);
		if (d->bits) {
			struct rc_type *b = rc_type_new(CTX, TK_BITFIELD, d->bits->loc);
			b->ref = v->type;
			b->size = d->bits;
			v->type = b;
		}
		v->attrs = attrs;
		plist_push(CTX, out, v);
	}
}

static struct rc_var *
make_param(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base, struct rc_declarator *d,
           struct rc_loc loc)
{
	struct rc_var *v = rc_var_new(CTX, RC_V_PARAM, d->name, d->name ? d->loc : loc);
	v->type = decl_apply(d, base);
	v->attrs = attrs;
	return v;
}

static struct rc_var *
make_arm(struct rc_lexstate *ls, struct rc_plist *labels, struct rc_var *field, struct rc_loc loc)
{
	(void)loc;
	field->kind = RC_V_ARM;
	unsigned n = 0;
	for (struct rc_pnode *p = labels->head; p; p = p->next) {
		if (p->item)
			n++;
		else
			field->is_default = true;
	}
	field->cases = n ? rc_arena_alloc(&CTX->arena, n * sizeof(*field->cases)) : NULL;
	field->ncases = 0;
	for (struct rc_pnode *p = labels->head; p; p = p->next)
		if (p->item)
			field->cases[field->ncases++] = p->item;
	return field;
}

static struct rc_type *
make_container(struct rc_lexstate *ls, enum rc_type_kind kind, struct rc_attr *attrs, struct rc_type *name,
               struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(CTX, kind, loc);
	t->name = name->name;
	/* A name written qualified (Windows.Foundation.IFoo) is already complete. */
	t->qname = (name->flags & RC_TF_QUALIFIED) ? name->qname : qualify(ls, name->name);
	t->attrs = attrs;
	t->flags |= RC_TF_DEFINED;
	t->file = ls->file_node;
	t->generic_params = name->generic_params;
	t->ngeneric_params = name->ngeneric_params;
	return t;
}

static struct rc_stmt *
finish_container(struct rc_lexstate *ls, enum rc_stmt_kind kind, struct rc_type *t, struct rc_stmt *body,
                 struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, kind, loc);
	s->type = t;
	if (body)
		t->body = body;
	s->file = ls->file_node;
	return s;
}

/* Moves a leading attribute list onto what the statement declares. Attribute lists may be shared
 * by several declarations (HRESULT a(), b();): nothing may append to a list after this, later
 * phases prepend copies instead. */
static void
attach_attrs(struct rc_lexstate *ls, struct rc_stmt *s, struct rc_attr *attrs)
{
	(void)ls;
	if (!attrs)
		return;
	for (; s; s = s->next) {
		struct rc_attr *all = s->attrs ? rc_attr_append(attrs, s->attrs) : attrs;
		s->attrs = all;
		switch (s->kind) {
		case ST_TYPEDEF:
			for (unsigned i = 0; i < s->nvars; i++) {
				s->vars[i]->attrs = all;
				s->vars[i]->type->attrs = all;
			}
			break;
		case ST_FUNC: case ST_CONST:
			s->var->attrs = all;
			break;
		case ST_TYPE: case ST_INTERFACE: case ST_DISPINTERFACE: case ST_COCLASS:
		case ST_MODULE: case ST_LIBRARY: case ST_RUNTIMECLASS: case ST_DELEGATE:
		case ST_APICONTRACT:
			s->type->attrs = all;
			break;
		default:
			break;
		}
	}
}

static struct rc_stmt *
make_str_stmt(struct rc_lexstate *ls, enum rc_stmt_kind kind, const char *str, struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, kind, loc);
	s->str = str;
	s->file = ls->file_node;
	return s;
}

static struct rc_stmt *
make_import(struct rc_lexstate *ls, const char *name, struct rc_loc loc)
{
	struct rc_stmt *s = make_str_stmt(ls, ST_IMPORT, name, loc);
	s->file = rc_import(CTX, name, ls->file ? ls->file : ls->file_node->path, loc, &ls->errors);
	return s;
}

/* ---- expressions ---- */

static struct rc_expr *
make_ident(struct rc_lexstate *ls, const char *name, struct rc_loc loc)
{
	struct rc_expr *e = rc_expr_new(CTX, EX_IDENT, loc);
	e->str = name;
	return e;
}

static struct rc_expr *
make_type_expr(struct rc_lexstate *ls, struct rc_type *t, struct rc_loc loc)
{
	struct rc_expr *e = rc_expr_new(CTX, EX_TYPE, loc);
	e->type = t;
	return e;
}

static struct rc_expr *
make_cast(struct rc_lexstate *ls, struct rc_type *t, struct rc_expr *a, struct rc_loc loc)
{
	struct rc_expr *e = rc_expr_new(CTX, EX_CAST, loc);
	e->type = t;
	e->a = a;
	return check_depth(ls, e);
}

/* (NAME *) expr: the grammar reads "(NAME *" as the start of a product, so the pointer cast
 * arrives as an expression that must be a plain name. */
static struct rc_expr *
make_ptr_cast(struct rc_lexstate *ls, struct rc_expr *name, int stars, struct rc_expr *e, struct rc_loc loc)
{
	if (name->kind != EX_IDENT) {
		rc_error(CTX->diag, RC_E_SYNTAX, name->loc, "expected a type name in a pointer cast");
		ls->errors++;
		return e;
	}
	struct rc_type *t = rc_type_named(CTX, 0, name->str, name->loc);
	while (stars-- > 0)
		t = rc_type_pointer(CTX, t, loc);
	return make_cast(ls, t, e, loc);
}

static struct rc_expr *
make_member(struct rc_lexstate *ls, enum rc_expr_kind kind, struct rc_expr *a, const char *name, struct rc_loc loc)
{
	struct rc_expr *e = rc_expr_new(CTX, kind, loc);
	e->a = a;
	e->str = name;
	return e;
}

static struct rc_expr *
check_depth(struct rc_lexstate *ls, struct rc_expr *e)
{
	unsigned d = 0;
	if (e->a && e->a->depth > d)
		d = e->a->depth;
	if (e->b && e->b->depth > d)
		d = e->b->depth;
	if (e->c && e->c->depth > d)
		d = e->c->depth;
	e->depth = d + 1;
	if (e->depth > RC_MAX_NESTING) {
		if (!ls->nesting_reported) {
			rc_error(CTX->diag, RC_E_NESTING, e->loc, "expression nested too deeply (more than %d levels)",
			         RC_MAX_NESTING);
			ls->errors++;
			ls->nesting_reported = true;
		}
		/* Keep the tree shallow so later phases never recurse deeply. */
		struct rc_expr *z = rc_expr_new(CTX, EX_INT, e->loc);
		z->depth = 1;
		return z;
	}
	return e;
}

/* ---- attributes ---- */

static struct rc_attr *
make_attr(struct rc_lexstate *ls, const char *name, struct rc_loc loc, struct rc_plist *args, bool parens)
{
	struct rc_attr *a = rc_attr_new(CTX, rc_intern(&CTX->strings, name), loc);
	a->has_parens = parens;
	a->from_acf = ls->file_node->is_acf;
	if (args) {
		a->nargs = args->n;
		a->args = (struct rc_expr **)plist_array(CTX, args);
	}
	return a;
}

/* ---- WinRT ---- */

static struct rc_type *
make_generic(struct rc_lexstate *ls, struct rc_type *base, struct rc_plist *args, struct rc_loc loc)
{
	struct rc_type *t = rc_type_new(CTX, TK_GENERIC_INST, loc);
	t->ref = base;
	t->name = base->name;
	t->qname = base->qname;
	t->nmembers = args->n;
	t->members = rc_arena_alloc(&CTX->arena, (args->n ? args->n : 1) * sizeof(*t->members));
	unsigned i = 0;
	for (struct rc_pnode *n = args->head; n; n = n->next) {
		struct rc_type *a = n->item;
		struct rc_var *v = rc_var_new(CTX, RC_V_MEMBER, NULL, a->loc);
		v->type = a;
		t->members[i++] = v;
	}
	return t;
}

static const char **
generic_names(struct rc_lexstate *ls, struct rc_plist *gparams)
{
	const char **names = rc_arena_alloc(&CTX->arena, (gparams->n ? gparams->n : 1) * sizeof(*names));
	unsigned i = 0;
	for (struct rc_pnode *n = gparams->head; n; n = n->next) {
		struct rc_type *a = n->item;
		if (a->kind != TK_NAMED || a->tag_kind || (a->flags & RC_TF_QUALIFIED)) {
			rc_error(CTX->diag, RC_E_SYNTAX, a->loc, "a generic parameter must be a plain name");
			ls->errors++;
		}
		names[i++] = a->name ? a->name : "T";
	}
	return names;
}

static struct rc_type *
make_iface_name(struct rc_lexstate *ls, struct rc_type *name, struct rc_plist *gparams, struct rc_loc loc)
{
	(void)loc;
	if (gparams->n) {
		name->generic_params = generic_names(ls, gparams);
		name->ngeneric_params = gparams->n;
	}
	return name;
}

static struct rc_type *
make_delegate(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *ret, const char *name, struct rc_loc loc,
              struct rc_plist *gparams, struct rc_plist *params)
{
	struct rc_type *f = rc_type_new(CTX, TK_FUNC, loc);
	f->ref = ret;
	f->nfields = params->n;
	f->fields = (struct rc_var **)plist_array(CTX, params);
	set_owner(f->fields, f->nfields, f);
	struct rc_type *t = rc_type_new(CTX, TK_DELEGATE, loc);
	t->name = name;
	t->qname = qualify(ls, name);
	t->ref = f;
	t->attrs = attrs;
	t->flags |= RC_TF_DEFINED;
	t->file = ls->file_node;
	if (gparams->n) {
		t->generic_params = generic_names(ls, gparams);
		t->ngeneric_params = gparams->n;
	}
	return t;
}

/* ---- ACF ---- */

static struct rc_stmt *
make_acf_interface(struct rc_lexstate *ls, struct rc_attr *attrs, const char *name, struct rc_loc loc,
                   struct rc_stmt_list *body)
{
	struct rc_type *t = rc_type_new(CTX, TK_INTERFACE, loc);
	t->name = name;
	t->qname = name;
	t->attrs = attrs;
	t->body = body->head;
	t->file = ls->file_node;
	struct rc_stmt *s = rc_stmt_new(CTX, ST_INTERFACE, loc);
	s->type = t;
	s->file = ls->file_node;
	return s;
}

static struct rc_stmt *
make_acf_func(struct rc_lexstate *ls, struct rc_attr *attrs, const char *name, struct rc_loc loc,
              struct rc_plist *params)
{
	struct rc_type *f = rc_type_new(CTX, TK_FUNC, loc);
	f->nfields = params->n;
	f->fields = (struct rc_var **)plist_array(CTX, params);
	struct rc_stmt *s = rc_stmt_new(CTX, ST_FUNC, loc);
	s->var = rc_var_new(CTX, RC_V_FUNC, name, loc);
	s->var->type = f;
	s->var->attrs = attrs;
	s->file = ls->file_node;
	return s;
}

static struct rc_stmt *
make_acf_typedef(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_plist *names, struct rc_loc loc)
{
	struct rc_stmt *s = rc_stmt_new(CTX, ST_TYPEDEF, loc);
	s->nvars = names->n;
	s->vars = (struct rc_var **)plist_array(CTX, names);
	for (unsigned i = 0; i < s->nvars; i++)
		s->vars[i]->attrs = attrs;
	s->attrs = attrs;
	s->file = ls->file_node;
	return s;
}

/* Words that are keywords only at one place ("requires" after an interface's base, "declare"
 * before a WinRT declaration block) arrive as identifiers, so they stay usable as parameter names elsewhere. */
static void
expect_word(struct rc_lexstate *ls, const char *got, const char *want, struct rc_loc loc)
{
	if (strcmp(got, want) != 0) {
		rc_error(CTX->diag, RC_E_SYNTAX, loc, "unexpected identifier '%s' (did you mean '%s'?)", got, want);
		ls->errors++;
	}
}

/* SAFEARRAY(T): an OLE automation array, a pointer to the SAFEARRAY descriptor in C. */
static struct rc_type *
make_safearray(struct rc_lexstate *ls, struct rc_type *elem, struct rc_loc loc)
{
	struct rc_type *t = rc_type_named(CTX, 0, rc_intern(&CTX->strings, "SAFEARRAY"), loc);
	struct rc_type *p = rc_type_pointer(CTX, t, loc);
	p->size = rc_expr_new(CTX, EX_TYPE, elem->loc); /* remembers the element type */
	p->size->type = elem;
	return p;
}
