/* ridl compiler: the output helper every emitter and dump writes through.
 *
 * An rc_out appends text to an rc_strbuf it does not own, putting the current indentation in
 * front of every non-empty line, so emitters never count tabs themselves. Files are written
 * with rc_out_write_file(), which goes through rc_write_file_atomic(): a failed run never
 * leaves half a file behind.
 */
#ifndef RIDL_OUTPUT_H
#define RIDL_OUTPUT_H

#include <stdbool.h>

#include "util.h"

struct rc_out {
	struct rc_strbuf *sb; /* where the text goes (owned by the caller) */
	const char *unit;     /* one level of indentation: "\t" for C, "  " for dumps */
	unsigned indent;      /* current level */
	bool bol;             /* at the beginning of a line: indent before the next text */
};

/* Starts writing at the end of sb; unit NULL means one tab per level. */
void rc_out_init(struct rc_out *o, struct rc_strbuf *sb, const char *unit);

void rc_out_indent(struct rc_out *o);
void rc_out_dedent(struct rc_out *o);

/* Text, indented at the start of each non-empty line it begins. */
void rc_out_puts(struct rc_out *o, const char *s);
void rc_out_putn(struct rc_out *o, const char *s, size_t n);
RC_PRINTF(2, 3) void rc_out_printf(struct rc_out *o, const char *fmt, ...);
void rc_out_vprintf(struct rc_out *o, const char *fmt, va_list ap);
/* One whole line: printf, then a newline. */
RC_PRINTF(2, 3) void rc_out_line(struct rc_out *o, const char *fmt, ...);
/* Ends the current line. */
void rc_out_nl(struct rc_out *o);
/* Text copied without indentation (preprocessor lines, cpp_quote), ended with a newline. */
void rc_out_raw_line(struct rc_out *o, const char *s);

/* Writes everything in the buffer to path atomically; returns 0 or an errno value. */
int rc_out_write_file(const struct rc_out *o, const char *path);

#endif
