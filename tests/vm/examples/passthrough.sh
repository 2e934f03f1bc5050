#!/bin/bash
# What the engine does not own stays the host's, on the same NIC, while the
# engine is attached: a Linux peer connecting to a port no toe application
# holds gets the host stack's RST (connection refused), a kernel listener
# on side A still answers, ping to side A's address still works, and a
# port a toe application listens on is reserved in the host stack.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
t_expect 25

toe_port=7200
free_port=7201
kernel_port=7202

case_passthrough() {
	# A toe application owns toe_port, so the engine is busy on this NIC.
	local log=$EX_LOGS/server-$TOPO_KIND.log
	ex_bg "$log" on_a "$EX_BIN/toe-echo" server --verbose "$TOPO_IP_A:$toe_port"
	ex_wait_line "$log" '^listening on'

	# A port nobody holds: the kernel answers the SYN with RST.
	on_b python3 -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
except ConnectionRefusedError:
    print("refused, as the host stack does")
    sys.exit(0)
print("expected a refusal (RST)", file=sys.stderr)
sys.exit(1)
' "$TOPO_IP_A" "$free_port"

	# ICMP is the host's: ping both ways.
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"

	# A kernel socket on side A still serves on the attached NIC.
	ex_bg "$EX_LOGS/kernel-listener-$TOPO_KIND.log" on_a socat \
		"TCP-LISTEN:$kernel_port,bind=$TOPO_IP_A,reuseaddr" SYSTEM:'echo kernel here'
	wait_tcp_listen "$TOPO_NS_A" "$kernel_port"
	local answer
	answer=$(on_b timeout 30 socat -u "TCP:$TOPO_IP_A:$kernel_port" -)
	[[ $answer == "kernel here" ]] || t_fail "the kernel listener said '$answer'"

	# The engine's port is reserved: the host cannot hand it out.
	on_a python3 -c '
import errno, socket, sys
s = socket.socket()
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    if e.errno == errno.EADDRINUSE:
        print("port reserved by the engine")
        sys.exit(0)
    raise
print("the host could bind the engine port", file=sys.stderr)
sys.exit(1)
' "$TOPO_IP_A" "$toe_port"

	# And the engine's own port still works, through the engine.
	local reply
	reply=$(echo "through the engine" | on_b timeout 30 nc -N "$TOPO_IP_A" "$toe_port")
	[[ $reply == "through the engine" ]] || t_fail "toe-echo answered '$reply'"
}

t_each_wire host_keeps_what_the_engine_does_not_own case_passthrough
toe_load
t_finish
