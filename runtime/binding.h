/* librpcrt private: binding handles (binding.c), UUID helpers (uuid.c) and the mapping of ncalrpc
 * endpoint names to socket paths. The public side of these is in rpcdce.h. */
#ifndef RPCRT_BINDING_H
#define RPCRT_BINDING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpcdce.h"

/* ---- UUIDs (uuid.c) ---- */

/* Length of "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" without the NUL. */
#define RPCRT_UUID_STRLEN 36

/* Parses exactly len bytes at s (no NUL needed) as the 36-character form, either case.
 * RPC_S_INVALID_STRING_UUID for anything else; *ret_uuid is untouched on failure. */
RPC_STATUS rpcrt_uuid_parse(const char *s, size_t len, UUID *ret_uuid);

/* Writes the lowercase 36-character form and a NUL into buf (NULL uuid: the nil UUID). */
void rpcrt_uuid_format(const UUID *uuid, char buf[static RPCRT_UUID_STRLEN + 1]);

/* ---- Protocol sequences ---- */

typedef enum rpcrt_protseq {
	RPCRT_PROTSEQ_NCACN_IP_TCP, /* TCP */
	RPCRT_PROTSEQ_NCALRPC,      /* AF_UNIX stream sockets in a per-user directory */
} rpcrt_protseq;

/* Maps a protocol sequence name (case-sensitive, as Microsoft spells them) to the enum.
 * RPC_S_PROTSEQ_NOT_SUPPORTED for the other names Microsoft documents (ncacn_np, ncadg_ip_udp,
 * ncacn_http ...), RPC_S_INVALID_RPC_PROTSEQ for any other string. */
RPC_STATUS rpcrt_protseq_from_name(const char *name, rpcrt_protseq *ret_protseq);
const char *rpcrt_protseq_name(rpcrt_protseq protseq);

/* Checks an endpoint for protseq: ncacn_ip_tcp a decimal port 1-65535, ncalrpc a name of
 * 1-100 characters from [A-Za-z0-9_.-] other than "." and "..". The empty string (a partially
 * bound binding, or a dynamic endpoint on a server) is accepted. RPC_S_INVALID_ENDPOINT_FORMAT. */
RPC_STATUS rpcrt_endpoint_check(rpcrt_protseq protseq, const char *endpoint);

/* Checks a network address for protseq: ncacn_ip_tcp empty (the local host), IPv4 dotted
 * quad, IPv6 (plain or in brackets, with an optional %zone) or a host name; ncalrpc empty,
 * "localhost" or this machine's host name. RPC_S_INVALID_NET_ADDR. */
RPC_STATUS rpcrt_netaddr_check(rpcrt_protseq protseq, const char *netaddr);

/* Longest ncalrpc endpoint name. */
#define RPCRT_NCALRPC_ENDPOINT_MAX 100

/* The socket path of ncalrpc endpoint `endpoint` (checked as above), written with its NUL into
 * buf of n bytes. The directory is $XDG_RUNTIME_DIR/ridl when XDG_RUNTIME_DIR is an absolute
 * path to a directory that we own and that only we can write, else /tmp/ridl-<uid>. It is
 * created with mode 0700 if missing; an existing one must be a real directory (not a symbolic
 * link) owned by us with no group or other permission bits, else RPC_S_ACCESS_DENIED.
 * RPC_S_STRING_TOO_LONG when the path does not fit sockaddr_un.sun_path, RPC_S_BUFFER_TOO_SMALL
 * when it does not fit buf, RPC_S_OUT_OF_RESOURCES when the directory cannot be created. */
RPC_STATUS rpcrt_ncalrpc_path(const char *endpoint, char *buf, size_t n);

/* ---- Binding handles ---- */

#define RPCRT_BINDING_MAGIC 0x444e4942u /* "BIND" in little-endian byte order */

/* A binding handle: what RPC_BINDING_HANDLE points to. Owner: reference counted; the
 * application's reference is dropped by RpcBindingFree(), and each call in progress holds its
 * own (rpcrt_binding_ref / rpcrt_binding_unref), so the last of them frees it. The strings are
 * immutable after creation; `lock` guards call_timeout_ms and conn. */
typedef struct rpcrt_binding {
	uint32_t magic; /* RPCRT_BINDING_MAGIC while alive, 0 once freed */
	atomic_uint refs;
	pthread_mutex_t lock;
	UUID object; /* object UUID; nil when the string binding had none */
	rpcrt_protseq protseq;
	char *netaddr;            /* as given; "" means the local host */
	char *endpoint;           /* as given; "" means partially bound (no endpoint yet) */
	char *options;            /* network options "name=value,..." as given; "" when none */
	uint32_t call_timeout_ms; /* RPC_C_OPT_CALL_TIMEOUT; 0 or INFINITE: no timeout */
	void *conn; /* connection for calls; NULL until the connection layer sets it */
} rpcrt_binding;

/* A new binding with one reference and the default options (no call timeout); the strings are
 * copied and not checked (callers check them first); NULL strings are taken as "". */
RPC_STATUS rpcrt_binding_new(rpcrt_protseq protseq, const UUID *object, const char *netaddr,
			     const char *endpoint, const char *options,
			     rpcrt_binding **ret_binding);

/* The binding behind a handle: RPC_S_INVALID_BINDING for NULL or for a pointer that is not a
 * live binding (a best-effort check of the magic number). */
RPC_STATUS rpcrt_binding_from_handle(RPC_BINDING_HANDLE handle, rpcrt_binding **ret_binding);

void rpcrt_binding_ref(rpcrt_binding *b);
/* Drops one reference; the last one frees the binding. NULL is ignored. */
void rpcrt_binding_unref(rpcrt_binding *b);

/* The current RPC_C_OPT_CALL_TIMEOUT value, read under the lock (0 or INFINITE: none). */
uint32_t rpcrt_binding_call_timeout(rpcrt_binding *b);

/* A zeroed vector of count handles, one malloc block as RpcBindingVectorFree() expects.
 * RPC_S_OUT_OF_MEMORY, or RPC_S_INVALID_ARG for a count whose size overflows. */
RPC_STATUS rpcrt_binding_vector_alloc(ULONG count, RPC_BINDING_VECTOR **ret_vector);

#endif
