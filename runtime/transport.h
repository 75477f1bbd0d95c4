/* librpcrt private: the stream transports under the connection-oriented protocol. ncacn_ip_tcp
 * is TCP over IPv4 and IPv6; ncalrpc is AF_UNIX stream sockets whose paths come from
 * rpcrt_ncalrpc_path() (a private per-user directory). Nothing here knows about PDUs.
 *
 * Every socket made here is nonblocking and close-on-exec, and nothing here raises SIGPIPE
 * (sends use MSG_NOSIGNAL), so a peer that goes away never kills the process. The descriptors
 * returned are the caller's to close. Outputs (ret_*) are written only on success.
 *
 * Status codes are those a Windows client or server gets for the same event:
 *  - a connection refused, a host or network unreachable, or a host name that does not resolve:
 *    RPC_S_SERVER_UNAVAILABLE (1722). Wine's rpcrt4 (dlls/rpcrt4/rpc_transport.c,
 *    rpcrt4_ncacn_ip_tcp_open) returns it for every getaddrinfo and connect failure, and
 *    Microsoft's TechNet article "Troubleshooting 'The RPC server is unavailable'" lists
 *    failed DNS or NetBIOS name resolution first among its causes, before blocked ports and
 *    failed TCP session establishment;
 *  - a network address that is not one (bad syntax, caught before any lookup):
 *    RPC_S_INVALID_NET_ADDR; an endpoint that is not one: RPC_S_INVALID_ENDPOINT_FORMAT;
 *  - an endpoint already in use by a listener: RPC_S_DUPLICATE_ENDPOINT (RpcServerUseProtseqEp
 *    documents it; Wine maps EADDRINUSE to it); any other failure to listen:
 *    RPC_S_CANT_CREATE_ENDPOINT, as in Wine;
 *  - a connect that does not complete within its timeout: RPC_S_TIMEOUT. Windows has no
 *    transport-level timeout to copy; the connection layer turns it into what Windows reports
 *    for the situation (RPC_S_SERVER_UNAVAILABLE when the TCP handshake gives up,
 *    RPC_S_CALL_CANCELLED when the deadline was the binding's call timeout);
 *  - out of descriptors or socket buffers: RPC_S_OUT_OF_RESOURCES.
 * Whether a failed call executed (RPC_S_CALL_FAILED against RPC_S_CALL_FAILED_DNE) depends on
 * how much of the request went out, which only the connection layer knows; so a lost
 * connection is RPC_S_CALL_FAILED here and it picks the final code. */
#ifndef RPCRT_TRANSPORT_H
#define RPCRT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rpc.h"

/* ---- TCP (ncacn_ip_tcp) ---- */

/* Listens on TCP. host NULL or "": the IPv4 and the IPv6 wildcard addresses, two sockets (the
 * IPv6 one with IPV6_V6ONLY, so each family has its own socket and neither shadows the other);
 * an IPv6 wildcard that the host cannot provide is left out. Otherwise host is an address
 * (IPv6 with or without brackets) or a name, and only its addresses are bound. port NULL or
 * "": a dynamic port, the same one for every socket when the kernel lets us have it (we retry
 * a few times, then settle for the sockets that got it); else a decimal port 1-65535.
 * SO_REUSEADDR, so a restarted server can bind while old connections sit in TIME_WAIT.
 * The listening descriptors go to fds[0 .. *ret_n - 1] and the port to *ret_port.
 * RPC_S_INVALID_NET_ADDR for a host that is malformed or does not resolve,
 * RPC_S_INVALID_ENDPOINT_FORMAT, RPC_S_BUFFER_TOO_SMALL when max is less than the number of
 * addresses, RPC_S_DUPLICATE_ENDPOINT when the port is taken, RPC_S_ACCESS_DENIED for a port
 * we may not use, RPC_S_CANT_CREATE_ENDPOINT (for example an address not on this host),
 * RPC_S_OUT_OF_RESOURCES. */
RPC_STATUS rpcrt_tcp_listen(const char *host, const char *port, int *fds, size_t max, size_t *ret_n,
			    uint16_t *ret_port);

/* Connects to host (NULL or "": this host) and port (decimal, 1-65535), trying each address
 * getaddrinfo gives in turn until one answers, all within timeout_ms (INFINITE: no limit;
 * 0: only connections that complete at once). The socket has TCP_NODELAY, since RPC is
 * request and response and Nagle's algorithm would delay every last fragment. See the top of
 * this file for the statuses. */
RPC_STATUS rpcrt_tcp_connect(const char *host, const char *port, uint32_t timeout_ms, int *ret_fd);

/* ---- Deadlines ---- */

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t rpcrt_now_ms(void);
/* The deadline timeout_ms from now; UINT64_MAX (none) for INFINITE. */
uint64_t rpcrt_deadline_after(uint32_t timeout_ms);
/* Milliseconds left before deadline, as poll() takes them: -1 for no deadline (UINT64_MAX),
 * 0 once it has passed. */
int rpcrt_ms_left(uint64_t deadline);
/* Waits until fd has one of events (POLLIN, POLLOUT) or the deadline passes: RPC_S_OK,
 * RPC_S_TIMEOUT, or RPC_S_CALL_FAILED when poll() fails. Interrupted waits are resumed. */
RPC_STATUS rpcrt_sock_wait(int fd, short events, uint64_t deadline);

/* ---- AF_UNIX (ncalrpc) ---- */

/* Listens on the socket of ncalrpc endpoint `endpoint`, mode 0600. A socket file that is
 * already there is removed only when nobody answers a connect on it (its server died without
 * cleaning up); when somebody does, RPC_S_DUPLICATE_ENDPOINT. A file there that is not a
 * socket is left alone: RPC_S_CANT_CREATE_ENDPOINT. The check and the bind happen under a lock
 * on the socket directory, so two servers starting at once cannot both take the endpoint.
 * Statuses of rpcrt_ncalrpc_path() (RPC_S_INVALID_ENDPOINT_FORMAT, RPC_S_ACCESS_DENIED ...),
 * RPC_S_OUT_OF_RESOURCES. */
RPC_STATUS rpcrt_unix_listen(const char *endpoint, int *ret_fd);

/* Connects to ncalrpc endpoint `endpoint`, waiting up to timeout_ms (INFINITE: no limit) for
 * room in the listener's backlog. RPC_S_SERVER_UNAVAILABLE when no server listens there,
 * RPC_S_ACCESS_DENIED when the socket is not ours to use, RPC_S_TIMEOUT. */
RPC_STATUS rpcrt_unix_connect(const char *endpoint, uint32_t timeout_ms, int *ret_fd);

/* Removes the socket file of an endpoint when its server shuts down (after closing the
 * listening socket). A missing file is not an error. */
RPC_STATUS rpcrt_unix_unlink(const char *endpoint);

/* ---- Any stream socket ---- */

/* Accepts one connection from a listening socket: nonblocking, close-on-exec, TCP_NODELAY on
 * TCP. RPC_S_ASYNC_CALL_PENDING when none is waiting (also when one was aborted by its peer
 * before we got to it), RPC_S_OUT_OF_RESOURCES when out of descriptors or memory, which a
 * server survives by leaving the connection in the backlog for later. */
RPC_STATUS rpcrt_sock_accept(int listen_fd, int *ret_fd);

/* Writes up to len bytes with one send(); *ret_written says how many went out (possibly fewer
 * than len). Interrupted sends are retried. RPC_S_ASYNC_CALL_PENDING (ERROR_IO_PENDING) when
 * nothing can be written now: wait for RPCRT_EV_WRITE. RPC_S_CALL_FAILED when the connection
 * is gone (EPIPE, ECONNRESET ...), RPC_S_OUT_OF_RESOURCES, RPC_S_INVALID_ARG for a descriptor
 * that is not a connected socket. len 0 writes nothing and succeeds. */
RPC_STATUS rpcrt_sock_write(int fd, const void *buf, size_t len, size_t *ret_written);

/* Reads up to len (> 0) bytes with one recv(); *ret_read (> 0) says how many. Interrupted
 * receives are retried. RPC_S_ASYNC_CALL_PENDING when nothing is there yet: wait for
 * RPCRT_EV_READ. RPC_S_CALL_FAILED when the connection is over: the peer closed it (end of
 * stream) or it broke (ECONNRESET ...); the connection layer treats both alike. */
RPC_STATUS rpcrt_sock_read(int fd, void *buf, size_t len, size_t *ret_read);

/* The credentials of the process at the other end of a connected AF_UNIX socket, taken by the
 * kernel when it connected (SO_PEERCRED). Any output may be NULL. RPC_S_CANNOT_SUPPORT for
 * sockets of other families, whose peers have no such credentials. */
RPC_STATUS rpcrt_sock_peer_cred(int fd, uid_t *ret_uid, gid_t *ret_gid, pid_t *ret_pid);

#endif
