/* ridl compiler: small utilities shared by every phase (arena, string buffers, interning, vectors).
 *
 * Ownership: an rc_arena owns every block it hands out and frees them all at once in
 * rc_arena_free(); one arena lives per compilation (struct rc_ctx). Strings interned through
 * rc_interner live in the interner's arena, so two interned strings compare equal with ==.
 */
#ifndef RIDL_UTIL_H
#define RIDL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define RC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RC_NORETURN __attribute__((noreturn))
#else
#define RC_PRINTF(a, b)
#define RC_NORETURN
#endif

#define RC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory in the compiler is an internal error: print and exit(2). */
RC_NORETURN void rc_oom(void);
void *rc_xmalloc(size_t n);
void *rc_xcalloc(size_t n, size_t size);
void *rc_xrealloc(void *p, size_t n);
char *rc_xstrdup(const char *s);
char *rc_xstrndup(const char *s, size_t n);

/* Bump allocator: a chain of chunks, all freed together. */
struct rc_arena_chunk;
struct rc_arena {
	struct rc_arena_chunk *head;
	size_t used, cap; /* within head */
};

void *rc_arena_alloc(struct rc_arena *a, size_t n); /* zero-filled, 16-byte aligned */
char *rc_arena_strndup(struct rc_arena *a, const char *s, size_t n);
char *rc_arena_strdup(struct rc_arena *a, const char *s);
RC_PRINTF(2, 3) char *rc_arena_printf(struct rc_arena *a, const char *fmt, ...);
void rc_arena_free(struct rc_arena *a);

/* Growable byte buffer, always NUL-terminated once anything was added. Owner frees with
 * rc_sb_free() or takes the buffer with rc_sb_take(). */
struct rc_strbuf {
	char *buf;
	size_t len, cap;
};

void rc_sb_append(struct rc_strbuf *sb, const char *s, size_t n);
void rc_sb_puts(struct rc_strbuf *sb, const char *s);
void rc_sb_putc(struct rc_strbuf *sb, char c);
RC_PRINTF(2, 3) void rc_sb_printf(struct rc_strbuf *sb, const char *fmt, ...);
void rc_sb_vprintf(struct rc_strbuf *sb, const char *fmt, va_list ap);
void rc_sb_reset(struct rc_strbuf *sb); /* len = 0, keeps the memory */
char *rc_sb_take(struct rc_strbuf *sb); /* caller owns the result (never NULL) */
void rc_sb_free(struct rc_strbuf *sb);
static inline const char *rc_sb_str(const struct rc_strbuf *sb) { return sb->buf ? sb->buf : ""; }

/* String interning: equal strings give the same pointer for the interner's lifetime. */
struct rc_interner {
	struct rc_arena *arena;
	const char **slots;
	uint32_t *hashes;
	size_t n, cap;
};

void rc_interner_init(struct rc_interner *in, struct rc_arena *arena);
const char *rc_intern_n(struct rc_interner *in, const char *s, size_t n);
const char *rc_intern(struct rc_interner *in, const char *s);
void rc_interner_free(struct rc_interner *in);

/* Vector of pointers (heap-owned array; the pointees belong to whoever made them). */
struct rc_vec {
	void **items;
	size_t n, cap;
};

void rc_vec_push(struct rc_vec *v, void *item);
void rc_vec_free(struct rc_vec *v);

/* Hash map from interned string (pointer identity) to a pointer. */
struct rc_map {
	const char **keys;
	void **vals;
	size_t n, cap;
};

void *rc_map_get(const struct rc_map *m, const char *interned_key);
/* Returns the previous value (NULL if the key was new). */
void *rc_map_put(struct rc_map *m, const char *interned_key, void *val);
void rc_map_free(struct rc_map *m);

/* Reads a whole file; returns 0 or an errno value. *ret_buf is NUL-terminated, caller frees. */
int rc_read_file(const char *path, char **ret_buf, size_t *ret_len);

/* Writes data to path atomically: a temporary file in the same directory, then rename().
 * A failed write never leaves a partial file behind. Returns 0 or an errno value. */
int rc_write_file_atomic(const char *path, const char *data, size_t len);

#endif
