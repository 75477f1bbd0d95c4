/* Stream transports: TCP listen and connect over IPv4 and IPv6, AF_UNIX listen and connect for
 * ncalrpc, and the read, write, accept and peer-credential helpers the connection layer uses on
 * both. The statuses and where they come from are listed in transport.h. */
#define _GNU_SOURCE /* accept4, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "transport.h"

/* Most addresses one host name may bind when listening; getaddrinfo rarely gives more than
 * two (one per family). */
#define LISTEN_ADDR_MAX 16

/* How often rpcrt_tcp_listen() asks for a dynamic port that is free in every family before it
 * settles for the sockets that got the first one. */
#define DYNAMIC_PORT_TRIES 8

/* Longest host name or address text we pass to getaddrinfo (NI_MAXHOST). */
#define HOST_MAX 1025

uint64_t
rpcrt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
rpcrt_ms_left(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return -1;
	uint64_t now = rpcrt_now_ms();
	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

uint64_t
rpcrt_deadline_after(uint32_t timeout_ms)
{
	return timeout_ms == INFINITE ? UINT64_MAX : rpcrt_now_ms() + timeout_ms;
}

static bool
out_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* A decimal TCP port 1-65535 as rpcrt_endpoint_check() accepts it; NULL or "" give 0 when a
 * dynamic port is allowed. */
static RPC_STATUS
parse_port(const char *port, bool allow_dynamic, uint16_t *ret_port)
{
	if (port == NULL || port[0] == '\0') {
		if (!allow_dynamic)
			return RPC_S_INVALID_ENDPOINT_FORMAT;
		*ret_port = 0;
		return RPC_S_OK;
	}
	RPC_STATUS st = rpcrt_endpoint_check(RPCRT_PROTSEQ_NCACN_IP_TCP, port);
	if (st != RPC_S_OK)
		return st;
	unsigned long v = 0;
	for (const char *p = port; *p != '\0'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	*ret_port = (uint16_t)v;
	return RPC_S_OK;
}

/* Checks a TCP network address and copies it into buf without the brackets of "[::1]", which
 * getaddrinfo does not take. NULL is taken as "". */
static RPC_STATUS
host_text(const char *host, char buf[static HOST_MAX])
{
	if (host == NULL)
		host = "";
	RPC_STATUS st = rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, host);
	if (st != RPC_S_OK)
		return st;
	size_t len = strlen(host);
	if (host[0] == '[') {
		host++;
		len -= 2;
	}
	if (len >= HOST_MAX)
		return RPC_S_INVALID_NET_ADDR;
	memcpy(buf, host, len);
	buf[len] = '\0';
	return RPC_S_OK;
}

static void
close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static RPC_STATUS
listen_status(int err)
{
	if (err == EADDRINUSE)
		return RPC_S_DUPLICATE_ENDPOINT;
	if (err == EACCES || err == EPERM)
		return RPC_S_ACCESS_DENIED;
	if (out_of_resources(err))
		return RPC_S_OUT_OF_RESOURCES;
	return RPC_S_CANT_CREATE_ENDPOINT;
}

/* ---- TCP ------------------------------------------------------------------------------------ */

/* One listening socket on addr. Returns 0 and the descriptor, or an errno value. */
static int
tcp_listen_one(const struct sockaddr_storage *addr, socklen_t len, int *ret_fd)
{
	int one = 1;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (addr->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, SOMAXCONN) != 0) {
		int err = errno;
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return 0;
}

/* An address family this host does not have (IPv6 disabled, an address not configured here). */
static bool
family_missing(int err)
{
	return err == EAFNOSUPPORT || err == EADDRNOTAVAIL;
}

RPC_STATUS
rpcrt_tcp_listen(const char *host, const char *port, int *fds, size_t max, size_t *ret_n,
		 uint16_t *ret_port)
{
	struct sockaddr_storage addrs[LISTEN_ADDR_MAX];
	socklen_t lens[LISTEN_ADDR_MAX];
	size_t naddr = 0;
	char text[HOST_MAX];
	uint16_t want;

	if (fds == NULL || max == 0 || ret_n == NULL || ret_port == NULL)
		return RPC_S_INVALID_ARG;
	RPC_STATUS st = parse_port(port, true, &want);
	if (st != RPC_S_OK)
		return st;
	st = host_text(host, text);
	if (st != RPC_S_OK)
		return st;

	if (text[0] == '\0') {
		/* IPv4 first: it is the family every client has, and the one that keeps the
		 * dynamic port if the two cannot share one. */
		struct sockaddr_in *v4 = (struct sockaddr_in *)&addrs[0];
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addrs[1];
		memset(addrs, 0, 2 * sizeof(addrs[0]));
		v4->sin_family = AF_INET;
		v4->sin_addr.s_addr = htonl(INADDR_ANY);
		lens[0] = sizeof(*v4);
		v6->sin6_family = AF_INET6;
		v6->sin6_addr = in6addr_any;
		lens[1] = sizeof(*v6);
		naddr = 2;
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
		struct addrinfo *res;
		int gai = getaddrinfo(text, NULL, &hints, &res);
		if (gai != 0)
			return gai == EAI_MEMORY ? RPC_S_OUT_OF_MEMORY : RPC_S_INVALID_NET_ADDR;
		for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
			if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
			    ai->ai_addrlen > sizeof(addrs[0]))
				continue;
			bool dup = false;
			for (size_t i = 0; i < naddr && !dup; i++)
				dup = lens[i] == ai->ai_addrlen &&
				      memcmp(&addrs[i], ai->ai_addr, ai->ai_addrlen) == 0;
			if (dup)
				continue;
			if (naddr == LISTEN_ADDR_MAX) {
				freeaddrinfo(res);
				return RPC_S_BUFFER_TOO_SMALL;
			}
			memset(&addrs[naddr], 0, sizeof(addrs[naddr]));
			memcpy(&addrs[naddr], ai->ai_addr, ai->ai_addrlen);
			lens[naddr++] = ai->ai_addrlen;
		}
		freeaddrinfo(res);
		if (naddr == 0)
			return RPC_S_INVALID_NET_ADDR;
	}

	for (int attempt = 0; attempt < DYNAMIC_PORT_TRIES; attempt++) {
		bool last = attempt == DYNAMIC_PORT_TRIES - 1;
		uint16_t bound = want;
		size_t n = 0;
		int skipped_err = 0;
		bool retry = false;

		for (size_t i = 0; i < naddr; i++) {
			int fd = -1;
			set_port(&addrs[i], bound);
			int err = tcp_listen_one(&addrs[i], lens[i], &fd);
			if (err != 0) {
				/* A family the host lacks is left out when another one works. */
				if (naddr > 1 && family_missing(err)) {
					skipped_err = err;
					continue;
				}
				/* The dynamic port of the first socket is taken in this family:
				 * ask for another, or settle on the last try. */
				if (want == 0 && n > 0 && err == EADDRINUSE) {
					if (last)
						continue;
					retry = true;
					break;
				}
				close_all(fds, n);
				if (want == 0 && err == EADDRINUSE)
					return RPC_S_OUT_OF_RESOURCES; /* no ephemeral port left */
				return listen_status(err);
			}
			if (n == max) {
				close(fd);
				close_all(fds, n);
				return RPC_S_BUFFER_TOO_SMALL;
			}
			if (bound == 0) {
				struct sockaddr_storage ss;
				socklen_t sl = sizeof(ss);
				if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
					close(fd);
					close_all(fds, n);
					return RPC_S_CANT_CREATE_ENDPOINT;
				}
				bound = ntohs(ss.ss_family == AF_INET
						      ? ((struct sockaddr_in *)&ss)->sin_port
						      : ((struct sockaddr_in6 *)&ss)->sin6_port);
			}
			fds[n++] = fd;
		}
		if (retry) {
			close_all(fds, n);
			continue;
		}
		if (n == 0)
			return listen_status(skipped_err);
		*ret_n = n;
		*ret_port = bound;
		return RPC_S_OK;
	}
	return RPC_S_CANT_CREATE_ENDPOINT; /* not reached: the last try settles */
}

static RPC_STATUS
connect_status(int err)
{
	if (out_of_resources(err) || err == EAGAIN) /* EAGAIN: no local port left */
		return RPC_S_OUT_OF_RESOURCES;
	/* ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ETIMEDOUT, EADDRNOTAVAIL (no route from any
	 * local address of this family), EACCES/EPERM (a firewall rule) ... */
	return RPC_S_SERVER_UNAVAILABLE;
}

RPC_STATUS
rpcrt_sock_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&pfd, 1, rpcrt_ms_left(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return RPC_S_CALL_FAILED;
	return r == 0 ? RPC_S_TIMEOUT : RPC_S_OK;
}

/* Waits until the nonblocking connect on fd completes or the deadline passes. */
static RPC_STATUS
wait_connected(int fd, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r;

	do {
		r = poll(&pfd, 1, rpcrt_ms_left(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return connect_status(errno);
	if (r == 0)
		return RPC_S_TIMEOUT;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	return err == 0 ? RPC_S_OK : connect_status(err);
}

RPC_STATUS
rpcrt_tcp_connect(const char *host, const char *port, uint32_t timeout_ms, int *ret_fd)
{
	char text[HOST_MAX];
	uint16_t portnum;

	if (ret_fd == NULL)
		return RPC_S_INVALID_ARG;
	RPC_STATUS st = parse_port(port, false, &portnum);
	if (st != RPC_S_OK)
		return st;
	st = host_text(host, text);
	if (st != RPC_S_OK)
		return st;
	uint64_t deadline = rpcrt_deadline_after(timeout_ms);

	/* No AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on a host whose only interface is the
	 * loopback one. An empty host gives the loopback addresses. */
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_family = AF_UNSPEC,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int gai = getaddrinfo(text[0] != '\0' ? text : NULL, port, &hints, &res);
	if (gai != 0) {
		if (gai == EAI_MEMORY)
			return RPC_S_OUT_OF_MEMORY;
		if (gai == EAI_SYSTEM && out_of_resources(errno))
			return RPC_S_OUT_OF_RESOURCES;
		return RPC_S_SERVER_UNAVAILABLE;
	}

	st = RPC_S_SERVER_UNAVAILABLE;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			st = connect_status(errno);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			st = RPC_S_OK;
		else if (errno == EINPROGRESS || errno == EINTR)
			st = wait_connected(fd, deadline);
		else
			st = connect_status(errno);
		if (st == RPC_S_OK) {
			freeaddrinfo(res);
			*ret_fd = fd;
			return RPC_S_OK;
		}
		close(fd);
		/* A timeout used up the time; otherwise the next address gets what is left. */
		if (st == RPC_S_TIMEOUT)
			break;
	}
	freeaddrinfo(res);
	return st;
}

/* ---- AF_UNIX --------------------------------------------------------------------------------- */

static RPC_STATUS
unix_addr(const char *endpoint, struct sockaddr_un *sun)
{
	if (endpoint == NULL)
		return RPC_S_INVALID_ARG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	return rpcrt_ncalrpc_path(endpoint, sun->sun_path, sizeof(sun->sun_path));
}

/* Whether a server answers on the socket at path: a connect that succeeds, or that finds the
 * backlog full (EAGAIN), means it does; only ECONNREFUSED means the file is a dead server's.
 * ENOENT (the file went away meanwhile) is reported as -1, any other error as alive, so that
 * we never remove what we do not understand. */
static int
unix_probe(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	int r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int err = errno;
	close(fd);
	if (r == 0)
		return 1;
	if (err == ECONNREFUSED)
		return 0;
	if (err == ENOENT)
		return -1;
	return 1;
}

/* Binds fd to the endpoint's path, first removing a dead server's socket file. Called with
 * the directory lock held. */
static RPC_STATUS
unix_bind(int fd, const struct sockaddr_un *sun)
{
	/* Two rounds at most: after a stale file is removed under the lock, only a process that
	 * ignores the lock could take the path again. */
	for (int round = 0; round < 2; round++) {
		if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
			return RPC_S_OK;
		if (errno != EADDRINUSE)
			return listen_status(errno);

		struct stat st;
		if (lstat(sun->sun_path, &st) != 0) {
			if (errno == ENOENT)
				continue;
			return RPC_S_CANT_CREATE_ENDPOINT;
		}
		if (!S_ISSOCK(st.st_mode))
			return RPC_S_CANT_CREATE_ENDPOINT;
		int alive = unix_probe(sun);
		if (alive > 0)
			return RPC_S_DUPLICATE_ENDPOINT;
		if (alive == 0 && unlink(sun->sun_path) != 0 && errno != ENOENT)
			return listen_status(errno);
	}
	return RPC_S_DUPLICATE_ENDPOINT;
}

RPC_STATUS
rpcrt_unix_listen(const char *endpoint, int *ret_fd)
{
	struct sockaddr_un sun;

	if (ret_fd == NULL)
		return RPC_S_INVALID_ARG;
	RPC_STATUS st = unix_addr(endpoint, &sun);
	if (st != RPC_S_OK)
		return st;

	/* The lock: an exclusive flock on the socket directory (private to this user), held
	 * from the liveness probe to listen(), so that of two servers that find the same stale
	 * file one removes it and binds, and the other then finds a live server. */
	char dir[sizeof(sun.sun_path)];
	memcpy(dir, sun.sun_path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return RPC_S_CANT_CREATE_ENDPOINT;
	*slash = '\0';
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return out_of_resources(errno) ? RPC_S_OUT_OF_RESOURCES
					       : RPC_S_CANT_CREATE_ENDPOINT;
	int r;
	do {
		r = flock(dirfd, LOCK_EX);
	} while (r != 0 && errno == EINTR);
	if (r != 0) {
		close(dirfd);
		return RPC_S_CANT_CREATE_ENDPOINT;
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		st = listen_status(errno);
	} else {
		st = unix_bind(fd, &sun);
		/* Mode 0600 before listen(), so nobody can connect under a wider mode. The
		 * directory is 0700 anyway; this is the second wall. */
		if (st == RPC_S_OK &&
		    (chmod(sun.sun_path, 0600) != 0 || listen(fd, SOMAXCONN) != 0)) {
			st = listen_status(errno);
			unlink(sun.sun_path);
		}
		if (st != RPC_S_OK)
			close(fd);
	}
	close(dirfd); /* releases the lock */
	if (st == RPC_S_OK)
		*ret_fd = fd;
	return st;
}

static RPC_STATUS
unix_connect_status(int err)
{
	if (err == EACCES || err == EPERM)
		return RPC_S_ACCESS_DENIED;
	if (out_of_resources(err))
		return RPC_S_OUT_OF_RESOURCES;
	/* ENOENT (no such endpoint), ECONNREFUSED (a dead server's file), ENOTDIR ... */
	return RPC_S_SERVER_UNAVAILABLE;
}

static void
set_send_timeout(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

RPC_STATUS
rpcrt_unix_connect(const char *endpoint, uint32_t timeout_ms, int *ret_fd)
{
	struct sockaddr_un sun;

	if (ret_fd == NULL)
		return RPC_S_INVALID_ARG;
	RPC_STATUS st = unix_addr(endpoint, &sun);
	if (st != RPC_S_OK)
		return st;
	uint64_t deadline = rpcrt_deadline_after(timeout_ms);

	/* A nonblocking AF_UNIX connect does not wait for room in a full backlog: it fails
	 * with EAGAIN at once, and there is nothing to poll for. A blocking connect does wait,
	 * bounded by SO_SNDTIMEO, so that is how the timeout is applied; the socket becomes
	 * nonblocking afterwards. timeout 0 is the nonblocking attempt itself. */
	int type = SOCK_STREAM | SOCK_CLOEXEC | (timeout_ms == 0 ? SOCK_NONBLOCK : 0);
	int fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		return unix_connect_status(errno);
	for (;;) {
		int left = rpcrt_ms_left(deadline);
		if (timeout_ms != 0) {
			if (left == 0) {
				st = RPC_S_TIMEOUT;
				break;
			}
			/* 0 means no timeout to SO_SNDTIMEO. */
			set_send_timeout(fd, left < 0 ? 0 : left);
		}
		if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0) {
			st = RPC_S_OK;
			break;
		}
		if (errno == EINTR)
			continue;
		st = errno == EAGAIN || errno == EINPROGRESS ? RPC_S_TIMEOUT
							     : unix_connect_status(errno);
		break;
	}
	if (st == RPC_S_OK && timeout_ms != 0) {
		set_send_timeout(fd, 0);
		int flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
			st = RPC_S_OUT_OF_RESOURCES;
	}
	if (st != RPC_S_OK) {
		close(fd);
		return st;
	}
	*ret_fd = fd;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_unix_unlink(const char *endpoint)
{
	struct sockaddr_un sun;

	RPC_STATUS st = unix_addr(endpoint, &sun);
	if (st != RPC_S_OK)
		return st;
	if (unlink(sun.sun_path) == 0 || errno == ENOENT)
		return RPC_S_OK;
	return errno == EACCES || errno == EPERM ? RPC_S_ACCESS_DENIED : RPC_S_INTERNAL_ERROR;
}

/* ---- Any stream socket ------------------------------------------------------------------------ */

RPC_STATUS
rpcrt_sock_accept(int listen_fd, int *ret_fd)
{
	int fd;

	if (ret_fd == NULL)
		return RPC_S_INVALID_ARG;
	do {
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			return RPC_S_OUT_OF_RESOURCES;
		case EBADF:
		case EINVAL:
		case ENOTSOCK:
		case EOPNOTSUPP:
		case EFAULT:
			return RPC_S_INVALID_ARG;
		default:
			/* EAGAIN, and ECONNABORTED, EPROTO, ENETDOWN ...: Linux passes the
			 * errors of a connection that died in the backlog to accept(), which
			 * are not ours to fail on; nothing is waiting now. */
			return RPC_S_ASYNC_CALL_PENDING;
		}
	}
	int domain = 0;
	socklen_t len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    (domain == AF_INET || domain == AF_INET6)) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	*ret_fd = fd;
	return RPC_S_OK;
}

/* The status of a failed send or recv. */
static RPC_STATUS
io_status(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return RPC_S_ASYNC_CALL_PENDING;
	case ENOBUFS:
	case ENOMEM:
		return RPC_S_OUT_OF_RESOURCES;
	case EBADF:
	case ENOTSOCK:
	case EFAULT:
	case EINVAL:
	case EOPNOTSUPP:
	case EDESTADDRREQ:
		return RPC_S_INVALID_ARG;
	default:
		/* EPIPE, ECONNRESET, ENOTCONN, ETIMEDOUT (keepalive), EHOSTUNREACH ... */
		return RPC_S_CALL_FAILED;
	}
}

RPC_STATUS
rpcrt_sock_write(int fd, const void *buf, size_t len, size_t *ret_written)
{
	ssize_t n;

	if ((buf == NULL && len > 0) || ret_written == NULL)
		return RPC_S_INVALID_ARG;
	if (len == 0) {
		*ret_written = 0;
		return RPC_S_OK;
	}
	/* MSG_NOSIGNAL: a closed peer is EPIPE here, never SIGPIPE. MSG_DONTWAIT: never block,
	 * even on a socket someone made blocking. */
	do {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return io_status(errno);
	if (n == 0)
		return RPC_S_ASYNC_CALL_PENDING;
	*ret_written = (size_t)n;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_sock_read(int fd, void *buf, size_t len, size_t *ret_read)
{
	ssize_t n;

	/* len 0 would make "nothing read" ambiguous with the end of the stream. */
	if (buf == NULL || len == 0 || ret_read == NULL)
		return RPC_S_INVALID_ARG;
	do {
		n = recv(fd, buf, len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return io_status(errno);
	if (n == 0)
		return RPC_S_CALL_FAILED; /* end of stream: the peer closed the connection */
	*ret_read = (size_t)n;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_sock_peer_cred(int fd, uid_t *ret_uid, gid_t *ret_gid, pid_t *ret_pid)
{
	int domain = 0;
	socklen_t len = sizeof(domain);
	struct ucred cred;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
		return RPC_S_INVALID_ARG;
	if (domain != AF_UNIX)
		return RPC_S_CANNOT_SUPPORT;
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return RPC_S_INVALID_ARG;
	if (ret_uid != NULL)
		*ret_uid = cred.uid;
	if (ret_gid != NULL)
		*ret_gid = cred.gid;
	if (ret_pid != NULL)
		*ret_pid = cred.pid;
	return RPC_S_OK;
}
