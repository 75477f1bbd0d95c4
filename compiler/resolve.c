#include "frontend.h"
unsigned rc_resolve(struct rc_ctx *ctx) { (void)ctx; return 0; }
unsigned rc_acf_merge(struct rc_ctx *ctx) { (void)ctx; return 0; }
unsigned rc_check(struct rc_ctx *ctx) { (void)ctx; return 0; }
void rc_dump_ast(struct rc_ctx *ctx, struct rc_strbuf *out) { (void)ctx; (void)out; }
void rc_dump_types(struct rc_ctx *ctx, struct rc_strbuf *out) { (void)ctx; (void)out; }
unsigned rc_emit_header(struct rc_ctx *ctx, const char *g, struct rc_strbuf *out) { (void)ctx; (void)g; (void)out; return 0; }
