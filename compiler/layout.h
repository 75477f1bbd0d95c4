/* ridl compiler: the layout phase, the NDR layout of what remote procedures pass.
 *
 * For every procedure of every remote interface of the main file, rc_layout() builds a tree of
 * struct rl_type nodes: the kind of each parameter's type and of the return type (the
 * enum ridl_kind of rpcstub.h, the contract with the runtime), its NDR wire alignment and the
 * wire size of its fixed part, pointer kinds, array kinds with their correlation expressions
 * translated into the runtime's stack programs, union arms, flags, and whether a type may be a
 * blittable (C layout == NDR layout) one. The descriptor-table emitter (emit_tables.c) writes
 * this tree as C, and --dump=layout prints it.
 *
 * Sharing. A struct, an encapsulated union, an enum and a scalar are one node each, shared by
 * every place that uses them; their members are laid out once. Everything that belongs to a
 * place (a pointer, whose kind depends on where it is; an array with its correlation; a union
 * with its switch_is; a scalar with a [range]) is a node of its own. Struct members and union
 * arms are places too, so a recursive struct (struct node *next) is a cycle through a pointer.
 * Sizes, alignments and flags are computed once every node exists, following only what is
 * contained by value, so types that reach each other through pointers need no ordering.
 *
 * What the layout knows of C is only names: the C type to give sizeof, _Alignof and offsetof
 * (c_type). Sizes, offsets and alignments in memory are left to the C compiler that compiles
 * the generated tables; the NDR numbers (wire_align, wire_size) are computed here.
 *
 * Everything lives in the compilation's arena.
 */
#ifndef RIDL_LAYOUT_H
#define RIDL_LAYOUT_H

#include <rpcstub.h>

#include "frontend.h"
#include "util.h"

/* The stub ABI the generated tables are written for: the runtime's own number, so the two
 * cannot drift apart. */
#define RC_STUB_ABI_VERSION RIDL_STUB_ABI_VERSION

struct rl_type;

/* One instruction of a correlation program (ridl_corr_op). */
struct rl_op {
	enum ridl_corr_opcode op;
	enum ridl_kind load; /* PARAM, PARAM_DEREF, FIELD, FIELD_DEREF: what is read */
	int64_t arg;         /* CONST: the value; PARAM*: the parameter number */
	const char *field_c; /* FIELD*: the offset as C, "offsetof(conf, n)" */
	const char *name;    /* PARAM* and FIELD*: the name read (dumps) */
};

/* A correlation expression (size_is, length_is, switch_is ...) as a program. */
struct rl_corr {
	const char *attr; /* the attribute it came from: "size_is", "switch_is" ... */
	const char *text; /* the expression as C text */
	struct rl_op *ops;
	unsigned nops; /* without the final RIDL_C_END */
	unsigned id;   /* emitter's numbering (0: not numbered yet) */
};

struct rl_member {
	const char *name;
	struct rl_type *type;
	uint32_t wire_offset; /* NDR offset in the flat part; meaningful while fixed_offset */
	bool fixed_offset;    /* every member before it has a fixed wire size */
};

struct rl_arm {
	int64_t value;
	const char *name;     /* the arm's member name, NULL for an empty arm */
	struct rl_type *type; /* NULL: an empty arm */
};

/* The arms of a union, shared by every place the union is used. */
struct rl_arms {
	struct rl_arm *v;
	unsigned n;
	bool has_default;
	const char *default_name;
	struct rl_type *default_type; /* NULL: an empty default arm */
	const char *owner;            /* the union's name, for the emitter's array name */
	const char *obj;              /* emitter: the C array's name */
};

struct rl_type {
	enum ridl_kind kind;
	uint32_t wire_align; /* 1, 2, 4, 8 */
	uint32_t wire_size;  /* of the fixed part; 0 when it depends on the value */
	uint32_t flags;      /* RIDL_TF_* except BLITTABLE (see blittable) */
	bool blittable;      /* candidate: no NDR padding, only non-enum scalars, fixed
	                             arrays and structs of candidates; the emitter lets the C
	                             compiler confirm that the C layout agrees */
	const char *name;    /* IDL name ("simple", "long"), or NULL */
	const char *c_type;  /* C type for sizeof/_Alignof ("simple", "int32_t[10]"), or
	                             NULL (a conformant or varying array has no C size) */
	struct rc_type *def; /* struct/union/enum definition, else NULL */
	bool shared;         /* one node for every use (named by type in the tables) */
	bool finished;       /* sizes, alignments and flags computed from the parts */
	bool finishing;      /* being finished (a by-value cycle guard) */
	struct rc_loc loc;   /* where it is declared, for diagnostics */
	const char *what;    /* arrays: the declaration's name, for diagnostics */

	/* RIDL_K_POINTER */
	struct rl_type *to;
	enum ridl_ptr_kind ptr_kind;
	bool embedded; /* inside a struct, union or array (else top-level) */

	/* RIDL_K_ARRAY */
	struct rl_type *elem;
	uint32_t count; /* fixed arrays */
	struct rl_corr *size, *first, *length;

	/* RIDL_K_STRUCT */
	struct rl_member *members;
	unsigned nmembers;

	/* RIDL_K_UNION */
	struct rl_arms *arms;
	struct rl_corr *is; /* switch_is (non-encapsulated) */
	enum ridl_kind disc_kind;
	const char *disc_name;  /* encapsulated: the discriminant member */
	const char *arm_member; /* encapsulated: the C member holding the arms, or NULL */
	uint32_t arm_align;

	/* RIDL_TF_RANGE */
	int64_t range_lo, range_hi;

	const char *obj;         /* emitter: the C object's name */
	const char *obj_members; /* emitter: its ridl_member array's name */
};

struct rl_param {
	const char *name;
	const char *c_name; /* in the client stub function: the name, or _pN for an unnamed one
	                       (N: its index among the arguments, as rc_rpc_proc_head names it) */
	struct rc_var *var; /* the IDL parameter, NULL for IDL_handle ([explicit_handle]) */
	struct rl_type *type;
	uint32_t flags; /* RIDL_PF_* */
	struct rc_loc loc;
};

struct rl_proc {
	const char *name;
	struct rc_var *var; /* the IDL procedure, for the stub function's C prototype */
	uint16_t opnum;
	uint32_t flags; /* RIDL_PROC_* */
	struct rl_param *params;
	unsigned nparams;
	struct rl_type *ret; /* NULL for void */
};

struct rl_iface {
	const char *name; /* the C name, as the header writes it */
	struct rc_type *def;
	bool has_uuid;
	uint8_t uuid[16]; /* in the order the text is written */
	unsigned ver_major, ver_minor;
	const char *implicit_handle; /* ACF implicit_handle(handle_t NAME), or NULL */
	struct rl_proc *procs;
	unsigned nprocs;
};

struct rl_layout {
	struct rl_iface *ifaces;
	unsigned nifaces;
	const char *prefix; /* C prefix of shared objects: the first interface's name */
};

/* The layout phase: describes every remote interface of the main file, reporting what cannot
 * be described (context handles, pipes, correlation expressions that cannot be translated,
 * types C cannot name ...). Returns the number of errors; *ret is set even when there are
 * some (what could be laid out). */
unsigned rc_layout(struct rc_ctx *ctx, struct rl_layout **ret);

/* --dump=layout: one block per procedure, each parameter with its type tree. */
void rc_dump_layout(struct rc_ctx *ctx, const struct rl_layout *l, struct rc_strbuf *out);

/* The descriptor tables (emit_tables.c): the text of NAME_c.c (server false) or NAME_s.c
 * (server true). header is the name the file includes ("calc.h"). Returns an error count. */
unsigned rc_emit_tables(struct rc_ctx *ctx, struct rl_layout *l, bool server, const char *header,
			struct rc_strbuf *out);

/* Names for dumps and generated comments. */
const char *rl_kind_name(enum ridl_kind k);

#endif
