/* libFuzzer target: the whole server (runtime/server.c) fed a byte stream as a peer's socket
 * would feed it: the I/O loop, reassembly, binds, the worker pool, the NDR engine, the managers
 * of tests/ndr/ndrtest.idl (Scalars [async], the rest synchronous) and the replies.
 *
 * Input: chunks, each a 2-byte little-endian length and that many bytes (a last chunk shorter
 * than its length is taken as it is). Each chunk is written to one end of a socketpair whose
 * other end the server serves (rpcrt_server_adopt_fd), and the next is written only once the
 * server has read the chunk and finished what it started (rpcrt_server_settle), reading and
 * dropping what it answers meanwhile: so chunk boundaries are points in time, and a fragment
 * split across chunks arrives in pieces. At the end the fuzzer closes its end and waits until
 * the server has dropped the connection, every call has ended and every request byte counted
 * against max_req_bytes has been given back, so that no state carries over to the next input;
 * a server that does not get there in 10 s is reported as a crash (abort), as is one that
 * stops reading. Seeds: server-corpus/ (gen_server_seeds.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ndrtest.h"
#include "ndrtest_calls.h"
#include "rpc.h"
#include "rpcasync.h"
#include "rpcstub.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How long the server may take to read a chunk, or to finish after the end of the input. */
#define WAIT_MS 10000

/* ==== The managers =========================================================================== */

/* Every value the engine accepts reaches them, so they do no arithmetic that could overflow.
 * Scalars' first argument picks a way to end the [async] call: 1 abort with c (which refuses
 * c = 0; the call is then completed, since a call nobody ends stays pending for ever), 2 raise
 * c, anything else complete with c * 2. Strings raises when its string is "raise". */
static void
a_scalars(PRPC_ASYNC_STATE st, int8_t a, int16_t b, int32_t c, int64_t d, float e, double f,
	  uint8_t g, uint8_t h, uint16_t i, error_status_t j, color16 k, color32 m, uint16_t us,
	  uint64_t uh, int64_t *sum)
{
	(void)b, (void)e, (void)f, (void)g, (void)h, (void)i, (void)j, (void)k, (void)m, (void)us;
	(void)uh;
	*sum = d;
	if (a == 1 && RpcAsyncAbortCall(st, (ULONG)c) == RPC_S_OK)
		return;
	if (a == 2)
		RpcRaiseException(c);
	int32_t ret = (int32_t)((uint32_t)c * 2u);
	RpcAsyncCompleteCall(st, &ret);
}

static void
m_structs(simple *s, nested *n, padded *p, simple *o)
{
	p->c = (char)(p->c + 1);
	o->s = s->s;
	o->l = n->in.l;
	o->h = s->h;
}

static void
m_strings(char *a, uint16_t *w, char fs[16], char *maybe, int32_t *total)
{
	(void)w, (void)fs, (void)maybe;
	if (strcmp(a, "raise") == 0)
		RpcRaiseException(1234);
	*total = (int32_t)strlen(a);
}

static void
m_outpointers(int32_t n, item **created, int32_t *filled)
{
	(void)filled; /* zeroed by the runtime, as large as n says */
	item *it = MIDL_user_allocate(sizeof(*it));
	if (!it)
		RpcRaiseException(RPC_S_OUT_OF_MEMORY);
	it->id = n;
	it->opt = NULL;
	it->name = MIDL_user_allocate(4);
	if (it->name)
		memcpy(it->name, "out", 4);
	*created = it;
	if (!it->name)
		RpcRaiseException(RPC_S_OUT_OF_MEMORY);
}

/* The other managers read what they were given, all of it, so that a frame the engine built
 * wrong (an array shorter than its count, a string without its NUL) shows under ASan. */
static volatile uint32_t sink;

static void
m_conformant(conf *c, confvar *cv, outer_conf *oc)
{
	uint32_t x = 0;
	for (int32_t i = 0; i < c->n; i++)
		x += (uint32_t)c->data[i];
	for (int32_t i = 0; i < cv->len; i++)
		x += (uint32_t)cv->data[i];
	for (int32_t i = 0; i < oc->c.n; i++)
		x += (uint32_t)oc->c.data[i];
	sink = x;
}

static void
m_arrays(int32_t n, int32_t *ca, int32_t first, int32_t len, int32_t va[10], int32_t *cva,
	 fixarr *fa, int16_t *mx, simple *sa)
{
	uint32_t x = (uint32_t)fa->a[2] + (uint32_t)fa->b[1][1];
	for (int32_t i = 0; i < n; i++)
		x += (uint32_t)ca[i] + (uint32_t)sa[i].l;
	for (int32_t i = 0; i < len; i++)
		x += (uint32_t)va[first + i] + (uint32_t)cva[i];
	for (int32_t i = 0; i <= n; i++)
		x += (uint32_t)mx[i];
	sink = x;
}

static void
m_pointers(int32_t *u1, int32_t *u2, int32_t *p1, int32_t *p2, node *list, item *it)
{
	uint32_t x = 0;
	int32_t *ps[] = { u1, u2, p1, p2 };
	for (int i = 0; i < 4; i++)
		if (ps[i])
			x += (uint32_t)*ps[i];
	for (node *l = list; l; l = l->next)
		x += (uint32_t)l->value;
	if (it->name)
		x += (uint32_t)strlen(it->name);
	if (it->opt)
		x += (uint32_t)*it->opt;
	sink = x;
}

static void
m_unions(int32_t k, numu *u, encu *e, holder *h)
{
	(void)u, (void)h;
	uint32_t x = (uint32_t)k;
	if (e->kind == 2 && e->u.w)
		for (const uint16_t *w = e->u.w; *w; w++)
			x += *w;
	sink = x;
}

static void
m_ranges(int32_t r, int32_t n, uint8_t *data, char *s)
{
	uint32_t x = (uint32_t)r + (uint32_t)strlen(s);
	for (int32_t i = 0; i < n; i++)
		x += data[i];
	sink = x;
}

static void
m_items(int32_t n, item *items)
{
	uint32_t x = 0;
	for (int32_t i = 0; i < n; i++) {
		if (items[i].name)
			x += (uint32_t)strlen(items[i].name);
		if (items[i].opt)
			x += (uint32_t)*items[i].opt;
	}
	sink = x;
}

static void
m_correxpr(int32_t n, int16_t *a, int32_t *pn, int32_t *b)
{
	uint32_t x = 0;
	for (int64_t i = 0; i < (int64_t)n * 2 + 1; i++)
		x += (uint32_t)a[i];
	for (int32_t i = 0; i < *pn; i++)
		x += (uint32_t)b[i];
	sink = x;
}

static void (*const epv[OP_COUNT])(void) = {
	[OP_SCALARS] = (void (*)(void))a_scalars,
	[OP_STRUCTS] = (void (*)(void))m_structs,
	[OP_CONFORMANT] = (void (*)(void))m_conformant,
	[OP_ARRAYS] = (void (*)(void))m_arrays,
	[OP_STRINGS] = (void (*)(void))m_strings,
	[OP_POINTERS] = (void (*)(void))m_pointers,
	[OP_OUTPOINTERS] = (void (*)(void))m_outpointers,
	[OP_UNIONS] = (void (*)(void))m_unions,
	[OP_RANGES] = (void (*)(void))m_ranges,
	[OP_ITEMS] = (void (*)(void))m_items,
	[OP_CORREXPR] = (void (*)(void))m_correxpr,
	/* Extra has no manager: its calls get nca_s_op_rng_error. */
};

static ridl_proc procs[OP_COUNT];
static const ridl_proc *procp[OP_COUNT];
static ridl_interface itf;

/* The server, once per process: ndrtest (Scalars [async]) on no endpoint at all, served
 * because it is auto-listen; small limits, so that fuzzing reaches them. */
static void
start_server(void)
{
	const ridl_interface *c = ndrtest_v1_0_c_ifspec;
	itf = *c;
	for (unsigned i = 0; i < OP_COUNT; i++) {
		procs[i] = *c->procs[i];
		if (i == OP_SCALARS)
			procs[i].flags |= RIDL_PROC_ASYNC;
		procp[i] = &procs[i];
	}
	itf.procs = procp;
	rpcrt_server_limits lim = rpcrt_server_default_limits;
	lim.max_conn_calls = 8;
	lim.max_req_bytes = 1u << 20;
	lim.out_pause = 64u << 10;
	lim.out_max = 32u << 20;
	lim.linger_ms = 500;
	if (rpcrt_server_set_limits(&lim) != RPC_S_OK ||
	    RpcServerRegisterIf2(&itf, NULL, (RPC_MGR_EPV *)epv, RPC_IF_AUTOLISTEN, 8, 256u << 10,
				 NULL) != RPC_S_OK)
		abort();
}

/* ==== Driving it ============================================================================= */

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads and drops what the server has sent; false once it has closed its end. */
static bool
drain(int fd)
{
	static uint8_t junk[65536];
	for (;;) {
		ssize_t n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

/* Writes a chunk, draining the server's answers while the socket is full. False when the
 * server has closed the connection. */
static bool
write_chunk(int fd, const uint8_t *p, size_t len)
{
	uint64_t end = mono_ms() + WAIT_MS;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (!drain(fd))
			return false;
		if (mono_ms() > end)
			abort(); /* the server stopped reading */
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		poll(&pfd, 1, 1);
	}
	return true;
}

/* Waits until the server has read everything written (an AF_UNIX socket's SIOCOUTQ counts
 * what the peer has not read yet) and handled it, draining its answers. */
static void
wait_read(int fd)
{
	uint64_t end = mono_ms() + WAIT_MS;
	for (;;) {
		bool open = drain(fd);
		int queued = 0;
		if (!open || ioctl(fd, SIOCOUTQ, &queued) != 0 || queued == 0)
			break;
		if (mono_ms() > end)
			abort(); /* the server stopped reading */
		sched_yield();
	}
	if (rpcrt_server_settle(false, WAIT_MS) != RPC_S_OK)
		abort(); /* a call that does not end */
	drain(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	if (!started) {
		start_server();
		started = true;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	if (rpcrt_server_adopt_fd(sv[1]) != RPC_S_OK)
		abort();
	size_t off = 0;
	while (off < size) {
		size_t len = size - off >= 2 ? (size_t)(data[off] | data[off + 1] << 8) : 0;
		off += size - off >= 2 ? 2 : size - off;
		if (len > size - off)
			len = size - off;
		if (len == 0)
			continue;
		bool open = write_chunk(sv[0], data + off, len);
		off += len;
		if (!open)
			break;
		wait_read(sv[0]);
	}
	close(sv[0]);
	rpcrt_server_stats st;
	if (rpcrt_server_settle(true, WAIT_MS) != RPC_S_OK)
		abort(); /* the server kept the connection, or a call, after the peer left */
	rpcrt_server_get_stats(&st);
	if (st.req_bytes != 0)
		abort(); /* request bytes counted and never given back */
	return 0;
}
