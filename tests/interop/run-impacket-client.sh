#!/usr/bin/env bash
# Interop: python3-impacket's DCE/RPC client calls the calc sample's ridl server over TCP on
# 127.0.0.1 (impacket_client.py checks the values), and the server exits 0 after Shutdown.
#   tests/interop/run-impacket-client.sh CALC_SERVER
# Debian's impacket imports only under /usr/bin/python3; without it the test is skipped.
set -uo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import impacket.dcerpc.v5.rpcrt' 2>/dev/null; then
	echo "1..0 # SKIP python3-impacket is not installed"
	exit 0
fi
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 12000))
mkfifo "$work/ready"
"$server" ncacn_ip_tcp "$port" > "$work/ready" &
pid=$!
line=
read -r -t 10 line < "$work/ready" || true
if [[ $line != listening ]]; then
	echo "1..1"
	echo "not ok 1 - the calc server did not start"
	exit 1
fi
timeout 30 /usr/bin/python3 "$here/impacket_client.py" "$port"
status=$?
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	echo "# the server did not stop after Shutdown"
	status=1
else
	wait "$pid" || status=1
fi
pid=
exit $status
