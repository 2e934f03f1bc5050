#!/bin/bash
# kill -9 of a toe application in the middle of a transfer: the Linux peer
# sees the connection reset, every page the application had pinned is
# released (the module's counters fall back), and another application that
# was running all along keeps working, as does a new one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

echo_port=7300
victim_port=7301
new_port=7302
# One wire is enough here; TOE_EXAMPLES_WIRES="veth virtio" runs both.
TOE_EXAMPLES_WIRES=${TOE_EXAMPLES_WIRES:-veth}
wires=($TOE_EXAMPLES_WIRES)
t_expect $((10 + 60 * ${#wires[@]}))

# TcpEstabResets in side B: connections that went from ESTABLISHED (or
# CLOSE-WAIT) straight to CLOSED, which a received RST does.
estab_resets() { on_b nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }'; }

counters() {
	echo "pinned_pages=$(toe_counter pinned_pages) ring_pages=$(toe_counter ring_pages)" \
		"contexts=$(toe_counter contexts)"
}

counter_is() { [[ $(toe_counter "$1") == "$2" ]]; }

# host_can_bind PORT: a kernel socket on side A can bind the port.
host_can_bind() {
	on_a python3 -c '
import socket, sys
socket.socket().bind((sys.argv[1], int(sys.argv[2])))
' "$TOPO_IP_A" "$1"
}

echo_works() {
	local reply
	reply=$(echo "$1" | on_b timeout 30 nc -N "$TOPO_IP_A" "$echo_port")
	[[ $reply == "$1" ]] || t_fail "toe-echo answered '$reply' to '$1'"
}

case_kill9() {
	local echo_log=$EX_LOGS/echo-$TOPO_KIND.log
	ex_bg "$echo_log" on_a "$EX_BIN/toe-echo" server --verbose "$TOPO_IP_A:$echo_port"
	local echo_pid=$EX_LAST_PID
	ex_wait_line "$echo_log" '^listening on'
	echo_works "before"
	local base_pinned base_rings base_ctx
	base_pinned=$(toe_counter pinned_pages)
	base_rings=$(toe_counter ring_pages)
	base_ctx=$(toe_counter contexts)
	echo "with the echo server alone: $(counters)"

	local victim_log=$EX_LOGS/victim-$TOPO_KIND.log
	ex_bg "$victim_log" on_a "$EX_BIN/toe-recvfile" receive --region-size 64M \
		"$TOPO_IP_A:$victim_port"
	local victim=$EX_LAST_PID
	ex_wait_line "$victim_log" '^listening on'
	(($(toe_counter pinned_pages) > base_pinned)) ||
		t_fail "the victim's region is not counted as pinned: $(counters)"

	local resets_before
	resets_before=$(estab_resets)
	local sender_log=$EX_LOGS/sender-$TOPO_KIND.log
	ex_bg "$sender_log" on_b python3 -u -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
chunk, sent = bytes(65536), 0
try:
    while True:
        s.sendall(chunk)
        sent += len(chunk)
        if sent % (4 << 20) == 0:
            print("sent %d MiB" % (sent >> 20))
except OSError as e:
    print("ended: %s after %d MiB" % (type(e).__name__, sent >> 20))
' "$TOPO_IP_A" "$victim_port"
	ex_wait_line "$victim_log" '^receiving from'
	ex_wait_line "$sender_log" '^sent 8 MiB' 120
	echo "mid-transfer: $(counters)"

	kill -KILL "$victim"
	ex_wait_pid "$victim" 30 || true
	ex_wait_line "$sender_log" '^ended: (ConnectionResetError|BrokenPipeError)' 120
	ex_show "$sender_log"
	local resets_after
	resets_after=$(estab_resets)
	((resets_after > resets_before)) ||
		t_fail "side B counted no reset connection (TcpEstabResets $resets_before -> $resets_after)"

	wait_until 60 "the victim's pinned pages to be released" counter_is pinned_pages "$base_pinned" ||
		t_fail "after the kill: $(counters); expected pinned_pages=$base_pinned"
	wait_until 60 "the victim's rings to be freed" counter_is ring_pages "$base_rings" ||
		t_fail "after the kill: $(counters); expected ring_pages=$base_rings"
	counter_is contexts "$base_ctx" || t_fail "after the kill: $(counters); expected contexts=$base_ctx"
	echo "after the kill: $(counters)"

	# The application that ran all along still works...
	echo_works "after the kill"
	# ...and so does a new one.
	local file
	file=$(ex_file after-kill 4M)
	local rx_log=$EX_LOGS/after-kill-$TOPO_KIND.log
	ex_bg "$rx_log" on_a "$EX_BIN/toe-recvfile" receive --expect-sha256 "$(ex_sha256 "$file")" \
		"$TOPO_IP_A:$new_port"
	local rx=$EX_LAST_PID
	ex_wait_line "$rx_log" '^listening on'
	on_b socat -u "FILE:$file" "TCP:$TOPO_IP_A:$new_port"
	ex_wait_pid "$rx" 120 || t_fail "a new receiver after the kill failed: $(cat "$rx_log")"

	kill -TERM "$echo_pid"
	ex_wait_pid "$echo_pid" 30 || true
	for c in pinned_pages ring_pages contexts; do
		wait_until 60 "$c to return to zero" counter_is "$c" 0 ||
			t_fail "with every application gone: $(counters)"
	done
	echo "with every application gone: $(counters)"

	# The module keeps a TCP port reserved in the host stack for a while
	# after its socket is gone (TIME_WAIT's lifetime); then it is free.
	wait_until 150 "port $victim_port to be free in the host stack" host_can_bind "$victim_port" ||
		t_fail "port $victim_port is still reserved long after the kill"
}

t_each_wire kill9_mid_transfer case_kill9
toe_load
t_finish
