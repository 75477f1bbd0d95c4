/* faults_client: the client of the e2e fault tests (run-faults.sh), written the way
 * Microsoft's RPC samples are: explicit binding handles, failures caught with RpcTryExcept, and
 * RaiseStatus's [fault_status] return value and [comm_status] parameter (faults.acf).
 *
 *   faults_client PROTSEQ ADDRESS ENDPOINT COMMAND [ARG]...
 *
 * Each call prints one line, "Proc(args) = value" when it returns or "Proc(args): exception
 * CODE NAME" when it raises; run-faults.sh compares the lines. Besides faults.idl, the client
 * is built from faults_skew.idl, which declares what the server does not serve (another
 * interface, other versions of faults) or serves differently (the same faults 1.0 with other
 * parameter types and one procedure more). The exit status is 0 when the commands ran, whatever
 * the calls returned; 2 for bad arguments or a binding that cannot be made. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "faults_skew.h"

/* What RaiseStatus's [comm_status] parameter holds before a call: a value the runtime never
 * writes, so that "left alone" can be told from "set". */
#define UNSET_STATUS 0x5eed5eedu

static const char *protseq, *address, *endpoint;

static const char *
status_name(RPC_STATUS code)
{
	static const struct {
		RPC_STATUS code;
		const char *name;
	} names[] = {
		{ RPC_S_OK, "RPC_S_OK" },
		{ RPC_S_ACCESS_DENIED, "RPC_S_ACCESS_DENIED" },
		{ RPC_S_OUT_OF_MEMORY, "RPC_S_OUT_OF_MEMORY" },
		{ RPC_S_INVALID_ARG, "RPC_S_INVALID_ARG" },
		{ RPC_S_NO_ENDPOINT_FOUND, "RPC_S_NO_ENDPOINT_FOUND" },
		{ RPC_S_UNKNOWN_IF, "RPC_S_UNKNOWN_IF" },
		{ RPC_S_SERVER_UNAVAILABLE, "RPC_S_SERVER_UNAVAILABLE" },
		{ RPC_S_SERVER_TOO_BUSY, "RPC_S_SERVER_TOO_BUSY" },
		{ RPC_S_CALL_FAILED, "RPC_S_CALL_FAILED" },
		{ RPC_S_CALL_FAILED_DNE, "RPC_S_CALL_FAILED_DNE" },
		{ RPC_S_PROTOCOL_ERROR, "RPC_S_PROTOCOL_ERROR" },
		{ RPC_S_UNSUPPORTED_TRANS_SYN, "RPC_S_UNSUPPORTED_TRANS_SYN" },
		{ RPC_S_INVALID_TAG, "RPC_S_INVALID_TAG" },
		{ RPC_S_INVALID_BOUND, "RPC_S_INVALID_BOUND" },
		{ RPC_S_PROCNUM_OUT_OF_RANGE, "RPC_S_PROCNUM_OUT_OF_RANGE" },
		{ RPC_X_NULL_REF_POINTER, "RPC_X_NULL_REF_POINTER" },
		{ RPC_X_ENUM_VALUE_OUT_OF_RANGE, "RPC_X_ENUM_VALUE_OUT_OF_RANGE" },
		{ RPC_X_BAD_STUB_DATA, "RPC_X_BAD_STUB_DATA" },
		{ RPC_S_CALL_CANCELLED, "RPC_S_CALL_CANCELLED" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "(an application's code)";
}

static void
print_exception(const char *call, RPC_STATUS code)
{
	printf("%s: exception %ld %s\n", call, (long)code, status_name(code));
}

/* Runs EXPR, a call returning an integer, and prints what became of it. */
#define SHOW(call, expr)                                                                           \
	do {                                                                                       \
		RpcTryExcept {                                                                     \
			long long value_ = (long long)(expr);                                      \
			printf("%s = %lld\n", call, value_);                                       \
		}                                                                                  \
		RpcExcept(1) {                                                                     \
			print_exception(call, RpcExceptionCode());                                 \
		}                                                                                  \
		RpcEndExcept                                                                       \
	} while (0)

/* The same for a call returning nothing. */
#define SHOW_VOID(call, expr)                                                                      \
	do {                                                                                       \
		RpcTryExcept {                                                                     \
			expr;                                                                      \
			printf("%s returned\n", call);                                             \
		}                                                                                  \
		RpcExcept(1) {                                                                     \
			print_exception(call, RpcExceptionCode());                                 \
		}                                                                                  \
		RpcEndExcept                                                                       \
	} while (0)

/* A new binding to the server named on the command line; each has its own connection. */
static handle_t
new_binding(void)
{
	RPC_CSTR sb = NULL;
	handle_t h = NULL;
	RPC_STATUS st = RpcStringBindingCompose(NULL, (RPC_CSTR)protseq, (RPC_CSTR)address,
						(RPC_CSTR)endpoint, NULL, &sb);
	if (st == RPC_S_OK)
		st = RpcBindingFromStringBinding(sb, &h);
	RpcStringFree(&sb);
	if (st != RPC_S_OK) {
		fprintf(stderr, "faults_client: binding: error %ld\n", (long)st);
		exit(2);
	}
	return h;
}

static void
raise_status(handle_t h, uint32_t code)
{
	char call[64];
	error_status_t comm = UNSET_STATUS;
	snprintf(call, sizeof(call), "RaiseStatus(%lu)", (unsigned long)code);
	RpcTryExcept {
		error_status_t fault = RaiseStatus(h, code, &comm);
		printf("%s = %lu %s, comm_status ", call, (unsigned long)fault,
		       status_name((RPC_STATUS)fault));
		if (comm == UNSET_STATUS)
			printf("unset\n");
		else
			printf("%lu %s\n", (unsigned long)comm, status_name((RPC_STATUS)comm));
	}
	RpcExcept(1) {
		print_exception(call, RpcExceptionCode());
	}
	RpcEndExcept
}

/* Another interface, and faults at other versions, each on a new binding: refused at bind. */
static void
cmd_unknown_if(void)
{
	handle_t h = new_binding();
	SHOW("OtherEcho(1)", OtherEcho(h, 1));
	RpcBindingFree(&h);
	h = new_binding();
	SHOW("NextEcho(2)", NextEcho(h, 2));
	RpcBindingFree(&h);
	h = new_binding();
	SHOW("NewerEcho(3)", NewerEcho(h, 3));
	RpcBindingFree(&h);
}

/* The same on a connection bound to faults 1.0: refused at alter_context. The failed call
 * closes the connection, and the binding's next call opens a new one. */
static void
cmd_alter(void)
{
	handle_t h = new_binding();
	SHOW("Echo(1)", Echo(h, 1));
	SHOW("OtherEcho(2)", OtherEcho(h, 2));
	SHOW("Echo(3)", Echo(h, 3));
	SHOW("NextEcho(4)", NextEcho(h, 4));
	SHOW("Echo(5)", Echo(h, 5));
	SHOW("NewerEcho(6)", NewerEcho(h, 6));
	SHOW("Echo(7)", Echo(h, 7));
	RpcBindingFree(&h);
}

/* faults_skew's opnum 9, one past the server's last procedure. */
static void
cmd_opnum(void)
{
	handle_t h = new_binding();
	SHOW("SkewBeyond()", SkewBeyond(h));
	SHOW("SkewEcho(5)", SkewEcho(h, 5));
	SHOW("Echo(6)", Echo(h, 6));
	RpcBindingFree(&h);
}

static void
cmd_raise(void)
{
	handle_t h = new_binding();
	SHOW_VOID("Raise(0x12345)", Raise(h, 0x12345));
	SHOW_VOID("Raise(RPC_S_ACCESS_DENIED)", Raise(h, RPC_S_ACCESS_DENIED));
	SHOW_VOID("Raise(0xC0000005)", Raise(h, 0xC0000005u));
	raise_status(h, 0x12345);
	raise_status(h, RPC_S_ACCESS_DENIED);
	raise_status(h, 0);
	SHOW("Echo(7)", Echo(h, 7));
	RpcBindingFree(&h);
}

static void
cmd_bad_stub(void)
{
	handle_t h = new_binding();
	SHOW("Widen(21)", Widen(h, 21));
	SHOW("SkewWiden(21)", SkewWiden(h, 21));
	SHOW("SkewLimited(10)", SkewLimited(h, 10));
	SHOW("SkewLimited(11)", SkewLimited(h, 11));
	SHOW("SkewLimited(-1)", SkewLimited(h, -1));
	skew_total t = { 4, 4, { 1, 2, 3, 4 } };
	SHOW("SkewTotal(n 4, max_count 4)", SkewTotal(h, &t));
	t.max_count = 3;
	SHOW("SkewTotal(n 4, max_count 3)", SkewTotal(h, &t));
	t.max_count = 1000;
	SHOW("SkewTotal(n 4, max_count 1000)", SkewTotal(h, &t));
	t.n = 1000;
	SHOW("SkewTotal(n 1000, max_count 1000)", SkewTotal(h, &t));
	/* faults.idl's own stubs: [range] is checked where the value is received, so these
	 * reach the server; a negative size_is and a NULL [ref] pointer cannot be marshalled
	 * and are raised before anything is sent. */
	int32_t values[FAULTS_MAX_VALUES + 1] = { 0 };
	SHOW("Limited(11)", Limited(h, 11));
	SHOW("Total(65)", Total(h, FAULTS_MAX_VALUES + 1, values));
	SHOW("Total(-1)", Total(h, -1, values));
	SHOW("Total(3, NULL)", Total(h, 3, NULL));
	SHOW("Echo(8)", Echo(h, 8));
	RpcBindingFree(&h);
}

static void
cmd_timeout(int32_t ms, int32_t tag)
{
	handle_t h = new_binding();
	ULONG_PTR timeout = 0;
	RPC_STATUS st = RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 200);
	if (st == RPC_S_OK)
		st = RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &timeout);
	printf("RPC_C_OPT_CALL_TIMEOUT: status %ld, %lu ms\n", (long)st, (unsigned long)timeout);
	char call[64];
	snprintf(call, sizeof(call), "Nap(%d)", (int)ms);
	SHOW(call, Nap(h, ms, tag));
	SHOW("Echo(9)", Echo(h, 9));
	RpcBindingFree(&h);
}

static void
cmd_down(void)
{
	handle_t h = new_binding();
	SHOW("Echo(10)", Echo(h, 10));
	error_status_t comm = UNSET_STATUS;
	RpcTryExcept {
		RaiseStatus(h, 0x12345, &comm);
		printf("RaiseStatus(74565) returned, comm_status %lu %s\n", (unsigned long)comm,
		       status_name((RPC_STATUS)comm));
	}
	RpcExcept(1) {
		print_exception("RaiseStatus(74565)", RpcExceptionCode());
	}
	RpcEndExcept
	RpcBindingFree(&h);
}

/* n calls on one binding; one line at the end unless one of them fails. */
static void
cmd_echo_loop(int32_t n)
{
	handle_t h = new_binding();
	int32_t i;
	for (i = 0; i < n; i++) {
		volatile bool ok = false;
		RpcTryExcept {
			ok = Echo(h, i) == i;
		}
		RpcExcept(1) {
			char call[32];
			snprintf(call, sizeof(call), "Echo(%d)", (int)i);
			print_exception(call, RpcExceptionCode());
		}
		RpcEndExcept
		if (!ok)
			break;
	}
	if (i == n)
		printf("Echo x %d: each returned its argument\n", (int)n);
	RpcBindingFree(&h);
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s PROTSEQ ADDRESS ENDPOINT COMMAND [ARG]...\n", argv[0]);
		return 2;
	}
	protseq = argv[1];
	address = argv[2];
	endpoint = argv[3];
	const char *cmd = argv[4];
	int nargs = argc - 5;
	int32_t a = nargs > 0 ? (int32_t)strtol(argv[5], NULL, 0) : 0;
	int32_t b = nargs > 1 ? (int32_t)strtol(argv[6], NULL, 0) : 0;
	handle_t h = NULL;

	if (!strcmp(cmd, "echo") && nargs == 1) {
		char call[32];
		snprintf(call, sizeof(call), "Echo(%d)", (int)a);
		h = new_binding();
		SHOW(call, Echo(h, a));
	} else if (!strcmp(cmd, "running") && nargs == 0) {
		h = new_binding();
		SHOW("Running()", Running(h));
	} else if (!strcmp(cmd, "nap") && nargs == 2) {
		char call[32];
		snprintf(call, sizeof(call), "Nap(%d)", (int)a);
		h = new_binding();
		SHOW(call, Nap(h, a, b));
	} else if (!strcmp(cmd, "unknown-if") && nargs == 0) {
		cmd_unknown_if();
	} else if (!strcmp(cmd, "alter") && nargs == 0) {
		cmd_alter();
	} else if (!strcmp(cmd, "opnum") && nargs == 0) {
		cmd_opnum();
	} else if (!strcmp(cmd, "raise") && nargs == 0) {
		cmd_raise();
	} else if (!strcmp(cmd, "bad-stub") && nargs == 0) {
		cmd_bad_stub();
	} else if (!strcmp(cmd, "timeout") && nargs == 2) {
		cmd_timeout(a, b);
	} else if (!strcmp(cmd, "down") && nargs == 0) {
		cmd_down();
	} else if (!strcmp(cmd, "echo-loop") && nargs == 1) {
		cmd_echo_loop(a);
	} else if (!strcmp(cmd, "shutdown") && nargs == 0) {
		h = new_binding();
		SHOW_VOID("Shutdown()", Shutdown(h));
	} else {
		fprintf(stderr, "faults_client: unknown command or wrong arguments: %s\n", cmd);
		return 2;
	}
	if (h)
		RpcBindingFree(&h);
	fflush(stdout);
	return 0;
}
