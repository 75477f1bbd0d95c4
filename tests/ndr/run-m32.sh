#!/usr/bin/env bash
# Builds the NDR engine and the ndrtest tables for a 32-bit target (gcc -m32) and runs
# m32_driver.c: byte counts that overflow 32 bits must be refused (security-tests.md T3).
#   tests/ndr/run-m32.sh RIDL SRCDIR
# Skipped (TAP) when the compiler cannot build 32-bit programs (Debian: gcc-multilib).
set -euo pipefail
ridl=$1
src=$2
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo 'int main(void) { return 0; }' > "$work/probe.c"
if ! $cc -m32 "$work/probe.c" -o "$work/probe" 2>/dev/null; then
	echo "1..0 # SKIP $cc -m32 cannot build programs here (install gcc-multilib)"
	exit 0
fi
"$ridl" --client stub -o "$work" "$src/tests/ndr/ndrtest.idl"
rt=$src/runtime
$cc -m32 -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-pedantic -pthread \
	-I "$rt" -I "$rt/include/ridl" -I "$work" \
	"$src/tests/ndr/m32_driver.c" "$work/ndrtest_c.c" \
	"$rt/arena.c" "$rt/memory.c" "$rt/ndr.c" "$rt/ndr_free.c" "$rt/ndr_marshal.c" \
	"$rt/ndr_plan.c" "$rt/ndr_unmarshal.c" -o "$work/m32"
"$work/m32"
