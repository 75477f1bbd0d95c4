#!/usr/bin/env bash
# Fuzzes the IDL front end with libFuzzer under ASan+UBSan for SECONDS (default 60).
#   tests/fuzz/run-fuzz.sh [SECONDS]
# New crash inputs land in tests/fuzz/crashes/; copy them into tests/fuzz/corpus/ (as
# regression cases) once fixed.
set -euo pipefail
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" tests/fuzz/fuzz_idl >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root"/tests/fuzz/corpus/* "$work"/
mkdir -p "$root/tests/fuzz/crashes"
cd "$root/tests/fuzz/crashes"
UBSAN_OPTIONS=halt_on_error=1 "$build/tests/fuzz/fuzz_idl" "$work" \
	-dict="$root/tests/fuzz/idl.dict" -max_total_time="$secs" -timeout=10 \
	-rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=16384 -print_final_stats=1
