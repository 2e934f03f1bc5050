#!/bin/bash
# toectl and the "toe" generic netlink family on the test host: attach and
# detach, the engine, app, socket and buffer listings while toe-echo serves
# a Linux client, permissions for an unprivileged user, the events groups
# (toectl monitor, connection events included) and the tracepoints; then
# the listener, summary, options and limits views against a listener whose
# accept queue Linux clients fill. Run it with:
#
#   tests/vm/run tests/vm/toectl.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/lib.sh
source "$here/examples/lib.sh"
t_expect 60

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
	# Out-of-range or unknown polling options are refused before netlink.
	rc=0
	out=$("$TOECTL" engine attach dev lo rx-defer-us 10001 2>&1) || rc=$?
	((rc == 2)) && [[ $out == *"rx defer time"* ]] || t_fail "rx-defer-us 10001: $rc $out"
	rc=0
	out=$("$TOECTL" engine attach dev lo poll sometimes 2>&1) || rc=$?
	((rc == 2)) && [[ $out == *"unknown poll mode"* ]] || t_fail "poll sometimes: $rc $out"
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

	on_a "$TOECTL" engine attach dev "$TOPO_IF_A" idle-us 1000 poll adaptive rx-defer-us 120
	json=$(on_a "$TOECTL" -j engine show)
	json_check "$json" "len(d) == 1 and d[0]['ifname'] == '$TOPO_IF_A' and d[0]['idle_us'] == 1000 and d[0]['buflets'] > 0" \
		"engine show does not list the attached engine"
	json_check "$json" "d[0]['poll'] == 'adaptive' and d[0]['rx_defer_us'] == 120 and d[0]['wait'] == 'inline'" \
		"engine show does not give the polling options"
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
	json_check "$json" "any(s['bytes_received'] == 3000 and s['bytes_sent'] >= 3000 and s['segs_in'] > 0 and s['segs_out'] > 0 for s in d)" \
		"socket show lacks the connection's byte and segment counts"
	# The peer has all 3000 bytes; its ACK reaches the engine in its time.
	for _ in $(seq 50); do
		json=$(on_a "$TOECTL" -j socket show state established)
		python3 -c 'import json,sys; sys.exit(0 if any(s["bytes_acked"] == 3000 for s in json.loads(sys.argv[1])) else 1)' "$json" && break
		sleep 0.2
	done
	json_check "$json" "any(s['bytes_acked'] == 3000 for s in d)" \
		"the echoed bytes are not counted as acknowledged"
	# toectl itself opens no application context, not even for its version.
	on_a "$TOECTL" version >/dev/null
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
	json_check "$json" "any(a['pid'] == $server_pid and a['sockets'] >= 2 and a['buffers_posted'] >= 1 and a['sq_pending'] == 0 and 'cq_pending' in a and a['cq_overflow'] == 0 for a in d)" \
		"app show lacks toe-echo's totals and ring fill"
	json_check "$json" "all(a['comm'] != 'toectl' for a in d)" "toectl shows up as an application"
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
        ("accepted", dev, pid), ("closed", dev, pid),
        ("app-closed", None, pid), ("engine-detached", dev, None)]
own = [e for e in events if e.get("comm") == "toectl"]
if own:
    sys.exit("monitor reports toectl itself: %s" % own)
acc = [e for e in events if e["event"] == "accepted"]
if not acc or not acc[0].get("remote") or acc[0].get("state") != "ESTABLISHED":
    sys.exit("the accepted event lacks its peer or state: %s" % acc)
at = 0
for k in kinds:
    if at < len(want) and k[0] == want[at][0] and \
       (want[at][1] is None or k[1] == want[at][1]) and \
       (want[at][2] is None or k[2] == want[at][2]):
        at += 1
sys.exit(0 if at == len(want) else "monitor missed events: %s" % kinds)
PY
}

# Linux clients: each connects to argv[1]:argv[2] and holds the connection
# until the file argv[3] exists; a connect the engine never completes
# (its accept queue is full) just keeps trying.
write_holders() {
	cat >"$EX_TMP/hold.py" <<'PY'
import os, socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=120)
    print("connected", flush=True)
except OSError as e:
    print("no connection:", e, flush=True)
    sys.exit(0)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
PY
}

# Polls (up to 20 s) until the JSON toectl prints for "$@" satisfies expr.
wait_json() {
	local expr=$1 json
	shift
	for _ in $(seq 100); do
		json=$(on_a "$TOECTL" "$@")
		python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$json" "$expr" && return 0
		sleep 0.2
	done
	return 1
}

case_views() {
	local release=$EX_TMP/release-views json text hold_pid lport=7200 i
	trap 'touch "$EX_TMP/release-views"; ex_down' EXIT
	toe_load
	topo_veth
	topo_ping "$TOPO_NS_B" "$TOPO_IP_A"
	on_a "$TOECTL" engine attach dev "$TOPO_IF_A"

	# The per-socket limits are kmod/core's defaults (toe_engine_config_defaults).
	json=$(on_a "$TOECTL" -j engine show)
	echo "engine show: $json"
	json_check "$json" "d[0]['sock_buffers_max'] == 256 and d[0]['sock_sends_max'] == 1024 and d[0]['sock_accepts_max'] == 256 and d[0]['backlog_max'] == 65535 and d[0]['app_sq_max'] == 16384 and d[0]['app_cq_max'] == 65536 and d[0]['syn_queue_max'] > 0" \
		"engine show lacks the engine's limits"
	on_a "$TOECTL" engine show | grep -q 'sock_buffers_max 256 sock_sends_max 1024 sock_accepts_max 256' ||
		t_fail "engine show's text lacks the per-socket limits"

	ex_bg "$EX_LOGS/hold.log" on_a "$TOE_BUILD/tests/vm/toe_listen_hold" "$TOPO_IP_A" "$lport" 2 "$release"
	hold_pid=$EX_LAST_PID
	ex_wait_line "$EX_LOGS/hold.log" '^listening'
	json=$(on_a "$TOECTL" -j listener show)
	echo "listener show, empty: $json"
	json_check "$json" "len(d) == 1 and d[0]['backlog'] == 2 and d[0]['acceptq'] == 0 and d[0]['synq'] == 0 and d[0]['acceptq_overflows'] == 0 and d[0]['comm'] == 'toe_listen_hold'" \
		"listener show: not the idle listener"

	# Two connections fill the backlog of 2; the third SYN (and each of its
	# retries) finds the accept queue full.
	write_holders
	for i in 1 2; do
		ex_bg "$EX_LOGS/holder$i.log" on_b python3 "$EX_TMP/hold.py" "$TOPO_IP_A" "$lport" "$release"
		ex_wait_line "$EX_LOGS/holder$i.log" '^connected'
	done
	ex_bg "$EX_LOGS/holder3.log" on_b python3 "$EX_TMP/hold.py" "$TOPO_IP_A" "$lport" "$release"
	wait_json "len(d) == 1 and d[0]['acceptq'] == 2 and d[0]['acceptq_overflows'] >= 1" -j listener show ||
		t_fail "listener show: no full accept queue with an overflow"
	json=$(on_a "$TOECTL" -j listener show port "$lport")
	echo "listener show, full: $json"
	json_check "$json" "d[0]['backlog'] == 2 and d[0]['accept_reqs'] == 0 and d[0]['child_failures'] == 0 and d[0]['syncookies_sent'] == 0 and d[0]['user_ref'] == 0xfeed0001" \
		"listener show: wrong queue or drop counts, or not the TOE_SO_REF reference"
	json_check "$(on_a "$TOECTL" -j listener show port 1)" "d == []" "listener show's port filter lets others through"
	text=$(on_a "$TOECTL" -d listener show)
	echo "$text"
	[[ $text == *"acceptq 2 backlog 2"* && $text == *"user_ref 0xfeed0001"* ]] ||
		t_fail "listener show's text: $text"

	# The listener's options, in details and JSON only; references in hex.
	json=$(on_a "$TOECTL" -j socket show state listen)
	json_check "$json" "len(d) == 1 and d[0]['nodelay'] is True and d[0]['keepalive'] is True and d[0]['keepidle_s'] == 30 and d[0]['anon_delivery'] is False and d[0]['user_timeout_ms'] == 0 and d[0]['user_ref'] == 0xfeed0001" \
		"socket show lacks the listener's options or its reference"
	text=$(on_a "$TOECTL" -d socket show state listen)
	echo "$text"
	[[ $text == *"user_ref 0xfeed0001"* && $text == *"nodelay on keepalive on keepidle_s 30"* ]] ||
		t_fail "socket show -d's text lacks the options or the hex reference: $text"
	text=$(on_a "$TOECTL" socket show state listen)
	[[ $text != *keepidle_s* ]] || t_fail "options shown without -d: $text"

	json=$(on_a "$TOECTL" -j socket summary)
	echo "socket summary: $json"
	json_check "$json" "len(d) == 1 and d[0]['dev'] == '$TOPO_IF_A' and d[0]['listen'] == 1 and d[0]['established'] == 2 and d[0]['udp'] == 0 and d[0]['tcp'] == d[0]['total'] and d[0]['total'] == sum(d[0][k] for k in d[0] if k not in ('dev', 'total', 'tcp'))" \
		"socket summary does not count the listener and its two connections"
	on_a "$TOECTL" socket summary
	json=$(on_a "${nobody[@]}" "$TOECTL" -j socket summary)
	json_check "$json" "len(d) == 1 and d[0]['total'] == 0" "an unprivileged user counts root's sockets"

	touch "$release"
	ex_wait_pid "$hold_pid" 60 || t_fail "toe_listen_hold did not finish"
	on_a "$TOECTL" engine detach dev "$TOPO_IF_A"
}

t_case errors_and_help case_errors
t_case listing_permissions_and_events case_listing
t_case listener_summary_options_limits case_views
toe_load
t_finish
