/* One program holding the client and the server stubs of the same interfaces: ndrtest (from
 * tests/ndr) and the calc sample (an [async] procedure, an implicit handle), each generated with
 * --server-prefix s_, so the client stubs are Scalars, Add ... and the server's manager
 * routines s_Scalars, s_Add ... (dummies here). run-golden.sh builds and runs it.
 *
 * The runtime's stub entry points are replaced by recorders: they note the interface, the
 * opnum, the argument count (from the procedure's table) and a copy of each argument as the
 * stub passed it, then answer like a server would. The checks: each generated client function
 * calls with its own opnum and the address of every parameter in order, and returns what the
 * runtime left in its return value; the server tables' manager EPV holds the s_ routines in
 * opnum order, laid out as the header's NAME_SERVER_EPV. */
#include <stdio.h>
#include <string.h>

#include <rpcstub.h>

#include "calc.h"
#include "ndrtest.h"

#define MAX_ARGS 16

/* What the last call handed to the runtime. */
static struct {
	unsigned calls;
	const ridl_interface *itf;
	uint32_t opnum;
	unsigned nargs;
	void **args;
	unsigned char val[MAX_ARGS][16]; /* each argument's bytes, as long as its C type */
	void *ret;
	PRPC_ASYNC_STATE async;
	int32_t reply_ret; /* what the "server" returns for an int32_t procedure */
} rec;

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);                    \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void
record(const ridl_interface *itf, uint32_t opnum, void **args)
{
	rec.calls++;
	rec.itf = itf;
	rec.opnum = opnum;
	rec.args = args;
	const ridl_proc *p = opnum < itf->nprocs ? itf->procs[opnum] : NULL;
	rec.nargs = p ? p->nparams : 0;
	memset(rec.val, 0, sizeof(rec.val));
	for (unsigned i = 0; i < rec.nargs && i < MAX_ARGS; i++) {
		size_t n = p->params[i].type->mem_size;
		memcpy(rec.val[i], args[i], n < sizeof(rec.val[i]) ? n : sizeof(rec.val[i]));
	}
}

void RPC_ENTRY
ridl_client_call(const ridl_interface *itf, uint32_t opnum, void **args, void *ret)
{
	record(itf, opnum, args);
	rec.ret = ret;
	rec.async = NULL;
	/* The reply: an int32_t return value, and Scalars' [out] hyper *sum. */
	const ridl_proc *p = itf->procs[opnum];
	if (ret && p->ret && p->ret->kind == RIDL_K_INT32)
		*(int32_t *)ret = rec.reply_ret;
	if (itf == (const void *)ndrtest_v1_0_c_ifspec && opnum == 0)
		**(int64_t **)args[14] = 1234567890123;
}

void RPC_ENTRY
ridl_client_call_async(const ridl_interface *itf, uint32_t opnum, PRPC_ASYNC_STATE pAsync,
		       void **args)
{
	record(itf, opnum, args);
	rec.ret = NULL;
	rec.async = pAsync;
}

/* The server's manager routines: only their addresses matter. */
int32_t
s_Scalars(int8_t a, int16_t b, int32_t c, int64_t d, float e, double f, uint8_t g, uint8_t h,
	  uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us, uint64_t uh,
	  int64_t *sum)
{
	return 0;
}

void
s_Structs(simple *s, nested *n, padded *p, simple *o)
{
}

void
s_Conformant(conf *c, confvar *cv, outer_conf *oc)
{
}

void
s_Arrays(int32_t n, int32_t *ca, int32_t first, int32_t len, int32_t va[10], int32_t *cva,
	 fixarr *fa, int16_t *mx, simple *sa)
{
}

void
s_Strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
}

void
s_Pointers(int32_t *u1, int32_t *u2, int32_t *p1, int32_t *p2, node *list, item *it)
{
}

void
s_OutPointers(int32_t n, item **created, int32_t *filled)
{
}

void
s_Unions(int32_t k, numu *u, encu *e, holder *h)
{
}

void
s_Ranges(int32_t r, int32_t n, uint8_t *data, char *s)
{
}

void
s_Items(int32_t n, item *items)
{
}

void
s_CorrExpr(int32_t n, int16_t *a, int32_t *pn, int32_t *b)
{
}

void
s_Extra(int32_t n, int32_t *opt, refholder *rh, fnode *ring)
{
}

int32_t
s_Add(int32_t a, int32_t b)
{
	return a + b;
}

void
s_Divide(PRPC_ASYNC_STATE Divide_AsyncHandle, int32_t a, int32_t b, int32_t *quotient,
	 int32_t *remainder)
{
}

int64_t
s_Sum(int32_t n, const int32_t *values)
{
	return 0;
}

void
s_Evaluate(calc_op op, double a, double b, calc_result *result)
{
}

void
s_Shutdown(void)
{
}

#define ARG(i, type) (*(type *)rec.val[i])

static void
client_ndrtest(void)
{
	const ridl_interface *itf = (const void *)ndrtest_v1_0_c_ifspec;
	int64_t sum = 0;
	rec.reply_ret = -77;
	int32_t r = Scalars(-5, -300, 70000, -5000000000, 1.5f, -2.25, 1, 0xfe, 0x20ac, 0xdeadbeef,
			    GREEN, BIG, 65535, 18446744073709551615u, &sum);
	CHECK(rec.calls == 1);
	CHECK(rec.itf == itf);
	CHECK(rec.opnum == 0);
	CHECK(rec.nargs == 15);
	CHECK(ARG(0, int8_t) == -5);
	CHECK(ARG(1, int16_t) == -300);
	CHECK(ARG(2, int32_t) == 70000);
	CHECK(ARG(3, int64_t) == -5000000000);
	CHECK(ARG(4, float) == 1.5f);
	CHECK(ARG(5, double) == -2.25);
	CHECK(ARG(6, uint8_t) == 1);
	CHECK(ARG(7, uint8_t) == 0xfe);
	CHECK(ARG(8, uint16_t) == 0x20ac);
	CHECK(ARG(9, error_status_t) == 0xdeadbeef);
	CHECK(ARG(10, color16) == GREEN);
	CHECK(ARG(11, color32) == BIG);
	CHECK(ARG(12, uint16_t) == 65535);
	CHECK(ARG(13, uint64_t) == 18446744073709551615u);
	CHECK(ARG(14, int64_t *) == &sum);
	CHECK(rec.ret != NULL);
	CHECK(r == -77);
	CHECK(sum == 1234567890123);

	/* An array parameter is passed as the pointer C makes of it. */
	char a[] = "abc", fs[16] = "fixed", maybe[] = "m";
	uint16_t w[] = { 'w', 0 };
	int32_t total = 0;
	Strings(a, w, fs, maybe, &total);
	CHECK(rec.calls == 2);
	CHECK(rec.opnum == 4);
	CHECK(rec.nargs == 5);
	CHECK(ARG(0, char *) == a);
	CHECK(ARG(1, uint16_t *) == w);
	CHECK(ARG(2, char *) == fs);
	CHECK(ARG(3, char *) == maybe);
	CHECK(ARG(4, int32_t *) == &total);
	CHECK(rec.ret == NULL);
}

static void
client_calc(void)
{
	const ridl_interface *itf = (const void *)calc_v1_0_c_ifspec;
	CHECK(itf->implicit_handle == &calc_binding);
	rec.reply_ret = 5;
	CHECK(Add(2, 3) == 5);
	CHECK(rec.itf == itf);
	CHECK(rec.opnum == 0);
	CHECK(rec.nargs == 2);
	CHECK(ARG(0, int32_t) == 2 && ARG(1, int32_t) == 3);

	/* [async] in calc.acf: the stub starts the call and returns. */
	RPC_ASYNC_STATE async;
	int32_t q = 0, rem = 0;
	Divide(&async, 7, 2, &q, &rem);
	CHECK(rec.opnum == 1);
	CHECK(rec.async == &async);
	CHECK(rec.nargs == 4);
	CHECK(ARG(0, int32_t) == 7 && ARG(1, int32_t) == 2);
	CHECK(ARG(2, int32_t *) == &q && ARG(3, int32_t *) == &rem);

	/* No parameters: a one-element array the runtime does not read. */
	unsigned calls = rec.calls;
	Shutdown();
	CHECK(rec.calls == calls + 1);
	CHECK(rec.opnum == 4);
	CHECK(rec.nargs == 0);
	CHECK(rec.args != NULL);
	CHECK(rec.ret == NULL);
}

/* The server table's EPV: the s_ routines in opnum order, laid out as NAME_SERVER_EPV. */
#define CHECK_EPV(itf, epv, n)                                                                     \
	do {                                                                                       \
		CHECK((itf)->manager_epv != NULL);                                                 \
		CHECK((itf)->nprocs == (n));                                                       \
		CHECK(sizeof(epv) == (n) * sizeof(void (*)(void)));                                \
		void (*slots[n])(void);                                                            \
		memcpy(slots, &(epv), sizeof(slots));                                              \
		for (unsigned i = 0; (itf)->manager_epv && i < (n); i++)                           \
			CHECK((itf)->manager_epv[i] == slots[i]);                                  \
	} while (0)

static void
server(void)
{
	const ridl_interface *nc = (const void *)ndrtest_v1_0_c_ifspec;
	const ridl_interface *ns = (const void *)ndrtest_v1_0_s_ifspec;
	const ridl_interface *cc = (const void *)calc_v1_0_c_ifspec;
	const ridl_interface *cs = (const void *)calc_v1_0_s_ifspec;
	CHECK(nc->manager_epv == NULL);
	CHECK(cc->manager_epv == NULL);
	CHECK(ns->manager_epv && ns->manager_epv[0] == (void (*)(void))s_Scalars);
	CHECK(ns->manager_epv && ns->manager_epv[0] != (void (*)(void))Scalars);
	CHECK(cs->manager_epv && cs->manager_epv[1] == (void (*)(void))s_Divide);

	ndrtest_SERVER_EPV nepv = {
		s_Scalars,     s_Structs, s_Conformant, s_Arrays, s_Strings,  s_Pointers,
		s_OutPointers, s_Unions,  s_Ranges,     s_Items,  s_CorrExpr, s_Extra,
	};
	CHECK_EPV(ns, nepv, 12);
	calc_SERVER_EPV cepv = { s_Add, s_Divide, s_Sum, s_Evaluate, s_Shutdown };
	CHECK_EPV(cs, cepv, 5);
}

int
main(void)
{
	client_ndrtest();
	client_calc();
	server();
	if (failures)
		printf("%d check(s) failed\n", failures);
	return failures != 0;
}
