#!/usr/bin/env bash
# End to end: a sample's server and client (idl-samples/NAME) as two processes, over TCP on
# 127.0.0.1 and over an ncalrpc (AF_UNIX) endpoint. The server says "listening" when it accepts
# calls; the client prints what its calls returned (compared with EXPECTED) and ends with
# Shutdown, after which the server exits 0.
#   tests/e2e/run-sample.sh NAME SERVER CLIENT EXPECTED
set -uo pipefail
name=$1
server=$2
client=$3
expected=$(cat "$4")
work=$(mktemp -d)
export XDG_RUNTIME_DIR=$work/run # a private ncalrpc socket directory
mkdir -m 700 "$XDG_RUNTIME_DIR"
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
echo "1..8"

# run PROTSEQ SERVER_ENDPOINT CLIENT_ADDRESS
run() {
	local protseq=$1 ep=$2 addr=$3
	mkfifo "$work/ready"
	"$server" "$protseq" "$ep" > "$work/ready" 2> "$work/server.err" &
	pid=$!
	local line=
	# Bounded: the server must say it listens within 10 s.
	read -r -t 10 line < "$work/ready" || true
	rm -f "$work/ready"
	check "$protseq: the server listens" '[ "$line" = listening ]'
	timeout 20 "$client" "$protseq" "$addr" "$ep" > "$work/client.out" 2> "$work/client.err"
	local cst=$?
	check "$protseq: the client's calls return the right values" '[ $cst = 0 ] && [ "$(cat "$work/client.out")" = "$expected" ]'
	local sst=124
	for _ in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			sst=$?
			break
		fi
		sleep 0.1
	done
	check "$protseq: Shutdown stops the server, which exits 0" '[ $sst = 0 ]'
	[[ $sst = 124 ]] && kill "$pid" 2>/dev/null
	pid=
	[[ -s $work/client.err ]] && sed 's/^/# client: /' "$work/client.err"
	[[ -s $work/server.err ]] && sed 's/^/# server: /' "$work/server.err"
}

port=$(( 20000 + RANDOM % 12000 ))
run ncacn_ip_tcp "$port" 127.0.0.1
run ncalrpc "$name-e2e" ""
check "ncalrpc: the server removed its socket" '[ ! -e "$XDG_RUNTIME_DIR/ridl/$name-e2e" ]'
"$client" ncacn_ip_tcp 127.0.0.1 "$port" > /dev/null 2> "$work/client.err"
check "no server: the client reports RPC_S_SERVER_UNAVAILABLE (1722)" 'grep -q "RPC exception 1722" "$work/client.err"'
exit $fail
