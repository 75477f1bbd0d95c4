/* Binding handles and string bindings: RpcStringBindingCompose / Parse, RpcBindingFromStringBinding
 * and the other handle functions, with Microsoft's syntax
 * "ObjUuid@Protseq:NetworkAddr[Endpoint,Name=Value,...]" and its backslash escapes; and the
 * per-user directory that holds the ncalrpc sockets. Nothing here opens a connection. */
#define _GNU_SOURCE /* secure_getenv */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "binding.h"
#include "client.h"

/* Longest string binding RpcBindingFromStringBinding reads: far more than any valid one needs
 * (a host name is at most 253 characters, an endpoint 100), and it bounds the work a string
 * from an untrusted source can cause. */
#define STRING_BINDING_MAX 4096

/* ---- Protocol sequences -------------------------------------------------------------------- */

static const char *const protseq_names[] = {
	[RPCRT_PROTSEQ_NCACN_IP_TCP] = "ncacn_ip_tcp",
	[RPCRT_PROTSEQ_NCALRPC] = "ncalrpc",
};

/* The other protocol sequences of Microsoft's "Protocol Sequence Constants": real names that
 * this runtime does not implement, which Windows reports as RPC_S_PROTSEQ_NOT_SUPPORTED rather
 * than as invalid. */
static const char *const unsupported_protseqs[] = {
	"ncacn_np",      "ncacn_http",  "ncadg_ip_udp", "ncacn_hvsocket", "ncacn_nb_tcp",
	"ncacn_nb_ipx",  "ncacn_nb_nb", "ncacn_spx",    "ncacn_dnet_nsp", "ncacn_at_dsp",
	"ncacn_vns_spp", "ncadg_ipx",   "ncadg_mq",
};

RPC_STATUS
rpcrt_protseq_from_name(const char *name, rpcrt_protseq *ret_protseq)
{
	if (name == NULL || ret_protseq == NULL)
		return RPC_S_INVALID_ARG;
	for (size_t i = 0; i < sizeof(protseq_names) / sizeof(protseq_names[0]); i++) {
		if (strcmp(name, protseq_names[i]) == 0) {
			*ret_protseq = (rpcrt_protseq)i;
			return RPC_S_OK;
		}
	}
	for (size_t i = 0; i < sizeof(unsupported_protseqs) / sizeof(unsupported_protseqs[0]); i++)
		if (strcmp(name, unsupported_protseqs[i]) == 0)
			return RPC_S_PROTSEQ_NOT_SUPPORTED;
	return RPC_S_INVALID_RPC_PROTSEQ;
}

const char *
rpcrt_protseq_name(rpcrt_protseq protseq)
{
	if ((size_t)protseq >= sizeof(protseq_names) / sizeof(protseq_names[0]))
		return "";
	return protseq_names[protseq];
}

/* ---- Endpoints and network addresses ------------------------------------------------------- */

static bool
is_alnum(char c)
{
	/* Not isalnum(): the locale must not widen what a name may contain. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_name_char(char c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

RPC_STATUS
rpcrt_endpoint_check(rpcrt_protseq protseq, const char *endpoint)
{
	if (endpoint == NULL)
		return RPC_S_INVALID_ARG;
	if (endpoint[0] == '\0')
		return RPC_S_OK;

	switch (protseq) {
	case RPCRT_PROTSEQ_NCACN_IP_TCP: {
		/* A port: 1 to 5 decimal digits, no sign or spaces, 1..65535 (0 would ask the
		 * kernel for any port, which a client cannot connect to). */
		uint32_t port = 0;
		size_t i;
		for (i = 0; endpoint[i] != '\0'; i++) {
			if (i == 5 || endpoint[i] < '0' || endpoint[i] > '9')
				return RPC_S_INVALID_ENDPOINT_FORMAT;
			port = port * 10 + (uint32_t)(endpoint[i] - '0');
		}
		if (port < 1 || port > 65535)
			return RPC_S_INVALID_ENDPOINT_FORMAT;
		return RPC_S_OK;
	}
	case RPCRT_PROTSEQ_NCALRPC: {
		/* The name becomes a file name in our socket directory: no '/', no "." or "..",
		 * nothing a shell or a log would misread, and short enough for sun_path.
		 * Microsoft only forbids backslashes; this set is stricter on purpose. */
		size_t n = strnlen(endpoint, RPCRT_NCALRPC_ENDPOINT_MAX + 1);
		if (n > RPCRT_NCALRPC_ENDPOINT_MAX)
			return RPC_S_INVALID_ENDPOINT_FORMAT;
		for (size_t i = 0; i < n; i++)
			if (!is_name_char(endpoint[i]))
				return RPC_S_INVALID_ENDPOINT_FORMAT;
		if (strcmp(endpoint, ".") == 0 || strcmp(endpoint, "..") == 0)
			return RPC_S_INVALID_ENDPOINT_FORMAT;
		return RPC_S_OK;
	}
	}
	return RPC_S_INVALID_ARG;
}

/* An IPv6 address of len bytes at s, with an optional "%zone" (an interface name or number). */
static bool
ipv6_ok(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *pct = memchr(s, '%', len);
	size_t alen = pct != NULL ? (size_t)(pct - s) : len;

	if (alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return false;
	if (pct != NULL) {
		size_t zlen = len - alen - 1;
		if (zlen == 0 || zlen >= IF_NAMESIZE)
			return false;
		for (size_t i = alen + 1; i < len; i++)
			if (!is_name_char(s[i]))
				return false;
	}
	return true;
}

/* A host name: dot-separated labels of 1-63 letters, digits, '-' (not first or last) and '_'
 * (which DNS forbids in host names but Windows networks use), 253 characters at most, with an
 * optional final dot. A name of only digits and dots that is not a dotted quad ("1.2.3",
 * "256.0.0.1") is refused rather than handed to a resolver that might read it as a number. */
static bool
hostname_ok(const char *s)
{
	size_t len = strlen(s);
	size_t label = 0;
	bool digits_only = true;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		char c = s[i];
		if (!is_alnum(c) && c != '-' && c != '_')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (c < '0' || c > '9')
			digits_only = false;
		label++;
	}
	return !digits_only;
}

RPC_STATUS
rpcrt_netaddr_check(rpcrt_protseq protseq, const char *netaddr)
{
	if (netaddr == NULL)
		return RPC_S_INVALID_ARG;
	if (netaddr[0] == '\0')
		return RPC_S_OK; /* Microsoft: no network address means the local host. */

	size_t len = strnlen(netaddr, STRING_BINDING_MAX + 1);
	switch (protseq) {
	case RPCRT_PROTSEQ_NCACN_IP_TCP: {
		struct in_addr v4;
		/* Microsoft accepts IPv6 addresses as they are ("::1"); the bracketed URL form
		 * "[::1]" is accepted too, since people write it. */
		if (netaddr[0] == '[') {
			if (len < 3 || netaddr[len - 1] != ']' || !ipv6_ok(netaddr + 1, len - 2))
				return RPC_S_INVALID_NET_ADDR;
			return RPC_S_OK;
		}
		if (memchr(netaddr, ':', len) != NULL)
			return ipv6_ok(netaddr, len) ? RPC_S_OK : RPC_S_INVALID_NET_ADDR;
		if (inet_pton(AF_INET, netaddr, &v4) == 1)
			return RPC_S_OK;
		return hostname_ok(netaddr) ? RPC_S_OK : RPC_S_INVALID_NET_ADDR;
	}
	case RPCRT_PROTSEQ_NCALRPC: {
		/* Microsoft: the network address of ncalrpc is this machine's name, and giving it
		 * is "completely unnecessary". */
		char host[HOST_NAME_MAX + 1];
		if (strcasecmp(netaddr, "localhost") == 0)
			return RPC_S_OK;
		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			if (strcasecmp(netaddr, host) == 0)
				return RPC_S_OK;
		}
		return RPC_S_INVALID_NET_ADDR;
	}
	}
	return RPC_S_INVALID_ARG;
}

/* ---- The ncalrpc socket directory ---------------------------------------------------------- */

/* A directory we may put our socket directory in: a real directory of ours that nobody else can
 * write to, so nobody else can rename or replace what we create in it. */
static bool
usable_parent(const char *dir, uid_t uid)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return false;
	return S_ISDIR(st.st_mode) && st.st_uid == uid && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static RPC_STATUS
ensure_private_dir(const char *dir, uid_t uid)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errno == EACCES || errno == EPERM ? RPC_S_ACCESS_DENIED
							 : RPC_S_OUT_OF_RESOURCES;
	/* Whether we made it just now or it was there: lstat, not stat, so that a symbolic link
	 * someone planted in /tmp is refused rather than followed, and another user's directory
	 * (or ours with wider permissions) is refused rather than trusted with our sockets. */
	if (lstat(dir, &st) != 0)
		return RPC_S_OUT_OF_RESOURCES;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077) != 0)
		return RPC_S_ACCESS_DENIED;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_ncalrpc_path(const char *endpoint, char *buf, size_t n)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uid_t uid = geteuid();
	int dn = -1;

	if (endpoint == NULL || buf == NULL)
		return RPC_S_INVALID_ARG;
	/* A socket needs a name; the empty (dynamic) endpoint is the caller's to replace. */
	if (endpoint[0] == '\0')
		return RPC_S_INVALID_ENDPOINT_FORMAT;
	RPC_STATUS st = rpcrt_endpoint_check(RPCRT_PROTSEQ_NCALRPC, endpoint);
	if (st != RPC_S_OK)
		return st;

	/* secure_getenv: a set-user-ID program must not let its caller choose the directory. */
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	if (xdg != NULL && xdg[0] == '/' && usable_parent(xdg, uid)) {
		size_t xlen = strlen(xdg);
		while (xlen > 1 && xdg[xlen - 1] == '/')
			xlen--;
		if (xlen <= INT_MAX)
			dn = snprintf(dir, sizeof(dir), "%.*s/ridl", (int)xlen, xdg);
	} else {
		dn = snprintf(dir, sizeof(dir), "/tmp/ridl-%lu", (unsigned long)uid);
	}
	if (dn < 0 || (size_t)dn >= sizeof(dir))
		return RPC_S_STRING_TOO_LONG;

	size_t need = (size_t)dn + 1 + strlen(endpoint) + 1;
	if (need > sizeof(dir))
		return RPC_S_STRING_TOO_LONG;
	if (need > n)
		return RPC_S_BUFFER_TOO_SMALL;

	st = ensure_private_dir(dir, uid);
	if (st != RPC_S_OK)
		return st;
	snprintf(buf, n, "%s/%s", dir, endpoint);
	return RPC_S_OK;
}

/* ---- String bindings ----------------------------------------------------------------------- */

/* Whether c is written with a backslash before it. Microsoft ("String Binding"): in every field
 * a backslash escapes the next character, and "\\" is a backslash. The delimiters of the syntax
 * are escaped wherever they occur; ',' and '=' are escaped too except in the options, where they
 * are the list's own punctuation (Name=Value,Name=Value). */
static bool
needs_escape(char c, bool in_options)
{
	switch (c) {
	case '@':
	case ':':
	case '[':
	case ']':
	case '\\':
		return true;
	case ',':
	case '=':
		return !in_options;
	default:
		return false;
	}
}

static char *
put_escaped(char *p, const char *s, bool in_options)
{
	for (; *s != '\0'; s++) {
		if (needs_escape(*s, in_options))
			*p++ = '\\';
		*p++ = *s;
	}
	return p;
}

/* Builds a string binding; NULL parts are empty. The result is malloc'd. */
static RPC_STATUS
compose(const char *uuid, const char *protseq, const char *netaddr, const char *endpoint,
	const char *options, char **ret_string)
{
	const char *part[] = { uuid, protseq, netaddr, endpoint, options };
	size_t size = 6; /* '@' ':' '[' ',' ']' and the NUL */

	for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		if (part[i] == NULL)
			part[i] = "";
		size_t len = strlen(part[i]);
		if (len > (SIZE_MAX - size) / 2)
			return RPC_S_OUT_OF_MEMORY;
		size += 2 * len; /* each character at most doubles */
	}
	uuid = part[0], protseq = part[1], netaddr = part[2], endpoint = part[3], options = part[4];

	char *s = malloc(size), *p = s;
	if (s == NULL)
		return RPC_S_OUT_OF_MEMORY;
	if (*uuid != '\0') {
		p = put_escaped(p, uuid, false);
		*p++ = '@';
	}
	/* Windows writes "Protseq:" only when there is a protseq. The colon is also written when
	 * an address, endpoint or options follow, so that the parser, which needs the colon, reads
	 * them back into their own fields. */
	if (*protseq != '\0' || *netaddr != '\0' || *endpoint != '\0' || *options != '\0') {
		p = put_escaped(p, protseq, false);
		*p++ = ':';
	}
	p = put_escaped(p, netaddr, false);
	if (*endpoint != '\0' || *options != '\0') {
		*p++ = '[';
		p = put_escaped(p, endpoint, false);
		if (*endpoint != '\0' && *options != '\0')
			*p++ = ',';
		p = put_escaped(p, options, true);
		*p++ = ']';
	}
	*p = '\0';
	*ret_string = s;
	return RPC_S_OK;
}

/* The parts of a parsed string binding, unescaped, each malloc'd ("" when absent). */
struct sb_parts {
	char *uuid, *protseq, *netaddr, *endpoint, *options;
	UUID object; /* uuid's value; nil when there is none */
};

static void
parts_free(struct sb_parts *p)
{
	free(p->uuid);
	free(p->protseq);
	free(p->netaddr);
	free(p->endpoint);
	free(p->options);
}

/* The index of the first character of set in s[from, to) that is not escaped, or to. from must
 * be where an escape cannot be pending: 0 or just after an unescaped character. */
static size_t
find_unescaped(const char *s, size_t from, size_t to, const char *set)
{
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (strchr(set, s[i]) != NULL)
			return i;
	}
	return to;
}

/* Appends s[from, to) without its escapes at p; returns the new end (no NUL written). */
static char *
put_unescaped(char *p, const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\\' && i + 1 < to)
			i++;
		*p++ = s[i];
	}
	return p;
}

static char *
dup_unescaped(const char *s, size_t from, size_t to)
{
	char *r = malloc(to - from + 1);
	if (r == NULL)
		return NULL;
	*put_unescaped(r, s, from, to) = '\0';
	return r;
}

/* Splits a string binding. RPC_S_INVALID_STRING_BINDING when it is malformed,
 * RPC_S_INVALID_STRING_UUID when the object UUID is not one, RPC_S_OUT_OF_MEMORY. */
static RPC_STATUS
parse(const char *s, struct sb_parts *ret_parts)
{
	struct sb_parts p = { 0 };
	size_t len = strlen(s);
	size_t ep_from = 0, ep_to = 0;
	bool have_endpoint = false;

	/* A backslash escapes the next character, so one at the very end escapes nothing. */
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\\' && ++i == len)
			return RPC_S_INVALID_STRING_BINDING;

	/* The protseq is mandatory and ends at the first colon, which must come before any
	 * bracket. An '@' before that colon ends the object UUID; after it an '@' belongs to the
	 * address (Microsoft's ncacn_at_dsp and ncacn_vns_spp addresses contain some). */
	size_t colon = find_unescaped(s, 0, len, ":[]");
	if (colon == len || s[colon] != ':')
		return RPC_S_INVALID_STRING_BINDING;
	size_t at = find_unescaped(s, 0, colon, "@");
	size_t ps_from = at < colon ? at + 1 : 0;
	if (find_unescaped(s, ps_from, colon, "@") != colon)
		return RPC_S_INVALID_STRING_BINDING;

	/* The address runs to the '[' of the endpoint and options, if any. Unescaped colons are
	 * allowed in it: that is how IPv6 addresses are written. */
	size_t open = find_unescaped(s, colon + 1, len, "[]");
	if (open < len && s[open] == ']')
		return RPC_S_INVALID_STRING_BINDING;

	p.options = malloc(len + 1);
	if (p.options == NULL)
		return RPC_S_OUT_OF_MEMORY;
	char *op = p.options;

	if (open < len) {
		size_t close = find_unescaped(s, open + 1, len, "[]");
		if (close == len || s[close] != ']' || close + 1 != len)
			goto malformed;
		/* Comma-separated items: one without '=' (or "endpoint=...") is the endpoint, the
		 * others are options. An empty item is allowed only first ("[,Name=Value]"). */
		size_t from = open + 1;
		for (bool first = true;; first = false) {
			size_t comma = find_unescaped(s, from, close, ",");
			size_t eq = find_unescaped(s, from, comma, "=");
			if (from == comma) {
				if (!first)
					goto malformed;
			} else if (eq == comma) {
				if (have_endpoint)
					goto malformed;
				have_endpoint = true;
				ep_from = from;
				ep_to = comma;
			} else if (eq - from == 8 && memcmp(s + from, "endpoint", 8) == 0) {
				if (have_endpoint)
					goto malformed;
				have_endpoint = true;
				ep_from = eq + 1;
				ep_to = comma;
			} else if (eq == from) {
				goto malformed; /* an option without a name */
			} else {
				if (op != p.options)
					*op++ = ',';
				op = put_unescaped(op, s, from, comma);
			}
			if (comma == close)
				break;
			from = comma + 1;
		}
	}
	*op = '\0';

	p.uuid = at < colon ? dup_unescaped(s, 0, at) : dup_unescaped(s, 0, 0);
	p.protseq = dup_unescaped(s, ps_from, colon);
	p.netaddr = dup_unescaped(s, colon + 1, open);
	p.endpoint = dup_unescaped(s, ep_from, ep_to);
	if (p.uuid == NULL || p.protseq == NULL || p.netaddr == NULL || p.endpoint == NULL) {
		parts_free(&p);
		return RPC_S_OUT_OF_MEMORY;
	}
	if (at < colon && rpcrt_uuid_parse(p.uuid, strlen(p.uuid), &p.object) != RPC_S_OK) {
		parts_free(&p);
		return RPC_S_INVALID_STRING_UUID;
	}
	*ret_parts = p;
	return RPC_S_OK;

malformed:
	parts_free(&p);
	return RPC_S_INVALID_STRING_BINDING;
}

RPC_STATUS RPC_ENTRY
RpcStringBindingComposeA(RPC_CSTR ObjUuid, RPC_CSTR ProtSeq, RPC_CSTR NetworkAddr,
			 RPC_CSTR Endpoint, RPC_CSTR Options, RPC_CSTR *StringBinding)
{
	/* The one check Microsoft documents for this function is the object UUID's. */
	if (ObjUuid != NULL && ObjUuid[0] != '\0') {
		const char *u = (const char *)ObjUuid;
		UUID ignored;
		if (rpcrt_uuid_parse(u, strnlen(u, RPCRT_UUID_STRLEN + 1), &ignored) != RPC_S_OK)
			return RPC_S_INVALID_STRING_UUID;
	}
	/* Microsoft: StringBinding may be NULL, and then nothing is returned. */
	if (StringBinding == NULL)
		return RPC_S_OK;

	char *s;
	RPC_STATUS st =
		compose((const char *)ObjUuid, (const char *)ProtSeq, (const char *)NetworkAddr,
			(const char *)Endpoint, (const char *)Options, &s);
	if (st != RPC_S_OK)
		return st;
	*StringBinding = (RPC_CSTR)s;
	return RPC_S_OK;
}

/* Hands a part to the caller if they asked for it; what is left in p is freed later. */
static void
give(char **part, RPC_CSTR *out)
{
	if (out == NULL)
		return;
	*out = (RPC_CSTR)*part;
	*part = NULL;
}

RPC_STATUS RPC_ENTRY
RpcStringBindingParseA(RPC_CSTR StringBinding, RPC_CSTR *ObjUuid, RPC_CSTR *Protseq,
		       RPC_CSTR *NetworkAddr, RPC_CSTR *Endpoint, RPC_CSTR *NetworkOptions)
{
	struct sb_parts p;

	if (StringBinding == NULL)
		return RPC_S_INVALID_ARG;
	RPC_STATUS st = parse((const char *)StringBinding, &p);
	if (st != RPC_S_OK)
		return st;
	give(&p.uuid, ObjUuid);
	give(&p.protseq, Protseq);
	give(&p.netaddr, NetworkAddr);
	give(&p.endpoint, Endpoint);
	give(&p.options, NetworkOptions);
	parts_free(&p);
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcStringFreeA(RPC_CSTR *String)
{
	if (String == NULL)
		return RPC_S_INVALID_ARG;
	free(*String);
	*String = NULL;
	return RPC_S_OK;
}

/* ---- Binding objects ----------------------------------------------------------------------- */

static void
binding_destroy(rpcrt_binding *b)
{
	rpcrt_cconn_free(b->conn);
	b->magic = 0;
	pthread_mutex_destroy(&b->lock);
	free(b->netaddr);
	free(b->endpoint);
	free(b->options);
	free(b);
}

RPC_STATUS
rpcrt_binding_new(rpcrt_protseq protseq, const UUID *object, const char *netaddr,
		  const char *endpoint, const char *options, rpcrt_binding **ret_binding)
{
	if (ret_binding == NULL)
		return RPC_S_INVALID_ARG;
	rpcrt_binding *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return RPC_S_OUT_OF_MEMORY;
	b->netaddr = strdup(netaddr != NULL ? netaddr : "");
	b->endpoint = strdup(endpoint != NULL ? endpoint : "");
	b->options = strdup(options != NULL ? options : "");
	if (b->netaddr == NULL || b->endpoint == NULL || b->options == NULL) {
		free(b->netaddr);
		free(b->endpoint);
		free(b->options);
		free(b);
		return RPC_S_OUT_OF_MEMORY;
	}
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b->netaddr);
		free(b->endpoint);
		free(b->options);
		free(b);
		return RPC_S_OUT_OF_RESOURCES;
	}
	atomic_init(&b->refs, 1u);
	b->magic = RPCRT_BINDING_MAGIC;
	if (object != NULL)
		b->object = *object;
	b->protseq = protseq;
	/* Windows' default: no call timeout (RPC_BINDING_HANDLE_OPTIONS_V1.CallTimeout is 0). */
	b->call_timeout_ms = 0;
	b->conn = NULL;
	*ret_binding = b;
	return RPC_S_OK;
}

RPC_STATUS
rpcrt_binding_from_handle(RPC_BINDING_HANDLE handle, rpcrt_binding **ret_binding)
{
	rpcrt_binding *b = handle;

	/* The magic number catches a pointer to some other kind of object; it cannot make a
	 * freed handle safe to use. */
	if (b == NULL || b->magic != RPCRT_BINDING_MAGIC)
		return RPC_S_INVALID_BINDING;
	*ret_binding = b;
	return RPC_S_OK;
}

void
rpcrt_binding_ref(rpcrt_binding *b)
{
	atomic_fetch_add_explicit(&b->refs, 1u, memory_order_relaxed);
}

void
rpcrt_binding_unref(rpcrt_binding *b)
{
	if (b == NULL)
		return;
	/* acq_rel: whoever frees must see every other holder's writes. */
	if (atomic_fetch_sub_explicit(&b->refs, 1u, memory_order_acq_rel) == 1u)
		binding_destroy(b);
}

uint32_t
rpcrt_binding_call_timeout(rpcrt_binding *b)
{
	pthread_mutex_lock(&b->lock);
	uint32_t ms = b->call_timeout_ms;
	pthread_mutex_unlock(&b->lock);
	return ms;
}

RPC_STATUS
rpcrt_binding_vector_alloc(ULONG count, RPC_BINDING_VECTOR **ret_vector)
{
	size_t head = offsetof(RPC_BINDING_VECTOR, BindingH);

	if (ret_vector == NULL)
		return RPC_S_INVALID_ARG;
	if (count > (SIZE_MAX - head) / sizeof(RPC_BINDING_HANDLE))
		return RPC_S_INVALID_ARG;
	size_t size = head + (size_t)count * sizeof(RPC_BINDING_HANDLE);
	if (size < sizeof(RPC_BINDING_VECTOR))
		size = sizeof(RPC_BINDING_VECTOR);
	RPC_BINDING_VECTOR *v = calloc(1, size);
	if (v == NULL)
		return RPC_S_OUT_OF_MEMORY;
	v->Count = count;
	*ret_vector = v;
	return RPC_S_OK;
}

/* ---- Binding handles ----------------------------------------------------------------------- */

RPC_STATUS RPC_ENTRY
RpcBindingFromStringBindingA(RPC_CSTR StringBinding, RPC_BINDING_HANDLE *Binding)
{
	struct sb_parts p;
	rpcrt_protseq protseq;
	rpcrt_binding *b = NULL;

	if (StringBinding == NULL || Binding == NULL)
		return RPC_S_INVALID_ARG;
	const char *s = (const char *)StringBinding;
	if (strnlen(s, STRING_BINDING_MAX + 1) > STRING_BINDING_MAX)
		return RPC_S_STRING_TOO_LONG;

	RPC_STATUS st = parse(s, &p);
	if (st != RPC_S_OK)
		return st;
	st = rpcrt_protseq_from_name(p.protseq, &protseq);
	if (st == RPC_S_OK)
		st = rpcrt_netaddr_check(protseq, p.netaddr);
	if (st == RPC_S_OK)
		st = rpcrt_endpoint_check(protseq, p.endpoint);
	/* The options are kept for RpcBindingToStringBinding and otherwise ignored: neither
	 * transport has any (Microsoft's "Security=" of ncalrpc is about Windows tokens). */
	if (st == RPC_S_OK)
		st = rpcrt_binding_new(protseq, &p.object, p.netaddr, p.endpoint, p.options, &b);
	parts_free(&p);
	if (st != RPC_S_OK)
		return st;
	*Binding = b;
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcBindingToStringBindingA(RPC_BINDING_HANDLE Binding, RPC_CSTR *StringBinding)
{
	char uuid[RPCRT_UUID_STRLEN + 1] = "";
	rpcrt_binding *b;
	char *s;

	RPC_STATUS st = rpcrt_binding_from_handle(Binding, &b);
	if (st != RPC_S_OK)
		return st;
	if (StringBinding == NULL)
		return RPC_S_INVALID_ARG;
	/* A nil object UUID is left out, as Windows does. */
	if (!UuidIsNil(&b->object, NULL))
		rpcrt_uuid_format(&b->object, uuid);
	st = compose(uuid, rpcrt_protseq_name(b->protseq), b->netaddr, b->endpoint, b->options, &s);
	if (st != RPC_S_OK)
		return st;
	*StringBinding = (RPC_CSTR)s;
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcBindingCopy(RPC_BINDING_HANDLE SourceBinding, RPC_BINDING_HANDLE *DestinationBinding)
{
	rpcrt_binding *src, *dst;

	RPC_STATUS st = rpcrt_binding_from_handle(SourceBinding, &src);
	if (st != RPC_S_OK)
		return st;
	if (DestinationBinding == NULL)
		return RPC_S_INVALID_ARG;
	st = rpcrt_binding_new(src->protseq, &src->object, src->netaddr, src->endpoint,
			       src->options, &dst);
	if (st != RPC_S_OK)
		return st;
	/* The options are copied; from here on each handle has its own. */
	dst->call_timeout_ms = rpcrt_binding_call_timeout(src);
	*DestinationBinding = dst;
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcBindingFree(RPC_BINDING_HANDLE *Binding)
{
	rpcrt_binding *b;

	if (Binding == NULL)
		return RPC_S_INVALID_ARG;
	/* Windows returns RPC_S_INVALID_BINDING for a NULL handle (Wine's tests pin it). */
	RPC_STATUS st = rpcrt_binding_from_handle(*Binding, &b);
	if (st != RPC_S_OK)
		return st;
	rpcrt_binding_unref(b);
	*Binding = NULL;
	return RPC_S_OK;
}

/* Microsoft's binding options 1..16 (RPC_C_OPT_MAX_OPTIONS is 17). Those ridl does not
 * implement are refused with RPC_S_CANNOT_SUPPORT, Microsoft's status for an option the
 * transport does not support; numbers outside the range are RPC_S_INVALID_ARG. */
static RPC_STATUS
unsupported_option(ULONG option)
{
	return option >= 1 && option < RPC_C_OPT_MAX_OPTIONS ? RPC_S_CANNOT_SUPPORT
							     : RPC_S_INVALID_ARG;
}

RPC_STATUS RPC_ENTRY
RpcBindingSetOption(RPC_BINDING_HANDLE hBinding, ULONG option, ULONG_PTR optionValue)
{
	rpcrt_binding *b;

	RPC_STATUS st = rpcrt_binding_from_handle(hBinding, &b);
	if (st != RPC_S_OK)
		return st;
	if (option != RPC_C_OPT_CALL_TIMEOUT)
		return unsupported_option(option);
	/* Milliseconds in a 32-bit ULONG on Windows; a wider value cannot be meant. Windows
	 * refuses this option on ncalrpc (local RPC); ridl's ncalrpc is a socket like TCP, and
	 * the timeout works the same on both. */
	if ((uint64_t)optionValue > UINT32_MAX)
		return RPC_S_INVALID_TIMEOUT;
	pthread_mutex_lock(&b->lock);
	b->call_timeout_ms = (uint32_t)optionValue;
	pthread_mutex_unlock(&b->lock);
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcBindingInqOption(RPC_BINDING_HANDLE hBinding, ULONG option, ULONG_PTR *pOptionValue)
{
	rpcrt_binding *b;

	RPC_STATUS st = rpcrt_binding_from_handle(hBinding, &b);
	if (st != RPC_S_OK)
		return st;
	if (option != RPC_C_OPT_CALL_TIMEOUT)
		return unsupported_option(option);
	if (pOptionValue == NULL)
		return RPC_S_INVALID_ARG;
	*pOptionValue = rpcrt_binding_call_timeout(b);
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
RpcBindingVectorFree(RPC_BINDING_VECTOR **BindingVector)
{
	rpcrt_binding *b = NULL;

	if (BindingVector == NULL || *BindingVector == NULL)
		return RPC_S_INVALID_ARG;
	RPC_BINDING_VECTOR *v = *BindingVector;
	/* Every handle is checked before any is freed, so a failure changes nothing. NULL
	 * entries (handles the application already freed) are skipped. */
	for (ULONG i = 0; i < v->Count; i++)
		if (v->BindingH[i] != NULL &&
		    rpcrt_binding_from_handle(v->BindingH[i], &b) != RPC_S_OK)
			return RPC_S_INVALID_BINDING;
	for (ULONG i = 0; i < v->Count; i++) {
		if (v->BindingH[i] != NULL) {
			rpcrt_binding_from_handle(v->BindingH[i], &b);
			rpcrt_binding_unref(b);
		}
	}
	free(v);
	*BindingVector = NULL;
	return RPC_S_OK;
}
