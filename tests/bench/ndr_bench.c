/* NDR marshalling throughput: the engine (rpcrt_ndr_*) through the tables ridl generates for
 * ndrbench.idl, against memcpy of the same bytes and against ONC RPC's XDR routines (rpcgen's
 * output for ndrbench_xdr.x, run by libtirpc) encoding the same data, all in one run:
 *
 *   (a) 16384 longs (64 KiB)              goal: marshal and unmarshal at >= 70% of memcpy
 *   (b) 10,000 structs, each with a [string] and a [unique] pointer    goal: faster than XDR
 *   (c) 10,000 nested unions (mixed arms)                              goal: faster than XDR
 *
 * Marshal is the client's [in] path into a reused buffer; unmarshal is the server's, into an
 * arena released after each call. XDR encodes into a preallocated xdrmem buffer and decodes with
 * xdr_free after each call. Each operation runs in rounds of at least --min-ms milliseconds,
 * the operations taking turns within a round; the table shows the median round. The goals are
 * information: the exit status only says whether the data survived the round trips.
 *
 * Usage: ndr_bench [--quick] [--rounds N] [--min-ms MS] [--profile W:OP]
 *   --quick       small inputs, three rounds of one call: a correctness smoke test for CI.
 *   --profile W:OP  only run workload W (a, b or c) operation OP (marshal, unmarshal,
 *                 xdr-encode, xdr-decode, memcpy) for --min-ms (default 3000) milliseconds,
 *                 for a profiler: perf record, or valgrind --tool=callgrind with --quick.
 * tests/bench/ndr builds this and runs it pinned to one CPU. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr.h"
#include "ndrbench.h"
#include "ndrbench_xdr.h"

enum { OP_LONGARRAY, OP_RECORDS, OP_UNIONS };

/* What is timed for each workload, in the order the rounds run them. */
enum bench_op { B_NDR_MARSHAL, B_NDR_UNMARSHAL, B_XDR_ENCODE, B_XDR_DECODE, B_MEMCPY, B_COUNT };

#define MAX_ROUNDS 101

/* One workload: the data in both representations and the buffers the operations reuse.
 * Owner: main(); workload_free() releases it. */
struct workload {
	char label[32];
	bool goal_memcpy; /* the goal: ndr/memcpy >= 0.70 (else ndr/xdr > 1) */
	const ridl_proc *proc;
	int32_t n;     /* items */
	void *args[2]; /* &n, &<array pointer> */

	/* The source data. */
	int32_t *longs;
	rec *recs;
	char *names;   /* the recs' strings, NAME_SIZE bytes each */
	int32_t *opts; /* the referents of the recs' [unique] pointers */
	outer *items;

	/* NDR: the encoding (reused by the marshal loop; the unmarshal loop reads it). */
	rpcrt_buf wire;
	size_t ndr_len;

	/* XDR: the argument structure, its encoding and room to decode into. */
	bool_t (*xdr)(XDR *, void *);
	union xarg {
		x_longs longs;
		x_records records;
		x_unions unions;
	} xarg, xdecoded;
	x_rec *xrecs;
	x_outer *xitems;
	char *xbuf;
	size_t xcap, xdr_len;

	uint8_t *copy; /* memcpy's destination, ndr_len bytes */

	double median_ns[B_COUNT];
};

#define NAME_SIZE 24

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ndr_bench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the XDR side: rpcgen's routines behind one signature ---- */

static bool_t
xdr_longs(XDR *x, void *o)
{
	return xdr_x_longs(x, o);
}

static bool_t
xdr_records(XDR *x, void *o)
{
	return xdr_x_records(x, o);
}

static bool_t
xdr_unions(XDR *x, void *o)
{
	return xdr_x_unions(x, o);
}

/* What xdr_free() does, without casting the routine to xdrproc_t. */
static void
xdr_release(bool_t (*proc)(XDR *, void *), void *obj)
{
	XDR x;
	memset(&x, 0, sizeof(x));
	x.x_op = XDR_FREE;
	proc(&x, obj);
}

static bool
xdr_encode_once(struct workload *w)
{
	XDR x;
	xdrmem_create(&x, w->xbuf, (u_int)w->xcap, XDR_ENCODE);
	bool ok = w->xdr(&x, &w->xarg);
	w->xdr_len = xdr_getpos(&x);
	xdr_destroy(&x);
	return ok;
}

static bool
xdr_decode_once(struct workload *w, bool keep)
{
	XDR x;
	memset(&w->xdecoded, 0, sizeof(w->xdecoded));
	xdrmem_create(&x, w->xbuf, (u_int)w->xdr_len, XDR_DECODE);
	bool ok = w->xdr(&x, &w->xdecoded) && xdr_getpos(&x) == w->xdr_len;
	xdr_destroy(&x);
	if (!keep || !ok)
		xdr_release(w->xdr, &w->xdecoded);
	return ok;
}

/* ---- building the workloads ---- */

/* Deterministic values that are not all alike (so nothing compresses or predicts well). */
static uint32_t
mix(uint32_t i)
{
	i ^= i >> 16;
	i *= 0x7feb352du;
	i ^= i >> 15;
	i *= 0x846ca68bu;
	return i ^ (i >> 16);
}

static void
set_ndr_args(struct workload *w, void *array_var)
{
	w->args[0] = &w->n;
	w->args[1] = array_var;
}

static void
build_longs(struct workload *w, int32_t n)
{
	snprintf(w->label, sizeof(w->label), "(a) %d KiB longs", (int)(n / 256));
	w->goal_memcpy = true;
	w->n = n;
	w->longs = xcalloc((size_t)n, sizeof(int32_t));
	for (int32_t i = 0; i < n; i++)
		w->longs[i] = (int32_t)mix((uint32_t)i);
	set_ndr_args(w, &w->longs);
	w->xarg.longs.data.data_len = (u_int)n;
	w->xarg.longs.data.data_val = (int *)w->longs;
	w->xdr = xdr_longs;
}

static void
build_records(struct workload *w, int32_t n)
{
	snprintf(w->label, sizeof(w->label), "(b) %d records", (int)n);
	w->n = n;
	w->recs = xcalloc((size_t)n, sizeof(rec));
	w->names = xcalloc((size_t)n, NAME_SIZE);
	w->opts = xcalloc((size_t)n, sizeof(int32_t));
	w->xrecs = xcalloc((size_t)n, sizeof(x_rec));
	for (int32_t i = 0; i < n; i++) {
		char *name = w->names + (size_t)i * NAME_SIZE;
		snprintf(name, NAME_SIZE, "record-%d", (int)i);
		w->opts[i] = (int32_t)mix((uint32_t)i);
		w->recs[i] = (rec){ .id = i, .name = name, .opt = i % 2 ? NULL : &w->opts[i] };
		w->xrecs[i] =
			(x_rec){ .id = i, .name = name, .opt = i % 2 ? NULL : (int *)&w->opts[i] };
	}
	set_ndr_args(w, &w->recs);
	w->xarg.records.recs.recs_len = (u_int)n;
	w->xarg.records.recs.recs_val = w->xrecs;
	w->xdr = xdr_records;
}

/* Item i of workload (c): every arm of both unions, in turn. */
static void
union_item(int32_t i, outer *o, x_outer *xo)
{
	uint32_t v = mix((uint32_t)i);
	int32_t tag = 1 + i % 5; /* 5: the default arm */
	memset(o, 0, sizeof(*o));
	memset(xo, 0, sizeof(*xo));
	o->tag = xo->tag = tag;
	switch (tag) {
	case 1:
		o->u.l = xo->x_outer_u.l = (int32_t)v;
		break;
	case 2:
		o->u.d = xo->x_outer_u.d = (double)v / 7.0;
		break;
	case 3: {
		int16_t kind = (int16_t)(1 + (i / 5) % 4);
		o->u.in.kind = kind;
		xo->x_outer_u.in.kind = kind;
		switch (kind) {
		case 1:
			o->u.in.v.l = xo->x_outer_u.in.x_inner_u.l = (int32_t)v;
			break;
		case 2:
			o->u.in.v.d = xo->x_outer_u.in.x_inner_u.d = (double)v * 0.25;
			break;
		case 3:
			o->u.in.v.s = xo->x_outer_u.in.x_inner_u.s = (int16_t)v;
			break;
		default:
			o->u.in.v.h = xo->x_outer_u.in.x_inner_u.h = (int64_t)v << 20;
			break;
		}
		break;
	}
	case 4:
		o->u.h = xo->x_outer_u.h = -((int64_t)v << 24);
		break;
	default:
		o->u.other = xo->x_outer_u.other = (int16_t)v;
		break;
	}
}

static void
build_unions(struct workload *w, int32_t n)
{
	snprintf(w->label, sizeof(w->label), "(c) %d nested unions", (int)n);
	w->n = n;
	w->items = xcalloc((size_t)n, sizeof(outer));
	w->xitems = xcalloc((size_t)n, sizeof(x_outer));
	for (int32_t i = 0; i < n; i++)
		union_item(i, &w->items[i], &w->xitems[i]);
	set_ndr_args(w, &w->items);
	w->xarg.unions.items.items_len = (u_int)n;
	w->xarg.unions.items.items_val = w->xitems;
	w->xdr = xdr_unions;
}

/* ---- checking that the data survives ---- */

static bool
same_rec(const rec *a, const rec *b)
{
	if (a->id != b->id || !a->name || !b->name || strcmp(a->name, b->name) != 0)
		return false;
	if (!a->opt || !b->opt)
		return !a->opt && !b->opt;
	return *a->opt == *b->opt;
}

static bool
same_xrec(const rec *a, const x_rec *b)
{
	if (a->id != b->id || !b->name || strcmp(a->name, b->name) != 0)
		return false;
	if (!a->opt || !b->opt)
		return !a->opt && !b->opt;
	return *a->opt == *b->opt;
}

/* Only the arm the discriminant selects is compared. */
static bool
same_outer(const outer *a, const outer *b)
{
	if (a->tag != b->tag)
		return false;
	switch (a->tag) {
	case 1:
		return a->u.l == b->u.l;
	case 2:
		return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0;
	case 4:
		return a->u.h == b->u.h;
	case 3:
		break;
	default:
		return a->u.other == b->u.other;
	}
	const inner *x = &a->u.in, *y = &b->u.in;
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case 1:
		return x->v.l == y->v.l;
	case 2:
		return memcmp(&x->v.d, &y->v.d, sizeof(double)) == 0;
	case 3:
		return x->v.s == y->v.s;
	default:
		return x->v.h == y->v.h;
	}
}

static bool
same_xouter(const x_outer *a, const x_outer *b)
{
	if (a->tag != b->tag)
		return false;
	switch (a->tag) {
	case 1:
		return a->x_outer_u.l == b->x_outer_u.l;
	case 2:
		return memcmp(&a->x_outer_u.d, &b->x_outer_u.d, sizeof(double)) == 0;
	case 4:
		return a->x_outer_u.h == b->x_outer_u.h;
	case 3:
		break;
	default:
		return a->x_outer_u.other == b->x_outer_u.other;
	}
	const x_inner *x = &a->x_outer_u.in, *y = &b->x_outer_u.in;
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case 1:
		return x->x_inner_u.l == y->x_inner_u.l;
	case 2:
		return memcmp(&x->x_inner_u.d, &y->x_inner_u.d, sizeof(double)) == 0;
	case 3:
		return x->x_inner_u.s == y->x_inner_u.s;
	default:
		return x->x_inner_u.h == y->x_inner_u.h;
	}
}

/* The server's frame holds what the client sent. Returns the index of the first item that
 * differs, -1 when none does. */
static long
check_frame(const struct workload *w, const rpcrt_frame *f)
{
	if (*(const int32_t *)f->args[0] != w->n)
		return 0;
	const void *arr = *(void *const *)f->args[1];
	if (!arr)
		return 0;
	for (int32_t i = 0; i < w->n; i++) {
		bool ok;
		if (w->longs)
			ok = ((const int32_t *)arr)[i] == w->longs[i];
		else if (w->recs)
			ok = same_rec(&((const rec *)arr)[i], &w->recs[i]);
		else
			ok = same_outer(&((const outer *)arr)[i], &w->items[i]);
		if (!ok)
			return i;
	}
	return -1;
}

static long
check_xdr(const struct workload *w)
{
	for (int32_t i = 0; i < w->n; i++) {
		bool ok;
		const union xarg *x = &w->xdecoded;
		if (w->longs)
			ok = x->longs.data.data_len == (u_int)w->n &&
			     x->longs.data.data_val[i] == w->longs[i];
		else if (w->recs)
			ok = x->records.recs.recs_len == (u_int)w->n &&
			     same_xrec(&w->recs[i], &x->records.recs.recs_val[i]);
		else
			ok = x->unions.items.items_len == (u_int)w->n &&
			     same_xouter(&w->xitems[i], &x->unions.items.items_val[i]);
		if (!ok)
			return i;
	}
	return -1;
}

/* Encodes once both ways, checks that both decodings reproduce the data, and sizes the
 * buffers the timed loops reuse. */
static void
prepare(struct workload *w)
{
	RPC_STATUS st = rpcrt_ndr_marshal_request(w->proc, w->args, &w->wire);
	if (st != RPC_S_OK)
		die("%s: NDR marshalling failed, status %ld", w->label, (long)st);
	w->ndr_len = w->wire.len;
	size_t size = 0;
	st = rpcrt_ndr_size_request(w->proc, w->args, &size);
	if (st != RPC_S_OK || size != w->ndr_len)
		die("%s: rpcrt_ndr_size_request disagrees with the marshalled length (status %ld)",
		    w->label, (long)st);

	rpcrt_arena arena;
	rpcrt_frame f;
	rpcrt_arena_init(&arena);
	st = rpcrt_ndr_unmarshal_request(w->proc, w->wire.data, w->wire.len, RPCRT_DREP_LE, &arena,
					 NULL, &f);
	if (st != RPC_S_OK)
		die("%s: NDR unmarshalling failed, status %ld", w->label, (long)st);
	long bad = check_frame(w, &f);
	rpcrt_arena_release(&arena);
	if (bad >= 0)
		die("%s: NDR unmarshalling changed the data (item %ld)", w->label, bad);

	w->xcap = 4096;
	for (;;) {
		w->xbuf = realloc(w->xbuf, w->xcap);
		if (!w->xbuf)
			die("out of memory");
		if (xdr_encode_once(w))
			break;
		if (w->xcap > ((size_t)1 << 30))
			die("%s: XDR encoding failed", w->label);
		w->xcap *= 2;
	}
	if (!xdr_decode_once(w, true))
		die("%s: XDR decoding failed", w->label);
	bad = check_xdr(w);
	xdr_release(w->xdr, &w->xdecoded);
	if (bad >= 0)
		die("%s: XDR decoding changed the data (item %ld)", w->label, bad);

	w->copy = xcalloc(1, w->ndr_len);
}

static void
workload_free(struct workload *w)
{
	rpcrt_buf_free(&w->wire);
	free(w->longs);
	free(w->recs);
	free(w->names);
	free(w->opts);
	free(w->items);
	free(w->xrecs);
	free(w->xitems);
	free(w->xbuf);
	free(w->copy);
}

/* ---- timing ---- */

/* One call of op; false when it failed (which the correctness pass rules out). */
static bool
run_op(struct workload *w, enum bench_op op)
{
	switch (op) {
	case B_NDR_MARSHAL:
		w->wire.len = 0;
		return rpcrt_ndr_marshal_request(w->proc, w->args, &w->wire) == RPC_S_OK;
	case B_NDR_UNMARSHAL: {
		rpcrt_arena arena;
		rpcrt_frame f;
		rpcrt_arena_init(&arena);
		RPC_STATUS st = rpcrt_ndr_unmarshal_request(w->proc, w->wire.data, w->wire.len,
							    RPCRT_DREP_LE, &arena, NULL, &f);
		rpcrt_arena_release(&arena);
		return st == RPC_S_OK;
	}
	case B_XDR_ENCODE:
		return xdr_encode_once(w);
	case B_XDR_DECODE:
		return xdr_decode_once(w, false);
	case B_MEMCPY:
		memcpy(w->copy, w->wire.data, w->ndr_len);
		/* The copy is used, as far as the compiler knows. */
		__asm__ volatile("" : : "r"(w->copy) : "memory");
		return true;
	default:
		return false;
	}
}

/* Nanoseconds per call over `iters` calls. */
static double
time_op(struct workload *w, enum bench_op op, unsigned long iters)
{
	uint64_t t0 = now_ns();
	for (unsigned long i = 0; i < iters; i++)
		if (!run_op(w, op))
			die("%s: a timed call failed (operation %d)", w->label, (int)op);
	return (double)(now_ns() - t0) / (double)iters;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Warms up, picks how many calls make a round of at least min_ms for each operation, then
 * runs the rounds with the operations taking turns, and keeps each one's median. */
static void
measure(struct workload *w, unsigned rounds, double min_ms)
{
	unsigned long iters[B_COUNT];
	double samples[B_COUNT][MAX_ROUNDS];
	for (int op = 0; op < B_COUNT; op++) {
		double ns = time_op(w, op, 1);
		unsigned long n = 1;
		/* Grow the batch until it takes a tenth of a round, then scale. */
		while (ns * (double)n < min_ms * 1e5 && n < (1ul << 30)) {
			n *= 4;
			ns = time_op(w, op, n);
		}
		double want = min_ms * 1e6 / (ns > 0 ? ns : 1);
		iters[op] = want > 1 ? (unsigned long)want + 1 : 1;
	}
	for (unsigned r = 0; r < rounds; r++)
		for (int op = 0; op < B_COUNT; op++)
			samples[op][r] = time_op(w, op, iters[op]);
	for (int op = 0; op < B_COUNT; op++) {
		qsort(samples[op], rounds, sizeof(double), cmp_double);
		w->median_ns[op] = samples[op][rounds / 2];
	}
}

/* ---- the table ---- */

static double
mbps(size_t bytes, double ns)
{
	return ns > 0 ? (double)bytes / ns * 1e3 : 0;
}

static void
print_row(const struct workload *w, const char *opname, enum bench_op ndr_op, enum bench_op xdr_op,
	  bool quick)
{
	double ndr = w->median_ns[ndr_op], xdr = w->median_ns[xdr_op], cpy = w->median_ns[B_MEMCPY];
	double vs_memcpy = ndr > 0 ? cpy / ndr : 0, vs_xdr = ndr > 0 ? xdr / ndr : 0;
	bool met = w->goal_memcpy ? vs_memcpy >= 0.70 : vs_xdr > 1.0;
	printf("%-24s %-9s %10.1f %9.0f %10.1f %9.0f %11.0f %10.2f %8.2f   %s %s\n", w->label,
	       opname, ndr / 1e3, mbps(w->ndr_len, ndr), xdr / 1e3, mbps(w->xdr_len, xdr),
	       mbps(w->ndr_len, cpy), vs_memcpy, vs_xdr,
	       w->goal_memcpy ? "ndr/memcpy >= 0.70:" : "ndr/xdr > 1.00:",
	       quick ? "(not judged)"
	       : met ? "met"
		     : "NOT MET");
}

static void
print_table(struct workload *ws, size_t nw, unsigned rounds, double min_ms, bool quick)
{
	printf("NDR marshalling throughput: median of %u rounds of >= %.0f ms per operation%s\n",
	       rounds, min_ms, quick ? " (--quick: a smoke test, the times mean nothing)" : "");
	for (size_t i = 0; i < nw; i++)
		printf("  %-24s %6d items   NDR %8zu bytes   XDR %8zu bytes\n", ws[i].label,
		       (int)ws[i].n, ws[i].ndr_len, ws[i].xdr_len);
	printf("\n%-24s %-9s %10s %9s %10s %9s %11s %10s %8s   %s\n", "workload", "op", "ndr us",
	       "ndr MB/s", "xdr us", "xdr MB/s", "memcpy MB/s", "ndr/memcpy", "ndr/xdr", "goal");
	for (size_t i = 0; i < nw; i++) {
		print_row(&ws[i], "marshal", B_NDR_MARSHAL, B_XDR_ENCODE, quick);
		print_row(&ws[i], "unmarshal", B_NDR_UNMARSHAL, B_XDR_DECODE, quick);
	}
	printf("\nus: microseconds per call. MB/s: 10^6 bytes of each one's own encoding per "
	       "second;\n"
	       "memcpy copies the NDR bytes. ndr/memcpy and ndr/xdr: speed ratios for the same "
	       "data\n"
	       "(> 1: NDR is faster). XDR's marshal is encode, its unmarshal is decode + "
	       "xdr_free.\n");
}

/* ---- main ---- */

static const char *const op_names[B_COUNT] = { "marshal", "unmarshal", "xdr-encode", "xdr-decode",
					       "memcpy" };

/* --profile W:OP: only that operation, for about ms milliseconds, for a profiler to watch. */
static void
profile(struct workload *w, enum bench_op op, double ms)
{
	uint64_t end = now_ns() + (uint64_t)(ms * 1e6);
	unsigned long calls = 0;
	do {
		for (int i = 0; i < 16; i++)
			if (!run_op(w, op))
				die("%s: a call failed (%s)", w->label, op_names[op]);
		calls += 16;
	} while (now_ns() < end);
	printf("%s %s: %lu calls\n", w->label, op_names[op], calls);
}

static unsigned long
parse_num(const char *opt, const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;
	if (!s || errno || *end || v == 0 || v > max) {
		fprintf(stderr, "ndr_bench: %s needs a number from 1 to %lu\n", opt, max);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	bool quick = false;
	unsigned rounds = 9;
	double min_ms = 20, profile_ms = 3000;
	int profile_w = -1, profile_op = -1;
	for (int i = 1; i < argc; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--quick") == 0) {
			quick = true;
		} else if (strcmp(argv[i], "--rounds") == 0) {
			rounds = (unsigned)parse_num("--rounds", val, MAX_ROUNDS);
			i++;
		} else if (strcmp(argv[i], "--min-ms") == 0) {
			min_ms = profile_ms = (double)parse_num("--min-ms", val, 1000000);
			i++;
		} else if (strcmp(argv[i], "--profile") == 0 && val && val[0] >= 'a' &&
			   val[0] <= 'c' && val[1] == ':') {
			profile_w = val[0] - 'a';
			for (int op = 0; op < B_COUNT; op++)
				if (strcmp(val + 2, op_names[op]) == 0)
					profile_op = op;
			if (profile_op < 0)
				die("--profile: unknown operation '%s'", val + 2);
			i++;
		} else {
			fprintf(stderr,
				"Usage: %s [--quick] [--rounds N] [--min-ms MS] "
				"[--profile "
				"a|b|c:marshal|unmarshal|xdr-encode|xdr-decode|memcpy]\n",
				argv[0]);
			return 2;
		}
	}
	if (quick) {
		rounds = 3;
		min_ms = 0;
	}

	const ridl_interface *itf = ndrbench_v1_0_c_ifspec;
	RPC_STATUS st = rpcrt_ndr_check_interface(itf);
	if (st != RPC_S_OK)
		die("the generated tables are not usable: status %ld", (long)st);

	struct workload ws[3];
	memset(ws, 0, sizeof(ws));
	build_longs(&ws[0], quick ? 256 : 16384);
	build_records(&ws[1], quick ? 100 : 10000);
	build_unions(&ws[2], quick ? 100 : 10000);
	ws[0].proc = itf->procs[OP_LONGARRAY];
	ws[1].proc = itf->procs[OP_RECORDS];
	ws[2].proc = itf->procs[OP_UNIONS];
	for (size_t i = 0; i < 3; i++) {
		prepare(&ws[i]);
		if (profile_w < 0)
			measure(&ws[i], rounds, min_ms);
		else if ((int)i == profile_w)
			profile(&ws[i], profile_op, profile_ms);
	}
	if (profile_w < 0)
		print_table(ws, 3, rounds, min_ms, quick);
	for (size_t i = 0; i < 3; i++)
		workload_free(&ws[i]);
	return 0;
}
