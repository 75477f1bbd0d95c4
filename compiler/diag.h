/* ridl compiler: diagnostics.
 *
 * Every diagnostic the compiler can emit has a code in diag_codes.def (one registry: the
 * docs' list and the test that every code has a tests/diag case are generated from it).
 * Output looks like GCC's, so editors jump to it, followed by the source line and a caret:
 *
 *   calc.idl:12:40: error: [out] parameter 'sum' must be a pointer
 *      12 |     long Add([in] long a, [in] long b, [out] long sum);
 *         |                                        ^~~~~~~~~~~~~~
 *
 * Ownership: struct rc_diag owns copies of the source texts registered with it and the
 * captured output buffer; rc_diag_free() releases them.
 */
#ifndef RIDL_DIAG_H
#define RIDL_DIAG_H

#include <stdio.h>

#include "util.h"

enum rc_diag_code {
#define RC_DIAG(id, sev, name, doc) RC_##id,
#include "diag_codes.def"
#undef RC_DIAG
	RC_DIAG_COUNT
};

enum rc_severity { RC_SEV_NOTE, RC_SEV_WARNING, RC_SEV_ERROR };

/* A source location: file (interned or otherwise long-lived), 1-based line and column, and the
 * length in columns of the construct (0 or 1 gives a lone caret). */
struct rc_loc {
	const char *file;
	uint32_t line, col, len;
};

struct rc_diag_source;

struct rc_diag {
	FILE *out;                 /* NULL: output goes to 'captured' */
	struct rc_strbuf captured;
	unsigned errors, warnings;
	unsigned max_errors;       /* 0: unlimited */
	bool stopped;              /* max_errors reached; phases should stop early */
	bool show_source;          /* print the source line and a caret (default true) */
	bool no_warnings;          /* -w */
	bool warnings_are_errors;  /* -Werror */
	bool last_suppressed;      /* the last diagnostic was not shown (its notes are not either) */
	struct rc_diag_source *sources;
	unsigned counts[RC_DIAG_COUNT]; /* how often each code was reported */
};

void rc_diag_init(struct rc_diag *d, FILE *out);
void rc_diag_free(struct rc_diag *d);

/* Registers the text of a file so diagnostics can quote its lines (the diag keeps a copy).
 * Files never registered are read from disk on first use. */
void rc_diag_set_source(struct rc_diag *d, const char *file, const char *text, size_t len);

RC_PRINTF(4, 5) void rc_error(struct rc_diag *d, enum rc_diag_code code, struct rc_loc loc, const char *fmt, ...);
RC_PRINTF(4, 5) void rc_warning(struct rc_diag *d, enum rc_diag_code code, struct rc_loc loc, const char *fmt, ...);
/* A note attached to the previous diagnostic (e.g. "previous definition is here"). */
RC_PRINTF(3, 4) void rc_note(struct rc_diag *d, struct rc_loc loc, const char *fmt, ...);
/* A diagnostic without a source location: "ridl: error: ..." */
RC_PRINTF(3, 4) void rc_error_noloc(struct rc_diag *d, enum rc_diag_code code, const char *fmt, ...);
RC_PRINTF(3, 4) void rc_warning_noloc(struct rc_diag *d, enum rc_diag_code code, const char *fmt, ...);

/* Registry lookups (for --list-diagnostics, docs and tests). */
const char *rc_diag_code_name(enum rc_diag_code code);
const char *rc_diag_code_doc(enum rc_diag_code code);
enum rc_severity rc_diag_code_severity(enum rc_diag_code code);

#endif
