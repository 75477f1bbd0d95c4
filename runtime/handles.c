/* Win32-named event and completion-port objects (rpcasync.h) and the per-thread APC queues of
 * the Apc notification kind (handles.h).
 *
 * A HANDLE is the address of a heap object whose first member is a struct hobj. A process-wide
 * registry (an open-addressing hash set of addresses) lists the live objects: every function
 * looks a HANDLE up there before touching it, so a HANDLE that was never created, or was given
 * to CloseHandle, or names an object of another kind, is refused without being dereferenced.
 *
 * Objects are reference counted: the registry holds one reference, and each call that found the
 * object holds another while it runs. CloseHandle removes the object from the registry, marks it
 * closed and drops the registry's reference; a thread still waiting in it wakes (the closed
 * object's descriptor is made readable) and fails, and the last reference frees the object and
 * closes its descriptor. So closing a handle other threads wait on is safe, not a use after free.
 *
 * Each object and each APC queue has an eventfd whose readability mirrors its state under the
 * object's lock: an event's is readable exactly while the event is signalled, a port's while it
 * holds a packet, a queue's while it holds an APC, and a closed object's for good. Waits poll
 * the descriptor (and, when alertable, the thread's APC queue) and then take the state under the
 * lock; several threads may wait at once, and only the one that takes the state succeeds. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "handles.h"
#include "transport.h" /* rpcrt_deadline_after, rpcrt_ms_left */

#define EVENT_MAGIC 0x544e5645u /* "EVNT" */
#define PORT_MAGIC  0x50434f49u /* "IOCP" */
#define DEAD_MAGIC  0x44414544u /* "DEAD": freed; never in the registry */

/* What every object starts with. Owner: reference counted (see the top of this file). */
struct hobj {
	uint32_t magic; /* EVENT_MAGIC or PORT_MAGIC; fixed at creation */
	atomic_uint refs;
	int fd;               /* eventfd; closed with the last reference */
	pthread_mutex_t lock; /* guards closed and the kind's state */
	bool closed;          /* CloseHandle has run: every operation now fails with EBADF */
};

/* An event. Owner: CreateEventA()'s caller, released by CloseHandle(). */
struct event {
	struct hobj h;
	bool manual_reset;
	bool signalled;
};

/* A completion packet. Owner: the port's queue until GetQueuedCompletionStatus() takes it. */
struct packet {
	DWORD bytes;
	ULONG_PTR key;
	LPOVERLAPPED overlapped;
	struct packet *next;
};

/* A completion port. Owner: CreateIoCompletionPort()'s caller, released by CloseHandle(). */
struct port {
	struct hobj h;
	struct packet *head; /* FIFO */
	struct packet **tail;
};

/* A queued APC. Owner: its queue until it runs or is dropped. */
struct apc {
	PFN_RPCNOTIFICATION_ROUTINE fn;
	PRPC_ASYNC_STATE pAsync;
	RPC_ASYNC_EVENT ev;
	struct apc *next;
};

/* See handles.h. Owner: reference counted; the owning thread's reference is dropped by
 * apc_thread_exit(). */
struct rpcrt_apc_queue {
	pthread_mutex_t lock; /* guards closed and the list */
	atomic_uint refs;
	int fd;      /* eventfd, readable while head != NULL */
	bool closed; /* the owning thread has exited */
	struct apc *head;
	struct apc **tail;
};

/* ---- eventfd helpers ------------------------------------------------------------------------ *
 * The counter only ever goes between 0 and 1 (callers raise it only when it is 0), so neither
 * call can fail with EAGAIN; errno is kept for the caller. */

static void
fd_raise(int fd)
{
	int saved = errno;
	uint64_t one = 1;

	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	errno = saved;
}

static void
fd_drain(int fd)
{
	int saved = errno;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	errno = saved;
}

/* ---- The registry of live objects --------------------------------------------------------- *
 * Linear probing with backward-shift deletion, so there are no tombstones; the table is at most
 * half full and is freed when the last object goes. */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hobj **reg_slots; /* NULL or reg_cap slots, a power of two */
static size_t reg_cap;
static size_t reg_len;

static size_t
reg_home(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	/* The finaliser of MurmurHash3: heap addresses differ mostly in their middle bits. */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

/* The slot holding p, or reg_cap when p is not registered. Call with reg_lock held. */
static size_t
reg_find(const void *p)
{
	if (reg_cap == 0 || p == NULL)
		return reg_cap;
	for (size_t i = reg_home(p, reg_cap);; i = (i + 1) & (reg_cap - 1)) {
		if (reg_slots[i] == NULL)
			return reg_cap;
		if (reg_slots[i] == p)
			return i;
	}
}

static void
reg_place(struct hobj **slots, size_t cap, struct hobj *o)
{
	size_t i = reg_home(o, cap);

	while (slots[i] != NULL)
		i = (i + 1) & (cap - 1);
	slots[i] = o;
}

/* Registers o: 0, or ENOMEM. Call with reg_lock held. */
static int
reg_insert(struct hobj *o)
{
	if ((reg_len + 1) * 2 > reg_cap) {
		size_t cap = reg_cap ? reg_cap * 2 : 16;
		struct hobj **slots = calloc(cap, sizeof(*slots));

		if (slots == NULL)
			return ENOMEM;
		for (size_t i = 0; i < reg_cap; i++)
			if (reg_slots[i] != NULL)
				reg_place(slots, cap, reg_slots[i]);
		free(reg_slots);
		reg_slots = slots;
		reg_cap = cap;
	}
	reg_place(reg_slots, reg_cap, o);
	reg_len++;
	return 0;
}

/* Unregisters the object in slot i. Call with reg_lock held. */
static void
reg_remove_at(size_t i)
{
	size_t mask = reg_cap - 1;

	reg_slots[i] = NULL;
	/* Move back each following entry of the run whose home is not cyclically in (i, j], so
	 * that a lookup never stops early at the hole. */
	for (size_t j = (i + 1) & mask; reg_slots[j] != NULL; j = (j + 1) & mask) {
		size_t k = reg_home(reg_slots[j], reg_cap);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);

		if (!stays) {
			reg_slots[i] = reg_slots[j];
			reg_slots[j] = NULL;
			i = j;
		}
	}
	if (--reg_len == 0) {
		free(reg_slots);
		reg_slots = NULL;
		reg_cap = 0;
	}
}

/* ---- Objects -------------------------------------------------------------------------------- */

static void
obj_put(struct hobj *o)
{
	if (atomic_fetch_sub_explicit(&o->refs, 1u, memory_order_acq_rel) != 1u)
		return;
	if (o->magic == PORT_MAGIC) {
		struct port *p = (struct port *)o;

		while (p->head != NULL) {
			struct packet *next = p->head->next;

			free(p->head);
			p->head = next;
		}
	}
	close(o->fd);
	pthread_mutex_destroy(&o->lock);
	o->magic = DEAD_MAGIC;
	free(o);
}

/* The live object h with a reference for the caller, or NULL with errno EBADF (h is not a live
 * object) or EINVAL (it is one, but its magic is not want; want 0 accepts any kind). */
static struct hobj *
obj_get(HANDLE h, uint32_t want)
{
	struct hobj *o = NULL;
	int err = EBADF;

	pthread_mutex_lock(&reg_lock);
	size_t i = reg_find(h);
	if (i < reg_cap) {
		if (want == 0 || reg_slots[i]->magic == want) {
			o = reg_slots[i];
			atomic_fetch_add_explicit(&o->refs, 1u, memory_order_relaxed);
		} else {
			err = EINVAL;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	if (o == NULL)
		errno = err;
	return o;
}

static bool
obj_is(HANDLE h, uint32_t magic)
{
	pthread_mutex_lock(&reg_lock);
	size_t i = reg_find(h);
	bool is = i < reg_cap && reg_slots[i]->magic == magic;
	pthread_mutex_unlock(&reg_lock);
	return is;
}

/* Sets up o's common part and registers it: 0, or an errno value (o is then not registered and
 * holds nothing). readable: the descriptor's initial state. */
static int
obj_init(struct hobj *o, uint32_t magic, bool readable)
{
	o->fd = eventfd(readable ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (o->fd < 0)
		return errno;
	o->magic = magic;
	atomic_init(&o->refs, 1u); /* the registry's */
	o->closed = false;
	pthread_mutex_init(&o->lock, NULL);

	pthread_mutex_lock(&reg_lock);
	int err = reg_insert(o);
	pthread_mutex_unlock(&reg_lock);
	if (err != 0) {
		pthread_mutex_destroy(&o->lock);
		close(o->fd);
	}
	return err;
}

/* Takes the object's state if it is ready. 1: taken; 0: not ready; -1: the object is closed. */
typedef int take_fn(struct hobj *o, void *arg);

static int
event_take(struct hobj *o, void *arg)
{
	struct event *ev = (struct event *)o;
	int r = 0;

	(void)arg;
	pthread_mutex_lock(&o->lock);
	if (o->closed) {
		r = -1;
	} else if (ev->signalled) {
		if (!ev->manual_reset) {
			ev->signalled = false;
			fd_drain(o->fd);
		}
		r = 1;
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}

static int
port_take(struct hobj *o, void *arg)
{
	struct port *p = (struct port *)o;
	int r = 0;

	pthread_mutex_lock(&o->lock);
	if (o->closed) {
		r = -1;
	} else if (p->head != NULL) {
		*(struct packet **)arg = p->head;
		p->head = p->head->next;
		if (p->head == NULL) {
			p->tail = &p->head;
			fd_drain(o->fd);
		}
		r = 1;
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}

/* ---- APC queues ----------------------------------------------------------------------------- */

static pthread_once_t apc_once = PTHREAD_ONCE_INIT;
static pthread_key_t apc_key;
static int apc_key_err; /* pthread_key_create()'s result */

static void apc_thread_exit(void *arg);

static void
apc_key_init(void)
{
	apc_key_err = pthread_key_create(&apc_key, apc_thread_exit);
}

static void
apc_free_list(struct apc *a)
{
	while (a != NULL) {
		struct apc *next = a->next;

		free(a);
		a = next;
	}
}

/* The calling thread's queue without a new reference, or NULL if it has none: then nobody can
 * have queued an APC to it. */
static rpcrt_apc_queue *
apc_queue_mine(void)
{
	if (pthread_once(&apc_once, apc_key_init) != 0 || apc_key_err != 0)
		return NULL;
	return pthread_getspecific(apc_key);
}

/* The key's destructor, run when a thread that has a queue exits: closes the queue, drops the
 * APCs it did not run and the thread's reference. */
static void
apc_thread_exit(void *arg)
{
	rpcrt_apc_queue *q = arg;

	pthread_mutex_lock(&q->lock);
	q->closed = true;
	struct apc *dropped = q->head;
	if (dropped != NULL) {
		q->head = NULL;
		q->tail = &q->head;
		fd_drain(q->fd);
	}
	pthread_mutex_unlock(&q->lock);
	apc_free_list(dropped);
	rpcrt_apc_queue_unref(q);
}

rpcrt_apc_queue *
rpcrt_apc_queue_current(void)
{
	if (pthread_once(&apc_once, apc_key_init) != 0 || apc_key_err != 0) {
		errno = apc_key_err ? apc_key_err : EAGAIN;
		return NULL;
	}
	rpcrt_apc_queue *q = pthread_getspecific(apc_key);
	if (q == NULL) {
		q = calloc(1, sizeof(*q));
		if (q == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (q->fd < 0) {
			free(q);
			return NULL;
		}
		pthread_mutex_init(&q->lock, NULL);
		atomic_init(&q->refs, 1u); /* the thread's */
		q->tail = &q->head;
		int err = pthread_setspecific(apc_key, q);
		if (err != 0) {
			pthread_mutex_destroy(&q->lock);
			close(q->fd);
			free(q);
			errno = err;
			return NULL;
		}
	}
	atomic_fetch_add_explicit(&q->refs, 1u, memory_order_relaxed);
	return q;
}

void
rpcrt_apc_queue_unref(rpcrt_apc_queue *q)
{
	if (q == NULL || atomic_fetch_sub_explicit(&q->refs, 1u, memory_order_acq_rel) != 1u)
		return;
	apc_free_list(q->head);
	close(q->fd);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

bool
rpcrt_apc_post(rpcrt_apc_queue *q, PFN_RPCNOTIFICATION_ROUTINE fn, PRPC_ASYNC_STATE pAsync,
	       RPC_ASYNC_EVENT ev)
{
	if (q == NULL || fn == NULL) {
		errno = EINVAL;
		return false;
	}
	struct apc *a = malloc(sizeof(*a));
	if (a == NULL) {
		errno = ENOMEM;
		return false;
	}
	a->fn = fn;
	a->pAsync = pAsync;
	a->ev = ev;
	a->next = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->closed) {
		pthread_mutex_unlock(&q->lock);
		free(a);
		errno = ESRCH;
		return false;
	}
	if (q->head == NULL)
		fd_raise(q->fd);
	*q->tail = a;
	q->tail = &a->next;
	pthread_mutex_unlock(&q->lock);
	return true;
}

/* Runs, in order, the APCs queued to q (the calling thread's) so far: how many ran. The list
 * is taken whole first, so an APC may queue more (they wait for the next alertable wait) or
 * wait alertably itself. */
static unsigned
apc_run(rpcrt_apc_queue *q)
{
	pthread_mutex_lock(&q->lock);
	struct apc *a = q->head;
	if (a != NULL) {
		q->head = NULL;
		q->tail = &q->head;
		fd_drain(q->fd);
	}
	pthread_mutex_unlock(&q->lock);

	unsigned n = 0;
	while (a != NULL) {
		struct apc run = *a;

		free(a);
		run.fn(run.pAsync, NULL, run.ev);
		a = run.next;
		n++;
	}
	return n;
}

bool
rpcrt_handle_is_event(HANDLE h)
{
	return obj_is(h, EVENT_MAGIC);
}

bool
rpcrt_handle_is_port(HANDLE h)
{
	return obj_is(h, PORT_MAGIC);
}

/* ---- Waiting -------------------------------------------------------------------------------- */

enum wait_result {
	WR_TAKEN,   /* take() succeeded */
	WR_EXPIRED, /* the time ran out */
	WR_APC,     /* APCs ran */
	WR_ERROR,   /* the object was closed (errno EBADF) or poll() failed (its errno) */
};

/* Waits up to ms (INFINITE: no limit) until take(o, arg) succeeds or, when apcq is not NULL,
 * APCs are queued to it; then runs them. o NULL: waits only for APCs or the time. The object is
 * tried first, so a wait whose object is ready returns it even when APCs are pending too (they
 * run in the next alertable wait), as Windows does. */
static enum wait_result
wait_for(struct hobj *o, take_fn *take, void *arg, DWORD ms, rpcrt_apc_queue *apcq)
{
	uint64_t deadline = rpcrt_deadline_after(ms);
	struct pollfd pfd[2] = {
		{ .fd = o ? o->fd : -1, .events = POLLIN },
		{ .fd = apcq ? apcq->fd : -1, .events = POLLIN },
	};

	for (;;) {
		if (o != NULL) {
			int r = take(o, arg);

			if (r > 0)
				return WR_TAKEN;
			if (r < 0) {
				errno = EBADF;
				return WR_ERROR;
			}
		}
		if (apcq != NULL && apc_run(apcq) > 0)
			return WR_APC;
		int left = rpcrt_ms_left(deadline);
		if (left == 0)
			return WR_EXPIRED;
		/* Poll ignores the entries whose fd is -1. */
		if (poll(pfd, 2, left) < 0 && errno != EINTR)
			return WR_ERROR;
	}
}

/* ---- Events --------------------------------------------------------------------------------- */

HANDLE
CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState,
	     LPCSTR lpName)
{
	(void)lpEventAttributes;
	if (lpName != NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct event *ev = calloc(1, sizeof(*ev));
	if (ev == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ev->manual_reset = bManualReset != FALSE;
	ev->signalled = bInitialState != FALSE;
	int err = obj_init(&ev->h, EVENT_MAGIC, ev->signalled);
	if (err != 0) {
		free(ev);
		errno = err;
		return NULL;
	}
	return ev;
}

/* Sets or resets the event h. */
static BOOL
event_set_state(HANDLE h, bool signalled)
{
	struct hobj *o = obj_get(h, EVENT_MAGIC);
	if (o == NULL)
		return FALSE;
	struct event *ev = (struct event *)o;
	BOOL ok = TRUE;

	pthread_mutex_lock(&o->lock);
	if (o->closed) {
		ok = FALSE;
	} else if (ev->signalled != signalled) {
		ev->signalled = signalled;
		if (signalled)
			fd_raise(o->fd);
		else
			fd_drain(o->fd);
	}
	pthread_mutex_unlock(&o->lock);
	obj_put(o);
	if (!ok)
		errno = EBADF;
	return ok;
}

BOOL
SetEvent(HANDLE hEvent)
{
	return event_set_state(hEvent, true);
}

BOOL
ResetEvent(HANDLE hEvent)
{
	return event_set_state(hEvent, false);
}

DWORD
WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds, BOOL bAlertable)
{
	struct hobj *o = obj_get(hHandle, EVENT_MAGIC);
	if (o == NULL)
		return WAIT_FAILED;
	rpcrt_apc_queue *apcq = bAlertable ? apc_queue_mine() : NULL;
	enum wait_result w = wait_for(o, event_take, NULL, dwMilliseconds, apcq);
	obj_put(o);

	switch (w) {
	case WR_TAKEN:
		return WAIT_OBJECT_0;
	case WR_EXPIRED:
		return WAIT_TIMEOUT;
	case WR_APC:
		return WAIT_IO_COMPLETION;
	default:
		return WAIT_FAILED;
	}
}

DWORD
WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds)
{
	return WaitForSingleObjectEx(hHandle, dwMilliseconds, FALSE);
}

DWORD
SleepEx(DWORD dwMilliseconds, BOOL bAlertable)
{
	rpcrt_apc_queue *apcq = bAlertable ? apc_queue_mine() : NULL;

	/* Without an object to fail, the only error is poll()'s, which cannot happen with at most
	 * two descriptors; the wait then ends early as if the time had passed. */
	return wait_for(NULL, NULL, NULL, dwMilliseconds, apcq) == WR_APC ? WAIT_IO_COMPLETION : 0;
}

/* ---- Completion ports ----------------------------------------------------------------------- */

HANDLE
CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort, ULONG_PTR CompletionKey,
		       DWORD NumberOfConcurrentThreads)
{
	/* Win32 ignores the key when it only creates a port; ridl has no concurrency limit. */
	(void)CompletionKey;
	(void)NumberOfConcurrentThreads;
	if (FileHandle != INVALID_HANDLE_VALUE || ExistingCompletionPort != NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct port *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p->tail = &p->head;
	int err = obj_init(&p->h, PORT_MAGIC, false);
	if (err != 0) {
		free(p);
		errno = err;
		return NULL;
	}
	return p;
}

BOOL
GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD lpNumberOfBytesTransferred,
			  PULONG_PTR lpCompletionKey, LPOVERLAPPED *lpOverlapped,
			  DWORD dwMilliseconds)
{
	/* As on Windows, *lpOverlapped is NULL whenever no packet was dequeued, so that code
	 * written for Windows (`if (!ok && ov == NULL)`: a timeout or an error, not a failed
	 * operation) tells the cases apart; the other two outputs are then left alone. */
	if (lpOverlapped != NULL)
		*lpOverlapped = NULL;
	struct hobj *o = obj_get(CompletionPort, PORT_MAGIC);
	if (o == NULL)
		return FALSE;
	if (lpNumberOfBytesTransferred == NULL || lpCompletionKey == NULL || lpOverlapped == NULL) {
		obj_put(o);
		errno = EINVAL;
		return FALSE;
	}
	struct packet *pk = NULL;
	enum wait_result w = wait_for(o, port_take, &pk, dwMilliseconds, NULL);
	obj_put(o);
	if (w != WR_TAKEN) {
		if (w == WR_EXPIRED)
			errno = ETIMEDOUT;
		return FALSE;
	}
	*lpNumberOfBytesTransferred = pk->bytes;
	*lpCompletionKey = pk->key;
	*lpOverlapped = pk->overlapped;
	free(pk);
	return TRUE;
}

BOOL
PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
			   ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped)
{
	struct hobj *o = obj_get(CompletionPort, PORT_MAGIC);
	if (o == NULL)
		return FALSE;
	struct port *p = (struct port *)o;
	struct packet *pk = malloc(sizeof(*pk));
	if (pk == NULL) {
		obj_put(o);
		errno = ENOMEM;
		return FALSE;
	}
	pk->bytes = dwNumberOfBytesTransferred;
	pk->key = dwCompletionKey;
	pk->overlapped = lpOverlapped;
	pk->next = NULL;

	pthread_mutex_lock(&o->lock);
	bool closed = o->closed;
	if (!closed) {
		if (p->head == NULL)
			fd_raise(o->fd);
		*p->tail = pk;
		p->tail = &pk->next;
	}
	pthread_mutex_unlock(&o->lock);
	obj_put(o);
	if (closed) {
		free(pk);
		errno = EBADF;
		return FALSE;
	}
	return TRUE;
}

/* ---- Both ----------------------------------------------------------------------------------- */

BOOL
CloseHandle(HANDLE hObject)
{
	pthread_mutex_lock(&reg_lock);
	size_t i = reg_find(hObject);
	struct hobj *o = i < reg_cap ? reg_slots[i] : NULL;
	if (o != NULL)
		reg_remove_at(i);
	pthread_mutex_unlock(&reg_lock);
	if (o == NULL) {
		errno = EBADF;
		return FALSE;
	}

	/* Make the descriptor readable for good, so that every thread polling it wakes, finds
	 * the object closed and fails. A port's queued packets are dropped now. */
	struct packet *dropped = NULL;
	pthread_mutex_lock(&o->lock);
	o->closed = true;
	bool readable;
	if (o->magic == EVENT_MAGIC) {
		readable = ((struct event *)o)->signalled;
	} else {
		struct port *p = (struct port *)o;

		readable = p->head != NULL;
		dropped = p->head;
		p->head = NULL;
		p->tail = &p->head;
	}
	if (!readable)
		fd_raise(o->fd);
	pthread_mutex_unlock(&o->lock);

	while (dropped != NULL) {
		struct packet *next = dropped->next;

		free(dropped);
		dropped = next;
	}
	obj_put(o); /* the registry's reference */
	return TRUE;
}

int
RpcHandleGetFd(HANDLE h)
{
	struct hobj *o = obj_get(h, 0);
	if (o == NULL)
		return -1;
	int fd = o->fd;
	obj_put(o);
	return fd;
}
