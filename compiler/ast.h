/* ridl compiler: the abstract syntax tree.
 *
 * Every node carries its source location. All nodes live in the compilation's arena
 * (struct rc_ctx.arena) and are freed with it; nothing here is freed individually.
 * Identifiers are interned (rc_ctx.strings), so names compare with ==.
 *
 * Shape:
 *   rc_file      one parsed file (the main IDL or an import) = a list of rc_stmt
 *   rc_stmt      a top-level (or interface-level) item: typedef, const, interface, import, ...
 *   rc_type      a type: base type, struct, union, enum, pointer, array, function, alias
 *                (typedef), a reference by name (resolved by the resolve phase), interface, ...
 *   rc_var       a named, typed thing with attributes: parameter, field, union arm, typedef
 *                name, procedure (type is TK_FUNC), constant, enumerator
 *   rc_expr      constant and correlation expressions, attribute arguments
 *   rc_attr      one attribute of an [...] list, with its arguments
 */
#ifndef RIDL_AST_H
#define RIDL_AST_H

#include "diag.h"
#include "util.h"

struct rc_type;
struct rc_var;
struct rc_stmt;
struct rc_file;

/* ---- expressions ---- */

enum rc_expr_kind {
	EX_EMPTY,   /* an omitted argument: size_is(, n) */
	EX_INT,     /* integer literal; .ival, .is_unsigned, .is_long */
	EX_FLOAT,   /* floating literal; .fval, .str keeps the spelling */
	EX_STRING,  /* "text" (.str, escapes kept as written), .wide for L"..." */
	EX_CHAR,    /* 'c' (.ival), .wide for L'c' */
	EX_IDENT,   /* a name (.str); resolve sets .ref_var (parameter, field, const, enumerator) */
	EX_TRUE, EX_FALSE, EX_NULL,
	EX_UUID,    /* a bare UUID in uuid(...) (.str) */
	EX_TYPE,    /* a type as an argument: switch_type(long), sizeof(T), cast target (.type) */
	EX_UNARY,   /* .op in { '-', '+', '~', '!', '*' (deref), '&' (address) }, operand .a */
	EX_BINARY,  /* .op is a token (see RC_OP_*), operands .a .b */
	EX_COND,    /* .a ? .b : .c */
	EX_CAST,    /* (.type) .a */
	EX_SIZEOF,  /* sizeof(.type) */
	EX_MEMBER,  /* .a . .str (also dotted names such as Windows.Foundation.Contract) */
	EX_PMEMBER, /* .a -> .str */
	EX_INDEX,   /* .a [ .b ] */
};

/* Binary operators that are not a single character. Single-character ones use the char. */
enum {
	RC_OP_SHL = 256, RC_OP_SHR, RC_OP_LE, RC_OP_GE, RC_OP_EQ, RC_OP_NE, RC_OP_ANDAND, RC_OP_OROR,
};

struct rc_expr {
	enum rc_expr_kind kind;
	struct rc_loc loc;
	int op;
	struct rc_expr *a, *b, *c;
	const char *str;
	uint64_t ival;
	double fval;
	bool is_unsigned, is_long, wide;
	struct rc_type *type;
	struct rc_var *ref_var; /* set by resolve for EX_IDENT */
	unsigned depth;         /* height of the tree below (parser nesting guard) */
};

/* ---- attributes ---- */

/* Known attribute ids; attrs.c holds the table (name, places allowed, argument shape). */
enum rc_attr_id {
#define RC_ATTR(id, name, places, args, flags) RC_A_##id,
#include "attrs.def"
#undef RC_ATTR
	RC_A_COUNT,
	RC_A_UNKNOWN = RC_A_COUNT,
};

struct rc_attr {
	enum rc_attr_id id;
	const char *name;      /* as written (interned) */
	struct rc_loc loc;     /* the attribute name */
	struct rc_expr **args; /* NULL when written without parentheses */
	unsigned nargs;
	bool has_parens;
	bool from_acf;         /* merged in from the ACF */
	struct rc_attr *next;
};

/* ---- types ---- */

enum rc_type_kind {
	TK_VOID,
	TK_BASE,          /* .base, .sign */
	TK_ENUM,          /* .name (tag, may be NULL), .fields: enumerators (rc_var, .value) */
	TK_STRUCT,        /* .name (tag), .fields */
	TK_UNION,         /* non-encapsulated: .fields, each arm has .cases / .is_default */
	TK_ENCAP_UNION,   /* union NAME switch (type disc) [arm_name] { case ...: ... } :
	                     .disc (rc_var: the discriminant), .union_name, .fields (arms) */
	TK_POINTER,       /* .ref: the pointee */
	TK_ARRAY,         /* .ref: element; .size (NULL for [] and [*]: conformant) */
	TK_FUNC,          /* .ref: return type; .fields: parameters; .callconv */
	TK_ALIAS,         /* a typedef name: .name, .ref: the aliased type, .attrs: typedef attrs */
	TK_NAMED,         /* a reference by name, written before resolve: .name, .tag_kind
	                     (0, TK_STRUCT, TK_UNION, TK_ENUM for "struct X"); resolve sets .ref */
	TK_INTERFACE,     /* .name, .ref: base interface (NULL if none), .body: statements,
	                     .generic_params for WinRT generics; .requires */
	TK_DISPINTERFACE, /* .name, .fields: properties, .body: methods; or .ref = an interface */
	TK_COCLASS,       /* .name, .members: interface references (rc_var with attrs) */
	TK_RUNTIMECLASS,  /* .name, .members */
	TK_DELEGATE,      /* .name, .ref: TK_FUNC */
	TK_APICONTRACT,   /* .name */
	TK_MODULE,        /* .name, .body */
	TK_LIBRARY,       /* .name, .body */
	TK_PIPE,          /* .ref: element type */
	TK_GENERIC_PARAM, /* a WinRT generic parameter such as T in IVector<T> */
	TK_GENERIC_INST,  /* .ref: the generic (TK_NAMED until resolved), .members: type args */
	TK_BITFIELD,      /* .ref: the base type, .size: width */
};

enum rc_base_kind {
	RC_B_BOOLEAN, RC_B_BYTE, RC_B_CHAR, RC_B_WCHAR, RC_B_SMALL, RC_B_SHORT, RC_B_LONG, RC_B_INT,
	RC_B_HYPER, RC_B_INT8, RC_B_INT16, RC_B_INT32, RC_B_INT64, RC_B_INT3264, RC_B_FLOAT,
	RC_B_DOUBLE, RC_B_ERROR_STATUS, RC_B_HANDLE,
	RC_B_COUNT
};

enum rc_sign { RC_SIGN_NONE, RC_SIGN_SIGNED, RC_SIGN_UNSIGNED };

enum rc_type_flags {
	RC_TF_CONST = 1u << 0,
	RC_TF_DEFINED = 1u << 1,    /* struct/union/enum/interface has a body (not a forward decl) */
	RC_TF_RESOLVED = 1u << 2,   /* resolve has visited it */
	RC_TF_IMPORTED = 1u << 3,   /* declared in an imported file */
	RC_TF_CONFORMANT = 1u << 4, /* array [] or [*] (no fixed size) */
	RC_TF_STAR = 1u << 5,       /* array written [*] */
	RC_TF_VISITING = 1u << 6,   /* cycle guard for recursive walks */
	RC_TF_QUALIFIED = 1u << 8,  /* TK_NAMED written with a namespace (A.B.C) */
	RC_TF_CHECKED = 1u << 9,    /* check: attributes and members checked */
	RC_TF_RPC_CHECKED = 1u << 10, /* check: RPC rules applied (reached from a remote procedure) */
};

struct rc_type {
	enum rc_type_kind kind;
	struct rc_loc loc;
	unsigned flags;
	const char *name;        /* tag, typedef name, interface name (unqualified) */
	const char *qname;       /* qualified name inside a WinRT namespace, else == name */
	const char *c_name;      /* name to use in C (namespaced names are mangled) */
	struct rc_attr *attrs;
	enum rc_base_kind base;
	enum rc_sign sign;
	enum rc_type_kind tag_kind;
	struct rc_type *ref;
	struct rc_expr *size;
	struct rc_var **fields;  /* struct/union members, enumerators, parameters, properties */
	unsigned nfields;
	struct rc_var *disc;     /* TK_ENCAP_UNION */
	const char *union_name;  /* TK_ENCAP_UNION: the arm union's member name (default "tagged_union") */
	struct rc_stmt *body;    /* interface, module, library, dispinterface methods */
	struct rc_var **members; /* coclass/runtimeclass interfaces; generic type arguments */
	unsigned nmembers;
	struct rc_type **requires; /* WinRT "requires A, B" */
	unsigned nrequires;
	const char **generic_params;
	unsigned ngeneric_params;
	const char *callconv;    /* __stdcall etc. as written, or NULL */
	struct rc_file *file;    /* where declared */
};

/* ---- named things ---- */

enum rc_var_kind {
	RC_V_PARAM, RC_V_FIELD, RC_V_ARM, RC_V_TYPEDEF, RC_V_FUNC, RC_V_CONST, RC_V_ENUMERATOR,
	RC_V_MEMBER, /* coclass/runtimeclass member, generic argument */
};

struct rc_var {
	enum rc_var_kind kind;
	const char *name;        /* NULL for unnamed parameters and empty union arms */
	struct rc_loc loc;       /* the name, or the type when unnamed */
	struct rc_type *type;    /* NULL for an empty union arm */
	struct rc_attr *attrs;
	struct rc_expr *value;   /* const value, enumerator value */
	struct rc_expr **cases;  /* union arm case labels (encapsulated: from "case X:") */
	unsigned ncases;
	bool is_default;         /* union arm "default:" or [default] */
	int64_t enum_value;      /* enumerators, after resolve */
	struct rc_type *owner;   /* enclosing struct/union/enum/function/interface */
};

/* ---- statements ---- */

enum rc_stmt_kind {
	ST_IMPORT,      /* .str: file name; .file: the parsed import (NULL if it failed) */
	ST_IMPORTLIB,   /* .str */
	ST_CPP_QUOTE,   /* .str: the text, unescaped */
	ST_PRAGMA,      /* .str: the text after "#pragma " (also midl_pragma warning(...)) */
	ST_TYPEDEF,     /* .vars: the new names (kind RC_V_TYPEDEF, .type = TK_ALIAS each) */
	ST_TYPE,        /* .type: a struct/union/enum definition or forward declaration */
	ST_CONST,       /* .var */
	ST_FUNC,        /* .var: a procedure/method (.var->type is TK_FUNC) */
	ST_INTERFACE,   /* .type: TK_INTERFACE (forward declaration when !RC_TF_DEFINED) */
	ST_DISPINTERFACE, ST_COCLASS, ST_MODULE, ST_LIBRARY, ST_RUNTIMECLASS, ST_DELEGATE,
	ST_APICONTRACT, /* .type */
	ST_NAMESPACE,   /* .str: dotted name; .body */
	ST_DECLARE,     /* WinRT declare { ... }: .body */
};

struct rc_stmt {
	enum rc_stmt_kind kind;
	struct rc_loc loc;
	struct rc_stmt *next;
	const char *str;
	struct rc_type *type;
	struct rc_var *var;
	struct rc_var **vars;
	unsigned nvars;
	struct rc_attr *attrs;
	struct rc_stmt *body;
	struct rc_file *file;
};

/* ---- files ---- */

struct rc_file {
	const char *path;        /* as opened */
	const char *base;        /* basename without extension: "calc" for dir/calc.idl */
	struct rc_stmt *stmts;
	bool is_import;
	bool is_acf;
	struct rc_file *next;    /* all files of the compilation, in load order */
};

/* ---- constructors (ast.c); all allocate in ctx->arena ---- */

struct rc_ctx;

struct rc_expr *rc_expr_new(struct rc_ctx *ctx, enum rc_expr_kind kind, struct rc_loc loc);
struct rc_expr *rc_expr_unary(struct rc_ctx *ctx, int op, struct rc_expr *a, struct rc_loc loc);
struct rc_expr *rc_expr_binary(struct rc_ctx *ctx, int op, struct rc_expr *a, struct rc_expr *b);
struct rc_expr *rc_expr_cond(struct rc_ctx *ctx, struct rc_expr *a, struct rc_expr *b, struct rc_expr *c);

struct rc_type *rc_type_new(struct rc_ctx *ctx, enum rc_type_kind kind, struct rc_loc loc);
struct rc_type *rc_type_base(struct rc_ctx *ctx, enum rc_base_kind base, enum rc_sign sign, struct rc_loc loc);
struct rc_type *rc_type_named(struct rc_ctx *ctx, enum rc_type_kind tag_kind, const char *name, struct rc_loc loc);
struct rc_type *rc_type_pointer(struct rc_ctx *ctx, struct rc_type *to, struct rc_loc loc);
struct rc_type *rc_type_array(struct rc_ctx *ctx, struct rc_type *elem, struct rc_expr *size, struct rc_loc loc);
/* A copy of t with extra flags (for "const T" on a shared type node). */
struct rc_type *rc_type_qualified(struct rc_ctx *ctx, struct rc_type *t, unsigned flags);

struct rc_var *rc_var_new(struct rc_ctx *ctx, enum rc_var_kind kind, const char *name, struct rc_loc loc);
struct rc_stmt *rc_stmt_new(struct rc_ctx *ctx, enum rc_stmt_kind kind, struct rc_loc loc);
struct rc_attr *rc_attr_new(struct rc_ctx *ctx, const char *name, struct rc_loc loc);

/* Appends list b to list a (either may be NULL); returns the head. */
struct rc_attr *rc_attr_append(struct rc_attr *a, struct rc_attr *b);

/* ---- queries ---- */

/* The first attribute with this id in a list, or NULL. */
struct rc_attr *rc_attr_find(struct rc_attr *list, enum rc_attr_id id);
static inline bool rc_attr_has(struct rc_attr *list, enum rc_attr_id id) { return rc_attr_find(list, id) != NULL; }

/* Follows TK_NAMED and TK_ALIAS links to the underlying type (NULL stays NULL). */
struct rc_type *rc_type_unalias(struct rc_type *t);
/* Follows only TK_NAMED links (to the typedef or tagged type they name). */
struct rc_type *rc_type_deref_named(struct rc_type *t);
/* Does an alias chain from t carry attribute id (e.g. context_handle, string)? */
struct rc_attr *rc_type_find_attr(struct rc_type *t, enum rc_attr_id id);
bool rc_type_is_integer(struct rc_type *t); /* base integer types, enums, error_status_t */
bool rc_type_is_char(struct rc_type *t);    /* char, byte, wchar_t, small (for [string]) */
/* Is the procedure [async], by its own attribute or its interface's (IDL or ACF)? iface may
 * be NULL. */
bool rc_proc_is_async(struct rc_type *iface, struct rc_var *proc);

/* Is interface t a COM interface: [object], or written for type libraries ([odl], [dual],
 * [oleautomation], inside a library, or inheriting from another interface)? */
bool rc_iface_is_object(struct rc_type *t, bool in_library);
/* Is interface t remote, one stubs are generated for and the RPC rules apply to: not COM,
 * not [local], not WinRT (inside a namespace)? */
bool rc_iface_is_remote(struct rc_type *t, bool in_library, bool in_namespace);
/* The [version(MAJOR.MINOR)] of an interface (0.0 when absent). */
void rc_iface_version(struct rc_type *t, unsigned *ret_major, unsigned *ret_minor);
/* The C type of a base type (TK_BASE): "int32_t", "unsigned char", "handle_t" ... */
const char *rc_base_cname(const struct rc_type *t);

/* Spelling for diagnostics and dumps: "unsigned long", "struct foo *", "IFoo *". */
const char *rc_type_spelling(struct rc_ctx *ctx, struct rc_type *t);
const char *rc_base_name(enum rc_base_kind b);
/* An operator (EX_UNARY/EX_BINARY .op) as written in C: "+", "<<", "&&" ... */
const char *rc_op_text(int op);

#endif
