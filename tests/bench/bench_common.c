/* What the two RPC benchmarks share (bench_common.h). */
#define _GNU_SOURCE /* sched_setaffinity, dprintf, mkdtemp */
#include <dirent.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

#include <rpc.h>
#include <rpcndr.h>

#include "ndr.h"
#include "pdu.h"

void
bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void
bench_pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set) != 0)
		bench_die("cannot pin to CPU %d: %s", cpu, strerror(errno));
}

void
bench_default_cpus(int *ret_server_cpu, int *ret_client_cpu)
{
	cpu_set_t set;
	*ret_server_cpu = *ret_client_cpu = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	int found = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (found++ == 0)
			*ret_server_cpu = *ret_client_cpu = cpu;
		else
			*ret_client_cpu = cpu;
	}
}

uint32_t
bench_parse_num(const char *opt, const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;
	if (!s || errno || *end || v == 0 || v > max) {
		fprintf(stderr, "%s: %s needs a number from 1 to %lu\n", bench_name, opt, max);
		exit(2);
	}
	return (uint32_t)v;
}

bool
bench_common_option(const char *arg, const char *val, uint32_t *seconds, const char **profile,
		    int *server_cpu, int *client_cpu)
{
	if (strcmp(arg, "--seconds") == 0) {
		*seconds = bench_parse_num("--seconds", val, 86400);
		return true;
	}
	if (strcmp(arg, "--profile") == 0 && val) {
		*profile = val;
		return true;
	}
	return strcmp(arg, "--cpus") == 0 && val &&
	       sscanf(val, "%d,%d", server_cpu, client_cpu) == 2 && *server_cpu >= 0 &&
	       *client_cpu >= 0;
}

int
bench_lookup(const char *s, size_t len, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(s, names[i], len) == 0)
			return i;
	return -1;
}

int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
bench_median_of(const double *v, uint32_t n)
{
	double s[BENCH_MAX_REPS];
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), bench_cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double
bench_spread_of(const double *v, uint32_t n)
{
	double lo = v[0], hi = v[0];
	for (uint32_t r = 1; r < n; r++) {
		lo = v[r] < lo ? v[r] : lo;
		hi = v[r] > hi ? v[r] : hi;
	}
	double m = bench_median_of(v, n);
	return m > 0 ? (hi - lo) / m : 0;
}

/* ---- the server processes ---- */

pid_t bench_driver_pid, bench_server_pids[BENCH_MAX_SERVERS];
char bench_tmp_dir[128];

static void
stop_servers(void)
{
	if (getpid() != bench_driver_pid)
		return;
	for (int i = 0; i < BENCH_MAX_SERVERS; i++) {
		if (bench_server_pids[i] > 0) {
			kill(bench_server_pids[i], SIGTERM);
			waitpid(bench_server_pids[i], NULL, 0);
			bench_server_pids[i] = 0;
		}
	}
	if (bench_tmp_dir[0]) {
		char path[sizeof(bench_tmp_dir) + 8];
		snprintf(path, sizeof(path), "%s/raw", bench_tmp_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/onc", bench_tmp_dir);
		unlink(path);
		rmdir(bench_tmp_dir);
		bench_tmp_dir[0] = '\0';
	}
}

void
bench_init_servers(void)
{
	bench_driver_pid = getpid();
	const char *tmp = getenv("TMPDIR");
	snprintf(bench_tmp_dir, sizeof(bench_tmp_dir), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 bench_name);
	if (!mkdtemp(bench_tmp_dir))
		bench_die("mkdtemp %s: %s", bench_tmp_dir, strerror(errno));
	atexit(stop_servers);
}

void
bench_start_server(int slot, const char *name, int cpu,
		   void (*serve)(int report_fd, const char *dir, const void *arg), const void *arg,
		   struct bench_addr *ret)
{
	int p[2];
	if (pipe(p) != 0)
		bench_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		/* A server never outlives the benchmark, however that ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != bench_driver_pid)
			_exit(1);
		bench_pin(0, cpu);
		serve(p[1], bench_tmp_dir, arg);
		_exit(1);
	}
	bench_server_pids[slot] = pid;
	close(p[1]);
	char line[256];
	size_t len = 0;
	while (len < sizeof(line) - 1 && (len == 0 || line[len - 1] != '\n')) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		if (poll(&pf, 1, 10000) <= 0)
			bench_die("the %s server did not report its address", name);
		ssize_t n = read(p[0], line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			bench_die("the %s server did not start", name);
		len += (size_t)n;
	}
	close(p[0]);
	line[len] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (sscanf(line, "%u %107s", &ret->port, ret->path) != 2)
		bench_die("the %s server reported '%s'", name, line);
}

/* ---- sockets ---- */

bool
bench_send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
bench_recv_all(int fd, uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

int
bench_connect(bool tcp, const struct bench_addr *a)
{
	int fd, r = -1;
	if (tcp) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)a->port),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0)
			r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		int one = 1;
		if (r == 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a->path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0)
			r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	}
	if (r != 0 && fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	return fd;
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(fd, 16) != 0)
		return -1;
	return fd;
}

void
bench_raw_serve(int report_fd, const char *dir, void (*serve_conn)(int fd))
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char path[sizeof(bench_tmp_dir) + 8];
	snprintf(path, sizeof(path), "%s/raw", dir);
	int tfd = socket(AF_INET, SOCK_STREAM, 0);
	int ufd = listen_unix(path);
	if (tfd < 0 || ufd < 0 || bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(tfd, 16) != 0 || getsockname(tfd, (struct sockaddr *)&sin, &len) != 0)
		bench_die("raw server: %s", strerror(errno));
	dprintf(report_fd, "%u %s\n", (unsigned)ntohs(sin.sin_port), path);
	close(report_fd);
	for (;;) {
		struct pollfd p[2] = { { .fd = tfd, .events = POLLIN }, { .fd = ufd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int fd = accept(p[i].fd, NULL, NULL);
			if (fd < 0)
				continue;
			int one = 1;
			if (i == 0)
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			serve_conn(fd);
			close(fd);
		}
	}
}

int
bench_find_conns(unsigned port, int *ret_fd)
{
	DIR *d = opendir("/proc/self/fd");
	int found = 0;
	*ret_fd = -1;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		struct stat sb;
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		if (fd == dirfd(d) || fstat(fd, &sb) != 0 || !S_ISSOCK(sb.st_mode))
			continue;
		if (getpeername(fd, (struct sockaddr *)&sin, &len) == 0 && sin.sin_family == AF_INET &&
		    ntohs(sin.sin_port) == port && found++ == 0)
			*ret_fd = fd;
	}
	closedir(d);
	return found;
}

/* ---- ONC RPC ---- */

void
bench_onc_serve(int report_fd, const char *dir, rpcprog_t prog, rpcvers_t vers,
		void (*dispatch)(struct svc_req *, SVCXPRT *))
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 || getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "%s: ONC server socket: %s\n", bench_name, strerror(errno));
		exit(1);
	}
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(path, sizeof(path), "%s/onc", dir);
	/* Buffer sizes 0: libtirpc's defaults, as clnt_create and svc_create use them.
	 * Protocol 0 in svc_register: not registered with rpcbind. */
	SVCXPRT *tcp = svc_vc_create(fd, 0, 0);
	SVCXPRT *unx = svcunix_create(RPC_ANYSOCK, 0, 0, path);
	if (!tcp || !unx || !svc_register(tcp, prog, vers, dispatch, 0) ||
	    !svc_register(unx, prog, vers, dispatch, 0)) {
		fprintf(stderr, "%s: the ONC RPC server did not start\n", bench_name);
		exit(1);
	}
	dprintf(report_fd, "%u %s\n", (unsigned)ntohs(sin.sin_port), path);
	close(report_fd);
	svc_run(); /* until SIGTERM ends the process */
	exit(1);
}

CLIENT *
bench_onc_connect(bool tcp, const struct bench_addr *a, rpcprog_t prog, rpcvers_t vers)
{
	int sock = RPC_ANYSOCK;
	CLIENT *cl;
	if (tcp) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)a->port),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		cl = clnttcp_create(&sin, prog, vers, &sock, 0, 0);
	} else {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a->path);
		cl = clntunix_create(&sun, prog, vers, &sock, 0, 0);
	}
	if (!cl) {
		char what[64];
		snprintf(what, sizeof(what), "%s: ONC RPC client", bench_name);
		clnt_pcreateerror(what);
		return NULL;
	}
	/* clntunix_create leaves the socket it made open after clnt_destroy (clnttcp_create
	 * closes its own): the connections would pile up in the server's poll set and slow
	 * every later measurement. */
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	int fd, one = 1;
	if (tcp && clnt_control(cl, CLGET_FD, (char *)&fd))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return cl;
}

/* ---- ridl ---- */

/* The TCP port of the server's ncacn_ip_tcp endpoint, from its bindings; 0 if none. */
static unsigned
tcp_port(void)
{
	RPC_BINDING_VECTOR *v = NULL;
	unsigned port = 0;
	if (RpcServerInqBindings(&v) != RPC_S_OK)
		return 0;
	for (ULONG i = 0; i < v->Count && !port; i++) {
		RPC_CSTR s = NULL, protseq = NULL, ep = NULL;
		if (RpcBindingToStringBindingA(v->BindingH[i], &s) != RPC_S_OK)
			continue;
		if (RpcStringBindingParseA(s, NULL, &protseq, NULL, &ep, NULL) == RPC_S_OK &&
		    strcmp((char *)protseq, "ncacn_ip_tcp") == 0)
			port = (unsigned)strtoul((char *)ep, NULL, 10);
		RpcStringFreeA(&protseq);
		RpcStringFreeA(&ep);
		RpcStringFreeA(&s);
	}
	RpcBindingVectorFree(&v);
	return port;
}

void
bench_ridl_serve(int report_fd, void *ifspec, unsigned max_rpc_size, unsigned max_calls)
{
	/* SIGTERM ends the server through sigwait below; every thread the runtime starts
	 * inherits the blocked mask, so the signal can only arrive there. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	/* ncalrpc puts its socket in the runtime's own directory. */
	char ep[64];
	snprintf(ep, sizeof(ep), "%s-%ld", bench_name, (long)getpid());
	RPC_STATUS st = RpcServerUseProtseqA((RPC_CSTR) "ncacn_ip_tcp",
					     RPC_C_PROTSEQ_MAX_REQS_DEFAULT, NULL);
	if (st == RPC_S_OK)
		st = RpcServerUseProtseqEpA((RPC_CSTR) "ncalrpc", RPC_C_PROTSEQ_MAX_REQS_DEFAULT,
					    (RPC_CSTR)ep, NULL);
	if (st == RPC_S_OK)
		st = RpcServerRegisterIf2(ifspec, NULL, NULL, 0, RPC_C_LISTEN_MAX_CALLS_DEFAULT,
					  max_rpc_size, NULL);
	if (st == RPC_S_OK)
		st = RpcServerListen(1, max_calls, TRUE);
	unsigned port = st == RPC_S_OK ? tcp_port() : 0;
	if (st != RPC_S_OK || port == 0) {
		fprintf(stderr, "%s: the ridl server did not start: status %ld\n", bench_name,
			(long)st);
		exit(1);
	}
	dprintf(report_fd, "%u %s\n", port, ep);
	close(report_fd);

	int sig;
	sigwait(&stop, &sig);
	RpcMgmtStopServerListening(NULL);
	RpcMgmtWaitServerListen();
	RpcServerUnregisterIf(NULL, NULL, FALSE);
	exit(0); /* the runtime removes the ncalrpc socket at exit */
}

bool
bench_ridl_pdu_sizes(const void *itf_, int n, void *const *const *args, size_t *ret_req,
		     size_t *ret_resp)
{
	const ridl_interface *itf = itf_;
	int32_t ret = 0;
	if (rpcrt_ndr_check_interface(itf) != RPC_S_OK || itf->nprocs != (unsigned)n)
		return false;
	for (int k = 0; k < n; k++) {
		const ridl_proc *proc = itf->procs[k];
		rpcrt_buf stub = { 0 }, pdu = { 0 };
		/* Both sides offer RPCRT_PDU_MAX_FRAG in the bind, so that is the fragment size
		 * of both directions (the --quick wire check confirms it). */
		rpcrt_pdu_request rq = { .p_cont_id = 0, .opnum = (uint16_t)k };
		rpcrt_pdu_response rs = { .p_cont_id = 0 };
		RPC_STATUS st = rpcrt_ndr_marshal_request(proc, args[k], &stub);
		rq.stub = stub.data;
		rq.stub_len = stub.len;
		if (st == RPC_S_OK)
			st = rpcrt_pdu_encode_request_frags(&pdu, 1, 0, &rq, RPCRT_PDU_MAX_FRAG);
		ret_req[k] = pdu.len;
		stub.len = pdu.len = 0;
		if (st == RPC_S_OK)
			st = rpcrt_ndr_marshal_response(proc, args[k], proc->ret ? &ret : NULL,
							&stub);
		rs.stub = stub.data;
		rs.stub_len = stub.len;
		if (st == RPC_S_OK)
			st = rpcrt_pdu_encode_response_frags(&pdu, 1, 0, &rs, RPCRT_PDU_MAX_FRAG);
		ret_resp[k] = pdu.len;
		rpcrt_buf_free(&stub);
		rpcrt_buf_free(&pdu);
		if (st != RPC_S_OK)
			return false;
	}
	return true;
}
