#!/bin/bash
# Process faults: kill -9 of a toe client, of a server holding 100 open
# connections, and of a receiver while it posts buffers as fast as they
# come back. Each time the Linux peers see resets, every page and ring the
# process had is released, and the next application works.
# (fork() with an open context: tests/vm/glue fork_child_cannot_use_context;
# the semantics are in docs/kernel.md.)
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
t_expect 45

# TcpEstabResets on side B: connections a received RST ended.
estab_resets() { on_b nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }'; }

counters() {
	echo "pinned_pages=$(toe_counter pinned_pages) ring_pages=$(toe_counter ring_pages)" \
		"contexts=$(toe_counter contexts)"
}

all_released() {
	local c
	for c in pinned_pages ring_pages contexts; do
		wait_until 30 "$c to reach 0" test "$(toe_counter "$c")" -eq 0 ||
			t_fail "after the kill: $(counters)"
	done
	echo "after the kill: $(counters)"
}

case_kill_client() {
	local port=7500 before after
	trap ex_down EXIT
	ex_up veth
	ex_bg "$EX_LOGS/linux-echo.log" on_b socat "TCP-LISTEN:$port,bind=$TOPO_IP_B,reuseaddr" PIPE
	wait_tcp_listen "$TOPO_NS_B" "$port"
	before=$(estab_resets)
	ex_bg "$EX_LOGS/client.log" on_a "$EX_BIN/toe-echo" client --count 100000000 \
		--size 1000 "$TOPO_IP_B:$port"
	local client=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/client.log" '^connected'
	sleep 1
	kill -0 "$client" || t_fail "the client ended before the kill"
	echo "mid-exchange: $(counters)"
	kill -KILL "$client"
	wait_until 30 "the Linux server to see a reset" \
		bash -c "[[ \$(ip netns exec $TOPO_NS_B nstat -asz TcpEstabResets | awk '\$1 == \"TcpEstabResets\" { print \$2 }') -gt $before ]]" ||
		t_fail "the Linux server saw no reset"
	after=$(estab_resets)
	echo "TcpEstabResets on the Linux side: $before -> $after"
	all_released
}

# A python3 client on side B: 100 connections, each echoing one line, then
# (when the file named by argv[4] appears) a read on each that must end in
# a reset.
py_many='
import os, socket, sys, time
host, port, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
for i in range(n):
    s = socket.create_connection((host, port), timeout=60)
    s.sendall(b"hello %d\n" % i)
    want = b"hello %d\n" % i
    got = b""
    while len(got) < len(want):
        got += s.recv(len(want) - len(got))
    assert got == want, (got, want)
    conns.append(s)
print("established %d" % len(conns), flush=True)
while not os.path.exists(go):
    time.sleep(0.1)
resets = 0
for s in conns:
    try:
        b = s.recv(1)
        print("connection ended without a reset: %r" % b, flush=True)
    except ConnectionResetError:
        resets += 1
print("resets %d" % resets, flush=True)
sys.exit(0 if resets == n else 1)
'

case_kill_server_with_100_connections() {
	local port=7510 go=$EX_TMP/killed
	trap ex_down EXIT
	ex_up veth
	ex_bg "$EX_LOGS/server.log" on_a "$EX_BIN/toe-echo" server --connections 128 \
		--buffers 2 --buffer-size 4K "$TOPO_IP_A:$port"
	local server=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/server.log" '^listening on'
	ex_bg "$EX_LOGS/clients.log" on_b python3 -c "$py_many" "$TOPO_IP_A" "$port" 100 "$go"
	local clients=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/clients.log" '^established 100' 300
	echo "100 connections open: $(counters)"
	kill -KILL "$server"
	touch "$go"
	local rc=0
	ex_wait_pid "$clients" 120 || rc=$?
	ex_show "$EX_LOGS/clients.log"
	((rc == 0)) || t_fail "not every connection was reset"
	all_released
	# the port is free again, for a new server
	ex_bg "$EX_LOGS/server2.log" on_a "$EX_BIN/toe-echo" server --count 1 "$TOPO_IP_A:$port"
	ex_wait_line "$EX_LOGS/server2.log" '^listening on'
	local reply
	reply=$(echo again | on_b timeout 30 nc -N "$TOPO_IP_A" "$port")
	[[ $reply == again ]] || t_fail "the new server answered '$reply'"
}

# Receivers with 256 named buffers of 1 KiB repost all the time; each is killed at
# a different moment of a transfer from Linux. The last one is left alone
# and must receive its whole stream on the same port.
case_kill_while_posting() {
	local port=7520 round rx
	trap ex_down EXIT
	ex_up veth
	for round in 1 2 3 4 5 6; do
		# the killed rounds' streams outlast the receiver; the last is 8 MiB
		local chunks=4096 expect=()
		((round < 6)) || { chunks=128; expect=(--bytes 8M); }
		rx=$EX_LOGS/receive-$round.log
		ex_bg "$rx" on_a "$EX_BIN/toe-recvfile" receive --region-size 256K \
			--buffers 256 "${expect[@]}" "$TOPO_IP_A:$port"
		local receiver=$EX_LAST_PID
		ex_wait_line "$rx" '^listening on'
		ex_bg "$EX_LOGS/send-$round.log" on_b python3 -c '
import random, socket, sys, hashlib
chunks = int(sys.argv[3])
rng, h = random.Random(9), hashlib.sha256()
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as s:
        for _ in range(chunks):
            b = rng.randbytes(1 << 16)
            s.sendall(b)
            h.update(b)
    print("sent bytes=%d sha256=%s" % (chunks << 16, h.hexdigest()), flush=True)
except (ConnectionResetError, BrokenPipeError):
    print("reset", flush=True)
' "$TOPO_IP_A" "$port" "$chunks"
		local sender=$EX_LAST_PID
		if ((round < 6)); then
			ex_wait_line "$rx" '^receiving from'
			sleep "0.$((round * 15))"
			kill -0 "$receiver" 2>/dev/null ||
				t_fail "round $round: the receiver ended before the kill"
			kill -KILL "$receiver"
			ex_wait_pid "$sender" 60 || t_fail "the sender of round $round hung"
			echo "round $round: killed; the Linux sender says: $(cat "$EX_LOGS/send-$round.log")"
			grep -q '^reset' "$EX_LOGS/send-$round.log" ||
				t_fail "the Linux sender saw no reset"
			all_released
		else
			ex_wait_pid "$receiver" 300 || t_fail "the last receiver failed"
			ex_wait_pid "$sender" 60 || t_fail "the last sender failed"
			local s g
			s=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$EX_LOGS/send-$round.log")
			g=$(grep -o 'bytes=[0-9]* sha256=[0-9a-f]*' "$rx")
			echo "last round: sent $s, received $g"
			[[ -n $s && $s == "$g" ]] || t_fail "the last stream arrived damaged"
		fi
	done
}

t_case kill9_client_peer_sees_reset case_kill_client
t_case kill9_server_with_100_connections case_kill_server_with_100_connections
t_case kill9_while_posting_buffers case_kill_while_posting
t_finish
