/* RpcAsyncInitializeHandle and the RPC_ASYNC_STATE contract (ms-rpc-async.md §1, §2.1-2.3,
 * consolidated rule 1). Windows' observed behaviour comes from Wine's tests/rpc_async.c. */
#include <stddef.h>
#include <string.h>

#include <rpc.h>
#include <rpcasync.h>

#include "check_main.h"

/* Fills the state with a pattern that no initialised field has, then gives the fields that
 * init must leave alone recognisable values. */
static void
prefill(RPC_ASYNC_STATE *s)
{
	memset(s, 0xA5, sizeof(*s));
	s->UserInfo = (void *)0x1234;
	s->Event = RpcClientCancel;
	s->NotificationType = RpcNotificationTypeIoc;
	s->u.IOC.hIOPort = (HANDLE)0x5678;
	s->u.IOC.dwNumberOfBytesTransferred = 77;
	s->u.IOC.dwCompletionKey = 99;
	s->u.IOC.lpOverlapped = (LPOVERLAPPED)0x9abc;
}

static void
assert_initialised(const RPC_ASYNC_STATE *s)
{
	ck_assert_uint_eq(s->Size, sizeof(RPC_ASYNC_STATE));
	ck_assert_uint_eq(s->Signature, 0x43595341u);
	ck_assert_int_eq(s->Lock, 0);
	ck_assert_uint_eq(s->Flags, 0);
	ck_assert_ptr_null(s->StubInfo);
	ck_assert_ptr_null(s->RuntimeInfo);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(s->Reserved[i], 0);
}

static void
assert_app_fields_untouched(const RPC_ASYNC_STATE *s)
{
	ck_assert_ptr_eq(s->UserInfo, (void *)0x1234);
	ck_assert_int_eq(s->Event, RpcClientCancel);
	ck_assert_int_eq(s->NotificationType, RpcNotificationTypeIoc);
	ck_assert_ptr_eq(s->u.IOC.hIOPort, (HANDLE)0x5678);
	ck_assert_uint_eq(s->u.IOC.dwNumberOfBytesTransferred, 77);
	ck_assert_uint_eq(s->u.IOC.dwCompletionKey, 99);
	ck_assert_ptr_eq(s->u.IOC.lpOverlapped, (LPOVERLAPPED)0x9abc);
}

START_TEST(exact_size_initialises)
{
	RPC_ASYNC_STATE s;

	prefill(&s);
	ck_assert_int_eq(RpcAsyncInitializeHandle(&s, sizeof(s)), RPC_S_OK);
	assert_initialised(&s);
	assert_app_fields_untouched(&s);
}
END_TEST

START_TEST(version_macro_is_the_size)
{
	RPC_ASYNC_STATE s;

	ck_assert_uint_eq(RPC_ASYNC_VERSION_1_0, sizeof(RPC_ASYNC_STATE));
	prefill(&s);
	ck_assert_int_eq(RpcAsyncInitializeHandle(&s, RPC_ASYNC_VERSION_1_0), RPC_S_OK);
	assert_initialised(&s);
}
END_TEST

/* Windows returns ERROR_INVALID_PARAMETER for sizeof-1 and for 256; any size but the exact one
 * is refused, and a refused call writes nothing. */
static const unsigned int bad_sizes[] = {
	sizeof(RPC_ASYNC_STATE) - 1, 256, 0, sizeof(RPC_ASYNC_STATE) + 1, 0xFFFFFFFFu,
};

START_TEST(wrong_size_is_invalid_arg)
{
	RPC_ASYNC_STATE s, before;
	unsigned int size = bad_sizes[_i];

	ck_assert_uint_ne(size, sizeof(RPC_ASYNC_STATE));
	prefill(&s);
	memcpy(&before, &s, sizeof(s));
	ck_assert_int_eq(RpcAsyncInitializeHandle(&s, size), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RPC_S_INVALID_ARG, 87);
	ck_assert_mem_eq(&s, &before, sizeof(s));
}
END_TEST

START_TEST(null_is_invalid_async_handle)
{
	ck_assert_int_eq(RpcAsyncInitializeHandle(NULL, sizeof(RPC_ASYNC_STATE)),
			 RPC_S_INVALID_ASYNC_HANDLE);
	ck_assert_int_eq(RpcAsyncInitializeHandle(NULL, 3), RPC_S_INVALID_ASYNC_HANDLE);
}
END_TEST

/* Rule 1: a state may be initialised again before each call, whatever the previous call left
 * in the runtime's fields. */
START_TEST(reinitialise_after_use)
{
	RPC_ASYNC_STATE s;

	prefill(&s);
	ck_assert_int_eq(RpcAsyncInitializeHandle(&s, sizeof(s)), RPC_S_OK);
	/* What a finished call may leave behind. */
	s.Flags = RPC_C_NOTIFY_ON_SEND_COMPLETE;
	s.StubInfo = &s;
	s.RuntimeInfo = &s;
	s.Lock = 3;
	for (int i = 0; i < 4; i++)
		s.Reserved[i] = 100 + i;
	ck_assert_int_eq(RpcAsyncInitializeHandle(&s, sizeof(s)), RPC_S_OK);
	assert_initialised(&s);
	assert_app_fields_untouched(&s);
}
END_TEST

START_TEST(register_info_is_a_no_op)
{
	RPC_ASYNC_STATE s, before;

	prefill(&s);
	memcpy(&before, &s, sizeof(s));
	ck_assert_int_eq(RpcAsyncRegisterInfo(&s), RPC_S_OK);
	ck_assert_mem_eq(&s, &before, sizeof(s));
	ck_assert_int_eq(RpcAsyncRegisterInfo(NULL), RPC_S_OK);
}
END_TEST

/* §1.1: fixed widths, Microsoft's field order. */
START_TEST(layout)
{
	RPC_ASYNC_STATE s;

	ck_assert_uint_eq(sizeof(s.Size), 4);
	ck_assert_uint_eq(sizeof(s.Signature), 4);
	ck_assert_uint_eq(sizeof(s.Lock), 4);
	ck_assert_uint_eq(sizeof(s.Flags), 4);
	ck_assert_uint_eq(offsetof(RPC_ASYNC_STATE, Signature), 4);
	ck_assert_uint_eq(offsetof(RPC_ASYNC_STATE, Lock), 8);
	ck_assert_uint_eq(offsetof(RPC_ASYNC_STATE, Flags), 12);
	ck_assert_uint_eq(offsetof(RPC_ASYNC_STATE, StubInfo), 16);
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, StubInfo), offsetof(RPC_ASYNC_STATE, UserInfo));
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, UserInfo),
			  offsetof(RPC_ASYNC_STATE, RuntimeInfo));
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, RuntimeInfo), offsetof(RPC_ASYNC_STATE, Event));
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, Event),
			  offsetof(RPC_ASYNC_STATE, NotificationType));
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, NotificationType),
			  offsetof(RPC_ASYNC_STATE, u));
	ck_assert_uint_lt(offsetof(RPC_ASYNC_STATE, u), offsetof(RPC_ASYNC_STATE, Reserved));
	ck_assert_uint_eq(sizeof(s.Reserved), 4 * sizeof(LONG_PTR));
	ck_assert_uint_eq(sizeof(s.Reserved[0]), sizeof(void *));
	/* RpcAsyncGetCallHandle is the RuntimeInfo field. */
	s.RuntimeInfo = &s;
	ck_assert_ptr_eq(RpcAsyncGetCallHandle(&s), &s);
}
END_TEST

/* §1.3: the enums keep Microsoft's values (Callback stays 5). */
START_TEST(enum_and_flag_values)
{
	ck_assert_int_eq(RpcNotificationTypeNone, 0);
	ck_assert_int_eq(RpcNotificationTypeEvent, 1);
	ck_assert_int_eq(RpcNotificationTypeApc, 2);
	ck_assert_int_eq(RpcNotificationTypeIoc, 3);
	ck_assert_int_eq(RpcNotificationTypeHwnd, 4);
	ck_assert_int_eq(RpcNotificationTypeCallback, 5);
	ck_assert_int_eq(RpcCallComplete, 0);
	ck_assert_int_eq(RpcSendComplete, 1);
	ck_assert_int_eq(RpcReceiveComplete, 2);
	ck_assert_int_eq(RpcClientDisconnect, 3);
	ck_assert_int_eq(RpcClientCancel, 4);
	ck_assert_int_eq(RpcNotificationCallNone, 0);
	ck_assert_int_eq(RpcNotificationClientDisconnect, 1);
	ck_assert_int_eq(RpcNotificationCallCancel, 2);
	ck_assert_int_eq(RpcNotificationCallStatusChange, RpcNotificationClientDisconnect);
	ck_assert_int_eq(RPC_C_NOTIFY_ON_SEND_COMPLETE, 0x1);
	ck_assert_int_eq(RPC_ASYNC_NOTIFY_ON_SEND_COMPLETE, 0x1);
	ck_assert_uint_eq(RPC_C_INFINITE_TIMEOUT, 0xFFFFFFFFu);
}
END_TEST

/* §2.1: the status codes the async API returns keep their Win32 values. */
START_TEST(status_code_values)
{
	static const struct {
		RPC_STATUS got, want;
	} codes[] = {
		{ RPC_S_OK, 0 },
		{ RPC_S_INVALID_ARG, 87 },
		{ RPC_S_OUT_OF_MEMORY, 14 },
		{ RPC_X_NO_MEMORY, 14 },
		{ RPC_S_ASYNC_CALL_PENDING, 997 },
		{ RPC_S_TIMEOUT, 1460 },
		{ RPC_S_INVALID_BINDING, 1702 },
		{ RPC_S_UNKNOWN_IF, 1717 },
		{ RPC_S_SERVER_UNAVAILABLE, 1722 },
		{ RPC_S_SERVER_TOO_BUSY, 1723 },
		{ RPC_S_NO_CALL_ACTIVE, 1725 },
		{ RPC_S_CALL_FAILED, 1726 },
		{ RPC_S_CALL_FAILED_DNE, 1727 },
		{ RPC_S_PROTOCOL_ERROR, 1728 },
		{ RPC_S_INVALID_TAG, 1733 },
		{ RPC_X_INVALID_TAG, 1733 },
		{ RPC_S_INVALID_BOUND, 1734 },
		{ RPC_X_INVALID_BOUND, 1734 },
		{ RPC_S_PROCNUM_OUT_OF_RANGE, 1745 },
		{ RPC_S_CANNOT_SUPPORT, 1764 },
		{ RPC_S_INTERNAL_ERROR, 1766 },
		{ RPC_X_SS_IN_NULL_CONTEXT, 1775 },
		{ RPC_X_SS_CONTEXT_DAMAGED, 1777 },
		{ RPC_X_SS_HANDLES_MISMATCH, 1778 },
		{ RPC_X_SS_CONTEXT_MISMATCH, 6 },
		{ RPC_X_NULL_REF_POINTER, 1780 },
		{ RPC_X_ENUM_VALUE_OUT_OF_RANGE, 1781 },
		{ RPC_X_BYTE_COUNT_TOO_SMALL, 1782 },
		{ RPC_X_BAD_STUB_DATA, 1783 },
		{ RPC_S_CALL_IN_PROGRESS, 1791 },
		{ RPC_S_CALL_CANCELLED, 1818 },
		{ RPC_S_COMM_FAILURE, 1820 },
		{ RPC_S_NOT_CANCELLED, 1826 },
		{ RPC_X_WRONG_STUB_VERSION, 1829 },
		{ RPC_X_INVALID_PIPE_OBJECT, 1830 },
		{ RPC_X_WRONG_PIPE_ORDER, 1831 },
		{ RPC_X_INVALID_PIPE_OPERATION, 1831 },
		{ RPC_X_WRONG_PIPE_VERSION, 1832 },
		{ RPC_S_SEND_INCOMPLETE, 1913 },
		{ RPC_S_INVALID_ASYNC_HANDLE, 1914 },
		{ RPC_S_INVALID_ASYNC_CALL, 1915 },
		{ RPC_X_PIPE_CLOSED, 1916 },
		{ RPC_X_PIPE_DISCIPLINE_ERROR, 1917 },
		{ RPC_X_PIPE_EMPTY, 1918 },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		ck_assert_int_eq(codes[i].got, codes[i].want);
}
END_TEST

static Suite *
async_init_suite(void)
{
	Suite *s = suite_create("async_init");
	TCase *tc = tcase_create("init");

	tcase_add_test(tc, exact_size_initialises);
	tcase_add_test(tc, version_macro_is_the_size);
	tcase_add_loop_test(tc, wrong_size_is_invalid_arg, 0,
			    (int)(sizeof(bad_sizes) / sizeof(bad_sizes[0])));
	tcase_add_test(tc, null_is_invalid_async_handle);
	tcase_add_test(tc, reinitialise_after_use);
	tcase_add_test(tc, register_info_is_a_no_op);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, enum_and_flag_values);
	tcase_add_test(tc, status_code_values);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(async_init_suite)
