/* The NDR engine against an independent implementation, byte for byte. The .hex files of
 * tests/ndr/golden were written by python3-impacket (tests/ndr/gen-golden.py) from the values
 * built below; every value here must match the one there. For each case:
 *   request:  marshal the C values == the golden bytes; unmarshal the golden bytes on the
 *             "server" and compare every value deeply; marshal that frame again == golden.
 *   response: marshal the server's values == the golden bytes; unmarshal the golden bytes into
 *             fresh caller variables, compare, marshal them again == golden; free.
 * The golden files are read at run time from $NDR_GOLDEN_DIR.
 *
 * A new case: a fill function for its values (and, for a response, the procedure's [in] fill
 * as the caller's variables), then one line in `cases`. */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "ndr.h"
#include "ndrtest.h"
#include "ndrtest_calls.h"

static const ridl_proc *
checked_proc(unsigned opnum)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	ck_assert_uint_eq(rpcrt_ndr_check_interface(itf), RPC_S_OK);
	ck_assert_uint_lt(opnum, itf->nprocs);
	return itf->procs[opnum];
}

/* ---- memory for the C values of one case, freed at the end of the case ---- */

static void *tmem[256];
static size_t ntmem;

static void *
talloc(size_t n)
{
	ck_assert_uint_lt(ntmem, sizeof(tmem) / sizeof(tmem[0]));
	void *p = calloc(1, n ? n : 1);
	ck_assert_ptr_nonnull(p);
	return tmem[ntmem++] = p;
}

static void
tfree_all(void)
{
	while (ntmem)
		free(tmem[--ntmem]);
}

static char *
tstr(const char *s)
{
	return strcpy(talloc(strlen(s) + 1), s);
}

/* A [string] wchar_t: UTF-16 units up to and including the 0. */
static uint16_t *
twstr(const uint16_t *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return memcpy(talloc((n + 1) * sizeof(*s)), s, (n + 1) * sizeof(*s));
}

static void *
tdup(const void *p, size_t n)
{
	return memcpy(talloc(n), p, n);
}
#define TDUP(type, ...) ((type *)tdup((type[])__VA_ARGS__, sizeof((type[])__VA_ARGS__)))

static int32_t *
tlong(int32_t v)
{
	return TDUP(int32_t, { v });
}

/* ---- golden files ---- */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* The bytes of $NDR_GOLDEN_DIR/name.hex in a buffer of exactly that size (so that ASan sees an
 * over-read). Free with free(). */
static uint8_t *
read_golden(const char *name, size_t *ret_len)
{
	const char *dir = getenv("NDR_GOLDEN_DIR");
	ck_assert_msg(dir && *dir, "NDR_GOLDEN_DIR is not set");
	char path[4096];
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s.hex", dir, name), (int)sizeof(path));
	FILE *fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));

	uint8_t tmp[4096];
	size_t n = 0;
	int hi = -1, ch;
	while ((ch = fgetc(fp)) != EOF) {
		if (isspace(ch))
			continue;
		int v = hexval(ch);
		ck_assert_msg(v >= 0, "%s: not a lowercase hex digit: '%c'", path, ch);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_msg(n < sizeof(tmp), "%s: too long", path);
		tmp[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	fclose(fp);
	ck_assert_msg(hi < 0, "%s: an odd number of hex digits", path);
	uint8_t *d = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(d);
	*ret_len = n;
	return memcpy(d, tmp, n);
}

static void
dump_hex(const char *label, const uint8_t *d, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes):\n", label, n);
	for (size_t i = 0; i < n; i += 16) {
		fprintf(stderr, "    %04zx:", i);
		for (size_t j = i; j < n && j < i + 16; j++)
			fprintf(stderr, " %02x", d[j]);
		fputc('\n', stderr);
	}
}

/* got == want, or both in hex on stderr and a failure naming the first differing offset. */
static void
expect_golden(const char *what, const rpcrt_buf *got, const uint8_t *want, size_t want_len)
{
	size_t n = got->len < want_len ? got->len : want_len, i = 0;
	while (i < n && got->data[i] == want[i])
		i++;
	if (i == n && got->len == want_len)
		return;
	fprintf(stderr, "%s: differs from the golden bytes at offset %zu (0x%zx)\n", what, i, i);
	dump_hex("marshalled", got->data, got->len);
	dump_hex("golden", want, want_len);
	ck_abort_msg("%s: %zu bytes marshalled, %zu golden, first difference at offset %zu", what,
		     got->len, want_len, i);
}

/* ---- cases ---- */

/* An argument frame as a stub builds it: the address of each parameter, and of the return. */
struct frame {
	void *args[16];
	void *ret;
};

typedef struct gcase {
	const char *name; /* golden/<name>.hex */
	unsigned opnum;
	bool response;
	/* The size of the procedure's values struct. */
	size_t size;
	/* The values of the case; for a response all of the server's, its [in]s included (the
	 * correlations read them). */
	void (*fill)(void *v);
	/* The argument frame, pointing into v. */
	void (*bind)(void *v, struct frame *f);
	/* Compares the values a frame holds with those of want, deeply. */
	void (*check)(const void *want, void *const *args, const void *ret);
	/* A response: the caller's variables before the call (the request's fill). */
	void (*caller)(void *v);
} gcase;

#define F(t, x)  (*(t *)(x))  /* a parameter of type t from its frame slot */
#define FP(t, x) (*(t **)(x)) /* a pointer parameter */

static void
eq_simple(const simple *got, const simple *want)
{
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->s, want->s);
	ck_assert_int_eq(got->l, want->l);
	ck_assert_int_eq(got->h, want->h);
}

static void
eq_str(const char *got, const char *want)
{
	if (!want) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
}

static void
eq_wstr(const uint16_t *got, const uint16_t *want)
{
	if (!want) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	size_t i = 0;
	for (; want[i]; i++)
		ck_assert_uint_eq(got[i], want[i]);
	ck_assert_uint_eq(got[i], 0);
}

static void
eq_plong(const int32_t *got, const int32_t *want)
{
	if (!want) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(*got, *want);
}

static void
eq_item(const item *got, const item *want)
{
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->id, want->id);
	eq_str(got->name, want->name);
	eq_plong(got->opt, want->opt);
}

static void
eq_longs(const int32_t *got, const int32_t *want, size_t n)
{
	ck_assert_ptr_nonnull(got);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(got[i], want[i]);
}

static void
eq_shorts(const int16_t *got, const int16_t *want, size_t n)
{
	ck_assert_ptr_nonnull(got);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(got[i], want[i]);
}

/* -- Scalars (opnum 0), its values in struct scalars (ndrtest_calls.h) -- */

static void
scalars_bind(void *vp, struct frame *f)
{
	struct scalars *v = vp;
	void *a[] = { &v->a, &v->b, &v->c, &v->d, &v->e,  &v->f,  &v->g,   &v->h,
		      &v->i, &v->j, &v->k, &v->m, &v->us, &v->uh, &v->psum };
	memcpy(f->args, a, sizeof(a));
	v->psum = &v->sum;
	f->ret = &v->ret;
}

static void
scalars_basic_in(void *vp)
{
	struct scalars *v = vp;
	v->a = -5;
	v->b = -2;
	v->c = -123456789;
	v->d = -INT64_C(0x0123456789ABCDF0);
	v->e = 1.5f;
	v->f = -2.25;
	v->g = 1;
	v->h = 0xAB;
	v->i = 0x20AC;
	v->j = 0x1C010003;
	v->k = BLUE;
	v->m = BIG;
	v->us = 0xFFFF;
	v->uh = UINT64_C(0xFEDCBA9876543210);
}

static void
scalars_min_in(void *vp)
{
	struct scalars *v = vp;
	v->a = INT8_MIN;
	v->b = INT16_MIN;
	v->c = INT32_MIN;
	v->d = INT64_MIN;
	v->e = -0.0f;
	v->f = 1e300;
	v->g = 0;
	v->h = 0;
	v->i = 0;
	v->j = 0;
	v->k = RED;
	v->m = ONE;
	v->us = 0;
	v->uh = 0;
}

static void
scalars_basic_out(void *vp)
{
	struct scalars *v = vp;
	scalars_basic_in(v);
	v->sum = INT64_C(0x0102030405060708);
	v->ret = -1;
}

static void
scalars_min_out(void *vp)
{
	struct scalars *v = vp;
	scalars_min_in(v);
	v->sum = INT64_MAX;
	v->ret = 0;
}

static void
scalars_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct scalars *w = wp;
	ck_assert_int_eq(F(int8_t, args[0]), w->a);
	ck_assert_int_eq(F(int16_t, args[1]), w->b);
	ck_assert_int_eq(F(int32_t, args[2]), w->c);
	ck_assert_int_eq(F(int64_t, args[3]), w->d);
	ck_assert_mem_eq(args[4], &w->e, sizeof(w->e)); /* bit for bit: -0.0f */
	ck_assert_mem_eq(args[5], &w->f, sizeof(w->f));
	ck_assert_uint_eq(F(uint8_t, args[6]), w->g);
	ck_assert_uint_eq(F(uint8_t, args[7]), w->h);
	ck_assert_uint_eq(F(uint16_t, args[8]), w->i);
	ck_assert_uint_eq(F(error_status_t, args[9]), w->j);
	ck_assert_int_eq(F(color16, args[10]), w->k);
	ck_assert_int_eq(F(color32, args[11]), w->m);
	ck_assert_uint_eq(F(uint16_t, args[12]), w->us);
	ck_assert_uint_eq(F(uint64_t, args[13]), w->uh);
	ck_assert_ptr_nonnull(FP(int64_t, args[14])); /* [out] room */
	(void)ret;
}

static void
scalars_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct scalars *w = wp;
	ck_assert_int_eq(*FP(int64_t, args[14]), w->sum);
	ck_assert_int_eq(*(const int32_t *)ret, w->ret);
}

/* -- Structs (opnum 1) -- */

struct structs {
	simple s;
	nested n;
	padded p;
	simple o;
	simple *ps;
	nested *pn;
	padded *pp;
	simple *po;
};

static void
structs_bind(void *vp, struct frame *f)
{
	struct structs *v = vp;
	v->ps = &v->s;
	v->pn = &v->n;
	v->pp = &v->p;
	v->po = &v->o;
	void *a[] = { &v->ps, &v->pn, &v->pp, &v->po };
	memcpy(f->args, a, sizeof(a));
}

static void
structs_basic_in(void *vp)
{
	struct structs *v = vp;
	v->s = (simple){ -1, 0x12345678, -2 };
	v->n = (nested){ -3, { 0x7FFF, -100000, INT64_C(0x1122334455667788) }, 1 };
	v->p = (padded){ 'Z', 0.5 };
}

static void
structs_basic_out(void *vp)
{
	struct structs *v = vp;
	structs_basic_in(v);
	v->p = (padded){ 'y', -1.25 };
	v->o = (simple){ 1, 2, 3 };
}

static void
structs_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct structs *w = wp;
	eq_simple(FP(simple, args[0]), &w->s);
	const nested *n = FP(nested, args[1]);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->a, w->n.a);
	eq_simple(&n->in, &w->n.in);
	ck_assert_uint_eq(n->b, w->n.b);
	const padded *p = FP(padded, args[2]);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->c, w->p.c);
	ck_assert_double_eq(p->d, w->p.d);
	ck_assert_ptr_nonnull(FP(simple, args[3])); /* [out] room */
	(void)ret;
}

static void
structs_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct structs *w = wp;
	const padded *p = FP(padded, args[2]);
	ck_assert_int_eq(p->c, w->p.c);
	ck_assert_double_eq(p->d, w->p.d);
	eq_simple(FP(simple, args[3]), &w->o);
	(void)ret;
}

/* -- Conformant (opnum 2) -- */

struct conformant {
	conf *c;
	confvar *cv;
	outer_conf *oc;
};

static void
conformant_bind(void *vp, struct frame *f)
{
	struct conformant *v = vp;
	void *a[] = { &v->c, &v->cv, &v->oc };
	memcpy(f->args, a, sizeof(a));
}

/* The three structs with room for nc, ncv and noc array elements. */
static void
conformant_alloc(struct conformant *v, size_t nc, size_t ncv, size_t noc)
{
	v->c = talloc(sizeof(conf) + nc * sizeof(int32_t));
	v->cv = talloc(sizeof(confvar) + ncv * sizeof(int16_t));
	v->oc = talloc(sizeof(outer_conf) + noc * sizeof(int32_t));
}

static void
conformant_basic_in(void *vp)
{
	struct conformant *v = vp;
	conformant_alloc(v, 3, 5, 2);
	v->c->n = 3;
	memcpy(v->c->data, (int32_t[]){ -1, 0x7FFFFFFF, 42 }, 3 * sizeof(int32_t));
	v->cv->max = 5;
	v->cv->len = 3;
	memcpy(v->cv->data, (int16_t[]){ 1, -2, 3, 99, 99 },
	       5 * sizeof(int16_t)); /* 99: not sent */
	v->oc->tag = -7;
	v->oc->c.n = 2;
	memcpy(v->oc->c.data, (int32_t[]){ 100, -200 }, 2 * sizeof(int32_t));
}

static void
conformant_empty_in(void *vp)
{
	struct conformant *v = vp;
	conformant_alloc(v, 0, 0, 0);
	v->oc->tag = 1;
}

static void
conformant_basic_out(void *vp)
{
	struct conformant *v = vp;
	conformant_basic_in(v);
	v->cv->len = 4;
	memcpy(v->cv->data, (int16_t[]){ 10, 20, 30, 40, 99 }, 5 * sizeof(int16_t));
}

static void
conformant_empty_out(void *vp)
{
	conformant_empty_in(vp);
}

static void
eq_confvar(const confvar *got, const confvar *want)
{
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->max, want->max);
	ck_assert_int_eq(got->len, want->len);
	eq_shorts(got->data, want->data, (size_t)want->len);
}

static void
conformant_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct conformant *w = wp;
	const conf *c = FP(conf, args[0]);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->n, w->c->n);
	eq_longs(c->data, w->c->data, (size_t)w->c->n);
	eq_confvar(FP(confvar, args[1]), w->cv);
	const outer_conf *oc = FP(outer_conf, args[2]);
	ck_assert_ptr_nonnull(oc);
	ck_assert_int_eq(oc->tag, w->oc->tag);
	ck_assert_int_eq(oc->c.n, w->oc->c.n);
	eq_longs(oc->c.data, w->oc->c.data, (size_t)w->oc->c.n);
	(void)ret;
}

static void
conformant_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct conformant *w = wp;
	eq_confvar(FP(confvar, args[1]), w->cv);
	(void)ret;
}

/* -- Arrays (opnum 3) -- */

struct arrays {
	int32_t n, first, len;
	int32_t *ca, *va, *cva;
	fixarr fa, *pfa;
	int16_t *mx;
	simple *sa;
};

static void
arrays_bind(void *vp, struct frame *f)
{
	struct arrays *v = vp;
	v->pfa = &v->fa;
	void *a[] = { &v->n, &v->ca, &v->first, &v->len, &v->va, &v->cva, &v->pfa, &v->mx, &v->sa };
	memcpy(f->args, a, sizeof(a));
}

static int32_t *
va_100_109(void)
{
	int32_t *va = talloc(10 * sizeof(int32_t));
	for (int i = 0; i < 10; i++)
		va[i] = 100 + i;
	return va;
}

static void
arrays_basic_in(void *vp)
{
	struct arrays *v = vp;
	v->n = 4;
	v->ca = TDUP(int32_t, { 10, -20, 30, -40 });
	v->first = 2;
	v->len = 3;
	v->va = va_100_109();                      /* va[2..4] are sent */
	v->cva = TDUP(int32_t, { 7, 8, 9, 1234 }); /* 1234: not sent */
	v->fa = (fixarr){ { 1, -2, 3 }, { { 4, -5 }, { 6, -7 } } };
	v->mx = TDUP(int16_t, { -1, 2, -3, 4, -5 }); /* max_is(n): n + 1 */
	v->sa = talloc(4 * sizeof(simple));
	for (int i = 0; i < 4; i++)
		v->sa[i] = (simple){ (int16_t)i, i * 1000, -i };
}

static void
arrays_n1_in(void *vp)
{
	struct arrays *v = vp;
	v->n = 1;
	v->ca = TDUP(int32_t, { -1 });
	v->first = 9;
	v->len = 1;
	v->va = va_100_109(); /* va[9] is sent */
	v->cva = TDUP(int32_t, { 55 });
	v->fa = (fixarr){ { INT32_MAX, 0, INT32_MIN }, { { 1, 2 }, { 3, 4 } } };
	v->mx = TDUP(int16_t, { 7, 8 });
	v->sa = TDUP(simple, { { -5, -6, -7 } });
}

static void
arrays_basic_out(void *vp)
{
	struct arrays *v = vp;
	arrays_basic_in(v);
	for (int i = 0; i < 4; i++)
		v->sa[i] = (simple){ (int16_t)(10 + i), -i, (int64_t)i << 40 };
}

static void
arrays_n1_out(void *vp)
{
	struct arrays *v = vp;
	arrays_n1_in(v);
	v->sa[0] = (simple){ -1, -1, -1 };
}

static void
arrays_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct arrays *w = wp;
	size_t n = (size_t)w->n;
	ck_assert_int_eq(F(int32_t, args[0]), w->n);
	eq_longs(FP(int32_t, args[1]), w->ca, n);
	ck_assert_int_eq(F(int32_t, args[2]), w->first);
	ck_assert_int_eq(F(int32_t, args[3]), w->len);
	const int32_t *va = FP(int32_t, args[4]);
	ck_assert_ptr_nonnull(va);
	for (int32_t i = w->first; i < w->first + w->len; i++)
		ck_assert_int_eq(va[i], w->va[i]);
	eq_longs(FP(int32_t, args[5]), w->cva, (size_t)w->len);
	const fixarr *fa = FP(fixarr, args[6]);
	ck_assert_ptr_nonnull(fa);
	eq_longs(fa->a, w->fa.a, 3);
	eq_shorts(&fa->b[0][0], &w->fa.b[0][0], 4);
	eq_shorts(FP(int16_t, args[7]), w->mx, n + 1);
	const simple *sa = FP(simple, args[8]);
	ck_assert_ptr_nonnull(sa);
	for (size_t i = 0; i < n; i++)
		eq_simple(&sa[i], &w->sa[i]);
	(void)ret;
}

static void
arrays_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct arrays *w = wp;
	const simple *sa = FP(simple, args[8]);
	ck_assert_ptr_nonnull(sa);
	for (int32_t i = 0; i < w->n; i++)
		eq_simple(&sa[i], &w->sa[i]);
	(void)ret;
}

/* -- Strings (opnum 4) -- */

struct strings {
	char *a;
	uint16_t *w;
	char fs[16], *pfs;
	char *maybe;
	int32_t total, *ptotal;
};

static void
strings_bind(void *vp, struct frame *f)
{
	struct strings *v = vp;
	v->pfs = v->fs; /* char fs[16] is passed as a pointer, like any array parameter */
	v->ptotal = &v->total;
	void *a[] = { &v->a, &v->w, &v->pfs, &v->maybe, &v->ptotal };
	memcpy(f->args, a, sizeof(a));
}

static void
strings_set_in(void *vp)
{
	struct strings *v = vp;
	v->a = tstr("hello");
	v->w = twstr((const uint16_t[]){ 0x00E9, 0x20AC, 0 }); /* "é€" */
	strcpy(v->fs, "abc");
	v->maybe = tstr("maybe");
}

static void
strings_null_in(void *vp)
{
	struct strings *v = vp;
	v->a = tstr("x");
	v->w = twstr((const uint16_t[]){ 'A', 0x00E9, 0x20AC, 'z', 0 });
	strcpy(v->fs, "0123456789abcde"); /* 15 + NUL: all of fs */
	v->maybe = NULL;
}

static void
strings_empty_in(void *vp)
{
	struct strings *v = vp;
	v->a = tstr("");
	v->w = twstr((const uint16_t[]){ 0 });
	v->fs[0] = '\0';
	v->maybe = tstr("");
}

static void
strings_set_out(void *vp)
{
	struct strings *v = vp;
	strings_set_in(v);
	v->total = 42;
}

static void
strings_null_out(void *vp)
{
	struct strings *v = vp;
	strings_null_in(v);
	v->total = -1;
}

static void
strings_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct strings *w = wp;
	eq_str(FP(char, args[0]), w->a);
	eq_wstr(FP(uint16_t, args[1]), w->w);
	eq_str(FP(char, args[2]), w->fs);
	eq_str(FP(char, args[3]), w->maybe);
	ck_assert_ptr_nonnull(FP(int32_t, args[4])); /* [out] room */
	(void)ret;
}

static void
strings_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct strings *w = wp;
	ck_assert_int_eq(*FP(int32_t, args[4]), w->total);
	(void)ret;
}

/* -- Pointers (opnum 5) -- */

struct pointers {
	int32_t *u1, *u2, *p1, *p2;
	node nodes[3], *list;
	item it, *pit;
};

static void
pointers_bind(void *vp, struct frame *f)
{
	struct pointers *v = vp;
	v->list = &v->nodes[0];
	v->pit = &v->it;
	void *a[] = { &v->u1, &v->u2, &v->p1, &v->p2, &v->list, &v->pit };
	memcpy(f->args, a, sizeof(a));
}

/* nodes[0..n-1] linked in order, with these values. */
static void
make_list(struct pointers *v, const int32_t *values, int n)
{
	for (int i = 0; i < n; i++)
		v->nodes[i] = (node){ values[i], i + 1 < n ? &v->nodes[i + 1] : NULL };
}

static void
pointers_alias_in(void *vp)
{
	struct pointers *v = vp;
	v->u1 = tlong(5);
	v->u2 = NULL;
	v->p1 = v->p2 = tlong(-9); /* [ptr]: one referent, the same id twice */
	make_list(v, (const int32_t[]){ 1, 2, 3 }, 3);
	v->it = (item){ 77, tstr("nm"), tlong(-1) };
}

static void
pointers_distinct_in(void *vp)
{
	struct pointers *v = vp;
	v->u1 = NULL;
	v->u2 = tlong(6);
	v->p1 = tlong(10);
	v->p2 = tlong(20);
	make_list(v, (const int32_t[]){ 42 }, 1);
	v->it = (item){ 0, NULL, NULL };
}

static void
pointers_fullnull_in(void *vp)
{
	struct pointers *v = vp;
	v->u1 = tlong(1);
	v->u2 = tlong(2);
	v->p1 = NULL;
	v->p2 = tlong(30);
	make_list(v, (const int32_t[]){ -1, -2 }, 2);
	v->it = (item){ -1, tstr(""), tlong(7) };
}

static void
pointers_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct pointers *w = wp;
	eq_plong(FP(int32_t, args[0]), w->u1);
	eq_plong(FP(int32_t, args[1]), w->u2);
	const int32_t *p1 = FP(int32_t, args[2]), *p2 = FP(int32_t, args[3]);
	eq_plong(p1, w->p1);
	eq_plong(p2, w->p2);
	if (w->p1 && w->p1 == w->p2)
		ck_assert_ptr_eq(p1, p2); /* the alias survives */
	else if (p1 && p2)
		ck_assert_ptr_ne(p1, p2);
	const node *got = FP(node, args[4]), *want = w->list;
	for (; want; want = want->next, got = got->next) {
		ck_assert_ptr_nonnull(got);
		ck_assert_int_eq(got->value, want->value);
	}
	ck_assert_ptr_null(got);
	eq_item(FP(item, args[5]), &w->it);
	(void)ret;
}

/* -- OutPointers (opnum 6) -- */

struct outpointers {
	int32_t n;
	item *created, **pcreated;
	int32_t *filled;
};

static void
outpointers_bind(void *vp, struct frame *f)
{
	struct outpointers *v = vp;
	v->pcreated = &v->created;
	void *a[] = { &v->n, &v->pcreated, &v->filled };
	memcpy(f->args, a, sizeof(a));
}

static void
outpointers_set_in(void *vp)
{
	struct outpointers *v = vp;
	v->n = 3;
	v->created = NULL;
	v->filled = talloc(3 * sizeof(int32_t));
}

static void
outpointers_null_in(void *vp)
{
	struct outpointers *v = vp;
	v->n = 0;
	v->created = NULL;
	v->filled = talloc(0);
}

static void
outpointers_set_out(void *vp)
{
	struct outpointers *v = vp;
	outpointers_set_in(v);
	v->created = TDUP(item, { { 5, tstr("new"), tlong(500) } });
	memcpy(v->filled, (int32_t[]){ 1, 2, 3 }, 3 * sizeof(int32_t));
}

static void
outpointers_null_out(void *vp)
{
	outpointers_null_in(vp);
}

static void
outpointers_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct outpointers *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->n);
	item **created = FP(item *, args[1]);
	ck_assert_ptr_nonnull(created); /* [out] room for the item *, which is NULL */
	ck_assert_ptr_null(*created);
	const int32_t *filled = FP(int32_t, args[2]);
	if (w->n > 0)
		ck_assert_ptr_nonnull(filled);
	for (int32_t i = 0; i < w->n; i++)
		ck_assert_int_eq(filled[i], 0);
	(void)ret;
}

static void
outpointers_check_out(const void *wp, void *const *args, const void *ret)
{
	const struct outpointers *w = wp;
	const item *created = *FP(item *, args[1]);
	if (w->created)
		eq_item(created, w->created);
	else
		ck_assert_ptr_null(created);
	eq_longs(FP(int32_t, args[2]), w->filled, (size_t)w->n);
	(void)ret;
}

/* -- Unions (opnum 7) -- */

struct unions {
	int32_t k;
	numu u, *pu;
	encu e, *pe;
	holder h, *ph;
};

static void
unions_bind(void *vp, struct frame *f)
{
	struct unions *v = vp;
	v->pu = &v->u;
	v->pe = &v->e;
	v->ph = &v->h;
	void *a[] = { &v->k, &v->pu, &v->pe, &v->ph };
	memcpy(f->args, a, sizeof(a));
}

static const uint16_t e_euro[] = { 0x00E9, 0x20AC, 0 };

static void
unions_arm1_in(void *vp)
{
	struct unions *v = vp;
	v->k = 1;
	v->u.l = -7;
	v->e.kind = 1;
	v->e.u.l = 0x11223344;
	v->h.kind = 2;
	v->h.u.d = -0.75;
}

static void
unions_arm2_in(void *vp)
{
	struct unions *v = vp;
	v->k = 2;
	v->u.d = 3.5;
	v->e.kind = 2;
	v->e.u.w = twstr(e_euro);
	v->h.kind = 3;
	v->h.u.s = (simple){ -1, -2, -3 };
}

static void
unions_arm3_in(void *vp)
{
	struct unions *v = vp;
	v->k = 3;
	v->u.s = (simple){ 5, 6, 7 };
	v->e.kind = 3; /* the empty arm */
	v->h.kind = 1;
	v->h.u.l = 99;
}

static void
unions_arm4_in(void *vp)
{
	struct unions *v = vp;
	v->k = 4; /* the empty arm */
	v->e.kind = 2;
	v->e.u.w = NULL;
	v->h.kind = 4;
}

static void
unions_default_in(void *vp)
{
	struct unions *v = vp;
	v->k = 7; /* no case 7: the default arm */
	v->u.other = -2;
	v->e.kind = 1;
	v->e.u.l = -1;
	v->h.kind = -5;
	v->h.u.other = 0x1234;
}

static void
eq_numu(const numu *got, const numu *want, int32_t disc)
{
	ck_assert_ptr_nonnull(got);
	switch (disc) {
	case 1:
		ck_assert_int_eq(got->l, want->l);
		break;
	case 2:
		ck_assert_double_eq(got->d, want->d);
		break;
	case 3:
		eq_simple(&got->s, &want->s);
		break;
	case 4:
		break;
	default:
		ck_assert_int_eq(got->other, want->other);
		break;
	}
}

static void
unions_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct unions *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->k);
	eq_numu(FP(numu, args[1]), &w->u, w->k);
	const encu *e = FP(encu, args[2]);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, w->e.kind);
	if (e->kind == 1)
		ck_assert_int_eq(e->u.l, w->e.u.l);
	else if (e->kind == 2)
		eq_wstr(e->u.w, w->e.u.w);
	const holder *h = FP(holder, args[3]);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->kind, w->h.kind);
	eq_numu(&h->u, &w->h.u, w->h.kind);
	(void)ret;
}

/* -- Ranges (opnum 8) -- */

struct ranges {
	int32_t r, n;
	uint8_t *data;
	char *s;
};

static void
ranges_bind(void *vp, struct frame *f)
{
	struct ranges *v = vp;
	void *a[] = { &v->r, &v->n, &v->data, &v->s };
	memcpy(f->args, a, sizeof(a));
}

static void
ranges_max_in(void *vp)
{
	struct ranges *v = vp;
	v->r = 100;
	v->n = 16;
	v->data = talloc(16);
	for (int i = 0; i < 16; i++)
		v->data[i] = (uint8_t)(i * 17);
	v->s = tstr("abcdefg"); /* 8 with the NUL: range(1, 8)'s upper bound */
}

static void
ranges_min_in(void *vp)
{
	struct ranges *v = vp;
	v->r = 1;
	v->n = 0;
	v->data = talloc(0);
	v->s = tstr("");
}

static void
ranges_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct ranges *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->r);
	ck_assert_int_eq(F(int32_t, args[1]), w->n);
	const uint8_t *data = FP(uint8_t, args[2]);
	ck_assert_ptr_nonnull(data);
	if (w->n)
		ck_assert_mem_eq(data, w->data, (size_t)w->n);
	eq_str(FP(char, args[3]), w->s);
	(void)ret;
}

/* -- Items (opnum 9) -- */

struct items {
	int32_t n;
	item *items;
};

static void
items_bind(void *vp, struct frame *f)
{
	struct items *v = vp;
	void *a[] = { &v->n, &v->items };
	memcpy(f->args, a, sizeof(a));
}

static void
items_three_in(void *vp)
{
	struct items *v = vp;
	v->n = 3;
	v->items = TDUP(item, { { 10, tstr("a"), tlong(111) },
				{ -20, NULL, NULL },
				{ 30, tstr("xyz"), tlong(-333) } });
}

static void
items_empty_in(void *vp)
{
	struct items *v = vp;
	v->n = 0;
	v->items = talloc(0);
}

static void
items_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct items *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->n);
	const item *items = FP(item, args[1]);
	ck_assert_ptr_nonnull(items);
	for (int32_t i = 0; i < w->n; i++)
		eq_item(&items[i], &w->items[i]);
	(void)ret;
}

/* -- CorrExpr (opnum 10) -- */

struct correxpr {
	int32_t n;
	int16_t *a;
	int32_t *pn;
	int32_t *b;
};

static void
correxpr_bind(void *vp, struct frame *f)
{
	struct correxpr *v = vp;
	void *a[] = { &v->n, &v->a, &v->pn, &v->b };
	memcpy(f->args, a, sizeof(a));
}

static void
correxpr_basic_in(void *vp)
{
	struct correxpr *v = vp;
	v->n = 2;
	v->a = TDUP(int16_t, { 1, -1, 2, -2, 3 }); /* size_is(n * 2 + 1) */
	v->pn = tlong(3);
	v->b = TDUP(int32_t, { 100, 200, 300 }); /* size_is(*pn) */
}

static void
correxpr_zero_in(void *vp)
{
	struct correxpr *v = vp;
	v->n = 0;
	v->a = TDUP(int16_t, { -9 });
	v->pn = tlong(0);
	v->b = talloc(0);
}

static void
correxpr_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct correxpr *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->n);
	eq_shorts(FP(int16_t, args[1]), w->a, (size_t)(w->n * 2 + 1));
	const int32_t *pn = FP(int32_t, args[2]);
	ck_assert_ptr_nonnull(pn);
	ck_assert_int_eq(*pn, *w->pn);
	eq_longs(FP(int32_t, args[3]), w->b, (size_t)*w->pn);
	(void)ret;
}

/* -- Extra (opnum 11) -- */

struct extra {
	int32_t n;
	int32_t *opt;
	refholder *rh;
	fnode *ring;
};

static void
extra_bind(void *vp, struct frame *f)
{
	struct extra *v = vp;
	void *a[] = { &v->n, &v->opt, &v->rh, &v->ring };
	memcpy(f->args, a, sizeof(a));
}

static void
extra_basic_in(void *vp)
{
	struct extra *v = vp;
	v->n = 2;
	v->opt = TDUP(int32_t, { 10, 20 }); /* [unique, size_is(n)] */
	v->rh = talloc(sizeof(refholder));
	v->rh->tag = 9;
	v->rh->r = tlong(5); /* an embedded [ref]: an id, then the long after the struct */
	v->ring = talloc(sizeof(fnode));
	v->ring->v = 1;
	v->ring->next = NULL;
}

static void
extra_null_in(void *vp)
{
	struct extra *v = vp;
	v->n = 0;
	v->opt = NULL;
	v->rh = talloc(sizeof(refholder));
	v->rh->tag = -1;
	v->rh->r = tlong(0);
	v->ring = NULL;
}

static void
extra_check_in(const void *wp, void *const *args, const void *ret)
{
	const struct extra *w = wp;
	ck_assert_int_eq(F(int32_t, args[0]), w->n);
	const int32_t *opt = FP(int32_t, args[1]);
	ck_assert(!opt == !w->opt);
	if (w->opt)
		eq_longs(opt, w->opt, (size_t)w->n);
	const refholder *rh = FP(refholder, args[2]);
	ck_assert_int_eq(rh->tag, w->rh->tag);
	ck_assert_int_eq(*rh->r, *w->rh->r);
	const fnode *ring = FP(fnode, args[3]);
	ck_assert(!ring == !w->ring);
	if (w->ring) {
		ck_assert_int_eq(ring->v, w->ring->v);
		ck_assert_ptr_null(ring->next);
	}
	(void)ret;
}

/* ---- the table ---- */

#define REQ(file, op, proc, fill)                                                                  \
	{                                                                                          \
		file, op, false, sizeof(struct proc), fill, proc##_bind, proc##_check_in, NULL     \
	}
#define RESP(file, op, proc, fill, caller)                                                         \
	{                                                                                          \
		file, op, true, sizeof(struct proc), fill, proc##_bind, proc##_check_out, caller   \
	}

static const gcase cases[] = {
	REQ("Scalars_basic_in", OP_SCALARS, scalars, scalars_basic_in),
	REQ("Scalars_min_in", OP_SCALARS, scalars, scalars_min_in),
	RESP("Scalars_basic_out", OP_SCALARS, scalars, scalars_basic_out, scalars_basic_in),
	RESP("Scalars_min_out", OP_SCALARS, scalars, scalars_min_out, scalars_min_in),

	REQ("Structs_basic_in", OP_STRUCTS, structs, structs_basic_in),
	RESP("Structs_basic_out", OP_STRUCTS, structs, structs_basic_out, structs_basic_in),

	REQ("Conformant_basic_in", OP_CONFORMANT, conformant, conformant_basic_in),
	REQ("Conformant_empty_in", OP_CONFORMANT, conformant, conformant_empty_in),
	RESP("Conformant_basic_out", OP_CONFORMANT, conformant, conformant_basic_out,
	     conformant_basic_in),
	RESP("Conformant_empty_out", OP_CONFORMANT, conformant, conformant_empty_out,
	     conformant_empty_in),

	REQ("Arrays_basic_in", OP_ARRAYS, arrays, arrays_basic_in),
	REQ("Arrays_n1_in", OP_ARRAYS, arrays, arrays_n1_in),
	RESP("Arrays_basic_out", OP_ARRAYS, arrays, arrays_basic_out, arrays_basic_in),
	RESP("Arrays_n1_out", OP_ARRAYS, arrays, arrays_n1_out, arrays_n1_in),

	REQ("Strings_set_in", OP_STRINGS, strings, strings_set_in),
	REQ("Strings_null_in", OP_STRINGS, strings, strings_null_in),
	REQ("Strings_empty_in", OP_STRINGS, strings, strings_empty_in),
	RESP("Strings_set_out", OP_STRINGS, strings, strings_set_out, strings_set_in),
	RESP("Strings_null_out", OP_STRINGS, strings, strings_null_out, strings_null_in),

	REQ("Pointers_alias_in", OP_POINTERS, pointers, pointers_alias_in),
	REQ("Pointers_distinct_in", OP_POINTERS, pointers, pointers_distinct_in),
	REQ("Pointers_fullnull_in", OP_POINTERS, pointers, pointers_fullnull_in),

	REQ("OutPointers_set_in", OP_OUTPOINTERS, outpointers, outpointers_set_in),
	REQ("OutPointers_null_in", OP_OUTPOINTERS, outpointers, outpointers_null_in),
	RESP("OutPointers_set_out", OP_OUTPOINTERS, outpointers, outpointers_set_out,
	     outpointers_set_in),
	RESP("OutPointers_null_out", OP_OUTPOINTERS, outpointers, outpointers_null_out,
	     outpointers_null_in),

	REQ("Unions_arm1_in", OP_UNIONS, unions, unions_arm1_in),
	REQ("Unions_arm2_in", OP_UNIONS, unions, unions_arm2_in),
	REQ("Unions_arm3_in", OP_UNIONS, unions, unions_arm3_in),
	REQ("Unions_arm4_in", OP_UNIONS, unions, unions_arm4_in),
	REQ("Unions_default_in", OP_UNIONS, unions, unions_default_in),

	REQ("Ranges_max_in", OP_RANGES, ranges, ranges_max_in),
	REQ("Ranges_min_in", OP_RANGES, ranges, ranges_min_in),

	REQ("Items_three_in", OP_ITEMS, items, items_three_in),
	REQ("Items_empty_in", OP_ITEMS, items, items_empty_in),

	REQ("CorrExpr_basic_in", OP_CORREXPR, correxpr, correxpr_basic_in),
	REQ("CorrExpr_zero_in", OP_CORREXPR, correxpr, correxpr_zero_in),

	REQ("Extra_basic_in", OP_EXTRA, extra, extra_basic_in),
	REQ("Extra_null_in", OP_EXTRA, extra, extra_null_in),
};

/* ---- the test ---- */

static void
run_request(const gcase *gc, const ridl_proc *proc, const uint8_t *golden, size_t glen)
{
	void *want = talloc(gc->size);
	struct frame f = { { 0 }, NULL };
	gc->fill(want);
	gc->bind(want, &f);

	rpcrt_buf buf = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(proc, f.args, &buf), RPC_S_OK);
	expect_golden(gc->name, &buf, golden, glen);
	size_t size = 0;
	ck_assert_int_eq(rpcrt_ndr_size_request(proc, f.args, &size), RPC_S_OK);
	ck_assert_uint_eq(size, glen);
	rpcrt_buf_free(&buf);

	rpcrt_arena a;
	rpcrt_arena_init(&a);
	rpcrt_frame sf;
	ck_assert_int_eq(
		rpcrt_ndr_unmarshal_request(proc, golden, glen, RPCRT_DREP_LE, &a, NULL, &sf),
		RPC_S_OK);
	gc->check(want, sf.args, sf.ret);
	buf = (rpcrt_buf){ 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_request(proc, sf.args, &buf), RPC_S_OK);
	expect_golden("the server's frame marshalled again", &buf, golden, glen);
	rpcrt_buf_free(&buf);
	rpcrt_arena_release(&a);
}

static void
run_response(const gcase *gc, const ridl_proc *proc, const uint8_t *golden, size_t glen)
{
	void *want = talloc(gc->size);
	struct frame f = { { 0 }, NULL };
	gc->fill(want);
	gc->bind(want, &f);

	rpcrt_buf buf = { 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_response(proc, f.args, f.ret, &buf), RPC_S_OK);
	expect_golden(gc->name, &buf, golden, glen);
	size_t size = 0;
	ck_assert_int_eq(rpcrt_ndr_size_response(proc, f.args, f.ret, &size), RPC_S_OK);
	ck_assert_uint_eq(size, glen);
	rpcrt_buf_free(&buf);

	void *mine = talloc(gc->size);
	struct frame cf = { { 0 }, NULL };
	gc->caller(mine);
	gc->bind(mine, &cf);
	ck_assert_int_eq(rpcrt_ndr_unmarshal_response(proc, golden, glen, RPCRT_DREP_LE, NULL,
						      cf.args, cf.ret),
			 RPC_S_OK);
	gc->check(want, cf.args, cf.ret);
	buf = (rpcrt_buf){ 0 };
	ck_assert_int_eq(rpcrt_ndr_marshal_response(proc, cf.args, cf.ret, &buf), RPC_S_OK);
	expect_golden("the caller's variables marshalled again", &buf, golden, glen);
	rpcrt_buf_free(&buf);
	rpcrt_ndr_free_response(proc, cf.args);
}

START_TEST(golden_case)
{
	const gcase *gc = &cases[_i];
	const ridl_proc *proc = checked_proc(gc->opnum);
	ck_assert_uint_eq(proc->opnum, gc->opnum);
	size_t glen;
	uint8_t *golden = read_golden(gc->name, &glen);
	if (gc->response)
		run_response(gc, proc, golden, glen);
	else
		run_request(gc, proc, golden, glen);
	free(golden);
	tfree_all();
}
END_TEST

/* Every procedure has a request case, and the table and the golden directory agree. */
START_TEST(every_proc_covered)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	for (unsigned op = 0; op < itf->nprocs; op++) {
		bool found = false;
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			found |= cases[i].opnum == op && !cases[i].response;
		ck_assert_msg(found, "%s has no golden request case", itf->procs[op]->name);
	}
}
END_TEST

static Suite *
ndr_golden_suite(void)
{
	Suite *s = suite_create("ndr_golden");
	/* One test case per golden file, named after it, so that the TAP line says which. */
	for (int i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_add_loop_test(tc, golden_case, i, i + 1);
		suite_add_tcase(s, tc);
	}
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, every_proc_covered);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(ndr_golden_suite)
