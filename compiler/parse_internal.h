/* ridl compiler: state shared by the lexer, the grammar and frontend.c (not used elsewhere). */
#ifndef RIDL_PARSE_INTERNAL_H
#define RIDL_PARSE_INTERNAL_H

#include "ast.h"
#include "frontend.h"

/* Deepest nesting of brackets, declarations or expressions the front end accepts. Real IDL
 * stays far below it; the limit keeps every recursive walk of the tree within the stack. */
#define RC_MAX_NESTING 256

struct rc_lexstate {
	struct rc_ctx *ctx;
	struct rc_file *file_node; /* the rc_file being parsed */
	const char *file;          /* current file name (moved by line markers) */
	uint32_t line, col;
	int start_token;           /* START_IDL or START_ACF, returned first */
	int bracket_depth;
	unsigned errors;           /* lexical and syntax errors reported */
	const char *tok_text;      /* the last token's text, for syntax errors */
	size_t tok_len;
	bool nesting_reported;
	struct rc_loc comment_loc; /* where an open block comment started */
};

/* Arena-linked list used while parsing (bison discards values on error recovery, so the
 * temporaries must not need freeing). */
struct rc_pnode {
	void *item;
	struct rc_pnode *next;
};

struct rc_plist {
	struct rc_pnode *head, *tail;
	unsigned n;
};

/* A declarator: a name plus the type constructors around it (arena-allocated). */
struct rc_declarator {
	const char *name;
	struct rc_loc loc;
	struct rc_type *top;       /* outermost constructor; its innermost ->ref gets the base */
	struct rc_expr *bits;     /* bit-field width */
	const char *callconv;
	struct rc_plist gparams;  /* generic parameters on a delegate name */
};

struct rc_stmt_list {
	struct rc_stmt *head, *tail;
};

int rc_lex_init(struct rc_lexstate *ls, void **ret_scanner, const char *text, size_t len);
void rc_lex_destroy(void *scanner);

#endif
