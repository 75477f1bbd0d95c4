/* The I/O loop (runtime/ioloop.c) and the stream transports (runtime/transport.c). Everything
 * runs over the loopback interface or AF_UNIX sockets in a private XDG_RUNTIME_DIR made for each
 * test; no test reaches the network. Every wait is bounded (poll timeouts, timed condition
 * waits, the tcase timeout), and the fixture checks that each test closed every descriptor it
 * opened and left no socket file behind. Callbacks on the loop thread never assert (a failed
 * assertion there would not stop the test cleanly): they count problems, and the test thread
 * checks the counts. */
#define _GNU_SOURCE /* mkdtemp, setenv, usleep */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "check_main.h"
#include "ioloop.h"
#include "transport.h"

/* ==== Fixtures: a private runtime directory and a descriptor count ===========================
 * The directory is made and removed by an unchecked fixture, which runs in Check's parent
 * process, so it goes away even when a test fails in its child; the checked fixture, in the
 * child, checks what the test itself must clean up. */

#define SOCK_FIXTURE_NAME "transport"
#include "sock_fixture.h"

static void
setup(void)
{
	/* SIGPIPE keeps its default action (death), so a send that raised it would fail the
	 * test rather than pass unnoticed. */
	signal(SIGPIPE, SIG_DFL);
	/* A test that failed earlier in this tcase may have left files; they are not ours. */
	dir_clear();
	fds_at_start = fd_count();
}

static void
teardown(void)
{
	char sub[96];

	ck_assert_int_eq(fd_count(), fds_at_start);
	/* rmdir fails on a directory that still holds a socket file. */
	snprintf(sub, sizeof(sub), "%s/ridl", tmp_dir);
	if (rmdir(sub) != 0)
		ck_assert_int_eq(errno, ENOENT);
}

/* ==== Small helpers ============================================================================ */

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
left_ms(uint64_t deadline)
{
	uint64_t now = mono_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* A counter that threads wait on, with a timeout. */
struct latch {
	pthread_mutex_t m;
	pthread_cond_t c;
	int n;
};

static void
latch_init(struct latch *l)
{
	pthread_condattr_t a;

	pthread_mutex_init(&l->m, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&l->c, &a);
	pthread_condattr_destroy(&a);
	l->n = 0;
}

static void
latch_destroy(struct latch *l)
{
	pthread_cond_destroy(&l->c);
	pthread_mutex_destroy(&l->m);
}

static void
latch_add(struct latch *l)
{
	pthread_mutex_lock(&l->m);
	l->n++;
	pthread_cond_broadcast(&l->c);
	pthread_mutex_unlock(&l->m);
}

/* Waits until the count reaches target or ms pass; whether it did. */
static bool
latch_wait(struct latch *l, int target, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->m);
	while (l->n < target && pthread_cond_timedwait(&l->c, &l->m, &ts) != ETIMEDOUT)
		;
	bool ok = l->n >= target;
	pthread_mutex_unlock(&l->m);
	return ok;
}

static bool
have_ipv6_loopback(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static uint16_t
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
port_str(uint16_t port, char buf[8])
{
	snprintf(buf, 8, "%u", (unsigned)port);
}

static void
endpoint_name(const char *what, char *buf, size_t n)
{
	snprintf(buf, n, "t-%s-%ld", what, (long)getpid());
}

static void
endpoint_path(const char *endpoint, char *buf, size_t n)
{
	ck_assert_int_eq(rpcrt_ncalrpc_path(endpoint, buf, n), RPC_S_OK);
}

static bool
poll_one(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, ms);
	} while (r < 0 && errno == EINTR);
	return r == 1;
}

/* Blocking-style client I/O on a nonblocking socket, through the transport helpers, writing at
 * most `step` bytes per call. RPC_S_TIMEOUT when the deadline passes first. */
static RPC_STATUS
send_all(int fd, const void *buf, size_t len, size_t step, uint64_t deadline)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (off < len) {
		size_t n = 0, want = len - off < step ? len - off : step;
		RPC_STATUS st = rpcrt_sock_write(fd, p + off, want, &n);
		if (st == RPC_S_OK) {
			off += n;
			continue;
		}
		if (st != RPC_S_ASYNC_CALL_PENDING)
			return st;
		int left = left_ms(deadline);
		if (left == 0)
			return RPC_S_TIMEOUT;
		poll_one(fd, POLLOUT, left);
	}
	return RPC_S_OK;
}

static RPC_STATUS
recv_all(int fd, void *buf, size_t len, uint64_t deadline)
{
	unsigned char *p = buf;
	size_t off = 0;

	while (off < len) {
		size_t n = 0;
		RPC_STATUS st = rpcrt_sock_read(fd, p + off, len - off, &n);
		if (st == RPC_S_OK) {
			off += n;
			continue;
		}
		if (st != RPC_S_ASYNC_CALL_PENDING)
			return st;
		int left = left_ms(deadline);
		if (left == 0)
			return RPC_S_TIMEOUT;
		poll_one(fd, POLLIN, left);
	}
	return RPC_S_OK;
}

/* ==== An echo server on the loop ================================================================
 * Messages are framed as a 4-byte little-endian length and that many bytes; the server reads at
 * most `chunk` bytes per callback, reassembles whole messages and sends each one back. A
 * connection that does not complete a message within `deadline_ms` of its start (or of the
 * previous message) is closed: the defence against idle peers and slow loris. All its state is
 * touched only on the loop thread, or after the loop has stopped. */

#define ECHO_MAX_MESSAGE (8u << 20)

struct echo_server;

/* One accepted connection. Owner: its echo_server; freed by conn_close(). */
struct echo_conn {
	struct echo_server *srv;
	int fd;
	rpcrt_watch *watch;
	rpcrt_timer *deadline;
	unsigned char *in;
	size_t in_len, in_cap;
	unsigned char *out;
	size_t out_len, out_off, out_cap;
	struct echo_conn *prev, *next;
};

/* The server. Owner: the test; echo_stop() frees what it holds. */
struct echo_server {
	rpcrt_loop *loop;
	int lfds[2];
	size_t nl;
	rpcrt_watch *lwatch[2];
	size_t chunk;
	uint32_t deadline_ms;
	struct echo_conn *conns;
	atomic_int accepted;
	atomic_int messages;
	atomic_int closed;
	atomic_int expired;
	atomic_int errors;
};

static void conn_expired(rpcrt_timer *t, void *ctx);

static void
conn_close(struct echo_conn *c)
{
	struct echo_server *s = c->srv;

	rpcrt_loop_del(c->watch);
	rpcrt_loop_timer_cancel(c->deadline); /* from its own callback too: the loop frees it */
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c->in);
	free(c->out);
	free(c);
	atomic_fetch_add(&s->closed, 1);
}

static void
conn_arm(struct echo_conn *c)
{
	struct echo_server *s = c->srv;

	if (s->deadline_ms == 0)
		return;
	rpcrt_loop_timer_cancel(c->deadline);
	c->deadline = NULL;
	if (rpcrt_loop_timer(s->loop, s->deadline_ms, conn_expired, c, &c->deadline) != RPC_S_OK)
		atomic_fetch_add(&s->errors, 1);
}

static void
conn_expired(rpcrt_timer *t, void *ctx)
{
	struct echo_conn *c = ctx;

	if (c->deadline != t)
		atomic_fetch_add(&c->srv->errors, 1);
	atomic_fetch_add(&c->srv->expired, 1);
	conn_close(c);
}

/* Sends what is queued; false when that closed the connection. */
static bool
conn_flush(struct echo_conn *c)
{
	while (c->out_off < c->out_len) {
		size_t n = 0;
		RPC_STATUS st =
			rpcrt_sock_write(c->fd, c->out + c->out_off, c->out_len - c->out_off, &n);
		if (st == RPC_S_ASYNC_CALL_PENDING) {
			if (rpcrt_loop_mod(c->watch, RPCRT_EV_READ | RPCRT_EV_WRITE) != RPC_S_OK)
				atomic_fetch_add(&c->srv->errors, 1);
			return true;
		}
		if (st != RPC_S_OK) {
			conn_close(c);
			return false;
		}
		c->out_off += n;
	}
	c->out_off = c->out_len = 0;
	if (rpcrt_loop_mod(c->watch, RPCRT_EV_READ) != RPC_S_OK)
		atomic_fetch_add(&c->srv->errors, 1);
	return true;
}

static bool
append(unsigned char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
	if (*cap - *len < n) {
		size_t ncap = *cap ? *cap : 256;
		while (ncap - *len < n)
			ncap *= 2;
		unsigned char *p = realloc(*buf, ncap);
		if (p == NULL)
			return false;
		*buf = p;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	return true;
}

static void
on_conn(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct echo_conn *c = ctx;
	struct echo_server *s = c->srv;

	if ((revents & RPCRT_EV_WRITE) && !conn_flush(c))
		return;
	if (!(revents & (RPCRT_EV_READ | RPCRT_EV_HUP | RPCRT_EV_ERROR)))
		return;

	if (c->in_cap - c->in_len < s->chunk) {
		size_t ncap = c->in_cap ? c->in_cap * 2 : 4096;
		while (ncap - c->in_len < s->chunk)
			ncap *= 2;
		unsigned char *p = realloc(c->in, ncap);
		if (p == NULL) {
			atomic_fetch_add(&s->errors, 1);
			conn_close(c);
			return;
		}
		c->in = p;
		c->in_cap = ncap;
	}
	size_t got = 0;
	RPC_STATUS st = rpcrt_sock_read(fd, c->in + c->in_len, s->chunk, &got);
	if (st == RPC_S_ASYNC_CALL_PENDING)
		return;
	if (st != RPC_S_OK) {
		if (st != RPC_S_CALL_FAILED)
			atomic_fetch_add(&s->errors, 1);
		conn_close(c);
		return;
	}
	c->in_len += got;

	size_t used = 0;
	while (c->in_len - used >= 4) {
		const unsigned char *h = c->in + used;
		uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
			       (uint32_t)h[3] << 24;
		if (len > ECHO_MAX_MESSAGE) {
			atomic_fetch_add(&s->errors, 1);
			conn_close(c);
			return;
		}
		if (c->in_len - used < 4 + (size_t)len)
			break;
		if (!append(&c->out, &c->out_len, &c->out_cap, h, 4 + (size_t)len)) {
			atomic_fetch_add(&s->errors, 1);
			conn_close(c);
			return;
		}
		used += 4 + (size_t)len;
		atomic_fetch_add(&s->messages, 1);
		conn_arm(c);
	}
	if (used > 0) {
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		conn_flush(c);
	}
}

static void
on_listen(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct echo_server *s = ctx;
	int cfd;

	while (rpcrt_sock_accept(fd, &cfd) == RPC_S_OK) {
		struct echo_conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			atomic_fetch_add(&s->errors, 1);
			close(cfd);
			continue;
		}
		c->srv = s;
		c->fd = cfd;
		if (rpcrt_loop_add(s->loop, cfd, RPCRT_EV_READ, on_conn, c, &c->watch) !=
		    RPC_S_OK) {
			atomic_fetch_add(&s->errors, 1);
			close(cfd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = c;
		s->conns = c;
		atomic_fetch_add(&s->accepted, 1);
		conn_arm(c);
	}
}

/* Starts serving the listening sockets fds[0..n-1] (the server takes them over). */
static void
echo_start(struct echo_server *s, const int *fds, size_t n, size_t chunk, uint32_t deadline_ms)
{
	memset(s, 0, sizeof(*s));
	s->chunk = chunk;
	s->deadline_ms = deadline_ms;
	s->nl = n;
	ck_assert_int_eq(rpcrt_loop_new(&s->loop), RPC_S_OK);
	for (size_t i = 0; i < n; i++) {
		s->lfds[i] = fds[i];
		ck_assert_int_eq(
			rpcrt_loop_add(s->loop, fds[i], RPCRT_EV_READ, on_listen, s, &s->lwatch[i]),
			RPC_S_OK);
	}
	ck_assert_int_eq(rpcrt_loop_start(s->loop), RPC_S_OK);
}

static void
echo_stop(struct echo_server *s)
{
	ck_assert_int_eq(rpcrt_loop_stop(s->loop), RPC_S_OK);
	/* The loop thread is gone: the connections are ours to close. */
	while (s->conns != NULL)
		conn_close(s->conns);
	for (size_t i = 0; i < s->nl; i++) {
		rpcrt_loop_del(s->lwatch[i]);
		close(s->lfds[i]);
	}
	rpcrt_loop_free(s->loop);
	ck_assert_int_eq(atomic_load(&s->errors), 0);
}

static unsigned char *
make_message(size_t len, unsigned seed)
{
	unsigned char *m = malloc(4 + len);

	ck_assert_ptr_nonnull(m);
	m[0] = (unsigned char)len;
	m[1] = (unsigned char)(len >> 8);
	m[2] = (unsigned char)(len >> 16);
	m[3] = (unsigned char)(len >> 24);
	for (size_t i = 0; i < len; i++)
		m[4 + i] = (unsigned char)(i * 31 + seed + (i >> 8));
	return m;
}

/* Sends one framed message of len bytes, `step` bytes per write, and checks the echo. */
static void
echo_roundtrip(int fd, size_t len, size_t step, unsigned seed)
{
	unsigned char *m = make_message(len, seed);
	unsigned char *back = malloc(4 + len);
	uint64_t deadline = mono_ms() + 15000;

	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(send_all(fd, m, 4 + len, step, deadline), RPC_S_OK);
	ck_assert_int_eq(recv_all(fd, back, 4 + len, deadline), RPC_S_OK);
	ck_assert_mem_eq(back, m, 4 + len);
	free(back);
	free(m);
}

/* ==== Loop: lifecycle ============================================================================ */

struct lifecycle {
	rpcrt_loop *loop;
	RPC_STATUS stop_status;
	bool current;
	struct latch done;
};

static void
lifecycle_probe(void *ctx)
{
	struct lifecycle *lc = ctx;

	lc->current = rpcrt_loop_is_current(lc->loop);
	lc->stop_status = rpcrt_loop_stop(lc->loop); /* refused: the loop cannot join itself */
	latch_add(&lc->done);
}

static void
noop_post(void *ctx)
{
}

START_TEST(loop_lifecycle)
{
	rpcrt_loop *loop = NULL;
	struct lifecycle lc = { .stop_status = -1 };

	/* A loop that never runs. */
	ck_assert_int_eq(rpcrt_loop_new(&loop), RPC_S_OK);
	ck_assert(!rpcrt_loop_is_current(loop));
	ck_assert_int_eq(rpcrt_loop_post(loop, noop_post, NULL), RPC_S_NOT_LISTENING);
	rpcrt_loop_free(loop);
	rpcrt_loop_free(NULL);

	ck_assert_int_eq(rpcrt_loop_new(NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_loop_new(&loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(loop, NULL, NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_ALREADY_LISTENING);

	latch_init(&lc.done);
	lc.loop = loop;
	ck_assert_int_eq(rpcrt_loop_post(loop, lifecycle_probe, &lc), RPC_S_OK);
	ck_assert(latch_wait(&lc.done, 1, 5000));
	ck_assert(lc.current);
	ck_assert_int_eq(lc.stop_status, RPC_S_INVALID_ARG);
	ck_assert(!rpcrt_loop_is_current(loop));

	ck_assert_int_eq(rpcrt_loop_stop(loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_stop(loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(loop, noop_post, NULL), RPC_S_NOT_LISTENING);
	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_ALREADY_LISTENING);
	rpcrt_loop_free(loop);
	latch_destroy(&lc.done);
}
END_TEST

/* ==== Loop: posts ================================================================================ */

#define POSTS 2000

struct order {
	rpcrt_loop *loop;
	pthread_mutex_t m;
	int seen[POSTS + 8];
	int n;
	struct latch done;
	int target;
	struct latch entered; /* order_gate has started */
	struct latch gate;    /* order_gate waits for this */
};

struct order_item {
	struct order *o;
	int value;
	int repost; /* when >= 0, post this value from inside the callback */
};

static void
order_record(struct order *o, int value)
{
	pthread_mutex_lock(&o->m);
	if (o->n < (int)(sizeof(o->seen) / sizeof(o->seen[0])))
		o->seen[o->n] = value;
	o->n++;
	bool last = o->n == o->target;
	pthread_mutex_unlock(&o->m);
	if (last)
		latch_add(&o->done);
}

static void
order_post(void *ctx)
{
	struct order_item *it = ctx;

	order_record(it->o, it->value);
	if (it->repost >= 0) {
		it->value = it->repost;
		it->repost = -1;
		if (rpcrt_loop_post(it->o->loop, order_post, it) != RPC_S_OK)
			order_record(it->o, -100);
	}
}

static void
order_gate(void *ctx)
{
	struct order *o = ctx;

	latch_add(&o->entered);
	latch_wait(&o->gate, 1, 10000);
}

START_TEST(loop_post_fifo)
{
	static struct order o;
	static struct order_item items[POSTS];
	struct order_item a, b, c;

	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.m, NULL);
	latch_init(&o.done);
	latch_init(&o.entered);
	latch_init(&o.gate);
	ck_assert_int_eq(rpcrt_loop_new(&o.loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(o.loop), RPC_S_OK);

	/* A function posted from a posted function runs after those already queued. The loop
	 * is held in a first post while a, b and c are queued, so that all three are waiting
	 * when a runs. */
	o.target = 4;
	a = (struct order_item){ &o, 1, 4 };
	b = (struct order_item){ &o, 2, -1 };
	c = (struct order_item){ &o, 3, -1 };
	ck_assert_int_eq(rpcrt_loop_post(o.loop, order_gate, &o), RPC_S_OK);
	ck_assert(latch_wait(&o.entered, 1, 5000));
	ck_assert_int_eq(rpcrt_loop_post(o.loop, order_post, &a), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(o.loop, order_post, &b), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(o.loop, order_post, &c), RPC_S_OK);
	latch_add(&o.gate);
	ck_assert(latch_wait(&o.done, 1, 5000));
	ck_assert_int_eq(o.n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(o.seen[i], i + 1);

	/* Many, from this thread, in order. */
	pthread_mutex_lock(&o.m);
	o.n = 0;
	o.target = POSTS;
	pthread_mutex_unlock(&o.m);
	for (int i = 0; i < POSTS; i++) {
		items[i] = (struct order_item){ &o, i, -1 };
		ck_assert_int_eq(rpcrt_loop_post(o.loop, order_post, &items[i]), RPC_S_OK);
	}
	ck_assert(latch_wait(&o.done, 2, 10000));
	ck_assert_int_eq(o.n, POSTS);
	for (int i = 0; i < POSTS; i++)
		ck_assert_int_eq(o.seen[i], i);

	rpcrt_loop_free(o.loop);
	latch_destroy(&o.done);
	latch_destroy(&o.entered);
	latch_destroy(&o.gate);
	pthread_mutex_destroy(&o.m);
}
END_TEST

/* ==== Loop: timers =============================================================================== */

struct tick {
	struct order *o;
	int id;
	uint32_t ms;
	uint64_t created;
	atomic_int late_error; /* fired before its time */
	rpcrt_timer *t;
};

static void
tick_fire(rpcrt_timer *t, void *ctx)
{
	struct tick *k = ctx;

	if (mono_ms() + 1 < k->created + k->ms || t != k->t)
		atomic_fetch_add(&k->late_error, 1);
	order_record(k->o, k->id);
}

START_TEST(loop_timers_order_and_cancel)
{
	static struct order o;
	static const uint32_t delays[] = { 120, 30, 90, 30, 150, 60, 200 };
	enum { N = sizeof(delays) / sizeof(delays[0]) };
	struct tick ticks[N];

	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.m, NULL);
	latch_init(&o.done);
	ck_assert_int_eq(rpcrt_loop_new(&o.loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_timer(o.loop, 1, tick_fire, NULL, NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_loop_start(o.loop), RPC_S_OK);

	o.target = N - 2;
	for (int i = 0; i < N; i++) {
		ticks[i] = (struct tick){ .o = &o, .id = i, .ms = delays[i], .created = mono_ms() };
		ck_assert_int_eq(
			rpcrt_loop_timer(o.loop, delays[i], tick_fire, &ticks[i], &ticks[i].t),
			RPC_S_OK);
	}
	/* Cancel two before they fire: 90 ms and 200 ms. */
	ck_assert(rpcrt_loop_timer_cancel(ticks[2].t));
	ck_assert(rpcrt_loop_timer_cancel(ticks[6].t));
	ck_assert(latch_wait(&o.done, 1, 5000));
	/* Nothing else may fire: wait past the cancelled 200 ms one. */
	usleep(120 * 1000);
	pthread_mutex_lock(&o.m);
	ck_assert_int_eq(o.n, N - 2);
	/* By deadline, and in creation order for equal deadlines (1 and 3 are both 30 ms). */
	static const int want[] = { 1, 3, 5, 0, 4 };
	for (int i = 0; i < N - 2; i++)
		ck_assert_int_eq(o.seen[i], want[i]);
	pthread_mutex_unlock(&o.m);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(atomic_load(&ticks[i].late_error), 0);
		if (i != 2 && i != 6)
			ck_assert(!rpcrt_loop_timer_cancel(ticks[i].t)); /* fired: released */
	}
	ck_assert(!rpcrt_loop_timer_cancel(NULL));

	rpcrt_loop_free(o.loop);
	latch_destroy(&o.done);
	pthread_mutex_destroy(&o.m);
}
END_TEST

/* A callback that takes its time, so that a cancel or del from another thread lands while it
 * runs and must wait for it. */
struct slow_cb {
	struct latch started;
	atomic_int finished;
	atomic_int calls;
	rpcrt_timer *self;
	bool cancel_self;
	bool self_result;
};

static void
slow_timer(rpcrt_timer *t, void *ctx)
{
	struct slow_cb *s = ctx;

	atomic_fetch_add(&s->calls, 1);
	if (s->cancel_self) {
		s->self_result = rpcrt_loop_timer_cancel(t);
		atomic_store(&s->finished, 1);
		latch_add(&s->started);
		return;
	}
	latch_add(&s->started);
	usleep(150 * 1000);
	atomic_store(&s->finished, 1);
}

START_TEST(loop_timer_cancel_waits_for_callback)
{
	rpcrt_loop *loop;
	struct slow_cb s = { 0 };

	latch_init(&s.started);
	ck_assert_int_eq(rpcrt_loop_new(&loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_timer(loop, 0, slow_timer, &s, &s.self), RPC_S_OK);
	ck_assert(latch_wait(&s.started, 1, 5000));
	/* The callback is asleep inside; cancel returns only after it is done. */
	ck_assert(!rpcrt_loop_timer_cancel(s.self));
	ck_assert_int_eq(atomic_load(&s.finished), 1);
	ck_assert_int_eq(atomic_load(&s.calls), 1);

	/* A timer may release itself from inside its callback. */
	struct slow_cb s2 = { .cancel_self = true, .self_result = true };
	latch_init(&s2.started);
	ck_assert_int_eq(rpcrt_loop_timer(loop, 5, slow_timer, &s2, &s2.self), RPC_S_OK);
	ck_assert(latch_wait(&s2.started, 1, 5000));
	ck_assert(!s2.self_result);
	rpcrt_loop_free(loop); /* ASan: the loop freed it exactly once */
	latch_destroy(&s.started);
	latch_destroy(&s2.started);
}
END_TEST

/* ==== Loop: watches ============================================================================== */

static void
slow_watch(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct slow_cb *s = ctx;

	/* The byte is left unread, so a level-triggered watch would be called again and
	 * again; after del it must not be. */
	atomic_fetch_add(&s->calls, 1);
	if (atomic_load(&s->finished))
		return;
	latch_add(&s->started);
	usleep(150 * 1000);
	atomic_store(&s->finished, 1);
}

START_TEST(loop_del_waits_for_callback)
{
	rpcrt_loop *loop;
	rpcrt_watch *w;
	struct slow_cb s = { 0 };
	int sv[2];

	latch_init(&s.started);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(rpcrt_loop_new(&loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_add(loop, sv[0], RPCRT_EV_READ, slow_watch, &s, &w), RPC_S_OK);
	/* The same descriptor twice, bad flags, bad descriptors. */
	rpcrt_watch *w2 = NULL;
	ck_assert_int_eq(rpcrt_loop_add(loop, sv[0], RPCRT_EV_READ, slow_watch, &s, &w2),
			 RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_loop_add(loop, sv[1], 0x80, slow_watch, &s, &w2), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_loop_add(loop, -1, RPCRT_EV_READ, slow_watch, &s, &w2),
			 RPC_S_INVALID_ARG);
	ck_assert_ptr_null(w2);

	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_OK);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert(latch_wait(&s.started, 1, 5000));
	rpcrt_loop_del(w);
	ck_assert_int_eq(atomic_load(&s.finished), 1);
	int calls = atomic_load(&s.calls);
	usleep(50 * 1000);
	ck_assert_int_eq(atomic_load(&s.calls), calls);

	/* The descriptor is free to be watched again. */
	ck_assert_int_eq(rpcrt_loop_add(loop, sv[0], 0, slow_watch, &s, &w), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_mod(w, 0x80), RPC_S_INVALID_ARG);
	rpcrt_loop_del(w);
	rpcrt_loop_del(NULL);
	rpcrt_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
	latch_destroy(&s.started);
}
END_TEST

/* Stress: threads add and delete watches (and make and cancel timers) while a writer keeps the
 * descriptors readable. Each watch's context is freed right after rpcrt_loop_del() returns, so
 * a callback that ran after that would be a use after free (ASan) or would see alive false. */

#define STRESS_PAIRS   16
#define STRESS_THREADS 2
#define STRESS_ROUNDS  1500

struct stress {
	rpcrt_loop *loop;
	int sv[STRESS_PAIRS][2];
	atomic_bool stop_writer;
	atomic_int violations;
	atomic_long calls;
	atomic_long timer_calls;
};

struct stress_ctx {
	struct stress *s;
	atomic_bool alive;
};

static void
stress_watch(rpcrt_watch *w, int fd, uint32_t revents, void *ctx)
{
	struct stress_ctx *c = ctx;
	char buf[64];

	if (!atomic_load(&c->alive))
		atomic_fetch_add(&c->s->violations, 1);
	atomic_fetch_add(&c->s->calls, 1);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	/* Widen the window in which a del from another thread finds us running. */
	if ((atomic_load(&c->s->calls) & 7) == 0)
		usleep(20);
	if (!atomic_load(&c->alive))
		atomic_fetch_add(&c->s->violations, 1);
}

static void
stress_timer(rpcrt_timer *t, void *ctx)
{
	struct stress_ctx *c = ctx;

	if (!atomic_load(&c->alive))
		atomic_fetch_add(&c->s->violations, 1);
	atomic_fetch_add(&c->s->timer_calls, 1);
	if (!atomic_load(&c->alive))
		atomic_fetch_add(&c->s->violations, 1);
}

static void *
stress_writer(void *arg)
{
	struct stress *s = arg;

	while (!atomic_load(&s->stop_writer)) {
		for (int i = 0; i < STRESS_PAIRS; i++) {
			ssize_t r = write(s->sv[i][1], "x", 1);
			(void)r;
		}
		usleep(50);
	}
	return NULL;
}

struct stress_worker {
	struct stress *s;
	int first; /* this thread's pairs: first, first + STRESS_THREADS, ... */
	int failures;
};

static void *
stress_churn(void *arg)
{
	struct stress_worker *wk = arg;
	struct stress *s = wk->s;
	int pair = wk->first;

	for (int round = 0; round < STRESS_ROUNDS; round++) {
		struct stress_ctx *wc = malloc(sizeof(*wc));
		struct stress_ctx *tc = malloc(sizeof(*tc));
		rpcrt_watch *w;
		rpcrt_timer *t;

		wc->s = tc->s = s;
		atomic_init(&wc->alive, true);
		atomic_init(&tc->alive, true);
		if (rpcrt_loop_add(s->loop, s->sv[pair][0], RPCRT_EV_READ, stress_watch, wc, &w) !=
			    RPC_S_OK ||
		    rpcrt_loop_timer(s->loop, (uint32_t)(round & 1), stress_timer, tc, &t) !=
			    RPC_S_OK) {
			wk->failures++;
			break;
		}
		if (round % 3 == 0)
			rpcrt_loop_mod(w, RPCRT_EV_READ | RPCRT_EV_WRITE);
		for (int spin = round % 50; spin > 0; spin--)
			sched_yield();
		rpcrt_loop_del(w);
		atomic_store(&wc->alive, false);
		free(wc);
		rpcrt_loop_timer_cancel(t);
		atomic_store(&tc->alive, false);
		free(tc);
		pair = (pair + STRESS_THREADS) % STRESS_PAIRS;
	}
	return NULL;
}

START_TEST(loop_del_stress)
{
	static struct stress s;
	pthread_t writer, workers[STRESS_THREADS];
	struct stress_worker wk[STRESS_THREADS];

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < STRESS_PAIRS; i++)
		ck_assert_int_eq(
			socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s.sv[i]),
			0);
	ck_assert_int_eq(rpcrt_loop_new(&s.loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(s.loop), RPC_S_OK);
	ck_assert_int_eq(pthread_create(&writer, NULL, stress_writer, &s), 0);
	for (int i = 0; i < STRESS_THREADS; i++) {
		wk[i] = (struct stress_worker){ .s = &s, .first = i };
		ck_assert_int_eq(pthread_create(&workers[i], NULL, stress_churn, &wk[i]), 0);
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		pthread_join(workers[i], NULL);
		ck_assert_int_eq(wk[i].failures, 0);
	}
	atomic_store(&s.stop_writer, true);
	pthread_join(writer, NULL);
	rpcrt_loop_free(s.loop);

	ck_assert_int_eq(atomic_load(&s.violations), 0);
	/* The race was really run: callbacks fired while watches came and went. */
	ck_assert_int_gt(atomic_load(&s.calls), 0);
	ck_assert_int_gt(atomic_load(&s.timer_calls), 0);
	for (int i = 0; i < STRESS_PAIRS; i++) {
		close(s.sv[i][0]);
		close(s.sv[i][1]);
	}
}
END_TEST

/* ==== Loop: stop with work pending =============================================================== */

struct pending {
	rpcrt_loop *loop;
	struct latch gate;    /* the first post waits here */
	struct latch entered; /* the first post has started */
	atomic_int ran;
	atomic_int timer_fired;
	RPC_STATUS repost;
};

static void
pending_gatekeeper(void *ctx)
{
	struct pending *p = ctx;

	latch_add(&p->entered);
	latch_wait(&p->gate, 1, 10000);
	atomic_fetch_add(&p->ran, 1);
}

static void
pending_count(void *ctx)
{
	struct pending *p = ctx;

	atomic_fetch_add(&p->ran, 1);
}

static void
pending_repost(void *ctx)
{
	struct pending *p = ctx;

	atomic_fetch_add(&p->ran, 1);
	p->repost = rpcrt_loop_post(p->loop, pending_count, p);
}

static void
pending_timer(rpcrt_timer *t, void *ctx)
{
	struct pending *p = ctx;

	atomic_fetch_add(&p->timer_fired, 1);
}

static void *
stopper(void *arg)
{
	rpcrt_loop_stop(arg);
	return NULL;
}

START_TEST(loop_stop_with_pending_work)
{
	struct pending p = { .repost = -1 };
	struct slow_cb ws = { .finished = 1 }; /* counts calls and returns */
	pthread_t th;
	rpcrt_timer *t;
	rpcrt_watch *w;
	int sv[2];

	latch_init(&p.gate);
	latch_init(&p.entered);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(rpcrt_loop_new(&p.loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(p.loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(p.loop, pending_gatekeeper, &p), RPC_S_OK);
	ck_assert(latch_wait(&p.entered, 1, 5000));
	/* The loop thread is held inside the first post; queue work behind it. */
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(rpcrt_loop_post(p.loop, pending_count, &p), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_post(p.loop, pending_repost, &p), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_timer(p.loop, 10, pending_timer, &p, &t), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_add(p.loop, sv[0], RPCRT_EV_WRITE, slow_watch, &ws, &w),
			 RPC_S_OK);

	/* Another thread stops the loop; once posting is refused the stop has begun. */
	ck_assert_int_eq(pthread_create(&th, NULL, stopper, p.loop), 0);
	int accepted = 0;
	uint64_t deadline = mono_ms() + 5000;
	RPC_STATUS st;
	while ((st = rpcrt_loop_post(p.loop, pending_count, &p)) == RPC_S_OK &&
	       mono_ms() < deadline) {
		accepted++;
		usleep(1000);
	}
	ck_assert_int_eq(st, RPC_S_NOT_LISTENING);
	usleep(20 * 1000); /* past the timer's deadline, while the loop is still held */
	latch_add(&p.gate);
	pthread_join(th, NULL);

	/* Everything accepted ran; the post made during the stop was refused; the timer and
	 * the (always writable) watch were not served after the stop began. */
	ck_assert_int_eq(atomic_load(&p.ran), 1 + 100 + 1 + accepted);
	ck_assert_int_eq(p.repost, RPC_S_NOT_LISTENING);
	ck_assert_int_eq(atomic_load(&p.timer_fired), 0);
	ck_assert_int_eq(atomic_load(&ws.calls), 0);
	ck_assert(rpcrt_loop_timer_cancel(t));
	rpcrt_loop_del(w);
	ck_assert_int_eq(rpcrt_loop_post(p.loop, pending_count, &p), RPC_S_NOT_LISTENING);
	rpcrt_loop_free(p.loop);
	close(sv[0]);
	close(sv[1]);
	latch_destroy(&p.gate);
	latch_destroy(&p.entered);
}
END_TEST

START_TEST(loop_free_releases_leftovers)
{
	rpcrt_loop *loop;
	rpcrt_watch *w;
	rpcrt_timer *t1, *t2;
	int sv[2];
	struct slow_cb s = { 0 };

	/* A watch never deleted, a timer that fired and one that never will, freed with the
	 * loop (LeakSanitizer checks). */
	latch_init(&s.started);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(rpcrt_loop_new(&loop), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_add(loop, sv[0], 0, slow_watch, &s, &w), RPC_S_OK);
	s.cancel_self = false;
	atomic_store(&s.finished, 0);
	ck_assert_int_eq(rpcrt_loop_timer(loop, 0, slow_timer, &s, &t1), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_timer(loop, 60000, slow_timer, &s, &t2), RPC_S_OK);
	ck_assert_int_eq(rpcrt_loop_start(loop), RPC_S_OK);
	ck_assert(latch_wait(&s.started, 1, 5000));
	rpcrt_loop_free(loop);
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	close(sv[0]);
	close(sv[1]);
	latch_destroy(&s.started);
}
END_TEST

/* ==== TCP ======================================================================================== */

START_TEST(tcp_ipv4_echo)
{
	struct echo_server srv;
	int lfd, cfd;
	size_t n = 0;
	uint16_t port = 0;
	char ps[8];

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_ne(port, 0);
	ck_assert_uint_eq(local_port(lfd), port);
	ck_assert(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	echo_start(&srv, &lfd, 1, 65536, 0);

	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_OK);
	ck_assert(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	echo_roundtrip(cfd, 0, 65536, 1);
	echo_roundtrip(cfd, 1, 65536, 2);
	echo_roundtrip(cfd, 1000, 65536, 3);
	echo_roundtrip(cfd, 300000, 65536, 4);
	close(cfd);

	/* "" is this host. */
	ck_assert_int_eq(rpcrt_tcp_connect("", ps, 2000, &cfd), RPC_S_OK);
	echo_roundtrip(cfd, 10, 65536, 5);
	close(cfd);
	echo_stop(&srv);
	ck_assert_int_eq(atomic_load(&srv.accepted), 2);
	ck_assert_int_eq(atomic_load(&srv.messages), 5);
}
END_TEST

START_TEST(tcp_ipv6_echo)
{
	struct echo_server srv;
	int lfd, cfd;
	size_t n = 0;
	uint16_t port = 0;
	char ps[8];

	if (!have_ipv6_loopback())
		return; /* nothing to test on a host without IPv6 */
	ck_assert_int_eq(rpcrt_tcp_listen("::1", NULL, &lfd, 1, &n, &port), RPC_S_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_ne(port, 0);
	echo_start(&srv, &lfd, 1, 65536, 0);
	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("::1", ps, 2000, &cfd), RPC_S_OK);
	echo_roundtrip(cfd, 5000, 65536, 1);
	close(cfd);
	ck_assert_int_eq(rpcrt_tcp_connect("[::1]", ps, 2000, &cfd), RPC_S_OK);
	echo_roundtrip(cfd, 5000, 65536, 2);
	close(cfd);
	/* Only ::1 is bound: IPv4 on that port is refused. */
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_SERVER_UNAVAILABLE);
	echo_stop(&srv);
}
END_TEST

START_TEST(tcp_wildcard_both_families)
{
	struct echo_server srv;
	int lfds[4], cfd;
	size_t n = 0;
	uint16_t port = 0;
	char ps[8];
	bool v6 = have_ipv6_loopback();

	ck_assert_int_eq(rpcrt_tcp_listen(NULL, "", lfds, 4, &n, &port), RPC_S_OK);
	ck_assert_uint_eq(n, v6 ? 2 : 1);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int on = 0;
		socklen_t olen = sizeof(on);
		ck_assert_int_eq(getsockname(lfds[i], (struct sockaddr *)&ss, &len), 0);
		ck_assert_uint_eq(local_port(lfds[i]), port);
		ck_assert_int_eq(getsockopt(lfds[i], SOL_SOCKET, SO_REUSEADDR, &on, &olen), 0);
		ck_assert_int_ne(on, 0);
		if (ss.ss_family == AF_INET6) {
			ck_assert_int_eq(getsockopt(lfds[i], IPPROTO_IPV6, IPV6_V6ONLY, &on, &olen),
					 0);
			ck_assert_int_ne(on, 0);
			ck_assert(
				IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr));
		} else {
			ck_assert_int_eq(ss.ss_family, AF_INET);
			ck_assert_uint_eq(((struct sockaddr_in *)&ss)->sin_addr.s_addr,
					  htonl(INADDR_ANY));
		}
	}
	echo_start(&srv, lfds, n, 65536, 0);
	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_OK);
	echo_roundtrip(cfd, 100, 65536, 1);
	close(cfd);
	if (v6) {
		ck_assert_int_eq(rpcrt_tcp_connect("::1", ps, 2000, &cfd), RPC_S_OK);
		echo_roundtrip(cfd, 100, 65536, 2);
		close(cfd);
		/* Both families need two slots. */
		int one;
		ck_assert_int_eq(rpcrt_tcp_listen(NULL, "", &one, 1, &n, &port),
				 RPC_S_BUFFER_TOO_SMALL);
	}
	echo_stop(&srv);

	/* A host name binds its addresses only, all on one port. */
	ck_assert_int_eq(rpcrt_tcp_listen("localhost", "", lfds, 4, &n, &port), RPC_S_OK);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(local_port(lfds[i]), port);
		close(lfds[i]);
	}
}
END_TEST

START_TEST(tcp_listen_errors)
{
	int lfd, fd2;
	size_t n = 0;
	uint16_t port = 0, port2 = 0;
	char ps[8];

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	port_str(port, ps);
	/* The port is taken (Microsoft: RPC_S_DUPLICATE_ENDPOINT). */
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", ps, &fd2, 1, &n, &port2),
			 RPC_S_DUPLICATE_ENDPOINT);
	ck_assert_uint_eq(port2, 0); /* outputs untouched on failure */
	close(lfd);
	/* Free again: SO_REUSEADDR lets it be bound at once. */
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", ps, &lfd, 1, &n, &port2), RPC_S_OK);
	ck_assert_uint_eq(port2, port);
	close(lfd);

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "0", &lfd, 1, &n, &port),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "65536", &lfd, 1, &n, &port),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "http", &lfd, 1, &n, &port),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_listen("bad host!", "", &lfd, 1, &n, &port),
			 RPC_S_INVALID_NET_ADDR);
	/* 192.0.2.1 (TEST-NET-1) is not an address of this host; nothing is sent anywhere. */
	ck_assert_int_eq(rpcrt_tcp_listen("192.0.2.1", "", &lfd, 1, &n, &port),
			 RPC_S_CANT_CREATE_ENDPOINT);
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 0, &n, &port), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", NULL, 1, &n, &port), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(tcp_connect_refused_is_fast)
{
	int lfd, cfd = -7;
	size_t n = 0;
	uint16_t port = 0;
	char ps[8];

	/* A port that was just free'd: nobody listens there. */
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	close(lfd);
	port_str(port, ps);
	uint64_t t0 = mono_ms();
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 5000, &cfd), RPC_S_SERVER_UNAVAILABLE);
	ck_assert_int_lt(mono_ms() - t0, 1000);
	ck_assert_int_eq(cfd, -7);
	if (have_ipv6_loopback())
		ck_assert_int_eq(rpcrt_tcp_connect("::1", ps, 5000, &cfd),
				 RPC_S_SERVER_UNAVAILABLE);

	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", "", 1000, &cfd),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", NULL, 1000, &cfd),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", "99999", 1000, &cfd),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_tcp_connect("a b", ps, 1000, &cfd), RPC_S_INVALID_NET_ADDR);
	ck_assert_int_eq(rpcrt_tcp_connect("[::1", ps, 1000, &cfd), RPC_S_INVALID_NET_ADDR);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 1000, NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(cfd, -7);
}
END_TEST

/* The timeout path without leaving the host: a listener whose accept queue is full. Linux drops
 * the SYNs of further connections (the client retransmits), so a connect neither succeeds nor
 * fails until its timeout. */
START_TEST(tcp_connect_timeout)
{
	int lfd, filler[16], cfd = -7;
	size_t n = 0, nf = 0;
	uint16_t port = 0;
	char ps[8];

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	ck_assert_int_eq(listen(lfd, 0), 0); /* backlog 0: one queued connection fills it */
	port_str(port, ps);

	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		ck_assert_uint_lt(nf, 16);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		filler[nf++] = fd;
		int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
		ck_assert(r == 0 || errno == EINPROGRESS);
		if (r != 0 && !poll_one(fd, POLLOUT, 300))
			break; /* this one hangs: the queue is full */
	}

	uint64_t t0 = mono_ms();
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 300, &cfd), RPC_S_TIMEOUT);
	uint64_t took = mono_ms() - t0;
	ck_assert_int_ge(took, 290);
	ck_assert_int_lt(took, 3000);
	ck_assert_int_eq(cfd, -7);
	/* timeout 0: one look, no wait. */
	t0 = mono_ms();
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 0, &cfd), RPC_S_TIMEOUT);
	ck_assert_int_lt(mono_ms() - t0, 200);

	for (size_t i = 0; i < nf; i++)
		close(filler[i]);
	close(lfd);
}
END_TEST

/* ==== AF_UNIX ==================================================================================== */

START_TEST(unix_echo_and_mode)
{
	struct echo_server srv;
	char ep[64], path[108];
	int lfd, cfd;
	struct stat st;

	endpoint_name("echo", ep, sizeof(ep));
	endpoint_path(ep, path, sizeof(path));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	ck_assert(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_uid, geteuid());

	echo_start(&srv, &lfd, 1, 65536, 0);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 2000, &cfd), RPC_S_OK);
	ck_assert(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	echo_roundtrip(cfd, 0, 65536, 1);
	echo_roundtrip(cfd, 777, 65536, 2);
	echo_roundtrip(cfd, 1 << 20, 65536, 3);
	close(cfd);
	echo_stop(&srv);

	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);
	ck_assert_int_ne(lstat(path, &st), 0);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK); /* already gone: fine */
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &cfd), RPC_S_SERVER_UNAVAILABLE);

	ck_assert_int_eq(rpcrt_unix_listen("../x", &lfd), RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_unix_listen("", &lfd), RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_unix_connect("a/b", 1000, &cfd), RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_unix_listen(NULL, &lfd), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_unix_listen(ep, NULL), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(unix_duplicate_endpoint)
{
	char ep[64];
	int lfd, lfd2 = -7, cfd;

	endpoint_name("dup", ep, sizeof(ep));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd2), RPC_S_DUPLICATE_ENDPOINT);
	ck_assert_int_eq(lfd2, -7);
	/* The first server is untouched: still reachable through its file. */
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &cfd), RPC_S_OK);
	close(cfd);
	/* The probe connection of the refused listen, and ours, are queued: drain them. */
	while (rpcrt_sock_accept(lfd, &cfd) == RPC_S_OK)
		close(cfd);
	close(lfd);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);
}
END_TEST

START_TEST(unix_stale_socket_removed)
{
	char ep[64], path[108];
	int lfd, cfd;
	struct stat st;

	endpoint_name("stale", ep, sizeof(ep));
	endpoint_path(ep, path, sizeof(path));

	/* What a server that died leaves: a socket file nobody listens on. */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int dead = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(dead, 0);
	ck_assert_int_eq(bind(dead, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(dead, 1), 0);
	close(dead);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &cfd), RPC_S_SERVER_UNAVAILABLE);

	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &cfd), RPC_S_OK);
	close(cfd);
	close(lfd);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);

	/* Something that is not a socket is never removed. */
	int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(f, 0);
	close(f);
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_CANT_CREATE_ENDPOINT);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(unix_connect_timeout)
{
	char ep[64];
	int lfd, c1, c2 = -7;

	endpoint_name("busy", ep, sizeof(ep));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	ck_assert_int_eq(listen(lfd, 0), 0); /* one queued connection fills the backlog */
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &c1), RPC_S_OK);

	uint64_t t0 = mono_ms();
	ck_assert_int_eq(rpcrt_unix_connect(ep, 250, &c2), RPC_S_TIMEOUT);
	uint64_t took = mono_ms() - t0;
	ck_assert_int_ge(took, 240);
	ck_assert_int_lt(took, 3000);
	ck_assert_int_eq(c2, -7);
	t0 = mono_ms();
	ck_assert_int_eq(rpcrt_unix_connect(ep, 0, &c2), RPC_S_TIMEOUT);
	ck_assert_int_lt(mono_ms() - t0, 200);

	/* Room again: the connection goes through, and it is nonblocking. */
	int a;
	ck_assert_int_eq(rpcrt_sock_accept(lfd, &a), RPC_S_OK);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &c2), RPC_S_OK);
	ck_assert(fcntl(c2, F_GETFL) & O_NONBLOCK);
	char b;
	size_t got;
	ck_assert_int_eq(rpcrt_sock_read(c2, &b, 1, &got), RPC_S_ASYNC_CALL_PENDING);
	close(a);
	close(c1);
	close(c2);
	while (rpcrt_sock_accept(lfd, &a) == RPC_S_OK)
		close(a);
	close(lfd);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);
}
END_TEST

START_TEST(unix_peer_credentials)
{
	char ep[64];
	int lfd, cfd, sfd;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	pid_t pid = 0;

	endpoint_name("cred", ep, sizeof(ep));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 1000, &cfd), RPC_S_OK);
	ck_assert(poll_one(lfd, POLLIN, 2000));
	ck_assert_int_eq(rpcrt_sock_accept(lfd, &sfd), RPC_S_OK);
	ck_assert(fcntl(sfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(sfd, F_GETFD) & FD_CLOEXEC);

	/* The server learns who connected... */
	ck_assert_int_eq(rpcrt_sock_peer_cred(sfd, &uid, &gid, &pid), RPC_S_OK);
	ck_assert_int_eq(uid, geteuid());
	ck_assert_int_eq(gid, getegid());
	ck_assert_int_eq(pid, getpid());
	/* ... and the client who listens; outputs are optional. */
	pid = 0;
	ck_assert_int_eq(rpcrt_sock_peer_cred(cfd, NULL, NULL, &pid), RPC_S_OK);
	ck_assert_int_eq(pid, getpid());
	close(sfd);
	close(cfd);
	close(lfd);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);

	/* TCP peers have no credentials to give. */
	size_t n;
	uint16_t port;
	char ps[8];
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_OK);
	ck_assert_int_eq(rpcrt_sock_peer_cred(cfd, &uid, &gid, &pid), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(rpcrt_sock_peer_cred(-1, &uid, &gid, &pid), RPC_S_INVALID_ARG);
	close(cfd);
	close(lfd);
}
END_TEST

/* ==== Socket I/O statuses ======================================================================== */

START_TEST(sock_io_statuses)
{
	int sv[2];
	char buf[4096];
	size_t n = 12345;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	/* Nothing there yet. */
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, sizeof(buf), &n), RPC_S_ASYNC_CALL_PENDING);
	ck_assert_uint_eq(n, 12345);
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, 0, &n), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_sock_write(sv[0], buf, 0, &n), RPC_S_OK);
	ck_assert_uint_eq(n, 0);
	/* Fill the send buffer: then writing would block. */
	memset(buf, 'z', sizeof(buf));
	RPC_STATUS st;
	size_t total = 0;
	while ((st = rpcrt_sock_write(sv[0], buf, sizeof(buf), &n)) == RPC_S_OK)
		total += n;
	ck_assert_int_eq(st, RPC_S_ASYNC_CALL_PENDING);
	ck_assert_uint_gt(total, 0);
	/* The peer goes away: writing fails with a status, not SIGPIPE. */
	close(sv[1]);
	ck_assert_int_eq(rpcrt_sock_write(sv[0], buf, sizeof(buf), &n), RPC_S_CALL_FAILED);
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, sizeof(buf), &n), RPC_S_CALL_FAILED);
	close(sv[0]);
	ck_assert_int_eq(rpcrt_sock_write(sv[0], buf, 1, &n), RPC_S_INVALID_ARG); /* EBADF */
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, 1, &n), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_sock_write(0, NULL, 1, &n), RPC_S_INVALID_ARG);

	/* Data then end of stream: the data first. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(rpcrt_sock_write(sv[1], "abc", 3, &n), RPC_S_OK);
	ck_assert_uint_eq(n, 3);
	close(sv[1]);
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, sizeof(buf), &n), RPC_S_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(buf, "abc", 3);
	ck_assert_int_eq(rpcrt_sock_read(sv[0], buf, sizeof(buf), &n), RPC_S_CALL_FAILED);
	close(sv[0]);

	/* A TCP reset (the peer closes with SO_LINGER 0) reads and writes as a lost connection. */
	int lfd, cfd, sfd;
	uint16_t port;
	char ps[8];
	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_OK);
	ck_assert(poll_one(lfd, POLLIN, 2000));
	ck_assert_int_eq(rpcrt_sock_accept(lfd, &sfd), RPC_S_OK);
	int nodelay = 0;
	socklen_t len = sizeof(nodelay);
	ck_assert_int_eq(getsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
	ck_assert_int_ne(nodelay, 0);
	ck_assert_int_eq(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
	ck_assert_int_ne(nodelay, 0);
	ck_assert_int_eq(rpcrt_sock_accept(lfd, &sfd), RPC_S_ASYNC_CALL_PENDING);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	ck_assert_int_eq(setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(sfd);
	ck_assert(poll_one(cfd, POLLIN, 2000));
	ck_assert_int_eq(rpcrt_sock_read(cfd, buf, sizeof(buf), &n), RPC_S_CALL_FAILED);
	ck_assert_int_eq(rpcrt_sock_write(cfd, buf, 10, &n), RPC_S_CALL_FAILED);
	close(cfd);
	close(lfd);
	ck_assert_int_eq(rpcrt_sock_accept(lfd, &sfd), RPC_S_INVALID_ARG);
}
END_TEST

/* ==== Through the loop: reassembly and hostile peers ============================================= */

/* A message of 70000 bytes written one byte per send and read by the server one byte per
 * callback: the server sees it in 70004 pieces and must put it back together. */
static void
one_byte_at_a_time(int cfd, struct echo_server *srv)
{
	echo_roundtrip(cfd, 70000, 1, 9);
	echo_roundtrip(cfd, 3, 1, 10);
	ck_assert_int_eq(atomic_load(&srv->messages), 2);
}

START_TEST(echo_one_byte_at_a_time)
{
	struct echo_server srv;
	char ep[64], ps[8];
	int lfd, cfd;
	size_t n;
	uint16_t port;

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	echo_start(&srv, &lfd, 1, 1, 0);
	port_str(port, ps);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &cfd), RPC_S_OK);
	one_byte_at_a_time(cfd, &srv);
	close(cfd);
	echo_stop(&srv);

	endpoint_name("bytes", ep, sizeof(ep));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	echo_start(&srv, &lfd, 1, 1, 0);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 2000, &cfd), RPC_S_OK);
	one_byte_at_a_time(cfd, &srv);
	close(cfd);
	echo_stop(&srv);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);
}
END_TEST

/* A peer that sends a large message and never reads the reply: the server's writes would block,
 * so it parks the rest and goes on serving everybody else. */
START_TEST(echo_peer_that_stops_reading)
{
	struct echo_server srv;
	char ep[64];
	int lfd, hog, other;
	size_t len = 2u << 20;

	endpoint_name("hog", ep, sizeof(ep));
	ck_assert_int_eq(rpcrt_unix_listen(ep, &lfd), RPC_S_OK);
	echo_start(&srv, &lfd, 1, 65536, 0);
	ck_assert_int_eq(rpcrt_unix_connect(ep, 2000, &hog), RPC_S_OK);
	unsigned char *m = make_message(len, 7);
	ck_assert_int_eq(send_all(hog, m, 4 + len, 65536, mono_ms() + 10000), RPC_S_OK);
	free(m);
	/* Wait until the server has the whole message (and is stuck sending it back). */
	uint64_t deadline = mono_ms() + 10000;
	while (atomic_load(&srv.messages) < 1 && mono_ms() < deadline)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&srv.messages), 1);

	ck_assert_int_eq(rpcrt_unix_connect(ep, 2000, &other), RPC_S_OK);
	uint64_t t0 = mono_ms();
	for (int i = 0; i < 20; i++)
		echo_roundtrip(other, 100, 65536, (unsigned)i);
	ck_assert_int_lt(mono_ms() - t0, 5000);
	close(other);
	close(hog); /* the server's pending write now fails and it closes its side */
	deadline = mono_ms() + 5000;
	while (atomic_load(&srv.closed) < 2 && mono_ms() < deadline)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&srv.closed), 2);
	echo_stop(&srv);
	ck_assert_int_eq(rpcrt_unix_unlink(ep), RPC_S_OK);
}
END_TEST

/* Idle peers and slow loris: the server gives each message 300 ms from the end of the previous
 * one (a timer per connection, re-armed on the loop thread); a connection that sends nothing,
 * or sends a message too slowly, is closed, while a brisk client keeps being served. */
START_TEST(echo_idle_and_slow_loris_closed)
{
	struct echo_server srv;
	int lfd, idle, loris, brisk;
	size_t n;
	uint16_t port;
	char ps[8], b;

	ck_assert_int_eq(rpcrt_tcp_listen("127.0.0.1", "", &lfd, 1, &n, &port), RPC_S_OK);
	echo_start(&srv, &lfd, 1, 65536, 300);
	port_str(port, ps);
	uint64_t t0 = mono_ms();
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &idle), RPC_S_OK);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &loris), RPC_S_OK);
	ck_assert_int_eq(rpcrt_tcp_connect("127.0.0.1", ps, 2000, &brisk), RPC_S_OK);

	/* The loris sends a 100-byte message at one byte per 25 ms (2.5 s in all); the brisk
	 * client does a round trip every 25 ms. */
	unsigned char *m = make_message(100, 3);
	bool loris_closed = false;
	for (int i = 0; i < 104 && !loris_closed; i++) {
		size_t w;
		RPC_STATUS st = rpcrt_sock_write(loris, m + i, 1, &w);
		if (st != RPC_S_OK)
			loris_closed = true;
		echo_roundtrip(brisk, 10, 65536, (unsigned)i);
		usleep(25 * 1000);
		if (poll_one(loris, POLLIN, 0) &&
		    rpcrt_sock_read(loris, &b, 1, &w) == RPC_S_CALL_FAILED)
			loris_closed = true;
	}
	free(m);
	ck_assert(loris_closed);
	/* The idle one was closed long ago. */
	ck_assert(poll_one(idle, POLLIN, 2000));
	ck_assert_int_eq(rpcrt_sock_read(idle, &b, 1, &n), RPC_S_CALL_FAILED);
	ck_assert_int_lt(mono_ms() - t0, 5000);
	ck_assert_int_eq(atomic_load(&srv.expired), 2);
	/* The brisk client is still served. */
	echo_roundtrip(brisk, 1000, 65536, 99);
	close(idle);
	close(loris);
	close(brisk);
	echo_stop(&srv);
}
END_TEST

static Suite *
s_fn(void)
{
	Suite *s = suite_create("transport");
	TCase *loop = tcase_create("loop");
	TCase *tcp = tcase_create("tcp");
	TCase *unx = tcase_create("unix");
	TCase *io = tcase_create("io");

	tcase_add_unchecked_fixture(loop, dir_setup, dir_teardown);
	tcase_add_checked_fixture(loop, setup, teardown);
	tcase_set_timeout(loop, 30);
	tcase_add_test(loop, loop_lifecycle);
	tcase_add_test(loop, loop_post_fifo);
	tcase_add_test(loop, loop_timers_order_and_cancel);
	tcase_add_test(loop, loop_timer_cancel_waits_for_callback);
	tcase_add_test(loop, loop_del_waits_for_callback);
	tcase_add_test(loop, loop_del_stress);
	tcase_add_test(loop, loop_stop_with_pending_work);
	tcase_add_test(loop, loop_free_releases_leftovers);
	suite_add_tcase(s, loop);

	tcase_add_unchecked_fixture(tcp, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tcp, setup, teardown);
	tcase_set_timeout(tcp, 20);
	tcase_add_test(tcp, tcp_ipv4_echo);
	tcase_add_test(tcp, tcp_ipv6_echo);
	tcase_add_test(tcp, tcp_wildcard_both_families);
	tcase_add_test(tcp, tcp_listen_errors);
	tcase_add_test(tcp, tcp_connect_refused_is_fast);
	tcase_add_test(tcp, tcp_connect_timeout);
	suite_add_tcase(s, tcp);

	tcase_add_unchecked_fixture(unx, dir_setup, dir_teardown);
	tcase_add_checked_fixture(unx, setup, teardown);
	tcase_set_timeout(unx, 20);
	tcase_add_test(unx, unix_echo_and_mode);
	tcase_add_test(unx, unix_duplicate_endpoint);
	tcase_add_test(unx, unix_stale_socket_removed);
	tcase_add_test(unx, unix_connect_timeout);
	tcase_add_test(unx, unix_peer_credentials);
	suite_add_tcase(s, unx);

	tcase_add_unchecked_fixture(io, dir_setup, dir_teardown);
	tcase_add_checked_fixture(io, setup, teardown);
	tcase_set_timeout(io, 30);
	tcase_add_test(io, sock_io_statuses);
	tcase_add_test(io, echo_one_byte_at_a_time);
	tcase_add_test(io, echo_peer_that_stops_reading);
	tcase_add_test(io, echo_idle_and_slow_loris_closed);
	suite_add_tcase(s, io);
	return s;
}

RC_CHECK_MAIN(s_fn)
