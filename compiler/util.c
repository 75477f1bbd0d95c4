/* ridl compiler: arena, string buffers, interning, vectors, maps and file helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
rc_oom(void)
{
	fputs("ridl: internal error: out of memory\n", stderr);
	exit(2);
}

void *
rc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		rc_oom();
	return p;
}

void *
rc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		rc_oom();
	return p;
}

void *
rc_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		rc_oom();
	return p;
}

char *
rc_xstrdup(const char *s)
{
	return rc_xstrndup(s, strlen(s));
}

char *
rc_xstrndup(const char *s, size_t n)
{
	char *p = rc_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- arena ---- */

struct rc_arena_chunk {
	struct rc_arena_chunk *next;
	size_t size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK 65536

void *
rc_arena_alloc(struct rc_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->cap - a->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		struct rc_arena_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			rc_oom();
		c->size = size;
		if (n > ARENA_CHUNK / 4 && a->head) {
			/* A big block gets its own chunk behind the current one, so the
			 * current chunk's free space is not wasted. */
			c->next = a->head->next;
			a->head->next = c;
			memset(c->data, 0, n);
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->cap = size;
	}
	void *p = a->head->data + a->used;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *
rc_arena_strndup(struct rc_arena *a, const char *s, size_t n)
{
	char *p = rc_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rc_arena_strdup(struct rc_arena *a, const char *s)
{
	return rc_arena_strndup(a, s, strlen(s));
}

char *
rc_arena_printf(struct rc_arena *a, const char *fmt, ...)
{
	struct rc_strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	rc_sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	char *p = rc_arena_strndup(a, rc_sb_str(&sb), sb.len);
	rc_sb_free(&sb);
	return p;
}

void
rc_arena_free(struct rc_arena *a)
{
	struct rc_arena_chunk *c = a->head;
	while (c) {
		struct rc_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = a->cap = 0;
}

/* ---- string buffer ---- */

static void
sb_reserve(struct rc_strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap * 2 : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = rc_xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void
rc_sb_append(struct rc_strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
rc_sb_puts(struct rc_strbuf *sb, const char *s)
{
	rc_sb_append(sb, s, strlen(s));
}

void
rc_sb_putc(struct rc_strbuf *sb, char c)
{
	sb_reserve(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void
rc_sb_vprintf(struct rc_strbuf *sb, const char *fmt, va_list ap)
{
	/* Format straight into the free space; only a result that does not fit is formatted
	 * a second time, after growing. */
	sb_reserve(sb, 64);
	va_list ap2;
	va_copy(ap2, ap);
	size_t room = sb->cap - sb->len;
	int n = vsnprintf(sb->buf + sb->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		sb_reserve(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

void
rc_sb_printf(struct rc_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rc_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void
rc_sb_reset(struct rc_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *
rc_sb_take(struct rc_strbuf *sb)
{
	char *p = sb->buf ? sb->buf : rc_xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void
rc_sb_free(struct rc_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

/* ---- interning ---- */

static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

void
rc_interner_init(struct rc_interner *in, struct rc_arena *arena)
{
	memset(in, 0, sizeof(*in));
	in->arena = arena;
}

static void
interner_grow(struct rc_interner *in)
{
	size_t cap = in->cap ? in->cap * 2 : 1024;
	const char **slots = rc_xcalloc(cap, sizeof(*slots));
	uint32_t *hashes = rc_xcalloc(cap, sizeof(*hashes));
	for (size_t i = 0; i < in->cap; i++) {
		if (!in->slots[i])
			continue;
		size_t j = in->hashes[i] & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = in->slots[i];
		hashes[j] = in->hashes[i];
	}
	free(in->slots);
	free(in->hashes);
	in->slots = slots;
	in->hashes = hashes;
	in->cap = cap;
}

const char *
rc_intern_n(struct rc_interner *in, const char *s, size_t n)
{
	if ((in->n + 1) * 2 > in->cap)
		interner_grow(in);
	uint32_t h = hash_bytes(s, n);
	size_t j = h & (in->cap - 1);
	while (in->slots[j]) {
		if (in->hashes[j] == h && strncmp(in->slots[j], s, n) == 0 && in->slots[j][n] == '\0')
			return in->slots[j];
		j = (j + 1) & (in->cap - 1);
	}
	in->slots[j] = rc_arena_strndup(in->arena, s, n);
	in->hashes[j] = h;
	in->n++;
	return in->slots[j];
}

const char *
rc_intern(struct rc_interner *in, const char *s)
{
	return rc_intern_n(in, s, strlen(s));
}

void
rc_interner_free(struct rc_interner *in)
{
	free(in->slots);
	free(in->hashes);
	in->slots = NULL;
	in->hashes = NULL;
	in->n = in->cap = 0;
}

/* ---- vector ---- */

void
rc_vec_push(struct rc_vec *v, void *item)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = rc_xrealloc(v->items, v->cap * sizeof(*v->items));
	}
	v->items[v->n++] = item;
}

void
rc_vec_free(struct rc_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = v->cap = 0;
}

/* ---- map (open addressing on pointer identity) ---- */

static size_t
ptr_hash(const char *p)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 17;
	x *= 0xed5ad4bbu;
	x ^= x >> 11;
	return (size_t)x;
}

void *
rc_map_get(const struct rc_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t j = ptr_hash(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key)
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

void *
rc_map_put(struct rc_map *m, const char *key, void *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const char **keys = rc_xcalloc(cap, sizeof(*keys));
		void **vals = rc_xcalloc(cap, sizeof(*vals));
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = ptr_hash(m->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t j = ptr_hash(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			void *old = m->vals[j];
			m->vals[j] = val;
			return old;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = key;
	m->vals[j] = val;
	m->n++;
	return NULL;
}

void
rc_map_free(struct rc_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- files ---- */

int
rc_read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return EISDIR;
	}
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
	char *buf = rc_xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = rc_xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int
rc_write_file_atomic(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path);
	char *tmp = rc_xmalloc(n + 16);
	snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return e;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			unlink(tmp);
			free(tmp);
			return e;
		}
		off += (size_t)w;
	}
	/* mkstemp creates 0600; generated sources are ordinary files. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return e;
	}
	free(tmp);
	return 0;
}
