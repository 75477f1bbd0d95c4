/* What the RPC round-trip benchmark (rpc_bench*.c) and the asynchronous-call benchmark
 * (async_bench*.c) share: the clock, CPU pinning, the medians of repetitions, the server
 * processes the driver forks and waits for, socket helpers for the raw baselines, the ONC RPC
 * server and client setup, and the ridl server's body. Each program defines bench_name, the
 * prefix of its messages. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <rpc/rpc.h> /* libtirpc's */

/* The program's name, for its messages ("rpc_bench"). Defined by the driver. */
extern const char bench_name[];

/* Where a server listens, as its process reports it. Plain value. */
struct bench_addr {
	unsigned port;  /* TCP, on 127.0.0.1 */
	char path[108]; /* the AF_UNIX socket's path; for ridl, the ncalrpc endpoint name */
};

/* The most repetitions of one measurement. */
#define BENCH_MAX_REPS 15
/* The most server processes. */
#define BENCH_MAX_SERVERS 8

void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Pins pid (0: the calling thread) to cpu; dies on failure. */
void bench_pin(pid_t pid, int cpu);

/* The first two CPUs this process may run on (one twice if there is only one). */
void bench_default_cpus(int *ret_server_cpu, int *ret_client_cpu);

/* A number from 1 to max, or exit status 2 after a message naming opt. */
uint32_t bench_parse_num(const char *opt, const char *s, unsigned long max);

/* The options both programs take: --seconds N (from 1 to 86400), --profile SPEC and
 * --cpus S,C. true when arg is one of them with a valid value, which is stored; false
 * otherwise (a bad --seconds exits with status 2, as bench_parse_num() does). */
bool bench_common_option(const char *arg, const char *val, uint32_t *seconds,
			 const char **profile, int *server_cpu, int *client_cpu);

/* The index of the name s[0 .. len) in names, or -1. */
int bench_lookup(const char *s, size_t len, const char *const *names, int n);

int bench_cmp_double(const void *a, const void *b);

/* The median of n (at most BENCH_MAX_REPS) values. */
double bench_median_of(const double *v, uint32_t n);

/* How far apart the values are, relative to their median. */
double bench_spread_of(const double *v, uint32_t n);

/* ---- the server processes ---- */

/* Set by bench_init_servers(). */
extern pid_t bench_driver_pid, bench_server_pids[BENCH_MAX_SERVERS];
extern char bench_tmp_dir[128];

/* Makes the private directory the servers put their sockets in ($TMPDIR/NAME.XXXXXX) and
 * arranges for the servers to be stopped at exit. */
void bench_init_servers(void);

/* Forks server number slot (name for messages), pinned to cpu, which runs serve(report_fd,
 * bench_tmp_dir, arg) and so reports "PORT PATH\n"; waits for its address. */
void bench_start_server(int slot, const char *name, int cpu,
			void (*serve)(int report_fd, const char *dir, const void *arg),
			const void *arg, struct bench_addr *ret);

/* ---- sockets ---- */

bool bench_send_all(int fd, const uint8_t *p, size_t len);
/* false at the end of the stream or on an error. */
bool bench_recv_all(int fd, uint8_t *p, size_t len);

/* A stream socket connected to the server at a, over TCP (with TCP_NODELAY) or its Unix
 * socket; -1 on failure (errno tells). */
int bench_connect(bool tcp, const struct bench_addr *a);

/* The raw baseline's server: listens on TCP (127.0.0.1) and on dir/raw, reports, and serves
 * one connection at a time with serve_conn, on the thread that accepts it. Never returns. */
void bench_raw_serve(int report_fd, const char *dir, void (*serve_conn)(int fd));

/* The descriptors of this process's TCP connections to 127.0.0.1:port: how many there are, the
 * first in *ret_fd (-1 if none). */
int bench_find_conns(unsigned port, int *ret_fd);

/* ---- ONC RPC (libtirpc) ---- */

/* libtirpc takes every XDR routine as an xdrproc_t, a variadic type that none of them has;
 * going through void (*)(void) says the cast is meant. */
#define XDRPROC(f) ((xdrproc_t)(void (*)(void))(f))

/* svc_run() over TCP (svc_vc_create on 127.0.0.1) and a Unix socket (dir/onc), registered
 * with dispatch (not with rpcbind). Never returns. */
void bench_onc_serve(int report_fd, const char *dir, rpcprog_t prog, rpcvers_t vers,
		     void (*dispatch)(struct svc_req *, SVCXPRT *));

/* A clnt_vc client connected to the server at a, over TCP (with TCP_NODELAY) or its Unix
 * socket; NULL after a message. */
CLIENT *bench_onc_connect(bool tcp, const struct bench_addr *a, rpcprog_t prog, rpcvers_t vers);

/* ---- ridl (librpcrt) ---- */

/* The ridl server's body: listens on ncacn_ip_tcp and ncalrpc (endpoint NAME-PID), registers
 * ifspec with max_rpc_size, listens with max_calls, reports, and serves until SIGTERM. Never
 * returns. */
void bench_ridl_serve(int report_fd, void *ifspec, unsigned max_rpc_size, unsigned max_calls);

/* The bytes of the request and response PDUs of each of the n procedures of the client
 * interface itf (a const ridl_interface *), with the arguments args[k] (and a 32-bit return
 * value when the procedure has one). false when the engine refuses to marshal them. */
bool bench_ridl_pdu_sizes(const void *itf, int n, void *const *const *args, size_t *ret_req,
			  size_t *ret_resp);

#endif /* BENCH_COMMON_H */
