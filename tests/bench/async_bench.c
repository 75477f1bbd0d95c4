/* Asynchronous-call throughput: calls per second with 1, 16 and 256 calls outstanding on one
 * binding (one connection) through librpcrt's [async] client (the stubs ridl generates for
 * asyncbench.idl with asyncbench.acf) against a ridl server with synchronous managers, side by
 * side in one run with
 *
 *   - a raw pipelined exchange: one connection on which the client keeps as many requests in
 *     flight, each the size of ridl's request PDU, and a server that answers each with a reply
 *     the size of ridl's response PDU (the sizes are printed; --quick checks them on the wire),
 *     reading and writing as many at once as the socket holds: what the transport can do;
 *   - ONC RPC (libtirpc, rpcgen's XDR routines for asyncbench_onc.x), which has no
 *     asynchronous calls: one synchronous client, and connection, per thread, with 1, 16, 64
 *     and 256 threads by default (--onc-threads); its best rate is the one to beat;
 *
 * for two calls, over TCP on 127.0.0.1 and over Unix sockets (ncalrpc for ridl):
 *
 *   small   one long in, one long out
 *   4 KiB   4096 bytes in ([in, size_is(n)] byte array), one long out
 *
 * Every reply is checked. Each server runs in a process of its own, forked by this one and
 * pinned to CPU S; the clients (this process and every thread it starts, the runtime's client
 * I/O thread among them) run on CPU C (--cpus S,C; default the first two CPUs this process may
 * use): what taskset -c does, with sched_setaffinity. Each measurement is a fresh client, a
 * warm-up (which connects and binds), and a run of at least --min-ms milliseconds and
 * --min-calls calls; it is repeated --reps times, interleaved with the others, and the table
 * shows the median rate with the spread of the repetitions. It ends with the goals, PASS or
 * MISS, which are information: the exit status only says whether every reply was right.
 *
 * Usage: async_bench [--quick] [--verbose] [--reps N] [--min-ms MS] [--min-calls N]
 *                    [--depths D,D,...] [--onc-threads T,T,...] [--cpus S,C]
 *                    [--server-conn-calls N] [--server-max-calls N]
 *                    [--profile IMPL:TRANSPORT:PAYLOAD:N [--seconds N]]
 *   --quick        a few hundred calls per cell, every reply checked, one connection per
 *                  binding and the PDU sizes checked on the wire: a test for CI, no verdicts.
 *   --verbose      every measurement on stderr as it is made.
 *   --server-conn-calls  the ridl server's limit of calls outstanding per connection (default:
 *                  librpcrt's, 4096; a limit below the calls outstanding fails the calls
 *                  beyond it with RPC_S_SERVER_TOO_BUSY).
 *   --server-max-calls  RpcServerListen's MaxCalls for the ridl server: how many manager
 *                  routines run at once, each on a worker thread of its own (default 1234,
 *                  RPC_C_LISTEN_MAX_CALLS_DEFAULT, so one thread per outstanding call).
 *   --profile      only that cell (IMPL raw, rawmsg, ridl or onc; TRANSPORT tcp or unix;
 *                  PAYLOAD small or 4k; N calls outstanding, or ONC threads) for --seconds
 *                  (default 10), printing the process ids first: for perf record -p,
 *                  strace -c -f -p ...
 * tests/bench/async builds this and runs it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "async_bench.h"

/* The clients. Both raw ones talk to the one raw server. */
enum { I_RAW, I_RAWMSG, I_RIDL, I_ONC, I_COUNT };
#define MAX_REPS BENCH_MAX_REPS
#define MAX_LEVELS 8
#define MAX_DEPTH 4096

static const char *const impl_names[I_COUNT] = { "raw", "rawmsg", "ridl", "onc" };
static const char *const transport_names[AB_NTRANSPORTS] = { "tcp", "unix" };
static const char *const payload_names[AB_NPAYLOADS] = { "small", "4k" };
static const char *const payload_titles[AB_NPAYLOADS] = { "small", "4 KiB" };

/* The sizes of ridl's request and response PDUs, which the raw exchange copies. */
static size_t pdu_req[AB_NPAYLOADS], pdu_resp[AB_NPAYLOADS];

const char bench_name[] = "async_bench";

/* ---- the raw pipelined exchange ---- */

/* The raw protocol: the client sends its request and response lengths and the payload kind
 * (three 32-bit numbers) once after connecting, then requests of that length, as many at once
 * as it keeps outstanding, and the server answers each, in order, with a response of that
 * length. The answer is in the response's first four bytes: the small call's v + 1, where v is
 * the request's first four bytes, or the fingerprint of the request's first AB_BLOCK_BYTES, as
 * the other servers compute them.
 *
 * Two ways to move the bytes: "raw" batches, as a pipelined exchange does: the client writes
 * every request it may start in one send, the server answers every request one read brought
 * with one send. "rawmsg" (RAW_PER_MESSAGE in the kind) makes one send per message on both
 * sides, as an RPC runtime that writes each PDU when it is ready does; both still read as much
 * as there is. */
#define RAW_PER_MESSAGE 0x100u

/* Reads what has arrived, answers every whole request in it with one send. */
static void
raw_serve_conn(int fd)
{
	uint32_t setup[3];
	if (!bench_recv_all(fd, (uint8_t *)setup, sizeof(setup)))
		return;
	bool per_msg = setup[2] & RAW_PER_MESSAGE;
	uint32_t kind = setup[2] & ~RAW_PER_MESSAGE;
	if (setup[0] < 4 || setup[1] < 4 || setup[0] > (1u << 20) || setup[1] > (1u << 20) ||
	    kind >= AB_NPAYLOADS || (kind == AB_BLOCK && setup[0] < AB_BLOCK_BYTES))
		return;
	size_t req = setup[0], resp = setup[1];
	size_t in_cap = 256u << 10;
	if (in_cap < 2 * req)
		in_cap = 2 * req;
	size_t out_cap = (in_cap / req + 1) * resp;
	uint8_t *in = malloc(in_cap), *out = calloc(1, out_cap);
	size_t in_len = 0;
	while (in && out) {
		ssize_t n = recv(fd, in + in_len, in_cap - in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		in_len += (size_t)n;
		size_t off = 0, out_len = 0;
		bool ok = true;
		for (; ok && in_len - off >= req; off += req) {
			int32_t r;
			if (kind == AB_SMALL) {
				memcpy(&r, in + off, 4);
				r = ab_inc(r);
			} else {
				r = ab_fingerprint(in + off, AB_BLOCK_BYTES);
			}
			memcpy(out + out_len, &r, 4);
			if (per_msg)
				ok = bench_send_all(fd, out, resp);
			else
				out_len += resp;
		}
		memmove(in, in + off, in_len - off);
		in_len -= off;
		if (!ok || (out_len && !bench_send_all(fd, out, out_len)))
			break;
	}
	free(in);
	free(out);
}

/* Owner: the driver, between raw_open() and raw_close(). */
struct raw_client {
	int fd;
	bool per_msg;    /* one send per request (rawmsg) */
	enum ab_payload payload;
	uint32_t depth;
	size_t req, resp;
	uint32_t next_seq;
	int32_t *want;  /* by call number modulo depth: the replies come in order */
	uint8_t *blocks; /* AB_BLOCK: one per slot, as the ridl client has */
	uint8_t *out;    /* requests not yet sent: out[out_off .. out_len) */
	size_t out_off, out_len;
	size_t msg_left; /* per_msg: what is left to send of the request at out_off; 0: none */
	uint8_t *in;
	size_t in_len, in_cap;
};

static void
raw_close(void *client)
{
	struct raw_client *c = client;
	if (c->fd >= 0)
		close(c->fd);
	free(c->want);
	free(c->blocks);
	free(c->out);
	free(c->in);
	free(c);
}

static void *
raw_connect(enum ab_transport t, const struct bench_addr *a, enum ab_payload p, uint32_t depth,
	    bool per_msg)
{
	struct raw_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = -1;
	c->per_msg = per_msg;
	c->payload = p;
	c->depth = depth;
	c->req = pdu_req[p];
	c->resp = pdu_resp[p];
	c->next_seq = 1;
	c->in_cap = (size_t)depth * c->resp + (64u << 10);
	c->want = calloc(depth, sizeof(*c->want));
	c->out = calloc(depth, c->req);
	c->in = malloc(c->in_cap);
	if (p == AB_BLOCK && (c->blocks = malloc((size_t)depth * AB_BLOCK_BYTES)))
		for (uint32_t i = 0; i < depth; i++)
			ab_block_init(c->blocks + (size_t)i * AB_BLOCK_BYTES, i);
	c->fd = bench_connect(t == AB_TCP, a);
	uint32_t setup[3] = { (uint32_t)c->req, (uint32_t)c->resp,
			      (uint32_t)p | (per_msg ? RAW_PER_MESSAGE : 0) };
	if (c->fd < 0 || !c->want || !c->out || !c->in || (p == AB_BLOCK && !c->blocks) ||
	    !bench_send_all(c->fd, (uint8_t *)setup, sizeof(setup))) {
		fprintf(stderr, "async_bench: raw %s client: %s\n", transport_names[t],
			strerror(errno));
		raw_close(c);
		return NULL;
	}
	return c;
}

static void *
raw_open(enum ab_transport t, const struct bench_addr *a, enum ab_payload p, uint32_t depth)
{
	return raw_connect(t, a, p, depth, false);
}

static void *
rawmsg_open(enum ab_transport t, const struct bench_addr *a, enum ab_payload p, uint32_t depth)
{
	return raw_connect(t, a, p, depth, true);
}

/* Sends what the socket takes of the queued requests, one send per request when per_msg.
 * false: the connection broke. */
static bool
raw_send(struct raw_client *c)
{
	while (c->out_off < c->out_len) {
		size_t len = c->out_len - c->out_off;
		if (c->per_msg)
			len = c->msg_left ? c->msg_left : c->req;
		ssize_t n = send(c->fd, c->out + c->out_off, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->out_off += (size_t)n;
		c->msg_left = len - (size_t)n;
		if (!c->per_msg && c->msg_left)
			return true; /* the socket is full */
	}
	return true;
}

/* Appends call number k's request to the output: its payload is copied in, as a marshaller
 * would copy it. */
static void
raw_queue(struct raw_client *c, uint64_t k)
{
	uint32_t slot = (uint32_t)(k % c->depth), seq = c->next_seq++;
	uint8_t *p = c->out + c->out_len;
	if (c->payload == AB_SMALL) {
		memcpy(p, &seq, 4);
		c->want[slot] = ab_inc((int32_t)seq);
	} else {
		uint8_t *block = c->blocks + (size_t)slot * AB_BLOCK_BYTES;
		c->want[slot] = ab_block_seq(block, seq);
		memcpy(p, block, AB_BLOCK_BYTES);
	}
	c->out_len += c->req;
}

static bool
raw_run(void *client, const struct ab_budget *b, struct ab_result *ret)
{
	struct raw_client *c = client;
	uint64_t issued = 0, done = 0, t0 = bench_now_ns(), now = t0;
	bool stopping = false;
	for (;;) {
		if (!stopping && issued - done < c->depth) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
			while (issued - done < c->depth)
				raw_queue(c, issued++);
		}
		if (issued == done)
			break;
		if (!raw_send(c))
			goto broken;
		ssize_t n;
		if (c->out_off < c->out_len) {
			/* More to send: wait for either direction. */
			struct pollfd pf = { .fd = c->fd, .events = POLLIN | POLLOUT };
			if (poll(&pf, 1, 30000) <= 0)
				goto broken;
			if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		} else {
			n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			goto broken;
		c->in_len += (size_t)n;
		size_t off = 0;
		for (; c->in_len - off >= c->resp; off += c->resp) {
			int32_t got;
			memcpy(&got, c->in + off, 4);
			if (got != c->want[done % c->depth]) {
				fprintf(stderr, "async_bench: raw reply %ld, expected %ld\n", (long)got,
					(long)c->want[done % c->depth]);
				return false;
			}
			done++;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		now = bench_now_ns();
		if (!stopping && done >= b->min_calls && now - t0 >= b->min_ns)
			stopping = true;
	}
	ret->calls = done;
	ret->ns = now - t0;
	return true;
broken:
	fprintf(stderr, "async_bench: raw exchange broken after %llu calls: %s\n",
		(unsigned long long)done, errno ? strerror(errno) : "end of stream");
	return false;
}

static const struct ab_client_ops ab_raw_client = {
	.name = "raw",
	.open = raw_open,
	.run = raw_run,
	.close = raw_close,
};

static const struct ab_client_ops ab_rawmsg_client = {
	.name = "rawmsg",
	.open = rawmsg_open,
	.run = raw_run,
	.close = raw_close,
};

static const struct ab_client_ops *const clients[I_COUNT] = { &ab_raw_client, &ab_rawmsg_client,
							       &ab_ridl_client, &ab_onc_client };
/* The server each client talks to. */
static const int server_of[I_COUNT] = { I_RAW, I_RAW, I_RIDL, I_ONC };

/* ---- the server processes ---- */

/* ---- measuring ---- */

struct config {
	double load; /* the 1-minute load average when the run started; < 0: unknown */
	uint32_t reps, min_ms, min_calls, conn_calls, max_calls;
	uint32_t depths[MAX_LEVELS], ndepths;
	uint32_t onc_threads[MAX_LEVELS], nonc;
	int server_cpu, client_cpu;
	bool quick, verbose;
};

static struct bench_addr addrs[I_COUNT];

/* Which server a forked process runs, with the ridl server's limits. Plain value. */
struct server_arg {
	int i;
	uint32_t conn_calls, max_calls;
};

static void
serve_server(int report_fd, const char *dir, const void *arg)
{
	const struct server_arg *sa = arg;
	if (sa->i == I_RAW)
		/* One connection at a time, served on the thread that accepts it: the driver
		 * never opens the next before it has closed the last. */
		bench_raw_serve(report_fd, dir, raw_serve_conn);
	else if (sa->i == I_RIDL)
		ab_ridl_serve(report_fd, dir, sa->conn_calls, sa->max_calls);
	else
		ab_onc_serve(report_fd, dir);
}

/* One measurement: a fresh client, the warm-up (which connects and binds), the timed run.
 * Returns calls per second. */
static double
measure(const struct config *cfg, int i, enum ab_transport t, enum ab_payload p, uint32_t n)
{
	const struct ab_client_ops *ops = clients[i];
	struct ab_budget warm = { cfg->quick ? n : 1000, cfg->quick ? 0 : 100 * 1000000ull };
	struct ab_budget run = { cfg->min_calls, (uint64_t)cfg->min_ms * 1000000ull };
	struct ab_result r;
	if (cfg->quick && run.min_calls < 2ull * n)
		run.min_calls = 2ull * n;
	void *c = ops->open(t, &addrs[server_of[i]], p, n);
	if (!c)
		bench_die("%s over %s: no client", ops->name, transport_names[t]);
	bool ok = ops->run(c, &warm, &r) && ops->run(c, &run, &r);
	ops->close(c);
	if (!ok)
		bench_die("%s over %s, %s call, %u outstanding: a call failed or a reply was wrong",
		    ops->name, transport_names[t], payload_titles[p], (unsigned)n);
	double rate = r.ns ? (double)r.calls * 1e9 / (double)r.ns : 0;
	if (cfg->verbose)
		fprintf(stderr, "%-6s %-4s %-5s %4u: %9.0f calls/s (%llu calls in %.3f s)\n",
			ops->name, transport_names[t], payload_titles[p], (unsigned)n, rate,
			(unsigned long long)r.calls, (double)r.ns / 1e9);
	return rate;
}

/* The rates of every repetition: [transport][payload][level][rep], where the level is the
 * index into depths (raw, ridl) or onc_threads (ONC). */
typedef double rates[AB_NTRANSPORTS][AB_NPAYLOADS][MAX_LEVELS][MAX_REPS];

/* ---- the table ---- */

static void
print_table(const struct config *cfg, rates *res)
{
	uint32_t reps = cfg->reps;
	printf("Asynchronous calls on one connection: calls per second, the median of %u "
	       "repetition%s\n",
	       reps, reps == 1 ? "" : "s");
	if (cfg->quick)
		printf("(--quick: a few hundred calls each, a correctness run; the rates mean "
		       "nothing)\n");
	else
		printf("of at least %u ms and %u calls each, after a warm-up.\n", cfg->min_ms,
		       cfg->min_calls);
	printf("Servers (ridl, raw, ONC RPC; a process each) on CPU %d; clients (this process and "
	       "its\nthreads, librpcrt's client I/O thread among them) on CPU %d.\n",
	       cfg->server_cpu, cfg->client_cpu);
	if (cfg->load >= 0)
		printf("Load average when the run started: %.2f (other processes competing for "
		       "these CPUs\nskew the rates, the single-threaded servers' most).\n",
		       cfg->load);
	printf("Bytes per call (request + response): ridl's PDUs, and so the raw exchange's:\n");
	printf("  small  (a long in, a long out)       %5zu + %zu\n", pdu_req[AB_SMALL],
	       pdu_resp[AB_SMALL]);
	printf("  4 KiB  (4096 bytes in, a long out)   %5zu + %zu\n", pdu_req[AB_BLOCK],
	       pdu_resp[AB_BLOCK]);
	printf("raw: N requests in flight on one connection, sent and answered in batches; rawmsg: "
	       "the same\nwith one send per message. ridl: N [async] calls outstanding on one "
	       "binding, one\ncompletion port. ONC: N threads, each with a synchronous client and "
	       "connection.\n\n");
	printf("%-5s %-5s %4s %9s %9s %8s %8s %8s %8s %8s %7s\n", "tport", "call", "N", "raw/s",
	       "rawmsg/s", "ridl/s", "ridl/raw", "ridl/msg", "ONC/s", "ridl/ONC", "spread");
	/* One row per number: of calls outstanding (raw, rawmsg, ridl) or of ONC threads. */
	uint32_t ns[2 * MAX_LEVELS], nrows = 0;
	for (uint32_t k = 0; k < cfg->ndepths + cfg->nonc; k++) {
		uint32_t v = k < cfg->ndepths ? cfg->depths[k] : cfg->onc_threads[k - cfg->ndepths];
		uint32_t at = 0;
		while (at < nrows && ns[at] < v)
			at++;
		if (at < nrows && ns[at] == v)
			continue;
		memmove(ns + at + 1, ns + at, (nrows - at) * sizeof(*ns));
		ns[at] = v;
		nrows++;
	}
	for (int t = 0; t < AB_NTRANSPORTS; t++) {
		for (int p = 0; p < AB_NPAYLOADS; p++) {
			for (uint32_t row = 0; row < nrows; row++) {
				int ld = -1, lo = -1;
				for (uint32_t k = 0; k < cfg->ndepths; k++)
					if (cfg->depths[k] == ns[row])
						ld = (int)k;
				for (uint32_t k = 0; k < cfg->nonc; k++)
					if (cfg->onc_threads[k] == ns[row])
						lo = (int)k;
				double spread = 0;
				for (int i = 0; i < I_COUNT; i++) {
					int l = i == I_ONC ? lo : ld;
					if (l < 0)
						continue;
					double s = bench_spread_of(res[i][t][p][l], reps);
					spread = s > spread ? s : spread;
				}
				char a[16] = "-", m[16] = "-", b[16] = "-", r1[16] = "-";
				char rm[16] = "-", o[16] = "-", r2[16] = "-";
				double ridl = 0;
				if (ld >= 0) {
					double raw = bench_median_of(res[I_RAW][t][p][ld], reps);
					double msg = bench_median_of(res[I_RAWMSG][t][p][ld], reps);
					ridl = bench_median_of(res[I_RIDL][t][p][ld], reps);
					snprintf(a, sizeof(a), "%.0f", raw);
					snprintf(m, sizeof(m), "%.0f", msg);
					snprintf(b, sizeof(b), "%.0f", ridl);
					snprintf(r1, sizeof(r1), "%.3f", ridl / raw);
					snprintf(rm, sizeof(rm), "%.2f", ridl / msg);
				}
				if (lo >= 0) {
					double onc = bench_median_of(res[I_ONC][t][p][lo], reps);
					snprintf(o, sizeof(o), "%.0f", onc);
					if (ld >= 0)
						snprintf(r2, sizeof(r2), "%.2f", ridl / onc);
				}
				printf("%-5s %-5s %4u %9s %9s %8s %8s %8s %8s %8s %6.0f%%\n",
				       transport_names[t], payload_titles[p], (unsigned)ns[row], a, m,
				       b, r1, rm, o, r2, spread * 100);
			}
		}
	}
	printf("\nN: calls outstanding (raw, rawmsg, ridl) or threads (ONC); -: not measured. "
	       "spread: the\nlargest (max - min) / median of one implementation's repetitions "
	       "in the row.\n");
}

/* The row of the deepest level, which the goals are about. */
static uint32_t
deepest(const struct config *cfg)
{
	uint32_t l = 0;
	for (uint32_t k = 1; k < cfg->ndepths; k++)
		if (cfg->depths[k] > cfg->depths[l])
			l = k;
	return l;
}

static void
print_goals(const struct config *cfg, rates *res)
{
	uint32_t reps = cfg->reps, l = deepest(cfg);
	double vs_raw[AB_NTRANSPORTS][AB_NPAYLOADS], vs_onc[AB_NTRANSPORTS][AB_NPAYLOADS];
	bool pass_raw = true, pass_onc = true;
	printf("\nAt %u outstanding: ridl against the raw exchange and ONC RPC's best rate (over "
	       "its thread counts):\n",
	       (unsigned)cfg->depths[l]);
	printf("%-5s %-5s %10s %10s %10s %4s %8s %8s\n", "tport", "call", "raw/s", "ridl/s",
	       "best ONC/s", "thr", "ridl/raw", "ridl/ONC");
	for (int t = 0; t < AB_NTRANSPORTS; t++) {
		for (int p = 0; p < AB_NPAYLOADS; p++) {
			double raw = bench_median_of(res[I_RAW][t][p][l], reps);
			double ridl = bench_median_of(res[I_RIDL][t][p][l], reps);
			double best = 0;
			uint32_t best_th = 0;
			for (uint32_t k = 0; k < cfg->nonc; k++) {
				double o = bench_median_of(res[I_ONC][t][p][k], reps);
				if (o > best) {
					best = o;
					best_th = cfg->onc_threads[k];
				}
			}
			vs_raw[t][p] = ridl / raw;
			vs_onc[t][p] = best > 0 ? ridl / best : 0;
			pass_raw = pass_raw && vs_raw[t][p] >= 0.5;
			pass_onc = pass_onc && vs_onc[t][p] >= 3.0;
			printf("%-5s %-5s %10.0f %10.0f %10.0f %4u %8.2f %8.2f\n", transport_names[t],
			       payload_titles[p], raw, ridl, best, (unsigned)best_th, vs_raw[t][p],
			       vs_onc[t][p]);
		}
	}
	printf("\nGoals (this run):\n");
	printf("  at %u outstanding, ridl >= 50%% of the raw pipelined rate:  tcp %.2f %.2f  "
	       "unix %.2f %.2f  %s\n",
	       (unsigned)cfg->depths[l], vs_raw[AB_TCP][AB_SMALL], vs_raw[AB_TCP][AB_BLOCK],
	       vs_raw[AB_UNIX][AB_SMALL], vs_raw[AB_UNIX][AB_BLOCK], pass_raw ? "PASS" : "MISS");
	printf("  at %u outstanding, ridl >= 3x ONC RPC's best rate:         tcp %.2f %.2f  "
	       "unix %.2f %.2f  %s\n",
	       (unsigned)cfg->depths[l], vs_onc[AB_TCP][AB_SMALL], vs_onc[AB_TCP][AB_BLOCK],
	       vs_onc[AB_UNIX][AB_SMALL], vs_onc[AB_UNIX][AB_BLOCK], pass_onc ? "PASS" : "MISS");
	printf("  (ratios: small, then 4 KiB)\n");
}

/* ---- main ---- */

/* A comma-separated list of numbers from 1 to MAX_DEPTH. */
static uint32_t
parse_list(const char *opt, const char *s, uint32_t *ret)
{
	uint32_t n = 0;
	char buf[128];
	if (!s || strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "async_bench: %s needs a list like 1,16,256\n", opt);
		exit(2);
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_LEVELS) {
			fprintf(stderr, "async_bench: %s takes at most %d numbers\n", opt, MAX_LEVELS);
			exit(2);
		}
		ret[n++] = bench_parse_num(opt, tok, MAX_DEPTH);
	}
	if (n == 0)
		bench_parse_num(opt, NULL, MAX_DEPTH);
	return n;
}

/* --profile IMPL:TRANSPORT:PAYLOAD:N: that cell only, for a profiler to watch. */
static void
profile(const struct config *cfg, const char *spec, uint32_t seconds)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *f[4] = { NULL, NULL, NULL, NULL }, *save = NULL;
	int nf = 0;
	for (char *tok = strtok_r(buf, ":", &save); tok && nf < 4; tok = strtok_r(NULL, ":", &save))
		f[nf++] = tok;
	int i = nf == 4 ? bench_lookup(f[0], strlen(f[0]), impl_names, I_COUNT) : -1;
	int t = nf == 4 ? bench_lookup(f[1], strlen(f[1]), transport_names, AB_NTRANSPORTS) : -1;
	int p = nf == 4 ? bench_lookup(f[2], strlen(f[2]), payload_names, AB_NPAYLOADS) : -1;
	if (i < 0 || t < 0 || p < 0) {
		fprintf(stderr, "async_bench: --profile raw|rawmsg|ridl|onc:tcp|unix:small|4k:N\n");
		exit(2);
	}
	uint32_t n = bench_parse_num("--profile's N", f[3], MAX_DEPTH);
	fprintf(stderr, "async_bench: servers: raw %ld, ridl %ld, ONC %ld on CPU %d; client %ld on "
			"CPU %d\n",
		(long)bench_server_pids[I_RAW], (long)bench_server_pids[I_RIDL], (long)bench_server_pids[I_ONC],
		cfg->server_cpu, (long)getpid(), cfg->client_cpu);
	const struct ab_client_ops *ops = clients[i];
	struct ab_budget warm = { 1000, 100 * 1000000ull };
	struct ab_budget run = { 1, (uint64_t)seconds * 1000000000ull };
	struct ab_result r;
	void *c = ops->open((enum ab_transport)t, &addrs[server_of[i]], (enum ab_payload)p, n);
	if (!c || !ops->run(c, &warm, &r) || !ops->run(c, &run, &r))
		bench_die("--profile: the calls failed");
	ops->close(c);
	printf("%s %s %s, %u outstanding: %llu calls in %.2f s, %.0f calls/s\n", ops->name,
	       transport_names[t], payload_titles[p], (unsigned)n, (unsigned long long)r.calls,
	       (double)r.ns / 1e9, (double)r.calls * 1e9 / (double)r.ns);
}

int
main(int argc, char **argv)
{
	struct config cfg = {
		.reps = 3,
		.min_ms = 1000,
		.min_calls = 20000,
		.conn_calls = 0, /* librpcrt's default */
		.max_calls = 1234, /* RPC_C_LISTEN_MAX_CALLS_DEFAULT */
		.depths = { 1, 16, 256 },
		.ndepths = 3,
		.onc_threads = { 1, 16, 64, 256 },
		.nonc = 4,
		.server_cpu = -1,
		.client_cpu = -1,
	};
	const char *profile_spec = NULL;
	uint32_t seconds = 10;
	for (int a = 1; a < argc; a++) {
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;
		if (strcmp(argv[a], "--quick") == 0) {
			cfg.quick = true;
			continue;
		}
		if (strcmp(argv[a], "--verbose") == 0) {
			cfg.verbose = true;
			continue;
		}
		if (strcmp(argv[a], "--reps") == 0)
			cfg.reps = bench_parse_num("--reps", val, MAX_REPS);
		else if (strcmp(argv[a], "--min-ms") == 0)
			cfg.min_ms = bench_parse_num("--min-ms", val, 3600000);
		else if (strcmp(argv[a], "--min-calls") == 0)
			cfg.min_calls = bench_parse_num("--min-calls", val, 1000000000);
		else if (strcmp(argv[a], "--depths") == 0)
			cfg.ndepths = parse_list("--depths", val, cfg.depths);
		else if (strcmp(argv[a], "--onc-threads") == 0)
			cfg.nonc = parse_list("--onc-threads", val, cfg.onc_threads);
		else if (strcmp(argv[a], "--server-conn-calls") == 0)
			cfg.conn_calls = bench_parse_num("--server-conn-calls", val, 1u << 20);
		else if (strcmp(argv[a], "--server-max-calls") == 0)
			cfg.max_calls = bench_parse_num("--server-max-calls", val, 0x7fffffff);
		else if (bench_common_option(argv[a], val, &seconds, &profile_spec, &cfg.server_cpu,
					     &cfg.client_cpu))
			;
		else {
			fprintf(stderr,
				"Usage: %s [--quick] [--verbose] [--reps N] [--min-ms MS] [--min-calls N]\n"
				"       [--depths D,D,...] [--onc-threads T,T,...] [--cpus S,C]\n"
				"       [--server-conn-calls N] [--server-max-calls N]\n"
				"       [--profile raw|rawmsg|ridl|onc:tcp|unix:small|4k:N [--seconds N]]\n",
				argv[0]);
			return 2;
		}
		a++;
	}
	if (cfg.quick) {
		cfg.min_calls = 300;
		cfg.min_ms = 0;
		cfg.reps = 1;
	}
	if (cfg.server_cpu < 0)
		bench_default_cpus(&cfg.server_cpu, &cfg.client_cpu);
	FILE *f = fopen("/proc/loadavg", "r");
	cfg.load = -1;
	if (f) {
		if (fscanf(f, "%lf", &cfg.load) != 1)
			cfg.load = -1;
		fclose(f);
	}

	if (!ab_ridl_pdu_sizes(pdu_req, pdu_resp))
		bench_die("the engine does not marshal asyncbench's calls");

	/* The servers first, while this process has no threads and no connections. */
	bench_init_servers();
	for (int i = 0; i < I_COUNT; i++) {
		if (server_of[i] == i) {
			struct server_arg sa = { i, cfg.conn_calls, cfg.max_calls };
			bench_start_server(i, impl_names[i], cfg.server_cpu, serve_server, &sa,
					   &addrs[i]);
		}
	}
	/* Every thread this process starts from here on (librpcrt's client I/O thread, the ONC
	 * clients' threads) inherits the placement. */
	bench_pin(0, cfg.client_cpu);

	if (profile_spec) {
		profile(&cfg, profile_spec, seconds);
		return 0;
	}

	rates *res = calloc(I_COUNT, sizeof(*res));
	if (!res)
		bench_die("out of memory");
	if (cfg.quick && !ab_ridl_check_wire(&addrs[I_RIDL], pdu_req, pdu_resp))
		bench_die("ridl's calls do not go over one connection with the PDU sizes the raw "
		    "exchange sends");
	/* The repetitions take turns with everything else, so that a slow stretch of the
	 * machine spreads over all implementations rather than falling on one. */
	for (uint32_t r = 0; r < cfg.reps; r++) {
		for (int t = 0; t < AB_NTRANSPORTS; t++) {
			for (int p = 0; p < AB_NPAYLOADS; p++) {
				for (uint32_t l = 0; l < cfg.ndepths; l++) {
					for (int i = I_RAW; i < I_ONC; i++)
						res[i][t][p][l][r] =
							measure(&cfg, i, (enum ab_transport)t,
								(enum ab_payload)p, cfg.depths[l]);
				}
				for (uint32_t l = 0; l < cfg.nonc; l++)
					res[I_ONC][t][p][l][r] =
						measure(&cfg, I_ONC, (enum ab_transport)t,
							(enum ab_payload)p, cfg.onc_threads[l]);
			}
		}
	}
	print_table(&cfg, res);
	if (!cfg.quick)
		print_goals(&cfg, res);
	free(res);
	return 0;
}
