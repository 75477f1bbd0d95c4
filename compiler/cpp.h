/* ridl compiler: the built-in C preprocessor.
 *
 * IDL files are run through a C preprocessor before lexing, as MIDL and widl do. ridl carries
 * its own (as widl carries wpp) because spawning an external cpp for the file and every file it
 * imports would cost more than the whole compilation.
 *
 * Output is plain text with GCC-style line markers ("# 12 \"file.idl\"\n") so the lexer maps
 * every token back to its original file, line and column. Lines without macro expansion are
 * copied unchanged, so columns stay exact. Directives other than the conditional, define and
 * include families are kept in the output for the parser (#pragma) and the rest are dropped.
 *
 * Ownership: rc_cpp_run() returns a malloc'd buffer the caller frees.
 */
#ifndef RIDL_CPP_H
#define RIDL_CPP_H

#include "diag.h"
#include "util.h"

struct rc_cpp_opts {
	const char *const *include_dirs; /* -I, searched in order after the including file's dir */
	size_t n_include_dirs;
	const char *const *defines;      /* -D: "NAME" (value 1) or "NAME=VALUE", in order */
	size_t n_defines;
	const char *const *undefines;    /* -U NAME, applied after defines */
	size_t n_undefines;
};

/* Preprocesses the file at path. Returns the number of errors reported to d (0 on success).
 * *ret_text is set even when errors occurred (NUL-terminated, caller frees). When deps is not
 * NULL, the path of every file read (the input first, then each #include'd file, once each) is
 * pushed onto it as a malloc'd string the caller frees. */
unsigned rc_cpp_run(struct rc_diag *d, const struct rc_cpp_opts *o, const char *path,
                    char **ret_text, size_t *ret_len, struct rc_vec *deps);

/* Same, for text already in memory (name is used in markers and diagnostics). */
unsigned rc_cpp_run_text(struct rc_diag *d, const struct rc_cpp_opts *o, const char *name,
                         const char *text, size_t len, char **ret_text, size_t *ret_len,
                         struct rc_vec *deps);

/* Finds an include/import file: the directory of 'from' first (unless from is NULL), then each
 * -I directory. Returns a malloc'd path or NULL. */
char *rc_cpp_find_file(const struct rc_cpp_opts *o, const char *from, const char *name);

#endif
