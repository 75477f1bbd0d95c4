#!/usr/bin/env bash
# The soak run: soak_client's threads keep asynchronous calls outstanding against the jobs
# sample's server over TCP on 127.0.0.1 for SECONDS, with cancels and reconnects; then a normal
# jobs client must still get every reply and stop the server, which must exit 0. Asserts: no
# call failed, calls were made, and the server's memory is flat (its RSS at the end is within
# 10% + 4 MiB of its RSS once warmed up, a quarter of the way in; not checked under sanitizers,
# whose allocators hold on to freed memory on purpose).
#   tests/soak/run-soak.sh SERVER JOBS_CLIENT SOAK_CLIENT SECONDS THREADS OUTSTANDING [SANITIZE]
# By hand, for a long run: tests/soak/run-soak.sh build/idl-samples/jobs_server \
#   build/idl-samples/jobs_client build/tests/soak/soak_client 600 32 64
set -uo pipefail
server=$1 client=$2 soak=$3 seconds=$4 threads=$5 outstanding=$6 sanitize=${7:-none}
work=$(mktemp -d)
spid= cpid=
cleanup() {
	[[ -n $cpid ]] && kill -9 "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	[[ -n $spid ]] && kill -9 "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
n=0 fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
echo "1..6"

port=$((20000 + RANDOM % 12000))
mkfifo "$work/ready"
"$server" ncacn_ip_tcp "$port" > "$work/ready" 2> "$work/server.err" &
spid=$!
line=
read -r -t 10 line < "$work/ready" || true
rm -f "$work/ready"
check "the server listens" '[ "$line" = listening ]'

"$soak" ncacn_ip_tcp 127.0.0.1 "$port" "$seconds" "$threads" "$outstanding" > "$work/soak.out" 2> "$work/soak.err" &
cpid=$!
# Warmed up a quarter of the way in.
sleep "$(awk -v s="$seconds" 'BEGIN { print s / 4 }')"
rss_warm=$(rss "$spid")
wait "$cpid"
cst=$?
cpid=
rss_end=$(rss "$spid")
sed 's/^/# /' "$work/soak.out"
[[ -s $work/soak.err ]] && sed 's/^/# client: /' "$work/soak.err" | head -20
echo "# server RSS: $rss_warm KiB warmed up, $rss_end KiB at the end ($threads threads x $outstanding outstanding, $seconds s)"
calls=$(awk '$1 == "calls" { print $2 }' "$work/soak.out")
check "no call failed" '[ $cst = 0 ] && grep -qx "errors 0" "$work/soak.out"'
check "calls were made" '[ "${calls:-0}" -gt 0 ]'
if [[ $sanitize == none ]]; then
	check "the server's memory is flat" '[ "$rss_end" -le $((rss_warm + rss_warm / 10 + 4096)) ]'
else
	echo "ok 4 - the server's memory is flat # SKIP sanitizer build ($sanitize)"
	n=$((n + 1))
fi
timeout 30 "$client" ncacn_ip_tcp 127.0.0.1 "$port" > "$work/client.out" 2> "$work/client.err"
check "a normal client is served afterwards" '[ $? = 0 ] && [ $(wc -l < "$work/client.out") = 8 ]'
sst=124
for _ in $(seq 100); do
	if ! kill -0 "$spid" 2>/dev/null; then
		wait "$spid"
		sst=$?
		break
	fi
	sleep 0.1
done
[[ $sst = 124 ]] || spid=
check "Shutdown stops the server, which exits 0" '[ $sst = 0 ]'
[[ -s $work/server.err ]] && sed 's/^/# server: /' "$work/server.err" | head -20
exit $fail
