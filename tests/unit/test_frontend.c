/* Unit tests: the front-end phases in-process (parse, resolve, ACF merge, check), on small
 * IDL snippets, asserting the exact tree and the exact diagnostics. */
#include <string.h>

#include "attrs.h"
#include "check_main.h"
#include "frontend.h"

struct fx {
	struct rc_options o;
	struct rc_diag d;
	struct rc_ctx ctx;
	unsigned errors;
};

/* Parses idl (and acf, if not NULL) and runs the phases until one reports errors. */
static void
fx_run(struct fx *f, const char *idl, const char *acf)
{
	memset(f, 0, sizeof(*f));
	rc_diag_init(&f->d, NULL);
	f->d.show_source = false;
	rc_ctx_init(&f->ctx, &f->o, &f->d);
	f->ctx.main = rc_parse_text(&f->ctx, "t.idl", idl, strlen(idl), false, true, &f->errors);
	if (acf && !f->errors)
		f->ctx.acf = rc_parse_text(&f->ctx, "t.acf", acf, strlen(acf), true, true, &f->errors);
	if (!f->errors)
		f->errors += rc_analyse(&f->ctx);
}

static void
fx_free(struct fx *f)
{
	rc_ctx_free(&f->ctx);
	rc_diag_free(&f->d);
}

static const char *
diags(struct fx *f)
{
	return rc_sb_str(&f->d.captured);
}

static struct rc_type *
type_named(struct fx *f, const char *name)
{
	return rc_map_get(&f->ctx.types, rc_intern(&f->ctx.strings, name));
}

static struct rc_var *
value_named(struct fx *f, const char *name)
{
	return rc_map_get(&f->ctx.values, rc_intern(&f->ctx.strings, name));
}

/* The first procedure of the first interface of the main file. */
static struct rc_var *
first_proc(struct fx *f)
{
	for (struct rc_stmt *s = f->ctx.main->stmts; s; s = s->next)
		if (s->kind == ST_INTERFACE && s->type->body)
			for (struct rc_stmt *b = s->type->body; b; b = b->next)
				if (b->kind == ST_FUNC)
					return b->var;
	return NULL;
}

#define UUID "[uuid(12345678-1234-1234-1234-123456789abc), version(1.0)]\n"

START_TEST(attribute_names_are_identifiers)
{
	/* in, out, async and string are attribute names inside [...] and plain names outside. */
	struct fx f;
	fx_run(&f, UUID "interface i { void f([in] long in, [out] long *out, [in] long async, [in, string] char *string); }", NULL);
	ck_assert_str_eq(diags(&f), "");
	struct rc_var *p = first_proc(&f);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->type->nfields, 4);
	ck_assert_str_eq(p->type->fields[0]->name, "in");
	ck_assert(rc_attr_has(p->type->fields[0]->attrs, RC_A_IN));
	ck_assert_str_eq(p->type->fields[1]->name, "out");
	ck_assert(rc_attr_has(p->type->fields[1]->attrs, RC_A_OUT));
	ck_assert_str_eq(p->type->fields[3]->name, "string");
	ck_assert(rc_attr_has(p->type->fields[3]->attrs, RC_A_STRING));
	fx_free(&f);
}
END_TEST

START_TEST(declarators_follow_c)
{
	struct fx f;
	fx_run(&f, "typedef long *A[10];\n"       /* array of 10 pointers */
	           "typedef long (*B)[10];\n"     /* pointer to an array of 10 */
	           "typedef long (*C)(short);\n"  /* pointer to a function */
	           "typedef long D[2][3];\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	struct rc_type *a = type_named(&f, "A")->ref;
	ck_assert_int_eq(a->kind, TK_ARRAY);
	ck_assert_int_eq(a->ref->kind, TK_POINTER);
	ck_assert_int_eq(a->ref->ref->kind, TK_BASE);
	struct rc_type *b = type_named(&f, "B")->ref;
	ck_assert_int_eq(b->kind, TK_POINTER);
	ck_assert_int_eq(b->ref->kind, TK_ARRAY);
	struct rc_type *c = type_named(&f, "C")->ref;
	ck_assert_int_eq(c->kind, TK_POINTER);
	ck_assert_int_eq(c->ref->kind, TK_FUNC);
	ck_assert_uint_eq(c->ref->nfields, 1);
	ck_assert_int_eq(c->ref->ref->kind, TK_BASE);
	struct rc_type *d = type_named(&f, "D")->ref;
	int64_t n;
	ck_assert_int_eq(d->kind, TK_ARRAY);
	ck_assert(rc_eval_const(&f.ctx, d->size, &n, true));
	ck_assert_int_eq(n, 2);
	ck_assert(rc_eval_const(&f.ctx, d->ref->size, &n, true));
	ck_assert_int_eq(n, 3);
	fx_free(&f);
}
END_TEST

START_TEST(enum_values_and_constants)
{
	struct fx f;
	fx_run(&f, "enum e { A, B = 5, C, D = A + B * 2, E = -1, F };\n"
	           "const long K = (D << 2) | 1;\n"
	           "const unsigned long M = (unsigned short)-1;\n"
	           "const long P = K > 10 ? K - 1 : 0;\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	ck_assert_int_eq(value_named(&f, "A")->enum_value, 0);
	ck_assert_int_eq(value_named(&f, "C")->enum_value, 6);
	ck_assert_int_eq(value_named(&f, "D")->enum_value, 10);
	ck_assert_int_eq(value_named(&f, "F")->enum_value, 0);
	int64_t v;
	ck_assert(rc_eval_const(&f.ctx, value_named(&f, "K")->value, &v, true));
	ck_assert_int_eq(v, 41);
	ck_assert(rc_eval_const(&f.ctx, value_named(&f, "M")->value, &v, true));
	ck_assert_int_eq(v, 65535);
	ck_assert(rc_eval_const(&f.ctx, value_named(&f, "P")->value, &v, true));
	ck_assert_int_eq(v, 40);
	fx_free(&f);
}
END_TEST

START_TEST(parenthesized_name_minus_is_subtraction)
{
	/* "(n) - 1" parses like a cast of -1 to a type n; resolve turns it back into n - 1. */
	struct fx f;
	fx_run(&f, UUID "interface i { void f([in] long n, [in, size_is((n) - 1)] long *a, [in, size_is((long)n)] long *b); }",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	struct rc_var *p = first_proc(&f);
	struct rc_expr *e = rc_attr_find(p->type->fields[1]->attrs, RC_A_SIZE_IS)->args[0];
	ck_assert_int_eq(e->kind, EX_BINARY);
	ck_assert_int_eq(e->op, '-');
	ck_assert_ptr_eq(e->a->ref_var, p->type->fields[0]);
	struct rc_expr *c = rc_attr_find(p->type->fields[2]->attrs, RC_A_SIZE_IS)->args[0];
	ck_assert_int_eq(c->kind, EX_CAST);
	fx_free(&f);
}
END_TEST

START_TEST(typedef_chains_and_tags_resolve)
{
	struct fx f;
	fx_run(&f, "typedef struct node { struct node *next; long v; } NODE, *PNODE;\n"
	           "typedef PNODE LIST;\n"
	           "typedef struct never_defined *OPAQUE;\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	struct rc_type *list = rc_type_unalias(type_named(&f, "LIST"));
	ck_assert_int_eq(list->kind, TK_POINTER);
	struct rc_type *node = rc_type_unalias(list->ref);
	ck_assert_int_eq(node->kind, TK_STRUCT);
	ck_assert_str_eq(node->name, "node");
	/* the self reference resolves to the same definition */
	ck_assert_ptr_eq(rc_type_unalias(rc_type_unalias(node->fields[0]->type)->ref), node);
	/* a tag never defined is an incomplete struct, fine behind a pointer */
	struct rc_type *o = rc_type_unalias(rc_type_unalias(type_named(&f, "OPAQUE"))->ref);
	ck_assert_int_eq(o->kind, TK_STRUCT);
	ck_assert(!(o->flags & RC_TF_DEFINED));
	fx_free(&f);
}
END_TEST

START_TEST(namespaces_qualify_and_look_outwards)
{
	struct fx f;
	fx_run(&f, "namespace A.B { typedef long T; namespace C { typedef T U; } }\n"
	           "typedef A.B.C.U V;\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	ck_assert_ptr_nonnull(type_named(&f, "A.B.T"));
	struct rc_type *u = type_named(&f, "A.B.C.U");
	ck_assert_ptr_nonnull(u);
	ck_assert_ptr_eq(rc_type_deref_named(u->ref), type_named(&f, "A.B.T"));
	ck_assert_ptr_eq(rc_type_deref_named(type_named(&f, "V")->ref), u);
	fx_free(&f);
}
END_TEST

START_TEST(acf_attributes_land_on_the_idl)
{
	struct fx f;
	fx_run(&f, UUID "interface calc { long Add([in] long a, [out] error_status_t *st); }",
	       "[implicit_handle(handle_t h)] interface calc { [async] Add([comm_status] st); }");
	ck_assert_str_eq(diags(&f), "");
	struct rc_var *p = first_proc(&f);
	ck_assert(rc_attr_has(p->attrs, RC_A_ASYNC));
	ck_assert(rc_attr_find(p->attrs, RC_A_ASYNC)->from_acf);
	ck_assert(rc_attr_has(p->type->fields[1]->attrs, RC_A_COMM_STATUS));
	ck_assert(rc_attr_has(p->type->fields[1]->attrs, RC_A_OUT)); /* the IDL's own stay */
	struct rc_type *iface = f.ctx.main->stmts->type;
	struct rc_attr *ih = rc_attr_find(iface->attrs, RC_A_IMPLICIT_HANDLE);
	ck_assert_ptr_nonnull(ih);
	ck_assert_str_eq(ih->args[0]->str, "h");
	fx_free(&f);
}
END_TEST

START_TEST(a_phase_reports_all_its_errors)
{
	struct fx f;
	fx_run(&f, UUID "interface i {\n"
	           "  void f([out] long a);\n"
	           "  void g([in, string] long *s);\n"
	           "  void h([in] long n, [in, size_is(m)] long *p);\n"
	           "}\n",
	       NULL);
	ck_assert_uint_eq(f.errors, 3);
	ck_assert_str_eq(diags(&f),
	                 "t.idl:3:21: error: [out] parameter 'a' must be a pointer\n"
	                 "t.idl:4:15: error: [string] on 's' of type 'long *': it needs an array of or pointer to char, byte or wchar_t\n"
	                 "t.idl:5:36: error: 'm' in [size_is] is not a parameter of this declaration\n");
	fx_free(&f);
}
END_TEST

START_TEST(syntax_errors_recover_at_the_next_statement)
{
	struct fx f;
	fx_run(&f, "typedef long long long A;\nconst long B = ;\ntypedef short C;\n", NULL);
	ck_assert_uint_eq(f.errors, 2);
	ck_assert_str_eq(diags(&f),
	                 "t.idl:1:19: error: unexpected 'long'\n"
	                 "t.idl:2:16: error: unexpected ';'\n");
	fx_free(&f);
}
END_TEST

START_TEST(com_interfaces_skip_rpc_rules)
{
	/* [object] interfaces produce no stubs: RPC-only rules do not apply to them. */
	struct fx f;
	fx_run(&f, "[object, uuid(12345678-1234-1234-1234-123456789abc)]\n"
	           "interface IFoo { long f([out, unique] long *p); }\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	fx_free(&f);
	fx_run(&f, UUID "interface rpc { long f([out, unique] long *p); }\n", NULL);
	ck_assert_str_eq(diags(&f),
	                 "t.idl:2:30: error: top-level [out] pointer 'p' must be [ref]: the caller provides its storage\n");
	fx_free(&f);
}
END_TEST

START_TEST(binary_junk_gives_diagnostics_not_crashes)
{
	static const char junk[] = "interface \x01\x02\xff { [[[[ long f(( ; } \" ' /* ";
	struct fx f;
	fx_run(&f, junk, NULL);
	ck_assert_uint_gt(f.errors, 0);
	ck_assert_ptr_nonnull(strstr(diags(&f), "t.idl:1:"));
	fx_free(&f);
}
END_TEST

START_TEST(string_applies_to_the_innermost_pointer)
{
	struct fx f;
	fx_run(&f, UUID "interface s { void f([out, string] char **p, [in, string] char a[10]); }", NULL);
	ck_assert_str_eq(diags(&f), "");
	fx_free(&f);
	fx_run(&f, UUID "interface s { void f([in, string] long **p); }", NULL);
	ck_assert_str_eq(diags(&f), "t.idl:2:27: error: [string] on 'p' of type 'long **': it needs an array of or pointer to char, byte or wchar_t\n");
	fx_free(&f);
}
END_TEST

START_TEST(winrt_enums_and_structs_by_qualified_name)
{
	struct fx f;
	fx_run(&f, "namespace Demo.Geometry { enum Shape { Circle = 1, Other = Circle + 10 }; struct Point { long x; }; }\n"
	           "namespace Demo.Use { typedef Demo.Geometry.Point P; }\n",
	       NULL);
	ck_assert_str_eq(diags(&f), "");
	ck_assert_int_eq(value_named(&f, "Demo.Geometry.Shape.Other")->enum_value, 11);
	struct rc_type *p = rc_type_unalias(type_named(&f, "Demo.Use.P"));
	ck_assert_int_eq(p->kind, TK_STRUCT);
	ck_assert_str_eq(p->name, "Point");
	fx_free(&f);
}
END_TEST

static Suite *
frontend_suite(void)
{
	Suite *s = suite_create("frontend");
	TCase *tc = tcase_create("frontend");
	tcase_add_test(tc, attribute_names_are_identifiers);
	tcase_add_test(tc, declarators_follow_c);
	tcase_add_test(tc, enum_values_and_constants);
	tcase_add_test(tc, parenthesized_name_minus_is_subtraction);
	tcase_add_test(tc, typedef_chains_and_tags_resolve);
	tcase_add_test(tc, namespaces_qualify_and_look_outwards);
	tcase_add_test(tc, acf_attributes_land_on_the_idl);
	tcase_add_test(tc, a_phase_reports_all_its_errors);
	tcase_add_test(tc, syntax_errors_recover_at_the_next_statement);
	tcase_add_test(tc, com_interfaces_skip_rpc_rules);
	tcase_add_test(tc, binary_junk_gives_diagnostics_not_crashes);
	tcase_add_test(tc, string_applies_to_the_innermost_pointer);
	tcase_add_test(tc, winrt_enums_and_structs_by_qualified_name);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(frontend_suite)
