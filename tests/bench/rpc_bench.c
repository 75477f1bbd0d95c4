/* RPC round-trip latency: synchronous calls through librpcrt (the stubs ridl generates for
 * rpcbench.idl) against ONC RPC (libtirpc, rpcgen's XDR routines for rpcbench_onc.x) and
 * against a raw-socket ping-pong of the same bytes, over TCP on 127.0.0.1 and over Unix
 * sockets (ncalrpc for ridl), all in one run:
 *
 *   (a) a null call: nothing in, nothing out
 *   (b) one long in, one long out
 *   (c) 64 KiB in ([in, size_is(n)] byte array), one long out
 *
 * The raw ping-pong sends exactly as many bytes each way as ridl's request and response PDUs
 * (headers and fragments included; the numbers are printed, and --quick checks them on the
 * wire), with blocking send and recv on a connected socket, and a server that answers on the
 * thread that reads. Each server runs in a process of its own, forked by this one.
 *
 * Placement: every server process is pinned to the first CPU of --cpus (what taskset -c does,
 * with sched_setaffinity; the threads a server starts inherit it); the client, this process,
 * runs on the same CPU, then on the second one. Each measurement is a warm-up and then a run of
 * calls timed one by one (median and 99th percentile); it is repeated --reps times, interleaved
 * with the others, and the table shows the median of the repetitions' medians (and of their
 * p99s), with their spread. The goals are information: the exit status only says whether
 * every reply was right.
 *
 * Usage: rpc_bench [--quick] [--iters N] [--big-iters N] [--warmup N] [--reps N] [--cpus S,C]
 *                  [--profile IMPL:TRANSPORT:CALL [--seconds N]]
 *   --iters, --big-iters  timed calls per measurement of (a) and (b), and of (c) (default
 *                 20000 and 2000, or RPC_BENCH_ITERS and RPC_BENCH_BIG_ITERS); --warmup N calls
 *                 before each (default 1000, (c) a tenth; RPC_BENCH_WARMUP); --reps (default 3,
 *                 RPC_BENCH_REPS).
 *   --cpus S,C    the servers' CPU and the client's CPU for the second placement (default:
 *                 the first two CPUs this process may use); S = C: one placement only.
 *   --quick       a few hundred calls of each: a correctness test for CI, no verdicts.
 *   --profile     only that cell (IMPL raw, onc or ridl; TRANSPORT tcp or unix; CALL a, b or
 *                 c), with the client on CPU C, for --seconds (default 10), printing the
 *                 servers' process ids first: for perf record -p, strace -c -f -p ...
 * tests/bench/rpc builds this and runs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc_bench.h"

enum { I_RAW, I_ONC, I_RIDL, I_COUNT };
#define MAX_REPS BENCH_MAX_REPS

const char bench_name[] = "rpc_bench";

static const char *const transport_names[RB_NTRANSPORTS] = { "tcp", "unix" };
static const char *const call_names[RB_NCALLS] = { "(a) null", "(b) long", "(c) 64 KiB" };

/* The sizes of ridl's request and response PDUs, which the raw ping-pong copies. */
static size_t pdu_req[RB_NCALLS], pdu_resp[RB_NCALLS];

/* ---- the raw baseline ---- */

/* The raw protocol: the client sends its request and response lengths and the call (three
 * 32-bit numbers) once after connecting, then ping-pongs requests of that length for responses
 * of that length. The server answers (b) with the request's first four bytes plus one, and (c)
 * with the fingerprint of the request's first RB_SINK_BYTES, in the response's first four
 * bytes, as the other servers do. */

static void
raw_serve_conn(int fd)
{
	uint32_t setup[3];
	if (!bench_recv_all(fd, (uint8_t *)setup, sizeof(setup)) || setup[0] < 4 || setup[1] < 4 ||
	    setup[0] > (1u << 24) || setup[1] > (1u << 24))
		return;
	uint8_t *req = calloc(1, setup[0]), *resp = calloc(1, setup[1]);
	while (req && resp && bench_recv_all(fd, req, setup[0])) {
		int32_t r = 0;
		if (setup[2] == RB_INC) {
			memcpy(&r, req, 4);
			r = rb_inc(r);
		} else if (setup[2] == RB_SINK && setup[0] >= RB_SINK_BYTES) {
			r = rb_fingerprint(req, RB_SINK_BYTES);
		}
		memcpy(resp, &r, 4);
		if (!bench_send_all(fd, resp, setup[1]))
			break;
	}
	free(req);
	free(resp);
}

/* One connection at a time, answered on the thread that reads it: the client never opens the
 * next before it has closed the last. */
static void
raw_serve(int report_fd, const char *dir)
{
	bench_raw_serve(report_fd, dir, raw_serve_conn);
}

/* Owner: the driver, between raw_open() and raw_close(). */
struct raw_client {
	int fd;
	enum rb_call call;
	uint8_t *req, *resp;
};

static void *
raw_open(enum rb_transport t, const struct bench_addr *a, enum rb_call call)
{
	struct raw_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->call = call;
	c->req = calloc(1, pdu_req[call]);
	c->resp = calloc(1, pdu_resp[call]);
	c->fd = bench_connect(t == RB_TCP, a);
	uint32_t setup[3] = { (uint32_t)pdu_req[call], (uint32_t)pdu_resp[call], (uint32_t)call };
	if (c->fd < 0 || !c->req || !c->resp || !bench_send_all(c->fd, (uint8_t *)setup, sizeof(setup))) {
		fprintf(stderr, "rpc_bench: raw %s client: %s\n", transport_names[t],
			strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		free(c->req);
		free(c->resp);
		free(c);
		return NULL;
	}
	return c;
}

static bool
raw_run(void *client, uint32_t n, uint32_t seq, uint8_t *block, uint32_t *ns)
{
	struct raw_client *c = client;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = seq + i;
		int32_t want = 0, got = 0;
		if (c->call == RB_INC) {
			memcpy(c->req, &s, 4);
			want = rb_inc((int32_t)s);
		} else if (c->call == RB_SINK) {
			/* The block is the request's payload, as for the others (which marshal
			 * it); the copy stays outside the time. */
			block[0] = (uint8_t)s;
			memcpy(c->req, block, RB_SINK_BYTES);
			want = rb_fingerprint(block, RB_SINK_BYTES);
		}
		uint64_t t0 = bench_now_ns();
		bool ok = bench_send_all(c->fd, c->req, pdu_req[c->call]) &&
			  bench_recv_all(c->fd, c->resp, pdu_resp[c->call]);
		if (ns)
			ns[i] = rb_elapsed(t0);
		if (!ok) {
			fprintf(stderr, "rpc_bench: raw round trip %u failed: %s\n", (unsigned)i,
				errno ? strerror(errno) : "end of stream");
			return false;
		}
		memcpy(&got, c->resp, 4);
		if (got != want) {
			fprintf(stderr, "rpc_bench: raw round trip %u: reply %ld, expected %ld\n",
				(unsigned)i, (long)got, (long)want);
			return false;
		}
	}
	return true;
}

static void
raw_close(void *client)
{
	struct raw_client *c = client;
	close(c->fd);
	free(c->req);
	free(c->resp);
	free(c);
}

static const struct rb_impl rb_raw_impl = {
	.name = "raw",
	.serve = raw_serve,
	.open = raw_open,
	.run = raw_run,
	.close = raw_close,
};

static const struct rb_impl *const impls[I_COUNT] = { &rb_raw_impl, &rb_onc_impl, &rb_ridl_impl };

/* ---- the server processes ---- */

static void
serve_impl(int report_fd, const char *dir, const void *arg)
{
	((const struct rb_impl *)arg)->serve(report_fd, dir);
}

/* ---- measuring ---- */

struct config {
	uint32_t iters, big_iters, warmup, reps;
	int server_cpu, client_cpu;
	bool quick;
};

/* The medians and p99s of one cell's repetitions, in nanoseconds. */
struct cell {
	double med[MAX_REPS], p99[MAX_REPS];
};

static struct bench_addr addrs[I_COUNT];
static uint8_t block[RB_SINK_BYTES];
static uint32_t next_seq = 1;

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* One measurement of one cell: a fresh client, the warm-up (which connects and binds), then
 * n timed calls. */
static void
measure(int i, enum rb_transport t, enum rb_call call, uint32_t n, uint32_t warmup,
	uint32_t *samples, double *ret_med, double *ret_p99)
{
	const struct rb_impl *im = impls[i];
	void *c = im->open(t, &addrs[i], call);
	if (!c)
		bench_die("%s over %s: no client", im->name, transport_names[t]);
	bool ok = im->run(c, warmup, next_seq, block, NULL);
	next_seq += warmup;
	ok = ok && im->run(c, n, next_seq, block, samples);
	next_seq += n;
	im->close(c);
	if (!ok)
		bench_die("%s over %s, call %s: wrong or failed reply", im->name, transport_names[t],
		    call_names[call]);
	qsort(samples, n, sizeof(*samples), cmp_u32);
	*ret_med = samples[n / 2];
	*ret_p99 = samples[n - 1 - n / 100];
}

/* ---- the table ---- */

struct placement {
	const char *name;
	int client_cpu;
};

/* Median of medians, in microseconds. */
static double
med_us(const struct cell *c, uint32_t reps)
{
	return bench_median_of(c->med, reps) / 1e3;
}

static double
p99_us(const struct cell *c, uint32_t reps)
{
	return bench_median_of(c->p99, reps) / 1e3;
}

static void
print_table(const struct config *cfg, const struct placement *pl, int npl,
	    struct cell (*res)[RB_NTRANSPORTS][RB_NCALLS][I_COUNT])
{
	printf("RPC round trips: median and p99 per call in microseconds; each the median of %u "
	       "repetitions\nof %u calls ((c): %u) after %u warm-up calls%s\n",
	       cfg->reps, cfg->iters, cfg->big_iters, cfg->warmup,
	       cfg->quick ? " (--quick: a correctness run, the times mean nothing)" : "");
	printf("Servers on CPU %d; client on CPU %d (same) or %d (split).\n", cfg->server_cpu,
	       cfg->server_cpu, cfg->client_cpu);
	printf("Bytes per round trip (request + response), ridl's PDUs and so the raw "
	       "ping-pong's:\n");
	for (int k = 0; k < RB_NCALLS; k++)
		printf("  %-11s %6zu + %2zu\n", call_names[k], pdu_req[k], pdu_resp[k]);
	printf("\n%-5s %-5s %-11s %18s %18s %18s %6s %6s %7s\n", "", "", "", "raw", "ONC RPC",
	       "ridl", "ridl/", "ridl/", "");
	printf("%-5s %-5s %-11s %9s %8s %9s %8s %9s %8s %6s %6s %7s\n", "tport", "place", "call",
	       "median", "p99", "median", "p99", "median", "p99", "raw", "ONC", "spread");
	for (int t = 0; t < RB_NTRANSPORTS; t++) {
		for (int p = 0; p < npl; p++) {
			for (int k = 0; k < RB_NCALLS; k++) {
				const struct cell *c = res[p][t][k];
				double spread = 0;
				for (int i = 0; i < I_COUNT; i++) {
					double s = bench_spread_of(c[i].med, cfg->reps);
					spread = s > spread ? s : spread;
				}
				double ridl = med_us(&c[I_RIDL], cfg->reps);
				printf("%-5s %-5s %-11s %9.1f %8.1f %9.1f %8.1f %9.1f %8.1f %6.2f "
				       "%6.2f %6.0f%%\n",
				       transport_names[t], pl[p].name, call_names[k],
				       med_us(&c[I_RAW], cfg->reps), p99_us(&c[I_RAW], cfg->reps),
				       med_us(&c[I_ONC], cfg->reps), p99_us(&c[I_ONC], cfg->reps),
				       ridl, p99_us(&c[I_RIDL], cfg->reps),
				       ridl / med_us(&c[I_RAW], cfg->reps),
				       ridl / med_us(&c[I_ONC], cfg->reps), spread * 100);
			}
		}
	}
	printf("\nridl/raw, ridl/ONC: ratios of the medians (< 1: ridl is faster). spread: the "
	       "largest\n(max - min) / median of one implementation's repetition medians in the "
	       "row.\n");
}

/* ridl's median over the baseline's for one row. */
static double
ratio(struct cell (*res)[RB_NTRANSPORTS][RB_NCALLS][I_COUNT], uint32_t reps, int p, int t, int k,
      int base)
{
	return med_us(&res[p][t][k][I_RIDL], reps) / med_us(&res[p][t][k][base], reps);
}

static void
print_goals(const struct config *cfg, const struct placement *pl, int npl,
	    struct cell (*res)[RB_NTRANSPORTS][RB_NCALLS][I_COUNT])
{
	uint32_t reps = cfg->reps;
	printf("\nGoals (ridl's median / the baseline's, this run):\n");
	for (int p = 0; p < npl; p++) {
		char what[64];
		double a = ratio(res, reps, p, RB_TCP, RB_NULL, I_RAW);
		double b = ratio(res, reps, p, RB_TCP, RB_INC, I_RAW);
		snprintf(what, sizeof(what), "(a), (b) <= 1.2x raw TCP, %s:", pl[p].name);
		printf("  %-36s tcp  %5.2f %5.2f                %s\n", what, a, b,
		       a <= 1.2 && b <= 1.2 ? "PASS" : "MISS");
	}
	for (int p = 0; p < npl; p++) {
		char what[64];
		double v[4];
		bool pass = true;
		for (int t = 0; t < RB_NTRANSPORTS; t++) {
			for (int k = 0; k < 2; k++) {
				v[t * 2 + k] = ratio(res, reps, p, t, k, I_ONC);
				pass = pass && v[t * 2 + k] < 1.0;
			}
		}
		snprintf(what, sizeof(what), "(a), (b) faster than ONC, %s:", pl[p].name);
		printf("  %-36s tcp  %5.2f %5.2f  unix %5.2f %5.2f  %s\n", what, v[0], v[1], v[2],
		       v[3], pass ? "PASS" : "MISS");
	}
	for (int p = 0; p < npl; p++) {
		char what[64];
		double tcp = ratio(res, reps, p, RB_TCP, RB_SINK, I_RAW);
		double unx = ratio(res, reps, p, RB_UNIX, RB_SINK, I_RAW);
		snprintf(what, sizeof(what), "(c) <= 1.5x raw, %s:", pl[p].name);
		printf("  %-36s tcp  %5.2f        unix %5.2f        %s\n", what, tcp, unx,
		       tcp <= 1.5 && unx <= 1.5 ? "PASS" : "MISS");
	}
	if (npl < 2)
		printf("  (one placement only: the client's CPU is the servers')\n");
}

/* ---- main ---- */

static uint32_t
env_num(const char *name, uint32_t dflt, unsigned long max)
{
	const char *s = getenv(name);
	return s && *s ? bench_parse_num(name, s, max) : dflt;
}

/* --profile IMPL:TRANSPORT:CALL: that cell only, for a profiler to watch. */
static void
profile(const struct config *cfg, const char *spec, uint32_t seconds)
{
	static const char *const inames[I_COUNT] = { "raw", "onc", "ridl" };
	static const char *const knames[RB_NCALLS] = { "a", "b", "c" };
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	int i = c1 ? bench_lookup(spec, (size_t)(c1 - spec), inames, I_COUNT) : -1;
	int t = c2 ? bench_lookup(c1 + 1, (size_t)(c2 - c1 - 1), transport_names, RB_NTRANSPORTS) : -1;
	int k = c2 ? bench_lookup(c2 + 1, strlen(c2 + 1), knames, RB_NCALLS) : -1;
	if (i < 0 || t < 0 || k < 0) {
		fprintf(stderr, "rpc_bench: --profile raw|onc|ridl:tcp|unix:a|b|c\n");
		exit(2);
	}
	fprintf(stderr, "rpc_bench: servers: raw %ld, ONC %ld, ridl %ld; client %ld on CPU %d\n",
		(long)bench_server_pids[I_RAW], (long)bench_server_pids[I_ONC], (long)bench_server_pids[I_RIDL],
		(long)getpid(), cfg->client_cpu);
	void *c = impls[i]->open((enum rb_transport)t, &addrs[i], (enum rb_call)k);
	if (!c || !impls[i]->run(c, cfg->warmup, next_seq, block, NULL))
		bench_die("--profile: the calls failed");
	/* Every call's time is kept, 100 calls to a batch, for the median at the end. */
	uint64_t t0 = bench_now_ns(), end = t0 + (uint64_t)seconds * 1000000000u;
	size_t calls = 0, cap = 1u << 16;
	uint32_t *ns = malloc(cap * sizeof(*ns));
	uint64_t now;
	do {
		if (ns && calls + 100 > cap) {
			cap *= 2;
			uint32_t *grown = realloc(ns, cap * sizeof(*ns));
			if (!grown)
				free(ns);
			ns = grown;
		}
		if (!ns)
			bench_die("out of memory");
		if (!impls[i]->run(c, 100, next_seq, block, ns + calls))
			bench_die("--profile: the calls failed");
		next_seq += 100;
		calls += 100;
	} while ((now = bench_now_ns()) < end);
	impls[i]->close(c);
	qsort(ns, calls, sizeof(*ns), cmp_u32);
	printf("%s %s %s: %zu calls in %.1f s: median %.1f us, p99 %.1f us, mean %.1f us\n",
	       impls[i]->name, transport_names[t], call_names[k], calls, (double)(now - t0) / 1e9,
	       ns[calls / 2] / 1e3, ns[calls - 1 - calls / 100] / 1e3,
	       (double)(now - t0) / 1e3 / (double)calls);
	free(ns);
}

int
main(int argc, char **argv)
{
	struct config cfg = {
		.iters = env_num("RPC_BENCH_ITERS", 20000, 10000000),
		.big_iters = env_num("RPC_BENCH_BIG_ITERS", 2000, 10000000),
		.warmup = env_num("RPC_BENCH_WARMUP", 1000, 10000000),
		.reps = env_num("RPC_BENCH_REPS", 3, MAX_REPS),
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
		if (strcmp(argv[a], "--iters") == 0)
			cfg.iters = bench_parse_num("--iters", val, 10000000);
		else if (strcmp(argv[a], "--big-iters") == 0)
			cfg.big_iters = bench_parse_num("--big-iters", val, 10000000);
		else if (strcmp(argv[a], "--warmup") == 0)
			cfg.warmup = bench_parse_num("--warmup", val, 10000000);
		else if (strcmp(argv[a], "--reps") == 0)
			cfg.reps = bench_parse_num("--reps", val, MAX_REPS);
		else if (bench_common_option(argv[a], val, &seconds, &profile_spec, &cfg.server_cpu,
					     &cfg.client_cpu))
			;
		else {
			fprintf(stderr,
				"Usage: %s [--quick] [--iters N] [--big-iters N] [--warmup N] "
				"[--reps N] [--cpus S,C] [--profile IMPL:TRANSPORT:CALL "
				"[--seconds N]]\n",
				argv[0]);
			return 2;
		}
		a++;
	}
	if (cfg.quick) {
		cfg.iters = 300;
		cfg.big_iters = 30;
		cfg.warmup = 20;
		cfg.reps = 1;
	}
	uint32_t big_warmup = cfg.warmup / 10 ? cfg.warmup / 10 : 1;
	if (cfg.server_cpu < 0)
		bench_default_cpus(&cfg.server_cpu, &cfg.client_cpu);

	if (!rb_ridl_pdu_sizes(pdu_req, pdu_resp))
		bench_die("the engine does not marshal rpcbench's calls");
	for (uint32_t j = 0; j < RB_SINK_BYTES; j++)
		block[j] = (uint8_t)(j * 2654435761u >> 13);

	/* The servers first, while this process has no threads and no connections. */
	bench_init_servers();
	for (int i = 0; i < I_COUNT; i++)
		bench_start_server(i, impls[i]->name, cfg.server_cpu, serve_impl, impls[i], &addrs[i]);

	if (profile_spec) {
		bench_pin(0, cfg.client_cpu);
		profile(&cfg, profile_spec, seconds);
		return 0;
	}

	struct placement pl[2] = { { "same", cfg.server_cpu }, { "split", cfg.client_cpu } };
	int npl = cfg.client_cpu != cfg.server_cpu ? 2 : 1;
	struct cell(*res)[RB_NTRANSPORTS][RB_NCALLS][I_COUNT] = calloc(2, sizeof(*res));
	uint32_t *samples =
		calloc(cfg.iters > cfg.big_iters ? cfg.iters : cfg.big_iters, sizeof(uint32_t));
	if (!res || !samples)
		bench_die("out of memory");

	if (cfg.quick) {
		bench_pin(0, cfg.server_cpu);
		if (!rb_ridl_check_wire(&addrs[I_RIDL], pdu_req, pdu_resp))
			bench_die("ridl's PDUs are not the sizes the raw baseline sends");
	}
	/* The repetitions take turns with everything else, so that a slow stretch of the
	 * machine spreads over all implementations rather than falling on one. */
	for (int p = 0; p < npl; p++) {
		bench_pin(0, pl[p].client_cpu);
		for (uint32_t r = 0; r < cfg.reps; r++) {
			for (int t = 0; t < RB_NTRANSPORTS; t++) {
				for (int k = 0; k < RB_NCALLS; k++) {
					uint32_t n = k == RB_SINK ? cfg.big_iters : cfg.iters;
					uint32_t w = k == RB_SINK ? big_warmup : cfg.warmup;
					for (int i = 0; i < I_COUNT; i++) {
						struct cell *c = &res[p][t][k][i];
						measure(i, (enum rb_transport)t, (enum rb_call)k, n,
							w, samples, &c->med[r], &c->p99[r]);
					}
				}
			}
		}
	}
	print_table(&cfg, pl, npl, res);
	if (!cfg.quick)
		print_goals(&cfg, pl, npl, res);
	free(res);
	free(samples);
	return 0;
}
