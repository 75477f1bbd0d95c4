#!/bin/bash
# Golden tests of the compiler's output: every FILE.idl here (with FILE.acf when present) is
# compiled by the ridl under test and the result compared with the expected files beside it:
#
#   FILE.h.expected       the generated header (always)
#   FILE.ast.expected     ridl --dump=ast FILE.idl    (only when the expected file exists)
#   FILE.types.expected   ridl --dump=types FILE.idl  (only when the expected file exists)
#   FILE.layout.expected  ridl --dump=layout FILE.idl (only when the expected file exists)
#   FILE_c.c.expected and FILE_s.c.expected: the stub files of --client stub --server stub
#                         (only when one of them exists)
#
# Each generated header must also compile as C11 and as C++ against the runtime headers, and so
# must the header of every sample under idl-samples/ (compiled only, not compared). Each
# generated stub file (tables, client stub functions, server EPV) must compile with -Wall
# -Wextra -Werror, by $CC and by clang when it is there; the client and server files of one
# input are linked into one program with check-tables.c, which checks what the C compiler
# computed against what ridl wrote. The NDR engine's test interface (tests/ndr/ndrtest.idl)
# and the samples are checked the same way when expected files for them exist here.
#
# Last, link-stubs.c links the client stubs of ndrtest and of the calc sample with their server
# stubs generated with --server-prefix s_, and checks what each client function hands to the
# runtime and what the server's manager EPV holds.
#
# Usage: run-golden.sh RIDL SRCDIR
# With RIDL_UPDATE_GOLDEN=1 in the environment the expected files are rewritten instead (touch
# an empty FILE.ast.expected, FILE.types.expected, FILE.layout.expected or FILE_c.c.expected to
# start checking a dump or the stub tables); review the diff
# by eye before committing it: the expected files are the specification.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 RIDL SRCDIR" >&2
	exit 2
fi
ridl=$1
case $ridl in
*/*) ridl=$(cd "$(dirname "$ridl")" && pwd)/$(basename "$ridl") ;;
esac
srcdir=$(cd "$2" && pwd)
topdir=$(cd "$srcdir/../.." && pwd)
runtime_inc=$topdir/runtime/include/ridl
update=${RIDL_UPDATE_GOLDEN:-0}
cc=${CC:-cc}
cxx=${CXX:-c++}
# A second C compiler for the stub files: its warnings are not the same.
cc2=
if command -v clang >/dev/null 2>&1 && [ "$(basename "$cc")" != clang ]; then
	cc2=clang
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ridl-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# compare NAME ACTUAL EXPECTED
compare() {
	if [ "$update" = 1 ]; then
		if ! cmp -s "$2" "$3"; then
			cp "$2" "$3"
			echo "updated: $(basename "$3")"
		fi
	elif [ ! -f "$3" ]; then
		fail "$1: $(basename "$3") is missing (run with RIDL_UPDATE_GOLDEN=1 to create it)"
	elif ! diff -u --label "$(basename "$3")" --label "generated" "$3" "$2"; then
		fail "$1: output differs from $(basename "$3")"
	fi
}

have_cxx=1
if ! command -v "$cxx" >/dev/null 2>&1; then
	echo "note: $cxx not found, headers are not compiled as C++"
	have_cxx=0
fi

shopt -s nullglob
inputs=("$srcdir"/*.idl)
if [ ${#inputs[@]} -eq 0 ]; then
	echo "no .idl files in $srcdir" >&2
	exit 2
fi

# check_dumps NAME IDL: the dumps of IDL that have an expected file.
check_dumps() {
	local name=$1 idl=$2 dump expected
	for dump in ast types layout; do
		expected=$srcdir/$name.$dump.expected
		[ -f "$expected" ] || continue
		if ! "$ridl" --dump="$dump" "$idl" >"$tmp/$name.$dump" 2>"$tmp/$name.$dump.stderr"; then
			fail "$name: ridl --dump=$dump failed:"
			cat "$tmp/$name.$dump.stderr"
			continue
		fi
		compare "$name" "$tmp/$name.$dump" "$expected"
	done
}

# check_stubs NAME IDL OUTDIR: when NAME_c.c.expected or NAME_s.c.expected exists, the stub
# tables of IDL are compared, compiled, linked together and checked by check-tables.c.
check_stubs() {
	local name=$1 idl=$2 out=$3 side ifspecs i
	[ -f "$srcdir/${name}_c.c.expected" ] || [ -f "$srcdir/${name}_s.c.expected" ] || return 0
	mkdir -p "$out"
	if ! "$ridl" --client stub --server stub --out "$out" "$idl" >"$out/$name.stubs.stderr" 2>&1; then
		fail "$name: ridl --client stub --server stub failed:"
		cat "$out/$name.stubs.stderr"
		return
	fi
	for side in c s; do
		compare "$name" "$out/${name}_$side.c" "$srcdir/${name}_$side.c.expected"
		if ! "$cc" -std=c11 -Wall -Wextra -Werror -I "$out" -I "$runtime_inc" \
			-c "$out/${name}_$side.c" -o "$out/${name}_$side.o"; then
			fail "${name}_$side.c does not compile with -Wall -Wextra -Werror"
			return
		fi
		if [ -n "$cc2" ] && ! "$cc2" -std=c11 -Wall -Wextra -Werror -I "$out" \
			-I "$runtime_inc" -c "$out/${name}_$side.c" -o /dev/null; then
			fail "${name}_$side.c does not compile with $cc2 -Wall -Wextra -Werror"
		fi
	done
	ifspecs=$(sed -n 's/^RPC_IF_HANDLE \([A-Za-z0-9_]*\) = .*/\1/p' "$out/${name}_c.c" "$out/${name}_s.c")
	{
		echo '#include <rpcstub.h>'
		echo 'int check_tables(RPC_IF_HANDLE h, const char *what);'
		for i in $ifspecs; do echo "extern RPC_IF_HANDLE $i;"; done
		echo 'int main(void)'
		echo '{'
		echo '	int r = 0;'
		for i in $ifspecs; do echo "	r |= check_tables($i, \"$i\");"; done
		echo '	return r;'
		echo '}'
	} >"$out/${name}_main.c"
	if ! "$cc" -std=c11 -Wall -Wextra -Werror -I "$runtime_inc" "$out/${name}_main.c" \
		"$srcdir/check-tables.c" "$out/${name}_c.o" "$out/${name}_s.o" -o "$out/${name}_check"; then
		fail "$name: the client and server tables do not link into one program"
		return
	fi
	if ! "$out/${name}_check"; then
		fail "$name: the tables fail check-tables.c"
	fi
}

for idl in "${inputs[@]}"; do
	name=$(basename "$idl" .idl)

	if ! "$ridl" --out "$tmp" "$idl" >"$tmp/$name.stderr" 2>&1; then
		fail "$name: ridl failed:"
		cat "$tmp/$name.stderr"
		continue
	fi
	compare "$name" "$tmp/$name.h" "$srcdir/$name.h.expected"
	check_dumps "$name" "$idl"
	check_stubs "$name" "$idl" "$tmp/stubs/$name"
done

# The NDR engine's test interface: its layout and tables are pinned here.
ndrtest=$topdir/tests/ndr/ndrtest.idl
if [ -f "$ndrtest" ]; then
	check_dumps ndrtest "$ndrtest"
	check_stubs ndrtest "$ndrtest" "$tmp/stubs/ndrtest"
fi

# The client stubs of ndrtest and calc, and their server stubs with --server-prefix s_, in one
# program (link-stubs.c) that replaces the runtime's entry points with recorders.
link_stubs() {
	local out=$tmp/link idl name side objs=()
	mkdir -p "$out"
	for idl in "$ndrtest" "$topdir/idl-samples/calc/calc.idl"; do
		name=$(basename "$idl" .idl)
		if ! "$ridl" --client stub --server stub --server-prefix s_ --out "$out" "$idl" \
			>"$out/$name.stderr" 2>&1; then
			fail "$name: ridl --server-prefix s_ failed:"
			cat "$out/$name.stderr"
			return
		fi
		if ! grep -q "^	(void (\*)(void))s_" "$out/${name}_s.c"; then
			fail "${name}_s.c: the manager EPV does not name the s_ routines"
		fi
		for side in c s; do
			if ! "$cc" -std=c11 -Wall -Wextra -Werror -I "$out" -I "$runtime_inc" \
				-c "$out/${name}_$side.c" -o "$out/${name}_$side.o"; then
				fail "${name}_$side.c (--server-prefix s_) does not compile with -Wall -Wextra -Werror"
				return
			fi
			objs+=("$out/${name}_$side.o")
		done
	done
	# The dummy manager routines ignore their parameters.
	if ! "$cc" -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -I "$out" -I "$runtime_inc" \
		"$srcdir/link-stubs.c" "${objs[@]}" -o "$out/link-stubs"; then
		fail "link-stubs.c: the client and --server-prefix server stubs do not link into one program"
		return
	fi
	if ! "$out/link-stubs"; then
		fail "link-stubs: the stub functions or the manager EPV are wrong"
	fi
}
[ -f "$ndrtest" ] && link_stubs

# compile_header HEADER INCLUDE_DIR
compile_header() {
	if ! "$cc" -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I "$2" -I "$runtime_inc" -x c "$1"; then
		fail "$(basename "$1") does not compile as C11"
	fi
	if [ $have_cxx = 1 ] && ! "$cxx" -fsyntax-only -Wall -Werror -I "$2" -I "$runtime_inc" -x c++ "$1"; then
		fail "$(basename "$1") does not compile as C++"
	fi
}

# Compile the headers only once all exist: one may include another (import).
for idl in "${inputs[@]}"; do
	h=$tmp/$(basename "$idl" .idl).h
	[ -f "$h" ] && compile_header "$h" "$tmp"
done

# The samples: their headers must compile too.
samples=("$topdir"/idl-samples/*/*.idl)
for idl in "${samples[@]}"; do
	name=$(basename "$idl" .idl)
	out=$tmp/samples/$(basename "$(dirname "$idl")")
	mkdir -p "$out"
	if ! "$ridl" --out "$out" "$idl" >"$out/$name.stderr" 2>&1; then
		fail "sample $name: ridl failed:"
		cat "$out/$name.stderr"
		continue
	fi
	compile_header "$out/$name.h" "$out"
	check_dumps "$name" "$idl"
	check_stubs "$name" "$idl" "$out"
done

if [ $failures -ne 0 ]; then
	echo "$failures golden check(s) failed"
	exit 1
fi
echo "all golden checks passed (${#inputs[@]} inputs, ${#samples[@]} samples)"
exit 0
