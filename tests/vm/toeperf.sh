#!/bin/bash
# toeperf over veth, each backend as client and as server against a kernel
# peer: every measure moves data, exits 0 and prints JSON that parses. A
# function check only; the numbers are not judged (make bench reports
# them). Run it with:
#
#   tests/vm/run tests/vm/toeperf.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/lib.sh
source "$here/examples/lib.sh"
t_expect 92

TOEPERF=$TOE_BUILD/tools/toeperf/toeperf
backends=(toe kernel kernel-epoll kernel-busypoll uring uring-sqpoll)

# check_json FILE JQ-EXPR WHAT: the file holds one JSON object for which
# the jq expression is true.
check_json() {
	jq -e "$2" "$1" >/dev/null || {
		cat "$1" >&2
		t_fail "$3"
	}
}

# start_server SIDE BACKEND PORT: a toeperf server on side a or b, two TCP
# ports from PORT and UDP echo on PORT.
start_server() {
	local side=$1 backend=$2 port=$3 ip
	[[ $side == a ]] && ip=$TOPO_IP_A || ip=$TOPO_IP_B
	ex_bg "$EX_LOGS/server-$backend-$side.log" "on_$side" "$TOEPERF" server \
		--backend "$backend" --connections 2 --udp "$ip:$port"
	ex_wait_line "$EX_LOGS/server-$backend-$side.log" '^toeperf server'
}

# measure SIDE BACKEND PORT NAME JQ-EXPR OPTIONS...: one client run on SIDE
# against the server on the other side.
measure() {
	local side=$1 backend=$2 port=$3 name=$4 expr=$5 ip out
	shift 5
	[[ $side == a ]] && ip=$TOPO_IP_B || ip=$TOPO_IP_A
	out=$EX_LOGS/$backend-$side-$name.json
	"on_$side" timeout 60 "$TOEPERF" client --backend "$backend" --json "$@" "$ip:$port" >"$out" ||
		t_fail "$backend $name: toeperf exited with $?"
	check_json "$out" "$expr" "$backend $name: no data moved"
	echo "  $backend on $side, $name: $(jq -r '"\(.transactions) transactions, \(.bytes) bytes"' "$out")"
}

# The backend on side A (where the engine is) as client of a kernel server
# on side B, then as server for a kernel client on side B.
case_backend() {
	local b=$1
	start_server b kernel 7200
	measure a "$b" 7200 pingpong-tcp '.transactions == 50 and .latency_ns.p50 > 0' \
		--mode pingpong --size 64 --count 50 --time 60
	measure a "$b" 7200 pingpong-udp '.transactions == 50' --mode pingpong --udp --count 50 --time 60
	measure a "$b" 7200 stream '.bytes > 0 and .bits_per_second > 0' --mode stream --time 0.3
	measure a "$b" 7200 rr-2 '.transactions == 100 and .connections == 2' \
		--mode rr --size 16K --connections 2 --count 50 --time 60
	measure a "$b" 7200 crr '.transactions == 10 and .cpu_ns.server != null' \
		--mode crr --count 10 --time 60
	if [[ $b == toe ]]; then
		check_json "$EX_LOGS/$b-a-stream.json" '.cpu_ns.engine != null' \
			"the engine thread's CPU time is missing"
	fi

	start_server a "$b" 7300
	measure b kernel 7300 "pingpong-to-$b" '.transactions == 50' --mode pingpong --count 50 --time 60
	measure b kernel 7300 "udp-to-$b" '.transactions == 50' --mode pingpong --udp --count 50 --time 60
	measure b kernel 7300 "stream-from-$b" '.bytes > 0' --mode stream --reverse --time 0.3
}

# on_veth BACKEND FUNCTION ARGS...: the case over veth. The engine is
# attached to A for the toe backend only: the others' traffic would only
# pass through it to the kernel.
on_veth() {
	local b=$1
	shift
	trap ex_down EXIT
	ex_up veth
	[[ $b == toe ]] || ex_detach
	"$@"
}

[[ -x $TOEPERF ]] || t_fail "$TOEPERF is not built: run 'make'"
for b in "${backends[@]}"; do
	t_case "$b" on_veth "$b" case_backend "$b"
done
toe_load
t_finish
