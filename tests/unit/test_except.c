/* RPC exceptions: RpcTryExcept / RpcTryFinally frames and RpcRaiseException (rpcndr.h). */
#include <pthread.h>
#include <signal.h>

#include <rpc.h>

#include "check_main.h"

static void
raise_from_callee(RPC_STATUS code)
{
	RpcRaiseException(code);
}

START_TEST(except_catches_code)
{
	volatile RPC_STATUS caught = 0;
	volatile int after_raise = 0;

	RpcTryExcept {
		raise_from_callee(RPC_S_CALL_FAILED);
		after_raise = 1;
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq(caught, RPC_S_CALL_FAILED);
	ck_assert_int_eq(after_raise, 0);
}
END_TEST

START_TEST(no_exception_skips_handler)
{
	volatile int body = 0, handler = 0;

	RpcTryExcept {
		body = 1;
	}
	RpcExcept(1) {
		handler = 1;
	}
	RpcEndExcept

	ck_assert_int_eq(body, 1);
	ck_assert_int_eq(handler, 0);

	/* The frame was removed: a later raise reaches the frame around it, not a dead one. */
	volatile RPC_STATUS caught = 0;
	RpcTryExcept {
		RpcTryExcept {
		}
		RpcExcept(1) {
			ck_abort_msg("inner handler ran without an exception");
		}
		RpcEndExcept
		RpcRaiseException(5);
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept
	ck_assert_int_eq(caught, 5);
}
END_TEST

START_TEST(nested_inner_handles)
{
	volatile int inner = 0, outer = 0;

	RpcTryExcept {
		RpcTryExcept {
			RpcRaiseException(1726);
		}
		RpcExcept(1) {
			inner = RpcExceptionCode();
		}
		RpcEndExcept
	}
	RpcExcept(1) {
		outer = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq(inner, 1726);
	ck_assert_int_eq(outer, 0);
}
END_TEST

/* A filter of 0 (EXCEPTION_CONTINUE_SEARCH) passes the exception to the next frame; the
 * filter sees the code. */
START_TEST(filter_selects_frame)
{
	volatile int inner = 0, outer = 0;

	for (RPC_STATUS code = 5; code <= 6; code++) {
		inner = outer = 0;
		RpcTryExcept {
			RpcTryExcept {
				RpcRaiseException(code);
			}
			RpcExcept(RpcExceptionCode() == 5 ? EXCEPTION_EXECUTE_HANDLER
							  : EXCEPTION_CONTINUE_SEARCH) {
				inner = RpcExceptionCode();
			}
			RpcEndExcept
		}
		RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
			outer = RpcExceptionCode();
		}
		RpcEndExcept

		if (code == 5) {
			ck_assert_int_eq(inner, 5);
			ck_assert_int_eq(outer, 0);
		} else {
			ck_assert_int_eq(inner, 0);
			ck_assert_int_eq(outer, 6);
		}
	}
}
END_TEST

/* A handler may raise again, with the same or another code; the outer frame gets it. */
START_TEST(handler_raises_to_outer)
{
	volatile int outer = 0;

	RpcTryExcept {
		RpcTryExcept {
			RpcRaiseException(1);
		}
		RpcExcept(1) {
			RpcRaiseException(RpcExceptionCode() + 1);
		}
		RpcEndExcept
	}
	RpcExcept(1) {
		outer = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq(outer, 2);
}
END_TEST

static RPC_STATUS
return_from_handler(void)
{
	RpcTryExcept {
		RpcRaiseException(RPC_S_COMM_FAILURE);
	}
	RpcExcept(1) {
		return RpcExceptionCode();
	}
	RpcEndExcept
	return RPC_S_OK;
}

/* Leaving a handler by return (common in Windows code) leaves the frame stack intact. */
START_TEST(return_from_handler_is_safe)
{
	volatile RPC_STATUS caught = 0;

	RpcTryExcept {
		ck_assert_int_eq(return_from_handler(), RPC_S_COMM_FAILURE);
		RpcRaiseException(7);
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept
	ck_assert_int_eq(caught, 7);
}
END_TEST

START_TEST(finally_runs_normally)
{
	volatile int body = 0, fin = 0, abnormal = -1;

	RpcTryFinally {
		body = 1;
	}
	RpcFinally {
		fin = 1;
		abnormal = RpcAbnormalTermination();
	}
	RpcEndFinally

	ck_assert_int_eq(body, 1);
	ck_assert_int_eq(fin, 1);
	ck_assert_int_eq(abnormal, 0);
}
END_TEST

/* On an exception the finally block runs, knows why, and the exception continues outward. */
START_TEST(finally_runs_and_reraises)
{
	volatile int fin = 0, abnormal = -1, after_finally = 0;
	volatile RPC_STATUS caught = 0;

	RpcTryExcept {
		RpcTryFinally {
			raise_from_callee(42);
		}
		RpcFinally {
			fin = 1;
			abnormal = RpcAbnormalTermination();
		}
		RpcEndFinally
		after_finally = 1;
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq(fin, 1);
	ck_assert_int_eq(abnormal, 1);
	ck_assert_int_eq(after_finally, 0);
	ck_assert_int_eq(caught, 42);
}
END_TEST

/* Every finally block between the raise and the handler runs, innermost first. */
START_TEST(finally_blocks_unwind_in_order)
{
	volatile int order[2] = { 0, 0 };
	volatile int n = 0;
	volatile RPC_STATUS caught = 0;

	RpcTryExcept {
		RpcTryFinally {
			RpcTryFinally {
				RpcRaiseException(9);
			}
			RpcFinally {
				order[n++] = 1;
			}
			RpcEndFinally
		}
		RpcFinally {
			order[n++] = 2;
		}
		RpcEndFinally
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(caught, 9);
}
END_TEST

START_TEST(unhandled_exception_aborts)
{
	RpcRaiseException(RPC_S_CALL_FAILED);
}
END_TEST

START_TEST(unhandled_after_finally_aborts)
{
	RpcTryFinally {
		RpcRaiseException(RPC_S_CALL_FAILED);
	}
	RpcFinally {
	}
	RpcEndFinally
}
END_TEST

static void *
thread_raises(void *arg)
{
	volatile RPC_STATUS caught = 0;

	(void)arg;
	RpcTryExcept {
		RpcRaiseException(11);
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept
	return (void *)(intptr_t)caught;
}

/* Frames are per thread: another thread's exceptions never reach this thread's frames. */
START_TEST(frames_are_per_thread)
{
	volatile RPC_STATUS caught = 0;
	void *volatile ret = NULL; /* set in the block, read after the exception */

	RpcTryExcept {
		pthread_t t;
		void *r = NULL;

		ck_assert_int_eq(pthread_create(&t, NULL, thread_raises, NULL), 0);
		ck_assert_int_eq(pthread_join(t, &r), 0);
		ret = r;
		RpcRaiseException(12);
	}
	RpcExcept(1) {
		caught = RpcExceptionCode();
	}
	RpcEndExcept

	ck_assert_int_eq((intptr_t)ret, 11);
	ck_assert_int_eq(caught, 12);
}
END_TEST

static Suite *
except_suite(void)
{
	Suite *s = suite_create("except");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, except_catches_code);
	tcase_add_test(tc, no_exception_skips_handler);
	tcase_add_test(tc, nested_inner_handles);
	tcase_add_test(tc, filter_selects_frame);
	tcase_add_test(tc, handler_raises_to_outer);
	tcase_add_test(tc, return_from_handler_is_safe);
	tcase_add_test(tc, finally_runs_normally);
	tcase_add_test(tc, finally_runs_and_reraises);
	tcase_add_test(tc, finally_blocks_unwind_in_order);
	tcase_add_test(tc, frames_are_per_thread);
	tcase_add_test_raise_signal(tc, unhandled_exception_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, unhandled_after_finally_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(except_suite)
