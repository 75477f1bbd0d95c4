/* ridl compiler: the built-in C preprocessor (see cpp.h).
 *
 * The design is GCC's cpplib in miniature. The source is read one logical line at a time:
 * backslash-newlines are spliced and comments blanked to spaces of the same width (newlines
 * inside block comments are kept), so a line that names no macro is copied to the output as it
 * is and the lexer's columns stay exact. Only a line that names a defined macro is tokenized;
 * each expansion then replaces its invocation and the text around it is copied verbatim.
 *
 * Expansion uses a stack of contexts, one per macro being rescanned; a macro is disabled while
 * its context is live, and a token naming a disabled macro is painted so that it never expands
 * later (C11 6.10.3.4). Arguments are collected raw, expanded once when used outside # and ##,
 * substituted and pasted, and the result is pushed as a context and rescanned together with the
 * rest of the input, which is how a function-like macro at the end of an expansion takes its
 * arguments from the text after the invocation.
 *
 * Everything an input controls is bounded: the work spent expanding one invocation (so
 * exponential macros stop with an error), nesting of argument expansions and of #if
 * parentheses, #include depth and count, file size and output size. Tokens carry offsets into
 * the current line buffer instead of pointers so the buffer may grow while a macro's arguments
 * run over several lines.
 */
#include "cpp.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	MAX_INCLUDE_DEPTH = 200,
	MAX_NEST = 200,          /* nested argument expansions; #if parentheses and unary ops */
	MAX_EXPANSION = 1 << 20, /* work budget of one invocation in the text, or one directive */
	MAX_PARAMS = 65535,      /* parameter indexes are 16 bits */
	MAX_INCLUDES = 1 << 16,  /* files read by one run (include guards skip the rest) */
	MARKER_GAP = 8,          /* a gap of this many lines gets a marker, not blank lines */
	BLOOM_BITS = 1 << 16,
};

/* Files are addressed with 32-bit offsets. */
#define MAX_FILE_SIZE ((size_t)INT32_MAX)
/* Output beyond this means files that include each other many times over. */
#define MAX_OUTPUT ((size_t)1 << 30)

/* ---- tokens ---- */

enum tok_kind {
	T_EOF,
	T_IDENT,
	T_NUMBER,
	T_STRING,
	T_CHAR,
	T_PUNCT,
	T_PARAM,       /* in a macro body: parameter number 'param' */
	T_PLACEMARKER, /* an empty argument next to ## (C11 6.10.3.3) */
};

enum {
	F_SPACE = 1,     /* whitespace before the token */
	F_NOEXPAND = 2,  /* painted: names a macro that must not expand */
	F_STRINGIFY = 4, /* T_PARAM preceded by # */
	F_PASTE = 8,     /* followed by ## */
	F_SRC = 16,      /* the text is in the line buffer at 'off', not at 's' */
};

struct macro;

struct tok {
	const char *s;   /* text unless F_SRC */
	struct macro *m; /* T_IDENT in a macro body: its macro table entry (maybe undefined) */
	uint32_t len;
	uint32_t off; /* offset in the line buffer: of the token, or of the macro invocation
	                  * that produced it (for diagnostics) */
	uint8_t kind, flags;
	uint16_t param;
};

/* A growable token array; the owner frees v. */
struct tokvec {
	struct tok *v;
	size_t n, cap;
};

static void
tv_push(struct tokvec *tv, const struct tok *t)
{
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 16;
		tv->v = rc_xrealloc(tv->v, tv->cap * sizeof(*tv->v));
	}
	tv->v[tv->n++] = *t;
}

/* ---- character classes ---- */

enum { C_ID = 1, C_DIGIT = 2, C_SPACE = 4 };

/* clang-format off */
static const uint8_t cls[256] = {
	['a' ... 'z'] = C_ID, ['A' ... 'Z'] = C_ID, ['_'] = C_ID, ['$'] = C_ID,
	[0x80 ... 0xff] = C_ID, /* UTF-8 in identifiers, as GCC accepts */
	['0' ... '9'] = C_DIGIT,
	[' '] = C_SPACE, ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\r'] = C_SPACE, ['\f'] = C_SPACE,
	['\v'] = C_SPACE,
};

/* Characters the line reader must look at; everything else is copied in runs. */
static const uint8_t rd_special[256] = {
	['\n'] = 1, ['\r'] = 1, ['\\'] = 1, ['"'] = 1, ['\''] = 1, ['/'] = 1,
};
/* clang-format on */

static inline bool
is_id(unsigned char c)
{
	return cls[c] & (C_ID | C_DIGIT);
}

/* ---- macros ---- */

enum macro_kind { M_OBJ, M_FUNC, M_FILE, M_LINE };

/* A macro, in the run's arena. Entries stay in the table when undefined (defined = false), so
 * pointers to them (include guards) remain valid. */
struct macro {
	const char *name;
	uint32_t len, hash;
	uint8_t kind;
	bool defined, variadic, disabled, has_paste;
	uint32_t nparams, nbody;
	struct tok *params; /* names, to compare redefinitions */
	struct tok *body;
	struct rc_loc loc; /* of the definition; file NULL when predefined */
};

/* What is known about a file that was read, keyed by device and inode. */
struct file_rec {
	dev_t dev;
	ino_t ino;
	struct macro *guard; /* include guard: skip the file while this is defined */
	bool once;           /* #pragma once */
	bool in_deps;
};

enum cond_state {
	C_ACTIVE, /* this group is being processed */
	C_WAIT,   /* skipping; a later #elif or #else may be taken */
	C_DONE,   /* skipping; a group was already taken */
	C_DEAD,   /* skipping because the enclosing group is skipped */
};

struct cond {
	uint8_t state;
	bool seen_else;
	const char *dname; /* "if", "ifdef" or "ifndef" */
	struct rc_loc loc;
};

/* Multiple-include optimisation states (GCC's "mi"), per file. */
enum { MI_START, MI_IN, MI_AFTER, MI_NONE };

struct seg {
	uint32_t off, line; /* line buffer offset 'off' is column 1 of physical line 'line' */
};

/* One file being processed; lives on the C stack of run_file's caller. */
struct frame {
	const char *path;     /* as opened, interned */
	const char *presumed; /* for markers, __FILE__ and diagnostics; #line changes it */
	const char *text;
	size_t len, pos;
	uint32_t line;        /* physical line of the next logical line */
	int64_t delta;        /* presumed line = physical line + delta */
	unsigned depth;       /* #include nesting; 0 for the main file */
	size_t cond_base;     /* conditionals below this index belong to the includers */
	struct file_rec *rec; /* NULL for text that is not a file */
	size_t comment_err;   /* 1 + offset of the last unterminated comment reported */
	uint8_t mi;
	size_t mi_cond;
	struct macro *mi_guard;
};

/* The state of one preprocessor run; freed at the end of rc_cpp_run_text(). */
struct cpp {
	struct rc_diag *d;
	const struct rc_cpp_opts *o;
	struct rc_arena arena;   /* macros, bodies, file records, names: the whole run */
	struct rc_arena scratch; /* texts made while expanding one line */
	bool scratch_used;
	struct rc_interner names; /* file names (compared by pointer) */
	struct rc_vec *deps;

	struct macro **mtab;
	size_t mcap, mn;
	uint64_t bloom[BLOOM_BITS / 64];
	struct file_rec **ftab;
	size_t fcap, fn;

	struct rc_strbuf out;
	const char *out_name; /* file and line the next output line is attributed to */
	int64_t out_line;

	struct frame *cur;     /* file of the current line; NULL for command-line macros */
	struct rc_strbuf unit; /* the current logical line(s), comments blanked */
	struct seg *segs;
	size_t nsegs, capsegs;
	uint32_t unit_line; /* physical line where the unit starts */
	struct tokvec base, dtoks;
	struct rc_strbuf tmp;

	struct cond *conds;
	size_t nconds, capconds;
	bool skipping;

	unsigned errors;
	unsigned nfiles; /* files read */
	bool fatal;      /* stop: include cycle or runaway output */
	size_t work;     /* expansion budget spent by the current invocation or directive */
	bool overflow;   /* ... exhausted: stop expanding */
	unsigned nest;
	const char *cmdline; /* the -D/-U being processed, for diagnostics */
};

static const char *
tok_text(const struct cpp *cpp, const struct tok *t)
{
	return t->flags & F_SRC ? cpp->unit.buf + t->off : t->s;
}

/* The length to underline for t: 0 unless t is in the line as written. */
static uint32_t
src_len(const struct tok *t)
{
	return t->flags & F_SRC ? t->len : 0;
}

static bool
tok_is(const struct cpp *cpp, const struct tok *t, char c)
{
	return t->kind == T_PUNCT && t->len == 1 && tok_text(cpp, t)[0] == c;
}

static bool
tok_eq(const struct cpp *cpp, const struct tok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(tok_text(cpp, t), s, n) == 0;
}

static void *
scratch_alloc(struct cpp *cpp, size_t n)
{
	cpp->scratch_used = true;
	return rc_arena_alloc(&cpp->scratch, n);
}

static void
scratch_reset(struct cpp *cpp)
{
	if (cpp->scratch_used) {
		rc_arena_free(&cpp->scratch);
		cpp->scratch_used = false;
	}
}

static void
sb_truncate(struct rc_strbuf *sb, size_t n)
{
	sb->len = n;
	if (sb->buf)
		sb->buf[n] = '\0';
}

static void
sb_spaces(struct rc_strbuf *sb, size_t n)
{
	static const char sp[64] =
		"                                                                ";
	while (n) {
		size_t k = n < sizeof(sp) ? n : sizeof(sp);
		rc_sb_append(sb, sp, k);
		n -= k;
	}
}

/* Spends n units of the expansion budget; false once it is exhausted. */
static bool
spend(struct cpp *cpp, size_t n)
{
	cpp->work += n;
	if (cpp->work > MAX_EXPANSION)
		cpp->overflow = true;
	return !cpp->overflow;
}

/* ---- diagnostics ---- */

static void pp_error(struct cpp *cpp, enum rc_diag_code code, size_t off, size_t len,
		     const char *fmt, ...) RC_PRINTF(5, 6);
static void pp_error_loc(struct cpp *cpp, enum rc_diag_code code, struct rc_loc loc,
			 const char *fmt, ...) RC_PRINTF(4, 5);
static void pp_warning(struct cpp *cpp, enum rc_diag_code code, size_t off, size_t len,
		       const char *fmt, ...) RC_PRINTF(5, 6);

static struct rc_loc
loc_at(const struct cpp *cpp, size_t off, size_t len)
{
	struct rc_loc loc = { 0 };
	const struct frame *f = cpp->cur;
	if (!f || !cpp->nsegs)
		return loc;
	size_t lo = 0, hi = cpp->nsegs;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (cpp->segs[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	int64_t line = (int64_t)cpp->segs[lo].line + f->delta;
	loc.file = f->presumed;
	loc.line = line < 0 ? 0 : line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	loc.col = (uint32_t)(off - cpp->segs[lo].off + 1);
	loc.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	return loc;
}

static void
report(struct cpp *cpp, bool warning, enum rc_diag_code code, const struct rc_loc *loc,
       const char *fmt, va_list ap)
{
	struct rc_strbuf msg = { 0 };
	if (cpp->cmdline)
		rc_sb_printf(&msg, "in '%s': ", cpp->cmdline);
	rc_sb_vprintf(&msg, fmt, ap);
	if (!warning)
		cpp->errors++;
	else if (cpp->d->warnings_are_errors && !cpp->d->no_warnings)
		cpp->errors++;
	if (warning) {
		if (loc)
			rc_warning(cpp->d, code, *loc, "%s", rc_sb_str(&msg));
		else
			rc_warning_noloc(cpp->d, code, "%s", rc_sb_str(&msg));
	} else {
		if (loc)
			rc_error(cpp->d, code, *loc, "%s", rc_sb_str(&msg));
		else
			rc_error_noloc(cpp->d, code, "%s", rc_sb_str(&msg));
	}
	rc_sb_free(&msg);
}

/* An error at offset 'off' (length len) of the current line. */
static void
pp_error(struct cpp *cpp, enum rc_diag_code code, size_t off, size_t len, const char *fmt, ...)
{
	struct rc_loc loc = loc_at(cpp, off, len);
	va_list ap;
	va_start(ap, fmt);
	report(cpp, false, code, loc.file ? &loc : NULL, fmt, ap);
	va_end(ap);
}

static void
pp_warning(struct cpp *cpp, enum rc_diag_code code, size_t off, size_t len, const char *fmt, ...)
{
	struct rc_loc loc = loc_at(cpp, off, len);
	va_list ap;
	va_start(ap, fmt);
	report(cpp, true, code, loc.file ? &loc : NULL, fmt, ap);
	va_end(ap);
}

static void
pp_error_loc(struct cpp *cpp, enum rc_diag_code code, struct rc_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(cpp, false, code, loc.file ? &loc : NULL, fmt, ap);
	va_end(ap);
}

/* An error about token t: the message is before + t's spelling + after (cut if long). */
static void
tok_error(struct cpp *cpp, enum rc_diag_code code, const struct tok *t, const char *before,
	  const char *after)
{
	int n = t->len > 64 ? 64 : (int)t->len;
	pp_error(cpp, code, t->off, src_len(t), "%s%.*s%s", before, n, tok_text(cpp, t), after);
}

/* ---- macro table ---- */

static uint32_t
hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* The bloom filter sees every name ever defined; a miss means "not a macro" without hashing
 * the identifier, which is the common case for the identifiers of an IDL file. */
static inline uint32_t
bloom_key(const char *s, size_t n)
{
	uint32_t k = (unsigned char)s[0] * 0x9e3779b1u ^ (unsigned char)s[n - 1] * 0x85ebca77u ^
		     (uint32_t)n * 0xc2b2ae3du;
	if (n > 1)
		k ^= (unsigned char)s[1] * 0x27d4eb2fu;
	return (k ^ k >> 16) & (BLOOM_BITS - 1);
}

static struct macro *
macro_find(const struct cpp *cpp, const char *s, size_t n, uint32_t h)
{
	if (!cpp->mcap)
		return NULL;
	for (size_t j = h & (cpp->mcap - 1);; j = (j + 1) & (cpp->mcap - 1)) {
		struct macro *m = cpp->mtab[j];
		if (!m)
			return NULL;
		if (m->hash == h && m->len == n && memcmp(m->name, s, n) == 0)
			return m;
	}
}

/* The table entry for a name, created (undefined) if new. */
static struct macro *
macro_get(struct cpp *cpp, const char *s, size_t n)
{
	uint32_t h = hash_name(s, n);
	struct macro *m = macro_find(cpp, s, n, h);
	if (m)
		return m;
	if ((cpp->mn + 1) * 2 > cpp->mcap) {
		size_t cap = cpp->mcap ? cpp->mcap * 2 : 256;
		struct macro **tab = rc_xcalloc(cap, sizeof(*tab));
		for (size_t i = 0; i < cpp->mcap; i++) {
			struct macro *o = cpp->mtab[i];
			if (!o)
				continue;
			size_t j = o->hash & (cap - 1);
			while (tab[j])
				j = (j + 1) & (cap - 1);
			tab[j] = o;
		}
		free(cpp->mtab);
		cpp->mtab = tab;
		cpp->mcap = cap;
	}
	m = rc_arena_alloc(&cpp->arena, sizeof(*m));
	m->name = rc_arena_strndup(&cpp->arena, s, n);
	m->len = (uint32_t)n;
	m->hash = h;
	size_t j = h & (cpp->mcap - 1);
	while (cpp->mtab[j])
		j = (j + 1) & (cpp->mcap - 1);
	cpp->mtab[j] = m;
	cpp->mn++;
	return m;
}

/* The defined macro named s[0..n), or NULL. */
static struct macro *
macro_lookup(const struct cpp *cpp, const char *s, size_t n)
{
	uint32_t k = bloom_key(s, n);
	if (!(cpp->bloom[k / 64] & (UINT64_C(1) << (k % 64))))
		return NULL;
	struct macro *m = macro_find(cpp, s, n, hash_name(s, n));
	return m && m->defined ? m : NULL;
}

static struct macro *
tok_macro(const struct cpp *cpp, const struct tok *t)
{
	if (t->kind != T_IDENT)
		return NULL;
	if (t->m)
		return t->m->defined ? t->m : NULL;
	return macro_lookup(cpp, tok_text(cpp, t), t->len);
}

static void
macro_defined(struct cpp *cpp, struct macro *m)
{
	uint32_t k = bloom_key(m->name, m->len);
	cpp->bloom[k / 64] |= UINT64_C(1) << (k % 64);
	m->defined = true;
}

/* ---- file records ---- */

static struct file_rec *
file_rec_get(struct cpp *cpp, const struct stat *st)
{
	size_t h = (size_t)st->st_ino * 31 + (size_t)st->st_dev;
	if (cpp->fcap) {
		for (size_t j = h & (cpp->fcap - 1); cpp->ftab[j]; j = (j + 1) & (cpp->fcap - 1))
			if (cpp->ftab[j]->ino == st->st_ino && cpp->ftab[j]->dev == st->st_dev)
				return cpp->ftab[j];
	}
	if ((cpp->fn + 1) * 2 > cpp->fcap) {
		size_t cap = cpp->fcap ? cpp->fcap * 2 : 64;
		struct file_rec **tab = rc_xcalloc(cap, sizeof(*tab));
		for (size_t i = 0; i < cpp->fcap; i++) {
			struct file_rec *r = cpp->ftab[i];
			if (!r)
				continue;
			size_t j = ((size_t)r->ino * 31 + (size_t)r->dev) & (cap - 1);
			while (tab[j])
				j = (j + 1) & (cap - 1);
			tab[j] = r;
		}
		free(cpp->ftab);
		cpp->ftab = tab;
		cpp->fcap = cap;
	}
	struct file_rec *r = rc_arena_alloc(&cpp->arena, sizeof(*r));
	r->dev = st->st_dev;
	r->ino = st->st_ino;
	size_t j = h & (cpp->fcap - 1);
	while (cpp->ftab[j])
		j = (j + 1) & (cpp->fcap - 1);
	cpp->ftab[j] = r;
	cpp->fn++;
	return r;
}

/* ---- output ---- */

static void
emit_marker(struct cpp *cpp, int64_t line, const char *name, const char *flags)
{
	struct rc_strbuf *o = &cpp->out;
	rc_sb_printf(o, "# %lld \"", (long long)line);
	/* The lexer undoes \" and \\; a newline must not end the marker early. */
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '\n' || *p == '\r')
			rc_sb_putc(o, '\\');
		rc_sb_putc(o, *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p);
	}
	rc_sb_putc(o, '"');
	rc_sb_puts(o, flags);
	rc_sb_putc(o, '\n');
	cpp->out_line = line;
	cpp->out_name = name;
}

/* Makes the next output line be physical line 'phys' of f: blank lines for a small gap, a
 * line marker otherwise. */
static void
sync_line(struct cpp *cpp, const struct frame *f, uint32_t phys)
{
	int64_t want = (int64_t)phys + f->delta;
	if (cpp->out_name != f->presumed || want < cpp->out_line ||
	    want - cpp->out_line >= MARKER_GAP) {
		emit_marker(cpp, want, f->presumed, "");
		return;
	}
	while (cpp->out_line < want) {
		rc_sb_putc(&cpp->out, '\n');
		cpp->out_line++;
	}
}

static size_t
count_nl(const char *s, size_t n)
{
	size_t c = 0;
	const char *end = s + n;
	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		c++;
		s++;
	}
	return c;
}

/* ---- reading logical lines ---- */

static void
seg_push(struct cpp *cpp, size_t off, uint32_t line)
{
	if (cpp->nsegs == cpp->capsegs) {
		cpp->capsegs = cpp->capsegs ? cpp->capsegs * 2 : 16;
		cpp->segs = rc_xrealloc(cpp->segs, cpp->capsegs * sizeof(*cpp->segs));
	}
	cpp->segs[cpp->nsegs++] = (struct seg){ (uint32_t)off, line };
}

/* Length of the newline at p ("\n" or "\r\n"), 0 if there is none. */
static inline size_t
newline_len(const char *p, const char *end)
{
	if (p < end && *p == '\n')
		return 1;
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

/* Appends the next logical line of f to cpp->unit: backslash-newlines removed, comments
 * replaced by spaces of equal width (dropped at the end of a line), newlines inside block
 * comments kept. Returns false at the end of the file. */
static bool
read_line(struct cpp *cpp, struct frame *f)
{
	const char *p = f->text + f->pos, *end = f->text + f->len;
	if (p >= end)
		return false;
	struct rc_strbuf *u = &cpp->unit;
	const char *lstart = p; /* start of the physical line, for columns */
	size_t trim = SIZE_MAX; /* where blanks that replaced comments end the line */
	char quote = 0;
	seg_push(cpp, u->len, f->line);
	while (p < end) {
		const char *q = p;
		while (q < end && !rd_special[(unsigned char)*q])
			q++;
		if (q > p) {
			rc_sb_append(u, p, (size_t)(q - p));
			trim = SIZE_MAX;
			p = q;
			if (p >= end)
				break;
		}
		char c = *p;
		if (c == '\n') {
			p++;
			f->line++;
			break;
		}
		if (c == '\r') {
			if (newline_len(p, end) == 2) {
				p++;
				continue;
			}
			rc_sb_putc(u, c);
			trim = SIZE_MAX;
			p++;
			continue;
		}
		if (c == '\\') {
			size_t nl = newline_len(p + 1, end);
			if (nl) {
				p += 1 + nl;
				f->line++;
				lstart = p;
				seg_push(cpp, u->len, f->line);
				continue;
			}
			rc_sb_putc(u, c);
			trim = SIZE_MAX;
			p++;
			/* An escaped character in a literal, so that \" does not end it. */
			if (quote && p < end && *p != '\\' && *p != '\n' && *p != '\r') {
				rc_sb_putc(u, *p);
				p++;
			}
			continue;
		}
		if (c == '"' || c == '\'') {
			if (!quote)
				quote = c;
			else if (quote == c)
				quote = 0;
			rc_sb_putc(u, c);
			trim = SIZE_MAX;
			p++;
			continue;
		}
		/* c == '/' */
		if (quote || end - p < 2 || (p[1] != '*' && p[1] != '/')) {
			rc_sb_putc(u, c);
			trim = SIZE_MAX;
			p++;
			continue;
		}
		if (trim == SIZE_MAX)
			trim = u->len;
		if (p[1] == '/') {
			/* A line comment runs to the end of the line, through backslash-newlines;
			 * its blanks would be trimmed, so none are added. */
			p += 2;
			for (;;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				if (!nl) {
					p = end;
					break;
				}
				const char *b = nl;
				if (b > p && b[-1] == '\r')
					b--;
				if (b > p && b[-1] == '\\') {
					p = nl + 1;
					f->line++;
					lstart = p;
					continue;
				}
				p = nl;
				break;
			}
			continue;
		}
		uint32_t cline = f->line, ccol = (uint32_t)(p - lstart + 1);
		size_t cpos = (size_t)(p - f->text);
		bool closed = false;
		p += 2;
		sb_spaces(u, 2);
		while (p < end) {
			const char *r = p;
			while (r < end && *r != '*' && *r != '\n')
				r++;
			sb_spaces(u, (size_t)(r - p));
			p = r;
			if (p >= end)
				break;
			if (*p == '\n') {
				sb_truncate(u, trim);
				rc_sb_putc(u, '\n');
				p++;
				f->line++;
				lstart = p;
				seg_push(cpp, u->len, f->line);
				trim = u->len;
				continue;
			}
			if (end - p >= 2 && p[1] == '/') {
				sb_spaces(u, 2);
				p += 2;
				closed = true;
				break;
			}
			sb_spaces(u, 1);
			p++;
		}
		if (!closed && f->comment_err != cpos + 1) {
			/* Reported once even when a line is read again (see fetch_line). */
			f->comment_err = cpos + 1;
			int64_t line = (int64_t)cline + f->delta;
			struct rc_loc loc = { f->presumed, line < 0 ? 0 : (uint32_t)line, ccol, 2 };
			pp_error_loc(cpp, RC_E_LEX_COMMENT, loc, "unterminated comment");
		}
	}
	if (trim != SIZE_MAX)
		sb_truncate(u, trim);
	f->pos = (size_t)(p - f->text);
	return true;
}

/* ---- tokenizer ---- */

/* End of the string or character literal starting at s[i]: after the closing quote, or at the
 * end of the line when it is unterminated (the lexer reports that). */
static size_t
lex_quoted(const char *s, size_t i, size_t n)
{
	char q = s[i];
	for (size_t j = i + 1; j < n; j++) {
		char c = s[j];
		if (c == q)
			return j + 1;
		if (c == '\n')
			return j;
		if (c == '\\' && j + 1 < n && s[j + 1] != '\n')
			j++;
	}
	return n;
}

static size_t
skip_ppnumber(const char *s, size_t i, size_t n)
{
	size_t j = i + 1;
	while (j < n) {
		unsigned char d = (unsigned char)s[j];
		if ((d == '+' || d == '-') &&
		    (s[j - 1] == 'e' || s[j - 1] == 'E' || s[j - 1] == 'p' || s[j - 1] == 'P')) {
			j++;
			continue;
		}
		if (is_id(d) || d == '.') {
			j++;
			continue;
		}
		break;
	}
	return j;
}

static size_t
punct_len(const char *p, size_t rem)
{
	if (rem >= 3 && ((p[0] == '.' && p[1] == '.' && p[2] == '.') ||
			 ((p[0] == '<' || p[0] == '>') && p[1] == p[0] && p[2] == '=')))
		return 3;
	if (rem < 2)
		return 1;
	char a = p[0], b = p[1];
	switch (a) {
	case '#':
	case '+':
	case '&':
	case '|':
	case ':':
		return b == a || (b == '=' && a != '#' && a != ':') ? 2 : 1;
	case '-':
		return b == '-' || b == '=' || b == '>' ? 2 : 1;
	case '<':
	case '>':
		return b == a || b == '=' ? 2 : 1;
	case '=':
	case '!':
	case '*':
	case '/':
	case '%':
	case '^':
		return b == '=' ? 2 : 1;
	default:
		return 1;
	}
}

/* Lexes the preprocessing token at s[i..n) after skipping whitespace. t->off is the start
 * (relative to s); t->kind is T_EOF at the end. Returns the index after the token. */
static size_t
lex_one(const char *s, size_t i, size_t n, struct tok *t)
{
	uint8_t flags = 0;
	while (i < n && (cls[(unsigned char)s[i]] & C_SPACE)) {
		i++;
		flags = F_SPACE;
	}
	t->s = NULL;
	t->m = NULL;
	t->flags = flags;
	t->param = 0;
	t->off = (uint32_t)i;
	if (i >= n) {
		t->kind = T_EOF;
		t->len = 0;
		return n;
	}
	unsigned char c = (unsigned char)s[i];
	size_t j;
	if (cls[c] & C_ID) {
		j = i + 1;
		while (j < n && is_id((unsigned char)s[j]))
			j++;
		size_t k = j - i;
		if (j < n && (s[j] == '"' || s[j] == '\'') &&
		    ((k == 1 && (c == 'L' || c == 'u' || c == 'U')) ||
		     (k == 2 && c == 'u' && s[i + 1] == '8'))) {
			t->kind = s[j] == '"' ? T_STRING : T_CHAR;
			j = lex_quoted(s, j, n);
		} else {
			t->kind = T_IDENT;
		}
	} else if ((cls[c] & C_DIGIT) ||
		   (c == '.' && i + 1 < n && (cls[(unsigned char)s[i + 1]] & C_DIGIT))) {
		t->kind = T_NUMBER;
		j = skip_ppnumber(s, i, n);
	} else if (c == '"' || c == '\'') {
		t->kind = c == '"' ? T_STRING : T_CHAR;
		j = lex_quoted(s, i, n);
	} else {
		t->kind = T_PUNCT;
		j = i + punct_len(s + i, n - i);
	}
	t->len = (uint32_t)(j - i);
	return j;
}

/* Appends the tokens of the line buffer's [from, to) to tv. */
static void
tokenize(struct cpp *cpp, size_t from, size_t to, struct tokvec *tv)
{
	const char *s = cpp->unit.buf;
	struct tok t;
	for (size_t i = from;;) {
		i = lex_one(s, i, to, &t);
		if (t.kind == T_EOF)
			break;
		t.flags |= F_SRC;
		tv_push(tv, &t);
	}
}

/* Whether the text names a defined macro, outside literals and numbers. Most lines do not,
 * and are copied without being tokenized. */
static bool
needs_expansion(const struct cpp *cpp, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint8_t k = cls[c];
		if (k & C_ID) {
			size_t j = i + 1;
			while (j < n && is_id((unsigned char)s[j]))
				j++;
			if (macro_lookup(cpp, s + i, j - i))
				return true;
			i = j;
		} else if (k & C_DIGIT) {
			i = skip_ppnumber(s, i, n);
		} else if (c == '"' || c == '\'') {
			i = lex_quoted(s, i, n);
		} else {
			i++;
		}
	}
	return false;
}

/* ---- macro expansion ---- */

/* A token list being rescanned: a macro's replacement (the macro is disabled until the
 * context is popped) or an argument. */
struct ctx {
	const struct tok *toks;
	size_t pos, n;
	struct macro *m;   /* re-enabled when popped */
	struct tok *owned; /* freed when popped */
	uint32_t off;      /* location given to body tokens */
	uint8_t first_space;
	bool body; /* toks is a macro body used as is */
};

/* Expands a base token list: the tokens of a line of text (top), of a directive, or of a
 * macro argument. */
struct expander {
	struct cpp *cpp;
	struct frame *f; /* for reading more lines; only when top */
	struct tokvec *base;
	size_t bpos;
	struct ctx *stack;
	size_t depth, cap;
	bool top; /* base is a line of text whose unexpanded parts are copied */
	/* Output state of a top-level line: */
	size_t copy_pos;   /* line text up to here is in the output */
	bool first;        /* the next token is the first of an invocation's expansion */
	uint8_t prev_kind; /* kind of the last token written, T_EOF after copied text */
	size_t inv_off, inv_len;
};

static void
push_ctx(struct expander *ex, struct macro *m, const struct tok *toks, size_t n, struct tok *owned,
	 const struct tok *name, bool body)
{
	if (ex->depth == ex->cap) {
		ex->cap = ex->cap ? ex->cap * 2 : 8;
		ex->stack = rc_xrealloc(ex->stack, ex->cap * sizeof(*ex->stack));
	}
	ex->stack[ex->depth++] = (struct ctx){
		.toks = toks,
		.n = n,
		.m = m,
		.owned = owned,
		.off = name->off,
		.first_space = name->flags & F_SPACE,
		.body = body,
	};
	if (m)
		m->disabled = true;
}

static void
pop_ctx(struct expander *ex)
{
	struct ctx *c = &ex->stack[--ex->depth];
	if (c->m)
		c->m->disabled = false;
	free(c->owned);
}

static void
ex_finish(struct expander *ex)
{
	while (ex->depth)
		pop_ctx(ex);
	free(ex->stack);
	ex->stack = NULL;
	ex->cap = 0;
}

/* Reads the next line of the file into the base of a top-level line whose macro arguments
 * continue there. A directive line is left for the main loop. */
static bool
fetch_line(struct expander *ex)
{
	if (!ex->top)
		return false;
	struct cpp *cpp = ex->cpp;
	struct frame *f = ex->f;
	for (;;) {
		size_t pos = f->pos, ulen = cpp->unit.len, nsegs = cpp->nsegs;
		uint32_t line = f->line;
		if (pos >= f->len)
			return false;
		rc_sb_putc(&cpp->unit, '\n');
		if (!read_line(cpp, f))
			return false;
		const char *s = cpp->unit.buf;
		size_t i = ulen + 1;
		while (i < cpp->unit.len && (cls[(unsigned char)s[i]] & C_SPACE))
			i++;
		if (i < cpp->unit.len && s[i] == '#') {
			f->pos = pos;
			f->line = line;
			sb_truncate(&cpp->unit, ulen);
			cpp->nsegs = nsegs;
			return false;
		}
		size_t n0 = ex->base->n;
		tokenize(cpp, ulen + 1, cpp->unit.len, ex->base);
		if (ex->base->n > n0)
			return true;
	}
}

/* The next token without expansion, popping exhausted contexts. 'more' lets a top-level line
 * read further lines. */
static bool
raw_next(struct expander *ex, struct tok *t, bool more, bool *from_base)
{
	while (ex->depth) {
		struct ctx *c = &ex->stack[ex->depth - 1];
		if (c->pos < c->n) {
			*t = c->toks[c->pos];
			if (c->body) {
				t->off = c->off;
				if (c->pos == 0)
					t->flags =
						(uint8_t)((t->flags & ~F_SPACE) | c->first_space);
			}
			c->pos++;
			*from_base = false;
			return true;
		}
		pop_ctx(ex);
	}
	if (ex->bpos >= ex->base->n && !(more && fetch_line(ex)))
		return false;
	*t = ex->base->v[ex->bpos++];
	*from_base = true;
	return true;
}

/* The next token without consuming it (exhausted contexts are popped, as GCC does). */
static const struct tok *
peek_raw(struct expander *ex, bool more)
{
	while (ex->depth) {
		struct ctx *c = &ex->stack[ex->depth - 1];
		if (c->pos < c->n)
			return &c->toks[c->pos];
		pop_ctx(ex);
	}
	if (ex->bpos >= ex->base->n && !(more && fetch_line(ex)))
		return NULL;
	return &ex->base->v[ex->bpos];
}

/* Whether token b must be separated from the output before it (last character a, from a
 * token of kind pk) so that they do not lex as one token. */
static bool
need_space(uint8_t pk, char a, char b)
{
	unsigned char ua = (unsigned char)a, ub = (unsigned char)b;
	if (is_id(ua) && (is_id(ub) || b == '"' || b == '\''))
		return true;
	if (pk == T_NUMBER && (b == '.' || b == '+' || b == '-'))
		return true;
	switch (a) {
	case '+':
		return b == '+' || b == '=';
	case '-':
		return b == '-' || b == '=' || b == '>';
	case '<':
	case '>':
	case '&':
	case '|':
		return b == a || b == '=';
	case '=':
	case '!':
	case '*':
	case '%':
	case '^':
		return b == '=';
	case '/':
		return b == '=' || b == '*' || b == '/';
	case '#':
	case ':':
		return b == a;
	case '.':
		return b == '.' || (cls[ub] & C_DIGIT);
	default:
		return false;
	}
}

/* Copies the line text from copy_pos up to 'upto' to the output. */
static void
flush_verbatim(struct expander *ex, size_t upto)
{
	struct cpp *cpp = ex->cpp;
	if (upto <= ex->copy_pos)
		return;
	const char *s = cpp->unit.buf + ex->copy_pos;
	if (ex->prev_kind != T_EOF && cpp->out.len &&
	    need_space(ex->prev_kind, cpp->out.buf[cpp->out.len - 1], s[0]))
		rc_sb_putc(&cpp->out, ' ');
	rc_sb_append(&cpp->out, s, upto - ex->copy_pos);
	ex->copy_pos = upto;
	ex->prev_kind = T_EOF;
}

/* A token of the line's text was consumed by an expansion, so it is not copied. 'start': it is
 * the name of a macro invoked from the text, and the text before it goes out now. */
static void
consumed(struct expander *ex, const struct tok *t, bool start)
{
	if (!ex->top)
		return;
	if (start) {
		flush_verbatim(ex, t->off);
		ex->first = true;
		ex->inv_off = t->off;
		ex->inv_len = t->len;
		/* The budget is per invocation: a long line of small expansions is fine. */
		ex->cpp->work = 0;
	}
	ex->copy_pos = t->off + t->len;
}

static void
emit_tok(struct expander *ex, const struct tok *t)
{
	struct cpp *cpp = ex->cpp;
	struct rc_strbuf *o = &cpp->out;
	if (!t->len)
		return;
	const char *s = tok_text(cpp, t);
	bool sp = !ex->first && (t->flags & F_SPACE);
	ex->first = false;
	if (!sp && o->len)
		sp = need_space(ex->prev_kind, o->buf[o->len - 1], s[0]);
	if (sp)
		rc_sb_putc(o, ' ');
	rc_sb_append(o, s, t->len);
	ex->prev_kind = t->kind;
	spend(cpp, t->len + 1);
	if (o->len > MAX_OUTPUT)
		cpp->overflow = true;
}

static bool expand_next(struct expander *ex, struct tok *t, bool *from_base);

/* Macro-expands toks[0..n) on their own (an argument, or a directive's operands) into out. */
static void
expand_list(struct cpp *cpp, const struct tok *toks, size_t n, struct tokvec *out)
{
	if (cpp->nest >= MAX_NEST) {
		/* Only a pathological input nests this deep; treat it as too large. */
		cpp->overflow = true;
		return;
	}
	cpp->nest++;
	struct tokvec view = { (struct tok *)toks, n, n };
	struct expander sub = { .cpp = cpp, .base = &view };
	struct tok t;
	bool fb;
	while (expand_next(&sub, &t, &fb)) {
		if (!spend(cpp, 16 + t.len))
			break;
		tv_push(out, &t);
	}
	ex_finish(&sub);
	cpp->nest--;
}

static struct tok
make_tok(struct cpp *cpp, uint8_t kind, const char *s, size_t len, const struct tok *at)
{
	char *p = scratch_alloc(cpp, len + 1);
	memcpy(p, s, len);
	return (struct tok){ .s = p, .len = (uint32_t)len, .off = at->off, .kind = kind };
}

static struct tok
stringify(struct cpp *cpp, const struct tok *a, size_t n, const struct tok *at)
{
	struct rc_strbuf *sb = &cpp->tmp;
	rc_sb_reset(sb);
	rc_sb_putc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		const struct tok *t = &a[i];
		if (t->kind == T_PLACEMARKER)
			continue;
		if ((t->flags & F_SPACE) && sb->len > 1)
			rc_sb_putc(sb, ' ');
		const char *s = tok_text(cpp, t);
		if (t->kind == T_STRING || t->kind == T_CHAR) {
			for (size_t j = 0; j < t->len; j++) {
				if (s[j] == '"' || s[j] == '\\')
					rc_sb_putc(sb, '\\');
				rc_sb_putc(sb, s[j]);
			}
		} else {
			rc_sb_append(sb, s, t->len);
		}
	}
	rc_sb_putc(sb, '"');
	spend(cpp, sb->len);
	return make_tok(cpp, T_STRING, sb->buf, sb->len, at);
}

/* Pastes l and r into *ret; false (and an error) when they do not form one token. */
static bool
paste(struct cpp *cpp, const struct tok *l, const struct tok *r, struct tok *ret)
{
	size_t n = (size_t)l->len + r->len;
	char *s = scratch_alloc(cpp, n + 1);
	memcpy(s, tok_text(cpp, l), l->len);
	memcpy(s + l->len, tok_text(cpp, r), r->len);
	spend(cpp, n);
	struct tok t;
	size_t end = lex_one(s, 0, n, &t);
	if (t.kind == T_EOF || t.off != 0 || end != n) {
		int ln = l->len > 64 ? 64 : (int)l->len, rn = r->len > 64 ? 64 : (int)r->len;
		pp_error(cpp, RC_E_PP_MACRO, l->off, 0,
			 "pasting '%.*s' and '%.*s' does not give a valid preprocessing token", ln,
			 tok_text(cpp, l), rn, tok_text(cpp, r));
		return false;
	}
	t.s = s;
	t.off = l->off;
	t.flags = l->flags & F_SPACE;
	*ret = t;
	return true;
}

static bool
push_spend(struct cpp *cpp, struct tokvec *tv, const struct tok *t)
{
	if (!spend(cpp, 16 + t->len))
		return false;
	tv_push(tv, t);
	return true;
}

/* The replacement of an invocation of m: parameters substituted (C11 6.10.3.1), # and ##
 * applied. Argument k is args[starts[k] .. starts[k + 1]). Returns an owned array (NULL when
 * empty or when the budget ran out). */
static struct tok *
substitute(struct cpp *cpp, struct macro *m, const struct tok *name, const struct tokvec *args,
	   const size_t *starts, size_t nargs, size_t *ret_n)
{
	struct tokvec r = { 0 };
	struct tokvec *exp = NULL;
	bool *expanded = NULL;
	for (size_t i = 0; i < m->nbody && !cpp->overflow; i++) {
		const struct tok *bt = &m->body[i];
		uint8_t sp = i == 0 ? name->flags & F_SPACE : bt->flags & F_SPACE;
		if (bt->kind != T_PARAM) {
			struct tok t = *bt;
			t.off = name->off;
			t.flags = (uint8_t)((t.flags & ~F_SPACE) | sp);
			push_spend(cpp, &r, &t);
			continue;
		}
		unsigned k = bt->param;
		const struct tok *a = k < nargs && args->v ? args->v + starts[k] : NULL;
		size_t an = k < nargs ? (k + 1 < nargs ? starts[k + 1] : args->n) - starts[k] : 0;
		bool rhs = i > 0 && (m->body[i - 1].flags & F_PASTE);
		if (rhs)
			sp = 0; /* it is pasted onto the token before */
		if (bt->flags & F_STRINGIFY) {
			struct tok t = stringify(cpp, a, an, name);
			t.flags = sp | (bt->flags & F_PASTE);
			push_spend(cpp, &r, &t);
			continue;
		}
		if (rhs || (bt->flags & F_PASTE)) {
			/* GNU: in ", ## __VA_ARGS__" the comma goes when the variable arguments are
			 * left out (not when they are present but empty, as GCC). */
			if (rhs && m->variadic && k == m->nparams - 1 && r.n &&
			    tok_is(cpp, &r.v[r.n - 1], ',')) {
				if (k >= nargs) {
					r.n--;
					if (bt->flags & F_PASTE) {
						struct tok pm = { .kind = T_PLACEMARKER,
								  .flags = F_PASTE,
								  .off = name->off };
						push_spend(cpp, &r, &pm);
					}
					continue;
				}
				if (an)
					r.v[r.n - 1].flags &= (uint8_t)~F_PASTE;
			}
			if (an == 0) {
				struct tok pm = { .kind = T_PLACEMARKER,
						  .off = name->off,
						  .flags = sp | (bt->flags & F_PASTE) };
				push_spend(cpp, &r, &pm);
				continue;
			}
			for (size_t j = 0; j < an; j++) {
				struct tok t = a[j];
				if (j == 0)
					t.flags = (uint8_t)((t.flags & ~F_SPACE) | sp);
				if (j == an - 1)
					t.flags |= bt->flags & F_PASTE;
				if (!push_spend(cpp, &r, &t))
					break;
			}
			continue;
		}
		/* An ordinary parameter: the argument fully expanded, computed once. */
		if (!exp) {
			exp = rc_xcalloc(m->nparams, sizeof(*exp));
			expanded = rc_xcalloc(m->nparams, sizeof(*expanded));
		}
		if (!expanded[k]) {
			expand_list(cpp, a, an, &exp[k]);
			expanded[k] = true;
		}
		for (size_t j = 0; j < exp[k].n; j++) {
			struct tok t = exp[k].v[j];
			if (j == 0)
				t.flags = (uint8_t)((t.flags & ~F_SPACE) | sp);
			if (!push_spend(cpp, &r, &t))
				break;
		}
	}
	if (exp) {
		for (size_t k = 0; k < m->nparams; k++)
			free(exp[k].v);
		free(exp);
		free(expanded);
	}

	/* ## (C11 6.10.3.3), left to right, in place. */
	size_t w = 0;
	for (size_t j = 0; j < r.n && !cpp->overflow; j++) {
		struct tok t = r.v[j];
		if (w > 0 && (r.v[w - 1].flags & F_PASTE)) {
			struct tok *l = &r.v[w - 1];
			uint8_t keep = t.flags & F_PASTE;
			if (l->kind == T_PLACEMARKER) {
				t.flags = (uint8_t)((t.flags & ~F_SPACE) | (l->flags & F_SPACE));
				*l = t;
			} else if (t.kind == T_PLACEMARKER) {
				l->flags = (uint8_t)((l->flags & ~F_PASTE) | keep);
			} else {
				struct tok p;
				if (paste(cpp, l, &t, &p)) {
					p.flags |= keep;
					*l = p;
				} else {
					l->flags &= (uint8_t)~F_PASTE;
					r.v[w++] = t;
				}
			}
			continue;
		}
		r.v[w++] = t;
	}
	size_t n = 0;
	for (size_t j = 0; j < w; j++) {
		if (r.v[j].kind == T_PLACEMARKER)
			continue;
		r.v[n] = r.v[j];
		r.v[n].flags &= (uint8_t)~F_PASTE;
		n++;
	}
	if (cpp->overflow || n == 0) {
		free(r.v);
		*ret_n = 0;
		return NULL;
	}
	*ret_n = n;
	return r.v;
}

enum { ENTER_NO, ENTER_OK, ENTER_FAILED };

/* Expands the invocation of m whose name was just read. ENTER_NO: m is function-like and no
 * '(' follows, so the name is an ordinary token. ENTER_FAILED: a bad invocation, reported;
 * the name stays and its arguments are dropped, as GCC does. */
static int
enter_macro(struct expander *ex, struct macro *m, const struct tok *name, bool from_base)
{
	struct cpp *cpp = ex->cpp;
	if (m->kind != M_FUNC && from_base)
		consumed(ex, name, true);
	if (m->kind != M_FUNC && !spend(cpp, 16 + m->nbody))
		return ENTER_FAILED;
	if (m->kind == M_OBJ && !m->has_paste) {
		push_ctx(ex, m, m->body, m->nbody, NULL, name, true);
		return ENTER_OK;
	}
	if (m->kind == M_FILE || m->kind == M_LINE) {
		struct tok *t = rc_xmalloc(sizeof(*t));
		if (m->kind == M_LINE) {
			char buf[32];
			int n = snprintf(buf, sizeof(buf), "%u", loc_at(cpp, name->off, 0).line);
			*t = make_tok(cpp, T_NUMBER, buf, (size_t)n, name);
		} else {
			const char *file = cpp->cur ? cpp->cur->presumed : "<command-line>";
			struct rc_strbuf *sb = &cpp->tmp;
			rc_sb_reset(sb);
			rc_sb_putc(sb, '"');
			for (const char *p = file; *p; p++) {
				if (*p == '"' || *p == '\\')
					rc_sb_putc(sb, '\\');
				rc_sb_putc(sb, *p);
			}
			rc_sb_putc(sb, '"');
			*t = make_tok(cpp, T_STRING, sb->buf, sb->len, name);
		}
		t->flags = name->flags & F_SPACE;
		push_ctx(ex, m, t, 1, t, name, false);
		return ENTER_OK;
	}
	if (m->kind == M_OBJ) {
		size_t n;
		struct tok *res = substitute(cpp, m, name, NULL, NULL, 0, &n);
		if (cpp->overflow)
			return ENTER_FAILED;
		push_ctx(ex, m, res, n, res, name, false);
		return ENTER_OK;
	}

	const struct tok *p = peek_raw(ex, ex->top);
	if (!p || !tok_is(cpp, p, '('))
		return ENTER_NO;
	if (from_base)
		consumed(ex, name, true);
	if (!spend(cpp, 16 + m->nbody))
		return ENTER_FAILED;
	struct tok t;
	bool fb;
	raw_next(ex, &t, false, &fb);
	if (fb)
		consumed(ex, &t, false);

	struct tokvec args = { 0 };
	size_t *starts = rc_xmalloc(8 * sizeof(*starts)), nargs = 1, cap = 8;
	starts[0] = 0;
	unsigned depth = 0;
	for (;;) {
		if (!raw_next(ex, &t, ex->top, &fb)) {
			pp_error(cpp, RC_E_PP_MACRO, name->off, src_len(name),
				 "unterminated argument list invoking macro '%s'", m->name);
			goto fail;
		}
		if (fb)
			consumed(ex, &t, false);
		if (t.kind == T_PUNCT && t.len == 1) {
			char c = tok_text(cpp, &t)[0];
			if (c == '(') {
				depth++;
			} else if (c == ')') {
				if (depth == 0)
					break;
				depth--;
			} else if (c == ',' && depth == 0 &&
				   !(m->variadic && nargs == m->nparams)) {
				if (!spend(cpp, 16))
					goto fail;
				if (nargs == cap) {
					cap *= 2;
					starts = rc_xrealloc(starts, cap * sizeof(*starts));
				}
				starts[nargs++] = args.n;
				continue;
			}
		}
		if (t.kind == T_IDENT && !(t.flags & F_NOEXPAND)) {
			/* Paint it now: its macro may be re-enabled before the argument is used. */
			struct macro *am = tok_macro(cpp, &t);
			if (am && am->disabled)
				t.flags |= F_NOEXPAND;
		}
		if (!push_spend(cpp, &args, &t))
			goto fail;
	}

	/* f() passes one empty argument, which is right for one parameter and none. */
	size_t given = nargs == 1 && args.n == 0 && m->nparams == 0 ? 0 : nargs;
	size_t need = m->variadic ? m->nparams - 1 : m->nparams;
	if (given < need && !(given == 0 && need == 1)) {
		pp_error(cpp, RC_E_PP_MACRO, name->off, src_len(name),
			 "macro '%s' requires %zu arguments, but only %zu given", m->name, need,
			 given);
		goto fail;
	}
	if (!m->variadic && given > m->nparams) {
		pp_error(cpp, RC_E_PP_MACRO, name->off, src_len(name),
			 "macro '%s' passed %zu arguments, but takes just %u", m->name, given,
			 m->nparams);
		goto fail;
	}
	size_t n;
	struct tok *res = substitute(cpp, m, name, &args, starts, nargs, &n);
	free(args.v);
	free(starts);
	if (cpp->overflow)
		return ENTER_FAILED;
	push_ctx(ex, m, res, n, res, name, false);
	return ENTER_OK;
fail:
	free(args.v);
	free(starts);
	return ENTER_FAILED;
}

/* The next token after macro expansion; false at the end. *from_base: the token is part of a
 * top-level line's text that no expansion touched (it is copied verbatim). */
static bool
expand_next(struct expander *ex, struct tok *t, bool *from_base)
{
	for (;;) {
		if (ex->cpp->overflow || !raw_next(ex, t, false, from_base))
			return false;
		if (t->kind != T_IDENT || (t->flags & F_NOEXPAND))
			return true;
		struct macro *m = tok_macro(ex->cpp, t);
		if (!m)
			return true;
		if (m->disabled) {
			t->flags |= F_NOEXPAND;
			return true;
		}
		int r = enter_macro(ex, m, t, *from_base);
		if (r == ENTER_NO)
			return true;
		if (r == ENTER_FAILED) {
			t->flags |= F_NOEXPAND;
			*from_base = false;
			return true;
		}
	}
}

/* A line of text that names a macro: the expansions replace their invocations. */
static void
expand_text(struct cpp *cpp, struct frame *f)
{
	struct tokvec *base = &cpp->base;
	base->n = 0;
	tokenize(cpp, 0, cpp->unit.len, base);
	size_t out0 = cpp->out.len;
	cpp->work = 0;
	cpp->overflow = false;
	struct expander ex = { .cpp = cpp, .f = f, .base = base, .top = true, .prev_kind = T_EOF };
	struct tok t;
	bool fb;
	while (expand_next(&ex, &t, &fb)) {
		if (!fb)
			emit_tok(&ex, &t);
	}
	ex_finish(&ex);
	if (cpp->overflow) {
		sb_truncate(&cpp->out, out0);
		pp_error(cpp, RC_E_PP_MACRO, ex.inv_off, ex.inv_len, "macro expansion too large");
		rc_sb_append(&cpp->out, cpp->unit.buf, cpp->unit.len);
	} else {
		flush_verbatim(&ex, cpp->unit.len);
	}
	rc_sb_putc(&cpp->out, '\n');
	cpp->out_line += (int64_t)count_nl(cpp->out.buf + out0, cpp->out.len - out0);
	scratch_reset(cpp);
}

/* ---- #if expressions ---- */

struct pval {
	uint64_t v;
	bool u; /* unsigned */
};

struct ev {
	struct cpp *cpp;
	const struct tok *t;
	size_t i, n;
	bool err;
	unsigned depth;
};

enum {
	OP_SHL = 256,
	OP_SHR,
	OP_LE,
	OP_GE,
	OP_EQ,
	OP_NE,
	OP_AND,
	OP_OR,
	OP_OTHER,
};

static int
op_of(const struct cpp *cpp, const struct tok *t)
{
	if (t->kind != T_PUNCT)
		return 0;
	const char *s = tok_text(cpp, t);
	if (t->len == 1)
		return (unsigned char)s[0];
	if (t->len == 2) {
		if (s[0] == '<' && s[1] == '<')
			return OP_SHL;
		if (s[0] == '>' && s[1] == '>')
			return OP_SHR;
		if (s[0] == '<' && s[1] == '=')
			return OP_LE;
		if (s[0] == '>' && s[1] == '=')
			return OP_GE;
		if (s[0] == '=' && s[1] == '=')
			return OP_EQ;
		if (s[0] == '!' && s[1] == '=')
			return OP_NE;
		if (s[0] == '&' && s[1] == '&')
			return OP_AND;
		if (s[0] == '|' && s[1] == '|')
			return OP_OR;
	}
	return OP_OTHER;
}

static int
binprec(int op)
{
	switch (op) {
	case '*':
	case '/':
	case '%':
		return 10;
	case '+':
	case '-':
		return 9;
	case OP_SHL:
	case OP_SHR:
		return 8;
	case '<':
	case '>':
	case OP_LE:
	case OP_GE:
		return 7;
	case OP_EQ:
	case OP_NE:
		return 6;
	case '&':
		return 5;
	case '^':
		return 4;
	case '|':
		return 3;
	case OP_AND:
		return 2;
	case OP_OR:
		return 1;
	default:
		return 0;
	}
}

static void
ev_error(struct ev *e, const struct tok *at, const char *before, const char *after)
{
	if (e->err)
		return;
	e->err = true;
	tok_error(e->cpp, RC_E_PP_EXPR, at, before, after);
}

static void
ev_error_plain(struct ev *e, const struct tok *at, const char *msg)
{
	if (e->err)
		return;
	e->err = true;
	pp_error(e->cpp, RC_E_PP_EXPR, at->off, src_len(at), "%s", msg);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static struct pval
parse_number(struct ev *e, const struct tok *t)
{
	struct pval z = { 0, false };
	const char *s = tok_text(e->cpp, t);
	size_t n = t->len, i = 0;
	unsigned base = 10;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		i = 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (size_t k = 0; k < n; k++) {
		char c = s[k];
		if (c == '.' || (base != 16 && (c == 'e' || c == 'E')) ||
		    (base == 16 && (c == 'p' || c == 'P'))) {
			ev_error_plain(e, t, "floating constant in preprocessor expression");
			return z;
		}
	}
	size_t d0 = i;
	uint64_t v = 0;
	bool over = false;
	for (; i < n; i++) {
		int dv = hexval(s[i]);
		if (dv < 0 || (unsigned)dv >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)dv) / base)
			over = true;
		v = v * base + (unsigned)dv;
	}
	if (base == 8 && i < n && (s[i] == '8' || s[i] == '9')) {
		if (!e->err) {
			e->err = true;
			pp_error(e->cpp, RC_E_PP_EXPR, t->off, src_len(t),
				 "invalid digit '%c' in octal constant", s[i]);
		}
		return z;
	}
	bool u = false;
	int l = 0;
	size_t k = i;
	if (base != 10 && base != 8 && k == d0)
		k = n + 1; /* "0x" with no digits */
	while (k < n) {
		if ((s[k] == 'u' || s[k] == 'U') && !u) {
			u = true;
			k++;
		} else if ((s[k] == 'l' || s[k] == 'L') && !l) {
			l = k + 1 < n && s[k + 1] == s[k] ? 2 : 1;
			k += (size_t)l;
		} else if (s[k] == 'i' && !l && (n - k == 3 || n - k == 2) &&
			   (memcmp(s + k, "i64", n - k) == 0 || memcmp(s + k, "i32", n - k) == 0 ||
			    memcmp(s + k, "i16", n - k) == 0 || memcmp(s + k, "i8", n - k) == 0)) {
			k = n; /* MSVC's i64 and friends */
		} else {
			break;
		}
	}
	if (k != n) {
		struct tok suf = *t;
		size_t at = k == n + 1 ? 1 : i;
		suf.len = (uint32_t)(n - at);
		suf.s = s + at;
		suf.flags &= (uint8_t)~F_SRC;
		if (e->err)
			return z;
		e->err = true;
		pp_error(e->cpp, RC_E_PP_EXPR, t->off, src_len(t),
			 "invalid suffix '%.*s' on integer constant",
			 (int)(suf.len > 64 ? 64 : suf.len), suf.s);
		return z;
	}
	if (over) {
		ev_error_plain(e, t, "integer constant is too large for its type");
		return z;
	}
	return (struct pval){ v, u || v > INT64_MAX };
}

static struct pval
parse_char(struct ev *e, const struct tok *t)
{
	struct pval z = { 0, false };
	const char *s = tok_text(e->cpp, t);
	size_t n = t->len, i = 0;
	bool wide = false;
	if (s[0] == 'u' && n > 1 && s[1] == '8') {
		i = 2;
	} else if (s[0] != '\'') {
		wide = true;
		i = 1;
	}
	i++;
	if (n < i + 1 || s[n - 1] != '\'' || n - 1 < i) {
		ev_error_plain(e, t, "missing terminating ' character");
		return z;
	}
	size_t end = n - 1;
	if (i == end) {
		ev_error_plain(e, t, "empty character constant");
		return z;
	}
	uint64_t v = 0;
	uint32_t last = 0;
	unsigned count = 0;
	while (i < end) {
		uint32_t c = (unsigned char)s[i++];
		if (c == '\\' && i < end) {
			char x = s[i++];
			switch (x) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'a':
				c = 7;
				break;
			case 'b':
				c = 8;
				break;
			case 'f':
				c = 12;
				break;
			case 'v':
				c = 11;
				break;
			case 'e':
			case 'E':
				c = 27;
				break;
			case 'x':
			case 'u':
			case 'U': {
				unsigned max = x == 'x' ? UINT_MAX : x == 'u' ? 4 : 8;
				c = 0;
				for (unsigned d = 0; d < max && i < end && hexval(s[i]) >= 0; d++)
					c = c << 4 | (uint32_t)hexval(s[i++]);
				break;
			}
			default:
				if (x >= '0' && x <= '7') {
					c = (uint32_t)(x - '0');
					for (int d = 0;
					     d < 2 && i < end && s[i] >= '0' && s[i] <= '7'; d++)
						c = c * 8 + (uint32_t)(s[i++] - '0');
				} else {
					c = (unsigned char)x;
				}
			}
		}
		last = c;
		v = v << 8 | (c & 0xff);
		count++;
	}
	if (wide)
		return (struct pval){ last, false };
	if (count == 1)
		return (struct pval){ (uint64_t)(int64_t)(signed char)(unsigned char)last, false };
	return (struct pval){ (uint64_t)(int64_t)(int32_t)(uint32_t)v, false };
}

static struct pval ev_comma(struct ev *e, bool live);

static struct pval
ev_unary(struct ev *e, bool live)
{
	struct pval z = { 0, false };
	if (e->err)
		return z;
	if (e->i >= e->n) {
		const struct tok *prev = &e->t[e->n - 1];
		if (tok_is(e->cpp, prev, '('))
			ev_error_plain(e, prev, "missing ')' in expression");
		else if (op_of(e->cpp, prev) && !tok_is(e->cpp, prev, ')'))
			ev_error(e, prev, "operator '", "' has no right operand");
		else
			ev_error_plain(e, prev, "expected value in expression");
		return z;
	}
	const struct tok *t = &e->t[e->i];
	switch (t->kind) {
	case T_NUMBER:
		e->i++;
		return parse_number(e, t);
	case T_CHAR:
		e->i++;
		return parse_char(e, t);
	case T_IDENT:
		e->i++;
		return z; /* an identifier that is not a macro */
	default:
		break;
	}
	int op = op_of(e->cpp, t);
	if (op == '(' || op == '+' || op == '-' || op == '~' || op == '!') {
		if (++e->depth > MAX_NEST) {
			ev_error_plain(e, t, "expression nested too deeply");
			return z;
		}
		e->i++;
		struct pval v;
		if (op == '(') {
			v = ev_comma(e, live);
			if (!e->err) {
				if (e->i < e->n && tok_is(e->cpp, &e->t[e->i], ')'))
					e->i++;
				else
					ev_error_plain(e, t, "missing ')' in expression");
			}
		} else {
			v = ev_unary(e, live);
			if (op == '-')
				v.v = 0 - v.v;
			else if (op == '~')
				v.v = ~v.v;
			else if (op == '!')
				v = (struct pval){ !v.v, false };
		}
		e->depth--;
		return v;
	}
	if (binprec(op) || op == '?' || op == ':' || op == ',')
		ev_error(e, t, "operator '", "' has no left operand");
	else if (op == ')' && e->i > 0 && tok_is(e->cpp, &e->t[e->i - 1], '('))
		ev_error_plain(e, t, "missing expression between '(' and ')'");
	else if (op == ')')
		ev_error_plain(e, t, "expected value in expression");
	else
		ev_error(e, t, "token '", "' is not valid in preprocessor expressions");
	return z;
}

static struct pval
binop(struct ev *e, int op, const struct tok *at, struct pval a, struct pval b, bool live)
{
	bool u = a.u || b.u;
	int64_t sa = (int64_t)a.v, sb = (int64_t)b.v;
	switch (op) {
	case '*':
		return (struct pval){ a.v * b.v, u };
	case '+':
		return (struct pval){ a.v + b.v, u };
	case '-':
		return (struct pval){ a.v - b.v, u };
	case '/':
	case '%':
		if (b.v == 0) {
			if (live)
				ev_error_plain(e, at, "division by zero in #if");
			return (struct pval){ 0, u };
		}
		if (u)
			return (struct pval){ op == '/' ? a.v / b.v : a.v % b.v, true };
		if (sa == INT64_MIN && sb == -1)
			return (struct pval){ op == '/' ? a.v : 0, false };
		return (struct pval){ (uint64_t)(op == '/' ? sa / sb : sa % sb), false };
	case OP_SHL:
	case OP_SHR: {
		/* The type is the left operand's; a negative count shifts the other way. */
		bool left = op == OP_SHL;
		uint64_t cnt = b.v;
		if (!b.u && sb < 0) {
			left = !left;
			cnt = 0 - b.v;
		}
		if (left)
			return (struct pval){ cnt >= 64 ? 0 : a.v << cnt, a.u };
		if (a.u || sa >= 0)
			return (struct pval){ cnt >= 64 ? 0 : a.v >> cnt, a.u };
		return (struct pval){ cnt >= 64 ? UINT64_MAX : ~(~a.v >> cnt), false };
	}
	case '<':
		return (struct pval){ u ? a.v < b.v : sa < sb, false };
	case '>':
		return (struct pval){ u ? a.v > b.v : sa > sb, false };
	case OP_LE:
		return (struct pval){ u ? a.v <= b.v : sa <= sb, false };
	case OP_GE:
		return (struct pval){ u ? a.v >= b.v : sa >= sb, false };
	case OP_EQ:
		return (struct pval){ a.v == b.v, false };
	case OP_NE:
		return (struct pval){ a.v != b.v, false };
	case '&':
		return (struct pval){ a.v & b.v, u };
	case '^':
		return (struct pval){ a.v ^ b.v, u };
	case '|':
		return (struct pval){ a.v | b.v, u };
	default:
		return (struct pval){ 0, false };
	}
}

static struct pval
ev_binary(struct ev *e, int minprec, bool live)
{
	struct pval l = ev_unary(e, live);
	while (!e->err && e->i < e->n) {
		const struct tok *t = &e->t[e->i];
		int op = op_of(e->cpp, t);
		int prec = binprec(op);
		if (!prec || prec < minprec)
			break;
		e->i++;
		if (op == OP_AND) {
			struct pval r = ev_binary(e, prec + 1, live && l.v);
			l = (struct pval){ l.v && r.v, false };
		} else if (op == OP_OR) {
			struct pval r = ev_binary(e, prec + 1, live && !l.v);
			l = (struct pval){ l.v || r.v, false };
		} else {
			struct pval r = ev_binary(e, prec + 1, live);
			l = binop(e, op, t, l, r, live);
		}
	}
	return l;
}

static struct pval
ev_cond(struct ev *e, bool live)
{
	struct pval c = ev_binary(e, 1, live);
	if (e->err || e->i >= e->n || !tok_is(e->cpp, &e->t[e->i], '?'))
		return c;
	const struct tok *q = &e->t[e->i++];
	if (++e->depth > MAX_NEST) {
		ev_error_plain(e, q, "expression nested too deeply");
		return c;
	}
	struct pval a = ev_comma(e, live && c.v);
	if (!e->err && (e->i >= e->n || !tok_is(e->cpp, &e->t[e->i], ':')))
		ev_error_plain(e, q, "'?' without following ':'");
	if (e->err)
		return c;
	e->i++;
	struct pval b = ev_cond(e, live && !c.v);
	e->depth--;
	struct pval r = c.v ? a : b;
	r.u = a.u || b.u;
	return r;
}

static struct pval
ev_comma(struct ev *e, bool live)
{
	struct pval v = ev_cond(e, live);
	while (!e->err && e->i < e->n && tok_is(e->cpp, &e->t[e->i], ',')) {
		e->i++;
		v = ev_cond(e, live);
	}
	return v;
}

/* Evaluates an expanded #if expression; false after an error. */
static bool
evaluate(struct cpp *cpp, const struct tok *t, size_t n, const struct tok *dir)
{
	if (n == 0) {
		pp_error(cpp, RC_E_PP_EXPR, dir->off, dir->len, "#%.*s with no expression",
			 (int)dir->len, tok_text(cpp, dir));
		return false;
	}
	struct ev e = { .cpp = cpp, .t = t, .n = n };
	struct pval v = ev_comma(&e, true);
	if (!e.err && e.i < n) {
		const struct tok *x = &t[e.i];
		int op = op_of(cpp, x);
		if (op == ')')
			ev_error_plain(&e, x, "missing '(' in expression");
		else if (op == ':')
			ev_error_plain(&e, x, "':' without preceding '?'");
		else if (x->kind == T_NUMBER || x->kind == T_CHAR || x->kind == T_IDENT ||
			 op == '(')
			ev_error(&e, x, "missing binary operator before token '", "'");
		else
			ev_error(&e, x, "token '", "' is not valid in preprocessor expressions");
	}
	return !e.err && v.v != 0;
}

/* Expands and evaluates the operands of #if or #elif (dir is the directive's name). */
static bool
eval_if(struct cpp *cpp, const struct tok *toks, size_t n, const struct tok *dir)
{
	cpp->work = 0;
	cpp->overflow = false;
	struct tokvec view = { (struct tok *)toks, n, n }, e = { 0 };
	struct expander ex = { .cpp = cpp, .base = &view };
	struct tok t;
	bool fb, ok = true;
	static const char one[] = "1", zero[] = "0";
	while (ok && expand_next(&ex, &t, &fb)) {
		if (t.kind == T_IDENT && tok_eq(cpp, &t, "defined")) {
			/* defined X, defined(X): the operand is not expanded. */
			struct tok x = { .kind = T_EOF }, y;
			bool paren = false, got = raw_next(&ex, &x, false, &fb);
			if (got && tok_is(cpp, &x, '(')) {
				paren = true;
				got = raw_next(&ex, &x, false, &fb);
			}
			if (!got || x.kind != T_IDENT) {
				pp_error(cpp, RC_E_PP_EXPR, t.off, src_len(&t),
					 "operator 'defined' requires an identifier");
				ok = false;
				break;
			}
			bool def = tok_macro(cpp, &x) != NULL;
			if (paren && !(raw_next(&ex, &y, false, &fb) && tok_is(cpp, &y, ')'))) {
				pp_error(cpp, RC_E_PP_EXPR, x.off, src_len(&x),
					 "missing ')' after 'defined'");
				ok = false;
				break;
			}
			t.kind = T_NUMBER;
			t.s = def ? one : zero;
			t.len = 1;
			t.flags &= (uint8_t)~F_SRC;
		}
		if (!push_spend(cpp, &e, &t))
			break;
	}
	ex_finish(&ex);
	bool r = false;
	if (cpp->overflow) {
		pp_error(cpp, RC_E_PP_MACRO, dir->off, dir->len, "macro expansion too large");
	} else if (ok) {
		r = evaluate(cpp, e.v, e.n, dir);
	}
	free(e.v);
	scratch_reset(cpp);
	return r;
}

/* ---- directives ---- */

enum {
	D_NONE,
	D_DEFINE,
	D_UNDEF,
	D_INCLUDE,
	D_IF,
	D_IFDEF,
	D_IFNDEF,
	D_ELIF,
	D_ELSE,
	D_ENDIF,
	D_LINE,
	D_ERROR,
	D_WARNING,
	D_PRAGMA,
};

static int
directive_id(const struct cpp *cpp, const struct tok *t)
{
	static const struct {
		const char *name;
		int id;
	} names[] = {
		{ "define", D_DEFINE }, { "undef", D_UNDEF }, { "include", D_INCLUDE },
		{ "if", D_IF },         { "ifdef", D_IFDEF }, { "ifndef", D_IFNDEF },
		{ "elif", D_ELIF },     { "else", D_ELSE },   { "endif", D_ENDIF },
		{ "line", D_LINE },     { "error", D_ERROR }, { "warning", D_WARNING },
		{ "pragma", D_PRAGMA },
	};
	if (t->kind != T_IDENT)
		return D_NONE;
	for (size_t i = 0; i < RC_ARRAY_SIZE(names); i++)
		if (tok_eq(cpp, t, names[i].name))
			return names[i].id;
	return D_NONE;
}

static void
update_skipping(struct cpp *cpp)
{
	cpp->skipping = cpp->nconds && cpp->conds[cpp->nconds - 1].state != C_ACTIVE;
}

static void
push_cond(struct cpp *cpp, uint8_t state, const struct tok *dir)
{
	if (cpp->nconds == cpp->capconds) {
		cpp->capconds = cpp->capconds ? cpp->capconds * 2 : 16;
		cpp->conds = rc_xrealloc(cpp->conds, cpp->capconds * sizeof(*cpp->conds));
	}
	const char *dname = tok_eq(cpp, dir, "if")      ? "if"
			    : tok_eq(cpp, dir, "ifdef") ? "ifdef"
							: "ifndef";
	cpp->conds[cpp->nconds++] =
		(struct cond){ state, false, dname, loc_at(cpp, dir->off, dir->len) };
	update_skipping(cpp);
}

/* Checks the name operand of #define, #undef, #ifdef and #ifndef. */
static bool
check_name(struct cpp *cpp, const struct tok *a, size_t n, const struct tok *dir)
{
	if (n == 0) {
		pp_error(cpp, RC_E_PP_DIRECTIVE, dir->off, dir->len,
			 "no macro name given in #%.*s directive", (int)dir->len,
			 tok_text(cpp, dir));
		return false;
	}
	if (a[0].kind != T_IDENT) {
		pp_error(cpp, RC_E_PP_MACRO, a[0].off, a[0].len, "macro names must be identifiers");
		return false;
	}
	if (tok_eq(cpp, &a[0], "defined")) {
		pp_error(cpp, RC_E_PP_MACRO, a[0].off, a[0].len,
			 "'defined' cannot be used as a macro name");
		return false;
	}
	return true;
}

static void
do_if(struct cpp *cpp, struct frame *f, int id, const struct tok *dir, const struct tok *a,
      size_t n)
{
	struct macro *guard = NULL;
	bool outer = f->mi == MI_START && cpp->nconds == f->cond_base;
	if (f->mi != MI_IN)
		f->mi = MI_NONE;
	if (cpp->skipping) {
		push_cond(cpp, C_DEAD, dir);
		return;
	}
	bool v;
	if (id == D_IF) {
		/* "#if !defined X" and "#if !defined(X)" are include guards too. */
		if (outer && (n == 3 || n == 5) && tok_is(cpp, &a[0], '!') &&
		    tok_eq(cpp, &a[1], "defined")) {
			if (n == 3 && a[2].kind == T_IDENT)
				guard = macro_get(cpp, tok_text(cpp, &a[2]), a[2].len);
			else if (n == 5 && tok_is(cpp, &a[2], '(') && a[3].kind == T_IDENT &&
				 tok_is(cpp, &a[4], ')'))
				guard = macro_get(cpp, tok_text(cpp, &a[3]), a[3].len);
		}
		v = eval_if(cpp, a, n, dir);
	} else if (!check_name(cpp, a, n, dir)) {
		v = false;
	} else {
		v = tok_macro(cpp, &a[0]) != NULL;
		if (id == D_IFNDEF) {
			v = !v;
			if (outer)
				guard = macro_get(cpp, tok_text(cpp, &a[0]), a[0].len);
		}
	}
	push_cond(cpp, v ? C_ACTIVE : C_WAIT, dir);
	if (guard) {
		f->mi = MI_IN;
		f->mi_guard = guard;
		f->mi_cond = cpp->nconds - 1;
	}
}

static void
do_else(struct cpp *cpp, struct frame *f, int id, const struct tok *dir, const struct tok *a,
	size_t n)
{
	if (cpp->nconds == f->cond_base) {
		pp_error(cpp, RC_E_PP_CONDITIONAL, dir->off, dir->len, "#%.*s without #if",
			 (int)dir->len, tok_text(cpp, dir));
		return;
	}
	size_t top = cpp->nconds - 1;
	struct cond *c = &cpp->conds[top];
	if (f->mi == MI_IN && f->mi_cond == top)
		f->mi = id == D_ENDIF ? MI_AFTER : MI_NONE;
	else if (f->mi != MI_IN)
		f->mi = MI_NONE;
	if (id == D_ENDIF) {
		cpp->nconds--;
		update_skipping(cpp);
		return;
	}
	if (c->seen_else) {
		pp_error(cpp, RC_E_PP_CONDITIONAL, dir->off, dir->len, "#%.*s after #else",
			 (int)dir->len, tok_text(cpp, dir));
		return;
	}
	if (id == D_ELSE) {
		c->seen_else = true;
		if (c->state == C_ACTIVE)
			c->state = C_DONE;
		else if (c->state == C_WAIT)
			c->state = C_ACTIVE;
	} else if (c->state == C_ACTIVE) {
		c->state = C_DONE;
	} else if (c->state == C_WAIT) {
		/* Evaluated only when no earlier group was taken. */
		bool v = eval_if(cpp, a, n, dir);
		c = &cpp->conds[top];
		if (v)
			c->state = C_ACTIVE;
	}
	update_skipping(cpp);
}

/* A small open-addressing index over parameter names, so that a body with many tokens and a
 * macro with many parameters do not make #define quadratic. */
struct pindex {
	uint32_t *slots; /* index + 1, 0 empty */
	size_t mask;
};

/* Returns the index of the first parameter that repeats an earlier one, or UINT32_MAX. */
static uint32_t
pindex_build(struct pindex *px, const struct tok *params, size_t np)
{
	size_t cap = 16;
	while (cap < np * 2)
		cap *= 2;
	px->slots = rc_xcalloc(cap, sizeof(*px->slots));
	px->mask = cap - 1;
	for (size_t i = 0; i < np; i++) {
		const struct tok *p = &params[i];
		size_t j = hash_name(p->s, p->len) & px->mask;
		for (; px->slots[j]; j = (j + 1) & px->mask) {
			const struct tok *q = &params[px->slots[j] - 1];
			if (q->len == p->len && memcmp(q->s, p->s, p->len) == 0)
				return (uint32_t)i;
		}
		px->slots[j] = (uint32_t)i + 1;
	}
	return UINT32_MAX;
}

static uint32_t
pindex_find(const struct pindex *px, const struct tok *params, const char *s, size_t n)
{
	for (size_t j = hash_name(s, n) & px->mask; px->slots[j]; j = (j + 1) & px->mask) {
		const struct tok *p = &params[px->slots[j] - 1];
		if (p->len == n && memcmp(p->s, s, n) == 0)
			return px->slots[j] - 1;
	}
	return UINT32_MAX;
}

static bool
same_definition(const struct macro *m, uint8_t kind, bool variadic, const struct tok *params,
		size_t np, const struct tok *body, size_t nb)
{
	if (m->kind != kind || m->variadic != variadic || m->nparams != np || m->nbody != nb)
		return false;
	for (size_t i = 0; i < np; i++)
		if (m->params[i].len != params[i].len ||
		    memcmp(m->params[i].s, params[i].s, params[i].len) != 0)
			return false;
	for (size_t i = 0; i < nb; i++) {
		const struct tok *x = &m->body[i], *y = &body[i];
		uint8_t mask = F_SPACE | F_STRINGIFY | F_PASTE;
		if (x->kind != y->kind || (x->flags & mask) != (y->flags & mask) ||
		    x->param != y->param || x->len != y->len || memcmp(x->s, y->s, x->len) != 0)
			return false;
	}
	return true;
}

static void
do_define(struct cpp *cpp, const struct tok *dir, const struct tok *a, size_t n)
{
	if (!check_name(cpp, a, n, dir))
		return;
	const struct tok *name = &a[0];
	size_t i = 1;
	bool func = false, variadic = false;
	struct tokvec params = { 0 }, body = { 0 };
	struct pindex px = { 0 };
	if (i < n && tok_is(cpp, &a[i], '(') && !(a[i].flags & F_SPACE)) {
		func = true;
		i++;
		for (;;) {
			if (i >= n) {
				pp_error(cpp, RC_E_PP_MACRO, a[n - 1].off, a[n - 1].len,
					 "missing ')' in macro parameter list");
				goto out;
			}
			const struct tok *p = &a[i];
			if (params.n == 0 && tok_is(cpp, p, ')')) {
				i++;
				break;
			}
			struct tok pt = *p;
			if (p->kind == T_IDENT) {
				if (tok_eq(cpp, p, "__VA_ARGS__")) {
					tok_error(cpp, RC_E_PP_MACRO, p, "'",
						  "' can not be used as a parameter name");
					goto out;
				}
				pt.s = tok_text(cpp, p);
				i++;
				if (i < n && tok_eq(cpp, &a[i], "...")) {
					variadic = true;
					i++;
				}
			} else if (tok_eq(cpp, p, "...")) {
				pt.s = "__VA_ARGS__";
				pt.len = 11;
				variadic = true;
				i++;
			} else {
				tok_error(cpp, RC_E_PP_MACRO, p, "expected parameter name, found '",
					  "'");
				goto out;
			}
			if (params.n >= MAX_PARAMS) {
				tok_error(cpp, RC_E_PP_MACRO, p, "too many macro parameters at '",
					  "'");
				goto out;
			}
			tv_push(&params, &pt);
			if (i >= n) {
				pp_error(cpp, RC_E_PP_MACRO, a[n - 1].off, a[n - 1].len,
					 "missing ')' in macro parameter list");
				goto out;
			}
			if (tok_is(cpp, &a[i], ')')) {
				i++;
				break;
			}
			if (variadic) {
				tok_error(cpp, RC_E_PP_MACRO, &a[i],
					  "expected ')' after '...', found '", "'");
				goto out;
			}
			if (!tok_is(cpp, &a[i], ',')) {
				tok_error(cpp, RC_E_PP_MACRO, &a[i], "expected ',' or ')', found '",
					  "'");
				goto out;
			}
			i++;
		}
		uint32_t dup = pindex_build(&px, params.v, params.n);
		if (dup != UINT32_MAX) {
			tok_error(cpp, RC_E_PP_MACRO, &params.v[dup], "duplicate macro parameter '",
				  "'");
			goto out;
		}
	}

	bool has_paste = false;
	for (size_t j = i; j < n; j++) {
		struct tok b = a[j];
		if (func && tok_is(cpp, &b, '#')) {
			uint32_t k = j + 1 < n && a[j + 1].kind == T_IDENT
					     ? pindex_find(&px, params.v, tok_text(cpp, &a[j + 1]),
							   a[j + 1].len)
					     : UINT32_MAX;
			if (k == UINT32_MAX) {
				pp_error(cpp, RC_E_PP_MACRO, b.off, b.len,
					 "'#' is not followed by a macro parameter");
				goto out;
			}
			b = a[j + 1];
			b.kind = T_PARAM;
			b.param = (uint16_t)k;
			b.flags = (a[j].flags & F_SPACE) | F_STRINGIFY | F_SRC;
			tv_push(&body, &b);
			j++;
			continue;
		}
		if (b.kind == T_PUNCT && tok_eq(cpp, &b, "##")) {
			if (body.n == 0 || j + 1 == n) {
				pp_error(cpp, RC_E_PP_MACRO, b.off, b.len,
					 "'##' cannot appear at either end of a macro expansion");
				goto out;
			}
			body.v[body.n - 1].flags |= F_PASTE;
			has_paste = true;
			continue;
		}
		if (func && b.kind == T_IDENT) {
			uint32_t k = pindex_find(&px, params.v, tok_text(cpp, &b), b.len);
			if (k != UINT32_MAX) {
				b.kind = T_PARAM;
				b.param = (uint16_t)k;
			}
		}
		tv_push(&body, &b);
	}
	if (body.n)
		body.v[0].flags &= (uint8_t)~F_SPACE;

	/* Copy the texts out of the line buffer. */
	size_t total = 0;
	for (size_t j = 0; j < params.n; j++)
		total += params.v[j].len;
	for (size_t j = 0; j < body.n; j++)
		total += body.v[j].len;
	char *text = rc_arena_alloc(&cpp->arena, total + 1);
	for (size_t j = 0; j < params.n; j++) {
		memcpy(text, params.v[j].s, params.v[j].len);
		params.v[j].s = text;
		params.v[j].flags = 0;
		text += params.v[j].len;
	}
	for (size_t j = 0; j < body.n; j++) {
		struct tok *b = &body.v[j];
		memcpy(text, tok_text(cpp, b), b->len);
		b->s = text;
		b->flags &= (uint8_t)~F_SRC;
		b->off = 0;
		text += b->len;
		/* Table entries are never freed, so rescanning the body needs no lookups. */
		if (b->kind == T_IDENT)
			b->m = macro_get(cpp, b->s, b->len);
	}

	struct macro *m = macro_get(cpp, tok_text(cpp, name), name->len);
	uint8_t kind = func ? M_FUNC : M_OBJ;
	if (m->defined && !same_definition(m, kind, variadic, params.v, params.n, body.v, body.n)) {
		pp_warning(cpp, RC_W_PP_REDEFINED, name->off, src_len(name), "'%s' redefined",
			   m->name);
		if (m->loc.file)
			rc_note(cpp->d, m->loc, "previous definition is here");
	}
	m->kind = kind;
	m->variadic = variadic;
	m->has_paste = has_paste;
	m->nparams = (uint32_t)params.n;
	m->nbody = (uint32_t)body.n;
	m->params = rc_arena_alloc(&cpp->arena, params.n * sizeof(struct tok));
	if (params.n)
		memcpy(m->params, params.v, params.n * sizeof(struct tok));
	m->body = rc_arena_alloc(&cpp->arena, body.n * sizeof(struct tok));
	if (body.n)
		memcpy(m->body, body.v, body.n * sizeof(struct tok));
	m->loc = loc_at(cpp, name->off, name->len);
	macro_defined(cpp, m);
out:
	free(params.v);
	free(body.v);
	free(px.slots);
}

static void
do_undef(struct cpp *cpp, const struct tok *dir, const struct tok *a, size_t n)
{
	if (!check_name(cpp, a, n, dir))
		return;
	struct macro *m = macro_lookup(cpp, tok_text(cpp, &a[0]), a[0].len);
	if (m)
		m->defined = false;
}

static bool
is_regular_file(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

static char *
join_path(const char *dir, size_t dlen, const char *name)
{
	size_t nlen = strlen(name);
	bool slash = dlen && dir[dlen - 1] != '/';
	char *p = rc_xmalloc(dlen + slash + nlen + 1);
	memcpy(p, dir, dlen);
	if (slash)
		p[dlen] = '/';
	memcpy(p + dlen + slash, name, nlen + 1);
	return p;
}

/* Include search. Only regular files match: a directory, FIFO or device of the same name is
 * passed over (reading /dev/zero would never end). */
static char *
find_file(const struct rc_cpp_opts *o, const char *from, const char *name, struct stat *st)
{
	if (name[0] == '/')
		return is_regular_file(name, st) ? rc_xstrdup(name) : NULL;
	if (from) {
		const char *slash = strrchr(from, '/');
		char *p = join_path(from, slash ? (size_t)(slash - from + 1) : 0, name);
		if (is_regular_file(p, st))
			return p;
		free(p);
	}
	for (size_t i = 0; o && i < o->n_include_dirs; i++) {
		const char *dir = o->include_dirs[i];
		if (!dir)
			continue;
		char *p = join_path(dir, strlen(dir), name);
		if (is_regular_file(p, st))
			return p;
		free(p);
	}
	return NULL;
}

char *
rc_cpp_find_file(const struct rc_cpp_opts *o, const char *from, const char *name)
{
	struct stat st;
	return find_file(o, from, name, &st);
}

static void run_file(struct cpp *cpp, struct frame *f, const char *flags);

static void
do_include(struct cpp *cpp, struct frame *f, const struct tok *dir, const struct tok *a, size_t n)
{
	if (n == 0) {
		pp_error(cpp, RC_E_PP_DIRECTIVE, dir->off, dir->len,
			 "#include expects \"FILENAME\" or <FILENAME>");
		return;
	}
	char *name = NULL;
	bool angle = false;
	const char *s = tok_text(cpp, &a[0]);
	size_t off = a[0].off, len = a[0].len;
	if (a[0].kind == T_STRING && s[0] == '"') {
		if (a[0].len >= 2 && s[a[0].len - 1] == '"')
			name = rc_xstrndup(s + 1, a[0].len - 2);
	} else if (tok_is(cpp, &a[0], '<')) {
		const char *u = cpp->unit.buf;
		size_t e = off + 1;
		while (e < cpp->unit.len && u[e] != '>' && u[e] != '\n')
			e++;
		if (e < cpp->unit.len && u[e] == '>') {
			name = rc_xstrndup(u + off + 1, e - off - 1);
			angle = true;
			len = e + 1 - off;
		}
	} else {
		/* #include MACRO: the expansion must be "name" or <name>. */
		struct tokvec x = { 0 };
		cpp->work = 0;
		cpp->overflow = false;
		expand_list(cpp, a, n, &x);
		len = a[n - 1].off + a[n - 1].len - off;
		if (x.n && x.v[0].kind == T_STRING && tok_text(cpp, &x.v[0])[0] == '"' &&
		    x.v[0].len >= 2 && tok_text(cpp, &x.v[0])[x.v[0].len - 1] == '"') {
			name = rc_xstrndup(tok_text(cpp, &x.v[0]) + 1, x.v[0].len - 2);
		} else if (x.n && tok_is(cpp, &x.v[0], '<')) {
			struct rc_strbuf *sb = &cpp->tmp;
			rc_sb_reset(sb);
			for (size_t k = 1; k < x.n; k++) {
				if (tok_is(cpp, &x.v[k], '>')) {
					name = rc_xstrndup(rc_sb_str(sb), sb->len);
					angle = true;
					break;
				}
				if (k > 1 && (x.v[k].flags & F_SPACE))
					rc_sb_putc(sb, ' ');
				rc_sb_append(sb, tok_text(cpp, &x.v[k]), x.v[k].len);
			}
		}
		free(x.v);
		scratch_reset(cpp);
	}
	if (!name) {
		pp_error(cpp, RC_E_PP_DIRECTIVE, off, len,
			 "#include expects \"FILENAME\" or <FILENAME>");
		return;
	}
	if (!name[0]) {
		pp_error(cpp, RC_E_PP_DIRECTIVE, off, len, "empty filename in #include");
		free(name);
		return;
	}
	if (f->depth >= MAX_INCLUDE_DEPTH || cpp->nfiles >= MAX_INCLUDES) {
		/* Fatal: after a cycle, every level would go on including (exponentially). */
		if (f->depth >= MAX_INCLUDE_DEPTH)
			pp_error(cpp, RC_E_PP_RECURSION, off, len,
				 "#include nested more than %d levels deep (an include cycle?)",
				 MAX_INCLUDE_DEPTH);
		else
			pp_error(cpp, RC_E_PP_RECURSION, off, len, "more than %d files included",
				 MAX_INCLUDES);
		cpp->fatal = true;
		free(name);
		return;
	}
	struct stat st;
	char *path = find_file(cpp->o, angle ? NULL : f->path, name, &st);
	if (!path) {
		pp_error(cpp, RC_E_PP_INCLUDE, off, len, "file '%s' not found", name);
		free(name);
		return;
	}
	free(name);
	struct file_rec *rec = file_rec_get(cpp, &st);
	if (rec->once || (rec->guard && rec->guard->defined)) {
		free(path);
		return;
	}
	char *text = NULL;
	size_t tlen = 0;
	int err = (size_t)st.st_size > MAX_FILE_SIZE ? EFBIG : rc_read_file(path, &text, &tlen);
	if (!err && tlen > MAX_FILE_SIZE) {
		free(text);
		err = EFBIG;
	}
	if (err) {
		pp_error(cpp, RC_E_FILE, off, len, "cannot read '%s': %s", path, strerror(err));
		free(path);
		return;
	}
	if (memchr(text, 0, tlen)) {
		/* The scanner uses NUL as its end-of-buffer mark. */
		pp_error(cpp, RC_E_LEX_CHAR, off, len, "'%s' contains a NUL byte; IDL files are text", path);
		free(text);
		free(path);
		return;
	}
	cpp->nfiles++;
	const char *ipath = rc_intern(&cpp->names, path);
	free(path);
	rc_diag_set_source(cpp->d, ipath, text, tlen);
	if (!rec->in_deps && cpp->deps)
		rc_vec_push(cpp->deps, rc_xstrdup(ipath));
	rec->in_deps = true;

	struct frame child = {
		.path = ipath,
		.presumed = ipath,
		.text = text,
		.len = tlen,
		.line = 1,
		.depth = f->depth + 1,
		.cond_base = cpp->nconds,
		.rec = rec,
	};
	run_file(cpp, &child, " 1");
	free(text);
	/* The line buffer now holds the child's last line: nothing here may look at it. */
	emit_marker(cpp, (int64_t)f->line + f->delta, f->presumed, " 2");
}

/* #line N ["file"], and the GNU form "# N "file" flags". */
static void
do_line(struct cpp *cpp, struct frame *f, const struct tok *dir, const struct tok *a, size_t n)
{
	struct tokvec x = { 0 };
	const struct tok *t = a;
	if (!(n && a[0].kind == T_NUMBER)) {
		cpp->work = 0;
		cpp->overflow = false;
		expand_list(cpp, a, n, &x);
		t = x.v;
		n = x.n;
	}
	uint64_t v = 0;
	bool ok = n > 0 && t[0].kind == T_NUMBER;
	for (size_t i = 0; ok && i < t[0].len; i++) {
		char c = tok_text(cpp, &t[0])[i];
		if (c < '0' || c > '9')
			ok = false;
		else if ((v = v * 10 + (uint64_t)(c - '0')) > INT32_MAX)
			ok = false;
	}
	if (!ok) {
		if (n)
			tok_error(cpp, RC_E_PP_DIRECTIVE, &t[0], "'",
				  "' after #line is not a positive integer below 2^31");
		else
			pp_error(cpp, RC_E_PP_DIRECTIVE, dir->off, dir->len,
				 "#line expects a line number");
		goto out;
	}
	const char *file = f->presumed;
	if (n > 1) {
		const char *s = tok_text(cpp, &t[1]);
		if (t[1].kind != T_STRING || s[0] != '"' || t[1].len < 2 ||
		    s[t[1].len - 1] != '"') {
			tok_error(cpp, RC_E_PP_DIRECTIVE, &t[1], "invalid filename '", "'");
			goto out;
		}
		struct rc_strbuf *sb = &cpp->tmp;
		rc_sb_reset(sb);
		for (size_t i = 1; i + 1 < t[1].len; i++) {
			if (s[i] == '\\' && i + 2 < t[1].len)
				i++;
			rc_sb_putc(sb, s[i]);
		}
		file = rc_intern_n(&cpp->names, rc_sb_str(sb), sb->len);
	}
	f->delta = (int64_t)v - (int64_t)f->line;
	f->presumed = file;
	cpp->out_name = NULL; /* force a marker */
out:
	free(x.v);
	scratch_reset(cpp);
}

static void
do_diagnostic(struct cpp *cpp, int id, const struct tok *dir)
{
	const char *u = cpp->unit.buf;
	size_t b = dir->off + dir->len, e = cpp->unit.len;
	while (b < e && (cls[(unsigned char)u[b]] & C_SPACE))
		b++;
	while (e > b && (cls[(unsigned char)u[e - 1]] & C_SPACE))
		e--;
	struct rc_strbuf *sb = &cpp->tmp;
	rc_sb_reset(sb);
	rc_sb_append(sb, "#", 1);
	rc_sb_append(sb, dir->flags & F_SRC ? u + dir->off : dir->s, dir->len);
	if (e > b)
		rc_sb_putc(sb, ' ');
	for (size_t i = b; i < e; i++)
		rc_sb_putc(sb, u[i] == '\n' || u[i] == '\0' ? ' ' : u[i]);
	if (id == D_ERROR)
		pp_error(cpp, RC_E_PP_ERROR, dir->off, dir->len, "%s", sb->buf);
	else
		pp_warning(cpp, RC_W_PP_WARNING, dir->off, dir->len, "%s", sb->buf);
}

static void
do_pragma(struct cpp *cpp, struct frame *f, const struct tok *a, size_t n)
{
	if (n == 1 && tok_eq(cpp, &a[0], "once")) {
		if (f->rec)
			f->rec->once = true;
		return;
	}
	/* Passed to the parser as written, on one line. */
	sync_line(cpp, f, cpp->unit_line);
	size_t o = cpp->out.len;
	rc_sb_append(&cpp->out, cpp->unit.buf, cpp->unit.len);
	for (size_t i = o; i < cpp->out.len; i++)
		if (cpp->out.buf[i] == '\n')
			cpp->out.buf[i] = ' ';
	rc_sb_putc(&cpp->out, '\n');
	cpp->out_line++;
}

static void
process_directive(struct cpp *cpp, struct frame *f, size_t hash)
{
	struct tokvec *dt = &cpp->dtoks;
	dt->n = 0;
	tokenize(cpp, hash + 1, cpp->unit.len, dt);
	if (dt->n == 0)
		return; /* the null directive */
	const struct tok *dir = &dt->v[0], *a = dt->v + 1;
	size_t n = dt->n - 1;
	int id = directive_id(cpp, dir);
	switch (id) {
	case D_IF:
	case D_IFDEF:
	case D_IFNDEF:
		do_if(cpp, f, id, dir, a, n);
		return;
	case D_ELIF:
	case D_ELSE:
	case D_ENDIF:
		do_else(cpp, f, id, dir, a, n);
		return;
	default:
		break;
	}
	if (cpp->skipping)
		return;
	if (f->mi != MI_IN)
		f->mi = MI_NONE;
	switch (id) {
	case D_DEFINE:
		do_define(cpp, dir, a, n);
		return;
	case D_UNDEF:
		do_undef(cpp, dir, a, n);
		return;
	case D_INCLUDE:
		do_include(cpp, f, dir, a, n);
		return;
	case D_LINE:
		do_line(cpp, f, dir, a, n);
		return;
	case D_ERROR:
	case D_WARNING:
		do_diagnostic(cpp, id, dir);
		return;
	case D_PRAGMA:
		do_pragma(cpp, f, a, n);
		return;
	default:
		break;
	}
	if (dir->kind == T_NUMBER)
		do_line(cpp, f, dir, dt->v, dt->n);
	else if (dir->kind == T_IDENT)
		tok_error(cpp, RC_E_PP_DIRECTIVE, dir, "invalid preprocessing directive #", "");
	else
		tok_error(cpp, RC_E_PP_DIRECTIVE, dir, "invalid preprocessing directive '", "'");
}

/* ---- files ---- */

static void
run_file(struct cpp *cpp, struct frame *f, const char *flags)
{
	struct frame *saved = cpp->cur;
	cpp->cur = f;
	emit_marker(cpp, 1, f->presumed, flags);
	while (!cpp->d->stopped && !cpp->fatal) {
		if (cpp->out.len > MAX_OUTPUT) {
			pp_error_loc(cpp, RC_E_PP_RECURSION, loc_at(cpp, 0, 0),
				     "preprocessor output larger than %zu MiB", MAX_OUTPUT >> 20);
			cpp->fatal = true;
			break;
		}
		sb_truncate(&cpp->unit, 0);
		cpp->nsegs = 0;
		cpp->unit_line = f->line;
		if (!read_line(cpp, f))
			break;
		const char *s = cpp->unit.buf;
		size_t n = cpp->unit.len, i = 0;
		while (i < n && (cls[(unsigned char)s[i]] & C_SPACE))
			i++;
		if (i < n && s[i] == '#') {
			process_directive(cpp, f, i);
			continue;
		}
		if (cpp->skipping || i == n)
			continue;
		if (f->mi != MI_IN)
			f->mi = MI_NONE;
		sync_line(cpp, f, cpp->unit_line);
		if (!needs_expansion(cpp, s, n)) {
			rc_sb_append(&cpp->out, s, n);
			rc_sb_putc(&cpp->out, '\n');
			cpp->out_line +=
				1 + (int64_t)(f->line - cpp->unit_line > 1 ? count_nl(s, n) : 0);
		} else {
			expand_text(cpp, f);
		}
	}
	cpp->nsegs = 0;
	while (cpp->nconds > f->cond_base) {
		struct cond *c = &cpp->conds[--cpp->nconds];
		if (!cpp->d->stopped && !cpp->fatal)
			pp_error_loc(cpp, RC_E_PP_CONDITIONAL, c->loc, "unterminated #%s",
				     c->dname);
	}
	update_skipping(cpp);
	if (f->mi == MI_AFTER && f->rec)
		f->rec->guard = f->mi_guard;
	cpp->cur = saved;
}

/* Defines "NAME", "NAME=VALUE" or "NAME(ARGS)=BODY" from the command line. */
static void
define_option(struct cpp *cpp, const char *def, bool undef)
{
	cpp->cmdline = def;
	sb_truncate(&cpp->unit, 0);
	const char *eq = undef ? NULL : strchr(def, '=');
	if (eq) {
		rc_sb_append(&cpp->unit, def, (size_t)(eq - def));
		rc_sb_putc(&cpp->unit, ' ');
		rc_sb_puts(&cpp->unit, eq + 1);
	} else {
		rc_sb_puts(&cpp->unit, def);
		if (!undef)
			rc_sb_puts(&cpp->unit, " 1");
	}
	struct tokvec *dt = &cpp->dtoks;
	dt->n = 0;
	tokenize(cpp, 0, cpp->unit.len, dt);
	struct tok dir = { .s = undef ? "undef" : "define", .len = undef ? 5 : 6, .kind = T_IDENT };
	if (undef)
		do_undef(cpp, &dir, dt->v, dt->n);
	else
		do_define(cpp, &dir, dt->v, dt->n);
	cpp->cmdline = NULL;
}

static void
predefine(struct cpp *cpp, const struct rc_cpp_opts *o)
{
	static const char *const builtin[] = { "__RIDL__=1", "__midl=501" };
	for (size_t i = 0; i < RC_ARRAY_SIZE(builtin); i++)
		define_option(cpp, builtin[i], false);
	struct macro *m = macro_get(cpp, "__FILE__", 8);
	m->kind = M_FILE;
	macro_defined(cpp, m);
	m = macro_get(cpp, "__LINE__", 8);
	m->kind = M_LINE;
	macro_defined(cpp, m);
	for (size_t i = 0; o && i < o->n_defines; i++)
		if (o->defines[i])
			define_option(cpp, o->defines[i], false);
	for (size_t i = 0; o && i < o->n_undefines; i++)
		if (o->undefines[i])
			define_option(cpp, o->undefines[i], true);
}

static unsigned
run(struct rc_diag *d, const struct rc_cpp_opts *o, const char *name, const char *text, size_t len,
    const struct stat *st, char **ret_text, size_t *ret_len, struct rc_vec *deps)
{
	struct cpp *cpp = rc_xcalloc(1, sizeof(*cpp));
	cpp->d = d;
	cpp->o = o;
	cpp->deps = deps;
	rc_interner_init(&cpp->names, &cpp->arena);
	predefine(cpp, o);

	const char *iname = rc_intern(&cpp->names, name);
	rc_diag_set_source(d, iname, text, len);
	if (deps)
		rc_vec_push(deps, rc_xstrdup(iname));
	struct frame f = { .path = iname, .presumed = iname, .text = text, .len = len, .line = 1 };
	if (st) {
		f.rec = file_rec_get(cpp, st);
		f.rec->in_deps = true;
	}
	const char *nul = len <= MAX_FILE_SIZE ? memchr(text, 0, len) : NULL;
	if (len > MAX_FILE_SIZE) {
		cpp->errors++;
		rc_error_noloc(d, RC_E_FILE, "cannot read '%s': %s", name, strerror(EFBIG));
	} else if (nul) {
		/* The scanner uses NUL as its end-of-buffer mark. */
		uint32_t line = 1, col = 1;
		for (const char *p = text; p < nul; p++, col++) {
			if (*p == '\n') {
				line++;
				col = 0;
			}
		}
		cpp->errors++;
		struct rc_loc loc = {iname, line, col, 1};
		rc_error(d, RC_E_LEX_CHAR, loc, "stray NUL byte in the input; IDL files are text");
	} else {
		run_file(cpp, &f, "");
	}

	size_t n = cpp->out.len;
	*ret_text = rc_sb_take(&cpp->out);
	if (ret_len)
		*ret_len = n;
	unsigned errors = cpp->errors;

	free(cpp->mtab);
	free(cpp->ftab);
	free(cpp->segs);
	free(cpp->base.v);
	free(cpp->dtoks.v);
	free(cpp->conds);
	rc_sb_free(&cpp->unit);
	rc_sb_free(&cpp->tmp);
	rc_interner_free(&cpp->names);
	rc_arena_free(&cpp->scratch);
	rc_arena_free(&cpp->arena);
	free(cpp);
	return errors;
}

unsigned
rc_cpp_run_text(struct rc_diag *d, const struct rc_cpp_opts *o, const char *name, const char *text,
		size_t len, char **ret_text, size_t *ret_len, struct rc_vec *deps)
{
	return run(d, o, name, text, len, NULL, ret_text, ret_len, deps);
}

unsigned
rc_cpp_run(struct rc_diag *d, const struct rc_cpp_opts *o, const char *path, char **ret_text,
	   size_t *ret_len, struct rc_vec *deps)
{
	char *text = NULL;
	size_t len = 0;
	int err = rc_read_file(path, &text, &len);
	if (err) {
		rc_error_noloc(d, RC_E_FILE, "cannot read '%s': %s", path, strerror(err));
		*ret_text = rc_xstrdup("");
		if (ret_len)
			*ret_len = 0;
		return 1;
	}
	struct stat st;
	bool have_st = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	unsigned errors = run(d, o, path, text, len, have_st ? &st : NULL, ret_text, ret_len, deps);
	free(text);
	return errors;
}
