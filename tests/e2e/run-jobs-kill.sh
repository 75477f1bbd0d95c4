#!/usr/bin/env bash
# End to end, asynchronous calls and dead peers (the jobs sample), over TCP on 127.0.0.1 and
# over ncalrpc:
# - the server is killed (SIGKILL) with 1, 100 and 1,000 calls pending on one client
#   connection: every call completes with RPC_S_CALL_FAILED (1726) and its notification,
#   promptly, and no [out] parameter is written;
# - the client is killed with 100 calls pending at the server: the server completes them
#   into the void, keeps serving (a fresh client gets every reply) and exits 0 after Shutdown.
#   tests/e2e/run-jobs-kill.sh SERVER CLIENT PENDING_CLIENT EXPECTED
set -uo pipefail
server=$1
client=$2
pending=$3
expected=$(cat "$4")
work=$(mktemp -d)
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
spid=
cpid=
cleanup() {
	[[ -n $cpid ]] && kill -9 "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	[[ -n $spid ]] && kill -9 "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
echo "1..24"

ms() { date +%s%3N; }

# start_server PROTSEQ ENDPOINT: starts it and waits (bounded) for "listening".
start_server() {
	mkfifo "$work/ready"
	"$server" "$1" "$2" > "$work/ready" 2> "$work/server.err" &
	spid=$!
	local line=
	read -r -t 10 line < "$work/ready" || true
	rm -f "$work/ready"
	[[ $line == listening ]]
}

# wait_issued FILE COUNT: waits (at most 30 s) for the pending client's "issued COUNT".
wait_issued() {
	for _ in $(seq 300); do
		grep -q "^issued $2\$" "$1" 2>/dev/null && return 0
		kill -0 "$cpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

server_killed() {
	local protseq=$1 ep=$2 addr=$3 count=$4
	if ! start_server "$protseq" "$ep"; then
		check "$protseq, $count pending: the server listens" false
		check "$protseq, $count pending: every call fails with 1726" false
		check "$protseq, $count pending: promptly" false
		return
	fi
	check "$protseq, $count pending: the server listens" true
	"$pending" "$protseq" "$addr" "$ep" "$count" 30000 > "$work/pending.out" 2> "$work/pending.err" &
	cpid=$!
	wait_issued "$work/pending.out" "$count"
	sleep 0.3 # let the requests reach the server
	local t0 t1 cst
	t0=$(ms)
	kill -9 "$spid"
	wait "$spid" 2>/dev/null
	spid=
	# Bounded: a lost connection must never leave a call hanging.
	for _ in $(seq 100); do
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	t1=$(ms)
	kill -9 "$cpid" 2>/dev/null
	wait "$cpid"
	cst=$?
	cpid=
	check "$protseq, $count pending: every call fails with 1726 (RPC_S_CALL_FAILED)" \
		'[ $cst = 0 ] && [ "$(sed -n 2p "$work/pending.out")" = "1726 $count" ] && sed -n 3p "$work/pending.out" | grep -q "^done in" && ! [ -s "$work/pending.err" ]'
	echo "# $protseq, $count pending: the client saw every call fail $((t1 - t0)) ms after the kill"
	check "$protseq, $count pending: within a second of the kill" '[ $((t1 - t0)) -lt 1000 ]'
	[[ -s $work/pending.err ]] && sed 's/^/# client: /' "$work/pending.err" | head -5
	rm -f "$XDG_RUNTIME_DIR/ridl/$ep"
}

client_killed() {
	local protseq=$1 ep=$2 addr=$3
	start_server "$protseq" "$ep"
	check "$protseq, client killed: the server listens" '[ -n "$spid" ] && kill -0 "$spid"'
	"$pending" "$protseq" "$addr" "$ep" 100 1000 > "$work/pending.out" 2> "$work/pending.err" &
	cpid=$!
	wait_issued "$work/pending.out" 100
	sleep 0.3
	kill -9 "$cpid"
	wait "$cpid" 2>/dev/null
	cpid=
	# The server completes the orphaned calls a second later, while serving a new client.
	timeout 30 "$client" "$protseq" "$addr" "$ep" > "$work/client.out" 2> "$work/client.err"
	local cst=$?
	check "$protseq, client killed: a fresh client gets every reply" '[ $cst = 0 ] && [ "$(cat "$work/client.out")" = "$expected" ]'
	local sst=124
	for _ in $(seq 100); do
		if ! kill -0 "$spid" 2>/dev/null; then
			wait "$spid"
			sst=$?
			break
		fi
		sleep 0.1
	done
	check "$protseq, client killed: the server exits 0 after Shutdown" '[ $sst = 0 ]'
	[[ $sst = 124 ]] && kill -9 "$spid" 2>/dev/null
	spid=
	[[ -s $work/server.err ]] && sed 's/^/# server: /' "$work/server.err" | head -20
}

port=$((20000 + RANDOM % 12000))
for count in 1 100 1000; do
	server_killed ncacn_ip_tcp "$port" 127.0.0.1 "$count"
	port=$((port + 1))
	server_killed ncalrpc "jobs-kill-$count" "" "$count"
done
client_killed ncacn_ip_tcp "$port" 127.0.0.1
client_killed ncalrpc jobs-kill-client ""
exit $fail
