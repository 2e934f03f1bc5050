#!/bin/bash
# Interop: the toe engine (toe-interop on an AF_PACKET socket) against
# Linux's own TCP (peer.py), across a veth pair between two network
# namespaces on this host.
#
#   run.sh [--harness PATH] [--bytes N] [--keep] [--pcap-dir DIR] [-v]
#          [scenario...]
#
# --pcap-dir DIR writes what the engine sent and received in each scenario
# to DIR/SCENARIO.pcap (headers only; tests/fuzz/capture.sh makes the fuzz
# seeds from them).
#
# Scenarios (default: all):
#   passive   the engine accepts; N bytes each way at once; the peer closes
#             first (shutdown after sending). The peer's veth keeps its
#             offloads, so the engine receives TSO super-frames whose
#             checksums were never computed (the kernel says so).
#   active    the engine connects; N bytes each way; the engine closes
#             first. The peer's offloads are off (every frame MTU-sized with
#             a real checksum, which the engine verifies itself) and the
#             engine emits partial checksums and TSO super-frames that the
#             kernel finishes.
#   peer-rst  the engine connects and sends; the peer reads 1 MiB and then
#             resets the connection (SO_LINGER 0).
#   plain     as passive, at most 16 MiB each way, with the peer's
#             timestamps, window scaling and SACK off.
#   udp       2000 datagrams of 0 to 1472 bytes from Linux, echoed by the
#             engine from the named buffers they arrived in.
#   lossy     as passive, at most 16 MiB each way, through netem on both
#             sides (2 ms +- 1 ms delay, 1 % loss, 0.5 % duplication, 2 %
#             reordering); skipped where the kernel has no netem.
#   vlan      as passive, on VLAN 100 (engine 10.78.0.2, peer a VLAN
#             device with 10.78.0.1), at most 16 MiB each way; the engine
#             closes first.
#   tiny_buffers  as passive, at most 16 MiB each way, into 256 named
#             buffers of 1 KiB: every segment spans two buffers.
#
# The engine owns 10.77.0.2: the address is configured nowhere in the
# engine's namespace, so that kernel neither answers ARP for it nor sends
# RSTs for the engine's ports (it drops frames for addresses it does not
# have); toe-interop answers ARP itself.
#
# Exit: 0 all passed, 1 a scenario failed, 77 skipped (not root, or no
# network namespaces here).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
harness=${TOE_INTEROP:-$root/build/tests/interop/toe-interop}
bytes=$((100 * 1024 * 1024))
keep=0
pcap_dir=
verbose=()
scenarios=()
while (($#)); do
	case $1 in
	--harness) harness=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--pcap-dir) pcap_dir=$(mkdir -p "$2" && cd "$2" && pwd) || exit 2; shift 2 ;;
	-v*) verbose+=("$1"); shift ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
((${#scenarios[@]})) || scenarios=(passive active peer-rst plain udp lossy vlan tiny_buffers)
small_bytes=$((bytes < 16 * 1024 * 1024 ? bytes : 16 * 1024 * 1024))

skip() { echo "interop: skipped: $*"; exit 77; }
((EUID == 0)) || skip "needs root (network namespaces, AF_PACKET)"
command -v ip >/dev/null || skip "no iproute2"
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3) || skip "no python3"
[[ -x $harness ]] || { echo "interop: no harness at $harness" >&2; exit 1; }

id=$$
ns_engine=toe-eng-$id
ns_peer=toe-peer-$id
dev_engine=toee$id
dev_peer=toep$id
engine_ip=10.77.0.2
peer_ip=10.77.0.1
work=$(mktemp -d /tmp/toe-interop.XXXXXX)
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	ip netns del "$ns_engine" 2>/dev/null
	ip netns del "$ns_peer" 2>/dev/null
	if ((keep)); then
		echo "interop: logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# Where they are modules (the test host), load what the scenarios use.
for module in veth sch_netem 8021q; do
	modprobe -q "$module" 2>/dev/null
done
ip netns add "$ns_engine" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$ns_peer" || exit 1
ip link add "$dev_engine" type veth peer name "$dev_peer" || skip "no veth"
ip link set "$dev_engine" netns "$ns_engine"
ip link set "$dev_peer" netns "$ns_peer"
in_engine() { ip netns exec "$ns_engine" "$@"; }
in_peer() { ip netns exec "$ns_peer" "$@"; }
in_engine sysctl -qw "net.ipv6.conf.$dev_engine.disable_ipv6=1"
in_peer sysctl -qw "net.ipv6.conf.$dev_peer.disable_ipv6=1"
in_engine ip link set lo up
in_engine ip link set "$dev_engine" up
in_peer ip link set lo up
in_peer ip addr add "$peer_ip/24" dev "$dev_peer"
in_peer ip link set "$dev_peer" up

peer_offloads() {
	# on|off: the peer's TSO/GSO and checksum offload.
	if command -v ethtool >/dev/null; then
		in_peer ethtool -K "$dev_peer" tx "$1" tso "$1" gso "$1" >/dev/null 2>&1
	elif [[ $1 == off ]]; then
		echo "interop: no ethtool; the peer keeps its offloads" >&2
	fi
}

# The harness's --pcap for the running scenario, when asked for.
capture_args() {
	[[ -n $pcap_dir ]] && echo "--pcap $pcap_dir/$scenario.pcap"
}
engine() {
	# shellcheck disable=SC2046 # capture_args is one option and a path
	in_engine "$harness" --dev "$dev_engine" --ip "$engine_ip" \
		$(capture_args) "${verbose[@]}" "$@"
}
peer() {
	in_peer "$python" "$here/peer.py" "$@"
}

wait_for_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# scenario NAME: runs it, prints one summary line, returns its status.
# passive_stream DIR PORT BYTES [ENGINE OPTIONS...]: the peer connects to
# the engine's server and each sends BYTES; the peer closes first.
passive_stream() {
	local dir=$1 port=$2 n=$3
	shift 3
	peer_offloads on
	engine "$@" server --port "$port" --bytes "$n" --hold \
		--ready-file "$dir/ready" >"$dir/engine.out" 2>"$dir/engine.err" &
	local engine_pid=$!
	pids+=("$engine_pid")
	wait_for_file "$dir/ready" || { echo "engine did not start"; return 1; }
	peer client --connect "$engine_ip:$port" --send "$n" --close first \
		>"$dir/peer.out" 2>"$dir/peer.err"
	wait "$engine_pid"
	local engine_rc=$?
	"$python" "$here/compare.py" --harness "$dir/engine.out" \
		--peer "$dir/peer.out" --engine-sends "$n" \
		--peer-sends "$n" && ((engine_rc == 0))
}

run_passive() { passive_stream "$1" 7001 "$bytes"; }

# Named buffers smaller than a segment, as many as a socket may post: each
# segment spans two, and they come back and are reposted all the time.
run_tiny_buffers() {
	passive_stream "$1" 7006 "$small_bytes" --recv-buffer 1024 --recv-buffers 256
}

run_active() {
	local dir=$1
	peer_offloads off
	peer server --port 7002 --send "$bytes" --ready-file "$dir/ready" \
		>"$dir/peer.out" 2>"$dir/peer.err" &
	local peer_pid=$!
	pids+=("$peer_pid")
	wait_for_file "$dir/ready" || { echo "peer did not start"; return 1; }
	engine client --connect "$peer_ip:7002" --bytes "$bytes" \
		--tx-offload --no-csum-trust \
		>"$dir/engine.out" 2>"$dir/engine.err"
	local engine_rc=$?
	wait "$peer_pid"
	"$python" "$here/compare.py" --harness "$dir/engine.out" \
		--peer "$dir/peer.out" --engine-sends "$bytes" \
		--peer-sends "$bytes" && ((engine_rc == 0))
}

run_vlan() {
	local dir=$1
	peer_offloads on
	if ! in_peer ip link add link "$dev_peer" name "$dev_peer.100" type vlan id 100 2>/dev/null; then
		echo "this kernel has no 802.1Q VLAN devices"
		return 77
	fi
	in_peer ip addr replace 10.78.0.1/24 dev "$dev_peer.100"
	in_peer ip link set "$dev_peer.100" up
	# shellcheck disable=SC2046
	in_engine "$harness" --dev "$dev_engine" --ip 10.78.0.2 --vlan 100 \
		$(capture_args) "${verbose[@]}" server --port 7004 --bytes "$small_bytes" \
		--ready-file "$dir/ready" >"$dir/engine.out" 2>"$dir/engine.err" &
	local engine_pid=$!
	pids+=("$engine_pid")
	wait_for_file "$dir/ready" || { echo "engine did not start"; return 1; }
	peer client --connect 10.78.0.2:7004 --send "$small_bytes" \
		>"$dir/peer.out" 2>"$dir/peer.err"
	wait "$engine_pid"
	local engine_rc=$?
	"$python" "$here/compare.py" --harness "$dir/engine.out" \
		--peer "$dir/peer.out" --engine-sends "$small_bytes" \
		--peer-sends "$small_bytes" && ((engine_rc == 0))
}

# The peer without TCP options beyond MSS: no timestamps, no window
# scaling, no SACK.
run_plain() {
	local dir=$1
	peer_offloads on
	in_peer sysctl -qw net.ipv4.tcp_timestamps=0 net.ipv4.tcp_window_scaling=0 \
		net.ipv4.tcp_sack=0
	local rc=0
	engine server --port 7005 --bytes "$small_bytes" --hold \
		--ready-file "$dir/ready" >"$dir/engine.out" 2>"$dir/engine.err" &
	local engine_pid=$!
	pids+=("$engine_pid")
	if wait_for_file "$dir/ready"; then
		peer client --connect "$engine_ip:7005" --send "$small_bytes" \
			--close first >"$dir/peer.out" 2>"$dir/peer.err"
		wait "$engine_pid"
		local engine_rc=$?
		"$python" "$here/compare.py" --harness "$dir/engine.out" \
			--peer "$dir/peer.out" --engine-sends "$small_bytes" \
			--peer-sends "$small_bytes" && ((engine_rc == 0)) || rc=1
	else
		echo "engine did not start"
		rc=1
	fi
	in_peer sysctl -qw net.ipv4.tcp_timestamps=1 net.ipv4.tcp_window_scaling=1 \
		net.ipv4.tcp_sack=1
	return $rc
}

# Both directions through netem: delay, loss, reordering, duplication.
run_lossy() {
	local dir=$1
	local impair=(delay 2ms 1ms loss 1% duplicate 0.5% reorder 2%)
	if ! in_peer tc qdisc add dev "$dev_peer" root netem "${impair[@]}" 2>/dev/null; then
		echo "this kernel has no netem qdisc"
		return 77
	fi
	in_engine tc qdisc add dev "$dev_engine" root netem "${impair[@]}"
	peer_offloads off
	local rc=0
	engine server --port 7006 --bytes "$small_bytes" --hold --timeout 300 \
		--ready-file "$dir/ready" >"$dir/engine.out" 2>"$dir/engine.err" &
	local engine_pid=$!
	pids+=("$engine_pid")
	if wait_for_file "$dir/ready"; then
		peer client --connect "$engine_ip:7006" --send "$small_bytes" \
			--close first --timeout 300 >"$dir/peer.out" 2>"$dir/peer.err"
		wait "$engine_pid"
		local engine_rc=$?
		"$python" "$here/compare.py" --harness "$dir/engine.out" \
			--peer "$dir/peer.out" --engine-sends "$small_bytes" \
			--peer-sends "$small_bytes" && ((engine_rc == 0)) || rc=1
	else
		echo "engine did not start"
		rc=1
	fi
	in_peer tc qdisc del dev "$dev_peer" root 2>/dev/null
	in_engine tc qdisc del dev "$dev_engine" root 2>/dev/null
	return $rc
}

# Datagrams from Linux's UDP, echoed by the engine from its named buffers.
run_udp() {
	local dir=$1
	local count=2000
	peer_offloads on
	engine udp-echo --port 7007 --count "$count" --recv-buffer 2048 \
		--recv-buffers 16 --ready-file "$dir/ready" \
		>"$dir/engine.out" 2>"$dir/engine.err" &
	local engine_pid=$!
	pids+=("$engine_pid")
	wait_for_file "$dir/ready" || { echo "engine did not start"; return 1; }
	peer udp --connect "$engine_ip:7007" --count "$count" \
		>"$dir/peer.out" 2>"$dir/peer.err"
	local peer_rc=$?
	wait "$engine_pid"
	local engine_rc=$?
	cat "$dir/peer.out"
	((peer_rc == 0 && engine_rc == 0)) &&
		grep -q "udp echoed=$count .* truncated=0" "$dir/engine.out"
}

run_peer-rst() {
	local dir=$1
	peer_offloads on
	peer server --port 7003 --close rst --rst-after 1M \
		--ready-file "$dir/ready" >"$dir/peer.out" 2>"$dir/peer.err" &
	local peer_pid=$!
	pids+=("$peer_pid")
	wait_for_file "$dir/ready" || { echo "peer did not start"; return 1; }
	engine client --connect "$peer_ip:7003" --bytes "$bytes" \
		--expect reset --timeout 30 \
		>"$dir/engine.out" 2>"$dir/engine.err"
	local engine_rc=$?
	wait "$peer_pid"
	"$python" "$here/compare.py" --harness "$dir/engine.out" \
		--peer "$dir/peer.out" --engine-sends "$bytes" --peer-sends 0 \
		--engine-end reset --peer-end rst-sent && ((engine_rc == 0))
}

# Linux verifies every checksum the engine computed (frames injected through
# AF_PACKET are not trusted by the receiving veth): none may be wrong.
peer_csum_errors() {
	in_peer nstat -az TcpInCsumErrors UdpInCsumErrors 2>/dev/null |
		awk '/InCsumErrors/ {sum += $2} END {print sum + 0}'
}

failed=0
for scenario in "${scenarios[@]}"; do
	if ! declare -F "run_$scenario" >/dev/null; then
		echo "interop: unknown scenario $scenario" >&2
		exit 2
	fi
	dir=$work/$scenario
	mkdir -p "$dir"
	start_ns=$(date +%s%N)
	csum_errors_before=$(peer_csum_errors)
	"run_$scenario" "$dir" >"$dir/verdict" 2>&1
	status=$?
	csum_errors=$(($(peer_csum_errors) - csum_errors_before))
	if ((status == 0 && csum_errors != 0)); then
		echo "Linux counted $csum_errors bad checksums from the engine" >>"$dir/verdict"
		status=1
	fi
	verdict=$(tail -n 1 "$dir/verdict")
	elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
	seconds=$(printf '%d.%02d' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10)))
	rate=$(sed -n 's/.* mbit_s=\([0-9.]*\).*/\1/p' "$dir/engine.out" 2>/dev/null | head -1)
	if ((status == 77)); then
		printf 'interop: %-8s SKIP  (%s)\n' "$scenario" "$verdict"
	elif ((status == 0)); then
		printf 'interop: %-8s PASS  %6.2f s  engine %s Mbit/s  (%s)\n' \
			"$scenario" "$seconds" "${rate:--}" "$verdict"
	else
		failed=$((failed + 1))
		printf 'interop: %-8s FAIL  %6.2f s  %s\n' "$scenario" "$seconds" "$verdict"
		for log in verdict engine.out engine.err peer.out peer.err; do
			[[ -s $dir/$log ]] || continue
			echo "---- $scenario/$log (last 40 lines)"
			tail -n 40 "$dir/$log"
		done
	fi
done
exit $((failed > 0))
