#!/bin/bash
# No syscalls on the data path: 10,000 request/response exchanges between
# toe-echo (busy-polling its completion queue) and a Linux echo server,
# traced with strace -f, make at most 10 syscalls after setup. The engine
# is attached with a long busy-poll period, so it never sleeps between
# exchanges and no kick is ever needed.
#
# At most one when the application sleeps: 2,000 exchanges of a toe-echo
# client that waits in the kernel, with the engine asleep between them
# (no busy-poll period, wait mode inline), make at most one syscall each
# (plus 10): the wait's TOE_IOC_ENTER carries the kick for the request.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

port=7400
exchanges=${TOE_EXAMPLES_EXCHANGES:-10000}
t_expect $((10 + exchanges / 1000))
limit=10

# The syscalls between the client's two marker writes, one line each.
between_markers() {
	awk '/exchanges begin/ { on = 1; next }
	     /exchanges end/ { on = 0 }
	     on && !/^[0-9]+ +(---|\+\+\+)/ && !/resumed>/' "$1"
}

case_syscalls() {
	trap ex_down EXIT
	ex_up veth --poll-idle-us 1000000
	ex_bg "$EX_LOGS/socat-echo.log" on_b socat \
		"TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr,fork" PIPE
	wait_tcp_listen "$TOPO_NS_B" "$port"

	local trace=$EX_LOGS/strace.txt
	on_a strace -f -qq -o "$trace" "$EX_BIN/toe-echo" client --busy-poll --mark \
		--count "$exchanges" "$TOPO_IP_B:$port"
	grep -q 'exchanges begin' "$trace" || t_fail "no begin marker in the trace"
	grep -q 'exchanges end' "$trace" || t_fail "no end marker in the trace"

	local calls n
	calls=$(between_markers "$trace")
	n=$(grep -c . <<<"$calls" || true)
	echo "syscalls during $exchanges exchanges: $n (limit $limit)"
	if ((n)); then
		echo "by name:"
		sed -E 's/^[0-9]+ +//; s/\(.*//' <<<"$calls" | sort | uniq -c | sort -rn
	fi
	echo "whole run, setup included:"
	sed -E 's/^[0-9]+ +//; s/\(.*//' "$trace" | grep -E '^[a-z_0-9]+$' | sort | uniq -c |
		sort -rn | head -20
	((n <= limit)) || t_fail "$n syscalls during the exchanges"
}

# count_syscalls TRACE: the syscalls between the markers, with a summary.
count_syscalls() {
	local calls n
	calls=$(between_markers "$1")
	n=$(grep -c . <<<"$calls" || true)
	if ((n)); then
		echo "by name:" >&2
		sed -E 's/^[0-9]+ +//; s/\(.*//' <<<"$calls" | sort | uniq -c | sort -rn | head >&2
	fi
	echo "$n"
}

case_syscalls_sleeping() {
	trap ex_down EXIT
	ex_up veth
	ex_bg "$EX_LOGS/socat-echo-sleeping.log" on_b socat \
		"TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr,fork" PIPE
	wait_tcp_listen "$TOPO_NS_B" "$port"

	local trace=$EX_LOGS/strace-sleeping.txt count=2000 n
	on_a strace -f -qq -o "$trace" "$EX_BIN/toe-echo" client --mark \
		--count "$count" "$TOPO_IP_B:$port"
	grep -q 'exchanges end' "$trace" || t_fail "no end marker in the trace"
	n=$(count_syscalls "$trace")
	echo "syscalls during $count sleeping exchanges: $n (limit $((count + limit)))"
	((n <= count + limit)) || t_fail "$n syscalls during $count exchanges"
}

t_case syscalls_per_10000_exchanges case_syscalls
t_case syscalls_per_sleeping_exchange case_syscalls_sleeping
toe_load
t_finish
