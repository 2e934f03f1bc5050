#!/bin/bash
# toe-recvfile over veth: 64 MiB from socat to toe and 64 MiB from toe to
# python3, each checked by SHA-256. recvfile-virtio-in.sh and -out.sh swap
# the peers, so each peer meets each direction on one wire. (256 MiB each
# way over veth is recvfile-netem-in.sh and -out.sh's job, through netem;
# this clean-wire pass stays short so make check does.)
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
TOE_EXAMPLES_BYTES=${TOE_EXAMPLES_BYTES:-64M}
# shellcheck source=recvfile.bash
source "$(dirname "${BASH_SOURCE[0]}")/recvfile.bash"
# Two transfers of EX_BYTES and one of 8 MiB through tiny buffers.
t_expect $((25 + $(t_mib "$EX_BYTES") / 4))
# 256 named buffers of 1 KiB: completions come faster than the request
# queue drains, and must still reach the application in order (libtoe
# once rotated them while it waited for room in a full request queue).
case_tiny_buffers_stay_in_order() {
	local file
	file=$(ex_file tiny 8M)
	rx_log=$EX_LOGS/receive-tiny.log
	ex_bg "$rx_log" on_a "$EX_BIN/toe-recvfile" receive --region-size 256K \
		--buffers 256 --bytes 8M --expect-sha256 "$(ex_sha256 "$file")" \
		"$TOPO_IP_A:$port"
	rx_pid=$EX_LAST_PID
	ex_wait_line "$rx_log" '^listening on'
	on_b socat -u "FILE:$file" "TCP:$TOPO_IP_A:$port"
	finish_receiver
}

t_each_wire socat_to_toe case_socat_to_toe
t_each_wire toe_to_python case_toe_to_python
t_each_wire completions_in_order_with_tiny_buffers case_tiny_buffers_stay_in_order
toe_load
t_finish
