#!/bin/bash
# Device faults: the engine's link going down and up in the middle of a
# transfer (the connection survives: the outage is well within the RTO
# budget), the veth deleted under load (the engine detaches, the
# application gets its completions and ends, nothing leaks), and rmmod
# refused while the module is in use, clean afterwards.
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bytes=${TOE_FAULT_BYTES:-16M}
t_expect $((20 + $(t_mib "$bytes") / 2))

counters() {
	echo "pinned_pages=$(toe_counter pinned_pages) ring_pages=$(toe_counter ring_pages)" \
		"contexts=$(toe_counter contexts) engines=$(toe_counter engines)"
}

case_link_flap() {
	local port=7700 rx=$EX_LOGS/flap-receive.log tx=$EX_LOGS/flap-send.log
	trap ex_down EXIT
	ex_up veth
	# slow enough that the flap lands in the middle
	topo_netem "$TOPO_NS_B" "$TOPO_IF_B" rate 40mbit
	ex_bg "$rx" on_a "$EX_BIN/toe-recvfile" receive --threshold 1M \
		--region-size 16M --bytes "$bytes" "$TOPO_IP_A:$port"
	local receiver=$EX_LAST_PID
	ex_wait_line "$rx" '^listening on'
	ex_bg "$tx" on_b python3 -c "$fault_py_send" "$TOPO_IP_A" "$port" \
		"$(numfmt --from=iec "$bytes")" 21
	local sender=$EX_LAST_PID
	ex_wait_line "$rx" '^receiving from'
	sleep 1
	on_a ip link set "$TOPO_IF_A" down
	echo "link down: engines=$(toe_counter engines)"
	sleep 1
	on_a ip link set "$TOPO_IF_A" up
	echo "link up"
	ex_wait_pid "$receiver" 600 || t_fail "the receiver did not survive the flap"
	ex_wait_pid "$sender" 60 || t_fail "the sender did not finish"
	ex_show "$rx"
	fault_same_stream "$tx" "$rx"
}

case_veth_deleted_under_load() {
	local port=7710 rx=$EX_LOGS/del-receive.log
	trap ex_down EXIT
	ex_up veth
	topo_netem "$TOPO_NS_B" "$TOPO_IF_B" rate 40mbit
	ex_bg "$rx" on_a "$EX_BIN/toe-recvfile" receive --threshold 1M \
		--region-size 16M --bytes 256M "$TOPO_IP_A:$port"
	local receiver=$EX_LAST_PID
	ex_wait_line "$rx" '^listening on'
	ex_bg "$EX_LOGS/del-send.log" on_b python3 -c "$fault_py_send" "$TOPO_IP_A" "$port" \
		$((256 << 20)) 21
	ex_wait_line "$rx" '^receiving from'
	sleep 1
	echo "under load: $(counters)"
	on_a ip link del "$TOPO_IF_A"
	echo "veth deleted"
	# The application is told (its buffers come back with an error) and
	# ends by itself: no hang, no kill.
	local rc=0
	ex_wait_pid "$receiver" 120 || rc=$?
	ex_show "$rx"
	((rc != 124)) || t_fail "the application hung after the device went away"
	((rc != 0)) || t_fail "the application claims a complete stream"
	wait_until 30 "every engine and context to go" \
		bash -c '[[ $(cat /sys/module/toe/parameters/engines) == 0 && $(cat /sys/module/toe/parameters/contexts) == 0 && $(cat /sys/module/toe/parameters/pinned_pages) == 0 ]]' ||
		t_fail "left behind: $(counters)"
	echo "after: $(counters)"
}

case_rmmod_while_in_use() {
	local port=7720
	trap ex_down EXIT
	ex_up veth
	ex_bg "$EX_LOGS/rmmod-server.log" on_a "$EX_BIN/toe-echo" server "$TOPO_IP_A:$port"
	ex_wait_line "$EX_LOGS/rmmod-server.log" '^listening on'
	if rmmod toe 2>"$EX_LOGS/rmmod.err"; then
		t_fail "rmmod succeeded with an application and an engine on it"
	fi
	echo "refused: $(cat "$EX_LOGS/rmmod.err")"
	local reply
	reply=$(echo still here | on_b timeout 30 nc -N "$TOPO_IP_A" "$port")
	[[ $reply == "still here" ]] || t_fail "the server answered '$reply' after the refused rmmod"
	ex_kill_all
	ex_detach
	wait_until 30 "the module to be unused" \
		bash -c '[[ $(cat /sys/module/toe/refcnt) == 0 ]]' || t_fail "refcnt $(cat /sys/module/toe/refcnt)"
	rmmod toe
	echo "unloaded once nothing used it"
	toe_load
}

t_case link_down_up_mid_transfer case_link_flap
t_case veth_deleted_under_load case_veth_deleted_under_load
t_case rmmod_refused_while_in_use case_rmmod_while_in_use
t_finish
