#!/bin/bash
# toe-udp against Linux over veth and over the virtio-net pair: datagrams
# from python3 and socat arrive with their source address and port and
# their UDP header bytes; datagrams from toe reach python3 from the right
# source; and toe echoes datagrams back to their sender.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
t_expect 45

toe_port=5000
linux_port=6000

# hex16 N: a port or length as the two header bytes toe-udp prints.
hex16() { printf '%02x %02x' $(($1 >> 8)) $(($1 & 255)); }

start_toe_udp() {
	udp_log=$EX_LOGS/toe-udp-$TOPO_KIND-$1.log
	shift
	ex_bg "$udp_log" on_a "$EX_BIN/toe-udp" --wait-ms 60000 "$@" "$TOPO_IP_A:$toe_port"
	udp_pid=$EX_LAST_PID
	ex_wait_line "$udp_log" '^bound to'
}

finish_toe_udp() {
	local rc=0
	ex_wait_pid "$udp_pid" 90 || rc=$?
	ex_show "$udp_log"
	((rc == 0)) || t_fail "toe-udp exited with $rc"
}

# expect_datagram MESSAGE: toe-udp printed MESSAGE from side B's port, with
# a header naming both ports and the length.
expect_datagram() {
	local msg=$1 len=${#1} want
	want="from $TOPO_IP_B:$linux_port len $len hdr $(hex16 $linux_port) $(hex16 $toe_port) $(hex16 $((len + 8))) [0-9a-f]{2} [0-9a-f]{2} data \"$msg\""
	grep -qE "^$want\$" "$udp_log" || t_fail "no line like '$want'"
}

case_python_to_toe() {
	start_toe_udp python --receive 3
	on_b python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
for i in range(3):
    s.sendto(b"python datagram %d" % i, (sys.argv[3], int(sys.argv[4])))
' "$TOPO_IP_B" "$linux_port" "$TOPO_IP_A" "$toe_port"
	finish_toe_udp
	local i
	for i in 0 1 2; do
		expect_datagram "python datagram $i"
	done
}

case_socat_to_toe() {
	start_toe_udp socat --receive 2
	local m
	for m in "socat one" "socat two"; do
		printf '%s' "$m" | on_b socat -u - \
			"UDP-SENDTO:$TOPO_IP_A:$toe_port,bind=$TOPO_IP_B:$linux_port,reuseaddr"
	done
	finish_toe_udp
	expect_datagram "socat one"
	expect_datagram "socat two"
}

case_toe_to_python() {
	local rx=$EX_LOGS/python-udp-$TOPO_KIND.log
	ex_bg "$rx" on_b python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(60)
for i in range(3):
    data, (addr, port) = s.recvfrom(2048)
    print("got %r from %s:%d" % (data.decode(), addr, port))
' "$TOPO_IP_B" "$linux_port"
	local py=$EX_LAST_PID
	wait_udp_bound "$TOPO_NS_B" "$linux_port"
	on_a "$EX_BIN/toe-udp" --peer "$TOPO_IP_B:$linux_port" --send 3 \
		--message "toe datagram %n" "$TOPO_IP_A:$toe_port"
	ex_wait_pid "$py" 90 || t_fail "the python receiver did not get 3 datagrams"
	ex_show "$rx"
	local i
	for i in 0 1 2; do
		grep -qx "got 'toe datagram $i' from $TOPO_IP_A:$toe_port" "$rx" ||
			t_fail "python did not get datagram $i from $TOPO_IP_A:$toe_port"
	done
}

case_toe_echoes_python() {
	start_toe_udp echo --echo --receive 5
	on_b python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(60)
for i in range(5):
    msg = b"echo me %d" % i
    s.sendto(msg, (sys.argv[3], int(sys.argv[4])))
    data, src = s.recvfrom(2048)
    assert data == msg and src == (sys.argv[3], int(sys.argv[4])), (data, src)
print("5 echoes")
' "$TOPO_IP_B" "$linux_port" "$TOPO_IP_A" "$toe_port"
	finish_toe_udp
}

t_each_wire python_to_toe case_python_to_toe
t_each_wire socat_to_toe case_socat_to_toe
t_each_wire toe_to_python case_toe_to_python
t_each_wire toe_echoes_python case_toe_echoes_python
toe_load
t_finish
