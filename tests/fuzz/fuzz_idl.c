/* libFuzzer target for the IDL front end: preprocessor, lexer, parser, resolve, ACF merge,
 * checks, the header emitter, the layout phase and the stub-table emitter, on arbitrary bytes. Input: IDL text, optionally followed by
 * a line "%%ACF%%" and ACF text. Nothing may crash, hang, leak or read out of bounds. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "frontend.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%ACF%%\n";
	const char *text = (const char *)data;
	size_t idl_len = size, acf_off = 0;
	const char *hit = size >= sizeof(sep) - 1 ? memmem(text, size, sep, sizeof(sep) - 1) : NULL;
	if (hit) {
		idl_len = (size_t)(hit - text);
		acf_off = idl_len + sizeof(sep) - 1;
	}
	struct rc_options o;
	memset(&o, 0, sizeof(o));
	struct rc_diag d;
	rc_diag_init(&d, NULL); /* diagnostics are captured, not printed */
	d.max_errors = 20;
	struct rc_ctx ctx;
	rc_ctx_init(&ctx, &o, &d);
	unsigned errors = 0;
	ctx.main = rc_parse_text(&ctx, "fuzz.idl", text, idl_len, false, true, &errors);
	if (hit && !errors)
		ctx.acf = rc_parse_text(&ctx, "fuzz.acf", text + acf_off, size - acf_off, true, true, &errors);
	if (!errors)
		errors += rc_analyse(&ctx);
	if (!errors) {
		struct rc_strbuf out = {0};
		rc_emit_header(&ctx, "fuzz", &out);
		rc_dump_types(&ctx, &out);
		struct rl_layout *layout = NULL;
		if (!rc_layout(&ctx, &layout)) {
			rc_dump_layout(&ctx, layout, &out);
			rc_emit_tables(&ctx, layout, false, "fuzz.h", &out);
			rc_emit_tables(&ctx, layout, true, "fuzz.h", &out);
		}
		rc_sb_free(&out);
	}
	rc_ctx_free(&ctx);
	rc_diag_free(&d);
	return 0;
}
