#!/bin/bash
# Wire faults: bulk streams each way through netem, toe against Linux TCP
# and toe against toe (an engine on each side of the veth pair). Every byte
# is checked by SHA-256, and each transfer must end within a bound: a hang
# fails the case.
#
#   loss5       5% of the frames lost, on both sides. The toe_linux case
#               also moves the bytes Linux to Linux on the same wire (the
#               engine detached), prints the three transfers' times as
#               "loss table" lines, and captures the segments that carry
#               SACK blocks (sack-loss5.pcap): the engine's and Linux's
#               must both be there
#   dup1        1% duplicated
#   reorder25   10 ms of delay, with 25% of the frames sent at once
#   blackoutN   a wire limited to 10 Mbit/s, so the transfer lasts, that
#               loses everything both ways for N seconds in the middle of
#               it: 2, 30 and 120. A blackout must never end a connection
#               (Linux holds on for about 15 minutes, tcp_retries2). make
#               check runs blackout2, make soak (TOE_SOAK_LONG) every
#               length; the wire simulator's unit tests black out for 2,
#               30 and 120 s in every make check (virtual time).
#   pmtu_icmp   toe to Linux through a router whose far link carries 1280
#               bytes (topo_routed): the router's ICMP "fragmentation
#               needed" lowers the engine's MSS (tcp_pmtu_icmp_in,
#               tcp_pmtu_reductions)
#   pmtu_blackhole  the same with the router's ICMP dropped (a tc u32
#               filter on its near link, no firewall package needed): the
#               engine finds the black hole by timeouts and the size by
#               PLPMTUD probes (tcp_plpmtud_blackholes, tcp_plpmtud_probes)
#
# TOE_FAULT_BYTES sets the size of each stream (default 4M; make soak
# moves 256M). TOE_EXAMPLES_ONLY=REGEX runs only the matching cases.
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bytes=${TOE_FAULT_BYTES:-4M}
mib=$(t_mib "$bytes")
port=7600

kinds=(loss5 dup1 reorder25 blackout2 blackout30 blackout120 pmtu_icmp
	pmtu_blackhole)
pairs=(toe_linux toe_toe)
# wanted NAME: is case NAME (kind_pair) run?
wanted() {
	[[ -z ${TOE_EXAMPLES_ONLY:-} || $1 =~ $TOE_EXAMPLES_ONLY ]] || return 1
	case $1 in
	pmtu_*_toe_toe) return 1 ;; # the path cases are toe to Linux
	esac
	[[ -n ${TOE_SOAK_LONG:-} ]] && return 0
	case $1 in
	blackout30_* | blackout120_*) return 1 ;;
	esac
}

# The reference seconds of one transfer of KIND: set-up, then the bytes at
# the wire's pace under TCG (5% loss both ways recovers at about 2.5 s a
# MiB without SACK; 10 Mbit/s is 0.9 s a MiB; the rest about 0.5), and for
# a blackout its length and as long again at most, for the retransmission
# timer to come round once the wire is back (its back-off stops at 60 s).
transfer_seconds() {
	local kind=$1 n
	case $kind in
	loss5) echo $((5 + mib * 5 / 2)) ;;
	# three timeouts (up to 1 + 2 + 4 s before an RTT sample) find a
	# black hole, then the bytes go at the base size
	pmtu_blackhole) echo $((15 + mib)) ;;
	blackout*)
		n=${kind#blackout}
		echo $((5 + mib + n + (n < 60 ? n : 60) + 2))
		;;
	*) echo $((5 + mib / 2)) ;;
	esac
}
expected=20
for kind in "${kinds[@]}"; do
	for pair in "${pairs[@]}"; do
		wanted "${kind}_$pair" || continue
		expected=$((expected + 5 + 2 * $(transfer_seconds "$kind")))
		# and the Linux to Linux reference
		[[ ${kind}_$pair != loss5_toe_linux ]] ||
			expected=$((expected + 2 * $(transfer_seconds "$kind")))
	done
done
t_expect "$expected"

declare -A impairment=(
	[loss5]="loss 5%"
	[dup1]="duplicate 1%"
	[reorder25]="delay 10ms reorder 25% 50%"
	[blackout]="rate 10mbit"
)
# The impairment of KIND: every blackoutN shares one.
impairment_of() {
	case $1 in
	blackout*) echo "${impairment[blackout]}" ;;
	*) echo "${impairment[$1]}" ;;
	esac
}

# A transfer that has not ended by then hangs.
transfer_limit() {
	echo "${TOE_FAULT_LIMIT_S:-$(t_scaled "$(transfer_seconds "$1")")}"
}

impair() {
	topo_netem "$TOPO_NS_A" "$TOPO_IF_A" $1
	topo_netem "$TOPO_NS_B" "$TOPO_IF_B" $1
}

# During a blackoutN case: one second after the connection is up (the
# command given, run until it succeeds), drop everything for N seconds on
# both sides, then restore the rate-limited wire. Not a fixed time after
# the start: under TCG a Linux peer can take more than a second to
# connect, and a blackout that swallows its ARP fails the connect itself
# (EHOSTUNREACH), which is Linux's answer, not the case under test.
blackout_in_background() {
	local kind=$1 name=$2
	shift 2
	[[ $kind == blackout* ]] || return 0
	(
		wait_until "$limit" "the connection of $name" "$@" ||
			exit 1
		echo "connected"
		sleep 1
		impair "loss 100%"
		echo "blackout begins"
		sleep "${kind#blackout}"
		impair "${impairment[blackout]}"
		echo "blackout ends"
	) >"$EX_LOGS/blackout-$name.log" 2>&1 &
	blackout_pid=$!
}

# established NS: does NS hold an established connection on the port?
established() {
	[[ -n $(ns_exec "$1" ss -Htn state established "( sport = :$port or dport = :$port )") ]]
}

blackout_done() {
	[[ -n ${blackout_pid:-} ]] || return 0
	wait "$blackout_pid" || true
	blackout_pid=
	grep -q "blackout ends" "$EX_LOGS/blackout-$1.log" ||
		t_fail "the blackout did not happen"
}

# receive_on SIDE NAME: toe-recvfile receiving on side A or B; sets rx_pid
# and rx_log.
receive_on() {
	local side=$1 name=$2 ip
	[[ $side == a ]] && ip=$TOPO_IP_A || ip=$TOPO_IP_B
	rx_log=$EX_LOGS/receive-$name.log
	ex_bg "$rx_log" "on_$side" "$EX_BIN/toe-recvfile" receive --threshold 1M \
		--region-size 16M --bytes "$bytes" "$ip:$port"
	rx_pid=$EX_LAST_PID
	ex_wait_line "$rx_log" '^listening on'
}

wait_receiver() {
	local rc=0
	ex_wait_pid "$rx_pid" "$limit" || rc=$?
	ex_show "$rx_log"
	((rc == 0)) || t_fail "the receiver exited with $rc (124: it hung)"
}

# Linux (python3, from side B) to toe-recvfile on side A.
linux_to_toe() {
	local kind=$1 name="$1-linux-to-toe"
	local tx=$EX_LOGS/send-$name.log
	receive_on a "$name"
	blackout_in_background "$kind" "$name" grep -q '^receiving from' "$rx_log"
	on_b timeout "$limit" python3 -c "$fault_py_send" "$TOPO_IP_A" "$port" \
		"$(numfmt --from=iec "$bytes")" 5 "$limit" >"$tx"
	wait_receiver
	blackout_done "$name"
	fault_same_stream "$tx" "$rx_log"
}

# A python3 sink on side B, in the background; sets sink_pid.
linux_sink_on_b() {
	ex_bg "$1" on_b timeout "$limit" python3 -c '
import hashlib, socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(1)
c, _ = l.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
print("received bytes=%d sha256=%s" % (n, h.hexdigest()), flush=True)
' "$TOPO_IP_B" "$port"
	sink_pid=$EX_LAST_PID
	wait_tcp_listen "$TOPO_NS_B" "$port"
}

wait_sink() {
	local rc=0
	ex_wait_pid "$sink_pid" "$limit" || rc=$?
	ex_show "$1"
	((rc == 0)) || t_fail "the Linux sink exited with $rc"
}

# toe-recvfile send on side A to a python3 sink on side B.
toe_to_linux() {
	local kind=$1 name="$1-toe-to-linux"
	local rx=$EX_LOGS/sink-$name.log tx=$EX_LOGS/send-$name.log
	linux_sink_on_b "$rx"
	blackout_in_background "$kind" "$name" established "$TOPO_NS_B"
	on_a timeout "$limit" "$EX_BIN/toe-recvfile" send --bytes "$bytes" \
		--seed 11 "$TOPO_IP_B:$port" >"$tx"
	wait_sink "$rx"
	blackout_done "$name"
	fault_same_stream "$tx" "$rx"
}

# Linux (python3) on side A, the engine detached, to the sink on side B:
# the reference the loss table compares the engine with. Linux's 200 ms
# minimum RTO makes it the slowest of the three: it gets twice the time.
linux_to_linux() {
	local kind=$1 name="$1-linux-to-linux" limit=$((limit * 2))
	local rx=$EX_LOGS/sink-$name.log tx=$EX_LOGS/send-$name.log
	linux_sink_on_b "$rx"
	on_a timeout "$limit" python3 -c "$fault_py_send" "$TOPO_IP_B" "$port" \
		"$(numfmt --from=iec "$bytes")" 17 "$limit" >"$tx"
	wait_sink "$rx"
	fault_same_stream "$tx" "$rx"
}

# timed NAME CMD...: run CMD and print its time and rate as a loss table
# line.
timed() {
	local what=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	python3 -c 'import sys
n, what, s = int(sys.argv[1]), sys.argv[2], float(sys.argv[4]) - float(sys.argv[3])
print("loss table: %-14s %d MiB in %.1f s, %.2f Mbit/s" % (what, n >> 20, s, n * 8 / s / 1e6))' \
		"$(numfmt --from=iec "$bytes")" "$what" "$t0" "$t1"
}

# The segments with more options than timestamps (SACK blocks, SYNs), on
# side B's link, for as long as the case runs.
sack_capture_on() {
	sack_pcap=$EX_LOGS/sack-$1.pcap
	ex_bg "$EX_LOGS/tcpdump-$1.log" on_b tcpdump -n -U -i "$TOPO_IF_B" \
		-s 128 -c 20000 -w "$sack_pcap" "tcp port $port and (tcp[12] >> 4) > 8"
	sack_capture_pid=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/tcpdump-$1.log" 'listening on'
}

# Both ends must have sent SACK blocks: Linux receiving from the engine,
# and the engine receiving from Linux.
sack_capture_check() {
	local decoded=$EX_LOGS/sack-$1.txt from_a from_b
	kill -INT "$sack_capture_pid" 2>/dev/null || true
	wait "$sack_capture_pid" 2>/dev/null || true
	tcpdump -n -r "$sack_pcap" 2>/dev/null | grep -F 'sack ' >"$decoded" || true
	from_a=$(grep -c "IP $TOPO_IP_A\.[0-9]* > $TOPO_IP_B\." "$decoded" || true)
	from_b=$(grep -c "IP $TOPO_IP_B\.[0-9]* > $TOPO_IP_A\." "$decoded" || true)
	echo "SACK blocks captured: from the engine $from_a, from Linux $from_b; the first of each:"
	grep -m1 "IP $TOPO_IP_A\." "$decoded" || true
	grep -m1 "IP $TOPO_IP_B\." "$decoded" || true
	((from_a > 0)) || t_fail "the engine sent no SACK block"
	((from_b > 0)) || t_fail "Linux sent the engine no SACK block"
}

# toe-recvfile send on side FROM to toe-recvfile receive on the other side,
# both sides' engines attached.
toe_to_toe() {
	local kind=$1 from=$2 to=$3 name="$1-toe-$2-to-toe-$3" ip
	local tx=$EX_LOGS/send-$name.log
	[[ $to == a ]] && ip=$TOPO_IP_A || ip=$TOPO_IP_B
	receive_on "$to" "$name"
	blackout_in_background "$kind" "$name" grep -q '^receiving from' "$rx_log"
	"on_$from" timeout "$limit" "$EX_BIN/toe-recvfile" send --bytes "$bytes" \
		--seed 13 "$ip:$port" >"$tx"
	wait_receiver
	blackout_done "$name"
	fault_same_stream "$tx" "$rx_log"
}

# Nothing may be left behind: no pinned page, context or ring.
all_released() {
	local c
	for c in pinned_pages ring_pages contexts; do
		wait_until 30 "$c to reach 0" test "$(toe_counter "$c")" -eq 0 ||
			t_fail "$c is $(toe_counter "$c") after the transfers"
	done
}

tracefs=/sys/kernel/tracing

# The flow tracepoints name each retransmission of this transfer's flow.
trace_flows_on() {
	echo >"$tracefs/trace"
	echo 1 >"$tracefs/events/toe/toe_retransmit/enable"
	echo 1 >"$tracefs/events/toe/toe_drop/enable"
}
trace_flows_check() {
	echo 0 >"$tracefs/events/toe/toe_retransmit/enable"
	echo 0 >"$tracefs/events/toe/toe_drop/enable"
	grep ' toe_retransmit: ' "$tracefs/trace" >"$EX_LOGS/retransmits.trace" || true
	echo "toe_retransmit records: $(wc -l <"$EX_LOGS/retransmits.trace"), the first:"
	head -n 3 "$EX_LOGS/retransmits.trace"
	grep -q "toe_retransmit: .* tcp $TOPO_IP_A:[0-9]* -> $TOPO_IP_B:$port seq=[0-9]* len=[1-9]" \
		"$EX_LOGS/retransmits.trace" ||
		t_fail "no toe_retransmit record names the lossy flow"
}

case_toe_linux() {
	local kind=$1 limit
	limit=$(transfer_limit "$kind")
	trap ex_down EXIT
	ex_up veth
	impair "$(impairment_of "$kind")"
	if [[ $kind == loss5 ]]; then
		ex_detach
		timed linux-to-linux linux_to_linux "$kind"
		ex_attach
		sack_capture_on "$kind"
		timed linux-to-toe linux_to_toe "$kind"
		trace_flows_on
		timed toe-to-linux toe_to_linux "$kind"
		trace_flows_check
		sack_capture_check "$kind"
	else
		linux_to_toe "$kind"
		toe_to_linux "$kind"
	fi
	on_a "$TOE_BUILD/tools/toectl/toectl" -j engine stats dev "$TOPO_IF_A" |
		python3 -c 'import json,sys
e = json.load(sys.stdin)[0]["counters"]
print("engine A: retransmits=%d drops=%d" % (e["tcp_retransmits"], e["tcp_drops"]))'
	all_released
}

case_toe_toe() {
	local kind=$1 limit
	limit=$(transfer_limit "$kind")
	trap 'on_b "$EX_BIN/toe-attach" --detach "$TOPO_IF_B" 2>/dev/null || true; ex_down' EXIT
	ex_up veth
	on_b "$EX_BIN/toe-attach" "$TOPO_IF_B"
	impair "$(impairment_of "$kind")"
	toe_to_toe "$kind" b a
	toe_to_toe "$kind" a b
	all_released
}

# toe_counters_check NAME>=N...: the engine's counters on side A.
toe_counters_check() {
	on_a "$TOE_BUILD/tools/toectl/toectl" -j engine stats dev "$TOPO_IF_A" |
		python3 -c 'import json, sys
e = json.load(sys.stdin)[0]["counters"]
names = ("tcp_pmtu_icmp_in", "tcp_pmtu_icmp_ignored", "tcp_pmtu_reductions",
         "tcp_plpmtud_blackholes", "tcp_plpmtud_probes",
         "tcp_plpmtud_probe_acked", "tcp_plpmtud_probes_lost",
         "tcp_retransmits", "glue_rx_copied")
print("engine A: " + " ".join("%s=%d" % (n, e[n]) for n in names))
bad = []
for want in sys.argv[1:]:
    if ">=" in want:
        n, v = want.split(">=")
        ok = e[n] >= int(v)
    else:
        n, v = want.split("==")
        ok = e[n] == int(v)
    if not ok:
        bad.append("%s is %d" % (want, e[n]))
if bad:
    sys.exit("counters: " + ", ".join(bad))' "$@"
}

# A toe sender through the narrow router to a Linux sink: with ICMP, or
# with the router's ICMP "fragmentation needed" dropped on its way back.
case_pmtu() {
	local kind=$1 limit
	limit=$(transfer_limit "$kind")
	trap ex_down EXIT
	ex_up routed
	if [[ $kind == pmtu_blackhole ]]; then
		topo_require_modules sch_prio cls_u32 act_gact
		ns_exec "$TOPO_NS_R" tc qdisc add dev rr-a root handle 1: prio
		# IPv4 protocol 1, ICMP type 3 code 4 (the router's header has
		# no options: ICMP starts at byte 20)
		ns_exec "$TOPO_NS_R" tc filter add dev rr-a parent 1: protocol ip \
			prio 1 u32 match ip protocol 1 0xff \
			match u8 3 0xff at 20 match u8 4 0xff at 21 action drop
	fi
	toe_to_linux "$kind"
	if [[ $kind == pmtu_icmp ]]; then
		toe_counters_check tcp_pmtu_icmp_in\>=1 tcp_pmtu_reductions\>=1 \
			glue_rx_copied\>=1 ||
			t_fail "the engine did not learn the path MTU from ICMP"
	else
		ns_exec "$TOPO_NS_R" tc -s filter show dev rr-a parent 1:
		toe_counters_check tcp_pmtu_icmp_in==0 tcp_plpmtud_blackholes\>=1 \
			tcp_pmtu_reductions\>=1 tcp_plpmtud_probes\>=1 ||
			t_fail "the engine did not find the black hole"
	fi
	all_released
}

for kind in "${kinds[@]}"; do
	for pair in "${pairs[@]}"; do
		name=${kind}_$pair
		wanted "$name" || continue
		if [[ $kind == pmtu_* ]]; then
			t_case "$name" case_pmtu "$kind"
		else
			t_case "$name" "case_$pair" "$kind"
		fi
	done
done
t_finish
