#!/usr/bin/env bash
# Interop: the calc sample's ridl clients call an independent server written with
# python3-impacket's PDU and NDR classes (impacket_server.py) over TCP on 127.0.0.1. The client
# must print the expected results (impacket encoded the replies); the server checks that the
# arguments it decoded are what the client passes, and prints its own TAP lines, numbered here.
#   calc        calc_client against the server;
#   calc-frag   the same, the server sending every reply in fragments of 8 bytes of stub data;
#   sum         calc_sum_client (Sum of 1024 values), the server answering the bind with
#               2048-byte fragments, so that the client sends the call in three fragments.
#   tests/interop/run-impacket-server.sh CALC_CLIENT CALC_SUM_CLIENT
# Debian's impacket imports only under /usr/bin/python3; without it the test is skipped.
set -uo pipefail
calc_client=$1
calc_sum_client=$2
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import impacket.dcerpc.v5.rpcrt' 2>/dev/null; then
	echo "1..0 # SKIP python3-impacket is not installed"
	exit 0
fi
work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
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

calc_expected='Add(2, 40) = 42
Sum(1..10) = 55
Evaluate(MUL, 6, 7) = 42 "product 42"
Shutdown sent'
sum_expected='Sum(1..1024) = 524800
Shutdown sent'

# run NAME CLIENT EXPECTED SERVER_ARGS...
run() {
	local name=$1 client=$2 expected=$3
	shift 3
	local out=$work/$name.server.out port= cst=1 sst=124 i line
	/usr/bin/python3 "$here/impacket_server.py" "$@" > "$out" 2> "$work/$name.server.err" &
	pid=$!
	# The server prints its port first; bounded wait.
	for i in $(seq 100); do
		port=$(head -n 1 "$out")
		[[ -n $port ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -n $port ]]; then
		timeout 30 "$client" ncacn_ip_tcp 127.0.0.1 "$port" > "$work/$name.client.out" \
			2> "$work/$name.client.err"
		cst=$?
	fi
	for i in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			sst=$?
			break
		fi
		sleep 0.1
	done
	[[ $sst == 124 ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
	check "$name: the ridl client prints the results impacket encoded" \
		'[[ -n $port && $cst == 0 && $(cat "$work/$name.client.out") == "$expected" ]]'
	if [[ -f $work/$name.client.out && $(cat "$work/$name.client.out") != "$expected" ]]; then
		sed 's/^/# client: /' "$work/$name.client.out"
	fi
	[[ -s $work/$name.client.err ]] && sed 's/^/# client: /' "$work/$name.client.err"
	[[ -s $work/$name.server.err ]] && sed 's/^/# server: /' "$work/$name.server.err"
	# The server's verdicts, after its port line.
	local verdicts=0
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); verdicts=$((verdicts + 1)); echo "ok $n - $name: ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); verdicts=$((verdicts + 1))
			echo "not ok $n - $name: ${line#not ok - }"; fail=1 ;;
		*) echo "$line" ;;
		esac
	done < <(tail -n +2 "$out")
	check "$name: the server checked the session and exited 0 ($verdicts checks)" \
		'[[ $sst == 0 && $verdicts -ge 4 ]]'
}

run calc "$calc_client" "$calc_expected" calc
run calc-frag "$calc_client" "$calc_expected" calc --response-frag 8
run sum "$calc_sum_client" "$sum_expected" sum --max-frag 2048
echo "1..$n"
exit $fail
