/* ridl compiler: the compilation context, and parsing of files (preprocess, lex, parse). */
#include "frontend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"
#include "parser.h"

void
rc_ctx_init(struct rc_ctx *ctx, struct rc_options *opts, struct rc_diag *diag)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opts = opts;
	ctx->diag = diag;
	rc_interner_init(&ctx->strings, &ctx->arena);
	ctx->files_tail = &ctx->files;
	if (opts) {
		ctx->cpp.include_dirs = (const char *const *)opts->include_dirs.items;
		ctx->cpp.n_include_dirs = opts->include_dirs.n;
		ctx->cpp.defines = (const char *const *)opts->defines.items;
		ctx->cpp.n_defines = opts->defines.n;
		ctx->cpp.undefines = (const char *const *)opts->undefines.items;
		ctx->cpp.n_undefines = opts->undefines.n;
	}
}

void
rc_ctx_free(struct rc_ctx *ctx)
{
	for (size_t i = 0; i < ctx->deps.n; i++)
		free(ctx->deps.items[i]);
	rc_vec_free(&ctx->deps);
	rc_map_free(&ctx->types);
	rc_map_free(&ctx->tags);
	rc_map_free(&ctx->values);
	rc_map_free(&ctx->loaded);
	rc_map_free(&ctx->attr_ids);
	rc_interner_free(&ctx->strings);
	rc_arena_free(&ctx->arena);
}

/* "dir/calc.idl" -> "calc" */
static const char *
file_base(struct rc_ctx *ctx, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return rc_intern_n(&ctx->strings, b, n);
}

static struct rc_file *
new_file(struct rc_ctx *ctx, const char *path, bool is_import, bool is_acf)
{
	struct rc_file *f = rc_arena_alloc(&ctx->arena, sizeof(*f));
	f->path = rc_intern(&ctx->strings, path);
	f->base = file_base(ctx, path);
	f->is_import = is_import;
	f->is_acf = is_acf;
	*ctx->files_tail = f;
	ctx->files_tail = &f->next;
	return f;
}

int yyparse(void *scanner, struct rc_lexstate *ls);

static unsigned
parse_buffer(struct rc_ctx *ctx, struct rc_file *f, const char *name, const char *text, size_t len)
{
	struct rc_lexstate ls;
	memset(&ls, 0, sizeof(ls));
	ls.ctx = ctx;
	ls.file_node = f;
	ls.file = rc_intern(&ctx->strings, name);
	ls.line = 1;
	ls.col = 1;
	ls.start_token = f->is_acf ? START_ACF : START_IDL;
	if (memchr(text, 0, len)) {
		/* Sources with a NUL are refused before they get here (check_nul, the
		 * preprocessor); this keeps the scanner safe whatever the path. */
		struct rc_loc loc = {ls.file, 1, 1, 0};
		rc_error(ctx->diag, RC_E_LEX_CHAR, loc, "stray NUL byte in the input; IDL files are text");
		return 1;
	}
	void *scanner;
	if (rc_lex_init(&ls, &scanner, text, len) != 0)
		rc_oom();
	/* A WinRT namespace never spans files. */
	const char *saved_ns = ctx->cur_namespace;
	ctx->cur_namespace = NULL;
	int r = yyparse(scanner, &ls);
	ctx->cur_namespace = saved_ns;
	rc_lex_destroy(scanner);
	if (r != 0 && ls.errors == 0) {
		/* yyparse gave up without a message (e.g. after a lexer error cascade). */
		struct rc_loc loc = {ls.file, ls.line, ls.col, 0};
		rc_error(ctx->diag, RC_E_SYNTAX, loc, "cannot continue parsing this file");
		ls.errors++;
	}
	return ls.errors;
}

/* IDL is text: a NUL byte is refused up front, with its position, because the scanner uses NUL
 * internally as its end-of-buffer mark. */
static unsigned
check_nul(struct rc_ctx *ctx, const char *name, const char *text, size_t len)
{
	const char *nul = memchr(text, 0, len);
	if (!nul)
		return 0;
	unsigned line = 1, col = 1;
	for (const char *p = text; p < nul; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	rc_diag_set_source(ctx->diag, name, text, len);
	struct rc_loc loc = {rc_intern(&ctx->strings, name), line, col, 0};
	rc_error(ctx->diag, RC_E_LEX_CHAR, loc, "stray NUL byte in the input; IDL files are text");
	return 1;
}

static unsigned
parse_text(struct rc_ctx *ctx, struct rc_file *f, const char *name, const char *text, size_t len, bool run_cpp)
{
	unsigned errors = check_nul(ctx, name, text, len);
	if (errors)
		return errors;
	if (!run_cpp) {
		rc_diag_set_source(ctx->diag, name, text, len);
		return parse_buffer(ctx, f, name, text, len);
	}
	char *out = NULL;
	size_t out_len = 0;
	errors = rc_cpp_run_text(ctx->diag, &ctx->cpp, name, text, len, &out, &out_len, &ctx->deps);
	if (errors == 0)
		errors += parse_buffer(ctx, f, name, out, out_len);
	free(out);
	return errors;
}

struct rc_file *
rc_parse_file(struct rc_ctx *ctx, const char *path, bool is_import, bool is_acf, unsigned *errors)
{
	struct rc_file *f = new_file(ctx, path, is_import, is_acf);
	rc_map_put(&ctx->loaded, f->path, f);
	unsigned e = 0;
	if (ctx->opts && ctx->opts->no_cpp) {
		char *text;
		size_t len;
		int err = rc_read_file(path, &text, &len);
		if (err) {
			rc_error_noloc(ctx->diag, RC_E_FILE, "cannot read '%s': %s", path, strerror(err));
			e = 1;
		} else {
			rc_vec_push(&ctx->deps, rc_xstrdup(path));
			e = parse_text(ctx, f, path, text, len, false);
			free(text);
		}
	} else {
		char *out = NULL;
		size_t out_len = 0;
		e = rc_cpp_run(ctx->diag, &ctx->cpp, path, &out, &out_len, &ctx->deps);
		if (e == 0 && out)
			e += parse_buffer(ctx, f, path, out, out_len);
		free(out);
	}
	if (errors)
		*errors += e;
	return f;
}

struct rc_file *
rc_parse_text(struct rc_ctx *ctx, const char *name, const char *text, size_t len, bool is_acf, bool run_cpp,
              unsigned *errors)
{
	struct rc_file *f = new_file(ctx, name, false, is_acf);
	rc_map_put(&ctx->loaded, f->path, f);
	unsigned e = parse_text(ctx, f, name, text, len, run_cpp);
	if (errors)
		*errors += e;
	return f;
}

struct rc_file *
rc_import(struct rc_ctx *ctx, const char *name, const char *from, struct rc_loc loc, unsigned *errors)
{
	char *path = rc_cpp_find_file(&ctx->cpp, from, name);
	if (!path) {
		rc_error(ctx->diag, RC_E_PP_INCLUDE, loc, "imported file '%s' not found", name);
		(*errors)++;
		return NULL;
	}
	const char *ipath = rc_intern(&ctx->strings, path);
	free(path);
	struct rc_file *f = rc_map_get(&ctx->loaded, ipath);
	if (f)
		return f; /* already parsed, or being parsed (an import cycle) */
	if (ctx->import_depth >= 64) {
		rc_error(ctx->diag, RC_E_PP_RECURSION, loc, "imports nested too deeply at '%s'", name);
		(*errors)++;
		return NULL;
	}
	ctx->import_depth++;
	f = rc_parse_file(ctx, ipath, true, false, errors);
	ctx->import_depth--;
	return f;
}

unsigned
rc_analyse(struct rc_ctx *ctx)
{
	unsigned errors = rc_resolve(ctx);
	if (!errors)
		errors = rc_acf_merge(ctx);
	if (!errors)
		errors = rc_check(ctx);
	return errors;
}
