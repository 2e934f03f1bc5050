#!/bin/bash
# Load: ten thousand concurrent connections to one engine over veth (two
# thousand in make check), data flowing on every one of them. A Linux client opens them all, then in each
# round sends a distinct message on every connection and reads every echo
# back from toe-echo. Every byte is checked, and the memory each connection
# costs is reported: the engine's descriptors and tables, the pinned
# buffers, and the whole guest's (both stacks) as an upper bound.
#
# TOE_FAULT_CONNECTIONS sets the count (make check: 2000; make soak:
# 10000), TOE_FAULT_ROUNDS the rounds (make check: 2; make soak: 20).
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -n ${TOE_SOAK_LONG:-} ]]; then
	conns=${TOE_FAULT_CONNECTIONS:-10000}
	rounds=${TOE_FAULT_ROUNDS:-20}
else
	conns=${TOE_FAULT_CONNECTIONS:-2000}
	rounds=${TOE_FAULT_ROUNDS:-2}
fi
t_expect $((10 + conns * rounds / 500))
port=7800
TOECTL=$TOE_BUILD/tools/toectl/toectl

py_clients='
import os, resource, selectors, socket, sys, time
host, port, n, rounds, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 256, n + 256))
sel = selectors.DefaultSelector()
conns = []
# Connect in batches, each batch waiting for its handshakes.
batch = 250
for start in range(0, n, batch):
    pending = []
    for i in range(start, min(n, start + batch)):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        pending.append(s)
        conns.append(s)
    for s in pending:
        sel.register(s, selectors.EVENT_WRITE)
    left = len(pending)
    while left:
        for key, _ in sel.select(timeout=60):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sys.exit("connect failed: %s" % os.strerror(err))
            sel.unregister(key.fileobj)
            left -= 1
print("established %d" % len(conns), flush=True)
while not os.path.exists(go):
    time.sleep(0.1)

verified = 0
for r in range(rounds):
    want = {}
    for i, s in enumerate(conns):
        msg = (b"conn %d round %d " % (i, r)).ljust(63, b".") + b"\n"
        want[s] = [msg, b""]
        s.setblocking(True)
        s.sendall(msg)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    left = len(conns)
    while left:
        ready = sel.select(timeout=120)
        if not ready:
            sys.exit("round %d: %d connections got no echo" % (r, left))
        for key, _ in ready:
            s = key.fileobj
            w = want[s]
            b = s.recv(len(w[0]) - len(w[1]))
            if not b:
                sys.exit("round %d: a connection closed" % r)
            w[1] += b
            if len(w[1]) == len(w[0]):
                if w[1] != w[0]:
                    sys.exit("round %d: wrong echo %r for %r" % (r, w[1], w[0]))
                verified += len(w[0])
                sel.unregister(s)
                left -= 1
    print("round %d: %d echoes checked" % (r, len(conns)), flush=True)
print("verified bytes=%d" % verified, flush=True)
for s in conns:
    s.close()
'

mem_available_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

engine_counter() {
	on_a "$TOECTL" -j engine stats dev "$TOPO_IF_A" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["counters"][sys.argv[1]])' "$1"
}

case_ten_thousand() {
	trap ex_down EXIT
	ex_require_binaries
	toe_load
	topo_veth
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	on_a "$TOECTL" engine attach dev "$TOPO_IF_A" sockets $((conns + 2048))
	on_a sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
	on_b sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

	ex_bg "$EX_LOGS/server.log" on_a "$EX_BIN/toe-echo" server \
		--connections $((conns + 16)) --buffers 1 --buffer-size 1K "$TOPO_IP_A:$port"
	ex_wait_line "$EX_LOGS/server.log" '^listening on'
	local mem_before
	mem_before=$(mem_available_kb)
	local go=$EX_TMP/go
	ex_bg "$EX_LOGS/clients.log" on_b python3 -c "$py_clients" "$TOPO_IP_A" "$port" \
		"$conns" "$rounds" "$go"
	local clients=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/clients.log" "^established $conns" 900
	wait_until 120 "the engine to hold every connection" \
		bash -c "[[ \$(ip netns exec $TOPO_NS_A $TOECTL -j socket show state established port $port | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge $conns ]]" ||
		t_fail "the engine does not list $conns established connections"

	local mem_after sockets socket_bytes table_bytes max_sockets pinned
	mem_after=$(mem_available_kb)
	sockets=$(engine_counter sockets)
	socket_bytes=$(engine_counter socket_bytes)
	table_bytes=$(engine_counter table_bytes)
	max_sockets=$((conns + 2048))
	pinned=$(toe_counter pinned_pages) # the server's buffers, its only region
	echo "established: $conns connections; engine sockets=$sockets"
	echo "memory per connection:"
	echo "  engine descriptor: $((socket_bytes / sockets)) B"
	echo "  engine tables (sized for $max_sockets sockets): $((table_bytes / max_sockets)) B"
	echo "  pinned named buffers: $((pinned * 4096 / conns)) B (the server's region: one 1 KiB buffer each, page-rounded once)"
	echo "  the whole guest, toe and the Linux peer: $(((mem_before - mem_after) * 1024 / conns)) B"

	touch "$go"
	local rc=0
	ex_wait_pid "$clients" 1800 || rc=$?
	ex_show "$EX_LOGS/clients.log"
	((rc == 0)) || t_fail "the clients failed ($rc)"
	grep -q "^verified bytes=$((conns * rounds * 64))\$" "$EX_LOGS/clients.log" ||
		t_fail "not every echo came back"
	echo "engine after: drops=$(engine_counter tcp_drops) drop_no_buflet=$(engine_counter drop_no_buflet)"
}

t_case ten_thousand_connections_all_flowing case_ten_thousand
t_finish
