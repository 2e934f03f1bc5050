#!/bin/bash
# toe-echo against unmodified Linux peers, over veth and over the virtio-net
# pair: Linux's nc and socat as clients of the toe server, and as echo
# servers for the toe client.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
t_expect 55

port=7000

# A server for one connection on side A; sets server_pid.
start_server() {
	ex_bg "$EX_LOGS/server-$TOPO_KIND-$1.log" on_a "$EX_BIN/toe-echo" server --verbose --count 1 \
		"$TOPO_IP_A:$port"
	server_pid=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/server-$TOPO_KIND-$1.log" '^listening on'
}

finish_server() {
	local log=$EX_LOGS/server-$TOPO_KIND-$1.log rc=0
	ex_wait_pid "$server_pid" 60 || rc=$?
	ex_show "$log"
	((rc == 0)) || t_fail "toe-echo server exited with $rc"
	grep -q '^served 1 connection' "$log" || t_fail "the server did not serve the connection"
}

case_nc_client() {
	local sent=$EX_TMP/lines got=$EX_TMP/nc.out
	start_server nc
	seq -f 'line %g through named buffers' 1 200 >"$sent"
	# -N: shut the socket down at the end of the input, so the server
	# sees FIN and closes; nc then leaves at the server's FIN.
	on_b timeout 60 nc -N "$TOPO_IP_A" "$port" <"$sent" >"$got"
	ex_same "$sent" "$got" nc
	finish_server nc
}

case_socat_client() {
	local sent got=$EX_TMP/socat.out
	sent=$(ex_file echo-4M 4M)
	start_server socat
	# 4 MiB is more than the server's named buffers hold at once: the
	# echo goes through flow control on both legs.
	on_b timeout 120 socat -t 30 -b 65536 - "TCP:$TOPO_IP_A:$port,shut-down" <"$sent" >"$got"
	ex_same "$sent" "$got" socat
	finish_server socat
}

case_socat_server() {
	ex_bg "$EX_LOGS/socat-echo-$TOPO_KIND.log" on_b socat \
		"TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr,fork" PIPE
	wait_tcp_listen "$TOPO_NS_B" "$port"
	on_a timeout 120 "$EX_BIN/toe-echo" client --count 500 --size 300 "$TOPO_IP_B:$port"
}

case_nc_server() {
	local fifo=$EX_TMP/nc-loop
	rm -f "$fifo"
	mkfifo "$fifo"
	# openbsd nc has no -e: a fifo carries what it receives back to it.
	ex_bg "$EX_LOGS/nc-echo-$TOPO_KIND.log" on_b bash -c \
		"nc -l '$TOPO_IP_B' '$port' <'$fifo' | cat >'$fifo'"
	wait_tcp_listen "$TOPO_NS_B" "$port"
	on_a timeout 120 "$EX_BIN/toe-echo" client --count 200 --size 64 "$TOPO_IP_B:$port"
}

case_busy_poll_client() {
	ex_bg "$EX_LOGS/socat-echo-busy-$TOPO_KIND.log" on_b socat \
		"TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr,fork" PIPE
	wait_tcp_listen "$TOPO_NS_B" "$port"
	on_a timeout 120 "$EX_BIN/toe-echo" client --busy-poll --count 500 "$TOPO_IP_B:$port"
}

t_each_wire nc_client_to_toe_server case_nc_client
t_each_wire socat_client_to_toe_server case_socat_client
t_each_wire toe_client_to_socat_server case_socat_server
t_each_wire toe_client_to_nc_server case_nc_server
t_each_wire busy_poll_toe_client case_busy_poll_client
toe_load
t_finish
