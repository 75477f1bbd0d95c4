/* ridl compiler: the built-in C preprocessor.
 *
 * IDL files are run through a C preprocessor before lexing, as MIDL and widl do. ridl carries
 * its own (as widl carries wpp) because spawning an external cpp for the file and every file it
 * imports would cost more than the whole compilation.
 *
 * Output is plain text with GCC-style line markers ("# 12 \"file.idl\"\n", then " 1" when
 * entering an #include and " 2" when returning; '"' and '\\' in the name escaped) so the lexer
 * maps every token back to its original file, line and column. Lines without macro expansion
 * are copied unchanged (comments become spaces of the same width), so columns stay exact; an
 * expansion replaces its invocation in place. #pragma lines are passed to the parser as written
 * (except #pragma once); the other directives are consumed.
 *
 * Predefined: __RIDL__ (1), __midl (501, as MIDL), __FILE__, __LINE__; then the -D options in
 * order, then the -U options. __WIDL__ is not defined.
 *
 * Limits, each reported as an error: 1 MiB of work per macro invocation ("macro expansion too
 * large"), #include nesting 200 deep (E_PP_RECURSION, which ends the run), 65536 files read
 * per run, 2 GiB per file, 1 GiB of output.
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
 * -I directory. Only regular files match. Returns a malloc'd path (the directory joined with
 * name) or NULL. */
char *rc_cpp_find_file(const struct rc_cpp_opts *o, const char *from, const char *name);

#endif
