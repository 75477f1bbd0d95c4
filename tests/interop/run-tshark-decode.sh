#!/usr/bin/env bash
# Interop: Wireshark's DCE/RPC dissector decodes ridl's traffic. pcap_relay.py sits between a
# client and a server on 127.0.0.1 and records the connection as a pcap file; tshark_check.py
# runs tshark on it and checks the PDUs (see there for the list). Captures:
#   calc       calc_client and calc_server;
#   calc-sum   calc_sum_client and calc_server, the relay lowering the bind's fragment sizes to
#              2048 so that the 4104 bytes of Sum(1024 values) travel in three fragments;
#   inventory  inventory_client and inventory_server (structs, unions, strings, pointers);
#   context    impacket_context_client.py and calc_server: alter_context, a rejected context,
#              a fault (skipped without python3-impacket).
#   tests/interop/run-tshark-decode.sh CALC_SERVER CALC_CLIENT CALC_SUM_CLIENT \
#       INVENTORY_SERVER INVENTORY_CLIENT
# TAP, with the plan at the end. Without tshark the test is skipped.
set -uo pipefail
calc_server=$1
calc_client=$2
calc_sum_client=$3
inventory_server=$4
inventory_client=$5
if ! command -v tshark > /dev/null; then
	echo "1..0 # SKIP tshark is not installed"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=
relay_pid=
cleanup() {
	[[ -n $relay_pid ]] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
	[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
# wait_exit PID: waits up to 10 s for PID to exit and sets $status to its exit status (124 if
# it had to be killed).
wait_exit() {
	local i
	for i in $(seq 100); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			status=$?
			return
		fi
		sleep 0.1
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	status=124
}

# capture NAME SERVER EXPECTED RELAY_OPTIONS... -- CLIENT_COMMAND...: runs SERVER on a free
# port, the relay in front of it and the client (its last argument is the relay's port), checks
# the client's output and the server's exit, then the capture.
capture() {
	local name=$1 server=$2 expected=$3
	shift 3
	local relay_opts=()
	while [[ $1 != -- ]]; do relay_opts+=("$1"); shift; done
	shift
	local port line= rport= cst=1 rst=1 sst=1 status try
	# A random port may be taken: up to three tries.
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 12000))
		mkfifo "$work/ready"
		"$server" ncacn_ip_tcp "$port" > "$work/ready" 2> "$work/$name.server.err" &
		server_pid=$!
		read -r -t 10 line < "$work/ready" || true
		rm -f "$work/ready"
		[[ $line == listening ]] && break
		wait_exit "$server_pid"
		server_pid=
	done
	if [[ $line == listening ]]; then
		mkfifo "$work/ready"
		/usr/bin/python3 "$here/pcap_relay.py" "$work/$name.pcap" "$port" --timeout 40 \
			"${relay_opts[@]}" > "$work/ready" 2> "$work/$name.relay.err" &
		relay_pid=$!
		read -r -t 10 rport < "$work/ready" || true
		rm -f "$work/ready"
	fi
	if [[ -n $rport ]]; then
		timeout 30 "$@" "$rport" > "$work/$name.client.out" 2> "$work/$name.client.err"
		cst=$?
		wait_exit "$relay_pid"
		rst=$status
		relay_pid=
	fi
	wait_exit "$server_pid"
	sst=$status
	server_pid=
	local got=
	[[ -f $work/$name.client.out ]] && got=$(cat "$work/$name.client.out")
	check "$name: the server listens, the relay forwards, the client prints the expected results" \
		'[[ $line == listening && -n $rport && $cst == 0 && $got == "$expected" ]]'
	check "$name: the relay sees both sides close and the server exits 0 after Shutdown" \
		'[[ $rst == 0 && $sst == 0 ]]'
	local f
	[[ $got != "$expected" ]] && sed "s|^|# client: |" <<< "$got"
	for f in "$work/$name".{client.err,server.err,relay.err}; do
		[[ -s $f ]] && sed "s|^|# ${f##*/}: |" "$f"
	done
	if [[ ! -s $work/$name.pcap ]]; then
		n=$((n + 1))
		echo "not ok $n - $name: the relay wrote no capture"
		fail=1
		return
	fi
	run_checker "$name" "$work/$name.pcap" "$port"
	if [[ $name == calc ]]; then
		run_checker --self-test "$name" "$work/$name.pcap" "$port"
	fi
}

run_checker() {
	local line status=
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); echo "ok $n - ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); echo "not ok $n - ${line#not ok - }"; fail=1 ;;
		"exit "*) status=${line#exit } ;;
		*) echo "$line" ;;
		esac
	done < <(timeout 60 /usr/bin/python3 "$here/tshark_check.py" "$@"; echo "exit $?")
	if [[ $status != 0 ]]; then
		fail=1
		[[ $status == 1 ]] || { n=$((n + 1)); echo "not ok $n - tshark_check.py $* exited $status"; }
	fi
}

capture calc "$calc_server" "Add(2, 40) = 42
Sum(1..10) = 55
Evaluate(MUL, 6, 7) = 42 \"product 42\"
Shutdown sent" -- "$calc_client" ncacn_ip_tcp 127.0.0.1

capture calc-sum "$calc_server" "Sum(1..1024) = 524800
Shutdown sent" --max-frag 2048 -- "$calc_sum_client" ncacn_ip_tcp 127.0.0.1

capture inventory "$inventory_server" "AddItems: 3 stored, count 5000000000, 12.5 kg
Find(bolts) = 0: id 1 \"bolts\" 0.25 count 5000000000 shelf 17
Find(nothing) = -1, NULL
Shutdown sent" -- "$inventory_client" ncacn_ip_tcp 127.0.0.1

if /usr/bin/python3 -c 'import impacket.dcerpc.v5.rpcrt' 2>/dev/null; then
	capture context "$calc_server" "alter_context inventory 1.0: rejected
Add(2, 40) on context 1 = 42
opnum 9: nca_s_op_rng_error
Add(2, 40) on context 0 = 42
Shutdown sent" -- /usr/bin/python3 "$here/impacket_context_client.py"
else
	n=$((n + 1))
	echo "ok $n # SKIP context: python3-impacket is not installed"
fi
echo "1..$n"
exit $fail
