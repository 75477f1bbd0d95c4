/* ridl compiler: the compilation context and the phase entry points.
 *
 * A compilation is one struct rc_ctx: options in, diagnostics out, one arena for every node,
 * one string interner, the files parsed (main + imports + ACF) and the symbol tables. There is
 * no global mutable state, so unit tests and the fuzzer run many compilations in one process.
 *
 * Phases (each returns the number of errors it reported; the driver stops after the first
 * phase with errors, but each phase reports all of its own):
 *   rc_parse_main   preprocess + lex + parse the IDL and, recursively, its imports
 *   rc_parse_acf    the same for the ACF, if any
 *   rc_resolve      names: typedef chains, tags, interfaces, constants, correlation identifiers
 *   rc_acf_merge    ACF attributes onto the IDL declarations
 *   rc_check        semantic rules
 *   rc_layout       NDR layout of the remote procedures (layout.h; only when stubs are wanted)
 *   rc_emit_header  NAME.h
 *   rc_emit_tables  NAME_c.c / NAME_s.c, the stub descriptor tables (layout.h)
 */
#ifndef RIDL_FRONTEND_H
#define RIDL_FRONTEND_H

#include "ast.h"
#include "cpp.h"
#include "diag.h"
#include "util.h"

enum rc_side_mode { RC_GEN_NONE, RC_GEN_STUB };

struct rc_options {
	const char *input;          /* the IDL file */
	const char *acf;            /* --acf, or NULL for the default FILE.acf beside the IDL */
	bool no_acf_default;        /* do not look for FILE.acf */
	const char *out_dir;        /* -o */
	const char *header, *cstub, *sstub; /* explicit output names, or NULL for defaults */
	enum rc_side_mode client, server;
	struct rc_vec include_dirs; /* const char * */
	struct rc_vec defines;      /* "NAME" or "NAME=VALUE" */
	struct rc_vec undefines;
	bool no_cpp;                /* --no-cpp: read the file as already preprocessed */
	bool syntax_only;
	const char *depfile;        /* -M */
	const char *dump;           /* "ast", "types", "layout" or NULL */
	const char *server_prefix;  /* --server-prefix: the manager routines are PREFIX##Proc */
};

struct rc_ctx {
	struct rc_options *opts;
	struct rc_diag *diag;
	struct rc_arena arena;
	struct rc_interner strings;

	struct rc_file *files, **files_tail; /* every file parsed, in load order */
	struct rc_file *main;                /* the IDL named on the command line */
	struct rc_file *acf;                 /* its ACF, or NULL */
	struct rc_vec deps;                  /* every file read (malloc'd paths), for -M */

	/* Symbol tables (keys are interned qualified names). */
	struct rc_map types;     /* typedef names, interfaces, coclasses, ... -> struct rc_type * */
	struct rc_map tags;      /* struct/union/enum tags -> struct rc_type * */
	struct rc_map values;    /* constants and enumerators -> struct rc_var * */
	struct rc_map loaded;    /* interned path -> struct rc_file * (each file parsed once) */
	struct rc_map attr_ids;  /* interned attribute name -> rc_attr_id + 1 (lookup cache) */

	/* Parser state */
	unsigned import_depth;
	const char *cur_namespace; /* dotted WinRT namespace being parsed, or NULL */
	struct rc_cpp_opts cpp;
};

void rc_ctx_init(struct rc_ctx *ctx, struct rc_options *opts, struct rc_diag *diag);
void rc_ctx_free(struct rc_ctx *ctx);

/* Parses a file (preprocessing it unless opts->no_cpp) and appends it to ctx->files. Returns
 * the file (never NULL; on failure it has no statements) and adds its errors to *errors. */
struct rc_file *rc_parse_file(struct rc_ctx *ctx, const char *path, bool is_import, bool is_acf, unsigned *errors);
/* Parses text held in memory (used by unit tests and the fuzzer); no preprocessing when
 * run_cpp is false. */
struct rc_file *rc_parse_text(struct rc_ctx *ctx, const char *name, const char *text, size_t len,
                              bool is_acf, bool run_cpp, unsigned *errors);

/* Finds and parses an imported file (once per compilation); NULL when it is not found (an
 * error is reported at loc). from is the importing file. Adds errors to *errors. */
struct rc_file *rc_import(struct rc_ctx *ctx, const char *name, const char *from, struct rc_loc loc, unsigned *errors);

unsigned rc_resolve(struct rc_ctx *ctx);
unsigned rc_acf_merge(struct rc_ctx *ctx);
unsigned rc_check(struct rc_ctx *ctx);
/* resolve, ACF merge and check, stopping after the first phase that reports errors. */
unsigned rc_analyse(struct rc_ctx *ctx);

/* Constant expression evaluation (resolve.c). Returns false (and reports unless quiet) when e
 * is not an integer constant. */
bool rc_eval_const(struct rc_ctx *ctx, struct rc_expr *e, int64_t *ret, bool quiet);

/* Dumps (dump.c): --dump=ast|types, to out (--dump=layout: rc_dump_layout in layout.h). */
void rc_dump_ast(struct rc_ctx *ctx, struct rc_strbuf *out);
void rc_dump_types(struct rc_ctx *ctx, struct rc_strbuf *out);

/* Header emitter (emit_header.c): the text of NAME.h for the main file. */
unsigned rc_emit_header(struct rc_ctx *ctx, const char *guard_base, struct rc_strbuf *out);

/* For the stub files, which must declare exactly what the header declares (emit_header.c).
 * rc_rpc_proc_head: the head of a definition of remote procedure proc of iface under the name
 * name, with the header's prototype: the return type, a newline (so that grep '^Add(' finds
 * it), the name and the parameters, where a parameter without a name is _pN, N being its
 * index among the stub's arguments. rc_c_decl: "TYPE name", a variable of type t. */
const char *rc_rpc_proc_head(struct rc_ctx *ctx, struct rc_type *iface, struct rc_var *proc,
			     const char *name);
const char *rc_c_decl(struct rc_ctx *ctx, struct rc_type *t, const char *name);

/* Driver (driver.c): runs a whole compilation for the command line; returns the exit code
 * (0 success, 1 diagnostics, 2 internal error). */
int rc_main(int argc, char **argv);

#endif
