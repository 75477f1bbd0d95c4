/* malformed_server: the server that the malformed-input suite (run-malformed.py) attacks with
 * raw PDUs, written the way Microsoft's RPC samples are.
 *
 *   malformed_server NCALRPC_NAME MAX_CALLS
 *
 * It listens on a dynamic ncacn_ip_tcp port and on the ncalrpc endpoint NCALRPC_NAME, serves
 * the four interfaces of malformed.idl, and prints one line once it accepts calls:
 *
 *   listening PORT
 *
 * The registrations are what the cases need:
 * - malformed: RpcServerRegisterIf2 with MaxRpcSize 4 MiB (the default of [MS-RPCE] 3.3.3.5.4,
 *   given explicitly) and a security callback, admitted without authentication
 *   (RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH). The runtime runs it for every call (rpcdce.h has
 *   no RPC_IF_SEC_NO_CACHE: nothing is cached). It refuses the calls that Arm(n) marks: the n
 *   calls after Arm's.
 * - malsmall: MaxRpcSize 8192 (T38).
 * - mallong: MaxRpcSize 16 MiB (T10: a list of a million nodes).
 * - malnoauth: a security callback without RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH, so that no call
 *   (all are unauthenticated) ever reaches it (T40).
 * RpcServerListen's MaxCalls is MAX_CALLS (T39).
 *
 * Every manager except Stats, Shutdown and Arm counts its entries; Stats reports them with the
 * callback's runs, the Slow managers running now and the most that ran at once. Shutdown stops
 * listening; the program then waits for the calls in progress, and exits 0. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "malformed.h"

#define MAIN_MAX_RPC_SIZE  0x400000u
#define SMALL_MAX_RPC_SIZE 8192u
#define LONG_MAX_RPC_SIZE  0x1000000u

static atomic_int entered;   /* manager entries, control procedures excepted */
static atomic_int callbacks; /* runs of either security callback */
static atomic_int armed;     /* calls the callback still refuses */
static atomic_int running;   /* Slow managers running now */
static atomic_int max_running;

static void
enter(void)
{
	atomic_fetch_add(&entered, 1);
}

static RPC_STATUS RPC_ENTRY
marked_callback(RPC_IF_HANDLE itf, void *ctx)
{
	(void)itf;
	(void)ctx;
	atomic_fetch_add(&callbacks, 1);
	int n = atomic_load(&armed);
	while (n > 0) {
		if (atomic_compare_exchange_weak(&armed, &n, n - 1))
			return RPC_S_ACCESS_DENIED;
	}
	return RPC_S_OK;
}

/* ---- malformed ---- */

void
s_Stats(int32_t *e, int32_t *cb, int32_t *run, int32_t *maxr)
{
	*e = atomic_load(&entered);
	*cb = atomic_load(&callbacks);
	*run = atomic_load(&running);
	*maxr = atomic_load(&max_running);
}

void
s_Shutdown(void)
{
	RpcMgmtStopServerListening(NULL);
}

void
s_Arm(int32_t n)
{
	atomic_store(&armed, n);
}

int32_t
s_Echo(int32_t v)
{
	enter();
	return v;
}

int32_t
s_Conf(int32_t n, int32_t *data)
{
	enter();
	uint32_t sum = 0;
	for (int32_t i = 0; i < n; i++)
		sum += (uint32_t)data[i];
	return (int32_t)sum;
}

/* The elements transmitted are va[first] .. va[first + len - 1]. */
int32_t
s_Varying(int32_t first, int32_t len, int32_t va[10])
{
	enter();
	uint32_t sum = 0;
	for (int32_t i = first; i < first + len; i++)
		sum += (uint32_t)va[i];
	return (int32_t)sum;
}

int32_t
s_ConfVar(int32_t n, int32_t len, int32_t *cva)
{
	enter();
	(void)n;
	uint32_t sum = 0;
	for (int32_t i = 0; i < len; i++)
		sum += (uint32_t)cva[i];
	return (int32_t)sum;
}

int32_t
s_Str(char *a, uint16_t *w)
{
	enter();
	int32_t nw = 0;
	while (w[nw])
		nw++;
	return (int32_t)strlen(a) * 1000 + nw;
}

int32_t
s_Union(int32_t k, numu *u, encu *e)
{
	enter();
	int32_t v;
	switch (k) {
	case 1:
		v = u->l;
		break;
	case 2:
		v = (int32_t)u->h;
		break;
	case 3:
		v = u->s;
		break;
	default:
		v = 0;
		break;
	}
	return v * 10 + (e->kind == 1 ? e->u.l : e->u.s) * 100000 + e->kind;
}

int32_t
s_Ptrs(int32_t *u, refholder *rh, int32_t n, int32_t *opt)
{
	enter();
	uint32_t sum = (u ? (uint32_t)*u : 0) + (uint32_t)rh->tag + (uint32_t)*rh->r;
	if (opt) {
		sum += 1000000;
		for (int32_t i = 0; i < n; i++)
			sum += (uint32_t)opt[i];
	}
	return (int32_t)sum;
}

/* The distinct nodes of the chain, until NULL or a node seen already (at most 64). */
int32_t
s_Ring(fnode *ring)
{
	enter();
	fnode *seen[64];
	int32_t n = 0;
	for (fnode *f = ring; f && n < 64; f = f->next) {
		for (int32_t i = 0; i < n; i++)
			if (seen[i] == f)
				return n * 1000 + f->v;
		seen[n++] = f;
	}
	return n * 1000;
}

int32_t
s_Ranges(int32_t r, int32_t n, uint8_t *data, char *s)
{
	enter();
	int32_t sum = r * 10000 + n * 100 + (int32_t)strlen(s);
	for (int32_t i = 0; i < n; i++)
		sum += data[i] * 1000000;
	return sum;
}

int32_t
s_DeepOk(e30 *d)
{
	enter();
	e0 *in = &d->x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x;
	return in->v + (in->p ? *in->p : 0);
}

int32_t
s_DeepOver(e100 *d)
{
	enter();
	(void)d;
	return 0;
}

int32_t
s_Align(int8_t a, int64_t h, int16_t s, int32_t l)
{
	enter();
	return (int32_t)(a + h + s + l);
}

int32_t
s_Big(int32_t n, uint8_t *data)
{
	enter();
	uint32_t sum = (uint32_t)n;
	for (int32_t i = 0; i < n; i++)
		sum += data[i];
	return (int32_t)sum;
}

int32_t
s_Slow(int32_t ms)
{
	enter();
	int now = atomic_fetch_add(&running, 1) + 1;
	int max = atomic_load(&max_running);
	while (now > max && !atomic_compare_exchange_weak(&max_running, &max, now))
		;
	if (ms < 0 || ms > 10000)
		ms = 0;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	atomic_fetch_sub(&running, 1);
	return ms;
}

void
s_Raise(uint32_t code)
{
	enter();
	RpcRaiseException((RPC_STATUS)code);
}

int32_t
s_Enum16(color16 c)
{
	enter();
	return (int32_t)c;
}

void
s_Fill(int32_t n, int32_t *buf)
{
	enter();
	for (int32_t i = 0; i < n; i++)
		buf[i] = i + 1;
}

void
s_FillVar(int32_t n, int32_t *len, int32_t *buf)
{
	enter();
	*len = n / 2;
	for (int32_t i = 0; i < *len; i++)
		buf[i] = i + 1;
}

void
s_FillStr(int32_t n, char *s)
{
	enter();
	if (n > 0) {
		snprintf(s, (size_t)n, "%s", "malformed");
	}
}

/* ---- the other interfaces ---- */

int32_t
s_Sink(int32_t n, uint8_t *data)
{
	enter();
	(void)data;
	return n;
}

int32_t
s_List(node *list)
{
	enter();
	int32_t n = 0;
	for (node *p = list; p; p = p->next)
		n++;
	return n;
}

int32_t
s_Guarded(int32_t v)
{
	enter();
	return v;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s NCALRPC_NAME MAX_CALLS\n", argv[0]);
		return 2;
	}
	unsigned max_calls = (unsigned)strtoul(argv[2], NULL, 10);
	RPC_STATUS st = RpcServerUseProtseq((RPC_CSTR) "ncacn_ip_tcp",
					    RPC_C_PROTSEQ_MAX_REQS_DEFAULT, NULL);
	if (st == RPC_S_OK)
		st = RpcServerUseProtseqEp((RPC_CSTR) "ncalrpc", RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
					   (RPC_CSTR)argv[1], NULL);
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(
			malformed_v1_0_s_ifspec, NULL, NULL, RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH,
			RPC_C_LISTEN_MAX_CALLS_DEFAULT, MAIN_MAX_RPC_SIZE, marked_callback);
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(malsmall_v1_0_s_ifspec, NULL, NULL, 0,
					  RPC_C_LISTEN_MAX_CALLS_DEFAULT, SMALL_MAX_RPC_SIZE, NULL);
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(mallong_v1_0_s_ifspec, NULL, NULL, 0,
					  RPC_C_LISTEN_MAX_CALLS_DEFAULT, LONG_MAX_RPC_SIZE, NULL);
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(malnoauth_v1_0_s_ifspec, NULL, NULL, 0,
					  RPC_C_LISTEN_MAX_CALLS_DEFAULT, MAIN_MAX_RPC_SIZE,
					  marked_callback);
	/* The TCP port is the endpoint of the ncacn_ip_tcp binding. */
	char port[16] = "";
	RPC_BINDING_VECTOR *v = NULL;
	if (st == RPC_S_OK)
		st = RpcServerInqBindings(&v);
	for (ULONG i = 0; st == RPC_S_OK && i < v->Count; i++) {
		RPC_CSTR s, protseq, endpoint;
		if (RpcBindingToStringBinding(v->BindingH[i], &s) != RPC_S_OK)
			continue;
		if (RpcStringBindingParse(s, NULL, &protseq, NULL, &endpoint, NULL) == RPC_S_OK) {
			if (strcmp((char *)protseq, "ncacn_ip_tcp") == 0)
				snprintf(port, sizeof(port), "%s", (char *)endpoint);
			RpcStringFree(&protseq);
			RpcStringFree(&endpoint);
		}
		RpcStringFree(&s);
	}
	if (v)
		RpcBindingVectorFree(&v);
	if (st == RPC_S_OK && !port[0])
		st = RPC_S_NO_BINDINGS;
	if (st == RPC_S_OK)
		st = RpcServerListen(1, max_calls, TRUE);
	if (st != RPC_S_OK) {
		fprintf(stderr, "malformed_server: error %d\n", (int)st);
		return 1;
	}
	printf("listening %s\n", port);
	fflush(stdout);
	st = RpcMgmtWaitServerListen();
	RpcServerUnregisterIf(NULL, NULL, TRUE);
	return st == RPC_S_OK ? 0 : 1;
}
