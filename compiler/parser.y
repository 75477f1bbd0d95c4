/* ridl compiler: the IDL and ACF grammar (pure bison parser).
 *
 * Actions only call constructors (ast.c, or the small builders at the end of this file); all
 * meaning is given later by resolve, acf and check. Identifiers are never classified here:
 * whether a name is a type or a value is decided by resolve, so the lexer needs no feedback.
 */
%require "3.0"
%define api.pure full
%define parse.error custom
%define parse.lac full
%define api.location.type {struct rc_loc}
%locations
%expect 2
%param {void *scanner}
%parse-param {struct rc_lexstate *ls}

%code requires {
#include "ast.h"
#include "parse_internal.h"
}

%code provides {
int yylex(YYSTYPE *lval, struct rc_loc *lloc, void *scanner);
}

%code {
#include <stdlib.h>
#include <string.h>

#include "attrs.h"

#define CTX (ls->ctx)
#define YYMAXDEPTH 1000
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                                \
	do {                                                                                       \
		if (N) {                                                                           \
			(Cur) = YYRHSLOC(Rhs, 1);                                                  \
			struct rc_loc e_ = YYRHSLOC(Rhs, N);                                       \
			if (e_.file == (Cur).file && e_.line == (Cur).line &&                      \
			    e_.col + e_.len > (Cur).col)                                           \
				(Cur).len = e_.col + e_.len - (Cur).col;                           \
		} else {                                                                           \
			(Cur) = YYRHSLOC(Rhs, 0);                                                  \
			(Cur).col += (Cur).len;                                                    \
			(Cur).len = 0;                                                             \
		}                                                                                  \
	} while (0)

static void yyerror(struct rc_loc *loc, void *scanner, struct rc_lexstate *ls, const char *msg);

static void plist_push(struct rc_ctx *ctx, struct rc_plist *l, void *item);
static struct rc_plist plist_one(struct rc_ctx *ctx, void *item);
static void **plist_array(struct rc_ctx *ctx, struct rc_plist *l);
static void slist_add(struct rc_stmt_list *l, struct rc_stmt *s);

static struct rc_declarator *decl_name(struct rc_ctx *ctx, const char *name, struct rc_loc loc);
static struct rc_declarator *decl_wrap(struct rc_ctx *ctx, struct rc_declarator *d, struct rc_type *t);
static struct rc_type *decl_apply(struct rc_declarator *d, struct rc_type *base);
static struct rc_type *type_with_quals(struct rc_ctx *ctx, struct rc_type *t, unsigned quals);

static struct rc_stmt *make_typedef(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base,
                                    struct rc_plist *decls, struct rc_loc loc);
static struct rc_stmt *make_decl(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base,
                                 struct rc_plist *decls, struct rc_expr *init, struct rc_loc loc);
static struct rc_stmt *make_type_stmt(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *t, struct rc_loc loc);
static struct rc_type *make_aggregate(struct rc_lexstate *ls, enum rc_type_kind kind, const char *name,
                                      struct rc_loc loc, struct rc_plist *fields);
static struct rc_type *make_encap_union(struct rc_lexstate *ls, const char *name, struct rc_loc loc,
                                        struct rc_type *disc_type, const char *disc_name, struct rc_loc disc_loc,
                                        const char *union_name, struct rc_plist *arms);
static void add_fields(struct rc_lexstate *ls, struct rc_plist *out, struct rc_attr *attrs, struct rc_type *base,
                       struct rc_plist *decls, enum rc_var_kind kind);
static struct rc_var *make_param(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *base,
                                 struct rc_declarator *d, struct rc_loc loc);
static struct rc_var *make_arm(struct rc_lexstate *ls, struct rc_plist *labels, struct rc_var *field, struct rc_loc loc);
static struct rc_type *make_container(struct rc_lexstate *ls, enum rc_type_kind kind, struct rc_attr *attrs,
                                      struct rc_type *name, struct rc_loc loc);
static struct rc_stmt *finish_container(struct rc_lexstate *ls, enum rc_stmt_kind kind, struct rc_type *t,
                                        struct rc_stmt *body, struct rc_loc loc);
static struct rc_stmt *make_import(struct rc_lexstate *ls, const char *name, struct rc_loc loc);
static struct rc_stmt *make_str_stmt(struct rc_lexstate *ls, enum rc_stmt_kind kind, const char *s, struct rc_loc loc);
static struct rc_stmt *make_namespace(struct rc_lexstate *ls, const char *name, struct rc_stmt *body, struct rc_loc loc);
static const char *ns_enter(struct rc_lexstate *ls, const char *name);
static struct rc_type *make_qname(struct rc_lexstate *ls, struct rc_type *prefix, const char *name, struct rc_loc loc);
static struct rc_expr *make_ident(struct rc_lexstate *ls, const char *name, struct rc_loc loc);
static struct rc_expr *make_type_expr(struct rc_lexstate *ls, struct rc_type *t, struct rc_loc loc);
static struct rc_expr *make_cast(struct rc_lexstate *ls, struct rc_type *t, struct rc_expr *e, struct rc_loc loc);
static struct rc_expr *make_member(struct rc_lexstate *ls, enum rc_expr_kind kind, struct rc_expr *a,
                                   const char *name, struct rc_loc loc);
static struct rc_attr *make_attr(struct rc_lexstate *ls, const char *name, struct rc_loc loc,
                                 struct rc_plist *args, bool parens);
static struct rc_type *make_generic(struct rc_lexstate *ls, struct rc_type *base, struct rc_plist *args, struct rc_loc loc);
static struct rc_type *make_iface_name(struct rc_lexstate *ls, struct rc_type *name, struct rc_plist *gparams, struct rc_loc loc);
static struct rc_type *make_delegate(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_type *ret,
                                     const char *name, struct rc_loc loc, struct rc_plist *gparams, struct rc_plist *params);
static struct rc_stmt *make_acf_interface(struct rc_lexstate *ls, struct rc_attr *attrs, const char *name,
                                          struct rc_loc loc, struct rc_stmt_list *body);
static struct rc_stmt *make_acf_func(struct rc_lexstate *ls, struct rc_attr *attrs, const char *name,
                                     struct rc_loc loc, struct rc_plist *params);
static struct rc_stmt *make_acf_typedef(struct rc_lexstate *ls, struct rc_attr *attrs, struct rc_plist *names, struct rc_loc loc);
static struct rc_expr *check_depth(struct rc_lexstate *ls, struct rc_expr *e);
static void expect_word(struct rc_lexstate *ls, const char *got, const char *want, struct rc_loc loc);
static struct rc_type *make_safearray(struct rc_lexstate *ls, struct rc_type *elem, struct rc_loc loc);
static struct rc_expr *make_ptr_cast(struct rc_lexstate *ls, struct rc_expr *name, int stars, struct rc_expr *e, struct rc_loc loc);
static void attach_attrs(struct rc_lexstate *ls, struct rc_stmt *s, struct rc_attr *attrs);
static struct rc_type *make_array(struct rc_lexstate *ls, struct rc_expr *size, struct rc_loc loc);
}

%union {
	const char *str;
	struct rc_expr *expr;
	struct rc_type *type;
	struct rc_var *var;
	struct rc_stmt *stmt;
	struct rc_attr *attr;
	struct rc_stmt_list slist;
	struct rc_plist plist;
	struct rc_declarator *decl; /* a pointer keeps the value stack small */
	unsigned uval;
}

%token START_IDL START_ACF LEX_ERROR
%token <str> IDENT "identifier"
%token <str> STRING "string"
%token <str> WSTRING "wide string"
%token <str> UUID_TOK "UUID"
%token <str> PRAGMA_LINE "#pragma"
%token <str> CALLCONV "calling convention"
%token <expr> INTNUM "number"
%token <expr> FLOATNUM "floating-point number"
%token <expr> CHARLIT "character constant"
%token TYPEDEF "typedef" STRUCT "struct" UNION "union" ENUM "enum" SWITCH "switch" CASE "case"
%token DEFAULT "default" CONST "const" VOLATILE "volatile" SIGNED "signed" UNSIGNED "unsigned"
%token VOID "void" BOOLEAN "boolean" BYTE "byte" CHAR "char" WCHAR_T "wchar_t" SMALL "small"
%token SHORT "short" LONG "long" INT "int" HYPER "hyper" INT8 "__int8" INT16 "__int16"
%token INT32 "__int32" INT64 "__int64" INT3264 "__int3264" FLOAT "float" DOUBLE "double"
%token ERROR_STATUS_T "error_status_t" HANDLE_T "handle_t" INTERFACE "interface"
%token DISPINTERFACE "dispinterface" COCLASS "coclass" LIBRARY "library" MODULE "module"
%token IMPORT "import" IMPORTLIB "importlib" CPP_QUOTE "cpp_quote" SIZEOF "sizeof"
%token TOK_TRUE "TRUE" TOK_FALSE "FALSE" TOK_NULL "NULL" PROPERTIES "properties" METHODS "methods"
%token NAMESPACE "namespace" RUNTIMECLASS "runtimeclass" DELEGATE "delegate"
%token APICONTRACT "apicontract" PIPE "pipe" SAFEARRAY "SAFEARRAY"
%token STATIC "static" EXTERN "extern" REGISTER "register" INLINE "inline"
%token SHL "<<" LE "<=" GE ">=" EQ "==" NE "!=" ANDAND "&&" OROR "||" PTR_OP "->" ELLIPSIS "..."

%type <slist> stmts acf_items acf_body
%type <stmt> stmt decl_stmt acf_item acf_body_item
%type <attr> attrs_opt attrs attr_list attr attr_opt
%type <plist> attr_args decl_list fields field params_opt params enumerators union_body acf_strings
%type <plist> case_labels type_args gparams_opt coclass_members qname_list
%type <plist> acf_params_opt acf_params ident_list import_list declare_items
%type <expr> expr attr_arg array_size case_label
%type <type> type type_spec base_type int_type qtype aggregate enum_spec iface_name
%type <type> cast_type generic_or_qtype inherit_opt
%type <var> param enumerator arm_field coclass_member acf_param
%type <decl> declarator direct_declarator abs_declarator abs_direct param_declarator
%type <str> any_name ident_opt union_name_opt
%type <uval> quals quals_opt

%precedence LOWEST
%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence CAST UNARY
%precedence '.' PTR_OP '['

%start start

%%

start:
	  START_IDL stmts		{ ls->file_node->stmts = $2.head; }
	| START_ACF acf_items		{ ls->file_node->stmts = $2.head; }
	;

/* ---------------- IDL statements ---------------- */

stmts:
	  %empty			{ $$.head = $$.tail = NULL; }
	| stmts stmt			{ $$ = $1; slist_add(&$$, $2); }
	;

stmt:
	  IMPORT import_list ';'	{ $$ = NULL; for (struct rc_pnode *n = $2.head; n; n = n->next) { struct rc_stmt *s = n->item; s->next = $$; $$ = s; }
	                                  /* reverse back into source order */
	                                  struct rc_stmt *r = NULL; while ($$) { struct rc_stmt *nx = $$->next; $$->next = r; r = $$; $$ = nx; } $$ = r; }
	| IMPORTLIB '(' STRING ')' ';'	{ $$ = make_str_stmt(ls, ST_IMPORTLIB, $3, @$); }
	| CPP_QUOTE '(' STRING ')'	{ $$ = make_str_stmt(ls, ST_CPP_QUOTE, $3, @$); }
	| PRAGMA_LINE			{ $$ = make_str_stmt(ls, ST_PRAGMA, $1, @$); }
	| NAMESPACE qtype '{'		{ $<str>$ = ns_enter(ls, $2->qname); }
	  stmts '}'			{ $$ = make_namespace(ls, ls->ctx->cur_namespace, $5.head, @$); ls->ctx->cur_namespace = $<str>4; }
	| IDENT '{' declare_items '}'	{ expect_word(ls, $1, "declare", @1); $$ = rc_stmt_new(CTX, ST_DECLARE, @$); }
	| attrs decl_stmt		{ $$ = $2; attach_attrs(ls, $$, $1); }
	| decl_stmt			{ $$ = $1; }
	| ';'				{ $$ = NULL; }
	| error ';'			{ $$ = NULL; yyerrok; }
	| error '}'			{ $$ = NULL; yyerrok; }
	;

import_list:
	  STRING			{ $$ = plist_one(CTX, make_import(ls, $1, @1)); }
	| import_list ',' STRING	{ $$ = $1; plist_push(CTX, &$$, make_import(ls, $3, @3)); }
	;

declare_items:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| declare_items INTERFACE generic_or_qtype ';'	{ $$ = $1; }
	;

/* Everything that may carry a leading attribute list. The attributes land on the statement;
 * the builders move them onto the declared thing. */
decl_stmt:
	  TYPEDEF attrs_opt type decl_list ';'	{ $$ = make_typedef(ls, $2, $3, &$4, @$); }
	| type ';'				{ $$ = make_type_stmt(ls, NULL, $1, @$); }
	| type decl_list ';'			{ $$ = make_decl(ls, NULL, $1, &$2, NULL, @$); }
	| type decl_list '=' expr ';'		{ $$ = make_decl(ls, NULL, $1, &$2, $4, @$); }
	| storage type decl_list ';'		{ $$ = make_decl(ls, NULL, $2, &$3, NULL, @$); }
	| storage type decl_list '=' expr ';'	{ $$ = make_decl(ls, NULL, $2, &$3, $5, @$); }
	| INTERFACE iface_name ';'		{ $$ = rc_stmt_new(CTX, ST_INTERFACE, @$); $$->type = make_container(ls, TK_INTERFACE, NULL, $2, @2); $$->type->flags &= ~RC_TF_DEFINED; }
	| INTERFACE iface_name inherit_opt '{'	{ $<type>$ = make_container(ls, TK_INTERFACE, NULL, $2, @2); $<type>$->ref = $3; }
	  stmts '}'			{ $$ = finish_container(ls, ST_INTERFACE, $<type>5, $6.head, @$); }
	| INTERFACE iface_name inherit_opt IDENT qname_list '{'
						{ $<type>$ = make_container(ls, TK_INTERFACE, NULL, $2, @2); $<type>$->ref = $3;
						  expect_word(ls, $4, "requires", @4);
						  $<type>$->nrequires = $5.n; $<type>$->requires = (struct rc_type **)plist_array(CTX, &$5); }
	  stmts '}'			{ $$ = finish_container(ls, ST_INTERFACE, $<type>7, $8.head, @$); }
	| DISPINTERFACE qtype ';'		{ $$ = rc_stmt_new(CTX, ST_DISPINTERFACE, @$); $$->type = make_container(ls, TK_DISPINTERFACE, NULL, $2, @2); $$->type->flags &= ~RC_TF_DEFINED; }
	| DISPINTERFACE qtype '{'		{ $<type>$ = make_container(ls, TK_DISPINTERFACE, NULL, $2, @2); }
	  dispinterface_body '}'	{ $$ = finish_container(ls, ST_DISPINTERFACE, $<type>4, NULL, @$); }
	| COCLASS qtype ';'			{ $$ = rc_stmt_new(CTX, ST_COCLASS, @$); $$->type = make_container(ls, TK_COCLASS, NULL, $2, @2); $$->type->flags &= ~RC_TF_DEFINED; }
	| COCLASS qtype '{' coclass_members '}'
						{ struct rc_type *t = make_container(ls, TK_COCLASS, NULL, $2, @2);
						  t->nmembers = $4.n; t->members = (struct rc_var **)plist_array(CTX, &$4);
						  $$ = finish_container(ls, ST_COCLASS, t, NULL, @$); }
	| RUNTIMECLASS qtype ';'		{ $$ = rc_stmt_new(CTX, ST_RUNTIMECLASS, @$); $$->type = make_container(ls, TK_RUNTIMECLASS, NULL, $2, @2); $$->type->flags &= ~RC_TF_DEFINED; }
	| RUNTIMECLASS qtype '{' coclass_members '}'
						{ struct rc_type *t = make_container(ls, TK_RUNTIMECLASS, NULL, $2, @2);
						  t->nmembers = $4.n; t->members = (struct rc_var **)plist_array(CTX, &$4);
						  $$ = finish_container(ls, ST_RUNTIMECLASS, t, NULL, @$); }
	| LIBRARY qtype '{'			{ $<type>$ = make_container(ls, TK_LIBRARY, NULL, $2, @2); }
	  stmts '}'			{ $$ = finish_container(ls, ST_LIBRARY, $<type>4, $5.head, @$); }
	| MODULE qtype '{'			{ $<type>$ = make_container(ls, TK_MODULE, NULL, $2, @2); }
	  stmts '}'			{ $$ = finish_container(ls, ST_MODULE, $<type>4, $5.head, @$); }
	| APICONTRACT qtype '{' '}'	{ $$ = finish_container(ls, ST_APICONTRACT, make_container(ls, TK_APICONTRACT, NULL, $2, @2), NULL, @$); }
	| APICONTRACT qtype ';'		{ $$ = rc_stmt_new(CTX, ST_APICONTRACT, @$); $$->type = make_container(ls, TK_APICONTRACT, NULL, $2, @2); $$->type->flags &= ~RC_TF_DEFINED; }
	| DELEGATE type any_name gparams_opt '(' params_opt ')' ';'
						{ $$ = rc_stmt_new(CTX, ST_DELEGATE, @$); $$->type = make_delegate(ls, NULL, $2, $3, @3, &$4, &$6); }
	;

storage: STATIC | EXTERN | INLINE | STATIC INLINE ;

iface_name:
	  qtype gparams_opt		{ $$ = make_iface_name(ls, $1, &$2, @$); }
	;

gparams_opt:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| '<' type_args '>'		{ $$ = $2; }
	;

inherit_opt:
	  %empty			{ $$ = NULL; }
	| ':' generic_or_qtype		{ $$ = $2; }
	;

qname_list:
	  generic_or_qtype		{ $$ = plist_one(CTX, $1); }
	| qname_list ',' generic_or_qtype { $$ = $1; plist_push(CTX, &$$, $3); }
	;

dispinterface_body:
	  PROPERTIES ':' fields METHODS ':' stmts
					{ struct rc_type *t = $<type>0; t->nfields = $3.n; t->fields = (struct rc_var **)plist_array(CTX, &$3); t->body = $6.head; }
	| INTERFACE qtype ';'		{ $<type>0->ref = $2; }
	;

coclass_members:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| coclass_members coclass_member { $$ = $1; if ($2) plist_push(CTX, &$$, $2); }
	;

coclass_member:
	  attrs_opt INTERFACE generic_or_qtype ';'	{ $$ = rc_var_new(CTX, RC_V_MEMBER, NULL, @3); $$->type = $3; $$->attrs = $1; }
	| attrs_opt DISPINTERFACE qtype ';'	{ $$ = rc_var_new(CTX, RC_V_MEMBER, NULL, @3); $$->type = $3; $$->attrs = $1; }
	| error ';'				{ $$ = NULL; yyerrok; }
	;

/* ---------------- attributes ---------------- */

attrs_opt:
	  %empty			{ $$ = NULL; }
	| attrs				{ $$ = $1; }
	;

attrs:
	  '[' attr_list ']'		{ $$ = $2; }
	| attrs '[' attr_list ']'	{ $$ = rc_attr_append($1, $3); }
	;

/* Empty items are allowed: [threading(both), uuid(...)] after threading() expands to nothing. */
attr_list:
	  attr_opt			{ $$ = $1; }
	| attr_list ',' attr_opt	{ $$ = rc_attr_append($1, $3); }
	;

attr_opt:
	  %empty			{ $$ = NULL; }
	| attr				{ $$ = $1; }
	;

attr:
	  any_name			{ $$ = make_attr(ls, $1, @1, NULL, false); }
	| any_name '(' attr_args ')'	{ $$ = make_attr(ls, $1, @1, &$3, true); }
	| CASE '(' attr_args ')'	{ $$ = make_attr(ls, "case", @1, &$3, true); }
	| DEFAULT			{ $$ = make_attr(ls, "default", @1, NULL, false); }
	| STATIC '(' attr_args ')'	{ $$ = make_attr(ls, "static", @1, &$3, true); }
	;

attr_args:
	  attr_arg			{ $$ = plist_one(CTX, $1); }
	| attr_args ',' attr_arg	{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

attr_arg:
	  %empty			{ $$ = rc_expr_new(CTX, EX_EMPTY, @$); }
	| expr				{ $$ = $1; }
	| UUID_TOK			{ $$ = rc_expr_new(CTX, EX_UUID, @1); $$->str = $1; }
	| base_type			{ $$ = make_type_expr(ls, $1, @1); }
	| base_type '*'			{ $$ = make_type_expr(ls, rc_type_pointer(CTX, $1, @2), @$); }
	| STRUCT any_name		{ $$ = make_type_expr(ls, rc_type_named(CTX, TK_STRUCT, $2, @$), @$); }
	| UNION any_name		{ $$ = make_type_expr(ls, rc_type_named(CTX, TK_UNION, $2, @$), @$); }
	| ENUM any_name			{ $$ = make_type_expr(ls, rc_type_named(CTX, TK_ENUM, $2, @$), @$); }
	| handle_decl			{ $$ = $<expr>1; }
	;

/* implicit_handle(handle_t name) or implicit_handle(TYPE name) */
handle_decl:
	  base_type any_name		{ struct rc_expr *e = make_type_expr(ls, $1, @$); e->str = $2; $<expr>$ = e; }
	| any_name any_name		{ struct rc_expr *e = make_type_expr(ls, rc_type_named(CTX, 0, $1, @1), @$); e->str = $2; $<expr>$ = e; }
	;

/* ---------------- types ---------------- */

quals:
	  CONST				{ $$ = RC_TF_CONST; }
	| VOLATILE			{ $$ = 0; }
	| quals CONST			{ $$ = $1 | RC_TF_CONST; }
	| quals VOLATILE		{ $$ = $1; }
	;

quals_opt:
	  %empty			{ $$ = 0; }
	| quals				{ $$ = $1; }
	;

type:
	  type_spec			{ $$ = $1; }
	| quals type_spec		{ $$ = type_with_quals(CTX, $2, $1); }
	| type_spec quals		{ $$ = type_with_quals(CTX, $1, $2); }
	| quals type_spec quals		{ $$ = type_with_quals(CTX, $2, $1 | $3); }
	;

type_spec:
	  base_type			{ $$ = $1; }
	| generic_or_qtype		{ $$ = $1; }
	| aggregate			{ $$ = $1; }
	| enum_spec			{ $$ = $1; }
	| STRUCT any_name		{ $$ = rc_type_named(CTX, TK_STRUCT, $2, @$); }
	| UNION any_name		{ $$ = rc_type_named(CTX, TK_UNION, $2, @$); }
	| ENUM any_name			{ $$ = rc_type_named(CTX, TK_ENUM, $2, @$); }
	| PIPE type_spec		{ $$ = rc_type_new(CTX, TK_PIPE, @$); $$->ref = $2; }
	| SAFEARRAY '(' type ')'	{ $$ = make_safearray(ls, $3, @$); }
	;

base_type:
	  VOID				{ $$ = rc_type_new(CTX, TK_VOID, @$); }
	| int_type			{ $$ = $1; }
	| SIGNED int_type		{ $$ = $2; $$->sign = RC_SIGN_SIGNED; $$->loc = @$; }
	| UNSIGNED int_type		{ $$ = $2; $$->sign = RC_SIGN_UNSIGNED; $$->loc = @$; }
	| int_type SIGNED		{ $$ = $1; $$->sign = RC_SIGN_SIGNED; $$->loc = @$; }
	| int_type UNSIGNED		{ $$ = $1; $$->sign = RC_SIGN_UNSIGNED; $$->loc = @$; }
	| UNSIGNED %prec LOWEST		{ $$ = rc_type_base(CTX, RC_B_INT, RC_SIGN_UNSIGNED, @$); }
	| SIGNED %prec LOWEST		{ $$ = rc_type_base(CTX, RC_B_INT, RC_SIGN_SIGNED, @$); }
	| BOOLEAN			{ $$ = rc_type_base(CTX, RC_B_BOOLEAN, RC_SIGN_NONE, @$); }
	| BYTE				{ $$ = rc_type_base(CTX, RC_B_BYTE, RC_SIGN_NONE, @$); }
	| WCHAR_T			{ $$ = rc_type_base(CTX, RC_B_WCHAR, RC_SIGN_NONE, @$); }
	| FLOAT				{ $$ = rc_type_base(CTX, RC_B_FLOAT, RC_SIGN_NONE, @$); }
	| DOUBLE			{ $$ = rc_type_base(CTX, RC_B_DOUBLE, RC_SIGN_NONE, @$); }
	| LONG DOUBLE			{ $$ = rc_type_base(CTX, RC_B_DOUBLE, RC_SIGN_NONE, @$); }
	| ERROR_STATUS_T		{ $$ = rc_type_base(CTX, RC_B_ERROR_STATUS, RC_SIGN_NONE, @$); }
	| HANDLE_T			{ $$ = rc_type_base(CTX, RC_B_HANDLE, RC_SIGN_NONE, @$); }
	;

int_type:
	  SMALL				{ $$ = rc_type_base(CTX, RC_B_SMALL, RC_SIGN_NONE, @$); }
	| SHORT				{ $$ = rc_type_base(CTX, RC_B_SHORT, RC_SIGN_NONE, @$); }
	| SHORT INT			{ $$ = rc_type_base(CTX, RC_B_SHORT, RC_SIGN_NONE, @$); }
	| LONG				{ $$ = rc_type_base(CTX, RC_B_LONG, RC_SIGN_NONE, @$); }
	| LONG INT			{ $$ = rc_type_base(CTX, RC_B_LONG, RC_SIGN_NONE, @$); }
	| LONG LONG			{ $$ = rc_type_base(CTX, RC_B_HYPER, RC_SIGN_NONE, @$); }
	| LONG LONG INT			{ $$ = rc_type_base(CTX, RC_B_HYPER, RC_SIGN_NONE, @$); }
	| INT				{ $$ = rc_type_base(CTX, RC_B_INT, RC_SIGN_NONE, @$); }
	| HYPER				{ $$ = rc_type_base(CTX, RC_B_HYPER, RC_SIGN_NONE, @$); }
	| HYPER INT			{ $$ = rc_type_base(CTX, RC_B_HYPER, RC_SIGN_NONE, @$); }
	| INT8				{ $$ = rc_type_base(CTX, RC_B_INT8, RC_SIGN_NONE, @$); }
	| INT16				{ $$ = rc_type_base(CTX, RC_B_INT16, RC_SIGN_NONE, @$); }
	| INT32				{ $$ = rc_type_base(CTX, RC_B_INT32, RC_SIGN_NONE, @$); }
	| INT64				{ $$ = rc_type_base(CTX, RC_B_INT64, RC_SIGN_NONE, @$); }
	| INT3264			{ $$ = rc_type_base(CTX, RC_B_INT3264, RC_SIGN_NONE, @$); }
	| CHAR				{ $$ = rc_type_base(CTX, RC_B_CHAR, RC_SIGN_NONE, @$); }
	;

/* A possibly qualified name: IUnknown, Windows.Foundation.IClosable */
qtype:
	  any_name			{ $$ = rc_type_named(CTX, 0, $1, @1); }
	| qtype '.' any_name		{ $$ = make_qname(ls, $1, $3, @$); }
	;

generic_or_qtype:
	  qtype				{ $$ = $1; }
	| qtype '<' type_args '>'	{ $$ = make_generic(ls, $1, &$3, @$); }
	;

type_args:
	  type abs_declarator		{ $$ = plist_one(CTX, decl_apply($2, $1)); }
	| type				{ $$ = plist_one(CTX, $1); }
	| type_args ',' type abs_declarator { $$ = $1; plist_push(CTX, &$$, decl_apply($4, $3)); }
	| type_args ',' type		{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

aggregate:
	  STRUCT ident_opt '{' fields '}'	{ $$ = make_aggregate(ls, TK_STRUCT, $2, @$, &$4); }
	| UNION ident_opt '{' union_body '}'	{ $$ = make_aggregate(ls, TK_UNION, $2, @$, &$4); }
	| UNION ident_opt SWITCH '(' type any_name ')' union_name_opt '{' union_body '}'
					{ $$ = make_encap_union(ls, $2, @$, $5, $6, @6, $8, &$10); }
	;

ident_opt:
	  %empty			{ $$ = NULL; }
	| any_name			{ $$ = $1; }
	;

union_name_opt:
	  %empty			{ $$ = NULL; }
	| any_name			{ $$ = $1; }
	;

fields:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| fields field			{ $$ = $1; for (struct rc_pnode *n = $2.head; n; n = n->next) plist_push(CTX, &$$, n->item); }
	;

field:
	  attrs_opt type decl_list ';'	{ $$.head = $$.tail = NULL; $$.n = 0; add_fields(ls, &$$, $1, $2, &$3, RC_V_FIELD); }
	| attrs_opt type ';'		{ $$.head = $$.tail = NULL; $$.n = 0; add_fields(ls, &$$, $1, $2, NULL, RC_V_FIELD); }
	| attrs_opt ';'			{ $$.head = $$.tail = NULL; $$.n = 0;
					  if ($1) { struct rc_var *v = rc_var_new(CTX, RC_V_FIELD, NULL, @2); v->attrs = $1; plist_push(CTX, &$$, v); } }
	| error ';'			{ $$.head = $$.tail = NULL; $$.n = 0; yyerrok; }
	;

union_body:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| union_body field		{ $$ = $1; for (struct rc_pnode *n = $2.head; n; n = n->next) plist_push(CTX, &$$, n->item); }
	| union_body case_labels arm_field { $$ = $1; plist_push(CTX, &$$, make_arm(ls, &$2, $3, @3)); }
	;

case_labels:
	  case_label			{ $$ = plist_one(CTX, $1); }
	| case_labels case_label	{ $$ = $1; plist_push(CTX, &$$, $2); }
	;

case_label:
	  CASE expr ':'			{ $$ = $2; }
	| DEFAULT ':'			{ $$ = NULL; }
	;

arm_field:
	  attrs_opt type declarator ';'	{ $$ = make_param(ls, $1, $2, $3, @3); $$->kind = RC_V_ARM; }
	| attrs_opt type ';'		{ $$ = rc_var_new(CTX, RC_V_ARM, NULL, @2); $$->type = $2; $$->attrs = $1; }
	| ';'				{ $$ = rc_var_new(CTX, RC_V_ARM, NULL, @1); }
	;

enum_spec:
	  ENUM ident_opt '{' enumerators '}'		{ $$ = make_aggregate(ls, TK_ENUM, $2, @$, &$4); }
	| ENUM ident_opt '{' enumerators ',' '}'	{ $$ = make_aggregate(ls, TK_ENUM, $2, @$, &$4); }
	| ENUM ident_opt '{' '}'			{ struct rc_plist e = {0}; $$ = make_aggregate(ls, TK_ENUM, $2, @$, &e); }
	;

enumerators:
	  enumerator			{ $$ = plist_one(CTX, $1); }
	| enumerators ',' enumerator	{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

enumerator:
	  attrs_opt any_name		{ $$ = rc_var_new(CTX, RC_V_ENUMERATOR, $2, @2); $$->attrs = $1; }
	| attrs_opt any_name '=' expr	{ $$ = rc_var_new(CTX, RC_V_ENUMERATOR, $2, @2); $$->attrs = $1; $$->value = $4; }
	;

/* ---------------- declarators ---------------- */

decl_list:
	  declarator			{ $$ = plist_one(CTX, $1); }
	| decl_list ',' declarator	{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

declarator:
	  direct_declarator		{ $$ = $1; }
	| '*' quals_opt declarator	{ struct rc_type *p = rc_type_pointer(CTX, NULL, @1); p->flags |= $2; $$ = decl_wrap(CTX, $3, p); }
	| CALLCONV declarator		{ $$ = $2; $$->callconv = $1; }
	| direct_declarator ':' expr	{ $$ = $1; $$->bits = $3; }
	;

direct_declarator:
	  any_name			{ $$ = decl_name(CTX, $1, @1); }
	| '(' declarator ')'		{ $$ = $2; }
	| direct_declarator '[' array_size ']'	{ $$ = decl_wrap(CTX, $1, make_array(ls, $3, @2)); }
	| direct_declarator '(' params_opt ')'	{ struct rc_type *f = rc_type_new(CTX, TK_FUNC, @2); f->nfields = $3.n; f->fields = (struct rc_var **)plist_array(CTX, &$3);
	                                          f->callconv = $1->callconv; $$ = decl_wrap(CTX, $1, f); }
	;

array_size:
	  %empty			{ $$ = NULL; }
	| '*'				{ $$ = rc_expr_new(CTX, EX_EMPTY, @1); }
	| expr				{ $$ = $1; }
	;

abs_declarator:
	  '*' quals_opt			{ struct rc_type *p = rc_type_pointer(CTX, NULL, @1); p->flags |= $2; $$ = decl_wrap(CTX, decl_name(CTX, NULL, @1), p); }
	| '*' quals_opt abs_declarator	{ struct rc_type *p = rc_type_pointer(CTX, NULL, @1); p->flags |= $2; $$ = decl_wrap(CTX, $3, p); }
	| abs_direct			{ $$ = $1; }
	| CALLCONV abs_declarator	{ $$ = $2; $$->callconv = $1; }
	;

abs_direct:
	  '[' array_size ']'		{ $$ = decl_wrap(CTX, decl_name(CTX, NULL, @1), make_array(ls, $2, @1)); }
	| abs_direct '[' array_size ']'	{ $$ = decl_wrap(CTX, $1, make_array(ls, $3, @2)); }
	;

params_opt:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| params			{ $$ = $1; }
	;

params:
	  param				{ $$ = plist_one(CTX, $1); }
	| params ',' param		{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

param:
	  attrs_opt type param_declarator	{ $$ = make_param(ls, $1, $2, $3, @$); }
	| attrs_opt type			{ $$ = make_param(ls, $1, $2, decl_name(CTX, NULL, @2), @2); }
	| ELLIPSIS				{ $$ = rc_var_new(CTX, RC_V_PARAM, NULL, @1); $$->type = rc_type_new(CTX, TK_VOID, @1); $$->type->name = "..."; }
	;

param_declarator:
	  declarator			{ $$ = $1; }
	| abs_declarator		{ $$ = $1; }
	;

/* ---------------- expressions ---------------- */

expr:
	  INTNUM			{ $$ = $1; }
	| FLOATNUM			{ $$ = $1; }
	| CHARLIT			{ $$ = $1; }
	| STRING			{ $$ = rc_expr_new(CTX, EX_STRING, @1); $$->str = $1; }
	| WSTRING			{ $$ = rc_expr_new(CTX, EX_STRING, @1); $$->str = $1; $$->wide = true; }
	| TOK_TRUE			{ $$ = rc_expr_new(CTX, EX_TRUE, @1); $$->ival = 1; }
	| TOK_FALSE			{ $$ = rc_expr_new(CTX, EX_FALSE, @1); }
	| TOK_NULL			{ $$ = rc_expr_new(CTX, EX_NULL, @1); }
	| any_name			{ $$ = make_ident(ls, $1, @1); }
	| '(' expr ')'			{ $$ = $2; }
	| '(' cast_type ')' expr %prec CAST	{ $$ = make_cast(ls, $2, $4, @$); }
	| '(' any_name ')' expr %prec CAST	{ $$ = make_cast(ls, rc_type_named(CTX, 0, $2, @2), $4, @$); }
	| '(' any_name ')' %prec LOWEST	{ $$ = make_ident(ls, $2, @2); }
	| '(' expr '*' ')' expr %prec CAST	{ $$ = make_ptr_cast(ls, $2, 1, $5, @$); }
	| '(' expr '*' '*' ')' expr %prec CAST	{ $$ = make_ptr_cast(ls, $2, 2, $6, @$); }
	| SIZEOF '(' cast_type ')'	{ $$ = rc_expr_new(CTX, EX_SIZEOF, @$); $$->type = $3; }
	| SIZEOF '(' any_name ')'	{ $$ = rc_expr_new(CTX, EX_SIZEOF, @$); $$->type = rc_type_named(CTX, 0, $3, @3); }
	| '-' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '-', $2, @1)); }
	| '+' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '+', $2, @1)); }
	| '~' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '~', $2, @1)); }
	| '!' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '!', $2, @1)); }
	| '*' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '*', $2, @1)); }
	| '&' expr %prec UNARY		{ $$ = check_depth(ls, rc_expr_unary(CTX, '&', $2, @1)); }
	| expr '+' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '+', $1, $3)); }
	| expr '-' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '-', $1, $3)); }
	| expr '*' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '*', $1, $3)); }
	| expr '/' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '/', $1, $3)); }
	| expr '%' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '%', $1, $3)); }
	| expr SHL expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_SHL, $1, $3)); }
	| expr '>' '>' expr %prec SHR	{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_SHR, $1, $4)); }
	| expr '<' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '<', $1, $3)); }
	| expr '>' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '>', $1, $3)); }
	| expr LE expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_LE, $1, $3)); }
	| expr GE expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_GE, $1, $3)); }
	| expr EQ expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_EQ, $1, $3)); }
	| expr NE expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_NE, $1, $3)); }
	| expr '&' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '&', $1, $3)); }
	| expr '^' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '^', $1, $3)); }
	| expr '|' expr			{ $$ = check_depth(ls, rc_expr_binary(CTX, '|', $1, $3)); }
	| expr ANDAND expr		{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_ANDAND, $1, $3)); }
	| expr OROR expr		{ $$ = check_depth(ls, rc_expr_binary(CTX, RC_OP_OROR, $1, $3)); }
	| expr '?' expr ':' expr	{ $$ = check_depth(ls, rc_expr_cond(CTX, $1, $3, $5)); }
	| expr '.' any_name		{ $$ = check_depth(ls, make_member(ls, EX_MEMBER, $1, $3, @$)); }
	| expr PTR_OP any_name		{ $$ = check_depth(ls, make_member(ls, EX_PMEMBER, $1, $3, @$)); }
	| expr '[' expr ']'		{ $$ = check_depth(ls, rc_expr_binary(CTX, '[', $1, $3)); $$->kind = EX_INDEX; }
	;

cast_type:
	  base_type			{ $$ = $1; }
	| base_type abs_declarator	{ $$ = decl_apply($2, $1); }
	| CONST base_type		{ $$ = type_with_quals(CTX, $2, RC_TF_CONST); }
	| STRUCT any_name		{ $$ = rc_type_named(CTX, TK_STRUCT, $2, @$); }
	| STRUCT any_name abs_declarator { $$ = decl_apply($3, rc_type_named(CTX, TK_STRUCT, $2, @2)); }
	| ENUM any_name			{ $$ = rc_type_named(CTX, TK_ENUM, $2, @$); }
	;

any_name:
	  IDENT				{ $$ = $1; }
	| SAFEARRAY			{ $$ = rc_intern(&CTX->strings, "SAFEARRAY"); }
	;

/* ---------------- ACF ---------------- */

acf_items:
	  %empty			{ $$.head = $$.tail = NULL; }
	| acf_items acf_item		{ $$ = $1; slist_add(&$$, $2); }
	;

acf_item:
	  attrs_opt INTERFACE any_name '{' acf_body '}'
					{ $$ = make_acf_interface(ls, $1, $3, @3, &$5); }
	| TYPEDEF attrs_opt ident_list ';'	{ $$ = make_acf_typedef(ls, $2, &$3, @$); }
	| IDENT acf_strings ';'			{ if (strcmp($1, "include") != 0) { rc_error(CTX->diag, RC_E_SYNTAX, @1, "expected 'interface', 'typedef' or 'include' in an ACF, found '%s'", $1); ls->errors++; }
	                                  $$ = NULL; }
	| CPP_QUOTE '(' STRING ')'	{ $$ = make_str_stmt(ls, ST_CPP_QUOTE, $3, @$); }
	| PRAGMA_LINE			{ $$ = NULL; }
	| ';'				{ $$ = NULL; }
	| error ';'			{ $$ = NULL; yyerrok; }
	| error '}'			{ $$ = NULL; yyerrok; }
	;

acf_strings:
	  STRING			{ $$ = plist_one(CTX, (void *)$1); }
	| acf_strings ',' STRING	{ $$ = $1; plist_push(CTX, &$$, (void *)$3); }
	;

acf_body:
	  %empty			{ $$.head = $$.tail = NULL; }
	| acf_body acf_body_item	{ $$ = $1; slist_add(&$$, $2); }
	;

acf_body_item:
	  attrs_opt any_name '(' acf_params_opt ')' ';'	{ $$ = make_acf_func(ls, $1, $2, @2, &$4); }
	| TYPEDEF attrs_opt ident_list ';'		{ $$ = make_acf_typedef(ls, $2, &$3, @$); }
	| error ';'					{ $$ = NULL; yyerrok; }
	;

acf_params_opt:
	  %empty			{ $$.head = $$.tail = NULL; $$.n = 0; }
	| acf_params			{ $$ = $1; }
	;

acf_params:
	  acf_param			{ $$ = plist_one(CTX, $1); }
	| acf_params ',' acf_param	{ $$ = $1; plist_push(CTX, &$$, $3); }
	;

acf_param:
	  attrs_opt any_name		{ $$ = rc_var_new(CTX, RC_V_PARAM, $2, @2); $$->attrs = $1; }
	;

ident_list:
	  any_name			{ struct rc_var *v = rc_var_new(CTX, RC_V_TYPEDEF, $1, @1); $$ = plist_one(CTX, v); }
	| ident_list ',' any_name	{ $$ = $1; plist_push(CTX, &$$, rc_var_new(CTX, RC_V_TYPEDEF, $3, @3)); }
	;

%%

#include "parser_actions.c"
