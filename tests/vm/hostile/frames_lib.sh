# shellcheck shell=bash disable=SC2153 # TOPO_* come from topology.sh
# The setting of the hostile-frame suites (tests/vm/hostile-frames.sh and
# hostile-synflood.sh): the engine on veth-a serving a live toe-echo
# connection to a Linux client on veth-b (tests/vm/hostile/echo_peer.py),
# and frames_run, the injector with its checks
# (tests/vm/hostile/frames_run.py). Source it after testlib.sh and
# topology.sh; then "hf_start", the cases, and "hf_finish".

hf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TOE_BUILD:?run this through tests/vm/run}"
: "${TOE_RESULTS:?run this through tests/vm/run}"
bin=$TOE_BUILD/tools/examples
toectl=$TOE_BUILD/tools/toectl/toectl
echo_peer=$hf_dir/echo_peer.py
echo_port=7400
udp_port=7401
work=/tmp/hostile-frames
stop=$work/stop
pause=$work/pause
progress=$work/progress

on_a() { ns_exec "$TOPO_NS_A" "$@"; }
on_b() { ns_exec "$TOPO_NS_B" "$@"; }

bg_pids=()
bg() {
	local log=$1 ns=$2
	shift 2
	setsid ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	bg_pids+=("$!")
}

cleanup() {
	touch "$stop"
	rm -f "$pause"
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for pid in "${bg_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	bg_pids=()
	if [[ -n ${TOPO_NS_A:-} ]]; then
		on_a "$bin/toe-attach" --detach "$TOPO_IF_A" 2>/dev/null || true
	fi
	topo_teardown
}

# The engine on veth-a with toe-echo and a UDP socket, the Linux client
# on veth-b without TCP timestamps (so that spoofed segments are judged
# by their sequence numbers alone), echoing.
up() {
	toe_load
	rm -rf "$work"
	mkdir -p "$work"
	topo_veth
	on_b sysctl -qw net.ipv4.tcp_timestamps=0
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	on_a "$bin/toe-attach" "$TOPO_IF_A"
	bg "$TOE_RESULTS/echo-server.log" "$TOPO_NS_A" "$bin/toe-echo" server \
		"$TOPO_IP_A:$echo_port"
	echo_server=${bg_pids[-1]}
	bg "$TOE_RESULTS/udp-server.log" "$TOPO_NS_A" "$bin/toe-udp" "$TOPO_IP_A:$udp_port"
	wait_until 60 "toe-echo to listen" grep -q '^listening on' "$TOE_RESULTS/echo-server.log"
	bg "$TOE_RESULTS/echo-client.log" "$TOPO_NS_B" python3 "$echo_peer" \
		"$TOPO_IP_A" "$echo_port" "$stop" "$pause" "$progress"
	echo_client=${bg_pids[-1]}
	wait_until 60 "the first echo" test -s "$progress"
	client_port=$(on_b ss -Htn state established "dport = :$echo_port" |
		awk '{ split($3, a, ":"); print a[2]; exit }')
	[[ -n $client_port ]] || t_fail "no client connection in ss"
	echo "live connection: $TOPO_IP_B:$client_port -> $TOPO_IP_A:$echo_port"
}

# frames_run.py KIND COUNT: the injector and its checks, in the peer's
# namespace; one JSON line per kind of frame.
frames_run() {
	local mac_a
	mac_a=$(on_a cat "/sys/class/net/$TOPO_IF_A/address")
	on_b python3 "$hf_dir/frames_run.py" "$1" --count "$2" --ns-a "$TOPO_NS_A" \
		--if-a "$TOPO_IF_A" --if-b "$TOPO_IF_B" --toectl "$toectl" --dst-mac "$mac_a" \
		--peer "$TOPO_IP_B:$client_port" --engine "$TOPO_IP_A:$echo_port" \
		--udp "$TOPO_IP_A:$udp_port" --pause "$pause" --progress "$progress"
}

# The live connection carried verified bytes throughout and ended well;
# nothing is left behind.
case_live_connection_intact() {
	cat "$TOE_RESULTS/echo-client.log"
	((client_rc == 0)) || t_fail "the echo client failed ($client_rc)"
	grep -q '^verified [0-9]* bytes' "$TOE_RESULTS/echo-client.log" ||
		t_fail "the echo client did not verify its bytes"
	((server_rc == 0)) || t_fail "toe-echo exited with $server_rc"
	local p
	for p in pinned_pages ring_pages contexts engines; do
		[[ $(cat "/sys/module/toe/parameters/$p") == 0 ]] || t_fail "$p is not back at 0"
	done
}

hf_start() {
	trap cleanup EXIT
	up
}

# Ends the live connection (the client checks its last bytes) and the
# server, tears everything down, and judges it all as a last case.
hf_finish() {
	touch "$stop"
	client_rc=0
	wait "$echo_client" || client_rc=$?
	kill -TERM "$echo_server"
	server_rc=0
	wait "$echo_server" || server_rc=$?
	cleanup
	trap - EXIT
	t_case live_connection_intact case_live_connection_intact
}
