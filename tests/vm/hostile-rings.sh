#!/bin/bash
# Hostile rings: tests/vm/hostile/toe_hostile_rings writes random and
# adversarial requests into its own rings and issues random ioctls, while
# toe-echo, another process, serves a Linux client over the same engine.
# Every bad request must fail with an error completion, no request may be
# lost, the echoed bytes must come back unchanged the whole time, and dmesg
# must stay clean (the runner judges that). Afterwards the module's counts
# are back at zero.
#
#   tests/vm/run tests/vm/hostile-rings.sh
#
# TOE_HOSTILE_ENTRIES   requests to write (default 1000000)
# TOE_HOSTILE_SEED      the fuzzer's seed (default: from the clock, printed)
# TOE_HOSTILE_THREADS   fuzzing threads, each with its own contexts (default 2)
#
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"

: "${TOE_BUILD:?run this through tests/vm/run}"
: "${TOE_RESULTS:?run this through tests/vm/run}"
fuzzer=$TOE_BUILD/tests/vm/hostile/toe_hostile_rings
bin=$TOE_BUILD/tools/examples
entries=${TOE_HOSTILE_ENTRIES:-1000000}
threads=${TOE_HOSTILE_THREADS:-2}
# make check (1M entries) takes about 50 s, make soak (20M) about 1600.
t_expect $((15 + entries / 12500))
echo_port=7100
udp_base=41000
sink_port=9999
stop=/tmp/hostile-rings.stop
progress=/tmp/hostile-rings.progress

param() { cat "/sys/module/toe/parameters/$1"; }

expect_counts_zero() {
	local p
	for p in pinned_pages ring_pages contexts engines; do
		[[ $(param "$p") == 0 ]] || t_fail "$p is $(param "$p"), expected 0"
	done
}

bg_pids=()
# bg LOG NS CMD...: CMD in NS, in a process group of its own.
bg() {
	local log=$1 ns=$2
	shift 2
	setsid ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	bg_pids+=("$!")
}

cleanup() {
	touch "$stop"
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for pid in "${bg_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	ns_exec "$TOPO_NS_A" "$bin/toe-attach" --detach "$TOPO_IF_A" 2>/dev/null || true
	topo_teardown
	rm -f "$stop" "$progress"
}

# Datagrams for the fuzzer'"'"'s posted buffers, until told to stop.
udp_spray='
import os, random, socket, sys, time
addr, base, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(11)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
while not os.path.exists(stop):
    for port in range(base, base + 64):
        s.sendto(rnd.randbytes(rnd.randint(1, 1400)), (addr, port))
        sent += 1
    time.sleep(0.02)
print("sent %d datagrams" % sent)
'

case_hostile_rings_beside_echo() {
	[[ -x $fuzzer ]] || t_fail "$fuzzer is not built: run 'make'"
	toe_load
	trap cleanup EXIT
	rm -f "$stop" "$progress"
	topo_veth
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	ns_exec "$TOPO_NS_A" "$bin/toe-attach" "$TOPO_IF_A"

	bg "$TOE_RESULTS/echo-server.log" "$TOPO_NS_A" "$bin/toe-echo" server \
		"$TOPO_IP_A:$echo_port"
	local server=${bg_pids[-1]}
	wait_until 60 "toe-echo to listen" grep -q '^listening on' "$TOE_RESULTS/echo-server.log"
	# The well-behaved peer (never paused here).
	bg "$TOE_RESULTS/echo-client.log" "$TOPO_NS_B" python3 "$here/hostile/echo_peer.py" \
		"$TOPO_IP_A" "$echo_port" "$stop" /tmp/hostile-rings.no-pause "$progress"
	local client=${bg_pids[-1]}
	bg "$TOE_RESULTS/udp-spray.log" "$TOPO_NS_B" python3 -c "$udp_spray" \
		"$TOPO_IP_A" "$udp_base" "$stop"
	local spray=${bg_pids[-1]}
	bg "$TOE_RESULTS/udp-sink.log" "$TOPO_NS_B" socat -u \
		"UDP-RECV:$sink_port,bind=$TOPO_IP_B" /dev/null
	wait_until 60 "the echo client to get its first echo" test -s "$progress"

	local before after seed=()
	before=$(<"$progress")
	[[ -z ${TOE_HOSTILE_SEED:-} ]] || seed=(--seed "$TOE_HOSTILE_SEED")
	local rc=0
	ns_exec "$TOPO_NS_A" "$fuzzer" --local "$TOPO_IP_A" --peer "$TOPO_IP_B" \
		--entries "$entries" --threads "$threads" --udp-base "$udp_base" \
		--sink-port "$sink_port" "${seed[@]}" || rc=$?
	after=$(<"$progress")
	echo "echo client: $before bytes verified before the fuzzing, $after after"
	((rc == 0)) || t_fail "the fuzzer failed ($rc)"
	((after > before)) || t_fail "the well-behaved context made no progress while fuzzed"

	touch "$stop"
	wait "$client" || t_fail "the echo client failed: $(<"$TOE_RESULTS/echo-client.log")"
	cat "$TOE_RESULTS/echo-client.log"
	wait "$spray" || true
	cat "$TOE_RESULTS/udp-spray.log"
	kill -TERM "$server"
	wait "$server" || t_fail "toe-echo exited with $?"
	ns_exec "$TOPO_NS_A" "$bin/toe-attach" --detach "$TOPO_IF_A"
	cleanup
	trap - EXIT
	expect_counts_zero
}

t_case hostile_rings_beside_echo case_hostile_rings_beside_echo
toe_load
t_finish
