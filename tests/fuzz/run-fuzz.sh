#!/usr/bin/env bash
# Runs a fuzz target with libFuzzer under ASan+UBSan for SECONDS (default 60).
#   tests/fuzz/run-fuzz.sh [SECONDS] [TARGET]
# TARGET: idl (the IDL front end, the default), ndr (the NDR unmarshaller, see fuzz_ndr.c),
# pdu (the DCE/RPC PDU layer, see fuzz_pdu.c) or server (the whole server fed a byte stream,
# see fuzz_server.c).
# New crash inputs land in tests/fuzz/crashes/; copy them into the target's seed directory
# (corpus/, ndr-corpus/, pdu-corpus/ or server-corpus/) as regression cases once fixed.
# FUZZ_BUILD names another build directory than build-fuzz (it is set up if missing).
set -euo pipefail
secs=${1:-60}
target=${2:-idl}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
case $target in
idl) seeds=$root/tests/fuzz/corpus; extra=(-dict="$root/tests/fuzz/idl.dict" -max_len=16384) ;;
ndr) seeds=$root/tests/fuzz/ndr-corpus; extra=(-max_len=4096 -malloc_limit_mb=64) ;;
pdu) seeds=$root/tests/fuzz/pdu-corpus; extra=(-max_len=65536 -malloc_limit_mb=64) ;;
# One reply may be 16 MiB (the engine's max_out_alloc), so a larger malloc limit.
server) seeds=$root/tests/fuzz/server-corpus; extra=(-max_len=65536 -malloc_limit_mb=128) ;;
*) echo "run-fuzz.sh: unknown target '$target' (idl, ndr, pdu or server)" >&2; exit 2 ;;
esac
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" "tests/fuzz/fuzz_$target" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/
mkdir -p "$root/tests/fuzz/crashes"
cd "$root/tests/fuzz/crashes"
UBSAN_OPTIONS=halt_on_error=1 "$build/tests/fuzz/fuzz_$target" "$work" \
	-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
	-print_final_stats=1 "${extra[@]}"
