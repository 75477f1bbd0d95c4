#!/usr/bin/env bash
# Every public header must compile on its own, twice in a row (include guards), as strict C11
# and as C++, and the exception macros must nest cleanly under -Wshadow. TAP output.
# Usage: check_headers.sh INCLUDE_DIR   with $CC and $CXX naming the compilers ("" skips C++).
set -uo pipefail

inc=${1:?usage: check_headers.sh INCLUDE_DIR}
cc=${CC:-cc}
cxx=${CXX-c++}
c_flags=(-std=c11 -Wall -Wextra -Wshadow -Werror -pedantic -fsyntax-only)
cxx_flags=(-Wall -Wextra -Wshadow -Werror -fsyntax-only)

shopt -s nullglob
headers=("$inc"/*.h)
if ((${#headers[@]} == 0)); then
	echo "Bail out! no headers in $inc"
	exit 1
fi

# A program using the macros nested, as generated code and applications do.
usage_src='#include <rpc.h>
#include <rpcasync.h>
int use(RPC_ASYNC_STATE *a);
int use(RPC_ASYNC_STATE *a)
{
	volatile RPC_STATUS st = RpcAsyncInitializeHandle(a, sizeof *a);
	RpcTryExcept {
		RpcTryFinally {
			RpcTryExcept {
				RpcRaiseException(RPC_S_CALL_FAILED);
			} RpcExcept(RpcExceptionCode() == RPC_S_CALL_FAILED) {
				st = RpcExceptionCode();
			} RpcEndExcept
		} RpcFinally {
			st += RpcAbnormalTermination();
		} RpcEndFinally
	} RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
		st = RpcExceptionCode();
	} RpcEndExcept
	return (int)st;
}'

# An application with its own Win32 names turns ridl's off with RIDL_NO_WIN32_TYPES.
own_types_src='#include <stdint.h>
typedef int BOOL;
typedef uint32_t DWORD, ULONG, *LPDWORD;
typedef int32_t LONG;
typedef unsigned int UINT;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR, DWORD_PTR, *PULONG_PTR;
typedef void *PVOID, *LPVOID, *HANDLE, *HWND;
typedef char *LPSTR;
typedef const char *LPCSTR;
typedef uint8_t boolean, byte;
typedef struct { ULONG_PTR Internal, InternalHigh; PVOID Pointer; HANDLE hEvent; } OVERLAPPED, *LPOVERLAPPED;
typedef struct { DWORD nLength; LPVOID lpSecurityDescriptor; BOOL bInheritHandle; } SECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;
typedef struct { uint32_t Data1; uint16_t Data2, Data3; uint8_t Data4[8]; } GUID;
#define GUID_DEFINED
#define RIDL_NO_WIN32_TYPES
#include <rpc.h>
#include <rpcstub.h>'

n=0
fails=0
check() { # description, source, compiler command...
	local what=$1 src=$2 out
	shift 2
	n=$((n + 1))
	if out=$(printf '%s\n' "$src" | "$@" 2>&1); then
		echo "ok $n - $what"
	else
		fails=$((fails + 1))
		echo "not ok $n - $what"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# Each C++ check is skipped when no C++ compiler was found.
check_cxx() { # description, source
	if [[ -z $cxx ]]; then
		n=$((n + 1))
		echo "ok $n - $1 # SKIP no C++ compiler"
		return
	fi
	# shellcheck disable=SC2086 # $cxx may carry a launcher (ccache c++)
	check "$1" "$2" $cxx -x c++ "${cxx_flags[@]}" -I "$inc" -
}

echo "1..$((2 * ${#headers[@]} + 4))"
for h in "${headers[@]}"; do
	name=${h##*/}
	src=$(printf '#include <%s>\n#include <%s>\ntypedef int ridl_not_empty;\n' "$name" "$name")
	# shellcheck disable=SC2086 # $cc may carry a launcher (ccache cc)
	check "$name as C11" "$src" $cc -x c "${c_flags[@]}" -I "$inc" -
	check_cxx "$name as C++" "$src"
done
# shellcheck disable=SC2086
check "exception macros nest under -Wshadow (C)" "$usage_src" $cc -x c "${c_flags[@]}" -I "$inc" -
check_cxx "exception macros nest under -Wshadow (C++)" "$usage_src"
# shellcheck disable=SC2086
check "RIDL_NO_WIN32_TYPES with the application's own types" "$own_types_src" $cc -x c "${c_flags[@]}" -I "$inc" -
# The installed layout: <ridl/rpc.h> from the parent directory.
# shellcheck disable=SC2086
check "<ridl/rpc.h> from the include root" '#include <ridl/rpc.h>' $cc -x c "${c_flags[@]}" -I "$inc/.." -

exit $((fails > 0))
