#!/bin/bash
# Memory pressure: Linux blasts a stream at a toe application that posts no
# named buffer for a while. The engine must shut the window instead of
# dropping, keep its buflets within the socket's limit, and lose nothing it
# acknowledged: once buffers come, the whole stream arrives, SHA-256 equal.
#
# TOE_FAULT_BYTES sets the stream's size (default 32M).
set -euo pipefail
TOE_EXAMPLES_WIRES=veth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bytes=${TOE_FAULT_BYTES:-32M}
t_expect $((30 + $(t_mib "$bytes")))
port=7650
TOECTL=$TOE_BUILD/tools/toectl/toectl

# sock_json EXPR: evaluate EXPR over the only TCP connection toectl lists
# on side A (s), with the engine's counters (e).
sock_eval() {
	local socks engine
	socks=$(on_a "$TOECTL" -j socket show)
	engine=$(on_a "$TOECTL" -j engine stats dev "$TOPO_IF_A")
	python3 -c '
import json, sys
socks = [s for s in json.loads(sys.argv[1]) if s.get("state") == "ESTABLISHED"]
e = json.loads(sys.argv[2])[0]["counters"]
if len(socks) != 1:
    sys.exit(1)
s = socks[0]
print(eval(sys.argv[3]))
' "$socks" "$engine" "$1"
}

# The window the Linux sender was last given (ss -i: snd_wnd, which ss
# leaves out when it is 0); "none" when there is no such connection.
peer_snd_wnd() {
	local info
	info=$(on_b ss -Htin state established "dst $TOPO_IP_A:$port")
	if [[ -z $info ]]; then
		echo none
	elif [[ $info =~ snd_wnd:([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo 0
	fi
}
window_shut() {
	[[ $(peer_snd_wnd) == 0 && $(sock_eval 's["buflets_held"] > 0') == True ]]
}

case_reader_falls_behind() {
	trap ex_down EXIT
	ex_up veth
	local rx=$EX_LOGS/receive.log tx=$EX_LOGS/send.log
	local hold_ms=600000
	ex_bg "$rx" on_a "$EX_BIN/toe-recvfile" receive --hold-ms "$hold_ms" \
		--threshold 256K --region-size 4M --bytes "$bytes" "$TOPO_IP_A:$port"
	local rx_pid=$EX_LAST_PID
	ex_wait_line "$rx" '^listening on'
	# The window stays shut for as long as the samples below take, which
	# on a loaded test host is minutes: the sender must wait that out.
	ex_bg "$tx" on_b python3 -c "$fault_py_send" "$TOPO_IP_A" "$port" \
		"$(numfmt --from=iec "$bytes")" 3 "$((hold_ms / 1000 + 60))"
	local tx_pid=$EX_LAST_PID
	ex_wait_line "$rx" '^holding'

	wait_until 120 "the receive window to shut" window_shut ||
		t_fail "the window never shut: sender's window $(peer_snd_wnd), $(sock_eval 's')"
	# The sender keeps pushing (zero-window probes) while nothing is
	# posted: the pool stays within the socket's limit, nothing is refused.
	local i held limit held_first
	limit=$(sock_eval 'e["buflets_total"]')
	held_first=$(sock_eval 's["buflets_held"]')
	for i in 1 2 3 4 5; do
		sleep 1
		held=$(sock_eval 's["buflets_held"]')
		echo "held: buflets=$held, the sender's window $(peer_snd_wnd)," \
			"engine buflets_in_use=$(sock_eval 'e["buflets_in_use"]') of $limit"
		[[ $(sock_eval 's["buflets_held"] == e["buflets_in_use"]') == True ]] ||
			t_fail "buflets are in use beyond what the socket holds"
		[[ $(sock_eval 's["buflets_held"]') == "$held_first" ]] ||
			t_fail "the socket's buflets grew while the window was shut"
		local wnd
		wnd=$(peer_snd_wnd)
		[[ $wnd == 0 ]] || t_fail "the window reopened with nothing posted:" \
			"the sender's window $wnd ($(on_b ss -Htin state established \
			"dst $TOPO_IP_A:$port")); toe's socket $(sock_eval 's')"
	done
	[[ $(sock_eval 'e["drop_no_buflet"]') == 0 ]] ||
		t_fail "in-window data was refused for lack of buflets"
	local parked
	parked=$(sock_eval 's["bytes_parked"]')
	echo "parked while held: $parked bytes"

	kill -USR1 "$rx_pid"
	local rc=0
	ex_wait_pid "$rx_pid" 600 || rc=$?
	ex_show "$rx"
	((rc == 0)) || t_fail "toe-recvfile exited with $rc"
	ex_wait_pid "$tx_pid" 60 || t_fail "the Linux sender did not finish"
	ex_show "$tx"
	fault_same_stream "$tx" "$rx"
	local stats
	stats=$(on_a "$TOECTL" -j engine stats dev "$TOPO_IF_A")
	python3 -c '
import json, sys
e = json.loads(sys.argv[1])[0]["counters"]
# Refusals after the release are segments the sender retransmits (they
# were never acknowledged); the digests above show nothing acknowledged
# went missing.
print("after: drop_no_buflet=%d buflets_in_use=%d bytes_parked=%d" %
      (e["drop_no_buflet"], e["buflets_in_use"], e["bytes_parked"]))
assert e["buflets_in_use"] == 0, "buflets were kept after the connection"
' "$stats"
}

t_case reader_falls_behind_window_shuts_nothing_lost case_reader_falls_behind
t_finish
