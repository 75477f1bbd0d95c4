#include "frontend.h"
void rc_dump_ast(struct rc_ctx *ctx, struct rc_strbuf *out) { (void)ctx; (void)out; }
void rc_dump_types(struct rc_ctx *ctx, struct rc_strbuf *out) { (void)ctx; (void)out; }
