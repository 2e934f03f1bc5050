#!/bin/bash
# toectl and the "toe" generic netlink family on the test host: attach and
# detach, the engine, app, socket and buffer listings while toe-echo serves
# a Linux client, permissions for an unprivileged user, the events group
# (toectl monitor) and the tracepoints. Run it with:
#
#   tests/vm/run tests/vm/toectl.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/lib.sh
source "$here/examples/lib.sh"
t_expect 30

TOECTL=$TOE_BUILD/tools/toectl/toectl
port=7100
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
tracefs=/sys/kernel/tracing

# json_check JSON PYTHON-EXPR MESSAGE: fail unless the expression, over the
# parsed JSON as "d", is true.
json_check() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" || {
		echo "$1" >&2
		t_fail "$3"
	}
}

case_errors() {
	local out rc=0
	toe_load
	out=$("$TOECTL" engine attach dev no-such-dev 2>&1) || rc=$?
	((rc != 0)) || t_fail "attaching to a missing device succeeded"
	[[ $out == *"no such device"* ]] || t_fail "unclear error: $out"
	rc=0
	out=$("$TOECTL" engine frobnicate 2>&1) || rc=$?
	((rc != 0)) || t_fail "an unknown command succeeded"
	"$TOECTL" help >/dev/null
	"$TOECTL" engine help | grep -q 'engine attach dev NAME'
	json_check "$("$TOECTL" -j engine show)" 'd == []' "an engine is listed with none attached"
}

# The Linux peer: connects, has 3000 bytes echoed, then holds the connection
# open until the file argv[3] exists.
write_peer() {
	cat >"$EX_TMP/peer.py" <<'PY'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
data = bytes(range(256)) * 12
s.sendall(data[:3000])
got = b""
while len(got) < 3000:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("the echo ended early")
    got += chunk
assert got == data[:3000], "echo differs"
print("echoed", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
s.close()
PY
}

case_listing() {
	local release=$EX_TMP/release json rc=0 out server_pid mon_pid
	trap 'touch "$EX_TMP/release"; ex_down' EXIT
	toe_load
	topo_veth
	topo_ping "$TOPO_NS_A" "$TOPO_IP_B"
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"

	[[ -d $tracefs/events/toe ]] || t_fail "no toe tracepoints in $tracefs/events"
	echo 1 >"$tracefs/events/toe/enable"

	ex_bg "$EX_LOGS/monitor.log" on_a "$TOECTL" -j monitor
	mon_pid=$EX_LAST_PID
	sleep 1 # the monitor joins the group before the first event

	on_a "$TOECTL" engine attach dev "$TOPO_IF_A" idle-us 1000
	json=$(on_a "$TOECTL" -j engine show)
	json_check "$json" "len(d) == 1 and d[0]['ifname'] == '$TOPO_IF_A' and d[0]['idle_us'] == 1000 and d[0]['buflets'] > 0" \
		"engine show does not list the attached engine"
	json=$(on_a "$TOECTL" -j engine stats dev "$TOPO_IF_A")
	json_check "$json" "'tcp_segs_in' in d[0]['counters'] and 'glue_rx_stolen' in d[0]['counters']" \
		"engine stats has no counters"

	ex_bg "$EX_LOGS/server.log" on_a "$EX_BIN/toe-echo" server --verbose --count 1 "$TOPO_IP_A:$port"
	server_pid=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/server.log" '^listening on'
	write_peer
	ex_bg "$EX_LOGS/client.log" on_b python3 "$EX_TMP/peer.py" "$TOPO_IP_A" "$port" "$release"
	ex_wait_line "$EX_LOGS/client.log" '^echoed'

	json=$(on_a "$TOECTL" -j socket show state established)
	echo "socket show: $json"
	json_check "$json" "any(s['state'] == 'ESTABLISHED' and s['local'] == '$TOPO_IP_A:$port' and s['remote'].startswith('$TOPO_IP_B:') and s['bytes_placed'] >= 3000 and s['comm'] == 'toe-echo' for s in d)" \
		"socket show lacks the established connection with its bytes"
	json=$(on_a "$TOECTL" -j socket show port "$port" pid "$server_pid")
	json_check "$json" "len(d) >= 1 and all(s['pid'] == $server_pid for s in d)" \
		"the port and pid filters do not select the server's sockets"
	json=$(on_a "$TOECTL" -j socket show port 1)
	json_check "$json" "d == []" "the port filter lets other sockets through"

	json=$(on_a "$TOECTL" -j buffer show)
	echo "buffer show: $json"
	json_check "$json" "len(d) >= 1 and all(b['length'] > 0 for b in d)" \
		"buffer show lacks the server's posted named buffers"

	json=$(on_a "$TOECTL" -j app show)
	echo "app show: $json"
	json_check "$json" "any(a['pid'] == $server_pid and a['comm'] == 'toe-echo' and a['pinned_pages'] > 0 and a['sq'] > 0 for a in d)" \
		"app show lacks toe-echo with its pinned pages"
	on_a "$TOECTL" socket show
	on_a "$TOECTL" -d app show

	# An unprivileged user reads engines but not root's sockets, and may
	# not attach or detach.
	out=$(on_a "${nobody[@]}" "$TOECTL" engine attach dev "$TOPO_IF_A" 2>&1) || rc=$?
	echo "unprivileged attach: $out"
	((rc != 0)) || t_fail "an unprivileged attach succeeded"
	[[ $out == *"permission denied"* && $out == *CAP_NET_ADMIN* ]] ||
		t_fail "unclear permission error: $out"
	rc=0
	out=$(on_a "${nobody[@]}" "$TOECTL" engine detach dev "$TOPO_IF_A" 2>&1) || rc=$?
	((rc != 0)) || t_fail "an unprivileged detach succeeded"
	json=$(on_a "${nobody[@]}" "$TOECTL" -j engine show)
	json_check "$json" "len(d) == 1" "an unprivileged user cannot list engines"
	json=$(on_a "${nobody[@]}" "$TOECTL" -j socket show)
	json_check "$json" "d == []" "an unprivileged user sees root's sockets"

	"$TOECTL" engine reset 2>/dev/null || true # not in this namespace: no effect
	on_a "$TOECTL" engine reset dev "$TOPO_IF_A"
	json=$(on_a "$TOECTL" -j engine stats)
	json_check "$json" "d[0]['counters']['tcp_segs_in'] == 0 and d[0]['counters']['sockets'] >= 1" \
		"counters were not reset (or gauges were)"

	touch "$release"
	ex_wait_pid "$server_pid" 60 || t_fail "toe-echo did not finish"
	on_a "$TOECTL" engine detach dev "$TOPO_IF_A"
	rc=0
	out=$(on_a "$TOECTL" engine detach dev "$TOPO_IF_A" 2>&1) || rc=$?
	((rc != 0)) && [[ $out == *"no engine"* ]] || t_fail "a second detach: $out"
	echo 0 >"$tracefs/events/toe/enable"
	grep ' toe_' "$tracefs/trace" >"$EX_LOGS/trace.log" || true
	ex_show "$EX_LOGS/trace.log" | tail -20
	grep -q 'toe_sock_state: .*event=accepted state=ESTABLISHED' "$EX_LOGS/trace.log" ||
		t_fail "no toe_sock_state event for the accepted connection"
	grep -q 'toe_sock_state: .*event=closed' "$EX_LOGS/trace.log" ||
		t_fail "no toe_sock_state event for the close"
	grep -q 'toe_buffer_return: .*named .*reason=' "$EX_LOGS/trace.log" ||
		t_fail "no toe_buffer_return event"
	sleep 1
	kill -TERM -- "-$mon_pid" 2>/dev/null || true
	ex_show "$EX_LOGS/monitor.log"
	python3 - "$EX_LOGS/monitor.log" "$server_pid" "$TOPO_IF_A" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
pid, dev = int(sys.argv[2]), sys.argv[3]
kinds = [(e["event"], e.get("dev"), e.get("pid")) for e in events]
want = [("engine-attached", dev, None), ("app-opened", None, pid),
        ("app-closed", None, pid), ("engine-detached", dev, None)]
at = 0
for k in kinds:
    if at < len(want) and k[0] == want[at][0] and \
       (want[at][1] is None or k[1] == want[at][1]) and \
       (want[at][2] is None or k[2] == want[at][2]):
        at += 1
sys.exit(0 if at == len(want) else "monitor missed events: %s" % kinds)
PY
}

t_case errors_and_help case_errors
t_case listing_permissions_and_events case_listing
toe_load
t_finish
