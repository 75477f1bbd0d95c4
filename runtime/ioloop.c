/* The I/O loop: epoll, an eventfd for wake-ups, a min-heap of timers and a FIFO of posted
 * functions, run by one thread. The contract, including how rpcrt_loop_del() and
 * rpcrt_loop_timer_cancel() make sure a callback is not running when they return, is in
 * ioloop.h. One mutex guards all of the loop's state; it is never held while a callback runs,
 * so callbacks may call back into the loop. */
#define _GNU_SOURCE /* reallocarray */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ioloop.h"

/* How many epoll events one iteration takes; more wait for the next iteration. */
#define EVENT_BATCH 64

enum loop_state {
	LOOP_NEW,      /* created, thread not started */
	LOOP_RUNNING,  /* thread started, no stop asked for */
	LOOP_STOPPING, /* stop asked for; the thread runs the queued posts and exits */
	LOOP_STOPPED,  /* thread joined (or never started); final */
};

enum timer_state {
	TIMER_PENDING,        /* in the heap */
	TIMER_RUNNING,        /* its callback runs now */
	TIMER_FIRED,          /* callback returned; waiting for rpcrt_loop_timer_cancel() */
	TIMER_FREE_AFTER_RUN, /* cancelled from inside its own callback: the loop frees it */
};

/* A posted function. Owner: the loop's post queue; freed after it has run. */
struct post {
	rpcrt_post_fn fn;
	void *ctx;
	struct post *next;
};

/* See ioloop.h. Owner: rpcrt_loop_new()'s caller, freed by rpcrt_loop_free(). */
struct rpcrt_loop {
	pthread_mutex_t lock; /* guards everything below except epfd/wakefd, fixed at creation */
	pthread_cond_t cond;  /* broadcast when a callback returns and when the thread is joined */
	unsigned waiters;     /* threads waiting on cond, so the loop skips useless broadcasts */
	int epfd;
	int wakefd; /* eventfd, in the epoll set with data.ptr NULL */
	bool woken; /* wakefd has been written and the loop has not drained it yet */
	enum loop_state state;
	pthread_t thread;    /* valid in RUNNING and STOPPING */
	const void *running; /* the watch or timer whose callback runs now, or NULL */

	struct post *post_head; /* posted functions, FIFO */
	struct post **post_tail;

	rpcrt_timer **heap; /* pending timers, a binary min-heap on (deadline, seq) */
	size_t heap_len;
	size_t heap_cap;
	uint64_t timer_seq;   /* creation counter: the tie-break between equal deadlines */
	rpcrt_timer *timers;  /* every timer not yet cancelled, so free can release them */
	rpcrt_watch *watches; /* every watch not yet deleted, likewise */
	rpcrt_watch *zombies; /* deleted watches the loop thread may still hold in its batch */
};

/* See ioloop.h. Owner: rpcrt_loop_add()'s caller until rpcrt_loop_del(); then the loop, which
 * frees it after the batch of epoll events that may name it. */
struct rpcrt_watch {
	rpcrt_loop *loop;
	int fd;
	uint32_t events; /* interest, RPCRT_EV_READ | RPCRT_EV_WRITE */
	bool registered; /* fd is in the epoll set: exactly when events != 0 */
	bool dead;       /* rpcrt_loop_del() has been called */
	rpcrt_watch_fn cb;
	void *ctx;
	rpcrt_watch *prev; /* loop->watches while alive */
	rpcrt_watch *next; /* loop->watches while alive, loop->zombies after */
};

/* See ioloop.h. Owner: rpcrt_loop_timer()'s caller until rpcrt_loop_timer_cancel(). */
struct rpcrt_timer {
	rpcrt_loop *loop;
	uint64_t deadline; /* CLOCK_MONOTONIC nanoseconds */
	uint64_t seq;
	size_t heap_index; /* valid while TIMER_PENDING */
	enum timer_state state;
	rpcrt_timer_fn fn;
	void *ctx;
	rpcrt_timer *prev; /* loop->timers */
	rpcrt_timer *next;
};

/* The loop whose thread this is, so that rpcrt_loop_is_current() needs no lock. */
static _Thread_local const rpcrt_loop *current_loop;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static RPC_STATUS
status_from_errno(int err)
{
	switch (err) {
	case ENOMEM:
		return RPC_S_OUT_OF_MEMORY;
	case ENOSPC: /* max_user_watches */
	case EMFILE:
	case ENFILE:
		return RPC_S_OUT_OF_RESOURCES;
	default:
		return RPC_S_INVALID_ARG;
	}
}

/* Makes the loop thread return from epoll_wait. Called with the lock held. */
static void
wake_locked(rpcrt_loop *loop)
{
	if (loop->woken)
		return;
	uint64_t one = 1;
	/* It cannot fail: the counter is drained long before it could overflow. */
	ssize_t r = write(loop->wakefd, &one, sizeof(one));
	(void)r;
	loop->woken = true;
}

static void
broadcast_locked(rpcrt_loop *loop)
{
	if (loop->waiters > 0)
		pthread_cond_broadcast(&loop->cond);
}

static void
wait_locked(rpcrt_loop *loop)
{
	loop->waiters++;
	pthread_cond_wait(&loop->cond, &loop->lock);
	loop->waiters--;
}

/* Whether the loop thread exists, so that a deleted watch may still be named by its batch. */
static bool
thread_alive_locked(const rpcrt_loop *loop)
{
	return loop->state == LOOP_RUNNING || loop->state == LOOP_STOPPING;
}

/* ---- Timer heap ---------------------------------------------------------------------------- */

static bool
timer_before(const rpcrt_timer *a, const rpcrt_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void
heap_set(rpcrt_loop *loop, size_t i, rpcrt_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void
heap_up(rpcrt_loop *loop, size_t i)
{
	rpcrt_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void
heap_down(rpcrt_loop *loop, size_t i)
{
	rpcrt_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, t);
}

static RPC_STATUS
heap_push(rpcrt_loop *loop, rpcrt_timer *t)
{
	if (loop->heap_len == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		rpcrt_timer **heap = reallocarray(loop->heap, cap, sizeof(*heap));
		if (heap == NULL)
			return RPC_S_OUT_OF_MEMORY;
		loop->heap = heap;
		loop->heap_cap = cap;
	}
	loop->heap[loop->heap_len] = t;
	t->heap_index = loop->heap_len++;
	heap_up(loop, t->heap_index);
	return RPC_S_OK;
}

static void
heap_remove(rpcrt_loop *loop, rpcrt_timer *t)
{
	size_t i = t->heap_index;
	rpcrt_timer *last = loop->heap[--loop->heap_len];

	if (last == t)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_index);
}

static void
timer_unlink(rpcrt_loop *loop, rpcrt_timer *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		loop->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
}

/* ---- The loop thread ----------------------------------------------------------------------- */

static uint32_t
to_epoll(uint32_t events)
{
	return ((events & RPCRT_EV_READ) ? EPOLLIN : 0) |
	       ((events & RPCRT_EV_WRITE) ? EPOLLOUT : 0);
}

static uint32_t
from_epoll(uint32_t ev)
{
	return ((ev & EPOLLIN) ? RPCRT_EV_READ : 0) | ((ev & EPOLLOUT) ? RPCRT_EV_WRITE : 0) |
	       ((ev & EPOLLHUP) ? RPCRT_EV_HUP : 0) | ((ev & EPOLLERR) ? RPCRT_EV_ERROR : 0);
}

/* The epoll_wait timeout: 0 when posts wait, else until the first timer (rounded up, so the
 * loop does not wake a little early and spin), else forever. Called with the lock held. */
static int
timeout_locked(const rpcrt_loop *loop)
{
	if (loop->post_head != NULL)
		return 0;
	if (loop->heap_len == 0)
		return -1;
	uint64_t now = now_ns(), deadline = loop->heap[0]->deadline;
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void
dispatch_watch(rpcrt_loop *loop, rpcrt_watch *w, uint32_t ev)
{
	pthread_mutex_lock(&loop->lock);
	/* The interest may have changed since epoll_wait returned: report only what is still
	 * wanted, and nothing at all for a watch deleted or paused meanwhile. */
	uint32_t revents = from_epoll(ev) & (w->events | RPCRT_EV_HUP | RPCRT_EV_ERROR);
	if (w->dead || !w->registered || revents == 0) {
		pthread_mutex_unlock(&loop->lock);
		return;
	}
	rpcrt_watch_fn cb = w->cb;
	void *ctx = w->ctx;
	int fd = w->fd;
	loop->running = w;
	pthread_mutex_unlock(&loop->lock);

	cb(w, fd, revents, ctx);

	/* w may be deleted now (it is then on the zombie list, still allocated); not touched. */
	pthread_mutex_lock(&loop->lock);
	loop->running = NULL;
	broadcast_locked(loop);
	pthread_mutex_unlock(&loop->lock);
}

static void
run_timers(rpcrt_loop *loop)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&loop->lock);
	/* Timers made by these callbacks wait for the next iteration even when already due, so a
	 * callback that re-arms itself with 0 ms cannot keep the loop here. */
	uint64_t seq_limit = loop->timer_seq;
	while (loop->heap_len > 0 && loop->heap[0]->deadline <= now &&
	       loop->heap[0]->seq < seq_limit) {
		rpcrt_timer *t = loop->heap[0];
		heap_remove(loop, t);
		t->state = TIMER_RUNNING;
		loop->running = t;
		pthread_mutex_unlock(&loop->lock);

		t->fn(t, t->ctx);

		pthread_mutex_lock(&loop->lock);
		loop->running = NULL;
		if (t->state == TIMER_FREE_AFTER_RUN) {
			timer_unlink(loop, t);
			free(t);
		} else {
			t->state = TIMER_FIRED;
		}
		broadcast_locked(loop);
	}
	pthread_mutex_unlock(&loop->lock);
}

/* Runs the posts queued so far; those they make wait for the next iteration. */
static void
run_posts(rpcrt_loop *loop)
{
	pthread_mutex_lock(&loop->lock);
	struct post *p = loop->post_head;
	loop->post_head = NULL;
	loop->post_tail = &loop->post_head;
	pthread_mutex_unlock(&loop->lock);

	while (p != NULL) {
		struct post *next = p->next;
		p->fn(p->ctx);
		free(p);
		p = next;
	}
}

static void
free_watch_list(rpcrt_watch *w)
{
	while (w != NULL) {
		rpcrt_watch *next = w->next;
		free(w);
		w = next;
	}
}

static void
free_zombies(rpcrt_loop *loop)
{
	pthread_mutex_lock(&loop->lock);
	rpcrt_watch *z = loop->zombies;
	loop->zombies = NULL;
	pthread_mutex_unlock(&loop->lock);
	free_watch_list(z);
}

static void *
loop_main(void *arg)
{
	rpcrt_loop *loop = arg;
	struct epoll_event events[EVENT_BATCH];

	current_loop = loop;
	for (;;) {
		pthread_mutex_lock(&loop->lock);
		if (loop->state == LOOP_STOPPING) {
			pthread_mutex_unlock(&loop->lock);
			/* Posts accepted before the stop run; post refuses new ones now, so this
			 * ends. */
			run_posts(loop);
			break;
		}
		int timeout = timeout_locked(loop);
		pthread_mutex_unlock(&loop->lock);

		int n = epoll_wait(loop->epfd, events, EVENT_BATCH, timeout);
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == NULL) {
				uint64_t count;
				pthread_mutex_lock(&loop->lock);
				ssize_t r = read(loop->wakefd, &count, sizeof(count));
				(void)r;
				loop->woken = false;
				pthread_mutex_unlock(&loop->lock);
				continue;
			}
			dispatch_watch(loop, events[i].data.ptr, events[i].events);
		}
		run_timers(loop);
		run_posts(loop);
		/* The batch is done: no event left can name a deleted watch. */
		free_zombies(loop);
	}
	current_loop = NULL;
	return NULL;
}

/* ---- API ----------------------------------------------------------------------------------- */

RPC_STATUS
rpcrt_loop_new(rpcrt_loop **ret_loop)
{
	if (ret_loop == NULL)
		return RPC_S_INVALID_ARG;
	rpcrt_loop *loop = calloc(1, sizeof(*loop));
	if (loop == NULL)
		return RPC_S_OUT_OF_MEMORY;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (loop->epfd < 0 || loop->wakefd < 0 ||
	    epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) != 0) {
		RPC_STATUS st = errno == ENOMEM ? RPC_S_OUT_OF_MEMORY : RPC_S_OUT_OF_RESOURCES;
		if (loop->epfd >= 0)
			close(loop->epfd);
		if (loop->wakefd >= 0)
			close(loop->wakefd);
		free(loop);
		return st;
	}
	pthread_mutex_init(&loop->lock, NULL);
	pthread_cond_init(&loop->cond, NULL);
	loop->state = LOOP_NEW;
	loop->post_tail = &loop->post_head;
	*ret_loop = loop;
	return RPC_S_OK;
}

void
rpcrt_loop_free(rpcrt_loop *loop)
{
	if (loop == NULL || rpcrt_loop_is_current(loop))
		return;
	rpcrt_loop_stop(loop);

	/* The thread is gone; whatever is left is ours to free. The post queue is empty: posts
	 * are accepted only while the loop runs, and the stop ran them all. */
	free_watch_list(loop->watches);
	free_watch_list(loop->zombies);
	for (rpcrt_timer *t = loop->timers, *next; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	free(loop->heap);
	close(loop->wakefd);
	close(loop->epfd);
	pthread_cond_destroy(&loop->cond);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}

RPC_STATUS
rpcrt_loop_start(rpcrt_loop *loop)
{
	if (loop == NULL)
		return RPC_S_INVALID_ARG;
	pthread_mutex_lock(&loop->lock);
	if (loop->state != LOOP_NEW) {
		pthread_mutex_unlock(&loop->lock);
		return RPC_S_ALREADY_LISTENING;
	}
	/* The thread starts with every signal blocked so that the application's handlers run
	 * on its own threads, never in the middle of the loop. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&loop->thread, NULL, loop_main, loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		pthread_mutex_unlock(&loop->lock);
		return RPC_S_OUT_OF_RESOURCES;
	}
	loop->state = LOOP_RUNNING;
	pthread_mutex_unlock(&loop->lock);
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_loop_stop(rpcrt_loop *loop)
{
	if (loop == NULL || rpcrt_loop_is_current(loop))
		return RPC_S_INVALID_ARG;
	pthread_mutex_lock(&loop->lock);
	switch (loop->state) {
	case LOOP_NEW:
		loop->state = LOOP_STOPPED;
		break;
	case LOOP_RUNNING: {
		loop->state = LOOP_STOPPING;
		wake_locked(loop);
		pthread_t thread = loop->thread;
		pthread_mutex_unlock(&loop->lock);
		pthread_join(thread, NULL);
		pthread_mutex_lock(&loop->lock);
		loop->state = LOOP_STOPPED;
		rpcrt_watch *z = loop->zombies;
		loop->zombies = NULL;
		broadcast_locked(loop);
		pthread_mutex_unlock(&loop->lock);
		free_watch_list(z);
		return RPC_S_OK;
	}
	case LOOP_STOPPING:
		while (loop->state != LOOP_STOPPED)
			wait_locked(loop);
		break;
	case LOOP_STOPPED:
		break;
	}
	pthread_mutex_unlock(&loop->lock);
	return RPC_S_OK;
}

bool
rpcrt_loop_is_current(const rpcrt_loop *loop)
{
	return loop != NULL && current_loop == loop;
}

/* Brings the epoll registration of w in line with `events`. Called with the lock held. */
static RPC_STATUS
set_interest_locked(rpcrt_watch *w, uint32_t events)
{
	rpcrt_loop *loop = w->loop;
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
	int r = 0;

	/* A paused watch leaves the epoll set altogether: epoll reports hang-ups and errors
	 * whatever the interest, and level-triggered they would wake the loop for ever. */
	if (events == 0) {
		if (w->registered)
			epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
		w->registered = false;
	} else {
		r = epoll_ctl(loop->epfd, w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd,
			      &ev);
		if (r != 0)
			return status_from_errno(errno);
		w->registered = true;
	}
	w->events = events;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_loop_add(rpcrt_loop *loop, int fd, uint32_t events, rpcrt_watch_fn cb, void *ctx,
	       rpcrt_watch **ret_watch)
{
	if (loop == NULL || fd < 0 || cb == NULL || ret_watch == NULL ||
	    (events & ~(RPCRT_EV_READ | RPCRT_EV_WRITE)) != 0)
		return RPC_S_INVALID_ARG;
	rpcrt_watch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return RPC_S_OUT_OF_MEMORY;
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->ctx = ctx;

	pthread_mutex_lock(&loop->lock);
	RPC_STATUS st = set_interest_locked(w, events);
	if (st != RPC_S_OK) {
		pthread_mutex_unlock(&loop->lock);
		free(w);
		return st;
	}
	w->next = loop->watches;
	if (loop->watches != NULL)
		loop->watches->prev = w;
	loop->watches = w;
	/* Set under the lock, so a callback that runs at once already finds the handle where
	 * the caller keeps it. */
	*ret_watch = w;
	pthread_mutex_unlock(&loop->lock);
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_loop_mod(rpcrt_watch *w, uint32_t events)
{
	if (w == NULL || (events & ~(RPCRT_EV_READ | RPCRT_EV_WRITE)) != 0)
		return RPC_S_INVALID_ARG;
	rpcrt_loop *loop = w->loop;
	pthread_mutex_lock(&loop->lock);
	RPC_STATUS st = w->dead ? RPC_S_INVALID_ARG : set_interest_locked(w, events);
	pthread_mutex_unlock(&loop->lock);
	return st;
}

void
rpcrt_loop_del(rpcrt_watch *w)
{
	if (w == NULL)
		return;
	rpcrt_loop *loop = w->loop;
	bool on_loop = rpcrt_loop_is_current(loop);

	pthread_mutex_lock(&loop->lock);
	/* From here on dispatch_watch() sees the mark and the fd is out of the epoll set, so
	 * the callback can start no more; what remains is a call already under way. */
	w->dead = true;
	set_interest_locked(w, 0);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		loop->watches = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	/* On the loop thread a running callback is our caller (or its caller), so it is
	 * finished as far as the loop is concerned; elsewhere, wait for it to return. */
	if (!on_loop) {
		while (loop->running == w)
			wait_locked(loop);
	}
	if (thread_alive_locked(loop)) {
		/* The current batch of epoll events may still name w; the loop thread frees it
		 * after the batch. The wake-up makes that prompt when the loop is idle. */
		w->prev = NULL;
		w->next = loop->zombies;
		loop->zombies = w;
		if (!on_loop)
			wake_locked(loop);
		pthread_mutex_unlock(&loop->lock);
		return;
	}
	pthread_mutex_unlock(&loop->lock);
	free(w);
}

RPC_STATUS
rpcrt_loop_post(rpcrt_loop *loop, rpcrt_post_fn fn, void *ctx)
{
	if (loop == NULL || fn == NULL)
		return RPC_S_INVALID_ARG;
	struct post *p = malloc(sizeof(*p));
	if (p == NULL)
		return RPC_S_OUT_OF_MEMORY;
	p->fn = fn;
	p->ctx = ctx;
	p->next = NULL;

	pthread_mutex_lock(&loop->lock);
	if (loop->state != LOOP_RUNNING) {
		pthread_mutex_unlock(&loop->lock);
		free(p);
		return RPC_S_NOT_LISTENING;
	}
	*loop->post_tail = p;
	loop->post_tail = &p->next;
	/* On the loop thread the iteration runs the posts before it waits again. */
	if (!rpcrt_loop_is_current(loop))
		wake_locked(loop);
	pthread_mutex_unlock(&loop->lock);
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_loop_timer(rpcrt_loop *loop, uint32_t ms, rpcrt_timer_fn fn, void *ctx,
		 rpcrt_timer **ret_timer)
{
	if (loop == NULL || fn == NULL || ret_timer == NULL)
		return RPC_S_INVALID_ARG;
	rpcrt_timer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return RPC_S_OUT_OF_MEMORY;
	t->loop = loop;
	t->fn = fn;
	t->ctx = ctx;
	t->state = TIMER_PENDING;
	t->deadline = now_ns() + (uint64_t)ms * 1000000u;

	pthread_mutex_lock(&loop->lock);
	t->seq = loop->timer_seq++;
	RPC_STATUS st = heap_push(loop, t);
	if (st != RPC_S_OK) {
		pthread_mutex_unlock(&loop->lock);
		free(t);
		return st;
	}
	t->next = loop->timers;
	if (loop->timers != NULL)
		loop->timers->prev = t;
	loop->timers = t;
	/* A new first deadline shortens the wait the loop thread may be in. */
	if (loop->heap[0] == t && !rpcrt_loop_is_current(loop))
		wake_locked(loop);
	*ret_timer = t; /* under the lock, as in rpcrt_loop_add() */
	pthread_mutex_unlock(&loop->lock);
	return RPC_S_OK;
}

bool
rpcrt_loop_timer_cancel(rpcrt_timer *t)
{
	if (t == NULL)
		return false;
	rpcrt_loop *loop = t->loop;
	bool was_pending = false;

	pthread_mutex_lock(&loop->lock);
	switch (t->state) {
	case TIMER_PENDING:
		heap_remove(loop, t);
		was_pending = true;
		break;
	case TIMER_RUNNING:
		if (rpcrt_loop_is_current(loop)) {
			/* Inside its own callback: the loop frees it when the callback returns. */
			t->state = TIMER_FREE_AFTER_RUN;
			pthread_mutex_unlock(&loop->lock);
			return false;
		}
		while (t->state == TIMER_RUNNING)
			wait_locked(loop);
		break;
	case TIMER_FIRED:
	case TIMER_FREE_AFTER_RUN: /* not reached: the handle was released already */
		break;
	}
	timer_unlink(loop, t);
	pthread_mutex_unlock(&loop->lock);
	free(t);
	return was_pending;
}
