#!/usr/bin/env bash
# End to end: every fault path of a synchronous call, with faults_server and faults_client (and
# faults_garbage) as separate processes, over TCP on 127.0.0.1 and over ncalrpc. Each case
# compares the client's lines (each status numeric and by name, see faults_client.c) and then
# checks that the server still serves. The server's standard output is a pipe of events
# ("listening", "nap TAG entered", "nap TAG returned", "shutdown") read on fd 3.
#   tests/e2e/run-faults.sh SERVER CLIENT GARBAGE
set -uo pipefail
server=$1
client=$2
garbage=$3
work=$(mktemp -d)
export XDG_RUNTIME_DIR=$work/run # a private ncalrpc socket directory
mkdir -m 700 "$XDG_RUNTIME_DIR"
pid=       # the server
bgpids=()  # clients running in the background
cleanup() {
	local p
	for p in "${bgpids[@]}"; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [[ -n $pid ]]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	exec 3<&-
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; return 0; fi
	echo "not ok $n - $1"
	fail=1
	return 1
}
comment() { sed 's/^/# /' "$@"; }
now_ms() { local us=${EPOCHREALTIME/./}; echo $((us / 1000)); }

# wait_event LINE [COUNT [SECONDS]]: reads events until COUNT of them equal LINE, in SECONDS.
# Every event read goes to $work/events.log, shown when a check that waited fails.
wait_event() {
	local want=$1 count=${2:-1} deadline=$(( $(now_ms) + ${3:-20} * 1000 )) line left
	while ((count > 0)); do
		left=$(( deadline - $(now_ms) ))
		((left > 0)) || return 1
		read -r -t "$((left / 1000)).$(printf %03d $((left % 1000)))" -u 3 line || return 1
		echo "$line" >> "$work/events.log"
		[[ $line == "$want" ]] && count=$((count - 1))
	done
	return 0
}

# start_server: the server on $protseq/$ep, its events on fd 3; 1 if it does not listen.
start_server() {
	rm -f "$work/events"
	mkfifo "$work/events"
	"$server" "$protseq" "$ep" > "$work/events" 2> "$work/server.err" &
	pid=$!
	exec 3< "$work/events"
	wait_event listening 1 10
}

# stop_server: waits (bounded) for the server to exit; $sst is its status (124: it did not).
stop_server() {
	sst=124
	for _ in $(seq 300); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			sst=$?
			break
		fi
		sleep 0.1
	done
	if [[ $sst = 124 ]]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	pid=
	exec 3<&-
}

# run_client OUT ARGS...: the client with $protseq/$addr/$ep, bounded; $cst is its status.
run_client() {
	local out=$1
	shift
	timeout 30 "$client" "$protseq" "$addr" "$ep" "$@" > "$work/$out.out" 2> "$work/$out.err"
	cst=$?
}

# call DESCRIPTION EXPECTED ARGS...: one check that the client exits 0, prints exactly
# EXPECTED and nothing on stderr.
call() {
	local what=$1 expected=$2
	shift 2
	run_client call "$@"
	check "$protseq: $what" '[ $cst = 0 ] && [ "$(cat "$work/call.out")" = "$expected" ] && [ ! -s "$work/call.err" ]'
	if [[ $cst != 0 || "$(cat "$work/call.out")" != "$expected" ]]; then
		echo "# exit status $cst; expected:"
		echo "$expected" | sed 's/^/#   /'
		echo "# got:"
		sed 's/^/#   /' "$work/call.out"
	fi
	[[ -s $work/call.err ]] && comment "$work/call.err"
}

alive=100
alive() {
	alive=$((alive + 1))
	call "the server still serves (after $1)" "Echo($alive) = $alive" echo "$alive"
}

# strays: the children of this shell other than the server, each "PID(NAME)STATE".
strays() {
	strays=
	local f p c s pp rest
	for f in /proc/[0-9]*/stat; do
		read -r p c s pp rest 2>/dev/null < "$f" || continue
		[[ $pp == "$$" && $p != "$pid" ]] && strays+=" $p$c$s"
	done
	[[ -z $strays ]]
}

server_fds() {
	local fds=(/proc/"$pid"/fd/*)
	echo "${#fds[@]}"
}

# kill_mid_call COUNT MS TAG: COUNT clients call Nap(MS); once the server has entered all those
# managers they are killed at once. The server must serve a new client at once (the managers
# still run: MS leaves time to start the clients), let the managers return normally, and leave
# no process behind.
kill_mid_call() {
	local count=$1 ms=$2 tag=$3 i p st
	local -a pids=()
	for ((i = 0; i < count; i++)); do
		"$client" "$protseq" "$addr" "$ep" nap "$ms" "$tag" > /dev/null 2>&1 &
		pids+=($!)
	done
	bgpids=("${pids[@]}")
	wait_event "nap $tag entered" "$count" 60
	local wst=$?
	check "$protseq: $count Nap calls are in their managers" '[ $wst = 0 ]' || comment "$work/events.log"
	kill -9 "${pids[@]}"
	local t0 t1
	t0=$(now_ms)
	run_client running running
	t1=$(now_ms)
	echo "# a new client was served $((t1 - t0)) ms after the kill"
	check "$protseq: after $count clients are killed mid-call, a new client is served within 1 s, while their managers run" \
		'[ $cst = 0 ] && [ "$(cat "$work/running.out")" = "Running() = $count" ] && [ $((t1 - t0)) -lt 1000 ]'
	local killed=0
	for p in "${pids[@]}"; do
		wait "$p"
		st=$?
		[[ $st = 137 ]] && killed=$((killed + 1))
	done
	bgpids=()
	check "$protseq: the $count clients died of SIGKILL" '[ $killed = $count ]'
	wait_event "nap $tag returned" "$count" 30
	wst=$?
	check "$protseq: the $count orphaned managers returned normally" '[ $wst = 0 ]' ||
		comment "$work/events.log"
	# The killed clients were reaped above (their status was 137); none of this shell's
	# children is left but the server, which is alive (not a zombie, not gone).
	check "$protseq: no leftover process after the kill, and the server lives" \
		'strays && [[ $(server_state) == [RSD] ]]'
	[[ -n $strays ]] && echo "# strays:$strays"
	call "no Nap manager runs any more" "Running() = 0" running
}

server_state() {
	local p c s rest
	read -r p c s rest 2>/dev/null < "/proc/$pid/stat" || s=gone
	echo "$s"
}

# suite PROTSEQ ENDPOINT ADDRESS GARBAGE_TARGET...
suite() {
	protseq=$1 ep=$2 addr=$3
	shift 3
	local -a target=("$@")
	: > "$work/events.log"
	start_server
	local wst=$?
	check "$protseq: the server listens" '[ $wst = 0 ]'
	local fds0
	fds0=$(server_fds)

	# 1. The server does not offer the interface: bind_ack (or alter_context_resp) with
	# provider_rejection, reason 1 "abstract syntax not supported" (wire-notes section 2),
	# which the client reports as RPC_S_UNKNOWN_IF (runtime/client.c context_for; MS-RPCE:
	# nca_s_unk_if is the same condition in a fault, wire-notes section 4).
	call "unknown interface, major version 2, minor version 1: refused at bind with 1717" \
"OtherEcho(1): exception 1717 RPC_S_UNKNOWN_IF
NextEcho(2): exception 1717 RPC_S_UNKNOWN_IF
NewerEcho(3): exception 1717 RPC_S_UNKNOWN_IF" unknown-if
	alive "bind rejections"
	call "the same refused at alter_context on a bound connection with 1717; the binding then reconnects" \
"Echo(1) = 1
OtherEcho(2): exception 1717 RPC_S_UNKNOWN_IF
Echo(3) = 3
NextEcho(4): exception 1717 RPC_S_UNKNOWN_IF
Echo(5) = 5
NewerEcho(6): exception 1717 RPC_S_UNKNOWN_IF
Echo(7) = 7" alter
	alive "alter_context rejections"

	# 2. An opnum past the server's last procedure: fault nca_s_op_rng_error, which the
	# client maps to RPC_S_PROCNUM_OUT_OF_RANGE (wire-notes section 4). The binding's next
	# calls are served.
	call "an opnum beyond the interface: 1745, then the binding's next calls are served" \
"SkewBeyond(): exception 1745 RPC_S_PROCNUM_OUT_OF_RANGE
SkewEcho(5) = 5
Echo(6) = 6" opnum
	alive "a bad opnum"

	# 3. A manager's RpcRaiseException code reaches the client unchanged (wire-notes
	# section 4, "any other status passes to the client unchanged"), except the codes
	# MS-RPCE 3.3.3.5.1 forbids in a fault (STATUS_ACCESS_VIOLATION 0xC0000005 among them),
	# sent as nca_s_fault_unspec, RPC_S_CALL_FAILED at the client. Through a [fault_status]
	# return value the code is returned instead of raised, and [comm_status] is left alone;
	# after a normal return both are 0.
	call "a manager's exception: its code, raised or in [fault_status]; [comm_status] unset" \
"Raise(0x12345): exception 74565 (an application's code)
Raise(RPC_S_ACCESS_DENIED): exception 5 RPC_S_ACCESS_DENIED
Raise(0xC0000005): exception 1726 RPC_S_CALL_FAILED
RaiseStatus(74565) = 74565 (an application's code), comm_status unset
RaiseStatus(5) = 5 RPC_S_ACCESS_DENIED, comm_status unset
RaiseStatus(0) = 0 RPC_S_OK, comm_status 0 RPC_S_OK
Echo(7) = 7" raise
	alive "manager exceptions"

	# 4. Stub data the server's stub cannot take: fewer bytes than a hyper, a value outside
	# [range], a conformant array's max_count that disagrees with its size_is or with the
	# bytes that follow. MS-RPCE 3.1.3.5.2 (wire-notes section 4): a server reports an
	# invalid octet stream with the fault status RPC_X_BAD_STUB_DATA (0x6F7), whatever the
	# decoder's own reason (runtime/server.c unmarshal_fault). The same declarations with
	# consistent values are served (SkewLimited(10), max_count 4), so the faults come from
	# the values, not from the client's declarations. faults.idl's own client stub sends
	# values outside [range] as they are (the receiver checks them, as MIDL's stubs do) and
	# raises what it cannot marshal: a negative size_is RPC_X_INVALID_BOUND (1734, the same
	# number as RPC_S_INVALID_BOUND), a NULL [ref] pointer RPC_X_NULL_REF_POINTER (1780).
	call "bad stub data: 1783 for each inconsistency, then the binding's next call is served" \
"Widen(21) = 42
SkewWiden(21): exception 1783 RPC_X_BAD_STUB_DATA
SkewLimited(10) = 10
SkewLimited(11): exception 1783 RPC_X_BAD_STUB_DATA
SkewLimited(-1): exception 1783 RPC_X_BAD_STUB_DATA
SkewTotal(n 4, max_count 4) = 10
SkewTotal(n 4, max_count 3): exception 1783 RPC_X_BAD_STUB_DATA
SkewTotal(n 4, max_count 1000): exception 1783 RPC_X_BAD_STUB_DATA
SkewTotal(n 1000, max_count 1000): exception 1783 RPC_X_BAD_STUB_DATA
Limited(11): exception 1783 RPC_X_BAD_STUB_DATA
Total(65): exception 1783 RPC_X_BAD_STUB_DATA
Total(-1): exception 1734 RPC_S_INVALID_BOUND
Total(3, NULL): exception 1780 RPC_X_NULL_REF_POINTER
Echo(8) = 8" bad-stub
	alive "bad stub data"

	# 6. RPC_C_OPT_CALL_TIMEOUT 200 ms against a 2 s manager: RPC_S_CALL_CANCELLED
	# (docs/runtime-api.md, "Calls"), the connection is closed and the binding's next call
	# opens a new one. The manager itself runs to its end.
	call "a 200 ms call timeout: 1818, then the same binding reconnects" \
"RPC_C_OPT_CALL_TIMEOUT: status 0, 200 ms
Nap(2000): exception 1818 RPC_S_CALL_CANCELLED
Echo(9) = 9" timeout 2000 6
	wait_event "nap 6 returned" 1 30
	wst=$?
	check "$protseq: the timed-out call's manager returned normally" '[ $wst = 0 ]' ||
		comment "$work/events.log"
	alive "a call timeout"

	# 7. Clients killed during their calls.
	kill_mid_call 1 3000 71 2>/dev/null # no "Killed" job notices
	alive "one client killed mid-call"
	kill_mid_call 20 4000 72 2>/dev/null
	alive "20 clients killed mid-call"

	# 8. Garbage from other peers does not disturb a call in progress nor a client calling
	# in a loop meanwhile.
	"$client" "$protseq" "$addr" "$ep" nap 1500 81 > "$work/nap.out" 2> "$work/nap.err" &
	local nap_pid=$!
	bgpids=("$nap_pid")
	wait_event "nap 81 entered" 1 30
	wst=$?
	check "$protseq: a Nap call is in its manager" '[ $wst = 0 ]' || comment "$work/events.log"
	"$client" "$protseq" "$addr" "$ep" echo-loop 300 > "$work/loop.out" 2> "$work/loop.err" &
	local loop_pid=$!
	bgpids+=("$loop_pid")
	timeout 60 "$garbage" "${target[@]}" 25 > "$work/garbage.out" 2> "$work/garbage.err"
	local gst=$?
	check "$protseq: 200 connections sent garbage and closed" \
		'[ $gst = 0 ] && [ "$(cat "$work/garbage.out")" = "200 connections sent garbage" ]' ||
		comment "$work/garbage.out" "$work/garbage.err"
	wait "$loop_pid"
	local lst=$?
	check "$protseq: meanwhile 300 calls on one binding all returned" \
		'[ $lst = 0 ] && [ "$(cat "$work/loop.out")" = "Echo x 300: each returned its argument" ] && [ ! -s "$work/loop.err" ]' ||
		comment "$work/loop.out" "$work/loop.err"
	wait "$nap_pid"
	local nst=$?
	bgpids=()
	check "$protseq: a call in progress meanwhile returned" \
		'[ $nst = 0 ] && [ "$(cat "$work/nap.out")" = "Nap(1500) = 1500" ] && [ ! -s "$work/nap.err" ]' ||
		comment "$work/nap.out" "$work/nap.err"
	alive "garbage"

	# Every connection of the cases above is gone: the server holds as many descriptors as
	# when it started (bounded wait: it closes a connection once it sees its end).
	local fds=
	for _ in $(seq 100); do
		fds=$(server_fds)
		[[ $fds = "$fds0" ]] && break
		sleep 0.1
	done
	check "$protseq: the server holds no descriptor of a finished connection ($fds, at start $fds0)" \
		'[ "$fds" = "$fds0" ]'

	call "Shutdown" "Shutdown() returned" shutdown
	wait_event shutdown 1 10
	stop_server
	check "$protseq: the server stops listening after Shutdown and exits 0" '[ $sst = 0 ]'
	check "$protseq: the server wrote nothing on stderr (no sanitizer report)" '[ ! -s "$work/server.err" ]' ||
		comment "$work/server.err"

	# 5. Nobody serves the endpoint: RPC_S_SERVER_UNAVAILABLE for a refused TCP connection
	# and for an ncalrpc socket file that does not exist (runtime/transport.c
	# unix_connect_status), in a [comm_status] parameter as well.
	local sock=$XDG_RUNTIME_DIR/ridl/$ep
	[[ $protseq = ncalrpc ]] && check "ncalrpc: the server removed its socket file" '[ ! -e "$sock" ]'
	local down="Echo(10): exception 1722 RPC_S_SERVER_UNAVAILABLE
RaiseStatus(74565) returned, comm_status 1722 RPC_S_SERVER_UNAVAILABLE"
	call "no server: 1722, raised or in [comm_status]" "$down" down

	# The server dies during a call: the connection breaks before the reply, RPC_S_CALL_FAILED
	# (docs/runtime-api.md: "the connection broke during the call: it may have executed").
	# Afterwards an ncalrpc socket file stays behind, refusing connections: 1722 again; a new
	# server takes the endpoint over.
	start_server
	wst=$?
	check "$protseq: a second server listens" '[ $wst = 0 ]'
	run_client nap nap 1500 91 &
	local napc=$!
	bgpids=("$napc")
	wait_event "nap 91 entered" 1 30
	wst=$?
	check "$protseq: a Nap call is in its manager" '[ $wst = 0 ]' || comment "$work/events.log"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	exec 3<&-
	wait "$napc"
	bgpids=()
	check "$protseq: the server killed during a call: 1726" \
		'[ "$(cat "$work/nap.out")" = "Nap(1500): exception 1726 RPC_S_CALL_FAILED" ] && [ ! -s "$work/nap.err" ]' ||
		comment "$work/nap.out" "$work/nap.err"
	[[ $protseq = ncalrpc ]] && check "ncalrpc: the killed server's socket file stays" '[ -S "$sock" ]'
	call "a killed server: 1722, raised or in [comm_status]" "$down" down
	start_server
	wst=$?
	check "$protseq: a new server takes the endpoint over" '[ $wst = 0 ]'
	alive "a restart"
	call "Shutdown of the new server" "Shutdown() returned" shutdown
	wait_event shutdown 1 10
	stop_server
	check "$protseq: the new server exits 0, with nothing on stderr" '[ $sst = 0 ] && [ ! -s "$work/server.err" ]' ||
		comment "$work/server.err"
}

port=$(( 20000 + RANDOM % 12000 ))
suite ncacn_ip_tcp "$port" 127.0.0.1 tcp 127.0.0.1 "$port"
suite ncalrpc faults-e2e "" unix "$XDG_RUNTIME_DIR/ridl/faults-e2e"
echo "1..$n"
exit $fail
